/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scanning /proc: netns_thread_foreach() and netns_thread_id() see namespaces
 * per thread, so a thread that switched on its own is found.
 */
#include "nstest.h"

static unsigned long long host_ino;

struct found {
	pid_t pid, tid;
	bool seen;
	struct netns_thread t;
};

struct scan {
	struct found want[4];
	int n_want;
	int calls;
	int stop_after;
	bool order_ok; /* threads of one process arrive together */
	pid_t last_pid;
	pid_t done_pids[4096];
	int n_done;
};

static int scan_cb(const struct netns_thread *t, void *data)
{
	struct scan *s = data;

	s->calls++;
	if (t->pid != s->last_pid) {
		for (int i = 0; i < s->n_done; i++)
			if (s->done_pids[i] == t->pid)
				s->order_ok = false;
		if (s->last_pid && s->n_done < 4096)
			s->done_pids[s->n_done++] = s->last_pid;
		s->last_pid = t->pid;
	}
	for (int i = 0; i < s->n_want; i++)
		if (s->want[i].pid == t->pid && s->want[i].tid == t->tid) {
			s->want[i].seen = true;
			s->want[i].t = *t;
		}
	return s->stop_after && s->calls >= s->stop_after ? -ECANCELED : 0;
}

static void scan_init(struct scan *s)
{
	memset(s, 0, sizeof(*s));
	s->order_ok = true;
}

static void scan_want(struct scan *s, pid_t pid, pid_t tid)
{
	s->want[s->n_want].pid = pid;
	s->want[s->n_want++].tid = tid;
}

/* A process whose main thread has exited while another thread lives on in
 * namespace FD. Its /proc/PID/ns/net is gone; the thread is still inside. */
static void *linger(void *p)
{
	int *fds = p;
	char c;

	if (setns(fds[0], CLONE_NEWNET) < 0 || write(fds[1], "r", 1) != 1)
		return NULL;
	while (read(fds[2], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0); /* the last thread: end here, not in exit handlers */
}

static pid_t start_headless(int ns, int *ret_quit, pid_t *ret_tid)
{
	int ready[2], quit[2];
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(quit, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		static int fds[3]; /* not on main's stack: main exits first */
		pthread_t th;

		fds[0] = ns;
		fds[1] = ready[1];
		fds[2] = quit[0];
		close(quit[1]);
		if (pthread_create(&th, NULL, linger, fds) != 0)
			_exit(1);
		pthread_exit(NULL); /* main thread goes; the process lives on */
	}
	close(ready[1]);
	close(quit[0]);
	if (read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	*ret_quit = quit[1];
	*ret_tid = 0;
	/* The lingering thread is the only other task. */
	for (int i = 0; i < 100 && pid > 0; i++) {
		char path[64];
		DIR *d;
		struct dirent *de;
		int zombie = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		d = opendir(path);
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.' && atoi(de->d_name) != pid)
				*ret_tid = atoi(de->d_name);
		if (d)
			closedir(d);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)pid);
		f = fopen(path, "re");
		if (f) {
			char st = 0;

			if (fscanf(f, "%*d (%*[^)]) %c", &st) == 1 && st == 'Z')
				zombie = 1;
			fclose(f);
		}
		if (*ret_tid && zombie)
			break;
		usleep(20000);
	}
	return pid;
}

