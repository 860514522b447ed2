/* progress.c - in-place progress on stderr (see progress.h). */
#include "common.h"

#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct progress {
	atomic_uint_fast64_t bytes, lines;
	atomic_bool stop;
	uint64_t total;
	struct timespec start;
	pthread_t thread;
};

static double elapsed(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void human(double v, char *buf, size_t n)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, "%.1f %s", v, u[i]);
}

static void draw(struct progress *p)
{
	double t = elapsed(&p->start);
	uint64_t b = atomic_load_explicit(&p->bytes, memory_order_relaxed);
	uint64_t l = atomic_load_explicit(&p->lines, memory_order_relaxed);
	char done[32], tot[32], rate[32];
	human((double)b, done, sizeof(done));
	human(t > 0 ? (double)b / t : 0, rate, sizeof(rate));
	if (p->total) {
		human((double)p->total, tot, sizeof(tot));
		double frac = (double)b / (double)p->total;
		double left = (frac > 0 && t > 0) ? t / frac - t : 0;
		fprintf(stderr, "\r\033[Kscanning: %s of %s (%.0f%%), %llu lines, %s/s, %.0fs left",
			done, tot, frac * 100, (unsigned long long)l, rate, left > 0 ? left : 0);
	} else {
		fprintf(stderr, "\r\033[Kscanning: %s, %llu lines, %s/s", done,
			(unsigned long long)l, rate);
	}
	fflush(stderr);
}

static void *run(void *arg)
{
	struct progress *p = arg;
	while (!atomic_load(&p->stop)) {
		struct timespec ts = { 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (!atomic_load(&p->stop))
			draw(p);
	}
	return NULL;
}

struct progress *progress_start(bool enabled, uint64_t total)
{
	if (!enabled)
		return NULL;
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	if (pthread_create(&p->thread, NULL, run, p)) {
		free(p);
		return NULL;
	}
	return p;
}

void progress_add(struct progress *p, uint64_t bytes, uint64_t lines)
{
	if (!p)
		return;
	atomic_fetch_add_explicit(&p->bytes, bytes, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->lines, lines, memory_order_relaxed);
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	fputs("\r\033[K", stderr);
	fflush(stderr);
	free(p);
}
