/*
 * setup.h - what every auditing subcommand loads before it reads a line:
 * the policy (rules.h), the format set (format.h) and the engine
 * (engine.h), from the --rules paths or the default rules.
 */
#ifndef DPF_SETUP_H
#define DPF_SETUP_H

#include <stddef.h>

#include "diag.h"
#include "engine.h"
#include "format.h"
#include "policy.h"

struct setup {
	struct policy *pol;
	struct fmt_set *fmts;
	struct eng *eng;
	const char **rule_paths;	/* as used (the default path if none given) */
	size_t nrule_paths;
	char *default_path;		/* owned, if the default was used */
};

/*
 * 0 if the default rules path exists; else -1 with err saying that these
 * were the default rules (and where the path came from) and how to give
 * others (-r PATH, DPFAUDIT_RULES).
 */
int setup_default_rules_exist(const char *path, struct diag *err);

/*
 * Load from rules (n may be 0: the default rules, found through argv0, the
 * process's argv[0]: rules_default_path()).  -1 with err on failure.
 */
int setup_load(struct setup *s, const char *const *rules, size_t n, const char *argv0,
	       struct diag *err);

struct paths;

/*
 * The start every auditing command shares (edge code: prints its errors as
 * "dpfaudit CMD: ..."): the operands argv[first..argc) become *paths
 * (standard input when there are none and it is not a terminal), the rules
 * are loaded into *s (the default rules found through argv0), and a forced log format (may be NULL) must exist.
 * Returns 0, or DPF_EXIT_USAGE with nothing left to release.
 */
int setup_command(const char *cmd, const char *argv0, int argc, char **argv, int first,
		  const char *const *rules, size_t nrules, const char *format,
		  struct paths *paths, struct setup *s);
void setup_release(struct setup *s);

/*
 * The audit options `scan` and `trace` share, parsed once: a command puts
 * the rows in its option table and hands every option id to setup_opt()
 * (ids from 300 on, clear of outcome.h's).
 */
enum { SETUP_O_JOBS = 300, SETUP_O_MAX_LINE, SETUP_O_YEAR };

#define SETUP_JOBS_ROW \
	{ SETUP_O_JOBS, 'j', "jobs", "N", "worker threads, 1..1024 (default: the number of CPUs)" }
#define SETUP_MAX_LINE_ROW \
	{ SETUP_O_MAX_LINE, 0, "max-line", "BYTES", "longest line audited (default 1048576); longer ones are reported" }
#define SETUP_YEAR_ROW \
	{ SETUP_O_YEAR, 0, "year", "YYYY", "year for syslog timestamps without one (default: file mtime)" }

struct aud_options;

/*
 * Take one of those options into *ao: 0 when handled, 1 when id is not
 * one of them, or DPF_EXIT_USAGE after printing "dpfaudit CMD: ..." why.
 */
int setup_opt(struct aud_options *ao, const char *cmd, int id, const char *val);

#endif
