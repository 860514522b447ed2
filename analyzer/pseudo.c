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
#include "spill.h"

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
 * The identifiers of a run and their pseudonyms.  They are collected as
 * records [kind][order][id] into a sorter (spill.h) that keeps at most
 * MAP_BUDGET bytes in memory and spills the rest, so collecting costs no
 * memory per id, whatever the input (SPEC §7): an audit thread adds one
 * record per event.  Before the first lookup the records are read once in
 * (kind, id, order) order, each id kept once (its first order), into an
 * index: an array of fixed entries (no pseudonym but its 10 hex digits,
 * the ids in one block) sorted by the hash of the lower-cased first run of
 * letters and digits of the id, then by order, newest first, and a table
 * from that hash to the first entry.  One pass over a string finds every
 * id however many there are: "/5012.html", "for-5013-mrossi", "MROSSI"
 * all hold one (issue 16 case 7).  An id matches where it is not part of a
 * longer run of letters and digits; where several ids could match at one
 * place, the one added last wins (so the result is that of a map where
 * every id was added in order and looked up newest first).
 */
enum { KIND_USER, KIND_SUBJECT, KIND_SRC, NKINDS };
static const char *const kinds[NKINDS] = { "user", "subject", "src" };

#define ID_MAX 256
#define REC_HEAD 9		/* kind (1) and order (8, native) before the id */

struct psd_ent {
	unsigned long long run;	/* sv_hash of the lower-cased first run */
	uint64_t order;		/* the id's first addition */
	uint32_t off;		/* the id in the index's block */
	uint16_t n;		/* its length (1..ID_MAX) */
	uint8_t skip;		/* bytes of the id before its first letter or digit */
	uint8_t kind;
	char hex[10];		/* its pseudonym: kind "-" hex */
};

struct psd_index {
	bool built;		/* up to date with every record added */
	int err;		/* the first error (an errno value), kept */
	struct psd_ent *v;
	size_t n;
	char *ids;
	size_t idn;
	uint32_t *tab;		/* index + 1 of a run's first entry, 0: empty */
	size_t tcap;		/* power of two */
};

struct psd_map {
	struct psd key;		/* a copy: addresses are named as they are found */
	struct spill *sp;	/* the records, NULL until the first */
	uint64_t next;		/* order of the next record */
	struct psd_index *ix;	/* made again when ids were added since */
	/* The last id of each kind, not added again (an event's user repeats). */
	char last[NKINDS][ID_MAX];
	size_t lastn[NKINDS];
};

/*
 * Bytes of records each map keeps in memory before it spills: a run's
 * map and each audit thread's.
 */
#define MAP_BUDGET ((size_t)2 << 20)

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

/* Records in (kind, id, order) order: an id's first addition comes first. */
static int rec_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	const unsigned char *x = a, *y = b;
	(void)ctx;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	size_t xn = an - REC_HEAD, yn = bn - REC_HEAD;
	int c = memcmp(x + REC_HEAD, y + REC_HEAD, xn < yn ? xn : yn);
	if (c || xn != yn)
		return c ? c : xn < yn ? -1 : 1;
	uint64_t xo, yo;
	memcpy(&xo, x + 1, 8);
	memcpy(&yo, y + 1, 8);
	return xo < yo ? -1 : xo > yo;
}

static void map_fail(struct psd_map *m, int e)
{
	if (!m->ix->err)
		m->ix->err = e ? e : EIO;
}

/* Add a record of id (not "" or "-", at most ID_MAX bytes) with order. */
static void map_put(struct psd_map *m, unsigned kind, sv id, uint64_t order)
{
	unsigned char rec[REC_HEAD + ID_MAX];

	if (!m->sp) {
		if (!(m->sp = spill_new(rec_cmp, NULL, MAP_BUDGET))) {
			map_fail(m, ENOMEM);
			return;
		}
		/* With no temporary file, memory grows rather than an id being left out. */
		spill_memory_fallback(m->sp);
	}
	rec[0] = (unsigned char)kind;
	memcpy(rec + 1, &order, 8);
	memcpy(rec + REC_HEAD, id.p, id.n);
	if (spill_add(m->sp, rec, REC_HEAD + id.n) < 0)
		map_fail(m, errno);
	m->ix->built = false;
}

static void map_add(struct psd_map *m, unsigned kind, sv id)
{
	if (sv_is_dash_or_empty(id) || id.n > ID_MAX)
		return;	/* anonymous stays anonymous: that is the finding */
	if (m->lastn[kind] == id.n && memcmp(m->last[kind], id.p, id.n) == 0)
		return;	/* added just before: its order is the earlier one */
	memcpy(m->last[kind], id.p, id.n);
	m->lastn[kind] = id.n;
	map_put(m, kind, id, m->next++);
}

