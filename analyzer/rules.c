/*
 * rules.c - the rule language (SPEC §4): INI text in, struct policy out.
 *
 * Loading is one pass over the files in order (includes are followed where
 * they appear), building the policy directly in its arena; names that may
 * be defined later (a role's may-read categories, a purpose's evidence) are
 * recorded as references and resolved once every file has been read, so a
 * rule directory may be split in any order.  Section-level requirements (a
 * regex format needs a pattern, a custom check needs a principle) are
 * checked when the section ends.
 *
 * Every error stops loading and is returned as one "file:line: message";
 * nothing is printed here.  The policy is always consistent enough for
 * policy_free(), so an error at any point releases everything.
 */
#include "common.h"

#include "rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "evidence.h"
#include "format.h"
#include "sources.h"
#include "timeutil.h"
#include "xalloc.h"

#ifndef DPF_DATADIR
#define DPF_DATADIR "/usr/local/share/dpfaudit"
#endif

/* A rule or data file larger than this is not a rule file. */
#define RULES_MAX_FILE (64u * 1024 * 1024)
#define RULES_MAX_DEPTH 32

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

/*
 * Grow an arena array by one element.  Capacity is implied by the count
 * (4, then powers of two), so the policy's arrays need no capacity fields;
 * the abandoned copies stay in the arena, which is fine for load-time data.
 */
static void *agrow(struct arena *a, void *arr, size_t n, size_t elsz)
{
	if (n != 0 && (n < 4 || (n & (n - 1))))
		return arr;
	size_t cap = n ? 2 * n : 4;
	void *na = arena_alloc(a, cap * elsz);
	if (n)
		memcpy(na, arr, n * elsz);
	return na;
}
#define APUSH(a, arr, n) ((arr) = agrow((a), (arr), (n), sizeof(*(arr))), &(arr)[(n)++])

static bool is_name_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
}

static bool valid_name(sv s)
{
	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!is_name_char((unsigned char)s.p[i]))
			return false;
	return true;
}

/* Next token of a list separated by commas and/or white space. */
static bool next_token(sv *rest, sv *tok)
{
	const char *p = rest->p, *e = rest->p + rest->n;
	while (p < e && (*p == ',' || isspace((unsigned char)*p)))
		p++;
	if (p == e) {
		*rest = sv_make(e, 0);
		return false;
	}
	const char *s = p;
	while (p < e && *p != ',' && !isspace((unsigned char)*p))
		p++;
	*tok = sv_make(s, (size_t)(p - s));
	*rest = sv_make(p, (size_t)(e - p));
	return true;
}

/* next_token, where a token may be "quoted" (spaces and commas inside); -1: unclosed quote. */
static int next_quoted(sv *rest, sv *tok)
{
	const char *p = rest->p, *e = rest->p + rest->n;
	while (p < e && (*p == ',' || isspace((unsigned char)*p)))
		p++;
	if (p == e || *p != '"') {
		*rest = sv_make(p, (size_t)(e - p));
		return next_token(rest, tok) ? 1 : 0;
	}
	const char *close = memchr(p + 1, '"', (size_t)(e - p - 1));
	if (!close)
		return -1;
	*tok = sv_make(p + 1, (size_t)(close - p - 1));
	*rest = sv_make(close + 1, (size_t)(e - close - 1));
	return 1;
}

static int read_whole(const char *path, char **out, size_t *outn, struct diag *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_set(err, "%s: %s", path, strerror(errno));
	size_t cap = 8192, n = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= RULES_MAX_FILE) {
				free(b);
				fclose(f);
				return diag_set(err, "%s: file larger than %u bytes", path,
						RULES_MAX_FILE);
			}
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				fclose(f);
				return diag_set(err, "%s: out of memory", path);
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(b);
		fclose(f);
		return diag_set(err, "%s: read error: %s", path, strerror(e));
	}
	fclose(f);
	b[n] = '\0';
	*out = b;
	*outn = n;
	return 0;
}

/*
 * Offset of the first byte that cannot be in a text file (NUL, or a control
 * character other than tab, CR, LF and form feed), or -1.
 */
static long binary_at(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f)
			return (long)i;
	}
	return -1;
}

static int line_of(const char *b, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off; i++)
		if (b[i] == '\n')
			line++;
	return line;
}

/* Iterate the lines of a buffer: CR stripped; returns false at the end. */
static bool next_line(const char **pos, const char *end, sv *line)
{
	const char *p = *pos;
	if (p >= end)
		return false;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *le = nl ? nl : end;
	*pos = nl ? nl + 1 : end;
	if (le > p && le[-1] == '\r')
		le--;
	*line = sv_make(p, (size_t)(le - p));
	return true;
}

/*
 * Step over a UTF-8 byte-order mark at the start of a text file, as some
 * editors (and Windows tools) write one: rule files and every data file
 * they name accept it (SPEC §4, after the semantics).
 */
static void skip_bom(const char **pos, const char *end)
{
	if (end - *pos >= 3 && memcmp(*pos, "\xEF\xBB\xBF", 3) == 0)
		*pos += 3;
}

/* Cut a comment: '#' at the start of the line or after white space. */
static sv strip_comment(sv l)
{
	for (size_t i = 0; i < l.n; i++)
		if (l.p[i] == '#' && (i == 0 || l.p[i - 1] == ' ' || l.p[i - 1] == '\t'))
			return sv_make(l.p, i);
	return l;
}

/* ------------------------------------------------------------------ */
/* Section kinds and their keys                                         */

enum sect_kind {
	SK_FORMAT,
	SK_CATEGORY,
	SK_PURPOSE,
	SK_ROLE,
	SK_EVIDENCE,
	SK_OPTOUT,
	SK_RECIPIENTS,
	SK_CHECK,
	SK_REDACT,
	SK_COUNT,
	SK_NONE = -1,
};

static const char *const kind_names[SK_COUNT] = {
	"format", "category", "purpose", "role", "evidence",
	"optout", "recipients", "check", "redact",
};
static const bool kind_named[SK_COUNT] = {
	[SK_FORMAT] = true, [SK_CATEGORY] = true, [SK_PURPOSE] = true,
	[SK_ROLE] = true, [SK_EVIDENCE] = true, [SK_CHECK] = true,
};

#define MAX_KEYS 24
struct keydef {
	const char *name;
	bool list;	/* may repeat (values append); otherwise once per section */
};

static const struct keydef keys_format[] = {
	{ "type", false }, { "pattern", false }, { "prefix", false },
	{ "time-format", false }, { "read", true }, { "write", true },
	{ "delete", true }, { "export", true }, { "transfer", true },
	{ "login", true }, { "wrapper", false }, { "failed", true }, { "denied", true },
	{ "skip", true }, { "pgaudit", false }, { "fallback", false }, { "timezone", false },
	{ "paths", true }, { "request-line", false }, { "require", true }, { "records", false },
	{ "multiline", false },
	{ NULL, false },
};
static const struct keydef keys_category[] = {
	{ "description", false }, { "sensitive", false }, { "resource", true },
	{ NULL, false },
};
static const struct keydef keys_purpose[] = {
	{ "description", false }, { "reason", true }, { "evidence", false },
	{ "infer", false }, { "honours-optout", false }, { NULL, false },
};
static const struct keydef keys_role[] = {
	{ "description", false }, { "members", true }, { "may-read", true },
	{ "purposes", true }, { "hours", false }, { "max-subjects", false },
	{ "reason-required", false }, { NULL, false },
};
static const struct keydef keys_evidence[] = {
	{ "file", false }, { "key", false }, { NULL, false },
};
static const struct keydef keys_optout[] = { { "file", true }, { NULL, false } };
static const struct keydef keys_recipients[] = { { "approved", true }, { NULL, false } };
static const struct keydef keys_check[] = {
	{ "severity", false }, { "enabled", false }, { "threshold", false },
	{ "principle", true }, { "message", false }, { "description", false },
	{ "category", true }, { "action", false }, { NULL, false },
};
static const struct keydef keys_redact[] = { { "pattern", true }, { NULL, false } };

