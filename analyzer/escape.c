/*
 * escape.c - one escaper per output language (see escape.h).
 *
 * Every escaper walks the bytes with esc_utf8_next(), so invalid UTF-8 is
 * handled in exactly one place: each maximal invalid subpart becomes one
 * U+FFFD, and no output format ever receives raw invalid bytes.
 */
#include "common.h"

#include "escape.h"

#include <string.h>

#define FFFD "\xEF\xBF\xBD"

size_t esc_utf8_next(const char *p, size_t n, int32_t *cp)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;
	int32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
	} else {
		*cp = -1;	/* continuation byte, C0/C1, F5..FF */
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = -1;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return need + 1;
}

void esc_utf8_fix(struct buf *b, sv s)
{
	size_t i = 0, start = 0;

	if (!s.n)
		return;		/* s.p may be NULL: no arithmetic on it */
	while (i < s.n) {
		int32_t cp;
		if ((unsigned char)s.p[i] < 0x80) {	/* ASCII: valid as it is */
			i++;
			continue;
		}
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);
		if (cp < 0) {
			buf_add(b, s.p + start, i - start);
			buf_add(b, FFFD, 3);
			start = i + k;
		}
		i += k;
	}
	buf_add(b, s.p + start, s.n - start);
}

/*
 * The escapers write runs of characters that need no escape with one
 * fwrite (a report of millions of findings is mostly such runs): run is
 * where the pending run starts, flushed before an escape and at the end.
 */
static void put_run(FILE *out, sv s, size_t *run, size_t i)
{
	if (i > *run)
		fwrite(s.p + *run, 1, i - *run, out);
}

/*
 * Where the JSON and CSV escapers write: a stream, or (b non-NULL) a
 * buffer, so a writer can build a whole record and write it at once.
 */
struct sink {
	FILE *f;
	struct buf *b;
};

static void sink_put(const struct sink *o, const char *p, size_t n)
{
	if (o->b)
		buf_add(o->b, p, n);
	else
		fwrite(p, 1, n, o->f);
}

static void sink_run(const struct sink *o, sv s, size_t *run, size_t i)
{
	if (i > *run)
		sink_put(o, s.p + *run, i - *run);
}

