/* safefile.c - a file of personal data, whole or not at all (see safefile.h). */
#include "common.h"

#include "safefile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

/* A large stdio buffer: event exports run to gigabytes. */
#define SF_IOBUF (1024 * 1024)

static int run_fn(sf_fn fn, void *arg, FILE *out)
{
	int e;

	errno = 0;
	e = fn(arg, out);
	if (fflush(out) != 0)
		return errno ? errno : EIO;
	if (e)
		return e;
	if (ferror(out))
		return EIO;
	return 0;
}

int sf_write(const char *path, sf_fn fn, void *arg, struct diag *err)
{
	const char *shown = path && strcmp(path, "-") ? path : "standard output";
	struct stat st;
	struct buf tmp = BUF_INIT;
	FILE *out = NULL;
	char *iobuf = NULL;	/* freed only after out is closed */
	int fd = -1, e = 0;

	if (!path || !strcmp(path, "-")) {
		clearerr(stdout);
		e = run_fn(fn, arg, stdout);
		if (e)
			goto fail;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			e = EISDIR;
			goto fail;
		}
		/* A device or FIFO: no rename possible, write straight to it. */
		out = fopen(path, "w");
		if (!out) {
			e = errno;
			goto fail;
		}
		e = run_fn(fn, arg, out);
		if (fclose(out) != 0 && !e)
			e = errno ? errno : EIO;
		out = NULL;
		if (e)
			goto fail;
		return 0;
	}
	buf_addf(&tmp, "%s.tmpXXXXXX", path);
	if (tmp.err) {
		e = ENOMEM;
		goto fail;
	}
	fd = mkstemp(tmp.p);
	if (fd < 0) {
		e = errno;
		buf_release(&tmp);
		goto fail;
	}
	/* Personal data: owner only, whatever the umask. */
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
		e = errno;
		goto fail;
	}
	out = fdopen(fd, "w");
	if (!out) {
		e = errno;
		goto fail;
	}
	fd = -1;
	iobuf = malloc(SF_IOBUF);
	if (iobuf)
		setvbuf(out, iobuf, _IOFBF, SF_IOBUF);
	e = run_fn(fn, arg, out);
	if (!e && fsync(fileno(out)) != 0 && errno != EINVAL && errno != EROFS)
		e = errno;
	if (fclose(out) != 0 && !e)
		e = errno ? errno : EIO;
	out = NULL;
	if (e)
		goto fail;
	if (rename(tmp.p, path) != 0) {
		e = errno;
		goto fail;
	}
	buf_release(&tmp);
	free(iobuf);
	return 0;
fail:
	if (out)
		fclose(out);
	free(iobuf);
	if (fd >= 0)
		close(fd);
	if (tmp.p) {
		unlink(tmp.p);
		buf_release(&tmp);
	}
	return diag_set(err, "%s: write error: %s", shown, strerror(e ? e : EIO));
}
