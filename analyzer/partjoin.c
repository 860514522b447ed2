/*
 * partjoin.c - joining partial results (partjoin.h): the inputs of every
 * set in the order of one run, their findings, window records and limit
 * hits remapped onto the joined input indexes.
 */
#include "common.h"

#include "partjoin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"
#include "windows.h"

struct slot {
	size_t set, input;		/* set == SIZE_MAX: an input that no set holds */
	const struct part_origin *o;	/* NULL for those: see missing */
	const char *path;
	struct part_origin missing;
};

static const struct part_origin *origin_of(const struct slot *s)
{
	return s->set == SIZE_MAX ? &s->missing : s->o;
}

static int slot_cmp(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;
	const struct part_origin *ao = origin_of(a), *bo = origin_of(b);
	if (ao->index != bo->index)
		return ao->index < bo->index ? -1 : 1;
	int c = strcmp(a->path, b->path);
	if (c)
		return c;
	c = strcmp(ao->run, bo->run);
	if (c)
		return c;
	/* Equal origins are a duplicate, reported by the caller; keep the order total. */
	if (a->set != b->set)
		return a->set < b->set ? -1 : 1;
	return (a->input > b->input) - (a->input < b->input);
}

struct remap_ctx {
	struct win_log *dst;
	const size_t *map;
};

static void remap_window(void *arg, const struct win_record *r)
{
	struct remap_ctx *c = arg;
	struct win_record w = *r;
	w.file = (uint32_t)c->map[r->file];
	win_add_record(c->dst, &w);
}

static int run_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct part_run *)pa)->id, ((const struct part_run *)pb)->id);
}

/* Whether set input i is joined input i for every input. */
static bool identity(const size_t *map, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (map[i] != i)
			return false;
	return true;
}

/* Every input of res still complete is no longer: text says why. */
static void all_incomplete(struct aud_result *res, const char *text)
{
	for (size_t i = 0; i < res->ninputs; i++) {
		struct aud_input *in = &res->inputs[i];
		if (in->complete) {
			in->complete = false;
			in->error = arena_strndup(&res->arena, text, strlen(text));
		}
	}
}

/*
 * Copy l's findings into res's list, input indexes through map (bounded
 * memory: l read once, in order).  A finding not kept makes its input
 * incomplete, saying so.  l is released; returns its read error (an errno
 * value), or 0.
 */
static int copy_findings(struct aud_result *res, struct fnd_list *l, const size_t *map)
{
	static const char lost[] = "finding(s) not kept joining the partials: out of memory, "
				   "or no temporary file for the findings";
	struct fnd_iter it;
	const struct finding *f;
	for (fnd_iter_start(l, &it); (f = fnd_iter_next(&it));) {
		struct finding c = *f;
		c.file = (uint32_t)map[f->file];
		if (!fnd_add_whole(&res->findings, &c)) {
			struct aud_input *in = &res->inputs[c.file];
			in->findings_lost++;
			if (in->complete) {
				in->complete = false;
				in->error = arena_strndup(&res->arena, lost, sizeof(lost) - 1);
			}
		}
	}
	int e = fnd_error(l);
	fnd_release(l);
	return e;
}

/* The text of an input whose findings could not be read back (a temporary file's errno e). */
static void unread_text(char *text, size_t n, int e)
{
	snprintf(text, n, "the findings could not be read back whole: temporary file: %s",
		 strerror(e));
}

/*
 * The findings of sets read with a budget (partial.h part_read), in
 * bounded memory: each set's list read once, its input indexes remapped,
 * into res's list of the largest budget (spilling past it); one set whose
 * inputs keep their indexes is moved as it is.  A finding not kept, or a
 * set's list that cannot be read back, makes the inputs concerned
 * incomplete, saying so.
 */
static void join_findings(struct aud_result *res, struct part_set *sets, size_t n,
			  size_t *const *maps, size_t budget)
{
	if (n == 1 && identity(maps[0], sets[0].res.ninputs)) {
		res->findings = sets[0].res.findings;
		sets[0].res.findings = (struct fnd_list)FND_LIST_INIT;
		return;
	}
	res->findings.budget = budget;
	for (size_t s = 0; s < n; s++) {
		int e = copy_findings(res, &sets[s].res.findings, maps[s]);
		if (e) {
			char text[256];
			unread_text(text, sizeof(text), e);
			for (size_t i = 0; i < sets[s].res.ninputs; i++) {
				struct aud_input *in = &res->inputs[maps[s][i]];
				if (in->complete) {
					in->complete = false;
					in->error = arena_strndup(&res->arena, text, strlen(text));
				}
			}
		}
	}
}

