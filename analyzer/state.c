/*
 * state.c - the state of incremental runs (state.h): file, matching, update.
 */
#include "common.h"

#include "state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "input.h"
#include "buf.h"
#include "safefile.h"
#include "sv.h"
#include "xalloc.h"

void st_release(struct st_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	s->v = NULL;
	s->n = 0;
	win_log_free(s->windows);
	s->windows = NULL;
}

void st_set_windows(struct st_state *s, struct win_log *wl)
{
	win_log_free(s->windows);
	s->windows = wl;
}

/* A field of a window line: '=' then the bytes percent-escaped (any byte). */
static void put_field(struct buf *b, sv s)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_addc(b, ' ');
	buf_addc(b, '=');
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= ' ' || c == '%' || c == 0x7f) {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		} else {
			buf_addc(b, (char)c);
		}
	}
}

char *st_escape(const char *s)
{
	size_t n = strlen(s);
	char *o = xmalloc(3 * n + 1), *p = o;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c == 0x7f)
			p += snprintf(p, 4, "%%%02X", c);
		else
			*p++ = (char)c;
	}
	*p = 0;
	return o;
}

/* Undo st_escape() of s[0..n) into out (out may be s: it never gets ahead); the length. */
static size_t unescape(const char *s, size_t n, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int b = s[i] == '%' && i + 2 < n ? sv_hexbyte(s + i + 1) : -1;
		if (b >= 0) {
			out[k++] = (char)b;
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	return k;
}

char *st_unescape(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	o[unescape(s, n, o)] = 0;
	return o;
}

/* ---- the file ------------------------------------------------------------ */

struct wctx {
	const struct st_state *s;
	struct dg_sha256 sum;
	FILE *out;
	int err;
};

static void write_window(void *arg, const struct win_record *r)
{
	struct wctx *w = arg;
	struct buf b;
	char head[200];

	if (w->err)
		return;
	buf_init(&b, 0);
	snprintf(head, sizeof(head), "window %d %" PRId64 " %" PRId32 " %" PRIu64 " %" PRIu64 " %" PRId32,
		 (int)r->kind, r->time, r->nsec, r->line, r->categories, r->role);
	buf_addsv(&b, sv_make(head, strlen(head)));
	put_field(&b, r->key);
	put_field(&b, r->user);
	put_field(&b, r->subject);
	put_field(&b, r->resource);
	put_field(&b, r->evidence);
	buf_addc(&b, '\n');
	if (b.err) {
		w->err = ENOMEM;
	} else {
		dg_sha256_update(&w->sum, b.p, b.len);
		if (fwrite(b.p, 1, b.len, w->out) != b.len)
			w->err = errno ? errno : EIO;
	}
	buf_release(&b);
}

static int put(FILE *out, struct dg_sha256 *sum, const char *line)
{
	dg_sha256_update(sum, line, strlen(line));
	return fputs(line, out) < 0 ? errno : 0;
}

static int write_state(void *arg, FILE *out)
{
	struct wctx *w = arg;
	char line[512], hex[65];
	int e;

	snprintf(line, sizeof(line), "%s %d\n", ST_MAGIC, ST_VERSION);
	if ((e = put(out, &w->sum, line)))
		return e;
	snprintf(line, sizeof(line), "rules %s\n", w->s->digest);
	if ((e = put(out, &w->sum, line)))
		return e;
	for (size_t i = 0; i < w->s->n; i++) {
		const struct st_entry *en = &w->s->v[i];
		char *path = st_escape(en->path);
		snprintf(line, sizeof(line), "input %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			 " %d %s %s ", en->dev, en->ino, en->bytes, en->lines, en->ends_nl ? 1 : 0,
			 en->sha256, en->head);
		e = put(out, &w->sum, line);
		if (!e)
			e = put(out, &w->sum, path);
		if (!e)
			e = put(out, &w->sum, "\n");
		free(path);
		if (e)
			return e;
	}
	if (w->s->windows) {
		w->out = out;
		win_foreach(w->s->windows, write_window, w);
		if (w->err)
			return w->err;
	}
	dg_sha256_hex(&w->sum, hex);
	return fprintf(out, "sha256 %s\n", hex) < 0 ? errno : 0;
}

int st_write(const struct st_state *s, const char *path, struct diag *err)
{
	struct wctx w = { .s = s };
	dg_sha256_init(&w.sum);
	return sf_write(path, write_state, &w, err);
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int parse_input(char *l, struct st_entry *en)
{
	char sha[80], head[80];
	int nl, pos = 0;

	memset(en, 0, sizeof(*en));
	if (sscanf(l, "input %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %d %79s %79s %n",
		   &en->dev, &en->ino, &en->bytes, &en->lines, &nl, sha, head, &pos) != 7 ||
	    pos == 0 || (nl != 0 && nl != 1) || !is_hex64(sha) || !is_hex64(head) || !l[pos])
		return -1;
	en->ends_nl = nl == 1;
	memcpy(en->sha256, sha, 65);
	memcpy(en->head, head, 65);
	en->path = st_unescape(l + pos, strlen(l + pos));
	return 0;
}

/* The next field of a window line (after "window ..."), unescaped in place. */
static int get_field(char **cur, sv *out)
{
	char *p = *cur, *o;
	if (p[0] != ' ' || p[1] != '=')
		return -1;
	p += 2;
	size_t n = strcspn(p, " ");
	out->p = p;
	out->n = unescape(p, n, p);
	o = p + out->n;
	p += n;
	/* Unescaping shrinks the field: move the rest up to where it ends now. */
	memmove(o, p, strlen(p) + 1);
	*cur = o;
	return 0;
}

static int parse_window(char *l, struct win_log *wl)
{
	struct win_record r;
	int kind, pos = 0;
	char *cur;

	memset(&r, 0, sizeof(r));
	if (sscanf(l, "window %d %" SCNd64 " %" SCNd32 " %" SCNu64 " %" SCNu64 " %" SCNd32 "%n",
		   &kind, &r.time, &r.nsec, &r.line, &r.categories, &r.role, &pos) != 6 || pos == 0 ||
	    kind < WIN_READ || kind > WIN_DENIED_SRC)
		return -1;
	r.kind = (enum win_record_kind)kind;
	cur = l + pos;
	if (get_field(&cur, &r.key) || get_field(&cur, &r.user) || get_field(&cur, &r.subject) ||
	    get_field(&cur, &r.resource) || get_field(&cur, &r.evidence) || *cur)
		return -1;
	win_add_record(wl, &r);
	return 0;
}

int st_read(const char *path, const char *digest, struct st_state *s, struct diag *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, ncap = 0;
	ssize_t len;
	uint64_t lineno = 0;
	struct dg_sha256 sum;
	char hex[65];
	bool sealed = false, have_rules = false;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;	/* the first run */
		return diag_set(err, "%s: %s", path, strerror(errno));
	}
	dg_sha256_init(&sum);
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (sealed) {
			diag_set(err, "%s:%" PRIu64 ": data after the checksum: the state is corrupt or was edited",
				 path, lineno);
			goto out;
		}
		if (len == 0 || line[len - 1] != '\n') {
			diag_set(err, "%s:%" PRIu64 ": truncated line: the state is corrupt", path, lineno);
			goto out;
		}
		if (lineno == 1) {
			char want[64];
			snprintf(want, sizeof(want), "%s %d\n", ST_MAGIC, ST_VERSION);
			if (strcmp(line, want) != 0) {
				line[len - 1] = 0;
				diag_set(err, "%s: not a state of this version of dpfaudit (it says '%.40s', "
					 "this one writes '%s %d'): remove it to start afresh (the next run "
					 "audits every input whole)", path, line, ST_MAGIC, ST_VERSION);
				goto out;
			}
			dg_sha256_update(&sum, line, (size_t)len);
			continue;
		}
		if (strncmp(line, "sha256 ", 7) == 0) {
			line[len - 1] = 0;
			dg_sha256_hex(&sum, hex);
			if (strcmp(line + 7, hex) != 0) {
				diag_set(err, "%s:%" PRIu64 ": checksum mismatch: the state is corrupt or was "
					 "edited (remove it to start afresh)", path, lineno);
				goto out;
			}
			sealed = true;
			continue;
		}
		dg_sha256_update(&sum, line, (size_t)len);
		line[len - 1] = 0;
		if (strncmp(line, "rules ", 6) == 0 && !have_rules) {
			snprintf(s->digest, sizeof(s->digest), "%s", line + 6);
			have_rules = true;
		} else if (strncmp(line, "window ", 7) == 0 && have_rules) {
			if (!s->windows)
				s->windows = win_log_new();
			if (parse_window(line, s->windows)) {
				diag_set(err, "%s:%" PRIu64 ": malformed window line", path, lineno);
				goto out;
			}
		} else if (strncmp(line, "input ", 6) == 0 && have_rules) {
			if (s->n == ncap) {
				ncap = ncap ? 2 * ncap : 16;
				s->v = xreallocarray(s->v, ncap, sizeof(*s->v));
			}
			if (parse_input(line, &s->v[s->n])) {
				diag_set(err, "%s:%" PRIu64 ": malformed input line", path, lineno);
				goto out;
			}
			s->n++;
		} else {
			diag_set(err, "%s:%" PRIu64 ": unexpected line '%.40s'", path, lineno, line);
			goto out;
		}
	}
	if (ferror(f)) {
		diag_set(err, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (!sealed) {
		diag_set(err, "%s: no checksum line: the state is truncated or corrupt", path);
		goto out;
	}
	if (strcmp(s->digest, digest) != 0) {
		diag_set(err, "%s: written for other rules (digest %.12s..., these rules %.12s...): "
			 "its inputs were judged by other rules; remove it to start afresh",
			 path, s->digest, digest);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	if (rc)
		st_release(s);
	return rc;
}

/* ---- matching ------------------------------------------------------------ */

/*
 * Hash the first want decompressed bytes of path.  Returns the bytes read
 * (< want: the content is shorter), *more: bytes follow, *last: the last
 * byte hashed.
 */
static uint64_t hash_prefix(const char *path, uint64_t want, char hex[65], bool *more, int *last)
{
	char *buf = xmalloc(INP_BUFSZ);
	struct diag err;
	struct dg_sha256 c;
	struct inp *in = inp_open(path, &err);
	uint64_t got = 0;

	*more = false;
	*last = -1;
	dg_sha256_init(&c);
	if (!in) {
		dg_sha256_hex(&c, hex);
		free(buf);
		return 0;
	}
	while (got < want) {
		uint64_t k = want - got;
		size_t n = inp_read(in, buf, k < INP_BUFSZ ? (size_t)k : INP_BUFSZ);
		if (n == 0)
			break;
		dg_sha256_update(&c, buf, n);
		*last = (unsigned char)buf[n - 1];
		got += n;
	}
	if (got == want)
		*more = inp_read(in, buf, 1) == 1;
	dg_sha256_hex(&c, hex);
	inp_close(in);
	free(buf);
	return got;
}

/* The first INP_HEAD decompressed bytes of path into buf; how many. */
static size_t read_head(const char *path, char *buf)
{
	struct diag err;
	struct inp *in = inp_open(path, &err);
	size_t got = 0, n;

	if (!in)
		return 0;
	while (got < INP_HEAD && (n = inp_read(in, buf + got, INP_HEAD - got)) > 0)
		got += n;
	inp_close(in);
	return got;
}

void st_plan(const struct st_state *s, const char *const *paths, size_t n,
	     struct st_plan *plan)
{
	char *head = s->n ? xmalloc(INP_HEAD) : NULL;

	for (size_t i = 0; i < n; i++) {
		struct st_plan *p = &plan[i];
		struct stat sb;
		bool known = false;

		memset(p, 0, sizeof(*p));
		if (s->n == 0 || strcmp(paths[i], "-") == 0 || stat(paths[i], &sb) != 0)
			continue;
		/*
		 * The same file (identity and name) as last time: copytruncate.  An
		 * identity under another name is a freed inode used again.
		 */
		for (size_t k = 0; k < s->n; k++)
			if (s->v[k].dev == (uint64_t)sb.st_dev && s->v[k].ino == (uint64_t)sb.st_ino &&
			    strcmp(s->v[k].path, paths[i]) == 0)
				known = true;
		size_t got = read_head(paths[i], head);
		char full_head[65] = "";
		if (got == INP_HEAD) {
			struct dg_sha256 c;
			dg_sha256_init(&c);
			dg_sha256_update(&c, head, got);
			dg_sha256_hex(&c, full_head);
		}
		/* The longest recorded content this input starts with wins. */
		const struct st_entry *best = NULL;
		bool best_more = false;
		for (size_t k = 0; k < s->n; k++) {
			const struct st_entry *e = &s->v[k];
			char hex[65];
			bool more;
			int last;
			uint64_t hl = e->bytes < INP_HEAD ? e->bytes : INP_HEAD;
			if ((best && e->bytes <= best->bytes) || hl > got)
				continue;
			if (hl == INP_HEAD) {
				if (strcmp(full_head, e->head) != 0)
					continue;
			} else {
				struct dg_sha256 c;
				dg_sha256_init(&c);
				dg_sha256_update(&c, head, (size_t)hl);
				dg_sha256_hex(&c, hex);
				if (strcmp(hex, e->head) != 0)
					continue;
			}
			/* The head matches: the whole audited part must too. */
			if (hash_prefix(paths[i], e->bytes, hex, &more, &last) != e->bytes ||
			    strcmp(hex, e->sha256) != 0)
				continue;
			best = e;
			best_more = more;
		}
		if (!best) {
			p->unexplained = known;
			continue;
		}
		p->from = best;
		if (!best_more)
			p->resume = AUD_RESUME_SKIP;
		else if (best->ends_nl || best->lines == 0)
			p->resume = best->lines;
		else
			p->resume = best->lines - 1;	/* the cut last line is judged again, whole */
	}
	free(head);
}

/* ---- the state after a run ----------------------------------------------- */

static void add_entry(struct st_state *s, size_t *cap, const struct st_entry *e, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].bytes == e->bytes && strcmp(s->v[i].sha256, e->sha256) == 0)
			return;	/* the same content, seen under another name */
	if (s->n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		s->v = xreallocarray(s->v, *cap, sizeof(*s->v));
	}
	s->v[s->n] = *e;
	s->v[s->n].path = xstrdup(path);
	s->n++;
}

void st_from_run(struct st_state *out, const struct aud_result *res, const struct st_plan *plan,
		 const char *digest)
{
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	for (size_t i = 0; i < res->ninputs; i++) {
		const struct aud_input *in = &res->inputs[i];
		struct st_entry e;
		if (in->complete && !in->already_audited && in->content_sha256[0] &&
		    strcmp(in->path, "-") != 0) {
			memset(&e, 0, sizeof(e));
			e.dev = in->dev;
			e.ino = in->ino;
			e.bytes = in->content_bytes;
			e.lines = in->lines;
			e.ends_nl = in->content_bytes == 0 || in->ends_nl;
			memcpy(e.sha256, in->content_sha256, 65);
			memcpy(e.head, in->head_sha256, 65);
			add_entry(out, &cap, &e, in->path);
		} else if (plan && plan[i].from) {
			e = *plan[i].from;
			add_entry(out, &cap, &e, in->path);
		}
	}
}
