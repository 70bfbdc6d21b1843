/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns monitor: one line per name added or deleted, as ip netns monitor
 * prints them, from a netns_watch on the run directory that tells each
 * inotify event (NETNS_WATCH_ENTRIES): a name made and deleted before
 * anyone could look at it is still an add and a delete (issue 18, where
 * waiting for the mount lost a quarter of them). Unlike ip, an overflow of
 * the kernel's queue is said, and what changed meanwhile told. With --nsid,
 * nsid assignments too, from rtnetlink's RTNLGRP_NSID group.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"

/* Prints one event and flushes it: a pipe's reader wants it now. Lost
 * events are said on stderr, so that stdout keeps ip's two kinds of line;
 * -j adds {"event": "lost"} for a program to resynchronize on. */
static int name_event(unsigned event, const char *name, const struct netns_id *id, void *data)
{
	const char *verb = event == NETNS_WATCH_ADDED ? "add" : "delete";
	json_t *o;

	(void)id;
	(void)data;
	if (event == NETNS_WATCH_LOST) {
		cli_failx("%s: events lost (the kernel's inotify queue overflowed); "
			  "what changed meanwhile follows", netns_rundir_get());
		if (!cli.json)
			return 0;
		o = json_pack("{s:s}", "event", "lost");
	} else if (cli.json) {
		o = json_pack("{s:s, s:o}", "event", verb, "name", cli_json_string(name));
	} else {
		printf("%s %s%s%s\n", verb, cli_color_seq(CLI_COLOR_NAME), name,
		       cli_color_seq(CLI_COLOR_OFF));
		return fflush(stdout) == 0 ? 0 : -EIO;
	}
	if (!o || cli_json_print(o) != EXIT_OK)
		return -EIO;
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int nsid_event(bool added, int nsid, void *data)
{
	struct nsid_names *m = NULL;
	int r;

	(void)data;
	/* Which names have that nsid now; a deleted nsid has none left. */
	if (added && cli_nsid_names_load(&m) < 0)
		m = NULL;
	r = cli_nsid_print(added ? "add" : "delete", nsid, m, NULL);
	cli_nsid_names_free(m);
	if (r < 0)
		return r;
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nsid", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct netns_watch *w = NULL;
	struct pollfd pfd[3];
	bool nsid = false;
	int c, r, sfd = -1, nfd = -1, status = EXIT_OK;
	sigset_t sigs;

	while ((c = getopt_long(argc, argv, ":hjp", opts, NULL)) != -1) {
		if (c == 'n')
			nsid = true;
		else if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	}
	if (optind < argc)
		return cli_usage("unexpected argument '%s'", argv[optind]);
	if (cli.batch)
		return cli_usage("runs until a signal: not in batch mode");
	r = netns_watch_open(NULL, NETNS_WATCH_ENTRIES, &w);
	if (r < 0)
		return cli_fail(netns_rundir_get(), r);
	if (nsid) {
		nfd = cli_nsid_monitor_open();
		if (nfd < 0) {
			status = cli_fail("netlink", nfd);
			goto out;
		}
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	/* A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal never reaches the signalfd. */
	signal(SIGINT, SIG_DFL);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		status = cli_fail("signalfd", -errno);
		goto out;
	}
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = netns_watch_fd(w), .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = nfd, .events = POLLIN };
	for (;;) {
		/* The watch retries placeholders on a timer of its own: poll
		 * wakes for it through its fd. */
		if (poll(pfd, nfd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			status = cli_fail("poll", -errno);
			break;
		}
		if (pfd[0].revents)
			break; /* SIGINT or SIGTERM: a normal end */
		if (pfd[1].revents) {
			r = netns_watch_dispatch(w, name_event, NULL);
			if (r == -ENOENT) {
				status = cli_failx("%s: the run directory is gone", netns_rundir_get());
				break;
			}
			if (r == -EIO) {
				status = EXIT_FAIL; /* stdout is gone: close_stdout tells */
				break;
			}
			if (r < 0 && r != -ENOMEM) {
				status = cli_fail(netns_rundir_get(), r);
				break;
			}
		}
		if (nfd >= 0 && pfd[2].revents) {
			r = cli_nsid_monitor_read(nfd, nsid_event, NULL);
			if (r == -EIO) {
				status = EXIT_FAIL;
				break;
			}
			/* ENOBUFS: events were lost; go on with the next ones. */
			if (r < 0 && r != -ENOBUFS && r != -ENOMEM) {
				status = cli_fail("netlink", r);
				break;
			}
		}
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (nfd >= 0)
		close(nfd);
	netns_watch_free(w);
	return status;
}
