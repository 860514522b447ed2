/*
 * test_pseudo.c - pseudonymising a text (pseudo.h): ids next to '.', '-'
 * and '_' and in another case, IP addresses recognised wherever they are
 * written (and not where a longer number or word holds them), the ids a
 * thread collects from events joined into the run's map, and an id's
 * pseudonym the same wherever it is found.  The map's ids spill past its
 * memory (more ids than fit, also with no temporary directory) and are
 * still every one found; where two ids match at one place the one added
 * last wins, as in the map that kept every id in memory; a map that cannot
 * be made says so (psd_map_ready) and finds no id.
 */
#include "testutil.h"

#include "pseudo.h"

static struct psd *ps;
static char *kp;

static void setup(void)
{
	static const char key[] = "sixteen bytes or more of key";
	struct diag err = { "" };
	kp = tu_write_tmp(key, sizeof(key) - 1);
	ck_assert_ptr_nonnull(kp);
	ps = psd_load(kp, &err);
	ck_assert_msg(ps != NULL, "%s", err.msg);
}

static void teardown(void)
{
	psd_free(ps);
	unlink(kp);
	free(kp);
}

/* text through m, as a NUL-terminated string the caller frees. */
static char *mapped(const struct psd_map *m, const char *text)
{
	struct arena a = ARENA_INIT;
	sv r = psd_map_text(m, sv_cstr(text), &a);
	char *out = strndup(r.p, r.n);
	arena_release(&a);
	return out;
}

static void name_of(const char *kind, const char *id, char *out)
{
	psd_name(ps, kind, sv_cstr(id), out, 48);
}

START_TEST(test_ids_in_text)
{
	struct psd_map *m = psd_map_new(ps, NULL, NULL);
	char u[48], s[48], want[256];
	psd_map_add(m, ps, "user", sv_cstr("mrossi"));
	psd_map_add(m, ps, "subject", sv_cstr("5012"));
	name_of("user", "mrossi", u);
	name_of("subject", "5012", s);
	char *out = mapped(m, "/5012.html for-5012-MROSSI x_mrossi_y 50123 mrossix");
	snprintf(want, sizeof(want), "/%s.html for-%s-%s x_%s_y 50123 mrossix", s, s, u, u);
	ck_assert_str_eq(out, want);
	free(out);
	psd_map_free(m);
}
END_TEST

