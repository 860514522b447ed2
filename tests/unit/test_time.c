/*
 * test_time.c - timestamps (timeutil) and time zones / role hours (tz).
 *
 * Expected instants come from an independent oracle: glibc's timegm() and
 * localtime_r() (used only here, never in the product), or literal values
 * checked with `date -u -d ... +%s`.
 */
#define _DEFAULT_SOURCE		/* timegm, setenv */
#include "testutil.h"

#include <time.h>

#include "../../analyzer/timeutil.h"
#include "../../analyzer/tz.h"

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

/* ---- civil arithmetic ---- */

START_TEST(days_from_civil_matches_timegm)
{
	/* Every day from 1900 to 2100 (covers 1900 and 2100 non-leap, 2000 leap),
	 * both directions. */
	for (int64_t days = utc(1900, 1, 1, 0, 0, 0) / 86400;
	     days <= utc(2100, 12, 31, 0, 0, 0) / 86400; days++) {
		time_t t = (time_t)(days * 86400);
		struct tm tm;
		gmtime_r(&t, &tm);
		ck_assert_int_eq(tu_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
						    (unsigned)tm.tm_mday), days);
		int64_t y;
		unsigned m, d;
		tu_civil_from_days(days, &y, &m, &d);
		ck_assert_int_eq(y, tm.tm_year + 1900);
		ck_assert_uint_eq(m, (unsigned)tm.tm_mon + 1);
		ck_assert_uint_eq(d, (unsigned)tm.tm_mday);
	}
}
END_TEST

/* ---- ISO 8601 ---- */

static const struct {
	const char *in;
	bool ok;
	int y, mo, d, h, mi, s;
	int off;		/* seconds east */
} iso_rows[] = {
	{ "2026-11-27", true, 2026, 11, 27, 0, 0, 0, 0 },
	{ "2026-11-27T03:14:07", true, 2026, 11, 27, 3, 14, 7, 0 },
	{ "2026-11-27 03:14:07", true, 2026, 11, 27, 3, 14, 7, 0 },
	{ "2026-11-27T03:14:07Z", true, 2026, 11, 27, 3, 14, 7, 0 },
	{ "2026-11-27T03:14:07z", true, 2026, 11, 27, 3, 14, 7, 0 },
	{ "2026-11-27T03:14:07.123456Z", true, 2026, 11, 27, 3, 14, 7, 0 },
	{ "2026-11-27T03:14:07,5Z", true, 2026, 11, 27, 3, 14, 7, 0 },
	{ "2026-11-27T03:14:07.999+01:00", true, 2026, 11, 27, 3, 14, 7, 3600 },
	{ "2026-11-27T03:14:07+0100", true, 2026, 11, 27, 3, 14, 7, 3600 },
	{ "2026-11-27T03:14:07+01", true, 2026, 11, 27, 3, 14, 7, 3600 },
	{ "2026-11-27T03:14:07-07:00", true, 2026, 11, 27, 3, 14, 7, -7 * 3600 },
	{ "2026-11-27T03:14:07+05:30", true, 2026, 11, 27, 3, 14, 7, 5 * 3600 + 1800 },
	{ "2026-11-27 03:14:07 +01:00", true, 2026, 11, 27, 3, 14, 7, 3600 },
	{ "2026-11-27T03:14", true, 2026, 11, 27, 3, 14, 0, 0 },
	{ "2026-01-01T00:00:00Z", true, 2026, 1, 1, 0, 0, 0, 0 },
	{ "2026-12-31T23:59:59Z", true, 2026, 12, 31, 23, 59, 59, 0 },
	{ "2016-12-31T23:59:60Z", true, 2017, 1, 1, 0, 0, 0, 0 },	/* leap second */
	/* month ends and leap years */
	{ "2024-02-29", true, 2024, 2, 29, 0, 0, 0, 0 },
	{ "2000-02-29", true, 2000, 2, 29, 0, 0, 0, 0 },
	{ "2023-02-29", .ok = false },
	/* years 0001-9999 only (issue 16 case 9) */
	{ "0001-01-01", true, 1, 1, 1, 0, 0, 0, 0 },
	{ "9999-12-31T23:59:59Z", true, 9999, 12, 31, 23, 59, 59, 0 },
	{ "0000-01-01", .ok = false },
	{ "0001-01-01T00:30:00+01:00", .ok = false },	/* in year 0 in UTC */
	{ "9999-12-31T23:59:59-01:00", .ok = false },	/* in year 10000 in UTC */
	{ "1900-02-29", .ok = false },
	{ "2100-02-29", .ok = false },
	{ "2023-02-28", true, 2023, 2, 28, 0, 0, 0, 0 },
	{ "2026-04-30", true, 2026, 4, 30, 0, 0, 0, 0 },
	{ "2026-04-31", .ok = false },
	{ "2026-06-31", .ok = false },
	{ "2026-09-31", .ok = false },
	{ "2026-11-31", .ok = false },
	{ "2026-01-31", true, 2026, 1, 31, 0, 0, 0, 0 },
	{ "2026-01-32", .ok = false },
	{ "2026-00-10", .ok = false },
	{ "2026-13-01", .ok = false },
	{ "2026-01-00", .ok = false },
	/* bad times */
	{ "2026-11-27T24:00:00Z", .ok = false },
	{ "2026-11-27T23:60:00Z", .ok = false },
	{ "2026-11-27T23:59:61Z", .ok = false },
	{ "2026-11-27T03:14:07+24:00", .ok = false },
	{ "2026-11-27T03:14:07+01:60", .ok = false },
	/* junk and truncation */
	{ "", .ok = false },
	{ "2026-11-27x", .ok = false },
	{ "2026-11-27T", .ok = false },
	{ "2026-11-27T03", .ok = false },
	{ "2026-11-27T03:14:07Zjunk", .ok = false },
	{ "2026-11-27T03:14:07.", .ok = false },
	{ "2026-11-27T03:14:07+1", .ok = false },
	{ "2026-11-27T03:14:07 ", .ok = false },
	{ "26-11-27", .ok = false },
	{ "2026/11/27", .ok = false },
	{ " 2026-11-27", .ok = false },
};

