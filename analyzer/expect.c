/*
 * expect.c - read `# expect:` annotations out of sample logs (see expect.h).
 *
 * One pass over the sample with the same reader the audit uses (input.h,
 * lines.h), so gzip samples work and line numbers agree with the audit's
 * findings by construction.  Expected check ids are stored as indexes into
 * one shared array (no allocation per annotation beyond its growth), each
 * entry's slice sorted and de-duplicated so comparing sets is a merge.
 */
#include "common.h"

#include "expect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "input.h"
#include "lines.h"
#include "policy.h"
#include "sv.h"
#include "xalloc.h"

/* Append one "path:line: message" to set->errors; false when out of memory. */
static bool add_error(struct exp_set *set, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool add_error(struct exp_set *set, const char *fmt, ...)
{
	char msg[DIAG_MAX];
	va_list ap;

	if (set->nerrors > EXP_MAX_ERRORS)
		return true;
	if (set->nerrors == EXP_MAX_ERRORS)
		snprintf(msg, sizeof(msg), "too many annotation errors; later ones not shown");
	else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	char **nv = realloc(set->errors, (set->nerrors + 1) * sizeof(*nv));
	if (!nv)
		return false;
	set->errors = nv;
	set->errors[set->nerrors] = strdup(msg);
	if (!set->errors[set->nerrors])
		return false;
	set->nerrors++;
	return true;
}

static bool push_id(struct exp_set *set, uint32_t id)
{
	if (set->nids == set->capids) {
		size_t cap = set->capids ? set->capids * 2 : 64;
		uint32_t *n = realloc(set->ids, cap * sizeof(*n));
		if (!n)
			return false;
		set->ids = n;
		set->capids = cap;
	}
	set->ids[set->nids++] = id;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The closest known id, if close enough to be a plausible typo. */
static const char *did_you_mean(sv word, const struct policy *pol)
{
	const char **ids = xreallocarray(NULL, pol->nchecks ? pol->nchecks : 1, sizeof(*ids));
	const char *hint;

	for (size_t i = 0; i < pol->nchecks; i++)
		ids[i] = pol->checks[i].id;
	/* Ids are long: a third of the word may be wrong, at least two edits. */
	hint = sv_closest_within(word, ids, pol->nchecks, word.n / 3 > 2 ? word.n / 3 : 2);
	free(ids);
	return hint;
}

/* The annotation being gathered for the next log line. */
struct pending {
	bool active;
	bool none;		/* `none` seen */
	uint64_t expect_line;	/* first expect line */
	size_t first;		/* its ids start at set->ids[first] */
};

/* If t (a trimmed comment line) is `# expect: ...`, set *rest to the list. */
/* A '#' after the list starts a remark: ids never contain one. */
static sv cut_remark(sv list)
{
	const char *hash = memchr(list.p, '#', list.n);
	if (hash)
		list.n = (size_t)(hash - list.p);
	return list;
}

static bool is_expect(sv t, sv *rest)
{
	size_t i = 1;	/* t.p[0] == '#' */

	while (i < t.n && (t.p[i] == ' ' || t.p[i] == '\t'))
		i++;
	if (t.n - i < 6 || memcmp(t.p + i, "expect", 6) != 0)
		return false;
	i += 6;
	while (i < t.n && (t.p[i] == ' ' || t.p[i] == '\t'))
		i++;
	if (i >= t.n || t.p[i] != ':')
		return false;
	i++;
	*rest = cut_remark(sv_make(t.p + i, t.n - i));
	return true;
}

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/* Parse one expect list into the pending annotation.  False: out of memory. */
static bool parse_list(struct exp_set *set, struct pending *pd, const char *path, uint64_t lineno,
		       sv list, const struct policy *pol)
{
	size_t i = 0, words = 0;

	if (!pd->active) {
		pd->active = true;
		pd->none = false;
		pd->expect_line = lineno;
		pd->first = set->nids;
	}
	while (i < list.n) {
		while (i < list.n && is_sep(list.p[i]))
			i++;
		size_t start = i;
		while (i < list.n && !is_sep(list.p[i]))
			i++;
		if (i == start)
			break;
		sv w = sv_make(list.p + start, i - start);
		words++;
		if (sv_eq_nocase(w, SV_LIT("none"))) {
			if (set->nids > pd->first &&
			    !add_error(set, "%s:%llu: 'none' cannot be combined with checks expected "
				       "for the same log line", path, (unsigned long long)lineno))
				return false;
			pd->none = true;
			continue;
		}
		int k = policy_check_nocase(pol, w);
		if (k < 0) {
			const char *hint = did_you_mean(w, pol);
			bool ok = hint ?
				add_error(set, "%s:%llu: unknown check '%.*s' (did you mean '%s'?)", path,
					  (unsigned long long)lineno, (int)w.n, w.p, hint) :
				add_error(set, "%s:%llu: unknown check '%.*s' (see 'dpfaudit explain' "
					  "or the rules for the check ids)", path,
					  (unsigned long long)lineno, (int)w.n, w.p);
			if (!ok)
				return false;
			continue;
		}
		if (pd->none &&
		    !add_error(set, "%s:%llu: '%.*s' expected for a log line already marked 'none'",
			       path, (unsigned long long)lineno, (int)w.n, w.p))
			return false;
		if (!push_id(set, (uint32_t)k))
			return false;
	}
	if (words == 0)
		return add_error(set, "%s:%llu: empty expectation (list check ids, or 'none' "
				 "for a line that must fire nothing)", path, (unsigned long long)lineno);
	return true;
}

/*
 * A record of a JSON document (lines.h) has no comment line before it: its
 * annotation is its own top-level key "# expect", a string in the comment's
 * syntax ("no-business-reason, off-hours-access", or "none").  The formats
 * ignore a key they do not map, so the record is audited as it is.  False
 * only when out of memory; a value that is not a string is an error.
 */
static bool record_annotation(struct exp_set *set, struct pending *pd, const char *path,
			      uint64_t no, sv rec, const struct policy *pol)
{
	static const char key[] = "# expect";
	bool ok = true;

	/* Records come back as compact JSON (lines.h): a key is spelled as is. */
	if (!memmem(rec.p, rec.n, "\"# expect\"", sizeof(key) + 1))
		return true;
	char *text = strndup(rec.p, rec.n);
	if (!text)
		return false;
	/* An unreadable record is the audit's to report, not the annotation's. */
	yajl_val root = yajl_tree_parse(text, NULL, 0);
	free(text);
	if (!root)
		return true;
	for (size_t i = 0; YAJL_IS_OBJECT(root) && i < root->u.object.len && ok; i++) {
		if (strcmp(root->u.object.keys[i], key) != 0)
			continue;
		yajl_val v = root->u.object.values[i];
		if (YAJL_IS_STRING(v))
			ok = parse_list(set, pd, path, no, cut_remark(sv_cstr(YAJL_GET_STRING(v))), pol);
		else
			ok = add_error(set, "%s:%llu: the record's \"# expect\" must be a string of "
				       "check ids, or \"none\"", path, (unsigned long long)no);
	}
	yajl_tree_free(root);
	return ok;
}

/* Attach the pending annotation to log line lineno. */
static bool finish(struct exp_set *set, struct pending *pd, uint64_t lineno)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct exp_entry *n = realloc(set->v, cap * sizeof(*n));
		if (!n)
			return false;
		set->v = n;
		set->cap = cap;
	}
	size_t n = set->nids - pd->first, u = 0;
	if (n) {
		/* Only here: with `none` and no ids yet, set->ids is NULL (NULL + 0 is UB). */
		uint32_t *s = set->ids + pd->first;
		qsort(s, n, sizeof(*s), cmp_u32);
		for (size_t i = 0; i < n; i++)
			if (u == 0 || s[u - 1] != s[i])
				s[u++] = s[i];
		set->nids = pd->first + u;
	}
	set->v[set->n++] = (struct exp_entry){
		.file = (uint32_t)(set->nfiles - 1),
		.line = lineno,
		.expect_line = pd->expect_line,
		.first = pd->first,
		.n = u,
	};
	pd->active = false;
	return true;
}

