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
#include <stdio.h>

#include "audit.h"
#include "checks.h"
#include "diag.h"
#include "findings.h"
#include "policy.h"

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
	/* Baseline (may be empty). */
	const char *baseline_path;
	const char *const *stale;	/* baseline entries that no longer occur */
	size_t nstale;
	const struct rep_summary *sum;	/* filled by rep_write_* */
};

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
	struct fnd_group *groups;
	size_t ngroups;
	struct rep_rank *top_users, *top_roles, *top_subjects;
	size_t ntop_users, ntop_roles, ntop_subjects;	/* at most 10 each */
	size_t by_check[64];			/* unsuppressed findings per check index (< 64) */
};

/* Compute the summary (caller frees with rep_summary_free). */
struct rep_summary *rep_summarize(const struct rep_ctx *c);
void rep_summary_free(struct rep_summary *s);

struct rep_writer {
	const char *name;	/* "text", "json", ... */
	const char *ext;	/* default file extension */
	/* Write the whole report to out; errors are checked by the caller. */
	void (*write)(const struct rep_ctx *c, FILE *out);
};

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

/* Writers, one per file (report_*.c). */
extern const struct rep_writer rep_text, rep_json, rep_html, rep_sarif, rep_junit,
	rep_csv, rep_markdown;

#endif
