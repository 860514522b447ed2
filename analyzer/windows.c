/*
 * windows.c - excessive-access and failed-access-burst over time-sorted records.
 *
 * A record is split in two.  What the windows read (kind, key, time,
 * file, line, role, subject) is a small record in an external sorter
 * (spill.h); what only a finding needs (user, categories, resource,
 * evidence: most of the bytes) is its payload, appended in arrival order
 * to the log's payload store (struct wpay: memory up to a budget, then an
 * unlinked owner-only temporary file written in large sequential blocks),
 * the sorted record holding where.  So the sort moves a quarter of the
 * bytes, and a payload is read back only for a record that becomes a
 * finding (or that win_foreach() shows).
 *
 * The sorted records are split by a hash of (kind, key) into WIN_PARTS
 * partitions, each its own sorter: a key's records all land in one, so
 * win_evaluate() judges the partitions independently, on up to the jobs
 * win_log_set_jobs() allows.  Each partition reads back ordered by (kind,
 * key, time, nsec, file, line, subject, resource), so the records of one
 * key come together and in time order whatever the order of the lines,
 * the files or the threads; it keeps one key's records at a time and
 * slides a two-pointer window over them: state beyond the records is one
 * counter per distinct subject.  win_foreach() merges the partitions in
 * that same order, so its order does not depend on the partitions either.
 */
#include "common.h"

#include "windows.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "spill.h"
#include "strmap.h"
#include "xalloc.h"

enum win_kind {
	WK_READ = 0,		/* a personal-data read, keyed by user */
	WK_DENIED_USER,		/* a 401/403, keyed by user */
	WK_DENIED_SRC,		/* a 401/403 with no user, keyed by address */
};

/*
 * Partitions of a log: at most this many (win_log_set_parts), the same in
 * the logs one joins (win_take joins partition i into partition i).  Eight
 * keep the two threads of a 2-core machine evenly busy; each costs a
 * sorter (and, once it spills, a temporary file) per log.  Nothing a caller
 * sees depends on the number: the findings are sorted after, win_foreach()
 * merges the partitions.
 */
#define WIN_PARTS 8
/* A log's memory when win_log_set_memory() set none (spill.h's default). */
#define WIN_MEMORY_DEFAULT ((size_t)8 << 20)
/* The least a partition's sorter or a payload store keeps in memory. */
#define WIN_MEMORY_MIN 4096
/*
 * A payload store with a file writes whole blocks of this size at offsets
 * that are multiples of it (a payload may span two blocks): large enough
 * for few system calls, small enough that the bytes are still in the CPU's
 * cache when the kernel copies them (a 2 MiB block cost three times the
 * copying time on the CRM bench file), and aligned, so the page cache
 * takes them as large folios (a quarter less of the kernel's time than
 * blocks of the payloads' uneven sizes).
 */
#define PAY_IO ((size_t)64 << 10)

/*
 * A payload store: payloads appended in arrival order.  Bytes [0, flushed)
 * are in the file, [flushed, flushed + len) in buf: a payload may begin in
 * the file and end in buf.  Written by one thread (the log's), read by any
 * once writing ended (win_evaluate's threads read concurrently: pread and
 * memcpy only).  Shared by the logs that took records from it (refs).
 */
struct wpay {
	unsigned refs;
	int fd;			/* -1 while everything is in memory */
	uint64_t flushed;
	unsigned char *buf;
	size_t len, cap;
	size_t budget;		/* bytes in memory before the file starts */
	int full;		/* no file, or a failed write: further payloads refused (an errno) */
	int werr;		/* a failed write (an errno): the log's records are not whole */
	_Atomic int rerr;	/* the first read error (an errno) */
};

/*
 * The decoded record: views into the sorted record (key, subject) and,
 * once load_payload() ran, into a payload copy (user, resource, evidence).
 */
struct win_rec {
	int64_t time;
	int32_t nsec;		/* the time's fraction: windows compare both */
	uint64_t line;
	uint64_t categories;
	sv key;			/* user, or src */
	sv user;		/* as the event had it ("-" or "" when keyed by src) */
	sv subject;		/* reads: never empty */
	sv resource;
	sv evidence;
	uint32_t file;
	int32_t role;		/* the role the event was judged under, or -1 */
	uint8_t kind;
	struct wpay *store;	/* the payload: store, offset, length */
	uint64_t pay;
	uint32_t payn;
};

/*
 * The sorted record, written straight into its partition's sorter:
 *
 *   [h: varint][h bytes not compared][the compared bytes, to the end]
 *
 * Not compared (native: it never leaves the process): the store's address
 * (8 bytes); varints of the payload's offset and length, of (role + 1) *
 * 2 + E, and of the lengths of key and subject (so decode() finds them
 * without scanning).  E is set where key or subject holds a 0x00 byte:
 * then the bytes of key, then of subject, follow as they are, so that
 * decode() still gives views without unescaping.
 *
 * Compared: the evaluation order as bytes, so one memcmp orders two
 * records as (kind, key, time, nsec, file, line, subject) would: kind (1
 * byte); key (each 0x00 as 0x00 0xff, ended by 0x00 0x00: a key sorts
 * before every longer key it begins, as sv_cmp has it); time (8 bytes
 * big-endian, sign bit flipped: negative times first); nsec (4, the
 * same); file and line (a byte count, then that many bytes big-endian
 * with no leading zero: a longer number is a larger one); subject
 * (escaped and ended as key).  Every field ends itself, so two records'
 * compared bytes differ within the shorter unless every field is equal:
 * then the resources decide (res_cmp).  About 40 bytes for the CRM
 * bench's records against 75 of the native layout it replaces.
 */
#define ENC_ESCAPED 1u

/*
 * The payload: varints of categories, the user's length * 2 + 1 where the
 * user equals the key (then not stored), the resource's length, 0 where
 * the resource is stored or its offset in the evidence line + 1, the
 * evidence's length; then the bytes of user, resource and evidence, but
 * for what the record has already: a user equal to the key, a resource
 * inside the evidence line.  Most records are reads keyed by their user,
 * of a resource their line shows: that is a fifth of the bytes written.
 */
struct win_log {
	struct spill *part[WIN_PARTS];	/* NULL until the partition's first record */
	unsigned nparts;	/* partitions in use, 1..WIN_PARTS (0: WIN_PARTS) */
	size_t memory;		/* 0: WIN_MEMORY_DEFAULT */
	unsigned jobs;		/* threads win_evaluate() may use (0: 1) */
	struct wpay *own;	/* the store this log appends to; NULL until the first record */
	struct wpay **stores;	/* every store the log's records use (one reference each) */
	size_t nstores;
	/*
	 * Per user, the roles reads were judged under (bits): a user's windows
	 * use every limited role among them before the first read is judged.
	 * One entry per distinct user, not per record.
	 */
	struct strmap roles;
	struct win_budget *budget;	/* NULL: none */
	size_t dropped;		/* records not kept: past the budget, or out of memory */
	int drop_err;		/* why the first record not kept for memory or disk was not (an errno) */
	int64_t tmax;		/* the latest time of a record kept, if any */
	bool any;
};

