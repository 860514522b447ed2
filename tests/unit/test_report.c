/*
 * test_report.c - the summary, redaction, safe report files, and every
 * writer rendering one hand-built audit result.
 *
 * The fixture: two inputs (the second damaged), four findings:
 *   0 no-business-reason (high; Security + Purpose Limitation) mrossi/4711, line 12
 *   1 the same group, line 15
 *   2 unauthenticated-access (critical; Security), anonymous, subject 4712, input 1
 *   3 off-hours-access (low), jdoe, suppressed by the baseline
 * Evidence carries e-mail addresses that must never reach a redacted report.
 */
#include "testutil.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "escape.h"
#include "redact.h"
#include "report.h"
#include "rx.h"

#define EMAIL "alice@example.com"
#define EMAIL_MASKED "a***@e***.com"

/* ---- fixture -------------------------------------------------------------- */

static struct pol_category cats[2];
static struct pol_check checks[CHK_BUILTIN_COUNT];
static const char *rule_files[] = { "rules/dpf.rules" };
static struct policy pol;
static struct aud_input inputs[2];
static struct aud_result res;
static const char *described[] = { "--since 2026-11-27" };
static struct filter filt;

static void add(uint32_t check, enum sev sev, const char *user, const char *role,
		const char *subject, uint64_t cats_, uint32_t file, uint64_t line, int64_t t,
		const char *evidence, bool suppressed)
{
	struct finding f = { 0 };

	f.check = check;
	f.severity = sev;
	f.time = t;
	f.has_time = true;
	f.user = sv_cstr(user);
	f.role = sv_cstr(role);
	f.subject = sv_cstr(subject);
	f.categories = cats_;
	f.file = file;
	f.line = line;
	f.evidence = sv_cstr(evidence);
	f.detail = sv_cstr("read of email for customer by " EMAIL " without a reason");
	f.resource = sv_cstr("/api/v1/customers/4711/email");
	f.suppressed = suppressed;
	fnd_add(&res.findings, &f);
}

static void fixture(void)
{
	memset(&pol, 0, sizeof(pol));
	memset(&res, 0, sizeof(res));
	memset(inputs, 0, sizeof(inputs));
	cats[0] = (struct pol_category){ .name = "email" };
	cats[1] = (struct pol_category){ .name = "health", .sensitive = true };
	for (int i = 0; i < CHK_BUILTIN_COUNT; i++) {
		const struct chk_info *ci = chk_info((enum chk_id)i);
		checks[i] = (struct pol_check){ .id = ci->id, .principles = ci->principles,
						.severity = ci->severity, .enabled = true,
						.builtin = true, .title = ci->title };
	}
	pol.categories = cats;
	pol.ncategories = 2;
	pol.checks = checks;
	pol.nchecks = CHK_BUILTIN_COUNT;
	pol.files = rule_files;
	pol.nfiles = 1;
	strcpy(pol.digest, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

	inputs[0] = (struct aud_input){ .path = "logs/access.log.gz", .size = 1234,
					.compression = "gzip", .format = "combined", .lines = 20,
					.parsed = 19, .unparsed = 1, .events = 19, .pd_reads = 10,
					.complete = true, .has_time = true, .tmin = 1795748047,
					.tmax = 1795751647 };
	inputs[0].unparsed_ex[0] = (struct aud_example){ 7, SV_LIT("garbage from " EMAIL) };
	inputs[0].nunparsed_ex = 1;
	inputs[1] = (struct aud_input){ .path = "logs/b,\"weird\".log", .size = 99,
					.compression = "gzip", .format = "combined", .lines = 5,
					.parsed = 5, .complete = false,
					.error = "unexpected end of gzip stream", .error_offset = 77 };
	res.inputs = inputs;
	res.ninputs = 2;
	res.incomplete = true;
	res.lines = 25;
	res.parsed = 24;
	res.unparsed = 1;
	res.records = 25;
	res.events = 24;
	res.pd_reads = 10;
	res.assessed[PR_SECURITY] = 10;
	res.assessed[PR_PURPOSE_LIMITATION] = 10;
	res.assessed[PR_ONWARD_TRANSFER] = 3;	/* assessed, no finding: pass */
	res.reads_by_hour[3] = 4;
	res.reads_by_hour[10] = 6;
	res.findings_by_hour[3] = 3;
	res.has_time = true;
	res.tmin = 1795748047;
	res.tmax = 1795751647;

	add(CHK_NO_BUSINESS_REASON, SEV_HIGH, "mrossi", "support-agent", "4711", 1, 0, 12,
	    1795748047, "10.0.0.7 - mrossi \"GET /api/v1/customers/4711/email?e=" EMAIL "\" 200",
	    false);
	add(CHK_NO_BUSINESS_REASON, SEV_HIGH, "mrossi", "support-agent", "4711", 1, 0, 15,
	    1795748100, "10.0.0.7 - mrossi \"GET /x\" 200 =cmd", false);
	add(CHK_UNAUTHENTICATED_ACCESS, SEV_CRITICAL, "", "", "4712", 2, 1, 3, 1795749000,
	    "10.0.0.9 - - \"GET /api/v1/customers/4712/health\" 200 \x1b[31m", false);
	add(CHK_OFF_HOURS_ACCESS, SEV_LOW, "jdoe", "support-agent", "4713", 1, 0, 18, 1795751647,
	    "10.0.0.8 - jdoe \"GET /api/v1/customers/4713/email\" 200", true);
	fnd_sort(&res.findings);

	memset(&filt, 0, sizeof(filt));
	filt.described = described;
	filt.ndescribed = 1;
}

static void teardown(void)
{
	fnd_release(&res.findings);
}

static struct rep_ctx ctx(enum sev fail_on, bool redact)
{
	static const char *rp[] = { "rules" };
	struct rep_ctx c = { 0 };

	c.pol = &pol;
	c.res = &res;
	c.filter = &filt;
	c.rule_paths = rp;
	c.nrule_paths = 1;
	c.command_line = "dpfaudit scan logs";
	c.version = "0.1.0";
	c.redact = redact;
	c.fail_on = fail_on;
	return c;
}

/* Render with a writer into a malloc'd string. */
static char *render(const struct rep_writer *w, struct rep_ctx c)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	struct rep_summary *s = rep_summarize(&c);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(s);
	ck_assert(s->grouped == !c.no_groups);
	c.sum = s;
	w->write(&c, f);
	ck_assert_int_eq(ferror(f), 0);
	fclose(f);
	rep_summary_free(s);
	return p;
}

/* ---- summary -------------------------------------------------------------- */

