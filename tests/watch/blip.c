/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch-blip PATH COUNT: COUNT times, switch the calling thread into the
 * namespace at PATH, create a thread, switch back at once, then join it: the
 * bug of CNI issue 262 in its shortest form, for tests/cli/watch.bats. Prints
 * "clone TID" for each thread made (its TID, from itself) and, on stderr,
 * the longest time the caller stayed switched. Raw setns() on purpose.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void *worker(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int ns, home, count;
	long long longest = 0;

	if (argc != 3 || (count = atoi(argv[2])) <= 0) {
		fprintf(stderr, "Usage: watch-blip PATH COUNT\n");
		return 2;
	}
	ns = open(argv[1], O_RDONLY | O_CLOEXEC);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || home < 0) {
		perror("watch-blip: open");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < count; i++) {
		pthread_t t;
		pid_t tid = 0;
		long long t0;
		int r;

		t0 = now_ns();
		if (setns(ns, CLONE_NEWNET) < 0) {
			perror("watch-blip: setns");
			return 1;
		}
		r = pthread_create(&t, NULL, worker, &tid);
		if (setns(home, CLONE_NEWNET) < 0) {
			perror("watch-blip: setns back");
			return 1;
		}
		if (now_ns() - t0 > longest)
			longest = now_ns() - t0;
		if (r != 0) {
			fprintf(stderr, "watch-blip: pthread_create failed\n");
			return 1;
		}
		pthread_join(t, NULL);
		printf("clone %d\n", (int)tid);
	}
	fprintf(stderr, "watch-blip: %d clones, switched for at most %lld us\n", count, longest / 1000);
	return 0;
}
