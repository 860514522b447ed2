/*
 * report_sarif.c - SARIF 2.1.0, so code-scanning UIs show each finding at
 * its log file and line.
 *
 * One run; one rule per check (built-in explanations from chk_info(), custom
 * checks their title); one result per finding occurrence.  An incomplete
 * audit sets invocations[0].executionSuccessful = false and carries one
 * error notification per damaged input.  No network: no informationUri.
 *
 * For code scanning (doc/ci.md): each result carries partialFingerprints
 * {"dpfaudit/v1": SHA-256 of its baseline line} - the identity the baseline
 * uses (check, user, subject, categories, reason; no file or line), so an
 * alert is followed from one nightly run to the next and a rotated log does
 * not open a new one.  The run carries automationDetails.id
 * "dpfaudit/CATEGORIES/PERIOD": the part before the last '/' is what code
 * scanning treats as the analysis category (the filters' data categories,
 * or "all"), the last part names the run (its --since/--until, else the
 * time range of the events).  A location in a compressed input keeps the
 * file's own URI (the .gz on disk), with the line number of the
 * decompressed text (as zcat FILE | sed -n LINEp finds it) and
 * properties {"compression": "gzip", "lineNumbers": "decompressed"}.
 */
#include "common.h"

#include "report.h"

#include <string.h>

#include "baseline.h"
#include "digest.h"
#include "filter.h"
#include "jsonw.h"

static const char *level(enum sev s)
{
	switch (s) {
	case SEV_CRITICAL:
	case SEV_HIGH: return "error";
	case SEV_MEDIUM: return "warning";
	default: return "note";
	}
}

/* "key": "s" (an empty string for NULL: SARIF has no null strings). */
static void str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_cstr(w, s ? s : "");
}

/* "key": {"text": s}, SARIF's message object. */
static void text(struct jw *w, const char *key, sv s)
{
	jw_key(w, key);
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "text");
	jw_str(w, s);
	jw_object_end(w);
}

/*
 * "uri": a path as a URI reference: absolute paths as file:// URIs,
 * unreserved bytes kept, every other byte %XX (so nothing needs escaping).
 */
static void uri(struct jw *w, const char *path, struct buf *tmp)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)path;

	buf_reset(tmp);
	if (!strcmp(path, "-")) {
		buf_adds(tmp, "stdin");
	} else {
		if (p[0] == '/')
			buf_adds(tmp, "file://");
		for (; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
				buf_addc(tmp, (char)*p);
			} else {
				buf_addc(tmp, '%');
				buf_addc(tmp, hex[*p >> 4]);
				buf_addc(tmp, hex[*p & 15]);
			}
		}
	}
	jw_key(w, "uri");
	jw_str(w, buf_sv(tmp));
}

/*
 * "locations": [{"physicalLocation": {"artifactLocation": {"uri": PATH ...
 * left open for more members of the artifactLocation and then of the
 * physicalLocation; location_end() closes what is left.
 */
static void location_begin(struct jw *w, const char *path, struct buf *tmp)
{
	jw_key(w, "locations");
	jw_array_begin(w, JW_INLINE);
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "physicalLocation");
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "artifactLocation");
	jw_object_begin(w, JW_INLINE);
	uri(w, path, tmp);
}

static void location_end(struct jw *w)
{
	jw_object_end(w);	/* physicalLocation */
	jw_object_end(w);
	jw_array_end(w);
}

static void rules(const struct rep_ctx *c, struct jw *w)
{
	size_t i, n = c->pol ? c->pol->nchecks : CHK_BUILTIN_COUNT;
	struct buf b = BUF_INIT;

	jw_key(w, "rules");
	jw_array_begin(w, JW_BLOCK);
	for (i = 0; i < n; i++) {
		const struct pol_check *pc = c->pol ? &c->pol->checks[i] : NULL;
		const struct chk_info *ci = (!pc || pc->builtin) && i < CHK_BUILTIN_COUNT ?
						    chk_info((enum chk_id)i) : NULL;
		enum sev sv_ = pc ? pc->severity : ci->severity;

		jw_object_begin(w, JW_INLINE);
		str(w, "id", rep_check_id(c, (uint32_t)i));
		text(w, "shortDescription", sv_cstr(rep_check_title(c, (uint32_t)i)));
		buf_reset(&b);
		if (ci) {
			buf_addf(&b, "Promise: %s Fires when: %s", ci->promise, ci->fires);
		} else {
			buf_adds(&b, "Custom check: ");
			buf_adds(&b, pc && pc->message ? pc->message : rep_check_title(c, (uint32_t)i));
		}
		text(w, "fullDescription", buf_sv(&b));
		text(w, "help", sv_cstr(ci ? ci->fix : "See the rule that defines this check."));
		jw_key(w, "defaultConfiguration");
		jw_object_begin(w, JW_INLINE);
		str(w, "level", level(sv_));
		jw_key_bool(w, "enabled", !pc || pc->enabled);
		jw_object_end(w);
		jw_key(w, "properties");
		jw_object_begin(w, JW_INLINE);
		jw_key(w, "principles");
		rep_principles_json(w, rep_check_principles(c, (uint32_t)i));
		str(w, "severity", sev_name(sv_));
		jw_object_end(w);
		jw_object_end(w);
	}
	jw_array_end(w);
	buf_release(&b);
}

