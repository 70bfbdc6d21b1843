/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab down, and the removals of an up: deleting a lab's names (only
 * those that still are the namespaces it made), and ending the processes
 * left inside its namespaces. */
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

/* Deleting names. A name is a mount, and unmounting one waits for the
 * kernel (an RCU grace period in namespace_unlock(), slow while the
 * namespaces of earlier deletes are being freed: 500 lazy unmounts in a row
 * took 17 s here, 2 s from 20 processes at once). netns_name_delete()
 * unmounts under the run directory's lock, one name at a time; so the
 * mounts are detached first from many threads at once, and
 * netns_name_delete() then removes what is left of each name, an empty
 * placeholder, under the lock. A name is detached only when it still is
 * the namespace the lab made: one made by someone else since (after a
 * delete by hand, or never made by an up killed half-way) is not the lab's.
 *
 * The namespaces are held open until every name is gone, so that they die
 * together. The kernel frees dead namespaces in batches (cleanup_net()),
 * and for each one it walks every namespace still alive to drop their ids
 * for it (unhash_nsid(): the ids a veth between two namespaces assigns):
 * namespaces dying one by one while thousands still live cost it O(N^2),
 * under spinlocks with bottom halves off, which also held back the grace
 * periods each unmount waits for (a 10,000-node down took 14.4 s, perf
 * record -a: 42% of samples in idr_for_each and its lock). Dying at once,
 * they leave the list before that walk. As many as the fd limit allows
 * (raised to its hard limit for the down) are held; the rest go as before. */

#define DELETERS 32

struct deleter {
	const char *const *ns;
	const struct netns_id *ids;
	int *res, *held;
	size_t n;
	atomic_size_t next, done;
	atomic_long budget; /* fds that may still be held */
	atomic_int running;
};

/* 0: detached (or nothing mounted), 1: already gone, -ESTALE: another
 * namespace now, or a negative errno. The namespace's fd goes to *HELD
 * while BUDGET allows, else it is closed. */
static int detach_if(const char *ns, const struct netns_id *id, atomic_long *budget, int *held)
{
	struct netns_id now;
	char path[4096];
	int fd = netns_fd_open_name(ns), r;

	if (fd == -ENOENT)
		return 1;
	/* An empty placeholder: the lab's name, left by a down or an up killed
	 * between its steps. netns_name_delete() removes it (and refuses any
	 * other file). */
	if (fd == -EMEDIUMTYPE)
		return 0;
	if (fd < 0)
		return fd;
	r = netns_fd_id(fd, &now);
	if (r < 0 || !netns_id_equal(&now, id)) {
		close(fd);
		return r < 0 ? r : -ESTALE;
	}
	if (held && atomic_fetch_sub(budget, 1) > 0)
		*held = fd;
	else
		close(fd);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", netns_rundir_get(), ns) >= sizeof(path))
		return -ENAMETOOLONG;
	/* Twice mounted (Debian bug 949235) needs two. */
	for (int i = 0; i < 16; i++)
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return errno == EINVAL ? 0 : -errno;
	return 0;
}

static void *deleter_thread(void *arg)
{
	struct deleter *d = arg;

	for (;;) {
		size_t i = atomic_fetch_add(&d->next, 1);

		if (i >= d->n)
			break;
		d->res[i] = detach_if(d->ns[i], &d->ids[i], &d->budget, d->held ? &d->held[i] : NULL);
		atomic_fetch_add(&d->done, 1);
	}
	atomic_fetch_sub(&d->running, 1);
	return NULL;
}

/* How many namespace fds a down may hold: the fd limit, raised to its
 * hard limit, less room for the deleters' own and whatever else is open. */
static long hold_budget(size_t n, struct rlimit *was)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, was) < 0) {
		*was = (struct rlimit){ 0, 0 };
		return 0;
	}
	rl = *was;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < n + 256) {
		rl.rlim_cur = rl.rlim_max < n + 256 ? rl.rlim_max : n + 256;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl = *was;
	}
	return rl.rlim_cur > DELETERS + 128 ? (long)(rl.rlim_cur - DELETERS - 128) : 0;
}

