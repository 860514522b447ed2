/*
 * xalloc.h - the one allocation layer (the idea of git's wrapper.c).
 *
 * Two tiers, so that running out of memory has exactly one path:
 *
 *   x*()    setup and bookkeeping that cannot continue without the memory
 *           (loading rules, building the engine, the report's tables).
 *           They never return NULL: on failure they call xalloc_oom(), which
 *           runs the hook (see below) and then ends the program with
 *           "dpfaudit: fatal: out of memory (N bytes)" and exit status 3
 *           (DPF_EXIT_INCOMPLETE: the audit could not be completed).
 *   try_*() data paths that can degrade instead of dying (an input reported
 *           incomplete, a finding spilled, a window pruned).  They return
 *           NULL and set errno to ENOMEM; the caller reports it.
 *
 * Every size computation is overflow-checked: n * size or a + b that does
 * not fit a size_t is treated as a failed allocation of SIZE_MAX bytes
 * (x*: fatal, try_*: NULL), never as a short allocation.
 *
 * Zero-sized requests return a unique non-NULL pointer (malloc(1)), so
 * "NULL means failure" holds everywhere.
 *
 * Memory from both tiers is released with free().
 */
#ifndef DPF_XALLOC_H
#define DPF_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* realloc(p, n * size) with the product checked. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* A NUL-terminated copy of the first n bytes of s (s need not be terminated). */
char *xstrndup(const char *s, size_t n);

void *try_malloc(size_t size);
void *try_calloc(size_t n, size_t size);
void *try_reallocarray(void *p, size_t n, size_t size);
char *try_strndup(const char *s, size_t n);

/*
 * The single out-of-memory exit of the x* tier.  Calls the hook (if set)
 * with the size that failed, then prints the fatal message and exits 3.
 * Also for allocators outside this file (yajl's, PCRE2's, the arena) that
 * cannot return failure to their caller.
 */
_Noreturn void xalloc_oom(size_t size);

/*
 * Called once by xalloc_oom() before it exits, e.g. to write the partial
 * results and mark the run incomplete.  The hook must not allocate through
 * the x* tier and must not return to the allocator's caller (it may exit
 * itself; if it returns, xalloc_oom() exits as above).  NULL removes it.
 * Set it before starting threads.
 */
void xalloc_set_oom_hook(void (*hook)(size_t size));

/*
 * For unit tests only: the next `after` try_* calls succeed, every later
 * one fails with ENOMEM as if memory had run out; -1 (the default) turns
 * this off.  Not thread-safe: call it where no other thread allocates.
 */
void xalloc_fail_try(long after);

#endif
