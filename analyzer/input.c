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
 */
#define _POSIX_C_SOURCE 200809L

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

#include "digest.h"

enum inp_state {
	ST_PLAIN,	/* pass bytes through */
	ST_MEMBER,	/* inside a gzip member */
	ST_BETWEEN,	/* a member ended: what comes next? */
	ST_PADDING,	/* zero padding after the last member */
	ST_DONE,	/* end of stream, clean or damaged */
};

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

static void inflate_damage(struct inp *in, int ret)
{
	const char *m = in->zs.msg ? in->zs.msg : zError(ret);
	unsigned nr = in->members + 1;

	if (ret == Z_MEM_ERROR)
		set_damage(in, pos(in), "out of memory in member %u", nr);
	else if (!in->hdr.done)
		set_damage(in, pos(in), "invalid gzip header in member %u: %s", nr, m);
	else if (strcmp(m, "incorrect data check") == 0)
		set_damage(in, pos(in), "crc mismatch in member %u", nr);
	else if (strcmp(m, "incorrect length check") == 0)
		set_damage(in, pos(in), "length (isize) mismatch in member %u", nr);
	else
		set_damage(in, pos(in), "invalid deflate data in member %u: %s", nr, m);
}

/* One step of the gzip state machine; returns decoded bytes (maybe 0). */
static size_t gzip_step(struct inp *in, char *dst, size_t n)
{
	const unsigned char *p, *end;
	size_t got;
	uInt room;
	int ret;

	switch (in->st) {
	case ST_MEMBER:
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
	if (in->own_fd)
		close(in->fd);
	free(in->ib);
	free(in);
}
