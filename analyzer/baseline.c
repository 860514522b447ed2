/*
 * baseline.c - known findings suppressed by fingerprint (see baseline.h).
 *
 * Fingerprints are escaped so that a tab or newline inside a user name or a
 * reason cannot forge or break a line of the file.
 */
#include "common.h"

#include "baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "safefile.h"
#include "spill.h"
#include "strmap.h"
#include "xalloc.h"

struct baseline {
	struct strmap entries;	/* fingerprint -> 1 once matched */
	const char **order;	/* entries in file order (the map's own copies), for stale listing */
	size_t n, cap;
	const char **stale;
	size_t nstale;
};

/* Replace control characters in place of a finished fingerprint (tabs between fields stay). */
void bl_fingerprint(const struct finding *f, const struct policy *p, struct buf *out)
{
	struct buf raw = BUF_INIT;
	fnd_fingerprint(f, p, &raw);
	for (size_t i = 0; i < raw.len; i++) {
		unsigned char c = (unsigned char)raw.p[i];
		if (c == '\\')
			buf_adds(out, "\\\\");
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\r')
			buf_adds(out, "\\r");
		else if (c < 0x20 && c != '\t')
			buf_addf(out, "\\x%02x", c);
		else
			buf_addc(out, (char)c);
	}
	buf_release(&raw);
}

struct baseline *bl_load(const char *path, struct diag *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_set(err, "%s: cannot read baseline: %s", path, strerror(errno));
		return NULL;
	}
	struct baseline *b = calloc(1, sizeof(*b));
	if (!b) {
		fclose(f);
		diag_set(err, "out of memory");
		return NULL;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	size_t lineno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (!memchr(line, '\t', (size_t)len)) {
			diag_set(err, "%s:%zu: not a baseline entry (expected tab-separated "
				 "check, user, subject, categories, reason)", path, lineno);
			goto fail;
		}
		bool created;
		uintptr_t *v = strmap_put(&b->entries, sv_make(line, (size_t)len), 0, &created);
		if (!v)
			goto oom;
		if (created) {
			if (b->n == b->cap) {
				size_t nc = b->cap ? b->cap * 2 : 64;
				const char **no = try_reallocarray(b->order, nc, sizeof(*no));
				if (!no)
					goto oom;
				b->order = no;
				b->cap = nc;
			}
			/* The map's NUL-terminated copy of the line (v points into its slot): no second one. */
			const struct strmap_slot *slot =
				(const void *)((const char *)v - offsetof(struct strmap_slot, val));
			b->order[b->n++] = slot->key.p;
		}
	}
	free(line);
	fclose(f);
	return b;
oom:
	diag_set(err, "%s:%zu: out of memory", path, lineno);
fail:
	free(line);
	fclose(f);
	bl_free(b);
	return NULL;
}

/* fnd_suppress()'s question: is f's fingerprint in the baseline (then noted as matched)? */
struct match {
	struct baseline *b;
	const struct policy *p;
	struct buf fp;
};

static bool match_entry(void *ctx, const struct finding *f)
{
	struct match *m = ctx;
	buf_reset(&m->fp);
	bl_fingerprint(f, m->p, &m->fp);
	uintptr_t *v = strmap_get(&m->b->entries, buf_sv(&m->fp));
	if (!v)
		return false;
	*v = 1;
	return true;
}

int bl_apply(struct baseline *b, const struct policy *p, struct fnd_list *l, struct diag *err)
{
	struct match m = { b, p, BUF_INIT };
	int e = fnd_suppress(l, match_entry, &m);
	buf_release(&m.fp);
	free(b->stale);
	b->stale = NULL;
	b->nstale = 0;
	if (e)	/* not every finding was matched: no stale list either */
		return diag_set(err, "baseline: the findings could not be marked: temporary file: %s",
				strerror(e));
	b->stale = calloc(b->n ? b->n : 1, sizeof(char *));
	for (size_t i = 0; b->stale && i < b->n; i++) {
		uintptr_t *v = strmap_get(&b->entries, sv_cstr(b->order[i]));
		if (v && !*v)
			b->stale[b->nstale++] = b->order[i];
	}
	return 0;
}

const char *const *bl_stale(const struct baseline *b, size_t *n)
{
	*n = b->nstale;
	return b->stale;
}

void bl_free(struct baseline *b)
{
	if (!b)
		return;
	strmap_release(&b->entries);
	free(b->order);
	free(b->stale);
	free(b);
}

/* Fingerprints in strcmp() order (they hold no NUL: bl_fingerprint escapes it). */
static int fp_cmp(const void *a, size_t an, const void *b, size_t bn, void *ctx)
{
	(void)ctx;
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* sf_fn: the header and the sorted fingerprints of the sorter, each once. */
static int write_sorted(void *arg, FILE *f)
{
	struct spill *s = arg;
	struct buf prev = BUF_INIT;
	const void *rec;
	size_t n;
	int r = spill_rewind(s);
	bool first = true;

	fputs("# dpfaudit baseline: known findings, one fingerprint a line\n"
	      "# check<TAB>user<TAB>subject<TAB>categories<TAB>reason\n", f);
	while (r == 0 && (r = spill_next(s, &rec, &n)) > 0) {
		if (first || n != prev.len || memcmp(rec, prev.p, n)) {
			fwrite(rec, 1, n, f);
			fputc('\n', f);
			buf_reset(&prev);
			buf_add(&prev, rec, n);
			first = false;
		}
		r = prev.err ? -1 : 0;
	}
	buf_release(&prev);
	if (r < 0)
		return spill_error(s) ? spill_error(s) : ENOMEM;
	return 0;
}

int bl_write(const char *path, const struct policy *p, const struct fnd_list *l,
	     struct diag *err)
{
	struct spill *s = spill_new(fp_cmp, NULL, l->budget ? l->budget : FND_MEMORY_BUDGET);
	struct buf fp = BUF_INIT;
	struct fnd_iter it;
	const struct finding *f;
	int e = 0;

	if (!s)
		return diag_set(err, "out of memory");
	/* A list kept in memory may keep its fingerprints there too (no temporary file needed). */
	if (!l->budget)
		spill_memory_fallback(s);
	for (fnd_iter_start(l, &it); !e && (f = fnd_iter_next(&it));) {
		buf_reset(&fp);
		bl_fingerprint(f, p, &fp);
		if (fp.err)
			e = ENOMEM;
		else if (spill_add(s, fp.len ? fp.p : "", fp.len) < 0)
			e = errno ? errno : EIO;
	}
	buf_release(&fp);
	if (!e)
		e = fnd_error(l);
	int rc = e ? diag_set(err, "%s: cannot write baseline: temporary file: %s", path,
			      strerror(e))
		   : sf_write(path, write_sorted, s, err);
	spill_free(s);
	return rc;
}
