/*
 * format.c - stage 3: the set of formats, detection, and what the
 * format_*.c parsers share (thread scratch, query parameters, action
 * mapping, the json/logfmt key map).
 *
 * The set is an array in detection order, which is also the tie order:
 * rule-defined formats (file order), the built-ins from most to least
 * specific, then syslog wrapping each of those, and last "syslog" choosing
 * the wrapped format line by line.
 */
#include "common.h"

#include "format_impl.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>

#include "rules.h"
#include "sources.h"
#include "timeutil.h"

enum fmt_kind {
	FK_BUILTIN,	/* impl static or shared */
	FK_REGEX,	/* impl from fmt_regex_build */
	FK_KEYMAP,	/* impl is an owned struct fmt_keymap */
};

struct fmt_slot {
	struct fmt f;
	enum fmt_kind kind;
	bool is_syslog;
	char *owned_name;
};

struct fmt_set {
	struct fmt_slot *slots;
	size_t n;
	struct fmt_keymap defaults;	/* built-in json and logfmt */
	struct policy *sources;		/* the built-in sources' formats (sources.h), owned */
};

/* ---- thread state ------------------------------------------------------ */

struct fmt_thread *fmt_thread_new(void)
{
	struct fmt_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->scratch = malloc(FMT_SCRATCH_SIZE);
	t->rx = rx_thread_new();
	if (!t->scratch || !t->rx) {
		fmt_thread_free(t);
		return NULL;
	}
	t->year = 1970;
	return t;
}

void fmt_thread_free(struct fmt_thread *t)
{
	if (!t)
		return;
	if (t->rx)
		rx_thread_free(t->rx);
	free(t->scratch);
	free(t);
}

void fmt_thread_set_year(struct fmt_thread *t, int year)
{
	t->year = year;
}

char *fmt_scratch(struct fmt_thread *t, size_t n)
{
	if (!t || n > FMT_SCRATCH_SIZE - t->used)
		return NULL;
	char *p = t->scratch + t->used;
	t->used += n;
	return p;
}

/* ---- helpers shared by the parsers --------------------------------------- */

/* Percent- and plus-decode v into scratch; v itself if nothing to decode or no room. */
static sv url_decode(sv v, struct fmt_thread *t)
{
	if (!memchr(v.p, '%', v.n) && !memchr(v.p, '+', v.n))
		return v;
	char *o = fmt_scratch(t, v.n);
	if (!o)
		return v;
	size_t k = 0;
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];
		int b;
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < v.n && (b = sv_hexbyte(v.p + i + 1)) >= 0) {
			c = (char)b;
			i += 2;
		}
		o[k++] = c;
	}
	/* Give back what decoding saved. */
	t->used -= v.n - k;
	return sv_make(o, k);
}

sv fmt_query_param(sv resource, sv name, struct fmt_thread *t)
{
	const char *q = resource.n ? memchr(resource.p, '?', resource.n) : NULL;
	if (!q || name.n == 0)
		return SV_NULL;
	const char *end = resource.p + resource.n;
	const char *hash = memchr(q, '#', (size_t)(end - q));
	if (hash)
		end = hash;
	const char *p = q + 1;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		sv key = sv_make(p, (size_t)((eq ? eq : pe) - p));
		if (sv_eq(key, name)) {
			if (!eq)
				return SV_NULL;
			return url_decode(sv_make(eq + 1, (size_t)(pe - eq - 1)), t);
		}
		p = pe + 1;
	}
	return SV_NULL;
}

sv fmt_query_param_or(sv resource, sv a, sv b, struct fmt_thread *t)
{
	const char *q = resource.n ? memchr(resource.p, '?', resource.n) : NULL;
	if (!q)
		return SV_NULL;
	const char *end = resource.p + resource.n;
	const char *hash = memchr(q, '#', (size_t)(end - q));
	if (hash)
		end = hash;
	/* The first parameter named a and named b, as fmt_query_param() finds each. */
	sv va = SV_NULL, vb = SV_NULL;
	bool fa = a.n == 0, fb = b.n == 0;	/* found (an empty name never is) */
	const char *p = q + 1;
	while (p < end && !(fa && fb)) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		sv key = sv_make(p, (size_t)((eq ? eq : pe) - p));
		sv val = eq ? sv_make(eq + 1, (size_t)(pe - eq - 1)) : SV_NULL;
		if (!fa && sv_eq(key, a)) {
			fa = true;
			va = val;
		} else if (!fb && sv_eq(key, b)) {
			fb = true;
			vb = val;
		}
		p = pe + 1;
	}
	sv r = va.p ? url_decode(va, t) : SV_NULL;
	if (r.n == 0)
		r = vb.p ? url_decode(vb, t) : SV_NULL;
	return r;
}

