/* test_util.c - sv, buf, arena and strmap: the containers everything uses. */
#include "testutil.h"

#include <ctype.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include <errno.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "checks.h"
#include "strmap.h"
#include "sv.h"
#include "xalloc.h"

static const struct {
	const char *in;
	bool ok;
	unsigned long long v;
} u64_rows[] = {
	{ "0", true, 0 },
	{ "42", true, 42 },
	{ "18446744073709551615", true, 18446744073709551615ULL },
	{ "18446744073709551616", false, 0 },	/* overflow */
	{ "9999999999999999999", true, 9999999999999999999ULL },	/* 19 digits: the unchecked path's longest */
	{ "0000000000000000000042", true, 42 },	/* more than 19 digits, no overflow */
	{ "99999999999999999999", false, 0 },	/* 20 digits, overflow */
	{ "123456789012345678x", false, 0 },
	{ "", false, 0 },
	{ "-1", false, 0 },
	{ "12a", false, 0 },
	{ " 1", false, 0 },
};

START_TEST(test_sv_to_u64)
{
	unsigned long long v = 7;
	bool ok = sv_to_u64(sv_cstr(u64_rows[_i].in), &v);
	ck_assert_int_eq(ok, u64_rows[_i].ok);
	if (ok)
		ck_assert_uint_eq(v, u64_rows[_i].v);
	else
		ck_assert_uint_eq(v, 7);	/* untouched on failure */
}
END_TEST

/*
 * sv_eq_nocase and sv_trim read ASCII case and white space themselves:
 * for every pair of bytes they agree with tolower() and isspace() in the
 * C locale the program runs in (high bytes are never letters or space).
 */
START_TEST(test_sv_ascii_matches_ctype)
{
	for (int a = 0; a < 256; a++) {
		char ca = (char)a;
		for (int b = 0; b < 256; b++) {
			char cb = (char)b;
			bool want = tolower(a) == tolower(b);
			ck_assert_msg(sv_eq_nocase(sv_make(&ca, 1), sv_make(&cb, 1)) == want, "%d %d", a, b);
		}
		char s[3] = { 'x', ca, 'x' };
		ck_assert_uint_eq(sv_trim(sv_make(&ca, 1)).n, isspace(a) ? 0 : 1);
		ck_assert_uint_eq(sv_trim(sv_make(s + 1, 2)).n, isspace(a) ? 1 : 2);
		ck_assert_uint_eq(sv_trim(sv_make(s, 2)).n, isspace(a) ? 1 : 2);
		ck_assert_uint_eq(sv_trim(sv_make(s, 3)).n, 3);
	}
}
END_TEST

/*
 * sv_to_u64's unchecked path for short numbers against a slow reference
 * (digit by digit with an overflow check), and sv_eq_nocase against
 * tolower() byte by byte, on pseudo-random strings of digits, letters
 * and other bytes of every length up to 24.
 */
