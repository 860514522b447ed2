/*
 * test_fuzz_regress.c - regressions for bugs found by fuzzing and by the
 * hostile-input tests (tests/fuzz/, tests/e2e/hostile.sh).  Each test names
 * the bug it pins; most only show under the sanitizers (configure with
 * SAN_CFLAGS, or tests/fuzz/run.sh, which also replays the saved inputs in
 * tests/fuzz/regress/), but each also checks the visible behaviour.
 */
#include "testutil.h"

#include "engine.h"
#include "event.h"
#include "expect.h"
#include "findings.h"
#include "format.h"
#include "input.h"
#include "policy.h"
#include "redact.h"
#include "rules.h"

/* ---- expect.c finish(): `# expect: none` before any id was stored --------
 * set->ids was NULL and finish() computed set->ids + 0: undefined behaviour
 * (UBSan: "applying zero offset to null pointer").  Found by fuzz_expect on
 * the annotated samples (tests/fuzz/regress/fuzz_expect/).
 */
static const struct {
	const char *text;
	size_t entries;		/* annotated lines */
	size_t ids0;		/* ids of the first entry */
} none_rows[] = {
	{ "# expect: none\nlog line\n", 1, 0 },
	{ "# expect: none\nlog line\n# expect: none\nlog line\n", 2, 0 },
	{ "# expect: none\nlog line\n# expect: no-business-reason\nlog line\n", 2, 0 },
	{ "# expect: no-business-reason\nlog line\n# expect: none\nlog line\n", 2, 1 },
};

START_TEST(expect_none_without_ids)
{
	struct pol_check check = { .id = "no-business-reason" };
	struct policy pol = { .checks = &check, .nchecks = 1 };
	struct exp_set set = EXP_SET_INIT;
	struct diag err;
	char *path = tu_write_tmp(none_rows[_i].text, strlen(none_rows[_i].text));

	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(exp_load(&set, path, &pol, &err), EXP_OK);
	ck_assert_uint_eq(set.n, none_rows[_i].entries);
	ck_assert_uint_eq(set.v[0].line, 2);
	ck_assert_uint_eq(set.v[0].n, none_rows[_i].ids0);
	ck_assert_ptr_eq(exp_find(&set, 0, 2), &set.v[0]);
	ck_assert(!exp_expects(&set, &set.v[0], 1));
	exp_release(&set);
	unlink(path);
	free(path);
}
END_TEST

/* ---- engine.c emit(): a finding's message cut at a NUL from the log -------
 * emit() took the message as a C string (sv_cstr), so a NUL quoted in it (a
 * user name with a raw NUL, a reason with %00) ended the message there:
 * "user mro" instead of "user mro\0ssi is no role's member and read email".
 * Found by tests/e2e/hostile.sh (NUL bytes inside lines).
 */
static const char RULES[] =
	"[category email]\n"
	"resource = ^/api/v1/customers/(?<subject>\\d+)/email\n"
	"[purpose support]\n"
	"reason = ^TICKET-\\d+$\n"
	"[role support-agent]\n"
	"members = mrossi\n"
	"may-read = email\n"
	"purposes = support\n";

#define L1 "10.0.0.7 - "
#define L2 " [27/Nov/2026:10:00:05 +0000] \"GET /api/v1/customers/4711/email"
#define L3 " HTTP/1.1\" 200 71"

static const struct {
	const char *name;
	const char *line;
	size_t len;		/* the line has NULs: explicit length */
	const char *check;
	const char *tail;	/* the message must end with this */
} nul_rows[] = {
	{ "NUL in the user", L1 "mro\0ssi" L2 L3, sizeof(L1 "mro\0ssi" L2 L3) - 1,
	  "unknown-identity", " is no role's member and read email" },
	{ "%00 in the reason", L1 "mrossi" L2 "?reason=T%00X" L3, sizeof(L1 "mrossi" L2 "?reason=T%00X" L3) - 1,
	  "no-business-reason", "' names no purpose" },
	{ "no NUL (control row)", L1 "mrossi" L2 "?reason=TX" L3, sizeof(L1 "mrossi" L2 "?reason=TX" L3) - 1,
	  "no-business-reason", "reason 'TX' names no purpose" },
};

