/*
 * fuzz_expect.c - the `# expect:` annotation parser (exp_load) on arbitrary
 * sample files, twice into one set (two samples), with the built-in check
 * ids plus a custom one.  Invariants: entries are ordered by file then line
 * and each line carries one entry; every entry's ids are sorted, unique and
 * in range, and lie inside set->ids; the expectation comes before its log
 * line (or is the record itself, in a JSON document); every error names
 * the file; errors are capped at EXP_MAX_ERRORS + 1;
 * exp_find finds every entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "expect.h"
#include "policy.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[256];
	static struct pol_check checks[CHK_BUILTIN_COUNT + 1];
	static struct policy pol = { .checks = checks, .nchecks = CHK_BUILTIN_COUNT + 1 };
	const size_t nids = CHK_BUILTIN_COUNT + 1;
	struct exp_set set = EXP_SET_INIT;
	struct diag err;

	if (size > 128 * 1024)
		return 0;
	if (!path[0]) {
		fz_path(path, sizeof(path), ".log");
		for (int i = 0; i < CHK_BUILTIN_COUNT; i++)
			checks[i].id = chk_info((enum chk_id)i)->id;
		checks[CHK_BUILTIN_COUNT].id = "custom-export-check";
	}
	fz_write(path, data, size);
	for (int round = 0; round < 2; round++) {
		enum exp_status st = exp_load(&set, path, &pol, &err);
		if (st != EXP_OK && st != EXP_INVALID && st != EXP_UNREADABLE)
			abort();
		if (st != EXP_OK && (!memchr(err.msg, '\0', sizeof(err.msg)) || !err.msg[0]))
			abort();
	}
	if (set.nfiles != 2 || set.nerrors > EXP_MAX_ERRORS + 1)
		abort();
	/* The last of a capped list says that more were dropped (no location). */
	for (size_t i = 0; i < set.nerrors && i < EXP_MAX_ERRORS; i++)
		if (strncmp(set.errors[i], path, strlen(path)) != 0)
			abort();
	for (size_t i = 0; i < set.n; i++) {
		const struct exp_entry *e = &set.v[i];
		if (e->file >= 2 || e->first + e->n > set.nids || e->expect_line > e->line)
			abort();
		if (i && (set.v[i - 1].file > e->file ||
			  (set.v[i - 1].file == e->file && set.v[i - 1].line >= e->line)))
			abort();
		for (size_t k = 0; k < e->n; k++) {
			uint32_t id = set.ids[e->first + k];
			if (id >= nids || (k && set.ids[e->first + k - 1] >= id))
				abort();
			if (!exp_expects(&set, e, id))
				abort();
		}
		if (exp_find(&set, e->file, e->line) != e)
			abort();
	}
	/* Both copies of the sample annotate the same lines. */
	size_t n0 = 0;
	for (size_t i = 0; i < set.n; i++)
		n0 += set.v[i].file == 0;
	if (set.n != 2 * n0)
		abort();
	exp_release(&set);
	return 0;
}
