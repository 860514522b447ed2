/* sv.c - helpers for borrowed string views (see sv.h). */
#include "common.h"

#include "sv.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/*
 * ASCII case and white space, written out: what tolower() and isspace()
 * give in the C locale, which the program runs in (it never calls
 * setlocale), without a call and a locale lookup per byte on the per-line
 * path (HTTP methods and protocols, every record's trim).
 */
static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static inline bool ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');	/* \t \n \v \f \r */
}

bool sv_eq_nocase(sv a, sv b)
{
	if (a.n != b.n)
		return false;
	/* Equal bytes first: what the per-line callers mostly see ("GET", "HTTP/"). */
	for (size_t i = 0; i < a.n; i++)
		if (a.p[i] != b.p[i] &&
		    ascii_lower((unsigned char)a.p[i]) != ascii_lower((unsigned char)b.p[i]))
			return false;
	return true;
}

sv sv_trim(sv s)
{
	while (s.n && ascii_space((unsigned char)s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && ascii_space((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

bool sv_to_u64_long(sv s, unsigned long long *out)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return false;
		if (v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

unsigned long long sv_hash(sv s)
{
	unsigned long long h = 1469598103934665603ULL;
	for (size_t i = 0; i < s.n; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

size_t sv_distance(sv sa, sv sb)
{
	const char *a = sa.p, *b = sb.p;
	size_t na = sa.n, nb = sb.n;
	size_t d[3][65];
	if (na > 64 || nb > 64)
		return SIZE_MAX;
	/* rows i-2, i-1, i kept in a ring */
	for (size_t j = 0; j <= nb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t *cur = d[i % 3], *prev = d[(i - 1) % 3], *pp = d[(i + 1) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
		}
	}
	return d[na % 3][nb];
}

const char *sv_closest_within(sv s, const char *const *cands, size_t n, size_t max)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		size_t d = sv_distance(s, sv_cstr(cands[i]));
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= max ? best : NULL;
}

const char *sv_closest(sv s, const char *const *cands, size_t n)
{
	return sv_closest_within(s, cands, n, s.n >= 5 ? 2 : 1);
}

int sv_cmp(sv a, sv b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;

	if (c)
		return c;
	return (a.n > b.n) - (a.n < b.n);
}
