/*
 * findings.c - the findings store: copies, order, groups, fingerprints
 * (see findings.h).
 */
#include "common.h"

#include "findings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "redact.h"
#include "spill.h"
#include "xalloc.h"

/* Copy s (NUL-terminated) into the block at *at; advances *at. */
static sv copy_sv(char **at, sv s)
{
	if (!s.n)
		return sv_make("", 0);
	char *p = *at;
	memcpy(p, s.p, s.n);
	p[s.n] = '\0';
	*at += s.n + 1;
	return sv_make(p, s.n);
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

/*
 * The list order: file, line, check, categories, user, subject, detail,
 * time, then every other field, so the order is total and a spilled list
 * (merged runs) reads back exactly as a sorted one in memory.
 */
static int fnd_cmp(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int c;
	CMP(a->file, b->file);
	CMP(a->line, b->line);
	CMP(a->check, b->check);
	CMP(a->categories, b->categories);
	if ((c = sv_cmp(a->user, b->user)))
		return c;
	if ((c = sv_cmp(a->subject, b->subject)))
		return c;
	if ((c = sv_cmp(a->detail, b->detail)))
		return c;
	CMP(a->time, b->time);
	CMP(a->has_time, b->has_time);
	CMP(a->severity, b->severity);
	if ((c = sv_cmp(a->role, b->role)))
		return c;
	if ((c = sv_cmp(a->reason, b->reason)))
		return c;
	if ((c = sv_cmp(a->resource, b->resource)))
		return c;
	if ((c = sv_cmp(a->evidence, b->evidence)))
		return c;
	/*
	 * Last: a list is sorted before the baseline marks findings (all
	 * false then), and fnd_suppress() re-sorts a spilled list after it, in
	 * the same order because findings that differ only here do not exist
	 * (equal findings have equal fingerprints).
	 */
	CMP(a->suppressed, b->suppressed);
	return 0;
}

/* ---- spilled findings: one record each --------------------------------- */

/*
 * A record: file u32, check u32, line u64, categories u64, time i64,
 * severity, has_time, suppressed (a byte each), then user, subject,
 * detail, role, reason, resource, evidence, each a u32 length and its
 * bytes.  Native byte order: the file never outlives the process.
 */
#define REC_FIXED (4 + 4 + 8 + 8 + 8 + 3)

static void put_sv(struct buf *b, sv s)
{
	uint32_t n = (uint32_t)s.n;
	buf_add(b, &n, 4);
	buf_add(b, s.p, s.n);
}

/* Append f's record to b. */
static void encode_into(struct buf *b, const struct finding *f)
{
	unsigned char fixed[REC_FIXED];
	uint32_t sev = (uint32_t)f->severity;
	memcpy(fixed, &f->file, 4);
	memcpy(fixed + 4, &f->check, 4);
	memcpy(fixed + 8, &f->line, 8);
	memcpy(fixed + 16, &f->categories, 8);
	memcpy(fixed + 24, &f->time, 8);
	fixed[32] = (unsigned char)sev;
	fixed[33] = f->has_time;
	fixed[34] = f->suppressed;
	buf_add(b, fixed, sizeof(fixed));
	put_sv(b, f->user);
	put_sv(b, f->subject);
	put_sv(b, f->detail);
	put_sv(b, f->role);
	put_sv(b, f->reason);
	put_sv(b, f->resource);
	put_sv(b, f->evidence);
}

void fnd_encode(struct buf *b, const struct finding *f)
{
	buf_reset(b);
	encode_into(b, f);
}

bool fnd_decode(const void *rec0, size_t n, struct finding *f)
{
	const unsigned char *rec = rec0;
	if (n < REC_FIXED)
		return false;
	memset(f, 0, sizeof(*f));
	memcpy(&f->file, rec, 4);
	memcpy(&f->check, rec + 4, 4);
	memcpy(&f->line, rec + 8, 8);
	memcpy(&f->categories, rec + 16, 8);
	memcpy(&f->time, rec + 24, 8);
	f->severity = (enum sev)rec[32];
	f->has_time = rec[33];
	f->suppressed = rec[34];
	sv *str[] = { &f->user, &f->subject, &f->detail, &f->role, &f->reason, &f->resource,
		      &f->evidence };
	size_t at = REC_FIXED;
	for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
		uint32_t len;
		if (n - at < 4)
			return false;
		memcpy(&len, rec + at, 4);
		at += 4;
		if (n - at < len)
			return false;
		*str[i] = sv_make(len ? (const char *)rec + at : "", len);
		at += len;
	}
	return at == n;
}

