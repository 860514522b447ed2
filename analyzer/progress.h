/*
 * progress.h - progress on stderr while a scan runs.
 *
 * Drawn in place ("\r", erase to end of line) by a background thread four
 * times a second from counters the workers bump with relaxed atomics: bytes
 * read of the total, lines, rate and time left.  Only when enabled (default:
 * stderr is a terminal); never in reports, and the line is erased at the end.
 */
#ifndef DPF_PROGRESS_H
#define DPF_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct progress;

/* total: bytes on disk of all inputs (0 if unknown). NULL when disabled. */
struct progress *progress_start(bool enabled, uint64_t total);
/* Add bytes (compressed, on disk) and lines done; p may be NULL. */
void progress_add(struct progress *p, uint64_t bytes, uint64_t lines);
/* Stop drawing and erase the line; p may be NULL. */
void progress_stop(struct progress *p);

#endif
