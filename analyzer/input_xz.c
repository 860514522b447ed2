/*
 * input_xz.c - the xz decoder of input.c (input.h: the contract,
 * input_impl.h: the decoder interface), with liblzma's stream decoder.
 *
 * One lzma_stream_decoder per xz Stream; between Streams we read the
 * Stream Padding ourselves (zero bytes, a multiple of four, as the .xz
 * format says) so that every Stream is counted and a wrong padding, a cut
 * magic number or trailing garbage is reported at its byte, as for gzip.
 * liblzma checks every header, the Index, and each Block's check (CRC32,
 * CRC64, SHA-256); a check type it does not know is reported
 * (LZMA_TELL_UNSUPPORTED_CHECK) as an unsupported feature, as is an unknown
 * filter or Block Header field (LZMA_OPTIONS_ERROR).  The decoder's memory
 * is limited to INP_XZ_MEMLIMIT: a Stream needing more is damage with the
 * amount it needs, never an allocation of that size.
 *
 * Without liblzma (HAVE_LZMA unset) the format is still detected, so that
 * input.c reports "no xz support in this build".
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "input_impl.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LZMA
#include <lzma.h>
#endif

static const unsigned char xz_magic_bytes[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

/* p[0..n) starts like an xz Stream Header (all of it when n >= 6). */
static bool magic_prefix(const unsigned char *p, size_t n)
{
	return memcmp(p, xz_magic_bytes, n < 6 ? n : 6) == 0;
}

static bool xz_magic(const unsigned char *p, size_t n)
{
	/*
	 * fd '7' 'z' 'X' is no text (0xfd never starts UTF-8): with a wrong
	 * byte after it, it is a damaged xz header, which liblzma reports.  A
	 * whole file shorter than the magic is one cut inside it.
	 */
	return magic_prefix(p, n < 4 ? n : 4);
}

#ifdef HAVE_LZMA

struct xz {
	lzma_stream strm;
	bool in_stream;	/* else between Streams */
	uint64_t padding;	/* zero bytes seen since the last Stream */
};

static int new_stream(struct xz *x)
{
	/* Reuses the decoder's memory when called again on the same strm. */
	lzma_ret r = lzma_stream_decoder(&x->strm, INP_XZ_MEMLIMIT, LZMA_TELL_UNSUPPORTED_CHECK);

	if (r != LZMA_OK)
		return -1;
	x->in_stream = true;
	x->padding = 0;
	return 0;
}

/* Between Streams: Stream Padding, another Stream, the end, or garbage. */
static void boundary(struct inp *in, struct xz *x)
{
	const unsigned char *p;

	inp_fill_at_least(in, 6);
	p = in->next;
	if (in->avail && p[0] == 0) {
		while (in->avail && *in->next == 0) {
			in->next++;
			in->avail--;
			x->padding++;
		}
		return;
	}
	if (x->padding % 4) {
		inp_damage(in, inp_pos(in),
			   "xz Stream Padding of %llu byte(s) after stream %u is not a multiple of 4",
			   (unsigned long long)x->padding, in->members);
		inp_finish(in);
	} else if (in->avail == 0) {
		inp_finish(in);	/* clean end (or a read error, recorded) */
	} else if (in->avail >= 6 && magic_prefix(p, 6)) {
		if (new_stream(x) < 0) {
			inp_damage(in, inp_pos(in), "out of memory in xz stream %u", in->members + 1);
			inp_finish(in);
		}
	} else if (in->avail < 6 && !in->read_err && magic_prefix(p, in->avail)) {
		inp_damage(in, in->raw, "unexpected end of xz stream");
		inp_finish(in);
	} else {
		inp_damage(in, inp_pos(in), "trailing garbage after last xz stream");
		inp_finish(in);
	}
}

