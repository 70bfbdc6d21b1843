/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab up: making the namespaces and the links of a plan, fast at
 * 10,000 nodes and with few fds held, whatever the lab's size. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "rtnl/rtnl.h"

/* Namespace fds held at once by the link phase; maker threads at most. */
#define FD_CACHE 16
#define MAX_THREADS 8

/* ---------------------------------------------------------------------------
 * Making nodes: one thread per CPU, each unsharing a new namespace in turn,
 * bringing its lo up and naming it (netns_name_attach_fd). A thread that has
 * unshared is in a namespace of the lab; it is discarded at the end, never
 * reused, and runs with every signal blocked.
 */

struct maker {
	struct lab_plan *plan;
	size_t *todo, n;
	atomic_size_t next, done;
	atomic_bool stop;
	atomic_int running;
	pthread_mutex_t lock;
	int err;
	size_t err_node;
	char msg[256];
	int journal;
};

/* The identity goes to the journal before the name is made: a kill at any
 * point leaves either no name, or a name (or its empty placeholder) that
 * the journal lists with its namespace, which a down then deletes. A
 * namespace killed before it is named dies with this thread. */
static int make_one(struct lab_nwork *w, int journal)
{
	int fd, r;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = netns_link_set_up(-1, "lo", true);
	if (r >= 0)
		r = netns_fd_id(fd, &w->id);
	if (r >= 0)
		r = lab_journal_add(journal, w->ns, &w->id);
	if (r >= 0)
		r = netns_name_attach_fd(w->ns, fd);
	close(fd);
	if (r >= 0)
		w->made = w->has_id = true;
	return r;
}

static void *maker_thread(void *arg)
{
	struct maker *m = arg;

	while (!atomic_load(&m->stop)) {
		size_t k = atomic_fetch_add(&m->next, 1);
		int r;

		if (k >= m->n)
			break;
		r = make_one(&m->plan->nodes[m->todo[k]], m->journal);
		if (r < 0) {
			const char *msg = netns_error_message();

			pthread_mutex_lock(&m->lock);
			/* The first in file order, as one thread would have seen it. */
			if (!m->err || m->todo[k] < m->err_node) {
				m->err = r;
				m->err_node = m->todo[k];
				snprintf(m->msg, sizeof(m->msg), "%s", msg ? msg : "");
			}
			pthread_mutex_unlock(&m->lock);
			atomic_store(&m->stop, true);
			break;
		}
		atomic_fetch_add(&m->done, 1);
	}
	atomic_fetch_sub(&m->running, 1);
	return NULL;
}

