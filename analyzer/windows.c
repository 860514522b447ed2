/*
 * windows.c - excessive-access and failed-access-burst over time-sorted records.
 *
 * Records are encoded (a struct win_rec whose views are only lengths,
 * then the bytes of key, user, subject, resource and evidence) into an
 * external sorter (spill.h): memory holds at most the log's budget of
 * them, the rest is in sorted runs in an unlinked owner-only temporary
 * file.  win_evaluate() reads them back ordered by (kind, role, key, time,
 * file, line), so the records of one key come together and in time order
 * whatever the order of the lines, the files or the threads; it keeps one
 * key's records at a time and slides a two-pointer window over them: state
 * beyond the records is one counter per distinct subject.
 */
#include "common.h"

#include "windows.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "spill.h"
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
	struct spill *sp;	/* NULL until the first record */
	size_t memory;		/* the sorter's memory budget (0: its default) */
	struct buf enc;		/* encoding scratch */
	/*
	 * Per user, the roles reads were judged under (bits): a user's windows
	 * use every limited role among them before the first read is judged.
	 * One entry per distinct user, not per record.
	 */
	struct strmap roles;
	struct win_budget *budget;	/* NULL: none */
	size_t dropped;		/* records not kept: past the budget, or out of memory */
};


void win_log_set_budget(struct win_log *wl, struct win_budget *b)
{
	wl->budget = b;
}

void win_log_set_memory(struct win_log *wl, size_t bytes)
{
	wl->memory = bytes;
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
	spill_free(wl->sp);
	buf_release(&wl->enc);
	strmap_release(&wl->roles);
	free(wl);
}

size_t win_count(const struct win_log *wl)
{
	return wl ? (size_t)spill_count(wl->sp) : 0;
}

/* ---- the encoding ------------------------------------------------------ */

/* r's header (views as lengths only) and its strings, in one record. */
static void encode(struct buf *b, const struct win_rec *r)
{
	struct win_rec h = *r;
	h.key.p = h.user.p = h.subject.p = h.resource.p = h.evidence.p = NULL;
	buf_reset(b);
	buf_add(b, &h, sizeof(h));
	buf_addsv(b, r->key);
	buf_addsv(b, r->user);
	buf_addsv(b, r->subject);
	buf_addsv(b, r->resource);
	buf_addsv(b, r->evidence);
}

/* The record's views point into p (valid while p is). */
static void decode(const void *p, struct win_rec *r)
{
	const char *c = (const char *)p + sizeof(*r);
	memcpy(r, p, sizeof(*r));
	r->key.p = c;
	c += r->key.n;
	r->user.p = c;
	c += r->user.n;
	r->subject.p = c;
	c += r->subject.n;
	r->resource.p = c;
	c += r->resource.n;
	r->evidence.p = c;
}

/*
 * The order windows are judged in, on two encoded records: kind, then key
 * (reads and denials are windowed per key, user or address, whatever the
 * role), time, file, line, subject, resource.  It reads the fields in
 * place: the sort calls this about n log n times, and decoding both whole
 * records first was a tenth of a scan's CPU.
 */
#define ENC_FIELD(p, member, var) memcpy(&(var), (const char *)(p) + offsetof(struct win_rec, member), sizeof(var))
static int enc_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)an;
	(void)bn;
	(void)ctx;
	uint8_t ka, kb;
	ENC_FIELD(a, kind, ka);
	ENC_FIELD(b, kind, kb);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	size_t kna, knb;
	ENC_FIELD(a, key.n, kna);
	ENC_FIELD(b, key.n, knb);
	const char *sa = (const char *)a + sizeof(struct win_rec);
	const char *sb = (const char *)b + sizeof(struct win_rec);
	int c = sv_cmp(sv_make(sa, kna), sv_make(sb, knb));
	if (c)
		return c;
#define ENC_CMP_NUM(member, type)                                 \
	do {                                                      \
		type va, vb;                                      \
		ENC_FIELD(a, member, va);                         \
		ENC_FIELD(b, member, vb);                         \
		if (va != vb)                                     \
			return va < vb ? -1 : 1;                  \
	} while (0)
	ENC_CMP_NUM(time, int64_t);
	ENC_CMP_NUM(nsec, int32_t);
	ENC_CMP_NUM(file, uint32_t);
	ENC_CMP_NUM(line, uint64_t);
