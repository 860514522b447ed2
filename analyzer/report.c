/*
 * report.c - stage 6: the summary every report format shares, the writer
 * table, and writing a report file safely (see report.h).
 *
 * A report is written to a temporary file (mode 0600, whatever the umask:
 * it is a record of personal data) in the target's directory and renamed
 * into place only after every byte was written and flushed, so a failed
 * run never leaves half a report that looks whole.  Character devices and
 * FIFOs (/dev/stdout, a pipe given by name) cannot be renamed over; they are
 * written directly and their errors reported the same way.
 */
#include "common.h"

#include "report.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"

#define REP_TOP 10

const char *rep_status_name(enum rep_status s)
{
	switch (s) {
	case REP_PASS: return "pass";
	case REP_FAIL: return "fail";
	default: return "not assessed";
	}
}

/* ---- ranking ------------------------------------------------------------ */

static int cmp_sv(const void *a, const void *b)
{
	return sv_cmp(*(const sv *)a, *(const sv *)b);
}

static int cmp_rank(const void *a, const void *b)
{
	const struct rep_rank *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return sv_cmp(x->name, y->name);
}

/* Top REP_TOP names by occurrence; ties by name.  Empty names are skipped. */
static struct rep_rank *rank(sv *names, size_t n, size_t *nout)
{
	struct rep_rank *r;
	size_t i, k = 0;

	*nout = 0;
	if (!n)
		return NULL;
	qsort(names, n, sizeof(*names), cmp_sv);
	r = calloc(n, sizeof(*r));
	if (!r)
		return NULL;
	for (i = 0; i < n; i++) {
		if (sv_empty(names[i]))
			continue;
		if (k && sv_eq(r[k - 1].name, names[i])) {
			r[k - 1].count++;
		} else {
			r[k].name = names[i];
			r[k].count = 1;
			k++;
		}
	}
	qsort(r, k, sizeof(*r), cmp_rank);
	*nout = k < REP_TOP ? k : REP_TOP;
	return r;
}

/* ---- summary ------------------------------------------------------------ */

/*
 * What the reports say of check index `check`: the policy's check, else the
 * built-in catalogue's (a report without rules), else "unknown-check" with
 * no title and no principles.  The one fallback of rep_check_*().
 */
struct check_view {
	const char *id, *title;
	unsigned principles;
};

static struct check_view check_view(const struct rep_ctx *c, uint32_t check)
{
	const struct pol_check *pc = c->pol && check < c->pol->nchecks ? &c->pol->checks[check] : NULL;
	const struct chk_info *ci = check < CHK_BUILTIN_COUNT ? chk_info((enum chk_id)check) : NULL;
	struct check_view v = { "unknown-check", "", 0 };

	if (ci)
		v = (struct check_view){ ci->id, ci->title, ci->principles };
	if (pc) {
		v.principles = pc->principles;
		v.id = pc->id ? pc->id : v.id;
		v.title = pc->title ? pc->title : v.title;
	}
	return v;
}

unsigned rep_check_principles(const struct rep_ctx *c, uint32_t check)
{
	return check_view(c, check).principles;
}

const char *rep_check_id(const struct rep_ctx *c, uint32_t check)
{
	return check_view(c, check).id;
}

const char *rep_check_title(const struct rep_ctx *c, uint32_t check)
{
	return check_view(c, check).title;
}

struct rep_summary *rep_summarize(const struct rep_ctx *c)
{
	const struct fnd_list *l = &c->res->findings;
	struct rep_summary *s = calloc(1, sizeof(*s));
	sv *users = NULL, *roles = NULL, *subjects = NULL;
	size_t i, n = 0;
	int p;