static int rec_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	struct finding fa, fb;
	(void)ctx;
	/*
	 * fnd_cmp's first keys (file, line, check, categories) compared in
	 * place: they almost always decide, and decoding both records for
	 * every comparison of the sort was 6% of a crm scan's CPU.
	 */
	if (an >= REC_FIXED && bn >= REC_FIXED) {
		uint32_t u32a, u32b;
		uint64_t u64a, u64b;
		memcpy(&u32a, a, 4), memcpy(&u32b, b, 4);
		CMP(u32a, u32b);	/* file */
		memcpy(&u64a, (const char *)a + 8, 8), memcpy(&u64b, (const char *)b + 8, 8);
		CMP(u64a, u64b);	/* line */
		memcpy(&u32a, (const char *)a + 4, 4), memcpy(&u32b, (const char *)b + 4, 4);
		CMP(u32a, u32b);	/* check */
		memcpy(&u64a, (const char *)a + 16, 8), memcpy(&u64b, (const char *)b + 16, 8);
		CMP(u64a, u64b);	/* categories */
	}
	/*
	 * Records are only ever the encoder's; a damaged one sorts last among
	 * those its first keys tie with (fnd_iter_next reports it wherever).
	 */
	bool oka = fnd_decode(a, an, &fa), okb = fnd_decode(b, bn, &fb);
	if (!oka || !okb)
		return (int)okb - (int)oka;
	return fnd_cmp(&fa, &fb);
}

/*
 * An ordered list's records: the finding's index in the list (u64), then
 * its record, compared by the index alone.
 */
#define SEQ_LEN 8

static int seq_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	uint64_t sa = 0, sb = 0;
	(void)ctx;
	if (an >= SEQ_LEN)
		memcpy(&sa, a, SEQ_LEN);
	if (bn >= SEQ_LEN)
		memcpy(&sb, b, SEQ_LEN);
	CMP(sa, sb);
	return (an >= SEQ_LEN) - (bn >= SEQ_LEN);	/* damaged: reported by fnd_iter_next */
}

/* A new sorter for l, in l's order (fnd_sort's, or the order added when ordered). */
static struct spill *new_sorter(const struct fnd_list *l)
{
	return spill_new(l->ordered ? seq_cmp : rec_cmp, NULL,
			 l->budget ? l->budget : FND_MEMORY_BUDGET);
}

/* Add f to the list's sorter; false (lost counted) on failure. */
static bool spill_one(struct fnd_list *l, const struct finding *f)
{
	buf_reset(&l->enc);
	if (l->ordered) {
		uint64_t seq = l->n;	/* the index it gets: l->n counts those kept */
		buf_add(&l->enc, &seq, SEQ_LEN);
	}
	encode_into(&l->enc, f);
	if (l->enc.err || spill_add(l->sp, l->enc.p, l->enc.len) < 0) {
		l->lost++;
		return false;
	}
	return true;
}

/* Count f, just kept, in l's per-hour and per-file counts. */
static void count_kept(struct fnd_list *l, const struct finding *f)
{
	if (f->has_time)
		l->by_hour[fnd_hour(f)]++;
	if (f->file > l->max_file)
		l->max_file = f->file;
	l->counted++;
}

/*
 * Move the in-memory findings to a new sorter (the list's budget): from
 * now on l is spilled.  False (l unchanged) when the sorter cannot start.
 */
static bool start_spill(struct fnd_list *l)
{
	l->sp = new_sorter(l);
	if (!l->sp)
		return false;
	size_t n = l->n;
	l->n = 0;
	for (size_t i = 0; i < n; i++)
		if (spill_one(l, &l->v[i]))
			l->n++;
		else
			l->count_lost = true;
	free(l->v);
	arena_release(&l->arena);
	l->v = NULL;
	l->cap = 0;
	return true;
}

