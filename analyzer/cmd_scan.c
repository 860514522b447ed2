/*
 * cmd_scan.c - `dpfaudit scan`: audit logs, write the compliance report.
 *
 * The edge of the program for the main job: parse options from one table,
 * load the rules (exit 2 on any rule error, before reading a line), run the
 * audit, apply the baseline, write every requested report, and turn the
 * result into the exit status of SPEC §2 (3 beats 1).
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "baseline.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "events.h"
#include "outcome.h"
#include "partial.h"
#include "shard.h"
#include "paths.h"
#include "pseudo.h"
#include "report.h"
#include "safefile.h"
#include "setup.h"
#include "state.h"
#include "xalloc.h"

enum {
	O_RULES = 1, O_FORMAT, O_PROGRESS, O_NO_PROGRESS, O_MAX_WINDOW, O_EVENTS, O_PARTIAL,
	O_SHARD, O_SHARD_COUNT, O_PARTIAL_KEY, O_STATE,
};

static const struct cli_opt scan_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "rule file or directory (repeatable; default: the installed rules)" },
	{ O_FORMAT, 'F', "log-format", "NAME", "force a log format (default: detect per file)" },
	OUT_OPT_ROWS,
	SETUP_JOBS_ROW,
	{ O_PROGRESS, 0, "progress", NULL, "show progress on stderr (default when it is a terminal)" },
	{ O_NO_PROGRESS, 0, "no-progress", NULL, "never show progress" },
	{ O_MAX_WINDOW, 0, "max-window-records", "N", "window records kept for excessive-access and failed-access-burst (default 10000000); past it the audit is incomplete" },
	SETUP_MAX_LINE_ROW,
	SETUP_YEAR_ROW,
	{ O_EVENTS, 0, "events", "FILE", "write the events that pass the filters as JSON lines" },
	{ O_PARTIAL, 0, "partial", "FILE", "write a partial result for `dpfaudit merge` (no report unless --report)" },
	{ O_PARTIAL_KEY, 0, "partial-key", "KEYFILE", "sign the partial with an HMAC made with this key (merge --partial-key verifies it)" },
	{ O_SHARD, 0, "shard", "I/N", "audit only shard I of N (from 0) of the inputs, balanced by size" },
	{ O_SHARD_COUNT, 0, "shard-count", "N", "N for an array index from the environment (JOB_COMPLETION_INDEX)" },
	{ O_STATE, 0, "state", "FILE", "incremental runs: skip what FILE says was audited, judge only new lines, update FILE" },
	CLI_END
};

static const char scan_usage[] = "[OPTIONS] [PATH|-]...";

#define MAX_LIST 256

struct scan {
	const char *rules[MAX_LIST];
	size_t nrules;
	struct out_opts o;	/* reports, filters, gate, redaction: shared with merge */
	const char *events;	/* --events FILE */
	const char *partial;	/* --partial FILE */
	const char *partial_key;	/* --partial-key KEYFILE */
	struct part_key key;	/* loaded from it before anything is read */
	const char *shard;	/* --shard I/N */
	const char *state;	/* --state FILE */
	unsigned shard_count;	/* --shard-count N */
	struct aud_options ao;
	int progress;	/* -1 auto */
};

/*
 * The audit's event callbacks: with --pseudonymize each parser thread
 * collects the users, subjects and source addresses of every judged event
 * in its own map (psd_collect), so the reports and the --events export
 * replace them wherever they are quoted; --events exports the events the
 * filters pass.
 */
struct scan_events {
	struct evw *evw;		/* may be NULL */
	struct psd_maps ids;
};

static void scan_on_event(void *arg, unsigned worker, const struct event *ev,
			  const struct eng_verdict *v)
{
	struct scan_events *c = arg;

	if (c->evw)
		evw_on_event(c->evw, worker, ev, v);
}

static void scan_on_judged(void *arg, unsigned worker, const struct event *ev,
			   const struct eng_verdict *v)
{
	struct scan_events *c = arg;

	psd_collect(&c->ids, worker, ev, v);
}

static int too_many(const char *what)
{
	error("scan: too many %s (at most %d)", what, MAX_LIST);
	return DPF_EXIT_USAGE;
}