START_TEST(test_summary)
{
	struct rep_ctx c = ctx(SEV_CRITICAL, true);
	struct rep_summary *s = rep_summarize(&c);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->findings, 3);
	ck_assert_uint_eq(s->suppressed, 1);
	ck_assert_uint_eq(s->failing, 1);	/* only the critical one */
	/* A finding of a two-principle check counts in both, once in the total. */
	ck_assert_uint_eq(s->total_by_sev[SEV_HIGH], 2);
	ck_assert_uint_eq(s->by_sev[PR_SECURITY][SEV_HIGH], 2);
	ck_assert_uint_eq(s->by_sev[PR_PURPOSE_LIMITATION][SEV_HIGH], 2);
	ck_assert_uint_eq(s->by_sev[PR_SECURITY][SEV_CRITICAL], 1);
	ck_assert_uint_eq(s->by_sev[PR_SECURITY][SEV_LOW], 0);	/* suppressed */
	ck_assert_int_eq(s->status[PR_SECURITY], REP_FAIL);
	ck_assert_int_eq(s->status[PR_PURPOSE_LIMITATION], REP_FAIL);
	ck_assert_int_eq(s->status[PR_ONWARD_TRANSFER], REP_PASS);
	ck_assert_int_eq(s->status[PR_CHOICE], REP_NOT_ASSESSED);
	ck_assert_uint_eq(s->by_check[CHK_NO_BUSINESS_REASON], 2);
	ck_assert_uint_eq(s->by_check[CHK_OFF_HOURS_ACCESS], 0);
	ck_assert_uint_eq(s->groups.n, 3);
	ck_assert_uint_eq(s->groups.live, 2);	/* one group is its suppressed finding alone */
	/* Rankings skip empty names and suppressed findings. */
	ck_assert_uint_eq(s->ntop_users, 1);
	ck_assert(sv_eq_cstr(s->top_users[0].name, "mrossi"));
	ck_assert_uint_eq(s->top_users[0].count, 2);
	ck_assert_uint_eq(s->ntop_subjects, 2);
	ck_assert(sv_eq_cstr(s->top_subjects[0].name, "4711"));
	ck_assert_str_eq(rep_status_name(REP_NOT_ASSESSED), "not assessed");
	rep_summary_free(s);

	c = ctx(SEV_NONE, true);
	s = rep_summarize(&c);
	ck_assert_uint_eq(s->failing, 0);
	rep_summary_free(s);
}
END_TEST

START_TEST(test_rank_ties_and_cap)
{
	/* 12 users with one finding each, plus zed with two: zed first, then by name, 10 kept. */
	fnd_release(&res.findings);
	static char names[12][8];
	for (int i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "u%02d", 11 - i);
		add(CHK_OFF_HOURS_ACCESS, SEV_LOW, names[i], "r", "1", 1, 0, (uint64_t)i + 1, 0,
		    "x", false);
	}
	add(CHK_OFF_HOURS_ACCESS, SEV_LOW, "zed", "r", "1", 1, 0, 20, 0, "x", false);
	add(CHK_OFF_HOURS_ACCESS, SEV_LOW, "zed", "r", "1", 1, 0, 21, 0, "x", false);
	fnd_sort(&res.findings);
	struct rep_ctx c = ctx(SEV_NONE, true);
	struct rep_summary *s = rep_summarize(&c);
	ck_assert_uint_eq(s->ntop_users, 10);
	ck_assert(sv_eq_cstr(s->top_users[0].name, "zed"));
	ck_assert(sv_eq_cstr(s->top_users[1].name, "u00"));
	ck_assert(sv_eq_cstr(s->top_users[9].name, "u08"));
	ck_assert_uint_eq(s->ntop_roles, 1);
	ck_assert_uint_eq(s->top_roles[0].count, 14);
	rep_summary_free(s);
}
END_TEST

/*
 * The counts behind the rankings stay exact when the counting map is past
 * its memory (a tiny findings budget: it moves to the sorter at nearly
 * every name, so one name is summed from many records): the same top lists
 * as with the default budget, and the counts asked for.
 */
START_TEST(test_rank_exact_past_the_map_budget)
{
	fnd_release(&res.findings);
	char user[8], subj[8];
	/* user uK has K+1 findings (K < 30); subjects cycle over 37, so they tie and interleave. */
	unsigned n = 0;
	for (unsigned k = 0; k < 30; k++)
		for (unsigned i = 0; i <= k; i++, n++) {
			snprintf(user, sizeof(user), "u%03u", k);
			snprintf(subj, sizeof(subj), "%u", n % 37);
			add(CHK_OFF_HOURS_ACCESS, SEV_LOW, user, n % 3 ? "r1" : "r2", subj, 1, 0,
			    n + 1, 0, "x", false);
		}
	fnd_sort(&res.findings);
	struct rep_ctx c = ctx(SEV_NONE, true);
	struct rep_summary *big = rep_summarize(&c);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(big->ntop_users, 10);
	for (size_t i = 0; i < 10; i++) {
		char want[8];
		snprintf(want, sizeof(want), "u%03zu", 29 - i);
		ck_assert(sv_eq_cstr(big->top_users[i].name, want));
		ck_assert_uint_eq(big->top_users[i].count, 30 - i);
	}
	ck_assert_uint_eq(big->ntop_roles, 2);
	ck_assert(sv_eq_cstr(big->top_roles[0].name, "r1"));
	ck_assert_uint_eq(big->top_roles[0].count + big->top_roles[1].count, n);
	/* Subjects: 465 findings over 37 subjects, 13 or 12 each; the 13s first, by name. */
	ck_assert_uint_eq(big->top_subjects[0].count, 13);
	ck_assert(sv_eq_cstr(big->top_subjects[0].name, "0"));
	/* Map of 256 bytes: moved at every new name; of 4 KiB: a few dozen names at a time. */
	for (size_t budget = 4096; budget <= 65536; budget *= 16) {
		res.findings.budget = budget;
		struct rep_summary *tiny = rep_summarize(&c);
		res.findings.budget = 0;
		ck_assert_ptr_nonnull(tiny);
		const struct rep_rank *const lists[][2] = { { big->top_users, tiny->top_users },
							     { big->top_roles, tiny->top_roles },
							     { big->top_subjects, tiny->top_subjects } };
		const size_t counts[][2] = { { big->ntop_users, tiny->ntop_users },
					     { big->ntop_roles, tiny->ntop_roles },
					     { big->ntop_subjects, tiny->ntop_subjects } };
		for (size_t l = 0; l < 3; l++) {
			ck_assert_uint_eq(counts[l][0], counts[l][1]);
			for (size_t i = 0; i < counts[l][0]; i++) {
				ck_assert(sv_eq(lists[l][0][i].name, lists[l][1][i].name));
				ck_assert_uint_eq(lists[l][0][i].count, lists[l][1][i].count);
			}
		}
		rep_summary_free(tiny);
	}
	rep_summary_free(big);
}
END_TEST

