/*
 * redact.c - mask e-mail addresses and [redact] patterns (SPEC §8).
 *
 * The report is itself a record of personal data, so every writer passes
 * evidence through red_apply().  E-mail addresses are found by a small
 * hand-written scanner (no regex: it runs on every evidence line), also in
 * their URL-encoded form "alice%40example.com" that query strings carry.
 * Policy patterns need a global, non-anchored replace with a start offset
 * (so ^ and look-behind keep their meaning), which rx_match() does not
 * offer; we call PCRE2 on the compiled code directly with our own match
 * data and the same match limits as rx.c.  Reports are single-threaded, so
 * one struct red owns its match data.
 *
 * Input is made valid UTF-8 first: a pattern compiled in UTF mode would
 * otherwise refuse the line and leave it unmasked.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "common.h"

#include "redact.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "rx.h"

struct red {
	const struct policy *pol;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	struct buf a, b;	/* scratch, reused for every line */
};

struct red *red_new(const struct policy *p)
{
	struct red *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pol = p;
	if (p && p->nredact) {
		r->md = pcre2_match_data_create(RX_MAX_GROUPS + 1, NULL);
		r->mctx = pcre2_match_context_create(NULL);
		if (!r->md || !r->mctx) {
			red_free(r);
			return NULL;
		}
		pcre2_set_match_limit(r->mctx, RX_MATCH_LIMIT);
		pcre2_set_depth_limit(r->mctx, RX_DEPTH_LIMIT);
	}
	buf_init(&r->a, 0);
	buf_init(&r->b, 0);
	return r;
}

void red_free(struct red *r)
{
	if (!r)
		return;
	if (r->md)
		pcre2_match_data_free(r->md);
	if (r->mctx)
		pcre2_match_context_free(r->mctx);
	buf_release(&r->a);
	buf_release(&r->b);
	free(r);
}

/*
 * Bytes >= 0x80 are the UTF-8 of internationalised addresses (RFC 6531:
 * "anna@müller.de"); the line is valid UTF-8 by the time we scan it.
 */
static int is_local(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c >= 0x80;
}

static int is_label(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c >= 0x80;
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the "@" or "%40" separator at s[i], or 0. */
static size_t at_sep(sv s, size_t i)
{
	if (s.p[i] == '@')
		return 1;
	if (s.p[i] == '%' && i + 2 < s.n && s.p[i + 1] == '4' && s.p[i + 2] == '0')
		return 3;
	return 0;
}

/* Length of a dot at s[i] in a domain: "." or its URL encoding "%2E", or 0. */
static size_t dot_at(sv s, size_t i)
{
	if (i >= s.n)
		return 0;
	if (s.p[i] == '.')
		return 1;
	if (s.p[i] == '%' && i + 2 < s.n && s.p[i + 1] == '2' && (s.p[i + 2] | 0x20) == 'e')
		return 3;
	return 0;
}

/* A top-level domain: two letters or more, non-ASCII (IDN), or "xn--" punycode. */
static int is_tld(const char *p, size_t n)
{
	if (n >= 4 && (p[0] | 0x20) == 'x' && (p[1] | 0x20) == 'n' && p[2] == '-' && p[3] == '-')
		return 1;
	if (n < 2)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!is_alpha((unsigned char)p[k]) && (unsigned char)p[k] < 0x80)
			return 0;
	return 1;
}

/*
 * Given a separator at [at, at+seplen), find the address around it:
 * *start..*end.  Returns 0 if it is not an address (no local part, no dot in
 * the domain, or no top-level domain).  Dots may be URL-encoded
 * ("john%2Edoe%40example%2Ecom").
 */
static int email_at(sv s, size_t at, size_t seplen, size_t *start, size_t *end)
{
	size_t b = at, d = at + seplen, e = d, lastdot = 0, dotlen = 0, k, n;

	while (b > 0 && is_local((unsigned char)s.p[b - 1]))
		b--;
	/* "%40" inside the local part scan: stop at an earlier separator. */
	for (k = b; k < at; k++)
		if (at_sep(s, k) == 3)
			b = k + 3;
	if (b == at)
		return 0;
	for (;;) {
		if (e < s.n && is_label((unsigned char)s.p[e]))
			e++;
		else if ((n = dot_at(s, e)))
			e += n;
		else
			break;
	}
	/* Trailing dots and hyphens end the sentence, not the domain. */
	for (;;) {
		if (e > d && (s.p[e - 1] == '.' || s.p[e - 1] == '-'))
			e--;
		else if (e >= d + 3 && dot_at(s, e - 3) == 3)
			e -= 3;
		else
			break;
	}
	for (k = d; k < e; k += n ? n : 1)
		if ((n = dot_at(sv_make(s.p, e), k))) {
			lastdot = k;
			dotlen = n;
		}
	if (!dotlen || lastdot == d || !is_tld(s.p + lastdot + dotlen, e - lastdot - dotlen))
		return 0;
	*start = b;
	*end = e;
	return 1;
}

