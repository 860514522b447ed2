/*
 * test_windows.c - excessive-access and failed-access-burst windows.
 *
 * Policies are built by hand: one role with max-subjects 3/1h (N small so
 * the rows stay readable), and the failed-access-burst threshold.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>

#include "findings.h"
#include "policy.h"
#include "testutil.h"
#include "windows.h"

static struct pol_role roles[3];
static struct pol_check checks[CHK_BUILTIN_COUNT];
static struct policy pol;

static void setup(void)
{
	memset(&pol, 0, sizeof(pol));
	memset(roles, 0, sizeof(roles));
	roles[0].name = "support-agent";
	roles[0].max_subjects = 3;
	roles[0].max_window = 3600;
	roles[1].name = "marketing";	/* no max-subjects */
	roles[2].name = "escalation";	/* a second, more permissive limit */
	roles[2].max_subjects = 5;
	roles[2].max_window = 600;
	for (int i = 0; i < CHK_BUILTIN_COUNT; i++) {
		const struct chk_info *ci = chk_info((enum chk_id)i);
		checks[i] = (struct pol_check){ .id = ci->id, .severity = ci->severity,
						.enabled = true, .builtin = true };
	}
	checks[CHK_FAILED_ACCESS_BURST].threshold_n = 20;
	checks[CHK_FAILED_ACCESS_BURST].threshold_window = 600;
	pol.roles = roles;
	pol.nroles = 3;
	pol.checks = checks;
	pol.nchecks = CHK_BUILTIN_COUNT;
}

/* One record: "t:user:subject" for reads, "t:user:src" for denials. */
struct rec {
	int64_t t;
	const char *user, *subject_or_src;
	int role;
};

static void add_at(struct win_log *wl, const struct rec *r, bool denied, uint32_t file,
		   uint64_t line)
{
	struct event ev;
	ev_reset(&ev);
	ev.time = 1795000000 + r->t;
	ev.has_time = true;
	ev.f[EVF_USER] = sv_cstr(r->user);
	ev.f[EVF_RESOURCE] = SV_LIT("/api/v1/customers/x/email");
	ev.raw = SV_LIT("10.0.0.7 - mrossi [...] \"GET ...\" 200 71");
	ev.file = file;
	ev.line = line;
	ev.status = denied ? 403 : 200;
	if (denied)
		ev.f[EVF_SRC] = sv_cstr(r->subject_or_src);
	else
		ev.f[EVF_SUBJECT] = sv_cstr(r->subject_or_src);
	if (denied)
		win_add_denied(wl, &ev, r->role);
	else
		win_add_read(wl, &ev, r->role);
}

static void add(struct win_log *wl, const struct rec *r, bool denied, uint64_t line)
{
	add_at(wl, r, denied, 0, line);
}

static size_t count_check(const struct fnd_list *l, enum chk_id id)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].check == (uint32_t)id;
	return n;
}

/* ---- excessive-access -------------------------------------------------- */

#define MAXREC 48
static const struct {
	const char *name;
	struct rec r[MAXREC];
	size_t nfind;
	uint64_t at_line;	/* line (1-based index in r) of the first finding */
} read_rows[] = {
	{ "exactly N distinct: none",
	  { { 0, "mrossi", "1", 0 }, { 10, "mrossi", "2", 0 }, { 20, "mrossi", "3", 0 } }, 0, 0 },
	{ "N+1 distinct: one, at the crossing read",
	  { { 0, "mrossi", "1", 0 }, { 10, "mrossi", "2", 0 }, { 20, "mrossi", "3", 0 }, { 30, "mrossi", "4", 0 } },
	  1, 4 },
	{ "repeats are not distinct",
	  { { 0, "mrossi", "1", 0 }, { 1, "mrossi", "1", 0 }, { 2, "mrossi", "2", 0 }, { 3, "mrossi", "2", 0 },
	    { 4, "mrossi", "3", 0 }, { 5, "mrossi", "3", 0 }, { 6, "mrossi", "1", 0 } }, 0, 0 },
	{ "first and last exactly WINDOW apart: inside",
	  { { 0, "mrossi", "1", 0 }, { 1000, "mrossi", "2", 0 }, { 2000, "mrossi", "3", 0 }, { 3600, "mrossi", "4", 0 } },
	  1, 4 },
	{ "WINDOW + 1 s apart: outside",
	  { { 0, "mrossi", "1", 0 }, { 1000, "mrossi", "2", 0 }, { 2000, "mrossi", "3", 0 }, { 3601, "mrossi", "4", 0 } },
	  0, 0 },
	{ "one finding per burst",
	  { { 0, "mrossi", "1", 0 }, { 1, "mrossi", "2", 0 }, { 2, "mrossi", "3", 0 }, { 3, "mrossi", "4", 0 },
	    { 4, "mrossi", "5", 0 }, { 5, "mrossi", "6", 0 } }, 1, 4 },
	{ "a burst ends, a new one fires",
	  { { 0, "mrossi", "1", 0 }, { 1, "mrossi", "2", 0 }, { 2, "mrossi", "3", 0 }, { 3, "mrossi", "4", 0 },
	    { 9000, "mrossi", "5", 0 }, { 9001, "mrossi", "6", 0 }, { 9002, "mrossi", "7", 0 }, { 9003, "mrossi", "8", 0 } },
	  2, 4 },
	{ "a burst that stays above N as the window slides: one",
	  { { 0, "mrossi", "1", 0 }, { 1000, "mrossi", "2", 0 }, { 2000, "mrossi", "3", 0 }, { 3000, "mrossi", "4", 0 },
	    { 4000, "mrossi", "5", 0 }, { 5000, "mrossi", "6", 0 } }, 1, 4 },
	{ "users are counted apart",
	  { { 0, "mrossi", "1", 0 }, { 1, "mrossi", "2", 0 }, { 2, "jdoe", "3", 0 }, { 3, "jdoe", "4", 0 },
	    { 4, "jdoe", "5", 0 }, { 5, "mrossi", "3", 0 } }, 0, 0 },
	{ "reads without a subject do not count",
	  { { 0, "mrossi", "1", 0 }, { 1, "mrossi", "", 0 }, { 2, "mrossi", "2", 0 }, { 3, "mrossi", "", 0 },
	    { 4, "mrossi", "3", 0 } }, 0, 0 },
	{ "a role without max-subjects",
	  { { 0, "cmartin", "1", 1 }, { 1, "cmartin", "2", 1 }, { 2, "cmartin", "3", 1 }, { 3, "cmartin", "4", 1 } },
	  0, 0 },
	{ "same instant: the later line crosses",
	  { { 5, "mrossi", "1", 0 }, { 5, "mrossi", "2", 0 }, { 5, "mrossi", "3", 0 }, { 5, "mrossi", "4", 0 } }, 1, 4 },
};