/* Deletes names NS[I] that are still namespace IDS[I]; RES[I]: 0 (deleted or
 * already gone), -ESTALE (not the lab's now) or a negative errno. PROG,
 * when not NULL, counts them as nodes. */
static void names_delete(const char *const *ns, const struct netns_id *ids, size_t n, int *res,
			 struct lab_progress *prog)
{
	struct deleter d = { .ns = ns, .ids = ids, .res = res, .n = n };
	pthread_t th[DELETERS];
	size_t started = 0, i;
	sigset_t all, old;
	struct rlimit was;

	d.held = malloc((n + 1) * sizeof(*d.held));
	for (i = 0; d.held && i < n; i++)
		d.held[i] = -1;
	/* Without the array, nothing is held. */
	atomic_store(&d.budget, d.held ? hold_budget(n, &was) : 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < DELETERS && i < (n + 15) / 16; i++) {
		atomic_fetch_add(&d.running, 1);
		if (pthread_create(&th[started], NULL, deleter_thread, &d) != 0) {
			atomic_fetch_sub(&d.running, 1);
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		/* No thread: this one does it all. */
		atomic_fetch_add(&d.running, 1);
		deleter_thread(&d);
	}
	while (atomic_load(&d.running) > 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (prog) {
			prog->nodes = atomic_load(&d.done);
			lab_progress_show(prog);
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++) {
		if (res[i] == 1)
			res[i] = 0;
		else if (res[i] == 0 && (res[i] = netns_name_delete(ns[i])) == -ENOENT)
			res[i] = 0;
	}
	/* Every name gone: now the namespaces die together. */
	if (d.held) {
		for (i = 0; i < n; i++)
			if (d.held[i] >= 0)
				close(d.held[i]);
		free(d.held);
		if (was.rlim_cur)
			setrlimit(RLIMIT_NOFILE, &was);
	}
}

/* Deletes the names of the nodes SELECT picks that have an identity; each
 * one's result goes to its ERR (0, -ESTALE or a negative errno). */
int lab_nodes_delete(struct lab_plan *p, bool (*select)(const struct lab_nwork *w))
{
	const char **ns = calloc(p->n_nodes + 1, sizeof(*ns));
	struct netns_id *ids = calloc(p->n_nodes + 1, sizeof(*ids));
	int *res = calloc(p->n_nodes + 1, sizeof(*res));
	size_t *idx = calloc(p->n_nodes + 1, sizeof(*idx));
	size_t n = 0, i;
	int r = 0;

	if (!ns || !ids || !res || !idx) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->n_nodes; i++)
		if (select(&p->nodes[i]) && p->nodes[i].has_id) {
			ns[n] = p->nodes[i].ns;
			ids[n] = p->nodes[i].id;
			idx[n++] = i;
		}
	names_delete(ns, ids, n, res, NULL);
	for (i = 0; i < n; i++)
		p->nodes[idx[i]].err = res[i];
out:
	free(ns);
	free(ids);
	free(res);
	free(idx);
	return r;
}

static int id_cmp(const void *a, const void *b)
{
	const struct netns_id *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

struct scan {
	const struct netns_id *ids;
	size_t n_ids;
	pid_t *pids;
	size_t n, cap;
	bool oom;
};

static int scan_thread(const struct netns_thread *t, void *data)
{
	struct scan *s = data;

	if (t->pid == getpid())
		return 0;
	if (!bsearch(&t->id, s->ids, s->n_ids, sizeof(*s->ids), id_cmp))
		return 0;
	/* Threads of one process come one after another. */
	if (s->n && s->pids[s->n - 1] == t->pid)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		pid_t *p = realloc(s->pids, cap * sizeof(*p));

		if (!p) {
			s->oom = true;
			return -ENOMEM;
		}
		s->pids = p;
		s->cap = cap;
	}
	s->pids[s->n++] = t->pid;
	return 0;
}

/* The processes with a thread in one of IDS (sorted). */
static int scan_procs(const struct netns_id *ids, size_t n_ids, pid_t **ret, size_t *ret_n)
{
	struct scan s = { .ids = ids, .n_ids = n_ids };
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (n_ids == 0)
		return 0;
	r = netns_thread_foreach(0, scan_thread, &s);
	if (r < 0 && s.oom) {
		free(s.pids);
		return r;
	}
	*ret = s.pids;
	*ret_n = s.n;
	return 0;
}

static int signal_pid(pid_t pid, int sig)
{
	return kill(pid, sig) < 0 ? -errno : 0;
}

/* Ends every process with a thread in one of the namespaces HELD (sorted),
 * each held open by the caller, so that none of them can die and have its
 * inode number handed to another namespace meanwhile: SIGTERM, up to a
 * second to leave, then SIGKILL. The processes are found thread by thread
 * (netns_thread_foreach): one that switched a single thread into the lab is
 * the lab's too. Returns how many were signalled. */
static size_t kill_held(const struct netns_id *held, size_t n_held)
{
	pid_t *pids = NULL;
	size_t n = 0, killed = 0, i;

	if (scan_procs(held, n_held, &pids, &n) < 0 || n == 0) {
		free(pids);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (signal_pid(pids[i], SIGTERM) == 0)
			killed++;
	free(pids);
	for (int tries = 0;; tries++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (scan_procs(held, n_held, &pids, &n) < 0) {
			n = 0;
			break;
		}
		if (n == 0 || tries == 49)
			break;
		free(pids);
		pids = NULL;
	}
	/* Rescanned right before: a pid still listed is still in the lab. */
	for (i = 0; i < n; i++)
		signal_pid(pids[i], SIGKILL);
	free(pids);
	return killed;
}

/* An inode number alone proves nothing: the kernel hands a dead
 * namespace's nsfs inode to the next namespace made (lowest free first; a
 * node deleted by hand, then `unshare -n sleep` got its number within 9
 * tries, and a down ended that sleep). So each name is opened, checked to
 * be still the namespace recorded, and held open while its processes are
 * found and signalled; a name that is gone or another namespace now (or a
 * state file that was edited) aims at nothing. Held in batches that the fd
 * limit allows. */
size_t lab_kill_procs(const char *const *ns, const struct netns_id *ids, size_t n)
{
	struct rlimit was;
	long budget = hold_budget(n, &was);
	size_t cap = budget < 32 ? 32 : (size_t)budget, killed = 0, i = 0;
	struct netns_id *held;
	int *fds;

	if (cap > n)
		cap = n;
	held = malloc((cap + 1) * sizeof(*held));
	fds = malloc((cap + 1) * sizeof(*fds));
	while (held && fds && i < n) {
		size_t k = 0;

		while (i < n && k < cap) {
			struct netns_id now;
			int fd = netns_fd_open_name(ns[i]);

			if ((fd == -EMFILE || fd == -ENFILE) && k > 0)
				break; /* this batch first, then again */
			i++;
			if (fd < 0)
				continue;
			if (netns_fd_id(fd, &now) < 0 || !netns_id_equal(&now, &ids[i - 1])) {
				close(fd);
				continue;
			}
			fds[k] = fd;
			held[k++] = now;
		}
		qsort(held, k, sizeof(*held), id_cmp);
		killed += kill_held(held, k);
		while (k > 0)
			close(fds[--k]);
	}
	free(held);
	free(fds);
	if (was.rlim_cur)
		setrlimit(RLIMIT_NOFILE, &was);
	return killed;
}

/* The processes still running in nodes SELECT picks, ended; "killed N
 * processes" said when there were any. */
void lab_kill_in(const char *lab, struct lab_plan *p, bool (*select)(const struct lab_nwork *w))
{
	const struct lab_ctx *ctx = p->ctx;
	struct netns_id *ids = malloc((p->n_nodes + 1) * sizeof(*ids));
	const char **ns = malloc((p->n_nodes + 1) * sizeof(*ns));
	size_t n = 0, killed;

	if (!ids || !ns) {
		free(ids);
		free(ns);
		return;
	}
	for (size_t i = 0; i < p->n_nodes; i++)
		if (select(&p->nodes[i]) && p->nodes[i].has_id) {
			ns[n] = p->nodes[i].ns;
			ids[n++] = p->nodes[i].id;
		}
	killed = lab_kill_procs(ns, ids, n);
	if (killed)
		lab_note(ctx, "%s: killed %zu process%s", lab, killed, killed == 1 ? "" : "es");
	free(ids);
	free(ns);
}

/* ---------------------------------------------------------------------------
 * down
 */

static int down_locked(const struct lab_ctx *ctx, const char *lab, json_t *state);
static void down_entry(const char *lab, json_t *entry, const char *key, const char **ns,
		       struct netns_id *ids, size_t *n);

int lab_down(const struct lab_ctx *ctx, const char *lab, json_t *loaded)
{
	int lock = lab_state_lock(), status;
	json_t *state = NULL;

	if (lock < 0)
		return lab_fail(ctx, "state", lock);
	/* Again under the lock: an up may have changed it meanwhile. */
	status = lab_state_load(lab, &state);
	if (status == -ENOENT) {
		/* Not up; but an up killed before its state was in place, or a
		 * down killed between removing the state and the journal, may
		 * have left a journal (each name in it deleted only while it
		 * still is the namespace listed) or a temporary state file. */
		lab_undo_journal(ctx, lab, false);
		lab_state_tidy(lab);
	}
	if (status < 0)
		status = lab_state_fail(ctx, lab, status);
	else
		status = down_locked(ctx, lab, state ? state : loaded);
	json_decref(state);
	close(lock);
	return status;
}

/* The name NS and identity recorded in ENTRY (a node of the state, or an
 * entry of the journal) into NS[*N] and IDS[*N]: only a name of this lab,
 * whatever the file says, and only with an identity (a node listed but
 * never made may be someone else's name). */
static void down_entry(const char *lab, json_t *entry, const char *key, const char **ns,
		       struct netns_id *ids, size_t *n)
{
	const char *s = json_string_value(json_object_get(entry, key));
	size_t plen = strlen(lab);

	if (!s || strncmp(s, lab, plen) != 0 || s[plen] != '-' ||
	    lab_state_node_id(entry, &ids[*n]) < 0)
		return;
	ns[(*n)++] = s;
}

static int down_locked(const struct lab_ctx *ctx, const char *lab, json_t *state)
{
	json_t *nodes = json_object_get(state, "nodes"), *journal = NULL, *n;
	size_t i, n_ids = 0, killed, max;
	const char **ns = NULL;
	struct netns_id *ids = NULL;
	int *res = NULL;
	struct lab_progress prog;
	int r, status = LAB_OK;

	/* What an up killed half-way made: in its journal, not in the state. */
	r = lab_journal_read(lab, &journal);
	max = json_array_size(nodes) + json_array_size(journal) + 1;
	if (r >= 0) {
		ids = calloc(max, sizeof(*ids));
		ns = calloc(max, sizeof(*ns));
		res = calloc(max, sizeof(*res));
	}
	if (r < 0 || !ids || !ns || !res) {
		free(ids);
		free(ns);
		free(res);
		json_decref(journal);
		return lab_fail(ctx, lab, r < 0 ? r : -ENOMEM);
	}
	json_array_foreach(nodes, i, n)
		down_entry(lab, n, "namespace", ns, ids, &n_ids);
	json_array_foreach(journal, i, n)
		down_entry(lab, n, "ns", ns, ids, &n_ids);
	/* Processes first: started by exec lines or lab exec, they would keep
	 * the namespaces (and the veths in them) alive after their names go. */
	killed = lab_kill_procs(ns, ids, n_ids);
	if (killed)
		lab_note(ctx, "%s: killed %zu process%s", lab, killed, killed == 1 ? "" : "es");
	lab_progress_init(&prog, ctx, lab, n_ids, 0);
	names_delete(ns, ids, n_ids, res, &prog);
	lab_progress_end(&prog);
	for (i = 0; i < n_ids; i++)
		if (res[i] < 0 && res[i] != -ESTALE)
			status = lab_fail(ctx, ns[i], res[i]);
	free(ids);
	free(ns);
	free(res);
	json_decref(journal);
	if (status == LAB_OK) {
		r = lab_state_remove(lab);
		if (r < 0 && r != -ENOENT)
			status = lab_fail(ctx, "state", r);
	}
	return status;
}

static int veth_name(const struct netns_link *l, void *data)
{
	return l->kind && strcmp(l->kind, "veth") == 0 ? lab_strv_add(data, l->name) : 0;
}

/* Deletes the veths in namespace NS, still IDS: a veth goes with its peer,
 * at once. Left to the namespace's end, the peer in a node that stays would
 * go only when the kernel frees the namespace, later, and the next up,
 * making that link again, would find its name taken. */
static void veths_delete(const char *ns, const struct netns_id *id)
{
	struct lab_strv names = { 0 };
	struct netns_id now;
	int fd = netns_fd_open_name(ns);

	if (fd < 0)
		return;
	if (netns_fd_id(fd, &now) == 0 && netns_id_equal(&now, id) &&
	    netns_link_foreach(fd, veth_name, &names) >= 0)
		for (size_t i = 0; i < names.n; i++)
			netns_link_delete(fd, names.v[i]);
	close(fd);
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
}

/* Undoes what an up killed half-way made, as its journal lists it: the
 * processes in those namespaces and their names (each only while it still
 * is the namespace listed, or an empty placeholder); with LIVE (a change
 * to a lab that is up), first the veths in them; then the journal. Reports
 * what fails; returns LAB_OK or LAB_FAILED. */
int lab_undo_journal(const struct lab_ctx *ctx, const char *lab, bool live)
{
	json_t *journal = NULL, *e;
	const char **ns = NULL;
	struct netns_id *ids = NULL;
	int *res = NULL, r, status = LAB_OK;
	size_t i, n = 0, killed;

	r = lab_journal_read(lab, &journal);
	if (r >= 0) {
		ns = calloc(json_array_size(journal) + 1, sizeof(*ns));
		ids = calloc(json_array_size(journal) + 1, sizeof(*ids));
		res = calloc(json_array_size(journal) + 1, sizeof(*res));
		if (!ns || !ids || !res)
			r = -ENOMEM;
	}
	if (r < 0) {
		status = lab_fail(ctx, lab, r);
		goto out;
	}
	json_array_foreach(journal, i, e)
		down_entry(lab, e, "ns", ns, ids, &n);
	killed = lab_kill_procs(ns, ids, n);
	if (killed)
		lab_note(ctx, "%s: killed %zu process%s", lab, killed, killed == 1 ? "" : "es");
	for (i = 0; live && i < n; i++)
		veths_delete(ns[i], &ids[i]);
	names_delete(ns, ids, n, res, NULL);
	for (i = 0; i < n; i++)
		if (res[i] < 0 && res[i] != -ESTALE)
			status = lab_fail(ctx, ns[i], res[i]);
	if (status == LAB_OK && (r = lab_journal_remove(lab)) < 0)
		status = lab_fail(ctx, "journal", r);
out:
	free(ns);
	free(ids);
	free(res);
	json_decref(journal);
	return status;
}
