/*
 * cmd_rules.c - `dpfaudit rules [--rules P]... [--lint]`: show the effective
 * policy (who may read what, for which purposes, when, how much), or with
 * --lint only validate it and print warnings.
 *
 * Exit: 0 the rules load (warnings do not fail), 2 usage or rule error,
 * 3 the output could not be written whole.
 */
#include "common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checks.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "evidence.h"
#include "policy.h"
#include "lint.h"
#include "rules.h"
#include "setup.h"

#define RULES_MAX_PATHS 64

enum { O_RULES = 1, O_LINT };

static const struct cli_opt rules_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "rule file or directory; repeatable (default: the installed rules)" },
	{ O_LINT, 0, "lint", NULL, "only validate the rules and print warnings" },
	CLI_END
};

static const char rules_usage[] = "[--rules PATH]... [--lint]";

struct rules_opts {
	const char *paths[RULES_MAX_PATHS];
	size_t npaths;
	bool lint;
	bool too_many;
};

static int on_opt(void *ctx, int id, const char *val)
{
	struct rules_opts *o = ctx;
	if (id == O_RULES) {
		if (o->npaths == RULES_MAX_PATHS) {
			o->too_many = true;
			return 0;
		}
		o->paths[o->npaths++] = val;
	} else if (id == O_LINT) {
		o->lint = true;
	}
	return 0;
}

/* 3600 -> "1h", 600 -> "10m", 90 -> "90s": the largest unit that divides. */
static void fmt_window(int64_t s, char *buf, size_t n)
{
	static const struct {
		int64_t secs;
		char unit;
	} units[] = { { 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s >= units[i].secs && s % units[i].secs == 0) {
			snprintf(buf, n, "%" PRId64 "%c", s / units[i].secs, units[i].unit);
			return;
		}
	}
	snprintf(buf, n, "%" PRId64 "s", s);
}

static void print_bits(FILE *out, const struct policy *p, uint64_t bits, bool all, bool purposes)
{
	if (all) {
		fputs("* (all)", out);
		return;
	}
	bool first = true;
	size_t n = purposes ? p->npurposes : p->ncategories;
	for (size_t i = 0; i < n; i++) {
		if (!(bits & ((uint64_t)1 << i)))
			continue;
		fprintf(out, "%s%s", first ? "" : ", ",
			purposes ? p->purposes[i].name : p->categories[i].name);
		first = false;
	}
	if (first)
		fputs("(none)", out);
}

static void print_principles(FILE *out, unsigned bits)
{
	struct buf b = BUF_INIT;

	pr_join(&b, bits, pr_slug, ", ");
	fwrite(buf_sv(&b).p, 1, b.len, out);
	buf_release(&b);
}

