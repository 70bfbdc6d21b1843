/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scanning /proc thread by thread. Namespaces belong to threads, so looking
 * only at /proc/PID/ns/net (as ip netns pids/identify and lsns do) misses a
 * thread that switched on its own.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static int id_at(int dirfd, const char *path, struct netns_id *ret)
{
	struct stat st;

	/* stat follows the ns/net magic link to the nsfs inode. */
	if (fstatat(dirfd, path, &st, 0) < 0)
		return negerrno();
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	return 0;
}

static pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	if (*s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	return (*end || errno || v > INT32_MAX) ? 0 : (pid_t)v;
}

static int first_thread(const struct netns_thread *t, void *data)
{
	*(struct netns_id *)data = t->id;
	return -ECANCELED; /* stop at the first one */
}

NETNS_EXPORT int netns_thread_id(pid_t pid, pid_t tid, struct netns_id *ret_id)
{
	char path[64];
	int r;

	if (pid <= 0 || tid < 0)
		return -EINVAL;
	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/net", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	r = id_at(AT_FDCWD, path, ret_id);
	if (r == -ENOENT && tid == 0) {
		/* The main thread may have exited while other threads run on. */
		struct netns_id id;

		r = netns_thread_foreach(pid, first_thread, &id);
		if (r == -ECANCELED) {
			*ret_id = id;
			return 0;
		}
		return -ESRCH;
	}
	return r == -ENOENT ? -ESRCH : r;
}

static void read_comm(int taskfd, pid_t tid, char comm[16])
{
	char path[32];
	ssize_t n;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "%d/comm", (int)tid);
	fd = openat(taskfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, 15);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/* Walks the threads of the process whose /proc directory is PIDFD. */
static int process_walk(int pidfd, pid_t pid, netns_thread_cb cb, void *data)
{
	struct netns_thread t = { .pid = pid };
	struct dirent *de;
	int taskfd, r = 0;
	DIR *d;

	/* A main thread that exited while others run (a zombie leader) has no
	 * namespace to read: then main stays zero and the threads still count. */
	(void)id_at(pidfd, "ns/net", &t.main);
	taskfd = openat(pidfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (taskfd < 0)
		return 0;
	d = fdopendir(taskfd);
	if (!d) {
		close(taskfd);
		return 0;
	}
	while ((de = readdir(d))) {
		char path[48];

		t.tid = parse_pid(de->d_name);
		if (!t.tid)
			continue;
		snprintf(path, sizeof(path), "%d/ns/net", (int)t.tid);
		if (id_at(taskfd, path, &t.id) < 0)
			continue;
		read_comm(taskfd, t.tid, t.comm);
		r = cb(&t, data);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

NETNS_EXPORT int netns_thread_foreach(pid_t pid, netns_thread_cb cb, void *data)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (pid < 0 || !cb)
		return -EINVAL;
	if (pid > 0) {
		char path[32];
		int pidfd;

		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		pidfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pidfd < 0)
			return errno == ENOENT ? -ESRCH : negerrno();
		r = process_walk(pidfd, pid, cb, data);
		close(pidfd);
		return r;
	}
	d = opendir("/proc");
	if (!d)
		return negerrno();
	while ((de = readdir(d))) {
		pid_t p = parse_pid(de->d_name);
		int pidfd;

		if (!p)
			continue;
		pidfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pidfd < 0)
			continue;
		r = process_walk(pidfd, p, cb, data);
		close(pidfd);
		if (r < 0)
			break;
	}
	closedir(d);
	return r < 0 ? r : 0;
}
