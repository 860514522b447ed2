/* event.c - the normalised event: names and lookups (see event.h). */
#include "common.h"

#include "event.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static const char *const action_names[EV_ACTION_COUNT] = {
	[EV_OTHER] = "other", [EV_READ] = "read", [EV_WRITE] = "write",
	[EV_DELETE] = "delete", [EV_EXPORT] = "export",
	[EV_TRANSFER] = "transfer", [EV_LOGIN] = "login",
};

static const char *const field_names[EVF_COUNT] = {
	[EVF_USER] = "user", [EVF_ROLE] = "role", [EVF_ACTION] = "action",
	[EVF_RESOURCE] = "resource", [EVF_SUBJECT] = "subject",
	[EVF_REASON] = "reason", [EVF_SRC] = "src", [EVF_DST] = "dst",
	[EVF_SCHEME] = "scheme", [EVF_HOST] = "host", [EVF_APP] = "app",
	[EVF_STATEMENT] = "statement", [EVF_AGENT] = "agent",
	[EVF_REFERER] = "referer", [EVF_PROTOCOL] = "protocol",
};

void ev_reset(struct event *ev)
{
	/*
	 * Everything but the extra[] slots, which only nextra makes readable:
	 * clearing their 512 bytes for every line was most of this function.
	 */
	memset(ev, 0, offsetof(struct event, extra));
	memset(&ev->nextra, 0, sizeof(*ev) - offsetof(struct event, nextra));
	ev->status = -1;
	ev->port = -1;
	ev->bytes = -1;
	ev->records = -1;
}

const char *ev_action_name(enum ev_action a)
{
	return (unsigned)a < EV_ACTION_COUNT ? action_names[a] : "other";
}

enum ev_action ev_action_parse(sv name)
{
	for (int i = 0; i < EV_ACTION_COUNT; i++)
		if (sv_eq_nocase(name, sv_cstr(action_names[i])))
			return (enum ev_action)i;
	return EV_ACTION_COUNT;
}

const char *ev_field_name(enum ev_field f)
{
	return (unsigned)f < EVF_COUNT ? field_names[f] : "?";
}

enum ev_field ev_field_parse(sv name)
{
	for (int i = 0; i < EVF_COUNT; i++)
		if (sv_eq(name, sv_cstr(field_names[i])))
			return (enum ev_field)i;
	return EVF_COUNT;
}

bool ev_get(const struct event *ev, sv name, sv *out)
{
	enum ev_field f = ev_field_parse(name);
	if (f != EVF_COUNT) {
		if (ev->f[f].n == 0)
			return false;
		*out = ev->f[f];
		return true;
	}
	return ev_get_extra(ev, name, out);
}

bool ev_get_extra(const struct event *ev, sv name, sv *out)
{
	for (unsigned i = 0; i < ev->nextra; i++) {
		if (sv_eq(ev->extra[i].name, name) && ev->extra[i].value.n) {
			*out = ev->extra[i].value;
			return true;
		}
	}
	return false;
}

void ev_add_extra(struct event *ev, sv name, sv value)
{
	if (ev->nextra < EV_MAX_EXTRA) {
		ev->extra[ev->nextra].name = name;
		ev->extra[ev->nextra].value = value;
		ev->nextra++;
	}
}

