/*
 * report.c - stage 6: the summary every report format shares, the writer
 * table, and writing a report file safely (see report.h).
 *
 * A report is written to a temporary file (mode 0600, whatever the umask:
 * it is a record of personal data) in the target's directory and renamed
 * into place only after every byte was written and flushed, so a failed
 * run never leaves half a report that looks whole.  Character devices and
 * FIFOs (/dev/stdout, a pipe given by name) cannot be renamed over; they are
 * written directly and their errors reported the same way.
 */
#include "common.h"

#include "report.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "spill.h"
#include "strmap.h"

#define REP_TOP 10

const char *rep_status_name(enum rep_status s)
{
	switch (s) {
	case REP_PASS: return "pass";
	case REP_FAIL: return "fail";
	default: return "not assessed";
	}
}

/* ---- ranking ------------------------------------------------------------ */

/*
 * Rankings in bounded memory: each name's count in a hash map of at most
 * a budget of bytes; past it (and at the end) the (count, name) pairs go
 * to a sorter (spill.h; past its budget to the temporary file), are read
 * back sorted by name, summed per name, and only the REP_TOP best counts
 * are kept.  Most runs name a few thousand users and subjects: the map
 * holds them all (RANK_MAP_SHARE of the budget; a sixteenth of the
 * default's 16 MiB is a map of 1 MiB, about 12,000 names: the 9,000
 * subjects of a 2M-line crm log, where a 64th made 30 flushes and two
 * thirds of the summary's time), and the top names are taken from the map
 * itself, with nothing sorted.
 */
#define RANK_MAP_SHARE 16
static int cmp_rank(const struct rep_rank *x, const struct rep_rank *y)
{
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return sv_cmp(x->name, y->name);
}

/* A sorter record: [u64 count][the name's bytes]. */
#define RANK_HDR 8

static int name_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)ctx;
	return sv_cmp(sv_make((const char *)a + RANK_HDR, an - RANK_HDR),
		      sv_make((const char *)b + RANK_HDR, bn - RANK_HDR));
}

struct ranker {
	struct spill *sp;
	struct strmap counts;	/* name -> occurrences since the last flush */
	size_t cap;		/* bytes the map may hold */
	struct buf rec;		/* record scratch */
};

/* Move the map's counts to the sorter and empty it; -1 on a sorter error. */
static int ranker_flush(struct ranker *r)
{
	int rc = 0;
	for (size_t i = 0; i < r->counts.cap && rc == 0; i++) {
		const struct strmap_slot *sl = &r->counts.slots[i];
		if (!sl->key.p)
			continue;
		uint64_t n = sl->val;
		buf_reset(&r->rec);
		buf_add(&r->rec, &n, RANK_HDR);
		buf_addsv(&r->rec, sl->key);
		rc = r->rec.err ? -1 : spill_add(r->sp, r->rec.p, r->rec.len);
	}
	strmap_release(&r->counts);
	r->counts = (struct strmap)STRMAP_INIT;
	return rc;
}

/* Count one occurrence of name (empty names are skipped); -1 out of memory or on a sorter error. */
static int ranker_add(struct ranker *r, sv name)
{
	bool created;
	if (sv_empty(name))
		return 0;
	uintptr_t *v = strmap_put(&r->counts, name, 0, &created);
	if (!v) {
		/* Memory is short: what the map holds goes to the sorter, then once more. */
		if (ranker_flush(r) < 0 || !(v = strmap_put(&r->counts, name, 0, &created)))
			return -1;
	}
	++*v;
	if (created && r->counts.keys.used + r->counts.cap * sizeof(struct strmap_slot) > r->cap)
		return ranker_flush(r);
	return 0;
}

static void ranker_free(struct ranker *r)
{
	spill_free(r->sp);
	strmap_release(&r->counts);
	buf_release(&r->rec);
	r->sp = NULL;
	r->counts = (struct strmap)STRMAP_INIT;
}

