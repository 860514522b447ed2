/*
 * safefile.c - a file of personal data, whole or not at all, never over an
 * input, a device or a link's target; temporary files removed on signals
 * (see safefile.h).
 */
#include "common.h"

#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A large stdio buffer: event exports run to gigabytes. */
#define SF_IOBUF (1024 * 1024)

/* ---- the registry of temporary files, emptied by a signal ---- */

/*
 * Fixed slots, so the handler touches no allocator: a slot's name is
 * complete before `used` is set, and the handler only reads names of used
 * slots and calls unlink() and sigaction() (both async-signal-safe).
 */
#define SF_SLOTS 16
#define SF_NAME_MAX 4096

struct sf_temp {
	volatile sig_atomic_t used;
	char name[SF_NAME_MAX];
};

static struct sf_temp sf_temps[SF_SLOTS];
static pthread_mutex_t sf_lock = PTHREAD_MUTEX_INITIALIZER;
static const int sf_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define SF_NSIG (sizeof(sf_signals) / sizeof(sf_signals[0]))
static struct sigaction sf_old[SF_NSIG];
static bool sf_hooked[SF_NSIG];
static bool sf_installed;

static void sf_on_signal(int sig)
{
	int saved = errno;

	for (size_t i = 0; i < SF_SLOTS; i++)
		if (sf_temps[i].used)
			unlink(sf_temps[i].name);
	/* Then whatever was there before (the default: die of sig). */
	for (size_t k = 0; k < SF_NSIG; k++)
		if (sf_signals[k] == sig && sf_hooked[k])
			sigaction(sig, &sf_old[k], NULL);
	errno = saved;
	raise(sig);	/* blocked until this handler returns */
}

/* Called with sf_lock held. A signal the process ignores (nohup) stays ignored. */
static void sf_install(void)
{
	struct sigaction sa;

	if (sf_installed)
		return;
	sf_installed = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sf_on_signal;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t k = 0; k < SF_NSIG; k++) {
		if (sigaction(sf_signals[k], NULL, &sf_old[k]) != 0 ||
		    sf_old[k].sa_handler == SIG_IGN)
			continue;
		sf_hooked[k] = sigaction(sf_signals[k], &sa, NULL) == 0;
	}
}

/*
 * A slot holding "PATH.tmpXXXXXX", registered before mkstemp() fills it in,
 * so no moment exists when the file is there and unknown to the handler.
 * Returns the slot, or -1 with errno (ENAMETOOLONG, EMFILE: no free slot).
 */
static int sf_temp_claim(const char *path)
{
	size_t n = strlen(path);
	int slot = -1;

	if (n + sizeof(".tmpXXXXXX") > SF_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	pthread_mutex_lock(&sf_lock);
	sf_install();
	for (int i = 0; i < SF_SLOTS; i++) {
		if (!sf_temps[i].used) {
			memcpy(sf_temps[i].name, path, n);
			memcpy(sf_temps[i].name + n, ".tmpXXXXXX", sizeof(".tmpXXXXXX"));
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			sf_temps[i].used = 1;
			slot = i;
			break;
		}
	}
	pthread_mutex_unlock(&sf_lock);
	if (slot < 0)
		errno = EMFILE;
	return slot;
}

static void sf_temp_release(int slot)
{
	pthread_mutex_lock(&sf_lock);
	sf_temps[slot].used = 0;
	pthread_mutex_unlock(&sf_lock);
}

/* ---- what a path is ---- */

enum sf_kind {
	SF_FD,		/* an open descriptor: "-", /dev/stdout, /dev/fd/N */
	SF_REPLACE,	/* a temporary file renamed over the path */
	SF_DIRECT,	/* a device, FIFO or socket, written straight */
	SF_DIR,		/* a directory: refused */
	SF_FAIL,	/* lstat failed otherwise than ENOENT: errno */
};

/* The descriptor a path names without reopening it, or -1. */
static int fd_alias(const char *path)
{
	const char *num = NULL;
	char *end;
	long v;

	if (!path || !strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (!strncmp(path, "/dev/fd/", 8))
		num = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		num = path + 14;
	if (!num || *num < '0' || *num > '9')
		return -1;
	errno = 0;
	v = strtol(num, &end, 10);
	if (*end || errno || v > INT_MAX)
		return -1;
	return (int)v;
}

static enum sf_kind classify(const char *path, int *fd)
{
	struct stat st, target;

	*fd = fd_alias(path);
	if (*fd >= 0)
		return SF_FD;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? SF_REPLACE : SF_FAIL;
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &target) != 0)
			return SF_REPLACE;	/* dangling: the link is replaced */
		st = target;
	}
	if (S_ISREG(st.st_mode))
		return SF_REPLACE;
	if (S_ISDIR(st.st_mode))
		return SF_DIR;
	return SF_DIRECT;
}