/* A growable scratch block (one per reading thread). */
struct scratch {
	unsigned char *p;
	size_t cap;
};

void win_log_set_budget(struct win_log *wl, struct win_budget *b)
{
	wl->budget = b;
}

void win_log_set_memory(struct win_log *wl, size_t bytes)
{
	wl->memory = bytes;
}

void win_log_set_jobs(struct win_log *wl, unsigned jobs)
{
	wl->jobs = jobs;
}

void win_log_set_parts(struct win_log *wl, unsigned n)
{
	wl->nparts = n > WIN_PARTS ? WIN_PARTS : n;
}

unsigned win_parts_for(unsigned jobs)
{
	if (jobs <= 256 / WIN_PARTS)
		return WIN_PARTS;
	return jobs < 256 ? 256 / jobs : 1;
}

static size_t log_parts(const struct win_log *wl)
{
	return wl->nparts ? wl->nparts : WIN_PARTS;
}

size_t win_dropped(const struct win_log *wl)
{
	return wl ? wl->dropped : 0;
}

int win_drop_error(const struct win_log *wl)
{
	return wl ? wl->drop_err : 0;
}

/* Whether the budget is spent: then the record is counted, not kept. */
static bool win_full(struct win_log *wl)
{
	struct win_budget *b = wl->budget;
	if (b && b->max && atomic_fetch_add_explicit(&b->used, 1, memory_order_relaxed) >= b->max) {
		wl->dropped++;
		return true;
	}
	return false;
}

/* Resources are only for the report: keep them bounded. */
#define WIN_RESOURCE_MAX 512

/* ---- varints (LEB128) ------------------------------------------------- */

static size_t uv_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* v at p; the bytes written. */
static size_t uv_put(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* The varint at *p (before end) into *v, *p moved past it; false where it runs past end or 64 bits. */
static bool uv_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* ---- the payload store ------------------------------------------------- */

static struct wpay *pay_new(size_t budget)
{
	struct wpay *s = try_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->refs = 1;
	s->fd = -1;
	s->budget = budget;
	return s;
}

static void pay_unref(struct wpay *s)
{
	if (!s || --s->refs)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}

static bool scratch_fit(struct scratch *b, size_t n)
{
	if (n <= b->cap)
		return true;
	size_t ncap = b->cap ? b->cap : 4096;
	while (ncap < n)
		ncap *= 2;
	unsigned char *np = try_reallocarray(b->p, ncap, 1);
	if (!np)
		return false;
	b->p = np;
	b->cap = ncap;
	return true;
}

/*
 * Write buf's bytes up to the last multiple of PAY_IO in the file (all of
 * them with all), keeping the rest at buf's start.  False: the write
 * failed (s->full and s->werr set); buf is unchanged, readable.
 */
static bool pay_flush(struct wpay *s, bool all)
{
	uint64_t end = all ? s->flushed + s->len : (s->flushed + s->len) / PAY_IO * PAY_IO;
	if (end <= s->flushed)
		return true;
	size_t w = (size_t)(end - s->flushed);
	if (spill_pwrite_all(s->fd, s->buf, w, s->flushed) < 0) {
		/* What buf holds stays readable; what comes next is not kept. */
		s->full = s->werr = errno ? errno : EIO;
		return false;
	}
	s->flushed = end;
	s->len -= w;
	memmove(s->buf, s->buf + w, s->len);
	return true;
}

/*
 * Room for n more bytes at the store's end (*off: where they are): in
 * memory up to the budget; past it the buffer goes to the file, and from
 * then on its whole blocks whenever it holds one.  NULL when the payload
 * cannot be kept (no memory, no file, a failed write): the caller counts
 * the record as dropped; everything already kept stays readable (a failed
 * write left it in buf).
 */
static unsigned char *pay_reserve(struct wpay *s, size_t n, uint64_t *off)
{
	if (s->full)
		return NULL;
	if (s->fd < 0 && s->len + n > s->budget) {
		if ((s->fd = spill_tmpfd()) < 0) {
			s->full = errno ? errno : EIO;
			return NULL;
		}
		/* All of it: the file starts now, however small the budget. */
		if (!pay_flush(s, true))
			return NULL;
		/* From now on a block of PAY_IO and what spans its end: the rest of the memory goes. */
		size_t want = PAY_IO + (n > PAY_IO ? n : PAY_IO);
		if (want < s->cap) {
			unsigned char *nb = try_reallocarray(s->buf, want, 1);
			if (nb) {
				s->buf = nb;
				s->cap = want;
			}
		}
	} else if (s->fd >= 0 && s->len >= PAY_IO && !pay_flush(s, false)) {
		return NULL;
	}
	if (s->len + n > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 4096;
		while (ncap < s->len + n)
			ncap *= 2;
		if (s->fd < 0 && ncap > s->budget && s->len + n <= s->budget)
			ncap = s->budget;
		unsigned char *nb = try_reallocarray(s->buf, ncap, 1);
		if (!nb)
			return NULL;
		s->buf = nb;
		s->cap = ncap;
	}
	*off = s->flushed + s->len;
	unsigned char *p = s->buf + s->len;
	s->len += n;
	return p;
}

/*
 * No more payloads will be appended: a store that has a file writes its
 * buffer's tail there and frees the buffer (memory for the audit's later
 * stages).  Where that write fails the tail stays in memory, readable.
 */
static void pay_seal(struct wpay *s)
{
	if (s->fd < 0 || s->full)
		return;
	if (!pay_flush(s, true))
		return;
	s->len = s->cap = 0;
	free(s->buf);
	s->buf = NULL;
	s->full = EROFS;	/* sealed: an append would be a bug; refused, counted as dropped */
}

/* Copy the payload at off into dst: 0, or an errno (also kept in s->rerr). */
static int pay_read(struct wpay *s, uint64_t off, size_t n, unsigned char *dst)
{
	int e = 0;
	if (off > s->flushed + s->len || n > s->flushed + s->len - off) {
		e = EIO;
	} else {
		/* The part in the file, then the part in buf. */
		size_t nf = off >= s->flushed ? 0 : (size_t)(s->flushed - off < n ? s->flushed - off : n);
		while (nf) {
			ssize_t r = pread(s->fd, dst, nf, (off_t)off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				e = r < 0 ? errno : EIO;
				break;
			}
			dst += r;
			off += (uint64_t)r;
			nf -= (size_t)r;
			n -= (size_t)r;
		}
		if (!e && n)
			memcpy(dst, s->buf + (off - s->flushed), n);
	}
	if (e) {
		int zero = 0;
		atomic_compare_exchange_strong(&s->rerr, &zero, e);
	}
	return e;
}

/* A damaged payload or no memory for it: kept as the store's read error (win_error). */
static bool pay_fail(struct wpay *s, int e)
{
	int zero = 0;
	atomic_compare_exchange_strong(&s->rerr, &zero, e);
	return false;
}

/* r's payload, read into b: user, categories, resource, evidence point into b.  False: a read error. */
static bool load_payload(struct win_rec *r, struct scratch *b)
{
	if (!r->payn)
		return pay_fail(r->store, EIO);
	if (!scratch_fit(b, r->payn))
		return pay_fail(r->store, ENOMEM);
	if (pay_read(r->store, r->pay, r->payn, b->p))
		return false;
	const unsigned char *c = b->p, *end = b->p + r->payn;
	uint64_t un, rn, ro, en;
	if (!uv_get(&c, end, &r->categories) || !uv_get(&c, end, &un) || !uv_get(&c, end, &rn) ||
	    !uv_get(&c, end, &ro) || !uv_get(&c, end, &en))
		return pay_fail(r->store, EIO);
	uint64_t ustored = un & 1 ? 0 : un >> 1, rstored = ro ? 0 : rn;
	uint64_t left = (uint64_t)(end - c);
	if (ustored > left || rstored > left - ustored || en != left - ustored - rstored ||
	    (ro && (ro - 1 > en || rn > en - (ro - 1))))
		return pay_fail(r->store, EIO);
	const char *t = (const char *)c;
	r->user = un & 1 ? r->key : sv_make(t, (size_t)(un >> 1));
	r->evidence = sv_make(t + ustored + rstored, (size_t)en);
	r->resource = ro ? sv_make(r->evidence.p + (ro - 1), (size_t)rn) : sv_make(t + ustored, (size_t)rn);
	return true;
}

/* ---- the log ----------------------------------------------------------- */

struct win_log *win_log_new(void)
{
	return xcalloc(1, sizeof(struct win_log));
}

void win_log_free(struct win_log *wl)
{
	if (!wl)
		return;
	for (size_t i = 0; i < WIN_PARTS; i++)
		spill_free(wl->part[i]);
	for (size_t i = 0; i < wl->nstores; i++)
		pay_unref(wl->stores[i]);
	free(wl->stores);
	strmap_release(&wl->roles);
	free(wl);
}

struct win_freer {
	pthread_t thread;
	struct win_log *wl;
};

static void *freer_main(void *arg)
{
	struct win_freer *f = arg;
	win_log_free(f->wl);
	return NULL;
}

struct win_freer *win_log_free_behind(struct win_log *wl)
{
	if (!wl)
		return NULL;
	struct win_freer *f = try_malloc(sizeof(*f));
	if (f) {
		f->wl = wl;
		if (pthread_create(&f->thread, NULL, freer_main, f) == 0)
			return f;
		free(f);
	}
	win_log_free(wl);
	return NULL;
}

void win_freer_join(struct win_freer *f)
{
	if (!f)
		return;
	pthread_join(f->thread, NULL);
	free(f);
}

size_t win_count(const struct win_log *wl)
{
	size_t n = 0;
	for (size_t i = 0; wl && i < WIN_PARTS; i++)
		n += (size_t)spill_count(wl->part[i]);
	return n;
}

/* Add a reference to s to wl's stores (once); false: out of memory. */
static bool add_store(struct win_log *wl, struct wpay *s)
{
	for (size_t i = 0; i < wl->nstores; i++)
		if (wl->stores[i] == s)
			return true;
	struct wpay **ns = try_reallocarray(wl->stores, wl->nstores + 1, sizeof(*ns));
	if (!ns)
		return false;
	wl->stores = ns;
	wl->stores[wl->nstores++] = s;
	s->refs++;
	return true;
}

static size_t log_memory(const struct win_log *wl)
{
	return wl->memory ? wl->memory : WIN_MEMORY_DEFAULT;
}

/* ---- the encoding ------------------------------------------------------ */

/* Bytes of v's escaped form with its end (see the layout above); *zeros: whether it holds a 0x00. */
static size_t esc_len(sv v, bool *zeros)
{
	size_t n = v.n + 2;
	if (!v.n)
		return n;	/* v.p may be NULL: no pointer arithmetic on it */
	const char *p = v.p, *end = v.p + v.n;
	const char *z;
	while (p < end && (z = memchr(p, 0, (size_t)(end - p)))) {
		n++;
		*zeros = true;
		p = z + 1;
	}
	return n;
}

static unsigned char *esc_put(unsigned char *o, sv v)
{
	const char *p = v.p, *end = v.n ? v.p + v.n : v.p;
	while (p < end) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		size_t k = z ? (size_t)(z - p) : (size_t)(end - p);
		memcpy(o, p, k);
		o += k;
		p += k;
		if (z) {
			*o++ = 0;
			*o++ = 0xff;
			p++;
		}
	}
	*o++ = 0;
	*o++ = 0;
	return o;
}

