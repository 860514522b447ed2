/*
 * paths.c - expand command-line PATHs into the list of inputs (see paths.h).
 *
 * Not on the hot path: it runs once before the scan, so plain malloc per
 * name is fine.  Directories are walked depth first; the chain of
 * directories on the current path (st_dev, st_ino) is what detects a
 * symlink loop, so memory is proportional to the depth, not the tree.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "paths.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* An open-addressing set of (st_dev, st_ino) already taken. */
struct paths_seen {
	dev_t dev;
	ino_t ino;
	size_t idx;	/* index in v of a file; SIZE_MAX for a directory */
	bool used;
};

struct dirid {
	dev_t dev;
	ino_t ino;
	const struct dirid *up;
};

static int walk(struct paths *p, const char *dir, const struct stat *dst, const struct dirid *up);
static bool on_chain(const struct dirid *c, const struct stat *st);

static int push(char ***v, size_t *n, size_t *cap, char *s)
{
	char **nv;
	size_t ncap;

	if (!s)
		return -1;
	if (*n == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		nv = realloc(*v, ncap * sizeof(*nv));
		if (!nv) {
			free(s);
			return -1;
		}
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = s;
	return 0;
}

static int add_path(struct paths *p, const char *path)
{
	return push(&p->v, &p->n, &p->cap, try_strndup(path, strlen(path)));
}

static int warn(struct paths *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int warn(struct paths *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	s = malloc((size_t)len + 1);
	if (!s)
		return -1;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return push(&p->warnings, &p->nwarnings, &p->capwarnings, s);
}

/*
 * Entries a directory walk leaves out: hidden files (editor swap files,
 * .git) and documentation that lives next to logs, such as samples/README.md.
 * Named explicitly on the command line, they are read like any file.
 */
static bool skipped_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return true;
	if (strncmp(name, "README", 6) == 0)
		return true;
	return n >= 3 && strcmp(name + n - 3, ".md") == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
	size_t dn = strlen(dir), nn = strlen(name);
	bool slash = dn > 0 && dir[dn - 1] == '/';
	char *s = malloc(dn + !slash + nn + 1);

	if (!s)
		return NULL;
	memcpy(s, dir, dn);
	if (!slash)
		s[dn++] = '/';
	memcpy(s + dn, name, nn + 1);
	return s;
}

static size_t hash_id(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)dev * 0x9e3779b97f4a7c15ull ^ (uint64_t)ino;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return (size_t)h;
}

