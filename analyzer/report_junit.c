/*
 * report_junit.c - JUnit XML, so CI systems show the audit as tests.
 *
 * One <testsuite> per DPF principle.  In each, one <testcase> for the
 * principle itself (failed when its status is fail, skipped when not
 * assessed) and one per check that tests that principle (a check with two
 * principles appears under both), failed when it has unsuppressed findings;
 * the failure lists them (redacted).  Valid against the Jenkins xunit
 * junit-10.xsd.  No timestamps: the output is deterministic.
 */
#include "common.h"

#include "report.h"

#include <string.h>

#include "escape.h"

/* Findings listed in one failure body before "... and N more". */
#define JUNIT_LISTED 100

static void attr(FILE *out, const char *name, const char *v)
{
	fprintf(out, " %s=\"", name);
	esc_xml(out, sv_cstr(v ? v : ""));
	putc('"', out);
}

static size_t nchecks(const struct rep_ctx *c)
{
	return c->pol ? c->pol->nchecks : CHK_BUILTIN_COUNT;
}

static bool enabled(const struct rep_ctx *c, size_t i)
{
	return !c->pol || c->pol->checks[i].enabled;
}

/* Highest severity among the check's unsuppressed findings. */
static enum sev worst(const struct rep_ctx *c, size_t check)
{
	const struct fnd_list *l = &c->res->findings;
	enum sev w = SEV_NONE;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].check == check && !l->v[i].suppressed && l->v[i].severity > w)
			w = l->v[i].severity;
	return w;
}

static void failure_body(const struct rep_ctx *c, FILE *out, size_t check, struct red *red,
			 struct buf *scratch)
{
	const struct fnd_list *l = &c->res->findings;
	size_t i, listed = 0, total = rep_check_findings(c->sum, check);
	char t[32];

	for (i = 0; i < l->n; i++) {
		const struct finding *f = &l->v[i];
		struct buf line = BUF_INIT;

		if (f->check != check || f->suppressed)
			continue;
		if (listed == JUNIT_LISTED) {
			fprintf(out, "... and %zu more\n", total - listed);
			break;
		}
		buf_addf(&line, "%s:%llu: [%s] user ", rep_input_path(c, f->file),
			 (unsigned long long)f->line, sev_name(f->severity));
		buf_addsv(&line, sv_empty(f->user) ? SV_LIT("(anonymous)") : f->user);
		if (!sv_empty(f->subject)) {
			buf_adds(&line, ", subject ");
			buf_addsv(&line, rep_clean(c, red, f->subject, scratch));
		}
		if (f->has_time) {
			rep_time_iso(f->time, t);
			buf_adds(&line, ", ");
			buf_adds(&line, t);
		}
		buf_adds(&line, ": ");
		buf_addsv(&line, rep_clean(c, red, f->detail, scratch));
		buf_adds(&line, "\n    ");
		buf_addsv(&line, rep_clean(c, red, f->evidence, scratch));
		buf_addc(&line, '\n');
		esc_xml(out, buf_sv(&line));
		buf_release(&line);
		listed++;
	}
}

