/*
 * jsonw.h - one JSON writer for the JSON report, SARIF, --events and trace.
 *
 * A struct jw writes one JSON value to a FILE*, keeping what every emitter
 * used to track by hand: the nesting (at most JW_MAX_DEPTH open containers),
 * whether a comma is due at each level, and the layout.  Strings go through
 * the one JSON escaper (esc_json_str(): controls as \uXXXX, invalid UTF-8 as
 * U+FFFD), so no emitter writes a string of its own.
 *
 * Layout.  jw_init()'s indent chooses the style of the whole document:
 *   indent > 0  pretty: ", " between members, ": " after a key;
 *   indent == 0 compact (JSON Lines): "," and ":" with no space.
 * Each container chooses its own layout when it begins: JW_INLINE keeps its
 * members on the current line; JW_BLOCK puts each member on a line of its
 * own, indented by indent spaces per open container, and its closing
 * bracket on a line of its own (so an empty block array is "[\n]" with the
 * indentation of its level).  The reports mix the two: blocks for the long
 * lists, one line per finding.
 *
 * Errors are remembered, never printed: misuse (a value where a key is due,
 * an end without a begin, nesting deeper than JW_MAX_DEPTH) stops the writer
 * (every later call does nothing) and jw_error() says which; a write error
 * of the stream is seen by jw_error() through ferror(), checked once at the
 * end as safefile.c's sf_write() does.
 *
 * Staged writing (jw_init_staged()): for callers that write many small
 * records (--events: one per log record, from every parser thread), where
 * a stdio call per member, each taking the stream's lock, costs more than
 * the audit, and for the reports' long lists.  Bytes are gathered in a
 * caller's buffer (strings escaped into it, esc_json_buf()) and reach the
 * stream only with one fwrite by jw_flush(), which the caller calls at the
 * end and wherever it wants the stage bounded.  The caller may append bytes
 * of its own to the stage between calls; they keep their place.  Its
 * out-of-memory state is the stage's (buf.err).
 *
 * Ownership: the writer borrows out and the stage; it allocates nothing
 * itself and needs no release.  Keys are written as given (they are the
 * emitters' literals and never need escaping).
 */
#ifndef DPF_JSONW_H
#define DPF_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "sv.h"

/* Open containers at most: the deepest emitter (SARIF, a result's snippet) nests 10. */
#define JW_MAX_DEPTH 16

enum jw_layout { JW_INLINE, JW_BLOCK };

enum jw_err {
	JW_OK = 0,
	JW_EDEPTH,	/* more than JW_MAX_DEPTH containers open */
	JW_EMISUSE,	/* an end without a begin, a key outside an object, a value where a key is due */
	JW_EIO,		/* the stream has its error indicator set */
};

struct jw {
	FILE *out;
	struct buf *stage;		/* NULL, or bytes not yet written to out */
	int indent;			/* spaces per level in JW_BLOCK containers; 0: compact */
	int depth;			/* open containers */
	bool after_key;			/* a key was written: the value follows it directly */
	enum jw_err err;		/* first misuse; the writer stops at it */
	struct {
		char close;		/* '}' or ']' */
		bool block;		/* JW_BLOCK */
		bool comma;		/* a member was written: the next needs a comma */
	} lv[JW_MAX_DEPTH];
};

/* Start a document on out (borrowed); indent as above. */
void jw_init(struct jw *w, FILE *out, int indent);
/* The same, staged in stage (borrowed; not reset).  Call jw_flush() at the end. */
void jw_init_staged(struct jw *w, FILE *out, int indent, struct buf *stage);
/* Write and empty the stage (nothing without one). */
void jw_flush(struct jw *w);

void jw_object_begin(struct jw *w, enum jw_layout layout);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w, enum jw_layout layout);
void jw_array_end(struct jw *w);

/*
 * Continue a container whose opening was written earlier, not by this
 * writer (the --events spool keeps a record's JSON up to its open verdict
 * array); nonempty: it has members already, so the next needs a comma.
 * Inline layout.
 */
void jw_object_resume(struct jw *w, bool nonempty);
void jw_array_resume(struct jw *w, bool nonempty);

/* The next member's key (inside an object only). */
void jw_key(struct jw *w, const char *key);

/* Values. */
void jw_str(struct jw *w, sv s);		/* a string, escaped; "" when empty */
void jw_cstr(struct jw *w, const char *s);	/* a string, or null for NULL */
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A value already formatted as JSON (e.g. a number): written as it is. */
void jw_raw(struct jw *w, const char *json);

/* A member of an object: its key and value in one call. */
void jw_key_uint(struct jw *w, const char *key, uint64_t v);
void jw_key_bool(struct jw *w, const char *key, bool v);
void jw_key_cstr(struct jw *w, const char *key, const char *s);	/* null for NULL */

/*
 * JW_OK, or the first misuse, else JW_EIO when the stream has its error
 * indicator set.  A document is finished when jw_error() is JW_OK and
 * w->depth is 0.
 */
enum jw_err jw_error(const struct jw *w);

/*
 * A document's end: BUG() (abort, file:line) when the writer was misused or
 * left containers open, which is the emitter's fault, never the data's.  A
 * write error is not checked here: the caller's writer (sf_write()) does.
 */
#define jw_done(w) jw_done_fl((w), __FILE__, __LINE__)
void jw_done_fl(const struct jw *w, const char *file, int line);

#endif