START_TEST(engine_message_keeps_nul)
{
	struct diag err;
	char *rp = tu_write_tmp(RULES, sizeof(RULES) - 1);
	const char *paths[1] = { rp };
	struct policy *pol = rules_load(paths, 1, &err);
	ck_assert_msg(pol != NULL, "%s", err.msg);
	struct fmt_set *fs = fmt_set_new(pol, &err);
	ck_assert_msg(fs != NULL, "%s", err.msg);
	struct eng *e = eng_new(pol, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	struct eng_thread *et = eng_thread_new(e);
	struct fmt_thread *ft = fmt_thread_new();
	struct fnd_list out = FND_LIST_INIT;
	struct event ev;
	sv line = sv_make(nul_rows[_i].line, nul_rows[_i].len);

	ev_reset(&ev);
	ev.raw = line;
	ck_assert(fmt_parse(fmt_by_name(fs, "common"), line, &ev, ft));
	eng_classify(e, &ev, et);
	eng_judge(e, &ev, et, &out, NULL, NULL);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(pol->checks[out.v[0].check].id, nul_rows[_i].check);
	sv d = out.v[0].detail;
	size_t tl = strlen(nul_rows[_i].tail);
	ck_assert_msg(d.n >= tl && memcmp(d.p + d.n - tl, nul_rows[_i].tail, tl) == 0,
		      "%s: message cut short: '%.*s' (%zu bytes)", nul_rows[_i].name, (int)d.n, d.p, d.n);

	fnd_release(&out);
	fmt_thread_free(ft);
	eng_thread_free(et);
	eng_free(e);
	fmt_set_free(fs);
	policy_free(pol);
	unlink(rp);
	free(rp);
}
END_TEST

/* ---- redact.c mask_pattern(): a [redact] pattern that hit its match limit --
 * left the rest of the line unmasked (it stopped as on "no match"), so the
 * value the pattern exists to hide was shown in every report, silently.
 * Now it fails closed: from where the search stopped, the line is "***".
 */
static const char RED_RULES[] =
	"[redact]\n"
	"pattern = (?:a+)+=\\w+|token=\\w+\n";

static const struct {
	const char *name;
	const char *line;
	const char *want;	/* exact redacted text */
} red_rows[] = {
	{ "no limit: the match is masked", "GET /x?q=b&token=SECRET123 HTTP/1.1",
	  "GET /x?q=b&*** HTTP/1.1" },
	{ "limit hit before the secret: masked to the end",
	  "GET /x?q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!&token=SECRET123 HTTP/1.1", "***" },
	{ "empty line", "", "" },
};

START_TEST(redact_fails_closed_at_limit)
{
	struct diag err;
	char *rp = tu_write_tmp(RED_RULES, sizeof(RED_RULES) - 1);
	const char *paths[1] = { rp };
	struct policy *pol = rules_load(paths, 1, &err);
	ck_assert_msg(pol != NULL, "%s", err.msg);
	struct red *r = red_new(pol);
	struct buf out;
	buf_init(&out, 0);

	red_apply(r, sv_cstr(red_rows[_i].line), &out);
	ck_assert_msg(sv_eq_cstr(buf_sv(&out), red_rows[_i].want), "%s: got '%.*s'",
		      red_rows[_i].name, (int)out.len, out.p ? out.p : "");
	buf_release(&out);
	red_free(r);
	policy_free(pol);
	unlink(rp);
	free(rp);
}
END_TEST

/* ---- input.c isal_member_step(): output of a failing ISA-L call -----------
 * On an invalid lookback ("distance too far back") ISA-L had already copied
 * the match from before the output buffer; those bytes (not the stream:
 * heap memory) were returned as text and then skipped by the zlib replay.
 * Found by fuzz_gzip comparing the ISA-L and zlib backends.  Both backends
 * must return exactly the bytes zlib can decode, then the same damage.
 */
static const char *const backends[] = { NULL, "zlib" };

START_TEST(gzip_failing_inflate_returns_no_garbage)
{
	const char *path = SRCDIR "/tests/fuzz/regress/fuzz_gzip/isal-invalid-lookback-garbage";
	struct diag err;
	char buf[4096];
	size_t n, total = 0;
	uint64_t off;
	const char *msg;

	if (backends[_i])
		setenv("DPFAUDIT_INFLATE", backends[_i], 1);
	else
		unsetenv("DPFAUDIT_INFLATE");
	struct inp *in = inp_open(path, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	while ((n = inp_read(in, buf + total, sizeof(buf) - total)) > 0)
		total += n;
	ck_assert_msg(total == 5 && memcmp(buf, "helli", 5) == 0, "backend %s: %zu bytes",
		      backends[_i] ? backends[_i] : "default", total);
	ck_assert(inp_damaged(in, &off, &msg));
	ck_assert_uint_eq(off, 28);
	ck_assert_str_eq(msg, "invalid deflate data in member 1: invalid distance too far back");
	inp_close(in);
	unsetenv("DPFAUDIT_INFLATE");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, expect_none_without_ids, 0, sizeof(none_rows) / sizeof(none_rows[0]));
	tcase_add_loop_test(tc, engine_message_keeps_nul, 0, sizeof(nul_rows) / sizeof(nul_rows[0]));
	tcase_add_loop_test(tc, redact_fails_closed_at_limit, 0, sizeof(red_rows) / sizeof(red_rows[0]));
	tcase_add_loop_test(tc, gzip_failing_inflate_returns_no_garbage, 0,
			    sizeof(backends) / sizeof(backends[0]));
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
