/*
 * test_trace.c - the trace timeline (trace.h): verdict wording, findings
 * attached by file and line, time order, --principle and --fail-on
 * selection, pseudonyms, and the csv writer's columns.
 */
#include "testutil.h"

#include "rules.h"
#include "trace.h"

static struct policy *P;
static char *rules_path;

static const char rules_text[] =
	"[category email]\n"
	"resource = ^/c/(?<subject>\\d+)/email\n"
	"[purpose support]\n"
	"reason = ^TICKET-\\d+$\n"
	"[role support-agent]\n"
	"members = mrossi\n"
	"may-read = email\n"
	"purposes = support\n";

static void setup(void)
{
	struct diag err = { "" };
	rules_path = tu_write_tmp(rules_text, sizeof(rules_text) - 1);
	ck_assert_ptr_nonnull(rules_path);
	const char *paths[] = { rules_path };
	P = rules_load(paths, 1, &err);
	ck_assert_msg(P != NULL, "%s", err.msg);
}

static void teardown(void)
{
	policy_free(P);
	unlink(rules_path);
	free(rules_path);
}

#define B(c) (1u << (c))

static const struct {
	uint32_t fired;
	bool justified, inferred;
	const char *by;
	int purpose;
	int status;
	bool pd_read;
	const char *want;
} verdict_rows[] = {
	{ B(CHK_NO_BUSINESS_REASON), false, false, NULL, -1, 200, true, "finding: no-business-reason" },
	{ B(CHK_SENSITIVE_DATA_ACCESS), true, false, "TICKET-88", 0, 200, true,
	  "finding: sensitive-data-access (reason given: TICKET-88)" },
	{ B(CHK_OFF_HOURS_ACCESS), true, true, "TICKET-88", 0, 200, true,
	  "finding: off-hours-access (reason inferred from TICKET-88)" },
	{ B(CHK_OFF_HOURS_ACCESS), true, false, NULL, 0, 200, true,
	  "finding: off-hours-access (purpose support)" },
	{ 0, true, false, "TICKET-88", 0, 200, true, "justified by TICKET-88" },
	{ 0, true, true, "TICKET-88", 0, 200, true, "justified (inferred from TICKET-88)" },
	{ 0, true, false, NULL, 0, 200, true, "justified (purpose support)" },
	{ 0, true, false, NULL, -1, 200, true, "justified" },
	{ 0, false, false, NULL, -1, 403, false, "failed (status 403): nothing read" },
	{ 0, false, false, NULL, -1, 200, false, "no finding (not a personal-data read)" },
	{ 0, false, false, NULL, -1, 200, true, "no finding" },
};

START_TEST(test_verdict)
{
	struct tr_ev e;
	struct buf b = BUF_INIT;

	memset(&e, 0, sizeof(e));
	e.v.fired = verdict_rows[_i].fired;
	e.v.justified = verdict_rows[_i].justified;
	e.v.inferred = verdict_rows[_i].inferred;
	e.v.justified_by = sv_cstr(verdict_rows[_i].by);
	e.v.purpose = verdict_rows[_i].purpose;
	e.status = verdict_rows[_i].status;
	e.pd_read = verdict_rows[_i].pd_read;
	tr_verdict(P, &e, &b);
	ck_assert_str_eq(b.p, verdict_rows[_i].want);
	buf_release(&b);
}
END_TEST

static struct tr_ev ev_at(uint32_t file, uint64_t line, bool has_time, int64_t t, const char *user,
			  const char *subject)
{
	struct tr_ev e;
	memset(&e, 0, sizeof(e));
	e.file = file;
	e.line = line;
	e.has_time = has_time;
	e.time = t;
	e.user = sv_cstr(user);
	e.subject = sv_cstr(subject);
	e.status = 200;
	e.action = EV_READ;
	e.pd_read = true;
	e.v.role = -1;
	e.v.purpose = -1;
	e.worst = SEV_NONE;
	return e;
}

static struct finding fnd(uint32_t file, uint64_t line, enum chk_id c, enum sev s, bool suppressed)
{
	struct finding f;
	memset(&f, 0, sizeof(f));
	f.file = file;
	f.line = line;
	f.check = c;
	f.severity = s;
	f.suppressed = suppressed;
	return f;
}

/* Findings attach by (file, line); the timeline is in time order, untimed last. */
START_TEST(test_finish)
{
	struct tr_set s = { .pol = P };
	struct tr_ev in[] = {
		ev_at(1, 5, true, 300, "mrossi", "4711"),
		ev_at(0, 9, true, 100, "mrossi", "4711"),
		ev_at(0, 2, false, 0, "mrossi", "4711"),
		ev_at(1, 1, true, 100, "mrossi", "5012"),	/* same time as 0:9: file order */
	};
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(tr_add(&s, &in[i]), 0);
	struct finding f[] = {
		fnd(0, 9, CHK_EXCESSIVE_ACCESS, SEV_MEDIUM, false),
		fnd(1, 5, CHK_NO_BUSINESS_REASON, SEV_HIGH, false),
		fnd(1, 5, CHK_OFF_HOURS_ACCESS, SEV_LOW, false),
		fnd(1, 7, CHK_SENSITIVE_DATA_ACCESS, SEV_CRITICAL, false),	/* not traced */
		fnd(0, 2, CHK_NO_BUSINESS_REASON, SEV_CRITICAL, true),		/* in the baseline */
	};
	struct fnd_list l = { .v = f, .n = 5 };
	tr_finish(&s, &l);

	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(s.ev[0].file, 0);
	ck_assert_uint_eq(s.ev[0].line, 9);
	ck_assert_uint_eq(s.ev[1].file, 1);
	ck_assert_uint_eq(s.ev[1].line, 1);
	ck_assert_uint_eq(s.ev[2].line, 5);
	ck_assert_uint_eq(s.ev[3].line, 2);	/* no time: last */
	ck_assert_uint_eq(s.ev[0].windowed, B(CHK_EXCESSIVE_ACCESS));
	ck_assert_int_eq(s.ev[0].worst, SEV_MEDIUM);
	ck_assert_int_eq(s.ev[1].worst, SEV_NONE);
	ck_assert_int_eq(s.ev[2].worst, SEV_HIGH);
	ck_assert_int_eq(s.ev[3].worst, SEV_NONE);	/* suppressed: not counted */

	ck_assert_uint_eq(tr_count_at_least(&s, SEV_LOW), 2);
	ck_assert_uint_eq(tr_count_at_least(&s, SEV_HIGH), 1);
	ck_assert_uint_eq(tr_count_at_least(&s, SEV_CRITICAL), 0);

	/* no-business-reason tests both, excessive-access purpose limitation only. */
	tr_keep_principles(&s, PR_BIT(PR_PURPOSE_LIMITATION));
	ck_assert_uint_eq(s.n, 2);
	tr_keep_principles(&s, PR_BIT(PR_SECURITY));
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.ev[0].line, 5);
	tr_release(&s);
}
END_TEST

