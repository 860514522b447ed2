/*
 * shard.c - `scan --shard I/N`: which inputs one shard audits (shard.h).
 */
#include "common.h"

#include "shard.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int shard_parse(const char *s, unsigned *i, unsigned *n, struct diag *err)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	a = strtoul(s, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		goto bad;
	b = strtoul(end + 1, &end, 10);
	if (*end || errno || b == 0 || b > 100000 || a >= b)
		goto bad;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
bad:
	return diag_set(err, "'%s' is not I/N with 0 <= I < N (shards are numbered from 0)", s);
}

struct sized {
	size_t idx;
	uint64_t size;
	const char *path;
};

static int sized_cmp(const void *pa, const void *pb)
{
	const struct sized *a = pa, *b = pb;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	int c = strcmp(a->path, b->path);
	if (c)
		return c;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static int idx_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return (a > b) - (a < b);
}

int shard_select(const char *const *paths, size_t n, unsigned i, unsigned nshards,
		 size_t *sel, size_t *nsel, struct diag *err)
{
	struct sized *v = calloc(n ? n : 1, sizeof(*v));
	uint64_t *load = calloc(nshards ? nshards : 1, sizeof(*load));
	struct stat st;

	*nsel = 0;
	if (!v || !load) {
		free(v);
		free(load);
		return diag_set(err, "out of memory");
	}
	for (size_t k = 0; k < n; k++) {
		if (!strcmp(paths[k], "-")) {
			free(v);
			free(load);
			return diag_set(err, "standard input cannot be split into shards");
		}
		v[k].idx = k;
		v[k].path = paths[k];
		/* An unreadable input still goes to one shard, which reports it. */
		v[k].size = stat(paths[k], &st) == 0 ? (uint64_t)st.st_size : 0;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), sized_cmp);
	for (size_t k = 0; k < n; k++) {
		unsigned best = 0;
		for (unsigned s = 1; s < nshards; s++)
			if (load[s] < load[best])
				best = s;
		/* Empty files weigh one byte, so they spread out too. */
		load[best] += v[k].size ? v[k].size : 1;
		if (best == i)
			sel[(*nsel)++] = v[k].idx;
	}
	if (*nsel > 1)
		qsort(sel, *nsel, sizeof(*sel), idx_cmp);
	free(v);
	free(load);
	return 0;
}
