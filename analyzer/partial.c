/*
 * partial.c - partial results: made from an audit, written and read (see
 * partial.h; the file format is doc/partial.md).  Joining sets is
 * partjoin.c, the shard split shard.c.
 *
 * The format is one record a line, fields separated by tabs, every string
 * escaped (\\ \t \n \r \xHH, and \N for "none") so that evidence lines
 * travel byte for byte, invalid UTF-8 included.  The last line holds the
 * number of lines before it and the SHA-256 of their bytes: a truncated or
 * damaged partial is refused, never merged silently short.
 */
#include "common.h"

#include "partial.h"
#include "timeutil.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "digest.h"
#include "findings.h"
#include "paths.h"
#include "windows.h"
#include "xalloc.h"

/* ---- the policy's regexes, in the order audit.c reports limit hits ---- */

static const struct rx **regex_table(const struct policy *p, size_t *n)
{
	*n = policy_regexes(p, NULL);
	const struct rx **v = calloc(*n ? *n : 1, sizeof(*v));
	if (v)
		policy_regexes(p, v);
	return v;
}

/* ---- making a set from an audit ---------------------------------------- */

/*
 * All shards of one run expand the same PATHs to the same files: the run
 * id is a digest of that list.  An unsharded run adds the host name, so
 * the same paths scanned on two machines are two runs, not one input twice.
 */
static void run_id(const char *const *all, size_t nall, unsigned shards, char out[17])
{
	struct dg_sha256 c;
	char hex[65], num[64];

	dg_sha256_init(&c);
	snprintf(num, sizeof(num), "dpfaudit-run 1\n%u\n", shards);
	dg_sha256_update(&c, num, strlen(num));
	if (!shards) {
		char host[256] = "";
		gethostname(host, sizeof(host) - 1);
		dg_sha256_update(&c, host, strlen(host));
		dg_sha256_update(&c, "\n", 1);
	}
	for (size_t i = 0; i < nall; i++) {
		dg_sha256_update(&c, all[i], strlen(all[i]) + 1);
		snprintf(num, sizeof(num), "%" PRIu64 "\n", paths_file_size(all[i]));
		dg_sha256_update(&c, num, strlen(num));
	}
	dg_sha256_hex(&c, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

int part_from_audit(struct part_set *ps, struct aud_result *res, const struct policy *pol,
		    const char *const *all, size_t nall, const size_t *sel, size_t nsel,
		    unsigned shards, struct diag *err)
{
	memset(ps, 0, sizeof(*ps));
	ps->res = *res;
	memset(res, 0, sizeof(*res));
	snprintf(ps->digest, sizeof(ps->digest), "%s", pol->digest);
	if (!ps->res.windows)
		ps->res.windows = win_log_new();

	struct arena *a = &ps->res.arena;
	ps->runs = calloc(1, sizeof(*ps->runs));
	ps->origin = calloc(ps->res.ninputs ? ps->res.ninputs : 1, sizeof(*ps->origin));
	ps->limit_ord = calloc(ps->res.nlimits ? ps->res.nlimits : 1, sizeof(*ps->limit_ord));
	if (!ps->runs || !ps->origin || !ps->limit_ord)
		goto oom;
	ps->nruns = 1;
	struct part_run *run = &ps->runs[0];
	run_id(all, nall, shards, run->id);
	run->shards = shards;
	run->ninputs = nall;
	run->paths = arena_alloc(a, (nall ? nall : 1) * sizeof(char *));
	for (size_t i = 0; i < nall; i++)
		run->paths[i] = arena_strndup(a, all[i], strlen(all[i]));

	size_t n = sel ? nsel : nall;
	if (n != ps->res.ninputs)
		return diag_set(err, "partial: %zu inputs audited, %zu selected", ps->res.ninputs, n);
	for (size_t i = 0; i < n; i++) {
		size_t g = sel ? sel[i] : i;
		memcpy(ps->origin[i].run, run->id, sizeof(run->id));
		ps->origin[i].index = g;
		/* The audit borrowed the path from the caller's list: the set owns its copy. */
		ps->res.inputs[i].path = run->paths[g];
	}

	/* Limits are a subsequence of the policy's regexes, in order. */
	size_t nrx;
	const struct rx **rx = regex_table(pol, &nrx);
	if (!rx)
		goto oom;
	size_t k = 0;
	for (size_t i = 0; i < ps->res.nlimits; i++) {
		while (k < nrx && strcmp(rx[k]->where, ps->res.limits[i].where) != 0)
			k++;
		ps->limit_ord[i] = (uint32_t)(k < nrx ? k++ : nrx);
	}
	free(rx);
	return 0;
oom:
	return diag_set(err, "out of memory");
}

void part_set_release(struct part_set *ps)
{
	aud_result_release(&ps->res);
	free(ps->origin);
	free(ps->limit_ord);
	free(ps->runs);	/* the runs' paths are in res.arena */
	memset(ps, 0, sizeof(*ps));
}

/* ---- writing ------------------------------------------------------------ */

/* The trailer's fourth field when the partial is signed (--partial-key). */
#define PART_HMAC "hmac-sha256"

struct writer {
	FILE *out;
	struct buf line;
	struct dg_sha256 sum;
	uint64_t nlines;
	const struct policy *pol;
	const struct part_key *key;	/* NULL: a checksum trailer */
};

static void put_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
				buf_add(b, e, 4);
			} else {
				buf_addc(b, (char)c);
			}
		}
	}
}

static void f_sv(struct writer *w, sv s)
{
	buf_addc(&w->line, '\t');
	put_str(&w->line, s.p ? s.p : "", s.n);
}

