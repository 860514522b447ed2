/* pseudo.c - keyed pseudonyms for users and subjects (see pseudo.h). */
#include "common.h"

#include "pseudo.h"
#include "filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "digest.h"
#include "strmap.h"

#define KEY_MIN 16
#define KEY_MAX 4096

struct psd {
	unsigned char key[KEY_MAX];
	size_t klen;
};

struct psd *psd_load(const char *path, struct diag *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_set(err, "%s: cannot read the pseudonymisation key: %s", path, strerror(errno));
		return NULL;
	}
	struct psd *p = calloc(1, sizeof(*p));
	if (!p) {
		fclose(f);
		diag_set(err, "out of memory");
		return NULL;
	}
	p->klen = fread(p->key, 1, sizeof(p->key), f);
	bool more = fgetc(f) != EOF;
	bool bad = ferror(f);
	fclose(f);
	if (bad || more || p->klen < KEY_MIN) {
		diag_set(err, "%s: a pseudonymisation key is %d to %d bytes (e.g. head -c 32 /dev/urandom)",
			 path, KEY_MIN, KEY_MAX);
		free(p);
		return NULL;
	}
	return p;
}

void psd_free(struct psd *p)
{
	if (p)
		memset(p->key, 0, sizeof(p->key));
	free(p);
}

void psd_name(const struct psd *p, const char *kind, sv id, char *out, size_t cap)
{
	struct buf msg = BUF_INIT;
	char hex[65];
	/* The kind is part of the message: a user and a subject with one id differ. */
	buf_adds(&msg, kind);
	buf_addc(&msg, '\0');
	buf_addsv(&msg, id);
	dg_hmac_hex(p->key, p->klen, msg.p, msg.len, hex);
	buf_release(&msg);
	snprintf(out, cap, "%s-%.10s", kind, hex);
}

/*
 * The identifiers of a run and their pseudonyms, found in any text by
 * their first run of letters and digits (lower-cased), so one pass over a
 * string finds every id however many there are: "/5012.html",
 * "for-5013-mrossi", "MROSSI" all hold one (issue 16 case 7).  An id
 * matches where it is not part of a longer run of letters and digits.
 */
struct psd_ent {
	const char *kind;	/* "user", "subject", "src" (a literal) */
	sv id;			/* in the map's arena */
	char name[48];		/* its pseudonym */
	size_t next;		/* index + 1 of the next id with the same first run */
	size_t skip;		/* bytes of the id before its first letter or digit */
};

struct psd_map {
	struct psd key;		/* a copy: addresses are named as they are found */
	struct strmap by_run;	/* lower-cased first run -> index + 1 of a chain */
	struct strmap seen;	/* "kind\0id" already in */
	struct psd_ent *v;
	size_t n, cap;
	struct arena a;
};

static bool alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

static size_t lower_run(const char *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	while (k < n && k < cap && alnum(p[k])) {
		out[k] = (char)tolower((unsigned char)p[k]);
		k++;
	}
	return k;
}

/* Add id of kind; its pseudonym is name, or made with p when name is NULL. */
static void map_add(struct psd_map *m, const struct psd *p, const char *kind, sv id,
		    const char *name)
{
	char key[300], run[256];
	size_t skip = 0, k;
	bool created;

	if (sv_is_dash_or_empty(id) || id.n > 256)
		return;	/* anonymous stays anonymous: that is the finding */
	snprintf(key, sizeof(key), "%s%c%.*s", kind, 0, (int)id.n, id.p);
	/* Out of memory: the x* tier's exit 3, as for m->v (an id left unmapped would leak). */
	if (!strmap_put(&m->seen, sv_make(key, strlen(kind) + 1 + id.n), 0, &created))
		xalloc_oom(id.n);
	if (!created)
		return;
	while (skip < id.n && !alnum(id.p[skip]))
		skip++;
	k = lower_run(id.p + skip, id.n - skip, run, sizeof(run));
	if (!k)
		return;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = xreallocarray(m->v, m->cap, sizeof(*m->v));
	}
	struct psd_ent *e = &m->v[m->n];
	e->kind = kind;
	e->id = arena_sv(&m->a, id);
	e->skip = skip;
	if (name)
		snprintf(e->name, sizeof(e->name), "%s", name);
	else
		psd_name(p, kind, id, e->name, sizeof(e->name));
	uintptr_t *head = strmap_put(&m->by_run, sv_make(run, k), 0, &created);
	if (!head)
		xalloc_oom(k);
	e->next = *head;
	*head = ++m->n;
}

static size_t addr_at(sv s, size_t i);

void psd_map_add(struct psd_map *m, const struct psd *p, const char *kind, sv id)
{
	map_add(m, p, kind, id, NULL);
}

void psd_map_add_event(struct psd_map *m, const struct event *ev)
{
	map_add(m, &m->key, "user", ev->f[EVF_USER], NULL);
	map_add(m, &m->key, "subject", ev->f[EVF_SUBJECT], NULL);
	/*
	 * An address is recognised as one wherever it is written: kept out of
	 * the map, whose lookup walks the ids sharing a first run ("10" of
	 * every 10.x.y.z would make each lookup walk them all).
	 */
	sv src = ev->f[EVF_SRC];
	if (!src.n || addr_at(src, 0) != src.n)
		map_add(m, &m->key, "src", src, NULL);
}

