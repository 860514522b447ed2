/*
 * tz.c - IANA time zones from TZif files, and role hours (see tz.h).
 *
 * A zone is read once into two arrays (transition instants, the UTC offset
 * in force from each), so tz_offset is a binary search with no global state:
 * no setenv("TZ"), no localtime_r, safe from any number of threads.  TZif
 * files only list transitions up to some year (2037 for "fat" files, the
 * last rule change for "slim" ones); later instants use the POSIX TZ rule in
 * the file's footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3".
 */
#include "common.h"

#include "tz.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- POSIX TZ rules (footer) ---- */

#define TIME_LIMIT ((int64_t)1000000000000000)	/* ~31.7 million years */

enum rule_kind { RULE_JULIAN1, RULE_JULIAN0, RULE_MWD };

struct tz_rule_date {
	unsigned char kind;
	unsigned short n;	/* Jn: 1-365; n: 0-365 */
	unsigned char m, w, d;	/* Mm.w.d */
	int32_t time;		/* local seconds after midnight, may be <0 or >24h */
};

struct tz_posix {
	int32_t std_off;	/* seconds east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct tz_rule_date start, end;
};

struct tz_zone {
	size_t n;
	int64_t *trans;		/* ascending UTC instants */
	int32_t *off;		/* offset in force from trans[i] on */
	int32_t off_before;	/* before trans[0] (TZif time type 0) */
	bool has_rule;
	struct tz_posix rule;
};

struct pcur {
	const char *p, *end;
};