static void f_str(struct writer *w, const char *s)
{
	buf_addc(&w->line, '\t');
	if (!s)
		buf_add(&w->line, "\\N", 2);
	else
		put_str(&w->line, s, strlen(s));
}

static void f_u64(struct writer *w, uint64_t v)
{
	buf_addf(&w->line, "\t%" PRIu64, v);
}

static void f_i64(struct writer *w, int64_t v)
{
	buf_addf(&w->line, "\t%" PRId64, v);
}

/* A time at full precision: "SEC", or "SEC.NNNNNNNNN" with a fraction. */
static void f_time(struct writer *w, int64_t sec, int32_t nsec)
{
	if (nsec)
		buf_addf(&w->line, "\t%" PRId64 ".%09d", sec, (int)nsec);
	else
		f_i64(w, sec);
}

static void begin(struct writer *w, const char *tag)
{
	buf_reset(&w->line);
	buf_adds(&w->line, tag);
}

static void end_line(struct writer *w)
{
	buf_addc(&w->line, '\n');
	dg_sha256_update(&w->sum, w->line.p, w->line.len);
	fwrite(w->line.p, 1, w->line.len, w->out);
	w->nlines++;
}

static void write_finding(struct writer *w, const struct finding *f)
{
	begin(w, "finding");
	f_u64(w, f->file);
	f_u64(w, f->line);
	f_str(w, w->pol->checks[f->check].id);
	f_str(w, sev_name(f->severity));
	f_u64(w, f->has_time);
	f_i64(w, f->time);
	buf_addf(&w->line, "\t%" PRIx64, f->categories);
	f_sv(w, f->user);
	f_sv(w, f->role);
	f_sv(w, f->subject);
	f_sv(w, f->reason);
	f_sv(w, f->resource);
	f_sv(w, f->detail);
	f_sv(w, f->evidence);
	end_line(w);
}

static void write_window(void *arg, const struct win_record *r)
{
	struct writer *w = arg;
	begin(w, "window");
	f_u64(w, r->file);
	f_u64(w, r->line);
	f_u64(w, (uint64_t)r->kind);
	f_time(w, r->time, r->nsec);
	f_str(w, r->role >= 0 && (size_t)r->role < w->pol->nroles ?
		  w->pol->roles[r->role].name : "");
	buf_addf(&w->line, "\t%" PRIx64, r->categories);
	f_sv(w, r->key);
	f_sv(w, r->user);
	f_sv(w, r->subject);
	f_sv(w, r->resource);
	f_sv(w, r->evidence);
	end_line(w);
}

static void write_example(struct writer *w, size_t input, const char *kind,
			  const struct aud_example *ex)
{
	begin(w, "example");
	f_u64(w, input);
	f_str(w, kind);
	f_u64(w, ex->line);
	f_sv(w, ex->text);
	end_line(w);
}

static void write_all(struct writer *w, struct part_set *ps)
{
	const struct aud_result *r = &ps->res;

	begin(w, PART_MAGIC);
	buf_addf(&w->line, " %d", PART_VERSION);
	end_line(w);
	begin(w, "tool");
	f_str(w, "dpfaudit");
	f_str(w, PACKAGE_VERSION);
	end_line(w);
	begin(w, "rules");
	f_str(w, ps->digest);
	end_line(w);
	for (size_t i = 0; i < ps->nruns; i++) {
		const struct part_run *run = &ps->runs[i];
		begin(w, "run");
		f_str(w, run->id);
		f_u64(w, run->shards);
		f_u64(w, run->ninputs);
		end_line(w);
		for (size_t k = 0; k < run->ninputs; k++) {
			begin(w, "path");
			f_str(w, run->id);
			f_u64(w, k);
			f_str(w, run->paths[k]);
			end_line(w);
		}
	}
	for (size_t i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];
		begin(w, "input");
		f_str(w, ps->origin[i].run);
		f_u64(w, ps->origin[i].index);
		f_str(w, in->path);
		f_u64(w, in->size);
		f_str(w, in->sha256);
		f_str(w, in->compression);
		f_str(w, in->format);
		f_u64(w, in->lines);
		f_u64(w, in->parsed);
		f_u64(w, in->unparsed);
		f_u64(w, in->overlong);
		f_u64(w, in->comments);
		f_u64(w, in->events);
		f_u64(w, in->pd_reads);
		f_u64(w, in->complete);
		f_str(w, in->error);
		f_u64(w, in->error_offset);
		f_u64(w, in->has_time);
		f_i64(w, in->tmin);
		f_i64(w, in->tmax);
		f_u64(w, in->skipped);
		f_u64(w, in->unmapped);
		end_line(w);
		for (size_t k = 0; k < in->nunparsed_ex; k++)
			write_example(w, i, "unparsed", &in->unparsed_ex[k]);
		for (size_t k = 0; k < in->noverlong_ex; k++)
			write_example(w, i, "overlong", &in->overlong_ex[k]);
	}
	begin(w, "counts");
	f_u64(w, r->failed_requests);
	f_u64(w, r->transfers);
	end_line(w);
	begin(w, "assessed");
	for (int p = 0; p < PR_COUNT; p++)
		f_u64(w, r->assessed[p]);
	end_line(w);
	begin(w, "reads-by-hour");
	for (int h = 0; h < 24; h++)
		f_u64(w, r->reads_by_hour[h]);
	end_line(w);
	for (size_t i = 0; i < r->nlimits; i++) {
		begin(w, "limit");
		f_u64(w, ps->limit_ord[i]);
		f_u64(w, r->limits[i].hits);
		f_str(w, r->limits[i].where);
		end_line(w);
	}
	/* Read once in order: a spilled list is never loaded whole. */
	struct fnd_iter it;
	const struct finding *f;
	fnd_sort(&ps->res.findings);
	for (fnd_iter_start(&r->findings, &it); (f = fnd_iter_next(&it));)
		write_finding(w, f);
	win_foreach(ps->res.windows, write_window, w);

	char hex[65], mac[65];
	dg_sha256_hex(&w->sum, hex);
	buf_reset(&w->line);
	if (w->key) {
		/* HMAC of the SHA-256: only a holder of the key can make it. */
		dg_hmac_hex(w->key->k, w->key->n, hex, 64, mac);
		buf_addf(&w->line, "end\t%" PRIu64 "\t%s\t" PART_HMAC "\n", w->nlines, mac);
	} else {
		buf_addf(&w->line, "end\t%" PRIu64 "\t%s\n", w->nlines, hex);
	}
	fwrite(w->line.p, 1, w->line.len, w->out);
}

