/*
 * pseudo.h - pseudonymised reports (--pseudonymize KEYFILE).
 *
 * A report can go to people who may see that a breach happened but not who
 * was involved.  Every user and subject identifier in the findings is
 * replaced with a keyed HMAC-SHA256 pseudonym ("user-3f9a0c1d2e",
 * "subject-8b7c6d5e4f"): stable across runs with the same key, so two
 * nightly reports can still be compared, and not reversible without it.
 * The same identifiers are replaced inside the evidence lines, details and
 * resources of those findings, where they stand as whole words.
 */
#ifndef DPF_PSEUDO_H
#define DPF_PSEUDO_H

#include "arena.h"
#include "audit.h"
#include "diag.h"
#include "sv.h"

struct psd;

/* Read the key (the file's bytes, at least 16).  NULL with "PATH: ..." on error. */
struct psd *psd_load(const char *path, struct diag *err);
void psd_free(struct psd *p);

/* The pseudonym of one identifier of a kind ("user", "subject"), into out (>= 32 bytes). */
void psd_name(const struct psd *p, const char *kind, sv id, char *out, size_t cap);

/*
 * s with every whole-word occurrence of from replaced by to, made in a; s
 * itself when from does not occur (for writers that pseudonymise their own
 * copies, as trace does).
 */
sv psd_rewrite(struct arena *a, sv s, sv from, sv to);

/* Pseudonymise every finding of res (strings are re-made in res->arena). */
void psd_apply(const struct psd *p, struct aud_result *res);

#endif
