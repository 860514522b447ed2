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

#include "escape.h"

#define JSON_SCHEMA_VERSION "2.0"

struct jw {
	FILE *out;
	const struct rep_ctx *c;
	struct red *red;
	struct buf scratch, tmp;
};

static void str(FILE *out, const char *s)
{
	if (s)
		esc_json_str(out, sv_cstr(s));
	else
		fputs("null", out);
}

/* A redacted (or UTF-8-fixed) string; null when empty. */
static void clean(struct jw *j, sv s)
{
	if (sv_empty(s)) {
		fputs("null", j->out);
		return;
	}
	esc_json_str(j->out, rep_clean(j->c, j->red, s, &j->scratch));
}

static void svstr(FILE *out, sv s)
{
	if (sv_empty(s))
		fputs("null", out);
	else
		esc_json_str(out, s);
}

static void time_or_null(FILE *out, bool has, int64_t t)
{
	char b[32];

	if (!has) {
		fputs("null", out);
		return;
	}
	rep_time_iso(t, b);
	fprintf(out, "\"%s\"", b);
}

static void u64(FILE *out, const char *key, uint64_t v, int comma)
{
	fprintf(out, "\"%s\": %llu%s", key, (unsigned long long)v, comma ? ", " : "");
}

static void sev_obj(FILE *out, const size_t *by_sev)
{
	fprintf(out, "{\"critical\": %zu, \"high\": %zu, \"medium\": %zu, \"low\": %zu}",
		by_sev[SEV_CRITICAL], by_sev[SEV_HIGH], by_sev[SEV_MEDIUM], by_sev[SEV_LOW]);
}

static void category_list(struct jw *j, uint64_t bits)
{
	const struct policy *p = j->c->pol;
	int first = 1;
	size_t i;

	fputc('[', j->out);
	for (i = 0; i < 64; i++) {
		if (!(bits & ((uint64_t)1 << i)))
			continue;
		fputs(first ? "" : ", ", j->out);
		first = 0;
		if (p && i < p->ncategories && p->categories[i].name)
			str(j->out, p->categories[i].name);
		else
			fprintf(j->out, "\"category-%zu\"", i);
	}
	fputc(']', j->out);
}

static void examples(struct jw *j, const struct aud_example *ex, size_t n)
{
	size_t k;

	fputc('[', j->out);
	for (k = 0; k < n && k < AUD_EXAMPLES; k++) {
		fprintf(j->out, "%s{\"line\": %llu, \"text\": ", k ? ", " : "",
			(unsigned long long)ex[k].line);
		esc_json_str(j->out, rep_clean(j->c, j->red, ex[k].text, &j->scratch));
		fputc('}', j->out);
	}
	fputc(']', j->out);
}

