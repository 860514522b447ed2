/*
 * strmap.h - an open-addressing hash map from byte strings to a value.
 *
 * Keys are copied into the map's own arena on insert, so callers may pass
 * borrowed views.  Lookups are O(1) and allocate nothing.  Values are an
 * opaque uintptr_t (an index or a pointer the caller owns).
 */
#ifndef DPF_STRMAP_H
#define DPF_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "sv.h"

struct strmap_slot {
	sv key;		/* key.p == NULL: empty slot */
	unsigned long long hash;
	uintptr_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;	/* power of two */
	size_t count;
	struct arena keys;
};

#define STRMAP_INIT { NULL, 0, 0, ARENA_INIT }

/*
 * Insert key (copied) with val, or find it.  Returns a pointer to the stored
 * value; *created says whether the key was new (then the value is val).
 * Never aborts: out of memory returns NULL (*created false) and leaves the
 * map as it was, so a data path can end the run as incomplete (exit 3).
 */
uintptr_t *strmap_put(struct strmap *m, sv key, uintptr_t val, bool *created);
/* Pointer to the value of key, or NULL. */
uintptr_t *strmap_get(const struct strmap *m, sv key);
static inline bool strmap_has(const struct strmap *m, sv key) { return strmap_get(m, key) != NULL; }
void strmap_release(struct strmap *m);

/* Iterate: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key.p) ... */

#endif