/* Workers' sets are joined without copying strings. */
START_TEST(test_take)
{
	struct tr_set a = { .pol = P }, b = { .pol = P };
	struct tr_ev e1 = ev_at(0, 1, true, 1, "mrossi", "1"), e2 = ev_at(0, 2, true, 2, "jdoe", "2");
	ck_assert_int_eq(tr_add(&a, &e1), 0);
	ck_assert_int_eq(tr_add(&b, &e2), 0);
	ck_assert_int_eq(tr_take(&a, &b), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(b.n, 0);
	ck_assert(sv_eq_cstr(a.ev[1].user, "jdoe"));
	tr_release(&b);
	tr_release(&a);
}
END_TEST

static char *write_to_string(struct tr_set *s, enum tr_fmt fmt)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(tr_write(s, fmt, f), 0);
	fclose(f);
	return p;
}

START_TEST(test_csv)
{
	struct tr_set s = { .pol = P };
	struct tr_ev e = ev_at(0, 7, true, 1795780800, "mrossi", "4711");
	e.categories = 1;
	e.reason = sv_cstr("TICKET-88");
	e.v.role = 0;
	e.v.justified = true;
	e.v.purpose = 0;
	e.v.justified_by = sv_cstr("TICKET-88");
	e.v.fired = B(CHK_OFF_HOURS_ACCESS);
	ck_assert_int_eq(tr_add(&s, &e), 0);
	const char *subjects[] = { "4711" };
	s.subjects = subjects;
	s.nsubjects = 1;
	char *out = write_to_string(&s, TR_CSV);
	ck_assert_str_eq(out,
		"time,user,subject,role,action,categories,reason,ticket,status,verdict,file,line\r\n"
		"2026-11-27T12:00:00Z,mrossi,4711,support-agent,read,email,TICKET-88,TICKET-88,200,"
		"finding: off-hours-access (reason given: TICKET-88),?,7\r\n");
	free(out);
	tr_release(&s);
}
END_TEST

START_TEST(test_formats)
{
	enum tr_fmt f;
	ck_assert_int_eq(tr_parse_format("html", 4, &f), 0);
	ck_assert_int_eq(f, TR_HTML);
	ck_assert_int_eq(tr_parse_format("csv:x", 3, &f), 0);
	ck_assert_int_eq(f, TR_CSV);
	ck_assert_int_eq(tr_parse_format("sarif", 5, &f), -1);
	ck_assert_int_eq(tr_parse_format("tex", 3, &f), -1);
}
END_TEST

/* Pseudonyms replace users and subjects, also inside resources and the heading. */
START_TEST(test_pseudonymize)
{
	static const char key[] = "sixteen bytes or more of key";
	char *kp = tu_write_tmp(key, sizeof(key) - 1);
	struct diag err = { "" };
	struct psd *ps = psd_load(kp, &err);
	ck_assert_msg(ps != NULL, "%s", err.msg);
	struct tr_set s = { .pol = P };
	struct tr_ev e = ev_at(0, 1, true, 1, "mrossi", "4711");
	e.resource = sv_cstr("/c/4711/email");
	e.src = sv_cstr("gw-7.example.org");	/* no address: known as the event's src */
	ck_assert_int_eq(tr_add(&s, &e), 0);
	const char *users[] = { "mrossi" };
	s.users = users;
	s.nusers = 1;
	struct psd_map *m = tr_pseudonymize(&s, ps, NULL);
	ck_assert_ptr_nonnull(m);
	char *out = write_to_string(&s, TR_JSON);
	ck_assert_ptr_null(strstr(out, "mrossi"));
	ck_assert_ptr_null(strstr(out, "4711"));
	ck_assert_ptr_null(strstr(out, "gw-7"));
	ck_assert_ptr_nonnull(strstr(out, "\"src\":\"src-"));
	ck_assert_ptr_nonnull(strstr(out, "\"users\":[\"user-"));
	ck_assert_ptr_nonnull(strstr(out, "/c/subject-"));
	free(out);
	psd_map_free(m);
	tr_release(&s);
	psd_free(ps);
	unlink(kp);
	free(kp);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_verdict, 0, sizeof(verdict_rows) / sizeof(verdict_rows[0]));
	tcase_add_test(tc, test_finish);
	tcase_add_test(tc, test_take);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_pseudonymize);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(trace_suite)
