/*
 * policy.h - the effective policy: what the rule files say, compiled.
 *
 * Built once by rules_load() (rules.h) before anything is scanned, then
 * read-only and shared by every thread.  The policy owns everything it
 * points to (strings in its arena, compiled regexes, evidence indexes,
 * zones); policy_free() releases it all.
 *
 * Indexes, not pointers, link the parts (a role's purposes are bits over
 * policy->purposes), so tables stay compact and order is file order, which
 * the semantics depend on ("first purpose in file order whose reason
 * matches").  At most POL_MAX_CATEGORIES categories and POL_MAX_PURPOSES
 * purposes (bitmasks); the loader reports more as an error.
 */
#ifndef DPF_POLICY_H
#define DPF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "checks.h"
#include "event.h"
#include "rx.h"
#include "strmap.h"
#include "tz.h"

#define POL_MAX_CATEGORIES 64
#define POL_MAX_PURPOSES 64

struct evd_index;	/* evidence.h */
struct tu_fmt;		/* timeutil.h */

/* Where something was defined, for messages: "rules/dpf.rules:12". */
struct pol_loc {
	const char *file;	/* points into policy->files */
	int line;
};

/* `resource = REGEX` (field = EVF_RESOURCE) or `field.NAME = REGEX`. */
struct pol_matcher {
	sv field;		/* canonical or extra field name */
	struct rx *rx;
	int subject_group;	/* index of (?<subject>...) or -1 */
	struct pol_loc loc;
};

struct pol_category {
	const char *name;
	const char *description;
	bool sensitive;
	struct pol_matcher *matchers;
	size_t nmatchers;
	struct pol_loc loc;
};

struct pol_purpose {
	const char *name;
	const char *description;
	struct rx **reasons;	/* `reason = REGEX`, repeatable: any matches */
	size_t nreasons;
	int evidence;		/* index into policy->evidence, or -1 */
	bool infer;
	bool honours_optout;
	struct pol_loc loc;
};

/* A member entry: an exact name, or a glob with '*'. */
struct pol_role {
	const char *name;
	const char *description;
	uint64_t may_read;	/* category bits */
	bool may_read_all;	/* may-read = * */
	uint64_t purposes;	/* purpose bits */
	bool purposes_all;	/* purposes = * */
	bool reason_required;	/* default true */
	bool has_hours;
	struct tz_hours hours;
	const char *hours_spec;	/* the `hours` value as written, for display; NULL if none */
	unsigned max_subjects;	/* 0: no limit */
	int64_t max_window;	/* seconds */
	const char **member_globs;	/* members with '*' */
	size_t nmember_globs;
	size_t nmembers;	/* exact members (in policy->members) */
	struct pol_loc loc;
};

struct pol_evidence {
	const char *name;
	const char *path;	/* resolved relative to its rule file */
	const char *key;	/* column matched against the reason (default "id") */
	struct evd_index *index;
	struct pol_loc loc;
};

/* A custom check's matcher: all of a check's matchers must hold. */
enum pol_cmatch_kind {
	PCM_FIELD,	/* field.NAME = REGEX */
	PCM_CATEGORY,	/* category = C (bit set) */
	PCM_ACTION,	/* action = A */
};

struct pol_cmatch {
	enum pol_cmatch_kind kind;
	sv field;
	struct rx *rx;
	uint64_t categories;
	enum ev_action action;
};

struct pol_check {
	const char *id;
	unsigned principles;
	enum sev severity;
	bool enabled;
	bool builtin;
	const char *title;	/* custom: `description`; built-in: chk_info title */
	const char *message;	/* custom: with {field} placeholders */
	struct pol_cmatch *matchers;
	size_t nmatchers;
	unsigned threshold_n;	/* failed-access-burst: default 20 */
	int64_t threshold_window;	/* seconds, default 600 */
	struct pol_loc loc;
};

enum pol_format_type {
	PF_REGEX = 0,
	PF_JSON,
	PF_LOGFMT,
};

/* A container runtime's framing around each line (format_wrap.c). */
enum pol_wrapper { POL_WRAP_NONE = 0, POL_WRAP_CRI, POL_WRAP_DOCKER };
/* `multiline = tab | csv`: how a record continues on the next line. */
enum pol_multiline { POL_ML_NONE = 0, POL_ML_TAB, POL_ML_CSV };

/* Where one canonical field comes from: up to POL_MAX_SOURCES, first non-empty wins. */
#define POL_MAX_SOURCES 4
enum pol_source_kind {
	PS_NAME,	/* named group (regex) or key / dotted path (json, logfmt) */
	PS_QUERY,	/* query:PARAM of the resource's query string */
	PS_TEMPLATE,	/* json/logfmt: "{a.b}/{c}": non-empty only where every key is */
};
struct pol_source {
	enum pol_source_kind kind;
	const char *name;
	int group;	/* regex: group index of name, resolved at load; -1 otherwise */
};
struct pol_fieldmap {
	struct pol_source src[POL_MAX_SOURCES];
	unsigned n;	/* 0: default (regex: group of the same name; json/logfmt: key of that name) */
};