enum ev_action fmt_default_action(sv raw)
{
	/* Names with their lengths (no strlen per line); the exact bytes first, then any case. */
	static const struct {
		sv name;
		enum ev_action a;
	} table[] = {
		{ SV_LIT("GET"), EV_READ }, { SV_LIT("HEAD"), EV_READ }, { SV_LIT("POST"), EV_WRITE },
		{ SV_LIT("PUT"), EV_WRITE }, { SV_LIT("PATCH"), EV_WRITE }, { SV_LIT("DELETE"), EV_DELETE },
		{ SV_LIT("SELECT"), EV_READ }, { SV_LIT("READ"), EV_READ }, { SV_LIT("INSERT"), EV_WRITE },
		{ SV_LIT("UPDATE"), EV_WRITE }, { SV_LIT("WRITE"), EV_WRITE },
	};
	if (raw.n == 0)
		return EV_OTHER;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (raw.n == table[i].name.n &&
		    (sv_mem_eq(raw.p, table[i].name.p, raw.n) || sv_eq_nocase(raw, table[i].name)))
			return table[i].a;
	/* The action names themselves ("export", "login", ...). */
	enum ev_action a = ev_action_parse(raw);
	return a == EV_ACTION_COUNT ? EV_OTHER : a;
}

enum ev_action fmt_map_action(const struct pol_format *pf, sv raw)
{
	if (pf) {
		for (int a = 0; a < EV_ACTION_COUNT; a++)
			for (size_t i = 0; i < pf->nactions[a]; i++)
				if (sv_eq_nocase(raw, sv_cstr(pf->actions[a][i])))
					return (enum ev_action)a;
	}
	return fmt_default_action(raw);
}

int64_t fmt_num(sv s)
{
	unsigned long long v;
	s = sv_trim(s);
	if (!sv_to_u64(s, &v) || v > INT64_MAX)
		return -1;
	return (int64_t)v;
}

bool fmt_parse_time(const struct pol_format *pf, sv s, int64_t *out)
{
	struct event ev;
	if (!fmt_event_time(pf, s, &ev))
		return false;
	*out = ev.time;
	return true;
}

bool fmt_event_time(const struct pol_format *pf, sv s, struct event *ev)
{
	struct tu_stamp t;
	bool ok = pf && pf->time_fmt ? tu_fmt_parse_ts(pf->time_fmt, s, &t) : tu_parse_any_ts(s, &t);
	/* PostgreSQL and Percona write "2021-07-27 14:01:47.881 UTC". */
	if (!ok && !(pf && pf->time_fmt) && s.n > 4 &&
	    (sv_eq_cstr(sv_make(s.p + s.n - 4, 4), " UTC") || sv_eq_cstr(sv_make(s.p + s.n - 4, 4), " GMT")))
		ok = tu_parse_any_ts(sv_make(s.p, s.n - 4), &t);
	if (!ok)
		return false;
	if (!t.zoned && pf && pf->timezone) {
		/* Local wall time: the zone's offset at that instant (a repeated hour: the first). */
		int64_t guess = t.sec - tz_offset(pf->timezone, t.sec);
		t.sec -= tz_offset(pf->timezone, guess);
	}
	ev->time = t.sec;
	ev->nsec = t.nsec;
	ev->has_time = true;
	return true;
}

/* ---- the json/logfmt key map ------------------------------------------- */

static const struct {
	unsigned target;
	const char *keys;	/* space-separated, in priority order */
} default_keys[] = {
	{ EVF_USER, "user username user_name user.name user.id actor.id actor usr.id" },
	{ EVF_ROLE, "role user.role actor.role" },
	{ EVF_ACTION, "action method event.action event http.method http.request.method request.method verb operation" },
	{ EVF_RESOURCE, "resource path url uri object url.path url.original request.path request.url" },
	{ EVF_SUBJECT, "subject customer_id subject_id data_subject customer.id" },
	{ EVF_REASON, "reason ticket justification query:reason query:ticket" },
	{ EVF_SRC, "src client_ip remote_addr source.ip client.ip ip remote_ip src_ip" },
	{ EVF_DST, "dst destination recipient destination.url" },
	{ EVF_SCHEME, "scheme url.scheme" },
	{ EVF_HOST, "host hostname host.name vhost" },
	{ EVF_APP, "app service application service.name" },
	{ EVF_STATEMENT, "statement query sql" },
	{ EVF_AGENT, "user_agent agent http_user_agent user_agent.original" },
	{ EVF_REFERER, "referer referrer http_referer" },
	{ EVF_PROTOCOL, "protocol http.version" },
	{ FMT_T_TIME, "time timestamp @timestamp ts datetime" },
	{ FMT_T_STATUS, "status status_code http.response.status_code response_code" },
	{ FMT_T_BYTES, "bytes size body_bytes_sent http.response.body.bytes" },
	{ FMT_T_RECORDS, "records rows row_count" },
};

