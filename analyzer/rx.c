/*
 * rx.c - PCRE2 patterns from the rules (see rx.h).
 *
 * Patterns are compiled once at load time and then shared read-only by all
 * threads; every thread brings its own struct rx_thread (match data, match
 * context with limits, JIT stack) so matching allocates nothing.
 *
 * Byte semantics, not UTF: access logs routinely carry invalid UTF-8 (raw
 * bytes in URLs, user agents, truncated lines).  A UTF-mode pattern would
 * either reject such subjects with an error (a silent non-match for an
 * audit) or need PCRE2_MATCH_INVALID_UTF, which is slower and changes what
 * `.` and `\w` mean.  Rule patterns describe ASCII structure (paths, ids,
 * ticket numbers), so plain bytes are both correct and fastest.
 * PCRE2_NEVER_UTF also makes a `(*UTF)` in a rule a compile error instead of
 * a pattern that fails at match time.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "common.h"

#include "rx.h"
#include "xalloc.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JIT stack: the default 32K is too small for some real patterns; cap at 512K. */
#define RX_JIT_STACK_MIN (32 * 1024)
#define RX_JIT_STACK_MAX (512 * 1024)

struct rx_thread {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;	/* NULL if JIT is unavailable */
	int last_rc;		/* pairs set by the last successful match */
};

/*
 * The literal prefix of an anchored pattern, read conservatively from its
 * source: any construct we do not fully understand ends the prefix, so the
 * prefilter can only skip subjects PCRE2 would not match either.
 */
/* Any top-level alternation makes the anchor apply to one branch only. */
static bool top_level_alternation(const char *p, size_t n)
{
	int depth = 0;
	bool in_class = false;

	for (size_t j = 0; j < n; j++) {
		char c = p[j];
		if (c == '\\') {
			j++;
			continue;
		}
		if (in_class) {
			if (c == ']')
				in_class = false;
			continue;
		}
		if (c == '[') {
			in_class = true;
			if (j + 1 < n && p[j + 1] == ']')
				j++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			depth--;
		} else if (c == '|' && depth <= 0) {
			return true;
		}
	}
	return false;
}

