/*
 * arena.h - a bump allocator for data that lives until the arena is freed.
 *
 * Used for what must outlive a line (finding evidence, window keys, interned
 * names) without a malloc per object.  Blocks are chained; nothing is freed
 * individually.  Not thread-safe: each thread owns its arenas.
 */
#ifndef DPF_ARENA_H
#define DPF_ARENA_H

#include <stddef.h>

#include "sv.h"

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used;	/* bytes handed out, for limits and reports */
};

#define ARENA_INIT { NULL, 0 }

/* Returns zeroed memory aligned for any type; out of memory ends the run (xalloc_oom). */
void *arena_alloc(struct arena *a, size_t n);
/*
 * The same, but NULL on out-of-memory (the arena is unchanged): for the data
 * paths, where running out ends the audit as incomplete, never in an abort.
 */
void *arena_try_alloc(struct arena *a, size_t n);
/* A NUL-terminated copy of the view; returns a view of the copy. */
sv arena_sv(struct arena *a, sv s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_release(struct arena *a);
/* Move every block of src into dst (pointers into src stay valid); src is emptied. */
void arena_take(struct arena *dst, struct arena *src);

#endif