static const struct keydef *const kind_keys[SK_COUNT] = {
	keys_format, keys_category, keys_purpose, keys_role, keys_evidence,
	keys_optout, keys_recipients, keys_check, keys_redact,
};
/* Kinds that take `field.NAME = ...` keys. */
static const bool kind_fields[SK_COUNT] = {
	[SK_FORMAT] = true, [SK_CATEGORY] = true, [SK_CHECK] = true,
};

/* Format field maps beyond the canonical ones, in struct pol_format. */
enum { FF_TIME = EVF_COUNT, FF_STATUS, FF_BYTES, FF_RECORDS, FF_COUNT };

struct section {
	enum sect_kind kind;
	size_t idx;		/* element index in the policy array */
	const char *file;
	int line;
	int seen[MAX_KEYS];	/* line where each once-only key was set */
	int field_line[FF_COUNT];	/* format: line of each field.NAME */
};

enum ref_kind {
	REF_MAY_READ,		/* role owner: category name */
	REF_PURPOSES,		/* role owner: purpose name */
	REF_EVIDENCE,		/* purpose owner: evidence name */
	REF_CHECK_CATEGORY,	/* check owner, matcher sub: category name */
};

struct ref {
	enum ref_kind kind;
	size_t owner, sub;
	const char *name;
	struct pol_loc loc;
};

struct loader {
	struct policy *p;
	struct diag *err;
	struct dg_sha256 dg;
	char *stack_real[RULES_MAX_DEPTH];	/* realpaths of the include chain */
	const char *stack_disp[RULES_MAX_DEPTH];
	size_t depth;
	char **loaded;		/* realpaths read so far: a file is read once */
	size_t nloaded;
	struct ref *refs;
	size_t nrefs;
	struct arena tmp;	/* refs and the loaded list */
	bool builtin;		/* loading the built-in sources (sources.c) */
};

static int lerr(struct loader *L, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int lerr(struct loader *L, const char *file, int line, const char *fmt, ...)
{
	char msg[DIAG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return diag_set(L->err, "%s:%d: %s", file, line, msg);
	return diag_set(L->err, "%s: %s", file, msg);
}

static const char *astr(struct loader *L, sv s)
{
	return arena_strndup(&L->p->arena, s.p, s.n);
}

/* A copy with the comment escape `\#` turned into `#` (for non-regex values). */
static const char *astr_unesc(struct loader *L, sv s)
{
	char *d = arena_alloc(&L->p->arena, s.n + 1);
	size_t o = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '\\' && i + 1 < s.n && s.p[i + 1] == '#')
			continue;
		d[o++] = s.p[i];
	}
	d[o] = '\0';
	return d;
}

/* PATH relative to the directory of the file that names it. */
static const char *rel_path(struct loader *L, const char *base, sv rel)
{
	const char *slash = strrchr(base, '/');
	if ((rel.n && rel.p[0] == '/') || !slash)
		return astr(L, rel);
	size_t dn = (size_t)(slash - base);
	char *d = arena_alloc(&L->p->arena, dn + 1 + rel.n + 1);
	memcpy(d, base, dn);
	d[dn] = '/';
	memcpy(d + dn + 1, rel.p, rel.n);
	d[dn + 1 + rel.n] = '\0';
	return d;
}

static int parse_bool(struct loader *L, const struct section *s, int line, sv key, sv v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (sv_eq_nocase(v, sv_cstr(yes[i]))) {
			*out = true;
			return 0;
		}
		if (sv_eq_nocase(v, sv_cstr(no[i]))) {
			*out = false;
			return 0;
		}
	}
	return lerr(L, s->file, line, "bad value '%.*s' for '%.*s': expected yes or no",
		    (int)v.n, v.p, (int)key.n, key.p);
}

/* "N/WINDOW": 40/1h, 20/10m. */
static int parse_rate(struct loader *L, const struct section *s, int line, sv key, sv v,
		      unsigned *n, int64_t *win)
{
	const char *slash = memchr(v.p, '/', v.n);
	unsigned long long nn;
	if (slash) {
		sv a = sv_trim(sv_make(v.p, (size_t)(slash - v.p)));
		sv b = sv_trim(sv_make(slash + 1, (size_t)(v.p + v.n - slash - 1)));
		if (sv_to_u64(a, &nn) && nn > 0 && nn <= UINT_MAX && tu_parse_duration(b, win)) {
			*n = (unsigned)nn;
			return 0;
		}
	}
	return lerr(L, s->file, line, "bad %.*s '%.*s': expected N/WINDOW such as 40/1h or 20/10m",
		    (int)key.n, key.p, (int)v.n, v.p);
}

static struct rx *compile_rx(struct loader *L, const char *file, int line, sv v)
{
	char where[PATH_MAX + 32];
	snprintf(where, sizeof(where), "%s:%d", file, line);
	if (!v.n) {
		lerr(L, file, line, "empty regex (expected a PCRE2 pattern)");
		return NULL;
	}
	return rx_compile(v.p, v.n, 0, where, L->err);
}

static void add_ref(struct loader *L, enum ref_kind kind, size_t owner, size_t sub,
		    sv name, const char *file, int line)
{
	struct ref *r = APUSH(&L->tmp, L->refs, L->nrefs);
	r->kind = kind;
	r->owner = owner;
	r->sub = sub;
	r->name = astr(L, name);
	r->loc.file = file;
	r->loc.line = line;
}

/* ------------------------------------------------------------------ */
/* Members and opt-out files                                            */

static void add_member(struct loader *L, size_t role, sv name)
{
	struct policy *p = L->p;
	struct pol_role *r = &p->roles[role];
	if (memchr(name.p, '*', name.n) || memchr(name.p, '?', name.n) || memchr(name.p, '[', name.n)) {
		const char **g = APUSH(&p->arena, r->member_globs, r->nmember_globs);
		*g = astr(L, name);
		return;
	}
	uintptr_t *v = strmap_put(&p->members, name, 0, NULL);
	if (!v)
		xalloc_oom(name.n);	/* loading rules: the x* tier's exit 3, like its arena */
	uint64_t bit = (uint64_t)1 << role;
	if (!(*v & bit)) {
		*v |= bit;
		r->nmembers++;
	}
}

static bool is_header_word(sv s)
{
	static const char *const w[] = { "user", "username", "login", "name",
					 "member", "uid", "id", "subject" };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (sv_eq_nocase(s, sv_cstr(w[i])))
			return true;
	return false;
}

/*
 * Read a list file: one entry a line, the first CSV column, '#' comments,
 * blank lines ignored; a first line that is a CSV header ("user,...") is
 * skipped.  Calls fn for every entry.  The bytes go into the digest.
 */
static int read_list_file(struct loader *L, const char *rulefile, int line, const char *what,
			  const char *path, void (*fn)(struct loader *, size_t, sv), size_t arg)
{
	char *buf;
	size_t n;
	struct diag e;
	if (read_whole(path, &buf, &n, &e) < 0)
		return lerr(L, rulefile, line, "cannot read %s file: %s", what, e.msg);
	dg_sha256_update(&L->dg, buf, n);
	long bad = binary_at(buf, n);
	if (bad >= 0) {
		int bl = line_of(buf, (size_t)bad);
		free(buf);
		return lerr(L, path, bl, "binary data at byte %ld (not a %s file?)", bad, what);
	}
	const char *pos = buf, *end = buf + n;
	sv l;
	int ln = 0;
	skip_bom(&pos, end);
	while (next_line(&pos, end, &l)) {
		ln++;
		l = sv_trim(strip_comment(l));
		const char *comma = memchr(l.p, ',', l.n);
		bool csv = comma != NULL;
		if (comma)
			l = sv_trim(sv_make(l.p, (size_t)(comma - l.p)));
		if (l.n >= 2 && l.p[0] == '"' && l.p[l.n - 1] == '"')
			l = sv_trim(sv_make(l.p + 1, l.n - 2));
		if (!l.n)
			continue;
		if (ln == 1 && csv && is_header_word(l))
			continue;
		if (memmem(l.p, l.n, "\xEF\xBB\xBF", 3)) {
			/* Two files joined, or an editor's mark mid-file: the name would never match. */
			lerr(L, path, ln, "bad entry: a byte-order mark inside '%.*s'", (int)l.n, l.p);
			free(buf);
			return -1;
		}
		for (size_t i = 0; i < l.n; i++) {
			if (isspace((unsigned char)l.p[i])) {
				lerr(L, path, ln, "bad entry '%.*s': one name a line, no spaces",
				     (int)l.n, l.p);
				free(buf);
				return -1;
			}
		}
		fn(L, arg, l);
	}
	free(buf);
	return 0;
}

