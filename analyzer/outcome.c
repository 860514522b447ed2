/*
 * outcome.c - filters, baseline, reports and exit status for `scan` and
 * `merge` (see outcome.h).
 */
#include "common.h"

#include "audit.h"
#include "diag.h"
#include "outcome.h"
#include "paths.h"
#include "pseudo.h"
#include "safefile.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int out_build_filter(const struct out_filter_args *a, const struct policy *pol,
		     struct filter *f, struct diag *err)
{
	struct diag e;
	int64_t now = time(NULL);
	struct tz_zone *zone = NULL;

	if (a->now && filter_parse_time(a->now, 0, false, &now, &e))
		return diag_set(err, "--now: %s", e.msg);
	/*
	 * The zone matters only for days ("today", bare dates).  One given with
	 * --tz must load; the default falls back to UTC (a $TZ that is a POSIX
	 * rule, a system without tzdata), and the report says which was used.
	 */
	if (a->tz) {
		zone = tz_load(a->tz, &e);
		if (!zone)
			return diag_set(err, "--tz: %s", e.msg);
		snprintf(f->zone, sizeof(f->zone), "%s", a->tz);
	} else {
		tz_default_name(f->zone, sizeof(f->zone));
		zone = tz_load(f->zone, &e);
		if (!zone)
			snprintf(f->zone, sizeof(f->zone), "UTC");
	}
	int rc = 0;
	if (a->since) {
		if (filter_parse_time_tz(a->since, now, zone, false, &f->since, &e))
			rc = diag_set(err, "--since: %s", e.msg);
		f->has_since = true;
	}
	if (!rc && a->until) {
		if (filter_parse_time_tz(a->until, now, zone, true, &f->until, &e))
			rc = diag_set(err, "--until: %s", e.msg);
		f->has_until = true;
	}
	tz_free(zone);
	if (rc)
		return rc;
	f->users = a->users;
	f->nusers = a->nusers;
	f->roles = a->roles;
	f->nroles = a->nroles;
	f->subjects = a->subjects;
	f->nsubjects = a->nsubjects;
	for (size_t i = 0; i < a->nroles; i++)
		if (policy_role(pol, sv_cstr(a->roles[i])) < 0)
			return diag_set(err, "--role: unknown role '%s'", a->roles[i]);
	for (size_t i = 0; i < a->ncategories; i++)
		if (filter_add_category(f, pol, a->categories[i], &e))
			return diag_set(err, "--category: %s", e.msg);
	for (size_t i = 0; i < a->nprinciples; i++)
		if (filter_add_principle(f, a->principles[i], &e))
			return diag_set(err, "--principle: %s", e.msg);
	return 0;
}

void out_describe_filter(const struct out_filter_args *a, const struct filter *f,
			 const char **desc, size_t max, size_t *n, char *store, size_t cap)
{
	size_t used = 0;
	char when[48];
	*n = 0;
#define DESC(opt, val) do { \
		int k = snprintf(store + used, cap - used, "%s %s", opt, val); \
		if (k > 0 && used + (size_t)k < cap && *n < max) { \
			desc[(*n)++] = store + used; used += (size_t)k + 1; } \
	} while (0)
	/* The period as audited, not only as typed: "-7d" means nothing a week later. */
	struct diag e;
	struct tz_zone *zone = (a->since || a->until) ? tz_load(f->zone, &e) : NULL;
	char shown[128];
	if (a->since) {
		tz_format_local(zone, f->since, when, sizeof(when));
		snprintf(shown, sizeof(shown), "%s = %s", a->since, when);
		DESC("--since", shown);
	}
	if (a->until) {
		tz_format_local(zone, f->until, when, sizeof(when));
		snprintf(shown, sizeof(shown), "%s = %s", a->until, when);
		DESC("--until", shown);
	}
	if (a->since || a->until)
		DESC("--tz", f->zone);
	tz_free(zone);
	for (size_t i = 0; i < a->nusers; i++) DESC("--user", a->users[i]);
	for (size_t i = 0; i < a->nroles; i++) DESC("--role", a->roles[i]);
	for (size_t i = 0; i < a->nsubjects; i++) DESC("--subject", a->subjects[i]);
	for (size_t i = 0; i < a->ncategories; i++) DESC("--category", a->categories[i]);
	for (size_t i = 0; i < a->nprinciples; i++) DESC("--principle", a->principles[i]);
#undef DESC
}

int out_parse_report(const char *val, struct out_report *r, struct diag *err)
{
	const char *colon = strchr(val, ':');
	char name[32];
	size_t len = colon ? (size_t)(colon - val) : strlen(val);

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, val, len);
	name[len] = '\0';
	r->w = rep_find(name);
	if (!r->w)
		return diag_set(err, "unknown report format '%s' (expected %s)", name, rep_names());
	r->path = colon && colon[1] ? colon + 1 : NULL;
	return 0;
}

