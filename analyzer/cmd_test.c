/*
 * cmd_test.c - `dpfaudit test`: check annotated samples against the rules
 * (SPEC §6, the CI gate on rule changes).
 *
 * The samples are audited by the very engine `scan` uses (aud_run, same
 * threads, windows judged the same way), so an expectation holds exactly
 * where a scan would report the finding.  Every annotated line is compared
 * as a set: a check expected but not found, or found but not expected, is
 * a mismatch; a line without an annotation expects no finding (SPEC §6),
 * so any finding on it is a mismatch too.  --coverage
 * also fails when an enabled check that the rules can make fire lacks a
 * positive sample (a line that expects it) or a negative one (a line of
 * the kind it judges that must not fire it), so a rule change cannot go
 * untested.
 *
 * --report junit:FILE writes the same verdicts as JUnit XML (one test suite
 * per sample, one test case per annotated line; a coverage suite with one
 * case per check under --coverage), so a CI widget shows what the exit
 * status says.
 *
 * Exit: 0 all pass; 1 a mismatch or a coverage gap; 2 usage, rule or
 * annotation error (nothing compared); 3 a sample could not be read whole
 * (3 wins over 1).
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "escape.h"
#include "expect.h"
#include "paths.h"
#include "safefile.h"
#include "setup.h"
#include "xalloc.h"

enum { O_RULES = 1, O_FORMAT, O_COVERAGE, O_JOBS, O_REPORT };

static const struct cli_opt test_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "rule file or directory (repeatable; default: the installed rules)" },
	{ O_FORMAT, 'F', "log-format", "NAME", "force a log format (default: detect per file)" },
	{ O_COVERAGE, 0, "coverage", NULL, "also fail when an enabled check has no positive or no negative sample" },
	{ O_JOBS, 'j', "jobs", "N", "worker threads, 1..1024 (default: the number of CPUs)" },
	{ O_REPORT, 0, "report", "junit:FILE", "also write the verdicts as JUnit XML (the text stays on stdout)" },
	CLI_END
};

static const char test_usage[] = "[OPTIONS] SAMPLE...";

#define MAX_RULES 256

struct test {
	const char *rules[MAX_RULES];
	size_t nrules;
	bool coverage;
	const char *junit;	/* --report junit:FILE, or NULL */
	struct aud_options ao;
};

static int on_opt(void *ctx, int id, const char *val)
{
	struct test *t = ctx;

	switch (id) {
	case O_RULES:
		if (t->nrules >= MAX_RULES) {
			error("test: too many --rules (at most %d)", MAX_RULES);
			return DPF_EXIT_USAGE;
		}
		t->rules[t->nrules++] = val;
		break;
	case O_FORMAT: t->ao.format = val; break;
	case O_COVERAGE: t->coverage = true; break;
	case O_REPORT:
		if (strncmp(val, "junit:", 6) || !val[6]) {
			error("test: --report: '%s': test writes junit:FILE "
			      "(the text goes to standard output)", val);
			return DPF_EXIT_USAGE;
		}
		t->junit = val + 6;
		break;
	case O_JOBS:
		return cli_jobs("test", val, &t->ao.jobs);
	}
	return 0;
}

/* What the engine made of an annotated line (for --coverage and unparsed lines). */
enum {
	SEEN_EVENT = 1,		/* parsed into an event */
	SEEN_PD_READ = 2,	/* a personal-data read */
	SEEN_DENIED = 4,	/* status 401 or 403 */
	SEEN_TRANSFER = 8,	/* an export or transfer */
	SEEN_SKIPPED = 16,	/* read, and no access by design (not judged) */
};

struct seen {
	unsigned char flags;
	uint64_t categories;
};

struct observer {
	const struct exp_set *set;
	struct seen *seen;	/* parallel to set->v */
};

/*
 * A record its format skips by design (Kubernetes' intermediate stages, a
 * server message without a pgAudit record) is read, not unparsed: it can
 * expect `none`, and never a finding.  Same threading as observe().
 */
