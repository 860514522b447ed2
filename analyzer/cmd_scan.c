/*
 * cmd_scan.c - `dpfaudit scan`: audit logs, write the compliance report.
 *
 * The edge of the program for the main job: parse options from one table,
 * load the rules (exit 2 on any rule error, before reading a line), run the
 * audit, apply the baseline, write every requested report, and turn the
 * result into the exit status of SPEC §2 (3 beats 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "baseline.h"
#include "cli.h"
#include "cmd.h"
#include "events.h"
#include "paths.h"
#include "report.h"
#include "setup.h"

enum {
	O_RULES = 1, O_FORMAT, O_REPORT, O_SINCE, O_UNTIL, O_USER, O_ROLE, O_SUBJECT,
	O_CATEGORY, O_PRINCIPLE, O_FAIL_ON, O_BASELINE, O_WRITE_BASELINE, O_JOBS,
	O_PROGRESS, O_NO_PROGRESS, O_NO_REDACT, O_MAX_LINE, O_YEAR, O_NOW, O_EVENTS,
};

static const struct cli_opt scan_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "rule file or directory (repeatable; default: the installed rules)" },
	{ O_FORMAT, 'F', "log-format", "NAME", "force a log format (default: detect per file)" },
	{ O_REPORT, 0, "report", "FMT[:FILE]", "text (default, stdout), json, html, sarif, junit, csv, markdown; repeatable" },
	{ O_SINCE, 0, "since", "T", "only report from T on (ISO 8601, or -24h, -7d, today, yesterday)" },
	{ O_UNTIL, 0, "until", "T", "only report up to T (a bare date includes that whole day)" },
	{ O_USER, 0, "user", "U", "only report this user (repeatable)" },
	{ O_ROLE, 0, "role", "R", "only report this role (repeatable)" },
	{ O_SUBJECT, 0, "subject", "S", "only report this data subject (repeatable)" },
	{ O_CATEGORY, 0, "category", "C", "only report this data category (repeatable)" },
	{ O_PRINCIPLE, 0, "principle", "P", "only report this DPF principle (repeatable)" },
	{ O_FAIL_ON, 0, "fail-on", "SEV", "exit 1 when a finding at or above SEV (low..critical) remains" },
	{ O_BASELINE, 0, "baseline", "FILE", "suppress the known findings listed in FILE" },
	{ O_WRITE_BASELINE, 0, "write-baseline", "FILE", "record this run's findings as a baseline" },
	{ O_JOBS, 'j', "jobs", "N", "worker threads (default: the number of CPUs)" },
	{ O_PROGRESS, 0, "progress", NULL, "show progress on stderr (default when it is a terminal)" },
	{ O_NO_PROGRESS, 0, "no-progress", NULL, "never show progress" },
	{ O_NO_REDACT, 0, "no-redact", NULL, "show evidence unmasked (default: masked)" },
	{ O_MAX_LINE, 0, "max-line", "BYTES", "longest line audited (default 1048576); longer ones are reported" },
	{ O_YEAR, 0, "year", "YYYY", "year for syslog timestamps without one (default: file mtime)" },
	{ O_NOW, 0, "now", "T", "the current time for relative --since/--until (for reproducible runs)" },
	{ O_EVENTS, 0, "events", "FILE", "write the events that pass the filters as JSON lines" },
	CLI_END
};

static const char scan_usage[] = "[OPTIONS] [PATH|-]...";

#define MAX_LIST 256

struct report_req {
	const struct rep_writer *w;
	const char *path;	/* NULL: stdout */
};

struct scan {
	const char *rules[MAX_LIST];
	size_t nrules;
	struct report_req reports[MAX_LIST];
	size_t nreports;
	const char *since, *until, *now;
	const char *users[MAX_LIST], *roles[MAX_LIST], *subjects[MAX_LIST];
	size_t nusers, nroles, nsubjects;
	const char *categories[MAX_LIST], *principles[MAX_LIST];
	size_t ncategories, nprinciples;
	enum sev fail_on;
	const char *baseline, *write_baseline;
	const char *events;	/* --events FILE */
	struct aud_options ao;
	int progress;	/* -1 auto */
	bool redact;
};

