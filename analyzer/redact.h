/*
 * redact.h - what the report may not leak (SPEC §8).
 *
 * Evidence lines are masked before any writer sees them: e-mail addresses
 * always (when redaction is on), plus every [redact] pattern of the policy
 * (a match, or its first capture group if it has one, becomes "***").
 * Reports are redacted unless --no-redact.
 */
#ifndef DPF_REDACT_H
#define DPF_REDACT_H

#include "buf.h"
#include "policy.h"
#include "sv.h"

struct red;

struct red *red_new(const struct policy *p);
void red_free(struct red *r);
/* Append s to out with e-mail addresses and policy patterns masked. */
void red_apply(struct red *r, sv s, struct buf *out);

/* Mask one e-mail address keeping its shape: "a***@e***.com". */
void red_email(sv addr, struct buf *out);

/*
 * Where to cut s to at most max bytes so that no run of e-mail address
 * characters (letters, digits, ".", "_", "%", "+", "-", "@", UTF-8) is cut
 * in two: a part of an address (john.doe@gmail...) no longer looks like
 * one and would escape the mask.  Truncation that keeps text for a report
 * (findings' evidence, unparsed examples) cuts here, so redaction at write
 * time sees whole addresses or none.  The length to keep (<= max; at most
 * 768 bytes less, the longest URL-encoded address; never inside a UTF-8
 * character).
 */
size_t red_safe_cut(sv s, size_t max);

#endif