static void observe_skip(void *arg, unsigned worker, const struct event *ev,
			 const struct eng_verdict *v)
{
	struct observer *o = arg;
	const struct exp_entry *e = exp_find(o->set, ev->file, ev->line);
	(void)worker;
	(void)v;
	if (e)
		o->seen[e - o->set->v].flags |= SEEN_SKIPPED;
}

/*
 * Called from the parser threads.  No lock: every record (file, line) is
 * judged exactly once, by one thread, so each entry is written by one
 * thread only, each entry is its own memory location, and pthread_join
 * orders the writes before the main thread reads them.
 */
static void observe(void *arg, unsigned worker, const struct event *ev, const struct eng_verdict *v)
{
	struct observer *o = arg;
	const struct exp_entry *e = exp_find(o->set, ev->file, ev->line);
	(void)worker;
	(void)v;
	if (!e)
		return;
	struct seen *s = &o->seen[e - o->set->v];
	s->flags |= SEEN_EVENT;
	if (ev->pd_read)
		s->flags |= SEEN_PD_READ;
	if (ev->status == 401 || ev->status == 403)
		s->flags |= SEEN_DENIED;
	if (ev->action == EV_EXPORT || ev->action == EV_TRANSFER)
		s->flags |= SEEN_TRANSFER;
	s->categories |= ev->categories;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The distinct checks found at file:line, sorted, into out (at most cap). */
static size_t found_at(const struct fnd_list *l, uint32_t file, uint64_t line, uint32_t *out,
		       size_t cap)
{
	size_t lo = 0, hi = l->n, n = 0;

	/* The list is sorted by file, then line. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct finding *f = &l->v[mid];
		if (f->file < file || (f->file == file && f->line < line))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < l->n && l->v[i].file == file && l->v[i].line == line; i++) {
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= out[k] == l->v[i].check;
		if (!dup && n < cap)
			out[n++] = l->v[i].check;
	}
	qsort(out, n, sizeof(*out), cmp_u32);
	return n;
}

static void add_ids(struct buf *b, const struct policy *pol, const uint32_t *ids, size_t n)
{
	if (n == 0)
		buf_adds(b, "none");
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s", i ? ", " : "", pol->checks[ids[i]].id);
}

/*
 * Compare every annotated line; returns the number that failed.  why[i]
 * (parallel to set->v) gets "expected X, got Y" for a failing line.
 */
static size_t compare(const struct exp_set *set, const struct seen *seen, const struct policy *pol,
		      const struct fnd_list *found, size_t *passed, struct buf *why)
{
	uint32_t got[256];
	size_t failed = 0;

	*passed = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct exp_entry *e = &set->v[i];
		/* No entry has ids while the set has none (ids is NULL then). */
		const uint32_t *want = e->n ? set->ids + e->first : NULL;
		size_t ngot = found_at(found, e->file, e->line, got, sizeof(got) / sizeof(got[0]));
		bool same = ngot == e->n && (ngot == 0 || !memcmp(got, want, ngot * sizeof(*got)));
		bool parsed = seen[i].flags & (SEEN_EVENT | SEEN_SKIPPED);

		if (same && parsed) {
			(*passed)++;
			continue;
		}
		failed++;
		struct buf *b = &why[i];
		buf_adds(b, "expected ");
		add_ids(b, pol, want, e->n);
		buf_adds(b, ", got ");
		if (!parsed && ngot == 0)
			buf_adds(b, "an unparsed line (no log format matched it)");
		else
			add_ids(b, pol, got, ngot);
		esc_text(stdout, sv_cstr(set->files[e->file]));	/* a hostile file name */
		printf(":%llu: %s\n", (unsigned long long)e->line, b->p);
	}
	return failed;
}

/*
 * A line without an annotation expects no finding: every line with a
 * finding but no annotation is a mismatch.  Returns how many such lines.
 */
/*
 * Lines without an annotation expect no finding (SPEC §6): each one with a
 * finding is a failure, printed and appended to out as
 * "PATH:LINE<TAB>expected none (no annotation), got X\n" (for JUnit).
 */
static size_t unannotated(const struct exp_set *set, const struct policy *pol,
			  const struct fnd_list *found, const struct aud_result *res,
			  struct buf *out)
{
	uint32_t got[256];
	size_t failed = 0;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < found->n; i++) {
		const struct finding *f = &found->v[i];
		if (i && found->v[i - 1].file == f->file && found->v[i - 1].line == f->line)
			continue;	/* the list is sorted by file, then line */
		if (exp_find(set, f->file, f->line))
			continue;
		size_t ngot = found_at(found, f->file, f->line, got, sizeof(got) / sizeof(got[0]));
		failed++;
		buf_reset(&b);
		buf_adds(&b, "expected none (no annotation), got ");
		add_ids(&b, pol, got, ngot);
		const char *path = f->file < res->ninputs ? res->inputs[f->file].path : "?";
		esc_text(stdout, sv_cstr(path));
		printf(":%llu: %s\n", (unsigned long long)f->line, b.p);
		buf_addf(out, "%s:%llu\t%s\n", path, (unsigned long long)f->line, b.p);
	}
	buf_release(&b);
	return failed;
}