	if (!s)
		return NULL;
	s->nby_check = c->pol && c->pol->nchecks > CHK_BUILTIN_COUNT ? c->pol->nchecks
								      : CHK_BUILTIN_COUNT;
	s->by_check = calloc(s->nby_check, sizeof(*s->by_check));
	if (!s->by_check)
		goto fail;
	if (l->n) {
		users = malloc(l->n * sizeof(*users));
		roles = malloc(l->n * sizeof(*roles));
		subjects = malloc(l->n * sizeof(*subjects));
		if (!users || !roles || !subjects)
			goto fail;
	}
	for (i = 0; i < l->n; i++) {
		const struct finding *f = &l->v[i];
		unsigned pr = rep_check_principles(c, f->check);
		enum sev sv_ = f->severity < SEV_COUNT ? f->severity : SEV_CRITICAL;

		if (f->suppressed) {
			s->suppressed++;
			continue;
		}
		s->findings++;
		s->total_by_sev[sv_]++;
		if (c->fail_on != SEV_NONE && sv_ >= c->fail_on)
			s->failing++;
		if (f->check < s->nby_check)
			s->by_check[f->check]++;
		for (p = 0; p < PR_COUNT; p++)
			if (pr & PR_BIT(p))
				s->by_sev[p][sv_]++;
		users[n] = f->user;
		roles[n] = f->role;
		subjects[n] = f->subject;
		n++;
	}
	for (p = 0; p < PR_COUNT; p++) {
		size_t k, any = 0;

		for (k = SEV_LOW; k < SEV_COUNT; k++)
			any += s->by_sev[p][k];
		if (any)
			s->status[p] = REP_FAIL;
		else if (c->res->assessed[p] > 0)
			s->status[p] = REP_PASS;
		else
			s->status[p] = REP_NOT_ASSESSED;
	}
	s->ngroups = fnd_group(l, c->pol, &s->groups);
	s->top_users = rank(users, n, &s->ntop_users);
	s->top_roles = rank(roles, n, &s->ntop_roles);
	s->top_subjects = rank(subjects, n, &s->ntop_subjects);
	free(users);
	free(roles);
	free(subjects);
	return s;
fail:
	free(users);
	free(roles);
	free(subjects);
	free(s->by_check);
	free(s);
	return NULL;
}

void rep_summary_free(struct rep_summary *s)
{
	if (!s)
		return;
	fnd_groups_free(s->groups, s->ngroups);
	free(s->top_users);
	free(s->top_roles);
	free(s->top_subjects);
	free(s->by_check);
	free(s);
}

size_t rep_check_findings(const struct rep_summary *s, size_t check)
{
	return check < s->nby_check ? s->by_check[check] : 0;
}

/* ---- the verdict -------------------------------------------------------- */

const char *rep_verdict_name(enum rep_verdict v)
{
	switch (v) {
	case REP_V_PASS: return "PASS";
	case REP_V_FAIL: return "FAIL";
	case REP_V_INCOMPLETE: return "INCOMPLETE";
	case REP_V_NOTHING_AUDITED: return "NOTHING AUDITED";
	default: return "NOT ASSESSED";
	}
}

const char *rep_verdict_key(enum rep_verdict v)
{
	switch (v) {
	case REP_V_PASS: return "pass";
	case REP_V_FAIL: return "fail";
	case REP_V_INCOMPLETE: return "incomplete";
	case REP_V_NOTHING_AUDITED: return "nothing audited";
	default: return "not assessed";
	}
}

enum rep_verdict rep_verdict_of(const struct aud_result *res, size_t findings, size_t failing,
				enum sev fail_on)
{
	if (res->records == 0)
		return REP_V_NOTHING_AUDITED;
	if (fail_on != SEV_NONE ? failing > 0 : findings > 0)
		return REP_V_FAIL;
	if (res->incomplete)
		return REP_V_INCOMPLETE;
	if (res->pd_reads == 0)
		return REP_V_NOT_ASSESSED;
	return REP_V_PASS;
}

enum rep_verdict rep_verdict(const struct rep_ctx *c)
{
	size_t findings = c->sum ? c->sum->findings : 0, failing = c->sum ? c->sum->failing : 0;
	return rep_verdict_of(c->res, findings, failing, c->fail_on);
}

int rep_verdict_exit(enum rep_verdict v, const struct aud_result *res, enum sev fail_on)
{
	if (res->incomplete || v == REP_V_NOTHING_AUDITED || v == REP_V_INCOMPLETE)
		return DPF_EXIT_INCOMPLETE;
	if (v == REP_V_FAIL)
		return fail_on != SEV_NONE ? DPF_EXIT_FINDINGS : DPF_EXIT_OK;
	if (v == REP_V_NOT_ASSESSED && fail_on != SEV_NONE)
		return DPF_EXIT_INCOMPLETE;
	return DPF_EXIT_OK;
}

const char *rep_verdict_reason(const struct aud_result *r, enum rep_verdict v, char *out,
			       size_t cap)
{
	if (v == REP_V_NOTHING_AUDITED && r->ninputs == 0)
		snprintf(out, cap, "no input");
	else if (v == REP_V_NOTHING_AUDITED)
		snprintf(out, cap, "no record in %zu input%s (%llu line%s, blank or comments only)",
			 r->ninputs, r->ninputs == 1 ? "" : "s", (unsigned long long)r->lines,
			 r->lines == 1 ? "" : "s");
	else if (v == REP_V_NOT_ASSESSED && r->parsed == 0)
		snprintf(out, cap, "no record parsed (%llu skipped as no access, %llu unparsed): "
			 "no principle could be tested", (unsigned long long)r->skipped,
			 (unsigned long long)r->unparsed);
	else if (v == REP_V_NOT_ASSESSED)
		snprintf(out, cap, "no personal-data read recognised in %llu parsed record%s: "
			 "no principle could be tested; do the categories match this log?",
			 (unsigned long long)r->parsed, r->parsed == 1 ? "" : "s");
	else
		return NULL;
	return out;
}