/* ---- resource normalisation (SPEC §4 semantics 2) ----------------------- */

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Length of a "scheme://authority" prefix, 0 if the view has none. */
static size_t authority_len(sv s)
{
	size_t i = 0;
	while (i < s.n && ((s.p[i] >= 'a' && s.p[i] <= 'z') || (s.p[i] >= 'A' && s.p[i] <= 'Z') ||
			   (i > 0 && ((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == '+' ||
				      s.p[i] == '-' || s.p[i] == '.'))))
		i++;
	if (i == 0 || i + 3 > s.n || memcmp(s.p + i, "://", 3) != 0)
		return 0;
	i += 3;
	while (i < s.n && s.p[i] != '/')
		i++;
	return i;
}

/*
 * Percent-decode unreserved characters of path bytes [p, p+n) into out;
 * returns the bytes written (<= n).
 */
static size_t decode_unreserved(const char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int b = p[i] == '%' && i + 2 < n ? sv_hexbyte(p + i + 1) : -1;
		if (b < 0) {
			out[o++] = p[i];
			continue;
		}
		unsigned char c = (unsigned char)b;
		if (unreserved(c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
		i += 2;
	}
	return o;
}

/*
 * Remove path parameters, empty segments and dot segments from the path
 * in buf[0, n), in place (the output never overtakes the input); returns
 * the new length.  Segment by segment, RFC 3986 section 5.2.4: "." is
 * dropped, ".." drops the last output segment, a last "." or ".." leaves
 * the path ending in '/'.
 */
static size_t resolve_segments(char *buf, size_t n)
{
	size_t i = 0, o = 0;
	bool absolute = n > 0 && buf[0] == '/';
	if (absolute)
		i = o = 1;	/* output keeps its leading '/' */
	size_t root = o;
	while (i <= n) {
		size_t start = i;
		while (i < n && buf[i] != '/')
			i++;
		bool last = i >= n;
		size_t end = start;
		while (end < i && buf[end] != ';')
			end++;
		size_t len = end - start;
		i++;	/* past the '/' (or the end) */
		if (len == 1 && buf[start] == '.')
			continue;
		if (len == 2 && buf[start] == '.' && buf[start + 1] == '.') {
			/* Output is root, or root + "seg/.../seg/": drop its last segment. */
			if (o > root) {
				o--;	/* the '/' after the last segment */
				while (o > root && buf[o - 1] != '/')
					o--;
			}
			continue;
		}
		if (len == 0 && !last)
			continue;	/* "//": collapsed */
		memmove(buf + o, buf + start, len);
		o += len;
		if (!last)
			buf[o++] = '/';
	}
	return o;
}

/*
 * Bytes that can make a path not normal or end it: '%' (decode), ';'
 * (parameters), '/' (before '/' or '.': an empty or dot segment), '?' and
 * '#' (the path ends).  Every other byte is skipped with one table load.
 */
static const unsigned char path_special[256] = {
	['%'] = 1, [';'] = 1, ['/'] = 1, ['?'] = 2, ['#'] = 2,
};

#if defined(__SSE2__)
/*
 * normal_path_end() on 16 bytes a, b holding the byte after each: bit k of
 * *stop is a '?' or '#' at k; the result has those bits and those of a '%',
 * a ';', or a '/' before a '/' or '.'.
 */
static inline unsigned path_block_flags(__m128i a, __m128i b, unsigned *stop)
{
	const __m128i pct = _mm_set1_epi8('%'), semi = _mm_set1_epi8(';'), slash = _mm_set1_epi8('/'),
		      dot = _mm_set1_epi8('.'), qm = _mm_set1_epi8('?'), hash = _mm_set1_epi8('#');
	*stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(a, qm), _mm_cmpeq_epi8(a, hash)));
	__m128i after = _mm_or_si128(_mm_cmpeq_epi8(b, slash), _mm_cmpeq_epi8(b, dot));
	__m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, pct), _mm_cmpeq_epi8(a, semi)),
				   _mm_and_si128(_mm_cmpeq_epi8(a, slash), after));
	return *stop | (unsigned)_mm_movemask_epi8(bad);
}
#endif

/*
 * Where the path of in, from auth, ends (the first '?' or '#', else in.n)
 * if it is already normal: nothing to decode ('%'), no parameters (';'),
 * no empty segment ("//") and no dot segment (a '.' right after a '/' or
 * at the start, conservatively); SIZE_MAX if it is not.  One pass: most
 * logged paths are normal and are then used as they are, not copied (this
 * runs for every event).
 */
static size_t normal_path_end(sv in, size_t auth)
{
	const unsigned char *p = (const unsigned char *)in.p;
	size_t n = in.n;
	if (auth < n && p[auth] == '.')
		return SIZE_MAX;
	size_t i = auth;
#if defined(__SSE2__)
	/*
	 * 16 bytes at a time while the byte after them is readable too (the
	 * byte after a '/' is tested), then the last 16 bytes of the path once
	 * (those before i again: they hold nothing found), the byte after each
	 * the next in the block and none after the last.  The lowest flag is
	 * where the byte loop below would have returned.
	 */
	for (; i + 17 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned stop, any = path_block_flags(a, _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1)),
						      &stop);
		if (any) {
			unsigned k = (unsigned)__builtin_ctz(any);
			return (stop >> k) & 1 ? i + k : SIZE_MAX;
		}
	}
	if (i < n && n >= 16 && n - 16 >= auth) {
		size_t j = n - 16;
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
		unsigned stop, any = path_block_flags(a, _mm_srli_si128(a, 1), &stop);
		if (any) {
			unsigned k = (unsigned)__builtin_ctz(any);
			return (stop >> k) & 1 ? j + k : SIZE_MAX;
		}
		return n;
	}
#endif
	for (; i < n; i++) {
		unsigned char k = path_special[p[i]];
		if (!k)
			continue;
		if (k == 2)
			return i;
		if (p[i] != '/')
			return SIZE_MAX;
		/* The byte after a '/' is still path unless it is '?' or '#'. */
		if (i + 1 < n && (p[i + 1] == '/' || p[i + 1] == '.'))
			return SIZE_MAX;
	}
	return n;
}

sv ev_normalize_path(sv in, char *out)
{
	size_t auth = authority_len(in);
	if (normal_path_end(in, auth) != SIZE_MAX)
		return in;
	size_t pend = auth;
	while (pend < in.n && in.p[pend] != '?' && in.p[pend] != '#')
		pend++;
	memcpy(out, in.p, auth);
	size_t n = decode_unreserved(in.p + auth, pend - auth, out + auth);
	n = auth + resolve_segments(out + auth, n);
	memcpy(out + n, in.p + pend, in.n - pend);
	return sv_make(out, n + in.n - pend);
}
