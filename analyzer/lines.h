/*
 * lines.h - stage 2: lines out of an input stream.
 *
 * One reused buffer, borrowed views: the view returned by lr_next() is valid
 * until the next call.  Lines are split on '\n' with memchr; one trailing
 * '\r' is stripped.  Numbering is exactly `zcat FILE | wc -l` plus one for a
 * last line without a newline, so `zcat FILE | sed -n Np` finds line N.
 *
 * A line longer than max_len bytes is not buffered whole: lr_next() returns
 * LR_OVERLONG with the line's first max_len bytes (truncated) and its
 * number, then skips to the next newline.  No allocation per line; memory is
 * fixed at lr_new().
 */
#ifndef DPF_LINES_H
#define DPF_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "sv.h"

#define LR_DEFAULT_MAX (1024 * 1024)

enum lr_status {
	LR_EOF = 0,	/* no more lines (see inp_damaged() for why) */
	LR_LINE = 1,	/* *line is a complete line */
	LR_OVERLONG = 2,	/* *line is the truncated head of a too-long line */
};

struct lr;

/* The reader borrows `in` (does not close it).  max_len 0 = LR_DEFAULT_MAX. */
struct lr *lr_new(struct inp *in, size_t max_len);
enum lr_status lr_next(struct lr *r, sv *line);
/* Number of the line last returned (1-based). */
uint64_t lr_lineno(const struct lr *r);
/* Full length in bytes of the last line returned (> max_len when overlong). */
uint64_t lr_linelen(const struct lr *r);
void lr_free(struct lr *r);

#endif
