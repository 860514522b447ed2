/*
 * test_findings.c - the findings store: copies, order, groups, fingerprints;
 * and the groups spilled past a budget (groups.h), which must be the groups
 * of the in-memory grouper, field by field and member by member.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/resource.h>

#include "baseline.h"
#include "findings.h"
#include "groups.h"
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
	/* One run of address characters: cut back by the longest address (768). */
	ck_assert_uint_eq(l.v[0].evidence.n, FND_EVIDENCE_MAX - 768 + 3);
	ck_assert(memcmp(l.v[0].evidence.p + FND_EVIDENCE_MAX - 768, "...", 3) == 0);
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
	size_t n = fnd_group(&l, &pol, NULL, &g);
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

/* n pseudo-random findings (a fixed sequence), with long evidence now and then. */
static void add_many(struct fnd_list *a, struct fnd_list *b, size_t n, unsigned seed)
{
	static char ev[2000];
	char user[16], subj[16], detail[32];
	memset(ev, 'e', sizeof(ev));
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		snprintf(user, sizeof(user), "u%u", r % 7);
		snprintf(subj, sizeof(subj), "%u", r % 13);
		snprintf(detail, sizeof(detail), "why %u", r % 3);
		uint32_t check = r % 3 ? CHK_NO_BUSINESS_REASON : CHK_OFF_HOURS_ACCESS;
		struct finding f = mk(check, user, subj, r % 2, r % 50, (int64_t)(r % 97));
		f.detail = sv_cstr(detail);
		f.has_time = r % 11 != 0;
		f.suppressed = r % 17 == 0;
		f.role = SV_LIT("support");
		f.evidence = sv_make(ev, r % 5 ? 80 : sizeof(ev));	/* some cut at FND_EVIDENCE_MAX */
		ck_assert(fnd_add(a, &f));
		if (b)
			ck_assert(fnd_add(b, &f));
	}
}

static bool same_finding(const struct finding *x, const struct finding *y)
{
	return x->file == y->file && x->line == y->line && x->check == y->check &&
	       x->severity == y->severity && x->time == y->time && x->has_time == y->has_time &&
	       x->categories == y->categories && x->suppressed == y->suppressed &&
	       sv_eq(x->user, y->user) && sv_eq(x->subject, y->subject) &&
	       sv_eq(x->role, y->role) && sv_eq(x->detail, y->detail) &&
	       sv_eq(x->reason, y->reason) && sv_eq(x->resource, y->resource) &&
	       sv_eq(x->evidence, y->evidence);
}

/* The end of a comparison of an in-memory and a spilled list and their groups. */
static void release_both(struct fnd_group *gm, size_t nm, struct fnd_group *gs, size_t ns,
			 struct arena *strings, struct fnd_list *mem, struct fnd_list *sp)
{
	fnd_groups_free(gm, nm);
	fnd_groups_free(gs, ns);
	arena_release(strings);
	fnd_release(mem);
	fnd_release(sp);
}

/*
 * Past its budget a list spills (to the temporary file: runs of a few
 * findings each here) and reads back exactly what the in-memory list holds,
 * in the same order, and groups the same; joining spilled and in-memory
 * lists (the threads' lists) keeps every finding.
 */
