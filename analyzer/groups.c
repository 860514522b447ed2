/*
 * groups.c - a report's groups in memory or spilled (see groups.h).
 *
 * Two record kinds go through sorters (native byte order: the files never
 * outlive the process):
 *
 *   a member:  check u32, user, subject, index u64, file u32, line u64,
 *              time i64, categories u64, severity, has_time, suppressed
 *              (a byte each), role, detail;
 *   a group:   severity u8, check rank u64, user, subject, check u32,
 *              role, categories u64, count, suppressed, by_sev[SEV_COUNT],
 *              first, last, members_at (u64 each), first_has_time,
 *              last_has_time (a byte each), first_time, last_time (i64),
 *              first_file u32, first_line u64, first_detail;
 *
 * each string a u32 length and its bytes, the sort key first.  The members
 * file holds every group's member indexes (u64, list order), group after
 * group in group-key order, written sequentially through a 64 KiB buffer.
 */
#include "common.h"

#include "groups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "spill.h"
#include "xalloc.h"

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "member indexes are read as u64");

#define MEMBERS_BUF 8192	/* u64 entries written at once, and the most read ahead */
#define MEMBERS_AHEAD_MIN 64	/* u64 entries read ahead after a jump */

struct grp_spilled {
	struct spill *groups;	/* group records, report order */
	int fd;			/* the members file; -1: none (yet, or none possible) */
	bool in_memory;		/* no file could be created: every member in mem */
	uint64_t *mem;		/* members not yet written (all of them when in_memory) */
	size_t nmem, memcap;
	uint64_t flushed;	/* members in the file */
	/*
	 * Reading the file (grp_members): mem, emptied by the last flush, holds
	 * members [ahead_at, ahead_at + nahead) read ahead.  The groups come in
	 * report order, which within a severity and check is the file's order:
	 * a read that continues the last one doubles the read-ahead (up to
	 * memcap), a jump starts it again at MEMBERS_AHEAD_MIN, so 2M groups of
	 * one member each take a few hundred reads, not 2M, and groups read out
	 * of the file's order cost one small read each, as before.
	 */
	uint64_t ahead_at;
	size_t nahead, ahead;
	int err;
};

/* ---- records ----------------------------------------------------------- */

static void put_u8(struct buf *b, unsigned v) { unsigned char c = (unsigned char)v; buf_add(b, &c, 1); }
static void put_u32(struct buf *b, uint32_t v) { buf_add(b, &v, 4); }
static void put_u64(struct buf *b, uint64_t v) { buf_add(b, &v, 8); }
static void put_sv(struct buf *b, sv s) { put_u32(b, (uint32_t)s.n); buf_add(b, s.p, s.n); }

/* A reading of a record; bad once it ran past the end. */
struct rd {
	const unsigned char *p;
	size_t n, at;
	bool bad;
};

static const unsigned char *take(struct rd *r, size_t k)
{
	if (r->bad || r->n - r->at < k) {
		r->bad = true;
		return NULL;
	}
	const unsigned char *p = r->p + r->at;
	r->at += k;
	return p;
}

static unsigned get_u8(struct rd *r) { const unsigned char *p = take(r, 1); return p ? *p : 0; }

static uint32_t get_u32(struct rd *r)
{
	uint32_t v = 0;
	const unsigned char *p = take(r, 4);
	if (p)
		memcpy(&v, p, 4);
	return v;
}

static uint64_t get_u64(struct rd *r)
{
	uint64_t v = 0;
	const unsigned char *p = take(r, 8);
	if (p)
		memcpy(&v, p, 8);
	return v;
}