/* Past the budget: spill (memory stays as it is when the sorter cannot start). */
static void check_budget(struct fnd_list *l)
{
	if (l->budget && !l->sp && l->arena.used + l->cap * sizeof(*l->v) > l->budget)
		(void)start_spill(l);
}

/* fnd_add(), where may_cut: evidence past FND_EVIDENCE_MAX is cut (else it was, once). */
static bool add(struct fnd_list *l, const struct finding *f, bool may_cut)
{
	if (l->sp) {
		/* The same truncation as in memory: what is kept does not depend on the budget. */
		struct finding c = *f;
		char ev[FND_EVIDENCE_MAX + 4];
		if (may_cut && c.evidence.n > FND_EVIDENCE_MAX) {
			size_t k = red_safe_cut(c.evidence, FND_EVIDENCE_MAX);
			memcpy(ev, c.evidence.p, k);
			memcpy(ev + k, "...", 3);
			c.evidence = sv_make(ev, k + 3);
		}
		if (!spill_one(l, &c))
			return false;
		l->n++;
		count_kept(l, f);
		return true;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct finding *nv = try_reallocarray(l->v, ncap, sizeof(*nv));
		if (!nv) {
			l->lost++;
			return false;
		}
		l->v = nv;
		l->cap = ncap;
	}
	/* One arena block for every string of the finding: one allocation, one failure point. */
	bool cut = may_cut && f->evidence.n > FND_EVIDENCE_MAX;
	sv ev = f->evidence;
	if (cut)
		ev.n = red_safe_cut(ev, FND_EVIDENCE_MAX);	/* never through an address */
	size_t need = f->user.n + f->role.n + f->subject.n + f->reason.n + f->resource.n +
		      f->detail.n + ev.n + (cut ? 3 : 0) + 7;
	char *at = arena_try_alloc(&l->arena, need);
	if (!at) {
		l->lost++;
		return false;
	}
	struct finding *d = &l->v[l->n++];
	*d = *f;
	d->user = copy_sv(&at, f->user);
	d->role = copy_sv(&at, f->role);
	d->subject = copy_sv(&at, f->subject);
	d->reason = copy_sv(&at, f->reason);
	d->resource = copy_sv(&at, f->resource);
	d->detail = copy_sv(&at, f->detail);
	if (cut) {
		memcpy(at, ev.p, ev.n);
		memcpy(at + ev.n, "...", 4);
		d->evidence = sv_make(at, ev.n + 3);
	} else {
		d->evidence = copy_sv(&at, ev);
	}
	count_kept(l, f);
	check_budget(l);
	return true;
}

bool fnd_add(struct fnd_list *l, const struct finding *f)
{
	return add(l, f, true);
}

bool fnd_add_whole(struct fnd_list *l, const struct finding *f)
{
	return add(l, f, false);
}

typedef void (*edit_fn)(void *ctx, struct finding *f, struct arena *a);

/*
 * Read spilled l once into a new list of its budget that replaces it,
 * each finding as edit() makes it (its strings in a scratch arena until it
 * is added).  ordered: kept in the order read (l->ordered list), else
 * l's own order.  Spilled from the start: no second copy in memory while
 * l is read.  0, or an errno value, then l unchanged.
 */
static int rewrite_spilled(struct fnd_list *l, bool ordered, edit_fn edit, void *ctx)
{
	struct fnd_list out = FND_LIST_INIT;
	struct arena scratch = ARENA_INIT;
	struct fnd_iter it;
	const struct finding *f;
	int e = 0;

	out.budget = l->budget;
	out.ordered = ordered;
	if (!(out.sp = new_sorter(&out)))
		return ENOMEM;
	for (fnd_iter_start(l, &it); !e && (f = fnd_iter_next(&it));) {
		struct finding c = *f;
		edit(ctx, &c, &scratch);
		errno = 0;
		/*
		 * Cut once already: cutting again could cut more.  A finding
		 * lost (lost counts those start_spill() could not move too)
		 * fails the whole rewrite.
		 */
		if (!fnd_add_whole(&out, &c) || out.lost)
			e = fnd_error(&out) ? fnd_error(&out) : errno ? errno : EIO;
		/* The edits' strings are in the sorter now: their memory is used again. */
		if (scratch.used > ((size_t)1 << 20))
			arena_release(&scratch);
	}
	arena_release(&scratch);
	if (!e)
		e = fnd_error(l);
	if (e) {
		fnd_release(&out);
		return e;
	}
	out.lost = l->lost;
	fnd_release(l);
	*l = out;
	return 0;
}

