/*
 * result.c - the operations on an audit result that do not need the
 * driver: totals, the --max-unparsed check, release (see result.h).
 */
#include "common.h"

#include "result.h"

#include "windows.h"

void aud_totals(struct aud_result *res)
{
	res->lines = res->parsed = res->unparsed = res->overlong = 0;
	res->events = res->pd_reads = res->skipped = 0;
	res->unmapped = res->comments = 0;
	res->incomplete = false;
	res->has_time = false;
	for (size_t i = 0; i < res->ninputs; i++) {
		struct aud_input *in = &res->inputs[i];
		res->lines += in->lines;
		res->parsed += in->parsed;
		res->unparsed += in->unparsed;
		res->overlong += in->overlong;
		res->events += in->events;
		res->pd_reads += in->pd_reads;
		res->skipped += in->skipped;
		res->unmapped += in->unmapped;
		res->comments += in->comments;
		if (!in->complete)
			res->incomplete = true;
		if (in->has_time) {
			if (!res->has_time || in->tmin < res->tmin)
				res->tmin = in->tmin;
			if (!res->has_time || in->tmax > res->tmax)
				res->tmax = in->tmax;
			res->has_time = true;
		}
	}
	res->records = res->parsed + res->unparsed + res->overlong + res->skipped;
	/* SPEC §5: no input, or no record in any input: nothing was audited. */
	if (res->records == 0)
		res->incomplete = true;
}

void aud_result_release(struct aud_result *res)
{
	win_freer_join(res->windows_freer);
	if (res->windows)
		win_log_free(res->windows);
	fnd_release(&res->findings);
	free(res->inputs);
	free(res->limits);
	arena_release(&res->arena);
	memset(res, 0, sizeof(*res));
}

/* num / den in hundredths of a percent, rounded (num <= den). */
static uint64_t share_of(uint64_t num, uint64_t den)
{
	if (!den)
		return 0;
	if (num > UINT64_MAX / 10000)
		return num / (den / 10000);
	return (num * 10000 + den / 2) / den;
}

void aud_check_unparsed(struct aud_result *res, unsigned max)
{
	for (size_t i = 0; i < res->ninputs; i++) {
		struct aud_input *in = &res->inputs[i];
		uint64_t records = in->parsed + in->unparsed + in->skipped;
		if (!in->complete || !in->unparsed)
			continue;
		/* Within the share: unparsed / records <= max / 10000, in integers. */
		bool within = records <= UINT64_MAX / 10000 ?
			in->unparsed * 10000 <= (uint64_t)max * records :
			in->unparsed / (records / 10000) <= max;
		if (within)
			continue;
		char text[512], lines[96] = "";
		size_t k = 0;
		for (size_t e = 0; e < in->nunparsed_ex; e++) {
			int w = snprintf(lines + k, sizeof(lines) - k, "%s%llu", e ? ", " : "",
					 (unsigned long long)in->unparsed_ex[e].line);
			if (w < 0 || (size_t)w >= sizeof(lines) - k)
				break;
			k += (size_t)w;
		}
		uint64_t sh = share_of(in->unparsed, records);
		if (sh <= max)
			sh = max + 1;	/* over the limit: never shown as within it */
		int w;
		if (!in->format)
			w = snprintf(text, sizeof(text), "no known log format: none of its %llu record(s) "
				     "could be parsed", (unsigned long long)in->unparsed);
		else
			w = snprintf(text, sizeof(text), "%llu of %llu record(s) (%llu.%02llu%%) could not "
				     "be parsed as %s", (unsigned long long)in->unparsed,
				     (unsigned long long)records, (unsigned long long)(sh / 100),
				     (unsigned long long)(sh % 100), in->format);
		if (w > 0 && (size_t)w < sizeof(text) && in->unmapped)
			w += snprintf(text + w, sizeof(text) - (size_t)w, ", %llu of them unmapped "
				      "(no user and no resource field)", (unsigned long long)in->unmapped);
		if (w > 0 && (size_t)w < sizeof(text))
			snprintf(text + w, sizeof(text) - (size_t)w, "; more than --max-unparsed "
				 "%u.%02u%%; first at line %s", max / 100, max % 100, lines);
		in->complete = false;
		in->error = arena_strndup(&res->arena, text, strlen(text));
	}
	aud_totals(res);
}

int aud_parse_share(const char *s, unsigned *out)
{
	unsigned long v = 0;
	int frac = -1;
	size_t digits = 0;
	const char *p = s;

	for (; *p && *p != '%'; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || frac >= 2 || v > 100000)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
		digits++;
		if (frac >= 0)
			frac++;
	}
	if (!digits || (p[0] == '%' && p[1]))
		return -1;
	for (int d = frac < 0 ? 0 : frac; d < 2; d++)
		v *= 10;
	if (v > 10000)
		return -1;
	*out = (unsigned)v;
	return 0;
}
