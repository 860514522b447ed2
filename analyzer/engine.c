/*
 * engine.c - stage 4: classify an event, then judge it by SPEC §4 "Semantics".
 *
 * The struct eng is a read-only digest of the policy (which field each
 * category matcher reads), shared by all threads; the struct eng_thread has
 * the regex match data and the scratch text for details and messages, so
 * judging allocates nothing except inside fnd_add() when a finding fires.
 *
 * Decisions the spec leaves open (also in engine.h):
 * - one role-not-permitted / sensitive-data-access finding per category the
 *   role may not read, its categories set to that category alone;
 * - a personal-data read by an anonymous or unknown user gets that one
 *   finding and nothing else: no transfer, transport or custom check either;
 * - custom checks are judged on every other event, failed or not: their
 *   matchers say what they need;
 * - insecure-transport: scheme "http", or port 80 when the scheme is unknown.
 */
#include "common.h"

#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "timeutil.h"
#include "windows.h"
#include "xalloc.h"

/*
 * A matcher's field, resolved once: canonical index, or -1 for an extra.
 * pfx: for a category matcher on the resource whose pattern has a literal
 * prefix (rx.h), the index of that prefix in eng.pfx; else -1.
 */
struct eng_matcher {
	int field;
	sv name;
	int pfx;
	int stem;	/* like pfx, for the rx.h skeleton stem in eng.stem; else -1 */
	int skel;	/* with a stem: the pattern's whole skeleton in eng.skel; else -1 */
};

/*
 * The distinct literal prefixes of the category patterns on the resource.
 * A policy's patterns mostly share a few ("/api/v"): eng_classify() tests
 * each once per event, and skips every pattern whose prefix the resource
 * lacks, instead of one memcmp per pattern per event.
 */
#define ENG_MAX_PFX 64

struct eng_pfx {
	const char *p;		/* the pattern's rx.prefix, borrowed */
	size_t n;
};

/*
 * The distinct skeleton stems (rx.h) of the same patterns: run once per
 * event, then each pattern tests only the rest of its skeleton.
 */
#define ENG_MAX_STEM 64

struct eng_stem {
	const unsigned char *p;	/* the pattern's rx.skel, borrowed */
	size_t n;
};

/*
 * The distinct whole skeletons of the patterns with a stem: the rest after
 * the stem is run once per event and skeleton, not once per pattern (the
 * rules' `fields=` patterns of four categories share one), its leading
 * literal compared inline first (most patterns after a shared stem differ
 * right there: "/profile", "/email", ...).
 */
#define ENG_MAX_SKEL 64

struct eng_skel {
	const unsigned char *p;	/* the first such pattern's rx.skel, borrowed */
	size_t n;
	unsigned stem;		/* the index of its stem, skel[0..rx.nstem), in eng.stem */
	const unsigned char *lit;	/* the rest's leading literal (rx.nrestlit bytes) */
	size_t nlit;
	const unsigned char *rest;	/* the program after that literal */
	size_t nrest;
};

/*
 * The category matchers in policy order (category by category), flat and
 * with what eng_classify() reads per pattern in one place.
 */
struct eng_cm {
	struct eng_matcher m;
	const struct rx *rx;
	int subject_group;
	unsigned cat;
};

struct eng {
	const struct policy *pol;
	struct eng_cm *cm;
	size_t ncm;
	/* Every category matcher has a prefix in pfx[]: an event with none matches none. */
	bool all_gated;
	struct eng_matcher **custom;	/* [check][matcher], PCM_FIELD only */
	uint64_t limited_roles;		/* roles with max-subjects */
	struct eng_pfx pfx[ENG_MAX_PFX];
	unsigned npfx;
	/*
	 * The candidate sets of eng_classify(), as bitsets of cm indices in
	 * words of 64 (cm_words of them): ungated[] the matchers without a
	 * prefix in pfx[], pfx_cms[i * cm_words ...] those gated by pfx[i].
	 * An event's candidates are ungated plus the sets of the prefixes its
	 * resource has, so the loop visits no matcher its prefix rules out.
	 */
	size_t cm_words;
	uint64_t *ungated;
	uint64_t *pfx_cms;
	/*
	 * skel_cms[k * cm_words ...]: the matchers whose skeleton is skel[k].
	 * A skeleton that rejects the resource removes all of them from the
	 * candidates at once, so the loop visits only matchers whose skeleton
	 * passed (a PCRE2 match each) and those without one.
	 */
	uint64_t *skel_cms;
	/*
	 * Bit k: skel[k] has a matcher without a prefix in pfx[]
	 * (ungated_skels), or one gated by pfx[i] (pfx_skels[i]): an event
	 * visits only the skeletons of its candidates.
	 */
	uint64_t ungated_skels;
	uint64_t pfx_skels[ENG_MAX_PFX];
	struct eng_stem stem[ENG_MAX_STEM];
	unsigned nstem;
	struct eng_skel skel[ENG_MAX_SKEL];
	unsigned nskel;
};

#define ENG_TEXT 2048

/*
 * A thread's memo of policy_roles_of() (exact names, then globs through
 * fnmatch), asked for every event with a user and again for personal-data
 * reads: a few hundred staff users make most of a log.  Direct-mapped by
 * the user's hash; a user longer than the slot is looked up every time.
 */
#define ENG_ROLE_SLOTS 256
#define ENG_ROLE_USER 54

struct eng_role_slot {
	uint64_t roles;
	unsigned char n;	/* user bytes; 0: empty slot (an empty user is anonymous) */
	char user[ENG_ROLE_USER];
};

