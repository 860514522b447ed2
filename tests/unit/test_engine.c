/*
 * test_engine.c - classification and every per-event check (SPEC §4 semantics).
 *
 * The policy is built by hand (no rules parser): the scenario's categories,
 * purposes and roles, a tickets file, an opt-out list, approved recipients
 * and two custom checks.  Each row is one event and the exact multiset of
 * checks it must fire.
 */
#include <stdint.h>

#include "engine.h"
#include "evidence.h"
#include "findings.h"
#include "policy.h"
#include "testutil.h"
#include "timeutil.h"
#include "windows.h"

static struct policy *P;
static struct eng *E;
static struct eng_thread *T;

enum { CAT_IDENT, CAT_EMAIL, CAT_USERNAME, CAT_DEVICE, CAT_HEALTH, CAT_RECORDS, NCAT };
enum { PU_SUPPORT, PU_MARKETING, PU_CLOUD, PU_LEGAL, PU_ESCALATION, NPU };
enum { RO_SUPPORT, RO_MARKETING, RO_OFFICER, RO_CLOUD, RO_ESCALATION, RO_SUBCONTRACTOR, NRO };
enum { CK_HEALTH_EXPORT = CHK_BUILTIN_COUNT, CK_DKLEIN, NCK };

#define BIT(x) (1ull << (x))