struct part_job {
	struct writer *w;
	struct part_set *ps;
};

/* sf_fn: the whole partial into out. */
static int write_part(void *arg, FILE *out)
{
	struct part_job *j = arg;
	j->w->out = out;
	errno = 0;
	write_all(j->w, j->ps);
	if (j->w->line.err)
		return ENOMEM;
	if (fnd_error(&j->ps->res.findings))	/* not every finding was read back */
		return fnd_error(&j->ps->res.findings);
	if (ferror(out))
		return errno ? errno : EIO;
	return 0;
}

int part_key_load(const char *path, struct part_key *key, struct diag *err)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return diag_set(err, "%s: cannot read the partial key: %s", path, strerror(errno));
	key->n = fread(key->k, 1, sizeof(key->k), f);
	bool more = fgetc(f) != EOF, bad = ferror(f);
	fclose(f);
	if (bad || more || key->n < 16)
		return diag_set(err, "%s: a partial key is 16 to %zu bytes (e.g. head -c 32 "
				"/dev/urandom)", path, sizeof(key->k));
	return 0;
}

int part_write(struct part_set *ps, const struct policy *pol, const struct part_key *key,
	       const char *path, struct diag *err)
{
	struct writer w = { .pol = pol, .key = key };
	struct part_job j = { &w, ps };

	buf_init(&w.line, 0);
	dg_sha256_init(&w.sum);
	/* A partial holds evidence lines: personal data, written whole or not at all. */
	int ret = sf_write(path, write_part, &j, err);
	buf_release(&w.line);
	return ret;
}

/* ---- reading ------------------------------------------------------------ */

#define MAX_FIELDS 32

struct reader {
	const char *path;
	uint64_t lineno;
	const struct policy *pol;
	struct part_set *ps;
	struct arena *a;
	struct diag *err;
	char *f[MAX_FIELDS];	/* fields of the current line (in place, escaped) */
	size_t nf;
	size_t cap_inputs;
	size_t cap_limits;
	const struct part_key *key;	/* NULL: the trailer is a checksum */
	uint64_t max_records;		/* no count in the file may exceed it */
	/* Where findings and window records go: ps's own, or a pool's (then indexes + base). */
	struct fnd_list *findings;
	struct win_log *windows;
	size_t base;
	/*
	 * Read into a pool: per ps->runs[i], whether its paths are the pool's
	 * list of a set read before (compared, not kept), which of them this
	 * file listed, and its first path that differs (reported once the
	 * checksum holds: a damaged byte is named as damage).
	 */
	struct part_pool *pool;
	struct run_check {
		unsigned char *seen;	/* NULL: the run's paths are filled from this file */
		uint64_t differs_line;	/* 0: none */
		uint64_t differs_index;
	} *checks;
};

static int bad(struct reader *r, const char *fmt, const char *what)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, what);
	return diag_set(r->err, "%s:%" PRIu64 ": %s", r->path, r->lineno, msg);
}

/*
 * Unescape field i into the set's arena (r->a NULL: in place, for a copy
 * made at once); *null says it was \N.
 */
static int get_str(struct reader *r, size_t i, sv *out, bool *null)
{
	char *s = r->f[i];
	size_t n = strlen(s);
	if (null)
		*null = false;
	if (n == 2 && s[0] == '\\' && s[1] == 'N') {
		if (!null)
			return bad(r, "bad field %s: \\N where a value is required", "");
		*null = true;
		*out = sv_make(NULL, 0);
		return 0;
	}
	char *d = r->a ? arena_alloc(r->a, n + 1) : s;	/* in place: d never passes s */
	size_t k = 0;
	for (size_t j = 0; j < n; j++) {
		if (s[j] != '\\') {
			d[k++] = s[j];
			continue;
		}
		if (++j >= n)
			return bad(r, "bad escape at the end of a field%s", "");
		switch (s[j]) {
		case '\\': d[k++] = '\\'; break;
		case 't': d[k++] = '\t'; break;
		case 'n': d[k++] = '\n'; break;
		case 'r': d[k++] = '\r'; break;
		case 'x': {
			/* The field is NUL-terminated: a short escape fails on the NUL. */
			int b = sv_hexbyte(s + j + 1);
			if (b < 0)
				return bad(r, "bad \\x escape%s", "");
			d[k++] = (char)b;
			j += 2;
			break;
		}
		default:
			return bad(r, "bad escape%s", "");
		}
	}
	d[k] = '\0';
	*out = sv_make(d, k);
	return 0;
}

static int get_cstr(struct reader *r, size_t i, const char **out, bool nullable)
{
	sv s;
	bool null;
	if (get_str(r, i, &s, nullable ? &null : NULL))
		return -1;
	*out = nullable && null ? NULL : (s.p ? s.p : "");
	return 0;
}

