/*
 * trace.c - the timeline of `dpfaudit trace` (see trace.h): attaching the
 * findings, sorting, the summary and the four writers.
 *
 * Personal values (resource, reason, subject) go through the set's
 * redactor; users are shown as they are, as in every report (an audit
 * names who accessed data), unless pseudonymised.
 */
#include "common.h"

#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "events.h"
#include "jsonw.h"
#include "timeutil.h"
#include "xalloc.h"

int tr_parse_format(const char *name, size_t len, enum tr_fmt *out)
{
	static const struct { const char *name; enum tr_fmt fmt; } fmts[] = {
		{ "text", TR_TEXT }, { "csv", TR_CSV }, { "json", TR_JSON }, { "html", TR_HTML },
	};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (strlen(fmts[i].name) == len && !memcmp(fmts[i].name, name, len)) {
			*out = fmts[i].fmt;
			return 0;
		}
	}
	return -1;
}

/* ---- building the set ------------------------------------------------------ */

static sv keep(struct arena *a, sv s)
{
	return s.n ? arena_sv(a, s) : SV_NULL;
}

static int grow(struct tr_set *s, size_t more)
{
	if (s->n + more <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 64;
	while (cap < s->n + more)
		cap *= 2;
	struct tr_ev *nv = try_reallocarray(s->ev, cap, sizeof(*nv));
	if (!nv)
		return -1;
	s->ev = nv;
	s->cap = cap;
	return 0;
}

int tr_add(struct tr_set *s, const struct tr_ev *e)
{
	if (grow(s, 1))
		return -1;
	struct tr_ev *d = &s->ev[s->n++];
	*d = *e;
	d->user = keep(&s->arena, e->user);
	d->raw_action = keep(&s->arena, e->raw_action);
	d->resource = keep(&s->arena, e->resource);
	d->subject = keep(&s->arena, e->subject);
	d->reason = keep(&s->arena, e->reason);
	d->src = keep(&s->arena, e->src);
	d->dst = keep(&s->arena, e->dst);
	d->v.justified_by = keep(&s->arena, e->v.justified_by);
	if (e->v.any_custom && s->pol) {	/* the engine reuses its bitset for the next event */
		size_t nb = eng_custom_words(s->pol) * sizeof(uint64_t);
		d->v.custom_fired = memcpy(arena_alloc(&s->arena, nb), e->v.custom_fired, nb);
	} else {
		d->v.custom_fired = NULL;
		d->v.any_custom = false;
	}
	return 0;
}

int tr_take(struct tr_set *s, struct tr_set *from)
{
	if (grow(s, from->n))
		return -1;
	if (from->n)
		memcpy(s->ev + s->n, from->ev, from->n * sizeof(*s->ev));
	s->n += from->n;
	arena_take(&s->arena, &from->arena);
	free(from->ev);
	from->ev = NULL;
	from->n = from->cap = 0;
	return 0;
}

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

void tr_finish(struct tr_set *s, const struct fnd_list *l)
{
	size_t k = 0;

	if (s->n)
		qsort(s->ev, s->n, sizeof(*s->ev), by_place);
	for (size_t i = 0; i < s->n; i++) {
		struct tr_ev *e = &s->ev[i];
		e->worst = SEV_NONE;
		while (k < l->n && (l->v[k].file < e->file ||
				    (l->v[k].file == e->file && l->v[k].line < e->line)))
			k++;
		for (size_t j = k; j < l->n && l->v[j].file == e->file && l->v[j].line == e->line; j++) {
			const struct finding *f = &l->v[j];
			if (f->check < CHK_BUILTIN_COUNT)
				e->windowed |= (1u << f->check) & ~e->v.fired;
			if (f->suppressed)
				continue;
			if (f->severity > e->worst)
				e->worst = f->severity;
			if (s->pol && f->check < s->pol->nchecks)
				e->principles |= s->pol->checks[f->check].principles;
		}
	}
	if (s->n)
		qsort(s->ev, s->n, sizeof(*s->ev), by_time);
}

void tr_keep_principles(struct tr_set *s, unsigned principles)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].principles & principles)
			s->ev[k++] = s->ev[i];
	s->n = k;
}

