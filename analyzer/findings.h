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

struct fnd_list {
	struct finding *v;
	size_t n, cap;
	struct arena arena;
	size_t lost;		/* findings fnd_add() could not keep: out of memory */
};

#define FND_LIST_INIT { NULL, 0, 0, ARENA_INIT, 0 }

/*
 * Add a copy of f.  Never aborts: where memory runs out the finding is not
 * kept, l->lost counts it and false is returned, so the audit can end as
 * incomplete (exit 3) with the reports written from what it kept.
 */
bool fnd_add(struct fnd_list *l, const struct finding *f);
/*
 * Append src's findings to dst (moving src's arena); src is emptied and
 * true returned.  Out of memory: false, and both lists are unchanged.
 */
bool fnd_take(struct fnd_list *dst, struct fnd_list *src);
/* Order: file, line, check, user, subject (stable and total). */
void fnd_sort(struct fnd_list *l);
void fnd_release(struct fnd_list *l);

/* Findings grouped by (check, user, subject), SPEC §5. */
struct fnd_group {
	uint32_t check;
	enum sev severity;	/* highest in the group */
	sv user, subject, role;
	uint64_t categories;	/* union */
	size_t count, suppressed;
	size_t first, last;	/* indexes into the list: earliest, latest by time */
	size_t *members;	/* indexes of every finding, in list order (owned) */
};

/*
 * Group a sorted list.  Groups are ordered by severity (highest first),
 * then check id, user, subject.  Returns the number of groups; *out is
 * malloc'd (free with fnd_groups_free).
 */
size_t fnd_group(const struct fnd_list *l, const struct policy *p, struct fnd_group **out);
void fnd_groups_free(struct fnd_group *g, size_t n);

/*
 * The stable fingerprint of a finding, for baselines: check, user, subject,
 * categories (names, sorted), reason; tab-separated, no file or line, so a
 * rotated log or a re-run gives the same fingerprint.
 */
void fnd_fingerprint(const struct finding *f, const struct policy *p, struct buf *out);

#endif
