/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The socket worker: one library-owned thread that makes sockets inside
 * namespaces for netns_socket(), so that a call costs two setns(2) and a
 * hand-off instead of a thread start (docs/benchmarks.md).
 *
 * It runs no code but its own. For each job it enters the target, creates
 * the socket, and goes back to its home namespace (the one it was born in),
 * through a close-on-exec fd it keeps: opening /proc/thread-self/ns/net per
 * job cost 12 us here, more than the socket itself. Every signal is blocked
 * for its whole life, so no handler of the process ever runs on it. If the
 * way back fails (EPERM in a user namespace that does not own the home
 * namespace, ENOMEM anywhere, or the home fd closed or replaced by the
 * program, say by closefrom()), it hands over the socket and retires: the
 * caller joins it before returning, so no thread is ever left in a foreign
 * namespace, and the next call starts a fresh worker.
 *
 * One caller at a time (a mutex). The hand-off is a state word: a spin,
 * since a job takes about as long as a wake-up on a busy 2-core VM, then a
 * futex. After fork() the child has no worker; its first call starts one.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"

enum {
	WORKER_IDLE, /* waiting for a job */
	WORKER_JOB,  /* a job is posted */
	WORKER_DONE, /* the result is ready */
};

/* Spins before sleeping: about the length of one job on a 2-core VM
 * (bench/switch: 3.1x socket() with 2000 spins, 4.1-4.7x with none). */
#define WORKER_SPIN 2000

struct worker {
	_Atomic int state;
	pthread_t thread;
	bool running;
	bool retired;   /* set by the worker: it could not go home, and exits */
	bool home_lost; /* set by the worker: HOME is no longer ours to close */
	int home;     /* its home namespace, and that namespace's identity */
	dev_t home_dev;
	ino_t home_ino;
	/* The job, written by the caller before WORKER_JOB. */
	int fd, domain, type, protocol;
	/* Written by the worker before WORKER_DONE. */
	int result;
};

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static struct worker worker;

static void futex_wait(_Atomic int *word, int val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Waits until *WORD is WANT. */
static void wait_for(_Atomic int *word, int want)
{
	int v;

	for (int i = 0; i < WORKER_SPIN; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) == want)
			return;
		cpu_relax();
	}
	while ((v = atomic_load_explicit(word, memory_order_acquire)) != want)
		futex_wait(word, v);
}

static void post(_Atomic int *word, int state)
{
	atomic_store_explicit(word, state, memory_order_release);
	futex_wake(word);
}

/* Is W->home still the fd of the namespace it was opened on? A program may
 * close it, and reuse its number for something else. */
static bool home_intact(const struct worker *w)
{
	struct stat st;

	return fstat(w->home, &st) == 0 && st.st_dev == w->home_dev && st.st_ino == w->home_ino;
}

/* One job: returns the socket or a negative errno; sets *RET_ASTRAY when it
 * could not go back home. */
static int job_run(struct worker *w, bool *ret_astray)
{
	int s;

	*ret_astray = false;
	if (setns(w->fd, CLONE_NEWNET) < 0)
		return errno == EINVAL ? -EMEDIUMTYPE : negerrno();
	s = socket(w->domain, w->type | SOCK_CLOEXEC, w->protocol);
	if (s < 0)
		s = negerrno();
	if (!home_intact(w)) {
		w->home_lost = true;
		*ret_astray = true;
	} else if (setns(w->home, CLONE_NEWNET) < 0) {
		*ret_astray = true;
	}
	return s;
}

static void *worker_main(void *p)
{
	struct worker *w = p;

	for (;;) {
		bool astray;

		wait_for(&w->state, WORKER_JOB);
		w->result = job_run(w, &astray);
		w->retired = astray;
		post(&w->state, WORKER_DONE);
		if (astray)
			return NULL; /* the caller joins us */
	}
}

/* Starts a worker in the calling thread's namespace, its home. */
static int worker_start(struct worker *w)
{
	sigset_t all, old;
	struct stat st;
	int r;

	w->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (w->home < 0)
		return negerrno();
	if (fstat(w->home, &st) < 0) {
		r = negerrno();
		goto fail;
	}
	w->home_dev = st.st_dev;
	w->home_ino = st.st_ino;
	atomic_store_explicit(&w->state, WORKER_IDLE, memory_order_relaxed);
	w->retired = false;
	w->home_lost = false;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	pthread_setname_np(w->thread, "netns-socket");
	w->running = true;
	return 0;
fail:
	close(w->home);
	return r;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&worker_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&worker_lock);
}

/* The worker thread does not exist in the child; no job is in flight, since
 * the parent held the lock. Its home fd is the child's to drop. */
static void atfork_child(void)
{
	if (worker.running && home_intact(&worker))
		close(worker.home);
	worker.running = false;
	pthread_mutex_unlock(&worker_lock);
}

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

int nsi_worker_socket(int fd, int domain, int type, int protocol)
{
	struct worker *w = &worker;
	int r;

	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&worker_lock);
	if (!w->running) {
		r = worker_start(w);
		if (r < 0)
			goto out;
	}
	w->fd = fd;
	w->domain = domain;
	w->type = type;
	w->protocol = protocol;
	post(&w->state, WORKER_JOB);
	wait_for(&w->state, WORKER_DONE);
	r = w->result;
	atomic_store_explicit(&w->state, WORKER_IDLE, memory_order_relaxed);
	if (w->retired) {
		/* It is on its way out of a foreign namespace: wait until it is
		 * gone, so that no thread is astray once we return. */
		pthread_join(w->thread, NULL);
		if (!w->home_lost)
			close(w->home);
		w->running = false;
	}
out:
	pthread_mutex_unlock(&worker_lock);
	return r;
}
