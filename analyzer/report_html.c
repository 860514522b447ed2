/*
 * report_html.c - the report a privacy officer forwards.
 *
 * One self-contained file: inline CSS, charts as tables of CSS bars (their
 * labels are HTML text, readable at a phone's width, not SVG text scaled
 * down), no script, no external resource of any kind (nothing is fetched
 * when it is opened, so opening it leaks nothing).  Responsive (viewport
 * meta, tables that scroll) and printable (@media print).  The verdict and
 * the period audited are at the top, then the principles, the charts, and
 * the findings folded per check (<details>) with the check's explanation
 * and redacted evidence.  Every log-derived string goes through esc_html().
 */
#include "common.h"

#include "report.h"

#include <string.h>

#include "escape.h"
#include "tz.h"

#define HTML_EVIDENCE 5
/*
 * Groups shown per check, the most severe first (the order of the groups):
 * a page of millions of findings is not readable and not small.  The rest
 * is counted, and the JSON and CSV reports list every finding.
 */
#define HTML_GROUPS_PER_CHECK 50

static const char *const sev_color[SEV_COUNT] = {
	"#888", "#4a90d9", "#e0a000", "#e06000", "#c00020",
};

static const char css[] =
	"body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;"
	"max-width:1100px;padding:1rem;color:#1a1a1a;line-height:1.4}"
	"h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:1px solid #ccc;"
	"padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem;margin:.2rem 0}"
	".verdict{padding:.8rem 1rem;border-radius:6px;color:#fff;font-weight:600}"
	".fail{background:#b00020}.pass{background:#1b7f3b}.na{background:#777}"
	".alert{border:3px solid #b00020;background:#fff0f0;padding:.8rem 1rem;margin:1rem 0;"
	"border-radius:6px}.alert strong{color:#b00020}"
	".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:.6rem}"
	".card{border:1px solid #ddd;border-radius:6px;padding:.6rem;break-inside:avoid}"
	".card .st{display:inline-block;padding:0 .4rem;border-radius:4px;color:#fff;font-size:.85rem}"
	".scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}"
	"th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}"
	"td.n,th.n{text-align:right}"
	".group{border:1px solid #ddd;border-left:6px solid #888;border-radius:6px;padding:.6rem;"
	"margin:.8rem 0;break-inside:avoid}"
	".sev{display:inline-block;padding:0 .4rem;border-radius:4px;color:#fff;font-size:.8rem;"
	"text-transform:uppercase}"
	"pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.4rem;"
	"font-size:.8rem;margin:.3rem 0}"
	".meta{color:#555;font-size:.9rem}svg{width:100%;height:auto;max-width:900px}"
	"svg text{font-size:11px;font-family:inherit}"
	/* Bar tables: HTML text, so labels stay readable at a phone's width. */
	".bars td.bar{width:55%;white-space:nowrap;font-size:0}.bar span{display:inline-block;height:.9rem;vertical-align:middle}"
	"details.check{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.2rem .6rem}"
	"details.check>summary{cursor:pointer;font-weight:600;padding:.3rem 0}"
	".more{color:#555;font-size:.9rem}"
	"@media print{body{max-width:none}.group,.card,svg{break-inside:avoid}"
	"details.check{display:block}"
	".verdict,.sev,.st{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void h(FILE *out, const char *s) { esc_html(out, sv_cstr(s ? s : "")); }

static const char *status_class(enum rep_status s)
{
	return s == REP_FAIL ? "fail" : s == REP_PASS ? "pass" : "na";
}

static void sev_badge(FILE *out, enum sev s)
{
	fprintf(out, "<span class=\"sev\" style=\"background:%s\">%s</span>",
		sev_color[s < SEV_COUNT ? s : 0], sev_name(s));
}

/*
 * The period audited (the --since/--until filters, resolved, in their
 * zone) and, beside it, the span of the logs: they differ, and a reader
 * must not take one for the other.
 */