static size_t literal_prefix(const char *p, size_t n, char *out, size_t max)
{
	size_t i = 0, k = 0;

	if (n == 0 || p[0] != '^' || top_level_alternation(p, n))
		return 0;
	i = 1;
	while (i < n && k < max) {
		char c = p[i], lit;
		size_t adv = 1;
		if (c == '\\') {
			if (i + 1 >= n)
				break;
			unsigned char e = (unsigned char)p[i + 1];
			/* \d, \w, \Q, \x.. and friends are not literals we can use. */
			if ((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z'))
				break;
			lit = (char)e;
			adv = 2;
		} else if (strchr("^$.[]|()?*+{}", c)) {
			break;
		} else {
			lit = c;
		}
		/* A quantifier after it makes this character optional or repeated. */
		if (i + adv < n && strchr("?*+{", p[i + adv]))
			break;
		out[k++] = lit;
		i += adv;
	}
	return k;
}

/*
 * The skeleton prefilter (rx.h).  Tokens read from an anchored pattern,
 * conservatively like literal_prefix(): a literal character (SK_CHAR), one
 * followed by a plain `?` (SK_OPT), and \d+ bare or as the whole of a group
 * "(\d+)", "(?:\d+)", "(?<name>\d+)", "(?P<name>\d+)", "(?'name'\d+)"
 * (SK_DIGITS).  Anything else ends the skeleton.
 *
 * rx_skel_ok() matches greedily without backtracking, which is exact only
 * where no backtracking could help, so the program is cut before:
 *  - a token after \d+ that is not a mandatory non-digit character (the
 *    digits must end right where it starts);
 *  - an optional c not followed by a mandatory character other than c
 *    (taking c when present is then the only way on).
 * \d is [0-9]: patterns are compiled without UTF or UCP, and (*UCP) could
 * only stand before the leading ^.
 */
enum { SK_END, SK_LIT, SK_DIGITS, SK_OPT, SK_CHAR };

struct sk_tok {
	unsigned char kind;	/* SK_CHAR, SK_OPT, SK_DIGITS */
	unsigned char c;
	bool capture;		/* SK_DIGITS: "(\d+)" or a named group, not "\d+" or "(?:\d+)" */
};

/* Length of "\d+" at p (not followed by a quantifier modifier), else 0. */
static size_t digits_at(const char *p, size_t n)
{
	if (n < 3 || p[0] != '\\' || p[1] != 'd' || p[2] != '+')
		return 0;
	if (n > 3 && strchr("?+*{", p[3]))
		return 0;
	return 3;
}

/* Length of a group holding exactly \d+ at p, up to and including ')', else 0. */
static size_t digits_group_at(const char *p, size_t n)
{
	size_t i = 1;
	char close = 0;

	if (n < 1 || p[0] != '(')
		return 0;
	if (i < n && p[i] == '?') {
		i++;
		if (i < n && p[i] == ':') {
			i++;
		} else {
			if (i < n && p[i] == 'P')
				i++;
			if (i < n && p[i] == '<')
				close = '>';
			else if (i < n && p[i] == '\'')
				close = '\'';
			else
				return 0;
			i++;
			/* A name, not "(?<=" or "(?<!" lookbehind. */
			size_t start = i;
			while (i < n && (p[i] == '_' || (p[i] >= 'a' && p[i] <= 'z') ||
					 (p[i] >= 'A' && p[i] <= 'Z') ||
					 (i > start && p[i] >= '0' && p[i] <= '9')))
				i++;
			if (i == start || i >= n || p[i] != close)
				return 0;
			i++;
		}
	}
	if (i + 3 >= n || p[i] != '\\' || p[i + 1] != 'd' || p[i + 2] != '+' || p[i + 3] != ')')
		return 0;
	i += 4;
	if (i < n && strchr("?*+{", p[i]))
		return 0;	/* the group repeated or optional */
	return i;
}

/* The next token at p[*i]; false at the end or at anything not understood. */
static bool skel_token(const char *p, size_t n, size_t *i, struct sk_tok *t)
{
	size_t at = *i, adv;
	unsigned char c;

	if (at >= n)
		return false;
	if ((adv = digits_at(p + at, n - at)) || (adv = digits_group_at(p + at, n - at))) {
		t->kind = SK_DIGITS;
		t->c = 0;
		t->capture = p[at] == '(' && !(p[at + 1] == '?' && p[at + 2] == ':');
		*i = at + adv;
		return true;
	}
	if (p[at] == '\\') {
		if (at + 1 >= n)
			return false;
		c = (unsigned char)p[at + 1];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return false;
		adv = 2;
	} else if (strchr("^$.[]|()?*+{}", p[at])) {
		return false;
	} else {
		c = (unsigned char)p[at];
		adv = 1;
	}
	t->c = c;
	t->kind = SK_CHAR;
	if (at + adv < n && p[at + adv] == '?') {
		/* c? but not the lazy c?? or possessive c?+ */
		if (at + adv + 1 < n && (p[at + adv + 1] == '?' || p[at + adv + 1] == '+'))
			return false;
		t->kind = SK_OPT;
		adv++;
	} else if (at + adv < n && strchr("*+{", p[at + adv])) {
		return false;
	}
	*i = at + adv;
	return true;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Compile the skeleton of pattern p into r->skel; r->nskel 0 if it adds nothing. */
static void skeleton(struct rx *r, const char *p, size_t n)
{
	struct sk_tok prev = { SK_END, 0, false }, t;
	size_t i = 1, k = 0, lit = 0;	/* lit: index of the open SK_LIT run's length byte, or 0 */
	size_t max = sizeof(r->skel);
	bool beyond = false;		/* anything a prefix check would not test */
	bool cut = false;		/* the program stops before a token skel_token() read */
	unsigned ndigits = 0, ncaps = 0;

	r->nskel = 0;
	r->nstem = 0;
	r->nrestlit = 0;
	r->exact = r->exact_wb = false;
	r->skel_caps = 0;
	if (n == 0 || p[0] != '^' || top_level_alternation(p, n))
		return;
	while (skel_token(p, n, &i, &t)) {
		cut = true;
		if (prev.kind == SK_DIGITS && !(t.kind == SK_CHAR && !is_digit(t.c)))
			break;
		if (prev.kind == SK_OPT && !(t.kind == SK_CHAR && t.c != prev.c)) {
			k -= 2;	/* the optional character without what follows it */
			break;
		}
		if (t.kind == SK_CHAR) {
			if (!lit) {
				if (k + 3 > max)
					break;
				r->skel[k++] = SK_LIT;
				lit = k;
				r->skel[k++] = 0;
			} else if (k + 1 > max || r->skel[lit] == 255) {
				break;
			}
			r->skel[k++] = t.c;
			r->skel[lit]++;
		} else {
			if (k + 2 > max || (t.kind == SK_DIGITS && ndigits == RX_SKEL_DIGITS))
				break;
			lit = 0;
			r->skel[k++] = t.kind;
			if (t.kind == SK_OPT)
				r->skel[k++] = t.c;
			if (t.kind == SK_DIGITS) {
				if (t.capture) {
					r->skel_caps |= UINT64_C(1) << ndigits;
					ncaps++;
				}
				ndigits++;
			}
		}
		prev = t;
		cut = false;
	}
	if (prev.kind == SK_OPT && k >= 2 && r->skel[k - 2] == SK_OPT) {
		k -= 2;		/* a trailing optional character tests nothing */
		cut = true;
	}
	/*
	 * Exact: skel_token() read all of the pattern and every token is in
	 * the program, or all but a last "\b" after a literal character
	 * (greedy matching up to there has one outcome, so the \b is a test at
	 * one place).
	 */
	bool wb = n - i == 2 && p[i] == '\\' && p[i + 1] == 'b' && prev.kind == SK_CHAR;
	bool whole = !cut && (i == n || wb) && ncaps == r->ngroups;
	/* Worth a test only where it says more than the literal prefix. */
	for (size_t j = 0; j < k && !beyond; j += r->skel[j] == SK_LIT ? 2u + r->skel[j + 1] : 1u)
		beyond = r->skel[j] != SK_LIT || r->skel[j + 1] > r->nprefix;
	r->nskel = beyond ? k : 0;
	r->exact = whole && r->nskel && !wb;
	r->exact_wb = whole && r->nskel && wb;
	if (!r->exact && !r->exact_wb)
		r->skel_caps = 0;
	r->nstem = 0;
	for (size_t j = 0; j < r->nskel; j += r->skel[j] == SK_LIT ? 2u + r->skel[j + 1] : r->skel[j] == SK_OPT ? 2u : 1u)
		if (r->skel[j] == SK_DIGITS)
			r->nstem = j + 1;
	/* After \d+ comes a literal (skeleton() cuts anything else) or the end. */
	r->nrestlit = r->nstem && r->nstem < r->nskel && r->skel[r->nstem] == SK_LIT ? r->skel[r->nstem + 1] : 0;
}

/*
 * rx_skel_run(), inlined where rx.c runs a skeleton per match; with spans
 * (not NULL) also the start and end of each \d+ run, in order, at
 * spans[2j], spans[2j + 1].  Always inlined: where spans is NULL the
 * loop has no test of it.
 */
static inline __attribute__((always_inline)) bool skel_run(const unsigned char *prog, size_t nprog, sv subject,
							    size_t *pos, size_t *spans)
{
	const unsigned char *k = prog, *end = prog + nprog;
	const unsigned char *s = (const unsigned char *)subject.p;
	size_t i = *pos, n = subject.n;

	while (k < end) {
		switch (*k) {
		case SK_LIT: {
			size_t len = k[1];
			if (n - i < len)
				return false;
			if (!sv_mem_eq(s + i, k + 2, len))
				return false;
			i += len;
			k += 2 + len;
			break;
		}
		case SK_DIGITS:
			if (i >= n || !is_digit(s[i]))
				return false;
			if (spans)
				*spans++ = i;
			while (i < n && is_digit(s[i]))
				i++;
			if (spans)
				*spans++ = i;
			k++;
			break;
		default:	/* SK_OPT */
			if (i < n && s[i] == k[1])
				i++;
			k += 2;
			break;
		}
	}
	*pos = i;
	return true;
}

bool rx_skel_run(const unsigned char *prog, size_t nprog, sv subject, size_t *pos)
{
	return skel_run(prog, nprog, subject, pos, NULL);
}

static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

int rx_exact_at(const struct rx *r, sv subject, size_t end)
{
	if (r->exact && r->nskel)
		return 1;
	if (!r->exact_wb || !r->nskel || end == 0 || end > subject.n)
		return -1;
	/* \b at end: the byte before it is the pattern's last literal. */
	unsigned char before = (unsigned char)subject.p[end - 1];
	bool at_end = end == subject.n;
	unsigned char after = at_end ? 0 : (unsigned char)subject.p[end];
	if (before >= 0x80 || after >= 0x80)
		return -1;
	return word_byte(before) != (!at_end && word_byte(after));
}

sv rx_exact_group(const struct rx *r, sv subject, unsigned idx)
{
	size_t pos = 0, spans[2 * RX_SKEL_DIGITS];
	if (idx > r->ngroups || !skel_run(r->skel, r->nskel, subject, &pos, spans))
		return SV_NULL;
	if (idx == 0)
		return sv_make(subject.p, pos);
	/* Group idx is the idx-th \d+ run marked in skel_caps. */
	uint64_t caps = r->skel_caps;
	for (unsigned g = 1; g < idx && caps; g++)
		caps &= caps - 1;
	if (!caps)
		return SV_NULL;
	unsigned j = (unsigned)__builtin_ctzll(caps);
	return sv_make(subject.p + spans[2 * j], spans[2 * j + 1] - spans[2 * j]);
}

struct rx *rx_compile(const char *pattern, size_t len, unsigned flags,
		      const char *where, struct diag *err)
{
	uint32_t opts = PCRE2_NEVER_UTF;
	int ec;
	PCRE2_SIZE eoff;
	pcre2_code *code;
	uint32_t ngroups = 0;
	struct rx *r;

	if (!where)
		where = "?";
	if (flags & RX_CASELESS)
		opts |= PCRE2_CASELESS;
	code = pcre2_compile((PCRE2_SPTR)pattern, len, opts, &ec, &eoff, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", ec);
		diag_set(err, "%s: regex error at offset %zu: %s", where,
			 (size_t)eoff, (const char *)msg);
		return NULL;
	}
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
	if (ngroups > RX_MAX_GROUPS - 1) {
		pcre2_code_free(code);
		diag_set(err, "%s: regex has %u capture groups, at most %d allowed",
			 where, (unsigned)ngroups, RX_MAX_GROUPS - 1);
		return NULL;
	}

	r = xcalloc(1, sizeof(*r));
	r->code = code;
	r->pattern = xstrndup(pattern, len);
	r->where = xstrdup(where);
	r->ngroups = ngroups;
	/* JIT is an optimisation: a platform without it still matches, with the interpreter. */
	/*
	 * DPFAUDIT_NO_JIT=1 runs the interpreter: valgrind cannot follow JIT
	 * code (false "uninitialised value" reports), and a JIT bug can be told
	 * from ours.  Read here, at load, never on the hot path.
	 */
	r->jit = !getenv("DPFAUDIT_NO_JIT") && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	atomic_init(&r->limit_hits, 0);
	if (!(flags & RX_CASELESS)) {
		r->nprefix = literal_prefix(pattern, len, r->prefix, sizeof(r->prefix));
		skeleton(r, pattern, len);
	}
	return r;
}

void rx_free(struct rx *r)
{
	if (!r)
		return;
	pcre2_code_free(r->code);
	free(r->pattern);
	free(r->where);
	free(r);
}

struct rx_thread *rx_thread_new(void)
{
	struct rx_thread *t = xcalloc(1, sizeof(*t));
	t->md = pcre2_match_data_create(RX_MAX_GROUPS, NULL);
	t->mc = pcre2_match_context_create(NULL);
	if (!t->md || !t->mc)
		xalloc_oom(sizeof(*t));	/* PCRE2 does not say how much */
	pcre2_set_match_limit(t->mc, RX_MATCH_LIMIT);
	pcre2_set_depth_limit(t->mc, RX_DEPTH_LIMIT);
	t->js = pcre2_jit_stack_create(RX_JIT_STACK_MIN, RX_JIT_STACK_MAX, NULL);
	if (t->js)
		pcre2_jit_stack_assign(t->mc, NULL, t->js);
	return t;
}

void rx_thread_free(struct rx_thread *t)
{
	if (!t)
		return;
	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mc);
	if (t->js)
		pcre2_jit_stack_free(t->js);
	free(t);
}

int rx_match(const struct rx *r, sv subject, struct rx_thread *t)
{
	if (r->nprefix && (subject.n < r->nprefix || memcmp(subject.p, r->prefix, r->nprefix))) {
		t->last_rc = 0;
		return 0;
	}
	return rx_match_prefixed(r, subject, t);
}

static int match_pcre2(const struct rx *r, sv subject, struct rx_thread *t);

int rx_match_prefixed(const struct rx *r, sv subject, struct rx_thread *t)
{
	t->last_rc = 0;
	size_t pos = 0;
	if (r->nskel && !skel_run(r->skel, r->nskel, subject, &pos, NULL))
		return 0;
	return match_pcre2(r, subject, t);
}

int rx_match_after_skel(const struct rx *r, sv subject, struct rx_thread *t)
{
	t->last_rc = 0;
	return match_pcre2(r, subject, t);
}

/* PCRE2 itself, after the prefilters; t->last_rc is 0. */
static int match_pcre2(const struct rx *r, sv subject, struct rx_thread *t)
{
	int rc;

	/* The JIT entry point skips pcre2_match()'s option checks: it is the hot path. */
	if (r->jit)
		rc = pcre2_jit_match(r->code, (PCRE2_SPTR)(subject.p ? subject.p : ""),
				     subject.n, 0, 0, t->md, t->mc);
	else
		rc = pcre2_match(r->code, (PCRE2_SPTR)(subject.p ? subject.p : ""),
				 subject.n, 0, 0, t->md, t->mc);
	if (rc > 0) {
		t->last_rc = rc;
		return 1;
	}
	if (rc == 0) {
		/* Cannot happen: groups are capped below the match data's size. */
		t->last_rc = RX_MAX_GROUPS;
		return 1;
	}
	if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
		return 0;
	/*
	 * Match limit, depth limit, JIT stack limit, heap limit, or anything
	 * else: counted so the audit can report the pattern, never a hang.
	 */
	atomic_fetch_add_explicit((atomic_ulong *)&r->limit_hits, 1, memory_order_relaxed);
	return 0;
}

sv rx_group(const struct rx_thread *t, sv subject, unsigned idx)
{
	PCRE2_SIZE *ov;

	if ((int)idx >= t->last_rc)
		return SV_NULL;
	ov = pcre2_get_ovector_pointer(t->md);
	if (ov[2 * idx] == PCRE2_UNSET || ov[2 * idx + 1] < ov[2 * idx] ||
	    ov[2 * idx + 1] > subject.n)
		return SV_NULL;
	return sv_make(subject.p + ov[2 * idx], ov[2 * idx + 1] - ov[2 * idx]);
}

int rx_group_index(const struct rx *r, const char *name)
{
	int n = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
	if (n == PCRE2_ERROR_NOUNIQUESUBSTRING) {
		/* (?J) duplicate names: the first group of that name. */
		PCRE2_SPTR first, last;
		int es = pcre2_substring_nametable_scan(r->code, (PCRE2_SPTR)name, &first, &last);
		if (es > 0)
			return (first[0] << 8) | first[1];
		return -1;
	}
	return n > 0 ? n : -1;
}

const char *rx_group_name(const struct rx *r, unsigned idx)
{
	uint32_t count = 0, esize = 0;
	PCRE2_SPTR table = NULL;

	pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &count);
	if (!count)
		return NULL;
	pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR e = table + (size_t)i * esize;
		if ((unsigned)((e[0] << 8) | e[1]) == idx)
			return (const char *)(e + 2);
	}
	return NULL;
}
