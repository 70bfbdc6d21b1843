/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab up: carrying out a plan (lab-diff.c) with lab-make.c and
 * lab-node.c, and removing what a live change drops (lab-down.c).
 * Additions first, removals last: a failure half-way undoes what this run
 * made and leaves the rest, the state included, as it was.
 *
 * At 10,000 nodes the time goes to the kernel (a namespace costs about a
 * millisecond of CPU in setup_net, a veth pair a fraction of one), so the
 * work is laid out to add nothing to it: namespaces are made by one thread
 * per CPU, each unsharing in turn and naming what it made; veth pairs are
 * made from one netlink socket, each end born in its namespace; each node is
 * then set up from inside it (netns_run_many: one setns per node, no socket
 * worker round trips). Namespace fds are held in a small cache and in
 * windows, never all at once, so the fds in use stay constant however large
 * the lab (mininet 788 dies of EMFILE near 8,000 nodes). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
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

#include "cli.h"
#include "lab.h"

volatile sig_atomic_t lab_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	lab_interrupted = 1;
}

/* ---------------------------------------------------------------------------
 * exec lines, processes, and names
 */

/* Runs LINE with /bin/sh -c in namespace FD and waits for it. Returns its
 * exit status (128 + N for signal N) or a negative errno. */
static int exec_line(int fd, char *line)
{
	char sh[] = "sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, line, NULL };
	pid_t pid;
	int st, r;

	r = netns_spawn(fd, "/bin/sh", argv, NULL, &pid);
	if (r < 0)
		return r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_execs(const struct lab *lab, struct lab_plan *p)
{
	for (size_t i = 0; i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];
		const struct lab_node *n;
		int fd, r = 0;

		if (!w->add || w->lab_idx == SIZE_MAX || !lab->nodes[w->lab_idx].n_exec)
			continue;
		n = &lab->nodes[w->lab_idx];
		fd = netns_fd_open_name(w->ns);
		if (fd < 0)
			return cli_fail(w->ns, fd);
		for (size_t j = 0; r == 0 && j < n->n_exec; j++) {
			char what[512];

			r = exec_line(fd, n->exec[j]);
			if (r < 0) {
				snprintf(what, sizeof(what), "node '%s': exec '%s'", n->name, n->exec[j]);
				cli_fail(what, r);
			} else if (r > 0) {
				cli_failx("node '%s': exec '%s': exit status %d", n->name, n->exec[j], r);
			}
		}
		close(fd);
		if (r != 0)
			return EXIT_FAIL;
		if (lab_interrupted)
			return cli_failx("interrupted");
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------------------
 * up
 */

static bool is_made(const struct lab_nwork *w)
{
	return w->made;
}

static bool is_kept_with_additions(const struct lab_nwork *w)
{
	return !w->add && !w->del &&
	       (w->ups.n || w->ports.n || w->mtus.n || w->addr_add.n || w->sysctl_set.n ||
		w->route_add.n);
}

static bool is_kept_with_undo(const struct lab_nwork *w)
{
	return !w->add && !w->del &&
	       (w->done[DONE_MTU] || w->done[DONE_ADDR] || w->sysctl_old.n || w->done[DONE_ROUTE] ||
		w->route_pre.n || w->addr_pre.n);
}

static bool is_kept_with_removals(const struct lab_nwork *w)
{
	return !w->add && !w->del && (w->addr_del.n || w->route_del.n || w->link_del.n);
}

static bool is_removed(const struct lab_nwork *w)
{
	return w->del;
}

static bool needs_add(const struct lab_nwork *w)
{
	return w->add || is_kept_with_additions(w);
}

/* The new bridges still down, in the order they come up: file order with
 * the bits of each one's position reversed (of eight: 0 4 2 6 1 5 3 7).
 * Each bridge brought up joins the domains of its neighbours, and what its
 * stack sends at once (an MLD report) is flooded through the joined domain:
 * a chain of bridges in file order grows one domain by one bridge at a time
 * (quadratic: 500 chained bridges took 4.2 s to come up), in this order most
 * joins link short runs and the long ones come last (0.2 s). */
static size_t *bridge_order(const struct lab_plan *p, size_t *ret_n)
{
	size_t n = 0, m = 1, k, i, *all, *order;

	all = malloc((p->n_nodes + 1) * sizeof(*all));
	if (!all)
		return NULL;
	for (i = 0; i < p->n_nodes; i++)
		if (p->nodes[i].add && p->nodes[i].bridge && !p->nodes[i].bridge_up)
			all[n++] = i;
	order = malloc((n + 1) * sizeof(*order));
	if (!order) {
		free(all);
		return NULL;
	}
	while (m < n)
		m <<= 1;
	for (k = 0, i = 0; k < m; k++) {
		size_t rev = 0;

		for (size_t b = 1; b < m; b <<= 1)
			rev = (rev << 1) | ((k & b) != 0);
		if (rev < n)
			order[i++] = all[rev];
	}
	free(all);
	*ret_n = n;
	return order;
}

/* The nodes' ids into the new state: the recorded one for a node that
 * stays, the new one for a node made now. */
static int fill_ids(struct lab_plan *p)
{
	for (size_t i = 0; i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];

		if (!w->add && !w->has_id && lab_state_node_id(w->old, &w->id) == 0)
			w->has_id = true;
		if (!w->del && w->has_id && lab_state_node_set_id(w->state, &w->id) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The state while additions are under way: the old one and the nodes made
 * so far, so that a down after a crash finds them. */
static json_t *state_during(json_t *old, json_t *new, struct lab_plan *p)
{
	json_t *st = old ? json_deep_copy(old) :
			   json_pack("{s:O,s:O?,s:[],s:[]}", "name", json_object_get(new, "name"),
				     "file", json_object_get(new, "file"), "nodes", "links");
	json_t *nodes = json_object_get(st, "nodes");

	for (size_t i = 0; st && i < p->n_nodes; i++)
		if (p->nodes[i].made && json_array_append(nodes, p->nodes[i].state) < 0) {
			json_decref(st);
			return NULL;
		}
	return st;
}

struct checkpoint {
	const char *lab;
	json_t *old, *new;
};

static void checkpoint(struct lab_plan *p, const atomic_uchar *ready, void *ctx)
{
	struct checkpoint *c = ctx;
	json_t *st = c->old ? json_deep_copy(c->old) :
			      json_pack("{s:O,s:O?,s:[],s:[]}", "name",
					json_object_get(c->new, "name"), "file",
					json_object_get(c->new, "file"), "nodes", "links");
	json_t *nodes = json_object_get(st, "nodes");

	for (size_t i = 0; st && i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];

		if (!atomic_load(&ready[i]))
			continue;
		if (lab_state_node_set_id(w->state, &w->id) < 0 ||
		    json_array_append(nodes, w->state) < 0) {
			json_decref(st);
			return;
		}
	}
	if (st)
		lab_state_write(c->lab, st, false); /* best effort: the next one may do */
	json_decref(st);
}

/* Undoes this run: the kept nodes' additions, the links, the processes
 * started in new nodes, the new names; then the state as it was. */
static void rollback(const char *lab, struct lab_plan *p, json_t *old)
{
	size_t i;
	int r;

	lab_visit_nodes(p, is_kept_with_undo, lab_node_undo, false, NULL, NULL);
	lab_unmake_links(p);
	lab_kill_in(lab, p, is_made);
	if ((r = lab_nodes_delete(p, is_made)) < 0)
		cli_fail(lab, r);
	for (i = 0; r == 0 && i < p->n_nodes; i++)
		if (p->nodes[i].made && p->nodes[i].err < 0)
			cli_fail(p->nodes[i].ns, p->nodes[i].err);
	if (old)
		r = lab_state_write(lab, old, false);
	else
		r = lab_state_remove(lab);
	if (r < 0 && r != -ENOENT)
		cli_fail("state", r);
}

static int report_node(struct lab_plan *p, size_t failed, int r)
{
	struct lab_nwork *w;

	if (r == -EINTR && failed == SIZE_MAX)
		return cli_failx("interrupted");
	if (failed == SIZE_MAX)
		return cli_fail("lab", r);
	w = &p->nodes[failed];
	if (w->msg[0])
		return cli_failx("%s: %s (%s)", w->what, strerror(-w->err), w->msg);
	return cli_fail(w->what, w->err ? w->err : r);
}

int lab_up(const struct lab *lab, const char *file, bool dry_run)
{
	json_t *old = NULL, *new = NULL, *st = NULL;
	struct lab_plan *p = NULL;
	struct lab_progress prog;
	char err[512];
	size_t failed, i;
	int r, lock = -1, status = EXIT_FAIL;

	if (!dry_run && (lock = lab_state_lock()) < 0)
		return cli_fail("state", lock);
	r = lab_state_load(lab->name, &old);
	if (r < 0 && r != -ENOENT) {
		status = lab_state_fail(lab->name, r);
		goto out;
	}
	new = lab_state_json(lab, file);
	if (!new) {
		status = cli_fail(lab->name, -ENOMEM);
		goto out;
	}
	r = lab_plan_make(old, new, &p, err, sizeof(err));
	if (r == -EINVAL) {
		status = cli_failx("lab %s: %s", lab->name, err);
		goto out;
	}
	if (r < 0) {
		status = cli_fail(lab->name, r);
		goto out;
	}
	if (old && p->lines.n == 0) {
		printf("lab %s is up to date\n", lab->name);
		status = EXIT_OK;
		goto out;
	}
	if (dry_run) {
		for (i = 0; i < p->lines.n; i++)
			printf("%s\n", p->lines.v[i]);
		status = EXIT_OK;
		goto out;
	}
	if (!old) {
		/* Recorded before anything is made, and exclusively: of two first
		 * ups of one lab at once, one makes it and the other nothing. */
		st = state_during(NULL, new, p);
		r = st ? lab_state_write(lab->name, st, true) : -ENOMEM;
		json_decref(st);
		st = NULL;
		if (r == -EEXIST) {
			status = cli_failx("lab %s is being made by another netns", lab->name);
			goto out;
		}
		if (r < 0) {
			status = cli_fail("state", r);
			goto out;
		}
	}
	struct sigaction sa = { .sa_handler = on_signal }, was[3];
	const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };

	/* No SA_RESTART: the wait loops wake up. Restored at the end. */
	for (int k = 0; k < 3; k++)
		sigaction(sigs[k], &sa, &was[k]);
	lab_progress_init(&prog, lab->name, 0, p->n_links);
	for (i = 0; i < p->n_nodes; i++)
		prog.n_nodes += p->nodes[i].add;
	struct checkpoint ck = { .lab = lab->name, .old = old, .new = new };

	status = lab_make_nodes(p, &prog, checkpoint, &ck);
	if (status == EXIT_OK && prog.n_nodes) {
		/* The names made, with their identity, before anything else. */
		st = state_during(old, new, p);
		r = st ? fill_ids(p) : -ENOMEM;
		if (r >= 0)
			r = lab_state_write(lab->name, st, false);
		if (r < 0)
			status = cli_fail("state", r);
	}
	if (status == EXIT_OK)
		status = lab_make_links(p, &prog);
	if (status == EXIT_OK) {
		r = lab_visit_nodes(p, needs_add, lab_node_add, true, NULL, &failed);
		if (r >= 0) {
			size_t n_bridges = 0, *order = bridge_order(p, &n_bridges);

			r = order ? lab_visit_list(p, order, n_bridges, lab_bridge_up, true, &failed) :
				    (failed = SIZE_MAX, -ENOMEM);
			free(order);
		}
		if (r < 0)
			status = (lab_progress_end(&prog), report_node(p, failed, r));
	}
	lab_progress_end(&prog);
	if (status == EXIT_OK)
		status = run_execs(lab, p);
	if (status != EXIT_OK) {
		rollback(lab->name, p, old);
		goto restore;
	}
	/* Removals last: what fails here is reported, the rest goes on. */
	r = lab_visit_nodes(p, is_kept_with_removals, lab_node_remove, false, NULL, &failed);
	if (r < 0)
		status = report_node(p, failed, r);
	r = fill_ids(p);
	lab_kill_in(lab->name, p, is_removed);
	if (r >= 0)
		r = lab_nodes_delete(p, is_removed);
	for (i = 0; r >= 0 && i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];

		if (!w->del || !w->has_id)
			continue;
		/* -ESTALE: someone else's now, not the lab's to delete. */
		if (w->err < 0 && w->err != -ESTALE) {
			r = w->err;
			/* Kept in the state, so that a down tries again. */
			status = cli_fail(w->ns, r);
			r = json_array_append(json_object_get(new, "nodes"), w->old);
		}
	}
	if (r >= 0)
		r = lab_state_write(lab->name, new, false);
	if (r < 0)
		status = cli_fail("state", r);
restore:
	for (int k = 0; k < 3; k++)
		sigaction(sigs[k], &was[k], NULL);
out:
	json_decref(st);
	json_decref(old);
	json_decref(new);
	lab_plan_free(p);
	if (lock >= 0)
		close(lock);
	return status;
}

