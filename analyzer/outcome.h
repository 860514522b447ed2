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

#include "result.h"
#include "baseline.h"
#include "diag.h"
#include "filter.h"
#include "policy.h"
#include "report.h"

/* The filter options as given (arrays borrowed from the command's options). */
struct out_filter_args {
	const char *since, *until, *now;
	const char *tz;		/* --tz, or NULL: tz_default_name() */
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
 * The filters as the report's scope states them, in a fixed order: the
 * period resolved against now and the zone ("--since yesterday =
 * 2026-12-03T00:00:00+01:00", then "--tz Europe/Rome"), then the lists as
 * given ("--user mrossi"): at most max entries in desc, their text in
 * store[cap].  f is the filter out_build_filter() made from a.
 */
void out_describe_filter(const struct out_filter_args *a, const struct filter *f,
			 const char **desc, size_t max, size_t *n, char *store, size_t cap);

/* One `--report FMT[:FILE]`. */
struct out_report {
	const struct rep_writer *w;
	const char *path;	/* NULL: standard output */
};

/*
 * The options scan and merge share (reports, filters, gate, redaction):
 * a command puts OUT_OPT_ROWS in its option table and hands every option
 * id to out_opt() first.
 */
enum {
	OUT_O_REPORT = 200, OUT_O_SINCE, OUT_O_UNTIL, OUT_O_NOW, OUT_O_USER, OUT_O_ROLE,
	OUT_O_SUBJECT, OUT_O_CATEGORY, OUT_O_PRINCIPLE, OUT_O_FAIL_ON, OUT_O_BASELINE,
	OUT_O_WRITE_BASELINE, OUT_O_NO_REDACT, OUT_O_PSEUDONYMIZE, OUT_O_TZ, OUT_O_MAX_UNPARSED,
	OUT_O_DETAIL, OUT_O_QUIET, OUT_O_COLOR,
};

/* --max-unparsed, for scan, merge and trace (SPEC §5). */
#define OUT_MAX_UNPARSED_ROW(id) \
	{ id, 0, "max-unparsed", "PCT", "an input with more than PCT of its records unparsed is incomplete (default 1%; 100% accepts any)" }

#define OUT_OPT_ROWS \
	{ OUT_O_REPORT, 0, "report", "FMT[:FILE]", "text (default, stdout), json, html, sarif, junit, csv, markdown; repeatable" }, \
	{ OUT_O_SINCE, 0, "since", "T", "only report from T on (ISO 8601, or -24h, -7d, today, yesterday)" }, \
	{ OUT_O_UNTIL, 0, "until", "T", "only report up to T (a bare date includes that whole day)" }, \
	{ OUT_O_USER, 0, "user", "U", "only report this user (repeatable)" }, \
	{ OUT_O_ROLE, 0, "role", "R", "only report this role (repeatable)" }, \
	{ OUT_O_SUBJECT, 0, "subject", "S", "only report this data subject (repeatable)" }, \
	{ OUT_O_CATEGORY, 0, "category", "C", "only report this data category (repeatable)" }, \
	{ OUT_O_PRINCIPLE, 0, "principle", "P", "only report this DPF principle (repeatable)" }, \
	{ OUT_O_NOW, 0, "now", "T", "the current time for relative --since/--until (for reproducible runs)" }, \
	{ OUT_O_TZ, 0, "tz", "ZONE", "the zone of today, yesterday and bare dates in --since/--until (default: $TZ, else the system's zone)" }, \
	{ OUT_O_FAIL_ON, 0, "fail-on", "SEV", "exit 1 when a finding at or above SEV (low..critical) remains" }, \
	{ OUT_O_BASELINE, 0, "baseline", "FILE", "suppress the known findings listed in FILE" }, \
	{ OUT_O_WRITE_BASELINE, 0, "write-baseline", "FILE", "record the findings as a baseline" }, \
	{ OUT_O_NO_REDACT, 0, "no-redact", NULL, "show evidence unmasked (default: masked)" }, \
	{ OUT_O_PSEUDONYMIZE, 0, "pseudonymize", "KEYFILE", "replace users, subjects and addresses with keyed HMAC pseudonyms in every output" }, \
	{ OUT_O_DETAIL, 0, "detail", "LEVEL", "text report: low (counts), medium (default: also the most severe groups), high (everything)" }, \
	{ OUT_O_QUIET, 'q', "quiet", NULL, "the headline alone on standard output (errors still on stderr)" }, \
	{ OUT_O_COLOR, 0, "color", "WHEN", "colour the text report on standard output: auto (a terminal, unless NO_COLOR is set), always, never" }, \
	OUT_MAX_UNPARSED_ROW(OUT_O_MAX_UNPARSED)

#define OUT_MAX_LIST 256

struct out_opts {
	struct out_report reports[OUT_MAX_LIST];
	size_t nreports;
	const char *since, *until, *now, *tz;
	const char *users[OUT_MAX_LIST], *roles[OUT_MAX_LIST], *subjects[OUT_MAX_LIST];
	size_t nusers, nroles, nsubjects;
	const char *categories[OUT_MAX_LIST], *principles[OUT_MAX_LIST];
	size_t ncategories, nprinciples;
	enum sev fail_on;
	const char *baseline, *write_baseline;
	bool no_redact;
	const char *pseudonymize;
	enum rep_detail detail;		/* --detail */
	bool quiet;			/* --quiet */
	enum out_color { OUT_COLOR_AUTO = 0, OUT_COLOR_ALWAYS, OUT_COLOR_NEVER } color;
	bool max_unparsed_set;		/* --max-unparsed given */
	unsigned max_unparsed;		/* hundredths of a percent (aud_options) */
};

/*
 * Parse a --max-unparsed value into *out (hundredths of a percent);
 * prints "dpfaudit CMD: --max-unparsed: ..." and returns DPF_EXIT_USAGE
 * when malformed, else 0.
 */
int out_max_unparsed(const char *cmd, const char *val, unsigned *out);

/*
 * Take one option of OUT_OPT_ROWS.  Returns 0 when handled, 1 when id is
 * not one of them, or an exit status after printing "dpfaudit CMD: ...".
 */
int out_opt(struct out_opts *o, const char *cmd, int id, const char *val);
/* The filter options of o, for out_build_filter() and out_describe_filter(). */
struct out_filter_args out_filter_args_of(const struct out_opts *o);

/* Parse a --report value; -1 with err = "unknown report format 'x' (expected ...)". */
int out_parse_report(const char *val, struct out_report *r, struct diag *err);

struct paths;

/*
 * Check every output of a run before any input is read (safefile.h
 * sf_check): the reports of o (the text report on standard output when
 * there are none), its --write-baseline, and the command's own outputs
 * (extra[n], e.g. --events, --partial) against each other and against the
 * inputs in paths (text_default: the run writes the text report to
 * standard output when no --report is given).  Prints
 * "dpfaudit CMD: OPT PATH: why" and returns DPF_EXIT_USAGE on a refusal,
 * else 0.
 */
struct sf_out;
struct stat;
int out_check(const struct out_opts *o, const char *cmd, bool text_default,
	      const struct sf_out *extra, size_t n, const struct paths *paths);

/*
 * Whether a report o asks for shows each input's raw SHA-256 (json and
 * sarif; text at --detail high), the text report on standard output
 * counting when none is named.  False: the audit need not hash the files
 * (aud_options.no_raw_digests).
 */
bool out_shows_input_digests(const struct out_opts *o);

/* An sf_is_input_fn (safefile.h) over a struct paths: paths_holds(). */
bool out_is_input(void *paths, const struct stat *st);

/*
 * Print every input that was not read whole, an audit of nothing or with no
 * personal-data read (SPEC §5), and regexes that hit their limit.
 */
void out_print_problems(const struct aud_result *res);

struct psd_map;

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
	/*
	 * With pseudonymize: the run's map of ids, or NULL (then out_write
	 * makes it of the findings and the filter).  Given, it holds those
	 * (psd_map_new of res and filter, before any other) and may hold more
	 * (scan: every judged event's user, subject and src), made with the
	 * key; the findings are not read again for their ids.
	 */
	const struct psd_map *ids;
	enum sev fail_on;		/* SEV_NONE: not set */
	/* The text report's detail, and for the one on standard output --quiet and colour. */
	enum rep_detail detail;
	bool quiet;
	enum out_color color;
	struct baseline *bl;		/* may be NULL */
	const char *baseline_path;
	const char *write_baseline;	/* may be NULL */
	/* May be NULL; else out_write() fills it for out_status_counted(). */
	struct out_counts *counts;
};

/*
 * What out_status() counts in the findings, as the reports' summary counted
 * it in its own reading of them: valid only when that reading was whole,
 * and for the fail_on it was made with.  Saves a spilled list one more
 * reading of its temporary file.
 */
struct out_counts {
	bool valid;
	enum sev fail_on;
	size_t findings, failing;	/* unsuppressed; of them at/above fail_on */
	/* Whether the groups of the findings were made: some report read them (rep_uses_groups). */
	bool grouped;
};

/*
 * Apply the baseline, write the baseline file and every report.  Returns
 * DPF_EXIT_OK, or DPF_EXIT_INCOMPLETE when something could not be written
 * whole (said on stderr).  Everything it does with the findings reads
 * them in order (fnd_iter), looks up a bounded few (rep_shown) or streams
 * the ones it shows (rep_stream), so they may spill past
 * FND_MEMORY_BUDGET: --baseline (fnd_suppress) and --pseudonymize
 * (psd_apply: fnd_rewrite, in the same order) rewrite a spilled list
 * once; --write-baseline sorts its fingerprints with a sorter of its own.
 * With --pseudonymize the map of every distinct id stays in memory.  A
 * list that cannot be pseudonymised is shown by no report (the run is
 * incomplete, and the reports say why).
 */
int out_write(const struct out_job *job);

/*
 * The exit status of SPEC §2 and §5 from what out_write() (and any other
 * output) returned: 3 if that failed or the audit is incomplete (nothing
 * audited included), else 1 if an unsuppressed finding is at or above
 * fail_on, else 3 if fail_on is set and the verdict is NOT ASSESSED, else 0.
 */
int out_status(const struct aud_result *res, enum sev fail_on, int written);
/* The same, with the counts out_write() made where they are valid for fail_on (c may be NULL). */
int out_status_counted(const struct aud_result *res, const struct out_counts *c, enum sev fail_on,
		       int written);

#endif
