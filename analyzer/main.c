/*
 * main.c - dpfaudit: git-style subcommands from a {name, fn} table.
 *
 * The only file outside libdpfaudit.a; everything it dispatches to is in
 * the library, so tests link the same code the binary runs.
 */
#include "common.h"

#include <errno.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "input.h"
#include "sv.h"


static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, const char *argv0);
	const char *summary;
} commands[] = {
	{ "scan", cmd_scan, "audit logs, write the compliance report" },
	{ "trace", cmd_trace, "every access to one data subject, or by one user" },
	{ "test", cmd_test, "check annotated samples against the rules" },
	{ "rules", cmd_rules, "show the effective policy, or validate it (--lint)" },
	{ "merge", cmd_merge, "combine partial results into one report" },
	{ "explain", cmd_explain, "what a check means, its principle, how to fix" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return (int)i;
	return -1;
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	const char *hint = sv_closest(sv_cstr(name), names, NCOMMANDS);
	if (hint)
		error("'%s' is not a command (did you mean '%s'?); see 'dpfaudit --help'", name, hint);
	else
		error("'%s' is not a command; see 'dpfaudit --help'", name);
	return DPF_EXIT_USAGE;
}

static void usage(FILE *out)
{
	fputs("usage: dpfaudit COMMAND [OPTIONS] [ARGS]\n\n"
	      "Audit access logs for EU-U.S. Data Privacy Framework compliance.\n\n"
	      "commands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'dpfaudit COMMAND --help' (or 'dpfaudit help COMMAND') shows a command's options; 'man dpfaudit' has the rest.\n"
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
	const char *argv0 = argc > 0 ? argv[0] : "dpfaudit";

	if (argc < 2) {
		usage(stderr);
		return DPF_EXIT_USAGE;
	}
	/* `dpfaudit help CMD` is `dpfaudit CMD --help`. */
	if (!strcmp(argv[1], "help") && argc > 2) {
		char *hargv[] = { argv[2], "--help", NULL };
		int cmd = find_command(argv[2]);
		if (cmd < 0)
			return unknown_command(argv[2]);
		return commands[cmd].fn(2, hargv, argv0);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return DPF_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("dpfaudit %s\ninflate: %s\n", PACKAGE_VERSION, inp_backend());
		return DPF_EXIT_OK;
	}
	int cmd = find_command(argv[1]);
	if (cmd < 0)
		return unknown_command(argv[1]);
	return commands[cmd].fn(argc - 1, argv + 1, argv0);
}

int main(int argc, char **argv)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
	/*
	 * Memory bounded whatever the input (SPEC section 7): the buffers past
	 * the budgets (spill.h, findings.h) are freed when they go to disk.
	 * glibc's threshold for mmap grows with every large block freed, so
	 * later ones come from heaps that are not given back; a fixed
	 * threshold returns them (peak RSS of a 2M-line scan: 69 -> 52 MiB).
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	/*
	 * Nothing ends in an abort (SPEC section 7): a file past the size
	 * limit (ulimit -f) is a write error (EFBIG) of that report or
	 * temporary file, which ends the run as incomplete, not a signal that
	 * kills it with no report and no message.
	 */
	signal(SIGXFSZ, SIG_IGN);
	return check_stdout(run(argc, argv));
}
