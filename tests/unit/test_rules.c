/*
 * test_rules.c - the rule language (rules.c), the policy lookups (policy.c)
 * and the regex wrapper (rx.c).
 *
 * Rule files are written to a fresh temporary directory per test; errors
 * are asserted by the exact "file:line:" they name and the gist of the
 * message, since that is what a user fixing a rule file relies on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "testutil.h"

#include "evidence.h"
#include "lint.h"
#include "rules.h"
#include "rx.h"

static char tmpdir[64];

static void mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/dpfrules.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tmpdir(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of name inside the temp dir (static ring of buffers). */
static const char *tpath(const char *name)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	snprintf(b, 512, "%s/%s", tmpdir, name);
	return b;
}

static void put(const char *name, const char *content)
{
	const char *p = tpath(name);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", p);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700);	/* one level of subdirectory is all the tests need */
	}
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static struct policy *load1(const char *name, struct diag *err)
{
	const char *paths[] = { tpath(name) };
	return rules_load(paths, 1, err);
}

static const char tickets_csv[] =
	"id,subject,assignee,opened,closed\n"
	"TICKET-1,4711,mrossi,2026-11-20T09:00:00Z,\n"
	"TICKET-2,1042,jdoe,2026-11-23T08:00:00Z,2026-11-24T17:00:00Z\n";

/* ------------------------------------------------------------------ */

static const char good_rules[] =
	"# a complete policy\n"
	"[category email]   # trailing comment on a header\n"
	"description = E-mail \\# address   # comment\n"
	"resource = ^/api/v\\d+/customers/(?<subject>\\d+)/email\\b\n"
	"resource = [?&]fields=[^&]*\\bemail\\b\n"
	"\n"
	"[category health]\n"
	"sensitive = yes\n"
	"resource = ^/api/v\\d+/customers/(?<subject>\\d+)/health\n"
	"field.app = ^crm$\n"
	"\n"
	"[purpose support]\n"
	"reason = ^(?:TICKET|CASE)-\\d+$\n"
	"reason = ^INC\\#\\d+$\n"
	"evidence = tickets\n"
	"infer = on\n"
	"\n"
	"[purpose marketing]\n"
	"reason = ^CAMPAIGN-\\d+$\n"
	"honours-optout = true\n"
	"\n"
	"[role support-agent]\n"
	"members = mrossi, jdoe\n"
	"members = @staff/agents.txt\n"
	"may-read = email\n"
	"purposes = support\n"
	"hours = Mon-Fri 07:00-20:00 Europe/Rome\n"
	"max-subjects = 40/1h\n"
	"\n"
	"[role subcontractor]\n"
	"members = vendor-*  jdoe\n"
	"may-read = email health\n"
	"purposes = *\n"
	"reason-required = no\n"
	"\n"
	"[role officer]\n"
	"members = dklein\n"
	"may-read = *\n"
	"purposes = support,marketing\n"
	"\n"
	"[evidence tickets]\n"
	"file = tickets.csv\n"
	"\n"
	"[optout]\n"
	"file = optout.txt\n"
	"\n"
	"[recipients]\n"
	"approved = ^https://crm\\.example-processor\\.eu/\n"
	"approved = ^https://mail\\.example-sender\\.eu/\n"
	"\n"
	"[redact]\n"
	"pattern = \\bTW\\d{2}-\\w+\n"
	"\n"
	"[check off-hours-access]\n"
	"severity = medium\n"
	"enabled = 0\n"
	"\n"
	"[check failed-access-burst]\n"
	"threshold = 5/2m\n"
	"\n"
	"[check health-export]\n"
	"principle = Accountability for Onward Transfer, security\n"
	"severity = critical\n"
	"message = health data of {subject} sent to {dst}\n"
	"category = health\n"
	"action = export\n"
	"field.dst = ^http://\n"
	"\n"
	"[format support-api]\n"
	"field.reason = query:reason query:ticket\n"
	"pattern = ^(?<src>\\S+) \\S+ (?<user>\\S+) \\[(?<time>[^]]+)\\] \"(?<method>\\S+) (?<resource>\\S+)[^\"]*\" (?<status>\\d+) (?<bytes>\\S+)\n"
	"time-format = %d/%b/%Y:%H:%M:%S %z\n"
	"field.action = method\n"
	"read = GET HEAD\n"
	"read = OPTIONS\n"
	"write = POST,PUT\n"
	"\n"
	"[format audit-json]\n"
	"type = json\n"
	"field.user = actor.id user\n"
	"export = export\n";

