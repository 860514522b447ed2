/*
 * fuzz_util.h - shared by the libFuzzer targets in tests/fuzz/.
 *
 * Most of the library reads files (rules_load, exp_load, inp_open), so the
 * targets write each input to one temporary file per process, in a private
 * directory in /dev/shm when it exists (no disk I/O per execution), and
 * reuse it.
 */
#ifndef DPF_FUZZ_UTIL_H
#define DPF_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fz_tmp[256];
static char fz_dir[200];

static inline void fz_cleanup(void)
{
	if (fz_tmp[0])
		unlink(fz_tmp);
	if (fz_dir[0])
		rmdir(fz_dir);
}

/*
 * A per-process path with the given suffix (".rules" matters to the
 * loader), in a directory of its own: an input that includes "./" then
 * reads only this process's file, never another target's half-written
 * one, so every crash replays from its saved input alone.  The last path
 * asked for and the directory are removed at exit.
 */
static inline const char *fz_path(char *buf, size_t n, const char *suffix)
{
	struct stat st;
	if (!fz_dir[0]) {
		const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
		snprintf(fz_dir, sizeof(fz_dir), "%s/dpffuzz.XXXXXX", dir);
		if (!mkdtemp(fz_dir)) {
			perror(fz_dir);
			abort();
		}
		atexit(fz_cleanup);
	}
	snprintf(buf, n, "%s/in%s", fz_dir, suffix);
	if (fz_tmp[0] && strcmp(fz_tmp, buf) != 0)
		unlink(fz_tmp);
	snprintf(fz_tmp, sizeof(fz_tmp), "%s", buf);
	return buf;
}

/* Replace the contents of path with data[0..n); aborts on I/O failure (not a finding). */
static inline void fz_write(const char *path, const uint8_t *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t off = 0;
	if (fd < 0) {
		perror(path);
		abort();
	}
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w <= 0) {
			perror(path);
			abort();
		}
		off += (size_t)w;
	}
	close(fd);
}

#endif
