/*
 * test_evidence.c - evidence CSV loading, lookups, verification, inference.
 */
#include <stdint.h>

#include "evidence.h"
#include "testutil.h"
#include "timeutil.h"

static int64_t iso(const char *s)
{
	int64_t t = 0;
	ck_assert_msg(tu_parse_iso8601(sv_cstr(s), &t), "bad test time %s", s);
	return t;
}

static struct evd_index *load_text(const char *text, const char *key, char **pathp, struct diag *err)
{
	char *path = tu_write_tmp(text, strlen(text));
	ck_assert_ptr_nonnull(path);
	struct evd_index *x = evd_load(path, key, err);
	if (pathp)
		*pathp = path;
	else {
		unlink(path);
		free(path);
	}
	return x;
}

static const char tickets[] =
	"id,subject,assignee,opened,closed\n"
	"TICKET-88,4711,mrossi,2026-11-27T08:00:00Z,2026-11-27T12:00:00Z\n"
	"TICKET-89,4711,jdoe,2026-11-20T00:00:00Z,\n"
	"CASE-7,6000,mrossi,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n"
	"CASE-8,6000,mrossi,2026-11-26T00:00:00+01:00,2026-11-28T00:00:00Z\n"
	"CASE-9,6000,mrossi,2026-11-29T00:00:00Z,\n"
	"TICKET-88,9999,jdoe,2026-01-01T00:00:00Z,\n";

/* ---- verification: every verdict and the boundaries of "open" ---------- */

static const struct {
	const char *key, *subject, *user, *time;
	enum evd_verdict want;
} verify_rows[] = {
	{ "TICKET-88", "4711", "mrossi", "2026-11-27T10:00:00Z", EVD_OK },
	{ "TICKET-88", "4711", "mrossi", "2026-11-27T08:00:00Z", EVD_OK },	/* the instant it opens */
	{ "TICKET-88", "4711", "mrossi", "2026-11-27T12:00:00Z", EVD_OK },	/* the instant it closes */
	{ "TICKET-88", "4711", "mrossi", "2026-11-27T12:00:01Z", EVD_NOT_OPEN },
	{ "TICKET-88", "4711", "mrossi", "2026-11-27T07:59:59Z", EVD_NOT_OPEN },
	{ "TICKET-89", "4711", "jdoe", "2030-01-01T00:00:00Z", EVD_OK },	/* empty closed: open */
	{ "TICKET-89", "4711", "jdoe", "2026-11-19T23:59:59Z", EVD_NOT_OPEN },
	{ "TICKET-999", "4711", "mrossi", "2026-11-27T10:00:00Z", EVD_MISSING },
	{ "ticket-88", "4711", "mrossi", "2026-11-27T10:00:00Z", EVD_MISSING },	/* keys are exact */
	{ "TICKET-88", "4712", "mrossi", "2026-11-27T10:00:00Z", EVD_OTHER_SUBJECT },
	{ "TICKET-89", "4711", "mrossi", "2026-11-27T10:00:00Z", EVD_OTHER_ASSIGNEE },
	/* Order of the checks: subject before assignee before time. */
	{ "TICKET-89", "1", "mrossi", "2000-01-01T00:00:00Z", EVD_OTHER_SUBJECT },
	{ "TICKET-88", "4711", "jdoe", "2000-01-01T00:00:00Z", EVD_OTHER_ASSIGNEE },
	/* A duplicate key: the first record counts. */
	{ "TICKET-88", "9999", "jdoe", "2026-11-27T10:00:00Z", EVD_OTHER_SUBJECT },
};

START_TEST(test_verify)
{
	struct diag err = { "" };
	struct evd_index *x = load_text(tickets, NULL, NULL, &err);
	ck_assert_msg(x != NULL, "%s", err.msg);
	ck_assert_uint_eq(evd_count(x), 6);
	const struct evd_record *rec = NULL;
	enum evd_verdict v = evd_verify(x, sv_cstr(verify_rows[_i].key), sv_cstr(verify_rows[_i].subject),
					sv_cstr(verify_rows[_i].user), iso(verify_rows[_i].time), 0, &rec);
	ck_assert_msg(v == verify_rows[_i].want, "row %d: got %s, want %s", _i,
		      evd_verdict_text(v), evd_verdict_text(verify_rows[_i].want));
	if (v == EVD_MISSING)
		ck_assert_ptr_null(rec);
	else
		ck_assert(sv_eq_cstr(rec->key, verify_rows[_i].key));
	evd_free(x);
}
END_TEST

/* ---- inference: several records per (subject, assignee) --------------- */

