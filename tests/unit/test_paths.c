/*
 * test_paths.c - paths.c: stable sorted recursion, symlink loops survived,
 * hidden and documentation files skipped, missing paths kept and warned.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "paths.h"
#include "testutil.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char root[64];

static const char *at(const char *rel)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", root, rel);
	return buf[k];
}

static void touch(const char *rel)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x\n", 2), 2);
	close(fd);
}

static void mkdir_rel(const char *rel)
{
	ck_assert_int_eq(mkdir(at(rel), 0700), 0);
}

static void link_rel(const char *target, const char *rel)
{
	ck_assert_int_eq(symlink(target, at(rel)), 0);
}

/*
 * The tree:
 *   a.log b.log Z.log 10.log 9.log   (strcmp order: 10 9 Z a b)
 *   README README.txt notes.md .hidden .git/config   (skipped)
 *   fifo                             (not a regular file: warned)
 *   dangling -> nowhere              (kept, warned)
 *   link.log -> a.log                (the same file again: warned)
 *   sub/c.log sub/.swp sub/x.md
 *   sub/up -> ..                     (loop: warned)
 *   sub/deeper/d.log
 *   sub/deeper/back -> ../..         (loop two levels up: warned)
 *   sub/deeper/self -> .             (loop: warned)
 *   sib -> sub/deeper                (read here first, so sub/deeper is not
 *                                     read again; sib/back, sib/self: loops)
 *   plain/e.log
 */
