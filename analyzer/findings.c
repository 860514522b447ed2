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
	CMP(a->suppressed, b->suppressed);
	if ((c = sv_cmp(a->role, b->role)))
		return c;
	if ((c = sv_cmp(a->reason, b->reason)))
		return c;
	if ((c = sv_cmp(a->resource, b->resource)))
		return c;
	return sv_cmp(a->evidence, b->evidence);
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

static void encode(struct buf *b, const struct finding *f)
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
	buf_reset(b);
	buf_add(b, fixed, sizeof(fixed));
	put_sv(b, f->user);
	put_sv(b, f->subject);
	put_sv(b, f->detail);
	put_sv(b, f->role);
	put_sv(b, f->reason);
	put_sv(b, f->resource);
	put_sv(b, f->evidence);
}

/* Views into rec; false if it is not a whole record. */
static bool decode(const unsigned char *rec, size_t n, struct finding *f)
{
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
	bool oka = decode(a, an, &fa), okb = decode(b, bn, &fb);
	if (!oka || !okb)
		return (int)okb - (int)oka;
	return fnd_cmp(&fa, &fb);
}

/* Add f to the list's sorter; false (lost counted) on failure. */
static bool spill_one(struct fnd_list *l, const struct finding *f)
{
	encode(&l->enc, f);
	if (l->enc.err || spill_add(l->sp, l->enc.p, l->enc.len) < 0) {
		l->lost++;
		return false;
	}
	return true;
}

/*
 * Move the in-memory findings to a new sorter (the list's budget): from
 * now on l is spilled.  False (l unchanged) when the sorter cannot start.
 */
