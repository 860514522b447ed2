/*
 * paths.h - expanding command-line PATHs into the list of inputs.
 *
 * A file is itself; "-" is standard input; a directory is read recursively,
 * entries sorted bytewise (strcmp) at each level so the order is stable
 * across machines.  Symbolic links to directories are followed once: a
 * directory already on the current path (same st_dev/st_ino) is a loop and
 * is skipped with a warning, never followed forever.  Regular files only;
 * hidden entries (".*") inside directories are skipped.
 */
#ifndef DPF_PATHS_H
#define DPF_PATHS_H

#include <stddef.h>

#include "diag.h"

struct paths {
	char **v;	/* owned strings */
	size_t n, cap;
	char **warnings;	/* owned: "DIR: symlink loop, skipped", "PATH: No such file or directory" */
	size_t nwarnings, capwarnings;
};

#define PATHS_INIT { NULL, 0, 0, NULL, 0, 0 }

/*
 * Append the inputs named by arg.  A path that does not exist or cannot be
 * read is still appended (so the audit reports it as unreadable, exit 3)
 * and also gets a warning.  Returns 0.
 */
int paths_add(struct paths *p, const char *arg);
void paths_release(struct paths *p);

#endif