static int get_u64(struct reader *r, size_t i, uint64_t *out)
{
	const char *s = r->f[i];
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return bad(r, "bad number '%s'", s);
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		return bad(r, "bad number '%s'", s);
	*out = v;
	return 0;
}

static int get_hex(struct reader *r, size_t i, uint64_t *out)
{
	const char *s = r->f[i];
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return bad(r, "bad hex number '%s'", s);
	errno = 0;
	unsigned long long v = strtoull(s, &end, 16);
	if (*end || errno)
		return bad(r, "bad hex number '%s'", s);
	*out = v;
	return 0;
}

static int get_i64(struct reader *r, size_t i, int64_t *out)
{
	const char *s = r->f[i];
	char *end;
	if (!*s || *s == '+')
		return bad(r, "bad number '%s'", s);
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno)
		return bad(r, "bad number '%s'", s);
	*out = v;
	return 0;
}

/*
 * f_time's "SEC" or "SEC.NNNNNNNNN" (exactly nine digits), in the years
 * 0001-9999 like every parsed time (timeutil.h), or refused.
 */
static int get_time(struct reader *r, size_t i, int64_t *sec, int32_t *nsec)
{
	char *s = r->f[i], *dot = strchr(s, '.');
	*nsec = 0;
	if (!dot) {
		if (get_i64(r, i, sec))
			return -1;
		if (!tu_time_ok(*sec))
			return bad(r, "time %s out of the years 0001-9999", r->f[i]);
		return 0;
	}
	int32_t ns = 0;
	size_t k = 0;
	for (; dot[1 + k] >= '0' && dot[1 + k] <= '9'; k++)
		ns = ns * 10 + (dot[1 + k] - '0');
	if (k != 9 || dot[1 + k])
		return bad(r, "bad time '%s'", s);
	*dot = '\0';
	int rc = get_i64(r, i, sec);
	*dot = '.';
	*nsec = ns;
	if (!rc && !tu_time_ok(*sec))
		return bad(r, "time %s out of the years 0001-9999", r->f[i]);
	return rc;
}

static int get_bool(struct reader *r, size_t i, bool *out)
{
	if (strcmp(r->f[i], "0") && strcmp(r->f[i], "1"))
		return bad(r, "bad flag '%s' (expected 0 or 1)", r->f[i]);
	*out = r->f[i][0] == '1';
	return 0;
}

static int want(struct reader *r, size_t n)
{
	if (r->nf != n) {
		char what[96];
		snprintf(what, sizeof(what), "'%s' record with %zu fields, expected %zu",
			 r->f[0], r->nf, n);
		return bad(r, "bad %s", what);
	}
	return 0;
}

struct part_run *part_run_find(struct part_set *ps, const char *id)
{
	for (size_t i = 0; i < ps->nruns; i++)
		if (!strcmp(ps->runs[i].id, id))
			return &ps->runs[i];
	return NULL;
}

static int is_run_id(const char *s)
{
	if (strlen(s) != 16)
		return 0;
	for (; *s; s++)
		if (sv_hexval(*s) < 0 || (*s >= 'A' && *s <= 'F'))
			return 0;
	return 1;
}

/* Field i (not \N) unescaped in place, for a comparison: valid until the next line. */
static int get_str_in_place(struct reader *r, size_t i, sv *out)
{
	struct arena *a = r->a;
	r->a = NULL;
	int rc = get_str(r, i, out, NULL);
	r->a = a;
	return rc;
}

static bool is_str(const char *s, sv v)
{
	return strlen(s) == v.n && !memcmp(s, v.p, v.n);
}

/*
 * The paths of run (just added to a set read into r->pool): the pool's
 * list when it has the run with as many inputs (the 'path' records then
 * compared with it), else a list filled from this file and, the first
 * time, kept by the pool for the sets after it.  A run with another
 * number of inputs keeps its own list: part_join() refuses it.
 */
static int pool_run(struct reader *r, struct part_run *run)
{
	struct part_pool *pp = r->pool;
	struct run_check *nc = realloc(r->checks, r->ps->nruns * sizeof(*nc));
	if (!nc)
		return diag_set(r->err, "out of memory");
	r->checks = nc;
	struct run_check *ck = &r->checks[r->ps->nruns - 1];
	memset(ck, 0, sizeof(*ck));

	const struct part_run *have = NULL;
	for (size_t i = 0; i < pp->nruns && !have; i++)
		if (!strcmp(pp->runs[i].id, run->id))
			have = &pp->runs[i];
	if (have && have->ninputs == run->ninputs) {
		ck->seen = calloc(run->ninputs ? run->ninputs : 1, 1);
		if (!ck->seen)
			return diag_set(r->err, "out of memory");
		run->paths = have->paths;
		return 0;
	}
	run->paths = arena_alloc(&pp->arena, (run->ninputs ? run->ninputs : 1) * sizeof(char *));
	if (!run->paths)
		return diag_set(r->err, "out of memory");
	if (have)
		return 0;
	struct part_run *nv = realloc(pp->runs, (pp->nruns + 1) * sizeof(*nv));
	if (!nv)
		return diag_set(r->err, "out of memory");
	pp->runs = nv;
	pp->runs[pp->nruns++] = *run;	/* shares the list, filled by the 'path' records below */
	return 0;
}

