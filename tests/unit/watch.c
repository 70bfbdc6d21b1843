/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns_socket_many() and netns_watch: sockets born in many namespaces, and
 * a watch on a scratch run directory seeing names come and go, the way
 * netns and iproute2 make them, through placeholders, replacements and an
 * overflow of the kernel's event queue.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <time.h>

#include "nstest.h"

/* The namespace inode of socket S, through SIOCGSKNS; 0 on failure. */
static unsigned long long sock_ns_ino(int s)
{
	unsigned long long ino;
	int fd = ioctl(s, SIOCGSKNS);

	if (fd < 0)
		return 0;
	ino = ino_of_fd(fd);
	close(fd);
	return ino;
}

/* The lowest fd number not open. */
static int lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void test_socket_many(struct netns_rundir *rd)
{
	const char *names[] = { "m0", "m1", "m2" };
	unsigned long long home = self_ino();
	int ns[3], fds[7], socks[7], closed, file, mnt, before;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4242),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const int good[3] = { 0, 2, 6 };
	bool all = true;

	for (int i = 0; i < 3; i++)
		if (netns_name_add_at(rd, names[i], NETNS_ADD_LO_UP, &ns[i]) < 0)
			printf("Bail out! add %s: %s\n", names[i], strerror(errno));
	file = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	/* Not the lowest free fd: the first socket would take that. */
	closed = 999;
	if (fcntl(closed, F_GETFD) >= 0)
		printf("Bail out! fd %d is open\n", closed);
	fds[0] = ns[0], fds[1] = -1, fds[2] = ns[1], fds[3] = file, fds[4] = closed,
	fds[5] = mnt, fds[6] = ns[2];
	before = count_fds();

	is(netns_socket_many(fds, 7, AF_INET, SOCK_STREAM, 0, socks), 0, "socket_many: 7 entries");
	is(count_fds(), before + 3, "three sockets made, no other fd left open");
	for (int k = 0; k < 3; k++) {
		int i = good[k];

		ok(socks[i] >= 0 && sock_ns_ino(socks[i]) == ino_of_fd(fds[i]) && is_cloexec(socks[i]),
		   "socket %d is close-on-exec and born in namespace %s (inode %llu)", i,
		   names[k], ino_of_fd(fds[i]));
		/* Each in its own namespace: the same address binds in all. */
		all &= bind(socks[i], (struct sockaddr *)&a, sizeof(a)) == 0 &&
		       listen(socks[i], 1) == 0;
	}
	ok(all, "127.0.0.1:4242 bound and listening in all three, from the calling thread");
	is(socks[1], -EBADF, "a negative fd: -EBADF");
	is(socks[3], -EMEDIUMTYPE, "a regular file: -EMEDIUMTYPE");
	is(socks[4], -EBADF, "a closed fd: -EBADF");
	is(socks[5], -EMEDIUMTYPE, "a mount namespace: -EMEDIUMTYPE");
	is(self_ino(), home, "the calling thread never left its namespace");
	for (int i = 0; i < 7; i++)
		if (socks[i] >= 0)
			close(socks[i]);
	is(count_fds(), before, "no fd leaked");

	/* Out of fds: room for one socket, the others say -EMFILE. */
	{
		struct rlimit old, low;
		int r;

		getrlimit(RLIMIT_NOFILE, &old);
		low = old;
		low.rlim_cur = (rlim_t)lowest_free_fd() + 1;
		setrlimit(RLIMIT_NOFILE, &low);
		r = netns_socket_many(ns, 3, AF_INET, SOCK_DGRAM, 0, socks);
		setrlimit(RLIMIT_NOFILE, &old);
		is(r, 0, "socket_many under a limit with room for one socket");
		ok(socks[0] >= 0 && sock_ns_ino(socks[0]) == ino_of_fd(ns[0]), "the first is made");
		is(socks[1], -EMFILE, "the second: -EMFILE");
		is(socks[2], -EMFILE, "the third: -EMFILE");
		if (socks[0] >= 0)
			close(socks[0]);
	}

	is(netns_socket_many(NULL, 1, AF_INET, SOCK_STREAM, 0, socks), -EINVAL, "NULL fds: -EINVAL");
	is(netns_socket_many(ns, 1, AF_INET, SOCK_STREAM, 0, NULL), -EINVAL, "NULL ret: -EINVAL");
	is(netns_socket_many(NULL, 0, AF_INET, SOCK_STREAM, 0, NULL), 0, "none asked: 0");
	socks[0] = 12345;
	is(netns_socket_many(ns, 1, 12345, SOCK_STREAM, 0, socks), 0, "a bad domain is per entry");
	is(socks[0], -EAFNOSUPPORT, "... -EAFNOSUPPORT");

	for (int i = 0; i < 3; i++) {
		close(ns[i]);
		netns_name_delete_at(rd, names[i]);
	}
	close(file);
	close(mnt);
}

