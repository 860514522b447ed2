/*
 * input_gzip.c - the gzip decoder of input.c (see input.h for the contract,
 * input_impl.h for the decoder interface).
 *
 * Gzip is decoded with zlib's inflate in gzip mode (windowBits 15 + 16),
 * which checks the header (including FHCRC), the CRC-32 and ISIZE of every
 * member.  Between members we decide ourselves what the next bytes are:
 * another member (1f 8b), zero padding (every remaining byte must be 0), or
 * garbage.  One input buffer of INP_BUFSZ plus zlib's 32 KiB window is all
 * the memory an input ever uses.
 *
 * With HAVE_ISAL the deflate data of each member is decoded by ISA-L's
 * isal_inflate instead (raw deflate, CRC-32 computed by ISA-L as it goes),
 * about three times zlib's speed.  To keep one integrity behaviour whatever
 * the backend:
 *  - the gzip header is still parsed by zlib (inflate with Z_BLOCK stops
 *    right after it), so header errors, FHCRC and their offsets are zlib's;
 *  - the trailer is checked here byte for byte as zlib does: CRC first,
 *    reported 4 bytes into the trailer, then ISIZE, 8 bytes in;
 *  - ISA-L only says "invalid block/symbol/lookback", and stops at another
 *    bit than zlib; it accepts incomplete Huffman codes that zlib rejects
 *    (the garbage they decode then fails the CRC); at a cut it leaves the
 *    last one or two symbols undecoded.  So when a member of a seekable
 *    input is damaged in its deflate data or trailer, it is decoded again
 *    from its start with zlib (pread, the same buffer), skipping the bytes
 *    already returned: the message, the offset and any bytes zlib decodes
 *    beyond ISA-L are then exactly zlib's.  This costs a second decode of
 *    the damaged member, only on damage.  What cannot be taken back: bytes
 *    ISA-L decoded past the point where zlib stops (zlib's output is then a
 *    prefix of ours).  A pipe cannot be read again: there ISA-L's finding
 *    is reported, in its own words for invalid deflate data.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "input_impl.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

enum gz_state {
	ST_MEMBER,	/* inside a gzip member */
	ST_BETWEEN,	/* a member ended: what comes next? */
#ifdef HAVE_ISAL
	ST_REPLAY,	/* ISA-L rejected a member: zlib decodes it again */
#endif
};

#ifdef HAVE_ISAL
/* Where an ISA-L member is (zlib members are one inflate() stream). */
enum inp_phase {
	PH_HEADER,	/* zlib parses the gzip header */
	PH_BODY,	/* ISA-L decodes the deflate data */
	PH_TRAILER,	/* CRC-32 and ISIZE, checked here */
};
#endif

struct gz {
	enum gz_state st;
	z_stream zs;	/* next_in/avail_in: the cursor, lent for each call */
	bool zinit;
	gz_header hdr;	/* only .done is used: header errors vs data errors */
#ifdef HAVE_ISAL
	bool isal;	/* deflate data goes to ISA-L (chosen at open) */
	enum inp_phase ph;
	struct inflate_state *is;	/* ~85 KiB, allocated for gzip input only */
	uint64_t mstart;	/* offset of the current member's first byte */
	uint64_t mout;	/* bytes decoded from the current member */
	/* ST_REPLAY: zlib decodes the member again with pread. */
	uint64_t rpos;	/* next offset (ours) to pread */
	uint64_t rskip;	/* decoded bytes the caller already has */
	bool reof;
	int isal_ret;	/* ISA-L's finding (ISAL_ or REJ_), and where */
	uint64_t isal_off;
#endif
};

/* Offset of the next unused byte (replay reads at other offsets). */
static uint64_t pos(const struct inp *in)
{
#ifdef HAVE_ISAL
	const struct gz *g = in->ds;

	if (g->st == ST_REPLAY && !in->done)
		return g->isal_off;
#endif
	return inp_pos(in);
}

