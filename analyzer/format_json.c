/*
 * format_json.c - JSON lines, one object per line, read with yajl's
 * callback parser (libyajl2; see the README for why yajl).
 *
 * yajl builds no tree: it calls back with each scalar, and we offer it to
 * the format's key map under its dotted path ("actor.id", "arr.0").
 * Strings without escapes and numbers arrive as pointers into the line and
 * stay views (numbers keep their source text, "4711", "1.50"); strings that
 * yajl had to unescape are copied into the thread's scratch; true and false
 * are the literals.  Anything that is not one valid JSON object, or that
 * nests deeper than FMT_JSON_MAX_DEPTH, makes the line unparsed (counted
 * and reported, never half-read).
 *
 * Memory: yajl takes allocation functions per handle, with a context, so
 * there is no process-wide hook and threads share nothing.  Its handle,
 * lexer, state stack and unescaping buffer come from a small arena on our
 * stack that dies with the parse: no malloc for ordinary lines.  Only a
 * string with escapes longer than the arena (some KiB) spills to malloc,
 * freed again by yajl_free(); the line length cap bounds it.  The parser
 * keeps its nesting in that heap stack, not in recursion, and our depth
 * callback stops it at FMT_JSON_MAX_DEPTH, so "[[[[..." cannot exhaust the
 * C stack nor the heap.
 *
 * Invalid UTF-8 inside strings is accepted as it stands (yajl's validation
 * is off), as the hand-written scanner before did and the other formats do:
 * a stray Latin-1 byte in a user agent must not take an access out of the
 * audit.  Reports escape such bytes (escape.h).  Escaped lone surrogates
 * come out as yajl decodes them ("\ud800" as '?', "\udc00" as the invalid
 * bytes ED B0 80, which reports print as U+FFFD); the scanner before wrote
 * U+FFFD.  Keys are matched decoded: "us\u0065r" is "user".
 */
#include "common.h"

#include "format_impl.h"
#include "xalloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <yajl/yajl_parse.h>

/* ---- a per-parse arena for yajl's own memory ----------------------------- */

/*
 * Big enough for yajl's handle, lexer and state stack (under 1 KiB) and an
 * unescaping buffer that grows in place to 8 KiB.
 */
#define JARENA_SIZE (16u * 1024)
#define JALIGN (alignof(max_align_t))
#define JROUND(n) (((n) + JALIGN - 1) & ~(JALIGN - 1))

struct jarena {
	char *base;
	size_t cap, off;
	size_t last;		/* offset of the newest block, or SIZE_MAX */
};

/* Each block starts with its size, so realloc knows what to copy. */
struct jhdr {
	size_t size;
	bool heap;		/* the arena was full: malloc'd */
};
#define JHDR JROUND(sizeof(struct jhdr))

static struct jhdr *jhdr(void *p)
{
	return (struct jhdr *)(void *)((char *)p - JHDR);
}

static void *ja_malloc(void *ctx, size_t n)
{
	struct jarena *a = ctx;
	struct jhdr *h;
	if (n <= a->cap - a->off && JHDR + JROUND(n) <= a->cap - a->off) {
		h = (struct jhdr *)(void *)(a->base + a->off);
		a->last = a->off;
		a->off += JHDR + JROUND(n);
		h->heap = false;
	} else {
		/* Only strings with escapes longer than the arena get here. */
		if (n > SIZE_MAX - JHDR)
			xalloc_oom(SIZE_MAX);
		h = malloc(JHDR + n);
		if (!h)
			xalloc_oom(JHDR + n);	/* yajl cannot take NULL back */
		h->heap = true;
	}
	h->size = n;
	return (char *)h + JHDR;
}

static void ja_free(void *ctx, void *p)
{
	(void)ctx;
	if (p && jhdr(p)->heap)
		free(jhdr(p));
	/* Arena blocks go with the arena at the end of the parse. */
}

