/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab up: carrying out a plan (plan.c) with make.c and
 * node.c, and removing what a live change drops (down.c).
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
	const struct lab_ctx *ctx = p->ctx;
	for (size_t i = 0; i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];
		const struct lab_node *n;
		int fd, r = 0;

		if (!w->add || w->lab_idx == SIZE_MAX || !lab->nodes[w->lab_idx].n_exec)
			continue;
		n = &lab->nodes[w->lab_idx];
		fd = netns_fd_open_name(w->ns);
		if (fd < 0)
			return lab_fail(ctx, w->ns, fd);
		for (size_t j = 0; r == 0 && j < n->n_exec; j++) {
			char what[512];

			r = exec_line(fd, n->exec[j]);
			if (r < 0) {
				snprintf(what, sizeof(what), "node '%s': exec '%s'", n->name, n->exec[j]);
				lab_fail(ctx, what, r);
			} else if (r > 0) {
				lab_failx(ctx, "node '%s': exec '%s': exit status %d", n->name, n->exec[j], r);
			}
		}
		close(fd);
		if (r != 0)
			return LAB_FAILED;
		if (lab_cancelled(ctx))
			return lab_failx(ctx, "interrupted");
	}
	return LAB_OK;
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
		if (p->nodes[i].add && p->nodes[i].kind->up && !p->nodes[i].bridge_up)
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

/* The state while an up is under way: the old one (or an empty lab),
 * marked incomplete. What the up makes meanwhile is in its journal, so a
 * down after a kill -9 deletes the old nodes and the journal's, and the
 * next up undoes the journal's and starts again from the old state. */
static json_t *state_during(json_t *old, json_t *new)
{
	json_t *st = old ? json_deep_copy(old) :
			   json_pack("{s:O,s:O?,s:[],s:[]}", "name", json_object_get(new, "name"),
				     "file", json_object_get(new, "file"), "nodes", "links");

	if (st && json_object_set_new(st, "incomplete", json_true()) < 0) {
		json_decref(st);
		return NULL;
	}
	return st;
}

/* An up killed half-way left OLD marked incomplete and a journal of the
 * namespaces it made: those go, and OLD is again what the up before left
 * (NULL when there was none: a first up, whose state file is left for this
 * up to overwrite, not removed, as removing the last lab's state removes
 * the directory whose lock this up holds). Returns LAB_OK or LAB_FAILED. */
static int recover(const struct lab_ctx *ctx, const char *lab, json_t **old)
{
	int status = lab_undo_journal(ctx, lab, json_array_size(json_object_get(*old, "nodes")) > 0), r;

	if (status != LAB_OK)
		return status;
	json_object_del(*old, "incomplete");
	if (json_array_size(json_object_get(*old, "nodes")) == 0) {
		json_decref(*old);
		*old = NULL;
		return LAB_OK;
	}
	r = lab_state_write(lab, *old, false);
	return r < 0 ? lab_fail(ctx, "state", r) : LAB_OK;
}

/* ---------------------------------------------------------------------------
 * Drift: what was removed by hand from a lab that is up. A node's name gone
 * (ip netns delete), or left as an empty placeholder (a down killed
 * half-way), and a link with an end gone (ip link delete in a node: a veth
 * takes its peer along) are dropped from the old state before the plan, so
 * that the up makes them again. A name that is another namespace now is not
 * the lab's to replace: the up fails naming it.
 */

static bool any_node(const struct lab_nwork *w)
{
	(void)w;
	return true;
}

/* In the node's namespace: is it still the one recorded, and which of the
 * interfaces of its links (in BORN) are missing (into GONE)? */
static int drift_check(struct lab_nwork *w)
{
	struct netns_id now, rec;
	int s, r = netns_fd_id(w->visit_fd, &now);

	if (r < 0)
		return r;
	if (lab_state_node_id(w->old, &rec) < 0 || !netns_id_equal(&now, &rec)) {
		w->err = -ESTALE;
		return 0;
	}
	if (w->born.n == 0)
		return 0;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	for (size_t i = 0; r >= 0 && i < w->born.n; i++) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", w->born.v[i]);
		if (ioctl(s, SIOCGIFINDEX, &ifr) < 0 && errno == ENODEV)
			r = lab_strv_add(&w->gone, w->born.v[i]);
	}
	close(s);
	return r;
}

