/*
 * inpwatch.h - an input that changed while it was read (SPEC §2 input
 * integrity; issue 13 case 5).
 *
 * A log truncated in place while it is read (logrotate copytruncate), or
 * replaced by another file, would otherwise be reported complete with the
 * size it had at the start and a fraction of its lines.  Around the read
 * loop - never inside a decoder - the audit records the input's identity
 * when it is opened (inw_start) and checks it at the end (inw_check).  An
 * input is incomplete when, for a regular file:
 * - its size is now smaller than at the start (it shrank);
 * - its path now names another file (device, inode), or none;
 * - the stream ended before the size it had at the start.
 * A file that grew (appended to while read) has not changed in this sense:
 * what was there at the start was read.  Pipes and terminals have no size
 * or identity to check.  No allocation.
 */
#ifndef DPF_INPWATCH_H
#define DPF_INPWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* What is known of a file at one moment. */
struct inw_state {
	bool regular;		/* a regular file: the checks apply */
	uint64_t dev, ino;
	uint64_t size;
};

struct inw {
	struct inw_state start;	/* the open descriptor, at inp_open */
	uint64_t base;		/* offset reading started at (stdin may be mid-file) */
	bool named;		/* a path, not "-": its identity can be checked again */
};

/* Record the identity right after inp_open(path). */
void inw_start(struct inw *w, const char *path, const struct inp *in);

/*
 * At the end of the stream: NULL if the input did not change, else a
 * message in buf ("changed while being read: ...").  damaged: the stream
 * was damaged, so its decoder may have stopped before the end of the file
 * on its own: then only a shrink or another identity count.
 */
const char *inw_check(const struct inw *w, const char *path, const struct inp *in, bool damaged,
		      char *buf, size_t n);

/*
 * The decision inw_check() makes, from the states it saw: fd_now is the
 * open descriptor at the end, path_now what the path names at the end
 * (NULL: no file there any more; ignored unless w->named), consumed the
 * bytes read from the file since base.
 */
const char *inw_judge(const struct inw *w, const struct inw_state *fd_now,
		      const struct inw_state *path_now, uint64_t consumed, bool damaged, char *buf,
		      size_t n);

#endif