/*
 * A thread's memo of the purpose a reason names (purpose_of(): every
 * purpose's reason patterns in turn, a PCRE2 match each, for every read with
 * a reason): a few ticket and case numbers make most of a log's reasons.
 * Direct-mapped like the roles; a reason longer than a slot, or one whose
 * matching hit a regex limit (which counts every time), is matched every
 * time.
 */
#define ENG_REASON_SLOTS 256
#define ENG_REASON_MAX 27
_Static_assert(ENG_REASON_SLOTS == ENG_ROLE_SLOTS, "role_slot() places reasons too");

struct eng_reason_slot {
	int purpose;
	unsigned char n;	/* reason bytes; 0: empty slot */
	char reason[ENG_REASON_MAX];
};

struct eng_thread {
	struct rx_thread *rx;
	uint64_t *custom;	/* the verdict's custom_fired, eng_custom_words() words */
	size_t ncustom;
	char *norm;		/* ev->resource_norm: grows to the longest resource seen */
	size_t norm_cap;
	char detail[ENG_TEXT];
	char scratch[ENG_TEXT];
	struct eng_role_slot roles[ENG_ROLE_SLOTS];
	struct eng_reason_slot reasons[ENG_REASON_SLOTS];
	struct tz_memo hours_zone[POL_MAX_ROLES];	/* per role: its hours' zone */
};

/*
 * The memo slot of a user of 1..ENG_ROLE_USER bytes (or of a reason of
 * 1..ENG_REASON_MAX bytes): every byte mixed in
 * 8-byte words (the last word overlapping the one before), not one multiply
 * per byte as sv_hash(); only the memo's hit rate depends on it.
 */
static unsigned role_slot(sv user)
{
	const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = user.n * k, w = 0;
	if (user.n < 8) {
		memcpy(&w, user.p, user.n);
		h = (h ^ w) * k;
	} else {
		size_t i = 0;
		for (; i + 8 <= user.n; i += 8) {
			memcpy(&w, user.p + i, 8);
			h = (h ^ w) * k;
		}
		if (i < user.n) {
			memcpy(&w, user.p + user.n - 8, 8);
			h = (h ^ w) * k;
		}
	}
	return (unsigned)(h >> 56) % ENG_ROLE_SLOTS;
}

/* policy_roles_of(e->pol, user), remembered in t. */
static uint64_t roles_of(const struct eng *e, struct eng_thread *t, sv user)
{
	if (user.n == 0 || user.n > ENG_ROLE_USER)
		return policy_roles_of(e->pol, user);
	struct eng_role_slot *s = &t->roles[role_slot(user)];
	if (s->n == user.n && sv_mem_eq(s->user, user.p, user.n))
		return s->roles;
	s->roles = policy_roles_of(e->pol, user);
	s->n = (unsigned char)user.n;
	memcpy(s->user, user.p, user.n);
	return s->roles;
}

static struct eng_matcher resolve(sv field)
{
	struct eng_matcher m = { EVF_RESOURCE, field, -1, -1, -1 };
	if (field.n) {
		enum ev_field f = ev_field_parse(field);
		m.field = f == EVF_COUNT ? -1 : (int)f;
	}
	return m;
}

/* The index of r's literal prefix in e->pfx, added if new; -1 if none or full. */
static int prefix_index(struct eng *e, const struct rx *r)
{
	if (!r || r->nprefix == 0)
		return -1;
	for (unsigned i = 0; i < e->npfx; i++)
		if (e->pfx[i].n == r->nprefix && memcmp(e->pfx[i].p, r->prefix, r->nprefix) == 0)
			return (int)i;
	if (e->npfx == ENG_MAX_PFX)
		return -1;	/* rx_match() then tests the prefix itself */
	e->pfx[e->npfx].p = r->prefix;
	e->pfx[e->npfx].n = r->nprefix;
	return (int)e->npfx++;
}

/* The index of r's skeleton stem in e->stem, added if new; -1 if none or full. */
static int stem_index(struct eng *e, const struct rx *r)
{
	if (!r || r->nstem == 0)
		return -1;
	for (unsigned i = 0; i < e->nstem; i++)
		if (e->stem[i].n == r->nstem && memcmp(e->stem[i].p, r->skel, r->nstem) == 0)
			return (int)i;
	if (e->nstem == ENG_MAX_STEM)
		return -1;	/* rx_match() then runs the whole skeleton itself */
	e->stem[e->nstem].p = r->skel;
	e->stem[e->nstem].n = r->nstem;
	return (int)e->nstem++;
}

/*
 * The index of r's whole skeleton in e->skel, added if new, for a pattern
 * whose stem is e->stem[stem]; -1 if full (the caller then treats the
 * pattern as stem-less: rx_match_prefixed() runs its whole skeleton).
 */
static int skel_index(struct eng *e, const struct rx *r, int stem)
{
	for (unsigned i = 0; i < e->nskel; i++)
		if (e->skel[i].n == r->nskel && memcmp(e->skel[i].p, r->skel, r->nskel) == 0)
			return (int)i;
	if (e->nskel == ENG_MAX_SKEL)
		return -1;
	struct eng_skel *k = &e->skel[e->nskel];
	k->p = r->skel;
	k->n = r->nskel;
	k->stem = (unsigned)stem;
	k->lit = r->skel + r->nstem + 2;
	k->nlit = r->nrestlit;
	size_t after = r->nstem + (r->nrestlit ? 2 + r->nrestlit : 0);
	k->rest = r->skel + after;
	k->nrest = r->nskel - after;
	return (int)e->nskel++;
}

