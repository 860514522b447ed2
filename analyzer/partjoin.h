/*
 * partjoin.h - joining partial results (partial.h) into one, as `merge`
 * does: the whole API of partjoin.c.
 *
 * The joined set lists the inputs in the order of one run over all of them
 * (by their index in the run, then path, then run id), so the report of a
 * merge is byte for byte that of a single run.
 */
#ifndef DPF_PARTJOIN_H
#define DPF_PARTJOIN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "partial.h"
#include "policy.h"

/*
 * Join sets[0..n) into out, which the caller releases with
 * part_set_release() (on failure it is released already).  Ownership: the
 * sets' arenas move into out and the sets are released, whatever it
 * returns; pol is only read (the digest, the regexes' order for limit hits).
 *
 * fill_missing: add each input of a run that no set holds, as unread, so
 * the report says what is missing (for a report; not for a partial that is
 * merged on).  -1 with err when one input is in two sets, one file is in
 * two runs, two sets disagree on a run's size, or memory runs out.
 *
 * pool: where the sets were read into (part_read_into; every set pooled),
 * or NULL (no set pooled).  Its findings and window records become out's,
 * renumbered: moved as they are where no index changes or the findings are
 * in memory, else copied once (the list at its budget, the log at its
 * default memory) and the pool's copy freed at once, temporary files
 * closed.  The pool is left empty, whatever it returns.
 */
int part_join(struct part_set *out, struct part_set *sets, size_t n, struct part_pool *pool,
	      bool fill_missing, const struct policy *pol, struct diag *err);

#endif
