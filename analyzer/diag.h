/*
 * diag.h - errors returned from library code.
 *
 * Library functions never print.  A function that can fail takes a
 * `struct diag *` and returns -1 (or NULL) after filling it with one
 * lower-case message that starts with the location, git style:
 *     "rules/a.rules:12:7: regex error at offset 7: missing )"
 *     "logs/access.log.gz: byte 10234 (after line 88): unexpected end of gzip stream"
 * The edge (cmd_*.c) prints it with error() below.
 *
 * Printing, at the edge only (git's usage.c): one prefix format for every
 * message the program writes to stderr,
 *     "dpfaudit: MESSAGE"            error(): returns -1, the caller goes on
 *     "dpfaudit: warning: MESSAGE"   warning(): the run goes on
 *     "dpfaudit: fatal: MESSAGE"     die(): exit status 2 (setup could not
 *                                    continue, nothing was scanned)
 *     "dpfaudit: BUG: file.c:12: MESSAGE"  BUG(): a broken invariant; aborts
 * MESSAGE is lower-case, starts with its subject ("scan: --max-line: ...",
 * "rules/a.rules:3: ..."), and has no trailing newline.  Library code never
 * calls error() or warning(); it may call BUG().  Out of memory has its own
 * single exit, xalloc_oom() in xalloc.h.
 */
#ifndef DPF_DIAG_H
#define DPF_DIAG_H

#define DIAG_MAX 1024

struct diag {
	char msg[DIAG_MAX];
};

/* Fill d (if not NULL) and return -1, so `return diag_set(d, ...)` reads well. */
int diag_set(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void bug_fl(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define BUG(...) bug_fl(__FILE__, __LINE__, __VA_ARGS__)

/* Exit statuses: the published contract (SPEC §2, README "Exit status"). */
enum dpf_exit {
	DPF_EXIT_OK = 0,	/* audit complete, nothing at/above --fail-on */
	DPF_EXIT_FINDINGS = 1,	/* findings at/above --fail-on (or test mismatches) */
	DPF_EXIT_USAGE = 2,	/* usage or rule error: nothing scanned */
	DPF_EXIT_INCOMPLETE = 3,	/* an input or a report could not be read/written whole */
};

#endif
