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
 * The result owns everything it points to; aud_result_release() frees it.
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
#include "findings.h"
#include "format.h"
#include "policy.h"

#define AUD_EXAMPLES 3

struct aud_example {
	uint64_t line;
	sv text;	/* unredacted, truncated to 200 bytes; writers redact */
};

struct aud_input {
	const char *path;		/* as given / found ("-" for stdin) */
	uint64_t size;			/* bytes on disk (compressed), 0 for a pipe */
	const char *compression;	/* "plain", "gzip", "zstd", "xz", "bzip2" */
	const char *format;		/* format name, or NULL if none detected */
	/*
	 * Records are the lines (multi-line records once) that are neither
	 * blank nor '#' comments: parsed + unparsed + skipped (+ overlong).
	 * unparsed includes unmapped: records the format parsed that name
	 * neither a user nor a resource (SPEC §5: they lack the fields the
	 * format maps), so no access could be read from them.  skipped are
	 * records that are no access by design (ev->skip: a syslog line of a
	 * program that logs no accesses, a pgAudit server line, a format's
	 * `skip`): still events, never personal-data reads.
	 */
	uint64_t lines, parsed, unparsed, overlong, events, pd_reads;
	uint64_t unmapped;		/* of unparsed */
	uint64_t skipped;		/* records no access by design (events, never reads) */
	uint64_t comments;		/* blank lines and '#' comment lines: not records */
	uint64_t window_dropped;	/* reads/denials not kept: past max_window_records, or out of memory */
	uint64_t findings_lost;		/* findings not kept: out of memory */
	/*
	 * Audited whole: read to the end without damage, no overlong line
	 * skipped, and in a format that could be detected.  Otherwise error
	 * says what is missing, with its location: "byte 5123 (after line
	 * 88): unexpected end of gzip stream", "line 12: 1 line(s) longer than
	 * 1048576 bytes skipped", "PATH: No such file or directory", ...
	 */
	bool complete;
	const char *error;		/* NULL if complete */
	uint64_t error_offset;		/* compressed byte offset of stream damage */
	bool has_time;
	int64_t tmin, tmax;		/* time range of its events */
	char sha256[65];		/* of the bytes on disk; "" if unreadable */
	struct aud_example unparsed_ex[AUD_EXAMPLES];
	size_t nunparsed_ex;
	struct aud_example overlong_ex[AUD_EXAMPLES];
	size_t noverlong_ex;
	/*
	 * Incremental runs (aud_options.resume, `scan --state`): already_audited
	 * is an input a previous run audited whole (not read again; lines 0);
	 * resumed_after is the number of lines read but not judged, because a
	 * previous run judged them (line numbers stay those of the file).
	 */
	bool already_audited;
	uint64_t resumed_after;
	/* With aud_options.content_digests: identity and decompressed content digests. */
	uint64_t dev, ino;
	uint64_t content_bytes;		/* decompressed bytes read */
	char content_sha256[65];	/* of those bytes; "" when not computed */
	char head_sha256[65];		/* of the first INP_HEAD of them */
	bool ends_nl;			/* they end with '\n' */
};

/* A regex that hit its match limit, reported once. */
struct aud_limit {
	const char *where;		/* "rules/x.rules:12" */
	unsigned long hits;
};

struct aud_result {
	struct aud_input *inputs;
	size_t ninputs;
	struct fnd_list findings;	/* sorted; filtered by opts->filter */
	size_t findings_filtered_out;	/* judged but not selected by the filters */

	/* Coverage (all inputs). */
	uint64_t lines, parsed, unparsed, overlong, events, pd_reads, skipped;
	uint64_t unmapped, comments;
	uint64_t records;		/* parsed + unparsed + overlong + skipped */
	uint64_t failed_requests;	/* status >= 400 */
	uint64_t transfers;		/* export/transfer events */
	/* Events that could test each principle (SPEC §5 "events assessed"). */
	uint64_t assessed[PR_COUNT];
	/* Personal-data reads per UTC hour of day, and findings per hour. */
	uint64_t reads_by_hour[24];
	uint64_t findings_by_hour[24];
	bool has_time;
	int64_t tmin, tmax;

	struct aud_limit *limits;
	size_t nlimits;
	/*
	 * Some input not read whole (or over --max-unparsed), or nothing
	 * audited at all: no input, or no record in any (SPEC §5).
	 */
	bool incomplete;

	/* With aud_options.defer_windows: the window records, not yet judged (owned). */
	struct win_log *windows;

	struct arena arena;
};

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
	 * `scan --state`: carry_in (may be NULL) holds window records an earlier
	 * run kept; they join this run's records, and findings they trigger are
	 * dropped (that run reported them).  carry_out (may be NULL) receives
	 * the records of the last 2 x win_longest() seconds before the latest
	 * record, for the next run.
	 */
	struct win_log *carry_in, *carry_out;
};

#define AUD_RESUME_SKIP UINT64_MAX

#define AUD_MAX_UNPARSED 100

#define AUD_WINDOW_RECORDS 10000000

/*
 * Run the audit.  Returns 0 (the result may still be incomplete: see
 * res->incomplete) or -1 with err on a setup failure (nothing scanned).
 * Per-input problems never fail the run; they are in res->inputs[i].
 */
int aud_run(const struct policy *pol, const struct fmt_set *fmts, const struct eng *eng,
	    const char *const *paths, size_t npaths, const struct aud_options *opts,
	    struct aud_result *res, struct diag *err);
void aud_result_release(struct aud_result *res);

/*
 * Finish a result: judge the windows over wl's records (may be NULL), sort
 * the findings, apply the filter (may be NULL), count findings per hour and
 * the totals over res->inputs.  aud_run() calls it; `merge` calls it on the
 * joined partial results, so both give the same report.
 */
struct win_log;
void aud_finish(const struct policy *pol, const struct filter *filter, struct win_log *wl,
		struct aud_result *res);
/* Recompute the coverage totals from res->inputs. */
void aud_totals(struct aud_result *res);
/*
 * Mark every input still complete whose unparsed records are more than
 * max (hundredths of a percent) of its records incomplete, with the share
 * and the first example in its error; then aud_totals().  aud_run() calls
 * it with aud_options.max_unparsed, `merge` with its own.
 */
void aud_check_unparsed(struct aud_result *res, unsigned max);
/*
 * Parse a --max-unparsed value: "1%", "0.5", "100%" (a percentage, at most
 * two decimals, 0..100) into hundredths of a percent.  -1 if malformed.
 */
int aud_parse_share(const char *s, unsigned *out);

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