static void period(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	const struct filter *f = c->filter;
	char a[48], b[48];

	fputs("<p class=\"meta\">Period audited: ", out);
	if (f && (f->has_since || f->has_until)) {
		struct diag e;
		struct tz_zone *z = f->zone[0] ? tz_load(f->zone, &e) : NULL;
		if (f->has_since)
			tz_format_local(z, f->since, a, sizeof(a));
		if (f->has_until)
			tz_format_local(z, f->until, b, sizeof(b));
		fprintf(out, "<b>%s to %s</b>", f->has_since ? a : "the start of the logs",
			f->has_until ? b : "the end of the logs");
		if (f->zone[0]) {
			fputs(" (", out);
			h(out, f->zone);
			fputs(")", out);
		}
		tz_free(z);
	} else {
		fputs("<b>all of the logs</b>", out);
	}
	if (r->has_time) {
		rep_time_iso(r->tmin, a);
		rep_time_iso(r->tmax, b);
		fprintf(out, " &middot; the logs span %s to %s", a, b);
	}
	fputs("</p>\n", out);
}

/* One row of a bar table: label cell(s) already written; the bar, then its value. */
static void bar_cell(FILE *out, double frac, const char *color)
{
	fprintf(out, "<td class=\"bar\"><span style=\"width:%.1f%%;background:%s\"></span></td>",
		frac * 100.0, color);
}

static void head(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	const struct aud_result *r = c->res;
	size_t i;
	int p;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<title>dpfaudit compliance report</title>\n<style>", out);
	fputs(css, out);
	fputs("</style>\n</head>\n<body>\n", out);
	fputs("<h1>DPF access-log audit</h1>\n<p class=\"meta\">dpfaudit ", out);
	h(out, c->version);
	if (c->command_line) {
		fputs(" &middot; <code>", out);
		h(out, c->command_line);
		fputs("</code>", out);
	}
	fputs("</p>\n", out);
	struct buf head = BUF_INIT;
	rep_headline(c, &head);
	fprintf(out, "<div class=\"verdict %s\">", rep_verdict(c) == REP_V_PASS ? "pass" : "fail");
	h(out, head.p ? head.p : "");
	buf_release(&head);
	fprintf(out, " (%zu critical, %zu high, %zu medium, %zu low)",
		s->total_by_sev[SEV_CRITICAL], s->total_by_sev[SEV_HIGH],
		s->total_by_sev[SEV_MEDIUM], s->total_by_sev[SEV_LOW]);
	if (s->suppressed)
		fprintf(out, "; %zu suppressed by the baseline", s->suppressed);
	fputs("</div>\n", out);
	period(c, out);
	if (r->incomplete && r->records) {
		fputs("<div class=\"alert\"><strong>AUDIT INCOMPLETE.</strong> Findings cover only "
		      "what could be read.<ul>", out);
		for (i = 0; i < r->ninputs; i++) {
			const struct aud_input *in = &r->inputs[i];

			if (in->complete)
				continue;
			fputs("<li><code>", out);
			h(out, in->path);
			fputs("</code>: not read whole: ", out);
			h(out, in->error ? in->error : "not read whole");
			fputs("</li>", out);
		}
		fputs("</ul></div>\n", out);
	}
	fputs("<h2>Principles</h2>\n<div class=\"grid\">\n", out);
	for (p = 0; p < PR_COUNT; p++) {
		fputs("<div class=\"card\"><h3>", out);
		h(out, pr_name((enum principle)p));
		fprintf(out, "</h3><span class=\"st %s\">%s</span>\n<div class=\"meta\">%llu events "
			     "assessed<br>%zu critical, %zu high, %zu medium, %zu low</div></div>\n",
			status_class(s->status[p]), rep_status_name(s->status[p]),
			(unsigned long long)r->assessed[p], s->by_sev[p][SEV_CRITICAL],
			s->by_sev[p][SEV_HIGH], s->by_sev[p][SEV_MEDIUM], s->by_sev[p][SEV_LOW]);
	}
	fputs("</div>\n", out);
}

/*
 * Findings by principle and severity, as a table of stacked bars.  A
 * finding counts under each principle of its check, so the rows can add up
 * to more than the findings: the caption says so, with both numbers.
 */
