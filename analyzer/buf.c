/* buf.c - growable byte buffer with a cap and sticky error (see buf.h). */
#include "common.h"

#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

void buf_release(struct buf *b)
{
	size_t max = b->max;
	free(b->p);
	buf_init(b, max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = '\0';
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *np;

	if (b->err)
		return -1;
	if (extra > (size_t)-1 - b->len - 1) {
		b->err = E2BIG;
		return -1;
	}
	need = b->len + extra + 1;
	if (b->max && need > b->max + 1) {
		b->err = E2BIG;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->err = ENOMEM;
		return -1;
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	/* Room already (the writers' per-field appends): buf_grow's checks hold without it. */
	bool room = !b->err && b->cap - b->len > n && (!b->max || b->len + n <= b->max);
	if (!room && buf_grow(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_addsv(struct buf *b, sv s) { buf_add(b, s.p, s.n); }
void buf_adds(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }
void buf_addc(struct buf *b, char c) { buf_add(b, &c, 1); }

void buf_addu64(struct buf *b, uint64_t v)
{
	char d[24];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, d + n, sizeof(d) - n);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->err = EINVAL;
		return;
	}
	if (buf_grow(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->p;
	if (!p) {
		p = calloc(1, 1);
	}
	if (len)
		*len = b->len;
	buf_init(b, b->max);
	return p;
}