START_TEST(test_spilled_list_reads_as_in_memory)
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT, part = FND_LIST_INIT;
	sp.budget = 4096;
	part.budget = 1 << 20;
	add_many(&mem, &sp, 500, 7);
	add_many(&mem, NULL, 40, 99);
	add_many(&part, NULL, 40, 99);	/* small: stays in memory */
	ck_assert(fnd_spilled(&sp));
	ck_assert(!fnd_spilled(&part));
	ck_assert(fnd_take(&sp, &part));
	ck_assert_uint_eq(part.n, 0);
	ck_assert_uint_eq(sp.n, 540);
	ck_assert_ptr_null(sp.v);
	fnd_sort(&mem);
	fnd_sort(&sp);

	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0;
	for (fnd_iter_start(&sp, &it); (f = fnd_iter_next(&it)); i++) {
		ck_assert_uint_lt(i, mem.n);
		ck_assert_msg(same_finding(f, &mem.v[i]), "finding %zu differs", i);
	}
	ck_assert_uint_eq(i, mem.n);
	ck_assert_int_eq(fnd_error(&sp), 0);
	/* Read again: the same. */
	fnd_iter_start(&sp, &it);
	ck_assert_ptr_nonnull((f = fnd_iter_next(&it)));
	ck_assert(same_finding(f, &mem.v[0]));

	struct arena strings = ARENA_INIT;
	struct fnd_group *gm, *gs;
	size_t nm = fnd_group(&mem, &pol, NULL, &gm);
	size_t ns = fnd_group(&sp, &pol, &strings, &gs);
	ck_assert_uint_eq(nm, ns);
	ck_assert_uint_gt(nm, 10);
	for (size_t k = 0; k < nm; k++) {
		ck_assert_uint_eq(gm[k].check, gs[k].check);
		ck_assert_uint_eq(gm[k].severity, gs[k].severity);
		ck_assert(sv_eq(gm[k].user, gs[k].user) && sv_eq(gm[k].subject, gs[k].subject));
		ck_assert(sv_eq(gm[k].role, gs[k].role));
		ck_assert_uint_eq(gm[k].categories, gs[k].categories);
		ck_assert_uint_eq(gm[k].count, gs[k].count);
		ck_assert_uint_eq(gm[k].suppressed, gs[k].suppressed);
		ck_assert_uint_eq(gm[k].first, gs[k].first);
		ck_assert_uint_eq(gm[k].last, gs[k].last);
		ck_assert_int_eq(gm[k].first_has_time, gs[k].first_has_time);
		ck_assert_int_eq(gm[k].first_time, gs[k].first_time);
		ck_assert_int_eq(gm[k].last_has_time, gs[k].last_has_time);
		ck_assert_int_eq(gm[k].last_time, gs[k].last_time);
		ck_assert(sv_eq(gm[k].first_detail, gs[k].first_detail));
		ck_assert(sv_eq(gm[k].first_detail, mem.v[gm[k].first].detail));
		ck_assert_uint_eq(gs[k].first_file, mem.v[gm[k].first].file);
		ck_assert_uint_eq(gs[k].first_line, mem.v[gm[k].first].line);
		for (int v = 0; v < SEV_COUNT; v++)
			ck_assert_uint_eq(gm[k].by_sev[v], gs[k].by_sev[v]);
		for (size_t m = 0; m < gm[k].count; m++)
			ck_assert_uint_eq(gm[k].members[m], gs[k].members[m]);
	}
	release_both(gm, nm, gs, ns, &strings, &mem, &sp);
}
END_TEST

/*
 * The reference grouping, stated the slow way: for every finding in list
 * order, its group is the one of its key (check, user, subject); first and
 * last follow the report's rule (earliest and latest by time, else by list
 * position).  fnd_group() must give exactly these groups, in report order.
 */
static void check_groups(const struct fnd_list *mem, const struct fnd_group *g, size_t ng)
{
	size_t total = 0;
	for (size_t k = 0; k < ng; k++) {
		const struct fnd_group *gr = &g[k];
		size_t m = 0, first = SIZE_MAX, last = SIZE_MAX, supp = 0, by_sev[SEV_COUNT] = { 0 };
		enum sev sev = SEV_NONE;
		uint64_t bits = 0;
		for (size_t i = 0; i < mem->n; i++) {
			const struct finding *f = &mem->v[i];
			if (f->check != gr->check || !sv_eq(f->user, gr->user) ||
			    !sv_eq(f->subject, gr->subject))
				continue;
			ck_assert_uint_lt(m, gr->count);
			ck_assert_uint_eq(gr->members[m], i);
			m++;
			if (first == SIZE_MAX) {
				first = last = i;
				ck_assert(sv_eq(gr->role, f->role));
			} else {
				const struct finding *a = &mem->v[first], *z = &mem->v[last];
				if (a->has_time && f->has_time && f->time < a->time)
					first = i;
				if (!f->has_time || (z->has_time && f->time > z->time))
					last = i;
			}
			if (f->severity > sev)
				sev = f->severity;
			bits |= f->categories;
			supp += f->suppressed;
			if (!f->suppressed)
				by_sev[f->severity]++;
		}
		ck_assert_uint_eq(m, gr->count);
		ck_assert_uint_eq(gr->first, first);
		ck_assert_uint_eq(gr->last, last);
		ck_assert_uint_eq(gr->severity, sev);
		ck_assert_uint_eq(gr->categories, bits);
		ck_assert_uint_eq(gr->suppressed, supp);
		for (int v = 0; v < SEV_COUNT; v++)
			ck_assert_uint_eq(gr->by_sev[v], by_sev[v]);
		ck_assert(sv_eq(gr->first_detail, mem->v[first].detail));
		ck_assert_int_eq(gr->first_time, mem->v[first].time);
		ck_assert_int_eq(gr->first_has_time, mem->v[first].has_time);
		ck_assert_uint_eq(gr->first_file, mem->v[first].file);
		ck_assert_uint_eq(gr->first_line, mem->v[first].line);
		ck_assert_int_eq(gr->last_time, mem->v[last].time);
		ck_assert_int_eq(gr->last_has_time, mem->v[last].has_time);
		total += m;
		if (k) {	/* report order: severity (highest first), check id, user, subject */
			const struct fnd_group *p = &g[k - 1];
			int c = p->severity != gr->severity ? (p->severity > gr->severity ? -1 : 1) :
				p->check != gr->check ? strcmp(checks[p->check].id, checks[gr->check].id) :
				sv_cmp(p->user, gr->user) ? sv_cmp(p->user, gr->user) :
				sv_cmp(p->subject, gr->subject);
			ck_assert_int_lt(c, 0);
		}
	}
	ck_assert_uint_eq(total, mem->n);	/* every finding in exactly one group */
}

