/*
 * format_impl.h - private to the format_*.c files: the per-thread state,
 * the scratch buffer, and the key-to-field mapping that json and logfmt
 * share.  Not part of the format API (format.h is).
 */
#ifndef DPF_FORMAT_IMPL_H
#define DPF_FORMAT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format.h"
#include "rx.h"
#include "timeutil.h"

/*
 * Per-thread scratch for decoded values (URL decoding, JSON and CSV
 * unescaping).  Allocated once per thread, reset per line by fmt_parse(),
 * never reallocated (views into it stay valid for the whole line).  A value
 * that does not fit is left undecoded rather than growing the buffer.
 */
#define FMT_SCRATCH_SIZE (1u << 20)
#define FMT_JSON_MAX_DEPTH 64
#define FMT_PATH_MAX 512

/*
 * A column-header format's layout (format_w3c.c), compiled from the
 * installed header for one format; views into the header.
 */
#define FMT_COLS_MAX 128
struct fmt_cols {
	const struct fmt *f;	/* compiled for; NULL: stale */
	bool ok;		/* the header maps a time and a resource */
	unsigned n;
	unsigned char col[FMT_COLS_MAX];	/* each column's target (format_w3c.c) */
	char sep;		/* Zeek #separator */
	sv unset, empty;	/* Zeek #unset_field, #empty_field */
	sv date;		/* W3C #Date: for records without a date column */
};

struct fmt_thread {
	struct rx_thread *rx;
	int year;		/* for RFC 3164 timestamps */
	/* Set by syslog while parsing the message: the wrapped line may omit its own time. */
	bool outer_time;
	/*
	 * Set by the key-map formats (json, logfmt) on a parsed line that
	 * carries the format's own time key and its resource or action key:
	 * what detection asks of a key-map format (SPEC §3), since any object
	 * parses as JSON.  Reset by fmt_parse().
	 */
	bool evidence;
	/*
	 * Set while fmt_set_parse_any() tries every format on a message (the
	 * per-line syslog): a format's leniencies for its own inputs (a JSON
	 * source's diagnostic lines) do not apply to another program's line.
	 */
	bool any_format;
	char *scratch;
	size_t used;
	char path[FMT_PATH_MAX];	/* json: the dotted path of the current value */
	sv hdr;			/* the chunk's header directives (fmt_thread_set_header) */
	struct fmt_cols cols;
	struct tu_clf_cache clf_time;	/* CLF stamps: the last date and offset */
};

/* n bytes of scratch valid until the next line, or NULL when it is full. */
char *fmt_scratch(struct fmt_thread *t, size_t n);

/* Cursor helpers shared by the hand-written parsers: advance over views. */
static inline void fmt_adv(sv *s, size_t n)
{
	s->p += n;
	s->n -= n;
}

/*
 * The index of the first ' ' in p[0, n), or n.  Eight bytes at a time where
 * the byte order allows: a word's first zero byte after XOR with spaces is
 * its first space (the lowest flag of the zero-byte test is exact; a borrow
 * can only raise flags above a true zero).  The fields CLF and its kin cut
 * at spaces are 3 to 40 bytes; this ran byte by byte for each.
 */
static inline size_t fmt_span_nonspace(const char *p, size_t n)
{
	size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		w ^= UINT64_C(0x2020202020202020);
		uint64_t z = (w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080);
		if (z)
			return i + (size_t)(__builtin_ctzll(z) >> 3);
	}
#endif
	while (i < n && p[i] != ' ')
		i++;
	return i;
}

/*
 * The index of the last ' ' in p[0, n), or n if there is none.  Eight bytes
 * at a time from the end, with the exact zero-byte test (no borrow between
 * bytes, so the highest flag is a true zero too): the protocol after a
 * request's last space is about 8 bytes, this ran byte by byte.
 */
static inline size_t fmt_last_space(const char *p, size_t n)
{
	size_t j = n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t low7 = UINT64_C(0x7F7F7F7F7F7F7F7F);
	for (; j >= 8; j -= 8) {
		uint64_t w;
		memcpy(&w, p + j - 8, 8);
		w ^= UINT64_C(0x2020202020202020);
		uint64_t z = ~(((w & low7) + low7) | w | low7);
		if (z)
			return j - 8 + (size_t)((63 - __builtin_clzll(z)) >> 3);
	}
#endif
	while (j > 0 && p[j - 1] != ' ')
		j--;
	return j > 0 ? j - 1 : n;
}

/* A run of non-space bytes (at least one) into *out. */
static inline bool fmt_take_token(sv *s, sv *out)
{
	size_t i = fmt_span_nonspace(s->p, s->n);
	if (i == 0)
		return false;
	*out = sv_make(s->p, i);
	fmt_adv(s, i);
	return true;
}

/*
 * format_wrap.c: parse with f, first removing its container wrapper
 * (f->wrapper: cri, docker) if it has one.  Every parse goes through here.
 */
bool fmt_call(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
/* "cri", "docker" ("" for none). */
const char *fmt_wrapper_name(int wrapper);
/*
 * format_json.c: a Docker json-file line's "log" (unescaped into scratch,
 * one trailing newline removed) and "time"; false if the line is not such
 * an object.
 */
bool fmt_json_docker_unwrap(sv line, sv *log, sv *time, struct fmt_thread *t);

/* Built-in parse functions (format_*.c). */
bool fmt_clf_common_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_clf_combined_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_clf_vhost_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_json_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_logfmt_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_pgaudit_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
/* format_w3c.c: columns named by the input's header (fmt_thread_set_header). */
bool fmt_w3c_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_zeek_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
bool fmt_regex_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);
/* syslog+INNER (f->inner set) or syslog with the inner format chosen per line (f->impl: the set). */
bool fmt_syslog_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t);

