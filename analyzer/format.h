/*
 * format.h - stage 3: log line formats, built-in and rule-defined.
 *
 * A format turns one line (or one multi-line record) into a struct event
 * (event.h) without allocating: views into the line, numbers and times
 * converted in place.  Built-in formats: "common", "combined",
 * "vhost_combined" (Apache/nginx, extra trailing fields accepted), "json",
 * "logfmt", "pgaudit", "syslog" (RFC 3164/5424 wrapping any other format:
 * named "syslog+INNER" once detected), and every line format behind a
 * container wrapper: "cri+INNER", "docker+INNER" (format_wrap.c).
 * Rule-defined formats ([format NAME]
 * sections, type regex/json/logfmt) are added after the built-ins and take
 * precedence in detection when they parse as many lines.
 *
 * A struct fmt_set is built once from the policy and shared read-only by all
 * threads; per-thread scratch (regex match data, URL-decoding buffer, JSON
 * parser state) lives in a struct fmt_thread.
 */
#ifndef DPF_FORMAT_H
#define DPF_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "event.h"
#include "policy.h"
#include "sv.h"

struct fmt_thread;
struct fmt_set;

enum { FMT_WRAP_NONE = POL_WRAP_NONE, FMT_WRAP_CRI = POL_WRAP_CRI, FMT_WRAP_DOCKER = POL_WRAP_DOCKER };

struct fmt {
	const char *name;
	/*
	 * Records continue on following lines that start with a tab (pgAudit
	 * statements): the caller joins them (with '\n') before parse(), and
	 * the event's line is the first line's number.
	 */
	bool multiline;
	/*
	 * With multiline: a record continues while it has an open double-quoted
	 * CSV field (an odd number of '"' so far: PostgreSQL's csvlog writes a
	 * message's newlines inside its quotes), not on tab-led lines.
	 */
	bool csv_continuation;
	/*
	 * Parse a line into ev (already ev_reset by the caller; ev->raw, file
	 * and line set).  Sets fields, time, status, raw action and the mapped
	 * ev->action.  Returns false if the line is not in this format.
	 * A record that is in the format but no access by design (a syslog
	 * line of a program that logs none; a format's `skip`) returns true
	 * with ev->skip set: the audit counts it as skipped, not unparsed.
	 */
	bool (*parse)(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
	const struct pol_format *pf;	/* rule-defined formats; NULL for built-ins */
	const struct fmt *inner;	/* syslog+INNER: the wrapped format */
	/*
	 * Key-map formats (json, logfmt): a line counts for detection only if
	 * it carries the format's time key and its resource or action key.
	 */
	bool needs_evidence;
	/*
	 * A container wrapper removed before parse() sees the line
	 * (FMT_WRAP_CRI, FMT_WRAP_DOCKER): "cri+NAME", "docker+NAME", or a
	 * rule format's `wrapper = cri | docker`.
	 */
	unsigned char wrapper;
	/*
	 * The columns are named by `#` directive lines of the input (W3C
	 * `#Fields:`, Zeek `#fields`), which may change mid-file: the caller
	 * keeps them with fmt_header_update() as it reads the lines in order
	 * and installs the ones in effect with fmt_thread_set_header() before
	 * parsing records.  Never wrapped (syslog, cri, docker).
	 */
	bool header;
	/* `fallback = NAME`: tried on a line this format does not read (mixed logs). */
	const struct fmt *fallback;
	void *impl;			/* format-private, read-only after build */
};

/*
 * Build the set: built-ins plus the policy's formats (pol may be NULL:
 * built-ins only), and "syslog+X" for every one of them.  A rule format of
 * type regex with a `prefix` and no `pattern` is a pgAudit log with that
 * log_line_prefix.  NULL + err on failure (e.g. a field map naming a group
 * the pattern lacks).
 */
struct fmt_set *fmt_set_new(const struct policy *pol, struct diag *err);
void fmt_set_free(struct fmt_set *s);

/* A format by name (built-in or rule-defined, "syslog+combined" too), or NULL. */
const struct fmt *fmt_by_name(const struct fmt_set *s, const char *name);
/*
 * Whether name is a format compiled into the program (a row of builtins[]
 * in format.c, or "syslog"): a [format] section may not take it.  The
 * built-in audit sources (sources.h) are rule text, not counted here.
 */
bool fmt_is_builtin(sv name);
/* Names of every selectable format, for --help and errors. */
size_t fmt_names(const struct fmt_set *s, const char **names, size_t max);

/*
 * Detect the format of an input from its first lines: the format that
 * parses the most of them, if it parses at least half of them (ties: rule-defined before built-in, then the
 * more specific built-in: vhost_combined > combined > common).  A json or
 * logfmt format only counts the lines that carry its mapped time key and
 * its resource (or action) key: an object is not an access record just
 * by being JSON, and with several such formats each input gets the one
 * whose keys it carries.  NULL if none parses any line.
 */
const struct fmt *fmt_detect(const struct fmt_set *s, const sv *lines, size_t n,
			     struct fmt_thread *t);

/*
 * The rule format whose `paths = GLOB` matches path (the whole path or its
 * last component), or NULL.  Such a format reads those inputs without
 * detection, and no other input.
 */
const struct fmt *fmt_for_path(const struct fmt_set *s, const char *path);

/*
 * Parse with f: resets ev (keeping raw/file/line) and the thread's scratch
 * (views from the previous line die here), drops a trailing CR and a UTF-8
 * BOM, and calls f->parse.  Allocates nothing.  A line whose timestamp is
 * present but unreadable is not parsed (it is reported, not audited at a
 * wrong time).
 */
bool fmt_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);

/*
 * Header formats (struct fmt.header): a directive line ("#Fields: ...",
 * "#separator \\x09", "#fields\t...") replaces the one of the same name in
 * hdr (one directive a line).  Returns true if the directives in effect
 * changed; false for other lines and for a directive repeated unchanged.
 * Allocates (once per directive line, not per record).
 */
bool fmt_header_update(struct buf *hdr, sv line);
/*
 * Install the directives in effect for the records parsed next on t (a
 * view: it must outlive them, e.g. the chunk's copy).  Empty: none.
 */
void fmt_thread_set_header(struct fmt_thread *t, sv hdr);

/* An odd number of '"' in s: a line that opens (or closes) a quoted CSV field. */
bool fmt_odd_quotes(sv s);

struct fmt_thread *fmt_thread_new(void);
void fmt_thread_free(struct fmt_thread *t);
/* Year for timestamps that have none (syslog RFC 3164), per input; default 1970. */
void fmt_thread_set_year(struct fmt_thread *t, int year);

/*
 * The value of query parameter `name` in a resource ("/a?x=1&reason=T-1"),
 * percent- and plus-decoded into the thread's scratch (valid until the next
 * line).  Empty view if absent.
 */
sv fmt_query_param(sv resource, sv name, struct fmt_thread *t);
/*
 * fmt_query_param(resource, a, t), or if that is empty
 * fmt_query_param(resource, b, t) ("reason", else "ticket"), in one pass
 * over the query.  a and b differ.
 */
sv fmt_query_param_or(sv resource, sv a, sv b, struct fmt_thread *t);

/* Map a raw method/class to an action with the default web/SQL table. */
enum ev_action fmt_default_action(sv raw);

#endif
