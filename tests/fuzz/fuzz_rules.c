/*
 * fuzz_rules.c - the rule-file parser (rules_load) on arbitrary bytes.
 *
 * rules.c has no in-memory entry point, so each input is written to a
 * temporary *.rules file.  Any outcome is fine except a crash, a sanitizer
 * report, a leak, or an error message that breaks the diag contract
 * (non-empty, NUL-terminated within DIAG_MAX, "file:..." first).  A loaded
 * policy is also linted, which walks every part of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "policy.h"
#include "lint.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[256];
	struct diag err;
	const char *paths[1];
	struct policy *p;

	if (size > 64 * 1024)
		return 0;	/* the parser is linear; big inputs only slow the search */
	if (!path[0])
		fz_path(path, sizeof(path), ".rules");
	fz_write(path, data, size);
	paths[0] = path;
	memset(&err, 0x55, sizeof(err));
	p = rules_load(paths, 1, &err);
	if (!p) {
		/*
		 * Every error names a file first: this one, or one it includes
		 * (an input may include any path, the corpus directory too).
		 */
		if (!memchr(err.msg, '\0', sizeof(err.msg)) || err.msg[0] == '\0' ||
		    !strchr(err.msg, ':'))
			abort();
		return 0;
	}
	size_t n = 0;
	lint_free(lint_policy(p, &n), n);
	policy_free(p);
	return 0;
}
