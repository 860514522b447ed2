/*
 * result.h - what one audit run found: per-input coverage, the findings and
 * the totals (the data the report writers, pseudo, partial, events and
 * outcome read), apart from the threaded driver that fills it (audit.h).
 *
 * A result owns everything it points to (inputs, limits and the strings in
 * its arena, the findings, the deferred window records);
 * aud_result_release() frees it.
 */
#ifndef DPF_RESULT_H
#define DPF_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "checks.h"
#include "findings.h"
#include "sv.h"

struct win_log;

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
	char sha256[65];		/* of the bytes on disk; "" if unreadable or not wanted (aud_options.no_raw_digests) */
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
	/*
	 * The judged window records being freed beside the reports' work
	 * (win_log_free_behind); aud_result_release() waits for it.  Nothing
	 * in the result points into them.
	 */
	struct win_freer *windows_freer;

	struct arena arena;
};

void aud_result_release(struct aud_result *res);

/* Recompute the coverage totals from res->inputs. */
void aud_totals(struct aud_result *res);

/* The default --max-unparsed: 1%, in hundredths of a percent. */
#define AUD_MAX_UNPARSED 100

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

#endif
