/*
 * cmd_trace.c - `dpfaudit trace --subject ID PATH...`: every access to one
 * data subject ("who touched customer 4711's data, and why?").
 *
 * The audit runs exactly as for scan - every event is judged, so windows
 * and evidence see everything - with the subject (and time, user, role)
 * filter in aud_options: the audit hands us, through on_event and
 * filter_event(), only the events of that subject.  Those are few, so we
 * copy them (per worker, no locks) and, after the scan, attach the windowed
 * findings (excessive-access, failed-access-burst: judged only at the end)
 * by file and line, sort by time (ties: file, line) and write the timeline:
 * text (a summary, then one line per event), csv or json.  --events also
 * writes them as JSON lines (events.h), in (file, line) order.
 */
#include "common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "escape.h"
#include "events.h"
#include "outcome.h"
#include "paths.h"
#include "redact.h"
#include "setup.h"
#include "timeutil.h"
#include "xalloc.h"

enum {
	O_SUBJECT = 1, O_RULES, O_FORMAT, O_SINCE, O_UNTIL, O_USER, O_ROLE, O_NOW, O_REPORT,
	O_EVENTS, O_NO_REDACT, O_JOBS, O_PROGRESS, O_NO_PROGRESS, O_MAX_LINE, O_YEAR,
	O_MAX_UNPARSED,
};

static const struct cli_opt trace_opts[] = {
	{ O_SUBJECT, 0, "subject", "ID", "the data subject to trace (required; repeatable)" },
	{ O_RULES, 'r', "rules", "PATH", "rule file or directory (repeatable; default: the installed rules)" },
	{ O_FORMAT, 'F', "log-format", "NAME", "force a log format (default: detect per file)" },
	{ O_SINCE, 0, "since", "T", "only events from T on (ISO 8601, or -24h, -7d, today, yesterday)" },
	{ O_UNTIL, 0, "until", "T", "only events up to T (a bare date includes that whole day)" },
	{ O_USER, 0, "user", "U", "only events by this user (repeatable)" },
	{ O_ROLE, 0, "role", "R", "only events judged under this role (repeatable)" },
	{ O_NOW, 0, "now", "T", "the current time for relative --since/--until (for reproducible runs)" },
	{ O_REPORT, 0, "report", "FMT[:FILE]", "text (default, stdout), csv or json; repeatable" },
	{ O_EVENTS, 0, "events", "FILE", "also write the events as JSON lines" },
	{ O_NO_REDACT, 0, "no-redact", NULL, "show resources and reasons unmasked (default: masked)" },
	{ O_JOBS, 'j', "jobs", "N", "worker threads (default: the number of CPUs)" },
	{ O_PROGRESS, 0, "progress", NULL, "show progress on stderr (default when it is a terminal)" },
	{ O_NO_PROGRESS, 0, "no-progress", NULL, "never show progress" },
	{ O_MAX_LINE, 0, "max-line", "BYTES", "longest line audited (default 1048576); longer ones are reported" },
	{ O_YEAR, 0, "year", "YYYY", "year for syslog timestamps without one (default: file mtime)" },
	OUT_MAX_UNPARSED_ROW(O_MAX_UNPARSED),
	CLI_END
};

static const char trace_usage[] = "--subject ID [OPTIONS] PATH...";

#define MAX_LIST 256

enum tr_fmt { TR_TEXT, TR_CSV, TR_JSON };

struct tr_report {
	enum tr_fmt fmt;
	const char *path;	/* NULL: stdout */
};

/* One event of the subject, copied out of the line it came from. */
struct tr_ev {
	int64_t time;
	bool has_time, pd_read;
	enum ev_action action;
	int status;
	int64_t bytes, records;
	uint64_t categories;
	uint32_t file;
	uint64_t line;
	sv user, raw_action, resource, subject, reason, src, dst;
	struct eng_verdict v;	/* justified_by copied */
	uint32_t windowed;	/* built-in check bits of findings judged after the scan */
};

