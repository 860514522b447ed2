/*
 * findings.h - stage 5: findings, their store, order, groups and fingerprints.
 *
 * fnd_add() COPIES every view of the finding into the list's arena, so the
 * engine may pass views into the current line.  A list is owned by one
 * thread while an audit runs; lists are joined with fnd_take() and put in
 * a deterministic order with fnd_sort(), so a report is byte-identical
 * whatever the number of threads.
 */
#ifndef DPF_FINDINGS_H
#define DPF_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "checks.h"
#include "sv.h"

struct policy;

/* Evidence lines longer than this are truncated (with "...") in findings. */
#define FND_EVIDENCE_MAX 1024

struct finding {
	uint32_t check;		/* index into policy->checks */
	enum sev severity;	/* effective severity */
	int64_t time;
	bool has_time;
	sv user, role, subject, reason, resource;
	uint64_t categories;	/* category bits the finding is about */
	uint32_t file;		/* input index */
	uint64_t line;
	sv evidence;		/* the raw line (unredacted; writers redact) */
	sv detail;		/* why it fired, one sentence */
	bool suppressed;	/* matched the baseline */
};

/*
 * Bytes of findings (structs and strings) a list keeps in memory before it
 * spills (SPEC section 7), where its owner allows spilling (budget != 0):
 * then every finding goes, in order, to a sorter (spill.h) whose records
 * past the same budget are written as sorted runs to an owner-only,
 * already unlinked temporary file in $TMPDIR, and read back merged in
 * fnd_sort() order.  Tests force a tiny budget with DPFAUDIT_MEMORY_BUDGET
 * (audit.h aud_memory_budget).
 */
#define FND_MEMORY_BUDGET ((size_t)16 << 20)

struct spill;

struct fnd_list {
	struct finding *v;	/* NULL once spilled */
	size_t n, cap;		/* n: every finding kept, in memory or spilled */
	struct arena arena;
	size_t lost;		/* findings fnd_add() could not keep: out of memory */
	size_t budget;		/* 0: always in memory; else FND_MEMORY_BUDGET or a test's */
	struct spill *sp;	/* non-NULL: spilled, v is empty: read with fnd_iter */
	struct buf enc;		/* encoding scratch */
	/*
	 * What fnd_add() and fnd_take() counted of the findings they kept, so
	 * that a spilled list need not be read for it: per hour of the day
	 * (fnd_hour) of those with a time, and the highest input index.  Whole
	 * only while fnd_counts_whole(): a finding counted and then lost, or
	 * one appended another way (counted != n), breaks it.
	 */
	uint64_t by_hour[24];
	uint32_t max_file;
	size_t counted;
	bool count_lost;
	/*
	 * Spilled in the order added, not in fnd_sort() order (fnd_rewrite's
	 * list): each record carries its index and is read back in it.  Such
	 * a list is never joined with fnd_take().
	 */
	bool ordered;
};

#define FND_LIST_INIT { NULL, 0, 0, ARENA_INIT, 0, 0, NULL, BUF_INIT, { 0 }, 0, 0, false, false }

/* The hour of the day (0..23, UTC) of a finding that has a time. */
static inline unsigned fnd_hour(const struct finding *f)
{
	return (unsigned)((f->time % 86400 + 86400) % 86400 / 3600);
}

/* Whether l->by_hour and l->max_file count every finding l holds. */
static inline bool fnd_counts_whole(const struct fnd_list *l)
{
	return !l->count_lost && l->counted == l->n;
}

/* True when l's findings are in its sorter: read them only with fnd_iter. */
static inline bool fnd_spilled(const struct fnd_list *l) { return l->sp != NULL; }

/*
 * Read every finding in order (sorted order once fnd_sort() ran; a spilled
 * list is always read sorted).  One reader at a time per list.  The
 * finding returned (and its strings) stays valid until the next call.
 * NULL at the end, or on a read error of the temporary file: then
 * fnd_error() is non-zero (an errno value) from then on.
 */