#define PUSH(arr, n, v, what) do { if ((n) >= MAX_LIST) return too_many(what); (arr)[(n)++] = (v); } while (0)

static int on_opt(void *ctx, int id, const char *val)
{
	struct scan *s = ctx;
	unsigned long n;
	int r;

	if ((r = out_opt(&s->o, "scan", id, val)) != 1 ||
	    (r = setup_opt(&s->ao, "scan", id, val)) != 1)
		return r;
	switch (id) {
	case O_RULES: PUSH(s->rules, s->nrules, val, "--rules"); break;
	case O_FORMAT: s->ao.format = val; break;
	case O_EVENTS: s->events = val; break;
	case O_PARTIAL: s->partial = val; break;
	case O_PARTIAL_KEY: s->partial_key = val; break;
	case O_SHARD: s->shard = val; break;
	case O_STATE: s->state = val; break;
	case O_SHARD_COUNT:
		if ((r = cli_uint("scan", "--shard-count", val, 100000, &n)))
			return r;
		s->shard_count = (unsigned)n;
		break;
	case O_PROGRESS: s->progress = 1; break;
	case O_NO_PROGRESS: s->progress = 0; break;
	case O_MAX_WINDOW:
		if ((r = cli_uint("scan", "--max-window-records", val, 1UL << 40, &n)))
			return r;
		if (n == 0) {
			error("scan: --max-window-records: at least 1");
			return DPF_EXIT_USAGE;
		}
		s->ao.max_window_records = n;
		break;
	}
	return 0;
}

/* The filter options, shared with `merge` (outcome.h). */
static struct out_filter_args filter_args(struct scan *s)
{
	return out_filter_args_of(&s->o);
}

/* Filters need the policy (category names), so they are built after loading it. */
static int build_filter(struct scan *s, const struct policy *pol)
{
	struct out_filter_args a = filter_args(s);
	struct diag err;

	if (out_build_filter(&a, pol, &s->ao.filter, &err)) {
		error("scan: %s", err.msg);
		return DPF_EXIT_USAGE;
	}
	return 0;
}

/*
 * An array index from the environment: digits only, at most a billion, or
 * a usage error (a value strtol() would wrap or clamp ran the wrong shard).
 */
static int env_uint(const char *name, const char *val, unsigned long *out)
{
	size_t k = 0;

	*out = 0;
	for (; val[k] >= '0' && val[k] <= '9' && k < 10; k++)
		*out = *out * 10 + (unsigned long)(val[k] - '0');
	if (k == 0 || val[k] || *out > 1000000000UL) {
		error("scan: %s='%.40s' is not an array index (0 to 1000000000)", name, val);
		return DPF_EXIT_USAGE;
	}
	return 0;
}

/*
 * --shard I/N, or (with --partial only, so a plain scan is never silently
 * sharded) the array index a batch scheduler gives each task.  *n stays 0
 * when the run is not sharded.
 */
