/*
 * main.c - dpfaudit: git-style subcommands from a {name, fn} table.
 *
 * The only file outside libdpfaudit.a; everything it dispatches to is in
 * the library, so tests link the same code the binary runs.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "input.h"
#include "sv.h"

const char *dpf_argv0 = "dpfaudit";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
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

int main(int argc, char **argv)
{
	if (argc > 0)
		dpf_argv0 = argv[0];
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
		return commands[cmd].fn(2, hargv);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return DPF_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		char dec[256];
		inp_decoders(dec, sizeof(dec));
		printf("dpfaudit %s\ninflate: %s\ndecoders: %s\n", PACKAGE_VERSION, inp_backend(), dec);
		return DPF_EXIT_OK;
	}
	int cmd = find_command(argv[1]);
	if (cmd < 0)
		return unknown_command(argv[1]);
	return commands[cmd].fn(argc - 1, argv + 1);
}
