/*
 * shim_nothread.c - an LD_PRELOAD shim for tests/e2e/nothread.sh: every
 * pthread_create fails with EAGAIN, as under a thread limit (ulimit -u,
 * a container's pids.max).  It touches $SHIM_MARK when first called, so the
 * test knows the shim was in effect.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	const char *mark = getenv("SHIM_MARK");
	(void)thread;
	(void)attr;
	(void)fn;
	(void)arg;
	if (mark) {
		int fd = open(mark, O_WRONLY | O_CREAT, 0600);
		if (fd >= 0)
			close(fd);
	}
	return EAGAIN;
}
