/* test_findings.c - the findings store: copies, order, groups, fingerprints. */
#include "testutil.h"

#include <sys/resource.h>

#include "findings.h"
#include "policy.h"

/* Under ASan an allocation that fails must return NULL, as malloc does, not end the test. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

static struct policy pol;
static struct pol_check checks[CHK_BUILTIN_COUNT];
static struct pol_category cats[2];

static void setup(void)
{
	memset(&pol, 0, sizeof(pol));
	for (int i = 0; i < CHK_BUILTIN_COUNT; i++) {
		checks[i].id = chk_info((enum chk_id)i)->id;
		checks[i].severity = chk_info((enum chk_id)i)->severity;
	}
	pol.checks = checks;
	pol.nchecks = CHK_BUILTIN_COUNT;
	cats[0].name = "email";
	cats[1].name = "health";
	pol.categories = cats;
	pol.ncategories = 2;
}

static struct finding mk(uint32_t check, const char *user, const char *subject,
			 uint32_t file, uint64_t line, int64_t t)
{
	struct finding f = { 0 };
	f.check = check;
	f.severity = chk_info((enum chk_id)check)->severity;
	f.user = sv_cstr(user);
	f.subject = sv_cstr(subject);
	f.file = file;
	f.line = line;
	f.time = t;
	f.has_time = true;
	f.categories = 1;
	return f;
}

START_TEST(test_add_copies_views)
{
	struct fnd_list l = FND_LIST_INIT;
	char user[] = "mrossi";
	struct finding f = mk(CHK_NO_BUSINESS_REASON, user, "4711", 0, 1, 0);
	fnd_add(&l, &f);
	user[0] = 'X';	/* the line buffer is reused: the finding must not change */
	ck_assert(sv_eq_cstr(l.v[0].user, "mrossi"));
	fnd_release(&l);
}
END_TEST

START_TEST(test_evidence_truncated)
{
	struct fnd_list l = FND_LIST_INIT;
	char *longline = malloc(FND_EVIDENCE_MAX * 3);
	memset(longline, 'a', FND_EVIDENCE_MAX * 3);
	struct finding f = mk(CHK_NO_BUSINESS_REASON, "u", "s", 0, 1, 0);
	f.evidence = sv_make(longline, FND_EVIDENCE_MAX * 3);
	fnd_add(&l, &f);
	ck_assert_uint_eq(l.v[0].evidence.n, FND_EVIDENCE_MAX + 3);
	ck_assert(memcmp(l.v[0].evidence.p + FND_EVIDENCE_MAX, "...", 3) == 0);
	free(longline);
	fnd_release(&l);
}
END_TEST

START_TEST(test_sort_is_total_and_take_keeps_data)
{
	struct fnd_list a = FND_LIST_INIT, b = FND_LIST_INIT;
	struct finding f;
	f = mk(CHK_OFF_HOURS_ACCESS, "u1", "1", 1, 5, 10); fnd_add(&a, &f);
	f = mk(CHK_NO_BUSINESS_REASON, "u1", "1", 1, 5, 10); fnd_add(&b, &f);
	f = mk(CHK_NO_BUSINESS_REASON, "u2", "1", 0, 9, 20); fnd_add(&b, &f);
	fnd_take(&a, &b);
	ck_assert_uint_eq(a.n, 3);
	ck_assert_uint_eq(b.n, 0);
	fnd_sort(&a);
	/* file 0 first, then line 5 of file 1 with the lower check index first */
	ck_assert_uint_eq(a.v[0].file, 0);
	ck_assert_uint_eq(a.v[1].check, CHK_NO_BUSINESS_REASON);
	ck_assert_uint_eq(a.v[2].check, CHK_OFF_HOURS_ACCESS);
	ck_assert(sv_eq_cstr(a.v[1].user, "u1"));
	fnd_release(&a);
}
END_TEST

START_TEST(test_group)
{
	struct fnd_list l = FND_LIST_INIT;
	struct finding f;
	/* three no-business-reason by mrossi on 4711, one by jdoe, one critical */
	f = mk(CHK_NO_BUSINESS_REASON, "mrossi", "4711", 0, 3, 300); fnd_add(&l, &f);
	f = mk(CHK_NO_BUSINESS_REASON, "mrossi", "4711", 0, 1, 100); fnd_add(&l, &f);
	f = mk(CHK_NO_BUSINESS_REASON, "mrossi", "4711", 0, 2, 200); fnd_add(&l, &f);
	f = mk(CHK_NO_BUSINESS_REASON, "jdoe", "4711", 0, 4, 50); fnd_add(&l, &f);
	f = mk(CHK_UNAUTHENTICATED_ACCESS, "", "1000", 0, 5, 60); fnd_add(&l, &f);
	l.v[2].suppressed = true;
	fnd_sort(&l);
	struct fnd_group *g;
	size_t n = fnd_group(&l, &pol, &g);
	ck_assert_uint_eq(n, 3);
	/* critical first */
	ck_assert_uint_eq(g[0].check, CHK_UNAUTHENTICATED_ACCESS);
	ck_assert_uint_eq(g[0].count, 1);
	/* then high, by user name */
	ck_assert(sv_eq_cstr(g[1].user, "jdoe"));
	ck_assert(sv_eq_cstr(g[2].user, "mrossi"));
	ck_assert_uint_eq(g[2].count, 3);
	ck_assert_uint_eq(g[2].suppressed, 1);
	ck_assert_int_eq(l.v[g[2].first].time, 100);
	ck_assert_int_eq(l.v[g[2].last].time, 300);
	fnd_groups_free(g, n);
	fnd_release(&l);
}
END_TEST

