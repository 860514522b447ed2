/*
 * state.h - `scan --state FILE`: what previous nightly runs audited.
 *
 * The state records, per input a run audited whole, its identity (st_dev,
 * st_ino), its path, the decompressed bytes and lines read, the SHA-256 of
 * those bytes and the SHA-256 of their first INP_HEAD bytes.  Before the
 * next run st_plan() recognises each input by content, never by name: an
 * input whose first bytes hash like a recorded input's head and whose
 * first `bytes` bytes hash like its whole content holds what was audited
 * (a rotated `access.log.1`, or its compressed `access.log.2.gz`).  Then
 * either it is exactly that content (not read again) or it grew (its lines
 * after the recorded number are judged; earlier ones are read and hashed
 * only, so line numbers stay those of the file).  An input with a
 * recorded identity and path but content the state cannot explain
 * (copytruncate: shorter or different) is audited whole, and st_plan()
 * says so (an identity under another name is a freed inode used again).
 *
 * Cost: every input's first INP_HEAD decompressed bytes are read once more;
 * an input that matches has its audited part decompressed and hashed once
 * more (before the audit, which reads it again for the rest).  The audit
 * itself hashes what it decompresses (aud_options.content_digests).
 *
 * The file: line-oriented text, "dpfaudit-state VERSION" first, the rules
 * digest, one line per input, and a SHA-256 trailer over every line before
 * it.  Written whole through safefile (mode 0600).  A state of another
 * version or other rules, or whose checksum fails, is refused: the caller
 * exits 2 with the message (the user removes it to start afresh).
 *
 * Ownership: a struct st_state owns its entries and their strings;
 * st_release() frees them.
 */
#ifndef DPF_STATE_H
#define DPF_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "diag.h"
#include "windows.h"

#define ST_MAGIC "dpfaudit-state"
#define ST_VERSION 1

struct st_entry {
	uint64_t dev, ino;
	char *path;		/* where it was last seen (owned) */
	uint64_t bytes;		/* decompressed bytes audited */
	uint64_t lines;		/* lines in them (a last line without '\n' counts) */
	bool ends_nl;		/* the audited bytes end with '\n' */
	char sha256[65];	/* of the `bytes` decompressed bytes */
	char head[65];		/* of the first min(bytes, INP_HEAD) of them */
};

struct st_state {
	struct st_entry *v;
	size_t n;
	char digest[65];	/* the rules digest it was written for */
	/*
	 * Window records of the last 2 x win_longest() seconds of the audited
	 * data (aud_options.carry_in/out), owned; NULL: none.
	 */
	struct win_log *windows;
};

/*
 * Read path into s for rules digest `digest`.  A file that does not exist
 * is an empty state (the first night): returns 0 with s->n == 0.  -1 with
 * err = "PATH: ..." for another version, other rules, a checksum mismatch
 * ("edited or corrupt"), a malformed line ("PATH:LINE: ...").
 */
int st_read(const char *path, const char *digest, struct st_state *s, struct diag *err);

/* Write s whole (temporary file, mode 0600, renamed).  -1 with err. */
int st_write(const struct st_state *s, const char *path, struct diag *err);

void st_release(struct st_state *s);

/* What st_plan() decided for one input. */
struct st_plan {
	uint64_t resume;	/* for aud_options.resume: 0, lines to skip, or AUD_RESUME_SKIP */
	const struct st_entry *from;	/* the entry it matched (in the state), or NULL */
	bool unexplained;	/* a recorded identity and path, content not recognised: audited whole */
};

/*
 * Decide for paths[0..n) ("-" is never matched) against s; plan[i] per
 * input.  An input that cannot be read is planned whole (the audit
 * reports it).  Never fails.
 */
void st_plan(const struct st_state *s, const char *const *paths, size_t n,
	     struct st_plan *plan);

/*
 * The state after a run: an entry per input of res audited whole (complete,
 * with content digests), the matched entry of an input skipped as already
 * audited, and the matched entry of an incomplete input (so the next run
 * resumes from the same place and reports the damage again).  Entries of
 * the same content are kept once.  digest: the rules digest.
 */
void st_from_run(struct st_state *out, const struct aud_result *res, const struct st_plan *plan,
		 const char *digest);
/* The window records for the next run (st_state.windows): moved into s. */
void st_set_windows(struct st_state *s, struct win_log *wl);

/* Encode/decode a path for the file (percent-escapes bytes <= ' ', '%', 0x7f). */
char *st_escape(const char *s);
char *st_unescape(const char *s, size_t n);

#endif
