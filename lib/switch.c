/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Doing work inside a namespace without switching any thread of the caller.
 *
 * Every call here that runs caller code (FN) runs it on a throwaway thread
 * that switches once and then exits, so it can never carry a foreign
 * namespace back into the caller's code. The alternative, setns() there and
 * back on the calling thread, is cheaper but the way back can fail (EPERM for
 * a caller in a user namespace that does not own its original netns), and
 * then that thread would go on in the wrong namespace; and FN may change the
 * thread's credentials itself. netns_socket() runs no caller code: the
 * calling thread goes there and back itself once it has proved the way back
 * (socket-here.c), and a library-owned worker that does the same does it
 * otherwise (worker.c). bench/switch measures the designs,
 * docs/benchmarks.md has the numbers. Starting a program (netns_spawn) is in
 * spawn.c.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

#include "internal.h"

struct ns_job {
	int fd; /* namespace to enter, or NSI_THREAD_HERE */
	int (*fn)(void *arg);
	void *arg;
	int result;
	char message[256]; /* the kernel's extended ack, carried home */
};

static void *ns_job_main(void *p)
{
	struct ns_job *job = p;
	const char *msg;

	if (job->fd != NSI_THREAD_HERE && setns(job->fd, CLONE_NEWNET) < 0) {
		job->result = negerrno();
		return NULL;
	}
	job->result = job->fn(job->arg);
	/* netns_error_message() is per thread: hand the text to the caller,
	 * as crun carries errors out of its child. */
	msg = netns_error_message();
	if (msg)
		snprintf(job->message, sizeof(job->message), "%s", msg);
	return NULL;
}

/* Runs FN on a new thread in namespace FD (see internal.h). The thread starts
 * with every signal blocked, so no signal handler of the process ever runs in
 * a foreign namespace. */
int nsi_thread_run(int fd, int (*fn)(void *arg), void *arg)
{
	struct ns_job job = { .fd = fd, .fn = fn, .arg = arg, .result = 0, .message = "" };
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
	nsi_error_set(job.message[0] ? job.message : NULL);
	return job.result;
}

NETNS_EXPORT int netns_run(int fd, int (*fn)(void *arg), void *arg)
{
	int r;

	nsi_error_set(NULL);
	if (!fn)
		return -EINVAL;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	return nsi_thread_run(fd, fn, arg);
}

/* No user code runs in the namespace: the calling thread goes there and back
 * itself when the way back is proved (socket-here.c), and the library's
 * socket worker (worker.c) does it otherwise. */
NETNS_EXPORT int netns_socket(int fd, int domain, int type, int protocol)
{
	int r, s;

	nsi_error_set(NULL); /* it never describes an earlier call */
	if (fd < 0)
		return -EBADF;
	/* setns(2) checks FD there as netns_fd_check() would (EBADF, or
	 * EINVAL for what is not a network namespace): one ioctl less. */
	if (nsi_here_socket(fd, domain, type, protocol, &s))
		return s;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	return nsi_worker_socket(fd, domain, type, protocol);
}

struct many_job {
	const int *fds;
	size_t n;
	int (*fn)(size_t i, void *arg);
	void *arg;
	int *ret;
};

/* Visits the namespaces in turn: one thread start, then a setns each. */
static int many_here(void *p)
{
	struct many_job *m = p;

	for (size_t i = 0; i < m->n; i++) {
		if (m->fds[i] < 0)
			m->ret[i] = -EBADF;
		else if (setns(m->fds[i], CLONE_NEWNET) < 0)
			m->ret[i] = errno == EINVAL ? -EMEDIUMTYPE : negerrno();
		else
			m->ret[i] = m->fn(i, m->arg);
	}
	return 0;
}

NETNS_EXPORT int netns_run_many(const int *fds, size_t n, int (*fn)(size_t i, void *arg),
				void *arg, int *ret)
{
	struct many_job m = { .fds = fds, .n = n, .fn = fn, .arg = arg, .ret = ret };

	nsi_error_set(NULL);
	if (!fn || (n && (!fds || !ret)))
		return -EINVAL;
	if (n == 0)
		return 0;
	return nsi_thread_run(NSI_THREAD_HERE, many_here, &m);
}