/*
 * Whether an annotated line is a negative sample for check c: a line of
 * the kind the check judges, whose expectation leaves the check out.
 */
static bool negative_for(const struct policy *pol, size_t c, const struct seen *s, uint64_t sens)
{
	const struct pol_check *pc = &pol->checks[c];

	if (!(s->flags & SEEN_EVENT))
		return false;
	if (!pc->builtin) {
		/* Custom: a line touching one of its categories, or any line if it names none. */
		uint64_t cats = 0;
		for (size_t k = 0; k < pc->nmatchers; k++)
			if (pc->matchers[k].kind == PCM_CATEGORY)
				cats |= pc->matchers[k].categories;
		return cats ? (s->categories & cats) != 0 : true;
	}
	switch (c) {
	case CHK_FAILED_ACCESS_BURST:
		return s->flags & SEEN_DENIED;
	case CHK_UNAPPROVED_TRANSFER:
		return s->flags & SEEN_TRANSFER;
	case CHK_SENSITIVE_DATA_ACCESS:
		if (sens)
			return (s->flags & SEEN_PD_READ) && (s->categories & sens);
		return s->flags & SEEN_PD_READ;
	default:
		return s->flags & SEEN_PD_READ;
	}
}

static const char *negative_kind(const struct policy *pol, size_t c)
{
	if (!pol->checks[c].builtin)
		return "annotated event in its categories";
	switch (c) {
	case CHK_FAILED_ACCESS_BURST: return "annotated 401/403 request";
	case CHK_UNAPPROVED_TRANSFER: return "annotated export or transfer";
	case CHK_SENSITIVE_DATA_ACCESS: return "annotated read of a sensitive category";
	default: return "annotated personal-data read";
	}
}

/*
 * Report enabled checks without a positive or a negative sample; returns
 * how many gaps.  Checks these rules cannot fire are listed, not required.
 */
/*
 * gap[c] (one per check) gets each gap of check c; na[c] is set for a
 * check these rules cannot fire.
 */
static size_t coverage(const struct exp_set *set, const struct seen *seen, const struct policy *pol,
		       struct buf *gap, bool *na_check)
{
	uint64_t sens = chk_sensitive_categories(pol);
	size_t gaps = 0, enabled = 0, na = 0;

