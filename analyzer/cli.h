/*
 * cli.h - command-line options from one table, which also prints --help.
 *
 * Each subcommand declares a table of struct cli_opt; cli_parse() runs
 * getopt_long over it and hands every option to the subcommand's callback,
 * so there are no option globals: the callback fills the subcommand's own
 * options struct.
 */
#ifndef DPF_CLI_H
#define DPF_CLI_H

#include <stdio.h>

struct cli_opt {
	int id;			/* passed to the callback; > 0 */
	char short_name;	/* 0: long only */
	const char *long_name;
	const char *arg;	/* argument name for --help, or NULL: a flag */
	const char *help;
};

#define CLI_END { 0, 0, NULL, NULL, NULL }

/* Return 0 to go on, or an exit status to stop with. */
typedef int (*cli_fn)(void *ctx, int id, const char *val);

/*
 * Parse argv[1..] (argv[0] is the subcommand).  "-h"/"--help" prints
 * cli_help and returns -2 (the caller exits 0).  An unknown option or a
 * missing argument prints "dpfaudit CMD: ..." and a hint, and returns -1
 * (exit 2).  A non-zero callback result is returned as is.  Otherwise
 * returns 0 and sets *first_operand.
 */
int cli_parse(const char *cmd, const char *usage, const struct cli_opt *opts, int argc,
	      char **argv, cli_fn fn, void *ctx, int *first_operand);

/* "usage: dpfaudit CMD ..." and the option table, aligned. */
void cli_help(FILE *out, const char *cmd, const char *usage, const struct cli_opt *opts);

/*
 * A decimal option value in 0..max: 0 with *out set, or DPF_EXIT_USAGE
 * after printing "dpfaudit CMD: OPT: 'VAL' is not a number (0..MAX)".
 */
int cli_uint(const char *cmd, const char *opt, const char *val, unsigned long max,
	     unsigned long *out);

/*
 * -j/--jobs: 1..CLI_MAX_JOBS into *out, or DPF_EXIT_USAGE after saying why
 * (0 is refused: leaving -j out already means one thread per CPU).
 */
#define CLI_MAX_JOBS 1024
int cli_jobs(const char *cmd, const char *val, unsigned *out);

/* The whole command line, shell-quoted where needed (malloc'd). */
char *cli_command_line(int argc, char **argv);

#endif
