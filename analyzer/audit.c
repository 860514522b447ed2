/*
 * audit.c - one audit run: inputs -> lines -> events -> findings.
 *
 * The driver of the pipeline (see audit.h).  Each worker thread takes whole
 * inputs from a shared counter and owns everything it touches while it
 * reads one: its format and engine scratch, its findings list, its window
 * records and the per-input statistics slot.  Nothing is shared mutable but
 * the input counter and the progress counters, so there are no locks on
 * the hot path.  After the workers join, their results are merged in
 * worker-independent order (findings sorted, windows judged over
 * time-sorted records), so any -j gives the same result.
 */
#include "audit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "lines.h"
#include "progress.h"
#include "windows.h"

/* Lines buffered (copied) to detect an input's format. */
#define DETECT_LINES 64
#define DETECT_BYTES (256 * 1024)
#define EXAMPLE_MAX 200
/* How often (in lines) a worker reports progress. */
#define PROGRESS_EVERY 8192

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
};

struct worker {
	unsigned id;
	struct run *run;
	struct fmt_thread *ft;
	struct eng_thread *et;
	struct fnd_list findings;
	struct win_log *wl;
	struct arena arena;	/* examples and names that outlive the input */
	struct buf record;	/* a multi-line record being joined */
	uint64_t record_line;
	struct event ev;
	/* totals over this worker's inputs */
	uint64_t failed_requests, transfers;
	uint64_t assessed[PR_COUNT];
	uint64_t reads_by_hour[24];
	uint64_t pending_bytes, pending_lines;
	uint64_t last_consumed;
	bool choice_assessable;
	int err;		/* setup failure in the thread */
};

unsigned aud_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void add_example(struct worker *w, struct aud_example *ex, size_t *n, uint64_t line, sv text)
{
	if (*n >= AUD_EXAMPLES)
		return;
	if (text.n > EXAMPLE_MAX)
		text.n = EXAMPLE_MAX;
	ex[*n].line = line;
	ex[*n].text = arena_sv(&w->arena, text);
	(*n)++;
}

/* Which principles an event can test (SPEC §5 "events assessed"). */
static void count_assessed(struct worker *w, const struct event *ev)
{
	if (ev->pd_read) {
		w->assessed[PR_SECURITY]++;
		w->assessed[PR_PURPOSE_LIMITATION]++;
		if (w->choice_assessable)
			w->assessed[PR_CHOICE]++;
	} else if (ev->status == 401 || ev->status == 403) {
		w->assessed[PR_SECURITY]++;
	}
	if ((ev->action == EV_EXPORT || ev->action == EV_TRANSFER) && !ev_failed(ev)) {
		w->transfers++;
		w->assessed[PR_ONWARD_TRANSFER]++;
	}
}

static void judge(struct worker *w, struct aud_input *in, sv line, uint64_t lineno,
		  const struct fmt *f)
{
	struct run *r = w->run;
	struct event *ev = &w->ev;

	ev->raw = line;
	ev->file = (uint32_t)(in - r->res->inputs);
	ev->line = lineno;
	if (!f || !fmt_parse(f, line, ev, w->ft)) {
		in->unparsed++;
		add_example(w, in->unparsed_ex, &in->nunparsed_ex, lineno, line);
		return;
	}
	/* fmt_parse resets the event but keeps raw, file and line. */
	in->parsed++;
	in->events++;
	if (ev->has_time) {
		if (!in->has_time || ev->time < in->tmin)
			in->tmin = ev->time;
		if (!in->has_time || ev->time > in->tmax)
			in->tmax = ev->time;
		in->has_time = true;
	}
	if (ev_failed(ev))
		w->failed_requests++;
	eng_classify(r->eng, ev, w->et);
	if (ev->pd_read) {
		in->pd_reads++;
		if (ev->has_time) {
			int64_t h = (ev->time % 86400 + 86400) % 86400 / 3600;
			w->reads_by_hour[h]++;
		}
	}
	count_assessed(w, ev);

	struct eng_verdict v;
	eng_judge(r->eng, ev, w->et, &w->findings, w->wl, &v);
	if (r->opts->on_event && filter_event(&r->opts->filter, r->pol, ev, v.role))
		r->opts->on_event(r->opts->on_event_arg, w->id, ev, &v);
}