/* Offer (name, count) to the top list top[0..*n), best first; names copied into names[]. */
static void offer(struct rep_rank *top, struct buf *names, size_t *n, sv name, size_t count)
{
	struct rep_rank cand = { name, count };
	if (*n == REP_TOP && cmp_rank(&cand, &top[REP_TOP - 1]) >= 0)
		return;
	size_t at = *n < REP_TOP ? (*n)++ : REP_TOP - 1;
	struct buf spare = names[at];	/* the slot falling off (or a new one) */
	while (at > 0 && cmp_rank(&cand, &top[at - 1]) < 0) {
		top[at] = top[at - 1];
		names[at] = names[at - 1];
		at--;
	}
	buf_reset(&spare);
	buf_addsv(&spare, name);
	names[at] = spare;
	top[at].name = buf_sv(&names[at]);
	top[at].count = count;
}

/* Top REP_TOP names by occurrence, ties by name; copied into a.  -1 on a sorter error. */
static int ranker_top(struct ranker *r, struct arena *a, struct rep_rank **out, size_t *nout)
{
	struct rep_rank top[REP_TOP];
	struct buf names[REP_TOP];
	size_t n = 0, count = 0;
	struct buf cur = BUF_INIT;
	const void *rec;
	size_t len;
	int rc;

	for (size_t i = 0; i < REP_TOP; i++)
		names[i] = (struct buf)BUF_INIT;
	*out = NULL;
	*nout = 0;
	if (!spill_count(r->sp)) {
		/* Never flushed: the map holds every name once, with its whole count. */
		for (size_t i = 0; i < r->counts.cap; i++)
			if (r->counts.slots[i].key.p)
				offer(top, names, &n, r->counts.slots[i].key, r->counts.slots[i].val);
		rc = 0;
		goto done;
	}
	if (ranker_flush(r) < 0 || spill_rewind(r->sp) < 0)
		return -1;
	while ((rc = spill_next(r->sp, &rec, &len)) > 0) {
		uint64_t k;
		if (len < RANK_HDR) {
			rc = spill_set_error(r->sp, EIO);	/* not what was written */
			break;
		}
		memcpy(&k, rec, RANK_HDR);
		sv name = sv_make((const char *)rec + RANK_HDR, len - RANK_HDR);
		if (count && sv_eq(buf_sv(&cur), name)) {
			count += (size_t)k;
			continue;
		}
		if (count)
			offer(top, names, &n, buf_sv(&cur), count);
		buf_reset(&cur);
		buf_addsv(&cur, name);
		count = (size_t)k;
	}
	if (count && rc == 0)
		offer(top, names, &n, buf_sv(&cur), count);
done:
	if (rc == 0 && n) {
		*out = arena_alloc(a, n * sizeof(**out));
		for (size_t i = 0; i < n; i++) {
			(*out)[i].name = arena_sv(a, top[i].name);
			(*out)[i].count = top[i].count;
		}
		*nout = n;
	}
	bool err = cur.err;
	for (size_t i = 0; i < REP_TOP; i++) {
		err |= names[i].err;
		buf_release(&names[i]);
	}
	buf_release(&cur);
	return rc < 0 || err ? -1 : 0;
}

/* ---- summary ------------------------------------------------------------ */

/*
 * What the reports say of check index `check`: the policy's check, else the
 * built-in catalogue's (a report without rules), else "unknown-check" with
 * no title and no principles.  The one fallback of rep_check_*().
 */
struct check_view {
	const char *id, *title;
	unsigned principles;
};

static struct check_view check_view(const struct rep_ctx *c, uint32_t check)
{
	const struct pol_check *pc = c->pol && check < c->pol->nchecks ? &c->pol->checks[check] : NULL;
	const struct chk_info *ci = check < CHK_BUILTIN_COUNT ? chk_info((enum chk_id)check) : NULL;
	struct check_view v = { "unknown-check", "", 0 };

	if (ci)
		v = (struct check_view){ ci->id, ci->title, ci->principles };
	if (pc) {
		v.principles = pc->principles;
		v.id = pc->id ? pc->id : v.id;
		v.title = pc->title ? pc->title : v.title;
	}
	return v;
}

unsigned rep_check_principles(const struct rep_ctx *c, uint32_t check)
{
	return check_view(c, check).principles;
}

const char *rep_check_id(const struct rep_ctx *c, uint32_t check)
{
	return check_view(c, check).id;
}

const char *rep_check_title(const struct rep_ctx *c, uint32_t check)
{
	return check_view(c, check).title;
}