static size_t nrec(const struct rec *r)
{
	size_t n = 0;
	while (n < MAXREC && r[n].user)
		n++;
	return n;
}

START_TEST(test_reads)
{
	setup();
	const struct rec *r = read_rows[_i].r;
	size_t n = nrec(r);
	/* Forwards and backwards: the result may not depend on the order added. */
	for (int pass = 0; pass < 2; pass++) {
		struct win_log *wl = win_log_new();
		for (size_t k = 0; k < n; k++) {
			size_t idx = pass ? n - 1 - k : k;
			add(wl, &r[idx], false, idx + 1);
		}
		struct fnd_list out = FND_LIST_INIT;
		win_evaluate(wl, &pol, &out);
		ck_assert_msg(out.n == read_rows[_i].nfind, "%s (pass %d): %zu findings, want %zu",
			      read_rows[_i].name, pass, out.n, read_rows[_i].nfind);
		ck_assert_uint_eq(count_check(&out, CHK_EXCESSIVE_ACCESS), out.n);
		if (out.n) {
			fnd_sort(&out);
			ck_assert_uint_eq(out.v[0].line, read_rows[_i].at_line);
			ck_assert(sv_eq_cstr(out.v[0].role, "support-agent"));
			ck_assert(sv_eq_cstr(out.v[0].detail, "read 4 distinct subjects within 1h; role support-agent allows 3"));
			ck_assert(out.v[0].evidence.n > 0);
			ck_assert_int_eq(out.v[0].severity, chk_info(CHK_EXCESSIVE_ACCESS)->severity);
		}
		fnd_release(&out);
		win_log_free(wl);
	}
}
END_TEST

START_TEST(test_reads_disabled)
{
	setup();
	checks[CHK_EXCESSIVE_ACCESS].enabled = false;
	struct win_log *wl = win_log_new();
	for (int k = 0; k < 10; k++) {
		char s[8];
		snprintf(s, sizeof(s), "%d", k);
		struct rec r = { k, "mrossi", s, 0 };
		add(wl, &r, false, (uint64_t)k + 1);
	}
	struct fnd_list out = FND_LIST_INIT;
	win_evaluate(wl, &pol, &out);
	ck_assert_uint_eq(out.n, 0);
	win_log_free(wl);
}
END_TEST

/*
 * SPEC §4 semantics 8: one count per user across every role the user reads
 * under; where several roles set a limit, every one must be exceeded.
 * Reads 0..N-1 alternate between support-agent (3/1h) and escalation
 * (5/10m), or marketing (no limit) and support-agent, one second apart.
 */
static size_t alternate(int role_a, int role_b, int nsubjects, int64_t step, struct fnd_list *out)
{
	struct win_log *wl = win_log_new();
	for (int k = 0; k < nsubjects; k++) {
		char s[8];
		snprintf(s, sizeof(s), "%d", k);
		struct rec r = { k * step, "mrossi", s, k % 2 ? role_b : role_a };
		add(wl, &r, false, (uint64_t)k + 1);
	}
	win_evaluate(wl, &pol, out);
	win_log_free(wl);
	return out->n;
}

START_TEST(test_reads_across_roles)
{
	setup();
	struct fnd_list out = FND_LIST_INIT;
	/* Under one role, 4 subjects cross 3; switching roles does not reset the count. */
	ck_assert_uint_eq(alternate(0, 1, 4, 1, &out), 1);
	ck_assert_uint_eq(out.v[0].line, 4);
	fnd_release(&out);
	/* 4..5 subjects exceed support-agent's 3 but not escalation's 5: the most permissive wins. */
	ck_assert_uint_eq(alternate(0, 2, 5, 1, &out), 0);
	fnd_release(&out);
	/* 6 exceed both, at the 6th read; the detail names both limits. */
	ck_assert_uint_eq(alternate(0, 2, 6, 1, &out), 1);
	ck_assert_uint_eq(out.v[0].line, 6);
	ck_assert(sv_eq_cstr(out.v[0].detail,
			     "read 6 distinct subjects within 1h; role support-agent allows 3; "
			     "6 distinct subjects within 10m; role escalation allows 5"));
	fnd_release(&out);
	/* 6 reads 121 s apart: 6 in 1h exceed 3, but 10m holds at most 5 of them. */
	ck_assert_uint_eq(alternate(0, 2, 6, 121, &out), 0);
	fnd_release(&out);
}
END_TEST

/* SPEC §4: a fraction of a second over a window is over it, for both windows. */
static size_t fraction_run(bool denied, int32_t first_ns, int32_t last_ns)
{
	struct win_log *wl = win_log_new();
	unsigned n = denied ? 20 : 4;
	int64_t w = denied ? 600 : 3600;
	for (unsigned k = 0; k < n; k++) {
		struct event ev;
		char s[8];
		snprintf(s, sizeof(s), "%u", k);
		ev_reset(&ev);
		ev.has_time = true;
		ev.time = 1795000000 + (k + 1 == n ? w : (int64_t)k);
		ev.nsec = k == 0 ? first_ns : k + 1 == n ? last_ns : 0;
		ev.f[EVF_USER] = SV_LIT("mrossi");
		ev.f[EVF_SUBJECT] = sv_cstr(s);
		ev.f[EVF_SRC] = SV_LIT("10.0.0.7");
		ev.raw = SV_LIT("x");
		ev.line = k + 1;
		ev.status = denied ? 403 : 200;
		if (denied)
			win_add_denied(wl, &ev, 0);
		else
			win_add_read(wl, &ev, 0);
	}
	struct fnd_list out = FND_LIST_INIT;
	win_evaluate(wl, &pol, &out);
	size_t found = out.n;
	fnd_release(&out);
	win_log_free(wl);
	return found;
}

START_TEST(test_fraction)
{
	setup();
	for (int denied = 0; denied < 2; denied++) {
		/* First and last exactly WINDOW apart: inside. */
		ck_assert_uint_eq(fraction_run(denied, 0, 0), 1);
		ck_assert_uint_eq(fraction_run(denied, 500000000, 500000000), 1);
		/* WINDOW + 0.5 s, + 1 ns: outside. */
		ck_assert_uint_eq(fraction_run(denied, 0, 500000000), 0);
		ck_assert_uint_eq(fraction_run(denied, 0, 1), 0);
		/* The first 0.25 s late: the last is WINDOW - 0.25 s after it, inside. */
		ck_assert_uint_eq(fraction_run(denied, 250000000, 0), 1);
	}
}
END_TEST

/* ---- failed-access-burst --------------------------------------------- */

