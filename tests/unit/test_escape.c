/*
 * test_escape.c - every escaper against hostile bytes: quotes, controls,
 * NUL, invalid UTF-8 of every kind (truncated, overlong, surrogates, above
 * U+10FFFF, stray continuation bytes), formula prefixes.  Table-driven.
 */
#include "testutil.h"

#include "escape.h"

#define FFFD "\xEF\xBF\xBD"

typedef void (*esc_fn)(FILE *, sv);

struct row {
	const char *in;
	size_t n;	/* 0: strlen(in) */
	const char *want;
};

static char *run(esc_fn fn, const char *in, size_t n)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, sv_make(in, n ? n : strlen(in)));
	fclose(f);
	return p;
}

/* The buffer escapers, as esc_fn: the same bytes as the stream ones. */
static void via_buf(FILE *f, sv s, void (*to_buf)(struct buf *, sv))
{
	struct buf b = BUF_INIT;
	to_buf(&b, s);
	ck_assert_int_eq(b.err, 0);
	fwrite(b.p ? b.p : "", 1, b.len, f);
	buf_release(&b);
}
static void json_buf(FILE *f, sv s) { via_buf(f, s, esc_json_buf); }
static void csv_buf(FILE *f, sv s) { via_buf(f, s, esc_csv_buf); }

static void check_rows(esc_fn fn, const struct row *rows, size_t nrows, const char *what)
{
	for (size_t i = 0; i < nrows; i++) {
		char *got = run(fn, rows[i].in, rows[i].n);
		ck_assert_msg(strcmp(got, rows[i].want) == 0, "%s row %zu: got [%s] want [%s]",
			      what, i, got, rows[i].want);
		free(got);
	}
}

#define ROWS(r) (r), sizeof(r) / sizeof((r)[0])

/* Invalid UTF-8: one U+FFFD per maximal invalid subpart (same in every escaper). */
static const struct row utf8_rows[] = {
	{ "plain ascii", 0, "plain ascii" },
	{ "caf\xC3\xA9", 0, "caf\xC3\xA9" },			/* valid 2-byte */
	{ "\xE2\x82\xAC", 0, "\xE2\x82\xAC" },			/* valid 3-byte (euro) */
	{ "\xF0\x9F\x98\x80", 0, "\xF0\x9F\x98\x80" },		/* valid 4-byte */
	{ "\xF4\x8F\xBF\xBF", 0, "\xF4\x8F\xBF\xBF" },		/* U+10FFFF, the last */
	{ "a\xC3", 0, "a" FFFD },				/* truncated at end */
	{ "\xE2\x82" "A", 0, FFFD "A" },			/* truncated 3-byte */
	{ "\xF0\x9F\x98", 0, FFFD },				/* truncated 4-byte */
	{ "\x80", 0, FFFD },					/* stray continuation */
	{ "\xBF\xBF", 0, FFFD FFFD },
	{ "\xC0\x80", 0, FFFD FFFD },				/* overlong NUL */
	{ "\xC1\xBF", 0, FFFD FFFD },				/* overlong 2-byte */
	{ "\xE0\x80\xAF", 0, FFFD FFFD FFFD },			/* overlong 3-byte '/' */
	{ "\xF0\x80\x80\xAF", 0, FFFD FFFD FFFD FFFD },		/* overlong 4-byte */
	{ "\xED\xA0\x80", 0, FFFD FFFD FFFD },			/* high surrogate D800 */
	{ "\xED\xBF\xBF", 0, FFFD FFFD FFFD },			/* low surrogate DFFF */
	{ "\xED\x9F\xBF", 0, "\xED\x9F\xBF" },			/* U+D7FF is fine */
	{ "\xF4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD },		/* U+110000 */
	{ "\xF5\x80\x80\x80", 0, FFFD FFFD FFFD FFFD },		/* F5 never valid */
	{ "\xFE\xFF", 0, FFFD FFFD },
	{ "x\xFFy", 0, "x" FFFD "y" },
};

START_TEST(test_utf8_fix)
{
	for (size_t i = 0; i < sizeof(utf8_rows) / sizeof(utf8_rows[0]); i++) {
		struct buf b = BUF_INIT;
		const struct row *r = &utf8_rows[i];
		esc_utf8_fix(&b, sv_make(r->in, r->n ? r->n : strlen(r->in)));
		ck_assert_msg(b.len == strlen(r->want) && memcmp(b.p ? b.p : "", r->want, b.len) == 0,
			      "utf8 row %zu", i);
		buf_release(&b);
	}
}
END_TEST

START_TEST(test_utf8_invalid_in_every_escaper)
{
	/* Each escaper must keep valid sequences and replace invalid ones. */
	esc_fn fns[] = { esc_json, json_buf, esc_xml, esc_html, esc_markdown, esc_text };
	for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]); k++)
		check_rows(fns[k], ROWS(utf8_rows), "utf8");
}
END_TEST

