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

/* A field appended to the row being built (written per REP_FLUSH_AT, report.h). */
static void field(struct buf *row, sv s, int last)
{
	esc_csv_buf(row, s);
	if (last)
		buf_add(row, "\r\n", 2);
	else
		buf_addc(row, ',');
}

static void write_csv(const struct rep_ctx *c, FILE *file)
{
	struct red *red = rep_red_new(c);
	struct fnd_iter it;
	const struct finding *f;
	struct buf scratch = BUF_INIT, tmp = BUF_INIT, rows = BUF_INIT;
	char t[32], num[32];
	size_t i;

	buf_adds(&rows, "check,severity,principle,user,role,subject,categories,time,file,line,"
		 "message,evidence,suppressed\r\n");
	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it));) {
		field(&rows, sv_cstr(rep_check_id(c, f->check)), 0);
		field(&rows, sv_cstr(sev_name(f->severity)), 0);
		buf_reset(&tmp);
		pr_join(&tmp, rep_check_principles(c, f->check), pr_name, "; ");
		field(&rows, buf_sv(&tmp), 0);
		field(&rows, f->user, 0);
		field(&rows, f->role, 0);
		field(&rows, rep_clean(c, red, f->subject, &scratch), 0);
		buf_reset(&tmp);
		rep_categories(c->pol, f->categories, ";", &tmp);
		field(&rows, buf_sv(&tmp), 0);
		if (f->has_time)
			rep_time_iso(f->time, t);
		else
			t[0] = '\0';
		field(&rows, sv_cstr(t), 0);
		field(&rows, sv_cstr(rep_input_path(c, f->file)), 0);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)f->line);
		field(&rows, sv_cstr(num), 0);
		field(&rows, rep_clean(c, red, f->detail, &scratch), 0);
		field(&rows, rep_clean(c, red, f->evidence, &scratch), 0);
		field(&rows, f->suppressed ? SV_LIT("yes") : SV_LIT("no"), 1);
		rep_flush(&rows, file, REP_FLUSH_AT);
	}
	/*
	 * The verdict (SPEC §5) as a last row: check "(verdict)", severity
	 * the JSON verdict key, message the headline; other cells empty.
	 */
	enum rep_verdict v = rep_verdict(c);
	buf_reset(&tmp);
	rep_headline(c, &tmp);
	field(&rows, SV_LIT("(verdict)"), 0);
	field(&rows, sv_cstr(rep_verdict_key(v)), 0);
	for (i = 0; i < 8; i++)
		field(&rows, SV_LIT(""), 0);
	field(&rows, buf_sv(&tmp), 0);
	field(&rows, SV_LIT(""), 0);
	field(&rows, SV_LIT(""), 1);
	rep_flush(&rows, file, 0);
	buf_release(&rows);
	buf_release(&scratch);
	buf_release(&tmp);
	red_free(red);
}

const struct rep_writer rep_csv = {
	.name = "csv",
	.ext = "csv",
	.write = write_csv,
};
