/*
 * format_w3c.c - the column-header text formats: W3C extended (IIS, "w3c")
 * and Zeek's http.log ("zeek-http").
 *
 * Their records are bare columns whose meaning only the file's `#`
 * directives give (W3C `#Fields:`, Zeek `#fields`, `#separator`,
 * `#unset_field`, ...), and a new directive may change them mid-file.  The
 * reader sees the lines in order and keeps the directives in effect
 * (fmt_header_update); every chunk of records carries a copy, and a parser
 * thread installs it (fmt_thread_set_header) before the chunk's first
 * record.  The column layout is compiled from it once per chunk (lazily, at
 * the first record), never per line.
 */
#include "common.h"

#include "format_impl.h"

#include <ctype.h>
#include <string.h>

/* Column targets beyond FMT_T_*: parts the parser joins itself. */
enum {
	COL_NONE = 0xff,
	COL_DATE = FMT_T_COUNT,	/* W3C date, joined with time */
	COL_CLOCK,		/* W3C time of day */
	COL_QUERY,		/* W3C cs-uri-query, appended to cs-uri-stem */
	COL_URI,		/* W3C cs-uri: the resource when there is no stem */
	COL_END
};

struct colname {
	const char *name;
	unsigned char target;
};

/* W3C field identifiers (case-insensitive, W3C WD-logfile and IIS). */
static const struct colname w3c_cols[] = {
	{ "date", COL_DATE }, { "time", COL_CLOCK }, { "c-ip", EVF_SRC },
	{ "cs-username", EVF_USER }, { "cs-method", EVF_ACTION },
	{ "cs-uri-stem", EVF_RESOURCE }, { "cs-uri-query", COL_QUERY }, { "cs-uri", COL_URI },
	{ "sc-status", FMT_T_STATUS }, { "sc-bytes", FMT_T_BYTES }, { "cs-host", EVF_HOST },
	{ "cs(host)", EVF_HOST }, { "cs(user-agent)", EVF_AGENT }, { "cs(referer)", EVF_REFERER },
	{ "cs-version", EVF_PROTOCOL }, { "s-ip", EVF_DST }, { "s-sitename", EVF_APP },
	{ NULL, 0 }
};

/* Zeek http.log columns (base/protocols/http/main.zeek). */
static const struct colname zeek_cols[] = {
	{ "ts", FMT_T_TIME }, { "id.orig_h", EVF_SRC }, { "id.resp_h", EVF_DST },
	{ "method", EVF_ACTION }, { "host", EVF_HOST }, { "uri", EVF_RESOURCE },
	{ "referrer", EVF_REFERER }, { "version", EVF_PROTOCOL }, { "user_agent", EVF_AGENT },
	{ "status_code", FMT_T_STATUS }, { "response_body_len", FMT_T_BYTES },
	{ "username", EVF_USER },
	{ NULL, 0 }
};

/* Directives the formats read; others (#Software, #open, #close) change nothing. */
static const char *const directives[] = {
	"Fields:", "Date:", "separator", "set_separator", "empty_field", "unset_field",
	"path", "fields", "types", NULL
};

/* "#Fields: date time" -> "Fields:"; "#fields\tts" -> "fields".  Empty if not a directive. */
static sv dir_key(sv line)
{
	if (line.n < 2 || line.p[0] != '#')
		return SV_NULL;
	size_t i = 1;
	while (i < line.n && (isalnum((unsigned char)line.p[i]) || line.p[i] == '_'))
		i++;
	if (i < line.n && line.p[i] == ':')
		i++;
	return sv_make(line.p + 1, i - 1);
}

/* The value after the directive's key: "#Fields: a b" -> "a b". */
static sv dir_value(sv line, sv key)
{
	sv v = sv_make(key.p + key.n, (size_t)(line.p + line.n - (key.p + key.n)));
	return sv_trim(v);
}

