/*
 * test_partial.c - partial results: the file round trip (every byte of an
 * evidence line survives), refusal of damaged files, joining, the shard
 * split, and window records carried between logs.
 *
 * The policy is the bundled rules (the partial names checks and roles).
 */
#include <stdint.h>
#include <sys/stat.h>

#include "partial.h"
#include "partjoin.h"
#include "shard.h"
#include "rules.h"
#include "testutil.h"
#include "windows.h"

static struct policy *pol;

static void setup(void)
{
	const char *p = SRCDIR "/rules/dpf.rules";
	struct diag err;
	pol = rules_load(&p, 1, &err);
	ck_assert_msg(pol != NULL, "%s", err.msg);
}

static void teardown(void)
{
	policy_free(pol);
}

/* A set by hand: n inputs of one run, one finding and one window record each. */
static void make_set(struct part_set *ps, const char *run, size_t n, size_t first,
		     size_t total, sv text)
{
	memset(ps, 0, sizeof(*ps));
	snprintf(ps->digest, sizeof(ps->digest), "%s", pol->digest);
	ps->res.windows = win_log_new();
	ps->res.ninputs = n;
	ps->res.inputs = calloc(n, sizeof(*ps->res.inputs));
	ps->origin = calloc(n, sizeof(*ps->origin));
	ps->runs = calloc(1, sizeof(*ps->runs));
	ps->nruns = 1;
	snprintf(ps->runs[0].id, sizeof(ps->runs[0].id), "%s", run);
	ps->runs[0].shards = 2;
	ps->runs[0].ninputs = total;
	ps->runs[0].paths = arena_alloc(&ps->res.arena, total * sizeof(char *));
	for (size_t g = 0; g < total; g++) {
		char name[48];
		snprintf(name, sizeof(name), "logs/app-%zu.log", g);
		ps->runs[0].paths[g] = arena_strndup(&ps->res.arena, name, strlen(name));
	}
	int role = policy_role(pol, SV_LIT("support-agent"));
	for (size_t i = 0; i < n; i++) {
		struct aud_input *in = &ps->res.inputs[i];
		snprintf(ps->origin[i].run, sizeof(ps->origin[i].run), "%s", run);
		ps->origin[i].index = first + i;
		in->path = ps->runs[0].paths[first + i];
		in->compression = "gzip";
		in->format = i % 2 ? NULL : "combined";
		in->lines = 10 + i;
		in->unparsed = 1;
		in->complete = i % 2 == 0;
		in->error = in->complete ? NULL : "byte 12 (after line 3): unexpected end of gzip stream";
		in->has_time = true;
		in->tmin = -5;
		in->tmax = 1795000000;
		in->unparsed_ex[0] = (struct aud_example){ 7, text };
		in->nunparsed_ex = 1;

		struct finding f = { 0 };
		f.check = CHK_NO_BUSINESS_REASON;
		f.severity = SEV_HIGH;
		f.has_time = true;
		f.time = 1795000000 + (int64_t)i;
		f.user = SV_LIT("mrossi");
		f.role = SV_LIT("support-agent");
		f.subject = SV_LIT("4711");
		f.categories = 5;
		f.file = (uint32_t)i;
		f.line = 3;
		f.evidence = text;
		f.detail = SV_LIT("no reason given");
		fnd_add(&ps->res.findings, &f);

		struct win_record w = { 0 };
		w.kind = WIN_READ;
		w.time = 1795000000;
		w.line = 3;
		w.file = (uint32_t)i;
		w.role = role;
		w.key = w.user = SV_LIT("mrossi");
		w.subject = SV_LIT("4711");
		w.resource = SV_LIT("/api/v1/customers/4711/email");
		w.evidence = text;
		win_add_record(ps->res.windows, &w);
	}
	ps->res.reads_by_hour[23] = 9;
	ps->res.assessed[PR_SECURITY] = 4;
	ps->res.failed_requests = 2;
}