/*
 * Groups are made in one reading of the list, in memory or spilled, with
 * times out of list order (first and last move), findings without a time,
 * and thousands of keys (the hash table grows); the same groups as the
 * reference, and a spilled list's group strings are copies in the arena.
 */
START_TEST(test_group_matches_reference)
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT;
	sp.budget = 8192;
	add_many(&mem, &sp, 700, 3);
	char user[16], detail[32];
	for (unsigned i = 0; i < 3000; i++) {	/* many keys, some with two members */
		snprintf(user, sizeof(user), "k%u", i % 2500);
		snprintf(detail, sizeof(detail), "d%u", i);
		/* Two checks of one severity whose ids sort unlike their indexes. */
		struct finding f = mk(i % 3 ? CHK_OPTOUT_VIOLATION : CHK_ROLE_NOT_PERMITTED, user,
				      "77", 1, 100 + i, (int64_t)(5000 - i));
		f.detail = sv_cstr(detail);
		ck_assert(fnd_add(&mem, &f));
		ck_assert(fnd_add(&sp, &f));
	}
	ck_assert(fnd_spilled(&sp));
	fnd_sort(&mem);
	fnd_sort(&sp);
	struct arena strings = ARENA_INIT;
	struct fnd_group *gm, *gs;
	size_t nm = fnd_group(&mem, &pol, NULL, &gm);
	size_t ns = fnd_group(&sp, &pol, &strings, &gs);
	ck_assert_uint_gt(nm, 2500);
	ck_assert_uint_eq(nm, ns);
	check_groups(&mem, gm, nm);
	check_groups(&mem, gs, ns);
	for (size_t k = 0; k < nm; k++) {
		/* In memory the groups point into the list: no copy. */
		if (gm[k].user.n)
			ck_assert_ptr_eq(gm[k].user.p, mem.v[gm[k].members[0]].user.p);
	}
	release_both(gm, nm, gs, ns, &strings, &mem, &sp);
}
END_TEST

/*
 * The grouper fed findings whose strings die after each call (a spilled
 * list's reading): with an arena, what the groups keep is copied, and the
 * first detail that changed is the right one whatever came after it.
 */
START_TEST(test_grouper_copies_transient_strings)
{
	struct arena strings = ARENA_INIT;
	struct fnd_grouper gp;
	char user[8], subj[8], detail[16];
	fnd_grouper_start(&gp, &strings);
	for (unsigned i = 0; i < 6; i++) {
		snprintf(user, sizeof(user), "u%u", i % 2);
		snprintf(subj, sizeof(subj), "s1");
		snprintf(detail, sizeof(detail), "why %u", i);
		struct finding f = mk(CHK_NO_BUSINESS_REASON, user, subj, 0, i + 1,
				      i == 4 ? 10 : (int64_t)(100 + i));
		f.detail = sv_cstr(detail);
		fnd_grouper_add(&gp, &f);
		memset(user, 'X', sizeof(user) - 1);	/* the reader's buffer moves on */
		memset(detail, 'X', sizeof(detail) - 1);
	}
	struct fnd_group *g;
	size_t n = fnd_grouper_finish(&gp, &pol, &g);
	ck_assert_uint_eq(n, 2);
	ck_assert(sv_eq_cstr(g[0].user, "u0"));
	ck_assert(sv_eq_cstr(g[0].subject, "s1"));
	ck_assert_uint_eq(g[0].count, 3);
	ck_assert_uint_eq(g[0].first, 4);	/* the earliest by time, met last */
	ck_assert(sv_eq_cstr(g[0].first_detail, "why 4"));
	ck_assert_uint_eq(g[0].last, 2);
	ck_assert(sv_eq_cstr(g[1].user, "u1"));
	ck_assert(sv_eq_cstr(g[1].first_detail, "why 1"));
	ck_assert_uint_eq(g[1].last, 5);
	fnd_groups_free(g, n);
	/* Dropped without finishing: nothing leaks (the sanitizer build checks). */
	fnd_grouper_start(&gp, &strings);
	struct finding f = mk(CHK_NO_BUSINESS_REASON, "u", "s", 0, 1, 1);
	fnd_grouper_add(&gp, &f);
	fnd_grouper_drop(&gp);
	arena_release(&strings);
}
END_TEST

/*
 * Many findings over a few groups (the grouper lays the members out in
 * place, cycle by cycle): every member in its group, in list order, each
 * once.
 */
