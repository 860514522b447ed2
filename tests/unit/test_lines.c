/*
 * test_lines.c - lines.c: splitting, CR stripping, `wc -l` numbering,
 * overlong lines, NUL bytes, lines across buffer and member boundaries.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <zlib.h>

#include "input.h"
#include "lines.h"
#include "testutil.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct want {
	enum lr_status st;
	const char *s;	/* expected view; its length is n */
	size_t n;
	uint64_t full;	/* lr_linelen() */
};

#define L(s) { LR_LINE, s, sizeof(s) - 1, sizeof(s) - 1 }
#define OVER(s, full) { LR_OVERLONG, s, sizeof(s) - 1, full }

static const struct lcase {
	const char *name;
	const char *in;
	size_t inlen;
	size_t max;
	struct want out[6];
	int nout;
} lcases[] = {
#define IN(s) s, sizeof(s) - 1
	{ "empty input", IN(""), 0, { { 0 } }, 0 },
	{ "two lines", IN("a\nbb\n"), 0, { L("a"), L("bb") }, 2 },
	{ "no trailing newline", IN("a\nbb"), 0, { L("a"), L("bb") }, 2 },
	{ "only newline", IN("\n"), 0, { L("") }, 1 },
	{ "empty lines", IN("\n\nx\n\n"), 0, { L(""), L(""), L("x"), L("") }, 4 },
	{ "crlf", IN("a\r\nbb\r\n"), 0, { L("a"), L("bb") }, 2 },
	{ "crlf empty line", IN("\r\n\r\n"), 0, { L(""), L("") }, 2 },
	{ "one cr stripped only", IN("a\r\r\n"), 0, { L("a\r") }, 1 },
	{ "cr inside kept", IN("a\rb\n"), 0, { L("a\rb") }, 1 },
	{ "cr at eof stripped", IN("last\r"), 0, { L("last") }, 1 },
	{ "lone cr", IN("\r"), 0, { L("") }, 1 },
	{ "nul inside", IN("x\0y\n\0\n"), 0, { L("x\0y"), L("\0") }, 2 },
	{ "exactly max", IN("abcd\nz\n"), 4, { L("abcd"), L("z") }, 2 },
	{ "exactly max with crlf", IN("abcd\r\nz\n"), 4, { L("abcd"), L("z") }, 2 },
	{ "exactly max at eof", IN("abcd"), 4, { L("abcd") }, 1 },
	{ "exactly max + cr at eof", IN("abcd\r"), 4, { L("abcd") }, 1 },
	{ "max + 1", IN("abcde\nz\n"), 4, { OVER("abcd", 5), L("z") }, 2 },
	{ "max + 1 with crlf", IN("abcde\r\nz\r\n"), 4, { OVER("abcd", 5), L("z") }, 2 },
	{ "max + 1 at eof", IN("abcde"), 4, { OVER("abcd", 5) }, 1 },
	{ "long at eof with cr", IN("abcdefgh\r"), 4, { OVER("abcd", 8) }, 1 },
	{ "long then short", IN("abcdefghijklmnopqrstuvwxyz\n12\n"), 4,
	  { OVER("abcd", 26), L("12") }, 2 },
	{ "two long", IN("0123456789\n\nabcdefghij\r\n"), 3,
	  { OVER("012", 10), L(""), OVER("abc", 10) }, 3 },
	{ "max 1", IN("a\nbc\n\n"), 1, { L("a"), OVER("b", 2), L("") }, 3 },
#undef IN
};

/*
 * A lender (lr_new_lent) that never reuses a buffer: every buffer stays
 * allocated to the end of the test, so a line view kept past the next
 * call shows whether the reader wrote over a line it had returned, in the
 * buffer it reads into or in one it had put back.
 */
struct tlend {
	char *bufs[1024];
	bool put[1024];
	size_t n, cap;
	unsigned puts;
};

