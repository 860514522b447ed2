/*
 * test_cli.c - option parsing (cli.h) and the audit options scan and trace
 * share (setup.h setup_opt): callbacks per option, operands, --help, the
 * messages and exit statuses of unknown options (with did-you-mean),
 * missing arguments and bad numbers, -j 0 refused, --max-line and --year
 * bounds, the shell-quoted command line reports record, and `dpfaudit
 * rules` (cmd_rules): --lint output and its refusals with exit 2.
 */
#include "testutil.h"

#include "audit.h"
#include "cli.h"
#include "cmd.h"
#include "setup.h"

static struct tu_cap cap;

enum { O_REPORT = 1, O_QUIET, O_RULES };

static const struct cli_opt opts[] = {
	{ O_REPORT, 0, "report", "FMT", "a report" },
	{ O_QUIET, 'q', "quiet", NULL, "be quiet" },
	{ O_RULES, 'r', "rules", "PATH", "rules file" },
	CLI_END
};

/* What the callback saw, in order: "id=val" joined by ';'. */
struct seen {
	char log[512];
	int stop_at;	/* an id whose callback returns 7 */
};

static int record(void *ctx, int id, const char *val)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);
	snprintf(s->log + n, sizeof(s->log) - n, "%d=%s;", id, val ? val : "-");
	return id == s->stop_at ? 7 : 0;
}

static int parse(int argc, char **argv, struct seen *s, int *first)
{
	return cli_parse("scan", "[options] FILE...", opts, argc, argv, record, s, first);
}

START_TEST(parse_hands_options_in_order)
{
	char *argv[] = { "scan", "-q", "--report", "json", "-r", "a.rules", "--rules=b.rules",
			 "log1", "log2", NULL };
	struct seen s = { "", 0 };
	int first = -1;
	ck_assert_int_eq(parse(9, argv, &s, &first), 0);
	ck_assert_str_eq(s.log, "2=-;1=json;3=a.rules;3=b.rules;");
	ck_assert_int_eq(first, 7);
	ck_assert_str_eq(argv[first], "log1");
}
END_TEST

START_TEST(parse_callback_status_stops)
{
	char *argv[] = { "scan", "-q", "--rules", "x", "--report", "json", NULL };
	struct seen s = { "", O_RULES };
	int first = -1;
	ck_assert_int_eq(parse(6, argv, &s, &first), 7);
	ck_assert_str_eq(s.log, "2=-;3=x;");	/* --report never reached */
}
END_TEST

START_TEST(parse_help_prints_table)
{
	char *argv[] = { "scan", "--help", NULL };
	struct seen s = { "", 0 };
	int first = -1;
	tu_cap_start(&cap, 1);
	int r = parse(2, argv, &s, &first);
	const char *out = tu_cap_end(&cap);
	ck_assert_int_eq(r, -2);
	ck_assert_str_eq(s.log, "");
	ck_assert_ptr_nonnull(strstr(out, "usage: dpfaudit scan [options] FILE...\n"));
	ck_assert_ptr_nonnull(strstr(out, "  -q, --quiet"));
	ck_assert_ptr_nonnull(strstr(out, "      --report FMT"));
	ck_assert_ptr_nonnull(strstr(out, "  -r, --rules PATH"));
	ck_assert_ptr_nonnull(strstr(out, "  -h, --help"));
}
END_TEST

/*
 * Parse argv (NULL-terminated), which must be refused with -1 (exit 2),
 * no option handed on, and "try 'dpfaudit scan --help'" after the error;
 * returns stderr.
 */
static const char *refused(char **argv)
{
	struct seen s = { "", 0 };
	int argc = 0, first = -1;
	while (argv[argc])
		argc++;
	tu_cap_start(&cap, 2);
	int r = parse(argc, argv, &s, &first);
	const char *err = tu_cap_end(&cap);
	ck_assert_int_eq(r, -1);
	ck_assert_str_eq(s.log, "");
	ck_assert_ptr_nonnull(strstr(err, "\ntry 'dpfaudit scan --help'\n"));
	return err;
}

START_TEST(parse_unknown_long_suggests)
{
	char *argv[] = { "scan", "--raport=json", "x", NULL };
	const char *err = refused(argv);
	ck_assert_ptr_nonnull(strstr(err, "scan: unknown option '--raport' (did you mean '--report'?)"));
}
END_TEST

