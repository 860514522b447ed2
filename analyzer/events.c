/*
 * events.c - normalised events as JSON lines (see events.h).
 *
 * The audit's parser threads call evw_on_event() concurrently.  Each takes
 * chunks of consecutive records of one input and judges a chunk's records
 * in line order, so what one thread sees is a sequence of runs: records of
 * one input with increasing line numbers.  A thread serialises each event at
 * once (the event's views die after the callback) into its own spool file,
 * as one text line:
 *
 *     LINE FIRED ANY \t {"time":...,"verdict":["id",...
 *
 * that is, the JSON object up to the open "verdict" array; escaped JSON holds
 * no raw newline, so a record is one line.  The thread notes each run as a
 * segment (input, where it starts, how many records).
 *
 * evw_finish() walks the inputs in order; for each, every thread's segments
 * of that input form one cursor in increasing line order (a thread takes an
 * input's chunks in queue order), and a merge of at most jobs cursors by line
 * number gives the input's events in line order.  Each record's verdict is
 * closed with the windowed findings (judged only after the scan) of its file
 * and line.  So the file is in (file, line) order and byte-identical for any
 * -j, and memory is bounded: per thread a record buffer and a segment list
 * (one entry per chunk), never per event.
 */
#include "common.h"

#include "events.h"
#include "safefile.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "escape.h"
#include "jsonw.h"
#include "timeutil.h"

/* A run of one input's records, lines increasing, contiguous in a spool. */
struct evw_seg {
	uint32_t file;
	uint64_t first, last;	/* line numbers */
	off_t start;		/* spool offset of the first record */
	uint64_t count;
};

struct evw_worker {
	FILE *spool;		/* unlinked temporary file, or NULL until needed */
	struct evw_seg *segs;
	size_t nsegs, capsegs;
	struct red *red;	/* this thread's redactor (red is not thread-safe) */
	struct buf scratch;	/* redaction output */
	struct buf rec;		/* the record being built */
	char *iobuf;		/* the spool's stdio buffer */
};

/* Spools and the output are written in large blocks: fewer system calls. */
#define EVW_IOBUF (1024 * 1024)

struct evw {
	const struct policy *pol;
	const char *const *paths;
	size_t npaths;
	bool redact;
	const struct psd_map *psd;	/* NULL: the export is not pseudonymised */
	struct evw_worker *w;
	size_t nw;
	atomic_int err;		/* first errno seen by a worker, 0 if none */
};

struct evw *evw_new(const struct policy *pol, const char *const *paths, size_t npaths,
		    unsigned jobs, bool redact, struct diag *err)
{
	struct evw *w = calloc(1, sizeof(*w));

	if (!w)
		goto oom;
	w->pol = pol;
	w->paths = paths;
	w->npaths = npaths;
	w->redact = redact;
	/* The audit's parser threads are numbered 0 .. jobs-1. */
	w->nw = jobs ? jobs : 1;
	w->w = calloc(w->nw, sizeof(*w->w));
	if (!w->w)
		goto oom;
	for (size_t i = 0; i < w->nw; i++) {
		buf_init(&w->w[i].scratch, 0);
		buf_init(&w->w[i].rec, 0);
	}
	atomic_init(&w->err, 0);
	return w;
oom:
	free(w);
	diag_set(err, "out of memory");
	return NULL;
}

void evw_free(struct evw *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nw; i++) {
		if (w->w[i].spool)
			fclose(w->w[i].spool);
		free(w->w[i].segs);
		free(w->w[i].iobuf);
		red_free(w->w[i].red);
		buf_release(&w->w[i].scratch);
		buf_release(&w->w[i].rec);
	}
	free(w->w);
	free(w);
}

void evw_pseudonymize(struct evw *w, const struct psd_map *m)
{
	w->psd = m;
}

/* ---- one event as JSON ---------------------------------------------------- */

/*
 * An object is written with a staged writer (jsonw.h): built in a buffer
 * and written with one fwrite, because per-field stdio calls (each taking
 * the stream's lock) cost more than the audit itself.
 */
struct jctx {
	struct jw *w;
	struct red *red;	/* NULL: no redaction */
	struct buf *scratch;	/* redaction output */
};

static void j_plain(struct jw *w, const char *key, sv s)
{
	jw_key(w, key);
	if (!s.n)
		jw_null(w);
	else
		jw_str(w, s);
}