/* Each worker's share: only that thread touches it while the audit runs. */
struct tr_worker {
	struct tr_ev *v;
	size_t n, cap;
	struct arena arena;
	bool oom;
};

struct trace {
	const char *rules[MAX_LIST];
	size_t nrules;
	struct tr_report reports[MAX_LIST];
	size_t nreports;
	const char *since, *until, *now;
	const char *users[MAX_LIST], *roles[MAX_LIST], *subjects[MAX_LIST];
	size_t nusers, nroles, nsubjects;
	const char *events;
	struct aud_options ao;
	int progress;	/* -1 auto */
	bool redact;

	/* while running */
	struct tr_worker *w;
	size_t nw;
	struct evw *evw;

	/* after the run */
	const struct policy *pol;
	const struct aud_result *res;
	struct tr_ev *all;
	size_t n;
	struct red *red;
	struct buf scratch;
};

static int too_many(const char *what)
{
	error("trace: too many %s (at most %d)", what, MAX_LIST);
	return DPF_EXIT_USAGE;
}

#define PUSH(arr, n, v, what) do { if ((n) >= MAX_LIST) return too_many(what); (arr)[(n)++] = (v); } while (0)

static int on_opt(void *ctx, int id, const char *val)
{
	struct trace *t = ctx;
	unsigned long n;
	int r;

	switch (id) {
	case O_SUBJECT:
		if (!*val) {
			error("trace: --subject: empty subject id");
			return DPF_EXIT_USAGE;
		}
		PUSH(t->subjects, t->nsubjects, val, "--subject");
		break;
	case O_RULES: PUSH(t->rules, t->nrules, val, "--rules"); break;
	case O_FORMAT: t->ao.format = val; break;
	case O_SINCE: t->since = val; break;
	case O_UNTIL: t->until = val; break;
	case O_NOW: t->now = val; break;
	case O_USER: PUSH(t->users, t->nusers, val, "--user"); break;
	case O_ROLE: PUSH(t->roles, t->nroles, val, "--role"); break;
	case O_REPORT: {
		const char *colon = strchr(val, ':');
		size_t len = colon ? (size_t)(colon - val) : strlen(val);
		enum tr_fmt f;
		if (len == 4 && !strncmp(val, "text", 4))
			f = TR_TEXT;
		else if (len == 3 && !strncmp(val, "csv", 3))
			f = TR_CSV;
		else if (len == 4 && !strncmp(val, "json", 4))
			f = TR_JSON;
		else {
			error("trace: unknown report format '%.*s' "
				"(expected text, csv or json)", (int)len, val);
			return DPF_EXIT_USAGE;
		}
		if (t->nreports >= MAX_LIST)
			return too_many("--report");
		t->reports[t->nreports].fmt = f;
		t->reports[t->nreports].path = colon && colon[1] ? colon + 1 : NULL;
		t->nreports++;
		break;
	}
	case O_EVENTS: t->events = val; break;
	case O_NO_REDACT: t->redact = false; break;
	case O_JOBS:
		if ((r = cli_uint("trace", "--jobs", val, 1024, &n)))
			return r;
		t->ao.jobs = (unsigned)n;
		break;
	case O_PROGRESS: t->progress = 1; break;
	case O_NO_PROGRESS: t->progress = 0; break;
	case O_MAX_LINE:
		if ((r = cli_uint("trace", "--max-line", val, 1UL << 30, &n)))
			return r;
		if (n < 64) {
			error("trace: --max-line: at least 64 bytes");
			return DPF_EXIT_USAGE;
		}
		t->ao.max_line = n;
		break;
	case O_YEAR:
		if ((r = cli_uint("trace", "--year", val, 9999, &n)))
			return r;
		t->ao.year = (int)n;
		break;
	case O_MAX_UNPARSED:
		t->ao.max_unparsed_set = true;
		return out_max_unparsed("trace", val, &t->ao.max_unparsed);
	}
	return 0;
}

