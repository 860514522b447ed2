/* inpwatch.c - an input that changed while it was read (see inpwatch.h). */
#include "common.h"

#include "inpwatch.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void from_stat(const struct stat *st, struct inw_state *s)
{
	s->regular = S_ISREG(st->st_mode);
	s->dev = (uint64_t)st->st_dev;
	s->ino = (uint64_t)st->st_ino;
	s->size = s->regular ? (uint64_t)st->st_size : 0;
}

void inw_start(struct inw *w, const char *path, const struct inp *in)
{
	struct stat st;
	memset(w, 0, sizeof(*w));
	w->named = strcmp(path, "-") != 0;
	if (fstat(inp_fd(in), &st) < 0)
		return;	/* unknown: nothing to compare with */
	from_stat(&st, &w->start);
	/* inp_open() measured the size before its first read; keep that one. */
	w->start.size = inp_size(in);
	if (!w->named && w->start.regular) {
		/* stdin from a file: inp_open read the magic bytes from here on. */
		off_t pos = lseek(inp_fd(in), 0, SEEK_CUR);
		uint64_t pos_now = pos > 0 ? (uint64_t)pos : 0;
		uint64_t done = inp_consumed(in);
		w->base = pos_now >= done ? pos_now - done : 0;
	}
}

const char *inw_check(const struct inw *w, const char *path, const struct inp *in, bool damaged,
		      char *buf, size_t n)
{
	struct stat st;
	struct inw_state fd_now, path_now;
	if (!w->start.regular || fstat(inp_fd(in), &st) < 0)
		return NULL;
	from_stat(&st, &fd_now);
	bool have_path = w->named && stat(path, &st) == 0;
	if (have_path)
		from_stat(&st, &path_now);
	return inw_judge(w, &fd_now, have_path ? &path_now : NULL, inp_consumed(in), damaged,
			 buf, n);
}

const char *inw_judge(const struct inw *w, const struct inw_state *fd_now,
		      const struct inw_state *path_now, uint64_t consumed, bool damaged, char *buf,
		      size_t n)
{
	const struct inw_state *s = &w->start;
	if (!s->regular)
		return NULL;
	if (fd_now->size < s->size) {
		snprintf(buf, n, "changed while being read: it shrank from %llu to %llu bytes (truncated in place?)",
			 (unsigned long long)s->size, (unsigned long long)fd_now->size);
		return buf;
	}
	if (w->named && !path_now) {
		snprintf(buf, n, "changed while being read: its path names no file any more (rotated or deleted?)");
		return buf;
	}
	if (w->named && (path_now->dev != s->dev || path_now->ino != s->ino)) {
		snprintf(buf, n, "changed while being read: its path now names another file (replaced or rotated?)");
		return buf;
	}
	if (!damaged && w->base + consumed < s->size) {
		snprintf(buf, n, "changed while being read: the stream ended at byte %llu of the %llu it had at the start",
			 (unsigned long long)(w->base + consumed), (unsigned long long)s->size);
		return buf;
	}
	return NULL;
}
