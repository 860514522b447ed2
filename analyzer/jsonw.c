/*
 * jsonw.c - the JSON writer (see jsonw.h): separators, indentation and the
 * nesting stack in one place, strings through esc_json_str().
 */
#include "common.h"

#include "jsonw.h"

#include <inttypes.h>

#include "escape.h"

void jw_init(struct jw *w, FILE *out, int indent)
{
	w->out = out;
	w->indent = indent > 0 ? indent : 0;
	w->depth = 0;
	w->after_key = false;
	w->err = JW_OK;
}

static void newline(struct jw *w, int level)
{
	putc('\n', w->out);
	for (int i = 0; i < level * w->indent; i++)
		putc(' ', w->out);
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
		putc(',', w->out);
	if (w->lv[w->depth - 1].block)
		newline(w, w->depth);
	else if (*comma && w->indent)
		putc(' ', w->out);
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

static void begin(struct jw *w, char open, char close, enum jw_layout layout)
{
	if (!value_ok(w))
		return;
	if (w->depth == JW_MAX_DEPTH) {
		w->err = JW_EDEPTH;
		return;
	}
	putc(open, w->out);
	w->lv[w->depth].close = close;
	w->lv[w->depth].block = layout == JW_BLOCK;
	w->lv[w->depth].comma = false;
	w->depth++;
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
	putc(close, w->out);
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
	putc('"', w->out);
	fputs(key, w->out);
	fputs(w->indent ? "\": " : "\":", w->out);
	w->after_key = true;
}

void jw_str(struct jw *w, sv s)
{
	if (value_ok(w))
		esc_json_str(w->out, s);
}

void jw_cstr(struct jw *w, const char *s)
{
	if (s)
		jw_str(w, sv_cstr(s));
	else
		jw_null(w);
}

void jw_int(struct jw *w, int64_t v)
{
	if (value_ok(w))
		fprintf(w->out, "%" PRId64, v);
}

void jw_uint(struct jw *w, uint64_t v)
{
	if (value_ok(w))
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
		fputs(json, w->out);
}

enum jw_err jw_error(const struct jw *w)
{
	if (w->err)
		return w->err;
	return ferror(w->out) ? JW_EIO : JW_OK;
}