/* Filters need the policy (role names), so they are built after loading it. */
static int build_filter(struct trace *t, const struct policy *pol)
{
	struct filter *f = &t->ao.filter;
	struct diag err;
	int64_t now = time(NULL);

	if (t->now && filter_parse_time(t->now, 0, false, &now, &err)) {
		error("trace: --now: %s", err.msg);
		return DPF_EXIT_USAGE;
	}
	if (t->since) {
		if (filter_parse_time(t->since, now, false, &f->since, &err)) {
			error("trace: --since: %s", err.msg);
			return DPF_EXIT_USAGE;
		}
		f->has_since = true;
	}
	if (t->until) {
		if (filter_parse_time(t->until, now, true, &f->until, &err)) {
			error("trace: --until: %s", err.msg);
			return DPF_EXIT_USAGE;
		}
		f->has_until = true;
	}
	for (size_t i = 0; i < t->nroles; i++) {
		if (policy_role(pol, sv_cstr(t->roles[i])) < 0) {
			error("trace: --role: unknown role '%s'", t->roles[i]);
			return DPF_EXIT_USAGE;
		}
	}
	f->users = t->users;
	f->nusers = t->nusers;
	f->roles = t->roles;
	f->nroles = t->nroles;
	f->subjects = t->subjects;
	f->nsubjects = t->nsubjects;
	return 0;
}

/* ---- collecting (worker threads) ----------------------------------------- */

static sv keep(struct arena *a, sv s)
{
	return s.n ? arena_sv(a, s) : SV_NULL;
}

static void on_event(void *arg, unsigned worker, const struct event *ev,
		     const struct eng_verdict *v)
{
	struct trace *t = arg;

	if (t->evw)
		evw_on_event(t->evw, worker, ev, v);
	if (worker >= t->nw)
		return;	/* cannot happen: parser threads are numbered 0 .. jobs-1 */
	struct tr_worker *w = &t->w[worker];
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct tr_ev *nv = realloc(w->v, cap * sizeof(*nv));
		if (!nv) {
			w->oom = true;
			return;
		}
		w->v = nv;
		w->cap = cap;
	}
	struct tr_ev *e = &w->v[w->n++];
	memset(e, 0, sizeof(*e));
	e->time = ev->time;
	e->has_time = ev->has_time;
	e->pd_read = ev->pd_read;
	e->action = ev->action;
	e->status = ev->status;
	e->bytes = ev->bytes;
	e->records = ev->records;
	e->categories = ev->categories;
	e->file = ev->file;
	e->line = ev->line;
	e->user = keep(&w->arena, ev->f[EVF_USER]);
	e->raw_action = keep(&w->arena, ev->f[EVF_ACTION]);
	e->resource = keep(&w->arena, ev->f[EVF_RESOURCE]);
	e->subject = keep(&w->arena, ev->f[EVF_SUBJECT]);
	e->reason = keep(&w->arena, ev->f[EVF_REASON]);
	e->src = keep(&w->arena, ev->f[EVF_SRC]);
	e->dst = keep(&w->arena, ev->f[EVF_DST]);
	e->v = *v;
	e->v.justified_by = keep(&w->arena, v->justified_by);
	if (v->any_custom) {	/* the engine's bitset is reused for the next event */
		size_t nb = eng_custom_words(t->pol) * sizeof(uint64_t);
		e->v.custom_fired = memcpy(arena_alloc(&w->arena, nb), v->custom_fired, nb);
	} else {
		e->v.custom_fired = NULL;
	}
}

/* ---- after the scan --------------------------------------------------------- */

static int by_place(const void *a, const void *b)
{
	const struct tr_ev *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return 0;
}