static int shard_of(struct scan *s, unsigned *i, unsigned *n)
{
	struct diag err;
	char spec[64], cnt[32];
	const char *id, *count = NULL, *from = NULL;

	*i = *n = 0;
	if (s->shard) {
		if (shard_parse(s->shard, i, n, &err)) {
			error("scan: --shard: %s", err.msg);
			return DPF_EXIT_USAGE;
		}
		return 0;
	}
	if (!s->partial)
		return 0;
	if ((id = getenv("SLURM_ARRAY_TASK_ID")) && *id) {
		/* --array=1-8 or 0-15:4: the shard is the task's place in the array. */
		const char *min = getenv("SLURM_ARRAY_TASK_MIN");
		const char *step = getenv("SLURM_ARRAY_TASK_STEP");
		unsigned long v, lo = 0, st = 1;
		int r;
		if ((r = env_uint("SLURM_ARRAY_TASK_ID", id, &v)) ||
		    (min && *min && (r = env_uint("SLURM_ARRAY_TASK_MIN", min, &lo))) ||
		    (step && *step && (r = env_uint("SLURM_ARRAY_TASK_STEP", step, &st))))
			return r;
		if (v < lo || st == 0) {
			error("scan: SLURM_ARRAY_TASK_ID %s is not in the array "
			      "(SLURM_ARRAY_TASK_MIN %s, SLURM_ARRAY_TASK_STEP %s)", id,
			      min && *min ? min : "unset", step && *step ? step : "unset");
			return DPF_EXIT_USAGE;
		}
		snprintf(spec, sizeof(spec), "%lu", (v - lo) / st);
		from = "SLURM_ARRAY_TASK_ID";
		count = getenv("SLURM_ARRAY_TASK_COUNT");
	} else if ((id = getenv("JOB_COMPLETION_INDEX")) && *id) {
		snprintf(spec, sizeof(spec), "%.20s", id);
		from = "JOB_COMPLETION_INDEX";
		count = getenv("DPFAUDIT_SHARDS");
	} else if ((id = getenv("AWS_BATCH_JOB_ARRAY_INDEX")) && *id) {
		snprintf(spec, sizeof(spec), "%.20s", id);
		from = "AWS_BATCH_JOB_ARRAY_INDEX";
		count = getenv("AWS_BATCH_JOB_ARRAY_SIZE");
	} else {
		return 0;
	}
	if (s->shard_count) {
		snprintf(cnt, sizeof(cnt), "%u", s->shard_count);
	} else if (count && *count) {
		snprintf(cnt, sizeof(cnt), "%.20s", count);
	} else {
		error("scan: %s is set but not the number of shards "
			"(give --shard-count N, or set DPFAUDIT_SHARDS)", from);
		return DPF_EXIT_USAGE;
	}
	size_t k = strlen(spec);
	snprintf(spec + k, sizeof(spec) - k, "/%s", cnt);
	if (shard_parse(spec, i, n, &err)) {
		error("scan: shard from %s: %s", from, err.msg);
		return DPF_EXIT_USAGE;
	}
	error("shard %u/%u (from %s)", *i, *n, from);
	return 0;
}

/*
 * Write the partial result of a deferred audit, then finish the audit as a
 * plain scan would (for --report and --events).  all: the run's expanded
 * PATHs; sel: the inputs this shard audited (NULL: all).
 */
