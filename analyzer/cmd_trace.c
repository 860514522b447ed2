/*
 * cmd_trace.c - `dpfaudit trace --subject ID | --user U PATH...`: every
 * access to one data subject ("who touched customer 4711's data, and
 * why?") or by one user ("what did mrossi read?").
 *
 * The audit runs exactly as for scan - every event is judged, so windows
 * and evidence see everything - with the subject/user (and time, role,
 * category) filter in aud_options: the audit hands us, through on_event
 * and filter_event(), only the selected events.  Those are few, so each
 * worker copies them into its own struct tr_set (no locks); after the scan
 * trace.c attaches the findings judged at the end, sorts by time and
 * writes the timeline.  --events also writes them as JSON lines
 * (events.h), in (file, line) order.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "events.h"
#include "outcome.h"
#include "paths.h"
#include "pseudo.h"
#include "redact.h"
#include "safefile.h"
#include "setup.h"
#include "trace.h"
#include "xalloc.h"

enum {
	O_RULES = 1, O_FORMAT, O_REPORT, O_EVENTS, O_PROGRESS, O_NO_PROGRESS,
};

static const struct cli_opt trace_opts[] = {
	{ OUT_O_SUBJECT, 0, "subject", "ID", "trace this data subject: every access to it (repeatable)" },
	{ OUT_O_USER, 0, "user", "U", "trace this user: every access by them (repeatable; with --subject: both must match)" },
	{ O_RULES, 'r', "rules", "PATH", "rule file or directory (repeatable; default: the installed rules)" },
	{ O_FORMAT, 'F', "log-format", "NAME", "force a log format (default: detect per file)" },
	{ OUT_O_SINCE, 0, "since", "T", "only events from T on (ISO 8601, or -24h, -7d, today, yesterday)" },
	{ OUT_O_UNTIL, 0, "until", "T", "only events up to T (a bare date includes that whole day)" },
	{ OUT_O_TZ, 0, "tz", "ZONE", "the zone of today, yesterday and bare dates in --since/--until (default: $TZ, else the system's zone)" },
	{ OUT_O_NOW, 0, "now", "T", "the current time for relative --since/--until (for reproducible runs)" },
	{ OUT_O_ROLE, 0, "role", "R", "only events judged under this role (repeatable)" },
	{ OUT_O_CATEGORY, 0, "category", "C", "only events reading this data category (repeatable)" },
	{ OUT_O_PRINCIPLE, 0, "principle", "P", "only events with a finding under this DPF principle (repeatable)" },
	{ OUT_O_FAIL_ON, 0, "fail-on", "SEV", "exit 1 when a traced event has a finding at or above SEV (low..critical)" },
	{ O_REPORT, 0, "report", "FMT[:FILE]", "text (default, stdout), csv, json or html; repeatable" },
	{ O_EVENTS, 0, "events", "FILE", "also write the events as JSON lines" },
	{ OUT_O_NO_REDACT, 0, "no-redact", NULL, "show resources and reasons unmasked (default: masked)" },
	{ OUT_O_PSEUDONYMIZE, 0, "pseudonymize", "KEYFILE", "replace users, subjects and addresses with keyed HMAC pseudonyms in every output" },
	SETUP_JOBS_ROW,
	{ O_PROGRESS, 0, "progress", NULL, "show progress on stderr (default when it is a terminal)" },
	{ O_NO_PROGRESS, 0, "no-progress", NULL, "never show progress" },
	SETUP_MAX_LINE_ROW,
	SETUP_YEAR_ROW,
	OUT_MAX_UNPARSED_ROW(OUT_O_MAX_UNPARSED),
	CLI_END
};

static const char trace_usage[] = "--subject ID | --user U [OPTIONS] PATH...";

#define MAX_LIST 256

struct tr_report {
	enum tr_fmt fmt;
	const char *path;	/* NULL: stdout */
};

/* Each worker's share: only that thread touches it while the audit runs. */
struct tr_worker {
	struct tr_set set;
	bool oom;
};

struct trace {
	const char *rules[MAX_LIST];
	size_t nrules;
	struct tr_report reports[MAX_LIST];
	size_t nreports;
	struct out_opts oo;	/* filters, --fail-on, --no-redact, --pseudonymize */
	const char *events;
	struct aud_options ao;
	int progress;	/* -1 auto */

	/* while running */
	struct tr_worker *w;
	size_t nw;
	struct evw *evw;
	struct psd_maps ids;	/* --pseudonymize: the run's ids, per parser thread */

	/* after the run */
	struct tr_set set;
};