struct rep_summary *rep_summarize(const struct rep_ctx *c)
{
	const struct fnd_list *l = &c->res->findings;
	struct rep_summary *s = calloc(1, sizeof(*s));
	struct ranker rk[3];
	size_t budget = l->budget ? l->budget : FND_MEMORY_BUDGET;
	struct fnd_iter it;
	const struct finding *f;
	struct grp_builder gb;
	bool ok = true;
	int p;

	for (int k = 0; k < 3; k++)
		rk[k] = (struct ranker){ NULL, STRMAP_INIT, budget / RANK_MAP_SHARE, BUF_INIT };
	if (!s)
		return NULL;
	/*
	 * The groups are made in the same reading of the list as the counts;
	 * those of a spilled list spill past 1.5 times its budget (groups.h):
	 * the 50,000 groups of a 2M-line crm log (20 MB) stay in memory, as
	 * fast as before, and the spilled path is for more.  Its peak: the
	 * list's sorter (one budget) and the grouper (1.5) before it spills.
	 */
	grp_build_start(&gb, l, fnd_spilled(l) ? budget + budget / 2 : 0);
	s->grouped = !c->no_groups;
	s->nby_check = c->pol && c->pol->nchecks > CHK_BUILTIN_COUNT ? c->pol->nchecks
								      : CHK_BUILTIN_COUNT;
	s->by_check = calloc(s->nby_check, sizeof(*s->by_check));
	if (!s->by_check)
		goto fail;
	for (int k = 0; k < 3; k++)
		if (!(rk[k].sp = spill_new(name_cmp, NULL, budget / 64)))
			goto fail;
		else
			spill_memory_fallback(rk[k].sp);
	fnd_iter_start(l, &it);
	while ((f = fnd_iter_next(&it))) {
		unsigned pr = rep_check_principles(c, f->check);
		enum sev sv_ = f->severity < SEV_COUNT ? f->severity : SEV_CRITICAL;

		if (s->grouped)
			grp_build_add(&gb, f);
		if (f->suppressed) {
			s->suppressed++;
			continue;
		}
		s->findings++;
		s->total_by_sev[sv_]++;
		if (c->fail_on != SEV_NONE && sv_ >= c->fail_on)
			s->failing++;
		if (f->check < s->nby_check)
			s->by_check[f->check]++;
		for (p = 0; p < PR_COUNT; p++)
			if (pr & PR_BIT(p))
				s->by_sev[p][sv_]++;
		if (ranker_add(&rk[0], f->user) < 0 || ranker_add(&rk[1], f->role) < 0 ||
		    ranker_add(&rk[2], f->subject) < 0) {
			ok = false;
			break;
		}
	}
	if (!ok || fnd_error(l))
		goto fail;
	for (p = 0; p < PR_COUNT; p++) {
		size_t k, any = 0;

		for (k = SEV_LOW; k < SEV_COUNT; k++)
			any += s->by_sev[p][k];
		if (any)
			s->status[p] = REP_FAIL;
		else if (c->res->assessed[p] > 0)
			s->status[p] = REP_PASS;
		else
			s->status[p] = REP_NOT_ASSESSED;
	}
	if (ranker_top(&rk[0], &s->arena, &s->top_users, &s->ntop_users) < 0 ||
	    ranker_top(&rk[1], &s->arena, &s->top_roles, &s->ntop_roles) < 0 ||
	    ranker_top(&rk[2], &s->arena, &s->top_subjects, &s->ntop_subjects) < 0)
		goto fail;
	for (int k = 0; k < 3; k++)
		ranker_free(&rk[k]);
	if (!s->grouped)
		grp_build_drop(&gb);
	else if (grp_build_finish(&gb, c->pol, &s->groups) < 0) {
		int e = errno;
		rep_summary_free(s);
		errno = e;
		return NULL;
	}
	return s;
fail:
	grp_build_drop(&gb);
	for (int k = 0; k < 3; k++)
		ranker_free(&rk[k]);
	rep_summary_free(s);
	return NULL;
}

void rep_summary_free(struct rep_summary *s)
{
	if (!s)
		return;
	grp_release(&s->groups);
	arena_release(&s->arena);
	free(s->by_check);
	free(s);
}

void rep_shown_init(struct rep_shown *sh, const struct rep_ctx *c)
{
	memset(sh, 0, sizeof(*sh));
	sh->l = &c->res->findings;
	sh->copies = (struct fnd_list)FND_LIST_INIT;
}

