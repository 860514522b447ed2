/*
 * test_jsonw.c - the JSON writer: commas and nesting at every level, both
 * layouts in pretty and compact style, strings through the one escaper
 * (controls, quotes, invalid UTF-8), misuse and depth overflow reported,
 * write errors seen by jw_error().
 */
#include "testutil.h"

#include "jsonw.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define FFFD "\xEF\xBF\xBD"

struct cap {
	char *p;
	size_t len;
	FILE *f;
	struct jw w;
};

static void cap_open(struct cap *c, int indent)
{
	c->p = NULL;
	c->len = 0;
	c->f = open_memstream(&c->p, &c->len);
	ck_assert_ptr_nonnull(c->f);
	jw_init(&c->w, c->f, indent);
}

/* Close the stream; assert the text written and that the writer is clean. */
static void cap_check(struct cap *c, const char *want)
{
	ck_assert_int_eq(jw_error(&c->w), JW_OK);
	ck_assert_int_eq(c->w.depth, 0);
	jw_done(&c->w);		/* a complete document: no BUG() */
	fclose(c->f);
	ck_assert_msg(strcmp(c->p, want) == 0, "got [%s]\nwant [%s]", c->p, want);
	free(c->p);
}

/* One document exercising every value kind and both layouts. */
static void sample_doc(struct jw *w)
{
	jw_object_begin(w, JW_BLOCK);
	jw_key(w, "s");
	jw_str(w, SV_LIT("x"));
	jw_key(w, "n");
	jw_int(w, -5);
	jw_key(w, "u");
	jw_uint(w, UINT64_MAX);
	jw_key(w, "row");
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "t");
	jw_bool(w, true);
	jw_key(w, "f");
	jw_bool(w, false);
	jw_key(w, "z");
	jw_null(w);
	jw_key(w, "e");
	jw_array_begin(w, JW_INLINE);
	jw_array_end(w);
	jw_key(w, "a");
	jw_array_begin(w, JW_INLINE);
	jw_raw(w, "1.5");
	jw_cstr(w, NULL);
	jw_cstr(w, "c");
	jw_array_end(w);
	jw_object_end(w);
	jw_key(w, "list");
	jw_array_begin(w, JW_BLOCK);
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "i");
	jw_uint(w, 0);
	jw_object_end(w);
	jw_object_begin(w, JW_INLINE);
	jw_object_end(w);
	jw_array_end(w);
	jw_key(w, "empty");
	jw_array_begin(w, JW_BLOCK);
	jw_array_end(w);
	jw_object_end(w);
}

START_TEST(test_pretty)
{
	struct cap c;

	cap_open(&c, 2);
	sample_doc(&c.w);
	cap_check(&c, "{\n"
		      "  \"s\": \"x\",\n"
		      "  \"n\": -5,\n"
		      "  \"u\": 18446744073709551615,\n"
		      "  \"row\": {\"t\": true, \"f\": false, \"z\": null, \"e\": [], "
		      "\"a\": [1.5, null, \"c\"]},\n"
		      "  \"list\": [\n"
		      "    {\"i\": 0},\n"
		      "    {}\n"
		      "  ],\n"
		      "  \"empty\": [\n"
		      "  ]\n"
		      "}");
}
END_TEST

START_TEST(test_pretty_indent_width)
{
	struct cap c;

	cap_open(&c, 4);
	jw_array_begin(&c.w, JW_BLOCK);
	jw_array_begin(&c.w, JW_BLOCK);
	jw_uint(&c.w, 1);
	jw_uint(&c.w, 2);
	jw_array_end(&c.w);
	jw_array_end(&c.w);
	cap_check(&c, "[\n    [\n        1,\n        2\n    ]\n]");
}
END_TEST

START_TEST(test_compact)
{
	struct cap c;

	cap_open(&c, 0);
	sample_doc(&c.w);
	/* Compact: no spaces; a block still puts members on lines of their own. */
	cap_check(&c, "{\n\"s\":\"x\",\n\"n\":-5,\n\"u\":18446744073709551615,\n"
		      "\"row\":{\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"a\":[1.5,null,\"c\"]},\n"
		      "\"list\":[\n{\"i\":0},\n{}\n],\n\"empty\":[\n]\n}");

	/* JSON Lines: inline only, one line per object. */
	cap_open(&c, 0);
	jw_object_begin(&c.w, JW_INLINE);
	jw_key(&c.w, "k");
	jw_array_begin(&c.w, JW_INLINE);
	jw_str(&c.w, SV_LIT("a"));
	jw_str(&c.w, SV_LIT("b"));
	jw_array_end(&c.w);
	jw_object_end(&c.w);
	cap_check(&c, "{\"k\":[\"a\",\"b\"]}");
}
END_TEST