/* A PS_QUERY source's parameter, whether or not the loader kept the "query:" marker. */
sv fmt_query_name(sv name)
{
	if (name.n > 6 && memcmp(name.p, "query:", 6) == 0)
		return sv_make(name.p + 6, name.n - 6);
	return name;
}

static int keymap_add(struct fmt_keymap *m, sv name, bool query, unsigned target, unsigned prio)
{
	if (m->nkeys == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		struct fmt_key *k = realloc(m->keys, nc * sizeof(*k));
		if (!k)
			return -1;
		m->keys = k;
		m->cap = nc;
	}
	struct fmt_key *k = &m->keys[m->nkeys++];
	k->query = query;
	k->name = query ? fmt_query_name(name) : name;
	k->target = (unsigned char)target;
	k->prio = (unsigned char)(prio > 254 ? 254 : prio);
	return 0;
}

const char *fmt_target_name(unsigned target)
{
	static const char *const pseudo[] = { "time", "status", "bytes", "records" };
	if (target < EVF_COUNT)
		return ev_field_name((enum ev_field)target);
	return target < FMT_T_COUNT ? pseudo[target - EVF_COUNT] : "?";
}

const struct pol_fieldmap *fmt_fieldmap(const struct pol_format *pf, unsigned target)
{
	if (!pf)
		return NULL;
	switch (target) {
	case FMT_T_TIME:
		return &pf->time_field;
	case FMT_T_STATUS:
		return &pf->status_field;
	case FMT_T_BYTES:
		return &pf->bytes_field;
	case FMT_T_RECORDS:
		return &pf->records_field;
	default:
		return target < EVF_COUNT ? &pf->fields[target] : NULL;
	}
}

/* The value slot of an aux key (added once): -1 past FMT_AUX_MAX or out of memory. */
static int keymap_aux(struct fmt_keymap *m, sv name)
{
	for (unsigned i = 0; i < m->naux; i++)
		if (sv_eq_cstr(name, m->aux[i]))
			return (int)(FMT_T_COUNT + i);
	if (m->naux >= FMT_AUX_MAX)
		return -1;
	char *copy = malloc(name.n + 1);
	if (!copy)
		return -1;
	memcpy(copy, name.p, name.n);
	copy[name.n] = '\0';
	m->aux[m->naux] = copy;
	unsigned target = FMT_T_COUNT + m->naux++;
	if (keymap_add(m, sv_make(copy, name.n), false, target, 0))
		return -1;
	return (int)target;
}

/* A template source: its references become aux keys. */
static int keymap_template(struct fmt_keymap *m, const char *text, unsigned target, unsigned prio)
{
	struct fmt_tmpl *nt = realloc(m->tmpl, (m->ntmpl + 1) * sizeof(*nt));
	if (!nt)
		return -1;
	m->tmpl = nt;
	nt[m->ntmpl].text = text;
	nt[m->ntmpl].target = (unsigned char)target;
	nt[m->ntmpl].prio = (unsigned char)prio;
	m->ntmpl++;
	for (const char *p = text; (p = strchr(p, '{')) != NULL;) {
		const char *e = strchr(p, '}');
		if (!e)
			break;
		if (keymap_aux(m, sv_make(p + 1, (size_t)(e - p - 1))) < 0)
			return -1;
		p = e + 1;
	}
	return 0;
}

