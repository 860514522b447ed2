/*
 * audit.c - one audit run: inputs -> lines -> events -> findings.
 *
 * The driver of the pipeline (see audit.h), in two kinds of threads:
 *
 *   readers  take whole inputs from a shared counter; each decompresses
 *            and splits its input into lines (input.h, lines.h), detects
 *            the format from the first lines, joins multi-line records,
 *            and packs the records into chunks (~1 MiB of whole records:
 *            positions in the line reader's buffer, which the chunk holds,
 *            so a line is never copied; joined records are copied);
 *   parsers  take chunks from a bounded queue and parse, classify and judge
 *            every record (format.h, engine.h) into their own findings list
 *            and window records.
 *
 * So one large file keeps every core busy (inflate on one, parsing on the
 * others) and many files do too.  Memory is bounded by the chunk pool, not
 * by the input.  Per-input counters touched by parsers are merged once per
 * chunk under one lock; everything else a thread owns alone.  After the
 * threads join, results are merged in an order that does not depend on the
 * scheduling (findings sorted, windows judged over time-sorted records,
 * examples kept by line number), so any -j gives the same result.
 *
 * With -j 1 there are no threads: the reader parses each chunk itself.
 */
#include "common.h"

#include "audit.h"
#include "redact.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "inpwatch.h"
#include "lines.h"
#include "paths.h"
#include "progress.h"
#include "windows.h"
#include "xalloc.h"

/*
 * Records buffered (copied) to detect an input's format: DETECT_LINES of
 * them, fewer if they reach DETECT_BYTES.  Blank and comment lines never
 * use up the sample (SPEC §6): those before the first record are counted
 * and dropped, those between the sampled records are kept (a comment ends
 * a multi-line record) up to DETECT_HOLD bytes in all.
 */
#define DETECT_LINES 64
#define DETECT_BYTES (256 * 1024)
#define DETECT_HOLD (16 * 1024 * 1024)
/* Samples tried, one after another, before an input is "no known log format". */
#define DETECT_WINDOWS 16
#define EXAMPLE_MAX 200
/* How often (in lines) a reader reports progress. */
#define PROGRESS_EVERY 8192
/* A chunk: this many bytes of records, or this many records. */
#define CHUNK_BYTES (1024 * 1024)
#define CHUNK_RECS 8192

struct rec {
	uint64_t line;
	size_t off, len;
};

/*
 * A line buffer the readers' line readers fill (lr_new_lent): the lines in
 * it go to the parsers without a copy.  Held by the line reader while it
 * reads into it and by every chunk with records in it; back in the run's
 * pool (reused, never freed before the run ends) when the last lets go.
 */
struct block {
	struct block *next;	/* in the pool */
	atomic_uint refs;
	char data[];
};

struct chunk {
	struct chunk *next;
	struct aud_input *in;
	const struct fmt *f;
	int year;		/* the input's year, for syslog times without one */
	struct buf hdr;		/* header formats: the directives in effect for these records */
	/*
	 * The records' bytes: lines as the line reader returned them, in blk
	 * (a reference held), or else copies back to back in data (joined
	 * multi-line records, the lines held for format detection, JSON
	 * document records).  A chunk holds one kind only.
	 */
	struct block *blk;
	struct buf data;
	size_t bytes;		/* of the records, either kind */
	struct rec recs[CHUNK_RECS];
	size_t nrec;
};

struct run {
	const struct policy *pol;
	const struct fmt_set *fmts;
	const struct eng *eng;
	const struct aud_options *opts;
	const char *const *paths;
	size_t npaths;
	struct aud_result *res;
	const struct fmt *forced;
	atomic_size_t next;
	struct progress *progress;
	bool choice_assessable;
	bool inline_parse;	/* -j 1: readers parse their own chunks */
	/* The rules' `records = PATH`s: documents whose array is elsewhere (lines.h). */
	const char **records;
	size_t nrecords;

	/* The chunk queue and pool (threaded mode). */
	pthread_mutex_t lock;
	pthread_cond_t nonempty, freed;
	struct chunk *qhead, *qtail;
	struct chunk *free;
	size_t nchunks, maxchunks;
	struct block *blocks;	/* the pool of free line buffers */
	size_t blocksz;		/* their size: lr_bufsize(max_line) */
	bool readers_done;

	/* Per-input counters written by parsers are merged under this lock. */
	pthread_mutex_t stats_lock;
};

/* What a parser learns from one chunk, merged into its input under stats_lock. */
struct cstats {
	uint64_t parsed, unparsed, unmapped, skipped, pd_reads, window_dropped, findings_lost;
	bool has_time;
	int64_t tmin, tmax;
	struct aud_example ex[AUD_EXAMPLES];
	size_t nex;
};

struct parser {
	unsigned id;
	struct run *run;
	struct fmt_thread *ft;
	struct eng_thread *et;
	struct fnd_list findings;
	struct win_log *wl;
	struct arena arena;	/* examples that outlive the chunk */
	struct event ev;
	struct cstats cs;
	uint64_t failed_requests, transfers;
	uint64_t assessed[PR_COUNT];
	uint64_t reads_by_hour[24];
};

struct reader {
	struct run *run;
	struct fmt_thread *ft;	/* detection */
	struct arena arena;	/* overlong examples, error texts */
	struct buf record;	/* a multi-line record being joined */
	struct buf hdr;		/* header formats: the input's directives so far (fmt_header_update) */
	uint64_t record_line;
	bool quote_open;	/* csv_continuation: the record has an open quoted field */
	struct chunk *cur;
	struct block *blk;	/* the line reader's buffer (the last one it got) */
	struct parser *self;	/* inline mode: the parser this reader runs */
	int year;		/* of the input being read (year_of) */
	uint64_t pending_bytes, pending_lines, last_consumed;
};

/* Mark input i incomplete (if it is not already) with text. */
static void set_incomplete(struct aud_result *res, size_t i, const char *text)
{
	struct aud_input *in = &res->inputs[i];
	if (in->complete) {
		in->complete = false;
		in->error = arena_strndup(&res->arena, text, strlen(text));
	}
	res->incomplete = true;
}

size_t aud_memory_budget(void)
{
	const char *e = getenv("DPFAUDIT_MEMORY_BUDGET");
	if (e && *e) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(e, &end, 10);
		if (!errno && *end == '\0' && v >= 4096 && v <= SIZE_MAX)
			return (size_t)v;
	}
	return AUD_MEMORY_BUDGET;
}