static bool p_digit(const struct pcur *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

static bool p_num(struct pcur *c, unsigned max_digits, unsigned *v)
{
	unsigned x = 0, n = 0;
	while (n < max_digits && p_digit(c)) {
		x = x * 10 + (unsigned)(*c->p++ - '0');
		n++;
	}
	*v = x;
	return n > 0;
}

/* Name: 3+ letters, or <...> of letters, digits, '+' and '-'. */
static bool p_name(struct pcur *c)
{
	const char *st = c->p;
	if (c->p < c->end && *c->p == '<') {
		c->p++;
		while (c->p < c->end && *c->p != '>')
			c->p++;
		if (c->p >= c->end || c->p - st < 4)
			return false;
		c->p++;
		return true;
	}
	while (c->p < c->end && ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
		c->p++;
	return c->p - st >= 3;
}

/* [+-]hh[:mm[:ss]]; hours up to max_h (RFC 8536 allows 167 in rule times). */
static bool p_hms(struct pcur *c, unsigned max_h, int32_t *out)
{
	int sign = 1;
	unsigned h, m = 0, s = 0;
	if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
		sign = *c->p++ == '-' ? -1 : 1;
	if (!p_num(c, 3, &h) || h > max_h)
		return false;
	if (c->p < c->end && *c->p == ':') {
		c->p++;
		if (!p_num(c, 2, &m) || m > 59)
			return false;
		if (c->p < c->end && *c->p == ':') {
			c->p++;
			if (!p_num(c, 2, &s) || s > 59)
				return false;
		}
	}
	*out = sign * (int32_t)(h * 3600 + m * 60 + s);
	return true;
}

static bool p_date(struct pcur *c, struct tz_rule_date *r)
{
	unsigned v;
	r->time = 7200;		/* POSIX default: 02:00 */
	if (c->p < c->end && *c->p == 'J') {
		c->p++;
		if (!p_num(c, 3, &v) || v < 1 || v > 365)
			return false;
		r->kind = RULE_JULIAN1;
		r->n = (unsigned short)v;
	} else if (c->p < c->end && *c->p == 'M') {
		unsigned m, w, d;
		c->p++;
		if (!p_num(c, 2, &m) || m < 1 || m > 12 || c->p >= c->end || *c->p++ != '.' ||
		    !p_num(c, 1, &w) || w < 1 || w > 5 || c->p >= c->end || *c->p++ != '.' ||
		    !p_num(c, 1, &d) || d > 6)
			return false;
		r->kind = RULE_MWD;
		r->m = (unsigned char)m;
		r->w = (unsigned char)w;
		r->d = (unsigned char)d;
	} else {
		if (!p_num(c, 3, &v) || v > 365)
			return false;
		r->kind = RULE_JULIAN0;
		r->n = (unsigned short)v;
	}
	if (c->p < c->end && *c->p == '/') {
		c->p++;
		if (!p_hms(c, 167, &r->time))
			return false;
	}
	return true;
}

static bool posix_parse(const char *s, size_t n, struct tz_posix *r)
{
	struct pcur c = { s, s + n };
	int32_t v;
	memset(r, 0, sizeof(*r));
	if (!p_name(&c) || !p_hms(&c, 24, &v))
		return false;
	r->std_off = -v;	/* POSIX offsets are west-positive */
	if (c.p == c.end)
		return true;
	if (!p_name(&c))
		return false;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (c.p < c.end && *c.p != ',') {
		if (!p_hms(&c, 24, &v))
			return false;
		r->dst_off = -v;
	}
	if (c.p == c.end) {
		/* No rule: the traditional US default, as glibc uses. */
		r->start = (struct tz_rule_date){ RULE_MWD, 0, 3, 2, 0, 7200 };
		r->end = (struct tz_rule_date){ RULE_MWD, 0, 11, 1, 0, 7200 };
		return true;
	}
	if (*c.p++ != ',' || !p_date(&c, &r->start) || c.p >= c.end || *c.p++ != ',' ||
	    !p_date(&c, &r->end))
		return false;
	return c.p == c.end;
}

static bool leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int weekday(int64_t days)
{
	return (int)(((days + 4) % 7 + 7) % 7);	/* 1970-01-01 was a Thursday */
}

/* Local seconds (since the epoch, in the offset in force) of a rule date. */
static int64_t rule_local(const struct tz_rule_date *r, int64_t y)
{
	int64_t day;
	switch (r->kind) {
	case RULE_JULIAN1:
		day = tu_days_from_civil(y, 1, 1) + r->n - 1 + (leap_year(y) && r->n >= 60);
		break;
	case RULE_JULIAN0:
		day = tu_days_from_civil(y, 1, 1) + r->n;
		break;
	default: {
		static const unsigned char md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int64_t first = tu_days_from_civil(y, r->m, 1);
		int mdays = md[r->m - 1] + (r->m == 2 && leap_year(y));
		int dom = 1 + (r->d - weekday(first) + 7) % 7 + (r->w - 1) * 7;
		while (dom > mdays)
			dom -= 7;
		day = first + dom - 1;
		break;
	}
	}
	return day * 86400 + r->time;
}

static int32_t posix_offset(const struct tz_posix *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	/* Keep the calendar arithmetic below far from int64 overflow; the
	 * rule for year 30 million is as good as any. */
	if (t > TIME_LIMIT)
		t = TIME_LIMIT;
	else if (t < -TIME_LIMIT)
		t = -TIME_LIMIT;
	int64_t y;
	unsigned m, d;
	int64_t local = t + r->std_off;
	int64_t days = local / 86400 - (local % 86400 < 0);
	tu_civil_from_days(days, &y, &m, &d);
	/* The start is written in standard time, the end in daylight time. */
	int64_t start = rule_local(&r->start, y) - r->std_off;
	int64_t end = rule_local(&r->end, y) - r->dst_off;
	bool dst;
	if (start < end)
		dst = t >= start && t < end;
	else			/* southern hemisphere: DST spans the new year */
		dst = t < end || t >= start;
	return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chr;
};

static bool tzif_header(const unsigned char *p, size_t n, int *version, struct tzif_counts *k)
{
	if (n < 44 || memcmp(p, "TZif", 4) != 0)
		return false;
	*version = p[4] == 0 ? 1 : p[4] - '0';
	k->isut = be32(p + 20);
	k->isstd = be32(p + 24);
	k->leap = be32(p + 28);
	k->time = be32(p + 32);
	k->type = be32(p + 36);
	k->chr = be32(p + 40);
	/* Bounds that keep the size arithmetic below far from overflow. */
	return k->type >= 1 && k->type <= 256 && k->time <= 1000000 && k->leap <= 100000 &&
	       k->chr <= 100000 && k->isut <= 256 && k->isstd <= 256 && k->chr >= 1;
}

static size_t tzif_block_size(const struct tzif_counts *k, size_t tsz)
{
	return k->time * tsz + k->time + k->type * 6 + k->chr + k->leap * (tsz + 4) +
	       k->isstd + k->isut;
}

static bool tzif_parse(const unsigned char *buf, size_t len, struct tz_zone *z)
{
	int version;
	struct tzif_counts k;
	if (!tzif_header(buf, len, &version, &k))
		return false;
	const unsigned char *p = buf + 44;
	size_t tsz = 4, rest = len - 44, blk = tzif_block_size(&k, 4);
	if (blk > rest)
		return false;
	if (version >= 2) {
		/* Skip the 32-bit data; the 64-bit copy follows with its own header. */
		p += blk;
		rest -= blk;
		if (!tzif_header(p, rest, &version, &k))
			return false;
		p += 44;
		rest -= 44;
		tsz = 8;
		blk = tzif_block_size(&k, 8);
		if (blk > rest)
			return false;
	}
	const unsigned char *times = p, *idx = p + k.time * tsz, *types = idx + k.time;
	for (uint32_t i = 0; i < k.type; i++) {
		int32_t off = (int32_t)be32(types + i * 6);
		if (off <= -25 * 3600 || off >= 26 * 3600 || types[i * 6 + 5] >= k.chr)
			return false;
	}
	z->n = k.time;
	z->trans = malloc((k.time ? k.time : 1) * sizeof(*z->trans));
	z->off = malloc((k.time ? k.time : 1) * sizeof(*z->off));
	if (!z->trans || !z->off)
		return false;
	for (uint32_t i = 0; i < k.time; i++) {
		z->trans[i] = tsz == 8 ? be64(times + i * 8) : (int32_t)be32(times + i * 4);
		if (idx[i] >= k.type || (i && z->trans[i] <= z->trans[i - 1]))
			return false;
		z->off[i] = (int32_t)be32(types + idx[i] * 6);
	}
	z->off_before = (int32_t)be32(types);
	if (version >= 2) {
		/* Footer: "\nTZ\n"; an empty TZ means no rule. */
		const unsigned char *f = p + blk, *end = buf + len;
		if (f < end && *f == '\n') {
			const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
			if (nl && nl > f + 1 &&
			    posix_parse((const char *)f + 1, (size_t)(nl - f - 1), &z->rule))
				z->has_rule = true;
		}
	}
	return true;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255 || name[0] == '/' || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '/' || ch == '_' || ch == '-' || ch == '+' || ch == '.'))
			return false;
	}
	return true;
}