/* For the per-line syslog: try the set's non-syslog formats in detection order. */
bool fmt_set_parse_any(const struct fmt_set *s, sv line, struct event *ev, struct fmt_thread *t);

/* Raw action -> action: the format's `read = ...` lists first, then the default table. */
enum ev_action fmt_map_action(const struct pol_format *pf, sv raw);

/* "200" -> 200; "-", empty or junk -> -1. */
int64_t fmt_num(sv s);

/* Time of a field value: pf's time-format if any, else ISO 8601 / epoch / CLF. */
bool fmt_parse_time(const struct pol_format *pf, sv s, int64_t *out);
/*
 * The same at full precision into ev (time, nsec, has_time): a local time
 * (no offset or zone in the text) is in pf's `timezone` where it has one.
 */
bool fmt_event_time(const struct pol_format *pf, sv s, struct event *ev);

/*
 * The mapping from keys (json dotted paths, logfmt keys) to event fields,
 * built once per format.  Targets are the canonical fields plus the
 * numeric/time pseudo-fields below.  A target's sources are tried in
 * priority order (lower first); the first non-empty value wins.
 */
enum {
	FMT_T_TIME = EVF_COUNT,
	FMT_T_STATUS,
	FMT_T_BYTES,
	FMT_T_RECORDS,
	FMT_T_COUNT
};

struct fmt_key {
	sv name;		/* key, dotted path, or query parameter */
	bool query;		/* query:PARAM of the resource */
	unsigned char target;
	unsigned char prio;
};

/*
 * Keys read for the format language beyond the canonical targets (template
 * references, failed/denied/skip paths, pgaudit, request-line, require):
 * targets FMT_T_COUNT + i, at most FMT_AUX_MAX per format.
 */
#define FMT_AUX_MAX 32
#define FMT_NVAL (FMT_T_COUNT + FMT_AUX_MAX)

struct fmt_tmpl {
	const char *text;	/* "{a.b}/{c}" */
	unsigned char target, prio;
};

struct fmt_kcond {
	unsigned char aux;	/* value slot */
	const struct rx *rx;
};

struct fmt_keymap {
	const struct pol_format *pf;
	struct fmt_key *keys;
	size_t nkeys;
	size_t cap;
	const char *aux[FMT_AUX_MAX];	/* aux key names */
	unsigned naux;
	struct fmt_tmpl *tmpl;
	size_t ntmpl;
	struct fmt_kcond *conds[PC_COUNT];
	size_t nconds[PC_COUNT];
	int pgaudit, request_line;	/* value slots, -1 none */
	unsigned char require[FMT_AUX_MAX];	/* value slots of the required keys */
	unsigned char require_group[FMT_AUX_MAX];	/* alternatives share a group */
	unsigned nrequire;
};

/* Per line: the best value seen so far for each target and aux key. */
struct fmt_collect {
	sv val[FMT_NVAL];
	unsigned char prio[FMT_NVAL];
};

/*
 * format_pgaudit.c: a pgAudit record ("AUDIT: SESSION,..." or without the
 * tag) into ev, as the pgaudit format reads one after its prefix; false if
 * rec is no such record.
 */
bool fmt_pgaudit_record(const struct pol_format *pf, sv rec, struct event *ev, struct fmt_thread *t);

/* Clear ev for another attempt, keeping raw, file and line. */
void fmt_ev_clear(struct event *ev);

/* `denied`/`failed`/`skip` that hold for a record: the event's status or skip flag. */
void fmt_cond_hit(enum pol_cond_kind kind, struct event *ev);

/* Canonical values (indexed by target) into ev, then time, numbers, mapped action; false on a bad time. */
bool fmt_values_apply(const struct pol_format *pf, const sv *val, struct event *ev);
/* pf's field map of a target (NULL if pf is NULL). */
const struct pol_fieldmap *fmt_fieldmap(const struct pol_format *pf, unsigned target);
/* A query source's parameter name, with any "query:" marker removed. */
sv fmt_query_name(sv name);
/* Target names: "user", ..., "time", "status", "bytes", "records". */
const char *fmt_target_name(unsigned target);

/* format_regex.c: the compiled field map of a regex format. */
void *fmt_regex_build(const struct pol_format *pf, struct diag *err);
void fmt_regex_free(void *impl);

/* Build from pf's field maps (NULL: the built-in defaults).  -1 + err on failure. */
int fmt_keymap_build(struct fmt_keymap *m, const struct pol_format *pf, struct diag *err);
void fmt_keymap_release(struct fmt_keymap *m);
void fmt_collect_init(struct fmt_collect *c);
/* Offer one key/value; returns true if some target uses the key. */
bool fmt_keymap_offer(const struct fmt_keymap *m, struct fmt_collect *c, sv key, sv value);
/*
 * Move the collected values into ev: query sources, time, numbers, the
 * mapped action.  false if a time was given but cannot be read.
 */
bool fmt_keymap_apply(const struct fmt_keymap *m, struct fmt_collect *c, struct event *ev,
		      struct fmt_thread *t);

#endif
