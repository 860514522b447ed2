/*
 * test_outcome.c - the end of a run (outcome.h) and progress (progress.h):
 * the options scan and merge share and their refusals, the exit status
 * for each run result and --fail-on (SPEC §2, §5), and the progress line:
 * nothing when disabled, drawn in place on stderr, erased at the end.
 */
#include "testutil.h"

#include <time.h>

#include "checks.h"
#include "outcome.h"
#include "policy.h"
#include "report.h"
#include "progress.h"

static struct tu_cap cap;

/* Run out_opt expecting a refusal whose message contains want. */
static void refused(int id, const char *val, const char *want)
{
	struct out_opts o = { 0 };
	tu_cap_start(&cap, 2);
	int r = out_opt(&o, "merge", id, val);
	const char *err = tu_cap_end(&cap);
	ck_assert_msg(r == DPF_EXIT_USAGE, "'%s' accepted (%d)", val, r);
	ck_assert_msg(strstr(err, want) != NULL, "'%s': %s", val, err);
}

START_TEST(opt_values)
{
	struct out_opts o = { 0 };
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_FAIL_ON, "high"), 0);
	ck_assert_int_eq(o.fail_on, SEV_HIGH);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_FAIL_ON, "info"), 0);	/* low's alias */
	ck_assert_int_eq(o.fail_on, SEV_LOW);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_DETAIL, "high"), 0);
	ck_assert_int_eq(o.detail, REP_DETAIL_HIGH);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_DETAIL, "low"), 0);
	ck_assert_int_eq(o.detail, REP_DETAIL_LOW);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_COLOR, "never"), 0);
	ck_assert_int_eq(o.color, OUT_COLOR_NEVER);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_COLOR, "always"), 0);
	ck_assert_int_eq(o.color, OUT_COLOR_ALWAYS);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_USER, "mrossi"), 0);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_USER, "jdoe"), 0);
	ck_assert_uint_eq(o.nusers, 2);
	ck_assert_str_eq(o.users[1], "jdoe");
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_MAX_UNPARSED, "0.5%"), 0);
	ck_assert(o.max_unparsed_set);
	ck_assert_uint_eq(o.max_unparsed, 50);	/* hundredths of a percent */
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_REPORT, "json:out.json"), 0);
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_REPORT, "text"), 0);
	ck_assert_uint_eq(o.nreports, 2);
	ck_assert_str_eq(o.reports[0].w->name, "json");
	ck_assert_str_eq(o.reports[0].path, "out.json");
	ck_assert_str_eq(o.reports[1].w->name, "text");
	ck_assert_ptr_null(o.reports[1].path);	/* standard output */
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_NO_REDACT, NULL), 0);
	ck_assert(o.no_redact);
	/* Not one of the shared options: the command's own. */
	ck_assert_int_eq(out_opt(&o, "scan", 300, "4"), 1);
}
END_TEST

START_TEST(opt_refusals)
{
	refused(OUT_O_FAIL_ON, "severe", "merge: --fail-on: unknown severity 'severe' (expected low, medium, high or critical)");
	refused(OUT_O_DETAIL, "quiet", "merge: --detail: unknown level 'quiet'");
	refused(OUT_O_DETAIL, "max", "merge: --detail: unknown level 'max'");
	refused(OUT_O_COLOR, "yes", "merge: --color: unknown value 'yes' (expected auto, always or never)");
	refused(OUT_O_REPORT, "xml:a.xml", "merge: unknown report format 'xml' (expected ");
	refused(OUT_O_MAX_UNPARSED, "101%", "merge: --max-unparsed: '101%' is not a share from 0% to 100%");
	refused(OUT_O_MAX_UNPARSED, "lots", "merge: --max-unparsed: 'lots' is not a share");
}
END_TEST

START_TEST(opt_list_limit)
{
	static struct out_opts o;
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < OUT_MAX_LIST; i++)
		ck_assert_int_eq(out_opt(&o, "scan", OUT_O_ROLE, "dba"), 0);
	tu_cap_start(&cap, 2);
	int r = out_opt(&o, "scan", OUT_O_ROLE, "dba");
	const char *err = tu_cap_end(&cap);
	ck_assert_int_eq(r, DPF_EXIT_USAGE);
	ck_assert_uint_eq(o.nroles, OUT_MAX_LIST);
	ck_assert_ptr_nonnull(strstr(err, "scan: too many --role (at most 256)"));
}
END_TEST