unsigned aud_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void add_example(struct arena *a, struct aud_example *ex, size_t *n, uint64_t line, sv text)
{
	if (*n >= AUD_EXAMPLES)
		return;
	/* Never half an address: redaction at write time must see it whole. */
	text.n = red_safe_cut(text, EXAMPLE_MAX);
	ex[*n].line = line;
	ex[*n].text = arena_sv(a, text);
	(*n)++;
}

/*
 * Keep the AUD_EXAMPLES examples with the lowest line numbers, whichever
 * order chunks arrive in: the report shows the first ones of the file.
 */
static void merge_examples(struct aud_example *dst, size_t *n, const struct aud_example *src,
			   size_t ns)
{
	for (size_t i = 0; i < ns; i++) {
		size_t pos = *n;
		while (pos > 0 && dst[pos - 1].line > src[i].line)
			pos--;
		if (pos >= AUD_EXAMPLES)
			continue;
		size_t last = *n < AUD_EXAMPLES ? *n : AUD_EXAMPLES - 1;
		memmove(&dst[pos + 1], &dst[pos], (last - pos) * sizeof(*dst));
		dst[pos] = src[i];
		if (*n < AUD_EXAMPLES)
			(*n)++;
	}
}

/* Which principles an event can test (SPEC §5 "events assessed"). */
static void count_assessed(struct parser *p, const struct event *ev)
{
	if (ev->pd_read) {
		p->assessed[PR_SECURITY]++;
		p->assessed[PR_PURPOSE_LIMITATION]++;
		if (p->run->choice_assessable)
			p->assessed[PR_CHOICE]++;
	} else if (ev->status == 401 || ev->status == 403) {
		p->assessed[PR_SECURITY]++;
	}
	if ((ev->action == EV_EXPORT || ev->action == EV_TRANSFER) && !ev_failed(ev)) {
		p->transfers++;
		p->assessed[PR_ONWARD_TRANSFER]++;
	}
}

static void judge(struct parser *p, struct aud_input *in, sv line, uint64_t lineno,
		  const struct fmt *f)
{
	struct run *r = p->run;
	struct event *ev = &p->ev;
	struct cstats *cs = &p->cs;

	ev->raw = line;
	ev->file = (uint32_t)(in - r->res->inputs);
	ev->line = lineno;
	if (!fmt_parse(f, line, ev, p->ft)) {
		cs->unparsed++;
		add_example(&p->arena, cs->ex, &cs->nex, lineno, line);
		return;
	}
	/*
	 * fmt_parse resets the event but keeps raw, file and line.  A record
	 * that is no access by design (a format's `skip`, Kubernetes'
	 * intermediate stages, a syslog program that logs no access) is
	 * counted as skipped and dropped (SPEC §5): judging it would count one
	 * request twice (a denied request's every stage in a burst).
	 */
	if (ev->skip) {
		cs->skipped++;
		if (r->opts->on_skip)
			r->opts->on_skip(r->opts->on_event_arg, p->id, ev, NULL);
		return;
	} else if (ev->f[EVF_USER].n == 0 && ev->f[EVF_RESOURCE].n == 0) {
		/*
		 * Unmapped: the line has the format's shape but none of the
		 * fields it maps for user and resource (a JSON log with other
		 * keys): no access can be read from it, so it is not audited.
		 */
		cs->unparsed++;
		cs->unmapped++;
		add_example(&p->arena, cs->ex, &cs->nex, lineno, line);
		return;
	} else {
		cs->parsed++;
	}
	if (ev->has_time) {
		if (!cs->has_time || ev->time < cs->tmin)
			cs->tmin = ev->time;
		if (!cs->has_time || ev->time > cs->tmax)
			cs->tmax = ev->time;
		cs->has_time = true;
	}
	if (ev_failed(ev))
		p->failed_requests++;
	eng_classify(r->eng, ev, p->et);
	if (ev->pd_read) {
		cs->pd_reads++;
		if (ev->has_time) {
			int64_t h = (ev->time % 86400 + 86400) % 86400 / 3600;
			p->reads_by_hour[h]++;
		}
	}
	count_assessed(p, ev);

	struct eng_verdict v;
	size_t dropped = win_dropped(p->wl), lost = p->findings.lost;
	eng_judge(r->eng, ev, p->et, &p->findings, p->wl, &v);
	cs->window_dropped += win_dropped(p->wl) - dropped;
	cs->findings_lost += p->findings.lost - lost;
	if (r->opts->on_judged)
		r->opts->on_judged(r->opts->on_event_arg, p->id, ev, &v);
	if (r->opts->on_event && filter_event(&r->opts->filter, r->pol, ev, v.role))
		r->opts->on_event(r->opts->on_event_arg, p->id, ev, &v);
}

static void parse_chunk(struct parser *p, struct chunk *c)
{
	struct run *r = p->run;
	struct aud_input *in = c->in;

	const char *base = c->blk ? c->blk->data : c->data.p;

	memset(&p->cs, 0, sizeof(p->cs));
	fmt_thread_set_year(p->ft, c->year);
	fmt_thread_set_header(p->ft, buf_sv(&c->hdr));
	for (size_t i = 0; i < c->nrec; i++) {
		const struct rec *rc = &c->recs[i];
		judge(p, in, sv_make(base + rc->off, rc->len), rc->line, c->f);
	}
	if (!r->inline_parse)
		pthread_mutex_lock(&r->stats_lock);
	in->parsed += p->cs.parsed;
	in->events += p->cs.parsed;
	in->unparsed += p->cs.unparsed;
	in->unmapped += p->cs.unmapped;
	in->skipped += p->cs.skipped;
	in->pd_reads += p->cs.pd_reads;
	in->window_dropped += p->cs.window_dropped;
	in->findings_lost += p->cs.findings_lost;
	if (p->cs.has_time) {
		if (!in->has_time || p->cs.tmin < in->tmin)
			in->tmin = p->cs.tmin;
		if (!in->has_time || p->cs.tmax > in->tmax)
			in->tmax = p->cs.tmax;
		in->has_time = true;
	}
	merge_examples(in->unparsed_ex, &in->nunparsed_ex, p->cs.ex, p->cs.nex);
	if (!r->inline_parse)
		pthread_mutex_unlock(&r->stats_lock);
}

/* ---- the chunk queue --------------------------------------------------- */

/* A line buffer from the pool (or a new one), with one reference. */
static struct block *block_get(struct run *r)
{
	struct block *b;

