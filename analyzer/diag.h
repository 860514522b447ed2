/*
 * diag.h - errors returned from library code.
 *
 * Library functions never print.  A function that can fail takes a
 * `struct diag *` and returns -1 (or NULL) after filling it with one
 * lower-case message that starts with the location, git style:
 *     "rules/a.rules:12:7: regex error at offset 7: missing )"
 *     "logs/access.log.gz: byte 10234 (after line 88): unexpected end of gzip stream"
 * The edge (cmd_*.c) prints it, prefixed with "dpfaudit: ".
 */
#ifndef DPF_DIAG_H
#define DPF_DIAG_H

#define DIAG_MAX 1024

struct diag {
	char msg[DIAG_MAX];
};

/* Fill d (if not NULL) and return -1, so `return diag_set(d, ...)` reads well. */
int diag_set(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exit statuses: the published contract (SPEC §2, README "Exit status"). */
enum dpf_exit {
	DPF_EXIT_OK = 0,	/* audit complete, nothing at/above --fail-on */
	DPF_EXIT_FINDINGS = 1,	/* findings at/above --fail-on (or test mismatches) */
	DPF_EXIT_USAGE = 2,	/* usage or rule error: nothing scanned */
	DPF_EXIT_INCOMPLETE = 3,	/* an input or a report could not be read/written whole */
};

#endif