static sv get_sv(struct rd *r)
{
	uint32_t n = get_u32(r);
	const unsigned char *p = take(r, n);
	return p && n ? sv_make((const char *)p, n) : sv_make("", 0);
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static void encode_member(struct buf *b, const struct finding *f, size_t index)
{
	buf_reset(b);
	put_u32(b, f->check);
	put_sv(b, f->user);
	put_sv(b, f->subject);
	put_u64(b, index);
	put_u32(b, f->file);
	put_u64(b, f->line);
	put_u64(b, (uint64_t)f->time);
	put_u64(b, f->categories);
	put_u8(b, (unsigned)f->severity);
	put_u8(b, f->has_time);
	put_u8(b, f->suppressed);
	put_sv(b, f->role);
	put_sv(b, f->detail);
}

/* Views into the record; false if it is not a whole one. */
static bool decode_member(const void *rec, size_t n, struct finding *f, size_t *index)
{
	struct rd r = { rec, n, 0, false };
	memset(f, 0, sizeof(*f));
	f->check = get_u32(&r);
	f->user = get_sv(&r);
	f->subject = get_sv(&r);
	*index = (size_t)get_u64(&r);
	f->file = get_u32(&r);
	f->line = get_u64(&r);
	f->time = (int64_t)get_u64(&r);
	f->categories = get_u64(&r);
	f->severity = (enum sev)get_u8(&r);
	f->has_time = get_u8(&r);
	f->suppressed = get_u8(&r);
	f->role = get_sv(&r);
	f->detail = get_sv(&r);
	return !r.bad && r.at == n;
}

/* Group-key order: check, user, subject, then list index (members in list order). */
static int member_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	struct rd x = { a, an, 0, false }, y = { b, bn, 0, false };
	int c;
	(void)ctx;
	uint32_t cx = get_u32(&x), cy = get_u32(&y);	/* CMP evaluates its arguments twice */
	CMP(cx, cy);
	if ((c = sv_cmp(get_sv(&x), get_sv(&y))))
		return c;
	if ((c = sv_cmp(get_sv(&x), get_sv(&y))))
		return c;
	uint64_t ix = get_u64(&x), iy = get_u64(&y);
	CMP(ix, iy);
	return (int)y.bad - (int)x.bad;	/* only the encoder's records: never damaged */
}

static void encode_group(struct buf *b, const struct fnd_group *g, uint64_t rank)
{
	buf_reset(b);
	put_u8(b, (unsigned)g->severity);
	put_u64(b, rank);
	put_sv(b, g->user);
	put_sv(b, g->subject);
	put_u32(b, g->check);
	put_sv(b, g->role);
	put_u64(b, g->categories);
	put_u64(b, g->count);
	put_u64(b, g->suppressed);
	for (size_t k = 0; k < SEV_COUNT; k++)
		put_u64(b, g->by_sev[k]);
	put_u64(b, g->first);
	put_u64(b, g->last);
	put_u64(b, g->members_at);
	put_u8(b, g->first_has_time);
	put_u8(b, g->last_has_time);
	put_u64(b, (uint64_t)g->first_time);
	put_u64(b, (uint64_t)g->last_time);
	put_u32(b, g->first_file);
	put_u64(b, g->first_line);
	put_sv(b, g->first_detail);
}

static bool decode_group(const void *rec, size_t n, struct fnd_group *g)
{
	struct rd r = { rec, n, 0, false };
	memset(g, 0, sizeof(*g));
	g->severity = (enum sev)get_u8(&r);
	(void)get_u64(&r);	/* rank */
	g->user = get_sv(&r);
	g->subject = get_sv(&r);
	g->check = get_u32(&r);
	g->role = get_sv(&r);
	g->categories = get_u64(&r);
	g->count = (size_t)get_u64(&r);
	g->suppressed = (size_t)get_u64(&r);
	for (size_t k = 0; k < SEV_COUNT; k++)
		g->by_sev[k] = (size_t)get_u64(&r);
	g->first = (size_t)get_u64(&r);
	g->last = (size_t)get_u64(&r);
	g->members_at = get_u64(&r);
	g->first_has_time = get_u8(&r);
	g->last_has_time = get_u8(&r);
	g->first_time = (int64_t)get_u64(&r);
	g->last_time = (int64_t)get_u64(&r);
	g->first_file = get_u32(&r);
	g->first_line = get_u64(&r);
	g->first_detail = get_sv(&r);
	return !r.bad && r.at == n;
}

/* Report order: severity (highest first), check (by rank), user, subject. */
static int group_rec_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	struct rd x = { a, an, 0, false }, y = { b, bn, 0, false };
	int c;
	(void)ctx;
	unsigned sx = get_u8(&x), sy = get_u8(&y);
	CMP(sy, sx);	/* the highest first */
	uint64_t rx = get_u64(&x), ry = get_u64(&y);
	CMP(rx, ry);
	if ((c = sv_cmp(get_sv(&x), get_sv(&y))))
		return c;
	if ((c = sv_cmp(get_sv(&x), get_sv(&y))))
		return c;
	return (int)y.bad - (int)x.bad;
}

/* ---- counts over every group -------------------------------------------- */