static void write_junit(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, msg = BUF_INIT;
	size_t tests = 0, failures = 0, skipped, i;
	int p;

	for (p = 0; p < PR_COUNT; p++) {
		tests++;
		failures += s->status[p] == REP_FAIL;
		for (i = 0; i < nchecks(c); i++)
			if (rep_check_principles(c, (uint32_t)i) & PR_BIT(p)) {
				tests++;
				failures += rep_check_findings(s, i) > 0;
			}
	}
	/*
	 * The verdict (SPEC §5) is one more test case: failed on FAIL, an
	 * error when the audit is incomplete, nothing audited, or not
	 * assessed under --fail-on (exit 3), skipped when not assessed.
	 */
	enum rep_verdict v = rep_verdict(c);
	bool v_fail = v == REP_V_FAIL;
	bool v_error = !v_fail && rep_verdict_exit(v, c->res, c->fail_on) == DPF_EXIT_INCOMPLETE;
	struct buf head = BUF_INIT;
	rep_headline(c, &head);
	tests++;
	failures += v_fail;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
	attr(out, "name", "dpfaudit");
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n", tests, failures,
		(c->res->incomplete ? PR_COUNT : 0) + (v_error ? 1 : 0));
	fputs("  <testsuite", out);
	attr(out, "name", "verdict");
	fprintf(out, " tests=\"1\" failures=\"%d\" errors=\"%d\" skipped=\"%d\"", v_fail, v_error,
		v == REP_V_NOT_ASSESSED && !v_error);
	attr(out, "package", "dpf");
	attr(out, "id", "verdict");
	fputs(">\n    <properties><property", out);
	attr(out, "name", "verdict");
	attr(out, "value", rep_verdict_name(v));
	fputs("/></properties>\n    <testcase", out);
	attr(out, "name", "verdict");
	attr(out, "classname", "dpf.verdict");
	fputs(">", out);
	if (v_fail || v_error || v == REP_V_NOT_ASSESSED) {
		fputs(v_fail ? "<failure" : v_error ? "<error" : "<skipped", out);
		attr(out, "message", head.p ? head.p : "");
		if (!(v == REP_V_NOT_ASSESSED && !v_error))
			attr(out, "type", rep_verdict_key(v));
		fputs("/>", out);
	}
	fputs("</testcase>\n  </testsuite>\n", out);
	buf_release(&head);
	for (p = 0; p < PR_COUNT; p++) {
		size_t t = 1, f = s->status[p] == REP_FAIL;

		skipped = s->status[p] == REP_NOT_ASSESSED;
		for (i = 0; i < nchecks(c); i++)
			if (rep_check_principles(c, (uint32_t)i) & PR_BIT(p)) {
				t++;
				f += rep_check_findings(s, i) > 0;
				skipped += !enabled(c, i);
			}
		fputs("  <testsuite", out);
		attr(out, "name", pr_name((enum principle)p));
		fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"%zu\"",
			t, f, c->res->incomplete ? 1 : 0, skipped);
		attr(out, "package", "dpf");
		attr(out, "id", pr_slug((enum principle)p));
		fputs(">\n", out);

		fputs("    <testcase", out);
		attr(out, "name", pr_slug((enum principle)p));
		attr(out, "classname", "dpf.principle");
		fputs(">", out);
		if (s->status[p] == REP_FAIL) {
			buf_reset(&msg);
			buf_addf(&msg, "%zu critical, %zu high, %zu medium, %zu low",
				 s->by_sev[p][SEV_CRITICAL], s->by_sev[p][SEV_HIGH],
				 s->by_sev[p][SEV_MEDIUM], s->by_sev[p][SEV_LOW]);
			fputs("<failure", out);
			attr(out, "message", msg.p);
			attr(out, "type", "fail");
			fputs("/>", out);
		} else if (s->status[p] == REP_NOT_ASSESSED) {
			fputs("<skipped", out);
			attr(out, "message", "not assessed: no event could test this principle");
			fputs("/>", out);
		}
		if (c->res->incomplete) {
			fputs("<error", out);
			attr(out, "message", "audit incomplete: an input was not read whole");
			attr(out, "type", "incomplete");
			fputs("/>", out);
		}
		fputs("</testcase>\n", out);

		for (i = 0; i < nchecks(c); i++) {
			size_t n = rep_check_findings(s, i);

			if (!(rep_check_principles(c, (uint32_t)i) & PR_BIT(p)))
				continue;
			fputs("    <testcase", out);
			attr(out, "name", rep_check_id(c, (uint32_t)i));
			buf_reset(&msg);
			buf_addf(&msg, "dpf.%s", pr_slug((enum principle)p));
			attr(out, "classname", msg.p);
			fputs(">", out);
			if (!enabled(c, i)) {
				fputs("<skipped", out);
				attr(out, "message", "check disabled in the rules");
				fputs("/>", out);
			} else if (n) {
				buf_reset(&msg);
				buf_addf(&msg, "%zu finding%s: %s", n, n == 1 ? "" : "s",
					 rep_check_title(c, (uint32_t)i));
				fputs("<failure", out);
				attr(out, "message", msg.p);
				attr(out, "type", sev_name(worst(c, i)));
				fputs(">", out);
				failure_body(c, out, i, red, &scratch);
				fputs("</failure>", out);
			}
			fputs("</testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	buf_release(&scratch);
	buf_release(&msg);
	red_free(red);
}

const struct rep_writer rep_junit = {
	.name = "junit",
	.ext = "xml",
	.write = write_junit,
};