static struct rx *rx(const char *pat)
{
	struct diag err = { "" };
	struct rx *r = rx_compile(pat, strlen(pat), 0, "test:1", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	return r;
}

/* r without any prefilter (rx.h): every match is PCRE2's. */
static void rx_plain(struct rx *r)
{
	r->nprefix = r->nskel = r->nstem = r->nrestlit = 0;
	r->exact = r->exact_wb = false;
	r->skel_caps = 0;
}

static void category(int i, const char *name, bool sensitive, const char *field1, const char *pat1,
		     const char *field2, const char *pat2)
{
	struct pol_category *c = &P->categories[i];
	c->name = name;
	c->sensitive = sensitive;
	c->matchers = arena_alloc(&P->arena, 2 * sizeof(*c->matchers));
	const char *f[2] = { field1, field2 }, *pat[2] = { pat1, pat2 };
	for (int k = 0; k < 2 && pat[k]; k++) {
		struct pol_matcher *m = &c->matchers[c->nmatchers++];
		m->field = sv_cstr(f[k]);
		m->rx = rx(pat[k]);
		m->subject_group = rx_group_index(m->rx, "subject");
	}
}

static void purpose(int i, const char *name, const char *reason, int evidence, bool infer, bool optout)
{
	struct pol_purpose *p = &P->purposes[i];
	p->name = name;
	p->reasons = arena_alloc(&P->arena, sizeof(*p->reasons));
	p->reasons[0] = rx(reason);
	p->nreasons = 1;
	p->evidence = evidence;
	p->infer = infer;
	p->honours_optout = optout;
}

static void member(const char *user, int role)
{
	bool created;
	uintptr_t *v = strmap_put(&P->members, sv_cstr(user), 0, &created);
	*v |= (uintptr_t)BIT(role);
	P->roles[role].nmembers++;
}

static struct pol_role *role(int i, const char *name, uint64_t may_read, uint64_t purposes, const char *hours)
{
	struct pol_role *r = &P->roles[i];
	r->name = name;
	r->may_read = may_read;
	r->purposes = purposes;
	r->reason_required = true;
	if (hours) {
		struct diag err = { "" };
		ck_assert_msg(tz_hours_parse(sv_cstr(hours), &r->hours, &err) == 0, "%s", err.msg);
		r->has_hours = true;
	}
	return r;
}

static const char tickets[] =
	"id,subject,assignee,opened,closed\n"
	"TICKET-88,4711,mrossi,2026-11-27T08:00:00Z,2026-11-27T12:00:00Z\n"
	"TICKET-89,4711,jdoe,2026-11-20T00:00:00Z,\n"
	"TICKET-90,5000,mrossi,2026-11-01T00:00:00Z,\n"
	"CASE-7,6000,mrossi,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n"
	"CASE-8,6000,mrossi,2026-11-26T00:00:00Z,2026-11-28T00:00:00Z\n"
	"TICKET-91,7000,mrossi,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n";

static void setup(void)
{
	P = calloc(1, sizeof(*P));
	struct arena *a = &P->arena;

	P->ncategories = NCAT;
	P->categories = arena_alloc(a, NCAT * sizeof(*P->categories));
	category(CAT_IDENT, "identification", false, "", "^/api/v\\d+/customers/(?<subject>\\d+)/profile", NULL, NULL);
	/* The list pattern first: a later pattern of the category still gives the subject. */
	category(CAT_EMAIL, "email", false, "resource", "[?&]fields=[^&]*\\bemail\\b",
		 "resource", "^/api/v\\d+/customers/(?<subject>\\d+)/email\\b");
	category(CAT_USERNAME, "username", false, "", "^/api/v\\d+/customers/(?<subject>\\d+)/account", NULL, NULL);
	category(CAT_DEVICE, "device", false, "", "^/api/v\\d+/customers/(?<subject>\\d+)/devices",
		 "", "^/api/v\\d+/licenses/");
	category(CAT_HEALTH, "health", true, "", "^/api/v\\d+/customers/(?<subject>\\d+)/health", NULL, NULL);
	category(CAT_RECORDS, "records", false, "statement", "(?i)\\bfrom\\s+customers\\b", "table", "^customers$");

	P->npurposes = NPU;
	P->purposes = arena_alloc(a, NPU * sizeof(*P->purposes));
	purpose(PU_SUPPORT, "support", "^(?:TICKET|CASE)-\\d+$", 0, true, false);
	purpose(PU_MARKETING, "marketing", "^CAMPAIGN-\\d+$", -1, false, true);
	purpose(PU_CLOUD, "cloud", "^OPS-\\d+$", -1, false, false);
	purpose(PU_LEGAL, "legal", "^LEGAL-\\d+$", -1, false, false);
	purpose(PU_ESCALATION, "escalation", "^(?:TICKET|ESC)-\\d+$", -1, false, false);

	P->nroles = NRO;
	P->roles = arena_alloc(a, NRO * sizeof(*P->roles));
	struct pol_role *r = role(RO_SUPPORT, "support-agent",
				  BIT(CAT_IDENT) | BIT(CAT_EMAIL) | BIT(CAT_USERNAME) | BIT(CAT_DEVICE),
				  BIT(PU_SUPPORT), "Mon-Fri 07:00-20:00 Europe/Rome");
	r->max_subjects = 40;
	r->max_window = 3600;
	role(RO_MARKETING, "marketing", BIT(CAT_IDENT) | BIT(CAT_EMAIL), BIT(PU_MARKETING),
	     "Mon-Fri 08:00-19:00 America/New_York");
	r = role(RO_OFFICER, "privacy-officer", 0, 0, NULL);
	r->may_read_all = r->purposes_all = true;
	r = role(RO_CLOUD, "cloud-ops", BIT(CAT_USERNAME) | BIT(CAT_DEVICE), BIT(PU_CLOUD), NULL);
	r->reason_required = false;
	role(RO_ESCALATION, "escalation", BIT(CAT_EMAIL), BIT(PU_ESCALATION), NULL);
	r = role(RO_SUBCONTRACTOR, "subcontractor", BIT(CAT_EMAIL) | BIT(CAT_DEVICE), BIT(PU_SUPPORT), NULL);
	r->member_globs = arena_alloc(a, sizeof(*r->member_globs));
	r->member_globs[0] = "vendor-*";
	r->nmember_globs = 1;
	member("mrossi", RO_SUPPORT);
	member("jdoe", RO_SUPPORT);
	member("cmartin", RO_MARKETING);
	member("dklein", RO_OFFICER);
	member("rpatel", RO_CLOUD);
	member("ehansen", RO_ESCALATION);

	char *path = tu_write_tmp(tickets, strlen(tickets));
	struct diag err = { "" };
	P->nevidence = 1;
	P->evidence = arena_alloc(a, sizeof(*P->evidence));
	P->evidence[0].name = "tickets";
	P->evidence[0].key = "id";
	P->evidence[0].index = evd_load(path, "id", &err);
	ck_assert_msg(P->evidence[0].index != NULL, "%s", err.msg);
	unlink(path);
	free(path);

	strmap_put(&P->optout, SV_LIT("4711"), 0, NULL);
	P->napproved = 2;
	P->approved = arena_alloc(a, 2 * sizeof(*P->approved));
	P->approved[0] = rx("^https://crm\\.example-processor\\.eu/");
	P->approved[1] = rx("^https://mail\\.example-sender\\.eu/");

	P->nchecks = NCK;
	P->checks = arena_alloc(a, NCK * sizeof(*P->checks));
	for (int i = 0; i < CHK_BUILTIN_COUNT; i++) {
		const struct chk_info *ci = chk_info((enum chk_id)i);
		P->checks[i] = (struct pol_check){ .id = ci->id, .severity = ci->severity, .enabled = true,
						   .builtin = true, .principles = ci->principles };
	}
	P->checks[CHK_FAILED_ACCESS_BURST].threshold_n = 20;
	P->checks[CHK_FAILED_ACCESS_BURST].threshold_window = 600;

	struct pol_check *c = &P->checks[CK_HEALTH_EXPORT];
	c->id = "health-export";
	c->severity = SEV_HIGH;
	c->enabled = true;
	c->message = "{user} ({role}) exported {category} of subject {subject} to {dst}{nosuch}";
	c->nmatchers = 3;
	c->matchers = arena_alloc(a, 3 * sizeof(*c->matchers));
	c->matchers[0] = (struct pol_cmatch){ .kind = PCM_CATEGORY, .categories = BIT(CAT_HEALTH) };
	c->matchers[1] = (struct pol_cmatch){ .kind = PCM_ACTION, .action = EV_EXPORT };
	c->matchers[2] = (struct pol_cmatch){ .kind = PCM_FIELD, .field = SV_LIT("dst"), .rx = rx("^https://") };

	c = &P->checks[CK_DKLEIN];	/* would match every dklein event, but is disabled */
	c->id = "officer-activity";
	c->severity = SEV_LOW;
	c->enabled = false;
	c->message = "officer";
	c->nmatchers = 1;
	c->matchers = arena_alloc(a, sizeof(*c->matchers));
	c->matchers[0] = (struct pol_cmatch){ .kind = PCM_FIELD, .field = SV_LIT("user"), .rx = rx("^dklein$") };

	E = eng_new(P, &err);
	ck_assert_msg(E != NULL, "%s", err.msg);
	T = eng_thread_new(E);
	ck_assert_ptr_nonnull(T);
}

static void teardown(void)
{
	eng_thread_free(T);
	eng_free(E);
	policy_free(P);
}

/* ---- one event, the findings it gives ------------------------------------ */

#define R "/api/v1/customers/"
#define FRI "2026-11-27T10:00:00Z"	/* Friday 11:00 in Rome, 05:00 in New York */
#define NY "2026-11-27T15:00:00Z"	/* 10:00 in New York */

struct row {
	const char *name, *user;
	enum ev_action action;
	const char *resource, *reason, *time;
	int status;		/* 0: 200 */
	const char *scheme;
	int port;		/* 0: unknown */
	const char *dst;
	int disable;		/* a check to disable for this row, or 0 */
	const char *expect;	/* check ids, any order, space separated */
};

static const struct row rows[] = {
	/* semantics 5: a reason backed by a ticket */
	{ "verified ticket", "mrossi", EV_READ, R "4711/email", "TICKET-88", FRI, 0, 0, 0, 0, 0, "" },
	{ "at the instant the ticket opens", "mrossi", EV_READ, R "4711/email", "TICKET-88", "2026-11-27T08:00:00Z", 0, 0, 0, 0, 0, "" },
	{ "at the instant the ticket closes", "mrossi", EV_READ, R "4711/email", "TICKET-88", "2026-11-27T12:00:00Z", 0, 0, 0, 0, 0, "" },
	{ "a second after close", "mrossi", EV_READ, R "4711/email", "TICKET-88", "2026-11-27T12:00:01Z", 0, 0, 0, 0, 0, "reason-unverified" },
	{ "a second before open", "mrossi", EV_READ, R "4711/email", "TICKET-88", "2026-11-27T07:59:59Z", 0, 0, 0, 0, 0, "reason-unverified" },
	{ "half a second after close", "mrossi", EV_READ, R "4711/email", "TICKET-88", "2026-11-27T12:00:00.5Z", 0, 0, 0, 0, 0, "reason-unverified" },
	{ "a nanosecond before open", "mrossi", EV_READ, R "4711/email", "TICKET-88", "2026-11-27T07:59:59.999999999Z", 0, 0, 0, 0, 0, "reason-unverified" },
	/* semantics 2: the resource as a server resolves it */
	{ "an encoded, dotted, doubled path is the same read", "mrossi", EV_READ, "//api/./x/../v1/customers/4711/%65mail;jsessionid=1", "TICKET-88", FRI, 0, 0, 0, 0, 0, "" },
	{ "an encoded path without a reason is still judged", "mrossi", EV_READ, "/api/v1/customers/4711/%65mail", "TICKET-999", FRI, 0, 0, 0, 0, 0, "reason-unverified" },
	{ "ticket assigned to another user", "mrossi", EV_READ, R "4711/email", "TICKET-89", FRI, 0, 0, 0, 0, 0, "reason-unverified" },
	{ "ticket for another subject", "mrossi", EV_READ, R "4711/email", "TICKET-90", FRI, 0, 0, 0, 0, 0, "reason-unverified" },
	{ "no such ticket", "mrossi", EV_READ, R "4711/email", "TICKET-999", FRI, 0, 0, 0, 0, 0, "reason-unverified" },
	{ "list query with a ticket: no subject", "mrossi", EV_READ, "/api/v1/customers?fields=email", "TICKET-88", FRI, 0, 0, 0, 0, 0, "reason-unverified" },
	{ "CASE- reason verified", "mrossi", EV_READ, R "6000/email", "CASE-8", FRI, 0, 0, 0, 0, 0, "" },
	/* semantics 5: inference */
	{ "no reason, one of several tickets open", "mrossi", EV_READ, R "6000/email", "", FRI, 0, 0, 0, 0, 0, "" },
	{ "no reason, only a closed ticket", "mrossi", EV_READ, R "7000/email", "", FRI, 0, 0, 0, 0, 0, "no-business-reason" },
	{ "no reason, the ticket is another user's", "jdoe", EV_READ, R "6000/email", "", FRI, 0, 0, 0, 0, 0, "no-business-reason" },
	{ "no reason, no subject", "mrossi", EV_READ, "/api/v1/customers?fields=email", "", FRI, 0, 0, 0, 0, 0, "no-business-reason" },
	{ "reason names no purpose", "mrossi", EV_READ, R "4711/email", "because", FRI, 0, 0, 0, 0, 0, "no-business-reason" },
	{ "reason of another purpose", "mrossi", EV_READ, R "1234/email", "CAMPAIGN-1", FRI, 0, 0, 0, 0, 0, "reason-not-for-role" },
	/* semantics 5: file order */
	{ "two purposes match: the first wins", "ehansen", EV_READ, R "4711/email", "TICKET-88", FRI, 0, 0, 0, 0, 0, "reason-not-for-role" },
	{ "only the later purpose matches", "ehansen", EV_READ, R "4711/email", "ESC-1", FRI, 0, 0, 0, 0, 0, "" },
	/* semantics 6 */
	{ "opt-out, whatever the role", "mrossi", EV_READ, R "4711/email", "CAMPAIGN-1", FRI, 0, 0, 0, 0, 0, "reason-not-for-role optout-violation" },
	{ "marketing on an opted-out subject", "cmartin", EV_READ, R "4711/email", "CAMPAIGN-1", NY, 0, 0, 0, 0, 0, "optout-violation" },
	{ "marketing on another subject", "cmartin", EV_READ, R "1234/email", "CAMPAIGN-1", NY, 0, 0, 0, 0, 0, "" },
	/* semantics 6: any successful use, not only a read */
	{ "a campaign write to an opted-out subject", "cmartin", EV_WRITE, R "4711/email", "CAMPAIGN-1", NY, 201, 0, 0, 0, 0, "optout-violation" },
	{ "a delete under marketing", "cmartin", EV_DELETE, R "4711/email", "CAMPAIGN-1", NY, 0, 0, 0, 0, 0, "optout-violation" },
	{ "a write by a user with no role", "bsmith", EV_WRITE, R "4711/email", "CAMPAIGN-1", NY, 0, 0, 0, 0, 0, "optout-violation" },
	{ "a failed write used nothing", "cmartin", EV_WRITE, R "4711/email", "CAMPAIGN-1", NY, 500, 0, 0, 0, 0, "" },
	{ "a write to a subject who did not opt out", "cmartin", EV_WRITE, R "1234/email", "CAMPAIGN-1", NY, 0, 0, 0, 0, 0, "" },
	/* semantics 4 */
	{ "sensitive category the role lacks", "mrossi", EV_READ, R "4711/health", "TICKET-88", FRI, 0, 0, 0, 0, 0, "sensitive-data-access" },
	{ "category the role lacks", "cmartin", EV_READ, R "1234/devices", "CAMPAIGN-1", NY, 0, 0, 0, 0, 0, "role-not-permitted" },
	{ "two categories the role lacks", "rpatel", EV_READ, R "1234/profile?fields=email", "", FRI, 0, 0, 0, 0, 0, "role-not-permitted role-not-permitted" },
	{ "may-read = *", "dklein", EV_READ, R "4711/health", "LEGAL-1", FRI, 0, 0, 0, 0, 0, "" },
	{ "may-read = *, no reason", "dklein", EV_READ, R "4711/health", "", FRI, 0, 0, 0, 0, 0, "no-business-reason" },
	{ "purposes = *, ticket still verified", "dklein", EV_READ, R "4711/email", "TICKET-88", FRI, 0, 0, 0, 0, 0, "reason-unverified" },
	{ "reason-required = no", "rpatel", EV_READ, R "4711/account", "", FRI, 0, 0, 0, 0, 0, "" },
	{ "reason-required = no, still opt-out", "rpatel", EV_READ, R "4711/account", "CAMPAIGN-2", FRI, 0, 0, 0, 0, 0, "optout-violation" },
	{ "glob member", "vendor-acme", EV_READ, R "6000/email", "", FRI, 0, 0, 0, 0, 0, "no-business-reason" },
	/* semantics 3 */
	{ "anonymous: only unauthenticated-access", "-", EV_READ, R "4711/health", "CAMPAIGN-1", "2026-11-28T03:00:00Z", 0, "http", 0, 0, 0, "unauthenticated-access" },
	{ "empty user", "", EV_READ, R "4711/email", "", FRI, 0, 0, 0, 0, 0, "unauthenticated-access" },
	{ "unknown user: only unknown-identity", "bsmith", EV_READ, R "4711/health", "CAMPAIGN-1", "2026-11-28T03:00:00Z", 0, "http", 0, 0, 0, "unknown-identity" },
	{ "anonymous export: nothing else", "-", EV_EXPORT, R "4711/email", "", FRI, 0, 0, 0, "https://evil.example.com/", 0, "unauthenticated-access" },
	/* semantics 1 and 3: not a personal-data read */
	{ "403: nothing", "mrossi", EV_READ, R "4711/health", "", "2026-11-28T03:00:00Z", 403, 0, 0, 0, 0, "" },
	{ "404 anonymous: nothing", "-", EV_READ, R "4711/email", "", FRI, 404, 0, 0, 0, 0, "" },
	{ "a write is no read", "mrossi", EV_WRITE, R "4711/email", "", FRI, 0, 0, 0, 0, 0, "" },
	{ "no category", "bsmith", EV_READ, "/api/v1/products/1", "", FRI, 0, "http", 0, 0, 0, "" },
	/* semantics 7: Rome is UTC+1 in November */
	{ "a second before hours", "jdoe", EV_READ, R "4711/email", "TICKET-89", "2026-11-27T05:59:59Z", 0, 0, 0, 0, 0, "off-hours-access" },
	{ "the from time is inside", "jdoe", EV_READ, R "4711/email", "TICKET-89", "2026-11-27T06:00:00Z", 0, 0, 0, 0, 0, "" },
	{ "a second before the until time", "jdoe", EV_READ, R "4711/email", "TICKET-89", "2026-11-27T18:59:59Z", 0, 0, 0, 0, 0, "" },
	{ "the until time is outside", "jdoe", EV_READ, R "4711/email", "TICKET-89", "2026-11-27T19:00:00Z", 0, 0, 0, 0, 0, "off-hours-access" },
	{ "Saturday", "jdoe", EV_READ, R "4711/email", "TICKET-89", "2026-11-28T10:00:00Z", 0, 0, 0, 0, 0, "off-hours-access" },
	{ "New York hours", "cmartin", EV_READ, R "1234/email", "CAMPAIGN-1", FRI, 0, 0, 0, 0, 0, "off-hours-access" },
	{ "off-hours disabled", "jdoe", EV_READ, R "4711/email", "TICKET-89", "2026-11-28T10:00:00Z", 0, 0, 0, 0, CHK_OFF_HOURS_ACCESS, "" },
	/* insecure transport */
	{ "plain http", "jdoe", EV_READ, R "4711/email", "TICKET-89", FRI, 0, "http", 0, 0, 0, "insecure-transport" },
	{ "port 80", "jdoe", EV_READ, R "4711/email", "TICKET-89", FRI, 0, 0, 80, 0, 0, "insecure-transport" },
	{ "https", "jdoe", EV_READ, R "4711/email", "TICKET-89", FRI, 0, "https", 443, 0, 0, "" },
	{ "http but no personal data", "jdoe", EV_READ, "/static/app.js", "", FRI, 0, "http", 80, 0, 0, "" },
	/* semantics 9 */
	{ "export to an approved recipient", "mrossi", EV_EXPORT, "/api/v1/exports/customers", "", FRI, 0, 0, 0, "https://crm.example-processor.eu/in", 0, "" },
	{ "export to another recipient", "mrossi", EV_EXPORT, "/api/v1/exports/customers", "", FRI, 0, 0, 0, "https://evil.example.com/crm.example-processor.eu/", 0, "unapproved-transfer" },
	{ "failed export", "mrossi", EV_EXPORT, "/api/v1/exports/customers", "", FRI, 500, 0, 0, "https://evil.example.com/", 0, "" },
	{ "transfer", "rpatel", EV_TRANSFER, "/api/v1/exports/customers", "", FRI, 0, 0, 0, "sftp://backup.example.com/", 0, "unapproved-transfer" },
	{ "export without dst", "mrossi", EV_EXPORT, "/api/v1/exports/customers", "", FRI, 0, 0, 0, 0, 0, "" },
	{ "export by an unknown user, no personal data", "bsmith", EV_EXPORT, "/api/v1/exports/customers", "", FRI, 0, 0, 0, "https://evil.example.com/", 0, "unapproved-transfer" },
	{ "a read is no transfer", "mrossi", EV_READ, "/api/v1/products/1", "", FRI, 0, 0, 0, "https://evil.example.com/", 0, "" },
	{ "unapproved-transfer disabled", "mrossi", EV_EXPORT, "/api/v1/exports/customers", "", FRI, 0, 0, 0, "https://evil.example.com/", CHK_UNAPPROVED_TRANSFER, "" },
	/* custom checks: all matchers must hold */
	{ "custom check: all hold", "dklein", EV_EXPORT, R "4711/health", "LEGAL-1", FRI, 0, 0, 0, "https://crm.example-processor.eu/", 0, "health-export" },
	{ "custom check and unapproved", "dklein", EV_EXPORT, R "4711/health", "LEGAL-1", FRI, 0, 0, 0, "https://evil.example.com/", 0, "health-export unapproved-transfer" },
	{ "custom check: field fails", "dklein", EV_EXPORT, R "4711/health", "LEGAL-1", FRI, 0, 0, 0, "http://crm.example-processor.eu/", 0, "unapproved-transfer" },
	{ "custom check: action fails", "dklein", EV_READ, R "4711/health", "LEGAL-1", FRI, 0, 0, 0, "https://crm.example-processor.eu/", 0, "" },
	{ "custom check: category fails", "dklein", EV_EXPORT, R "4711/email", "LEGAL-1", FRI, 0, 0, 0, "https://crm.example-processor.eu/", 0, "" },
	{ "custom check disabled", "dklein", EV_EXPORT, R "4711/health", "LEGAL-1", FRI, 0, 0, 0, "https://crm.example-processor.eu/", CK_HEALTH_EXPORT, "" },
};

static void make_event(struct event *ev, const struct row *r)
{
	ev_reset(ev);
	ev->f[EVF_USER] = sv_cstr(r->user);
	ev->action = r->action;
	ev->f[EVF_RESOURCE] = sv_cstr(r->resource);
	ev->f[EVF_REASON] = sv_cstr(r->reason);
	struct tu_stamp ts;
	ck_assert_msg(tu_parse_iso8601_ts(sv_cstr(r->time), &ts), "bad test time %s", r->time);
	ev->time = ts.sec;
	ev->nsec = ts.nsec;	/* the fraction counts (SPEC §4, after the semantics) */
	ev->has_time = true;
	ev->status = r->status ? r->status : 200;
	ev->f[EVF_SCHEME] = sv_cstr(r->scheme);
	ev->port = r->port ? r->port : -1;
	ev->f[EVF_DST] = sv_cstr(r->dst);
	ev->file = 0;
	ev->line = 7;
	ev->raw = SV_LIT("10.0.0.7 - user [27/Nov/2026:10:00:00 +0000] \"GET /x HTTP/1.1\" 200 71");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, space-joined check ids. */
static void joined(const char **ids, size_t n, char *out, size_t cap)
{
	qsort(ids, n, sizeof(*ids), cmp_str);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", ids[i]);
}

static void judge_row(const struct row *r, struct fnd_list *out, struct eng_verdict *v)
{
	struct event ev;
	make_event(&ev, r);
	eng_classify(E, &ev, T);
	eng_judge(E, &ev, T, out, NULL, v);
}

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	if (r->disable)
		P->checks[r->disable].enabled = false;
	struct fnd_list out = FND_LIST_INIT;
	struct eng_verdict v;
	judge_row(r, &out, &v);

	const char *got[32], *want[32];
	size_t ngot = 0, nwant = 0;
	for (size_t i = 0; i < out.n && ngot < 32; i++)
		got[ngot++] = P->checks[out.v[i].check].id;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", r->expect);
	for (char *p = buf; *p && nwant < 32;) {
		want[nwant++] = p;
		p += strcspn(p, " ");
		if (*p)
			*p++ = '\0';
	}
	char sgot[512], swant[512];
	joined(got, ngot, sgot, sizeof(sgot));
	joined(want, nwant, swant, sizeof(swant));
	ck_assert_msg(strcmp(sgot, swant) == 0, "%s: got [%s], want [%s]", r->name, sgot, swant);

	/* Every finding: the event's place, a reason why, the configured severity. */
	uint32_t fired = 0;
	for (size_t i = 0; i < out.n; i++) {
		const struct finding *f = &out.v[i];
		ck_assert_uint_eq(f->line, 7);
		ck_assert(f->detail.n > 0);
		ck_assert(f->evidence.n > 0);
		ck_assert_int_eq(f->severity, P->checks[f->check].severity);
		ck_assert(f->has_time);
		if (f->check < CHK_BUILTIN_COUNT)
			fired |= 1u << f->check;
	}
	ck_assert_uint_eq(v.fired, fired);
	fnd_release(&out);
}
END_TEST

/* ---- classification -------------------------------------------------------- */

static const struct {
	const char *resource, *subject_in, *statement, *table;
	enum ev_action action;
	int status;
	uint64_t cats;
	const char *subject;
	bool pd_read;
} class_rows[] = {
	{ R "4711/email", "", "", "", EV_READ, 200, BIT(CAT_EMAIL), "4711", true },
	{ "/api/v1/customers?fields=name,email", "", "", "", EV_READ, 200, BIT(CAT_EMAIL), "", true },
	/* the first email pattern has no subject group: the second still gives one */
	{ R "4711/email?fields=email", "", "", "", EV_READ, 200, BIT(CAT_EMAIL), "4711", true },
	{ R "4711/profile?fields=email", "", "", "", EV_READ, 200, BIT(CAT_IDENT) | BIT(CAT_EMAIL), "4711", true },
	{ "/api/v1/licenses/SN-1", "", "", "", EV_READ, 200, BIT(CAT_DEVICE), "", true },
	{ R "55/devices/SN-1", "", "", "", EV_EXPORT, 200, BIT(CAT_DEVICE), "55", true },
	{ "/api/v1/products/1", "", "", "", EV_READ, 200, 0, "", false },
	{ R "4711/emails", "", "", "", EV_READ, 200, 0, "", false },	/* \b */
	{ R "4711/email", "9999", "", "", EV_READ, 200, BIT(CAT_EMAIL), "9999", true },	/* the format's subject wins */
	{ R "4711/email", "", "", "", EV_WRITE, 200, BIT(CAT_EMAIL), "4711", false },
	{ R "4711/email", "", "", "", EV_READ, 403, BIT(CAT_EMAIL), "4711", false },
	{ R "4711/email", "", "", "", EV_READ, 399, BIT(CAT_EMAIL), "4711", true },
	{ "public.customers", "", "SELECT name FROM customers WHERE id = 1", "", EV_READ, -1, BIT(CAT_RECORDS), "", true },
	{ "public.customers", "", "", "customers", EV_READ, -1, BIT(CAT_RECORDS), "", true },
	{ "public.customers", "", "", "customers_archive", EV_READ, -1, 0, "", false },
	{ "", "", "", "", EV_READ, 200, 0, "", false },
	/* the prefixes are tested on the normalised resource */
	{ "//api/v1/customers/4711/%65mail", "", "", "", EV_READ, 200, BIT(CAT_EMAIL), "4711", true },
	{ "/api/v1/./customers/4711/health", "", "", "", EV_READ, 200, BIT(CAT_HEALTH), "4711", true },
	{ "/ap", "", "", "", EV_READ, 200, 0, "", false },	/* shorter than every prefix */
};

START_TEST(test_classify)
{
	struct event ev;
	ev_reset(&ev);
	ev.f[EVF_RESOURCE] = sv_cstr(class_rows[_i].resource);
	ev.f[EVF_SUBJECT] = sv_cstr(class_rows[_i].subject_in);
	ev.f[EVF_STATEMENT] = sv_cstr(class_rows[_i].statement);
	if (*class_rows[_i].table)
		ev_add_extra(&ev, SV_LIT("table"), sv_cstr(class_rows[_i].table));
	ev.action = class_rows[_i].action;
	ev.status = class_rows[_i].status;
	eng_classify(E, &ev, T);
	ck_assert_msg(ev.categories == class_rows[_i].cats, "row %d: categories %llx", _i,
		      (unsigned long long)ev.categories);
	ck_assert_msg(sv_eq_cstr(ev.f[EVF_SUBJECT], class_rows[_i].subject), "row %d: subject '%.*s'", _i,
		      (int)ev.f[EVF_SUBJECT].n, ev.f[EVF_SUBJECT].p);
	ck_assert_int_eq(ev.pd_read, class_rows[_i].pd_read);
}
END_TEST

/*
 * More distinct literal prefixes than the engine tests once per event (64):
 * the patterns past them test their own prefix, with the same result.  One
 * category of n patterns "^/pNN/(?<subject>\d+)$", one per prefix, then a
 * second pattern "^/pNN/x" per prefix.  With n = 70 there are 140 prefixes;
 * with n = 3, 6, all tested once per event (an event with none of them
 * skips every pattern).
 */
static const struct {
	const char *resource, *subject;
	uint64_t cats, cats_few;	/* with 70 patterns, with 3 */
} prefix_cases[] = {
	{ "/p00/1", "1", 1, 1 }, { "/p02/x", "", 1, 1 }, { "/p63/2", "2", 1, 0 },
	{ "/p64/3", "3", 1, 0 }, { "/p69/4", "4", 1, 0 }, { "/p69/x", "", 1, 0 },
	{ "/p05/x", "", 1, 0 }, { "/p70/5", "", 0, 0 }, { "/p6/6", "", 0, 0 },
	{ "/q00/7", "", 0, 0 }, { "/p69", "", 0, 0 }, { "/p0", "", 0, 0 }, { "", "", 0, 0 },
};

START_TEST(test_classify_prefixes)
{
	int n = _i ? 3 : 70;
	struct policy *p = calloc(1, sizeof(*p));
	p->ncategories = 1;
	p->categories = arena_alloc(&p->arena, sizeof(*p->categories));
	struct pol_category *c = &p->categories[0];
	c->name = "many";
	c->matchers = arena_alloc(&p->arena, 2 * (size_t)n * sizeof(*c->matchers));
	for (int i = 0; i < 2 * n; i++) {
		char pat[64];
		if (i < n)
			snprintf(pat, sizeof(pat), "^/p%02d/(?<subject>\\d+)$", i);
		else
			snprintf(pat, sizeof(pat), "^/p%02d/x", i - n);
		struct pol_matcher *m = &c->matchers[c->nmatchers++];
		m->field = SV_LIT("");
		m->rx = rx(pat);
		m->subject_group = rx_group_index(m->rx, "subject");
		ck_assert_uint_gt(m->rx->nprefix, 0);
	}
	struct diag err = { "" };
	struct eng *e = eng_new(p, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	struct eng_thread *t = eng_thread_new(e);
	for (size_t k = 0; k < sizeof(prefix_cases) / sizeof(prefix_cases[0]); k++) {
		uint64_t want = _i ? prefix_cases[k].cats_few : prefix_cases[k].cats;
		struct event ev;
		ev_reset(&ev);
		ev.f[EVF_RESOURCE] = sv_cstr(prefix_cases[k].resource);
		ev.action = EV_READ;
		ev.status = 200;
		eng_classify(e, &ev, t);
		ck_assert_msg(ev.categories == want, "%d patterns, %s: categories %llx", n,
			      prefix_cases[k].resource, (unsigned long long)ev.categories);
		ck_assert_msg(sv_eq_cstr(ev.f[EVF_SUBJECT], want ? prefix_cases[k].subject : ""),
			      "%s: subject '%.*s'", prefix_cases[k].resource, (int)ev.f[EVF_SUBJECT].n,
			      ev.f[EVF_SUBJECT].p);
		ck_assert_int_eq(ev.pd_read, want != 0);
	}
	eng_thread_free(t);
	eng_free(e);
	policy_free(p);
}
END_TEST

/*
 * Classify resource res as a read with both engines of x: the categories
 * and the subject must agree.  Returns the event of the one with prefilters.
 */
/* A policy made with prefilters ([0]) and without ([1]), their engines and threads. */
struct eng_pair {
	struct policy *p[2];
	struct eng *e[2];
	struct eng_thread *t[2];
};

static void pair_open(struct eng_pair *x, struct policy *(*make)(bool plain))
{
	struct diag err = { "" };
	for (int i = 0; i < 2; i++) {
		x->p[i] = make(i == 1);
		x->e[i] = eng_new(x->p[i], &err);
		ck_assert_msg(x->e[i] != NULL, "%s", err.msg);
		x->t[i] = eng_thread_new(x->e[i]);
	}
}

static void pair_close(struct eng_pair *x)
{
	for (int i = 0; i < 2; i++) {
		eng_thread_free(x->t[i]);
		eng_free(x->e[i]);
		policy_free(x->p[i]);
	}
}

static struct event classify_both(struct eng_pair *x, sv res)
{
	struct eng *a = x->e[0], *z = x->e[1];
	struct eng_thread *ta = x->t[0], *tz = x->t[1];
	struct event ea, ez;
	ev_reset(&ea);
	ev_reset(&ez);
	ea.f[EVF_RESOURCE] = ez.f[EVF_RESOURCE] = res;
	ea.action = ez.action = EV_READ;
	ea.status = ez.status = 200;
	eng_classify(a, &ea, ta);
	eng_classify(z, &ez, tz);
	ck_assert_msg(ea.categories == ez.categories, "'%.*s': %llx, want %llx", (int)res.n, res.p,
		      (unsigned long long)ea.categories, (unsigned long long)ez.categories);
	ck_assert_msg(sv_eq(ea.f[EVF_SUBJECT], ez.f[EVF_SUBJECT]), "'%.*s': subject '%.*s'", (int)res.n,
		      res.p, (int)ea.f[EVF_SUBJECT].n, ea.f[EVF_SUBJECT].p);
	return ea;
}

/*
 * eng_classify() visits only the candidates of an event (the matchers
 * without a prefix, and those whose prefix the resource has), in policy
 * order across 64-matcher words.  Against an engine whose matchers have no
 * prefilter at all: category "a" holds "^/pNN/(?<subject>\d+)" then, later,
 * "^/pNN/\d(?<subject>\d+)" (the first that matches names the subject, so
 * the order shows), category "b" "^/pNN/1"; every third matcher of the
 * tested engine is without its prefix (ungated), the rest gated.
 */
#define CAND_N 40

static struct policy *cand_policy(bool plain)
{
	struct policy *p = calloc(1, sizeof(*p));
	p->ncategories = 2;
	p->categories = arena_alloc(&p->arena, 2 * sizeof(*p->categories));
	p->categories[0].name = "a";
	p->categories[1].name = "b";
	p->categories[0].matchers = arena_alloc(&p->arena, 2 * CAND_N * sizeof(struct pol_matcher));
	p->categories[1].matchers = arena_alloc(&p->arena, CAND_N * sizeof(struct pol_matcher));
	unsigned k = 0;
	for (int i = 0; i < 3 * CAND_N; i++, k++) {
		struct pol_category *c = &p->categories[i < 2 * CAND_N ? 0 : 1];
		char pat[64];
		if (i < CAND_N)
			snprintf(pat, sizeof(pat), "^/p%02d/(?<subject>\\d+)", i);
		else if (i < 2 * CAND_N)
			snprintf(pat, sizeof(pat), "^/p%02d/\\d(?<subject>\\d+)", i - CAND_N);
		else
			snprintf(pat, sizeof(pat), "^/p%02d/1", i - 2 * CAND_N);
		struct pol_matcher *m = &c->matchers[c->nmatchers++];
		m->field = SV_LIT("");
		m->rx = rx(pat);
		m->subject_group = rx_group_index(m->rx, "subject");
		ck_assert_uint_gt(m->rx->nprefix, 0);
		if (plain || k % 3 == 0)
			rx_plain(m->rx);
	}
	return p;
}

START_TEST(test_classify_candidates)
{
	struct eng_pair x;
	pair_open(&x, cand_policy);
	static const char *const tail[] = { "123", "1", "9", "x", "", "10x" };
	char buf[32];
	unsigned hits = 0;

	for (int i = 0; i <= CAND_N; i++)
		for (size_t j = 0; j < sizeof(tail) / sizeof(tail[0]); j++) {
			snprintf(buf, sizeof(buf), "/p%02d/%s", i, tail[j]);
			struct event a = classify_both(&x, sv_cstr(buf));
			if (i < CAND_N && j == 0) {
				/* both categories, the subject of the first pattern in order */
				ck_assert_uint_eq(a.categories, 3);
				ck_assert_msg(sv_eq_cstr(a.f[EVF_SUBJECT], "123"), "%s: subject", buf);
			}
			hits += a.categories != 0;
		}
	ck_assert_uint_eq(hits, 4 * CAND_N);	/* "123", "1", "9", "10x" of each prefix */
	pair_close(&x);
}
END_TEST

/*
 * The skeleton stems (rx.h), run once per event and shared by patterns,
 * and the whole skeletons, run once per event and removing every pattern
 * of theirs that they reject, must give what each pattern alone gives: the
 * rules' own resource patterns (stems "/api/v\d+",
 * "/api/v\d+/customers/(\d+)", one stem-less pattern; the four `fields=`
 * patterns share one whole skeleton), each resource classified by an
 * engine with every prefilter and by one whose patterns have none
 * (nprefix, nskel, nstem 0), over mutated resources.
 */
static const char *const stem_pats[][2] = {
	{ "ident", "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b" },
	{ "ident", "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\b(?:name|address)\\b" },
	{ "email", "^/api/v\\d+/customers/(?<subject>\\d+)/email\\b" },
	{ "email", "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\bemail\\b" },
	{ "username", "^/api/v\\d+/customers/(?<subject>\\d+)/account\\b" },
	{ "username", "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\busername\\b" },
	{ "device", "^/api/v\\d+/customers/(?<subject>\\d+)/devices\\b" },
	{ "device", "^/api/v\\d+/licenses/[^/?]+" },
	{ "device", "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\b(?:devices|serial|model)\\b" },
	{ "export", "^customer-exports-eu/customers/(?<subject>\\d+)/" },
	{ "health", "^/api/v\\d+/customers/(\\d+)/health\\b" },
};
#define NSTEM_PATS (sizeof(stem_pats) / sizeof(stem_pats[0]))

static struct policy *stem_policy(bool plain)
{
	struct policy *p = calloc(1, sizeof(*p));
	p->ncategories = NSTEM_PATS;
	p->categories = arena_alloc(&p->arena, NSTEM_PATS * sizeof(*p->categories));
	for (size_t i = 0; i < NSTEM_PATS; i++) {
		/* consecutive rows of one name are one category */
		size_t c = 0;
		for (size_t j = 1; j <= i; j++)
			c += strcmp(stem_pats[j][0], stem_pats[j - 1][0]) != 0;
		struct pol_category *pc = &p->categories[c];
		if (!pc->matchers) {
			pc->name = stem_pats[i][0];
			pc->matchers = arena_alloc(&p->arena, 3 * sizeof(*pc->matchers));
		}
		struct pol_matcher *m = &pc->matchers[pc->nmatchers++];
		m->field = SV_LIT("");
		m->rx = rx(stem_pats[i][1]);
		m->subject_group = rx_group_index(m->rx, "subject");
		if (m->subject_group < 0 && m->rx->ngroups)
			m->subject_group = 1;
		if (plain)
			rx_plain(m->rx);
		p->ncategories = c + 1;
	}
	return p;
}

START_TEST(test_classify_stems)
{
	static const char *const base[] = {
		"/api/v1/customers/4711/profile", "/api/v2/customers/12/email?x=1",
		"/api/v10/customers/?a=1&fields=name,email", "/api/v1/licenses/AB-1",
		"/api/v1/customers?fields=username,serial", "/api/v3/customers/55/account",
		"/api/v1/customers/7/devices", "customer-exports-eu/customers/9/a.csv",
		"/api/v1/customers/3/health", "/api/v1/products/4/downloads",
	};
	static const char repl[] = "/01a?v-";
	struct eng_pair x;
	pair_open(&x, stem_policy);
	char buf[96];
	unsigned long hits = 0, tried = 0;

	ck_assert_uint_gt(x.p[0]->categories[0].matchers[0].rx->nstem, 0);
	for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
		size_t n = strlen(base[b]);
		for (size_t at = 0; at <= n; at++)
			for (size_t r = 0; r < sizeof(repl); r++)
				for (int ins = 0; ins < 2; ins++) {
					/* replace (or, past repl, delete) the byte at, or insert before it */
					if (!ins && at == n)
						continue;
					size_t m = at;
					memcpy(buf, base[b], at);
					if (r < sizeof(repl) - 1)
						buf[m++] = repl[r];
					else if (ins)
						continue;
					size_t rest = ins ? at : at + 1;
					memcpy(buf + m, base[b] + rest, n - rest);
					m += n - rest;
					struct event a = classify_both(&x, sv_make(buf, m));
					hits += a.categories != 0;
					tried++;
				}
	}
	ck_assert_uint_gt(hits, 100);	/* the set has matches, not only misses */
	ck_assert_uint_gt(tried, hits);
	pair_close(&x);
}
END_TEST

/*
 * More distinct whole skeletons than the engine runs once per event (64),
 * over two words of matchers: the patterns past them run their own
 * skeleton (rx_match_prefixed), with the same result.  Pattern i < 70 is
 * "^/api/v\d+/cNN\b" (one stem, 70 skeletons), pattern 70 + j is
 * "^/api/v\d+/cMM\b(?:/(?<subject>\d+))?" with MM = 50 + j (the skeleton of
 * pattern MM, shared, up to 69; ten more past it), in three categories by
 * i % 3; against an engine with no prefilters.
 */
#define SKEL_N 70
#define SKEL_SHARED 30

static struct policy *skel_policy(bool plain)
{
	struct policy *p = calloc(1, sizeof(*p));
	p->ncategories = 3;
	p->categories = arena_alloc(&p->arena, 3 * sizeof(*p->categories));
	static const char *const names[] = { "a", "b", "c" };
	for (int c = 0; c < 3; c++) {
		p->categories[c].name = names[c];
		p->categories[c].matchers = arena_alloc(&p->arena, (SKEL_N + SKEL_SHARED) * sizeof(struct pol_matcher));
	}
	for (int i = 0; i < SKEL_N + SKEL_SHARED; i++) {
		char pat[64];
		if (i < SKEL_N)
			snprintf(pat, sizeof(pat), "^/api/v\\d+/c%02d\\b", i);
		else
			snprintf(pat, sizeof(pat), "^/api/v\\d+/c%02d\\b(?:/(?<subject>\\d+))?", 50 - SKEL_N + i);
		struct pol_category *c = &p->categories[i % 3];
		struct pol_matcher *m = &c->matchers[c->nmatchers++];
		m->field = SV_LIT("");
		m->rx = rx(pat);
		m->subject_group = rx_group_index(m->rx, "subject");
		ck_assert_uint_gt(m->rx->nstem, 0);
		if (plain)
			rx_plain(m->rx);
	}
	return p;
}

START_TEST(test_classify_skeletons)
{
	struct eng_pair x;
	pair_open(&x, skel_policy);
	static const char *const shape[] = {
		"/api/v1/c%02d", "/api/v22/c%02d/77", "/api/v1/c%02dx", "/api/v/c%02d",
		"/api/vx/c%02d", "/api/v1/c%02d/", "/api/v3/c%02d?q=1", "/api/v1c%02d",
	};
	char buf[48];
	unsigned hits = 0, subjects = 0;

	for (int i = 0; i < 82; i++)
		for (size_t k = 0; k < sizeof(shape) / sizeof(shape[0]); k++) {
			snprintf(buf, sizeof(buf), shape[k], i);
			struct event a = classify_both(&x, sv_cstr(buf));
			hits += a.categories != 0;
			subjects += a.f[EVF_SUBJECT].n != 0;
		}
	/* "/api/v1/cNN", ".../cNN/77", ".../cNN/", ".../cNN?q=1" of each NN < 80 */
	ck_assert_uint_eq(hits, 4 * 80);
	ck_assert_uint_eq(subjects, SKEL_SHARED);	/* "/api/v22/cMM/77" of each MM */
	pair_close(&x);
}
END_TEST

/*
 * A pattern whose skeleton is all of it (rx.h exact), or all but a last \b
 * (exact_wb), is matched without PCRE2 once its skeleton passed: the
 * answer of rx_exact_at() and every group of rx_exact_group() must be
 * PCRE2's (the same pattern without prefilters), over mutated subjects with
 * word, non-word and high bytes around the \b.
 */
static const struct {
	const char *pat;
	int exact;	/* 1 exact, 2 exact_wb, 3 exact_wb always asking PCRE2, 0 neither */
} exact_pats[] = {
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", 2 },
	{ "^/a(\\d+)/(?:\\d+)/(?P<x>\\d+)\\.b", 1 },
	{ "^/x/?y(\\d+)z", 1 },
	{ "^x\\d+ab\\b", 2 },
	{ "^a_(\\d+)-\\b", 2 },
	{ "^caf\\d+\xc3\xa9\\b", 3 },	/* exact_wb, a high byte before its \b: PCRE2 asked */
	{ "^ab\\b", 0 },		/* no more than the literal prefix */
	{ "^/p/(\\d+)\\b", 0 },		/* \b after \d+ */
	{ "^/q/\\d+x\\b-q", 0 },	/* \b not last */
	{ "^/r/\\d+x$", 0 },
	{ "^/s/(\\d+)(x)", 0 },		/* a group the skeleton does not hold */
	{ "^/t/\\d+x?", 0 },		/* a trailing optional character */
};

START_TEST(test_rx_exact_skeleton)
{
	static const char alphabet[] = "0123456789/ab_-.xyzqc\xc3\xa9\x80 P";
	static const char *const bases[] = {
		"/api/v1/customers/4711/profile", "/a12/3/456.b", "/x/y9z", "x12ab", "ab", "a_7-",
		"caf3\xc3\xa9x", "/p/12", "/q/1x-q", "/r/1x", "/s/1x", "/t/1x",
	};
	const char *pat = exact_pats[_i].pat;
	struct rx *fast = rx(pat), *slow = rx(pat);
	ck_assert_msg(fast->exact == (exact_pats[_i].exact == 1) && fast->exact_wb == (exact_pats[_i].exact >= 2),
		      "%s: exact %d, exact_wb %d", pat, fast->exact, fast->exact_wb);
	rx_plain(slow);
	struct rx_thread *t = rx_thread_new();
	unsigned seed = 99u + (unsigned)_i, hits = 0, told = 0;
	char buf[64];
	for (int k = 0; k < 20000; k++) {
		const char *b = bases[(size_t)k % (sizeof(bases) / sizeof(bases[0]))];
		size_t n = strlen(b);
		memcpy(buf, b, n);
		seed = seed * 1103515245u + 12345u;
		for (unsigned e = (seed >> 16) % 3; e > 0; e--) {	/* a third of them as they are */
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 16) % (n + 1);
			seed = seed * 1103515245u + 12345u;
			char c = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
			if (at == n || (seed >> 28) % 2) {	/* insert (or append) */
				if (n + 1 >= sizeof(buf))
					continue;
				memmove(buf + at + 1, buf + at, n - at);
				n++;
			}
			buf[at] = c;
		}
		sv subj = sv_make(buf, n);
		int z = rx_match(slow, subj, t);
		size_t end = 0;
		if (!fast->nskel)
			continue;
		if (!rx_skel_run(fast->skel, fast->nskel, subj, &end)) {
			ck_assert_msg(!z, "%s on '%.*s': the skeleton rejects a match", pat, (int)n, buf);
			continue;
		}
		int a = rx_exact_at(fast, subj, end);
		if (a < 0)
			continue;	/* PCRE2 is asked */
		told++;
		ck_assert_msg(a == z, "%s on '%.*s': %d, PCRE2 %d", pat, (int)n, buf, a, z);
		if (!a)
			continue;
		hits++;
		for (unsigned g = 0; g <= fast->ngroups; g++) {
			sv ga = rx_exact_group(fast, subj, g), gz = rx_group(t, subj, g);
			ck_assert_msg(ga.p == gz.p && ga.n == gz.n, "%s on '%.*s': group %u", pat, (int)n, buf, g);
		}
	}
	if (exact_pats[_i].exact == 1 || exact_pats[_i].exact == 2)
		ck_assert_uint_gt(hits, 100);
	else
		ck_assert_uint_eq(told, 0);
	rx_thread_free(t);
	rx_free(fast);
	rx_free(slow);
}
END_TEST

