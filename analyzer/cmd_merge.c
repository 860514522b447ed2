/*
 * cmd_merge.c - `dpfaudit merge`: partial results into one report.
 *
 * Reads the partials of `scan --partial` (partial.h), refuses any made with
 * other rules, another version, or damaged, joins them in the order of one
 * run, judges the windowed checks over every shard's records (aud_finish),
 * and ends exactly as `scan` does (outcome.h): same reports, same exit
 * status as one scan over all the inputs.  `--partial FILE` writes the
 * joined partial instead, so partials can be merged in a tree.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "baseline.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "outcome.h"
#include "pseudo.h"
#include "partial.h"
#include "partjoin.h"
#include "paths.h"
#include "safefile.h"
#include "report.h"
#include "setup.h"
#include "windows.h"
#include "xalloc.h"

enum {
	O_RULES = 1, O_PARTIAL, O_PARTIAL_KEY,
};

static const struct cli_opt merge_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "the rules the partials were made with (repeatable; default: the installed rules)" },
	OUT_OPT_ROWS,
	{ O_PARTIAL, 0, "partial", "FILE", "write the merged partial result (no report unless --report)" },
	{ O_PARTIAL_KEY, 0, "partial-key", "KEYFILE", "verify the partials' HMAC with this key (and sign --partial with it)" },
	CLI_END
};

static const char merge_usage[] = "[OPTIONS] PARTIAL...";

#define MAX_LIST 256

struct merge {
	const char *rules[MAX_LIST];
	size_t nrules;
	struct out_opts o;	/* reports, filters, gate, redaction: shared with scan */
	const char *partial;
	const char *partial_key;	/* --partial-key KEYFILE */
	struct part_key key;
};

static int too_many(const char *what)
{
	error("merge: too many %s (at most %d)", what, MAX_LIST);
	return DPF_EXIT_USAGE;
}

#define PUSH(arr, n, v, what) do { if ((n) >= MAX_LIST) return too_many(what); (arr)[(n)++] = (v); } while (0)

static int on_opt(void *ctx, int id, const char *val)
{
	struct merge *m = ctx;
	int r;

	if ((r = out_opt(&m->o, "merge", id, val)) != 1)
		return r;
	switch (id) {
	case O_RULES: PUSH(m->rules, m->nrules, val, "--rules"); break;
	case O_PARTIAL: m->partial = val; break;
	case O_PARTIAL_KEY: m->partial_key = val; break;
	}
	return 0;
}

/* The filter options, shared with `scan` (outcome.h). */
static struct out_filter_args filter_args(struct merge *m)
{
	return out_filter_args_of(&m->o);
}

