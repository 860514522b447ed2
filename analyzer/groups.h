/*
 * groups.h - a report's groups of findings (SPEC §5) in bounded memory
 * (SPEC §7).
 *
 * The groups of a list (findings.h: same check, user and subject) are made
 * by fnd_grouper in memory while that fits: always for a list in memory
 * (its findings cost more than their groups), and for a spilled list while
 * the grouper holds at most a budget of bytes.  Past it the grouping is
 * spilled: one record per finding goes to a sorter (spill.h) keyed by
 * (check, user, subject, list index); one reading of it in that order
 * folds each group's members (fnd_group_fold, the grouper's own rules),
 * writes their indexes in list order to an owner-only, unlinked temporary
 * file, and adds the group to a second sorter in report order (severity,
 * highest first, then check, user, subject: fnd_group()'s order).  The
 * writers read the groups as a stream (grp_iter) and a group's members in
 * pieces (grp_members), so the same reports come out of either path, byte
 * for byte.
 *
 *   grp_build_start(&b, list, budget);
 *   for each finding f of list, in list order: grp_build_add(&b, f);
 *   grp_build_finish(&b, policy, &set);    (or grp_build_drop(&b))
 *   ... grp_iter_start(&set, &it); while ((g = grp_iter_next(&it))) ...
 *   grp_release(&set);
 *
 * Nothing aborts in the spilled path: out of memory or a temporary-file
 * error makes grp_build_finish() return -1 (errno set), or ends a reading
 * early with grp_error() non-zero, so the caller ends the run as incomplete
 * (exit 3).  Where no temporary file can be created at all, what the
 * groups hold stays in memory (it is bounded by the findings the list
 * kept, which could not spill either).  Ownership: a grp_set owns its
 * groups, strings, sorter and file; one reader at a time; one thread.
 */
#ifndef DPF_GROUPS_H
#define DPF_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "findings.h"

struct policy;
struct spill;
struct grp_spilled;

struct grp_set {
	struct fnd_group *v;	/* in memory: v[0..n), report order; NULL when spilled */
	size_t n;		/* groups, in memory or spilled */
	struct arena strings;	/* in memory, of a spilled list: what the groups point to */
	struct grp_spilled *sp;	/* non-NULL: spilled, read with grp_iter */
	/* Counted over every group, for writers that show only a few. */
	size_t live;		/* groups with an unsuppressed member */
	size_t *live_by_check;	/* live groups per check index */
	size_t *live_findings_by_check;	/* their unsuppressed members per check index */
	size_t nchecks;		/* entries of both: 1 + the highest check of a group */
};

#define GRP_SET_INIT { NULL, 0, ARENA_INIT, NULL, 0, NULL, NULL, 0 }

/* True when s's groups are in its sorter (no v, members in the file). */
static inline bool grp_spilled(const struct grp_set *s) { return s->sp != NULL; }

struct grp_builder {
	const struct fnd_list *l;
	size_t budget;		/* 0: in memory whatever it takes */
	struct arena strings;	/* the in-memory grouper's copies (a spilled list) */
	struct fnd_grouper mem;
	struct spill *recs;	/* spilled: one record per finding, in group-key order */
	size_t n;		/* findings added */
	size_t from;		/* the first finding added to recs as it came (those before: at finish) */
	struct buf enc;
	int err;
};

/*
 * Start grouping l's findings.  budget: bytes the in-memory grouper may
 * hold before the grouping spills, 0 for never (l in memory; tests).
 */
void grp_build_start(struct grp_builder *b, const struct fnd_list *l, size_t budget);
/* The i-th call gives finding i of l (its fnd_iter order). */
void grp_build_add(struct grp_builder *b, const struct finding *f);
/*
 * The groups in report order into *out (which must be released with
 * grp_release either way); b is emptied.  0, or -1 with errno (out of
 * memory, a temporary file error, l's own read error) and *out empty.
 */
int grp_build_finish(struct grp_builder *b, const struct policy *p, struct grp_set *out);
void grp_build_drop(struct grp_builder *b);

/*
 * Read the groups in report order.  A group returned (and its strings)
 * stays valid until the next call for a spilled set, as long as the set
 * for one in memory.  NULL at the end, or on a read error: then
 * grp_error() is non-zero from then on.
 */
struct grp_iter {
	const struct grp_set *s;
	size_t i;
	struct fnd_group g;
};
void grp_iter_start(const struct grp_set *s, struct grp_iter *it);
const struct fnd_group *grp_iter_next(struct grp_iter *it);

/*
 * Copy the list indexes of g's members [from, from + n) (clipped to its
 * count) into out; returns how many were copied, fewer than asked on a
 * read error too (then grp_error() is set).  g: from s (an iterator or a
 * copy of a group it returned).
 */
size_t grp_members(const struct grp_set *s, const struct fnd_group *g, size_t from, size_t *out,
		   size_t n);

/* The first error (an errno value) of a reading, or 0: a report from s is not whole. */
int grp_error(const struct grp_set *s);
void grp_release(struct grp_set *s);

#endif
