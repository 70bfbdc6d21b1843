/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Namespace handles: opening nsfs files and telling namespaces apart. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/nsfs.h>

#include "internal.h"

NETNS_EXPORT int netns_fd_check(int fd)
{
	int type = ioctl(fd, NS_GET_NSTYPE);

	nsi_error_set(NULL);
	if (type < 0)
		/* ENOTTY: not an nsfs file (a regular file, a placeholder). */
		return errno == EBADF ? -EBADF : -EMEDIUMTYPE;
	return type == CLONE_NEWNET ? 0 : -EMEDIUMTYPE;
}

/* Opens PATH relative to DIRFD (with extra open FLAGS) and keeps it only if
 * it is a network namespace. */
int nsi_open_nsfs(const char *path, int dirfd, int flags)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	int r;

	if (fd < 0)
		/* ELOOP: a symlink opened with O_NOFOLLOW, which is no namespace. */
		return errno == ELOOP && (flags & O_NOFOLLOW) ? -EMEDIUMTYPE : negerrno();
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

NETNS_EXPORT int netns_fd_open_path(const char *path)
{
	nsi_error_set(NULL);
	if (!path || !*path)
		return -EINVAL;
	return nsi_open_nsfs(path, AT_FDCWD, 0);
}

NETNS_EXPORT int netns_fd_open_name_at(const struct netns_rundir *rd, const char *name)
{
	char path[PATH_MAX];
	int r = nsi_rundir_name_path(rd, name, path, sizeof(path));

	nsi_error_set(NULL);
	if (r < 0)
		return r;
	return nsi_open_nsfs(path, AT_FDCWD, O_NOFOLLOW); /* names are mounts, not links */
}

NETNS_EXPORT int netns_fd_open_name(const char *name)
{
	return netns_fd_open_name_at(NULL, name);
}

NETNS_EXPORT int netns_fd_open_tid(pid_t pid, pid_t tid)
{
	char path[64];
	int fd;

	nsi_error_set(NULL);
	if (pid <= 0 || tid < 0)
		return -EINVAL;
	if (tid == 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/net", (int)pid, (int)tid);
	fd = nsi_open_nsfs(path, AT_FDCWD, 0);
	return fd == -ENOENT ? -ESRCH : fd;
}

#ifndef PIDFD_GET_NET_NAMESPACE /* linux/pidfd.h of Linux 6.11; Debian 12 has 6.1's */
#define PIDFD_GET_NET_NAMESPACE _IO(0xFF, 4)
#endif

/* The PID a pidfd refers to, from its fdinfo: > 0, or a negative errno
 * (-ESRCH once the process has been reaped, -EBADF for another fd). */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], line[128];
	pid_t pid = -EBADF;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -EBADF : negerrno();
	while (fgets(line, sizeof(line), f)) {
		int v;

		if (sscanf(line, "Pid: %d", &v) == 1) {
			pid = v > 0 ? v : -ESRCH; /* -1: reaped */
			break;
		}
	}
	fclose(f);
	return pid;
}

NETNS_EXPORT int netns_fd_open_pidfd(int pidfd)
{
	_cleanup_close_ int fd = -1;
	pid_t pid;

	nsi_error_set(NULL);
	if (pidfd < 0)
		return -EBADF;
	/* Linux 6.11 and later hand out the namespace of the pidfd's task. */
	fd = ioctl(pidfd, PIDFD_GET_NET_NAMESPACE, 0);
	if (fd >= 0) {
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return negerrno();
		return TAKE_FD(fd);
	}
	if (errno == ESRCH || errno == EBADF || errno == EPERM || errno == EACCES)
		return negerrno();
	/* Older kernels: open /proc/PID/ns/net, then make sure the process
	 * was alive all along, so the PID cannot have been reused meanwhile. */
	pid = pidfd_pid(pidfd);
	if (pid < 0)
		return pid;
	fd = netns_fd_open_pid(pid);
	if (fd < 0)
		return fd;
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return errno == ESRCH ? -ESRCH : negerrno();
	return TAKE_FD(fd);
}

NETNS_EXPORT int netns_fd_open_pid(pid_t pid)
{
	return netns_fd_open_tid(pid, 0);
}

NETNS_EXPORT int netns_fd_open_current(void)
{
	nsi_error_set(NULL);
	/* /proc/self would name the main thread's namespace, not ours. */
	return nsi_open_nsfs("/proc/thread-self/ns/net", AT_FDCWD, 0);
}

NETNS_EXPORT int netns_fd_id(int fd, struct netns_id *ret_id)
{
	struct stat st;
	int r = netns_fd_check(fd);

	nsi_error_set(NULL);
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

	nsi_error_set(NULL);
	r = netns_fd_id(a, &ia);
	if (r < 0)
		return r;
	r = netns_fd_id(b, &ib);
	if (r < 0)
		return r;
	return netns_id_equal(&ia, &ib);
}