static int on_opt(void *ctx, int id, const char *val)
{
	struct trace *t = ctx;
	int r;

	if ((id == OUT_O_SUBJECT || id == OUT_O_USER) && !*val) {
		error("trace: --%s: empty value",
			id == OUT_O_SUBJECT ? "subject" : "user");
		return DPF_EXIT_USAGE;
	}
	if ((r = out_opt(&t->oo, "trace", id, val)) != 1 ||
	    (r = setup_opt(&t->ao, "trace", id, val)) != 1)
		return r;
	switch (id) {
	case O_RULES:
		if (t->nrules >= MAX_LIST) {
			error("trace: too many --rules (at most %d)", MAX_LIST);
			return DPF_EXIT_USAGE;
		}
		t->rules[t->nrules++] = val;
		break;
	case O_FORMAT: t->ao.format = val; break;
	case O_REPORT: {
		const char *colon = strchr(val, ':');
		size_t len = colon ? (size_t)(colon - val) : strlen(val);
		enum tr_fmt f;
		if (tr_parse_format(val, len, &f)) {
			error("trace: unknown report format '%.*s' "
				"(expected " TR_FORMATS "; scan writes the others)", (int)len, val);
			return DPF_EXIT_USAGE;
		}
		if (t->nreports >= MAX_LIST) {
			error("trace: too many --report (at most %d)", MAX_LIST);
			return DPF_EXIT_USAGE;
		}
		t->reports[t->nreports].fmt = f;
		t->reports[t->nreports].path = colon && colon[1] ? colon + 1 : NULL;
		t->nreports++;
		break;
	}
	case O_EVENTS: t->events = val; break;
	case O_PROGRESS: t->progress = 1; break;
	case O_NO_PROGRESS: t->progress = 0; break;
	}
	return 0;
}

/* ---- collecting (worker threads) ----------------------------------------- */

static void on_event(void *arg, unsigned worker, const struct event *ev,
		     const struct eng_verdict *v)
{
	struct trace *t = arg;

	if (t->evw)
		evw_on_event(t->evw, worker, ev, v);
	if (worker >= t->nw)
		return;	/* cannot happen: parser threads are numbered 0 .. jobs-1 */
	struct tr_ev e = {
		.time = ev->time, .has_time = ev->has_time, .pd_read = ev->pd_read,
		.action = ev->action, .status = ev->status, .bytes = ev->bytes,
		.records = ev->records, .categories = ev->categories, .file = ev->file,
		.line = ev->line, .user = ev->f[EVF_USER], .raw_action = ev->f[EVF_ACTION],
		.resource = ev->f[EVF_RESOURCE], .subject = ev->f[EVF_SUBJECT],
		.reason = ev->f[EVF_REASON], .src = ev->f[EVF_SRC], .dst = ev->f[EVF_DST],
		.v = *v, .worst = SEV_NONE,
	};
	if (tr_add(&t->w[worker].set, &e))
		t->w[worker].oom = true;
}

/* With --pseudonymize: every judged event's ids, traced or not (pseudo.h). */
static void on_judged(void *arg, unsigned worker, const struct event *ev,
		      const struct eng_verdict *v)
{
	struct trace *t = arg;

	psd_collect(&t->ids, worker, ev, v);
}

/* ---- after the scan --------------------------------------------------------- */

struct tr_out {
	struct tr_set *set;
	enum tr_fmt fmt;
};

static int write_one(void *arg, FILE *out)
{
	struct tr_out *o = arg;
	return tr_write(o->set, o->fmt, out) ? 12 /* ENOMEM */ : 0;
}

/* Join the workers' events into one set. */
static int gather(struct trace *t)
{
	for (size_t i = 0; i < t->nw; i++)
		if (t->w[i].oom || tr_take(&t->set, &t->w[i].set))
			return -1;
	return 0;
}