/* Time order; events without a time last; ties by file, line. */
static int by_time(const void *a, const void *b)
{
	const struct tr_ev *x = a, *y = b;
	if (x->has_time != y->has_time)
		return x->has_time ? -1 : 1;
	if (x->has_time && x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return by_place(a, b);
}

/* Windowed findings are judged after the scan: attach them by file and line. */
static void attach_windowed(struct trace *t, const struct fnd_list *l)
{
	size_t k = 0;

	qsort(t->all, t->n, sizeof(*t->all), by_place);
	for (size_t i = 0; i < t->n; i++) {
		struct tr_ev *e = &t->all[i];
		while (k < l->n && (l->v[k].file < e->file ||
				    (l->v[k].file == e->file && l->v[k].line < e->line)))
			k++;
		for (size_t j = k; j < l->n && l->v[j].file == e->file && l->v[j].line == e->line; j++)
			if (l->v[j].check < CHK_BUILTIN_COUNT)
				e->windowed |= (1u << l->v[j].check) & ~e->v.fired;
	}
	qsort(t->all, t->n, sizeof(*t->all), by_time);
}

static bool has_finding(const struct tr_ev *e)
{
	return e->v.fired || e->v.any_custom || e->windowed;
}

static const char *check_id(const struct policy *p, size_t i)
{
	if (i < p->nchecks && p->checks[i].id)
		return p->checks[i].id;
	return i < CHK_BUILTIN_COUNT ? chk_info((enum chk_id)i)->id : "?";
}

/* What the engine concluded, as a person reads it. */
static void verdict_text(const struct trace *t, const struct tr_ev *e, struct buf *out)
{
	const struct policy *p = t->pol;
	uint32_t bits = e->v.fired | e->windowed;
	bool any = false;

	for (size_t i = 0; i < CHK_BUILTIN_COUNT; i++) {
		if (bits & (1u << i)) {
			buf_adds(out, any ? ", " : "");
			buf_adds(out, check_id(p, i));
			any = true;
		}
	}
	for (size_t k = 0; CHK_BUILTIN_COUNT + k < p->nchecks; k++) {
		if (eng_custom_fired(&e->v, k)) {
			buf_adds(out, any ? ", " : "");
			buf_adds(out, check_id(p, CHK_BUILTIN_COUNT + k));
			any = true;
		}
	}
	if (e->v.justified) {
		buf_adds(out, any ? "; " : "");
		if (e->v.inferred && e->v.justified_by.n)
			buf_addf(out, "justified (inferred from %.*s)", (int)e->v.justified_by.n,
				 e->v.justified_by.p);
		else if (e->v.justified_by.n)
			buf_addf(out, "justified by %.*s", (int)e->v.justified_by.n, e->v.justified_by.p);
		else if (e->v.purpose >= 0 && (size_t)e->v.purpose < p->npurposes)
			buf_addf(out, "justified (purpose %s)", p->purposes[e->v.purpose].name);
		else
			buf_adds(out, "justified");
		any = true;
	}
	if (any)
		return;
	if (e->status >= 400)
		buf_addf(out, "failed (status %d): nothing read", e->status);
	else if (!e->pd_read)
		buf_adds(out, "no finding (not a personal-data read)");
	else
		buf_adds(out, "no finding");
}

static const char *role_name(const struct trace *t, const struct tr_ev *e)
{
	return e->v.role >= 0 && (size_t)e->v.role < t->pol->nroles ? t->pol->roles[e->v.role].name : "";
}

static const char *input_path(const struct trace *t, uint32_t file)
{
	return file < t->res->ninputs ? t->res->inputs[file].path : "?";
}

static void categories(const struct policy *p, uint64_t bits, const char *sep, struct buf *out)
{
	bool first = true;
	for (size_t i = 0; i < p->ncategories && i < 64; i++) {
		if (bits & (1ULL << i)) {
			buf_adds(out, first ? "" : sep);
			buf_adds(out, p->categories[i].name);
			first = false;
		}
	}
}

/* A personal value made safe for output: redacted unless --no-redact. */
static sv clean(struct trace *t, sv s, struct buf *into)
{
	buf_reset(into);
	if (t->red)
		red_apply(t->red, s, into);
	else
		esc_utf8_fix(into, s);
	if (into->err)
		return SV_LIT("[redacted]");
	return buf_sv(into);
}

/* ---- summary ---------------------------------------------------------------- */

struct tr_user {
	sv name;
	size_t count;
};

struct tr_sum {
	size_t events, pd_reads, failed, with_findings;
	struct tr_user *users;	/* by count, then name */
	size_t nusers;
	bool has_time;
	int64_t tmin, tmax;
};

static int by_count(const void *a, const void *b)
{
	const struct tr_user *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
	int c = n ? memcmp(x->name.p, y->name.p, n) : 0;
	if (c)
		return c;
	return x->name.n < y->name.n ? -1 : x->name.n > y->name.n;
}

static int summarize(const struct trace *t, struct tr_sum *s)
{
	memset(s, 0, sizeof(*s));
	s->users = calloc(t->n ? t->n : 1, sizeof(*s->users));
	if (!s->users)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct tr_ev *e = &t->all[i];
		s->events++;
		s->pd_reads += e->pd_read;
		s->failed += e->status >= 400;
		s->with_findings += has_finding(e);
		if (e->has_time) {
			if (!s->has_time || e->time < s->tmin)
				s->tmin = e->time;
			if (!s->has_time || e->time > s->tmax)
				s->tmax = e->time;
			s->has_time = true;
		}
		sv u = e->user.n ? e->user : SV_LIT("-");
		size_t k;
		for (k = 0; k < s->nusers; k++)
			if (sv_eq(s->users[k].name, u))
				break;
		if (k == s->nusers)
			s->users[s->nusers++].name = u;
		s->users[k].count++;
	}
	qsort(s->users, s->nusers, sizeof(*s->users), by_count);
	return 0;
}

