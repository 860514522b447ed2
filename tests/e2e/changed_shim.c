/*
 * changed_shim.c - an LD_PRELOAD library for tests/e2e/semantics.sh that
 * changes a file under dpfaudit at a known moment: at the first read() of
 * the file named by $SHIM_PATH (after dpfaudit opened and measured it), it
 * truncates it to half its size ($SHIM_ACTION=truncate) or renames
 * $SHIM_OTHER over it ($SHIM_ACTION=replace), then reads.  Deterministic:
 * no race with a background process.  Test-only; never installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real_read)(int, void *, size_t);
	static int done;
	if (!real_read)
		real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	const char *path = getenv("SHIM_PATH"), *action = getenv("SHIM_ACTION");
	if (!done && path && action) {
		char link[64], target[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t k = readlink(link, target, sizeof(target) - 1);
		if (k > 0) {
			target[k] = '\0';
			if (strcmp(target, path) == 0) {
				struct stat st;
				done = 1;
				if (strcmp(action, "truncate") == 0 && stat(path, &st) == 0)
					(void)truncate(path, st.st_size / 2);
				else if (strcmp(action, "replace") == 0 && getenv("SHIM_OTHER"))
					(void)rename(getenv("SHIM_OTHER"), path);
			}
		}
	}
	return real_read(fd, buf, n);
}
