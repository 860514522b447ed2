/*
 * fuzz_formats.c - every format parser on arbitrary lines.
 *
 * The input is split into lines like lines.h does; every line goes through
 * fmt_parse() with each selectable format (built-ins, the built-in audit
 * sources, syslog+X, cri+X, docker+X, and the
 * rule-defined formats of the default rules), then fmt_detect() runs over
 * all the lines.  Parsed events are classified and judged by the engine of
 * the default rules too, since the fields a format extracts are exactly
 * what the engine's patterns then see.  Invariants: every field view of a
 * parsed event lies inside the line or the thread's scratch (ASan catches
 * the rest), and parsing is deterministic.  Header formats (w3c, zeek-http)
 * take their columns from the input's '#' lines, in order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "event.h"
#include "findings.h"
#include "format.h"
#include "policy.h"
#include "rules.h"
#include "windows.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define MAX_FORMATS 512
#define MAX_LINES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct policy *pol;
static struct fmt_set *fmts;
static struct eng *eng;
static struct eng_thread *et;
static struct fmt_thread *ft;
static const char *names[MAX_FORMATS];
static size_t nnames;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag err;
	const char *rp = getenv("DPF_FUZZ_RULES");
	const char *paths[1] = { rp ? rp : SRCDIR "/rules/dpf.rules" };

	(void)argc;
	(void)argv;
	pol = rules_load(paths, 1, &err);
	if (!pol) {
		fprintf(stderr, "fuzz_formats: %s\n", err.msg);
		abort();
	}
	fmts = fmt_set_new(pol, &err);
	eng = fmts ? eng_new(pol, &err) : NULL;
	if (!fmts || !eng) {
		fprintf(stderr, "fuzz_formats: %s\n", err.msg);
		abort();
	}
	et = eng_thread_new(eng);
	ft = fmt_thread_new();
	nnames = fmt_names(fmts, names, MAX_FORMATS);
	if (nnames > MAX_FORMATS)
		nnames = MAX_FORMATS;
	return 0;
}

/* Each view of a parsed event is empty or points into the line (or scratch, not checked). */
static void check_event(const struct event *ev, sv line)
{
	for (int i = 0; i < EVF_COUNT; i++) {
		sv f = ev->f[i];
		if (f.n && !f.p)
			abort();
		/* A view that starts inside the line must end inside it. */
		if (f.n && f.p >= line.p && f.p < line.p + line.n && f.p + f.n > line.p + line.n)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sv lines[MAX_LINES];
	size_t nl = 0;
	const char *p = (const char *)data, *end = p + size;
	struct event ev, ev2;
	struct fnd_list out = FND_LIST_INIT;
	struct win_log *wl = win_log_new();

	if (size > 256 * 1024)
		return 0;
	while (p < end && nl < MAX_LINES) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
		lines[nl++] = sv_make(p, n);
		p += n + (e ? 1 : 0);
	}
	fmt_thread_set_year(ft, 2026);
	for (size_t k = 0; k < nnames; k++) {
		const struct fmt *f = fmt_by_name(fmts, names[k]);
		if (!f)
			abort();	/* fmt_names() lists it */
		/* Header formats (w3c, zeek-http): '#' lines set the columns, as audit.c does. */
		struct buf hdr = BUF_INIT;
		fmt_thread_set_header(ft, buf_sv(&hdr));
		for (size_t i = 0; i < nl; i++) {
			if (f->header && lines[i].n && lines[i].p[0] == '#' && fmt_header_update(&hdr, lines[i]))
				fmt_thread_set_header(ft, buf_sv(&hdr));
			ev_reset(&ev);
			ev.raw = lines[i];
			ev.line = i + 1;
			bool ok = fmt_parse(f, lines[i], &ev, ft);
			if (!ok)
				continue;
			check_event(&ev, lines[i]);
			int64_t t1 = ev.time;
			enum ev_action a1 = ev.action;
			eng_classify(eng, &ev, et);
			eng_judge(eng, &ev, et, &out, wl, NULL);
			/* Deterministic: the same line parses the same way again. */
			ev_reset(&ev2);
			ev2.raw = lines[i];
			if (!fmt_parse(f, lines[i], &ev2, ft) || ev2.time != t1 || ev2.action != a1)
				abort();
		}
		fmt_thread_set_header(ft, SV_NULL);
		buf_release(&hdr);
	}
	/* A multi-line record (pgAudit): the whole input joined, as audit.c does. */
	for (size_t k = 0; k < nnames; k++) {
		const struct fmt *f = fmt_by_name(fmts, names[k]);
		if (!f->multiline)
			continue;
		ev_reset(&ev);
		ev.raw = sv_make((const char *)data, size);
		if (fmt_parse(f, ev.raw, &ev, ft)) {
			check_event(&ev, ev.raw);
			eng_classify(eng, &ev, et);
			eng_judge(eng, &ev, et, &out, wl, NULL);
		}
	}
	(void)fmt_detect(fmts, lines, nl, ft);
	win_evaluate(wl, pol, &out);
	fnd_release(&out);
	win_log_free(wl);
	return 0;
}