/* ---- writers ----------------------------------------------------------------- */

struct tr_out {
	struct trace *t;
	const struct tr_sum *sum;
};

static void pad(FILE *out, size_t have, size_t width)
{
	for (; have < width + 2; have++)
		fputc(' ', out);
}

static int write_text(void *arg, FILE *out)
{
	struct tr_out *o = arg;
	struct trace *t = o->t;
	const struct tr_sum *s = o->sum;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char t1[32], t2[32];

	fputs("dpfaudit trace: subject ", out);
	for (size_t i = 0; i < t->nsubjects; i++) {
		if (i)
			fputs(", ", out);
		esc_text(out, clean(t, sv_cstr(t->subjects[i]), &a));
	}
	fputc('\n', out);
	fprintf(out, "accesses: %zu (%zu personal-data reads, %zu failed requests)\n",
		s->events, s->pd_reads, s->failed);
	fprintf(out, "unjustified: %zu (with any finding)\n", s->with_findings);
	fputs("by user:", out);
	for (size_t i = 0; i < s->nusers; i++) {
		fputs(i ? ", " : " ", out);
		esc_text(out, s->users[i].name);
		fprintf(out, ": %zu", s->users[i].count);
	}
	if (!s->nusers)
		fputs(" none", out);
	fputc('\n', out);
	if (s->has_time) {
		tu_format_iso(s->tmin, t1);
		tu_format_iso(s->tmax, t2);
		fprintf(out, "time range: %s .. %s\n", t1, t2);
	} else {
		fputs("time range: none\n", out);
	}
	for (size_t i = 0; i < t->res->ninputs; i++) {
		const struct aud_input *in = &t->res->inputs[i];
		if (!in->complete)
			fprintf(out, "INCOMPLETE: %s: %s\n", in->path, in->error ? in->error : "not read whole");
	}
	if (!t->n) {
		fputs("\nno event touches this subject\n", out);
		goto out;
	}

	/* Column widths from the data, so the timeline lines up. */
	enum { C_TIME, C_USER, C_ROLE, C_ACTION, C_CAT, C_REASON, C_STATUS, C_VERDICT, C_N };
	static const char *const head[C_N] = {
		"TIME", "USER", "ROLE", "ACTION", "CATEGORIES", "REASON", "STATUS", "VERDICT"
	};
	size_t wd[C_N];
	for (int c = 0; c < C_N; c++)
		wd[c] = strlen(head[c]);
	for (size_t i = 0; i < t->n; i++) {
		const struct tr_ev *e = &t->all[i];
		size_t l[C_N] = { 20, e->user.n ? e->user.n : 1, strlen(role_name(t, e)),
				  strlen(ev_action_name(e->action)), 0, 0, 3, 0 };
		buf_reset(&b);
		categories(t->pol, e->categories, ",", &b);
		l[C_CAT] = b.len ? b.len : 1;
		l[C_REASON] = e->reason.n ? clean(t, e->reason, &a).n : 1;
		buf_reset(&b);
		verdict_text(t, e, &b);
		l[C_VERDICT] = b.len;
		for (int c = 0; c < C_N; c++)
			if (l[c] > wd[c])
				wd[c] = l[c];
	}
	fputc('\n', out);
	for (int c = 0; c < C_N; c++) {
		fputs(head[c], out);
		pad(out, strlen(head[c]), wd[c]);
	}
	fputs("WHERE\n", out);
	for (size_t i = 0; i < t->n; i++) {
		const struct tr_ev *e = &t->all[i];
		sv v;
		if (e->has_time)
			tu_format_iso(e->time, t1);
		else
			memcpy(t1, "-", 2);
		fputs(t1, out);
		pad(out, strlen(t1), wd[C_TIME]);
		v = e->user.n ? e->user : SV_LIT("-");
		esc_text(out, v);
		pad(out, v.n, wd[C_USER]);
		fputs(*role_name(t, e) ? role_name(t, e) : "-", out);
		pad(out, *role_name(t, e) ? strlen(role_name(t, e)) : 1, wd[C_ROLE]);
		fputs(ev_action_name(e->action), out);
		pad(out, strlen(ev_action_name(e->action)), wd[C_ACTION]);
		buf_reset(&b);
		categories(t->pol, e->categories, ",", &b);
		fputs(b.len ? b.p : "-", out);
		pad(out, b.len ? b.len : 1, wd[C_CAT]);
		v = e->reason.n ? clean(t, e->reason, &a) : SV_LIT("-");
		esc_text(out, v);
		pad(out, v.n, wd[C_REASON]);
		if (e->status >= 0)
			fprintf(out, "%-3d", e->status);
		else
			fputs("-  ", out);
		pad(out, 3, wd[C_STATUS]);
		buf_reset(&b);
		verdict_text(t, e, &b);
		fputs(b.p, out);
		pad(out, b.len, wd[C_VERDICT]);
		esc_text(out, sv_cstr(input_path(t, e->file)));
		fprintf(out, ":%" PRIu64 "\n", e->line);
	}
out:
	buf_release(&a);
	buf_release(&b);
	return 0;
}

