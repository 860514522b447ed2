/*
 * escape.h - one escaper per output language.
 *
 * Log bytes are hostile: every escaper takes arbitrary bytes (NUL, control
 * characters, invalid UTF-8) and writes valid output.  Invalid UTF-8
 * sequences are replaced with U+FFFD, never copied raw.
 */
#ifndef DPF_ESCAPE_H
#define DPF_ESCAPE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "sv.h"

/* JSON string contents (no quotes): \" \\ \n \u00XX for controls. */
void esc_json(FILE *out, sv s);
/* esc_json() appended to b. */
void esc_json_buf(struct buf *b, sv s);
/* A quoted JSON string, "null" handling left to the caller. */
void esc_json_str(FILE *out, sv s);
/* XML text and attribute values (&amp; &lt; &gt; &quot; &apos;); characters not allowed in XML 1.0 become U+FFFD. */
void esc_xml(FILE *out, sv s);
/* HTML text and attribute values. */
void esc_html(FILE *out, sv s);
/* One CSV field (RFC 4180): quoted when needed, "" for quotes; a leading = + - @ is prefixed with ' (formula injection). */
void esc_csv(FILE *out, sv s);
/* esc_csv() appended to b. */
void esc_csv_buf(struct buf *b, sv s);
/*
 * Markdown table cell: | and backslash escaped, newlines as spaces; also the
 * characters that start emphasis, code, links or inline HTML (* _ ` [ ] < > &),
 * so a log line cannot inject markup or a remote image into a CI comment.
 */
void esc_markdown(FILE *out, sv s);
/*
 * Terminal text (the text report, trace, stderr): C0 controls and DEL shown
 * as \xNN, C1 and direction controls (esc_is_control) as \uNNNN, invalid
 * UTF-8 as U+FFFD.
 */
void esc_text(FILE *out, sv s);
/* esc_text(), keeping newlines and tabs when keep_newlines (multi-line messages). */
void esc_term(FILE *out, sv s, bool keep_newlines);
/* Whether a terminal would act on cp or it reorders the text around it (bidi). */
bool esc_is_control(int32_t cp);

/* Replace invalid UTF-8 with U+FFFD into b (for buffers built before escaping). */
void esc_utf8_fix(struct buf *b, sv s);

/*
 * Decode one UTF-8 sequence at p (n > 0 bytes).  Returns its length and sets
 * *cp; for an invalid sequence (overlong, surrogate, > U+10FFFF, truncated,
 * stray continuation) sets *cp = -1 and returns the length of its maximal
 * invalid prefix (>= 1), so each one becomes exactly one U+FFFD (Unicode's
 * "maximal subpart" practice).
 */
size_t esc_utf8_next(const char *p, size_t n, int32_t *cp);

#endif