static const struct {
	const char *text, *addr;	/* addr: the address replaced, NULL: none */
} addr_rows[] = {
	{ "from 192.0.2.17 on", "192.0.2.17" },
	{ "peer=198.51.100.23&x", "198.51.100.23" },
	{ "192.0.2.17:8080", "192.0.2.17" },
	{ "at 203.0.113.5.", "203.0.113.5" },
	{ "[2001:db8::7]:443", "2001:db8::7" },
	{ "from=2001:DB8::7 ok", "2001:DB8::7" },
	{ "::1 is local", "::1" },
	{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
	{ "version 1.2.3.4.5", NULL },
	{ "v1.2.3.4", NULL },
	{ "256.1.1.1", NULL },
	{ "at 10:00:00 today", NULL },
	{ "aa:bb:cc:dd:ee:ff", NULL },
	{ "23/Nov/2026:10:00:00 +0000", NULL },
	{ "std::move", NULL },
};

START_TEST(test_addresses)
{
	struct psd_map *m = psd_map_new(ps, NULL, NULL);
	char *out = mapped(m, addr_rows[_i].text);
	if (!addr_rows[_i].addr) {
		ck_assert_str_eq(out, addr_rows[_i].text);
	} else {
		char name[48];
		name_of("src", addr_rows[_i].addr, name);
		ck_assert_msg(strstr(out, name) && !strstr(out, addr_rows[_i].addr),
			      "'%s' became '%s'", addr_rows[_i].text, out);
	}
	free(out);
	psd_map_free(m);
}
END_TEST

/* Collect an event of user, subject and src on thread worker of c. */
static void collect(struct psd_maps *c, unsigned worker, const char *user, const char *subject,
		    const char *src)
{
	struct event ev;
	memset(&ev, 0, sizeof(ev));
	ev.f[EVF_USER] = sv_cstr(user);
	ev.f[EVF_SUBJECT] = sv_cstr(subject);
	ev.f[EVF_SRC] = sv_cstr(src);
	psd_collect(c, worker, &ev, NULL);
}

/* Ids collected per thread from events join the run's map with their own names. */
START_TEST(test_collect)
{
	struct psd_maps c = PSD_MAPS_INIT;
	char u[48], h[48];
	psd_maps_init(&c, ps, 2);
	/* An anonymous subject ("-") stays as it is. */
	collect(&c, 1, "bquiet", "-", "gw-7.example.org");
	collect(&c, 9, "bquiet", "-", "gw-7.example.org");	/* no such thread: ignored */
	struct psd_map *m = psd_map_new(ps, NULL, NULL);
	psd_maps_join(&c, m);
	psd_maps_release(&c);
	name_of("user", "bquiet", u);
	name_of("src", "gw-7.example.org", h);
	char *out = mapped(m, "cc=Bquiet.x via gw-7.example.org - -");
	char want[256];
	snprintf(want, sizeof(want), "cc=%s.x via %s - -", u, h);
	ck_assert_str_eq(out, want);
	free(out);
	psd_map_free(m);
}
END_TEST

/* Of two ids that match one text, the one added last names it. */
START_TEST(test_newest_wins)
{
	char a[48], b[48];
	name_of("user", "MRossi", a);
	name_of("user", "mrossi", b);
	ck_assert_str_ne(a, b);
	for (int order = 0; order < 2; order++) {
		struct psd_map *m = psd_map_new(ps, NULL, NULL);
		psd_map_add(m, ps, "user", sv_cstr(order ? "mrossi" : "MRossi"));
		psd_map_add(m, ps, "user", sv_cstr(order ? "MRossi" : "mrossi"));
		psd_map_add(m, ps, "user", sv_cstr(order ? "mrossi" : "MRossi"));	/* not moved */
		ck_assert_int_eq(psd_map_ready(m), 0);
		char *out = mapped(m, "by MROSSI.");
		char want[96];
		snprintf(want, sizeof(want), "by %s.", order ? a : b);
		ck_assert_str_eq(out, want);
		free(out);
		psd_map_free(m);
	}
}
END_TEST

/* A thread's ids join after the map's own: a joined id of another kind wins. */
START_TEST(test_join_order)
{
	struct psd_maps c = PSD_MAPS_INIT;
	char u[48], s[48];
	psd_maps_init(&c, ps, 2);
	collect(&c, 0, "X1", "", "");
	collect(&c, 1, "y2", "", "");
	struct psd_map *m = psd_map_new(ps, NULL, NULL);
	psd_map_add(m, ps, "subject", sv_cstr("x1"));
	psd_map_add(m, ps, "subject", sv_cstr("Y2"));
	psd_maps_join(&c, m);
	psd_maps_release(&c);
	psd_map_add(m, ps, "subject", sv_cstr("x1"));	/* added before: stays older */
	name_of("user", "X1", u);
	name_of("user", "y2", s);
	char *out = mapped(m, "x1 y2"), want[128];
	snprintf(want, sizeof(want), "%s %s", u, s);
	ck_assert_str_eq(out, want);
	free(out);
	psd_map_free(m);
}
END_TEST

/*
 * More ids than the map keeps in memory (2 MiB of records): every one is
 * still found, also after more are added.
 */
static void many_ids(void *arg)
{
	enum { N = 120000 };
	char id[32], u[48], name[48], text[96], want[128];
	struct psd_map *m = psd_map_new(ps, NULL, NULL);
	(void)arg;
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "agent%d", i);
		psd_map_add(m, ps, "user", sv_cstr(id));
		snprintf(id, sizeof(id), "%d", 500000 + i);
		psd_map_add(m, ps, "subject", sv_cstr(id));
	}
	ck_assert_int_eq(psd_map_ready(m), 0);
	for (int i = 0; i < N; i += 997) {
		snprintf(id, sizeof(id), "agent%d", i);
		name_of("user", id, u);
		snprintf(id, sizeof(id), "%d", 500000 + i);
		name_of("subject", id, name);
		snprintf(text, sizeof(text), "AGENT%d read /c/%d.json", i, 500000 + i);
		snprintf(want, sizeof(want), "%s read /c/%s.json", u, name);
		char *out = mapped(m, text);
		ck_assert_str_eq(out, want);
		free(out);
	}
	psd_map_add(m, ps, "user", sv_cstr("late"));	/* the index is made again */
	name_of("user", "late", name);
	char *out = mapped(m, "late agent7x");
	snprintf(want, sizeof(want), "%s agent7x", name);
	ck_assert_str_eq(out, want);
	free(out);
	psd_map_free(m);
}

START_TEST(test_many_ids)
{
	many_ids(NULL);
}
END_TEST

/* With no temporary directory the map keeps its records in memory instead. */
START_TEST(test_many_ids_no_tmpdir)
{
	tu_without_tmpdir(many_ids, NULL);
}
END_TEST

/* An id of a kind the map cannot name: the map is not ready and finds no id. */
START_TEST(test_not_ready)
{
	struct psd_map *m = psd_map_new(ps, NULL, NULL);
	psd_map_add(m, ps, "user", sv_cstr("mrossi"));
	psd_map_add(m, ps, "group", sv_cstr("admins"));
	ck_assert_int_eq(psd_map_ready(m), EINVAL);
	char *out = mapped(m, "mrossi admins");
	ck_assert_str_eq(out, "mrossi admins");
	free(out);
	psd_map_free(m);
}
END_TEST

static Suite *pseudo_suite(void)
{
	Suite *s = suite_create("pseudo");
	TCase *tc = tcase_create("pseudo");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ids_in_text);
	tcase_add_loop_test(tc, test_addresses, 0, sizeof(addr_rows) / sizeof(addr_rows[0]));
	tcase_add_test(tc, test_collect);
	tcase_add_test(tc, test_newest_wins);
	tcase_add_test(tc, test_join_order);
	tcase_add_test(tc, test_many_ids);
	tcase_add_test(tc, test_many_ids_no_tmpdir);
	tcase_add_test(tc, test_not_ready);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(pseudo_suite)