void out_print_problems(const struct aud_result *res)
{
	for (size_t i = 0; i < res->ninputs; i++) {
		const struct aud_input *in = &res->inputs[i];
		if (in->complete)
			continue;
		/* An unreadable file's error already starts with its path. */
		if (in->error && !strncmp(in->error, in->path, strlen(in->path)))
			error("%s", in->error);
		else
			error("%s: %s", in->path, in->error ? in->error : "not read whole");
	}
	/* SPEC §5: say on stderr too why there is no PASS (CI logs show stderr). */
	char why[256];
	if (res->records == 0)
		error("nothing audited: %s",
		      rep_verdict_reason(res, REP_V_NOTHING_AUDITED, why, sizeof(why)));
	else if (res->pd_reads == 0)
		warning("not assessed: %s",
			rep_verdict_reason(res, REP_V_NOT_ASSESSED, why, sizeof(why)));
	for (size_t i = 0; i < res->nlimits; i++)
		warning("%s: regex hit its match limit %lu times "
			"(those matches counted as no match)", res->limits[i].where, res->limits[i].hits);
}

static int too_many(const char *cmd, const char *what)
{
	error("%s: too many %s (at most %d)", cmd, what, OUT_MAX_LIST);
	return DPF_EXIT_USAGE;
}

#define PUSH(arr, n, v, what) \
	do { if ((n) >= OUT_MAX_LIST) return too_many(cmd, what); (arr)[(n)++] = (v); } while (0)

/* The index of val in a NULL-terminated list of names, or -1. */
static int pick(const char *const *names, const char *val)
{
	for (int k = 0; names[k]; k++)
		if (!strcmp(names[k], val))
			return k;
	return -1;
}

int out_opt(struct out_opts *o, const char *cmd, int id, const char *val)
{
	struct diag err;

	switch (id) {
	case OUT_O_REPORT:
		if (o->nreports >= OUT_MAX_LIST)
			return too_many(cmd, "--report");
		if (out_parse_report(val, &o->reports[o->nreports], &err)) {
			error("%s: %s", cmd, err.msg);
			return DPF_EXIT_USAGE;
		}
		o->nreports++;
		return 0;
	case OUT_O_SINCE: o->since = val; return 0;
	case OUT_O_UNTIL: o->until = val; return 0;
	case OUT_O_NOW: o->now = val; return 0;
	case OUT_O_TZ: o->tz = val; return 0;
	case OUT_O_QUIET: o->quiet = true; return 0;
	case OUT_O_DETAIL: {
		/* In enum rep_detail order. */
		static const char *const levels[] = { "medium", "quiet", "low", "high", NULL };
		int k = pick(levels, val);
		if (k < 0 || k == REP_DETAIL_QUIET) {
			error("%s: --detail: unknown level '%s' (expected low, medium or high)", cmd, val);
			return DPF_EXIT_USAGE;
		}
		o->detail = (enum rep_detail)k;
		return 0;
	}
	case OUT_O_COLOR: {
		static const char *const modes[] = { "auto", "always", "never", NULL };	/* enum out_color */
		int k = pick(modes, val);
		if (k < 0) {
			error("%s: --color: unknown value '%s' (expected auto, always or never)", cmd, val);
			return DPF_EXIT_USAGE;
		}
		o->color = (enum out_color)k;
		return 0;
	}
	case OUT_O_USER: PUSH(o->users, o->nusers, val, "--user"); return 0;
	case OUT_O_ROLE: PUSH(o->roles, o->nroles, val, "--role"); return 0;
	case OUT_O_SUBJECT: PUSH(o->subjects, o->nsubjects, val, "--subject"); return 0;
	case OUT_O_CATEGORY: PUSH(o->categories, o->ncategories, val, "--category"); return 0;
	case OUT_O_PRINCIPLE: PUSH(o->principles, o->nprinciples, val, "--principle"); return 0;
	case OUT_O_FAIL_ON:
		o->fail_on = sev_parse(sv_cstr(val));
		if (o->fail_on == SEV_NONE) {
			error("%s: --fail-on: unknown severity '%s' "
				"(expected low, medium, high or critical)", cmd, val);
			return DPF_EXIT_USAGE;
		}
		return 0;
	case OUT_O_BASELINE: o->baseline = val; return 0;
	case OUT_O_WRITE_BASELINE: o->write_baseline = val; return 0;
	case OUT_O_NO_REDACT: o->no_redact = true; return 0;
	case OUT_O_PSEUDONYMIZE: o->pseudonymize = val; return 0;
	case OUT_O_MAX_UNPARSED:
		o->max_unparsed_set = true;
		return out_max_unparsed(cmd, val, &o->max_unparsed);
	}
	return 1;
}

