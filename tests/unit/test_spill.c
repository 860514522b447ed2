/*
 * test_spill.c - the external merge sort: the same order whatever the
 * memory budget (in memory, a few runs, more runs than one merge takes),
 * records moved between sorters, and memory that stays bounded while the
 * data grows.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>

#include "spill.h"
#include "testutil.h"

/*
 * Under ASan freed memory waits in a quarantine (256 MiB by default), which
 * is not what the memory test measures: keep it small.
 */
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
	return "quarantine_size_mb=1";
}
#endif

/* Records: an 8-byte big-endian key, then filler bytes of a length from the key. */
static int key_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)ctx;
	int c = memcmp(a, b, 8);
	if (c)
		return c;
	return (an > bn) - (an < bn);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 17;
}

static size_t make_rec(unsigned char *p, uint64_t key)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(key >> (56 - 8 * i));
	size_t n = 8 + key % 300;
	for (size_t i = 8; i < n; i++)
		p[i] = (unsigned char)(key + i);
	return n;
}

/* Add count pseudo-random records to s (split over two sorters joined by take when two). */
static void fill(struct spill *s, struct spill *other, size_t count, uint64_t seed)
{
	unsigned char rec[512];
	for (size_t i = 0; i < count; i++) {
		uint64_t k = lcg(&seed) % 100000;
		size_t n = make_rec(rec, k);
		struct spill *to = other && (i & 1) ? other : s;
		ck_assert_int_eq(spill_add(to, rec, n), 0);
	}
	if (other)
		ck_assert_int_eq(spill_take(s, other), 0);
}

/* A record's key: its first 8 bytes, big-endian. */
static uint64_t key_of(const unsigned char *r)
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = k << 8 | r[i];
	return k;
}

/* Read everything: in order, the right count, every record intact; returns a checksum. */
static uint64_t drain(struct spill *s, size_t want)
{
	const void *p;
	size_t n, got = 0;
	unsigned char prev[512];
	size_t prevn = 0;
	uint64_t sum = 0;
	ck_assert_int_eq(spill_rewind(s), 0);
	while (spill_next(s, &p, &n) > 0) {
		const unsigned char *r = p;
		uint64_t k = key_of(r);
		unsigned char exp[512];
		ck_assert_uint_eq(make_rec(exp, k), n);
		ck_assert(memcmp(exp, r, n) == 0);
		if (got)
			ck_assert_int_le(key_cmp(prev, prevn, r, n, NULL), 0);
		memcpy(prev, r, n);
		prevn = n;
		sum = sum * 31 + k;
		got++;
	}
	ck_assert_int_eq(spill_error(s), 0);
	ck_assert_uint_eq(got, want);
	return sum;
}

/* Budgets: everything in memory; a few runs; hundreds of runs (merged in passes). */
START_TEST(test_same_order_any_budget)
{
	static const size_t budgets[] = { 64u << 20, 256u << 10, 4096 };
	uint64_t ref = 0;
	for (size_t b = 0; b < 3; b++) {
		struct spill *s = spill_new(key_cmp, NULL, budgets[b]);
		struct spill *o = spill_new(key_cmp, NULL, budgets[b]);
		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_nonnull(o);
		fill(s, o, 20000, 7);
		ck_assert_uint_eq(spill_count(s), 20000);
		ck_assert_uint_eq(spill_count(o), 0);
		if (b == 0)
			ck_assert_uint_eq(spill_runs(s), 0);
		else
			ck_assert_uint_gt(spill_runs(s), b == 2 ? 32 : 1);
		uint64_t sum = drain(s, 20000);
		if (b == 0)
			ref = sum;
		ck_assert_uint_eq(sum, ref);
		/* A second reading gives the same, and records added later join in order. */
		ck_assert_uint_eq(drain(s, 20000), ref);
		unsigned char rec[512];
		size_t n = make_rec(rec, 0);
		ck_assert_int_eq(spill_add(s, rec, n), 0);
		drain(s, 20001);
		spill_free(s);
		spill_free(o);
	}
}
END_TEST

static long maxrss_kib(void)
{
	struct rusage ru;
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

/*
 * 200,000 records of about 160 bytes (31 MiB) through a sorter with a
 * 1 MiB budget: the peak RSS grows by far less than the data (it would
 * grow by all of it if the records were kept in memory).  An assertion of
 * bounded memory, not of time.
 */
START_TEST(test_memory_bounded)
{
	long before = maxrss_kib();
	struct spill *s = spill_new(key_cmp, NULL, 1u << 20);
	ck_assert_ptr_nonnull(s);
	fill(s, NULL, 200000, 11);
	drain(s, 200000);
	spill_free(s);
	long grown = maxrss_kib() - before;
	ck_assert_msg(grown < 12 * 1024, "peak RSS grew by %ld KiB for 31 MiB of records", grown);
}
END_TEST

/* An oversized record is refused (E2BIG) and the sorter goes on. */
START_TEST(test_record_too_big)
{
	struct spill *s = spill_new(key_cmp, NULL, 4096);
	static unsigned char big[SPILL_RECORD_MAX + 1];
	ck_assert_int_eq(spill_add(s, big, sizeof(big)), -1);
	ck_assert_int_eq(errno, E2BIG);
	fill(s, NULL, 100, 3);
	drain(s, 100);
	spill_free(s);
}
END_TEST

/* A record of n bytes: an 8-byte big-endian key, then bytes from key and place. */
static void big_rec(unsigned char *p, uint64_t key, size_t n)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(key >> (56 - 8 * i));
	for (size_t i = 8; i < n; i++)
		p[i] = (unsigned char)(key * 31 + i * 7 + (i >> 16));
}

