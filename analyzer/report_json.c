/*
 * report_json.c - the machine-readable report (doc/report-schema.json).
 *
 * Versioned with "schema_version" (major.minor: a minor bump only adds
 * fields).  Byte-identical for identical inputs: no wall-clock time, keys in
 * a fixed order, findings in list order, groups in fnd_group() order.  Every
 * finding occurrence is listed (with file, line, time, redacted evidence),
 * and groups refer to them by index into "findings".
 */
#include "common.h"

#include "report.h"

#include <string.h>

#include "jsonw.h"

#define JSON_SCHEMA_VERSION "2.0"

struct rj {
	struct jw w;
	const struct rep_ctx *c;
	struct red *red;
	struct buf scratch;
	struct buf stage;	/* the staged writer's bytes (jsonw.h), flushed per REP_FLUSH_AT */
	FILE *out;
};

/* A redacted (or UTF-8-fixed) string; null when empty. */
static void clean(struct rj *j, sv s)
{
	if (sv_empty(s))
		jw_null(&j->w);
	else
		jw_str(&j->w, rep_clean(j->c, j->red, s, &j->scratch));
}

/* A string; null when empty. */
static void svstr(struct jw *w, sv s)
{
	if (sv_empty(s))
		jw_null(w);
	else
		jw_str(w, s);
}

static void time_or_null(struct jw *w, bool has, int64_t t)
{
	char b[32];

	if (!has) {
		jw_null(w);
		return;
	}
	rep_time_iso(t, b);
	jw_cstr(w, b);
}

static void sev_obj(struct jw *w, const size_t *by_sev)
{
	jw_object_begin(w, JW_INLINE);
	jw_key_uint(w, "critical", by_sev[SEV_CRITICAL]);
	jw_key_uint(w, "high", by_sev[SEV_HIGH]);
	jw_key_uint(w, "medium", by_sev[SEV_MEDIUM]);
	jw_key_uint(w, "low", by_sev[SEV_LOW]);
	jw_object_end(w);
}

/* {"first": T, "last": T}, or null without a time. */
static void time_range(struct jw *w, bool has, int64_t first, int64_t last)
{
	jw_key(w, "time_range");
	if (!has) {
		jw_null(w);
		return;
	}
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "first");
	time_or_null(w, true, first);
	jw_key(w, "last");
	time_or_null(w, true, last);
	jw_object_end(w);
}

static void category_list(struct rj *j, uint64_t bits)
{
	const struct policy *p = j->c->pol;
	char name[32];
	size_t i;

	jw_array_begin(&j->w, JW_INLINE);
	for (i = 0; i < 64; i++) {
		if (!(bits & ((uint64_t)1 << i)))
			continue;
		if (p && i < p->ncategories && p->categories[i].name) {
			jw_cstr(&j->w, p->categories[i].name);
		} else {
			snprintf(name, sizeof(name), "category-%zu", i);
			jw_cstr(&j->w, name);
		}
	}
	jw_array_end(&j->w);
}

static void examples(struct rj *j, const char *key, const struct aud_example *ex, size_t n)
{
	size_t k;

	jw_key(&j->w, key);
	jw_array_begin(&j->w, JW_INLINE);
	for (k = 0; k < n && k < AUD_EXAMPLES; k++) {
		jw_object_begin(&j->w, JW_INLINE);
		jw_key_uint(&j->w, "line", ex[k].line);
		jw_key(&j->w, "text");
		jw_str(&j->w, rep_clean(j->c, j->red, ex[k].text, &j->scratch));
		jw_object_end(&j->w);
	}
	jw_array_end(&j->w);
}