static int rd_run(struct reader *r)
{
	struct part_set *ps = r->ps;
	uint64_t shards, n;
	if (want(r, 4) || get_u64(r, 2, &shards) || get_u64(r, 3, &n))
		return -1;
	if (!is_run_id(r->f[1]))
		return bad(r, "bad run id '%s'", r->f[1]);
	if (part_run_find(ps, r->f[1]))
		return bad(r, "run %s listed twice", r->f[1]);
	if (shards > 100000)
		return bad(r, "bad 'run' record%s", "");
	/* Each input is a 'path' record: a count the file cannot hold is forged. */
	if (n > r->max_records)
		return bad(r, "bad 'run' record: %s inputs, more than the file can hold", r->f[3]);
	struct part_run *nv = realloc(ps->runs, (ps->nruns + 1) * sizeof(*nv));
	if (!nv)
		return diag_set(r->err, "out of memory");
	ps->runs = nv;
	struct part_run *run = &ps->runs[ps->nruns++];
	memset(run, 0, sizeof(*run));
	memcpy(run->id, r->f[1], 17);
	run->shards = (unsigned)shards;
	run->ninputs = (size_t)n;
	if (r->pool)
		return pool_run(r, run);
	/* Filled by the 'path' records that follow; checked at the end. */
	run->paths = arena_alloc(r->a, (run->ninputs ? run->ninputs : 1) * sizeof(char *));
	return 0;
}

static int rd_path(struct reader *r)
{
	uint64_t k;
	if (want(r, 4) || get_u64(r, 2, &k))
		return -1;
	struct part_run *run = part_run_find(r->ps, r->f[1]);
	if (!run)
		return bad(r, "path of an unknown run '%s'", r->f[1]);
	struct run_check *ck = r->pool ? &r->checks[run - r->ps->runs] : NULL;
	if (ck && ck->seen) {
		/* A list the pool has: compared in place, not kept again. */
		if (k >= run->ninputs || ck->seen[k])
			return bad(r, "bad 'path' record: index %s out of order", r->f[2]);
		ck->seen[k] = 1;
		sv p;
		if (get_str_in_place(r, 3, &p))
			return -1;
		if (!ck->differs_line && !is_str(run->paths[k], p)) {
			ck->differs_line = r->lineno;
			ck->differs_index = k;
		}
		return 0;
	}
	if (k >= run->ninputs || run->paths[k])
		return bad(r, "bad 'path' record: index %s out of order", r->f[2]);
	if (r->pool)
		r->pool->npaths++;
	return get_cstr(r, 3, &run->paths[k], false);
}

/*
 * The path of an input (field 3) that is index of run: the run's string
 * when they are equal (the list precedes the inputs), so a path is not
 * kept twice; else a copy in the set's arena.
 */
static int get_input_path(struct reader *r, const struct part_run *run, uint64_t index,
			  const char **out)
{
	sv p;
	if (get_str_in_place(r, 3, &p))
		return -1;
	const char *have = index < run->ninputs ? run->paths[index] : NULL;
	if (have && is_str(have, p))
		*out = have;
	else if (!(*out = arena_strndup(r->a, p.p ? p.p : "", p.n)))
		return diag_set(r->err, "out of memory");
	return 0;
}

static int rd_input(struct reader *r)
{
	struct part_set *ps = r->ps;
	struct aud_result *res = &ps->res;
	if (want(r, 23))
		return -1;
	if (res->ninputs == r->cap_inputs) {
		size_t nc = r->cap_inputs ? r->cap_inputs * 2 : 16;
		struct aud_input *ni = realloc(res->inputs, nc * sizeof(*ni));
		struct part_origin *no = ni ? realloc(ps->origin, nc * sizeof(*no)) : NULL;
		if (ni)
			res->inputs = ni;
		if (!ni || !no)
			return diag_set(r->err, "out of memory");
		ps->origin = no;
		r->cap_inputs = nc;
	}
	struct aud_input *in = &res->inputs[res->ninputs];
	struct part_origin *o = &ps->origin[res->ninputs];
	memset(in, 0, sizeof(*in));
	memset(o, 0, sizeof(*o));
	struct part_run *run = part_run_find(ps, r->f[1]);
	if (!run)
		return bad(r, "input of an unknown run '%s'", r->f[1]);
	memcpy(o->run, run->id, 17);
	const char *sha;
	if (get_u64(r, 2, &o->index) || get_input_path(r, run, o->index, &in->path) ||
	    get_u64(r, 4, &in->size) || get_cstr(r, 5, &sha, false) ||
	    get_cstr(r, 6, &in->compression, true) || get_cstr(r, 7, &in->format, true) ||
	    get_u64(r, 8, &in->lines) || get_u64(r, 9, &in->parsed) ||
	    get_u64(r, 10, &in->unparsed) || get_u64(r, 11, &in->overlong) ||
	    get_u64(r, 12, &in->comments) || get_u64(r, 13, &in->events) ||
	    get_u64(r, 14, &in->pd_reads) || get_bool(r, 15, &in->complete) ||
	    get_cstr(r, 16, &in->error, true) || get_u64(r, 17, &in->error_offset) ||
	    get_bool(r, 18, &in->has_time) || get_i64(r, 19, &in->tmin) ||
	    get_i64(r, 20, &in->tmax) || get_u64(r, 21, &in->skipped) ||
	    get_u64(r, 22, &in->unmapped))
		return -1;
	if (o->index >= run->ninputs)
		return bad(r, "input index %s beyond its run", r->f[2]);
	if (strlen(sha) >= sizeof(in->sha256))
		return bad(r, "bad sha256 '%s'", sha);
	memcpy(in->sha256, sha, strlen(sha) + 1);
	res->ninputs++;
	return 0;
}