/* ---- redaction ------------------------------------------------------------ */

START_TEST(test_redact_email)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "", "" },
		{ EMAIL, EMAIL_MASKED },
		{ "from bob.smith@mail.example.co.uk to carol@example.org.",
		  "from b***@m***.uk to c***@e***.org." },
		{ "/api?email=alice%40example.com&x=1", "/api?email=a***%40e***.com&x=1" },
		{ "<ALICE@EXAMPLE.COM>", "<A***@E***.COM>" },
		{ "user=x+tag@example.com,", "user=x***@e***.com," },
		{ "root@localhost", "root@localhost" },		/* no dot: not an address */
		{ "@example.com", "@example.com" },		/* no local part */
		{ "a@b.c", "a@b.c" },				/* one-letter TLD */
		{ "x@example.c0m", "x@example.c0m" },
		{ "100%40 off", "100%40 off" },
		/* invalid UTF-8 fixed too; U+FFFD is a non-ASCII local part character */
		{ "\xFF" EMAIL, "\xEF\xBF\xBD***@e***.com" },
		{ "\xFF " EMAIL, "\xEF\xBF\xBD " EMAIL_MASKED },
		/* percent-encoded dots as well as "@" (issue 16 case 6) */
		{ "/u?e=john%2Edoe%40example%2Ecom&x", "/u?e=j***%40e***%2Ecom&x" },
		{ "/u?e=john%2edoe%40example%2ecom%2E ", "/u?e=j***%40e***%2ecom%2E " },
		/* internationalised: UTF-8 local parts and domains, punycode */
		{ "to anna@m\xC3\xBCller.de.", "to a***@m***.de." },
		{ "\xC3\xA9lodie@example.com", "\xC3\xA9***@e***.com" },
		{ "x@\xE4\xBE\x8B\xE5\xAD\x90.\xE6\xB5\x8B\xE8\xAF\x95",
		  "x***@\xE4\xBE\x8B***.\xE6\xB5\x8B\xE8\xAF\x95" },
		{ "a@example.xn--p1ai", "a***@e***.xn--p1ai" },
	};
	struct red *r = red_new(&pol);
	struct buf b = BUF_INIT;

	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		buf_reset(&b);
		red_apply(r, sv_cstr(rows[i].in), &b);
		ck_assert_msg(strcmp(b.p ? b.p : "", rows[i].want) == 0, "row %zu: got [%s]", i,
			      b.p ? b.p : "");
	}
	buf_reset(&b);
	red_email(SV_LIT("z@q.io"), &b);
	ck_assert_str_eq(b.p, "z***@q***.io");
	buf_release(&b);
	red_free(r);
}
END_TEST

/* Evidence cut at its limit never keeps half an address (issue 16 case 6). */
START_TEST(test_redact_before_cut)
{
	char line[FND_EVIDENCE_MAX + 200];
	const char *addr = "john.doe@gmail.com";
	struct red *r = red_new(&pol);
	struct buf b = BUF_INIT;
	struct fnd_list l;

	/* The address straddles the limit at every offset of its length. */
	for (size_t at = FND_EVIDENCE_MAX - strlen(addr); at <= FND_EVIDENCE_MAX; at++) {
		memset(line, 'x', sizeof(line));
		line[at - 1] = ' ';
		memcpy(line + at, addr, strlen(addr));
		line[at + strlen(addr)] = ' ';
		l = (struct fnd_list)FND_LIST_INIT;
		struct finding f = { .evidence = sv_make(line, sizeof(line)) };
		fnd_add(&l, &f);
		buf_reset(&b);
		red_apply(r, l.v[0].evidence, &b);
		ck_assert_msg(!strstr(b.p, "john") && !strstr(b.p, "gmail"),
			      "address at %zu shown: ...%s", at, b.p + at - 8);
		ck_assert(l.v[0].evidence.n <= FND_EVIDENCE_MAX + 3);
		fnd_release(&l);
	}
	ck_assert_uint_eq(red_safe_cut(sv_cstr("abc def"), 5), 4);	/* "def" would be cut */
	ck_assert_uint_eq(red_safe_cut(sv_cstr("abc def"), 3), 3);	/* the cut is clean */
	ck_assert_uint_eq(red_safe_cut(sv_cstr("abc"), 9), 3);
	buf_release(&b);
	red_free(r);
}
END_TEST

START_TEST(test_redact_patterns)
{
	static const struct {
		const char *pattern, *in, *want;
	} rows[] = {
		/* a group: only the group is masked, every occurrence */
		{ "customers/(\\d+)", "GET /customers/4711/x /customers/12", "GET /customers/***/x /customers/***" },
		/* no group: the whole match */
		{ "token=\\w+", "a token=abc&token=def", "a ***&***" },
		/* ^ keeps its meaning after the first match */
		{ "^GET", "GET GET", "*** GET" },
		/* an empty match must not loop */
		{ "x*", "axxb", "a***b" },
		/* e-mails are masked before patterns see the line */
		{ "nomatch", EMAIL, EMAIL_MASKED },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct diag d;
		struct rx *rx = rx_compile(rows[i].pattern, strlen(rows[i].pattern), 0, "t:1", &d);
		ck_assert_msg(rx != NULL, "%s", d.msg);
		struct rx *list[1] = { rx };
		pol.redact = list;
		pol.nredact = 1;
		struct red *r = red_new(&pol);
		struct buf b = BUF_INIT;
		red_apply(r, sv_cstr(rows[i].in), &b);
		ck_assert_msg(strcmp(b.p, rows[i].want) == 0, "row %zu: got [%s]", i, b.p);
		buf_release(&b);
		red_free(r);
		rx_free(rx);
		pol.redact = NULL;
		pol.nredact = 0;
	}
}
END_TEST

/* ---- rep_write ------------------------------------------------------------ */


static int count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(dp);
	return n;
}