static void invocation(const struct rep_ctx *c, struct jw *w, struct buf *tmp)
{
	const struct aud_result *r = c->res;
	size_t i;

	struct buf head = BUF_INIT;
	enum rep_verdict v = rep_verdict(c);
	rep_headline(c, &head);
	jw_key(w, "invocations");
	jw_array_begin(w, JW_INLINE);
	jw_object_begin(w, JW_INLINE);
	jw_key_bool(w, "executionSuccessful", !r->incomplete);
	/* The verdict (SPEC §5) in the property bag; a notification when there is nothing to pass. */
	jw_key(w, "properties");
	jw_object_begin(w, JW_INLINE);
	str(w, "verdict", rep_verdict_key(v));
	jw_key(w, "headline");
	jw_str(w, buf_sv(&head));
	jw_object_end(w);
	if (c->command_line)
		str(w, "commandLine", c->command_line);
	jw_key(w, "toolExecutionNotifications");
	jw_array_begin(w, JW_INLINE);
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];
		struct buf b = BUF_INIT;

		if (in->complete)
			continue;
		buf_addf(&b, "%s: not read whole: %s", in->path,
			 in->error ? in->error : "not read whole");
		jw_object_begin(w, JW_INLINE);
		str(w, "level", "error");
		text(w, "message", buf_sv(&b));
		location_begin(w, in->path, tmp);
		jw_object_end(w);	/* artifactLocation */
		location_end(w);
		jw_object_end(w);
		buf_release(&b);
	}
	if (v == REP_V_NOTHING_AUDITED || v == REP_V_NOT_ASSESSED) {
		jw_object_begin(w, JW_INLINE);
		str(w, "level", v == REP_V_NOTHING_AUDITED ? "error" : "warning");
		text(w, "message", buf_sv(&head));
		jw_object_end(w);
	}
	buf_release(&head);
	jw_array_end(w);
	jw_object_end(w);
	jw_array_end(w);
}

/* A compressed input's location says its lines are those of the decompressed text. */
static void compression(const struct rep_ctx *c, uint32_t file, struct jw *w)
{
	const char *z = file < c->res->ninputs ? c->res->inputs[file].compression : NULL;
	if (z && strcmp(z, "plain")) {
		jw_key(w, "properties");
		jw_object_begin(w, JW_INLINE);
		str(w, "compression", z);
		str(w, "lineNumbers", "decompressed");
		jw_object_end(w);
	}
}

/* "dpfaudit/CATEGORIES/PERIOD" (see the top of this file). */
static void automation(const struct rep_ctx *c, struct jw *w)
{
	const struct filter *f = c->filter;
	const struct aud_result *r = c->res;
	struct buf id = BUF_INIT;
	char t1[32], t2[32];
	bool has = false;
	int64_t lo = 0, hi = 0;

	buf_adds(&id, "dpfaudit/");
	if (f && f->categories)
		rep_categories(c->pol, f->categories, "+", &id);
	else
		buf_adds(&id, "all");
	buf_addc(&id, '/');
	for (size_t i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];
		if (!in->has_time)
			continue;
		if (!has || in->tmin < lo)
			lo = in->tmin;
		if (!has || in->tmax > hi)
			hi = in->tmax;
		has = true;
	}
	if (f && f->has_since)
		lo = f->since;
	if (f && f->has_until)
		hi = f->until;
	if (has || (f && (f->has_since || f->has_until))) {
		if (has || (f && f->has_since)) {
			rep_time_iso(lo, t1);
			buf_adds(&id, t1);
		}
		buf_adds(&id, "..");
		if (has || (f && f->has_until)) {
			rep_time_iso(hi, t2);
			buf_adds(&id, t2);
		}
	} else {
		buf_adds(&id, "no-time");
	}
	jw_key(w, "automationDetails");
	jw_object_begin(w, JW_INLINE);
	jw_key(w, "id");
	jw_str(w, buf_sv(&id));
	text(w, "description", SV_LIT("dpfaudit: data categories and period audited"));
	jw_object_end(w);
	buf_release(&id);
}

