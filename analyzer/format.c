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
#include "format_impl.h"

#include <stdio.h>
#include <stdlib.h>

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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

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
		int h, l;
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < v.n && (h = hexval(v.p[i + 1])) >= 0 &&
			   (l = hexval(v.p[i + 2])) >= 0) {
			c = (char)(h * 16 + l);
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

enum ev_action fmt_default_action(sv raw)
{
	static const struct {
		const char *name;
		enum ev_action a;
	} table[] = {
		{ "GET", EV_READ }, { "HEAD", EV_READ }, { "POST", EV_WRITE },
		{ "PUT", EV_WRITE }, { "PATCH", EV_WRITE }, { "DELETE", EV_DELETE },
		{ "SELECT", EV_READ }, { "READ", EV_READ }, { "INSERT", EV_WRITE },
		{ "UPDATE", EV_WRITE }, { "WRITE", EV_WRITE },
	};
	if (raw.n == 0)
		return EV_OTHER;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (sv_eq_nocase(raw, sv_cstr(table[i].name)))
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
	if (pf && pf->time_fmt)
		return tu_fmt_parse(pf->time_fmt, s, out);
	return tu_parse_any(s, out);
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

static int keymap_add(struct fmt_keymap *m, size_t *cap, sv name, bool query, unsigned target,
		      unsigned prio)
{
	if (m->nkeys == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct fmt_key *k = realloc(m->keys, nc * sizeof(*k));
		if (!k)
			return -1;
		m->keys = k;
		*cap = nc;
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

int fmt_keymap_build(struct fmt_keymap *m, const struct pol_format *pf, struct diag *err)
{
	size_t cap = 0;
	memset(m, 0, sizeof(*m));
	m->pf = pf;
	for (size_t d = 0; d < sizeof(default_keys) / sizeof(default_keys[0]); d++) {
		unsigned target = default_keys[d].target;
		const struct pol_fieldmap *fm = fmt_fieldmap(pf, target);
		if (fm && fm->n) {
			for (unsigned i = 0; i < fm->n && i < POL_MAX_SOURCES; i++) {
				const struct pol_source *src = &fm->src[i];
				if (keymap_add(m, &cap, sv_cstr(src->name), src->kind == PS_QUERY, target, i))
					goto oom;
			}
			continue;
		}
		const char *s = default_keys[d].keys;
		unsigned prio = 0;
		while (*s) {
			size_t n = strcspn(s, " ");
			bool query = n > 6 && memcmp(s, "query:", 6) == 0;
			if (keymap_add(m, &cap, sv_make(s, n), query, target, prio++))
				goto oom;
			s += n;
			while (*s == ' ')
				s++;
		}
	}
	return 0;
oom:
	fmt_keymap_release(m);
	return diag_set(err, "out of memory building format %s", pf ? pf->name : "json");
}

void fmt_keymap_release(struct fmt_keymap *m)
{
	free(m->keys);
	m->keys = NULL;
	m->nkeys = 0;
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
	if (t)
		t->evidence = (c->val[FMT_T_TIME].n || t->outer_time) &&
			      (c->val[EVF_RESOURCE].n || c->val[EVF_ACTION].n);
	return fmt_values_apply(m->pf, c->val, ev);
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
	if (val[FMT_T_TIME].n) {
		if (!fmt_parse_time(pf, val[FMT_T_TIME], &ev->time))
			return false;
		ev->has_time = true;
	}
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
} builtins[] = {
	{ "vhost_combined", false, fmt_clf_vhost_parse, false },
	{ "combined", false, fmt_clf_combined_parse, false },
	{ "common", false, fmt_clf_common_parse, false },
	{ "pgaudit", true, fmt_pgaudit_parse, false },
	{ "json", false, fmt_json_parse, true },
	{ "logfmt", false, fmt_logfmt_parse, true },
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

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
 * Not for multi-line formats (a wrapper frames each line on its own) nor
 * for formats that already name a wrapper.
 */
static int add_wrapped(struct fmt_set *s, const struct fmt *plain, int wrapper, struct diag *err)
{
	if (plain->multiline || plain->wrapper)
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
	/*
	 * Every plain format once, wrapped in syslog, CRI and Docker once
	 * each, plus per-line syslog.
	 */
	s->slots = calloc(4 * (nrule + NBUILTINS) + 1, sizeof(*s->slots));
	if (!s->slots || fmt_keymap_build(&s->defaults, NULL, err)) {
		if (!s->slots)
			diag_set(err, "out of memory");
		fmt_set_free(s);
		return NULL;
	}
	for (size_t i = 0; i < nrule; i++) {
		if (add_rule_format(s, &pol->formats[i], err)) {
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
		if (builtins[i].keymap) {
			sl->f.impl = &s->defaults;
			sl->f.needs_evidence = true;
		}
	}
	size_t nplain = s->n;
	for (size_t i = 0; i < nplain; i++) {
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
static void ev_clear(struct event *ev)
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
	ev_clear(ev);
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
	for (size_t i = 0; i < s->n; i++) {
		const struct fmt_slot *sl = &s->slots[i];
		if (sl->is_syslog)
			continue;
		if (fmt_call(&sl->f, line, ev, t))
			return true;
		ev_clear(ev);
		t->used = mark;
	}
	return false;
}

const struct fmt *fmt_detect(const struct fmt_set *s, const sv *lines, size_t n,
			     struct fmt_thread *t)
{
	const struct fmt *best = NULL;
	size_t best_n = 0;
	struct event ev;
	for (size_t i = 0; i < s->n; i++) {
		const struct fmt *f = &s->slots[i].f;
		size_t ok = 0;
		for (size_t j = 0; j < n; j++) {
			ev_reset(&ev);
			if (fmt_parse(f, lines[j], &ev, t) && (!f->needs_evidence || t->evidence))
				ok++;
		}
		/* Strictly more: earlier slots win ties (rule-defined, then more specific). */
		if (ok > best_n) {
			best = f;
			best_n = ok;
		}
	}
	/*
	 * A format must read at least half of the sample: binary junk or prose
	 * in which a few lines happen to look like key=value is no log, and
	 * reporting it as "not read" (exit 3) beats auditing noise.
	 */
	if (best_n * 2 < n)
		return NULL;
	return best;
}
