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

static int is_local(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static int is_domain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-';
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

/*
 * Given a separator at [at, at+seplen), find the address around it:
 * *start..*end.  Returns 0 if it is not an address (no local part, no dot in
 * the domain, or a TLD that is not at least two letters).
 */
static int email_at(sv s, size_t at, size_t seplen, size_t *start, size_t *end)
{
	size_t b = at, e = at + seplen, lastdot = 0, k;

	while (b > 0 && is_local((unsigned char)s.p[b - 1]))
		b--;
	/* "%40" inside the local part scan: stop at an earlier separator. */
	for (k = b; k < at; k++)
		if (at_sep(s, k) == 3)
			b = k + 3;
	if (b == at)
		return 0;
	while (e < s.n && is_domain((unsigned char)s.p[e]))
		e++;
	while (e > at + seplen && (s.p[e - 1] == '.' || s.p[e - 1] == '-'))
		e--;
	for (k = at + seplen; k < e; k++)
		if (s.p[k] == '.')
			lastdot = k;
	if (!lastdot || lastdot == at + seplen || e - lastdot - 1 < 2)
		return 0;
	for (k = lastdot + 1; k < e; k++)
		if (!is_alpha((unsigned char)s.p[k]))
			return 0;
	*start = b;
	*end = e;
	return 1;
}

void red_email(sv addr, struct buf *out)
{
	size_t i, at = addr.n, seplen = 0, lastdot = 0;

	for (i = 0; i < addr.n; i++)
		if ((seplen = at_sep(addr, i))) {
			at = i;
			break;
		}
	if (at == addr.n || at == 0) {
		buf_adds(out, "***");
		return;
	}
	for (i = at + seplen; i < addr.n; i++)
		if (addr.p[i] == '.')
			lastdot = i;
	buf_addc(out, addr.p[0]);
	buf_adds(out, "***");
	buf_add(out, addr.p + at, seplen);
	if (lastdot > at + seplen) {
		buf_addc(out, addr.p[at + seplen]);
		buf_adds(out, "***");
		buf_add(out, addr.p + lastdot, addr.n - lastdot);
	} else {
		buf_adds(out, "***");
	}
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
