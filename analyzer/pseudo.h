/*
 * pseudo.h - pseudonymised reports (--pseudonymize KEYFILE).
 *
 * A report can go to people who may see that a breach happened but not who
 * was involved.  Every user and subject identifier in the findings is
 * replaced with a keyed HMAC-SHA256 pseudonym ("user-3f9a0c1d2e",
 * "subject-8b7c6d5e4f"): stable across runs with the same key, so two
 * nightly reports can still be compared, and not reversible without it.
 * The same identifiers are replaced everywhere else the report quotes the
 * log or the command line (psd_map_text).
 */
#ifndef DPF_PSEUDO_H
#define DPF_PSEUDO_H

#include "result.h"
#include "diag.h"
#include "sv.h"

struct psd;

/* Read the key (the file's bytes, at least 16).  NULL with "PATH: ..." on error. */
struct psd *psd_load(const char *path, struct diag *err);
void psd_free(struct psd *p);

/* The pseudonym of one identifier of a kind ("user", "subject"), into out (>= 32 bytes). */
void psd_name(const struct psd *p, const char *kind, sv id, char *out, size_t cap);

/*
 * Every user and subject id of a run (the findings' and the --user and
 * --subject filters', f may be NULL) with its pseudonym, to be replaced in
 * any text: case-insensitively, wherever the id is not part of a longer
 * run of letters and digits ("/5012.html", "for-5013-mrossi", "MROSSI").
 */
struct psd_map;
struct filter;
struct psd_map *psd_map_new(const struct psd *p, const struct aud_result *res,
			    const struct filter *f);
void psd_map_free(struct psd_map *m);
/* Add one id of kind ("user", "subject") to m (res and f of psd_map_new may be NULL). */
void psd_map_add(struct psd_map *m, const struct psd *p, const char *kind, sv id);
/*
 * s with every occurrence of from replaced by to (the boundaries and case
 * rule of psd_map_text), made in a; s itself when from does not occur (for
 * writers that pseudonymise their own copies, as trace does).
 */
sv psd_rewrite(struct arena *a, sv s, sv from, sv to);
/* s with every id of m replaced (a copy in a), or s itself when none is in it. */
sv psd_map_text(const struct psd_map *m, sv s, struct arena *a);

/*
 * Pseudonymise res: every string of every finding (any finding's ids, not
 * only its own) and the unparsed and overlong examples (re-made in
 * res->arena).
 */
void psd_apply(const struct psd_map *m, struct aud_result *res);

#endif
