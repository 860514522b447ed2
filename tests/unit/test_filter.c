/* test_filter.c - investigation filters: times at their boundaries, lists, principles. */
#include "testutil.h"

#include "filter.h"
#include "timeutil.h"
#include "tz.h"

/* 2026-11-27T12:00:00Z */
#define NOW 1795780800LL

static const struct {
	const char *in;
	bool until;
	int64_t want;
} time_rows[] = {
	{ "-24h", false, NOW - 86400 },
	{ "-7d", false, NOW - 7 * 86400 },
	{ "-90m", false, NOW - 5400 },
	{ "today", false, NOW - 12 * 3600 },
	{ "today", true, NOW + 12 * 3600 - 1 },
	{ "yesterday", false, NOW - 36 * 3600 },
	{ "yesterday", true, NOW - 12 * 3600 - 1 },
	{ "2026-11-27", false, NOW - 12 * 3600 },
	{ "2026-11-27", true, NOW + 12 * 3600 - 1 },	/* a bare --until date: the whole day */
	{ "2026-11-27T13:00:00+01:00", false, NOW },
	{ "2026-11-27T12:00:00Z", true, NOW },
	{ "now", false, NOW },
};

START_TEST(test_parse_time)
{
	int64_t t = 0;
	struct diag err;
	int r = filter_parse_time(time_rows[_i].in, NOW, time_rows[_i].until, &t, &err);
	ck_assert_msg(r == 0, "%s: %s", time_rows[_i].in, err.msg);
	ck_assert_int_eq(t, time_rows[_i].want);
}
END_TEST

/* Days in a zone (--tz): midnight to midnight local time, DST days 23 and 25 hours long. */
static const struct {
	const char *zone, *now, *in;
	bool until;
	const char *want;
} zone_rows[] = {
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "today", false, "2026-11-26T23:00:00Z" },
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "today", true, "2026-11-27T22:59:59Z" },
	{ "Europe/Rome", "2026-11-27T23:30:00Z", "today", false, "2026-11-27T23:00:00Z" },	/* already the 28th in Rome */
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "yesterday", false, "2026-11-25T23:00:00Z" },
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "yesterday", true, "2026-11-26T22:59:59Z" },
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "2026-03-29", false, "2026-03-28T23:00:00Z" },	/* spring forward */
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "2026-03-29", true, "2026-03-29T21:59:59Z" },	/* a 23-hour day */
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "2026-10-25", false, "2026-10-24T22:00:00Z" },	/* fall back */
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "2026-10-25", true, "2026-10-25T22:59:59Z" },	/* a 25-hour day */
	{ "America/New_York", "2026-11-27T03:00:00Z", "yesterday", false, "2026-11-25T05:00:00Z" },	/* still the 26th there */
	{ "America/New_York", "2026-11-27T03:00:00Z", "today", true, "2026-11-27T04:59:59Z" },
	{ "Asia/Kolkata", "2026-11-27T12:00:00Z", "2026-11-27", false, "2026-11-26T18:30:00Z" },
	/* Offsets and relative times do not depend on the zone. */
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "-24h", false, "2026-11-26T12:00:00Z" },
	{ "Europe/Rome", "2026-11-27T12:00:00Z", "2026-11-27T10:00:00Z", false, "2026-11-27T10:00:00Z" },
};

START_TEST(test_parse_time_zone)
{
	int64_t now, want, t = 0;
	struct diag err;
	struct tz_zone *z = tz_load(zone_rows[_i].zone, &err);
	ck_assert_msg(z != NULL, "%s", err.msg);
	ck_assert(tu_parse_iso8601(sv_cstr(zone_rows[_i].now), &now));
	ck_assert(tu_parse_iso8601(sv_cstr(zone_rows[_i].want), &want));
	int r = filter_parse_time_tz(zone_rows[_i].in, now, z, zone_rows[_i].until, &t, &err);
	ck_assert_msg(r == 0, "%s: %s", zone_rows[_i].in, err.msg);
	char got[48];
	tz_format_local(NULL, t, got, sizeof(got));
	ck_assert_msg(t == want, "%s %s in %s: got %s, want %s", zone_rows[_i].until ? "--until" : "--since",
		      zone_rows[_i].in, zone_rows[_i].zone, got, zone_rows[_i].want);
	tz_free(z);
}
END_TEST