static const struct {
	const char *subject, *user, *time;
	const char *want;	/* key of the record found, or NULL */
} infer_rows[] = {
	{ "6000", "mrossi", "2026-11-27T10:00:00Z", "CASE-8" },	/* the one open at t of three */
	{ "6000", "mrossi", "2026-11-01T12:00:00Z", "CASE-7" },
	{ "6000", "mrossi", "2026-11-25T23:00:00Z", "CASE-8" },	/* opened at +01:00: 23:00Z */
	{ "6000", "mrossi", "2026-11-25T22:59:59Z", NULL },
	{ "6000", "mrossi", "2026-11-28T12:00:00Z", NULL },	/* between CASE-8 and CASE-9 */
	{ "6000", "mrossi", "2026-11-29T00:00:00Z", "CASE-9" },
	{ "6000", "jdoe", "2026-11-27T10:00:00Z", NULL },	/* another user */
	{ "4711", "mrossi", "2026-11-27T12:00:00Z", "TICKET-88" },
	{ "4711", "mrossi", "2026-11-27T12:00:01Z", NULL },
	{ "9999", "jdoe", "2026-11-27T12:00:01Z", "TICKET-88" },	/* a duplicate key still infers */
	{ "", "mrossi", "2026-11-27T10:00:00Z", NULL },
};

START_TEST(test_infer)
{
	struct diag err = { "" };
	struct evd_index *x = load_text(tickets, "id", NULL, &err);
	ck_assert_msg(x != NULL, "%s", err.msg);
	const struct evd_record *rec = NULL;
	bool ok = evd_infer(x, sv_cstr(infer_rows[_i].subject), sv_cstr(infer_rows[_i].user),
			    iso(infer_rows[_i].time), 0, &rec);
	if (infer_rows[_i].want) {
		ck_assert_msg(ok, "row %d: nothing inferred", _i);
		ck_assert_msg(sv_eq_cstr(rec->key, infer_rows[_i].want), "row %d: got %.*s", _i,
			      (int)rec->key.n, rec->key.p);
	} else {
		ck_assert_msg(!ok, "row %d: inferred %.*s", _i, (int)rec->key.n, rec->key.p);
		ck_assert_ptr_null(rec);
	}
	evd_free(x);
}
END_TEST

/* ---- CSV dialect --------------------------------------------------------- */

START_TEST(test_csv_quoting)
{
	static const char text[] =
		"\xef\xbb\xbf" "Closed,Assignee,extra,Subject,opened,ticket\r\n"
		",mrossi,\"a, b\",4711,2026-11-27T08:00:00Z,\"T,1\"\r\n"
		"\r\n"
		"\"2026-11-28T00:00:00Z\",\"j\"\"doe\",\"multi\nline\", 42 ,2026-11-27,T-2\r\n"
		",\"\",,\"\",,T-3";	/* no newline at the end; empty fields */
	struct diag err = { "" };
	struct evd_index *x = load_text(text, "ticket", NULL, &err);
	ck_assert_msg(x != NULL, "%s", err.msg);
	ck_assert_uint_eq(evd_count(x), 3);

	const struct evd_record *r = evd_find(x, SV_LIT("T,1"));
	ck_assert_ptr_nonnull(r);
	ck_assert(sv_eq_cstr(r->subject, "4711"));
	ck_assert(sv_eq_cstr(r->assignee, "mrossi"));
	ck_assert_int_eq(r->opened, iso("2026-11-27T08:00:00Z"));
	ck_assert(r->closed == INT64_MAX);

	r = evd_find(x, SV_LIT("T-2"));
	ck_assert_ptr_nonnull(r);
	ck_assert(sv_eq_cstr(r->assignee, "j\"doe"));
	ck_assert(sv_eq_cstr(r->subject, "42"));	/* blanks around unquoted fields trimmed */
	ck_assert_int_eq(r->opened, iso("2026-11-27T00:00:00Z"));
	ck_assert_int_eq(r->closed, iso("2026-11-28T00:00:00Z"));

	r = evd_find(x, SV_LIT("T-3"));
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->subject.n, 0);
	ck_assert(r->opened == INT64_MIN);
	ck_assert(r->closed == INT64_MAX);
	ck_assert_ptr_null(evd_find(x, SV_LIT("T")));
	ck_assert_ptr_null(evd_find(x, SV_LIT("T-2\r")));
	evd_free(x);
}
END_TEST

START_TEST(test_empty_table)
{
	struct diag err = { "" };
	struct evd_index *x = load_text("id,subject,assignee,opened,closed\n", NULL, NULL, &err);
	ck_assert_msg(x != NULL, "%s", err.msg);
	ck_assert_uint_eq(evd_count(x), 0);
	ck_assert_ptr_null(evd_find(x, SV_LIT("T-1")));
	ck_assert_int_eq(evd_verify(x, SV_LIT("T-1"), SV_LIT("1"), SV_LIT("u"), 0, 0, NULL), EVD_MISSING);
	ck_assert(!evd_infer(x, SV_LIT("1"), SV_LIT("u"), 0, 0, NULL));
	evd_free(x);
}
END_TEST

/* ---- errors name path:line ------------------------------------------------ */

