/*
 * input.c - stage 1: bytes from a file or stdin, decoded when the content
 * says it is compressed (see input.h for the contract).
 *
 * This file owns what every input has: the file descriptor, one input
 * buffer of INP_BUFSZ with its cursor, the SHA-256 of the raw bytes, the
 * damage record, and content detection.  The decoders (input_gzip.c,
 * input_zstd.c, input_xz.c, input_bz2.c) implement struct inp_decoder
 * (input_impl.h); plain text is passed through here.
 *
 * Once damage is found the rest of the file is still read (not decoded), so
 * that inp_sha256() is the digest of the whole file on disk, which is what an
 * evidence record needs.  Only a read error leaves the digest unknown.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "input_impl.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tried in this order on the first bytes of every input. */
static const struct inp_decoder *const decoders[] = {
	&inp_gzip, &inp_zstd, &inp_xz, &inp_bzip2,
};
#define NDECODERS (sizeof(decoders) / sizeof(decoders[0]))

/* Bytes content detection looks at (the longest magic, bzip2's, is 10). */
#define MAGIC_MAX 10

/* The first damage wins: later symptoms are consequences of it. */
void inp_damage(struct inp *in, uint64_t off, const char *fmt, ...)
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
 * After EOF the descriptor is not read again: a terminal on stdin would
 * otherwise block.
 */
size_t inp_raw_read(struct inp *in, unsigned char *dst, size_t n)
{
	ssize_t r;

	if (in->raw_eof || in->read_err || n == 0)
		return 0;
	do
		r = read(in->fd, dst, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		in->read_err = true;
		inp_damage(in, in->raw, "read error: %s", strerror(errno));
		return 0;
	}
	if (r == 0) {
		in->raw_eof = true;
		return 0;
	}
	if (!in->no_sha)
		dg_sha256_update(&in->sha, dst, (size_t)r);
	in->raw += (uint64_t)r;
	return (size_t)r;
}

uint64_t inp_pos(const struct inp *in)
{
	return in->raw - in->avail;
}

size_t inp_refill(struct inp *in)
{
	in->next = in->ib;
	in->avail = inp_raw_read(in, in->ib, INP_BUFSZ);
	return in->avail;
}

/*
 * Pipes deliver short reads, so a member boundary or a magic number may
 * straddle two reads.
 */
void inp_fill_at_least(struct inp *in, size_t k)
{
	size_t got;

	if (in->avail >= k)
		return;
	if (in->avail)
		memmove(in->ib, in->next, in->avail);
	in->next = in->ib;
	while (in->avail < k) {
		got = inp_raw_read(in, in->ib + in->avail, INP_BUFSZ - in->avail);
		if (got == 0)
			break;
		in->avail += got;
	}
}

void inp_finish(struct inp *in)
{
	in->done = true;
	if (in->damaged && !in->read_err) {
		in->avail = 0;
		while (inp_refill(in))
			in->avail = 0;
	}
	in->avail = 0;
	if (!in->read_err && !in->no_sha)
		dg_sha256_hex(&in->sha, in->hex);
}

/*
 * Zero padding (tape and block devices pad with zeros) must run to the end
 * of the file: a non-zero byte after it, even another member, is not
 * something logrotate or cat makes.
 */
void inp_zero_padding(struct inp *in, const char *garbage)
{
	const unsigned char *p, *end;

	for (;;) {
		if (in->avail == 0 && inp_refill(in) == 0)
			break;
		p = in->next;
		end = p + in->avail;
		while (p < end && *p == 0)
			p++;
		in->next = (unsigned char *)p;
		in->avail = (size_t)(end - p);
		if (p < end) {
			inp_damage(in, inp_pos(in), "%s", garbage);
			break;
		}
	}
	inp_finish(in);
}

static size_t plain_read(struct inp *in, char *dst, size_t n)
{
	size_t got;

	if (in->avail) {
		/* What content detection buffered goes first. */
		got = in->avail < n ? in->avail : n;
		memcpy(dst, in->next, got);
		in->next += got;
		in->avail -= got;
		return got;
	}
	got = inp_raw_read(in, (unsigned char *)dst, n);
	if (got == 0)
		inp_finish(in);
	return got;
}