/* Copy the first character of s (a whole UTF-8 sequence) to out. */
static void first_char(sv s, struct buf *out)
{
	int32_t cp;

	buf_add(out, s.p, s.n ? esc_utf8_next(s.p, s.n, &cp) : 0);
}

void red_email(sv addr, struct buf *out)
{
	size_t i, at = addr.n, seplen = 0, lastdot = 0, n;

	for (i = 0; i < addr.n; i++)
		if ((seplen = at_sep(addr, i))) {
			at = i;
			break;
		}
	if (at == addr.n || at == 0) {
		buf_adds(out, "***");
		return;
	}
	for (i = at + seplen; i < addr.n; i += n ? n : 1)
		if ((n = dot_at(addr, i)))
			lastdot = i;
	first_char(addr, out);
	buf_adds(out, "***");
	buf_add(out, addr.p + at, seplen);
	if (lastdot > at + seplen) {
		first_char(sv_make(addr.p + at + seplen, addr.n - at - seplen), out);
		buf_adds(out, "***");
		buf_add(out, addr.p + lastdot, addr.n - lastdot);
	} else {
		buf_adds(out, "***");
	}
}

#define RED_CUT_BACK 768

size_t red_safe_cut(sv s, size_t max)
{
	size_t k = max;

	if (s.n <= max)
		return s.n;
	/* The byte after the cut is no address character: nothing straddles it. */
	if (!is_local((unsigned char)s.p[k]) && s.p[k] != '@')
		return k;
	/*
	 * Back to the start of the run, but no further than RED_CUT_BACK: an
	 * address is at most 254 bytes (762 URL-encoded), so what lies further
	 * back in one run is no part of one that the cut could split.  A line
	 * with no separator at all still keeps some evidence.
	 */
	while (k > 0 && max - k < RED_CUT_BACK &&
	       (is_local((unsigned char)s.p[k - 1]) || s.p[k - 1] == '@'))
		k--;
	/* Stopped inside a run: never between the bytes of one UTF-8 character. */
	while (k > 0 && k < max && ((unsigned char)s.p[k] & 0xC0) == 0x80)
		k--;
	return k;
}

static void mask_emails(sv s, struct buf *out)
{
	size_t i = 0, copied = 0;

	while (i < s.n) {
		size_t seplen = at_sep(s, i), b, e;

		if (seplen && email_at(s, i, seplen, &b, &e) && b >= copied) {
			buf_add(out, s.p + copied, b - copied);
			red_email(sv_make(s.p + b, e - b), out);
			copied = i = e;
			continue;
		}
		i++;
	}
	buf_add(out, s.p + copied, s.n - copied);
}

/* Replace every match of rx (or its group 1) in s with "***". */
static void mask_pattern(struct red *r, const struct rx *rx, sv s, struct buf *out)
{
	pcre2_code *code = rx->code;
	PCRE2_SIZE off = 0, copied = 0, *ov;

	if (!code) {
		buf_addsv(out, s);
		return;
	}
	while (off <= s.n) {
		int rc = pcre2_match(code, (PCRE2_SPTR)s.p, s.n, off, 0, r->md, r->mctx);
		PCRE2_SIZE ms, me;

		if (rc < 0) {
			/*
			 * A match or depth limit: the rest was never searched, and
			 * showing it unmasked could leak what the pattern is for
			 * (SPEC §8).  Fail closed: mask from here to the end.
			 */
			if (rc != PCRE2_ERROR_NOMATCH && off < s.n) {
				PCRE2_SIZE from = off > copied ? off : copied;
				buf_add(out, s.p + copied, from - copied);
				buf_adds(out, "***");
				copied = s.n;
			}
			break;
		}
		ov = pcre2_get_ovector_pointer(r->md);
		ms = ov[0];
		me = ov[1];
		if (rx->ngroups >= 1 && rc >= 2 && ov[2] != PCRE2_UNSET) {
			ms = ov[2];
			me = ov[3];
		}
		if (ms >= copied && me > ms) {
			buf_add(out, s.p + copied, ms - copied);
			buf_adds(out, "***");
			copied = me;
		}
		if (ov[1] > off) {
			off = ov[1];
		} else {
			/* Empty match: step over one character. */
			int32_t cp;
			if (off >= s.n)
				break;
			off += esc_utf8_next(s.p + off, s.n - off, &cp);
		}
	}
	buf_add(out, s.p + copied, s.n - copied);
}

void red_apply(struct red *r, sv s, struct buf *out)
{
	struct buf *in = &r->a, *tmp = &r->b, *sw;
	size_t i;

	buf_reset(in);
	esc_utf8_fix(in, s);
	buf_reset(tmp);
	mask_emails(buf_sv(in), tmp);
	sw = in, in = tmp, tmp = sw;
	for (i = 0; r->pol && r->md && i < r->pol->nredact; i++) {
		buf_reset(tmp);
		mask_pattern(r, r->pol->redact[i], buf_sv(in), tmp);
		sw = in, in = tmp, tmp = sw;
	}
	buf_addsv(out, buf_sv(in));
}