/* inflate() with the input cursor lent to zlib. */
static int inflate_cur(struct inp *in, struct gz *g, int flush)
{
	int ret;

	g->zs.next_in = in->next;
	g->zs.avail_in = (uInt)in->avail;
	ret = inflate(&g->zs, flush);
	in->next = g->zs.next_in;
	in->avail = g->zs.avail_in;
	return ret;
}

static int start_member(struct inp *in)
{
	struct gz *g = in->ds;
	int ret;

#ifdef HAVE_ISAL
	if (g->isal) {
		if (!g->is) {
			g->is = try_malloc(sizeof(*g->is));
			if (!g->is)
				return -1;
			isal_inflate_init(g->is);
			/* Raw deflate; ISA-L keeps the CRC-32 of the output. */
			g->is->crc_flag = ISAL_GZIP_NO_HDR;
			g->is->hist_bits = 0;
		} else {
			isal_inflate_reset(g->is);
		}
		g->ph = PH_HEADER;
		g->mstart = pos(in);
		g->mout = 0;
	}
#endif

	if (!g->zinit) {
		ret = inflateInit2(&g->zs, 15 + 16);
		if (ret != Z_OK)
			return -1;
		g->zinit = true;
	} else if (inflateReset(&g->zs) != Z_OK) {
		return -1;
	}
	/* inflateReset forgets the header record; ask for it again. */
	memset(&g->hdr, 0, sizeof(g->hdr));
	inflateGetHeader(&g->zs, &g->hdr);
	g->st = ST_MEMBER;
	return 0;
}

/* A zlib error ret, detected at offset off, in words. */
static void inflate_damage_at(struct inp *in, int ret, uint64_t off)
{
	struct gz *g = in->ds;
	const char *m = g->zs.msg ? g->zs.msg : zError(ret);
	unsigned nr = in->members + 1;

	if (ret == Z_MEM_ERROR)
		inp_damage(in, off, "out of memory in member %u", nr);
	else if (!g->hdr.done)
		inp_damage(in, off, "invalid gzip header in member %u: %s", nr, m);
	else if (strcmp(m, "incorrect data check") == 0)
		inp_damage(in, off, "crc mismatch in member %u", nr);
	else if (strcmp(m, "incorrect length check") == 0)
		inp_damage(in, off, "length (isize) mismatch in member %u", nr);
	else
		inp_damage(in, off, "invalid deflate data in member %u: %s", nr, m);
}

static void inflate_damage(struct inp *in, int ret)
{
	inflate_damage_at(in, ret, pos(in));
}

/*
 * An inflate() result that is neither progress (Z_OK) nor the member's
 * end: the input is damaged there and finished.  Z_BUF_ERROR with no
 * input left is EOF inside a member (its header included, or a read error,
 * recorded); with input left it means no progress with input and room,
 * which cannot happen: never spin.
 */
static void inflate_stopped(struct inp *in, int ret)
{
	if (ret == Z_BUF_ERROR && in->avail == 0)
		inp_damage(in, in->raw, "unexpected end of gzip stream");
	else if (ret == Z_BUF_ERROR)
		inp_damage(in, pos(in), "inflate made no progress in member %u", in->members + 1);
	else
		inflate_damage(in, ret);
	inp_finish(in);
}

#ifdef HAVE_ISAL
/* Damage ISA-L's side finds that is not an ISA-L error code (those are < 0). */
enum {
	REJ_TRUNCATED = 1,
	REJ_CRC,
	REJ_ISIZE,
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ISA-L's error in its own words (zlib's wording where they coincide). */
static const char *isal_msg(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	default:
		return "isa-l inflate error";
	}
}

