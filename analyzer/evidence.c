/*
 * evidence.c - evidence records (tickets) that back a business reason.
 *
 * The whole CSV file is read into one buffer that the index keeps: record
 * fields are views into it (quoted fields are unescaped in place, which only
 * ever shortens them), so loading a million records costs a few large
 * allocations, not one per record.  Two open-addressing tables of record
 * numbers index the records: by key, and by (subject, assignee); records
 * sharing a pair are chained in file order through next[].
 */
#include "common.h"

#include "evidence.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "xalloc.h"

#define EVD_NONE UINT32_MAX

struct evd_index {
	char *text;			/* the file's bytes; records point here */
	struct evd_record *rec;
	size_t n, cap;
	uint32_t *next;			/* next record with the same (subject, assignee) */
	uint64_t *khash, *phash;	/* per record: hash of key, of the pair */
	uint32_t *kslots, *pslots;	/* record number + 1; 0 = empty */
	size_t nslots;			/* power of two, for both tables */
};

static uint64_t fnv_step(uint64_t h, sv s)
{
	for (size_t i = 0; i < s.n; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The pair hash: subject, a separator no id contains, assignee. */
static uint64_t pair_hash(sv subject, sv assignee)
{
	uint64_t h = fnv_step(1469598103934665603ULL, subject);
	h ^= 0x1f;
	h *= 1099511628211ULL;
	return fnv_step(h, assignee);
}

/* ---- CSV ------------------------------------------------------------- */

/* Columns the index needs, in this order. */
enum { COL_KEY, COL_SUBJECT, COL_ASSIGNEE, COL_OPENED, COL_CLOSED, COL_COUNT };
static const char *const col_names[COL_COUNT] = {
	"id", "subject", "assignee", "opened", "closed"
};

struct csv {
	char *p, *end;
	unsigned long line;	/* physical line of the cursor */
};

static sv trim_blanks(sv s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/*
 * Parse one field at c->p; stop after its terminating ',' (returns 1),
 * at the end of the record (newline consumed, or end of text: returns 0).
 * Returns -1 on an unterminated quote.
 */
static int csv_field(struct csv *c, sv *out)
{
	char *p = c->p;
	while (p < c->end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < c->end && *p == '"') {
		char *w = ++p, *start = p;
		for (;;) {
			if (p >= c->end)
				return -1;
			if (*p == '"') {
				if (p + 1 < c->end && p[1] == '"') {
					*w++ = '"';
					p += 2;
					continue;
				}
				p++;
				break;
			}
			if (*p == '\n')
				c->line++;
			*w++ = *p++;
		}
		*out = sv_make(start, (size_t)(w - start));
		/* Anything between the closing quote and the separator is ignored. */
		while (p < c->end && *p != ',' && *p != '\n')
			p++;
	} else {
		char *start = p;
		while (p < c->end && *p != ',' && *p != '\n')
			p++;
		sv f = sv_make(start, (size_t)(p - start));
		if (f.n && f.p[f.n - 1] == '\r' && (p >= c->end || *p == '\n'))
			f.n--;
		*out = trim_blanks(f);
	}
	if (p < c->end && *p == ',') {
		c->p = p + 1;
		return 1;
	}
	if (p < c->end) {	/* '\n' */
		c->line++;
		p++;
	}
	c->p = p;
	return 0;
}

static bool csv_blank_line(const struct csv *c)
{
	const char *p = c->p;
	while (p < c->end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p >= c->end || *p == '\n';
}

static void csv_skip_line(struct csv *c)
{
	char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	c->p = nl ? nl + 1 : c->end;
	if (nl)
		c->line++;
}

/* ---- loading ----------------------------------------------------------- */

static char *read_file(const char *path, size_t *len, struct diag *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_set(err, "%s: cannot open evidence file: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *p = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			p = xreallocarray(p, cap, 1);
		}
		size_t got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		diag_set(err, "%s: cannot read evidence file: %s", path, strerror(errno));
		fclose(f);
		free(p);
		return NULL;
	}
	fclose(f);
	*len = n;
	return p;
}

static bool parse_date(sv s, int64_t empty, int64_t *out, int32_t *ns)
{
	struct tu_stamp t;
	*ns = 0;
	if (s.n == 0) {
		*out = empty;
		return true;
	}
	if (!tu_parse_iso8601_ts(s, &t))
		return false;
	*out = t.sec;
	*ns = t.nsec;
	return true;
}

static void build_indexes(struct evd_index *x)
{
	size_t ns = 16;
	while (ns < x->n * 2)
		ns *= 2;
	x->nslots = ns;
	x->kslots = xcalloc(ns, sizeof(uint32_t));
	x->pslots = xcalloc(ns, sizeof(uint32_t));
	x->next = xreallocarray(NULL, x->n, sizeof(uint32_t));
	x->khash = xreallocarray(NULL, x->n, sizeof(uint64_t));
	x->phash = xreallocarray(NULL, x->n, sizeof(uint64_t));
	size_t mask = ns - 1;
	for (size_t i = 0; i < x->n; i++) {
		const struct evd_record *r = &x->rec[i];
		uint64_t h = sv_hash(r->key);
		x->khash[i] = h;
		for (size_t j = h & mask;; j = (j + 1) & mask) {
			uint32_t s = x->kslots[j];
			if (!s) {
				x->kslots[j] = (uint32_t)i + 1;
				break;
			}
			/* Several records with one key: the first is found. */
			if (x->khash[s - 1] == h && sv_eq(x->rec[s - 1].key, r->key))
				break;
		}
	}
	/* Backwards, pushing at the head, so each chain is in file order. */
	for (size_t i = x->n; i-- > 0;) {
		const struct evd_record *r = &x->rec[i];
		uint64_t h = pair_hash(r->subject, r->assignee);
		x->phash[i] = h;
		x->next[i] = EVD_NONE;
		for (size_t j = h & mask;; j = (j + 1) & mask) {
			uint32_t s = x->pslots[j];
			if (!s) {
				x->pslots[j] = (uint32_t)i + 1;
				break;
			}
			const struct evd_record *o = &x->rec[s - 1];
			if (x->phash[s - 1] == h && sv_eq(o->subject, r->subject) &&
			    sv_eq(o->assignee, r->assignee)) {
				x->next[i] = s - 1;
				x->pslots[j] = (uint32_t)i + 1;
				break;
			}
		}
	}
}

struct evd_index *evd_load(const char *path, const char *key, struct diag *err)
{
	size_t len;
	char *text = read_file(path, &len, err);
	if (!text)
		return NULL;
	struct evd_index *x = calloc(1, sizeof(*x));
	if (!x) {
		free(text);
		diag_set(err, "%s: out of memory", path);
		return NULL;
	}
	x->text = text;

	struct csv c = { text, text + len, 1 };
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	while (c.p < c.end && csv_blank_line(&c))
		csv_skip_line(&c);
	if (c.p >= c.end) {
		diag_set(err, "%s:1: empty evidence file: expected a header row", path);
		goto fail;
	}

	/* Header: where each needed column is. */
	int colpos[COL_COUNT];
	for (int k = 0; k < COL_COUNT; k++)
		colpos[k] = -1;
	const char *keyname = key && *key ? key : "id";
	unsigned long hline = c.line;
	int ncols = 0, more;
	do {
		sv f;
		more = csv_field(&c, &f);
		if (more < 0) {
			diag_set(err, "%s:%lu: unterminated quoted field", path, hline);
			goto fail;
		}
		for (int k = 0; k < COL_COUNT; k++) {
			const char *want = k == COL_KEY ? keyname : col_names[k];
			if (colpos[k] < 0 && sv_eq_nocase(f, sv_cstr(want)))
				colpos[k] = ncols;
		}
		ncols++;
	} while (more > 0 && ncols < INT_MAX);
	int need = 0;
	for (int k = 0; k < COL_COUNT; k++) {
		if (colpos[k] < 0) {
			diag_set(err, "%s:%lu: missing column '%s' (the header needs %s, subject, assignee, opened, closed)",
				 path, hline, k == COL_KEY ? keyname : col_names[k], keyname);
			goto fail;
		}
		if (colpos[k] + 1 > need)
			need = colpos[k] + 1;
	}

	/* Rows. */
	x->cap = 1024;
	x->rec = xreallocarray(NULL, x->cap, sizeof(*x->rec));
	while (c.p < c.end) {
		if (csv_blank_line(&c)) {
			csv_skip_line(&c);
			continue;
		}
		unsigned long line = c.line;
		sv cols[COL_COUNT] = { SV_NULL };
		int i = 0;
		do {
			sv f;
			more = csv_field(&c, &f);
			if (more < 0) {
				diag_set(err, "%s:%lu: unterminated quoted field", path, line);
				goto fail;
			}
			for (int k = 0; k < COL_COUNT; k++)
				if (colpos[k] == i)
					cols[k] = f;
			if (i < INT_MAX)
				i++;
		} while (more > 0);
		if (i < need) {
			diag_set(err, "%s:%lu: expected at least %d fields, got %d", path, line, need, i);
			goto fail;
		}
		if (x->n == x->cap) {
			if (x->cap >= UINT32_MAX / 2) {
				diag_set(err, "%s:%lu: too many evidence records", path, line);
				goto fail;
			}
			x->cap *= 2;
			x->rec = xreallocarray(x->rec, x->cap, sizeof(*x->rec));
		}
		struct evd_record *r = &x->rec[x->n];
		r->key = cols[COL_KEY];
		r->subject = cols[COL_SUBJECT];
		r->assignee = cols[COL_ASSIGNEE];
		if (!parse_date(cols[COL_OPENED], INT64_MIN, &r->opened, &r->opened_ns)) {
			diag_set(err, "%s:%lu: bad date '%.*s' in column 'opened': expected ISO 8601",
				 path, line, (int)cols[COL_OPENED].n, cols[COL_OPENED].p);
			goto fail;
		}
		if (!parse_date(cols[COL_CLOSED], INT64_MAX, &r->closed, &r->closed_ns)) {
			diag_set(err, "%s:%lu: bad date '%.*s' in column 'closed': expected ISO 8601",
				 path, line, (int)cols[COL_CLOSED].n, cols[COL_CLOSED].p);
			goto fail;
		}
		x->n++;
	}
	build_indexes(x);
	return x;
fail:
	evd_free(x);
	return NULL;
}

void evd_free(struct evd_index *x)
{
	if (!x)
		return;
	free(x->text);
	free(x->rec);
	free(x->next);
	free(x->khash);
	free(x->phash);
	free(x->kslots);
	free(x->pslots);
	free(x);
}

size_t evd_count(const struct evd_index *x)
{
	return x ? x->n : 0;
}

const struct evd_record *evd_find(const struct evd_index *x, sv key)
{
	if (!x || !x->n)
		return NULL;
	uint64_t h = sv_hash(key);
	size_t mask = x->nslots - 1;
	for (size_t j = h & mask;; j = (j + 1) & mask) {
		uint32_t s = x->kslots[j];
		if (!s)
			return NULL;
		if (x->khash[s - 1] == h && sv_eq(x->rec[s - 1].key, key))
			return &x->rec[s - 1];
	}
}

static bool open_at(const struct evd_record *r, int64_t t, int32_t nsec)
{
	struct tu_stamp at = { t, nsec, true };
	return tu_stamp_le((struct tu_stamp){ r->opened, r->opened_ns, true }, at) &&
	       tu_stamp_le(at, (struct tu_stamp){ r->closed, r->closed_ns, true });
}

enum evd_verdict evd_verify(const struct evd_index *x, sv key, sv subject,
			    sv user, int64_t t, int32_t nsec, const struct evd_record **rec)
{
	const struct evd_record *r = evd_find(x, key);
	if (rec)
		*rec = r;
	if (!r)
		return EVD_MISSING;
	if (!sv_eq(r->subject, subject))
		return EVD_OTHER_SUBJECT;
	if (!sv_eq(r->assignee, user))
		return EVD_OTHER_ASSIGNEE;
	if (!open_at(r, t, nsec))
		return EVD_NOT_OPEN;
	return EVD_OK;
}

const char *evd_verdict_text(enum evd_verdict v)
{
	switch (v) {
	case EVD_OK:
		return "verified";
	case EVD_MISSING:
		return "no such record";
	case EVD_OTHER_SUBJECT:
		return "the record is for another subject";
	case EVD_OTHER_ASSIGNEE:
		return "the record is assigned to someone else";
	case EVD_NOT_OPEN:
		return "the record is not open at that time";
	}
	return "?";
}

bool evd_infer(const struct evd_index *x, sv subject, sv user, int64_t t, int32_t nsec,
	       const struct evd_record **rec)
{
	if (rec)
		*rec = NULL;
	if (!x || !x->n)
		return false;
	uint64_t h = pair_hash(subject, user);
	size_t mask = x->nslots - 1;
	uint32_t head = EVD_NONE;
	for (size_t j = h & mask;; j = (j + 1) & mask) {
		uint32_t s = x->pslots[j];
		if (!s)
			return false;
		const struct evd_record *o = &x->rec[s - 1];
		if (x->phash[s - 1] == h && sv_eq(o->subject, subject) && sv_eq(o->assignee, user)) {
			head = s - 1;
			break;
		}
	}
	for (uint32_t i = head; i != EVD_NONE; i = x->next[i]) {
		if (open_at(&x->rec[i], t, nsec)) {
			if (rec)
				*rec = &x->rec[i];
			return true;
		}
	}
	return false;
}