	if (!r->inline_parse)
		pthread_mutex_lock(&r->lock);
	b = r->blocks;
	if (b)
		r->blocks = b->next;
	if (!r->inline_parse)
		pthread_mutex_unlock(&r->lock);
	if (!b)
		b = xmalloc(sizeof(*b) + r->blocksz);
	atomic_init(&b->refs, 1);
	return b;
}

/* Drop one reference; the last one puts b back in the pool. */
static void block_unref(struct run *r, struct block *b)
{
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	if (!r->inline_parse)
		pthread_mutex_lock(&r->lock);
	b->next = r->blocks;
	r->blocks = b;
	if (!r->inline_parse)
		pthread_mutex_unlock(&r->lock);
}

/* struct lr_lender for a reader: the line reader's buffers come from the pool. */
static char *lend_get(void *arg)
{
	struct reader *rd = arg;
	rd->blk = block_get(rd->run);
	return rd->blk->data;
}

static void lend_put(void *arg, char *buf)
{
	struct reader *rd = arg;
	struct block *b = (struct block *)(buf - offsetof(struct block, data));
	if (b == rd->blk)
		rd->blk = NULL;
	block_unref(rd->run, b);
}

static struct chunk *chunk_get(struct run *r)
{
	struct chunk *c;
	if (r->inline_parse) {
		c = r->free;
		if (c) {
			r->free = c->next;
		} else {
			c = xcalloc(1, sizeof(*c));
			buf_init(&c->data, 0);
			buf_init(&c->hdr, 0);
		}
	} else {
		pthread_mutex_lock(&r->lock);
		while (!r->free && r->nchunks >= r->maxchunks)
			pthread_cond_wait(&r->freed, &r->lock);
		c = r->free;
		if (c) {
			r->free = c->next;
		} else {
			r->nchunks++;
			c = NULL;
		}
		pthread_mutex_unlock(&r->lock);
		if (!c) {
			c = xcalloc(1, sizeof(*c));
			buf_init(&c->data, 0);
			buf_init(&c->hdr, 0);
		}
	}
	c->next = NULL;
	c->nrec = 0;
	c->blk = NULL;
	c->bytes = 0;
	buf_reset(&c->data);
	buf_reset(&c->hdr);
	return c;
}

static void chunk_put(struct run *r, struct chunk *c)
{
	if (c->blk)
		block_unref(r, c->blk);
	c->blk = NULL;
	if (r->inline_parse) {
		c->next = r->free;
		r->free = c;
		return;
	}
	pthread_mutex_lock(&r->lock);
	c->next = r->free;
	r->free = c;
	pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->lock);
}

static void chunk_send(struct reader *rd)
{
	struct run *r = rd->run;
	struct chunk *c = rd->cur;

	rd->cur = NULL;
	if (!c)
		return;
	if (c->nrec == 0) {
		chunk_put(r, c);
		return;
	}
	if (r->inline_parse) {
		parse_chunk(rd->self, c);
		chunk_put(r, c);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (r->qtail)
		r->qtail->next = c;
	else
		r->qhead = c;
	r->qtail = c;
	pthread_cond_signal(&r->nonempty);
	pthread_mutex_unlock(&r->lock);
}

static void *parser_main(void *arg)
{
	struct parser *p = arg;
	struct run *r = p->run;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (!r->qhead && !r->readers_done)
			pthread_cond_wait(&r->nonempty, &r->lock);
		struct chunk *c = r->qhead;
		if (!c) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		r->qhead = c->next;
		if (!r->qhead)
			r->qtail = NULL;
		pthread_mutex_unlock(&r->lock);
		parse_chunk(p, c);
		chunk_put(r, c);
	}
}

/* ---- readers ----------------------------------------------------------- */

/* Lines that are no log record: blank, or '#' comments (sample annotations, W3C headers). */
static bool skippable(sv line)
{
	/* Most lines start with a record: decided by the first byte (sv_trim's spaces: ' ', \t..\r). */
	if (line.n && line.p[0] != '#' && line.p[0] != ' ' &&
	    ((unsigned char)line.p[0] < '\t' || (unsigned char)line.p[0] > '\r'))
		return false;
	sv t = sv_trim(line);
	return t.n == 0 || t.p[0] == '#';
}

/* The line reader's buffer if rec is a line in it (no copy needed), else NULL. */
static struct block *lent_block(const struct reader *rd, sv rec)
{
	struct block *b = rd->blk;
	if (!b)
		return NULL;
	uintptr_t p = (uintptr_t)rec.p, d = (uintptr_t)b->data;
	return p >= d && p - d < rd->run->blocksz ? b : NULL;
}

/*
 * Append one whole record to the reader's chunk, sending the chunk when
 * full or when the record is in another buffer than the chunk's records.
 */
static void emit(struct reader *rd, struct aud_input *in, const struct fmt *f, sv rec,
		 uint64_t lineno)
{
	struct chunk *c = rd->cur;
	struct block *b = lent_block(rd, rec);
	if (c && (c->nrec == CHUNK_RECS || c->blk != b ||
		  (c->bytes && c->bytes + rec.n > CHUNK_BYTES))) {
		chunk_send(rd);
		c = NULL;
	}
	if (!c) {
		c = rd->cur = chunk_get(rd->run);
		c->in = in;
		c->f = f;
		c->year = rd->year;
		if (f->header)
			buf_addsv(&c->hdr, buf_sv(&rd->hdr));
		if (b) {
			atomic_fetch_add(&b->refs, 1);
			c->blk = b;
		}
	}
	c->recs[c->nrec].line = lineno;
	c->recs[c->nrec].len = rec.n;
	if (b) {
		c->recs[c->nrec].off = (size_t)(rec.p - b->data);
	} else {
		c->recs[c->nrec].off = c->data.len;
		buf_addsv(&c->data, rec);
	}
	c->bytes += rec.n;
	c->nrec++;
}

/*
 * A '#' line of an input in a header format (W3C `#Fields:`, Zeek
 * `#fields`): the records after it are read with the directives it changes,
 * so the records before it leave in a chunk of their own.  Also for lines a
 * resumed run skips: their directives still hold for the lines it reads.
 */
static void header_line(struct reader *rd, const struct fmt *f, sv line)
{
	if (f && f->header && fmt_header_update(&rd->hdr, line))
		chunk_send(rd);
}