static void scope(struct jw *j)
{
	const struct rep_ctx *c = j->c;
	const struct aud_result *r = c->res;
	FILE *out = j->out;
	size_t i;

	fputs("  \"scope\": {\n    \"inputs\": [", out);
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];

		fprintf(out, "%s\n      {\"path\": ", i ? "," : "");
		str(out, in->path);
		fputs(", ", out);
		u64(out, "size", in->size, 1);
		fputs("\"compression\": ", out);
		str(out, in->compression);
		fputs(", \"format\": ", out);
		str(out, in->format);
		fputs(", ", out);
		u64(out, "lines", in->lines, 1);
		u64(out, "parsed", in->parsed, 1);
		u64(out, "unparsed", in->unparsed, 1);
		u64(out, "unmapped", in->unmapped, 1);
		u64(out, "skipped", in->skipped, 1);
		u64(out, "comments", in->comments, 1);
		u64(out, "overlong", in->overlong, 1);
		u64(out, "events", in->events, 1);
		u64(out, "personal_data_reads", in->pd_reads, 1);
		fprintf(out, "\"already_audited\": %s, ", in->already_audited ? "true" : "false");
		u64(out, "lines_already_audited", in->resumed_after, 1);
		fprintf(out, "\"complete\": %s, \"error\": ", in->complete ? "true" : "false");
		str(out, in->complete ? NULL : (in->error ? in->error : "not read whole"));
		fputs(", \"error_offset\": ", out);
		if (in->complete)
			fputs("null", out);
		else
			fprintf(out, "%llu", (unsigned long long)in->error_offset);
		fputs(", \"sha256\": ", out);
		str(out, in->sha256[0] ? in->sha256 : NULL);
		fputs(", \"time_range\": ", out);
		if (in->has_time) {
			fputs("{\"first\": ", out);
			time_or_null(out, true, in->tmin);
			fputs(", \"last\": ", out);
			time_or_null(out, true, in->tmax);
			fputc('}', out);
		} else {
			fputs("null", out);
		}
		fputs(", \"unparsed_examples\": ", out);
		examples(j, in->unparsed_ex, in->nunparsed_ex);
		fputs(", \"overlong_examples\": ", out);
		examples(j, in->overlong_ex, in->noverlong_ex);
		fputc('}', out);
	}
	fputs("\n    ],\n    \"time_range\": ", out);
	if (r->has_time) {
		fputs("{\"first\": ", out);
		time_or_null(out, true, r->tmin);
		fputs(", \"last\": ", out);
		time_or_null(out, true, r->tmax);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(",\n    \"rules\": {\"paths\": [", out);
	for (i = 0; i < c->nrule_paths; i++) {
		fputs(i ? ", " : "", out);
		str(out, c->rule_paths[i]);
	}
	fputs("], \"files\": [", out);
	for (i = 0; c->pol && i < c->pol->nfiles; i++) {
		fputs(i ? ", " : "", out);
		str(out, c->pol->files[i]);
	}
	fputs("], \"digest\": ", out);
	str(out, c->pol && c->pol->digest[0] ? c->pol->digest : NULL);
	fputs("},\n    \"filters\": [", out);
	for (i = 0; c->filter && i < c->filter->ndescribed; i++) {
		fputs(i ? ", " : "", out);
		str(out, c->filter->described[i]);
	}
	fputs("],\n    \"baseline\": ", out);
	if (c->baseline_path) {
		fputs("{\"path\": ", out);
		str(out, c->baseline_path);
		fprintf(out, ", \"suppressed\": %zu, \"stale\": [", c->sum->suppressed);
		for (i = 0; i < c->nstale; i++) {
			fputs(i ? ", " : "", out);
			clean(j, sv_cstr(c->stale[i]));
		}
		fputs("]}", out);
	} else {
		fputs("null", out);
	}
	fputs("\n  },\n", out);
}

static void principles(struct jw *j)
{
	const struct rep_summary *s = j->c->sum;
	FILE *out = j->out;
	int p;

	fputs("  \"principles\": [", out);
	for (p = 0; p < PR_COUNT; p++) {
		fprintf(out, "%s\n    {\"id\": \"%s\", \"name\": ", p ? "," : "",
			pr_slug((enum principle)p));
		str(out, pr_name((enum principle)p));
		fprintf(out, ", \"status\": \"%s\", \"events_assessed\": %llu, \"findings\": ",
			rep_status_name(s->status[p]),
			(unsigned long long)j->c->res->assessed[p]);
		sev_obj(out, s->by_sev[p]);
		fputc('}', out);
	}
	fputs("\n  ],\n", out);
}

