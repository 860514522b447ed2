/*
 * windows.h - the windowed checks: excessive-access and failed-access-burst.
 *
 * Events arrive in file order, lines may be out of time order and several
 * inputs' clocks interleave, so the windows are not judged on the fly: each
 * thread appends records (time, user or address, subject, where, evidence)
 * to its win_log; the audit joins the logs and win_evaluate() reads them
 * per key in time order and slides a true window over them (SPEC §4
 * semantics 1 and 8: "at most WINDOW apart, inclusive").  One finding per
 * burst, at the record that crossed the threshold.  Reads are counted per
 * user across all of the user's roles (semantics 8).
 *
 * Memory is bounded whatever the input (SPEC §7): a log keeps at most its
 * memory budget of records in memory and spills the rest to unlinked
 * owner-only temporary files (spill.h): the few fields the windows read,
 * sorted, and apart from them what only a finding needs (user, resource,
 * evidence line), in arrival order, read back for the records that become
 * findings.  Evaluation keeps, per key, only the records its longest
 * window can still use.  Disk holds one record per personal-data read by
 * a user of a role with max-subjects and per 401/403 event, with its
 * evidence line.
 */
#ifndef DPF_WINDOWS_H
#define DPF_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "findings.h"
#include "policy.h"

struct win_log;

struct win_log *win_log_new(void);
void win_log_free(struct win_log *wl);
/*
 * win_log_free() on a thread of its own, returning at once: closing the
 * log's temporary files makes the kernel drop their cached pages (about
 * 12-16 ms of CPU at 2M crm lines), which then runs beside the caller's
 * next work (the reports' summary) instead of before it.  The caller owns
 * the handle and must pass it to win_freer_join() (which waits); NULL when
 * wl was NULL or no thread could start (then wl was freed here).
 */
struct win_freer;
struct win_freer *win_log_free_behind(struct win_log *wl);
/* Wait until the log is freed, and free the handle (NULL: nothing). */
void win_freer_join(struct win_freer *f);

/* A personal-data read judged under role, by a user one of whose roles has max-subjects. */
void win_add_read(struct win_log *wl, const struct event *ev, int role);
/* A 401/403: keyed by user, or by src where there is no user. */
void win_add_denied(struct win_log *wl, const struct event *ev, int role);
/*
 * A limit on records kept, shared by several logs (one per thread) so that
 * it means the same whatever the number of threads.  Owned by the caller;
 * it must outlive the logs that use it.
 */
struct win_budget {
	_Atomic size_t used;
	size_t max;		/* 0: no limit */
};

/*
 * Count this log's records against b (NULL: no limit).  Past the budget,
 * or where memory runs out, records are not kept but counted (win_dropped):
 * the audit reports that the windowed checks did not see everything, never
 * a silent drop and never an abort.
 */
void win_log_set_budget(struct win_log *wl, struct win_budget *b);
size_t win_dropped(const struct win_log *wl);
/*
 * Why records were dropped other than by the budget: the errno of the
 * first one not kept for memory (ENOMEM) or its temporary files (the
 * error of creating or writing one: ENOSPC, EFBIG, EACCES, ...), carried
 * by win_take(); 0 when every drop was the budget's (or none).
 */
int win_drop_error(const struct win_log *wl);
/*
 * Bytes of records this log keeps in memory before it spills to disk
 * (0: the default, 8 MiB).  Set before the first record; results do not
 * depend on it.
 */
void win_log_set_memory(struct win_log *wl, size_t bytes);
/*
 * Threads win_evaluate() may use (0 or 1: only the caller's), e.g. the
 * audit's jobs: the keys are judged in independent partitions, and the
 * findings do not depend on the number.
 */
void win_log_set_jobs(struct win_log *wl, unsigned jobs);
/*
 * The partitions the log's records are split into (1..8; 0: 8), set before
 * the first record: each is a sorter, and a temporary file once it spills,
 * so an audit with many jobs uses fewer.  Results do not depend on it; logs
 * joined with win_take() should have the same (else it copies every record).
 */
void win_log_set_parts(struct win_log *wl, unsigned n);
/* The partitions for an audit of that many jobs: 8, fewer past 32 jobs (about 256 files in all). */
unsigned win_parts_for(unsigned jobs);
/* The first I/O or memory error of the log's spill (an errno value), or 0. */
int win_error(const struct win_log *wl);

/* Move src's records into dst; src is emptied.  Out of memory: false, both unchanged. */
bool win_take(struct win_log *dst, struct win_log *src);
size_t win_count(const struct win_log *wl);

/*
 * A record as a partial result carries it between machines (partial.h):
 * win_foreach() shows every record, win_add_record() adds one back, so a
 * merge judges the windows over every shard's records as one run would.
 */
enum win_record_kind {
	WIN_READ = 0,		/* a personal-data read, keyed by user */
	WIN_DENIED_USER,	/* a 401/403, keyed by user */
	WIN_DENIED_SRC,		/* a 401/403 with no user, keyed by address */
};

struct win_record {
	enum win_record_kind kind;
	int64_t time;
	int32_t nsec;		/* the time's fraction, nanoseconds */
	uint64_t line;
	uint64_t categories;
	uint32_t file;		/* input index */
	int32_t role;		/* the role the event was judged under, or -1 */
	sv key;			/* user, or src */
	sv user, subject, resource, evidence;
};

/*
 * Call fn for every record in a deterministic order (whatever the order
 * they were added in); the views are valid during the call only.
 */
void win_foreach(struct win_log *wl, void (*fn)(void *arg, const struct win_record *r),
		 void *arg);
/* The same for the records of time >= from only (the others cost no payload read). */
void win_foreach_since(struct win_log *wl, int64_t from,
		       void (*fn)(void *arg, const struct win_record *r), void *arg);
/* The latest time of a record kept into *t; false when the log has none. */
bool win_time_max(const struct win_log *wl, int64_t *t);
/* Add a copy of r (its views are copied into the log). */
void win_add_record(struct win_log *wl, const struct win_record *r);

/*
 * Judge every window; append findings to out (in an order fnd_sort() fixes).
 * Deterministic whatever the order records were added in (ties broken by
 * file, then line) and whatever the jobs.  Returns 0, or -1 where the
 * spilled records could not be written or read back (win_error()): then
 * the windowed findings are incomplete.
 */
int win_evaluate(struct win_log *wl, const struct policy *p, struct fnd_list *out);

/*
 * The longest window of p's windowed checks, in seconds (roles' max-subjects
 * windows, failed-access-burst's threshold window, with their defaults).
 * `scan --state` carries the records of the last two such spans to the next
 * run: then every window ending in the last span is whole, so the next run
 * judges exactly as one run over both would (state.h).
 */
int64_t win_longest(const struct policy *p);

#endif
