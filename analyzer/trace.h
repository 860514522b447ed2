/*
 * trace.h - the timeline of `dpfaudit trace`: the events of one data
 * subject (--subject) or of one user (--user), in time order, each with
 * its role, reason, ticket and verdict, and the writers that lay it out
 * (text, csv, json, html).
 *
 * cmd_trace.c runs the audit and copies the selected events into a
 * struct tr_set (strings in the set's arena); this module attaches the
 * findings judged after the scan, sorts, summarises and writes.  It does
 * no I/O of its own but to the FILE it is handed, so the unit tests build
 * a set by hand and read what the writers print.
 */
#ifndef DPF_TRACE_H
#define DPF_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "result.h"
#include "buf.h"
#include "checks.h"
#include "engine.h"
#include "event.h"
#include "findings.h"
#include "policy.h"
#include "pseudo.h"
#include "redact.h"
#include "sv.h"

/* One traced event, copied out of the line it came from. */
struct tr_ev {
	int64_t time;
	bool has_time, pd_read;
	enum ev_action action;
	int status;
	int64_t bytes, records;
	uint64_t categories;
	uint32_t file;
	uint64_t line;
	sv user, raw_action, resource, subject, reason, src, dst;
	struct eng_verdict v;	/* justified_by: the ticket, copied */
	uint32_t windowed;	/* built-in check bits of findings judged after the scan */
	enum sev worst;		/* highest severity of the event's findings; SEV_NONE: none */
	unsigned principles;	/* PR_BIT()s of the checks of its findings */
};

/* The report formats trace writes (scan's sarif/junit/markdown make no sense here). */
enum tr_fmt { TR_TEXT, TR_CSV, TR_JSON, TR_HTML };

/* "text", "csv", "json", "html" (len bytes of name) to *out; -1 if none of them. */
int tr_parse_format(const char *name, size_t len, enum tr_fmt *out);
/* "text, csv, json or html", for error messages and --help. */
#define TR_FORMATS "text, csv, json or html"

/*
 * The timeline and what the writers need.  The caller fills the borrowed
 * fields and appends events with tr_add(); tr_release() frees what the
 * set owns (ev, arena).
 */
struct tr_set {
	/* borrowed */
	const struct policy *pol;
	const struct aud_result *res;	/* inputs (paths, completeness) */
	const char *const *subjects;	/* what was asked for, for the heading */
	size_t nsubjects;
	const char *const *users;
	size_t nusers;
	struct red *red;		/* NULL: no redaction */
	/* owned */
	struct tr_ev *ev;
	size_t n, cap;
	struct arena arena;
	bool pseudonymized;		/* heading names are already pseudonyms */
};

/* Copy e (its strings into the set's arena) to the end; -1 when out of memory. */
int tr_add(struct tr_set *s, const struct tr_ev *e);
/* Move from's events and strings to the end of s (from is emptied); -1 when out of memory. */
int tr_take(struct tr_set *s, struct tr_set *from);
/*
 * Attach the findings of l (sorted by file, line, as aud_finish leaves
 * them) to the events at their file and line: windowed check bits, the
 * worst severity and the principles.  Then sort by time (events without a
 * time last; ties by file, line).
 */
void tr_finish(struct tr_set *s, const struct fnd_list *l);
/* Keep only the events with a finding of one of the principles (PR_BIT()s). */
void tr_keep_principles(struct tr_set *s, unsigned principles);
/*
 * Replace users, subjects and source addresses (also inside resources and
 * the other texts) by keyed pseudonyms: the traced events', the findings'
 * and more's (the ids of every event of the run, psd_collect; may be
 * NULL).  Returns the map of every id it replaces (the caller frees it,
 * psd_map_free), for the --events export.
 */
struct psd_map *tr_pseudonymize(struct tr_set *s, const struct psd *p,
			       const struct psd_maps *more);
/* Events with a finding at or above sev. */
size_t tr_count_at_least(const struct tr_set *s, enum sev sev);

/*
 * What the engine concluded, as a person reads it:
 *   "finding: no-business-reason, off-hours-access"
 *   "finding: sensitive-data-access (reason given: TICKET-88)"  - a finding
 *                                       although the read was justified
 *   "justified by TICKET-88", "justified (inferred from TICKET-88)",
 *   "justified (purpose support)", "failed (status 403): nothing read",
 *   "no finding", "no finding (not a personal-data read)".
 */
void tr_verdict(const struct policy *p, const struct tr_ev *e, struct buf *out);

/*
 * Write the whole timeline in one format: 0, or -1 when out of memory
 * before anything was written.  Write errors are the caller's to check.
 */
int tr_write(struct tr_set *s, enum tr_fmt fmt, FILE *out);

void tr_release(struct tr_set *s);

#endif