static void json_to(const struct sink *o, sv s)
{
	size_t i = 0, run = 0;

	while (i < s.n) {
		int32_t cp;
		unsigned char c = (unsigned char)s.p[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {	/* as below, without decoding */
			i++;
			continue;
		}
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		/*
		 * U+2028/2029 are valid JSON but end a line in JavaScript; DEL
		 * is escaped so a report shown raw in a terminal stays inert.
		 */
		if (cp >= 0x20 && cp != '"' && cp != '\\' && cp != 0x7F && cp != 0x2028 &&
		    cp != 0x2029) {
			i += k;
			continue;
		}
		sink_run(o, s, &run, i);
		char u[16];
		const char *e = u;
		switch (cp) {
		case -1: e = FFFD; break;
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default: snprintf(u, sizeof(u), "\\u%04x", (unsigned)cp);
		}
		sink_put(o, e, strlen(e));
		i += k;
		run = i;
	}
	sink_run(o, s, &run, i);
}

void esc_json(FILE *out, sv s)
{
	json_to(&(struct sink){ out, NULL }, s);
}

void esc_json_buf(struct buf *b, sv s)
{
	json_to(&(struct sink){ NULL, b }, s);
}

void esc_json_str(FILE *out, sv s)
{
	putc('"', out);
	esc_json(out, s);
	putc('"', out);
}

/* XML 1.0 Char production. */
static int xml_char_ok(int32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Shared by XML and HTML: both use the same entities here. */
static void esc_markup(FILE *out, sv s, int html)
{
	size_t i = 0, run = 0;

	while (i < s.n) {
		int32_t cp;
		unsigned char c = (unsigned char)s.p[i];
		if (c >= 0x20 && c < 0x7F && c != '&' && c != '<' && c != '>' && c != '"' &&
		    c != '\'') {	/* as below, without decoding */
			i++;
			continue;
		}
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		if (cp >= 0 && xml_char_ok(cp) && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F) &&
		    cp != '&' && cp != '<' && cp != '>' && cp != '"' && cp != '\'' &&
		    cp != '\t' && cp != '\n' && cp != '\r') {
			i += k;
			continue;
		}
		put_run(out, s, &run, i);
		switch (cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs(html ? "&#39;" : "&apos;", out); break;
		/* Numeric references survive attribute-value normalisation. */
		case '\t': fputs("&#9;", out); break;
		case '\n': fputs("&#10;", out); break;
		case '\r': fputs("&#13;", out); break;
		default: fputs(FFFD, out);
		}
		i += k;
		run = i;
	}
	put_run(out, s, &run, i);
}

void esc_xml(FILE *out, sv s) { esc_markup(out, s, 0); }
void esc_html(FILE *out, sv s) { esc_markup(out, s, 1); }

static void csv_to(const struct sink *o, sv s)
{
	int quote = 0, formula = 0;
	size_t i;

	if (s.n && strchr("=+-@\t\r", s.p[0]))
		formula = 1;
	for (i = 0; i < s.n; i++)
		if (s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\n' || s.p[i] == '\r')
			quote = 1;
	if (s.n && (s.p[0] == ' ' || s.p[s.n - 1] == ' '))
		quote = 1;
	/* A quoted field with a leading quote is what spreadsheets treat as text. */
	if (formula)
		quote = 1;
	if (quote)
		sink_put(o, "\"", 1);
	if (formula)
		sink_put(o, "'", 1);
	i = 0;
	size_t run = 0;
	while (i < s.n) {
		int32_t cp;
		unsigned char c = (unsigned char)s.p[i];
		if (c >= 0x20 && c < 0x7F && c != '"') {	/* as below, without decoding */
			i++;
			continue;
		}
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		if (cp == '"' || cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0x7F) {
			sink_run(o, s, &run, i);
			sink_put(o, cp == '"' ? "\"\"" : FFFD, cp == '"' ? 2 : 3);
			run = i + k;
		}
		i += k;
	}
	sink_run(o, s, &run, i);
	if (quote)
		sink_put(o, "\"", 1);
}

void esc_csv(FILE *out, sv s)
{
	csv_to(&(struct sink){ out, NULL }, s);
}

void esc_csv_buf(struct buf *b, sv s)
{
	csv_to(&(struct sink){ NULL, b }, s);
}

void esc_markdown(FILE *out, sv s)
{
	size_t i = 0, run = 0;

	while (i < s.n) {
		int32_t cp;
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F) &&
		    (cp >= 0x80 || !strchr("|\\*_`[]<>&", cp))) {
			i += k;
			continue;
		}
		put_run(out, s, &run, i);
		switch (cp) {
		case '|': fputs("\\|", out); break;
		case '\\': fputs("\\\\", out); break;
		case '*': fputs("\\*", out); break;
		case '_': fputs("\\_", out); break;
		case '`': fputs("\\`", out); break;
		case '[': fputs("\\[", out); break;
		case ']': fputs("\\]", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '\n': case '\r': case '\t': putc(' ', out); break;
		default: fputs(FFFD, out);
		}
		i += k;
		run = i;
	}
	put_run(out, s, &run, i);
}

/*
 * Characters a terminal acts on or that reorder what is shown: C0 and C1
 * controls, DEL, and the invisible direction controls (U+200E/F marks,
 * U+202A-202E embeddings and overrides, U+2066-2069 isolates, U+061C),
 * with which "\u202Eissorm" displays as "mrossi" (issue 16 case 8).
 * Line and paragraph separators too: they break a line unseen.
 */
bool esc_is_control(int32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void esc_term(FILE *out, sv s, bool keep_newlines)
{
	size_t i = 0, run = 0;

	while (i < s.n) {
		int32_t cp;
		unsigned char c = (unsigned char)s.p[i];
		if (c >= 0x20 && c < 0x7F) {	/* printable ASCII, as below without decoding */
			i++;
			continue;
		}
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		if (cp >= 0 && !esc_is_control(cp)) {
			i += k;
			continue;
		}
		put_run(out, s, &run, i);
		if (cp < 0)
			fputs(FFFD, out);
		else if (keep_newlines && (cp == '\n' || cp == '\t'))
			fputc(cp, out);
		else if (cp < 0x20 || cp == 0x7F)
			fprintf(out, "\\x%02X", (unsigned)cp);
		else
			/* C1 (0x9B is a CSI to some terminals) and direction controls. */
			fprintf(out, "\\u%04X", (unsigned)cp);
		i += k;
		run = i;
	}
	put_run(out, s, &run, i);
}

void esc_text(FILE *out, sv s)
{
	esc_term(out, s, false);
}