static char *tl_get(void *arg)
{
	struct tlend *t = arg;
	ck_assert_uint_lt(t->n, 1024);
	t->bufs[t->n] = malloc(t->cap);
	ck_assert_ptr_nonnull(t->bufs[t->n]);
	return t->bufs[t->n++];
}

static void tl_put(void *arg, char *b)
{
	struct tlend *t = arg;
	size_t i = 0;
	while (i < t->n && t->bufs[i] != b)
		i++;
	ck_assert_msg(i < t->n && !t->put[i], "put of a buffer not lent or put twice");
	t->put[i] = true;
	t->puts++;
}

/* A line reader with its own buffer (t NULL) or with t's lent ones. */
static struct lr *open_lr(struct inp *in, size_t max, struct tlend *t)
{
	if (!t)
		return lr_new(in, max);
	memset(t, 0, sizeof(*t));
	t->cap = lr_bufsize(max);
	return lr_new_lent(in, max, &(struct lr_lender){ tl_get, tl_put, t });
}

/* A line view lies in the buffer most recently lent. */
static bool in_last(const struct tlend *t, sv line)
{
	if (!t->n)
		return false;
	uintptr_t p = (uintptr_t)line.p, b = (uintptr_t)t->bufs[t->n - 1];
	return p >= b && p + line.n <= b + t->cap;
}

/* After lr_free(): every buffer lent was put back once; free them. */
static void tl_done(struct tlend *t)
{
	ck_assert_uint_eq(t->puts, t->n);
	for (size_t i = 0; i < t->n; i++)
		free(t->bufs[i]);
}

static struct inp *open_bytes(const void *data, size_t n, char **path)
{
	struct diag err;
	struct inp *in;

