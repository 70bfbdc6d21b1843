/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch: prints "added NAME" and "deleted NAME" as names of the run
 * directory (NETNS_RUN_DIR, default /run/netns) become network namespaces
 * and go, starting with those already there, until SIGINT or SIGTERM.
 *
 *   cc -o watch watch.c $(pkg-config --cflags --libs netns)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <netns.h>

static int print_event(unsigned event, const char *name, const struct netns_id *id, void *data)
{
	(void)id;
	(void)data;
	printf("%s %s\n", event == NETNS_WATCH_ADDED ? "added" : "deleted", name);
	return 0;
}

int main(void)
{
	struct netns_watch *w;
	struct pollfd p[2];
	sigset_t sigs;
	int r;

	/* The signals arrive on a signalfd, polled with the watch. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	p[0] = (struct pollfd){ .fd = signalfd(-1, &sigs, SFD_CLOEXEC), .events = POLLIN };
	if (p[0].fd < 0) {
		perror("watch: signalfd");
		return 1;
	}
	r = netns_watch_open(NULL, NETNS_WATCH_EXISTING, &w);
	if (r < 0) {
		fprintf(stderr, "watch: %s: %s\n", netns_rundir_get(), strerror(-r));
		return 1;
	}
	p[1] = (struct pollfd){ .fd = netns_watch_fd(w), .events = POLLIN };
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!(p[0].revents & POLLIN)) {
		if (poll(p, 2, -1) < 0)
			continue; /* EINTR */
		if (p[1].revents & POLLIN) {
			r = netns_watch_dispatch(w, print_event, NULL);
			if (r < 0 && r != -ENOMEM) {
				fprintf(stderr, "watch: %s\n", strerror(-r));
				break;
			}
		}
	}
	netns_watch_free(w);
	return r < 0 && r != -ENOMEM ? 1 : 0;
}