/* Feed one line through record joining (multi-line formats) to emit(). */
static void feed(struct reader *rd, struct aud_input *in, sv line, uint64_t lineno,
		 const struct fmt *f)
{
	if (f->multiline) {
		bool cont = rd->record.len &&
			    (f->csv_continuation ? rd->quote_open : line.n && line.p[0] == '\t');
		if (cont) {
			if (f->csv_continuation && fmt_odd_quotes(line))
				rd->quote_open = !rd->quote_open;
			buf_addc(&rd->record, '\n');
			buf_addsv(&rd->record, line);
			if (rd->record.err) {
				/*
				 * Past the line limit the record keeps what fits, and
				 * the lost continuation counts as an overlong line: the
				 * audit of this input is not whole (exit 3).
				 */
				rd->record.err = 0;
				in->overlong++;
				add_example(&rd->arena, in->overlong_ex, &in->noverlong_ex, lineno, line);
			}
			return;
		}
		if (rd->record.len) {
			emit(rd, in, f, buf_sv(&rd->record), rd->record_line);
			buf_reset(&rd->record);
		}
		if (skippable(line)) {
			in->comments++;
			return;
		}
		buf_addsv(&rd->record, line);
		rd->record_line = lineno;
		rd->quote_open = f->csv_continuation && fmt_odd_quotes(line);
		return;
	}
	if (skippable(line)) {
		in->comments++;
		header_line(rd, f, line);
		return;
	}
	emit(rd, in, f, line, lineno);
}

static void report_progress(struct reader *rd, struct inp *ip, bool final)
{
	uint64_t c = inp_consumed(ip);
	rd->pending_bytes += c - rd->last_consumed;
	rd->last_consumed = c;
	if (final || rd->pending_lines >= PROGRESS_EVERY) {
		progress_add(rd->run->progress, rd->pending_bytes, rd->pending_lines);
		rd->pending_bytes = rd->pending_lines = 0;
	}
}

static int year_of(const char *path, int forced)
{
	struct stat st;
	time_t t;
	struct tm tm;

	if (forced)
		return forced;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0)
		t = st.st_mtime;
	else
		t = time(NULL);
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* An input no format could read: every record is unparsed (reader-owned then). */
static void count_unparsed(struct reader *rd, struct aud_input *in, sv line, uint64_t lineno)
{
	if (skippable(line)) {
		in->comments++;
		return;
	}
	in->unparsed++;
	add_example(&rd->arena, in->unparsed_ex, &in->nunparsed_ex, lineno, line);
}

/* A line held back while the format is detected. */
struct held {
	sv text;	/* copied into the detection arena */
	uint64_t no;
	bool overlong;
};

/*
 * An input a previous run audited exactly as it is now (state.h,
 * AUD_RESUME_SKIP): recorded as audited whole, nothing read.
 */
static void mark_already_audited(struct aud_input *in)
{
	struct stat sb;

	in->already_audited = true;
	in->complete = true;
	in->compression = "none";
	if (stat(in->path, &sb) == 0)
		in->size = (uint64_t)sb.st_size;
}

/* Open in->path (its identity noted for --state); NULL with in->error set. */
static struct inp *open_input(struct reader *rd, struct aud_input *in)
{
	const struct aud_options *o = rd->run->opts;
	struct diag err;
	struct inp *ip;

	if (o->content_digests && strcmp(in->path, "-") != 0) {
		struct stat sb;
		if (stat(in->path, &sb) == 0) {
			in->dev = (uint64_t)sb.st_dev;
			in->ino = (uint64_t)sb.st_ino;
		}
	}
	ip = inp_open(in->path, &err);
	if (!ip) {
		in->complete = false;
		in->error = arena_strndup(&rd->arena, err.msg, strlen(err.msg));
		in->compression = "none";
		return NULL;
	}
	in->size = inp_size(ip);
	if (o->no_raw_digests)
		inp_no_digest(ip);
	if (o->content_digests)
		inp_digest_output(ip);
	return ip;
}

/* A line the reader cannot audit whole: counted, and an example kept. */
static void count_overlong(struct reader *rd, struct aud_input *in, sv line, uint64_t lineno)
{
	in->overlong++;
	add_example(&rd->arena, in->overlong_ex, &in->noverlong_ex, lineno, line);
}

/*
 * Detect the format from the first records, then judge them: copy them
 * (the reader's views die at the next call), detect, feed them in order.
 * Lines up to skip were judged by a previous run.  Returns the format
 * (NULL: none could read the input; its lines are counted unparsed).
 */
static const struct fmt *detect_format(struct reader *rd, struct aud_input *in, struct lr *lr,
				       uint64_t skip)
{
	struct run *r = rd->run;
	const struct fmt *f = r->forced;
	struct arena tmp = ARENA_INIT;
	struct held *held = NULL;
	sv cand[DETECT_LINES], line;
	size_t n = 0, cap = 0, nc = 0, bytes = 0, hold = 0;
	enum lr_status st;
	bool eof = false;

	if (!f)
		f = fmt_for_path(r->fmts, in->path);
	/* A format given or tied to the path reads the first sample; the others detect on it. */
	for (unsigned window = 1;; window++) {
		while (nc < DETECT_LINES && bytes < DETECT_BYTES && hold < DETECT_HOLD &&
		       !(eof = (st = lr_next(lr, &line)) == LR_EOF)) {
			in->lines++;
			rd->pending_lines++;
			bool comment = st != LR_OVERLONG && skippable(line);
			if (comment && n == 0) {
				if (lr_lineno(lr) > skip)
					in->comments++;	/* no record open yet: nothing to replay */
				/* A header format's directives, for detection and the records. */
				fmt_header_update(&rd->hdr, line);
				continue;
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 2 * DETECT_LINES;
				held = xreallocarray(held, cap, sizeof(*held));
			}
			held[n].no = lr_lineno(lr);
			held[n].overlong = st == LR_OVERLONG;
			held[n].text = arena_sv(&tmp, line);
			hold += line.n;
			if (!comment && !held[n].overlong && line.p[0] != '\t') {
				cand[nc++] = held[n].text;
				bytes += line.n;
			}
			n++;
		}
		if (f)
			break;
		fmt_thread_set_header(rd->ft, buf_sv(&rd->hdr));
		f = nc ? fmt_detect(r->fmts, cand, nc, rd->ft) : NULL;
		/*
		 * A log may open with more than a sample of lines no format
		 * reads (a startup banner, a debug preamble): detect on the
		 * next sample, keeping every line held, so the records after
		 * the preamble are audited and the preamble is counted
		 * unparsed.  Bounded by DETECT_WINDOWS samples and DETECT_HOLD.
		 */
		if (f || eof || window >= DETECT_WINDOWS || hold >= DETECT_HOLD)
			break;
		nc = 0;
		bytes = 0;
	}
	if (f)
		in->format = f->name;
	for (size_t i = 0; i < n; i++) {
		if (held[i].no <= skip) {
			/* judged by a previous run; its directives still hold */
			if (!held[i].overlong)
				header_line(rd, f, held[i].text);
			continue;
		}
		if (held[i].overlong)
			count_overlong(rd, in, held[i].text, held[i].no);
		else if (f)
			feed(rd, in, held[i].text, held[i].no, f);
		else
			count_unparsed(rd, in, held[i].text, held[i].no);
	}
	/* feed() copied what it kept (chunk data, record buffer). */
	arena_release(&tmp);
	free(held);
	return f;
}