static int rd_example(struct reader *r)
{
	uint64_t i, line;
	if (want(r, 5) || get_u64(r, 1, &i) || get_u64(r, 3, &line))
		return -1;
	if (i >= r->ps->res.ninputs)
		return bad(r, "example of an unknown input %s", r->f[1]);
	struct aud_input *in = &r->ps->res.inputs[i];
	struct aud_example *ex;
	size_t *n;
	if (!strcmp(r->f[2], "unparsed")) {
		ex = in->unparsed_ex;
		n = &in->nunparsed_ex;
	} else if (!strcmp(r->f[2], "overlong")) {
		ex = in->overlong_ex;
		n = &in->noverlong_ex;
	} else {
		return bad(r, "bad example kind '%s'", r->f[2]);
	}
	if (*n >= AUD_EXAMPLES)
		return bad(r, "too many examples for one input%s", "");
	ex[*n].line = line;
	if (get_str(r, 4, &ex[*n].text, NULL))
		return -1;
	(*n)++;
	return 0;
}

static int rd_numbers(struct reader *r, uint64_t *v, size_t n)
{
	if (want(r, n + 1))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (get_u64(r, i + 1, &v[i]))
			return -1;
	return 0;
}

static int rd_limit(struct reader *r)
{
	struct part_set *ps = r->ps;
	struct aud_result *res = &ps->res;
	uint64_t ord, hits;
	const char *where;
	if (want(r, 4) || get_u64(r, 1, &ord) || get_u64(r, 2, &hits) ||
	    get_cstr(r, 3, &where, false))
		return -1;
	if (res->nlimits == r->cap_limits) {
		size_t nc = r->cap_limits ? r->cap_limits * 2 : 8;
		struct aud_limit *nl = realloc(res->limits, nc * sizeof(*nl));
		uint32_t *no = nl ? realloc(ps->limit_ord, nc * sizeof(*no)) : NULL;
		if (nl)
			res->limits = nl;
		if (!nl || !no)
			return diag_set(r->err, "out of memory");
		ps->limit_ord = no;
		r->cap_limits = nc;
	}
	res->limits[res->nlimits].where = where;
	res->limits[res->nlimits].hits = (unsigned long)hits;
	ps->limit_ord[res->nlimits] = ord > UINT32_MAX ? UINT32_MAX : (uint32_t)ord;
	res->nlimits++;
	return 0;
}

/* Append a finding without fnd_add()'s truncation: it was bounded when found. */
static void push_finding(struct fnd_list *l, const struct finding *f)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, nc, sizeof(*l->v));
		l->cap = nc;
	}
	l->v[l->n++] = *f;
}

/*
 * A finding not kept by a list with a budget (out of memory, or no
 * temporary file): counted on its input, which is no longer complete.
 */
static void lost_finding(struct aud_result *res, struct arena *a, uint32_t file)
{
	static const char why[] = "finding(s) not kept reading the partial: out of memory, "
				  "or no temporary file for the findings";
	struct aud_input *in = &res->inputs[file];
	in->findings_lost++;
	if (in->complete) {
		in->complete = false;
		in->error = arena_strndup(a, why, sizeof(why) - 1);
	}
	res->incomplete = true;
}

static int rd_finding(struct reader *r)
{
	struct finding f;
	uint64_t file, cats;
	const char *check, *sev;
	bool has_time;
	struct fnd_list *l = r->findings;
	struct arena *a = r->a;

	memset(&f, 0, sizeof(f));
	/*
	 * With a budget the list copies the strings: unescaped in place, not
	 * into the arena.  Without, they live as long as the list: in its own
	 * arena when it is a pool's.
	 */
	if (l->budget)
		r->a = NULL;
	else if (l != &r->ps->res.findings)
		r->a = &l->arena;
	int rc = want(r, 15) || get_u64(r, 1, &file) || get_u64(r, 2, &f.line) ||
	    get_cstr(r, 3, &check, false) || get_cstr(r, 4, &sev, false) ||
	    get_bool(r, 5, &has_time) || get_i64(r, 6, &f.time) ||
	    (has_time && !tu_time_ok(f.time) &&
	     bad(r, "time %s out of the years 0001-9999", r->f[6])) || get_hex(r, 7, &cats) ||
	    get_str(r, 8, &f.user, NULL) || get_str(r, 9, &f.role, NULL) ||
	    get_str(r, 10, &f.subject, NULL) || get_str(r, 11, &f.reason, NULL) ||
	    get_str(r, 12, &f.resource, NULL) || get_str(r, 13, &f.detail, NULL) ||
	    get_str(r, 14, &f.evidence, NULL);
	r->a = a;
	if (rc)
		return -1;
	if (file >= r->ps->res.ninputs)
		return bad(r, "finding in an unknown input %s", r->f[1]);
	int c = policy_check(r->pol, sv_cstr(check));
	if (c < 0)
		return bad(r, "unknown check '%s'", check);
	f.severity = sev_parse(sv_cstr(sev));
	if (f.severity == SEV_NONE)
		return bad(r, "unknown severity '%s'", sev);
	f.check = (uint32_t)c;
	f.file = (uint32_t)(file + r->base);
	f.has_time = has_time;
	f.categories = cats;
	if (!l->budget)
		push_finding(l, &f);
	else if (!fnd_add_whole(l, &f))
		lost_finding(&r->ps->res, a, (uint32_t)file);
	return 0;
}

static int rd_window(struct reader *r)
{
	struct win_record w;
	uint64_t file, kind;
	const char *role;

	memset(&w, 0, sizeof(w));
	/* win_add_record() copies the strings (and spills them): unescaped in place, not kept twice. */
	struct arena *a = r->a;
	r->a = NULL;
	int rc = want(r, 12) || get_u64(r, 1, &file) || get_u64(r, 2, &w.line) ||
	    get_u64(r, 3, &kind) || get_time(r, 4, &w.time, &w.nsec) || get_cstr(r, 5, &role, false) ||
	    get_hex(r, 6, &w.categories) || get_str(r, 7, &w.key, NULL) ||
	    get_str(r, 8, &w.user, NULL) || get_str(r, 9, &w.subject, NULL) ||
	    get_str(r, 10, &w.resource, NULL) || get_str(r, 11, &w.evidence, NULL);
	r->a = a;
	if (rc)
		return -1;
	if (file >= r->ps->res.ninputs)
		return bad(r, "window record in an unknown input %s", r->f[1]);
	if (kind > WIN_DENIED_SRC)
		return bad(r, "bad window record kind %s", r->f[3]);
	w.kind = (enum win_record_kind)kind;
	w.file = (uint32_t)(file + r->base);
	w.role = -1;
	if (*role) {
		int k = policy_role(r->pol, sv_cstr(role));
		if (k < 0)
			return bad(r, "unknown role '%s'", role);
		w.role = k;
	}
	win_add_record(r->windows, &w);
	return 0;
}