static void *ja_realloc(void *ctx, void *p, size_t n)
{
	struct jarena *a = ctx;
	if (!p)
		return ja_malloc(ctx, n);
	struct jhdr *h = jhdr(p);
	if (h->heap) {
		if (n > SIZE_MAX - JHDR)
			xalloc_oom(SIZE_MAX);
		h = realloc(h, JHDR + n);
		if (!h)
			xalloc_oom(JHDR + n);
		h->size = n;
		return (char *)h + JHDR;
	}
	if (n <= h->size)
		return p;
	/* The newest block grows in place while the arena has room. */
	if ((char *)h == a->base + a->last && n <= a->cap - a->last - JHDR &&
	    JROUND(n) <= a->cap - a->last - JHDR) {
		a->off = a->last + JHDR + JROUND(n);
		h->size = n;
		return p;
	}
	void *q = ja_malloc(ctx, n);
	memcpy(q, p, h->size);
	return q;
}

/* One whole JSON text through callbacks, yajl's memory in an arena on this stack. */
static bool yajl_run(const yajl_callbacks *cb, void *ctx, sv text)
{
	alignas(max_align_t) char mem[JARENA_SIZE];
	struct jarena a = { .base = mem, .cap = sizeof(mem), .last = SIZE_MAX };
	yajl_alloc_funcs af = { ja_malloc, ja_realloc, ja_free, &a };
	yajl_handle h = yajl_alloc(cb, &af, ctx);
	if (!h)
		return false;
	yajl_config(h, yajl_dont_validate_strings, 1);
	bool ok = yajl_parse(h, (const unsigned char *)text.p, text.n) == yajl_status_ok &&
		  yajl_complete_parse(h) == yajl_status_ok;
	yajl_free(h);
	return ok;
}

/* ---- the callbacks: dotted paths and values -------------------------------- */

struct jframe {
	size_t base;		/* path length of the container itself */
	unsigned idx;		/* arrays: index of the next element */
	bool array;
	bool over;		/* the container's own path did not fit */
};

struct jctx {
	struct fmt_thread *t;
	const struct fmt_keymap *m;
	struct fmt_collect *c;
	struct event *ev;
	sv line;
	size_t plen;		/* length of t->path in use */
	bool over;		/* the current value's path did not fit: ignore it */
	int depth;		/* open containers */
	struct jframe st[FMT_JSON_MAX_DEPTH];
};

/* Path of the current value: the container's path, '.', seg. */
static void path_set(struct jctx *j, const struct jframe *f, const char *seg, size_t n)
{
	size_t b = f->base;
	j->over = f->over || n + (b ? 1 : 0) > FMT_PATH_MAX - b;
	if (j->over)
		return;
	if (b)
		j->t->path[b++] = '.';
	memcpy(j->t->path + b, seg, n);
	j->plen = b + n;
}

/*
 * Every value: an array element gets its index as the last path segment.
 * The line's top-level value must be an object; false stops the parse.
 */
static bool begin(struct jctx *j, bool is_map)
{
	if (j->depth == 0)
		return is_map;
	struct jframe *f = &j->st[j->depth - 1];
	if (f->array) {
		char num[16];
		int n = snprintf(num, sizeof(num), "%u", f->idx++);
		path_set(j, f, num, (size_t)n);
	}
	return true;
}

/* A scalar at the current path. */
static void leaf(struct jctx *j, const char *p, size_t n)
{
	if (j->over)
		return;
	sv value = sv_make(p, n);
	/* Unescaped strings live in yajl's buffer, which the next string overwrites. */
	uintptr_t at = (uintptr_t)p, lp = (uintptr_t)j->line.p;
	if (n && !(at >= lp && at - lp < j->line.n)) {
		char *o = fmt_scratch(j->t, n);
		if (!o)
			return;	/* a near-1-MiB line of escapes: this value is dropped */
		memcpy(o, p, n);
		value.p = o;
	}
	sv key = sv_make(j->t->path, j->plen);
	if (fmt_keymap_offer(j->m, j->c, key, value) || value.n == 0 ||
	    j->ev->nextra >= EV_MAX_EXTRA)
		return;
	/* The path buffer changes with the next key: the extra's name needs its own copy. */
	char *name = fmt_scratch(j->t, key.n);
	if (!name)
		return;
	memcpy(name, key.p, key.n);
	ev_add_extra(j->ev, sv_make(name, key.n), value);
}