/*
 * The pool's findings and window records into res, renumbered through
 * gmap (pool index -> joined index).  The findings move as they are when
 * no index changes or they are in memory (renumbered in place: their
 * order is fixed by fnd_sort() later); else they are copied once.  The
 * log moves when no index changes, else is copied and freed at once (its
 * temporary files closed).  The pool is left empty.
 */
static void join_pool(struct aud_result *res, struct part_pool *pool, const size_t *gmap,
		      size_t *wlost, int *werr)
{
	size_t n = pool->ninputs;
	bool same = identity(gmap, n);
	struct fnd_list *l = &pool->findings;

	if (same || !fnd_spilled(l)) {
		if (!same) {
			uint32_t max = 0;
			for (size_t i = 0; i < l->n; i++) {
				l->v[i].file = (uint32_t)gmap[l->v[i].file];
				if (l->v[i].file > max)
					max = l->v[i].file;
			}
			l->max_file = max;
		}
		fnd_release(&res->findings);
		res->findings = *l;
		*l = (struct fnd_list)FND_LIST_INIT;
	} else {
		res->findings.budget = l->budget;
		int e = copy_findings(res, l, gmap);
		if (e) {
			char text[256];
			unread_text(text, sizeof(text), e);
			all_incomplete(res, text);
		}
	}

	if (same) {
		win_log_free(res->windows);
		res->windows = pool->windows;
	} else {
		struct remap_ctx rc = { res->windows, gmap };
		win_log_set_memory(res->windows, pool->window_memory);
		win_foreach(pool->windows, remap_window, &rc);
		int e = win_error(pool->windows);
		if (e) {
			char text[256];
			snprintf(text, sizeof(text), "the windowed checks could not be judged whole: "
				 "temporary file: %s", strerror(e));
			all_incomplete(res, text);
		}
		/* Records the pool could not keep: counted with those the copy could not (part_join). */
		*wlost += win_dropped(pool->windows);
		*werr = win_drop_error(pool->windows);
		win_log_free(pool->windows);
	}
	pool->windows = NULL;
}

/*
 * Window records not kept reading or joining the partials (wlost, besides
 * those res's log counts; werr: why, as win_drop_error): every input is
 * incomplete, saying what happened, never a silent drop.
 */
static void windows_lost(struct aud_result *res, size_t wlost, int werr)
{
	wlost += win_dropped(res->windows);
	if (win_drop_error(res->windows))
		werr = win_drop_error(res->windows);
	if (!wlost)
		return;
	char text[256];
	snprintf(text, sizeof(text), "%zu window record(s) not kept reading or joining the partials: "
		 "%s%s", wlost, werr && werr != ENOMEM ? "temporary file for the window records: " : "",
		 werr && werr != ENOMEM ? strerror(werr) : "out of memory");
	all_incomplete(res, text);
}