static void chart_principles(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	size_t max = 1, sum = 0;
	int p, k;

	for (p = 0; p < PR_COUNT; p++) {
		size_t t = 0;
		for (k = SEV_LOW; k < SEV_COUNT; k++)
			t += s->by_sev[p][k];
		sum += t;
		if (t > max)
			max = t;
	}
	fputs("<h2>Findings by principle and severity</h2>\n<div class=\"scroll\">"
	      "<table class=\"bars\"><tr><th>Principle</th><th>Findings by severity</th>"
	      "<th class=\"n\">Findings</th></tr>\n", out);
	for (p = 0; p < PR_COUNT; p++) {
		size_t t = 0;

		fputs("<tr><td>", out);
		h(out, pr_name((enum principle)p));
		fputs("</td><td class=\"bar\">", out);
		for (k = SEV_CRITICAL; k >= SEV_LOW; k--) {
			if (!s->by_sev[p][k])
				continue;
			fprintf(out, "<span style=\"width:%.1f%%;background:%s\" title=\"%s: %zu\"></span>",
				(double)s->by_sev[p][k] * 100.0 / (double)max, sev_color[k],
				sev_name((enum sev)k), s->by_sev[p][k]);
			t += s->by_sev[p][k];
		}
		fprintf(out, "</td><td class=\"n\">%zu</td></tr>\n", t);
	}
	fputs("</table></div>\n<p class=\"meta\">", out);
	for (k = SEV_CRITICAL; k >= SEV_LOW; k--) {
		fprintf(out, "<span class=\"sev\" style=\"background:%s\">%s</span> ", sev_color[k],
			sev_name((enum sev)k));
	}
	fprintf(out, "<br>A finding counts under every principle of its check, so these rows add "
		     "up to %zu for %zu findings.</p>\n", sum, s->findings);
}

/* Personal-data reads and findings per UTC hour: a table of bars, with the numbers. */
static void chart_hours(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	uint64_t max = 1, fmax = 1;
	int hr;

	for (hr = 0; hr < 24; hr++) {
		if (r->reads_by_hour[hr] > max)
			max = r->reads_by_hour[hr];
		if (r->findings_by_hour[hr] > fmax)
			fmax = r->findings_by_hour[hr];
	}
	fputs("<h2>Personal-data reads and findings per hour (UTC)</h2>\n<div class=\"scroll\">"
	      "<table class=\"bars\"><tr><th>Hour</th><th class=\"n\">Reads</th><th>Reads</th>"
	      "<th class=\"n\">Findings</th><th>Findings</th></tr>\n", out);
	for (hr = 0; hr < 24; hr++) {
		fprintf(out, "<tr><td>%02d:00</td><td class=\"n\">%llu</td>", hr,
			(unsigned long long)r->reads_by_hour[hr]);
		bar_cell(out, (double)r->reads_by_hour[hr] / (double)max, "#4a90d9");
		fprintf(out, "<td class=\"n\">%llu</td>", (unsigned long long)r->findings_by_hour[hr]);
		bar_cell(out, (double)r->findings_by_hour[hr] / (double)fmax, "#c00020");
		fputs("</tr>\n", out);
	}
	fputs("</table></div>\n", out);
}

static void chart_rank(const struct rep_ctx *c, FILE *out, const char *title,
		       const struct rep_rank *rk, size_t n, struct red *red, struct buf *scratch,
		       int redact)
{
	size_t i, max = 1;

	fputs("<h3>", out);
	h(out, title);
	fputs("</h3>\n", out);
	if (!n) {
		fputs("<p class=\"meta\">none</p>\n", out);
		return;
	}
	for (i = 0; i < n; i++)
		if (rk[i].count > max)
			max = rk[i].count;
	fputs("<div class=\"scroll\"><table class=\"bars\">\n", out);
	for (i = 0; i < n; i++) {
		fputs("<tr><td>", out);
		esc_html(out, redact ? rep_clean(c, red, rk[i].name, scratch) : rk[i].name);
		fputs("</td>", out);
		bar_cell(out, (double)rk[i].count / (double)max, "#e06000");
		fprintf(out, "<td class=\"n\">%zu</td></tr>\n", rk[i].count);
	}
	fputs("</table></div>\n", out);
}

