/*
 * safefile.h - writing a file that holds personal data, whole or not at all.
 *
 * Reports, event exports, traces and baselines all contain personal data
 * and must never be left half-written.  sf_write() creates a temporary file
 * next to the target (mode 0600 whatever the umask), lets a callback write
 * it, checks every error once at the end (flush, fsync, close), and renames
 * it into place; on any failure the temporary file is removed and the old
 * target is untouched.  "-" or NULL is standard output; a device or FIFO
 * (no rename possible: /dev/full, a pipe) is written directly.
 */
#ifndef DPF_SAFEFILE_H
#define DPF_SAFEFILE_H

#include <stdio.h>

#include "diag.h"

/* Write everything to out; return 0 or an errno value (ferror is checked too). */
typedef int (*sf_fn)(void *arg, FILE *out);

/*
 * Write path with fn.  Returns 0, or -1 with err =
 * "PATH: write error: STRERROR" ("standard output: ..." for "-").
 */
int sf_write(const char *path, sf_fn fn, void *arg, struct diag *err);

#endif