static void checks(struct jw *j)
{
	const struct rep_ctx *c = j->c;
	FILE *out = j->out;
	size_t i, n = c->pol ? c->pol->nchecks : CHK_BUILTIN_COUNT;

	fputs("  \"checks\": [", out);
	for (i = 0; i < n; i++) {
		const struct pol_check *pc = c->pol ? &c->pol->checks[i] : NULL;
		enum sev sv_ = pc ? pc->severity : chk_info((enum chk_id)i)->severity;

		fprintf(out, "%s\n    {\"id\": ", i ? "," : "");
		str(out, rep_check_id(c, (uint32_t)i));
		fputs(", \"title\": ", out);
		str(out, rep_check_title(c, (uint32_t)i));
		fputs(", \"principles\": ", out);
		rep_principles_json(out, rep_check_principles(c, (uint32_t)i));
		fprintf(out, ", \"severity\": \"%s\", \"builtin\": %s, \"enabled\": %s, "
			     "\"findings\": %zu}",
			sev_name(sv_), !pc || pc->builtin ? "true" : "false",
			!pc || pc->enabled ? "true" : "false", rep_check_findings(c->sum, i));
	}
	fputs("\n  ],\n", out);
}

static void findings(struct jw *j)
{
	const struct rep_ctx *c = j->c;
	FILE *out = j->out;
	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0;

	fputs("  \"findings\": [", out);
	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it)); i++) {
		fprintf(out, "%s\n    {\"index\": %zu, \"check\": ", i ? "," : "", i);
		str(out, rep_check_id(c, f->check));
		fprintf(out, ", \"severity\": \"%s\", \"principles\": ", sev_name(f->severity));
		rep_principles_json(out, rep_check_principles(c, f->check));
		fputs(", \"user\": ", out);
		svstr(out, f->user);
		fputs(", \"role\": ", out);
		svstr(out, f->role);
		fputs(", \"subject\": ", out);
		clean(j, f->subject);
		fputs(", \"categories\": ", out);
		category_list(j, f->categories);
		fputs(", \"reason\": ", out);
		clean(j, f->reason);
		fputs(", \"resource\": ", out);
		clean(j, f->resource);
		fputs(", \"time\": ", out);
		time_or_null(out, f->has_time, f->time);
		fputs(", \"file\": ", out);
		str(out, rep_input_path(c, f->file));
		fprintf(out, ", \"line\": %llu, \"message\": ", (unsigned long long)f->line);
		clean(j, f->detail);
		fputs(", \"evidence\": ", out);
		clean(j, f->evidence);
		fprintf(out, ", \"suppressed\": %s}", f->suppressed ? "true" : "false");
	}
	fputs("\n  ],\n", out);
}

static void groups(struct jw *j)
{
	const struct rep_ctx *c = j->c;
	const struct rep_summary *s = c->sum;
	FILE *out = j->out;
	size_t i, k;

	fputs("  \"groups\": [", out);
	for (i = 0; i < s->ngroups; i++) {
		const struct fnd_group *g = &s->groups[i];

		fprintf(out, "%s\n    {\"check\": ", i ? "," : "");
		str(out, rep_check_id(c, g->check));
		fprintf(out, ", \"severity\": \"%s\", \"principles\": ", sev_name(g->severity));
		rep_principles_json(out, rep_check_principles(c, g->check));
		fputs(", \"user\": ", out);
		svstr(out, g->user);
		fputs(", \"role\": ", out);
		svstr(out, g->role);
		fputs(", \"subject\": ", out);
		clean(j, g->subject);
		fputs(", \"categories\": ", out);
		category_list(j, g->categories);
		fprintf(out, ", \"count\": %zu, \"suppressed\": %zu, \"first_time\": ", g->count,
			g->suppressed);
		time_or_null(out, g->first_has_time, g->first_time);
		fputs(", \"last_time\": ", out);
		time_or_null(out, g->last_has_time, g->last_time);
		fputs(", \"message\": ", out);
		clean(j, g->first_detail);
		fputs(", \"findings\": [", out);
		for (k = 0; k < g->count; k++)
			fprintf(out, "%s%zu", k ? ", " : "", g->members[k]);
		fputs("]}", out);
	}
	fputs("\n  ],\n", out);
}

static void ranks(struct jw *j, const char *key, const struct rep_rank *r, size_t n, int redact,
		  int comma)
{
	size_t i;

	fprintf(j->out, "    \"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", j->out);
		fputs("{\"name\": ", j->out);
		if (redact)
			clean(j, r[i].name);
		else
			svstr(j->out, r[i].name);
		fprintf(j->out, ", \"findings\": %zu}", r[i].count);
	}
	fprintf(j->out, "]%s\n", comma ? "," : "");
}

