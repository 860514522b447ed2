/*
 * policy.c - lookups on the compiled policy (see policy.h).
 *
 * The policy is read-only after rules_load(), so every function here is
 * safe to call from any thread and allocates nothing.
 */
#include "common.h"

#include "policy.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "timeutil.h"

/*
 * Longest user name matched against member globs.  The name is copied to a
 * stack buffer for fnmatch(); a longer one matches no glob (and so is judged
 * as an unknown identity, itself a finding - never silently allowed).
 */
#define POL_MAX_GLOB_USER 512

uint64_t policy_roles_of(const struct policy *p, sv user)
{
	uint64_t roles = 0;
	uintptr_t *v = strmap_get(&p->members, user);
	char buf[POL_MAX_GLOB_USER];
	bool copied = false;

	if (v)
		roles = (uint64_t)*v;
	for (size_t i = 0; i < p->nroles; i++) {
		const struct pol_role *r = &p->roles[i];
		if (!r->nmember_globs || (roles & ((uint64_t)1 << i)))
			continue;
		if (!copied) {
			if (user.n >= sizeof(buf) || memchr(user.p, '\0', user.n))
				break;
			memcpy(buf, user.p, user.n);
			buf[user.n] = '\0';
			copied = true;
		}
		for (size_t g = 0; g < r->nmember_globs; g++) {
			if (fnmatch(r->member_globs[g], buf, 0) == 0) {
				roles |= (uint64_t)1 << i;
				break;
			}
		}
	}
	return roles;
}

int policy_role_of(const struct policy *p, sv user, sv claimed_role)
{
	return policy_role_among(p, policy_roles_of(p, user), claimed_role);
}

int policy_role_among(const struct policy *p, uint64_t roles, sv claimed_role)
{
	if (!roles)
		return -1;
	if (claimed_role.n) {
		int r = policy_role(p, claimed_role);
		if (r >= 0 && (roles & ((uint64_t)1 << r)))
			return r;
	}
	return __builtin_ctzll(roles);
}

int policy_category(const struct policy *p, sv name)
{
	for (size_t i = 0; i < p->ncategories; i++)
		if (sv_eq_cstr(name, p->categories[i].name))
			return (int)i;
	return -1;
}

int policy_purpose(const struct policy *p, sv name)
{
	for (size_t i = 0; i < p->npurposes; i++)
		if (sv_eq_cstr(name, p->purposes[i].name))
			return (int)i;
	return -1;
}

int policy_role(const struct policy *p, sv name)
{
	for (size_t i = 0; i < p->nroles; i++)
		if (sv_eq_cstr(name, p->roles[i].name))
			return (int)i;
	return -1;
}

/* The lookup behind policy_check() and policy_check_nocase(). */
static int find_check(const struct policy *p, sv id, bool (*eq)(sv, sv))
{
	size_t n = p ? p->nchecks : CHK_BUILTIN_COUNT;

	for (size_t i = 0; i < n; i++) {
		const char *cid = p ? p->checks[i].id : chk_info((enum chk_id)i)->id;
		if (cid && eq(id, sv_cstr(cid)))
			return (int)i;
	}
	return -1;
}

int policy_check(const struct policy *p, sv id)
{
	return find_check(p, id, sv_eq);
}

int policy_check_nocase(const struct policy *p, sv id)
{
	return find_check(p, id, sv_eq_nocase);
}

size_t policy_regexes(const struct policy *p, const struct rx **v)
{
	size_t n = 0;
#define RX(x) do { if (x) { if (v) v[n] = (x); n++; } } while (0)
	for (size_t i = 0; i < p->ncategories; i++)
		for (size_t j = 0; j < p->categories[i].nmatchers; j++)
			RX(p->categories[i].matchers[j].rx);
	for (size_t i = 0; i < p->npurposes; i++)
		for (size_t j = 0; j < p->purposes[i].nreasons; j++)
			RX(p->purposes[i].reasons[j]);
	for (size_t i = 0; i < p->nchecks; i++)
		for (size_t j = 0; j < p->checks[i].nmatchers; j++)
			RX(p->checks[i].matchers[j].rx);
	for (size_t i = 0; i < p->nformats; i++) {
		RX(p->formats[i].pattern);
		RX(p->formats[i].prefix);
	}
	for (size_t i = 0; i < p->napproved; i++)
		RX(p->approved[i]);
	for (size_t i = 0; i < p->nredact; i++)
		RX(p->redact[i]);
#undef RX
	return n;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncategories; i++)
		for (size_t j = 0; j < p->categories[i].nmatchers; j++)
			rx_free(p->categories[i].matchers[j].rx);
	for (size_t i = 0; i < p->npurposes; i++)
		for (size_t j = 0; j < p->purposes[i].nreasons; j++)
			rx_free(p->purposes[i].reasons[j]);
	for (size_t i = 0; i < p->nroles; i++)
		if (p->roles[i].has_hours)
			tz_hours_release(&p->roles[i].hours);
	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].index)
			evd_free(p->evidence[i].index);
	for (size_t i = 0; i < p->nchecks; i++)
		for (size_t j = 0; j < p->checks[i].nmatchers; j++)
			rx_free(p->checks[i].matchers[j].rx);
	for (size_t i = 0; i < p->nformats; i++) {
		rx_free(p->formats[i].pattern);
		rx_free(p->formats[i].prefix);
		for (int k = 0; k < PC_COUNT; k++)
			for (size_t j = 0; j < p->formats[i].nconds[k]; j++)
				rx_free(p->formats[i].conds[k][j].rx);
		if (p->formats[i].time_fmt)
			tu_fmt_free(p->formats[i].time_fmt);
		tz_free(p->formats[i].timezone);
	}
	for (size_t i = 0; i < p->napproved; i++)
		rx_free(p->approved[i]);
	for (size_t i = 0; i < p->nredact; i++)
		rx_free(p->redact[i]);
	strmap_release(&p->members);
	strmap_release(&p->optout);
	arena_release(&p->arena);
	free(p);
}
