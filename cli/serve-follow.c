/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns serve: which names to serve. --follow takes them from a netns_watch
 * on the run directory (placeholders, retries and overflows are its
 * business); without it, from the command line or one walk of the directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "cli.h"
#include "serve.h"

int serve_follow_start(struct serve *s)
{
	int r = netns_watch_open(NULL, NETNS_WATCH_EXISTING, &s->watcher);

	if (r < 0)
		return cli_fail(netns_rundir_get(), r), r;
	s->watch.fd = netns_watch_fd(s->watcher);
	r = serve_epoll_add(s, &s->watch);
	if (r < 0)
		return cli_fail("epoll", r), r;
	return 0;
}

/* After a start with result R: NS serves, or waits for fds, or is dropped
 * (gone, or its listener failed, which was reported) with the names that
 * rode on it. */
static void settle(struct serve *s, struct serve_ns *ns, int r)
{
	if (r == 0)
		return;
	if (r == -EMFILE || r == -ENFILE) {
		ns->state = SERVE_NS_FD_WAIT;
		s->n_fd_wait++;
		return;
	}
	serve_ns_drop(s, ns);
}

void serve_start_list(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err)
{
	size_t k = 0;

	/* Each namespace is claimed by its first name before any listener is
	 * made, so a second name of it never binds the port twice (that was
	 * EADDRINUSE). V is reused for the owners to start. */
	for (size_t i = 0; i < n; i++) {
		struct serve_ns *ns = v[i];

		if (ns->state == SERVE_NS_FD_WAIT)
			s->n_fd_wait--;
		/* Unclaimed: new, or not a namespace when it first had to wait. */
		if (!ns->claimed && serve_ns_stat(s, ns, &ns->dev, &ns->ino) &&
		    !serve_ns_claim(s, ns))
			continue; /* an alias now */
		ns->state = SERVE_NS_NEW;
		v[k++] = ns;
	}
	serve_ns_start_many(s, v, k, quiet_err);
	/* Dropping one frees it and its aliases, never another owner of V. */
	for (size_t i = 0; i < k; i++)
		settle(s, v[i], v[i]->err);
	serve_ns_announce(s);
}

/* Starts up to MAX entries in STATE, as one batch. */
static void start_some(struct serve *s, enum serve_state state, size_t max, bool quiet_err)
{
	struct serve_ns **v;
	size_t k = 0;

	if (!max)
		return;
	v = malloc(max * sizeof(*v));
	if (!v) {
		cli_fail("serve", -ENOMEM); /* FD_WAIT: the timer tries again */
		return;
	}
	for (size_t i = 0; i < s->n && k < max; i++)
		if (s->v[i]->state == state)
			v[k++] = s->v[i];
	serve_start_list(s, v, k, quiet_err);
	free(v);
}

/* A name gone, or changed, stops being served; one added gets an entry,
 * started with the others of this dispatch. */
static int watch_event(unsigned event, const char *name, const struct netns_id *id, void *data)
{
	struct serve *s = data;
	struct serve_ns *ns = serve_ns_find(s, name);

	(void)id;
	if (ns)
		serve_ns_remove(s, ns->idx, true);
	if (event == NETNS_WATCH_ADDED && !serve_ns_new(s, name))
		cli_fail(name, -ENOMEM);
	return 0;
}

void serve_follow_event(struct serve *s)
{
	int r = netns_watch_dispatch(s->watcher, watch_event, s);

	if (r == -ENOENT) {
		cli_failx("%s: run directory removed or moved; no longer following",
			  netns_rundir_get());
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->watch.fd, NULL);
	} else if (r < 0) {
		cli_fail("watch", r); /* what was missed comes later */
	}
	start_some(s, SERVE_NS_NEW, s->n, true);
}

void serve_fd_wait_retry(struct serve *s)
{
	/* Nothing fits yet: not worth a walk of the table. */
	if (serve_fds_free(s) <= (s->udp ? 2u : 1u))
		return;
	/* Without --follow, a name that went meanwhile is reported, not lost. */
	start_some(s, SERVE_NS_FD_WAIT, s->n_fd_wait, s->follow);
}

/* Starts the entries from index FIRST on, as one batch. */
void serve_start_new(struct serve *s, size_t first, bool quiet_err)
{
	struct serve_ns **v;
	size_t n = s->n - first;

	if (first >= s->n)
		return;
	v = malloc(n * sizeof(*v));
	if (!v) {
		cli_fail("serve", -ENOMEM);
		while (s->n > first)
			serve_ns_remove(s, s->n - 1, false); /* new: no claim, no alias */
		return;
	}
	memcpy(v, s->v + first, n * sizeof(*v));
	serve_start_list(s, v, n, quiet_err);
	free(v);
}

static int scan_one(const char *name, const struct netns_id *id, void *data)
{
	(void)id;
	return serve_ns_new(data, name) ? 0 : -ENOMEM;
}

int serve_scan(struct serve *s)
{
	int r = netns_name_foreach(scan_one, s);

	if (r < 0)
		return cli_fail(netns_rundir_get(), r), r;
	serve_start_new(s, 0, true);
	return 0;
}