/* ---- what a finding says: details, messages, verdicts -------------------- */

static const struct {
	const char *name;	/* of a row in rows[] */
	const char *detail;	/* substring of the first finding's detail */
} detail_rows[] = {
	{ "ticket assigned to another user", "tickets TICKET-89 is assigned to jdoe, not mrossi" },
	{ "ticket for another subject", "TICKET-90 is for subject '5000', not '4711'" },
	{ "no such ticket", "TICKET-999 does not exist" },
	{ "a second after close", "is not open at 2026-11-27T12:00:01Z" },
	{ "category the role lacks", "role marketing may not read device" },
	{ "sensitive category the role lacks", "role support-agent may not read sensitive category health" },
	{ "reason of another purpose", "purpose marketing, which role support-agent does not serve" },
	{ "two purposes match: the first wins", "purpose support, which role escalation does not serve" },
	{ "reason names no purpose", "reason 'because' names no purpose" },
	{ "a second before hours", "outside role support-agent's hours Mon-Fri 07:00-20:00" },
	{ "a second before hours", "(Fri 06:59:59 local)" },
	{ "marketing on an opted-out subject", "purpose marketing honours opt-outs, and subject '4711' opted out" },
	{ "export to another recipient", "export to 'https://evil.example.com/crm.example-processor.eu/'" },
	{ "unknown user: only unknown-identity", "user bsmith is no role's member and read health" },
	{ "anonymous: only unauthenticated-access", "personal data (health) served to an anonymous request" },
	{ "custom check: all hold", "dklein (privacy-officer) exported health of subject 4711 to https://crm.example-processor.eu/" },
};

