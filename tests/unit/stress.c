/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stress: 8 threads x 10,000 operations, netns_run and netns_socket mixed,
 * across 100 namespaces, while other threads keep creating threads. Then:
 * every thread is where it started, every socket was where it was asked to
 * be, and no fd leaked. Also built with ThreadSanitizer (make tsan).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "netns.h"
#include "nstest.h"

#define N_NS 100
#define N_WORKERS 8
#define N_OPS 10000
#define N_CREATORS 2

static int ns_fd[N_NS];
static ino_t ns_ino[N_NS];
static ino_t orig_ino;

static atomic_int workers_left = N_WORKERS;
static atomic_long run_ok, run_bad, sock_ok, sock_bad, op_err;
static atomic_long born, born_elsewhere;

static int threads_elsewhere(int *ret_total)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	char path[300];
	int n = 0, total = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/ns/net", de->d_name);
		total++;
		if (ino_of(path) != orig_ino)
			n++;
	}
	closedir(d);
	*ret_total = total;
	return n;
}

static ino_t sock_ino(int s)
{
	int nsfd = ioctl(s, SIOCGSKNS);
	struct stat st;
	ino_t ino = 0;

	if (nsfd < 0)
		return 0;
	if (fstat(nsfd, &st) == 0)
		ino = st.st_ino;
	close(nsfd);
	return ino;
}

static int where_am_i(void *arg)
{
	*(ino_t *)arg = ino_of("/proc/thread-self/ns/net");
	return 0;
}

static void *worker(void *arg)
{
	static const int kinds[4][3] = {
		{ AF_INET, SOCK_STREAM, 0 },
		{ AF_INET, SOCK_DGRAM, 0 },
		{ AF_INET6, SOCK_DGRAM, 0 },
		{ AF_NETLINK, SOCK_RAW, NETLINK_ROUTE },
	};
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;

	for (int i = 0; i < N_OPS; i++) {
		int n = rand_r(&seed) % N_NS, k = rand_r(&seed) % 5;

		if (k == 4) {
			ino_t got = 0;
			int r = netns_run(ns_fd[n], where_am_i, &got);

			if (r < 0)
				atomic_fetch_add(&op_err, 1);
			else if (got == ns_ino[n])
				atomic_fetch_add(&run_ok, 1);
			else
				atomic_fetch_add(&run_bad, 1);
		} else {
			int s = netns_socket(ns_fd[n], kinds[k][0], kinds[k][1], kinds[k][2]);

			if (s < 0) {
				atomic_fetch_add(&op_err, 1);
				continue;
			}
			if (sock_ino(s) == ns_ino[n])
				atomic_fetch_add(&sock_ok, 1);
			else
				atomic_fetch_add(&sock_bad, 1);
			close(s);
		}
	}
	atomic_fetch_sub(&workers_left, 1);
	return NULL;
}

static void *newborn(void *arg)
{
	(void)arg;
	atomic_fetch_add(&born, 1);
	if (ino_of("/proc/thread-self/ns/net") != orig_ino)
		atomic_fetch_add(&born_elsewhere, 1);
	return NULL;
}

/* Keeps creating threads while the workers run: none may be born elsewhere. */
static void *creator(void *arg)
{
	(void)arg;
	while (atomic_load(&workers_left) > 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, newborn, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

/*
 * The way back fails: in a user namespace that does not own the original
 * network namespace, the socket worker can enter a namespace of its own user
 * namespace but not return. Each such call must still make its socket, the
 * worker must retire (no thread stays astray), and the next call must work.
 * Runs in a fresh copy of this program (fork, then exec): unshare(CLONE_NEWUSER)
 * needs a single-threaded process, and ThreadSanitizer refuses threads in a
 * child forked from a multi-threaded one.
 */
#define N_USERNS_THREADS 4
#define N_USERNS_OPS 500

static int userns_fd;
static ino_t userns_ino;
static atomic_long userns_ok, userns_bad;

static void *unshare_net(void *arg)
{
	int *fd = arg;

	*fd = unshare(CLONE_NEWNET) < 0 ? -errno
					: open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return NULL;
}

static void *userns_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < N_USERNS_OPS; i++) {
		int s = netns_socket(userns_fd, AF_INET, SOCK_DGRAM, 0);

		if (s >= 0 && sock_ino(s) == userns_ino)
			atomic_fetch_add(&userns_ok, 1);
		else
			atomic_fetch_add(&userns_bad, 1);
		if (s >= 0)
			close(s);
		if (ino_of("/proc/thread-self/ns/net") != orig_ino)
			atomic_fetch_add(&userns_bad, 1);
	}
	return NULL;
}

