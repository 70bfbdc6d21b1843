/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Watching the run directory: names that become namespaces, and names that
 * stop being them.
 *
 * An inotify event only says which name to look at; what is reported comes
 * from looking (lstat, then an open of the file as a namespace), so events
 * that pile up between two dispatches collapse into what is true now. Each
 * name to look at goes on a FIFO queue once.
 *
 * `netns add` and `ip netns add` both create an empty placeholder (IN_CREATE)
 * and then bind-mount the namespace onto it, and a mount raises no inotify
 * event. So a placeholder is looked at again on a timer, 2 ms after, then
 * backing off to once a second, until it is a namespace or gone. Deleting a
 * name unmounts it, then unlinks it (IN_DELETE); a rename is IN_MOVED_FROM
 * plus IN_MOVED_TO. When the kernel's queue overflows (IN_Q_OVERFLOW) every
 * known name and every directory entry is looked at again.
 *
 * With NETNS_WATCH_ENTRIES the events themselves are told, one by one, in
 * the kernel's order, as ip netns monitor prints them: a name made and gone
 * before anyone could look at it is still two events. A set of the names
 * told present (the tree) makes each event news or not: after the scan that
 * follows an overflow, an event still queued from before that scan may
 * repeat what the scan found, and the set drops it, so that every delete has
 * its add and nothing is told twice.
 *
 * Names are looked up by path, never through a directory fd: the first add
 * may bind the directory onto itself after we opened it, and a directory fd
 * taken before would see the placeholders under the mounts. The inotify
 * watch is on the inode, which the bind keeps.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>

#include "internal.h"

#define RETRY_FIRST_MS 2u
#define RETRY_MAX_MS 1000u

struct wname {
	struct wname *next_dirty;   /* in the queue when DIRTY */
	struct wname *prev_wait, *next_wait; /* in the retry list when WAITING */
	bool dirty, waiting, reported;
	bool unlinked;              /* its file went since we last looked */
	struct netns_id id;         /* when REPORTED */
	unsigned tries;             /* retries so far */
	uint64_t retry_at;          /* CLOCK_MONOTONIC ns */
	char name[];
};

/* An event to tell, with NETNS_WATCH_ENTRIES. */
struct tell {
	struct tell *next;
	unsigned event;
	char name[];
};

struct netns_watch {
	char *dir;
	bool entries;               /* NETNS_WATCH_ENTRIES */
	struct tell *tell, **tell_tail; /* the events not told yet */
	int epfd, inotify, timer;
	int spare;                  /* see look() */
	void *names;                /* tsearch() tree of struct wname, by name */
	struct wname *dirty, **dirty_tail;
	struct wname *waiting;
	bool rescan;                /* everything to be looked at again */
	bool lost;                  /* events were dropped, not told yet */
	bool gone;                  /* the run directory was removed or moved */
};

static int process(struct netns_watch *w, netns_watch_cb cb, void *data);
static int tell_push(struct netns_watch *w, unsigned event, const char *name);
static int entries_sync(struct netns_watch *w, bool tell);

static int wname_cmp(const void *a, const void *b)
{
	return strcmp(((const struct wname *)a)->name, ((const struct wname *)b)->name);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void queue(struct netns_watch *w, struct wname *e)
{
	if (e->dirty)
		return;
	e->dirty = true;
	e->next_dirty = NULL;
	*w->dirty_tail = e;
	w->dirty_tail = &e->next_dirty;
}

static void unqueue_head(struct netns_watch *w)
{
	struct wname *e = w->dirty;

	w->dirty = e->next_dirty;
	if (!w->dirty)
		w->dirty_tail = &w->dirty;
	e->dirty = false;
}

static void wait_unlink(struct netns_watch *w, struct wname *e)
{
	if (!e->waiting)
		return;
	if (e->prev_wait)
		e->prev_wait->next_wait = e->next_wait;
	else
		w->waiting = e->next_wait;
	if (e->next_wait)
		e->next_wait->prev_wait = e->prev_wait;
	e->waiting = false;
}

/* Queues NAME to be looked at, adding it to the tree, for inotify event
 * MASK (0: a scan). -ENOMEM. */
static int touch(struct netns_watch *w, const char *name, uint32_t mask)
{
	size_t len = strlen(name);
	struct wname *e = malloc(sizeof(*e) + len + 1), **node;

	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len + 1);
	node = tsearch(e, &w->names, wname_cmp);
	if (!node) {
		free(e);
		return -ENOMEM;
	}
	if (*node != e)
		free(e);
	e = *node;
	if (mask & (IN_CREATE | IN_MOVED_TO))
		e->tries = 0; /* created again: back to quick retries */
	/* Deleted and made again: news even if the new namespace got the
	 * freed one's inode number (nsfs reuses them). */
	if (mask & (IN_DELETE | IN_MOVED_FROM))
		e->unlinked = true;
	queue(w, e);
	return 0;
}

