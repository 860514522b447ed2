/*
 * windows.c - excessive-access and failed-access-burst over time-sorted records.
 *
 * Records are compact structs in one growing array; their strings (user or
 * address, subject, resource) are interned in the log's map and the
 * evidence line is copied once into the log's arena, so nothing is
 * malloc'd per record and every view stays valid until win_log_free().
 * win_evaluate() sorts the records by (kind, key, time, file, line)
 * and slides a two-pointer window over each run of one key: state beyond
 * the records is one counter per distinct subject.
 */
#include "common.h"

#include "windows.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "strmap.h"
#include "xalloc.h"

enum win_kind {
	WK_READ = 0,		/* a personal-data read, keyed by user */
	WK_DENIED_USER,		/* a 401/403, keyed by user */
	WK_DENIED_SRC,		/* a 401/403 with no user, keyed by address */
};

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
};

struct win_log {
	struct win_rec *v;
	size_t n, cap;
	struct strmap interned;	/* its arena owns the interned strings */
	struct arena arena;	/* evidence lines, and interned strings taken from other logs */
	struct win_budget *budget;	/* NULL: none */
	size_t dropped;		/* records not kept: past the budget, or out of memory */
};

void win_log_set_budget(struct win_log *wl, struct win_budget *b)
{
	wl->budget = b;
}