START_TEST(test_good_policy)
{
	struct diag err = { "" };
	mk_tmpdir();
	put("main.rules", good_rules);
	put("staff/agents.txt", "# agents\nakowalski\n\n  lnguyen   # trailing comment\n");
	put("tickets.csv", tickets_csv);
	put("optout.txt", "# opted out\n4711\n  5528  \n");
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "load failed: %s", err.msg);

	/* categories */
	ck_assert_uint_eq(p->ncategories, 2);
	ck_assert_str_eq(p->categories[0].name, "email");
	ck_assert_str_eq(p->categories[0].description, "E-mail # address");
	ck_assert(!p->categories[0].sensitive);
	ck_assert_uint_eq(p->categories[0].nmatchers, 2);
	ck_assert(sv_eq_cstr(p->categories[0].matchers[0].field, "resource"));
	ck_assert_int_eq(p->categories[0].matchers[0].subject_group, 1);
	ck_assert_int_eq(p->categories[0].matchers[1].subject_group, -1);
	ck_assert_int_eq(p->categories[0].matchers[1].loc.line, 5);
	ck_assert(p->categories[1].sensitive);
	ck_assert_uint_eq(p->categories[1].nmatchers, 2);
	ck_assert(sv_eq_cstr(p->categories[1].matchers[1].field, "app"));

	/* purposes: file order, evidence resolved, the \# escape kept for PCRE2 */
	ck_assert_uint_eq(p->npurposes, 2);
	ck_assert_str_eq(p->purposes[0].name, "support");
	ck_assert_uint_eq(p->purposes[0].nreasons, 2);
	ck_assert_str_eq(p->purposes[0].reasons[1]->pattern, "^INC\\#\\d+$");
	struct rx_thread *t = rx_thread_new();
	ck_assert_int_eq(rx_match(p->purposes[0].reasons[1], SV_LIT("INC#42"), t), 1);
	rx_thread_free(t);
	ck_assert_int_eq(p->purposes[0].evidence, 0);
	ck_assert(p->purposes[0].infer);
	ck_assert(!p->purposes[0].honours_optout);
	ck_assert_int_eq(p->purposes[1].evidence, -1);
	ck_assert(p->purposes[1].honours_optout);

	/* roles */
	ck_assert_uint_eq(p->nroles, 3);
	const struct pol_role *sa = &p->roles[0], *sub = &p->roles[1], *off = &p->roles[2];
	ck_assert_uint_eq(sa->nmembers, 4);
	ck_assert_uint_eq(sa->may_read, 1);
	ck_assert(!sa->may_read_all);
	ck_assert_uint_eq(sa->purposes, 1);
	ck_assert(sa->reason_required);
	ck_assert(sa->has_hours);
	ck_assert_uint_eq(sa->max_subjects, 40);
	ck_assert_int_eq(sa->max_window, 3600);
	ck_assert_uint_eq(sub->nmember_globs, 1);
	ck_assert_str_eq(sub->member_globs[0], "vendor-*");
	ck_assert_uint_eq(sub->nmembers, 1);
	ck_assert_uint_eq(sub->may_read, 3);
	ck_assert(sub->purposes_all);
	ck_assert(!sub->reason_required);
	ck_assert(!sub->has_hours);
	ck_assert_uint_eq(sub->max_subjects, 0);
	ck_assert(off->may_read_all);
	ck_assert_uint_eq(off->purposes, 3);

	/* evidence, opt-out, recipients, redact */
	ck_assert_uint_eq(p->nevidence, 1);
	ck_assert_str_eq(p->evidence[0].key, "id");
	ck_assert_str_eq(p->evidence[0].path, tpath("tickets.csv"));
	ck_assert_ptr_nonnull(p->evidence[0].index);
	ck_assert_uint_eq(evd_count(p->evidence[0].index), 2);
	ck_assert(strmap_has(&p->optout, SV_LIT("4711")));
	ck_assert(strmap_has(&p->optout, SV_LIT("5528")));
	ck_assert(!strmap_has(&p->optout, SV_LIT("# opted out")));
	ck_assert_uint_eq(p->optout.count, 2);
	ck_assert_uint_eq(p->napproved, 2);
	ck_assert_uint_eq(p->nredact, 1);

	/* checks: built-ins first, overrides applied, custom appended */
	ck_assert_uint_eq(p->nchecks, CHK_BUILTIN_COUNT + 1);
	const struct pol_check *oh = &p->checks[CHK_OFF_HOURS_ACCESS];
	ck_assert_str_eq(oh->id, "off-hours-access");
	ck_assert_int_eq(oh->severity, SEV_MEDIUM);
	ck_assert(!oh->enabled);
	ck_assert(oh->builtin);
	const struct pol_check *fb = &p->checks[CHK_FAILED_ACCESS_BURST];
	ck_assert_uint_eq(fb->threshold_n, 5);
	ck_assert_int_eq(fb->threshold_window, 120);
	ck_assert(fb->enabled);
	ck_assert_int_eq(p->checks[CHK_NO_BUSINESS_REASON].severity, SEV_HIGH);
	const struct pol_check *cc = &p->checks[CHK_BUILTIN_COUNT];
	ck_assert_str_eq(cc->id, "health-export");
	ck_assert(!cc->builtin);
	ck_assert_uint_eq(cc->principles, PR_BIT(PR_ONWARD_TRANSFER) | PR_BIT(PR_SECURITY));
	ck_assert_int_eq(cc->severity, SEV_CRITICAL);
	ck_assert_str_eq(cc->message, "health data of {subject} sent to {dst}");
	ck_assert_uint_eq(cc->nmatchers, 3);
	ck_assert_int_eq(cc->matchers[0].kind, PCM_CATEGORY);
	ck_assert_uint_eq(cc->matchers[0].categories, 2);
	ck_assert_int_eq(cc->matchers[1].kind, PCM_ACTION);
	ck_assert_int_eq(cc->matchers[1].action, EV_EXPORT);
	ck_assert_int_eq(cc->matchers[2].kind, PCM_FIELD);
	ck_assert(sv_eq_cstr(cc->matchers[2].field, "dst"));
	ck_assert_int_eq(policy_check(p, SV_LIT("health-export")), CHK_BUILTIN_COUNT);

	/* formats: groups resolved even though field lines precede the pattern */
	ck_assert_uint_eq(p->nformats, 2);
	const struct pol_format *f = &p->formats[0];
	ck_assert_int_eq(f->type, PF_REGEX);
	ck_assert_ptr_nonnull(f->time_fmt);
	ck_assert_uint_eq(f->fields[EVF_REASON].n, 2);
	ck_assert_int_eq(f->fields[EVF_REASON].src[0].kind, PS_QUERY);
	ck_assert_str_eq(f->fields[EVF_REASON].src[1].name, "ticket");
	ck_assert_int_eq(f->fields[EVF_REASON].src[1].group, -1);
	ck_assert_uint_eq(f->fields[EVF_ACTION].n, 1);
	ck_assert_int_eq(f->fields[EVF_ACTION].src[0].group, 4);
	ck_assert_uint_eq(f->fields[EVF_USER].n, 0);
	ck_assert_uint_eq(f->nactions[EV_READ], 3);
	ck_assert_str_eq(f->actions[EV_READ][2], "OPTIONS");
	ck_assert_uint_eq(f->nactions[EV_WRITE], 2);
	ck_assert_str_eq(f->actions[EV_WRITE][1], "PUT");
	ck_assert_int_eq(p->formats[1].type, PF_JSON);
	ck_assert_uint_eq(p->formats[1].fields[EVF_USER].n, 2);
	ck_assert_str_eq(p->formats[1].fields[EVF_USER].src[0].name, "actor.id");
	ck_assert_int_eq(p->formats[1].fields[EVF_USER].src[0].group, -1);

	/* files and digest */
	ck_assert_uint_eq(p->nfiles, 1);
	ck_assert_str_eq(p->files[0], tpath("main.rules"));
	ck_assert_uint_eq(strlen(p->digest), 64);
	ck_assert_uint_eq(strspn(p->digest, "0123456789abcdef"), 64);
	ck_assert_str_eq(p->categories[0].loc.file, p->files[0]);
	ck_assert_int_eq(p->categories[0].loc.line, 2);
	ck_assert_int_eq(p->roles[2].loc.line, 36);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* The digest covers member and data files, not only the rule file. */
/*
 * The catalogue says for every built-in check when a policy can make it
 * fire (`dpfaudit test` requires samples only of those): a check added
 * without saying so must fail here, not become a silent requirement.
 */
START_TEST(test_check_applicability)
{
	struct diag err = { "" };
	for (int c = 0; c < CHK_BUILTIN_COUNT; c++)
		ck_assert_msg(chk_info((enum chk_id)c)->applies != NULL, "%s states no applicability",
			      chk_info((enum chk_id)c)->id);

	mk_tmpdir();
	/* One role, no reason required, no hours, no limits, no evidence, no opt-out. */
	put("min.rules", "[category email]\nresource = ^/c/(?<subject>\\d+)/email\n"
			 "[role staff]\nmembers = mrossi\nmay-read = *\nreason-required = no\n");
	struct policy *p = load1("min.rules", &err);
	ck_assert_msg(p != NULL, "load failed: %s", err.msg);
	static const enum chk_id cannot[] = { CHK_NO_BUSINESS_REASON, CHK_ROLE_NOT_PERMITTED,
					      CHK_SENSITIVE_DATA_ACCESS, CHK_REASON_NOT_FOR_ROLE,
					      CHK_REASON_UNVERIFIED, CHK_EXCESSIVE_ACCESS,
					      CHK_OFF_HOURS_ACCESS, CHK_OPTOUT_VIOLATION };
	for (size_t i = 0; i < sizeof(cannot) / sizeof(cannot[0]); i++)
		ck_assert_msg(!chk_applies(p, cannot[i]), "%s applies", chk_info(cannot[i])->id);
	ck_assert(chk_applies(p, CHK_UNKNOWN_IDENTITY));
	ck_assert(chk_applies(p, CHK_FAILED_ACCESS_BURST));
	ck_assert(chk_applies(p, CHK_UNAPPROVED_TRANSFER));
	policy_free(p);

	/* The full policy configures each of them. */
	put("main.rules", good_rules);
	put("staff/agents.txt", "akowalski\n");
	put("tickets.csv", tickets_csv);
	put("optout.txt", "4711\n");
	p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "load failed: %s", err.msg);
	for (size_t i = 0; i < sizeof(cannot) / sizeof(cannot[0]); i++)
		if (cannot[i] != CHK_ROLE_NOT_PERMITTED)	/* its one role may read every plain category */
			ck_assert_msg(chk_applies(p, cannot[i]), "%s does not apply", chk_info(cannot[i])->id);
	ck_assert(!chk_applies(p, CHK_ROLE_NOT_PERMITTED));
	policy_free(p);

	/* A role limited to one of two plain categories. */
	put("two.rules", "[category email]\nresource = ^/c/(?<subject>\\d+)/email\n"
			 "[category phone]\nresource = ^/c/(?<subject>\\d+)/phone\n"
			 "[role staff]\nmembers = mrossi\nmay-read = email\n");
	p = load1("two.rules", &err);
	ck_assert_msg(p != NULL, "load failed: %s", err.msg);
	ck_assert(chk_applies(p, CHK_ROLE_NOT_PERMITTED));
	policy_free(p);
	rm_tmpdir();
}
END_TEST

START_TEST(test_digest_covers_data_files)
{
	struct diag err = { "" };
	char d1[65], d2[65], d3[65];
	mk_tmpdir();
	put("main.rules", "[category c]\nresource = ^/c\n[role r]\nmembers = @m.txt\nmay-read = c\n");
	put("m.txt", "alice\n");
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	strcpy(d1, p->digest);
	policy_free(p);
	p = load1("main.rules", &err);
	strcpy(d2, p->digest);
	policy_free(p);
	put("m.txt", "alice\nmallory\n");
	p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	strcpy(d3, p->digest);
	ck_assert(strmap_has(&p->members, SV_LIT("mallory")));
	policy_free(p);
	ck_assert_str_eq(d1, d2);
	ck_assert_str_ne(d1, d3);
	rm_tmpdir();
}
END_TEST