static struct paths_seen *seen_slot(struct paths_seen *tab, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = hash_id(dev, ino) & (cap - 1);

	while (tab[i].used && !(tab[i].dev == dev && tab[i].ino == ino))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/*
 * The entry for st's file; a new one gets idx and *fresh is set.
 * NULL when out of memory.
 */
static struct paths_seen *seen_get(struct paths *p, const struct stat *st, size_t idx,
				   bool *fresh)
{
	struct paths_seen *e, *tab;
	size_t cap, i;

	if ((p->nseen + 1) * 2 > p->capseen) {
		cap = p->capseen ? p->capseen * 2 : 64;
		tab = calloc(cap, sizeof(*tab));
		if (!tab)
			return NULL;
		for (i = 0; i < p->capseen; i++)
			if (p->seen[i].used)
				*seen_slot(tab, cap, p->seen[i].dev, p->seen[i].ino) = p->seen[i];
		free(p->seen);
		p->seen = tab;
		p->capseen = cap;
	}
	e = seen_slot(p->seen, p->capseen, st->st_dev, st->st_ino);
	*fresh = !e->used;
	if (!e->used) {
		e->used = true;
		e->dev = st->st_dev;
		e->ino = st->st_ino;
		e->idx = idx;
		p->nseen++;
	}
	return e;
}

/* A regular file, unless the same file is already in the list. */
static int add_file(struct paths *p, const char *path, const struct stat *st)
{
	struct paths_seen *e;
	bool fresh;

	e = seen_get(p, st, p->n, &fresh);
	if (!e)
		return -1;
	if (!fresh) {
		if (e->idx < p->n)
			return warn(p, "%s: same file as %s, skipped", path, p->v[e->idx]);
		return warn(p, "%s: already read, skipped", path);
	}
	return add_path(p, path);
}

/* A directory: walked unless it is a loop or was walked already. */
static int add_dir(struct paths *p, const char *path, const struct stat *st,
		   const struct dirid *chain)
{
	bool fresh;

	if (on_chain(chain, st))
		return warn(p, "%s: symlink loop, skipped", path);
	if (!seen_get(p, st, SIZE_MAX, &fresh))
		return -1;
	if (!fresh)
		return warn(p, "%s: directory already read, skipped", path);
	return walk(p, path, st, chain);
}

static bool on_chain(const struct dirid *c, const struct stat *st)
{
	for (; c; c = c->up)
		if (c->dev == st->st_dev && c->ino == st->st_ino)
			return true;
	return false;
}

/* One entry inside a directory (st follows symlinks). */
static int add_entry(struct paths *p, const char *path, const struct dirid *chain)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		/* A dangling symlink still names data that should be there. */
		if (warn(p, "%s: %s", path, strerror(errno)) < 0)
			return -1;
		return add_path(p, path);
	}
	if (S_ISDIR(st.st_mode))
		return add_dir(p, path, &st, chain);
	if (S_ISREG(st.st_mode))
		return add_file(p, path, &st);
	return warn(p, "%s: not a regular file, skipped", path);
}

static int walk(struct paths *p, const char *dir, const struct stat *dst, const struct dirid *up)
{
	struct dirid me = { dst->st_dev, dst->st_ino, up };
	struct dirent *de;
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i;
	int rc = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		/* Appended so that the audit reports it unreadable (exit 3). */
		if (warn(p, "%s: %s", dir, strerror(errno)) < 0)
			return -1;
		return add_path(p, dir);
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (skipped_name(de->d_name))
			continue;	/* also "." and ".." */
		if (push(&names, &n, &cap, try_strndup(de->d_name, strlen(de->d_name))) < 0) {
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0) {
		if (warn(p, "%s: %s", dir, strerror(errno)) < 0 || add_path(p, dir) < 0)
			rc = -1;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		path = join(dir, names[i]);
		if (!path) {
			rc = -1;
			break;
		}
		rc = add_entry(p, path, &me);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int paths_add(struct paths *p, const char *arg)
{
	struct stat st;

	if (strcmp(arg, "-") == 0)
		return add_path(p, arg);
	/*
	 * A named path that cannot be stat'ed is still an input: the audit
	 * fails to open it and reports it once, as incomplete (exit 3).  No
	 * warning here, so the error is not said twice.
	 */
	if (stat(arg, &st) < 0)
		return add_path(p, arg);
	if (S_ISDIR(st.st_mode))
		return add_dir(p, arg, &st, NULL);
	if (S_ISREG(st.st_mode))
		return add_file(p, arg, &st);
	/* Named explicitly: FIFOs and <(zcat ...) are inputs too. */
	return add_path(p, arg);
}

bool paths_holds(const struct paths *p, const struct stat *st)
{
	struct stat in;

	if (p->capseen) {
		const struct paths_seen *e = seen_slot((struct paths_seen *)p->seen, p->capseen, st->st_dev, st->st_ino);
		if (e->used && e->idx != SIZE_MAX)
			return true;
	}
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], "-"))
			return fstat(STDIN_FILENO, &in) == 0 && in.st_dev == st->st_dev &&
			       in.st_ino == st->st_ino;
	return false;
}

void paths_release(struct paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	for (i = 0; i < p->nwarnings; i++)
		free(p->warnings[i]);
	free(p->v);
	free(p->warnings);
	free(p->seen);
	*p = (struct paths)PATHS_INIT;
}

uint64_t paths_file_size(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	return 0;
}