/* Report what ISA-L's side found. */
static void isal_damage_own(struct inp *in)
{
	struct gz *g = in->ds;
	unsigned nr = in->members + 1;

	switch (g->isal_ret) {
	case REJ_TRUNCATED:
		inp_damage(in, g->isal_off, "unexpected end of gzip stream");
		break;
	case REJ_CRC:
		inp_damage(in, g->isal_off, "crc mismatch in member %u", nr);
		break;
	case REJ_ISIZE:
		inp_damage(in, g->isal_off, "length (isize) mismatch in member %u", nr);
		break;
	default:
		inp_damage(in, g->isal_off, "invalid deflate data in member %u: %s", nr,
			   isal_msg(g->isal_ret));
		break;
	}
	inp_finish(in);
}

/*
 * ISA-L's side found damage (what, at off) in the current member: decode
 * the member again with zlib if the input can be read again, else report
 * it as found.  A read error is recorded already and stays the damage.
 */
static void isal_reject(struct inp *in, int what, uint64_t off)
{
	struct gz *g = in->ds;
	g->isal_ret = what;
	g->isal_off = off;
	if (in->base < 0 || in->read_err || inflateReset(&g->zs) != Z_OK) {
		isal_damage_own(in);
		return;
	}
	memset(&g->hdr, 0, sizeof(g->hdr));
	inflateGetHeader(&g->zs, &g->hdr);
	g->st = ST_REPLAY;
	g->rpos = g->mstart;
	g->rskip = g->mout;
	g->reof = false;
	in->avail = 0;
}

/* One step of the zlib replay of a member ISA-L rejected. */
static size_t replay_step(struct inp *in, char *dst, size_t n)
{
	struct gz *g = in->ds;
	size_t room, got;
	ssize_t r;
	int ret;

	if (in->avail == 0 && !g->reof) {
		do
			r = pread(in->fd, in->ib, INP_BUFSZ, in->base + (off_t)g->rpos);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			isal_damage_own(in);
			return 0;
		}
		g->reof = r == 0;
		g->rpos += (uint64_t)r;
		in->next = in->ib;
		in->avail = (uInt)r;
	}
	room = n > UINT_MAX ? UINT_MAX : n;
	if (g->rskip && room > g->rskip)
		room = (size_t)g->rskip;
	g->zs.next_out = (unsigned char *)dst;
	g->zs.avail_out = (uInt)room;
	ret = inflate_cur(in, g, Z_NO_FLUSH);
	got = room - g->zs.avail_out;
	if (ret == Z_STREAM_END) {
		/* zlib takes what ISA-L refused: say what ISA-L saw. */
		isal_damage_own(in);
	} else if (ret == Z_BUF_ERROR && in->avail == 0 && g->reof) {
		inp_damage(in, g->rpos, "unexpected end of gzip stream");
		inp_finish(in);
	} else if (ret == Z_BUF_ERROR) {
		isal_damage_own(in);
	} else if (ret != Z_OK) {
		inflate_damage_at(in, ret, g->rpos - in->avail);
		inp_finish(in);
	}
	if (g->rskip) {
		/* Already returned by ISA-L: decoded only to get to the error. */
		g->rskip -= got;
		return 0;
	}
	return got;
}

/*
 * ISA-L loads input into a 64-bit bit buffer ahead of decoding.  At the end
 * of a member the whole bytes left in it are the start of the trailer, and
 * must go back into our buffer: ISA-L 2.32 rewinds next_in itself, older
 * versions (Debian's 2.30) leave them in read_in.  Either way they must
 * still be in ib, so a refill keeps the last 8 bytes before next_in.
 */
static size_t isal_refill(struct inp *in)
{
	size_t keep = (size_t)(in->next - in->ib);

	if (keep > 8)
		keep = 8;
	memmove(in->ib, in->next - keep, keep);
	in->next = in->ib + keep;
	in->avail = (uInt)inp_raw_read(in, in->ib + keep, INP_BUFSZ - keep);
	return in->avail;
}

