/*
 * partial.h - partial results: one shard's audit, carried to where all meet.
 *
 * `scan --partial FILE` writes what the final report needs from its inputs
 * (the evidence record, coverage, per-principle and per-hour counts, regex
 * limit hits, the findings before filters and baseline) and the raw window
 * records, so that `merge` can judge the windowed checks over every shard
 * at once and give byte for byte the report of one run over all inputs.
 * The file format is line-oriented text, versioned, with the rules digest
 * and a checksum; doc/partial.md describes it.
 *
 * Each input keeps its place in the whole audit (struct part_origin): the
 * run it belongs to (all shards of one `scan --shard I/N` share a run id)
 * and its index in that run's expanded PATHs, so a merge restores the
 * order of a single run, refuses an input given twice, and names every
 * input of a run that no partial holds.
 *
 * Joining sets is partjoin.h; which inputs a shard audits, shard.h.
 */
#ifndef DPF_PARTIAL_H
#define DPF_PARTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "diag.h"
#include "findings.h"
#include "policy.h"

struct win_log;

#define PART_VERSION 3	/* 3: window times keep their fraction */
#define PART_MAGIC "dpfaudit-partial"

struct part_origin {
	char run[17];		/* 16 hex digits */
	uint64_t index;		/* in the run's expanded PATHs, from 0 */
};

/* Every input of one run, to name those that no partial holds. */
struct part_run {
	char id[17];
	unsigned shards;	/* N of --shard I/N; 0: not sharded */
	size_t ninputs;
	const char **paths;	/* by index, strings in the set's arena */
};

struct part_set {
	/*
	 * Unfinished: findings unsorted, unfiltered and not window-judged;
	 * res.windows holds the window records (never NULL once filled).
	 */
	struct aud_result res;
	struct part_origin *origin;	/* per res.inputs[i] (owned) */
	uint32_t *limit_ord;		/* per res.limits[i]: its regex's place in the policy (owned) */
	struct part_run *runs;		/* sorted by id (owned) */
	size_t nruns;
	char digest[65];		/* rules digest */
	const char *name;		/* the partial's path, for messages (borrowed; may be NULL) */
	/*
	 * Read into a pool (part_read_into): res.findings and res.windows are
	 * empty, the set's findings and window records are in the pool, their
	 * input indexes moved up by pool_base.
	 */
	bool pooled;
	size_t pool_base;
};

/*
 * Where `merge` reads the findings and window records of every partial:
 * one list and one window log, however many partials, so that its memory
 * does not grow with their number (SPEC §7): the list keeps its budget and
 * the log its default memory in all, spilling past them to one set of
 * temporary files.  Each set read into it numbers its inputs after those
 * of the sets before (pool_base); partjoin.h renumbers them.  Owns the
 * list and the log; part_pool_release() frees what part_join() left.
 */
struct part_pool {
	struct fnd_list findings;
	struct win_log *windows;	/* NULL once part_join() took it */
	/* The strings of every set read into it (paths, errors, examples): one arena, not one each. */
	struct arena arena;
	size_t window_memory;		/* of windows, and of a log part_join() copies it into */
	size_t ninputs;			/* inputs of the sets read into it so far */
	/*
	 * Every run's list of paths, kept once: each shard's partial carries
	 * the whole run's list, so N shards would hold N^2 paths.  The first
	 * set of a run keeps its list here (in arena); the sets after it point
	 * their part_run at it, their 'path' records compared, not kept.
	 * Sorted by nothing; owned (the lists in arena).
	 */
	struct part_run *runs;
	size_t nruns;
	size_t npaths;			/* path strings of runs kept in arena: part_pool_paths() */
};

/*
 * An empty pool; findings_budget as part_read's (0: findings in memory);
 * window_memory as win_log_set_memory's (0: its default).
 */
void part_pool_init(struct part_pool *pp, size_t findings_budget, size_t window_memory);
void part_pool_release(struct part_pool *pp);
/*
 * How many paths of runs the pool keeps: the sum of its runs' sizes when
 * every partial of a run agrees on it, whatever the number of partials
 * (for tests: merge's memory must not grow with partials x paths).
 */
size_t part_pool_paths(const struct part_pool *pp);

/*
 * Make a set from a deferred audit (aud_options.defer_windows) of inputs
 * sel[0..nsel) of the run's expanded paths all[0..nall) (sel NULL: all of
 * them), sharded into shards (0: not sharded).  res is moved into ps,
 * which the caller releases with part_set_release() even on failure.
 */
int part_from_audit(struct part_set *ps, struct aud_result *res, const struct policy *pol,
		    const char *const *all, size_t nall, const size_t *sel, size_t nsel,
		    unsigned shards, struct diag *err);

/*
 * A --partial-key: the bytes of a key file (16 to 4096).  With one, a
 * partial ends with an HMAC-SHA256 (keyed) of its SHA-256 instead of the
 * bare SHA-256: the checksum finds damage, only the HMAC finds an edit
 * whose author recomputed the checksum.
 */
struct part_key {
	unsigned char k[4096];
	size_t n;
};
/* Load path into key; -1 with "PATH: ..." when unreadable or of a bad size. */
int part_key_load(const char *path, struct part_key *key, struct diag *err);

/*
 * Write ps to path (temporary file, mode 0600, renamed into place), signed
 * with key (NULL: a checksum).  Sorts the findings and window records for
 * a deterministic file.  -1 with "PATH: write error: ..." on failure.
 */
int part_write(struct part_set *ps, const struct policy *pol, const struct part_key *key,
	       const char *path, struct diag *err);

/*
 * Read a partial written for pol (the digests must be equal).  With key,
 * the partial must carry an HMAC made with it; without, a signed partial
 * is refused (it cannot be verified) and a checksum only finds damage.
 * Counts in the file are bounded by its size.  -1 with err = "PATH: rules
 * digest differs ...", "PATH:LINE: ..." (a version mismatch, a truncated,
 * corrupt or edited file).  findings_budget: 0 keeps the findings in
 * memory (their strings in ps->res.arena); else ps->res.findings has that
 * budget (findings.h: it spills past it), and a finding it cannot keep
 * makes its input incomplete, counted in findings_lost (never a silent
 * drop).  Window records' strings are copied by their log (which spills
 * past its default), never kept in ps->res.arena.
 */
int part_read(const char *path, const struct policy *pol, const struct part_key *key,
	      size_t findings_budget, struct part_set *ps, struct diag *err);
/*
 * part_read() whose findings and window records go to pool (see struct
 * part_pool; the list's budget is the pool's): ps holds the rest and is
 * marked pooled.  A run whose list of paths the pool has already (a
 * shard of a run read before) points at that list: its 'path' records
 * are compared with it, not kept, and one that differs refuses the
 * partial ("PATH:LINE: run R: input K has another path here than in a
 * partial read before ('P'): ...", once its checksum holds).  On failure
 * the pool may hold some of the partial's records: the caller gives the
 * merge up (and releases the pool).
 */
int part_read_into(const char *path, const struct policy *pol, const struct part_key *key,
		   struct part_pool *pool, struct part_set *ps, struct diag *err);

void part_set_release(struct part_set *ps);

/* The run with that id in ps->runs, or NULL. */
struct part_run *part_run_find(struct part_set *ps, const char *id);

#endif
