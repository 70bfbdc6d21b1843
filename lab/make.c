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
 * Making nodes: netns_name_add_parallel(), one library thread per CPU, lo
 * up. The library calls made_cb() once a namespace exists and before it is
 * named, so its identity goes to the journal first: a kill at any point
 * leaves either no name, or a name (or its empty placeholder) that the
 * journal lists with its namespace, which a down then deletes. The call runs
 * on a thread of ours while this one shows progress and passes a cancel on.
 */

struct maker {
	struct lab_plan *plan;
	size_t *todo, n;
	const char **names;
	unsigned threads;
	atomic_size_t done;
	atomic_bool stop, finished;
	int journal;
	int err;
	size_t failed;
	char msg[256];
};

static int made_cb(size_t k, int fd, const struct netns_id *id, void *data)
{
	struct maker *m = data;
	struct lab_nwork *w = &m->plan->nodes[m->todo[k]];
	int r;

	(void)fd;
	if (atomic_load(&m->stop))
		return -EINTR;
	w->id = *id;
	r = lab_journal_add(m->journal, w->ns, id);
	if (r < 0)
		return r;
	w->has_id = true;
	atomic_fetch_add(&m->done, 1);
	return 0;
}

static void *maker_main(void *arg)
{
	struct maker *m = arg;
	const char *msg;

	m->err = netns_name_add_parallel(m->names, m->n, NETNS_ADD_LO_UP, m->threads, made_cb, m,
					 &m->failed);
	msg = netns_error_message();
	snprintf(m->msg, sizeof(m->msg), "%s", m->err < 0 && msg ? msg : "");
	atomic_store(&m->finished, true);
	return NULL;
}

/* Which nodes were named: all on success; after a failure, those whose
 * name is the namespace the journal got (the library leaves the names made
 * before the failing one, and those other threads finished). */
static void maker_mark(struct maker *m)
{
	for (size_t k = 0; k < m->n; k++) {
		struct lab_nwork *w = &m->plan->nodes[m->todo[k]];
		struct netns_id id;
		int fd;

		if (!m->err) {
			w->made = true;
			continue;
		}
		if (!w->has_id)
			continue;
		fd = netns_fd_open_name(w->ns);
		w->made = fd >= 0 && netns_fd_id(fd, &id) == 0 && netns_id_equal(&id, &w->id);
		if (fd >= 0)
			close(fd);
	}
}

int lab_make_nodes(struct lab_plan *p, struct lab_progress *prog, int journal)
{
	const struct lab_ctx *ctx = p->ctx;
	struct maker m = { .plan = p, .journal = journal };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	bool interrupted = false;
	pthread_t th;
	size_t i;
	int status = LAB_OK, r;

	m.todo = malloc((p->n_nodes + 1) * sizeof(*m.todo));
	m.names = malloc((p->n_nodes + 1) * sizeof(*m.names));
	if (!m.todo || !m.names) {
		status = lab_fail(ctx, "lab", -ENOMEM);
		goto out;
	}
	for (i = 0; i < p->n_nodes; i++)
		if (p->nodes[i].add) {
			m.names[m.n] = p->nodes[i].ns;
			m.todo[m.n++] = i;
		}
	if (m.n == 0)
		goto out;
	m.threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (unsigned)cpus;
	r = pthread_create(&th, NULL, maker_main, &m);
	if (r != 0) {
		status = lab_fail(ctx, "thread", -r);
		goto out;
	}
	while (!atomic_load(&m.finished)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		prog->nodes = atomic_load(&m.done);
		lab_progress_show(prog);
		if (lab_cancelled(ctx) && !atomic_load(&m.stop)) {
			interrupted = true;
			atomic_store(&m.stop, true);
		}
	}
	pthread_join(th, NULL);
	maker_mark(&m);
	prog->nodes = atomic_load(&m.done);
	if (m.err == -EINTR && interrupted) {
		lab_progress_end(prog);
		status = lab_failx(ctx, "interrupted");
	} else if (m.err) {
		char what[512];

		lab_progress_end(prog);
		if (m.failed < m.n) {
			struct lab_nwork *w = &p->nodes[m.todo[m.failed]];

			snprintf(what, sizeof(what), "node '%s': namespace '%s'", w->node, w->ns);
		} else {
			snprintf(what, sizeof(what), "namespaces");
		}
		if (m.msg[0])
			status = lab_failx(ctx, "%s: %s (%s)", what, strerror(-m.err), m.msg);
		else
			status = lab_fail(ctx, what, m.err);
	}
out:
	free(m.todo);
	free(m.names);
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