/* Returns a bitmask of what went wrong; 0x80: no user namespaces here. */
static int userns_child(void)
{
	pthread_t t[N_USERNS_THREADS];
	int total = 0, bad = 0;
	struct stat st;

	if (unshare(CLONE_NEWUSER) < 0)
		return 0x80;
	pthread_create(&t[0], NULL, unshare_net, &userns_fd);
	pthread_join(t[0], NULL);
	if (userns_fd < 0 || fstat(userns_fd, &st) < 0)
		return 0x40;
	userns_ino = st.st_ino;
	for (int i = 0; i < N_USERNS_THREADS; i++)
		pthread_create(&t[i], NULL, userns_worker, NULL);
	for (int i = 0; i < N_USERNS_THREADS; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&userns_ok) != N_USERNS_THREADS * N_USERNS_OPS ||
	    atomic_load(&userns_bad) != 0)
		bad |= 1;
	if (threads_elsewhere(&total) != 0)
		bad |= 2;
	/* Every worker retired and was joined: only this thread (and TSan's). */
	if (total > 2)
		bad |= 4;
	return bad;
}

static void test_way_back_fails(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		execl("/proc/self/exe", "stress.t", "--way-back", (char *)NULL);
		_exit(0x40);
	}
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0x80) {
		ok(1, "# SKIP user namespaces are not available here");
		return;
	}
	if (!ok(WIFEXITED(status) && WEXITSTATUS(status) < 0x40,
		"the user namespace child ran (%d threads x %d sockets)", N_USERNS_THREADS,
		N_USERNS_OPS)) {
		diag("status 0x%x", status);
		return;
	}
	status = WEXITSTATUS(status);
	ok(!(status & 1), "where the way back fails, every socket is still made in its namespace");
	ok(!(status & 2), "and no thread is left in another namespace");
	ok(!(status & 4), "and every retired worker is gone");
}

int main(int argc, char **argv)
{
	pthread_t workers[N_WORKERS], creators[N_CREATORS];
	char name[64];
	int fds_before, threads_before = 0, total = 0;

	nstest_require_sandbox(); /* names go to the sandbox's /run/netns */
	orig_ino = ino_of("/proc/thread-self/ns/net");
	if (argc == 2 && strcmp(argv[1], "--way-back") == 0)
		return userns_child();
	for (int i = 0; i < N_NS; i++) {
		snprintf(name, sizeof(name), "stress-%d-%d", (int)getpid(), i);
		if (netns_name_add(name, 0, &ns_fd[i]) < 0) {
			printf("Bail out! netns_name_add %s failed (root needed)\n", name);
			return 1;
		}
		/* Held by fd only: nothing to clean up if we die. */
		netns_name_delete(name);
		struct stat st;
		ns_ino[i] = fstat(ns_fd[i], &st) == 0 ? st.st_ino : 0;
	}
	/* The first netns_socket() starts the library's socket worker, the one
	 * thread that stays (lib/worker.c); count from there. */
	close(netns_socket(ns_fd[0], AF_INET, SOCK_DGRAM, 0));
	fds_before = count_fds();
	threads_elsewhere(&threads_before); /* 2, or 3 with TSan's own thread */

	for (int i = 0; i < N_CREATORS; i++)
		pthread_create(&creators[i], NULL, creator, NULL);
	for (int i = 0; i < N_WORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < N_WORKERS; i++)
		pthread_join(workers[i], NULL);
	for (int i = 0; i < N_CREATORS; i++)
		pthread_join(creators[i], NULL);

	is(atomic_load(&op_err), 0, "no operation failed");
	is(atomic_load(&run_ok) + atomic_load(&sock_ok), N_WORKERS * N_OPS,
	   "%d operations checked", N_WORKERS * N_OPS);
	is(atomic_load(&run_bad), 0, "every netns_run ran in its namespace (%ld)", atomic_load(&run_ok));
	is(atomic_load(&sock_bad), 0, "every socket was in its namespace (%ld)", atomic_load(&sock_ok));
	ok(atomic_load(&born) > 0, "threads were created meanwhile (%ld)", atomic_load(&born));
	is(atomic_load(&born_elsewhere), 0, "none was born in another namespace");
	is(threads_elsewhere(&total), 0, "every thread is in its original namespace");
	is(total, threads_before, "no thread outlived its job");
	is(count_fds(), fds_before, "no fd leaked");
	for (int i = 0; i < N_NS; i++)
		close(ns_fd[i]);
	test_way_back_fails();
	return done_testing();
}
