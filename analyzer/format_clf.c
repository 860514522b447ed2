/*
 * format_clf.c - Apache/nginx "common", "combined" and "vhost_combined".
 *
 * A hand-written cursor over the line, no regex and no allocation:
 *     [vhost:port ]host ident user [time] "request" status bytes ["referer" "agent"] [extra...]
 * Real servers append fields after the agent (x-forwarded-for, request
 * time, ...): anything after the last required field is accepted.  Quoted
 * fields keep Apache's backslash escapes (\" \\) in their views.
 */
#include "common.h"

#include "format_impl.h"

#include "timeutil.h"

/* One or more spaces (servers write one; hand-edited samples may have more). */
static bool take_space(sv *s)
{
	if (s->n == 0 || s->p[0] != ' ')
		return false;
	while (s->n && s->p[0] == ' ')
		fmt_adv(s, 1);
	return true;
}

/* "..." with backslash escapes; *out is the content between the quotes. */
static inline bool take_quoted(sv *s, sv *out)
{
	if (s->n == 0 || s->p[0] != '"')
		return false;
	/*
	 * memchr to each candidate quote (the hot path: user agents are long);
	 * a quote is escaped when an odd number of backslashes precede it.
	 */
	const char *p = s->p + 1, *end = s->p + s->n;
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return false;
		size_t bs = 0;
		while (q - bs > s->p + 1 && q[-1 - (ptrdiff_t)bs] == '\\')
			bs++;
		if (bs % 2 == 0) {
			size_t i = (size_t)(q - s->p);
			*out = sv_make(s->p + 1, i - 1);
			fmt_adv(s, i + 1);
			return true;
		}
		p = q + 1;
	}
	return false;
}

static bool take_bracketed(sv *s, sv *out)
{
	if (s->n == 0 || s->p[0] != '[')
		return false;
	const char *e = memchr(s->p, ']', s->n);
	if (!e)
		return false;
	*out = sv_make(s->p + 1, (size_t)(e - s->p) - 1);
	fmt_adv(s, (size_t)(e - s->p) + 1);
	return true;
}

/* The end of the mandatory part: nothing, or a space before extra fields. */
static bool at_field_end(sv s)
{
	return s.n == 0 || s.p[0] == ' ';
}

static inline char lower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * The first byte first: most URLs start with '/', not "http".  pfx is an
 * SV_LIT, its length known at compile time (a strlen per call was 1.5% of
 * a scan).
 */
static inline bool has_prefix_nocase(sv s, sv pfx)
{
	return s.n >= pfx.n && lower_ascii(s.p[0]) == lower_ascii(pfx.p[0]) &&
	       (sv_mem_eq(s.p, pfx.p, pfx.n) || sv_eq_nocase(sv_make(s.p, pfx.n), pfx));
}

/*
 * "GET /a?b HTTP/1.1".  Anything else ("-", a TLS handshake sent to the
 * plain port, "GET /x" of HTTP/0.9) still makes an event: the method is
 * empty unless the request starts with an upper-case word and a space.
 */
static void clf_request(sv req, struct event *ev)
{
	size_t i = 0;
	while (i < req.n && i < 32 && req.p[i] >= 'A' && req.p[i] <= 'Z')
		i++;
	if (i == 0 || i >= req.n || req.p[i] != ' ') {
		if (!sv_is_dash_or_empty(req))
			ev_add_extra(ev, SV_LIT("request"), req);
		return;
	}
	ev->f[EVF_ACTION] = sv_make(req.p, i);
	sv rest = sv_make(req.p + i, req.n - i);
	while (rest.n && rest.p[0] == ' ')
		fmt_adv(&rest, 1);
	while (rest.n && rest.p[rest.n - 1] == ' ')
		rest.n--;
	sv url = rest;
	size_t sp = fmt_last_space(rest.p, rest.n);
	if (sp < rest.n) {
		sv proto = sv_make(rest.p + sp + 1, rest.n - sp - 1);
		if (has_prefix_nocase(proto, SV_LIT("HTTP/"))) {
			ev->f[EVF_PROTOCOL] = proto;
			url = sv_make(rest.p, sp);
			while (url.n && url.p[url.n - 1] == ' ')
				url.n--;
		}
	}
	/* A proxy request names scheme and host: keep the path as the resource. */
	size_t skip = has_prefix_nocase(url, SV_LIT("http://")) ? 7 : has_prefix_nocase(url, SV_LIT("https://")) ? 8 : 0;
	if (skip) {
		ev->f[EVF_SCHEME] = sv_make(url.p, skip - 3);
		size_t k = skip;
		while (k < url.n && url.p[k] != '/' && url.p[k] != '?')
			k++;
		if (ev->f[EVF_HOST].n == 0)
			ev->f[EVF_HOST] = sv_make(url.p + skip, k - skip);
		url = k < url.n ? sv_make(url.p + k, url.n - k) : SV_LIT("/");
	}
	ev->f[EVF_RESOURCE] = url;
}

