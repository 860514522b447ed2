/*
 * testutil.h - shared by the Check unit tests.
 *
 * SRCDIR and SHARED_TESTDATA are absolute paths set by Makefile.am, so a
 * test finds samples/ and ../shared/testdata/ from any build directory.
 * TEST_MAIN(suite_fn) defines main() running one suite with CK_NORMAL
 * output (the closing "N%: Checks: N, Failures: N, Errors: N" line).
 */
#ifndef DPF_TESTUTIL_H
#define DPF_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SRCDIR
#define SRCDIR "."
#endif
#ifndef SHARED_TESTDATA
#define SHARED_TESTDATA SRCDIR "/../shared/testdata"
#endif

#define TEST_MAIN(suite_fn)                                              \
	int main(void)                                                   \
	{                                                                \
		SRunner *sr = srunner_create(suite_fn());                \
		srunner_run_all(sr, CK_ENV);                             \
		int failed = srunner_ntests_failed(sr);                  \
		srunner_free(sr);                                        \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;             \
	}

/* Write bytes to a new temporary file; returns its malloc'd path. */
static inline char *tu_write_tmp(const void *data, size_t n)
{
	char tmpl[] = "/tmp/dpftest.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "wb");
	if (!f)
		return NULL;
	if (n)
		fwrite(data, 1, n, f);
	fclose(f);
	char *p = malloc(sizeof(tmpl));
	if (p)
		memcpy(p, tmpl, sizeof(tmpl));
	return p;
}

#endif
