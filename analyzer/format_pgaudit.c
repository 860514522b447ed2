/*
 * format_pgaudit.c - PostgreSQL server log lines carrying pgAudit records.
 *
 *   PREFIX LEVEL:  AUDIT: TYPE,STMT_ID,SUBSTMT_ID,CLASS,COMMAND,OBJ_TYPE,OBJ_NAME,STATEMENT,PARAMETER[,ROWS]
 *
 * PREFIX is Debian's default `%m [%p] %q%u@%d ` or the plain `%m [%p] `
 * (each part optional, so `%t`, no pid, or a bare "LOG:  AUDIT:" as psql
 * shows it also read), or a rule format's `prefix` pattern with named
 * groups user, time, database, src, app.  Other server lines behind a
 * recognised prefix (connections, checkpoints, errors) are events too, with
 * action other and ev->skip set: no access by design, counted as skipped
 * (SPEC §5), so a server log is not reported as mostly unparsed.
 *
 * The record is CSV as pgAudit writes it: fields with , " or newlines are
 * quoted with "" escapes.  A statement continued on following lines arrives
 * joined with '\n'; the server writes each continuation with a leading tab,
 * which is removed again ("\n\t" -> "\n") so the statement reads as sent.
 */
#include "common.h"

#include "format_impl.h"

#include "timeutil.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The zone PostgreSQL prints after %m / %t: an abbreviation of
 * log_timezone (tu_zone_abbrev), or "+03", "-0530" for zones without one.
 * False for a name we cannot place: the time is then unparsable, never UTC.
 */
static bool zone_offset(sv z, int32_t *off)
{
	if (tu_zone_abbrev(z, off))
		return true;
	if (z.n >= 3 && (z.p[0] == '+' || z.p[0] == '-') && is_digit(z.p[1]) && is_digit(z.p[2])) {
		int32_t o = ((z.p[1] - '0') * 10 + (z.p[2] - '0')) * 3600;
		if (z.n == 5 && is_digit(z.p[3]) && is_digit(z.p[4]))
			o += ((z.p[3] - '0') * 10 + (z.p[4] - '0')) * 60;
		else if (z.n != 3)
			return false;
		*off = z.p[0] == '-' ? -o : o;
		return true;
	}
	return false;
}

/* %m / %t: "2026-11-27 10:02:00[.123] ZONE"; *s is left after the zone. */
static bool pg_time(sv *s, struct event *ev)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	size_t n = sizeof(shape) - 1;
	if (s->n < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (shape[i] == 'd' ? !is_digit(s->p[i]) : s->p[i] != shape[i])
			return false;
	if (n < s->n && s->p[n] == '.') {
		n++;
		while (n < s->n && is_digit(s->p[n]))
			n++;
	}
	struct tu_stamp t;
	if (!tu_parse_iso8601_ts(sv_make(s->p, n), &t))
		return false;
	ev->time = t.sec;
	ev->nsec = t.nsec;
	fmt_adv(s, n);
	if (s->n > 1 && s->p[0] == ' ' && s->p[1] != '[') {
		size_t z = 1;
		while (z < s->n && s->p[z] != ' ')
			z++;
		int32_t off;
		if (!zone_offset(sv_make(s->p + 1, z - 1), &off))
			return false;
		ev->time -= off;
		fmt_adv(s, z);
	}
	return true;
}

/* " [1234]" or " [1234-1]" after the time. */
static void pg_pid(sv *s)
{
	sv r = *s;
	while (r.n && r.p[0] == ' ')
		fmt_adv(&r, 1);
	if (!r.n || r.p[0] != '[')
		return;
	size_t i = 1;
	while (i < r.n && (is_digit(r.p[i]) || r.p[i] == '-'))
		i++;
	if (i < r.n && r.p[i] == ']' && i > 1) {
		fmt_adv(&r, i + 1);
		*s = r;
	}
}

