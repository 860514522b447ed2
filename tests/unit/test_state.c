/*
 * test_state.c - the state of incremental runs (state.h): the file round
 * trip (every byte of a path survives), a missing file is the first night,
 * refusal of another version, other rules, an edited or truncated file; and
 * st_plan() on a file that is the audited content, grew, or was replaced.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "state.h"
#include "testutil.h"

static const char D1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char D2[] = "2222222222222222222222222222222222222222222222222222222222222222";

static void make_state(struct st_state *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->digest, sizeof(s->digest), "%s", D1);
	s->n = 2;
	s->v = calloc(2, sizeof(*s->v));
	s->v[0] = (struct st_entry){ .dev = 2049, .ino = 123456789012ULL, .bytes = 5000000000ULL,
				     .lines = 77, .ends_nl = true };
	memcpy(s->v[0].sha256, D2, 65);
	memcpy(s->v[0].head, D1, 65);
	s->v[0].path = strdup(path);
	s->v[1] = (struct st_entry){ .dev = 1, .ino = 2, .bytes = 3, .lines = 1, .ends_nl = false };
	memcpy(s->v[1].sha256, D1, 65);
	memcpy(s->v[1].head, D2, 65);
	s->v[1].path = strdup("plain");
}

static char *tmp_path(void)
{
	char *p = tu_write_tmp("", 0);
	unlink(p);
	return p;
}

static const char *const paths[] = {
	"/var/log/api/access.log.2.gz",
	"/var/log/with space/and%percent\tand\ttab",
	"/var/log/ütf-8/\x7f\x01",
};

START_TEST(test_round_trip)
{
	struct st_state a, b;
	struct diag err;
	struct stat sb;
	char *path = tmp_path();

	make_state(&a, paths[_i]);
	ck_assert_int_eq(st_write(&a, path, &err), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	ck_assert_msg(st_read(path, D1, &b, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(b.n, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(a.v[i].dev, b.v[i].dev);
		ck_assert_uint_eq(a.v[i].ino, b.v[i].ino);
		ck_assert_uint_eq(a.v[i].bytes, b.v[i].bytes);
		ck_assert_uint_eq(a.v[i].lines, b.v[i].lines);
		ck_assert_int_eq(a.v[i].ends_nl, b.v[i].ends_nl);
		ck_assert_str_eq(a.v[i].sha256, b.v[i].sha256);
		ck_assert_str_eq(a.v[i].head, b.v[i].head);
		ck_assert_str_eq(a.v[i].path, b.v[i].path);
	}
	/* Other rules: refused, and nothing kept. */
	st_release(&b);
	ck_assert_int_eq(st_read(path, D2, &b, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "other rules"));
	ck_assert_uint_eq(b.n, 0);
	st_release(&a);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_missing_is_empty)
{
	struct st_state s;
	struct diag err;
	char *path = tmp_path();
	ck_assert_int_eq(st_read(path, D1, &s, &err), 0);
	ck_assert_uint_eq(s.n, 0);
	free(path);
}
END_TEST