/* Past the escaped field at p (the record ends at end; never read past it). */
static const unsigned char *esc_skip(const unsigned char *p, const unsigned char *end)
{
	for (;;) {
		const unsigned char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
		if (!z || z + 1 >= end)
			return end;	/* not a record encode() wrote */
		if (z[1] == 0)
			return z + 2;
		p = z + 2;
	}
}

/*
 * The first four compared bytes of a record of kind and key, big-endian:
 * kind, then the key's escaped form (a 0x00 as 0x00 0xff; past its end
 * the terminator's 0x00 0x00, and 0x00 for what follows it, which only
 * an empty key reaches: every record of one kind with an empty key has
 * the same prefix).  Where two prefixes differ, so do the records' bytes,
 * the same way (spill_reserve's contract).
 */
static uint32_t enc_prefix(uint8_t kind, sv key)
{
	uint32_t x = kind;
	size_t k = 1;
	for (size_t i = 0; k < 4 && i < key.n; i++) {
		unsigned char c = (unsigned char)key.p[i];
		x = x << 8 | c;
		if (!c && ++k < 4)
			x = x << 8 | 0xff;
		k++;
	}
	for (; k < 4; k++)
		x <<= 8;
	return x;
}

/* An unsigned number in the order-keeping form: a byte count, then the bytes big-endian. */
static size_t onum_len(uint64_t v)
{
	size_t n = 0;
	while (v) {
		v >>= 8;
		n++;
	}
	return n + 1;
}

static unsigned char *onum_put(unsigned char *o, uint64_t v)
{
	size_t n = onum_len(v) - 1;
	*o++ = (unsigned char)n;
	for (size_t i = n; i-- > 0;)
		*o++ = (unsigned char)(v >> (8 * i));
	return o;
}

static const unsigned char *onum_get(const unsigned char *p, uint64_t *v)
{
	size_t n = *p++;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | *p++;
	*v = x;
	return p;
}

static unsigned char *be_put(unsigned char *o, uint64_t v, size_t n)
{
	for (size_t i = n; i-- > 0;)
		*o++ = (unsigned char)(v >> (8 * i));
	return o;
}

/* The 8 bytes at p as a big-endian number: one load where the byte order allows. */
static uint64_t be64_get(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;
	memcpy(&w, p, 8);
	return __builtin_bswap64(w);
#else
	uint64_t x = 0;
	for (size_t i = 0; i < 8; i++)
		x = x << 8 | p[i];
	return x;
#endif
}

/* Where the compared bytes of the record at p begin (past its header). */
static const unsigned char *enc_body(const unsigned char *p, const unsigned char **tail)
{
	uint64_t h = 0;
	uv_get(&p, p + 10, &h);
	*tail = p;
	return p + h;
}

