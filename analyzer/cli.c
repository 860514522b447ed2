/* cli.c - option tables to getopt_long, and --help from the same table. */
#include "common.h"

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"

#define CLI_MAX_OPTS 64
#define CLI_HELP_ID (-100)

void cli_help(FILE *out, const char *cmd, const char *usage, const struct cli_opt *opts)
{
	fprintf(out, "usage: dpfaudit %s %s\n\noptions:\n", cmd, usage);
	for (const struct cli_opt *o = opts; o->id; o++) {
		char left[80];
		int n = 0;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->long_name);
		else
			n = snprintf(left, sizeof(left), "      --%s", o->long_name);
		if (o->arg && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
		if (strlen(left) > 28)
			fprintf(out, "%s\n%30s%s\n", left, "", o->help);
		else
			fprintf(out, "%-30s%s\n", left, o->help);
	}
	fprintf(out, "%-30s%s\n", "  -h, --help", "show this help");
}

/* "unknown option '--raport' (did you mean '--report'?)" */
static void unknown_option(const char *cmd, const struct cli_opt *opts, const char *bad)
{
	const char *names[CLI_MAX_OPTS + 1];
	size_t n = 0;

	if (strncmp(bad, "--", 2)) {
		error("%s: unknown option '%s'", cmd, bad);
		return;
	}
	for (const struct cli_opt *o = opts; o->id && n < CLI_MAX_OPTS; o++)
		names[n++] = o->long_name;
	names[n++] = "help";
	const char *eq = strchr(bad + 2, '=');
	sv word = sv_make(bad + 2, eq ? (size_t)(eq - bad - 2) : strlen(bad + 2));
	const char *hint = sv_closest(word, names, n);
	if (hint)
		error("%s: unknown option '%.*s' (did you mean '--%s'?)", cmd, (int)word.n + 2, bad, hint);
	else
		error("%s: unknown option '%s'", cmd, bad);
}

int cli_parse(const char *cmd, const char *usage, const struct cli_opt *opts, int argc,
	      char **argv, cli_fn fn, void *ctx, int *first_operand)
{
	struct option lo[CLI_MAX_OPTS + 2];
	char so[CLI_MAX_OPTS * 2 + 4];
	size_t nl = 0, ns = 0;

	so[ns++] = ':';	/* report a missing argument as ':' */
	for (const struct cli_opt *o = opts; o->id && nl < CLI_MAX_OPTS; o++) {
		lo[nl].name = o->long_name;
		lo[nl].has_arg = o->arg ? required_argument : no_argument;
		lo[nl].flag = NULL;
		lo[nl].val = o->short_name ? o->short_name : 1000 + o->id;
		nl++;
		if (o->short_name) {
			so[ns++] = o->short_name;
			if (o->arg)
				so[ns++] = ':';
		}
	}
	lo[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[nl] = (struct option){ NULL, 0, NULL, 0 };
	so[ns++] = 'h';
	so[ns] = '\0';

	optind = 1;
	opterr = 0;
	for (;;) {
		int longidx = -1;
		int c = getopt_long(argc, argv, so, lo, &longidx);
		if (c == -1)
			break;
		if (c == 'h') {
			cli_help(stdout, cmd, usage, opts);
			return -2;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (c == '?')
				unknown_option(cmd, opts, bad);
			else
				error("%s: option '%s' needs an argument", cmd, bad);
			fprintf(stderr, "try 'dpfaudit %s --help'\n", cmd);
			return -1;
		}
		int id = 0;
		for (const struct cli_opt *o = opts; o->id; o++) {
			if ((o->short_name && c == o->short_name) ||
			    (!o->short_name && c == 1000 + o->id)) {
				id = o->id;
				break;
			}
		}
		int r = fn(ctx, id, optarg);
		if (r)
			return r;
	}
	*first_operand = optind;
	return 0;
}

int cli_uint(const char *cmd, const char *opt, const char *val, unsigned long max,
	     unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(val, &end, 10);
	/* Digits only: strtoul would also take leading blanks, a sign, and wrap "-1". */
	if (val[0] < '0' || val[0] > '9' || *end || errno || v > max) {
		error("%s: %s: '%s' is not a number (0..%lu)", cmd, opt, val, max);
		return DPF_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int cli_jobs(const char *cmd, const char *val, unsigned *out)
{
	unsigned long n;
	int r = cli_uint(cmd, "--jobs", val, CLI_MAX_JOBS, &n);
	if (r)
		return r;
	if (n == 0) {
		error("%s: --jobs: 0 is not a number of threads (1..%d; leave -j out for one "
		      "per CPU)", cmd, CLI_MAX_JOBS);
		return DPF_EXIT_USAGE;
	}
	*out = (unsigned)n;
	return 0;
}

static bool needs_quote(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+%", *s))
			return true;
	return false;
}

char *cli_command_line(int argc, char **argv)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "dpfaudit");
	for (int i = 1; i < argc; i++) {
		buf_addc(&b, ' ');
		if (!needs_quote(argv[i])) {
			buf_adds(&b, argv[i]);
			continue;
		}
		buf_addc(&b, '\'');
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'')
				buf_adds(&b, "'\\''");
			else
				buf_addc(&b, *s);
		}
		buf_addc(&b, '\'');
	}
	return buf_detach(&b, NULL);
}