/* ---- writing ---- */

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

/* Write through fd, which is closed in every case. */
static int write_owned_fd(int fd, sf_fn fn, void *arg)
{
	FILE *out = fdopen(fd, "w");
	int e;

	if (!out) {
		e = errno;
		close(fd);
		return e;
	}
	e = run_fn(fn, arg, out);
	if (fclose(out) != 0 && !e)
		e = errno ? errno : EIO;
	return e;
}

/* Write to an open descriptor (dup'd, so closing ours leaves it open). */
static int write_fd(int fd, sf_fn fn, void *arg)
{
	int copy;

	if (fd == STDOUT_FILENO) {
		clearerr(stdout);
		return run_fn(fn, arg, stdout);
	}
	copy = dup(fd);
	if (copy < 0)
		return errno;
	return write_owned_fd(copy, fn, arg);
}

/* A device or FIFO: opened, never created or truncated, written straight. */
static int write_direct(const char *path, sf_fn fn, void *arg)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	/* Swapped for a regular file since classify(): never write over one. */
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd);
		return EEXIST;
	}
	return write_owned_fd(fd, fn, arg);
}

/* A temporary file next to path, renamed over it (a link is replaced, not followed). */
static int write_replace(const char *path, sf_fn fn, void *arg)
{
	FILE *out = NULL;
	char *iobuf = NULL;	/* freed only after out is closed */
	int fd, e = 0, slot;

	slot = sf_temp_claim(path);
	if (slot < 0)
		return errno;
	fd = mkstemp(sf_temps[slot].name);
	if (fd < 0) {
		e = errno;
		sf_temp_release(slot);
		return e;
	}
	/* Personal data: owner only, whatever the umask. */
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	out = fdopen(fd, "w");
	if (!out) {
		e = errno;
		close(fd);
		goto fail;
	}
	iobuf = malloc(SF_IOBUF);
	if (iobuf)
		setvbuf(out, iobuf, _IOFBF, SF_IOBUF);
	e = run_fn(fn, arg, out);
	if (!e && fsync(fileno(out)) != 0 && errno != EINVAL && errno != EROFS)
		e = errno;
	if (fclose(out) != 0 && !e)
		e = errno ? errno : EIO;
	free(iobuf);
	if (e)
		goto fail;
	if (rename(sf_temps[slot].name, path) != 0) {
		e = errno;
		goto fail;
	}
	sf_temp_release(slot);
	return 0;
fail:
	unlink(sf_temps[slot].name);
	sf_temp_release(slot);
	return e;
}

int sf_write(const char *path, sf_fn fn, void *arg, struct diag *err)
{
	const char *shown = path && strcmp(path, "-") ? path : "standard output";
	int fd, e;

	switch (classify(path, &fd)) {
	case SF_FD: e = write_fd(fd, fn, arg); break;
	case SF_REPLACE: e = write_replace(path, fn, arg); break;
	case SF_DIRECT: e = write_direct(path, fn, arg); break;
	case SF_DIR: e = EISDIR; break;
	default: e = errno ? errno : EIO; break;
	}
	if (!e)
		return 0;
	return diag_set(err, "%s: write error: %s", shown, strerror(e));
}

/* ---- checking every output before the run ---- */

/* What an output would replace: the file itself, or (dir, name) for a new one. */
struct sf_key {
	enum sf_kind kind;
	dev_t dev;
	ino_t ino;
	const char *name;	/* a new file's base name (borrowed), else NULL */
	size_t namelen;
};