static void add_optout(struct loader *L, size_t unused, sv id)
{
	(void)unused;
	if (!strmap_put(&L->p->optout, id, 1, NULL))
		xalloc_oom(id.n);	/* loading rules: the x* tier's exit 3, like its arena */
}

/* ------------------------------------------------------------------ */
/* Sections                                                             */

static const char *sect_name(const struct loader *L, const struct section *s)
{
	const struct policy *p = L->p;
	switch (s->kind) {
	case SK_FORMAT: return p->formats[s->idx].name;
	case SK_CATEGORY: return p->categories[s->idx].name;
	case SK_PURPOSE: return p->purposes[s->idx].name;
	case SK_ROLE: return p->roles[s->idx].name;
	case SK_EVIDENCE: return p->evidence[s->idx].name;
	case SK_CHECK: return p->checks[s->idx].id;
	default: return NULL;
	}
}

static int dup_section(struct loader *L, const char *file, int line, enum sect_kind k,
		       sv name, struct pol_loc first)
{
	if (first.file)
		return lerr(L, file, line, "duplicate [%s %.*s] (first defined at %s:%d)",
			    kind_names[k], (int)name.n, name.p, first.file, first.line);
	return lerr(L, file, line, "duplicate [%s %.*s]", kind_names[k], (int)name.n, name.p);
}

static int section_begin(struct loader *L, struct section *s, enum sect_kind k, sv name,
			 const char *file, int line)
{
	struct policy *p = L->p;
	struct pol_loc loc = { file, line };
	int i;

	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->file = file;
	s->line = line;
	switch (k) {
	case SK_FORMAT: {
		if (fmt_is_builtin(name) || (!L->builtin && src_is_builtin(name)))
			return lerr(L, file, line,
				    "[format %.*s] would hide the built-in format of that name; choose another name",
				    (int)name.n, name.p);
		for (size_t j = 0; j < p->nformats; j++)
			if (sv_eq_cstr(name, p->formats[j].name))
				return dup_section(L, file, line, k, name, p->formats[j].loc);
		s->idx = p->nformats;
		struct pol_format *f = APUSH(&p->arena, p->formats, p->nformats);
		f->name = astr(L, name);
		f->type = PF_REGEX;
		f->builtin = L->builtin;
		f->loc = loc;
		break;
	}
	case SK_CATEGORY:
		if ((i = policy_category(p, name)) >= 0)
			return dup_section(L, file, line, k, name, p->categories[i].loc);
		if (p->ncategories >= POL_MAX_CATEGORIES)
			return lerr(L, file, line, "too many categories (at most %d)", POL_MAX_CATEGORIES);
		s->idx = p->ncategories;
		struct pol_category *c = APUSH(&p->arena, p->categories, p->ncategories);
		c->name = astr(L, name);
		c->loc = loc;
		break;
	case SK_PURPOSE:
		if ((i = policy_purpose(p, name)) >= 0)
			return dup_section(L, file, line, k, name, p->purposes[i].loc);
		if (p->npurposes >= POL_MAX_PURPOSES)
			return lerr(L, file, line, "too many purposes (at most %d)", POL_MAX_PURPOSES);
		s->idx = p->npurposes;
		struct pol_purpose *pu = APUSH(&p->arena, p->purposes, p->npurposes);
		pu->name = astr(L, name);
		pu->evidence = -1;
		pu->loc = loc;
		break;
	case SK_ROLE:
		if ((i = policy_role(p, name)) >= 0)
			return dup_section(L, file, line, k, name, p->roles[i].loc);
		if (p->nroles >= POL_MAX_ROLES)
			return lerr(L, file, line, "too many roles (at most %d)", POL_MAX_ROLES);
		s->idx = p->nroles;
		struct pol_role *r = APUSH(&p->arena, p->roles, p->nroles);
		r->name = astr(L, name);
		r->reason_required = true;
		r->loc = loc;
		break;
	case SK_EVIDENCE:
		for (size_t j = 0; j < p->nevidence; j++)
			if (sv_eq_cstr(name, p->evidence[j].name))
				return dup_section(L, file, line, k, name, p->evidence[j].loc);
		s->idx = p->nevidence;
		struct pol_evidence *ev = APUSH(&p->arena, p->evidence, p->nevidence);
		ev->name = astr(L, name);
		ev->loc = loc;
		break;
	case SK_CHECK: {
		if ((i = policy_check(p, name)) >= 0) {
			if (p->checks[i].loc.file)
				return dup_section(L, file, line, k, name, p->checks[i].loc);
			/* A built-in check (no location yet), first configured here. */
			p->checks[i].loc = loc;
			s->idx = (size_t)i;
			break;
		}
		s->idx = p->nchecks;
		struct pol_check *ck = APUSH(&p->arena, p->checks, p->nchecks);
		ck->id = astr(L, name);
		ck->enabled = true;
		ck->builtin = false;
		ck->severity = SEV_MEDIUM;
		ck->threshold_n = 20;
		ck->threshold_window = 600;
		ck->loc = loc;
		break;
	}
	default:
		break;
	}
	return 0;
}

static int key_index(enum sect_kind k, sv key)
{
	const struct keydef *kd = kind_keys[k];
	for (int i = 0; kd[i].name; i++)
		if (sv_eq_cstr(key, kd[i].name))
			return i;
	return -1;
}

