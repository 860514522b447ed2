/*
 * digest.h - SHA-256 and HMAC-SHA256 (nettle), hex output.
 *
 * Used for the evidence record (input and rules digests) and for
 * pseudonymising identifiers with a keyed HMAC.
 */
#ifndef DPF_DIGEST_H
#define DPF_DIGEST_H

#include <stddef.h>

#include "diag.h"

struct dg_sha256 {
	_Alignas(16) unsigned char state[128];	/* struct sha256_ctx, opaque here */
};

void dg_sha256_init(struct dg_sha256 *c);
void dg_sha256_update(struct dg_sha256 *c, const void *p, size_t n);
/* Write 64 hex digits and a NUL into hex. */
void dg_sha256_hex(struct dg_sha256 *c, char hex[65]);

/* SHA-256 of a whole file, streamed; -1 with err if unreadable. */
int dg_sha256_file(const char *path, char hex[65], struct diag *err);

/* HMAC-SHA256(key, msg) as 64 hex digits. */
void dg_hmac_hex(const void *key, size_t klen, const void *msg, size_t mlen, char hex[65]);

#endif