struct fnd_iter {
	const struct fnd_list *l;
	size_t i;
	struct finding f;
};
void fnd_iter_start(const struct fnd_list *l, struct fnd_iter *it);
const struct finding *fnd_iter_next(struct fnd_iter *it);
/* The sorter's first error (an errno value), or 0: a report from l is not whole. */
int fnd_error(const struct fnd_list *l);

/*
 * Add a copy of f.  Never aborts: where memory runs out the finding is not
 * kept, l->lost counts it and false is returned, so the audit can end as
 * incomplete (exit 3) with the reports written from what it kept.
 */
bool fnd_add(struct fnd_list *l, const struct finding *f);
/*
 * fnd_add() of a finding already kept once (read back from a partial, or
 * from another list): its evidence, cut when it was found, is kept as it is.
 */
bool fnd_add_whole(struct fnd_list *l, const struct finding *f);
/*
 * A finding as the bytes a spilled list keeps of it, for other sorters
 * (report.h's rep_stream): fnd_encode() replaces b's content (b->err on
 * out of memory); fnd_decode() makes f's views point into rec, false if
 * rec is not one whole record.
 */
void fnd_encode(struct buf *b, const struct finding *f);
bool fnd_decode(const void *rec, size_t n, struct finding *f);
/*
 * Mark the findings match() says yes to as suppressed (the baseline), in
 * list order, match() called once per finding.  In memory: in place.  A
 * spilled list is read once into a new sorter of the same budget (its
 * order is the same: fnd_sort() compares `suppressed` last), which
 * replaces it; memory stays within twice the budget.  0, or an errno
 * value (the temporary file could not be read or written): then l is
 * unchanged, and match() may have been called for some findings.
 */
int fnd_suppress(struct fnd_list *l, bool (*match)(void *ctx, const struct finding *f), void *ctx);
/*
 * Rewrite every finding's strings with edit() (--pseudonymize), keeping
 * the list's order as it is, whatever edit() changes of the fields that
 * order compares.  edit() may point f's views into a, which lives as long
 * as the list for an in-memory list (its own arena: rewritten in place)
 * and until the next call for a spilled one.  A spilled list is read once
 * into a new one of the same budget, kept in list order (l->ordered), that
 * replaces it; memory stays within twice the budget.  0, or an errno value
 * (the temporary file could not be read or written): then l is unchanged
 * (and edit() may have been called for some findings).
 */
int fnd_rewrite(struct fnd_list *l, void (*edit)(void *ctx, struct finding *f, struct arena *a),
		void *ctx);
/*
 * Append src's findings to dst (moving src's arena); src is emptied and
 * true returned.  Out of memory, or either list ordered (fnd_rewrite):
 * false, and both lists are unchanged.
 */
bool fnd_take(struct fnd_list *dst, struct fnd_list *src);
/* Order: file, line, check, user, subject, ..., suppressed last (total). */
void fnd_sort(struct fnd_list *l);
void fnd_release(struct fnd_list *l);

/*
 * Findings grouped by (check, user, subject), SPEC §5: in memory here; a
 * report groups through groups.h, which spills them past a budget.
 */
struct fnd_group {
	uint32_t check;
	enum sev severity;	/* highest in the group */
	sv user, subject, role;
	uint64_t categories;	/* union */
	size_t count, suppressed;
	size_t by_sev[SEV_COUNT];	/* unsuppressed members per severity */
	size_t first, last;	/* indexes into the list: earliest, latest by time */
	/* Of the findings first and last, so a spilled list needs no lookup by index. */
	bool first_has_time, last_has_time;
	int64_t first_time, last_time;
	sv first_detail;
	uint32_t first_file;
	uint64_t first_line;
	size_t *members;	/* indexes of every finding, in list order; NULL: spilled (groups.h) */
	size_t *members_block;	/* what every group's members point into (fnd_groups_free frees it) */
	uint64_t members_at;	/* spilled (groups.h): where its members start in the members file */
};