static const struct row *row_named(const char *name)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	ck_abort_msg("no row %s", name);
	return NULL;
}

START_TEST(test_details)
{
	struct fnd_list out = FND_LIST_INIT;
	judge_row(row_named(detail_rows[_i].name), &out, NULL);
	ck_assert_uint_ge(out.n, 1);
	ck_assert_msg(strstr(out.v[0].detail.p, detail_rows[_i].detail), "%s: detail '%s'",
		      detail_rows[_i].name, out.v[0].detail.p);
	fnd_release(&out);
}
END_TEST

START_TEST(test_finding_fields)
{
	struct fnd_list out = FND_LIST_INIT;
	judge_row(row_named("two categories the role lacks"), &out, NULL);
	ck_assert_uint_eq(out.n, 2);
	/* One finding per category, each about that category alone. */
	uint64_t cats = out.v[0].categories | out.v[1].categories;
	ck_assert(cats == (BIT(CAT_IDENT) | BIT(CAT_EMAIL)));
	ck_assert(out.v[0].categories != out.v[1].categories);
	ck_assert(sv_eq_cstr(out.v[0].user, "rpatel"));
	ck_assert(sv_eq_cstr(out.v[0].role, "cloud-ops"));
	ck_assert(sv_eq_cstr(out.v[0].subject, "1234"));
	ck_assert(sv_eq_cstr(out.v[0].resource, R "1234/profile?fields=email"));
	fnd_release(&out);
}
END_TEST