	for (size_t c = 0; c < pol->nchecks; c++) {
		if (!pol->checks[c].enabled)
			continue;
		if (!chk_applies(pol, c)) {
			printf("coverage: %s not required (these rules cannot make it fire)\n",
			       pol->checks[c].id);
			na_check[c] = true;
			na++;
			continue;
		}
		enabled++;
		bool pos = false, neg = false;
		for (size_t i = 0; i < set->n && !(pos && neg); i++) {
			if (exp_expects(set, &set->v[i], (uint32_t)c))
				pos = true;
			else if (negative_for(pol, c, &seen[i], sens))
				neg = true;
		}
		if (!pos) {
			buf_adds(&gap[c], "no positive sample (no annotated line expects it)\n");
			gaps++;
		}
		if (!neg) {
			buf_addf(&gap[c], "no negative sample (no %s that must not fire it)\n",
				 negative_kind(pol, c));
			gaps++;
		}
		/* Printed one gap a line, as before. */
		for (const char *l = gap[c].p; l && *l;) {
			const char *nl = strchr(l, '\n');
			printf("coverage: %s has %.*s\n", pol->checks[c].id, (int)(nl - l), l);
			l = nl + 1;
		}
	}
	printf("coverage: %zu check%s required, %zu not applicable, %zu gap%s\n", enabled,
	       enabled == 1 ? "" : "s", na, gaps, gaps == 1 ? "" : "s");
	return gaps;
}

static void print_input_problems(const struct aud_result *res)
{
	for (size_t i = 0; i < res->ninputs; i++) {
		const struct aud_input *in = &res->inputs[i];
		if (in->complete)
			continue;
		if (in->lines || in->size)
			error("%s: byte %llu (after line %llu): %s", in->path,
				(unsigned long long)in->error_offset, (unsigned long long)in->lines,
				in->error ? in->error : "damaged");
		else
			error("%s", in->error ? in->error : "could not be read");
	}
}

/* Load every sample's annotations; returns an exit status or 0. */
static int load_expectations(struct exp_set *set, const struct paths *paths,
			     const struct policy *pol, bool *unreadable)
{
	struct diag err;
	bool invalid = false;

	*unreadable = false;
	for (size_t i = 0; i < paths->n; i++) {
		size_t before = set->n;
		enum exp_status st = exp_load(set, paths->v[i], pol, &err);
		if (st == EXP_UNREADABLE)
			*unreadable = true;	/* the audit reports it (exit 3) */
		else if (st == EXP_INVALID)
			invalid = true;
		else if (set->n == before)
			warning("%s: no expectations (nothing compared)",
				paths->v[i]);
		if (st == EXP_INVALID && !set->nerrors)	/* out of memory */
			error("%s", err.msg);
	}
	for (size_t i = 0; i < set->nerrors; i++)
		error("%s", set->errors[i]);
	if (invalid || set->nerrors)
		return DPF_EXIT_USAGE;
	return 0;
}

static void xattr(FILE *out, const char *name, sv v)
{
	fprintf(out, " %s=\"", name);
	esc_xml(out, v);
	putc('"', out);
}

struct junit {
	const struct exp_set *set;
	const struct buf *why;		/* per entry: empty when it passed */
	const struct policy *pol;
	const struct buf *gap;		/* per check, or NULL without --coverage */
	const bool *na;
	const struct aud_result *res;
	const struct buf *stray;	/* unannotated lines with findings: "PATH:LINE\tMSG\n" */
};

/* Each line of j->stray as a failed test case (all == false: only count them). */
static size_t stray_cases(const struct junit *j, FILE *out)
{
	size_t n = 0;
	for (const char *l = j->stray->p; l && *l; n++) {
		const char *tab = strchr(l, '\t'), *nl = strchr(l, '\n');
		if (out && tab && nl) {
			fputs("    <testcase", out);
			xattr(out, "name", sv_make(l, (size_t)(tab - l)));
			fputs(" classname=\"unannotated\"><failure", out);
			xattr(out, "message", sv_make(tab + 1, (size_t)(nl - tab - 1)));
			fputs(" type=\"mismatch\"/></testcase>\n", out);
		}
		l = nl ? nl + 1 : l + strlen(l);
	}
	return n;
}

/* The audit's complaint about a sample, or NULL when it was read whole. */
static const char *problem(const struct aud_result *res, const char *path)
{
	for (size_t i = 0; i < res->ninputs; i++)
		if (!strcmp(res->inputs[i].path, path) && !res->inputs[i].complete)
			return res->inputs[i].error ? res->inputs[i].error : "not read whole";
	return NULL;
}