START_TEST(iso8601_table)
{
	int64_t t = -1;
	bool ok = tu_parse_iso8601(sv_cstr(iso_rows[_i].in), &t);
	ck_assert_msg(ok == iso_rows[_i].ok, "'%s': expected %s", iso_rows[_i].in,
		      iso_rows[_i].ok ? "accepted" : "rejected");
	if (ok)
		ck_assert_int_eq(t, utc(iso_rows[_i].y, iso_rows[_i].mo, iso_rows[_i].d,
					iso_rows[_i].h, iso_rows[_i].mi, iso_rows[_i].s) -
					    iso_rows[_i].off);
}
END_TEST

START_TEST(iso8601_view_not_terminated)
{
	/* A view into a longer line: only its bytes count. */
	const char *line = "2026-11-27T03:14:07Z trailing";
	int64_t t;
	ck_assert(tu_parse_iso8601(sv_make(line, 20), &t));
	ck_assert_int_eq(t, 1795749247);
	ck_assert(!tu_parse_iso8601(sv_make(line, 21), &t));
}
END_TEST

/* ---- CLF ---- */

static const struct {
	const char *in;
	bool ok;
	int64_t want;		/* checked with date -u -d ... +%s */
} clf_rows[] = {
	{ "27/Nov/2026:03:14:07 +0000", true, 1795749247 },
	{ "27/Nov/2026:03:14:07 -0700", true, 1795749247 + 7 * 3600 },
	/* lnav's shop log style, Tehran +0330 */
	{ "27/Nov/2026:06:44:07 +0330", true, 1795749247 },
	{ "27/Nov/2026:03:14:07 +01:00", true, 1795749247 - 3600 },
	{ "29/Feb/2000:00:00:00 +0000", true, 951782400 },
	{ "31/Dec/2024:23:59:59 +0000", true, 1735689599 },
	{ "01/Jan/1970:01:00:00 +0100", true, 0 },
	{ "27/nov/2026:03:14:07 +0000", true, 1795749247 },
	{ "27/Nov/2026:03:14:07.250 +0000", true, 1795749247 },
	{ "29/Feb/2023:00:00:00 +0000", .ok = false },
	{ "31/Apr/2026:00:00:00 +0000", .ok = false },
	{ "27/Nox/2026:03:14:07 +0000", .ok = false },
	{ "27/Nov/2026:24:00:00 +0000", .ok = false },
	{ "27/Nov/2026:03:60:00 +0000", .ok = false },
	{ "27/Nov/2026:03:14:07", .ok = false },
	{ "27/Nov/2026:03:14:07 +0000]", .ok = false },
	{ "[27/Nov/2026:03:14:07 +0000]", .ok = false },
	{ "27/Nov/26:03:14:07 +0000", .ok = false },
	{ "27/Nov/2026 03:14:07 +0000", .ok = false },
	{ "", .ok = false },
};

START_TEST(clf_table)
{
	int64_t t = -1;
	bool ok = tu_parse_clf(sv_cstr(clf_rows[_i].in), &t);
	ck_assert_msg(ok == clf_rows[_i].ok, "'%s'", clf_rows[_i].in);
	if (ok)
		ck_assert_int_eq(t, clf_rows[_i].want);
}
END_TEST

/*
 * tu_parse_clf_cached() gives tu_parse_clf()'s answer whatever stamp came
 * before: every row after every other row (the cache primed by the first),
 * then stamps that share the cached date and offset but differ elsewhere.
 */
static void clf_cached_agrees(struct tu_clf_cache *c, const char *in, size_t n)
{
	int64_t want = -1, got = -2;
	bool ok = tu_parse_clf(sv_make(in, n), &want);
	bool cok = tu_parse_clf_cached(sv_make(in, n), c, &got);
	ck_assert_msg(ok == cok, "'%.*s': %d, cached %d", (int)n, in, ok, cok);
	if (ok)
		ck_assert_msg(want == got, "'%.*s': %lld, cached %lld", (int)n, in, (long long)want,
			      (long long)got);
}

START_TEST(clf_cached_pairs)
{
	size_t n = sizeof(clf_rows) / sizeof(clf_rows[0]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			struct tu_clf_cache c = { 0 };
			clf_cached_agrees(&c, clf_rows[i].in, strlen(clf_rows[i].in));
			clf_cached_agrees(&c, clf_rows[j].in, strlen(clf_rows[j].in));
			clf_cached_agrees(&c, clf_rows[j].in, strlen(clf_rows[j].in));
		}
	}
	static const char *const seq[] = {
		"27/Nov/2026:03:14:07 +0000", "27/Nov/2026:23:59:60 +0000", "27/Nov/2026:24:00:00 +0000",
		"27/Nov/2026:03:60:00 +0000", "27/Nov/2026:03:14:61 +0000", "27/Nov/2026:00:00:00 +0000",
		"27/Nov/2026:3:14:07Z +0000", "27/Nov/2026:03:14:07 +0001", "27/Nov/2026:03:14:07  0000",
		"27/Nov/2026:03:14:0x +0000", "27/Nov/2026:03:14:07 +0000",
		"1/Nov/2026:03:14:07 +01:00", "1/Nov/2026:03:14:08 +01:00", "01/Nov/2026:03:14:08 +0100",
		"31/Dec/9999:23:59:59 +0000", "31/Dec/9999:23:59:60 +0000", "31/Dec/9999:23:59:59 -2359",
		"01/Jan/0001:00:00:00 +0000", "01/Jan/0001:00:00:00 +0100", "01/Jan/0001:00:59:59 +0100",
		"01/Jan/0001:01:00:00 +0100",
	};
	struct tu_clf_cache c = { 0 };
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		clf_cached_agrees(&c, seq[i], strlen(seq[i]));
}
END_TEST