int fmt_keymap_build(struct fmt_keymap *m, const struct pol_format *pf, struct diag *err)
{
	memset(m, 0, sizeof(*m));
	m->pf = pf;
	m->pgaudit = m->request_line = -1;
	for (size_t d = 0; d < sizeof(default_keys) / sizeof(default_keys[0]); d++) {
		unsigned target = default_keys[d].target;
		const struct pol_fieldmap *fm = fmt_fieldmap(pf, target);
		if (fm && fm->n) {
			for (unsigned i = 0; i < fm->n && i < POL_MAX_SOURCES; i++) {
				const struct pol_source *src = &fm->src[i];
				int rc = src->kind == PS_TEMPLATE
					? keymap_template(m, src->name, target, i)
					: keymap_add(m, sv_cstr(src->name), src->kind == PS_QUERY, target, i);
				if (rc)
					goto oom;
			}
			continue;
		}
		const char *s = default_keys[d].keys;
		unsigned prio = 0;
		while (*s) {
			size_t n = strcspn(s, " ");
			bool query = n > 6 && memcmp(s, "query:", 6) == 0;
			if (keymap_add(m, sv_make(s, n), query, target, prio++))
				goto oom;
			s += n;
			while (*s == ' ')
				s++;
		}
	}
	if (!pf)
		return 0;
	for (int k = 0; k < PC_COUNT; k++) {
		if (!pf->nconds[k])
			continue;
		m->conds[k] = calloc(pf->nconds[k], sizeof(*m->conds[k]));
		if (!m->conds[k])
			goto oom;
		for (size_t i = 0; i < pf->nconds[k]; i++) {
			int a = keymap_aux(m, sv_cstr(pf->conds[k][i].path));
			if (a < 0)
				goto oom;
			m->conds[k][i].aux = (unsigned char)a;
			m->conds[k][i].rx = pf->conds[k][i].rx;
		}
		m->nconds[k] = pf->nconds[k];
	}
	if (pf->pgaudit && (m->pgaudit = keymap_aux(m, sv_cstr(pf->pgaudit))) < 0)
		goto oom;
	if (pf->request_line && (m->request_line = keymap_aux(m, sv_cstr(pf->request_line))) < 0)
		goto oom;
	for (size_t i = 0; i < pf->nrequire; i++) {
		/* "a|b": either key will do. */
		for (const char *p = pf->require[i]; *p;) {
			size_t n = strcspn(p, "|");
			int a = m->nrequire < FMT_AUX_MAX ? keymap_aux(m, sv_make(p, n)) : -1;
			if (a < 0)
				goto oom;
			m->require_group[m->nrequire] = (unsigned char)i;
			m->require[m->nrequire++] = (unsigned char)a;
			p += n;
			if (*p == '|')
				p++;
		}
	}
	return 0;
oom:
	fmt_keymap_release(m);
	return diag_set(err, "format %s: out of memory, or more than %d keys for templates, conditions and require",
			pf ? pf->name : "json", FMT_AUX_MAX);
}

void fmt_keymap_release(struct fmt_keymap *m)
{
	free(m->keys);
	for (unsigned i = 0; i < m->naux; i++)
		free((char *)m->aux[i]);
	free(m->tmpl);
	for (int k = 0; k < PC_COUNT; k++)
		free(m->conds[k]);
	memset(m, 0, sizeof(*m));
}

void fmt_collect_init(struct fmt_collect *c)
{
	memset(c->val, 0, sizeof(c->val));
	memset(c->prio, 255, sizeof(c->prio));
}

bool fmt_keymap_offer(const struct fmt_keymap *m, struct fmt_collect *c, sv key, sv value)
{
	bool used = false;
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct fmt_key *k = &m->keys[i];
		if (k->query || !sv_eq(k->name, key))
			continue;
		used = true;
		if (value.n && k->prio < c->prio[k->target]) {
			c->val[k->target] = value;
			c->prio[k->target] = k->prio;
		}
	}
	return used;
}

/* A template rendered into scratch; empty unless every referenced key has a value. */
static sv render_template(const struct fmt_keymap *m, const struct fmt_collect *c, const char *text,
			  struct fmt_thread *t)
{
	size_t need = 0;
	for (const char *p = text; *p;) {
		if (*p != '{') {
			need++;
			p++;
			continue;
		}
		const char *e = strchr(p, '}');
		sv name = sv_make(p + 1, (size_t)(e - p - 1));
		sv v = SV_NULL;
		for (unsigned i = 0; i < m->naux; i++)
			if (sv_eq_cstr(name, m->aux[i]))
				v = c->val[FMT_T_COUNT + i];
		if (!v.n)
			return SV_NULL;
		need += v.n;
		p = e + 1;
	}
	char *o = fmt_scratch(t, need);
	if (!o)
		return SV_NULL;
	size_t k = 0;
	for (const char *p = text; *p;) {
		if (*p != '{') {
			o[k++] = *p++;
			continue;
		}
		const char *e = strchr(p, '}');
		sv name = sv_make(p + 1, (size_t)(e - p - 1));
		for (unsigned i = 0; i < m->naux; i++) {
			if (sv_eq_cstr(name, m->aux[i])) {
				sv v = c->val[FMT_T_COUNT + i];
				memcpy(o + k, v.p, v.n);
				k += v.n;
				break;
			}
		}
		p = e + 1;
	}
	return sv_make(o, k);
}

/* nginx's $request, "GET /a?b=1 HTTP/1.1": action, resource and protocol where not mapped. */
static void request_line(struct fmt_collect *c, sv req)
{
	sv s = req, method, uri, proto = SV_NULL;
	if (!fmt_take_token(&s, &method) || !s.n)
		return;
	fmt_adv(&s, 1);
	if (!fmt_take_token(&s, &uri))
		return;
	if (s.n > 1)
		proto = sv_make(s.p + 1, s.n - 1);
	if (!c->val[EVF_ACTION].n)
		c->val[EVF_ACTION] = method;
	if (!c->val[EVF_RESOURCE].n)
		c->val[EVF_RESOURCE] = uri;
	if (!c->val[EVF_PROTOCOL].n)
		c->val[EVF_PROTOCOL] = proto;
}