/* sf_fn: the JUnit XML of the run (valid against junit-10.xsd). */
static int write_junit(void *arg, FILE *out)
{
	const struct junit *j = arg;
	const struct exp_set *set = j->set;
	size_t tests = 0, failures = 0, errors = 0;
	char name[64];

	for (size_t i = 0; i < set->n; i++) {
		tests++;
		failures += j->why[i].len > 0;
	}
	for (size_t f = 0; f < set->nfiles; f++) {
		tests += problem(j->res, set->files[f]) != NULL;
		errors += problem(j->res, set->files[f]) != NULL;
	}
	for (size_t c = 0; j->gap && c < j->pol->nchecks; c++) {
		tests += j->pol->checks[c].enabled;
		failures += j->gap[c].len > 0;
	}
	size_t nstray = stray_cases(j, NULL);
	tests += nstray;
	failures += nstray;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dpfaudit test\" "
		"tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", tests, failures, errors);
	for (size_t f = 0; f < set->nfiles; f++) {
		const char *bad = problem(j->res, set->files[f]);
		size_t t = bad != NULL, fl = 0;
		for (size_t i = 0; i < set->n; i++)
			if (set->v[i].file == f) {
				t++;
				fl += j->why[i].len > 0;
			}
		fputs("  <testsuite", out);
		xattr(out, "name", sv_cstr(set->files[f]));
		fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"0\">\n", t, fl,
			bad != NULL);
		if (bad) {
			fputs("    <testcase name=\"read whole\"", out);
			xattr(out, "classname", sv_cstr(set->files[f]));
			fputs("><error", out);
			xattr(out, "message", sv_cstr(bad));
			fputs(" type=\"incomplete\"/></testcase>\n", out);
		}
		for (size_t i = 0; i < set->n; i++) {
			const struct exp_entry *e = &set->v[i];
			if (e->file != f)
				continue;
			snprintf(name, sizeof(name), "line %llu", (unsigned long long)e->line);
			fputs("    <testcase", out);
			xattr(out, "name", sv_cstr(name));
			xattr(out, "classname", sv_cstr(set->files[f]));
			if (j->why[i].len) {
				fputs("><failure", out);
				xattr(out, "message", buf_sv(&j->why[i]));
				fputs(" type=\"mismatch\"/></testcase>\n", out);
			} else {
				fputs("/>\n", out);
			}
		}
		fputs("  </testsuite>\n", out);
	}
	if (nstray) {
		/* SPEC §6: a line without an expectation expects no finding. */
		fprintf(out, "  <testsuite name=\"unannotated lines\" tests=\"%zu\" failures=\"%zu\" "
			"errors=\"0\" skipped=\"0\">\n", nstray, nstray);
		stray_cases(j, out);
		fputs("  </testsuite>\n", out);
	}
	if (j->gap) {
		size_t t = 0, fl = 0, sk = 0;
		for (size_t c = 0; c < j->pol->nchecks; c++) {
			t += j->pol->checks[c].enabled;
			fl += j->gap[c].len > 0;
			sk += j->pol->checks[c].enabled && j->na[c];
		}
		fprintf(out, "  <testsuite name=\"coverage\" tests=\"%zu\" failures=\"%zu\" "
			"errors=\"0\" skipped=\"%zu\">\n", t, fl, sk);
		for (size_t c = 0; c < j->pol->nchecks; c++) {
			if (!j->pol->checks[c].enabled)
				continue;
			fputs("    <testcase", out);
			xattr(out, "name", sv_cstr(j->pol->checks[c].id));
			fputs(" classname=\"coverage\">", out);
			if (j->na[c]) {
				fputs("<skipped message=\"not required: these rules cannot make it fire\"/>", out);
			} else if (j->gap[c].len) {
				fputs("<failure", out);
				xattr(out, "message", buf_sv(&j->gap[c]));
				fputs(" type=\"coverage\"/>", out);
			}
			fputs("</testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return 0;
}

int cmd_test(int argc, char **argv, const char *argv0)
{
	struct test t;
	struct setup st;
	struct paths paths = PATHS_INIT;
	struct exp_set set = EXP_SET_INIT;
	struct aud_result res;
	struct diag err;
	struct seen *seen = NULL;
	struct buf *why = NULL, *gap = NULL, stray = BUF_INIT;
	bool *na = NULL;
	bool unreadable;
	int first, r;

	memset(&t, 0, sizeof(t));
	r = cli_parse("test", test_usage, test_opts, argc, argv, on_opt, &t, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (first >= argc) {
		error("test: no SAMPLE given\ntry 'dpfaudit test --help'");
		return DPF_EXIT_USAGE;
	}
	for (int i = first; i < argc; i++) {
		/* A sample is read twice (annotations, then the audit): a pipe cannot be. */
		if (!strcmp(argv[i], "-")) {
			error("test: a SAMPLE cannot be standard input; write it to a file");
			paths_release(&paths);
			return DPF_EXIT_USAGE;
		}
		if (paths_add(&paths, argv[i])) {
			error("test: out of memory");
			paths_release(&paths);
			return DPF_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < paths.nwarnings; i++)
		warning("%s", paths.warnings[i]);
	if (paths.n == 0) {
		error("test: no sample files found");
		paths_release(&paths);
		return DPF_EXIT_USAGE;
	}

	if (setup_load(&st, t.rules, t.nrules, argv0, &err)) {
		error("%s", err.msg);
		paths_release(&paths);
		return DPF_EXIT_USAGE;
	}
	if ((r = load_expectations(&set, &paths, st.pol, &unreadable)))
		goto out;
	if (set.n == 0 && !unreadable) {
		error("test: no '# expect:' annotations in the samples (nothing tested)");
		r = DPF_EXIT_USAGE;
		goto out;
	}

	seen = xcalloc(set.n, sizeof(*seen));
	why = xcalloc(set.n, sizeof(*why));
	gap = xcalloc(st.pol->nchecks, sizeof(*gap));
	na = xcalloc(st.pol->nchecks, sizeof(*na));
	struct observer obs = { &set, seen };
	/*
	 * An annotated line that does not parse is a mismatch with its
	 * file:line, and an unannotated one expects no finding and has none:
	 * a share of unparsed lines does not make the run incomplete.
	 */
	t.ao.max_unparsed_set = true;
	t.ao.max_unparsed = 10000;
	t.ao.on_event = observe;
	t.ao.on_skip = observe_skip;
	t.ao.on_event_arg = &obs;
	if (aud_run(st.pol, st.fmts, st.eng, (const char *const *)paths.v, paths.n, &t.ao, &res,
		    &err)) {
		error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	print_input_problems(&res);

	size_t passed, failed = compare(&set, seen, st.pol, &res.findings, &passed, why);
	failed += unannotated(&set, st.pol, &res.findings, &res, &stray);
	size_t gaps = t.coverage ? coverage(&set, seen, st.pol, gap, na) : 0;
	printf("%zu passed, %zu failed\n", passed, failed);

	if (res.incomplete || unreadable)
		r = DPF_EXIT_INCOMPLETE;
	else if (failed || gaps)
		r = DPF_EXIT_FINDINGS;
	else
		r = DPF_EXIT_OK;
	if (t.junit) {
		struct junit j = { &set, why, st.pol, t.coverage ? gap : NULL, na, &res, &stray };
		if (sf_write(t.junit, write_junit, &j, &err)) {
			error("%s", err.msg);
			r = DPF_EXIT_INCOMPLETE;
		}
	}
	aud_result_release(&res);
out:
	for (size_t i = 0; why && i < set.n; i++)
		buf_release(&why[i]);
	for (size_t c = 0; gap && c < st.pol->nchecks; c++)
		buf_release(&gap[c]);
	free(why);
	free(gap);
	buf_release(&stray);
	free(na);
	free(seen);
	exp_release(&set);
	setup_release(&st);
	paths_release(&paths);
	return r;
}
