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
#include "strmap.h"

struct baseline {
	struct strmap entries;	/* fingerprint -> 1 once matched */
	char **order;		/* entries in file order, for stale listing */
	size_t n;
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
			free(line);
			fclose(f);
			bl_free(b);
			return NULL;
		}
		bool created;
		if (!strmap_put(&b->entries, sv_make(line, (size_t)len), 0, &created)) {
			diag_set(err, "%s:%zu: out of memory", path, lineno);
			free(line);
			fclose(f);
			bl_free(b);
			return NULL;
		}
		if (created) {
			char **no = realloc(b->order, (b->n + 1) * sizeof(*no));
			if (!no)
				break;
			b->order = no;
			b->order[b->n++] = strdup(line);
		}
	}
	free(line);
	fclose(f);
	return b;
}

void bl_apply(struct baseline *b, const struct policy *p, struct fnd_list *l)
{
	struct buf fp = BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		buf_reset(&fp);
		bl_fingerprint(&l->v[i], p, &fp);
		uintptr_t *v = strmap_get(&b->entries, buf_sv(&fp));
		if (v) {
			*v = 1;
			l->v[i].suppressed = true;
		}
	}
	buf_release(&fp);
	free(b->stale);
	b->stale = calloc(b->n ? b->n : 1, sizeof(char *));
	b->nstale = 0;
	for (size_t i = 0; b->stale && i < b->n; i++) {
		uintptr_t *v = strmap_get(&b->entries, sv_cstr(b->order[i]));
		if (v && !*v)
			b->stale[b->nstale++] = b->order[i];
	}
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
	for (size_t i = 0; i < b->n; i++)
		free(b->order[i]);
	free(b->order);
	free(b->stale);
	free(b);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sorted {
	char **v;
	size_t n;
};

/* sf_fn: the header and the sorted fingerprints, each once. */
static int write_sorted(void *arg, FILE *f)
{
	const struct sorted *s = arg;
	fputs("# dpfaudit baseline: known findings, one fingerprint a line\n"
	      "# check<TAB>user<TAB>subject<TAB>categories<TAB>reason\n", f);
	for (size_t i = 0; i < s->n; i++)
		if (i == 0 || strcmp(s->v[i], s->v[i - 1]))
			fprintf(f, "%s\n", s->v[i]);
	return 0;
}

int bl_write(const char *path, const struct policy *p, const struct fnd_list *l,
	     struct diag *err)
{
	char **v = calloc(l->n ? l->n : 1, sizeof(char *));
	size_t n = 0;
	struct buf fp = BUF_INIT;
	int rc = 0;

	if (!v)
		return diag_set(err, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		buf_reset(&fp);
		bl_fingerprint(&l->v[i], p, &fp);
		v[n++] = strdup(fp.p ? fp.p : "");
	}
	buf_release(&fp);
	qsort(v, n, sizeof(*v), str_cmp);

	struct sorted out = { v, n };
	rc = sf_write(path, write_sorted, &out, err);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}