struct psd_map *tr_pseudonymize(struct tr_set *s, const struct psd *p,
			       const struct psd_maps *more)
{
	char name[48];
	/* Every id of every traced event, replaced in every event's text (pseudo.h). */
	struct psd_map *m = psd_map_new(p, s->res, NULL);	/* the run's findings' ids too */

	if (more)
		psd_maps_join(more, m);
	for (size_t i = 0; i < s->n; i++) {
		psd_map_add(m, p, "user", s->ev[i].user);
		psd_map_add(m, p, "subject", s->ev[i].subject);
		psd_map_add(m, p, "src", s->ev[i].src);
	}
	for (size_t i = 0; i < s->nsubjects; i++)
		psd_map_add(m, p, "subject", sv_cstr(s->subjects[i]));
	for (size_t i = 0; i < s->nusers; i++)
		psd_map_add(m, p, "user", sv_cstr(s->users[i]));
	for (size_t i = 0; i < s->n; i++) {
		struct tr_ev *e = &s->ev[i];
		/* Anonymous ("" or "-") stays anonymous: that is what it shows. */
		e->user = psd_map_text(m, e->user, &s->arena);
		e->subject = psd_map_text(m, e->subject, &s->arena);
		e->resource = psd_map_text(m, e->resource, &s->arena);
		e->reason = psd_map_text(m, e->reason, &s->arena);
		e->raw_action = psd_map_text(m, e->raw_action, &s->arena);
		e->src = psd_map_text(m, e->src, &s->arena);
		e->dst = psd_map_text(m, e->dst, &s->arena);
	}
	/* The heading names what was asked for: pseudonymised the same way. */
	const char **subj = arena_alloc(&s->arena, (s->nsubjects + 1) * sizeof(*subj));
	const char **users = arena_alloc(&s->arena, (s->nusers + 1) * sizeof(*users));
	for (size_t i = 0; i < s->nsubjects; i++) {
		psd_name(p, "subject", sv_cstr(s->subjects[i]), name, sizeof(name));
		subj[i] = arena_sv(&s->arena, sv_cstr(name)).p;
	}
	for (size_t i = 0; i < s->nusers; i++) {
		psd_name(p, "user", sv_cstr(s->users[i]), name, sizeof(name));
		users[i] = arena_sv(&s->arena, sv_cstr(name)).p;
	}
	s->subjects = subj;
	s->users = users;
	s->pseudonymized = true;
	return m;
}

size_t tr_count_at_least(const struct tr_set *s, enum sev sev)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->ev[i].worst != SEV_NONE && s->ev[i].worst >= sev;
	return n;
}

void tr_release(struct tr_set *s)
{
	free(s->ev);
	s->ev = NULL;
	s->n = s->cap = 0;
	arena_release(&s->arena);
}

/* ---- the verdict ----------------------------------------------------------- */

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

/*
 * The justification as a clause, " (reason given: TICKET-88)" for a read
 * that is still a finding, " by TICKET-88" for one that is not; "" when
 * the justification names nothing.
 */
static void justification(const struct policy *p, const struct tr_ev *e, bool finding,
			  struct buf *out)
{
	sv by = e->v.justified_by;
	if (e->v.inferred && by.n)
		buf_addf(out, " (%sinferred from %.*s)", finding ? "reason " : "", (int)by.n, by.p);
	else if (by.n)
		buf_addf(out, finding ? " (reason given: %.*s)" : " by %.*s", (int)by.n, by.p);
	else if (e->v.purpose >= 0 && (size_t)e->v.purpose < p->npurposes)
		buf_addf(out, " (purpose %s)", p->purposes[e->v.purpose].name);
}

void tr_verdict(const struct policy *p, const struct tr_ev *e, struct buf *out)
{
	uint32_t bits = e->v.fired | e->windowed;
	bool any = false;

	if (has_finding(e)) {
		buf_adds(out, "finding: ");
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
		/* Still a finding: the reason is context, not an acquittal. */
		if (e->v.justified)
			justification(p, e, true, out);
		return;
	}
	if (e->v.justified) {
		buf_adds(out, "justified");
		justification(p, e, false, out);
	} else if (e->status >= 400) {
		buf_addf(out, "failed (status %d): nothing read", e->status);
	} else if (!e->pd_read) {
		buf_adds(out, "no finding (not a personal-data read)");
	} else {
		buf_adds(out, "no finding");
	}
}

