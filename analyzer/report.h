/*
 * report.h - stage 6: report writers behind one tiny interface.
 *
 * Every format carries the same content (SPEC §5): scope and evidence
 * record, per-principle status, grouped findings with redacted evidence,
 * rankings, per-hour accesses, coverage.  rep_summarize() computes the
 * shared part once; each writer (report_text.c, report_json.c, ...) only
 * lays it out, escaping with escape.h and masking evidence with redact.h
 * unless ctx->redact is false.
 *
 * Files are written to a temporary file in the target's directory with mode
 * 0600 and renamed into place, so a failed run never leaves half a report;
 * write errors are checked once, at the end.
 */
#ifndef DPF_REPORT_H
#define DPF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "filter.h"
#include "result.h"
#include "checks.h"
#include "diag.h"
#include "findings.h"
#include "groups.h"
#include "jsonw.h"
#include "policy.h"
#include "redact.h"

struct rep_summary;

struct rep_ctx {
	const struct policy *pol;
	const struct aud_result *res;
	const struct filter *filter;	/* may be NULL */
	const char *const *rule_paths;	/* as given on the command line */
	size_t nrule_paths;
	const char *command_line;	/* the evidence record's command */
	const char *version;		/* PACKAGE_VERSION */
	bool redact;			/* mask e-mail addresses and [redact] patterns */
	enum sev fail_on;		/* SEV_NONE: not set */
	/*
	 * How much the text report shows (--detail, --quiet; other formats
	 * always carry everything): QUIET the headline only, LOW the summary
	 * tables, MEDIUM (default) also the most severe groups, HIGH every
	 * group with its evidence and every input with its digest.
	 */
	enum rep_detail { REP_DETAIL_MEDIUM = 0, REP_DETAIL_QUIET, REP_DETAIL_LOW,
			  REP_DETAIL_HIGH } detail;
	bool color;			/* text: ANSI colours (a terminal, --color) */
	/* Baseline (may be empty). */
	const char *baseline_path;
	const char *const *stale;	/* baseline entries that no longer occur */
	size_t nstale;
	const struct rep_summary *sum;	/* filled by rep_write_* */
	/*
	 * rep_summarize(): leave the groups out (sum->groups empty, grouped
	 * false), for a summary that no report written from it reads them
	 * (rep_uses_groups): grouping costs a reading of every finding's
	 * strings, and a sort on disk past the budget.  false: grouped.
	 */
	bool no_groups;
	/*
	 * Set by rep_write(): where a writer records its own failure (an
	 * errno value: out of memory, a temporary file error), so the report
	 * is not written (exit 3, the report named).  May be NULL: use
	 * rep_fail().
	 */
	int *werr;
};

/* Record e (ENOMEM if 0) as c's writer failure, the first one kept. */
void rep_fail(const struct rep_ctx *c, int e);

/* Per-principle verdict. */
enum rep_status { REP_PASS, REP_FAIL, REP_NOT_ASSESSED };
const char *rep_status_name(enum rep_status s);	/* "pass", "fail", "not assessed" */

struct rep_rank {
	sv name;
	size_t count;
};

struct rep_summary {
	enum rep_status status[PR_COUNT];
	size_t by_sev[PR_COUNT][SEV_COUNT];	/* unsuppressed findings */
	size_t total_by_sev[SEV_COUNT];
	size_t findings, suppressed;
	size_t failing;				/* findings at/above fail_on */
	/*
	 * The groups, in report order: in memory or spilled (groups.h), so a
	 * writer reads them once, as a stream (grp_iter), and keeps the few it
	 * shows (rep_kept); groups.live and its per-check counts are whole.
	 */
	struct grp_set groups;
	bool grouped;				/* false: made with rep_ctx.no_groups, groups empty */
	struct rep_rank *top_users, *top_roles, *top_subjects;
	size_t ntop_users, ntop_roles, ntop_subjects;	/* at most 10 each */
	size_t *by_check;			/* unsuppressed findings per check index */
	size_t nby_check;			/* the policy's nchecks (at least the built-ins) */
	struct arena arena;			/* the rankings' names */
};

/*
 * The findings a writer looks up by index (a group's members): the list's
 * own where it is in memory; for a spilled list (findings.h) the writer
 * names the few it shows, rep_shown_fetch() copies them in one reading,
 * and rep_shown_get() finds them.  Owned by the writer; rep_shown_free().
 */
struct rep_shown {
	const struct fnd_list *l;
	size_t *idx;		/* sorted, distinct */
	size_t n, cap;
	struct fnd_list copies;	/* copies[k] is finding idx[k] */
};
/* Start (nothing fetched) for c's findings. */
void rep_shown_init(struct rep_shown *sh, const struct rep_ctx *c);
/* Name finding i as needed (nothing to do for a list in memory).  0, or -1 out of memory. */
int rep_shown_want(struct rep_shown *sh, size_t i);
/* Copy every named finding; 0, or -1 (out of memory, a temporary file error). */
int rep_shown_fetch(struct rep_shown *sh);
/* Finding i: NULL only if it was not named and fetched (a caller's bug) or is past the list. */
const struct finding *rep_shown_get(const struct rep_shown *sh, size_t i);
void rep_shown_free(struct rep_shown *sh);