/* Count g into s's live counts; -1 (ENOMEM) when an array cannot grow. */
static int count_group(struct grp_set *s, const struct fnd_group *g)
{
	if (g->count <= g->suppressed)
		return 0;
	if (g->check >= s->nchecks) {
		size_t n = (size_t)g->check + 1;
		size_t *a = try_reallocarray(s->live_by_check, n, sizeof(*a));
		if (!a)
			return -1;
		s->live_by_check = a;
		size_t *f = try_reallocarray(s->live_findings_by_check, n, sizeof(*f));
		if (!f)
			return -1;
		s->live_findings_by_check = f;
		memset(a + s->nchecks, 0, (n - s->nchecks) * sizeof(*a));
		memset(f + s->nchecks, 0, (n - s->nchecks) * sizeof(*f));
		s->nchecks = n;
	}
	s->live++;
	s->live_by_check[g->check]++;
	s->live_findings_by_check[g->check] += g->count - g->suppressed;
	return 0;
}

/* ---- the members file ---------------------------------------------------- */

static int set_err(struct grp_spilled *sp, int e)
{
	if (!sp->err)
		sp->err = e ? e : EIO;
	errno = sp->err;
	return -1;
}

/* Write what is buffered (where a file can be had; else it all stays in memory). */
static int members_flush(struct grp_spilled *sp)
{
	if (sp->in_memory || !sp->nmem)
		return 0;
	if (sp->fd < 0 && (sp->fd = spill_tmpfd()) < 0) {
		sp->in_memory = true;	/* the findings could not spill either: bounded by them */
		return 0;
	}
	if (spill_pwrite_all(sp->fd, sp->mem, sp->nmem * sizeof(*sp->mem),
			     sp->flushed * sizeof(*sp->mem)) < 0)
		return set_err(sp, errno);
	sp->flushed += sp->nmem;
	sp->nmem = 0;
	return 0;
}

static int members_add(struct grp_spilled *sp, uint64_t index)
{
	if (sp->nmem == sp->memcap) {
		if (!sp->in_memory && sp->memcap >= MEMBERS_BUF) {
			if (members_flush(sp) < 0)
				return -1;
		}
		if (sp->nmem == sp->memcap) {
			size_t ncap = sp->memcap ? sp->memcap * 2 : 1024;
			uint64_t *m = try_reallocarray(sp->mem, ncap, sizeof(*m));
			if (!m)
				return set_err(sp, ENOMEM);
			sp->mem = m;
			sp->memcap = ncap;
		}
	}
	sp->mem[sp->nmem++] = index;
	return 0;
}

static uint64_t members_count(const struct grp_spilled *sp)
{
	return sp->flushed + sp->nmem;
}

/* ---- building ------------------------------------------------------------ */

void grp_build_start(struct grp_builder *b, const struct fnd_list *l, size_t budget)
{
	memset(b, 0, sizeof(*b));
	b->l = l;
	b->budget = budget;
	b->strings = (struct arena)ARENA_INIT;
	b->enc = (struct buf)BUF_INIT;
	/* A list in memory outlives its groups: they point into it. */
	fnd_grouper_start(&b->mem, fnd_spilled(l) ? &b->strings : NULL);
}

/* Add finding f (list index i) to the sorter of members. */
static void spill_member(struct grp_builder *b, const struct finding *f, size_t i)
{
	if (b->err)
		return;
	encode_member(&b->enc, f, i);
	if (b->enc.err)
		b->err = ENOMEM;
	else if (spill_add(b->recs, b->enc.p, b->enc.len) < 0)
		b->err = errno ? errno : EIO;
}

/* Past the budget: from now on every finding goes to a sorter; the grouper's memory is freed. */
static void start_spill(struct grp_builder *b)
{
	b->from = b->n;
	fnd_grouper_drop(&b->mem);
	arena_release(&b->strings);
	/* Half the budget: the groups' sorter gets the other half while this one is read. */
	b->recs = spill_new(member_cmp, NULL, b->budget / 2 ? b->budget / 2 : 1);
	if (!b->recs)
		b->err = ENOMEM;
	else
		spill_memory_fallback(b->recs);
}

void grp_build_add(struct grp_builder *b, const struct finding *f)
{
	size_t i = b->n++;
	if (b->recs || b->err) {
		spill_member(b, f, i);
		return;
	}
	fnd_grouper_add(&b->mem, f);
	if (b->budget && fnd_grouper_bytes(&b->mem) > b->budget)
		start_spill(b);
}

void grp_build_drop(struct grp_builder *b)
{
	if (!b->recs)
		fnd_grouper_drop(&b->mem);
	spill_free(b->recs);
	arena_release(&b->strings);
	buf_release(&b->enc);
	memset(b, 0, sizeof(*b));
}

