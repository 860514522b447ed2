/*
 * sources.h - the built-in audit sources (SPEC §3 "Audit sources beyond web
 * servers"), written in the rule language itself: one [format NAME] section
 * per source, loaded with rules_load_builtin() when the format set is built
 * (format.c), so a built-in source uses exactly the machinery a user's
 * [format] does and doc/sources.md can show each mapping as rules.
 */
#ifndef DPF_SOURCES_H
#define DPF_SOURCES_H

#include <stdbool.h>

#include "sv.h"

/* The rule text of every built-in source, NUL-terminated, static. */
extern const char src_rules[];

/* Is name one of the built-in sources' format names? */
bool src_is_builtin(sv name);

#endif
