/*
 * format_regex.c - rule-defined formats: a PCRE2 pattern with named groups.
 *
 * Group numbers are resolved once at build time; a line costs one match
 * (with the thread's match data) and views into it.  By default a canonical
 * field comes from the group of the same name; `method` stands in for
 * `action`, and `reason` falls back to query:reason, query:ticket as it does
 * for the built-in web formats.  Named groups that feed no field become
 * event extras, so `field.NAME = REGEX` matchers can use them.
 */
#include "common.h"

#include "format_impl.h"

#include <stdio.h>
#include <stdlib.h>

#define REGEX_MAX_SOURCES (POL_MAX_SOURCES + 2)

struct regex_src {
	bool query;
	int group;		/* !query */
	sv param;		/* query */
};

struct regex_impl {
	struct regex_src src[FMT_T_COUNT][REGEX_MAX_SOURCES];
	unsigned nsrc[FMT_T_COUNT];
	unsigned extra[RX_MAX_GROUPS];	/* named groups feeding no field */
	sv extra_name[RX_MAX_GROUPS];
	unsigned nextra;
};

void fmt_regex_free(void *impl)
{
	free(impl);
}

static void add_group(struct regex_impl *r, unsigned target, int group, bool *used)
{
	if (group < 0 || r->nsrc[target] >= REGEX_MAX_SOURCES)
		return;
	struct regex_src *s = &r->src[target][r->nsrc[target]++];
	s->query = false;
	s->group = group;
	if ((unsigned)group < RX_MAX_GROUPS)
		used[group] = true;
}

static void add_query(struct regex_impl *r, unsigned target, sv param)
{
	if (r->nsrc[target] >= REGEX_MAX_SOURCES)
		return;
	struct regex_src *s = &r->src[target][r->nsrc[target]++];
	s->query = true;
	s->param = param;
}

void *fmt_regex_build(const struct pol_format *pf, struct diag *err)
{
	struct regex_impl *r = calloc(1, sizeof(*r));
	bool used[RX_MAX_GROUPS] = { false };
	if (!r) {
		diag_set(err, "out of memory");
		return NULL;
	}
	for (unsigned target = 0; target < FMT_T_COUNT; target++) {
		const struct pol_fieldmap *fm = fmt_fieldmap(pf, target);
		if (fm && fm->n) {
			for (unsigned i = 0; i < fm->n && i < POL_MAX_SOURCES; i++) {
				const struct pol_source *ps = &fm->src[i];
				if (ps->kind == PS_QUERY) {
					add_query(r, target, fmt_query_name(sv_cstr(ps->name)));
					continue;
				}
				int g = ps->group >= 0 ? ps->group : rx_group_index(pf->pattern, ps->name);
				if (g < 0) {
					diag_set(err, "%s:%d: format %s: field.%s names no group (?<%s>...) of the pattern",
						 pf->loc.file ? pf->loc.file : "?", pf->loc.line, pf->name,
						 fmt_target_name(target), ps->name);
					free(r);
					return NULL;
				}
				add_group(r, target, g, used);
			}
			continue;
		}
		add_group(r, target, rx_group_index(pf->pattern, fmt_target_name(target)), used);
		if (target == EVF_ACTION)
			add_group(r, target, rx_group_index(pf->pattern, "method"), used);
		if (target == EVF_REASON) {
			add_query(r, target, SV_LIT("reason"));
			add_query(r, target, SV_LIT("ticket"));
		}
	}
	for (unsigned g = 1; g <= pf->pattern->ngroups && g < RX_MAX_GROUPS; g++) {
		const char *name = rx_group_name(pf->pattern, g);
		if (name && !used[g]) {
			r->extra[r->nextra] = g;
			r->extra_name[r->nextra] = sv_cstr(name);
			r->nextra++;
		}
	}
	return r;
}

/* First non-empty source of a target; query sources read the resource found so far. */
static sv resolve(const struct regex_impl *r, unsigned target, sv line, sv resource,
		  struct fmt_thread *t)
{
	for (unsigned i = 0; i < r->nsrc[target]; i++) {
		const struct regex_src *s = &r->src[target][i];
		sv v = s->query ? fmt_query_param(resource, s->param, t)
				: rx_group(t->rx, line, (unsigned)s->group);
		if (v.n)
			return v;
	}
	return SV_NULL;
}

bool fmt_regex_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	const struct pol_format *pf = f->pf;
	const struct regex_impl *r = f->impl;
	sv val[FMT_T_COUNT];
	if (!pf || !r || rx_match(pf->pattern, line, t->rx) != 1)
		return false;
	val[EVF_RESOURCE] = resolve(r, EVF_RESOURCE, line, SV_NULL, t);
	for (unsigned target = 0; target < FMT_T_COUNT; target++)
		if (target != EVF_RESOURCE)
			val[target] = resolve(r, target, line, val[EVF_RESOURCE], t);
	/* "-" is how web logs write "none" (user, referer, bytes). */
	for (unsigned target = 0; target < FMT_T_COUNT; target++)
		if (val[target].n == 1 && val[target].p[0] == '-')
			val[target] = SV_NULL;
	if (!fmt_values_apply(pf, val, ev))
		return false;
	for (unsigned i = 0; i < r->nextra; i++) {
		sv v = rx_group(t->rx, line, r->extra[i]);
		if (v.n)
			ev_add_extra(ev, r->extra_name[i], v);
	}
	/*
	 * pgaudit = GROUP: the group holds a pgAudit record, as a CSV field
	 * (csvlog's message: "" for "); without one the line is a server
	 * message, no access.
	 */
	sv rec;
	if (pf->pgaudit && ev_get(ev, sv_cstr(pf->pgaudit), &rec)) {
		sv dec = rec;
		bool doubled = false;
		for (size_t i = 0; i + 1 < rec.n && !doubled; i++)
			doubled = rec.p[i] == '"' && rec.p[i + 1] == '"';
		char *o = doubled ? fmt_scratch(t, rec.n) : NULL;
		if (o) {
			size_t k = 0;
			for (size_t i = 0; i < rec.n; i++) {
				o[k++] = rec.p[i];
				if (rec.p[i] == '"' && i + 1 < rec.n && rec.p[i + 1] == '"')
					i++;
			}
			dec = sv_make(o, k);
		}
		if (!fmt_pgaudit_record(pf, dec, ev, t))
			ev->skip = true;
	}
	/* failed/denied/skip = GROUP:REGEX, on the event's fields and groups. */
	for (int k = 0; k < PC_COUNT; k++) {
		for (size_t i = 0; i < pf->nconds[k]; i++) {
			sv v;
			if (ev_get(ev, sv_cstr(pf->conds[k][i].path), &v) &&
			    rx_match(pf->conds[k][i].rx, v, t->rx) == 1) {
				fmt_cond_hit((enum pol_cond_kind)k, ev);
				break;
			}
		}
	}
	return true;
}
