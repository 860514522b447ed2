/*
 * checks.h - the catalogue of built-in checks, severities and DPF principles.
 *
 * Static data: ids, principles, default severities and the explanations
 * `dpfaudit explain` prints and every report carries.  The effective
 * configuration (overridden severity, enabled, thresholds, custom checks)
 * lives in the policy (policy.h): policy->checks[i] for i < CHK_BUILTIN_COUNT
 * is built-in check i.
 */
#ifndef DPF_CHECKS_H
#define DPF_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv.h"

enum sev {
	SEV_NONE = 0,	/* below every severity: "--fail-on" not given */
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
	SEV_COUNT
};

const char *sev_name(enum sev s);	/* "low" ... "critical" */
/* Case-insensitive; also accepts "info" as low.  SEV_NONE if unknown. */
enum sev sev_parse(sv s);

/* DPF principles, in the order reports list them. */
enum principle {
	PR_NOTICE = 0,
	PR_CHOICE,
	PR_ONWARD_TRANSFER,
	PR_SECURITY,
	PR_PURPOSE_LIMITATION,	/* Data Integrity and Purpose Limitation */
	PR_ACCESS,
	PR_RECOURSE,
	PR_COUNT
};
#define PR_BIT(p) (1u << (p))

const char *pr_name(enum principle p);	/* "Security", "Data Integrity and Purpose Limitation" */
const char *pr_slug(enum principle p);	/* "security", "purpose-limitation" */
struct buf;
/*
 * Append the principles of bits (PR_BIT set), in report order, each as
 * name(p) (pr_name or pr_slug), joined by sep; nothing when bits is 0.
 */
void pr_join(struct buf *out, unsigned bits, const char *(*name)(enum principle), const char *sep);
/* Accepts the slug, the name, or short forms ("purpose", "onward", "choice"), any case. */
enum principle pr_parse(sv s);	/* PR_COUNT if unknown */

enum chk_id {
	CHK_NO_BUSINESS_REASON = 0,
	CHK_ROLE_NOT_PERMITTED,
	CHK_UNKNOWN_IDENTITY,
	CHK_UNAUTHENTICATED_ACCESS,
	CHK_SENSITIVE_DATA_ACCESS,
	CHK_REASON_NOT_FOR_ROLE,
	CHK_REASON_UNVERIFIED,
	CHK_EXCESSIVE_ACCESS,
	CHK_OFF_HOURS_ACCESS,
	CHK_INSECURE_TRANSPORT,
	CHK_FAILED_ACCESS_BURST,
	CHK_OPTOUT_VIOLATION,
	CHK_UNAPPROVED_TRANSFER,
	CHK_BUILTIN_COUNT
};

struct policy;

struct chk_info {
	const char *id;		/* "no-business-reason" */
	unsigned principles;	/* PR_BIT set */
	enum sev severity;	/* default */
	const char *title;	/* one line */
	const char *promise;	/* which promise of the policy it tests */
	const char *fires;	/* what fires it */
	const char *fix;	/* how to fix a finding */
	/*
	 * Whether a policy can make the check fire at all: false where it
	 * needs configuration nobody wrote (no role has hours, no purpose has
	 * evidence).  Every built-in check states it (`dpfaudit test` then
	 * does not require a sample of a check that cannot fire).
	 */
	bool (*applies)(const struct policy *pol);
};

/* NULL past the catalogue.  A check by id: policy_check() (policy.h). */
const struct chk_info *chk_info(enum chk_id id);

/*
 * Whether pol can make its check c (an index into pol->checks) fire: the
 * catalogue's answer for a built-in check, true for a custom one.
 */
bool chk_applies(const struct policy *pol, size_t c);

/* The policy's sensitive categories as bits (category i: bit i). */
uint64_t chk_sensitive_categories(const struct policy *pol);

#endif
