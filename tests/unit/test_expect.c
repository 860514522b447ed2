/*
 * test_expect.c - `# expect:` annotations in sample logs (expect.h).
 *
 * Table-driven: each row is a sample's text and what exp_load() must make
 * of it, written as "LINE:ids;LINE:ids" (ids in the order of the id list,
 * "none" for an explicit empty set), or the status and a piece of the
 * first error.  Line numbers are those of lines.h, i.e. of the audit.
 */
#include <zlib.h>

#include "testutil.h"

#include "expect.h"
#include "policy.h"

static const char *const ids[] = {
	"no-business-reason",	/* 0 */
	"role-not-permitted",	/* 1 */
	"off-hours-access",	/* 2 */
	"unapproved-transfer",	/* 3 */
	"my-custom-check",	/* 4: a custom check from the rules */
};
#define NIDS (sizeof(ids) / sizeof(ids[0]))

/* A policy with just those checks: exp_load() knows the ids through it. */
static struct pol_check checks[NIDS];
static struct policy pol = { .checks = checks, .nchecks = NIDS };

static void pol_setup(void)
{
	for (size_t i = 0; i < NIDS; i++)
		checks[i].id = ids[i];
}

#define LOG "10.0.0.7 - mrossi [27/Nov/2026:03:14:07 +0000] \"GET /api/v1/customers/4711/email HTTP/1.1\" 200 71"

/* "LINE:id,id;LINE:none" for every entry of the set. */
static void describe(const struct exp_set *s, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		const struct exp_entry *e = &s->v[i];
		used += (size_t)snprintf(out + used, cap - used, "%s%llu:", i ? ";" : "",
					 (unsigned long long)e->line);
		if (e->n == 0)
			used += (size_t)snprintf(out + used, cap - used, "none");
		for (size_t k = 0; k < e->n; k++)
			used += (size_t)snprintf(out + used, cap - used, "%s%s", k ? "," : "",
						 ids[s->ids[e->first + k]]);
	}
}

static const struct {
	const char *name;
	const char *text;
	int status;
	const char *want;	/* entries (EXP_OK), or a piece of the first error */
} rows[] = {
	{ "one expect", "# expect: no-business-reason\n" LOG "\n", EXP_OK, "2:no-business-reason" },
	{ "spec example",
	  "# expect: no-business-reason, off-hours-access\n" LOG "\n# expect: none\n" LOG "\n",
	  EXP_OK, "2:no-business-reason,off-hours-access;4:none" },
	{ "unannotated lines are not stored", LOG "\n" LOG "\n# expect: none\n" LOG "\n" LOG "\n",
	  EXP_OK, "4:none" },
	{ "several expects accumulate, sorted, deduplicated",
	  "# expect: off-hours-access\n# expect: no-business-reason,off-hours-access\n" LOG "\n",
	  EXP_OK, "3:no-business-reason,off-hours-access" },
	{ "blank and comment lines between", "# expect: role-not-permitted\n\n   \n# a remark\n\t# another\n" LOG "\n",
	  EXP_OK, "6:role-not-permitted" },
	{ "none twice is still none", "# expect: none\n# expect: NONE\n" LOG "\n", EXP_OK, "3:none" },
	{ "trailing spaces and tabs", "# expect: no-business-reason , off-hours-access \t \n" LOG "\n",
	  EXP_OK, "2:no-business-reason,off-hours-access" },
	{ "white space as separator, no space after #",
	  "#expect:no-business-reason off-hours-access\n" LOG "\n", EXP_OK,
	  "2:no-business-reason,off-hours-access" },
	{ "space before the colon", "#  expect  : none\n" LOG "\n", EXP_OK, "2:none" },
	{ "remark after the list", "# expect: unapproved-transfer  # to an unknown host\n" LOG "\n",
	  EXP_OK, "2:unapproved-transfer" },
	{ "custom check id", "# expect: my-custom-check\n" LOG "\n", EXP_OK, "2:my-custom-check" },
	{ "check ids are case-insensitive", "# expect: No-Business-Reason\n" LOG "\n", EXP_OK,
	  "2:no-business-reason" },
	{ "CRLF line ends", "# expect: none\r\n\r\n" LOG "\r\n# expect: off-hours-access\r\n" LOG "\r\n",
	  EXP_OK, "3:none;5:off-hours-access" },
	{ "last line without newline", "# expect: none\n" LOG, EXP_OK, "2:none" },
	{ "other comments are no annotation",
	  "# expected results below\n# expectations: none\n# we expect: nothing\n" LOG "\n", EXP_OK, "" },
	{ "empty file", "", EXP_OK, "" },
	{ "unknown id, did you mean", "# expect: none\n" LOG "\n# expect: no-busines-reason\n" LOG "\n",
	  EXP_INVALID, ":3: unknown check 'no-busines-reason' (did you mean 'no-business-reason'?)" },
	{ "unknown id far from all", "# expect: zzz\n" LOG "\n", EXP_INVALID, ":1: unknown check 'zzz' (see" },
	{ "expect at end of file", LOG "\n# expect: none\n\n# trailing comment\n", EXP_INVALID,
	  ":2: expect with no log line after it" },
	{ "expect at end, no newline", LOG "\n# expect: none", EXP_INVALID,
	  ":2: expect with no log line after it" },
	{ "empty expectation", "# expect:   \n" LOG "\n", EXP_INVALID, ":1: empty expectation" },
	{ "none with a check, one line", "# expect: none, off-hours-access\n" LOG "\n", EXP_INVALID,
	  ":1: 'off-hours-access' expected for a log line already marked 'none'" },
	{ "a check then none, two lines", "# expect: off-hours-access\n# expect: none\n" LOG "\n",
	  EXP_INVALID, ":2: 'none' cannot be combined" },
	/* A JSON document of records: each record's own "# expect" key, by its index. */
	{ "document: per-record key",
	  "{\"Records\":[{\"# expect\":\"none\",\"a\":1},{\"a\":2},"
	  "{\"a\":3,\"# expect\":\"off-hours-access, No-Business-Reason # a remark\"}]}\n",
	  EXP_OK, "1:none;3:no-business-reason,off-hours-access" },
	{ "document: a nested \"# expect\" is data, not an annotation",
	  "{\"Records\":[{\"a\":{\"# expect\":\"none\"}},{\"# expect\":\"none\"}]}\n", EXP_OK, "2:none" },
	{ "document: not a string", "{\"Records\":[{\"# expect\":[\"none\"]}]}\n", EXP_INVALID,
	  ":1: the record's \"# expect\" must be a string" },
	{ "document: unknown id by record", "{\"Records\":[{\"a\":1},{\"# expect\":\"zzz\"}]}\n",
	  EXP_INVALID, ":2: unknown check 'zzz'" },
	{ "document: a '# expect' comment-like value in a JSON line is no annotation",
	  "{\"msg\":\"# expect: none\"}\n", EXP_OK, "" },
};