START_TEST(test_write_mode_and_atomic)
{
	char path[64];
	struct diag d = { "" };
	struct stat st;
	struct rep_ctx c = ctx(SEV_NONE, true);
	char dir[] = "/tmp/dpfrepXXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	/* An old world-readable report is replaced, not rewritten in place. */
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "old", 3), 3);
	close(fd);
	chmod(path, 0644);
	umask(022);
	ck_assert_int_eq(rep_write(&rep_text, &c, path, &d), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_gt(st.st_size, 100);
	ck_assert_int_eq(count_entries(dir), 1);	/* no temporary left */

	/* A missing directory: error names the path, nothing created. */
	char bad[96];
	snprintf(bad, sizeof(bad), "%s/nodir/r.json", dir);
	ck_assert_int_eq(rep_write(&rep_json, &c, bad, &d), -1);
	ck_assert_msg(strstr(d.msg, bad) == d.msg && strstr(d.msg, ": write error: "), "%s", d.msg);
	ck_assert_int_eq(count_entries(dir), 1);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_write_failure_keeps_old_report)
{
	char path[64], buf[16] = "";
	struct diag d = { "" };
	struct rep_ctx c = ctx(SEV_NONE, true);
	struct rlimit rl;
	char dir[] = "/tmp/dpfrepXXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.html", dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_eq(write(fd, "old", 3), 3);
	close(fd);
	/* The HTML report is far larger than 512 bytes: the write fails midway. */
	struct rlimit old_rl;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old_rl), 0);
	/* Only the soft limit: it can be raised back without privileges. */
	rl.rlim_cur = 512;
	rl.rlim_max = old_rl.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	/*
	 * No assertion until the limit is restored: with CK_FORK=no the runner
	 * shares it, and every ck_assert writes to the runner's own file.
	 */
	int set = setrlimit(RLIMIT_FSIZE, &rl);
	int wr = rep_write(&rep_html, &c, path, &d);
	int restored = setrlimit(RLIMIT_FSIZE, &old_rl);
	ck_assert_int_eq(set, 0);
	ck_assert_int_eq(restored, 0);
	ck_assert_int_eq(wr, -1);
	ck_assert_msg(strstr(d.msg, ": write error: File too large") != NULL, "%s", d.msg);
	ck_assert_int_eq(count_entries(dir), 1);	/* temp removed */
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);	/* old report untouched */
	close(fd);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_write_dev_full)
{
	struct diag d = { "" };
	struct rep_ctx c = ctx(SEV_NONE, true);

	ck_assert_int_eq(rep_write(&rep_text, &c, "/dev/full", &d), -1);
	ck_assert_str_eq(d.msg, "/dev/full: write error: No space left on device");

	/* Standard output on a full device fails the same way. */
	int fd = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);	/* with CK_FORK=no the runner needs it back */
	ck_assert_int_ge(saved, 0);
	int duped = dup2(fd, STDOUT_FILENO);
	d.msg[0] = '\0';
	int r1 = rep_write(&rep_json, &c, "-", &d);
	char msg1[sizeof(d.msg)];
	memcpy(msg1, d.msg, sizeof(msg1));
	int r2 = rep_write(&rep_csv, &c, NULL, &d);
	clearerr(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	ck_assert_int_ge(duped, 0);
	ck_assert_int_eq(r1, -1);
	ck_assert_str_eq(msg1, "standard output: write error: No space left on device");
	ck_assert_int_eq(r2, -1);
}
END_TEST

START_TEST(test_find)
{
	const char *names[] = { "text", "json", "html", "sarif", "junit", "csv", "markdown" };
	for (size_t i = 0; i < 7; i++) {
		const struct rep_writer *w = rep_find(names[i]);
		ck_assert_ptr_nonnull(w);
		ck_assert_str_eq(w->name, names[i]);
		ck_assert_ptr_nonnull(strstr(rep_names(), names[i]));
	}
	ck_assert_ptr_null(rep_find("pdf"));
	ck_assert_ptr_null(rep_find(""));
}
END_TEST

/* ---- writers -------------------------------------------------------------- */

static const struct rep_writer *const all[] = {
	&rep_text, &rep_json, &rep_html, &rep_sarif, &rep_junit, &rep_csv, &rep_markdown,
};

START_TEST(test_every_format_redacts_and_is_deterministic)
{
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		char *a = render(all[i], ctx(SEV_HIGH, true));
		char *b = render(all[i], ctx(SEV_HIGH, true));
		ck_assert_msg(strcmp(a, b) == 0, "%s not deterministic", all[i]->name);
		ck_assert_msg(strstr(a, EMAIL) == NULL, "%s leaks an e-mail", all[i]->name);
		ck_assert_msg(strstr(a, "\x1b") == NULL, "%s passes ESC through", all[i]->name);
		free(a);
		free(b);
		/* --no-redact shows it. */
		a = render(all[i], ctx(SEV_HIGH, false));
		ck_assert_msg(strstr(a, EMAIL) != NULL, "%s: --no-redact hides", all[i]->name);
		free(a);
	}
}
END_TEST

/*
 * The groups are made only for a report that reads them: the JSON, HTML
 * and Markdown reports, and the text report past its headline (checks
 * table, findings, gate).  Each of the others comes out the same, byte for
 * byte, from a summary made without them (rep_ctx.no_groups), at every
 * detail and with a gate; each that reads them comes out different (so
 * the fixture shows a wrong answer either way).  rep_write() refuses a
 * summary without groups for a report that reads them, and makes its own
 * summary with or without them as the report needs.
 */
