/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * switch [--busy] [N]: the cost of doing work in a namespace, per operation,
 * against the plain operation, measured side by side in one run. --busy runs
 * it while two CPU-bound processes (one per core of a 2-core machine) spin.
 *
 *   socket()                       socket + close, here
 *   netns_socket()                 the library: on the caller's thread once it
 *                                  has proved the way back (lib/socket-here.c)
 *   socket worker                  the library's fallback (lib/worker.c), as
 *                                  netns_socket() made every socket until 1.1
 *   setns+socket+setns back        on the caller's thread, signals blocked, and
 *                                  nothing proved: the floor, unsafe, only here
 *   ... + where the thread is      the floor and one readlinkat() of the thread's
 *                                  ns/net symlink: the least any call that
 *                                  proves where it comes back to pays
 *   thread+setns+socket+join       the floor of a throwaway thread (netns_run)
 *   netns_run(noop)                run-in-namespace
 *   posix_spawn(/bin/true)+wait    spawn, here
 *   netns_spawn(/bin/true)+wait    spawn in the namespace
 *
 * Each operation runs N times (spawns N/50) in all, split into ROUNDS
 * rounds; the operations take turns round by round, so a burst of load from
 * elsewhere hits them alike, and the median round is reported.
 * Prints a Markdown table on stdout. Exit status 0, or 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"

#define ROUNDS 21

extern char **environ;

static int ns_fd, host_fd, link_fd;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "switch: %s: %s\n", what, strerror(err));
	exit(1);
}

static void use(int s, const char *what)
{
	if (s < 0)
		die(what, -s);
	close(s);
}

static int op_socket(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	use(s < 0 ? -errno : s, "socket");
	return 0;
}

static int op_netns_socket(void)
{
	use(netns_socket(ns_fd, AF_INET, SOCK_STREAM, 0), "netns_socket");
	return 0;
}

/* The worker, as netns_socket() falls back to it: the static library's
 * internal entry point (bench/ links libnetns.a). */
int nsi_worker_socket(int fd, int domain, int type, int protocol);

static int op_worker_socket(void)
{
	use(nsi_worker_socket(ns_fd, AF_INET, SOCK_STREAM, 0), "socket worker");
	return 0;
}

/* The rejected design: correct only while the way back cannot fail. */
static int op_setns_restore(void)
{
	sigset_t all, old;
	int s;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (setns(ns_fd, CLONE_NEWNET) < 0)
		die("setns", errno);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (setns(host_fd, CLONE_NEWNET) < 0)
		die("setns back", errno); /* the thread would stay in the wrong namespace */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	use(s < 0 ? -errno : s, "socket");
	return 0;
}

/* The floor, and the one read that tells where the thread is now
 * (lib/socket-here.c makes it, through the same kind of fd). */
static int op_setns_restore_where(void)
{
	char link[64];

	if (readlinkat(link_fd, "", link, sizeof(link)) <= 0)
		die("readlinkat", errno);
	return op_setns_restore();
}

static void *floor_thread(void *p)
{
	int *s = p;

	*s = setns(ns_fd, CLONE_NEWNET) < 0 ? -errno : socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return NULL;
}

static int op_thread_floor(void)
{
	pthread_t t;
	int s = -1, r = pthread_create(&t, NULL, floor_thread, &s);

	if (r)
		die("pthread_create", r);
	pthread_join(t, NULL);
	use(s, "thread socket");
	return 0;
}

static int noop(void *arg)
{
	(void)arg;
	return 0;
}

static int op_netns_run(void)
{
	int r = netns_run(ns_fd, noop, NULL);

	if (r < 0)
		die("netns_run", -r);
	return 0;
}

static char *true_argv[] = { (char[]){ "true" }, NULL };

static void reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("/bin/true", ECHILD);
}

static int op_posix_spawn(void)
{
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, environ);

	if (r)
		die("posix_spawn", r);
	reap(pid);
	return 0;
}

static int op_netns_spawn(void)
{
	pid_t pid;
	int r = netns_spawn(ns_fd, "/bin/true", true_argv, NULL, &pid);

	if (r < 0)
		die("netns_spawn", -r);
	reap(pid);
	return 0;
}

