/*
 * tz.h - IANA time zones, for role hours (SPEC §4 semantics 7).
 *
 * A zone is loaded once from the system's tzdata (TZif files under
 * /usr/share/zoneinfo, or $TZDIR) into a table of transitions, so that
 * converting a UTC instant to local time is a binary search: thread-safe, no
 * setenv("TZ"), daylight saving included.  Instants past the last
 * transition use the TZif footer's POSIX TZ rule.
 *
 * Hours: "Mon-Fri 07:00-20:00 Europe/Rome"; days are a list or ranges of
 * Mon Tue Wed Thu Fri Sat Sun (also "Mon-Sun", "Sat,Sun", "*"); the from
 * time is inside, the until time outside; "22:00-06:00" wraps midnight (the
 * day is the day the shift starts).
 */
#ifndef DPF_TZ_H
#define DPF_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "sv.h"

struct tz_zone;

/*
 * Load "Europe/Rome" or "UTC" ("UTC", "Etc/UTC", "GMT", "Etc/GMT" need no
 * tzdata).  Names with ".." or a leading '/' are refused.  Errors: "unknown
 * time zone 'X'"; "time zone 'X': PATH: not a valid TZif file".
 * A loaded zone is immutable: share it between threads freely.
 */
struct tz_zone *tz_load(const char *name, struct diag *err);
void tz_free(struct tz_zone *z);
/* UTC offset in seconds at instant t (UTC seconds). */
int32_t tz_offset(const struct tz_zone *z, int64_t t);

/*
 * A caller's memo of one zone's offset over the span of instants
 * [from, until) where its transition table says it does not change: the
 * events of a log are mostly months inside one span, and the table search
 * ran for every one.  Zero-initialise; one per thread.
 */
struct tz_memo {
	const struct tz_zone *z;
	bool valid;
	int64_t from, until;
	int32_t off;
};

/* tz_offset(z, t), from m when t is inside its span; m is updated. */
int32_t tz_offset_memo(const struct tz_zone *z, int64_t t, struct tz_memo *m);

/*
 * The name of the zone the user lives in, for "today" and bare dates: $TZ
 * (":Europe/Rome" and "/usr/share/zoneinfo/Europe/Rome" forms too), else
 * the zone /etc/localtime links to, else /etc/timezone, else "UTC".  Writes
 * into buf (cap bytes) and returns it.  A $TZ that is a POSIX rule such as
 * "CET-1CEST" is returned as it is: tz_load() then refuses it by name.
 */
const char *tz_default_name(char *buf, size_t cap);
/*
 * The UTC instant at which the local day containing t, moved by `days`
 * days, begins in zone z (NULL: UTC).  Daylight saving included: a local
 * day is 23, 24 or 25 hours long.
 */
int64_t tz_day_start(const struct tz_zone *z, int64_t t, int days);
/* "2026-12-03T00:00:00+01:00" (local time in z, NULL: UTC with "Z"); buf >= 32 bytes. */
void tz_format_local(const struct tz_zone *z, int64_t t, char *buf, size_t cap);

struct tz_hours {
	uint8_t days;		/* bit d set: weekday d allowed, 0 = Sunday */
	int from_sec;		/* seconds after local midnight, inclusive */
	int until_sec;		/* exclusive; may be <= from_sec: wraps midnight */
	struct tz_zone *zone;	/* owned */
};

/*
 * Parse an hours spec "[DAYS] FROM-UNTIL [ZONE]": DAYS left out = every
 * day, ZONE left out = UTC; times HH:MM or HH:MM:SS, "24:00" only as the
 * until time.  On success fills *out (release with tz_hours_release) and
 * returns 0; else -1 and an error that names the bad part: "bad day 'Mox'",
 * "bad time '25:00'", "unknown time zone 'Europe/Rom'".
 */
int tz_hours_parse(sv spec, struct tz_hours *out, struct diag *err);
/* Whether instant t falls inside the hours. */
bool tz_hours_contains(const struct tz_hours *h, int64_t t);
/* tz_hours_contains(), the zone's offset through m (tz_offset_memo). */
bool tz_hours_contains_memo(const struct tz_hours *h, int64_t t, struct tz_memo *m);
void tz_hours_release(struct tz_hours *h);

#endif