static int write_csv(void *arg, FILE *out)
{
	struct tr_out *o = arg;
	struct trace *t = o->t;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char ts[32];

	fputs("time,user,role,action,categories,reason,status,verdict,file,line\r\n", out);
	for (size_t i = 0; i < t->n; i++) {
		const struct tr_ev *e = &t->all[i];
		if (e->has_time) {
			tu_format_iso(e->time, ts);
			fputs(ts, out);
		}
		fputc(',', out);
		esc_csv(out, e->user);
		fputc(',', out);
		esc_csv(out, sv_cstr(role_name(t, e)));
		fputc(',', out);
		fputs(ev_action_name(e->action), out);
		fputc(',', out);
		buf_reset(&b);
		categories(t->pol, e->categories, ";", &b);
		esc_csv(out, buf_sv(&b));
		fputc(',', out);
		esc_csv(out, e->reason.n ? clean(t, e->reason, &a) : SV_NULL);
		fputc(',', out);
		if (e->status >= 0)
			fprintf(out, "%d", e->status);
		fputc(',', out);
		buf_reset(&b);
		verdict_text(t, e, &b);
		esc_csv(out, buf_sv(&b));
		fputc(',', out);
		esc_csv(out, sv_cstr(input_path(t, e->file)));
		fprintf(out, ",%" PRIu64 "\r\n", e->line);
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}

/* A tr_ev as the struct event the JSON writer reads. */
static void as_event(const struct tr_ev *e, struct event *ev)
{
	ev_reset(ev);
	ev->time = e->time;
	ev->has_time = e->has_time;
	ev->action = e->action;
	ev->status = e->status;
	ev->bytes = e->bytes;
	ev->records = e->records;
	ev->categories = e->categories;
	ev->pd_read = e->pd_read;
	ev->file = e->file;
	ev->line = e->line;
	ev->f[EVF_USER] = e->user;
	ev->f[EVF_ACTION] = e->raw_action;
	ev->f[EVF_RESOURCE] = e->resource;
	ev->f[EVF_SUBJECT] = e->subject;
	ev->f[EVF_REASON] = e->reason;
	ev->f[EVF_SRC] = e->src;
	ev->f[EVF_DST] = e->dst;
}

static void json_time(FILE *out, bool has, int64_t t)
{
	char ts[32];
	if (!has) {
		fputs("null", out);
		return;
	}
	tu_format_iso(t, ts);
	fprintf(out, "\"%s\"", ts);
}

static int write_json(void *arg, FILE *out)
{
	struct tr_out *o = arg;
	struct trace *t = o->t;
	const struct tr_sum *s = o->sum;
	struct buf a = BUF_INIT;
	struct event ev;

	fputs("{\"dpfaudit_trace\":1,\"subjects\":[", out);
	for (size_t i = 0; i < t->nsubjects; i++) {
		if (i)
			fputc(',', out);
		esc_json_str(out, clean(t, sv_cstr(t->subjects[i]), &a));
	}
	fprintf(out, "],\"summary\":{\"accesses\":%zu,\"personal_data_reads\":%zu,"
		"\"failed_requests\":%zu,\"unjustified\":%zu,\"by_user\":[",
		s->events, s->pd_reads, s->failed, s->with_findings);
	for (size_t i = 0; i < s->nusers; i++) {
		fputs(i ? ",{\"user\":" : "{\"user\":", out);
		esc_json_str(out, s->users[i].name);
		fprintf(out, ",\"count\":%zu}", s->users[i].count);
	}
	fputs("],\"from\":", out);
	json_time(out, s->has_time, s->tmin);
	fputs(",\"until\":", out);
	json_time(out, s->has_time, s->tmax);
	fprintf(out, ",\"complete\":%s,\"inputs\":[", t->res->incomplete ? "false" : "true");
	for (size_t i = 0; i < t->res->ninputs; i++) {
		const struct aud_input *in = &t->res->inputs[i];
		fputs(i ? ",{\"path\":" : "{\"path\":", out);
		esc_json_str(out, sv_cstr(in->path));
		fprintf(out, ",\"complete\":%s,\"error\":", in->complete ? "true" : "false");
		if (in->error)
			esc_json_str(out, sv_cstr(in->error));
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("]},\"events\":[", out);
	for (size_t i = 0; i < t->n; i++) {
		const struct tr_ev *e = &t->all[i];
		as_event(e, &ev);
		fputs(i ? ",\n" : "\n", out);
		evw_json(out, t->pol, t->red, &t->scratch, input_path(t, e->file), &ev, &e->v,
			 e->windowed);
	}
	fputs("\n]}\n", out);
	buf_release(&a);
	return 0;
}

/* Join the workers' events into one array. */
static int gather(struct trace *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nw; i++) {
		if (t->w[i].oom)
			return -1;
		n += t->w[i].n;
	}
	t->all = malloc((n ? n : 1) * sizeof(*t->all));
	if (!t->all)
		return -1;
	for (size_t i = 0; i < t->nw; i++) {
		if (t->w[i].n)
			memcpy(t->all + t->n, t->w[i].v, t->w[i].n * sizeof(*t->all));
		t->n += t->w[i].n;
	}
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct trace t;
	struct setup st;
	struct paths paths = PATHS_INIT;
	struct aud_result res;
	struct diag err;
	int first, r, status = DPF_EXIT_OK;
	bool have_res = false;

	memset(&t, 0, sizeof(t));
	t.progress = -1;
	t.redact = true;
	r = cli_parse("trace", trace_usage, trace_opts, argc, argv, on_opt, &t, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (!t.nsubjects) {
		error("trace: --subject ID is required\n"
			"try 'dpfaudit trace --help'");
		return DPF_EXIT_USAGE;
	}
	if ((r = setup_command("trace", argc, argv, first, t.rules, t.nrules, t.ao.format,
			       &paths, &st)))
		return r;
	if ((r = build_filter(&t, st.pol)))
		goto out;
	for (size_t i = 0; i < paths.nwarnings; i++)
		warning("%s", paths.warnings[i]);

	t.pol = st.pol;
	t.nw = t.ao.jobs ? t.ao.jobs : aud_cpus();	/* the audit's parser threads */
	t.w = xcalloc(t.nw, sizeof(*t.w));
	if (t.events) {
		t.evw = evw_new(st.pol, (const char *const *)paths.v, paths.n, t.ao.jobs, t.redact,
				 &err);
		if (!t.evw) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
	}
	t.ao.on_event = on_event;
	t.ao.on_event_arg = &t;
	t.ao.progress = t.progress < 0 ? isatty(STDERR_FILENO) : t.progress;
	if (aud_run(st.pol, st.fmts, st.eng, (const char *const *)paths.v, paths.n, &t.ao,
		    &res, &err)) {
		error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	have_res = true;
	t.res = &res;
	out_print_problems(&res);
	if (res.incomplete)
		status = DPF_EXIT_INCOMPLETE;

	if (gather(&t)) {
		error("trace: out of memory collecting the subject's events");
		r = DPF_EXIT_INCOMPLETE;
		goto out;
	}
	attach_windowed(&t, &res.findings);
	if (t.redact) {
		t.red = red_new(st.pol);
		if (!t.red) {
			error("trace: out of memory");
			r = DPF_EXIT_INCOMPLETE;
			goto out;
		}
	}
	buf_init(&t.scratch, 0);

	struct tr_sum sum;
	if (summarize(&t, &sum)) {
		error("trace: out of memory");
		r = DPF_EXIT_INCOMPLETE;
		goto out;
	}
	struct tr_out o = { &t, &sum };
	if (t.nreports == 0) {
		t.reports[0].fmt = TR_TEXT;
		t.reports[0].path = NULL;
		t.nreports = 1;
	}
	for (size_t i = 0; i < t.nreports; i++) {
		static int (*const fns[])(void *, FILE *) = {
			[TR_TEXT] = write_text, [TR_CSV] = write_csv, [TR_JSON] = write_json,
		};
		if (evw_write_file(t.reports[i].path, fns[t.reports[i].fmt], &o, &err)) {
			error("%s", err.msg);
			status = DPF_EXIT_INCOMPLETE;
		}
	}
	if (t.evw && evw_finish(t.evw, &res.findings, t.events, &err)) {
		error("%s", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}
	free(sum.users);
	r = status;

out:
	if (t.w) {
		for (size_t i = 0; i < t.nw; i++) {
			free(t.w[i].v);
			arena_release(&t.w[i].arena);
		}
		free(t.w);
	}
	free(t.all);
	red_free(t.red);
	buf_release(&t.scratch);
	evw_free(t.evw);
	if (have_res)
		aud_result_release(&res);
	setup_release(&st);
	paths_release(&paths);
	return r;
}