int out_max_unparsed(const char *cmd, const char *val, unsigned *out)
{
	if (aud_parse_share(val, out)) {
		error("%s: --max-unparsed: '%s' is not a share from 0%% to 100%% "
		      "(e.g. 1%%, 0.5%%, 100%%)", cmd, val);
		return DPF_EXIT_USAGE;
	}
	return 0;
}

struct out_filter_args out_filter_args_of(const struct out_opts *o)
{
	return (struct out_filter_args){
		.since = o->since, .until = o->until, .now = o->now, .tz = o->tz,
		.users = (const char **)o->users, .nusers = o->nusers,
		.roles = (const char **)o->roles, .nroles = o->nroles,
		.subjects = (const char **)o->subjects, .nsubjects = o->nsubjects,
		.categories = (const char **)o->categories, .ncategories = o->ncategories,
		.principles = (const char **)o->principles, .nprinciples = o->nprinciples,
	};
}

bool out_is_input(void *arg, const struct stat *st)
{
	return paths_holds(arg, st);
}

int out_check(const struct out_opts *o, const char *cmd, bool text_default,
	      const struct sf_out *extra, size_t n, const struct paths *paths)
{
	struct sf_out outs[OUT_MAX_LIST + 8];
	struct diag err;
	size_t k = 0;

	for (size_t i = 0; i < o->nreports; i++)
		outs[k++] = (struct sf_out){ "--report", o->reports[i].path };
	if (!o->nreports && text_default)
		outs[k++] = (struct sf_out){ "the text report on", NULL };
	if (o->write_baseline)
		outs[k++] = (struct sf_out){ "--write-baseline", o->write_baseline };
	for (size_t i = 0; i < n && k < sizeof(outs) / sizeof(outs[0]); i++)
		if (extra[i].opt)
			outs[k++] = extra[i];
	if (sf_check(outs, k, out_is_input, (void *)paths, &err)) {
		error("%s: %s", cmd, err.msg);
		return DPF_EXIT_USAGE;
	}
	return 0;
}

bool out_shows_input_digests(const struct out_opts *o)
{
	if (!o->nreports)
		return o->detail == REP_DETAIL_HIGH;
	for (size_t i = 0; i < o->nreports; i++) {
		const char *name = o->reports[i].w->name;
		if (!strcmp(name, "json") || !strcmp(name, "sarif") ||
		    (!strcmp(name, "text") && o->detail == REP_DETAIL_HIGH))
			return true;
	}
	return false;
}

static bool reports_path_is_file(const char *path)
{
	return path && strcmp(path, "-") != 0;
}

/* NO_COLOR (no-color.org): set and not empty turns auto colour off. */
static bool want_color(enum out_color mode)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (mode != OUT_COLOR_AUTO)
		return mode == OUT_COLOR_ALWAYS;
	if (no && *no)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(STDOUT_FILENO);
}

/*
 * The detail and colour of report r in c.  Colour and --quiet are for a
 * person at a terminal: only the report on standard output; a report file
 * is a record and stays plain and whole at its --detail.
 */
static void report_view(const struct out_job *job, const struct out_report *r, struct rep_ctx *c)
{
	bool to_stdout = !reports_path_is_file(r->path);
	c->detail = to_stdout && job->quiet ? REP_DETAIL_QUIET : job->detail;
	c->color = to_stdout && want_color(job->color);
}

/* A NUL-terminated copy of s in a. */
static const char *cstr_of(struct arena *a, sv s)
{
	char *p = arena_alloc(a, s.n + 1);
	memcpy(p, s.p, s.n);
	p[s.n] = '\0';
	return p;
}