/* "LOG:  ", "WARNING:  " ...: an upper-case word, a colon, spaces. */
static bool pg_level(sv *s)
{
	size_t i = 0;
	while (i < s->n && ((s->p[i] >= 'A' && s->p[i] <= 'Z') || is_digit(s->p[i])))
		i++;
	if (i == 0 || i >= s->n || s->p[i] != ':')
		return false;
	fmt_adv(s, i + 1);
	while (s->n && s->p[0] == ' ')
		fmt_adv(s, 1);
	return true;
}

/* Decode a quoted CSV field: "" -> ", "\n\t" -> "\n".  raw is between the quotes. */
static sv csv_decode(sv raw, struct fmt_thread *t)
{
	bool need = false;
	for (size_t i = 0; i + 1 < raw.n && !need; i++)
		need = (raw.p[i] == '"' && raw.p[i + 1] == '"') || (raw.p[i] == '\n' && raw.p[i + 1] == '\t');
	if (!need)
		return raw;
	char *o = fmt_scratch(t, raw.n);
	if (!o)
		return raw;
	size_t k = 0;
	for (size_t i = 0; i < raw.n; i++) {
		o[k++] = raw.p[i];
		if (i + 1 < raw.n && ((raw.p[i] == '"' && raw.p[i + 1] == '"') ||
				      (raw.p[i] == '\n' && raw.p[i + 1] == '\t')))
			i++;
	}
	t->used -= raw.n - k;
	return sv_make(o, k);
}

/* One CSV field: -1 on a broken quote, 1 if a comma (now consumed) follows, 0 at the end. */
static int csv_field(sv *s, sv *out, struct fmt_thread *t)
{
	if (s->n && s->p[0] == '"') {
		size_t i = 1;
		for (;;) {
			if (i >= s->n)
				return -1;
			if (s->p[i] == '"') {
				if (i + 1 < s->n && s->p[i + 1] == '"') {
					i += 2;
					continue;
				}
				break;
			}
			i++;
		}
		*out = csv_decode(sv_make(s->p + 1, i - 1), t);
		fmt_adv(s, i + 1);
		if (s->n && s->p[0] != ',')
			return -1;
	} else {
		const char *c = memchr(s->p, ',', s->n);
		size_t n = c ? (size_t)(c - s->p) : s->n;
		*out = sv_make(s->p, n);
		fmt_adv(s, n);
	}
	if (!s->n)
		return 0;
	fmt_adv(s, 1);
	return 1;
}

#define AUDIT_FIELDS 10

/* The record after "AUDIT: ". */
static bool pg_record(const struct pol_format *pf, sv s, struct event *ev, struct fmt_thread *t)
{
	sv fld[AUDIT_FIELDS] = { { 0 } };
	unsigned n = 0;
	int more = 1;
	while (more == 1 && n < AUDIT_FIELDS) {
		more = csv_field(&s, &fld[n], t);
		if (more < 0)
			return false;
		n++;
	}
	if (n < 9 || !(sv_eq_cstr(fld[0], "SESSION") || sv_eq_cstr(fld[0], "OBJECT")))
		return false;
	ev_add_extra(ev, SV_LIT("audit_type"), fld[0]);
	if (fld[4].n)
		ev_add_extra(ev, SV_LIT("command"), fld[4]);
	if (fld[5].n)
		ev_add_extra(ev, SV_LIT("object_type"), fld[5]);
	ev->f[EVF_ACTION] = fld[3];
	ev->f[EVF_RESOURCE] = fld[6];
	ev->f[EVF_STATEMENT] = fld[7];
	if (fld[8].n)
		ev_add_extra(ev, SV_LIT("parameter"), fld[8]);
	if (n >= 10 && fld[9].n)
		ev->records = fmt_num(fld[9]);
	/* READ and WRITE are read and write; FUNCTION, ROLE, DDL, MISC are other. */
	ev->action = fmt_map_action(pf, fld[3]);
	return true;
}

