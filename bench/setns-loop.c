/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * setns-loop PATH [N]: N (default 100000) round trips of the calling thread
 * into the namespace at PATH and back, raw setns(), for bench/watch.sh.
 * Prints "N round trips in MS ms".
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 100000;
	struct timespec t0, t1;
	int ns, home;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "Usage: setns-loop PATH [N]\n");
		return 2;
	}
	ns = open(argv[1], O_RDONLY | O_CLOEXEC);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || home < 0) {
		perror("setns-loop: open");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		if (setns(ns, CLONE_NEWNET) < 0 || setns(home, CLONE_NEWNET) < 0) {
			perror("setns-loop: setns");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld round trips in %.1f ms\n", n,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
