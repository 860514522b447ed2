/*
 * input_zstd.c - the zstd decoder of input.c (input.h: the contract,
 * input_impl.h: the decoder interface), with libzstd's streaming API.
 *
 * ZSTD_decompressStream decodes one frame after another; between frames
 * we look at the next bytes ourselves, as for gzip members: another frame
 * (28 b5 2f fd), a skippable frame (50..5f 2a 4d 18, which libzstd skips),
 * all-zero padding to the end of the file, or trailing garbage.  The window
 * is limited to 2^INP_ZSTD_WINDOWLOG_MAX bytes (zstd's own default limit):
 * a frame made with --long or --ultra beyond it is damage with its own
 * message, never an allocation of gigabytes.  Each frame's XXH64 content
 * checksum, where present, is verified by libzstd.
 *
 * Without libzstd (HAVE_ZSTD unset) the format is still detected, so that
 * input.c reports "no zstd support in this build" instead of auditing it
 * as text.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "input_impl.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_ZSTD
#include <zstd.h>
#include <zstd_errors.h>
#endif

static bool is_frame(const unsigned char *p)
{
	return p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd;
}

static bool is_skippable(const unsigned char *p)
{
	return (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}


static bool zs_magic(const unsigned char *p, size_t n)
{
	if (n >= 4)
		return is_frame(p) || is_skippable(p);
	/*
	 * A whole file shorter than a magic number: a cut zstd file (the frame
	 * magic only: "P*" is a text file of two characters; a lone "(" is
	 * not a log, as a lone 0x1f is not one for gzip).
	 */
	return p[0] == 0x28 && (n < 2 || p[1] == 0xb5) && (n < 3 || p[2] == 0x2f);
}

#ifdef HAVE_ZSTD