struct tz_zone *tz_load(const char *name, struct diag *err)
{
	if (!name || !name_ok(name)) {
		diag_set(err, "unknown time zone '%s'", name ? name : "");
		return NULL;
	}
	struct tz_zone *z = calloc(1, sizeof(*z));
	if (!z) {
		diag_set(err, "out of memory");
		return NULL;
	}
	/* UTC needs no tzdata (minimal containers often have none). */
	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC") || !strcmp(name, "GMT") ||
	    !strcmp(name, "Etc/GMT") || !strcmp(name, "Zulu") || !strcmp(name, "Etc/Zulu"))
		return z;

	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		diag_set(err, "unknown time zone '%s'", name);
		free(z);
		return NULL;
	}
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		struct stat st;
		/* No database at all is not the zone name's fault: say what to install. */
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			diag_set(err, "time zone '%s': no time zone database in %s (install tzdata, "
				 "or set TZDIR)", name, dir);
		else
			diag_set(err, "unknown time zone '%s'", name);
		free(z);
		return NULL;
	}
	/* Real TZif files are a few kB; cap the read so a stray big file
	 * (or a directory) is rejected, not slurped. */
	enum { TZIF_MAX = 1 << 20 };
	unsigned char *buf = malloc(TZIF_MAX);
	size_t len = buf ? fread(buf, 1, TZIF_MAX, fp) : 0;
	bool too_big = buf && len == TZIF_MAX;
	fclose(fp);
	const char *why = NULL;
	if (!buf)
		why = "out of memory";
	else if (len < 4 || memcmp(buf, "TZif", 4) != 0)
		why = "";	/* a directory, zone.tab, ...: not a zone name */
	else if (too_big || !tzif_parse(buf, len, z))
		why = "not a valid TZif file";
	if (why) {
		if (*why)
			diag_set(err, "time zone '%s': %s: %s", name, path, why);
		else
			diag_set(err, "unknown time zone '%s'", name);
		free(buf);
		tz_free(z);
		return NULL;
	}
	free(buf);
	return z;
}