/* ---- shared by the writers ---------------------------------------------- */

static const char *role_name(const struct tr_set *s, const struct tr_ev *e)
{
	return e->v.role >= 0 && (size_t)e->v.role < s->pol->nroles ? s->pol->roles[e->v.role].name : "";
}

static const char *input_path(const struct tr_set *s, uint32_t file)
{
	return s->res && file < s->res->ninputs ? s->res->inputs[file].path : "?";
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

/* A personal value made safe for output: redacted, or only made valid UTF-8. */
static sv clean(const struct tr_set *s, sv v, struct buf *into)
{
	buf_reset(into);
	if (s->red)
		red_apply(s->red, v, into);
	else
		esc_utf8_fix(into, v);
	if (into->err)
		return SV_LIT("[redacted]");
	return buf_sv(into);
}

struct tr_count {
	sv name;
	size_t count;
};

struct tr_sum {
	size_t events, pd_reads, failed, with_findings;
	struct tr_count *users, *subjects;	/* by count, then name */
	size_t nusers, nsubjects;
	bool has_time;
	int64_t tmin, tmax;
};

static int by_count(const void *a, const void *b)
{
	const struct tr_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
	int c = n ? memcmp(x->name.p, y->name.p, n) : 0;
	if (c)
		return c;
	return x->name.n < y->name.n ? -1 : x->name.n > y->name.n;
}

/* Count v into the table (linear: a trace is a few thousand events at most). */
static void count(struct tr_count *t, size_t *n, sv v)
{
	size_t k;
	for (k = 0; k < *n; k++)
		if (sv_eq(t[k].name, v))
			break;
	if (k == *n)
		t[(*n)++].name = v;
	t[k].count++;
}

static int summarize(const struct tr_set *s, struct tr_sum *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->users = try_calloc(s->n, sizeof(*sum->users));
	sum->subjects = try_calloc(s->n, sizeof(*sum->subjects));
	if (!sum->users || !sum->subjects) {
		free(sum->users);
		free(sum->subjects);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct tr_ev *e = &s->ev[i];
		sum->events++;
		sum->pd_reads += e->pd_read;
		sum->failed += e->status >= 400;
		sum->with_findings += has_finding(e);
		if (e->has_time) {
			if (!sum->has_time || e->time < sum->tmin)
				sum->tmin = e->time;
			if (!sum->has_time || e->time > sum->tmax)
				sum->tmax = e->time;
			sum->has_time = true;
		}
		count(sum->users, &sum->nusers, e->user.n ? e->user : SV_LIT("-"));
		count(sum->subjects, &sum->nsubjects, e->subject.n ? e->subject : SV_LIT("-"));
	}
	qsort(sum->users, sum->nusers, sizeof(*sum->users), by_count);
	qsort(sum->subjects, sum->nsubjects, sizeof(*sum->subjects), by_count);
	return 0;
}

static void sum_release(struct tr_sum *sum)
{
	free(sum->users);
	free(sum->subjects);
}

/* One row's cells, as every tabular writer prints them. */
enum { C_TIME, C_USER, C_SUBJECT, C_ROLE, C_ACTION, C_CAT, C_REASON, C_TICKET, C_STATUS,
       C_VERDICT, C_WHERE, C_N };
static const char *const col_head[C_N] = {
	"TIME", "USER", "SUBJECT", "ROLE", "ACTION", "CATEGORIES", "REASON", "TICKET", "STATUS",
	"VERDICT", "WHERE"
};
static const char *const col_csv[C_N] = {
	"time", "user", "subject", "role", "action", "categories", "reason", "ticket", "status",
	"verdict", "file"
};

struct row {
	struct buf cell[C_N];
	struct buf tmp;
};

/* Fill the cells of event e; empty cells are "" (writers show "-" where they like). */
static void row_fill(const struct tr_set *s, const struct tr_ev *e, struct row *r, bool with_line)
{
	char ts[32];
	for (int c = 0; c < C_N; c++)
		buf_reset(&r->cell[c]);
	if (e->has_time) {
		tu_format_iso(e->time, ts);
		buf_adds(&r->cell[C_TIME], ts);
	}
	esc_utf8_fix(&r->cell[C_USER], e->user);
	if (e->subject.n)
		buf_addsv(&r->cell[C_SUBJECT], clean(s, e->subject, &r->tmp));
	buf_adds(&r->cell[C_ROLE], role_name(s, e));
	buf_adds(&r->cell[C_ACTION], ev_action_name(e->action));
	categories(s->pol, e->categories, ",", &r->cell[C_CAT]);
	if (e->reason.n)
		buf_addsv(&r->cell[C_REASON], clean(s, e->reason, &r->tmp));
	if (e->v.justified_by.n)
		buf_addsv(&r->cell[C_TICKET], clean(s, e->v.justified_by, &r->tmp));
	if (e->status >= 0)
		buf_addf(&r->cell[C_STATUS], "%d", e->status);
	tr_verdict(s->pol, e, &r->cell[C_VERDICT]);
	esc_utf8_fix(&r->cell[C_WHERE], sv_cstr(input_path(s, e->file)));
	if (with_line)
		buf_addf(&r->cell[C_WHERE], ":%" PRIu64, e->line);
}

static void row_release(struct row *r)
{
	for (int c = 0; c < C_N; c++)
		buf_release(&r->cell[c]);
	buf_release(&r->tmp);
}

/* "subject 4711" / "user mrossi" / both, for the headings. */
static void heading(const struct tr_set *s, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	if (s->nsubjects) {
		buf_adds(out, s->nsubjects > 1 ? "subjects " : "subject ");
		for (size_t i = 0; i < s->nsubjects; i++) {
			buf_adds(out, i ? ", " : "");
			buf_addsv(out, s->pseudonymized ? sv_cstr(s->subjects[i])
							 : clean(s, sv_cstr(s->subjects[i]), &tmp));
		}
	}
	if (s->nusers) {
		buf_adds(out, s->nsubjects ? "; " : "");
		buf_adds(out, s->nusers > 1 ? "users " : "user ");
		for (size_t i = 0; i < s->nusers; i++) {
			buf_adds(out, i ? ", " : "");
			esc_utf8_fix(out, sv_cstr(s->users[i]));
		}
	}
	buf_release(&tmp);
}

/* ---- text ---------------------------------------------------------------- */

static void pad(FILE *out, size_t have, size_t width)
{
	for (; have < width + 2; have++)
		fputc(' ', out);
}

static void text_counts(FILE *out, const char *what, const struct tr_count *t, size_t n)
{
	fprintf(out, "by %s:", what);
	for (size_t i = 0; i < n && i < 20; i++) {
		fputs(i ? ", " : " ", out);
		esc_text(out, t[i].name);
		fprintf(out, ": %zu", t[i].count);
	}
	if (n > 20)
		fprintf(out, ", ... (%zu more)", n - 20);
	if (!n)
		fputs(" none", out);
	fputc('\n', out);
}

static void write_text(struct tr_set *s, const struct tr_sum *sum, FILE *out)
{
	struct buf h = BUF_INIT;
	struct row r;
	char t1[32], t2[32];

	memset(&r, 0, sizeof(r));
	heading(s, &h);
	fputs("dpfaudit trace: ", out);
	esc_text(out, buf_sv(&h));
	fputc('\n', out);
	fprintf(out, "accesses: %zu (%zu personal-data reads, %zu failed requests)\n",
		sum->events, sum->pd_reads, sum->failed);
	fprintf(out, "with findings: %zu (a reason given does not clear a finding)\n",
		sum->with_findings);
	text_counts(out, "user", sum->users, sum->nusers);
	text_counts(out, "subject", sum->subjects, sum->nsubjects);
	if (sum->has_time) {
		tu_format_iso(sum->tmin, t1);
		tu_format_iso(sum->tmax, t2);
		fprintf(out, "time range: %s .. %s\n", t1, t2);
	} else {
		fputs("time range: none\n", out);
	}
	for (size_t i = 0; s->res && i < s->res->ninputs; i++) {
		const struct aud_input *in = &s->res->inputs[i];
		if (!in->complete) {
			fputs("INCOMPLETE: ", out);
			esc_text(out, sv_cstr(in->path));
			fputs(": ", out);
			esc_text(out, sv_cstr(in->error ? in->error : "not read whole"));
			fputc('\n', out);
		}
	}
	if (!s->n) {
		fprintf(out, "\nno event %s\n", s->nsubjects ? "touches this subject" : "by this user");
		goto out;
	}

	/* Column widths from the data, so the timeline lines up. */
	size_t wd[C_N];
	for (int c = 0; c < C_N; c++)
		wd[c] = strlen(col_head[c]);
	for (size_t i = 0; i < s->n; i++) {
		row_fill(s, &s->ev[i], &r, true);
		for (int c = 0; c < C_N; c++)
			if ((r.cell[c].len ? r.cell[c].len : 1) > wd[c])
				wd[c] = r.cell[c].len ? r.cell[c].len : 1;
	}
	fputc('\n', out);
	for (int c = 0; c < C_N; c++) {
		fputs(col_head[c], out);
		if (c + 1 < C_N)
			pad(out, strlen(col_head[c]), wd[c]);
	}
	fputc('\n', out);
	for (size_t i = 0; i < s->n; i++) {
		row_fill(s, &s->ev[i], &r, true);
		for (int c = 0; c < C_N; c++) {
			sv v = r.cell[c].len ? buf_sv(&r.cell[c]) : SV_LIT("-");
			esc_text(out, v);
			if (c + 1 < C_N)
				pad(out, v.n, wd[c]);
		}
		fputc('\n', out);
	}
out:
	row_release(&r);
	buf_release(&h);
}

/* ---- csv --------------------------------------------------------------------- */

static void write_csv(struct tr_set *s, FILE *out)
{
	struct row r;

	memset(&r, 0, sizeof(r));
	for (int c = 0; c < C_N; c++)
		fprintf(out, "%s,", col_csv[c]);
	fputs("line\r\n", out);
	for (size_t i = 0; i < s->n; i++) {
		const struct tr_ev *e = &s->ev[i];
		row_fill(s, e, &r, false);
		buf_reset(&r.cell[C_CAT]);
		categories(s->pol, e->categories, ";", &r.cell[C_CAT]);
		for (int c = 0; c < C_N; c++) {
			esc_csv(out, buf_sv(&r.cell[c]));
			fputc(',', out);
		}
		fprintf(out, "%" PRIu64 "\r\n", e->line);
	}
	row_release(&r);
}

/* ---- json -------------------------------------------------------------------- */

/* A tr_ev as the struct event the JSON event writer reads. */
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

static void json_time(struct jw *w, const char *key, bool has, int64_t t)
{
	char ts[32];

	jw_key(w, key);
	if (!has) {
		jw_null(w);
		return;
	}
	tu_format_iso(t, ts);
	jw_cstr(w, ts);
}

static void json_counts(struct jw *w, const char *key, const struct tr_count *t, size_t n)
{
	char by[16];

	snprintf(by, sizeof(by), "by_%s", key);
	jw_key(w, by);
	jw_array_begin(w, JW_INLINE);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(w, JW_INLINE);
		jw_key(w, key);
		jw_str(w, t[i].name);
		jw_key(w, "count");
		jw_uint(w, t[i].count);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_list(struct jw *w, const char *key, const char *const *v, size_t n,
		      const struct tr_set *s, bool personal, struct buf *tmp)
{
	jw_key(w, key);
	jw_array_begin(w, JW_INLINE);
	for (size_t i = 0; i < n; i++)
		jw_str(w, personal && !s->pseudonymized ? clean(s, sv_cstr(v[i]), tmp)
							 : sv_cstr(v[i]));
	jw_array_end(w);
}

/* Compact, one event a line (JSON Lines inside one document). */
static void write_json(struct tr_set *s, const struct tr_sum *sum, FILE *out)
{
	struct buf a = BUF_INIT, scratch = BUF_INIT;
	struct event ev;
	struct jw jw, *w = &jw;

	jw_init(w, out, 0);
	jw_object_begin(w, JW_INLINE);
	jw_key_uint(w, "dpfaudit_trace", 1);
	json_list(w, "subjects", s->subjects, s->nsubjects, s, true, &a);
	json_list(w, "users", s->users, s->nusers, s, false, &a);
	jw_key(w, "summary");
	jw_object_begin(w, JW_INLINE);
	jw_key_uint(w, "accesses", sum->events);
	jw_key_uint(w, "personal_data_reads", sum->pd_reads);
	jw_key_uint(w, "failed_requests", sum->failed);
	jw_key_uint(w, "unjustified", sum->with_findings);
	json_counts(w, "user", sum->users, sum->nusers);
	json_counts(w, "subject", sum->subjects, sum->nsubjects);
	json_time(w, "from", sum->has_time, sum->tmin);
	json_time(w, "until", sum->has_time, sum->tmax);
	jw_key_bool(w, "complete", !(s->res && s->res->incomplete));
	jw_key(w, "inputs");
	jw_array_begin(w, JW_INLINE);
	for (size_t i = 0; s->res && i < s->res->ninputs; i++) {
		const struct aud_input *in = &s->res->inputs[i];
		jw_object_begin(w, JW_INLINE);
		jw_key(w, "path");
		jw_str(w, sv_cstr(in->path));
		jw_key_bool(w, "complete", in->complete);
		jw_key_cstr(w, "error", in->error);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
	jw_key(w, "events");
	jw_array_begin(w, JW_BLOCK);
	for (size_t i = 0; i < s->n; i++) {
		const struct tr_ev *e = &s->ev[i];
		as_event(e, &ev);
		evw_json(w, s->pol, s->red, &scratch, input_path(s, e->file), &ev, &e->v,
			 e->windowed);
	}
	jw_array_end(w);
	jw_object_end(w);
	jw_done(w);
	putc('\n', out);
	buf_release(&a);
	buf_release(&scratch);
}

/* ---- html -------------------------------------------------------------------- */

static void write_html(struct tr_set *s, const struct tr_sum *sum, FILE *out)
{
	struct buf h = BUF_INIT;
	struct row r;
	char t1[32], t2[32];

	memset(&r, 0, sizeof(r));
	heading(s, &h);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>dpfaudit trace: ", out);
	esc_html(out, buf_sv(&h));
	fputs("</title>\n<style>body{font-family:sans-serif;margin:1em}"
	      "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
	      "padding:2px 6px;text-align:left;vertical-align:top}"
	      "tr.finding td{background:#fde8e8}.wrap{overflow-x:auto}</style>\n"
	      "</head><body>\n<h1>dpfaudit trace: ", out);
	esc_html(out, buf_sv(&h));
	fprintf(out, "</h1>\n<ul><li>accesses: %zu (%zu personal-data reads, %zu failed requests)</li>\n"
		"<li>with findings: %zu (a reason given does not clear a finding)</li>\n",
		sum->events, sum->pd_reads, sum->failed, sum->with_findings);
	if (sum->has_time) {
		tu_format_iso(sum->tmin, t1);
		tu_format_iso(sum->tmax, t2);
		fprintf(out, "<li>time range: %s .. %s</li>\n", t1, t2);
	}
	for (size_t i = 0; s->res && i < s->res->ninputs; i++) {
		const struct aud_input *in = &s->res->inputs[i];
		if (!in->complete) {
			fputs("<li><strong>INCOMPLETE</strong>: ", out);
			esc_html(out, sv_cstr(in->path));
			fputs(": ", out);
			esc_html(out, sv_cstr(in->error ? in->error : "not read whole"));
			fputs("</li>\n", out);
		}
	}
	fputs("</ul>\n<div class=\"wrap\"><table>\n<tr>", out);
	for (int c = 0; c < C_N; c++)
		fprintf(out, "<th>%s</th>", col_csv[c]);
	fputs("</tr>\n", out);
	for (size_t i = 0; i < s->n; i++) {
		const struct tr_ev *e = &s->ev[i];
		row_fill(s, e, &r, true);
		fputs(has_finding(e) ? "<tr class=\"finding\">" : "<tr>", out);
		for (int c = 0; c < C_N; c++) {
			fputs("<td>", out);
			esc_html(out, buf_sv(&r.cell[c]));
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table></div>\n</body></html>\n", out);
	row_release(&r);
	buf_release(&h);
}

int tr_write(struct tr_set *s, enum tr_fmt fmt, FILE *out)
{
	struct tr_sum sum;

	if (summarize(s, &sum))
		return -1;
	switch (fmt) {
	case TR_TEXT: write_text(s, &sum, out); break;
	case TR_CSV: write_csv(s, out); break;
	case TR_JSON: write_json(s, &sum, out); break;
	case TR_HTML: write_html(s, &sum, out); break;
	}
	sum_release(&sum);
	return 0;
}