int cmd_merge(int argc, char **argv, const char *argv0)
{
	struct merge m;
	struct setup st;
	struct diag err;
	struct filter filter = FILTER_INIT;
	struct baseline *bl = NULL;
	struct part_set *sets = NULL, joined, whole;
	struct part_pool pool;
	int first, r, status = DPF_EXIT_OK;
	size_t n = 0;
	bool have_joined = false, have_whole = false, have_pool = false;

	memset(&m, 0, sizeof(m));
	r = cli_parse("merge", merge_usage, merge_opts, argc, argv, on_opt, &m, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (first >= argc) {
		error("merge: no PARTIAL given\ntry 'dpfaudit merge --help'");
		return DPF_EXIT_USAGE;
	}

	/* Every output is checked before a partial is read (SPEC §8). */
	struct paths parts = PATHS_INIT;
	struct sf_out extra[] = { { m.partial ? "--partial" : NULL, m.partial } };
	for (int i = first; i < argc; i++)
		paths_add(&parts, argv[i]);
	r = out_check(&m.o, "merge", !m.partial, extra, 1, &parts);
	paths_release(&parts);
	if (r)
		return r;

	if (m.partial_key && part_key_load(m.partial_key, &m.key, &err)) {
		error("%s", err.msg);
		return DPF_EXIT_USAGE;
	}
	const struct part_key *key = m.partial_key ? &m.key : NULL;

	if (setup_load(&st, m.rules, m.nrules, argv0, &err)) {
		error("%s", err.msg);
		return DPF_EXIT_USAGE;
	}
	struct out_filter_args fa = filter_args(&m);
	if (out_build_filter(&fa, st.pol, &filter, &err)) {
		error("merge: %s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	if (m.o.pseudonymize) {
		/* A bad key is a usage error, found before anything is read. */
		struct psd *ps = psd_load(m.o.pseudonymize, &err);
		if (!ps) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
		psd_free(ps);
	}
	if (m.o.baseline) {
		bl = bl_load(m.o.baseline, &err);
		if (!bl) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
	}

	/* Every partial is read and checked before anything is written. */
	n = (size_t)(argc - first);
	sets = xcalloc(n, sizeof(*sets));
	/*
	 * Every partial's findings and window records go to one pool: one
	 * list at the memory budget (spilling past it, as in scan) and one
	 * window log at half of it (8 MiB by default), so memory and
	 * temporary files do not grow with the number of partials.
	 */
	part_pool_init(&pool, aud_memory_budget(), aud_memory_budget() / 2);
	have_pool = true;
	for (size_t i = 0; i < n; i++) {
		if (part_read_into(argv[first + (int)i], st.pol, key, &pool, &sets[i], &err)) {
			error("%s", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
		sets[i].name = argv[first + (int)i];
	}
	/* part_join empties the sets and the pool, whatever it returns. */
	r = part_join(&joined, sets, n, &pool, false, st.pol, &err);
	free(sets);
	sets = NULL;
	if (r) {
		error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	have_joined = true;
	if (m.partial && part_write(&joined, st.pol, key, m.partial, &err)) {
		error("%s", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}
	if (m.partial && !m.o.nreports && !m.o.write_baseline) {
		/* Like a shard: the merged partial is the output; `merge` of it reports. */
		r = status;
		goto out;
	}

	/* For the report: inputs of a run that no partial holds are named as not read. */
	have_joined = false;
	if (part_join(&whole, &joined, 1, NULL, true, st.pol, &err)) {
		error("%s", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	have_whole = true;
	struct aud_result *res = &whole.res;
	/* The windows' partitions judged on every CPU (the findings do not depend on it). */
	if (res->windows)
		win_log_set_jobs(res->windows, aud_cpus());
	aud_finish(st.pol, &filter, res->windows, res);
	/* The shards applied their own --max-unparsed; merge adds its own (default 1%). */
	aud_check_unparsed(res, m.o.max_unparsed_set ? m.o.max_unparsed : AUD_MAX_UNPARSED);
	out_print_problems(res);

	const char *desc[MAX_LIST];
	char desc_store[8192];
	out_describe_filter(&fa, &filter, desc, MAX_LIST, &filter.ndescribed, desc_store, sizeof(desc_store));
	filter.described = desc;
	char *cmdline = cli_command_line(argc + 1, argv - 1);
	struct out_counts counts = { 0 };
	struct out_job job = {
		.pol = st.pol,
		.res = res,
		.filter = &filter,
		.rule_paths = st.rule_paths,
		.nrule_paths = st.nrule_paths,
		.command_line = cmdline,
		.reports = m.o.reports,
		.nreports = m.o.nreports,
		.redact = !m.o.no_redact,
		.pseudonymize = m.o.pseudonymize,
		.fail_on = m.o.fail_on,
		.detail = m.o.detail,
		.quiet = m.o.quiet,
		.color = m.o.color,
		.bl = bl,
		.baseline_path = m.o.baseline,
		.write_baseline = m.o.write_baseline,
		.counts = &counts,
	};
	if (out_write(&job) != DPF_EXIT_OK)
		status = DPF_EXIT_INCOMPLETE;
	r = out_status_counted(res, &counts, m.o.fail_on, status);
	free(cmdline);
out:
	if (have_whole)
		part_set_release(&whole);
	if (have_joined)
		part_set_release(&joined);
	if (sets) {
		for (size_t i = 0; i < n; i++)
			part_set_release(&sets[i]);
		free(sets);
	}
	if (have_pool)
		part_pool_release(&pool);
	if (bl)
		bl_free(bl);
	setup_release(&st);
	return r;
}
