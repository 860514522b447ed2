/*
 * format_syslog.c - syslog lines carrying another format.
 *
 *   RFC 3164: [<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MSG
 *             (an RFC 3339 timestamp in place of "Mmm dd ..." too, as rsyslog writes)
 *   RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG
 *
 * "syslog+INNER" parses MSG with INNER and fails if INNER does; plain
 * "syslog" tries every non-syslog format of the set on MSG, line by line.
 * When none reads it, a MSG that looks like an access record (a JSON
 * object, an HTTP request line, a SQL statement) is unparsed: a record the
 * formats miss must not pass for no access.  Any other MSG is a program
 * that logs no accesses (cron, sshd): an `other` event with ev->skip set
 * (MSG in the extra "message"), counted as skipped (SPEC §5).  HOST and APP fill the event's host and app unless the
 * inner format set them; the syslog time is used when MSG has none.
 * RFC 3164 has no year: fmt_thread_set_year() gives it.
 */
#include "common.h"

#include "format_impl.h"

#include "timeutil.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool space(sv *s)
{
	if (!s->n || s->p[0] != ' ')
		return false;
	fmt_adv(s, 1);
	return true;
}

struct sl_head {
	struct tu_stamp time;	/* RFC 5424 and RFC 3339 times keep their fraction */
	bool has_time;
	sv host, app;
};

/* "<PRI>" (optional in RFC 3164 files written by syslogd). */
static bool pri(sv *s, bool *present)
{
	*present = false;
	if (!s->n || s->p[0] != '<')
		return true;
	size_t i = 1;
	while (i < s->n && i <= 4 && is_digit(s->p[i]))
		i++;
	if (i == 1 || i >= s->n || s->p[i] != '>')
		return false;
	fmt_adv(s, i + 1);
	*present = true;
	return true;
}

/* STRUCTURED-DATA: "-" or one or more [id param="v\"al"...]. */
static bool sd(sv *s)
{
	if (s->n && s->p[0] == '-') {
		fmt_adv(s, 1);
		return true;
	}
	if (!s->n || s->p[0] != '[')
		return false;
	while (s->n && s->p[0] == '[') {
		size_t i = 1;
		bool quoted = false;
		for (;; i++) {
			if (i >= s->n)
				return false;
			char c = s->p[i];
			if (quoted && c == '\\') {
				i++;
				continue;
			}
			if (c == '"')
				quoted = !quoted;
			else if (c == ']' && !quoted)
				break;
		}
		fmt_adv(s, i + 1);
	}
	return true;
}

static bool rfc5424(sv *s, struct sl_head *h)
{
	sv ts, procid, msgid;
	if (!fmt_take_token(s, &ts) || !space(s) || !fmt_take_token(s, &h->host) || !space(s) || !fmt_take_token(s, &h->app) ||
	    !space(s) || !fmt_take_token(s, &procid) || !space(s) || !fmt_take_token(s, &msgid) || !space(s) || !sd(s))
		return false;
	if (!sv_eq_cstr(ts, "-")) {
		if (!tu_parse_iso8601_ts(ts, &h->time))
			return false;
		h->has_time = true;
	}
	if (sv_eq_cstr(h->host, "-"))
		h->host = SV_NULL;
	if (sv_eq_cstr(h->app, "-"))
		h->app = SV_NULL;
	if (s->n && !space(s))
		return false;
	/* A UTF-8 message starts with a BOM. */
	if (s->n >= 3 && memcmp(s->p, "\xEF\xBB\xBF", 3) == 0)
		fmt_adv(s, 3);
	return true;
}