/* The group g is whole: into the groups' sorter, and counted. */
static int emit(struct grp_set *s, struct buf *enc, const struct fnd_group *g, const uint32_t *rank,
		size_t nrank)
{
	uint64_t r = g->check < nrank ? rank[g->check] : (uint64_t)nrank + g->check;
	encode_group(enc, g, r);
	if (enc->err)
		return set_err(s->sp, ENOMEM);
	if (spill_add(s->sp->groups, enc->p, enc->len) < 0)
		return set_err(s->sp, errno);
	s->n++;
	return count_group(s, g) < 0 ? set_err(s->sp, ENOMEM) : 0;
}

/* Keep a copy of v in bf and return a view of it (bf's error checked by the caller). */
static sv keep(struct buf *bf, sv v)
{
	buf_reset(bf);
	buf_addsv(bf, v);
	return bf->len ? buf_sv(bf) : sv_make("", 0);
}

/*
 * One reading of the members in group-key order: each group folded, its
 * members written to the file, the group into the groups' sorter.
 */
static int reduce(struct grp_builder *b, const struct policy *p, struct grp_set *s)
{
	size_t nrank;
	uint32_t *rank = fnd_check_ranks(p, &nrank);
	struct buf user = BUF_INIT, subject = BUF_INIT, role = BUF_INIT, detail = BUF_INIT;
	struct fnd_group g;
	bool have = false;
	const void *rec;
	size_t n, index;
	struct finding f;
	int rc;

	if (spill_rewind(b->recs) < 0) {
		rc = -1;
		set_err(s->sp, spill_error(b->recs));
		goto out;
	}
	while ((rc = spill_next(b->recs, &rec, &n)) > 0) {
		if (!decode_member(rec, n, &f, &index)) {
			rc = set_err(s->sp, EIO);	/* not what was written */
			break;
		}
		if (!have || g.check != f.check || !sv_eq(g.user, f.user) || !sv_eq(g.subject, f.subject)) {
			if (have && (rc = emit(s, &b->enc, &g, rank, nrank)) < 0)
				break;
			fnd_group_start(&g, &f, index);
			g.user = keep(&user, f.user);
			g.subject = keep(&subject, f.subject);
			g.role = keep(&role, f.role);
			g.first_detail = keep(&detail, f.detail);
			g.members_at = members_count(s->sp);
			have = true;
		}
		if (fnd_group_fold(&g, &f, index) && !sv_eq(g.first_detail, f.detail))
			g.first_detail = keep(&detail, f.detail);
		if (user.err || subject.err || role.err || detail.err) {
			rc = set_err(s->sp, ENOMEM);
			break;
		}
		if ((rc = members_add(s->sp, index)) < 0)
			break;
	}
	if (rc < 0 && !s->sp->err)
		set_err(s->sp, spill_error(b->recs));
	if (rc == 0 && have)
		rc = emit(s, &b->enc, &g, rank, nrank);
	if (rc == 0)
		rc = members_flush(s->sp);
out:
	free(rank);
	buf_release(&user);
	buf_release(&subject);
	buf_release(&role);
	buf_release(&detail);
	return rc < 0 ? -1 : 0;
}

static int finish_spilled(struct grp_builder *b, const struct policy *p, struct grp_set *out)
{
	struct fnd_iter it;
	const struct finding *f;

	/* The findings the in-memory grouper had seen: read again, up to where it stopped. */
	for (fnd_iter_start(b->l, &it); it.i < b->from && (f = fnd_iter_next(&it));)
		spill_member(b, f, it.i - 1);
	if (!b->err && fnd_error(b->l))
		b->err = fnd_error(b->l);
	if (b->err) {
		errno = b->err;
		return -1;
	}
	out->sp = try_calloc(1, sizeof(*out->sp));
	if (!out->sp) {
		errno = ENOMEM;
		return -1;
	}
	out->sp->fd = -1;
	out->sp->groups = spill_new(group_rec_cmp, NULL, b->budget / 2 ? b->budget / 2 : 1);
	if (!out->sp->groups)
		return set_err(out->sp, ENOMEM);
	spill_memory_fallback(out->sp->groups);
	int rc = reduce(b, p, out);
	/* The members' sorter is done with: its memory and file go before the writers read. */
	spill_free(b->recs);
	b->recs = NULL;
	return rc;
}

