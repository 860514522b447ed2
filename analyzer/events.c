/*
 * events.c - normalised events as JSON lines (see events.h).
 *
 * Workers call evw_on_event() concurrently, each for the inputs it reads
 * one after another.  A worker serialises an event at once (the event's
 * views die after the callback) into its own spool file, as one text line:
 *
 *     LINE FIRED ANY \t {"time":...,"verdict":["id",...
 *
 * that is, the JSON object up to the open "verdict" array.  The escaped JSON
 * holds no raw newline, so a spooled record is one line.  An input's records
 * are contiguous in one spool file (one worker reads it whole), so a segment
 * per input - which spool, where it starts, how many records - is all the
 * index there is.  evw_finish() walks the inputs in order, copies each
 * segment out, and closes each verdict with the windowed findings (judged
 * only after the scan) of that file and line.  Memory: per worker a stdio
 * buffer and a scratch buffer; per input one segment.
 */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "escape.h"
#include "timeutil.h"

struct evw_worker {
	FILE *spool;		/* unlinked temporary file, or NULL until needed */
	uint32_t cur;		/* input being spooled, UINT32_MAX: none yet */
	struct red *red;	/* this thread's redactor (red is not thread-safe) */
	struct buf scratch;
};

struct evw_seg {
	bool used;
	unsigned worker;
	off_t start;
	uint64_t count;
};

struct evw {
	const struct policy *pol;
	const char *const *paths;
	size_t npaths;
	bool redact;
	struct evw_worker *w;
	size_t nw;
	struct evw_seg *segs;
	atomic_int err;		/* first errno seen by a worker, 0 if none */
};

struct evw *evw_new(const struct policy *pol, const char *const *paths, size_t npaths,
		    bool redact, struct diag *err)
{
	struct evw *w = calloc(1, sizeof(*w));

	if (!w)
		goto oom;
	w->pol = pol;
	w->paths = paths;
	w->npaths = npaths;
	w->redact = redact;
	/* aud_run() never starts more workers than inputs. */
	w->nw = npaths ? npaths : 1;
	w->w = calloc(w->nw, sizeof(*w->w));
	w->segs = calloc(npaths ? npaths : 1, sizeof(*w->segs));
	if (!w->w || !w->segs)
		goto oom;
	for (size_t i = 0; i < w->nw; i++) {
		w->w[i].cur = UINT32_MAX;
		buf_init(&w->w[i].scratch, 0);
	}
	atomic_init(&w->err, 0);
	return w;
oom:
	if (w) {
		free(w->w);
		free(w->segs);
		free(w);
	}
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
		red_free(w->w[i].red);
		buf_release(&w->w[i].scratch);
	}
	free(w->w);
	free(w->segs);
	free(w);
}

/* ---- one event as JSON ---------------------------------------------------- */

struct jctx {
	FILE *out;
	struct red *red;
	struct buf *scratch;
};

static void j_plain(struct jctx *j, const char *key, sv s)
{
	fprintf(j->out, ",\"%s\":", key);
	if (!s.n)
		fputs("null", j->out);
	else
		esc_json_str(j->out, s);
}

/* Personal data: masked when redaction is on. */
static void j_masked(struct jctx *j, const char *key, sv s)
{
	if (!s.n || !j->red) {
		j_plain(j, key, s);
		return;
	}
	buf_reset(j->scratch);
	red_apply(j->red, s, j->scratch);
	fprintf(j->out, ",\"%s\":", key);
	if (j->scratch->err)
		fputs("\"[redacted]\"", j->out);	/* never leak on out-of-memory */
	else
		esc_json_str(j->out, buf_sv(j->scratch));
}

static void j_num(struct jctx *j, const char *key, int64_t v, bool known)
{
	if (known)
		fprintf(j->out, ",\"%s\":%" PRId64, key, v);
	else
		fprintf(j->out, ",\"%s\":null", key);
}

static const char *check_id(const struct policy *pol, size_t i)
{
	if (i < pol->nchecks && pol->checks[i].id)
		return pol->checks[i].id;
	if (i < CHK_BUILTIN_COUNT)
		return chk_info((enum chk_id)i)->id;
	return "?";
}

/* Write ids of built-in bits, each preceded by a comma unless first. */
static bool j_ids(FILE *out, const struct policy *pol, uint32_t bits, bool any)
{
	for (size_t i = 0; i < CHK_BUILTIN_COUNT; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (any)
			fputc(',', out);
		esc_json_str(out, sv_cstr(check_id(pol, i)));
		any = true;
	}
	return any;
}

