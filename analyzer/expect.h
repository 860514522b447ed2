/*
 * expect.h - expectations annotated in sample logs (SPEC §6), for
 * `dpfaudit test`.
 *
 * A comment line `# expect: CHECK[, CHECK...]` or `# expect: none` applies
 * to the NEXT log line: the next line that is neither blank nor a '#'
 * comment (the lines the audit skips too, audit.h).  Several expect lines
 * before one log line accumulate; `none` says explicitly that the line
 * must fire nothing and cannot be combined with a check.  Check ids are
 * separated by commas (and/or white space) and compared without regard to
 * case; a '#' after the colon starts a trailing remark.  Only `#`, white space, `expect`, white space, `:` opens
 * an annotation: any other comment is just a comment.
 *
 * A JSON document of records (lines.h) has no comment lines: a record's
 * own top-level key "# expect" carries its list, as a string in the same
 * syntax; a value that is not a string is an error naming file:record.
 *
 * Lines are read with input.h/lines.h, so gzip samples work and the number
 * stored for a log line is exactly the one the audit gives its findings
 * (struct finding.line): `zcat FILE | sed -n LINEp` shows it.  A line that
 * carries no annotation has no entry: `dpfaudit test` expects no finding
 * on it (SPEC §6).
 *
 * The set owns everything it points to; exp_release() frees it.  Not on
 * the hot path: a sample is read once, before the audit.
 */
#ifndef DPF_EXPECT_H
#define DPF_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* One annotated log line. */
struct exp_entry {
	uint32_t file;		/* index of the sample (order of exp_load calls) */
	uint64_t line;		/* the log line's number (lines.h numbering) */
	uint64_t expect_line;	/* line of its first `# expect:` comment (a document's record: its own) */
	size_t first, n;	/* expected check indexes: set->ids[first .. first+n), sorted, unique */
};

struct exp_set {
	struct exp_entry *v;	/* ordered by file, then line */
	size_t n, cap;
	uint32_t *ids;		/* indexes into the policy's checks given to exp_load() */
	size_t nids, capids;
	char **files;		/* owned copies of the sample paths */
	size_t nfiles;
	char **errors;		/* owned: every annotation error, "file:line: ..." */
	size_t nerrors;
};

#define EXP_SET_INIT { NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL, 0 }

/* Errors kept per set; past this one more error says how many were dropped. */
#define EXP_MAX_ERRORS 100

enum exp_status {
	EXP_OK = 0,
	EXP_INVALID = -1,	/* annotation errors: see set->errors (exit 2) */
	EXP_UNREADABLE = -2,	/* could not be opened or is damaged (exit 3) */
};

/*
 * Read the annotations of one sample and append them as file index
 * set->nfiles (so call it in the order the audit reads its inputs).
 * The known check ids are pol's (built-in and custom; policy_check_nocase(),
 * so an entry's ids are indexes into pol->checks); an unknown id is an
 * error naming file:line and the id, with a "did you mean" hint from them.
 * pol is only borrowed for the call.
 *
 * Returns EXP_OK; EXP_INVALID after appending every error to set->errors
 * (err holds the first); or EXP_UNREADABLE with err "PATH: ..." when the
 * file cannot be opened or is damaged (what was read before the damage is
 * kept, and an expectation cut off by the damage is not an error).
 * EXP_UNREADABLE wins over EXP_INVALID; set->errors may then hold errors too.
 * Out of memory is EXP_INVALID with "out of memory".
 */
struct policy;
enum exp_status exp_load(struct exp_set *set, const char *path, const struct policy *pol,
			 struct diag *err);

/* The entry for file:line, or NULL if that line carries no annotation. */
const struct exp_entry *exp_find(const struct exp_set *set, uint32_t file, uint64_t line);

/* Whether entry e expects check index id. */
bool exp_expects(const struct exp_set *set, const struct exp_entry *e, uint32_t id);

void exp_release(struct exp_set *set);

#endif
