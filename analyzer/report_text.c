/*
 * report_text.c - the report a person reads in a terminal or a nightly mail.
 *
 * Deterministic (no wall-clock time), plain ASCII layout, every log-derived
 * string through esc_text() so a hostile line cannot drive the terminal.
 * An incomplete audit is announced right under the verdict, before anything
 * else, because findings from a partly read input are not the whole story.
 */
#include "common.h"

#include "report.h"

#include <string.h>

#include "escape.h"

#define EVIDENCE_SHOWN 3
#define BAR_WIDTH 30

static void put_sv(FILE *out, sv s) { esc_text(out, s); }
static void put_s(FILE *out, const char *s) { esc_text(out, sv_cstr(s ? s : "")); }

static void sev_counts(FILE *out, const size_t *by_sev)
{
	int k, first = 1;

	for (k = SEV_CRITICAL; k >= SEV_LOW; k--) {
		if (!by_sev[k])
			continue;
		fprintf(out, "%s%zu %s", first ? "" : ", ", by_sev[k], sev_name((enum sev)k));
		first = 0;
	}
}

static void verdict(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	enum rep_verdict v = rep_verdict(c);
	char why[256];

	switch (v) {
	case REP_V_FAIL:
		fprintf(out, "FAIL: %zu finding%s (", s->findings, s->findings == 1 ? "" : "s");
		sev_counts(out, s->total_by_sev);
		fputs(")", out);
		if (c->fail_on != SEV_NONE)
			fprintf(out, "; %zu at or above --fail-on %s", s->failing,
				sev_name(c->fail_on));
		fputc('\n', out);
		break;
	case REP_V_INCOMPLETE:
		/* Never "PASS" for an audit that did not see everything. */
		fprintf(out, "INCOMPLETE: %zu finding%s in what could be read\n", s->findings,
			s->findings == 1 ? "" : "s");
		break;
	case REP_V_NOTHING_AUDITED:
	case REP_V_NOT_ASSESSED:
		/* Never "PASS" for an audit that saw nothing it could judge. */
		fprintf(out, "%s: %s\n", rep_verdict_name(v),
			rep_verdict_reason(c, v, why, sizeof(why)));
		break;
	case REP_V_PASS:
		if (s->findings) {
			fprintf(out, "PASS: no finding at or above --fail-on %s (%zu below: ",
				sev_name(c->fail_on), s->findings);
			sev_counts(out, s->total_by_sev);
			fputs(")\n", out);
		} else {
			fputs("PASS: no findings\n", out);
		}
		break;
	}
	if (v == REP_V_NOT_ASSESSED && s->findings)
		fprintf(out, "(%zu finding%s below --fail-on %s)\n", s->findings,
			s->findings == 1 ? "" : "s", sev_name(c->fail_on));
	if (s->suppressed)
		fprintf(out, "(%zu more suppressed by the baseline)\n", s->suppressed);
}

static void incomplete(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	size_t i, bad = 0;

	if (!r->incomplete)
		return;
	for (i = 0; i < r->ninputs; i++)
		bad += !r->inputs[i].complete;
	if (!bad)
		return;	/* nothing audited, every input read whole: the headline says it */
	fprintf(out, "\nAUDIT INCOMPLETE: %zu of %zu input%s not read whole; "
		"findings cover only what could be read.\n",
		bad, r->ninputs, r->ninputs == 1 ? "" : "s");
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];

		if (in->complete)
			continue;
		fputs("  ", out);
		put_s(out, in->path);
		fputs(": INCOMPLETE: ", out);
		put_s(out, in->error ? in->error : "not read whole");
		fputc('\n', out);
	}
}

