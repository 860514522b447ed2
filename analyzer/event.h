/*
 * event.h - the normalised event (SPEC §3): one per log line, any format.
 *
 * An event is flat and BORROWED: every sv points into the current line (or
 * into the parser's per-thread scratch, e.g. for URL-decoded values) and is
 * valid only until the next line is parsed.  What must outlive the line -
 * evidence for a finding, a window key - is copied into an arena by whoever
 * keeps it (findings.c, windows.c).  Parsers fill an event with no
 * allocation; ev_reset() clears one for reuse.
 */
#ifndef DPF_EVENT_H
#define DPF_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "sv.h"

enum ev_action {
	EV_OTHER = 0,
	EV_READ,
	EV_WRITE,
	EV_DELETE,
	EV_EXPORT,
	EV_TRANSFER,
	EV_LOGIN,
	EV_ACTION_COUNT
};

/*
 * Canonical string fields, addressable by name (`field.NAME` in rules).
 * EVF_ACTION is the raw action value (HTTP method, pgAudit class, ...)
 * before it is mapped to enum ev_action.
 */
enum ev_field {
	EVF_USER = 0,
	EVF_ROLE,
	EVF_ACTION,	/* raw value, e.g. "GET", "SELECT", "READ" */
	EVF_RESOURCE,
	EVF_SUBJECT,
	EVF_REASON,
	EVF_SRC,
	EVF_DST,
	EVF_SCHEME,	/* "http"/"https" where the format knows it */
	EVF_HOST,	/* vhost or syslog host */
	EVF_APP,	/* syslog app-name / tag */
	EVF_STATEMENT,	/* pgAudit statement */
	EVF_AGENT,	/* user agent */
	EVF_REFERER,
	EVF_PROTOCOL,	/* "HTTP/1.1" */
	EVF_COUNT
};

/* Non-canonical named values a format exposes (regex groups, JSON keys). */
#define EV_MAX_EXTRA 16
struct ev_kv {
	sv name;
	sv value;
};

struct event {
	int64_t time;		/* seconds since the epoch, UTC; valid if has_time */
	int32_t nsec;		/* and its fraction, nanoseconds: every comparison uses both */
	bool has_time;
	enum ev_action action;
	int status;		/* HTTP-like status; -1 unknown */
	int port;		/* server port where known (vhost_combined); -1 unknown */
	int64_t bytes;		/* -1 unknown */
	int64_t records;	/* -1 unknown (pgAudit log_rows) */
	sv f[EVF_COUNT];	/* canonical fields; empty view = absent */
	struct ev_kv extra[EV_MAX_EXTRA];
	unsigned nextra;
	/*
	 * Set by a parser for a record that is no access by design (a syslog
	 * line of a program that logs no accesses; a format's `skip`): the
	 * audit counts it as skipped, neither parsed nor unparsed (SPEC §5), and
	 * judges it as an event that is never a personal-data read.
	 */
	bool skip;

	/* Set by the engine (engine.h), not by parsers. */
	sv resource_norm;	/* f[EVF_RESOURCE] normalised (ev_normalize_path), in engine scratch */
	uint64_t categories;	/* bit i = policy category i */
	bool pd_read;		/* action read/export, >= 1 category, not failed */

	/* Where the event came from. */
	uint32_t file;		/* index of the input in the audit */
	uint64_t line;		/* 1-based line number (first line of a record) */
	sv raw;			/* the whole line (record), for evidence */
};

void ev_reset(struct event *ev);

/* "read", "write", ...; and back (case-insensitive); EV_ACTION_COUNT if unknown. */
const char *ev_action_name(enum ev_action a);
enum ev_action ev_action_parse(sv name);

/* "user", "role", ... ; and back; EVF_COUNT if not canonical. */
const char *ev_field_name(enum ev_field f);
enum ev_field ev_field_parse(sv name);

/*
 * The value of a field by name: canonical fields, "time" (not available as
 * a view: returns false), "status"/"bytes"/"records" (false: numeric), then
 * extras.  Returns true and sets *out if the field is present and non-empty.
 */
bool ev_get(const struct event *ev, sv name, sv *out);
/*
 * ev_get() for a name known not to be canonical (ev_field_parse() gave
 * EVF_COUNT when a rule was compiled): the extras only, with no name
 * lookup per call.
 */
bool ev_get_extra(const struct event *ev, sv name, sv *out);

/* Add a named extra value; silently ignored past EV_MAX_EXTRA. */
void ev_add_extra(struct event *ev, sv name, sv value);

/*
 * The resource as a server resolves it (SPEC §4 semantics 2, RFC 3986
 * section 6.2.2), so that no spelling of a path walks past a category:
 * - percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) decoded,
 *   any case of hex ("%65mail", "%2E" are "email", "."); every other
 *   escape stays encoded with its hex upper-cased ("%2f" is "%2F"); a '%'
 *   not followed by two hex digits stays as it is;
 * - path parameters dropped, per segment ("/email;jsessionid=1" is
 *   "/email", "/..;/x" is "/../x" before dot segments);
 * - repeated slashes collapsed ("//api" is "/api");
 * - dot segments removed (RFC 3986 section 5.2.4: "/a/./b/../c" is "/a/c").
 * Only the path is rewritten: a "scheme://authority" prefix is kept, and
 * the query string (from the first '?' or '#') is appended as logged.
 *
 * Writes into out, which must have room for in.n bytes (the result is
 * never longer than the input); returns the view into out, or in itself
 * where the path is already normal (then out is untouched).  Allocates
 * nothing; out and in must not overlap.
 */
sv ev_normalize_path(sv in, char *out);

/* A failed request (status >= 400) read nothing (SPEC §4 semantics 1). */
static inline bool ev_failed(const struct event *ev) { return ev->status >= 400; }

#endif
