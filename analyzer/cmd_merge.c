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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "baseline.h"
#include "cli.h"
#include "cmd.h"
#include "outcome.h"
#include "pseudo.h"
#include "partial.h"
#include "report.h"
#include "setup.h"

enum {
	O_RULES = 1, O_REPORT, O_SINCE, O_UNTIL, O_USER, O_ROLE, O_SUBJECT, O_CATEGORY,
	O_PRINCIPLE, O_NOW, O_FAIL_ON, O_BASELINE, O_WRITE_BASELINE, O_NO_REDACT, O_PSEUDONYMIZE, O_PARTIAL,
};

static const struct cli_opt merge_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "the rules the partials were made with (repeatable; default: the installed rules)" },
	{ O_REPORT, 0, "report", "FMT[:FILE]", "text (default, stdout), json, html, sarif, junit, csv, markdown; repeatable" },
	{ O_SINCE, 0, "since", "T", "only report from T on (ISO 8601, or -24h, -7d, today, yesterday)" },
	{ O_UNTIL, 0, "until", "T", "only report up to T (a bare date includes that whole day)" },
	{ O_USER, 0, "user", "U", "only report this user (repeatable)" },
	{ O_ROLE, 0, "role", "R", "only report this role (repeatable)" },
	{ O_SUBJECT, 0, "subject", "S", "only report this data subject (repeatable)" },
	{ O_CATEGORY, 0, "category", "C", "only report this data category (repeatable)" },
	{ O_PRINCIPLE, 0, "principle", "P", "only report this DPF principle (repeatable)" },
	{ O_NOW, 0, "now", "T", "the current time for relative --since/--until (for reproducible runs)" },
	{ O_FAIL_ON, 0, "fail-on", "SEV", "exit 1 when a finding at or above SEV (low..critical) remains" },
	{ O_BASELINE, 0, "baseline", "FILE", "suppress the known findings listed in FILE" },
	{ O_WRITE_BASELINE, 0, "write-baseline", "FILE", "record the merged findings as a baseline" },
	{ O_NO_REDACT, 0, "no-redact", NULL, "show evidence unmasked (default: masked)" },
	{ O_PSEUDONYMIZE, 0, "pseudonymize", "KEYFILE", "replace users and subjects in reports with keyed HMAC pseudonyms" },
	{ O_PARTIAL, 0, "partial", "FILE", "write the merged partial result (no report unless --report)" },
	CLI_END
};

static const char merge_usage[] = "[OPTIONS] PARTIAL...";

#define MAX_LIST 256

struct merge {
	const char *rules[MAX_LIST];
	size_t nrules;
	struct out_report reports[MAX_LIST];
	size_t nreports;
	const char *since, *until, *now;
	const char *users[MAX_LIST], *roles[MAX_LIST], *subjects[MAX_LIST];
	size_t nusers, nroles, nsubjects;
	const char *categories[MAX_LIST], *principles[MAX_LIST];
	size_t ncategories, nprinciples;
	enum sev fail_on;
	const char *baseline, *write_baseline;
	const char *partial;
	bool redact;
	const char *pseudonymize;
};

static int too_many(const char *what)
{
	fprintf(stderr, "dpfaudit merge: too many %s (at most %d)\n", what, MAX_LIST);
	return DPF_EXIT_USAGE;
}

#define PUSH(arr, n, v, what) do { if ((n) >= MAX_LIST) return too_many(what); (arr)[(n)++] = (v); } while (0)

static int on_opt(void *ctx, int id, const char *val)
{
	struct merge *m = ctx;
	struct diag err;

	switch (id) {
	case O_RULES: PUSH(m->rules, m->nrules, val, "--rules"); break;
	case O_REPORT:
		if (m->nreports >= MAX_LIST)
			return too_many("--report");
		if (out_parse_report(val, &m->reports[m->nreports], &err)) {
			fprintf(stderr, "dpfaudit merge: %s\n", err.msg);
			return DPF_EXIT_USAGE;
		}
		m->nreports++;
		break;
	case O_SINCE: m->since = val; break;
	case O_UNTIL: m->until = val; break;
	case O_NOW: m->now = val; break;
	case O_USER: PUSH(m->users, m->nusers, val, "--user"); break;
	case O_ROLE: PUSH(m->roles, m->nroles, val, "--role"); break;
	case O_SUBJECT: PUSH(m->subjects, m->nsubjects, val, "--subject"); break;
	case O_CATEGORY: PUSH(m->categories, m->ncategories, val, "--category"); break;
	case O_PRINCIPLE: PUSH(m->principles, m->nprinciples, val, "--principle"); break;
	case O_FAIL_ON:
		m->fail_on = sev_parse(sv_cstr(val));
		if (m->fail_on == SEV_NONE) {
			fprintf(stderr, "dpfaudit merge: --fail-on: unknown severity '%s' "
				"(expected low, medium, high or critical)\n", val);
			return DPF_EXIT_USAGE;
		}
		break;
	case O_BASELINE: m->baseline = val; break;
	case O_WRITE_BASELINE: m->write_baseline = val; break;
	case O_NO_REDACT: m->redact = false; break;
	case O_PSEUDONYMIZE: m->pseudonymize = val; break;
	case O_PARTIAL: m->partial = val; break;
	}
	return 0;
}