/*
 * Random bytes in random places of stamps of three dates and offsets, in
 * random order (fixed seed): one cache of two slots throughout, so hits in
 * either slot, misses and refills alternate.
 */
START_TEST(clf_cached_mutations)
{
	static const char bases[][27] = { "27/Nov/2026:03:14:07 +0000", "27/Nov/2026:04:14:07 +0100",
					  "28/Nov/2026:00:00:00 +0000" };
	static const char bytes[] = "0123456789/: +-:Zx";
	struct tu_clf_cache c = { 0 };
	unsigned seed = 4242;
	char in[27];
	for (int k = 0; k < 50000; k++) {
		seed = seed * 1103515245u + 12345u;
		memcpy(in, bases[(seed >> 16) % 3], sizeof(in));
		size_t n = sizeof(in) - 1;
		int edits = k % 4;	/* a quarter of them the unchanged stamp */
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 16) % n;
			seed = seed * 1103515245u + 12345u;
			in[pos] = bytes[(seed >> 16) % (sizeof(bytes) - 1)];
		}
		if (k % 97 == 0)
			n--;	/* now and then one byte short */
		clf_cached_agrees(&c, in, n);
	}
}
END_TEST

/* ---- epoch, any, syslog ---- */

static const struct {
	const char *in;
	bool ok;
	int64_t want;
} epoch_rows[] = {
	{ "0", true, 0 },
	{ "1795749247", true, 1795749247 },
	{ "1795749247.123456", true, 1795749247 },
	{ "1795749247123", true, 1795749247 },		/* ms */
	{ "1795749247999", true, 1795749247 },		/* ms, rounds down */
	{ "1795749247123.5", true, 1795749247 },
	{ "253402300799", true, 253402300799 },		/* 12 digits: still seconds; 9999-12-31T23:59:59Z */
	{ "253402300800", .ok = false },		/* year 10000 (issue 16 case 9) */
	{ "999999999999", .ok = false },
	{ "9999999999999999999", true, 9999999999 },	/* 19 digits: ns, no signed overflow (case 10) */
	{ "9223372036854775807", true, 9223372036 },	/* INT64_MAX ns */
	{ "1795749247123456", true, 1795749247 },	/* us */
	{ "1795749247123456789", true, 1795749247 },	/* ns */
	{ "", .ok = false },
	{ "-5", .ok = false },
	{ "17957x9247", .ok = false },
	{ "1795749247.", .ok = false },
	{ "1795749247 ", .ok = false },
	{ "12345678901234567890", .ok = false },		/* overflow */
};

START_TEST(epoch_table)
{
	int64_t t = -1;
	bool ok = tu_parse_epoch(sv_cstr(epoch_rows[_i].in), &t);
	ck_assert_msg(ok == epoch_rows[_i].ok, "'%s'", epoch_rows[_i].in);
	if (ok)
		ck_assert_int_eq(t, epoch_rows[_i].want);
}
END_TEST

START_TEST(parse_any_tries_each)
{
	int64_t t;
	ck_assert(tu_parse_any(SV_LIT("2026-11-27T03:14:07Z"), &t));
	ck_assert_int_eq(t, 1795749247);
	ck_assert(tu_parse_any(SV_LIT("1795749247123"), &t));
	ck_assert_int_eq(t, 1795749247);
	ck_assert(tu_parse_any(SV_LIT("27/Nov/2026:04:14:07 +0100"), &t));
	ck_assert_int_eq(t, 1795749247);
	ck_assert(!tu_parse_any(SV_LIT("yesterday"), &t));
}
END_TEST

static const struct {
	const char *in;
	int year;
	bool ok;
	int mo, d, h, mi, s;
} syslog_rows[] = {
	{ "Nov 27 03:14:07", 2026, true, 11, 27, 3, 14, 7 },
	{ "Nov  7 03:14:07", 2026, true, 11, 7, 3, 14, 7 },
	{ "Nov 7 03:14:07", 2026, true, 11, 7, 3, 14, 7 },
	{ "Feb 29 12:00:00", 2024, true, 2, 29, 12, 0, 0 },
	{ "Feb 29 12:00:00", 2026, .ok = false },
	{ "Dec 31 23:59:59", 2026, true, 12, 31, 23, 59, 59 },
	{ "Jan  1 00:00:00", 2027, true, 1, 1, 0, 0, 0 },
	{ "Nov 31 03:14:07", 2026, .ok = false },
	{ "Nov 27 3:14:07", 2026, .ok = false },
	{ "Nov 27 03:14:07 host", 2026, .ok = false },
	{ "Foo 27 03:14:07", 2026, .ok = false },
};

START_TEST(syslog_table)
{
	int64_t t = -1;
	bool ok = tu_parse_syslog3164(sv_cstr(syslog_rows[_i].in), syslog_rows[_i].year, &t);
	ck_assert_msg(ok == syslog_rows[_i].ok, "'%s' %d", syslog_rows[_i].in, syslog_rows[_i].year);
	if (ok)
		ck_assert_int_eq(t, utc(syslog_rows[_i].year, syslog_rows[_i].mo, syslog_rows[_i].d,
					syslog_rows[_i].h, syslog_rows[_i].mi, syslog_rows[_i].s));
}
END_TEST

/* ---- compiled formats ---- */

