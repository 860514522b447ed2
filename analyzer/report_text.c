/*
 * report_text.c - the report a person reads in a terminal or a nightly mail.
 *
 * Deterministic (no wall-clock time), plain ASCII layout, every log-derived
 * string through esc_text() so a hostile line cannot drive the terminal.
 * An incomplete audit is announced right under the verdict, before anything
 * else, because findings from a partly read input are not the whole story.
 *
 * Laid out for a person who reads it in a minute (logwatch's --detail is
 * the model): headline, principles, a count per check, the most severe
 * groups, then rankings, scope and coverage.  --detail low stops after the
 * counts, high lists every group and every input with its digest, --quiet
 * is the headline alone.  Colour (ctx->color) only marks verdicts and
 * severities; the text is the same without it.
 */
#include "common.h"

#include "report.h"

#include <errno.h>
#include <string.h>

#include "escape.h"

#define EVIDENCE_SHOWN 3	/* per group, --detail high */
#define GROUPS_SHOWN 20		/* the most severe groups, --detail medium */
#define BAR_WIDTH 30

/* ANSI SGR colours: only around words whose meaning the text already carries. */
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_CYAN "\033[36m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

static void paint_on(const struct rep_ctx *c, FILE *out, const char *code)
{
	if (c->color)
		fputs(code, out);
}

static void paint_off(const struct rep_ctx *c, FILE *out)
{
	if (c->color)
		fputs(C_OFF, out);
}

/* text left-aligned in width columns, coloured with code (may be "") when colour is on. */
static void paint_pad(const struct rep_ctx *c, FILE *out, const char *code, const char *text,
		      int width)
{
	int n = (int)strlen(text);

	if (c->color && *code)
		fprintf(out, "%s%s%s", code, text, C_OFF);
	else
		fputs(text, out);
	if (n < width)
		fprintf(out, "%*s", width - n, "");
}