/* The rule's prefix pattern: named groups user, time, database, src, app. */
static bool custom_prefix(const struct pol_format *pf, sv *s, struct event *ev, struct fmt_thread *t)
{
	sv line = *s;
	if (rx_match(pf->prefix, line, t->rx) != 1)
		return false;
	sv whole = rx_group(t->rx, line, 0);
	if (whole.p != line.p)
		return false;	/* a prefix starts the line */
	static const struct {
		const char *group;
		int field;	/* -1: extra */
	} groups[] = {
		{ "user", EVF_USER }, { "src", EVF_SRC }, { "app", EVF_APP }, { "host", EVF_HOST },
		{ "role", EVF_ROLE }, { "database", -1 }, { "db", -1 },
	};
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		int g = rx_group_index(pf->prefix, groups[i].group);
		if (g < 0)
			continue;
		sv v = rx_group(t->rx, line, (unsigned)g);
		if (sv_is_dash_or_empty(v))
			continue;
		if (groups[i].field >= 0)
			ev->f[groups[i].field] = v;
		else
			ev_add_extra(ev, SV_LIT("database"), v);
	}
	int g = rx_group_index(pf->prefix, "time");
	sv tv = g >= 0 ? rx_group(t->rx, line, (unsigned)g) : SV_NULL;
	if (tv.n) {
		sv c = tv;
		if (pf->time_fmt || !pg_time(&c, ev) || c.n) {
			if (!fmt_event_time(pf, tv, ev))
				return false;
		}
		ev->has_time = true;
	}
	fmt_adv(s, whole.n);
	while (s->n && s->p[0] == ' ')
		fmt_adv(s, 1);
	return true;
}

/* Debian's `%m [%p] %q%u@%d ` and the plain `%m [%p] `. */
static bool builtin_prefix(sv *s, struct event *ev)
{
	bool known = false;
	if (pg_time(s, ev)) {
		ev->has_time = true;
		known = true;
	}
	pg_pid(s);
	while (s->n && s->p[0] == ' ')
		fmt_adv(s, 1);
	/* "user@db " before the level; "@db" has no user (%u empty). */
	size_t i = 0;
	while (i < s->n && s->p[i] != ' ' && s->p[i] != ':')
		i++;
	if (i < s->n && s->p[i] == ' ') {
		const char *at = memchr(s->p, '@', i);
		if (at) {
			sv user = sv_make(s->p, (size_t)(at - s->p));
			sv db = sv_make(at + 1, i - (size_t)(at - s->p) - 1);
			if (!sv_is_dash_or_empty(user) && !sv_eq_cstr(user, "[unknown]"))
				ev->f[EVF_USER] = user;
			if (db.n && !sv_eq_cstr(db, "[unknown]"))
				ev_add_extra(ev, SV_LIT("database"), db);
			fmt_adv(s, i + 1);
			known = true;
		}
	}
	return known;
}

bool fmt_pgaudit_record(const struct pol_format *pf, sv rec, struct event *ev, struct fmt_thread *t)
{
	static const char tag[] = "AUDIT: ";
	if (rec.n >= sizeof(tag) - 1 && memcmp(rec.p, tag, sizeof(tag) - 1) == 0)
		fmt_adv(&rec, sizeof(tag) - 1);
	return pg_record(pf, rec, ev, t);
}

bool fmt_pgaudit_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	const struct pol_format *pf = f->pf;
	sv s = line;
	bool known;
	if (pf && pf->prefix)
		known = custom_prefix(pf, &s, ev, t);
	else
		known = builtin_prefix(&s, ev);
	if (pf && pf->prefix && !known)
		return false;
	if (!pg_level(&s))
		return false;
	static const char tag[] = "AUDIT: ";
	if (s.n >= sizeof(tag) - 1 && memcmp(s.p, tag, sizeof(tag) - 1) == 0)
		return pg_record(pf, sv_make(s.p + sizeof(tag) - 1, s.n - (sizeof(tag) - 1)), ev, t);
	if (!known)
		return false;
	/* Any other server line behind a known prefix: no access by design (skipped). */
	ev->action = EV_OTHER;
	ev->skip = true;
	if (s.n)
		ev_add_extra(ev, SV_LIT("message"), s);
	return true;
}
