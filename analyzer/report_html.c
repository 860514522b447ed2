/*
 * report_html.c - the report a privacy officer forwards.
 *
 * One self-contained file: inline CSS, inline SVG charts, no script, no
 * external resource of any kind (nothing is fetched when it is opened, so
 * opening it leaks nothing).  Responsive (viewport meta, fluid SVG with a
 * viewBox, tables that scroll) and printable (@media print).  The verdict
 * per principle is at the top, then charts, then each finding group with
 * the check's explanation and redacted evidence.  Every log-derived string
 * goes through esc_html().
 */
#include "common.h"

#include "report.h"

#include <string.h>

#include "escape.h"

#define HTML_EVIDENCE 5

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
	"@media print{body{max-width:none}.group,.card,svg{break-inside:avoid}"
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

/* Stacked horizontal bars: findings by principle and severity. */
static void chart_principles(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	size_t max = 1;
	int p, k;
	const int lw = 250, bw = 600, rh = 22;

	for (p = 0; p < PR_COUNT; p++) {
		size_t t = 0;
		for (k = SEV_LOW; k < SEV_COUNT; k++)
			t += s->by_sev[p][k];
		if (t > max)
			max = t;
	}
	fprintf(out, "<h2>Findings by principle and severity</h2>\n<svg viewBox=\"0 0 %d %d\" "
		     "role=\"img\" aria-label=\"findings by principle and severity\">\n",
		lw + bw + 60, PR_COUNT * rh + 30);
	for (p = 0; p < PR_COUNT; p++) {
		double x = lw;
		size_t t = 0;

		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 6, p * rh + 15);
		h(out, pr_name((enum principle)p));
		fputs("</text>", out);
		for (k = SEV_CRITICAL; k >= SEV_LOW; k--) {
			double w = (double)s->by_sev[p][k] * bw / (double)max;

			if (!s->by_sev[p][k])
				continue;
			fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
				     "fill=\"%s\"><title>%s: %zu</title></rect>",
				x, p * rh + 3, w, rh - 6, sev_color[k], sev_name((enum sev)k),
				s->by_sev[p][k]);
			x += w;
			t += s->by_sev[p][k];
		}
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">%zu</text>\n", x + 4, p * rh + 15, t);
	}
	{
		int lx = lw;
		for (k = SEV_CRITICAL; k >= SEV_LOW; k--) {
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
				     "<text x=\"%d\" y=\"%d\">%s</text>",
				lx, PR_COUNT * rh + 10, sev_color[k], lx + 14, PR_COUNT * rh + 19,
				sev_name((enum sev)k));
			lx += 90;
		}
	}
	fputs("\n</svg>\n", out);
}

/* Vertical bars: personal-data reads per UTC hour; hours with findings marked. */
static void chart_hours(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	uint64_t max = 1;
	int hr;
	const int bw = 30, ht = 160, top = 20;

	for (hr = 0; hr < 24; hr++)
		if (r->reads_by_hour[hr] > max)
			max = r->reads_by_hour[hr];
	fprintf(out, "<h2>Personal-data reads per hour (UTC)</h2>\n<svg viewBox=\"0 0 %d %d\" "
		     "role=\"img\" aria-label=\"personal-data reads per hour\">\n",
		24 * bw + 20, ht + top + 40);
	for (hr = 0; hr < 24; hr++) {
		double bh = (double)r->reads_by_hour[hr] * ht / (double)max;
		int x = 10 + hr * bw;

		fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#4a90d9\">"
			     "<title>%02d:00 %llu reads, %llu findings</title></rect>",
			x + 3, top + ht - bh, bw - 6, bh, hr,
			(unsigned long long)r->reads_by_hour[hr],
			(unsigned long long)r->findings_by_hour[hr]);
		if (r->findings_by_hour[hr])
			fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"6\" fill=\"#c00020\">"
				     "<title>%llu findings</title></circle>",
				x + bw / 2, top - 8, (unsigned long long)r->findings_by_hour[hr]);
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%02d</text>\n",
			x + bw / 2, top + ht + 15, hr);
	}
	fprintf(out, "<text x=\"10\" y=\"%d\">bars: reads; red dots: hours with findings; "
		     "max %llu reads</text>\n</svg>\n",
		top + ht + 34, (unsigned long long)max);
}

static void chart_rank(const struct rep_ctx *c, FILE *out, const char *title,
		       const struct rep_rank *rk, size_t n, struct red *red, struct buf *scratch,
		       int redact)
{
	size_t i, max = 1;
	const int lw = 200, bw = 500, rh = 20;

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
	fprintf(out, "<svg viewBox=\"0 0 %d %zu\" role=\"img\">\n", lw + bw + 60, n * rh + 4);
	for (i = 0; i < n; i++) {
		double w = (double)rk[i].count * bw / (double)max;

		fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", lw - 6, i * rh + 15);
		esc_html(out, redact ? rep_clean(c, red, rk[i].name, scratch) : rk[i].name);
		fprintf(out, "</text><rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
			     "fill=\"#e06000\"/><text x=\"%.1f\" y=\"%zu\">%zu</text>\n",
			lw, i * rh + 3, w, rh - 6, lw + w + 4, i * rh + 15, rk[i].count);
	}
	fputs("</svg>\n", out);
}

static void groups(const struct rep_ctx *c, FILE *out, struct red *red, struct buf *scratch,
		   struct buf *tmp)
{
	const struct rep_summary *s = c->sum;
	const struct fnd_list *l = &c->res->findings;
	size_t i, k, live = 0;
	char t1[32], t2[32];

	for (i = 0; i < s->ngroups; i++)
		live += s->groups[i].count > s->groups[i].suppressed;
	fprintf(out, "<h2>Findings (%zu in %zu groups)</h2>\n", s->findings, live);
	if (!live)
		fputs("<p>No findings.</p>\n", out);
	for (i = 0; i < s->ngroups; i++) {
		const struct fnd_group *g = &s->groups[i];
		const struct finding *first = &l->v[g->first], *last = &l->v[g->last];
		const struct chk_info *ci = NULL;
		size_t n = g->count - g->suppressed, shown = 0;

		if (!n)
			continue;
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
		rep_principles(rep_check_principles(c, g->check), "; ", tmp);
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
		if (first->has_time) {
			rep_time_iso(first->time, t1);
			rep_time_iso(last->time, t2);
			fprintf(out, ", first %s, last %s", t1, t2);
		}
		fputs("</div>\n<p>", out);
		esc_html(out, rep_clean(c, red, first->detail, scratch));
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
			const struct finding *f = &l->v[g->members[k]];

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
};