/* One group of findings: check, who, what, when, the check's promise, evidence. */
static void group_section(const struct rep_ctx *c, FILE *out, const struct fnd_group *g,
			  const struct rep_shown *sh, struct red *red, struct buf *scratch,
			  struct buf *tmp)
{
	const struct chk_info *ci = NULL;
	size_t n = g->count - g->suppressed, shown = 0, k;
	char t1[32], t2[32];

	if (g->check < CHK_BUILTIN_COUNT &&
	    (!c->pol || c->pol->checks[g->check].builtin))
		ci = chk_info((enum chk_id)g->check);
	fprintf(out, "<section class=\"group\" style=\"border-left-color:%s\">\n<h3>",
		sev_color[g->severity < SEV_COUNT ? g->severity : 0]);
	sev_badge(out, g->severity);
	fputs(" ", out);
	h(out, rep_check_id(c, g->check));
	fputs(" &mdash; ", out);
	h(out, rep_check_title(c, g->check));
	fputs("</h3>\n<div class=\"meta\">", out);
	buf_reset(tmp);
	pr_join(tmp, rep_check_principles(c, g->check), pr_name, "; ");
	esc_html(out, buf_sv(tmp));
	fputs("<br>user <b>", out);
	esc_html(out, sv_empty(g->user) ? SV_LIT("(anonymous)") : g->user);
	fputs("</b>, role ", out);
	esc_html(out, sv_empty(g->role) ? SV_LIT("(none)") : g->role);
	fputs(", subject ", out);
	esc_html(out, sv_empty(g->subject) ? SV_LIT("(none)") :
			    rep_clean(c, red, g->subject, scratch));
	buf_reset(tmp);
	rep_categories(c->pol, g->categories, ", ", tmp);
	fputs(", categories ", out);
	esc_html(out, tmp->len ? buf_sv(tmp) : SV_LIT("(none)"));
	fprintf(out, "<br>%zu finding%s", n, n == 1 ? "" : "s");
	if (g->first_has_time) {
		rep_time_iso(g->first_time, t1);
		rep_time_iso(g->last_time, t2);
		fprintf(out, ", first %s, last %s", t1, t2);
	}
	fputs("</div>\n<p>", out);
	esc_html(out, rep_clean(c, red, g->first_detail, scratch));
	fputs("</p>\n", out);
	if (ci) {
		fputs("<p class=\"meta\"><b>Promise:</b> ", out);
		h(out, ci->promise);
		fputs("<br><b>How to fix:</b> ", out);
		h(out, ci->fix);
		fputs("</p>\n", out);
	}
	fputs("<pre>", out);
	for (k = 0; k < g->count; k++) {
		const struct finding *f = rep_shown_get(sh, g->members[k]);

		if (!f)
			break;	/* not fetched: rep_write reports the temporary file's error */
		if (f->suppressed)
			continue;
		if (shown == HTML_EVIDENCE) {
			fprintf(out, "... and %zu more", n - shown);
			break;
		}
		h(out, rep_input_path(c, f->file));
		fprintf(out, ":%llu: ", (unsigned long long)f->line);
		esc_html(out, rep_clean(c, red, f->evidence, scratch));
		fputc('\n', out);
		shown++;
	}
	fputs("</pre>\n</section>\n", out);
}

/*
 * The findings folded by check (<details>, no script): one summary line per
 * check with its counts, the most severe check first and open; inside, its
 * groups, the most severe first, at most HTML_GROUPS_PER_CHECK of them.
 * One reading of the groups (they may be spilled) keeps those shown; the
 * counts of the rest are the summary's.
 */
static void groups(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch,
		   struct buf *tmp)
{
	const struct rep_summary *s = c->sum;
	const struct grp_set *gs = &s->groups;
	size_t i, j, live = gs->live, nchecks = gs->nchecks, norder = 0;
	struct rep_kept kept = REP_KEPT_INIT;
	struct grp_iter it;
	const struct fnd_group *g;