START_TEST(test_groups_only_where_read)
{
	static const enum rep_detail details[] = { REP_DETAIL_QUIET, REP_DETAIL_LOW,
						   REP_DETAIL_MEDIUM, REP_DETAIL_HIGH };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (size_t d = 0; d < sizeof(details) / sizeof(details[0]); d++) {
			const struct rep_writer *w = all[i];
			struct rep_ctx c = ctx(SEV_LOW, true);
			c.detail = details[d];
			bool want = w == &rep_json || w == &rep_html || w == &rep_markdown ||
				    (w == &rep_text && details[d] != REP_DETAIL_QUIET);
			ck_assert_msg(rep_uses_groups(w, &c) == want, "%s, detail %d", w->name,
				      (int)details[d]);
			char *with = render(w, c);
			c.no_groups = true;
			char *without = render(w, c);
			ck_assert_msg((strcmp(with, without) != 0) == want,
				      "%s, detail %d: %s without the groups", w->name, (int)details[d],
				      want ? "the same" : "not the same");
			free(with);
			free(without);
		}

	struct diag e = { "" };
	struct rep_ctx c = ctx(SEV_NONE, true);
	char dir[] = "/tmp/dpfrepXXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r", dir);
	c.no_groups = true;
	struct rep_summary *s = rep_summarize(&c);
	ck_assert_ptr_nonnull(s);
	ck_assert(!s->grouped);
	ck_assert_uint_eq(s->groups.n, 0);
	c.sum = s;
	ck_assert_int_eq(rep_write(&rep_json, &c, path, &e), -1);
	ck_assert_msg(strstr(e.msg, "needs the groups"), "%s", e.msg);
	ck_assert_int_eq(count_entries(dir), 0);
	ck_assert_int_eq(rep_write(&rep_csv, &c, path, &e), 0);
	rep_summary_free(s);
	/* Its own summary: the JSON report has its groups. */
	c = ctx(SEV_NONE, true);
	ck_assert_int_eq(rep_write(&rep_json, &c, path, &e), 0);
	struct bytes got = { 0 };
	slurp(path, &got);
	char *want = render(&rep_json, c);
	ck_assert_str_eq((const char *)got.p, want);
	free(got.p);
	free(want);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_text)
{
	char *t = render(&rep_text, ctx(SEV_NONE, true));

	ck_assert_ptr_nonnull(strstr(t, "dpfaudit 0.1.0"));
	/* No --fail-on: findings, but no gate to fail. */
	ck_assert_ptr_nonnull(strstr(t, "FINDINGS (no --fail-on gate): 3 findings (1 critical, 2 high)"));
	ck_assert_ptr_nonnull(strstr(t, "AUDIT INCOMPLETE"));
	ck_assert_ptr_nonnull(strstr(t, "INCOMPLETE: unexpected end of gzip stream"));
	/* The incomplete banner comes before the findings. */
	ck_assert(strstr(t, "AUDIT INCOMPLETE") < strstr(t, "\nFindings"));
	ck_assert_ptr_nonnull(strstr(t, "Time range: 2026-11-27T"));
	ck_assert_ptr_nonnull(strstr(t, "--since 2026-11-27"));
	ck_assert_ptr_nonnull(strstr(t, "sha256 0123456789abcdef"));
	ck_assert_ptr_nonnull(strstr(t, "Notice"));
	ck_assert_ptr_nonnull(strstr(t, "Recourse"));
	ck_assert_ptr_nonnull(strstr(t, "[high] no-business-reason"));
	ck_assert_ptr_nonnull(strstr(t, "logs/access.log.gz:12: "));
	ck_assert_ptr_nonnull(strstr(t, "\\x1B[31m"));
	ck_assert_ptr_nonnull(strstr(t, "logs/access.log.gz:7: garbage from " EMAIL_MASKED));
	ck_assert_ptr_nonnull(strstr(t, "(1 more suppressed by the baseline)"));
	/* The suppressed finding's evidence is not shown. */
	ck_assert_ptr_null(strstr(t, "4713/email"));
	free(t);

	t = render(&rep_text, ctx(SEV_CRITICAL, true));
	ck_assert_ptr_nonnull(strstr(t, "Gate (--fail-on critical): FAILED by 1 finding"));
	free(t);

	/* No findings: PASS only when every input was read whole. */
	fnd_release(&res.findings);
	t = render(&rep_text, ctx(SEV_NONE, true));
	ck_assert_ptr_nonnull(strstr(t, "\nINCOMPLETE: 0 findings in what could be read\n"));
	ck_assert_ptr_null(strstr(t, "PASS"));
	free(t);
	res.incomplete = false;
	t = render(&rep_text, ctx(SEV_NONE, true));
	ck_assert_ptr_nonnull(strstr(t, "\nPASS: no findings\n"));
	ck_assert_ptr_null(strstr(t, "AUDIT INCOMPLETE"));
	free(t);
}
END_TEST

static json_t *obj_by(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));
		if (s && !strcmp(s, val))
			return v;
	}
	return NULL;
}

START_TEST(test_json)
{
	char *t = render(&rep_json, ctx(SEV_HIGH, true));
	json_error_t e;
	json_t *j = json_loads(t, 0, &e);

	ck_assert_msg(j != NULL, "json: %s at line %d", e.text, e.line);
	ck_assert_str_eq(json_string_value(json_object_get(j, "schema_version")), "2.0");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "tool"), "version")),
			 "0.1.0");
	ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "fail");
	ck_assert(json_is_false(json_object_get(j, "complete")));
	json_t *sum = json_object_get(j, "summary");
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "findings")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "suppressed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "failing")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sum, "by_severity"),
							    "high")), 2);
	json_t *pr = json_object_get(j, "principles");
	ck_assert_int_eq(json_array_size(pr), PR_COUNT);
	json_t *sec = obj_by(pr, "id", "security");
	ck_assert_ptr_nonnull(sec);
	ck_assert_str_eq(json_string_value(json_object_get(sec, "status")), "fail");
	ck_assert_int_eq(json_integer_value(json_object_get(sec, "events_assessed")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sec, "findings"),
							    "critical")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(obj_by(pr, "id", "choice"), "status")),
			 "not assessed");
	json_t *fs = json_object_get(j, "findings");
	ck_assert_int_eq(json_array_size(fs), 4);
	json_t *f0 = json_array_get(fs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(f0, "file")), "logs/access.log.gz");
	ck_assert_int_eq(json_integer_value(json_object_get(f0, "line")), 12);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(f0, "evidence")),
				     EMAIL_MASKED));
	ck_assert_str_eq(json_string_value(json_object_get(f0, "time")), "2026-11-27T02:54:07Z");
	json_t *gs = json_object_get(j, "groups");
	ck_assert_int_eq(json_array_size(gs), 3);
	/* Groups are ordered by severity: the critical one first. */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(gs, 0), "check")),
			 "unauthenticated-access");
	json_t *in1 = json_array_get(json_object_get(json_object_get(j, "scope"), "inputs"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(in1, "path")), "logs/b,\"weird\".log");
	ck_assert(json_is_false(json_object_get(in1, "complete")));
	ck_assert_int_eq(json_integer_value(json_object_get(in1, "error_offset")), 77);
	ck_assert_int_eq(json_array_size(json_object_get(j, "hours")), 24);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "coverage"),
							    "lines")), 25);
	json_decref(j);
	free(t);
}
END_TEST

START_TEST(test_sarif)
{
	char *t = render(&rep_sarif, ctx(SEV_NONE, true));
	json_error_t e;
	json_t *j = json_loads(t, 0, &e);

	ck_assert_msg(j != NULL, "sarif: %s at line %d", e.text, e.line);
	ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "2.1.0");
	json_t *run = json_array_get(json_object_get(j, "runs"), 0);
	json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"),
					"rules");
	ck_assert_int_eq(json_array_size(rules), CHK_BUILTIN_COUNT);
	json_t *rs = json_object_get(run, "results");
	ck_assert_int_eq(json_array_size(rs), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *r = json_array_get(rs, i);
		const struct finding *f = &res.findings.v[i];
		size_t idx = (size_t)json_integer_value(json_object_get(r, "ruleIndex"));
		ck_assert_str_eq(json_string_value(json_object_get(r, "ruleId")),
				 json_string_value(json_object_get(json_array_get(rules, idx), "id")));
		ck_assert_str_eq(json_string_value(json_object_get(r, "ruleId")),
				 chk_info((enum chk_id)f->check)->id);
		json_t *loc = json_object_get(json_array_get(json_object_get(r, "locations"), 0),
					      "physicalLocation");
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(loc, "region"),
								    "startLine")), (json_int_t)f->line);
		const char *lvl = json_string_value(json_object_get(r, "level"));
		ck_assert_str_eq(lvl, f->severity >= SEV_HIGH ? "error" :
				      f->severity == SEV_MEDIUM ? "warning" : "note");
	}
	/* The path with a comma and quotes is a percent-encoded URI. */
	ck_assert_ptr_nonnull(strstr(t, "\"logs/b%2C%22weird%22.log\""));
	json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
	ck_assert(json_is_false(json_object_get(inv, "executionSuccessful")));
	json_decref(j);
	free(t);
}
END_TEST