/* Personal data: masked when redaction is on. */
static void j_masked(struct jctx *j, const char *key, sv s)
{
	if (!s.n || !j->red) {
		j_plain(j->w, key, s);
		return;
	}
	buf_reset(j->scratch);
	red_apply(j->red, s, j->scratch);
	jw_key(j->w, key);
	if (j->scratch->err)
		jw_str(j->w, SV_LIT("[redacted]"));	/* never leak on out-of-memory */
	else
		jw_str(j->w, buf_sv(j->scratch));
}

static void j_num(struct jw *w, const char *key, int64_t v, bool known)
{
	jw_key(w, key);
	if (known)
		jw_int(w, v);
	else
		jw_null(w);
}

static const char *check_id(const struct policy *pol, size_t i)
{
	if (i < pol->nchecks && pol->checks[i].id)
		return pol->checks[i].id;
	if (i < CHK_BUILTIN_COUNT)
		return chk_info((enum chk_id)i)->id;
	return "?";
}

/* The ids of built-in bits, as members of the open array. */
static void j_ids(struct jw *w, const struct policy *pol, uint32_t bits)
{
	for (size_t i = 0; i < CHK_BUILTIN_COUNT; i++)
		if (bits & (1u << i))
			jw_str(w, sv_cstr(check_id(pol, i)));
}

/*
 * Write everything up to and including the fired ids of v, with the
 * "verdict" array (and the object) left open.
 */
static void json_prefix(struct jctx *j, const struct policy *pol, const char *path,
			const struct event *ev, const struct eng_verdict *v)
{
	struct jw *w = j->w;
	char t[32];

	jw_object_begin(w, JW_INLINE);
	jw_key(w, "time");
	if (ev->has_time) {
		tu_format_iso(ev->time, t);
		jw_str(w, sv_cstr(t));
	} else {
		jw_null(w);
	}
	j_plain(w, "user", ev->f[EVF_USER]);
	j_plain(w, "role", v->role >= 0 && (size_t)v->role < pol->nroles ?
		sv_cstr(pol->roles[v->role].name) : SV_NULL);
	j_plain(w, "action", sv_cstr(ev_action_name(ev->action)));
	j_plain(w, "raw_action", ev->f[EVF_ACTION]);
	j_masked(j, "resource", ev->f[EVF_RESOURCE]);
	j_masked(j, "subject", ev->f[EVF_SUBJECT]);
	jw_key(w, "categories");
	jw_array_begin(w, JW_INLINE);
	for (size_t i = 0; i < pol->ncategories && i < 64; i++)
		if (ev->categories & (1ULL << i))
			jw_str(w, sv_cstr(pol->categories[i].name));
	jw_array_end(w);
	j_masked(j, "reason", ev->f[EVF_REASON]);
	j_plain(w, "src", ev->f[EVF_SRC]);
	j_masked(j, "dst", ev->f[EVF_DST]);
	j_num(w, "status", ev->status, ev->status >= 0);
	j_num(w, "bytes", ev->bytes, ev->bytes >= 0);
	j_num(w, "records", ev->records, ev->records >= 0);
	jw_key_bool(w, "pd_read", ev->pd_read);
	j_plain(w, "file", sv_cstr(path ? path : "?"));
	j_num(w, "line", (int64_t)ev->line, true);
	j_plain(w, "justified_by", v->justified ? v->justified_by : SV_NULL);
	jw_key_bool(w, "inferred", v->justified && v->inferred);
	jw_key(w, "verdict");
	jw_array_begin(w, JW_INLINE);
	j_ids(w, pol, v->fired);
	for (size_t k = 0; CHK_BUILTIN_COUNT + k < pol->nchecks; k++)
		if (eng_custom_fired(v, k))
			jw_str(w, sv_cstr(check_id(pol, CHK_BUILTIN_COUNT + k)));
}

void evw_json(struct jw *w, const struct policy *pol, struct red *red, struct buf *scratch,
	      const char *path, const struct event *ev, const struct eng_verdict *v,
	      uint32_t extra_fired)
{
	struct jctx j = { w, red, scratch };

	json_prefix(&j, pol, path, ev, v);
	j_ids(w, pol, extra_fired & ~v->fired);
	jw_array_end(w);
	jw_object_end(w);
}

/* ---- spooling (worker threads) ------------------------------------------- */

static void set_err(struct evw *w, int e)
{
	int zero = 0;
	atomic_compare_exchange_strong(&w->err, &zero, e ? e : EIO);
}

