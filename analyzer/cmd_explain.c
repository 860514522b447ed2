/*
 * cmd_explain.c - `dpfaudit explain CHECK`: what a check means, which DPF
 * principle and promise it tests, what fires it and how to fix a finding.
 * With --rules, custom checks and overridden severities are explained too.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "checks.h"
#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "policy.h"
#include "rules.h"

enum { O_RULES = 1, O_LIST };

static const struct cli_opt explain_opts[] = {
	{ O_RULES, 'r', "rules", "PATH", "also explain the custom checks of these rules" },
	{ O_LIST, 0, "list", NULL, "list every check with its principle and severity" },
	CLI_END
};

struct explain {
	const char *rules[64];
	size_t nrules;
	bool list;
};

static int on_opt(void *ctx, int id, const char *val)
{
	struct explain *e = ctx;
	if (id == O_RULES && e->nrules < 64)
		e->rules[e->nrules++] = val;
	else if (id == O_LIST)
		e->list = true;
	return 0;
}

static void principles_line(FILE *out, unsigned bits)
{
	struct buf b = BUF_INIT;

	pr_join(&b, bits, pr_name, "; ");
	fwrite(buf_sv(&b).p, 1, b.len, out);
	buf_release(&b);
}

static void list_checks(FILE *out, const struct policy *pol)
{
	for (int i = 0; i < CHK_BUILTIN_COUNT; i++) {
		const struct chk_info *c = chk_info((enum chk_id)i);
		enum sev sev = pol ? pol->checks[i].severity : c->severity;
		fprintf(out, "%-24s %-9s ", c->id, sev_name(sev));
		principles_line(out, c->principles);
		fputc('\n', out);
	}
	if (pol) {
		for (size_t i = CHK_BUILTIN_COUNT; i < pol->nchecks; i++) {
			fprintf(out, "%-24s %-9s ", pol->checks[i].id, sev_name(pol->checks[i].severity));
			principles_line(out, pol->checks[i].principles);
			fputs(" (custom)\n", out);
		}
	}
}

int cmd_explain(int argc, char **argv, const char *argv0)
{
	struct explain e = { 0 };
	struct policy *pol = NULL;
	struct diag err;
	int first;
	int r = cli_parse("explain", "[--rules P] CHECK | --list", explain_opts, argc, argv,
			  on_opt, &e, &first);
	if (r == -2)
		return DPF_EXIT_OK;
	if (r)
		return DPF_EXIT_USAGE;
	if (e.nrules) {
		pol = rules_load(e.rules, e.nrules, &err);
		if (!pol) {
			error("%s", err.msg);
			return DPF_EXIT_USAGE;
		}
	}
	if (e.list || first >= argc) {
		if (!e.list) {
			fprintf(stderr, "usage: dpfaudit explain CHECK (one of:)\n");
			list_checks(stderr, pol);
			if (pol)
				policy_free(pol);
			return DPF_EXIT_USAGE;
		}
		list_checks(stdout, pol);
		if (pol)
			policy_free(pol);
		return DPF_EXIT_OK;
	}
	const char *id = argv[first];
	int k = policy_check(pol, sv_cstr(id));	/* pol may be NULL: built-ins only */
	if (k >= 0 && k < CHK_BUILTIN_COUNT) {
		enum chk_id c = (enum chk_id)k;
		const struct chk_info *ci = chk_info(c);
		enum sev sev = pol ? pol->checks[c].severity : ci->severity;
		printf("%s: %s\n\n", ci->id, ci->title);
		printf("principle:  ");
		principles_line(stdout, ci->principles);
		printf("\nseverity:   %s%s\n", sev_name(sev),
		       sev != ci->severity ? " (overridden by the rules)" : "");
		printf("\npromise:    %s\n", ci->promise);
		printf("\nfires when: %s\n", ci->fires);
		printf("\nhow to fix: %s\n", ci->fix);
		if (pol)
			policy_free(pol);
		return DPF_EXIT_OK;
	}
	if (k >= 0) {
		const struct pol_check *pc = &pol->checks[k];
		printf("%s: %s (custom check, %s:%d)\n\n", pc->id, pc->title ? pc->title : "",
		       pc->loc.file ? pc->loc.file : "?", pc->loc.line);
		printf("principle:  ");
		principles_line(stdout, pc->principles);
		printf("\nseverity:   %s\n", sev_name(pc->severity));
		if (pc->message)
			printf("\nmessage:    %s\n", pc->message);
		policy_free(pol);
		return DPF_EXIT_OK;
	}
	/* Built-in ids, then the rules' own checks, as candidates for a typo. */
	const char *cands[CHK_BUILTIN_COUNT + 64];
	size_t nc = 0;
	for (size_t i = 0; i < CHK_BUILTIN_COUNT; i++)
		cands[nc++] = chk_info((enum chk_id)i)->id;
	for (size_t i = CHK_BUILTIN_COUNT; pol && i < pol->nchecks && nc < sizeof(cands) / sizeof(*cands); i++)
		cands[nc++] = pol->checks[i].id;
	const char *hint = sv_closest(sv_cstr(id), cands, nc);
	if (hint)
		error("explain: unknown check '%s' (did you mean '%s'?); "
		      "'dpfaudit explain --list' lists them", id, hint);
	else
		error("explain: unknown check '%s'; 'dpfaudit explain --list' lists them", id);
	if (pol)
		policy_free(pol);
	return DPF_EXIT_USAGE;
}
