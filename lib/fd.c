/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Namespace handles: opening nsfs files and telling namespaces apart. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "internal.h"

NETNS_EXPORT int netns_fd_check(int fd)
{
	int type = ioctl(fd, NS_GET_NSTYPE);

	if (type < 0)
		/* ENOTTY: not an nsfs file (a regular file, a placeholder). */
		return errno == EBADF ? -EBADF : -EINVAL;
	return type == CLONE_NEWNET ? 0 : -EINVAL;
}

/* Opens PATH relative to DIRFD (with extra open FLAGS) and keeps it only if
 * it is a network namespace. */
int netns_open_nsfs(const char *path, int dirfd, int flags)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	int r;

	if (fd < 0)
		return negerrno();
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

NETNS_EXPORT int netns_fd_open_path(const char *path)
{
	if (!path || !*path)
		return -EINVAL;
	return netns_open_nsfs(path, AT_FDCWD, 0);
}

NETNS_EXPORT int netns_fd_open_name(const char *name)
{
	char path[PATH_MAX];
	int r = netns_rundir_path(name, path, sizeof(path));

	if (r < 0)
		return r;
	return netns_open_nsfs(path, AT_FDCWD, 0);
}

NETNS_EXPORT int netns_fd_open_tid(pid_t pid, pid_t tid)
{
	char path[64];
	int fd;

	if (pid <= 0 || tid < 0)
		return -EINVAL;
	if (tid == 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/net", (int)pid, (int)tid);
	fd = netns_open_nsfs(path, AT_FDCWD, 0);
	return fd == -ENOENT ? -ESRCH : fd;
}

NETNS_EXPORT int netns_fd_open_pid(pid_t pid)
{
	return netns_fd_open_tid(pid, 0);
}

NETNS_EXPORT int netns_fd_open_current(void)
{
	/* /proc/self would name the main thread's namespace, not ours. */
	return netns_open_nsfs("/proc/thread-self/ns/net", AT_FDCWD, 0);
}

NETNS_EXPORT int netns_fd_id(int fd, struct netns_id *ret_id)
{
	struct stat st;
	int r = netns_fd_check(fd);

	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return negerrno();
	ret_id->dev = st.st_dev;
	ret_id->ino = st.st_ino;
	return 0;
}

NETNS_EXPORT int netns_id_equal(const struct netns_id *a, const struct netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

NETNS_EXPORT int netns_fd_same(int a, int b)
{
	struct netns_id ia, ib;
	int r;

	r = netns_fd_id(a, &ia);
	if (r < 0)
		return r;
	r = netns_fd_id(b, &ib);
	if (r < 0)
		return r;
	return netns_id_equal(&ia, &ib);
}