static char *tmp_path(void)
{
	char *p = tu_write_tmp("", 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Evidence travels byte for byte, whatever it holds. */
static const struct {
	const char *name;
	const char *text;
	size_t n;
} texts[] = {
	{ "plain", "10.0.0.7 - mrossi \"GET /x\" 200", 30 },
	{ "tab and newline", "a\tb\nc\rd", 7 },
	{ "backslashes", "C:\\logs\\N \\t", 12 },
	{ "looks like the null marker", "\\N", 2 },
	{ "control bytes and DEL", "\x01\x1f\x7f x", 5 },
	{ "NUL inside", "a\0b", 3 },
	{ "invalid UTF-8", "\xff\xfe\xc3(", 4 },
	{ "empty", "", 0 },
};

static void rm(char *p)
{
	unlink(p);
	free(p);
}

/* win_foreach(): each record's evidence is the text, and its strings the set's. */
struct win_seen {
	sv text;
	size_t n;
};

static void window_seen(void *arg, const struct win_record *r)
{
	struct win_seen *w = arg;
	ck_assert(sv_eq(r->evidence, w->text));
	ck_assert(sv_eq(r->key, SV_LIT("mrossi")) && sv_eq(r->user, SV_LIT("mrossi")));
	ck_assert(sv_eq(r->resource, SV_LIT("/api/v1/customers/4711/email")));
	w->n++;
}

START_TEST(test_round_trip)
{
	struct part_set ps, back;
	struct diag err;
	sv text = sv_make(texts[_i].text, texts[_i].n);
	char *path = tmp_path();

	make_set(&ps, "00112233aabbccdd", 2, 0, 3, text);
	ck_assert_int_eq(part_write(&ps, pol, NULL, path, &err), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_msg(part_read(path, pol, NULL, 0, &back, &err) == 0, "%s: %s", texts[_i].name, err.msg);

	ck_assert_uint_eq(back.res.ninputs, 2);
	ck_assert_str_eq(back.origin[1].run, "00112233aabbccdd");
	ck_assert_uint_eq(back.origin[1].index, 1);
	ck_assert_uint_eq(back.nruns, 1);
	ck_assert_uint_eq(back.runs[0].ninputs, 3);
	ck_assert_str_eq(back.runs[0].paths[2], "logs/app-2.log");
	for (size_t i = 0; i < 2; i++) {
		const struct aud_input *a = &ps.res.inputs[i], *b = &back.res.inputs[i];
		ck_assert_str_eq(b->path, a->path);
		ck_assert_uint_eq(b->lines, a->lines);
		ck_assert_int_eq(b->complete, a->complete);
		ck_assert_int_eq(b->tmin, -5);
		ck_assert_int_eq(b->format == NULL, a->format == NULL);
		ck_assert_int_eq(b->error == NULL, a->error == NULL);
		if (a->error)
			ck_assert_str_eq(b->error, a->error);
		ck_assert_uint_eq(b->nunparsed_ex, 1);
		ck_assert_uint_eq(b->unparsed_ex[0].text.n, text.n);
		ck_assert(text.n == 0 || !memcmp(b->unparsed_ex[0].text.p, text.p, text.n));
	}
	ck_assert_uint_eq(back.res.findings.n, 2);
	const struct finding *f = &back.res.findings.v[1];
	ck_assert_uint_eq(f->check, CHK_NO_BUSINESS_REASON);
	ck_assert_int_eq(f->severity, SEV_HIGH);
	ck_assert_uint_eq(f->categories, 5);
	ck_assert_uint_eq(f->evidence.n, text.n);
	ck_assert(text.n == 0 || !memcmp(f->evidence.p, text.p, text.n));
	ck_assert_uint_eq(win_count(back.res.windows), 2);
	/* Window records too (read unescaped in place, then copied by the log). */
	struct win_seen seen = { text, 0 };
	win_foreach(back.res.windows, window_seen, &seen);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_uint_eq(back.res.reads_by_hour[23], 9);
	ck_assert_uint_eq(back.res.assessed[PR_SECURITY], 4);
	ck_assert_uint_eq(back.res.failed_requests, 2);
	/* The totals are recomputed from the inputs. */
	ck_assert_uint_eq(back.res.lines, 21);
	ck_assert(back.res.incomplete);
	part_set_release(&ps);
	part_set_release(&back);
	rm(path);
}
END_TEST

/* Every cut of a partial is refused, located as PATH:LINE. */
START_TEST(test_truncated)
{
	struct part_set ps, back;
	struct diag err;
	char *path = tmp_path();
	make_set(&ps, "00112233aabbccdd", 2, 0, 2, SV_LIT("x"));
	ck_assert_int_eq(part_write(&ps, pol, NULL, path, &err), 0);
	part_set_release(&ps);

	FILE *f = fopen(path, "rb");
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_lt(n, sizeof(buf));
	/* Cut at every length short of the whole: none may be read as a partial. */
	for (size_t cut = 0; cut < n; cut++) {
		char *p = tu_write_tmp(buf, cut);
		ck_assert_msg(part_read(p, pol, NULL, 0, &back, &err) == -1, "a cut at %zu bytes was read", cut);
		ck_assert_msg(!strncmp(err.msg, p, strlen(p)) && err.msg[strlen(p)] == ':',
			      "cut %zu: '%s'", cut, err.msg);
		rm(p);
	}
	/* One changed byte anywhere is found by the checksum or the parser. */
	for (size_t at = 0; at + 1 < n; at += 7) {
		char copy[8192];
		memcpy(copy, buf, n);
		if (copy[at] == '\n')
			continue;
		copy[at] = copy[at] == '1' ? '2' : '1';
		char *p = tu_write_tmp(copy, n);
		ck_assert_msg(part_read(p, pol, NULL, 0, &back, &err) == -1, "a change at byte %zu was read", at);
		rm(p);
	}
	rm(path);
}
END_TEST

/* Join: order of one run, file indexes remapped, doubles refused, gaps named. */
START_TEST(test_join)
{
	struct part_set sets[2], out;
	struct diag err;

	/* Shard B holds inputs 2..3, shard A inputs 0..1 of a run of 5: given B first. */
	make_set(&sets[0], "00112233aabbccdd", 2, 2, 5, SV_LIT("b"));
	make_set(&sets[1], "00112233aabbccdd", 2, 0, 5, SV_LIT("a"));
	ck_assert_int_eq(part_join(&out, sets, 2, NULL, true, pol, &err), 0);
	ck_assert_uint_eq(out.res.ninputs, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(out.origin[i].index, i);
	ck_assert(!out.res.inputs[4].complete);
	ck_assert_ptr_nonnull(strstr(out.res.inputs[4].error, "not in any partial"));
	ck_assert_uint_eq(out.res.findings.n, 4);
	for (size_t i = 0; i < out.res.findings.n; i++) {
		const struct finding *f = &out.res.findings.v[i];
		/* Each finding still points at an input of its own shard. */
		ck_assert_uint_lt(f->file, 4);
		ck_assert(f->evidence.n == 1 && f->evidence.p[0] == (f->file < 2 ? 'a' : 'b'));
	}
	ck_assert_uint_eq(out.res.reads_by_hour[23], 18);
	ck_assert_uint_eq(win_count(out.res.windows), 4);
	part_set_release(&out);

	/* The same input in two sets. */
	make_set(&sets[0], "00112233aabbccdd", 2, 0, 5, SV_LIT("a"));
	make_set(&sets[1], "00112233aabbccdd", 1, 1, 5, SV_LIT("a"));
	sets[0].name = "p0";
	sets[1].name = "p1";
	ck_assert_int_eq(part_join(&out, sets, 2, NULL, false, pol, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is in two partials: p0 and p1"));

	/* Without fill_missing (a merged partial), gaps stay gaps. */
	make_set(&sets[0], "00112233aabbccdd", 2, 0, 5, SV_LIT("a"));
	ck_assert_int_eq(part_join(&out, sets, 1, NULL, false, pol, &err), 0);
	ck_assert_uint_eq(out.res.ninputs, 2);
	ck_assert_uint_eq(out.origin[1].index, 1);
	part_set_release(&out);
}
END_TEST

/*
 * Shard k of nsh (one input each) of a run of nsh inputs, written to a
 * temporary file; other: the path the file gives input 3 (NULL: the
 * run's), checksum right (an edit, not damage).
 */
static char *shard_file(size_t k, size_t nsh, const char *other)
{
	struct part_set ps;
	struct diag err;
	char *path = tmp_path();
	make_set(&ps, "00112233aabbccdd", 1, k, nsh, SV_LIT("x"));
	if (other)
		ps.runs[0].paths[3] = arena_strndup(&ps.res.arena, other, strlen(other));
	ck_assert_msg(part_write(&ps, pol, NULL, path, &err) == 0, "%s", err.msg);
	part_set_release(&ps);
	return path;
}

/*
 * Every shard's partial lists the whole run's paths: merge keeps them once,
 * not once a partial (N shards: N^2 paths), and still finds a missing
 * shard, a shard given twice, runs of another size and a path that differs.
 */
START_TEST(test_pool_paths_once)
{
	enum { NSH = 40 };
	char *paths[NSH];
	struct part_set sets[NSH + 1], out;
	struct part_pool pool;
	struct diag err;

	for (size_t k = 0; k < NSH; k++)
		paths[k] = shard_file(k, NSH, NULL);
	/* All shards but the last: 40 paths kept, not 39 x 40; the sets share the list. */
	part_pool_init(&pool, 0, 0);
	for (size_t k = 0; k + 1 < NSH; k++) {
		ck_assert_msg(part_read_into(paths[k], pol, NULL, &pool, &sets[k], &err) == 0, "%s", err.msg);
		sets[k].name = paths[k];
		ck_assert_ptr_eq(sets[k].runs[0].paths, sets[0].runs[0].paths);
		/* An input's path is its run's string, not a copy. */
		ck_assert_ptr_eq(sets[k].res.inputs[0].path, sets[0].runs[0].paths[k]);
	}
	ck_assert_uint_eq(part_pool_paths(&pool), NSH);
	ck_assert_int_eq(part_join(&out, sets, NSH - 1, &pool, true, pol, &err), 0);
	part_pool_release(&pool);
	ck_assert_uint_eq(out.res.ninputs, NSH);
	for (size_t i = 0; i < NSH; i++) {
		char name[48];
		snprintf(name, sizeof(name), "logs/app-%zu.log", i);
		ck_assert_str_eq(out.res.inputs[i].path, name);
		ck_assert(!!strstr(out.res.inputs[i].error ? out.res.inputs[i].error : "",
				   "not in any partial") == (i == NSH - 1));
	}
	part_set_release(&out);

	/* One shard twice. */
	part_pool_init(&pool, 0, 0);
	for (size_t k = 0; k < 3; k++) {
		ck_assert_msg(part_read_into(paths[k % 2], pol, NULL, &pool, &sets[k], &err) == 0, "%s", err.msg);
		sets[k].name = k ? "second" : "first";
	}
	ck_assert_uint_eq(part_pool_paths(&pool), NSH);
	ck_assert_int_eq(part_join(&out, sets, 3, &pool, true, pol, &err), -1);
	ck_assert_msg(strstr(err.msg, "logs/app-0.log: the same input (run 00112233aabbccdd, input 0) "
				 "is in two partials: first and second") != NULL, "%s", err.msg);
	part_pool_release(&pool);

	/* A shard of a run of another size with the same id: its own list, refused by the join. */
	char *bigger = NULL;
	{
		struct part_set ps;
		bigger = tmp_path();
		make_set(&ps, "00112233aabbccdd", 1, 1, NSH + 1, SV_LIT("x"));
		ck_assert_int_eq(part_write(&ps, pol, NULL, bigger, &err), 0);
		part_set_release(&ps);
	}
	part_pool_init(&pool, 0, 0);
	ck_assert_int_eq(part_read_into(paths[0], pol, NULL, &pool, &sets[0], &err), 0);
	ck_assert_int_eq(part_read_into(bigger, pol, NULL, &pool, &sets[1], &err), 0);
	ck_assert_uint_eq(part_pool_paths(&pool), NSH + NSH + 1);
	ck_assert_int_eq(part_join(&out, sets, 2, &pool, true, pol, &err), -1);
	ck_assert_str_eq(err.msg, "run 00112233aabbccdd has 40 inputs in one partial, 41 in another");
	part_pool_release(&pool);
	rm(bigger);

	/* A partial that gives input 3 another path (checksum right): refused, naming the line. */
	char *edited = shard_file(1, NSH, "logs/elsewhere.log");
	part_pool_init(&pool, 0, 0);
	ck_assert_int_eq(part_read_into(paths[0], pol, NULL, &pool, &sets[0], &err), 0);
	ck_assert_int_eq(part_read_into(edited, pol, NULL, &pool, &sets[1], &err), -1);
	char want[512];
	/* Lines: header, tool, rules, run, path 0..: input 3 is line 8. */
	snprintf(want, sizeof(want), "%s:8: run 00112233aabbccdd: input 3 has another path here than "
		 "in a partial read before ('logs/app-3.log'): the partials disagree on the run's "
		 "inputs (one was edited)", edited);
	ck_assert_str_eq(err.msg, want);
	part_set_release(&sets[0]);
	part_pool_release(&pool);

	/* The same path damaged (checksum wrong): named as damage, as before. */
	rm(edited);
	edited = shard_file(1, NSH, NULL);
	FILE *f = fopen(edited, "rb");
	char buf[16384];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_lt(n, sizeof(buf));
	char *at = memmem(buf, n, "app-3.log", 9);
	ck_assert_ptr_nonnull(at);
	at[4] = '8';
	rm(edited);
	edited = tu_write_tmp(buf, n);
	part_pool_init(&pool, 0, 0);
	ck_assert_int_eq(part_read_into(paths[0], pol, NULL, &pool, &sets[0], &err), 0);
	ck_assert_int_eq(part_read_into(edited, pol, NULL, &pool, &sets[1], &err), -1);
	ck_assert_msg(strstr(err.msg, ": checksum mismatch: the partial is damaged") != NULL, "%s", err.msg);
	part_set_release(&sets[0]);
	part_pool_release(&pool);
	rm(edited);

	for (size_t k = 0; k < NSH; k++)
		rm(paths[k]);
}
END_TEST

/* Read the partial at path with budget b into set. */
static void read_back(const char *path, size_t b, struct part_set *set)
{
	struct diag err;
	ck_assert_msg(part_read(path, pol, NULL, b, set, &err) == 0, "%s", err.msg);
	set->name = path;
}

/* win_foreach callback: the records' input indexes, in order, into a growing array. */
struct files_seen {
	uint32_t v[256];
	size_t n;
};
static void note_file(void *arg, const struct win_record *r)
{
	struct files_seen *fs = arg;
	if (fs->n < 256)
		fs->v[fs->n++] = r->file;
}

/*
 * nsets of the partials at paths joined (budget b), each read on its own
 * or (pooled) into one pool; their findings, sorted, copied into *out; the
 * window records' input indexes into *files.
 */
static size_t joined(char *const paths[2], size_t b, size_t nsets, bool pooled,
		     struct finding **out, struct arena *a, struct files_seen *files)
{
	struct part_set sets[2], j;
	struct part_pool pool;
	struct diag err;
	if (pooled) {
		/* A window log of 4 KiB: the pool's records spill too. */
		part_pool_init(&pool, b, 4096);
		for (size_t k = 0; k < nsets; k++) {
			ck_assert_msg(part_read_into(paths[k], pol, NULL, &pool, &sets[k], &err) == 0,
				      "%s", err.msg);
			sets[k].name = paths[k];
			ck_assert(sets[k].pooled);
			ck_assert_uint_eq(sets[k].res.findings.n, 0);
			ck_assert_uint_eq(win_count(sets[k].res.windows), 0);
		}
		ck_assert_uint_eq(pool.ninputs, 30 * nsets);
		ck_assert_uint_eq(pool.findings.n, 30 * nsets);
		ck_assert_uint_eq(win_count(pool.windows), 30 * nsets);
		if (b)
			ck_assert(fnd_spilled(&pool.findings));
	} else {
		for (size_t k = 0; k < nsets; k++)
			read_back(paths[k], b, &sets[k]);
		if (b && nsets == 2)
			ck_assert(fnd_spilled(&sets[0].res.findings));
	}
	/* One set without the missing inputs keeps its indexes: its list moves whole. */
	ck_assert_msg(part_join(&j, sets, nsets, pooled ? &pool : NULL, nsets == 2, pol, &err) == 0,
		      "%s", err.msg);
	if (pooled) {
		/* The pool is emptied: its log moved or copied and freed. */
		ck_assert_ptr_null(pool.windows);
		ck_assert_uint_eq(pool.findings.n, 0);
		part_pool_release(&pool);
	}
	ck_assert_uint_eq(j.res.findings.budget, b);
	if (b)
		ck_assert(fnd_spilled(&j.res.findings));
	fnd_sort(&j.res.findings);
	struct fnd_iter it;
	const struct finding *f;
	size_t n = 0;
	*out = calloc(j.res.findings.n + 1, sizeof(**out));
	for (fnd_iter_start(&j.res.findings, &it); (f = fnd_iter_next(&it)); n++) {
		(*out)[n] = *f;
		(*out)[n].user = arena_sv(a, f->user);
		(*out)[n].evidence = arena_sv(a, f->evidence);
		(*out)[n].detail = arena_sv(a, f->detail);
	}
	ck_assert_int_eq(fnd_error(&j.res.findings), 0);
	for (size_t i = 0; i < j.res.ninputs; i++) {
		ck_assert_uint_eq(j.res.inputs[i].findings_lost, 0);
		/* Nothing of the windows was lost (make_set's inputs alternate complete, incomplete). */
		ck_assert(!j.res.inputs[i].error || !strstr(j.res.inputs[i].error, "window record"));
	}
	files->n = 0;
	win_foreach(j.res.windows, note_file, files);
	ck_assert_int_eq(win_error(j.res.windows), 0);
	part_set_release(&j);
	return n;
}

/*
 * Read with a budget (merge), a partial's findings spill past it, their
 * escaped strings unescaped in place and copied, and join (input indexes
 * remapped, or one set moved whole) to the findings read in memory.
 */
START_TEST(test_read_join_with_budget)
{
	static const char text[] = "C:\\logs\t\\N\x01\0z\t";
	sv ev = sv_make(text, sizeof(text) - 1);
	struct part_set a, b;
	struct diag err;
	char *paths[2] = { tmp_path(), tmp_path() };
	make_set(&a, "00112233aabbccdd", 30, 30, 60, ev);
	make_set(&b, "00112233aabbccdd", 30, 0, 60, ev);
	ck_assert_int_eq(part_write(&a, pol, NULL, paths[0], &err), 0);
	ck_assert_int_eq(part_write(&b, pol, NULL, paths[1], &err), 0);
	part_set_release(&a);
	part_set_release(&b);

	/*
	 * Each set on its own, and (pooled) every set into one pool, with and
	 * without a budget: the same findings, and window records renumbered
	 * the same way.
	 */
	for (size_t nsets = 1, pooled = 0; nsets <= 2; pooled = !pooled, nsets += !pooled) {
		struct arena strs = ARENA_INIT;
		struct finding *mem, *sp;
		struct files_seen fm, fs;
		size_t nm = joined(paths, 0, nsets, false, &mem, &strs, &fm);
		size_t ns = joined(paths, 4096, nsets, pooled, &sp, &strs, &fs);
		ck_assert_uint_eq(nm, 30 * nsets);
		ck_assert_uint_eq(ns, nm);
		ck_assert_uint_eq(fm.n, 30 * nsets);
		ck_assert_uint_eq(fs.n, fm.n);
		for (size_t i = 0; i < fm.n; i++)
			ck_assert_uint_eq(fm.v[i], fs.v[i]);
		if (pooled) {
			/* In memory, pooled: renumbered in place, the same findings. */
			struct finding *pm;
			struct files_seen fp;
			ck_assert_uint_eq(joined(paths, 0, nsets, true, &pm, &strs, &fp), nm);
			for (size_t i = 0; i < nm; i++) {
				ck_assert_uint_eq(pm[i].file, mem[i].file);
				ck_assert(sv_eq(pm[i].evidence, mem[i].evidence));
			}
			free(pm);
		}
		for (size_t i = 0; i < nm; i++) {
			ck_assert_uint_eq(mem[i].file, sp[i].file);
			ck_assert_uint_eq(mem[i].line, sp[i].line);
			ck_assert_int_eq(mem[i].time, sp[i].time);
			ck_assert(sv_eq(mem[i].user, sp[i].user));
			ck_assert(sv_eq(mem[i].detail, sp[i].detail));
			ck_assert(sv_eq(mem[i].evidence, sp[i].evidence));
			ck_assert(sv_eq(sp[i].evidence, ev));
		}
		/* Joined in the run's order: the second shard's inputs (0..29) come first. */
		ck_assert_uint_eq(sp[nm - 1].file, nm - 1);
		free(mem);
		free(sp);
		arena_release(&strs);
	}
	rm(paths[0]);
	rm(paths[1]);
}
END_TEST

static const struct {
	const char *s;
	int ok;
	unsigned i, n;
} shard_rows[] = {
	{ "0/1", 1, 0, 1 },
	{ "2/3", 1, 2, 3 },
	{ "99999/100000", 1, 99999, 100000 },
	{ "3/3", 0, 0, 0 },	/* from 0: the last of 3 is 2 */
	{ "1/0", 0, 0, 0 },
	{ "0/100001", 0, 0, 0 },
	{ "-1/2", 0, 0, 0 },
	{ "/2", 0, 0, 0 },
	{ "1/", 0, 0, 0 },
	{ "1/2x", 0, 0, 0 },
	{ "1", 0, 0, 0 },
	{ "", 0, 0, 0 },
};

START_TEST(test_parse_shard)
{
	unsigned i = 77, n = 77;
	struct diag err;
	int r = shard_parse(shard_rows[_i].s, &i, &n, &err);
	ck_assert_msg((r == 0) == shard_rows[_i].ok, "'%s'", shard_rows[_i].s);
	if (shard_rows[_i].ok) {
		ck_assert_uint_eq(i, shard_rows[_i].i);
		ck_assert_uint_eq(n, shard_rows[_i].n);
	}
}
END_TEST

/* Sizes 100, 50, 50, 10, 0 over two shards: largest first, to the lightest. */
START_TEST(test_shard_select)
{
	static const size_t sizes[] = { 10, 50, 100, 0, 50 };
	char *paths[5];
	struct diag err;
	for (size_t k = 0; k < 5; k++) {
		char *data = calloc(1, sizes[k] + 1);
		paths[k] = tu_write_tmp(data, sizes[k]);
		free(data);
	}
	/* Keep the paths' order as given: the split must not depend on names' order alone. */
	size_t sel[5], nsel, seen[5] = { 0 };
	uint64_t load[2] = { 0, 0 };
	for (unsigned s = 0; s < 2; s++) {
		ck_assert_int_eq(shard_select((const char *const *)paths, 5, s, 2, sel, &nsel, &err), 0);
		for (size_t k = 0; k < nsel; k++) {
			seen[sel[k]]++;
			load[s] += sizes[sel[k]];
			if (k)
				ck_assert_uint_lt(sel[k - 1], sel[k]);
		}
	}
	for (size_t k = 0; k < 5; k++)
		ck_assert_uint_eq(seen[k], 1);
	/* 100 -> 0; 50 -> 1; 50 -> 1; 10 -> 0 (tie: lowest); the empty one -> 1. */
	ck_assert_uint_eq(load[0], 110);
	ck_assert_uint_eq(load[1], 100);
	/* One shard of one: everything. */
	ck_assert_int_eq(shard_select((const char *const *)paths, 5, 0, 1, sel, &nsel, &err), 0);
	ck_assert_uint_eq(nsel, 5);
	/* More shards than inputs: some are empty, none is doubled. */
	size_t total = 0;
	for (unsigned s = 0; s < 8; s++) {
		ck_assert_int_eq(shard_select((const char *const *)paths, 5, s, 8, sel, &nsel, &err), 0);
		total += nsel;
	}
	ck_assert_uint_eq(total, 5);
	const char *stdin_path[] = { "-" };
	ck_assert_int_eq(shard_select(stdin_path, 1, 0, 2, sel, &nsel, &err), -1);
	for (size_t k = 0; k < 5; k++)
		rm(paths[k]);
}
END_TEST

/* Records carried to another log are judged as the originals. */
static void copy_rec(void *arg, const struct win_record *r)
{
	win_add_record(arg, r);
}

START_TEST(test_window_records)
{
	struct win_log *a = win_log_new(), *b = win_log_new();
	struct fnd_list fa = FND_LIST_INIT, fb = FND_LIST_INIT;
	int role = policy_role(pol, SV_LIT("support-agent"));
	unsigned limit = pol->roles[role].max_subjects;
	/* limit + 1 distinct subjects in a minute each: one burst. */
	for (unsigned k = 0; k <= limit; k++) {
		struct event ev;
		char subj[16];
		ev_reset(&ev);
		snprintf(subj, sizeof(subj), "%u", 9000 + k);
		ev.time = 1795000000 + 60 * (int64_t)k;
		ev.has_time = true;
		ev.f[EVF_USER] = SV_LIT("jdoe");
		ev.f[EVF_SUBJECT] = sv_cstr(subj);
		ev.f[EVF_RESOURCE] = SV_LIT("/api/v1/customers/x/email");
		ev.raw = SV_LIT("line");
		ev.file = k % 2;
		ev.line = k + 1;
		win_add_read(a, &ev, role);
	}
	win_foreach(a, copy_rec, b);
	ck_assert_uint_eq(win_count(b), limit + 1);
	win_evaluate(a, pol, &fa);
	win_evaluate(b, pol, &fb);
	ck_assert_uint_eq(fa.n, 1);
	ck_assert_uint_eq(fb.n, 1);
	ck_assert_uint_eq(fa.v[0].line, fb.v[0].line);
	ck_assert_uint_eq(fa.v[0].file, fb.v[0].file);
	ck_assert(sv_eq(fa.v[0].detail, fb.v[0].detail));
	fnd_release(&fa);
	fnd_release(&fb);
	win_log_free(a);
	win_log_free(b);
}
END_TEST

static Suite *partial_suite(void)
{
	Suite *s = suite_create("partial");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_round_trip, 0, sizeof(texts) / sizeof(texts[0]));
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_pool_paths_once);
	tcase_add_test(tc, test_read_join_with_budget);
	tcase_add_loop_test(tc, test_parse_shard, 0, sizeof(shard_rows) / sizeof(shard_rows[0]));
	tcase_add_test(tc, test_shard_select);
	tcase_add_test(tc, test_window_records);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(partial_suite)