/*
 * The findings a writer shows of every group of a spilled list, in bounded
 * memory (SPEC §7): the writer names each finding it will show by list
 * index with its place (key, pos) in the report (e.g. the group's rank
 * and the member's position in it); rep_stream_fetch() copies them in one
 * reading of the list into a sorter (spill.h) in (key, pos) order, and
 * rep_stream_next() returns them in that order, so the writer reads them
 * beside the groups as a second stream.  The names go to a sorter too,
 * ordered by list index: memory is two sorters' budgets whatever the
 * number of findings.  (key, pos) pairs are the caller's, one per name;
 * a list index may be named more than once.
 *
 *   rep_stream_init(&st, list, budget);
 *   rep_stream_want(&st, key, pos, index) ... ;
 *   rep_stream_fetch(&st);
 *   while (rep_stream_next(&st, &key, &pos, &f) > 0) ...
 *   rep_stream_free(&st);
 *
 * Errors (out of memory, a temporary file, an index past the list, l's own
 * read error) make the calls return -1 with errno set, and stay in
 * rep_stream_error().  Owned by the caller; one thread.
 */
struct rep_stream {
	const struct fnd_list *l;
	struct spill *want;	/* [u64 index][u64 key][u64 pos], by index */
	struct spill *got;	/* [u64 key][u64 pos][fnd_encode()], by (key, pos) */
	struct buf rec, enc;
	struct finding f;	/* the last one returned: views into got's record */
	int err;
};
/* budget: bytes each of the two sorters keeps in memory (0: spill.h's default). */
void rep_stream_init(struct rep_stream *st, const struct fnd_list *l, size_t budget);
int rep_stream_want(struct rep_stream *st, uint64_t key, uint64_t pos, size_t index);
int rep_stream_fetch(struct rep_stream *st);
/* 1 with *key, *pos, *f (valid until the next call), 0 at the end, -1 on an error. */
int rep_stream_next(struct rep_stream *st, uint64_t *key, uint64_t *pos,
		    const struct finding **f);
int rep_stream_error(const struct rep_stream *st);
void rep_stream_free(struct rep_stream *st);

/*
 * The groups a writer shows, kept from one reading of c->sum's groups: a
 * group of an in-memory set is itself (it lives as long as the summary);
 * of a spilled set a copy, with its first `members` member indexes
 * (enough for the evidence a writer shows: a group's loop over its
 * members must stop there).  Owned by the writer; rep_kept_free().
 */
struct rep_kept {
	const struct fnd_group **v;
	size_t n, cap;
	struct arena a;
};
#define REP_KEPT_INIT { NULL, 0, 0, ARENA_INIT }
/* Keep g (just returned by a grp_iter of s); NULL on a read error of the members (grp_error). */
const struct fnd_group *rep_keep(struct rep_kept *k, const struct rep_summary *s,
				 const struct fnd_group *g, size_t members);
void rep_kept_free(struct rep_kept *k);

/* Unsuppressed findings of one check (0 for an index past the policy's). */
size_t rep_check_findings(const struct rep_summary *s, size_t check);

/* Compute the summary (caller frees with rep_summary_free). */
struct rep_summary *rep_summarize(const struct rep_ctx *c);
void rep_summary_free(struct rep_summary *s);

struct rep_writer {
	const char *name;	/* "text", "json", ... */
	const char *ext;	/* default file extension */
	/*
	 * Write the whole report to out; errors are checked by the caller.
	 * Needs c->sum: call through rep_write(), which computes it.
	 */
	void (*write)(const struct rep_ctx *c, FILE *out);
	/*
	 * Whether write() reads c->sum->groups (at c->detail): NULL for
	 * never.  Exact: a summary without groups gives the same bytes to a
	 * report that does not read them.
	 */
	bool (*uses_groups)(const struct rep_ctx *c);
};

/* Whether w's report from c reads the summary's groups (see rep_writer.uses_groups). */
bool rep_uses_groups(const struct rep_writer *w, const struct rep_ctx *c);
/* A rep_writer.uses_groups for the reports that always read them (JSON, HTML, Markdown). */
bool rep_groups_always(const struct rep_ctx *c);

/* The writer for a name, or NULL. */
const struct rep_writer *rep_find(const char *name);
/* "text, json, html, sarif, junit, csv, markdown" */
const char *rep_names(void);

/*
 * Write one report.  path NULL or "-": standard output.  Otherwise a
 * temporary file (mode 0600) renamed into place.  Returns -1 with
 * err = "PATH: write error: No space left on device" on failure.
 */
int rep_write(const struct rep_writer *w, const struct rep_ctx *c, const char *path,
	      struct diag *err);

