/*
 * jsonw.c - the JSON writer (see jsonw.h): separators, indentation and the
 * nesting stack in one place, strings through esc_json_str().
 */
#include "common.h"

#include "jsonw.h"

#include <inttypes.h>
#include <string.h>

#include "escape.h"

void jw_init(struct jw *w, FILE *out, int indent)
{
	w->out = out;
	w->stage = NULL;
	w->indent = indent > 0 ? indent : 0;
	w->depth = 0;
	w->after_key = false;
	w->err = JW_OK;
}

void jw_init_staged(struct jw *w, FILE *out, int indent, struct buf *stage)
{
	jw_init(w, out, indent);
	w->stage = stage;
}

void jw_flush(struct jw *w)
{
	if (w->stage && w->stage->len)
		fwrite(w->stage->p, 1, w->stage->len, w->out);
	if (w->stage)
		buf_reset(w->stage);
}

static void put(struct jw *w, const char *p, size_t n)
{
	if (w->stage)
		buf_add(w->stage, p, n);
	else
		fwrite(p, 1, n, w->out);
}

static void putch(struct jw *w, char c)
{
	if (w->stage)
		buf_addc(w->stage, c);
	else
		putc(c, w->out);
}

static void newline(struct jw *w, int level)
{
	putch(w, '\n');
	for (int i = 0; i < level * w->indent; i++)
		putch(w, ' ');
}

/*
 * What goes before a member of the innermost container: its comma, then a
 * new line (JW_BLOCK) or a space (pretty JW_INLINE, not the first member).
 */
static void separate(struct jw *w)
{
	if (!w->depth)
		return;
	bool *comma = &w->lv[w->depth - 1].comma;

	if (*comma)
		putch(w, ',');
	if (w->lv[w->depth - 1].block)
		newline(w, w->depth);
	else if (*comma && w->indent)
		putch(w, ' ');
	*comma = true;
}

/* Whether a value may be written now; writes its separator. */
static bool value_ok(struct jw *w)
{
	if (w->err)
		return false;
	if (w->after_key) {
		w->after_key = false;
		return true;
	}
	if (w->depth && w->lv[w->depth - 1].close == '}') {
		w->err = JW_EMISUSE;	/* a member of an object needs its key */
		return false;
	}
	separate(w);
	return true;
}

static void push(struct jw *w, char close, bool block, bool comma)
{
	if (w->depth == JW_MAX_DEPTH) {
		w->err = JW_EDEPTH;
		return;
	}
	w->lv[w->depth].close = close;
	w->lv[w->depth].block = block;
	w->lv[w->depth].comma = comma;
	w->depth++;
}

static void begin(struct jw *w, char open, char close, enum jw_layout layout)
{
	if (!value_ok(w))
		return;
	if (w->depth == JW_MAX_DEPTH) {
		w->err = JW_EDEPTH;
		return;
	}
	putch(w, open);
	push(w, close, layout == JW_BLOCK, false);
}

void jw_object_resume(struct jw *w, bool nonempty)
{
	if (!w->err)
		push(w, '}', false, nonempty);
}

void jw_array_resume(struct jw *w, bool nonempty)
{
	if (!w->err)
		push(w, ']', false, nonempty);
}

static void end(struct jw *w, char close)
{
	if (w->err)
		return;
	if (!w->depth || w->after_key || w->lv[w->depth - 1].close != close) {
		w->err = JW_EMISUSE;
		return;
	}
	w->depth--;
	if (w->lv[w->depth].block)
		newline(w, w->depth);
	putch(w, close);
}

void jw_object_begin(struct jw *w, enum jw_layout layout) { begin(w, '{', '}', layout); }
void jw_object_end(struct jw *w) { end(w, '}'); }
void jw_array_begin(struct jw *w, enum jw_layout layout) { begin(w, '[', ']', layout); }
void jw_array_end(struct jw *w) { end(w, ']'); }

void jw_key(struct jw *w, const char *key)
{
	if (w->err)
		return;
	if (!w->depth || w->after_key || w->lv[w->depth - 1].close != '}') {
		w->err = JW_EMISUSE;
		return;
	}
	separate(w);
	putch(w, '"');
	put(w, key, strlen(key));
	if (w->indent)
		put(w, "\": ", 3);
	else
		put(w, "\":", 2);
	w->after_key = true;
}

void jw_str(struct jw *w, sv s)
{
	if (!value_ok(w))
		return;
	if (!w->stage) {
		esc_json_str(w->out, s);
	} else {
		putch(w, '"');
		esc_json_buf(w->stage, s);
		putch(w, '"');
	}
}

void jw_cstr(struct jw *w, const char *s)
{
	if (s)
		jw_str(w, sv_cstr(s));
	else
		jw_null(w);
}

/* Staged: digits without printf (the --events hot path). */
void jw_int(struct jw *w, int64_t v)
{
	if (!value_ok(w))
		return;
	if (!w->stage) {
		fprintf(w->out, "%" PRId64, v);
		return;
	}
	if (v < 0)
		putch(w, '-');
	buf_addu64(w->stage, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

void jw_uint(struct jw *w, uint64_t v)
{
	if (!value_ok(w))
		return;
	if (w->stage)
		buf_addu64(w->stage, v);
	else
		fprintf(w->out, "%" PRIu64, v);
}

void jw_bool(struct jw *w, bool v)
{
	jw_raw(w, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	jw_raw(w, "null");
}

void jw_raw(struct jw *w, const char *json)
{
	if (value_ok(w))
		put(w, json, strlen(json));
}

void jw_key_uint(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

void jw_key_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_key_cstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_cstr(w, s);
}

enum jw_err jw_error(const struct jw *w)
{
	if (w->err)
		return w->err;
	return ferror(w->out) ? JW_EIO : JW_OK;
}

void jw_done_fl(const struct jw *w, const char *file, int line)
{
	static const char *const what[] = {
		[JW_EDEPTH] = "nested deeper than JW_MAX_DEPTH",
		[JW_EMISUSE] = "misused (a value without its key, or an unmatched end)",
	};

	if (w->err == JW_EDEPTH || w->err == JW_EMISUSE)
		bug_fl(file, line, "JSON writer %s", what[w->err]);
	if (w->depth)
		bug_fl(file, line, "JSON document ended with %d containers open", w->depth);
}
