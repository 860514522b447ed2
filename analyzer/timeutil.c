/*
 * timeutil.c - log timestamps to UTC seconds (see timeutil.h).
 *
 * Every parser is a cursor over a view (struct cur) that advances over the
 * bytes it accepts and fails on the first unexpected one; a timestamp must
 * fill the whole view, so trailing garbage is an error.  Civil dates are
 * turned into day numbers with Howard Hinnant's days_from_civil, so nothing
 * here depends on the process TZ, locale or libc's static buffers.
 */
#include "common.h"

#include "timeutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- civil calendar ---- */

int64_t tu_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;				/* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void tu_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (mm <= 2);
	*m = mm;
	*d = dd;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned char md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* Validated civil time plus UTC offset (seconds east) to UTC seconds. */
static bool make_time(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
		      unsigned s, int32_t off, int64_t *out)
{
	if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || s > 60)
		return false;
	/* No overflow: |days * 86400| < 2^39 and |off| < 2^17. */
	int64_t t = tu_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
	if (!tu_time_ok(t))
		return false;	/* 0001-01-01T00:30+01:00 is in year 0 */
	*out = t;
	return true;
}

/* ---- cursor ---- */

struct cur {
	const char *p, *end;
};

static bool at_end(const struct cur *c) { return c->p >= c->end; }
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static bool eat(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* Between min and max digits (greedy, up to max); value in *v. */
static bool digits(struct cur *c, int min, int max, unsigned *v)
{
	unsigned x = 0;
	int n = 0;
	while (n < max && c->p < c->end && is_digit(*c->p)) {
		x = x * 10 + (unsigned)(*c->p - '0');
		c->p++;
		n++;
	}
	if (n < min)
		return false;
	*v = x;
	return true;
}

/* Digits of a fraction of a second into nanoseconds (past 9 digits: dropped). */
static int32_t frac_digits(struct cur *c)
{
	int32_t ns = 0, scale = 100000000;
	while (c->p < c->end && is_digit(*c->p)) {
		ns += (int32_t)(*c->p - '0') * scale;
		scale /= 10;
		c->p++;
	}
	return ns;
}

/* ".123456" or ",123" (ISO allows both; at least one digit) into *ns (may be NULL). */
static bool fraction(struct cur *c, int32_t *ns)
{
	if (c->p < c->end && (*c->p == '.' || *c->p == ',')) {
		c->p++;
		if (at_end(c) || !is_digit(*c->p))
			return false;
		int32_t v = frac_digits(c);
		if (ns)
			*ns = v;
	}
	return true;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const day_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

/* Case-insensitive prefix match of the 3-letter abbreviation, or the full
 * name when allow_full; returns the index or -1. */
static int name_match(struct cur *c, const char *const *names, int count, bool allow_full)
{
	size_t avail = (size_t)(c->end - c->p);
	if (avail < 3)
		return -1;
	for (int i = 0; i < count; i++) {
		const char *nm = names[i];
		if (lower(c->p[0]) != nm[0] || lower(c->p[1]) != nm[1] || lower(c->p[2]) != nm[2])
			continue;
		size_t len = strlen(nm);
		if (allow_full && avail >= len) {
			size_t k = 3;
			while (k < len && lower(c->p[k]) == nm[k])
				k++;
			if (k == len) {
				c->p += len;
				return i;
			}
		}
		c->p += 3;
		return i;
	}
	return -1;
}

/*
 * Offset "Z", "+hhmm", "+hh:mm" or "+hh" (east positive) in seconds.
 * Hours up to 23 and minutes up to 59 (real offsets are within +-14h).
 */
static bool offset(struct cur *c, int32_t *off)
{
	if (eat(c, 'Z') || eat(c, 'z')) {
		*off = 0;
		return true;
	}
	int sign;
	if (eat(c, '+'))
		sign = 1;
	else if (eat(c, '-'))
		sign = -1;
	else
		return false;
	unsigned h, m = 0;
	if (!digits(c, 2, 2, &h))
		return false;
	if (eat(c, ':')) {
		if (!digits(c, 2, 2, &m))
			return false;
	} else if (c->p < c->end && is_digit(*c->p)) {
		if (!digits(c, 2, 2, &m))
			return false;
	}
	if (h > 23 || m > 59)
		return false;
	*off = sign * (int32_t)(h * 3600 + m * 60);
	return true;
}

/* ---- fixed formats ---- */

bool tu_parse_clf(sv s, int64_t *out)
{
	struct cur c = { s.p, s.p + s.n };
	unsigned d, y, h, mi, sec;
	int32_t off;
	if (!s.p || !digits(&c, 1, 2, &d) || !eat(&c, '/'))
		return false;
	int mo = name_match(&c, month_names, 12, false);
	if (mo < 0 || !eat(&c, '/') || !digits(&c, 4, 4, &y) || !eat(&c, ':') ||
	    !digits(&c, 2, 2, &h) || !eat(&c, ':') || !digits(&c, 2, 2, &mi) ||
	    !eat(&c, ':') || !digits(&c, 2, 2, &sec) || !fraction(&c, NULL) ||
	    !eat(&c, ' ') || !offset(&c, &off) || !at_end(&c))
		return false;
	return make_time(y, (unsigned)mo + 1, d, h, mi, sec, off, out);
}

/*
 * Whether s has the canonical layout "dd/Mon/yyyy:HH:MM:SS +zzzz" at the
 * fixed positions the cache relies on.  For a stamp tu_parse_clf()
 * accepted this is exactly a 2-digit day and a 4-digit offset; hours,
 * minutes and seconds are then bytes 12-13, 15-16 and 18-19.
 */
static bool clf_canonical(sv s)
{
	static const unsigned char dig[] = { 12, 13, 15, 16, 18, 19 };
	const char *p = s.p;
	if (s.n != 26 || !p || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' ||
	    p[17] != ':' || p[20] != ' ')
		return false;
	for (size_t i = 0; i < sizeof(dig); i++)
		if (!is_digit(p[dig[i]]))
			return false;
	return true;
}

static unsigned two_digits(const char *p)
{
	return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

/*
 * The seconds of the day of s if s has the canonical layout and slot k's
 * date and offset bytes, with a time of day make_time() accepts; else -1.
 * The key's bytes were a canonical stamp's, so they hold its '/' and ' ':
 * only the time of day is left to check.
 */
static int32_t clf_slot_day_seconds(sv s, const struct tu_clf_slot *k)
{
	const char *p = s.p;
	if (!k->valid || s.n != 26 || !sv_mem_eq(p, k->key, 11) || !sv_mem_eq(p + 20, k->key + 11, 6) ||
	    p[11] != ':' || p[14] != ':' || p[17] != ':')
		return -1;
	static const unsigned char dig[] = { 12, 13, 15, 16, 18, 19 };
	for (size_t i = 0; i < sizeof(dig); i++)
		if (!is_digit(p[dig[i]]))
			return -1;
	unsigned h = two_digits(p + 12), mi = two_digits(p + 15), sec = two_digits(p + 18);
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	return (int32_t)(h * 3600 + mi * 60 + sec);
}

bool tu_parse_clf_cached(sv s, struct tu_clf_cache *c, int64_t *out)
{
	for (unsigned i = 0; i < TU_CLF_SLOTS; i++) {
		unsigned k = (c->last + i) % TU_CLF_SLOTS;
		int32_t day = clf_slot_day_seconds(s, &c->slot[k]);
		if (day < 0)
			continue;
		/*
		 * The same bytes as a stamp tu_parse_clf() accepted, but for the
		 * time of day: it reads this one the same way, so only
		 * make_time()'s range check remains.
		 */
		int64_t t = c->slot[k].base + day;
		if (!tu_time_ok(t))
			break;	/* the rare rejection, by the one definition */
		c->last = k;
		*out = t;
		return true;
	}
	if (!tu_parse_clf(s, out))
		return false;
	if (clf_canonical(s)) {
		/* Into the slot that did not serve last. */
		unsigned k = (c->last + 1) % TU_CLF_SLOTS;
		struct tu_clf_slot *sl = &c->slot[k];
		memcpy(sl->key, s.p, 11);
		memcpy(sl->key + 11, s.p + 20, 6);
		sl->base = *out - (two_digits(s.p + 12) * 3600 + two_digits(s.p + 15) * 60 +
				   two_digits(s.p + 18));
		sl->valid = true;
		c->last = k;
	}
	return true;
}

bool tu_parse_iso8601(sv s, int64_t *out)
{
	struct tu_stamp t;
	if (!tu_parse_iso8601_ts(s, &t))
		return false;
	*out = t.sec;
	return true;
}

bool tu_parse_iso8601_ts(sv s, struct tu_stamp *out)
{
	struct cur c = { s.p, s.p + s.n };
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	int32_t off = 0, ns = 0;
	bool zoned = false;
	if (!s.p || !digits(&c, 4, 4, &y) || !eat(&c, '-') || !digits(&c, 2, 2, &mo) ||
	    !eat(&c, '-') || !digits(&c, 2, 2, &d))
		return false;
	if (!at_end(&c)) {
		if (!eat(&c, 'T') && !eat(&c, 't') && !eat(&c, ' '))
			return false;
		if (!digits(&c, 2, 2, &h) || !eat(&c, ':') || !digits(&c, 2, 2, &mi))
			return false;
		if (eat(&c, ':')) {
			if (!digits(&c, 2, 2, &sec) || !fraction(&c, &ns))
				return false;
		}
		if (!at_end(&c)) {
			/* RFC 3339 readers also meet "2026-11-27 03:14:07 +01:00". */
			eat(&c, ' ');
			if (!offset(&c, &off) || !at_end(&c))
				return false;
			zoned = true;
		}
	}
	out->nsec = ns;
	out->zoned = zoned;
	return make_time(y, mo, d, h, mi, sec, off, &out->sec);
}

bool tu_parse_epoch(sv s, int64_t *out)
{
	struct tu_stamp t;
	if (!tu_parse_epoch_ts(s, &t))
		return false;
	*out = t.sec;
	return true;
}

bool tu_parse_epoch_ts(sv s, struct tu_stamp *out)
{
	struct cur c = { s.p, s.p + s.n };
	int32_t ns = 0;
	const char *start = c.p;
	uint64_t v = 0;	/* 19 digits fit (< 1.9e19), a signed int64 not */
	if (!s.p)
		return false;
	while (c.p < c.end && is_digit(*c.p)) {
		if (c.p - start >= 19)
			return false;
		v = v * 10 + (uint64_t)(*c.p - '0');
		c.p++;
	}
	size_t n = (size_t)(c.p - start);
	if (n == 0 || !fraction(&c, &ns) || !at_end(&c))
		return false;
	/* 13-15 digits are milliseconds (Java, JavaScript), 16-18
	 * microseconds, 19 nanoseconds; fewer are seconds. */
	uint64_t unit = n >= 19 ? 1000000000 : n >= 16 ? 1000000 : n >= 13 ? 1000 : 1;
	if (unit > 1) {
		/* The sub-unit fraction ("1764583200123.5" ms) is finer still. */
		uint64_t rem = v % unit;
		ns = (int32_t)(rem * (1000000000 / unit) + (uint64_t)ns / unit);
		v /= unit;
	}
	if (v > (uint64_t)TU_TIME_MAX)
		return false;	/* year 10000 or later (issue 16 case 9) */
	out->sec = (int64_t)v;
	out->nsec = ns;
	out->zoned = true;	/* the epoch is UTC */
	return true;
}

bool tu_parse_any(sv s, int64_t *out)
{
	return tu_parse_iso8601(s, out) || tu_parse_epoch(s, out) || tu_parse_clf(s, out);
}

bool tu_parse_any_ts(sv s, struct tu_stamp *out)
{
	if (tu_parse_iso8601_ts(s, out) || tu_parse_epoch_ts(s, out))
		return true;
	out->nsec = 0;
	out->zoned = true;
	return tu_parse_clf(s, &out->sec);
}

bool tu_parse_syslog3164(sv s, int year, int64_t *out)
{
	struct cur c = { s.p, s.p + s.n };
	unsigned d, h, mi, sec;
	if (!s.p)
		return false;
	int mo = name_match(&c, month_names, 12, false);
	if (mo < 0 || !eat(&c, ' '))
		return false;
	eat(&c, ' ');		/* "Nov  7": space-padded day */
	if (!digits(&c, 1, 2, &d) || !eat(&c, ' ') || !digits(&c, 2, 2, &h) ||
	    !eat(&c, ':') || !digits(&c, 2, 2, &mi) || !eat(&c, ':') ||
	    !digits(&c, 2, 2, &sec) || !at_end(&c))
		return false;
	return make_time(year, (unsigned)mo + 1, d, h, mi, sec, 0, out);
}

/* ---- compiled strptime-style formats ---- */

enum fop {
	OP_LIT,			/* one literal byte */
	OP_SPACE,		/* any run (possibly empty) of blanks */
	OP_YEAR, OP_YEAR2, OP_MONTH, OP_MONTHNAME, OP_DAY, OP_DAY_SP, OP_YDAY,
	OP_HOUR, OP_HOUR12, OP_AMPM, OP_MIN, OP_SEC, OP_FRAC, OP_ZONE,
	OP_ZONENAME, OP_EPOCH, OP_DAYNAME,
};

struct tu_op {
	unsigned char op;
	char lit;
};

struct tu_fmt {
	size_t n;
	bool has_year, has_epoch, has_ampm, has_hour12, has_yday, has_month;
	struct tu_op ops[];
};

static void fmt_push(struct tu_fmt *f, unsigned char op, char lit)
{
	f->ops[f->n].op = op;
	f->ops[f->n].lit = lit;
	f->n++;
}

struct tu_fmt *tu_fmt_compile(const char *fmt, struct diag *err)
{
	size_t len = fmt ? strlen(fmt) : 0;
	if (len == 0) {
		diag_set(err, "empty time format");
		return NULL;
	}
	/* %F and %T expand to at most 5 ops per 2 bytes. */
	struct tu_fmt *f = calloc(1, sizeof(*f) + (len * 3 + 1) * sizeof(struct tu_op));
	if (!f) {
		diag_set(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = fmt[i];
		if (ch == ' ' || ch == '\t') {
			if (f->n == 0 || f->ops[f->n - 1].op != OP_SPACE)
				fmt_push(f, OP_SPACE, 0);
			continue;
		}
		if (ch != '%') {
			fmt_push(f, OP_LIT, ch);
			continue;
		}
		if (i + 1 >= len) {
			diag_set(err, "incomplete conversion '%%' at offset %zu", i);
			tu_fmt_free(f);
			return NULL;
		}
		char cv = fmt[++i];
		switch (cv) {
		case 'Y': fmt_push(f, OP_YEAR, 0); f->has_year = true; break;
		case 'y': fmt_push(f, OP_YEAR2, 0); f->has_year = true; break;
		case 'm': fmt_push(f, OP_MONTH, 0); f->has_month = true; break;
		case 'b': case 'h': case 'B':
			fmt_push(f, OP_MONTHNAME, 0); f->has_month = true; break;
		case 'd': fmt_push(f, OP_DAY, 0); break;
		case 'e': fmt_push(f, OP_DAY_SP, 0); break;
		case 'j': fmt_push(f, OP_YDAY, 0); f->has_yday = true; break;
		case 'H': fmt_push(f, OP_HOUR, 0); break;
		case 'I': fmt_push(f, OP_HOUR12, 0); f->has_hour12 = true; break;
		case 'p': fmt_push(f, OP_AMPM, 0); f->has_ampm = true; break;
		case 'M': fmt_push(f, OP_MIN, 0); break;
		case 'S': fmt_push(f, OP_SEC, 0); break;
		case 'f': fmt_push(f, OP_FRAC, 0); break;
		case 'z': fmt_push(f, OP_ZONE, 0); break;
		case 'Z': fmt_push(f, OP_ZONENAME, 0); break;
		case 's': fmt_push(f, OP_EPOCH, 0); f->has_epoch = true; break;
		case 'a': case 'A': fmt_push(f, OP_DAYNAME, 0); break;
		case '%': fmt_push(f, OP_LIT, '%'); break;
		case 'T':
			fmt_push(f, OP_HOUR, 0); fmt_push(f, OP_LIT, ':');
			fmt_push(f, OP_MIN, 0); fmt_push(f, OP_LIT, ':');
			fmt_push(f, OP_SEC, 0);
			break;
		case 'F':
			fmt_push(f, OP_YEAR, 0); fmt_push(f, OP_LIT, '-');
			fmt_push(f, OP_MONTH, 0); fmt_push(f, OP_LIT, '-');
			fmt_push(f, OP_DAY, 0);
			f->has_year = f->has_month = true;
			break;
		default:
			if ((unsigned char)cv >= 0x20 && (unsigned char)cv < 0x7f)
				diag_set(err, "unsupported conversion %%%c at offset %zu", cv, i - 1);
			else
				diag_set(err, "unsupported conversion at offset %zu", i - 1);
			tu_fmt_free(f);
			return NULL;
		}
	}
	/* A time without a year would silently land in 1970: refuse it here,
	 * where the rule author sees the message, not in the report. */
	if (!f->has_year && !f->has_epoch) {
		diag_set(err, "time format '%s' has no year (%%Y, %%y, %%F or %%s)", fmt);
		tu_fmt_free(f);
		return NULL;
	}
	if (f->has_ampm && !f->has_hour12) {
		diag_set(err, "time format '%s' uses %%p without %%I", fmt);
		tu_fmt_free(f);
		return NULL;
	}
	return f;
}

void tu_fmt_free(struct tu_fmt *f)
{
	free(f);
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t'; }

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool tu_fmt_parse(const struct tu_fmt *f, sv s, int64_t *out)
{
	struct tu_stamp t;
	if (!tu_fmt_parse_ts(f, s, &t))
		return false;
	*out = t.sec;
	return true;
}

bool tu_fmt_parse_ts(const struct tu_fmt *f, sv s, struct tu_stamp *out)
{
	struct cur c = { s.p, s.p + s.n };
	unsigned y = 1970, mo = 1, d = 1, yday = 0, h = 0, mi = 0, sec = 0, v;
	bool pm = false, zoned = false;
	int32_t off = 0, ns = 0;
	int64_t epoch = 0;
	if (!f || !s.p)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		const struct tu_op *o = &f->ops[i];
		switch (o->op) {
		case OP_LIT:
			if (!eat(&c, o->lit))
				return false;
			break;
		case OP_SPACE:
			while (c.p < c.end && is_blank(*c.p))
				c.p++;
			break;
		case OP_YEAR:
			if (!digits(&c, 4, 4, &y))
				return false;
			break;
		case OP_YEAR2:
			if (!digits(&c, 2, 2, &v))
				return false;
			y = v < 69 ? 2000 + v : 1900 + v;	/* POSIX pivot */
			break;
		case OP_MONTH:
			if (!digits(&c, 1, 2, &mo))
				return false;
			break;
		case OP_MONTHNAME: {
			int m = name_match(&c, month_names, 12, true);
			if (m < 0)
				return false;
			mo = (unsigned)m + 1;
			break;
		}
		case OP_DAY_SP:
			eat(&c, ' ');
			/* fall through */
		case OP_DAY:
			if (!digits(&c, 1, 2, &d))
				return false;
			break;
		case OP_YDAY:
			if (!digits(&c, 1, 3, &yday) || yday < 1 || yday > 366)
				return false;
			break;
		case OP_HOUR:
			if (!digits(&c, 1, 2, &h))
				return false;
			break;
		case OP_HOUR12:
			if (!digits(&c, 1, 2, &h) || h < 1 || h > 12)
				return false;
			break;
		case OP_AMPM:
			if (c.end - c.p < 2 || lower(c.p[1]) != 'm')
				return false;
			if (lower(c.p[0]) == 'p')
				pm = true;
			else if (lower(c.p[0]) != 'a')
				return false;
			c.p += 2;
			break;
		case OP_MIN:
			if (!digits(&c, 1, 2, &mi))
				return false;
			break;
		case OP_SEC:
			if (!digits(&c, 1, 2, &sec))
				return false;
			break;
		case OP_FRAC:
			if (at_end(&c) || !is_digit(*c.p))
				return false;
			ns = frac_digits(&c);
			break;
		case OP_ZONE:
			if (!offset(&c, &off))
				return false;
			zoned = true;
			break;
		case OP_ZONENAME: {
			const char *st = c.p;
			while (c.p < c.end && is_alpha(*c.p))
				c.p++;
			/* A name we cannot place is no time: hours off, silently, is worse. */
			if (!tu_zone_abbrev(sv_make(st, (size_t)(c.p - st)), &off))
				return false;
			zoned = true;
			break;
		}
		case OP_EPOCH: {
			const char *st = c.p;
			bool neg = eat(&c, '-');
			uint64_t e = 0;	/* at most 19 digits: no overflow */
			while (c.p < c.end && is_digit(*c.p) && c.p - st < 19) {
				e = e * 10 + (uint64_t)(*c.p - '0');
				c.p++;
			}
			if (c.p == st + neg || (c.p < c.end && is_digit(*c.p)))
				return false;
			if (e > (uint64_t)(neg ? -TU_TIME_MIN : TU_TIME_MAX))
				return false;
			epoch = neg ? -(int64_t)e : (int64_t)e;
			break;
		}
		case OP_DAYNAME:
			if (name_match(&c, day_names, 7, true) < 0)
				return false;
			break;
		}
	}
	if (!at_end(&c))
		return false;
	out->nsec = ns;
	out->zoned = zoned || f->has_epoch;
	if (f->has_epoch) {
		out->sec = epoch;
		return true;
	}
	if (f->has_hour12)
		h = h % 12 + (pm ? 12 : 0);
	if (f->has_yday && !f->has_month) {
		if (yday > (is_leap(y) ? 366u : 365u))
			return false;
		int64_t days = tu_days_from_civil(y, 1, 1) + yday - 1;
		int64_t yy;
		tu_civil_from_days(days, &yy, &mo, &d);
	}
	return make_time(y, mo, d, h, mi, sec, off, &out->sec);
}

/*
 * Zone abbreviations with one meaning in tzdata's current names.  Ambiguous
 * ones are not here (IST: India, Ireland or Israel) and so are unparsable;
 * CST is North American Central, as in every US log (China's is CST in
 * tzdata too: a Chinese log should say +08 or use a format's timezone); BST
 * is British Summer Time (Bangladesh is "+06" in tzdata).
 */
static const struct {
	const char *name;
	int32_t off;	/* seconds east of UTC */
} zone_abbrevs[] = {
	{ "UTC", 0 }, { "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "WEST", 3600 }, { "BST", 3600 }, { "CET", 3600 }, { "MET", 3600 }, { "CEST", 7200 }, { "MEST", 7200 },
	{ "EET", 7200 }, { "EEST", 10800 }, { "MSK", 10800 },
	{ "EST", -5 * 3600 }, { "EDT", -4 * 3600 }, { "CST", -6 * 3600 }, { "CDT", -5 * 3600 },
	{ "MST", -7 * 3600 }, { "MDT", -6 * 3600 }, { "PST", -8 * 3600 }, { "PDT", -7 * 3600 },
	{ "AKST", -9 * 3600 }, { "AKDT", -8 * 3600 }, { "HST", -10 * 3600 },
	{ "AST", -4 * 3600 }, { "ADT", -3 * 3600 }, { "NST", -12600 }, { "NDT", -9000 },
	{ "JST", 9 * 3600 }, { "KST", 9 * 3600 }, { "HKT", 8 * 3600 }, { "SGT", 8 * 3600 },
	{ "AWST", 8 * 3600 }, { "ACST", 34200 }, { "ACDT", 37800 }, { "AEST", 10 * 3600 },
	{ "AEDT", 11 * 3600 }, { "NZST", 12 * 3600 }, { "NZDT", 13 * 3600 },
};

bool tu_zone_abbrev(sv name, int32_t *off)
{
	for (size_t i = 0; i < sizeof(zone_abbrevs) / sizeof(zone_abbrevs[0]); i++) {
		if (sv_eq_nocase(name, sv_cstr(zone_abbrevs[i].name))) {
			*off = zone_abbrevs[i].off;
			return true;
		}
	}
	return false;
}

bool tu_stamp_le(struct tu_stamp a, struct tu_stamp b)
{
	return a.sec < b.sec || (a.sec == b.sec && a.nsec <= b.nsec);
}

/* ---- output and durations ---- */

void tu_format_iso(int64_t t, char *buf)
{
	int64_t days = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	tu_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		/* Out of the 4-digit range the 21-byte contract allows. */
		memcpy(buf, y < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z", 21);
		return;
	}
	snprintf(buf, 21, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

bool tu_parse_duration(sv s, int64_t *secs)
{
	struct cur c = { s.p, s.p + s.n };
	int64_t total = 0;
	if (!s.p || s.n == 0)
		return false;
	/* "90" is seconds; otherwise one or more NUMBER UNIT pairs ("1h30m"). */
	while (!at_end(&c)) {
		int64_t v = 0;
		const char *st = c.p;
		while (c.p < c.end && is_digit(*c.p)) {
			if (v > (INT64_MAX - 9) / 10)
				return false;
			v = v * 10 + (*c.p - '0');
			c.p++;
		}
		if (c.p == st)
			return false;
		int64_t mult;
		if (at_end(&c)) {
			if (st != s.p)	/* "1h30": a bare number only alone */
				return false;
			mult = 1;
		} else {
			switch (*c.p++) {
			case 's': mult = 1; break;
			case 'm': mult = 60; break;
			case 'h': mult = 3600; break;
			case 'd': mult = 86400; break;
			case 'w': mult = 7 * 86400; break;
			default: return false;
			}
		}
		if (v > (INT64_MAX - total) / mult)
			return false;
		total += v * mult;
	}
	if (total <= 0)
		return false;
	*secs = total;
	return true;
}
