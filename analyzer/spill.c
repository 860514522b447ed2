/*
 * spill.c - external merge sort of byte records (see spill.h).
 *
 * In memory: the records' bytes in one block (mem) and an index of
 * (offset, length) entries.  On disk: sorted runs of [u32 length][bytes]
 * appended to the sorter's unlinked temporary files.  Reading: a binary
 * heap over one cursor per run (buffered pread), or over the sorted index
 * alone while nothing was spilled.
 */
#include "common.h"

#include "spill.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define SPILL_DEFAULT_BUDGET (8u << 20)
#define SPILL_IO (64u << 10)
#define SPILL_FANIN 128		/* runs merged at once */

struct ent {
	size_t off;
	uint32_t n;
	uint32_t prefix;	/* spill_reserve()'s: orders as the comparator where it differs */
};

struct run {
	int fd;
	uint64_t off, len;
};

struct cur {
	int fd;			/* -1: the in-memory index */
	uint64_t pos, end;	/* file cursor */
	unsigned char *buf;
	size_t cap, len, at;
	size_t idx;		/* in-memory: next entry */
	const unsigned char *rec;	/* the current record */
	size_t n;
	bool consumed;		/* rec was returned: advance before comparing */
};

struct spill {
	spill_cmp cmp;
	void *ctx;
	size_t budget;
	unsigned char *mem;
	size_t used, memcap;
	struct ent *ents;
	size_t nents, entcap;
	bool sorted;
	int *fds;
	size_t nfds;
	uint64_t fd_end;	/* the end of the newest file (fds[nfds - 1]) */
	struct run *runs;
	size_t nruns;
	uint64_t count;
	int err;
	/* reading */
	struct cur *curs;
	size_t ncurs;
	size_t *heap;
	size_t nheap;
	bool reading;
	bool mem_fallback;	/* spill_memory_fallback() */
	int full;		/* no file could be created: adds past the budget fail with it */
};

static int fail(struct spill *s, int e)
{
	if (!s->err)
		s->err = e ? e : EIO;
	errno = s->err;
	return -1;
}

struct spill *spill_new(spill_cmp cmp, void *ctx, size_t budget)
{
	struct spill *s = try_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cmp = cmp;
	s->ctx = ctx;
	s->budget = budget ? budget : SPILL_DEFAULT_BUDGET;
	return s;
}

static void end_reading(struct spill *s)
{
	for (size_t i = 0; i < s->ncurs; i++)
		free(s->curs[i].buf);
	free(s->curs);
	free(s->heap);
	s->curs = NULL;
	s->heap = NULL;
	s->ncurs = s->nheap = 0;
	s->reading = false;
}

void spill_free(struct spill *s)
{
	if (!s)
		return;
	end_reading(s);
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	free(s->fds);
	free(s->runs);
	free(s->mem);
	free(s->ents);
	free(s);
}

uint64_t spill_count(const struct spill *s)
{
	return s ? s->count : 0;
}

size_t spill_runs(const struct spill *s)
{
	return s ? s->nruns : 0;
}

int spill_error(const struct spill *s)
{
	return s ? s->err : 0;
}

void spill_memory_fallback(struct spill *s)
{
	s->mem_fallback = true;
}

int spill_set_error(struct spill *s, int e)
{
	return fail(s, e);
}

