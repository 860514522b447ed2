/*
 * report_csv.c - one row per finding occurrence, for spreadsheets.
 *
 * RFC 4180 with CRLF line ends; every field through esc_csv(), which also
 * defuses formula injection (a log line starting with "=" stays text).
 * Suppressed findings are included with suppressed=yes so the sheet adds
 * up with the JSON report.  The last row is the verdict (check "(verdict)").
 */
#include "common.h"

#include "report.h"

#include "escape.h"

static void field(FILE *out, sv s, int last)
{
	esc_csv(out, s);
	fputs(last ? "\r\n" : ",", out);
}

static void write_csv(const struct rep_ctx *c, FILE *out)
{
	struct red *red = rep_red_new(c);
	struct fnd_iter it;
	const struct finding *f;
	struct buf scratch = BUF_INIT, tmp = BUF_INIT;
	char t[32], num[32];
	size_t i;

	fputs("check,severity,principle,user,role,subject,categories,time,file,line,message,"
	      "evidence,suppressed\r\n", out);
	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it));) {
		field(out, sv_cstr(rep_check_id(c, f->check)), 0);
		field(out, sv_cstr(sev_name(f->severity)), 0);
		buf_reset(&tmp);
		pr_join(&tmp, rep_check_principles(c, f->check), pr_name, "; ");
		field(out, buf_sv(&tmp), 0);
		field(out, f->user, 0);
		field(out, f->role, 0);
		field(out, rep_clean(c, red, f->subject, &scratch), 0);
		buf_reset(&tmp);
		rep_categories(c->pol, f->categories, ";", &tmp);
		field(out, buf_sv(&tmp), 0);
		if (f->has_time)
			rep_time_iso(f->time, t);
		else
			t[0] = '\0';
		field(out, sv_cstr(t), 0);
		field(out, sv_cstr(rep_input_path(c, f->file)), 0);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)f->line);
		field(out, sv_cstr(num), 0);
		field(out, rep_clean(c, red, f->detail, &scratch), 0);
		field(out, rep_clean(c, red, f->evidence, &scratch), 0);
		field(out, f->suppressed ? SV_LIT("yes") : SV_LIT("no"), 1);
	}
	/*
	 * The verdict (SPEC §5) as a last row: check "(verdict)", severity
	 * the JSON verdict key, message the headline; other cells empty.
	 */
	enum rep_verdict v = rep_verdict(c);
	buf_reset(&tmp);
	rep_headline(c, &tmp);
	field(out, SV_LIT("(verdict)"), 0);
	field(out, sv_cstr(rep_verdict_key(v)), 0);
	for (i = 0; i < 8; i++)
		field(out, SV_LIT(""), 0);
	field(out, buf_sv(&tmp), 0);
	field(out, SV_LIT(""), 0);
	field(out, SV_LIT(""), 1);
	buf_release(&scratch);
	buf_release(&tmp);
	red_free(red);
}

const struct rep_writer rep_csv = {
	.name = "csv",
	.ext = "csv",
	.write = write_csv,
};