int rep_shown_want(struct rep_shown *sh, size_t i)
{
	if (!fnd_spilled(sh->l))
		return 0;
	if (sh->n == sh->cap) {
		size_t ncap = sh->cap ? sh->cap * 2 : 64;
		size_t *ni = try_reallocarray(sh->idx, ncap, sizeof(*ni));
		if (!ni)
			return -1;
		sh->idx = ni;
		sh->cap = ncap;
	}
	sh->idx[sh->n++] = i;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

int rep_shown_fetch(struct rep_shown *sh)
{
	if (!fnd_spilled(sh->l) || !sh->n)
		return 0;
	qsort(sh->idx, sh->n, sizeof(*sh->idx), cmp_size);
	size_t k = 0;
	for (size_t i = 0; i < sh->n; i++)	/* distinct */
		if (!k || sh->idx[k - 1] != sh->idx[i])
			sh->idx[k++] = sh->idx[i];
	sh->n = k;
	struct fnd_iter it;
	const struct finding *f;
	k = 0;
	for (fnd_iter_start(sh->l, &it); k < sh->n && (f = fnd_iter_next(&it));)
		if (it.i - 1 == sh->idx[k]) {
			if (!fnd_add(&sh->copies, f))
				return -1;
			k++;
		}
	return k == sh->n ? 0 : -1;
}

const struct finding *rep_shown_get(const struct rep_shown *sh, size_t i)
{
	if (!fnd_spilled(sh->l))
		return i < sh->l->n ? &sh->l->v[i] : NULL;
	const size_t *at = bsearch(&i, sh->idx, sh->copies.n, sizeof(*sh->idx), cmp_size);
	return at ? &sh->copies.v[at - sh->idx] : NULL;
}

void rep_shown_free(struct rep_shown *sh)
{
	free(sh->idx);
	fnd_release(&sh->copies);
	sh->idx = NULL;
	sh->n = sh->cap = 0;
}

/* ---- the findings shown, streamed ------------------------------------------ */

/* Compare the records' leading u64s, the first n of them. */
static int cmp_u64s(const void *a, size_t an, const void *b, size_t bn, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x = 0, y = 0;
		if (an >= (i + 1) * 8)
			memcpy(&x, (const char *)a + i * 8, 8);
		if (bn >= (i + 1) * 8)
			memcpy(&y, (const char *)b + i * 8, 8);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* Names: (index, key, pos), a total order. */
static int want_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)ctx;
	return cmp_u64s(a, an, b, bn, 3);
}

/* Copies: (key, pos); one per name, so distinct where the caller's pairs are. */
static int got_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)ctx;
	return cmp_u64s(a, an, b, bn, 2);
}

static int stream_fail(struct rep_stream *st, int e)
{
	if (!st->err)
		st->err = e ? e : EIO;
	errno = st->err;
	return -1;
}

void rep_stream_init(struct rep_stream *st, const struct fnd_list *l, size_t budget)
{
	memset(st, 0, sizeof(*st));
	st->l = l;
	st->rec = (struct buf)BUF_INIT;
	st->enc = (struct buf)BUF_INIT;
	st->want = spill_new(want_cmp, NULL, budget);
	st->got = spill_new(got_cmp, NULL, budget);
	if (!st->want || !st->got)
		stream_fail(st, ENOMEM);
}

int rep_stream_want(struct rep_stream *st, uint64_t key, uint64_t pos, size_t index)
{
	uint64_t r[3] = { index, key, pos };
	if (st->err)
		return stream_fail(st, st->err);
	if (index >= st->l->n)
		return stream_fail(st, EINVAL);	/* a caller's bug: never a silent hole */
	if (spill_add(st->want, r, sizeof(r)) < 0)
		return stream_fail(st, errno);
	return 0;
}