struct suppress_ctx {
	bool (*match)(void *ctx, const struct finding *f);
	void *ctx;
};

static void suppress_edit(void *ctx, struct finding *f, struct arena *a)
{
	struct suppress_ctx *sc = ctx;
	(void)a;
	if (sc->match(sc->ctx, f))	/* asked of every finding: it notes what matched */
		f->suppressed = true;
}

int fnd_suppress(struct fnd_list *l, bool (*match)(void *ctx, const struct finding *f), void *ctx)
{
	struct suppress_ctx sc = { match, ctx };

	if (!l->sp) {
		for (size_t i = 0; i < l->n; i++)
			suppress_edit(&sc, &l->v[i], NULL);
		return 0;
	}
	/* fnd_sort() compares `suppressed` last: the order stays as it is. */
	return rewrite_spilled(l, l->ordered, suppress_edit, &sc);
}

int fnd_rewrite(struct fnd_list *l, edit_fn edit, void *ctx)
{
	if (!l->sp) {
		for (size_t i = 0; i < l->n; i++)
			edit(ctx, &l->v[i], &l->arena);
		return 0;
	}
	/*
	 * In the order read, whatever edit() changes: a sorter keyed by the
	 * index (fnd_sort() would order the rewritten strings differently).
	 */
	return rewrite_spilled(l, true, edit, ctx);
}

static void reset_counts(struct fnd_list *l)
{
	memset(l->by_hour, 0, sizeof(l->by_hour));
	l->max_file = 0;
	l->counted = 0;
	l->count_lost = false;
}

/* src's counts into dst's (src is emptied next). */
static void take_counts(struct fnd_list *dst, const struct fnd_list *src)
{
	for (size_t h = 0; h < 24; h++)
		dst->by_hour[h] += src->by_hour[h];
	if (src->max_file > dst->max_file)
		dst->max_file = src->max_file;
	dst->counted += src->counted;
	dst->count_lost |= src->count_lost;
}

bool fnd_take(struct fnd_list *dst, struct fnd_list *src)
{
	if (dst->ordered || src->ordered)
		return false;	/* one order or the other would be lost */
	if (src->sp || dst->sp) {
		if (!dst->sp && !start_spill(dst))
			return false;
		if (src->sp) {
			if (spill_take(dst->sp, src->sp) < 0)
				return false;
			spill_free(src->sp);
			src->sp = NULL;
		} else {
			for (size_t i = 0; i < src->n; i++)
				if (!spill_one(dst, &src->v[i])) {
					dst->n--;	/* counted lost by spill_one, not kept */
					dst->count_lost = true;
				}
		}
		take_counts(dst, src);
		dst->n += src->n;
		dst->lost += src->lost;
		fnd_release(src);
		return true;
	}
	if (src->n) {
		if (dst->n + src->n > dst->cap) {
			size_t ncap = dst->n + src->n;
			struct finding *nv = try_reallocarray(dst->v, ncap, sizeof(*nv));
			if (!nv)
				return false;
			dst->v = nv;
			dst->cap = ncap;
		}
		memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
		dst->n += src->n;
	}
	arena_take(&dst->arena, &src->arena);
	dst->lost += src->lost;
	take_counts(dst, src);
	free(src->v);
	src->v = NULL;
	src->n = src->cap = src->lost = 0;
	reset_counts(src);
	check_budget(dst);
	return true;
}


void fnd_sort(struct fnd_list *l)
{
	/* A spilled list is read merged in this order already. */
	if (!l->sp && l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), fnd_cmp);
}

void fnd_release(struct fnd_list *l)
{
	free(l->v);
	arena_release(&l->arena);
	spill_free(l->sp);
	buf_release(&l->enc);
	l->v = NULL;
	l->sp = NULL;
	l->n = l->cap = l->lost = 0;
	l->ordered = false;
	reset_counts(l);
}