/* A UTF-8 byte-order mark and CRLF in every rules input file (SPEC §4). */
START_TEST(test_bom_and_crlf)
{
	struct diag err = { "" };
	mk_tmpdir();
	put("main.rules", "\xEF\xBB\xBF[category c]\r\nresource = ^/c\r\n[role r]\r\nmembers = @m.txt\r\n"
			  "may-read = c\r\n[optout]\r\nfile = o.txt\r\n");
	put("m.txt", "\xEF\xBB\xBF" "alice\r\nbob\r\n");
	put("o.txt", "\xEF\xBB\xBF" "4711\r\n4712\r\n");
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert(strmap_has(&p->members, SV_LIT("alice")));
	ck_assert(strmap_has(&p->members, SV_LIT("bob")));
	ck_assert(strmap_has(&p->optout, SV_LIT("4711")));
	ck_assert(strmap_has(&p->optout, SV_LIT("4712")));
	ck_assert_uint_eq(p->optout.count, 2);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors: the exact file:line and the gist of the message.            */

struct err_case {
	const char *name;
	const char *rules;	/* main.rules */
	const char *aux_name, *aux;	/* an extra file, or NULL */
	const char *where;	/* expected "file:line:" suffix (file relative to tmpdir) */
	const char *gist;	/* a substring of the message */
};

static const struct err_case err_cases[] = {
	{ "unknown kind with hint", "# x\n[rol admin]\n", NULL, NULL,
	  "main.rules:2: ", "unknown section kind 'rol' (did you mean 'role'?)" },
	{ "unknown kind no hint", "[frobnicate x]\n", NULL, NULL,
	  "main.rules:1: ", "unknown section kind 'frobnicate' (expected format, category" },
	{ "unknown key with hint", "[category c]\nresource = ^/c\n[role support]\nmay-reed = c\n", NULL, NULL,
	  "main.rules:4: ", "unknown key 'may-reed' in [role support] (did you mean 'may-read'?)" },
	{ "unknown key lists keys", "[purpose p]\nzzz = 1\n", NULL, NULL,
	  "main.rules:2: ", "unknown key 'zzz' in [purpose p] (expected description, reason, evidence" },
	{ "field key in role", "[role r]\nfield.user = x\n", NULL, NULL,
	  "main.rules:2: ", "unknown key 'field.user' in [role r]" },
	{ "missing equals", "[role r]\nmembers alice\n", NULL, NULL,
	  "main.rules:2: ", "expected 'key = value' or '[kind name]', got 'members alice' (missing '=')" },
	{ "missing key", "[role r]\n = alice\n", NULL, NULL,
	  "main.rules:2: ", "missing key before '='" },
	{ "unclosed bracket with column", "[role r]\nmembers = a\n  [role s\n", NULL, NULL,
	  "main.rules:3:3: ", "unclosed '['" },
	{ "text after bracket", "[role r] x\n", NULL, NULL,
	  "main.rules:1:10: ", "unexpected 'x' after ']'" },
	{ "name with spaces", "[role a b]\n", NULL, NULL,
	  "main.rules:1: ", "expected '[kind name]'" },
	{ "missing name", "[role]\n", NULL, NULL,
	  "main.rules:1: ", "[role] needs a name" },
	{ "name on unnamed kind", "[optout list]\n", NULL, NULL,
	  "main.rules:1: ", "[optout] takes no name" },
	{ "bad name chars", "[role a/b]\n", NULL, NULL,
	  "main.rules:1: ", "bad name 'a/b'" },
	{ "key outside section", "members = a\n", NULL, NULL,
	  "main.rules:1: ", "'members' outside any section" },
	{ "binary data", "[role r]\nmembers = a\nx\001y\n", NULL, NULL,
	  "main.rules:3: ", "binary data at byte 22" },
	{ "nul byte", "[role r]\n\0\n", NULL, NULL,
	  "main.rules:2: ", "binary data at byte 9" },
	{ "undefined category with hint", "[category email]\nresource = ^/e\n[role r]\nmay-read = emial\n", NULL, NULL,
	  "main.rules:4: ", "undefined category 'emial' (did you mean 'email'?)" },
	{ "undefined category no hint", "[role r]\nmay-read = x\n", NULL, NULL,
	  "main.rules:2: ", "undefined category 'x'" },
	{ "undefined purpose", "[purpose support]\nreason = ^T\n[role r]\npurposes = suport\n", NULL, NULL,
	  "main.rules:4: ", "undefined purpose 'suport' (did you mean 'support'?)" },
	{ "undefined evidence", "[purpose p]\nreason = ^T\nevidence = tix\n", NULL, NULL,
	  "main.rules:3: ", "undefined evidence 'tix'" },
	{ "undefined check category", "[check c]\nprinciple = security\ncategory = nope\n", NULL, NULL,
	  "main.rules:3: ", "undefined category 'nope'" },
	{ "bad regex", "[category c]\nresource = ^/api/(v\\d+\n", NULL, NULL,
	  "main.rules:2: ", "regex error at offset 11: missing closing parenthesis" },
	{ "empty regex", "[recipients]\napproved =\n", NULL, NULL,
	  "main.rules:2: ", "'approved' needs a value" },
	{ "too many groups",
	  "[redact]\npattern = ()()()()()()()()()()()()()()()()()()()()()()()()()()()()()()()()"
	  "()()()()()()()()()()()()()()()()()()()()()()()()()()()()()()()()\n", NULL, NULL,
	  "main.rules:2: ", "regex has 64 capture groups, at most 63" },
	{ "bad hours", "[role r]\nhours = Mox-Fri 07:00-20:00 Europe/Rome\n", NULL, NULL,
	  "main.rules:2: ", "bad hours 'Mox-Fri 07:00-20:00 Europe/Rome'" },
	{ "bad zone", "[role r]\nhours = Mon-Fri 07:00-20:00 Mars/Olympus\n", NULL, NULL,
	  "main.rules:2: ", "bad hours" },
	{ "bad window", "[role r]\nmax-subjects = 40/1x\n", NULL, NULL,
	  "main.rules:2: ", "bad max-subjects '40/1x': expected N/WINDOW" },
	{ "window without slash", "[role r]\nmax-subjects = 40\n", NULL, NULL,
	  "main.rules:2: ", "bad max-subjects '40'" },
	{ "zero count", "[role r]\nmax-subjects = 0/1h\n", NULL, NULL,
	  "main.rules:2: ", "bad max-subjects" },
	{ "bad threshold", "[check failed-access-burst]\nthreshold = many\n", NULL, NULL,
	  "main.rules:2: ", "bad threshold 'many'" },
	{ "threshold on other check", "[check off-hours-access]\nthreshold = 5/1m\n", NULL, NULL,
	  "main.rules:2: ", "'threshold' applies only to [check failed-access-burst]" },
	{ "custom key on builtin", "[check off-hours-access]\nmessage = x\n", NULL, NULL,
	  "main.rules:2: ", "'message' is only for custom checks; 'off-hours-access' is built-in" },
	{ "bad severity", "[check off-hours-access]\nseverity = huge\n", NULL, NULL,
	  "main.rules:2: ", "unknown severity 'huge'" },
	{ "bad boolean", "[category c]\nsensitive = maybe\n", NULL, NULL,
	  "main.rules:2: ", "bad value 'maybe' for 'sensitive': expected yes or no" },
	{ "bad principle", "[check c]\nprinciple = secrecy\n", NULL, NULL,
	  "main.rules:2: ", "unknown principle 'secrecy'" },
	{ "bad action", "[check c]\nprinciple = security\naction = peek\n", NULL, NULL,
	  "main.rules:3: ", "unknown action 'peek'" },
	{ "custom check without principle", "# c\n[check c]\naction = read\n", NULL, NULL,
	  "main.rules:2: ", "custom check 'c' needs 'principle" },
	{ "custom check without matcher", "[check c]\nprinciple = choice\n", NULL, NULL,
	  "main.rules:1: ", "custom check 'c' needs at least one matcher" },
	{ "duplicate section", "[role a]\nmembers = x\n\n[role a]\n", NULL, NULL,
	  "main.rules:4: ", "duplicate [role a] (first defined at " },
	{ "duplicate builtin check", "[check off-hours-access]\n[check off-hours-access]\n", NULL, NULL,
	  "main.rules:2: ", "duplicate [check off-hours-access]" },
	{ "duplicate scalar key", "[role r]\nhours = Mon-Fri 07:00-20:00 UTC\nhours = Sat 07:00-20:00 UTC\n", NULL, NULL,
	  "main.rules:3: ", "'hours' given twice in [role r] (first at line 2)" },
	{ "format without pattern", "[format f]\nfield.user = u\n", NULL, NULL,
	  "main.rules:1: ", "[format f] needs 'pattern = REGEX'" },
	{ "prefix-only format with a field mapping", "[format f]\nprefix = ^(?<user>\\S+) (?<time>\\S+) \nfield.user = who\n", NULL, NULL,
	  "main.rules:3: ", "'who' names a group of 'pattern', which [format f] has not" },
	{ "format missing group", "[format f]\npattern = ^(?<usr>\\S+) (?<resource>\\S+)\nfield.user = user\n", NULL, NULL,
	  "main.rules:3: ", "no group named 'user' in the pattern of [format f] (did you mean 'usr'?)" },
	{ "json with pattern", "[format f]\ntype = json\npattern = ^x\n", NULL, NULL,
	  "main.rules:3: ", "'pattern' is only for type regex" },
	{ "bad format type", "[format f]\ntype = xml\n", NULL, NULL,
	  "main.rules:2: ", "bad type 'xml' (expected regex, json or logfmt)" },
	{ "format hides builtin", "[format json]\ntype = json\n", NULL, NULL,
	  "main.rules:1: ", "would hide the built-in format" },
	{ "format hides builtin syslog", "[format syslog]\ntype = json\n", NULL, NULL,
	  "main.rules:1: ", "would hide the built-in format" },
	{ "format hides builtin pgaudit", "[format pgaudit]\ntype = json\n", NULL, NULL,
	  "main.rules:1: ", "would hide the built-in format" },
	{ "unknown format field", "[format f]\ntype = json\nfield.usr = u\n", NULL, NULL,
	  "main.rules:3: ", "unknown event field 'usr' (did you mean 'user'?)" },
	{ "too many sources", "[format f]\ntype = json\nfield.user = a b c d e\n", NULL, NULL,
	  "main.rules:3: ", "too many sources for field.user (at most 4)" },
	{ "bad time format", "[format f]\ntype = json\ntime-format = %Q\n", NULL, NULL,
	  "main.rules:3: ", "bad time-format '%Q'" },
	{ "infer without evidence", "[purpose p]\nreason = ^T\ninfer = yes\n", NULL, NULL,
	  "main.rules:3: ", "'infer = yes' needs 'evidence = NAME'" },
	{ "evidence without file", "[evidence t]\nkey = id\n", NULL, NULL,
	  "main.rules:1: ", "[evidence t] needs 'file = PATH'" },
	{ "evidence file missing", "[evidence t]\nfile = nope.csv\n", NULL, NULL,
	  "main.rules:2: ", "cannot read evidence file" },
	{ "evidence bad csv", "[evidence t]\nfile = t.csv\nkey = ticket\n", "t.csv", tickets_csv,
	  "t.csv:1: ", "missing column 'ticket'" },
	{ "members file missing", "[role r]\nmembers = @nobody.txt\n", NULL, NULL,
	  "main.rules:2: ", "cannot read members file" },
	{ "members file bad entry", "[role r]\nmembers = @m.txt\n", "m.txt", "alice\nbob smith\n",
	  "m.txt:2: ", "bad entry 'bob smith'" },
	{ "members file with a byte-order mark inside", "[role r]\nmembers = @m.txt\n", "m.txt",
	  "alice\n\xEF\xBB\xBF" "bob\n", "m.txt:2: ", "byte-order mark inside" },
	{ "optout file with a byte-order mark inside", "[optout]\nfile = o.txt\n", "o.txt",
	  "4711\r\n\xEF\xBB\xBF" "4712\r\n", "o.txt:2: ", "byte-order mark inside" },
	{ "optout file missing", "[optout]\nfile = gone.txt\n", NULL, NULL,
	  "main.rules:2: ", "cannot read opt-out file" },
	{ "missing include", "[role r]\ninclude = other.rules\n", NULL, NULL,
	  "main.rules:2: ", "cannot include '" },
	{ "error inside include", "include = sub/b.rules\n", "sub/b.rules", "\n[role r]\nmay-read = c\n",
	  "sub/b.rules:3: ", "undefined category 'c'" },
	{ "self include", "# loop\ninclude = main.rules\n", NULL, NULL,
	  "main.rules:2: ", "include loop: " },
	{ "include loop", "include = b.rules\n", "b.rules", "\n\ninclude = main.rules\n",
	  "b.rules:3: ", "include loop: " },
};

START_TEST(test_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct diag err = { "" };
	char want[600];
	mk_tmpdir();
	/* The "nul byte" row has a NUL inside: write exactly its bytes. */
	if (strcmp(c->name, "nul byte") == 0) {
		FILE *f = fopen(tpath("main.rules"), "wb");
		fwrite("[role r]\n\0\n", 1, 11, f);
		fclose(f);
	} else {
		put("main.rules", c->rules);
	}
	if (c->aux_name)
		put(c->aux_name, c->aux);
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p == NULL, "%s: loaded, expected an error", c->name);
	snprintf(want, sizeof(want), "%s/%s", tmpdir, c->where);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s: message '%s' does not start with '%s'",
		      c->name, err.msg, want);
	ck_assert_msg(strstr(err.msg, c->gist) != NULL, "%s: message '%s' lacks '%s'", c->name, err.msg,
		      c->gist);
	rm_tmpdir();
}
END_TEST

