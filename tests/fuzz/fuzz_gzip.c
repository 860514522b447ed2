/*
 * fuzz_gzip.c - arbitrary bytes as an input file: inp_open + lr_next to EOF.
 *
 * Covers content detection, the gzip member loop (headers with FEXTRA,
 * FNAME, FCOMMENT, FHCRC), trailer checks, trailing padding and garbage,
 * and the line reader (with a small max_len so overlong lines, CRs and
 * lines split across reads are all exercised).  Invariants: line numbers
 * increase by exactly one per line; a returned line never exceeds max_len;
 * LR_OVERLONG only for lines longer than max_len; the total of decoded
 * bytes equals inp_produced(); damage has a message; the digest is 64 hex
 * characters after a clean read.  Where the library is built with ISA-L
 * (HAVE_ISAL), each input is read with both inflate backends
 * (DPFAUDIT_INFLATE=zlib selects zlib per open), a differential test: they
 * must report the same damage (offset and message), decode a clean stream
 * identically, and a damaged one with zlib's output a prefix of ISA-L's.
 * (That is how the "invalid distance too far back" garbage was found; the
 * prefix rule alone would not catch it, tests/unit/test_fuzz_regress.c
 * and regress/fuzz_gzip/ keep it fixed.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "input.h"
#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one read of the input gave, to compare the inflate backends. */
struct outcome {
	uint64_t lines, bytes, produced, hash;
	bool damaged;
	uint64_t offset;
	char msg[128];
};

static void read_all(const char *path, const uint8_t *data, size_t size, size_t max_len,
		     struct outcome *o)
{
	struct diag err;
	struct inp *in;
	struct lr *r;
	sv line;
	enum lr_status st;

	memset(o, 0, sizeof(*o));
	o->hash = 14695981039346656037ull;
	in = inp_open(path, &err);
	if (!in)
		abort();	/* the file exists and is readable */
	r = lr_new(in, max_len);
	if (!r)
		abort();
	/* `records = PATH` documents: the key-path tracker on arbitrary JSON. */
	static const char *const rpaths[] = { "data.events", "a.b" };
	lr_set_records(r, rpaths, 2);
	if (max_len == 0)
		max_len = LR_DEFAULT_MAX;
	while ((st = lr_next(r, &line)) != LR_EOF) {
		o->lines++;
		if (lr_lineno(r) != o->lines)
			abort();
		if (line.n > max_len)
			abort();
		if (st == LR_OVERLONG && lr_linelen(r) <= max_len)
			abort();
		if (st == LR_LINE && lr_linelen(r) != line.n)
			abort();
		if (line.n && memchr(line.p, '\n', line.n))
			abort();
		o->bytes += line.n;
		o->hash = (o->hash ^ sv_hash(line)) * 1099511628211ull;
	}
	/* The reader saw at most what the input produced. */
	o->produced = inp_produced(in);
	if (o->bytes > o->produced)
		abort();
	const char *msg = NULL;
	if (inp_damaged(in, &o->offset, &msg)) {
		o->damaged = true;
		if (!msg || !msg[0])
			abort();
		snprintf(o->msg, sizeof(o->msg), "%s", msg);
		if (inp_size(in) && o->offset > inp_size(in))
			abort();
	} else {
		const char *h = inp_sha256(in);
		if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
			abort();
		/* Plain text: every byte is produced as is. */
		if (inp_kind(in) == INP_PLAIN && o->produced != size)
			abort();
	}
	(void)data;
	lr_free(r);
	inp_close(in);
}

/* The first RAW_CAP decoded bytes of the input (with one backend), and how many in all. */
#define RAW_CAP (1u << 20)
static size_t read_raw(const char *path, char *buf, uint64_t *total)
{
	struct diag err;
	struct inp *in = inp_open(path, &err);
	size_t n, kept = 0;
	char scratch[4096];

	if (!in)
		abort();
	*total = 0;
	for (;;) {
		char *dst = kept < RAW_CAP ? buf + kept : scratch;
		size_t room = kept < RAW_CAP ? RAW_CAP - kept : sizeof(scratch);
		if ((n = inp_read(in, dst, room)) == 0)
			break;
		if (dst != scratch)
			kept += n;
		*total += n;
	}
	inp_close(in);
	return kept;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[256];
	static char *ra, *rb;
	struct outcome a, b;
	uint64_t ta, tb;
	/* Vary the line limit with the input so both small and default limits are hit. */
	size_t max_len = size ? (size_t)(data[0] % 4 == 0 ? 0 : 16 + data[0]) : 0;

	if (!path[0]) {
		fz_path(path, sizeof(path), ".gz");
		ra = malloc(RAW_CAP);
		rb = malloc(RAW_CAP);
		if (!ra || !rb)
			abort();
	}
	fz_write(path, data, size);
	/* The default backend (ISA-L where built with it), then zlib. */
	unsetenv("DPFAUDIT_INFLATE");
	read_all(path, data, size, max_len, &a);
	size_t na = read_raw(path, ra, &ta);
	setenv("DPFAUDIT_INFLATE", "zlib", 1);
	read_all(path, data, size, max_len, &b);
	size_t nb = read_raw(path, rb, &tb);
	unsetenv("DPFAUDIT_INFLATE");
	/*
	 * Known, reported difference: ISA-L accepts incomplete Huffman code
	 * sets that zlib rejects ("invalid literal/lengths set", "invalid
	 * distances set"), so it decodes further and may find other damage.
	 */
	bool lenient = a.damaged && b.damaged && strstr(b.msg, "s set") != NULL;
	if (a.damaged != b.damaged ||
	    (a.damaged && !lenient && (a.offset != b.offset || strcmp(a.msg, b.msg)))) {
		fprintf(stderr, "backends report damage differently: %d byte %llu '%s' / %d byte %llu '%s'\n",
			a.damaged, (unsigned long long)a.offset, a.msg, b.damaged,
			(unsigned long long)b.offset, b.msg);
		abort();
	}
	/*
	 * A clean stream decodes identically.  A damaged one: zlib's output is
	 * a prefix of ISA-L's, which may decode a little more of an invalid
	 * block (it accepts incomplete Huffman code sets zlib rejects) before
	 * reporting the same damage.
	 */
	if (!a.damaged ? (a.lines != b.lines || a.hash != b.hash || ta != tb || na != nb ||
			  memcmp(ra, rb, na) != 0)
		       : (tb > ta || nb > na || memcmp(ra, rb, nb) != 0)) {
		fprintf(stderr, "backends differ: %llu/%llu bytes, %llu/%llu lines, damaged %d\n",
			(unsigned long long)ta, (unsigned long long)tb,
			(unsigned long long)a.lines, (unsigned long long)b.lines, a.damaged);
		abort();
	}
	return 0;
}
