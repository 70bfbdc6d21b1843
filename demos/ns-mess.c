/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ns-mess [--safe] [--hold]: the thread-pool namespace bug, reproduced in C.
 *
 * Modelled on rosenhouse/ns-mess (Go issue 20676, CNI issue 262). A pool grows
 * lazily: a new worker is created by whichever thread submits work, and is
 * born in that thread's namespace. The "plugin" part of the program switches
 * into a new namespace to configure it and, while switched, submits report
 * tasks meant for the host. The pool is empty then and those tasks wait until
 * configuration is over, so each submission grows the pool from the switched
 * thread: every worker is born in the wrong namespace, on every run. Later
 * host tasks land on the same workers.
 *
 * Default: naive setns() on the main thread. Prints
 * "MESSY <task>: expected <INODE>, actual <INODE>" per task and exits 1.
 * --safe: the same workload through netns_run() and netns_socket(); the main
 * thread never switches, no task is messy, exit 0.
 * --hold: after the work, wait for SIGINT or SIGTERM, so that
 * `netns threads PID` can show the leaked workers.
 * The namespace is named ns-mess-PID in the run directory and removed on exit.
 * Exit status: 0 clean, 1 messy tasks or a failure, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

#define POOL_MAX 4
#define N_TASKS (2 * POOL_MAX)

struct task {
	char name[32];
	ino_t expected, actual;
	bool wait_configured; /* a report: waits until configuration is over */
	struct task *next;
};

/* A lazily grown pool. Everything is under one lock: this is a demo. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done_cond, configured_cond;
	struct task *head, **tail;
	pthread_t threads[POOL_MAX];
	int size, idle, queued, done;
	bool configured, stop;
};

static struct pool pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done_cond = PTHREAD_COND_INITIALIZER,
	.configured_cond = PTHREAD_COND_INITIALIZER,
	.tail = &pool.head,
};

static ino_t thread_ino(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) == 0 ? st.st_ino : 0;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		struct task *t;

		pool.idle++;
		while (!pool.head && !pool.stop)
			pthread_cond_wait(&pool.work, &pool.lock);
		pool.idle--;
		if (!pool.head)
			break;
		t = pool.head;
		pool.head = t->next;
		if (!pool.head)
			pool.tail = &pool.head;
		pool.queued--;
		while (t->wait_configured && !pool.configured)
			pthread_cond_wait(&pool.configured_cond, &pool.lock);
		pthread_mutex_unlock(&pool.lock);
		/* The task's work: it reports where it runs. */
		t->actual = thread_ino();
		pthread_mutex_lock(&pool.lock);
		pool.done++;
		pthread_cond_broadcast(&pool.done_cond);
	}
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

/* Queues T, growing the pool from the calling thread when no worker is free:
 * the new worker inherits the caller's namespace. That is the bug. */