int spill_tmpfd(void)
{
	const char *dir = getenv("TMPDIR");
	struct buf name = BUF_INIT;
	buf_addf(&name, "%s/dpfaudit-spill.XXXXXX", dir && *dir ? dir : "/tmp");
	if (name.err) {
		buf_release(&name);
		errno = ENOMEM;
		return -1;
	}
	int fd = mkstemp(name.p);
	int e = errno;
	if (fd >= 0) {
		/* Nameless at once: nothing to clean up after a crash or a signal. */
		unlink(name.p);
		if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	buf_release(&name);
	errno = e;
	return fd;
}

/* A new unlinked owner-only file in $TMPDIR; it becomes the newest of s->fds. */
static int new_file(struct spill *s)
{
	int fd = spill_tmpfd();
	if (fd < 0)
		return fail(s, errno);
	int *nf = try_reallocarray(s->fds, s->nfds + 1, sizeof(*nf));
	if (!nf) {
		close(fd);
		return fail(s, ENOMEM);
	}
	s->fds = nf;
	s->fds[s->nfds++] = fd;
	s->fd_end = 0;
	return 0;
}

int spill_pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const char *c = p;
	while (n) {
		ssize_t w = pwrite(fd, c, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int ent_cmp(const struct spill *s, const struct ent *a, const struct ent *b)
{
	/* Most comparisons of a sort by a leading key end here, without the records' bytes. */
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return s->cmp(s->mem + a->off, a->n, s->mem + b->off, b->n, s->ctx);
}

/*
 * A stable merge sort of a[0, n) (tmp: room for n / 2 + 1 entries): the
 * order glibc's qsort gives (a stable merge sort too, where it has the
 * memory), with one call of the comparator per comparison, not two
 * through qsort's, and no copying of entries through memcpy calls.  Runs
 * already in order (records added in order) cost one comparison.
 */
static void sort_ents(const struct spill *s, struct ent *a, size_t n, struct ent *tmp)
{
	if (n < 2)
		return;
	if (n <= 8) {
		for (size_t i = 1; i < n; i++) {
			struct ent e = a[i];
			size_t j = i;
			while (j > 0 && ent_cmp(s, &a[j - 1], &e) > 0) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = e;
		}
		return;
	}
	size_t h = n / 2;
	sort_ents(s, a, h, tmp);
	sort_ents(s, a + h, n - h, tmp);
	if (ent_cmp(s, &a[h - 1], &a[h]) <= 0)
		return;
	memcpy(tmp, a, h * sizeof(*a));
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		/* Ties take the left one first: stable. */
		if (ent_cmp(s, &a[j], &tmp[i]) < 0)
			a[k++] = a[j++];
		else
			a[k++] = tmp[i++];
	}
	while (i < h)
		a[k++] = tmp[i++];
}

/*
 * A stable sort of a[0, n) by prefix alone where the prefixes take at most
 * SPILL_GROUPS values (a window partition's keys): the values found
 * through a small hash table, sorted, then one pass moves every entry to
 * its place (tmp: room for n entries).  False, nothing moved, where there
 * are more values.
 */
#define SPILL_GROUPS 64
static bool group_prefixes(struct ent *a, size_t n, struct ent *tmp)
{
	uint32_t val[SPILL_GROUPS];
	size_t at[SPILL_GROUPS];
	unsigned char order[SPILL_GROUPS];
	int8_t slot[2 * SPILL_GROUPS];
	unsigned ng = 0;
	memset(slot, -1, sizeof(slot));
	memset(at, 0, sizeof(at));
#define GROUP_OF(x, g)                                                                  \
	do {                                                                            \
		unsigned h_ = (unsigned)(((x) * 0x9e3779b9u) >> 25);                    \
		while (slot[h_] >= 0 && val[slot[h_]] != (x))                           \
			h_ = (h_ + 1) & (2 * SPILL_GROUPS - 1);                         \
		g = slot[h_];                                                           \
		if (g < 0) {                                                            \
			if (ng == SPILL_GROUPS)                                         \
				return false;                                           \
			g = (int)ng;                                                    \
			slot[h_] = (int8_t)ng;                                          \
			val[ng++] = (x);                                                \
		}                                                                       \
	} while (0)
	for (size_t i = 0; i < n; i++) {
		int g;
		GROUP_OF(a[i].prefix, g);
		at[g]++;
	}
	if (ng == 1)
		return true;	/* one value (no prefixes at all): in order already */
	/* The values in order (few: insertion), then where each one's entries start. */
	for (unsigned i = 0; i < ng; i++) {
		unsigned j = i;
		while (j > 0 && val[order[j - 1]] > val[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (unsigned char)i;
	}
	size_t sum = 0;
	for (unsigned i = 0; i < ng; i++) {
		size_t c = at[order[i]];
		at[order[i]] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++) {
		int g;
		GROUP_OF(a[i].prefix, g);
		tmp[at[g]++] = a[i];
	}
#undef GROUP_OF
	memcpy(a, tmp, n * sizeof(*a));
	return true;
}

/*
 * A stable sort of a[0, n) by prefix alone (tmp: room for n entries):
 * grouped where the prefixes take few values, else a byte at a time from
 * the lowest (radix), skipping the bytes every entry shares (all of them
 * where there are no prefixes: nothing moves).
 */
static void sort_prefixes(struct ent *a, size_t n, struct ent *tmp)
{
	if (group_prefixes(a, n, tmp))
		return;
	size_t count[4][256] = { { 0 } };
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < 4; d++)
			count[d][(a[i].prefix >> (8 * d)) & 0xff]++;
	struct ent *src = a, *dst = tmp;
	for (unsigned d = 0; d < 4; d++) {
		if (count[d][(a[0].prefix >> (8 * d)) & 0xff] == n)
			continue;	/* one value: this byte orders nothing */
		size_t at[256], sum = 0;
		for (unsigned v = 0; v < 256; v++) {
			at[v] = sum;
			sum += count[d][v];
		}
		for (size_t i = 0; i < n; i++)
			dst[at[(src[i].prefix >> (8 * d)) & 0xff]++] = src[i];
		struct ent *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/*
 * Sorted by the comparator, equal records in the order they were added.
 * Where the records have prefixes (spill_reserve), a stable sort by them
 * first: then the merge sort, stable too, finds the records of one prefix
 * already in order wherever they were added in order (a window log's
 * records of one key, added in time order, cost one comparison each, not
 * log n), and the order is the same as the merge sort's alone.
 */
static int sort_mem(struct spill *s)
{
	if (s->sorted)
		return 0;
	if (s->nents > 1) {
		struct ent *tmp = try_reallocarray(NULL, s->nents, sizeof(*tmp));
		if (!tmp)
			return fail(s, ENOMEM);
		sort_prefixes(s->ents, s->nents, tmp);
		sort_ents(s, s->ents, s->nents, tmp);
		free(tmp);
	}
	s->sorted = true;
	return 0;
}

/*
 * Appends records as [u32 length][bytes] at off of fd, through a buffer
 * written in whole SPILL_IO blocks at offsets that are multiples of
 * SPILL_IO (a run starts at the next such offset; a record may span two
 * blocks, the reader joins it): the page cache takes aligned 64 KiB
 * writes as large folios, a quarter less of the kernel's time than
 * writes of records' uneven sizes (pwrite of 200 MB: 0.047 s, 0.064 s).
 */
struct writer {
	struct spill *s;
	int fd;
	uint64_t start, off;	/* off: where io[0] goes, a multiple of SPILL_IO */
	unsigned char *io;
	size_t fill;
};

static int writer_start(struct writer *w, struct spill *s)
{
	if (!s->nfds && new_file(s) < 0)
		return -1;
	w->s = s;
	w->fd = s->fds[s->nfds - 1];
	w->start = w->off = (s->fd_end + SPILL_IO - 1) / SPILL_IO * SPILL_IO;
	w->fill = 0;
	w->io = try_malloc(SPILL_IO);
	return w->io ? 0 : fail(s, ENOMEM);
}

/* n bytes at the end of the run: whole blocks go to the file as they fill. */
static int writer_bytes(struct writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n) {
		size_t k = SPILL_IO - w->fill < n ? SPILL_IO - w->fill : n;
		memcpy(w->io + w->fill, c, k);
		w->fill += k;
		c += k;
		n -= k;
		if (w->fill == SPILL_IO) {
			if (spill_pwrite_all(w->fd, w->io, SPILL_IO, w->off) < 0)
				return fail(w->s, errno);
			w->off += SPILL_IO;
			w->fill = 0;
		}
	}
	return 0;
}

static int writer_put(struct writer *w, const void *rec, size_t n)
{
	uint32_t n32 = (uint32_t)n;
	if (w->fill + 4 + n <= SPILL_IO) {
		/* The common case: the record fits in the block. */
		memcpy(w->io + w->fill, &n32, 4);
		memcpy(w->io + w->fill + 4, rec, n);
		w->fill += 4 + n;
		return 0;
	}
	if (writer_bytes(w, &n32, 4) < 0)
		return -1;
	return writer_bytes(w, rec, n);
}

/* Write the tail, free the buffer; on success the run is [start, off) and fd_end moves past it. */
static int writer_end(struct writer *w, bool ok, struct run *out)
{
	if (ok && w->fill && spill_pwrite_all(w->fd, w->io, w->fill, w->off) < 0)
		ok = !fail(w->s, errno);
	w->off += w->fill;
	free(w->io);
	w->io = NULL;
	if (!ok)
		return -1;
	*out = (struct run){ w->fd, w->start, w->off - w->start };
	w->s->fd_end = w->off;
	return 0;
}

/* Write the in-memory records as one sorted run and empty the buffer. */
static int flush_run(struct spill *s)
{
	if (!s->nents)
		return 0;
	if (sort_mem(s) < 0)
		return -1;
	struct run *nr = try_reallocarray(s->runs, s->nruns + 1, sizeof(*nr));
	if (!nr)
		return fail(s, ENOMEM);
	s->runs = nr;
	struct writer w;
	if (writer_start(&w, s) < 0)
		return -1;
	bool ok = true;
	for (size_t i = 0; i < s->nents && ok; i++)
		ok = writer_put(&w, s->mem + s->ents[i].off, s->ents[i].n) == 0;
	if (writer_end(&w, ok, &s->runs[s->nruns]) < 0)
		return -1;
	s->nruns++;
	s->nents = 0;
	s->used = 0;
	s->sorted = true;
	return 0;
}

void *spill_reserve(struct spill *s, size_t n, uint32_t prefix)
{
	if (s->err || s->full) {
		errno = s->err ? s->err : s->full;
		return NULL;
	}
	if (n > SPILL_RECORD_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if (s->reading)
		end_reading(s);
	size_t cost = n + sizeof(struct ent);
	if (s->nents && (s->used + s->nents * sizeof(struct ent)) + cost > s->budget &&
	    flush_run(s) < 0) {
		if (s->nfds)
			return NULL;
		/*
		 * No file could be created, so nothing was written: what is in
		 * memory stays readable.  Memory only from now on, or refuse
		 * every further record (the caller counts them, never a silent drop).
		 */
		int e = s->err;
		s->err = 0;
		if (!s->mem_fallback) {
			s->full = e;
			errno = e;
			return NULL;
		}
		s->budget = SIZE_MAX;
	}
	/* Never a NULL block, even for an empty record: the caller gets a pointer. */
	if (s->used + n > s->memcap || !s->mem) {
		size_t ncap = s->memcap ? s->memcap : 4096;
		while (ncap < s->used + n)
			ncap *= 2;
		/* Doubling past the budget would only be room the next flush never uses. */
		if (ncap > s->budget && s->used + n <= s->budget)
			ncap = s->budget;
		unsigned char *nm = try_reallocarray(s->mem, ncap, 1);
		if (!nm) {
			fail(s, ENOMEM);
			return NULL;
		}
		s->mem = nm;
		s->memcap = ncap;
	}
	if (s->nents == s->entcap) {
		size_t ncap = s->entcap ? s->entcap * 2 : 256;
		if (ncap > s->budget / sizeof(struct ent) && s->nents < s->budget / sizeof(struct ent))
			ncap = s->budget / sizeof(struct ent);
		struct ent *ne = try_reallocarray(s->ents, ncap, sizeof(*ne));
		if (!ne) {
			fail(s, ENOMEM);
			return NULL;
		}
		s->ents = ne;
		s->entcap = ncap;
	}
	unsigned char *p = s->mem + s->used;
	s->ents[s->nents++] = (struct ent){ s->used, (uint32_t)n, prefix };
	s->used += n;
	s->sorted = false;
	s->count++;
	return p;
}

int spill_add(struct spill *s, const void *rec, size_t n)
{
	unsigned char *p = spill_reserve(s, n, 0);
	if (!p)
		return -1;
	if (n)
		memcpy(p, rec, n);
	return 0;
}

int spill_take(struct spill *dst, struct spill *src)
{
	if (src->err)
		return fail(dst, src->err);
	if (src->reading)
		end_reading(src);
	/* The runs and their files move; the in-memory records are copied. */
	if (src->nruns) {
		int *nf = try_reallocarray(dst->fds, dst->nfds + src->nfds, sizeof(*nf));
		if (!nf)
			return fail(dst, ENOMEM);
		dst->fds = nf;
		struct run *nr = try_reallocarray(dst->runs, dst->nruns + src->nruns, sizeof(*nr));
		if (!nr)
			return fail(dst, ENOMEM);
		dst->runs = nr;
		/* dst's newest file stays the one it appends to: src's go before it. */
		int newest = dst->nfds ? dst->fds[dst->nfds - 1] : -1;
		size_t k = dst->nfds ? dst->nfds - 1 : 0;
		memcpy(dst->fds + k, src->fds, src->nfds * sizeof(int));
		if (newest >= 0)
			dst->fds[k + src->nfds] = newest;
		else
			dst->fd_end = src->fd_end;
		dst->nfds += src->nfds;
		memcpy(dst->runs + dst->nruns, src->runs, src->nruns * sizeof(*nr));
		dst->nruns += src->nruns;
		dst->count += src->count - src->nents;
		free(src->fds);
		free(src->runs);
		src->fds = NULL;
		src->runs = NULL;
		src->nfds = src->nruns = 0;
		src->count = src->nents;
	}
	if (!dst->nents && src->nents && src->used + src->nents * sizeof(struct ent) <= dst->budget) {
		/*
		 * An empty dst takes src's in-memory records whole (they fit its
		 * budget): the buffers swap, nothing is copied.  The first list
		 * joined into an empty one (audit.c's merge_parsers) is up to a
		 * whole budget of records: a copy of 16 MiB into fresh pages.
		 */
		if (dst->reading)
			end_reading(dst);
		struct spill t = *dst;
		dst->mem = src->mem;
		dst->used = src->used;
		dst->memcap = src->memcap;
		dst->ents = src->ents;
		dst->nents = src->nents;
		dst->entcap = src->entcap;
		dst->sorted = src->sorted;
		dst->count += src->nents;
		src->mem = t.mem;
		src->memcap = t.memcap;
		src->ents = t.ents;
		src->entcap = t.entcap;
		src->count -= src->nents;
		src->nents = 0;
	}
	while (src->nents) {
		const struct ent *e = &src->ents[src->nents - 1];
		unsigned char *p = spill_reserve(dst, e->n, e->prefix);
		if (!p)
			return -1;
		if (e->n)
			memcpy(p, src->mem + e->off, e->n);
		src->nents--;
		src->count--;
	}
	src->used = 0;
	return 0;
}

/* Make c->rec the next record of its run; false at its end or on error (s->err). */
static bool cur_advance(struct spill *s, struct cur *c)
{
	if (c->fd < 0) {
		if (c->idx >= s->nents)
			return false;
		const struct ent *e = &s->ents[c->idx++];
		c->rec = s->mem + e->off;
		c->n = e->n;
		return true;
	}
	for (;;) {
		size_t have = c->len - c->at;
		if (have >= 4) {
			uint32_t n;
			memcpy(&n, c->buf + c->at, 4);
			if (have >= 4 + (size_t)n) {
				c->rec = c->buf + c->at + 4;
				c->n = n;
				c->at += 4 + (size_t)n;
				return true;
			}
			if (4 + (size_t)n > c->cap) {
				unsigned char *nb = try_reallocarray(c->buf, 4 + (size_t)n, 1);
				if (!nb) {
					fail(s, ENOMEM);
					return false;
				}
				c->buf = nb;
				c->cap = 4 + (size_t)n;
			}
		}
		if (c->pos >= c->end) {
			if (have)
				fail(s, EIO);	/* a run cut short: never a silent drop */
			return false;
		}
		memmove(c->buf, c->buf + c->at, have);
		c->len = have;
		c->at = 0;
		size_t want = c->cap - c->len;
		if (want > c->end - c->pos)
			want = (size_t)(c->end - c->pos);
		ssize_t r = pread(c->fd, c->buf + c->len, want, (off_t)c->pos);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fail(s, r < 0 ? errno : EIO);
			return false;
		}
		c->len += (size_t)r;
		c->pos += (uint64_t)r;
	}
}

static bool heap_less(struct spill *s, size_t a, size_t b)
{
	const struct cur *x = &s->curs[a], *y = &s->curs[b];
	int c = s->cmp(x->rec, x->n, y->rec, y->n, s->ctx);
	return c < 0 || (c == 0 && a < b);
}

static void heap_down(struct spill *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->nheap && heap_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (r < s->nheap && heap_less(s, s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return;
		size_t t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

/* Cursors over runs [first, first + nsrc), or over the memory index (nsrc 0). */
static int open_cursors(struct spill *s, size_t first, size_t nsrc)
{
	bool mem = nsrc == 0;
	if (mem)
		nsrc = 1;
	s->curs = try_calloc(nsrc, sizeof(*s->curs));
	s->heap = try_calloc(nsrc, sizeof(*s->heap));
	if (!s->curs || !s->heap)
		return fail(s, ENOMEM);
	s->ncurs = nsrc;
	s->reading = true;
	/* Bounded read buffers: many runs share about one budget. */
	size_t bufsz = s->budget / nsrc;
	if (bufsz > SPILL_IO)
		bufsz = SPILL_IO;
	if (bufsz < 4096)
		bufsz = 4096;
	for (size_t i = 0; i < nsrc; i++) {
		struct cur *c = &s->curs[i];
		if (!mem) {
			c->fd = s->runs[first + i].fd;
			c->pos = s->runs[first + i].off;
			c->end = s->runs[first + i].off + s->runs[first + i].len;
			c->buf = try_malloc(bufsz);
			if (!c->buf)
				return fail(s, ENOMEM);
			c->cap = bufsz;
		} else {
			c->fd = -1;
		}
		if (cur_advance(s, c))
			s->heap[s->nheap++] = i;
		else if (s->err)
			return -1;
	}
	for (size_t i = s->nheap / 2; i-- > 0;)
		heap_down(s, i);
	return 0;
}

/*
 * Merge runs [0, SPILL_FANIN) into one new run at the end of the newest
 * file, so reading never needs more than SPILL_FANIN cursors (memory
 * bounded however many runs a tiny budget made).
 */
static int merge_pass(struct spill *s)
{
	if (open_cursors(s, 0, SPILL_FANIN) < 0)
		return -1;
	struct writer w;
	if (writer_start(&w, s) < 0)
		return -1;
	const void *rec;
	size_t n;
	int rc;
	while ((rc = spill_next(s, &rec, &n)) > 0)
		if (writer_put(&w, rec, n) < 0) {
			rc = -1;
			break;
		}
	end_reading(s);
	struct run merged;
	if (writer_end(&w, rc == 0, &merged) < 0)
		return -1;
	memmove(s->runs, s->runs + SPILL_FANIN, (s->nruns - SPILL_FANIN) * sizeof(*s->runs));
	s->nruns -= SPILL_FANIN;
	s->runs[s->nruns++] = merged;
	return 0;
}

int spill_rewind(struct spill *s)
{
	if (s->err) {
		errno = s->err;
		return -1;
	}
	end_reading(s);
	if (s->nruns) {
		if (flush_run(s) < 0)
			return -1;
		/* Everything is on disk: reading needs only the cursors' buffers. */
		free(s->mem);
		free(s->ents);
		s->mem = NULL;
		s->ents = NULL;
		s->memcap = s->entcap = 0;
	}
	if (sort_mem(s) < 0)
		return -1;
	while (s->nruns > SPILL_FANIN)
		if (merge_pass(s) < 0)
			return -1;
	return open_cursors(s, 0, s->nruns);
}

void spill_stop(struct spill *s)
{
	if (s)
		end_reading(s);
}

int spill_next(struct spill *s, const void **rec, size_t *n)
{
	if (s->err) {
		errno = s->err;
		return -1;
	}
	if (!s->reading || !s->nheap)
		return 0;
	/* The previous record stays valid until now: advance its cursor lazily. */
	size_t top = s->heap[0];
	struct cur *c = &s->curs[top];
	if (c->consumed) {
		c->consumed = false;
		if (!cur_advance(s, c)) {
			if (s->err)
				return -1;
			s->heap[0] = s->heap[--s->nheap];
			if (!s->nheap)
				return 0;
		}
		heap_down(s, 0);
		top = s->heap[0];
		c = &s->curs[top];
	}
	*rec = c->rec;
	*n = c->n;
	c->consumed = true;	/* the next call advances this cursor */
	return 1;
}