int out_write(const struct out_job *job)
{
	struct diag err;
	int status = DPF_EXIT_OK;

	if (job->bl && bl_apply(job->bl, job->pol, &job->res->findings, &err)) {
		/* The reports show the findings unmarked, and say the run is not whole. */
		error("%s", err.msg);
		aud_incomplete(job->res, err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}
	if (job->write_baseline &&
	    bl_write(job->write_baseline, job->pol, &job->res->findings, &err)) {
		error("%s", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}

	/* After the baseline (whose fingerprints name the real identifiers). */
	const char *command_line = job->command_line;
	const struct filter *filter = job->filter;
	struct filter shown;
	struct psd_map *own = NULL;
	if (job->pseudonymize) {
		const struct psd_map *map = job->ids;
		if (!map) {
			struct psd *ps = psd_load(job->pseudonymize, &err);
			if (!ps) {
				/* Never fall back to a report with the real names. */
				error("%s", err.msg);
				return DPF_EXIT_INCOMPLETE;
			}
			map = own = psd_map_new(ps, job->res, job->filter);
			psd_free(ps);
		}
		int e = psd_map_ready(map);
		if (e) {
			/* No output may name the people it could not replace. */
			error("the ids to pseudonymise could not be collected (%s): no report written",
			      strerror(e));
			psd_map_free(own);
			return DPF_EXIT_INCOMPLETE;
		}
		e = psd_apply(map, job->res);
		if (e) {
			/*
			 * The findings still name the real people: none is shown.
			 * The reports say why the run is not whole (exit 3).
			 */
			char why[256];
			snprintf(why, sizeof(why), "the findings could not be pseudonymised "
				 "(temporary file: %s): the reports show none", strerror(e));
			error("%s", why);
			fnd_release(&job->res->findings);
			aud_incomplete(job->res, why);
			status = DPF_EXIT_INCOMPLETE;
		}
		/* The command line and the filters name users and subjects too. */
		struct arena *a = &job->res->arena;
		if (job->command_line)
			command_line = cstr_of(a, psd_map_text(map, sv_cstr(job->command_line), a));
		if (job->filter) {
			shown = *job->filter;
			if (shown.ndescribed) {
				const char **d = arena_alloc(a, shown.ndescribed * sizeof(*d));
				for (size_t i = 0; i < shown.ndescribed; i++)
					d[i] = cstr_of(a, psd_map_text(map, sv_cstr(job->filter->described[i]), a));
				shown.described = d;
			}
			filter = &shown;
		}
		psd_map_free(own);
	}

	struct rep_ctx ctx = {
		.pol = job->pol,
		.res = job->res,
		.filter = filter,
		.rule_paths = job->rule_paths,
		.nrule_paths = job->nrule_paths,
		.command_line = command_line,
		.version = PACKAGE_VERSION,
		.redact = job->redact,
		.fail_on = job->fail_on,
		.baseline_path = job->baseline_path,
	};
	if (job->bl)
		ctx.stale = bl_stale(job->bl, &ctx.nstale);
	static const struct out_report text_stdout = { &rep_text, NULL };
	const struct out_report *reps = job->nreports ? job->reports : &text_stdout;
	size_t nreps = job->nreports ? job->nreports : 1;
	/* The groups are made only if some report reads them (CSV, SARIF, JUnit, -q do not). */
	bool groups = false;
	for (size_t i = 0; i < nreps && !groups; i++) {
		report_view(job, &reps[i], &ctx);
		groups = rep_uses_groups(reps[i].w, &ctx);
	}
	ctx.no_groups = !groups;
	struct rep_summary *sum = rep_summarize(&ctx);
	ctx.sum = sum;
	/* The first reading of a spilled list since aud_finish(): the reports say if it failed. */
	aud_findings_unread(job->res);
	if (job->counts) {
		bool whole = sum && !fnd_error(&job->res->findings);
		*job->counts = (struct out_counts){ whole, job->fail_on, whole ? sum->findings : 0,
						    whole ? sum->failing : 0, sum && sum->grouped };
	}

	for (size_t i = 0; i < nreps; i++) {
		report_view(job, &reps[i], &ctx);
		if (rep_write(reps[i].w, &ctx, reps[i].path, &err)) {
			error("%s", err.msg);
			status = DPF_EXIT_INCOMPLETE;
		}
	}
	rep_summary_free(sum);
	return status;
}

int out_status(const struct aud_result *res, enum sev fail_on, int written)
{
	return out_status_counted(res, NULL, fail_on, written);
}

int out_status_counted(const struct aud_result *res, const struct out_counts *c, enum sev fail_on,
		       int written)
{
	size_t failing = 0, findings = 0;
	struct fnd_iter it;
	const struct finding *f;

	if (c && c->valid && c->fail_on == fail_on) {
		findings = c->findings;
		failing = c->failing;
	} else {
		for (fnd_iter_start(&res->findings, &it); (f = fnd_iter_next(&it));) {
			if (f->suppressed)
				continue;
			findings++;
			if (fail_on != SEV_NONE && f->severity >= fail_on)
				failing++;
		}
	}
	if (fnd_error(&res->findings))
		return DPF_EXIT_INCOMPLETE;	/* the reports said so: not written whole */
	if (written != DPF_EXIT_OK)
		return DPF_EXIT_INCOMPLETE;
	return rep_verdict_exit(rep_verdict_of(res, findings, failing, fail_on), res, fail_on);
}