void tz_free(struct tz_zone *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->off);
	free(z);
}

/*
 * The offset at t and the span [*from, *until) containing t over which it
 * holds.  Where a POSIX rule decides (past the table) the span is t alone.
 */
static int32_t offset_span(const struct tz_zone *z, int64_t t, int64_t *from, int64_t *until)
{
	*from = INT64_MIN;
	*until = INT64_MAX;
	if (!z)
		return 0;
	if (z->n == 0) {
		if (!z->has_rule)
			return z->off_before;
		*from = t;
		*until = t < INT64_MAX ? t + 1 : t;
		return posix_offset(&z->rule, t);
	}
	if (t < z->trans[0]) {
		*until = z->trans[0];
		return z->off_before;
	}
	if (t >= z->trans[z->n - 1]) {
		if (!z->has_rule) {
			*from = z->trans[z->n - 1];
			return z->off[z->n - 1];
		}
		*from = t;
		*until = t < INT64_MAX ? t + 1 : t;
		return posix_offset(&z->rule, t);
	}
	/* Largest i with trans[i] <= t; trans[0] <= t < trans[n-1] here. */
	size_t lo = 0, hi = z->n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	*from = z->trans[lo];
	*until = z->trans[lo + 1];
	return z->off[lo];
}

int32_t tz_offset(const struct tz_zone *z, int64_t t)
{
	int64_t from, until;
	return offset_span(z, t, &from, &until);
}

int32_t tz_offset_memo(const struct tz_zone *z, int64_t t, struct tz_memo *m)
{
	if (m->valid && m->z == z && t >= m->from && t < m->until)
		return m->off;
	m->off = offset_span(z, t, &m->from, &m->until);
	m->z = z;
	m->valid = true;
	return m->off;
}

/* ---- hours ---- */

