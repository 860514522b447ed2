/*
 * input_impl.h - private to input*.c: the open input and the decoder
 * interface every compression (gzip, zstd, xz, bzip2) implements.
 *
 * input.c owns the file descriptor, one input buffer of INP_BUFSZ with a
 * cursor (next/avail: bytes read from the file but not yet used), the
 * SHA-256 of the raw bytes, and the damage record.  A decoder owns its
 * state (ds), allocated in start() and freed in end(); it takes compressed
 * bytes from the cursor and writes decoded bytes to the caller's buffer.
 *
 * Integrity contract of step(): it returns decoded bytes (0 is allowed:
 * headers, padding), and ends the stream with inp_finish() - after
 * inp_damage() when the data is damaged (truncated, bad checksum, trailing
 * garbage, unsupported feature, memory limit), with the compressed byte
 * offset where it was found.  It never returns bytes it has not verified
 * less than the library does (what the library puts out before an error is
 * returned, as `xzcat`/`zstdcat`/`bzcat` print it), and it never spins:
 * a call that can make no progress must end the stream.
 */
#ifndef DPF_INPUT_IMPL_H
#define DPF_INPUT_IMPL_H

#include "input.h"

#include "digest.h"

struct inp;

struct inp_decoder {
	const char *name;	/* "gzip", "zstd", ...: messages and the report */
	enum inp_kind kind;
	/*
	 * Does the content start like this format?  p holds the first n
	 * (>= 1) bytes of the input; n < 6 only for a file that short.
	 */
	bool (*magic)(const unsigned char *p, size_t n);
	/*
	 * Allocate and initialise in->ds.  NULL where the build lacks the
	 * library: then inp_open reports "no NAME support in this build".
	 * Returns 0, or -1 when out of memory.
	 */
	int (*start)(struct inp *in);
	/* One step of decoding into dst[0..n), n > 0; see above. */
	size_t (*step)(struct inp *in, char *dst, size_t n);
	/* Compressed offset of the next unused byte; NULL: inp_pos(). */
	uint64_t (*consumed)(const struct inp *in);
	/* Free in->ds (also after a failed start). */
	void (*end)(struct inp *in);
	/* The library and its version, for --version; NULL: not in this build. */
	const char *(*version)(void);
};

extern const struct inp_decoder inp_gzip, inp_zstd, inp_xz, inp_bzip2;

struct inp {
	int fd;
	bool own_fd;
	bool done;	/* end of stream, clean or damaged */
	const struct inp_decoder *dec;	/* NULL: plain text */
	void *ds;	/* the decoder's state */

	unsigned char *ib;	/* INP_BUFSZ bytes */
	unsigned char *next;	/* cursor into ib: bytes read, not yet used */
	size_t avail;

	uint64_t size;	/* st_size of a regular file, else 0 */
	off_t base;	/* file offset of our byte 0 (stdin may be mid-file), or -1: a pipe */
	uint64_t raw;	/* bytes read from the file descriptor */
	uint64_t produced;
	unsigned members;	/* gzip members, zstd frames, xz or bzip2 streams read whole */
	bool raw_eof;
	bool read_err;

	bool damaged;
	uint64_t dmg_off;
	char dmg_msg[192];

	struct dg_sha256 sha;
	bool no_sha;	/* inp_no_digest(): sha not updated, hex stays "" */
	char hex[65];

	/* inp_digest_output(): SHA-256 of the decompressed bytes, and of the first INP_HEAD of them. */
	bool out_digest;
	struct dg_sha256 out_sha, out_head;
	int out_last;	/* the last byte returned, or -1 */
};

/* Record damage at compressed offset off; the first damage wins. */
void inp_damage(struct inp *in, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * One read(2) into dst, retried on EINTR, hashed.  Returns the byte count,
 * or 0 at end of file or on a read error (recorded as damage).
 */
size_t inp_raw_read(struct inp *in, unsigned char *dst, size_t n);
/* Offset in the file of the next unused buffered byte. */
uint64_t inp_pos(const struct inp *in);
/* Refill an empty cursor from the file; returns the bytes now available. */
size_t inp_refill(struct inp *in);
/* Make at least k (<= INP_BUFSZ) bytes available unless the file ends first. */
void inp_fill_at_least(struct inp *in, size_t k);
/* End of stream: read the rest of the file for the digest, publish it. */
void inp_finish(struct inp *in);
/*
 * Between members of a multi-member format: the rest of the file is
 * all-zero padding (fine) or anything else (trailing garbage, damage).
 * Reads to the end; the caller has seen a zero byte at the cursor.
 */
void inp_zero_padding(struct inp *in, const char *after);

#endif
