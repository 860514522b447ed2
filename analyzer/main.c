/*
 * main.c - dpfaudit: git-style subcommands from a {name, fn} table.
 *
 * The only file outside libdpfaudit.a; everything it dispatches to is in
 * the library, so tests link the same code the binary runs.
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "input.h"

const char *dpf_argv0 = "dpfaudit";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "scan", cmd_scan, "audit logs, write the compliance report" },
	{ "trace", cmd_trace, "every access to one data subject" },
	{ "test", cmd_test, "check annotated samples against the rules" },
	{ "rules", cmd_rules, "show the effective policy, or validate it (--lint)" },
	{ "merge", cmd_merge, "combine partial results into one report" },
	{ "explain", cmd_explain, "what a check means, its principle, how to fix" },
};

static void usage(FILE *out)
{
	fputs("usage: dpfaudit COMMAND [OPTIONS] [ARGS]\n\n"
	      "Audit access logs for EU-U.S. Data Privacy Framework compliance.\n\n"
	      "commands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'dpfaudit COMMAND --help' shows a command's options; 'man dpfaudit' has the rest.\n"
	      "exit status: 0 complete, 1 findings at/above --fail-on, 2 usage or rule error,\n"
	      "3 audit incomplete (an input or a report could not be read or written whole).\n", out);
}

/*
 * Whatever a command wrote to stdout must have reached it (git's
 * run_builtin): flush, check the sticky error, close.  Checked once, here,
 * for every command, so `dpfaudit test > /dev/full` cannot exit 0.  A
 * failure turns a successful status (0, 1) into 3, the output being
 * incomplete, and says so; a command that failed already has said why (a
 * report writer names standard output itself) and keeps its status.
 */
static int check_stdout(int status)
{
	bool failed = status != DPF_EXIT_OK && status != DPF_EXIT_FINDINGS;
	const char *what = "write error on standard output";

	int e;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		e = errno ? errno : EIO;
		fclose(stdout);
	} else if (fclose(stdout) != 0) {
		e = errno;
		what = "closing standard output";
	} else {
		return status;
	}
	if (failed)
		return status;
	error("%s: %s", what, strerror(e));
	return DPF_EXIT_INCOMPLETE;
}

static int run(int argc, char **argv)
{
	if (argc > 0)
		dpf_argv0 = argv[0];
	if (argc < 2) {
		usage(stderr);
		return DPF_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return DPF_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("dpfaudit %s\ninflate: %s\n", PACKAGE_VERSION, inp_backend());
		return DPF_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	error("'%s' is not a command; see 'dpfaudit --help'", argv[1]);
	return DPF_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return check_stdout(run(argc, argv));
}