/* An unlinked file in $TMPDIR: it holds personal data, so 0600 and nameless. */
static FILE *spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	struct buf name = BUF_INIT;
	FILE *f = NULL;
	int fd;

	buf_addf(&name, "%s/dpfaudit-events.XXXXXX", dir && *dir ? dir : "/tmp");
	if (name.err) {
		buf_release(&name);
		errno = ENOMEM;
		return NULL;
	}
	fd = mkstemp(name.p);
	if (fd >= 0) {
		unlink(name.p);
		if (fchmod(fd, S_IRUSR | S_IWUSR) == 0)
			f = fdopen(fd, "w+");
		if (!f)
			close(fd);
	}
	buf_release(&name);
	return f;
}

void evw_on_event(void *arg, unsigned worker, const struct event *ev,
		  const struct eng_verdict *v)
{
	struct evw *w = arg;

	if (worker >= w->nw || ev->file >= w->npaths) {
		set_err(w, EINVAL);	/* a contract the audit broke: say so, do not crash */
		return;
	}
	struct evw_worker *me = &w->w[worker];
	if (!me->spool) {
		me->spool = spool_open();
		if (!me->spool) {
			set_err(w, errno);
			return;
		}
		me->iobuf = malloc(EVW_IOBUF);
		if (me->iobuf)
			setvbuf(me->spool, me->iobuf, _IOFBF, EVW_IOBUF);
	}
	if (w->redact && !me->red) {
		me->red = red_new(w->pol);
		if (!me->red) {
			set_err(w, ENOMEM);
			return;
		}
	}
	struct evw_seg *seg = me->nsegs ? &me->segs[me->nsegs - 1] : NULL;
	if (!seg || seg->file != ev->file || ev->line <= seg->last) {
		/* A new run: a new chunk, of this or another input. */
		if (me->nsegs == me->capsegs) {
			size_t cap = me->capsegs ? 2 * me->capsegs : 64;
			struct evw_seg *ns = realloc(me->segs, cap * sizeof(*ns));
			if (!ns) {
				set_err(w, ENOMEM);
				return;
			}
			me->segs = ns;
			me->capsegs = cap;
		}
		off_t at = ftello(me->spool);
		if (at < 0) {
			set_err(w, errno);
			return;
		}
		seg = &me->segs[me->nsegs++];
		seg->file = ev->file;
		seg->first = ev->line;
		seg->start = at;
		seg->count = 0;
	}
	seg->last = ev->line;
	/* LINE FIRED ANY: ANY says the prefix lists an id (built-in or custom). */
	struct jw jw;
	struct jctx j = { &jw, me->red, &me->scratch };
	buf_reset(&me->rec);
	jw_init_staged(&jw, me->spool, 0, &me->rec);
	buf_addu64(&me->rec, ev->line);
	buf_addc(&me->rec, ' ');
	buf_addu64(&me->rec, v->fired);
	buf_adds(&me->rec, (v->fired || v->any_custom) ? " 1\t" : " 0\t");
	json_prefix(&j, w->pol, w->paths[ev->file], ev, v);
	buf_addc(&me->rec, '\n');
	jw_flush(&jw);
	if (me->rec.err)
		set_err(w, ENOMEM);
	seg->count++;
}

/* ---- writing out ------------------------------------------------------------ */

/*
 * Pseudonymising a spooled record: the JSON is ours (json_prefix()), so a
 * value is found by its key, a string value ends at its first unescaped
 * '"', and only the personal fields' values are rewritten (a subject "200"
 * must not replace the status).
 */
static bool psd_field(sv key)
{
	static const char *const keys[] = {
		"user", "raw_action", "resource", "subject", "reason", "src", "dst",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (sv_eq_cstr(key, keys[i]))
			return true;
	return false;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, u, n);
}

/* The escaped JSON string s (quotes excluded) decoded into b; esc_json() wrote it. */
static void json_unescape(sv s, struct buf *b)
{
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] != '\\' || i + 1 >= s.n) {
			buf_addc(b, s.p[i]);
			continue;
		}
		char c = s.p[++i];
		switch (c) {
		case 'b': buf_addc(b, '\b'); break;
		case 'f': buf_addc(b, '\f'); break;
		case 'n': buf_addc(b, '\n'); break;
		case 'r': buf_addc(b, '\r'); break;
		case 't': buf_addc(b, '\t'); break;
		case 'u':
			if (i + 4 < s.n) {
				uint32_t cp = 0;
				for (int k = 1; k <= 4; k++)	/* esc_json() wrote 4 hex digits */
					cp = cp << 4 | (uint32_t)(sv_hexval(s.p[i + k]) & 0xF);
				put_utf8(b, cp);	/* esc_json() escapes BMP characters only */
				i += 4;
			}
			break;
		default: buf_addc(b, c);	/* '"', '\\', '/' */
		}
	}
}

