/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-exec NSPATH PROGRAM [ARGS...]: a tiny `ip netns exec`. Opens the
 * namespace file, switches this (only) thread into it with setns, then
 * execs PROGRAM, which starts life in the namespace.
 *
 * NSPATH is any nsfs file: /run/netns/NAME, /proc/PID/ns/net or
 * /proc/PID/task/TID/ns/net. Exit status: 1 for a usage error or a failed
 * open or setns, 127 when PROGRAM is not found, 126 when it cannot be run.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

int main(int argc, char **argv)
{
	int fd, err;

	if (argc < 3) {
		fprintf(stderr, "usage: netns-exec NSPATH PROGRAM [ARGS...]\n");
		return 1;
	}

	/* O_CLOEXEC from birth: the program must not inherit the handle. */
	fd = netns_fd_open_path(argv[1]);
	if (fd == -EMEDIUMTYPE) {
		fprintf(stderr, "netns-exec: %s: not a network namespace\n", argv[1]);
		return 1;
	}
	if (fd < 0) {
		fprintf(stderr, "netns-exec: open %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "netns-exec: setns %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);

	execvp(argv[2], &argv[2]);
	err = errno;
	fprintf(stderr, "netns-exec: exec %s: %s\n", argv[2], strerror(err));
	return err == ENOENT ? 127 : 126;
}
