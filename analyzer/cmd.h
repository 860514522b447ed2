/*
 * cmd.h - the subcommands, one file each (cmd_NAME.c), dispatched by main.c
 * from a {name, fn} table.  Each gets its own arguments (argv[0] is the
 * command's name) and argv0, the process's argv[0] (for locating the default
 * rules in a build tree, rules.h).  Each returns an exit status (enum dpf_exit) and
 * prints its own errors: this is the edge of the program.
 */
#ifndef DPF_CMD_H
#define DPF_CMD_H

int cmd_scan(int argc, char **argv, const char *argv0);
int cmd_trace(int argc, char **argv, const char *argv0);
int cmd_test(int argc, char **argv, const char *argv0);
int cmd_rules(int argc, char **argv, const char *argv0);
int cmd_merge(int argc, char **argv, const char *argv0);
int cmd_explain(int argc, char **argv, const char *argv0);

#endif
