/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Doing work inside a namespace without switching any thread of the caller.
 *
 * Every call here runs the namespace-bound part on a throwaway thread that
 * switches once and then exits, so it can never carry a foreign namespace
 * back into the caller's code. The alternative, setns() there and back on the
 * calling thread, is cheaper but the way back can fail (EPERM for a caller in
 * a user namespace that does not own its original netns), and then that
 * thread would go on in the wrong namespace. Even a capable root caller is
 * not safe: setns() allocates a new nsproxy and can fail with ENOMEM. So no
 * fast path: bench/switch measures both designs, docs/benchmarks.md has the
 * numbers. Starting a program (netns_spawn) is in spawn.c.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>

#include "internal.h"

struct ns_job {
	int fd; /* namespace to enter; -1: unshare a new one */
	int (*fn)(void *arg);
	void *arg;
	int result;
};

static void *ns_job_main(void *p)
{
	struct ns_job *job = p;

	if (job->fd < 0 ? unshare(CLONE_NEWNET) < 0 : setns(job->fd, CLONE_NEWNET) < 0) {
		job->result = negerrno();
		return NULL;
	}
	job->result = job->fn(job->arg);
	return NULL;
}

/* Runs FN on a new thread in namespace FD (or a fresh one when FD < 0). The
 * thread starts with every signal blocked, so no signal handler of the
 * process ever runs in the foreign namespace. */
int netns_thread_run(int fd, int (*fn)(void *arg), void *arg)
{
	struct ns_job job = { .fd = fd, .fn = fn, .arg = arg, .result = 0 };
	sigset_t all, old;
	pthread_t thread;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&thread, NULL, ns_job_main, &job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	pthread_join(thread, NULL);
	return job.result;
}

NETNS_EXPORT int netns_run(int fd, int (*fn)(void *arg), void *arg)
{
	int r;

	if (!fn)
		return -EINVAL;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	return netns_thread_run(fd, fn, arg);
}

struct socket_args {
	int domain, type, protocol;
};

static int socket_here(void *p)
{
	struct socket_args *a = p;
	int s = socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);

	return s < 0 ? negerrno() : s;
}

NETNS_EXPORT int netns_socket(int fd, int domain, int type, int protocol)
{
	struct socket_args a = { domain, type, protocol };

	return netns_run(fd, socket_here, &a);
}
