/*
 * format_wrap.c - container runtime wrappers around any line format (SPEC
 * §3), removed before the wrapped format parses the line:
 *
 *   cri     Kubernetes CRI log files: "TIME STREAM TAG MESSAGE", TIME RFC
 *           3339 with nanoseconds, STREAM stdout or stderr, TAG F (a full
 *           line) or P (a fragment: the runtime split a long line).
 *   docker  Docker's json-file driver: {"log":"MESSAGE\n","stream":..,
 *           "time":".."}, MESSAGE JSON-escaped.
 *
 * The wrapper's time is the event's time where the message has none (as
 * syslog's).  A P fragment is parsed as it stands (a fragment of a JSON
 * object does not parse and is counted unparsed): fragments are not joined.
 * Nothing is allocated: the CRI message is a view, the Docker message is
 * unescaped into the thread's scratch.
 */
#include "common.h"

#include "format_impl.h"

#include "timeutil.h"

/* "TIME STREAM F|P MESSAGE": the message and the time. */
static bool cri_unwrap(sv line, sv *msg, int64_t *time)
{
	sv s = line, ts, stream, tag;
	if (!fmt_take_token(&s, &ts) || !s.n)
		return false;
	fmt_adv(&s, 1);
	if (!fmt_take_token(&s, &stream) || !(sv_eq_cstr(stream, "stdout") || sv_eq_cstr(stream, "stderr")))
		return false;
	if (!s.n)
		return false;
	fmt_adv(&s, 1);
	if (!fmt_take_token(&s, &tag) || !(sv_eq_cstr(tag, "F") || sv_eq_cstr(tag, "P")))
		return false;
	if (s.n)
		fmt_adv(&s, 1);	/* the one space before the message */
	/* The time must be RFC 3339 with a date: "2025-12-31T17:37:40.49+01:00". */
	if (ts.n < 20 || ts.p[4] != '-' || ts.p[10] != 'T' || !tu_parse_iso8601(ts, time))
		return false;
	*msg = s;
	return true;
}

/* f, then its fallback on the same (unwrapped) line. */
static bool parse_or_fallback(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	size_t mark = t->used;
	if (f->parse(f, line, ev, t))
		return true;
	if (!f->fallback)
		return false;
	fmt_ev_clear(ev);
	t->used = mark;
	if (!f->fallback->parse(f->fallback, line, ev, t))
		return false;
	/* A line read by a pattern is as good evidence as a keyed one. */
	if (!f->fallback->needs_evidence)
		t->evidence = true;
	return true;
}

bool fmt_call(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	if (f->wrapper == FMT_WRAP_NONE)
		return parse_or_fallback(f, line, ev, t);
	sv msg;
	int64_t time = 0;
	bool has_time;
	if (f->wrapper == FMT_WRAP_CRI) {
		if (!cri_unwrap(line, &msg, &time))
			return false;
		has_time = true;
	} else {
		sv ts = SV_NULL;
		if (!fmt_json_docker_unwrap(line, &msg, &ts, t))
			return false;
		has_time = ts.n && tu_parse_iso8601(ts, &time);
	}
	/* The wrapped line may omit its own time: the wrapper's stands in. */
	bool outer = t->outer_time;
	t->outer_time = has_time;
	bool ok = parse_or_fallback(f, msg, ev, t);
	t->outer_time = outer;
	if (ok && !ev->has_time && has_time) {
		ev->time = time;
		ev->has_time = true;
	}
	return ok;
}

const char *fmt_wrapper_name(int wrapper)
{
	return wrapper == FMT_WRAP_CRI ? "cri" : wrapper == FMT_WRAP_DOCKER ? "docker" : "";
}
