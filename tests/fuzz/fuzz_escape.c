/*
 * fuzz_escape.c - every escaper (escape.h) and red_apply() (redact.h) on
 * arbitrary bytes, checking that what comes out is valid in its language:
 *
 *   json      parses (jansson) as one string; valid UTF-8, no raw control
 *             characters; round-trips exactly when the input was valid UTF-8
 *   xml/html  valid UTF-8, only XML 1.0 characters, no raw < > " ' and
 *             every & starts an entity
 *   csv       one RFC 4180 field; no formula trigger at the start
 *   markdown  no raw newline, control, or unescaped markup character
 *   text      valid UTF-8, no C0/C1 control or DEL
 *   utf8_fix  valid UTF-8; identity on valid input
 *   red_apply valid UTF-8 without [redact] patterns; identity (after the
 *             UTF-8 fix) on input with no '@' or "%40"; and with a policy
 *             whose patterns match empty strings, groups, look-behinds, it
 *             terminates and does not grow beyond bounds
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "fuzz_util.h"
#include "policy.h"
#include "redact.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct red *red_plain, *red_pol;
static struct policy *pol;

static const char REDACT_RULES[] =
	"[redact]\n"
	"pattern = \\b\\d{4}-\\d{4}-\\d{4}-\\d{4}\\b\n"
	"pattern = token=([^&\\s]*)\n"
	"pattern = x*\n"
	"pattern = (?<=a)b\n"
	"pattern = ^.{0,3}\n"
	"pattern = (a|)\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];
	struct diag err;
	const char *paths[1];

	(void)argc;
	(void)argv;
	fz_path(path, sizeof(path), ".init.rules");
	fz_write(path, (const uint8_t *)REDACT_RULES, sizeof(REDACT_RULES) - 1);
	paths[0] = path;
	pol = rules_load(paths, 1, &err);
	unlink(path);
	if (!pol) {
		fprintf(stderr, "fuzz_escape: %s\n", err.msg);
		abort();
	}
	red_plain = red_new(NULL);
	red_pol = red_new(pol);
	if (!red_plain || !red_pol)
		abort();
	return 0;
}

/* Calls fn(out, s) into a memory stream; returns the malloc'd output. */
static char *run(void (*fn)(FILE *, sv), sv s, size_t *n)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, n);
	if (!f)
		abort();
	fn(f, s);
	fclose(f);
	return p;
}

/* Code points of valid UTF-8, or -1 at the first invalid sequence. */
static bool utf8_ok(const char *p, size_t n, bool (*allow)(int32_t))
{
	size_t i = 0;
	while (i < n) {
		int32_t cp;
		size_t k = esc_utf8_next(p + i, n - i, &cp);
		if (cp < 0 || (allow && !allow(cp)))
			return false;
		i += k;
	}
	return true;
}

static bool any_cp(int32_t cp) { (void)cp; return true; }

static bool json_cp(int32_t cp) { return cp >= 0x20 && cp != 0x7F; }

static bool xml_cp(int32_t cp)
{
	if (cp == '<' || cp == '>' || cp == '"' || cp == '\'')
		return false;
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

static bool text_cp(int32_t cp) { return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F); }

static bool md_cp(int32_t cp)
{
	return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F) &&
	       !(cp < 0x80 && strchr("|*_`[]<>", (int)cp));
}

static bool starts(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(p, lit, l) == 0;
}

/* Every '&' starts one of the entities the escapers write. */
static void check_entities(const char *p, size_t n)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#39;",
					    "&#9;", "&#10;", "&#13;" };
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '&')
			continue;
		bool ok = false;
		for (size_t e = 0; e < sizeof(ents) / sizeof(ents[0]) && !ok; e++)
			ok = starts(p + i, n - i, ents[e]);
		if (!ok)
			abort();
	}
}

static void check_json(sv s, bool valid)
{
	size_t n;
	char *o = run(esc_json_str, s, &n);
	json_error_t je;
	json_t *j = json_loadb(o, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j || !json_is_string(j))
		abort();
	if (!utf8_ok(o, n, json_cp))
		abort();
	if (valid && (json_string_length(j) != s.n ||
		      (s.n && memcmp(json_string_value(j), s.p, s.n) != 0)))
		abort();
	json_decref(j);
	free(o);
}

static void check_markup(void (*fn)(FILE *, sv), sv s)
{
	size_t n;
	char *o = run(fn, s, &n);
	if (!utf8_ok(o, n, xml_cp))
		abort();
	check_entities(o, n);
	free(o);
}

static void check_csv(sv s)
{
	size_t n;
	char *o = run(esc_csv, s, &n);
	const char *c = o;
	size_t cn = n;
	if (n && o[0] == '"') {
		if (n < 2 || o[n - 1] != '"')
			abort();
		/* Inside: quotes come in pairs. */
		for (size_t i = 1; i < n - 1; i++) {
			if (o[i] == '"') {
				if (i + 1 >= n - 1 || o[i + 1] != '"')
					abort();
				i++;
			}
		}
		c = o + 1;
		cn = n - 2;
	} else {
		for (size_t i = 0; i < n; i++)
			if (o[i] == ',' || o[i] == '"' || o[i] == '\n' || o[i] == '\r')
				abort();
	}
	if (cn && strchr("=+-@\t\r", c[0]))
		abort();	/* formula injection */
	if (!utf8_ok(o, n, any_cp))
		abort();
	free(o);
}

static void check_markdown(sv s)
{
	size_t n;
	char *o = run(esc_markdown, s, &n);
	/* Drop the escapes, then nothing special may remain raw. */
	char *u = malloc(n + 1);
	size_t un = 0;
	for (size_t i = 0; i < n; i++) {
		if (o[i] == '\\') {
			if (i + 1 >= n || !strchr("|\\*_`[]", o[i + 1]))
				abort();
			u[un++] = 'e';
			i++;
		} else {
			u[un++] = o[i];
		}
	}
	if (!utf8_ok(u, un, md_cp))
		abort();
	check_entities(u, un);
	free(u);
	free(o);
}

static void check_red(struct red *r, sv s, bool plain)
{
	struct buf out, fixed;
	buf_init(&out, 0);
	buf_init(&fixed, 0);
	red_apply(r, s, &out);
	esc_utf8_fix(&fixed, s);
	if (plain) {
		if (!utf8_ok(out.p ? out.p : "", out.len, any_cp))
			abort();
		bool has_at = memchr(s.p, '@', s.n) || memmem(s.p, s.n, "%40", 3);
		if (!has_at && !sv_eq(buf_sv(&out), buf_sv(&fixed)))
			abort();
	}
	/* "***" per masked byte at most, after the FFFD fix (3 bytes per input byte). */
	if (out.len > 9 * s.n + 3)
		abort();
	buf_release(&out);
	buf_release(&fixed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sv s = sv_make((const char *)data, size);
	bool valid = utf8_ok(s.p, s.n, any_cp);
	size_t n;
	char *o;
	struct buf b;

	if (size > 64 * 1024)
		return 0;
	check_json(s, valid);
	check_markup(esc_xml, s);
	check_markup(esc_html, s);
	check_csv(s);
	check_markdown(s);

	o = run(esc_text, s, &n);
	if (!utf8_ok(o, n, text_cp))
		abort();
	free(o);

	buf_init(&b, 0);
	esc_utf8_fix(&b, s);
	if (!utf8_ok(b.p ? b.p : "", b.len, any_cp) || (valid && !sv_eq(buf_sv(&b), s)))
		abort();
	buf_release(&b);

	check_red(red_plain, s, true);
	check_red(red_pol, s, false);
	return 0;
}
