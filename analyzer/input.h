/*
 * input.h - stage 1: a byte stream from one file or stdin, decompressed.
 *
 * Compression is detected from the content, never the name: gzip (1f 8b),
 * zstd (28 b5 2f fd, or a skippable frame), xz (fd 37 7a 58 5a 00) and
 * bzip2 ("BZh1".."BZh9" and a block or end-of-stream magic); anything else
 * is plain text.  Every format is streamed with fixed buffers, and every
 * member of a multi-member file is read (gzip members, zstd frames, xz and
 * bzip2 streams; zstd skippable frames are skipped, xz Stream Padding is
 * checked as the xz format says).  Damage never stops the stream silently:
 * a truncated stream, a bad checksum or length, corrupt compressed data, an
 * unsupported feature (an xz check or filter liblzma does not know), a
 * frame needing more memory than the limit (zstd window above 2^27 bytes,
 * xz above INP_XZ_MEMLIMIT), or trailing bytes that are neither another
 * member nor all-zero padding end the stream and are recorded in
 * inp_damaged() with the compressed byte offset.  Everything decoded before
 * the damage has been returned to the caller (what the library put out
 * before it reported the error, like zcat, zstdcat, xzcat, bzcat).  Zero
 * padding (gzip, zstd, bzip2) must run to the end of the file: a non-zero
 * byte (even another member) after it is trailing garbage, reported at that
 * byte's offset.  A format whose library is not in the build is damage at
 * offset 0 ("no zstd support in this build") rather than audited as text.
 *
 * Memory is fixed per open input (about 2 x INP_BUFSZ plus the decoder's
 * window: 32 KiB for gzip, at most 128 MiB for zstd and xz, 3.6 MiB for
 * bzip2); nothing grows with the size of the file.
 *
 * Deflate backends: zlib always; ISA-L's igzip (about 3x faster inflate)
 * where the build found libisal (HAVE_ISAL).  Both give the same output,
 * damage messages and offsets: gzip headers are parsed by zlib in both,
 * trailers are checked the way zlib checks them, and when a member of a
 * seekable input (a file, or stdin redirected from one) is damaged after its
 * header, it is decoded again with zlib for zlib's exact message, offset
 * and output (a second decode of that one member, on damage only).  The
 * differences left: ISA-L accepts some corrupt Huffman tables that zlib
 * rejects, so it may return garbage past the point where zlib stops before
 * the CRC fails (same damage, message and offset; zlib's output is a prefix
 * of ISA-L's); and from a pipe, which cannot be read twice, ISA-L's deflate
 * errors are in its own words ("invalid deflate data in member N: invalid
 * block") at the byte where ISA-L stopped, and a cut stream may end one or
 * two decoded bytes earlier than with zlib.  The environment variable
 * DPFAUDIT_INFLATE=zlib, read by every inp_open(), forces zlib at run time
 * (a fallback for users, and how the tests run both backends in one build);
 * unset or any other value means the default, ISA-L where built with it.
 */
#ifndef DPF_INPUT_H
#define DPF_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

#define INP_BUFSZ (256 * 1024)
/* Largest zstd window accepted (log2; zstd's own default limit). */
#define INP_ZSTD_WINDOWLOG_MAX 27
/* Most memory the xz decoder may use (xz -9 needs 65 MiB). */
#define INP_XZ_MEMLIMIT (128u << 20)

enum inp_kind {
	INP_PLAIN,
	INP_GZIP,
	INP_ZSTD,
	INP_XZ,
	INP_BZIP2,
};

struct inp;

/*
 * Open path ("-" is standard input).  On failure returns NULL and fills err
 * with "PATH: strerror".  The caller owns the result (inp_close).
 */
struct inp *inp_open(const char *path, struct diag *err);

/*
 * Read up to n decompressed bytes into dst.  Returns the number of bytes
 * (> 0), or 0 at the end of the stream - clean or damaged, see inp_damaged().
 * Never returns a negative value: read errors are damage too.
 */
size_t inp_read(struct inp *in, char *dst, size_t n);

enum inp_kind inp_kind(const struct inp *in);
/* "plain", "gzip", "zstd", "xz" or "bzip2" (static string). */
const char *inp_compression(const struct inp *in);
/* Size on disk (0 for a pipe). */
uint64_t inp_size(const struct inp *in);
/* The input's file descriptor, owned by it (for fstat around the read loop: inpwatch.h). */
int inp_fd(const struct inp *in);
/* Compressed (on-disk) bytes consumed so far: progress and damage offsets. */
uint64_t inp_consumed(const struct inp *in);
/* Decompressed bytes returned so far. */
uint64_t inp_produced(const struct inp *in);
/* Gzip members, zstd frames, xz or bzip2 streams read completely (0: plain). */
unsigned inp_members(const struct inp *in);

/*
 * True once damage was found.  *offset is the compressed byte offset where
 * it was detected; the message is like "unexpected end of gzip stream"
 * (or zstd, xz, bzip2 stream), "checksum mismatch in zstd frame 2",
 * "crc mismatch in member 2", "trailing garbage after last member",
 * "invalid deflate data: invalid block type", "read error: Input/output error".
 */
bool inp_damaged(const struct inp *in, uint64_t *offset, const char **msg);

/*
 * SHA-256 of the raw bytes on disk, lowercase hex, once inp_read() returned 0
 * (else "").  After damage the rest of the file is still read for it, so it
 * is the digest of the whole file; after a read error it stays "".
 */
const char *inp_sha256(const struct inp *in);
/*
 * The raw digest is not wanted (no output shows it): from now on the raw
 * bytes are not hashed and inp_sha256() stays "".  Call right after
 * inp_open(); it saves one SHA-256 pass over the file.
 */
void inp_no_digest(struct inp *in);

/*
 * Decompressed content digests, for `scan --state` (state.h): call
 * inp_digest_output() before the first inp_read(); inp_output_digests()
 * then gives the SHA-256 of every decompressed byte returned so far and of
 * the first INP_HEAD of them (fewer if the stream was shorter:
 * inp_produced() says how many), and returns the last byte (-1: none).
 * Costs one SHA-256 pass over the output.
 */
#define INP_HEAD 65536
void inp_digest_output(struct inp *in);
int inp_output_digests(struct inp *in, char full[65], char head[65]);

void inp_close(struct inp *in);

/*
 * The deflate backend the next inp_open() will use: "isa-l" or "zlib"
 * (static string; for --version and the report).
 */
const char *inp_backend(void);

/*
 * Every format's decoder library and version, or "(not in this build)",
 * into buf (for --version): "gzip zlib 1.2.13, zstd 1.5.4, ...".
 */
void inp_decoders(char *buf, size_t n);

#endif