static void print_policy(FILE *out, const struct policy *p)
{
	char w[32];

	fputs("rule files:\n", out);
	for (size_t i = 0; i < p->nfiles; i++)
		fprintf(out, "  %s\n", p->files[i]);
	fprintf(out, "digest: sha256:%s\n", p->digest);

	fprintf(out, "\ncategories (%zu):\n", p->ncategories);
	for (size_t i = 0; i < p->ncategories; i++) {
		const struct pol_category *c = &p->categories[i];
		fprintf(out, "  %-18s %s%s%s\n", c->name, c->sensitive ? "SENSITIVE " : "",
			c->description ? c->description : "",
			c->nmatchers ? "" : " (no matcher)");
	}

	/* roles x categories: the heart of the role-based restriction */
	size_t wname = 4;
	for (size_t i = 0; i < p->nroles; i++)
		if (strlen(p->roles[i].name) > wname)
			wname = strlen(p->roles[i].name);
	fprintf(out, "\nmay read (R = allowed, - = not; * marks a sensitive category):\n  %-*s", (int)wname, "role");
	for (size_t c = 0; c < p->ncategories; c++)
		fprintf(out, " %s%s", p->categories[c].name, p->categories[c].sensitive ? "*" : "");
	fputc('\n', out);
	for (size_t r = 0; r < p->nroles; r++) {
		const struct pol_role *ro = &p->roles[r];
		fprintf(out, "  %-*s", (int)wname, ro->name);
		for (size_t c = 0; c < p->ncategories; c++) {
			bool ok = ro->may_read_all || (ro->may_read & ((uint64_t)1 << c));
			int cw = (int)strlen(p->categories[c].name) + (p->categories[c].sensitive ? 1 : 0);
			if (c + 1 == p->ncategories)
				cw = 1;	/* no trailing blanks */
			fprintf(out, " %-*s", cw, ok ? "R" : "-");
		}
		fputc('\n', out);
	}

	fprintf(out, "\nroles (%zu):\n", p->nroles);
	for (size_t r = 0; r < p->nroles; r++) {
		const struct pol_role *ro = &p->roles[r];
		fprintf(out, "  %s", ro->name);
		if (ro->description)
			fprintf(out, " - %s", ro->description);
		fprintf(out, "\n    members:   %zu user%s", ro->nmembers, ro->nmembers == 1 ? "" : "s");
		for (size_t g = 0; g < ro->nmember_globs; g++)
			fprintf(out, "%s%s", g ? ", " : ", and every user matching ", ro->member_globs[g]);
		fputs("\n    purposes:  ", out);
		print_bits(out, p, ro->purposes, ro->purposes_all, true);
		fprintf(out, "\n    hours:     %s", ro->has_hours && ro->hours_spec ? ro->hours_spec : "any time");
		if (ro->max_subjects) {
			fmt_window(ro->max_window, w, sizeof(w));
			fprintf(out, "\n    limit:     %u subjects per %s", ro->max_subjects, w);
		} else {
			fputs("\n    limit:     none", out);
		}
		if (!ro->reason_required)
			fputs("\n    reasons:   not required", out);
		fputc('\n', out);
	}

	fprintf(out, "\npurposes (%zu, in matching order):\n", p->npurposes);
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct pol_purpose *pu = &p->purposes[i];
		fprintf(out, "  %-12s", pu->name);
		for (size_t j = 0; j < pu->nreasons; j++)
			fprintf(out, "%s%s", j ? " | " : " reason ", pu->reasons[j]->pattern);
		if (pu->evidence >= 0)
			fprintf(out, "; evidence %s", p->evidence[pu->evidence].name);
		if (pu->infer)
			fputs("; infers from open records", out);
		if (pu->honours_optout)
			fputs("; honours opt-outs", out);
		fputc('\n', out);
	}

	fprintf(out, "\nevidence (%zu):\n", p->nevidence);
	for (size_t i = 0; i < p->nevidence; i++) {
		const struct pol_evidence *e = &p->evidence[i];
		fprintf(out, "  %-12s %zu records from %s (key %s)\n", e->name,
			e->index ? evd_count(e->index) : 0, e->path, e->key);
	}
	fprintf(out, "\nopted-out subjects: %zu\n", p->optout.count);
	fprintf(out, "approved recipients: %zu\n", p->napproved);
	for (size_t i = 0; i < p->napproved; i++)
		fprintf(out, "  %s\n", p->approved[i]->pattern);
	fprintf(out, "redaction patterns: %zu (besides e-mail addresses)\n", p->nredact);

	fprintf(out, "\nchecks (%zu):\n", p->nchecks);
	for (size_t i = 0; i < p->nchecks; i++) {
		const struct pol_check *c = &p->checks[i];
		fprintf(out, "  %-24s %-9s %-4s ", c->id, sev_name(c->severity), c->enabled ? "on" : "off");
		print_principles(out, c->principles);
		if (c->builtin && i == CHK_FAILED_ACCESS_BURST) {
			fmt_window(c->threshold_window, w, sizeof(w));
			fprintf(out, " (threshold %u/%s)", c->threshold_n, w);
		}
		if (!c->builtin)
			fprintf(out, " (custom, %s:%d)", c->loc.file ? c->loc.file : "?", c->loc.line);
		fputc('\n', out);
	}
	if (p->nformats) {
		static const char *const types[] = { "regex", "json", "logfmt" };
		fprintf(out, "\nformats (%zu):\n", p->nformats);
		for (size_t i = 0; i < p->nformats; i++)
			fprintf(out, "  %-18s %s (%s:%d)\n", p->formats[i].name, types[p->formats[i].type],
				p->formats[i].loc.file, p->formats[i].loc.line);
	}
}

int cmd_rules(int argc, char **argv, const char *argv0)
{
	struct rules_opts o;
	struct diag err;
	char *def = NULL;
	int first = 0;

	memset(&o, 0, sizeof(o));
	int r = cli_parse("rules", rules_usage, rules_opts, argc, argv, on_opt, &o, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (first < argc) {
		error("rules: unexpected argument '%s' (rule paths go after --rules)",
			argv[first]);
		return DPF_EXIT_USAGE;
	}
	if (o.too_many) {
		error("rules: more than %d --rules options", RULES_MAX_PATHS);
		return DPF_EXIT_USAGE;
	}
	if (!o.npaths) {
		def = rules_default_path(argv0);
		o.paths[o.npaths++] = def;
		if (setup_default_rules_exist(def, &err)) {
			error("%s", err.msg);
			free(def);
			return DPF_EXIT_USAGE;
		}
	}
	struct policy *p = rules_load(o.paths, o.npaths, &err);
	if (!p) {
		error("%s", err.msg);
		free(def);
		return DPF_EXIT_USAGE;
	}
	size_t nw = 0;
	char **warns = lint_policy(p, &nw);
	if (o.lint) {
		for (size_t i = 0; i < nw; i++)
			printf("warning: %s\n", warns[i]);
		printf("%s: %zu rule file%s, %zu categories, %zu purposes, %zu roles, %zu checks: ok, %zu warning%s\n",
		       o.npaths == 1 ? o.paths[0] : "rules", p->nfiles, p->nfiles == 1 ? "" : "s",
		       p->ncategories, p->npurposes, p->nroles, p->nchecks, nw, nw == 1 ? "" : "s");
	} else {
		print_policy(stdout, p);
		if (nw) {
			printf("\nwarnings (%zu):\n", nw);
			for (size_t i = 0; i < nw; i++)
				printf("  %s\n", warns[i]);
		}
	}
	lint_free(warns, nw);
	policy_free(p);
	free(def);
	return DPF_EXIT_OK;	/* main() checks that stdout was written whole */
}