static void split(struct reader *r, char *s)
{
	r->nf = 0;
	for (;;) {
		char *t = strchr(s, '\t');
		if (r->nf < MAX_FIELDS)
			r->f[r->nf] = s;
		r->nf++;
		if (!t)
			break;
		*t = '\0';
		s = t + 1;
	}
	if (r->nf > MAX_FIELDS)
		r->nf = MAX_FIELDS + 1;	/* reported by want() as a wrong count */
}

static int read_stream(struct reader *r, FILE *in)
{
	struct part_set *ps = r->ps;
	struct dg_sha256 sum;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool ended = false;
	int ret = -1;

	dg_sha256_init(&sum);
	while ((len = getline(&line, &cap, in)) > 0) {
		r->lineno++;
		if (ended) {
			bad(r, "data after the end record: the partial is corrupt%s", "");
			goto out;
		}
		if (line[len - 1] != '\n') {
			bad(r, "truncated partial: the last line is cut short%s", "");
			goto out;
		}
		if (memchr(line, '\0', (size_t)len)) {
			bad(r, "NUL byte: the partial is corrupt%s", "");
			goto out;
		}
		if (r->lineno > 1 && !strncmp(line, "end\t", 4)) {
			char hex[65];
			uint64_t n;
			line[len - 1] = '\0';
			split(r, line);
			bool signed_ = r->nf == 4 && !strcmp(r->f[3], PART_HMAC);
			if ((signed_ ? want(r, 4) : want(r, 3)) || get_u64(r, 1, &n))
				goto out;
			dg_sha256_hex(&sum, hex);
			if (signed_ && !r->key) {
				bad(r, "signed with a partial key (" PART_HMAC "): give --partial-key "
				    "KEYFILE to verify it%s", "");
				goto out;
			}
			if (!signed_ && r->key) {
				bad(r, "not signed: made without --partial-key, so an edit could not "
				    "be told from the original%s", "");
				goto out;
			}
			if (signed_) {
				char mac[65];
				dg_hmac_hex(r->key->k, r->key->n, hex, 64, mac);
				if (n != r->lineno - 1 || strcmp(mac, r->f[2]) != 0) {
					bad(r, "HMAC mismatch: the partial was edited or damaged, or "
					    "signed with another key%s", "");
					goto out;
				}
			} else if (n != r->lineno - 1 || strcmp(hex, r->f[2]) != 0) {
				bad(r, "checksum mismatch: the partial is damaged (a checksum finds "
				    "damage, not edits: sign partials with --partial-key)%s", "");
				goto out;
			}
			ended = true;
			continue;
		}
		dg_sha256_update(&sum, line, (size_t)len);
		line[len - 1] = '\0';
		if (r->lineno == 1) {
			char rest[32];
			size_t ml = strlen(PART_MAGIC);
			if (strncmp(line, PART_MAGIC " ", ml + 1) != 0) {
				bad(r, "not a dpfaudit partial result (no '" PART_MAGIC " %s' header)",
				    "N");
				goto out;
			}
			snprintf(rest, sizeof(rest), "%d", PART_VERSION);
			if (strcmp(line + ml + 1, rest) != 0) {
				char what[128];
				snprintf(what, sizeof(what), "partial format version %.16s; this dpfaudit "
					 "reads version %d", line + ml + 1, PART_VERSION);
				bad(r, "%s", what);
				goto out;
			}
			continue;
		}
		split(r, line);
		const char *tag = r->f[0];
		int rc;
		if (r->lineno == 2) {
			if (strcmp(tag, "tool") || want(r, 3))
				goto expected_tool;
			if (strcmp(r->f[2], PACKAGE_VERSION)) {
				char what[160];
				snprintf(what, sizeof(what), "written by dpfaudit %.32s; this is dpfaudit %s "
					 "(merge partials with the version that wrote them)", r->f[2],
					 PACKAGE_VERSION);
				bad(r, "%s", what);
				goto out;
			}
			continue;
		}
		if (r->lineno == 3) {
			if (strcmp(tag, "rules") || want(r, 2))
				goto expected_rules;
			if (strlen(r->f[1]) >= sizeof(ps->digest)) {
				bad(r, "bad rules digest%s", "");
				goto out;
			}
			snprintf(ps->digest, sizeof(ps->digest), "%s", r->f[1]);
			if (strcmp(ps->digest, r->pol->digest)) {
				diag_set(r->err, "%s: rules digest differs: the partial was made with rules "
					 "%.12s..., these rules are %.12s... (merge with the rules the scan used)",
					 r->path, ps->digest, r->pol->digest);
				goto out;
			}
			continue;
		}
		if (!strcmp(tag, "run"))
			rc = rd_run(r);
		else if (!strcmp(tag, "path"))
			rc = rd_path(r);
		else if (!strcmp(tag, "input"))
			rc = rd_input(r);
		else if (!strcmp(tag, "example"))
			rc = rd_example(r);
		else if (!strcmp(tag, "counts")) {
			uint64_t v[2];
			rc = rd_numbers(r, v, 2);
			ps->res.failed_requests = v[0];
			ps->res.transfers = v[1];
		} else if (!strcmp(tag, "assessed"))
			rc = rd_numbers(r, ps->res.assessed, PR_COUNT);
		else if (!strcmp(tag, "reads-by-hour"))
			rc = rd_numbers(r, ps->res.reads_by_hour, 24);
		else if (!strcmp(tag, "limit"))
			rc = rd_limit(r);
		else if (!strcmp(tag, "finding"))
			rc = rd_finding(r);
		else if (!strcmp(tag, "window"))
			rc = rd_window(r);
		else
			rc = bad(r, "unknown record '%s'", tag);
		if (rc)
			goto out;
	}
	if (ferror(in)) {
		diag_set(r->err, "%s: read error: %s", r->path, strerror(errno));
		goto out;
	}
	if (r->lineno == 0) {
		r->lineno = 1;
		bad(r, "empty file: not a dpfaudit partial result%s", "");
		goto out;
	}
	if (!ended) {
		r->lineno++;
		bad(r, "truncated partial: no end record%s", "");
		goto out;
	}
	for (size_t i = 0; i < ps->nruns; i++) {
		const struct run_check *ck = r->pool ? &r->checks[i] : NULL;
		for (size_t k = 0; k < ps->runs[i].ninputs; k++)
			if (ck && ck->seen ? !ck->seen[k] : !ps->runs[i].paths[k]) {
				diag_set(r->err, "%s: run %s lacks the path of input %zu: the partial is corrupt",
					 r->path, ps->runs[i].id, k);
				goto out;
			}
		if (ck && ck->differs_line) {
			diag_set(r->err, "%s:%" PRIu64 ": run %s: input %" PRIu64 " has another path "
				 "here than in a partial read before ('%s'): the partials disagree on the "
				 "run's inputs (one was edited)", r->path, ck->differs_line, ps->runs[i].id,
				 ck->differs_index, ps->runs[i].paths[ck->differs_index]);
			goto out;
		}
	}
	ret = 0;
	goto out;
expected_tool:
	bad(r, "expected the 'tool' record%s", "");
	goto out;
expected_rules:
	bad(r, "expected the 'rules' record%s", "");
out:
	free(line);
	return ret;
}