void fmt_cond_hit(enum pol_cond_kind kind, struct event *ev)
{
	switch (kind) {
	case PC_DENIED:
		if (ev->status < 400 || ev->status >= 500)
			ev->status = 403;
		break;
	case PC_FAILED:
		if (ev->status < 400)
			ev->status = 400;
		break;
	default:
		ev->skip = true;
		break;
	}
}

bool fmt_keymap_apply(const struct fmt_keymap *m, struct fmt_collect *c, struct event *ev,
		      struct fmt_thread *t)
{
	sv res = c->val[EVF_RESOURCE];
	/* Keys of one target are in priority order, so the first non-empty query source wins. */
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct fmt_key *k = &m->keys[i];
		if (!k->query || k->target == EVF_RESOURCE || k->prio >= c->prio[k->target])
			continue;
		sv v = fmt_query_param(res, k->name, t);
		if (v.n) {
			c->val[k->target] = v;
			c->prio[k->target] = k->prio;
		}
	}
	for (size_t i = 0; i < m->ntmpl; i++) {
		const struct fmt_tmpl *tm = &m->tmpl[i];
		if (tm->prio >= c->prio[tm->target])
			continue;
		sv v = render_template(m, c, tm->text, t);
		if (v.n) {
			c->val[tm->target] = v;
			c->prio[tm->target] = tm->prio;
		}
	}
	if (m->request_line >= 0 && c->val[m->request_line].n)
		request_line(c, c->val[m->request_line]);
	sv pga = m->pgaudit >= 0 ? c->val[m->pgaudit] : SV_NULL;
	if (t) {
		/*
		 * Evidence is the format's own keys: where a rule maps the time,
		 * a wrapper's time does not stand in for it, and where it maps the
		 * resource or action, the default keys of the others do not count.
		 */
		const struct pol_format *pf = m->pf;
		bool map_t = pf && pf->time_field.n;
		bool map_r = pf && pf->fields[EVF_RESOURCE].n, map_a = pf && pf->fields[EVF_ACTION].n;
		bool ra = (map_r || map_a)
			? (map_r && c->val[EVF_RESOURCE].n) || (map_a && c->val[EVF_ACTION].n)
			: c->val[EVF_RESOURCE].n || c->val[EVF_ACTION].n;
		bool ev_ok = (c->val[FMT_T_TIME].n || (!map_t && t->outer_time)) && (ra || pga.n);
		for (unsigned i = 0; i < m->nrequire && ev_ok;) {
			bool any = false;
			unsigned g = m->require_group[i];
			for (; i < m->nrequire && m->require_group[i] == g; i++)
				any |= c->val[m->require[i]].n > 0;
			ev_ok = any;
		}
		t->evidence = ev_ok;
	}
	if (!fmt_values_apply(m->pf, c->val, ev))
		return false;
	/*
	 * A server message that carries no pgAudit record (connections,
	 * checkpoints) is no access: skipped, as a syslog line of a program
	 * that logs none.
	 */
	if (pga.n && !fmt_pgaudit_record(m->pf, pga, ev, t)) {
		ev_add_extra(ev, SV_LIT("message"), pga);
		ev->skip = true;
	}
	for (int k = 0; k < PC_COUNT; k++) {
		for (size_t i = 0; i < m->nconds[k]; i++) {
			sv v = c->val[m->conds[k][i].aux];
			if (v.n && t && rx_match(m->conds[k][i].rx, v, t->rx) == 1) {
				fmt_cond_hit((enum pol_cond_kind)k, ev);
				break;
			}
		}
	}
	return true;
}

bool fmt_values_apply(const struct pol_format *pf, const sv *val, struct event *ev)
{
	for (int f = 0; f < EVF_COUNT; f++)
		ev->f[f] = val[f];
	sv res = val[EVF_RESOURCE];
	if (ev->f[EVF_SCHEME].n == 0 && res.n > 7) {
		if (sv_eq_nocase(sv_make(res.p, 7), SV_LIT("http://")))
			ev->f[EVF_SCHEME] = sv_make(res.p, 4);
		else if (res.n > 8 && sv_eq_nocase(sv_make(res.p, 8), SV_LIT("https://")))
			ev->f[EVF_SCHEME] = sv_make(res.p, 5);
	}
	if (val[FMT_T_TIME].n && !fmt_event_time(pf, val[FMT_T_TIME], ev))
		return false;
	if (val[FMT_T_STATUS].n) {
		int64_t st = fmt_num(val[FMT_T_STATUS]);
		ev->status = st > 9999 ? -1 : (int)st;
	}
	if (val[FMT_T_BYTES].n)
		ev->bytes = fmt_num(val[FMT_T_BYTES]);
	if (val[FMT_T_RECORDS].n)
		ev->records = fmt_num(val[FMT_T_RECORDS]);
	ev->action = fmt_map_action(pf, ev->f[EVF_ACTION]);
	return true;
}