static void make_tree(void)
{
	snprintf(root, sizeof(root), "/tmp/dpftest.paths.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	touch("a.log");
	touch("b.log");
	touch("Z.log");
	touch("10.log");
	touch("9.log");
	touch("README");
	touch("README.txt");
	touch("notes.md");
	touch(".hidden");
	mkdir_rel(".git");
	touch(".git/config");
	ck_assert_int_eq(mkfifo(at("fifo"), 0600), 0);
	link_rel("nowhere", "dangling");
	link_rel("a.log", "link.log");
	mkdir_rel("sub");
	touch("sub/c.log");
	touch("sub/.swp");
	touch("sub/x.md");
	link_rel("..", "sub/up");
	mkdir_rel("sub/deeper");
	touch("sub/deeper/d.log");
	link_rel("../..", "sub/deeper/back");
	link_rel(".", "sub/deeper/self");
	link_rel("sub/deeper", "sib");
	mkdir_rel("plain");
	touch("plain/e.log");
}

static void rm_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static bool has_warning(const struct paths *p, const char *path, const char *what)
{
	size_t i;
	char want[640];

	snprintf(want, sizeof(want), "%s: %s", path, what);
	for (i = 0; i < p->nwarnings; i++)
		if (strcmp(p->warnings[i], want) == 0)
			return true;
	return false;
}

/* Sizes for progress and run ids: regular files only. */
START_TEST(test_file_size)
{
	char *f = tu_write_tmp("0123456789", 10);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(paths_file_size(f), 10);
	ck_assert_uint_eq(paths_file_size("-"), 0);
	ck_assert_uint_eq(paths_file_size("/nonexistent/dpf/x.log"), 0);
	ck_assert_uint_eq(paths_file_size("/"), 0);	/* a directory */
	unlink(f);
	free(f);
}
END_TEST

START_TEST(test_tree)
{
	static const char *const want[] = {
		"10.log", "9.log", "Z.log", "a.log", "b.log", "dangling",
		"plain/e.log", "sib/d.log", "sub/c.log",
	};
	struct paths p = PATHS_INIT;
	int k;

	make_tree();
	ck_assert_int_eq(paths_add(&p, root), 0);
	for (k = 0; k < (int)p.n && k < NELEM(want); k++)
		ck_assert_str_eq(p.v[k], at(want[k]));
	ck_assert_uint_eq(p.n, NELEM(want));
	ck_assert(has_warning(&p, at("dangling"), "No such file or directory"));
	ck_assert(has_warning(&p, at("fifo"), "not a regular file, skipped"));
	ck_assert(has_warning(&p, at("sub/up"), "symlink loop, skipped"));
	ck_assert(has_warning(&p, at("sib/self"), "symlink loop, skipped"));
	ck_assert(has_warning(&p, at("sib/back"), "symlink loop, skipped"));
	/* sib is sub/deeper: read once, under the name met first. */
	ck_assert(has_warning(&p, at("sub/deeper"), "directory already read, skipped"));
	{
		char same[600];
		snprintf(same, sizeof(same), "same file as %s, skipped", at("a.log"));
		ck_assert(has_warning(&p, at("link.log"), same));
	}
	ck_assert_uint_eq(p.nwarnings, 7);
	/* The same tree again adds nothing. */
	ck_assert_int_eq(paths_add(&p, root), 0);
	ck_assert_uint_eq(p.n, NELEM(want));
	ck_assert(has_warning(&p, root, "directory already read, skipped"));
	paths_release(&p);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_ptr_null(p.v);
	rm_tree();
}
END_TEST

/* Explicit arguments: taken as they are, in the order given. */
static const struct arg_case {
	const char *name;
	const char *arg;	/* relative to root, or absolute when starting with '/' or "-" */
	const char *want;	/* first appended path, relative to root; NULL: same as arg */
	size_t n;	/* paths appended */
	const char *warning;	/* expected warning about arg, or NULL */
	size_t nwarn;
} args[] = {
	{ "stdin", "-", "-", 1, NULL, 0 },
	/* a named missing file is an input: the audit reports it, once */
	{ "missing file", "missing.log.gz", NULL, 1, NULL, 0 },
	{ "readme named explicitly", "README", NULL, 1, NULL, 0 },
	{ "hidden named explicitly", ".hidden", NULL, 1, NULL, 0 },
	{ "markdown named explicitly", "notes.md", NULL, 1, NULL, 0 },
	{ "fifo named explicitly", "fifo", NULL, 1, NULL, 0 },
	{ "symlink named explicitly", "link.log", NULL, 1, NULL, 0 },
	{ "trailing slash", "plain/", "plain/e.log", 1, NULL, 0 },
	/*
	 * sub/deeper/back leads to the root, which is not on the path from
	 * sub: read once (9 files); sub/up then finds the root already read.
	 */
	{ "symlink out of the tree", "sub", "sub/c.log", 9, NULL, 7 },
	{ "dangling named explicitly", "dangling", NULL, 1, NULL, 0 },
};

START_TEST(test_args)
{
	const struct arg_case *c = &args[_i];
	struct paths p = PATHS_INIT;
	char arg[512], want[512];

	make_tree();
	if (c->arg[0] == '-')
		snprintf(arg, sizeof(arg), "%s", c->arg);
	else
		snprintf(arg, sizeof(arg), "%s", at(c->arg));
	if (!c->want)
		snprintf(want, sizeof(want), "%s", arg);
	else if (c->want[0] == '-')
		snprintf(want, sizeof(want), "%s", c->want);
	else
		snprintf(want, sizeof(want), "%s", at(c->want));
	ck_assert_int_eq(paths_add(&p, arg), 0);
	ck_assert_uint_eq(p.n, c->n);
	ck_assert_str_eq(p.v[0], want);
	ck_assert_uint_eq(p.nwarnings, c->nwarn);
	if (c->warning)
		ck_assert(has_warning(&p, arg, c->warning));
	paths_release(&p);
	rm_tree();
}
END_TEST

/* Several arguments append in order; the same arguments, the same list. */
START_TEST(test_repeatable)
{
	struct paths p = PATHS_INIT, q = PATHS_INIT;
	size_t i;

	make_tree();
	ck_assert_int_eq(paths_add(&p, at("plain")), 0);
	ck_assert_int_eq(paths_add(&p, at("b.log")), 0);
	ck_assert_int_eq(paths_add(&p, at("a.log")), 0);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_str_eq(p.v[0], at("plain/e.log"));
	ck_assert_str_eq(p.v[1], at("b.log"));
	ck_assert_str_eq(p.v[2], at("a.log"));
	paths_release(&p);
	ck_assert_int_eq(paths_add(&p, root), 0);
	ck_assert_int_eq(paths_add(&q, root), 0);
	ck_assert_uint_eq(q.n, p.n);
	for (i = 0; i < p.n; i++)
		ck_assert_str_eq(p.v[i], q.v[i]);
	paths_release(&p);
	paths_release(&q);
	rm_tree();
}
END_TEST

/* An unreadable directory is kept, so the audit reports it (exit 3). */
START_TEST(test_unreadable_dir)
{
	struct paths p = PATHS_INIT;

	if (geteuid() == 0) {
		/* root reads everything; make the directory vanish instead. */
		make_tree();
		ck_assert_int_eq(paths_add(&p, at("no-such-dir/")), 0);
		ck_assert_uint_eq(p.n, 1);
		ck_assert_str_eq(p.v[0], at("no-such-dir/"));
		ck_assert_uint_eq(p.nwarnings, 0);	/* the audit says it, once */
	} else {
		make_tree();
		ck_assert_int_eq(chmod(at("sub"), 0), 0);
		ck_assert_int_eq(paths_add(&p, at("sub")), 0);
		ck_assert_uint_eq(p.n, 1);
		ck_assert_str_eq(p.v[0], at("sub"));
		ck_assert(has_warning(&p, at("sub"), "Permission denied"));
		chmod(at("sub"), 0700);
	}
	paths_release(&p);
	rm_tree();
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("paths");

	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_file_size);
	tcase_add_loop_test(tc, test_args, 0, NELEM(args));
	tcase_add_test(tc, test_repeatable);
	tcase_add_test(tc, test_unreadable_dir);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(paths_suite)