bool fmt_header_update(struct buf *hdr, sv line)
{
	while (line.n && (line.p[line.n - 1] == '\r' || line.p[line.n - 1] == ' '))
		line.n--;
	sv key = dir_key(line);
	bool known = false;
	for (size_t i = 0; key.n && directives[i]; i++)
		known |= sv_eq_cstr(key, directives[i]);
	if (!known)
		return false;
	struct buf nb = BUF_INIT;
	bool same = false;
	sv rest = buf_sv(hdr);
	while (rest.n) {
		const char *nl = memchr(rest.p, '\n', rest.n);
		sv l = sv_make(rest.p, nl ? (size_t)(nl - rest.p) : rest.n);
		fmt_adv(&rest, nl ? l.n + 1 : l.n);
		if (sv_eq(dir_key(l), key)) {
			same = sv_eq(l, line);
			continue;
		}
		buf_addsv(&nb, l);
		buf_addc(&nb, '\n');
	}
	if (same) {
		buf_release(&nb);
		return false;
	}
	buf_addsv(&nb, line);
	buf_addc(&nb, '\n');
	buf_release(hdr);
	*hdr = nb;
	return true;
}

void fmt_thread_set_header(struct fmt_thread *t, sv hdr)
{
	t->hdr = hdr;
	t->cols.f = NULL;
}

/* The value of directive `name` in the installed header (empty if absent). */
static bool header_get(sv hdr, const char *name, sv *out)
{
	while (hdr.n) {
		const char *nl = memchr(hdr.p, '\n', hdr.n);
		sv l = sv_make(hdr.p, nl ? (size_t)(nl - hdr.p) : hdr.n);
		fmt_adv(&hdr, nl ? l.n + 1 : l.n);
		sv key = dir_key(l);
		if (sv_eq_cstr(key, name)) {
			*out = dir_value(l, key);
			return true;
		}
	}
	return false;
}

/* "\x09" (Zeek writes the separator escaped) or a literal character. */
static char zeek_sep(sv v)
{
	int b = v.n == 4 && v.p[0] == '\\' && v.p[1] == 'x' ? sv_hexbyte(v.p + 2) : -1;

	if (b >= 0)
		return (char)b;
	return v.n == 1 ? v.p[0] : '\t';
}

static unsigned char col_target(const struct colname *names, sv name)
{
	for (size_t i = 0; names[i].name; i++)
		if (sv_eq_nocase(name, sv_cstr(names[i].name)))
			return names[i].target;
	return COL_NONE;
}

/*
 * Compile t->hdr for f into t->cols.  ok only where the header names the
 * columns and they hold a time and a resource (W3C: date and time, or time
 * and a #Date; Zeek: ts and uri, in a log whose #path, if given, is http):
 * a header that maps no access is no such log.
 */
static void compile(const struct fmt *f, struct fmt_thread *t, bool zeek)
{
	struct fmt_cols *c = &t->cols;
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->sep = zeek ? '\t' : ' ';
	sv v, fields;
	if (zeek) {
		if (header_get(t->hdr, "separator", &v))
			c->sep = zeek_sep(v);
		if (header_get(t->hdr, "unset_field", &v))
			c->unset = v;
		if (header_get(t->hdr, "empty_field", &v))
			c->empty = v;
		if (header_get(t->hdr, "path", &v) && !sv_eq_cstr(v, "http"))
			return;
		if (!header_get(t->hdr, "fields", &fields))
			return;
	} else {
		if (header_get(t->hdr, "Date:", &v) && v.n >= 10)
			c->date = sv_make(v.p, 10);
		if (!header_get(t->hdr, "Fields:", &fields))
			return;
	}
	bool seen[COL_END] = { false };
	while (fields.n && c->n < FMT_COLS_MAX) {
		size_t i = 0;
		while (i < fields.n && fields.p[i] != c->sep && !(!zeek && fields.p[i] == '\t'))
			i++;
		sv name = sv_make(fields.p, i);
		fmt_adv(&fields, i < fields.n ? i + 1 : i);
		if (name.n == 0 && !zeek)
			continue;	/* runs of spaces between W3C names */
		unsigned char tg = col_target(zeek ? zeek_cols : w3c_cols, name);
		c->col[c->n++] = tg;
		if (tg != COL_NONE)
			seen[tg] = true;
	}
	if (fields.n)
		return;		/* more columns than we track: refuse rather than misread */
	if (zeek)
		c->ok = seen[FMT_T_TIME] && seen[EVF_RESOURCE];
	else
		c->ok = seen[COL_CLOCK] && (seen[COL_DATE] || c->date.n) &&
			(seen[EVF_RESOURCE] || seen[COL_URI] || seen[EVF_ACTION]);
}

