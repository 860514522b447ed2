/*
 * findings.c - the findings store: copies, order, groups, fingerprints
 * (see findings.h).
 */
#include "common.h"

#include "findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
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

bool fnd_add(struct fnd_list *l, const struct finding *f)
{
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
		ev.n = FND_EVIDENCE_MAX;
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
	return true;
}

bool fnd_take(struct fnd_list *dst, struct fnd_list *src)
{
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
	return true;
}

static int sv_cmp(sv a, sv b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;
	if (c)
		return c;
	return (a.n > b.n) - (a.n < b.n);
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

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
	return 0;
}

void fnd_sort(struct fnd_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), fnd_cmp);
}

void fnd_release(struct fnd_list *l)
{
	free(l->v);
	arena_release(&l->arena);
	l->v = NULL;
	l->n = l->cap = l->lost = 0;
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

size_t fnd_group(const struct fnd_list *l, const struct policy *p, struct fnd_group **out)
{
	size_t *idx, ng = 0;
	struct fnd_group *g;

	*out = NULL;
	if (!l->n)
		return 0;
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
			if (later(&l->v[gr->first], h))
				gr->first = idx[k];
			if (later(h, &l->v[gr->last]) || (!h->has_time && k > i))
				gr->last = idx[k];
		}
		i = j;
	}
	free(idx);
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
