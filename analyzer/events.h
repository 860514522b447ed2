/*
 * events.h - the normalised events as JSON lines (`scan --events FILE`,
 * `trace --events FILE`, and the events of `trace --report json`).
 *
 * One JSON object per event, with the canonical field names of SPEC §3:
 *
 *   {"time":"2026-11-27T03:14:07Z","user":"mrossi","role":"support-agent",
 *    "action":"read","raw_action":"GET","resource":"/api/v1/...",
 *    "subject":"4711","categories":["email"],"reason":null,"src":"10.0.0.7",
 *    "dst":null,"status":200,"bytes":71,"records":null,"pd_read":true,
 *    "file":"access.log.gz","line":3,"justified_by":null,"inferred":false,
 *    "verdict":["no-business-reason","off-hours-access"]}
 *
 * Absent values are null; "role" is the role the event was judged under
 * (not the log's claim); "verdict" lists the ids of the checks that fired
 * for the event, windowed ones (excessive-access, failed-access-burst)
 * included; "justified_by" is the evidence key (ticket) that verified or,
 * with "inferred":true, was inferred for the read.  resource, reason,
 * subject and dst are redacted (redact.h) unless redaction is off; all
 * strings are valid UTF-8 (invalid bytes become U+FFFD).
 *
 * The writer (struct evw) is an aud_event_fn (audit.h), called from the
 * audit's parser threads, each of which judges chunks of consecutive
 * records.  Each thread spools its events to its own unlinked temporary
 * file (mode 0600) and notes where each chunk's run of records is;
 * evw_finish() merges the runs by input, then line, so the file is in
 * (file, line) order and identical for any -j, and memory stays bounded
 * (a few buffers per thread, one small entry per chunk) however many
 * events there are.
 */
#ifndef DPF_EVENTS_H
#define DPF_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "diag.h"
#include "engine.h"
#include "event.h"
#include "findings.h"
#include "jsonw.h"
#include "policy.h"
#include "pseudo.h"
#include "redact.h"

struct evw;

/*
 * A writer for an audit of npaths inputs run by jobs parser threads
 * (aud_options.jobs resolved: aud_cpus() where it is 0; 0 is taken as 1),
 * which bounds the worker index of the callback.  paths
 * (the input names written as "file") and pol are borrowed and must
 * outlive the writer.  redact: mask personal data in the fields listed
 * above.  NULL with err when out of memory.
 */
struct evw *evw_new(const struct policy *pol, const char *const *paths, size_t npaths,
		    unsigned jobs, bool redact, struct diag *err);

/*
 * The aud_event_fn: arg is the struct evw.  Copies what it keeps; a
 * failure (temporary file, disk full) is remembered and reported by
 * evw_finish().
 */
void evw_on_event(void *arg, unsigned worker, const struct event *ev,
		  const struct eng_verdict *v);

/*
 * After aud_run(): write every spooled event to path ("-" or NULL: standard
 * output; otherwise a temporary file in its directory, mode 0600, renamed
 * into place), in (file, line) order.  found is the audit's findings list
 * (may be NULL); its windowed findings are added to the "verdict" of the
 * event at their file and line (only if it is sorted, as aud_finish()
 * leaves it: a partial result's windows are not judged yet).  It is read
 * once, in order, beside the events (fnd_iter: it may be spilled; a read
 * error of its temporary file is a write error here).  Returns 0, or -1 with
 * err = "PATH: write error: ..." (nothing is left at path then).
 */
int evw_finish(struct evw *w, const struct fnd_list *found, const char *path, struct diag *err);
void evw_free(struct evw *w);

/*
 * Write the export pseudonymised (--pseudonymize): evw_finish() replaces
 * every id and address of m (pseudo.h) in each event's user, subject, src,
 * dst, raw_action, resource and reason, so the export names what the
 * reports of the run name, with the same pseudonyms.  m is borrowed and
 * must outlive evw_finish().  The spool holds the real values until then
 * (an unlinked 0600 file): the ids of the whole run are known only after it.
 */
void evw_pseudonymize(struct evw *w, const struct psd_map *m);

/*
 * One event as a JSON object (no newline), a value written with w, for
 * writers that keep events themselves (trace).  path: the input's name;
 * red: NULL for no redaction; scratch is reused; extra_fired: more built-in
 * check bits (1u << CHK_...) to list in "verdict", e.g. windowed findings.
 */
void evw_json(struct jw *w, const struct policy *pol, struct red *red, struct buf *scratch,
	      const char *path, const struct event *ev, const struct eng_verdict *v,
	      uint32_t extra_fired);

/*
 * Write a file the way reports are written: path "-" or NULL is standard
 * output; a regular file is written to a temporary file in its directory
 * (mode 0600) and renamed into place only if every write succeeded; a
 * device or FIFO is written directly.  fn writes the content and returns 0
 * or an errno value (the file is then not put in place).  Returns 0,
 * or -1 with err = "PATH: write error: ...".
 */
int evw_write_file(const char *path, int (*fn)(void *arg, FILE *out), void *arg,
		   struct diag *err);

#endif
