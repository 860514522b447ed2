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
 * Ownership: the writer borrows out; it allocates nothing and needs no
 * release.  Keys are written as given (they are the emitters' literals and
 * never need escaping).
 */
#ifndef DPF_JSONW_H
#define DPF_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sv.h"

/* Open containers at most: the deepest emitter (SARIF) nests 9. */
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

void jw_object_begin(struct jw *w, enum jw_layout layout);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w, enum jw_layout layout);
void jw_array_end(struct jw *w);

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

/*
 * JW_OK, or the first misuse, else JW_EIO when the stream has its error
 * indicator set.  A document is finished when jw_error() is JW_OK and
 * w->depth is 0.
 */
enum jw_err jw_error(const struct jw *w);

#endif
