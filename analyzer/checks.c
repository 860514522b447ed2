/*
 * checks.c - the catalogue of built-in checks (see checks.h).
 *
 * The texts here are what `dpfaudit explain` prints and what every report
 * shows next to a finding, so they speak to a privacy officer: which promise
 * of the DPF policy the check tests, what fires it, and how to fix it.
 */
#include "common.h"

#include "checks.h"

#include "buf.h"
#include "policy.h"

#include <ctype.h>
#include <string.h>

static const char *const sev_names[SEV_COUNT] = {
	[SEV_NONE] = "none", [SEV_LOW] = "low", [SEV_MEDIUM] = "medium",
	[SEV_HIGH] = "high", [SEV_CRITICAL] = "critical",
};

const char *sev_name(enum sev s)
{
	return (unsigned)s < SEV_COUNT ? sev_names[s] : "none";
}

enum sev sev_parse(sv s)
{
	for (int i = SEV_LOW; i < SEV_COUNT; i++)
		if (sv_eq_nocase(s, sv_cstr(sev_names[i])))
			return (enum sev)i;
	if (sv_eq_nocase(s, SV_LIT("info")))
		return SEV_LOW;
	return SEV_NONE;
}

static const struct {
	const char *name, *slug, *alias;
} principles[PR_COUNT] = {
	[PR_NOTICE] = { "Notice", "notice", "notice" },
	[PR_CHOICE] = { "Choice", "choice", "choice" },
	[PR_ONWARD_TRANSFER] = { "Accountability for Onward Transfer", "onward-transfer", "onward" },
	[PR_SECURITY] = { "Security", "security", "security" },
	[PR_PURPOSE_LIMITATION] = { "Data Integrity and Purpose Limitation", "purpose-limitation", "purpose" },
	[PR_ACCESS] = { "Access", "access", "access" },
	[PR_RECOURSE] = { "Recourse, Enforcement and Liability", "recourse", "recourse" },
};

const char *pr_name(enum principle p)
{
	return (unsigned)p < PR_COUNT ? principles[p].name : "?";
}

const char *pr_slug(enum principle p)
{
	return (unsigned)p < PR_COUNT ? principles[p].slug : "?";
}

enum principle pr_parse(sv s)
{
	s = sv_trim(s);
	for (int i = 0; i < PR_COUNT; i++) {
		if (sv_eq_nocase(s, sv_cstr(principles[i].name)) ||
		    sv_eq_nocase(s, sv_cstr(principles[i].slug)) ||
		    sv_eq_nocase(s, sv_cstr(principles[i].alias)))
			return (enum principle)i;
	}
	/* Common short forms written in rule files and on the command line. */
	if (sv_eq_nocase(s, SV_LIT("Purpose Limitation")) ||
	    sv_eq_nocase(s, SV_LIT("data-integrity")))
		return PR_PURPOSE_LIMITATION;
	if (sv_eq_nocase(s, SV_LIT("Onward Transfer")) ||
	    sv_eq_nocase(s, SV_LIT("Accountability")))
		return PR_ONWARD_TRANSFER;
	return PR_COUNT;
}

/* ---- when a policy can make a check fire -------------------------------- */

uint64_t chk_sensitive_categories(const struct policy *pol)
{
	uint64_t m = 0;
	for (size_t i = 0; i < pol->ncategories && i < 64; i++)
		if (pol->categories[i].sensitive)
			m |= UINT64_C(1) << i;
	return m;
}

static uint64_t all_bits(size_t n)
{
	return n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;
}

/* Needs no configuration: fires on what the logs show. */
static bool applies_always(const struct policy *pol)
{
	(void)pol;
	return true;
}

/* Some role requires a reason. */
static bool applies_reason_required(const struct policy *pol)
{
	for (size_t r = 0; r < pol->nroles; r++)
		if (pol->roles[r].reason_required)
			return true;
	return false;
}

/* Some role may not read some non-sensitive category. */
static bool applies_role_limits(const struct policy *pol)
{
	uint64_t plain = all_bits(pol->ncategories) & ~chk_sensitive_categories(pol);
	for (size_t r = 0; r < pol->nroles; r++)
		if (!pol->roles[r].may_read_all && (pol->roles[r].may_read & plain) != plain)
			return true;
	return false;
}

static bool applies_sensitive(const struct policy *pol)
{
	return chk_sensitive_categories(pol) != 0;
}

/* Some role requires a reason and is limited to some of the purposes. */
static bool applies_role_purposes(const struct policy *pol)
{
	uint64_t all = all_bits(pol->npurposes);
	for (size_t r = 0; r < pol->nroles; r++)
		if (pol->roles[r].reason_required && !pol->roles[r].purposes_all &&
		    (pol->roles[r].purposes & all) != all)
			return true;
	return false;
}