START_TEST(test_grouper_members_in_list_order)
{
	const size_t n = 131195;	/* long cycles of the in-place layout */
	const char *users[] = { "a", "b", "c", "d", "e", "f", "g" };
	struct fnd_grouper gp;
	fnd_grouper_start(&gp, NULL);
	for (size_t i = 0; i < n; i++) {
		struct finding f = mk(CHK_NO_BUSINESS_REASON, users[i % 7], "s", 0, i + 1,
				      (int64_t)i);
		fnd_grouper_add(&gp, &f);
	}
	struct fnd_group *g;
	size_t ng = fnd_grouper_finish(&gp, &pol, &g);
	ck_assert_uint_eq(ng, 7);
	for (size_t k = 0; k < ng; k++) {
		size_t u = (size_t)(g[k].user.p[0] - 'a');
		ck_assert_uint_eq(k, u);	/* same severity and check: by user */
		ck_assert_uint_eq(g[k].count, (n - u + 6) / 7);
		for (size_t m = 0; m < g[k].count; m++)
			ck_assert_uint_eq(g[k].members[m], u + 7 * m);
		ck_assert_uint_eq(g[k].first, u);
		ck_assert_uint_eq(g[k].last, g[k].members[g[k].count - 1]);
	}
	fnd_groups_free(g, ng);
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

/*
 * A list counts its findings per hour of the day and its highest input
 * index as it is filled, spilled or not and across fnd_take(): the same
 * counts as a reading of it gives (aud_finish() takes them instead of
 * reading a spilled list once more).  Times before 1970 count by their
 * hour of the day too.
 */
START_TEST(test_counts_as_filled)
{
	struct fnd_list sp = FND_LIST_INIT, part = FND_LIST_INIT;
	static char ev[200];
	memset(ev, 'e', sizeof(ev));
	sp.budget = 4096;
	for (unsigned i = 0; i < 400; i++) {
		char user[16];
		snprintf(user, sizeof(user), "u%u", i % 9);
		struct finding f = mk(CHK_NO_BUSINESS_REASON, user, "s", i % 5, i,
				      (int64_t)i * 3607 - 86400);
		f.has_time = i % 7 != 0;
		f.evidence = sv_make(ev, sizeof(ev));
		ck_assert(fnd_add(i % 4 ? &sp : &part, &f));
	}
	ck_assert(fnd_spilled(&sp));
	ck_assert(!fnd_spilled(&part));
	ck_assert(fnd_take(&sp, &part));
	ck_assert(fnd_counts_whole(&sp));
	ck_assert_uint_eq(part.counted, 0);

	uint64_t hours[24] = { 0 };
	uint32_t max_file = 0;
	struct fnd_iter it;
	const struct finding *f;
	size_t n = 0;
	for (fnd_iter_start(&sp, &it); (f = fnd_iter_next(&it)); n++) {
		if (f->has_time)
			hours[f->time >= 0 ? f->time % 86400 / 3600 : (f->time % 86400 + 86400) / 3600]++;
		if (f->file > max_file)
			max_file = f->file;
	}
	ck_assert_uint_eq(n, 400);
	ck_assert_uint_eq(max_file, 4);
	ck_assert_uint_eq(sp.max_file, max_file);
	size_t hours_used = 0;
	for (int h = 0; h < 24; h++) {
		ck_assert_msg(sp.by_hour[h] == hours[h], "hour %d: %llu counted, %llu read", h,
			      (unsigned long long)sp.by_hour[h], (unsigned long long)hours[h]);
		hours_used += hours[h] != 0;
	}
	ck_assert_uint_eq(hours_used, 24);
	fnd_release(&sp);
	ck_assert_uint_eq(sp.counted, 0);
	ck_assert_uint_eq(sp.by_hour[1], 0);
}
END_TEST

/* ---- groups spilled past a budget (groups.h) ---- */

/*
 * A sorted list of n pseudo-random findings over `keys` group keys (check,
 * user, subject), with ties on purpose: times from a small range, some
 * without a time, severities that differ within a group, details that
 * change, a few suppressed.  big: every other finding goes to one of two
 * keys, so those groups have thousands of members.
 */
static void make_list(struct fnd_list *l, size_t n, unsigned keys, bool big, unsigned seed)
{
	static const uint32_t cks[] = { CHK_NO_BUSINESS_REASON, CHK_OFF_HOURS_ACCESS,
					CHK_UNAUTHENTICATED_ACCESS };
	char user[16], subj[16], detail[32], role[16];
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8, k = big && i % 2 ? r % 2 : r % keys;
		struct finding f = { 0 };
		f.check = cks[k % 3];
		f.severity = (enum sev)(r % 5 == 0 ? SEV_CRITICAL : chk_info((enum chk_id)f.check)->severity);
		snprintf(user, sizeof(user), k % 5 ? "u%u" : "", k / 3);	/* some anonymous */
		snprintf(subj, sizeof(subj), "%u", k / 7);
		snprintf(detail, sizeof(detail), "why %u", r % 4);
		snprintf(role, sizeof(role), "role%u", r % 3);
		f.user = sv_cstr(user);
		f.subject = sv_cstr(subj);
		f.detail = sv_cstr(detail);
		f.role = sv_cstr(role);
		f.file = r % 3;
		f.line = i + 1;
		f.time = (int64_t)(r % 41);
		f.has_time = r % 13 != 0;
		f.suppressed = r % 19 == 0;
		f.categories = 1ull << (r % 4);
		f.evidence = SV_LIT("GET /x");
		ck_assert(fnd_add(l, &f));
	}
	fnd_sort(l);
}

