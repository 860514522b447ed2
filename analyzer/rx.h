/*
 * rx.h - PCRE2 patterns from the rules: compiled once, matched many times.
 *
 * A struct rx is immutable after rx_compile() and shared by all threads.
 * Matching needs a struct rx_thread (match data, match context with limits,
 * JIT stack), one per thread, reused for every match: no allocation per
 * match.  Subjects are passed as (ptr, len), never NUL-terminated copies.
 *
 * Match and depth limits keep a hostile pattern (^(a+)+$ on a long line)
 * from hanging a scan: a match that hits a limit counts as no match, and
 * the per-pattern counter lets the audit report it once.
 */
#ifndef DPF_RX_H
#define DPF_RX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "sv.h"

#define RX_MAX_GROUPS 64
/* \d+ runs an exact skeleton may hold (rx_exact_group() keeps their places on its stack). */
#define RX_SKEL_DIGITS 16
#define RX_MATCH_LIMIT 1000000u
#define RX_DEPTH_LIMIT 10000u

/* Compile flags. */
#define RX_CASELESS 1u

struct rx {
	void *code;		/* pcre2_code_8 * */
	char *pattern;		/* owned copy of the source text */
	char *where;		/* owned "file:line" of the pattern, for messages */
	unsigned ngroups;	/* capture groups */
	bool jit;
	atomic_ulong limit_hits;	/* matches abandoned at a limit */
	/*
	 * A prefilter: the literal text every match must start with, when the
	 * pattern is anchored (^abc...) and has no top-level alternation.  Most
	 * log lines touch no personal data; a memcmp rejects them before PCRE2.
	 */
	char prefix[32];
	size_t nprefix;
	/*
	 * A second prefilter, tested after the prefix: the anchored start of
	 * the pattern as a tiny program of literal runs, \d+ (bare or as a
	 * group) and optional literal characters, kept only where greedy
	 * matching of it is exact (see rx.c).  Every PCRE2 match satisfies it,
	 * so a subject it rejects is no match; "^/api/v\d+/customers/(\d+)/email"
	 * rejects "/api/v1/customers/42/account" without PCRE2.  nskel 0: none.
	 */
	unsigned char skel[48];
	size_t nskel;
	/*
	 * skel[0..nstem): the skeleton up to its last \d+ (0: none), often
	 * shared by many patterns ("^/api/v\d+/customers/(\d+)/"); a caller
	 * runs it once per subject (rx_skel_run) and each pattern's rest with
	 * rx_match_after_stem().
	 */
	size_t nstem;
	/*
	 * The rest after the stem, skel[nstem..nskel), starts with a literal
	 * run of nrestlit bytes at skel + nstem + 2 (0: the rest is empty).  A
	 * caller that tries many patterns after one stem compares these bytes
	 * inline and runs only skel[nstem + 2 + nrestlit..nskel) after them.
	 */
	size_t nrestlit;
	/*
	 * The skeleton is all of the pattern (exact), or all of it but a last
	 * \b after a literal (exact_wb): a subject that passes it is a match
	 * (with the \b tested where it ended), its groups the \d+ runs marked
	 * in skel_caps (bit j: the j-th \d+ of the skeleton is a capture group;
	 * they are all the pattern's groups).  See rx_exact_at().
	 */
	bool exact, exact_wb;
	uint64_t skel_caps;
};

struct rx_thread;

/*
 * Compile a pattern.  where is "file:line" (copied).  On error returns NULL
 * with err = "WHERE: regex error at offset N: MESSAGE".
 */
struct rx *rx_compile(const char *pattern, size_t len, unsigned flags,
		      const char *where, struct diag *err);
void rx_free(struct rx *r);

struct rx_thread *rx_thread_new(void);
void rx_thread_free(struct rx_thread *t);

/* 1: match, 0: no match (or limit hit: r->limit_hits is incremented). */
int rx_match(const struct rx *r, sv subject, struct rx_thread *t);
/*
 * rx_match() for a caller that has itself checked that subject starts with
 * r->prefix (engine.c tests each distinct prefix once per event, not once
 * per pattern): the same result, without the prefilter.
 */
int rx_match_prefixed(const struct rx *r, sv subject, struct rx_thread *t);

/*
 * Run the skeleton program prog[0..nprog) (a slice of some r->skel that
 * starts at an operation) on subject from *pos: false if it rejects,
 * else true with *pos just after what it consumed.
 */
bool rx_skel_run(const unsigned char *prog, size_t nprog, sv subject, size_t *pos);
/*
 * rx_match() for a caller that has itself run all of r->skel on subject
 * (rx_skel_run from 0, in one piece or in parts, true) and tested the
 * prefix: the same result, with no prefilter left to run.
 */
int rx_match_after_skel(const struct rx *r, sv subject, struct rx_thread *t);

/*
 * For a caller that has run all of r->skel on subject (true, ending at
 * end) and tested the prefix: 1 if that is a match, 0 if not, without
 * PCRE2, where r is exact or exact_wb; -1 where only PCRE2 can tell
 * (rx_match_after_skel(): r is neither, or a byte >= 0x80 is next to its
 * \b, whose word-ness is PCRE2's character tables').
 */
int rx_exact_at(const struct rx *r, sv subject, size_t end);
/*
 * Group idx of the match rx_exact_at() found (1) on subject, as rx_group()
 * gives it after PCRE2's match: the skeleton is run again for its \d+ runs.
 */
sv rx_exact_group(const struct rx *r, sv subject, unsigned idx);

/*
 * After a successful rx_match() with the same thread and subject: the view
 * of group idx (0 = whole match); empty if unset.
 */
sv rx_group(const struct rx_thread *t, sv subject, unsigned idx);
/* Number of a named group, or -1. */
int rx_group_index(const struct rx *r, const char *name);
/* Name of group idx, or NULL if it has no name. */
const char *rx_group_name(const struct rx *r, unsigned idx);

#endif
