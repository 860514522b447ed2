/* arena.c - bump allocator (see arena.h). */
#include "common.h"

#include "arena.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size, off;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_try_alloc(a, n);
	if (!p)
		xalloc_oom(n);
	return p;
}

void *arena_try_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	if (n > SIZE_MAX - 16 - sizeof(*b))
		return NULL;
	size_t need = (n + 15) & ~(size_t)15;

	if (!b || b->size - b->off < need) {
		size_t size = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
		b = try_malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->off = 0;
		/* Big one-off blocks go behind the head so the head keeps filling. */
		if (a->head && size != ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->off;
	b->off += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

sv arena_sv(struct arena *a, sv s)
{
	return sv_make(arena_strndup(a, s.p, s.n), s.n);
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
	a->used = 0;
}

void arena_take(struct arena *dst, struct arena *src)
{
	struct arena_block *b = src->head;
	if (!b)
		return;
	/* Append src's chain behind dst's head so dst keeps filling its own head. */
	struct arena_block *last = b;
	while (last->next)
		last = last->next;
	if (dst->head) {
		last->next = dst->head->next;
		dst->head->next = b;
	} else {
		dst->head = b;
	}
	dst->used += src->used;
	src->head = NULL;
	src->used = 0;
}
