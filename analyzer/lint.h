/*
 * lint.h - `dpfaudit rules --lint`: warnings about a policy that loaded
 * (rules.h) but may not do what its author meant.  The whole API of lint.c.
 */
#ifndef DPF_LINT_H
#define DPF_LINT_H

#include <stddef.h>

#include "policy.h"

/*
 * Lint warnings, one "file:line: message" per entry, *n of them, in a
 * stable order: categories no role may read, roles with no members,
 * patterns that can never match a path, greedy catch-alls, users in
 * several roles.  p is only read.  The array and its strings are the
 * caller's: lint_free() releases them.
 */
char **lint_policy(const struct policy *p, size_t *n);

/* Free what lint_policy() returned (w may be NULL when n is 0). */
void lint_free(char **w, size_t n);

#endif