/* part_read() or part_read_into(): pool NULL, the findings and window records stay in ps. */
static int read_part(const char *path, const struct policy *pol, const struct part_key *key,
		     size_t findings_budget, struct part_pool *pool, struct part_set *ps,
		     struct diag *err)
{
	struct reader r = { .path = path, .pol = pol, .ps = ps, .err = err, .key = key };
	struct stat st;
	FILE *in;
	int ret;

	memset(ps, 0, sizeof(*ps));
	ps->res.windows = win_log_new();
	ps->res.findings.budget = findings_budget;
	r.a = &ps->res.arena;
	r.findings = &ps->res.findings;
	r.windows = ps->res.windows;
	if (pool) {
		r.findings = &pool->findings;
		r.windows = pool->windows;
		r.base = pool->ninputs;
		r.a = &pool->arena;
		r.pool = pool;
		ps->pooled = true;
		ps->pool_base = pool->ninputs;
	}
	in = !strcmp(path, "-") ? stdin : fopen(path, "r");
	if (!in) {
		diag_set(err, "%s: %s", path, strerror(errno));
		part_set_release(ps);
		return -1;
	}
	/* A record is a line of at least 8 bytes; a stream gets a generous cap. */
	r.max_records = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ?
			(uint64_t)st.st_size / 8 : (uint64_t)1 << 26;
	ret = read_stream(&r, in);
	if (in != stdin)
		fclose(in);
	for (size_t i = 0; r.checks && i < ps->nruns; i++)
		free(r.checks[i].seen);
	free(r.checks);
	if (ret) {
		part_set_release(ps);
		return -1;
	}
	if (pool)
		pool->ninputs += ps->res.ninputs;
	/* Inputs grow by doubling from 16: fitted, so a set of one input holds one (merge of many). */
	if (ps->res.ninputs && ps->res.ninputs < r.cap_inputs) {
		struct aud_input *ni = realloc(ps->res.inputs, ps->res.ninputs * sizeof(*ni));
		if (ni)
			ps->res.inputs = ni;
		struct part_origin *no = realloc(ps->origin, ps->res.ninputs * sizeof(*no));
		if (no)
			ps->origin = no;
	}
	aud_totals(&ps->res);
	return 0;
}

int part_read(const char *path, const struct policy *pol, const struct part_key *key,
	      size_t findings_budget, struct part_set *ps, struct diag *err)
{
	return read_part(path, pol, key, findings_budget, NULL, ps, err);
}

int part_read_into(const char *path, const struct policy *pol, const struct part_key *key,
		   struct part_pool *pool, struct part_set *ps, struct diag *err)
{
	return read_part(path, pol, key, 0, pool, ps, err);
}

void part_pool_init(struct part_pool *pp, size_t findings_budget, size_t window_memory)
{
	memset(pp, 0, sizeof(*pp));
	pp->findings = (struct fnd_list)FND_LIST_INIT;
	pp->findings.budget = findings_budget;
	pp->windows = win_log_new();
	pp->window_memory = window_memory;
	win_log_set_memory(pp->windows, window_memory);
}

size_t part_pool_paths(const struct part_pool *pp)
{
	return pp->npaths;
}

void part_pool_release(struct part_pool *pp)
{
	free(pp->runs);
	fnd_release(&pp->findings);
	win_log_free(pp->windows);
	arena_release(&pp->arena);
	memset(pp, 0, sizeof(*pp));
}