void psd_map_merge(struct psd_map *m, const struct psd_map *from)
{
	for (size_t i = 0; i < from->n; i++)
		map_add(m, &m->key, from->v[i].kind, from->v[i].id, from->v[i].name);
}

void psd_maps_init(struct psd_maps *c, const struct psd *p, unsigned nw)
{
	c->n = nw ? nw : 1;
	c->v = xcalloc(c->n, sizeof(*c->v));
	for (unsigned i = 0; i < c->n; i++)
		c->v[i] = psd_map_new(p, NULL, NULL);
}

void psd_collect(struct psd_maps *c, unsigned worker, const struct event *ev,
		 const struct eng_verdict *v)
{
	(void)v;
	if (worker < c->n)
		psd_map_add_event(c->v[worker], ev);
}

void psd_maps_join(const struct psd_maps *c, struct psd_map *m)
{
	for (unsigned i = 0; i < c->n; i++)
		psd_map_merge(m, c->v[i]);
}

void psd_maps_release(struct psd_maps *c)
{
	for (unsigned i = 0; i < c->n; i++)
		psd_map_free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The entry of the id at s[i..] (i starts a run), its length in *len, or NULL. */
static const struct psd_ent *map_find(const struct psd_map *m, sv s, size_t i, size_t *len)
{
	char run[256];
	size_t k = lower_run(s.p + i, s.n - i, run, sizeof(run));
	uintptr_t *head = strmap_get(&m->by_run, sv_make(run, k));

	for (size_t x = head ? *head : 0; x; x = m->v[x - 1].next) {
		const struct psd_ent *e = &m->v[x - 1];
		size_t from = i - (i >= e->skip ? e->skip : i);
		if (i < e->skip || from + e->id.n > s.n ||
		    strncasecmp(s.p + from, e->id.p, e->id.n) != 0)
			continue;
		if (from + e->id.n < s.n && alnum(s.p[from + e->id.n]) && alnum(e->id.p[e->id.n - 1]))
			continue;	/* "5012" inside "50123" */
		*len = e->id.n;
		return e;
	}
	return NULL;
}

/* Whether c may be part of a written address: hex digits, '.', ':'. */
static bool addr_char(char c)
{
	return isxdigit((unsigned char)c) || c == '.' || c == ':';
}

/* The length of the dotted IPv4 address at s[i..], or 0. */
static size_t ipv4_at(sv s, size_t i)
{
	size_t e = i;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t d = 0;
		if (part) {
			if (e >= s.n || s.p[e] != '.')
				return 0;
			e++;
		}
		while (e < s.n && d < 4 && isdigit((unsigned char)s.p[e])) {
			v = v * 10 + (unsigned)(s.p[e++] - '0');
			d++;
		}
		if (!d || d > 3 || v > 255)
			return 0;
	}
	/* Not part of a longer dotted number ("1.2.3.4.5") or word ("1.2.3.4a"). */
	if (e < s.n && (alnum(s.p[e]) || (s.p[e] == '.' && e + 1 < s.n &&
					   isdigit((unsigned char)s.p[e + 1]))))
		return 0;
	return e - i;
}

/* The length of the IPv6 address at s[i..] (as inet_pton(3) reads one), or 0. */
static size_t ipv6_at(sv s, size_t i)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	size_t e = i, colons = 0;
	bool hex = false;

	while (e < s.n && addr_char(s.p[e]) && e - i < sizeof(tmp) - 1) {
		colons += s.p[e] == ':';
		hex |= s.p[e] != ':' && s.p[e] != '.';
		e++;
	}
	if (colons < 2 || !hex || (e < s.n && (alnum(s.p[e]) || addr_char(s.p[e]))))
		return 0;
	/* A sentence's full stop or a list's colon after the address is not in it. */
	for (int trim = 0; trim < 2 && e > i; trim++) {
		memcpy(tmp, s.p + i, e - i);
		tmp[e - i] = '\0';
		if (inet_pton(AF_INET6, tmp, bin) == 1)
			return e - i;
		if (s.p[e - 1] != '.' && s.p[e - 1] != ':')
			break;
		e--;
	}
	return 0;
}

/*
 * The length of the IP address written at s[i..], or 0: source addresses
 * are personal data wherever a report quotes them, also in lines whose
 * event never parsed (so never reached the map).  It must not continue a
 * longer run of letters, digits, dots or colons.
 */
static size_t addr_at(sv s, size_t i)
{
	if (i > 0 && (alnum(s.p[i - 1]) || s.p[i - 1] == '.' || s.p[i - 1] == ':'))
		return 0;
	size_t n = ipv6_at(s, i);
	return n ? n : ipv4_at(s, i);
}

