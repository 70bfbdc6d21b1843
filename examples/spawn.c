/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spawn NAME PROGRAM [ARGS...]: the second example of libnetns(3). Runs
 * PROGRAM inside the named namespace with netns_spawn (no thread of this
 * process switches), waits for it and exits with its status; an exec failure
 * comes back as an errno and is reported as "PROGRAM: REASON", exit 127.
 *
 *   cc -o spawn spawn.c $(pkg-config --cflags --libs netns)
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netns.h>

int main(int argc, char **argv)
{
	pid_t pid;
	int ns, r, status;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn NAME PROGRAM [ARGS...]\n");
		return 2;
	}
	ns = netns_fd_open_name(argv[1]);
	if (ns < 0) {
		fprintf(stderr, "spawn: %s: %s\n", argv[1], strerror(-ns));
		return 1;
	}
	r = netns_spawn(ns, argv[2], argv + 2, NULL, &pid);
	close(ns);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(-r));
		return 127;
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