static void tail(struct jw *j)
{
	const struct rep_ctx *c = j->c;
	const struct rep_summary *s = c->sum;
	const struct aud_result *r = c->res;
	FILE *out = j->out;
	size_t i;
	int h;

	fputs("  \"rankings\": {\n", out);
	ranks(j, "users", s->top_users, s->ntop_users, 0, 1);
	ranks(j, "roles", s->top_roles, s->ntop_roles, 0, 1);
	ranks(j, "subjects", s->top_subjects, s->ntop_subjects, 1, 0);
	fputs("  },\n  \"hours\": [", out);
	for (h = 0; h < 24; h++)
		fprintf(out, "%s\n    {\"hour\": %d, \"personal_data_reads\": %llu, \"findings\": %llu}",
			h ? "," : "", h, (unsigned long long)r->reads_by_hour[h],
			(unsigned long long)r->findings_by_hour[h]);
	fputs("\n  ],\n  \"coverage\": {", out);
	u64(out, "lines", r->lines, 1);
	u64(out, "records", r->records, 1);
	u64(out, "parsed", r->parsed, 1);
	u64(out, "unparsed", r->unparsed, 1);
	u64(out, "unmapped", r->unmapped, 1);
	u64(out, "skipped", r->skipped, 1);
	u64(out, "comments", r->comments, 1);
	u64(out, "overlong", r->overlong, 1);
	u64(out, "events", r->events, 1);
	u64(out, "personal_data_reads", r->pd_reads, 1);
	u64(out, "failed_requests", r->failed_requests, 1);
	u64(out, "transfers", r->transfers, 1);
	u64(out, "findings_filtered_out", r->findings_filtered_out, 1);
	fputs("\"regex_limits\": [", out);
	for (i = 0; i < r->nlimits; i++) {
		fprintf(out, "%s{\"where\": ", i ? ", " : "");
		str(out, r->limits[i].where);
		fprintf(out, ", \"hits\": %lu}", r->limits[i].hits);
	}
	fputs("]}\n", out);
}

static void write_json(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	struct jw j = { out, c, rep_red_new(c), BUF_INIT, BUF_INIT };

	fputs("{\n  \"schema_version\": \"" JSON_SCHEMA_VERSION "\",\n", out);
	fputs("  \"tool\": {\"name\": \"dpfaudit\", \"version\": ", out);
	str(out, c->version);
	fputs("},\n  \"command\": ", out);
	str(out, c->command_line);
	enum rep_verdict v = rep_verdict(c);
	char why[256];
	fprintf(out, ",\n  \"verdict\": \"%s\",\n  \"verdict_reason\": ", rep_verdict_key(v));
	str(out, rep_verdict_reason(c->res, v, why, sizeof(why)));
	fprintf(out, ",\n  \"complete\": %s,\n  \"redacted\": %s,\n",
		c->res->incomplete ? "false" : "true", c->redact ? "true" : "false");
	fputs("  \"fail_on\": ", out);
	str(out, c->fail_on != SEV_NONE ? sev_name(c->fail_on) : NULL);
	fprintf(out, ",\n  \"summary\": {\"findings\": %zu, \"suppressed\": %zu, \"failing\": %zu, "
		     "\"groups\": %zu, \"by_severity\": ",
		s->findings, s->suppressed, s->failing, s->ngroups);
	sev_obj(out, s->total_by_sev);
	fputs("},\n", out);
	scope(&j);
	principles(&j);
	checks(&j);
	groups(&j);
	findings(&j);
	tail(&j);
	fputs("}\n", out);
	buf_release(&j.scratch);
	buf_release(&j.tmp);
	red_free(j.red);
}

const struct rep_writer rep_json = {
	.name = "json",
	.ext = "json",
	.write = write_json,
};
