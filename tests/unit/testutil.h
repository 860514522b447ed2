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
#include <errno.h>
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

/* Runs fn(arg) with TMPDIR naming a directory that does not exist. */
static inline void tu_without_tmpdir(void (*fn)(void *), void *arg)
{
	const char *old = getenv("TMPDIR");
	char *keep = old ? strdup(old) : NULL;
	setenv("TMPDIR", "/nonexistent/dpfaudit-test", 1);
	fn(arg);
	if (keep)
		setenv("TMPDIR", keep, 1);
	else
		unsetenv("TMPDIR");
	free(keep);
}

/* A growable byte array (test code only; allocation failure fails the test). */
struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static inline void bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		ck_assert_ptr_nonnull(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
}

/* Append the whole file at path to b. */
static inline void slurp(const char *path, struct bytes *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		bytes_add(b, chunk, got);
	fclose(f);
}

/*
 * Capture what the code under test writes to fd 1 or 2 (stdout, stderr,
 * also from other threads): tu_cap_start(&c, 2) ... tu_cap_end(&c)
 * returns the text (up to sizeof(c.text) - 1 bytes), valid until c goes.
 */
struct tu_cap {
	int fd, saved;
	char path[32];
	char text[8192];
};

static inline void tu_cap_start(struct tu_cap *c, int fd)
{
	strcpy(c->path, "/tmp/dpftest-cap.XXXXXX");
	int t = mkstemp(c->path);
	ck_assert_int_ge(t, 0);
	fflush(fd == 1 ? stdout : stderr);
	c->fd = fd;
	c->saved = dup(fd);
	ck_assert_int_ge(dup2(t, fd), 0);
	close(t);
}

static inline const char *tu_cap_end(struct tu_cap *c)
{
	struct bytes b = { 0 };
	fflush(c->fd == 1 ? stdout : stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	slurp(c->path, &b);
	unlink(c->path);
	snprintf(c->text, sizeof(c->text), "%s", b.n ? (const char *)b.p : "");
	free(b.p);
	return c->text;
}

#endif
