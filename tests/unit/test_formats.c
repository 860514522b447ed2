/*
 * test_formats.c - log formats (format.h): real lines from
 * ../shared/testdata/logs, boundary rows, hostile rows, detection, and the
 * rule-defined formats built by hand from a zeroed struct policy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>

#include "format.h"
#include "format_impl.h"
#include "policy.h"
#include "rx.h"
#include "timeutil.h"

/* ---- helpers ------------------------------------------------------------ */

static struct fmt_set *set;
static struct fmt_thread *thr;

static void setup(void)
{
	struct diag err = { { 0 } };
	set = fmt_set_new(NULL, &err);
	ck_assert_msg(set != NULL, "fmt_set_new: %s", err.msg);
	thr = fmt_thread_new();
	ck_assert_ptr_nonnull(thr);
	fmt_thread_set_year(thr, 2026);
}

static void teardown(void)
{
	fmt_thread_free(thr);
	fmt_set_free(set);
}

static sv S(const char *s)
{
	return sv_cstr(s);
}

/* A file's lines (newline and CR removed), malloc'd; *n set.  Test-only. */
static char **read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);
	return v;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool parse_with(const char *fmtname, const char *line, struct event *ev)
{
	const struct fmt *f = fmt_by_name(set, fmtname);
	ck_assert_msg(f != NULL, "no format %s", fmtname);
	ev_reset(ev);
	ev->raw = S(line);
	ev->line = 7;
	return fmt_parse(f, S(line), ev, thr);
}

static void expect_sv(sv got, const char *want, const char *what, const char *line)
{
	if (!want)
		want = "";
	ck_assert_msg(sv_eq_cstr(got, want), "%s: got '%.*s', want '%s' in: %.200s", what,
		      (int)got.n, got.p ? got.p : "", want, line);
}

static bool extra(const struct event *ev, const char *name, sv *out)
{
	return ev_get(ev, S(name), out);
}

/* One table row: the format, the line, and every canonical field expected. */
struct row {
	const char *fmt;
	const char *line;
	bool ok;
	const char *time;	/* ISO 8601 UTC, NULL: no time */
	enum ev_action action;
	int status;
	long long bytes, records;
	int port;
	const char *f[EVF_COUNT];	/* NULL: must be empty */
	const char *xname, *xvalue;	/* an extra, if any */
};

static void check_row(const struct row *r)
{
	struct event ev;
	bool ok = parse_with(r->fmt, r->line, &ev);
	ck_assert_msg(ok == r->ok, "%s: parse=%d want %d: %.200s", r->fmt, ok, r->ok, r->line);
	if (!ok)
		return;
	ck_assert_msg(ev.line == 7 && ev.raw.p == r->line, "fmt_parse must keep raw and line");
	if (r->time) {
		char buf[32];
		ck_assert_msg(ev.has_time, "no time: %s", r->line);
		tu_format_iso(ev.time, buf);
		ck_assert_msg(strcmp(buf, r->time) == 0, "time %s want %s: %s", buf, r->time, r->line);
	} else {
		ck_assert_msg(!ev.has_time, "unexpected time: %s", r->line);
	}
	ck_assert_msg(ev.action == r->action, "action %s want %s: %s", ev_action_name(ev.action),
		      ev_action_name(r->action), r->line);
	ck_assert_msg(ev.status == r->status, "status %d want %d: %s", ev.status, r->status, r->line);
	ck_assert_msg(ev.bytes == r->bytes, "bytes %lld want %lld: %s", (long long)ev.bytes, r->bytes,
		      r->line);
	ck_assert_msg(ev.records == r->records, "records %lld want %lld", (long long)ev.records, r->records);
	ck_assert_msg(ev.port == r->port, "port %d want %d", ev.port, r->port);
	for (int i = 0; i < EVF_COUNT; i++)
		expect_sv(ev.f[i], r->f[i], ev_field_name((enum ev_field)i), r->line);
	if (r->xname) {
		sv v;
		ck_assert_msg(extra(&ev, r->xname, &v), "no extra %s: %s", r->xname, r->line);
		expect_sv(v, r->xvalue, r->xname, r->line);
	}
}

/* ---- CLF family --------------------------------------------------------- */

#define UNK .status = -1, .bytes = -1, .records = -1, .port = -1