static void artifacts(const struct rep_ctx *c, struct jw *w, struct buf *tmp)
{
	jw_key(w, "artifacts");
	jw_array_begin(w, JW_BLOCK);
	for (size_t i = 0; i < c->res->ninputs; i++) {
		const struct aud_input *in = &c->res->inputs[i];

		jw_object_begin(w, JW_INLINE);
		jw_key(w, "location");
		jw_object_begin(w, JW_INLINE);
		uri(w, in->path, tmp);
		jw_object_end(w);
		if (in->size) {
			jw_key_uint(w, "length", in->size);
		}
		if (in->sha256[0]) {
			jw_key(w, "hashes");
			jw_object_begin(w, JW_INLINE);
			str(w, "sha-256", in->sha256);
			jw_object_end(w);
		}
		compression(c, (uint32_t)i, w);
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* "locations": [{"physicalLocation": ...}] of finding f. */
static void location(const struct rep_ctx *c, struct jw *w, struct red *red,
		     const struct finding *f, struct buf *scratch, struct buf *tmp)
{
	location_begin(w, rep_input_path(c, f->file), tmp);
	if (f->file < c->res->ninputs) {
		jw_key_uint(w, "index", f->file);
	}
	jw_object_end(w);
	compression(c, f->file, w);
	if (f->line > 0) {
		jw_key(w, "region");
		jw_object_begin(w, JW_INLINE);
		jw_key_uint(w, "startLine", f->line);
		text(w, "snippet", rep_clean(c, red, f->evidence, scratch));
		jw_object_end(w);
	}
	location_end(w);
}

static void results(const struct rep_ctx *c, struct jw *w, struct buf *tmp)
{
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, cats = BUF_INIT, fp = BUF_INIT;
	struct dg_sha256 h;
	char t[32], hex[65];
	struct fnd_iter it;
	const struct finding *f;

	jw_key(w, "results");
	jw_array_begin(w, JW_BLOCK);
	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it));) {
		jw_object_begin(w, JW_INLINE);
		str(w, "ruleId", rep_check_id(c, f->check));
		jw_key_uint(w, "ruleIndex", f->check);
		str(w, "level", level(f->severity));
		text(w, "message", sv_empty(f->detail) ? sv_cstr(rep_check_title(c, f->check)) :
						       rep_clean(c, red, f->detail, &scratch));
		location(c, w, red, f, &scratch, tmp);
		buf_reset(&fp);
		bl_fingerprint(f, c->pol, &fp);
		dg_sha256_init(&h);
		dg_sha256_update(&h, fp.p ? fp.p : "", fp.len);
		dg_sha256_hex(&h, hex);
		jw_key(w, "partialFingerprints");
		jw_object_begin(w, JW_INLINE);
		str(w, "dpfaudit/v1", hex);
		jw_object_end(w);
		if (f->suppressed) {
			jw_key(w, "suppressions");
			jw_array_begin(w, JW_INLINE);
			jw_object_begin(w, JW_INLINE);
			str(w, "kind", "external");
			str(w, "justification", "in the baseline");
			jw_object_end(w);
			jw_array_end(w);
		}
		jw_key(w, "properties");
		jw_object_begin(w, JW_INLINE);
		str(w, "severity", sev_name(f->severity));
		jw_key(w, "user");
		jw_str(w, f->user);
		jw_key(w, "role");
		jw_str(w, f->role);
		jw_key(w, "subject");
		jw_str(w, sv_empty(f->subject) ? f->subject : rep_clean(c, red, f->subject, &scratch));
		buf_reset(&cats);
		rep_categories(c->pol, f->categories, ",", &cats);
		jw_key(w, "categories");
		jw_str(w, buf_sv(&cats));
		if (f->has_time) {
			rep_time_iso(f->time, t);
			str(w, "time", t);
		}
		jw_object_end(w);
		jw_object_end(w);
		rep_flush(w->stage, w->out, REP_FLUSH_AT);
	}
	jw_array_end(w);
	buf_release(&scratch);
	buf_release(&cats);
	buf_release(&fp);
	red_free(red);
}

/* Write errors are the stream's: sf_write() checks ferror() once at the end. */
static void write_sarif(const struct rep_ctx *c, FILE *out)
{
	struct jw jw, *w = &jw;
	struct buf tmp = BUF_INIT;	/* uri() */
	struct buf stage = BUF_INIT;	/* written per REP_FLUSH_AT (report.h) */

	jw_init_staged(w, out, 2, &stage);
	jw_object_begin(w, JW_BLOCK);
	str(w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	str(w, "version", "2.1.0");
	jw_key(w, "runs");
	jw_array_begin(w, JW_BLOCK);
	jw_object_begin(w, JW_BLOCK);
	jw_key(w, "tool");
	jw_object_begin(w, JW_BLOCK);
	jw_key(w, "driver");
	jw_object_begin(w, JW_BLOCK);
	str(w, "name", "dpfaudit");
	str(w, "version", c->version);
	rules(c, w);
	jw_object_end(w);
	jw_object_end(w);
	invocation(c, w, &tmp);
	automation(c, w);
	artifacts(c, w, &tmp);
	results(c, w, &tmp);
	jw_object_end(w);
	jw_array_end(w);
	jw_object_end(w);
	jw_done(w);
	buf_addc(&stage, '\n');
	rep_flush(&stage, out, 0);
	buf_release(&stage);
	buf_release(&tmp);
}

const struct rep_writer rep_sarif = {
	.name = "sarif",
	.ext = "sarif",
	.write = write_sarif,
};
