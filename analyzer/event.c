/* event.c - the normalised event: names and lookups (see event.h). */
#include "common.h"

#include "event.h"

#include <string.h>

static const char *const action_names[EV_ACTION_COUNT] = {
	[EV_OTHER] = "other", [EV_READ] = "read", [EV_WRITE] = "write",
	[EV_DELETE] = "delete", [EV_EXPORT] = "export",
	[EV_TRANSFER] = "transfer", [EV_LOGIN] = "login",
};

static const char *const field_names[EVF_COUNT] = {
	[EVF_USER] = "user", [EVF_ROLE] = "role", [EVF_ACTION] = "action",
	[EVF_RESOURCE] = "resource", [EVF_SUBJECT] = "subject",
	[EVF_REASON] = "reason", [EVF_SRC] = "src", [EVF_DST] = "dst",
	[EVF_SCHEME] = "scheme", [EVF_HOST] = "host", [EVF_APP] = "app",
	[EVF_STATEMENT] = "statement", [EVF_AGENT] = "agent",
	[EVF_REFERER] = "referer", [EVF_PROTOCOL] = "protocol",
};

void ev_reset(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->status = -1;
	ev->port = -1;
	ev->bytes = -1;
	ev->records = -1;
}

const char *ev_action_name(enum ev_action a)
{
	return (unsigned)a < EV_ACTION_COUNT ? action_names[a] : "other";
}

enum ev_action ev_action_parse(sv name)
{
	for (int i = 0; i < EV_ACTION_COUNT; i++)
		if (sv_eq_nocase(name, sv_cstr(action_names[i])))
			return (enum ev_action)i;
	return EV_ACTION_COUNT;
}

const char *ev_field_name(enum ev_field f)
{
	return (unsigned)f < EVF_COUNT ? field_names[f] : "?";
}

enum ev_field ev_field_parse(sv name)
{
	for (int i = 0; i < EVF_COUNT; i++)
		if (sv_eq(name, sv_cstr(field_names[i])))
			return (enum ev_field)i;
	return EVF_COUNT;
}

bool ev_get(const struct event *ev, sv name, sv *out)
{
	enum ev_field f = ev_field_parse(name);
	if (f != EVF_COUNT) {
		if (ev->f[f].n == 0)
			return false;
		*out = ev->f[f];
		return true;
	}
	for (unsigned i = 0; i < ev->nextra; i++) {
		if (sv_eq(ev->extra[i].name, name) && ev->extra[i].value.n) {
			*out = ev->extra[i].value;
			return true;
		}
	}
	return false;
}

void ev_add_extra(struct event *ev, sv name, sv value)
{
	if (ev->nextra < EV_MAX_EXTRA) {
		ev->extra[ev->nextra].name = name;
		ev->extra[ev->nextra].value = value;
		ev->nextra++;
	}
}
