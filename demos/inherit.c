/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inherit NSPATH: shows that a new thread is born in the network namespace
 * of the thread that created it. The main thread reports its namespace,
 * switches to NSPATH, reports again, then starts a thread that reports.
 * Exit status: 0, or 1 on a usage error or any failure.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

/* Prints the calling thread's id and namespace inode, in the tutorial's format. */
static void report(const char *msg)
{
	struct netns_id id;
	/* thread-self: /proc/self/ns/net is the main thread's, not ours. */
	int fd = netns_fd_open_current(), r;

	if (fd < 0) {
		fprintf(stderr, "inherit: /proc/thread-self/ns/net: %s\n", strerror(-fd));
		exit(1);
	}
	r = netns_fd_id(fd, &id);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "inherit: /proc/thread-self/ns/net: %s\n", strerror(-r));
		exit(1);
	}
	printf("%20s: on thread %d in netns %ld\n", msg, (int)gettid(), (long)id.ino);
}

static void *worker(void *arg)
{
	(void)arg;
	report("in new thread");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: inherit NSPATH\n");
		return 1;
	}
	/* Line-buffered even into a pipe, so the lines keep their order. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	report("main started");

	fd = netns_fd_open_path(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "inherit: %s: %s\n", argv[1],
			fd == -EMEDIUMTYPE ? "not a network namespace" : strerror(-fd));
		return 1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "inherit: setns %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	printf("switched to %s\n", argv[1]);
	report("main, after switch");

	printf("creating new thread...\n");
	r = pthread_create(&t, NULL, worker, NULL);
	if (r) {
		fprintf(stderr, "inherit: pthread_create: %s\n", strerror(r));
		return 1;
	}
	r = pthread_join(t, NULL);
	if (r) {
		fprintf(stderr, "inherit: pthread_join: %s\n", strerror(r));
		return 1;
	}
	return 0;
}