int rep_stream_fetch(struct rep_stream *st)
{
	struct fnd_iter it;
	const struct finding *f = NULL;
	const void *rec;
	size_t n;
	int rc;

	if (st->err)
		return stream_fail(st, st->err);
	if (spill_rewind(st->want) < 0)
		return stream_fail(st, errno);
	fnd_iter_start(st->l, &it);
	while ((rc = spill_next(st->want, &rec, &n)) > 0) {
		uint64_t r[3];
		if (n != sizeof(r))
			return stream_fail(st, EIO);	/* not what was written */
		memcpy(r, rec, sizeof(r));
		/* The names come by index: the list is read once, forward. */
		while ((!f || it.i - 1 < r[0]) && (f = fnd_iter_next(&it)))
			;
		if (!f || it.i - 1 != r[0])
			return stream_fail(st, fnd_error(st->l) ? fnd_error(st->l) : EINVAL);
		fnd_encode(&st->enc, f);
		buf_reset(&st->rec);
		buf_add(&st->rec, r + 1, 16);
		buf_add(&st->rec, st->enc.p, st->enc.len);
		if (st->enc.err || st->rec.err)
			return stream_fail(st, ENOMEM);
		if (spill_add(st->got, st->rec.p, st->rec.len) < 0)
			return stream_fail(st, errno);
	}
	if (rc < 0)
		return stream_fail(st, errno);
	/* The names are spent: their memory goes before the copies are read. */
	spill_free(st->want);
	st->want = NULL;
	buf_release(&st->enc);
	if (spill_rewind(st->got) < 0)
		return stream_fail(st, errno);
	return 0;
}

int rep_stream_next(struct rep_stream *st, uint64_t *key, uint64_t *pos,
		    const struct finding **f)
{
	const void *rec;
	size_t n;

	if (st->err)
		return stream_fail(st, st->err);
	int rc = spill_next(st->got, &rec, &n);
	if (rc < 0)
		return stream_fail(st, errno);
	if (rc == 0) {
		spill_stop(st->got);
		return 0;
	}
	if (n < 16 || !fnd_decode((const char *)rec + 16, n - 16, &st->f))
		return stream_fail(st, EIO);
	memcpy(key, rec, 8);
	memcpy(pos, (const char *)rec + 8, 8);
	*f = &st->f;
	return 1;
}

int rep_stream_error(const struct rep_stream *st)
{
	return st->err;
}

void rep_stream_free(struct rep_stream *st)
{
	spill_free(st->want);
	spill_free(st->got);
	buf_release(&st->rec);
	buf_release(&st->enc);
	st->want = st->got = NULL;
}

void rep_fail(const struct rep_ctx *c, int e)
{
	if (c->werr && !*c->werr)
		*c->werr = e ? e : ENOMEM;
}

const struct fnd_group *rep_keep(struct rep_kept *k, const struct rep_summary *s,
				 const struct fnd_group *g, size_t members)
{
	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 64;
		k->v = xreallocarray(k->v, ncap, sizeof(*k->v));
		k->cap = ncap;
	}
	if (!grp_spilled(&s->groups))
		return k->v[k->n++] = g;
	/* A copy: the iterator's group and its strings go with its next call. */
	struct fnd_group *c = arena_alloc(&k->a, sizeof(*c));
	*c = *g;
	c->user = arena_sv(&k->a, g->user);
	c->subject = arena_sv(&k->a, g->subject);
	c->role = arena_sv(&k->a, g->role);
	c->first_detail = arena_sv(&k->a, g->first_detail);
	if (members > g->count)
		members = g->count;
	size_t *m = arena_alloc(&k->a, (members ? members : 1) * sizeof(*m));
	if (grp_members(&s->groups, g, 0, m, members) < members)
		return NULL;
	c->members = m;
	return k->v[k->n++] = c;
}

void rep_kept_free(struct rep_kept *k)
{
	free(k->v);
	arena_release(&k->a);
	*k = (struct rep_kept)REP_KEPT_INIT;
}

size_t rep_check_findings(const struct rep_summary *s, size_t check)
{
	return check < s->nby_check ? s->by_check[check] : 0;
}

/* ---- the verdict -------------------------------------------------------- */

const char *rep_verdict_name(enum rep_verdict v)
{
	switch (v) {
	case REP_V_PASS: return "PASS";
	case REP_V_FAIL: return "FAIL";
	case REP_V_INCOMPLETE: return "INCOMPLETE";
	case REP_V_NOTHING_AUDITED: return "NOTHING AUDITED";
	default: return "NOT ASSESSED";
	}
}