static void input(struct rj *j, const struct aud_input *in)
{
	struct jw *w = &j->w;

	jw_object_begin(w, JW_INLINE);
	jw_key_cstr(w, "path", in->path);
	jw_key_uint(w, "size", in->size);
	jw_key_cstr(w, "compression", in->compression);
	jw_key_cstr(w, "format", in->format);
	jw_key_uint(w, "lines", in->lines);
	jw_key_uint(w, "parsed", in->parsed);
	jw_key_uint(w, "unparsed", in->unparsed);
	jw_key_uint(w, "unmapped", in->unmapped);
	jw_key_uint(w, "skipped", in->skipped);
	jw_key_uint(w, "comments", in->comments);
	jw_key_uint(w, "overlong", in->overlong);
	jw_key_uint(w, "events", in->events);
	jw_key_uint(w, "personal_data_reads", in->pd_reads);
	jw_key_bool(w, "already_audited", in->already_audited);
	jw_key_uint(w, "lines_already_audited", in->resumed_after);
	jw_key_bool(w, "complete", in->complete);
	jw_key_cstr(w, "error", in->complete ? NULL : (in->error ? in->error : "not read whole"));
	jw_key(w, "error_offset");
	if (in->complete)
		jw_null(w);
	else
		jw_uint(w, in->error_offset);
	jw_key_cstr(w, "sha256", in->sha256[0] ? in->sha256 : NULL);
	time_range(w, in->has_time, in->tmin, in->tmax);
	examples(j, "unparsed_examples", in->unparsed_ex, in->nunparsed_ex);
	examples(j, "overlong_examples", in->overlong_ex, in->noverlong_ex);
	jw_object_end(w);
}

static void scope(struct rj *j)
{
	const struct rep_ctx *c = j->c;
	const struct aud_result *r = c->res;
	struct jw *w = &j->w;
	size_t i;

	jw_key(w, "scope");
	jw_object_begin(w, JW_BLOCK);
	jw_key(w, "inputs");
	jw_array_begin(w, JW_BLOCK);
	for (i = 0; i < r->ninputs; i++)
		input(j, &r->inputs[i]);
	jw_array_end(w);
	time_range(w, r->has_time, r->tmin, r->tmax);
	jw_key(w, "rules");
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "paths");
	jw_array_begin(w, JW_INLINE);
	for (i = 0; i < c->nrule_paths; i++)
		jw_cstr(w, c->rule_paths[i]);
	jw_array_end(w);
	jw_key(w, "files");
	jw_array_begin(w, JW_INLINE);
	for (i = 0; c->pol && i < c->pol->nfiles; i++)
		jw_cstr(w, c->pol->files[i]);
	jw_array_end(w);
	jw_key_cstr(w, "digest", c->pol && c->pol->digest[0] ? c->pol->digest : NULL);
	jw_object_end(w);
	jw_key(w, "filters");
	jw_array_begin(w, JW_INLINE);
	for (i = 0; c->filter && i < c->filter->ndescribed; i++)
		jw_cstr(w, c->filter->described[i]);
	jw_array_end(w);
	jw_key(w, "baseline");
	if (c->baseline_path) {
		jw_object_begin(w, JW_INLINE);
		jw_key_cstr(w, "path", c->baseline_path);
		jw_key_uint(w, "suppressed", c->sum->suppressed);
		jw_key(w, "stale");
		jw_array_begin(w, JW_INLINE);
		for (i = 0; i < c->nstale; i++)
			clean(j, sv_cstr(c->stale[i]));
		jw_array_end(w);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_object_end(w);
}

