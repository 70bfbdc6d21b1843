/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns serve --follow: inotify on the run directory.
 *
 * `netns add` and `ip netns add` both create an empty placeholder file
 * (IN_CREATE) and then bind-mount the namespace onto it, and a mount raises
 * no inotify event at all. So a name seen at IN_CREATE may not be a
 * namespace yet (netns_fd_open_name: -EINVAL); it waits in the table and a
 * timer retries it, quickly at first, then at most once a second, until it
 * is a namespace or its file is gone. Deleting a name unmounts and then
 * unlinks (IN_DELETE); a rename is IN_MOVED_FROM + IN_MOVED_TO. A bind
 * mount of the run directory onto itself (done by the first add) keeps the
 * same inode, so the watch survives it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"

#define RETRY_FIRST_MS 2
#define RETRY_MAX_MS 1000

int serve_follow_start(struct serve *s)
{
	const char *dir = netns_rundir_get();
	int r;

	r = netns_rundir_create();
	if (r < 0)
		return cli_fail(dir, r), r;
	s->inotify.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify.fd < 0)
		return cli_fail("inotify", -errno), -errno;
	s->watch = inotify_add_watch(s->inotify.fd, dir,
				     IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
					     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
	if (s->watch < 0)
		return cli_fail(dir, -errno), -errno;
	r = serve_epoll_add(s, &s->inotify);
	if (r < 0)
		return cli_fail("epoll", r), r;
	return 0;
}

/* Arms the retry timer for the earliest waiting name, or disarms it. */
static void retry_arm(struct serve *s)
{
	struct itimerspec it = { 0 };
	uint64_t first = 0;

	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i]->serving && (!first || s->v[i]->retry_at < first))
			first = s->v[i]->retry_at;
	if (first) {
		/* Absolute time: a deadline already past fires at once. */
		it.it_value.tv_sec = (time_t)(first / 1000000000);
		it.it_value.tv_nsec = (long)(first % 1000000000);
	}
	timerfd_settime(s->retry.fd, TFD_TIMER_ABSTIME, &it, NULL);
}

/* After a start with result R: NS serves, or waits for a retry (a
 * placeholder, with --follow), or is dropped (gone, or its listener failed,
 * which was reported). Returns whether NS is still in the table. */
static bool settle(struct serve *s, struct serve_ns *ns, int r)
{
	unsigned ms;

	if (r == 0)
		return true;
	if (r == -EINVAL && s->follow) {
		ms = ns->tries < 9 ? RETRY_FIRST_MS << ns->tries : RETRY_MAX_MS;
		ns->tries++;
		ns->retry_at = serve_now() + (uint64_t)(ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS) * 1000000;
		return true;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ns) {
			serve_ns_remove(s, i, false);
			break;
		}
	return false;
}

static bool try_start(struct serve *s, struct serve_ns *ns)
{
	return settle(s, ns, serve_ns_start(s, ns, true));
}

static void name_added(struct serve *s, const char *name)
{
	struct serve_ns *ns = serve_ns_find(s, name);
	struct netns_id id;
	int fd;

	if (ns && ns->serving) {
		/* Seen already (the start-up scan raced with this event)?
		 * Only a different namespace under that name is news. */
		fd = netns_fd_open_name(name);
		if (fd < 0)
			return; /* its own IN_DELETE follows */
		if (netns_fd_id(fd, &id) == 0 && id.ino == ns->ino) {
			close(fd);
			return;
		}
		close(fd);
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i] == ns) {
				serve_ns_remove(s, i, true);
				break;
			}
		ns = NULL;
	}
	if (!ns) {
		ns = serve_ns_new(s, name);
		if (!ns) {
			cli_fail(name, -ENOMEM);
			return;
		}
	}
	ns->tries = 0;
	try_start(s, ns);
}

static void name_removed(struct serve *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->name, name) == 0) {
			serve_ns_remove(s, i, true);
			return;
		}
}

void serve_follow_event(struct serve *s)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool rescan = false;
	ssize_t len;

	while ((len = read(s->inotify.fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			p += sizeof(*e) + e->len;
			if (e->mask & IN_Q_OVERFLOW)
				rescan = true;
			if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
				cli_failx("%s: run directory removed or moved; no longer following",
					  netns_rundir_get());
			if (!e->len || (e->mask & IN_ISDIR))
				continue;
			if (e->mask & (IN_CREATE | IN_MOVED_TO))
				name_added(s, e->name);
			else if (e->mask & (IN_DELETE | IN_MOVED_FROM))
				name_removed(s, e->name);
		}
	}
	if (rescan)
		serve_follow_rescan(s);
	retry_arm(s);
}

void serve_follow_retry(struct serve *s)
{
	uint64_t ticks, now = serve_now();

	if (read(s->retry.fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (size_t i = 0; i < s->n;) {
		struct serve_ns *ns = s->v[i];

		/* try_start may drop NS, which moves the last entry to I. */
		if (ns->serving || ns->retry_at > now || try_start(s, ns))
			i++;
	}
	retry_arm(s);
}

static int ns_cmp(const void *a, const void *b)
{
	return strcmp((*(struct serve_ns *const *)a)->name, (*(struct serve_ns *const *)b)->name);
}

static int name_cmp(const void *name, const void *b)
{
	return strcmp(name, (*(struct serve_ns *const *)b)->name);
}

struct rescan {
	struct serve *s;
	struct serve_ns **known; /* the table before the walk, sorted by name */
	size_t n_known;
};

static int rescan_one(const char *name, const struct netns_id *id, void *data)
{
	struct rescan *rs = data;
	struct serve_ns **hit = NULL, *ns;

	(void)id;
	if (rs->n_known)
		hit = bsearch(name, rs->known, rs->n_known, sizeof(*rs->known), name_cmp);
	ns = hit ? *hit : serve_ns_new(rs->s, name);
	if (!ns)
		return -ENOMEM;
	ns->seen = true;
	return 0;
}

/* Starts the entries from index FIRST on, as one batch. */
void serve_start_new(struct serve *s, size_t first, bool quiet_err)
{
	if (first >= s->n)
		return;
	serve_ns_start_many(s, s->v + first, s->n - first, quiet_err);
	/* Downwards: settle() may move the last entry into a freed slot. */
	for (size_t i = s->n; i-- > first;)
		settle(s, s->v[i], s->v[i]->err);
}

int serve_follow_rescan(struct serve *s)
{
	size_t first = s->n;
	int r;

	struct rescan rs = { .s = s, .n_known = s->n };

	/* Lookups by bsearch: a linear one per name is quadratic at 10,000. */
	if (rs.n_known) {
		rs.known = malloc(rs.n_known * sizeof(*rs.known));
		if (!rs.known)
			return cli_fail("rescan", -ENOMEM), -ENOMEM;
		memcpy(rs.known, s->v, rs.n_known * sizeof(*rs.known));
		qsort(rs.known, rs.n_known, sizeof(*rs.known), ns_cmp);
	}
	for (size_t i = 0; i < s->n; i++)
		s->v[i]->seen = false;
	r = netns_name_foreach(rescan_one, &rs);
	free(rs.known);
	if (r < 0)
		return cli_fail(netns_rundir_get(), r), r;
	serve_start_new(s, first, true);
	if (!s->follow)
		return 0;
	/* Names that went away while events were lost. A placeholder that
	 * still waits for its mount is not listed by the walk: keep it. */
	for (size_t i = 0; i < s->n;) {
		if (!s->v[i]->seen && s->v[i]->serving)
			serve_ns_remove(s, i, true);
		else
			i++;
	}
	retry_arm(s);
	return 0;
}