static const struct row clf_rows[] = {
	/* elastic/examples, the first line */
	{ "combined",
	  "83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1\" 200 203023 \"http://semicomplete.com/presentations/logstash-monitorama-2013/\" \"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\"",
	  true, "2015-05-17T10:05:03Z", EV_READ, .status = 200, .bytes = 203023, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "83.149.9.216", [EVF_ACTION] = "GET",
		 [EVF_RESOURCE] = "/presentations/logstash-monitorama-2013/images/kibana-search.png",
		 [EVF_PROTOCOL] = "HTTP/1.1",
		 [EVF_REFERER] = "http://semicomplete.com/presentations/logstash-monitorama-2013/",
		 [EVF_AGENT] = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36" } },
	/* elastic: bytes "-" (Apache's %b for an empty body) */
	{ "combined",
	  "218.30.103.62 - - [17/May/2015:11:05:11 +0000] \"GET /robots.txt HTTP/1.1\" 200 - \"-\" \"Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)\"",
	  true, "2015-05-17T11:05:11Z", EV_READ, .status = 200, .bytes = 0, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "218.30.103.62", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/robots.txt",
		 [EVF_PROTOCOL] = "HTTP/1.1",
		 [EVF_AGENT] = "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)" } },
	/* elastic: OPTIONS is neither read nor write; POST is a write */
	{ "combined",
	  "64.131.102.243 - - [20/May/2015:14:05:16 +0000] \"OPTIONS /projects/xdotool/ HTTP/1.1\" 500 626 \"-\" \"Microsoft Office Protocol Discovery\"",
	  true, "2015-05-20T14:05:16Z", EV_OTHER, .status = 500, .bytes = 626, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "64.131.102.243", [EVF_ACTION] = "OPTIONS", [EVF_RESOURCE] = "/projects/xdotool/",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_AGENT] = "Microsoft Office Protocol Discovery" } },
	{ "combined",
	  "37.115.186.244 - - [19/May/2015:04:05:16 +0000] \"POST /blog/geekery/xvfb-firefox HTTP/1.0\" 200 10975 \"http://zoomq.qiniudn.com/ZQScrapBook/ZqFLOSS/data/20110811235550/\" \"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.11 (KHTML, like Gecko) Chrome/23.0.1271.91 Safari/537.11\"",
	  true, "2015-05-19T04:05:16Z", EV_WRITE, .status = 200, .bytes = 10975, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "37.115.186.244", [EVF_ACTION] = "POST", [EVF_RESOURCE] = "/blog/geekery/xvfb-firefox",
		 [EVF_PROTOCOL] = "HTTP/1.0",
		 [EVF_REFERER] = "http://zoomq.qiniudn.com/ZQScrapBook/ZqFLOSS/data/20110811235550/",
		 [EVF_AGENT] = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.11 (KHTML, like Gecko) Chrome/23.0.1271.91 Safari/537.11" } },
	/* elastic line 8899: cut inside the agent; read, and marked */
	{ "combined",
	  "46.118.127.106 - - [20/May/2015:12:05:17 +0000] \"GET /scripts/grok-py-test/configlib.py HTTP/1.1\" 200 235 \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html",
	  true, "2015-05-20T12:05:17Z", EV_READ, .status = 200, .bytes = 235, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "46.118.127.106", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/scripts/grok-py-test/configlib.py",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_AGENT] = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html" },
	  .xname = "truncated", .xvalue = "agent" },
	/* lnav shop log: a +0330 offset and a trailing "$http_x_forwarded_for" */
	{ "combined",
	  "31.56.96.51 - - [22/Jan/2019:03:56:16 +0330] \"GET /image/60844/productModel/200x200 HTTP/1.1\" 200 5667 \"https://www.zanbil.ir/m/filter/b113\" \"Mozilla/5.0 (Linux; Android 6.0; ALE-L21 Build/HuaweiALE-L21) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/66.0.3359.158 Mobile Safari/537.36\" \"-\"",
	  true, "2019-01-22T00:26:16Z", EV_READ, .status = 200, .bytes = 5667, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "31.56.96.51", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/image/60844/productModel/200x200",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_REFERER] = "https://www.zanbil.ir/m/filter/b113",
		 [EVF_AGENT] = "Mozilla/5.0 (Linux; Android 6.0; ALE-L21 Build/HuaweiALE-L21) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/66.0.3359.158 Mobile Safari/537.36" } },
	/* Quoted fields of zero and one byte, and an escaped quote: referer "",
	 * agent "x"; referer "\"", agent "\\". */
	{ "combined",
	  "10.0.0.1 - - [20/May/2015:12:05:17 +0000] \"GET /a HTTP/1.1\" 200 1 \"\" \"x\"",
	  true, "2015-05-20T12:05:17Z", EV_READ, .status = 200, .bytes = 1, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.1", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/a",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_AGENT] = "x" } },
	{ "combined",
	  "10.0.0.1 - - [20/May/2015:12:05:17 +0000] \"GET /a HTTP/1.1\" 200 1 \"\\\"\" \"\\\\\"",
	  true, "2015-05-20T12:05:17Z", EV_READ, .status = 200, .bytes = 1, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.1", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/a",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_REFERER] = "\\\"", [EVF_AGENT] = "\\\\" } },
	/* lnav access log, read as common: referer and agent still come along */
	{ "common",
	  "192.168.202.254 - - [20/Jul/2009:22:59:29 +0000] \"GET /vmw/vSphere/default/vmkboot.gz HTTP/1.0\" 404 46210 \"-\" \"gPXE/0.9.7\"",
	  true, "2009-07-20T22:59:29Z", EV_READ, .status = 404, .bytes = 46210, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "192.168.202.254", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/vmw/vSphere/default/vmkboot.gz",
		 [EVF_PROTOCOL] = "HTTP/1.0", [EVF_AGENT] = "gPXE/0.9.7" } },
	/* lnav's bad access log: ident and user missing */
	{ "combined",
	  "192.168.202.254 [20/Jul/2009:22:59:29 +0000] \"GET /vmw/vSphere/default/vmkboot.gz HTTP/1.0\" 404 46210 \"-\" \"gPXE/0.9.7\"",
	  false, UNK },
	{ "common",
	  "192.168.202.254 [20/Jul/2009:22:59:29 +0000] \"GET /vmw/vSphere/default/vmkboot.gz HTTP/1.0\" 404 46210 \"-\" \"gPXE/0.9.7\"",
	  false, UNK },
	/* a user, a reason in the query, percent- and plus-decoded */
	{ "common",
	  "10.0.0.7 - mrossi [27/Nov/2026:10:02:00 +0000] \"GET /api/v1/customers/4711/email?reason=TICKET%2D88+x HTTP/1.1\" 200 71",
	  true, "2026-11-27T10:02:00Z", EV_READ, .status = 200, .bytes = 71, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_USER] = "mrossi", [EVF_ACTION] = "GET",
		 [EVF_RESOURCE] = "/api/v1/customers/4711/email?reason=TICKET%2D88+x", [EVF_PROTOCOL] = "HTTP/1.1",
		 [EVF_REASON] = "TICKET-88 x" } },
	/* ticket when there is no reason */
	{ "common",
	  "10.0.0.7 - jdoe [27/Nov/2026:10:02:00 +0100] \"DELETE /api/v1/customers/4711?ticket=CASE-9 HTTP/1.1\" 204 0",
	  true, "2026-11-27T09:02:00Z", EV_DELETE, .status = 204, .bytes = 0, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_USER] = "jdoe", [EVF_ACTION] = "DELETE",
		 [EVF_RESOURCE] = "/api/v1/customers/4711?ticket=CASE-9", [EVF_PROTOCOL] = "HTTP/1.1",
		 [EVF_REASON] = "CASE-9" } },
	/* IPv6 client, status "-" */
	{ "common",
	  "2001:db8::7 - alice [27/Nov/2026:03:14:07 +0000] \"PUT /api/v1/customers/1 HTTP/2.0\" - -",
	  true, "2026-11-27T03:14:07Z", EV_WRITE, .status = -1, .bytes = 0, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "2001:db8::7", [EVF_USER] = "alice", [EVF_ACTION] = "PUT",
		 [EVF_RESOURCE] = "/api/v1/customers/1", [EVF_PROTOCOL] = "HTTP/2.0" } },
	/* escaped quotes inside the request and the agent */
	{ "combined",
	  "10.0.0.8 - - [27/Nov/2026:03:14:07 +0000] \"GET /q?x=\\\"a\\\" HTTP/1.1\" 200 5 \"-\" \"curl \\\"7\\\"\"",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 5, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.8", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/q?x=\\\"a\\\"",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_AGENT] = "curl \\\"7\\\"" } },
	/* junk request "-" (a client that sent nothing) and binary from a TLS probe */
	{ "combined",
	  "10.0.0.9 - - [27/Nov/2026:03:14:07 +0000] \"-\" 408 0 \"-\" \"-\"",
	  true, "2026-11-27T03:14:07Z", EV_OTHER, .status = 408, .bytes = 0, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.9" } },
	{ "combined",
	  "10.0.0.9 - - [27/Nov/2026:03:14:07 +0000] \"\\x16\\x03\\x01\\x02\" 400 226 \"-\" \"-\"",
	  true, "2026-11-27T03:14:07Z", EV_OTHER, .status = 400, .bytes = 226, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.9" }, .xname = "request", .xvalue = "\\x16\\x03\\x01\\x02" },
	/* HTTP/0.9: no protocol */
	{ "common", "10.0.0.9 - - [27/Nov/2026:03:14:07 +0000] \"GET /\" 200 3",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 3, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.9", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/" } },
	/* a proxy request: scheme and host from the absolute URL */
	{ "common",
	  "10.0.0.9 - - [27/Nov/2026:03:14:07 +0000] \"GET http://crm.example.com/api/v1/x?reason=T-1 HTTP/1.1\" 200 3",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 3, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.9", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/api/v1/x?reason=T-1",
		 [EVF_SCHEME] = "http", [EVF_HOST] = "crm.example.com", [EVF_PROTOCOL] = "HTTP/1.1",
		 [EVF_REASON] = "T-1" } },
	/* scheme and protocol in any case; a URL that only starts like one is a path */
	{ "common",
	  "10.0.0.9 - - [27/Nov/2026:03:14:07 +0000] \"GET HTTPS://Crm.example.com/x http/1.1\" 200 3",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 3, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.9", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/x",
		 [EVF_SCHEME] = "HTTPS", [EVF_HOST] = "Crm.example.com", [EVF_PROTOCOL] = "http/1.1" } },
	{ "common",
	  "10.0.0.9 - - [27/Nov/2026:03:14:07 +0000] \"GET hxxp://a/b HTTPS/1.1\" 200 3",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 3, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.9", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "hxxp://a/b HTTPS/1.1" } },
	/* vhost_combined: port 443 is https, 80 is http */
	{ "vhost_combined",
	  "shop.example.com:443 10.0.0.7 - mrossi [27/Nov/2026:03:14:07 +0000] \"HEAD /api/v1/customers/4711 HTTP/1.1\" 200 0 \"-\" \"curl/8.0\"",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 0, .records = -1, .port = 443,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_USER] = "mrossi", [EVF_ACTION] = "HEAD",
		 [EVF_RESOURCE] = "/api/v1/customers/4711", [EVF_PROTOCOL] = "HTTP/1.1",
		 [EVF_HOST] = "shop.example.com", [EVF_SCHEME] = "https", [EVF_AGENT] = "curl/8.0" } },
	{ "vhost_combined",
	  "shop.example.com:80 10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"PATCH /a HTTP/1.1\" 200 1 \"-\" \"-\" 0.003",
	  true, "2026-11-27T03:14:07Z", EV_WRITE, .status = 200, .bytes = 1, .records = -1, .port = 80,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_ACTION] = "PATCH", [EVF_RESOURCE] = "/a",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_HOST] = "shop.example.com", [EVF_SCHEME] = "http" } },
	/* a combined line is not vhost_combined; a common line is not combined */
	{ "vhost_combined",
	  "83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"", false, UNK },
	{ "combined", "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 1", false, UNK },
	/* boundaries: bad date, bad status, unterminated request, missing bytes */
	{ "common", "10.0.0.7 - - [32/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 1", false, UNK },
	{ "common", "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" OK 1", false, UNK },
	{ "common", "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1 200 1", false, UNK },
	{ "common", "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200", false, UNK },
	/* no [time] outside syslog */
	{ "common", "127.0.0.1 - - \"GET /bad.foo HTTP/1.1\" 404 65508 4.386", false, UNK },
	/* a UTF-8 byte order mark before the first line */
	{ "common", "\xEF\xBB\xBF" "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 1",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 1, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/", [EVF_PROTOCOL] = "HTTP/1.1" } },
	/* CRLF left on the line by a reader that does not strip it */
	{ "combined",
	  "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"\r",
	  true, "2026-11-27T03:14:07Z", EV_READ, .status = 200, .bytes = 1, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_AGENT] = "ua" } },
};

START_TEST(test_clf_rows)
{
	check_row(&clf_rows[_i]);
}
END_TEST

/* Every line of a real file parses with one format. */
static void all_lines_parse(const char *path, const char *fmtname, size_t want_lines)
{
	size_t n;
	char **lines = read_lines(path, &n);
	size_t bad = 0, first_bad = 0;
	struct event ev;
	ck_assert_uint_eq(n, want_lines);
	for (size_t i = 0; i < n; i++) {
		if (!parse_with(fmtname, lines[i], &ev)) {
			if (!bad++)
				first_bad = i;
			continue;
		}
		ck_assert_msg(ev.has_time && ev.status >= 100 && ev.f[EVF_SRC].n && ev.f[EVF_RESOURCE].n,
			      "%s:%zu: incomplete event", path, i + 1);
	}
	ck_assert_msg(bad == 0, "%s: %zu unparsed, first at line %zu: %.200s", path, bad, first_bad + 1,
		      lines[first_bad]);
	free_lines(lines, n);
}

START_TEST(test_clf_elastic_all)
{
	all_lines_parse(SHARED_TESTDATA "/logs/elastic-apache_logs", "combined", 10000);
}
END_TEST

START_TEST(test_clf_shop_all)
{
	all_lines_parse(SHARED_TESTDATA "/logs/lnav/logfile_shop_access_log.0", "combined", 1000);
}
END_TEST

/* ---- query parameters and the action table --------------------------------- */

static const struct {
	const char *res, *name, *want;
} query_rows[] = {
	{ "/a?reason=TICKET-1", "reason", "TICKET-1" },
	{ "/a?x=1&reason=T%2D1&y=2", "reason", "T-1" },
	{ "/a?reason=a+b%20c", "reason", "a b c" },
	{ "/a?xreason=1&reason=2", "reason", "2" },
	{ "/a?reason=", "reason", "" },
	{ "/a?reason", "reason", "" },
	{ "/a?ticket=1", "reason", "" },
	{ "/a", "reason", "" },
	{ "/a#reason=1", "reason", "" },
	{ "/a?reason=1#frag", "reason", "1" },
	{ "/a?reason=%zz%4", "reason", "%zz%4" },
	{ "/a?reason=1&reason=2", "reason", "1" },
	{ "", "reason", "" },
};