static void principles(struct rj *j)
{
	const struct rep_summary *s = j->c->sum;
	struct jw *w = &j->w;
	int p;

	jw_key(w, "principles");
	jw_array_begin(w, JW_BLOCK);
	for (p = 0; p < PR_COUNT; p++) {
		jw_object_begin(w, JW_INLINE);
		jw_key_cstr(w, "id", pr_slug((enum principle)p));
		jw_key_cstr(w, "name", pr_name((enum principle)p));
		jw_key_cstr(w, "status", rep_status_name(s->status[p]));
		jw_key_uint(w, "events_assessed", j->c->res->assessed[p]);
		jw_key(w, "findings");
		sev_obj(w, s->by_sev[p]);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void checks(struct rj *j)
{
	const struct rep_ctx *c = j->c;
	struct jw *w = &j->w;
	size_t i, n = c->pol ? c->pol->nchecks : CHK_BUILTIN_COUNT;

	jw_key(w, "checks");
	jw_array_begin(w, JW_BLOCK);
	for (i = 0; i < n; i++) {
		const struct pol_check *pc = c->pol ? &c->pol->checks[i] : NULL;
		enum sev sv_ = pc ? pc->severity : chk_info((enum chk_id)i)->severity;

		jw_object_begin(w, JW_INLINE);
		jw_key_cstr(w, "id", rep_check_id(c, (uint32_t)i));
		jw_key_cstr(w, "title", rep_check_title(c, (uint32_t)i));
		jw_key(w, "principles");
		rep_principles_json(w, rep_check_principles(c, (uint32_t)i));
		jw_key_cstr(w, "severity", sev_name(sv_));
		jw_key_bool(w, "builtin", !pc || pc->builtin);
		jw_key_bool(w, "enabled", !pc || pc->enabled);
		jw_key_uint(w, "findings", rep_check_findings(c->sum, i));
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* The members a finding and a group share: check to categories. */
static void who(struct rj *j, uint32_t check, enum sev sev, sv user, sv role, sv subject,
		uint64_t categories)
{
	struct jw *w = &j->w;

	jw_key_cstr(w, "check", rep_check_id(j->c, check));
	jw_key_cstr(w, "severity", sev_name(sev));
	jw_key(w, "principles");
	rep_principles_json(w, rep_check_principles(j->c, check));
	jw_key(w, "user");
	svstr(w, user);
	jw_key(w, "role");
	svstr(w, role);
	jw_key(w, "subject");
	clean(j, subject);
	jw_key(w, "categories");
	category_list(j, categories);
}

static void findings(struct rj *j)
{
	const struct rep_ctx *c = j->c;
	struct jw *w = &j->w;
	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0;

	jw_key(w, "findings");
	jw_array_begin(w, JW_BLOCK);
	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it)); i++) {
		jw_object_begin(w, JW_INLINE);
		jw_key_uint(w, "index", i);
		who(j, f->check, f->severity, f->user, f->role, f->subject, f->categories);
		jw_key(w, "reason");
		clean(j, f->reason);
		jw_key(w, "resource");
		clean(j, f->resource);
		jw_key(w, "time");
		time_or_null(w, f->has_time, f->time);
		jw_key_cstr(w, "file", rep_input_path(c, f->file));
		jw_key_uint(w, "line", f->line);
		jw_key(w, "message");
		clean(j, f->detail);
		jw_key(w, "evidence");
		clean(j, f->evidence);
		jw_key_bool(w, "suppressed", f->suppressed);
		jw_object_end(w);
		rep_flush(&j->stage, j->out, REP_FLUSH_AT);
	}
	jw_array_end(w);
}

static void groups(struct rj *j)
{
	const struct rep_ctx *c = j->c;
	const struct rep_summary *s = c->sum;
	struct jw *w = &j->w;
	struct grp_iter it;
	const struct fnd_group *g;
	size_t m[512];	/* a group's members, read a piece at a time */

	jw_key(w, "groups");
	jw_array_begin(w, JW_BLOCK);
	for (grp_iter_start(&s->groups, &it); (g = grp_iter_next(&it));) {
		jw_object_begin(w, JW_INLINE);
		who(j, g->check, g->severity, g->user, g->role, g->subject, g->categories);
		jw_key_uint(w, "count", g->count);
		jw_key_uint(w, "suppressed", g->suppressed);
		jw_key(w, "first_time");
		time_or_null(w, g->first_has_time, g->first_time);
		jw_key(w, "last_time");
		time_or_null(w, g->last_has_time, g->last_time);
		jw_key(w, "message");
		clean(j, g->first_detail);
		jw_key(w, "findings");
		jw_array_begin(w, JW_INLINE);
		for (size_t at = 0, got; at < g->count; at += got) {
			got = grp_members(&s->groups, g, at, m, sizeof(m) / sizeof(m[0]));
			if (!got)
				break;	/* a read error: rep_write reports it (grp_error) */
			for (size_t k = 0; k < got; k++)
				jw_uint(w, m[k]);
			rep_flush(&j->stage, j->out, REP_FLUSH_AT);
		}
		jw_array_end(w);
		jw_object_end(w);
		rep_flush(&j->stage, j->out, REP_FLUSH_AT);
	}
	jw_array_end(w);
}

static void ranks(struct rj *j, const char *key, const struct rep_rank *r, size_t n, int redact)
{
	struct jw *w = &j->w;
	size_t i;

	jw_key(w, key);
	jw_array_begin(w, JW_INLINE);
	for (i = 0; i < n; i++) {
		jw_object_begin(w, JW_INLINE);
		jw_key(w, "name");
		if (redact)
			clean(j, r[i].name);
		else
			svstr(w, r[i].name);
		jw_key_uint(w, "findings", r[i].count);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void tail(struct rj *j)
{
	const struct rep_ctx *c = j->c;
	const struct rep_summary *s = c->sum;
	const struct aud_result *r = c->res;
	struct jw *w = &j->w;
	size_t i;
	int h;

	jw_key(w, "rankings");
	jw_object_begin(w, JW_BLOCK);
	ranks(j, "users", s->top_users, s->ntop_users, 0);
	ranks(j, "roles", s->top_roles, s->ntop_roles, 0);
	ranks(j, "subjects", s->top_subjects, s->ntop_subjects, 1);
	jw_object_end(w);
	jw_key(w, "hours");
	jw_array_begin(w, JW_BLOCK);
	for (h = 0; h < 24; h++) {
		jw_object_begin(w, JW_INLINE);
		jw_key_uint(w, "hour", (uint64_t)h);
		jw_key_uint(w, "personal_data_reads", r->reads_by_hour[h]);
		jw_key_uint(w, "findings", r->findings_by_hour[h]);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "coverage");
	jw_object_begin(w, JW_INLINE);
	jw_key_uint(w, "lines", r->lines);
	jw_key_uint(w, "records", r->records);
	jw_key_uint(w, "parsed", r->parsed);
	jw_key_uint(w, "unparsed", r->unparsed);
	jw_key_uint(w, "unmapped", r->unmapped);
	jw_key_uint(w, "skipped", r->skipped);
	jw_key_uint(w, "comments", r->comments);
	jw_key_uint(w, "overlong", r->overlong);
	jw_key_uint(w, "events", r->events);
	jw_key_uint(w, "personal_data_reads", r->pd_reads);
	jw_key_uint(w, "failed_requests", r->failed_requests);
	jw_key_uint(w, "transfers", r->transfers);
	jw_key_uint(w, "findings_filtered_out", r->findings_filtered_out);
	jw_key(w, "regex_limits");
	jw_array_begin(w, JW_INLINE);
	for (i = 0; i < r->nlimits; i++) {
		jw_object_begin(w, JW_INLINE);
		jw_key_cstr(w, "where", r->limits[i].where);
		jw_key_uint(w, "hits", r->limits[i].hits);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

/*
 * Write errors are the stream's: sf_write() checks ferror() once at the end.
 * A misuse of the writer is a bug in this file; the unit and golden tests
 * would show it as invalid or missing output.
 */
static void write_json(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	struct rj j = { .c = c, .red = rep_red_new(c), .scratch = BUF_INIT, .stage = BUF_INIT,
			.out = out };
	struct jw *w = &j.w;
	enum rep_verdict v = rep_verdict(c);
	char why[256];

	jw_init_staged(w, out, 2, &j.stage);
	jw_object_begin(w, JW_BLOCK);
	jw_key_cstr(w, "schema_version", JSON_SCHEMA_VERSION);
	jw_key(w, "tool");
	jw_object_begin(w, JW_INLINE);
	jw_key_cstr(w, "name", "dpfaudit");
	jw_key_cstr(w, "version", c->version);
	jw_object_end(w);
	jw_key_cstr(w, "command", c->command_line);
	jw_key_cstr(w, "verdict", rep_verdict_key(v));
	jw_key_cstr(w, "verdict_reason", rep_verdict_reason(c->res, v, why, sizeof(why)));
	jw_key_bool(w, "complete", !c->res->incomplete);
	jw_key_bool(w, "redacted", c->redact);
	jw_key_cstr(w, "fail_on", c->fail_on != SEV_NONE ? sev_name(c->fail_on) : NULL);
	jw_key(w, "summary");
	jw_object_begin(w, JW_INLINE);
	jw_key_uint(w, "findings", s->findings);
	jw_key_uint(w, "suppressed", s->suppressed);
	jw_key_uint(w, "failing", s->failing);
	jw_key_uint(w, "groups", s->groups.n);
	jw_key(w, "by_severity");
	sev_obj(w, s->total_by_sev);
	jw_object_end(w);
	scope(&j);
	principles(&j);
	checks(&j);
	groups(&j);
	findings(&j);
	tail(&j);
	jw_object_end(w);
	jw_done(w);
	buf_addc(&j.stage, '\n');
	rep_flush(&j.stage, out, 0);
	buf_release(&j.stage);
	buf_release(&j.scratch);
	red_free(j.red);
}

const struct rep_writer rep_json = {
	.name = "json",
	.ext = "json",
	.write = write_json,
	.uses_groups = rep_groups_always,
};