/* ---- the set ----------------------------------------------------------- */

/* Built-ins, most specific first (the tie order of detection). */
static const struct {
	const char *name;
	bool multiline;
	bool (*parse)(const struct fmt *, sv, struct event *, struct fmt_thread *);
	bool keymap;
	bool header;
} builtins[] = {
	{ "w3c", false, fmt_w3c_parse, false, true },
	{ "zeek-http", false, fmt_zeek_parse, false, true },
	{ "vhost_combined", false, fmt_clf_vhost_parse, false, false },
	{ "combined", false, fmt_clf_combined_parse, false, false },
	{ "common", false, fmt_clf_common_parse, false, false },
	{ "pgaudit", true, fmt_pgaudit_parse, false, false },
	{ "json", false, fmt_json_parse, true, false },
	{ "logfmt", false, fmt_logfmt_parse, true, false },
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

bool fmt_is_builtin(sv name)
{
	if (sv_eq_cstr(name, "syslog"))
		return true;
	for (size_t i = 0; i < NBUILTINS; i++)
		if (sv_eq_cstr(name, builtins[i].name))
			return true;
	return false;
}

void fmt_set_free(struct fmt_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct fmt_slot *sl = &s->slots[i];
		if (sl->kind == FK_REGEX)
			fmt_regex_free(sl->f.impl);
		else if (sl->kind == FK_KEYMAP) {
			fmt_keymap_release(sl->f.impl);
			free(sl->f.impl);
		}
		free(sl->owned_name);
	}
	fmt_keymap_release(&s->defaults);
	if (s->sources)
		policy_free(s->sources);
	free(s->slots);
	free(s);
}

static int add_rule_format(struct fmt_set *s, const struct pol_format *pf, struct diag *err)
{
	struct fmt_slot *sl = &s->slots[s->n];
	memset(sl, 0, sizeof(*sl));
	sl->f.name = pf->name;
	sl->f.pf = pf;
	sl->f.wrapper = pf->wrapper;
	switch (pf->type) {
	case PF_REGEX:
		if (pf->pattern) {
			sl->f.parse = fmt_regex_parse;
			sl->f.multiline = pf->multiline != POL_ML_NONE;
			sl->f.csv_continuation = pf->multiline == POL_ML_CSV;
			sl->kind = FK_REGEX;
			sl->f.impl = fmt_regex_build(pf, err);
			if (!sl->f.impl)
				return -1;
		} else if (pf->prefix) {
			/* A pgAudit log with its own log_line_prefix. */
			sl->f.parse = fmt_pgaudit_parse;
			sl->f.multiline = true;
			sl->kind = FK_BUILTIN;
		} else {
			return diag_set(err, "%s:%d: format %s has no pattern", pf->loc.file ? pf->loc.file : "?",
					pf->loc.line, pf->name);
		}
		break;
	case PF_JSON:
	case PF_LOGFMT: {
		struct fmt_keymap *m = malloc(sizeof(*m));
		if (!m)
			return diag_set(err, "out of memory");
		if (fmt_keymap_build(m, pf, err)) {
			free(m);
			return -1;
		}
		sl->f.parse = pf->type == PF_JSON ? fmt_json_parse : fmt_logfmt_parse;
		sl->kind = FK_KEYMAP;
		sl->f.impl = m;
		sl->f.needs_evidence = true;
		break;
	}
	default:
		return diag_set(err, "format %s: unknown type", pf->name);
	}
	s->n++;
	return 0;
}

static int add_syslog(struct fmt_set *s, const struct fmt *inner, struct diag *err)
{
	struct fmt_slot *sl = &s->slots[s->n];
	memset(sl, 0, sizeof(*sl));
	sl->is_syslog = true;
	sl->kind = FK_BUILTIN;
	sl->f.parse = fmt_syslog_parse;
	if (inner) {
		size_t n = strlen(inner->name) + 8;
		sl->owned_name = malloc(n);
		if (!sl->owned_name)
			return diag_set(err, "out of memory");
		snprintf(sl->owned_name, n, "syslog+%s", inner->name);
		sl->f.name = sl->owned_name;
		sl->f.inner = inner;
		sl->f.pf = inner->pf;
		sl->f.needs_evidence = inner->needs_evidence;
	} else {
		sl->f.name = "syslog";
		sl->f.impl = s;
	}
	s->n++;
	return 0;
}