int part_join(struct part_set *out, struct part_set *sets, size_t n, struct part_pool *pool,
	      bool fill_missing, const struct policy *pol, struct diag *err)
{
	struct aud_result *res = &out->res;
	struct slot *slots = NULL;
	size_t **maps = NULL, *gmap = NULL;
	size_t nslots = 0, cap = 0;
	uint64_t *hits = NULL;
	const struct rx **rx = NULL;
	size_t nrx = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	snprintf(out->digest, sizeof(out->digest), "%s", pol->digest);
	res->windows = win_log_new();

	/* The runs: every run any set knows, once. */
	for (size_t s = 0; s < n; s++) {
		for (size_t i = 0; i < sets[s].nruns; i++) {
			const struct part_run *run = &sets[s].runs[i];
			struct part_run *have = part_run_find(out, run->id);
			if (have) {
				if (have->ninputs != run->ninputs) {
					diag_set(err, "run %s has %zu inputs in one partial, %zu in another",
						 run->id, have->ninputs, run->ninputs);
					goto out;
				}
				continue;
			}
			struct part_run *nv = realloc(out->runs, (out->nruns + 1) * sizeof(*nv));
			if (!nv)
				goto oom;
			out->runs = nv;
			out->runs[out->nruns++] = *run;	/* paths: in sets[s]'s arena, moved below */
		}
	}
	if (out->nruns > 1)
		qsort(out->runs, out->nruns, sizeof(*out->runs), run_cmp);

	/* Every input, and (for a report) every input of a run that no set holds. */
	maps = calloc(n ? n : 1, sizeof(*maps));
	if (!maps)
		goto oom;
	for (size_t s = 0; s < n; s++) {
		maps[s] = calloc(sets[s].res.ninputs ? sets[s].res.ninputs : 1, sizeof(size_t));
		if (!maps[s])
			goto oom;
		for (size_t i = 0; i < sets[s].res.ninputs; i++) {
			if (nslots == cap) {
				cap = cap ? cap * 2 : 64;
				struct slot *nv = realloc(slots, cap * sizeof(*nv));
				if (!nv)
					goto oom;
				slots = nv;
			}
			slots[nslots++] = (struct slot){ s, i, &sets[s].origin[i],
							 sets[s].res.inputs[i].path, { "", 0 } };
		}
	}
	if (fill_missing) {
		for (size_t k = 0; k < out->nruns; k++) {
			const struct part_run *run = &out->runs[k];
			bool *seen = calloc(run->ninputs ? run->ninputs : 1, sizeof(bool));
			if (!seen)
				goto oom;
			for (size_t i = 0; i < nslots; i++)
				if (slots[i].set != SIZE_MAX && !strcmp(slots[i].o->run, run->id))
					seen[slots[i].o->index] = true;
			for (size_t g = 0; g < run->ninputs; g++) {
				if (seen[g])
					continue;
				if (nslots == cap) {
					cap = cap ? cap * 2 : 64;
					struct slot *nv = realloc(slots, cap * sizeof(*nv));
					if (!nv) {
						free(seen);
						goto oom;
					}
					slots = nv;
				}
				struct slot *sl = &slots[nslots++];
				*sl = (struct slot){ SIZE_MAX, SIZE_MAX, NULL, run->paths[g], { "", g } };
				memcpy(sl->missing.run, run->id, 17);
			}
			free(seen);
		}
	}
	if (nslots > 1)
		qsort(slots, nslots, sizeof(*slots), slot_cmp);

	for (size_t i = 1; i < nslots; i++) {
		const struct slot *a = &slots[i - 1], *b = &slots[i];
		if (a->set != SIZE_MAX && b->set != SIZE_MAX && a->o->index == b->o->index &&
		    !strcmp(a->o->run, b->o->run)) {
			diag_set(err, "%s: the same input (run %s, input %" PRIu64 ") is in two "
				 "partials: %s and %s", b->path, b->o->run, b->o->index,
				 sets[a->set].name ? sets[a->set].name : "?",
				 sets[b->set].name ? sets[b->set].name : "?");
			goto out;
		}
	}

	/*
	 * The same file (path, size and content) in two runs is one input
	 * audited twice (a re-run with another N, a partial kept from last
	 * night): its findings would count twice.  Empty files prove nothing.
	 */
	struct strmap files = STRMAP_INIT;
	struct buf key = BUF_INIT;
	for (size_t i = 0; i < nslots; i++) {
		const struct slot *sl = &slots[i];
		if (sl->set == SIZE_MAX)
			continue;
		const struct aud_input *in = &sets[sl->set].res.inputs[sl->input];
		if (!in->size || !in->sha256[0])
			continue;
		buf_reset(&key);
		buf_addf(&key, "%s%c%" PRIu64 "%c%s", in->path, 0, in->size, 0, in->sha256);
		bool created;
		uintptr_t *v = strmap_put(&files, buf_sv(&key), i, &created);
		if (!v) {
			strmap_release(&files);
			buf_release(&key);
			goto oom;
		}
		if (!created) {
			const struct slot *first = &slots[*v];
			diag_set(err, "%s: the same file is in two partials of different runs: %s and %s "
				 "(merge the partials of one run of each file)", in->path,
				 sets[first->set].name ? sets[first->set].name : "?",
				 sets[sl->set].name ? sets[sl->set].name : "?");
			strmap_release(&files);
			buf_release(&key);
			goto out;
		}
	}
	strmap_release(&files);
	buf_release(&key);

	res->ninputs = nslots;
	res->inputs = calloc(nslots ? nslots : 1, sizeof(*res->inputs));
	out->origin = calloc(nslots ? nslots : 1, sizeof(*out->origin));
	if (!res->inputs || !out->origin)
		goto oom;
	for (size_t i = 0; i < nslots; i++) {
		const struct slot *sl = &slots[i];
		out->origin[i] = *origin_of(sl);
		if (sl->set == SIZE_MAX) {
			struct aud_input *in = &res->inputs[i];
			char msg[256];
			const struct part_run *run = part_run_find(out, origin_of(sl)->run);
			snprintf(msg, sizeof(msg), "not in any partial given to merge (input %" PRIu64
				 " of %zu of run %s%s)", origin_of(sl)->index, run ? run->ninputs : (size_t)0,
				 origin_of(sl)->run, run && run->shards ? ": a shard's partial is missing" : "");
			in->path = sl->path;
			in->compression = "none";
			in->error = arena_strndup(&res->arena, msg, strlen(msg));
			continue;
		}
		res->inputs[i] = sets[sl->set].res.inputs[sl->input];
		maps[sl->set][sl->input] = i;
	}

	/* Findings and window records, their input indexes remapped. */
	size_t wlost = 0;
	int werr = 0;
	if (pool) {
		gmap = calloc(pool->ninputs ? pool->ninputs : 1, sizeof(*gmap));
		if (!gmap)
			goto oom;
		for (size_t s = 0; s < n; s++) {
			if (!sets[s].pooled || sets[s].pool_base > pool->ninputs ||
			    sets[s].res.ninputs > pool->ninputs - sets[s].pool_base) {
				diag_set(err, "partial %s: not read into this pool",
					 sets[s].name ? sets[s].name : "?");
				goto out;
			}
			for (size_t i = 0; i < sets[s].res.ninputs; i++)
				gmap[sets[s].pool_base + i] = maps[s][i];
		}
		join_pool(res, pool, gmap, &wlost, &werr);
	}
	size_t total = 0, budget = 0;
	for (size_t s = 0; s < n; s++) {
		total += sets[s].res.findings.n;
		if (sets[s].res.findings.budget > budget)
			budget = sets[s].res.findings.budget;
	}
	if (budget)
		join_findings(res, sets, n, maps, budget);
	else if (total) {
		res->findings.v = malloc(total * sizeof(*res->findings.v));
		if (!res->findings.v)
			goto oom;
		res->findings.cap = total;
	}
	for (size_t s = 0; s < n; s++) {
		struct aud_result *sr = &sets[s].res;
		for (size_t i = 0; !budget && i < sr->findings.n; i++) {
			struct finding f = sr->findings.v[i];
			f.file = (uint32_t)maps[s][f.file];
			res->findings.v[res->findings.n++] = f;
		}
		if (n == 1 && !pool && identity(maps[0], sr->ninputs)) {
			/* One set whose inputs keep their indexes: its log moves (no copy, no second file). */
			win_log_free(res->windows);
			res->windows = sr->windows;
			sr->windows = NULL;
		} else {
			struct remap_ctx rc = { res->windows, maps[s] };
			win_foreach(sr->windows, remap_window, &rc);
		}
		wlost += win_dropped(sr->windows);
		if (win_drop_error(sr->windows))
			werr = win_drop_error(sr->windows);
		res->failed_requests += sr->failed_requests;
		res->transfers += sr->transfers;
		for (int p = 0; p < PR_COUNT; p++)
			res->assessed[p] += sr->assessed[p];
		for (int h = 0; h < 24; h++)
			res->reads_by_hour[h] += sr->reads_by_hour[h];
	}

	windows_lost(res, wlost, werr);

	/* Limit hits summed per regex, listed in the policy's order as one run lists them. */
	nrx = policy_regexes(pol, NULL);
	rx = calloc(nrx + 1, sizeof(*rx));
	hits = calloc(nrx + 1, sizeof(*hits));
	if (!rx || !hits)
		goto oom;
	policy_regexes(pol, rx);
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < sets[s].res.nlimits; i++)
			if (sets[s].limit_ord[i] < nrx)
				hits[sets[s].limit_ord[i]] += sets[s].res.limits[i].hits;
	size_t nl = 0;
	for (size_t k = 0; k < nrx; k++)
		nl += hits[k] != 0;
	if (nl) {
		res->limits = calloc(nl, sizeof(*res->limits));
		out->limit_ord = calloc(nl, sizeof(*out->limit_ord));
		if (!res->limits || !out->limit_ord)
			goto oom;
		for (size_t k = 0; k < nrx; k++) {
			if (!hits[k])
				continue;
			res->limits[res->nlimits].where =
				arena_strndup(&res->arena, rx[k]->where, strlen(rx[k]->where));
			res->limits[res->nlimits].hits = (unsigned long)hits[k];
			out->limit_ord[res->nlimits] = (uint32_t)k;
			res->nlimits++;
		}
	}

	/* Everything the joined set points to moves into its arenas; the sets are released. */
	if (pool)
		arena_take(&res->arena, &pool->arena);
	for (size_t s = 0; s < n; s++) {
		arena_take(&res->arena, &sets[s].res.arena);
		arena_take(&res->findings.arena, &sets[s].res.findings.arena);
		part_set_release(&sets[s]);
	}
	aud_totals(res);
	ret = 0;
	goto out;
oom:
	diag_set(err, "out of memory");
out:
	if (maps)
		for (size_t s = 0; s < n; s++)
			free(maps[s]);
	free(maps);
	free(gmap);
	free(slots);
	free(hits);
	free(rx);
	if (ret) {
		part_set_release(out);
		for (size_t s = 0; s < n; s++)
			part_set_release(&sets[s]);
	}
	if (pool) {
		/* Emptied on success (join_pool, arena_take); on failure nothing of it is wanted. */
		fnd_release(&pool->findings);
		win_log_free(pool->windows);
		pool->windows = NULL;
		/* The runs' lists of paths moved with the arena: out->runs point at them. */
		free(pool->runs);
		pool->runs = NULL;
		pool->nruns = 0;
		pool->npaths = 0;
		arena_release(&pool->arena);
	}
	return ret;
}