static int j_null(void *ctx)
{
	if (!begin(ctx, false))
		return 0;
	leaf(ctx, NULL, 0);
	return 1;
}

static int j_bool(void *ctx, int b)
{
	if (!begin(ctx, false))
		return 0;
	leaf(ctx, b ? "true" : "false", b ? 4 : 5);
	return 1;
}

static int j_number(void *ctx, const char *s, size_t n)
{
	if (!begin(ctx, false))
		return 0;
	leaf(ctx, s, n);
	return 1;
}

static int j_string(void *ctx, const unsigned char *s, size_t n)
{
	if (!begin(ctx, false))
		return 0;
	leaf(ctx, (const char *)s, n);
	return 1;
}

static int j_open(struct jctx *j, bool array)
{
	if (!begin(j, !array) || j->depth >= FMT_JSON_MAX_DEPTH)
		return 0;
	struct jframe *f = &j->st[j->depth];
	f->base = j->depth ? j->plen : 0;
	f->over = j->depth ? j->over : false;
	f->array = array;
	f->idx = 0;
	j->depth++;
	return 1;
}

static int j_start_map(void *ctx)
{
	return j_open(ctx, false);
}

static int j_start_array(void *ctx)
{
	return j_open(ctx, true);
}

static int j_key(void *ctx, const unsigned char *k, size_t n)
{
	struct jctx *j = ctx;
	path_set(j, &j->st[j->depth - 1], (const char *)k, n);
	return 1;
}

static int j_close(void *ctx)
{
	struct jctx *j = ctx;
	j->depth--;
	j->plen = j->st[j->depth].base;
	return 1;
}

static const yajl_callbacks jcallbacks = {
	.yajl_null = j_null,
	.yajl_boolean = j_bool,
	.yajl_number = j_number,	/* the source text: no integer/double conversion */
	.yajl_string = j_string,
	.yajl_start_map = j_start_map,
	.yajl_map_key = j_key,
	.yajl_end_map = j_close,
	.yajl_start_array = j_start_array,
	.yajl_end_array = j_close,
};

/* A log level word as programs print it ("DEBUG", "warn"), any case. */
static bool level_word(sv w)
{
	static const char *const levels[] = {
		"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "CRIT",
		"CRITICAL", "ALERT", "EMERG", "FATAL", "PANIC", NULL
	};
	for (size_t i = 0; levels[i]; i++)
		if (sv_eq_nocase(w, sv_cstr(levels[i])))
			return true;
	return false;
}

/*
 * A program's own diagnostic line interleaved with its JSON access records
 * (a plugin's "DEBUG: CrowdsecBouncerTraefikPlugin: ...", "[WARN] ...", a
 * logfmt "time=... level=debug msg=..."): it starts with an upper-case level
 * word followed by ':' or ']' (optionally in brackets), or carries a
 * logfmt `level=` key with a level value.  Such a line is no access record:
 * fmt_json_parse() marks it skipped (counted and reported, SPEC §5), where
 * any other line that is not JSON stays unparsed.
 */
static bool diagnostic_line(sv s)
{
	s = sv_trim(s);
	if (s.n && s.p[0] == '[')
		fmt_adv(&s, 1);
	size_t i = 0;
	while (i < s.n && s.p[i] >= 'A' && s.p[i] <= 'Z')
		i++;
	if (i < s.n && (s.p[i] == ':' || s.p[i] == ']') && level_word(sv_make(s.p, i)))
		return true;
	for (size_t k = 0; k + 6 < s.n; k++) {
		if ((k == 0 || s.p[k - 1] == ' ') && memcmp(s.p + k, "level=", 6) == 0) {
			size_t e = k + 6;
			while (e < s.n && s.p[e] != ' ')
				e++;
			sv v = sv_make(s.p + k + 6, e - k - 6);
			if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
				v = sv_make(v.p + 1, v.n - 2);
			return level_word(v);
		}
	}
	return false;
}