START_TEST(test_verdicts)
{
	struct eng_verdict v;
	struct fnd_list out = FND_LIST_INIT;

	judge_row(row_named("no reason, one of several tickets open"), &out, &v);
	ck_assert_int_eq(v.role, RO_SUPPORT);
	ck_assert(v.justified && v.inferred);
	ck_assert(sv_eq_cstr(v.justified_by, "CASE-8"));
	ck_assert_int_eq(v.purpose, -1);

	judge_row(row_named("verified ticket"), &out, &v);
	ck_assert(v.justified && !v.inferred);
	ck_assert(sv_eq_cstr(v.justified_by, "TICKET-88"));
	ck_assert_int_eq(v.purpose, PU_SUPPORT);

	judge_row(row_named("a second after close"), &out, &v);
	ck_assert(!v.justified);
	ck_assert_uint_eq(v.fired, 1u << CHK_REASON_UNVERIFIED);

	judge_row(row_named("unknown user: only unknown-identity"), &out, &v);
	ck_assert_int_eq(v.role, -1);

	judge_row(row_named("custom check: all hold"), &out, &v);
	ck_assert(v.any_custom);
	ck_assert_uint_eq(v.custom_fired[0], UINT64_C(1) << (CK_HEALTH_EXPORT - CHK_BUILTIN_COUNT));
	ck_assert_uint_eq(v.fired, 0);
	fnd_release(&out);
}
END_TEST