static bool u64_slow(sv s, unsigned long long *out)
{
	unsigned long long v = 0;
	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		unsigned d = (unsigned)(s.p[i] - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

START_TEST(test_sv_fast_paths)
{
	static const char alpha[] = "0123456789999aAzZ-/ \x80";
	unsigned long long seed = 88172645463325252ULL;
	char a[24], b[24];
	for (int iter = 0; iter < 200000; iter++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		size_t n = (size_t)(seed % 25);
		unsigned long long r = seed;
		for (size_t i = 0; i < n; i++) {
			/* Mostly digits, so long numbers come up. */
			a[i] = (r & 7) ? (char)('0' + (r >> 3) % 10) : alpha[(r >> 3) % (sizeof(alpha) - 1)];
			b[i] = (r >> 8 & 3) == 0 ? (char)toupper((unsigned char)a[i]) : a[i];
			if ((r >> 10 & 31) == 0)
				b[i] = alpha[(r >> 15) % (sizeof(alpha) - 1)];
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		}
		unsigned long long v1 = 1, v2 = 1;
		bool ok1 = sv_to_u64(sv_make(a, n), &v1), ok2 = u64_slow(sv_make(a, n), &v2);
		ck_assert_int_eq(ok1, ok2);
		ck_assert_uint_eq(v1, v2);
		bool want = true;
		for (size_t i = 0; i < n; i++)
			want = want && tolower((unsigned char)a[i]) == tolower((unsigned char)b[i]);
		ck_assert_int_eq(sv_eq_nocase(sv_make(a, n), sv_make(b, n)), want);
	}
}
END_TEST

START_TEST(test_sv_basics)
{
	ck_assert(sv_eq(SV_LIT("abc"), sv_cstr("abc")));
	ck_assert(!sv_eq(SV_LIT("abc"), SV_LIT("abd")));
	ck_assert(!sv_eq(SV_LIT("ab"), SV_LIT("abc")));
	ck_assert(sv_eq(SV_NULL, SV_LIT("")));
	ck_assert(sv_eq_nocase(SV_LIT("GET"), SV_LIT("get")));
	/* sv_cmp: bytes first, then the shorter (a prefix) sorts first; NUL is a byte. */
	ck_assert_int_lt(sv_cmp(SV_LIT("ab"), SV_LIT("abc")), 0);
	ck_assert_int_gt(sv_cmp(SV_LIT("b"), SV_LIT("abc")), 0);
	ck_assert_int_eq(sv_cmp(SV_NULL, SV_LIT("")), 0);
	ck_assert_int_lt(sv_cmp(sv_make("a\0b", 3), sv_make("a\0c", 3)), 0);
	sv t = sv_trim(SV_LIT(" \t x y \r\n"));
	ck_assert_uint_eq(t.n, 3);
	ck_assert(memcmp(t.p, "x y", 3) == 0);
	ck_assert(sv_is_dash_or_empty(SV_LIT("-")));
	ck_assert(sv_is_dash_or_empty(SV_LIT("")));
	ck_assert(!sv_is_dash_or_empty(SV_LIT("--")));
	ck_assert(sv_hash(SV_LIT("a")) != sv_hash(SV_LIT("b")));
	ck_assert(sv_hash(SV_LIT("abc")) == sv_hash(sv_cstr("abc")));
}
END_TEST

/* Two hex digits, either case; anything else (a NUL that ends the string too) is -1. */
/*
 * sv_mem_eq() agrees with memcmp() == 0 for every length 0..40 (each of
 * its word-compare cases and memcmp past 16), a difference at every
 * position and in every bit of it, at unaligned offsets.
 */
START_TEST(test_sv_mem_eq)
{
	unsigned char a[64], b[64];
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 37 + 11);
	for (size_t off = 0; off < 3; off++)
		for (size_t n = 0; n <= 40; n++) {
			memcpy(b, a, sizeof(a));
			ck_assert(sv_mem_eq(a + off, b + off, n));
			for (size_t at = 0; at < n; at++)
				for (int bit = 0; bit < 8; bit++) {
					memcpy(b, a, sizeof(a));
					b[off + at] ^= (unsigned char)(1u << bit);
					ck_assert_msg(!sv_mem_eq(a + off, b + off, n), "n %zu at %zu", n, at);
					ck_assert(!sv_eq(sv_make((char *)a + off, n), sv_make((char *)b + off, n)));
				}
			/* a difference just past the compared bytes does not count */
			memcpy(b, a, sizeof(a));
			b[off + n] ^= 1;
			ck_assert(sv_mem_eq(a + off, b + off, n));
		}
}
END_TEST

START_TEST(test_sv_hexbyte)
{
	ck_assert_int_eq(sv_hexbyte("4F"), 0x4f);
	ck_assert_int_eq(sv_hexbyte("4f"), 0x4f);
	ck_assert_int_eq(sv_hexbyte("00"), 0);
	ck_assert_int_eq(sv_hexbyte("fF"), 255);
	ck_assert_int_eq(sv_hexbyte("G0"), -1);
	ck_assert_int_eq(sv_hexbyte("0g"), -1);
	ck_assert_int_eq(sv_hexbyte("4"), -1);
	ck_assert_int_eq(sv_hexbyte(""), -1);
	ck_assert_int_eq(sv_hexbyte(" 4"), -1);
}
END_TEST

/* Hint distances (sv_distance): a transposition of neighbours is one edit. */
static const struct {
	const char *a, *b;
	size_t want;
} dist_rows[] = {
	{ "", "", 0 },
	{ "abc", "abc", 0 },
	{ "abc", "", 3 },
	{ "no-busines-reason", "no-business-reason", 1 },
	{ "off-hour-acess", "off-hours-access", 2 },
	{ "kitten", "sitting", 3 },
	{ "a", "abcdefgh", 7 },
	{ "rpeort", "report", 1 },
	{ "ab", "ba", 1 },
};

START_TEST(test_sv_distance)
{
	size_t d = sv_distance(sv_cstr(dist_rows[_i].a), sv_cstr(dist_rows[_i].b));
	ck_assert_msg(d == dist_rows[_i].want, "'%s' '%s': %zu, want %zu", dist_rows[_i].a,
		      dist_rows[_i].b, d, dist_rows[_i].want);
}
END_TEST

/* The nearest candidate within the bound, the first on a tie; NULL entries skipped. */
START_TEST(test_sv_closest_within)
{
	static const char *const ids[] = { NULL, "off-hours-access", "role-not-permitted",
					   "off-hours-accesz" };
	ck_assert_str_eq(sv_closest_within(SV_LIT("off-hour-acess"), ids, 4, 2), "off-hours-access");
	ck_assert_ptr_null(sv_closest_within(SV_LIT("off-hour-acess"), ids, 4, 1));
	ck_assert_str_eq(sv_closest_within(SV_LIT("role-not-permited"), ids, 4, 2),
			 "role-not-permitted");
	ck_assert_ptr_null(sv_closest_within(SV_LIT("x"), ids, 0, 5));
	/* sv_closest: one edit below five bytes, two from five on */
	ck_assert_ptr_null(sv_closest(SV_LIT("sxxn"), (const char *const[]){ "scan" }, 1));
	ck_assert_str_eq(sv_closest(SV_LIT("scna"), (const char *const[]){ "scan" }, 1), "scan");
	ck_assert_str_eq(sv_closest(SV_LIT("rapurt"), (const char *const[]){ "report" }, 1), "report");
}
END_TEST

/* Principles in report order whatever the bit order, names or slugs, nothing for none. */
START_TEST(test_pr_join)
{
	struct buf b = BUF_INIT;

	pr_join(&b, PR_BIT(PR_SECURITY) | PR_BIT(PR_NOTICE), pr_name, "; ");
	ck_assert(sv_eq_cstr(buf_sv(&b), "Notice; Security"));
	buf_reset(&b);
	pr_join(&b, PR_BIT(PR_SECURITY) | PR_BIT(PR_NOTICE), pr_slug, ", ");
	ck_assert(sv_eq_cstr(buf_sv(&b), "notice, security"));
	buf_reset(&b);
	pr_join(&b, 0, pr_name, "; ");
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_buf_cap_is_sticky)
{
	struct buf b;
	buf_init(&b, 8);
	buf_adds(&b, "12345");
	ck_assert_int_eq(b.err, 0);
	buf_adds(&b, "6789");	/* would be 9 > 8: dropped, error set */
	ck_assert_int_eq(b.err, E2BIG);
	ck_assert_uint_eq(b.len, 5);
	buf_adds(&b, "x");	/* sticky: still dropped */
	ck_assert_uint_eq(b.len, 5);
	ck_assert_str_eq(b.p, "12345");
	buf_reset(&b);
	ck_assert_int_eq(b.err, 0);
	buf_addf(&b, "%d-%s", 12, "ab");
	ck_assert_str_eq(b.p, "12-ab");
	/* Exactly the cap fits (memory is there already: the append without growing). */
	buf_adds(&b, "678");
	ck_assert_int_eq(b.err, 0);
	ck_assert_str_eq(b.p, "12-ab678");
	buf_addc(&b, '9');
	ck_assert_int_eq(b.err, E2BIG);
	ck_assert_str_eq(b.p, "12-ab678");
	buf_release(&b);
	ck_assert_ptr_null(b.p);
}
END_TEST

START_TEST(test_buf_grows_unbounded)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_int_eq(b.p[10000], '\0');
	ck_assert_int_eq(b.p[27], 'b');
	size_t len;
	char *s = buf_detach(&b, &len);
	ck_assert_uint_eq(len, 10000);
	ck_assert_ptr_null(b.p);
	free(s);
}
END_TEST