static const char *const wdays[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

static char lc(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* "Mon" or "Monday", any case; -1 if neither. */
static int day_index(sv s)
{
	for (int i = 0; i < 7; i++) {
		size_t len = strlen(wdays[i]);
		if (s.n != 3 && s.n != len)
			continue;
		size_t k = 0;
		while (k < s.n && lc(s.p[k]) == wdays[i][k])
			k++;
		if (k == s.n)
			return i;
	}
	return -1;
}

static int parse_days(sv tok, uint8_t *days, struct diag *err)
{
	*days = 0;
	if (tok.n == 1 && tok.p[0] == '*') {
		*days = 0x7f;
		return 0;
	}
	const char *p = tok.p, *end = tok.p + tok.n;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *ie = comma ? comma : end;
		sv item = sv_make(p, (size_t)(ie - p));
		const char *dash = memchr(item.p, '-', item.n);
		sv a = dash ? sv_make(item.p, (size_t)(dash - item.p)) : item;
		int from = day_index(a);
		if (from < 0)
			return diag_set(err, "bad day '%.*s'", (int)a.n, a.p);
		int to = from;
		if (dash) {
			sv b = sv_make(dash + 1, (size_t)(ie - dash - 1));
			to = day_index(b);
			if (to < 0)
				return diag_set(err, "bad day '%.*s'", (int)b.n, b.p);
		}
		/* Ranges run forward and may wrap: "Fri-Mon" is Fri Sat Sun Mon. */
		for (int d = from;; d = (d + 1) % 7) {
			*days |= (uint8_t)(1u << d);
			if (d == to)
				break;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

/* HH:MM or HH:MM:SS; 24:00[:00] only where allow_24 (the until time). */
static bool parse_clock(sv s, bool allow_24, int *out)
{
	unsigned v[3] = { 0, 0, 0 };
	size_t i = 0;
	int parts = 0;
	while (parts < 3) {
		size_t st = i;
		unsigned x = 0;
		while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && i - st < 2)
			x = x * 10 + (unsigned)(s.p[i++] - '0');
		if (i - st != 2 && !(parts == 0 && i - st == 1))
			return false;
		v[parts++] = x;
		if (i == s.n || s.p[i] != ':')
			break;
		i++;
	}
	if (i != s.n || parts < 2 || v[1] > 59 || v[2] > 59)
		return false;
	if (v[0] == 24 && allow_24 && v[1] == 0 && v[2] == 0) {
		*out = 86400;
		return true;
	}
	if (v[0] > 23)
		return false;
	*out = (int)(v[0] * 3600 + v[1] * 60 + v[2]);
	return true;
}

static int parse_range(sv tok, struct tz_hours *h, struct diag *err)
{
	const char *dash = memchr(tok.p, '-', tok.n);
	if (!dash)
		return diag_set(err, "bad time range '%.*s' (expected HH:MM-HH:MM)",
				(int)tok.n, tok.p);
	sv a = sv_make(tok.p, (size_t)(dash - tok.p));
	sv b = sv_make(dash + 1, (size_t)(tok.p + tok.n - dash - 1));
	if (!parse_clock(a, false, &h->from_sec))
		return diag_set(err, "bad time '%.*s'", (int)a.n, a.p);
	if (!parse_clock(b, true, &h->until_sec))
		return diag_set(err, "bad time '%.*s'", (int)b.n, b.p);
	return 0;
}

static sv next_token(sv *rest)
{
	size_t i = 0;
	while (i < rest->n && (rest->p[i] == ' ' || rest->p[i] == '\t'))
		i++;
	size_t st = i;
	while (i < rest->n && rest->p[i] != ' ' && rest->p[i] != '\t')
		i++;
	sv tok = sv_make(rest->p + st, i - st);
	*rest = sv_make(rest->p + i, rest->n - i);
	return tok;
}

int tz_hours_parse(sv spec, struct tz_hours *out, struct diag *err)
{
	struct tz_hours h = { 0 };
	sv rest = spec.p ? spec : SV_LIT("");
	sv tok = next_token(&rest);
	if (tok.n == 0)
		return diag_set(err, "empty hours (expected e.g. 'Mon-Fri 07:00-20:00 Europe/Rome')");
	/* The days may be left out: every day. */
	if (tok.p[0] >= '0' && tok.p[0] <= '9') {
		h.days = 0x7f;
	} else {
		if (parse_days(tok, &h.days, err) < 0)
			return -1;
		tok = next_token(&rest);
		if (tok.n == 0)
			return diag_set(err, "missing time range in hours (expected HH:MM-HH:MM)");
	}
	if (parse_range(tok, &h, err) < 0)
		return -1;
	sv zone = next_token(&rest);
	sv extra = next_token(&rest);
	if (extra.n)
		return diag_set(err, "unexpected '%.*s' in hours", (int)extra.n, extra.p);
	char name[256];
	if (zone.n >= sizeof(name))
		return diag_set(err, "unknown time zone '%.*s'", (int)zone.n, zone.p);
	if (zone.n) {
		memcpy(name, zone.p, zone.n);
		name[zone.n] = '\0';
	} else {
		memcpy(name, "UTC", sizeof("UTC"));
	}
	h.zone = tz_load(name, err);
	if (!h.zone)
		return -1;
	*out = h;
	return 0;
}

bool tz_hours_contains(const struct tz_hours *h, int64_t t)
{
	struct tz_memo m = { 0 };
	return tz_hours_contains_memo(h, t, &m);
}

bool tz_hours_contains_memo(const struct tz_hours *h, int64_t t, struct tz_memo *m)
{
	if (t > TIME_LIMIT || t < -TIME_LIMIT)
		return false;	/* no real log line is that far away */
	int64_t local = t + tz_offset_memo(h->zone, t, m);
	int64_t days = local / 86400, sec = local % 86400;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	int wd = weekday(days);
	bool today = h->days & (1u << wd);
	if (h->from_sec < h->until_sec)
		return today && sec >= h->from_sec && sec < h->until_sec;
	/* A shift that wraps midnight belongs to the day it started on. */
	if (today && sec >= h->from_sec)
		return true;
	return sec < h->until_sec && (h->days & (1u << ((wd + 6) % 7)));
}

void tz_hours_release(struct tz_hours *h)
{
	if (!h)
		return;
	tz_free(h->zone);
	h->zone = NULL;
}

const char *tz_default_name(char *buf, size_t cap)
{
	static const char zdir[] = "zoneinfo/";
	const char *tz = getenv("TZ");
	char link[4096];

	if (tz && *tz) {
		if (*tz == ':')
			tz++;
		const char *in = strstr(tz, zdir);
		snprintf(buf, cap, "%s", in && *tz == '/' ? in + sizeof(zdir) - 1 : tz);
		return buf;
	}
	ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		const char *in = strstr(link, zdir);
		if (in && in[sizeof(zdir) - 1]) {
			snprintf(buf, cap, "%s", in + sizeof(zdir) - 1);
			return buf;
		}
	}
	FILE *fp = fopen("/etc/timezone", "r");
	if (fp) {
		bool got = fgets(buf, (int)cap, fp) != NULL;
		fclose(fp);
		if (got) {
			buf[strcspn(buf, " \t\r\n")] = '\0';
			if (*buf)
				return buf;
		}
	}
	snprintf(buf, cap, "UTC");
	return buf;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t tz_day_start(const struct tz_zone *z, int64_t t, int days)
{
	int64_t local = t + (z ? tz_offset(z, t) : 0);
	int64_t midnight = (floor_div(local, 86400) + days) * 86400;	/* local wall clock */
	if (!z)
		return midnight;
	/*
	 * Local wall time -> UTC: the offset in force at the answer, found by
	 * trying the offset of the first guess (two steps settle any change).
	 * Where midnight itself is skipped by a daylight-saving jump, this
	 * gives the first instant of the day.
	 */
	int64_t u = midnight - tz_offset(z, midnight);
	u = midnight - tz_offset(z, u);
	return u;
}

void tz_format_local(const struct tz_zone *z, int64_t t, char *buf, size_t cap)
{
	int32_t off = z ? tz_offset(z, t) : 0;
	int64_t local = t + off, days = floor_div(local, 86400), sec = local - days * 86400, y;
	unsigned m, d, a = (unsigned)(off < 0 ? -off : off);

	tu_civil_from_days(days, &y, &m, &d);
	if (!z)
		snprintf(buf, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m, d,
			 (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60));
	else
		snprintf(buf, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%c%02u:%02u", (long long)y, m, d,
			 (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60),
			 off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}