/*
 * Everything up to and including the fired ids of v, the "verdict" array
 * left open.  Returns whether any id was written.
 */
static bool json_prefix(FILE *out, const struct policy *pol, struct red *red, struct buf *scratch,
			const char *path, const struct event *ev, const struct eng_verdict *v)
{
	struct jctx j = { out, red, scratch };
	char t[32];

	if (ev->has_time) {
		tu_format_iso(ev->time, t);
		fprintf(out, "{\"time\":\"%s\"", t);
	} else {
		fputs("{\"time\":null", out);
	}
	j_plain(&j, "user", ev->f[EVF_USER]);
	j_plain(&j, "role", v->role >= 0 && (size_t)v->role < pol->nroles ?
		sv_cstr(pol->roles[v->role].name) : SV_NULL);
	j_plain(&j, "action", sv_cstr(ev_action_name(ev->action)));
	j_plain(&j, "raw_action", ev->f[EVF_ACTION]);
	j_masked(&j, "resource", ev->f[EVF_RESOURCE]);
	j_masked(&j, "subject", ev->f[EVF_SUBJECT]);
	fputs(",\"categories\":[", out);
	bool first = true;
	for (size_t i = 0; i < pol->ncategories && i < 64; i++) {
		if (!(ev->categories & (1ULL << i)))
			continue;
		if (!first)
			fputc(',', out);
		esc_json_str(out, sv_cstr(pol->categories[i].name));
		first = false;
	}
	fputc(']', out);
	j_masked(&j, "reason", ev->f[EVF_REASON]);
	j_plain(&j, "src", ev->f[EVF_SRC]);
	j_masked(&j, "dst", ev->f[EVF_DST]);
	j_num(&j, "status", ev->status, ev->status >= 0);
	j_num(&j, "bytes", ev->bytes, ev->bytes >= 0);
	j_num(&j, "records", ev->records, ev->records >= 0);
	fprintf(out, ",\"pd_read\":%s", ev->pd_read ? "true" : "false");
	j_plain(&j, "file", sv_cstr(path ? path : "?"));
	fprintf(out, ",\"line\":%" PRIu64, ev->line);
	j_plain(&j, "justified_by", v->justified ? v->justified_by : SV_NULL);
	fprintf(out, ",\"inferred\":%s", v->justified && v->inferred ? "true" : "false");
	fputs(",\"verdict\":[", out);
	bool any = j_ids(out, pol, v->fired, false);
	for (size_t k = 0; k < 32; k++) {
		if (!(v->custom_fired & (1u << k)))
			continue;
		if (any)
			fputc(',', out);
		esc_json_str(out, sv_cstr(check_id(pol, CHK_BUILTIN_COUNT + k)));
		any = true;
	}
	return any;
}

void evw_json(FILE *out, const struct policy *pol, struct red *red, struct buf *scratch,
	      const char *path, const struct event *ev, const struct eng_verdict *v,
	      uint32_t extra_fired)
{
	bool any = json_prefix(out, pol, red, scratch, path, ev, v);
	j_ids(out, pol, extra_fired & ~v->fired, any);
	fputs("]}", out);
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
	}
	if (w->redact && !me->red) {
		me->red = red_new(w->pol);
		if (!me->red) {
			set_err(w, ENOMEM);
			return;
		}
	}
	struct evw_seg *seg = &w->segs[ev->file];
	if (me->cur != ev->file) {
		off_t at = ftello(me->spool);
		if (at < 0) {
			set_err(w, errno);
			return;
		}
		me->cur = ev->file;
		seg->used = true;
		seg->worker = worker;
		seg->start = at;
		seg->count = 0;
	}
	/* ANY: the prefix lists at least one id (built-in or custom). */
	fprintf(me->spool, "%" PRIu64 " %" PRIu32 " %d\t", ev->line, v->fired,
		(v->fired || v->custom_fired) ? 1 : 0);
	json_prefix(me->spool, w->pol, me->red, &me->scratch, w->paths[ev->file], ev, v);
	fputc('\n', me->spool);
	seg->count++;
}

/* ---- writing out ------------------------------------------------------------ */

struct copy {
	struct evw *w;
	const struct fnd_list *found;
};