/* Drops from OLD what drifted (with DRY_RUN, placeholders are left in
 * place); says in one line what will be made again. Returns an exit
 * status. */
static int drift_prune(const struct lab_ctx *ctx, const char *lab, json_t *old, bool dry_run)
{
	json_t *on = json_object_get(old, "nodes"), *ol = json_object_get(old, "links"), *v;
	json_t *nodes = NULL, *links = NULL, *ix = json_object();
	struct lab_plan *p = NULL;
	size_t i, n_nodes = 0, n_links = 0;
	int r, status = LAB_FAILED;

	/* A plan of OLD's nodes only, in the state's order, to visit them:
	 * not lab_plan_make(), whose comparisons cost more than the visit. */
	p = calloc(1, sizeof(*p));
	if (!ix || !p || !(p->nodes = calloc(json_array_size(on) + 1, sizeof(*p->nodes))))
		goto oom;
	p->ctx = ctx;
	json_array_foreach(on, i, v) {
		struct lab_nwork *w = &p->nodes[p->n_nodes++];

		w->state = w->old = v;
		w->node = lab_json_str(v, "name");
		w->ns = lab_json_str(v, "namespace");
		w->kind = lab_kind_find(lab_json_str(v, "kind"));
		if (json_object_set_new(ix, w->node, json_integer((json_int_t)i)) < 0)
			goto oom;
	}
	json_array_foreach(ol, i, v)
		for (size_t x = 0; x < 2; x++) {
			json_t *end = json_array_get(json_object_get(v, "endpoints"), x);
			json_t *k = json_object_get(ix, lab_json_str(end, "node"));

			if (k && lab_strv_add(&p->nodes[json_integer_value(k)].born,
					      lab_json_str(end, "ifname")) < 0)
				goto oom;
		}
	lab_visit_nodes(p, any_node, drift_check, false, NULL, NULL);
	nodes = json_array();
	links = json_array();
	if (!nodes || !links)
		goto oom;
	for (i = 0; i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];

		if (w->err == -ESTALE) {
			status = lab_failx(ctx, "lab %s: node '%s': %s is another namespace now, not the "
					   "lab's: delete it, or the lab",
					   lab, w->node, w->ns);
			goto out;
		}
		if (w->err == -EMEDIUMTYPE && !dry_run) {
			/* The lab's name, an empty placeholder now; any other file
			 * is refused. */
			r = netns_name_delete(w->ns);
			if (r < 0 && r != -ENOENT) {
				status = lab_fail(ctx, w->ns, r);
				goto out;
			}
		} else if (w->err && w->err != -ENOENT && w->err != -EMEDIUMTYPE) {
			status = lab_fail(ctx, w->ns, w->err);
			goto out;
		}
		if (w->err) {
			w->del = true; /* here: drifted */
			n_nodes++;
		} else if (json_array_append(nodes, w->old) < 0) {
			goto oom;
		}
	}
	json_array_foreach(ol, i, v) {
		bool lost = false;

		for (size_t x = 0; x < 2; x++) {
			json_t *end = json_array_get(json_object_get(v, "endpoints"), x);
			json_t *k = json_object_get(ix, lab_json_str(end, "node"));
			struct lab_nwork *w = k ? &p->nodes[json_integer_value(k)] : NULL;

			if (!w || w->del || lab_strv_has(&w->gone, lab_json_str(end, "ifname")))
				lost = true;
		}
		if (!lost) {
			if (json_array_append(links, v) < 0)
				goto oom;
			continue;
		}
		n_links++;
		/* The end left in a node that stays: its peer's namespace is
		 * gone, or dying (the kernel frees it, and the veth, later), and
		 * the link is made again with this name. */
		for (size_t x = 0; !dry_run && x < 2; x++) {
			json_t *end = json_array_get(json_object_get(v, "endpoints"), x);
			json_t *k = json_object_get(ix, lab_json_str(end, "node"));
			struct lab_nwork *w = k ? &p->nodes[json_integer_value(k)] : NULL;
			int fd;

			if (!w || w->del || lab_strv_has(&w->gone, lab_json_str(end, "ifname")))
				continue;
			fd = netns_fd_open_name(w->ns);
			r = fd < 0 ? fd : netns_link_delete(fd, lab_json_str(end, "ifname"));
			if (fd >= 0)
				close(fd);
			if (r < 0 && r != -ENODEV) {
				char what[512];

				snprintf(what, sizeof(what), "node '%s': interface %s", w->node,
					 lab_json_str(end, "ifname"));
				status = lab_fail(ctx, what, r);
				goto out;
			}
		}
	}
	if (n_nodes || n_links) {
		lab_note(ctx, "%s: %zu node%s and %zu link%s gone since the last up: made again",
			   lab, n_nodes, n_nodes == 1 ? "" : "s", n_links, n_links == 1 ? "" : "s");
		if (json_object_set(old, "nodes", nodes) < 0 ||
		    json_object_set(old, "links", links) < 0)
			goto oom;
	}
	status = LAB_OK;
	goto out;
