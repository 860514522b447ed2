/*
 * input_bz2.c - the bzip2 decoder of input.c (input.h: the contract,
 * input_impl.h: the decoder interface), with libbz2.
 *
 * libbz2 decodes one stream; between streams (pbzip2 and `cat a.bz2 b.bz2`
 * make several) we look at the next bytes ourselves, as for gzip members:
 * another stream ("BZh1".."BZh9"), all-zero padding to the end of the file,
 * or trailing garbage (bzip2 itself only warns about it; here it makes the
 * input incomplete, as for gzip).  libbz2 checks each block's CRC and the
 * stream's combined CRC; it says BZ_DATA_ERROR for both and for corrupt
 * data, so the message cannot tell them apart.  Memory is fixed by the
 * format: at most about 3.6 MiB for a -9 stream.
 *
 * Without libbz2 (HAVE_BZIP2 unset) the format is still detected, so that
 * input.c reports "no bzip2 support in this build".
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "input_impl.h"
#include "xalloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_BZIP2
#include <bzlib.h>
#endif

/* "BZh" and the block size digit. */
static bool stream_header(const unsigned char *p)
{
	return p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9';
}

static bool bz_magic(const unsigned char *p, size_t n)
{
	static const unsigned char block[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
	static const unsigned char eos[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };
	size_t k;

	if (n < 4 || !stream_header(p))
		return false;
	/*
	 * Text can start with "BZh1": also require the first block's magic
	 * (pi) or the end-of-stream magic (sqrt(pi)), as far as the file goes.
	 */
	k = n - 4 < 6 ? n - 4 : 6;
	return memcmp(p + 4, block, k) == 0 || memcmp(p + 4, eos, k) == 0;
}

#ifdef HAVE_BZIP2

struct bz {
	bz_stream bs;
	bool init;
	bool in_stream;	/* else between streams */
};

static int new_stream(struct bz *b)
{
	if (b->init)
		BZ2_bzDecompressEnd(&b->bs);
	memset(&b->bs, 0, sizeof(b->bs));
	b->init = BZ2_bzDecompressInit(&b->bs, 0, 0) == BZ_OK;
	b->in_stream = b->init;
	return b->init ? 0 : -1;
}

/* Between streams: another one, zero padding, the end, or garbage. */
static void boundary(struct inp *in, struct bz *b)
{
	const unsigned char *p;

	inp_fill_at_least(in, 4);
	p = in->next;
	if (in->avail == 0) {
		inp_finish(in);	/* clean end (or a read error, recorded) */
	} else if (in->avail >= 4 && stream_header(p)) {
		if (new_stream(b) < 0) {
			inp_damage(in, inp_pos(in), "out of memory in bzip2 stream %u", in->members + 1);
			inp_finish(in);
		}
	} else if (p[0] == 0) {
		inp_zero_padding(in, "trailing garbage after last bzip2 stream");
	} else if (in->avail < 4 && !in->read_err && memcmp(p, "BZh", in->avail) == 0) {
		inp_damage(in, in->raw, "unexpected end of bzip2 stream");
		inp_finish(in);
	} else {
		inp_damage(in, inp_pos(in), "trailing garbage after last bzip2 stream");
		inp_finish(in);
	}
}

static size_t bz_step(struct inp *in, char *dst, size_t n)
{
	struct bz *b = in->ds;
	size_t used, got;
	unsigned room;
	int r;

	if (!b->in_stream) {
		boundary(in, b);
		return 0;
	}
	if (in->avail == 0)
		inp_refill(in);
	room = n > UINT_MAX ? UINT_MAX : (unsigned)n;
	b->bs.next_in = (char *)in->next;
	b->bs.avail_in = (unsigned)in->avail;	/* <= INP_BUFSZ */
	b->bs.next_out = dst;
	b->bs.avail_out = room;
	r = BZ2_bzDecompress(&b->bs);
	used = in->avail - b->bs.avail_in;
	got = room - b->bs.avail_out;
	in->next += used;
	in->avail -= used;
	if (r == BZ_STREAM_END) {
		in->members++;
		b->in_stream = false;
	} else if (r == BZ_DATA_ERROR) {
		/* What libbz2 put out before the error is audited (as by bzcat). */
		inp_damage(in, inp_pos(in), "corrupt bzip2 data or CRC mismatch in stream %u",
			   in->members + 1);
		inp_finish(in);
	} else if (r == BZ_DATA_ERROR_MAGIC) {
		inp_damage(in, inp_pos(in), "not a bzip2 stream header in stream %u", in->members + 1);
		inp_finish(in);
	} else if (r == BZ_MEM_ERROR) {
		inp_damage(in, inp_pos(in), "out of memory in bzip2 stream %u", in->members + 1);
		inp_finish(in);
	} else if (r != BZ_OK) {
		inp_damage(in, inp_pos(in), "bzip2 decoder error %d in stream %u", r, in->members + 1);
		inp_finish(in);
	} else if (got == 0 && used == 0 && in->avail == 0) {
		/* Nothing left to read and nothing more to put out: cut. */
		inp_damage(in, in->raw, "unexpected end of bzip2 stream");
		inp_finish(in);
	} else if (got == 0 && used == 0) {
		inp_damage(in, inp_pos(in), "bzip2 made no progress in stream %u", in->members + 1);
		inp_finish(in);
	}
	return got;
}

static int bz_start(struct inp *in)
{
	struct bz *b = try_calloc(1, sizeof(*b));

	if (!b)
		return -1;
	in->ds = b;
	if (in->avail < 10) {
		/* bz_magic saw the whole file, cut before its first block. */
		inp_damage(in, in->raw, "unexpected end of bzip2 stream");
		inp_finish(in);
		return 0;
	}
	return new_stream(b);
}

static void bz_end(struct inp *in)
{
	struct bz *b = in->ds;

	if (!b)
		return;
	if (b->init)
		BZ2_bzDecompressEnd(&b->bs);
	free(b);
	in->ds = NULL;
}

static const char *bz_version(void)
{
	static char v[40];
	const char *s = BZ2_bzlibVersion();

	/* "1.0.8, 13-Jul-2019": the version is enough. */
	snprintf(v, sizeof(v), "libbz2 %.*s", (int)strcspn(s, ","), s);
	return v;
}

const struct inp_decoder inp_bzip2 = {
	.name = "bzip2",
	.kind = INP_BZIP2,
	.magic = bz_magic,
	.start = bz_start,
	.step = bz_step,
	.end = bz_end,
	.version = bz_version,
};

#else

const struct inp_decoder inp_bzip2 = {
	.name = "bzip2",
	.kind = INP_BZIP2,
	.magic = bz_magic,
};

#endif