static const struct {
	const char *text, *key;
	int line;
	const char *want;
} error_rows[] = {
	{ "id,subject,opened,closed\nT-1,1,2026-11-27,\n", NULL, 1, "missing column 'assignee'" },
	{ "ticket,subject,assignee,opened,closed\n", NULL, 1, "missing column 'id'" },
	{ "id,subject,assignee,opened,closed\n", "ticket", 1, "missing column 'ticket'" },
	{ "id,subject,assignee,opened,closed\nT-1,1,u,2026-11-27,\nT-2,1,u,27/11/2026,\n", NULL, 3,
	  "bad date '27/11/2026' in column 'opened'" },
	{ "id,subject,assignee,opened,closed\nT-1,1,u,,yesterday\n", NULL, 2,
	  "bad date 'yesterday' in column 'closed'" },
	{ "id,subject,assignee,opened,closed\nT-1,1,u,2026-11-27\n", NULL, 2, "expected at least 5 fields, got 4" },
	/* A quoted newline advances the line count of what follows. */
	{ "id,subject,assignee,opened,closed\n\"T\n1\",1,u,,\nT-2,1\n", NULL, 4, "expected at least 5 fields" },
	{ "id,subject,assignee,opened,closed\nT-1,\"1,u,,\n", NULL, 2, "unterminated quoted field" },
	{ "", NULL, 1, "empty evidence file" },
};

START_TEST(test_errors)
{
	struct diag err = { "" };
	char *path = NULL;
	struct evd_index *x = load_text(error_rows[_i].text, error_rows[_i].key, &path, &err);
	ck_assert_msg(x == NULL, "row %d loaded", _i);
	char want[512];
	snprintf(want, sizeof(want), "%s:%d: ", path, error_rows[_i].line);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "row %d: '%s' does not start with '%s'",
		      _i, err.msg, want);
	ck_assert_msg(strstr(err.msg, error_rows[_i].want), "row %d: '%s' lacks '%s'", _i, err.msg,
		      error_rows[_i].want);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_missing_file)
{
	struct diag err = { "" };
	ck_assert_ptr_null(evd_load("/nonexistent/tickets.csv", NULL, &err));
	ck_assert(strstr(err.msg, "/nonexistent/tickets.csv") == err.msg);
}
END_TEST

/* ---- scale: a million records ------------------------------------------- */

START_TEST(test_million)
{
	enum { N = 1000000 };
	char tmpl[] = "/tmp/dpftest.XXXXXX";
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("id,subject,assignee,opened,closed\n", f);
	for (int i = 0; i < N; i++)
		fprintf(f, "TICKET-%d,%d,user%d,2026-11-%02dT08:00:00Z,%s\n", i, 1000 + i % 9000, i % 50,
			1 + i % 28, i % 2 ? "2026-12-01T00:00:00Z" : "");
	fclose(f);

	struct diag err = { "" };
	struct evd_index *x = evd_load(tmpl, NULL, &err);
	unlink(tmpl);
	ck_assert_msg(x != NULL, "%s", err.msg);
	ck_assert_uint_eq(evd_count(x), N);
	const struct evd_record *r = evd_find(x, SV_LIT("TICKET-999999"));
	ck_assert_ptr_nonnull(r);
	ck_assert(sv_eq_cstr(r->subject, "1999"));	/* 1000 + 999999 % 9000 */
	ck_assert(sv_eq_cstr(r->assignee, "user49"));
	ck_assert(r->closed == iso("2026-12-01T00:00:00Z"));
	ck_assert_ptr_null(evd_find(x, SV_LIT("TICKET-1000000")));
	/* Record 123456: subject 1000 + 123456 % 9000 = 7456, user6, opened day 5, open. */
	ck_assert_int_eq(evd_verify(x, SV_LIT("TICKET-123456"), SV_LIT("7456"), SV_LIT("user6"),
				    iso("2026-11-30T00:00:00Z"), 0, NULL), EVD_OK);
	const struct evd_record *inf = NULL;
	ck_assert(evd_infer(x, SV_LIT("7456"), SV_LIT("user6"), iso("2026-11-05T08:00:00Z"), 0, &inf));
	ck_assert(inf->opened <= iso("2026-11-05T08:00:00Z"));
	evd_free(x);
}
END_TEST

static Suite *evidence_suite(void)
{
	Suite *s = suite_create("evidence");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_verify, 0, sizeof(verify_rows) / sizeof(verify_rows[0]));
	tcase_add_loop_test(tc, test_infer, 0, sizeof(infer_rows) / sizeof(infer_rows[0]));
	tcase_add_test(tc, test_csv_quoting);
	tcase_add_test(tc, test_empty_table);
	tcase_add_loop_test(tc, test_errors, 0, sizeof(error_rows) / sizeof(error_rows[0]));
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	TCase *big = tcase_create("scale");
	tcase_set_timeout(big, 60);
	tcase_add_test(big, test_million);
	suite_add_tcase(s, big);
	return s;
}

TEST_MAIN(evidence_suite)