static struct out_filter_args filter_args(struct merge *m)
{
	return (struct out_filter_args){
		.since = m->since, .until = m->until, .now = m->now,
		.users = m->users, .nusers = m->nusers,
		.roles = m->roles, .nroles = m->nroles,
		.subjects = m->subjects, .nsubjects = m->nsubjects,
		.categories = m->categories, .ncategories = m->ncategories,
		.principles = m->principles, .nprinciples = m->nprinciples,
	};
}

int cmd_merge(int argc, char **argv)
{
	struct merge m;
	struct setup st;
	struct diag err;
	struct filter filter = FILTER_INIT;
	struct baseline *bl = NULL;
	struct part_set *sets = NULL, joined, whole;
	int first, r, status = DPF_EXIT_OK;
	size_t n = 0;
	bool have_joined = false, have_whole = false;

	memset(&m, 0, sizeof(m));
	m.redact = true;
	r = cli_parse("merge", merge_usage, merge_opts, argc, argv, on_opt, &m, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (first >= argc) {
		fprintf(stderr, "dpfaudit merge: no PARTIAL given\ntry 'dpfaudit merge --help'\n");
		return DPF_EXIT_USAGE;
	}

	if (setup_load(&st, m.rules, m.nrules, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		return DPF_EXIT_USAGE;
	}
	struct out_filter_args fa = filter_args(&m);
	if (out_build_filter(&fa, st.pol, &filter, &err)) {
		fprintf(stderr, "dpfaudit merge: %s\n", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	if (m.pseudonymize) {
		/* A bad key is a usage error, found before anything is read. */
		struct psd *ps = psd_load(m.pseudonymize, &err);
		if (!ps) {
			fprintf(stderr, "dpfaudit: %s\n", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
		psd_free(ps);
	}
	if (m.baseline) {
		bl = bl_load(m.baseline, &err);
		if (!bl) {
			fprintf(stderr, "dpfaudit: %s\n", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
	}

	/* Every partial is read and checked before anything is written. */
	n = (size_t)(argc - first);
	sets = calloc(n, sizeof(*sets));
	if (!sets) {
		fprintf(stderr, "dpfaudit: out of memory\n");
		r = DPF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (part_read(argv[first + (int)i], st.pol, &sets[i], &err)) {
			fprintf(stderr, "dpfaudit: %s\n", err.msg);
			r = DPF_EXIT_USAGE;
			goto out;
		}
		sets[i].name = argv[first + (int)i];
	}
	/* part_join empties the sets, whatever it returns. */
	r = part_join(&joined, sets, n, false, st.pol, &err);
	free(sets);
	sets = NULL;
	if (r) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	have_joined = true;
	if (m.partial && part_write(&joined, st.pol, m.partial, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		status = DPF_EXIT_INCOMPLETE;
	}
	if (m.partial && !m.nreports && !m.write_baseline) {
		/* Like a shard: the merged partial is the output; `merge` of it reports. */
		r = status;
		goto out;
	}

	/* For the report: inputs of a run that no partial holds are named as not read. */
	have_joined = false;
	if (part_join(&whole, &joined, 1, true, st.pol, &err)) {
		fprintf(stderr, "dpfaudit: %s\n", err.msg);
		r = DPF_EXIT_USAGE;
		goto out;
	}
	have_whole = true;
	struct aud_result *res = &whole.res;
	aud_finish(st.pol, &filter, res->windows, res);
	out_print_problems(res);

	const char *desc[MAX_LIST];
	char desc_store[8192];
	out_describe_filter(&fa, desc, MAX_LIST, &filter.ndescribed, desc_store, sizeof(desc_store));
	filter.described = desc;
	char *cmdline = cli_command_line(argc + 1, argv - 1);
	struct out_job job = {
		.pol = st.pol,
		.res = res,
		.filter = &filter,
		.rule_paths = st.rule_paths,
		.nrule_paths = st.nrule_paths,
		.command_line = cmdline,
		.reports = m.reports,
		.nreports = m.nreports,
		.redact = m.redact,
		.pseudonymize = m.pseudonymize,
		.fail_on = m.fail_on,
		.bl = bl,
		.baseline_path = m.baseline,
		.write_baseline = m.write_baseline,
	};
	if (out_write(&job) != DPF_EXIT_OK)
		status = DPF_EXIT_INCOMPLETE;
	r = out_status(res, m.fail_on, status);
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
	if (bl)
		bl_free(bl);
	setup_release(&st);
	return r;
}