size_t win_dropped(const struct win_log *wl)
{
	return wl ? wl->dropped : 0;
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

struct win_log *win_log_new(void)
{
	return xcalloc(1, sizeof(struct win_log));
}

void win_log_free(struct win_log *wl)
{
	if (!wl)
		return;
	free(wl->v);
	strmap_release(&wl->interned);
	arena_release(&wl->arena);
	free(wl);
}

size_t win_count(const struct win_log *wl)
{
	return wl ? wl->n : 0;
}

static sv intern(struct win_log *wl, sv s)
{
	if (s.n == 0)
		return SV_LIT("");
	bool created;
	uintptr_t *val = strmap_put(&wl->interned, s, 0, &created);
	if (created) {
		/* The map's slots move when it grows; the key bytes (its arena) do not. */
		struct strmap_slot *sl = (struct strmap_slot *)(void *)
			((char *)val - offsetof(struct strmap_slot, val));
		*val = (uintptr_t)sl->key.p;
	}
	return sv_make((const char *)*val, s.n);
}

/* A new zeroed record, or NULL (counted as dropped) when memory ran out. */
static struct win_rec *win_push(struct win_log *wl)
{
	if (wl->n == wl->cap) {
		size_t ncap = wl->cap ? wl->cap * 2 : 256;
		struct win_rec *nv = try_reallocarray(wl->v, ncap, sizeof(*nv));
		if (!nv) {
			wl->dropped++;
			return NULL;
		}
		wl->v = nv;
		wl->cap = ncap;
	}
	struct win_rec *r = &wl->v[wl->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* False (the record undone and counted as dropped) when memory ran out. */
static bool fill_common(struct win_log *wl, struct win_rec *r, const struct event *ev, int role)
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
	r->resource = intern(wl, res);
	/* One byte more than findings keep, so fnd_add() still sees it was long. */
	sv raw = ev->raw;
	if (raw.n > FND_EVIDENCE_MAX + 1)
		raw.n = FND_EVIDENCE_MAX + 1;
	if (!raw.n) {
		r->evidence = SV_LIT("");
		return true;
	}
	char *e = arena_try_alloc(&wl->arena, raw.n + 1);
	if (!e) {
		wl->n--;
		wl->dropped++;
		return false;
	}
	memcpy(e, raw.p, raw.n);
	r->evidence = sv_make(e, raw.n);
	return true;
}

void win_add_read(struct win_log *wl, const struct event *ev, int role)
{
	/* No time: no place in a window.  No subject: nothing to count. */
	if (!wl || !ev->has_time || ev->f[EVF_SUBJECT].n == 0 || win_full(wl))
		return;
	struct win_rec *r = win_push(wl);
	if (!r)
		return;
	r->kind = WK_READ;
	r->key = r->user = intern(wl, ev->f[EVF_USER]);
	r->subject = intern(wl, ev->f[EVF_SUBJECT]);
	fill_common(wl, r, ev, role);
}

void win_add_denied(struct win_log *wl, const struct event *ev, int role)
{
	if (!wl || !ev->has_time || win_full(wl))
		return;
	struct win_rec *r = win_push(wl);
	if (!r)
		return;
	sv user = ev->f[EVF_USER];
	r->user = intern(wl, user);
	if (sv_is_dash_or_empty(user)) {
		r->kind = WK_DENIED_SRC;
		r->key = intern(wl, ev->f[EVF_SRC]);
	} else {
		r->kind = WK_DENIED_USER;
		r->key = r->user;
	}
	r->subject = intern(wl, ev->f[EVF_SUBJECT]);
	fill_common(wl, r, ev, role);
}

bool win_take(struct win_log *dst, struct win_log *src)
{
	if (!src || !src->n) {
		if (src) {
			dst->dropped += src->dropped;
			src->dropped = 0;
		}
		return true;
	}
	if (dst->cap - dst->n < src->n) {
		size_t ncap = dst->cap ? dst->cap : 256;
		while (ncap - dst->n < src->n)
			ncap *= 2;
		struct win_rec *nv = try_reallocarray(dst->v, ncap, sizeof(*nv));
		if (!nv)
			return false;
		dst->v = nv;
		dst->cap = ncap;
	}
	dst->dropped += src->dropped;
	src->dropped = 0;
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	/* src's strings stay where they are: move their blocks, drop the map. */
	arena_take(&dst->arena, &src->arena);
	arena_take(&dst->arena, &src->interned.keys);
	free(src->interned.slots);
	src->interned.slots = NULL;
	src->interned.cap = src->interned.count = 0;
	free(src->v);
	src->v = NULL;
	src->n = src->cap = 0;
	return true;
}

/* ---- records across machines (partial results) ------------------------- */

_Static_assert((int)WIN_READ == WK_READ && (int)WIN_DENIED_USER == WK_DENIED_USER &&
	       (int)WIN_DENIED_SRC == WK_DENIED_SRC, "public and private record kinds agree");

static int rec_cmp(const void *pa, const void *pb);

void win_foreach(struct win_log *wl, void (*fn)(void *arg, const struct win_record *r),
		 void *arg)
{
	if (!wl || !wl->n)
		return;
	/* The evaluation order is total for one event's record, so it is deterministic. */
	qsort(wl->v, wl->n, sizeof(*wl->v), rec_cmp);
	for (size_t i = 0; i < wl->n; i++) {
		const struct win_rec *r = &wl->v[i];
		struct win_record o = {
			.kind = (enum win_record_kind)r->kind,
			.time = r->time,
			.nsec = r->nsec,
			.line = r->line,
			.categories = r->categories,
			.file = r->file,
			.role = r->role,
			.key = r->key,
			.user = r->user,
			.subject = r->subject,
			.resource = r->resource,
			.evidence = r->evidence,
		};
		fn(arg, &o);
	}
}

void win_add_record(struct win_log *wl, const struct win_record *in)
{
	struct win_rec *r = win_push(wl);
	r->kind = (uint8_t)in->kind;
	r->time = in->time;
	r->nsec = in->nsec;
	r->line = in->line;
	r->categories = in->categories;
	r->file = in->file;
	r->role = in->role;
	r->key = intern(wl, in->key);
	r->user = intern(wl, in->user);
	r->subject = intern(wl, in->subject);
	r->resource = intern(wl, in->resource);
	/* Already bounded by the log that made it; keep it byte for byte. */
	r->evidence = in->evidence.n ? arena_sv(&wl->arena, in->evidence) : SV_LIT("");
}

/* ---- evaluation -------------------------------------------------------- */

static int sv_cmp(sv a, sv b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;
	if (c)
		return c;
	return a.n < b.n ? -1 : a.n > b.n;
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct win_rec *a = pa, *b = pb;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	/* Reads and denials are windowed per key (user or address), whatever the role. */
	int c = sv_cmp(a->key, b->key);
	if (c)
		return c;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	c = sv_cmp(a->subject, b->subject);
	if (c)
		return c;
	return sv_cmp(a->resource, b->resource);
}

static bool same_group(const struct win_rec *a, const struct win_rec *b)
{
	return a->kind == b->kind && sv_eq(a->key, b->key);
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

static void emit(const struct win_rec *r, const struct policy *p, enum chk_id id,
		 const char *detail, struct fnd_list *out)
{
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
	fnd_add(out, &f);
}

static bool check_on(const struct policy *p, enum chk_id id)
{
	return id >= p->nchecks || p->checks[id].enabled;
}

/*
 * Whether b is more than w seconds after a, fractions included (SPEC §4:
 * "at most WINDOW apart, inclusive"; 60.5 s is not within 1m).
 */
static bool over_window(const struct win_rec *a, const struct win_rec *b, int64_t w)
{
	int64_t d = b->time - a->time;
	return d > w || (d == w && b->nsec > a->nsec);
}

static int64_t role_window(const struct pol_role *role)
{
	return role->max_window > 0 ? role->max_window : 3600;
}

/*
 * For each read i, whether the distinct subjects of the reads at most the
 * role's window before it (inclusive) exceed its max-subjects: over[i] is
 * cleared where they do not.  counts[] is zero on entry and on return.
 */
static void mark_over(const struct win_rec *v, const uint32_t *ids, size_t n, uint32_t *counts,
		      const struct pol_role *role, bool *over)
{
	int64_t w = role_window(role);
	size_t lo = 0, distinct = 0;
	for (size_t i = 0; i < n; i++) {
		while (over_window(&v[lo], &v[i], w)) {
			if (--counts[ids[lo]] == 0)
				distinct--;
			lo++;
		}
		if (counts[ids[i]]++ == 0)
			distinct++;
		if (distinct <= role->max_subjects)
			over[i] = false;
	}
	for (size_t i = lo; i < n; i++)
		counts[ids[i]] = 0;
}

/* Distinct subjects of the reads at most w before read i (inclusive). */
static size_t distinct_before(const struct win_rec *v, const uint32_t *ids, size_t i,
			      uint32_t *counts, int64_t w)
{
	size_t distinct = 0, lo = i + 1;
	while (lo > 0 && !over_window(&v[lo - 1], &v[i], w))
		if (counts[ids[--lo]]++ == 0)
			distinct++;
	for (size_t k = lo; k <= i; k++)
		counts[ids[k]] = 0;
	return distinct;
}

/*
 * One user's reads under all of the user's roles, sorted by time (SPEC §4
 * semantics 8).  The limits are those of every role the user is a member
 * of, or was judged under, that sets max-subjects; a read is over when it
 * exceeds every one of them (the most permissive wins).  ids[i] is the
 * dense subject number of v[i]; counts[] is zero on entry and on return.
 */
static void eval_reads(const struct win_rec *v, const uint32_t *ids, size_t n, uint32_t *counts,
		       bool *over, const struct policy *p, struct fnd_list *out)
{
	uint64_t roles = policy_roles_of(p, v[0].key);
	for (size_t i = 0; i < n; i++)
		if (v[i].role >= 0 && (size_t)v[i].role < p->nroles)
			roles |= 1ull << v[i].role;
	uint64_t limited = 0;
	for (size_t r = 0; r < p->nroles && r < 64; r++)
		if ((roles & (1ull << r)) && p->roles[r].max_subjects)
			limited |= 1ull << r;
	if (!limited)
		return;
	for (size_t i = 0; i < n; i++)
		over[i] = true;
	for (size_t r = 0; r < p->nroles && r < 64; r++)
		if (limited & (1ull << r))
			mark_over(v, ids, n, counts, &p->roles[r], over);

	bool burst = false;
	for (size_t i = 0; i < n; i++) {
		if (!over[i] || burst) {
			burst = over[i];
			continue;
		}
		burst = true;
		char detail[512];
		size_t len = 0;
		for (size_t r = 0; r < p->nroles && r < 64 && len < sizeof(detail); r++) {
			if (!(limited & (1ull << r)))
				continue;
			const struct pol_role *role = &p->roles[r];
			char dur[32];
			fmt_duration(role_window(role), dur, sizeof(dur));
			int k = snprintf(detail + len, sizeof(detail) - len,
					 "%s%zu distinct subjects within %s; role %s allows %u",
					 len ? "; " : "read ",
					 distinct_before(v, ids, i, counts, role_window(role)), dur,
					 role->name, role->max_subjects);
			len += k > 0 ? (size_t)k : 0;
		}
		emit(&v[i], p, CHK_EXCESSIVE_ACCESS, detail, out);
	}
}

/* One user's (or address's) denied requests, sorted by time. */
static void eval_denied(const struct win_rec *v, size_t n, const struct policy *p,
			struct fnd_list *out)
{
	const struct pol_check *c = CHK_FAILED_ACCESS_BURST < p->nchecks ?
		&p->checks[CHK_FAILED_ACCESS_BURST] : NULL;
	size_t limit = c && c->threshold_n ? c->threshold_n : 20;
	int64_t w = c && c->threshold_window > 0 ? c->threshold_window : 600;
	size_t lo = 0;
	bool burst = false;
	for (size_t i = 0; i < n; i++) {
		while (over_window(&v[lo], &v[i], w))
			lo++;
		size_t count = i - lo + 1;
		if (count >= limit && !burst) {
			char dur[32], detail[256];
			fmt_duration(w, dur, sizeof(dur));
			snprintf(detail, sizeof(detail),
				 "%zu denied (401/403) requests within %s by %s %.*s; the threshold is %zu",
				 count, dur, v[i].kind == WK_DENIED_SRC ? "address" : "user",
				 (int)v[i].key.n, v[i].key.p, limit);
			emit(&v[i], p, CHK_FAILED_ACCESS_BURST, detail, out);
			burst = true;
		} else if (count < limit) {
			burst = false;
		}
	}
}

void win_evaluate(struct win_log *wl, const struct policy *p, struct fnd_list *out)
{
	if (!wl || !wl->n)
		return;
	qsort(wl->v, wl->n, sizeof(*wl->v), rec_cmp);

	/* Dense subject numbers for the reads, so counting is an array index. */
	struct strmap subj = STRMAP_INIT;
	uint32_t *ids = xreallocarray(NULL, wl->n, sizeof(*ids));
	size_t nsubj = 0;
	for (size_t i = 0; i < wl->n; i++) {
		if (wl->v[i].kind != WK_READ) {
			ids[i] = 0;
			continue;
		}
		bool created;
		uintptr_t *val = strmap_put(&subj, wl->v[i].subject, nsubj, &created);
		if (created)
			nsubj++;
		ids[i] = (uint32_t)*val;
	}
	uint32_t *counts = xcalloc(nsubj, sizeof(*counts));
	bool *over = xmalloc(wl->n * sizeof(*over));

	for (size_t i = 0, j; i < wl->n; i = j) {
		j = i + 1;
		while (j < wl->n && same_group(&wl->v[i], &wl->v[j]))
			j++;
		const struct win_rec *r = &wl->v[i];
		if (r->kind == WK_READ) {
			if (check_on(p, CHK_EXCESSIVE_ACCESS))
				eval_reads(r, ids + i, j - i, counts, over, p, out);
		} else if (check_on(p, CHK_FAILED_ACCESS_BURST)) {
			eval_denied(r, j - i, p, out);
		}
	}
	free(over);
	free(counts);
	free(ids);
	strmap_release(&subj);
}
