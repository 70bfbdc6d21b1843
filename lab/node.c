/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: the work inside one node, run on a thread that is in the
 * node's namespace (netns_run_many), so that fd -1, the calling thread's
 * namespace, is the node's: its bridge, interfaces, addresses, sysctls and
 * routes; the undo of that; and the removals of a live change. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
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

/* Namespace fds held at once by lab_visit_nodes(). */
#define WINDOW 32

/* ---------------------------------------------------------------------------
 * Inside a node: these run on a thread that is in the node's namespace, so
 * fd -1 (the calling thread's namespace) is the node's.
 */

static int set_mtu(const char *ifname, unsigned mtu)
{
	struct ifreq ifr = { 0 };
	int s, r = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		r = -errno;
	close(s);
	return r;
}

/* /proc/sys/net is the namespace of the thread that opens it. The value it
 * had goes to OLD when OLD is not NULL. */
static int sysctl_set(const struct lab_sysctl_op *sc, struct lab_sysctls *old)
{
	char path[512], was[256];
	size_t i, len, vl = strlen(sc->value);
	ssize_t n;
	int fd, r = 0;

	len = (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", sc->key);
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	for (i = strlen("/proc/sys/"); i < len; i++)
		if (path[i] == '.')
			path[i] = '/';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (old) {
		n = read(fd, was, sizeof(was) - 1);
		if (n < 0) {
			r = -errno;
			goto out;
		}
		was[n] = '\0';
		was[strcspn(was, "\n")] = '\0';
		if ((r = lab_sysctls_add(old, sc->key, was)) < 0)
			goto out;
	}
	n = pwrite(fd, sc->value, vl, 0);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != vl)
		r = -EIO;
out:
	close(fd);
	return r;
}

static int route_do(const struct lab_route_op *rt, bool add)
{
	if (!rt->dst)
		return -EINVAL;
	return add ? netns_route_add(-1, rt->dst, rt->via, rt->dev)
		   : netns_route_delete(-1, rt->dst, rt->via, rt->dev);
}

static int addr_do(const struct lab_addr_op *a, bool add)
{
	return add ? netns_addr_add(-1, a->ifname, a->cidr) : netns_addr_delete(-1, a->ifname, a->cidr);
}

void lab_node_error(struct lab_nwork *w, int r, const char *fmt, ...)
{
	const char *m = netns_error_message();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->what, sizeof(w->what), fmt, ap);
	va_end(ap);
	snprintf(w->msg, sizeof(w->msg), "%s", m ? m : "");
	w->err = r;
}

/* Puts back the routes of ROUTES (a node's in a state) that are missing,
 * after an address went: the kernel drops the routes through a subnet with
 * its last address. The ones put back go to ADDED when not NULL. */
static int routes_fix(struct lab_nwork *w, const struct lab_routes *routes,
		      struct lab_routes *added)
{
	int r;

	for (size_t i = 0; i < routes->n; i++) {
		const struct lab_route_op *rt = &routes->v[i];

		r = route_do(rt, true);
		if (r == 0 && added)
			r = lab_routes_add(added, rt->text);
		if (r < 0 && r != -EEXIST) {
			lab_node_error(w, r, "node '%s': route %s", w->node, rt->text);
			return r;
		}
	}
	return 0;
}

/* The additions of one node, from inside it: its bridge, interfaces up,
 * ports, MTUs, addresses, sysctls, then routes (their gateways are on the
 * addresses). Counts what is done in W->done for the undo. */