int main(void)
{
	struct netns_id id, ns_id;
	struct nsthread th;
	struct nschild child;
	struct scan s;
	char path[64];
	int ns, fds_before, quit;
	pid_t headless, htid;

	nstest_require_sandbox();
	host_ino = self_ino();
	fds_before = count_fds();

	/* A namespace of our own that no name points at. */
	is(nsthread_start(&th, -1), 0, "a helper thread unshares a new namespace");
	ns_id = th.cur;
	snprintf(path, sizeof(path), "/proc/self/task/%d/ns/net", (int)th.tid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	ok(ns >= 0, "open the helper's namespace");
	pthread_setname_np(th.th, "ns-helper");

	/* netns_thread_id */
	is(netns_thread_id(getpid(), 0, &id), 0, "thread_id(self) succeeds");
	is(id.ino, host_ino, "thread_id(self) is the main thread's namespace");
	is(netns_thread_id(getpid(), th.tid, &id), 0, "thread_id(self, helper) succeeds");
	is(id.ino, ns_id.ino, "thread_id(self, helper) is the helper's namespace");
	ok(netns_id_equal(&id, &ns_id), "and its device matches too");
	snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/net", (int)getpid(), (int)th.tid);
	is(id.ino, ino_of(path), "thread_id agrees with stat(/proc/PID/task/TID/ns/net)");
	id.ino = 42;
	is(netns_thread_id(pid_never(), 0, &id), -ESRCH, "thread_id(no such pid) is -ESRCH");
	is(id.ino, 42, "thread_id leaves ret_id alone on failure");
	is(netns_thread_id(getpid(), pid_never(), &id), -ESRCH, "thread_id(no such tid) is -ESRCH");
	is(netns_thread_id(0, 0, &id), -EINVAL, "thread_id(0) is -EINVAL");

	/* netns_thread_foreach on this process: the helper diverged. */
	scan_init(&s);
	scan_want(&s, getpid(), getpid());
	scan_want(&s, getpid(), th.tid);
	is(netns_thread_foreach(getpid(), scan_cb, &s), 0, "thread_foreach(self) succeeds");
	is(s.calls, 2, "it reports both threads of this process");
	ok(s.want[0].seen && s.want[0].t.id.ino == host_ino && s.want[0].t.main.ino == host_ino,
	   "main thread: id == main == this namespace");
	ok(s.want[1].seen && netns_id_equal(&s.want[1].t.id, &ns_id),
	   "helper thread: id is its own namespace");
	ok(s.want[1].seen && s.want[1].t.main.ino == host_ino && s.want[1].t.id.ino != host_ino,
	   "helper thread: diverged, id != main");
	ok(s.want[1].seen && strcmp(s.want[1].t.comm, "ns-helper") == 0,
	   "helper thread: comm is its thread name (%s)", s.want[1].t.comm);
	ok(s.want[1].seen && s.want[1].t.pid == getpid(), "helper thread: pid is the process's");

	/* The whole system: a child process inside, and our helper. */
	if (nschild_start(&child, ns) == 0) {
		scan_init(&s);
		scan_want(&s, child.pid, child.pid);
		scan_want(&s, getpid(), th.tid);
		is(netns_thread_foreach(0, scan_cb, &s), 0, "thread_foreach(all) succeeds");
		ok(s.want[0].seen && s.want[0].t.id.ino == ns_id.ino && s.want[0].t.main.ino == ns_id.ino,
		   "it finds the child inside, main thread and all");
		ok(s.want[1].seen && s.want[1].t.id.ino == ns_id.ino, "it finds the diverged helper");
		ok(s.calls > 2, "it walks other processes too (%d threads)", s.calls);
		ok(s.order_ok, "a process's threads are reported together");
		scan_init(&s);
		s.stop_after = 3;
		is(netns_thread_foreach(0, scan_cb, &s), -ECANCELED, "a negative callback value stops the walk");
		is(s.calls, 3, "and no callback runs after it");
		is(nschild_stop(&child), 0, "the child exits 0");
	} else {
		ok(0, "fork a child into the namespace");
	}

	/* A process whose main thread exited: only its other thread is inside. */
	headless = start_headless(ns, &quit, &htid);
	ok(headless > 0 && htid > 0, "a process whose main thread exited keeps a thread in the namespace");
	if (headless > 0) {
		scan_init(&s);
		scan_want(&s, headless, htid);
		is(netns_thread_foreach(0, scan_cb, &s), 0, "thread_foreach(all) succeeds");
		ok(s.want[0].seen && s.want[0].t.id.ino == ns_id.ino,
		   "it finds the live thread of a process whose main thread exited");
		scan_init(&s);
		scan_want(&s, headless, htid);
		is(netns_thread_foreach(headless, scan_cb, &s), 0, "thread_foreach(that pid) succeeds");
		ok(s.want[0].seen, "and lists that thread");
		is(netns_thread_id(headless, htid, &id), 0, "thread_id(pid, live tid) succeeds");
		is(id.ino, ns_id.ino, "and is the namespace");
		close(quit);
		waitpid(headless, NULL, 0);
	}

	is(netns_thread_foreach(pid_never(), scan_cb, &s), -ESRCH, "thread_foreach(no such pid) is -ESRCH");
	is(netns_thread_foreach(-1, scan_cb, &s), -EINVAL, "thread_foreach(-1) is -EINVAL");
	is(netns_thread_foreach(0, NULL, NULL), -EINVAL, "thread_foreach(NULL callback) is -EINVAL");

	nsthread_stop(&th);
	close(ns);
	is(self_ino(), host_ino, "the main thread never left its namespace");
	is(count_fds(), fds_before, "no fd leaked");
	return done_testing();
}