const char *rep_verdict_key(enum rep_verdict v)
{
	switch (v) {
	case REP_V_PASS: return "pass";
	case REP_V_FAIL: return "fail";
	case REP_V_INCOMPLETE: return "incomplete";
	case REP_V_NOTHING_AUDITED: return "nothing audited";
	default: return "not assessed";
	}
}

enum rep_verdict rep_verdict_of(const struct aud_result *res, size_t findings, size_t failing,
				enum sev fail_on)
{
	if (res->records == 0)
		return REP_V_NOTHING_AUDITED;
	if (fail_on != SEV_NONE ? failing > 0 : findings > 0)
		return REP_V_FAIL;
	if (res->incomplete)
		return REP_V_INCOMPLETE;
	if (res->pd_reads == 0)
		return REP_V_NOT_ASSESSED;
	return REP_V_PASS;
}

enum rep_verdict rep_verdict(const struct rep_ctx *c)
{
	size_t findings = c->sum ? c->sum->findings : 0, failing = c->sum ? c->sum->failing : 0;
	return rep_verdict_of(c->res, findings, failing, c->fail_on);
}

int rep_verdict_exit(enum rep_verdict v, const struct aud_result *res, enum sev fail_on)
{
	if (res->incomplete || v == REP_V_NOTHING_AUDITED || v == REP_V_INCOMPLETE)
		return DPF_EXIT_INCOMPLETE;
	if (v == REP_V_FAIL)
		return fail_on != SEV_NONE ? DPF_EXIT_FINDINGS : DPF_EXIT_OK;
	if (v == REP_V_NOT_ASSESSED && fail_on != SEV_NONE)
		return DPF_EXIT_INCOMPLETE;
	return DPF_EXIT_OK;
}

const char *rep_verdict_reason(const struct aud_result *r, enum rep_verdict v, char *out,
			       size_t cap)
{
	if (v == REP_V_NOTHING_AUDITED && r->ninputs == 0)
		snprintf(out, cap, "no input");
	else if (v == REP_V_NOTHING_AUDITED)
		snprintf(out, cap, "no record in %zu input%s (%llu line%s, blank or comments only)",
			 r->ninputs, r->ninputs == 1 ? "" : "s", (unsigned long long)r->lines,
			 r->lines == 1 ? "" : "s");
	else if (v == REP_V_NOT_ASSESSED && r->parsed == 0)
		snprintf(out, cap, "no record parsed (%llu skipped as no access, %llu unparsed): "
			 "no principle could be tested", (unsigned long long)r->skipped,
			 (unsigned long long)r->unparsed);
	else if (v == REP_V_NOT_ASSESSED)
		snprintf(out, cap, "no personal-data read recognised in %llu parsed record%s: "
			 "no principle could be tested; do the categories match this log?",
			 (unsigned long long)r->parsed, r->parsed == 1 ? "" : "s");
	else
		return NULL;
	return out;
}

void rep_headline(const struct rep_ctx *c, struct buf *out)
{
	enum rep_verdict v = rep_verdict(c);
	size_t n = c->sum ? c->sum->findings : 0;
	char why[256];

	/* FAIL without --fail-on exits 0: the headline must not say it failed. */
	buf_adds(out, v == REP_V_FAIL && c->fail_on == SEV_NONE ? REP_NO_GATE_HEADLINE :
		      rep_verdict_name(v));
	buf_adds(out, ": ");
	switch (v) {
	case REP_V_FAIL:
		buf_addf(out, "%zu finding%s", n, n == 1 ? "" : "s");
		break;
	case REP_V_INCOMPLETE:
		buf_addf(out, "%zu finding%s in what could be read", n, n == 1 ? "" : "s");
		break;
	case REP_V_PASS:
		if (n)
			buf_addf(out, "%zu finding%s below --fail-on %s", n, n == 1 ? "" : "s",
				 sev_name(c->fail_on));
		else
			buf_adds(out, "no findings");
		break;
	default:
		buf_adds(out, rep_verdict_reason(c->res, v, why, sizeof(why)));
		break;
	}
}

/* ---- helpers for the writers -------------------------------------------- */

struct red *rep_red_new(const struct rep_ctx *c)
{
	return c->redact ? red_new(c->pol) : NULL;
}