	/* Checks in the order their first group comes: groups are sorted by severity. */
	uint32_t *order = xcalloc(nchecks ? nchecks : 1, sizeof(*order));
	size_t *per_check = xcalloc(nchecks ? nchecks : 1, sizeof(*per_check));
	for (grp_iter_start(gs, &it); (g = grp_iter_next(&it));) {
		if (g->count <= g->suppressed || g->check >= nchecks)
			continue;
		if (!per_check[g->check])
			order[norder++] = g->check;
		if (per_check[g->check]++ >= HTML_GROUPS_PER_CHECK)
			continue;
		/* The members group_section() looks at: the evidence shown, the suppressed skipped, one more. */
		if (!rep_keep(&kept, s, g, HTML_EVIDENCE + g->suppressed + 1))
			break;	/* rep_write reports the temporary file's error */
	}
	free(per_check);
	/* Those members' findings, fetched in one reading if the findings are spilled. */
	struct rep_shown sh;
	rep_shown_init(&sh, c);
	for (i = 0; i < kept.n; i++) {
		g = kept.v[i];
		for (size_t k = 0; k < g->count && k <= HTML_EVIDENCE + g->suppressed; k++)
			(void)rep_shown_want(&sh, g->members[k]);
	}
	(void)rep_shown_fetch(&sh);	/* what is missing ends a group's evidence */
	fprintf(out, "<h2>Findings (%zu in %zu groups)</h2>\n", s->findings, live);
	if (!live)
		fputs("<p>No findings.</p>\n", out);
	for (j = 0; j < norder; j++) {
		uint32_t ck = order[j];
		size_t ngroups = gs->live_by_check[ck], nfind = gs->live_findings_by_check[ck];
		size_t shown = 0, shown_findings = 0;
		enum sev top = SEV_NONE;

		for (i = 0; i < kept.n; i++)
			if (kept.v[i]->check == ck) {
				top = kept.v[i]->severity;	/* the first: the most severe */
				break;
			}
		fprintf(out, "<details class=\"check\"%s><summary>", j == 0 ? " open" : "");
		sev_badge(out, top);
		fputs(" ", out);
		h(out, rep_check_id(c, ck));
		fputs(" &mdash; ", out);
		h(out, rep_check_title(c, ck));
		fprintf(out, ": %zu finding%s in %zu group%s</summary>\n", nfind, nfind == 1 ? "" : "s",
			ngroups, ngroups == 1 ? "" : "s");
		for (i = 0; i < kept.n; i++) {
			g = kept.v[i];
			if (g->check != ck)
				continue;
			group_section(c, out, g, &sh, red, scratch, tmp);
			shown++;
			shown_findings += g->count - g->suppressed;
		}
		size_t hidden_groups = ngroups - shown, hidden_findings = nfind - shown_findings;
		if (hidden_groups) {
			fprintf(out, "<p class=\"more\">%zu more group%s (%zu finding%s) not shown here: "
				     "this page shows the %d most severe groups of each check. The JSON "
				     "and CSV reports list every finding (<code>--report json:FILE</code>, "
				     "<code>--report csv:FILE</code>).</p>\n",
				hidden_groups, hidden_groups == 1 ? "" : "s", hidden_findings,
				hidden_findings == 1 ? "" : "s", HTML_GROUPS_PER_CHECK);
		}
		fputs("</details>\n", out);
	}
	rep_shown_free(&sh);
	rep_kept_free(&kept);
	free(order);
}