static const struct {
	const char *name;
	unsigned n;		/* denied events */
	int64_t step;		/* seconds between them */
	const char *user;	/* "-": keyed by src */
	unsigned nsrc;		/* sources, round robin (user "-") */
	size_t nfind;
	uint64_t at_line;
} deny_rows[] = {
	{ "19 in 10m: none", 19, 10, "mrossi", 1, 0, 0 },
	{ "20 in 10m: one, at the 20th", 20, 10, "mrossi", 1, 1, 20 },
	{ "20 spread over 608 s: none", 20, 32, "mrossi", 1, 0, 0 },
	{ "40 in a row: one burst", 40, 1, "mrossi", 1, 1, 20 },
	{ "no user: keyed by src", 20, 1, "-", 1, 1, 20 },
	{ "no user, two sources: none", 20, 1, "-", 2, 0, 0 },
	{ "empty user: keyed by src", 20, 1, "", 1, 1, 20 },
};

START_TEST(test_denied)
{
	setup();
	struct win_log *wl = win_log_new();
	for (unsigned k = 0; k < deny_rows[_i].n; k++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.0.%u", k % deny_rows[_i].nsrc);
		struct rec r = { (int64_t)k * deny_rows[_i].step, deny_rows[_i].user, src, 0 };
		add(wl, &r, true, k + 1);
	}
	struct fnd_list out = FND_LIST_INIT;
	win_evaluate(wl, &pol, &out);
	ck_assert_msg(out.n == deny_rows[_i].nfind, "%s: %zu findings", deny_rows[_i].name, out.n);
	ck_assert_uint_eq(count_check(&out, CHK_FAILED_ACCESS_BURST), out.n);
	if (out.n) {
		ck_assert_uint_eq(out.v[0].line, deny_rows[_i].at_line);
		ck_assert(sv_eq_cstr(out.v[0].user, deny_rows[_i].user));
		const char *who = sv_is_dash_or_empty(sv_cstr(deny_rows[_i].user)) ? "by address 10.0.0.0" : "by user mrossi";
		ck_assert_msg(strstr(out.v[0].detail.p, who), "%s", out.v[0].detail.p);
	}
	fnd_release(&out);
	win_log_free(wl);
}
END_TEST

/* Exactly WINDOW between the first and the N-th: inside; one more second: outside. */
START_TEST(test_denied_window_edge)
{
	for (int extra = 0; extra < 2; extra++) {
		setup();
		struct win_log *wl = win_log_new();
		for (unsigned k = 0; k < 20; k++) {
			struct rec r = { k == 19 ? 600 + extra : (int64_t)k, "jdoe", "10.0.0.1", -1 };
			add(wl, &r, true, k + 1);
		}
		struct fnd_list out = FND_LIST_INIT;
		win_evaluate(wl, &pol, &out);
		ck_assert_uint_eq(out.n, extra ? 0 : 1);
		fnd_release(&out);
		win_log_free(wl);
	}
}
END_TEST