/* Lines that are no log record: blank, or '#' comments (sample annotations, W3C headers). */
static bool skippable(sv line)
{
	sv t = sv_trim(line);
	return t.n == 0 || t.p[0] == '#';
}

/* Feed one line through record joining (multi-line formats) to judge(). */
static void feed(struct worker *w, struct aud_input *in, sv line, uint64_t lineno,
		 const struct fmt *f)
{
	if (f && f->multiline) {
		if (line.n && line.p[0] == '\t' && w->record.len) {
			buf_addc(&w->record, '\n');
			buf_addsv(&w->record, line);
			if (w->record.err) {
				/* A record past the line limit: judge what fits, count it. */
				w->record.err = 0;
			}
			return;
		}
		if (w->record.len) {
			struct buf tmp = w->record;
			judge(w, in, buf_sv(&tmp), w->record_line, f);
			buf_reset(&w->record);
		}
		if (skippable(line)) {
			in->skipped++;
			return;
		}
		buf_addsv(&w->record, line);
		w->record_line = lineno;
		return;
	}
	if (skippable(line)) {
		in->skipped++;
		return;
	}
	judge(w, in, line, lineno, f);
}

static void flush_record(struct worker *w, struct aud_input *in, const struct fmt *f)
{
	if (w->record.len) {
		judge(w, in, buf_sv(&w->record), w->record_line, f);
		buf_reset(&w->record);
	}
}