static void scope(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch)
{
	const struct aud_result *r = c->res;
	char t1[32], t2[32];
	size_t i, k;

	fputs("<h2>Scope</h2>\n<div class=\"scroll\"><table><tr><th>Input</th><th class=\"n\">"
	      "Bytes</th><th>Compression</th><th>Format</th><th class=\"n\">Lines</th>"
	      "<th class=\"n\">Parsed</th><th class=\"n\">Unparsed</th><th>Read</th></tr>\n", out);
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];

		fputs("<tr><td><code>", out);
		h(out, in->path);
		fprintf(out, "</code></td><td class=\"n\">%llu</td><td>", (unsigned long long)in->size);
		h(out, in->compression);
		fputs("</td><td>", out);
		h(out, in->format ? in->format : "none detected");
		fprintf(out, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
			     "<td class=\"n\">%llu</td><td>",
			(unsigned long long)in->lines, (unsigned long long)in->parsed,
			(unsigned long long)in->unparsed);
		if (in->complete) {
			fputs("complete", out);
		} else {
			fputs("<strong>INCOMPLETE</strong>: ", out);
			h(out, in->error ? in->error : "not read whole");
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table></div>\n<p>", out);
	if (r->has_time) {
		rep_time_iso(r->tmin, t1);
		rep_time_iso(r->tmax, t2);
		fprintf(out, "Time range: %s to %s<br>\n", t1, t2);
	}
	fputs("Rules:", out);
	for (i = 0; c->pol && i < c->pol->nfiles; i++) {
		fputs(" <code>", out);
		h(out, c->pol->files[i]);
		fputs("</code>", out);
	}
	if (c->pol && c->pol->digest[0])
		fprintf(out, " (sha256 <code>%s</code>)", c->pol->digest);
	fputs("<br>\nFilters:", out);
	if (!c->filter || !c->filter->ndescribed)
		fputs(" none", out);
	for (i = 0; c->filter && i < c->filter->ndescribed; i++) {
		fputs(" <code>", out);
		h(out, c->filter->described[i]);
		fputs("</code>", out);
	}
	if (c->baseline_path) {
		fputs("<br>\nBaseline: <code>", out);
		h(out, c->baseline_path);
		fprintf(out, "</code> (%zu suppressed, %zu stale)", c->sum->suppressed, c->nstale);
	}
	fprintf(out, "<br>\nRedaction: %s</p>\n", c->redact ? "on" : "<strong>off</strong>");

	fputs("<h2>Coverage</h2>\n<div class=\"scroll\"><table>\n", out);
	fprintf(out, "<tr><td>Lines read</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Parsed</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Unparsed</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Overlong (truncated)</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Events</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Personal-data reads</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Failed requests</td><td class=\"n\">%llu</td></tr>\n"
		     "<tr><td>Exports and transfers</td><td class=\"n\">%llu</td></tr>\n",
		(unsigned long long)r->lines, (unsigned long long)r->parsed,
		(unsigned long long)r->unparsed, (unsigned long long)r->overlong,
		(unsigned long long)r->events, (unsigned long long)r->pd_reads,
		(unsigned long long)r->failed_requests, (unsigned long long)r->transfers);
	fputs("</table></div>\n", out);
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];

		for (k = 0; k < in->nunparsed_ex && k < AUD_EXAMPLES; k++) {
			fputs(k ? "" : "<p>Unparsed, first examples:</p>\n", out);
			fputs("<pre>", out);
			h(out, in->path);
			fprintf(out, ":%llu: ", (unsigned long long)in->unparsed_ex[k].line);
			esc_html(out, rep_clean(c, red, in->unparsed_ex[k].text, scratch));
			fputs("</pre>\n", out);
		}
	}
	for (i = 0; i < r->nlimits; i++) {
		fputs("<p>Regex match limit hit at <code>", out);
		h(out, r->limits[i].where);
		fprintf(out, "</code> (%lu times)</p>\n", r->limits[i].hits);
	}
}

static void write_html(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, tmp = BUF_INIT;

	head(c, out);
	chart_principles(c, out);
	chart_hours(c, out);
	fputs("<h2>Rankings by findings</h2>\n", out);
	chart_rank(c, out, "Top users", s->top_users, s->ntop_users, red, &scratch, 0);
	chart_rank(c, out, "Top roles", s->top_roles, s->ntop_roles, red, &scratch, 0);
	chart_rank(c, out, "Top subjects", s->top_subjects, s->ntop_subjects, red, &scratch, 1);
	groups(c, out, red, &scratch, &tmp);
	scope(c, out, red, &scratch);
	fputs("</body>\n</html>\n", out);
	buf_release(&scratch);
	buf_release(&tmp);
	red_free(red);
}

const struct rep_writer rep_html = {
	.name = "html",
	.ext = "html",
	.write = write_html,
	.uses_groups = rep_groups_always,
};
