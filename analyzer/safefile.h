/*
 * safefile.h - writing a file that holds personal data, whole or not at all,
 * never over an input, a device or the target of a link (SPEC §8).
 *
 * Reports, event exports, traces, partials and baselines all contain
 * personal data.  Every one is written by sf_write(), and every command
 * checks all its outputs with sf_check() before it reads a line of input.
 *
 * What a PATH becomes:
 *   - NULL, "-", "/dev/stdout", "/dev/stderr", "/dev/fd/N", "/proc/self/fd/N":
 *     that open descriptor, written straight (never reopened, never renamed
 *     over: as root the old writer replaced /dev/stdout by a file).
 *   - a regular file, a new name, a dangling symbolic link, or a symbolic
 *     link to a regular file: a temporary file "PATH.tmpXXXXXX" next to it
 *     (mode 0600 whatever the umask) is written, flushed, fsynced and
 *     renamed over PATH.  A link is replaced by the new report; its target
 *     is never written (it may be a file the link's owner did not mean us
 *     to touch).  On any failure the temporary file is removed and the old
 *     PATH is untouched.
 *   - anything else (a character device, a FIFO, a socket, or a link to
 *     one): opened for writing and written straight, never truncated,
 *     created or replaced.
 *   - a directory: an error.
 *
 * Temporary files are in a registry: SIGINT, SIGTERM and SIGHUP remove them
 * and then end the process by the same signal (handlers are installed only
 * for signals that are not ignored, so `nohup` still works).
 */
#ifndef DPF_SAFEFILE_H
#define DPF_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "diag.h"

/* Write everything to out; return 0 or an errno value (ferror is checked too). */
typedef int (*sf_fn)(void *arg, FILE *out);

/*
 * Write path with fn.  Returns 0, or -1 with err =
 * "PATH: write error: STRERROR" ("standard output: ..." for "-").
 */
int sf_write(const char *path, sf_fn fn, void *arg, struct diag *err);

/* One output a command will write: the option that names it, and its path. */
struct sf_out {
	const char *opt;	/* "--report", "--events", ...: for messages */
	const char *path;	/* NULL or "-": standard output */
};

/*
 * Whether the file st (followed through links) is an input of the run.
 * Called with arg as given to sf_check().
 */
typedef bool (*sf_is_input_fn)(void *arg, const struct stat *st);

/*
 * Check the outputs of one run before any input is read.  Refused, with
 * err = "OPT PATH: WHY": a path that is an input (is_input, may be NULL),
 * a directory, a path whose directory is missing or not writable, a device
 * or FIFO that cannot be opened for writing, and two outputs that would
 * replace the same file (the same path after resolving "." and "..", or
 * the same st_dev/st_ino).  Several outputs to standard output or to one
 * device are allowed: they are written one after the other.  Returns 0 or
 * -1 (the command then exits 2).
 */
int sf_check(const struct sf_out *outs, size_t n, sf_is_input_fn is_input, void *arg,
	     struct diag *err);

#endif
