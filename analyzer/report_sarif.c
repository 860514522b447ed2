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
#include "escape.h"
#include "filter.h"

static const char *level(enum sev s)
{
	switch (s) {
	case SEV_CRITICAL:
	case SEV_HIGH: return "error";
	case SEV_MEDIUM: return "warning";
	default: return "note";
	}
}

static void str(FILE *out, const char *s)
{
	esc_json_str(out, sv_cstr(s ? s : ""));
}

/* A path as a URI reference: absolute paths as file:// URIs, unreserved bytes kept. */
static void uri(FILE *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)path;

	putc('"', out);
	if (!strcmp(path, "-")) {
		fputs("stdin", out);
		putc('"', out);
		return;
	}
	if (p[0] == '/')
		fputs("file://", out);
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			putc(*p, out);
		else
			fprintf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	putc('"', out);
}

static void rules(const struct rep_ctx *c, FILE *out)
{
	size_t i, n = c->pol ? c->pol->nchecks : CHK_BUILTIN_COUNT;
	struct buf b = BUF_INIT;

	for (i = 0; i < n; i++) {
		const struct pol_check *pc = c->pol ? &c->pol->checks[i] : NULL;
		const struct chk_info *ci = (!pc || pc->builtin) && i < CHK_BUILTIN_COUNT ?
						    chk_info((enum chk_id)i) : NULL;
		enum sev sv_ = pc ? pc->severity : ci->severity;

		fprintf(out, "%s\n            {\"id\": ", i ? "," : "");
		str(out, rep_check_id(c, (uint32_t)i));
		fputs(", \"shortDescription\": {\"text\": ", out);
		str(out, rep_check_title(c, (uint32_t)i));
		buf_reset(&b);
		if (ci) {
			buf_addf(&b, "Promise: %s Fires when: %s", ci->promise, ci->fires);
		} else {
			buf_adds(&b, "Custom check: ");
			buf_adds(&b, pc && pc->message ? pc->message : rep_check_title(c, (uint32_t)i));
		}
		fputs("}, \"fullDescription\": {\"text\": ", out);
		esc_json_str(out, buf_sv(&b));
		fputs("}, \"help\": {\"text\": ", out);
		str(out, ci ? ci->fix : "See the rule that defines this check.");
		fprintf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\", \"enabled\": %s}",
			level(sv_), !pc || pc->enabled ? "true" : "false");
		fputs(", \"properties\": {\"principles\": ", out);
		rep_principles_json(out, rep_check_principles(c, (uint32_t)i));
		fprintf(out, ", \"severity\": \"%s\"}}", sev_name(sv_));
	}
	buf_release(&b);
}

static void invocation(const struct rep_ctx *c, FILE *out)
{
	const struct aud_result *r = c->res;
	size_t i, first = 1;

	struct buf head = BUF_INIT;
	enum rep_verdict v = rep_verdict(c);
	rep_headline(c, &head);
	fprintf(out, "      \"invocations\": [{\"executionSuccessful\": %s",
		r->incomplete ? "false" : "true");
	/* The verdict (SPEC §5) in the property bag; a notification when there is nothing to pass. */
	fprintf(out, ", \"properties\": {\"verdict\": \"%s\", \"headline\": ", rep_verdict_key(v));
	esc_json_str(out, buf_sv(&head));
	fputc('}', out);
	if (c->command_line) {
		fputs(", \"commandLine\": ", out);
		str(out, c->command_line);
	}
	fputs(", \"toolExecutionNotifications\": [", out);
	for (i = 0; i < r->ninputs; i++) {
		const struct aud_input *in = &r->inputs[i];
		struct buf b = BUF_INIT;

		if (in->complete)
			continue;
		buf_addf(&b, "%s: not read whole: %s", in->path,
			 in->error ? in->error : "not read whole");
		fprintf(out, "%s{\"level\": \"error\", \"message\": {\"text\": ", first ? "" : ", ");
		esc_json_str(out, buf_sv(&b));
		fputs("}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", out);
		uri(out, in->path);
		fputs("}}}]}", out);
		buf_release(&b);
		first = 0;
	}
	if (v == REP_V_NOTHING_AUDITED || v == REP_V_NOT_ASSESSED) {
		fprintf(out, "%s{\"level\": \"%s\", \"message\": {\"text\": ", first ? "" : ", ",
			v == REP_V_NOTHING_AUDITED ? "error" : "warning");
		esc_json_str(out, buf_sv(&head));
		fputs("}}", out);
	}
	buf_release(&head);
	fputs("]}],\n", out);
}

/* A compressed input's location says its lines are those of the decompressed text. */
static void compression(const struct rep_ctx *c, uint32_t file, FILE *out)
{
	const char *z = file < c->res->ninputs ? c->res->inputs[file].compression : NULL;
	if (z && strcmp(z, "plain"))
		fprintf(out, ", \"properties\": {\"compression\": \"%s\", "
			"\"lineNumbers\": \"decompressed\"}", z);
}