/* A run result: records and personal-data reads, and findings by severity. */
static struct aud_result res;

static void result(uint64_t records, uint64_t pd_reads, bool incomplete)
{
	fnd_release(&res.findings);
	memset(&res, 0, sizeof(res));
	res.records = records;
	res.parsed = records;
	res.pd_reads = pd_reads;
	res.incomplete = incomplete;
}

static void finding(enum sev sev, bool suppressed)
{
	struct finding f = { 0 };
	f.check = CHK_NO_BUSINESS_REASON;
	f.severity = sev;
	f.user = sv_cstr("mrossi");
	f.suppressed = suppressed;
	f.line = res.findings.n + 1;
	fnd_add(&res.findings, &f);
}

static void res_teardown(void)
{
	fnd_release(&res.findings);
	memset(&res, 0, sizeof(res));
}

START_TEST(status_by_result)
{
	/* A clean complete audit passes, with or without --fail-on. */
	result(10, 4, false);
	ck_assert_int_eq(out_status(&res, SEV_NONE, DPF_EXIT_OK), DPF_EXIT_OK);
	ck_assert_int_eq(out_status(&res, SEV_LOW, DPF_EXIT_OK), DPF_EXIT_OK);
	/* A report that could not be written whole: incomplete. */
	ck_assert_int_eq(out_status(&res, SEV_NONE, DPF_EXIT_INCOMPLETE), DPF_EXIT_INCOMPLETE);
	/* Nothing audited is incomplete, even without --fail-on. */
	result(0, 0, false);
	ck_assert_int_eq(out_status(&res, SEV_NONE, DPF_EXIT_OK), DPF_EXIT_INCOMPLETE);
	/* An input not read whole is incomplete. */
	result(10, 4, true);
	ck_assert_int_eq(out_status(&res, SEV_NONE, DPF_EXIT_OK), DPF_EXIT_INCOMPLETE);
	/* No personal-data read: NOT ASSESSED fails the gate only when one is set. */
	result(10, 0, false);
	ck_assert_int_eq(out_status(&res, SEV_NONE, DPF_EXIT_OK), DPF_EXIT_OK);
	ck_assert_int_eq(out_status(&res, SEV_HIGH, DPF_EXIT_OK), DPF_EXIT_INCOMPLETE);
}
END_TEST

START_TEST(status_by_fail_on)
{
	result(10, 4, false);
	finding(SEV_MEDIUM, false);
	finding(SEV_CRITICAL, true);	/* suppressed by the baseline: does not count */
	/* Findings alone do not fail a run: only --fail-on makes them. */
	ck_assert_int_eq(out_status(&res, SEV_NONE, DPF_EXIT_OK), DPF_EXIT_OK);
	ck_assert_int_eq(out_status(&res, SEV_LOW, DPF_EXIT_OK), DPF_EXIT_FINDINGS);
	ck_assert_int_eq(out_status(&res, SEV_MEDIUM, DPF_EXIT_OK), DPF_EXIT_FINDINGS);
	ck_assert_int_eq(out_status(&res, SEV_HIGH, DPF_EXIT_OK), DPF_EXIT_OK);
	ck_assert_int_eq(out_status(&res, SEV_CRITICAL, DPF_EXIT_OK), DPF_EXIT_OK);
	/* 3 beats 1: a failing finding in an incomplete run or report. */
	ck_assert_int_eq(out_status(&res, SEV_LOW, DPF_EXIT_INCOMPLETE), DPF_EXIT_INCOMPLETE);
	res.incomplete = true;
	ck_assert_int_eq(out_status(&res, SEV_LOW, DPF_EXIT_OK), DPF_EXIT_INCOMPLETE);
}
END_TEST

/*
 * Whether out_write() made the findings' groups for these reports (files
 * in a new directory when file, else on standard output, captured).
 */
