/*
 * input.c - stage 1: bytes from a file or stdin, gzip decoded when the
 * content says so (see input.h for the contract).
 *
 * Gzip is decoded with zlib's inflate in gzip mode (windowBits 15 + 16),
 * which checks the header (including FHCRC), the CRC-32 and ISIZE of every
 * member.  Between members we decide ourselves what the next bytes are:
 * another member (1f 8b), zero padding (every remaining byte must be 0), or
 * garbage.  One input buffer of INP_BUFSZ plus zlib's 32 KiB window is all
 * the memory an input ever uses.
 *
 * Once damage is found the rest of the file is still read (not decoded), so
 * that inp_sha256() is the digest of the whole file on disk, which is what an
 * evidence record needs.  Only a read error leaves the digest unknown.
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

#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "digest.h"

enum inp_state {
	ST_PLAIN,	/* pass bytes through */
	ST_MEMBER,	/* inside a gzip member */
	ST_BETWEEN,	/* a member ended: what comes next? */
	ST_PADDING,	/* zero padding after the last member */
#ifdef HAVE_ISAL
	ST_REPLAY,	/* ISA-L rejected a member: zlib decodes it again */
#endif
	ST_DONE,	/* end of stream, clean or damaged */
};

#ifdef HAVE_ISAL
/* Where an ISA-L member is (zlib members are one inflate() stream). */
enum inp_phase {
	PH_HEADER,	/* zlib parses the gzip header */
	PH_BODY,	/* ISA-L decodes the deflate data */
	PH_TRAILER,	/* CRC-32 and ISIZE, checked here */
};
#endif

struct inp {
	int fd;
	bool own_fd;
	enum inp_kind kind;
	enum inp_state st;

	/*
	 * zs.next_in/avail_in are the cursor into ib in every state, plain
	 * included, so there is one notion of "bytes buffered but not used".
	 */
	z_stream zs;
	bool zinit;
	gz_header hdr;	/* only .done is used: header errors vs data errors */
	unsigned char *ib;

	uint64_t size;	/* st_size of a regular file, else 0 */
	uint64_t raw;	/* bytes read from the file descriptor */
	uint64_t produced;
	unsigned members;
	bool raw_eof;
	bool read_err;

	bool damaged;
	uint64_t dmg_off;
	char dmg_msg[192];

#ifdef HAVE_ISAL
	bool isal;	/* deflate data goes to ISA-L (chosen at open) */
	enum inp_phase ph;
	struct inflate_state *is;	/* ~85 KiB, allocated for gzip input only */
	uint64_t mstart;	/* offset of the current member's first byte */
	uint64_t mout;	/* bytes decoded from the current member */
	off_t base;	/* file offset of our byte 0, or -1: cannot pread */
	/* ST_REPLAY: zlib decodes the member again with pread. */
	uint64_t rpos;	/* next offset (ours) to pread */
	uint64_t rskip;	/* decoded bytes the caller already has */
	bool reof;
	int isal_ret;	/* ISA-L's finding (ISAL_ or REJ_), and where */
	uint64_t isal_off;
#endif

	struct dg_sha256 sha;
	char hex[65];
};