/*
 * Encode r (its payload kept: store, pay, payn) into sorter sp: 0, or -1
 * (errno) where it could not be added.
 */
static int encode(struct spill *sp, const struct win_rec *r)
{
	bool zeros = false;
	size_t kn = esc_len(r->key, &zeros), sn = esc_len(r->subject, &zeros);
	uint64_t rb = ((uint64_t)(uint32_t)(r->role + 1) << 1) | (zeros ? ENC_ESCAPED : 0);
	size_t h = sizeof(r->store) + uv_len(r->pay) + uv_len(r->payn) + uv_len(rb) + uv_len(r->key.n) +
		uv_len(r->subject.n);
	if (zeros)
		h += r->key.n + r->subject.n;
	size_t body = 1 + kn + 8 + 4 + onum_len(r->file) + onum_len(r->line) + sn;
	unsigned char *o = spill_reserve(sp, uv_len(h) + h + body, enc_prefix(r->kind, r->key));
	if (!o)
		return -1;
	o += uv_put(o, h);
	memcpy(o, &r->store, sizeof(r->store));
	o += sizeof(r->store);
	o += uv_put(o, r->pay);
	o += uv_put(o, r->payn);
	o += uv_put(o, rb);
	o += uv_put(o, r->key.n);
	o += uv_put(o, r->subject.n);
	if (zeros) {
		if (r->key.n)
			memcpy(o, r->key.p, r->key.n);
		o += r->key.n;
		if (r->subject.n)
			memcpy(o, r->subject.p, r->subject.n);
		o += r->subject.n;
	}
	*o++ = r->kind;
	o = esc_put(o, r->key);
	o = be_put(o, (uint64_t)r->time ^ ((uint64_t)1 << 63), 8);
	o = be_put(o, (uint32_t)r->nsec ^ ((uint32_t)1 << 31), 4);
	o = onum_put(o, r->file);
	o = onum_put(o, r->line);
	esc_put(o, r->subject);
	return 0;
}

/*
 * The sorted record's fields (rec, n bytes as encode() wrote them); key and
 * subject point into rec (valid while it is).  No payload yet.
 */
static void decode(const void *rec, size_t n, struct win_rec *r)
{
	const unsigned char *t, *p = enc_body(rec, &t), *tend = p, *end = (const unsigned char *)rec + n;
	/* Field by field: what load_payload() fills starts empty (a memset of the whole cost more). */
	r->categories = 0;
	r->user = r->resource = r->evidence = sv_make(NULL, 0);
	memcpy(&r->store, t, sizeof(r->store));
	t += sizeof(r->store);
	uint64_t pay = 0, payn = 0, rb = 0, kn = 0, sn = 0;
	uv_get(&t, tend, &pay);
	uv_get(&t, tend, &payn);
	uv_get(&t, tend, &rb);
	uv_get(&t, tend, &kn);
	uv_get(&t, tend, &sn);
	r->pay = pay;
	r->payn = (uint32_t)payn;
	r->role = (int32_t)(uint32_t)(rb >> 1) - 1;
	r->kind = *p++;
	bool escaped = rb & ENC_ESCAPED;
	if (escaped) {
		/* A 0x00 in key or subject: their bytes as they are, from the header. */
		p = esc_skip(p, end);
		r->key = sv_make((const char *)t, (size_t)kn);
		r->subject = sv_make((const char *)t + kn, (size_t)sn);
	} else {
		r->key = sv_make((const char *)p, (size_t)kn);
		p += kn + 2;
	}
	r->time = (int64_t)(be64_get(p) ^ ((uint64_t)1 << 63));
	r->nsec = (int32_t)((uint32_t)(be64_get(p + 8) >> 32) ^ ((uint32_t)1 << 31));
	p += 12;
	uint64_t file;
	p = onum_get(p, &file);
	r->file = (uint32_t)file;
	p = onum_get(p, &r->line);
	if (!escaped)
		r->subject = sv_make((const char *)p, (size_t)sn);
}

/*
 * Same kind, key, time, file, line and subject (rare: one line's records,
 * or records carried from another run): the resources decide, read from
 * the payloads.  A read error is kept in the store (win_error) and the
 * payloads' places decide instead, so the order stays total.
 */
static int res_cmp(const void *ra, size_t an, const void *rb, size_t bn)
{
	/* Only the resources are read: no key needed for a user equal to it. */
	struct win_rec a, b;
	decode(ra, an, &a);
	decode(rb, bn, &b);
	struct scratch sa = { 0 }, sb = { 0 };
	int c = 0;
	if (load_payload(&a, &sa) && load_payload(&b, &sb))
		c = sv_cmp(a.resource, b.resource);
	else if (a.store != b.store || a.pay != b.pay)
		c = a.store != b.store ? ((uintptr_t)a.store < (uintptr_t)b.store ? -1 : 1) :
			(a.pay < b.pay ? -1 : 1);
	free(sa.p);
	free(sb.p);
	return c;
}

/*
 * The order windows are judged in, on two encoded records: kind, then key
 * (reads and denials are windowed per key, user or address, whatever the
 * role), time, nsec, file, line, subject (one memcmp of the compared
 * bytes), resource.  The sort calls this about n log n times.
 */
static int enc_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)ctx;
	const unsigned char *ta, *tb;
	const unsigned char *pa = enc_body(a, &ta), *pb = enc_body(b, &tb);
	size_t ca = an - (size_t)(pa - (const unsigned char *)a);
	size_t cb = bn - (size_t)(pb - (const unsigned char *)b);
	size_t m = ca < cb ? ca : cb, i = 0;
	/* Eight bytes at a time, big-endian: the records differ within a key's length and a time. */
	for (; i + 8 <= m; i += 8) {
		uint64_t wa = be64_get(pa + i), wb = be64_get(pb + i);
		if (wa != wb)
			return wa < wb ? -1 : 1;
	}
	int c = memcmp(pa + i, pb + i, m - i);
	if (c)
		return c;
	/* Fields end themselves: equal bytes over the shorter are equal fields (lengths for safety). */
	if (ca != cb)
		return ca < cb ? -1 : 1;
	return res_cmp(a, an, b, bn);
}

/* The partition of a key: a fixed hash, so a key's records meet in one partition of every log. */
static size_t part_of(uint8_t kind, sv key, size_t nparts)
{
	unsigned long long h = sv_hash(key) ^ kind;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	/* h's high half scaled to [0, nparts) (nparts <= WIN_PARTS): no division per record. */
	return (size_t)(((h >> 32) * nparts) >> 32);
}

/*
 * Keep r: its payload appended to the log's store, its sorted record to
 * its partition (views copied).  Counted as dropped where memory or the
 * disk runs out.
 */
/* A record not kept for memory or disk: counted, the first reason kept (e: an errno). */
static void drop(struct win_log *wl, int e)
{
	wl->dropped++;
	if (!wl->drop_err)
		wl->drop_err = e ? e : EIO;
}