static bool grouped(const struct rep_writer *const *w, size_t n, bool file, bool quiet)
{
	char dir[] = "/tmp/dpfoutXXXXXX", paths[4][64];
	struct out_report reps[4];
	struct out_counts counts = { 0 };
	struct out_job job;
	struct pol_check checks[CHK_BUILTIN_COUNT];
	struct policy pol = { 0 };

	for (int i = 0; i < CHK_BUILTIN_COUNT; i++)	/* the fingerprints name the check */
		checks[i] = (struct pol_check){ .id = chk_info((enum chk_id)i)->id, .enabled = true };
	pol.checks = checks;
	pol.nchecks = CHK_BUILTIN_COUNT;
	ck_assert_uint_le(n, 4);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/r%zu.%s", dir, i, w[i]->ext);
		reps[i] = (struct out_report){ w[i], file ? paths[i] : NULL };
	}
	job = (struct out_job){ .pol = &pol, .res = &res, .reports = reps, .nreports = n,
				.redact = true, .fail_on = SEV_LOW, .quiet = quiet,
				.color = OUT_COLOR_NEVER, .counts = &counts };
	tu_cap_start(&cap, 1);
	int r = out_write(&job);
	tu_cap_end(&cap);
	ck_assert_int_eq(r, DPF_EXIT_OK);
	ck_assert(counts.valid);
	ck_assert_uint_eq(counts.findings, 2);
	for (size_t i = 0; file && i < n; i++)
		unlink(paths[i]);
	rmdir(dir);
	return counts.grouped;
}

/*
 * The groups of the findings are made only when a report written reads
 * them: JSON, HTML, Markdown, and the text report past its headline (a
 * text report file is whole under --quiet); CSV, SARIF, JUnit and the
 * headline alone (-q) do not.
 */
START_TEST(groups_only_for_reports_that_read_them)
{
	static const struct rep_writer *const text[] = { &rep_text },
					      *const csv[] = { &rep_csv },
					      *const ci[] = { &rep_sarif, &rep_junit, &rep_csv },
					      *const json[] = { &rep_csv, &rep_json },
					      *const html[] = { &rep_html },
					      *const md[] = { &rep_sarif, &rep_markdown };
	result(10, 4, false);
	finding(SEV_MEDIUM, false);
	finding(SEV_HIGH, false);
	ck_assert(!grouped(csv, 1, true, false));
	ck_assert(!grouped(ci, 3, true, false));
	ck_assert(!grouped(text, 1, false, true));	/* -q: the headline */
	ck_assert(grouped(text, 1, false, false));
	ck_assert(grouped(text, 1, true, true));	/* a file: whole under -q */
	ck_assert(grouped(json, 2, true, false));
	ck_assert(grouped(html, 1, true, false));
	ck_assert(grouped(md, 2, true, false));
}
END_TEST

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts))
		;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

