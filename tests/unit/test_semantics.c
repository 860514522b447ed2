/*
 * test_semantics.c - issue 13 part B: the semantics no spelling of a log
 * may walk around.  Resource normalisation (SPEC §4 semantics 2) on RFC
 * 3986's own examples and on every evasion form of a read.
 */
#include "event.h"
#include "inpwatch.h"
#include "timeutil.h"
#include "testutil.h"

struct norm_row {
	const char *in, *want;
};

static const struct norm_row norm_rows[] = {
	/* RFC 3986 section 5.4 (the merged paths) and 5.2.4 examples */
	{ "/a/b/c/./../../g", "/a/g" },
	{ "mid/content=5/../6", "mid/6" },
	{ "/a/b/c/g/", "/a/b/c/g/" },
	{ "/a/b/c/.", "/a/b/c/" },
	{ "/a/b/c/./", "/a/b/c/" },
	{ "/a/b/c/..", "/a/b/" },
	{ "/a/b/c/../", "/a/b/" },
	{ "/a/b/c/../g", "/a/b/g" },
	{ "/a/b/c/../..", "/a/" },
	{ "/a/b/c/../../g", "/a/g" },
	{ "/a/b/c/../../../g", "/g" },
	{ "/a/b/c/../../../../g", "/g" },
	{ "/./g", "/g" },
	{ "/../g", "/g" },
	{ "/a/b/c/g.", "/a/b/c/g." },
	{ "/a/b/c/.g", "/a/b/c/.g" },
	{ "/a/b/c/g..", "/a/b/c/g.." },
	{ "/a/b/c/..g", "/a/b/c/..g" },
	{ "/a/b/c/./../g", "/a/b/g" },
	{ "/a/b/c/./g/.", "/a/b/c/g/" },
	{ "/a/b/c/g/./h", "/a/b/c/g/h" },
	{ "/a/b/c/g/../h", "/a/b/c/h" },
	{ "/a/b/c/g?y/./x", "/a/b/c/g?y/./x" },
	{ "/a/b/c/g?y/../x", "/a/b/c/g?y/../x" },
	{ "/a/b/c/g#s/../x", "/a/b/c/g#s/../x" },
	{ "../a", "a" },
	{ "", "" },
	{ "/", "/" },
	/* RFC 3986 section 6.2.2: case and percent-encoding normalisation */
	{ "/%7Euser/a%2fb", "/~user/a%2Fb" },
	{ "/%7euser", "/~user" },
	{ "/a%c3%a9", "/a%C3%A9" },
	{ "/a%2e%2E/b", "/a../b" },
	{ "/x/%2e%2e/y", "/y" },
	{ "/x/%2E/y", "/x/y" },
	{ "/50%", "/50%" },
	{ "/50%4", "/50%4" },
	{ "/a%zz", "/a%zz" },
	{ "/a%25b", "/a%25b" },
	{ "/a%00b", "/a%00b" },
	{ "http://Example.com/a/./b/../c?q=%65", "http://Example.com/a/c?q=%65" },
	{ "https://h", "https://h" },
	{ "public.customers", "public.customers" },
	/* Issue 13 case 4: every form of one e-mail read */
	{ "/api/v1/customers/5012/email", "/api/v1/customers/5012/email" },
	{ "/api/v1/customers/5012/%65mail", "/api/v1/customers/5012/email" },
	{ "/api/v1/customers/5012/%45mail", "/api/v1/customers/5012/Email" },
	{ "//api/v1/customers/5012/email", "/api/v1/customers/5012/email" },
	{ "/api//v1///customers/5012/email", "/api/v1/customers/5012/email" },
	{ "/api/./v1/customers/5012/email", "/api/v1/customers/5012/email" },
	{ "/api/x/../v1/customers/5012/email", "/api/v1/customers/5012/email" },
	{ "/api/v1/customers/5012/email;jsessionid=1", "/api/v1/customers/5012/email" },
	{ "/api;a=b/v1;x/customers/5012/email;jsessionid=1?fields=x",
	  "/api/v1/customers/5012/email?fields=x" },
	{ "/api/x/..;/v1/customers/5012/email", "/api/v1/customers/5012/email" },
	{ "/api/x/%2e%2e/v1/customers/5012/%65%6d%61%69%6c", "/api/v1/customers/5012/email" },
	{ "//api/./x/../v1//customers/5012/%65mail;jsessionid=1?reason=T-1",
	  "/api/v1/customers/5012/email?reason=T-1" },
	/* what must stay: encoded slashes, the query as logged */
	{ "/api/v1/customers%2F5012/email", "/api/v1/customers%2F5012/email" },
	{ "/api/v1/customers/5012?x=/../%65", "/api/v1/customers/5012?x=/../%65" },
};

START_TEST(test_normalize_path)
{
	const struct norm_row *r = &norm_rows[_i];
	char out[256];
	memset(out, '#', sizeof(out));
	sv got = ev_normalize_path(sv_cstr(r->in), out);
	ck_assert_msg(got.n <= strlen(r->in), "'%s': result longer than input", r->in);
	ck_assert_msg(sv_eq_cstr(got, r->want), "'%s' -> '%.*s', expected '%s'", r->in, (int)got.n,
		      got.p, r->want);
}
END_TEST