/*
 * The engine remembers each user's roles per thread (a direct-mapped memo
 * of 256 slots): over 600 users, so slots are shared and overwritten, in
 * three passes, members, glob members (vendor-*), unknown users, users
 * longer than a slot, with and without a claimed role, the verdict's role
 * is policy_role_of()'s every time.
 */
START_TEST(test_role_memo)
{
	static const char *const claims[] = { "", "marketing", "support-agent", "nosuch" };
	char user[128];
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < 640; i++) {
			switch (i % 5) {
			case 0: snprintf(user, sizeof(user), "%s", (const char *[]){ "mrossi", "jdoe", "cmartin", "dklein", "rpatel" }[i / 5 % 5]); break;
			/* one length, two answers: slots shared by both */
			case 1: snprintf(user, sizeof(user), "vendor-%03d", i); break;
			case 2: snprintf(user, sizeof(user), "agent-%04d", i); break;
			case 3: snprintf(user, sizeof(user), "vendor-%060d", i); break;	/* longer than a slot */
			default: snprintf(user, sizeof(user), "%054d", i); break;	/* exactly a slot */
			}
			const char *claim = claims[(i + pass) % 4];
			struct event ev;
			ev_reset(&ev);
			ev.f[EVF_USER] = sv_cstr(user);
			ev.f[EVF_ROLE] = sv_cstr(claim);
			ev.f[EVF_RESOURCE] = SV_LIT(R "4711/email");
			ev.action = EV_READ;
			ev.status = 200;
			struct fnd_list out = FND_LIST_INIT;
			struct eng_verdict v;
			eng_classify(E, &ev, T);
			eng_judge(E, &ev, T, &out, NULL, &v);
			ck_assert_msg(v.role == policy_role_of(P, sv_cstr(user), sv_cstr(claim)),
				      "pass %d, %s claiming '%s': role %d", pass, user, claim, v.role);
			fnd_release(&out);
		}
	}
}
END_TEST