/* `failed|denied|skip = PATH:REGEX`: a record whose PATH matches REGEX. */
struct pol_cond {
	const char *path;	/* key or dotted path (json, logfmt), or field / group name (regex) */
	struct rx *rx;
};

enum pol_cond_kind {	/* in the order they are tested */
	PC_DENIED,	/* a denial: status 403 (counts towards failed-access-burst) */
	PC_FAILED,	/* the event failed: status 400 unless the record gives one >= 400 */
	PC_SKIP,	/* not an event (counted as skipped, not unparsed) */
	PC_COUNT
};

struct pol_format {
	const char *name;
	bool builtin;		/* one of the built-in sources (sources.c), not the user's */
	enum pol_format_type type;
	struct rx *pattern;	/* regex */
	struct rx *prefix;	/* pgAudit-style custom log line prefix, or NULL */
	unsigned char wrapper;	/* `wrapper = cri | docker`: enum pol_wrapper */
	unsigned char multiline;	/* `multiline = tab | csv`: enum pol_multiline (regex formats) */
	const char *time_format;	/* NULL: ISO 8601 / epoch / CLF auto */
	struct tu_fmt *time_fmt;	/* compiled time_format */
	struct tz_zone *timezone;	/* `timezone = ZONE`: local times without an offset; NULL: UTC */
	struct pol_fieldmap fields[EVF_COUNT];
	struct pol_fieldmap time_field;	/* field.time */
	struct pol_fieldmap status_field, bytes_field, records_field;
	/* action value lists: raw action values meaning each action */
	const char **actions[EV_ACTION_COUNT];
	size_t nactions[EV_ACTION_COUNT];
	struct pol_cond *conds[PC_COUNT];
	size_t nconds[PC_COUNT];
	/* `pgaudit = PATH`: that value is a pgAudit record, read as format_pgaudit.c reads one. */
	const char *pgaudit;
	/* `records = PATH` (type json): the input is one JSON document; each element of that array is a record. */
	const char *records;
	/* `request-line = PATH`: "METHOD URI PROTOCOL" (nginx $request) for action, resource, protocol. */
	const char *request_line;
	/* `require = PATH[|PATH...] ...`: keys a record must carry (one of each |-group) to count for detection. */
	const char **require;
	size_t nrequire;
	/* `fallback = NAME`: the format that reads a line this one does not. */
	const char *fallback;
	/* `paths = GLOB`: the inputs this format reads (and only it). */
	const char **paths;
	size_t npaths;
	struct pol_loc loc;
};

struct policy {
	struct pol_category *categories;
	size_t ncategories;
	struct pol_purpose *purposes;
	size_t npurposes;
	struct pol_role *roles;
	size_t nroles;
	struct pol_evidence *evidence;
	size_t nevidence;
	struct pol_check *checks;	/* [0, CHK_BUILTIN_COUNT) built-in, then custom */
	size_t nchecks;
	struct pol_format *formats;
	size_t nformats;

	/* exact member name -> bitmask of role indexes (at most 64 roles) */
	struct strmap members;
	/* opted-out subject ids (value unused) */
	struct strmap optout;
	struct rx **approved;	/* [recipients] approved = REGEX */
	size_t napproved;
	struct rx **redact;	/* [redact] pattern = REGEX */
	size_t nredact;

	/* Every rule file read, in load order (includes too), and the digest. */
	const char **files;
	size_t nfiles;
	char digest[65];	/* SHA-256 hex over the files' bytes, in order */

	struct arena arena;	/* strings and arrays above */
};

#define POL_MAX_ROLES 64

/* Bitmask of the roles the user is a member of (exact names and globs). */
uint64_t policy_roles_of(const struct policy *p, sv user);
/*
 * The role an event is judged under: the role named by the event's `role`
 * field if the user is a member of it, else the user's first role in file
 * order; -1 if the user is no role's member.
 */
int policy_role_of(const struct policy *p, sv user, sv claimed_role);
/* policy_role_of() for a user whose policy_roles_of() is roles. */
int policy_role_among(const struct policy *p, uint64_t roles, sv claimed_role);
/* Index of a category / purpose / role by name, or -1. */
int policy_category(const struct policy *p, sv name);
int policy_purpose(const struct policy *p, sv name);
int policy_role(const struct policy *p, sv name);
/*
 * The one lookup of a check by id: its index in p->checks, or -1 if
 * unknown.  The built-in checks come first, so a built-in's index is its
 * enum chk_id; p may be NULL (no rules loaded): then the built-in catalogue
 * (checks.h) alone, and custom ids are unknown.
 */
int policy_check(const struct policy *p, sv id);
/* The same lookup, ignoring ASCII case (`# expect:` annotations). */
int policy_check_nocase(const struct policy *p, sv id);
/*
 * The one walk over p's compiled regexes: each once, in a fixed order
 * (categories' matchers, purposes' reasons, checks' matchers, formats'
 * pattern and prefix, approved transfers, redaction patterns), the order
 * in which a run lists regex limit hits (audit.c) and a partial keeps them
 * (partial.c, partjoin.c).  Fills v[0..n) unless v is NULL; returns n.  The regexes
 * stay p's.
 */
size_t policy_regexes(const struct policy *p, const struct rx **v);
void policy_free(struct policy *p);

#endif