/*
 * Properties over many generated paths (fixed seed): the result is never
 * longer than the input, and normalising twice changes nothing (a server
 * decodes once: "%252e" must not become "." on a second look).
 */
START_TEST(test_normalize_properties)
{
	static const char alphabet[] = "/.;%%2eE5aF?#x";
	unsigned seed = 12345;
	char in[64], once[64], twice[64];
	for (int k = 0; k < 20000; k++) {
		size_t n = 0, len = (seed = seed * 1103515245u + 12345u) >> 16 & 31;
		while (n < len) {
			seed = seed * 1103515245u + 12345u;
			in[n++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		sv a = ev_normalize_path(sv_make(in, n), once);
		ck_assert_uint_le(a.n, n);
		sv b = ev_normalize_path(a, twice);
		ck_assert_msg(sv_eq(a, b), "'%.*s' -> '%.*s' -> '%.*s'", (int)n, in, (int)a.n, a.p, (int)b.n,
			      b.p);
	}
}
END_TEST

/*
 * The fast path (a path already normal is returned as it is, not copied)
 * takes exactly the paths the two-pass check it replaced took: find the
 * path's end ('?', '#'), then look for '%', ';', "//", "/." and a leading
 * '.'.  Written out here as that reference, over generated resources with
 * and without a "scheme://authority" prefix, and the result compared.
 */
static bool ref_untouched(const char *p, size_t n)
{
	size_t auth = 0, i = 0;
	while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
			 (i > 0 && ((p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '-' ||
				    p[i] == '.'))))
		i++;
	if (i > 0 && i + 3 <= n && memcmp(p + i, "://", 3) == 0) {
		auth = i + 3;
		while (auth < n && p[auth] != '/')
			auth++;
	}
	size_t pend = auth;
	while (pend < n && p[pend] != '?' && p[pend] != '#')
		pend++;
	const char *q = p + auth;
	size_t m = pend - auth;
	if (m && q[0] == '.')
		return false;
	for (size_t k = 0; k < m; k++) {
		if (q[k] == '%' || q[k] == ';')
			return false;
		if (q[k] == '/' && k + 1 < m && (q[k + 1] == '/' || q[k + 1] == '.'))
			return false;
	}
	return true;
}

START_TEST(test_normalize_fast_path)
{
	/* Long paths with a rare special byte too: every position of the 16-byte blocks (SSE2). */
	static const char *const alphabets[] = { "/.;%2eaZ?#:", "/.;%2eaZ?#:abcdefghijklmnopqrstuvwxyz0123456789" };
	static const char *const heads[] = { "", "http://h", "https://h.example:8443", "x:/", "./" };
	unsigned seed = 777;
	char in[128], out[128];
	for (int k = 0; k < 100000; k++) {
		const char *h = heads[k % 5], *alphabet = alphabets[k / 5 % 2];
		size_t n = strlen(h), na = strlen(alphabet);
		memcpy(in, h, n);
		seed = seed * 1103515245u + 12345u;
		size_t len = n + ((seed >> 16) % (k / 10 % 2 ? 96 : 24));
		while (n < len) {
			seed = seed * 1103515245u + 12345u;
			in[n++] = alphabet[(seed >> 16) % na];
		}
		sv got = ev_normalize_path(sv_make(in, n), out);
		bool untouched = got.p == in;
		ck_assert_msg(untouched == ref_untouched(in, n), "'%.*s': fast path %d", (int)n, in,
			      untouched);
		if (untouched)
			ck_assert_uint_eq(got.n, n);
	}
}
END_TEST

/* ---- an input that changed while it was read (inpwatch.h) ------------------ */

struct watch_row {
	const char *name;
	bool named, start_regular;
	uint64_t base, start_size;
	uint64_t now_size;	/* of the descriptor at the end */
	int path;		/* 0: same file, 1: another file, 2: none */
	uint64_t consumed;
	bool damaged;
	const char *want;	/* substring of the message, NULL: unchanged */
};

static const struct watch_row watch_rows[] = {
	{ "read whole", true, true, 0, 1000, 1000, 0, 1000, false, NULL },
	{ "appended while read: read what was there", true, true, 0, 1000, 5000, 0, 1000, false, NULL },
	{ "appended, and read past the start size", true, true, 0, 1000, 5000, 0, 4000, false, NULL },
	{ "truncated in place", true, true, 0, 1000, 400, 0, 400, false, "shrank from 1000 to 400 bytes" },
	{ "truncated to zero and written again (copytruncate)", true, true, 0, 1000, 1000, 0, 300, false,
	  "ended at byte 300 of the 1000" },
	{ "replaced by another file (rename)", true, true, 0, 1000, 1000, 1, 1000, false, "another file" },
	{ "deleted", true, true, 0, 1000, 1000, 2, 1000, false, "names no file" },
	{ "truncated and damaged: the shrink is the cause", true, true, 0, 1000, 10, 0, 10, true, "shrank" },
	{ "damaged, stopped early on its own: not a change", true, true, 0, 1000, 1000, 0, 600, true, NULL },
	{ "stdin from a file, mid-file", false, true, 200, 1000, 1000, 2, 800, false, NULL },
	{ "stdin from a file, ended early", false, true, 200, 1000, 1000, 2, 500, false, "ended at byte 700" },
	{ "a pipe: nothing to compare", false, false, 0, 0, 0, 2, 12345, false, NULL },
};

START_TEST(test_watch)
{
	const struct watch_row *r = &watch_rows[_i];
	struct inw w = { .start = { r->start_regular, 8, 42, r->start_size }, .base = r->base,
			 .named = r->named };
	struct inw_state fd_now = { r->start_regular, 8, 42, r->now_size };
	struct inw_state other = { true, 8, r->path == 1 ? 43 : 42, 100 };
	char buf[256];
	const char *got = inw_judge(&w, &fd_now, r->path == 2 ? NULL : &other, r->consumed, r->damaged,
				    buf, sizeof(buf));
	if (!r->want)
		ck_assert_msg(got == NULL, "%s: '%s'", r->name, got);
	else
		ck_assert_msg(got && strstr(got, r->want) && strstr(got, "changed while being read"),
			      "%s: '%s', want '%s'", r->name, got ? got : "(unchanged)", r->want);
}
END_TEST

/* ---- zone names and full precision (timeutil.h) ----------------------------- */

struct zone_row {
	const char *fmt, *in;
	bool ok;
	const char *want;	/* UTC, whole seconds */
	int32_t nsec;
};

static const struct zone_row zone_rows[] = {
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 CEST", true, "2026-11-24T10:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 CET", true, "2026-11-24T11:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 cet", true, "2026-11-24T11:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 UTC", true, "2026-11-24T12:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 GMT", true, "2026-11-24T12:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:07:00:00 EST", true, "2026-11-24T12:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:05:00:00 PDT", true, "2026-11-24T12:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:21:00:00 JST", true, "2026-11-24T12:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:22:30:00 ACDT", true, "2026-11-24T12:00:00Z", 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 IST", false, NULL, 0 },	/* ambiguous */
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 XYZT", false, NULL, 0 },
	{ "%d/%b/%Y:%H:%M:%S %Z", "24/Nov/2026:12:00:00 ", false, NULL, 0 },
	{ "%Y-%m-%d %H:%M:%S.%f %Z", "2026-11-24 12:00:00.25 CET", true, "2026-11-24T11:00:00Z", 250000000 },
	{ NULL, "2026-11-24T12:00:00.5Z", true, "2026-11-24T12:00:00Z", 500000000 },
	{ NULL, "2026-11-24T12:00:00,123456789+01:00", true, "2026-11-24T11:00:00Z", 123456789 },
	{ NULL, "2026-11-24T12:00:00.0000000019Z", true, "2026-11-24T12:00:00Z", 1 },
	{ NULL, "1795521600123", true, "2026-11-24T12:00:00Z", 123000000 },
	{ NULL, "1795521600123456", true, "2026-11-24T12:00:00Z", 123456000 },
	{ NULL, "1795521600.75", true, "2026-11-24T12:00:00Z", 750000000 },
	{ NULL, "1795521600123.5", true, "2026-11-24T12:00:00Z", 123500000 },
};