/* One string value (escaped, quotes excluded) written pseudonymised, quoted. */
static void psd_value(FILE *out, const struct psd_map *m, sv v, struct buf *tmp, struct buf *res)
{
	buf_reset(tmp);
	buf_reset(res);
	if (!memchr(v.p, '\\', v.n)) {
		/* Nothing escaped: the pseudonyms need no escaping either. */
		putc('"', out);
		if (psd_map_buf(m, v, res))
			fwrite(res->p, 1, res->len, out);
		else
			fwrite(v.p, 1, v.n, out);
		putc('"', out);
		return;
	}
	json_unescape(v, tmp);
	esc_json_str(out, psd_map_buf(m, buf_sv(tmp), res) ? buf_sv(res) : buf_sv(tmp));
}

/* The spooled JSON prefix j written with the personal fields pseudonymised. */
static void write_psd(FILE *out, const struct psd_map *m, sv j, struct buf *tmp, struct buf *res)
{
	size_t i = 0, copied = 0;

	while (i < j.n) {
		if (j.p[i] != '"') {
			i++;
			continue;
		}
		/* A string: a key when ':' follows it. */
		size_t start = ++i;
		while (i < j.n && j.p[i] != '"')
			i += j.p[i] == '\\' ? 2 : 1;
		if (i >= j.n)
			break;
		sv str = sv_make(j.p + start, i - start);
		i++;
		if (i + 1 < j.n && j.p[i] == ':' && j.p[i + 1] == '"' && psd_field(str)) {
			size_t vs = i + 2, ve = vs;
			while (ve < j.n && j.p[ve] != '"')
				ve += j.p[ve] == '\\' ? 2 : 1;
			if (ve >= j.n)
				break;
			fwrite(j.p + copied, 1, i + 1 - copied, out);
			psd_value(out, m, sv_make(j.p + vs, ve - vs), tmp, res);
			i = copied = ve + 1;
		}
	}
	fwrite(j.p + copied, 1, j.n - copied, out);
}

/*
 * The findings, read once in (file, line) order beside the events: one
 * finding held at a time, so a spilled list is never loaded whole.
 */
struct fcur {
	struct fnd_iter it;
	const struct finding *f;	/* the next finding not yet passed; NULL at the end */
	bool on;			/* a list to read */
	uint32_t file;			/* the place asked last, and its bits */
	uint64_t line;
	uint32_t bits;
	bool asked;
};

struct copy {
	struct evw *w;
	const struct fnd_list *found;
	struct fcur fc;
};

/*
 * Built-in check bits of the findings at (file, line); places are asked in
 * increasing order (the same place again gives the same bits).
 */
static uint32_t findings_at(struct fcur *c, uint32_t file, uint64_t line)
{
	if (!c->on)
		return 0;
	if (c->asked && c->file == file && c->line == line)
		return c->bits;
	c->asked = true;
	c->file = file;
	c->line = line;
	c->bits = 0;
	while (c->f && (c->f->file < file || (c->f->file == file && c->f->line < line)))
		c->f = fnd_iter_next(&c->it);
	for (; c->f && c->f->file == file && c->f->line == line; c->f = fnd_iter_next(&c->it))
		if (c->f->check < CHK_BUILTIN_COUNT)
			c->bits |= 1u << c->f->check;
	return c->bits;
}

/*
 * One thread's records of the input being written, in line order.  The
 * thread's segments are sorted by (file, first line) before the copy, so an
 * input's segments are adjacent and the cursor only moves forward.
 */
struct cursor {
	struct evw_worker *wk;
	size_t next;		/* next segment to load (index into wk->segs) */
	uint64_t left;		/* records left in the loaded one */
	bool have;		/* a record is loaded */
	uint64_t line;
	uint32_t fired;
	bool any;
	char *text;		/* the loaded record (getline buffer) */
	size_t cap;
	char *json;		/* its JSON prefix, inside text */
	size_t jlen;
};