static void same_group(const struct fnd_group *a, const struct fnd_group *b)
{
	ck_assert_uint_eq(a->check, b->check);
	ck_assert_int_eq(a->severity, b->severity);
	ck_assert(sv_eq(a->user, b->user));
	ck_assert(sv_eq(a->subject, b->subject));
	ck_assert(sv_eq(a->role, b->role));
	ck_assert_uint_eq(a->categories, b->categories);
	ck_assert_uint_eq(a->count, b->count);
	ck_assert_uint_eq(a->suppressed, b->suppressed);
	for (int s = 0; s < SEV_COUNT; s++)
		ck_assert_uint_eq(a->by_sev[s], b->by_sev[s]);
	ck_assert_uint_eq(a->first, b->first);
	ck_assert_uint_eq(a->last, b->last);
	ck_assert_int_eq(a->first_has_time, b->first_has_time);
	ck_assert_int_eq(a->last_has_time, b->last_has_time);
	ck_assert_int_eq(a->first_time, b->first_time);
	ck_assert_int_eq(a->last_time, b->last_time);
	ck_assert(sv_eq(a->first_detail, b->first_detail));
	ck_assert_uint_eq(a->first_file, b->first_file);
	ck_assert_uint_eq(a->first_line, b->first_line);
}

/* Group l with a budget; 0, or -1 with errno. */
static int build(const struct fnd_list *l, size_t budget, struct grp_set *out)
{
	struct grp_builder b;
	struct fnd_iter it;
	const struct finding *f;
	grp_build_start(&b, l, budget);
	for (fnd_iter_start(l, &it); (f = fnd_iter_next(&it));)
		grp_build_add(&b, f);
	return grp_build_finish(&b, &pol, out);
}

/* The set's groups are ref[0..nref), in order, every member read in pieces of `piece`. */
static void check_set(const struct grp_set *s, const struct fnd_group *ref, size_t nref,
		      size_t piece)
{
	struct grp_iter it;
	const struct fnd_group *g;
	size_t k = 0, live = 0, m[9000];
	ck_assert_uint_le(piece, sizeof(m) / sizeof(m[0]));
	for (grp_iter_start(s, &it); (g = grp_iter_next(&it)); k++) {
		ck_assert_uint_lt(k, nref);
		same_group(g, &ref[k]);
		size_t at = 0, got;
		while ((got = grp_members(s, g, at, m, piece)) > 0) {
			for (size_t i = 0; i < got; i++)
				ck_assert_uint_eq(m[i], ref[k].members[at + i]);
			at += got;
		}
		ck_assert_uint_eq(at, g->count);
		live += g->count > g->suppressed;
	}
	ck_assert_int_eq(grp_error(s), 0);
	ck_assert_uint_eq(k, nref);
	ck_assert_uint_eq(s->n, nref);
	ck_assert_uint_eq(s->live, live);
	size_t by_check = 0;
	for (size_t c = 0; c < s->nchecks; c++)
		by_check += s->live_by_check[c];
	ck_assert_uint_eq(by_check, live);
}

/*
 * Spilled at once (budget 1), after a few groups (4 KiB) and after many
 * (256 KiB): the same groups as in memory, for many small groups and for
 * groups of thousands of members (past the members file's write buffer of
 * 8192 and any piece a reader asks for).
 */
START_TEST(test_spilled_equals_memory)
{
	static const struct { size_t n; unsigned keys; bool big; } shapes[] = {
		{ 6000, 5000, false },	/* mostly one-finding groups */
		{ 5000, 40, false },	/* groups of about 125 */
		{ 40000, 3000, true },	/* two groups of about 10,000 */
	};
	for (size_t sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++) {
		struct fnd_list l = FND_LIST_INIT;
		make_list(&l, shapes[sh].n, shapes[sh].keys, shapes[sh].big, 7u + (unsigned)sh);
		struct fnd_group *ref;
		size_t nref = fnd_group(&l, &pol, NULL, &ref);
		ck_assert_uint_gt(nref, 1);

		struct grp_set mem;
		ck_assert_int_eq(build(&l, 0, &mem), 0);
		ck_assert(!grp_spilled(&mem));
		check_set(&mem, ref, nref, 9000);
		grp_release(&mem);

		const size_t budgets[] = { 1, 4096, 256 << 10 };
		for (size_t bi = 0; bi < 3; bi++) {
			struct grp_set s;
			ck_assert_int_eq(build(&l, budgets[bi], &s), 0);
			/* 40 groups fit in 256 KiB: those stay in memory, the thousands do not. */
			ck_assert(grp_spilled(&s) == (bi < 2 || shapes[sh].keys > 1000));
			check_set(&s, ref, nref, bi == 2 ? 9000 : 7);
			check_set(&s, ref, nref, 512);	/* read again: the same */
			grp_release(&s);
		}
		fnd_groups_free(ref, nref);
		fnd_release(&l);
	}
}
END_TEST

