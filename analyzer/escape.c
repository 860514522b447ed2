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

	while (i < s.n) {
		int32_t cp;
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

void esc_json(FILE *out, sv s)
{
	size_t i = 0;

	while (i < s.n) {
		int32_t cp;
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		switch (cp) {
		case -1: fputs(FFFD, out); break;
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			/*
			 * U+2028/2029 are valid JSON but end a line in
			 * JavaScript; DEL is escaped so a report shown raw
			 * in a terminal stays inert.
			 */
			if (cp < 0x20 || cp == 0x7F || cp == 0x2028 || cp == 0x2029)
				fprintf(out, "\\u%04x", (unsigned)cp);
			else
				fwrite(s.p + i, 1, k, out);
		}
		i += k;
	}
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
	size_t i = 0;

	while (i < s.n) {
		int32_t cp;
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

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
		default:
			if (cp < 0 || !xml_char_ok(cp) || cp == 0x7F ||
			    (cp >= 0x80 && cp <= 0x9F))
				fputs(FFFD, out);
			else
				fwrite(s.p + i, 1, k, out);
		}
		i += k;
	}
}

void esc_xml(FILE *out, sv s) { esc_markup(out, s, 0); }
void esc_html(FILE *out, sv s) { esc_markup(out, s, 1); }

void esc_csv(FILE *out, sv s)
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
		putc('"', out);
	if (formula)
		putc('\'', out);
	i = 0;
	while (i < s.n) {
		int32_t cp;
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		if (cp == '"')
			fputs("\"\"", out);
		else if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
			 cp == 0x7F)
			fputs(FFFD, out);
		else
			fwrite(s.p + i, 1, k, out);
		i += k;
	}
	if (quote)
		putc('"', out);
}

void esc_markdown(FILE *out, sv s)
{
	size_t i = 0;

	while (i < s.n) {
		int32_t cp;
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

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
		default:
			if (cp < 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
				fputs(FFFD, out);
			else
				fwrite(s.p + i, 1, k, out);
		}
		i += k;
	}
}

void esc_text(FILE *out, sv s)
{
	size_t i = 0;

	while (i < s.n) {
		int32_t cp;
		size_t k = esc_utf8_next(s.p + i, s.n - i, &cp);

		if (cp < 0)
			fputs(FFFD, out);
		else if (cp < 0x20 || cp == 0x7F)
			fprintf(out, "\\x%02X", (unsigned)cp);
		else if (cp >= 0x80 && cp <= 0x9F)
			/* C1 controls: 0x9B is a CSI to some terminals. */
			fprintf(out, "\\u%04X", (unsigned)cp);
		else
			fwrite(s.p + i, 1, k, out);
		i += k;
	}
}