/*
 * The engine remembers each reason's purpose per thread (a direct-mapped
 * memo of 256 slots): over 600 reasons of every purpose and of none, so
 * slots are shared and overwritten, reasons of exactly a slot's length and
 * longer, in three passes; the verdict's purpose is the first purpose whose
 * pattern matches, matched afresh, every time.
 */
START_TEST(test_reason_memo)
{
	struct rx_thread *fresh = rx_thread_new();
	ck_assert_ptr_nonnull(fresh);
	char reason[128];
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < 640; i++) {
			switch (i % 8) {
			case 0: snprintf(reason, sizeof(reason), "TICKET-%d", i % 37); break;
			case 1: snprintf(reason, sizeof(reason), "CAMPAIGN-%d", i); break;
			case 2: snprintf(reason, sizeof(reason), "OPS-%d", i % 11); break;
			case 3: snprintf(reason, sizeof(reason), "LEGAL-%d", i); break;
			case 4: snprintf(reason, sizeof(reason), "ESC-%d", i); break;
			case 5: snprintf(reason, sizeof(reason), "because-%d", i); break;
			case 6: snprintf(reason, sizeof(reason), "TICKET-%020d", i); break;	/* exactly a slot */
			default: snprintf(reason, sizeof(reason), "CASE-%040d", i); break;	/* longer than a slot */
			}
			int want = -1;
			for (size_t k = 0; k < P->npurposes && want < 0; k++)
				for (size_t r = 0; r < P->purposes[k].nreasons && want < 0; r++)
					if (rx_match(P->purposes[k].reasons[r], sv_cstr(reason), fresh))
						want = (int)k;
			struct event ev;
			ev_reset(&ev);
			ev.f[EVF_USER] = SV_LIT("mrossi");
			ev.f[EVF_RESOURCE] = SV_LIT(R "4711/email");
			ev.f[EVF_REASON] = sv_cstr(reason);
			ev.action = EV_READ;
			ev.status = 200;
			ev.time = 1795000000;
			ev.has_time = true;
			struct fnd_list out = FND_LIST_INIT;
			struct eng_verdict v;
			eng_classify(E, &ev, T);
			eng_judge(E, &ev, T, &out, NULL, &v);
			ck_assert_msg(v.purpose == want, "pass %d, reason %s: purpose %d, want %d", pass,
				      reason, v.purpose, want);
			fnd_release(&out);
		}
	}
	rx_thread_free(fresh);
}
END_TEST