/* A spilled list (its own sorter) groups the same, through its re-reading. */
START_TEST(test_spilled_list)
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT;
	sp.budget = 4096;
	make_list(&mem, 3000, 700, false, 99);
	make_list(&sp, 3000, 700, false, 99);
	ck_assert(fnd_spilled(&sp));
	struct fnd_group *ref;
	size_t nref = fnd_group(&mem, &pol, NULL, &ref);
	struct grp_set s;
	ck_assert_int_eq(build(&sp, 64 << 10, &s), 0);
	ck_assert(grp_spilled(&s));
	check_set(&s, ref, nref, 100);
	grp_release(&s);
	fnd_groups_free(ref, nref);
	fnd_release(&mem);
	fnd_release(&sp);
}
END_TEST

/* No temporary file possible: what the groups hold stays in memory, the same groups. */
START_TEST(test_no_tmpdir_keeps_memory)
{
	struct fnd_list l = FND_LIST_INIT;
	make_list(&l, 20000, 300, true, 5);
	struct fnd_group *ref;
	size_t nref = fnd_group(&l, &pol, NULL, &ref);
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	setenv("TMPDIR", "/nonexistent/dpfaudit-test", 1);
	struct grp_set s;
	int rc = build(&l, 4096, &s);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	ck_assert_int_eq(rc, 0);
	check_set(&s, ref, nref, 333);
	grp_release(&s);
	fnd_groups_free(ref, nref);
	fnd_release(&l);
}
END_TEST

/*
 * A temporary file that cannot grow (RLIMIT_FSIZE of 4 KiB, SIGXFSZ
 * ignored as main() does): grp_build_finish() fails with EFBIG and leaves
 * an empty set, no abort.
 */
START_TEST(test_file_limit_is_an_error)
{
	struct fnd_list l = FND_LIST_INIT;
	make_list(&l, 20000, 5000, true, 11);
	struct rlimit old_rl, rl;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old_rl), 0);
	rl = old_rl;
	rl.rlim_cur = 4096;
	void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	struct grp_set s;
	errno = 0;
	int rc = build(&l, 4096, &s);
	int e = errno;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old_rl), 0);
	signal(SIGXFSZ, old_sig);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, EFBIG);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(!grp_spilled(&s));
	grp_release(&s);
	fnd_release(&l);
}
END_TEST

/*
 * The temporary files damaged under the reader (every spill file of the
 * process replaced by an empty one): the reading ends early and
 * grp_error() says so, which rep_write() turns into a failed report.
 */
START_TEST(test_read_error_is_reported)
{
	struct fnd_list l = FND_LIST_INIT;
	make_list(&l, 20000, 3000, true, 13);
	struct fnd_group *ref;
	size_t nref = fnd_group(&l, &pol, NULL, &ref);
	struct grp_set s;
	ck_assert_int_eq(build(&l, 4096, &s), 0);
	ck_assert(grp_spilled(&s));
	char tmpl[] = "/tmp/dpftest.XXXXXX";
	int empty = mkstemp(tmpl);
	ck_assert_int_ge(empty, 0);
	unlink(tmpl);
	int replaced = 0;
	for (int fd = 3; fd < 1024; fd++) {
		char path[64], target[256];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "dpfaudit-spill") && dup2(empty, fd) == fd)
			replaced++;
	}
	close(empty);
	ck_assert_int_ge(replaced, 1);
	struct grp_iter it;
	const struct fnd_group *g;
	size_t groups = 0, members = 0, m[64];
	for (grp_iter_start(&s, &it); (g = grp_iter_next(&it)); groups++)
		members += grp_members(&s, g, 0, m, 64);
	size_t whole = 0;	/* what a whole reading gives */
	for (size_t k = 0; k < nref; k++)
		whole += ref[k].count < 64 ? ref[k].count : 64;
	ck_assert_int_ne(grp_error(&s), 0);
	ck_assert(groups < nref || members < whole);
	grp_release(&s);
	fnd_groups_free(ref, nref);
	fnd_release(&l);
}
END_TEST

/* fnd_suppress()'s predicate in these tests: user u3 or subject 5; counts its calls. */
static size_t match_calls;

static bool match_u3_or_5(void *ctx, const struct finding *f)
{
	(void)ctx;
	match_calls++;
	return sv_eq(f->user, SV_LIT("u3")) || sv_eq(f->subject, SV_LIT("5"));
}