static int write_partial(struct scan *s, const struct policy *pol, struct aud_result *res,
			 const struct paths *all, const size_t *sel, size_t nsel, unsigned shards)
{
	struct part_set ps;
	struct diag err;
	int status = DPF_EXIT_OK;

	if (part_from_audit(&ps, res, pol, (const char *const *)all->v, all->n, sel, nsel,
			    shards, &err) ||
	    part_write(&ps, pol, s->partial_key ? &s->key : NULL, s->partial, &err)) {
		error("%s", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}
	/* Take the result back (its paths now live in its own arena) and finish it. */
	*res = ps.res;
	memset(&ps.res, 0, sizeof(ps.res));
	part_set_release(&ps);
	aud_finish(pol, &s->ao.filter, res->windows, res);
	return status;
}

/* What --state decided for an input, on stderr (the report says it too). */
static void state_note(const char *path, const struct st_plan *p)
{
	if (p->resume == AUD_RESUME_SKIP)
		fprintf(stderr, "dpfaudit: %s: already audited (as %s): not read again\n", path,
			p->from->path);
	else if (p->from)
		fprintf(stderr, "dpfaudit: %s: lines 1-%llu already audited (as %s): judging from line %llu\n", path,
			(unsigned long long)p->resume, p->from->path,
			(unsigned long long)p->resume + 1);
	else if (p->unexplained)
		warning("%s: changed since the last run in a way the state cannot explain "
			"(shorter or different content, as after copytruncate): audited whole", path);
}

int cmd_scan(int argc, char **argv, const char *argv0)
{
	struct scan s;
	struct setup st;
	struct paths paths = PATHS_INIT;
	struct aud_result res;
	struct diag err;
	struct baseline *bl = NULL;
	struct evw *evw = NULL;
	int first, r, status = DPF_EXIT_OK;
	const char **inputs = NULL;
	size_t *sel = NULL, ninputs = 0;
	unsigned shard = 0, nshards = 0;
	struct st_state state;
	struct st_plan *plan = NULL;
	uint64_t *resume = NULL;
	bool have_state = false;
	struct win_log *carry_out = NULL;
	struct psd *ps = NULL;
	struct psd_map *ids = NULL;
	struct scan_events sev = { NULL, PSD_MAPS_INIT };

	memset(&s, 0, sizeof(s));
	s.progress = -1;
	r = cli_parse("scan", scan_usage, scan_opts, argc, argv, on_opt, &s, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;

	if ((r = setup_command("scan", argv0, argc, argv, first, s.rules, s.nrules,
			       s.ao.format, &paths, &st)))
		return r;
	if ((r = build_filter(&s, st.pol)))
		goto out_setup;
	/* Every output is checked before a line is read (SPEC §8). */
	struct sf_out extra[] = {
		{ s.events ? "--events" : NULL, s.events },
		{ s.partial ? "--partial" : NULL, s.partial },
	};
	if ((r = out_check(&s.o, "scan", !s.partial, extra, 2, &paths)))
		goto out_setup;
	if (s.partial_key && (!s.partial || part_key_load(s.partial_key, &s.key, &err))) {
		if (!s.partial)
			error("scan: --partial-key signs a --partial; give one");
		else
			error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out_setup;
	}
	if (s.o.pseudonymize) {
		/* A bad key is a usage error, found before anything is read. */
		ps = psd_load(s.o.pseudonymize, &err);
		if (!ps) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_setup;
		}
	}
	if (s.o.baseline) {
		bl = bl_load(s.o.baseline, &err);
		if (!bl) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_setup;
		}
	}
	for (size_t i = 0; i < paths.nwarnings; i++)
		warning("%s", paths.warnings[i]);

	/* The inputs of this shard (all of them when not sharded), in the paths' order. */
	if ((r = shard_of(&s, &shard, &nshards)))
		goto out_bl;
	inputs = xcalloc(paths.n, sizeof(*inputs));
	sel = xcalloc(paths.n, sizeof(*sel));
	if (nshards) {
		if (shard_select((const char *const *)paths.v, paths.n, shard, nshards, sel,
				 &ninputs, &err)) {
			error("scan: --shard: %s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_bl;
		}
	} else {
		for (size_t i = 0; i < paths.n; i++)
			sel[i] = i;
		ninputs = paths.n;
	}
	for (size_t i = 0; i < ninputs; i++)
		inputs[i] = paths.v[sel[i]];
	s.ao.defer_windows = s.partial != NULL;
	/* A partial carries every input's digest (merge matches inputs by it). */
	s.ao.no_raw_digests = !s.partial && !out_shows_input_digests(&s.o);
	if (s.state) {
		if (s.partial || nshards) {
			error("scan: --state cannot be combined with --partial or --shard "
			      "(a state follows one machine's runs)");
			r = DPF_EXIT_USAGE;
			goto out_bl;
		}
		if (st_read(s.state, st.pol->digest, &state, &err)) {
			error("scan: --state: %s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_bl;
		}
		have_state = true;
		if (filter_active(&s.ao.filter))
			warning("--state with filters: lines judged now are not judged again, so "
				"findings the filters leave out are never reported by a later run");
		plan = xcalloc(ninputs ? ninputs : 1, sizeof(*plan));
		resume = xcalloc(ninputs ? ninputs : 1, sizeof(*resume));
		st_plan(&state, inputs, ninputs, plan);
		for (size_t i = 0; i < ninputs; i++) {
			resume[i] = plan[i].resume;
			state_note(inputs[i], &plan[i]);
		}
		s.ao.resume = resume;
		s.ao.content_digests = true;
		s.ao.carry_in = state.windows;
		s.ao.carry_out = carry_out = win_log_new();
	}

	unsigned nw = s.ao.jobs ? s.ao.jobs : aud_cpus();	/* the audit's parsers */
	if (s.events) {
		evw = evw_new(st.pol, inputs, ninputs, nw, !s.o.no_redact, &err);
		if (!evw) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out_bl;
		}
		sev.evw = evw;
	}
	s.ao.on_event_arg = &sev;
	if (evw)
		s.ao.on_event = scan_on_event;
	if (ps) {
		psd_maps_init(&sev.ids, ps, nw);
		s.ao.on_judged = scan_on_judged;
	}
	s.ao.progress = s.progress < 0 ? !s.o.quiet && isatty(STDERR_FILENO) : s.progress;
	s.ao.max_unparsed_set = s.o.max_unparsed_set;
	s.ao.max_unparsed = s.o.max_unparsed;
	/* Every output reads the findings in order: they spill past the budget (SPEC §7). */
	s.ao.findings_budget = aud_memory_budget();
	if (aud_run(st.pol, st.fmts, st.eng, inputs, ninputs, &s.ao, &res, &err)) {
		error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out_bl;
	}
	out_print_problems(&res);
	if (ps) {
		/* Every id the outputs may name, before the reports pseudonymise res. */
		ids = psd_map_new(ps, &res, &s.ao.filter);
		psd_maps_join(&sev.ids, ids);
		psd_maps_release(&sev.ids);
		int e = psd_map_ready(ids);
		if (e) {
			/* No output may name the people it could not replace. */
			error("scan: the ids to pseudonymise could not be collected (%s): "
			      "no report written", strerror(e));
			r = DPF_EXIT_INCOMPLETE;
			aud_result_release(&res);
			goto out_bl;
		}
		if (evw)
			evw_pseudonymize(evw, ids);
	}
	if (s.partial)
		status = write_partial(&s, st.pol, &res, &paths, nshards ? sel : NULL, ninputs,
				       nshards);

	struct out_filter_args fa = filter_args(&s);
	const char *desc[MAX_LIST];
	char desc_store[8192];
	out_describe_filter(&fa, &s.ao.filter, desc, MAX_LIST, &s.ao.filter.ndescribed, desc_store,
			    sizeof(desc_store));
	struct filter shown = s.ao.filter;
	shown.described = desc;

	char *cmdline = cli_command_line(argc + 1, argv - 1);
	struct out_counts counts = { 0 };
	struct out_job job = {
		.pol = st.pol,
		.res = &res,
		.filter = &shown,
		.rule_paths = st.rule_paths,
		.nrule_paths = st.nrule_paths,
		.command_line = cmdline,
		.reports = s.o.reports,
		.nreports = s.o.nreports,
		.redact = !s.o.no_redact,
		.pseudonymize = s.o.pseudonymize,
		.ids = ids,
		.fail_on = s.o.fail_on,
		.detail = s.o.detail,
		.quiet = s.o.quiet,
		.color = s.o.color,
		.bl = bl,
		.baseline_path = s.o.baseline,
		.write_baseline = s.o.write_baseline,
		.counts = &counts,
	};
	/* A shard's partial is its output; reports of the shard alone only when asked. */
	bool reports = !s.partial || s.o.nreports || s.o.write_baseline;
	if (reports && out_write(&job) != DPF_EXIT_OK)
		status = DPF_EXIT_INCOMPLETE;

	/*
	 * The state moves on only once the reports are written whole: a run
	 * whose report was lost is done again the next time.
	 */
	if (have_state && status == DPF_EXIT_OK) {
		struct st_state next;
		st_from_run(&next, &res, plan, st.pol->digest);
		st_set_windows(&next, carry_out);
		carry_out = NULL;
		if (st_write(&next, s.state, &err)) {
			error("scan: --state: %s", err.msg);
			status = DPF_EXIT_INCOMPLETE;
		}
		st_release(&next);
	}

	/* The verdicts of the events include the windowed findings, judged only now. */
	if (evw && evw_finish(evw, &res.findings, s.events, &err)) {
		error("%s", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}

	/*
	 * A shard without reports exits 0 once its partial is written: damage
	 * is in the partial and makes `merge` exit 3, and a scheduler must not
	 * hold the merge back (afterok) for it.
	 */
	if (reports)
		r = out_status_counted(&res, &counts, s.o.fail_on, status);
	else
		r = status;

	free(cmdline);
	aud_result_release(&res);
out_bl:
	if (have_state)
		st_release(&state);
	win_log_free(carry_out);
	free(plan);
	free(resume);
	free(inputs);
	free(sel);
	evw_free(evw);
	psd_map_free(ids);
	psd_maps_release(&sev.ids);
	if (bl)
		bl_free(bl);
out_setup:
	psd_free(ps);
	setup_release(&st);
	paths_release(&paths);
	/* filter arrays point into s: nothing to free */
	return r;
}
