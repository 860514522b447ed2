/*
 * windows.c - excessive-access and failed-access-burst over time-sorted records.
 *
 * Records are compact structs in one growing array; their strings (user or
 * address, subject, resource) are interned in the log's map and the
 * evidence line is copied once into the log's arena, so nothing is
 * malloc'd per record and every view stays valid until win_log_free().
 * win_evaluate() sorts the records by (kind, role, key, time, file, line)
 * and slides a two-pointer window over each run of one key: state beyond
 * the records is one counter per distinct subject.
 */
#include "windows.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

enum win_kind {
	WK_READ = 0,		/* a personal-data read, keyed by user */
	WK_DENIED_USER,		/* a 401/403, keyed by user */
	WK_DENIED_SRC,		/* a 401/403 with no user, keyed by address */
};

struct win_rec {
	int64_t time;
	uint64_t line;
	uint64_t categories;
	sv key;			/* user, or src */
	sv user;		/* as the event had it ("-" or "" when keyed by src) */
	sv subject;		/* reads: never empty */
	sv resource;
	sv evidence;
	uint32_t file;
	int32_t role;		/* reads: the role with max-subjects; denied: the user's role or -1 */
	uint8_t kind;
};

struct win_log {
	struct win_rec *v;
	size_t n, cap;
	struct strmap interned;	/* its arena owns the interned strings */
	struct arena arena;	/* evidence lines, and interned strings taken from other logs */
	size_t limit;		/* 0: none */
	size_t dropped;		/* records not kept past the limit */
};

void win_log_set_limit(struct win_log *wl, size_t max)
{
	wl->limit = max;
}

size_t win_dropped(const struct win_log *wl)
{
	return wl ? wl->dropped : 0;
}

/* Whether the log is full: then the record is counted, not kept. */
static bool win_full(struct win_log *wl)
{
	if (wl->limit && wl->n >= wl->limit) {
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

static struct win_rec *win_push(struct win_log *wl)
{
	if (wl->n == wl->cap) {
		size_t ncap = wl->cap ? wl->cap * 2 : 256;
		wl->v = xreallocarray(wl->v, ncap, sizeof(*wl->v));
		wl->cap = ncap;
	}
	struct win_rec *r = &wl->v[wl->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void fill_common(struct win_log *wl, struct win_rec *r, const struct event *ev, int role)
{
	r->time = ev->time;
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
	r->evidence = raw.n ? arena_sv(&wl->arena, raw) : SV_LIT("");
}

void win_add_read(struct win_log *wl, const struct event *ev, int role)
{
	/* No time: no place in a window.  No subject: nothing to count. */
	if (!wl || !ev->has_time || ev->f[EVF_SUBJECT].n == 0 || win_full(wl))
		return;
	struct win_rec *r = win_push(wl);
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

void win_take(struct win_log *dst, struct win_log *src)
{
	if (src) {
		dst->dropped += src->dropped;
		src->dropped = 0;
	}
	if (!src || !src->n) {
		return;
	}
	if (dst->cap - dst->n < src->n) {
		size_t ncap = dst->cap ? dst->cap : 256;
		while (ncap - dst->n < src->n)
			ncap *= 2;
		dst->v = xreallocarray(dst->v, ncap, sizeof(*dst->v));
		dst->cap = ncap;
	}
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
	/* Reads are windowed per (role, user); denials per key whatever the role. */
	if (a->kind == WK_READ && a->role != b->role)
		return a->role < b->role ? -1 : 1;
	int c = sv_cmp(a->key, b->key);
	if (c)
		return c;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
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
	if (a->kind != b->kind)
		return false;
	if (a->kind == WK_READ && a->role != b->role)
		return false;
	return sv_eq(a->key, b->key);
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
 * One user's reads under one role, sorted by time.  ids[i] is the dense
 * subject number of v[i]; counts[] is zero on entry and on return.
 */
static void eval_reads(const struct win_rec *v, const uint32_t *ids, size_t n,
		       uint32_t *counts, const struct policy *p, struct fnd_list *out)
{
	const struct pol_role *role = &p->roles[v[0].role];
	unsigned limit = role->max_subjects;
	int64_t w = role->max_window > 0 ? role->max_window : 3600;
	size_t lo = 0, distinct = 0;
	bool burst = false;
	for (size_t i = 0; i < n; i++) {
		while (v[i].time - v[lo].time > w) {
			if (--counts[ids[lo]] == 0)
				distinct--;
			lo++;
		}
		if (counts[ids[i]]++ == 0)
			distinct++;
		if (distinct > limit && !burst) {
			char dur[32], detail[256];
			fmt_duration(w, dur, sizeof(dur));
			snprintf(detail, sizeof(detail),
				 "read %zu distinct subjects within %s; role %s allows %u",
				 distinct, dur, role->name, limit);
			emit(&v[i], p, CHK_EXCESSIVE_ACCESS, detail, out);
			burst = true;
		} else if (distinct <= limit) {
			burst = false;
		}
	}
	for (size_t i = lo; i < n; i++)
		counts[ids[i]] = 0;
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
		while (v[i].time - v[lo].time > w)
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

	for (size_t i = 0, j; i < wl->n; i = j) {
		j = i + 1;
		while (j < wl->n && same_group(&wl->v[i], &wl->v[j]))
			j++;
		const struct win_rec *r = &wl->v[i];
		if (r->kind == WK_READ) {
			if (r->role < 0 || (size_t)r->role >= p->nroles ||
			    !p->roles[r->role].max_subjects || !check_on(p, CHK_EXCESSIVE_ACCESS))
				continue;
			eval_reads(r, ids + i, j - i, counts, p, out);
		} else if (check_on(p, CHK_FAILED_ACCESS_BURST)) {
			eval_denied(r, j - i, p, out);
		}
	}
	free(counts);
	free(ids);
	strmap_release(&subj);
}