static void scope(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	char t1[32], t2[32];
	size_t i;

	fputs("\nScope\n", out);
	if (c->command_line) {
		fputs("  Command:    ", out);
		put_s(out, c->command_line);
		fputc('\n', out);
	}
	fprintf(out, "  Inputs:     %zu\n", r->ninputs);
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];

		fputs("    ", out);
		put_s(out, in->path);
		fprintf(out, ": %llu bytes, %s, format %s, %llu lines (%llu parsed, %llu unparsed",
			(unsigned long long)in->size, in->compression ? in->compression : "?",
			in->format ? in->format : "none detected",
			(unsigned long long)in->lines, (unsigned long long)in->parsed,
			(unsigned long long)in->unparsed);
		if (in->unmapped)
			fprintf(out, " of which %llu unmapped", (unsigned long long)in->unmapped);
		if (in->skipped)
			fprintf(out, ", %llu skipped as no access", (unsigned long long)in->skipped);
		fputs("), ", out);
		if (in->complete) {
			fputs("complete\n", out);
		} else {
			/* The error names its own place (byte offset, line). */
			fputs("INCOMPLETE: ", out);
			put_s(out, in->error ? in->error : "not read whole");
			fputc('\n', out);
		}
		if (in->sha256[0])
			fprintf(out, "      sha256 %s\n", in->sha256);
	}
	if (r->has_time) {
		rep_time_iso(r->tmin, t1);
		rep_time_iso(r->tmax, t2);
		fprintf(out, "  Time range: %s .. %s\n", t1, t2);
	} else {
		fputs("  Time range: none (no event with a time)\n", out);
	}
	fputs("  Rules:     ", out);
	if (c->pol && c->pol->nfiles) {
		for (i = 0; i < c->pol->nfiles; i++) {
			fputc(' ', out);
			put_s(out, c->pol->files[i]);
		}
		fprintf(out, "\n              sha256 %s\n", c->pol->digest);
	} else {
		fputs(" none\n", out);
	}
	fputs("  Filters:   ", out);
	if (c->filter && c->filter->ndescribed) {
		for (i = 0; i < c->filter->ndescribed; i++) {
			fputc(' ', out);
			put_s(out, c->filter->described[i]);
		}
		fputc('\n', out);
	} else {
		fputs(" none\n", out);
	}
	if (c->baseline_path) {
		fputs("  Baseline:   ", out);
		put_s(out, c->baseline_path);
		fprintf(out, " (%zu suppressed, %zu stale)\n", c->sum->suppressed, c->nstale);
	}
	fprintf(out, "  Redaction:  %s\n", c->redact ? "on" : "OFF (--no-redact)");
}

static void principles(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	int p;

	fputs("\nPrinciples\n", out);
	fprintf(out, "  %-38s %-12s %10s %5s %5s %5s %5s\n", "PRINCIPLE", "STATUS", "ASSESSED",
		"CRIT", "HIGH", "MED", "LOW");
	for (p = 0; p < PR_COUNT; p++) {
		const char *st = s->status[p] == REP_FAIL ? "FAIL" :
				 s->status[p] == REP_PASS ? "pass" : "not assessed";
		fprintf(out, "  %-38s %-12s %10llu %5zu %5zu %5zu %5zu\n",
			pr_name((enum principle)p), st, (unsigned long long)c->res->assessed[p],
			s->by_sev[p][SEV_CRITICAL], s->by_sev[p][SEV_HIGH],
			s->by_sev[p][SEV_MEDIUM], s->by_sev[p][SEV_LOW]);
	}
}

static void group(const struct rep_ctx *c, FILE *out, const struct fnd_group *g,
		  struct red *red, struct buf *scratch, struct buf *tmp)
{
	const struct fnd_list *l = &c->res->findings;
	const struct finding *first = &l->v[g->first], *last = &l->v[g->last];
	size_t live = g->count - g->suppressed, shown = 0, i;
	char t1[32], t2[32];

	fprintf(out, "\n  [%s] %s", sev_name(g->severity), rep_check_id(c, g->check));
	buf_reset(tmp);
	rep_principles(rep_check_principles(c, g->check), "; ", tmp);
	fputs(" (", out);
	put_sv(out, buf_sv(tmp));
	fputs(")\n    user ", out);
	put_sv(out, sv_empty(g->user) ? SV_LIT("(anonymous)") : g->user);
	fputs(", role ", out);
	put_sv(out, sv_empty(g->role) ? SV_LIT("(none)") : g->role);
	fputs(", subject ", out);
	put_sv(out, sv_empty(g->subject) ? SV_LIT("(none)") :
		     rep_clean(c, red, g->subject, scratch));
	buf_reset(tmp);
	rep_categories(c->pol, g->categories, ", ", tmp);
	fputs(", categories ", out);
	put_sv(out, tmp->len ? buf_sv(tmp) : SV_LIT("(none)"));
	fprintf(out, "\n    %zu finding%s", live, live == 1 ? "" : "s");
	if (first->has_time) {
		rep_time_iso(first->time, t1);
		rep_time_iso(last->time, t2);
		if (live > 1)
			fprintf(out, ", first %s, last %s", t1, t2);
		else
			fprintf(out, " at %s", t1);
	}
	fputs("\n    ", out);
	put_sv(out, rep_clean(c, red, first->detail, scratch));
	fputc('\n', out);
	for (i = 0; i < g->count; i++) {
		const struct finding *f = &l->v[g->members[i]];

		if (f->suppressed)
			continue;
		if (shown == EVIDENCE_SHOWN) {
			fprintf(out, "      ... and %zu more\n", live - shown);
			break;
		}
		fputs("      ", out);
		put_s(out, rep_input_path(c, f->file));
		fprintf(out, ":%llu: ", (unsigned long long)f->line);
		put_sv(out, rep_clean(c, red, f->evidence, scratch));
		fputc('\n', out);
		shown++;
	}
}