static void report_progress(struct worker *w, struct inp *ip, bool final)
{
	uint64_t c = inp_consumed(ip);
	w->pending_bytes += c - w->last_consumed;
	w->last_consumed = c;
	if (final || w->pending_lines >= PROGRESS_EVERY) {
		progress_add(w->run->progress, w->pending_bytes, w->pending_lines);
		w->pending_bytes = w->pending_lines = 0;
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

static void read_input(struct worker *w, size_t idx)
{
	struct run *r = w->run;
	struct aud_input *in = &r->res->inputs[idx];
	struct diag err;
	struct inp *ip;
	struct lr *lr;
	const struct fmt *f = r->forced;
	sv line;
	enum lr_status st;

	in->path = r->paths[idx];
	ip = inp_open(in->path, &err);
	if (!ip) {
		in->complete = false;
		in->error = arena_strndup(&w->arena, err.msg, strlen(err.msg));
		in->compression = "none";
		return;
	}
	in->size = inp_size(ip);
	w->last_consumed = 0;
	fmt_thread_set_year(w->ft, year_of(in->path, r->opts->year));
	lr = lr_new(ip, r->opts->max_line);
	if (!lr) {
		inp_close(ip);
		in->error = "out of memory";
		return;
	}
	buf_reset(&w->record);

	if (!f) {
		/*
		 * Detect from the first records: copy them (the reader's views
		 * die at the next call), detect, then judge them in order.
		 */
		struct arena tmp = ARENA_INIT;
		sv lines[DETECT_LINES];
		uint64_t nos[DETECT_LINES];
		bool longs[DETECT_LINES];
		size_t n = 0, bytes = 0;
		while (n < DETECT_LINES && bytes < DETECT_BYTES &&
		       (st = lr_next(lr, &line)) != LR_EOF) {
			in->lines++;
			w->pending_lines++;
			nos[n] = lr_lineno(lr);
			longs[n] = st == LR_OVERLONG;
			lines[n] = arena_sv(&tmp, line);
			bytes += line.n;
			n++;
		}
		sv cand[DETECT_LINES];
		size_t nc = 0;
		for (size_t i = 0; i < n; i++)
			if (!longs[i] && !skippable(lines[i]) && lines[i].p[0] != '\t')
				cand[nc++] = lines[i];
		f = nc ? fmt_detect(r->fmts, cand, nc, w->ft) : NULL;
		for (size_t i = 0; i < n; i++) {
			if (longs[i]) {
				in->overlong++;
				add_example(w, in->overlong_ex, &in->noverlong_ex, nos[i], lines[i]);
				continue;
			}
			feed(w, in, lines[i], nos[i], f);
		}
		arena_release(&tmp);
	}
	if (f)
		in->format = f->name;

	while ((st = lr_next(lr, &line)) != LR_EOF) {
		in->lines++;
		if (++w->pending_lines >= PROGRESS_EVERY)
			report_progress(w, ip, false);
		if (st == LR_OVERLONG) {
			in->overlong++;
			add_example(w, in->overlong_ex, &in->noverlong_ex, lr_lineno(lr), line);
			continue;
		}
		if (!f) {
			/* Nothing detected in the first lines: every later line is unparsed too. */
			if (skippable(line)) {
				in->skipped++;
				continue;
			}
			in->unparsed++;
			add_example(w, in->unparsed_ex, &in->nunparsed_ex, lr_lineno(lr), line);
			continue;
		}
		feed(w, in, line, lr_lineno(lr), f);
	}
	flush_record(w, in, f);
	report_progress(w, ip, true);

	uint64_t off;
	const char *msg;
	char text[512];
	in->compression = inp_kind(ip) == INP_GZIP ? "gzip" : "plain";
	in->complete = true;
	if (inp_damaged(ip, &off, &msg)) {
		/* The stream itself is damaged: where, and the last line read. */
		in->complete = false;
		in->error_offset = off;
		snprintf(text, sizeof(text), "byte %llu (after line %llu): %s",
			 (unsigned long long)off, (unsigned long long)in->lines, msg);
		in->error = arena_strndup(&w->arena, text, strlen(text));
	} else if (in->overlong) {
		/* Lines were lost: the audit of this input is not whole. */
		in->complete = false;
		snprintf(text, sizeof(text), "line %llu: %llu line(s) longer than %zu bytes skipped",
			 (unsigned long long)in->overlong_ex[0].line,
			 (unsigned long long)in->overlong,
			 r->opts->max_line ? r->opts->max_line : (size_t)LR_DEFAULT_MAX);
		in->error = arena_strndup(&w->arena, text, strlen(text));
	} else if (!f && in->lines > in->skipped) {
		/* Nothing in it could be read as a log: it was not audited at all. */
		in->complete = false;
		snprintf(text, sizeof(text), "no known log format: none of its %llu line(s) could be parsed",
			 (unsigned long long)(in->lines - in->skipped));
		in->error = arena_strndup(&w->arena, text, strlen(text));
	}
	const char *h = inp_sha256(ip);
	snprintf(in->sha256, sizeof(in->sha256), "%s", h ? h : "");
	lr_free(lr);
	inp_close(ip);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->npaths)
			break;
		read_input(w, i);
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

static void collect_limits(const struct policy *p, struct aud_result *res)
{
	for (size_t i = 0; i < p->ncategories; i++)
		for (size_t j = 0; j < p->categories[i].nmatchers; j++)
			add_limit(res, p->categories[i].matchers[j].rx);
	for (size_t i = 0; i < p->npurposes; i++)
		for (size_t j = 0; j < p->purposes[i].nreasons; j++)
			add_limit(res, p->purposes[i].reasons[j]);
	for (size_t i = 0; i < p->nchecks; i++)
		for (size_t j = 0; j < p->checks[i].nmatchers; j++)
			add_limit(res, p->checks[i].matchers[j].rx);
	for (size_t i = 0; i < p->nformats; i++) {
		add_limit(res, p->formats[i].pattern);
		add_limit(res, p->formats[i].prefix);
	}
	for (size_t i = 0; i < p->napproved; i++)
		add_limit(res, p->approved[i]);
	for (size_t i = 0; i < p->nredact; i++)
		add_limit(res, p->redact[i]);
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
	struct stat st;
	for (size_t i = 0; i < n; i++)
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			t += (uint64_t)st.st_size;
	return t;
}

int aud_run(const struct policy *pol, const struct fmt_set *fmts, const struct eng *eng,
	    const char *const *paths, size_t npaths, const struct aud_options *opts,
	    struct aud_result *res, struct diag *err)
{
	struct run r = { 0 };
	unsigned jobs;
	struct worker *ws;
	pthread_t *tids;

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
	res->inputs = calloc(npaths ? npaths : 1, sizeof(*res->inputs));
	if (!res->inputs)
		return diag_set(err, "out of memory");

	jobs = opts->jobs ? opts->jobs : aud_cpus();
	if (jobs > npaths)
		jobs = npaths ? (unsigned)npaths : 1;
	ws = calloc(jobs, sizeof(*ws));
	tids = calloc(jobs, sizeof(*tids));
	if (!ws || !tids) {
		free(ws);
		free(tids);
		return diag_set(err, "out of memory");
	}
	bool choice = any_optout_purpose(pol) && pol->optout.count > 0;
	for (unsigned i = 0; i < jobs; i++) {
		ws[i].id = i;
		ws[i].run = &r;
		ws[i].ft = fmt_thread_new();
		ws[i].et = eng_thread_new(eng);
		ws[i].wl = win_log_new();
		ws[i].choice_assessable = choice;
		buf_init(&ws[i].record, opts->max_line ? opts->max_line : LR_DEFAULT_MAX);
		if (!ws[i].ft || !ws[i].et || !ws[i].wl) {
			for (unsigned k = 0; k <= i; k++) {
				fmt_thread_free(ws[k].ft);
				eng_thread_free(ws[k].et);
				win_log_free(ws[k].wl);
				buf_release(&ws[k].record);
			}
			free(ws);
			free(tids);
			return diag_set(err, "out of memory");
		}
	}

	r.progress = progress_start(opts->progress, total_size(paths, npaths));
	if (jobs == 1) {
		worker_main(&ws[0]);
	} else {
		unsigned started = 0;
		for (; started < jobs; started++)
			if (pthread_create(&tids[started], NULL, worker_main, &ws[started]))
				break;
		if (started == 0)
			worker_main(&ws[0]);
		for (unsigned i = 0; i < started; i++)
			pthread_join(tids[i], NULL);
	}
	progress_stop(r.progress);

	/* Merge in worker order; order inside is fixed by the sorts below. */
	struct win_log *all = win_log_new();
	struct fnd_list found = FND_LIST_INIT;
	for (unsigned i = 0; i < jobs; i++) {
		struct worker *w = &ws[i];
		fnd_take(&found, &w->findings);
		win_take(all, w->wl);
		arena_take(&res->arena, &w->arena);
		res->failed_requests += w->failed_requests;
		res->transfers += w->transfers;
		for (int p = 0; p < PR_COUNT; p++)
			res->assessed[p] += w->assessed[p];
		for (int h = 0; h < 24; h++)
			res->reads_by_hour[h] += w->reads_by_hour[h];
		fmt_thread_free(w->ft);
		eng_thread_free(w->et);
		win_log_free(w->wl);
		buf_release(&w->record);
	}
	free(ws);
	free(tids);
	for (size_t i = 0; i < npaths; i++) {
		struct aud_input *in = &res->inputs[i];
		if (in->format)
			in->format = arena_strndup(&res->arena, in->format, strlen(in->format));
	}
	res->findings = found;
	collect_limits(pol, res);
	if (opts->defer_windows) {
		/* A partial result: the windows are judged where all shards meet. */
		res->windows = all;
		aud_totals(res);
		return 0;
	}
	aud_finish(pol, &opts->filter, all, res);
	win_log_free(all);
	return 0;
}

void aud_totals(struct aud_result *res)
{
	res->lines = res->parsed = res->unparsed = res->overlong = 0;
	res->events = res->pd_reads = res->skipped = 0;
	res->incomplete = false;
	res->has_time = false;
	for (size_t i = 0; i < res->ninputs; i++) {
		struct aud_input *in = &res->inputs[i];
		res->lines += in->lines;
		res->parsed += in->parsed;
		res->unparsed += in->unparsed;
		res->overlong += in->overlong;
		res->events += in->events;
		res->pd_reads += in->pd_reads;
		res->skipped += in->skipped;
		if (!in->complete)
			res->incomplete = true;
		if (in->has_time) {
			if (!res->has_time || in->tmin < res->tmin)
				res->tmin = in->tmin;
			if (!res->has_time || in->tmax > res->tmax)
				res->tmax = in->tmax;
			res->has_time = true;
		}
	}
}

void aud_finish(const struct policy *pol, const struct filter *filter, struct win_log *wl,
		struct aud_result *res)
{
	struct fnd_list *found = &res->findings;

	if (wl)
		win_evaluate(wl, pol, found);
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
	for (size_t i = 0; i < found->n; i++) {
		if (found->v[i].has_time) {
			int64_t h = (found->v[i].time % 86400 + 86400) % 86400 / 3600;
			res->findings_by_hour[h]++;
		}
	}
	aud_totals(res);
}

void aud_result_release(struct aud_result *res)
{
	if (res->windows)
		win_log_free(res->windows);
	fnd_release(&res->findings);
	free(res->inputs);
	free(res->limits);
	arena_release(&res->arena);
	memset(res, 0, sizeof(*res));
}
