/*
 * filter.h - what an investigation selects: time window, users, roles,
 * subjects, categories, principles (SPEC §2 filters, repeatable).
 *
 * Filters never change what the checks see - every event is judged, so a
 * burst that straddles --since is still a burst - they select which events
 * and findings are reported.  An empty list means "any".
 */
#ifndef DPF_FILTER_H
#define DPF_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "event.h"
#include "findings.h"
#include "policy.h"

struct filter {
	bool has_since, has_until;
	int64_t since, until;	/* inclusive, UTC seconds */
	const char **users;	size_t nusers;
	const char **roles;	size_t nroles;
	const char **subjects;	size_t nsubjects;
	uint64_t categories;	/* 0: any */
	unsigned principles;	/* 0: any */
	/* the zone of today/yesterday/bare dates in since/until ("UTC", "Europe/Rome") */
	char zone[64];
	/* for the report's scope: the option text as given, e.g. "--since -7d" */
	const char **described;	size_t ndescribed;
};

#define FILTER_INIT { 0 }

/* Whether any filter is set. */
bool filter_active(const struct filter *f);

/*
 * Parse a --since/--until value against now (UTC seconds): ISO 8601 date or
 * time with offset, relative "-24h", "-7d", "-90m", "today", "yesterday"
 * (midnight UTC).  For --until a bare date means the end of that day.
 */
int filter_parse_time(const char *s, int64_t now, bool is_until, int64_t *out, struct diag *err);
/*
 * The same, with "today", "yesterday" and bare dates as days of zone
 * (NULL: UTC): `--since yesterday --until yesterday` in Europe/Rome is
 * 23:00 to 22:59:59 UTC in winter.  Times with an offset, and relative
 * times, do not depend on the zone.
 */
struct tz_zone;
int filter_parse_time_tz(const char *s, int64_t now, const struct tz_zone *zone, bool is_until,
			 int64_t *out, struct diag *err);

/* Resolve names against the policy (unknown category/principle is an error). */
int filter_add_category(struct filter *f, const struct policy *p, const char *name, struct diag *err);
int filter_add_principle(struct filter *f, const char *name, struct diag *err);

/* Does an event (classified, with its role index or -1) pass? */
bool filter_event(const struct filter *f, const struct policy *p, const struct event *ev, int role);
/* Does a finding pass? */
bool filter_finding(const struct filter *f, const struct policy *p, const struct finding *fd);

void filter_release(struct filter *f);

#endif
