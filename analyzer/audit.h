/*
 * audit.h - one audit run: inputs through every stage into a result.
 *
 * aud_run() expands nothing (paths are already expanded, paths.h): for each
 * input it streams lines (input.h, lines.h), detects or applies the format
 * (format.h), classifies and judges every event (engine.h), then joins the
 * threads' findings and window records and judges the windows (windows.h).
 * Inputs are spread over opts->jobs worker threads; results are joined in
 * input order and sorted, so the result is identical for any -j.
 *
 * The result (result.h) owns everything it points to; aud_result_release()
 * frees it.
 */
#ifndef DPF_AUDIT_H
#define DPF_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "engine.h"
#include "filter.h"
#include "format.h"
#include "policy.h"
#include "result.h"

/*
 * Called for every event that passes the filters, from the parser threads:
 * worker is the parser's index, below opts->jobs (aud_cpus() when jobs is
 * 0).  Each record is judged exactly once, by one parser, and a parser
 * judges the records of a chunk in line order; chunks of one input may go
 * to different parsers.  The event's views die when the callback returns.
 */
typedef void (*aud_event_fn)(void *arg, unsigned worker, const struct event *ev,
			     const struct eng_verdict *v);

struct aud_options {
	const char *format;	/* -F NAME, or NULL: detect per input */
	size_t max_line;	/* 0: LR_DEFAULT_MAX */
	unsigned jobs;		/* 0: number of CPUs */
	bool progress;		/* draw progress on stderr */
	int year;		/* for syslog without a year; 0: the file's mtime */
	struct filter filter;
	aud_event_fn on_event;	/* may be NULL */
	void *on_event_arg;
	/*
	 * Called (parser threads, the same argument) for every judged event,
	 * whether or not the filter passes it: --pseudonymize collects every
	 * id of the run, since a reported line may name a user the filters
	 * leave out.  May be NULL.
	 */
	aud_event_fn on_judged;
	/*
	 * Called (from the parser threads, with the same argument) for each
	 * record skipped by design (ev->skip: no access, not judged, never
	 * given to on_event), so `dpfaudit test` can tell a skipped record
	 * from an unparsed one.  May be NULL.
	 */
	aud_event_fn on_skip;
	/*
	 * Leave the windowed checks unjudged (res->windows keeps their records)
	 * and the findings unsorted and unfiltered: a partial result for
	 * `scan --partial`, finished by aud_finish() after merging shards.
	 */
	bool defer_windows;
	/*
	 * Window records kept at most, all threads together, so the limit means
	 * the same for any -j (0: the default, AUD_WINDOW_RECORDS).  Past it, or
	 * where memory runs out, the windowed checks do not see every event and
	 * the inputs concerned are reported incomplete (exit 3).
	 */
	size_t max_window_records;
	/*
	 * Bytes of findings kept in memory, all threads together, before they
	 * spill (findings.h FND_MEMORY_BUDGET; aud_memory_budget() gives it
	 * with the test override); 0: always in memory.  Only for a caller that
	 * reads res->findings with fnd_iter alone (the JSON and CSV reports).
	 */
	size_t findings_budget;
	/*
	 * --max-unparsed, in hundredths of a percent of an input's records
	 * (0..10000), and whether it was given; unset: AUD_MAX_UNPARSED
	 * (1%).  An input with a larger share unparsed is incomplete.
	 */
	bool max_unparsed_set;
	unsigned max_unparsed;
	/*
	 * `scan --state` (state.h): per input (NULL: none), the lines a previous
	 * run already judged: read (and hashed) but not judged again;
	 * AUD_RESUME_SKIP: the input is not read at all (already audited whole).
	 * content_digests: fill aud_input's identity and content digests.
	 */
	const uint64_t *resume;
	bool content_digests;
	/*
	 * No output shows an input's raw SHA-256 (aud_input.sha256 stays ""):
	 * the files are not hashed (1.2-1.6% of the CPU of a scan of crm2m,
	 * perf).  false (the default): hashed.
	 */
	bool no_raw_digests;
	/*
	 * `scan --state`: carry_in (may be NULL) holds window records an earlier
	 * run kept; they join this run's records, and findings they trigger are
	 * dropped (that run reported them).  carry_out (may be NULL) receives
	 * the records of the last 2 x win_longest() seconds before the latest
	 * record, for the next run.
	 */
	struct win_log *carry_in, *carry_out;
};

#define AUD_RESUME_SKIP UINT64_MAX

#define AUD_WINDOW_RECORDS 10000000

/*
 * Run the audit.  Returns 0 (the result may still be incomplete: see
 * res->incomplete) or -1 with err on a setup failure (nothing scanned).
 * Per-input problems never fail the run; they are in res->inputs[i].
 */
int aud_run(const struct policy *pol, const struct fmt_set *fmts, const struct eng *eng,
	    const char *const *paths, size_t npaths, const struct aud_options *opts,
	    struct aud_result *res, struct diag *err);

/*
 * Where res's findings could not be read back whole (fnd_error: their
 * temporary file), mark every input incomplete, saying so.  aud_finish()
 * calls it; so does whoever reads a spilled list first after it (the
 * reports' summary, outcome.c), as aud_finish() need not read it.
 */
void aud_findings_unread(struct aud_result *res);
/* Mark every input of res incomplete (those not already), why being the reason shown. */
void aud_incomplete(struct aud_result *res, const char *why);

/*
 * Finish a result: judge the windows over wl's records (may be NULL), sort
 * the findings, apply the filter (may be NULL), count findings per hour and
 * the totals over res->inputs.  aud_run() calls it; `merge` calls it on the
 * joined partial results, so both give the same report.
 */
struct win_log;
void aud_finish(const struct policy *pol, const struct filter *filter, struct win_log *wl,
		struct aud_result *res);

/*
 * Bytes of window records kept in memory, all threads together, before
 * they spill to a temporary file (windows.h): AUD_MEMORY_BUDGET, or the
 * environment's DPFAUDIT_MEMORY_BUDGET (bytes, at least 4096; for tests
 * that force the spill path).  Reports do not depend on it.
 */
#define AUD_MEMORY_BUDGET ((size_t)16 << 20)
size_t aud_memory_budget(void);

/* Number of CPUs online (>= 1). */
unsigned aud_cpus(void);

#endif
