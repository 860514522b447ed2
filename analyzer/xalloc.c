/* xalloc.c - the allocation layer: overflow checks, one out-of-memory exit (see xalloc.h). */
#include "common.h"

#include "xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static void (*oom_hook)(size_t);

void xalloc_set_oom_hook(void (*hook)(size_t size))
{
	oom_hook = hook;
}

_Noreturn void xalloc_oom(size_t size)
{
	void (*hook)(size_t) = oom_hook;

	oom_hook = NULL;	/* a hook that runs out of memory itself does not recurse */
	if (hook)
		hook(size);
	/* Not die(): the message and exit status of this one path are its own. */
	if (size == SIZE_MAX)
		fputs("dpfaudit: fatal: out of memory (size overflow)\n", stderr);
	else
		fprintf(stderr, "dpfaudit: fatal: out of memory (%zu bytes)\n", size);
	exit(DPF_EXIT_INCOMPLETE);
}

/* xalloc_fail_try(): try_* calls still to succeed; -1: all. */
static long try_budget = -1;

void xalloc_fail_try(long after)
{
	try_budget = after;
}

/* True when the test hook says this try_* call fails. */
static bool try_refused(void)
{
	if (try_budget < 0)
		return false;
	if (try_budget == 0) {
		errno = ENOMEM;
		return true;
	}
	try_budget--;
	return false;
}

void *try_malloc(size_t size)
{
	if (try_refused())
		return NULL;
	return malloc(size ? size : 1);
}

void *try_calloc(size_t n, size_t size)
{
	if (try_refused())
		return NULL;
	if (!n || !size)
		return calloc(1, 1);
	if (n > SIZE_MAX / size) {	/* checked here: sanitizers abort on calloc's own check */
		errno = ENOMEM;
		return NULL;
	}
	return calloc(n, size);
}

void *try_reallocarray(void *p, size_t n, size_t size)
{
	if (try_refused())
		return NULL;
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	n *= size;
	return realloc(p, n ? n : 1);
}

char *try_strndup(const char *s, size_t n)
{
	char *p;

	if (try_refused())
		return NULL;
	if (n == SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void *xmalloc(size_t size)
{
	void *p = try_malloc(size);
	if (!p)
		xalloc_oom(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = try_calloc(n, size);
	if (!p)
		xalloc_oom(size && n > SIZE_MAX / size ? SIZE_MAX : n * size);
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	void *q = try_reallocarray(p, n, size);
	if (!q)
		xalloc_oom(size && n > SIZE_MAX / size ? SIZE_MAX : n * size);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = try_strndup(s, n);
	if (!p)
		xalloc_oom(n == SIZE_MAX ? SIZE_MAX : n + 1);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}