oom:
	status = lab_fail(ctx, lab, -ENOMEM);
out:
	json_decref(nodes);
	json_decref(links);
	json_decref(ix);
	lab_plan_free(p);
	return status;
}

/* Undoes this run: the kept nodes' additions, the links, the processes
 * started in new nodes, the new names; then the state as it was, and the
 * journal. A name that could not be deleted keeps both, incomplete, so
 * that a down (or the next up) tries again. */
static void rollback(const char *lab, struct lab_plan *p, json_t *old)
{
	const struct lab_ctx *ctx = p->ctx;
	bool left = false;
	size_t i;
	int r;

	lab_visit_nodes(p, is_kept_with_undo, lab_node_undo, false, NULL, NULL);
	lab_unmake_links(p);
	lab_kill_in(lab, p, is_made);
	if ((r = lab_nodes_delete(p, is_made)) < 0) {
		lab_fail(ctx, lab, r);
		return;
	}
	for (i = 0; i < p->n_nodes; i++)
		if (p->nodes[i].made && p->nodes[i].err < 0) {
			lab_fail(ctx, p->nodes[i].ns, p->nodes[i].err);
			left = left || p->nodes[i].err != -ESTALE;
		}
	if (left)
		return;
	if (old)
		r = lab_state_write(lab, old, false);
	else
		r = lab_state_remove(lab);
	if (r >= 0)
		r = lab_journal_remove(lab);
	if (r < 0 && r != -ENOENT)
		lab_fail(ctx, "state", r);
}

static int report_node(struct lab_plan *p, size_t failed, int r)
{
	const struct lab_ctx *ctx = p->ctx;
	struct lab_nwork *w;

	if (r == -EINTR && failed == SIZE_MAX)
		return lab_failx(ctx, "interrupted");
	if (failed == SIZE_MAX)
		return lab_fail(ctx, "lab", r);
	w = &p->nodes[failed];
	if (w->msg[0])
		return lab_failx(ctx, "%s: %s (%s)", w->what, strerror(-w->err), w->msg);
	return lab_fail(ctx, w->what, w->err ? w->err : r);
}

int lab_up(const struct lab_ctx *ctx, const struct lab *lab, const char *file, bool dry_run,
	   struct lab_strv *ret_lines)
{
	json_t *old = NULL, *new = NULL, *st = NULL;
	struct lab_plan *p = NULL;
	struct lab_progress prog;
	char err[512];
	size_t failed, i;
	int r, lock = -1, journal = -1, status = LAB_FAILED;
	bool recovered = false;

