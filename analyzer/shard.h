/*
 * shard.h - `scan --shard I/N`: which of a run's inputs one shard audits
 * (the whole API of shard.c).  Every machine computes the same split from
 * the same files, so the shards of one run cover each input exactly once.
 * Nothing here allocates anything the caller must free.
 */
#ifndef DPF_SHARD_H
#define DPF_SHARD_H

#include <stddef.h>

#include "diag.h"

/* Parse "I/N" (0 <= I < N <= 100000).  -1 with err otherwise. */
int shard_parse(const char *s, unsigned *i, unsigned *n, struct diag *err);

/*
 * Choose the inputs of paths[0..n) for shard i of nshards, balanced by
 * size: largest first (then by path), each to the lightest shard so far
 * (the lowest-numbered on a tie); an empty file weighs one byte, an
 * unreadable one nothing (its shard reports it).  sel (room for n, the
 * caller's) gets the chosen indexes, ascending, *nsel how many.  -1 with
 * err for standard input ("-") or when memory runs out.
 */
int shard_select(const char *const *paths, size_t n, unsigned i, unsigned nshards,
		 size_t *sel, size_t *nsel, struct diag *err);

#endif