static int section_end(struct loader *L, struct section *s)
{
	struct policy *p = L->p;
	struct diag e;

	switch (s->kind) {
	case SK_FORMAT: {
		struct pol_format *f = &p->formats[s->idx];
		/* A regex format without a pattern but with a prefix is a pgAudit log. */
		if (f->type == PF_REGEX && !f->pattern && !f->prefix)
			return lerr(L, s->file, s->line, "[format %s] needs 'pattern = REGEX' (type regex), "
				    "or 'prefix = REGEX' for a PostgreSQL server log with pgAudit records",
				    f->name);
		if (f->type != PF_REGEX && f->pattern)
			return lerr(L, s->file, s->seen[key_index(SK_FORMAT, SV_LIT("pattern"))],
				    "'pattern' is only for type regex; [format %s] is type %s",
				    f->name, f->type == PF_JSON ? "json" : "logfmt");
		if (f->multiline && f->type != PF_REGEX)
			return lerr(L, s->file, s->seen[key_index(SK_FORMAT, SV_LIT("multiline"))],
				    "'multiline' is only for type regex; [format %s] is type %s", f->name,
				    f->type == PF_JSON ? "json" : "logfmt");
		if (f->records && f->type != PF_JSON)
			return lerr(L, s->file, s->seen[key_index(SK_FORMAT, SV_LIT("records"))],
				    "'records' is only for type json; [format %s] is type %s", f->name,
				    f->type == PF_REGEX ? "regex" : "logfmt");
		if (f->type != PF_REGEX)
			break;
		if (f->request_line || f->nrequire)
			return lerr(L, s->file, s->line,
				    "'request-line' and 'require' are for type json or logfmt; [format %s] is type regex",
				    f->name);
		/* Resolve group names now that the pattern is known. */
		for (int fi = 0; fi < FF_COUNT; fi++) {
			struct pol_fieldmap *m = fi < EVF_COUNT ? &f->fields[fi]
				: fi == FF_TIME ? &f->time_field
				: fi == FF_STATUS ? &f->status_field
				: fi == FF_BYTES ? &f->bytes_field : &f->records_field;
			for (unsigned j = 0; j < m->n; j++) {
				if (m->src[j].kind == PS_TEMPLATE)
					return lerr(L, s->file, s->field_line[fi],
						    "a value template ('%s') is for type json or logfmt; [format %s] is type regex",
						    m->src[j].name, f->name);
				if (m->src[j].kind != PS_NAME)
					continue;
				/*
				 * A prefix-only format reads its fields from the
				 * prefix's fixed groups and the AUDIT record: a
				 * mapping would be ignored, so it is an error.
				 */
				if (!f->pattern)
					return lerr(L, s->file, s->field_line[fi],
						    "'%s' names a group of 'pattern', which [format %s] has not: "
						    "with 'prefix' alone, the fields are the prefix's groups "
						    "user, time, database, src, app and the pgAudit record's",
						    m->src[j].name, f->name);
				int g = rx_group_index(f->pattern, m->src[j].name);
				if (g < 0) {
					const char *names[RX_MAX_GROUPS];
					size_t nn = 0;
					for (unsigned gi = 1; gi <= f->pattern->ngroups; gi++)
						names[nn++] = rx_group_name(f->pattern, gi);
					const char *hint = sv_closest(sv_cstr(m->src[j].name), names, nn);
					return lerr(L, s->file, s->field_line[fi],
						    "no group named '%s' in the pattern of [format %s]%s%s%s",
						    m->src[j].name, f->name,
						    hint ? " (did you mean '" : "", hint ? hint : "",
						    hint ? "'?)" : "");
				}
				m->src[j].group = g;
			}
		}
		break;
	}
	case SK_PURPOSE: {
		struct pol_purpose *pu = &p->purposes[s->idx];
		if (pu->infer && !s->seen[key_index(SK_PURPOSE, SV_LIT("evidence"))])
			return lerr(L, s->file, s->seen[key_index(SK_PURPOSE, SV_LIT("infer"))],
				    "'infer = yes' needs 'evidence = NAME' in [purpose %s]: inference looks up evidence records",
				    pu->name);
		break;
	}
	case SK_EVIDENCE: {
		struct pol_evidence *ev = &p->evidence[s->idx];
		if (!ev->path)
			return lerr(L, s->file, s->line, "[evidence %s] needs 'file = PATH'", ev->name);
		if (!ev->key)
			ev->key = "id";
		char *buf;
		size_t n;
		int fl = s->seen[key_index(SK_EVIDENCE, SV_LIT("file"))];
		if (read_whole(ev->path, &buf, &n, &e) < 0)
			return lerr(L, s->file, fl, "cannot read evidence file: %s", e.msg);
		dg_sha256_update(&L->dg, buf, n);
		free(buf);
		ev->index = evd_load(ev->path, ev->key, &e);
		if (!ev->index)
			/* evd_load names "file:line:" of the data file itself. */
			return diag_set(L->err, "%s", e.msg);
		break;
	}
	case SK_CHECK: {
		struct pol_check *ck = &p->checks[s->idx];
		if (ck->builtin)
			break;
		if (!ck->principles)
			return lerr(L, s->file, s->line,
				    "custom check '%s' needs 'principle = NAME' (e.g. security, purpose-limitation)",
				    ck->id);
		if (!ck->nmatchers)
			return lerr(L, s->file, s->line,
				    "custom check '%s' needs at least one matcher (field.NAME = REGEX, category = C or action = A)",
				    ck->id);
		if (!ck->title)
			ck->title = ck->message ? ck->message : ck->id;
		if (!ck->message)
			ck->message = ck->title;
		break;
	}
	default:
		break;
	}
	s->kind = SK_NONE;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                 */

static struct pol_fieldmap *format_fieldmap(struct pol_format *f, sv name, int *fi)
{
	enum ev_field ef = ev_field_parse(name);
	if (ef != EVF_COUNT) {
		*fi = (int)ef;
		return &f->fields[ef];
	}
	if (sv_eq_cstr(name, "time")) {
		*fi = FF_TIME;
		return &f->time_field;
	}
	if (sv_eq_cstr(name, "status")) {
		*fi = FF_STATUS;
		return &f->status_field;
	}
	if (sv_eq_cstr(name, "bytes")) {
		*fi = FF_BYTES;
		return &f->bytes_field;
	}
	if (sv_eq_cstr(name, "records")) {
		*fi = FF_RECORDS;
		return &f->records_field;
	}
	return NULL;
}

/* A value template: literal text and {KEY} references, at least one, none empty or nested. */
static int check_template(struct loader *L, const char *file, int line, sv t)
{
	unsigned refs = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (t.p[i] == '}')
			return lerr(L, file, line, "unmatched '}' in template '%.*s'", (int)t.n, t.p);
		if (t.p[i] != '{')
			continue;
		size_t j = i + 1;
		while (j < t.n && t.p[j] != '}' && t.p[j] != '{')
			j++;
		if (j >= t.n || t.p[j] != '}' || j == i + 1)
			return lerr(L, file, line, "bad template '%.*s' (expected {KEY} references, e.g. {requestParameters.bucketName}/{requestParameters.key})",
				    (int)t.n, t.p);
		refs++;
		i = j;
	}
	return refs ? 0 : lerr(L, file, line, "template '%.*s' references no key", (int)t.n, t.p);
}