struct eng *eng_new(const struct policy *pol, struct diag *err)
{
	if (pol->ncategories > POL_MAX_CATEGORIES)
		return diag_set(err, "policy: %zu categories, at most %d supported",
				pol->ncategories, POL_MAX_CATEGORIES), NULL;
	if (pol->npurposes > POL_MAX_PURPOSES)
		return diag_set(err, "policy: %zu purposes, at most %d supported",
				pol->npurposes, POL_MAX_PURPOSES), NULL;
	if (pol->nroles > POL_MAX_ROLES)
		return diag_set(err, "policy: %zu roles, at most %d supported",
				pol->nroles, POL_MAX_ROLES), NULL;
	struct eng *e = xcalloc(1, sizeof(*e));
	e->pol = pol;
	for (size_t c = 0; c < pol->ncategories; c++)
		e->ncm += pol->categories[c].nmatchers;
	e->cm = xcalloc(e->ncm ? e->ncm : 1, sizeof(*e->cm));
	e->all_gated = true;
	size_t n = 0;
	for (size_t c = 0; c < pol->ncategories; c++) {
		const struct pol_category *pc = &pol->categories[c];
		for (size_t k = 0; k < pc->nmatchers; k++, n++) {
			struct eng_cm *cm = &e->cm[n];
			cm->m = resolve(pc->matchers[k].field);
			if (cm->m.field == EVF_RESOURCE) {
				cm->m.pfx = prefix_index(e, pc->matchers[k].rx);
				cm->m.stem = stem_index(e, pc->matchers[k].rx);
				if (cm->m.stem >= 0)
					cm->m.skel = skel_index(e, pc->matchers[k].rx, cm->m.stem);
				if (cm->m.skel < 0)
					cm->m.stem = -1;
			}
			cm->rx = pc->matchers[k].rx;
			cm->subject_group = pc->matchers[k].subject_group;
			cm->cat = (unsigned)c;
			if (cm->m.pfx < 0)
				e->all_gated = false;
		}
	}
	e->cm_words = (e->ncm + 63) / 64;
	e->ungated = xcalloc(e->cm_words ? e->cm_words : 1, sizeof(*e->ungated));
	e->pfx_cms = xcalloc(e->npfx && e->cm_words ? e->npfx * e->cm_words : 1,
			     sizeof(*e->pfx_cms));
	e->skel_cms = xcalloc(e->nskel && e->cm_words ? e->nskel * e->cm_words : 1,
			      sizeof(*e->skel_cms));
	for (size_t i = 0; i < e->ncm; i++) {
		uint64_t *set = e->cm[i].m.pfx < 0 ? e->ungated
						   : e->pfx_cms + (size_t)e->cm[i].m.pfx * e->cm_words;
		set[i / 64] |= UINT64_C(1) << (i % 64);
		if (e->cm[i].m.stem >= 0) {
			e->skel_cms[(size_t)e->cm[i].m.skel * e->cm_words + i / 64] |= UINT64_C(1) << (i % 64);
			*(e->cm[i].m.pfx < 0 ? &e->ungated_skels : &e->pfx_skels[e->cm[i].m.pfx]) |=
				UINT64_C(1) << e->cm[i].m.skel;
		}
	}
	for (size_t r = 0; r < pol->nroles; r++)
		if (pol->roles[r].max_subjects)
			e->limited_roles |= 1ull << r;
	e->custom = xcalloc(pol->nchecks, sizeof(*e->custom));
	for (size_t i = 0; i < pol->nchecks; i++) {
		const struct pol_check *pc = &pol->checks[i];
		e->custom[i] = xcalloc(pc->nmatchers, sizeof(**e->custom));
		for (size_t k = 0; k < pc->nmatchers; k++)
			e->custom[i][k] = resolve(pc->matchers[k].field);
	}
	return e;
}

void eng_free(struct eng *e)
{
	if (!e)
		return;
	free(e->cm);
	free(e->ungated);
	free(e->pfx_cms);
	free(e->skel_cms);
	for (size_t i = 0; i < e->pol->nchecks; i++)
		free(e->custom[i]);
	free(e->custom);
	free(e);
}

size_t eng_custom_words(const struct policy *pol)
{
	size_t ncustom = pol->nchecks > CHK_BUILTIN_COUNT ? pol->nchecks - CHK_BUILTIN_COUNT : 0;
	return (ncustom + 63) / 64;
}

struct eng_thread *eng_thread_new(const struct eng *e)
{
	struct eng_thread *t = xcalloc(1, sizeof(*t));
	t->rx = rx_thread_new();
	if (!t->rx) {
		free(t);
		return NULL;
	}
	t->ncustom = eng_custom_words(e->pol);
	t->custom = t->ncustom ? xcalloc(t->ncustom, sizeof(*t->custom)) : NULL;
	return t;
}

void eng_thread_free(struct eng_thread *t)
{
	if (!t)
		return;
	rx_thread_free(t->rx);
	free(t->custom);
	free(t->norm);
	free(t);
}

/*
 * The value a matcher reads; false if the event has none.  The resource is
 * read normalised (SPEC §4 semantics 2) once eng_classify() has set it.
 */