void fnd_iter_start(const struct fnd_list *l, struct fnd_iter *it)
{
	it->l = l;
	it->i = 0;
	if (l->sp)
		(void)spill_rewind(l->sp);	/* an error stays in the sorter: next returns NULL */
}

const struct finding *fnd_iter_next(struct fnd_iter *it)
{
	const struct fnd_list *l = it->l;
	if (!l->sp)
		return it->i < l->n ? &l->v[it->i++] : NULL;
	const void *rec;
	size_t n;
	if (spill_next(l->sp, &rec, &n) <= 0)
		return NULL;
	if (l->ordered) {
		if (n < SEQ_LEN) {
			spill_set_error(l->sp, EIO);
			return NULL;
		}
		rec = (const char *)rec + SEQ_LEN;
		n -= SEQ_LEN;
	}
	if (!fnd_decode(rec, n, &it->f)) {
		/* Not what was written: the file was damaged under us. */
		spill_set_error(l->sp, EIO);
		return NULL;
	}
	it->i++;
	return &it->f;
}

int fnd_error(const struct fnd_list *l)
{
	return l->sp ? spill_error(l->sp) : 0;
}

/* ---- grouping ---------------------------------------------------------- */

/*
 * Report order of the checks: by id, then index (ranked once per grouping,
 * so comparing two groups compares two numbers, not two ids).
 */
static const struct policy *group_policy;
static uint32_t *check_rank;	/* NULL: by index */
static size_t ncheck_rank;

static int check_id_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = strcmp(group_policy->checks[a].id, group_policy->checks[b].id);
	return c ? c : (a > b) - (a < b);
}

static uint64_t rank_of(uint32_t check)
{
	return check < ncheck_rank ? check_rank[check] : (uint64_t)ncheck_rank + check;
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct fnd_group *a = pa, *b = pb;
	int c;
	CMP(b->severity, a->severity);	/* highest first */
	if (a->check != b->check)
		CMP(rank_of(a->check), rank_of(b->check));
	if ((c = sv_cmp(a->user, b->user)))
		return c;
	return sv_cmp(a->subject, b->subject);
}

/* True when (t, has) is strictly later than (u, hasu): by time where both have one. */
static bool later(bool has, int64_t t, bool hasu, int64_t u)
{
	return has && hasu && t > u;
}

/* FNV-1a over the group key (check, user, subject); the lengths keep "ab","c" apart from "a","bc". */
static uint64_t key_hash(uint32_t check, sv user, sv subject)
{
	uint64_t h = 1469598103934665603ULL ^ check;
	h *= 1099511628211ULL;
	for (size_t i = 0; i < user.n; i++)
		h = (h ^ (unsigned char)user.p[i]) * 1099511628211ULL;
	h = (h ^ user.n) * 1099511628211ULL;
	for (size_t i = 0; i < subject.n; i++)
		h = (h ^ (unsigned char)subject.p[i]) * 1099511628211ULL;
	return (h ^ subject.n) * 1099511628211ULL;
}

/*
 * A finding's word while adding: PLACE_TAG | group << 31 | rank in the
 * group (group < 2^32, rank < 2^31; a 64-bit size_t).  Placed, the word is
 * the finding's index (no tag); PLACE_HOLE marks where a cycle started.
 */
#define PLACE_TAG ((size_t)1 << 63)
#define PLACE_RANK_MAX ((size_t)1 << 31)
#define PLACE_HOLE SIZE_MAX
_Static_assert(sizeof(size_t) == 8, "the grouper packs group and rank in a size_t");

void fnd_grouper_start(struct fnd_grouper *gp, struct arena *strings)
{
	memset(gp, 0, sizeof(*gp));
	gp->strings = strings;
}

static sv keep_sv(struct fnd_grouper *gp, sv s)
{
	if (!gp->strings)
		return s;
	return s.n ? arena_sv(gp->strings, s) : sv_make("", 0);
}

