/* setup.c - policy, formats and engine for a subcommand (see setup.h). */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "rules.h"

int setup_load(struct setup *s, const char *const *rules, size_t n, struct diag *err)
{
	memset(s, 0, sizeof(*s));
	if (n == 0) {
		s->default_path = rules_default_path(dpf_argv0);
		if (!s->default_path)
			return diag_set(err, "no default rules found");
		s->rule_paths = malloc(sizeof(char *));
		if (!s->rule_paths)
			return diag_set(err, "out of memory");
		s->rule_paths[0] = s->default_path;
		s->nrule_paths = 1;
	} else {
		s->rule_paths = malloc(n * sizeof(char *));
		if (!s->rule_paths)
			return diag_set(err, "out of memory");
		memcpy(s->rule_paths, rules, n * sizeof(char *));
		s->nrule_paths = n;
	}
	s->pol = rules_load(s->rule_paths, s->nrule_paths, err);
	if (!s->pol)
		goto fail;
	s->fmts = fmt_set_new(s->pol, err);
	if (!s->fmts)
		goto fail;
	s->eng = eng_new(s->pol, err);
	if (!s->eng)
		goto fail;
	return 0;
fail:
	setup_release(s);
	return -1;
}

void setup_release(struct setup *s)
{
	if (s->eng)
		eng_free(s->eng);
	if (s->fmts)
		fmt_set_free(s->fmts);
	if (s->pol)
		policy_free(s->pol);
	free(s->rule_paths);
	free(s->default_path);
	memset(s, 0, sizeof(*s));
}