START_TEST(parse_unknown_far_no_hint)
{
	char *argv[] = { "scan", "--zzzzzzzzzzzz", NULL };
	const char *err = refused(argv);
	ck_assert_ptr_nonnull(strstr(err, "scan: unknown option '--zzzzzzzzzzzz'"));
	ck_assert_ptr_null(strstr(err, "did you mean"));
}
END_TEST

START_TEST(parse_unknown_short)
{
	char *argv[] = { "scan", "-x", NULL };
	ck_assert_ptr_nonnull(strstr(refused(argv), "scan: unknown option '-x'"));
}
END_TEST

START_TEST(parse_missing_argument)
{
	char *argv[] = { "scan", "--report", NULL };
	ck_assert_ptr_nonnull(strstr(refused(argv), "scan: option '--report' needs an argument"));
}
END_TEST

START_TEST(uint_bounds)
{
	unsigned long v = 99;
	ck_assert_int_eq(cli_uint("scan", "--n", "0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cli_uint("scan", "--n", "10", 10, &v), 0);
	ck_assert_uint_eq(v, 10);
	static const char *const bad[] = { "11", "", "-1", "3x", "-0", "99999999999999999999999",
					     " 5", "+5", "\t5", "5 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		tu_cap_start(&cap, 2);
		int r = cli_uint("scan", "--n", bad[i], 10, &v);
		const char *err = tu_cap_end(&cap);
		ck_assert_msg(r == DPF_EXIT_USAGE, "'%s' accepted", bad[i]);
		ck_assert_uint_eq(v, 42);
		char want[128];
		snprintf(want, sizeof(want), "scan: --n: '%s' is not a number (0..10)", bad[i]);
		ck_assert_msg(strstr(err, want) != NULL, "'%s': %s", bad[i], err);
	}
}
END_TEST

START_TEST(jobs_refuses_zero)
{
	unsigned j = 5;
	ck_assert_int_eq(cli_jobs("scan", "1", &j), 0);
	ck_assert_uint_eq(j, 1);
	ck_assert_int_eq(cli_jobs("scan", "1024", &j), 0);
	ck_assert_uint_eq(j, CLI_MAX_JOBS);
	j = 5;
	tu_cap_start(&cap, 2);
	int r = cli_jobs("scan", "0", &j);
	const char *err = tu_cap_end(&cap);
	ck_assert_int_eq(r, DPF_EXIT_USAGE);
	ck_assert_uint_eq(j, 5);
	ck_assert_ptr_nonnull(strstr(err, "scan: --jobs: 0 is not a number of threads"));
	tu_cap_start(&cap, 2);
	r = cli_jobs("scan", "1025", &j);
	err = tu_cap_end(&cap);
	ck_assert_int_eq(r, DPF_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "'1025' is not a number (0..1024)"));
}
END_TEST

START_TEST(command_line_quotes)
{
	char *argv[] = { "/usr/bin/dpfaudit", "scan", "--since", "2026-12-01", "a b.log",
			 "it's", "", "x;y", NULL };
	char *s = cli_command_line(8, argv);
	ck_assert_str_eq(s, "dpfaudit scan --since 2026-12-01 'a b.log' 'it'\\''s' '' 'x;y'");
	free(s);
}
END_TEST

START_TEST(setup_opt_values)
{
	struct aud_options ao = { 0 };
	ck_assert_int_eq(setup_opt(&ao, "scan", SETUP_O_JOBS, "3"), 0);
	ck_assert_uint_eq(ao.jobs, 3);
	ck_assert_int_eq(setup_opt(&ao, "scan", SETUP_O_MAX_LINE, "64"), 0);
	ck_assert_uint_eq(ao.max_line, 64);
	ck_assert_int_eq(setup_opt(&ao, "scan", SETUP_O_MAX_LINE, "1073741824"), 0);
	ck_assert_uint_eq(ao.max_line, 1UL << 30);
	ck_assert_int_eq(setup_opt(&ao, "scan", SETUP_O_YEAR, "2026"), 0);
	ck_assert_int_eq(ao.year, 2026);
	/* Not one of setup's options: the caller's to handle. */
	ck_assert_int_eq(setup_opt(&ao, "scan", 200, "x"), 1);
}
END_TEST

START_TEST(setup_opt_refusals)
{
	static const struct {
		int id;
		const char *val, *want;
	} rows[] = {
		{ SETUP_O_JOBS, "0", "trace: --jobs: 0 is not a number of threads" },
		{ SETUP_O_MAX_LINE, "63", "trace: --max-line: at least 64 bytes" },
		{ SETUP_O_MAX_LINE, "1073741825", "trace: --max-line: '1073741825' is not a number (0..1073741824)" },
		{ SETUP_O_MAX_LINE, "1k", "trace: --max-line: '1k' is not a number" },
		{ SETUP_O_YEAR, "10000", "trace: --year: '10000' is not a number (0..9999)" },
		{ SETUP_O_YEAR, "twenty", "trace: --year: 'twenty' is not a number" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct aud_options ao = { .jobs = 9, .max_line = 777, .year = 1999 };
		tu_cap_start(&cap, 2);
		int r = setup_opt(&ao, "trace", rows[i].id, rows[i].val);
		const char *err = tu_cap_end(&cap);
		ck_assert_msg(r == DPF_EXIT_USAGE, "row %zu: %d", i, r);
		ck_assert_msg(strstr(err, rows[i].want) != NULL, "row %zu: %s", i, err);
		ck_assert_uint_eq(ao.jobs, 9);
		ck_assert_uint_eq(ao.max_line, 777);
		ck_assert_int_eq(ao.year, 1999);
	}
}
END_TEST

/* `dpfaudit rules` (cmd_rules): its exit status and what it prints. */
static const char rules_text[] =
	"[category phone]\n"
	"resource = ^/people/(?<subject>\\d+)/phone\n"
	"[purpose billing]\n"
	"reason = ^INV-\\d+$\n";

START_TEST(rules_lint_summary)
{
	char *path = tu_write_tmp(rules_text, sizeof(rules_text) - 1);
	ck_assert_ptr_nonnull(path);
	char *argv[] = { "rules", "--lint", "-r", path, NULL };
	tu_cap_start(&cap, 1);
	int r = cmd_rules(4, argv, "dpfaudit");
	const char *out = tu_cap_end(&cap);
	ck_assert_int_eq(r, DPF_EXIT_OK);
	/* Warnings (file:line) do not fail the rules; the summary comes last. */
	char want[160];
	snprintf(want, sizeof(want), "warning: %s:1: category 'phone' may be read by no role", path);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	snprintf(want, sizeof(want), "\n%s: 1 rule file, 1 categories, 1 purposes, 0 roles, ", path);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	const char *tail = " checks: ok, 2 warnings\n";
	ck_assert_uint_ge(strlen(out), strlen(tail));
	ck_assert_str_eq(out + strlen(out) - strlen(tail), tail);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(rules_refusals)
{
	char bad_text[] = "[category email]\nresource = ^/c/(\n";
	char *bad = tu_write_tmp(bad_text, sizeof(bad_text) - 1);
	ck_assert_ptr_nonnull(bad);
	char *stray[] = { "rules", "extra.rules", NULL };
	char *missing[] = { "rules", "-r", "/nonexistent/dpf.rules", NULL };
	char *broken[] = { "rules", "--lint", "-r", bad, NULL };
	char *unknown[] = { "rules", "--lnt", NULL };
	const struct {
		char **argv;
		int argc;
		const char *want;
	} rows[] = {
		{ stray, 2, "rules: unexpected argument 'extra.rules' (rule paths go after --rules)" },
		{ missing, 3, "/nonexistent/dpf.rules" },
		{ broken, 4, ":2:" },	/* file and line of the bad regex */
		{ unknown, 2, "rules: unknown option '--lnt' (did you mean '--lint'?)" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tu_cap_start(&cap, 2);
		int r = cmd_rules(rows[i].argc, rows[i].argv, "dpfaudit");
		const char *err = tu_cap_end(&cap);
		ck_assert_msg(r == DPF_EXIT_USAGE, "row %zu: exit %d", i, r);
		ck_assert_msg(strstr(err, rows[i].want) != NULL, "row %zu: %s", i, err);
	}
	unlink(bad);
	free(bad);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parse_hands_options_in_order);
	tcase_add_test(tc, parse_callback_status_stops);
	tcase_add_test(tc, parse_help_prints_table);
	tcase_add_test(tc, parse_unknown_long_suggests);
	tcase_add_test(tc, parse_unknown_far_no_hint);
	tcase_add_test(tc, parse_unknown_short);
	tcase_add_test(tc, parse_missing_argument);
	tcase_add_test(tc, uint_bounds);
	tcase_add_test(tc, jobs_refuses_zero);
	tcase_add_test(tc, command_line_quotes);
	tcase_add_test(tc, setup_opt_values);
	tcase_add_test(tc, setup_opt_refusals);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_add_test(tc, rules_lint_summary);
	tcase_add_test(tc, rules_refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cli_suite)