/* After ISAL_BLOCK_FINISH: give the bytes ISA-L read ahead back to ib. */
static void isal_unread(struct inp *in)
{
	struct gz *g = in->ds;
	uint32_t k = (uint32_t)g->is->read_in_length / 8;

	in->next -= k;
	in->avail += k;
	g->is->read_in_length = 0;
	g->is->read_in = 0;
}

/*
 * ST_MEMBER with ISA-L: header (zlib), deflate data (ISA-L), trailer (here,
 * in zlib's order and at zlib's offsets).
 */
static size_t isal_member_step(struct inp *in, char *dst, size_t n)
{
	struct gz *g = in->ds;
	struct inflate_state *is = g->is;
	uint32_t room, before_in;
	enum isal_block_state before_st;
	const unsigned char *t;
	size_t got;
	int ret;

	switch (g->ph) {
	case PH_HEADER:
		if (in->avail == 0)
			inp_refill(in);
		g->zs.next_out = (unsigned char *)dst;
		g->zs.avail_out = n > UINT_MAX ? UINT_MAX : (uInt)n;
		/* Z_BLOCK: zlib stops after the header, before any deflate bit. */
		ret = inflate_cur(in, g, Z_BLOCK);
		if (ret == Z_OK && g->hdr.done)
			g->ph = PH_BODY;
		else if (ret != Z_OK)
			inflate_stopped(in, ret);
		return 0;
	case PH_BODY:
		if (in->avail == 0)
			isal_refill(in);
		room = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		before_in = in->avail;
		before_st = is->block_state;
		is->next_in = in->next;
		is->avail_in = in->avail;
		is->next_out = (uint8_t *)dst;
		is->avail_out = room;
		ret = isal_inflate(is);
		got = room - is->avail_out;
		/*
		 * Output of a failing call is not trusted: an invalid lookback
		 * leaves bytes copied from before dst (memory that is not the
		 * stream).  The zlib replay re-decodes this call's good part.
		 */
		if (ret < 0)
			got = 0;
		in->next = is->next_in;
		in->avail = is->avail_in;
		g->mout += got;
		if (ret < 0) {
			/* Bytes in ISA-L's bit buffer are read, not yet decoded. */
			uint64_t held = (uint64_t)is->read_in_length / 8, p = pos(in);
			isal_reject(in, ret, p - (held < p - g->mstart ? held : p - g->mstart));
		} else if (is->block_state == ISAL_BLOCK_FINISH) {
			isal_unread(in);
			g->ph = PH_TRAILER;
		} else if (got == 0 && before_in == 0) {
			/* Nothing left to read, nothing more decodable by ISA-L. */
			isal_reject(in, REJ_TRUNCATED, in->raw);
		} else if (got == 0 && is->avail_in == before_in && is->block_state == before_st) {
			inp_damage(in, pos(in), "inflate made no progress in member %u",
				   in->members + 1);
			inp_finish(in);
		}
		return got;
	case PH_TRAILER:
		inp_fill_at_least(in, 8);
		t = in->next;
		if (in->avail < 4) {
			/* All deflate data was decoded: zlib would say the same. */
			inp_damage(in, in->raw, "unexpected end of gzip stream");
		} else if (le32(t) != is->crc) {
			isal_reject(in, REJ_CRC, pos(in) + 4);
			return 0;
		} else if (in->avail < 8) {
			inp_damage(in, in->raw, "unexpected end of gzip stream");
		} else if (le32(t + 4) != (uint32_t)g->mout) {
			isal_reject(in, REJ_ISIZE, pos(in) + 8);
			return 0;
		} else {
			in->next += 8;
			in->avail -= 8;
			in->members++;
			g->st = ST_BETWEEN;
			return 0;
		}
		inp_finish(in);
		return 0;
	}
	return 0;
}
#endif