/* liblzma's error r, found at off, in words. */
static void xz_damage(struct inp *in, struct xz *x, lzma_ret r, uint64_t off)
{
	unsigned nr = in->members + 1;

	switch (r) {
	case LZMA_MEMLIMIT_ERROR:
		inp_damage(in, off,
			   "xz stream %u needs %llu MiB of memory to decode, more than the %u MiB limit",
			   nr, (unsigned long long)((lzma_memusage(&x->strm) + (1u << 20) - 1) >> 20),
			   INP_XZ_MEMLIMIT >> 20);
		break;
	case LZMA_MEM_ERROR:
		inp_damage(in, off, "out of memory in xz stream %u", nr);
		break;
	case LZMA_UNSUPPORTED_CHECK:
		inp_damage(in, off, "unsupported xz integrity check (ID %d) in stream %u",
			   (int)lzma_get_check(&x->strm), nr);
		break;
	case LZMA_OPTIONS_ERROR:
		inp_damage(in, off, "unsupported xz options (a filter or header field) in stream %u", nr);
		break;
	case LZMA_FORMAT_ERROR:
		inp_damage(in, off, "not an xz stream header in stream %u", nr);
		break;
	case LZMA_BUF_ERROR:
		inp_damage(in, in->raw, "unexpected end of xz stream");
		break;
	case LZMA_DATA_ERROR:
		inp_damage(in, off, "corrupt xz data in stream %u (a header, the index or a check)", nr);
		break;
	default:
		inp_damage(in, off, "xz decoder error %d in stream %u", (int)r, nr);
		break;
	}
}

static size_t xz_step(struct inp *in, char *dst, size_t n)
{
	struct xz *x = in->ds;
	size_t used, got;
	lzma_ret r;

	if (!x->in_stream) {
		boundary(in, x);
		return 0;
	}
	if (in->avail == 0)
		inp_refill(in);
	x->strm.next_in = in->next;
	x->strm.avail_in = in->avail;
	x->strm.next_out = (uint8_t *)dst;
	x->strm.avail_out = n;
	/* LZMA_FINISH once the file has ended: a cut Stream is an error then. */
	r = lzma_code(&x->strm, in->avail == 0 ? LZMA_FINISH : LZMA_RUN);
	used = in->avail - x->strm.avail_in;
	got = n - x->strm.avail_out;
	in->next += used;
	in->avail -= used;
	if (r == LZMA_STREAM_END) {
		in->members++;
		x->in_stream = false;
	} else if (r != LZMA_OK) {
		/* What liblzma put out before the error is audited (as by xzcat). */
		xz_damage(in, x, r, inp_pos(in));
		inp_finish(in);
	} else if (got == 0 && used == 0 && in->avail == 0) {
		inp_damage(in, in->raw, "unexpected end of xz stream");
		inp_finish(in);
	} else if (got == 0 && used == 0) {
		inp_damage(in, inp_pos(in), "xz made no progress in stream %u", in->members + 1);
		inp_finish(in);
	}
	return got;
}

static int xz_start(struct inp *in)
{
	struct xz *x = try_calloc(1, sizeof(*x));
	lzma_stream init = LZMA_STREAM_INIT;

	if (!x)
		return -1;
	in->ds = x;
	x->strm = init;
	if (in->avail < 6) {
		/* xz_magic saw the whole file: cut inside the magic. */
		inp_damage(in, in->raw, "unexpected end of xz stream");
		inp_finish(in);
		return 0;
	}
	return new_stream(x);
}

static void xz_end(struct inp *in)
{
	struct xz *x = in->ds;

	if (!x)
		return;
	lzma_end(&x->strm);
	free(x);
	in->ds = NULL;
}

static const char *xz_version(void)
{
	static char v[32];

	snprintf(v, sizeof(v), "liblzma %s", lzma_version_string());
	return v;
}

const struct inp_decoder inp_xz = {
	.name = "xz",
	.kind = INP_XZ,
	.magic = xz_magic,
	.start = xz_start,
	.step = xz_step,
	.end = xz_end,
	.version = xz_version,
};

#else

const struct inp_decoder inp_xz = {
	.name = "xz",
	.kind = INP_XZ,
	.magic = xz_magic,
};

#endif