static void set_damage(struct inp *in, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The first damage wins: later symptoms are consequences of it. */
static void set_damage(struct inp *in, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (in->damaged)
		return;
	in->damaged = true;
	in->dmg_off = off;
	va_start(ap, fmt);
	vsnprintf(in->dmg_msg, sizeof(in->dmg_msg), fmt, ap);
	va_end(ap);
}

/*
 * One read(2), retried on EINTR.  Returns the byte count, or 0 at end of
 * file or on a read error (recorded as damage).  After EOF the descriptor
 * is not read again: a terminal on stdin would otherwise block.
 */
static size_t raw_read(struct inp *in, unsigned char *dst, size_t n)
{
	ssize_t r;

	if (in->raw_eof || in->read_err || n == 0)
		return 0;
	do
		r = read(in->fd, dst, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		in->read_err = true;
		set_damage(in, in->raw, "read error: %s", strerror(errno));
		return 0;
	}
	if (r == 0) {
		in->raw_eof = true;
		return 0;
	}
	dg_sha256_update(&in->sha, dst, (size_t)r);
	in->raw += (uint64_t)r;
	return (size_t)r;
}

/* Offset in the file of the next unused buffered byte. */
static uint64_t pos(const struct inp *in)
{
#ifdef HAVE_ISAL
	/* Replay reads through the same cursor, at other offsets. */
	if (in->st == ST_REPLAY)
		return in->isal_off;
#endif
	return in->raw - in->zs.avail_in;
}

/* Refill an empty input buffer; returns the bytes now available. */
static size_t refill(struct inp *in)
{
	in->zs.next_in = in->ib;
	in->zs.avail_in = (uInt)raw_read(in, in->ib, INP_BUFSZ);
	return in->zs.avail_in;
}

/*
 * Make at least k (small) bytes available unless the file ends first.
 * Pipes deliver short reads, so a member boundary or the magic number may
 * straddle two reads.
 */
static void fill_at_least(struct inp *in, size_t k)
{
	size_t got;

	if (in->zs.avail_in >= k)
		return;
	if (in->zs.avail_in)
		memmove(in->ib, in->zs.next_in, in->zs.avail_in);
	in->zs.next_in = in->ib;
	while (in->zs.avail_in < k) {
		got = raw_read(in, in->ib + in->zs.avail_in, INP_BUFSZ - in->zs.avail_in);
		if (got == 0)
			break;
		in->zs.avail_in += (uInt)got;
	}
}

/* End of stream: read the rest for the digest, then publish the digest. */
static void finish(struct inp *in)
{
	in->st = ST_DONE;
	if (in->damaged && !in->read_err) {
		in->zs.avail_in = 0;
		while (refill(in))
			in->zs.avail_in = 0;
	}
	in->zs.avail_in = 0;
	if (!in->read_err)
		dg_sha256_hex(&in->sha, in->hex);
}

static int start_member(struct inp *in)
{
	int ret;

#ifdef HAVE_ISAL
	if (in->isal) {
		if (!in->is) {
			in->is = malloc(sizeof(*in->is));
			if (!in->is)
				return -1;
			isal_inflate_init(in->is);
			/* Raw deflate; ISA-L keeps the CRC-32 of the output. */
			in->is->crc_flag = ISAL_GZIP_NO_HDR;
			in->is->hist_bits = 0;
		} else {
			isal_inflate_reset(in->is);
		}
		in->ph = PH_HEADER;
		in->mstart = pos(in);
		in->mout = 0;
	}
#endif

	if (!in->zinit) {
		ret = inflateInit2(&in->zs, 15 + 16);
		if (ret != Z_OK)
			return -1;
		in->zinit = true;
	} else if (inflateReset(&in->zs) != Z_OK) {
		return -1;
	}
	/* inflateReset forgets the header record; ask for it again. */
	memset(&in->hdr, 0, sizeof(in->hdr));
	inflateGetHeader(&in->zs, &in->hdr);
	in->st = ST_MEMBER;
	return 0;
}

/* A zlib error ret, detected at offset off, in words. */
static void inflate_damage_at(struct inp *in, int ret, uint64_t off)
{
	const char *m = in->zs.msg ? in->zs.msg : zError(ret);
	unsigned nr = in->members + 1;

	if (ret == Z_MEM_ERROR)
		set_damage(in, off, "out of memory in member %u", nr);
	else if (!in->hdr.done)
		set_damage(in, off, "invalid gzip header in member %u: %s", nr, m);
	else if (strcmp(m, "incorrect data check") == 0)
		set_damage(in, off, "crc mismatch in member %u", nr);
	else if (strcmp(m, "incorrect length check") == 0)
		set_damage(in, off, "length (isize) mismatch in member %u", nr);
	else
		set_damage(in, off, "invalid deflate data in member %u: %s", nr, m);
}

static void inflate_damage(struct inp *in, int ret)
{
	inflate_damage_at(in, ret, pos(in));
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
	unsigned nr = in->members + 1;

	switch (in->isal_ret) {
	case REJ_TRUNCATED:
		set_damage(in, in->isal_off, "unexpected end of gzip stream");
		break;
	case REJ_CRC:
		set_damage(in, in->isal_off, "crc mismatch in member %u", nr);
		break;
	case REJ_ISIZE:
		set_damage(in, in->isal_off, "length (isize) mismatch in member %u", nr);
		break;
	default:
		set_damage(in, in->isal_off, "invalid deflate data in member %u: %s", nr,
			   isal_msg(in->isal_ret));
		break;
	}
	finish(in);
}

/*
 * ISA-L's side found damage (what, at off) in the current member: decode
 * the member again with zlib if the input can be read again, else report
 * it as found.  A read error is recorded already and stays the damage.
 */
static void isal_reject(struct inp *in, int what, uint64_t off)
{
	in->isal_ret = what;
	in->isal_off = off;
	if (in->base < 0 || in->read_err || inflateReset(&in->zs) != Z_OK) {
		isal_damage_own(in);
		return;
	}
	memset(&in->hdr, 0, sizeof(in->hdr));
	inflateGetHeader(&in->zs, &in->hdr);
	in->st = ST_REPLAY;
	in->rpos = in->mstart;
	in->rskip = in->mout;
	in->reof = false;
	in->zs.avail_in = 0;
}

/* One step of the zlib replay of a member ISA-L rejected. */
static size_t replay_step(struct inp *in, char *dst, size_t n)
{
	size_t room, got;
	ssize_t r;
	int ret;

	if (in->zs.avail_in == 0 && !in->reof) {
		do
			r = pread(in->fd, in->ib, INP_BUFSZ, in->base + (off_t)in->rpos);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			isal_damage_own(in);
			return 0;
		}
		in->reof = r == 0;
		in->rpos += (uint64_t)r;
		in->zs.next_in = in->ib;
		in->zs.avail_in = (uInt)r;
	}
	room = n > UINT_MAX ? UINT_MAX : n;
	if (in->rskip && room > in->rskip)
		room = (size_t)in->rskip;
	in->zs.next_out = (unsigned char *)dst;
	in->zs.avail_out = (uInt)room;
	ret = inflate(&in->zs, Z_NO_FLUSH);
	got = room - in->zs.avail_out;
	if (ret == Z_STREAM_END) {
		/* zlib takes what ISA-L refused: say what ISA-L saw. */
		isal_damage_own(in);
	} else if (ret == Z_BUF_ERROR && in->zs.avail_in == 0 && in->reof) {
		set_damage(in, in->rpos, "unexpected end of gzip stream");
		finish(in);
	} else if (ret == Z_BUF_ERROR) {
		isal_damage_own(in);
	} else if (ret != Z_OK) {
		inflate_damage_at(in, ret, in->rpos - in->zs.avail_in);
		finish(in);
	}
	if (in->rskip) {
		/* Already returned by ISA-L: decoded only to get to the error. */
		in->rskip -= got;
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
	size_t keep = (size_t)(in->zs.next_in - in->ib);

	if (keep > 8)
		keep = 8;
	memmove(in->ib, in->zs.next_in - keep, keep);
	in->zs.next_in = in->ib + keep;
	in->zs.avail_in = (uInt)raw_read(in, in->ib + keep, INP_BUFSZ - keep);
	return in->zs.avail_in;
}

/* After ISAL_BLOCK_FINISH: give the bytes ISA-L read ahead back to ib. */
static void isal_unread(struct inp *in)
{
	uint32_t k = (uint32_t)in->is->read_in_length / 8;

	in->zs.next_in -= k;
	in->zs.avail_in += k;
	in->is->read_in_length = 0;
	in->is->read_in = 0;
}

/*
 * ST_MEMBER with ISA-L: header (zlib), deflate data (ISA-L), trailer (here,
 * in zlib's order and at zlib's offsets).
 */
static size_t isal_member_step(struct inp *in, char *dst, size_t n)
{
	struct inflate_state *is = in->is;
	uint32_t room, before_in;
	enum isal_block_state before_st;
	const unsigned char *t;
	size_t got;
	int ret;

	switch (in->ph) {
	case PH_HEADER:
		if (in->zs.avail_in == 0)
			refill(in);
		in->zs.next_out = (unsigned char *)dst;
		in->zs.avail_out = n > UINT_MAX ? UINT_MAX : (uInt)n;
		/* Z_BLOCK: zlib stops after the header, before any deflate bit. */
		ret = inflate(&in->zs, Z_BLOCK);
		if (ret == Z_OK && in->hdr.done) {
			in->ph = PH_BODY;
		} else if (ret == Z_BUF_ERROR && in->zs.avail_in == 0) {
			set_damage(in, in->raw, "unexpected end of gzip stream");
			finish(in);
		} else if (ret == Z_BUF_ERROR) {
			set_damage(in, pos(in), "inflate made no progress in member %u",
				   in->members + 1);
			finish(in);
		} else if (ret != Z_OK) {
			inflate_damage(in, ret);
			finish(in);
		}
		return 0;
	case PH_BODY:
		if (in->zs.avail_in == 0)
			isal_refill(in);
		room = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		before_in = in->zs.avail_in;
		before_st = is->block_state;
		is->next_in = in->zs.next_in;
		is->avail_in = in->zs.avail_in;
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
		in->zs.next_in = is->next_in;
		in->zs.avail_in = is->avail_in;
		in->mout += got;
		if (ret < 0) {
			/* Bytes in ISA-L's bit buffer are read, not yet decoded. */
			uint64_t held = (uint64_t)is->read_in_length / 8, p = pos(in);
			isal_reject(in, ret, p - (held < p - in->mstart ? held : p - in->mstart));
		} else if (is->block_state == ISAL_BLOCK_FINISH) {
			isal_unread(in);
			in->ph = PH_TRAILER;
		} else if (got == 0 && before_in == 0) {
			/* Nothing left to read, nothing more decodable by ISA-L. */
			isal_reject(in, REJ_TRUNCATED, in->raw);
		} else if (got == 0 && is->avail_in == before_in && is->block_state == before_st) {
			set_damage(in, pos(in), "inflate made no progress in member %u",
				   in->members + 1);
			finish(in);
		}
		return got;
	case PH_TRAILER:
		fill_at_least(in, 8);
		t = in->zs.next_in;
		if (in->zs.avail_in < 4) {
			/* All deflate data was decoded: zlib would say the same. */
			set_damage(in, in->raw, "unexpected end of gzip stream");
		} else if (le32(t) != is->crc) {
			isal_reject(in, REJ_CRC, pos(in) + 4);
			return 0;
		} else if (in->zs.avail_in < 8) {
			set_damage(in, in->raw, "unexpected end of gzip stream");
		} else if (le32(t + 4) != (uint32_t)in->mout) {
			isal_reject(in, REJ_ISIZE, pos(in) + 8);
			return 0;
		} else {
			in->zs.next_in += 8;
			in->zs.avail_in -= 8;
			in->members++;
			in->st = ST_BETWEEN;
			return 0;
		}
		finish(in);
		return 0;
	}
	return 0;
}
#endif

/* One step of the gzip state machine; returns decoded bytes (maybe 0). */
static size_t gzip_step(struct inp *in, char *dst, size_t n)
{
	const unsigned char *p, *end;
	size_t got;
	uInt room;
	int ret;

	switch (in->st) {
	case ST_MEMBER:
#ifdef HAVE_ISAL
		if (in->isal)
			return isal_member_step(in, dst, n);
#endif
		/*
		 * At EOF inflate still runs with no input: it may hold decodable
		 * bits that did not fit the caller's buffer last time.
		 */
		if (in->zs.avail_in == 0)
			refill(in);
		room = n > UINT_MAX ? UINT_MAX : (uInt)n;
		in->zs.next_out = (unsigned char *)dst;
		in->zs.avail_out = room;
		ret = inflate(&in->zs, Z_NO_FLUSH);
		got = room - in->zs.avail_out;
		if (ret == Z_STREAM_END) {
			in->members++;
			in->st = ST_BETWEEN;
		} else if (ret == Z_BUF_ERROR && in->zs.avail_in == 0) {
			/* No input left and nothing more to decode: EOF inside a
			 * member, its header included (or a read error, recorded). */
			set_damage(in, in->raw, "unexpected end of gzip stream");
			finish(in);
		} else if (ret == Z_BUF_ERROR) {
			/* No progress with input and room: cannot happen; never spin. */
			set_damage(in, pos(in), "inflate made no progress in member %u",
				   in->members + 1);
			finish(in);
		} else if (ret != Z_OK) {
			inflate_damage(in, ret);
			finish(in);
		}
		return got;
	case ST_BETWEEN:
		fill_at_least(in, 2);
		p = in->zs.next_in;
		if (in->zs.avail_in == 0) {
			finish(in);	/* clean end (or a read error, already recorded) */
		} else if (p[0] == 0x1f && in->zs.avail_in >= 2 && p[1] == 0x8b) {
			if (start_member(in) < 0) {
				set_damage(in, pos(in), "out of memory in member %u",
					   in->members + 1);
				finish(in);
			}
		} else if (p[0] == 0x1f && in->zs.avail_in == 1 && !in->read_err) {
			/* The file ends one byte into what looks like a header. */
			set_damage(in, in->raw, "unexpected end of gzip stream");
			finish(in);
		} else if (p[0] == 0) {
			in->st = ST_PADDING;
		} else {
			set_damage(in, pos(in), "trailing garbage after last member");
			finish(in);
		}
		return 0;
	case ST_PADDING:
		if (in->zs.avail_in == 0 && refill(in) == 0) {
			finish(in);
			return 0;
		}
		p = in->zs.next_in;
		end = p + in->zs.avail_in;
		while (p < end && *p == 0)
			p++;
		in->zs.next_in = (unsigned char *)p;
		in->zs.avail_in = (uInt)(end - p);
		if (p < end) {
			/* A member after padding is not one logrotate or cat makes. */
			set_damage(in, pos(in), "trailing garbage after last member");
			finish(in);
		}
		return 0;
#ifdef HAVE_ISAL
	case ST_REPLAY:
		return replay_step(in, dst, n);
#endif
	case ST_PLAIN:
	case ST_DONE:
		break;
	}
	return 0;
}

static size_t plain_read(struct inp *in, char *dst, size_t n)
{
	size_t got;

	if (in->zs.avail_in) {
		/* What content detection buffered goes first. */
		got = in->zs.avail_in < n ? in->zs.avail_in : n;
		memcpy(dst, in->zs.next_in, got);
		in->zs.next_in += got;
		in->zs.avail_in -= (uInt)got;
		return got;
	}
	got = raw_read(in, (unsigned char *)dst, n);
	if (got == 0)
		finish(in);
	return got;
}

size_t inp_read(struct inp *in, char *dst, size_t n)
{
	size_t got = 0;

	if (n == 0)
		return 0;
	if (in->st == ST_PLAIN) {
		got = plain_read(in, dst, n);
	} else {
		/* Steps that only parse headers or padding produce nothing: go on. */
		while (got == 0 && in->st != ST_DONE)
			got = gzip_step(in, dst, n);
	}
	in->produced += got;
	return got;
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

struct inp *inp_open(const char *path, struct diag *err)
{
	struct inp *in;
	struct stat st;
	int fd, saved;
	const unsigned char *p;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			diag_set(err, "%s: %s", path, strerror(errno));
			return NULL;
		}
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		goto fail_errno;
	}
	if (S_ISDIR(st.st_mode)) {
		saved = EISDIR;
		goto fail_errno;
	}
	in = calloc(1, sizeof(*in));
	if (in)
		in->ib = malloc(INP_BUFSZ);
	if (!in || !in->ib) {
		if (in)
			free(in);
		saved = ENOMEM;
		goto fail_errno;
	}
	in->fd = fd;
	in->own_fd = fd != STDIN_FILENO;
	in->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	in->zs.next_in = in->ib;
	dg_sha256_init(&in->sha);
#ifdef HAVE_ISAL
	in->isal = want_isal();
	/* Offsets are relative to where we start: stdin may be mid-file. */
	in->base = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
#endif
#ifdef POSIX_FADV_SEQUENTIAL
	if (S_ISREG(st.st_mode))
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif

	fill_at_least(in, 4);
	p = in->zs.next_in;
	if (in->zs.avail_in >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		in->kind = INP_GZIP;
		if (start_member(in) < 0) {
			inp_close(in);
			diag_set(err, "%s: out of memory", path);
			return NULL;
		}
	} else if (in->zs.avail_in == 1 && p[0] == 0x1f && in->raw_eof) {
		/* Nobody writes a lone 0x1f as a log: a gzip cut after one byte. */
		in->kind = INP_GZIP;
		set_damage(in, in->raw, "unexpected end of gzip stream");
		finish(in);
	} else {
		in->kind = INP_PLAIN;
		in->st = ST_PLAIN;
		if (in->zs.avail_in >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
		    p[3] == 0xfd) {
			/* Decoding zstd as text would audit garbage, and quietly. */
			set_damage(in, 0, "zstd-compressed input, but this build has no zstd support");
			finish(in);
		} else if (in->read_err) {
			finish(in);
		}
	}
	return in;

fail_errno:
	if (fd != STDIN_FILENO)
		close(fd);
	diag_set(err, "%s: %s", path, strerror(saved));
	return NULL;
}

enum inp_kind inp_kind(const struct inp *in)
{
	return in->kind;
}

uint64_t inp_size(const struct inp *in)
{
	return in->size;
}

uint64_t inp_consumed(const struct inp *in)
{
	return pos(in);
}

uint64_t inp_produced(const struct inp *in)
{
	return in->produced;
}

unsigned inp_members(const struct inp *in)
{
	return in->members;
}

bool inp_damaged(const struct inp *in, uint64_t *offset, const char **msg)
{
	if (!in->damaged)
		return false;
	if (offset)
		*offset = in->dmg_off;
	if (msg)
		*msg = in->dmg_msg;
	return true;
}

const char *inp_sha256(const struct inp *in)
{
	return in->hex;
}

void inp_close(struct inp *in)
{
	if (!in)
		return;
	if (in->zinit)
		inflateEnd(&in->zs);
#ifdef HAVE_ISAL
	free(in->is);
#endif
	if (in->own_fd)
		close(in->fd);
	free(in->ib);
	free(in);
}
