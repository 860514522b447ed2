/*
 * buf.h - a growable byte buffer with a hard cap and a sticky error.
 *
 * Like git's strbuf: the buffer owns its memory, buf.p is always
 * NUL-terminated (when non-NULL), and functions named _init/_release/_reset
 * have fixed meanings.  Growth stops at buf.max (0 = unlimited); an append
 * that would exceed it, or an allocation failure, sets buf.err and is
 * dropped, so a writer checks for errors once at the end (as sqlite3_str).
 */
#ifndef DPF_BUF_H
#define DPF_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "sv.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;	/* 0: no cap */
	int err;	/* 0, or ENOMEM / E2BIG once something was dropped */
};

#define BUF_INIT { NULL, 0, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
/* Free the memory; the buffer is re-initialised and may be used again. */
void buf_release(struct buf *b);
/* Empty the buffer, keep its memory and error state cleared. */
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addsv(struct buf *b, sv s);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
/* v in decimal, without printf (for per-record writers on the hot path). */
void buf_addu64(struct buf *b, uint64_t v);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Detach the string: the caller frees it; the buffer is re-initialised. */
char *buf_detach(struct buf *b, size_t *len);
static inline sv buf_sv(const struct buf *b) { return sv_make(b->p ? b->p : "", b->len); }

#endif