/* Double the hash table (load at most 1/2) and re-slot every group. */
static void grow_slots(struct fnd_grouper *gp)
{
	size_t n = gp->nslot ? gp->nslot * 2 : 256;
	free(gp->slot);
	gp->slot = xcalloc(n, sizeof(*gp->slot));
	gp->nslot = n;
	for (size_t k = 0; k < gp->ng; k++) {
		const struct fnd_group *gr = &gp->g[k];
		size_t i = (size_t)key_hash(gr->check, gr->user, gr->subject) & (n - 1);
		while (gp->slot[i])
			i = (i + 1) & (n - 1);
		gp->slot[i] = (uint32_t)(k + 1);
	}
}

/* The group of f's key, a new one (f, list index `index`, its first member) if there is none yet. */
static struct fnd_group *group_of(struct fnd_grouper *gp, const struct finding *f, size_t index,
				  bool *fresh)
{
	uint64_t h = key_hash(f->check, f->user, f->subject);
	size_t i = gp->nslot ? (size_t)h & (gp->nslot - 1) : 0;
	for (; gp->nslot && gp->slot[i]; i = (i + 1) & (gp->nslot - 1)) {
		struct fnd_group *gr = &gp->g[gp->slot[i] - 1];
		if (gr->check == f->check && sv_eq(gr->user, f->user) &&
		    sv_eq(gr->subject, f->subject)) {
			*fresh = false;
			return gr;
		}
	}
	if (gp->ng == gp->gcap) {
		size_t ncap = gp->gcap ? gp->gcap * 2 : 64;
		if (ncap >= UINT32_MAX)	/* slots and a finding's word hold a group in 32 bits */
			xalloc_oom(ncap);
		gp->g = xreallocarray(gp->g, ncap, sizeof(*gp->g));
		if (gp->detail) {
			gp->detail = xreallocarray(gp->detail, ncap, sizeof(*gp->detail));
			memset(gp->detail + gp->gcap, 0, (ncap - gp->gcap) * sizeof(*gp->detail));
		}
		gp->gcap = ncap;
	}
	size_t k = gp->ng++;
	struct fnd_group *gr = &gp->g[k];
	fnd_group_start(gr, f, index);
	gr->user = keep_sv(gp, f->user);
	gr->subject = keep_sv(gp, f->subject);
	gr->role = keep_sv(gp, f->role);
	gr->first_detail = keep_sv(gp, f->detail);
	if (2 * gp->ng > gp->nslot)
		grow_slots(gp);	/* slots the new group too */
	else
		gp->slot[i] = (uint32_t)(k + 1);
	*fresh = true;
	return gr;
}

void fnd_group_start(struct fnd_group *g, const struct finding *f, size_t index)
{
	memset(g, 0, sizeof(*g));
	g->check = f->check;
	g->user = f->user;
	g->subject = f->subject;
	g->role = f->role;
	g->first = g->last = index;
	g->first_has_time = g->last_has_time = f->has_time;
	g->first_time = g->last_time = f->time;
	g->first_detail = f->detail;
	g->first_file = f->file;
	g->first_line = f->line;
}

bool fnd_group_fold(struct fnd_group *g, const struct finding *f, size_t index)
{
	bool first = false;
	if (g->count) {
		/* Earliest and latest by time; without times, the first and last in list order. */
		if (later(g->first_has_time, g->first_time, f->has_time, f->time)) {
			g->first = index;
			g->first_has_time = f->has_time;
			g->first_time = f->time;
			g->first_file = f->file;
			g->first_line = f->line;
			first = true;
		}
		if (later(f->has_time, f->time, g->last_has_time, g->last_time) || !f->has_time) {
			g->last = index;
			g->last_has_time = f->has_time;
			g->last_time = f->time;
		}
	}
	g->count++;
	if (f->severity > g->severity)
		g->severity = f->severity;
	g->categories |= f->categories;
	if (f->suppressed)
		g->suppressed++;
	else if (f->severity < SEV_COUNT)
		g->by_sev[f->severity]++;
	return first;
}

