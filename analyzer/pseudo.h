/*
 * pseudo.h - pseudonymised reports (--pseudonymize KEYFILE).
 *
 * A report can go to people who may see that a breach happened but not who
 * was involved.  Every user and subject identifier in the findings is
 * replaced with a keyed HMAC-SHA256 pseudonym ("user-3f9a0c1d2e",
 * "subject-8b7c6d5e4f"): stable across runs with the same key, so two
 * nightly reports can still be compared, and not reversible without it.
 * The same identifiers are replaced everywhere else the report quotes the
 * log or the command line (psd_map_text).  Source addresses are named the
 * same way ("src-5a6b7c8d9e"): the events' src values, and any IPv4 or
 * IPv6 address written in a text, whether or not an event had it as src.
 */
#ifndef DPF_PSEUDO_H
#define DPF_PSEUDO_H

#include "result.h"
#include "buf.h"
#include "diag.h"
#include "event.h"
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
 * The findings are read once, in list order (fnd_iter; a spilled list's
 * read error is left in fnd_error(&res->findings)).  Where two ids could
 * match at one place, the one added last wins.
 *
 * Memory: the ids are collected into a sorter that spills past 2 MiB (a
 * temporary file as spill.h's; with none, memory grows instead), so
 * collecting them costs no memory per id.  Before the first lookup they
 * are read once into an index of about 60 bytes per distinct id plus the
 * id: the one per-id memory --pseudonymize still needs, as an id is
 * replaced in any text, not only in the fields it came from.
 */
struct psd_map;
struct filter;
struct psd_map *psd_map_new(const struct psd *p, const struct aud_result *res,
			    const struct filter *f);
void psd_map_free(struct psd_map *m);
/*
 * Add one id of kind ("user", "subject", "src"; a string literal) to m
 * (res and f of psd_map_new may be NULL).  "" and "-" are not added.
 */
void psd_map_add(struct psd_map *m, const struct psd *p, const char *kind, sv id);
/* Add an event's user, subject and src (with m's own copy of the key). */
void psd_map_add_event(struct psd_map *m, const struct event *ev);
/*
 * Make m's index from every id added so far (again after more were
 * added): 0, or an errno value (a temporary file could not be written or
 * read, memory ran out, an unknown kind was added), kept from then on.
 * Then m finds no id at all: a caller checks this before any text is
 * pseudonymised and shows none.  The lookups below call it themselves.
 */
int psd_map_ready(const struct psd_map *m);
/*
 * Add every id of from to m (made with the same key: the pseudonyms are
 * copied).  So each audit thread collects the ids of its events in its own
 * map and the run's map is their union.
 */
void psd_map_merge(struct psd_map *m, const struct psd_map *from);
/*
 * Collecting a run's ids in its audit's parser threads: one map per
 * thread (psd_map_add_event from the audit's on_judged callback), joined
 * into the run's map after the audit.
 */
struct psd_maps {
	struct psd_map **v;
	unsigned n;
};
#define PSD_MAPS_INIT { NULL, 0 }
struct eng_verdict;
/* nw maps made with key p (nw = the audit's parser threads; 0 is taken as 1). */
void psd_maps_init(struct psd_maps *c, const struct psd *p, unsigned nw);
/* An aud_event_fn body: add ev's ids to the map of worker (ignored out of range). */
void psd_collect(struct psd_maps *c, unsigned worker, const struct event *ev,
		 const struct eng_verdict *v);
/* Add every collected id to m. */
void psd_maps_join(const struct psd_maps *c, struct psd_map *m);
void psd_maps_release(struct psd_maps *c);

/*
 * s with every occurrence of from replaced by to (the boundaries and case
 * rule of psd_map_text), made in a; s itself when from does not occur (for
 * writers that pseudonymise their own copies, as trace does).
 */
sv psd_rewrite(struct arena *a, sv s, sv from, sv to);
/* s with every id and address of m replaced (a copy in a), or s itself when none is in it. */
sv psd_map_text(const struct psd_map *m, sv s, struct arena *a);
/*
 * The same into out: appends s with every id and address replaced and
 * returns true, or appends nothing and returns false when s holds none.
 */
bool psd_map_buf(const struct psd_map *m, sv s, struct buf *out);

/*
 * Pseudonymise res (after psd_map_ready(m), whose error it returns first,
 * changing nothing): every string of every finding (any finding's ids, not
 * only its own) and the unparsed and overlong examples (re-made in
 * res->arena).  The findings keep their order (that of the real ids, as
 * sorted): an in-memory list is rewritten in place, a spilled one through
 * a new temporary file (fnd_rewrite).  0, or an errno value when that file
 * could not be read or written: then the findings are as they were (the
 * examples are pseudonymised), and no report may show them.
 */
int psd_apply(const struct psd_map *m, struct aud_result *res);

#endif