struct op {
	const char *name;
	int (*fn)(void);
	int base; /* index of the operation it is compared with */
	int spawn;
	double round[ROUNDS];
};

static struct op ops[] = {
	{ "socket()", op_socket, 0, 0, { 0 } },
	{ "netns_socket()", op_netns_socket, 0, 0, { 0 } },
	{ "socket worker (netns_socket() until 1.1)", op_worker_socket, 0, 0, { 0 } },
	{ "setns + socket + setns back (signals blocked)", op_setns_restore, 0, 0, { 0 } },
	{ "... + readlinkat(ns/net link): where the thread is", op_setns_restore_where, 0, 0, { 0 } },
	{ "thread + setns + socket + join (no library)", op_thread_floor, 0, 0, { 0 } },
	{ "netns_run(noop)", op_netns_run, 0, 0, { 0 } },
	{ "posix_spawn(/bin/true) + wait", op_posix_spawn, 7, 1, { 0 } },
	{ "netns_spawn(/bin/true) + wait", op_netns_spawn, 7, 1, { 0 } },
};
#define N_OPS (sizeof(ops) / sizeof(ops[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct op *o)
{
	double v[ROUNDS];

	memcpy(v, o->round, sizeof(v));
	qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
	return v[ROUNDS / 2];
}

/* --busy: two processes that spin until killed, so that every CPU of a
 * 2-core machine has a CPU-bound task besides the benchmark. */
#define BUSY_N 2
static pid_t busy[BUSY_N];

static void busy_start(void)
{
	for (int i = 0; i < BUSY_N; i++) {
		busy[i] = fork();
		if (busy[i] < 0)
			die("fork", errno);
		if (busy[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the benchmark */
			for (volatile unsigned long x = 0;; x++)
				;
		}
	}
}

static void busy_stop(void)
{
	for (int i = 0; i < BUSY_N; i++)
		if (busy[i] > 0) {
			kill(busy[i], SIGKILL);
			waitpid(busy[i], NULL, 0);
		}
}

int main(int argc, char **argv)
{
	bool is_busy = argc > 1 && strcmp(argv[1], "--busy") == 0;
	long n;
	char name[64];
	int r;

	if (is_busy)
		argc--, argv++;
	n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	if (argc > 2 || n < 50 * ROUNDS) {
		fprintf(stderr, "usage: switch [--busy] [N >= %d]\n", 50 * ROUNDS);
		return 2;
	}
	snprintf(name, sizeof(name), "bench-switch-%d", (int)getpid());
	r = netns_name_add(name, 0, &ns_fd);
	if (r < 0)
		die(name, -r);
	netns_name_delete(name); /* held by the fd alone from now on */
	host_fd = netns_fd_open_current();
	if (host_fd < 0)
		die("/proc/thread-self/ns/net", -host_fd);

	/* Only the main thread reads it: /proc/thread-self is its own. */
	link_fd = open("/proc/thread-self/ns/net", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (link_fd < 0)
		die("/proc/thread-self/ns/net", errno);
	if (is_busy)
		busy_start();
	/* Each round starts with another operation: none always follows the same one. */
	for (int round = 0; round < ROUNDS; round++)
		for (size_t j = 0; j < N_OPS; j++) {
			struct op *o = &ops[(j + round) % N_OPS];
			long count = (o->spawn ? n / 50 : n) / ROUNDS;
			double t0 = now_ns();

			for (long k = 0; k < count; k++)
				o->fn();
			o->round[round] = (now_ns() - t0) / count;
		}

	busy_stop();
	printf("| operation | ns/op | ratio |\n|---|---:|---:|\n");
	for (size_t i = 0; i < N_OPS; i++) {
		double m = median(&ops[i]), base = median(&ops[ops[i].base]);

		printf("| %s | %.0f | %.2f x %s |\n", ops[i].name, m, m / base,
		       ops[i].base == 0 ? "socket()" : "posix_spawn");
	}
	printf("\n%ld operations each (spawns: %ld), in %d rounds; ns/op is the median round%s\n",
	       n, n / 50, ROUNDS, is_busy ? "; two CPU-bound processes ran throughout" : "");
	close(link_fd);
	close(host_fd);
	close(ns_fd);
	return 0;
}