/*
 * The one definition of what a group says of its members, for the grouper
 * below and the spilled grouping (groups.h): fnd_group_start() makes g the
 * group of f (list index `index`) with no member counted yet, its strings
 * pointing into f; fnd_group_fold() counts f (then every later member, in
 * list order) into g: count, severity, categories, suppressed, by_sev, and
 * first and last (earliest and latest by time; without times, the first
 * and last in list order).  Returns true when f became g's first: the
 * caller sets g->first_detail (f->detail, or a copy that outlives f).
 */
void fnd_group_start(struct fnd_group *g, const struct finding *f, size_t index);
bool fnd_group_fold(struct fnd_group *g, const struct finding *f, size_t index);

/*
 * The report order of checks (by id, then index): a malloc'd rank per
 * check index of p, *n of them (NULL and 0 without a policy).  A check
 * index k past them ranks as *n + k.
 */
uint32_t *fnd_check_ranks(const struct policy *p, size_t *n);

/*
 * Group a sorted list.  Groups are ordered by severity (highest first),
 * then check id, user, subject.  Returns the number of groups; *out is
 * malloc'd (free with fnd_groups_free).  The groups' strings point into
 * the list, or, for a spilled list, into *strings (the caller's arena).
 * The groups are a report's tables: out of memory is the x* tier's exit 3
 * (xalloc.h).  The list is read once (fnd_grouper below); a read error of
 * a spilled list's temporary file returns (size_t)-1, the error left in
 * fnd_error(l).
 */
size_t fnd_group(const struct fnd_list *l, const struct policy *p, struct arena *strings,
		 struct fnd_group **out);

/*
 * The grouping of fnd_group() fed one finding at a time, in list order,
 * so a caller that reads the list anyway (the report summary) groups in
 * the same pass.  Memory: the groups, a hash table of them, and one size_t
 * per finding (its group and its rank in the group, rewritten in place into
 * every group's member indexes by fnd_grouper_finish()).
 *
 *   fnd_grouper_start(&g, strings);
 *   for each finding f, in list order: fnd_grouper_add(&g, f);   (the i-th call: index i)
 *   n = fnd_grouper_finish(&g, policy, &groups);   (or fnd_grouper_drop(&g))
 *
 * strings NULL: every finding's strings outlive the groups (an in-memory
 * list), and the groups point into them; else what the groups keep is
 * copied into *strings.  Out of memory: the x* tier's exit 3, as above.
 */
struct fnd_grouper {
	struct arena *strings;
	struct fnd_group *g;
	size_t ng, gcap;
	struct buf *detail;	/* NULL, or per group: first_detail once it changed (copy mode) */
	uint32_t *slot;		/* open addressing: group index + 1, 0 empty */
	size_t nslot;		/* a power of two, or 0 */
	size_t *block;		/* per finding added: its group and rank in it; then the members */
	size_t n, cap;		/* findings added; capacity of block */
};
void fnd_grouper_start(struct fnd_grouper *gp, struct arena *strings);
void fnd_grouper_add(struct fnd_grouper *gp, const struct finding *f);
/* The groups in report order (as fnd_group); gp is emptied. */
size_t fnd_grouper_finish(struct fnd_grouper *gp, const struct policy *p,
			  struct fnd_group **out);
/* Bytes the grouper holds now (its tables and, in copy mode, the strings arena's use). */
size_t fnd_grouper_bytes(const struct fnd_grouper *gp);
/* Free what gp holds without making groups. */
void fnd_grouper_drop(struct fnd_grouper *gp);
void fnd_groups_free(struct fnd_group *g, size_t n);

/*
 * The stable fingerprint of a finding, for baselines: check, user, subject,
 * categories (names, sorted), reason; tab-separated, no file or line, so a
 * rotated log or a re-run gives the same fingerprint.
 */
void fnd_fingerprint(const struct finding *f, const struct policy *p, struct buf *out);

#endif
