/*
 * engine.h - stage 4: the rules engine.  An event in, findings out.
 *
 * eng_classify() decides what an event touches (categories, subject) and
 * whether it is a personal-data read; eng_judge() applies every per-event
 * check of SPEC §4 "Semantics" (1-7, 9 and custom checks) and records what
 * the windowed checks (excessive-access, failed-access-burst) need into a
 * struct win_log (windows.h), judged later over time-sorted records.
 *
 * A struct eng is built from the policy once and shared read-only by all
 * threads; each thread has a struct eng_thread (regex match data, scratch).
 * Neither function allocates per event except to store findings.
 *
 * Where SPEC §4 leaves a choice, the engine decides (tests pin each one):
 * - role-not-permitted / sensitive-data-access: one finding per category
 *   the role may not read, with categories = that category alone;
 * - a personal-data read by an anonymous ("" or "-") or unknown user gives
 *   that one finding and nothing else (no transfer, transport, custom check);
 * - reason-required = no skips semantics 5 only: opt-outs, hours, windows
 *   and transport are still judged; the reason still names a purpose;
 * - a failed request (status >= 400) is no read, but 401/403 feed the burst
 *   window and custom checks are judged on every other event;
 * - optout-violation (semantics 6) is judged for every request that did
 *   not fail and whose reason names a purpose, read or write, by any user;
 *   a personal-data read by an anonymous or unknown user is the exception
 *   above (semantics 3);
 * - insecure-transport: a personal-data read with scheme "http", or on
 *   port 80 when the format knows no scheme;
 * - finding.detail says why (role, category, purpose, the evidence that
 *   failed: "tickets TICKET-88 is assigned to jdoe, not mrossi", hours).
 */
#ifndef DPF_ENGINE_H
#define DPF_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "event.h"
#include "findings.h"
#include "policy.h"

struct eng;
struct eng_thread;
struct win_log;

struct eng *eng_new(const struct policy *pol, struct diag *err);
void eng_free(struct eng *e);
/*
 * One per thread, for e alone: it remembers what it learned of e's policy
 * (the roles of users it has seen), so it must not serve another engine.
 */
struct eng_thread *eng_thread_new(const struct eng *e);
void eng_thread_free(struct eng_thread *t);

/*
 * Set ev->categories (every category one of whose matchers matches),
 * ev->f[EVF_SUBJECT] when the format gave none (the first `subject` group
 * of a matching pattern, categories in file order), and ev->pd_read.
 */
void eng_classify(const struct eng *e, struct event *ev, struct eng_thread *t);

/* What the engine concluded about one event (for trace and tests). */
struct eng_verdict {
	int role;		/* role index judged under, or -1 */
	uint32_t fired;		/* bit per built-in check that fired (1u << CHK_...) */
	/*
	 * Which custom checks fired: bit k % 64 of word k / 64 is custom check
	 * CHK_BUILTIN_COUNT + k; eng_custom_words() words, sized by the policy,
	 * so there is no limit on the number of checks.  Owned by the
	 * eng_thread and valid until its next eng_judge(): copy it to keep it.
	 * NULL when the policy has no custom checks.
	 */
	const uint64_t *custom_fired;
	bool any_custom;	/* some custom check fired */
	int purpose;		/* purpose named by the reason, or -1 */
	bool justified;		/* a read with a verified or inferred reason */
	bool inferred;		/* justified by inference from evidence */
	sv justified_by;	/* evidence key (ticket id), valid until next event */
};

/* The number of 64-bit words in eng_verdict.custom_fired for this policy. */
size_t eng_custom_words(const struct policy *pol);

/* Whether custom check CHK_BUILTIN_COUNT + k fired. */
static inline bool eng_custom_fired(const struct eng_verdict *v, size_t k)
{
	return v->any_custom && (v->custom_fired[k / 64] >> (k % 64)) & 1;
}

/*
 * Judge one classified event: append findings to out, record window data
 * into wl (may be NULL: windowed checks off), fill *v (may be NULL).
 */
void eng_judge(const struct eng *e, const struct event *ev, struct eng_thread *t,
	       struct fnd_list *out, struct win_log *wl, struct eng_verdict *v);

#endif