START_TEST(test_utf8_next)
{
	static const struct {
		const char *in;
		size_t n;
		size_t len;
		int32_t cp;
	} rows[] = {
		{ "A", 1, 1, 'A' },
		{ "\0", 1, 1, 0 },
		{ "\xC3\xA9", 2, 2, 0xE9 },
		{ "\xC2\x80", 2, 2, 0x80 },
		{ "\xEF\xBF\xBD", 3, 3, 0xFFFD },
		{ "\xF0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xC3\xA9", 1, 1, -1 },		/* view ends mid-sequence */
		{ "\xE0\xA0", 2, 2, -1 },		/* maximal subpart of 2 */
		{ "\xE0\x9F\x80", 3, 1, -1 },		/* overlong: stops at the first byte */
		{ "\xED\xA0\x80", 3, 1, -1 },
		{ "\xF4\x90\x80\x80", 4, 1, -1 },
		{ "\xF0\x9F\x98" "A", 4, 3, -1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int32_t cp = 12345;
		size_t len = esc_utf8_next(rows[i].in, rows[i].n, &cp);
		ck_assert_msg(len == rows[i].len && cp == rows[i].cp, "row %zu: len %zu cp %d", i,
			      len, (int)cp);
	}
}
END_TEST

START_TEST(test_json)
{
	static const struct row rows[] = {
		{ "", 0, "" },
		{ "say \"hi\"", 0, "say \\\"hi\\\"" },
		{ "back\\slash", 0, "back\\\\slash" },
		{ "\n\r\t\b\f", 0, "\\n\\r\\t\\b\\f" },
		{ "a\0b", 3, "a\\u0000b" },
		{ "\x01\x1f", 0, "\\u0001\\u001f" },
		{ "\x1b[31m", 0, "\\u001b[31m" },
		{ "del\x7f", 0, "del\\u007f" },
		{ "\xE2\x80\xA8", 0, "\\u2028" },
		{ "\xE2\x80\xA9", 0, "\\u2029" },
		{ "</script>", 0, "</script>" },
		/* ASCII runs around what needs escaping (the writers' fast path) */
		{ "ab\"cd\\ef\x7fgh\xC3\xA9ij\xE2\x80\xA8kl\xFFmn", 0,
		  "ab\\\"cd\\\\ef\\u007fgh\xC3\xA9ij\\u2028kl" FFFD "mn" },
		{ "~ }", 0, "~ }" },
	};
	check_rows(esc_json, ROWS(rows), "json");
	check_rows(json_buf, ROWS(rows), "json into a buffer");
	char *s = run(esc_json_str, "a\"b", 0);
	ck_assert_str_eq(s, "\"a\\\"b\"");
	free(s);
	s = run(esc_json_str, "", 0);
	ck_assert_str_eq(s, "\"\"");
	free(s);
}
END_TEST

START_TEST(test_xml)
{
	static const struct row rows[] = {
		{ "<a href='x'>&</a>", 0, "&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;" },
		{ "\"q\"", 0, "&quot;q&quot;" },
		{ "a\0b", 3, "a" FFFD "b" },			/* NUL is not an XML char */
		{ "\x01\x08\x0b\x0c\x1f", 0, FFFD FFFD FFFD FFFD FFFD },
		{ "\t\n\r", 0, "&#9;&#10;&#13;" },		/* kept through attribute normalisation */
		{ "\xEF\xBF\xBE", 0, FFFD },			/* U+FFFE not allowed */
		{ "\xEF\xBF\xBF", 0, FFFD },			/* U+FFFF not allowed */
		{ "\xC2\x85", 0, FFFD },			/* C1 control */
		{ "]]>", 0, "]]&gt;" },
	};
	check_rows(esc_xml, ROWS(rows), "xml");
}
END_TEST

START_TEST(test_html)
{
	static const struct row rows[] = {
		{ "<script>alert('x')</script>", 0,
		  "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
		{ "\" onload=\"x", 0, "&quot; onload=&quot;x" },
		{ "a&amp;", 0, "a&amp;amp;" },
		{ "a\0b", 3, "a" FFFD "b" },
		{ "\x1b", 0, FFFD },
	};
	check_rows(esc_html, ROWS(rows), "html");
}
END_TEST

START_TEST(test_csv)
{
	static const struct row rows[] = {
		{ "", 0, "" },
		{ "plain", 0, "plain" },
		{ "a,b", 0, "\"a,b\"" },
		{ "say \"hi\"", 0, "\"say \"\"hi\"\"\"" },
		{ "two\nlines", 0, "\"two\nlines\"" },
		{ "cr\r", 0, "\"cr\r\"" },
		{ " padded", 0, "\" padded\"" },
		{ "=HYPERLINK(\"http://x\")", 0, "\"'=HYPERLINK(\"\"http://x\"\")\"" },
		{ "+1", 0, "\"'+1\"" },
		{ "-5", 0, "\"'-5\"" },
		{ "@SUM(A1)", 0, "\"'@SUM(A1)\"" },
		{ "\t=1", 0, "\"'\t=1\"" },
		{ "a=1", 0, "a=1" },				/* only a leading one is a formula */
		{ "nul\0x", 5, "nul" FFFD "x" },
		{ "\x1b", 0, FFFD },
		{ "caf\xC3\xA9", 0, "caf\xC3\xA9" },
		{ "bad\xFF", 0, "bad" FFFD },
		{ "a\"b\x7f\xC3\xA9" "c\xFF~", 0, "\"a\"\"b" FFFD "\xC3\xA9" "c" FFFD "~\"" },
	};
	check_rows(esc_csv, ROWS(rows), "csv");
	check_rows(csv_buf, ROWS(rows), "csv into a buffer");
}
END_TEST

START_TEST(test_markdown)
{
	static const struct row rows[] = {
		{ "a|b", 0, "a\\|b" },
		{ "back\\slash", 0, "back\\\\slash" },
		{ "two\nlines\r\n", 0, "two lines  " },
		{ "<img src=http://x/y.png>", 0, "&lt;img src=http://x/y.png&gt;" },
		{ "[click](http://x)", 0, "\\[click\\](http://x)" },
		{ "*bold* _em_ `code`", 0, "\\*bold\\* \\_em\\_ \\`code\\`" },
		{ "a&b", 0, "a&amp;b" },
		{ "a\0b", 3, "a" FFFD "b" },
	};
	check_rows(esc_markdown, ROWS(rows), "markdown");
}
END_TEST

START_TEST(test_text)
{
	static const struct row rows[] = {
		{ "GET /x HTTP/1.1", 0, "GET /x HTTP/1.1" },
		{ "\x1b[2J", 0, "\\x1B[2J" },			/* no terminal escapes */
		{ "a\0b", 3, "a\\x00b" },
		{ "tab\there", 0, "tab\\x09here" },
		{ "del\x7f", 0, "del\\x7F" },
		{ "\xC2\x9B" "31m", 0, "\\u009B31m" },		/* C1 CSI */
		{ "caf\xC3\xA9", 0, "caf\xC3\xA9" },
		{ "\xC0\xAF", 0, FFFD FFFD },
		/* direction controls: "\u202Eissorm" would display as "mrossi" */
		{ "\xE2\x80\xAEissorm", 0, "\\u202Eissorm" },
		{ "a\xE2\x80\xAA" "b\xE2\x80\xAD" "c", 0, "a\\u202Ab\\u202Dc" },
		{ "\xE2\x81\xA6x\xE2\x81\xA9", 0, "\\u2066x\\u2069" },
		{ "\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C", 0, "\\u200E\\u200F\\u061C" },
		{ "\xE2\x80\xA8", 0, "\\u2028" },		/* line separator */
		{ "\xE2\x80\xAF", 0, "\xE2\x80\xAF" },	/* U+202F narrow no-break space: shown */
	};
	check_rows(esc_text, ROWS(rows), "text");
}
END_TEST

static Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_utf8_next);
	tcase_add_test(tc, test_utf8_fix);
	tcase_add_test(tc, test_utf8_invalid_in_every_escaper);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_xml);
	tcase_add_test(tc, test_html);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_markdown);
	tcase_add_test(tc, test_text);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(escape_suite)