START_TEST(test_query_param)
{
	sv v = fmt_query_param(S(query_rows[_i].res), S(query_rows[_i].name), thr);
	expect_sv(v, query_rows[_i].want, "query", query_rows[_i].res);
}
END_TEST

/*
 * fmt_query_param_or() is the two lookups it replaces, on the rows above
 * and on queries with both names, empty values, names without '=', repeats
 * and a fragment: the same view (bytes, and absent vs empty).
 */
START_TEST(test_query_param_or)
{
	static const char *const res[] = {
		"/a?reason=R&ticket=T", "/a?ticket=T&reason=R", "/a?reason=&ticket=T",
		"/a?reason&ticket=T", "/a?ticket=T", "/a?ticket=&reason=", "/a?ticket",
		"/a?reason=R#ticket=T", "/a?x=1&ticket=T%2D2&reason=+&reason=R",
		"/a?reason=&reason=R&ticket=", "/a?ticket=1&ticket=2", "/a?&&reason", "/a?", "?", "",
		"/a?reasonx=1&xticket=2&ticket=3",
	};
	size_t nres = sizeof(res) / sizeof(res[0]), nq = sizeof(query_rows) / sizeof(query_rows[0]);
	for (size_t i = 0; i < nres + nq; i++) {
		sv r = S(i < nres ? res[i] : query_rows[i - nres].res);
		sv want = fmt_query_param(r, SV_LIT("reason"), thr);
		if (want.n == 0)
			want = fmt_query_param(r, SV_LIT("ticket"), thr);
		char copy[64] = "";
		memcpy(copy, want.p ? want.p : "", want.n);	/* the scratch is reused */
		bool absent = want.p == NULL;
		sv got = fmt_query_param_or(r, SV_LIT("reason"), SV_LIT("ticket"), thr);
		ck_assert_msg(sv_eq_cstr(got, copy) && (got.p == NULL) == absent, "%.*s: '%.*s', want '%s'%s",
			      (int)r.n, r.p, (int)got.n, got.p ? got.p : "", copy, absent ? " (absent)" : "");
	}
}
END_TEST

static const struct {
	const char *raw;
	enum ev_action want;
} action_rows[] = {
	{ "GET", EV_READ }, { "head", EV_READ }, { "POST", EV_WRITE }, { "PUT", EV_WRITE },
	{ "PATCH", EV_WRITE }, { "DELETE", EV_DELETE }, { "SELECT", EV_READ }, { "READ", EV_READ },
	{ "INSERT", EV_WRITE }, { "UPDATE", EV_WRITE }, { "WRITE", EV_WRITE }, { "export", EV_EXPORT },
	{ "login", EV_LOGIN }, { "OPTIONS", EV_OTHER }, { "DDL", EV_OTHER }, { "", EV_OTHER },
	{ "GETX", EV_OTHER },
	/* Any case, not only the exact bytes: */
	{ "get", EV_READ }, { "gEt", EV_READ }, { "Delete", EV_DELETE }, { "wRiTe", EV_WRITE },
	{ "GE", EV_OTHER }, { "GET ", EV_OTHER }, { "PUTS", EV_OTHER }, { "EXPORT", EV_EXPORT },
};

START_TEST(test_default_action)
{
	ck_assert_int_eq(fmt_default_action(S(action_rows[_i].raw)), action_rows[_i].want);
}
END_TEST

/* ---- json and logfmt ------------------------------------------------------ */