static const struct {
	const char *fmt;
	const char *in;
	bool ok;
	int64_t want;
} fmt_rows[] = {
	{ "%d/%b/%Y:%H:%M:%S %z", "27/Nov/2026:03:14:07 +0000", true, 1795749247 },
	{ "%d/%b/%Y:%H:%M:%S %z", "27/Nov/2026:06:44:07 +0330", true, 1795749247 },
	{ "%d/%b/%Y:%H:%M:%S %z", "26/Nov/2026:20:14:07 -0700", true, 1795749247 },
	{ "%d/%b/%Y:%H:%M:%S %z", "31/Nov/2026:03:14:07 +0000", .ok = false },
	{ "%d/%b/%Y:%H:%M:%S %z", "27/Nov/2026:03:14:07 +0000x", .ok = false },
	{ "%Y-%m-%d %H:%M:%S", "2026-11-27 03:14:07", true, 1795749247 },
	{ "%Y-%m-%d %H:%M:%S", "2026-11-27   03:14:07", true, 1795749247 },
	{ "%Y-%m-%d %H:%M:%S", "2026-02-29 03:14:07", .ok = false },
	{ "%Y-%m-%d %H:%M:%S", "2026-11-27 03:14", .ok = false },
	{ "%F %T", "2026-11-27 03:14:07", true, 1795749247 },
	{ "%FT%T.%f%z", "2026-11-27T04:14:07.123+01:00", true, 1795749247 },
	{ "%FT%T%z", "2026-11-27T03:14:07Z", true, 1795749247 },
	{ "%Y%m%d%H%M%S", "20261127031407", true, 1795749247 },
	{ "%a, %d %b %Y %H:%M:%S %Z", "Fri, 27 Nov 2026 03:14:07 GMT", true, 1795749247 },
	{ "%A %B %e %Y %I:%M:%S %p", "Friday November  7 2026 03:14:07 PM", true,
	  1795749247 - 20 * 86400 + 12 * 3600 },
	{ "%m/%d/%y %I:%M %p", "11/27/26 12:00 AM", true, 1795749247 - (3 * 3600 + 14 * 60 + 7) },
	{ "%m/%d/%y %I:%M %p", "11/27/26 12:00 PM", true, 1795749247 - (3 * 3600 + 14 * 60 + 7) + 12 * 3600 },
	{ "%m/%d/%y %I:%M %p", "11/27/26 13:00 PM", .ok = false },
	{ "%Y.%j %T", "2026.331 03:14:07", true, 1795749247 },
	{ "%Y.%j %T", "2024.366 00:00:00", true, 1735603200 },
	{ "%Y.%j %T", "2026.366 00:00:00", .ok = false },
	{ "%s", "1795749247", true, 1795749247 },
	{ "[%s]", "[1795749247]", true, 1795749247 },
	{ "%Y-%m-%d %H:%M:%S%%", "2026-11-27 03:14:07%", true, 1795749247 },
};

START_TEST(fmt_table)
{
	struct diag err;
	struct tu_fmt *f = tu_fmt_compile(fmt_rows[_i].fmt, &err);
	ck_assert_msg(f != NULL, "%s: %s", fmt_rows[_i].fmt, err.msg);
	int64_t t = -1;
	bool ok = tu_fmt_parse(f, sv_cstr(fmt_rows[_i].in), &t);
	ck_assert_msg(ok == fmt_rows[_i].ok, "'%s' with '%s'", fmt_rows[_i].in, fmt_rows[_i].fmt);
	if (ok)
		ck_assert_int_eq(t, fmt_rows[_i].want);
	tu_fmt_free(f);
}
END_TEST

START_TEST(fmt_round_trip)
{
	/* strftime (the oracle) writes, tu_fmt reads back, over a range of
	 * instants that includes month ends and leap days. */
	static const char *const fmts[] = {
		"%d/%b/%Y:%H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%FT%T%z",
		"%a %b %e %H:%M:%S %Y", "%m/%d/%y %I:%M:%S %p", "%Y.%j %T",
	};
	for (size_t k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		struct diag err;
		struct tu_fmt *f = tu_fmt_compile(fmts[k], &err);
		ck_assert_msg(f != NULL, "%s: %s", fmts[k], err.msg);
		for (int64_t t = utc(1999, 12, 31, 0, 0, 0); t < utc(2030, 1, 1, 0, 0, 0);
		     t += 86400 * 3 + 3671) {
			time_t tt = (time_t)t;
			struct tm tm;
			char buf[128];
			gmtime_r(&tt, &tm);
			strftime(buf, sizeof(buf), fmts[k], &tm);
			int64_t got = -1;
			ck_assert_msg(tu_fmt_parse(f, sv_cstr(buf), &got), "'%s' with '%s'", buf, fmts[k]);
			ck_assert_int_eq(got, t);
		}
		tu_fmt_free(f);
	}
}
END_TEST

static const struct {
	const char *fmt;
	const char *err;
} fmt_err_rows[] = {
	{ "%Y-%m-%d %Q", "unsupported conversion %Q at offset 9" },
	{ "%Y-%m-%d %H:%M:%", "incomplete conversion '%' at offset 15" },
	{ "%H:%M:%S", "has no year" },
	{ "%Y %H %p", "%p without %I" },
	{ "", "empty time format" },
};

START_TEST(fmt_compile_errors)
{
	struct diag err = { "" };
	ck_assert(tu_fmt_compile(fmt_err_rows[_i].fmt, &err) == NULL);
	ck_assert_msg(strstr(err.msg, fmt_err_rows[_i].err), "'%s': got '%s'", fmt_err_rows[_i].fmt,
		      err.msg);
}
END_TEST

