/* strmap.c - open-addressing string hash map (see strmap.h). */
#include "common.h"

#include "strmap.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Double the table; false (the map unchanged) when out of memory. */
static bool strmap_grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *ns = try_calloc(ncap, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key.p)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].key.p)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return true;
}

uintptr_t *strmap_put(struct strmap *m, sv key, uintptr_t val, bool *created)
{
	unsigned long long h = sv_hash(key);
	if (created)
		*created = false;
	if ((m->count + 1) * 4 > m->cap * 3 && !strmap_grow(m))
		return NULL;
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key.p) {
		if (m->slots[j].hash == h && sv_eq(m->slots[j].key, key)) {
			if (created)
				*created = false;
			return &m->slots[j].val;
		}
		j = (j + 1) & (m->cap - 1);
	}
	char *copy = arena_try_alloc(&m->keys, key.n + 1);
	if (!copy)
		return NULL;
	if (key.n)
		memcpy(copy, key.p, key.n);
	m->slots[j].key = sv_make(copy, key.n);
	m->slots[j].hash = h;
	m->slots[j].val = val;
	m->count++;
	if (created)
		*created = true;
	return &m->slots[j].val;
}

uintptr_t *strmap_get(const struct strmap *m, sv key)
{
	if (!m->cap)
		return NULL;
	unsigned long long h = sv_hash(key);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key.p) {
		if (m->slots[j].hash == h && sv_eq(m->slots[j].key, key))
			return &m->slots[j].val;
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

void strmap_release(struct strmap *m)
{
	free(m->slots);
	arena_release(&m->keys);
	m->slots = NULL;
	m->cap = m->count = 0;
}