static bool rfc3164(sv *s, struct sl_head *h, int year)
{
	if (s->n && is_digit(s->p[0])) {
		sv ts;
		/* A full RFC 3339 date-time: a bare date is some other log's first column. */
		if (!fmt_take_token(s, &ts) || !memchr(ts.p, 'T', ts.n) || !tu_parse_iso8601_ts(ts, &h->time))
			return false;
	} else {
		/* "Nov  3 09:23:38" or "Nov 3 09:23:38". */
		size_t i = 3;
		if (s->n < 14 || s->p[i] != ' ')
			return false;
		while (i < s->n && s->p[i] == ' ')
			i++;
		while (i < s->n && is_digit(s->p[i]))
			i++;
		i += 9;		/* " hh:mm:ss" */
		if (i > s->n || !tu_parse_syslog3164(sv_make(s->p, i), year, &h->time.sec))
			return false;
		fmt_adv(s, i);
	}
	h->has_time = true;
	if (!space(s) || !fmt_take_token(s, &h->host) || !space(s))
		return false;
	/* "TIME stdout F ...": a Kubernetes CRI line, not a host named stdout (format_wrap.c). */
	if ((sv_eq_cstr(h->host, "stdout") || sv_eq_cstr(h->host, "stderr")) && s->n >= 2 &&
	    (s->p[0] == 'F' || s->p[0] == 'P') && s->p[1] == ' ')
		return false;
	/* TAG[PID]: -- a line without a tag ("--- last message repeated") keeps it all as MSG. */
	size_t i = 0;
	while (i < s->n && s->p[i] != ':' && s->p[i] != '[' && s->p[i] != ' ')
		i++;
	size_t tag = i;
	if (i < s->n && s->p[i] == '[') {
		while (i < s->n && s->p[i] != ']')
			i++;
		i++;
	}
	if (tag > 0 && i < s->n && s->p[i] == ':') {
		h->app = sv_make(s->p, tag);
		fmt_adv(s, i + 1);
		if (s->n && s->p[0] == ' ')
			fmt_adv(s, 1);
	}
	return true;
}

/* Whether an unread syslog MSG looks like an access record (see the top). */
static bool looks_like_access(sv msg)
{
	static const char *const marks[] = {
		"GET /", "HEAD /", "POST /", "PUT /", "PATCH /", "DELETE /", "OPTIONS /",
		"HTTP/1.", "HTTP/2", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "AUDIT:",
	};
	/* A JSON object, alone or after a short wrapper ("F {", "stdout F {"). */
	for (size_t i = 0; i < msg.n && i < 32; i++)
		if (msg.p[i] == '{')
			return true;
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		size_t m = strlen(marks[k]);
		for (size_t i = 0; i + m <= msg.n; i++)
			if (msg.p[i] == marks[k][0] && !memcmp(msg.p + i, marks[k], m))
				return true;
	}
	return false;
}

bool fmt_syslog_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	struct sl_head h = { 0 };
	sv s = line;
	bool has_pri;
	if (!pri(&s, &has_pri))
		return false;
	if (has_pri && s.n >= 2 && is_digit(s.p[0]) && s.p[1] == ' ') {
		fmt_adv(&s, 2);
		if (!rfc5424(&s, &h))
			return false;
	} else if (!rfc3164(&s, &h, t->year)) {
		return false;
	}
	/* PostgreSQL's syslog_sequence_numbers: "[3-1] ". */
	if (s.n > 4 && s.p[0] == '[' && is_digit(s.p[1])) {
		size_t i = 1;
		while (i < s.n && (is_digit(s.p[i]) || s.p[i] == '-'))
			i++;
		if (i + 1 < s.n && s.p[i] == ']' && s.p[i + 1] == ' ')
			fmt_adv(&s, i + 2);
	}
	bool ok;
	t->outer_time = true;
	if (f->inner) {
		ok = fmt_call(f->inner, s, ev, t);
	} else {
		ok = fmt_set_parse_any(f->impl, s, ev, t);
		if (!ok && looks_like_access(s)) {
			t->outer_time = false;
			return false;	/* an access record no format reads: unparsed */
		}
		if (!ok) {
			/* A program that logs no accesses (cron, sshd, ...): skipped. */
			ev->action = EV_OTHER;
			ev->skip = true;
			if (s.n)
				ev_add_extra(ev, SV_LIT("message"), s);
			ok = true;
		}
	}
	t->outer_time = false;
	if (!ok)
		return false;
	if (!ev->has_time && h.has_time) {
		ev->time = h.time.sec;
		ev->nsec = h.time.nsec;
		ev->has_time = true;
	}
	if (ev->f[EVF_HOST].n == 0)
		ev->f[EVF_HOST] = h.host;
	if (ev->f[EVF_APP].n == 0)
		ev->f[EVF_APP] = h.app;
	return true;
}