START_TEST(test_buf_addu64)
{
	struct buf b = BUF_INIT;
	buf_addu64(&b, 0);
	buf_addc(&b, ' ');
	buf_addu64(&b, 10);
	buf_addc(&b, ' ');
	buf_addu64(&b, UINT64_MAX);
	ck_assert_str_eq(b.p, "0 10 18446744073709551615");
	buf_release(&b);
}
END_TEST

START_TEST(test_arena)
{
	struct arena a = ARENA_INIT;
	char *big = arena_alloc(&a, 200000);	/* bigger than a block */
	memset(big, 'x', 200000);
	sv s = arena_sv(&a, SV_LIT("hello"));
	ck_assert_str_eq(s.p, "hello");
	void *small = arena_alloc(&a, 3);
	ck_assert_uint_eq((uintptr_t)small % 16, 0);
	struct arena b = ARENA_INIT;
	sv t = arena_sv(&b, SV_LIT("moved"));
	arena_take(&a, &b);
	ck_assert_ptr_null(b.head);
	ck_assert_str_eq(t.p, "moved");	/* still valid after the move */
	ck_assert_int_eq(big[199999], 'x');
	arena_release(&a);
	ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(test_strmap)
{
	struct strmap m = STRMAP_INIT;
	char key[32];
	bool created;
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof(key), "user%d", i);
		uintptr_t *v = strmap_put(&m, sv_make(key, (size_t)n), (uintptr_t)i, &created);
		ck_assert(created);
		ck_assert_uint_eq(*v, (uintptr_t)i);
	}
	ck_assert_uint_eq(m.count, 5000);
	uintptr_t *v = strmap_put(&m, SV_LIT("user77"), 9, &created);
	ck_assert(!created);
	ck_assert_uint_eq(*v, 77);
	ck_assert_ptr_nonnull(strmap_get(&m, SV_LIT("user4999")));
	ck_assert_ptr_null(strmap_get(&m, SV_LIT("user5000")));
	ck_assert_ptr_null(strmap_get(&m, SV_LIT("")));
	strmap_put(&m, SV_LIT(""), 1, &created);	/* the empty key is a key too */
	ck_assert(strmap_has(&m, SV_LIT("")));
	strmap_release(&m);
	ck_assert_ptr_null(strmap_get(&m, SV_LIT("user1")));
}
END_TEST