static void keep(struct win_log *wl, struct win_rec *r)
{
	size_t m = log_memory(wl);
	if (!wl->own) {
		size_t pm = m / 4 > WIN_MEMORY_MIN ? m / 4 : WIN_MEMORY_MIN;
		struct wpay *s = pay_new(pm);
		if (!s || !add_store(wl, s)) {
			pay_unref(s);
			drop(wl, ENOMEM);
			return;
		}
		pay_unref(s);	/* the log's reference (add_store) is the one */
		wl->own = s;
	}
	/* Views compared as addresses: inside the evidence, the resource need not be copied. */
	uintptr_t rp = (uintptr_t)r->resource.p, ep = (uintptr_t)r->evidence.p;
	bool res_in_ev = r->resource.n && rp >= ep && rp - ep <= r->evidence.n &&
		r->resource.n <= r->evidence.n - (rp - ep);
	/* A read's user is its key, the same view: no bytes compared. */
	bool user_is_key = r->user.n && (r->user.p == r->key.p ? r->user.n == r->key.n : sv_eq(r->user, r->key));
	size_t ustored = user_is_key ? 0 : r->user.n, rstored = res_in_ev ? 0 : r->resource.n;
	uint64_t un = user_is_key ? 1 : (uint64_t)r->user.n << 1;
	uint64_t ro = res_in_ev ? rp - ep + 1 : 0;
	size_t hn = uv_len(r->categories) + uv_len(un) + uv_len(r->resource.n) + uv_len(ro) +
		uv_len(r->evidence.n);
	size_t pn = hn + ustored + rstored + r->evidence.n;
	uint64_t off;
	errno = 0;
	unsigned char *p = pn <= UINT32_MAX / 2 ? pay_reserve(wl->own, pn, &off) : NULL;
	if (!p) {
		/* The store's file could not be made or written (its errno), or no memory. */
		drop(wl, pn > UINT32_MAX / 2 ? E2BIG : wl->own->full ? wl->own->full : ENOMEM);
		return;
	}
	p += uv_put(p, r->categories);
	p += uv_put(p, un);
	p += uv_put(p, r->resource.n);
	p += uv_put(p, ro);
	p += uv_put(p, r->evidence.n);
	if (ustored)
		memcpy(p, r->user.p, ustored);
	if (rstored)
		memcpy(p + ustored, r->resource.p, rstored);
	if (r->evidence.n)
		memcpy(p + ustored + rstored, r->evidence.p, r->evidence.n);
	r->store = wl->own;
	r->pay = off;
	r->payn = (uint32_t)pn;

	size_t pi = part_of(r->kind, r->key, log_parts(wl));
	if (!wl->part[pi]) {
		size_t sm = m / 4 * 3 / log_parts(wl);
		wl->part[pi] = spill_new(enc_cmp, NULL, sm > WIN_MEMORY_MIN ? sm : WIN_MEMORY_MIN);
		if (!wl->part[pi]) {
			drop(wl, ENOMEM);
			return;
		}
	}
	if (encode(wl->part[pi], r) < 0) {
		drop(wl, errno);
		return;
	}
	if (!wl->any || r->time > wl->tmax)
		wl->tmax = r->time;
	wl->any = true;
	if (r->kind == WK_READ && r->role >= 0 && r->role < 64) {
		bool created;
		uintptr_t *roles = strmap_put(&wl->roles, r->key, 0, &created);
		if (!roles) {
			/* The record is kept, its role not: the windows could judge it wrongly. */
			drop(wl, ENOMEM);
			return;
		}
		*roles |= (uintptr_t)1 << r->role;
	}
}

static void fill_common(struct win_rec *r, const struct event *ev, int role)
{
	r->time = ev->time;
	r->nsec = ev->nsec;
	r->file = ev->file;
	r->line = ev->line;
	r->role = role;
	r->categories = ev->categories;
	sv res = ev->f[EVF_RESOURCE];
	if (res.n > WIN_RESOURCE_MAX)
		res.n = WIN_RESOURCE_MAX;
	r->resource = res;
	/*
	 * One byte more than findings keep, so fnd_add() still sees it was long
	 * and whether an address runs on past its cut (red_safe_cut).
	 */
	sv raw = ev->raw;
	if (raw.n > FND_EVIDENCE_MAX + 1)
		raw.n = FND_EVIDENCE_MAX + 1;
	r->evidence = raw;
}

void win_add_read(struct win_log *wl, const struct event *ev, int role)
{
	/* No time: no place in a window.  No subject: nothing to count. */
	if (!wl || !ev->has_time || ev->f[EVF_SUBJECT].n == 0 || win_full(wl))
		return;
	struct win_rec r;
	memset(&r, 0, sizeof(r));
	r.kind = WK_READ;
	r.key = r.user = ev->f[EVF_USER];
	r.subject = ev->f[EVF_SUBJECT];
	fill_common(&r, ev, role);
	keep(wl, &r);
}

void win_add_denied(struct win_log *wl, const struct event *ev, int role)
{
	if (!wl || !ev->has_time || win_full(wl))
		return;
	struct win_rec r;
	memset(&r, 0, sizeof(r));
	sv user = ev->f[EVF_USER];
	r.user = user;
	if (sv_is_dash_or_empty(user)) {
		r.kind = WK_DENIED_SRC;
		r.key = ev->f[EVF_SRC];
	} else {
		r.kind = WK_DENIED_USER;
		r.key = r.user;
	}
	r.subject = ev->f[EVF_SUBJECT];
	fill_common(&r, ev, role);
	keep(wl, &r);
}

/* After a take: src lets go of its stores and roles; its counts go to dst. */
static void taken(struct win_log *dst, struct win_log *src)
{
	for (size_t i = 0; i < src->nstores; i++)
		pay_unref(src->stores[i]);
	free(src->stores);
	src->stores = NULL;
	src->nstores = 0;
	src->own = NULL;
	strmap_release(&src->roles);
	dst->dropped += src->dropped;
	src->dropped = 0;
	if (!dst->drop_err)
		dst->drop_err = src->drop_err;
	src->drop_err = 0;
	if (src->any && (!dst->any || src->tmax > dst->tmax))
		dst->tmax = src->tmax;
	dst->any |= src->any;
	src->any = false;
}

static void add_copy(void *arg, const struct win_record *r)
{
	win_add_record(arg, r);
}

/*
 * win_take() between logs of different partitions: every record copied
 * (payload too; one not kept is counted as dropped in dst), then src
 * emptied.  A slow path: the audit gives its logs one shape.
 */
static bool take_copies(struct win_log *dst, struct win_log *src)
{
	size_t want = win_count(src), before = win_count(dst) + dst->dropped;
	win_foreach(src, add_copy, dst);
	/* A payload that could not be read back ended the copy: the rest is counted. */
	size_t done = win_count(dst) + dst->dropped - before;
	if (done < want)
		dst->dropped += want - done;
	for (size_t i = 0; i < WIN_PARTS; i++) {
		spill_free(src->part[i]);
		src->part[i] = NULL;
	}
	taken(dst, src);
	return true;
}