START_TEST(test_fingerprint_is_stable)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct finding f1 = mk(CHK_ROLE_NOT_PERMITTED, "cmartin", "4711", 0, 10, 1);
	struct finding f2 = mk(CHK_ROLE_NOT_PERMITTED, "cmartin", "4711", 3, 99, 500);
	f1.categories = f2.categories = 3;
	f1.reason = f2.reason = SV_LIT("CAMPAIGN-7");
	fnd_fingerprint(&f1, &pol, &a);
	fnd_fingerprint(&f2, &pol, &b);
	ck_assert_str_eq(a.p, b.p);	/* no file, line or time in it */
	ck_assert_str_eq(a.p, "role-not-permitted\tcmartin\t4711\temail,health\tCAMPAIGN-7");
	buf_reset(&b);
	f2.subject = SV_LIT("4712");
	fnd_fingerprint(&f2, &pol, &b);
	ck_assert_str_ne(a.p, b.p);
	buf_reset(&b);
	struct finding f3 = mk(CHK_UNAUTHENTICATED_ACCESS, "", "", 0, 1, 1);
	f3.categories = 0;
	fnd_fingerprint(&f3, &pol, &b);
	ck_assert_str_eq(b.p, "unauthenticated-access\t-\t-\t-\t-");
	buf_release(&a);
	buf_release(&b);
}
END_TEST

/* The process's address space now, from /proc/self/statm (bytes; 0 if unknown). */
static size_t vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Out of memory is not an abort (SPEC section 7): with the address space
 * capped 32 MiB above what the process uses, findings of 1 KiB of evidence
 * are added until one does not fit; fnd_add() then returns false, counts it
 * in lost, and the findings already kept are intact.  With the cap lifted
 * the list takes findings again.
 */
START_TEST(test_add_out_of_memory_is_counted)
{
	size_t base = vm_size();
	ck_assert_uint_gt(base, 0);
	struct rlimit old_rl, rl;
	ck_assert_int_eq(getrlimit(RLIMIT_AS, &old_rl), 0);
	rl = old_rl;
	rl.rlim_cur = base + 32u * 1024 * 1024;
	if (old_rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > old_rl.rlim_max)
		rl.rlim_cur = old_rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);

	static char line[FND_EVIDENCE_MAX];
	memset(line, 'x', sizeof(line));
	struct fnd_list l = FND_LIST_INIT;
	struct finding f = mk(CHK_NO_BUSINESS_REASON, "jdoe", "4711", 0, 1, 100);
	f.evidence = sv_make(line, sizeof(line));
	size_t kept = 0;
	bool failed = false;
	/* 1 GiB of findings: far past the cap, so the loop ends by a failure. */
	for (size_t i = 0; i < 1024u * 1024 && !failed; i++) {
		f.line = i + 1;
		if (fnd_add(&l, &f))
			kept++;
		else
			failed = true;
	}
	bool again = fnd_add(&l, &f);
	int restored = setrlimit(RLIMIT_AS, &old_rl);
	ck_assert_int_eq(restored, 0);
	ck_assert(failed);
	ck_assert(!again);
	ck_assert_uint_eq(l.lost, 2);
	ck_assert_uint_eq(l.n, kept);
	ck_assert_uint_gt(kept, 1000);
	ck_assert_uint_eq(l.v[kept - 1].line, kept);
	ck_assert_uint_eq(l.v[kept - 1].evidence.n, sizeof(line));
	ck_assert_str_eq(l.v[kept - 1].user.p, "jdoe");
	/* Memory back: the list works again, and take() carries the count. */
	ck_assert(fnd_add(&l, &f));
	struct fnd_list all = FND_LIST_INIT;
	ck_assert(fnd_take(&all, &l));
	ck_assert_uint_eq(all.n, kept + 1);
	ck_assert_uint_eq(all.lost, 2);
	fnd_release(&all);
}
END_TEST

static Suite *findings_suite(void)
{
	Suite *s = suite_create("findings");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_add_copies_views);
	tcase_add_test(tc, test_evidence_truncated);
	tcase_add_test(tc, test_sort_is_total_and_take_keeps_data);
	tcase_add_test(tc, test_group);
	tcase_add_test(tc, test_fingerprint_is_stable);
	tcase_add_test(tc, test_add_out_of_memory_is_counted);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(findings_suite)