enum look { LOOK_NONE, LOOK_NS, LOOK_WAIT };

/* What NAME is now: a namespace (its id in *RET_ID), a placeholder or a file
 * we could not open for want of fds (look again later), or nothing to us:
 * gone, a directory, a symbolic link, a non-empty file. */
static enum look look(struct netns_watch *w, const struct wname *e, struct netns_id *ret_id)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, r;

	r = snprintf(path, sizeof(path), "%s/%s", w->dir, e->name);
	if (r < 0 || (size_t)r >= sizeof(path) || netns_name_check(e->name) < 0)
		return LOOK_NONE;
	if (lstat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? LOOK_NONE : LOOK_WAIT;
	if (!S_ISREG(st.st_mode))
		return LOOK_NONE;
	/* The same nsfs inode is the same namespace: no open needed. */
	if (e->reported && (uint64_t)st.st_dev == e->id.dev && (uint64_t)st.st_ino == e->id.ino) {
		*ret_id = e->id;
		return LOOK_NS;
	}
	fd = nsi_open_nsfs(path, AT_FDCWD, O_NOFOLLOW);
	/* Out of fds (a server full of listeners): the fd kept spare for
	 * this lets the name be told, so that the caller knows it waits. It
	 * is the accept(2) EMFILE trick of libev and nginx. */
	if ((fd == -EMFILE || fd == -ENFILE) && w->spare >= 0) {
		close(w->spare);
		w->spare = -1;
		fd = nsi_open_nsfs(path, AT_FDCWD, O_NOFOLLOW);
	}
	if (fd >= 0) {
		r = netns_fd_id(fd, ret_id);
		close(fd);
	}
	if (w->spare < 0)
		w->spare = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return r < 0 ? LOOK_WAIT : LOOK_NS;
	if (fd == -ENOENT)
		return LOOK_NONE;
	if (fd == -EMEDIUMTYPE && st.st_size > 0)
		return LOOK_NONE; /* a file with content is no placeholder */
	return LOOK_WAIT;      /* a placeholder, or EMFILE and the like */
}

static int dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Queues every directory entry, in strcmp() order. */
static int scan(struct netns_watch *w)
{
	struct dirent **list;
	int n, r = 0;

	n = scandir(w->dir, &list, NULL, dirent_cmp);
	if (n < 0)
		return negerrno();
	for (int i = 0; i < n; i++) {
		if (r == 0 && list[i]->d_type != DT_DIR && netns_name_check(list[i]->d_name) == 0)
			r = touch(w, list[i]->d_name, 0);
		free(list[i]);
	}
	free(list);
	return r;
}

static void queue_node(const void *node, VISIT which, void *data)
{
	struct netns_watch *w = data;

	if (which == postorder || which == leaf)
		queue(w, *(struct wname *const *)node);
}

/* Looks again at everything: names we know of, then what is there. */
static int rescan(struct netns_watch *w)
{
	int r;

	/* NETNS_WATCH_ENTRIES: LOST first, then what changed meanwhile. */
	if (w->entries) {
		if (w->lost && tell_push(w, NETNS_WATCH_LOST, "") < 0) {
			w->rescan = true;
			return -ENOMEM;
		}
		w->lost = false;
		return entries_sync(w, true);
	}
	twalk_r(w->names, queue_node, w);
	r = scan(w);
	w->rescan = r < 0;
	return r;
}

/* NETNS_WATCH_ENTRIES: the names told present are the tree's, each
 * REPORTED, or not when it was there untold when the watch began (its
 * deletion is still news). */

/* Queues EVENT about NAME to be told. -ENOMEM. */
static int tell_push(struct netns_watch *w, unsigned event, const char *name)
{
	size_t len = strlen(name);
	struct tell *t = malloc(sizeof(*t) + len + 1);

	if (!t)
		return -ENOMEM;
	t->next = NULL;
	t->event = event;
	memcpy(t->name, name, len + 1);
	*w->tell_tail = t;
	w->tell_tail = &t->next;
	return 0;
}