void rep_headline(const struct rep_ctx *c, struct buf *out)
{
	enum rep_verdict v = rep_verdict(c);
	size_t n = c->sum ? c->sum->findings : 0;
	char why[256];

	/* FAIL without --fail-on exits 0: the headline must not say it failed. */
	buf_adds(out, v == REP_V_FAIL && c->fail_on == SEV_NONE ? REP_NO_GATE_HEADLINE :
		      rep_verdict_name(v));
	buf_adds(out, ": ");
	switch (v) {
	case REP_V_FAIL:
		buf_addf(out, "%zu finding%s", n, n == 1 ? "" : "s");
		break;
	case REP_V_INCOMPLETE:
		buf_addf(out, "%zu finding%s in what could be read", n, n == 1 ? "" : "s");
		break;
	case REP_V_PASS:
		if (n)
			buf_addf(out, "%zu finding%s below --fail-on %s", n, n == 1 ? "" : "s",
				 sev_name(c->fail_on));
		else
			buf_adds(out, "no findings");
		break;
	default:
		buf_adds(out, rep_verdict_reason(c->res, v, why, sizeof(why)));
		break;
	}
}

/* ---- helpers for the writers -------------------------------------------- */

struct red *rep_red_new(const struct rep_ctx *c)
{
	return c->redact ? red_new(c->pol) : NULL;
}

sv rep_clean(const struct rep_ctx *c, struct red *r, sv s, struct buf *scratch)
{
	buf_reset(scratch);
	if (r)
		red_apply(r, s, scratch);
	else if (c->redact)
		return SV_LIT("[redacted]");
	else
		esc_utf8_fix(scratch, s);
	if (scratch->err)
		return SV_LIT("[redacted]");
	return buf_sv(scratch);
}

void rep_time_iso(int64_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		memcpy(out, "invalid-time", sizeof("invalid-time"));
}

void rep_categories(const struct policy *p, uint64_t bits, const char *sep, struct buf *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < 64; i++) {
		if (!(bits & ((uint64_t)1 << i)))
			continue;
		if (!first)
			buf_adds(out, sep);
		first = 0;
		if (p && i < p->ncategories && p->categories[i].name)
			buf_adds(out, p->categories[i].name);
		else
			buf_addf(out, "category-%zu", i);
	}
}

void rep_principles_json(FILE *out, unsigned bits)
{
	int p, first = 1;

	fputc('[', out);
	for (p = 0; p < PR_COUNT; p++)
		if (bits & PR_BIT(p)) {
			fprintf(out, "%s\"%s\"", first ? "" : ", ", pr_slug((enum principle)p));
			first = 0;
		}
	fputc(']', out);
}

const char *rep_input_path(const struct rep_ctx *c, uint32_t file)
{
	if (file < c->res->ninputs && c->res->inputs[file].path)
		return c->res->inputs[file].path;
	return "?";
}

/* ---- writer table ------------------------------------------------------- */

static const struct rep_writer *const writers[] = {
	&rep_text, &rep_json, &rep_html, &rep_sarif, &rep_junit, &rep_csv, &rep_markdown,
};

const struct rep_writer *rep_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i]->name, name))
			return writers[i];
	if (!strcmp(name, "md"))
		return &rep_markdown;
	return NULL;
}

const char *rep_names(void)
{
	/* Derived from the table, so a new writer needs no second list; built
	 * once, on the first call (from the command line's thread). */
	static char names[256];

	if (!names[0]) {
		size_t n = 0;
		for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
					      writers[i]->name);
	}
	return names;
}

/* ---- writing ------------------------------------------------------------ */

/* Run the writer on out; returns 0 or an errno value. */
struct write_job {
	const struct rep_writer *w;
	const struct rep_ctx *c;
};

/* sf_fn: one writer; its errno (at the failing write) is the cause to report. */
static int run_writer(void *arg, FILE *out)
{
	const struct write_job *j = arg;
	errno = 0;
	j->w->write(j->c, out);
	if (ferror(out))
		return errno ? errno : EIO;
	return 0;
}

int rep_write(const struct rep_writer *w, const struct rep_ctx *c0, const char *path,
	      struct diag *err)
{
	struct rep_ctx c = *c0;
	struct rep_summary *own = NULL;
	const char *shown = path && strcmp(path, "-") ? path : "standard output";

	if (!c.sum) {
		own = rep_summarize(&c);
		if (!own)
			return diag_set(err, "%s: write error: %s", shown, strerror(ENOMEM));
		c.sum = own;
	}
	struct write_job j = { w, &c };
	int ret = sf_write(path, run_writer, &j, err);
	rep_summary_free(own);
	return ret;
}