/* Read both lists: the same findings in the same order; how many are suppressed. */
static size_t same_lists(const struct fnd_list *mem, const struct fnd_list *sp)
{
	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0, suppressed = 0;
	for (fnd_iter_start(sp, &it); (f = fnd_iter_next(&it)); i++) {
		ck_assert_uint_lt(i, mem->n);
		ck_assert_msg(same_finding(f, &mem->v[i]), "finding %zu differs", i);
		suppressed += f->suppressed;
	}
	ck_assert_uint_eq(i, mem->n);
	ck_assert_int_eq(fnd_error(sp), 0);
	return suppressed;
}

/*
 * The baseline's marking: in place in memory; a spilled list is rewritten
 * through a new sorter and reads back exactly as the list marked in
 * memory, in the same order, every finding asked about once.
 */
START_TEST(test_suppress_spilled_as_in_memory)
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT;
	sp.budget = 4096;
	add_many(&mem, &sp, 600, 11);
	fnd_sort(&mem);
	fnd_sort(&sp);
	ck_assert(fnd_spilled(&sp));
	size_t before = same_lists(&mem, &sp);

	match_calls = 0;
	ck_assert_int_eq(fnd_suppress(&mem, match_u3_or_5, NULL), 0);
	ck_assert_uint_eq(match_calls, 600);
	match_calls = 0;
	ck_assert_int_eq(fnd_suppress(&sp, match_u3_or_5, NULL), 0);
	ck_assert_uint_eq(match_calls, 600);
	ck_assert(fnd_spilled(&sp));
	ck_assert_uint_eq(sp.n, 600);
	ck_assert(fnd_counts_whole(&sp));
	size_t after = same_lists(&mem, &sp);
	ck_assert_uint_gt(after, before + 50);
	ck_assert_uint_lt(after, 600);
	fnd_release(&mem);
	fnd_release(&sp);
}
END_TEST

static void suppress_fails(void *arg)
{
	ck_assert_int_eq(fnd_suppress(arg, match_u3_or_5, NULL), ENOENT);
}

/*
 * A rewrite (fails: fnd_suppress or fnd_rewrite, asserting ENOENT) that
 * cannot make its temporary file fails and leaves the list as it was.
 */
static void rewrite_keeps_list(void (*fails)(void *))
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT;
	sp.budget = 4096;
	add_many(&mem, &sp, 300, 5);
	fnd_sort(&mem);
	ck_assert(fnd_spilled(&sp));
	tu_without_tmpdir(fails, &sp);
	ck_assert(fnd_spilled(&sp));
	ck_assert(!sp.ordered);
	ck_assert_uint_eq(sp.n, 300);
	same_lists(&mem, &sp);
	fnd_release(&mem);
	fnd_release(&sp);
}

START_TEST(test_suppress_without_tmpdir_keeps_list)
{
	rewrite_keeps_list(suppress_fails);
}
END_TEST

/*
 * fnd_rewrite()'s edit in these tests: user uN becomes vM with M = 9 - N
 * (so the users sort the other way round) and subject N "s-N", both made
 * in the arena given; counts its calls.
 */
static size_t edit_calls;

static void edit_reverse(void *ctx, struct finding *f, struct arena *a)
{
	char b[32];
	(void)ctx;
	edit_calls++;
	if (f->user.n == 2 && f->user.p[0] == 'u') {
		snprintf(b, sizeof(b), "v%c", '0' + 9 - (f->user.p[1] - '0'));
		f->user = arena_sv(a, sv_cstr(b));
	}
	snprintf(b, sizeof(b), "s-%.*s", (int)f->subject.n, f->subject.p);
	f->subject = arena_sv(a, sv_cstr(b));
}

/*
 * --pseudonymize's rewrite keeps the list's order whatever it changes: in
 * memory in place; a spilled list through a sorter keyed by the index, so
 * it reads back as the list rewritten in memory, finding by finding, each
 * edited once; sorting the rewritten findings again would order them
 * otherwise (the users decide among findings of one line and check).  An
 * ordered list stays ordered through fnd_suppress() and is never joined.
 */
START_TEST(test_rewrite_keeps_order)
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT, other = FND_LIST_INIT;
	sp.budget = 4096;
	add_many(&mem, &sp, 600, 23);
	fnd_sort(&mem);
	fnd_sort(&sp);
	ck_assert(fnd_spilled(&sp));

	edit_calls = 0;
	ck_assert_int_eq(fnd_rewrite(&mem, edit_reverse, NULL), 0);
	ck_assert_uint_eq(edit_calls, 600);
	edit_calls = 0;
	ck_assert_int_eq(fnd_rewrite(&sp, edit_reverse, NULL), 0);
	ck_assert_uint_eq(edit_calls, 600);
	ck_assert(fnd_spilled(&sp));
	ck_assert(sp.ordered);
	ck_assert_uint_eq(sp.n, 600);
	ck_assert(fnd_counts_whole(&sp));
	ck_assert(mem.v[0].subject.n > 2 && !memcmp(mem.v[0].subject.p, "s-", 2));
	same_lists(&mem, &sp);
	ck_assert_int_eq(fnd_suppress(&sp, match_u3_or_5, NULL), 0);	/* matches none now */
	ck_assert(sp.ordered);
	same_lists(&mem, &sp);

	/* What the test rests on: fnd_sort() of the rewritten findings moves some. */
	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0, moved = 0;
	fnd_sort(&mem);
	for (fnd_iter_start(&sp, &it); (f = fnd_iter_next(&it)); i++)
		moved += !same_finding(f, &mem.v[i]);
	ck_assert_uint_gt(moved, 10);

	add_many(&other, NULL, 10, 3);
	ck_assert(!fnd_take(&other, &sp));
	ck_assert(!fnd_take(&sp, &other));
	ck_assert_uint_eq(sp.n, 600);
	ck_assert_uint_eq(other.n, 10);
	fnd_release(&other);
	fnd_release(&mem);
	fnd_release(&sp);
}
END_TEST

