/* setup.c - policy, formats and engine for a subcommand (see setup.h). */
#include "common.h"

#include "diag.h"
#include "setup.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "paths.h"
#include "rules.h"

int setup_default_rules_exist(const char *path, struct diag *err)
{
	if (access(path, F_OK) == 0)
		return 0;
	/* Say that these were the default rules, and how to point at others. */
	const char *env = getenv("DPFAUDIT_RULES");
	return diag_set(err, "no rules: the default rules '%s' (%s) do not exist; give the "
			"rules with -r PATH (a .rules file or a directory of them) or "
			"DPFAUDIT_RULES=PATH", path, env && *env ?
			"from DPFAUDIT_RULES" : "where dpfaudit installs them");
}

int setup_load(struct setup *s, const char *const *rules, size_t n, const char *argv0,
	       struct diag *err)
{
	memset(s, 0, sizeof(*s));
	if (n == 0) {
		s->default_path = rules_default_path(argv0);
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
	if (n == 0 && setup_default_rules_exist(s->default_path, err))
		goto fail;
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

/*
 * Why an operand cannot be a log, or NULL: a device never ends
 * (/dev/urandom, /dev/zero) or is a disk; a socket is no file.  FIFOs and
 * process substitutions are read like standard input; a terminal on
 * standard input is typed-in lines, /dev/null the empty log.
 */
static const char *not_a_log(const char *arg)
{
	struct stat st, null;
	bool in = !strcmp(arg, "-");

	if ((in ? fstat(STDIN_FILENO, &st) : stat(arg, &st)) != 0)
		return NULL;	/* reported as unreadable by the audit */
	/* /dev/null is the empty log (`cmd </dev/null` in scripts). */
	if (S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev)
		return NULL;
	if (S_ISCHR(st.st_mode) && !(in && isatty(STDIN_FILENO)))
		return "a character device";
	if (S_ISBLK(st.st_mode))
		return "a block device";
	if (S_ISSOCK(st.st_mode))
		return "a socket";
	return NULL;
}

int setup_command(const char *cmd, const char *argv0, int argc, char **argv, int first,
		  const char *const *rules, size_t nrules, const char *format,
		  struct paths *paths, struct setup *s)
{
	struct diag err;

	memset(s, 0, sizeof(*s));
	if (first >= argc) {
		if (isatty(STDIN_FILENO)) {
			error("%s: no PATH given (use - for standard input)\n"
				"try 'dpfaudit %s --help'", cmd, cmd);
			return DPF_EXIT_USAGE;
		}
		const char *kind = not_a_log("-");
		if (kind) {
			error("%s: standard input: is %s, not a log", cmd, kind);
			return DPF_EXIT_USAGE;
		}
		paths_add(paths, "-");
	}
	for (int i = first; i < argc; i++) {
		const char *kind = not_a_log(argv[i]);
		if (kind) {
			error("%s: %s: is %s, not a log (give a file, a directory, a FIFO or -)",
			      cmd, strcmp(argv[i], "-") ? argv[i] : "standard input", kind);
			paths_release(paths);
			return DPF_EXIT_USAGE;
		}
		paths_add(paths, argv[i]);
	}

	if (setup_load(s, rules, nrules, argv0, &err)) {
		error("%s", err.msg);
		paths_release(paths);
		return DPF_EXIT_USAGE;
	}
	if (format && !fmt_by_name(s->fmts, format)) {
		const char *names[512];
		size_t n = fmt_names(s->fmts, names, 512);
		struct buf known = BUF_INIT;
		for (size_t i = 0; i < n; i++)
			if (!strchr(names[i], '+'))	/* the wrapped forms are named below */
				buf_addf(&known, " %s", names[i]);
		error("%s: unknown log format '%s' (expected one of:%s; or syslog+NAME, cri+NAME, "
		      "docker+NAME)", cmd, format, known.p ? known.p : "");
		buf_release(&known);
		setup_release(s);
		paths_release(paths);
		return DPF_EXIT_USAGE;
	}
	return 0;
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

int setup_opt(struct aud_options *ao, const char *cmd, int id, const char *val)
{
	unsigned long n;
	int r;

	switch (id) {
	case SETUP_O_JOBS:
		return cli_jobs(cmd, val, &ao->jobs);
	case SETUP_O_MAX_LINE:
		if ((r = cli_uint(cmd, "--max-line", val, 1UL << 30, &n)))
			return r;
		if (n < 64) {
			error("%s: --max-line: at least 64 bytes", cmd);
			return DPF_EXIT_USAGE;
		}
		ao->max_line = n;
		return 0;
	case SETUP_O_YEAR:
		if ((r = cli_uint(cmd, "--year", val, 9999, &n)))
			return r;
		ao->year = (int)n;
		return 0;
	}
	return 1;
}