START_TEST(format_iso)
{
	char buf[21];
	tu_format_iso(1795749247, buf);
	ck_assert_str_eq(buf, "2026-11-27T03:14:07Z");
	tu_format_iso(0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	tu_format_iso(-1, buf);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
	tu_format_iso(951868799, buf);
	ck_assert_str_eq(buf, "2000-02-29T23:59:59Z");
	/* round trip through the ISO parser */
	for (int64_t t = utc(1960, 1, 1, 0, 0, 0); t < utc(2100, 1, 1, 0, 0, 0); t += 86400 * 29 + 3599) {
		int64_t back;
		tu_format_iso(t, buf);
		ck_assert(tu_parse_iso8601(sv_cstr(buf), &back));
		ck_assert_int_eq(back, t);
	}
}
END_TEST

static const struct {
	const char *in;
	bool ok;
	int64_t want;
} dur_rows[] = {
	{ "10m", true, 600 },
	{ "1h", true, 3600 },
	{ "90s", true, 90 },
	{ "7d", true, 7 * 86400 },
	{ "2w", true, 14 * 86400 },
	{ "45", true, 45 },
	{ "1h30m", true, 5400 },
	{ "0", .ok = false },
	{ "0m", .ok = false },
	{ "", .ok = false },
	{ "m", .ok = false },
	{ "10x", .ok = false },
	{ "-5m", .ok = false },
	{ "1h30", .ok = false },
	{ "10m ", .ok = false },
	{ "99999999999999999999w", .ok = false },
	{ "9999999999999999w", .ok = false },
};

START_TEST(duration_table)
{
	int64_t s = -1;
	bool ok = tu_parse_duration(sv_cstr(dur_rows[_i].in), &s);
	ck_assert_msg(ok == dur_rows[_i].ok, "'%s'", dur_rows[_i].in);
	if (ok)
		ck_assert_int_eq(s, dur_rows[_i].want);
}
END_TEST

/* ---- time zones ---- */

static const struct {
	const char *zone;
	int y, mo, d, h, mi, s;	/* UTC */
	int32_t off;
} off_rows[] = {
	/* Europe/Rome 2026: CEST from 29 Mar 01:00Z, back to CET 25 Oct 01:00Z */
	{ "Europe/Rome", 2026, 1, 15, 12, 0, 0, 3600 },
	{ "Europe/Rome", 2026, 3, 29, 0, 59, 59, 3600 },
	{ "Europe/Rome", 2026, 3, 29, 1, 0, 0, 7200 },
	{ "Europe/Rome", 2026, 10, 25, 0, 59, 59, 7200 },
	{ "Europe/Rome", 2026, 10, 25, 1, 0, 0, 3600 },
	/* 2040: past the 2037 end of the transition table, footer rule */
	{ "Europe/Rome", 2040, 1, 15, 12, 0, 0, 3600 },
	{ "Europe/Rome", 2040, 3, 25, 0, 59, 59, 3600 },
	{ "Europe/Rome", 2040, 3, 25, 1, 0, 0, 7200 },
	{ "Europe/Rome", 2040, 10, 28, 0, 59, 59, 7200 },
	{ "Europe/Rome", 2040, 10, 28, 1, 0, 0, 3600 },
	{ "Europe/Rome", 2240, 7, 1, 0, 0, 0, 7200 },
	/* America/New_York 2026: EDT from 8 Mar 07:00Z, EST from 1 Nov 06:00Z */
	{ "America/New_York", 2026, 3, 8, 6, 59, 59, -5 * 3600 },
	{ "America/New_York", 2026, 3, 8, 7, 0, 0, -4 * 3600 },
	{ "America/New_York", 2026, 11, 1, 5, 59, 59, -4 * 3600 },
	{ "America/New_York", 2026, 11, 1, 6, 0, 0, -5 * 3600 },
	{ "America/New_York", 2040, 3, 11, 7, 0, 0, -4 * 3600 },
	{ "America/New_York", 2040, 3, 11, 6, 59, 59, -5 * 3600 },
	{ "UTC", 2026, 7, 1, 0, 0, 0, 0 },
	{ "Etc/UTC", 2040, 7, 1, 0, 0, 0, 0 },
	{ "Asia/Kolkata", 2026, 7, 1, 0, 0, 0, 5 * 3600 + 1800 },
};

START_TEST(zone_offsets)
{
	struct diag err;
	struct tz_zone *z = tz_load(off_rows[_i].zone, &err);
	ck_assert_msg(z != NULL, "%s", err.msg);
	int64_t t = utc(off_rows[_i].y, off_rows[_i].mo, off_rows[_i].d, off_rows[_i].h,
			off_rows[_i].mi, off_rows[_i].s);
	ck_assert_int_eq(tz_offset(z, t), off_rows[_i].off);
	tz_free(z);
}
END_TEST

START_TEST(utc_without_tzdata)
{
	struct diag err;
	setenv("TZDIR", "/nonexistent-tzdir", 1);
	struct tz_zone *z = tz_load("UTC", &err);
	ck_assert_msg(z != NULL, "%s", err.msg);
	ck_assert_int_eq(tz_offset(z, 1795749247), 0);
	tz_free(z);
	z = tz_load("Etc/UTC", &err);
	ck_assert(z != NULL);
	tz_free(z);
	ck_assert(tz_load("Europe/Rome", &err) == NULL);
	unsetenv("TZDIR");
}
END_TEST

static const char *const bad_zone_rows[] = {
	"Europe/Rom", "../../etc/passwd", "/etc/localtime", "Europe/../Europe/Rome",
	"", "Europe", "zone.tab", "Europe/Rome/", "Europe Rome",
};

START_TEST(zone_bad_names)
{
	struct diag err = { "" };
	ck_assert(tz_load(bad_zone_rows[_i], &err) == NULL);
	char want[300];
	snprintf(want, sizeof(want), "unknown time zone '%s'", bad_zone_rows[_i]);
	ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(zones_match_libc)
{
	/* Oracle: glibc's localtime_r over 1900-2200, every ~5 days plus odd
	 * hours, in zones with southern DST, negative DST (Dublin), half and
	 * quarter hours, and rules with times like /24 and /-1. */
	static const char *const zones[] = {
		"Europe/Rome", "America/New_York", "Australia/Sydney", "Europe/Dublin",
		"America/Sao_Paulo", "Pacific/Chatham", "America/Godthab", "America/Santiago",
		"Asia/Tehran", "America/St_Johns", "Africa/Casablanca", "Europe/London",
	};
	for (size_t k = 0; k < sizeof(zones) / sizeof(zones[0]); k++) {
		struct diag err;
		struct tz_zone *z = tz_load(zones[k], &err);
		ck_assert_msg(z != NULL, "%s", err.msg);
		char tzenv[128];
		snprintf(tzenv, sizeof(tzenv), ":%s", zones[k]);
		setenv("TZ", tzenv, 1);
		tzset();
		for (int64_t t = utc(1900, 1, 1, 0, 0, 0); t < utc(2200, 1, 1, 0, 0, 0);
		     t += 5 * 86400 + 3 * 3600 + 17) {
			time_t tt = (time_t)t;
			struct tm tm;
			localtime_r(&tt, &tm);
			ck_assert_msg(tz_offset(z, t) == tm.tm_gmtoff, "%s at %lld: %d != %ld", zones[k],
				      (long long)t, tz_offset(z, t), tm.tm_gmtoff);
		}
		tz_free(z);
	}
	unsetenv("TZ");
	tzset();
}
END_TEST

START_TEST(zone_transitions_exact)
{
	/* Around every transition instant glibc knows for 2020-2060, the
	 * offset switches exactly at the second. */
	static const char *const zones[] = { "Europe/Rome", "America/New_York", "Australia/Sydney" };
	for (size_t k = 0; k < 3; k++) {
		struct diag err;
		struct tz_zone *z = tz_load(zones[k], &err);
		ck_assert(z != NULL);
		char tzenv[128];
		snprintf(tzenv, sizeof(tzenv), ":%s", zones[k]);
		setenv("TZ", tzenv, 1);
		tzset();
		int switches = 0;
		long prev = 0;
		for (int64_t t = utc(2020, 1, 1, 0, 0, 0); t < utc(2060, 1, 1, 0, 0, 0); t += 3600) {
			time_t tt = (time_t)t;
			struct tm tm;
			localtime_r(&tt, &tm);
			if (t > utc(2020, 1, 1, 0, 0, 0) && tm.tm_gmtoff != prev) {
				switches++;
				ck_assert_int_eq(tz_offset(z, t - 1), prev);
				ck_assert_int_eq(tz_offset(z, t), tm.tm_gmtoff);
			}
			prev = tm.tm_gmtoff;
		}
		ck_assert_int_ge(switches, 78);
		tz_free(z);
	}
	unsetenv("TZ");
	tzset();
}
END_TEST

/* ---- hours ---- */

static const struct {
	const char *spec;
	int y, mo, d, h, mi, s;	/* UTC */
	bool in;
} hours_rows[] = {
	/* winter (CET, +1): Mon 23 Mar 2026 */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 23, 6, 0, 0, true },	/* 07:00:00 */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 23, 5, 59, 59, false },	/* 06:59:59 */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 23, 18, 59, 59, true },	/* 19:59:59 */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 23, 19, 0, 0, false },	/* 20:00:00 */
	/* summer (CEST, +2): Mon 30 Mar 2026, the day after the switch */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 30, 5, 0, 0, true },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 30, 4, 59, 59, false },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 30, 17, 59, 59, true },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 30, 18, 0, 0, false },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 30, 6, 0, 0, true },	/* 08:00 */
	/* back to winter: Mon 26 Oct 2026 */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 10, 26, 6, 0, 0, true },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 10, 26, 5, 59, 59, false },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 10, 23, 18, 0, 0, false },	/* Fri 20:00 CEST */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 10, 23, 17, 59, 59, true },
	/* weekend: Sat 28 Mar 10:00, Sun 29 Mar 12:00 local */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 28, 9, 0, 0, false },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2026, 3, 29, 10, 0, 0, false },
	/* UTC day and local day differ: Mon 00:30 local is Sun 23:30Z */
	{ "Mon-Fri 00:00-20:00 Europe/Rome", 2026, 3, 22, 23, 30, 0, true },
	{ "Sun 00:00-20:00 Europe/Rome", 2026, 3, 22, 23, 30, 0, false },
	/* 2040, footer rule: Mon 2 Jul 2040, CEST */
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2040, 7, 2, 5, 0, 0, true },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2040, 7, 2, 4, 59, 59, false },
	{ "Mon-Fri 07:00-20:00 Europe/Rome", 2040, 7, 2, 18, 0, 0, false },
	/* New York: Mon 9 Mar 2026 (EDT, -4), Mon 2 Nov 2026 (EST, -5) */
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 3, 9, 13, 0, 0, true },
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 3, 9, 12, 59, 59, false },
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 3, 9, 21, 0, 0, false },
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 11, 2, 14, 0, 0, true },
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 11, 2, 13, 59, 59, false },
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 11, 2, 21, 59, 59, true },
	/* Fri 6 Nov: 17:00 EST is 22:00Z */
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 11, 6, 21, 59, 59, true },
	{ "Mon-Fri 09:00-17:00 America/New_York", 2026, 11, 6, 22, 0, 0, false },
	/* wrap midnight: a Mon shift 22:00-06:00 covers Mon 22:00 to Tue 06:00 */
	{ "Mon 22:00-06:00", 2026, 3, 23, 22, 0, 0, true },
	{ "Mon 22:00-06:00", 2026, 3, 23, 21, 59, 59, false },
	{ "Mon 22:00-06:00", 2026, 3, 24, 5, 59, 59, true },		/* Tue 05:59:59 */
	{ "Mon 22:00-06:00", 2026, 3, 24, 6, 0, 0, false },
	{ "Mon 22:00-06:00", 2026, 3, 23, 3, 0, 0, false },		/* Mon 03:00: Sun's shift */
	{ "Mon 22:00-06:00", 2026, 3, 24, 22, 30, 0, false },		/* Tue 22:30 */
	{ "Sun 22:00-06:00", 2026, 3, 23, 3, 0, 0, true },		/* Mon 03:00 */
	{ "Fri-Mon 22:00-06:00 UTC", 2026, 3, 24, 3, 0, 0, true },	/* Tue 03:00: Mon's */
	{ "Fri-Mon 22:00-06:00 UTC", 2026, 3, 25, 3, 0, 0, false },	/* Wed 03:00 */
	{ "Fri-Mon 22:00-06:00 UTC", 2026, 3, 28, 23, 0, 0, true },	/* Sat */
	{ "Fri-Mon 22:00-06:00 UTC", 2026, 3, 26, 23, 0, 0, false },	/* Thu */
	/* day lists, '*', 24:00, seconds */
	{ "Sat,Sun 10:00-12:00", 2026, 3, 28, 11, 0, 0, true },
	{ "Sat,Sun 10:00-12:00", 2026, 3, 27, 11, 0, 0, false },
	{ "sat,SUN,Wed 10:00-12:00", 2026, 3, 25, 11, 0, 0, true },
	{ "Mon,Wed-Thu 10:00-12:00", 2026, 3, 24, 11, 0, 0, false },
	{ "Mon,Wed-Thu 10:00-12:00", 2026, 3, 26, 11, 0, 0, true },
	{ "* 00:00-24:00", 2026, 3, 28, 23, 59, 59, true },
	{ "Mon-Sun 00:00-24:00", 2026, 3, 29, 0, 0, 0, true },
	{ "Mon 08:00:30-08:00:45", 2026, 3, 23, 8, 0, 29, false },
	{ "Mon 08:00:30-08:00:45", 2026, 3, 23, 8, 0, 30, true },
	{ "Mon 08:00:30-08:00:45", 2026, 3, 23, 8, 0, 45, false },
	{ "07:00-20:00 Europe/Rome", 2026, 3, 29, 10, 0, 0, true },		/* days left out */
	{ "Mon-Fri 07:00-20:00", 2026, 3, 23, 7, 0, 0, true },		/* zone left out: UTC */
	{ "Mon-Fri 07:00-20:00", 2026, 3, 23, 6, 59, 59, false },
	{ "Monday-Friday 07:00-20:00", 2026, 3, 27, 7, 0, 0, true },
};