	*path = tu_write_tmp(data, n);
	ck_assert_ptr_nonnull(*path);
	in = inp_open(*path, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	return in;
}

static void close_bytes(struct inp *in, char *path)
{
	inp_close(in);
	unlink(path);
	free(path);
}

/* _i >= NELEM(lcases): the same with lent buffers, every line kept to the end. */
START_TEST(test_table)
{
	const struct lcase *c = &lcases[_i % NELEM(lcases)];
	struct tlend tl;
	bool lent = _i >= NELEM(lcases);
	char *path;
	struct inp *in = open_bytes(c->in, c->inlen, &path);
	struct lr *r = open_lr(in, c->max, lent ? &tl : NULL);
	enum lr_status st;
	sv line, kept[6];
	int k;

	ck_assert_ptr_nonnull(r);
	for (k = 0; k < c->nout; k++) {
		const struct want *w = &c->out[k];

		st = lr_next(r, &line);
		ck_assert_msg(st == w->st, "%s: line %d: status %d, want %d", c->name, k + 1, st,
			      w->st);
		ck_assert_msg(line.n == w->n && memcmp(line.p, w->s, w->n) == 0,
			      "%s: line %d: got %zu bytes '%.*s'", c->name, k + 1, line.n,
			      (int)line.n, line.p);
		ck_assert_uint_eq(lr_lineno(r), (uint64_t)k + 1);
		ck_assert_msg(lr_linelen(r) == w->full, "%s: line %d: linelen %llu, want %llu",
			      c->name, k + 1, (unsigned long long)lr_linelen(r),
			      (unsigned long long)w->full);
		if (lent && st == LR_LINE)
			ck_assert_msg(in_last(&tl, line), "%s: line %d not in the lent buffer",
				      c->name, k + 1);
		kept[k] = line;
	}
	ck_assert_int_eq(lr_next(r, &line), LR_EOF);
	ck_assert_int_eq(lr_next(r, &line), LR_EOF);	/* and stays there */
	ck_assert_uint_eq(lr_lineno(r), (uint64_t)c->nout);
	for (k = 0; lent && k < c->nout; k++)
		if (c->out[k].st == LR_LINE)
			ck_assert_msg(memcmp(kept[k].p, c->out[k].s, c->out[k].n) == 0,
				      "%s: line %d changed after it was returned", c->name, k + 1);
	lr_free(r);
	if (lent)
		tl_done(&tl);
	close_bytes(in, path);
}
END_TEST

/* `wc -l` of the bytes, plus one for a last line without a newline. */
static uint64_t wc_l_plus(const unsigned char *p, size_t n)
{
	uint64_t count = 0;
	size_t i;

	for (i = 0; i < n; i++)
		count += p[i] == '\n';
	return count + (n > 0 && p[n - 1] != '\n');
}

/* Decode a whole file with zlib's own gz reader (multi-member aware). */
static unsigned char *gz_slurp(const char *path, size_t *n)
{
	gzFile g = gzopen(path, "rb");
	unsigned char *p = NULL;
	size_t cap = 0;
	int got;

	ck_assert_ptr_nonnull(g);
	*n = 0;
	for (;;) {
		if (cap - *n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			p = realloc(p, cap);
			ck_assert_ptr_nonnull(p);
		}
		got = gzread(g, p + *n, 65536);
		ck_assert_int_ge(got, 0);
		if (got == 0)
			break;
		*n += (size_t)got;
	}
	gzclose(g);
	return p;
}

static const char *const real_files[] = {
	"logs/elastic-apache_logs",
	"logs/lnav/logfile_crlf.0",
	"logs/lnav/logfile_invalid_utf8.0",
	"logs/lnav/logfile_shop_access_log.0",
	"logs/pgaudit/pgaudit.out",
	"gzip/flate2-rs/good-file.gz",
	"gzip/flate2-rs/multi.gz",
	"gzip/go-gunzip-vectors/05-gettysburg.gz",
};

/*
 * Numbering is `zcat FILE | wc -l` (+1 without a final newline), and every
 * line is found where sed -n Np would find it.
 */
START_TEST(test_wc_l_real_files)
{
	char path[1024];
	struct diag err;
	struct inp *in;
	struct lr *r;
	unsigned char *all;
	size_t n, at = 0;
	enum lr_status st;
	sv line;

	snprintf(path, sizeof(path), SHARED_TESTDATA "/%s", real_files[_i]);
	all = gz_slurp(path, &n);	/* gzread passes plain files through */
	ck_assert_uint_gt(n, 0);
	in = inp_open(path, &err);
	ck_assert_msg(in != NULL, "%s", err.msg);
	r = lr_new(in, 0);
	ck_assert_ptr_nonnull(r);
	while ((st = lr_next(r, &line)) != LR_EOF) {
		const unsigned char *nl = memchr(all + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (all + at)) : n - at;

		ck_assert_int_eq(st, LR_LINE);
		if (len && all[at + len - 1] == '\r')
			len--;
		ck_assert_uint_eq(line.n, len);
		ck_assert(memcmp(line.p, all + at, len) == 0);
		at = nl ? (size_t)(nl - all) + 1 : n;
	}
	ck_assert_uint_eq(at, n);
	ck_assert_uint_eq(lr_lineno(r), wc_l_plus(all, n));
	ck_assert(!inp_damaged(in, NULL, NULL));
	lr_free(r);
	inp_close(in);
	free(all);
}
END_TEST

/* A reproducible pseudo-random line: length 0..399, CRLF now and then. */
static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static size_t gen_line(uint32_t *seed, char *buf, bool *crlf)
{
	size_t len = next_rand(seed) % 400, i;

	for (i = 0; i < len; i++)
		buf[i] = (char)('!' + next_rand(seed) % 90);
	if (len && next_rand(seed) % 7 == 0)
		buf[len / 2] = '\0';
	*crlf = next_rand(seed) % 5 == 0;
	return len;
}

/*
 * Megabytes of lines of every length around max_len = 300, as plain text
 * and as gzip, so lines straddle the reader's buffer and inflate's output;
 * _i 2 and 3 the same with lent buffers (each 64 KiB + 302 bytes: many
 * handovers), every line kept and checked again at the end.
 */
START_TEST(test_boundaries)
{
	const size_t max = 300;
	const int nlines = 40000;
	size_t cap = 16u << 20, n = 0, len;
	char *data = malloc(cap), *path, line[512];
	uint32_t seed = 7;
	bool crlf, gz = _i % 2 == 1, lent = _i >= 2;
	struct tlend *tl = lent ? malloc(sizeof(*tl)) : NULL;
	sv *kept = calloc((size_t)nlines, sizeof(*kept));
	struct inp *in;
	struct lr *r;
	enum lr_status st;
	sv got;
	int k;

	ck_assert_ptr_nonnull(data);
	for (k = 0; k < nlines; k++) {
		len = gen_line(&seed, data + n, &crlf);
		n += len;
		if (crlf)
			data[n++] = '\r';
		data[n++] = '\n';
	}
	if (gz) {
		uLongf zn = compressBound(n) + 64;
		unsigned char *z = malloc(zn);
		z_stream zs;

		memset(&zs, 0, sizeof(zs));
		ck_assert_int_eq(deflateInit2(&zs, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
		zs.next_in = (unsigned char *)data;
		zs.avail_in = (uInt)n;
		zs.next_out = z;
		zs.avail_out = (uInt)zn;
		ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
		in = open_bytes(z, zs.total_out, &path);
		deflateEnd(&zs);
		free(z);
	} else {
		in = open_bytes(data, n, &path);
	}
	ck_assert_uint_gt(n, 4 * INP_BUFSZ);
	r = open_lr(in, max, tl);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(kept);
	seed = 7;
	for (k = 0; k < nlines; k++) {
		len = gen_line(&seed, line, &crlf);
		st = lr_next(r, &got);
		ck_assert_uint_eq(lr_lineno(r), (uint64_t)k + 1);
		ck_assert_uint_eq(lr_linelen(r), len);
		if (len > max) {
			ck_assert_int_eq(st, LR_OVERLONG);
			ck_assert_uint_eq(got.n, max);
		} else {
			ck_assert_int_eq(st, LR_LINE);
			ck_assert_uint_eq(got.n, len);
			if (lent)
				ck_assert(in_last(tl, got));
			kept[k] = got;
		}
		ck_assert_msg(memcmp(got.p, line, got.n) == 0, "line %d differs", k + 1);
	}
	ck_assert_int_eq(lr_next(r, &got), LR_EOF);
	if (lent) {
		ck_assert_uint_gt(tl->n, 50);
		seed = 7;
		for (k = 0; k < nlines; k++) {
			len = gen_line(&seed, line, &crlf);
			ck_assert_msg(len > max || memcmp(kept[k].p, line, len) == 0,
				      "line %d changed after it was returned", k + 1);
		}
	}
	lr_free(r);
	if (lent)
		tl_done(tl);
	close_bytes(in, path);
	free(data);
	free(tl);
	free(kept);
}
END_TEST

/*
 * 20 MiB without a newline: capped, counted, skipped, never buffered.
 * _i 1: with lent buffers, the line before it is intact after it.
 */
START_TEST(test_huge_line)
{
	struct tlend *tl = _i ? malloc(sizeof(*tl)) : NULL;
	sv first;
	const size_t huge = 20u << 20;
	FILE *f;
	char tmpl[] = "/tmp/dpftest.XXXXXX";
	static char block[65536];
	size_t done;
	struct diag err;
	struct inp *in;
	struct lr *r;
	sv line;
	int fd;

	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_ptr_nonnull(f);
	fputs("first\n", f);
	memset(block, 'q', sizeof(block));
	for (done = 0; done < huge; done += sizeof(block))
		fwrite(block, 1, sizeof(block), f);
	fputs("\r\nafter\nlast", f);
	fclose(f);

	in = inp_open(tmpl, &err);
	ck_assert_ptr_nonnull(in);
	r = open_lr(in, 1024, tl);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(lr_next(r, &line), LR_LINE);
	ck_assert(sv_eq_cstr(line, "first"));
	first = line;
	ck_assert_int_eq(lr_next(r, &line), LR_OVERLONG);
	ck_assert_uint_eq(lr_lineno(r), 2);
	ck_assert_uint_eq(line.n, 1024);
	ck_assert(line.p[0] == 'q' && line.p[1023] == 'q');
	ck_assert_uint_eq(lr_linelen(r), huge);
	ck_assert_int_eq(lr_next(r, &line), LR_LINE);
	ck_assert(sv_eq_cstr(line, "after"));
	ck_assert_uint_eq(lr_lineno(r), 3);
	ck_assert_int_eq(lr_next(r, &line), LR_LINE);
	ck_assert(sv_eq_cstr(line, "last"));
	ck_assert_uint_eq(lr_lineno(r), 4);
	ck_assert_int_eq(lr_next(r, &line), LR_EOF);
	if (tl)
		ck_assert(sv_eq_cstr(first, "first"));
	lr_free(r);
	if (tl)
		tl_done(tl);
	free(tl);
	inp_close(in);
	unlink(tmpl);
}
END_TEST

/* A pipe delivering 1-3 bytes per read: the same lines, the same numbers. */
START_TEST(test_trickle_pipe)
{
	static const char text[] = "alpha\r\n\nbeta gamma\nx\0y\nno newline";
	static const char *const want[] = { "alpha", "", "beta gamma", "x\0y", "no newline" };
	static const size_t wantn[] = { 5, 0, 10, 3, 10 };
	int fds[2], status, k;
	pid_t pid;
	size_t i;
	struct diag err;
	struct inp *in;
	struct lr *r;
	sv line;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		for (i = 0; i < sizeof(text) - 1; i += 2) {
			size_t m = sizeof(text) - 1 - i < 2 ? 1 : 2;
			if (write(fds[1], text + i, m) != (ssize_t)m)
				_exit(1);
			nanosleep(&(struct timespec){ 0, 200000 }, NULL);
		}
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_ge(dup2(fds[0], STDIN_FILENO), 0);
	close(fds[0]);
	in = inp_open("-", &err);
	ck_assert_ptr_nonnull(in);
	r = lr_new(in, 0);
	for (k = 0; k < NELEM(want); k++) {
		ck_assert_int_eq(lr_next(r, &line), LR_LINE);
		ck_assert_uint_eq(line.n, wantn[k]);
		ck_assert(memcmp(line.p, want[k], wantn[k]) == 0);
		ck_assert_uint_eq(lr_lineno(r), (uint64_t)k + 1);
	}
	ck_assert_int_eq(lr_next(r, &line), LR_EOF);
	lr_free(r);
	inp_close(in);
	waitpid(pid, &status, 0);
}
END_TEST

/* A truncated gzip: every decoded line is still returned, then EOF. */
START_TEST(test_damaged_input_lines)
{
	static const char text[] = "one\ntwo\nthree\nfour\n";
	unsigned char z[256];
	uLongf zn;
	z_stream zs;
	char *path;
	struct inp *in;
	struct lr *r;
	sv line;
	int k = 0;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = sizeof(text) - 1;
	zs.next_out = z;
	zs.avail_out = sizeof(z);
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	zn = zs.total_out;
	deflateEnd(&zs);
	in = open_bytes(z, zn - 4, &path);	/* ISIZE cut off */
	r = lr_new(in, 0);
	while (lr_next(r, &line) != LR_EOF)
		k++;
	ck_assert_int_eq(k, 4);
	ck_assert_uint_eq(lr_lineno(r), 4);
	ck_assert(inp_damaged(in, NULL, NULL));
	lr_free(r);
	close_bytes(in, path);
}
END_TEST

static Suite *lines_suite(void)
{
	Suite *s = suite_create("lines");
	TCase *tc = tcase_create("lines");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_table, 0, 2 * NELEM(lcases));
	tcase_add_loop_test(tc, test_wc_l_real_files, 0, NELEM(real_files));
	tcase_add_loop_test(tc, test_boundaries, 0, 4);
	tcase_add_loop_test(tc, test_huge_line, 0, 2);
	tcase_add_test(tc, test_trickle_pipe);
	tcase_add_test(tc, test_damaged_input_lines);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(lines_suite)