int lab_node_add(struct lab_nwork *w)
{
	size_t i;
	int r;

	if (w->add && w->kind->make && (r = w->kind->make(w)) < 0)
		return r;
	for (i = 0; i < w->ups.n; i++)
		if ((r = netns_link_set_up(-1, w->ups.v[i], true)) < 0) {
			lab_node_error(w, r, "node '%s': interface %s", w->node, w->ups.v[i]);
			return r;
		}
	for (i = 0; i < w->ports.n; i++)
		if ((r = w->kind->port(w, w->ports.v[i])) < 0)
			return r;
	for (i = 0; i < w->mtus.n; i++, w->done[DONE_MTU]++)
		if ((r = set_mtu(w->mtus.v[i].ifname, w->mtus.v[i].now)) < 0) {
			lab_node_error(w, r, "node '%s': mtu %s %u %u", w->node, w->mtus.v[i].ifname,
				       w->mtus.v[i].now, w->mtus.v[i].was);
			return r;
		}
	/* An address that replaces one on the same interface: the old one
	 * goes first. Added first, it would be a secondary of the old one's
	 * subnet, and the kernel deletes secondaries with their primary. */
	for (i = 0; i < w->addr_add.n; i++) {
		const struct lab_addr_op *a = &w->addr_add.v[i];

		for (size_t j = 0; *a->ifname && j < w->addr_del.n; j++) {
			const struct lab_addr_op *d = &w->addr_del.v[j];

			if (strcmp(d->ifname, a->ifname) != 0 || lab_addrs_has(&w->addr_pre, d->text))
				continue;
			r = addr_do(d, false);
			if (r == 0)
				r = lab_addrs_add(&w->addr_pre, d->text);
			if (r < 0 && r != -EADDRNOTAVAIL) {
				lab_node_error(w, r, "node '%s': address %s", w->node, d->text);
				return r;
			}
		}
	}
	for (i = 0; i < w->addr_add.n; i++, w->done[DONE_ADDR]++)
		if ((r = addr_do(&w->addr_add.v[i], true)) < 0) {
			lab_node_error(w, r, "node '%s': address %s", w->node, w->addr_add.v[i].text);
			return r;
		}
	for (i = 0; i < w->sysctl_set.n; i++, w->done[DONE_SYSCTL]++)
		if ((r = sysctl_set(&w->sysctl_set.v[i], &w->sysctl_old)) < 0) {
			lab_node_error(w, r, "node '%s': sysctl %s", w->node, w->sysctl_set.v[i].key);
			w->msg[0] = '\0';
			return r;
		}
	/* A route through the bridge needs it up (the kernel refuses a
	 * nexthop on a device that is down). */
	if (w->route_add.n && (r = lab_bridge_up(w)) < 0)
		return r;
	for (i = 0; i < w->route_add.n; i++, w->done[DONE_ROUTE]++) {
		/* A route to a destination that has one which goes: that one
		 * goes first (the kernel has one route per destination). */
		const struct lab_route_op *a = &w->route_add.v[i];

		for (size_t j = 0; a->dst && j < w->route_del.n; j++) {
			const struct lab_route_op *d = &w->route_del.v[j];

			if (!d->dst || strcmp(d->dst, a->dst) != 0)
				continue;
			r = route_do(d, false);
			if (r == 0)
				r = lab_routes_add(&w->route_pre, d->text);
			if (r < 0 && r != -ESRCH) {
				lab_node_error(w, r, "node '%s': route %s", w->node, d->text);
				return r;
			}
		}
		if ((r = route_do(a, true)) < 0) {
			lab_node_error(w, r, "node '%s': route %s", w->node, a->text);
			return r;
		}
	}
	if (w->addr_pre.n)
		return routes_fix(w, &w->routes, &w->route_fix);
	return 0;
}

/* What a kind brings up last of all nodes' work (a bridge: kind.c), once. */
int lab_bridge_up(struct lab_nwork *w)
{
	int r;

	if (!w->add || !w->kind->up || w->bridge_up)
		return 0;
	if ((r = w->kind->up(w)) < 0)
		return r;
	w->bridge_up = true;
	return 0;
}

/* Undoes what node_add did in a node that stays, last first. Interfaces go
 * with their links, a bridge with its node. */
int lab_node_undo(struct lab_nwork *w)
{
	size_t i;

	for (i = w->route_fix.n; i-- > 0;)
		route_do(&w->route_fix.v[i], false);
	for (i = w->done[DONE_ROUTE]; i-- > 0;)
		route_do(&w->route_add.v[i], false);
	for (i = w->route_pre.n; i-- > 0;)
		route_do(&w->route_pre.v[i], true);
	for (i = w->sysctl_old.n; i-- > 0;)
		sysctl_set(&w->sysctl_old.v[i], NULL);
	for (i = w->done[DONE_ADDR]; i-- > 0;)
		addr_do(&w->addr_add.v[i], false);
	for (i = w->addr_pre.n; i-- > 0;)
		addr_do(&w->addr_pre.v[i], true);
	if (w->addr_pre.n || w->done[DONE_ADDR])
		routes_fix(w, &w->routes_old, NULL);
	for (i = w->done[DONE_MTU]; i-- > 0;)
		set_mtu(w->mtus.v[i].ifname, w->mtus.v[i].was);
	return 0;
}

/* The removals of a node that stays: routes, addresses, then the links that
 * go. What is already gone is fine. */