/* "dpfaudit/CATEGORIES/PERIOD" (see the top of this file). */
static void automation(const struct rep_ctx *c, FILE *out)
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
	fputs("      \"automationDetails\": {\"id\": ", out);
	esc_json_str(out, buf_sv(&id));
	fputs(", \"description\": {\"text\": \"dpfaudit: data categories and period audited\"}},\n", out);
	buf_release(&id);
}

static void results(const struct rep_ctx *c, FILE *out)
{
	struct red *red = rep_red_new(c);
	struct buf scratch = BUF_INIT, cats = BUF_INIT, fp = BUF_INIT;
	struct dg_sha256 h;
	char t[32], hex[65];
	struct fnd_iter it;
	const struct finding *f;
	size_t i = 0;

	for (fnd_iter_start(&c->res->findings, &it); (f = fnd_iter_next(&it)); i++) {
		fprintf(out, "%s\n        {\"ruleId\": ", i ? "," : "");
		str(out, rep_check_id(c, f->check));
		fprintf(out, ", \"ruleIndex\": %u, \"level\": \"%s\", \"message\": {\"text\": ",
			(unsigned)f->check, level(f->severity));
		if (sv_empty(f->detail))
			str(out, rep_check_title(c, f->check));
		else
			esc_json_str(out, rep_clean(c, red, f->detail, &scratch));
		fputs("}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", out);
		uri(out, rep_input_path(c, f->file));
		if (f->file < c->res->ninputs)
			fprintf(out, ", \"index\": %u", (unsigned)f->file);
		fputc('}', out);
		compression(c, f->file, out);
		if (f->line > 0) {
			fprintf(out, ", \"region\": {\"startLine\": %llu, \"snippet\": {\"text\": ",
				(unsigned long long)f->line);
			esc_json_str(out, rep_clean(c, red, f->evidence, &scratch));
			fputs("}}", out);
		}
		fputs("}}]", out);
		buf_reset(&fp);
		bl_fingerprint(f, c->pol, &fp);
		dg_sha256_init(&h);
		dg_sha256_update(&h, fp.p ? fp.p : "", fp.len);
		dg_sha256_hex(&h, hex);
		fprintf(out, ", \"partialFingerprints\": {\"dpfaudit/v1\": \"%s\"}", hex);
		if (f->suppressed)
			fputs(", \"suppressions\": [{\"kind\": \"external\", "
			      "\"justification\": \"in the baseline\"}]", out);
		fprintf(out, ", \"properties\": {\"severity\": \"%s\", \"user\": ",
			sev_name(f->severity));
		esc_json_str(out, f->user);
		fputs(", \"role\": ", out);
		esc_json_str(out, f->role);
		fputs(", \"subject\": ", out);
		esc_json_str(out, sv_empty(f->subject) ? f->subject :
				  rep_clean(c, red, f->subject, &scratch));
		buf_reset(&cats);
		rep_categories(c->pol, f->categories, ",", &cats);
		fputs(", \"categories\": ", out);
		esc_json_str(out, buf_sv(&cats));
		if (f->has_time) {
			rep_time_iso(f->time, t);
			fprintf(out, ", \"time\": \"%s\"", t);
		}
		fputs("}}", out);
	}
	buf_release(&scratch);
	buf_release(&cats);
	buf_release(&fp);
	red_free(red);
}

static void write_sarif(const struct rep_ctx *c, FILE *out)
{
	size_t i;

	fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
	      "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
	      "      \"tool\": {\n        \"driver\": {\n"
	      "          \"name\": \"dpfaudit\",\n          \"version\": ", out);
	str(out, c->version);
	fputs(",\n          \"rules\": [", out);
	rules(c, out);
	fputs("\n          ]\n        }\n      },\n", out);
	invocation(c, out);
	automation(c, out);
	fputs("      \"artifacts\": [", out);
	for (i = 0; i < c->res->ninputs; i++) {
		const struct aud_input *in = &c->res->inputs[i];

		fprintf(out, "%s\n        {\"location\": {\"uri\": ", i ? "," : "");
		uri(out, in->path);
		fputc('}', out);
		if (in->size)
			fprintf(out, ", \"length\": %llu", (unsigned long long)in->size);
		if (in->sha256[0])
			fprintf(out, ", \"hashes\": {\"sha-256\": \"%s\"}", in->sha256);
		compression(c, (uint32_t)i, out);
		fputc('}', out);
	}
	fputs("\n      ],\n      \"results\": [", out);
	results(c, out);
	fputs("\n      ]\n    }\n  ]\n}\n", out);
}

const struct rep_writer rep_sarif = {
	.name = "sarif",
	.ext = "sarif",
	.write = write_sarif,
};
