/*
 * fuzz_decode.h - shared by the decoder differential targets (fuzz_zstd.c,
 * fuzz_xz.c, fuzz_bz2.c): read one file with inp_open/inp_read to its end
 * in uneven pieces, checking what every reader relies on.
 */
#ifndef DPF_FUZZ_DECODE_H
#define DPF_FUZZ_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "input.h"

/* Decoded bytes kept for the comparison; beyond it only counted. */
#define FZ_CAP (1u << 20)

struct fz_read {
	char *out;	/* FZ_CAP bytes */
	size_t kept;	/* bytes in out */
	uint64_t total;	/* bytes decoded */
	enum inp_kind kind;
	bool damaged;
	uint64_t offset;
	char msg[192];
	unsigned members;
};

/*
 * Invariants: end of stream is sticky; inp_produced() counts every byte;
 * damage has a message and an offset within the file; a clean read has a
 * 64-hex-digit digest.
 */
static inline void fz_read_all(const char *path, size_t size, struct fz_read *r)
{
	struct diag err;
	struct inp *in = inp_open(path, &err);
	const char *msg = NULL;
	char scratch[4096];
	size_t n, step = 1;

	if (!in)
		abort();	/* the file exists and is readable */
	r->kept = 0;
	r->total = 0;
	r->kind = inp_kind(in);
	for (;;) {
		char *dst = r->kept < FZ_CAP ? r->out + r->kept : scratch;
		size_t room = r->kept < FZ_CAP ? FZ_CAP - r->kept : sizeof(scratch);
		/* Uneven reads: 1, 3, 7, ... bytes, then large. */
		step = step > 4096 ? room : step * 2 + 1;
		if (room > step)
			room = step;
		if ((n = inp_read(in, dst, room)) == 0)
			break;
		if (n > room)
			abort();
		if (dst != scratch)
			r->kept += n;
		r->total += n;
	}
	if (inp_read(in, scratch, sizeof(scratch)) != 0 || inp_produced(in) != r->total)
		abort();
	r->damaged = inp_damaged(in, &r->offset, &msg);
	r->msg[0] = 0;
	if (r->damaged) {
		if (!msg || !msg[0] || r->offset > size)
			abort();
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	} else {
		const char *h = inp_sha256(in);
		if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
			abort();
	}
	r->members = inp_members(in);
	inp_close(in);
}

/*
 * Each execution: write data to this process's input file (named with
 * suffix) and read it into r.  The first call allocates r->out and *ref
 * (FZ_CAP bytes for the library's one-shot decoder), kept for the process.
 */
static inline void fz_decode_input(const uint8_t *data, size_t size, const char *suffix,
				   struct fz_read *r, void **ref)
{
	static char path[256];

	if (!path[0]) {
		fz_path(path, sizeof(path), suffix);
		r->out = malloc(FZ_CAP);
		*ref = malloc(FZ_CAP);
		if (!r->out || !*ref)
			abort();
	}
	fz_write(path, data, size);
	fz_read_all(path, size, r);
}

/* Report a disagreement with the library's one-shot decoder, and stop. */
static inline void fz_differ(const char *what, const struct fz_read *r, long long ref)
{
	fprintf(stderr, "differential: %s (ours: %s%s, %llu bytes; one-shot: %lld)\n", what,
		r->damaged ? "damaged: " : "clean", r->msg, (unsigned long long)r->total, ref);
	abort();
}

#endif
