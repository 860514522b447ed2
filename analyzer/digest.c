/*
 * digest.c - SHA-256 and HMAC-SHA256 via nettle, as lowercase hex.
 *
 * The context lives inside struct dg_sha256 as opaque bytes so that
 * digest.h need not include nettle's headers; the _Static_assert below
 * keeps that honest if nettle's context ever grows.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <nettle/version.h>

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((struct dg_sha256 *)0)->state),
	       "struct dg_sha256 too small for nettle's sha256_ctx");
_Static_assert(_Alignof(struct sha256_ctx) <= 16,
	       "struct dg_sha256 under-aligned for nettle's sha256_ctx");

/* nettle 4 dropped the length argument of the digest functions. */
#if NETTLE_VERSION_MAJOR >= 4
#define DG_SHA256_DIGEST(ctx, out) sha256_digest((ctx), (out))
#define DG_HMAC_DIGEST(ctx, out) hmac_sha256_digest((ctx), (out))
#else
#define DG_SHA256_DIGEST(ctx, out) sha256_digest((ctx), SHA256_DIGEST_SIZE, (out))
#define DG_HMAC_DIGEST(ctx, out) hmac_sha256_digest((ctx), SHA256_DIGEST_SIZE, (out))
#endif

static struct sha256_ctx *ctx_of(struct dg_sha256 *c)
{
	return (struct sha256_ctx *)(void *)c->state;
}

static void to_hex(const uint8_t *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

void dg_sha256_init(struct dg_sha256 *c)
{
	sha256_init(ctx_of(c));
}

void dg_sha256_update(struct dg_sha256 *c, const void *p, size_t n)
{
	if (n)
		sha256_update(ctx_of(c), n, p);
}

void dg_sha256_hex(struct dg_sha256 *c, char hex[65])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	DG_SHA256_DIGEST(ctx_of(c), d);	/* also re-initialises the context */
	to_hex(d, sizeof(d), hex);
}

int dg_sha256_file(const char *path, char hex[65], struct diag *err)
{
	struct dg_sha256 c;
	char chunk[64 * 1024];
	ssize_t got;
	int fd, saved;

	hex[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(err, "%s: %s", path, strerror(errno));
	dg_sha256_init(&c);
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		dg_sha256_update(&c, chunk, (size_t)got);
	}
	if (got < 0) {
		saved = errno;
		close(fd);
		return diag_set(err, "%s: read error: %s", path, strerror(saved));
	}
	close(fd);
	dg_sha256_hex(&c, hex);
	return 0;
}

void dg_hmac_hex(const void *key, size_t klen, const void *msg, size_t mlen, char hex[65])
{
	struct hmac_sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&h, klen, key);
	if (mlen)
		hmac_sha256_update(&h, mlen, msg);
	DG_HMAC_DIGEST(&h, d);
	to_hex(d, sizeof(d), hex);
}