START_TEST(test_denied_rearm)
{
	setup();
	checks[CHK_FAILED_ACCESS_BURST].threshold_n = 3;
	checks[CHK_FAILED_ACCESS_BURST].threshold_window = 60;
	struct win_log *wl = win_log_new();
	/* 0 1 2 (fire) 3 | 100 101 (2 < 3: burst over) 102 (fire) */
	static const int64_t t[] = { 0, 1, 2, 3, 100, 101, 102 };
	for (unsigned k = 0; k < 7; k++) {
		struct rec r = { t[k], "jdoe", "10.0.0.1", -1 };
		add(wl, &r, true, k + 1);
	}
	struct fnd_list out = FND_LIST_INIT;
	win_evaluate(wl, &pol, &out);
	fnd_sort(&out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_uint_eq(out.v[0].line, 3);
	ck_assert_uint_eq(out.v[1].line, 7);
	ck_assert(strstr(out.v[0].detail.p, "within 1m"));
	fnd_release(&out);
	win_log_free(wl);

	checks[CHK_FAILED_ACCESS_BURST].enabled = false;
	wl = win_log_new();
	for (unsigned k = 0; k < 7; k++) {
		struct rec r = { t[k], "jdoe", "10.0.0.1", -1 };
		add(wl, &r, true, k + 1);
	}
	win_evaluate(wl, &pol, &out);
	ck_assert_uint_eq(out.n, 0);
	win_log_free(wl);
}
END_TEST

/* Two threads' logs joined: the window spans both. */
START_TEST(test_take)
{
	setup();
	struct win_log *a = win_log_new(), *b = win_log_new();
	for (unsigned k = 0; k < 20; k++) {
		struct rec r = { k, "mrossi", "10.0.0.1", 0 };
		add(k % 2 ? a : b, &r, true, k + 1);
	}
	struct rec r4[] = { { 0, "jdoe", "1", 0 }, { 1, "jdoe", "2", 0 }, { 2, "jdoe", "3", 0 }, { 3, "jdoe", "4", 0 } };
	for (unsigned k = 0; k < 4; k++)
		add(k % 2 ? a : b, &r4[k], false, 100 + k);
	ck_assert_uint_eq(win_count(a), 12);
	win_take(a, b);
	ck_assert_uint_eq(win_count(a), 24);
	ck_assert_uint_eq(win_count(b), 0);
	win_log_free(b);	/* a's records still point at b's strings */
	struct fnd_list out = FND_LIST_INIT;
	win_evaluate(a, &pol, &out);
	ck_assert_uint_eq(count_check(&out, CHK_FAILED_ACCESS_BURST), 1);
	ck_assert_uint_eq(count_check(&out, CHK_EXCESSIVE_ACCESS), 1);
	for (size_t i = 0; i < out.n; i++)
		ck_assert(sv_eq_cstr(out.v[i].user, out.v[i].check == CHK_EXCESSIVE_ACCESS ? "jdoe" : "mrossi"));
	fnd_release(&out);
	win_log_free(a);
}
END_TEST

/* A long evidence line is kept long enough for findings to mark it cut. */
START_TEST(test_long_evidence)
{
	setup();
	static char line[4000];
	memset(line, 'x', sizeof(line) - 1);
	line[FND_EVIDENCE_MAX] = ' ';	/* a clean cut at the limit */
	struct win_log *wl = win_log_new();
	for (unsigned k = 0; k < 20; k++) {
		struct event ev;
		ev_reset(&ev);
		ev.time = k;
		ev.has_time = true;
		ev.f[EVF_USER] = SV_LIT("jdoe");
		ev.raw = sv_cstr(line);
		ev.line = k + 1;
		win_add_denied(wl, &ev, -1);
	}
	struct fnd_list out = FND_LIST_INIT;
	win_evaluate(wl, &pol, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_uint_eq(out.v[0].evidence.n, FND_EVIDENCE_MAX + 3);
	ck_assert(memcmp(out.v[0].evidence.p + FND_EVIDENCE_MAX, "...", 3) == 0);
	fnd_release(&out);
	win_log_free(wl);
}
END_TEST

/*
 * Past its budget a log counts records instead of keeping them; take() adds
 * the counts.  Two logs on one budget share it (the limit of a run does not
 * depend on the number of threads): 4 records kept of 10 offered.
 */
START_TEST(test_limit_counts_dropped)
{
	setup();
	struct win_log *a = win_log_new(), *b = win_log_new();
	struct win_budget shared = { .max = 4 };
	win_log_set_budget(a, &shared);
	win_log_set_budget(b, &shared);
	for (unsigned k = 0; k < 5; k++) {
		struct event ev;
		ev_reset(&ev);
		ev.time = k;
		ev.has_time = true;
		ev.f[EVF_USER] = SV_LIT("jdoe");
		ev.line = k + 1;
		win_add_denied(a, &ev, -1);
		win_add_denied(b, &ev, -1);
	}
	ck_assert_uint_eq(win_count(a), 2);
	ck_assert_uint_eq(win_dropped(a), 3);
	ck_assert_uint_eq(win_count(b), 2);
	ck_assert_uint_eq(win_dropped(b), 3);
	ck_assert(win_take(a, b));
	ck_assert_uint_eq(win_count(a), 4);
	ck_assert_uint_eq(win_dropped(a), 6);
	ck_assert_uint_eq(win_dropped(b), 0);
	/* Dropped by the budget only: no memory or disk error to name. */
	ck_assert_int_eq(win_drop_error(a), 0);
	win_log_free(a);
	win_log_free(b);
}
END_TEST

/*
 * The windows keep exact results however the records arrive: a stream of
 * reads (3 users, 12 subjects, bursts and quiet spells) and denials (from
 * users and addresses) is judged (a) in time order, in memory, from one
 * file; and (b) with the lines out of time order, split across two files
 * (rotation: the first half of the time line in file 0, the rest in file
 * 1, bursts spanning both) and two logs (threads) with a 4 KiB memory
 * budget, so almost everything is spilled to disk and merged back.  Both
 * give the same findings, record for record.
 */
#define NSTREAM 6000
struct srec {
	int64_t t;
	char user[8], key[16];
	bool denied;
	uint32_t file;
	uint64_t line;
};

static void add_srec(struct win_log *wl, const struct srec *r)
{
	struct rec x = { r->t, r->user, r->key, r->denied ? -1 : 0 };
	add_at(wl, &x, r->denied, r->file, r->line);
}

START_TEST(test_out_of_order_across_files_spilled)
{
	setup();
	static struct srec s[NSTREAM];
	uint64_t seed = 42;
	int64_t t = 0;
	for (size_t i = 0; i < NSTREAM; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t x = seed >> 20;
		/*
		 * Mostly seconds apart, sometimes a quiet hour: bursts start and
		 * end.  One stretch in four is an attack: mostly denials, fast.
		 */
		bool attack = (t / 3000) % 4 == 0;
		t += x % 97 == 0 ? 3700 : (int64_t)(x % (attack ? 10 : 40));
		s[i].t = t;
		s[i].denied = attack ? x % 10 < 7 : x % 5 == 0;
		snprintf(s[i].user, sizeof(s[i].user), "%s", s[i].denied && (attack || x % 3 == 0) ? "-" :
			 (const char *[]){ "mrossi", "jdoe", "akim" }[x % 3]);
		if (s[i].denied)
			snprintf(s[i].key, sizeof(s[i].key), "198.51.100.%u", (unsigned)(x % 2));
		else
			snprintf(s[i].key, sizeof(s[i].key), "%u", (unsigned)(1000 + (x >> 8) % 12));
		s[i].file = i < NSTREAM / 2 ? 0 : 1;
		s[i].line = s[i].file ? i - NSTREAM / 2 + 1 : i + 1;
	}

	struct win_log *ref = win_log_new();
	for (size_t i = 0; i < NSTREAM; i++)
		add_srec(ref, &s[i]);
	struct fnd_list want = FND_LIST_INIT;
	ck_assert_int_eq(win_evaluate(ref, &pol, &want), 0);
	win_log_free(ref);
	ck_assert_uint_gt(count_check(&want, CHK_EXCESSIVE_ACCESS), 3);
	ck_assert_uint_gt(count_check(&want, CHK_FAILED_ACCESS_BURST), 3);

	/* Out of order: a fixed shuffle; every other record to the second log. */
	static size_t order[NSTREAM];
	for (size_t i = 0; i < NSTREAM; i++)
		order[i] = i;
	for (size_t i = NSTREAM - 1; i > 0; i--) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t j = (size_t)(seed >> 33) % (i + 1), tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	struct win_log *a = win_log_new(), *b = win_log_new();
	win_log_set_memory(a, 4096);
	win_log_set_memory(b, 4096);
	for (size_t i = 0; i < NSTREAM; i++)
		add_srec(i & 1 ? b : a, &s[order[i]]);
	ck_assert(win_take(a, b));
	ck_assert_uint_eq(win_count(a), NSTREAM);
	struct fnd_list got = FND_LIST_INIT;
	ck_assert_int_eq(win_evaluate(a, &pol, &got), 0);
	ck_assert_int_eq(win_error(a), 0);
	win_log_free(a);
	win_log_free(b);

	fnd_sort(&want);
	fnd_sort(&got);
	ck_assert_uint_eq(got.n, want.n);
	for (size_t i = 0; i < want.n; i++) {
		ck_assert_uint_eq(got.v[i].check, want.v[i].check);
		ck_assert_uint_eq(got.v[i].file, want.v[i].file);
		ck_assert_uint_eq(got.v[i].line, want.v[i].line);
		ck_assert_int_eq(got.v[i].time, want.v[i].time);
		ck_assert(sv_eq(got.v[i].detail, want.v[i].detail));
		ck_assert(sv_eq(got.v[i].user, want.v[i].user));
	}
	fnd_release(&want);
	fnd_release(&got);
}
END_TEST

/*
 * What only a finding needs (user, resource, categories, evidence) is kept
 * apart from the sorted records and read back for the findings.  A stream
 * of reads and denials, every line with its own evidence, resource and
 * categories, is judged (a) in memory by one thread and (b) split over
 * two logs of a 4 KiB memory budget (about 900 KB of payloads: they go
 * to the temporary file in aligned 64 KiB blocks, so some payloads begin
 * in one block and end in the next, or in the memory after the file),
 * joined, judged on 1, 2 and 3 threads.  Every
 * finding is the same in every field, and its payload is its own line's.
 * win_foreach() shows the same records in the same order either way.
 */
#define NPAY 3000
static char pay_ev[NPAY][200], pay_res[NPAY][24], pay_user[NPAY][8], pay_key[NPAY][16];

static void add_pay(struct win_log *wl, size_t i)
{
	struct event ev;
	ev_reset(&ev);
	/* Seconds apart, and a quiet hour every 100 lines: bursts end and start again. */
	ev.time = 1795000000 + (int64_t)(i / 3) * 7 + (int64_t)(i / 100) * 3700;
	ev.has_time = true;
	ev.f[EVF_USER] = sv_cstr(pay_user[i]);
	ev.f[EVF_RESOURCE] = sv_cstr(pay_res[i]);
	ev.raw = sv_cstr(pay_ev[i]);
	/* As a parser gives it: every other resource a view into its line (the same text). */
	if (i % 2)
		ev.f[EVF_RESOURCE] = sv_make(strstr(pay_ev[i], pay_res[i]), strlen(pay_res[i]));
	ev.categories = (uint64_t)i * 2654435761u;
	ev.file = (uint32_t)(i % 2);
	ev.line = i + 1;
	bool denied = i % 4 == 0;
	ev.status = denied ? 401 : 200;
	if (denied) {
		ev.f[EVF_SRC] = sv_cstr(pay_key[i]);
		win_add_denied(wl, &ev, -1);
	} else {
		ev.f[EVF_SUBJECT] = sv_cstr(pay_key[i]);
		win_add_read(wl, &ev, 0);
	}
}

static void pay_setup(void)
{
	setup();
	checks[CHK_FAILED_ACCESS_BURST].threshold_n = 5;
	for (size_t i = 0; i < NPAY; i++) {
		bool denied = i % 4 == 0;
		snprintf(pay_user[i], sizeof(pay_user[i]), "%s", denied && i % 8 == 0 ? "-" :
			 (const char *[]){ "mrossi", "jdoe", "akim", "bnorr" }[i % 7 % 4]);
		if (denied)
			snprintf(pay_key[i], sizeof(pay_key[i]), "198.51.100.%zu", i % 3);
		else
			snprintf(pay_key[i], sizeof(pay_key[i]), "%zu", 1000 + i * 7919 % 40);
		snprintf(pay_res[i], sizeof(pay_res[i]), "/api/v1/c/%zu", i);
		snprintf(pay_ev[i], sizeof(pay_ev[i]), "10.0.0.%zu - %.7s [line %zu] \"GET /api/v1/c/%zu\" %d "
			 "padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-%zu",
			 i % 250, pay_user[i], i + 1, i, i % 4 == 0 ? 401 : 200, i);
	}
}

static bool same_finding(const struct finding *a, const struct finding *b)
{
	return a->check == b->check && a->severity == b->severity && a->time == b->time &&
	       a->file == b->file && a->line == b->line && a->categories == b->categories &&
	       sv_eq(a->user, b->user) && sv_eq(a->role, b->role) && sv_eq(a->subject, b->subject) &&
	       sv_eq(a->resource, b->resource) && sv_eq(a->evidence, b->evidence) &&
	       sv_eq(a->detail, b->detail);
}

/* win_foreach() as one text: every field of every record, in order. */
static void foreach_line(void *arg, const struct win_record *r)
{
	struct bytes *b = arg;
	char head[128];
	int n = snprintf(head, sizeof(head), "%d %lld %d %u %llu %d %llu|", (int)r->kind,
			 (long long)r->time, r->nsec, r->file, (unsigned long long)r->line, r->role,
			 (unsigned long long)r->categories);
	bytes_add(b, head, (size_t)n);
	sv f[] = { r->key, r->user, r->subject, r->resource, r->evidence };
	for (size_t i = 0; i < 5; i++) {
		bytes_add(b, f[i].p, f[i].n);
		bytes_add(b, "|", 1);
	}
	bytes_add(b, "\n", 1);
}

START_TEST(test_payload_spilled_and_jobs)
{
	pay_setup();
	struct win_log *ref = win_log_new();
	for (size_t i = 0; i < NPAY; i++)
		add_pay(ref, i);
	struct fnd_list want = FND_LIST_INIT;
	ck_assert_int_eq(win_evaluate(ref, &pol, &want), 0);
	ck_assert_uint_gt(count_check(&want, CHK_EXCESSIVE_ACCESS), 10);
	ck_assert_uint_gt(count_check(&want, CHK_FAILED_ACCESS_BURST), 10);
	fnd_sort(&want);
	/* Each finding carries its own line's payload. */
	for (size_t k = 0; k < want.n; k++) {
		const struct finding *f = &want.v[k];
		size_t i = (size_t)f->line - 1;
		ck_assert(sv_eq(f->resource, sv_cstr(pay_res[i])));
		ck_assert(sv_eq(f->evidence, sv_cstr(pay_ev[i])));
		ck_assert(sv_eq(f->user, sv_cstr(pay_user[i])));
		ck_assert_uint_eq(f->categories, (uint64_t)i * 2654435761u);
	}
	struct bytes want_each = { 0 };
	win_foreach(ref, foreach_line, &want_each);
	ck_assert_uint_gt(want_each.n, 0);

	for (unsigned jobs = 1; jobs <= 3; jobs++) {
		struct win_log *a = win_log_new(), *b = win_log_new();
		win_log_set_memory(a, 4096);
		win_log_set_memory(b, 4096);
		/* Backwards, every third record to the second log. */
		for (size_t i = NPAY; i-- > 0;)
			add_pay(i % 3 == 0 ? b : a, i);
		ck_assert(win_take(a, b));
		win_log_free(b);	/* a reads b's payloads: they stay as long as a needs them */
		ck_assert_uint_eq(win_count(a), NPAY);
		ck_assert_uint_eq(win_dropped(a), 0);
		win_log_set_jobs(a, jobs);
		struct fnd_list got = FND_LIST_INIT;
		ck_assert_int_eq(win_evaluate(a, &pol, &got), 0);
		ck_assert_int_eq(win_error(a), 0);
		fnd_sort(&got);
		ck_assert_uint_eq(got.n, want.n);
		for (size_t k = 0; k < want.n; k++)
			ck_assert(same_finding(&got.v[k], &want.v[k]));
		fnd_release(&got);
		struct bytes each = { 0 };
		win_foreach(a, foreach_line, &each);
		ck_assert_uint_eq(each.n, want_each.n);
		ck_assert(memcmp(each.p, want_each.p, each.n) == 0);
		free(each.p);
		win_log_free(a);
	}
	free(want_each.p);
	fnd_release(&want);
	win_log_free(ref);
}
END_TEST

/*
 * Where the payloads' temporary file cannot be created, what is in memory
 * is judged and the rest is counted as dropped (the audit says so), never
 * an abort; where a write to it fails (here: a file size limit), the log
 * reports the error, so the audit says the windows were not judged whole.
 */
START_TEST(test_payload_no_file)
{
	pay_setup();
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	setenv("TMPDIR", "/nonexistent/dpfaudit-test", 1);
	struct win_log *wl = win_log_new();
	win_log_set_memory(wl, 4096);
	for (size_t i = 0; i < NPAY; i++)
		add_pay(wl, i);
	ck_assert_uint_gt(win_dropped(wl), 0);
	ck_assert_uint_gt(win_count(wl), 0);
	ck_assert_uint_eq(win_count(wl) + win_dropped(wl), NPAY);
	/* Why they were dropped: the file could not be made (not the budget). */
	ck_assert_int_eq(win_drop_error(wl), ENOENT);
	/* Carried by a take, so the audit's joined log can say it. */
	struct win_log *all = win_log_new();
	ck_assert(win_take(all, wl));
	ck_assert_int_eq(win_drop_error(all), ENOENT);
	ck_assert_int_eq(win_drop_error(wl), 0);
	win_log_free(wl);
	wl = all;
	struct fnd_list out = FND_LIST_INIT;
	ck_assert_int_eq(win_evaluate(wl, &pol, &out), 0);
	ck_assert_int_eq(win_error(wl), 0);
	fnd_release(&out);
	win_log_free(wl);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
}
END_TEST

START_TEST(test_payload_write_error)
{
	pay_setup();
	struct rlimit old;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	struct rlimit none = { 0, old.rlim_max };
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none), 0);
	/* 64 KiB: 16 KiB of payloads, sorters big enough for these records (no spill). */
	struct win_log *wl = win_log_new();
	win_log_set_memory(wl, 65536);
	static char ev[2000];
	memset(ev, 'e', sizeof(ev) - 1);
	for (unsigned k = 0; k < 60; k++) {
		struct event e;
		ev_reset(&e);
		e.time = 1795000000 + k;
		e.has_time = true;
		e.f[EVF_USER] = SV_LIT("jdoe");
		e.raw = sv_cstr(ev);
		e.line = k + 1;
		win_add_denied(wl, &e, -1);
	}
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	ck_assert_uint_gt(win_dropped(wl), 0);
	ck_assert_int_eq(win_drop_error(wl), EFBIG);
	struct fnd_list out = FND_LIST_INIT;
	ck_assert_int_eq(win_evaluate(wl, &pol, &out), -1);
	ck_assert_int_eq(win_error(wl), EFBIG);
	fnd_release(&out);
	win_log_free(wl);
}
END_TEST