static int key_format(struct loader *L, struct section *s, int line, sv key, sv field, sv v)
{
	struct pol_format *f = &L->p->formats[s->idx];
	struct diag e;

	if (field.p) {
		int fi;
		struct pol_fieldmap *m = format_fieldmap(f, field, &fi);
		if (!m) {
			const char *c[EVF_COUNT + 4];
			for (int i = 0; i < EVF_COUNT; i++)
				c[i] = ev_field_name((enum ev_field)i);
			c[EVF_COUNT] = "time";
			c[EVF_COUNT + 1] = "status";
			c[EVF_COUNT + 2] = "bytes";
			c[EVF_COUNT + 3] = "records";
			const char *hint = sv_closest(field, c, EVF_COUNT + 4);
			if (hint)
				return lerr(L, s->file, line, "unknown event field '%.*s' (did you mean '%s'?)",
					    (int)field.n, field.p, hint);
			return lerr(L, s->file, line,
				    "unknown event field '%.*s' (expected user, role, action, resource, subject, reason, src, dst, scheme, host, app, statement, agent, referer, protocol, time, status, bytes or records)",
				    (int)field.n, field.p);
		}
		sv rest = v, tok;
		bool any = false;
		while (next_token(&rest, &tok)) {
			any = true;
			if (m->n >= POL_MAX_SOURCES)
				return lerr(L, s->file, line, "too many sources for field.%.*s (at most %d)",
					    (int)field.n, field.p, POL_MAX_SOURCES);
			struct pol_source *src = &m->src[m->n++];
			src->group = -1;
			if (tok.n > 6 && memcmp(tok.p, "query:", 6) == 0) {
				src->kind = PS_QUERY;
				src->name = astr(L, sv_make(tok.p + 6, tok.n - 6));
			} else if (tok.n == 6 && memcmp(tok.p, "query:", 6) == 0) {
				return lerr(L, s->file, line, "'query:' needs a parameter name, e.g. query:reason");
			} else if (memchr(tok.p, '{', tok.n)) {
				if (check_template(L, s->file, line, tok) < 0)
					return -1;
				src->kind = PS_TEMPLATE;
				src->name = astr(L, tok);
			} else {
				src->kind = PS_NAME;
				src->name = astr(L, tok);
			}
		}
		if (!any)
			return lerr(L, s->file, line, "field.%.*s needs a source (a group, key, or query:PARAM)",
				    (int)field.n, field.p);
		s->field_line[fi] = line;
		return 0;
	}
	if (sv_eq_cstr(key, "type")) {
		if (sv_eq_cstr(v, "regex"))
			f->type = PF_REGEX;
		else if (sv_eq_cstr(v, "json"))
			f->type = PF_JSON;
		else if (sv_eq_cstr(v, "logfmt"))
			f->type = PF_LOGFMT;
		else
			return lerr(L, s->file, line, "bad type '%.*s' (expected regex, json or logfmt)",
				    (int)v.n, v.p);
		return 0;
	}
	enum pol_cond_kind ck = sv_eq_cstr(key, "failed") ? PC_FAILED
		: sv_eq_cstr(key, "denied") ? PC_DENIED
		: sv_eq_cstr(key, "skip") ? PC_SKIP : PC_COUNT;
	if (ck != PC_COUNT) {
		const char *colon = memchr(v.p, ':', v.n);
		if (!colon || colon == v.p || colon + 1 == v.p + v.n)
			return lerr(L, s->file, line, "'%.*s' needs PATH:REGEX (e.g. errorCode:^AccessDenied$)",
				    (int)key.n, key.p);
		struct pol_cond *c = APUSH(&L->p->arena, f->conds[ck], f->nconds[ck]);
		c->path = astr(L, sv_make(v.p, (size_t)(colon - v.p)));
		c->rx = compile_rx(L, s->file, line, sv_make(colon + 1, (size_t)(v.p + v.n - colon - 1)));
		return c->rx ? 0 : -1;
	}
	/* Keys whose value is kept as written: a path or a name. */
	static const struct {
		const char *key;
		size_t off;
	} str_keys[] = {
		{ "pgaudit", offsetof(struct pol_format, pgaudit) },
		{ "request-line", offsetof(struct pol_format, request_line) },
		{ "fallback", offsetof(struct pol_format, fallback) },
		{ "records", offsetof(struct pol_format, records) },
	};
	for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		if (sv_eq_cstr(key, str_keys[i].key)) {
			*(const char **)(void *)((char *)f + str_keys[i].off) = astr(L, v);
			return 0;
		}
	}
	if (sv_eq_cstr(key, "require") || sv_eq_cstr(key, "paths")) {
		bool req = sv_eq_cstr(key, "require");
		sv rest = v, tok;
		while (next_token(&rest, &tok)) {
			if (req)
				*APUSH(&L->p->arena, f->require, f->nrequire) = astr(L, tok);
			else
				*APUSH(&L->p->arena, f->paths, f->npaths) = astr_unesc(L, tok);
		}
		return 0;
	}
	/* Keys with one of two values, 1 and 2 of their enums (0: unset). */
	static const struct {
		const char *key, *one, *two;
		size_t off;
	} choice_keys[] = {
		{ "wrapper", "cri", "docker", offsetof(struct pol_format, wrapper) },	/* enum pol_wrapper */
		{ "multiline", "tab", "csv", offsetof(struct pol_format, multiline) },	/* enum pol_multiline */
	};
	for (size_t i = 0; i < sizeof(choice_keys) / sizeof(choice_keys[0]); i++) {
		if (!sv_eq_cstr(key, choice_keys[i].key))
			continue;
		unsigned char *out = (unsigned char *)f + choice_keys[i].off;
		if (sv_eq_cstr(v, choice_keys[i].one))
			*out = 1;
		else if (sv_eq_cstr(v, choice_keys[i].two))
			*out = 2;
		else
			return lerr(L, s->file, line, "bad %s '%.*s' (expected %s or %s)", choice_keys[i].key,
				    (int)v.n, v.p, choice_keys[i].one, choice_keys[i].two);
		return 0;
	}
	if (sv_eq_cstr(key, "pattern"))
		return (f->pattern = compile_rx(L, s->file, line, v)) ? 0 : -1;
	if (sv_eq_cstr(key, "prefix"))
		return (f->prefix = compile_rx(L, s->file, line, v)) ? 0 : -1;
	if (sv_eq_cstr(key, "time-format")) {
		f->time_format = astr_unesc(L, v);
		f->time_fmt = tu_fmt_compile(f->time_format, &e);
		if (!f->time_fmt)
			return lerr(L, s->file, line, "bad time-format '%s': %s", f->time_format, e.msg);
		return 0;
	}
	if (sv_eq_cstr(key, "timezone")) {
		const char *name = astr_unesc(L, v);
		tz_free(f->timezone);
		f->timezone = tz_load(name, &e);
		if (!f->timezone)
			return lerr(L, s->file, line, "bad timezone '%s': %s", name, e.msg);
		return 0;
	}
	/* read/write/delete/export/transfer/login = values; "a quoted value" may hold spaces */
	enum ev_action a = ev_action_parse(key);
	sv rest = v, tok;
	int q;
	while ((q = next_quoted(&rest, &tok)) > 0) {
		const char **slot = APUSH(&L->p->arena, f->actions[a], f->nactions[a]);
		*slot = astr(L, tok);
	}
	if (q < 0)
		return lerr(L, s->file, line, "unclosed '\"' in '%.*s'", (int)v.n, v.p);
	return 0;
}

static int add_matcher(struct loader *L, struct section *s, int line, struct pol_category *c,
		       sv field, sv v)
{
	struct rx *rx = compile_rx(L, s->file, line, v);
	if (!rx)
		return -1;
	struct pol_matcher *m = APUSH(&L->p->arena, c->matchers, c->nmatchers);
	m->field = arena_sv(&L->p->arena, field);
	m->rx = rx;
	m->subject_group = rx_group_index(rx, "subject");
	m->loc.file = s->file;
	m->loc.line = line;
	return 0;
}

static int key_category(struct loader *L, struct section *s, int line, sv key, sv field, sv v)
{
	struct pol_category *c = &L->p->categories[s->idx];
	if (field.p)
		return add_matcher(L, s, line, c, field, v);
	if (sv_eq_cstr(key, "resource"))
		return add_matcher(L, s, line, c, SV_LIT("resource"), v);
	if (sv_eq_cstr(key, "sensitive"))
		return parse_bool(L, s, line, key, v, &c->sensitive);
	c->description = astr_unesc(L, v);	/* description */
	return 0;
}

static int key_purpose(struct loader *L, struct section *s, int line, sv key, sv v)
{
	struct pol_purpose *pu = &L->p->purposes[s->idx];
	if (sv_eq_cstr(key, "reason")) {
		struct rx *rx = compile_rx(L, s->file, line, v);
		if (!rx)
			return -1;
		*APUSH(&L->p->arena, pu->reasons, pu->nreasons) = rx;
		return 0;
	}
	if (sv_eq_cstr(key, "evidence")) {
		if (!valid_name(v))
			return lerr(L, s->file, line, "bad evidence name '%.*s'", (int)v.n, v.p);
		add_ref(L, REF_EVIDENCE, s->idx, 0, v, s->file, line);
		return 0;
	}
	if (sv_eq_cstr(key, "infer"))
		return parse_bool(L, s, line, key, v, &pu->infer);
	if (sv_eq_cstr(key, "honours-optout"))
		return parse_bool(L, s, line, key, v, &pu->honours_optout);
	pu->description = astr_unesc(L, v);
	return 0;
}

static int name_list(struct loader *L, struct section *s, int line, sv v, enum ref_kind kind,
		     bool *all, const char *what)
{
	sv rest = v, tok;
	bool any = false;
	while (next_token(&rest, &tok)) {
		any = true;
		if (sv_eq_cstr(tok, "*")) {
			*all = true;
			continue;
		}
		if (!valid_name(tok))
			return lerr(L, s->file, line, "bad %s name '%.*s'", what, (int)tok.n, tok.p);
		add_ref(L, kind, s->idx, 0, tok, s->file, line);
	}
	if (!any)
		return lerr(L, s->file, line, "expected a list of %s names, or *", what);
	return 0;
}

