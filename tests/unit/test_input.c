/*
 * test_input.c - input.c (file/stdin, gzip detection and damage) and
 * digest.c, against the outside world's gzip test vectors in
 * SHARED_TESTDATA/gzip and against damage we make ourselves.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>
#include <zlib.h>

#include "digest.h"
#include "input.h"
#include "testutil.h"

#define GZDIR SHARED_TESTDATA "/gzip"

/* A growable byte array: test code only. */
struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		ck_assert_ptr_nonnull(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void bytes_adds(struct bytes *b, const char *s)
{
	bytes_add(b, s, strlen(s));
}

static void bytes_zeros(struct bytes *b, size_t n)
{
	while (n--)
		bytes_add(b, "", 1);
}

/* Append one gzip member holding data. */
static void gz_member(struct bytes *out, const void *data, size_t n)
{
	z_stream zs;
	unsigned char chunk[4096];
	int ret;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		ret = deflate(&zs, Z_FINISH);
		ck_assert(ret == Z_OK || ret == Z_STREAM_END);
		bytes_add(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&zs);
}

static void gz_members(struct bytes *out, const char *s)
{
	gz_member(out, s, strlen(s));
}

/* Everything one read of an input tells us. */
struct result {
	bool opened;
	struct bytes out;
	enum inp_kind kind;
	bool damaged;
	uint64_t off;
	char msg[DIAG_MAX];
	unsigned members;
	uint64_t produced, consumed;
	char sha[65];
};

static void result_free(struct result *r)
{
	free(r->out.p);
	memset(r, 0, sizeof(*r));
}

/* Read path to the end with reads of chunk bytes. */
static void read_path(const char *path, size_t chunk, struct result *r)
{
	struct diag err;
	struct inp *in;
	char *buf = malloc(chunk);
	const char *msg = NULL;
	size_t got;
	int guard = 0;

	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(buf);
	in = inp_open(path, &err);
	if (!in) {
		snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
		free(buf);
		return;
	}
	r->opened = true;
	r->kind = inp_kind(in);
	while ((got = inp_read(in, buf, chunk)) > 0) {
		ck_assert_uint_le(got, chunk);
		bytes_add(&r->out, buf, got);
	}
	/* End of stream is sticky. */
	for (guard = 0; guard < 3; guard++)
		ck_assert_uint_eq(inp_read(in, buf, chunk), 0);
	r->damaged = inp_damaged(in, &r->off, &msg);
	if (r->damaged) {
		ck_assert_ptr_nonnull(msg);
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	}
	r->members = inp_members(in);
	r->produced = inp_produced(in);
	r->consumed = inp_consumed(in);
	snprintf(r->sha, sizeof(r->sha), "%s", inp_sha256(in));
	ck_assert_uint_eq(r->produced, r->out.n);
	inp_close(in);
	free(buf);
}

static void read_bytes(const void *data, size_t n, size_t chunk, struct result *r)
{
	char *path = tu_write_tmp(data, n);

	ck_assert_ptr_nonnull(path);
	read_path(path, chunk, r);
	unlink(path);
	free(path);
}

static void slurp(const char *path, struct bytes *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		bytes_add(b, chunk, got);
	fclose(f);
}

static const size_t chunks[] = { 1, 3, 4096, INP_BUFSZ };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

/* ---- Go's gunzip test table (vectors.json) ---- */

/* Which of our messages fits Go's error (a damage of the right kind). */
static bool go_error_matches(const char *goerr, const char *msg)
{
	if (strcmp(goerr, "ErrChecksum") == 0)
		return strstr(msg, "crc mismatch") || strstr(msg, "length (isize) mismatch");
	if (strcmp(goerr, "io.ErrUnexpectedEOF") == 0)
		return strstr(msg, "unexpected end of gzip stream") != NULL;
	if (strcmp(goerr, "ErrHeader") == 0)
		return strstr(msg, "trailing garbage") || strstr(msg, "invalid gzip header");
	return false;
}

START_TEST(test_go_vectors)
{
	json_error_t jerr;
	json_t *root = json_load_file(GZDIR "/go-gunzip-vectors/vectors.json", 0, &jerr);
	size_t i, c, ncases = 0;

	ck_assert_msg(root != NULL, "vectors.json: %s", jerr.text);
	ck_assert(json_is_array(root));
	ck_assert_uint_ge(json_array_size(root), 13);
	for (i = 0; i < json_array_size(root); i++) {
		json_t *v = json_array_get(root, i);
		const char *file = json_string_value(json_object_get(v, "file"));
		json_t *jout = json_object_get(v, "expected_output");
		json_t *jerrv = json_object_get(v, "expected_error");
		const char *goerr = json_is_string(jerrv) ? json_string_value(jerrv) : NULL;
		bool want_clean = !goerr || strcmp(goerr, "nil") == 0;
		json_t *jsize = json_object_get(v, "size");
		char path[1024];

		ck_assert_ptr_nonnull(file);
		if (strcmp(file, "truncated-streams-base.gz") == 0)
			continue;	/* test_truncated_prefixes */
		snprintf(path, sizeof(path), GZDIR "/go-gunzip-vectors/%s", file);
		for (c = 0; c < NCHUNKS; c++) {
			struct result r;

			read_path(path, chunks[c], &r);
			ck_assert_msg(r.opened, "%s: %s", file, r.msg);
			ck_assert_int_eq(r.kind, INP_GZIP);
			if (want_clean)
				ck_assert_msg(!r.damaged, "%s (chunk %zu): unexpected damage at %llu: %s",
					      file, chunks[c], (unsigned long long)r.off, r.msg);
			else
				ck_assert_msg(r.damaged && go_error_matches(goerr, r.msg),
					      "%s (chunk %zu): want %s, got %s", file, chunks[c],
					      goerr, r.damaged ? r.msg : "clean");
			if (r.damaged)
				ck_assert_uint_le(r.off, (uint64_t)json_integer_value(jsize));
			if (json_is_string(jout)) {
				const char *want = json_string_value(jout);
				ck_assert_msg(r.out.n == strlen(want) &&
						      memcmp(r.out.p ? (char *)r.out.p : "", want, r.out.n) == 0,
					      "%s (chunk %zu): decoded output differs", file, chunks[c]);
			}
			/* A whole-file digest, damaged or not. */
			{
				char hex[65];
				ck_assert_int_eq(dg_sha256_file(path, hex, NULL), 0);
				ck_assert_str_eq(r.sha, hex);
			}
			result_free(&r);
		}
		ncases++;
	}
	ck_assert_uint_eq(ncases, json_array_size(root) - 1);
	json_decref(root);
}
END_TEST

/* Go's TestTruncatedStreams: the whole stream is good, every cut is damage. */
START_TEST(test_truncated_prefixes)
{
	struct bytes b = { 0 };
	struct result r;
	size_t i;

	slurp(GZDIR "/go-gunzip-vectors/truncated-streams-base.gz", &b);
	ck_assert_uint_eq(b.n, 41);
	read_bytes(b.p, b.n, 4096, &r);
	ck_assert_msg(!r.damaged, "full stream: %s", r.msg);
	ck_assert_uint_eq(r.members, 1);
	ck_assert_uint_gt(r.out.n, 0);
	result_free(&r);
	for (i = 1; i < b.n; i++) {
		read_bytes(b.p, i, 4096, &r);
		ck_assert_int_eq(r.kind, INP_GZIP);
		ck_assert_msg(r.damaged, "prefix of %zu bytes read as clean", i);
		ck_assert_msg(strstr(r.msg, "unexpected end of gzip stream"), "prefix %zu: %s", i,
			      r.msg);
		ck_assert_uint_eq(r.off, i);
		ck_assert_uint_eq(r.members, 0);
		result_free(&r);
	}
	free(b.p);
}
END_TEST

/* Go's issue 6550: reserved header flags; must fail, not hang. */
START_TEST(test_go_issue6550)
{
	struct result r;

	read_path(GZDIR "/go-gunzip-vectors/issue6550.gz", 4096, &r);
	ck_assert(r.opened);
	ck_assert(r.damaged);
	ck_assert_msg(strstr(r.msg, "invalid gzip header in member 1"), "%s", r.msg);
	ck_assert_uint_le(r.off, 16);
	ck_assert_uint_eq(r.out.n, 0);
	ck_assert_uint_eq(r.consumed, 65536);	/* read to the end for the digest */
	result_free(&r);
}
END_TEST

/* ---- other projects' files, with their plain text ---- */

static const struct {
	const char *gz, *txt;
	unsigned members;
} pairs[] = {
	{ "flate2-rs/multi.gz", "flate2-rs/multi.txt", 2 },
	{ "flate2-rs/good-file.gz", "flate2-rs/good-file.txt", 1 },
	{ "cpython/read_with_extra.gz", NULL, 1 },
};

START_TEST(test_known_files)
{
	char gz[1024], txt[1024];
	struct bytes want = { 0 };
	struct result r;
	size_t c;

	snprintf(gz, sizeof(gz), GZDIR "/%s", pairs[_i].gz);
	if (pairs[_i].txt) {
		snprintf(txt, sizeof(txt), GZDIR "/%s", pairs[_i].txt);
		slurp(txt, &want);
	} else {
		bytes_adds(&want, "Test");	/* CPython's test reads b'Test' */
	}
	for (c = 0; c < NCHUNKS; c++) {
		read_path(gz, chunks[c], &r);
		ck_assert_msg(!r.damaged, "%s: %s", gz, r.msg);
		ck_assert_int_eq(r.kind, INP_GZIP);
		ck_assert_uint_eq(r.members, pairs[_i].members);
		ck_assert_uint_eq(r.out.n, want.n);
		ck_assert(memcmp(r.out.p, want.p, want.n) == 0);
		result_free(&r);
	}
	free(want.p);
}
END_TEST

/* ---- damage we make ourselves ---- */

enum tail {
	T_NONE,
	T_ZEROS,	/* 1000 zero bytes: padding */
	T_JUNK,	/* "junk!" */
	T_ZEROS_JUNK,	/* 7 zeros, then "x" */
	T_ZEROS_MEMBER,	/* 7 zeros, then another member */
	T_1F,	/* a lone 1f */
	T_1F8B,	/* 1f 8b */
	T_BADMETHOD,	/* 1f 8b 07 ...: a header with method 7 */
	T_SPACE,	/* " \n" a text-ish tail */
};

static const struct tail_case {
	const char *name;
	enum tail tail;
	bool damaged;
	const char *msg;
	int off_delta;	/* damage offset - size of the good members */
	int off_from_end;	/* 1: offset is the file size */
} tails[] = {
	{ "no tail", T_NONE, false, NULL, 0, 0 },
	{ "zero padding", T_ZEROS, false, NULL, 0, 0 },
	{ "junk", T_JUNK, true, "trailing garbage after last member", 0, 0 },
	{ "zeros then junk", T_ZEROS_JUNK, true, "trailing garbage after last member", 7, 0 },
	{ "zeros then a member", T_ZEROS_MEMBER, true, "trailing garbage after last member", 7, 0 },
	{ "lone 1f", T_1F, true, "unexpected end of gzip stream", 0, 1 },
	{ "magic only", T_1F8B, true, "unexpected end of gzip stream", 0, 1 },
	{ "bad method", T_BADMETHOD, true, "invalid gzip header in member 3", -1, 0 },
	{ "text", T_SPACE, true, "trailing garbage after last member", 0, 0 },
};

START_TEST(test_tails)
{
	const struct tail_case *tc = &tails[_i];
	static const char *const parts[] = { "alpha 1\nalpha 2\n", "beta\n" };
	struct bytes f = { 0 };
	size_t good, c;
	struct result r;

	gz_members(&f, parts[0]);
	gz_members(&f, parts[1]);
	good = f.n;
	switch (tc->tail) {
	case T_NONE:
		break;
	case T_ZEROS:
		bytes_zeros(&f, 1000);
		break;
	case T_JUNK:
		bytes_adds(&f, "junk!");
		break;
	case T_ZEROS_JUNK:
		bytes_zeros(&f, 7);
		bytes_adds(&f, "x");
		break;
	case T_ZEROS_MEMBER:
		bytes_zeros(&f, 7);
		gz_members(&f, "gamma\n");
		break;
	case T_1F:
		bytes_add(&f, "\x1f", 1);
		break;
	case T_1F8B:
		bytes_add(&f, "\x1f\x8b", 2);
		break;
	case T_BADMETHOD:
		bytes_add(&f, "\x1f\x8b\x07\x00\x00\x00\x00\x00\x00\x03" "abcdefgh", 18);
		break;
	case T_SPACE:
		bytes_adds(&f, " \n");
		break;
	}
	for (c = 0; c < NCHUNKS; c++) {
		read_bytes(f.p, f.n, chunks[c], &r);
		ck_assert_int_eq(r.kind, INP_GZIP);
		ck_assert_str_eq((char *)r.out.p, "alpha 1\nalpha 2\nbeta\n");
		ck_assert_uint_eq(r.members, 2);
		ck_assert_int_eq(r.damaged, tc->damaged);
		if (tc->damaged) {
			ck_assert_msg(strstr(r.msg, tc->msg), "%s: %s", tc->name, r.msg);
			if (tc->off_from_end)
				ck_assert_uint_eq(r.off, f.n);
			else if (tc->off_delta >= 0)
				ck_assert_uint_eq(r.off, good + (size_t)tc->off_delta);
			else
				ck_assert(r.off > good && r.off <= f.n);
		}
		ck_assert_uint_eq(r.consumed, f.n);
		ck_assert_uint_eq(strlen(r.sha), 64);
		result_free(&r);
	}
	free(f.p);
}
END_TEST

/* Corruption inside a member: the byte we break and what must be said. */
enum poke {
	P_CRC,	/* first byte of the CRC-32 in the trailer */
	P_ISIZE,	/* first byte of ISIZE */
	P_BTYPE,	/* first deflate byte: final block of reserved type 3 */
	P_METHOD,	/* CM = 9 */
	P_FLAGS,	/* reserved flag bit */
	P_JUNK_AFTER_MAGIC,	/* everything after 1f 8b is 'x' */
};

static const struct poke_case {
	const char *name;
	enum poke poke;
	const char *msg;
	bool off_early;	/* detected within the first 16 bytes */
} pokes[] = {
	{ "crc", P_CRC, "crc mismatch in member 2", false },
	{ "isize", P_ISIZE, "length (isize) mismatch in member 2", false },
	{ "block type", P_BTYPE, "invalid deflate data in member 2: invalid block type", false },
	{ "method", P_METHOD, "invalid gzip header in member 2", false },
	{ "flags", P_FLAGS, "invalid gzip header in member 2", false },
	{ "junk after magic", P_JUNK_AFTER_MAGIC, "invalid gzip header in member 1", true },
};

START_TEST(test_corrupt_member)
{
	const struct poke_case *pc = &pokes[_i];
	struct bytes f = { 0 };
	size_t first, c;
	struct result r;

	gz_members(&f, "first member\n");
	first = f.n;
	gz_members(&f, "second member, which is long enough to need a real block\n");
	switch (pc->poke) {
	case P_CRC:
		f.p[f.n - 8] ^= 0x55;
		break;
	case P_ISIZE:
		f.p[f.n - 4] ^= 0x01;
		break;
	case P_BTYPE:
		f.p[first + 10] = 0x07;
		break;
	case P_METHOD:
		f.p[first + 2] = 9;
		break;
	case P_FLAGS:
		f.p[first + 3] = 0x80;
		break;
	case P_JUNK_AFTER_MAGIC:
		memset(f.p + 2, 'x', f.n - 2);
		break;
	}
	for (c = 0; c < NCHUNKS; c++) {
		read_bytes(f.p, f.n, chunks[c], &r);
		ck_assert_int_eq(r.kind, INP_GZIP);
		ck_assert_msg(r.damaged, "%s: read clean", pc->name);
		ck_assert_msg(strcmp(r.msg, pc->msg) == 0 || strstr(r.msg, pc->msg) == r.msg,
			      "%s: %s", pc->name, r.msg);
		if (pc->off_early) {
			ck_assert_uint_le(r.off, 16);
			ck_assert_uint_eq(r.out.n, 0);
		} else {
			ck_assert_uint_gt(r.off, first);
			ck_assert_uint_le(r.off, f.n);
			/* What came before the damage was delivered. */
			ck_assert(r.out.n >= 13 && memcmp(r.out.p, "first member\n", 13) == 0);
			ck_assert_uint_eq(r.members, 1);
		}
		result_free(&r);
	}
	free(f.p);
}
END_TEST

/* ---- plain text and edge sizes ---- */

static const struct plain_case {
	const char *name;
	const char *data;
	size_t n;
	enum inp_kind kind;
	bool damaged;
} plains[] = {
	{ "empty file", "", 0, INP_PLAIN, false },
	{ "one byte", "x", 1, INP_PLAIN, false },
	{ "1f then text", "\x1f" "abc\n", 4, INP_PLAIN, false },
	{ "8b 1f", "\x8b\x1f", 2, INP_PLAIN, false },
	{ "text", "10.0.0.7 - mrossi [27/Nov/2026:03:14:07 +0000] \"GET / HTTP/1.1\" 200 71\n", 71,
	  INP_PLAIN, false },
	{ "nul bytes", "a\0b\0\n\0", 6, INP_PLAIN, false },
	{ "zstd frame", "\x28\xb5\x2f\xfd\x00\x00\x01\x00", 8, INP_PLAIN, true },
};

START_TEST(test_plain)
{
	const struct plain_case *pc = &plains[_i];
	size_t c;
	struct result r;
	char hex[65];
	struct dg_sha256 d;

	dg_sha256_init(&d);
	dg_sha256_update(&d, pc->data, pc->n);
	dg_sha256_hex(&d, hex);
	for (c = 0; c < NCHUNKS; c++) {
		read_bytes(pc->data, pc->n, chunks[c], &r);
		ck_assert(r.opened);
		ck_assert_int_eq(r.kind, pc->kind);
		ck_assert_int_eq(r.damaged, pc->damaged);
		if (pc->damaged) {
			ck_assert_uint_eq(r.off, 0);
			ck_assert_uint_eq(r.out.n, 0);
		} else {
			ck_assert_uint_eq(r.out.n, pc->n);
			ck_assert(pc->n == 0 || memcmp(r.out.p, pc->data, pc->n) == 0);
		}
		ck_assert_uint_eq(r.members, 0);
		ck_assert_uint_eq(r.consumed, pc->n);
		ck_assert_str_eq(r.sha, hex);
		result_free(&r);
	}
}
END_TEST

START_TEST(test_empty_gzip)
{
	struct bytes f = { 0 };
	struct result r;

	gz_member(&f, "", 0);
	read_bytes(f.p, f.n, 4096, &r);
	ck_assert_int_eq(r.kind, INP_GZIP);
	ck_assert(!r.damaged);
	ck_assert_uint_eq(r.out.n, 0);
	ck_assert_uint_eq(r.members, 1);
	result_free(&r);
	free(f.p);
}
END_TEST

/* A big plain file crosses many INP_BUFSZ reads byte-exactly. */
START_TEST(test_plain_large)
{
	struct bytes f = { 0 };
	struct result r;
	size_t i;
	char line[64];

	for (i = 0; f.n < 3 * INP_BUFSZ + 17; i++) {
		snprintf(line, sizeof(line), "line %zu of a big plain file\n", i);
		bytes_adds(&f, line);
	}
	read_bytes(f.p, f.n, 10007, &r);
	ck_assert(!r.damaged);
	ck_assert_uint_eq(r.out.n, f.n);
	ck_assert(memcmp(r.out.p, f.p, f.n) == 0);
	ck_assert_uint_eq(r.consumed, f.n);
	result_free(&r);
	free(f.p);
}
END_TEST

/* ---- opening ---- */

START_TEST(test_open_errors)
{
	struct diag err;
	struct inp *in;
	char dir[] = "/tmp/dpftest.dir.XXXXXX";

	in = inp_open("/nonexistent/dpf/access.log.gz", &err);
	ck_assert_ptr_null(in);
	ck_assert_str_eq(err.msg, "/nonexistent/dpf/access.log.gz: No such file or directory");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	in = inp_open(dir, &err);
	ck_assert_ptr_null(in);
	ck_assert(strstr(err.msg, dir) == err.msg);
	ck_assert(strstr(err.msg, ": Is a directory") != NULL);
	rmdir(dir);
}
END_TEST

/* EIO from the kernel is damage, never a crash or a silent end. */
START_TEST(test_read_error)
{
	struct result r;

	/* Reading unmapped address 0 of our own memory fails with EIO. */
	read_path("/proc/self/mem", 4096, &r);
	ck_assert(r.opened);
	ck_assert(r.damaged);
	ck_assert_str_eq(r.msg, "read error: Input/output error");
	ck_assert_uint_eq(r.off, 0);
	ck_assert_str_eq(r.sha, "");	/* the bytes on disk are unknown */
	result_free(&r);
}
END_TEST

/*
 * Standard input from a pipe that delivers one byte per write: the magic
 * number and every member boundary straddle reads.
 */
START_TEST(test_stdin_pipe)
{
	struct bytes f = { 0 };
	struct result r;
	int fds[2];
	pid_t pid;
	size_t i;
	int status;

	gz_members(&f, "one\n");
	gz_members(&f, "two\n");
	bytes_zeros(&f, 3);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		for (i = 0; i < f.n; i++)
			if (write(fds[1], f.p + i, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_ge(dup2(fds[0], STDIN_FILENO), 0);
	close(fds[0]);
	read_path("-", 4096, &r);
	waitpid(pid, &status, 0);
	ck_assert(r.opened);
	ck_assert_int_eq(r.kind, INP_GZIP);
	ck_assert_msg(!r.damaged, "%s", r.msg);
	ck_assert_str_eq((char *)r.out.p, "one\ntwo\n");
	ck_assert_uint_eq(r.members, 2);
	{
		char hex[65];
		struct dg_sha256 d;
		dg_sha256_init(&d);
		dg_sha256_update(&d, f.p, f.n);
		dg_sha256_hex(&d, hex);
		ck_assert_str_eq(r.sha, hex);
	}
	result_free(&r);
	free(f.p);
}
END_TEST

/* ---- robustness ---- */

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 64 MiB of zeros in ~64 KiB of gzip: streamed, never held. */
START_TEST(test_bomb_fixed_memory)
{
	static unsigned char zeros[64 * 1024];
	static char out[64 * 1024];
	const size_t total = 64u << 20;
	struct bytes f = { 0 };
	unsigned char chunk[16384];
	z_stream zs;
	size_t fed = 0, got, i;
	uint64_t sum = 0;
	long before;
	struct inp *in;
	struct diag err;
	char *path;
	int ret;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	do {
		size_t n = total - fed < sizeof(zeros) ? total - fed : sizeof(zeros);
		zs.next_in = zeros;
		zs.avail_in = (uInt)n;
		fed += n;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			ret = deflate(&zs, fed == total ? Z_FINISH : Z_NO_FLUSH);
			bytes_add(&f, chunk, sizeof(chunk) - zs.avail_out);
		} while (zs.avail_out == 0 || (fed == total && ret != Z_STREAM_END));
	} while (fed < total);
	deflateEnd(&zs);
	ck_assert_uint_lt(f.n, 256 * 1024);
	path = tu_write_tmp(f.p, f.n);
	ck_assert_ptr_nonnull(path);

	before = maxrss_kib();
	in = inp_open(path, &err);
	ck_assert_ptr_nonnull(in);
	while ((got = inp_read(in, out, sizeof(out))) > 0) {
		ck_assert_uint_le(got, sizeof(out));
		for (i = 0; i < got; i++)
			sum += (unsigned char)out[i];
		ck_assert_uint_eq(sum, 0);
	}
	ck_assert(!inp_damaged(in, NULL, NULL));
	ck_assert_uint_eq(inp_produced(in), total);
	inp_close(in);
	/* INP_BUFSZ + zlib's window: far below the 64 MiB decoded. */
	ck_assert_int_lt(maxrss_kib() - before, 8 * 1024);
	unlink(path);
	free(path);
	free(f.p);
}
END_TEST

/*
 * Thousands of damaged variants of a good file (flipped bytes, cuts): each
 * ends, and a stream read as clean decodes exactly the original text.
 */
START_TEST(test_mutations)
{
	static const char text[] =
		"10.0.0.7 - mrossi [27/Nov/2026:03:14:07 +0000] \"GET /api/v1/customers/4711/email HTTP/1.1\" 200 71\n"
		"10.0.0.8 - jdoe [27/Nov/2026:03:15:00 +0000] \"GET /api/v1/customers/42 HTTP/1.1\" 200 12\n";
	struct bytes good = { 0 }, f = { 0 };
	uint32_t seed = 12345;
	struct result r;
	int iter, k, nbad = 0;

	gz_members(&good, text);
	gz_members(&good, text);
	for (iter = 0; iter < 3000; iter++) {
		f.n = 0;
		bytes_add(&f, good.p, good.n);
		for (k = 0; k < 1 + iter % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % f.n;
			seed = seed * 1103515245u + 12345u;
			f.p[at] ^= (unsigned char)(1 + ((seed >> 16) % 255));
		}
		if (iter % 5 == 4) {
			seed = seed * 1103515245u + 12345u;
			f.n = (seed >> 8) % f.n;
		}
		read_bytes(f.p, f.n, iter % 2 ? 7 : 4096, &r);
		ck_assert(r.opened);
		if (!r.damaged && r.kind == INP_GZIP) {
			/* A cut at a member boundary is a shorter, valid file. */
			ck_assert_uint_eq(r.out.n, r.members * strlen(text));
			for (k = 0; k < (int)r.members; k++)
				ck_assert(memcmp(r.out.p + k * strlen(text), text, strlen(text)) == 0);
		} else if (r.damaged) {
			nbad++;
			ck_assert_uint_le(r.off, f.n);
		}
		result_free(&r);
	}
	ck_assert_int_gt(nbad, 2000);
	free(good.p);
	free(f.p);
}
END_TEST

/* ---- digest.c: published test vectors ---- */

static const struct {
	const char *msg, *hex;
} sha_kat[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

START_TEST(test_sha256_kat)
{
	struct dg_sha256 d;
	char hex[65];
	size_t i, n = strlen(sha_kat[_i].msg);

	/* Whole, then byte by byte: the same digest. */
	dg_sha256_init(&d);
	dg_sha256_update(&d, sha_kat[_i].msg, n);
	dg_sha256_hex(&d, hex);
	ck_assert_str_eq(hex, sha_kat[_i].hex);
	dg_sha256_init(&d);
	for (i = 0; i < n; i++)
		dg_sha256_update(&d, sha_kat[_i].msg + i, 1);
	dg_sha256_hex(&d, hex);
	ck_assert_str_eq(hex, sha_kat[_i].hex);
}
END_TEST

/* RFC 4231 test cases 1 and 2. */
START_TEST(test_hmac_kat)
{
	char hex[65];
	unsigned char key1[20];

	memset(key1, 0x0b, sizeof(key1));
	dg_hmac_hex(key1, sizeof(key1), "Hi There", 8, hex);
	ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	dg_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(test_sha256_file)
{
	struct diag err;
	char hex[65];

	ck_assert_int_eq(dg_sha256_file("/nonexistent/dpf", hex, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/dpf: No such file or directory");
	ck_assert_str_eq(hex, "");
	{
		char *p = tu_write_tmp("abc", 3);
		ck_assert_int_eq(dg_sha256_file(p, hex, &err), 0);
		ck_assert_str_eq(hex, sha_kat[1].hex);
		unlink(p);
		free(p);
	}
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("gzip");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_go_vectors);
	tcase_add_test(tc, test_truncated_prefixes);
	tcase_add_test(tc, test_go_issue6550);
	tcase_add_loop_test(tc, test_known_files, 0, NELEM(pairs));
	tcase_add_loop_test(tc, test_tails, 0, NELEM(tails));
	tcase_add_loop_test(tc, test_corrupt_member, 0, NELEM(pokes));
	tcase_add_test(tc, test_empty_gzip);
	tcase_add_test(tc, test_stdin_pipe);
	tcase_add_test(tc, test_bomb_fixed_memory);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain");
	tcase_add_loop_test(tc, test_plain, 0, NELEM(plains));
	tcase_add_test(tc, test_plain_large);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_read_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("digest");
	tcase_add_loop_test(tc, test_sha256_kat, 0, NELEM(sha_kat));
	tcase_add_test(tc, test_hmac_kat);
	tcase_add_test(tc, test_sha256_file);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(input_suite)
