/*
 * evidence.h - evidence records that back a business reason (tickets).
 *
 * An [evidence NAME] source is a CSV file with a header row; the column
 * named by `key` (default "id") is matched against an event's reason; the
 * columns `subject`, `assignee`, `opened`, `closed` (ISO 8601; empty closed
 * = still open) say what the record covers.  Loaded once into two hash
 * indexes: by key, and by (subject, assignee) for inference (`infer = yes`).
 * Lookups are O(1) and allocate nothing; the index is read-only and shared
 * by all threads after loading.
 */
#ifndef DPF_EVIDENCE_H
#define DPF_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "sv.h"

struct evd_record {
	sv key, subject, assignee;	/* owned by the index */
	int64_t opened;			/* INT64_MIN if empty */
	int64_t closed;			/* INT64_MAX if empty: still open */
	int32_t opened_ns, closed_ns;	/* their fractions (nanoseconds): compared too */
};

struct evd_index;

/*
 * Load path; key is the key column's name.  Errors name "path:line:" (a
 * missing column, a bad date, a row with too few fields).  Quoted CSV
 * fields ("a,b", "" escapes) are understood.
 */
struct evd_index *evd_load(const char *path, const char *key, struct diag *err);
void evd_free(struct evd_index *x);
size_t evd_count(const struct evd_index *x);

/* The record whose key equals key, or NULL.  Several with one key: the first. */
const struct evd_record *evd_find(const struct evd_index *x, sv key);

/* Why a reason failed verification. */
enum evd_verdict {
	EVD_OK = 0,
	EVD_MISSING,		/* no record with that key */
	EVD_OTHER_SUBJECT,	/* the record is for another subject */
	EVD_OTHER_ASSIGNEE,	/* assigned to someone else */
	EVD_NOT_OPEN,		/* not open at that time (before opened or after closed) */
};
/*
 * Verify: record key exists, is for subject, assigned to user, open at t
 * (seconds) + nsec: opened <= t <= closed at full precision.
 */
enum evd_verdict evd_verify(const struct evd_index *x, sv key, sv subject,
			    sv user, int64_t t, int32_t nsec, const struct evd_record **rec);
const char *evd_verdict_text(enum evd_verdict v);

/* Inference: is there a record for (subject, user) open at t?  Sets *rec. */
bool evd_infer(const struct evd_index *x, sv subject, sv user, int64_t t, int32_t nsec,
	       const struct evd_record **rec);

#endif