static int submit(struct task *t)
{
	int r = 0;

	pthread_mutex_lock(&pool.lock);
	t->next = NULL;
	*pool.tail = t;
	pool.tail = &t->next;
	pool.queued++;
	if (pool.queued > pool.idle && pool.size < POOL_MAX) {
		r = pthread_create(&pool.threads[pool.size], NULL, worker, NULL);
		if (r == 0)
			pthread_setname_np(pool.threads[pool.size++], "pool-worker");
	}
	pthread_cond_signal(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	return -r;
}

static void set_configured(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.configured = true;
	pthread_cond_broadcast(&pool.configured_cond);
	pthread_mutex_unlock(&pool.lock);
}

static void wait_done(int n)
{
	pthread_mutex_lock(&pool.lock);
	while (pool.done < n)
		pthread_cond_wait(&pool.done_cond, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
}

static void pool_stop(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.stop = true;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < pool.size; i++)
		pthread_join(pool.threads[i], NULL);
}

/* The namespace-side work: a socket in the new namespace, checked. */
static int configure_check(int s, ino_t want)
{
	struct stat st;
	int nsfd = ioctl(s, SIOCGSKNS), r;

	if (nsfd < 0)
		return -errno;
	r = fstat(nsfd, &st) < 0 ? -errno : st.st_ino == want ? 0 : -EXDEV;
	close(nsfd);
	return r;
}

static int configure_here(void *arg)
{
	ino_t want = *(ino_t *)arg;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -errno;
	r = configure_check(s, want);
	close(s);
	return r;
}

static void report_tasks(struct task *tasks, int first, int n, ino_t host)
{
	for (int i = first; i < first + n; i++) {
		snprintf(tasks[i].name, sizeof(tasks[i].name), "%s-%d", i < POOL_MAX ? "report" : "host",
			 i + 1);
		tasks[i].expected = host;
		tasks[i].wait_configured = i < POOL_MAX;
	}
}

/* Naive: the main thread switches, works, submits, and switches back. */
static int run_naive(int nsfd, int hostfd, ino_t ns_ino, struct task *tasks)
{
	int r;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	r = configure_here(&ns_ino);
	for (int i = 0; r == 0 && i < POOL_MAX; i++)
		r = submit(&tasks[i]);
	if (setns(hostfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "ns-mess: setns back: %s\n", strerror(errno));
		exit(1);
	}
	return r;
}

/* Safe: the same steps; only the namespace work goes through the library. */
static int run_safe(int nsfd, ino_t ns_ino, struct task *tasks)
{
	int s, r;

	r = netns_run(nsfd, configure_here, &ns_ino);
	if (r < 0)
		return r;
	s = netns_socket(nsfd, AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return s;
	r = configure_check(s, ns_ino);
	close(s);
	for (int i = 0; r == 0 && i < POOL_MAX; i++)
		r = submit(&tasks[i]);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: ns-mess [--safe] [--hold]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "safe", no_argument, NULL, 's' },
		{ "hold", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct task tasks[N_TASKS] = { 0 };
	bool safe = false, hold = false;
	int opt, r, nsfd = -1, hostfd = -1, messy = 0, status = 1;
	char name[64];
	struct netns_id ns_id, host_id;
	sigset_t quit;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': safe = true; break;
		case 'H': hold = true; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "Try 'ns-mess --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ns-mess: unexpected argument '%s'\nTry 'ns-mess --help'.\n", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Blocked in every thread from the start: a SIGINT waits until the
	 * namespace is removed (sigwait with --hold, discarded otherwise). */
	sigemptyset(&quit);
	sigaddset(&quit, SIGINT);
	sigaddset(&quit, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &quit, NULL);

	snprintf(name, sizeof(name), "ns-mess-%d", (int)getpid());
	r = netns_name_add(name, 0, &nsfd);
	if (r < 0) {
		fprintf(stderr, "ns-mess: creating namespace %s: %s\n", name, strerror(-r));
		return 1;
	}
	hostfd = netns_fd_open_current();
	if (hostfd < 0 || netns_fd_id(hostfd, &host_id) < 0 || netns_fd_id(nsfd, &ns_id) < 0) {
		fprintf(stderr, "ns-mess: reading namespaces: %s\n", strerror(hostfd < 0 ? -hostfd : EIO));
		goto out;
	}
	printf("ns-mess: %s mode, host net:[%llu], %s net:[%llu]\n", safe ? "safe" : "naive",
	       (unsigned long long)host_id.ino, name, (unsigned long long)ns_id.ino);

	report_tasks(tasks, 0, N_TASKS, host_id.ino);
	r = safe ? run_safe(nsfd, ns_id.ino, tasks) : run_naive(nsfd, hostfd, ns_id.ino, tasks);
	if (r < 0) {
		fprintf(stderr, "ns-mess: configuring %s: %s\n", name, strerror(-r));
		set_configured();
		goto out_pool;
	}
	set_configured();
	/* Back on the host: more host work, on the workers that already exist. */
	for (int i = POOL_MAX; i < N_TASKS; i++) {
		r = submit(&tasks[i]);
		if (r < 0) {
			fprintf(stderr, "ns-mess: submitting: %s\n", strerror(-r));
			goto out_pool;
		}
	}
	wait_done(N_TASKS);
	for (int i = 0; i < N_TASKS; i++) {
		if (tasks[i].actual == tasks[i].expected)
			continue;
		printf("MESSY %s: expected %llu, actual %llu\n", tasks[i].name,
		       (unsigned long long)tasks[i].expected, (unsigned long long)tasks[i].actual);
		messy++;
	}
	printf("ns-mess: %d tasks on %d pool threads, %d in the wrong namespace\n", N_TASKS,
	       pool.size, messy);
	status = messy ? 1 : 0;
	if (hold) {
		int sig;

		printf("ns-mess: holding, pid %d; try: netns threads %d\n", (int)getpid(), (int)getpid());
		sigwait(&quit, &sig);
	}
out_pool:
	pool_stop();
out:
	if (hostfd >= 0)
		close(hostfd);
	close(nsfd);
	r = netns_name_delete(name);
	if (r < 0) {
		fprintf(stderr, "ns-mess: deleting namespace %s: %s\n", name, strerror(-r));
		status = 1;
	}
	return status;
}