static struct wname *entry_find(struct netns_watch *w, const char *name)
{
	union {
		struct wname e;
		char buf[sizeof(struct wname) + NAME_MAX + 1];
	} key;
	struct wname **node;

	if (strlen(name) > NAME_MAX)
		return NULL;
	strcpy(key.e.name, name);
	node = tfind(&key.e, &w->names, wname_cmp);
	return node ? *node : NULL;
}

/* NAME is there: told added unless it was told already, or is there untold
 * and TELL is false (the scan when the watch begins). -ENOMEM. */
static int entry_add(struct netns_watch *w, const char *name, bool tell)
{
	struct wname *e = entry_find(w, name), **node;
	size_t len = strlen(name);
	bool made = !e;

	if (e && (e->reported || !tell))
		return 0;
	if (made) {
		e = calloc(1, sizeof(*e) + len + 1);
		if (!e)
			return -ENOMEM;
		memcpy(e->name, name, len + 1);
		node = tsearch(e, &w->names, wname_cmp);
		if (!node) {
			free(e);
			return -ENOMEM;
		}
	}
	/* The tree holds only what was queued to be told, so that a name
	 * lost here (out of memory) is found by the rescan that follows. */
	if (tell && tell_push(w, NETNS_WATCH_ADDED, name) < 0) {
		if (made) {
			tdelete(e, &w->names, wname_cmp);
			free(e);
		}
		return -ENOMEM;
	}
	e->reported = tell;
	return 0;
}

/* NAME went: told deleted if it was there. -ENOMEM. */
static int entry_delete(struct netns_watch *w, const char *name)
{
	struct wname *e = entry_find(w, name);
	int r;

	if (!e)
		return 0; /* a rescan told it already */
	r = tell_push(w, NETNS_WATCH_DELETED, name);
	if (r < 0)
		return r;
	tdelete(e, &w->names, wname_cmp);
	free(e);
	return 0;
}

/* One inotify event about NAME. A rename onto a name told present replaces
 * it without an IN_DELETE: deleted, then added. */
static int entry_event(struct netns_watch *w, const char *name, uint32_t mask)
{
	int r = 0;

	if (mask & (IN_DELETE | IN_MOVED_FROM))
		return entry_delete(w, name);
	if (mask & IN_MOVED_TO) {
		struct wname *e = entry_find(w, name);

		if (e && e->reported)
			r = entry_delete(w, name);
	}
	if (r >= 0 && (mask & (IN_CREATE | IN_MOVED_TO)))
		r = entry_add(w, name, true);
	return r;
}

struct collect {
	struct dirent **list;       /* the directory, in strcmp() order */
	int n;
	const char **gone;          /* names in the tree, not in the list */
	size_t ngone;
};

static int dirent_name_cmp(const void *key, const void *d)
{
	return strcmp(key, (*(struct dirent *const *)d)->d_name);
}

static void collect_gone(const void *node, VISIT which, void *data)
{
	struct collect *c = data;
	const struct wname *e = *(struct wname *const *)node;

	if ((which == postorder || which == leaf) &&
	    !bsearch(e->name, c->list, (size_t)c->n, sizeof(*c->list), dirent_name_cmp))
		c->gone[c->ngone++] = e->name;
}

static void count_node(const void *node, VISIT which, void *data)
{
	(void)node;
	if (which == postorder || which == leaf)
		++*(size_t *)data;
}

/* Makes the names told present what the directory holds, telling the
 * differences (TELL false: the first look, the names there untold), names
 * gone first, in strcmp() order. Another failure leaves W->rescan set. */
static int entries_sync(struct netns_watch *w, bool tell)
{
	struct collect c = { 0 };
	size_t size = 0;
	int r = 0;

	c.n = scandir(w->dir, &c.list, NULL, dirent_cmp);
	if (c.n < 0)
		return negerrno();
	twalk_r(w->names, count_node, &size);
	c.gone = malloc((size ? size : 1) * sizeof(*c.gone));
	if (!c.gone) {
		r = -ENOMEM;
		goto out;
	}
	twalk_r(w->names, collect_gone, &c);
	for (size_t i = 0; i < c.ngone && r >= 0; i++)
		r = entry_delete(w, c.gone[i]);
	/* A name there untold since the watch began stays untold. */
	for (int i = 0; i < c.n && r >= 0; i++)
		if (c.list[i]->d_type != DT_DIR && netns_name_check(c.list[i]->d_name) == 0 &&
		    !entry_find(w, c.list[i]->d_name))
			r = entry_add(w, c.list[i]->d_name, tell);
out:
	free(c.gone);
	for (int i = 0; i < c.n; i++)
		free(c.list[i]);
	free(c.list);
	w->rescan = r < 0;
	return r;
}