int lab_make_nodes(struct lab_plan *p, struct lab_progress *prog, int journal)
{
	const struct lab_ctx *ctx = p->ctx;
	struct maker m = { .plan = p, .lock = PTHREAD_MUTEX_INITIALIZER, .journal = journal };
	pthread_t th[MAX_THREADS];
	sigset_t all, old;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_threads, started = 0, i;
	int status = LAB_OK;

	m.todo = malloc((p->n_nodes + 1) * sizeof(*m.todo));
	if (!m.todo)
		return lab_fail(ctx, "lab", -ENOMEM);
	for (i = 0; i < p->n_nodes; i++)
		if (p->nodes[i].add)
			m.todo[m.n++] = i;
	if (m.n == 0)
		goto out;
	/* The run directory once, before the threads race to it. */
	int r = netns_rundir_create();

	if (r < 0) {
		status = lab_fail(ctx, netns_rundir_get(), r);
		goto out;
	}
	n_threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (size_t)cpus;
	if (n_threads > m.n)
		n_threads = m.n;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n_threads; i++) {
		atomic_fetch_add(&m.running, 1);
		if (pthread_create(&th[i], NULL, maker_thread, &m) != 0) {
			atomic_fetch_sub(&m.running, 1);
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		status = lab_fail(ctx, "thread", -EAGAIN);
		goto out;
	}
	while (atomic_load(&m.running) > 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		prog->nodes = atomic_load(&m.done);
		lab_progress_show(prog);
		if (lab_cancelled(ctx) && !atomic_load(&m.stop)) {
			pthread_mutex_lock(&m.lock);
			if (!m.err) {
				m.err = -EINTR;
				m.err_node = SIZE_MAX;
			}
			pthread_mutex_unlock(&m.lock);
			atomic_store(&m.stop, true);
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	prog->nodes = atomic_load(&m.done);
	if (m.err == -EINTR && m.err_node == SIZE_MAX) {
		lab_progress_end(prog);
		status = lab_failx(ctx, "interrupted");
	} else if (m.err) {
		struct lab_nwork *w = &p->nodes[m.err_node];
		char what[512];

		lab_progress_end(prog);
		snprintf(what, sizeof(what), "node '%s': namespace '%s'", w->node, w->ns);
		if (m.msg[0])
			status = lab_failx(ctx, "%s: %s (%s)", what, strerror(-m.err), m.msg);
		else
			status = lab_fail(ctx, what, m.err);
	}
out:
	free(m.todo);
	return status;
}

/* ---------------------------------------------------------------------------
 * Making links: RTM_NEWLINK from one socket of the caller's namespace, each
 * end born in its node's namespace (IFLA_NET_NS_FD), end 0 up at once.
 */

struct fd_cache {
	struct lab_plan *plan;
	size_t node[FD_CACHE];
	int fd[FD_CACHE];
};

static void cache_init(struct fd_cache *c, struct lab_plan *p)
{
	c->plan = p;
	for (size_t i = 0; i < FD_CACHE; i++) {
		c->node[i] = SIZE_MAX;
		c->fd[i] = -1;
	}
}

static int cache_get(struct fd_cache *c, size_t node)
{
	size_t slot = node % FD_CACHE;

	if (c->node[slot] == node)
		return c->fd[slot];
	if (c->fd[slot] >= 0)
		close(c->fd[slot]);
	c->node[slot] = SIZE_MAX;
	c->fd[slot] = netns_fd_open_name(c->plan->nodes[node].ns);
	if (c->fd[slot] >= 0)
		c->node[slot] = node;
	return c->fd[slot];
}

static void cache_free(struct fd_cache *c)
{
	for (size_t i = 0; i < FD_CACHE; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
}

int lab_make_links(struct lab_plan *p, struct lab_progress *prog)
{
	const struct lab_ctx *ctx = p->ctx;
	struct fd_cache c;
	struct mnl_socket *nl;
	char msg[256] = "", what[512];
	int r = 0;
	size_t i;

	if (p->n_links == 0)
		return LAB_OK;
	if ((r = rtnl_open(0, &nl)) < 0)
		return lab_fail(ctx, "netlink", r);
	cache_init(&c, p);
	for (i = 0; i < p->n_links; i++) {
		struct lab_link_work *l = &p->links[i];
		int fd0 = cache_get(&c, l->node[0]), fd1, own = -1;

		if (l->node[1] == l->node[0])
			fd1 = fd0;
		else if (l->node[1] % FD_CACHE == l->node[0] % FD_CACHE)
			/* One cache slot for both: end 1 gets an fd of its own. */
			fd1 = own = netns_fd_open_name(p->nodes[l->node[1]].ns);
		else
			fd1 = cache_get(&c, l->node[1]);
		r = fd0 < 0 ? fd0 : fd1 < 0 ? fd1 : l->type->make(nl, l, fd0, fd1, msg, sizeof(msg));
		if (own >= 0)
			close(own);
		if (r < 0) {
			lab_progress_end(prog);
			snprintf(what, sizeof(what), "link %s:%s -- %s:%s", p->nodes[l->node[0]].node,
				 l->ifname[0], p->nodes[l->node[1]].node, l->ifname[1]);
			if (msg[0])
				lab_failx(ctx, "%s: %s (%s)", what, strerror(-r), msg);
			else
				lab_fail(ctx, what, r);
			break;
		}
		l->made = true;
		prog->links++;
		if (lab_cancelled(ctx)) {
			lab_progress_end(prog);
			lab_failx(ctx, "interrupted");
			r = -EINTR;
			break;
		}
		if ((i & 63) == 0)
			lab_progress_show(prog);
	}
	cache_free(&c);
	mnl_socket_close(nl);
	return r < 0 ? LAB_FAILED : LAB_OK;
}

/* Deletes the links this run made, from end 0's node (its type's remove). */
void lab_unmake_links(struct lab_plan *p)
{
	for (size_t i = 0; i < p->n_links; i++) {
		struct lab_link_work *l = &p->links[i];
		int fd;

		if (!l->made)
			continue;
		fd = netns_fd_open_name(p->nodes[l->node[0]].ns);
		if (fd >= 0) {
			l->type->remove(fd, l);
			close(fd);
		}
		l->made = false;
	}
}

