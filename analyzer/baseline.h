/*
 * baseline.h - known findings, suppressed by stable fingerprint (CI gate).
 *
 * A baseline is a text file, one fingerprint a line (fnd_fingerprint():
 * check, user, subject, categories, reason, tab-separated), sorted and
 * de-duplicated so it diffs well in a merge request; '#' lines are comments.
 * Fingerprints carry no file name or line number, so a rotated log or a
 * re-run gives the same ones.
 */
#ifndef DPF_BASELINE_H
#define DPF_BASELINE_H

#include <stddef.h>

#include "diag.h"
#include "findings.h"
#include "policy.h"

struct baseline;

/*
 * The finding's line in a baseline file (appended to out): its
 * fnd_fingerprint() with control characters other than the separating tabs
 * escaped (\\, \n, \r, \xNN).  Also the identity of a SARIF result
 * (partialFingerprints), so code scanning follows what the baseline follows.
 */
void bl_fingerprint(const struct finding *f, const struct policy *p, struct buf *out);

/* Load a baseline; -1 with "PATH: ..." on error. */
struct baseline *bl_load(const char *path, struct diag *err);
/*
 * Mark the findings whose fingerprint is in the baseline as suppressed,
 * through fnd_suppress() (a spilled list is rewritten: bounded memory).
 * -1 with a message when the temporary file fails: then l is unchanged
 * and no entry is listed as stale.
 */
int bl_apply(struct baseline *b, const struct policy *p, struct fnd_list *l, struct diag *err);
/* Entries that matched no finding in bl_apply (valid until bl_free). */
const char *const *bl_stale(const struct baseline *b, size_t *n);
void bl_free(struct baseline *b);

/*
 * Write the fingerprints of every finding (sorted, unique), mode 0600.
 * They are sorted by a sorter (spill.h) of l's budget: past it, on a
 * temporary file (where l has no budget and no file can be made, in
 * memory); -1 with "PATH: ..." when that file or l's fails.
 */
int bl_write(const char *path, const struct policy *p, const struct fnd_list *l,
	     struct diag *err);

#endif