/* The lines after the detection sample, to the end of the input; the last chunk sent. */
static void read_rest(struct reader *rd, struct aud_input *in, struct lr *lr, struct inp *ip,
		      const struct fmt *f, uint64_t skip)
{
	enum lr_status st;
	sv line;

	while ((st = lr_next(lr, &line)) != LR_EOF) {
		uint64_t no = lr_lineno(lr);
		in->lines++;
		if (++rd->pending_lines >= PROGRESS_EVERY)
			report_progress(rd, ip, false);
		if (no <= skip) {
			/* judged by a previous run; its directives still hold */
			if (st != LR_OVERLONG && skippable(line))
				header_line(rd, f, line);
			continue;
		}
		if (st == LR_OVERLONG) {
			count_overlong(rd, in, line, no);
			continue;
		}
		if (!f)
			count_unparsed(rd, in, line, no);
		else
			feed(rd, in, line, no, f);
	}
	if (f && rd->record.len) {
		emit(rd, in, f, buf_sv(&rd->record), rd->record_line);
		buf_reset(&rd->record);
	}
	chunk_send(rd);
	report_progress(rd, ip, true);
}

/*
 * Whether the input was read whole, and if not why (in->error): changed
 * under us, a damaged JSON document, a damaged stream, or lines too long.
 */
static void judge_completeness(struct reader *rd, struct aud_input *in, struct lr *lr,
			       struct inp *ip, struct inw *watch)
{
	uint64_t off;
	const char *msg;
	char text[512];
	in->compression = inp_compression(ip);
	in->complete = true;
	bool damaged = inp_damaged(ip, &off, &msg);
	/* A JSON document's own damage (lines.h), unless the stream's came first. */
	bool docdamaged = !damaged && lr_damaged(lr, &off, &msg);
	const char *unit = lr_is_document(lr) ? "record" : "line";
	char changed[256];
	if (inw_check(watch, in->path, ip, damaged, changed, sizeof(changed))) {
		/* Truncated or replaced under us: what was read is a part of an unknown whole. */
		in->complete = false;
		snprintf(text, sizeof(text), "%s (%llu line(s) read)", changed,
			 (unsigned long long)in->lines);
		in->error = arena_strndup(&rd->arena, text, strlen(text));
	} else if (docdamaged) {
		/* Decompressed offset in the document; the records before it were read. */
		in->complete = false;
		snprintf(text, sizeof(text), "byte %llu of the JSON document (after record %llu): %s",
			 (unsigned long long)off, (unsigned long long)in->lines, msg);
		in->error = arena_strndup(&rd->arena, text, strlen(text));
	} else if (damaged) {
		/* The stream itself is damaged: where, and the last line read. */
		in->complete = false;
		in->error_offset = off;
		snprintf(text, sizeof(text), "byte %llu (after %s %llu): %s",
			 (unsigned long long)off, unit, (unsigned long long)in->lines, msg);
		in->error = arena_strndup(&rd->arena, text, strlen(text));
	} else if (in->overlong) {
		/* Lines were lost: the audit of this input is not whole. */
		size_t max_line = rd->run->opts->max_line;
		in->complete = false;
		snprintf(text, sizeof(text), lr_is_document(lr) ?
			 "record %llu: %llu record(s) of the JSON document longer than %zu bytes skipped" :
			 "line %llu: %llu line(s) longer than %zu bytes (alone or in a multi-line record) skipped",
			 (unsigned long long)in->overlong_ex[0].line,
			 (unsigned long long)in->overlong,
			 max_line ? max_line : (size_t)LR_DEFAULT_MAX);
		in->error = arena_strndup(&rd->arena, text, strlen(text));
	}
	/* An input in no known format: its share unparsed is judged by aud_check_unparsed(). */
}

/* The digests that recognise the input next time (--state) and where this run resumed. */
static void record_digests(const struct aud_options *o, struct aud_input *in, struct inp *ip,
			   uint64_t skip)
{
	const char *h = inp_sha256(ip);
	snprintf(in->sha256, sizeof(in->sha256), "%s", h ? h : "");
	in->resumed_after = skip < in->lines ? skip : in->lines;
	if (o->content_digests) {
		in->content_bytes = inp_produced(ip);
		in->ends_nl = inp_output_digests(ip, in->content_sha256, in->head_sha256) == '\n';
	}
}

/* Read input idx whole, on a reader: open, detect, feed, judge what was read. */
static void read_input(struct reader *rd, size_t idx)
{
	struct run *r = rd->run;
	struct aud_input *in = &r->res->inputs[idx];
	uint64_t skip = r->opts->resume ? r->opts->resume[idx] : 0;
	struct inw watch;
	struct inp *ip;
	struct lr *lr;

	in->path = r->paths[idx];
	if (skip == AUD_RESUME_SKIP) {
		mark_already_audited(in);
		return;
	}
	if (!(ip = open_input(rd, in)))
		return;
	inw_start(&watch, in->path, ip);
	rd->last_consumed = 0;
	/* Every thread that parses this input's chunks gets its year (parse_chunk). */
	rd->year = year_of(in->path, r->opts->year);
	fmt_thread_set_year(rd->ft, rd->year);
	struct lr_lender lend = { .get = lend_get, .put = lend_put, .arg = rd };
	lr = lr_new_lent(ip, r->opts->max_line, &lend);
	if (!lr) {
		inp_close(ip);
		in->error = "out of memory";
		return;
	}
	lr_set_records(lr, r->records, r->nrecords);
	buf_reset(&rd->record);
	rd->quote_open = false;
	buf_reset(&rd->hdr);
	const struct fmt *f = detect_format(rd, in, lr, skip);
	read_rest(rd, in, lr, ip, f, skip);
	judge_completeness(rd, in, lr, ip, &watch);
	record_digests(r->opts, in, ip, skip);
	lr_free(lr);
	inp_close(ip);
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct run *r = rd->run;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->npaths)
			break;
		read_input(rd, i);
	}
	return NULL;
}