START_TEST(progress_disabled_is_silent)
{
	tu_cap_start(&cap, 2);
	struct progress *p = progress_start(false, 1000);
	progress_add(p, 500, 5);
	sleep_ms(300);
	progress_stop(p);
	const char *err = tu_cap_end(&cap);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(progress_draws_in_place)
{
	tu_cap_start(&cap, 2);
	long t0 = now_ms();
	struct progress *p = progress_start(true, 1024);
	ck_assert_ptr_nonnull(p);
	progress_add(p, 256, 4);
	progress_add(p, 256, 6);
	sleep_ms(650);
	long ran = now_ms() - t0;	/* more than 650 on a loaded machine */
	progress_stop(p);
	const char *err = tu_cap_end(&cap);
	ck_assert_msg(strstr(err, "\r\033[Kscanning: 512.0 B of 1.0 KiB (50%), 10 lines, ") != NULL,
		      "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "s left"));
	/* Four times a second, not on every add: 2 lines in 650 ms (one more where a wake-up meets the stop). */
	size_t n = count(err, "scanning:");
	ck_assert_msg(n >= 1 && n <= (size_t)(ran / 250) + 1, "%zu lines drawn in %ld ms", n, ran);
	/* No newline: the line is redrawn in place and erased at the end. */
	ck_assert_ptr_null(strchr(err, '\n'));
	size_t len = strlen(err);
	ck_assert_uint_ge(len, 4);
	ck_assert_str_eq(err + len - 4, "\r\033[K");
}
END_TEST

START_TEST(progress_unknown_total)
{
	/*
	 * The drawing thread draws a quarter second in; a loaded machine may
	 * not run it within 400 ms, so a run that drew nothing is tried again
	 * with longer waits.  What it draws is checked every time.
	 */
	static const int waits[] = { 400, 1500, 5000 };
	const char *err = "";
	for (size_t attempt = 0; attempt < sizeof(waits) / sizeof(waits[0]); attempt++) {
		tu_cap_start(&cap, 2);
		struct progress *p = progress_start(true, 0);
		progress_add(p, 3 * 1024 * 1024, 3);
		sleep_ms(waits[attempt]);
		progress_stop(p);
		err = tu_cap_end(&cap);
		ck_assert_ptr_null(strstr(err, " of "));
		ck_assert_ptr_null(strstr(err, "left"));
		if (strstr(err, "scanning: ") == NULL)
			continue;
		ck_assert_msg(strstr(err, "\r\033[Kscanning: 3.0 MiB, 3 lines, ") != NULL, "%s", err);
		return;
	}
	ck_abort_msg("the progress line was never drawn: %s", err);
}
END_TEST

START_TEST(progress_stop_right_away)
{
	/*
	 * A run shorter than a quarter second draws nothing but the erase,
	 * even when the drawing thread wakes after the stop.
	 */
	long ran = 0;
	/* A machine loaded enough to stretch 100 ms past 200 ms gets three tries. */
	for (int attempt = 0; attempt < 3; attempt++) {
		tu_cap_start(&cap, 2);
		long t0 = now_ms();
		struct progress *p = progress_start(true, 100);
		progress_add(p, 100, 1);
		sleep_ms(100);
		ran = now_ms() - t0;
		progress_stop(p);
		const char *err = tu_cap_end(&cap);
		if (ran >= 200)
			continue;
		ck_assert_str_eq(err, "\r\033[K");
		return;
	}
	ck_abort_msg("no run of the three stopped within 200 ms (last: %ld ms)", ran);
}
END_TEST

/* Which reports show the inputs' raw digests, so that scan hashes the files only for them. */
START_TEST(opt_input_digests)
{
	static struct out_opts o;
	memset(&o, 0, sizeof(o));
	ck_assert(!out_shows_input_digests(&o));	/* the text report, medium */
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_DETAIL, "high"), 0);
	ck_assert(out_shows_input_digests(&o));		/* text on stdout, high */
	memset(&o, 0, sizeof(o));
	const char *none[] = { "csv:a.csv", "html:a.html", "junit:a.xml", "markdown:a.md", "text:a.txt" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		ck_assert_int_eq(out_opt(&o, "scan", OUT_O_REPORT, none[i]), 0);
	ck_assert(!out_shows_input_digests(&o));
	ck_assert_int_eq(out_opt(&o, "scan", OUT_O_DETAIL, "high"), 0);
	ck_assert(out_shows_input_digests(&o));		/* text:a.txt at high */
	const char *each[] = { "json:b.json", "sarif:b.sarif" };
	for (size_t i = 0; i < 2; i++) {
		memset(&o, 0, sizeof(o));
		ck_assert_int_eq(out_opt(&o, "scan", OUT_O_REPORT, "csv:a.csv"), 0);
		ck_assert_int_eq(out_opt(&o, "scan", OUT_O_REPORT, each[i]), 0);
		ck_assert(out_shows_input_digests(&o));
	}
}
END_TEST

static Suite *outcome_suite(void)
{
	Suite *s = suite_create("outcome");
	TCase *tc = tcase_create("opts");
	tcase_add_test(tc, opt_values);
	tcase_add_test(tc, opt_refusals);
	tcase_add_test(tc, opt_list_limit);
	tcase_add_test(tc, opt_input_digests);
	suite_add_tcase(s, tc);
	tc = tcase_create("status");
	tcase_add_checked_fixture(tc, NULL, res_teardown);
	tcase_add_test(tc, status_by_result);
	tcase_add_test(tc, status_by_fail_on);
	tcase_add_test(tc, groups_only_for_reports_that_read_them);
	suite_add_tcase(s, tc);
	tc = tcase_create("progress");
	tcase_add_test(tc, progress_disabled_is_silent);
	tcase_add_test(tc, progress_draws_in_place);
	tcase_add_test(tc, progress_unknown_total);
	tcase_add_test(tc, progress_stop_right_away);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(outcome_suite)