static char *write_text(const char *text)
{
	char *p = tu_write_tmp(text, strlen(text));
	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(test_rows)
{
	struct exp_set s = EXP_SET_INIT;
	struct diag err = { "" };
	char got[4096];
	char *path = write_text(rows[_i].text);

	int rc = exp_load(&s, path, &pol, &err);
	ck_assert_msg(rc == rows[_i].status, "%s: status %d, want %d (%s)", rows[_i].name, rc,
		      rows[_i].status, err.msg);
	ck_assert_uint_eq(s.nfiles, 1);
	if (rc == EXP_OK) {
		describe(&s, got, sizeof(got));
		ck_assert_msg(!strcmp(got, rows[_i].want), "%s: got '%s', want '%s'", rows[_i].name,
			      got, rows[_i].want);
		ck_assert_uint_eq(s.nerrors, 0);
	} else {
		/* The message names the file and line, and err holds the first error. */
		ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0, "%s: '%s'", rows[_i].name, err.msg);
		ck_assert_msg(strstr(err.msg, rows[_i].want) != NULL, "%s: error '%s' lacks '%s'",
			      rows[_i].name, err.msg, rows[_i].want);
		ck_assert_uint_ge(s.nerrors, 1);
		ck_assert_str_eq(s.errors[0], err.msg);
	}
	unlink(path);
	free(path);
	exp_release(&s);
}
END_TEST

/* Every bad annotation of a file is reported, not only the first. */
START_TEST(test_all_errors)
{
	struct exp_set s = EXP_SET_INIT;
	struct diag err;
	char *path = write_text("# expect: bogus\n" LOG "\n# expect: none\n" LOG "\n# expect: off-hour-access\n" LOG "\n# expect: none\n");

	ck_assert_int_eq(exp_load(&s, path, &pol, &err), EXP_INVALID);
	ck_assert_uint_eq(s.nerrors, 3);
	ck_assert_ptr_nonnull(strstr(s.errors[0], ":1: unknown check 'bogus'"));
	ck_assert_ptr_nonnull(strstr(s.errors[1], ":5: unknown check 'off-hour-access' (did you mean 'off-hours-access'?)"));
	ck_assert_ptr_nonnull(strstr(s.errors[2], ":7: expect with no log line after it"));
	unlink(path);
	free(path);
	exp_release(&s);
}
END_TEST