/* Every regex of the policy, to report those that hit a match limit. */
static void add_limit(struct aud_result *res, const struct rx *x)
{
	if (!x)
		return;
	unsigned long hits = atomic_load(&((struct rx *)x)->limit_hits);
	if (!hits)
		return;
	struct aud_limit *nl = realloc(res->limits, (res->nlimits + 1) * sizeof(*nl));
	if (!nl)
		return;
	res->limits = nl;
	res->limits[res->nlimits].where = arena_strndup(&res->arena, x->where, strlen(x->where));
	res->limits[res->nlimits].hits = hits;
	res->nlimits++;
}

/* The regexes that hit their match limit, in the policy's order (policy_regexes()). */
static void collect_limits(const struct policy *p, struct aud_result *res)
{
	size_t n = policy_regexes(p, NULL);
	const struct rx **v = xreallocarray(NULL, n ? n : 1, sizeof(*v));

	policy_regexes(p, v);
	for (size_t i = 0; i < n; i++)
		add_limit(res, v[i]);
	free(v);
}

static bool any_optout_purpose(const struct policy *p)
{
	for (size_t i = 0; i < p->npurposes; i++)
		if (p->purposes[i].honours_optout)
			return true;
	return false;
}

static uint64_t total_size(const char *const *paths, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += paths_file_size(paths[i]);
	return t;
}

static void parser_init(struct parser *p, struct run *r, unsigned id)
{
	p->id = id;
	p->run = r;
	p->ft = fmt_thread_new();
	p->et = eng_thread_new(r->eng);
	p->wl = win_log_new();
	if (!p->ft || !p->et || !p->wl)
		xalloc_oom(sizeof(*p));
}

static void reader_init(struct reader *rd, struct run *r)
{
	rd->run = r;
	rd->ft = fmt_thread_new();
	if (!rd->ft)
		xalloc_oom(sizeof(*rd));
	/* A joined multi-line record is capped like a line. */
	buf_init(&rd->record, r->opts->max_line ? r->opts->max_line : LR_DEFAULT_MAX);
}

/* win_foreach callback: a record that could not be joined is counted as dropped. */
static void count_dropped(void *arg, const struct win_record *w)
{
	struct aud_result *res = arg;
	if (w->file < res->ninputs)
		res->inputs[w->file].window_dropped++;
}

/* ---- window records across runs (aud_options.carry_in, carry_out) ---- */

struct carry_ctx {
	struct win_log *dst;
	uint32_t file;		/* the index carried records get */
	bool retag;
	int64_t from;
};

static void carry_add(void *arg, const struct win_record *r)
{
	struct carry_ctx *c = arg;
	struct win_record w = *r;
	if (c->retag)
		w.file = c->file;
	if (w.time >= c->from)
		win_add_record(c->dst, &w);
}

/*
 * Carried records join this run's as input index npaths (past every input:
 * aud_finish() drops what they trigger); then the last two longest windows
 * of all records go to carry_out.
 */
static void carry(const struct policy *pol, const struct aud_options *opts, struct win_log *all,
		  size_t npaths)
{
	if (opts->carry_in) {
		struct carry_ctx c = { .dst = all, .file = (uint32_t)npaths, .retag = true,
				       .from = INT64_MIN };
		win_foreach(opts->carry_in, carry_add, &c);
	}
	if (opts->carry_out) {
		struct carry_ctx c = { .dst = opts->carry_out };
		int64_t tmax;
		if (win_time_max(all, &tmax)) {
			c.from = tmax - 2 * win_longest(pol);
			win_foreach_since(all, c.from, carry_add, &c);
		}
	}
}

/*
 * The queue's locks, jobs parsers sharing the window budget wb (which
 * outlives them) and the findings budget, and nreaders readers;
 * run_release() undoes it.
 */
static void run_init(struct run *r, unsigned jobs, unsigned nreaders, struct win_budget *wb,
		     struct parser **ps, struct reader **rds)
{
	const struct aud_options *opts = r->opts;
	size_t wmem = aud_memory_budget() / jobs;

	r->inline_parse = jobs == 1;
	r->maxchunks = 2 * (size_t)jobs + 2 * nreaders;
	r->blocksz = lr_bufsize(opts->max_line);
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->stats_lock, NULL);
	pthread_cond_init(&r->nonempty, NULL);
	pthread_cond_init(&r->freed, NULL);
	*ps = xcalloc(jobs, sizeof(**ps));
	*rds = xcalloc(nreaders, sizeof(**rds));
	for (unsigned i = 0; i < jobs; i++) {
		struct parser *p = &(*ps)[i];
		parser_init(p, r, i);
		/* Findings: one budget shared the same way (never 0 once given: 0 means no spill). */
		if (opts->findings_budget)
			p->findings.budget = opts->findings_budget / jobs ? opts->findings_budget / jobs : 1;
		win_log_set_budget(p->wl, wb);
		win_log_set_memory(p->wl, wmem);
		win_log_set_parts(p->wl, win_parts_for(jobs));
	}
	for (unsigned i = 0; i < nreaders; i++)
		reader_init(&(*rds)[i], r);
}

/*
 * Read every input: on this thread with -j 1, else with jobs parser threads
 * and nreaders reader threads, joined before returning.  When threads
 * cannot be started, the work falls back to this thread (see below).
 */
static void read_all(struct run *r, struct parser *ps, unsigned jobs, struct reader *rds,
		     unsigned nreaders)
{
	if (r->inline_parse) {
		rds[0].self = &ps[0];
		reader_main(&rds[0]);
		return;
	}
	pthread_t *pt = xcalloc(jobs, sizeof(*pt));
	pthread_t *rt = xcalloc(nreaders, sizeof(*rt));
	unsigned np = 0, nr = 0;
	for (; np < jobs; np++)
		if (pthread_create(&pt[np], NULL, parser_main, &ps[np]))
			break;
	if (np == 0) {
		/*
		 * No parser thread could start (EAGAIN: a thread limit):
		 * parse inline, as -j 1 does.  Nothing else runs yet, so
		 * the switch is safe; queueing chunks for no parser would
		 * block the reader once the pool is full.
		 */
		r->inline_parse = true;
		rds[0].self = &ps[0];
		reader_main(&rds[0]);
	} else {
		for (; nr < nreaders; nr++)
			if (pthread_create(&rt[nr], NULL, reader_main, &rds[nr]))
				break;
		if (nr == 0)	/* no reader thread could start: read here, the parsers drain */
			reader_main(&rds[0]);
	}
	for (unsigned i = 0; i < nr; i++)
		pthread_join(rt[i], NULL);
	pthread_mutex_lock(&r->lock);
	r->readers_done = true;
	pthread_cond_broadcast(&r->nonempty);
	pthread_mutex_unlock(&r->lock);
	for (unsigned i = 0; i < np; i++)
		pthread_join(pt[i], NULL);
	free(pt);
	free(rt);
}