START_TEST(test_junit)
{
	/* Without --fail-on nothing gates: findings are output, no case fails. */
	char *t = render(&rep_junit, ctx(SEV_NONE, true));
	ck_assert_ptr_null(strstr(t, "<failure"));
	ck_assert_ptr_nonnull(strstr(t, "<testcase name=\"no-business-reason\" classname=\"dpf.security\"><system-out>"));
	ck_assert_ptr_nonnull(strstr(t, "(no --fail-on gate: listed, not failed)"));
	free(t);

	t = render(&rep_junit, ctx(SEV_LOW, true));
	ck_assert_ptr_nonnull(strstr(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	ck_assert_ptr_nonnull(strstr(t, "<testsuite name=\"Security\""));
	ck_assert_ptr_nonnull(strstr(t, "<testsuite name=\"Notice\""));
	/* no-business-reason is failed under both of its principles. */
	const char *p = strstr(t, "<testcase name=\"no-business-reason\" classname=\"dpf.security\"><failure");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(t, "<testcase name=\"no-business-reason\" classname=\"dpf.purpose-limitation\"><failure"));
	ck_assert_ptr_nonnull(strstr(t, "type=\"critical\""));
	/* off-hours-access has only a suppressed finding: it passes. */
	ck_assert_ptr_nonnull(strstr(t, "<testcase name=\"off-hours-access\" classname=\"dpf.security\"></testcase>"));
	ck_assert_ptr_nonnull(strstr(t, "<skipped message=\"not assessed"));
	free(t);
}
END_TEST

START_TEST(test_csv)
{
	char *t = render(&rep_csv, ctx(SEV_NONE, true));
	size_t rows = 0;

	ck_assert(strncmp(t, "check,severity,principle,user,role,subject,categories,time,file,line,"
			     "message,evidence,suppressed\r\n", 98) == 0);
	for (const char *p = t; (p = strstr(p, "\r\n")); p += 2)
		rows++;
	ck_assert_uint_eq(rows, 1 + 4 + 1);
	/* The last row is the verdict. */
	ck_assert_ptr_nonnull(strstr(t, "\r\n(verdict),fail,,,,,,,,,FINDINGS (no --fail-on gate): 3 findings,,\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\"logs/b,\"\"weird\"\".log\""));
	ck_assert_ptr_nonnull(strstr(t, "no-business-reason,high,Security; Data Integrity"));
	free(t);
}
END_TEST

/*
 * JSON, CSV and SARIF are built in a buffer written every REP_FLUSH_AT bytes: a
 * report of several such chunks has every finding once, in order, and
 * ends whole (the last chunk written, the document closed).
 */
START_TEST(test_long_reports_written_whole)
{
	char ev[700];
	memset(ev, 'e', sizeof(ev) - 1);
	ev[sizeof(ev) - 1] = '\0';
	ev[10] = '"';	/* escaped in both formats */
	fnd_release(&res.findings);
	const size_t n = 500;	/* ~550 KiB of JSON, ~400 KiB of CSV */
	for (size_t i = 0; i < n; i++)
		add(CHK_OFF_HOURS_ACCESS, SEV_LOW, "jdoe", "r", "4711", 1, 0, i + 1, 1795748047,
		    ev, false);
	fnd_sort(&res.findings);
	char *t = render(&rep_csv, ctx(SEV_NONE, false));
	ck_assert_uint_gt(strlen(t), 4 * REP_FLUSH_AT);
	size_t line = 0;
	const char *p = strstr(t, "\r\n") + 2;
	for (; strncmp(p, "(verdict)", 9); p = strstr(p, "\r\n") + 2) {
		char want[64];
		snprintf(want, sizeof(want), ",logs/access.log.gz,%zu,", ++line);
		const char *eol = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(eol);
		const char *at = strstr(p, want);
		ck_assert_msg(at && at < eol, "row %zu", line);
	}
	ck_assert_uint_eq(line, n);
	ck_assert_str_eq(p + strlen(p) - 2, "\r\n");
	free(t);

	t = render(&rep_json, ctx(SEV_NONE, false));
	ck_assert_uint_gt(strlen(t), 4 * REP_FLUSH_AT);
	p = strstr(t, "\"findings\": [");
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof(want), "{\"index\": %zu,", i);
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "finding %zu", i);
	}
	ck_assert_str_eq(t + strlen(t) - 3, "\n}\n");
	free(t);

	t = render(&rep_sarif, ctx(SEV_NONE, false));
	ck_assert_uint_gt(strlen(t), 4 * REP_FLUSH_AT);
	size_t results = 0;
	for (p = t; (p = strstr(p, "\"partialFingerprints\"")); p++)
		results++;
	ck_assert_uint_eq(results, n);
	ck_assert_str_eq(t + strlen(t) - 3, "\n}\n");
	free(t);
}
END_TEST

START_TEST(test_markdown_html)
{
	char *t = render(&rep_markdown, ctx(SEV_NONE, true));

	ck_assert_ptr_nonnull(strstr(t, "## dpfaudit: FINDINGS (no --fail-on gate): 3 findings"));
	ck_assert_ptr_nonnull(strstr(t, "**Audit incomplete**"));
	ck_assert_ptr_nonnull(strstr(t, "| Security | **fail** | 10 | 1 | 2 | 0 | 0 |"));
	ck_assert_ptr_nonnull(strstr(t, "| Choice | not assessed |"));
	ck_assert_ptr_nonnull(strstr(t, "| high | no-business-reason | mrossi |"));
	free(t);

	t = render(&rep_html, ctx(SEV_NONE, true));
	ck_assert(strncmp(t, "<!DOCTYPE html>", 15) == 0);
	ck_assert_ptr_nonnull(strstr(t, "name=\"viewport\""));
	ck_assert_ptr_nonnull(strstr(t, "<details class=\"check\" open>"));	/* findings folded per check */
	ck_assert_ptr_nonnull(strstr(t, "AUDIT INCOMPLETE"));
	ck_assert_ptr_nonnull(strstr(t, "@media print"));
	/* Self-contained: nothing that could make a network request. */
	ck_assert_ptr_null(strstr(t, "http:"));
	ck_assert_ptr_null(strstr(t, "https:"));
	ck_assert_ptr_null(strstr(t, "<script"));
	ck_assert_ptr_null(strstr(t, " src="));
	ck_assert_ptr_nonnull(strstr(t, chk_info(CHK_NO_BUSINESS_REASON)->fix));
	free(t);
}
END_TEST

