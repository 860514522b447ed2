/* pseudo.c - keyed pseudonyms for users and subjects (see pseudo.h). */
#include "common.h"

#include "pseudo.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "digest.h"

#define KEY_MIN 16
#define KEY_MAX 4096

struct psd {
	unsigned char key[KEY_MAX];
	size_t klen;
};

struct psd *psd_load(const char *path, struct diag *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_set(err, "%s: cannot read the pseudonymisation key: %s", path, strerror(errno));
		return NULL;
	}
	struct psd *p = calloc(1, sizeof(*p));
	if (!p) {
		fclose(f);
		diag_set(err, "out of memory");
		return NULL;
	}
	p->klen = fread(p->key, 1, sizeof(p->key), f);
	bool more = fgetc(f) != EOF;
	bool bad = ferror(f);
	fclose(f);
	if (bad || more || p->klen < KEY_MIN) {
		diag_set(err, "%s: a pseudonymisation key is %d to %d bytes (e.g. head -c 32 /dev/urandom)",
			 path, KEY_MIN, KEY_MAX);
		free(p);
		return NULL;
	}
	return p;
}

void psd_free(struct psd *p)
{
	if (p)
		memset(p->key, 0, sizeof(p->key));
	free(p);
}

void psd_name(const struct psd *p, const char *kind, sv id, char *out, size_t cap)
{
	struct buf msg = BUF_INIT;
	char hex[65];
	/* The kind is part of the message: a user and a subject with one id differ. */
	buf_adds(&msg, kind);
	buf_addc(&msg, '\0');
	buf_addsv(&msg, id);
	dg_hmac_hex(p->key, p->klen, msg.p, msg.len, hex);
	buf_release(&msg);
	snprintf(out, cap, "%s-%.10s", kind, hex);
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Replace whole-word occurrences of `from` in s by `to`, into out. */
static void replace_word(sv s, sv from, sv to, struct buf *out)
{
	size_t i = 0;
	while (i < s.n) {
		const char *hit = from.n ? memmem(s.p + i, s.n - i, from.p, from.n) : NULL;
		if (!hit) {
			buf_add(out, s.p + i, s.n - i);
			return;
		}
		size_t at = (size_t)(hit - s.p);
		bool left = at == 0 || !word_char(s.p[at - 1]);
		bool right = at + from.n >= s.n || !word_char(s.p[at + from.n]);
		buf_add(out, s.p + i, at - i);
		if (left && right)
			buf_addsv(out, to);
		else
			buf_addsv(out, from);
		i = at + from.n;
	}
}

sv psd_rewrite(struct arena *a, sv s, sv from, sv to)
{
	if (!s.n || !from.n || !memmem(s.p, s.n, from.p, from.n))
		return s;
	struct buf b = BUF_INIT;
	replace_word(s, from, to, &b);
	sv r = arena_sv(a, buf_sv(&b));
	buf_release(&b);
	return r;
}

void psd_apply(const struct psd *p, struct aud_result *res)
{
	char uname[48], sname[48];
	for (size_t i = 0; i < res->findings.n; i++) {
		struct finding *f = &res->findings.v[i];
		sv user = f->user, subject = f->subject;
		/* Anonymous ("" or "-") stays anonymous: that is the finding. */
		if (!sv_is_dash_or_empty(user)) {
			psd_name(p, "user", user, uname, sizeof(uname));
			sv to = sv_cstr(uname);
			f->evidence = psd_rewrite(&res->arena, f->evidence, user, to);
			f->detail = psd_rewrite(&res->arena, f->detail, user, to);
			f->user = arena_sv(&res->arena, to);
		}
		if (subject.n) {
			psd_name(p, "subject", subject, sname, sizeof(sname));
			sv to = sv_cstr(sname);
			f->evidence = psd_rewrite(&res->arena, f->evidence, subject, to);
			f->detail = psd_rewrite(&res->arena, f->detail, subject, to);
			f->resource = psd_rewrite(&res->arena, f->resource, subject, to);
			f->subject = arena_sv(&res->arena, to);
		}
	}
}
