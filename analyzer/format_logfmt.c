/*
 * format_logfmt.c - `key=value key2="quoted \" value"` lines.
 *
 * Every space-separated token must be a key=value pair (an empty value,
 * `reason=`, is allowed), and keys start with a letter, '_' or '@': that
 * keeps prose and other formats ("10.0.0.7 - - [..."), which often contain a
 * stray '=', from reading as logfmt.  Quoted values with backslash escapes
 * are decoded into the thread's scratch; others are views into the line.
 */
#include "common.h"

#include "format_impl.h"

static bool key_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@';
}

static bool key_char(char c)
{
	return (unsigned char)c > 0x20 && c != '=' && c != '"' && c != 0x7f;
}

/* Decode \" \\ \n \t \r in a quoted value; the raw view if no room. */
static sv unquote(sv raw, struct fmt_thread *t)
{
	if (!memchr(raw.p, '\\', raw.n))
		return raw;
	char *o = fmt_scratch(t, raw.n);
	if (!o)
		return raw;
	size_t k = 0;
	for (size_t i = 0; i < raw.n; i++) {
		char c = raw.p[i];
		if (c == '\\' && i + 1 < raw.n) {
			c = raw.p[++i];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
		}
		o[k++] = c;
	}
	t->used -= raw.n - k;
	return sv_make(o, k);
}

bool fmt_logfmt_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	const struct fmt_keymap *m = f->impl;
	struct fmt_collect c;
	const char *p = line.p, *e = line.p + line.n;
	unsigned pairs = 0;
	if (!m)
		return false;
	fmt_collect_init(&c);
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= e)
			break;
		const char *k = p;
		if (!key_start(*p))
			return false;
		while (p < e && key_char(*p))
			p++;
		if (p >= e || *p != '=')
			return false;
		sv key = sv_make(k, (size_t)(p - k));
		sv val;
		p++;
		if (p < e && *p == '"') {
			const char *v = ++p;
			while (p < e && *p != '"') {
				if (*p == '\\' && p + 1 < e)
					p++;
				p++;
			}
			if (p >= e)
				return false;	/* unterminated quote */
			val = unquote(sv_make(v, (size_t)(p - v)), t);
			p++;
			if (p < e && *p != ' ' && *p != '\t')
				return false;
		} else {
			const char *v = p;
			while (p < e && *p != ' ' && *p != '\t')
				p++;
			val = sv_make(v, (size_t)(p - v));
		}
		pairs++;
		if (!fmt_keymap_offer(m, &c, key, val) && val.n)
			ev_add_extra(ev, key, val);
	}
	if (pairs == 0)
		return false;
	return fmt_keymap_apply(m, &c, ev, t);
}