static void timer_at(struct netns_watch *w, uint64_t at)
{
	struct itimerspec it = { 0 };

	if (at) {
		/* Absolute time: a deadline already past fires at once. */
		it.it_value.tv_sec = (time_t)(at / 1000000000);
		it.it_value.tv_nsec = (long)(at % 1000000000);
	}
	timerfd_settime(w->timer, TFD_TIMER_ABSTIME, &it, NULL);
}

/* Arms the timer for the earliest retry, at once when names are left
 * queued (so that the fd stays readable), or disarms it. A rescan that
 * failed (out of fds or memory) is tried again a little later. */
static void timer_arm(struct netns_watch *w)
{
	uint64_t first = w->rescan ? now_ns() + 100 * 1000000 : 0;

	if (w->dirty || w->tell) {
		timer_at(w, 1);
		return;
	}
	for (struct wname *e = w->waiting; e; e = e->next_wait)
		if (!first || e->retry_at < first)
			first = e->retry_at;
	timer_at(w, first);
}

static void wname_free(void *p)
{
	free(p);
}

NETNS_EXPORT void netns_watch_free(struct netns_watch *w)
{
	if (!w)
		return;
	while (w->tell) {
		struct tell *t = w->tell;

		w->tell = t->next;
		free(t);
	}
	tdestroy(w->names, wname_free);
	if (w->spare >= 0)
		close(w->spare);
	if (w->timer >= 0)
		close(w->timer);
	if (w->inotify >= 0)
		close(w->inotify);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->dir);
	free(w);
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? negerrno() : 0;
}

NETNS_EXPORT int netns_watch_open(struct netns_rundir *rd, unsigned flags,
				  struct netns_watch **ret)
{
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
			      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
	struct netns_watch *w;
	const char *dir;
	int r;

	nsi_error_set(NULL);
	if (!ret || (flags & ~(unsigned)(NETNS_WATCH_EXISTING | NETNS_WATCH_ENTRIES)))
		return -EINVAL;
	r = nsi_rundir_dir(rd, &dir);
	if (r < 0)
		return r;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->epfd = w->inotify = w->timer = w->spare = -1;
	w->dirty_tail = &w->dirty;
	w->tell_tail = &w->tell;
	w->entries = flags & NETNS_WATCH_ENTRIES;
	w->dir = strdup(dir);
	if (!w->dir) {
		r = -ENOMEM;
		goto fail;
	}
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->spare = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->epfd < 0 || w->inotify < 0 || w->timer < 0 || w->spare < 0) {
		r = negerrno();
		goto fail;
	}
	/* Made only when missing: watching needs no privilege otherwise. */
	if (inotify_add_watch(w->inotify, dir, mask) < 0) {
		r = errno == ENOENT ? netns_rundir_create_at(rd) : negerrno();
		if (r < 0)
			goto fail;
		if (inotify_add_watch(w->inotify, dir, mask) < 0) {
			r = negerrno();
			goto fail;
		}
	}
	r = epoll_add(w->epfd, w->inotify);
	if (r >= 0)
		r = epoll_add(w->epfd, w->timer);
	if (r < 0)
		goto fail;
	/* After the watch, so that nothing falls between the two. Without
	 * NETNS_WATCH_EXISTING the names there now are recorded untold: their
	 * deletion is news, their presence is not. */
	if (w->entries) {
		r = entries_sync(w, flags & NETNS_WATCH_EXISTING);
	} else {
		r = scan(w);
		if (r >= 0 && !(flags & NETNS_WATCH_EXISTING))
			r = process(w, NULL, NULL);
	}
	if (r < 0)
		goto fail;
	timer_arm(w);
	*ret = w;
	return 0;
fail:
	netns_watch_free(w);
	return r;
}

NETNS_EXPORT int netns_watch_fd(const struct netns_watch *w)
{
	return w ? w->epfd : -EINVAL;
}

/* Reads the inotify queue dry, queueing the names it mentions (with
 * NETNS_WATCH_ENTRIES, the events to tell). The buffer holds hundreds of
 * events, and the loop reads until the queue is empty, so that a burst is
 * read in one dispatch. */