bool win_take(struct win_log *dst, struct win_log *src)
{
	if (!src)
		return true;
	/* Roles first: merging them again after a failure is harmless (an or). */
	for (size_t i = 0; i < src->roles.cap; i++) {
		const struct strmap_slot *sl = &src->roles.slots[i];
		bool created;
		if (!sl->key.p)
			continue;
		uintptr_t *roles = strmap_put(&dst->roles, sl->key, 0, &created);
		if (!roles)
			return false;
		*roles |= sl->val;
	}
	if (log_parts(src) != log_parts(dst)) {
		if (win_count(dst) || dst->nstores)
			return take_copies(dst, src);
		dst->nparts = src->nparts;	/* dst is empty: it takes src's shape */
	}
	/* The payloads stay where they are: dst shares src's stores. */
	for (size_t i = 0; i < src->nstores; i++)
		if (!add_store(dst, src->stores[i]))
			return false;
	for (size_t i = 0; i < WIN_PARTS; i++) {
		if (!src->part[i])
			continue;
		if (!dst->part[i]) {
			dst->part[i] = src->part[i];
			src->part[i] = NULL;
		} else if (spill_take(dst->part[i], src->part[i]) < 0) {
			/* src keeps its stores: what it still holds stays readable (win_foreach). */
			return false;
		}
	}
	/* src appends no more: its own store goes to its file whole. */
	if (src->own)
		pay_seal(src->own);
	taken(dst, src);
	return true;
}

/* ---- records across machines (partial results) ------------------------- */

_Static_assert((int)WIN_READ == WK_READ && (int)WIN_DENIED_USER == WK_DENIED_USER &&
	       (int)WIN_DENIED_SRC == WK_DENIED_SRC, "public and private record kinds agree");

bool win_time_max(const struct win_log *wl, int64_t *t)
{
	if (!wl || !wl->any)
		return false;
	*t = wl->tmax;
	return true;
}

void win_foreach(struct win_log *wl, void (*fn)(void *arg, const struct win_record *r),
		 void *arg)
{
	win_foreach_since(wl, INT64_MIN, fn, arg);
}

void win_foreach_since(struct win_log *wl, int64_t from,
		       void (*fn)(void *arg, const struct win_record *r), void *arg)
{
	if (!wl)
		return;
	/* The partitions merged in the evaluation order, which is total for one event's record. */
	const void *cur[WIN_PARTS];
	size_t curn[WIN_PARTS];
	bool live[WIN_PARTS] = { false };
	for (size_t i = 0; i < WIN_PARTS; i++)
		if (wl->part[i] && spill_rewind(wl->part[i]) < 0)
			return;
	for (size_t i = 0; i < WIN_PARTS; i++)
		live[i] = wl->part[i] && spill_next(wl->part[i], &cur[i], &curn[i]) > 0;
	struct scratch pay = { 0 };
	for (;;) {
		size_t m = WIN_PARTS;
		for (size_t i = 0; i < WIN_PARTS; i++)
			if (live[i] && (m == WIN_PARTS || enc_cmp(cur[i], curn[i], cur[m], curn[m], NULL) < 0))
				m = i;
		if (m == WIN_PARTS)
			break;
		struct win_rec r;
		decode(cur[m], curn[m], &r);
		/* Only the records shown have their payloads read back. */
		if (r.time < from) {
			live[m] = spill_next(wl->part[m], &cur[m], &curn[m]) > 0;
			continue;
		}
		if (!load_payload(&r, &pay))
			break;	/* kept in the store: win_error() */
		struct win_record o = {
			.kind = (enum win_record_kind)r.kind,
			.time = r.time,
			.nsec = r.nsec,
			.line = r.line,
			.categories = r.categories,
			.file = r.file,
			.role = r.role,
			.key = r.key,
			.user = r.user,
			.subject = r.subject,
			.resource = r.resource,
			.evidence = r.evidence,
		};
		fn(arg, &o);
		live[m] = spill_next(wl->part[m], &cur[m], &curn[m]) > 0;
	}
	for (size_t i = 0; i < WIN_PARTS; i++)
		spill_stop(wl->part[i]);
	free(pay.p);
}

void win_add_record(struct win_log *wl, const struct win_record *in)
{
	struct win_rec r;
	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)in->kind;
	r.time = in->time;
	r.nsec = in->nsec;
	r.line = in->line;
	r.categories = in->categories;
	r.file = in->file;
	r.role = in->role;
	r.key = in->key;
	r.user = in->user;
	r.subject = in->subject;
	r.resource = in->resource;
	/* Already bounded by the log that made it; keep it byte for byte. */
	r.evidence = in->evidence;
	keep(wl, &r);
}

int win_error(const struct win_log *wl)
{
	if (!wl)
		return 0;
	for (size_t i = 0; i < WIN_PARTS; i++)
		if (spill_error(wl->part[i]))
			return spill_error(wl->part[i]);
	for (size_t i = 0; i < wl->nstores; i++) {
		if (wl->stores[i]->werr)
			return wl->stores[i]->werr;
		if (atomic_load(&wl->stores[i]->rerr))
			return atomic_load(&wl->stores[i]->rerr);
	}
	return 0;
}

/* "1h", "10m", "90s", "2d": the shortest exact unit. */
static void fmt_duration(int64_t s, char *buf, size_t n)
{
	if (s > 0 && s % 86400 == 0)
		snprintf(buf, n, "%lldd", (long long)(s / 86400));
	else if (s > 0 && s % 3600 == 0)
		snprintf(buf, n, "%lldh", (long long)(s / 3600));
	else if (s > 0 && s % 60 == 0)
		snprintf(buf, n, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, n, "%llds", (long long)s);
}

/* What judging one partition needs: the policy, its findings, a payload scratch. */
struct judge {
	const struct win_log *wl;
	const struct policy *p;
	struct fnd_list *out;
	struct scratch pay;
};

/* A finding at r: its payload read back now.  False: the payload could not be read. */
static bool emit(struct judge *j, struct win_rec *r, enum chk_id id, const char *detail)
{
	const struct policy *p = j->p;
	if (!load_payload(r, &j->pay))
		return false;
	struct finding f;
	memset(&f, 0, sizeof(f));
	f.check = id;
	f.severity = id < p->nchecks ? p->checks[id].severity : chk_info(id)->severity;
	f.time = r->time;
	f.has_time = true;
	f.user = r->user;
	if (r->role >= 0 && (size_t)r->role < p->nroles)
		f.role = sv_cstr(p->roles[r->role].name);
	f.subject = r->subject;
	f.resource = r->resource;
	f.categories = r->categories;
	f.file = r->file;
	f.line = r->line;
	f.evidence = r->evidence;
	f.detail = sv_cstr(detail);
	fnd_add(j->out, &f);
	return true;
}

static bool check_on(const struct policy *p, enum chk_id id)
{
	return id >= p->nchecks || p->checks[id].enabled;
}

/*
 * Whether (t, ns) is more than w seconds after (t0, ns0), fractions included
 * (SPEC §4: "at most WINDOW apart, inclusive"; 60.5 s is not within 1m).
 */
static bool over_window(int64_t t0, int32_t ns0, int64_t t, int32_t ns, int64_t w)
{
	/* t >= t0 (sorted): unsigned, so no overflow whatever the times. */
	uint64_t d = (uint64_t)t - (uint64_t)t0;
	return d > (uint64_t)w || (d == (uint64_t)w && ns > ns0);
}

