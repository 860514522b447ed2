/* diag.c - error messages returned from library code, and the edge's one prefix format (see diag.h). */
#include "common.h"

#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int diag_set(struct diag *d, const char *fmt, ...)
{
	if (d) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* One line, written with one stdio call per piece under the stream lock, so
 * messages from parser threads do not interleave. */
static void report(const char *kind, const char *file, int line, const char *fmt, va_list ap)
{
	flockfile(stderr);
	fputs("dpfaudit: ", stderr);
	if (kind)
		fputs(kind, stderr);
	if (file)
		fprintf(stderr, "%s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(NULL, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("warning: ", NULL, 0, fmt, ap);
	va_end(ap);
}

_Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("fatal: ", NULL, 0, fmt, ap);
	va_end(ap);
	exit(DPF_EXIT_USAGE);
}

_Noreturn void bug_fl(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("BUG: ", file, line, fmt, ap);
	va_end(ap);
	abort();
}