struct ev {
	unsigned event;
	char name[NAME_MAX + 1];
	unsigned long long ino;
};

struct evs {
	struct ev v[64];
	int n;
	int stop_at; /* the callback fails with -42 at this event; 0: never */
};

static int record(unsigned event, const char *name, const struct netns_id *id, void *data)
{
	struct evs *e = data;

	if (e->n < 64) {
		e->v[e->n].event = event;
		snprintf(e->v[e->n].name, sizeof(e->v[e->n].name), "%s", name);
		e->v[e->n].ino = (unsigned long long)id->ino;
	}
	e->n++;
	return e->stop_at && e->n == e->stop_at ? -42 : 0;
}

/* The kernel's inotify queue length (read, never changed), or 0. */
static long max_queued_events(void)
{
	FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "re");
	long max = 0;

	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 0;
		fclose(f);
	}
	return max;
}

/* Overflows the queue of a watch on DIR: more create/unlink pairs of
 * DIR/flood than the kernel queues (MAX events). */
static void flood(const char *dir, long max)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/flood", dir);
	for (long i = 0; i < max / 2 + 2; i++) {
		int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);

		if (fd >= 0)
			close(fd);
		unlink(path);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls and dispatches W until E holds WANT events, or MS milliseconds
 * have passed. Returns the last dispatch's result if it failed, else 0. */