START_TEST(test_zone_and_fraction)
{
	const struct zone_row *r = &zone_rows[_i];
	struct tu_stamp t = { 0, -1, false };
	bool ok;
	if (r->fmt) {
		struct diag err;
		struct tu_fmt *f = tu_fmt_compile(r->fmt, &err);
		ck_assert_msg(f != NULL, "%s", err.msg);
		ok = tu_fmt_parse_ts(f, sv_cstr(r->in), &t);
		tu_fmt_free(f);
	} else {
		ok = tu_parse_any_ts(sv_cstr(r->in), &t);
	}
	ck_assert_msg(ok == r->ok, "'%s': parsed %d, want %d", r->in, ok, r->ok);
	if (!ok)
		return;
	char iso[32];
	tu_format_iso(t.sec, iso);
	ck_assert_msg(strcmp(iso, r->want) == 0 && t.nsec == r->nsec, "'%s' -> %s + %d ns, want %s + %d ns",
		      r->in, iso, (int)t.nsec, r->want, (int)r->nsec);
	ck_assert(t.zoned);
}
END_TEST

static Suite *semantics_suite(void)
{
	Suite *s = suite_create("semantics");
	TCase *tc = tcase_create("normalize");
	tcase_add_loop_test(tc, test_normalize_path, 0, sizeof(norm_rows) / sizeof(norm_rows[0]));
	tcase_add_test(tc, test_normalize_properties);
	tcase_add_test(tc, test_normalize_fast_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("time");
	tcase_add_loop_test(tc, test_zone_and_fraction, 0, sizeof(zone_rows) / sizeof(zone_rows[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("inpwatch");
	tcase_add_loop_test(tc, test_watch, 0, sizeof(watch_rows) / sizeof(watch_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(semantics_suite)