static int too_many(const char *what)
{
	fprintf(stderr, "dpfaudit scan: too many %s (at most %d)\n", what, MAX_LIST);
	return DPF_EXIT_USAGE;
}

#define PUSH(arr, n, v, what) do { if ((n) >= MAX_LIST) return too_many(what); (arr)[(n)++] = (v); } while (0)

static int parse_uint(const char *opt, const char *val, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(val, &end, 10);
	if (!*val || *end || v > max || val[0] == '-') {
		fprintf(stderr, "dpfaudit scan: %s: '%s' is not a number (0..%lu)\n", opt, val, max);
		return DPF_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

static int on_opt(void *ctx, int id, const char *val)
{
	struct scan *s = ctx;
	unsigned long n;
	int r;

	switch (id) {
	case O_RULES: PUSH(s->rules, s->nrules, val, "--rules"); break;
	case O_FORMAT: s->ao.format = val; break;
	case O_REPORT: {
		const char *colon = strchr(val, ':');
		char name[32];
		size_t len = colon ? (size_t)(colon - val) : strlen(val);
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, val, len);
		name[len] = '\0';
		const struct rep_writer *w = rep_find(name);
		if (!w) {
			fprintf(stderr, "dpfaudit scan: unknown report format '%s' (expected %s)\n",
				name, rep_names());
			return DPF_EXIT_USAGE;
		}
		if (s->nreports >= MAX_LIST)
			return too_many("--report");
		s->reports[s->nreports].w = w;
		s->reports[s->nreports].path = colon && colon[1] ? colon + 1 : NULL;
		s->nreports++;
		break;
	}
	case O_SINCE: s->since = val; break;
	case O_UNTIL: s->until = val; break;
	case O_NOW: s->now = val; break;
	case O_USER: PUSH(s->users, s->nusers, val, "--user"); break;
	case O_ROLE: PUSH(s->roles, s->nroles, val, "--role"); break;
	case O_SUBJECT: PUSH(s->subjects, s->nsubjects, val, "--subject"); break;
	case O_CATEGORY: PUSH(s->categories, s->ncategories, val, "--category"); break;
	case O_PRINCIPLE: PUSH(s->principles, s->nprinciples, val, "--principle"); break;
	case O_FAIL_ON:
		s->fail_on = sev_parse(sv_cstr(val));
		if (s->fail_on == SEV_NONE) {
			fprintf(stderr, "dpfaudit scan: --fail-on: unknown severity '%s' "
				"(expected low, medium, high or critical)\n", val);
			return DPF_EXIT_USAGE;
		}
		break;
	case O_BASELINE: s->baseline = val; break;
	case O_EVENTS: s->events = val; break;
	case O_WRITE_BASELINE: s->write_baseline = val; break;
	case O_JOBS:
		if ((r = parse_uint("--jobs", val, 1024, &n)))
			return r;
		s->ao.jobs = (unsigned)n;
		break;
	case O_PROGRESS: s->progress = 1; break;
	case O_NO_PROGRESS: s->progress = 0; break;
	case O_NO_REDACT: s->redact = false; break;
	case O_MAX_LINE:
		if ((r = parse_uint("--max-line", val, 1UL << 30, &n)))
			return r;
		if (n < 64) {
			fprintf(stderr, "dpfaudit scan: --max-line: at least 64 bytes\n");
			return DPF_EXIT_USAGE;
		}
		s->ao.max_line = n;
		break;
	case O_YEAR:
		if ((r = parse_uint("--year", val, 9999, &n)))
			return r;
		s->ao.year = (int)n;
		break;
	}
	return 0;
}

/* Filters need the policy (category names), so they are built after loading it. */
static int build_filter(struct scan *s, const struct policy *pol)
{
	struct filter *f = &s->ao.filter;
	struct diag err;
	int64_t now = time(NULL);

	if (s->now && filter_parse_time(s->now, 0, false, &now, &err)) {
		fprintf(stderr, "dpfaudit scan: --now: %s\n", err.msg);
		return DPF_EXIT_USAGE;
	}
	if (s->since) {
		if (filter_parse_time(s->since, now, false, &f->since, &err)) {
			fprintf(stderr, "dpfaudit scan: --since: %s\n", err.msg);
			return DPF_EXIT_USAGE;
		}
		f->has_since = true;
	}
	if (s->until) {
		if (filter_parse_time(s->until, now, true, &f->until, &err)) {
			fprintf(stderr, "dpfaudit scan: --until: %s\n", err.msg);
			return DPF_EXIT_USAGE;
		}
		f->has_until = true;
	}
	f->users = s->users;
	f->nusers = s->nusers;
	f->roles = s->roles;
	f->nroles = s->nroles;
	f->subjects = s->subjects;
	f->nsubjects = s->nsubjects;
	for (size_t i = 0; i < s->nroles; i++) {
		if (policy_role(pol, sv_cstr(s->roles[i])) < 0) {
			fprintf(stderr, "dpfaudit scan: --role: unknown role '%s'\n", s->roles[i]);
			return DPF_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < s->ncategories; i++) {
		if (filter_add_category(f, pol, s->categories[i], &err)) {
			fprintf(stderr, "dpfaudit scan: --category: %s\n", err.msg);
			return DPF_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < s->nprinciples; i++) {
		if (filter_add_principle(f, s->principles[i], &err)) {
			fprintf(stderr, "dpfaudit scan: --principle: %s\n", err.msg);
			return DPF_EXIT_USAGE;
		}
	}
	return 0;
}

/* The filters as the report's scope states them. */
static void describe_filter(struct scan *s, const char **desc, size_t *n, char *store, size_t cap)
{
	size_t used = 0;
	*n = 0;
#define DESC(opt, val) do { \
		int k = snprintf(store + used, cap - used, "%s %s", opt, val); \
		if (k > 0 && used + (size_t)k < cap && *n < MAX_LIST) { \
			desc[(*n)++] = store + used; used += (size_t)k + 1; } \
	} while (0)
	if (s->since) DESC("--since", s->since);
	if (s->until) DESC("--until", s->until);
	for (size_t i = 0; i < s->nusers; i++) DESC("--user", s->users[i]);
	for (size_t i = 0; i < s->nroles; i++) DESC("--role", s->roles[i]);
	for (size_t i = 0; i < s->nsubjects; i++) DESC("--subject", s->subjects[i]);
	for (size_t i = 0; i < s->ncategories; i++) DESC("--category", s->categories[i]);
	for (size_t i = 0; i < s->nprinciples; i++) DESC("--principle", s->principles[i]);
#undef DESC
}

static void print_input_problems(const struct aud_result *res)
{
	for (size_t i = 0; i < res->ninputs; i++) {
		const struct aud_input *in = &res->inputs[i];
		if (in->complete)
			continue;
		/* An unreadable file's error already starts with its path. */
		if (in->error && !strncmp(in->error, in->path, strlen(in->path)))
			fprintf(stderr, "dpfaudit: %s\n", in->error);
		else
			fprintf(stderr, "dpfaudit: %s: %s\n", in->path, in->error ? in->error : "not read whole");
	}
	for (size_t i = 0; i < res->nlimits; i++)
		fprintf(stderr, "dpfaudit: warning: %s: regex hit its match limit %lu times "
			"(those matches counted as no match)\n", res->limits[i].where, res->limits[i].hits);
}

int cmd_scan(int argc, char **argv)
{
	struct scan s;
	struct setup st;
	struct paths paths = PATHS_INIT;
	struct aud_result res;
	struct diag err;
	struct baseline *bl = NULL;
	struct evw *evw = NULL;
	int first, r, status = DPF_EXIT_OK;

	memset(&s, 0, sizeof(s));
	s.progress = -1;
	s.redact = true;
	r = cli_parse("scan", scan_usage, scan_opts, argc, argv, on_opt, &s, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;

	if (first >= argc) {
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, "dpfaudit scan: no PATH given (use - for standard input)\n"
				"try 'dpfaudit scan --help'\n");
			return DPF_EXIT_USAGE;
		}
		paths_add(&paths, "-");
	}
	for (int i = first; i < argc; i++)
		paths_add(&paths, argv[i]);

	if (setup_load(&st, s.rules, s.nrules, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		paths_release(&paths);
		return DPF_EXIT_USAGE;
	}
	if ((r = build_filter(&s, st.pol)))
		goto out_setup;
	if (s.ao.format && !fmt_by_name(st.fmts, s.ao.format)) {
		const char *names[64];
		size_t n = fmt_names(st.fmts, names, 64);
		fprintf(stderr, "dpfaudit scan: unknown log format '%s' (expected one of:", s.ao.format);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", names[i]);
		fprintf(stderr, ")\n");
		r = DPF_EXIT_USAGE;
		goto out_setup;
	}
	if (s.baseline) {
		bl = bl_load(s.baseline, &err);
		if (!bl) {
			fprintf(stderr, "dpfaudit: %s\n", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_setup;
		}
	}
	for (size_t i = 0; i < paths.nwarnings; i++)
		fprintf(stderr, "dpfaudit: warning: %s\n", paths.warnings[i]);

	if (s.events) {
		evw = evw_new(st.pol, (const char *const *)paths.v, paths.n, s.redact, &err);
		if (!evw) {
			fprintf(stderr, "dpfaudit: %s\n", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_bl;
		}
		s.ao.on_event = evw_on_event;
		s.ao.on_event_arg = evw;
	}
	s.ao.progress = s.progress < 0 ? isatty(STDERR_FILENO) : s.progress;
	if (aud_run(st.pol, st.fmts, st.eng, (const char *const *)paths.v, paths.n, &s.ao,
		    &res, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		r = DPF_EXIT_USAGE;
		goto out_bl;
	}
	print_input_problems(&res);

	if (bl)
		bl_apply(bl, st.pol, &res.findings);
	if (s.write_baseline && bl_write(s.write_baseline, st.pol, &res.findings, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}

	const char *desc[MAX_LIST];
	char desc_store[8192];
	describe_filter(&s, desc, &s.ao.filter.ndescribed, desc_store, sizeof(desc_store));
	s.ao.filter.described = NULL;
	struct filter shown = s.ao.filter;
	shown.described = desc;

	char *cmdline = cli_command_line(argc + 1, argv - 1);
	struct rep_ctx ctx = {
		.pol = st.pol,
		.res = &res,
		.filter = &shown,
		.rule_paths = st.rule_paths,
		.nrule_paths = st.nrule_paths,
		.command_line = cmdline,
		.version = PACKAGE_VERSION,
		.redact = s.redact,
		.fail_on = s.fail_on,
		.baseline_path = s.baseline,
	};
	if (bl)
		ctx.stale = bl_stale(bl, &ctx.nstale);
	struct rep_summary *sum = rep_summarize(&ctx);
	ctx.sum = sum;

	if (s.nreports == 0) {
		s.reports[0].w = &rep_text;
		s.reports[0].path = NULL;
		s.nreports = 1;
	}
	for (size_t i = 0; i < s.nreports; i++) {
		if (rep_write(s.reports[i].w, &ctx, s.reports[i].path, &err)) {
			fprintf(stderr, "dpfaudit: %s\n", err.msg);
			status = DPF_EXIT_INCOMPLETE;
		}
	}

	/* After the reports: evw_finish needs the findings (windowed ones), unsuppressed or not. */
	if (evw && evw_finish(evw, &res.findings, s.events, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}

	size_t failing = 0;
	if (s.fail_on != SEV_NONE)
		for (size_t i = 0; i < res.findings.n; i++)
			if (!res.findings.v[i].suppressed && res.findings.v[i].severity >= s.fail_on)
				failing++;
	if (res.incomplete)
		status = DPF_EXIT_INCOMPLETE;
	if (status == DPF_EXIT_OK && failing)
		status = DPF_EXIT_FINDINGS;
	r = status;

	rep_summary_free(sum);
	free(cmdline);
	aud_result_release(&res);
out_bl:
	evw_free(evw);
	if (bl)
		bl_free(bl);
out_setup:
	setup_release(&st);
	paths_release(&paths);
	/* filter arrays point into s: nothing to free */
	return r;
}
