/*
 * filter.c - investigation filters (see filter.h).
 *
 * Filters are small lists compared with exact string equality; they run on
 * findings (few) and on events only when a trace or an events export asks,
 * so a filtered scan does the same work as an unfiltered one.
 */
#include "common.h"

#include "filter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "tz.h"

bool filter_active(const struct filter *f)
{
	return f->has_since || f->has_until || f->nusers || f->nroles || f->nsubjects ||
	       f->categories || f->principles;
}

static bool in_list(const char *const *v, size_t n, sv s)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (sv_eq_cstr(s, v[i]))
			return true;
	return false;
}

int filter_parse_time(const char *s, int64_t now, bool is_until, int64_t *out, struct diag *err)
{
	return filter_parse_time_tz(s, now, NULL, is_until, out, err);
}

int filter_parse_time_tz(const char *s, int64_t now, const struct tz_zone *zone, bool is_until,
			 int64_t *out, struct diag *err)
{
	int64_t day = tz_day_start(zone, now, 0);
	size_t n = strlen(s);

	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (!strcmp(s, "today")) {
		*out = is_until ? tz_day_start(zone, now, 1) - 1 : day;
		return 0;
	}
	if (!strcmp(s, "yesterday")) {
		*out = is_until ? day - 1 : tz_day_start(zone, now, -1);
		return 0;
	}
	if (s[0] == '-' && n > 1) {
		int64_t d;
		if (tu_parse_duration(sv_make(s + 1, n - 1), &d)) {
			*out = now - d;
			return 0;
		}
	}
	/* A bare date: for --until, the whole of that day is included. */
	if (n == 10 && s[4] == '-' && s[7] == '-' && tu_parse_iso8601(sv_make(s, n), out)) {
		/* *out is that date's midnight UTC; noon is inside the local day in any zone. */
		int64_t noon = *out + 43200 - (zone ? tz_offset(zone, *out + 43200) : 0);
		*out = is_until ? tz_day_start(zone, noon, 1) - 1 : tz_day_start(zone, noon, 0);
		return 0;
	}
	if (tu_parse_iso8601(sv_make(s, n), out))
		return 0;
	return diag_set(err, "bad time '%s' (expected ISO 8601 such as 2026-11-27 or "
			"2026-11-27T10:00:00+01:00, or relative: -24h, -7d, today, yesterday)", s);
}

int filter_add_category(struct filter *f, const struct policy *p, const char *name, struct diag *err)
{
	int c = policy_category(p, sv_cstr(name));
	if (c < 0)
		return diag_set(err, "unknown category '%s'", name);
	f->categories |= 1ULL << c;
	return 0;
}

int filter_add_principle(struct filter *f, const char *name, struct diag *err)
{
	enum principle pr = pr_parse(sv_cstr(name));
	if (pr == PR_COUNT)
		return diag_set(err, "unknown principle '%s' (expected security, purpose-limitation, "
				"choice, onward-transfer, notice, access or recourse)", name);
	f->principles |= PR_BIT(pr);
	return 0;
}

static bool in_time(const struct filter *f, bool has_time, int64_t t)
{
	if (!f->has_since && !f->has_until)
		return true;
	if (!has_time)
		return false;
	if (f->has_since && t < f->since)
		return false;
	if (f->has_until && t > f->until)
		return false;
	return true;
}

bool filter_event(const struct filter *f, const struct policy *p, const struct event *ev, int role)
{
	if (!in_time(f, ev->has_time, ev->time))
		return false;
	if (!in_list(f->users, f->nusers, ev->f[EVF_USER]))
		return false;
	if (f->nroles && (role < 0 || !in_list(f->roles, f->nroles, sv_cstr(p->roles[role].name))))
		return false;
	if (!in_list(f->subjects, f->nsubjects, ev->f[EVF_SUBJECT]))
		return false;
	if (f->categories && !(ev->categories & f->categories))
		return false;
	/* Principles select findings; an event has no principle of its own. */
	return true;
}

bool filter_finding(const struct filter *f, const struct policy *p, const struct finding *fd)
{
	if (!in_time(f, fd->has_time, fd->time))
		return false;
	if (!in_list(f->users, f->nusers, fd->user))
		return false;
	if (!in_list(f->roles, f->nroles, fd->role))
		return false;
	if (!in_list(f->subjects, f->nsubjects, fd->subject))
		return false;
	if (f->categories && !(fd->categories & f->categories))
		return false;
	if (f->principles && !(p->checks[fd->check].principles & f->principles))
		return false;
	return true;
}

void filter_release(struct filter *f)
{
	free(f->users);
	free(f->roles);
	free(f->subjects);
	free(f->described);
	memset(f, 0, sizeof(*f));
}