static void rewrite_fails(void *arg)
{
	ck_assert_int_eq(fnd_rewrite(arg, edit_reverse, NULL), ENOENT);
}

START_TEST(test_rewrite_without_tmpdir_keeps_list)
{
	rewrite_keeps_list(rewrite_fails);
}
END_TEST

struct bl_job {
	const char *path;
	struct fnd_list *l;
	int rc;
	struct diag err;
};

static void write_bl(void *arg)
{
	struct bl_job *j = arg;
	j->rc = bl_write(j->path, &pol, j->l, &j->err);
}

/*
 * --write-baseline sorts the fingerprints with a sorter of the list's
 * budget: from a spilled list (fingerprints spilled too) the same file as
 * from the list in memory, sorted and each once; where that sorter has no
 * temporary file, an error naming the file and nothing written.
 */
START_TEST(test_write_baseline_spilled)
{
	struct fnd_list mem = FND_LIST_INIT, sp = FND_LIST_INIT;
	char dir[] = "/tmp/dpftest-bl.XXXXXX", a[64], b[64], c[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/mem.bl", dir);
	snprintf(b, sizeof(b), "%s/sp.bl", dir);
	snprintf(c, sizeof(c), "%s/none.bl", dir);
	sp.budget = 4096;
	add_many(&mem, &sp, 800, 3);
	fnd_sort(&mem);
	struct diag err;
	ck_assert_int_eq(bl_write(a, &pol, &mem, &err), 0);
	ck_assert_int_eq(bl_write(b, &pol, &sp, &err), 0);
	struct bytes fa = { 0 }, fb = { 0 };
	slurp(a, &fa);
	slurp(b, &fb);
	ck_assert_str_eq((char *)fa.p, (char *)fb.p);
	char *ma = (char *)fa.p;
	/* Sorted and unique: 7 users x 13 subjects x 2 checks x 3 reasons at most. */
	size_t lines = 0;
	char *prev = NULL;
	for (char *p = ma, *nl; (nl = strchr(p, '\n')); p = nl + 1, lines++) {
		*nl = '\0';
		if (p[0] != '#' && prev && prev[0] != '#')
			ck_assert_int_lt(strcmp(prev, p), 0);
		prev = p;
	}
	ck_assert_uint_gt(lines, 50);
	ck_assert_uint_lt(lines, 300);

	struct bl_job j = { c, &sp, 0, { { 0 } } };
	tu_without_tmpdir(write_bl, &j);
	ck_assert_int_eq(j.rc, -1);
	ck_assert_msg(strstr(j.err.msg, "none.bl: cannot write baseline: temporary file: "),
		      "%s", j.err.msg);
	ck_assert_int_ne(access(c, F_OK), 0);
	free(fa.p);
	free(fb.p);
	unlink(a);
	unlink(b);
	rmdir(dir);
	fnd_release(&mem);
	fnd_release(&sp);
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
	tcase_add_test(tc, test_spilled_list_reads_as_in_memory);
	tcase_add_test(tc, test_group_matches_reference);
	tcase_add_test(tc, test_grouper_copies_transient_strings);
	tcase_add_test(tc, test_grouper_members_in_list_order);
	tcase_add_test(tc, test_fingerprint_is_stable);
	tcase_add_test(tc, test_add_out_of_memory_is_counted);
	tcase_add_test(tc, test_counts_as_filled);
	tcase_add_test(tc, test_suppress_spilled_as_in_memory);
	tcase_add_test(tc, test_suppress_without_tmpdir_keeps_list);
	tcase_add_test(tc, test_rewrite_keeps_order);
	tcase_add_test(tc, test_rewrite_without_tmpdir_keeps_list);
	tcase_add_test(tc, test_write_baseline_spilled);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_spilled_equals_memory);
	tcase_add_test(tc, test_spilled_list);
	tcase_add_test(tc, test_no_tmpdir_keeps_memory);
	tcase_add_test(tc, test_file_limit_is_an_error);
	tcase_add_test(tc, test_read_error_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(findings_suite)