/*
 * "cri+NAME" / "docker+NAME": plain's parser behind a container wrapper.
 * Not for multi-line formats (a wrapper frames each line on its own), for
 * formats that already name a wrapper, nor for header formats.
 */
static int add_wrapped(struct fmt_set *s, const struct fmt *plain, int wrapper, struct diag *err)
{
	if (plain->multiline || plain->wrapper || plain->header)
		return 0;
	struct fmt_slot *sl = &s->slots[s->n];
	memset(sl, 0, sizeof(*sl));
	sl->kind = FK_BUILTIN;	/* shares plain's impl */
	sl->f = *plain;
	sl->f.wrapper = (unsigned char)wrapper;
	const char *w = fmt_wrapper_name(wrapper);
	size_t n = strlen(plain->name) + strlen(w) + 2;
	sl->owned_name = malloc(n);
	if (!sl->owned_name)
		return diag_set(err, "out of memory");
	snprintf(sl->owned_name, n, "%s+%s", w, plain->name);
	sl->f.name = sl->owned_name;
	s->n++;
	return 0;
}

struct fmt_set *fmt_set_new(const struct policy *pol, struct diag *err)
{
	size_t nrule = pol ? pol->nformats : 0;
	struct fmt_set *s = calloc(1, sizeof(*s));
	if (!s) {
		diag_set(err, "out of memory");
		return NULL;
	}
	s->sources = rules_load_builtin("built-in sources", src_rules, err);
	if (!s->sources) {
		fmt_set_free(s);
		return NULL;
	}
	size_t nsrc = s->sources->nformats;
	/*
	 * Every plain format once, wrapped in syslog, CRI and Docker once
	 * each, plus per-line syslog.
	 */
	s->slots = calloc(4 * (nrule + nsrc + NBUILTINS) + 1, sizeof(*s->slots));
	if (!s->slots || fmt_keymap_build(&s->defaults, NULL, err)) {
		if (!s->slots)
			diag_set(err, "out of memory");
		fmt_set_free(s);
		return NULL;
	}
	/* The user's formats, then the built-in sources, then the web and generic formats. */
	for (size_t i = 0; i < nrule + nsrc; i++) {
		const struct pol_format *pf = i < nrule ? &pol->formats[i] : &s->sources->formats[i - nrule];
		if (add_rule_format(s, pf, err)) {
			fmt_set_free(s);
			return NULL;
		}
	}
	for (size_t i = 0; i < NBUILTINS; i++) {
		struct fmt_slot *sl = &s->slots[s->n++];
		sl->kind = FK_BUILTIN;
		sl->f.name = builtins[i].name;
		sl->f.multiline = builtins[i].multiline;
		sl->f.parse = builtins[i].parse;
		sl->f.header = builtins[i].header;
		if (builtins[i].keymap) {
			sl->f.impl = &s->defaults;
			sl->f.needs_evidence = true;
		}
	}
	size_t nplain = s->n;
	/* `fallback = NAME`: resolved before the wrapped copies are made. */
	for (size_t i = 0; i < nplain; i++) {
		const struct pol_format *pf = s->slots[i].f.pf;
		if (!pf || !pf->fallback)
			continue;
		const struct fmt *fb = fmt_by_name(s, pf->fallback);
		if (!fb || fb == &s->slots[i].f || fb->fallback || fb->wrapper) {
			diag_set(err, "%s:%d: [format %s]: fallback '%s' is no other plain format without a fallback",
				 pf->loc.file ? pf->loc.file : "?", pf->loc.line, pf->name, pf->fallback);
			fmt_set_free(s);
			return NULL;
		}
		s->slots[i].f.fallback = fb;
	}
	for (size_t i = 0; i < nplain; i++) {
		if (s->slots[i].f.header)
			continue;	/* a header's lines are the file's own, not a wrapper's */
		if (add_syslog(s, &s->slots[i].f, err)) {
			fmt_set_free(s);
			return NULL;
		}
	}
	for (int w = FMT_WRAP_CRI; w <= FMT_WRAP_DOCKER; w++) {
		for (size_t i = 0; i < nplain; i++) {
			if (add_wrapped(s, &s->slots[i].f, w, err)) {
				fmt_set_free(s);
				return NULL;
			}
		}
	}
	if (add_syslog(s, NULL, err)) {
		fmt_set_free(s);
		return NULL;
	}
	return s;
}

const struct fmt *fmt_by_name(const struct fmt_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->slots[i].f.name, name) == 0)
			return &s->slots[i].f;
	return NULL;
}

size_t fmt_names(const struct fmt_set *s, const char **names, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n && k < max; i++)
		names[k++] = s->slots[i].f.name;
	return k;
}

