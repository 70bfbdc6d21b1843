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

	nsi_error_set(NULL);
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
		/* -ENOENT: a zombie, in no namespace; -EACCES; -ESRCH. */
		return r < 0 ? r : -ESRCH;
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

/* Walks the threads of the process whose /proc directory is PIDFD and calls
 * CB for each whose namespace can be read. Returns CB's negative value, or
 * the number of threads reported; *RET_ERR then tells why a thread could
 * not be read (-ENOENT: it has exited or is exiting, as a zombie has no
 * namespace; any other error, -EACCES say, wins over -ENOENT), or is 0. */
static int process_walk(int pidfd, pid_t pid, netns_thread_cb cb, void *data, int *ret_err)
{
	struct netns_thread t = { .pid = pid };
	struct dirent *de;
	int taskfd, r = 0, n = 0;
	DIR *d;

	*ret_err = 0;
	taskfd = openat(pidfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (taskfd < 0) {
		*ret_err = negerrno();
		return 0;
	}
	d = fdopendir(taskfd);
	if (!d) {
		*ret_err = negerrno();
		close(taskfd);
		return 0;
	}
	/* Divergence is measured against the main thread. When it has exited
	 * while others run on (a zombie leader: its ns/net is gone), against
	 * the first live thread instead, so that a process whose remaining
	 * threads sit in two namespaces is still flagged. */
	if (id_at(pidfd, "ns/net", &t.main) < 0) {
		while ((de = readdir(d))) {
			char path[48];
			pid_t tid = parse_pid(de->d_name);

			snprintf(path, sizeof(path), "%d/ns/net", (int)tid);
			if (tid && id_at(taskfd, path, &t.main) == 0)
				break;
		}
		rewinddir(d);
	}
	while ((de = readdir(d))) {
		char path[48];
		int e;

		t.tid = parse_pid(de->d_name);
		if (!t.tid)
			continue;
		snprintf(path, sizeof(path), "%d/ns/net", (int)t.tid);
		e = id_at(taskfd, path, &t.id);
		if (e < 0) {
			if (!*ret_err || *ret_err == -ENOENT)
				*ret_err = e;
			continue;
		}
		read_comm(taskfd, t.tid, t.comm);
		n++;
		r = cb(&t, data);
		if (r < 0)
			break;
	}
	closedir(d);
	return r < 0 ? r : n;
}

/* The thread group (process) that thread TID belongs to, from the Tgid line
 * of /proc/TID/status, or 0 when it cannot be read. */
static pid_t read_tgid(int pidfd)
{
	char buf[1024], *p;
	ssize_t n;
	int fd;

	fd = openat(pidfd, "status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	if (!p)
		return 0;
	p += strlen("\nTgid:");
	p += strspn(p, " \t");
	p[strcspn(p, "\n")] = '\0';
	return parse_pid(p);
}

static int open_pid_dir(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? (errno == ENOENT ? -ESRCH : negerrno()) : fd;
}

/* One process, given by the user: unlike in a walk of all processes, a
 * process none of whose threads can be read is an error, not an empty list. */
static int process_one(pid_t pid, netns_thread_cb cb, void *data)
{
	_cleanup_close_ int pidfd = -1;
	pid_t tgid;
	int r, err;

	pidfd = open_pid_dir(pid);
	if (pidfd < 0)
		return pidfd;
	/* /proc/TID exists for every thread, hidden from readdir, and its
	 * task/ lists the whole thread group while its ns/net is the thread's
	 * own: walking it would report TID as the process and measure
	 * divergence against that thread. Walk its process instead. */
	tgid = read_tgid(pidfd);
	if (tgid && tgid != pid) {
		close(pidfd);
		pid = tgid;
		pidfd = open_pid_dir(pid);
		if (pidfd < 0)
			return pidfd;
	}
	r = process_walk(pidfd, pid, cb, data, &err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (err == -ENOENT || err == 0) {
		struct stat st;

		/* No thread left with a namespace: a zombie if /proc/PID is
		 * still there, otherwise it exited during the walk. */
		return fstatat(pidfd, "stat", &st, 0) == 0 ? -ENOENT : -ESRCH;
	}
	return err;
}

NETNS_EXPORT int netns_thread_foreach(pid_t pid, netns_thread_cb cb, void *data)
{
	struct dirent *de;
	DIR *d;
	int r = 0, err;

	nsi_error_set(NULL);
	if (pid < 0 || !cb)
		return -EINVAL;
	if (pid > 0)
		return process_one(pid, cb, data);
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
		/* Here unreadable and vanished processes are skipped. */
		r = process_walk(pidfd, p, cb, data, &err);
		close(pidfd);
		if (r < 0)
			break;
	}
	closedir(d);
	return r < 0 ? r : 0;
}
