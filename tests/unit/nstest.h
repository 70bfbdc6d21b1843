/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the library's unit tests: facts read straight from the
 * kernel (inodes, fd flags, mountinfo), and threads and processes parked in
 * a namespace until the test lets them go. Only .c files become tests.
 */
#ifndef NETNS_NSTEST_H
#define NETNS_NSTEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"

/* Refuses to run outside tests/run.sh: the tests mount and unshare, which
 * must die with the sandbox's private mount namespace. */
static inline void nstest_require_sandbox(void)
{
	if (geteuid() != 0 || !getenv("NETNS_SANDBOX")) {
		printf("1..0 # SKIP needs root inside tests/run.sh's sandbox\n");
		exit(0);
	}
}

/* A new empty directory under /tmp for a test's scratch run directory; the
 * caller frees the string. Bails out if none can be made. */
static inline char *nstest_scratch_dir(void)
{
	char *d = strdup("/tmp/netns-test.XXXXXX");

	if (!d || !mkdtemp(d)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	return d;
}

/* netns_name_add(NAME) with run directory DIR, in a child process that has
 * dropped CAP_SYS_ADMIN, as a non-root user lacks it. Returns its result. */
static inline int nstest_add_without_sys_admin(const char *dir, const char *name)
{
	int pipefd[2], r = 1, status;
	pid_t p;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	p = fork();
	if (p == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];

		if (syscall(SYS_capget, &hdr, data) < 0)
			_exit(2);
		data[0].effective &= ~(1u << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data) < 0)
			_exit(3);
		netns_rundir_set(dir);
		r = netns_name_add(name, 0, NULL);
		if (write(pipefd[1], &r, sizeof(r)) != sizeof(r))
			_exit(4);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &r, sizeof(r)) != sizeof(r))
		r = 1;
	close(pipefd[0]);
	waitpid(p, &status, 0);
	return r;
}

/* Starts the library's socket worker (lib/worker.c), which keeps one fd and
 * one thread for the life of the process once netns_socket() has been used:
 * tests that count fds or threads count from after this. */
static inline void nstest_start_worker(void)
{
	int fd = netns_fd_open_current();

	if (fd >= 0) {
		int s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);

		if (s >= 0)
			close(s);
		close(fd);
	}
}

/* The inode stat(2) reports for PATH (following /proc magic links), or 0. */
static inline unsigned long long ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static inline unsigned long long ino_of_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* The calling thread's namespace inode, from /proc/thread-self. */
static inline unsigned long long self_ino(void)
{
	return ino_of("/proc/thread-self/ns/net");
}

static inline bool is_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && (fl & FD_CLOEXEC);
}

static inline bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Number of open fds of this process. */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* Counts the mounts whose mount point is DIR in /proc/self/mountinfo, and
 * tells whether the last one is a shared peer ("shared:N"). */
static inline int count_mounts(const char *dir, bool *ret_shared)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return -1;
	if (ret_shared)
		*ret_shared = false;
	while (getline(&line, &cap, f) > 0) {
		char mp[PATH_MAX], *dash;

		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 || strcmp(mp, dir) != 0)
			continue;
		n++;
		dash = strstr(line, " - ");
		if (ret_shared) {
			char *sh = strstr(line, " shared:");

			*ret_shared = sh && (!dash || sh < dash);
		}
	}
	free(line);
	fclose(f);
	return n;
}

/* Unmounts everything stacked on PATH. */
static inline void umount_all(const char *path)
{
	for (int i = 0; i < 1024 && umount2(path, MNT_DETACH) == 0; i++)
		;
}

/* Removes every entry of DIR, unmounting names first. */
static inline void rundir_empty(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		umount_all(path);
		if (unlink(path) < 0)
			rmdir(path);
	}
	closedir(d);
}

/* Removes a scratch run directory: the names in every mount stacked on it,
 * the mounts, then the directory. */
static inline void rundir_destroy(const char *dir)
{
	for (int i = 0; i < 1024; i++) {
		rundir_empty(dir);
		if (umount2(dir, MNT_DETACH) < 0)
			break;
	}
	rundir_empty(dir);
	rmdir(dir);
}

/*
 * A thread parked in a namespace: it setns()es into FD (or unshares a new one
 * when FD < 0), records its tid and what netns_fd_open_current() shows it,
 * then waits until nsthread_stop().
 */
struct nsthread {
	pthread_t th;
	int fd;
	pid_t tid;
	int err;
	struct netns_id cur; /* netns_fd_open_current() seen from the thread */
	unsigned long long proc_ino; /* /proc/thread-self/ns/net from the thread */
	int ready[2], quit[2];
};

static inline void *nsthread_main(void *p)
{
	struct nsthread *t = p;
	char c;
	int fd;

	t->tid = gettid();
	if (t->fd >= 0 ? setns(t->fd, CLONE_NEWNET) < 0 : unshare(CLONE_NEWNET) < 0)
		t->err = -errno;
	fd = netns_fd_open_current();
	if (fd >= 0) {
		if (netns_fd_id(fd, &t->cur) < 0)
			t->err = t->err ? t->err : -EIO;
		close(fd);
	} else if (!t->err) {
		t->err = fd;
	}
	t->proc_ino = self_ino();
	if (write(t->ready[1], "r", 1) != 1)
		t->err = -EIO;
	while (read(t->quit[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static inline int nsthread_start(struct nsthread *t, int fd)
{
	char c;

	memset(t, 0, sizeof(*t));
	t->fd = fd;
	if (pipe2(t->ready, O_CLOEXEC) < 0 || pipe2(t->quit, O_CLOEXEC) < 0)
		return -errno;
	if (pthread_create(&t->th, NULL, nsthread_main, t) != 0)
		return -EAGAIN;
	if (read(t->ready[0], &c, 1) != 1)
		return -EIO;
	return t->err;
}

static inline void nsthread_stop(struct nsthread *t)
{
	close(t->quit[1]);
	pthread_join(t->th, NULL);
	close(t->quit[0]);
	close(t->ready[0]);
	close(t->ready[1]);
}

/* A child process parked in a namespace, the same way. */
struct nschild {
	pid_t pid;
	int quit;
};

static inline int nschild_start(struct nschild *c, int fd)
{
	int ready[2], quit[2];
	char b;

	c->pid = -1;
	c->quit = -1;
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(quit, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		close(ready[0]);
		close(quit[1]);
		if (fd >= 0 ? setns(fd, CLONE_NEWNET) < 0 : unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(quit[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(quit[0]);
	c->quit = quit[1];
	if (read(ready[0], &b, 1) != 1) {
		close(ready[0]);
		return -EIO;
	}
	close(ready[0]);
	return 0;
}

/* Lets the child go and reaps it; returns its exit status. */
static inline int nschild_stop(struct nschild *c)
{
	int status = 0;

	close(c->quit);
	if (waitpid(c->pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A pid that cannot exist: pid_max itself is never handed out. */
static inline pid_t pid_never(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	long v = 4194304;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 4194304;
		fclose(f);
	}
	return (pid_t)v;
}

#endif