START_TEST(hours_table)
{
	struct tz_hours h;
	struct diag err;
	ck_assert_msg(tz_hours_parse(sv_cstr(hours_rows[_i].spec), &h, &err) == 0, "%s: %s",
		      hours_rows[_i].spec, err.msg);
	int64_t t = utc(hours_rows[_i].y, hours_rows[_i].mo, hours_rows[_i].d, hours_rows[_i].h,
			hours_rows[_i].mi, hours_rows[_i].s);
	ck_assert_msg(tz_hours_contains(&h, t) == hours_rows[_i].in, "'%s' at %04d-%02d-%02dT%02d:%02d:%02dZ",
		      hours_rows[_i].spec, hours_rows[_i].y, hours_rows[_i].mo, hours_rows[_i].d,
		      hours_rows[_i].h, hours_rows[_i].mi, hours_rows[_i].s);
	tz_hours_release(&h);
	ck_assert(h.zone == NULL);
}
END_TEST

static const struct {
	const char *spec;
	const char *err;
} hours_err_rows[] = {
	{ "Mox-Fri 07:00-20:00 Europe/Rome", "bad day 'Mox'" },
	{ "Mon-Frx 07:00-20:00 Europe/Rome", "bad day 'Frx'" },
	{ "Mon,,Fri 07:00-20:00", "bad day ''" },
	{ "Mon-Fri 25:00-20:00 Europe/Rome", "bad time '25:00'" },
	{ "Mon-Fri 07:00-25:00 Europe/Rome", "bad time '25:00'" },
	{ "Mon-Fri 24:00-06:00", "bad time '24:00'" },
	{ "Mon-Fri 07:60-20:00", "bad time '07:60'" },
	{ "Mon-Fri 24:30", "bad time range '24:30'" },
	{ "Mon-Fri 07:00-20", "bad time '20'" },
	{ "Mon-Fri 07:00-20:00:61", "bad time '20:00:61'" },
	{ "Mon-Fri 07:00-20:00 Europe/Rom", "unknown time zone 'Europe/Rom'" },
	{ "Mon-Fri 07:00-20:00 ../etc/passwd", "unknown time zone '../etc/passwd'" },
	{ "Mon-Fri 07:00-20:00 Europe/Rome extra", "unexpected 'extra'" },
	{ "Mon-Fri", "missing time range" },
	{ "", "empty hours" },
	{ "   ", "empty hours" },
};

