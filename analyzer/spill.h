/*
 * spill.h - an external merge sort of byte records, for memory bounded
 * whatever the input (SPEC §7).
 *
 * Records (opaque bytes, at most SPILL_RECORD_MAX each) are added to an
 * in-memory buffer of at most `budget` bytes.  When the buffer is full it is
 * sorted with the caller's comparator and written as one sorted run to a
 * temporary file: owner-only (0600), in $TMPDIR (else /tmp), unlinked right
 * after it is created, so it holds personal data for no longer than the
 * process lives and has no name anyone could open.  Reading merges the runs
 * (and whatever is still in memory) in comparator order.  Records that
 * compare equal come back in an unspecified order: callers whose output
 * must be deterministic give a total order.
 *
 * Nothing aborts: an allocation or I/O failure makes the call return -1
 * with errno set, and the sorter keeps that error (spill_error) from then
 * on; what was already added is still readable where the failure allows.
 * Where no temporary file can be created at all, the records in memory
 * stay readable (no error) and every further spill_add() fails (or, with
 * spill_memory_fallback(), the sorter keeps them in memory).
 *
 * Ownership: a struct spill owns its memory and its temporary files; one
 * thread at a time.  The comparator context must outlive the sorter.
 */
#ifndef DPF_SPILL_H
#define DPF_SPILL_H

#include <stddef.h>
#include <stdint.h>

#define SPILL_RECORD_MAX (1u << 20)

/* Compare two records (bytes as added); ctx as given to spill_new. */
typedef int (*spill_cmp)(const void *a, size_t an, const void *b, size_t bn, void *ctx);

struct spill;

/* budget: bytes of records (plus 16 per record) kept in memory; 0: 8 MiB.  NULL: no memory. */
struct spill *spill_new(spill_cmp cmp, void *ctx, size_t budget);
void spill_free(struct spill *s);

/*
 * Where no temporary file can be created, keep the records in memory past
 * the budget instead of failing: for sorters whose records are bounded by
 * data the process already holds (a report's rankings and groups of the
 * findings it kept), so the reports are still written.
 */
void spill_memory_fallback(struct spill *s);

/* Add a copy of the record.  0, or -1 (errno: ENOMEM, EIO, E2BIG, ...). */
int spill_add(struct spill *s, const void *rec, size_t n);
/*
 * Add a record of n bytes written in place: the room for them (valid until
 * the next call on s; the caller fills all n bytes before it), or NULL
 * (errno as spill_add's; nothing added).  For callers that encode a record
 * straight into the sorter instead of encoding it and copying it.
 * prefix: a number the in-memory sort compares first, for the caller whose
 * comparator orders two records as their prefixes wherever these differ
 * (e.g. their first four bytes big-endian, under a memcmp order); 0 for
 * every record where there is none (spill_add's).
 */
void *spill_reserve(struct spill *s, size_t n, uint32_t prefix);
/*
 * Move every record of src into dst (the same comparator); src is left
 * empty.  0 or -1 (then src keeps what was not moved).
 */
int spill_take(struct spill *dst, struct spill *src);

/* Records added (and taken) in all. */
uint64_t spill_count(const struct spill *s);
/* Sorted runs written to disk so far (0: everything fit in memory). */
size_t spill_runs(const struct spill *s);
/* The first error (an errno value), or 0. */
int spill_error(const struct spill *s);
/* Record e (EIO if 0) as the sorter's error, e.g. a record the caller finds damaged; -1. */
int spill_set_error(struct spill *s, int e);

/*
 * Read every record in order: spill_rewind() starts (and may be called
 * again to read everything again), spill_next() returns 1 with *rec / *n
 * (valid until the next call on s), 0 at the end, -1 on an error.  Adding
 * records after a rewind is allowed; rewind again to read them.
 */
int spill_rewind(struct spill *s);
int spill_next(struct spill *s, const void **rec, size_t *n);
/* Stop reading: free the read buffers until the next spill_rewind(). */
void spill_stop(struct spill *s);

/*
 * The temporary files' helpers, for other stores of the same kind
 * (windows.c's payloads): a new owner-only file in $TMPDIR (else /tmp),
 * already unlinked (the caller closes it), or -1 with errno; and a
 * pwrite of all n bytes at off (EINTR retried): 0, or -1 with errno.
 */
int spill_tmpfd(void);
int spill_pwrite_all(int fd, const void *p, size_t n, uint64_t off);

#endif
