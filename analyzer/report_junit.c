/*
 * report_junit.c - JUnit XML, so CI systems show the audit as tests.
 *
 * One <testsuite> per DPF principle.  In each, one <testcase> for the
 * principle itself (skipped when not assessed) and one per check that tests
 * that principle (a check with two principles appears under both).
 *
 * The test cases are the gate, so a CI widget says what the exit status
 * says: a case fails only for unsuppressed findings at or above --fail-on
 * (the failure lists them, redacted); findings below it are listed in the
 * <system-out> of a passing case.  Without --fail-on nothing gates (exit 0),
 * so no case fails and every finding is listed as output ("no --fail-on
 * gate").  An incomplete audit (exit 3) adds an <error> to each principle.
 * Valid against the Jenkins xunit junit-10.xsd.  No timestamps: the output
 * is deterministic.
 *
 * The verdict (SPEC §5) is one more suite and case: failed when the exit
 * status is 1 (FAIL under --fail-on), an error when it is 3 (incomplete,
 * nothing audited, not assessed under --fail-on), skipped when not
 * assessed; a FAIL headline without --fail-on passes, its headline as
 * output.
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

/* Whether a finding fails its test case: unsuppressed and at or above --fail-on. */
static bool gates(const struct rep_ctx *c, const struct finding *f)
{
	return c->fail_on != SEV_NONE && !f->suppressed && f->severity >= c->fail_on;
}

struct tally {
	size_t gating, below;	/* unsuppressed findings failing the case / listed as output */
	enum sev worst;		/* highest severity among the gating ones */
};

/*
 * What the cases need, from one reading of the findings (a spilled list
 * is read once, not once per case): each check's tally, and the indexes
 * of its first JUNIT_LISTED + 1 gating and other findings, fetched into sh.
 */
struct pre {
	struct tally *ck;	/* per check index */
	size_t nck;
	size_t *idx;		/* [check][gating][JUNIT_LISTED + 1] */
	size_t *nidx;		/* [check][gating] */
	struct rep_shown sh;
};

static void pre_init(struct pre *pr, const struct rep_ctx *c)
{
	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0;

	pr->nck = nchecks(c) > CHK_BUILTIN_COUNT ? nchecks(c) : CHK_BUILTIN_COUNT;
	pr->ck = xcalloc(pr->nck, sizeof(*pr->ck));
	pr->idx = xcalloc(pr->nck * 2 * (JUNIT_LISTED + 1), sizeof(*pr->idx));
	pr->nidx = xcalloc(pr->nck * 2, sizeof(*pr->nidx));
	rep_shown_init(&pr->sh, c);
	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it)); i++) {
		if (f->suppressed || f->check >= pr->nck)
			continue;	/* past the checks: no principle, no case */
		struct tally *t = &pr->ck[f->check];
		bool g = gates(c, f);
		if (g) {
			t->gating++;
			if (f->severity > t->worst)
				t->worst = f->severity;
		} else {
			t->below++;
		}
		size_t *n = &pr->nidx[f->check * 2 + g];
		if (*n <= JUNIT_LISTED) {
			pr->idx[(f->check * 2 + g) * (JUNIT_LISTED + 1) + (*n)++] = i;
			(void)rep_shown_want(&pr->sh, i);
		}
	}
	(void)rep_shown_fetch(&pr->sh);	/* what is missing ends a list; rep_write reports it */
}

static void pre_free(struct pre *pr)
{
	rep_shown_free(&pr->sh);
	free(pr->ck);
	free(pr->idx);
	free(pr->nidx);
}

/* The tally of one check (check != SIZE_MAX), or of every check of principle p. */
static struct tally tally(const struct rep_ctx *c, const struct pre *pr, size_t check, int p)
{
	struct tally t = { 0, 0, SEV_NONE };

	if (check != SIZE_MAX)
		return check < pr->nck ? pr->ck[check] : t;
	for (size_t i = 0; i < pr->nck; i++) {
		if (!(rep_check_principles(c, (uint32_t)i) & PR_BIT(p)))
			continue;
		t.gating += pr->ck[i].gating;
		t.below += pr->ck[i].below;
		if (pr->ck[i].worst > t.worst)
			t.worst = pr->ck[i].worst;
	}
	return t;
}

