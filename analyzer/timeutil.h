/*
 * timeutil.h - timestamps to UTC seconds, without strptime on the hot path.
 *
 * Log times come as Apache "%d/%b/%Y:%H:%M:%S %z", ISO 8601 (with fraction
 * and offset, or "Z", or none = UTC), epoch seconds or milliseconds, syslog
 * "Mmm dd HH:MM:SS" (no year), or a rule's strptime-style time-format.
 * Each parser works in place on a view and allocates nothing; a
 * time-format is compiled once (tu_fmt_compile) into a small program.
 *
 * Civil-time arithmetic is done with days-from-civil, not mktime/timegm,
 * so it is thread-safe and independent of the process TZ.
 */
#ifndef DPF_TIMEUTIL_H
#define DPF_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "sv.h"

/*
 * The times dpfaudit accepts and writes: years 0001-9999, UTC.  Every
 * parser refuses a time outside (a log line with one is unparsed), so no
 * report ever writes a year that doc/report-schema.json does not allow.
 */
#define TU_TIME_MIN INT64_C(-62135596800)	/* 0001-01-01T00:00:00Z */
#define TU_TIME_MAX INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
static inline bool tu_time_ok(int64_t t)
{
	return t >= TU_TIME_MIN && t <= TU_TIME_MAX;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (month 1-12). */
int64_t tu_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse: date of a day number. */
void tu_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/*
 * A parsed instant at full precision: UTC seconds, the fraction in
 * nanoseconds (0 to 999,999,999), and whether the text gave its zone or
 * offset (false: a local time, read as UTC unless the caller knows its
 * zone: a format's `timezone`).  Comparisons use both parts (SPEC §4: a
 * fraction of a second over a window is over it).
 */
struct tu_stamp {
	int64_t sec;
	int32_t nsec;
	bool zoned;
};

/* a <= b, fractions included. */
bool tu_stamp_le(struct tu_stamp a, struct tu_stamp b);

/*
 * The offset of a zone abbreviation ("CEST" +02:00, "EST" -05:00, "UTC",
 * "GMT", ...; case-insensitive); false for a name that is unknown or
 * ambiguous (IST).
 */
bool tu_zone_abbrev(sv name, int32_t *off);

/* "27/Nov/2026:03:14:07 +0000" (the brackets already removed). */
bool tu_parse_clf(sv s, int64_t *out);

/*
 * The dates and offsets of the last two stamps tu_parse_clf_cached() parsed
 * in the canonical 26-byte layout that differ there: consecutive lines of a
 * log share them (two slots: a log written by servers in two zones, or
 * lines around midnight, alternate), so the next stamp with the same bytes
 * there costs six digits, not a calendar conversion.  Zero-initialise; one
 * per thread (it is written).
 */
#define TU_CLF_SLOTS 2
struct tu_clf_cache {
	struct tu_clf_slot {
		bool valid;
		char key[17];	/* bytes 0-10 ("27/Nov/2026") and 20-25 (" +0000") */
		int64_t base;	/* the stamp's seconds less its hours, minutes and seconds */
	} slot[TU_CLF_SLOTS];
	unsigned last;		/* the slot that hit or was filled last */
};

/* tu_parse_clf(), with the same result for every input, using and updating c. */
bool tu_parse_clf_cached(sv s, struct tu_clf_cache *c, int64_t *out);
/*
 * ISO 8601 / RFC 3339: "2026-11-27", "2026-11-27T03:14:07", "... 03:14:07",
 * fraction ".123456", offset "Z", "+01:00", "+0100", "+01"; none = UTC.
 */
bool tu_parse_iso8601(sv s, int64_t *out);
bool tu_parse_iso8601_ts(sv s, struct tu_stamp *out);
/*
 * All digits: seconds; 13-15 digits: milliseconds; 16-18: microseconds;
 * 19: nanoseconds; optional ".fraction".  The _ts form keeps the fraction
 * (the sub-second digits and the fraction), the other rounds down.
 */
bool tu_parse_epoch(sv s, int64_t *out);
bool tu_parse_epoch_ts(sv s, struct tu_stamp *out);
/* Try ISO 8601, then epoch, then CLF. */
bool tu_parse_any(sv s, int64_t *out);
bool tu_parse_any_ts(sv s, struct tu_stamp *out);

/*
 * Syslog RFC 3164 "Nov 27 03:14:07" (day may be space-padded): the year
 * is supplied by the caller (file mtime or --year); the time is UTC unless
 * the caller adds an offset.
 */
bool tu_parse_syslog3164(sv s, int year, int64_t *out);

/* strptime-style format, compiled once. */
struct tu_fmt;
/*
 * Supported: %Y %m %d %e %H %M %S %y %b %h %B (English), %j, %z (+hhmm,
 * +hh:mm, Z), %Z (a zone abbreviation, tu_zone_abbrev: an unknown one makes
 * the time unparsable), %s (epoch), %f (fraction digits), %T (=
 * %H:%M:%S), %F (= %Y-%m-%d), %p (AM/PM with %I), %I, %a %A (ignored day
 * names), %% and literal characters; a space matches any run of spaces.
 * Fields absent from the format default to January 1st, 00:00:00, UTC.
 * Errors: "unsupported conversion %X at offset N", "incomplete conversion
 * '%' at offset N", a format with no year ("... has no year (%Y, %y, %F or
 * %s)": it would silently land in 1970), %p without %I.  The returned
 * program is immutable: one may be shared by any number of threads.
 */
struct tu_fmt *tu_fmt_compile(const char *fmt, struct diag *err);
bool tu_fmt_parse(const struct tu_fmt *f, sv s, int64_t *out);
bool tu_fmt_parse_ts(const struct tu_fmt *f, sv s, struct tu_stamp *out);
void tu_fmt_free(struct tu_fmt *f);

/* Format UTC seconds as "2026-11-27T03:14:07Z" into buf (>= 21 bytes);
 * times outside tu_time_ok() (never made by the parsers) are clamped to
 * its ends. */
void tu_format_iso(int64_t t, char *buf);

/*
 * Parse a duration "10m", "1h", "90s", "7d", "2w", or a bare number of
 * seconds; units may be combined ("1h30m").  Returns false on junk, zero
 * or overflow.
 */
bool tu_parse_duration(sv s, int64_t *secs);

#endif