static bool field_value(const struct event *ev, const struct eng_matcher *m, sv *out)
{
	if (m->field == EVF_RESOURCE && ev->resource_norm.p) {
		*out = ev->resource_norm;
		return out->n > 0;
	}
	if (m->field >= 0) {
		*out = ev->f[m->field];
		return out->n > 0;
	}
	/* resolve() found the name is no canonical field: only extras can hold it. */
	return ev_get_extra(ev, m->name, out);
}

/*
 * Whether skeleton e->skel[k] passes on the normalised resource rn, and
 * where it ends (*end): its stem (run once per event, remembered in the
 * stem_* arguments as in eng_classify()), the rest's leading literal
 * inline, then the rest.
 */
static bool skel_passes(const struct eng *e, unsigned k, sv rn, uint64_t *stem_run,
			uint64_t *stem_ok, size_t *stem_end, size_t *end)
{
	const struct eng_skel *sk = &e->skel[k];
	uint64_t sb = UINT64_C(1) << sk->stem;
	if (rn.n == 0)
		return false;
	if (!(*stem_run & sb)) {
		size_t at = 0;
		*stem_run |= sb;
		if (rx_skel_run(e->stem[sk->stem].p, e->stem[sk->stem].n, rn, &at)) {
			*stem_ok |= sb;
			stem_end[sk->stem] = at;
		}
	}
	if (!(*stem_ok & sb))
		return false;
	size_t pos = stem_end[sk->stem];
	if (rn.n - pos < sk->nlit || (sk->nlit && !sv_mem_eq(rn.p + pos, sk->lit, sk->nlit)))
		return false;
	pos += sk->nlit;
	if (sk->nrest && !rx_skel_run(sk->rest, sk->nrest, rn, &pos))
		return false;
	*end = pos;
	return true;
}

void eng_classify(const struct eng *e, struct event *ev, struct eng_thread *t)
{
	uint64_t cats = 0;
	bool have_subject = ev->f[EVF_SUBJECT].n > 0;

	/* Amortised: the buffer grows to the longest resource, then stays. */
	sv res = ev->f[EVF_RESOURCE];
	if (res.n > t->norm_cap) {
		free(t->norm);
		t->norm_cap = res.n < 256 ? 256 : res.n * 2;
		t->norm = xmalloc(t->norm_cap);
	}
	ev->resource_norm = res.n ? ev_normalize_path(res, t->norm) : SV_LIT("");

	/* Bit i: the resource starts with e->pfx[i]; skels: the skeletons of the candidates. */
	uint64_t pfx_ok = 0, skels = e->ungated_skels;
	sv rn = ev->resource_norm;
	for (unsigned i = 0; i < e->npfx; i++)
		if (rn.n >= e->pfx[i].n && rn.p[0] == e->pfx[i].p[0] &&
		    sv_mem_eq(rn.p, e->pfx[i].p, e->pfx[i].n)) {
			pfx_ok |= UINT64_C(1) << i;
			skels |= e->pfx_skels[i];
		}

	/*
	 * Bit i of stem_run: e->stem[i] was run on the resource; of stem_ok: it
	 * passed, ending at stem_end[i].  Bit k of skel_run, skel_ok: the same
	 * for the whole skeleton e->skel[k], each run at most once per event.
	 */
	uint64_t stem_run = 0, stem_ok = 0, skel_run = 0, skel_ok = 0;
	size_t stem_end[ENG_MAX_STEM], skel_end[ENG_MAX_SKEL];

	for (size_t w = 0; w < e->cm_words && (pfx_ok || !e->all_gated); w++) {
		/* The candidates in this word: what rx_match() would reject by its prefix is left out. */
		uint64_t cand = e->ungated[w];
		for (uint64_t po = pfx_ok; po; po &= po - 1)
			cand |= e->pfx_cms[(size_t)__builtin_ctzll(po) * e->cm_words + w];
		/*
		 * And what its skeleton would reject (skeletons read the
		 * resource, normalised; an empty one matches nothing).
		 */
		for (uint64_t km = skels; km && cand; km &= km - 1) {
			unsigned k = (unsigned)__builtin_ctzll(km);
			uint64_t ks = e->skel_cms[(size_t)k * e->cm_words + w] & cand;
			if (!ks)
				continue;
			uint64_t kb = UINT64_C(1) << k;
			if (!(skel_run & kb)) {
				skel_run |= kb;
				if (skel_passes(e, k, rn, &stem_run, &stem_ok, stem_end, &skel_end[k]))
					skel_ok |= kb;
			}
			if (!(skel_ok & kb))
				cand &= ~ks;
		}
		for (; cand; cand &= cand - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(cand);
			const struct eng_cm *cm = &e->cm[i];
			const struct eng_matcher *m = &cm->m;
			uint64_t bit = UINT64_C(1) << cm->cat;
			/* Once the category matched, later patterns matter only for a subject. */
			if ((cats & bit) && (have_subject || cm->subject_group < 0))
				continue;
			sv val;
			if (!field_value(ev, m, &val))
				continue;
			/* Its skeleton passed: the match without PCRE2 where the skeleton tells (rx.h exact). */
			int hit = m->stem >= 0 ? rx_exact_at(cm->rx, val, skel_end[m->skel]) : -1;
			bool exact = hit >= 0;
			if (m->stem >= 0 && !exact)
				hit = rx_match_after_skel(cm->rx, val, t->rx);
			else if (m->stem < 0)
				hit = m->pfx >= 0 ? rx_match_prefixed(cm->rx, val, t->rx) : rx_match(cm->rx, val, t->rx);
			if (!hit)
				continue;
			cats |= bit;
			if (!have_subject && cm->subject_group >= 0) {
				sv s = exact ? rx_exact_group(cm->rx, val, (unsigned)cm->subject_group)
					     : rx_group(t->rx, val, (unsigned)cm->subject_group);
				if (s.n) {
					ev->f[EVF_SUBJECT] = s;
					have_subject = true;
				}
			}
		}
	}
	ev->categories = cats;
	ev->pd_read = (ev->action == EV_READ || ev->action == EV_EXPORT) && cats && !ev_failed(ev);
}