int grp_build_finish(struct grp_builder *b, const struct policy *p, struct grp_set *out)
{
	int rc = 0;
	*out = (struct grp_set)GRP_SET_INIT;
	if (b->recs || b->err) {
		rc = finish_spilled(b, p, out);
	} else {
		out->n = fnd_grouper_finish(&b->mem, p, &out->v);
		arena_take(&out->strings, &b->strings);
		for (size_t k = 0; k < out->n && rc == 0; k++)
			if (count_group(out, &out->v[k]) < 0) {
				errno = ENOMEM;
				rc = -1;
			}
	}
	int e = errno;
	if (rc < 0) {
		grp_release(out);
		*out = (struct grp_set)GRP_SET_INIT;
	}
	grp_build_drop(b);
	errno = e;
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

void grp_iter_start(const struct grp_set *s, struct grp_iter *it)
{
	it->s = s;
	it->i = 0;
	if (s->sp && spill_rewind(s->sp->groups) < 0)
		set_err(s->sp, spill_error(s->sp->groups));
}

const struct fnd_group *grp_iter_next(struct grp_iter *it)
{
	const struct grp_set *s = it->s;
	if (!s->sp)
		return it->i < s->n ? &s->v[it->i++] : NULL;
	const void *rec;
	size_t n;
	if (s->sp->err)
		return NULL;
	int rc = spill_next(s->sp->groups, &rec, &n);
	if (rc <= 0) {
		if (rc < 0)
			set_err(s->sp, spill_error(s->sp->groups));
		spill_stop(s->sp->groups);
		return NULL;
	}
	if (!decode_group(rec, n, &it->g)) {
		set_err(s->sp, EIO);	/* not what was written: damaged under us */
		return NULL;
	}
	it->i++;
	return &it->g;
}

size_t grp_members(const struct grp_set *s, const struct fnd_group *g, size_t from, size_t *out,
		   size_t n)
{
	if (from >= g->count)
		return 0;
	if (n > g->count - from)
		n = g->count - from;
	if (!s->sp) {
		memcpy(out, g->members + from, n * sizeof(*out));
		return n;
	}
	struct grp_spilled *sp = s->sp;
	uint64_t at = g->members_at + from;
	if (sp->err)
		return 0;
	if (sp->in_memory || sp->fd < 0) {
		if (at + n > sp->nmem) {
			set_err(sp, EIO);
			return 0;
		}
		memcpy(out, sp->mem + at, n * sizeof(*out));
		return n;
	}
	size_t got = 0;
	while (got < n) {
		uint64_t k = at + got;
		if (k >= sp->ahead_at && k < sp->ahead_at + sp->nahead) {
			size_t take = (size_t)(sp->ahead_at + sp->nahead - k);
			if (take > n - got)
				take = n - got;
			memcpy(out + got, sp->mem + (k - sp->ahead_at), take * sizeof(*out));
			got += take;
			continue;
		}
		/* Past the read-ahead: continue it (doubled), or start again after a jump. */
		size_t want = k == sp->ahead_at + sp->nahead && sp->nahead ? sp->ahead * 2
									   : MEMBERS_AHEAD_MIN;
		if (want > sp->memcap)
			want = sp->memcap;
		if (want > sp->flushed - k)
			want = (size_t)(sp->flushed - k);	/* 0 past the end: EIO below */
		bool direct = n - got >= want;	/* as much as asked: straight into out */
		uint64_t *to = direct ? out + got : sp->mem;
		size_t len = direct ? n - got : want;
		ssize_t r = pread(sp->fd, to, len * sizeof(*out), (off_t)(k * sizeof(*out)));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || r % (ssize_t)sizeof(*out)) {
			set_err(sp, r < 0 ? errno : EIO);
			break;
		}
		if (direct) {
			got += (size_t)r / sizeof(*out);
			sp->nahead = 0;
		} else {
			sp->ahead_at = k;
			sp->nahead = (size_t)r / sizeof(*out);
			sp->ahead = want;
		}
	}
	return got;
}

int grp_error(const struct grp_set *s)
{
	return s->sp ? s->sp->err : 0;
}

void grp_release(struct grp_set *s)
{
	if (s->v)
		fnd_groups_free(s->v, s->n);
	arena_release(&s->strings);
	if (s->sp) {
		spill_free(s->sp->groups);
		if (s->sp->fd >= 0)
			close(s->sp->fd);
		free(s->sp->mem);
		free(s->sp);
	}
	free(s->live_by_check);
	free(s->live_findings_by_check);
	*s = (struct grp_set)GRP_SET_INIT;
}