bool psd_map_buf(const struct psd_map *m, sv s, struct buf *out)
{
	size_t copied = 0, i = 0, len = 0;
	bool changed = false;
	char name[48];

	while (i < s.n) {
		bool run = alnum(s.p[i]) && (i == 0 || !alnum(s.p[i - 1]));
		if (run || s.p[i] == ':') {
			const struct psd_ent *e = run ? map_find(m, s, i, &len) : NULL;
			size_t from = e ? i - e->skip : i;
			size_t alen = addr_at(s, i);
			const char *to = e ? e->name : NULL;
			if (alen && (!e || (e->skip == 0 && alen > len))) {
				/* An address the map does not hold whole: named as src values are. */
				psd_name(&m->key, "src", sv_make(s.p + i, alen), name, sizeof(name));
				to = name;
				from = i;
				len = alen;
			}
			if (to && from >= copied) {
				buf_add(out, s.p + copied, from - copied);
				buf_adds(out, to);
				copied = i = from + len;
				changed = true;
				continue;
			}
		}
		i++;
	}
	if (changed)
		buf_add(out, s.p + copied, s.n - copied);
	return changed;
}

sv psd_map_text(const struct psd_map *m, sv s, struct arena *a)
{
	struct buf b = BUF_INIT;

	if (!psd_map_buf(m, s, &b)) {
		buf_release(&b);
		return s;
	}
	sv r = arena_sv(a, buf_sv(&b));
	buf_release(&b);
	return r;
}

struct psd_map *psd_map_new(const struct psd *p, const struct aud_result *res,
			    const struct filter *f)
{
	struct psd_map *m = xcalloc(1, sizeof(*m));

	m->key = *p;
	m->by_run = (struct strmap)STRMAP_INIT;
	m->seen = (struct strmap)STRMAP_INIT;
	m->a = (struct arena)ARENA_INIT;
	/* One reading, in list order (a spilled list's read error stays in fnd_error). */
	struct fnd_iter it;
	const struct finding *fd;
	if (res)
		for (fnd_iter_start(&res->findings, &it); (fd = fnd_iter_next(&it));) {
			psd_map_add(m, p, "user", fd->user);
			psd_map_add(m, p, "subject", fd->subject);
		}
	for (size_t i = 0; f && i < f->nusers; i++)
		psd_map_add(m, p, "user", sv_cstr(f->users[i]));
	for (size_t i = 0; f && i < f->nsubjects; i++)
		psd_map_add(m, p, "subject", sv_cstr(f->subjects[i]));
	return m;
}

void psd_map_free(struct psd_map *m)
{
	if (!m)
		return;
	memset(m->key.key, 0, sizeof(m->key.key));
	strmap_release(&m->by_run);
	strmap_release(&m->seen);
	arena_release(&m->a);
	free(m->v);
	free(m);
}

/* A fnd_rewrite() edit: every string of f that may name someone (ctx: the map). */
static void edit_finding(void *ctx, struct finding *f, struct arena *a)
{
	const struct psd_map *m = ctx;
	f->user = psd_map_text(m, f->user, a);
	f->subject = psd_map_text(m, f->subject, a);
	f->evidence = psd_map_text(m, f->evidence, a);
	f->detail = psd_map_text(m, f->detail, a);
	f->resource = psd_map_text(m, f->resource, a);
	f->reason = psd_map_text(m, f->reason, a);
}

int psd_apply(const struct psd_map *m, struct aud_result *res)
{
	struct arena *a = &res->arena;

	/* Unparsed and overlong lines quote the log: the same ids are in them. */
	for (size_t i = 0; i < res->ninputs; i++) {
		struct aud_input *in = &res->inputs[i];
		for (size_t k = 0; k < in->nunparsed_ex && k < AUD_EXAMPLES; k++)
			in->unparsed_ex[k].text = psd_map_text(m, in->unparsed_ex[k].text, a);
		for (size_t k = 0; k < in->noverlong_ex && k < AUD_EXAMPLES; k++)
			in->overlong_ex[k].text = psd_map_text(m, in->overlong_ex[k].text, a);
	}
	/* In the list's order as sorted by the real ids: groups are made from it later. */
	return fnd_rewrite(&res->findings, edit_finding, (void *)m);
}

sv psd_rewrite(struct arena *a, sv s, sv from, sv to)
{
	struct buf b = BUF_INIT;
	size_t copied = 0;

	if (!s.n || !from.n || from.n > s.n)
		return s;
	/* The boundaries and case rule of psd_map_text(): one id, no map. */
	for (size_t i = 0; i + from.n <= s.n; i++) {
		if ((i > 0 && alnum(s.p[i - 1]) && alnum(from.p[0])) ||
		    strncasecmp(s.p + i, from.p, from.n) != 0)
			continue;
		if (i + from.n < s.n && alnum(s.p[i + from.n]) && alnum(from.p[from.n - 1]))
			continue;
		buf_add(&b, s.p + copied, i - copied);
		buf_addsv(&b, to);
		copied = i + from.n;
		i = copied - 1;
	}
	if (!copied)
		return s;
	buf_add(&b, s.p + copied, s.n - copied);
	sv r = arena_sv(a, buf_sv(&b));
	buf_release(&b);
	return r;
}
