/*
 * paths.h - expanding command-line PATHs into the list of inputs.
 *
 * A file is itself; "-" is standard input; a directory is read recursively,
 * entries sorted bytewise (strcmp) at each level so the order is stable
 * across machines.  Symbolic links to directories are followed once: a
 * directory already on the current path (same st_dev/st_ino) is a loop and
 * is skipped with a warning, never followed forever.  Inside directories:
 * regular files only (anything else is skipped with a warning); hidden
 * entries (".*") and documentation files (names starting with "README" or
 * ending in ".md") are skipped silently, so `dpfaudit scan samples/` does not
 * read samples/README.md as a log.  A path named on the command line is
 * taken as it is, whatever its name or type (FIFOs, <(zcat ...)).
 *
 * Nothing is read twice: a regular file or directory already in the list
 * (same st_dev/st_ino, e.g. "current.log -> app-2026-11-27.log", or a
 * symlink to a sibling directory) is skipped with a warning, so findings are
 * not counted twice.  This holds across paths_add() calls on one struct.
 */
#ifndef DPF_PATHS_H
#define DPF_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct paths {
	char **v;	/* owned strings */
	size_t n, cap;
	char **warnings;	/* owned: "DIR: symlink loop, skipped", "PATH: No such file or directory" */
	size_t nwarnings, capwarnings;
	struct paths_seen *seen;	/* private: files and directories already taken */
	size_t nseen, capseen;
};

#define PATHS_INIT { NULL, 0, 0, NULL, 0, 0, NULL, 0, 0 }

/*
 * Append the inputs named by arg.  A path that does not exist or cannot be
 * read (a dangling symlink or unreadable directory inside a walk included)
 * is still appended (so the audit reports it as unreadable, exit 3) and
 * also gets a warning.  Returns 0, or -1 when out of memory.
 */
int paths_add(struct paths *p, const char *arg);
/*
 * Whether st (a stat of some file, links followed) is one of the inputs in
 * p: a file named or found in a directory, or standard input when "-" is
 * in the list and it is that file.  For refusing to write a report over an
 * input (safefile.h).
 */
struct stat;
bool paths_holds(const struct paths *p, const struct stat *st);
void paths_release(struct paths *p);

/* The size of path if it is a regular file; 0 for "-" (standard input) and anything else. */
uint64_t paths_file_size(const char *path);

#endif