/*
 * Out of memory, strmap_put returns NULL and leaves the map as it was (no
 * abort): both where the table must grow and where the key is copied.
 */
START_TEST(test_strmap_out_of_memory)
{
	struct strmap m = STRMAP_INIT;
	char key[32];
	bool created = true;
	int i, n;

	for (i = 0; i < 12; i++) {	/* 12 of the first table's 16 slots: the next grows it */
		n = snprintf(key, sizeof(key), "user%d", i);
		ck_assert_ptr_nonnull(strmap_put(&m, sv_make(key, (size_t)n), (uintptr_t)i, NULL));
	}
	size_t cap = m.cap;
	xalloc_fail_try(0);
	ck_assert_ptr_null(strmap_put(&m, SV_LIT("user12"), 12, &created));
	ck_assert(!created);
	ck_assert_uint_eq(m.count, 12);
	ck_assert_uint_eq(m.cap, cap);
	/* An existing key is still found: that needs no memory, but the grow comes first. */
	xalloc_fail_try(-1);
	ck_assert_ptr_nonnull(strmap_put(&m, SV_LIT("user12"), 12, &created));
	ck_assert(created);
	/* The table has room now; the key's copy is what fails (a new arena block). */
	static char big[70000];	/* more than an arena block holds: a new block */
	memset(big, 'k', sizeof(big));
	xalloc_fail_try(0);
	ck_assert_ptr_null(strmap_put(&m, sv_make(big, sizeof(big)), 1, &created));
	ck_assert(!created);
	xalloc_fail_try(-1);
	ck_assert_uint_eq(m.count, 13);
	ck_assert_ptr_null(strmap_get(&m, sv_make(big, sizeof(big))));
	for (i = 0; i <= 12; i++) {
		n = snprintf(key, sizeof(key), "user%d", i);
		uintptr_t *v = strmap_get(&m, sv_make(key, (size_t)n));
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, (uintptr_t)i);
	}
	strmap_release(&m);
}
END_TEST