size_t inp_read(struct inp *in, char *dst, size_t n)
{
	size_t got = 0;

	if (n == 0 || in->done)
		return 0;
	if (!in->dec) {
		got = plain_read(in, dst, n);
	} else {
		/* Steps that only parse headers or padding produce nothing: go on. */
		while (got == 0 && !in->done)
			got = in->dec->step(in, dst, n);
	}
	if (in->out_digest && got) {
		if (in->produced < INP_HEAD) {
			uint64_t k = INP_HEAD - in->produced;
			dg_sha256_update(&in->out_head, dst, got < k ? got : (size_t)k);
		}
		dg_sha256_update(&in->out_sha, dst, got);
		in->out_last = (unsigned char)dst[got - 1];
	}
	in->produced += got;
	return got;
}

void inp_digest_output(struct inp *in)
{
	in->out_digest = true;
	in->out_last = -1;
	dg_sha256_init(&in->out_sha);
	dg_sha256_init(&in->out_head);
}

int inp_output_digests(struct inp *in, char full[65], char head[65])
{
	dg_sha256_hex(&in->out_sha, full);
	dg_sha256_hex(&in->out_head, head);
	return in->out_last;
}

/* Which format the first bytes say (NULL: plain text). */
static const struct inp_decoder *detect(const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return NULL;
	for (i = 0; i < NDECODERS; i++)
		if (decoders[i]->magic(p, n))
			return decoders[i];
	return NULL;
}

struct inp *inp_open(const char *path, struct diag *err)
{
	struct inp *in;
	struct stat st;
	int fd, saved;

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
	in = try_calloc(1, sizeof(*in));
	if (in)
		in->ib = try_malloc(INP_BUFSZ);
	if (!in || !in->ib) {
		if (in)
			free(in);
		saved = ENOMEM;
		goto fail_errno;
	}
	in->fd = fd;
	in->own_fd = fd != STDIN_FILENO;
	in->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	in->next = in->ib;
	dg_sha256_init(&in->sha);
	/* Offsets are relative to where we start: stdin may be mid-file. */
	in->base = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
#ifdef POSIX_FADV_SEQUENTIAL
	if (S_ISREG(st.st_mode))
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif

	inp_fill_at_least(in, MAGIC_MAX);
	in->dec = detect(in->next, in->avail);
	if (in->dec && !in->dec->start) {
		/* Decoding it as text would audit garbage, and quietly. */
		inp_damage(in, 0, "%s-compressed input: no %s support in this build",
			   in->dec->name, in->dec->name);
		inp_finish(in);
	} else if (in->dec && in->dec->start(in) < 0) {
		inp_close(in);
		diag_set(err, "%s: out of memory", path);
		return NULL;
	} else if (!in->dec && in->read_err) {
		inp_finish(in);
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
	return in->dec ? in->dec->kind : INP_PLAIN;
}

const char *inp_compression(const struct inp *in)
{
	return in->dec ? in->dec->name : "plain";
}

uint64_t inp_size(const struct inp *in)
{
	return in->size;
}

int inp_fd(const struct inp *in)
{
	return in->fd;
}

uint64_t inp_consumed(const struct inp *in)
{
	if (in->dec && in->dec->consumed)
		return in->dec->consumed(in);
	return inp_pos(in);
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

void inp_no_digest(struct inp *in)
{
	in->no_sha = true;
	in->hex[0] = '\0';
}

void inp_close(struct inp *in)
{
	if (!in)
		return;
	if (in->dec && in->dec->end)
		in->dec->end(in);
	if (in->own_fd)
		close(in->fd);
	free(in->ib);
	free(in);
}

void inp_decoders(char *buf, size_t n)
{
	size_t i, len = 0;
	const char *v;

	buf[0] = 0;
	for (i = 0; i < NDECODERS && len < n; i++) {
		v = decoders[i]->version ? decoders[i]->version() : NULL;
		len += (size_t)snprintf(buf + len, n - len, "%s%s %s", i ? ", " : "",
					decoders[i]->name, v ? v : "(not in this build)");
	}
}