#undef ENC_CMP_NUM
	/* Same key, time and line (rare): the subject and resource decide. */
	struct win_rec x, y;
	decode(a, &x);
	decode(b, &y);
	c = sv_cmp(x.subject, y.subject);
	return c ? c : sv_cmp(x.resource, y.resource);
}
#undef ENC_FIELD

/* Keep r (its views are copied); counted as dropped where memory or the disk runs out. */
static void keep(struct win_log *wl, const struct win_rec *r)
{
	if (!wl->sp) {
		wl->sp = spill_new(enc_cmp, NULL, wl->memory);
		if (!wl->sp) {
			wl->dropped++;
			return;
		}
	}
	encode(&wl->enc, r);
	if (wl->enc.err || spill_add(wl->sp, wl->enc.p, wl->enc.len) < 0) {
		wl->dropped++;
		return;
	}
	if (r->kind == WK_READ && r->role >= 0 && r->role < 64) {
		bool created;
		uintptr_t *roles = strmap_put(&wl->roles, r->key, 0, &created);
		if (!roles) {
			/* The record is kept, its role not: the windows could judge it wrongly. */
			wl->dropped++;
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
	if (src->sp) {
		if (!dst->sp) {
			dst->sp = src->sp;
			src->sp = NULL;
		} else if (spill_take(dst->sp, src->sp) < 0) {
			return false;
		}
	}
	strmap_release(&src->roles);
	dst->dropped += src->dropped;
	src->dropped = 0;
	return true;
}

/* ---- records across machines (partial results) ------------------------- */

_Static_assert((int)WIN_READ == WK_READ && (int)WIN_DENIED_USER == WK_DENIED_USER &&
	       (int)WIN_DENIED_SRC == WK_DENIED_SRC, "public and private record kinds agree");

void win_foreach(struct win_log *wl, void (*fn)(void *arg, const struct win_record *r),
		 void *arg)
{
	if (!wl || !wl->sp || spill_rewind(wl->sp) < 0)
		return;
	const void *p;
	size_t n;
	/* The evaluation order is total for one event's record, so it is deterministic. */
	while (spill_next(wl->sp, &p, &n) > 0) {
		struct win_rec r;
		decode(p, &r);
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
	}
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
	return wl ? spill_error(wl->sp) : 0;
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
static bool step_read(struct kstate *k, const struct win_rec *r, const struct win_log *wl,
		      const struct policy *p, struct fnd_list *out)
{
	if (!k->started) {
		uint64_t roles = policy_roles_of(p, r->key);
		const uintptr_t *seen = strmap_get(&wl->roles, r->key);
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
	emit(r, p, CHK_EXCESSIVE_ACCESS, detail, out);
	return true;
}

/* One denied request of a user or address (SPEC §4 semantics 1); false: out of memory. */
static bool step_denied(struct kstate *k, const struct win_rec *r, const struct policy *p,
			struct fnd_list *out)
{
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
		emit(r, p, CHK_FAILED_ACCESS_BURST, detail, out);
		k->burst = true;
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

int win_evaluate(struct win_log *wl, const struct policy *p, struct fnd_list *out)
{
	if (!wl || !wl->sp)
		return 0;
	if (spill_rewind(wl->sp) < 0)
		return -1;
	/* The previous record's key, copied: the sorter's view dies at the next record. */
	struct buf prev = BUF_INIT;
	struct win_rec pr, cur;
	bool have_prev = false;
	struct kstate k;
	memset(&k, 0, sizeof(k));
	const void *rec;
	size_t n;
	int rc, ret = 0;
	while ((rc = spill_next(wl->sp, &rec, &n)) > 0) {
		decode(rec, &cur);
		if (have_prev)
			decode(prev.p, &pr);
		if (!have_prev || !same_group(&pr, &cur)) {
			kstate_reset(&k);
			buf_reset(&prev);
			buf_add(&prev, rec, n);
			if (prev.err) {
				ret = -1;
				break;
			}
			have_prev = true;
		}
		if (!judged(&cur, p))
			continue;
		if (!(cur.kind == WK_READ ? step_read(&k, &cur, wl, p, out) : step_denied(&k, &cur, p, out))) {
			ret = -1;
			break;
		}
	}
	if (rc < 0)
		ret = -1;
	kstate_free(&k);
	buf_release(&prev);
	return ret;
}