/* ---- the verdict (SPEC §5) ------------------------------------------------ */

/* Each row: the result's counts and findings, and the verdict and exit status. */
static const struct vrow {
	uint64_t records, pd_reads;
	bool incomplete;
	size_t findings, failing;
	enum sev fail_on;
	enum rep_verdict want;
	int exit;
} vrows[] = {
	/* Nothing audited: exit 3, with or without findings' gate. */
	{ 0, 0, true, 0, 0, SEV_NONE, REP_V_NOTHING_AUDITED, 3 },
	{ 0, 0, true, 0, 0, SEV_LOW, REP_V_NOTHING_AUDITED, 3 },
	/* Records, no personal-data read: not assessed, 0 or 3 with --fail-on. */
	{ 10, 0, false, 0, 0, SEV_NONE, REP_V_NOT_ASSESSED, 0 },
	{ 10, 0, false, 0, 0, SEV_HIGH, REP_V_NOT_ASSESSED, 3 },
	{ 10, 0, false, 2, 0, SEV_HIGH, REP_V_NOT_ASSESSED, 3 },	/* findings below the gate */
	/* FAIL only with findings; 1 with --fail-on, 3 when also incomplete. */
	{ 10, 0, false, 2, 0, SEV_NONE, REP_V_FAIL, 0 },
	{ 10, 5, false, 2, 1, SEV_HIGH, REP_V_FAIL, 1 },
	{ 10, 5, true, 2, 1, SEV_HIGH, REP_V_FAIL, 3 },
	/* Incomplete beats not assessed and pass. */
	{ 10, 0, true, 0, 0, SEV_NONE, REP_V_INCOMPLETE, 3 },
	{ 10, 5, true, 0, 0, SEV_NONE, REP_V_INCOMPLETE, 3 },
	/* PASS: reads judged, nothing (at or above the gate) found. */
	{ 10, 5, false, 0, 0, SEV_NONE, REP_V_PASS, 0 },
	{ 10, 5, false, 0, 0, SEV_LOW, REP_V_PASS, 0 },
	{ 10, 5, false, 3, 0, SEV_CRITICAL, REP_V_PASS, 0 },
};

START_TEST(test_verdict_rules)
{
	const struct vrow *v = &vrows[_i];
	struct aud_result r = { 0 };

	r.records = v->records;
	r.pd_reads = v->pd_reads;
	r.parsed = v->records;
	r.incomplete = v->incomplete;
	enum rep_verdict got = rep_verdict_of(&r, v->findings, v->failing, v->fail_on);
	ck_assert_msg(got == v->want, "row %d: %s, expected %s", _i, rep_verdict_name(got),
		      rep_verdict_name(v->want));
	ck_assert_int_eq(rep_verdict_exit(got, &r, v->fail_on), v->exit);
}
END_TEST

START_TEST(test_verdict_names)
{
	ck_assert_str_eq(rep_verdict_name(REP_V_NOTHING_AUDITED), "NOTHING AUDITED");
	ck_assert_str_eq(rep_verdict_name(REP_V_NOT_ASSESSED), "NOT ASSESSED");
	ck_assert_str_eq(rep_verdict_key(REP_V_NOT_ASSESSED), "not assessed");
	ck_assert_str_eq(rep_verdict_key(REP_V_INCOMPLETE), "incomplete");

	/* The text headline of an audit that parsed records but recognised no read. */
	fnd_release(&res.findings);
	res.incomplete = false;
	res.pd_reads = 0;
	char *t = render(&rep_text, ctx(SEV_NONE, true));
	ck_assert_ptr_nonnull(strstr(t, "\nNOT ASSESSED: no personal-data read recognised in 24 parsed records"));
	ck_assert_ptr_null(strstr(t, "PASS"));
	free(t);
	t = render(&rep_json, ctx(SEV_NONE, true));
	ck_assert_ptr_nonnull(strstr(t, "\"verdict\": \"not assessed\""));
	free(t);
	res.records = 0;
	res.incomplete = true;
	t = render(&rep_markdown, ctx(SEV_NONE, true));
	ck_assert_ptr_nonnull(strstr(t, "## dpfaudit: NOTHING AUDITED: no record in 2 inputs"));
	free(t);
}
END_TEST

/* --max-unparsed values: hundredths of a percent. */
START_TEST(test_parse_share)
{
	static const struct { const char *in; unsigned want; } good[] = {
		{ "1%", 100 }, { "1", 100 }, { "0.5%", 50 }, { "2.25", 225 }, { "100%", 10000 },
		{ "0", 0 }, { ".5", 50 },
	};
	unsigned v;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(aud_parse_share(good[i].in, &v) == 0, "'%s' refused", good[i].in);
		ck_assert_uint_eq(v, good[i].want);
	}
	const char *bad[] = { "", "%", "100.01", "101%", "1%%", "1.234", "-1", "1e2", "abc", ".", "1 %" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(aud_parse_share(bad[i], &v) == -1, "'%s' accepted", bad[i]);
}
END_TEST

/* ---- rep_stream: the findings a writer shows, streamed ---- */

/*
 * A spilled list (budget 4096) of n findings: finding i is at line i + 1
 * with evidence "ev-<i>", by user "u<i % 500>".
 */
static void spilled_list(struct fnd_list *l, size_t n)
{
	char ev[32], user[16];
	*l = (struct fnd_list)FND_LIST_INIT;
	l->budget = 4096;
	for (size_t i = 0; i < n; i++) {
		struct finding f = { 0 };
		snprintf(ev, sizeof(ev), "ev-%zu", i);
		snprintf(user, sizeof(user), "u%zu", i % 500);
		f.check = (uint32_t)(i % 3);
		f.severity = SEV_HIGH;
		f.user = sv_cstr(user);
		f.line = i + 1;
		f.evidence = sv_cstr(ev);
		f.suppressed = i % 7 == 0;
		ck_assert(fnd_add(l, &f));
	}
	fnd_sort(l);
	ck_assert(fnd_spilled(l));
}

