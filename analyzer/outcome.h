/*
 * outcome.h - the end of an audit, shared by `scan` and `merge`.
 *
 * Both commands finish the same way: the filters (parsed from the same
 * options), the baseline, every requested report, and the exit status of
 * SPEC §2 (3 beats 1).  Sharing the code is what makes `merge` give the
 * report and the exit status a single `scan` over all inputs would give.
 *
 * This is edge code (called by cmd_*.c only): out_write() prints its
 * errors to stderr, prefixed "dpfaudit: ", as the commands do.
 */
#ifndef DPF_OUTCOME_H
#define DPF_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "baseline.h"
#include "diag.h"
#include "filter.h"
#include "policy.h"
#include "report.h"

/* The filter options as given (arrays borrowed from the command's options). */
struct out_filter_args {
	const char *since, *until, *now;
	const char **users, **roles, **subjects, **categories, **principles;
	size_t nusers, nroles, nsubjects, ncategories, nprinciples;
};

/*
 * Fill f (zeroed by the caller) from a; the lists are borrowed.  -1 with
 * err = "--since: ..." (the option first) on a bad value.
 */
int out_build_filter(const struct out_filter_args *a, const struct policy *pol,
		     struct filter *f, struct diag *err);
/*
 * The filters as the report's scope states them ("--since -7d", ...), in a
 * fixed order: at most max entries in desc, their text in store[cap].
 */
void out_describe_filter(const struct out_filter_args *a, const char **desc, size_t max,
			 size_t *n, char *store, size_t cap);

/* One `--report FMT[:FILE]`. */
struct out_report {
	const struct rep_writer *w;
	const char *path;	/* NULL: standard output */
};

/* Parse a --report value; -1 with err = "unknown report format 'x' (expected ...)". */
int out_parse_report(const char *val, struct out_report *r, struct diag *err);

/* Print every input that was not read whole, and regexes that hit their limit. */
void out_print_problems(const struct aud_result *res);

struct out_job {
	const struct policy *pol;
	struct aud_result *res;		/* finished (aud_finish); the baseline marks findings */
	const struct filter *filter;	/* with `described` set; may be NULL */
	const char *const *rule_paths;
	size_t nrule_paths;
	const char *command_line;
	const struct out_report *reports;
	size_t nreports;		/* 0: the text report on standard output */
	bool redact;
	const char *pseudonymize;	/* key file for --pseudonymize, or NULL */
	enum sev fail_on;		/* SEV_NONE: not set */
	struct baseline *bl;		/* may be NULL */
	const char *baseline_path;
	const char *write_baseline;	/* may be NULL */
};

/*
 * Apply the baseline, write the baseline file and every report.  Returns
 * DPF_EXIT_OK, or DPF_EXIT_INCOMPLETE when something could not be written
 * whole (said on stderr).
 */
int out_write(const struct out_job *job);

/*
 * The exit status of SPEC §2 from what out_write() (and any other output)
 * returned: 3 if that failed or the audit is incomplete, else 1 if an
 * unsuppressed finding is at or above fail_on, else 0.
 */
int out_status(const struct aud_result *res, enum sev fail_on, int written);

#endif