/* A loop names the whole chain, so the user sees which includes to break. */
START_TEST(test_include_loop_chain)
{
	struct diag err = { "" };
	char want[800];
	mk_tmpdir();
	put("main.rules", "include = b.rules\n");
	put("b.rules", "include = c.rules\n");
	put("c.rules", "include = b.rules\n");
	ck_assert_ptr_null(load1("main.rules", &err));
	snprintf(want, sizeof(want), "%s/c.rules:1: include loop: %s/b.rules -> %s/c.rules -> %s/b.rules",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	ck_assert_str_eq(err.msg, want);
	rm_tmpdir();
}
END_TEST

START_TEST(test_too_many)
{
	static const char *const kinds[] = { "category", "purpose", "role" };
	const char *kind = kinds[_i];
	char *buf = malloc(65 * 64);
	size_t o = 0;
	struct diag err = { "" };
	char want[256];
	mk_tmpdir();
	for (int i = 0; i < 65; i++)
		o += (size_t)sprintf(buf + o, "[%s n%d]\n", kind, i);
	put("main.rules", buf);
	free(buf);
	struct policy *p = load1("main.rules", &err);
	ck_assert_ptr_null(p);
	snprintf(want, sizeof(want), "%s/main.rules:65: too many %s", tmpdir,
		 _i == 0 ? "categories" : _i == 1 ? "purposes" : "roles");
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "got '%s'", err.msg);
	ck_assert(strstr(err.msg, "(at most 64)"));

	/* exactly 64 is fine (the boundary) */
	buf = malloc(64 * 64);
	o = 0;
	for (int i = 0; i < 64; i++)
		o += (size_t)sprintf(buf + o, "[%s n%d]\n", kind, i);
	put("main.rules", buf);
	free(buf);
	p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Includes, directories, relative paths                                */

START_TEST(test_includes_and_dirs)
{
	struct diag err = { "" };
	mk_tmpdir();
	/* A directory loads *.rules sorted: a.rules before b.rules, others ignored. */
	put("d/b.rules", "[category second]\nresource = ^/b\n[role r]\nmay-read = first, second\nmembers = @../staff.txt\n");
	put("d/a.rules", "[category first]\nresource = ^/a\ninclude = ../inc/common.rules\n");
	put("d/notes.txt", "[this is not a rule file\n");
	put("d/.hidden.rules", "garbage\n");
	/* paths in an included file are relative to it */
	put("inc/common.rules", "[role ops]\nmembers = @ops.txt\nmay-read = second\n"
				"[optout]\nfile = ../optout.txt\n");
	put("inc/ops.txt", "opsuser\n");
	put("staff.txt", "user,name\nalice,Alice A\n\"bob\",Bob B\n");
	put("optout.txt", "4711\n");
	put("e.rules", "include = d/a.rules\n");	/* already read: read once */
	const char *paths[] = { tpath("d"), tpath("e.rules") };
	struct policy *p = rules_load(paths, 2, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_uint_eq(p->ncategories, 2);
	ck_assert_str_eq(p->categories[0].name, "first");
	ck_assert_str_eq(p->categories[1].name, "second");
	ck_assert_uint_eq(p->nfiles, 4);
	ck_assert_str_eq(p->files[0], tpath("d/a.rules"));
	ck_assert_str_eq(p->files[1], tpath("d/../inc/common.rules"));
	ck_assert_str_eq(p->files[2], tpath("d/b.rules"));
	ck_assert_str_eq(p->files[3], tpath("e.rules"));
	/* ops was defined (in the include) before r */
	ck_assert_int_eq(policy_role(p, SV_LIT("ops")), 0);
	ck_assert_int_eq(policy_role(p, SV_LIT("r")), 1);
	ck_assert_uint_eq(p->roles[1].may_read, 3);
	ck_assert_uint_eq(p->roles[0].may_read, 2);
	/* CSV members: the header row is skipped, first column, quotes removed */
	ck_assert_uint_eq(p->roles[1].nmembers, 2);
	ck_assert(strmap_has(&p->members, SV_LIT("alice")));
	ck_assert(strmap_has(&p->members, SV_LIT("bob")));
	ck_assert(!strmap_has(&p->members, SV_LIT("user")));
	ck_assert(strmap_has(&p->members, SV_LIT("opsuser")));
	ck_assert(strmap_has(&p->optout, SV_LIT("4711")));
	policy_free(p);
	rm_tmpdir();
}
END_TEST

START_TEST(test_missing_path_and_empty_dir)
{
	struct diag err = { "" };
	char want[256];
	mk_tmpdir();
	ck_assert_ptr_null(load1("nope.rules", &err));
	snprintf(want, sizeof(want), "%s/nope.rules: No such file or directory", tmpdir);
	ck_assert_str_eq(err.msg, want);
	mkdir(tpath("empty"), 0700);
	ck_assert_ptr_null(load1("empty", &err));
	ck_assert(strstr(err.msg, "contains no *.rules files"));
	ck_assert_ptr_null(rules_load(NULL, 0, &err));
	rm_tmpdir();
}
END_TEST

/* Comments: '#' at line start or after white space only; \# is literal. */
static const struct {
	const char *line;	/* value of `description = ...` */
	const char *want;
} comment_cases[] = {
	{ "plain", "plain" },
	{ "a # b", "a" },
	{ "a\t# b", "a" },
	{ "a#b", "a#b" },
	{ "a \\# b", "a # b" },
	{ "ticket\\#5 # note", "ticket#5" },
	{ "#all comment", "" },
	{ "  trailing spaces   ", "trailing spaces" },
	{ "trailing cr\r", "trailing cr" },
};

START_TEST(test_comments)
{
	struct diag err = { "" };
	char buf[256];
	mk_tmpdir();
	snprintf(buf, sizeof(buf), "  # indented comment\n[category c]   # c\ndescription = %s\nresource = ^/x\n",
		 comment_cases[_i].line);
	put("main.rules", buf);
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_str_eq(p->categories[0].description, comment_cases[_i].want);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* Booleans: every accepted spelling, both ways. */
static const struct {
	const char *v;
	bool want;
} bool_cases[] = {
	{ "yes", true }, { "YES", true }, { "true", true }, { "on", true }, { "1", true },
	{ "no", false }, { "false", false }, { "Off", false }, { "0", false },
};

START_TEST(test_booleans)
{
	struct diag err = { "" };
	char buf[128];
	mk_tmpdir();
	snprintf(buf, sizeof(buf), "[category c]\nresource = ^/x\nsensitive = %s\n", bool_cases[_i].v);
	put("main.rules", buf);
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_int_eq(p->categories[0].sensitive, bool_cases[_i].want);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Policy lookups                                                       */

START_TEST(test_roles_of)
{
	struct diag err = { "" };
	mk_tmpdir();
	put("main.rules",
	    "[category c]\nresource = ^/c\n"
	    "[role agent]\nmembers = mrossi jdoe\nmay-read = c\n"
	    "[role vendor]\nmembers = vendor-* jdoe ext-?\nmay-read = c\n"
	    "[role officer]\nmembers = dklein\nmay-read = *\n");
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	static const struct {
		const char *user, *claimed;
		uint64_t roles;
		int role;
	} rows[] = {
		{ "mrossi", "", 1, 0 },
		{ "jdoe", "", 3, 0 },
		{ "jdoe", "vendor", 3, 1 },	/* claimed and a member: honoured */
		{ "mrossi", "vendor", 1, 0 },	/* claimed but not a member: ignored */
		{ "jdoe", "nosuch", 3, 0 },
		{ "vendor-acme", "", 2, 1 },
		{ "vendor-", "", 2, 1 },	/* '*' matches the empty string */
		{ "vendor", "", 0, -1 },
		{ "ext-1", "", 2, 1 },
		{ "ext-12", "", 0, -1 },
		{ "dklein", "officer", 4, 2 },
		{ "DKLEIN", "", 0, -1 },	/* names are case-sensitive */
		{ "", "", 0, -1 },
		{ "-", "", 0, -1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sv u = sv_cstr(rows[i].user);
		ck_assert_msg(policy_roles_of(p, u) == rows[i].roles, "row %zu", i);
		ck_assert_msg(policy_role_of(p, u, sv_cstr(rows[i].claimed)) == rows[i].role, "row %zu", i);
	}
	/* user names are views: no NUL terminator needed */
	sv part = sv_make("vendor-acme trailing", 11);
	ck_assert_uint_eq(policy_roles_of(p, part), 2);
	ck_assert_int_eq(policy_category(p, SV_LIT("c")), 0);
	ck_assert_int_eq(policy_category(p, SV_LIT("d")), -1);
	ck_assert_int_eq(policy_role(p, SV_LIT("officer")), 2);
	ck_assert_int_eq(policy_purpose(p, SV_LIT("x")), -1);
	ck_assert_int_eq(policy_check(p, SV_LIT("no-business-reason")), CHK_NO_BUSINESS_REASON);
	ck_assert_int_eq(policy_check(p, SV_LIT("nope")), -1);
	/* Without rules: the built-in catalogue alone, same indices. */
	ck_assert_int_eq(policy_check(NULL, SV_LIT("no-business-reason")), CHK_NO_BUSINESS_REASON);
	ck_assert_int_eq(policy_check(NULL, SV_LIT("unapproved-transfer")), CHK_UNAPPROVED_TRANSFER);
	ck_assert_int_eq(policy_check(NULL, SV_LIT("nope")), -1);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Lint                                                                 */

static bool has_warning(char **w, size_t n, const char *gist)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(w[i], gist))
			return true;
	return false;
}

START_TEST(test_lint)
{
	struct diag err = { "" };
	size_t n;
	char want[512];
	mk_tmpdir();
	put("main.rules",
	    "[category email]\nresource = ^/e\n"
	    "[category health]\nresource = /api^/h\n"		/* line 4: never matches */
	    "[category anything]\nresource = ^.*$\n"		/* line 6: catch-all */
	    "[purpose p]\nreason = .*\n"
	    "[role a]\nmembers = alice bob\nmay-read = email\npurposes = p\n"
	    "[role b]\nmembers = bob\nmay-read = email anything\n"
	    "[role empty]\nmay-read = email\n"		/* line 16 */
	    "[recipients]\napproved = .*\n");
	struct policy *p = load1("main.rules", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	char **w = lint_policy(p, &n);
	snprintf(want, sizeof(want), "%s/main.rules:3: category 'health' may be read by no role", tmpdir);
	ck_assert_msg(has_warning(w, n, want), "missing: %s", want);
	snprintf(want, sizeof(want), "%s/main.rules:4: pattern '/api^/h' can never match", tmpdir);
	ck_assert_msg(has_warning(w, n, want), "missing: %s", want);
	snprintf(want, sizeof(want), "%s/main.rules:6: pattern '^.*$' matches every resource", tmpdir);
	ck_assert_msg(has_warning(w, n, want), "missing: %s", want);
	snprintf(want, sizeof(want), "%s/main.rules:16: role 'empty' has no members", tmpdir);
	ck_assert_msg(has_warning(w, n, want), "missing: %s", want);
	ck_assert(has_warning(w, n, "user 'bob' is a member of several roles (a, b)"));
	ck_assert(!has_warning(w, n, "user 'alice'"));
	ck_assert(has_warning(w, n, "reason pattern '.*' of purpose 'p' accepts any reason"));
	ck_assert(has_warning(w, n, "approves every recipient"));
	ck_assert(!has_warning(w, n, "category 'email'"));
	lint_free(w, n);
	policy_free(p);
	rm_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------ */
/* The default rule set                                                 */

START_TEST(test_default_rules)
{
	struct diag err = { "" };
	const char *paths[] = { SRCDIR "/rules/dpf.rules" };
	struct policy *p = rules_load(paths, 1, &err);
	ck_assert_msg(p != NULL, "default rules: %s", err.msg);
	ck_assert_uint_eq(p->ncategories, 7);
	int health = policy_category(p, SV_LIT("health"));
	ck_assert_int_ge(health, 0);
	ck_assert(p->categories[health].sensitive);
	ck_assert_int_eq(policy_purpose(p, SV_LIT("support")), 0);
	ck_assert(p->purposes[0].infer);
	ck_assert_int_ge(p->purposes[0].evidence, 0);
	ck_assert(p->purposes[policy_purpose(p, SV_LIT("marketing"))].honours_optout);
	ck_assert_uint_eq(evd_count(p->evidence[0].index), 13);
	ck_assert_int_eq(policy_role_of(p, SV_LIT("mrossi"), SV_NULL), policy_role(p, SV_LIT("support-agent")));
	ck_assert_int_eq(policy_role_of(p, SV_LIT("vendor-acme"), SV_NULL), policy_role(p, SV_LIT("subcontractor")));
	ck_assert_int_eq(policy_role_of(p, SV_LIT("dklein"), SV_NULL), policy_role(p, SV_LIT("privacy-officer")));
	ck_assert_int_eq(policy_role_of(p, SV_LIT("bsmith"), SV_NULL), -1);
	ck_assert_int_eq(policy_role_of(p, SV_LIT("guest42"), SV_NULL), -1);
	const struct pol_role *sa = &p->roles[policy_role(p, SV_LIT("support-agent"))];
	ck_assert(sa->has_hours);
	ck_assert_uint_eq(sa->max_subjects, 40);
	ck_assert(!(sa->may_read & ((uint64_t)1 << health)));
	ck_assert(p->roles[policy_role(p, SV_LIT("privacy-officer"))].may_read_all);
	ck_assert(strmap_has(&p->optout, SV_LIT("4711")));
	ck_assert_uint_eq(p->napproved, 2);
	ck_assert_int_eq(p->checks[CHK_FAILED_ACCESS_BURST].threshold_n, 20);

	/* every category pattern classifies the scenario's resources */
	struct rx_thread *t = rx_thread_new();
	static const struct {
		const char *resource;
		const char *category;	/* NULL: touches none */
		const char *subject;
	} rows[] = {
		{ "/api/v1/customers/4711/profile", "identification", "4711" },
		{ "/api/v1/customers/4711/email?reason=TICKET-88", "email", "4711" },
		{ "/api/v1/customers/1042/account", "username", "1042" },
		{ "/api/v1/customers/2300/devices/TW12-AB12-CD34", "device", "2300" },
		{ "/api/v1/customers/2300/health", "health", "2300" },
		{ "/api/v1/customers?fields=email,name", "email", NULL },
		{ "/api/v1/customers?fields=email,name", "identification", NULL },
		{ "/api/v1/licenses/TW12-AB12-CD34", "device", NULL },
		{ "customer-exports-eu/customers/4711/export-2026-11-23.json", "customer-export", "4711" },
		{ "public.customers", "crm-customers", NULL },
		{ "customer-exports-eu/manifests/2026-11-25.json", NULL, NULL },
		{ "public.products", NULL, NULL },
		{ "/api/v1/customers/4711/emails", NULL, NULL },
		{ "/api/v1/products/synth-1", NULL, NULL },
		{ "/healthz", NULL, NULL },
		{ "/api/v1/docs", NULL, NULL },
		{ "/static/app.js", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sv res = sv_cstr(rows[i].resource);
		bool touched_any = false, touched_want = false;
		for (size_t c = 0; c < p->ncategories; c++) {
			for (size_t m = 0; m < p->categories[c].nmatchers; m++) {
				const struct pol_matcher *pm = &p->categories[c].matchers[m];
				if (!rx_match(pm->rx, res, t))
					continue;
				touched_any = true;
				if (rows[i].category && strcmp(p->categories[c].name, rows[i].category) == 0) {
					touched_want = true;
					if (rows[i].subject) {
						ck_assert_int_ge(pm->subject_group, 0);
						sv s = rx_group(t, res, (unsigned)pm->subject_group);
						ck_assert_msg(sv_eq_cstr(s, rows[i].subject), "row %zu subject", i);
					}
				}
			}
		}
		if (rows[i].category)
			ck_assert_msg(touched_want, "row %zu: %s not %s", i, rows[i].resource, rows[i].category);
		else
			ck_assert_msg(!touched_any, "row %zu: %s touches a category", i, rows[i].resource);
	}
	rx_thread_free(t);

	/* the shipped policy lints clean */
	size_t n;
	char **w = lint_policy(p, &n);
	ck_assert_msg(n == 0, "default rules lint: %s", n ? w[0] : "");
	lint_free(w, n);
	policy_free(p);
}
END_TEST

START_TEST(test_default_path)
{
	char want[512];
	mk_tmpdir();
	setenv("DPFAUDIT_RULES", "/etc/dpf/custom.rules", 1);
	char *r = rules_default_path("analyzer/dpfaudit");
	ck_assert_str_eq(r, "/etc/dpf/custom.rules");
	free(r);
	unsetenv("DPFAUDIT_RULES");

	/* a build tree: BIN/../rules/dpf.rules exists */
	put("analyzer/dpfaudit", "");
	put("rules/dpf.rules", "");
	snprintf(want, sizeof(want), "%s/analyzer/dpfaudit", tmpdir);
	r = rules_default_path(want);
	snprintf(want, sizeof(want), "%s/analyzer/../rules", tmpdir);
	ck_assert_str_eq(r, want);
	free(r);

	/* installed: the data directory */
	r = rules_default_path("/nonexistent/bin/dpfaudit");
	ck_assert(strstr(r, "/rules") != NULL);
	ck_assert(strncmp(r, "/nonexistent", 12) != 0);
	free(r);
	r = rules_default_path("dpfaudit");
	ck_assert(strstr(r, "/rules") != NULL);
	free(r);
	rm_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------ */
/* rx                                                                   */

START_TEST(test_rx_basics)
{
	struct diag err = { "" };
	struct rx_thread *t = rx_thread_new();
	static const char pat[] = "^/c/(?<subject>\\d+)/(?<what>\\w+)?";
	struct rx *r = rx_compile(pat, strlen(pat), 0, "a.rules:3", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_uint_eq(r->ngroups, 2);
	ck_assert_int_eq(rx_group_index(r, "subject"), 1);
	ck_assert_int_eq(rx_group_index(r, "what"), 2);
	ck_assert_int_eq(rx_group_index(r, "nope"), -1);
	ck_assert_str_eq(rx_group_name(r, 1), "subject");
	ck_assert_ptr_null(rx_group_name(r, 0));
	ck_assert_str_eq(r->where, "a.rules:3");

	/* the subject is a view into a longer buffer: the length is honoured */
	const char *buf = "/c/4711/email TRAILING";
	sv s = sv_make(buf, 13);
	ck_assert_int_eq(rx_match(r, s, t), 1);
	ck_assert(sv_eq_cstr(rx_group(t, s, 0), "/c/4711/email"));
	ck_assert(sv_eq_cstr(rx_group(t, s, 1), "4711"));
	ck_assert(sv_eq_cstr(rx_group(t, s, 2), "email"));
	ck_assert_uint_eq(rx_group(t, s, 40).n, 0);
	/* unset optional group: empty */
	s = SV_LIT("/c/12/");
	ck_assert_int_eq(rx_match(r, s, t), 1);
	ck_assert_uint_eq(rx_group(t, s, 2).n, 0);
	ck_assert_int_eq(rx_match(r, SV_LIT("/d/1/x"), t), 0);
	ck_assert_int_eq(rx_match(r, SV_NULL, t), 0);
	rx_free(r);

	/* invalid UTF-8 and NUL bytes in the subject are just bytes */
	r = rx_compile("caf.\\x00?end", 12, 0, "x:1", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_int_eq(rx_match(r, sv_make("caf\xff\x00" "end", 8), t), 1);
	ck_assert_int_eq(r->limit_hits, 0);
	rx_free(r);

	/* caseless flag */
	r = rx_compile("^get$", 5, RX_CASELESS, "x:1", &err);
	ck_assert_int_eq(rx_match(r, SV_LIT("GET"), t), 1);
	rx_free(r);

	/* errors carry where and offset */
	ck_assert_ptr_null(rx_compile("ab(c", 4, 0, "r.rules:12", &err));
	ck_assert_str_eq(err.msg, "r.rules:12: regex error at offset 4: missing closing parenthesis");
	ck_assert_ptr_null(rx_compile("(*UTF)x", 7, 0, "r.rules:1", &err));
	ck_assert(strncmp(err.msg, "r.rules:1: regex error at offset", 32) == 0);
	rx_thread_free(t);
}
END_TEST

/* A catastrophic pattern cannot hang a scan: the limit makes it a counted non-match. */
START_TEST(test_rx_limits)
{
	struct diag err = { "" };
	struct rx_thread *t = rx_thread_new();
	/* no required literal that PCRE2 could look for first: each must backtrack */
	static const struct {
		const char *pat;
		int short_match;	/* result on "aaaa", to show the thread still works */
	} pats[] = {
		{ "^(a+)+$", 1 },
		{ "^(a|aa)+$", 1 },
		{ "^(?:a|a?)+$", 1 },
		{ "^(.*a){20}$", 0 },
	};
	size_t n = 100 * 1024;
	char *line = malloc(n + 1);
	memset(line, 'a', n);
	line[n] = 'b';
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct rx *r = rx_compile(pats[i].pat, strlen(pats[i].pat), 0, "x:1", &err);
		ck_assert_msg(r != NULL, "%s", err.msg);
		/*
		 * No timing here (speed belongs in tests/bench/): a pattern without
		 * its limit would run for years, and the test case's timeout
		 * (tcase_set_timeout) is the hang guard.  What must hold is that the
		 * match stopped at the limit and was counted.
		 */
		int m = rx_match(r, sv_make(line, n + 1), t);
		ck_assert_int_eq(m, 0);
		ck_assert_msg(r->limit_hits == 1, "%s: limit_hits %lu", pats[i].pat, (unsigned long)r->limit_hits);
		/* the thread is still usable afterwards */
		ck_assert_int_eq(rx_match(r, SV_LIT("aaaa"), t), pats[i].short_match);
		rx_free(r);
	}
	free(line);
	rx_thread_free(t);
}
END_TEST

/*
 * The literal-prefix prefilter must never change an answer: each row is
 * matched with the prefilter and with it turned off, and both must agree
 * with the expected result.
 */
static const struct {
	const char *pattern, *subject;
	const char *prefix;	/* what the prefilter should find */
	int match;
} prefix_rows[] = {
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/email", "/api/v1/customers/4711/email", "/api/v", 1 },
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/email", "/static/app.js", "/api/v", 0 },
	{ "^/api/v\\d+/customers", "/api/", "/api/v", 0 },	/* shorter than the prefix */
	{ "^/a|^/b", "/b", "", 1 },		/* top-level alternation: no prefix */
	{ "^(?:/a|/b)x", "/bx", "", 1 },
	{ "^abc?d", "abd", "ab", 1 },		/* the quantified c is not in the prefix */
	{ "^ab*c", "ac", "a", 1 },
	{ "^a{2}b", "aab", "", 1 },
	{ "^\\/x\\.y", "/x.y", "/x.y", 1 },
	{ "^\\/x\\.y", "/xzy", "/x.y", 0 },
	{ "^\\#tag", "#tag", "#tag", 1 },
	{ "[?&]fields=[^&]*\\bemail", "/c?fields=email", "", 1 },	/* not anchored */
	{ "^x[|]y", "x|y", "x", 1 },		/* a | inside a class is no alternation */
	{ "^x\\|y|z", "z", "", 1 },
	{ "^(?i)ABC", "abc", "", 1 },
	{ "^\\d+", "123", "", 1 },
};

START_TEST(test_rx_prefix_prefilter)
{
	struct diag err;
	struct rx *r = rx_compile(prefix_rows[_i].pattern, strlen(prefix_rows[_i].pattern), 0,
				  "t.rules:1", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_uint_eq(r->nprefix, strlen(prefix_rows[_i].prefix));
	ck_assert(memcmp(r->prefix, prefix_rows[_i].prefix, r->nprefix) == 0);
	struct rx_thread *t = rx_thread_new();
	sv subj = sv_cstr(prefix_rows[_i].subject);
	ck_assert_int_eq(rx_match(r, subj, t), prefix_rows[_i].match);
	r->nprefix = 0;	/* the same question without the prefilter */
	ck_assert_int_eq(rx_match(r, subj, t), prefix_rows[_i].match);
	rx_thread_free(t);
	rx_free(r);
}
END_TEST

/*
 * The skeleton prefilter (rx.h) must never change an answer either: each
 * row is matched with it, then with both prefilters off.  skel: whether the
 * pattern should get one (where greedy matching would not be exact, none or
 * a shorter one).
 */
static const struct {
	const char *pattern, *subject;
	bool skel;
	int match;
} skel_rows[] = {
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v1/customers/42/profile", true, 1 },
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v1/customers/42/account", true, 0 },
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v12/customers/42/profiles", true, 0 },
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v/customers/42/profile", true, 0 },
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v1/customers//profile", true, 0 },
	{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v1/customers/42", true, 0 },
	{ "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\bemail\\b", "/api/v2/customers?fields=email", true, 1 },
	{ "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\bemail\\b", "/api/v2/customers/?a=1&fields=x,email", true, 1 },
	{ "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\bemail\\b", "/api/v2/customers/7/email", true, 0 },
	{ "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\bemail\\b", "/api/v2/customers//?fields=email", true, 0 },
	{ "^(?:TICKET|CASE)-\\d+$", "CASE-12", false, 1 },
	{ "^CAMPAIGN-\\d+$", "CAMPAIGN-7", true, 1 },
	{ "^CAMPAIGN-\\d+$", "CAMPAIGN-", true, 0 },
	{ "^a(\\d+)b", "a12b", true, 1 },
	{ "^a(?:\\d+)b", "a12b", true, 1 },
	{ "^a(?P<n>\\d+)b", "a12x", true, 0 },
	{ "^a(?'n'\\d+)b", "a12b", true, 1 },
	{ "^a(?<=a)\\d+b", "a1b", false, 1 },		/* lookbehind, not a name */
	{ "^a(\\d+)?b", "ab", false, 1 },		/* the group is optional */
	{ "^a\\d+?b", "a1b", false, 1 },		/* lazy */
	{ "^a\\d+1", "a11", true, 1 },		/* cut after \d+: it must give one back */
	{ "^a\\d+x?1", "a11", true, 1 },
	{ "^a\\d+x?1", "ax1", true, 0 },
	{ "^abc", "abc", false, 1 },			/* the prefix says it all */
	{ "^ab?b", "ab", false, 1 },			/* b? then b: greedy would fail */
	{ "^ab?c", "ac", true, 1 },			/* more than the prefix "a" */
	{ "^ab?c\\d+", "ac5", true, 1 },
	{ "^ab?c\\d+", "abd5", true, 0 },
	{ "^ab??c\\d+", "abc5", false, 1 },		/* lazy optional */
	{ "^a\\d+b+", "a1bb", true, 1 },		/* b+ ends it after the digits */
	{ "^a\\d+\\.x", "a1.x", true, 1 },
	{ "^a\\d+\\.x", "a1-x", true, 0 },
	{ "^a\\d+\\d", "a12", true, 1 },		/* \d after \d+: cut there */
	{ "^(?i)a\\d+", "A1", false, 1 },
	{ "^x\\d+|^y", "y", false, 1 },		/* top-level alternation */
	{ "^a(\\d+){2}b", "a1b", false, 0 },
	{ "a\\d+b", "xa1b", false, 1 },		/* not anchored */
};

START_TEST(test_rx_skeleton_prefilter)
{
	struct diag err;
	const char *pat = skel_rows[_i].pattern;
	struct rx *r = rx_compile(pat, strlen(pat), 0, "t.rules:1", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_msg((r->nskel > 0) == skel_rows[_i].skel, "%s: nskel %zu", pat, r->nskel);
	struct rx_thread *t = rx_thread_new();
	sv subj = sv_cstr(skel_rows[_i].subject);
	ck_assert_int_eq(rx_match(r, subj, t), skel_rows[_i].match);
	r->nskel = 0;
	r->nprefix = 0;
	ck_assert_int_eq(rx_match(r, subj, t), skel_rows[_i].match);
	rx_thread_free(t);
	rx_free(r);
}
END_TEST

/*
 * The same agreement on many subjects: every prefix of a matching subject
 * with one byte replaced, inserted or deleted, for the rules' own shapes,
 * each matched with and without the prefilters (and, on a match, the same
 * subject group).
 */
START_TEST(test_rx_skeleton_mutations)
{
	static const struct {
		const char *pattern, *subject;
	} pats[] = {
		{ "^/api/v\\d+/customers/(?<subject>\\d+)/profile\\b", "/api/v12/customers/4711/profile?x=1" },
		{ "^/api/v\\d+/customers/?\\?(?:[^#]*&)?fields=[^&]*\\bemail\\b", "/api/v1/customers/?a=b&fields=email" },
		{ "^/api/v\\d+/licenses/[^/?]+", "/api/v3/licenses/AB-12" },
		{ "^customer-exports-eu/customers/(?<subject>\\d+)/", "customer-exports-eu/customers/12/x.csv" },
		{ "^CAMPAIGN-\\d+$", "CAMPAIGN-2026" },
		{ "^a\\.?b(\\d+)c?d\\d+", "a.b12cd3" },
	};
	static const char repl[] = "/0195a?.bcd-";
	struct diag err;
	struct rx_thread *t = rx_thread_new();
	char buf[128];
	unsigned long tried = 0;

	for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
		struct rx *fast = rx_compile(pats[p].pattern, strlen(pats[p].pattern), 0, "t.rules:1", &err);
		struct rx *slow = rx_compile(pats[p].pattern, strlen(pats[p].pattern), 0, "t.rules:1", &err);
		ck_assert(fast && slow);
		ck_assert_msg(fast->nskel > 0, "%s has no skeleton", pats[p].pattern);
		slow->nskel = 0;
		slow->nprefix = 0;
		int g = rx_group_index(fast, "subject");
		const char *base = pats[p].subject;
		size_t n = strlen(base);
		for (size_t len = 0; len <= n; len++)
			for (size_t at = 0; at <= len; at++)
				for (size_t r = 0; r <= sizeof(repl) - 1; r++)
					for (int op = 0; op < 3; op++) {
						/* op 0: replace at, 1: insert at, 2: delete at (repl unused) */
						size_t m = 0;
						if (op == 2 && (at == len || r > 0))
							continue;
						if (op == 0 && (at == len || r == sizeof(repl) - 1))
							continue;
						memcpy(buf, base, at);
						m = at;
						if (op != 2 && r < sizeof(repl) - 1)
							buf[m++] = repl[r];
						size_t rest = at + (op == 1 ? 0 : 1);
						if (rest < len) {
							memcpy(buf + m, base + rest, len - rest);
							m += len - rest;
						}
						sv s = sv_make(buf, m);
						int want = rx_match(slow, s, t);
						sv wg = want && g > 0 ? rx_group(t, s, (unsigned)g) : SV_NULL;
						int got = rx_match(fast, s, t);
						ck_assert_msg(got == want, "%s on '%.*s': %d, want %d",
							      pats[p].pattern, (int)m, buf, got, want);
						if (got && g > 0)
							ck_assert(sv_eq(rx_group(t, s, (unsigned)g), wg));
						tried++;
					}
		rx_free(fast);
		rx_free(slow);
	}
	ck_assert_uint_gt(tried, 10000);
	rx_thread_free(t);
}
END_TEST

/*
 * The prefilters against PCRE2 alone on patterns nobody wrote by hand:
 * random anchored patterns built from the pieces the skeleton reads
 * (literals, escaped literals, \d+ bare and in groups, optional
 * characters) and from pieces that must end it (classes, stars, lazy and
 * possessive quantifiers, optional groups), each matched on random short
 * subjects over the same few bytes, so that matches, near misses and
 * digit runs are all common.  A fixed seed: a failure names the pattern
 * and subject, and reruns the same.
 */
START_TEST(test_rx_prefilters_random)
{
	static const char *const pieces[] = {
		"a", "b", "1", "/", "-", "\\.", "\\/", "\\d+", "(\\d+)", "(?:\\d+)", "(?<s>\\d+)",
		"a?", "b?", "/?", "1?", "\\.?", "[0-9]", "[ab]", "a*", "b+", "\\d", "\\d+?",
		"a??", "a?+", "(?:ab)?", ".", "\\w+", "(\\d+)?", "\\b", "$",
	};
	static const char alphabet[] = "ab1/-.2";
	struct diag err;
	struct rx_thread *t = rx_thread_new();
	uint64_t seed = 0x9e3779b97f4a7c15u;
	unsigned long with_skel = 0, matched = 0;

	for (int p = 0; p < 1500; p++) {
		char pat[128] = "^";
		size_t np = 1;
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		int npieces = 1 + (int)((seed >> 33) % 6);
		for (int k = 0; k < npieces; k++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			/* Mostly the skeleton's own pieces (the first 16), so it gets long. */
			size_t pick = (seed >> 40) % 4 ? (seed >> 20) % 16 : (seed >> 20) % (sizeof(pieces) / sizeof(pieces[0]));
			size_t l = strlen(pieces[pick]);
			memcpy(pat + np, pieces[pick], l);
			np += l;
		}
		pat[np] = '\0';
		struct rx *fast = rx_compile(pat, np, 0, "t.rules:1", &err);
		if (!fast)
			continue;	/* e.g. two groups named s */
		struct rx *slow = rx_compile(pat, np, 0, "t.rules:1", &err);
		ck_assert_msg(slow != NULL, "%s: %s", pat, err.msg);
		with_skel += fast->nskel > 0;
		slow->nskel = 0;
		slow->nprefix = 0;
		for (int k = 0; k < 100; k++) {
			char subj[16];
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			size_t n = (seed >> 35) % 10;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 6364136223846793005u + 1442695040888963407u;
				subj[i] = alphabet[(seed >> 37) % (sizeof(alphabet) - 1)];
			}
			sv s = sv_make(subj, n);
			int want = rx_match(slow, s, t);
			int got = rx_match(fast, s, t);
			ck_assert_msg(got == want, "%s on '%.*s': %d, want %d", pat, (int)n, subj, got, want);
			matched += want == 1;
		}
		rx_free(fast);
		rx_free(slow);
	}
	/* The test means something only if both prefilters and matches were common. */
	ck_assert_uint_gt(with_skel, 300);
	ck_assert_uint_gt(matched, 3000);
	rx_thread_free(t);
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_good_policy);
	tcase_add_test(tc, test_check_applicability);
	tcase_add_test(tc, test_digest_covers_data_files);
	tcase_add_test(tc, test_bom_and_crlf);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(err_cases) / sizeof(err_cases[0])));
	tcase_add_test(tc, test_include_loop_chain);
	tcase_add_loop_test(tc, test_too_many, 0, 3);
	tcase_add_test(tc, test_includes_and_dirs);
	tcase_add_test(tc, test_missing_path_and_empty_dir);
	tcase_add_loop_test(tc, test_comments, 0, (int)(sizeof(comment_cases) / sizeof(comment_cases[0])));
	tcase_add_loop_test(tc, test_booleans, 0, (int)(sizeof(bool_cases) / sizeof(bool_cases[0])));
	tcase_add_test(tc, test_roles_of);
	tcase_add_test(tc, test_lint);
	tcase_add_test(tc, test_default_rules);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_rx_basics);
	tcase_add_test(tc, test_rx_limits);
	tcase_add_loop_test(tc, test_rx_prefix_prefilter, 0, (int)(sizeof(prefix_rows) / sizeof(prefix_rows[0])));
	tcase_add_loop_test(tc, test_rx_skeleton_prefilter, 0, (int)(sizeof(skel_rows) / sizeof(skel_rows[0])));
	tcase_add_test(tc, test_rx_skeleton_mutations);
	tcase_add_test(tc, test_rx_prefilters_random);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(rules_suite)