sv rep_clean(const struct rep_ctx *c, struct red *r, sv s, struct buf *scratch)
{
	buf_reset(scratch);
	if (r)
		red_apply(r, s, scratch);
	else if (c->redact)
		return SV_LIT("[redacted]");
	else
		esc_utf8_fix(scratch, s);
	if (scratch->err)
		return SV_LIT("[redacted]");
	return buf_sv(scratch);
}

void rep_flush(struct buf *b, FILE *out, size_t at)
{
	if (b->len < at || (!b->len && !b->err))
		return;
	if (b->err)
		xalloc_oom(b->len);
	fwrite(b->p, 1, b->len, out);
	buf_reset(b);
}

void rep_time_iso(int64_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		memcpy(out, "invalid-time", sizeof("invalid-time"));
}

void rep_categories(const struct policy *p, uint64_t bits, const char *sep, struct buf *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < 64; i++) {
		if (!(bits & ((uint64_t)1 << i)))
			continue;
		if (!first)
			buf_adds(out, sep);
		first = 0;
		if (p && i < p->ncategories && p->categories[i].name)
			buf_adds(out, p->categories[i].name);
		else
			buf_addf(out, "category-%zu", i);
	}
}

void rep_principles_json(struct jw *w, unsigned bits)
{
	jw_array_begin(w, JW_INLINE);
	for (int p = 0; p < PR_COUNT; p++)
		if (bits & PR_BIT(p))
			jw_cstr(w, pr_slug((enum principle)p));
	jw_array_end(w);
}

const char *rep_input_path(const struct rep_ctx *c, uint32_t file)
{
	if (file < c->res->ninputs && c->res->inputs[file].path)
		return c->res->inputs[file].path;
	return "?";
}

/* ---- writer table ------------------------------------------------------- */

static const struct rep_writer *const writers[] = {
	&rep_text, &rep_json, &rep_html, &rep_sarif, &rep_junit, &rep_csv, &rep_markdown,
};

const struct rep_writer *rep_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i]->name, name))
			return writers[i];
	if (!strcmp(name, "md"))
		return &rep_markdown;
	return NULL;
}

const char *rep_names(void)
{
	/* Derived from the table, so a new writer needs no second list; built
	 * once, on the first call (from the command line's thread). */
	static char names[256];

	if (!names[0]) {
		size_t n = 0;
		for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
					      writers[i]->name);
	}
	return names;
}

/* ---- writing ------------------------------------------------------------ */

/* Run the writer on out; returns 0 or an errno value. */
struct write_job {
	const struct rep_writer *w;
	const struct rep_ctx *c;
};

/* sf_fn: one writer; its errno (at the failing write) is the cause to report. */
static int run_writer(void *arg, FILE *out)
{
	const struct write_job *j = arg;
	errno = 0;
	j->w->write(j->c, out);
	if (ferror(out))
		return errno ? errno : EIO;
	/* Spilled findings or groups that could not be read back: the report is not whole. */
	int e = *j->c->werr ? *j->c->werr : fnd_error(&j->c->res->findings);
	return e ? e : grp_error(&j->c->sum->groups);
}

bool rep_uses_groups(const struct rep_writer *w, const struct rep_ctx *c)
{
	return w->uses_groups && w->uses_groups(c);
}

bool rep_groups_always(const struct rep_ctx *c)
{
	(void)c;
	return true;
}

int rep_write(const struct rep_writer *w, const struct rep_ctx *c0, const char *path,
	      struct diag *err)
{
	struct rep_ctx c = *c0;
	struct rep_summary *own = NULL;
	const char *shown = path && strcmp(path, "-") ? path : "standard output";

	if (c.sum && !c.sum->grouped && rep_uses_groups(w, &c))
		/* The caller's bug: never a report with its groups missing. */
		return diag_set(err, "%s: not written: the %s report needs the groups of the "
				"findings, and they were not made", shown, w->name);
	if (!c.sum) {
		errno = 0;
		c.no_groups = !rep_uses_groups(w, &c);
		own = rep_summarize(&c);
		if (!own)
			return diag_set(err, "%s: not written: the findings could not be summarized "
					"(counts, rankings, groups): %s", shown,
					strerror(errno ? errno : ENOMEM));
		c.sum = own;
	}
	int werr = 0;
	c.werr = &werr;
	struct write_job j = { w, &c };
	int ret = sf_write(path, run_writer, &j, err);
	rep_summary_free(own);
	return ret;
}