static void findings(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch,
		     struct buf *tmp)
{
	const struct rep_summary *s = c->sum;
	size_t i, live = 0;

	for (i = 0; i < s->ngroups; i++)
		live += s->groups[i].count > s->groups[i].suppressed;
	fprintf(out, "\nFindings (%zu in %zu group%s)\n", s->findings, live, live == 1 ? "" : "s");
	if (!live)
		fputs("  none\n", out);
	for (i = 0; i < s->ngroups; i++)
		if (s->groups[i].count > s->groups[i].suppressed)
			group(c, out, &s->groups[i], red, scratch, tmp);
}

static void ranking(const struct rep_ctx *c, FILE *out, const char *what,
		    const struct rep_rank *r, size_t n, struct red *red, struct buf *scratch)
{
	size_t i;

	fprintf(out, "  Top %-9s", what);
	if (!n)
		fputs(" none", out);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : " ", out);
		put_sv(out, red ? rep_clean(c, red, r[i].name, scratch) : r[i].name);
		fprintf(out, " (%zu)", r[i].count);
	}
	fputc('\n', out);
}

static void rankings(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch)
{
	const struct rep_summary *s = c->sum;

	fputs("\nRankings (by findings)\n", out);
	ranking(c, out, "users:", s->top_users, s->ntop_users, NULL, scratch);
	ranking(c, out, "roles:", s->top_roles, s->ntop_roles, NULL, scratch);
	ranking(c, out, "subjects:", s->top_subjects, s->ntop_subjects, red, scratch);
	if (c->redact && !red && s->ntop_subjects)
		fputs("  (subjects hidden: redaction unavailable)\n", out);
}

static void hours(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	uint64_t max = 0;
	int h;

	fputs("\nPersonal-data reads per hour (UTC)\n", out);
	fprintf(out, "  %-4s %10s %9s\n", "HOUR", "READS", "FINDINGS");
	for (h = 0; h < 24; h++)
		if (r->reads_by_hour[h] > max)
			max = r->reads_by_hour[h];
	for (h = 0; h < 24; h++) {
		uint64_t w = max ? (r->reads_by_hour[h] * BAR_WIDTH + max - 1) / max : 0;

		fprintf(out, "  %02d   %10llu %9llu", h, (unsigned long long)r->reads_by_hour[h],
			(unsigned long long)r->findings_by_hour[h]);
		if (w)
			fputs("  ", out);
		while (w--)
			fputc('#', out);
		if (r->findings_by_hour[h])
			fputs(" !", out);
		fputc('\n', out);
	}
}

static void examples(const struct rep_ctx *c, FILE *out, const char *what, int overlong,
		     struct red *red, struct buf *scratch)
{
	const struct aud_result *r = c->res;
	size_t i, k, any = 0;

	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];
		const struct aud_example *ex = overlong ? in->overlong_ex : in->unparsed_ex;
		size_t n = overlong ? in->noverlong_ex : in->nunparsed_ex;

		for (k = 0; k < n && k < AUD_EXAMPLES; k++) {
			if (!any++)
				fprintf(out, "  First %s lines:\n", what);
			fputs("    ", out);
			put_s(out, in->path);
			fprintf(out, ":%llu: ", (unsigned long long)ex[k].line);
			put_sv(out, rep_clean(c, red, ex[k].text, scratch));
			fputc('\n', out);
		}
	}
}