static bool start_spill(struct fnd_list *l)
{
	l->sp = spill_new(rec_cmp, NULL, l->budget ? l->budget : FND_MEMORY_BUDGET);
	if (!l->sp)
		return false;
	size_t n = l->n;
	l->n = 0;
	for (size_t i = 0; i < n; i++)
		if (spill_one(l, &l->v[i]))
			l->n++;
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

bool fnd_add(struct fnd_list *l, const struct finding *f)
{
	if (l->sp) {
		/* The same truncation as in memory: what is kept does not depend on the budget. */
		struct finding c = *f;
		char ev[FND_EVIDENCE_MAX + 4];
		if (c.evidence.n > FND_EVIDENCE_MAX) {
			size_t k = red_safe_cut(c.evidence, FND_EVIDENCE_MAX);
			memcpy(ev, c.evidence.p, k);
			memcpy(ev + k, "...", 3);
			c.evidence = sv_make(ev, k + 3);
		}
		if (!spill_one(l, &c))
			return false;
		l->n++;
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
	bool cut = f->evidence.n > FND_EVIDENCE_MAX;
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
	check_budget(l);
	return true;
}

bool fnd_take(struct fnd_list *dst, struct fnd_list *src)
{
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
				if (!spill_one(dst, &src->v[i]))
					dst->n--;	/* counted lost by spill_one, not kept */
		}
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
	free(src->v);
	src->v = NULL;
	src->n = src->cap = src->lost = 0;
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
	if (!decode(rec, n, &it->f)) {
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

/* Grouping: sort indexes by (check, user, subject, list order). */
static const struct fnd_list *group_list;

static int idx_cmp(const void *pa, const void *pb)
{
	const struct finding *a = &group_list->v[*(const size_t *)pa];
	const struct finding *b = &group_list->v[*(const size_t *)pb];
	int c;
	CMP(a->check, b->check);
	if ((c = sv_cmp(a->user, b->user)))
		return c;
	if ((c = sv_cmp(a->subject, b->subject)))
		return c;
	CMP(*(const size_t *)pa, *(const size_t *)pb);
	return 0;
}

static const struct policy *group_policy;

static int group_cmp(const void *pa, const void *pb)
{
	const struct fnd_group *a = pa, *b = pb;
	int c;
	CMP(b->severity, a->severity);	/* highest first */
	if (group_policy && a->check != b->check) {
		c = strcmp(group_policy->checks[a->check].id, group_policy->checks[b->check].id);
		if (c)
			return c;
	}
	CMP(a->check, b->check);
	if ((c = sv_cmp(a->user, b->user)))
		return c;
	return sv_cmp(a->subject, b->subject);
}

static bool later(const struct finding *a, const struct finding *b)
{
	/* By time where both have one, else by position (list order). */
	if (a->has_time && b->has_time && a->time != b->time)
		return a->time > b->time;
	return false;
}

/* The first and last findings' fields a report shows, kept in the group. */
static void note_ends(struct fnd_group *gr, const struct finding *first, const struct finding *last)
{
	gr->first_has_time = first->has_time;
	gr->first_time = first->time;
	gr->first_detail = first->detail;
	gr->first_file = first->file;
	gr->first_line = first->line;
	gr->last_has_time = last->has_time;
	gr->last_time = last->time;
}

/*
 * Group keys of a spilled list: [u64 index in the list][the finding's
 * record without evidence, reason or resource], in the order
 * (check, user, subject, index) of the in-memory grouping.
 */
static bool decode_key(const void *rec, size_t n, struct finding *f, uint64_t *idx)
{
	if (n < 8)
		return false;
	memcpy(idx, rec, 8);
	return decode((const unsigned char *)rec + 8, n - 8, f);
}

static int key_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	struct finding x, y;
	uint64_t xi, yi;
	int c;
	(void)ctx;
	if (!decode_key(a, an, &x, &xi) || !decode_key(b, bn, &y, &yi))
		return 0;
	CMP(x.check, y.check);
	if ((c = sv_cmp(x.user, y.user)))
		return c;
	if ((c = sv_cmp(x.subject, y.subject)))
		return c;
	CMP(xi, yi);
	return 0;
}

static sv keep_sv(struct arena *a, sv s)
{
	return s.n ? arena_sv(a, s) : sv_make("", 0);
}

/*
 * fnd_group of a spilled list: every finding's group key (and what the
 * group shows of it) into a second sorter, read back per group in the
 * order the in-memory grouping uses, so the groups are the same.
 */
static size_t group_spilled(const struct fnd_list *l, struct arena *strings,
			    struct fnd_group **out)
{
	/* Half the budget: the keys are smaller than the findings (no evidence). */
	struct spill *keys = spill_new(key_cmp, NULL, (l->budget ? l->budget : FND_MEMORY_BUDGET) / 2);
	struct buf enc = BUF_INIT, rec = BUF_INIT;
	struct fnd_iter it;
	const struct finding *f;
	uint64_t i = 0;

	if (!keys)
		xalloc_oom(sizeof(struct spill *));
	spill_memory_fallback(keys);
	fnd_iter_start(l, &it);
	while ((f = fnd_iter_next(&it))) {
		struct finding k = *f;
		k.evidence = k.reason = k.resource = sv_make("", 0);
		encode(&enc, &k);
		buf_reset(&rec);
		buf_add(&rec, &i, 8);
		buf_add(&rec, enc.p, enc.len);
		i++;
		if (enc.err || rec.err || spill_add(keys, rec.p, rec.len) < 0)
			break;
	}
	buf_release(&enc);
	buf_release(&rec);

	struct fnd_group *g = NULL, *gr = NULL;
	size_t ng = 0, gcap = 0, mcap = 0;
	struct buf first_detail = BUF_INIT;
	struct finding first = { 0 }, last = { 0 };
	const void *kr;
	size_t n;
	uint64_t hi;
	int rc = fnd_error(l) || spill_error(keys) || spill_rewind(keys) < 0 ? -1 : 0;
	while (rc == 0 && (rc = spill_next(keys, &kr, &n)) > 0) {
		struct finding h;
		rc = decode_key(kr, n, &h, &hi) ? 0 : -1;
		if (rc < 0)
			break;
		if (!gr || h.check != gr->check || !sv_eq(h.user, gr->user) ||
		    !sv_eq(h.subject, gr->subject)) {
			if (gr) {
				first.detail = buf_sv(&first_detail);
				note_ends(gr, &first, &last);
				gr->first_detail = keep_sv(strings, first.detail);
			}
			if (ng == gcap) {
				gcap = gcap ? gcap * 2 : 64;
				g = xreallocarray(g, gcap, sizeof(*g));
			}
			gr = &g[ng++];
			memset(gr, 0, sizeof(*gr));
			gr->check = h.check;
			gr->user = keep_sv(strings, h.user);
			gr->subject = keep_sv(strings, h.subject);
			gr->role = keep_sv(strings, h.role);
			gr->first = gr->last = (size_t)hi;
			first = last = h;
			buf_reset(&first_detail);
			buf_addsv(&first_detail, h.detail);
			mcap = 0;
		} else {
			/* The in-memory rules: earliest and latest by time, else by position. */
			if (later(&first, &h)) {
				first = h;
				gr->first = (size_t)hi;
				buf_reset(&first_detail);
				buf_addsv(&first_detail, h.detail);
			}
			if (later(&h, &last) || !h.has_time) {
				last = h;
				gr->last = (size_t)hi;
			}
		}
		if (gr->count == mcap) {
			mcap = mcap ? mcap * 2 : 4;
			gr->members = xreallocarray(gr->members, mcap, sizeof(size_t));
		}
		gr->members[gr->count++] = (size_t)hi;
		if (h.severity > gr->severity)
			gr->severity = h.severity;
		gr->categories |= h.categories;
		if (h.suppressed)
			gr->suppressed++;
		else if (h.severity < SEV_COUNT)
			gr->by_sev[h.severity]++;
	}
	if (gr) {
		first.detail = buf_sv(&first_detail);
		note_ends(gr, &first, &last);
		gr->first_detail = keep_sv(strings, first.detail);
	}
	buf_release(&first_detail);
	spill_free(keys);
	if (rc < 0 || fnd_error(l)) {
		fnd_groups_free(g, ng);
		return (size_t)-1;
	}
	*out = g;
	return ng;
}

size_t fnd_group(const struct fnd_list *l, const struct policy *p, struct arena *strings,
		 struct fnd_group **out)
{
	size_t *idx, ng = 0;
	struct fnd_group *g;

	*out = NULL;
	if (!l->n)
		return 0;
	if (l->sp) {
		ng = group_spilled(l, strings, &g);
		if (ng == (size_t)-1)
			return ng;
		goto order;
	}
	idx = xreallocarray(NULL, l->n, sizeof(*idx));
	g = xcalloc(l->n, sizeof(*g));
	for (size_t i = 0; i < l->n; i++)
		idx[i] = i;
	/* qsort has no context argument in C11; grouping runs on one thread. */
	group_list = l;
	qsort(idx, l->n, sizeof(*idx), idx_cmp);

	for (size_t i = 0; i < l->n;) {
		const struct finding *f = &l->v[idx[i]];
		size_t j = i;
		while (j < l->n) {
			const struct finding *h = &l->v[idx[j]];
			if (h->check != f->check || !sv_eq(h->user, f->user) ||
			    !sv_eq(h->subject, f->subject))
				break;
			j++;
		}
		struct fnd_group *gr = &g[ng++];
		gr->check = f->check;
		gr->user = f->user;
		gr->subject = f->subject;
		gr->role = f->role;
		gr->count = j - i;
		gr->members = xreallocarray(NULL, gr->count, sizeof(size_t));
		gr->first = gr->last = idx[i];
		for (size_t k = i; k < j; k++) {
			const struct finding *h = &l->v[idx[k]];
			gr->members[k - i] = idx[k];
			if (h->severity > gr->severity)
				gr->severity = h->severity;
			gr->categories |= h->categories;
			if (h->suppressed)
				gr->suppressed++;
			else if (h->severity < SEV_COUNT)
				gr->by_sev[h->severity]++;
			if (later(&l->v[gr->first], h))
				gr->first = idx[k];
			if (later(h, &l->v[gr->last]) || (!h->has_time && k > i))
				gr->last = idx[k];
		}
		note_ends(gr, &l->v[gr->first], &l->v[gr->last]);
		i = j;
	}
	free(idx);
order:
	group_policy = p;
	qsort(g, ng, sizeof(*g), group_cmp);
	group_policy = NULL;
	group_list = NULL;
	*out = g;
	return ng;
}

void fnd_groups_free(struct fnd_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].members);
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