/*
 * Move every parser's findings, window records, examples and counts into
 * res, *found and all, in parser order (the sorts in aud_finish() fix the
 * order inside), and free the parsers' thread state.  Returns the findings
 * the parsers lost while scanning (counted per input already).
 */
static size_t merge_parsers(struct aud_result *res, struct parser *ps, unsigned jobs,
			    struct fnd_list *found, struct win_log *all)
{
	size_t scan_lost = 0;

	for (unsigned i = 0; i < jobs; i++) {
		struct parser *p = &ps[i];
		scan_lost += p->findings.lost;
		if (!fnd_take(found, &p->findings)) {
			/* Out of memory joining: what is not kept is counted, never dropped silently. */
			struct fnd_iter it;
			const struct finding *f;
			for (fnd_iter_start(&p->findings, &it); (f = fnd_iter_next(&it));)
				if (f->file < res->ninputs)
					res->inputs[f->file].findings_lost++;
			fnd_release(&p->findings);
		}
		if (!win_take(all, p->wl))
			win_foreach(p->wl, count_dropped, res);
		arena_take(&res->arena, &p->arena);
		res->failed_requests += p->failed_requests;
		res->transfers += p->transfers;
		for (int k = 0; k < PR_COUNT; k++)
			res->assessed[k] += p->assessed[k];
		for (int h = 0; h < 24; h++)
			res->reads_by_hour[h] += p->reads_by_hour[h];
		fmt_thread_free(p->ft);
		eng_thread_free(p->et);
		win_log_free(p->wl);
	}
	return scan_lost;
}

/* The readers' examples and error texts move into res; the rest of the run is freed. */
static void run_release(struct run *r, struct reader *rds, unsigned nreaders)
{
	for (unsigned i = 0; i < nreaders; i++) {
		arena_take(&r->res->arena, &rds[i].arena);
		fmt_thread_free(rds[i].ft);
		buf_release(&rds[i].record);
		buf_release(&rds[i].hdr);
	}
	while (r->free) {
		struct chunk *c = r->free;
		r->free = c->next;
		buf_release(&c->data);
		buf_release(&c->hdr);
		free(c);
	}
	while (r->blocks) {
		struct block *b = r->blocks;
		r->blocks = b->next;
		free(b);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->stats_lock);
	pthread_cond_destroy(&r->nonempty);
	pthread_cond_destroy(&r->freed);
	free(r->records);
}

/*
 * After the threads joined (parsers may end after the reader): an input
 * that lost findings or window records was not audited whole; findings
 * lost joining the threads' lists (found->lost past scan_lost) make every
 * input incomplete.  wmax: the window limit, for the message; limit_hit:
 * whether it was reached; werr: why records were not kept otherwise
 * (win_drop_error: an errno, 0 if none was).
 */
static void settle_inputs(struct aud_result *res, const struct aud_options *opts, size_t wmax,
			  bool limit_hit, int werr, const struct fnd_list *found, size_t scan_lost)
{
	for (size_t i = 0; i < res->ninputs; i++) {
		struct aud_input *in = &res->inputs[i];
		if (in->format)
			in->format = arena_strndup(&res->arena, in->format, strlen(in->format));
		if (in->findings_lost && in->complete) {
			char text[256];
			snprintf(text, sizeof(text), "%llu finding(s) not kept: out of memory%s "
				 "(the report shows what was judged before)",
				 (unsigned long long)in->findings_lost,
				 opts->findings_budget ? ", or no temporary file for the findings "
				 "past the memory budget" : "");
			in->complete = false;
			in->error = arena_strndup(&res->arena, text, strlen(text));
		}
		if (in->window_dropped && in->complete) {
			/* Say what happened: the limit, memory, or the temporary file's error. */
			char text[384], limit[96] = "", why[160] = "";
			if (limit_hit)
				snprintf(limit, sizeof(limit), "the window limit (%zu records) was reached",
					 wmax);
			if (werr == ENOMEM || (!werr && !limit_hit))	/* the logs could not be joined */
				snprintf(why, sizeof(why), "out of memory");
			else if (werr)
				snprintf(why, sizeof(why), "temporary file for the window records: %s",
					 strerror(werr));
			snprintf(text, sizeof(text), "%llu personal-data read(s) or denial(s) not kept "
				 "for the windowed checks: %s%s%s",
				 (unsigned long long)in->window_dropped, limit, *limit && *why ? "; " : "",
				 why);
			in->complete = false;
			in->error = arena_strndup(&res->arena, text, strlen(text));
		}
	}
	if (found->lost > scan_lost) {
		/* Lost joining the threads' spilled lists: no input to name, so every input says it. */
		char text[256];
		snprintf(text, sizeof(text), "%zu finding(s) not kept joining the threads' findings: "
			 "out of memory or temporary file error", found->lost - scan_lost);
		for (size_t i = 0; i < res->ninputs; i++)
			set_incomplete(res, i, text);
	}
}

int aud_run(const struct policy *pol, const struct fmt_set *fmts, const struct eng *eng,
	    const char *const *paths, size_t npaths, const struct aud_options *opts,
	    struct aud_result *res, struct diag *err)
{
	struct run r = { 0 };
	unsigned jobs, nreaders;
	struct parser *ps;
	struct reader *rds;

	memset(res, 0, sizeof(*res));
	r.pol = pol;
	r.fmts = fmts;
	r.eng = eng;
	r.opts = opts;
	r.paths = paths;
	r.npaths = npaths;
	r.res = res;
	if (opts->format) {
		r.forced = fmt_by_name(fmts, opts->format);
		if (!r.forced)
			return diag_set(err, "unknown log format '%s'", opts->format);
	}
	res->ninputs = npaths;
	res->inputs = xcalloc(npaths, sizeof(*res->inputs));
	r.choice_assessable = any_optout_purpose(pol) && pol->optout.count > 0;
	r.records = xcalloc(pol->nformats + 1, sizeof(*r.records));
	for (size_t i = 0; i < pol->nformats; i++)
		if (pol->formats[i].records)
			r.records[r.nrecords++] = pol->formats[i].records;