static void coverage(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch)
{
	const struct aud_result *r = c->res;
	size_t i;

	fputs("\nCoverage\n", out);
	fprintf(out, "  Lines read:           %llu\n", (unsigned long long)r->lines);
	fprintf(out, "  Parsed:               %llu\n", (unsigned long long)r->parsed);
	fprintf(out, "  Unparsed:             %llu", (unsigned long long)r->unparsed);
	if (r->unmapped)
		fprintf(out, " (%llu unmapped: no user and no resource)", (unsigned long long)r->unmapped);
	fputc('\n', out);
	fprintf(out, "  Skipped (no access):  %llu\n", (unsigned long long)r->skipped);
	fprintf(out, "  Blank and comments:   %llu\n", (unsigned long long)r->comments);
	fprintf(out, "  Overlong (truncated): %llu\n", (unsigned long long)r->overlong);
	fprintf(out, "  Events:               %llu\n", (unsigned long long)r->events);
	fprintf(out, "  Personal-data reads:  %llu\n", (unsigned long long)r->pd_reads);
	fprintf(out, "  Failed requests:      %llu\n", (unsigned long long)r->failed_requests);
	fprintf(out, "  Exports/transfers:    %llu\n", (unsigned long long)r->transfers);
	if (r->findings_filtered_out)
		fprintf(out, "  Findings not selected by the filters: %zu\n",
			r->findings_filtered_out);
	examples(c, out, "unparsed", 0, red, scratch);
	examples(c, out, "overlong", 1, red, scratch);
	for (i = 0; i < r->nlimits; i++) {
		fputs("  Regex match limit hit: ", out);
		put_s(out, r->limits[i].where);
		fprintf(out, " (%lu time%s; those matches counted as no match)\n",
			r->limits[i].hits, r->limits[i].hits == 1 ? "" : "s");
	}
	if (c->baseline_path) {
		fprintf(out, "  Baseline: %zu suppressed, %zu stale\n", c->sum->suppressed, c->nstale);
		for (i = 0; i < c->nstale; i++) {
			fputs("    stale: ", out);
			put_sv(out, rep_clean(c, red, sv_cstr(c->stale[i]), scratch));
			fputc('\n', out);
		}
	}
}

static void gate(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	const struct fnd_list *l = &c->res->findings;
	size_t i;

	if (c->fail_on == SEV_NONE)
		return;
	fprintf(out, "\nGate (--fail-on %s): ", sev_name(c->fail_on));
	if (!s->failing) {
		enum rep_verdict v = rep_verdict(c);
		if (v == REP_V_PASS)
			fputs("passed\n", out);
		else
			fprintf(out, "not passed: %s\n", rep_verdict_name(v));
		return;
	}
	fprintf(out, "FAILED by %zu finding%s:\n", s->failing, s->failing == 1 ? "" : "s");
	for (i = 0; i < s->ngroups; i++) {
		const struct fnd_group *g = &s->groups[i];
		size_t k, n = 0;

		for (k = 0; k < g->count; k++) {
			const struct finding *f = &l->v[g->members[k]];
			n += !f->suppressed && f->severity >= c->fail_on;
		}
		if (!n)
			continue;
		fprintf(out, "  %zu x %s [%s] user ", n, rep_check_id(c, g->check),
			sev_name(g->severity));
		put_sv(out, sv_empty(g->user) ? SV_LIT("(anonymous)") : g->user);
		fputc('\n', out);
	}
}

static void write_text(const struct rep_ctx *c, FILE *out)
{
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, tmp = BUF_INIT;

	fprintf(out, "dpfaudit %s - DPF access-log audit\n", c->version ? c->version : "");
	verdict(c, out);
	incomplete(c, out);
	scope(c, out);
	principles(c, out);
	findings(c, out, red, &scratch, &tmp);
	rankings(c, out, red, &scratch);
	hours(c, out);
	coverage(c, out, red, &scratch);
	gate(c, out);
	if (rep_verdict(c) == REP_V_NOTHING_AUDITED)
		fputs("\nNOTHING AUDITED: the audit is incomplete.\n", out);
	else if (c->res->incomplete)
		fputs("\nAUDIT INCOMPLETE: see the damaged inputs above.\n", out);
	buf_release(&scratch);
	buf_release(&tmp);
	red_free(red);
}

const struct rep_writer rep_text = {
	.name = "text",
	.ext = "txt",
	.write = write_text,
};