static int64_t role_window(const struct pol_role *role)
{
	return role->max_window > 0 ? role->max_window : 3600;
}

int64_t win_longest(const struct policy *p)
{
	const struct pol_check *c = CHK_FAILED_ACCESS_BURST < p->nchecks ?
		&p->checks[CHK_FAILED_ACCESS_BURST] : NULL;
	int64_t w = c && c->threshold_window > 0 ? c->threshold_window : 600;
	for (size_t i = 0; i < p->nroles; i++)
		if (role_window(&p->roles[i]) > w)
			w = role_window(&p->roles[i]);
	return w;
}

/* One limited role's window over a user's reads. */
struct rwin {
	int role;
	size_t lo;		/* absolute index of its oldest read still inside */
	uint32_t *counts;	/* per dense subject number */
	size_t distinct;
};

/*
 * The state of one key while its records stream past in time order: the
 * records still inside the longest window (time and dense subject number;
 * the record being judged is the newest), and for reads, per limited role,
 * one counter per distinct subject.  Records leave it as time advances, so
 * it holds what the windows can still use, never the whole key.
 */
struct kstate {
	int64_t *t;
	int32_t *ns;
	uint32_t *id;
	size_t base;		/* absolute index of t[0] */
	size_t lo, hi, cap;	/* live entries t[lo - base .. hi - base) (absolute lo, hi) */
	struct strmap subj;	/* reads: subject -> dense number, for this key */
	size_t nsubj, ncounts;
	struct rwin rw[64];
	size_t nrw;
	uint64_t limited;	/* roles with max-subjects the key's windows use */
	bool started;		/* reads: roles looked up */
	bool burst;
};

static void kstate_reset(struct kstate *k)
{
	k->base = k->lo = k->hi = 0;
	strmap_release(&k->subj);
	for (size_t r = 0; r < k->nrw; r++)
		free(k->rw[r].counts);
	k->nrw = 0;
	k->nsubj = k->ncounts = 0;
	k->limited = 0;
	k->started = k->burst = false;
}

static void kstate_free(struct kstate *k)
{
	kstate_reset(k);
	free(k->t);
	free(k->ns);
	free(k->id);
}

/* Append (time, id); false when memory ran out. */
static bool kstate_push(struct kstate *k, int64_t t, int32_t ns, uint32_t id)
{
	if (k->hi - k->base == k->cap) {
		size_t drop = k->lo - k->base;
		if (drop) {
			/* Reuse the room the windows left behind. */
			memmove(k->t, k->t + drop, (k->hi - k->lo) * sizeof(*k->t));
			memmove(k->ns, k->ns + drop, (k->hi - k->lo) * sizeof(*k->ns));
			memmove(k->id, k->id + drop, (k->hi - k->lo) * sizeof(*k->id));
			k->base = k->lo;
		} else {
			size_t ncap = k->cap ? k->cap * 2 : 64;
			int64_t *nt = try_reallocarray(k->t, ncap, sizeof(*nt));
			if (!nt)
				return false;
			k->t = nt;
			int32_t *nn = try_reallocarray(k->ns, ncap, sizeof(*nn));
			if (!nn)
				return false;
			k->ns = nn;
			uint32_t *ni = try_reallocarray(k->id, ncap, sizeof(*ni));
			if (!ni)
				return false;
			k->id = ni;
			k->cap = ncap;
		}
	}
	k->t[k->hi - k->base] = t;
	k->ns[k->hi - k->base] = ns;
	k->id[k->hi - k->base] = id;
	k->hi++;
	return true;
}

/* A window for limited role r, from this read on; false: out of memory. */
static bool add_rwin(struct kstate *k, int r)
{
	struct rwin *w = &k->rw[k->nrw];
	memset(w, 0, sizeof(*w));
	w->role = r;
	w->lo = k->hi;
	if (k->ncounts) {
		w->counts = try_calloc(k->ncounts, sizeof(*w->counts));
		if (!w->counts)
			return false;
	}
	k->nrw++;
	k->limited |= 1ull << r;
	return true;
}

/*
 * One read of a user (SPEC §4 semantics 8): counted per user across all of
 * the user's roles; where several of them set max-subjects, the read is
 * over only when it exceeds every one (the most permissive wins).  The
 * limited roles are the user's (policy_roles_of) and every role a read of
 * the user was judged under (wl->roles).  False: out of memory.
 */
static bool step_read(struct kstate *k, struct win_rec *r, struct judge *j)
{
	const struct policy *p = j->p;
	if (!k->started) {
		uint64_t roles = policy_roles_of(p, r->key);
		const uintptr_t *seen = strmap_get(&j->wl->roles, r->key);
		if (seen)
			roles |= (uint64_t)*seen;
		k->started = true;
		for (size_t i = 0; i < p->nroles && i < 64; i++)
			if ((roles & (1ull << i)) && p->roles[i].max_subjects && !add_rwin(k, (int)i))
				return false;
	}
	if (!k->nrw)
		return true;
	bool created;
	uintptr_t *val = strmap_put(&k->subj, r->subject, k->nsubj, &created);
	if (!val)
		return false;
	if (created) {
		if (k->nsubj == k->ncounts) {
			size_t ncap = k->ncounts ? k->ncounts * 2 : 64;
			for (size_t i = 0; i < k->nrw; i++) {
				uint32_t *nc = try_reallocarray(k->rw[i].counts, ncap, sizeof(*nc));
				if (!nc)
					return false;
				memset(nc + k->ncounts, 0, (ncap - k->ncounts) * sizeof(*nc));
				k->rw[i].counts = nc;
			}
			k->ncounts = ncap;
		}
		k->nsubj++;
	}
	uint32_t id = (uint32_t)*val;
	if (!kstate_push(k, r->time, r->nsec, id))
		return false;
	bool over = true;
	size_t oldest = k->hi;
	for (size_t i = 0; i < k->nrw; i++) {
		struct rwin *w = &k->rw[i];
		const struct pol_role *role = &p->roles[w->role];
		int64_t win = role_window(role);
		while (over_window(k->t[w->lo - k->base], k->ns[w->lo - k->base], r->time, r->nsec,
				   win)) {
			if (--w->counts[k->id[w->lo - k->base]] == 0)
				w->distinct--;
			w->lo++;
		}
		if (w->counts[id]++ == 0)
			w->distinct++;
		if (w->distinct <= role->max_subjects)
			over = false;
		if (w->lo < oldest)
			oldest = w->lo;
	}
	k->lo = oldest;
	if (!over || k->burst) {
		k->burst = over;
		return true;
	}
	k->burst = true;
	/* The roles in policy order, as the detail has always listed them. */
	char detail[512];
	size_t len = 0;
	for (size_t ri = 0; ri < p->nroles && ri < 64 && len < sizeof(detail); ri++) {
		if (!(k->limited & (1ull << ri)))
			continue;
		const struct rwin *w = NULL;
		for (size_t i = 0; i < k->nrw; i++)
			if (k->rw[i].role == (int)ri)
				w = &k->rw[i];
		const struct pol_role *role = &p->roles[ri];
		char dur[32];
		fmt_duration(role_window(role), dur, sizeof(dur));
		int n = snprintf(detail + len, sizeof(detail) - len,
				 "%s%zu distinct subjects within %s; role %s allows %u",
				 len ? "; " : "read ", w->distinct, dur, role->name, role->max_subjects);
		len += n > 0 ? (size_t)n : 0;
	}
	return emit(j, r, CHK_EXCESSIVE_ACCESS, detail);
}

