/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Named namespaces: RUNDIR/NAME is a bind mount of an nsfs inode, as in iproute2. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"

/* Creates the empty file a name's mount sits on; EEXIST if the name is taken. */
static int placeholder_create(const char *path)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);

	if (fd < 0)
		return negerrno();
	close(fd);
	return 0;
}

/* Detaches whatever is mounted on a name; EINVAL means nothing (left). */
static int name_unmount(const char *path)
{
	/* Loop: a name mounted twice (Debian bug 949235) needs two unmounts. */
	for (int i = 0; i < 16; i++) {
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			continue;
		return errno == EINVAL ? 0 : negerrno();
	}
	return 0;
}

/* Makes NAME from a throwaway thread: unshare moves the thread into a new
 * namespace, which is bind-mounted on a new placeholder. Nothing is left of
 * a name that fails half-way. */
static int add_one_here(const char *name, unsigned flags, int *ret_fd)
{
	char path[PATH_MAX];
	int r, fd = -1;

	r = netns_rundir_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	r = placeholder_create(path);
	if (r < 0)
		return r;
	if (unshare(CLONE_NEWNET) < 0 ||
	    mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = negerrno();
	if (r >= 0 && (flags & NETNS_ADD_LO_UP))
		r = netns_link_set_up(-1, "lo", true);
	if (r >= 0 && ret_fd) {
		fd = netns_fd_open_current();
		r = fd < 0 ? fd : 0;
	}
	if (r < 0) {
		/* Undo the half-made name whatever the unmount says: the file must go. */
		(void)name_unmount(path);
		unlink(path);
		return r;
	}
	if (ret_fd)
		*ret_fd = fd;
	return 0;
}

struct add_job {
	const char *const *names;
	size_t n, done;
	unsigned flags;
	int *ret_fd;
};

static int add_here(void *p)
{
	struct add_job *job = p;

	for (; job->done < job->n; job->done++) {
		int r = add_one_here(job->names[job->done], job->flags, job->ret_fd);

		if (r < 0)
			return r;
	}
	return 0;
}

/* One throwaway thread for all of NAMES: a thread start per name cost as
 * much as the namespace itself here (docs/benchmarks.md). */
static int add_names(const char *const *names, size_t n, unsigned flags, int *ret_fd,
		     size_t *ret_done)
{
	struct add_job job = { .names = names, .n = n, .flags = flags, .ret_fd = ret_fd };
	int r;

	if (flags & ~(unsigned)NETNS_ADD_LO_UP)
		return -EINVAL;
	r = netns_rundir_create();
	if (r >= 0)
		r = netns_thread_run(NETNS_THREAD_HERE, add_here, &job);
	if (ret_done)
		*ret_done = job.done;
	return r;
}

NETNS_EXPORT int netns_name_add(const char *name, unsigned flags, int *ret_fd)
{
	int r = netns_name_check(name);

	if (r < 0)
		return r;
	return add_names(&name, 1, flags, ret_fd, NULL);
}

NETNS_EXPORT int netns_name_add_many(const char *const *names, size_t n, unsigned flags,
				     size_t *ret_added)
{
	if (n && !names)
		return -EINVAL;
	return add_names(names, n, flags, NULL, ret_added);
}

NETNS_EXPORT int netns_name_attach_fd(const char *name, int fd)
{
	char path[PATH_MAX], src[64];
	int r;

	r = netns_rundir_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	r = netns_rundir_create();
	if (r < 0)
		return r;
	r = placeholder_create(path);
	if (r < 0)
		return r;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		r = negerrno();
		unlink(path);
		return r;
	}
	return 0;
}

NETNS_EXPORT int netns_name_attach(const char *name, pid_t pid, pid_t tid)
{
	_cleanup_close_ int fd = -1;
	int r = netns_name_check(name);

	if (r < 0)
		return r;
	fd = netns_fd_open_tid(pid, tid);
	if (fd < 0)
		return fd;
	return netns_name_attach_fd(name, fd);
}

NETNS_EXPORT int netns_name_delete(const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	r = netns_rundir_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	if (lstat(path, &st) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* never remove what is not a name, a directory say */
	r = name_unmount(path);
	if (r < 0)
		return r;
	return unlink(path) < 0 ? negerrno() : 0;
}

struct entry {
	char *name;
	struct netns_id id;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* Reads the run directory: every entry that is a network namespace, sorted. */
static int entries_read(struct entry **ret, size_t *ret_n)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(netns_rundir_get());
	if (!d) {
		if (errno != ENOENT)
			return negerrno();
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_close_ int fd = -1;
		struct netns_id id;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		fd = netns_open_nsfs(de->d_name, dirfd(d), O_NOFOLLOW); /* a symlink is no name */
		if (fd < 0 || netns_fd_id(fd, &id) < 0)
			continue; /* a placeholder or a file that vanished */
		if (n == cap) {
			struct entry *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n].name = strdup(de->d_name);
		if (!v[n].name) {
			r = -ENOMEM;
			break;
		}
		v[n++].id = id;
	}
	if (!de && errno && r == 0)
		r = negerrno();
	closedir(d);
	if (r < 0) {
		entries_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), entry_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Calls CB for each entry, or for those with id MATCH; returns the count. */
static int entries_walk(const struct netns_id *match, netns_name_cb cb, void *data)
{
	struct entry *v;
	size_t n;
	int r, found = 0;

	r = entries_read(&v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (match && !netns_id_equal(match, &v[i].id))
			continue;
		found++;
		r = cb ? cb(v[i].name, &v[i].id, data) : 0;
		if (r < 0)
			break;
	}
	entries_free(v, n);
	return r < 0 ? r : found;
}

NETNS_EXPORT int netns_name_foreach(netns_name_cb cb, void *data)
{
	int r = entries_walk(NULL, cb, data);

	return r < 0 ? r : 0;
}

NETNS_EXPORT int netns_name_find(const struct netns_id *id, netns_name_cb cb, void *data)
{
	if (!id)
		return -EINVAL;
	return entries_walk(id, cb, data);
}
