/*
 * format_json.c - JSON lines, one object per line.
 *
 * A validating recursive-descent scanner over the line: no tree, no
 * allocation.  Each scalar is offered to the format's key map under its
 * dotted path ("actor.id", "arr.0"); strings without escapes are views into
 * the line, escaped ones are decoded into the thread's scratch; numbers,
 * true and false keep their source text.  Nesting deeper than
 * FMT_JSON_MAX_DEPTH, or anything that is not valid JSON, makes the line
 * unparsed (it is counted and reported, never half-read).
 */
#include "format_impl.h"

#include <stdio.h>

struct jscan {
	const char *p, *e;
	struct fmt_thread *t;
	const struct fmt_keymap *m;
	struct fmt_collect *c;
	struct event *ev;
	size_t plen;		/* length of t->path in use */
	unsigned overflow;	/* > 0: the path did not fit; values below it are ignored */
};

static void ws(struct jscan *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* At '"': validate the string; *raw is its content, *esc whether it has escapes. */
static bool jstring(struct jscan *j, sv *raw, bool *esc)
{
	const char *s = ++j->p;
	*esc = false;
	while (j->p < j->e) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			*raw = sv_make(s, (size_t)(j->p - s));
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			*esc = true;
			if (j->e - j->p < 2)
				return false;
			char n = j->p[1];
			if (n == 'u') {
				if (j->e - j->p < 6 || hex4(j->p + 2) < 0)
					return false;
				j->p += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", n) || n == '\0')
				return false;
			j->p += 2;
			continue;
		}
		j->p++;
	}
	return false;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decode a validated string into scratch (no longer than the source); raw if no room. */
static sv junescape(struct fmt_thread *t, sv raw)
{
	char *o = fmt_scratch(t, raw.n);
	if (!o)
		return raw;
	size_t k = 0;
	for (size_t i = 0; i < raw.n; i++) {
		char c = raw.p[i];
		if (c != '\\') {
			o[k++] = c;
			continue;
		}
		c = raw.p[++i];
		switch (c) {
		case 'b': o[k++] = '\b'; break;
		case 'f': o[k++] = '\f'; break;
		case 'n': o[k++] = '\n'; break;
		case 'r': o[k++] = '\r'; break;
		case 't': o[k++] = '\t'; break;
		case 'u': {
			unsigned cp = (unsigned)hex4(raw.p + i + 1);
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < raw.n && raw.p[i + 1] == '\\' &&
			    raw.p[i + 2] == 'u') {
				int lo = hex4(raw.p + i + 3);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;	/* a lone surrogate */
			/* "\uXXXX" is 6 bytes, its UTF-8 at most 4 (a pair: 12 -> 4). */
			k += put_utf8(o + k, cp);
			break;
		}
		default: o[k++] = c; break;
		}
	}
	t->used -= raw.n - k;
	return sv_make(o, k);
}

/* A scalar at the current path. */
static void leaf(struct jscan *j, sv value)
{
	if (j->overflow)
		return;
	sv key = sv_make(j->t->path, j->plen);
	if (fmt_keymap_offer(j->m, j->c, key, value) || value.n == 0 ||
	    j->ev->nextra >= EV_MAX_EXTRA)
		return;
	/* The path buffer changes with the next key: the extra's name needs its own copy. */
	char *name = fmt_scratch(j->t, key.n);
	if (!name)
		return;
	memcpy(name, key.p, key.n);
	ev_add_extra(j->ev, sv_make(name, key.n), value);
}

/* Append ".seg" to the path; returns what path_pop() needs to undo it. */
#define PATH_OVERFLOW ((size_t)-1)
static size_t path_push(struct jscan *j, sv seg)
{
	size_t old = j->plen;
	size_t need = (old ? 1 : 0) + seg.n;
	if (j->overflow || need > FMT_PATH_MAX - old) {
		j->overflow++;
		return PATH_OVERFLOW;
	}
	if (old)
		j->t->path[j->plen++] = '.';
	memcpy(j->t->path + j->plen, seg.p, seg.n);
	j->plen += seg.n;
	return old;
}

static void path_pop(struct jscan *j, size_t old)
{
	if (old == PATH_OVERFLOW)
		j->overflow--;
	else
		j->plen = old;
}

static bool jnumber(struct jscan *j, sv *out)
{
	const char *s = j->p;
	if (j->p < j->e && *j->p == '-')
		j->p++;
	if (j->p >= j->e)
		return false;
	if (*j->p == '0') {
		j->p++;
	} else if (*j->p >= '1' && *j->p <= '9') {
		while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
			j->p++;
	} else {
		return false;
	}
	if (j->p < j->e && *j->p == '.') {
		j->p++;
		if (j->p >= j->e || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->e && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->e || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	*out = sv_make(s, (size_t)(j->p - s));
	return true;
}

static bool jliteral(struct jscan *j, const char *lit, sv *out)
{
	size_t n = strlen(lit);
	if ((size_t)(j->e - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	*out = sv_make(j->p, n);
	j->p += n;
	return true;
}

static bool jvalue(struct jscan *j, int depth);

static bool jobject(struct jscan *j, int depth)
{
	j->p++;
	ws(j);
	if (j->p < j->e && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		sv key;
		bool esc;
		if (j->p >= j->e || *j->p != '"' || !jstring(j, &key, &esc))
			return false;
		ws(j);
		if (j->p >= j->e || *j->p != ':')
			return false;
		j->p++;
		ws(j);
		size_t old = path_push(j, key);
		if (!jvalue(j, depth))
			return false;
		path_pop(j, old);
		ws(j);
		if (j->p >= j->e)
			return false;
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p != ',')
			return false;
		j->p++;
		ws(j);
	}
}

static bool jarray(struct jscan *j, int depth)
{
	j->p++;
	ws(j);
	if (j->p < j->e && *j->p == ']') {
		j->p++;
		return true;
	}
	for (unsigned idx = 0;; idx++) {
		char num[16];
		int n = snprintf(num, sizeof(num), "%u", idx);
		size_t old = path_push(j, sv_make(num, (size_t)n));
		if (!jvalue(j, depth))
			return false;
		path_pop(j, old);
		ws(j);
		if (j->p >= j->e)
			return false;
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p != ',')
			return false;
		j->p++;
		ws(j);
	}
}

static bool jvalue(struct jscan *j, int depth)
{
	sv v;
	bool esc;
	if (j->p >= j->e)
		return false;
	switch (*j->p) {
	case '{':
		return depth < FMT_JSON_MAX_DEPTH && jobject(j, depth + 1);
	case '[':
		return depth < FMT_JSON_MAX_DEPTH && jarray(j, depth + 1);
	case '"':
		if (!jstring(j, &v, &esc))
			return false;
		leaf(j, esc ? junescape(j->t, v) : v);
		return true;
	case 't':
		if (!jliteral(j, "true", &v))
			return false;
		leaf(j, v);
		return true;
	case 'f':
		if (!jliteral(j, "false", &v))
			return false;
		leaf(j, v);
		return true;
	case 'n':
		if (!jliteral(j, "null", &v))
			return false;
		leaf(j, SV_NULL);
		return true;
	default:
		if (!jnumber(j, &v))
			return false;
		leaf(j, v);
		return true;
	}
}

bool fmt_json_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	struct fmt_collect c;
	struct jscan j = {
		.p = line.p, .e = line.p + line.n, .t = t, .m = f->impl, .c = &c, .ev = ev,
	};
	if (!j.m || line.n > FMT_SCRATCH_SIZE)
		return false;
	fmt_collect_init(&c);
	ws(&j);
	if (j.p >= j.e || *j.p != '{' || !jvalue(&j, 0))
		return false;
	ws(&j);
	if (j.p != j.e)
		return false;
	return fmt_keymap_apply(j.m, &c, ev, t);
}