/* Clear ev for another attempt, keeping where it came from. */
void fmt_ev_clear(struct event *ev)
{
	sv raw = ev->raw;
	uint32_t file = ev->file;
	uint64_t line = ev->line;
	ev_reset(ev);
	ev->raw = raw;
	ev->file = file;
	ev->line = line;
}

bool fmt_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	fmt_ev_clear(ev);
	t->used = 0;
	t->outer_time = false;
	t->evidence = false;
	if (line.n && line.p[line.n - 1] == '\r')
		line.n--;
	/* A UTF-8 byte order mark some Windows tools put before the first line. */
	if (line.n >= 3 && memcmp(line.p, "\xEF\xBB\xBF", 3) == 0) {
		line.p += 3;
		line.n -= 3;
	}
	return fmt_call(f, line, ev, t);
}

bool fmt_set_parse_any(const struct fmt_set *s, sv line, struct event *ev, struct fmt_thread *t)
{
	size_t mark = t->used;
	bool found = false;
	t->any_format = true;
	for (size_t i = 0; i < s->n && !found; i++) {
		const struct fmt_slot *sl = &s->slots[i];
		if (sl->is_syslog || sl->f.header)
			continue;
		found = fmt_call(&sl->f, line, ev, t);
		if (!found) {
			fmt_ev_clear(ev);
			t->used = mark;
		}
	}
	t->any_format = false;
	return found;
}

bool fmt_odd_quotes(sv s)
{
	bool odd = false;
	for (const char *p = s.p, *e = s.p + s.n; (p = memchr(p, '"', (size_t)(e - p))) != NULL; p++)
		odd = !odd;
	return odd;
}

/*
 * A csv_continuation format's records span lines: the sample's lines are
 * joined while a quote is open, as the reader joins them, and a record that
 * parses counts for each of its lines.
 */
static size_t detect_joined(const struct fmt *f, const sv *lines, size_t n, struct fmt_thread *t)
{
	struct buf rec = BUF_INIT;
	struct event ev;
	size_t ok = 0;
	for (size_t j = 0, k; j < n; j = k) {
		bool open = false;
		buf_reset(&rec);
		for (k = j; k == j || (open && k < n); k++) {
			if (k > j)
				buf_addc(&rec, '\n');
			buf_addsv(&rec, lines[k]);
			open ^= fmt_odd_quotes(lines[k]);
		}
		ev_reset(&ev);
		if (!rec.err && fmt_parse(f, buf_sv(&rec), &ev, t) && (!f->needs_evidence || t->evidence))
			ok += k - j;
	}
	buf_release(&rec);
	return ok;
}

const struct fmt *fmt_detect(const struct fmt_set *s, const sv *lines, size_t n,
			     struct fmt_thread *t)
{
	const struct fmt *best = NULL;
	size_t best_n = 0, best_quiet = 0;
	struct event ev;
	for (size_t i = 0; i < s->n; i++) {
		const struct fmt *f = &s->slots[i].f;
		size_t ok = 0, quiet = 0;
		if (f->pf && f->pf->npaths)
			continue;	/* reads only the inputs its `paths` name */
		if (f->csv_continuation)
			ok = detect_joined(f, lines, n, t);
		for (size_t j = 0; j < n && !f->csv_continuation; j++) {
			ev_reset(&ev);
			if (!fmt_parse(f, lines[j], &ev, t))
				continue;
			if (!f->needs_evidence || t->evidence)
				ok++;
			else if (ev.skip)
				quiet++;	/* the program's own diagnostic line (format_json.c) */
		}
		/* Strictly more: earlier slots win ties (rule-defined, then more specific). */
		if (ok > best_n) {
			best = f;
			best_n = ok;
			best_quiet = quiet;
		}
	}
	/*
	 * A format must read at least half of the sample: binary junk or prose
	 * in which a few lines happen to look like key=value is no log, and
	 * reporting it as "not read" (exit 3) beats auditing noise.  Lines the
	 * format itself recognises as its program's diagnostics (a plugin's
	 * "DEBUG: ..." between JSON access records) are neither: a proxy at
	 * debug level may print more of them than records, and the reader
	 * skips them just the same once the format is chosen.
	 */
	if (best_n == 0 || best_n * 2 < n - best_quiet)
		return NULL;
	return best;
}

const struct fmt *fmt_for_path(const struct fmt_set *s, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < s->n; i++) {
		const struct fmt *f = &s->slots[i].f;
		if (!f->pf || !f->pf->npaths || strcmp(f->name, f->pf->name) != 0)
			continue;
		for (size_t j = 0; j < f->pf->npaths; j++)
			if (fnmatch(f->pf->paths[j], path, 0) == 0 || fnmatch(f->pf->paths[j], base, 0) == 0)
				return f;
	}
	return NULL;
}