/* Built-in check bits of the findings at (file, line); *k advances over the sorted list. */
static uint32_t findings_at(const struct fnd_list *l, size_t *k, uint32_t file, uint64_t line)
{
	uint32_t bits = 0;

	if (!l)
		return 0;
	while (*k < l->n && (l->v[*k].file < file ||
			     (l->v[*k].file == file && l->v[*k].line < line)))
		(*k)++;
	for (size_t i = *k; i < l->n && l->v[i].file == file && l->v[i].line == line; i++)
		if (l->v[i].check < CHK_BUILTIN_COUNT)
			bits |= 1u << l->v[i].check;
	return bits;
}

static int copy_out(void *arg, FILE *out)
{
	struct copy *c = arg;
	struct evw *w = c->w;
	char *line = NULL;
	size_t cap = 0, k = 0;
	int e = 0;

	for (size_t i = 0; i < w->npaths && !e; i++) {
		struct evw_seg *seg = &w->segs[i];
		if (!seg->used || !seg->count)
			continue;
		FILE *sp = w->w[seg->worker].spool;
		if (!sp || fseeko(sp, seg->start, SEEK_SET) != 0) {
			e = sp ? errno : EIO;
			break;
		}
		for (uint64_t r = 0; r < seg->count; r++) {
			ssize_t n = getline(&line, &cap, sp);
			char *end, *tab;
			if (n <= 0 || line[n - 1] != '\n' || !(tab = memchr(line, '\t', (size_t)n))) {
				e = ferror(sp) ? (errno ? errno : EIO) : EIO;
				break;
			}
			uint64_t lineno = strtoull(line, &end, 10);
			uint32_t fired = (uint32_t)strtoul(end, &end, 10);
			bool any = strtol(end, &end, 10) != 0;
			uint32_t extra = findings_at(c->found, &k, (uint32_t)i, lineno);
			fwrite(tab + 1, 1, (size_t)(line + n - 1 - (tab + 1)), out);
			j_ids(out, w->pol, extra & ~fired, any);
			fputs("]}\n", out);
		}
	}
	free(line);
	return e;
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
	struct copy c = { w, found };
	return evw_write_file(path, copy_out, &c, err);
}

/* ---- writing a file whole or not at all --------------------------------- */

static int run_fn(int (*fn)(void *, FILE *), void *arg, FILE *out)
{
	int e;

	errno = 0;
	e = fn(arg, out);
	if (fflush(out) != 0)
		return errno ? errno : EIO;
	if (e)
		return e;
	if (ferror(out))
		return EIO;
	return 0;
}

int evw_write_file(const char *path, int (*fn)(void *arg, FILE *out), void *arg,
		   struct diag *err)
{
	const char *shown = path && strcmp(path, "-") ? path : "standard output";
	struct stat st;
	struct buf tmp = BUF_INIT;
	FILE *out = NULL;
	int fd = -1, e = 0;

	if (!path || !strcmp(path, "-")) {
		clearerr(stdout);
		e = run_fn(fn, arg, stdout);
		if (e)
			goto fail;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			e = EISDIR;
			goto fail;
		}
		/* A device or FIFO: no rename possible, write straight to it. */
		out = fopen(path, "w");
		if (!out) {
			e = errno;
			goto fail;
		}
		e = run_fn(fn, arg, out);
		if (fclose(out) != 0 && !e)
			e = errno ? errno : EIO;
		out = NULL;
		if (e)
			goto fail;
		return 0;
	}
	buf_addf(&tmp, "%s.tmpXXXXXX", path);
	if (tmp.err) {
		e = ENOMEM;
		goto fail;
	}
	fd = mkstemp(tmp.p);
	if (fd < 0) {
		e = errno;
		buf_release(&tmp);
		goto fail;
	}
	/* Personal data: owner only, whatever the umask. */
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
		e = errno;
		goto fail;
	}
	out = fdopen(fd, "w");
	if (!out) {
		e = errno;
		goto fail;
	}
	fd = -1;
	e = run_fn(fn, arg, out);
	if (!e && fsync(fileno(out)) != 0 && errno != EINVAL && errno != EROFS)
		e = errno;
	if (fclose(out) != 0 && !e)
		e = errno ? errno : EIO;
	out = NULL;
	if (e)
		goto fail;
	if (rename(tmp.p, path) != 0) {
		e = errno;
		goto fail;
	}
	buf_release(&tmp);
	return 0;
fail:
	if (out)
		fclose(out);
	if (fd >= 0)
		close(fd);
	if (tmp.p) {
		unlink(tmp.p);
		buf_release(&tmp);
	}
	return diag_set(err, "%s: write error: %s", shown, strerror(e ? e : EIO));
}