	if (!dry_run && (lock = lab_state_lock()) < 0)
		return lab_fail(ctx, "state", lock);
	r = lab_state_load(lab->name, &old);
	if (r < 0 && r != -ENOENT) {
		status = lab_state_fail(ctx, lab->name, r);
		goto out;
	}
	if (old && json_is_true(json_object_get(old, "incomplete"))) {
		if (dry_run) {
			json_object_del(old, "incomplete");
		} else if ((status = recover(ctx, lab->name, &old)) != LAB_OK) {
			goto out;
		}
		recovered = true;
		status = LAB_FAILED;
	}
	if (old && (status = drift_prune(ctx, lab->name, old, dry_run)) != LAB_OK)
		goto out;
	status = LAB_FAILED;
	new = lab_state_json(lab, file);
	if (!new) {
		status = lab_fail(ctx, lab->name, -ENOMEM);
		goto out;
	}
	r = lab_plan_make(old, new, &p, err, sizeof(err));
	if (p)
		p->ctx = ctx;
	if (r == -EINVAL) {
		status = lab_failx(ctx, "lab %s: %s", lab->name, err);
		goto out;
	}
	if (r < 0) {
		status = lab_fail(ctx, lab->name, r);
		goto out;
	}
	if (old && p->lines.n == 0) {
		char *line = NULL;

		if (asprintf(&line, "lab %s is up to date", lab->name) < 0)
			line = NULL;
		if (!line || lab_strv_add(ret_lines, line) < 0)
			status = lab_fail(ctx, lab->name, -ENOMEM);
		else
			status = LAB_OK;
		free(line);
		goto out;
	}
	if (dry_run) {
		/* Handed over whole: the caller frees them with its vector. */
		lab_strv_free(ret_lines);
		*ret_lines = p->lines;
		p->lines = (struct lab_strv){ 0 };
		status = LAB_OK;
		goto out;
	}
	/* Recorded before anything is made (a first up's exclusively: of two
	 * first ups of one lab at once, one makes it and the other nothing),
	 * and the journal started. */
	/* Cancelled before anything is made (a signal while waiting for
	 * the lock or planning): nothing to undo. */
	if (lab_cancelled(ctx)) {
		status = lab_failx(ctx, "interrupted");
		goto out;
	}
	st = state_during(old, new);
	r = st ? lab_state_write(lab->name, st, !old && !recovered) : -ENOMEM;
	json_decref(st);
	st = NULL;
	if (r == -EEXIST) {
		status = lab_failx(ctx, "lab %s is being made by another netns", lab->name);
		goto out;
	}
	if (r >= 0 && (journal = lab_journal_open(lab->name)) < 0)
		r = journal;
	if (r < 0) {
		status = lab_fail(ctx, "state", r);
		if (old)
			lab_state_write(lab->name, old, false);
		else
			lab_state_remove(lab->name);
		goto out;
	}
	lab_progress_init(&prog, ctx, lab->name, 0, p->n_links);
	for (i = 0; i < p->n_nodes; i++)
		prog.n_nodes += p->nodes[i].add;
	status = lab_make_nodes(p, &prog, journal);
	if (status == LAB_OK)
		status = lab_make_links(p, &prog);
	if (status == LAB_OK) {
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
	if (status == LAB_OK)
		status = run_execs(lab, p);
	if (status != LAB_OK) {
		rollback(lab->name, p, old);
		goto out;
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
			status = lab_fail(ctx, w->ns, r);
			r = json_array_append(json_object_get(new, "nodes"), w->old);
		}
	}
	if (r >= 0)
		r = lab_state_write(lab->name, new, false);
	/* After the state: a kill in between leaves a journal whose names the
	 * state records too. */
	if (r >= 0)
		r = lab_journal_remove(lab->name);
	if (r < 0)
		status = lab_fail(ctx, "state", r);
out:
	json_decref(st);
	json_decref(old);
	json_decref(new);
	lab_plan_free(p);
	if (journal >= 0)
		close(journal);
	if (lock >= 0)
		close(lock);
	return status;
}