START_TEST(test_format_local)
{
	struct diag err;
	char buf[48];
	struct tz_zone *z = tz_load("Europe/Rome", &err);
	ck_assert(z != NULL);
	tz_format_local(z, 1795780800LL, buf, sizeof(buf));	/* 2026-11-27T12:00:00Z */
	ck_assert_str_eq(buf, "2026-11-27T13:00:00+01:00");
	tz_format_local(NULL, 1795780800LL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-11-27T12:00:00Z");
	tz_free(z);
	z = tz_load("America/St_Johns", &err);	/* a half-hour zone west of UTC */
	ck_assert(z != NULL);
	tz_format_local(z, 1795780800LL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-11-27T08:30:00-03:30");
	tz_free(z);
}
END_TEST

START_TEST(test_default_zone_name)
{
	char buf[64];
	setenv("TZ", ":Europe/Rome", 1);
	ck_assert_str_eq(tz_default_name(buf, sizeof(buf)), "Europe/Rome");
	setenv("TZ", "/usr/share/zoneinfo/Asia/Tokyo", 1);
	ck_assert_str_eq(tz_default_name(buf, sizeof(buf)), "Asia/Tokyo");
	setenv("TZ", "America/New_York", 1);
	ck_assert_str_eq(tz_default_name(buf, sizeof(buf)), "America/New_York");
	unsetenv("TZ");
	ck_assert(tz_default_name(buf, sizeof(buf))[0] != '\0');	/* the system's zone, or UTC */
}
END_TEST

START_TEST(test_parse_time_errors)
{
	int64_t t;
	struct diag err;
	ck_assert_int_eq(filter_parse_time("last tuesday", NOW, false, &t, &err), -1);
	ck_assert(strstr(err.msg, "bad time 'last tuesday'"));
	ck_assert_int_eq(filter_parse_time("-0h", NOW, false, &t, &err), -1);
	ck_assert_int_eq(filter_parse_time("2026-13-01", NOW, false, &t, &err), -1);
}
END_TEST

START_TEST(test_time_window_is_inclusive)
{
	struct filter f = FILTER_INIT;
	struct finding fd = { 0 };
	struct policy p = { 0 };
	struct pol_check chk = { .id = "x", .principles = PR_BIT(PR_SECURITY) };
	p.checks = &chk;
	p.nchecks = 1;
	f.has_since = f.has_until = true;
	f.since = 100;
	f.until = 200;
	fd.has_time = true;
	fd.time = 100;
	ck_assert(filter_finding(&f, &p, &fd));
	fd.time = 200;
	ck_assert(filter_finding(&f, &p, &fd));
	fd.time = 99;
	ck_assert(!filter_finding(&f, &p, &fd));
	fd.time = 201;
	ck_assert(!filter_finding(&f, &p, &fd));
	fd.has_time = false;	/* no time: cannot be shown to be inside the window */
	ck_assert(!filter_finding(&f, &p, &fd));
}
END_TEST

START_TEST(test_lists_and_principles)
{
	struct filter f = FILTER_INIT;
	struct policy p = { 0 };
	struct pol_check chk[2] = {
		{ .id = "a", .principles = PR_BIT(PR_SECURITY) | PR_BIT(PR_PURPOSE_LIMITATION) },
		{ .id = "b", .principles = PR_BIT(PR_CHOICE) },
	};
	struct diag err;
	const char *users[] = { "mrossi", "jdoe" };
	p.checks = chk;
	p.nchecks = 2;
	ck_assert(!filter_active(&f));
	f.users = users;
	f.nusers = 2;
	ck_assert(filter_active(&f));
	struct finding fd = { .check = 0, .user = SV_LIT("jdoe") };
	ck_assert(filter_finding(&f, &p, &fd));
	fd.user = SV_LIT("jdo");
	ck_assert(!filter_finding(&f, &p, &fd));
	fd.user = SV_LIT("mrossi");
	ck_assert_int_eq(filter_add_principle(&f, "purpose", &err), 0);
	ck_assert(filter_finding(&f, &p, &fd));
	fd.check = 1;
	ck_assert(!filter_finding(&f, &p, &fd));
	ck_assert_int_eq(filter_add_principle(&f, "nonsense", &err), -1);
	ck_assert(strstr(err.msg, "unknown principle 'nonsense'"));
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_parse_time, 0, sizeof(time_rows) / sizeof(time_rows[0]));
	tcase_add_loop_test(tc, test_parse_time_zone, 0, sizeof(zone_rows) / sizeof(zone_rows[0]));
	tcase_add_test(tc, test_format_local);
	tcase_add_test(tc, test_default_zone_name);
	tcase_add_test(tc, test_parse_time_errors);
	tcase_add_test(tc, test_time_window_is_inclusive);
	tcase_add_test(tc, test_lists_and_principles);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(filter_suite)