static int key_role(struct loader *L, struct section *s, int line, sv key, sv v)
{
	struct pol_role *r = &L->p->roles[s->idx];
	struct diag e;

	if (sv_eq_cstr(key, "members")) {
		sv rest = v, tok;
		while (next_token(&rest, &tok)) {
			if (tok.p[0] == '@') {
				if (tok.n == 1)
					return lerr(L, s->file, line, "'@' needs a file name: members = @staff.txt");
				sv rel = sv_make(tok.p + 1, tok.n - 1);
				const char *path = rel_path(L, s->file, rel);
				if (read_list_file(L, s->file, line, "members", path, add_member, s->idx) < 0)
					return -1;
				continue;
			}
			add_member(L, s->idx, tok);
		}
		return 0;
	}
	if (sv_eq_cstr(key, "may-read"))
		return name_list(L, s, line, v, REF_MAY_READ, &r->may_read_all, "category");
	if (sv_eq_cstr(key, "purposes"))
		return name_list(L, s, line, v, REF_PURPOSES, &r->purposes_all, "purpose");
	if (sv_eq_cstr(key, "hours")) {
		struct tz_hours h;
		memset(&h, 0, sizeof(h));
		if (tz_hours_parse(v, &h, &e) < 0)
			return lerr(L, s->file, line, "bad hours '%.*s': %s", (int)v.n, v.p, e.msg);
		r->hours = h;
		r->has_hours = true;
		r->hours_spec = astr(L, v);
		return 0;
	}
	if (sv_eq_cstr(key, "max-subjects"))
		return parse_rate(L, s, line, key, v, &r->max_subjects, &r->max_window);
	if (sv_eq_cstr(key, "reason-required"))
		return parse_bool(L, s, line, key, v, &r->reason_required);
	r->description = astr_unesc(L, v);
	return 0;
}

static int key_evidence(struct loader *L, struct section *s, int line, sv key, sv v)
{
	struct pol_evidence *ev = &L->p->evidence[s->idx];
	(void)line;	/* the section keeps the line of `file` (s->seen) for errors */
	if (sv_eq_cstr(key, "file"))
		ev->path = rel_path(L, s->file, sv_cstr(astr_unesc(L, v)));
	else
		ev->key = astr_unesc(L, v);
	return 0;
}

static int parse_principles(struct loader *L, struct section *s, int line, sv v, unsigned *out)
{
	/* Names contain spaces ("Data Integrity and Purpose Limitation"): split on commas first. */
	const char *p = v.p, *e = v.p + v.n;
	while (p < e) {
		const char *c = memchr(p, ',', (size_t)(e - p));
		sv part = sv_trim(sv_make(p, (size_t)((c ? c : e) - p)));
		p = c ? c + 1 : e;
		if (!part.n)
			continue;
		enum principle pr = pr_parse(part);
		if (pr != PR_COUNT) {
			*out |= PR_BIT(pr);
			continue;
		}
		sv rest = part, tok;
		while (next_token(&rest, &tok)) {
			pr = pr_parse(tok);
			if (pr == PR_COUNT)
				return lerr(L, s->file, line,
					    "unknown principle '%.*s' (expected notice, choice, onward-transfer, security, purpose-limitation, access or recourse)",
					    (int)part.n, part.p);
			*out |= PR_BIT(pr);
		}
	}
	if (!*out)
		return lerr(L, s->file, line, "expected a principle name");
	return 0;
}

static int key_check(struct loader *L, struct section *s, int line, sv key, sv field, sv v)
{
	struct policy *p = L->p;
	struct pol_check *ck = &p->checks[s->idx];

	if (ck->builtin && (field.p || !(sv_eq_cstr(key, "severity") || sv_eq_cstr(key, "enabled") ||
					 sv_eq_cstr(key, "threshold"))))
		return lerr(L, s->file, line,
			    "'%.*s' is only for custom checks; '%s' is built-in (it takes severity, enabled%s)",
			    (int)key.n, key.p, ck->id,
			    s->idx == CHK_FAILED_ACCESS_BURST ? ", threshold" : "");
	if (field.p) {
		struct rx *rx = compile_rx(L, s->file, line, v);
		if (!rx)
			return -1;
		struct pol_cmatch *m = APUSH(&p->arena, ck->matchers, ck->nmatchers);
		m->kind = PCM_FIELD;
		m->field = arena_sv(&p->arena, field);
		m->rx = rx;
		return 0;
	}
	if (sv_eq_cstr(key, "severity")) {
		enum sev sv_ = sev_parse(v);
		if (sv_ == SEV_NONE)
			return lerr(L, s->file, line,
				    "unknown severity '%.*s' (expected low, medium, high or critical)",
				    (int)v.n, v.p);
		ck->severity = sv_;
		return 0;
	}
	if (sv_eq_cstr(key, "enabled"))
		return parse_bool(L, s, line, key, v, &ck->enabled);
	if (sv_eq_cstr(key, "threshold")) {
		if (!ck->builtin || s->idx != CHK_FAILED_ACCESS_BURST)
			return lerr(L, s->file, line,
				    "'threshold' applies only to [check failed-access-burst] (roles limit reads with max-subjects)");
		return parse_rate(L, s, line, key, v, &ck->threshold_n, &ck->threshold_window);
	}
	if (sv_eq_cstr(key, "principle"))
		return parse_principles(L, s, line, v, &ck->principles);
	if (sv_eq_cstr(key, "message")) {
		ck->message = astr_unesc(L, v);
		return 0;
	}
	if (sv_eq_cstr(key, "description")) {
		ck->title = astr_unesc(L, v);
		return 0;
	}
	if (sv_eq_cstr(key, "category")) {
		struct pol_cmatch *m = APUSH(&p->arena, ck->matchers, ck->nmatchers);
		m->kind = PCM_CATEGORY;
		sv rest = v, tok;
		bool any = false;
		while (next_token(&rest, &tok)) {
			any = true;
			add_ref(L, REF_CHECK_CATEGORY, s->idx, ck->nmatchers - 1, tok, s->file, line);
		}
		if (!any)
			return lerr(L, s->file, line, "expected a category name");
		return 0;
	}
	/* action */
	enum ev_action a = ev_action_parse(v);
	if (a == EV_ACTION_COUNT)
		return lerr(L, s->file, line,
			    "unknown action '%.*s' (expected read, write, delete, export, transfer, login or other)",
			    (int)v.n, v.p);
	struct pol_cmatch *m = APUSH(&p->arena, ck->matchers, ck->nmatchers);
	m->kind = PCM_ACTION;
	m->action = a;
	return 0;
}

static int handle_key(struct loader *L, struct section *s, int line, sv key, sv v)
{
	struct policy *p = L->p;
	sv field = SV_NULL;
	int ki = -1;

	if (key.n > 6 && memcmp(key.p, "field.", 6) == 0 && kind_fields[s->kind]) {
		field = sv_make(key.p + 6, key.n - 6);
		if (!valid_name(field))
			return lerr(L, s->file, line, "bad field name '%.*s'", (int)field.n, field.p);
	} else {
		ki = key_index(s->kind, key);
		if (ki < 0) {
			const char *c[MAX_KEYS + 2];
			size_t n = 0;
			for (const struct keydef *kd = kind_keys[s->kind]; kd->name; kd++)
				c[n++] = kd->name;
			c[n++] = "include";
			if (kind_fields[s->kind] && key.n > 5 && memcmp(key.p, "field", 5) == 0)
				return lerr(L, s->file, line, "unknown key '%.*s' in [%s%s%s] (did you mean 'field.NAME'?)",
					    (int)key.n, key.p, kind_names[s->kind],
					    sect_name(L, s) ? " " : "", sect_name(L, s) ? sect_name(L, s) : "");
			const char *hint = sv_closest(key, c, n);
			char list[512];
			size_t o = 0;
			list[0] = '\0';
			for (size_t i = 0; i + 1 < n && o < sizeof(list); i++)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", c[i]);
			if (kind_fields[s->kind] && o < sizeof(list))
				snprintf(list + o, sizeof(list) - o, ", field.NAME");
			if (hint)
				return lerr(L, s->file, line, "unknown key '%.*s' in [%s%s%s] (did you mean '%s'?)",
					    (int)key.n, key.p, kind_names[s->kind],
					    sect_name(L, s) ? " " : "", sect_name(L, s) ? sect_name(L, s) : "",
					    hint);
			return lerr(L, s->file, line, "unknown key '%.*s' in [%s%s%s] (expected %s)",
				    (int)key.n, key.p, kind_names[s->kind],
				    sect_name(L, s) ? " " : "", sect_name(L, s) ? sect_name(L, s) : "", list);
		}
		if (!kind_keys[s->kind][ki].list) {
			if (s->seen[ki])
				return lerr(L, s->file, line,
					    "'%.*s' given twice in [%s%s%s] (first at line %d); only list keys may repeat",
					    (int)key.n, key.p, kind_names[s->kind],
					    sect_name(L, s) ? " " : "", sect_name(L, s) ? sect_name(L, s) : "",
					    s->seen[ki]);
			s->seen[ki] = line;
		}
	}
	bool empty_ok = sv_eq_cstr(key, "description") || sv_eq_cstr(key, "message");
	if (!v.n && !empty_ok)
		return lerr(L, s->file, line, "'%.*s' needs a value", (int)key.n, key.p);

	switch (s->kind) {
	case SK_FORMAT: return key_format(L, s, line, key, field, v);
	case SK_CATEGORY: return key_category(L, s, line, key, field, v);
	case SK_PURPOSE: return key_purpose(L, s, line, key, v);
	case SK_ROLE: return key_role(L, s, line, key, v);
	case SK_EVIDENCE: return key_evidence(L, s, line, key, v);
	case SK_OPTOUT: {
		const char *path = rel_path(L, s->file, sv_cstr(astr_unesc(L, v)));
		return read_list_file(L, s->file, line, "opt-out", path, add_optout, 0);
	}
	case SK_RECIPIENTS: {
		struct rx *rx = compile_rx(L, s->file, line, v);
		if (!rx)
			return -1;
		*APUSH(&p->arena, p->approved, p->napproved) = rx;
		return 0;
	}
	case SK_REDACT: {
		struct rx *rx = compile_rx(L, s->file, line, v);
		if (!rx)
			return -1;
		*APUSH(&p->arena, p->redact, p->nredact) = rx;
		return 0;
	}
	case SK_CHECK: return key_check(L, s, line, key, field, v);
	default: return -1;
	}
}