/* TMPDIR naming a directory that does not exist; returns what to restore. */
static char *no_tmpdir(void)
{
	const char *old = getenv("TMPDIR");
	char *keep = old ? strdup(old) : NULL;
	setenv("TMPDIR", "/nonexistent/dpfaudit-test", 1);
	return keep;
}

static void tmpdir_restore(char *keep)
{
	if (keep)
		setenv("TMPDIR", keep, 1);
	else
		unsetenv("TMPDIR");
	free(keep);
}

/*
 * Findings named in any order by (key, pos) come back in (key, pos) order,
 * each the finding its index names (whole: line, evidence, suppressed),
 * none dropped; one index may be named twice.  Sorters of 512 bytes: the
 * names and the copies both go to disk in many runs.
 */
START_TEST(test_stream_shown_in_key_order)
{
	enum { N = 3000, KEYS = 700 };
	struct fnd_list l;
	struct rep_stream st;
	static size_t idx_of[KEYS][3];
	spilled_list(&l, N);
	rep_stream_init(&st, &l, 512);
	/* Key k names 3 findings at pos 0..2, spread over the list, keys named backwards. */
	for (size_t k = KEYS; k-- > 0;)
		for (size_t p = 3; p-- > 0;) {
			idx_of[k][p] = (k * 2654435761u + p * 97) % N;
			ck_assert_int_eq(rep_stream_want(&st, k, p, idx_of[k][p]), 0);
		}
	ck_assert_int_eq(rep_stream_want(&st, KEYS, 0, idx_of[5][1]), 0);	/* twice */
	ck_assert_int_eq(rep_stream_fetch(&st), 0);
	uint64_t key, pos;
	const struct finding *f;
	size_t got = 0;
	char ev[32];
	while (rep_stream_next(&st, &key, &pos, &f) > 0) {
		size_t want_k = got / 3, want_p = got % 3;
		size_t i = want_k == KEYS ? idx_of[5][1] : idx_of[want_k][want_p];
		if (want_k == KEYS)
			want_p = 0;
		ck_assert_uint_eq(key, want_k);
		ck_assert_uint_eq(pos, want_p);
		ck_assert_uint_eq(f->line, i + 1);
		snprintf(ev, sizeof(ev), "ev-%zu", i);
		ck_assert(sv_eq(f->evidence, sv_cstr(ev)));
		ck_assert_int_eq(f->suppressed, i % 7 == 0);
		got++;
	}
	ck_assert_int_eq(rep_stream_error(&st), 0);
	ck_assert_uint_eq(got, KEYS * 3 + 1);
	rep_stream_free(&st);
	fnd_release(&l);
}
END_TEST

/* An index past the list is an error (never a silent hole), kept by every later call. */
START_TEST(test_stream_index_past_list)
{
	struct fnd_list l;
	struct rep_stream st;
	uint64_t key, pos;
	const struct finding *f;
	spilled_list(&l, 100);
	rep_stream_init(&st, &l, 512);
	ck_assert_int_eq(rep_stream_want(&st, 0, 0, 99), 0);
	ck_assert_int_eq(rep_stream_want(&st, 0, 1, 100), -1);
	ck_assert_int_eq(rep_stream_error(&st), EINVAL);
	ck_assert_int_eq(rep_stream_fetch(&st), -1);
	ck_assert_int_eq(rep_stream_next(&st, &key, &pos, &f), -1);
	rep_stream_free(&st);
	fnd_release(&l);
}
END_TEST

/* No temporary file can be made: the names past the budget fail with the cause. */
START_TEST(test_stream_without_tmpdir)
{
	struct fnd_list l;
	struct rep_stream st;
	int rc = 0;
	spilled_list(&l, 2000);
	char *keep = no_tmpdir();
	rep_stream_init(&st, &l, 512);
	for (size_t i = 0; i < 2000 && rc == 0; i++)
		rc = rep_stream_want(&st, i, 0, i);
	tmpdir_restore(keep);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_ne(rep_stream_error(&st), 0);
	ck_assert_int_eq(rep_stream_fetch(&st), -1);
	rep_stream_free(&st);
	fnd_release(&l);
}
END_TEST

/*
 * The text report at --detail high of a spilled list whose evidence cannot
 * be streamed (no temporary file for the stream's sorters): not written,
 * the report named with the cause, no file left; never a report with a hole.
 */
START_TEST(test_text_high_stream_failure_not_written)
{
	struct diag d = { "" };
	struct rep_ctx c = ctx(SEV_NONE, true);
	char dir[] = "/tmp/dpfrepXXXXXX", path[64];

	fnd_release(&res.findings);
	spilled_list(&res.findings, 3000);	/* 1,500 groups: far past the stream's 1 KiB */
	struct rep_summary *s = rep_summarize(&c);
	ck_assert_ptr_nonnull(s);
	c.sum = s;
	c.detail = REP_DETAIL_HIGH;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.txt", dir);
	char *keep = no_tmpdir();
	int wr = rep_write(&rep_text, &c, path, &d);
	tmpdir_restore(keep);
	ck_assert_int_eq(wr, -1);
	ck_assert_msg(strstr(d.msg, "r.txt: write error: No such file or directory") != NULL,
		      "%s", d.msg);
	ck_assert_int_eq(count_entries(dir), 0);
	/* With a temporary directory it is written, every group listed. */
	ck_assert_int_eq(rep_write(&rep_text, &c, path, &d), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	unlink(path);
	rmdir(dir);
	rep_summary_free(s);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, fixture, teardown);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_rank_ties_and_cap);
	tcase_add_test(tc, test_rank_exact_past_the_map_budget);
	tcase_add_test(tc, test_redact_email);
	tcase_add_test(tc, test_redact_patterns);
	tcase_add_test(tc, test_redact_before_cut);
	tcase_add_test(tc, test_write_mode_and_atomic);
	tcase_add_test(tc, test_write_failure_keeps_old_report);
	tcase_add_test(tc, test_write_dev_full);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_every_format_redacts_and_is_deterministic);
	tcase_add_test(tc, test_groups_only_where_read);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_sarif);
	tcase_add_test(tc, test_junit);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_long_reports_written_whole);
	tcase_add_test(tc, test_markdown_html);
	tcase_add_test(tc, test_stream_shown_in_key_order);
	tcase_add_test(tc, test_stream_index_past_list);
	tcase_add_test(tc, test_stream_without_tmpdir);
	tcase_add_test(tc, test_text_high_stream_failure_not_written);
	tcase_add_loop_test(tc, test_verdict_rules, 0, (int)(sizeof(vrows) / sizeof(vrows[0])));
	tcase_add_test(tc, test_verdict_names);
	tcase_add_test(tc, test_parse_share);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(report_suite)