/* What `scan --state` carries: the latest time, and the records from a time on, in order. */
struct since_ctx {
	int64_t from;
	struct bytes all;
};

static void since_filter(void *arg, const struct win_record *r)
{
	struct since_ctx *c = arg;
	if (r->time >= c->from)
		foreach_line(&c->all, r);
}

START_TEST(test_foreach_since)
{
	pay_setup();
	struct win_log *a = win_log_new(), *b = win_log_new();
	int64_t t;
	ck_assert(!win_time_max(a, &t));
	win_log_set_memory(a, 4096);
	win_log_set_memory(b, 4096);
	for (size_t i = 0; i < NPAY; i++)
		add_pay(i < NPAY - 10 ? a : b, i);	/* the latest records in b */
	ck_assert(win_time_max(a, &t));
	ck_assert(win_take(a, b));
	win_log_free(b);
	int64_t last = 1795000000 + (int64_t)((NPAY - 1) / 3) * 7 + (int64_t)((NPAY - 1) / 100) * 3700;
	ck_assert(win_time_max(a, &t));
	ck_assert_int_eq(t, last);
	struct since_ctx want = { .from = last - 5000 };
	win_foreach(a, since_filter, &want);
	struct bytes got = { 0 };
	win_foreach_since(a, last - 5000, foreach_line, &got);
	ck_assert_uint_gt(got.n, 0);
	ck_assert_uint_eq(got.n, want.all.n);
	ck_assert(memcmp(got.p, want.all.p, got.n) == 0);
	struct bytes every = { 0 };
	win_foreach(a, foreach_line, &every);
	ck_assert_uint_gt(every.n, got.n);
	free(every.p);
	free(got.p);
	free(want.all.p);
	win_log_free(a);
}
END_TEST

