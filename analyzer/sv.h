/*
 * sv.h - borrowed string views: (pointer, length) pairs.
 *
 * A view never owns its bytes and is never NUL-terminated by contract; it is
 * valid only as long as whatever it points into (usually the current line
 * buffer, see lines.h).  Everything on the hot path passes views, not copies.
 */
#ifndef DPF_SV_H
#define DPF_SV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sv {
	const char *p;
	size_t n;
} sv;

#define SV_NULL ((sv){ NULL, 0 })
#define SV_LIT(s) ((sv){ (s), sizeof(s) - 1 })

static inline sv sv_make(const char *p, size_t n) { return (sv){ p, n }; }
static inline sv sv_cstr(const char *s) { return (sv){ s, s ? strlen(s) : 0 }; }
static inline bool sv_empty(sv s) { return s.n == 0; }

/*
 * a[0..n) == b[0..n) (memcmp(a, b, n) == 0).  Up to 16 bytes in at most
 * four word compares (overlapping), no call: the short keys of the hot path
 * (path prefixes, user names, field names) are compared per line.
 */
static inline bool sv_mem_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	uint64_t u, v, w, z;
	uint32_t h, k;

	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n >= 8) {
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		memcpy(&w, x + n - 8, 8);
		memcpy(&z, y + n - 8, 8);
		return ((u ^ v) | (w ^ z)) == 0;
	}
	if (n >= 4) {
		memcpy(&h, x, 4);
		memcpy(&k, y, 4);
		uint32_t d = h ^ k;
		memcpy(&h, x + n - 4, 4);
		memcpy(&k, y + n - 4, 4);
		return (d | (h ^ k)) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static inline bool sv_eq(sv a, sv b)
{
	return a.n == b.n && (a.n == 0 || sv_mem_eq(a.p, b.p, a.n));
}

static inline bool sv_eq_cstr(sv a, const char *s) { return sv_eq(a, sv_cstr(s)); }

/* Case-insensitive ASCII comparison. */
bool sv_eq_nocase(sv a, sv b);
/* Byte-wise order (memcmp, then the shorter first): a total order for sorts. */
int sv_cmp(sv a, sv b);

/* Remove ASCII white space at both ends. */
sv sv_trim(sv s);

/* "-" and "" both mean "no value" in access logs. */
static inline bool sv_is_dash_or_empty(sv s)
{
	return s.n == 0 || (s.n == 1 && s.p[0] == '-');
}

/* sv_to_u64() for views of 20 digits or more, with the overflow check. */
bool sv_to_u64_long(sv s, unsigned long long *out);

/*
 * Parse a non-negative decimal integer that fills the whole view.
 * Returns false (and leaves *out alone) on empty input, junk or overflow.
 * Inline for the short numbers of every log line (status, bytes): at most
 * 19 digits cannot overflow 64 bits, so no check per digit.
 */
static inline bool sv_to_u64(sv s, unsigned long long *out)
{
	if (s.n == 0 || s.n > 19)
		return s.n && sv_to_u64_long(s, out);
	unsigned long long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * The candidate closest to s (optimal string alignment distance), if close
 * enough to be a plausible typo (1 edit, 2 from 5 bytes on), else NULL.
 * For "did you mean" hints; NULL entries in cands are skipped.
 */
const char *sv_closest(sv s, const char *const *cands, size_t n);
/* The same with the bound given: within max edits (ties: the first), or NULL. */
const char *sv_closest_within(sv s, const char *const *cands, size_t n, size_t max);
/*
 * Optimal string alignment distance between a and b (an insertion, a
 * deletion, a substitution or a transposition of neighbours costs 1);
 * SIZE_MAX when either is longer than 64 bytes (too far for a hint).
 */
size_t sv_distance(sv a, sv b);

/* The value of one hex digit (either case), or -1. */
static inline int sv_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The byte two hex digits at p spell ("4F", "4f"), or -1 when either is not
 * a hex digit.  Reads p[1] only after p[0] is a digit, so a NUL-terminated
 * string may end at p[0].
 */
static inline int sv_hexbyte(const char *p)
{
	int hi = sv_hexval(p[0]), lo = hi < 0 ? -1 : sv_hexval(p[1]);
	return lo < 0 ? -1 : hi * 16 + lo;
}

/* Stable 64-bit FNV-1a hash of the bytes. */
unsigned long long sv_hash(sv s);

#endif