static int pump(struct netns_watch *w, struct evs *e, int want, int ms)
{
	long long end = now_ms() + ms;
	struct pollfd p = { .fd = netns_watch_fd(w), .events = POLLIN };

	while (e->n < want) {
		long long left = end - now_ms();
		int r;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		r = netns_watch_dispatch(w, record, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool has(const struct evs *e, unsigned event, const char *name, unsigned long long ino)
{
	for (int i = 0; i < e->n && i < 64; i++)
		if (e->v[i].event == event && !strcmp(e->v[i].name, name) && e->v[i].ino == ino)
			return true;
	return false;
}

static void show(const struct evs *e)
{
	for (int i = 0; i < e->n && i < 64; i++)
		diag("%s %s %llu", e->v[i].event == NETNS_WATCH_ADDED ? "added" : "deleted",
		     e->v[i].name, e->v[i].ino);
}

/* Makes PATH an empty placeholder, as ip netns add does first. */
static void placeholder(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		printf("Bail out! %s: %s\n", path, strerror(errno));
	else
		close(fd);
}

static unsigned long long ino_at(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return ino_of(path);
}

static void test_watch(const char *dir, struct netns_rundir *rd)
{
	struct netns_watch *w = NULL, *w2 = NULL;
	struct evs e = { 0 };
	unsigned long long pre, a1, p1, x_old, x_new, o1;
	char path[PATH_MAX];
	struct nsthread t;
	int before, fd, r;

	before = count_fds();
	is(netns_watch_open(rd, 1u << 7, &w), -EINVAL, "open: an unknown flag is -EINVAL");
	is(netns_watch_open(rd, 0, NULL), -EINVAL, "open: no RET is -EINVAL");
	is(netns_watch_open(rd, 0, &w), 0, "open a watch on a run directory that is missing");
	ok(path_exists(dir), "... which made it");
	ok(is_cloexec(netns_watch_fd(w)), "the watch fd is close-on-exec");
	netns_watch_free(w);
	is(count_fds(), before, "free closes every fd of the watch");

	/* A name there before the watch: not news, but its deletion is. */
	netns_name_add_at(rd, "pre", 0, NULL);
	pre = ino_at(dir, "pre");
	is(netns_watch_open(rd, 0, &w), 0, "open the watch again, with a name there");

	netns_name_add_at(rd, "a1", 0, NULL);
	a1 = ino_at(dir, "a1");
	pump(w, &e, 1, 2000);
	ok(e.n == 1 && has(&e, NETNS_WATCH_ADDED, "a1", a1), "netns_name_add: added a1 (inode %llu)", a1);
	show(&e);

	/* The iproute2 way: the placeholder raises the only event; the mount
	 * comes later, found by the retry timer. */
	e.n = 0;
	placeholder(dir, "p1");
	pump(w, &e, 1, 150);
	is(e.n, 0, "an empty placeholder is not reported");
	if (nsthread_start(&t, -1) < 0)
		printf("Bail out! a thread in a new namespace\n");
	snprintf(path, sizeof(path), "%s/p1", dir);
	{
		char src[64];

		snprintf(src, sizeof(src), "/proc/self/task/%d/ns/net", (int)t.tid);
		if (mount(src, path, NULL, MS_BIND, NULL) < 0)
			printf("Bail out! mount %s: %s\n", path, strerror(errno));
	}
	nsthread_stop(&t);
	p1 = ino_of(path);
	pump(w, &e, 1, 3000);
	ok(e.n == 1 && has(&e, NETNS_WATCH_ADDED, "p1", p1),
	   "the namespace mounted on it later: added p1 (inode %llu)", p1);
	show(&e);

	/* A placeholder that never becomes a namespace, then goes. */
	e.n = 0;
	placeholder(dir, "ghost");
	pump(w, &e, 1, 400);
	snprintf(path, sizeof(path), "%s/ghost", dir);
	unlink(path);
	pump(w, &e, 1, 100);
	is(e.n, 0, "a placeholder that never becomes a namespace is never reported");
	show(&e);

	/* Deleted, and replaced behind our back: both seen, in order. */
	e.n = 0;
	netns_name_delete_at(rd, "a1");
	netns_name_delete_at(rd, "pre");
	pump(w, &e, 2, 2000);
	ok(e.n == 2 && has(&e, NETNS_WATCH_DELETED, "a1", a1) &&
	   has(&e, NETNS_WATCH_DELETED, "pre", pre),
	   "deleted a1, and pre, which was there before the watch");
	show(&e);
	e.n = 0;
	netns_name_add_at(rd, "x", 0, NULL);
	x_old = ino_at(dir, "x");
	pump(w, &e, 1, 2000);
	e.n = 0;
	netns_name_delete_at(rd, "x");
	netns_name_add_at(rd, "x", 0, NULL);
	x_new = ino_at(dir, "x");
	pump(w, &e, 2, 2000);
	/* The old namespace is freed, so the new one may get its inode
	 * number: the events must not depend on it. */
	ok(e.n == 2 && e.v[0].event == NETNS_WATCH_DELETED && e.v[0].ino == x_old &&
	   e.v[1].event == NETNS_WATCH_ADDED && e.v[1].ino == x_new,
	   "x replaced between two dispatches: deleted (inode %llu), then added (inode %llu)",
	   x_old, x_new);
	show(&e);

	/* Deleted and named again, the same namespace (held meanwhile):
	 * the same inode, but the name went and came. */
	fd = netns_fd_open_name_at(rd, "x");
	e.n = 0;
	netns_name_delete_at(rd, "x");
	netns_name_attach_fd_at(rd, "x", fd);
	close(fd);
	pump(w, &e, 2, 2000);
	ok(e.n == 2 && e.v[0].event == NETNS_WATCH_DELETED && e.v[0].ino == x_new &&
	   e.v[1].event == NETNS_WATCH_ADDED && e.v[1].ino == x_new && ino_at(dir, "x") == x_new,
	   "x deleted and named again as the same namespace: deleted, then added");
	show(&e);

	/* Overflow: fill the kernel's queue past max_queued_events (read,
	 * never changed), then change things that raise no event we can get:
	 * only the rescan after IN_Q_OVERFLOW sees them. */
	{
		long max = max_queued_events();

		netns_name_add_at(rd, "o1", 0, NULL);
		o1 = ino_at(dir, "o1");
		e.n = 0;
		pump(w, &e, 1, 2000);
		ok(e.n == 1 && has(&e, NETNS_WATCH_ADDED, "o1", o1), "added o1");
		if (max <= 0 || max > (1 << 20)) {
			ok(1, "# SKIP max_queued_events is %ld: too many events to overflow", max);
		} else {
			flood(dir, max);
			/* Unmounted, the placeholder left: no inotify event. */
			snprintf(path, sizeof(path), "%s/o1", dir);
			umount2(path, MNT_DETACH);
			netns_name_add_at(rd, "o2", 0, NULL); /* its events are lost */
			e.n = 0;
			pump(w, &e, 2, 3000);
			ok(e.n == 2 && has(&e, NETNS_WATCH_DELETED, "o1", o1) &&
			   has(&e, NETNS_WATCH_ADDED, "o2", ino_at(dir, "o2")),
			   "after an overflow (%ld events queued at most), the rescan tells o1 "
			   "unmounted and o2 added", max);
			show(&e);
		}
	}

	/* NETNS_WATCH_EXISTING, in strcmp() order; a failing callback stops
	 * the dispatch and the rest comes with the next. */
	is(netns_watch_open(rd, NETNS_WATCH_EXISTING, &w2), 0, "a second watch, NETNS_WATCH_EXISTING");
	e = (struct evs){ .stop_at = 1 };
	{
		struct pollfd p = { .fd = netns_watch_fd(w2), .events = POLLIN };

		r = poll(&p, 1, 1000);
		is(r, 1, "its fd is readable at once");
		r = netns_watch_dispatch(w2, record, &e);
		is(r, -42, "the callback's -42 stops the dispatch");
		is(e.n, 1, "... after one event");
		is(poll(&p, 1, 0), 1, "the fd stays readable for the rest");
		e.stop_at = 0;
		r = netns_watch_dispatch(w2, record, &e);
		is(r, 2, "the next dispatch tells the 2 others");
	}
	ok(e.n == 3 && has(&e, NETNS_WATCH_ADDED, "o2", ino_at(dir, "o2")) &&
	   !strcmp(e.v[0].name, "o2") && has(&e, NETNS_WATCH_ADDED, "p1", p1) &&
	   !strcmp(e.v[1].name, "p1") && has(&e, NETNS_WATCH_ADDED, "x", x_new) &&
	   !strcmp(e.v[2].name, "x"),
	   "existing names o2 p1 x added in strcmp() order; the placeholder o1 not");
	show(&e);
	netns_watch_free(w2);
	netns_watch_free(w);
	is(netns_watch_dispatch(NULL, record, &e), -EINVAL, "dispatch: NULL watch is -EINVAL");
	is(netns_watch_fd(NULL), -EINVAL, "fd: NULL watch is -EINVAL");
	netns_watch_free(NULL);
	is(count_fds(), before, "no fd leaked by the watches");
}

/* NETNS_WATCH_ENTRIES over a flood: per name, whether it is told present,
 * and what broke the rule that a name's events alternate, ADDED first. */
struct tally {
	long n, lost, bad, after_lost; /* after_lost: events told after LOST */
	char names[4][16];
	bool present[4];
	int late_at, gone_at;      /* event number of "added late", "deleted gone" */
};

static int tally(unsigned event, const char *name, const struct netns_id *id, void *data)
{
	struct tally *t = data;
	int k;

	t->n++;
	if (t->lost)
		t->after_lost++;
	if (event == NETNS_WATCH_LOST) {
		t->lost++;
		t->bad += name[0] != '\0' || id->ino || id->dev;
		return 0;
	}
	for (k = 0; k < 4 && strcmp(t->names[k], name); k++)
		;
	if (k == 4) {
		t->bad++;
		return 0;
	}
	t->bad += t->present[k] == (event == NETNS_WATCH_ADDED) || id->ino || id->dev;
	t->present[k] = event == NETNS_WATCH_ADDED;
	if (k == 2 && event == NETNS_WATCH_ADDED)
		t->late_at = (int)t->n;
	if (k == 3 && event == NETNS_WATCH_DELETED)
		t->gone_at = (int)t->n;
	return 0;
}

static bool seq_is(const struct evs *e, const char *want)
{
	char got[1024] = "";
	size_t len = 0;

	for (int i = 0; i < e->n && i < 64; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s%s%s",
					i ? " " : "",
					e->v[i].event == NETNS_WATCH_ADDED   ? "+"
					: e->v[i].event == NETNS_WATCH_DELETED ? "-"
									       : "lost",
					e->v[i].name, e->v[i].ino ? "(ino)" : "");
	if (strcmp(got, want))
		diag("got:  %s\nwant: %s", got, want);
	return !strcmp(got, want);
}

static void unlink_at(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) < 0)
		printf("Bail out! unlink %s: %s\n", path, strerror(errno));
}

static void rename_at(const char *dir, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	if (rename(a, b) < 0)
		printf("Bail out! rename %s: %s\n", a, strerror(errno));
}

/* NETNS_WATCH_ENTRIES: each event told, in order, even for a name gone
 * before the dispatch (issue 18); an overflow told, and made good. */
static void test_entries(const char *dir, struct netns_rundir *rd)
{
	struct netns_watch *w = NULL, *w2 = NULL;
	struct evs e = { 0 };
	int before = count_fds(), r;

	netns_name_add_at(rd, "pre", 0, NULL);
	is(netns_watch_open(rd, NETNS_WATCH_ENTRIES, &w), 0, "entries: open, with pre there");
	is(netns_watch_open(rd, NETNS_WATCH_ENTRIES | (1u << 7), &w2), -EINVAL,
	   "entries: an unknown flag is still -EINVAL");

	/* All between two dispatches: nothing collapses. */
	placeholder(dir, "p");
	unlink_at(dir, "p");
	netns_name_add_at(rd, "a", 0, NULL);
	netns_name_delete_at(rd, "a");
	netns_name_add_at(rd, "a", 0, NULL);
	netns_name_delete_at(rd, "a");
	netns_name_delete_at(rd, "pre");
	pump(w, &e, 7, 2000);
	ok(seq_is(&e, "+p -p +a -a +a -a -pre"),
	   "a placeholder gone, a name made and deleted twice, pre deleted: 7 events, in "
	   "order, ID all zero");

	/* Renames: away is a delete, in is an add, over a name is both. */
	e.n = 0;
	placeholder(dir, "r1");
	placeholder(dir, "r2");
	rename_at(dir, "r1", "r3");
	rename_at(dir, "r3", "r2");
	unlink_at(dir, "r2");
	pump(w, &e, 8, 2000);
	ok(seq_is(&e, "+r1 +r2 -r1 +r3 -r3 -r2 +r2 -r2"), "renames: away, in, and over a name");

	/* A callback that fails stops the dispatch; the rest comes next. */
	e = (struct evs){ .stop_at = 2 };
	placeholder(dir, "s1");
	placeholder(dir, "s2");
	placeholder(dir, "s3");
	{
		struct pollfd p = { .fd = netns_watch_fd(w), .events = POLLIN };

		is(poll(&p, 1, 2000), 1, "entries: the fd is readable");
		is(netns_watch_dispatch(w, record, &e), -42, "the callback's -42 stops the dispatch");
		is(poll(&p, 1, 0), 1, "the fd stays readable for the rest");
		e.stop_at = 0;
		is(netns_watch_dispatch(w, record, &e), 1, "the next dispatch tells the third");
		ok(seq_is(&e, "+s1 +s2 +s3"), "... s1, s2, s3, in order, once each");
	}

	/* NETNS_WATCH_EXISTING too: the names there, in strcmp() order. */
	e.n = 0;
	is(netns_watch_open(rd, NETNS_WATCH_ENTRIES | NETNS_WATCH_EXISTING, &w2), 0,
	   "entries with NETNS_WATCH_EXISTING");
	pump(w2, &e, 3, 2000);
	/* o1 (a placeholder), o2, p1 and x are test_watch()'s. */
	ok(seq_is(&e, "+o1 +o2 +p1 +s1 +s2 +s3 +x"), "... tells the names there first");
	netns_watch_free(w2);
	e.n = 0;
	unlink_at(dir, "s1");
	unlink_at(dir, "s3");
	pump(w, &e, 2, 2000);
	ok(seq_is(&e, "-s1 -s3"), "deleted s1 and s3");

	/* Overflow: more create/unlink pairs than the kernel queues, then a
	 * name made and one removed whose events are dropped. */
	{
		struct tally t = { .names = { "flood", "s2", "late", "gone" } };
		long max = max_queued_events();

		placeholder(dir, "gone");
		e.n = 0;
		pump(w, &e, 1, 2000);
		t.present[1] = t.present[3] = true; /* s2 and gone, told added */
		if (max <= 0 || max > (1 << 20)) {
			ok(1, "# SKIP max_queued_events is %ld: too many events to overflow", max);
		} else {
			flood(dir, max);
			placeholder(dir, "late");
			unlink_at(dir, "gone");
			{
				struct pollfd p = { .fd = netns_watch_fd(w), .events = POLLIN };
				long long end = now_ms() + 5000;

				while ((!t.late_at || !t.gone_at) && now_ms() < end)
					if (poll(&p, 1, 100) > 0 &&
					    (r = netns_watch_dispatch(w, tally, &t)) < 0)
						break;
			}
			diag("%ld events told, %ld after LOST", t.n, t.after_lost);
			is(t.lost, 1, "an overflow (%ld events queued at most): LOST told once", max);
			is(t.bad, 0, "every name's events alternate, added first; LOST has no name");
			ok(t.n >= max - 1, "the events queued before it are all told (%ld)", t.n);
			ok(t.late_at && t.gone_at && t.after_lost >= 2 && !t.present[0] &&
			   t.present[1] && t.present[2] && !t.present[3],
			   "after LOST, the rescan tells late added and gone deleted; flood ends "
			   "deleted, s2 still there");
		}
	}
	netns_watch_free(w);
	unlink_at(dir, "s2");
	unlink_at(dir, "late");
	is(count_fds(), before, "entries: no fd leaked");
}

/* Starts $BUILD/examples/ARGV[0] with stdout to a pipe (*RET_OUT) and
 * stderr to /dev/null; returns its pid, or -1. */
static pid_t example_start(char *argv[], int *ret_out)
{
	const char *build = getenv("BUILD");
	char prog[PATH_MAX];
	int p[2];
	pid_t pid;

	if (!build || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	snprintf(prog, sizeof(prog), "%s/examples/%s", build, argv[0]);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		dup2(null, 2);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	*ret_out = p[0];
	return pid;
}

/* Reads from FD into BUF (of SIZE, NUL-terminated) until it holds WANT at
 * its end (NULL: never), EOF, or MS milliseconds. */
static void read_until(int fd, char *buf, size_t size, const char *want, int ms)
{
	long long end = now_ms() + ms;
	size_t len = strlen(buf);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (len + 1 < size) {
		long long left = end - now_ms();
		ssize_t n;

		if (want && len >= strlen(want) && !strcmp(buf + len - strlen(want), want))
			break;
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
}

static int wait_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* examples/watch.c and examples/socket-many.c, run as man/libnetns.3 shows. */
static void test_examples(const char *dir, struct netns_rundir *rd)
{
	char w0[] = "watch", m0[] = "socket-many", m1[] = "o2", m2[] = "nosuch", m3[] = "p1";
	char *watch_argv[] = { w0, NULL }, *many_argv[] = { m0, m1, m2, m3, NULL };
	char out[1024] = "", want[1024];
	const char *existing = "added o2\nadded p1\nadded x\n";
	pid_t pid;
	int fd;

	setenv("NETNS_RUN_DIR", dir, 1);
	pid = example_start(watch_argv, &fd);
	ok(pid > 0, "examples/watch started");
	if (pid <= 0)
		return;
	read_until(fd, out, sizeof(out), existing, 3000);
	netns_name_add_at(rd, "e1", 0, NULL);
	read_until(fd, out, sizeof(out), "added e1\n", 3000);
	netns_name_delete_at(rd, "e1");
	read_until(fd, out, sizeof(out), "deleted e1\n", 3000);
	kill(pid, SIGTERM);
	read_until(fd, out, sizeof(out), NULL, 3000); /* to EOF */
	close(fd);
	is(wait_status(pid), 0, "examples/watch exits 0 on SIGTERM");
	snprintf(want, sizeof(want), "%sadded e1\ndeleted e1\n", existing);
	ok(!strcmp(out, want), "examples/watch printed the names there, e1 added, e1 deleted");
	if (strcmp(out, want))
		diag("got: %s", out);

	out[0] = '\0';
	pid = example_start(many_argv, &fd);
	read_until(fd, out, sizeof(out), NULL, 3000);
	close(fd);
	is(wait_status(pid), 1, "examples/socket-many exits 1 when a name fails");
	snprintf(want, sizeof(want), "o2 inode %llu\np1 inode %llu\n", ino_at(dir, "o2"),
		 ino_at(dir, "p1"));
	ok(!strcmp(out, want), "examples/socket-many: each socket in its namespace (SIOCGSKNS)");
	if (strcmp(out, want))
		diag("got: %s", out);
	unsetenv("NETNS_RUN_DIR");
}

int main(void)
{
	struct netns_rundir *rd;
	char *scratch, dir[256];

	nstest_require_sandbox();
	scratch = nstest_scratch_dir();
	snprintf(dir, sizeof(dir), "%s/run", scratch);
	if (netns_rundir_open(dir, &rd) < 0)
		printf("Bail out! netns_rundir_open\n");
	test_watch(dir, rd);
	test_entries(dir, rd);
	test_examples(dir, rd);
	test_socket_many(rd);
	rundir_destroy(dir);
	rmdir(scratch);
	netns_rundir_free(rd);
	free(scratch);
	return done_testing();
}