bool fmt_json_parse(const struct fmt *f, sv line, struct event *ev, struct fmt_thread *t)
{
	const struct fmt_keymap *m = f->impl;
	if (!m || line.n > FMT_SCRATCH_SIZE)
		return false;
	/* Most lines of other formats end here, before yajl is set up. */
	size_t i = 0;
	while (i < line.n && (line.p[i] == ' ' || line.p[i] == '\t' || line.p[i] == '\n' ||
			     line.p[i] == '\r'))
		i++;
	if (i == line.n)
		return false;
	if (line.p[i] != '{') {
		if (t->any_format || !diagnostic_line(line))
			return false;
		ev->skip = true;
		return true;
	}

	struct fmt_collect c;
	struct jctx j = { .t = t, .m = m, .c = &c, .ev = ev, .line = line };
	fmt_collect_init(&c);
	return yajl_run(&jcallbacks, &j, line) && fmt_keymap_apply(m, &c, ev, t);
}

/* ---- the Docker json-file wrapper ------------------------------------------ */

struct dctx {
	struct fmt_thread *t;
	sv line;
	int depth;
	int want;		/* the current top-level key: 1 log, 2 time, 0 other */
	sv log, time;
	bool has_log;
};

static int d_scalar(void *ctx)
{
	struct dctx *d = ctx;
	return d->depth >= 1;	/* a bare scalar is no object */
}

static int d_null(void *ctx)
{
	return d_scalar(ctx);
}

static int d_bool(void *ctx, int b)
{
	(void)b;
	return d_scalar(ctx);
}

static int d_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return d_scalar(ctx);
}

static int d_string(void *ctx, const unsigned char *s, size_t n)
{
	struct dctx *d = ctx;
	if (d->depth != 1)
		return d->depth > 1;
	if (!d->want)
		return 1;
	sv v = sv_make((const char *)s, n);
	uintptr_t at = (uintptr_t)s, lp = (uintptr_t)d->line.p;
	if (n && !(at >= lp && at - lp < d->line.n)) {
		char *o = fmt_scratch(d->t, n);
		if (!o)
			return 0;
		memcpy(o, s, n);
		v.p = o;
	}
	if (d->want == 1) {
		d->log = v;
		d->has_log = true;
	} else {
		d->time = v;
	}
	return 1;
}

static int d_open(void *ctx)
{
	struct dctx *d = ctx;
	if (d->depth >= FMT_JSON_MAX_DEPTH)
		return 0;
	d->depth++;
	return 1;
}

static int d_open_array(void *ctx)
{
	struct dctx *d = ctx;
	return d->depth >= 1 && d_open(ctx);
}

static int d_key(void *ctx, const unsigned char *k, size_t n)
{
	struct dctx *d = ctx;
	if (d->depth == 1) {
		sv key = sv_make((const char *)k, n);
		d->want = sv_eq_cstr(key, "log") ? 1 : sv_eq_cstr(key, "time") ? 2 : 0;
	}
	return 1;
}

static int d_close(void *ctx)
{
	struct dctx *d = ctx;
	d->depth--;
	return 1;
}

static const yajl_callbacks dcallbacks = {
	.yajl_null = d_null,
	.yajl_boolean = d_bool,
	.yajl_number = d_number,
	.yajl_string = d_string,
	.yajl_start_map = d_open,
	.yajl_map_key = d_key,
	.yajl_end_map = d_close,
	.yajl_start_array = d_open_array,
	.yajl_end_array = d_close,
};

bool fmt_json_docker_unwrap(sv line, sv *log, sv *time, struct fmt_thread *t)
{
	if (line.n > FMT_SCRATCH_SIZE || line.n < 2 || line.p[0] != '{')
		return false;
	struct dctx d = { .t = t, .line = line };
	if (!yajl_run(&dcallbacks, &d, line) || !d.has_log)
		return false;
	/* The driver keeps the line's newline in "log". */
	if (d.log.n && d.log.p[d.log.n - 1] == '\n')
		d.log.n--;
	if (d.log.n && d.log.p[d.log.n - 1] == '\r')
		d.log.n--;
	*log = d.log;
	*time = d.time;
	return true;
}