START_TEST(test_members)
{
	struct cap c;

	cap_open(&c, 2);
	jw_object_begin(&c.w, JW_INLINE);
	jw_key_uint(&c.w, "n", 42);
	jw_key_bool(&c.w, "b", false);
	jw_key_cstr(&c.w, "s", "a\"b");
	jw_key_cstr(&c.w, "z", NULL);
	jw_object_end(&c.w);
	cap_check(&c, "{\"n\": 42, \"b\": false, \"s\": \"a\\\"b\", \"z\": null}");
}
END_TEST

START_TEST(test_strings_escaped)
{
	static const struct {
		const char *in;
		size_t n;
		const char *want;
	} rows[] = {
		{ "", 0, "\"\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },			/* NUL inside the view */
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
		{ "\x1b[2J", 4, "\"\\u001b[2J\"" },		/* a terminal sequence stays inert */
		{ "\xE2\x80\xA8", 3, "\"\\u2028\"" },		/* ends a line in JavaScript */
		{ "\xC3\xA9", 2, "\"\xC3\xA9\"" },		/* valid UTF-8 kept */
		{ "\xFF", 1, "\"" FFFD "\"" },			/* invalid byte */
		{ "\xC0\xAF", 2, "\"" FFFD FFFD "\"" },		/* overlong '/' */
		{ "\xED\xA0\x80", 3, "\"" FFFD FFFD FFFD "\"" },	/* surrogate */
		{ "x\xE2\x82", 3, "\"x" FFFD "\"" },		/* truncated at the end */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cap c;

		cap_open(&c, 2);
		jw_str(&c.w, sv_make(rows[i].in, rows[i].n));
		fflush(c.f);
		ck_assert_msg(c.len == strlen(rows[i].want) && !memcmp(c.p, rows[i].want, c.len),
			      "row %zu: got [%s] want [%s]", i, c.p, rows[i].want);
		cap_check(&c, rows[i].want);
	}
}
END_TEST

/*
 * Staged: the same bytes as direct writing, and none reach the stream
 * before jw_flush(), not even a string that needs escaping; the caller's
 * own bytes keep their place; a resumed container continues with or
 * without a comma.
 */
START_TEST(test_staged_and_resume)
{
	static const char whole1[] = "7 1\t{\"a\":\"plain\",\"b\":\"x\\ny" FFFD
				     "\",\"n\":-9223372036854775808,\"v\":[\"id1\"";
	struct buf stage = BUF_INIT;
	struct cap c;

	cap_open(&c, 0);
	jw_init_staged(&c.w, c.f, 0, &stage);
	buf_adds(&stage, "7 1\t");		/* a spool record's header */
	jw_object_begin(&c.w, JW_INLINE);
	jw_key(&c.w, "a");
	jw_str(&c.w, SV_LIT("plain"));
	jw_key(&c.w, "b");
	jw_str(&c.w, SV_LIT("x\ny\xFF"));	/* escaped into the stage */
	jw_key(&c.w, "n");
	jw_int(&c.w, INT64_MIN);
	jw_key(&c.w, "v");
	jw_array_begin(&c.w, JW_INLINE);
	jw_str(&c.w, SV_LIT("id1"));
	fflush(c.f);
	ck_assert_str_eq(c.p, "");	/* everything is still staged */
	jw_flush(&c.w);
	ck_assert_uint_eq(stage.len, 0);
	fflush(c.f);
	ck_assert_str_eq(c.p, whole1);

	/* The record continues later: the open object and array, an id written. */
	jw_init_staged(&c.w, c.f, 0, &stage);
	jw_object_resume(&c.w, true);
	jw_array_resume(&c.w, true);
	jw_str(&c.w, SV_LIT("id2"));
	jw_array_end(&c.w);
	jw_object_end(&c.w);
	buf_addc(&stage, '\n');
	jw_flush(&c.w);
	ck_assert_int_eq(c.w.depth, 0);
	/* An empty array resumed: its first member needs no comma. */
	jw_init_staged(&c.w, c.f, 0, &stage);
	jw_object_resume(&c.w, true);
	jw_array_resume(&c.w, false);
	jw_str(&c.w, SV_LIT("id3"));
	jw_array_end(&c.w);
	jw_object_end(&c.w);
	jw_flush(&c.w);
	ck_assert_int_eq(stage.err, 0);
	buf_release(&stage);
	cap_check(&c, "7 1\t{\"a\":\"plain\",\"b\":\"x\\ny" FFFD "\",\"n\":-9223372036854775808,"
		      "\"v\":[\"id1\",\"id2\"]}\n\"id3\"]}");
}
END_TEST

START_TEST(test_depth_overflow)
{
	struct cap c;
	int i;

	cap_open(&c, 0);
	for (i = 0; i < JW_MAX_DEPTH; i++)
		jw_array_begin(&c.w, JW_INLINE);
	ck_assert_int_eq(jw_error(&c.w), JW_OK);
	ck_assert_int_eq(c.w.depth, JW_MAX_DEPTH);
	jw_array_begin(&c.w, JW_INLINE);		/* one too many */
	ck_assert_int_eq(jw_error(&c.w), JW_EDEPTH);
	/* The writer stopped: nothing more is written, the error stays. */
	jw_uint(&c.w, 1);
	for (i = 0; i < JW_MAX_DEPTH; i++)
		jw_array_end(&c.w);
	ck_assert_int_eq(jw_error(&c.w), JW_EDEPTH);
	fclose(c.f);
	ck_assert_uint_eq(c.len, JW_MAX_DEPTH);
	for (i = 0; i < JW_MAX_DEPTH; i++)
		ck_assert_int_eq(c.p[i], '[');
	free(c.p);
}
END_TEST

START_TEST(test_misuse)
{
	struct cap c;

	/* A value in an object without its key. */
	cap_open(&c, 2);
	jw_object_begin(&c.w, JW_INLINE);
	jw_uint(&c.w, 1);
	ck_assert_int_eq(jw_error(&c.w), JW_EMISUSE);
	fclose(c.f);
	ck_assert_str_eq(c.p, "{");
	free(c.p);

	/* A key in an array; an end without a begin; the wrong end; a key without value. */
	cap_open(&c, 2);
	jw_array_begin(&c.w, JW_INLINE);
	jw_key(&c.w, "k");
	ck_assert_int_eq(jw_error(&c.w), JW_EMISUSE);
	fclose(c.f);
	free(c.p);

	cap_open(&c, 2);
	jw_array_end(&c.w);
	ck_assert_int_eq(jw_error(&c.w), JW_EMISUSE);
	fclose(c.f);
	free(c.p);

	cap_open(&c, 2);
	jw_array_begin(&c.w, JW_INLINE);
	jw_object_end(&c.w);
	ck_assert_int_eq(jw_error(&c.w), JW_EMISUSE);
	fclose(c.f);
	free(c.p);

	cap_open(&c, 2);
	jw_object_begin(&c.w, JW_INLINE);
	jw_key(&c.w, "k");
	jw_object_end(&c.w);
	ck_assert_int_eq(jw_error(&c.w), JW_EMISUSE);
	fclose(c.f);
	free(c.p);
}
END_TEST

START_TEST(test_write_error_remembered)
{
	FILE *f = fopen("/dev/full", "w");
	struct jw w;

	if (!f)
		ck_abort_msg("/dev/full: cannot open");
	setvbuf(f, NULL, _IONBF, 0);	/* every write reaches the device */
	jw_init(&w, f, 2);
	jw_array_begin(&w, JW_INLINE);
	jw_str(&w, SV_LIT("lost"));
	jw_array_end(&w);
	ck_assert_int_eq(w.depth, 0);
	ck_assert_int_eq(jw_error(&w), JW_EIO);
	fclose(f);
}
END_TEST

/* jw_done() in a child (it aborts by design; also under CK_FORK=no); whether it aborted. */
static bool done_aborts(void (*fill)(struct jw *))
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f = fopen("/dev/null", "w");
		struct jw w;

		if (!f)
			_exit(98);
		freopen("/dev/null", "w", stderr);	/* the BUG message */
		jw_init(&w, f, 2);
		fill(&w);
		jw_done(&w);
		_exit(0);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(!WIFEXITED(st) || WEXITSTATUS(st) != 98, "child: /dev/null");
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void fill_open(struct jw *w) { jw_array_begin(w, JW_INLINE); }
static void fill_keyless(struct jw *w)
{
	jw_object_begin(w, JW_INLINE);
	jw_null(w);
	jw_object_end(w);
}
static void fill_ok(struct jw *w)
{
	jw_object_begin(w, JW_INLINE);
	jw_key_uint(w, "k", 1);
	jw_object_end(w);
}

/* An emitter's mistake is a BUG() at the document's end, not a silent bad file. */
START_TEST(test_done_bug)
{
	ck_assert(done_aborts(fill_open));
	ck_assert(done_aborts(fill_keyless));
	ck_assert(!done_aborts(fill_ok));
}
END_TEST

static Suite *jsonw_suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pretty);
	tcase_add_test(tc, test_pretty_indent_width);
	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_strings_escaped);
	tcase_add_test(tc, test_staged_and_resume);
	tcase_add_test(tc, test_depth_overflow);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_write_error_remembered);
	tcase_add_test(tc, test_done_bug);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(jsonw_suite)