/* ---- findings ---------------------------------------------------------- */

struct judge {
	const struct eng *e;
	const struct policy *p;
	const struct event *ev;
	struct eng_thread *t;
	struct fnd_list *out;
	struct eng_verdict *v;
	int role;
};

static bool chk_enabled(const struct policy *p, size_t id)
{
	if (id < p->nchecks)
		return p->checks[id].enabled;
	return id < CHK_BUILTIN_COUNT;	/* a hand-made policy without a table */
}

static enum sev chk_severity(const struct policy *p, size_t id)
{
	if (id < p->nchecks)
		return p->checks[id].severity;
	return chk_info((enum chk_id)id)->severity;
}

static sv role_sv(const struct judge *j)
{
	if (j->role >= 0)
		return sv_cstr(j->p->roles[j->role].name);
	return j->ev->f[EVF_ROLE];
}

static void emit(struct judge *j, size_t check, uint64_t categories, sv detail)
{
	if (!chk_enabled(j->p, check))
		return;
	const struct event *ev = j->ev;
	struct finding f;
	memset(&f, 0, sizeof(f));
	f.check = (uint32_t)check;
	f.severity = chk_severity(j->p, check);
	f.time = ev->time;
	f.has_time = ev->has_time;
	f.user = ev->f[EVF_USER];
	f.role = role_sv(j);
	f.subject = ev->f[EVF_SUBJECT];
	f.reason = ev->f[EVF_REASON];
	f.resource = ev->f[EVF_RESOURCE];
	f.categories = categories;
	f.file = ev->file;
	f.line = ev->line;
	f.evidence = ev->raw;
	/* By length: log bytes quoted in it may contain NUL. */
	f.detail = detail;
	fnd_add(j->out, &f);
	if (check < CHK_BUILTIN_COUNT)
		j->v->fired |= 1u << check;
	else if (j->v->custom_fired) {
		size_t k = check - CHK_BUILTIN_COUNT;
		j->t->custom[k / 64] |= UINT64_C(1) << (k % 64);
		j->v->any_custom = true;
	}
}

/* Bounded appends into a fixed buffer: text past the end is dropped. */
struct txt {
	char *p;
	size_t n, cap;
};