START_TEST(hours_errors)
{
	struct tz_hours h;
	struct diag err = { "" };
	ck_assert(tz_hours_parse(sv_cstr(hours_err_rows[_i].spec), &h, &err) == -1);
	ck_assert_msg(strstr(err.msg, hours_err_rows[_i].err), "'%s': got '%s'",
		      hours_err_rows[_i].spec, err.msg);
}
END_TEST

START_TEST(hours_every_minute_of_a_dst_week)
{
	/* The whole week of the March 2026 switch, minute by minute, against
	 * localtime_r: inside iff local weekday Mon-Fri and 07:00 <= local < 20:00. */
	struct tz_hours h;
	struct diag err;
	ck_assert(tz_hours_parse(SV_LIT("Mon-Fri 07:00-20:00 Europe/Rome"), &h, &err) == 0);
	setenv("TZ", ":Europe/Rome", 1);
	tzset();
	for (int64_t t = utc(2026, 3, 25, 0, 0, 0); t < utc(2026, 4, 2, 0, 0, 0); t += 60) {
		time_t tt = (time_t)t;
		struct tm tm;
		localtime_r(&tt, &tm);
		bool want = tm.tm_wday >= 1 && tm.tm_wday <= 5 && tm.tm_hour >= 7 && tm.tm_hour < 20;
		ck_assert_msg(tz_hours_contains(&h, t) == want, "at %lld", (long long)t);
	}
	unsetenv("TZ");
	tzset();
	tz_hours_release(&h);
}
END_TEST

