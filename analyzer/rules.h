/*
 * rules.h - loading the INI rule language (SPEC §4) into a policy.
 *
 * rules_load() reads every path (a *.rules file, or a directory whose
 * *.rules files are read in sorted order), follows `include = PATH`
 * (relative to the including file; loops are errors), compiles every regex
 * (JIT), loads members, evidence and opt-out files (relative to their rule
 * file), resolves names, and computes the rules digest.
 *
 * Every error is returned, never printed, as one message that names
 * "file:line" (and ":column" where it helps) and what was expected:
 *   "rules/a.rules:7: unknown key 'may-reed' in [role support] (did you mean 'may-read'?)"
 *   "rules/a.rules:12: regex error at offset 7: missing closing parenthesis"
 *   "rules/a.rules:3: undefined category 'emial'"
 * Nothing is scanned when rules fail to load (exit 2).
 */
#ifndef DPF_RULES_H
#define DPF_RULES_H

#include <stddef.h>

#include "diag.h"
#include "policy.h"

/*
 * Load the policy from paths (npaths >= 1).  Returns a new policy (caller
 * frees with policy_free) or NULL with err filled.  Warnings that do not
 * stop loading (a role with no members) are not errors; see lint.h.
 */
struct policy *rules_load(const char *const *paths, size_t npaths, struct diag *err);

/*
 * Load rule text held in the program (the built-in sources, sources.h)
 * under the display name `name`: [format] sections only in practice, names
 * of built-in formats allowed, no includes.  NULL + err on failure.
 */
struct policy *rules_load_builtin(const char *name, const char *text, struct diag *err);

/*
 * The default rules path, argv0 being the process's argv[0]:
 * $DPFAUDIT_RULES if set; else, when argv0 names a "dpfaudit" binary by a
 * path, BIN/../rules if BIN/../rules/dpf.rules exists (an in-tree build),
 * or DPF_ABS_SRCDIR "/rules" if BIN/.. is the build tree the binary was
 * built in (DPF_ABS_BUILDDIR, compile-time: a VPATH build); else
 * DPF_DATADIR "/rules".  Both work from any working directory.  Returns a
 * malloc'd string.
 */
char *rules_default_path(const char *argv0);

#endif