enum exp_status exp_load(struct exp_set *set, const char *path, const struct policy *pol,
			 struct diag *err)
{
	struct pending pd = { 0 };
	size_t errors_before = set->nerrors;
	struct inp *in;
	struct lr *lr;
	enum lr_status st;
	sv line;

	/* The file index must match the audit's input index even if unreadable. */
	char **nf = realloc(set->files, (set->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return diag_set(err, "out of memory"), EXP_INVALID;
	set->files = nf;
	set->files[set->nfiles] = strdup(path);
	if (!set->files[set->nfiles])
		return diag_set(err, "out of memory"), EXP_INVALID;
	set->nfiles++;

	in = inp_open(path, err);
	if (!in)
		return EXP_UNREADABLE;
	lr = lr_new(in, 0);
	if (!lr) {
		inp_close(in);
		return diag_set(err, "out of memory"), EXP_INVALID;
	}
	while ((st = lr_next(lr, &line)) != LR_EOF) {
		uint64_t no = lr_lineno(lr);
		if (lr_is_document(lr)) {
			/* One record each, numbered by its index; no comment lines. */
			if (st == LR_LINE && !record_annotation(set, &pd, path, no, line, pol))
				goto oom;
			if (pd.active && !finish(set, &pd, no))
				goto oom;
			continue;
		}
		sv t = sv_trim(line);
		if (st == LR_LINE && t.n == 0)
			continue;
		if (st == LR_LINE && t.p[0] == '#') {
			sv list;
			if (is_expect(t, &list) && !parse_list(set, &pd, path, no, list, pol))
				goto oom;
			continue;
		}
		/* A log line (an overlong one too: the audit reports it unparsed). */
		if (pd.active && !finish(set, &pd, no))
			goto oom;
	}

	uint64_t off;
	const char *msg;
	enum exp_status rc = EXP_OK;
	if (inp_damaged(in, &off, &msg)) {
		/* What was cut off is the damage's fault, not the annotation's. */
		if (pd.active)
			set->nids = pd.first;
		diag_set(err, "%s: byte %llu (after line %llu): %s", path, (unsigned long long)off,
			 (unsigned long long)lr_lineno(lr), msg);
		rc = EXP_UNREADABLE;
	} else if (pd.active) {
		set->nids = pd.first;
		if (!add_error(set, "%s:%llu: expect with no log line after it", path,
			       (unsigned long long)pd.expect_line))
			goto oom;
	}
	lr_free(lr);
	inp_close(in);
	if (rc == EXP_OK && set->nerrors > errors_before) {
		diag_set(err, "%s", set->errors[errors_before]);
		rc = EXP_INVALID;
	}
	return rc;
oom:
	lr_free(lr);
	inp_close(in);
	diag_set(err, "out of memory");
	return EXP_INVALID;
}

const struct exp_entry *exp_find(const struct exp_set *set, uint32_t file, uint64_t line)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct exp_entry *e = &set->v[mid];
		if (e->file < file || (e->file == file && e->line < line))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < set->n && set->v[lo].file == file && set->v[lo].line == line)
		return &set->v[lo];
	return NULL;
}

bool exp_expects(const struct exp_set *set, const struct exp_entry *e, uint32_t id)
{
	/* `expect: none` has no ids (and set->ids may be NULL): bsearch wants a real array. */
	if (e->n == 0)
		return false;
	return bsearch(&id, set->ids + e->first, e->n, sizeof(id), cmp_u32) != NULL;
}

void exp_release(struct exp_set *set)
{
	for (size_t i = 0; i < set->nfiles; i++)
		free(set->files[i]);
	for (size_t i = 0; i < set->nerrors; i++)
		free(set->errors[i]);
	free(set->files);
	free(set->errors);
	free(set->v);
	free(set->ids);
	memset(set, 0, sizeof(*set));
}