START_TEST(test_severity_override)
{
	P->checks[CHK_OFF_HOURS_ACCESS].severity = SEV_CRITICAL;
	struct fnd_list out = FND_LIST_INIT;
	judge_row(row_named("Saturday"), &out, NULL);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(out.v[0].severity, SEV_CRITICAL);
	fnd_release(&out);
}
END_TEST

/* The claimed role field picks among the user's roles. */
START_TEST(test_claimed_role)
{
	member("jdoe", RO_MARKETING);
	struct row r = *row_named("marketing on another subject");
	r.user = "jdoe";
	struct event ev;
	make_event(&ev, &r);
	struct fnd_list out = FND_LIST_INIT;
	struct eng_verdict v;
	eng_classify(E, &ev, T);
	eng_judge(E, &ev, T, &out, NULL, &v);
	ck_assert_int_eq(v.role, RO_SUPPORT);	/* first in file order */
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(out.v[0].check, CHK_REASON_NOT_FOR_ROLE);
	fnd_release(&out);

	ev.f[EVF_ROLE] = SV_LIT("marketing");
	eng_judge(E, &ev, T, &out, NULL, &v);
	ck_assert_int_eq(v.role, RO_MARKETING);
	ck_assert_uint_eq(out.n, 0);
	fnd_release(&out);
}
END_TEST

/* ---- the windows, fed by eng_judge ---------------------------------------- */

START_TEST(test_denied_burst)
{
	for (unsigned n = 19; n <= 20; n++) {
		struct win_log *wl = win_log_new();
		struct fnd_list out = FND_LIST_INIT;
		for (unsigned k = 0; k < n; k++) {
			struct row r = *row_named("403: nothing");
			struct event ev;
			make_event(&ev, &r);
			ev.time += k * 30;	/* 19 * 30 = 570 s: within 10m */
			ev.line = k + 1;
			ev.status = k % 2 ? 401 : 403;
			eng_classify(E, &ev, T);
			eng_judge(E, &ev, T, &out, wl, NULL);
		}
		ck_assert_uint_eq(out.n, 0);	/* a denied request read nothing */
		win_evaluate(wl, P, &out);
		ck_assert_uint_eq(out.n, n == 20 ? 1 : 0);
		if (out.n) {
			ck_assert_int_eq(out.v[0].check, CHK_FAILED_ACCESS_BURST);
			ck_assert_uint_eq(out.v[0].line, 20);
			ck_assert(sv_eq_cstr(out.v[0].user, "mrossi"));
		}
		fnd_release(&out);
		win_log_free(wl);
	}
}
END_TEST

START_TEST(test_denied_by_src)
{
	struct win_log *wl = win_log_new();
	struct fnd_list out = FND_LIST_INIT;
	for (unsigned k = 0; k < 20; k++) {
		struct row r = *row_named("404 anonymous: nothing");
		struct event ev;
		make_event(&ev, &r);
		ev.status = 401;
		ev.f[EVF_SRC] = SV_LIT("203.0.113.9");
		ev.line = k + 1;
		eng_classify(E, &ev, T);
		eng_judge(E, &ev, T, &out, wl, NULL);
	}
	/* A 404 is denied nothing: it does not count. */
	struct event ev;
	make_event(&ev, row_named("404 anonymous: nothing"));
	eng_judge(E, &ev, T, &out, wl, NULL);
	ck_assert_uint_eq(win_count(wl), 20);
	win_evaluate(wl, P, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert(strstr(out.v[0].detail.p, "address 203.0.113.9"));
	fnd_release(&out);
	win_log_free(wl);
}
END_TEST

START_TEST(test_excessive)
{
	for (unsigned n = 40; n <= 41; n++) {
		struct win_log *wl = win_log_new();
		struct fnd_list out = FND_LIST_INIT;
		char res[64];
		for (unsigned k = 0; k < n; k++) {
			struct row r = *row_named("verified ticket");
			snprintf(res, sizeof(res), R "%u/email", 2000 + k);
			r.resource = res;
			struct event ev;
			make_event(&ev, &r);
			ev.time += k * 60;
			ev.line = k + 1;
			eng_classify(E, &ev, T);
			eng_judge(E, &ev, T, &out, wl, NULL);
		}
		size_t before = out.n;
		win_evaluate(wl, P, &out);
		ck_assert_uint_eq(out.n - before, n == 41 ? 1 : 0);
		if (n == 41) {
			ck_assert_int_eq(out.v[before].check, CHK_EXCESSIVE_ACCESS);
			ck_assert_uint_eq(out.v[before].line, 41);
			ck_assert(sv_eq_cstr(out.v[before].subject, "2040"));
			ck_assert(sv_eq_cstr(out.v[before].detail,
					     "read 41 distinct subjects within 1h; role support-agent allows 40"));
		}
		fnd_release(&out);
		win_log_free(wl);
	}
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_loop_test(tc, test_classify, 0, sizeof(class_rows) / sizeof(class_rows[0]));
	tcase_add_loop_test(tc, test_classify_prefixes, 0, 2);
	tcase_add_test(tc, test_classify_candidates);
	tcase_add_test(tc, test_classify_stems);
	tcase_add_test(tc, test_classify_skeletons);
	tcase_add_loop_test(tc, test_rx_exact_skeleton, 0, (int)(sizeof(exact_pats) / sizeof(exact_pats[0])));
	tcase_add_loop_test(tc, test_details, 0, sizeof(detail_rows) / sizeof(detail_rows[0]));
	tcase_add_test(tc, test_finding_fields);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_severity_override);
	tcase_add_test(tc, test_role_memo);
	tcase_add_test(tc, test_reason_memo);
	tcase_add_test(tc, test_claimed_role);
	tcase_add_test(tc, test_denied_burst);
	tcase_add_test(tc, test_denied_by_src);
	tcase_add_test(tc, test_excessive);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(engine_suite)