/* A W3C field: "quoted" ("" inside for ") or a run up to a space. */
static bool w3c_field(sv *s, sv *out)
{
	while (s->n && (s->p[0] == ' ' || s->p[0] == '\t'))
		fmt_adv(s, 1);
	if (!s->n)
		return false;
	size_t i = 0;
	if (s->p[0] == '"') {
		for (i = 1; i < s->n; i++) {
			if (s->p[i] == '"' && (i + 1 == s->n || s->p[i + 1] != '"'))
				break;
			if (s->p[i] == '"')
				i++;
		}
		if (i >= s->n)
			return false;	/* an open quote */
		*out = sv_make(s->p + 1, i - 1);
		fmt_adv(s, i + 1);
		return true;
	}
	while (i < s->n && s->p[i] != ' ' && s->p[i] != '\t')
		i++;
	*out = sv_make(s->p, i);
	fmt_adv(s, i);
	return true;
}

static sv join(struct fmt_thread *t, sv a, char mid, sv b)
{
	char *o = fmt_scratch(t, a.n + 1 + b.n);
	if (!o)
		return SV_NULL;
	memcpy(o, a.p, a.n);
	o[a.n] = mid;
	memcpy(o + a.n + 1, b.p, b.n);
	return sv_make(o, a.n + 1 + b.n);
}

static bool cols_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t, bool zeek)
{
	if (t->cols.f != f)
		compile(f, t, zeek);
	const struct fmt_cols *c = &t->cols;
	if (!c->ok || (line.n && line.p[0] == '#'))
		return false;
	sv val[COL_END];
	memset(val, 0, sizeof(val));
	sv rest = line;
	for (unsigned i = 0; i < c->n; i++) {
		sv v;
		if (zeek) {
			if (i > 0) {
				if (!rest.n || rest.p[0] != c->sep)
					return false;	/* fewer columns than #fields */
				fmt_adv(&rest, 1);
			}
			const char *e = memchr(rest.p, c->sep, rest.n);
			v = sv_make(rest.p, e ? (size_t)(e - rest.p) : rest.n);
			fmt_adv(&rest, v.n);
			if ((c->unset.n && sv_eq(v, c->unset)) || (c->empty.n && sv_eq(v, c->empty)))
				v = SV_NULL;
		} else if (!w3c_field(&rest, &v)) {
			return false;	/* fewer columns than #Fields */
		}
		/* '-': no value (W3C and Zeek's default unset_field). */
		if (v.n == 1 && v.p[0] == '-')
			v = SV_NULL;
		if (c->col[i] != COL_NONE)
			val[c->col[i]] = v;
	}
	if (sv_trim(rest).n)
		return false;		/* more columns than the header names */
	if (!zeek) {
		sv date = val[COL_DATE].n ? val[COL_DATE] : c->date;
		if (!val[COL_CLOCK].n || !date.n)
			return false;
		/* W3C times are UTC; ISO 8601 without an offset reads as UTC. */
		val[FMT_T_TIME] = join(t, date, ' ', val[COL_CLOCK]);
		if (!val[EVF_RESOURCE].n)
			val[EVF_RESOURCE] = val[COL_URI];
		else if (val[COL_QUERY].n)
			val[EVF_RESOURCE] = join(t, val[EVF_RESOURCE], '?', val[COL_QUERY]);
		if (!val[FMT_T_TIME].n || !val[EVF_RESOURCE].n)
			return false;
	}
	return fmt_values_apply(NULL, val, ev);
}

bool fmt_w3c_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	return cols_parse(f, line, ev, t, false);
}

bool fmt_zeek_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	return cols_parse(f, line, ev, t, true);
}