/* ------------------------------------------------------------------ */
/* Files                                                                */

static int load_path(struct loader *L, const char *path, const char *from, int fromline);

static int parse_header(struct loader *L, struct section *cur, sv raw, sv t, const char *file, int ln)
{
	const char *close = memchr(t.p, ']', t.n);
	size_t col = (size_t)(t.p - raw.p) + 1;
	if (!close)
		return diag_set(L->err, "%s:%d:%zu: unclosed '[' (expected '[kind name]')", file, ln, col);
	sv after = sv_trim(sv_make(close + 1, (size_t)(t.p + t.n - close - 1)));
	if (after.n)
		return diag_set(L->err, "%s:%d:%zu: unexpected '%.*s' after ']'", file, ln,
				(size_t)(after.p - raw.p) + 1, (int)after.n, after.p);
	sv inner = sv_make(t.p + 1, (size_t)(close - t.p - 1));
	sv kind, name = SV_NULL, extra;
	sv rest = inner;
	/* Only white space separates kind and name; a comma is part of a (bad) name. */
	rest = sv_trim(rest);
	size_t i = 0;
	while (i < rest.n && !isspace((unsigned char)rest.p[i]))
		i++;
	kind = sv_make(rest.p, i);
	rest = sv_trim(sv_make(rest.p + i, rest.n - i));
	if (rest.n) {
		i = 0;
		while (i < rest.n && !isspace((unsigned char)rest.p[i]))
			i++;
		name = sv_make(rest.p, i);
		extra = sv_trim(sv_make(rest.p + i, rest.n - i));
		if (extra.n)
			return lerr(L, file, ln, "expected '[kind name]', got '[%.*s]' (names have no spaces)",
				    (int)inner.n, inner.p);
	}
	if (!kind.n)
		return lerr(L, file, ln, "empty section header (expected '[kind name]')");
	int k = -1;
	for (int j = 0; j < SK_COUNT; j++)
		if (sv_eq_cstr(kind, kind_names[j]))
			k = j;
	if (k < 0) {
		const char *hint = sv_closest(kind, kind_names, SK_COUNT);
		if (hint)
			return lerr(L, file, ln, "unknown section kind '%.*s' (did you mean '%s'?)",
				    (int)kind.n, kind.p, hint);
		return lerr(L, file, ln,
			    "unknown section kind '%.*s' (expected format, category, purpose, role, evidence, optout, recipients, check or redact)",
			    (int)kind.n, kind.p);
	}
	if (kind_named[k] && !name.n)
		return lerr(L, file, ln, "[%s] needs a name: [%s NAME]", kind_names[k], kind_names[k]);
	if (!kind_named[k] && name.n)
		return lerr(L, file, ln, "[%s] takes no name (got '%.*s')", kind_names[k],
			    (int)name.n, name.p);
	if (name.n && !valid_name(name))
		return lerr(L, file, ln, "bad name '%.*s' (use letters, digits, '-', '_', '.' or ':')",
			    (int)name.n, name.p);
	if (cur->kind != SK_NONE && section_end(L, cur) < 0)
		return -1;
	return section_begin(L, cur, (enum sect_kind)k, name, file, ln);
}

static int parse_buffer(struct loader *L, const char *file, const char *buf, size_t n)
{
	struct section cur;
	const char *pos = buf, *end = buf + n;
	sv raw;
	int ln = 0;

	memset(&cur, 0, sizeof(cur));
	cur.kind = SK_NONE;
	skip_bom(&pos, end);
	while (next_line(&pos, end, &raw)) {
		ln++;
		sv t = sv_trim(strip_comment(raw));
		if (!t.n)
			continue;
		if (t.p[0] == '[') {
			if (parse_header(L, &cur, raw, t, file, ln) < 0)
				return -1;
			continue;
		}
		const char *eq = memchr(t.p, '=', t.n);
		if (!eq)
			return lerr(L, file, ln, "expected 'key = value' or '[kind name]', got '%.*s' (missing '=')",
				    (int)(t.n > 60 ? 60 : t.n), t.p);
		sv key = sv_trim(sv_make(t.p, (size_t)(eq - t.p)));
		sv val = sv_trim(sv_make(eq + 1, (size_t)(t.p + t.n - eq - 1)));
		if (!key.n)
			return lerr(L, file, ln, "missing key before '='");
		if (sv_eq_cstr(key, "include")) {
			if (!val.n)
				return lerr(L, file, ln, "'include' needs a path");
			const char *path = rel_path(L, file, sv_cstr(astr_unesc(L, val)));
			if (load_path(L, path, file, ln) < 0)
				return -1;
			continue;
		}
		if (cur.kind == SK_NONE)
			return lerr(L, file, ln, "'%.*s' outside any section (expected a '[kind name]' line first)",
				    (int)key.n, key.p);
		if (handle_key(L, &cur, ln, key, val) < 0)
			return -1;
	}
	if (cur.kind != SK_NONE && section_end(L, &cur) < 0)
		return -1;
	return 0;
}