/* One denied request of a user or address (SPEC §4 semantics 1); false: out of memory. */
static bool step_denied(struct kstate *k, struct win_rec *r, struct judge *j)
{
	const struct policy *p = j->p;
	const struct pol_check *c = CHK_FAILED_ACCESS_BURST < p->nchecks ?
		&p->checks[CHK_FAILED_ACCESS_BURST] : NULL;
	size_t limit = c && c->threshold_n ? c->threshold_n : 20;
	int64_t w = c && c->threshold_window > 0 ? c->threshold_window : 600;
	if (!kstate_push(k, r->time, r->nsec, 0))
		return false;
	while (over_window(k->t[k->lo - k->base], k->ns[k->lo - k->base], r->time, r->nsec, w))
		k->lo++;
	size_t count = k->hi - k->lo;
	if (count >= limit && !k->burst) {
		char dur[32], detail[256];
		fmt_duration(w, dur, sizeof(dur));
		snprintf(detail, sizeof(detail),
			 "%zu denied (401/403) requests within %s by %s %.*s; the threshold is %zu",
			 count, dur, r->kind == WK_DENIED_SRC ? "address" : "user",
			 (int)r->key.n, r->key.p, limit);
		k->burst = true;
		if (!emit(j, r, CHK_FAILED_ACCESS_BURST, detail))
			return false;
	} else if (count < limit) {
		k->burst = false;
	}
	return true;
}

/* Whether r's check is on. */
static bool judged(const struct win_rec *r, const struct policy *p)
{
	return check_on(p, r->kind == WK_READ ? CHK_EXCESSIVE_ACCESS : CHK_FAILED_ACCESS_BURST);
}

/* Judge one partition's records into j->out: 0, or -1 (read error or out of memory). */
static int eval_part(struct spill *sp, struct judge *j)
{
	if (spill_rewind(sp) < 0)
		return -1;
	/* The current key, copied: the sorter's view dies at the next record. */
	struct buf prev = BUF_INIT;
	uint8_t prev_kind = 0;
	bool have_prev = false;
	struct kstate k;
	memset(&k, 0, sizeof(k));
	const void *rec;
	size_t n;
	int rc, ret = 0;
	while ((rc = spill_next(sp, &rec, &n)) > 0) {
		struct win_rec cur;
		decode(rec, n, &cur);
		if (!have_prev || prev_kind != cur.kind || !sv_eq(buf_sv(&prev), cur.key)) {
			kstate_reset(&k);
			buf_reset(&prev);
			buf_addsv(&prev, cur.key);
			if (prev.err) {
				ret = -1;
				break;
			}
			prev_kind = cur.kind;
			have_prev = true;
		}
		if (!judged(&cur, j->p))
			continue;
		if (!(cur.kind == WK_READ ? step_read(&k, &cur, j) : step_denied(&k, &cur, j))) {
			ret = -1;
			break;
		}
	}
	if (rc < 0)
		ret = -1;
	/* The read buffers go now, not when the log does: the next partitions need the memory. */
	spill_stop(sp);
	kstate_free(&k);
	buf_release(&prev);
	return ret;
}

/*
 * The partitions shared by win_evaluate()'s threads: each takes the next
 * one not yet judged, in `order`: the largest first (by records), so the
 * last ones taken are short and no thread is left judging a big one alone
 * at the end (on the CRM bench the largest came last in index order: a
 * fifth of the windows' time on one thread).  The findings do not depend
 * on it: each partition's go to its own list, joined in index order.
 */
struct eval {
	struct win_log *wl;
	const struct policy *p;
	struct fnd_list outs[WIN_PARTS];
	int rc[WIN_PARTS];
	size_t order[WIN_PARTS];
	_Atomic size_t next;
};

static void *eval_main(void *arg)
{
	struct eval *e = arg;
	struct judge j = { .wl = e->wl, .p = e->p };
	size_t k;
	while ((k = atomic_fetch_add(&e->next, 1)) < WIN_PARTS) {
		size_t i = e->order[k];
		if (!e->wl->part[i])
			continue;
		j.out = &e->outs[i];
		e->rc[i] = eval_part(e->wl->part[i], &j);
	}
	free(j.pay.p);
	return NULL;
}

int win_evaluate(struct win_log *wl, const struct policy *p, struct fnd_list *out)
{
	if (!wl)
		return 0;
	struct eval *e = try_calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->wl = wl;
	e->p = p;
	size_t nparts = 0;
	for (size_t i = 0; i < WIN_PARTS; i++) {
		e->outs[i] = (struct fnd_list)FND_LIST_INIT;
		/* The list's memory budget shared by the partitions (0: no spill, as out's). */
		if (out->budget)
			e->outs[i].budget = out->budget / WIN_PARTS ? out->budget / WIN_PARTS : 1;
		nparts += wl->part[i] != NULL;
		/* Insertion by records, descending; ties keep index order. */
		uint64_t n = wl->part[i] ? spill_count(wl->part[i]) : 0;
		size_t at = i;
		while (at > 0 && (e->wl->part[e->order[at - 1]] ?
				  spill_count(e->wl->part[e->order[at - 1]]) : 0) < n) {
			e->order[at] = e->order[at - 1];
			at--;
		}
		e->order[at] = i;
	}
	/* Threads past the first; where one cannot start, the others (and this one) do its share. */
	size_t nthreads = wl->jobs > 1 ? wl->jobs - 1 : 0;
	if (nthreads > (nparts ? nparts - 1 : 0))
		nthreads = nparts ? nparts - 1 : 0;
	pthread_t th[WIN_PARTS];
	size_t started = 0;
	while (started < nthreads && pthread_create(&th[started], NULL, eval_main, e) == 0)
		started++;
	eval_main(e);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	/* Joined in partition order; aud_finish() sorts them (fnd_sort: a total order). */
	int ret = 0;
	for (size_t i = 0; i < WIN_PARTS; i++) {
		if (e->rc[i] < 0)
			ret = -1;
		if (!fnd_take(out, &e->outs[i])) {
			/* Out of memory joining: one by one, each kept or counted lost in out. */
			struct fnd_iter it;
			const struct finding *f;
			for (fnd_iter_start(&e->outs[i], &it); (f = fnd_iter_next(&it));)
				fnd_add(out, f);
			if (fnd_error(&e->outs[i]))
				ret = -1;
			out->lost += e->outs[i].lost;
			fnd_release(&e->outs[i]);
		}
	}
	free(e);
	/* A payload write failed (the records after it were not kept), or one could not be read back. */
	if (win_error(wl))
		ret = -1;
	return ret;
}