/* List a check's unsuppressed findings that gate (gating) or do not. */
static void list_findings(const struct rep_ctx *c, const struct pre *pr, FILE *out, size_t check,
			  bool gating, size_t total, struct red *red, struct buf *scratch)
{
	size_t listed = 0;
	char t[32];

	if (check >= pr->nck)
		return;
	const size_t *idx = &pr->idx[(check * 2 + gating) * (JUNIT_LISTED + 1)];
	for (size_t k = 0; k < pr->nidx[check * 2 + gating]; k++) {
		const struct finding *f = rep_shown_get(&pr->sh, idx[k]);
		struct buf line = BUF_INIT;

		if (!f)
			break;
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

/* Why findings that are listed did not fail the case. */
static void below_note(const struct rep_ctx *c, struct buf *msg, size_t n)
{
	if (c->fail_on == SEV_NONE)
		buf_addf(msg, "%zu finding%s (no --fail-on gate: listed, not failed)\n", n,
			 n == 1 ? "" : "s");
	else
		buf_addf(msg, "%zu finding%s below the --fail-on %s gate\n", n, n == 1 ? "" : "s",
			 sev_name(c->fail_on));
}

static void write_junit(const struct rep_ctx *c, FILE *out)
{
	const struct rep_summary *s = c->sum;
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, msg = BUF_INIT;
	size_t tests = 0, failures = 0, skipped, i;
	struct pre pr;
	int p;

	pre_init(&pr, c);

	for (p = 0; p < PR_COUNT; p++) {
		tests++;
		failures += tally(c, &pr, SIZE_MAX, p).gating > 0;
		for (i = 0; i < nchecks(c); i++)
			if (rep_check_principles(c, (uint32_t)i) & PR_BIT(p)) {
				tests++;
				failures += tally(c, &pr, i, p).gating > 0;
			}
	}
	enum rep_verdict v = rep_verdict(c);
	int v_exit = rep_verdict_exit(v, c->res, c->fail_on);
	bool v_fail = v_exit == DPF_EXIT_FINDINGS;
	bool v_error = v_exit == DPF_EXIT_INCOMPLETE;
	bool v_skip = v == REP_V_NOT_ASSESSED && !v_error;
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
		v_skip);
	attr(out, "package", "dpf");
	attr(out, "id", "verdict");
	fputs(">\n    <properties><property", out);
	attr(out, "name", "verdict");
	attr(out, "value", rep_verdict_name(v));
	fputs("/></properties>\n    <testcase", out);
	attr(out, "name", "verdict");
	attr(out, "classname", "dpf.verdict");
	fputs(">", out);
	if (v_fail || v_error || v_skip) {
		fputs(v_fail ? "<failure" : v_error ? "<error" : "<skipped", out);
		attr(out, "message", head.p ? head.p : "");
		if (!v_skip)
			attr(out, "type", rep_verdict_key(v));
		fputs("/>", out);
	} else if (v != REP_V_PASS) {
		fputs("<system-out>", out);
		esc_xml(out, buf_sv(&head));
		fputs("</system-out>", out);
	}
	fputs("</testcase>\n  </testsuite>\n", out);
	buf_release(&head);
	for (p = 0; p < PR_COUNT; p++) {
		struct tally pt = tally(c, &pr, SIZE_MAX, p);
		size_t t = 1, f = pt.gating > 0;

		skipped = s->status[p] == REP_NOT_ASSESSED;
		for (i = 0; i < nchecks(c); i++)
			if (rep_check_principles(c, (uint32_t)i) & PR_BIT(p)) {
				t++;
				f += tally(c, &pr, i, p).gating > 0;
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
		buf_reset(&msg);
		buf_addf(&msg, "%zu critical, %zu high, %zu medium, %zu low",
			 s->by_sev[p][SEV_CRITICAL], s->by_sev[p][SEV_HIGH],
			 s->by_sev[p][SEV_MEDIUM], s->by_sev[p][SEV_LOW]);
		if (pt.gating) {
			buf_addf(&msg, "; %zu at or above --fail-on %s", pt.gating, sev_name(c->fail_on));
			fputs("<failure", out);
			attr(out, "message", msg.p);
			attr(out, "type", "fail");
			fputs("/>", out);
		} else if (s->status[p] == REP_FAIL) {
			buf_addc(&msg, '\n');
			below_note(c, &msg, pt.below);
			fputs("<system-out>", out);
			esc_xml(out, buf_sv(&msg));
			fputs("</system-out>", out);
		} else if (s->status[p] == REP_NOT_ASSESSED) {
			fputs("<skipped", out);
			attr(out, "message", "not assessed: no event could test this principle");
			fputs("/>", out);
		}
		if (c->res->incomplete) {
			fputs("<error", out);
			attr(out, "message", c->res->records ? "audit incomplete: an input was not read whole" :
						"audit incomplete: nothing audited");
			attr(out, "type", "incomplete");
			fputs("/>", out);
		}
		fputs("</testcase>\n", out);

		for (i = 0; i < nchecks(c); i++) {
			if (!(rep_check_principles(c, (uint32_t)i) & PR_BIT(p)))
				continue;
			struct tally ct = tally(c, &pr, i, p);
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
			} else {
				if (ct.gating) {
					buf_reset(&msg);
					buf_addf(&msg, "%zu finding%s at or above --fail-on %s: %s",
						 ct.gating, ct.gating == 1 ? "" : "s",
						 sev_name(c->fail_on), rep_check_title(c, (uint32_t)i));
					fputs("<failure", out);
					attr(out, "message", msg.p);
					attr(out, "type", sev_name(ct.worst));
					fputs(">", out);
					list_findings(c, &pr, out, i, true, ct.gating, red, &scratch);
					fputs("</failure>", out);
				}
				if (ct.below) {
					buf_reset(&msg);
					below_note(c, &msg, ct.below);
					fputs("<system-out>", out);
					esc_xml(out, buf_sv(&msg));
					list_findings(c, &pr, out, i, false, ct.below, red, &scratch);
					fputs("</system-out>", out);
				}
			}
			fputs("</testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	pre_free(&pr);
	buf_release(&scratch);
	buf_release(&msg);
	red_free(red);
}

const struct rep_writer rep_junit = {
	.name = "junit",
	.ext = "xml",
	.write = write_junit,
};