static const struct row kv_rows[] = {
	/* lnav json samples */
	{ "json",
	  "{\"ts\": \"2013-09-06T22:00:49.124817Z\", \"lvl\": \"INFO\", \"msg\": \"Shutting down service\", \"user\": \"steve@example.com\"}",
	  true, "2013-09-06T22:00:49Z", EV_OTHER, UNK, .f = { [EVF_USER] = "steve@example.com" },
	  .xname = "lvl", .xvalue = "INFO" },
	{ "json",
	  "{\"ts\": \"2013-09-06T20:00:49.124817Z\", \"logger\": \"com.example.demo\xc2\xb5s\", \"lvl\": \"INFO\", \"msg\": \"Starting up \\u001B[0;32mservice\\u001B[0m\"}",
	  true, "2013-09-06T20:00:49Z", EV_OTHER, UNK, .xname = "msg",
	  .xvalue = "Starting up \x1b[0;32mservice\x1b[0m" },
	{ "json",
	  "{\"ts\": \"2013-09-06T22:00:49.124817Z\", \"@fields\": { \"lvl\": \"INFO\", \"msg\": \"Shutting down service\", \"user\": \"steve@example.com\"}}",
	  true, "2013-09-06T22:00:49Z", EV_OTHER, UNK, .xname = "@fields.user", .xvalue = "steve@example.com" },
	{ "json",
	  "{\"ts\": \"2013-09-06T22:01:49.124817Z\", \"lvl\": \"FATAL\", \"msg\": \"shoot\", \"obj\": { \"field1\" : \"hi\", \"field2\": 2 }, \"arr\" : [\"hi\", {\"sub1\": true}]}",
	  true, "2013-09-06T22:01:49Z", EV_OTHER, UNK, .xname = "arr.1.sub1", .xvalue = "true" },
	/* lnav: a timestamp that is not one; an unterminated line */
	{ "json", "{\"ts\": \"xxx\", \"lvl\": \"DEBUG3\", \"msg\": \"bad ts...\\n\"}", false, UNK },
	{ "json",
	  "{\"ts\": \"2013-09-06T22:00:49.124817Z\", \"@fields\": { \"lvl\": \"INFO\", \"msg\": \"Shutting down service\\nline2",
	  false, UNK },
	/* an audit event with the default key names */
	{ "json",
	  "{\"@timestamp\":\"2026-11-27T10:02:00+01:00\",\"actor\":{\"id\":\"mrossi\",\"role\":\"support-agent\"},\"action\":\"GET\",\"url\":\"https://crm.example.com/api/v1/customers/4711/email?ticket=TICKET-7\",\"customer_id\":4711,\"client_ip\":\"10.0.0.7\",\"status\":200,\"bytes\":71,\"rows\":1}",
	  true, "2026-11-27T09:02:00Z", EV_READ, .status = 200, .bytes = 71, .records = 1, .port = -1,
	  .f = { [EVF_USER] = "mrossi", [EVF_ROLE] = "support-agent", [EVF_ACTION] = "GET",
		 [EVF_RESOURCE] = "https://crm.example.com/api/v1/customers/4711/email?ticket=TICKET-7",
		 [EVF_SUBJECT] = "4711", [EVF_REASON] = "TICKET-7", [EVF_SRC] = "10.0.0.7", [EVF_SCHEME] = "https" } },
	/* export to a recipient, epoch time, escaped string, null */
	{ "json",
	  "{\"ts\":1795773720,\"user\":\"jdoe\",\"event\":\"export\",\"object\":\"customers\",\"recipient\":\"https://crm.example-processor.eu/in\",\"reason\":\"CAMPAIGN-\\u0031\",\"role\":null}",
	  true, "2026-11-27T10:02:00Z", EV_EXPORT, UNK,
	  .f = { [EVF_USER] = "jdoe", [EVF_ACTION] = "export", [EVF_RESOURCE] = "customers",
		 [EVF_DST] = "https://crm.example-processor.eu/in", [EVF_REASON] = "CAMPAIGN-1" } },
	/* not JSON, or not an object */
	{ "json", "[1,2]", false, UNK },
	{ "json", "{\"a\":1} x", false, UNK },
	{ "json", "{\"a\":01}", false, UNK },
	{ "json", "{\"a\":\"\\x\"}", false, UNK },
	{ "json", "{\"a\" 1}", false, UNK },
	{ "json", "{}", true, NULL, EV_OTHER, UNK },
	/* JSON syntax yajl must refuse, like the scanner before it */
	{ "json", "{\"a\":1,}", false, UNK },
	{ "json", "{\"a\":1}{\"b\":2}", false, UNK },
	{ "json", "{\"a\":tru}", false, UNK },
	{ "json", "{\"a\":-}", false, UNK },
	{ "json", "{\"a\":1.}", false, UNK },
	{ "json", "{\"a\":NaN}", false, UNK },
	{ "json", "{'a':1}", false, UNK },
	{ "json", "{\"a\":1 /* c */}", false, UNK },
	{ "json", "{\"a\":\"\\u12\"}", false, UNK },
	{ "json", "{\"a\":\"tab\there\"}", false, UNK },
	{ "json", "\"user\"", false, UNK },
	{ "json", "  {\"x\":[1,{\"y\":2]}", false, UNK },
	/* white space around the object; numbers as fields keep their source text */
	{ "json", " \t{\"user\":\"jdoe\",\"status\":404,\"bytes\":0,\"id\":123456789012345678901234567890} ",
	  true, NULL, EV_OTHER, .status = 404, .bytes = 0, .records = -1, .port = -1,
	  .f = { [EVF_USER] = "jdoe" }, .xname = "id", .xvalue = "123456789012345678901234567890" },
	{ "json", "{\"user\":\"jdoe\",\"latency\":1.50e-3}", true, NULL, EV_OTHER, UNK,
	  .f = { [EVF_USER] = "jdoe" }, .xname = "latency", .xvalue = "1.50e-3" },
	{ "json", "{\"user\":\"jdoe\",\"ok\":false}", true, NULL, EV_OTHER, UNK,
	  .f = { [EVF_USER] = "jdoe" }, .xname = "ok", .xvalue = "false" },
	/* a number, not a string, as the user and the subject */
	{ "json", "{\"user\":42,\"customer_id\":-0}", true, NULL, EV_OTHER, UNK,
	  .f = { [EVF_USER] = "42", [EVF_SUBJECT] = "-0" } },
	/* array indexes in paths, arrays in arrays */
	{ "json", "{\"arr\":[{\"a\":1},[10,20,{\"b\":\"x\"}]],\"user\":\"jdoe\"}", true, NULL, EV_OTHER, UNK,
	  .f = { [EVF_USER] = "jdoe" }, .xname = "arr.1.2.b", .xvalue = "x" },
	{ "json", "{\"arr\":[[],{},[null,\"\"],7]}", true, NULL, EV_OTHER, UNK,
	  .xname = "arr.3", .xvalue = "7" },
	/* two unescaped strings in one line: the first must survive the second */
	{ "json", "{\"user\":\"j\\u0064oe\",\"reason\":\"T\\u002d1\",\"msg\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
	  true, NULL, EV_OTHER, UNK, .f = { [EVF_USER] = "jdoe", [EVF_REASON] = "T-1" },
	  .xname = "msg", .xvalue = "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80" },
	/* changed with yajl: an escaped key is matched decoded ("us\u0065r" is "user") */
	{ "json", "{\"us\\u0065r\":\"jdoe\"}", true, NULL, EV_OTHER, UNK, .f = { [EVF_USER] = "jdoe" } },
	/*
	 * Invalid UTF-8 inside a string is kept as it is (the line is audited;
	 * reports escape it), as before; a raw control character is not JSON.
	 */
	{ "json", "{\"user\":\"m\xffrossi\",\"agent\":\"\xc3\x28\xed\xa0\x80\"}", true, NULL, EV_OTHER, UNK,
	  .f = { [EVF_USER] = "m\xffrossi", [EVF_AGENT] = "\xc3\x28\xed\xa0\x80" } },
	{ "json", "{\"user\":\"m\x01rossi\"}", false, UNK },
	/* lnav logfmt sample (an empty value: reason=) */
	{ "logfmt",
	  "time=\"2021-09-15T21:17:10.220731Z\" level=error msg=\"error retrieving pod status: pod inc-1-enh-domain-c14-ns-2/hello-inc-1-enh-domain-c14-ns-2-3-d8f465685-k75gp is not found: PodNotFound\" namespace=inc-1-enh-domain-c14-ns-2 pod=hello-inc-1-enh-domain-c14-ns-2-3-d8f465685-k75gp reason= status=Pending",
	  true, "2021-09-15T21:17:10Z", EV_OTHER, UNK, .xname = "level", .xvalue = "error" },
	{ "logfmt",
	  "ts=2026-11-27T10:02:00Z user=mrossi method=GET path=\"/api/v1/customers/4711/email\" reason=\"TICKET \\\"88\\\"\" status=200 src=10.0.0.7",
	  true, "2026-11-27T10:02:00Z", EV_READ, .status = 200, .bytes = -1, .records = -1, .port = -1,
	  .f = { [EVF_USER] = "mrossi", [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/api/v1/customers/4711/email",
		 [EVF_REASON] = "TICKET \"88\"", [EVF_SRC] = "10.0.0.7" } },
	{ "logfmt", "user=mrossi msg=\"unterminated", false, UNK },
	{ "logfmt", "just some words", false, UNK },
	{ "logfmt", "83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET /a?x=1 HTTP/1.1\" 200 1", false, UNK },
	{ "logfmt", "", false, UNK },
};

START_TEST(test_kv_rows)
{
	check_row(&kv_rows[_i]);
}
END_TEST

/* ---- pgAudit -------------------------------------------------------------- */

#define PG "2026-11-27 10:02:00.123 UTC [1234] alice@shop "

static const struct row pg_rows[] = {
	{ "pgaudit",
	  PG "LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,\"select * from customers\",<not logged>",
	  true, "2026-11-27T10:02:00Z", EV_READ, UNK,
	  .f = { [EVF_USER] = "alice", [EVF_ACTION] = "READ", [EVF_RESOURCE] = "public.customers",
		 [EVF_STATEMENT] = "select * from customers" }, .xname = "database", .xvalue = "shop" },
	/* pgaudit.out records in a server log */
	{ "pgaudit",
	  PG "WARNING:  AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.test2,<previously logged>,<previously logged>",
	  true, "2026-11-27T10:02:00Z", EV_READ, UNK,
	  .f = { [EVF_USER] = "alice", [EVF_ACTION] = "READ", [EVF_RESOURCE] = "public.test2",
		 [EVF_STATEMENT] = "<previously logged>" }, .xname = "audit_type", .xvalue = "OBJECT" },
	{ "pgaudit",
	  PG "WARNING:  AUDIT: OBJECT,3,1,WRITE,INSERT,TABLE,public.test3,<previously logged>,<previously logged>",
	  true, "2026-11-27T10:02:00Z", EV_WRITE, UNK,
	  .f = { [EVF_USER] = "alice", [EVF_ACTION] = "WRITE", [EVF_RESOURCE] = "public.test3",
		 [EVF_STATEMENT] = "<previously logged>" }, .xname = "command", .xvalue = "INSERT" },
	{ "pgaudit",
	  PG "NOTICE:  AUDIT: SESSION,3,1,ROLE,ALTER ROLE,,,\"ALTER ROLE regress_user1 SET pgaudit.log = 'ddl, ROLE'\",<not logged>",
	  true, "2026-11-27T10:02:00Z", EV_OTHER, UNK,
	  .f = { [EVF_USER] = "alice", [EVF_ACTION] = "ROLE",
		 [EVF_STATEMENT] = "ALTER ROLE regress_user1 SET pgaudit.log = 'ddl, ROLE'" } },
	/* a statement continued on tab-indented lines, joined with '\n' by the reader */
	{ "pgaudit",
	  PG "NOTICE:  AUDIT: SESSION,1,1,DDL,CREATE TABLE,TABLE,public.test,\"CREATE TABLE public.test\n\t(\n\t\tid INT\n\t)\",<not logged>",
	  true, "2026-11-27T10:02:00Z", EV_OTHER, UNK,
	  .f = { [EVF_USER] = "alice", [EVF_ACTION] = "DDL", [EVF_RESOURCE] = "public.test",
		 [EVF_STATEMENT] = "CREATE TABLE public.test\n(\n\tid INT\n)" } },
	/* "" inside a quoted statement, log_rows, the plain %m [%p] prefix (no user), a PDT zone */
	{ "pgaudit",
	  "2025-08-13 01:46:11.122 PDT [12389] LOG:  AUDIT: SESSION,2,1,READ,SELECT,TABLE,public.users,\"SELECT \"\"email\"\" FROM users\",<none>,3",
	  true, "2025-08-13T08:46:11Z", EV_READ, .status = -1, .bytes = -1, .records = 3, .port = -1,
	  .f = { [EVF_ACTION] = "READ", [EVF_RESOURCE] = "public.users",
		 [EVF_STATEMENT] = "SELECT \"email\" FROM users" } },
	/* lnav's Postgres log: a server line that is not an audit record */
	{ "pgaudit",
	  "2025-08-13 01:46:10.568 PDT [12389] LOG:  connection authorized: user=appuser database=maindb",
	  true, "2025-08-13T08:46:10Z", EV_OTHER, UNK,
	  .xname = "message", .xvalue = "connection authorized: user=appuser database=maindb" },
	/* broken: an unterminated statement, too few fields, not an audit type */
	{ "pgaudit", PG "LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.t,\"select 1", false, UNK },
	{ "pgaudit", PG "LOG:  AUDIT: SESSION,1,1,READ,SELECT", false, UNK },
	{ "pgaudit", PG "LOG:  AUDIT: OTHER,1,1,READ,SELECT,TABLE,t,s,p", false, UNK },
	{ "pgaudit", "just text: LOG:  AUDIT: nothing", false, UNK },
	{ "pgaudit", "2012-07-02 10:22:40,672:DEBUG:foo bar baz", false, UNK },
};

START_TEST(test_pg_rows)
{
	check_row(&pg_rows[_i]);
}
END_TEST

/*
 * pgaudit.out as psql shows it ("NOTICE:  AUDIT: ...", continuation lines
 * bare) turned into server-log records: the Debian prefix in front, and the
 * continuation lines tab-indented (as the server writes them) and joined
 * with '\n' (as the reader does).  Returns the number of records; recs[i]
 * is the server form, plain[i] (if plain) the psql text joined with '\n'.
 */
static size_t pgaudit_records(char ***recs, char ***plain)
{
	size_t n;
	char **lines = read_lines(SHARED_TESTDATA "/logs/pgaudit/pgaudit.out", &n);
	size_t cap = 512, nrec = 0;
	*recs = malloc(cap * sizeof(char *));
	if (plain)
		*plain = malloc(cap * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *a = strstr(lines[i], ":  AUDIT: ");
		if (!a || (strncmp(lines[i], "NOTICE", 6) && strncmp(lines[i], "WARNING", 7)))
			continue;
		size_t len = strlen(PG) + strlen(lines[i]) + 1;
		char *r = malloc(len);
		snprintf(r, len, "%s%s", PG, lines[i]);
		char *pl = strdup(a + strlen(":  AUDIT: "));
		/* An odd number of quotes: the record goes on. */
		size_t q = 0;
		for (const char *p = lines[i]; *p; p++)
			q += *p == '"';
		while (q % 2 && i + 1 < n) {
			i++;
			len += strlen(lines[i]) + 2;
			r = realloc(r, len);
			strcat(r, "\n\t");
			strcat(r, lines[i]);
			pl = realloc(pl, strlen(pl) + strlen(lines[i]) + 2);
			strcat(pl, "\n");
			strcat(pl, lines[i]);
			for (const char *p = lines[i]; *p; p++)
				q += *p == '"';
		}
		ck_assert_uint_lt(nrec, cap);
		if (plain)
			(*plain)[nrec] = pl;
		else
			free(pl);
		(*recs)[nrec++] = r;
	}
	free_lines(lines, n);
	return nrec;
}

/* Test-only CSV: field idx of a record, "" unescaped, into out. */
static void csv_nth(const char *rec, int idx, char *out, size_t cap)
{
	size_t k = 0;
	int field = 0;
	bool q = false;
	for (const char *p = rec; *p; p++) {
		if (q) {
			if (*p == '"' && p[1] == '"') {
				if (field == idx && k + 1 < cap)
					out[k++] = '"';
				p++;
			} else if (*p == '"') {
				q = false;
			} else if (field == idx && k + 1 < cap) {
				out[k++] = *p;
			}
		} else if (*p == '"') {
			q = true;
		} else if (*p == ',') {
			if (++field > idx)
				break;
		} else if (field == idx && k + 1 < cap) {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

START_TEST(test_pgaudit_out_all)
{
	char **recs, **plain;
	size_t n = pgaudit_records(&recs, &plain);
	size_t reads = 0, writes = 0, multi = 0;
	struct event ev;
	static char want[65536];
	ck_assert_uint_eq(n, 415);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(parse_with("pgaudit", recs[i], &ev), "record %zu unparsed: %.300s", i, recs[i]);
		expect_sv(ev.f[EVF_USER], "alice", "user", recs[i]);
		csv_nth(plain[i], 3, want, sizeof(want));
		expect_sv(ev.f[EVF_ACTION], want, "class", recs[i]);
		csv_nth(plain[i], 6, want, sizeof(want));
		expect_sv(ev.f[EVF_RESOURCE], want, "object_name", recs[i]);
		/* The statement as sent: the server's continuation tabs are gone. */
		csv_nth(plain[i], 7, want, sizeof(want));
		expect_sv(ev.f[EVF_STATEMENT], want, "statement", recs[i]);
		ck_assert(ev.f[EVF_STATEMENT].n > 0);
		reads += ev.action == EV_READ;
		writes += ev.action == EV_WRITE;
		multi += strchr(recs[i], '\n') != NULL;
		free(recs[i]);
		free(plain[i]);
	}
	free(recs);
	free(plain);
	ck_assert(reads > 0 && writes > 0 && multi > 0);
}
END_TEST

/* ---- syslog --------------------------------------------------------------- */

static const struct row syslog_rows[] = {
	/* lnav syslog sample, plain syslog: message kept */
	{ "syslog", "Nov  3 09:23:38 veridian automount[7998]: lookup(file): lookup for foobar failed",
	  true, "2026-11-03T09:23:38Z", EV_OTHER, UNK,
	  .f = { [EVF_HOST] = "veridian", [EVF_APP] = "automount" },
	  .xname = "message", .xvalue = "lookup(file): lookup for foobar failed" },
	/* lnav syslog with access lines: common without [time] inside syslog */
	{ "syslog",
	  "Mar 24 14:02:50 bigproduct-web1 tomcat.log: 127.0.0.1 - - \"GET /includes/js/combined-javascript.js HTTP/1.1\" 200 65508 4.386",
	  true, "2026-03-24T14:02:50Z", EV_READ, .status = 200, .bytes = 65508, .records = -1, .port = -1,
	  .f = { [EVF_HOST] = "bigproduct-web1", [EVF_APP] = "tomcat.log", [EVF_SRC] = "127.0.0.1",
		 [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/includes/js/combined-javascript.js",
		 [EVF_PROTOCOL] = "HTTP/1.1" } },
	{ "syslog+common",
	  "Mar 24 14:02:50 bigproduct-web1 tomcat.log: 127.0.0.1 - - \"GET /bad.foo HTTP/1.1\" 404 65508 4.386",
	  true, "2026-03-24T14:02:50Z", EV_READ, .status = 404, .bytes = 65508, .records = -1, .port = -1,
	  .f = { [EVF_HOST] = "bigproduct-web1", [EVF_APP] = "tomcat.log", [EVF_SRC] = "127.0.0.1",
		 [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/bad.foo", [EVF_PROTOCOL] = "HTTP/1.1" } },
	{ "syslog+common", "Nov  3 09:23:38 veridian automount[7998]: lookup(file): lookup for foobar failed",
	  false, UNK },
	{ "syslog", "Mar 24 14:26:01 --- last message repeated 2 times ---",
	  true, "2026-03-24T14:26:01Z", EV_OTHER, UNK, .f = { [EVF_HOST] = "---" },
	  .xname = "message", .xvalue = "last message repeated 2 times ---" },
	/* RFC 5424 with structured data carrying JSON; the inner time wins */
	{ "syslog+json",
	  "<134>1 2026-11-27T10:02:00.003Z api01 crm 4242 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\]\"] {\"time\":\"2026-11-27T10:01:59Z\",\"user\":\"mrossi\",\"action\":\"read\",\"resource\":\"/customers/4711\"}",
	  true, "2026-11-27T10:01:59Z", EV_READ, UNK,
	  .f = { [EVF_HOST] = "api01", [EVF_APP] = "crm", [EVF_USER] = "mrossi", [EVF_ACTION] = "read",
		 [EVF_RESOURCE] = "/customers/4711" } },
	/* RFC 5424, nil values, logfmt inside, no inner time */
	{ "syslog+logfmt", "<13>1 2026-11-27T10:02:00+01:00 - - - - - user=jdoe action=delete resource=/x",
	  true, "2026-11-27T09:02:00Z", EV_DELETE, UNK,
	  .f = { [EVF_USER] = "jdoe", [EVF_ACTION] = "delete", [EVF_RESOURCE] = "/x" } },
	/* RFC 3164 with PRI around a combined line */
	{ "syslog+combined",
	  "<190>Nov 27 10:02:00 web1 nginx: 10.0.0.7 - mrossi [27/Nov/2026:10:01:58 +0000] \"GET /api/v1/customers/4711/email HTTP/1.1\" 200 71 \"-\" \"curl/8\"",
	  true, "2026-11-27T10:01:58Z", EV_READ, .status = 200, .bytes = 71, .records = -1, .port = -1,
	  .f = { [EVF_HOST] = "web1", [EVF_APP] = "nginx", [EVF_SRC] = "10.0.0.7", [EVF_USER] = "mrossi",
		 [EVF_ACTION] = "GET", [EVF_RESOURCE] = "/api/v1/customers/4711/email",
		 [EVF_PROTOCOL] = "HTTP/1.1", [EVF_AGENT] = "curl/8" } },
	/* pgAudit over syslog, with PostgreSQL's sequence numbers */
	{ "syslog+pgaudit",
	  "Nov 27 10:02:00 db1 postgres[1234]: [5-1] 2026-11-27 10:02:00.123 UTC [1234] alice@shop LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,select 1,<not logged>",
	  true, "2026-11-27T10:02:00Z", EV_READ, UNK,
	  .f = { [EVF_HOST] = "db1", [EVF_APP] = "postgres", [EVF_USER] = "alice", [EVF_ACTION] = "READ",
		 [EVF_RESOURCE] = "public.customers", [EVF_STATEMENT] = "select 1" } },
	/* rsyslog's RFC 3339 timestamps in the traditional layout */
	{ "syslog+logfmt", "2026-11-27T10:02:00.123456+01:00 web1 app[1]: user=bob action=login",
	  true, "2026-11-27T09:02:00Z", EV_LOGIN, UNK,
	  .f = { [EVF_HOST] = "web1", [EVF_APP] = "app", [EVF_USER] = "bob", [EVF_ACTION] = "login" } },
	/* not syslog */
	{ "syslog", "Foo  3 09:23:38 veridian x: y", false, UNK },
	{ "syslog", "2012-07-02 10:22:40,672:DEBUG:foo bar baz", false, UNK },
	{ "syslog", "<13>", false, UNK },
	{ "syslog", "", false, UNK },
};

START_TEST(test_syslog_rows)
{
	check_row(&syslog_rows[_i]);
}
END_TEST

/*
 * Plain syslog: a program that logs no accesses is skipped (SPEC §5); a
 * message that looks like an access record no format reads is unparsed.
 */
START_TEST(test_syslog_skip)
{
	static const struct { const char *line; bool parsed, skip; } rows[] = {
		{ "Nov 24 10:00:00 host1 CRON[123]: (root) CMD (run-parts /etc/cron.hourly)", true, true },
		{ "<38>1 2026-11-24T10:00:01Z host1 sshd 99 - - Accepted publickey for mrossi", true, true },
		{ "Nov 24 10:00:02 host1 app[7]: F {\"method\":\"GET\",\"path\":\"/x\"}", false, false },
		{ "Nov 24 10:00:03 host1 web: 10.0.0.7 GET /api/v1/customers/1/email 200", false, false },
		{ "Nov 24 10:00:04 host1 nginx: request: \"POST /login HTTP/2.0\"", false, false },
		{ "Nov 24 10:00:05 host1 db[9]: statement: SELECT email FROM customers", false, false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct event ev;
		bool ok = parse_with("syslog", rows[i].line, &ev);
		ck_assert_msg(ok == rows[i].parsed, "%s: parsed %d", rows[i].line, ok);
		ck_assert_msg(!ok || ev.skip == rows[i].skip, "%s: skip %d", rows[i].line, ev.skip);
	}
}
END_TEST

/* ---- detection ------------------------------------------------------------ */

static const struct {
	const char *file;
	const char *want;	/* NULL: no format */
} detect_rows[] = {
	{ "elastic-apache_logs", "combined" },
	{ "lnav/logfile_access_log.0", "combined" },
	{ "lnav/logfile_bad_access_log.0", "combined" },
	{ "lnav/logfile_shop_access_log.0", "combined" },
	/*
	 * Application logs in JSON and logfmt: a time but no resource or
	 * action key, so no access log (SPEC §3: an object does not match a
	 * format just by being JSON).
	 */
	{ "lnav/logfile_json.json", NULL },
	{ "lnav/logfile_nested_json.json", NULL },
	{ "lnav/logfile_invalid_json.json", NULL },
	{ "lnav/logfile_logfmt.0", NULL },
	{ "lnav/logfile_syslog.0", "syslog" },
	{ "lnav/logfile_syslog_with_access_log.0", "syslog" },
	{ "lnav/logfile_postgres.0", "pgaudit" },
	{ "lnav/logfile_crlf.0", NULL },
	{ "lnav/logfile_w3c.0", NULL },
	{ "lnav/logfile_invalid_utf8.0", NULL },
};

static const struct fmt *detect_file(const char *path, size_t max)
{
	size_t total;
	char **lines = read_lines(path, &total);
	size_t n = total < max ? total : max;
	sv *v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = S(lines[i]);
	const struct fmt *f = fmt_detect(set, v, n, thr);
	free(v);
	free_lines(lines, total);
	return f;
}

START_TEST(test_detect_files)
{
	char path[512];
	snprintf(path, sizeof(path), SHARED_TESTDATA "/logs/%s", detect_rows[_i].file);
	const struct fmt *f = detect_file(path, 50);
	if (!detect_rows[_i].want)
		ck_assert_msg(f == NULL, "%s: detected %s", path, f ? f->name : "");
	else
		ck_assert_msg(f && strcmp(f->name, detect_rows[_i].want) == 0, "%s: detected %s, want %s",
			      path, f ? f->name : "(none)", detect_rows[_i].want);
}
END_TEST

/* Detection over made-up lines: specificity and syslog wrapping. */
START_TEST(test_detect_specific)
{
	static const char *vhost[] = {
		"shop.example.com:443 10.0.0.7 - mrossi [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"",
		"shop.example.com:80 10.0.0.8 - - [27/Nov/2026:03:14:08 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"",
	};
	static const char *common[] = {
		"10.0.0.7 - mrossi [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 1",
		"10.0.0.8 - - [27/Nov/2026:03:14:08 +0000] \"GET /a HTTP/1.1\" 404 -",
	};
	static const char *sys[] = {
		"<190>Nov 27 10:02:00 web1 nginx: 10.0.0.7 - - [27/Nov/2026:10:01:58 +0000] \"GET / HTTP/1.1\" 200 71 \"-\" \"-\"",
		"<190>Nov 27 10:02:01 web1 nginx: 10.0.0.8 - - [27/Nov/2026:10:01:59 +0000] \"GET /b HTTP/1.1\" 200 71 \"-\" \"-\"",
	};
	const struct {
		const char **lines;
		const char *want;
	} cases[] = { { vhost, "vhost_combined" }, { common, "common" }, { sys, "syslog+combined" } };
	for (size_t c = 0; c < 3; c++) {
		sv v[2] = { S(cases[c].lines[0]), S(cases[c].lines[1]) };
		const struct fmt *f = fmt_detect(set, v, 2, thr);
		ck_assert_msg(f && strcmp(f->name, cases[c].want) == 0, "detected %s, want %s",
			      f ? f->name : "(none)", cases[c].want);
	}
	ck_assert_ptr_null(fmt_detect(set, NULL, 0, thr));

	/*
	 * A format must read at least half of the sample: two access lines
	 * among two junk lines are a log, one among three is not.
	 */
	sv half[4] = { S(common[0]), S("\x01\x02 junk"), S(common[1]), S("more junk") };
	const struct fmt *h = fmt_detect(set, half, 4, thr);
	ck_assert_msg(h && strcmp(h->name, "common") == 0, "detected %s", h ? h->name : "(none)");
	sv less[4] = { S(common[0]), S("\x01\x02 junk"), S("even more"), S("more junk") };
	ck_assert_ptr_null(fmt_detect(set, less, 4, thr));
}
END_TEST

START_TEST(test_detect_pgaudit_out)
{
	char **recs;
	size_t n = pgaudit_records(&recs, NULL);
	sv *v = calloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = S(recs[i]);
	const struct fmt *f = fmt_detect(set, v, 100, thr);
	ck_assert_msg(f && strcmp(f->name, "pgaudit") == 0 && f->multiline, "detected %s",
		      f ? f->name : "(none)");
	for (size_t i = 0; i < n; i++)
		free(recs[i]);
	free(recs);
	free(v);
}
END_TEST

START_TEST(test_names)
{
	const char *names[512];
	size_t n = fmt_names(set, names, 512);
	ck_assert_uint_lt(n, 512);
	const char *want[] = { "common", "combined", "vhost_combined", "json", "logfmt", "pgaudit",
			       "syslog", "syslog+combined", "syslog+json", "syslog+pgaudit",
			       "cri+combined", "docker+json", "cloudtrail", "k8s-audit", "cri+envoy" };
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found |= strcmp(names[i], want[w]) == 0;
		ck_assert_msg(found, "no format %s", want[w]);
		ck_assert_ptr_nonnull(fmt_by_name(set, want[w]));
	}
	ck_assert_ptr_null(fmt_by_name(set, "nope"));
	ck_assert_uint_eq(fmt_names(set, names, 2), 2);
}
END_TEST

/* ---- hostile input ---------------------------------------------------------- */

START_TEST(test_hostile)
{
	size_t big = 100 * 1024, deep = 100000;
	char *longline = malloc(big + 1);
	char *nested = malloc(deep + 1);
	char *nested_obj = malloc(5 * deep + 1);
	memset(longline, 'a', big);
	longline[big] = '\0';
	memset(nested, '[', deep);
	nested[deep] = '\0';
	for (size_t i = 0; i < deep; i++)
		memcpy(nested_obj + 5 * i, "{\"a\":", 5);
	nested_obj[5 * deep] = '\0';
	/* a 100 KB request in an otherwise good line */
	char *longreq = malloc(big + 200);
	int k = snprintf(longreq, 200, "10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET /");
	memset(longreq + k, 'x', big);
	strcpy(longreq + k + big, "?reason=%41 HTTP/1.1\" 200 1 \"-\" \"-\"");
	static const char binary[] = "\x00\xff\xfe\"[\x1b\x7f{\"\x01";
	const struct {
		sv line;
		const char *only;	/* a format that must parse it, or NULL: none may */
	} rows[] = {
		{ S(""), NULL },
		{ S("      "), NULL },
		{ sv_make(binary, sizeof(binary) - 1), NULL },
		{ S("10.0.0.7 - - [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1 200 1 \"-"), NULL },
		{ S("user=\"unterminated"), NULL },
		{ S("{\"a\":\"unterminated}"), NULL },
		{ S(longline), NULL },
		{ S(nested), NULL },
		{ S(nested_obj), NULL },
		{ S(longreq), "combined" },
	};
	const char *names[64];
	size_t nn = fmt_names(set, names, 64);
	struct event ev;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		for (size_t i = 0; i < nn; i++) {
			const struct fmt *f = fmt_by_name(set, names[i]);
			ev_reset(&ev);
			bool ok = fmt_parse(f, rows[r].line, &ev, thr);
			bool want = rows[r].only && strcmp(rows[r].only, names[i]) == 0;
			if (rows[r].only && !want)
				continue;	/* others may or may not read it, as long as they return */
			ck_assert_msg(ok == want, "row %zu format %s: parse=%d", r, names[i], ok);
		}
	}
	/* the long line: its reason decoded, the resource whole */
	ck_assert(parse_with("combined", longreq, &ev));
	expect_sv(ev.f[EVF_REASON], "A", "reason", "longreq");
	ck_assert_uint_eq(ev.f[EVF_RESOURCE].n, 1 + big + strlen("?reason=%41"));
	free(longline);
	free(nested);
	free(nested_obj);
	free(longreq);
}
END_TEST

/* ---- rule-defined formats ----------------------------------------------------- */

static const char *const read_list[] = { "GET", "HEAD", "VIEW" };
static const char *const export_list[] = { "DOWNLOAD" };

struct hand_policy {
	struct policy pol;
	struct pol_format pf[3];
};

static struct rx *compile(const char *pattern)
{
	struct diag err = { { 0 } };
	struct rx *r = rx_compile(pattern, strlen(pattern), 0, "test:1", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	return r;
}

static void src_name(struct pol_fieldmap *m, const char *name, int group)
{
	m->src[m->n].kind = PS_NAME;
	m->src[m->n].name = name;
	m->src[m->n].group = group;
	m->n++;
}

static void src_query(struct pol_fieldmap *m, const char *name)
{
	m->src[m->n].kind = PS_QUERY;
	m->src[m->n].name = name;
	m->src[m->n].group = -1;
	m->n++;
}

/* ---- json: limits and threads ------------------------------------------- */

/* "{"user":"jdoe","x":" + open + close + "}" */
static char *json_nest(size_t n, char open, char close)
{
	static const char head[] = "{\"user\":\"jdoe\",\"x\":";
	char *p = malloc(sizeof(head) + 2 * n + 2);
	memcpy(p, head, sizeof(head) - 1);
	memset(p + sizeof(head) - 1, open, n);
	memset(p + sizeof(head) - 1 + n, close, n);
	strcpy(p + sizeof(head) - 1 + 2 * n, "}");
	return p;
}

/* {"user":"jdoe","msg":"<fill repeated>"} of exactly len bytes (fill divides the room). */
static char *json_long(size_t len, const char *fill)
{
	static const char head[] = "{\"user\":\"jdoe\",\"msg\":\"";
	char *p = malloc(len + 1);
	size_t k = strlen(fill), room = len - (sizeof(head) - 1) - 2;
	ck_assert_uint_eq(room % k, 0);
	memcpy(p, head, sizeof(head) - 1);
	for (size_t i = 0; i < room; i += k)
		memcpy(p + sizeof(head) - 1 + i, fill, k);
	strcpy(p + len - 2, "\"}");
	return p;
}

START_TEST(test_json_limits)
{
	struct event ev;
	sv v;
	/* FMT_JSON_MAX_DEPTH: 64 open containers (the line's object included) parse, 65 do not */
	char *d64 = json_nest(63, '[', ']'), *d65 = json_nest(64, '[', ']');
	char *deep = json_nest(100000, '[', ']'), *deepo = json_nest(100000, '{', '}');
	ck_assert(parse_with("json", d64, &ev));
	expect_sv(ev.f[EVF_USER], "jdoe", "user", "d64");
	ck_assert(!parse_with("json", d65, &ev));
	ck_assert(!parse_with("json", deep, &ev));
	ck_assert(!parse_with("json", deepo, &ev));	/* '{' '}' is not even JSON */

	/* a line of 1 MiB, the cap: one long string, then one of escapes (decoded, half as long) */
	size_t mib = 1u << 20;
	char *plain = json_long(mib, "ab"), *esc = json_long(mib, "\\n"), *over = json_long(mib + 2, "ab");
	ck_assert(parse_with("json", plain, &ev));
	ck_assert(extra(&ev, "msg", &v));
	ck_assert_uint_eq(v.n, mib - 24);
	ck_assert(v.p > plain && v.p < plain + mib);	/* a view, not a copy */
	ck_assert(parse_with("json", esc, &ev));
	ck_assert(extra(&ev, "msg", &v));
	ck_assert_uint_eq(v.n, (mib - 24) / 2);
	ck_assert(v.p[0] == '\n' && v.p[v.n - 1] == '\n' && memchr(v.p, '\\', v.n) == NULL);
	expect_sv(ev.f[EVF_USER], "jdoe", "user", "esc");
	ck_assert(!parse_with("json", over, &ev));

	/* 1 MiB of small values: 16 extras kept, the rest dropped, the line parsed */
	char *many = malloc(mib + 1);
	strcpy(many, "{\"user\":\"jdoe\",\"a\":[1");
	size_t n = strlen(many);
	while (n + 4 < mib) {
		memcpy(many + n, ",1", 2);
		n += 2;
	}
	strcpy(many + n, "]}");
	ck_assert(parse_with("json", many, &ev));
	ck_assert(extra(&ev, "a.0", &v));
	expect_sv(v, "1", "a.0", "many");
	ck_assert_uint_eq(ev.nextra, 16);

	/* a key longer than a path may be: the values below it are ignored, the line is read */
	char lk[2048];
	snprintf(lk, sizeof(lk), "{\"%0600d\":{\"user\":\"evil\",\"b\":\"x\"},\"user\":\"jdoe\",\"c\":\"y\"}", 0);
	ck_assert(parse_with("json", lk, &ev));
	expect_sv(ev.f[EVF_USER], "jdoe", "user", "long key");
	ck_assert_uint_eq(ev.nextra, 1);
	ck_assert(extra(&ev, "c", &v));


	free(d64);
	free(d65);
	free(deep);
	free(deepo);
	free(plain);
	free(esc);
	free(over);
	free(many);
}
END_TEST

/* Parsers on several threads at once, each with its own fmt_thread, one shared set. */
struct json_worker {
	int id;		/* 41..44: "\u0041" is 'A', ..., "\u0044" is 'D' */
	int bad;
};

static void *json_worker_main(void *arg)
{
	struct json_worker *w = arg;
	struct fmt_thread *t = fmt_thread_new();
	const struct fmt *f = fmt_by_name(set, "json");
	char line[256], user[32], res[32], tag[32];
	for (int i = 0; i < 5000; i++) {
		struct event ev;
		sv v;
		/* escaped and plain strings, numbers and nesting, different per thread and line */
		snprintf(line, sizeof(line),
			 "{\"actor\":{\"id\":\"u\\u00%d-%d\",\"tags\":[%d,\"t\\n%d\"]},\"status\":%d,\"path\":\"/c/%d\"}",
			 w->id, i, i, w->id, 200 + w->id, i);
		int nu = snprintf(user, sizeof(user), "u%c-%d", 'A' + (w->id - 41), i);
		int nr = snprintf(res, sizeof(res), "/c/%d", i);
		int nt = snprintf(tag, sizeof(tag), "t\n%d", w->id);
		ev_reset(&ev);
		ev.raw = S(line);
		if (!fmt_parse(f, S(line), &ev, t) || ev.status != 200 + w->id ||
		    !sv_eq(ev.f[EVF_USER], sv_make(user, (size_t)nu)) ||
		    !sv_eq(ev.f[EVF_RESOURCE], sv_make(res, (size_t)nr)) ||
		    !ev_get(&ev, S("actor.tags.1"), &v) || !sv_eq(v, sv_make(tag, (size_t)nt)))
			w->bad++;
	}
	fmt_thread_free(t);
	return NULL;
}

START_TEST(test_json_threads)
{
	enum { NT = 4 };
	pthread_t th[NT];
	struct json_worker w[NT];
	for (int i = 0; i < NT; i++) {
		w[i] = (struct json_worker){ .id = 41 + i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, json_worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(w[i].bad == 0, "thread %d: %d lines wrong", i, w[i].bad);
	}
}
END_TEST

/* The SPEC's example [format support-api], a json and a logfmt format. */
static void hand_policy_init(struct hand_policy *h)
{
	struct diag err = { { 0 } };
	memset(h, 0, sizeof(*h));
	struct pol_format *re = &h->pf[0];
	re->name = "support-api";
	re->type = PF_REGEX;
	re->pattern = compile("^(?<src>\\S+) \\S+ (?<user>\\S+) \\[(?<time>[^]]+)\\] \"(?<method>\\S+) (?<resource>\\S+)[^\"]*\" (?<status>\\d+) (?<bytes>\\S+)(?: tenant=(?<tenant>\\S+))?");
	re->time_format = "%d/%b/%Y:%H:%M:%S %z";
	re->time_fmt = tu_fmt_compile(re->time_format, &err);
	ck_assert_msg(re->time_fmt != NULL, "%s", err.msg);
	src_name(&re->fields[EVF_ACTION], "method", rx_group_index(re->pattern, "method"));
	src_query(&re->fields[EVF_REASON], "reason");
	src_query(&re->fields[EVF_REASON], "ticket");
	re->actions[EV_READ] = (const char **)read_list;
	re->nactions[EV_READ] = 3;
	re->actions[EV_EXPORT] = (const char **)export_list;
	re->nactions[EV_EXPORT] = 1;

	struct pol_format *js = &h->pf[1];
	js->name = "audit-json";
	js->type = PF_JSON;
	src_name(&js->fields[EVF_USER], "who.login", -1);
	src_name(&js->fields[EVF_SUBJECT], "target.customer", -1);
	src_name(&js->fields[EVF_REASON], "why", -1);
	src_query(&js->fields[EVF_REASON], "case");
	src_name(&js->fields[EVF_ACTION], "op", -1);
	src_name(&js->fields[EVF_ROLE], "who.roles.1", -1);
	src_name(&js->time_field, "when", -1);
	js->actions[EV_EXPORT] = (const char **)export_list;
	js->nactions[EV_EXPORT] = 1;

	struct pol_format *lf = &h->pf[2];
	lf->name = "audit-logfmt";
	lf->type = PF_LOGFMT;
	src_name(&lf->fields[EVF_USER], "uid", -1);
	src_name(&lf->fields[EVF_RESOURCE], "obj", -1);
	src_name(&lf->records_field, "n", -1);

	h->pol.formats = h->pf;
	h->pol.nformats = 3;
}

static void hand_policy_release(struct hand_policy *h)
{
	rx_free(h->pf[0].pattern);
	tu_fmt_free(h->pf[0].time_fmt);
}

static const struct row rule_rows[] = {
	{ "support-api",
	  "10.0.0.7 - mrossi [27/Nov/2026:10:02:00 +0100] \"VIEW /api/v1/customers/4711/email?ticket=TICKET-88 HTTP/1.1\" 200 71 tenant=eu",
	  true, "2026-11-27T09:02:00Z", EV_READ, .status = 200, .bytes = 71, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_USER] = "mrossi", [EVF_ACTION] = "VIEW",
		 [EVF_RESOURCE] = "/api/v1/customers/4711/email?ticket=TICKET-88", [EVF_REASON] = "TICKET-88" },
	  .xname = "tenant", .xvalue = "eu" },
	{ "support-api",
	  "10.0.0.7 - - [27/Nov/2026:10:02:00 +0100] \"DOWNLOAD /api/v1/customers.csv HTTP/1.1\" 200 -",
	  true, "2026-11-27T09:02:00Z", EV_EXPORT, .status = 200, .bytes = -1, .records = -1, .port = -1,
	  .f = { [EVF_SRC] = "10.0.0.7", [EVF_ACTION] = "DOWNLOAD", [EVF_RESOURCE] = "/api/v1/customers.csv" } },
	/* the time-format does not fit: unparsed, not audited at a wrong time */
	{ "support-api", "10.0.0.7 - - [2026-11-27T10:02:00Z] \"GET / HTTP/1.1\" 200 1", false, UNK },
	{ "support-api", "not a line of this format", false, UNK },
	{ "audit-json",
	  "{\"when\":\"2026-11-27T10:02:00Z\",\"who\":{\"login\":\"jdoe\"},\"op\":\"DOWNLOAD\",\"target\":{\"customer\":4711},\"resource\":\"/export?case=CASE-1\"}",
	  true, "2026-11-27T10:02:00Z", EV_EXPORT, UNK,
	  .f = { [EVF_USER] = "jdoe", [EVF_ACTION] = "DOWNLOAD", [EVF_SUBJECT] = "4711",
		 [EVF_RESOURCE] = "/export?case=CASE-1", [EVF_REASON] = "CASE-1" } },
	/* the mapped key wins over the default name */
	{ "audit-json", "{\"who\":{\"login\":\"jdoe\"},\"username\":\"other\",\"why\":\"T-1\",\"op\":\"GET\"}",
	  true, NULL, EV_READ, UNK,
	  .f = { [EVF_USER] = "jdoe", [EVF_ACTION] = "GET", [EVF_REASON] = "T-1" }, .xname = "username",
	  .xvalue = "other" },
	/* an array index in a mapped path; a number as the time */
	{ "audit-json",
	  "{\"who\":{\"login\":\"jdoe\",\"roles\":[\"x\",\"support-agent\"]},\"op\":\"GET\",\"when\":1795773720}",
	  true, "2026-11-27T10:02:00Z", EV_READ, UNK,
	  .f = { [EVF_USER] = "jdoe", [EVF_ROLE] = "support-agent", [EVF_ACTION] = "GET" } },
	{ "audit-logfmt", "uid=alice obj=public.customers n=12 action=read",
	  true, NULL, EV_READ, .status = -1, .bytes = -1, .records = 12, .port = -1,
	  .f = { [EVF_USER] = "alice", [EVF_RESOURCE] = "public.customers", [EVF_ACTION] = "read" } },
};

START_TEST(test_rule_formats)
{
	struct hand_policy h;
	struct diag err = { { 0 } };
	hand_policy_init(&h);
	struct fmt_set *saved = set;
	set = fmt_set_new(&h.pol, &err);
	ck_assert_msg(set != NULL, "%s", err.msg);
	for (size_t i = 0; i < sizeof(rule_rows) / sizeof(rule_rows[0]); i++)
		check_row(&rule_rows[i]);
	ck_assert_ptr_nonnull(fmt_by_name(set, "syslog+support-api"));

	/* Ties go to the rule-defined format: the support-api lines are also common. */
	sv v[2] = {
		S("10.0.0.7 - mrossi [27/Nov/2026:10:02:00 +0100] \"GET /a HTTP/1.1\" 200 71"),
		S("10.0.0.8 - - [27/Nov/2026:10:02:01 +0100] \"GET /b HTTP/1.1\" 200 7"),
	};
	const struct fmt *f = fmt_detect(set, v, 2, thr);
	ck_assert_msg(f && strcmp(f->name, "support-api") == 0, "detected %s", f ? f->name : "(none)");
	fmt_set_free(set);
	set = saved;
	hand_policy_release(&h);
}
END_TEST

/* A regex format whose field map names a group the pattern lacks is refused. */
START_TEST(test_rule_bad_group)
{
	struct hand_policy h;
	struct diag err = { { 0 } };
	hand_policy_init(&h);
	src_name(&h.pf[0].fields[EVF_ROLE], "nosuchgroup", -1);
	h.pf[0].loc.file = "rules/x.rules";
	h.pf[0].loc.line = 3;
	struct fmt_set *s = fmt_set_new(&h.pol, &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err.msg, "rules/x.rules:3:") == err.msg && strstr(err.msg, "nosuchgroup"),
		      "%s", err.msg);
	hand_policy_release(&h);
}
END_TEST

/* pgAudit with a rule's own log_line_prefix. */
START_TEST(test_rule_pg_prefix)
{
	struct hand_policy h;
	struct diag err = { { 0 } };
	hand_policy_init(&h);
	struct pol_format *pg = &h.pf[2];
	memset(pg, 0, sizeof(*pg));
	pg->name = "pg-custom";
	pg->type = PF_REGEX;
	pg->prefix = compile("^(?<time>\\S+ \\S+) user=(?<user>[^,]*),db=(?<database>\\S*) ");
	struct fmt_set *saved = set;
	set = fmt_set_new(&h.pol, &err);
	ck_assert_msg(set != NULL, "%s", err.msg);
	const struct row rows[] = {
		{ "pg-custom",
		  "2026-11-27 10:02:00 user=bob,db=shop LOG:  AUDIT: OBJECT,1,1,WRITE,UPDATE,TABLE,public.customers,\"update customers set x=1\",<none>",
		  true, "2026-11-27T10:02:00Z", EV_WRITE, UNK,
		  .f = { [EVF_USER] = "bob", [EVF_ACTION] = "WRITE", [EVF_RESOURCE] = "public.customers",
			 [EVF_STATEMENT] = "update customers set x=1" }, .xname = "database", .xvalue = "shop" },
		{ "pg-custom", PG "LOG:  AUDIT: OBJECT,1,1,WRITE,UPDATE,TABLE,t,s,p", false, UNK },
	};
	for (size_t i = 0; i < 2; i++)
		check_row(&rows[i]);
	ck_assert(fmt_by_name(set, "pg-custom")->multiline);
	fmt_set_free(set);
	set = saved;
	rx_free(pg->prefix);
	hand_policy_release(&h);
}
END_TEST

/*
 * fmt_span_nonspace() and fmt_last_space() read eight bytes at a time: over
 * random strings of bytes around the space and the zero-byte test's edges
 * (0x00, 0x01, 0x21, 0x80, 0xA0, 0xFF), every length to 40 at every
 * alignment, they find the first and the last space exactly where a
 * byte-by-byte scan does.
 */
START_TEST(test_span_nonspace)
{
	static const unsigned char bytes[] = { ' ', 'a', 0x00, 0x01, 0x21, 0x1f, 0x80, 0xA0, 0xFF, '-' };
	unsigned seed = 31337;
	unsigned char buf[64];
	for (int k = 0; k < 200000; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t off = (seed >> 16) % 8, n = (seed >> 20) % 41;
		/* mostly non-space, so that words without a space are common */
		for (size_t i = 0; i < off + n; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 64;
			buf[i] = r < (unsigned)sizeof(bytes) ? bytes[r] : (unsigned char)('b' + r % 20);
		}
		const char *p = (const char *)buf + off;
		size_t want = 0;
		while (want < n && p[want] != ' ')
			want++;
		ck_assert_msg(fmt_span_nonspace(p, n) == want, "k=%d off=%zu n=%zu: %zu, want %zu", k, off,
			      n, fmt_span_nonspace(p, n), want);
		size_t last = n;
		for (size_t j = n; j > 0; j--)
			if (p[j - 1] == ' ') {
				last = j - 1;
				break;
			}
		ck_assert_msg(fmt_last_space(p, n) == last, "k=%d off=%zu n=%zu: last %zu, want %zu", k, off,
			      n, fmt_last_space(p, n), last);
	}
}
END_TEST

static Suite *formats_suite(void)
{
	Suite *s = suite_create("formats");
	TCase *tc = tcase_create("formats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_clf_rows, 0, sizeof(clf_rows) / sizeof(clf_rows[0]));
	tcase_add_test(tc, test_span_nonspace);
	tcase_add_test(tc, test_clf_elastic_all);
	tcase_add_test(tc, test_clf_shop_all);
	tcase_add_test(tc, test_query_param_or);
	tcase_add_loop_test(tc, test_query_param, 0, sizeof(query_rows) / sizeof(query_rows[0]));
	tcase_add_loop_test(tc, test_default_action, 0, sizeof(action_rows) / sizeof(action_rows[0]));
	tcase_add_loop_test(tc, test_kv_rows, 0, sizeof(kv_rows) / sizeof(kv_rows[0]));
	tcase_add_loop_test(tc, test_pg_rows, 0, sizeof(pg_rows) / sizeof(pg_rows[0]));
	tcase_add_test(tc, test_pgaudit_out_all);
	tcase_add_loop_test(tc, test_syslog_rows, 0, sizeof(syslog_rows) / sizeof(syslog_rows[0]));
	tcase_add_test(tc, test_syslog_skip);
	tcase_add_loop_test(tc, test_detect_files, 0, sizeof(detect_rows) / sizeof(detect_rows[0]));
	tcase_add_test(tc, test_detect_specific);
	tcase_add_test(tc, test_detect_pgaudit_out);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_json_limits);
	tcase_add_test(tc, test_json_threads);
	tcase_add_test(tc, test_rule_formats);
	tcase_add_test(tc, test_rule_bad_group);
	tcase_add_test(tc, test_rule_pg_prefix);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(formats_suite)