	/*
	 * jobs parsers; one reader per input being read, at most jobs of them
	 * (a reader mostly waits on inflate, a parser on the CPU).
	 */
	jobs = opts->jobs ? opts->jobs : aud_cpus();
	nreaders = jobs < npaths ? jobs : (unsigned)(npaths ? npaths : 1);
	size_t wmax = opts->max_window_records ? opts->max_window_records : AUD_WINDOW_RECORDS;
	/* One budget for every parser: the limit does not depend on -j. */
	struct win_budget wbudget = { .max = wmax };
	run_init(&r, jobs, nreaders, &wbudget, &ps, &rds);

	r.progress = progress_start(opts->progress, total_size(paths, npaths));
	read_all(&r, ps, jobs, rds, nreaders);
	progress_stop(r.progress);

	struct win_log *all = win_log_new();
	win_log_set_parts(all, win_parts_for(jobs));
	struct fnd_list found = FND_LIST_INIT;
	found.budget = opts->findings_budget;
	size_t scan_lost = merge_parsers(res, ps, jobs, &found, all);
	run_release(&r, rds, nreaders);
	free(ps);
	free(rds);
	settle_inputs(res, opts, wmax, atomic_load(&wbudget.used) > wmax, win_drop_error(all),
		      &found, scan_lost);
	res->findings = found;
	collect_limits(pol, res);
	aud_check_unparsed(res, opts->max_unparsed_set ? opts->max_unparsed : AUD_MAX_UNPARSED);
	if (opts->defer_windows) {
		/* A partial result: the windows are judged where all shards meet. */
		res->windows = all;
		aud_totals(res);
		return 0;
	}
	carry(pol, opts, all, npaths);
	/* The threads the parsers used judge the windows' partitions. */
	win_log_set_jobs(all, jobs);
	aud_finish(pol, &opts->filter, all, res);
	win_log_free(all);
	return 0;
}


static void count_hour(struct aud_result *res, const struct finding *f)
{
	if (f->has_time)
		res->findings_by_hour[fnd_hour(f)]++;
}

/*
 * aud_finish() of a spilled list: what the in-memory path does in place
 * (drop the carried findings, filter, count per hour), done while the
 * sorted findings are read once into a new list of the same budget.
 */
static void finish_spilled(const struct policy *pol, const struct filter *filter,
			   struct aud_result *res)
{
	struct fnd_list *found = &res->findings;
	struct fnd_list kept = FND_LIST_INIT;
	bool filtering = filter && filter_active(filter);
	struct fnd_iter it;
	const struct finding *f;

	/*
	 * Most runs keep every finding: then the hours are what the list
	 * counted as it was filled, and the spilled file is not read here (a
	 * read error shows in the reports' first reading: aud_findings_unread).
	 */
	if (!filtering && fnd_counts_whole(found) && (!found->n || found->max_file < res->ninputs)) {
		memcpy(res->findings_by_hour, found->by_hour, sizeof(res->findings_by_hour));
		goto out;
	}
	memset(res->findings_by_hour, 0, sizeof(res->findings_by_hour));
	/* Else one reading counts the hours where nothing is to drop, and nothing is copied. */
	bool drop = filtering;
	for (fnd_iter_start(found, &it); !drop && (f = fnd_iter_next(&it));) {
		drop = f->file >= res->ninputs;
		count_hour(res, f);
	}
	if (!drop || fnd_error(found))
		goto out;
	memset(res->findings_by_hour, 0, sizeof(res->findings_by_hour));
	kept.budget = found->budget;
	for (fnd_iter_start(found, &it); (f = fnd_iter_next(&it));) {
		if (f->file >= res->ninputs)
			continue;
		if (filtering && !filter_finding(filter, pol, f)) {
			res->findings_filtered_out++;
			continue;
		}
		if (!fnd_add(&kept, f)) {
			res->inputs[f->file].findings_lost++;
			set_incomplete(res, f->file, "findings not kept: out of memory or temporary "
				       "file error (the report shows what was judged before)");
			continue;
		}
		count_hour(res, f);
	}
	if (!fnd_error(found)) {
		fnd_release(found);
		*found = kept;
	} else {
		fnd_release(&kept);
	}
out:
	aud_findings_unread(res);
}

void aud_incomplete(struct aud_result *res, const char *why)
{
	for (size_t i = 0; i < res->ninputs; i++)
		set_incomplete(res, i, why);
	res->incomplete = true;
}

void aud_findings_unread(struct aud_result *res)
{
	int e = fnd_error(&res->findings);
	if (!e)
		return;
	char text[256];
	snprintf(text, sizeof(text), "the findings could not be read back whole: "
		 "temporary file: %s", strerror(e));
	aud_incomplete(res, text);
}

void aud_finish(const struct policy *pol, const struct filter *filter, struct win_log *wl,
		struct aud_result *res)
{
	struct fnd_list *found = &res->findings;

	if (wl && win_evaluate(wl, pol, found) < 0) {
		/* The spilled window records could not be read back: say so on every input. */
		char text[256];
		snprintf(text, sizeof(text), "the windowed checks could not be judged whole: "
			 "temporary file: %s", strerror(win_error(wl) ? win_error(wl) : EIO));
		for (size_t i = 0; i < res->ninputs; i++) {
			struct aud_input *in = &res->inputs[i];
			if (in->complete) {
				in->complete = false;
				in->error = arena_strndup(&res->arena, text, strlen(text));
			}
		}
		res->incomplete = true;
	}
	/*
	 * A finding past the inputs was triggered by a record carried from an
	 * earlier run (aud_options.carry_in): that run reported it.
	 */
	if (fnd_spilled(found)) {
		finish_spilled(pol, filter, res);
		aud_totals(res);
		return;
	}
	size_t kept = 0;
	for (size_t i = 0; i < found->n; i++)
		if (found->v[i].file < res->ninputs)
			found->v[kept++] = found->v[i];
	found->n = kept;
	fnd_sort(found);

	/* Filters select what is reported; every event was judged above. */
	if (filter && filter_active(filter)) {
		size_t k = 0;
		for (size_t i = 0; i < found->n; i++) {
			if (filter_finding(filter, pol, &found->v[i]))
				found->v[k++] = found->v[i];
			else
				res->findings_filtered_out++;
		}
		found->n = k;
	}
	memset(res->findings_by_hour, 0, sizeof(res->findings_by_hour));
	for (size_t i = 0; i < found->n; i++)
		count_hour(res, &found->v[i]);
	aud_totals(res);
}