/* Judge a log made of the pay_* records by logs of parts_a and parts_b partitions (0: none). */
static void judge_parts(unsigned parts_a, unsigned parts_b, unsigned jobs, struct fnd_list *out,
			struct bytes *each)
{
	struct win_log *a = win_log_new(), *b = win_log_new();
	win_log_set_parts(a, parts_a);
	win_log_set_parts(b, parts_b);
	win_log_set_memory(a, 8192);
	win_log_set_memory(b, 8192);
	for (size_t i = 0; i < NPAY; i++)
		add_pay(i % 5 == 0 ? b : a, i);
	ck_assert(win_take(a, b));
	ck_assert_uint_eq(win_count(a), NPAY);
	ck_assert_uint_eq(win_count(b), 0);
	ck_assert_uint_eq(win_dropped(a), 0);
	win_log_free(b);
	win_log_set_jobs(a, jobs);
	ck_assert_int_eq(win_evaluate(a, &pol, out), 0);
	fnd_sort(out);
	win_foreach(a, foreach_line, each);
	win_log_free(a);
}

/*
 * One partition is the evaluation of every key in one stream; eight, on
 * two threads, give the same findings and win_foreach() order, and so do
 * logs of different partitions joined (every record copied), and an
 * empty log taking a log of another shape.
 */
START_TEST(test_partitions)
{
	pay_setup();
	ck_assert_uint_eq(win_parts_for(1), 8);
	ck_assert_uint_eq(win_parts_for(32), 8);
	ck_assert_uint_eq(win_parts_for(64), 4);
	ck_assert_uint_eq(win_parts_for(128), 2);
	ck_assert_uint_eq(win_parts_for(1000), 1);
	struct fnd_list want = FND_LIST_INIT;
	struct bytes want_each = { 0 };
	judge_parts(1, 1, 1, &want, &want_each);
	ck_assert_uint_gt(want.n, 20);
	static const unsigned shapes[][3] = { { 8, 8, 2 }, { 3, 3, 3 }, { 3, 8, 2 }, { 8, 1, 1 } };
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct fnd_list got = FND_LIST_INIT;
		struct bytes each = { 0 };
		judge_parts(shapes[s][0], shapes[s][1], shapes[s][2], &got, &each);
		ck_assert_uint_eq(got.n, want.n);
		for (size_t k = 0; k < want.n; k++)
			ck_assert(same_finding(&got.v[k], &want.v[k]));
		ck_assert_uint_eq(each.n, want_each.n);
		ck_assert(memcmp(each.p, want_each.p, each.n) == 0);
		fnd_release(&got);
		free(each.p);
	}
	/* An empty log takes the shape of the log it takes. */
	struct win_log *e = win_log_new(), *b = win_log_new();
	win_log_set_parts(b, 2);
	for (size_t i = 0; i < NPAY; i++)
		add_pay(b, i);
	ck_assert(win_take(e, b));
	win_log_free(b);
	struct fnd_list got = FND_LIST_INIT;
	ck_assert_int_eq(win_evaluate(e, &pol, &got), 0);
	fnd_sort(&got);
	ck_assert_uint_eq(got.n, want.n);
	for (size_t k = 0; k < want.n; k++)
		ck_assert(same_finding(&got.v[k], &want.v[k]));
	fnd_release(&got);
	win_log_free(e);
	fnd_release(&want);
	free(want_each.p);
}
END_TEST

