/*
 * lines.c - stage 2: split the decoded stream into lines (see lines.h).
 *
 * One buffer of max_len + 2 + LR_SLACK bytes, allocated once.  [start, end)
 * holds bytes not yet returned; scan marks how far we already looked for a
 * newline, so a long line arriving in many small reads is searched once.
 * max_len + 2 is the longest stretch we ever have to hold without a newline:
 * a line of exactly max_len bytes followed by "\r\n".
 */
#include "common.h"

#include "lines.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Room to read into beyond the longest line, so reads stay large. */
#define LR_SLACK (64 * 1024)

struct lr {
	struct inp *in;
	size_t max;
	char *buf;
	size_t cap;
	size_t start, scan, end;
	bool eof;
	uint64_t lineno;
	uint64_t linelen;
};

struct lr *lr_new(struct inp *in, size_t max_len)
{
	struct lr *r;

	if (max_len == 0)
		max_len = LR_DEFAULT_MAX;
	if (max_len > ((size_t)-1 - LR_SLACK - 2) / 2)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->in = in;
	r->max = max_len;
	r->cap = max_len + 2 + LR_SLACK;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	return r;
}

/* Move the unreturned bytes to the front and read more; false at EOF. */
static bool fill(struct lr *r)
{
	size_t got;

	if (r->eof)
		return false;
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	got = inp_read(r->in, r->buf + r->end, r->cap - r->end);
	if (got == 0) {
		r->eof = true;
		return false;
	}
	r->end += got;
	return true;
}

/*
 * The current line (starting at start, with no newline in [start, end))
 * is too long.  Keep its first max bytes at the front of the buffer for the
 * caller and read through the rest of it, using the space behind the head
 * as scratch, counting its length.  Bytes after its newline stay buffered.
 */
static void skip_overlong(struct lr *r)
{
	uint64_t total = r->end - r->start;
	char last = r->buf[r->end - 1];
	char *chunk = r->buf + r->max;
	char *nl;
	size_t got;

	if (r->start)
		memmove(r->buf, r->buf + r->start, r->max);
	r->start = r->scan = r->end = r->max;
	for (;;) {
		got = r->eof ? 0 : inp_read(r->in, chunk, r->cap - r->max);
		if (got == 0) {
			r->eof = true;
			break;
		}
		nl = memchr(chunk, '\n', got);
		if (nl) {
			total += (uint64_t)(nl - chunk);
			if (nl > chunk)
				last = nl[-1];
			r->start = r->scan = (size_t)(nl + 1 - r->buf);
			r->end = r->max + got;
			break;
		}
		total += got;
		last = chunk[got - 1];
	}
	if (last == '\r')
		total--;
	r->linelen = total;
}

enum lr_status lr_next(struct lr *r, sv *line)
{
	char *nl;
	size_t len;

	for (;;) {
		nl = r->scan < r->end ? memchr(r->buf + r->scan, '\n', r->end - r->scan) : NULL;
		if (nl) {
			len = (size_t)(nl - (r->buf + r->start));
			*line = sv_make(r->buf + r->start, len);
			r->start = r->scan = (size_t)(nl + 1 - r->buf);
			break;
		}
		r->scan = r->end;
		if (r->end - r->start >= r->max + 2) {
			/* No newline within max + 2 bytes: too long even without "\r". */
			r->lineno++;
			skip_overlong(r);
			*line = sv_make(r->buf, r->max);
			return LR_OVERLONG;
		}
		if (!fill(r)) {
			if (r->end == r->start) {
				*line = SV_NULL;
				return LR_EOF;
			}
			/* A last line without a newline still counts. */
			*line = sv_make(r->buf + r->start, r->end - r->start);
			r->start = r->scan = r->end;
			break;
		}
	}
	if (line->n && line->p[line->n - 1] == '\r')
		line->n--;
	r->lineno++;
	r->linelen = line->n;
	if (line->n > r->max) {
		/* A whole long line arrived in one read: still capped. */
		line->n = r->max;
		return LR_OVERLONG;
	}
	return LR_LINE;
}

uint64_t lr_lineno(const struct lr *r)
{
	return r->lineno;
}

uint64_t lr_linelen(const struct lr *r)
{
	return r->linelen;
}

void lr_free(struct lr *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}