static unsigned kind_of(const char *kind)
{
	for (unsigned k = 0; k < NKINDS; k++)
		if (strcmp(kind, kinds[k]) == 0)
			return k;
	return NKINDS;
}

static size_t addr_at(sv s, size_t i);

void psd_map_add(struct psd_map *m, const struct psd *p, const char *kind, sv id)
{
	unsigned k = kind_of(kind);
	(void)p;	/* m's own copy of the key names the ids */
	if (k == NKINDS)
		map_fail(m, EINVAL);	/* a kind this map cannot name: no report */
	else
		map_add(m, k, id);
}

void psd_map_add_event(struct psd_map *m, const struct event *ev)
{
	map_add(m, KIND_USER, ev->f[EVF_USER]);
	map_add(m, KIND_SUBJECT, ev->f[EVF_SUBJECT]);
	/*
	 * An address is recognised as one wherever it is written: kept out of
	 * the map, whose lookup walks the ids sharing a first run ("10" of
	 * every 10.x.y.z would make each lookup walk them all).
	 */
	sv src = ev->f[EVF_SRC];
	if (!src.n || addr_at(src, 0) != src.n)
		map_add(m, KIND_SRC, src);
}

/*
 * Read m's records once in order, each (kind, id) once with its first
 * order: fn(ctx, kind, id, order).  0, or an errno value.
 */
static int map_each(struct psd_map *m, void (*fn)(void *ctx, unsigned kind, sv id, uint64_t order),
		    void *ctx)
{
	const unsigned char *prev = NULL;
	unsigned char prevbuf[REC_HEAD + ID_MAX];
	size_t prevn = 0;
	const void *rec;
	size_t n;
	int r;

	if (m->ix->err)
		return m->ix->err;
	if (!m->sp)
		return 0;
	if (spill_rewind(m->sp) < 0)
		return spill_error(m->sp) ? spill_error(m->sp) : EIO;
	while ((r = spill_next(m->sp, &rec, &n)) == 1) {
		const unsigned char *x = rec;
		if (n < REC_HEAD + 1 || n > REC_HEAD + ID_MAX || x[0] >= NKINDS) {
			r = -1;
			spill_set_error(m->sp, EIO);
			break;
		}
		if (prev && prevn == n && memcmp(prev + REC_HEAD, x + REC_HEAD, n - REC_HEAD) == 0 &&
		    prev[0] == x[0])
			continue;	/* a later addition of the same id */
		memcpy(prevbuf, x, n);
		prev = prevbuf;
		prevn = n;
		uint64_t order;
		memcpy(&order, x + 1, 8);
		fn(ctx, x[0], sv_make((const char *)x + REC_HEAD, n - REC_HEAD), order);
	}
	spill_stop(m->sp);
	if (r < 0)
		return spill_error(m->sp) ? spill_error(m->sp) : EIO;
	return m->ix->err;
}

struct merge_ctx {
	struct psd_map *m;
	uint64_t base;
};

static void merge_one(void *ctx, unsigned kind, sv id, uint64_t order)
{
	struct merge_ctx *c = ctx;
	map_put(c->m, kind, id, c->base + order);
}

