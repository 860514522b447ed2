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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

/* Room to read into beyond the longest line, so reads stay large. */
#define LR_SLACK (64 * 1024)

enum lr_mode { LR_UNDECIDED, LR_LINES, LR_RECORDS };

struct lrdoc;

struct lr {
	struct inp *in;
	size_t max;
	char *buf;
	size_t cap;
	size_t start, scan, end;
	bool eof;
	uint64_t lineno;
	uint64_t linelen;
	enum lr_mode mode;
	struct lrdoc *doc;	/* LR_RECORDS only */
	struct lr_lender lend;	/* lr_new_lent(): buffers are lent (get != NULL) */
	const char *const *rpaths;	/* lr_set_records(): more array paths (borrowed) */
	size_t nrpaths;
	bool damaged;
	uint64_t dmg_off;
	char dmg_msg[160];
};

void lr_set_records(struct lr *r, const char *const *paths, size_t n)
{
	r->rpaths = paths;
	r->nrpaths = n;
}

static bool doc_probe(struct lr *r, size_t from);
static enum lr_status doc_next(struct lr *r, sv *line);
static void doc_free(struct lrdoc *d);

size_t lr_bufsize(size_t max_len)
{
	if (max_len == 0)
		max_len = LR_DEFAULT_MAX;
	if (max_len > ((size_t)-1 - LR_SLACK - 2) / 2)
		return 0;
	return max_len + 2 + LR_SLACK;
}

struct lr *lr_new_lent(struct inp *in, size_t max_len, const struct lr_lender *lend)
{
	struct lr *r;
	size_t cap = lr_bufsize(max_len);