/*
 * The order win_foreach() shows (and the windows judge in): kind, key,
 * time, file, line, subject, resource.  Keys and subjects of one length
 * that differ only in their bytes, records that tie on everything before
 * the subject: equal keys and subjects are found without a comparison
 * call, and these check that unequal ones of the same length are still
 * told apart.  Added in reverse, in memory and through a 4 KiB budget.
 */
START_TEST(test_order_same_lengths)
{
	static const char *const keys[] = { "kb", "ka" }, *const subjects[] = { "s3", "s2", "s1" };
	static const char *const resources[] = { "/r1", "/r2", "/r3" };
	for (int spilled = 0; spilled < 2; spilled++) {
		struct win_log *wl = win_log_new();
		win_log_set_parts(wl, 1);
		if (spilled)
			win_log_set_memory(wl, 4096);
		for (int rep = 0; rep < (spilled ? 40 : 1); rep++)
			for (size_t k = 0; k < 2; k++)
				for (size_t i = 0; i < 3; i++) {
					struct win_record r = {
						.kind = WIN_READ, .time = 1795000000 + rep, .line = 7,
						.role = 0, .key = sv_cstr(keys[k]), .user = sv_cstr(keys[k]),
						.subject = sv_cstr(subjects[i]), .resource = sv_cstr(resources[i]),
						.evidence = SV_LIT("a line"),
					};
					win_add_record(wl, &r);
				}
		struct bytes got = { 0 };
		win_foreach(wl, foreach_line, &got);
		bytes_add(&got, "", 1);
		/* Per key, per second: s1 /r3, s2 /r2, s3 /r1 (the subject decides, not the resource). */
		const char *p = (const char *)got.p;
		for (size_t k = 0; k < 2; k++)
			for (int rep = 0; rep < (spilled ? 40 : 1); rep++)
				for (size_t i = 0; i < 3; i++) {
					char want[64];
					snprintf(want, sizeof(want), "|%s|%s|%s|%s|", k ? "kb" : "ka", k ? "kb" : "ka",
						 subjects[2 - i], resources[2 - i]);
					const char *nl = strchr(p, '\n');
					ck_assert_ptr_nonnull(nl);
					ck_assert_msg(memmem(p, (size_t)(nl - p), want, strlen(want)) != NULL,
						      "record %.*s, want %s", (int)(nl - p), p, want);
					p = nl + 1;
				}
		ck_assert_str_eq(p, "");
		free(got.p);
		win_log_free(wl);
	}
}
END_TEST

/*
 * The evaluation order on awkward values (kind, key, time, nsec, file,
 * line, subject, resource), against a plain comparator over the fields:
 * keys and subjects that begin one another, hold 0x00, 0x01 or 0xff
 * bytes, are empty or 600 bytes long; times from INT64_MIN to INT64_MAX
 * (negative ones before 0), nsec including -1, files and lines at the
 * byte boundaries of their values; many records equal in everything but
 * the resource.  Added in a scrambled order, in memory and through a
 * 4 KiB budget, over one partition and over eight: win_foreach() shows
 * every record once, in that order.
 */
struct ordrec {
	int kind;
	int64_t t;
	int32_t ns;
	uint32_t file;
	uint64_t line;
	sv key, subject, resource;
	unsigned id;
};

static int ord_cmp(const struct ordrec *a, const struct ordrec *b)
{
	int c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = sv_cmp(a->key, b->key)))
		return c;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->ns != b->ns)
		return a->ns < b->ns ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((c = sv_cmp(a->subject, b->subject)))
		return c;
	return sv_cmp(a->resource, b->resource);
}

#define NORD 3000
static char ord_long[2][602];
static struct ordrec ord_in[NORD];

static const sv *ord_strings(size_t *n)
{
	memset(ord_long[0], 'k', 600);
	memcpy(ord_long[1], ord_long[0], 600);
	ord_long[1][600] = '\0';	/* the 600 bytes and a 0x00: a longer key they begin */
	static sv v[14];
	size_t k = 0;
	v[k++] = SV_LIT("");
	v[k++] = SV_LIT("a");
	v[k++] = sv_make("a\0", 2);
	v[k++] = sv_make("a\0\0", 3);
	v[k++] = sv_make("a\0\xff", 3);
	v[k++] = sv_make("a\x01", 2);
	v[k++] = sv_make("a\xff", 2);
	v[k++] = SV_LIT("ab");
	v[k++] = sv_make("\0", 1);
	v[k++] = sv_make("\xff\xff", 2);
	v[k++] = sv_make(ord_long[0], 600);
	v[k++] = sv_make(ord_long[1], 601);
	v[k++] = sv_make(ord_long[0], 599);
	v[k++] = SV_LIT("mrossi");
	*n = k;
	return v;
}

struct ord_got {
	struct ordrec *v;
	size_t n;
};

static void ord_collect(void *arg, const struct win_record *r)
{
	struct ord_got *g = arg;
	ck_assert_uint_lt(g->n, NORD);
	unsigned id = 0;
	char ev[16];
	ck_assert_uint_lt(r->evidence.n, sizeof(ev));
	memcpy(ev, r->evidence.p, r->evidence.n);
	ev[r->evidence.n] = '\0';
	ck_assert_int_eq(sscanf(ev, "#%u", &id), 1);
	ck_assert_uint_lt(id, NORD);
	const struct ordrec *in = &ord_in[id];
	/* Every field back as it went in (views into ord_in's strings are compared by bytes). */
	ck_assert_int_eq((int)r->kind, in->kind);
	ck_assert(r->time == in->t && r->nsec == in->ns && r->file == in->file && r->line == in->line);
	ck_assert(sv_eq(r->key, in->key) && sv_eq(r->subject, in->subject) &&
		  sv_eq(r->resource, in->resource));
	g->v[g->n++] = *in;
}