void fnd_grouper_add(struct fnd_grouper *gp, const struct finding *f)
{
	size_t index = gp->n;
	bool fresh;
	struct fnd_group *gr = group_of(gp, f, index, &fresh);
	size_t k = (size_t)(gr - gp->g);

	if (gp->n == gp->cap) {
		gp->cap = gp->cap ? gp->cap * 2 : 1024;
		gp->block = xreallocarray(gp->block, gp->cap, sizeof(*gp->block));
	}
	if (gr->count >= PLACE_RANK_MAX)	/* 2^31 members of one group: far past any budget */
		xalloc_oom(gr->count);
	gp->block[gp->n++] = PLACE_TAG | (k << 31) | gr->count;
	if (!fnd_group_fold(gr, f, index) || sv_eq(gr->first_detail, f->detail))
		return;	/* the same words (most groups' details are): nothing to copy */
	if (gp->strings) {
		/* One buffer per group however often its first changes. */
		if (!gp->detail)
			gp->detail = xcalloc(gp->gcap, sizeof(*gp->detail));
		buf_reset(&gp->detail[k]);
		buf_addsv(&gp->detail[k], f->detail);
		if (gp->detail[k].err)
			xalloc_oom(f->detail.n);
		gr->first_detail = buf_sv(&gp->detail[k]);
	} else {
		gr->first_detail = f->detail;
	}
}

size_t fnd_grouper_bytes(const struct fnd_grouper *gp)
{
	size_t n = gp->gcap * sizeof(*gp->g) + gp->nslot * sizeof(*gp->slot) +
		   gp->cap * sizeof(*gp->block) + (gp->strings ? gp->strings->used : 0);
	if (gp->detail)
		for (size_t k = 0; k < gp->ng; k++)
			n += sizeof(*gp->detail) + gp->detail[k].cap;
	return n;
}

/* Free the grouper's tables; the groups themselves stay with the caller or are freed. */
static void grouper_free(struct fnd_grouper *gp, bool groups_too)
{
	if (gp->detail)
		for (size_t k = 0; k < gp->ng; k++)
			buf_release(&gp->detail[k]);
	if (groups_too)
		fnd_groups_free(gp->g, gp->ng);
	free(gp->detail);
	free(gp->slot);
	free(gp->block);
	fnd_grouper_start(gp, gp->strings);
}

uint32_t *fnd_check_ranks(const struct policy *p, size_t *n)
{
	*n = 0;
	if (!p || !p->nchecks)
		return NULL;
	size_t nc = p->nchecks;
	uint32_t *by_id = xreallocarray(NULL, nc, sizeof(*by_id));
	uint32_t *rank = xreallocarray(NULL, nc, sizeof(*rank));
	for (size_t i = 0; i < nc; i++)
		by_id[i] = (uint32_t)i;
	/* qsort has no context argument in C11; grouping runs on one thread. */
	group_policy = p;
	qsort(by_id, nc, sizeof(*by_id), check_id_cmp);
	group_policy = NULL;
	for (size_t i = 0; i < nc; i++)
		rank[by_id[i]] = (uint32_t)i;
	free(by_id);
	*n = nc;
	return rank;
}

/* Sorting the groups through indexes: qsort of the structs themselves takes a copy of them all. */
static const struct fnd_group *sorting_groups;

static int group_idx_cmp(const void *a, const void *b)
{
	return group_cmp(&sorting_groups[*(const size_t *)a], &sorting_groups[*(const size_t *)b]);
}

/* Put g in report order, with a temporary of one index per group. */
static void order_groups(struct fnd_group *g, size_t ng, const struct policy *p)
{
	size_t *perm = xreallocarray(NULL, ng, sizeof(*perm));
	for (size_t i = 0; i < ng; i++)
		perm[i] = i;
	check_rank = fnd_check_ranks(p, &ncheck_rank);
	sorting_groups = g;
	qsort(perm, ng, sizeof(*perm), group_idx_cmp);
	sorting_groups = NULL;
	free(check_rank);
	check_rank = NULL;
	ncheck_rank = 0;
	/* g[i] = old g[perm[i]], cycle by cycle. */
	for (size_t i = 0; i < ng; i++) {
		if (perm[i] == i)
			continue;
		struct fnd_group tmp = g[i];
		size_t j = i;
		while (perm[j] != i) {
			size_t next = perm[j];
			g[j] = g[next];
			perm[j] = j;
			j = next;
		}
		g[j] = tmp;
		perm[j] = j;
	}
	free(perm);
}

size_t fnd_grouper_finish(struct fnd_grouper *gp, const struct policy *p,
			  struct fnd_group **out)
{
	size_t ng = gp->ng;
	struct fnd_group *g = gp->g;