/* The first n < 4 bytes could start a frame (a file cut in a magic number). */
static bool magic_prefix(const unsigned char *p, size_t n)
{
	static const unsigned char zm[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char sm[4] = { 0x50, 0x2a, 0x4d, 0x18 };
	size_t i;
	bool z = true, s = true;

	for (i = 0; i < n && i < 4; i++) {
		z = z && p[i] == zm[i];
		s = s && (i == 0 ? (p[0] & 0xf0) == 0x50 : p[i] == sm[i]);
	}
	return z || s;
}

struct zs {
	ZSTD_DCtx *dctx;
	bool in_frame;	/* else at a frame boundary */
	bool skippable;	/* the current frame is a skippable one */
	/*
	 * The content size the frame header declares (ZSTD_CONTENTSIZE_UNKNOWN
	 * if none), and what the frame gave: checked at its end ourselves,
	 * since libzstd's streaming decoder does not always do it.
	 */
	unsigned long long declared;
	unsigned long long decoded;
};

/* Between frames: what do the next bytes say? */
static void boundary(struct inp *in, struct zs *z)
{
	const unsigned char *p;

	inp_fill_at_least(in, 4);
	p = in->next;
	if (in->avail == 0) {
		inp_finish(in);	/* clean end (or a read error, recorded) */
	} else if (in->avail >= 4 && (is_frame(p) || is_skippable(p))) {
		z->in_frame = true;
		z->skippable = is_skippable(p);
		z->decoded = 0;
		z->declared = ZSTD_CONTENTSIZE_UNKNOWN;
		if (!z->skippable) {
			/* The longest frame header is 18 bytes; a shorter file is cut, found later. */
			inp_fill_at_least(in, 18);
			unsigned long long fcs = ZSTD_getFrameContentSize(in->next, in->avail);
			if (fcs != ZSTD_CONTENTSIZE_ERROR)
				z->declared = fcs;
		}
	} else if (p[0] == 0) {
		inp_zero_padding(in, "trailing garbage after last zstd frame");
	} else if (in->avail < 4 && !in->read_err && magic_prefix(p, in->avail)) {
		inp_damage(in, in->raw, "unexpected end of zstd stream");
		inp_finish(in);
	} else {
		inp_damage(in, inp_pos(in), "trailing garbage after last zstd frame");
		inp_finish(in);
	}
}

/* libzstd's error ret, found at off, in words. */
static void zstd_damage(struct inp *in, size_t ret, uint64_t off)
{
	unsigned nr = in->members + 1;

	switch (ZSTD_getErrorCode(ret)) {
	case ZSTD_error_checksum_wrong:
		inp_damage(in, off, "checksum mismatch in zstd frame %u", nr);
		break;
	case ZSTD_error_frameParameter_windowTooLarge:
		inp_damage(in, off,
			   "zstd frame %u needs a window larger than the %u MiB limit (made with --long or --ultra?)",
			   nr, (1u << INP_ZSTD_WINDOWLOG_MAX) >> 20);
		break;
	case ZSTD_error_memory_allocation:
		inp_damage(in, off, "out of memory in zstd frame %u", nr);
		break;
	case ZSTD_error_frameParameter_unsupported:
		inp_damage(in, off, "unsupported zstd frame parameter in frame %u", nr);
		break;
	default:
		inp_damage(in, off, "corrupt zstd data in frame %u: %s", nr, ZSTD_getErrorName(ret));
		break;
	}
}

static size_t zs_step(struct inp *in, char *dst, size_t n)
{
	struct zs *z = in->ds;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	size_t ret;

	if (!z->in_frame) {
		boundary(in, z);
		return 0;
	}
	if (in->avail == 0)
		inp_refill(in);
	ib.src = in->next;
	ib.size = in->avail;
	ib.pos = 0;
	ob.dst = dst;
	ob.size = n;
	ob.pos = 0;
	ret = ZSTD_decompressStream(z->dctx, &ob, &ib);
	in->next += ib.pos;
	in->avail -= ib.pos;
	if (ZSTD_isError(ret)) {
		/* What libzstd wrote before it failed is not reported by it: dropped. */
		zstd_damage(in, ret, inp_pos(in));
		inp_finish(in);
		return 0;
	}
	z->decoded += ob.pos;
	if (ret == 0) {
		/* The frame is decoded, checked and flushed whole. */
		if (!z->skippable && z->declared != ZSTD_CONTENTSIZE_UNKNOWN &&
		    z->declared != z->decoded) {
			inp_damage(in, inp_pos(in), "zstd frame %u: %llu bytes decoded, its header says %llu",
				   in->members + 1, z->decoded, z->declared);
			inp_finish(in);
			return ob.pos;
		}
		if (!z->skippable)
			in->members++;
		z->in_frame = false;
	} else if (ob.pos == 0 && ib.pos == 0 && in->avail == 0) {
		/* Nothing left to read and nothing more to put out: cut. */
		inp_damage(in, in->raw, "unexpected end of zstd stream");
		inp_finish(in);
	} else if (ob.pos == 0 && ib.pos == 0) {
		/* Input and room, and no progress: cannot happen; never spin. */
		inp_damage(in, inp_pos(in), "zstd made no progress in frame %u", in->members + 1);
		inp_finish(in);
	}
	return ob.pos;
}

static int zs_start(struct inp *in)
{
	struct zs *z = try_calloc(1, sizeof(*z));

	if (!z)
		return -1;
	in->ds = z;
	z->dctx = ZSTD_createDCtx();
	if (!z->dctx)
		return -1;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(z->dctx, ZSTD_d_windowLogMax,
						INP_ZSTD_WINDOWLOG_MAX)))
		return -1;
	return 0;
}

static void zs_end(struct inp *in)
{
	struct zs *z = in->ds;

	if (!z)
		return;
	ZSTD_freeDCtx(z->dctx);
	free(z);
	in->ds = NULL;
}

static const char *zs_version(void)
{
	static char v[32];

	snprintf(v, sizeof(v), "libzstd %s", ZSTD_versionString());
	return v;
}

const struct inp_decoder inp_zstd = {
	.name = "zstd",
	.kind = INP_ZSTD,
	.magic = zs_magic,
	.start = zs_start,
	.step = zs_step,
	.end = zs_end,
	.version = zs_version,
};

#else

const struct inp_decoder inp_zstd = {
	.name = "zstd",
	.kind = INP_ZSTD,
	.magic = zs_magic,
};

#endif
