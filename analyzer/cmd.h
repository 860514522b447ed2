/*
 * cmd.h - the subcommands, one file each (cmd_NAME.c), dispatched by main.c
 * from a {name, fn} table.  Each returns an exit status (enum dpf_exit) and
 * prints its own errors: this is the edge of the program.
 */
#ifndef DPF_CMD_H
#define DPF_CMD_H

int cmd_scan(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* argv[0] of the process, for locating the default rules in a build tree. */
extern const char *dpf_argv0;

#endif