/* One step of the gzip state machine; returns decoded bytes (maybe 0). */
static size_t gzip_step(struct inp *in, char *dst, size_t n)
{
	struct gz *g = in->ds;
	const unsigned char *p;
	size_t got;
	uInt room;
	int ret;

	switch (g->st) {
	case ST_MEMBER:
#ifdef HAVE_ISAL
		if (g->isal)
			return isal_member_step(in, dst, n);
#endif
		/*
		 * At EOF inflate still runs with no input: it may hold decodable
		 * bits that did not fit the caller's buffer last time.
		 */
		if (in->avail == 0)
			inp_refill(in);
		room = n > UINT_MAX ? UINT_MAX : (uInt)n;
		g->zs.next_out = (unsigned char *)dst;
		g->zs.avail_out = room;
		ret = inflate_cur(in, g, Z_NO_FLUSH);
		got = room - g->zs.avail_out;
		if (ret == Z_STREAM_END) {
			in->members++;
			g->st = ST_BETWEEN;
		} else if (ret != Z_OK) {
			inflate_stopped(in, ret);
		}
		return got;
	case ST_BETWEEN:
		inp_fill_at_least(in, 2);
		p = in->next;
		if (in->avail == 0) {
			inp_finish(in);	/* clean end (or a read error, already recorded) */
		} else if (p[0] == 0x1f && in->avail >= 2 && p[1] == 0x8b) {
			if (start_member(in) < 0) {
				inp_damage(in, pos(in), "out of memory in member %u",
					   in->members + 1);
				inp_finish(in);
			}
		} else if (p[0] == 0x1f && in->avail == 1 && !in->read_err) {
			/* The file ends one byte into what looks like a header. */
			inp_damage(in, in->raw, "unexpected end of gzip stream");
			inp_finish(in);
		} else if (p[0] == 0) {
			inp_zero_padding(in, "trailing garbage after last member");
		} else {
			inp_damage(in, pos(in), "trailing garbage after last member");
			inp_finish(in);
		}
		return 0;
#ifdef HAVE_ISAL
	case ST_REPLAY:
		return replay_step(in, dst, n);
#endif
	}
	return 0;
}

/* DPFAUDIT_INFLATE=zlib: the user's (or a test's) way back to zlib. */
static bool want_isal(void)
{
#ifdef HAVE_ISAL
	const char *e = getenv("DPFAUDIT_INFLATE");

	return !e || strcmp(e, "zlib") != 0;
#else
	return false;
#endif
}

const char *inp_backend(void)
{
	return want_isal() ? "isa-l" : "zlib";
}

static bool gz_magic(const unsigned char *p, size_t n)
{
	/* A lone 0x1f as a whole file: nobody writes that as a log, a cut gzip. */
	return p[0] == 0x1f && (n == 1 || p[1] == 0x8b);
}

static int gz_start(struct inp *in)
{
	struct gz *g = try_calloc(1, sizeof(*g));

	if (!g)
		return -1;
	in->ds = g;
#ifdef HAVE_ISAL
	g->isal = want_isal();
#endif
	if (in->avail < 2) {
		/* gz_magic saw the whole file: one byte. */
		inp_damage(in, in->raw, "unexpected end of gzip stream");
		inp_finish(in);
		return 0;
	}
	return start_member(in);
}

static void gz_end(struct inp *in)
{
	struct gz *g = in->ds;

	if (!g)
		return;
	if (g->zinit)
		inflateEnd(&g->zs);
#ifdef HAVE_ISAL
	free(g->is);
#endif
	free(g);
	in->ds = NULL;
}

static const char *gz_version(void)
{
#ifdef HAVE_ISAL
	return "isa-l, zlib " ZLIB_VERSION;
#else
	return "zlib " ZLIB_VERSION;
#endif
}

const struct inp_decoder inp_gzip = {
	.name = "gzip",
	.kind = INP_GZIP,
	.magic = gz_magic,
	.start = gz_start,
	.step = gzip_step,
	.consumed = pos,
	.end = gz_end,
	.version = gz_version,
};