static int read_events(struct netns_watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;
	int r = 0;

	while ((len = read(w->inotify, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			p += sizeof(*e) + e->len;
			if (e->mask & IN_Q_OVERFLOW) {
				w->rescan = true;
				w->lost = w->entries;
				/* Told in order: the dropped events come
				 * before the ones queued after this. A
				 * failure leaves W->rescan set. */
				if (w->entries)
					rescan(w);
			}
			if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				w->gone = true;
			/* Out of memory: a rescan catches up later. The
			 * told set stays true to what was told, so that
			 * with NETNS_WATCH_ENTRIES the events that follow
			 * are still told (an overflow's rescan in between
			 * would clear W->rescan). */
			if (!e->len || (e->mask & IN_ISDIR) || (r < 0 && !w->entries))
				continue;
			if ((w->entries ? entry_event(w, e->name, e->mask)
					: touch(w, e->name, e->mask)) < 0) {
				r = -ENOMEM;
				w->rescan = true;
				w->lost = w->entries;
			}
		}
	}
	if (len < 0 && errno != EAGAIN && errno != EINTR)
		return negerrno();
	return r;
}

/* Looks at the first queued name and tells what changed, if anything:
 * returns the event (0: none), with the name copied to NAME and its id in
 * *RET_ID. Leaves the name queued when a second event follows (deleted,
 * then added as another namespace); frees names that are nothing to us. */
static unsigned step(struct netns_watch *w, char name[static NAME_MAX + 1],
		     struct netns_id *ret_id)
{
	struct wname *e = w->dirty;
	struct netns_id id;
	enum look l = look(w, e, &id);
	unsigned ev = 0;
	bool unlinked = e->unlinked;

	e->unlinked = false;
	snprintf(name, NAME_MAX + 1, "%s", e->name);
	if (e->reported && (l != LOOK_NS || !netns_id_equal(&id, &e->id) || unlinked)) {
		ev = NETNS_WATCH_DELETED;
		*ret_id = e->id;
		e->reported = false;
		if (l == LOOK_NS)
			return ev; /* ADDED next, from the queue */
	} else if (!e->reported && l == LOOK_NS) {
		ev = NETNS_WATCH_ADDED;
		*ret_id = e->id = id;
		e->reported = true;
	}
	unqueue_head(w);
	if (l == LOOK_WAIT) {
		unsigned ms = e->tries < 9 ? RETRY_FIRST_MS << e->tries : RETRY_MAX_MS;

		e->tries++;
		e->retry_at = now_ns() + (uint64_t)(ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS) * 1000000;
		if (!e->waiting) {
			e->waiting = true;
			e->prev_wait = NULL;
			e->next_wait = w->waiting;
			if (w->waiting)
				w->waiting->prev_wait = e;
			w->waiting = e;
		}
		return ev;
	}
	wait_unlink(w, e);
	e->tries = 0;
	if (l == LOOK_NONE) {
		tdelete(e, &w->names, wname_cmp);
		free(e);
	}
	return ev;
}

/* Looks at the queued names in turn, telling CB (NULL: nobody) what
 * changed. Returns the number of events, or CB's negative value. */
static int process(struct netns_watch *w, netns_watch_cb cb, void *data)
{
	static const struct netns_id none;
	int n = 0;

	while (w->entries && w->tell) {
		struct tell *t = w->tell;
		int r;

		w->tell = t->next;
		if (!w->tell)
			w->tell_tail = &w->tell;
		n++;
		r = cb(t->event, t->name, &none, data);
		free(t);
		if (r < 0)
			return r;
	}
	while (w->dirty) {
		char name[NAME_MAX + 1];
		struct netns_id id;
		unsigned ev = step(w, name, &id);
		int r;

		if (!ev || !cb)
			continue;
		n++;
		r = cb(ev, name, &id, data);
		if (r < 0)
			return r;
	}
	return n;
}

NETNS_EXPORT int netns_watch_dispatch(struct netns_watch *w, netns_watch_cb cb, void *data)
{
	uint64_t ticks, now;
	int r;

	nsi_error_set(NULL);
	if (!w || !cb)
		return -EINVAL;
	if (w->gone)
		return -ENOENT;
	(void)!read(w->timer, &ticks, sizeof(ticks));
	r = read_events(w);
	if (w->gone) {
		timer_at(w, 0);
		return -ENOENT;
	}
	if (w->rescan) {
		int rs = rescan(w);

		r = r < 0 ? r : rs;
	}
	now = now_ns();
	for (struct wname *e = w->waiting; e; e = e->next_wait)
		if (e->retry_at <= now)
			queue(w, e);
	if (r >= 0)
		r = process(w, cb, data);
	timer_arm(w);
	return r;
}