int lab_node_remove(struct lab_nwork *w)
{
	size_t i;
	int r;

	for (i = 0; i < w->route_del.n; i++) {
		r = route_do(&w->route_del.v[i], false);
		if (r < 0 && r != -ESRCH && r != -ENODEV && r != -ENETUNREACH) {
			lab_node_error(w, r, "node '%s': route %s", w->node, w->route_del.v[i].text);
			return r;
		}
	}
	for (i = 0; i < w->addr_del.n; i++) {
		r = addr_do(&w->addr_del.v[i], false);
		if (r < 0 && r != -EADDRNOTAVAIL && r != -ENODEV) {
			lab_node_error(w, r, "node '%s': address %s", w->node, w->addr_del.v[i].text);
			return r;
		}
	}
	if (w->addr_del.n && (r = routes_fix(w, &w->routes, NULL)) < 0)
		return r;
	for (i = 0; i < w->link_del.n; i++) {
		r = netns_link_delete(-1, w->link_del.v[i]);
		if (r < 0 && r != -ENODEV) {
			lab_node_error(w, r, "node '%s': interface %s", w->node, w->link_del.v[i]);
			return r;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Visiting nodes: windows of WINDOW namespaces, one netns_run_many each.
 */

struct visit {
	struct lab_plan *plan;
	size_t *idx;  /* the window's node indices */
	const int *fds; /* and their namespaces */
	int (*fn)(struct lab_nwork *w);
	atomic_bool *stop;
};

static int visit_one(size_t i, void *arg)
{
	struct visit *v = arg;
	struct lab_nwork *w = &v->plan->nodes[v->idx[i]];

	int r;

	if (v->stop && atomic_load(v->stop))
		return -ECANCELED;
	w->visit_fd = v->fds[i];
	r = v->fn(w);
	w->visit_fd = -1;
	if (r < 0 && v->stop)
		atomic_store(v->stop, true);
	return r;
}

/* Runs FN in the nodes of the plan listed in ORDER (N_ORDER of them), or,
 * when ORDER is NULL, in every node WANT selects, WINDOW at a time; with
 * STOP_ON_ERROR, stops at the first window with a failure. Returns 0 or the
 * first failure (the node's err, what and msg tell). PROG counts nodes when
 * not NULL. */
static int visit(struct lab_plan *p, const size_t *order, size_t n_order,
		 bool (*want)(const struct lab_nwork *w), int (*fn)(struct lab_nwork *w),
		 bool stop_on_error, struct lab_progress *prog, size_t *ret_failed)
{
	size_t idx[WINDOW], n = 0, i = 0, failed = SIZE_MAX, end = order ? n_order : p->n_nodes;
	int fds[WINDOW], res[WINDOW], r = 0, first = 0;
	atomic_bool stop = false;

	while (i < end || n > 0) {
		if (i < end && n < WINDOW) {
			struct lab_nwork *w = &p->nodes[order ? order[i] : i];

			i++;
			if (!order && !want(w))
				continue;
			fds[n] = netns_fd_open_name(w->ns);
			if (fds[n] < 0) {
				lab_node_error(w, fds[n], "node '%s': namespace '%s'", w->node, w->ns);
				w->msg[0] = '\0';
				if (!first) {
					first = fds[n];
					failed = (size_t)(w - p->nodes);
				}
				if (stop_on_error) {
					while (n > 0)
						close(fds[--n]);
					break;
				}
				continue;
			}
			idx[n++] = (size_t)(w - p->nodes);
			if (i < end && n < WINDOW)
				continue;
		}
		if (n == 0)
			break;
		struct visit v = { .plan = p, .idx = idx, .fds = fds, .fn = fn,
				   .stop = stop_on_error ? &stop : NULL };

		r = netns_run_many(fds, n, visit_one, &v, res);
		for (size_t k = 0; k < n; k++) {
			struct lab_nwork *w = &p->nodes[idx[k]];

			close(fds[k]);
			if (r < 0 || res[k] >= 0 || res[k] == -ECANCELED)
				continue;
			if (!w->err)
				lab_node_error(w, res[k], "node '%s': namespace '%s'", w->node, w->ns);
			if (!first) {
				first = res[k];
				failed = idx[k];
			}
		}
		if (r < 0 && !first)
			first = r;
		if (prog) {
			prog->nodes += n;
			lab_progress_show(prog);
		}
		n = 0;
		if (stop_on_error && !first && lab_cancelled(p->ctx)) {
			first = -EINTR;
			failed = SIZE_MAX;
		}
		if (first && stop_on_error)
			break;
	}
	if (ret_failed)
		*ret_failed = failed;
	return first;
}

int lab_visit_nodes(struct lab_plan *p, bool (*want)(const struct lab_nwork *w),
		    int (*fn)(struct lab_nwork *w), bool stop_on_error, struct lab_progress *prog,
		    size_t *ret_failed)
{
	return visit(p, NULL, 0, want, fn, stop_on_error, prog, ret_failed);
}

int lab_visit_list(struct lab_plan *p, const size_t *order, size_t n, int (*fn)(struct lab_nwork *w),
		   bool stop_on_error, size_t *ret_failed)
{
	return visit(p, order, n, NULL, fn, stop_on_error, NULL, ret_failed);
}

