/*
 * report_markdown.c - a summary for a CI job summary or a merge-request
 * comment: verdict, incompleteness warning, principle table, top groups.
 *
 * Every log-derived cell goes through esc_markdown(), which also neutralises
 * inline HTML and link syntax, so a crafted log line cannot put a remote
 * image (a network request) or markup into the comment.
 */
#include "common.h"

#include "report.h"

#include "escape.h"

/* Groups shown in the table; the rest are counted. */
#define MD_GROUPS 20

static void cell(FILE *out, sv s)
{
	fputs(" ", out);
	esc_markdown(out, s);
	fputs(" |", out);
}

static void write_markdown(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	const struct aud_result *r = c->res;
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, tmp = BUF_INIT;
	size_t i, live = 0, shown = 0;
	char t1[32], t2[32];
	int p;

	fputs("## dpfaudit: ", out);
	rep_headline(c, &tmp);
	esc_markdown(out, buf_sv(&tmp));
	buf_reset(&tmp);
	fprintf(out, "\n\n%zu critical, %zu high, %zu medium, %zu low", s->total_by_sev[SEV_CRITICAL],
		s->total_by_sev[SEV_HIGH], s->total_by_sev[SEV_MEDIUM], s->total_by_sev[SEV_LOW]);
	if (s->suppressed)
		fprintf(out, "; %zu suppressed by the baseline", s->suppressed);
	if (c->fail_on != SEV_NONE)
		fprintf(out, "; %zu at or above --fail-on %s", s->failing, sev_name(c->fail_on));
	fprintf(out, ".  \n%llu lines in %zu input%s, %llu personal-data reads",
		(unsigned long long)r->lines, r->ninputs, r->ninputs == 1 ? "" : "s",
		(unsigned long long)r->pd_reads);
	if (r->has_time) {
		rep_time_iso(r->tmin, t1);
		rep_time_iso(r->tmax, t2);
		fprintf(out, ", %s to %s", t1, t2);
	}
	fputs(".\n", out);
	if (r->unparsed)
		fprintf(out, "%llu lines could not be parsed.\n", (unsigned long long)r->unparsed);

	if (r->incomplete && r->records) {
		fputs("\n> [!WARNING]\n> **Audit incomplete**: findings cover only what could be read.\n",
		      out);
		for (i = 0; i < r->ninputs; i++) {
			const struct aud_input *in = &r->inputs[i];

			if (in->complete)
				continue;
			fputs(">\n> - ", out);
			esc_markdown(out, sv_cstr(in->path));
			fputs(": not read whole: ", out);
			esc_markdown(out, sv_cstr(in->error ? in->error : "not read whole"));
			fputc('\n', out);
		}
	}

	fputs("\n| Principle | Status | Events assessed | Critical | High | Medium | Low |\n"
	      "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n", out);
	for (p = 0; p < PR_COUNT; p++)
		fprintf(out, "| %s | %s | %llu | %zu | %zu | %zu | %zu |\n", pr_name((enum principle)p),
			s->status[p] == REP_FAIL ? "**fail**" : rep_status_name(s->status[p]),
			(unsigned long long)r->assessed[p], s->by_sev[p][SEV_CRITICAL],
			s->by_sev[p][SEV_HIGH], s->by_sev[p][SEV_MEDIUM], s->by_sev[p][SEV_LOW]);

	live = s->groups.live;
	if (live) {
		struct grp_iter it;
		const struct fnd_group *g;
		fputs("\n### Findings\n\n| Severity | Check | User | Role | Subject | Categories | Count "
		      "| First | Last | Example |\n"
		      "| --- | --- | --- | --- | --- | --- | ---: | --- | --- | --- |\n", out);
		for (grp_iter_start(&s->groups, &it); shown < MD_GROUPS && (g = grp_iter_next(&it));) {
			if (g->count == g->suppressed)
				continue;
			shown++;
			fputs("|", out);
			cell(out, sv_cstr(sev_name(g->severity)));
			cell(out, sv_cstr(rep_check_id(c, g->check)));
			cell(out, sv_empty(g->user) ? SV_LIT("(anonymous)") : g->user);
			cell(out, sv_empty(g->role) ? SV_LIT("(none)") : g->role);
			cell(out, rep_clean(c, red, g->subject, &scratch));
			buf_reset(&tmp);
			rep_categories(c->pol, g->categories, ", ", &tmp);
			cell(out, buf_sv(&tmp));
			fprintf(out, " %zu |", g->count - g->suppressed);
			t1[0] = t2[0] = '\0';
			if (g->first_has_time)
				rep_time_iso(g->first_time, t1);
			if (g->last_has_time)
				rep_time_iso(g->last_time, t2);
			cell(out, sv_cstr(t1));
			cell(out, sv_cstr(t2));
			buf_reset(&tmp);
			buf_addf(&tmp, "%s:%llu: ", rep_input_path(c, g->first_file),
				 (unsigned long long)g->first_line);
			buf_addsv(&tmp, rep_clean(c, red, g->first_detail, &scratch));
			cell(out, buf_sv(&tmp));
			fputc('\n', out);
		}
		if (live > shown)
			fprintf(out, "\n... and %zu more groups (see the full report).\n", live - shown);
	}
	buf_release(&scratch);
	buf_release(&tmp);
	red_free(red);
}

const struct rep_writer rep_markdown = {
	.name = "markdown",
	.ext = "md",
	.write = write_markdown,
	.uses_groups = rep_groups_always,
};
