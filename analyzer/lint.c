/*
 * lint.c - warnings about a policy that loads but may not say what its
 * author meant (lint.h): unreadable categories, unserved purposes, roles
 * without members, patterns that never match or match everything, users in
 * several roles.  Read-only over the policy; nothing is printed here.
 */
#include "common.h"

#include "lint.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv.h"
#include "xalloc.h"

struct warnings {
	char **v;
	size_t n, cap;
};

static void warn(struct warnings *w, struct pol_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct warnings *w, struct pol_loc loc, const char *fmt, ...)
{
	char msg[DIAG_MAX], full[DIAG_MAX + PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (loc.file)
		snprintf(full, sizeof(full), "%s:%d: %s", loc.file, loc.line, msg);
	else
		snprintf(full, sizeof(full), "%s", msg);
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
	}
	w->v[w->n++] = xstrdup(full);
}

/*
 * Whether a '^' sits after something that must have matched first, so the
 * pattern can never match (no multiline mode in rule patterns): "a^b",
 * "/api^".  Conservative: only a literal character directly before '^' in
 * the same branch counts.
 */
static bool caret_unreachable(const char *re)
{
	if (strstr(re, "(?m") || strstr(re, "(*"))
		return false;
	bool in_class = false;
	bool after_literal = false;
	for (size_t i = 0; re[i]; i++) {
		char c = re[i];
		if (in_class) {
			if (c == '\\' && re[i + 1])
				i++;
			else if (c == ']')
				in_class = false, after_literal = true;
			continue;
		}
		switch (c) {
		case '\\':
			if (!re[i + 1])
				return false;
			/* \b \B \A \z \Z \G are assertions; other escapes consume input */
			after_literal = !strchr("bBAzZGKQE", re[i + 1]);
			i++;
			break;
		case '[':
			in_class = true;
			if (re[i + 1] == '^')
				i++;
			if (re[i + 1] == ']')
				i++;
			break;
		case '(':
			/* (?...) group syntax and anything until a new branch starts */
			after_literal = false;
			break;
		case '|':
			after_literal = false;
			break;
		case '^':
			if (after_literal)
				return true;
			break;
		case '?':
		case '*':
			/* a preceding atom may be absent: it no longer forces input */
			after_literal = false;
			break;
		case ')':
		case '$':
		case '{':
			break;
		default:
			after_literal = true;
			break;
		}
	}
	return false;
}

/* ".*", "^.*$", ".+", "" and friends: a pattern that matches (nearly) anything. */
static bool catch_all(const char *re)
{
	size_t n = strlen(re);
	size_t i = 0;
	if (n && re[0] == '^')
		i++;
	if (n > i && re[n - 1] == '$' && (n < 2 || re[n - 2] != '\\'))
		n--;
	sv core = sv_make(re + i, n - i);
	static const char *const all[] = { "", ".*", ".+", ".*?", ".+?", "(.*)", "(.+)", "(?:.*)", "(?:.+)" };
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
		if (sv_eq_cstr(core, all[k]))
			return true;
	return false;
}

struct member_roles {
	const char *name;
	uint64_t roles;
};

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct member_roles *)a)->name, ((const struct member_roles *)b)->name);
}

char **lint_policy(const struct policy *p, size_t *n)
{
	struct warnings w = { NULL, 0, 0 };
	struct pol_loc noloc = { NULL, 0 };
	bool any_all = false;
	uint64_t readable = 0, served = 0;

	for (size_t i = 0; i < p->nroles; i++) {
		any_all |= p->roles[i].may_read_all;
		readable |= p->roles[i].may_read;
		if (p->roles[i].purposes_all)
			served = ~(uint64_t)0;
		served |= p->roles[i].purposes;
	}
	if (!p->ncategories)
		warn(&w, p->nfiles ? (struct pol_loc){ p->files[0], 0 } : noloc,
		     "no [category] section: nothing counts as personal data, so no read can be judged");
	for (size_t i = 0; i < p->ncategories; i++) {
		const struct pol_category *c = &p->categories[i];
		if (!any_all && !(readable & ((uint64_t)1 << i)))
			warn(&w, c->loc, "category '%s' may be read by no role: every read of it is a finding",
			     c->name);
		if (!c->nmatchers)
			warn(&w, c->loc, "category '%s' has no matcher (resource = REGEX or field.NAME = REGEX): no event can touch it",
			     c->name);
		for (size_t j = 0; j < c->nmatchers; j++) {
			const struct pol_matcher *m = &c->matchers[j];
			if (caret_unreachable(m->rx->pattern))
				warn(&w, m->loc, "pattern '%s' can never match: '^' follows text that must match first",
				     m->rx->pattern);
			else if (catch_all(m->rx->pattern))
				warn(&w, m->loc, "pattern '%s' matches every %.*s: category '%s' would touch every event",
				     m->rx->pattern, (int)m->field.n, m->field.p, c->name);
		}
	}
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct pol_purpose *pu = &p->purposes[i];
		if (!(served & ((uint64_t)1 << i)))
			warn(&w, pu->loc, "purpose '%s' is served by no role: a reason naming it is always reason-not-for-role",
			     pu->name);
		for (size_t j = 0; j < pu->nreasons; j++) {
			const struct rx *r = pu->reasons[j];
			if (caret_unreachable(r->pattern))
				warn(&w, noloc, "%s: reason pattern '%s' can never match: '^' follows text that must match first",
				     r->where, r->pattern);
			else if (catch_all(r->pattern))
				warn(&w, noloc, "%s: reason pattern '%s' of purpose '%s' accepts any reason",
				     r->where, r->pattern, pu->name);
		}
	}
	for (size_t i = 0; i < p->napproved; i++) {
		const struct rx *r = p->approved[i];
		if (catch_all(r->pattern))
			warn(&w, noloc, "%s: approved recipient pattern '%s' approves every recipient",
			     r->where, r->pattern);
		else if (caret_unreachable(r->pattern))
			warn(&w, noloc, "%s: approved recipient pattern '%s' can never match",
			     r->where, r->pattern);
	}
	for (size_t i = 0; i < p->nroles; i++) {
		const struct pol_role *r = &p->roles[i];
		if (!r->nmembers && !r->nmember_globs)
			warn(&w, r->loc, "role '%s' has no members", r->name);
		if (!r->may_read && !r->may_read_all)
			warn(&w, r->loc, "role '%s' may read no category", r->name);
	}

	/* Users in several roles, sorted by name so the output is stable. */
	size_t nm = 0;
	struct member_roles *mr = xmalloc((p->members.count + 1) * sizeof(*mr));
	for (size_t i = 0; i < p->members.cap; i++) {
		const struct strmap_slot *s = &p->members.slots[i];
		uint64_t v = (uint64_t)s->val;
		if (s->key.p && (v & (v - 1))) {
			mr[nm].name = s->key.p;
			mr[nm].roles = v;
			nm++;
		}
	}
	qsort(mr, nm, sizeof(*mr), cmp_member);
	for (size_t i = 0; i < nm; i++) {
		char list[512];
		size_t o = 0;
		int first = -1;
		list[0] = '\0';
		for (size_t r = 0; r < p->nroles && o < sizeof(list); r++) {
			if (!(mr[i].roles & ((uint64_t)1 << r)))
				continue;
			if (first < 0)
				first = (int)r;
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
					      p->roles[r].name);
		}
		warn(&w, p->roles[first].loc,
		     "user '%s' is a member of several roles (%s): judged as '%s' unless the log names the role",
		     mr[i].name, list, p->roles[first].name);
	}
	free(mr);
	*n = w.n;
	return w.v;
}

void lint_free(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}
