/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Named namespaces made by several throwaway threads at once: creating a
 * network namespace is mostly the kernel's per-namespace setup, which runs
 * concurrently on every CPU (copy_net_ns() takes pernet_ops_rwsem for
 * reading only). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct par {
	const struct netns_rundir *rd;
	const char *const *names;
	size_t n;
	unsigned flags;
	netns_name_made_cb cb;
	void *data;
	atomic_size_t next;
	atomic_bool stop;
	pthread_mutex_t lock;
	int err;
	size_t err_i;
	char msg[256];
};

static void *par_thread(void *arg)
{
	struct par *p = arg;

	while (!atomic_load(&p->stop)) {
		size_t k = atomic_fetch_add(&p->next, 1);
		int r;

		if (k >= p->n)
			break;
		nsi_error_set(NULL);
		r = nsi_name_make_here(p->rd, p->names[k], p->flags, NULL, p->cb, k, p->data);
		if (r < 0) {
			const char *m = netns_error_message();

			pthread_mutex_lock(&p->lock);
			/* The lowest index, as one thread in order would have met it. */
			if (!p->err || k < p->err_i) {
				p->err = r;
				p->err_i = k;
				snprintf(p->msg, sizeof(p->msg), "%s", m ? m : "");
			}
			pthread_mutex_unlock(&p->lock);
			atomic_store(&p->stop, true);
		}
	}
	/* This thread is in the last namespace it made: it ends here. */
	return NULL;
}

NETNS_EXPORT int netns_name_add_parallel_at(struct netns_rundir *rd, const char *const *names,
					    size_t n, unsigned flags, unsigned threads,
					    netns_name_made_cb cb, void *data, size_t *ret_failed)
{
	_cleanup_close_ int lock = -1;
	struct par p = { .rd = rd, .names = names, .n = n, .flags = flags, .cb = cb, .data = data };
	pthread_t tids[64];
	unsigned started = 0;
	sigset_t all, old;
	int r;

	nsi_error_set(NULL);
	if (ret_failed)
		*ret_failed = n;
	if ((n && !names) || (flags & ~(unsigned)NETNS_ADD_LO_UP))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		r = netns_name_check(names[i]);
		if (r < 0) {
			if (ret_failed)
				*ret_failed = i;
			return r;
		}
	}
	if (!n)
		return 0;
	if (!threads) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		threads = c > 0 ? (unsigned)c : 1;
	}
	if (threads > sizeof(tids) / sizeof(tids[0]))
		threads = sizeof(tids) / sizeof(tids[0]);
	if (threads > n)
		threads = (unsigned)n;
	r = netns_rundir_create_at(rd);
	if (r < 0)
		return r;
	/* One hold of the name lock covers every thread: they make different
	 * names, and a delete elsewhere waits for all of them. */
	lock = nsi_rundir_lock(rd);
	if (lock < 0)
		return lock;
	pthread_mutex_init(&p.lock, NULL);
	/* The threads start with every signal blocked: no handler of the
	 * process ever runs in a namespace they made. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; started < threads; started++) {
		r = pthread_create(&tids[started], NULL, par_thread, &p);
		if (r != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		pthread_mutex_destroy(&p.lock);
		return -r;
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&p.lock);
	if (!p.err)
		return 0;
	if (ret_failed)
		*ret_failed = p.err_i;
	nsi_error_set(p.msg[0] ? p.msg : NULL);
	return p.err;
}

NETNS_EXPORT int netns_name_add_parallel(const char *const *names, size_t n, unsigned flags,
					 unsigned threads, netns_name_made_cb cb, void *data,
					 size_t *ret_failed)
{
	return netns_name_add_parallel_at(NULL, names, n, flags, threads, cb, data, ret_failed);
}