/* Some purpose names an evidence file. */
static bool applies_evidence(const struct policy *pol)
{
	for (size_t p = 0; p < pol->npurposes; p++)
		if (pol->purposes[p].evidence >= 0)
			return true;
	return false;
}

static bool applies_max_subjects(const struct policy *pol)
{
	for (size_t r = 0; r < pol->nroles; r++)
		if (pol->roles[r].max_subjects > 0)
			return true;
	return false;
}

static bool applies_hours(const struct policy *pol)
{
	for (size_t r = 0; r < pol->nroles; r++)
		if (pol->roles[r].has_hours)
			return true;
	return false;
}

/* Some purpose honours the opt-out list, and the list names someone. */
static bool applies_optout(const struct policy *pol)
{
	if (pol->optout.count == 0)
		return false;
	for (size_t p = 0; p < pol->npurposes; p++)
		if (pol->purposes[p].honours_optout)
			return true;
	return false;
}

static const struct chk_info checks[CHK_BUILTIN_COUNT] = {
	[CHK_NO_BUSINESS_REASON] = {
		.id = "no-business-reason",
		.principles = PR_BIT(PR_SECURITY) | PR_BIT(PR_PURPOSE_LIMITATION),
		.severity = SEV_HIGH,
		.title = "Personal data read without a business reason",
		.promise = "Access to personal data is limited to staff with a specific business reason, "
			   "and personal data is processed only for the purposes it was collected for.",
		.fires = "A read or export of personal data carries no reason, or a reason that names no "
			 "purpose of the policy, and no open evidence record (ticket) for this subject "
			 "assigned to this user lets the reason be inferred.",
		.fix = "Make the client send the reason (e.g. ?reason=TICKET-123) with every read; for "
		       "support work, make sure the ticket exists and is assigned to the agent so the "
		       "reason can be inferred; if the access had no reason, investigate it as a breach.",
		.applies = applies_reason_required,
	},
	[CHK_ROLE_NOT_PERMITTED] = {
		.id = "role-not-permitted",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_HIGH,
		.title = "Role may not read this category of personal data",
		.promise = "Access is restricted by role: each role reads only the categories of personal "
			   "data it needs.",
		.fires = "A user read a personal-data category that their role's may-read list does not "
			 "include.",
		.fix = "If the role needs the data, add the category to the role's may-read list in a "
		       "reviewed rule change; otherwise revoke the user's access to that endpoint.",
		.applies = applies_role_limits,
	},
	[CHK_UNKNOWN_IDENTITY] = {
		.id = "unknown-identity",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_HIGH,
		.title = "Personal data read by a user with no role",
		.promise = "Only employees, subcontractors and agents with a defined role may access "
			   "personal data.",
		.fires = "A personal-data read by an authenticated user who is a member of no role.",
		.fix = "Add the user to the right role's member list if the access was legitimate; "
		       "otherwise disable the account and investigate.",
		.applies = applies_always,
	},
	[CHK_UNAUTHENTICATED_ACCESS] = {
		.id = "unauthenticated-access",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_CRITICAL,
		.title = "Personal data served to an anonymous request",
		.promise = "Personal data is protected by access controls and never served without "
			   "authentication.",
		.fires = "A successful read of personal data whose user is empty or '-'.",
		.fix = "Require authentication on the endpoint; treat served records as a possible "
		       "breach and assess notification duties.",
		.applies = applies_always,
	},
	[CHK_SENSITIVE_DATA_ACCESS] = {
		.id = "sensitive-data-access",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_CRITICAL,
		.title = "Sensitive personal data read by a role not allowed it",
		.promise = "Sensitive data (GDPR special categories, e.g. health) gets the strictest "
			   "access restrictions.",
		.fires = "A user read a category marked sensitive that their role may not read.",
		.fix = "Revoke access to the sensitive endpoint for this role; if access is needed, "
		       "grant it explicitly in a reviewed rule change with a documented reason.",
		.applies = applies_sensitive,
	},
	[CHK_REASON_NOT_FOR_ROLE] = {
		.id = "reason-not-for-role",
		.principles = PR_BIT(PR_PURPOSE_LIMITATION),
		.severity = SEV_MEDIUM,
		.title = "The reason names a purpose the role does not serve",
		.promise = "Personal data is processed only for the purposes each role serves.",
		.fires = "The reason given matches a purpose of the policy that is not in the role's "
			 "purposes list.",
		.fix = "Use a reason for one of the role's purposes, or add the purpose to the role if "
		       "it really serves it.",
		.applies = applies_role_purposes,
	},
	[CHK_REASON_UNVERIFIED] = {
		.id = "reason-unverified",
		.principles = PR_BIT(PR_PURPOSE_LIMITATION),
		.severity = SEV_MEDIUM,
		.title = "The business reason is not backed by its evidence",
		.promise = "A business reason is specific: it names a real ticket or case for this "
			   "data subject, handled by this user, and open at the time.",
		.fires = "The reason's evidence record is missing, is for another subject, is assigned "
			 "to another user, or was not open at the time of the access.",
		.fix = "Correct the ticket (subject, assignee, dates) if it was wrong; otherwise the "
		       "reason was not genuine: investigate.",
		.applies = applies_evidence,
	},
	[CHK_EXCESSIVE_ACCESS] = {
		.id = "excessive-access",
		.principles = PR_BIT(PR_PURPOSE_LIMITATION),
		.severity = SEV_MEDIUM,
		.title = "More data subjects read than the role needs (minimum necessary)",
		.promise = "Only the minimum personal data needed for the purpose is requested.",
		.fires = "A user read more distinct data subjects within the role's window than its "
			 "max-subjects allows.",
		.fix = "Check whether the burst was a bulk lookup or scraping; raise the role's limit "
		       "only if the work needs it.",
		.applies = applies_max_subjects,
	},
	[CHK_OFF_HOURS_ACCESS] = {
		.id = "off-hours-access",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_LOW,
		.title = "Personal data read outside the role's working hours",
		.promise = "Access to personal data follows the role's working pattern; access at odd "
			   "hours is a classic sign of misuse or stolen credentials.",
		.fires = "A personal-data read outside the role's hours (in the role's time zone).",
		.fix = "Confirm with the user (on-call, travel); widen the role's hours if the pattern "
		       "is legitimate.",
		.applies = applies_hours,
	},
	[CHK_INSECURE_TRANSPORT] = {
		.id = "insecure-transport",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_MEDIUM,
		.title = "Personal data sent over plain http",
		.promise = "Personal data is protected in transit.",
		.fires = "A personal-data read over http (scheme http or port 80, where the log shows it).",
		.fix = "Redirect the endpoint to https and turn on HSTS.",
		.applies = applies_always,
	},
	[CHK_FAILED_ACCESS_BURST] = {
		.id = "failed-access-burst",
		.principles = PR_BIT(PR_SECURITY),
		.severity = SEV_MEDIUM,
		.title = "Many denied requests in a short time",
		.promise = "Access controls are monitored: repeated denials point at probing or a "
			   "misconfigured client.",
		.fires = "N or more 401/403 responses for one user (or one address, without a user) at "
			 "most WINDOW apart (threshold, default 20/10m).",
		.fix = "Find the client; block the address or reset the credentials if it is an attack.",
		.applies = applies_always,
	},
	[CHK_OPTOUT_VIOLATION] = {
		.id = "optout-violation",
		.principles = PR_BIT(PR_CHOICE),
		.severity = SEV_HIGH,
		.title = "Opted-out subject's data used for a purpose they opted out of",
		.promise = "Individuals may opt out of uses materially different from the original "
			   "purpose (e.g. marketing), and the opt-out is honoured.",
		.fires = "A reason naming a purpose with honours-optout = yes was used on a subject in "
			 "the opt-out list.",
		.fix = "Remove the subject from the campaign's audience and make the campaign tool "
		       "read the opt-out list.",
		.applies = applies_optout,
	},
	[CHK_UNAPPROVED_TRANSFER] = {
		.id = "unapproved-transfer",
		.principles = PR_BIT(PR_ONWARD_TRANSFER),
		.severity = SEV_HIGH,
		.title = "Personal data sent to a recipient that is not approved",
		.promise = "Personal data goes onward only to subcontractors and agents that gave "
			   "contractual assurances.",
		.fires = "An export or transfer that did not fail, whose destination matches no "
			 "approved recipient.",
		.fix = "Stop the transfer; sign the onward-transfer contract and add the recipient to "
		       "[recipients] approved, or delete the transferred data.",
		.applies = applies_always,
	},
};

const struct chk_info *chk_info(enum chk_id id)
{
	return (unsigned)id < CHK_BUILTIN_COUNT ? &checks[id] : NULL;
}

bool chk_applies(const struct policy *pol, size_t c)
{
	if (c >= pol->nchecks || !pol->checks[c].builtin)
		return true;
	const struct chk_info *ci = chk_info((enum chk_id)c);
	if (!ci || !ci->applies)
		BUG("check %zu states no applicability in the catalogue", c);
	return ci->applies(pol);
}

void pr_join(struct buf *out, unsigned bits, const char *(*name)(enum principle), const char *sep)
{
	bool first = true;

	for (int p = 0; p < PR_COUNT; p++) {
		if (!(bits & PR_BIT(p)))
			continue;
		if (!first)
			buf_adds(out, sep);
		first = false;
		buf_adds(out, name((enum principle)p));
	}
}