/*
 * tz_offset_memo() and tz_hours_contains_memo() answer as tz_offset() and
 * tz_hours_contains() do, with one memo carried through: instants walked
 * in hours across the transitions of 2020-2060 (past the end of a fat
 * TZif table, the POSIX rule), a second either side of each transition,
 * then jumps back and forth (fixed seed), in zones with and without DST
 * and in UTC.
 */
START_TEST(zone_memo_agrees)
{
	static const char *const zones[] = { "Europe/Rome", "America/New_York", "Australia/Sydney",
					     "Asia/Kathmandu", "UTC" };
	for (size_t k = 0; k < sizeof(zones) / sizeof(zones[0]); k++) {
		struct diag err;
		struct tz_zone *z = tz_load(zones[k], &err);
		ck_assert_msg(z != NULL, "%s", zones[k]);
		struct tz_memo m = { 0 };
		for (int64_t t = utc(2020, 1, 1, 0, 0, 0); t < utc(2060, 1, 1, 0, 0, 0); t += 3600) {
			for (int64_t d = -1; d <= 1; d++)
				ck_assert_msg(tz_offset_memo(z, t + d, &m) == tz_offset(z, t + d), "%s at %lld",
					      zones[k], (long long)(t + d));
			if (tz_offset(z, t) != tz_offset(z, t - 3600))	/* a transition in the last hour */
				for (int64_t u = t - 3600; u <= t; u++)
					ck_assert_int_eq(tz_offset_memo(z, u, &m), tz_offset(z, u));
		}
		unsigned seed = 99;
		for (int i = 0; i < 20000; i++) {
			seed = seed * 1103515245u + 12345u;
			int64_t t = utc(1900, 1, 1, 0, 0, 0) + (int64_t)(seed >> 8) * 300;
			ck_assert_int_eq(tz_offset_memo(z, t, &m), tz_offset(z, t));
		}
		tz_free(z);
	}
	struct tz_hours h;
	struct diag err;
	ck_assert(tz_hours_parse(SV_LIT("Mon-Fri 07:00-20:00 Europe/Rome"), &h, &err) == 0);
	struct tz_memo m = { 0 };
	for (int64_t t = utc(2026, 3, 25, 0, 0, 0); t < utc(2026, 11, 2, 0, 0, 0); t += 59)
		ck_assert_msg(tz_hours_contains_memo(&h, t, &m) == tz_hours_contains(&h, t), "at %lld",
			      (long long)t);
	tz_hours_release(&h);
}
END_TEST

static Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("timeutil");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, days_from_civil_matches_timegm);
	tcase_add_loop_test(tc, iso8601_table, 0, sizeof(iso_rows) / sizeof(iso_rows[0]));
	tcase_add_test(tc, iso8601_view_not_terminated);
	tcase_add_loop_test(tc, clf_table, 0, sizeof(clf_rows) / sizeof(clf_rows[0]));
	tcase_add_test(tc, clf_cached_pairs);
	tcase_add_test(tc, clf_cached_mutations);
	tcase_add_loop_test(tc, epoch_table, 0, sizeof(epoch_rows) / sizeof(epoch_rows[0]));
	tcase_add_test(tc, parse_any_tries_each);
	tcase_add_loop_test(tc, syslog_table, 0, sizeof(syslog_rows) / sizeof(syslog_rows[0]));
	tcase_add_loop_test(tc, fmt_table, 0, sizeof(fmt_rows) / sizeof(fmt_rows[0]));
	tcase_add_test(tc, fmt_round_trip);
	tcase_add_loop_test(tc, fmt_compile_errors, 0, sizeof(fmt_err_rows) / sizeof(fmt_err_rows[0]));
	tcase_add_test(tc, format_iso);
	tcase_add_loop_test(tc, duration_table, 0, sizeof(dur_rows) / sizeof(dur_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("tz");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, zone_offsets, 0, sizeof(off_rows) / sizeof(off_rows[0]));
	tcase_add_test(tc, utc_without_tzdata);
	tcase_add_loop_test(tc, zone_bad_names, 0, sizeof(bad_zone_rows) / sizeof(bad_zone_rows[0]));
	tcase_add_test(tc, zones_match_libc);
	tcase_add_test(tc, zone_transitions_exact);
	tcase_add_loop_test(tc, hours_table, 0, sizeof(hours_rows) / sizeof(hours_rows[0]));
	tcase_add_loop_test(tc, hours_errors, 0, sizeof(hours_err_rows) / sizeof(hours_err_rows[0]));
	tcase_add_test(tc, hours_every_minute_of_a_dst_week);
	tcase_add_test(tc, zone_memo_agrees);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(time_suite)