START_TEST(test_order_awkward_values)
{
	size_t ns;
	const sv *str = ord_strings(&ns);
	static const int64_t times[] = { INT64_MIN, -3155760000, -1, 0, 1, 255, 256, 1795000000, INT64_MAX };
	static const int32_t nsecs[] = { -1, 0, 1, 255, 256, 999999999 };
	static const uint32_t files[] = { 0, 1, 255, 256, 65535, 65536, UINT32_MAX };
	static const uint64_t lines[] = { 0, 1, 255, 256, 16777216, UINT64_MAX - 1, UINT64_MAX };
	static const char *const res[] = { "/r", "/r\xff", "/q", "" };
	uint64_t x = 88172645463325252ull;
#define ORD_PICK(arr) (arr)[(x ^= x << 13, x ^= x >> 7, x ^= x << 17) % (sizeof(arr) / sizeof((arr)[0]))]
	for (unsigned i = 0; i < NORD; i++) {
		struct ordrec *o = &ord_in[i];
		if (i % 3 == 2) {
			/* Equal to the one before in all but the resource (or in all: the id tells them apart). */
			*o = ord_in[i - 1];
			o->resource = sv_cstr(ORD_PICK(res));
		} else {
			o->kind = (int)(ORD_PICK(lines) % 3);
			o->t = ORD_PICK(times);
			o->ns = ORD_PICK(nsecs);
			o->file = ORD_PICK(files);
			o->line = ORD_PICK(lines);
			o->key = str[(x ^= x << 13, x ^= x >> 7, x ^= x << 17) % ns];
			o->subject = str[(x ^= x << 13, x ^= x >> 7, x ^= x << 17) % ns];
			o->resource = sv_cstr(ORD_PICK(res));
		}
		o->id = i;
	}
#undef ORD_PICK
	static char ev[NORD][16];
	for (int mode = 0; mode < 4; mode++) {
		struct win_log *wl = win_log_new();
		win_log_set_parts(wl, mode & 1 ? 8 : 1);
		if (mode & 2)
			win_log_set_memory(wl, 4096);
		/* Scrambled: a stride prime to NORD. */
		for (unsigned k = 0; k < NORD; k++) {
			unsigned i = (unsigned)((k * 1237u) % NORD);
			const struct ordrec *o = &ord_in[i];
			snprintf(ev[i], sizeof(ev[i]), "#%u", i);
			struct win_record r = {
				.kind = (enum win_record_kind)o->kind, .time = o->t, .nsec = o->ns,
				.file = o->file, .line = o->line, .role = -1, .key = o->key,
				.user = o->key, .subject = o->subject, .resource = o->resource,
				.evidence = sv_cstr(ev[i]),
			};
			win_add_record(wl, &r);
		}
		ck_assert_uint_eq(win_count(wl), NORD);
		struct ord_got got = { calloc(NORD, sizeof(struct ordrec)), 0 };
		win_foreach(wl, ord_collect, &got);
		ck_assert_int_eq(win_error(wl), 0);
		ck_assert_uint_eq(got.n, NORD);
		bool seen[NORD] = { false };
		for (size_t i = 0; i < got.n; i++) {
			ck_assert(!seen[got.v[i].id]);
			seen[got.v[i].id] = true;
			if (i)
				ck_assert_msg(ord_cmp(&got.v[i - 1], &got.v[i]) <= 0,
					      "mode %d: record %u shown before %u", mode, got.v[i - 1].id,
					      got.v[i].id);
		}
		free(got.v);
		win_log_free(wl);
	}
}
END_TEST

/*
 * Keys are whole byte strings: a user whose name another's begins, or that
 * differs from it only by a 0x00 byte, has windows of its own.  Three
 * users of max-subjects 3 read 3 subjects each within a minute (none
 * over), the fourth subject of "ana" 10 minutes later (one finding, at
 * its line); at negative times, which sort before 0 (the fourth read at
 * time 0 is the one that crosses, not the first).
 */
START_TEST(test_keys_prefix_and_zero_bytes)
{
	setup();
	const sv users[] = { SV_LIT("ana"), sv_make("ana\0", 4), sv_make("ana\0b", 5), SV_LIT("an") };
	for (int spilled = 0; spilled < 2; spilled++) {
		struct win_log *wl = win_log_new();
		if (spilled)
			win_log_set_memory(wl, 4096);
		uint64_t line = 0;
		for (int rep = 0; rep < (spilled ? 30 : 1); rep++)
			for (size_t u = 0; u < 4; u++)
				for (int s = 0; s < 3; s++) {
					char subj[8];
					snprintf(subj, sizeof(subj), "%d", s);
					struct win_record r = {
						.kind = WIN_READ, .time = -600 + s - 100000 * (rep + 1),
						.line = ++line, .role = 0, .key = users[u], .user = users[u],
						.subject = sv_cstr(subj), .resource = SV_LIT("/c"),
						.evidence = SV_LIT("a line"),
					};
					win_add_record(wl, &r);
				}
		struct win_record r = {
			.kind = WIN_READ, .time = 0, .line = 999999, .role = 0, .key = users[0],
			.user = users[0], .subject = SV_LIT("3"), .resource = SV_LIT("/c"),
			.evidence = SV_LIT("the fourth"),
		};
		/* The same user's first reads of the window came at -600 .. -598 (rep 0 is -100600). */
		for (int s = 0; s < 3; s++) {
			char subj[8];
			snprintf(subj, sizeof(subj), "%d", s);
			struct win_record q = r;
			q.time = -600 + s;
			q.line = 1000000 + (uint64_t)s;
			q.subject = sv_cstr(subj);
			win_add_record(wl, &q);
		}
		win_add_record(wl, &r);
		struct fnd_list out = FND_LIST_INIT;
		ck_assert_int_eq(win_evaluate(wl, &pol, &out), 0);
		ck_assert_uint_eq(out.n, 1);
		ck_assert_uint_eq(out.v[0].check, CHK_EXCESSIVE_ACCESS);
		ck_assert_uint_eq(out.v[0].line, 999999);
		ck_assert(sv_eq(out.v[0].user, users[0]));
		ck_assert_int_eq(out.v[0].time, 0);
		fnd_release(&out);
		win_log_free(wl);
	}
}
END_TEST

static Suite *windows_suite(void)
{
	Suite *s = suite_create("windows");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_reads, 0, sizeof(read_rows) / sizeof(read_rows[0]));
	tcase_add_test(tc, test_reads_disabled);
	tcase_add_test(tc, test_reads_across_roles);
	tcase_add_test(tc, test_fraction);
	tcase_add_test(tc, test_limit_counts_dropped);
	tcase_add_test(tc, test_out_of_order_across_files_spilled);
	tcase_add_loop_test(tc, test_denied, 0, sizeof(deny_rows) / sizeof(deny_rows[0]));
	tcase_add_test(tc, test_denied_window_edge);
	tcase_add_test(tc, test_denied_rearm);
	tcase_add_test(tc, test_take);
	tcase_add_test(tc, test_long_evidence);
	tcase_add_test(tc, test_payload_spilled_and_jobs);
	tcase_add_test(tc, test_payload_no_file);
	tcase_add_test(tc, test_foreach_since);
	tcase_add_test(tc, test_partitions);
	tcase_add_test(tc, test_order_same_lengths);
	tcase_add_test(tc, test_order_awkward_values);
	tcase_add_test(tc, test_keys_prefix_and_zero_bytes);
	tcase_add_test(tc, test_payload_write_error);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(windows_suite)