/* Load the cursor's next record of input file; 0, or an errno value. */
static int cur_next(struct cursor *c, uint32_t file)
{
	c->have = false;
	while (!c->left) {
		if (c->next >= c->wk->nsegs || c->wk->segs[c->next].file != file)
			return 0;
		const struct evw_seg *sg = &c->wk->segs[c->next++];
		c->left = sg->count;
		if (fseeko(c->wk->spool, sg->start, SEEK_SET) != 0)
			return errno ? errno : EIO;
	}
	errno = 0;
	ssize_t n = getline(&c->text, &c->cap, c->wk->spool);
	char *end, *tab;
	if (n <= 0 || c->text[n - 1] != '\n' || !(tab = memchr(c->text, '\t', (size_t)n)))
		return ferror(c->wk->spool) && errno ? errno : EIO;
	c->line = strtoull(c->text, &end, 10);
	c->fired = (uint32_t)strtoul(end, &end, 10);
	c->any = strtol(end, &end, 10) != 0;
	c->json = tab + 1;
	c->jlen = (size_t)(c->text + n - 1 - c->json);
	c->left--;
	c->have = true;
	return 0;
}

static int by_place(const void *a, const void *b)
{
	const struct evw_seg *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

static int copy_out(void *arg, FILE *out)
{
	struct copy *c = arg;
	struct evw *w = c->w;
	struct buf rec = BUF_INIT, tmp = BUF_INIT, res = BUF_INIT;
	struct cursor *cs = calloc(w->nw, sizeof(*cs));
	int e = 0;

	if (!cs)
		return ENOMEM;
	c->fc.on = c->found != NULL;
	if (c->found) {
		fnd_iter_start(c->found, &c->fc.it);
		c->fc.f = fnd_iter_next(&c->fc.it);
	}
	for (size_t t = 0; t < w->nw; t++) {
		cs[t].wk = &w->w[t];
		if (cs[t].wk->nsegs > 1)
			qsort(cs[t].wk->segs, cs[t].wk->nsegs, sizeof(*cs[t].wk->segs), by_place);
	}
	for (size_t i = 0; i < w->npaths && !e; i++) {
		for (size_t t = 0; t < w->nw && !e; t++)
			e = cur_next(&cs[t], (uint32_t)i);
		while (!e) {
			struct cursor *m = NULL;
			for (size_t t = 0; t < w->nw; t++)
				if (cs[t].have && (!m || cs[t].line < m->line))
					m = &cs[t];
			if (!m)
				break;
			uint32_t extra = findings_at(&c->fc, (uint32_t)i, m->line) & ~m->fired;
			if (w->psd)
				write_psd(out, w->psd, sv_make(m->json, m->jlen), &tmp, &res);
			else
				fwrite(m->json, 1, m->jlen, out);
			/* The spooled object and its verdict array are open: close them. */
			struct jw jw;
			jw_init_staged(&jw, out, 0, &rec);
			jw_object_resume(&jw, true);
			jw_array_resume(&jw, m->any);
			j_ids(&jw, w->pol, extra);
			jw_array_end(&jw);
			jw_object_end(&jw);
			buf_addc(&rec, '\n');
			jw_flush(&jw);
			e = cur_next(m, (uint32_t)i);
		}
	}
	/* The findings' temporary file failed: the verdicts are not whole. */
	if (!e && c->found && fnd_error(c->found))
		e = fnd_error(c->found);
	for (size_t t = 0; t < w->nw; t++)
		free(cs[t].text);
	free(cs);
	buf_release(&rec);
	buf_release(&tmp);
	buf_release(&res);
	return e;
}

/* Whether l is in (file, line) order, as findings_at() needs (a spilled list always is). */
static bool sorted_by_place(const struct fnd_list *l)
{
	if (fnd_spilled(l))
		return true;
	for (size_t i = 1; i < l->n; i++)
		if (l->v[i].file < l->v[i - 1].file ||
		    (l->v[i].file == l->v[i - 1].file && l->v[i].line < l->v[i - 1].line))
			return false;
	return true;
}

int evw_finish(struct evw *w, const struct fnd_list *found, const char *path, struct diag *err)
{
	const char *shown = path && strcmp(path, "-") ? path : "standard output";
	int e = atomic_load(&w->err);

	for (size_t i = 0; i < w->nw && !e; i++) {
		FILE *sp = w->w[i].spool;
		if (sp && (fflush(sp) != 0 || ferror(sp)))
			e = errno ? errno : EIO;
	}
	if (e)
		return diag_set(err, "%s: write error: events could not be spooled: %s", shown,
				strerror(e));
	/*
	 * A partial result (scan --partial) has its findings unsorted and its
	 * windows unjudged: the engine's own verdicts are all there is then.
	 */
	struct copy c = { .w = w, .found = found && sorted_by_place(found) ? found : NULL };
	return evw_write_file(path, copy_out, &c, err);
}

int evw_write_file(const char *path, int (*fn)(void *arg, FILE *out), void *arg,
		   struct diag *err)
{
	return sf_write(path, fn, arg, err);
}