/* The try_ tier reports an overflowing size as ENOMEM, never a short block. */
START_TEST(test_xalloc_overflow)
{
	errno = 0;
	ck_assert_ptr_null(try_reallocarray(NULL, SIZE_MAX / 2 + 1, 2));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_ptr_null(try_calloc(SIZE_MAX / 4 + 1, 8));
	ck_assert_ptr_null(try_strndup("x", SIZE_MAX));
	/* Zero-sized requests are unique non-NULL blocks: NULL always means failure. */
	void *a = try_malloc(0), *b = xcalloc(0, 8), *c = xreallocarray(NULL, 0, 8);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	free(a);
	free(b);
	free(c);
	char *d = xstrndup("abcdef", 3);
	ck_assert_str_eq(d, "abc");
	free(d);
}
END_TEST

/*
 * Run fn in a child and return its exit status (-1 if it did not exit).
 * The exit is what is tested, so the test forks itself rather than rely on
 * Check's fork: it also runs under valgrind with CK_FORK=no.
 */
static int exit_status_of(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn();
		_exit(99);	/* fn returned: the out-of-memory path did not end the process */
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void oom_overflow(void)
{
	(void)xreallocarray(NULL, SIZE_MAX / 2 + 1, 2);
}

/* The x* tier's one out-of-memory exit: status 3 (audit incomplete). */
START_TEST(test_xalloc_oom_exits_3)
{
	ck_assert_int_eq(exit_status_of(oom_overflow), 3);
}
END_TEST

static void oom_hook(size_t size)
{
	_exit(size == SIZE_MAX ? 42 : 43);
}

static void oom_with_hook(void)
{
	xalloc_set_oom_hook(oom_hook);
	(void)xcalloc(SIZE_MAX / 4 + 1, 8);
}

/* The hook runs first, with the size that failed (memory's exit path). */
START_TEST(test_xalloc_oom_hook)
{
	ck_assert_int_eq(exit_status_of(oom_with_hook), 42);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_sv_to_u64, 0, sizeof(u64_rows) / sizeof(u64_rows[0]));
	tcase_add_test(tc, test_sv_fast_paths);
	tcase_add_test(tc, test_sv_basics);
	tcase_add_test(tc, test_sv_ascii_matches_ctype);
	tcase_add_test(tc, test_sv_hexbyte);
	tcase_add_test(tc, test_sv_mem_eq);
	tcase_add_loop_test(tc, test_sv_distance, 0, sizeof(dist_rows) / sizeof(dist_rows[0]));
	tcase_add_test(tc, test_sv_closest_within);
	tcase_add_test(tc, test_pr_join);
	tcase_add_test(tc, test_buf_cap_is_sticky);
	tcase_add_test(tc, test_buf_grows_unbounded);
	tcase_add_test(tc, test_buf_addu64);
	tcase_add_test(tc, test_arena);
	tcase_add_test(tc, test_strmap);
	tcase_add_test(tc, test_strmap_out_of_memory);
	tcase_add_test(tc, test_xalloc_overflow);
	tcase_add_test(tc, test_xalloc_oom_exits_3);
	tcase_add_test(tc, test_xalloc_oom_hook);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(util_suite)