	if (cap == 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->in = in;
	r->cap = cap;
	r->max = cap - 2 - LR_SLACK;
	if (lend) {
		r->lend = *lend;
		r->buf = lend->get(lend->arg);
	} else {
		r->buf = malloc(r->cap);
	}
	if (!r->buf) {
		free(r);
		return NULL;
	}
	return r;
}

struct lr *lr_new(struct inp *in, size_t max_len)
{
	return lr_new_lent(in, max_len, NULL);
}

/*
 * Move the n bytes at start to the front of the buffer: in place, or, with
 * lent buffers, into a fresh one (the old one holds returned lines).
 */
static void to_front(struct lr *r, size_t n)
{
	if (r->lend.get) {
		char *nb = r->lend.get(r->lend.arg);
		memcpy(nb, r->buf + r->start, n);
		r->lend.put(r->lend.arg, r->buf);
		r->buf = nb;
	} else {
		memmove(r->buf, r->buf + r->start, n);
	}
}

/*
 * Make room and read more; false at EOF.  The unreturned bytes move to the
 * front: always with our own buffer, only when the room left is short of
 * LR_SLACK with lent ones (each move there is a buffer for the caller).
 */
static bool fill(struct lr *r)
{
	size_t got;

	if (r->eof)
		return false;
	if (r->start && (!r->lend.get || r->cap - r->end < LR_SLACK)) {
		to_front(r, r->end - r->start);
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
	char *chunk, *nl;
	size_t got;

	if (r->start)
		to_front(r, r->max);
	chunk = r->buf + r->max;	/* to_front() may change buf */
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

/*
 * Decide once, at the first call, whether the input is one JSON document
 * with a top-level Records/records array (LR_RECORDS) or lines.  Only what
 * the line buffer holds anyway (max + 2 + LR_SLACK bytes) is looked at.
 */
static void decide(struct lr *r)
{
	size_t i = 0;

	r->mode = LR_LINES;
	for (;;) {
		while (i < r->end && (r->buf[i] == ' ' || r->buf[i] == '\t' ||
				      r->buf[i] == '\n' || r->buf[i] == '\r'))
			i++;
		if (i == 0 && r->end >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) {
			i = 3;
			continue;
		}
		if (i < r->end || r->end == r->cap || !fill(r))
			break;
	}
	if (i >= r->end || r->buf[i] != '{')
		return;
	if (doc_probe(r, i))
		r->mode = LR_RECORDS;
}

enum lr_status lr_next(struct lr *r, sv *line)
{
	char *nl;
	size_t len;

	if (r->mode == LR_UNDECIDED)
		decide(r);
	if (r->mode == LR_RECORDS)
		return doc_next(r, line);
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

bool lr_is_document(const struct lr *r)
{
	return r->mode == LR_RECORDS;
}

bool lr_damaged(const struct lr *r, uint64_t *offset, const char **msg)
{
	if (!r->damaged)
		return false;
	*offset = r->dmg_off;
	*msg = r->dmg_msg;
	return true;
}

void lr_free(struct lr *r)
{
	if (!r)
		return;
	doc_free(r->doc);
	if (r->lend.get)
		r->lend.put(r->lend.arg, r->buf);
	else
		free(r->buf);
	free(r);
}

/* ---- JSON documents with a Records array ---------------------------------- */

/*
 * The probe: parse the buffered head of the document until the top-level
 * object names Records/records with an array value (yes) or ends, breaks or
 * the head runs out (no: read as lines, as before).
 */
/*
 * Where the parser is, as the dotted path of keys from the top-level
 * object, while every enclosing value is an object reached by a key: the
 * records array is the value of such a path ("Records", "records", or a
 * `records = PATH`).  Depth d is the nesting inside the d-th open value
 * (the top-level object: 1), as struct probe and struct lrdoc count it.
 */
#define RP_DEPTH 16
#define RP_LEN 512
struct rpath {
	const struct lr *r;
	char path[RP_LEN];
	size_t cur;		/* length of the path of the last key */
	size_t plen[RP_DEPTH + 1];	/* path length of the object at depth d */
	unsigned maps;		/* depths 1..maps are objects reached by keys */
	bool keyed;		/* the next value is that of the key `path` names */
};

static void rp_key(struct rpath *p, unsigned depth, const unsigned char *k, size_t n)
{
	p->keyed = false;
	if (p->maps != depth || depth > RP_DEPTH)
		return;
	size_t base = p->plen[depth], need = base + (base ? 1 : 0) + n;
	if (need >= RP_LEN)
		return;
	if (base)
		p->path[base++] = '.';
	memcpy(p->path + base, k, n);
	p->cur = need;
	p->keyed = true;
}

/* A value opens at depth+1 (depth: before it). */
static void rp_open_map(struct rpath *p, unsigned depth)
{
	if (depth + 1 <= RP_DEPTH && p->maps == depth && (depth == 0 || p->keyed)) {
		p->maps = depth + 1;
		p->plen[depth + 1] = depth == 0 ? 0 : p->cur;
	}
	p->keyed = false;
}

/* An array opens at depth+1: is it the records array? */
static bool rp_open_array(struct rpath *p, unsigned depth)
{
	bool hit = false;
	if (p->keyed && depth >= 1 && p->maps == depth) {
		sv path = sv_make(p->path, p->cur);
		hit = sv_eq_cstr(path, "Records") || sv_eq_cstr(path, "records");
		for (size_t i = 0; !hit && i < p->r->nrpaths; i++)
			hit = sv_eq_cstr(path, p->r->rpaths[i]);
	}
	p->keyed = false;
	return hit;
}

/* The value at depth closes. */
static void rp_close(struct rpath *p, unsigned depth)
{
	if (p->maps >= depth)
		p->maps = depth ? depth - 1 : 0;
	p->keyed = false;
}

struct probe {
	unsigned depth;
	struct rpath rp;
	int found;	/* 1 records, -1 not */
};

static int p_value(void *ctx)
{
	((struct probe *)ctx)->rp.keyed = false;
	return 1;
}
static int p_null(void *ctx) { return p_value(ctx); }
static int p_bool(void *ctx, int b) { (void)b; return p_value(ctx); }
static int p_num(void *ctx, const char *s, size_t n) { (void)s; (void)n; return p_value(ctx); }
static int p_str(void *ctx, const unsigned char *s, size_t n) { (void)s; (void)n; return p_value(ctx); }

static int p_key(void *ctx, const unsigned char *k, size_t n)
{
	struct probe *p = ctx;
	rp_key(&p->rp, p->depth, k, n);
	return 1;
}

static int p_open(void *ctx)
{
	struct probe *p = ctx;
	rp_open_map(&p->rp, p->depth);
	if (++p->depth > 64) {
		p->found = -1;
		return 0;
	}
	return 1;
}

static int p_open_array(void *ctx)
{
	struct probe *p = ctx;
	if (rp_open_array(&p->rp, p->depth)) {
		p->found = 1;
		return 0;
	}
	if (++p->depth > 64) {
		p->found = -1;
		return 0;
	}
	return 1;
}

static int p_close(void *ctx)
{
	struct probe *p = ctx;
	rp_close(&p->rp, p->depth);
	if (--p->depth == 0) {
		p->found = -1;
		return 0;
	}
	return 1;
}

static const yajl_callbacks probe_cb = {
	.yajl_null = p_null, .yajl_boolean = p_bool, .yajl_number = p_num,
	.yajl_string = p_str, .yajl_start_map = p_open, .yajl_map_key = p_key,
	.yajl_end_map = p_close, .yajl_start_array = p_open_array,
	.yajl_end_array = p_close,
};

/*
 * The document reader.  yajl pushes, lr_next() pulls: the input is fed in
 * pieces of at most LR_SLACK bytes, and each element completed by a piece
 * is generated compactly (yajl_gen, through out()) into q, newline-free, and
 * listed in recs; lr_next() hands them out before the next piece is fed.
 * The element in progress is the tail of q and is capped at max bytes (the
 * rest counted in its full length: overlong).  q holds at most that tail,
 * plus the elements one piece completes (compact output is never longer
 * than its input), so memory is about 2 x max + 2 x LR_SLACK, whatever the
 * size of the document.
 */
struct lrrec {
	size_t off, len;
	uint64_t full;
};

struct lrdoc {
	struct lr *r;
	yajl_handle h;
	yajl_gen g;
	char *q;
	size_t qcap, qlen;
	size_t cur;		/* start of the element in progress in q */
	uint64_t curfull;	/* its full generated length */
	struct lrrec *recs;
	size_t nrec, caprec, next;
	unsigned depth;		/* nesting of the document */
	unsigned arr;		/* depth of the Records array being read, 0 none */
	struct rpath rp;
	bool in_elem;
	bool done;		/* EOF or damage: no more pieces */
	uint64_t base;		/* document bytes fed before the current piece */
	uint64_t last_tok;	/* document offset after the last token seen */
	uint64_t nread;		/* elements completed */
	size_t pos;		/* next byte of r->buf to feed */
	char err[96];		/* why a callback stopped the parse */
};

#define LR_DOC_MAX_DEPTH 64

static void out(void *ctx, const char *s, size_t n)
{
	struct lrdoc *d = ctx;
	size_t room = d->r->max - (d->qlen - d->cur);
	size_t take = d->qlen - d->cur >= d->r->max ? 0 : (n < room ? n : room);

	d->curfull += n;
	if (!take)
		return;
	if (d->qlen + take > d->qcap) {
		size_t nc = d->qcap * 2 > d->qlen + take ? d->qcap * 2 : d->qlen + take;
		char *nq = realloc(d->q, nc);
		if (!nq) {
			d->curfull = UINT64_MAX;	/* reported as overlong */
			return;
		}
		d->q = nq;
		d->qcap = nc;
	}
	memcpy(d->q + d->qlen, s, take);
	d->qlen += take;
}

static void tok(struct lrdoc *d)
{
	d->last_tok = d->base + yajl_get_bytes_consumed(d->h);
}

/* Finish the element in progress: list it. */
static int elem_end(struct lrdoc *d)
{
	if (d->nrec == d->caprec) {
		size_t nc = d->caprec ? 2 * d->caprec : 256;
		struct lrrec *nr = realloc(d->recs, nc * sizeof(*nr));
		if (!nr) {
			snprintf(d->err, sizeof(d->err), "out of memory");
			return 0;
		}
		d->recs = nr;
		d->caprec = nc;
	}
	d->recs[d->nrec++] = (struct lrrec){ d->cur, d->qlen - d->cur, d->curfull };
	d->cur = d->qlen;
	d->curfull = 0;
	d->in_elem = false;
	d->nread++;
	yajl_gen_reset(d->g, NULL);
	return 1;
}

/* A scalar: part of an element, a whole element, or outside any. */
#define SCALAR(d, call)                                              \
	do {                                                         \
		tok(d);                                              \
		d->rp.keyed = false;                                 \
		if (d->in_elem) {                                    \
			call;                                        \
		} else if (d->arr && d->depth == d->arr) {           \
			d->in_elem = true;                           \
			call;                                        \
			return elem_end(d);                          \
		}                                                    \
		return 1;                                            \
	} while (0)

static int d_null(void *ctx)
{
	struct lrdoc *d = ctx;
	SCALAR(d, yajl_gen_null(d->g));
}

static int d_bool(void *ctx, int b)
{
	struct lrdoc *d = ctx;
	SCALAR(d, yajl_gen_bool(d->g, b));
}

static int d_num(void *ctx, const char *s, size_t n)
{
	struct lrdoc *d = ctx;
	SCALAR(d, yajl_gen_number(d->g, s, n));
}

static int d_str(void *ctx, const unsigned char *s, size_t n)
{
	struct lrdoc *d = ctx;
	SCALAR(d, yajl_gen_string(d->g, s, n));
}

static int d_key(void *ctx, const unsigned char *k, size_t n)
{
	struct lrdoc *d = ctx;
	tok(d);
	rp_key(&d->rp, d->depth, k, n);
	if (d->in_elem)
		yajl_gen_string(d->g, k, n);
	return 1;
}

static int d_open(void *ctx, bool array)
{
	struct lrdoc *d = ctx;
	tok(d);
	if (!d->arr && (array ? rp_open_array(&d->rp, d->depth) : (rp_open_map(&d->rp, d->depth), false))) {
		d->arr = ++d->depth;
		return 1;
	}
	if (d->arr)
		d->rp.keyed = false;
	if (d->depth >= LR_DOC_MAX_DEPTH) {
		snprintf(d->err, sizeof(d->err), "JSON nested deeper than %d levels",
			 LR_DOC_MAX_DEPTH);
		return 0;
	}
	if (!d->in_elem && d->arr && d->depth == d->arr)
		d->in_elem = true;
	d->depth++;
	if (d->in_elem) {
		if (array)
			yajl_gen_array_open(d->g);
		else
			yajl_gen_map_open(d->g);
	}
	return 1;
}

static int d_close(void *ctx, bool array)
{
	struct lrdoc *d = ctx;
	tok(d);
	rp_close(&d->rp, d->depth);
	d->depth--;
	if (d->arr && d->depth + 1 == d->arr) {
		d->arr = 0;	/* the end of the Records array */
		return 1;
	}
	if (d->in_elem) {
		if (array)
			yajl_gen_array_close(d->g);
		else
			yajl_gen_map_close(d->g);
		if (d->depth == d->arr)
			return elem_end(d);
	}
	return 1;
}

static int d_open_map(void *ctx) { return d_open(ctx, false); }
static int d_open_array(void *ctx) { return d_open(ctx, true); }
static int d_close_map(void *ctx) { return d_close(ctx, false); }
static int d_close_array(void *ctx) { return d_close(ctx, true); }

static const yajl_callbacks doc_cb = {
	.yajl_null = d_null, .yajl_boolean = d_bool, .yajl_number = d_num,
	.yajl_string = d_str, .yajl_start_map = d_open_map, .yajl_map_key = d_key,
	.yajl_end_map = d_close_map, .yajl_start_array = d_open_array,
	.yajl_end_array = d_close_array,
};

static void doc_free(struct lrdoc *d)
{
	if (!d)
		return;
	if (d->h)
		yajl_free(d->h);
	if (d->g)
		yajl_gen_free(d->g);
	free(d->q);
	free(d->recs);
	free(d);
}

static bool doc_probe(struct lr *r, size_t from)
{
	struct probe p = { .rp.r = r };
	yajl_handle h = yajl_alloc(&probe_cb, NULL, &p);
	size_t fed = from;
	struct lrdoc *d;

	if (!h)
		return false;
	yajl_config(h, yajl_dont_validate_strings, 1);
	for (;;) {
		yajl_status st = yajl_parse(h, (const unsigned char *)r->buf + fed, r->end - fed);
		fed = r->end;
		if (st != yajl_status_ok || p.found)
			break;
		if (r->end == r->cap || !fill(r))
			break;
	}
	yajl_free(h);
	if (p.found != 1)
		return false;
	d = calloc(1, sizeof(*d));
	if (!d)
		return false;
	d->r = r;
	d->rp.r = r;
	d->h = yajl_alloc(&doc_cb, NULL, d);
	d->g = yajl_gen_alloc(NULL);
	d->qcap = r->max + 2 * LR_SLACK;
	d->q = malloc(d->qcap);
	if (!d->h || !d->g || !d->q ||
	    !yajl_gen_config(d->g, yajl_gen_print_callback, out, d)) {
		doc_free(d);
		return false;
	}
	yajl_config(d->h, yajl_dont_validate_strings, 1);
	yajl_config(d->h, yajl_allow_multiple_values, 1);
	d->pos = from;
	d->base = from;
	d->last_tok = from;
	r->doc = d;
	return true;
}

static void doc_damage(struct lr *r, uint64_t off, const char *msg)
{
	struct lrdoc *d = r->doc;
	r->damaged = true;
	r->dmg_off = off;
	snprintf(r->dmg_msg, sizeof(r->dmg_msg), "%s (%llu record(s) read)", msg,
		 (unsigned long long)d->nread);
	d->done = true;
	/*
	 * Read the rest unparsed, as after a line format's damage: the input's
	 * digest covers the whole file and the size check (inpwatch.h) sees it
	 * read to its end.
	 */
	while (inp_read(r->in, r->buf, r->cap) > 0)
		;
}

/* Feed one more piece of the document; false when there is none. */
static bool doc_feed(struct lr *r)
{
	struct lrdoc *d = r->doc;
	yajl_status st;
	size_t n;

	if (d->done)
		return false;
	if (d->pos == r->end) {
		r->end = d->pos = 0;
		r->end = inp_read(r->in, r->buf, r->cap);
		if (r->end == 0) {
			d->done = true;
			st = yajl_complete_parse(d->h);
			if (*d->err)
				doc_damage(r, d->last_tok, d->err);
			else if (d->arr)
				doc_damage(r, d->base, "JSON document cut inside its Records array");
			else if (st != yajl_status_ok || d->depth)
				doc_damage(r, d->base, "JSON document cut short");
			return false;
		}
	}
	/* A token (long string) yajl would have to buffer beyond the line cap. */
	if (d->base - d->last_tok > (uint64_t)r->max + LR_SLACK) {
		char m[96];
		snprintf(m, sizeof(m), "a JSON value longer than %zu bytes", r->max);
		doc_damage(r, d->last_tok, m);
		return false;
	}
	n = r->end - d->pos < LR_SLACK ? r->end - d->pos : LR_SLACK;
	st = yajl_parse(d->h, (const unsigned char *)r->buf + d->pos, n);
	if (st != yajl_status_ok) {
		if (*d->err) {
			doc_damage(r, d->last_tok, d->err);
		} else {
			uint64_t at = d->base + yajl_get_bytes_consumed(d->h);
			unsigned char *e = yajl_get_error(d->h, 0, NULL, 0);
			char m[96];
			snprintf(m, sizeof(m), "invalid JSON: %s", e ? (const char *)e : "parse error");
			if (e)
				yajl_free_error(d->h, e);
			doc_damage(r, at, m);
		}
	}
	d->pos += n;
	d->base += n;
	return true;
}

static enum lr_status doc_next(struct lr *r, sv *line)
{
	struct lrdoc *d = r->doc;

	while (d->next == d->nrec) {
		/* All listed records returned: keep only the element in progress. */
		if (d->cur) {
			memmove(d->q, d->q + d->cur, d->qlen - d->cur);
			d->qlen -= d->cur;
			d->cur = 0;
		}
		d->nrec = d->next = 0;
		if (!doc_feed(r) && d->nrec == 0) {
			*line = SV_NULL;
			return LR_EOF;
		}
	}
	struct lrrec *x = &d->recs[d->next++];
	*line = sv_make(d->q + x->off, x->len);
	r->lineno++;
	r->linelen = x->full;
	return x->full > r->max ? LR_OVERLONG : LR_LINE;
}