int cmd_trace(int argc, char **argv, const char *argv0)
{
	struct trace t;
	struct setup st;
	struct paths paths = PATHS_INIT;
	struct aud_result res;
	struct diag err;
	struct psd *ps = NULL;
	struct psd_map *ids = NULL;
	int first, r, status = DPF_EXIT_OK;
	bool have_res = false;

	memset(&t, 0, sizeof(t));
	t.progress = -1;
	r = cli_parse("trace", trace_usage, trace_opts, argc, argv, on_opt, &t, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (!t.oo.nsubjects && !t.oo.nusers) {
		error("trace: say whom to trace: --subject ID (every access to "
			"a data subject) or --user U (every access by a user)\n"
			"try 'dpfaudit trace --help'");
		return DPF_EXIT_USAGE;
	}
	if ((r = setup_command("trace", argv0, argc, argv, first, t.rules, t.nrules,
			       t.ao.format, &paths, &st)))
		return r;
	struct out_filter_args fa = out_filter_args_of(&t.oo);
	if (out_build_filter(&fa, st.pol, &t.ao.filter, &err)) {
		error("trace: %s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	/* Every output is checked before a line is read (SPEC §8). */
	struct sf_out outs[MAX_LIST + 1];
	size_t nouts = 0;
	for (size_t i = 0; i < t.nreports; i++)
		outs[nouts++] = (struct sf_out){ "--report", t.reports[i].path };
	if (!t.nreports)
		outs[nouts++] = (struct sf_out){ "the trace on", NULL };
	if (t.events)
		outs[nouts++] = (struct sf_out){ "--events", t.events };
	if (sf_check(outs, nouts, out_is_input, &paths, &err)) {
		error("trace: %s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < paths.nwarnings; i++)
		warning("%s", paths.warnings[i]);
	if (t.oo.pseudonymize) {
		/* Before the scan: a bad key must not cost a whole audit. */
		ps = psd_load(t.oo.pseudonymize, &err);
		if (!ps) {
			error("trace: %s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
	}

	t.set.pol = st.pol;
	t.set.subjects = (const char *const *)t.oo.subjects;
	t.set.nsubjects = t.oo.nsubjects;
	t.set.users = (const char *const *)t.oo.users;
	t.set.nusers = t.oo.nusers;
	t.nw = t.ao.jobs ? t.ao.jobs : aud_cpus();	/* the audit's parser threads */
	t.w = xcalloc(t.nw, sizeof(*t.w));
	if (t.events) {
		t.evw = evw_new(st.pol, (const char *const *)paths.v, paths.n, t.nw,
				!t.oo.no_redact, &err);
		if (!t.evw) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
	}
	t.ao.max_unparsed_set = t.oo.max_unparsed_set;
	t.ao.max_unparsed = t.oo.max_unparsed;
	t.ao.on_event = on_event;
	t.ao.on_event_arg = &t;
	if (ps) {
		psd_maps_init(&t.ids, ps, t.nw);
		t.ao.on_judged = on_judged;
	}
	t.ao.progress = t.progress < 0 ? isatty(STDERR_FILENO) : t.progress;
	if (aud_run(st.pol, st.fmts, st.eng, (const char *const *)paths.v, paths.n, &t.ao,
		    &res, &err)) {
		error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	have_res = true;
	t.set.res = &res;
	out_print_problems(&res);
	if (res.incomplete)
		status = DPF_EXIT_INCOMPLETE;

	if (gather(&t)) {
		error("trace: out of memory collecting the traced events");
		r = DPF_EXIT_INCOMPLETE;
		goto out;
	}
	tr_finish(&t.set, &res.findings);
	if (t.ao.filter.principles)
		tr_keep_principles(&t.set, t.ao.filter.principles);
	if (ps) {
		ids = tr_pseudonymize(&t.set, ps, &t.ids);
		int e = psd_map_ready(ids);
		if (e) {
			/* No output may name the people it could not replace. */
			error("trace: the ids to pseudonymise could not be collected (%s): "
			      "nothing written", strerror(e));
			r = DPF_EXIT_INCOMPLETE;
			goto out;
		}
		if (t.evw)	/* the export names the traced events: the same pseudonyms */
			evw_pseudonymize(t.evw, ids);
	}
	if (!t.oo.no_redact) {
		t.set.red = red_new(st.pol);
		if (!t.set.red) {
			error("trace: out of memory");
			r = DPF_EXIT_INCOMPLETE;
			goto out;
		}
	}

	if (t.nreports == 0) {
		t.reports[0].fmt = TR_TEXT;
		t.reports[0].path = NULL;
		t.nreports = 1;
	}
	for (size_t i = 0; i < t.nreports; i++) {
		struct tr_out o = { &t.set, t.reports[i].fmt };
		if (evw_write_file(t.reports[i].path, write_one, &o, &err)) {
			error("%s", err.msg);
			status = DPF_EXIT_INCOMPLETE;
		}
	}
	if (t.evw && evw_finish(t.evw, &res.findings, t.events, &err)) {
		error("%s", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}
	/* SPEC §2: 3 (incomplete) wins over 1 (findings at/above --fail-on). */
	if (status == DPF_EXIT_OK && t.oo.fail_on != SEV_NONE &&
	    tr_count_at_least(&t.set, t.oo.fail_on))
		status = DPF_EXIT_FINDINGS;
	r = status;

out:
	if (t.w) {
		for (size_t i = 0; i < t.nw; i++)
			tr_release(&t.w[i].set);
		free(t.w);
	}
	red_free(t.set.red);
	tr_release(&t.set);
	psd_free(ps);
	evw_free(t.evw);
	psd_map_free(ids);
	psd_maps_release(&t.ids);
	if (have_res)
		aud_result_release(&res);
	setup_release(&st);
	paths_release(&paths);
	return r;
}