/* Every damage of the file is refused with what is wrong. */
START_TEST(test_refused)
{
	struct st_state a, b;
	struct diag err;
	char *path = tmp_path(), *txt;
	struct bytes raw = { 0 };
	size_t n;

	make_state(&a, paths[0]);
	ck_assert_int_eq(st_write(&a, path, &err), 0);
	slurp(path, &raw);
	txt = (char *)raw.p;
	n = raw.n;
	struct { const char *from, *to, *msg; } cases[] = {
		{ "dpfaudit-state 1", "dpfaudit-state 2", "not a state of this version" },
		{ " 77 ", " 78 ", "checksum mismatch" },
		{ "plain", "plaiN", "checksum mismatch" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *e = strdup(txt), *at = strstr(e, cases[c].from);
		ck_assert_ptr_nonnull(at);
		memcpy(at, cases[c].to, strlen(cases[c].to));
		char *p = tu_write_tmp(e, n);
		ck_assert_int_eq(st_read(p, D1, &b, &err), -1);
		ck_assert_msg(strstr(err.msg, cases[c].msg), "%s", err.msg);
		unlink(p);
		free(p);
		free(e);
	}
	/* Truncated anywhere: refused. */
	for (size_t cut = 1; cut < n; cut += 7) {
		char *p = tu_write_tmp(txt, cut);
		ck_assert_msg(st_read(p, D1, &b, &err) == -1, "cut at %zu accepted", cut);
		unlink(p);
		free(p);
	}
	free(txt);
	st_release(&a);
	unlink(path);
	free(path);
}
END_TEST

/* An entry for the content of path as a run records it (through the input layer). */
static void entry_of(struct st_state *s, const char *path)
{
	struct diag err;
	struct inp *in = inp_open(path, &err);
	char buf[4096];
	size_t n;
	uint64_t lines = 0;
	struct stat sb;

	ck_assert_ptr_nonnull(in);
	inp_digest_output(in);
	while ((n = inp_read(in, buf, sizeof(buf))) > 0)
		for (size_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	struct st_entry *e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->ends_nl = inp_output_digests(in, e->sha256, e->head) == '\n';
	e->bytes = inp_produced(in);
	e->lines = lines + !e->ends_nl;
	stat(path, &sb);
	e->dev = sb.st_dev;
	e->ino = sb.st_ino;
	e->path = strdup(path);
	inp_close(in);
}

START_TEST(test_plan)
{
	struct st_state s = { .n = 0 };
	struct st_plan p[1];
	char *f = tu_write_tmp("a 1\nb 2\n", 8);
	const char *const v[] = { f };
	FILE *o;

	entry_of(&s, f);
	st_plan(&s, v, 1, p);
	ck_assert(p[0].resume == AUD_RESUME_SKIP);
	/* It grew: judged from line 3. */
	o = fopen(f, "a");
	fputs("c 3\n", o);
	fclose(o);
	st_plan(&s, v, 1, p);
	ck_assert_uint_eq(p[0].resume, 2);
	ck_assert_ptr_eq(p[0].from, &s.v[0]);
	/* Same file, other content (copytruncate): whole, and said. */
	o = fopen(f, "w");
	fputs("x 9\n", o);
	fclose(o);
	st_plan(&s, v, 1, p);
	ck_assert_uint_eq(p[0].resume, 0);
	ck_assert(p[0].unexplained);
	/* A last line without a newline is judged again once completed. */
	o = fopen(f, "w");
	fputs("a 1\nb 2", o);
	fclose(o);
	st_release(&s);
	entry_of(&s, f);
	ck_assert_uint_eq(s.v[0].lines, 2);
	o = fopen(f, "a");
	fputs("2\n", o);
	fclose(o);
	st_plan(&s, v, 1, p);
	ck_assert_uint_eq(p[0].resume, 1);
	st_release(&s);
	unlink(f);
	free(f);
}
END_TEST

static void grab(void *arg, const struct win_record *r)
{
	struct win_record *out = arg;
	*out = *r;
	/* Views die after the call: keep copies (the test frees them). */
	out->key = sv_make(strndup(r->key.p, r->key.n), r->key.n);
	out->evidence = sv_make(strndup(r->evidence.p, r->evidence.n), r->evidence.n);
	out->subject = sv_make(NULL, r->subject.n);
}

/* Window records survive the file byte for byte (spaces, '%', '=', controls, empty fields). */
START_TEST(test_windows_round_trip)
{
	struct st_state a, b;
	struct diag err;
	char *path = tmp_path();
	static const char ev[] = "10.0.0.1 - - [x] \"GET /a%20b=c HTTP/1.1\" 401 0 \x01\x7f end ";
	struct win_record r = { .kind = WIN_DENIED_SRC, .time = -5, .nsec = 123456789, .line = 42,
				.categories = 5, .file = 0, .role = -1 };
	struct win_record got;

	make_state(&a, paths[0]);
	a.windows = win_log_new();
	r.key = sv_make("10.0.0.1", 8);
	r.evidence = sv_make(ev, sizeof(ev) - 1);
	win_add_record(a.windows, &r);
	ck_assert_int_eq(st_write(&a, path, &err), 0);
	ck_assert_msg(st_read(path, D1, &b, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(b.windows);
	ck_assert_uint_eq(win_count(b.windows), 1);
	win_foreach(b.windows, grab, &got);
	ck_assert_int_eq(got.kind, WIN_DENIED_SRC);
	ck_assert_int_eq(got.time, -5);
	ck_assert_int_eq(got.nsec, 123456789);
	ck_assert_uint_eq(got.line, 42);
	ck_assert_uint_eq(got.categories, 5);
	ck_assert_int_eq(got.role, -1);
	ck_assert(sv_eq(got.key, r.key));
	ck_assert(sv_eq(got.evidence, r.evidence));
	ck_assert_uint_eq(got.subject.n, 0);
	free((char *)got.key.p);
	free((char *)got.evidence.p);
	st_release(&a);
	st_release(&b);
	unlink(path);
	free(path);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_round_trip, 0, sizeof(paths) / sizeof(paths[0]));
	tcase_add_test(tc, test_missing_is_empty);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_windows_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(state_suite)