static const char *sev_color(enum sev v)
{
	return v >= SEV_HIGH ? C_RED : v == SEV_MEDIUM ? C_YELLOW : C_CYAN;
}

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

	/* Without --fail-on nothing gates (exit 0): a FAIL is not called a failure. */
	bool no_gate = v == REP_V_FAIL && c->fail_on == SEV_NONE;
	/* The verdict word alone is coloured; the rest of the line is plain. */
	paint_on(c, out, v == REP_V_PASS ? C_GREEN : v == REP_V_FAIL && !no_gate ? C_RED : C_YELLOW);
	fputs(no_gate ? REP_NO_GATE_HEADLINE : rep_verdict_name(v), out);
	paint_off(c, out);

	switch (v) {
	case REP_V_FAIL:
		fprintf(out, ": %zu finding%s (", s->findings, s->findings == 1 ? "" : "s");
		sev_counts(out, s->total_by_sev);
		fputs(")", out);
		if (c->fail_on != SEV_NONE)
			fprintf(out, "; %zu at or above --fail-on %s", s->failing,
				sev_name(c->fail_on));
		fputc('\n', out);
		break;
	case REP_V_INCOMPLETE:
		/* Never "PASS" for an audit that did not see everything. */
		fprintf(out, ": %zu finding%s in what could be read\n", s->findings,
			s->findings == 1 ? "" : "s");
		break;
	case REP_V_NOTHING_AUDITED:
	case REP_V_NOT_ASSESSED:
		/* Never "PASS" for an audit that saw nothing it could judge. */
		fprintf(out, ": %s\n", rep_verdict_reason(c->res, v, why, sizeof(why)));
		break;
	case REP_V_PASS:
		if (s->findings) {
			fprintf(out, ": no finding at or above --fail-on %s (%zu below: ",
				sev_name(c->fail_on), s->findings);
			sev_counts(out, s->total_by_sev);
			fputs(")\n", out);
		} else {
			fputs(": no findings\n", out);
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

/* One input in full: size, compression, format, counts, completeness, digest. */
static void input_line(const struct rep_ctx *c, FILE *out, const struct aud_input *in)
{
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
		paint_on(c, out, C_YELLOW);
		fputs("INCOMPLETE: ", out);
		paint_off(c, out);
		put_s(out, in->error ? in->error : "not read whole");
		fputc('\n', out);
	}
	if (in->sha256[0] && c->detail == REP_DETAIL_HIGH)
		fprintf(out, "      sha256 %s\n", in->sha256);
}

/*
 * The inputs in two lines whatever their number: count, bytes, formats; then
 * only the inputs that were not read whole, by name (--detail high lists all).
 */
static void inputs_summary(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	enum { MAX_FORMATS = 16 };
	const char *names[MAX_FORMATS];
	size_t counts[MAX_FORMATS], nnames = 0, other = 0, bad = 0, i, k;
	unsigned long long bytes = 0;

	for (i = 0; i < r->ninputs; i++) {
		const char *f = r->inputs[i].format ? r->inputs[i].format : "none detected";

		bytes += r->inputs[i].size;
		bad += !r->inputs[i].complete;
		for (k = 0; k < nnames && strcmp(names[k], f); k++)
			;
		if (k < nnames)
			counts[k]++;
		else if (nnames < MAX_FORMATS) {
			names[nnames] = f;
			counts[nnames++] = 1;
		} else
			other++;
	}
	fprintf(out, "  Inputs:     %zu (%llu bytes on disk", r->ninputs, bytes);
	for (k = 0; k < nnames; k++) {
		fputs(k ? ", " : "; formats: ", out);
		put_s(out, names[k]);
		fprintf(out, " %zu", counts[k]);
	}
	if (other)
		fprintf(out, ", %zu in other formats", other);
	fputs(")\n", out);
	/* scan --state: what earlier runs had audited already. */
	size_t done = 0, resumed = 0;
	unsigned long long judged = 0;
	for (i = 0; i < r->ninputs; i++) {
		done += r->inputs[i].already_audited;
		resumed += r->inputs[i].resumed_after > 0;
		judged += r->inputs[i].lines - r->inputs[i].resumed_after;
	}
	if (done || resumed)
		fprintf(out, "              --state: %zu already audited (not read again), %zu read "
			"on from where the last run stopped; %llu line(s) judged\n",
			done, resumed, judged);
	if (!r->ninputs)
		return;
	if (!bad) {
		fputs("              all read completely\n", out);
		return;
	}
	fprintf(out, "              %zu not read whole:\n", bad);
	for (i = 0; i < r->ninputs; i++)
		if (!r->inputs[i].complete)
			input_line(c, out, &r->inputs[i]);
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
	if (c->detail == REP_DETAIL_HIGH) {
		fprintf(out, "  Inputs:     %zu\n", r->ninputs);
		for (i = 0; i < r->ninputs; i++)
			input_line(c, out, &r->inputs[i]);
	} else {
		inputs_summary(c, out);
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
		fprintf(out, "  %-38s ", pr_name((enum principle)p));
		paint_pad(c, out, s->status[p] == REP_FAIL ? C_RED : s->status[p] == REP_PASS ? C_GREEN : "",
			  st, 12);
		fprintf(out, " %10llu %5zu %5zu %5zu %5zu\n", (unsigned long long)c->res->assessed[p],
			s->by_sev[p][SEV_CRITICAL], s->by_sev[p][SEV_HIGH],
			s->by_sev[p][SEV_MEDIUM], s->by_sev[p][SEV_LOW]);
	}
}

/*
 * One row per check that found something, in the policy's order; the checks
 * that found nothing are counted in one line (listed with --detail high: a
 * check that found nothing is evidence too, but a reader scans for what
 * fired).  A finding counts under one check; the principles table counts it
 * under each principle of its check, so there the rows may add up to more.
 */
static void checks(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	size_t i, quiet = 0;

	fputs("\nChecks\n", out);
	fprintf(out, "  %-28s %-9s %8s %7s\n", "CHECK", "SEVERITY", "FINDINGS", "GROUPS");
	for (i = 0; c->pol && i < c->pol->nchecks; i++) {
		const struct pol_check *chk = &c->pol->checks[i];
		size_t n = i < s->nby_check ? s->by_check[i] : 0, groups = 0;

		if (!chk->enabled && !n)
			continue;
		if (!n && c->detail != REP_DETAIL_HIGH) {
			quiet++;
			continue;
		}
		if (i < s->groups.nchecks)
			groups = s->groups.live_by_check[i];
		/* Check ids are the policy's own names ([a-z0-9-], rules.c): no escaping needed. */
		fputs("  ", out);
		paint_pad(c, out, n ? C_BOLD : "", chk->id ? chk->id : "?", 28);
		fputc(' ', out);
		paint_pad(c, out, n ? sev_color(chk->severity) : "", sev_name(chk->severity), 9);
		fprintf(out, " %8zu %7zu\n", n, groups);
	}
	if (quiet)
		fprintf(out, "  %zu more check%s found nothing (--detail high lists them)\n", quiet,
			quiet == 1 ? "" : "s");
	if (s->findings)
		fputs("  (a finding counts once here, and under every principle of its check above)\n",
		      out);
}

/* Evidence lines shown per group at c's detail. */
static size_t evidence_shown(const struct rep_ctx *c)
{
	return c->detail == REP_DETAIL_HIGH ? EVIDENCE_SHOWN : 1;
}

/* A group's heading lines: check, who, how many, when, the first message. */
static void group_head(const struct rep_ctx *c, FILE *out, const struct fnd_group *g,
		       struct red *red, struct buf *scratch, struct buf *tmp)
{
	size_t live = g->count - g->suppressed;
	char t1[32], t2[32];

	fputs("\n  ", out);
	paint_on(c, out, sev_color(g->severity));
	fprintf(out, "[%s]", sev_name(g->severity));
	paint_off(c, out);
	fprintf(out, " %s", rep_check_id(c, g->check));
	buf_reset(tmp);
	pr_join(tmp, rep_check_principles(c, g->check), pr_name, "; ");
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
	if (g->first_has_time) {
		rep_time_iso(g->first_time, t1);
		rep_time_iso(g->last_time, t2);
		if (live > 1)
			fprintf(out, ", first %s, last %s", t1, t2);
		else
			fprintf(out, " at %s", t1);
	}
	fputs("\n    ", out);
	put_sv(out, rep_clean(c, red, g->first_detail, scratch));
	fputc('\n', out);
}

/*
 * Members a group's evidence looks at, in member order: those shown, the
 * suppressed it skips and the one after (is there more?).
 */
static size_t members_looked_at(const struct rep_ctx *c, const struct fnd_group *g)
{
	size_t m = evidence_shown(c) + g->suppressed + 1;
	return m < g->count ? m : g->count;
}

/*
 * The next member f of g (in member order) as evidence; *shown counts the
 * lines written.  False once g wants no more members.
 */
static bool group_member(const struct rep_ctx *c, FILE *out, const struct fnd_group *g,
			 const struct finding *f, size_t *shown, struct red *red,
			 struct buf *scratch)
{
	size_t live = g->count - g->suppressed;

	if (f->suppressed)
		return true;
	if (*shown == evidence_shown(c)) {
		fprintf(out, "      ... and %zu more\n", live - *shown);
		return false;
	}
	fputs("      ", out);
	put_s(out, rep_input_path(c, f->file));
	fprintf(out, ":%llu: ", (unsigned long long)f->line);
	put_sv(out, rep_clean(c, red, f->evidence, scratch));
	fputc('\n', out);
	++*shown;
	return true;
}

static void group(const struct rep_ctx *c, FILE *out, const struct fnd_group *g,
		  const struct rep_shown *sh, struct red *red, struct buf *scratch,
		  struct buf *tmp)
{
	size_t shown = 0;

	group_head(c, out, g, red, scratch, tmp);
	for (size_t i = 0; i < g->count; i++) {
		const struct finding *f = rep_shown_get(sh, g->members[i]);

		if (!f)
			break;	/* not fetched: rep_write reports the temporary file's error */
		if (!group_member(c, out, g, f, &shown, red, scratch))
			break;
	}
}

static void findings_heading(FILE *out, const struct rep_summary *s, size_t cap)
{
	size_t live = s->groups.live;

	if (live > cap)
		fprintf(out, "\nFindings (%zu in %zu group%s; the %zu most severe groups)\n",
			s->findings, live, live == 1 ? "" : "s", cap);
	else
		fprintf(out, "\nFindings (%zu in %zu group%s)\n", s->findings, live,
			live == 1 ? "" : "s");
	if (!live)
		fputs("  none\n", out);
}

static void more_groups(FILE *out, size_t live, size_t written)
{
	if (live > written)
		fprintf(out, "\n  ... and %zu more group%s: --detail high lists every group here; "
			"the json and csv reports list every finding.\n", live - written,
			live - written == 1 ? "" : "s");
}

/*
 * Every group with its evidence, of a spilled list (--detail high), in
 * bounded memory: one reading of the groups names the members each shows
 * by (the group's rank among those written, the member's position), a
 * rep_stream fetches them in one reading of the list, and a second
 * reading of the groups writes each with its members as they come from
 * the stream, in the same order.  Nothing is held per group or finding.
 */
static void findings_streamed(const struct rep_ctx *c, FILE *out, struct red *red,
			      struct buf *scratch, struct buf *tmp)
{
	const struct rep_summary *s = c->sum;
	const struct fnd_list *l = &c->res->findings;
	size_t budget = (l->budget ? l->budget : FND_MEMORY_BUDGET) / 4;
	struct rep_stream st;
	struct grp_iter it;
	const struct fnd_group *g;
	size_t m[512], rank = 0, written = 0;
	int e = 0;

	rep_stream_init(&st, l, budget);
	for (grp_iter_start(&s->groups, &it); !e && (g = grp_iter_next(&it)); rank++) {
		if (g->count == g->suppressed) {
			rank--;
			continue;
		}
		size_t want = members_looked_at(c, g);
		for (size_t at = 0, got; !e && at < want; at += got) {
			got = grp_members(&s->groups, g, at, m,
					  want - at < 512 ? want - at : 512);
			if (!got)
				e = grp_error(&s->groups) ? grp_error(&s->groups) : EIO;
			for (size_t k = 0; !e && k < got; k++)
				if (rep_stream_want(&st, rank, at + k, m[k]) < 0)
					e = rep_stream_error(&st);
		}
	}
	if (!e && (grp_error(&s->groups) || rep_stream_fetch(&st) < 0))
		e = grp_error(&s->groups) ? grp_error(&s->groups) : rep_stream_error(&st);

	findings_heading(out, s, (size_t)-1);
	/* The stream's next record, read ahead: it may be the next group's. */
	uint64_t key = 0, pos = 0;
	const struct finding *f = NULL;
	int more = e ? 0 : rep_stream_next(&st, &key, &pos, &f);
	rank = 0;
	for (grp_iter_start(&s->groups, &it); !e && more >= 0 && (g = grp_iter_next(&it));) {
		if (g->count == g->suppressed)
			continue;
		size_t shown = 0;
		bool wants = true;
		group_head(c, out, g, red, scratch, tmp);
		for (; more > 0 && key == rank; more = rep_stream_next(&st, &key, &pos, &f))
			if (wants)
				wants = group_member(c, out, g, f, &shown, red, scratch);
		rank++;
		written++;
	}
	if (!e && (more < 0 || grp_error(&s->groups)))
		e = more < 0 ? rep_stream_error(&st) : grp_error(&s->groups);
	if (e)
		rep_fail(c, e);	/* the report is not written: exit 3, named */
	rep_stream_free(&st);
	more_groups(out, s->groups.live, written);
}

static void findings(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch,
		     struct buf *tmp)
{
	const struct rep_summary *s = c->sum;
	size_t i, live = s->groups.live;
	size_t cap = c->detail == REP_DETAIL_HIGH ? (size_t)-1 : GROUPS_SHOWN;
	struct rep_kept kept = REP_KEPT_INIT;
	struct rep_shown sh;
	struct grp_iter it;
	const struct fnd_group *g;

	if (c->detail == REP_DETAIL_HIGH && fnd_spilled(&c->res->findings)) {
		findings_streamed(c, out, red, scratch, tmp);
		return;
	}
	/*
	 * The groups shown, kept from one reading (groups come most severe
	 * first, so the first ones are those), with the members group() looks
	 * at (members_looked_at), whose findings are fetched if spilled.
	 */
	for (grp_iter_start(&s->groups, &it); kept.n < cap && (g = grp_iter_next(&it));)
		if (g->count > g->suppressed &&
		    !rep_keep(&kept, s, g, evidence_shown(c) + g->suppressed + 1))
			break;	/* rep_write reports the temporary file's error */
	rep_shown_init(&sh, c);
	for (i = 0; i < kept.n; i++) {
		g = kept.v[i];
		for (size_t k = 0; k < members_looked_at(c, g); k++)
			(void)rep_shown_want(&sh, g->members[k]);
	}
	if (rep_shown_fetch(&sh) < 0)	/* a report with a hole is not written */
		rep_fail(c, fnd_error(&c->res->findings) ? fnd_error(&c->res->findings) : ENOMEM);

	findings_heading(out, s, cap);
	for (i = 0; i < kept.n; i++)
		group(c, out, kept.v[i], &sh, red, scratch, tmp);
	rep_shown_free(&sh);
	more_groups(out, live, kept.n);
	rep_kept_free(&kept);
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
		if (c->nstale)
			fputs("  (each stale entry below is its baseline line after \"stale: \", tabs "
			      "kept: delete it from the baseline)\n", out);
		for (i = 0; i < c->nstale; i++) {
			/*
			 * The fields as they are in the file, tab-separated (a baseline
			 * line escapes every other control character), so the entry can
			 * be found and removed; each field still made safe for a terminal.
			 */
			sv line = rep_clean(c, red, sv_cstr(c->stale[i]), scratch);
			fputs("    stale: ", out);
			while (line.n) {
				const char *tab = memchr(line.p, '\t', line.n);
				size_t k = tab ? (size_t)(tab - line.p) : line.n;
				put_sv(out, sv_make(line.p, k));
				if (!tab)
					break;
				fputc('\t', out);
				line = sv_make(tab + 1, line.n - k - 1);
			}
			fputc('\n', out);
		}
	}
}