static int load_file(struct loader *L, const char *path, const char *from, int fromline)
{
	char *real = realpath(path, NULL);
	struct diag e;
	char *buf;
	size_t n;

	if (!real) {
		if (from)
			return lerr(L, from, fromline, "cannot include '%s': %s", path, strerror(errno));
		return diag_set(L->err, "%s: %s", path, strerror(errno));
	}
	for (size_t i = 0; i < L->depth; i++) {
		if (strcmp(L->stack_real[i], real) == 0) {
			char chain[DIAG_MAX];
			size_t o = 0;
			chain[0] = '\0';
			for (size_t j = i; j < L->depth && o < sizeof(chain); j++)
				o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s -> ", L->stack_disp[j]);
			if (o < sizeof(chain))
				snprintf(chain + o, sizeof(chain) - o, "%s", path);
			free(real);
			return lerr(L, from, fromline, "include loop: %s", chain);
		}
	}
	/* Read once: a file reached twice (not in a loop) adds nothing new. */
	for (size_t i = 0; i < L->nloaded; i++) {
		if (strcmp(L->loaded[i], real) == 0) {
			free(real);
			return 0;
		}
	}
	if (L->depth >= RULES_MAX_DEPTH) {
		free(real);
		return lerr(L, from, fromline, "includes nested more than %d deep", RULES_MAX_DEPTH);
	}
	if (read_whole(path, &buf, &n, &e) < 0) {
		free(real);
		if (from)
			return lerr(L, from, fromline, "cannot include: %s", e.msg);
		return diag_set(L->err, "%s", e.msg);
	}
	*APUSH(&L->tmp, L->loaded, L->nloaded) = arena_strndup(&L->tmp, real, strlen(real));
	const char *file = arena_strndup(&L->p->arena, path, strlen(path));
	*APUSH(&L->p->arena, L->p->files, L->p->nfiles) = file;
	dg_sha256_update(&L->dg, buf, n);

	long bad = binary_at(buf, n);
	if (bad >= 0) {
		lerr(L, file, line_of(buf, (size_t)bad), "binary data at byte %ld (not a rule file?)", bad);
		free(buf);
		free(real);
		return -1;
	}
	L->stack_real[L->depth] = real;
	L->stack_disp[L->depth] = file;
	L->depth++;
	int rc = parse_buffer(L, file, buf, n);
	L->depth--;
	free(real);
	free(buf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(struct loader *L, const char *path, const char *from, int fromline)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (from)
			return lerr(L, from, fromline, "cannot include '%s': %s", path, strerror(errno));
		return diag_set(L->err, "%s: %s", path, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(L, path, from, fromline);

	DIR *d = opendir(path);
	if (!d) {
		if (from)
			return lerr(L, from, fromline, "cannot include '%s': %s", path, strerror(errno));
		return diag_set(L->err, "%s: %s", path, strerror(errno));
	}
	char **names = NULL;
	size_t nn = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 7 || strcmp(de->d_name + l - 6, ".rules") != 0)
			continue;
		if (nn == cap) {
			cap = cap ? 2 * cap : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	int rc = 0;
	if (!nn) {
		if (from)
			rc = lerr(L, from, fromline, "'%s' contains no *.rules files", path);
		else
			rc = diag_set(L->err, "%s: directory contains no *.rules files", path);
	}
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	size_t pl = strlen(path);
	bool slash = pl && path[pl - 1] == '/';
	for (size_t i = 0; i < nn && rc == 0; i++) {
		size_t fl = pl + 1 + strlen(names[i]) + 1;
		char *full = xmalloc(fl);
		snprintf(full, fl, "%s%s%s", path, slash ? "" : "/", names[i]);
		rc = load_file(L, full, from, fromline);
		free(full);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Resolution and entry points                                          */

static int undefined(struct loader *L, const struct ref *r, const char *what,
		     const char *const *cands, size_t n)
{
	const char *hint = sv_closest(sv_cstr(r->name), cands, n);
	if (hint)
		return lerr(L, r->loc.file, r->loc.line, "undefined %s '%s' (did you mean '%s'?)",
			    what, r->name, hint);
	return lerr(L, r->loc.file, r->loc.line, "undefined %s '%s' (no [%s %s] section)",
		    what, r->name, what, r->name);
}

static int resolve_refs(struct loader *L)
{
	struct policy *p = L->p;
	const char *cands[POL_MAX_CATEGORIES + POL_MAX_PURPOSES];

	for (size_t i = 0; i < L->nrefs; i++) {
		const struct ref *r = &L->refs[i];
		sv name = sv_cstr(r->name);
		int x;
		switch (r->kind) {
		case REF_MAY_READ:
		case REF_CHECK_CATEGORY:
			x = policy_category(p, name);
			if (x < 0) {
				for (size_t j = 0; j < p->ncategories; j++)
					cands[j] = p->categories[j].name;
				return undefined(L, r, "category", cands, p->ncategories);
			}
			if (r->kind == REF_MAY_READ)
				p->roles[r->owner].may_read |= (uint64_t)1 << x;
			else
				p->checks[r->owner].matchers[r->sub].categories |= (uint64_t)1 << x;
			break;
		case REF_PURPOSES:
			x = policy_purpose(p, name);
			if (x < 0) {
				for (size_t j = 0; j < p->npurposes; j++)
					cands[j] = p->purposes[j].name;
				return undefined(L, r, "purpose", cands, p->npurposes);
			}
			p->roles[r->owner].purposes |= (uint64_t)1 << x;
			break;
		case REF_EVIDENCE:
			x = -1;
			for (size_t j = 0; j < p->nevidence; j++)
				if (strcmp(p->evidence[j].name, r->name) == 0)
					x = (int)j;
			if (x < 0) {
				size_t n = 0;
				for (size_t j = 0; j < p->nevidence && n < POL_MAX_PURPOSES; j++)
					cands[n++] = p->evidence[j].name;
				return undefined(L, r, "evidence", cands, n);
			}
			p->purposes[r->owner].evidence = x;
			break;
		}
	}
	return 0;
}

struct policy *rules_load_builtin(const char *name, const char *text, struct diag *err)
{
	struct loader L;
	struct policy *p = xcalloc(1, sizeof(*p));
	memset(&L, 0, sizeof(L));
	L.p = p;
	L.err = err;
	L.builtin = true;
	dg_sha256_init(&L.dg);
	const char *file = arena_strndup(&p->arena, name, strlen(name));
	int rc = parse_buffer(&L, file, text, strlen(text));
	if (rc == 0)
		rc = resolve_refs(&L);
	arena_release(&L.tmp);
	if (rc < 0) {
		policy_free(p);
		return NULL;
	}
	return p;
}

struct policy *rules_load(const char *const *paths, size_t npaths, struct diag *err)
{
	struct loader L;
	struct policy *p = calloc(1, sizeof(*p));
	if (!p) {
		diag_set(err, "out of memory");
		return NULL;
	}
	memset(&L, 0, sizeof(L));
	L.p = p;
	L.err = err;
	dg_sha256_init(&L.dg);

	for (int i = 0; i < CHK_BUILTIN_COUNT; i++) {
		const struct chk_info *ci = chk_info((enum chk_id)i);
		struct pol_check *c = APUSH(&p->arena, p->checks, p->nchecks);
		c->id = ci ? ci->id : "?";
		c->principles = ci ? ci->principles : 0;
		c->severity = ci ? ci->severity : SEV_MEDIUM;
		c->title = ci ? ci->title : c->id;
		c->enabled = true;
		c->builtin = true;
		c->threshold_n = 20;
		c->threshold_window = 600;
	}

	int rc = 0;
	if (npaths == 0)
		rc = diag_set(err, "no rule files given");
	for (size_t i = 0; i < npaths && rc == 0; i++)
		rc = load_path(&L, paths[i], NULL, 0);
	if (rc == 0)
		rc = resolve_refs(&L);
	arena_release(&L.tmp);
	if (rc < 0) {
		policy_free(p);
		return NULL;
	}
	dg_sha256_hex(&L.dg, p->digest);
	return p;
}

/* ------------------------------------------------------------------ */
/* Default path                                                         */

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/*
 * Whether top (the binary's directory's parent) is the build tree this
 * binary was built in (DPF_ABS_BUILDDIR, set at compile time): then the
 * rules are in the source tree (DPF_ABS_SRCDIR), also in a VPATH build.
 */
static bool is_build_tree(const char *top)
{
	char a[PATH_MAX], b[PATH_MAX];
	return realpath(top, a) && realpath(DPF_ABS_BUILDDIR, b) && !strcmp(a, b);
}

char *rules_default_path(const char *argv0)
{
	const char *env = getenv("DPFAUDIT_RULES");
	if (env && *env)
		return xstrdup(env);
	if (argv0 && strchr(argv0, '/') && strstr(argv0, "dpfaudit")) {
		const char *slash = strrchr(argv0, '/');
		size_t dn = (size_t)(slash - argv0);
		char top[PATH_MAX], probe[PATH_MAX + 32];
		if (dn == 0)
			snprintf(top, sizeof(top), "/..");
		else
			snprintf(top, sizeof(top), "%.*s/..", (int)dn, argv0);
		snprintf(probe, sizeof(probe), "%s/rules/dpf.rules", top);
		if (file_exists(probe)) {
			char *r = xmalloc(strlen(top) + 8);
			snprintf(r, strlen(top) + 8, "%s/rules", top);
			return r;
		}
		if (is_build_tree(top) && file_exists(DPF_ABS_SRCDIR "/rules/dpf.rules"))
			return xstrdup(DPF_ABS_SRCDIR "/rules");
	}
	return xstrdup(DPF_DATADIR "/rules");
}