/*
 * Runs are written in whole 64 KiB blocks at aligned offsets, so records
 * span blocks: records of lengths around and past a block (to the largest
 * allowed) and small ones between them, in runs of one to a few records
 * (a 4 KiB budget), more runs than one merge takes, come back whole and
 * in order.
 */
START_TEST(test_records_across_blocks)
{
	static const size_t lens[] = { 8, 65524, 65532, 65535, 65536, 65540, 9, 131089, 300001,
				       SPILL_RECORD_MAX, 70000, 12, 200 };
	const size_t nlens = sizeof(lens) / sizeof(lens[0]), count = 120;
	unsigned char *rec = malloc(SPILL_RECORD_MAX), *exp = malloc(SPILL_RECORD_MAX);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(exp);
	struct spill *s = spill_new(key_cmp, NULL, 4096);
	uint64_t seed = 5;
	for (size_t i = 0; i < count; i++) {
		uint64_t k = lcg(&seed) % 1000;
		size_t n = lens[i % nlens];
		big_rec(rec, k, n);
		ck_assert_int_eq(spill_add(s, rec, n), 0);
	}
	ck_assert_uint_gt(spill_runs(s), 32);
	for (int pass = 0; pass < 2; pass++) {
		const void *p;
		size_t n, got = 0;
		uint64_t prevk = 0;
		size_t prevn = 0;
		ck_assert_int_eq(spill_rewind(s), 0);
		while (spill_next(s, &p, &n) > 0) {
			const unsigned char *r = p;
			ck_assert_uint_ge(n, 8);
			uint64_t k = key_of(r);
			big_rec(exp, k, n);
			ck_assert_msg(memcmp(exp, r, n) == 0, "record %zu (key %llu, %zu bytes) damaged", got,
				      (unsigned long long)k, n);
			if (got)
				ck_assert(prevk < k || (prevk == k && prevn <= n));
			prevk = k;
			prevn = n;
			got++;
		}
		ck_assert_int_eq(spill_error(s), 0);
		ck_assert_uint_eq(got, count);
	}
	spill_free(s);
	free(rec);
	free(exp);
}
END_TEST

/* Records: a 2-byte key (compared), then a 4-byte sequence number (not). */
static int key2_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)an;
	(void)bn;
	(void)ctx;
	return memcmp(a, b, 2);
}

struct seq_rec {
	unsigned char b[6];
	uint32_t seq;
};

static int seq_rec_cmp(const void *pa, const void *pb)
{
	const struct seq_rec *a = pa, *b = pb;
	int c = memcmp(a->b, b->b, 2);
	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * The in-memory sort is the order of a stable sort (as glibc's qsort, a
 * stable merge sort, gave before): records with equal keys come back in
 * the order they were added.  Sizes around the insertion-sort cut (8) and
 * larger, many ties, keys presorted, reversed and random; added with
 * spill_add, and with spill_reserve and a prefix that orders as the key
 * where it differs (a quarter of the keys share one, spread over three
 * bytes): the same order.
 */
START_TEST(test_sort_stable)
{
	static const size_t sizes[] = { 2, 7, 8, 9, 17, 100, 1000, 5000 };
	uint64_t seed = 9;
	for (int prefixed = 0; prefixed < 2; prefixed++)
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (int shape = 0; shape < 3; shape++) {
			size_t n = sizes[si];
			struct seq_rec *want = calloc(n, sizeof(*want));
			ck_assert_ptr_nonnull(want);
			struct spill *s = spill_new(key2_cmp, NULL, 64u << 20);
			for (size_t i = 0; i < n; i++) {
				unsigned k = shape == 0 ? (unsigned)(i / 3) : shape == 1 ? (unsigned)((n - i) / 3) :
					(unsigned)(lcg(&seed) % 20);
				want[i].b[0] = (unsigned char)(k >> 8);
				want[i].b[1] = (unsigned char)k;
				want[i].seq = (uint32_t)i;
				memcpy(want[i].b + 2, &want[i].seq, 4);
				if (prefixed) {
					unsigned char *r = spill_reserve(s, 6, (uint32_t)(k >> 2) * 0x10101u);
					ck_assert_ptr_nonnull(r);
					memcpy(r, want[i].b, 6);
				} else {
					ck_assert_int_eq(spill_add(s, want[i].b, 6), 0);
				}
			}
			qsort(want, n, sizeof(*want), seq_rec_cmp);
			ck_assert_int_eq(spill_rewind(s), 0);
			const void *p;
			size_t len, got = 0;
			while (spill_next(s, &p, &len) > 0) {
				ck_assert_uint_lt(got, n);
				ck_assert_msg(len == 6 && memcmp(p, want[got].b, 6) == 0,
					      "%zu records, shape %d, prefixed %d: record %zu out of order", n,
					      shape, prefixed, got);
				got++;
			}
			ck_assert_uint_eq(got, n);
			spill_free(s);
			free(want);
		}
	}
}
END_TEST

static Suite *spill_suite(void)
{
	Suite *s = suite_create("spill");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_same_order_any_budget);
	tcase_add_test(tc, test_memory_bounded);
	tcase_add_test(tc, test_record_too_big);
	tcase_add_test(tc, test_records_across_blocks);
	tcase_add_test(tc, test_sort_stable);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(spill_suite)