static void gate(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;

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
	struct grp_iter it;
	const struct fnd_group *g;
	for (grp_iter_start(&s->groups, &it); (g = grp_iter_next(&it));) {
		size_t n = 0;

		for (int sv_ = c->fail_on; sv_ < SEV_COUNT; sv_++)
			n += g->by_sev[sv_];
		if (!n)
			continue;
		fprintf(out, "  %zu x %s [%s] user ", n, rep_check_id(c, g->check),
			sev_name(g->severity));
		put_sv(out, sv_empty(g->user) ? SV_LIT("(anonymous)") : g->user);
		fputc('\n', out);
	}
}

/* Whether not one line of any input could be read (every input unreadable). */
static bool nothing_read(const struct aud_result *r)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (r->inputs[i].complete || r->inputs[i].lines)
			return false;
	return r->ninputs > 0;
}

static void write_text(const struct rep_ctx *c, FILE *out)
{
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, tmp = BUF_INIT;

	fprintf(out, "dpfaudit %s - DPF access-log audit\n", c->version ? c->version : "");
	verdict(c, out);
	incomplete(c, out);
	if (c->detail == REP_DETAIL_QUIET)
		goto out;
	if (nothing_read(c->res)) {
		/* A report of empty tables would bury the one thing to say. */
		fputs("\nNothing could be read: no principle, finding or ranking to report.\n", out);
		scope(c, out);
		fputs("\nAUDIT INCOMPLETE: see the unreadable inputs above.\n", out);
		goto out;
	}
	principles(c, out);
	checks(c, out);
	if (c->detail != REP_DETAIL_LOW) {
		findings(c, out, red, &scratch, &tmp);
		rankings(c, out, red, &scratch);
		hours(c, out);
	}
	scope(c, out);
	coverage(c, out, red, &scratch);
	gate(c, out);
	if (rep_verdict(c) == REP_V_NOTHING_AUDITED)
		fputs("\nNOTHING AUDITED: the audit is incomplete.\n", out);
	else if (c->res->incomplete)
		fputs("\nAUDIT INCOMPLETE: see the damaged inputs above.\n", out);
out:
	buf_release(&scratch);
	buf_release(&tmp);
	red_free(red);
}

/* The checks table, the findings and the gate read the groups; the headline alone does not. */
static bool text_uses_groups(const struct rep_ctx *c)
{
	return c->detail != REP_DETAIL_QUIET;
}

const struct rep_writer rep_text = {
	.name = "text",
	.ext = "txt",
	.write = write_text,
	.uses_groups = text_uses_groups,
};