	/* What only the adding needed goes first: the memory peaks below. */
	free(gp->slot);
	gp->slot = NULL;
	if (ng && ng < gp->gcap) {
		g = xreallocarray(g, ng, sizeof(*g));
		gp->g = g;
		gp->gcap = ng;
	}
	/*
	 * Every group's members in one block, in list order: one allocation
	 * instead of one growing array per group (100k groups of a few members
	 * each fragmented the heap by more than the members themselves), made
	 * in place of the (group, rank) words the adding left: finding i goes
	 * to its group's start plus its rank, a permutation, done cycle by
	 * cycle, so the members cost no memory beyond those words.
	 */
	size_t *block = gp->block ? gp->block : xreallocarray(NULL, 1, sizeof(*block));
	size_t n = gp->n;
	gp->block = NULL;
	if (n && n < gp->cap)
		block = xreallocarray(block, n, sizeof(*block));
	size_t at = 0;
	size_t *start = xreallocarray(NULL, ng ? ng : 1, sizeof(*start));	/* dense: fewer misses */
	for (size_t k = 0; k < ng; k++) {
		g[k].members = block + at;
		start[k] = at;
		at += g[k].count;
	}
	for (size_t s = 0; s < n; s++) {
		if (!(block[s] & PLACE_TAG))
			continue;	/* placed by an earlier cycle */
		size_t i = s, w = block[s];
		block[s] = PLACE_HOLE;
		for (;;) {
			size_t dest = start[(w & ~PLACE_TAG) >> 31] + (w & (PLACE_RANK_MAX - 1));
			w = block[dest];
			block[dest] = i;
			if (w == PLACE_HOLE)
				break;	/* back where the cycle started */
			i = dest;	/* the finding whose word was at dest moves next */
		}
	}
	free(start);
	for (size_t k = 0; k < ng; k++)
		g[k].members_block = block;
	/* A first detail that changed lives in its group's buffer: into the arena now. */
	if (gp->detail)
		for (size_t k = 0; k < ng; k++)
			if (gp->detail[k].p)
				g[k].first_detail = keep_sv(gp, g[k].first_detail);
	grouper_free(gp, false);
	if (ng > 1)
		order_groups(g, ng, p);
	if (!ng)
		free(block);
	*out = g;
	return ng;
}

void fnd_grouper_drop(struct fnd_grouper *gp)
{
	grouper_free(gp, true);
}

size_t fnd_group(const struct fnd_list *l, const struct policy *p, struct arena *strings,
		 struct fnd_group **out)
{
	struct fnd_grouper gp;
	struct fnd_iter it;
	const struct finding *f;

	*out = NULL;
	fnd_grouper_start(&gp, fnd_spilled(l) ? strings : NULL);
	for (fnd_iter_start(l, &it); (f = fnd_iter_next(&it));)
		fnd_grouper_add(&gp, f);
	if (fnd_error(l)) {
		fnd_grouper_drop(&gp);
		return (size_t)-1;
	}
	return fnd_grouper_finish(&gp, p, out);
}

void fnd_groups_free(struct fnd_group *g, size_t n)
{
	if (n)
		free(g[0].members_block);	/* the same block for every group */
	free(g);
}

void fnd_fingerprint(const struct finding *f, const struct policy *p, struct buf *out)
{
	buf_adds(out, p->checks[f->check].id);
	buf_addc(out, '\t');
	buf_addsv(out, f->user.n ? f->user : SV_LIT("-"));
	buf_addc(out, '\t');
	buf_addsv(out, f->subject.n ? f->subject : SV_LIT("-"));
	buf_addc(out, '\t');
	/* Category names in policy (file) order, which is stable for a rule set. */
	bool any = false;
	for (size_t i = 0; i < p->ncategories && i < 64; i++) {
		if (f->categories & (1ULL << i)) {
			if (any)
				buf_addc(out, ',');
			buf_adds(out, p->categories[i].name);
			any = true;
		}
	}
	if (!any)
		buf_addc(out, '-');
	buf_addc(out, '\t');
	buf_addsv(out, f->reason.n ? f->reason : SV_LIT("-"));
}