void psd_map_merge(struct psd_map *m, const struct psd_map *from)
{
	/* from's ids follow m's, in from's order. */
	struct merge_ctx c = { m, m->next };
	int e = map_each((struct psd_map *)from, merge_one, &c);
	if (e)
		map_fail(m, e);
	m->next += from->next;
	memset(m->lastn, 0, sizeof(m->lastn));
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

static void index_clear(struct psd_index *ix)
{
	free(ix->v);
	free(ix->ids);
	free(ix->tab);
	ix->v = NULL;
	ix->ids = NULL;
	ix->tab = NULL;
	ix->n = ix->idn = ix->tcap = 0;
}

struct build_ctx {
	struct psd_map *m;
	size_t vcap, idcap;
};

static void build_one(void *ctx, unsigned kind, sv id, uint64_t order)
{
	struct build_ctx *c = ctx;
	struct psd_index *ix = c->m->ix;
	char run[ID_MAX], name[48];
	size_t skip = 0, k;

	if (ix->err)
		return;
	while (skip < id.n && !alnum(id.p[skip]))
		skip++;
	k = lower_run(id.p + skip, id.n - skip, run, sizeof(run));
	if (!k)
		return;	/* nothing to find it by */
	if (ix->n == c->vcap) {
		size_t ncap = c->vcap ? c->vcap * 2 : 256;
		struct psd_ent *nv = try_reallocarray(ix->v, ncap, sizeof(*nv));
		if (!nv) {
			ix->err = ENOMEM;
			return;
		}
		ix->v = nv;
		c->vcap = ncap;
	}
	if (ix->idn + id.n > c->idcap) {
		size_t ncap = c->idcap ? c->idcap * 2 : 4096;
		while (ncap < ix->idn + id.n)
			ncap *= 2;
		char *ni = ncap > UINT32_MAX ? NULL : realloc(ix->ids, ncap);
		if (!ni) {
			ix->err = ENOMEM;
			return;
		}
		ix->ids = ni;
		c->idcap = ncap;
	}
	struct psd_ent *e = &ix->v[ix->n++];
	e->run = sv_hash(sv_make(run, k));
	e->order = order;
	e->off = (uint32_t)ix->idn;
	e->n = (uint16_t)id.n;
	e->skip = (uint8_t)skip;
	e->kind = (uint8_t)kind;
	psd_name(&c->m->key, kinds[kind], id, name, sizeof(name));
	memcpy(e->hex, name + strlen(kinds[kind]) + 1, sizeof(e->hex));
	memcpy(ix->ids + ix->idn, id.p, id.n);
	ix->idn += id.n;
}

/* By first run, then newest first. */
static int ent_cmp(const void *a, const void *b)
{
	const struct psd_ent *x = a, *y = b;
	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	return x->order > y->order ? -1 : x->order < y->order;
}

static size_t slot_of(unsigned long long h, size_t cap)
{
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

int psd_map_ready(const struct psd_map *cm)
{
	struct psd_map *m = (struct psd_map *)cm;	/* the index is a cache of the records */
	struct psd_index *ix = m->ix;
	struct build_ctx c = { m, 0, 0 };

	if (ix->built || ix->err)
		return ix->err;
	index_clear(ix);
	int e = map_each(m, build_one, &c);
	if (e) {
		map_fail(m, e);
		index_clear(ix);
		return ix->err;
	}
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), ent_cmp);
	size_t cap = 16;
	while (cap < 2 * ix->n)
		cap *= 2;
	if (ix->n >= UINT32_MAX || !(ix->tab = try_calloc(cap, sizeof(*ix->tab)))) {
		map_fail(m, ENOMEM);
		index_clear(ix);
		return ix->err;
	}
	ix->tcap = cap;
	for (size_t i = 0; i < ix->n; i++) {
		if (i && ix->v[i - 1].run == ix->v[i].run)
			continue;
		size_t j = slot_of(ix->v[i].run, cap);
		while (ix->tab[j])
			j = (j + 1) & (cap - 1);
		ix->tab[j] = (uint32_t)i + 1;
	}
	ix->built = true;
	return 0;
}

/*
 * The entry of the id at s[i..] (i starts a run), its length in *len, or
 * NULL.  m is ready (psd_map_ready).
 */
static const struct psd_ent *map_find(const struct psd_map *m, sv s, size_t i, size_t *len)
{
	const struct psd_index *ix = m->ix;
	char run[ID_MAX];
	size_t k = lower_run(s.p + i, s.n - i, run, sizeof(run));

	if (!ix->n)
		return NULL;
	unsigned long long h = sv_hash(sv_make(run, k));
	size_t j = slot_of(h, ix->tcap), x = 0;
	for (; ix->tab[j]; j = (j + 1) & (ix->tcap - 1))
		if (ix->v[ix->tab[j] - 1].run == h) {
			x = ix->tab[j];
			break;
		}
	/* Entries of another run with the same hash never match (the run is whole). */
	for (; x && x <= ix->n && ix->v[x - 1].run == h; x++) {
		const struct psd_ent *e = &ix->v[x - 1];
		const char *id = ix->ids + e->off;
		size_t from = i - (i >= e->skip ? e->skip : i);
		if (i < e->skip || from + e->n > s.n || strncasecmp(s.p + from, id, e->n) != 0)
			continue;
		if (from + e->n < s.n && alnum(s.p[from + e->n]) && alnum(id[e->n - 1]))
			continue;	/* "5012" inside "50123" */
		*len = e->n;
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

	/* A map whose index cannot be made finds no id (psd_map_ready says so). */
	bool ids = psd_map_ready(m) == 0;
	while (i < s.n) {
		bool run = alnum(s.p[i]) && (i == 0 || !alnum(s.p[i - 1]));
		if (run || s.p[i] == ':') {
			const struct psd_ent *e = run && ids ? map_find(m, s, i, &len) : NULL;
			size_t from = e ? i - e->skip : i;
			size_t alen = addr_at(s, i);
			const char *to = NULL;
			if (e) {
				snprintf(name, sizeof(name), "%s-%.10s", kinds[e->kind], e->hex);
				to = name;
			}
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
	m->ix = xcalloc(1, sizeof(*m->ix));
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
	spill_free(m->sp);
	index_clear(m->ix);
	free(m->ix);
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
	int e = psd_map_ready(m);

	if (e)
		return e;	/* the findings are as they were */

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