static char *write_gzip(const char *text, size_t cut)
{
	char tmpl[] = "/tmp/dpftest.XXXXXX";
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	close(fd);
	gzFile g = gzopen(tmpl, "wb");
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
	ck_assert_int_eq(gzclose(g), Z_OK);
	if (cut) {
		FILE *f = fopen(tmpl, "rb");
		char buf[65536];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ck_assert_uint_gt(n, cut);
		f = fopen(tmpl, "wb");
		fwrite(buf, 1, n - cut, f);
		fclose(f);
	}
	return strdup(tmpl);
}

START_TEST(test_gzip)
{
	struct exp_set s = EXP_SET_INIT;
	struct diag err;
	char got[256];
	char *path = write_gzip("# expect: none\r\n" LOG "\r\n\n# expect: off-hours-access\n" LOG "\n", 0);

	ck_assert_int_eq(exp_load(&s, path, &pol, &err), EXP_OK);
	describe(&s, got, sizeof(got));
	ck_assert_str_eq(got, "2:none;5:off-hours-access");
	unlink(path);
	free(path);
	exp_release(&s);
}
END_TEST

/*
 * A truncated gzip is unreadable (exit 3), what came before the damage is
 * kept, and the expectation the damage cut off is not blamed on the author.
 */
START_TEST(test_gzip_truncated)
{
	struct exp_set s = EXP_SET_INIT;
	struct diag err;
	char text[8192] = "# expect: none\n" LOG "\n";
	size_t used = strlen(text);
	/* Enough incompressible-ish lines that cutting the tail leaves the first one whole. */
	for (int i = 0; i < 60; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "# expect: none\n10.0.%d.%d - u%d [x] \"GET /%x\" 200 %d\n",
					 i, i * 7 % 255, i * 31, i * 2654435761u, i * 977);
	ck_assert_uint_lt(used, sizeof(text) - 1);
	char *path = write_gzip(text, 12);

	ck_assert_int_eq(exp_load(&s, path, &pol, &err), EXP_UNREADABLE);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_nonnull(strstr(err.msg, "byte "));
	ck_assert_uint_eq(s.nerrors, 0);
	ck_assert_uint_ge(s.n, 1);
	ck_assert_uint_eq(s.v[0].line, 2);
	unlink(path);
	free(path);
	exp_release(&s);
}
END_TEST

/* Files keep their index even when unreadable, so indexes match the audit's inputs. */
START_TEST(test_files_and_find)
{
	struct exp_set s = EXP_SET_INIT;
	struct diag err;
	char *a = write_text("# expect: none\n" LOG "\n# expect: off-hours-access\n" LOG "\n");
	char *b = write_text(LOG "\n# expect: role-not-permitted, no-business-reason\n" LOG "\n");

	ck_assert_int_eq(exp_load(&s, a, &pol, &err), EXP_OK);
	ck_assert_int_eq(exp_load(&s, "/nonexistent/dpf/sample.log", &pol, &err), EXP_UNREADABLE);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/dpf/sample.log: "));
	ck_assert_int_eq(exp_load(&s, b, &pol, &err), EXP_OK);
	ck_assert_uint_eq(s.nfiles, 3);
	ck_assert_str_eq(s.files[2], b);

	const struct exp_entry *e = exp_find(&s, 0, 2);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->n, 0);
	ck_assert_uint_eq(e->expect_line, 1);
	ck_assert_ptr_null(exp_find(&s, 0, 1));	/* the comment itself */
	ck_assert_ptr_null(exp_find(&s, 0, 3));
	e = exp_find(&s, 0, 4);
	ck_assert_ptr_nonnull(e);
	ck_assert(exp_expects(&s, e, 2));
	ck_assert(!exp_expects(&s, e, 0));
	ck_assert_ptr_null(exp_find(&s, 1, 2));
	ck_assert_ptr_null(exp_find(&s, 2, 1));	/* unannotated */
	e = exp_find(&s, 2, 3);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->file, 2);
	ck_assert_uint_eq(e->n, 2);
	ck_assert(exp_expects(&s, e, 0));
	ck_assert(exp_expects(&s, e, 1));
	ck_assert(!exp_expects(&s, e, 4));
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	exp_release(&s);
}
END_TEST

static Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, pol_setup, NULL);
	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_all_errors);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_gzip_truncated);
	tcase_add_test(tc, test_files_and_find);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(expect_suite)