/* The directory part of path in dir[cap] ("." for a bare name); the base name. */
static const char *split_dir(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, cap, ".");
		return path;
	}
	if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
	return slash + 1;
}

static int check_one(const struct sf_out *o, struct sf_key *k, sf_is_input_fn is_input,
		     void *arg, struct diag *err)
{
	const char *opt = o->opt, *path = o->path;
	const char *shown = path && strcmp(path, "-") ? path : "standard output";
	char dir[PATH_MAX];
	struct stat st, lst;
	int fd, fl;

	memset(k, 0, sizeof(*k));
	k->kind = classify(path, &fd);
	switch (k->kind) {
	case SF_FD:
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
			return diag_set(err, "%s %s: descriptor %d is not open for writing", opt,
					shown, fd);
		if (is_input && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && is_input(arg, &st))
			return diag_set(err, "%s %s: is an input of this run; refusing to write "
					"the report over it", opt, shown);
		return 0;
	case SF_DIR:
		return diag_set(err, "%s %s: is a directory (give a file name)", opt, path);
	case SF_FAIL:
		return diag_set(err, "%s %s: %s", opt, path, strerror(errno));
	case SF_DIRECT:
		if (stat(path, &st) == 0 && is_input && is_input(arg, &st))
			return diag_set(err, "%s %s: is an input of this run", opt, path);
		if (access(path, W_OK) != 0)
			return diag_set(err, "%s %s: cannot write to it: %s", opt, path,
					strerror(errno));
		return 0;
	case SF_REPLACE:
		break;
	}
	if (stat(path, &st) == 0 && is_input && is_input(arg, &st))
		return diag_set(err, "%s %s: is an input of this run; refusing to replace it "
				"by the report", opt, path);
	const char *base = split_dir(path, dir, sizeof(dir));
	if (lstat(path, &lst) == 0) {
		k->dev = lst.st_dev;
		k->ino = lst.st_ino;
	} else {
		if (!*base)
			return diag_set(err, "%s %s: is a directory (give a file name)", opt, path);
		if (stat(dir, &st) != 0)
			return diag_set(err, "%s %s: directory %s: %s", opt, path, dir,
					strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return diag_set(err, "%s %s: %s is not a directory", opt, path, dir);
		k->dev = st.st_dev;
		k->ino = st.st_ino;
		k->name = base;
		k->namelen = strlen(base);
	}
	/*
	 * The temporary file and the rename need the directory writable: a
	 * probe file proves it where access() cannot (root, read-only mounts).
	 */
	int slot = sf_temp_claim(path);
	if (slot < 0)
		return diag_set(err, "%s %s: %s", opt, path, strerror(errno));
	fd = mkstemp(sf_temps[slot].name);
	int e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(sf_temps[slot].name);
	}
	sf_temp_release(slot);
	if (fd < 0)
		return diag_set(err, "%s %s: directory %s is not writable: %s", opt, path, dir,
				strerror(e));
	return 0;
}

static bool same_key(const struct sf_key *a, const struct sf_key *b)
{
	if (a->kind != SF_REPLACE || b->kind != SF_REPLACE)
		return false;	/* streams and devices take several outputs in turn */
	if (a->dev != b->dev || a->ino != b->ino || !a->name != !b->name)
		return false;
	return !a->name || (a->namelen == b->namelen && !memcmp(a->name, b->name, a->namelen));
}

int sf_check(const struct sf_out *outs, size_t n, sf_is_input_fn is_input, void *arg,
	     struct diag *err)
{
	struct sf_key *keys;
	int rc = 0;

	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return diag_set(err, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		rc = check_one(&outs[i], &keys[i], is_input, arg, err);
		for (size_t j = 0; j < i && !rc; j++)
			if (same_key(&keys[i], &keys[j]))
				rc = diag_set(err, "%s %s: names the same file as %s %s; each "
					      "output needs its own file", outs[i].opt,
					      outs[i].path, outs[j].opt, outs[j].path);
	}
	free(keys);
	return rc;
}