/*
 * Helpers shared by the writers (report.c).
 *
 * What is redacted: evidence lines, messages (details), resources, reasons,
 * subjects and unparsed-line examples go through rep_clean(); user and role
 * names are shown as they are (an audit names who accessed data).
 */
/* The writer's redactor: NULL when c->redact is false (free with red_free). */
struct red *rep_red_new(const struct rep_ctx *c);
/*
 * s made safe for a report: redacted with r, or with redaction off only made
 * valid UTF-8.  Resets scratch and returns a view into it (valid until the
 * next call with the same scratch).  If redaction is on but r is NULL (out of
 * memory), returns "[redacted]" rather than leak.
 */
sv rep_clean(const struct rep_ctx *c, struct red *r, sv s, struct buf *scratch);
/*
 * Writers build their long lists in a buffer and write it with one fwrite
 * (per-field stdio calls each take the stream's lock): rep_flush() writes
 * b when it holds at least `at` bytes (0: always) and empties it.  A buffer
 * that dropped bytes (out of memory) is the x* tier's exit 3 (xalloc.h),
 * as for the report's tables: a report is never written with a hole.
 */
#define REP_FLUSH_AT ((size_t)64 << 10)
void rep_flush(struct buf *b, FILE *out, size_t at);
/* "2026-11-27T03:14:07Z" (UTC, out has >= 32 bytes). */
void rep_time_iso(int64_t t, char *out);
/* Category names of bits, in policy order, joined by sep. */
void rep_categories(const struct policy *p, uint64_t bits, const char *sep, struct buf *out);
/* The principles of bits (PR_BIT) as an inline JSON array of slugs, `["notice", "choice"]` (JSON and SARIF). */
void rep_principles_json(struct jw *w, unsigned bits);
/* The path of input i ("?" if out of range). */
const char *rep_input_path(const struct rep_ctx *c, uint32_t file);
/* The check's id, title and principles (built-in or custom; never NULL). */
const char *rep_check_id(const struct rep_ctx *c, uint32_t check);
const char *rep_check_title(const struct rep_ctx *c, uint32_t check);
unsigned rep_check_principles(const struct rep_ctx *c, uint32_t check);

/*
 * The audit's verdict, the headline of every report (SPEC §5), first rule
 * that applies:
 *   NOTHING AUDITED  no input, or no record in any input (exit 3);
 *   FAIL             an unsuppressed finding (at or above --fail-on if
 *                    given; exit 1 with --fail-on, 3 if also incomplete);
 *   INCOMPLETE       an input not read whole or over --max-unparsed (exit 3);
 *   NOT ASSESSED     records parsed, but no personal-data read recognised
 *                    (exit 0; 3 with --fail-on);
 *   PASS             personal-data reads judged, none failed (exit 0).
 */
enum rep_verdict {
	REP_V_PASS, REP_V_FAIL, REP_V_INCOMPLETE, REP_V_NOTHING_AUDITED, REP_V_NOT_ASSESSED,
};
/* "PASS", "FAIL", "INCOMPLETE", "NOTHING AUDITED", "NOT ASSESSED". */
const char *rep_verdict_name(enum rep_verdict v);
/* The JSON value: "pass", "fail", "incomplete", "nothing audited", "not assessed". */
const char *rep_verdict_key(enum rep_verdict v);
/* From the result and its unsuppressed findings (all, and at/above fail_on). */
enum rep_verdict rep_verdict_of(const struct aud_result *res, size_t findings, size_t failing,
				enum sev fail_on);
/* The verdict of a report (needs c->sum). */
enum rep_verdict rep_verdict(const struct rep_ctx *c);
/* The exit status of a verdict (the rules above). */
int rep_verdict_exit(enum rep_verdict v, const struct aud_result *res, enum sev fail_on);
/*
 * Why there is no PASS, for NOTHING AUDITED and NOT ASSESSED ("no input",
 * "no personal-data read recognised in 120 parsed records: do the
 * categories match this log?"); NULL for the other verdicts.  Written to out.
 */
const char *rep_verdict_reason(const struct aud_result *r, enum rep_verdict v, char *out,
			       size_t cap);
/* The headline of a FAIL verdict when no --fail-on gate is set (exit 0). */
#define REP_NO_GATE_HEADLINE "FINDINGS (no --fail-on gate)"
/*
 * The headline on one line, as the reports show it: "FAIL: 3 findings",
 * "PASS: no findings", "PASS: 2 findings below --fail-on high",
 * "INCOMPLETE: 0 findings in what could be read", "NOT ASSESSED: <reason>",
 * "NOTHING AUDITED: <reason>".  Appended to out.
 */
void rep_headline(const struct rep_ctx *c, struct buf *out);

/* Writers, one per file (report_*.c). */
extern const struct rep_writer rep_text, rep_json, rep_html, rep_sarif, rep_junit,
	rep_csv, rep_markdown;

#endif