/* status: digits or "-"; bytes: digits or "-" (Apache's %b for zero bytes). */
static bool clf_numbers(sv status, sv bytes, struct event *ev)
{
	unsigned long long v;
	if (sv_eq_cstr(status, "-"))
		ev->status = -1;
	else if (status.n <= 3 && sv_to_u64(status, &v))
		ev->status = (int)v;
	else
		return false;
	if (sv_eq_cstr(bytes, "-"))
		ev->bytes = 0;
	else if (sv_to_u64(bytes, &v) && v <= INT64_MAX)
		ev->bytes = (int64_t)v;
	else
		return false;
	return true;
}

/*
 * host ident user [time] "request" status bytes; *line is left after
 * bytes.  The cursor is a local copy: kept in registers, not stored back
 * through the caller's view at every step.
 */
static bool clf_core(sv *line, struct event *ev, struct fmt_thread *t)
{
	sv cur = *line, *s = &cur;
	sv host, ident, user, when, req, status, bytes;
	if (!fmt_take_token(s, &host) || !take_space(s) || !fmt_take_token(s, &ident) || !take_space(s))
		return false;
	if (s->n && s->p[0] == '"')
		return false;	/* the user is missing (lnav's "bad" access log) */
	if (!fmt_take_token(s, &user) || !take_space(s))
		return false;
	if (s->n && s->p[0] == '[') {
		if (!take_bracketed(s, &when) || !take_space(s))
			return false;
		if (!tu_parse_clf_cached(when, &t->clf_time, &ev->time))
			return false;
		ev->has_time = true;
	} else if (!t->outer_time) {
		return false;
	}
	if (!take_quoted(s, &req) || !take_space(s) || !fmt_take_token(s, &status))
		return false;
	if (!take_space(s) || !fmt_take_token(s, &bytes) || !at_field_end(*s))
		return false;
	if (!clf_numbers(status, bytes, ev))
		return false;
	ev->f[EVF_SRC] = host;
	if (!sv_is_dash_or_empty(user))
		ev->f[EVF_USER] = user;
	clf_request(req, ev);
	*line = cur;
	return true;
}

/* ' "referer" "agent"' then extra fields or the end; a local cursor as in clf_core(). */
static bool clf_tail(sv *line, struct event *ev)
{
	sv cur = *line, *s = &cur;
	sv ref, agent;
	if (!take_space(s) || !take_quoted(s, &ref) || !take_space(s))
		return false;
	if (!take_quoted(s, &agent)) {
		/*
		 * A line cut inside the agent (a full disk, a log shipper's
		 * size limit; elastic's sample has one): everything the audit
		 * needs came before it, so read it and say so.
		 */
		if (!s->n || s->p[0] != '"')
			return false;
		agent = sv_make(s->p + 1, s->n - 1);
		fmt_adv(s, s->n);
		ev_add_extra(ev, SV_LIT("truncated"), SV_LIT("agent"));
	}
	if (!at_field_end(*s))
		return false;
	if (!sv_is_dash_or_empty(ref))
		ev->f[EVF_REFERER] = ref;
	if (!sv_is_dash_or_empty(agent))
		ev->f[EVF_AGENT] = agent;
	*line = cur;
	return true;
}

/* What every CLF variant derives once the fields are in place. */
static void clf_finish(struct event *ev, struct fmt_thread *t)
{
	if (ev->f[EVF_SCHEME].n == 0) {
		if (ev->port == 443)
			ev->f[EVF_SCHEME] = SV_LIT("https");
		else if (ev->port == 80)
			ev->f[EVF_SCHEME] = SV_LIT("http");
	}
	ev->f[EVF_REASON] = fmt_query_param_or(ev->f[EVF_RESOURCE], SV_LIT("reason"), SV_LIT("ticket"), t);
	ev->action = fmt_default_action(ev->f[EVF_ACTION]);
}

bool fmt_clf_common_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	(void)f;
	if (!clf_core(&line, ev, t))
		return false;
	/* A combined line read as common still yields referer and agent. */
	sv rest = line;
	struct event tail = { 0 };
	if (clf_tail(&rest, &tail)) {
		ev->f[EVF_REFERER] = tail.f[EVF_REFERER];
		ev->f[EVF_AGENT] = tail.f[EVF_AGENT];
	}
	clf_finish(ev, t);
	return true;
}

bool fmt_clf_combined_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	(void)f;
	if (!clf_core(&line, ev, t) || !clf_tail(&line, ev))
		return false;
	clf_finish(ev, t);
	return true;
}

/* Apache's vhost_combined: "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"". */
bool fmt_clf_vhost_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	(void)f;
	sv vp;
	unsigned long long port;
	if (!fmt_take_token(&line, &vp) || !take_space(&line))
		return false;
	const char *colon = NULL;
	for (size_t i = vp.n; i > 0; i--) {
		if (vp.p[i - 1] == ':') {
			colon = vp.p + i - 1;
			break;
		}
	}
	if (!colon || colon == vp.p)
		return false;
	sv ps = sv_make(colon + 1, vp.n - (size_t)(colon + 1 - vp.p));
	if (ps.n > 5 || !sv_to_u64(ps, &port) || port == 0 || port > 65535)
		return false;
	if (!clf_core(&line, ev, t) || !clf_tail(&line, ev))
		return false;
	ev->f[EVF_HOST] = sv_make(vp.p, (size_t)(colon - vp.p));
	ev->port = (int)port;
	clf_finish(ev, t);
	return true;
}