static void txt_add(struct txt *b, const char *s, size_t n)
{
	if (n == 0 || b->n + 1 >= b->cap)
		return;
	size_t room = b->cap - 1 - b->n;
	if (n > room)
		n = room;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void txt_sv(struct txt *b, sv s) { txt_add(b, s.p, s.n); }
static void txt_s(struct txt *b, const char *s) { txt_add(b, s, strlen(s)); }

static void txt_f(struct txt *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void txt_f(struct txt *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		txt_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static struct txt txt_on(char *buf)
{
	buf[0] = '\0';
	return (struct txt){ buf, 0, ENG_TEXT };
}

static void txt_categories(struct txt *b, const struct policy *p, uint64_t cats)
{
	bool first = true;
	for (size_t c = 0; c < p->ncategories; c++) {
		if (!(cats & (1ull << c)))
			continue;
		if (!first)
			txt_s(b, ", ");
		txt_s(b, p->categories[c].name);
		first = false;
	}
}

static void txt_time(struct txt *b, const struct event *ev)
{
	if (!ev->has_time) {
		txt_s(b, "an unknown time");
		return;
	}
	char iso[32];
	tu_format_iso(ev->time, iso);
	txt_s(b, iso);
}

static void txt_instant(struct txt *b, int64_t t)
{
	char iso[32];
	tu_format_iso(t, iso);
	txt_s(b, iso);
}

/* ---- semantics 4-8: a personal-data read by a member of a role ----------- */

static bool role_serves(const struct pol_role *r, int purpose)
{
	return r->purposes_all || (r->purposes & (1ull << purpose));
}

static int purpose_match(const struct judge *j, sv reason)
{
	const struct policy *p = j->p;
	for (size_t k = 0; k < p->npurposes; k++) {
		const struct pol_purpose *pp = &p->purposes[k];
		for (size_t i = 0; i < pp->nreasons; i++)
			if (rx_match(pp->reasons[i], reason, j->t->rx))
				return (int)k;
	}
	return -1;
}

/* The reason patterns' limit hits so far (a memo keeps no answer a limit decided). */
static unsigned long reason_limit_hits(const struct policy *p)
{
	unsigned long n = 0;
	for (size_t k = 0; k < p->npurposes; k++)
		for (size_t i = 0; i < p->purposes[k].nreasons; i++)
			n += atomic_load_explicit(&p->purposes[k].reasons[i]->limit_hits, memory_order_relaxed);
	return n;
}

/* purpose_match(), remembered in j->t. */
static int purpose_of(const struct judge *j, sv reason)
{
	if (reason.n == 0 || reason.n > ENG_REASON_MAX)
		return purpose_match(j, reason);
	struct eng_reason_slot *s = &j->t->reasons[role_slot(reason)];
	if (s->n == reason.n && sv_mem_eq(s->reason, reason.p, reason.n))
		return s->purpose;
	unsigned long hits = reason_limit_hits(j->p);
	int purpose = purpose_match(j, reason);
	if (reason_limit_hits(j->p) == hits) {
		s->purpose = purpose;
		s->n = (unsigned char)reason.n;
		memcpy(s->reason, reason.p, reason.n);
	}
	return purpose;
}

static const struct pol_evidence *evidence_of(const struct policy *p, const struct pol_purpose *pp)
{
	if (pp->evidence < 0 || (size_t)pp->evidence >= p->nevidence)
		return NULL;
	return &p->evidence[pp->evidence];
}

/* An open record for (subject, user) under one of the role's infer purposes. */
static bool infer(struct judge *j, const struct pol_role *r, const struct evd_record **rec)
{
	const struct event *ev = j->ev;
	if (!ev->f[EVF_SUBJECT].n)
		return false;
	for (size_t k = 0; k < j->p->npurposes; k++) {
		const struct pol_purpose *pp = &j->p->purposes[k];
		if (!pp->infer || !role_serves(r, (int)k))
			continue;
		const struct pol_evidence *pe = evidence_of(j->p, pp);
		if (pe && pe->index && evd_infer(pe->index, ev->f[EVF_SUBJECT], ev->f[EVF_USER], ev->time, ev->nsec, rec))
			return true;
	}
	return false;
}

static void judge_reason(struct judge *j, const struct pol_role *r, int purpose)
{
	const struct event *ev = j->ev;
	const struct policy *p = j->p;
	sv reason = ev->f[EVF_REASON];
	sv user = ev->f[EVF_USER], subject = ev->f[EVF_SUBJECT];
	struct txt d = txt_on(j->t->detail);

	if (!reason.n) {
		const struct evd_record *rec = NULL;
		if (infer(j, r, &rec)) {
			j->v->justified = j->v->inferred = true;
			j->v->justified_by = rec->key;
			return;
		}
		if (!subject.n) {
			txt_s(&d, "no reason given, and the read names no subject to infer one from");
		} else {
			txt_s(&d, "no reason given, and no evidence record for subject '");
			txt_sv(&d, subject);
			txt_s(&d, "' assigned to ");
			txt_sv(&d, user);
			txt_s(&d, " is open at ");
			txt_time(&d, ev);
		}
		emit(j, CHK_NO_BUSINESS_REASON, j->ev->categories, sv_make(d.p, d.n));
		return;
	}
	if (purpose < 0) {
		txt_s(&d, "reason '");
		txt_sv(&d, reason);
		txt_s(&d, "' names no purpose");
		emit(j, CHK_NO_BUSINESS_REASON, ev->categories, sv_make(d.p, d.n));
		return;
	}
	const struct pol_purpose *pp = &p->purposes[purpose];
	if (!role_serves(r, purpose)) {
		txt_s(&d, "reason '");
		txt_sv(&d, reason);
		txt_f(&d, "' claims purpose %s, which role %s does not serve", pp->name, r->name);
		emit(j, CHK_REASON_NOT_FOR_ROLE, ev->categories, sv_make(d.p, d.n));
		return;
	}
	if (pp->evidence < 0) {
		j->v->justified = true;
		return;
	}
	const struct pol_evidence *pe = evidence_of(p, pp);
	const struct evd_record *rec = NULL;
	enum evd_verdict vd = pe && pe->index ?
		evd_verify(pe->index, reason, subject, user, ev->time, ev->nsec, &rec) : EVD_MISSING;
	if (vd == EVD_OK) {
		j->v->justified = true;
		j->v->justified_by = rec->key;
		return;
	}
	const char *ename = pe ? pe->name : "?";
	txt_f(&d, "purpose %s: %s ", pp->name, ename);
	txt_sv(&d, reason);
	switch (vd) {
	case EVD_MISSING:
		txt_s(&d, pe && pe->index ? " does not exist" : " cannot be checked (evidence not loaded)");
		break;
	case EVD_OTHER_SUBJECT:
		txt_s(&d, " is for subject '");
		txt_sv(&d, rec->subject);
		txt_s(&d, "', not '");
		txt_sv(&d, subject);
		txt_s(&d, "'");
		break;
	case EVD_OTHER_ASSIGNEE:
		txt_s(&d, " is assigned to ");
		txt_sv(&d, rec->assignee);
		txt_s(&d, ", not ");
		txt_sv(&d, user);
		break;
	case EVD_NOT_OPEN:
		txt_s(&d, " is not open at ");
		txt_time(&d, ev);
		txt_s(&d, " (opened ");
		if (rec->opened == INT64_MIN)
			txt_s(&d, "-");
		else
			txt_instant(&d, rec->opened);
		txt_s(&d, ", closed ");
		if (rec->closed == INT64_MAX)
			txt_s(&d, "-");
		else
			txt_instant(&d, rec->closed);
		txt_s(&d, ")");
		break;
	case EVD_OK:
		break;
	}
	txt_s(&d, ": ");
	txt_s(&d, evd_verdict_text(vd));
	emit(j, CHK_REASON_UNVERIFIED, ev->categories, sv_make(d.p, d.n));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void txt_hours(struct txt *b, const struct tz_hours *h)
{
	static const char *const dn[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	/* Days Monday first, runs of three or more as ranges. */
	bool first = true;
	for (int i = 0; i < 7;) {
		int d = (i + 1) % 7;
		if (!(h->days & (1u << d))) {
			i++;
			continue;
		}
		int k = i;
		while (k + 1 < 7 && (h->days & (1u << ((k + 2) % 7))))
			k++;
		if (!first)
			txt_s(b, ",");
		first = false;
		txt_s(b, dn[d]);
		if (k - i >= 2) {
			txt_s(b, "-");
			txt_s(b, dn[(k + 1) % 7]);
		} else if (k > i) {
			txt_s(b, ",");
			txt_s(b, dn[(k + 1) % 7]);
		}
		i = k + 1;
	}
	txt_f(b, " %02d:%02d-%02d:%02d", h->from_sec / 3600, h->from_sec / 60 % 60,
	      h->until_sec / 3600, h->until_sec / 60 % 60);
}

static void judge_hours(struct judge *j, const struct pol_role *r)
{
	const struct event *ev = j->ev;
	if (!r->has_hours || !ev->has_time ||
	    tz_hours_contains_memo(&r->hours, ev->time, &j->t->hours_zone[j->role]))
		return;
	struct txt d = txt_on(j->t->detail);
	static const char *const dn[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	int64_t local = ev->time + (r->hours.zone ? tz_offset(r->hours.zone, ev->time) : 0);
	int64_t days = floor_div(local, 86400);
	int64_t sec = local - days * 86400;
	int wd = (int)((days % 7 + 7 + 4) % 7);	/* 1970-01-01 was a Thursday */
	txt_s(&d, "read at ");
	txt_time(&d, ev);
	txt_f(&d, " (%s %02d:%02d:%02d local), outside role %s's hours ", dn[wd],
	      (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), r->name);
	txt_hours(&d, &r->hours);
	emit(j, CHK_OFF_HOURS_ACCESS, ev->categories, sv_make(d.p, d.n));
}

/*
 * 6: a purpose that honours opt-outs used on an opted-out subject, by any
 * request that did not fail (the caller sees to that), read or not.
 */
static void judge_optout(struct judge *j, int purpose)
{
	const struct event *ev = j->ev;
	const struct policy *p = j->p;
	if (purpose < 0 || !p->purposes[purpose].honours_optout || !ev->f[EVF_SUBJECT].n ||
	    !strmap_has(&p->optout, ev->f[EVF_SUBJECT]))
		return;
	struct txt d = txt_on(j->t->detail);
	txt_f(&d, "purpose %s honours opt-outs, and subject '", p->purposes[purpose].name);
	txt_sv(&d, ev->f[EVF_SUBJECT]);
	txt_f(&d, "' opted out (%s)", ev_action_name(ev->action));
	emit(j, CHK_OPTOUT_VIOLATION, ev->categories, sv_make(d.p, d.n));
}

static void judge_read(struct judge *j, struct win_log *wl)
{
	const struct event *ev = j->ev;
	const struct policy *p = j->p;
	const struct pol_role *r = &p->roles[j->role];

	/* 4: categories the role may not read, one finding each. */
	uint64_t denied = r->may_read_all ? 0 : ev->categories & ~r->may_read;
	for (size_t c = 0; c < p->ncategories && denied; c++) {
		uint64_t bit = 1ull << c;
		if (!(denied & bit))
			continue;
		denied &= ~bit;
		const struct pol_category *pc = &p->categories[c];
		struct txt d = txt_on(j->t->detail);
		txt_f(&d, "role %s may not read %s%s", r->name, pc->sensitive ? "sensitive category " : "",
		      pc->name);
		emit(j, pc->sensitive ? CHK_SENSITIVE_DATA_ACCESS : CHK_ROLE_NOT_PERMITTED, bit, sv_make(d.p, d.n));
	}

	/* The purpose the reason names matters to 5 and 6. */
	sv reason = ev->f[EVF_REASON];
	int purpose = reason.n ? purpose_of(j, reason) : -1;
	j->v->purpose = purpose;

	/* 5 */
	if (r->reason_required)
		judge_reason(j, r, purpose);

	/* 6 */
	judge_optout(j, purpose);

	/* 7 */
	judge_hours(j, r);

	/*
	 * 8: judged later over the whole time line, per user across all of the
	 * user's roles: every read counts where any of them sets a limit.
	 */
	if (wl && j->e->limited_roles && chk_enabled(p, CHK_EXCESSIVE_ACCESS) &&
	    ((r->max_subjects ? 1ull << j->role : 0) |
	     (roles_of(j->e, j->t, ev->f[EVF_USER]) & j->e->limited_roles)))
		win_add_read(wl, ev, j->role);

	/* Personal data over plain http. */
	sv scheme = ev->f[EVF_SCHEME];
	if (sv_eq_nocase(scheme, SV_LIT("http")) || (!scheme.n && ev->port == 80)) {
		struct txt d = txt_on(j->t->detail);
		txt_s(&d, "personal data (");
		txt_categories(&d, p, ev->categories);
		txt_s(&d, scheme.n ? ") served over plain http" : ") served on port 80 (plain http)");
		emit(j, CHK_INSECURE_TRANSPORT, ev->categories, sv_make(d.p, d.n));
	}
}

/* ---- semantics 9 and custom checks --------------------------------------- */

static void judge_transfer(struct judge *j)
{
	const struct event *ev = j->ev;
	const struct policy *p = j->p;
	if ((ev->action != EV_EXPORT && ev->action != EV_TRANSFER) || ev_failed(ev))
		return;
	sv dst = ev->f[EVF_DST];
	if (sv_is_dash_or_empty(dst))
		return;
	for (size_t i = 0; i < p->napproved; i++)
		if (rx_match(p->approved[i], dst, j->t->rx))
			return;
	struct txt d = txt_on(j->t->detail);
	txt_f(&d, "%s to '", ev_action_name(ev->action));
	txt_sv(&d, dst);
	txt_s(&d, "', which matches no approved recipient");
	emit(j, CHK_UNAPPROVED_TRANSFER, ev->categories, sv_make(d.p, d.n));
}

static bool custom_holds(const struct judge *j, size_t i)
{
	const struct pol_check *c = &j->p->checks[i];
	const struct event *ev = j->ev;
	for (size_t k = 0; k < c->nmatchers; k++) {
		const struct pol_cmatch *m = &c->matchers[k];
		switch (m->kind) {
		case PCM_FIELD: {
			sv val;
			if (!field_value(ev, &j->e->custom[i][k], &val) || !rx_match(m->rx, val, j->t->rx))
				return false;
			break;
		}
		case PCM_CATEGORY:
			if (!(ev->categories & m->categories))
				return false;
			break;
		case PCM_ACTION:
			if (ev->action != m->action)
				return false;
			break;
		}
	}
	return true;
}

/* {user}, {role}, {categories}, {time}, ..., any event field; unknown: empty. */
static void expand_message(struct judge *j, const char *msg, struct txt *d)
{
	const struct event *ev = j->ev;
	for (const char *s = msg; *s;) {
		const char *open = strchr(s, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			txt_s(d, s);
			break;
		}
		txt_add(d, s, (size_t)(open - s));
		sv name = sv_make(open + 1, (size_t)(close - open - 1));
		sv val;
		if (sv_eq_cstr(name, "role"))
			txt_sv(d, role_sv(j));
		else if (sv_eq_cstr(name, "action"))
			txt_s(d, ev_action_name(ev->action));
		else if (sv_eq_cstr(name, "category") || sv_eq_cstr(name, "categories"))
			txt_categories(d, j->p, ev->categories);
		else if (sv_eq_cstr(name, "time"))
			txt_time(d, ev);
		else if (sv_eq_cstr(name, "status"))
			txt_f(d, "%d", ev->status);
		else if (sv_eq_cstr(name, "line"))
			txt_f(d, "%llu", (unsigned long long)ev->line);
		else if (ev_get(ev, name, &val))
			txt_sv(d, val);
		s = close + 1;
	}
}

static void judge_custom(struct judge *j)
{
	const struct policy *p = j->p;
	for (size_t i = CHK_BUILTIN_COUNT; i < p->nchecks; i++) {
		const struct pol_check *c = &p->checks[i];
		/* No matchers would fire on every event: a rules error, not a finding. */
		if (!c->enabled || c->builtin || !c->nmatchers || !custom_holds(j, i))
			continue;
		struct txt d = txt_on(j->t->scratch);
		if (c->message && *c->message)
			expand_message(j, c->message, &d);
		else
			txt_s(&d, c->title ? c->title : c->id);
		emit(j, i, j->ev->categories, sv_make(d.p, d.n));
	}
}

void eng_judge(const struct eng *e, const struct event *ev, struct eng_thread *t,
	       struct fnd_list *out, struct win_log *wl, struct eng_verdict *v)
{
	struct eng_verdict local;
	if (!v)
		v = &local;
	memset(v, 0, sizeof(*v));
	v->role = -1;
	v->purpose = -1;
	if (t->ncustom) {
		memset(t->custom, 0, t->ncustom * sizeof(*t->custom));
		v->custom_fired = t->custom;
	}

	struct judge j = { e, e->pol, ev, t, out, v, -1 };
	sv user = ev->f[EVF_USER];
	bool anonymous = sv_is_dash_or_empty(user);
	if (!anonymous)
		j.role = policy_role_among(e->pol, roles_of(e, t, user), ev->f[EVF_ROLE]);
	v->role = j.role;

	/* 1: a failed request read nothing; 401/403 feed the burst window. */
	if ((ev->status == 401 || ev->status == 403) && wl && chk_enabled(e->pol, CHK_FAILED_ACCESS_BURST))
		win_add_denied(wl, ev, j.role);

	if (ev->pd_read && !ev_failed(ev)) {
		/* 3: an anonymous or unknown reader gets that one finding, nothing else. */
		if (anonymous || j.role < 0) {
			struct txt d = txt_on(t->detail);
			if (anonymous) {
				txt_s(&d, "personal data (");
				txt_categories(&d, e->pol, ev->categories);
				txt_s(&d, ") served to an anonymous request");
				emit(&j, CHK_UNAUTHENTICATED_ACCESS, ev->categories, sv_make(d.p, d.n));
			} else {
				txt_s(&d, "user ");
				txt_sv(&d, user);
				txt_s(&d, " is no role's member and read ");
				txt_categories(&d, e->pol, ev->categories);
				emit(&j, CHK_UNKNOWN_IDENTITY, ev->categories, sv_make(d.p, d.n));
			}
			return;
		}
		judge_read(&j, wl);
	} else if (!ev_failed(ev) && ev->f[EVF_REASON].n && e->pol->optout.count) {
		/* 6 holds for any successful use, a write such as a campaign send too. */
		int purpose = purpose_of(&j, ev->f[EVF_REASON]);
		v->purpose = purpose;
		judge_optout(&j, purpose);
	}
	judge_transfer(&j);
	judge_custom(&j);
}
