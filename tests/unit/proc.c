/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scanning /proc: netns_thread_foreach() and netns_thread_id() see namespaces
 * per thread, so a thread that switched on its own is found.
 */
#include <grp.h>

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

/* A process whose main thread has exited while two threads live on in two
 * namespaces: the first stays in ours, the second unshares a new one. The
 * first is created (and so listed in /proc/PID/task) before the second. */
struct split {
	pid_t pid, stay, moved; /* the process and its two live threads */
	int quit;
};

static int split_ready[2], split_quit[2];

static void *split_thread(void *p)
{
	bool move = p != NULL;
	pid_t tid = gettid();
	char c;

	pthread_setname_np(pthread_self(), move ? "split-moved" : "split-stay");
	if (move && unshare(CLONE_NEWNET) < 0)
		tid = 0;
	if (write(split_ready[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	while (read(split_quit[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int start_split(struct split *sp)
{
	pid_t tids[2] = { 0, 0 };
	int report[2];

	memset(sp, 0, sizeof(*sp));
	sp->quit = -1;
	if (pipe2(split_ready, O_CLOEXEC) < 0 || pipe2(split_quit, O_CLOEXEC) < 0 ||
	    pipe2(report, O_CLOEXEC) < 0)
		return -errno;
	sp->pid = fork();
	if (sp->pid < 0)
		return -errno;
	if (sp->pid == 0) {
		pthread_t th;

		close(split_quit[1]);
		close(report[0]);
		/* One at a time, so that "stay" is the first live thread. */
		for (int i = 0; i < 2; i++)
			if (pthread_create(&th, NULL, split_thread, i ? &th : NULL) != 0 ||
			    read(split_ready[0], &tids[i], sizeof(tids[i])) != sizeof(tids[i]))
				_exit(1);
		if (write(report[1], tids, sizeof(tids)) != sizeof(tids))
			_exit(1);
		pthread_exit(NULL); /* main thread goes; the process lives on */
	}
	close(split_quit[0]);
	close(split_ready[0]);
	close(split_ready[1]);
	close(report[1]);
	sp->quit = split_quit[1];
	if (read(report[0], tids, sizeof(tids)) != sizeof(tids)) {
		close(report[0]);
		return -EIO;
	}
	close(report[0]);
	sp->stay = tids[0];
	sp->moved = tids[1];
	if (!sp->stay || !sp->moved)
		return -EIO;
	/* Until the main thread is gone (a zombie leader). */
	for (int i = 0; i < 500; i++) {
		char path[64], st = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)sp->pid, (int)sp->pid);
		f = fopen(path, "re");
		if (f) {
			if (fscanf(f, "%*d (%*[^)]) %c", &st) != 1)
				st = 0;
			fclose(f);
		}
		if (st == 'Z')
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static void stop_split(struct split *sp)
{
	if (sp->quit >= 0)
		close(sp->quit);
	if (sp->pid > 0)
		waitpid(sp->pid, NULL, 0);
}

/* A zombie: a child that has exited and is not reaped yet. */
static pid_t start_zombie(void)
{
	siginfo_t info;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	/* WNOWAIT: wait until it is a zombie, and leave it one. */
	if (pid > 0 && waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* What netns_thread_foreach(PID) returns to a child that dropped root. */
static int foreach_unprivileged(pid_t pid)
{
	int status;
	pid_t c = fork();

	if (c == 0) {
		struct scan s;
		int r;

		scan_init(&s);
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(255);
		r = netns_thread_foreach(pid, scan_cb, &s);
		/* The errno, and 100 when a thread was reported anyway. */
		_exit(s.calls ? 100 : r < 0 ? -r : 0);
	}
	if (c < 0 || waitpid(c, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
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

	/* A non-main TID stands for its process: /proc/TID/task lists the
	 * whole thread group, but /proc/TID/ns/net is that thread's own. */
	scan_init(&s);
	scan_want(&s, getpid(), getpid());
	scan_want(&s, getpid(), th.tid);
	is(netns_thread_foreach(th.tid, scan_cb, &s), 0, "thread_foreach(helper tid) succeeds");
	is(s.calls, 2, "it reports both threads of the process");
	ok(s.want[0].seen && s.want[1].seen, "with the process's pid on every row");
	ok(s.want[0].seen && s.want[0].t.main.ino == host_ino && s.want[0].t.id.ino == host_ino,
	   "main thread: not diverged (main is the main thread's namespace, not the tid's)");
	ok(s.want[1].seen && s.want[1].t.main.ino == host_ino && s.want[1].t.id.ino == ns_id.ino,
	   "helper thread: diverged");

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
		ok(s.want[0].seen && s.want[0].t.main.ino == ns_id.ino,
		   "its divergence is measured against the live thread, not against nothing");
		is(netns_thread_id(headless, htid, &id), 0, "thread_id(pid, live tid) succeeds");
		is(id.ino, ns_id.ino, "and is the namespace");
		close(quit);
		waitpid(headless, NULL, 0);
	}

	/* Main thread gone, the two live threads in two namespaces. */
	{
		struct split sp;
		int r = start_split(&sp);

		is(r, 0, "a process whose main thread exited keeps two threads in two namespaces");
		if (r == 0) {
			scan_init(&s);
			scan_want(&s, sp.pid, sp.stay);
			scan_want(&s, sp.pid, sp.moved);
			is(netns_thread_foreach(sp.pid, scan_cb, &s), 0, "thread_foreach(it) succeeds");
			is(s.calls, 2, "it reports the two live threads");
			ok(s.want[0].seen && s.want[0].t.main.ino == host_ino &&
			   s.want[0].t.id.ino == host_ino,
			   "the first live thread is the reference: not diverged");
			ok(s.want[1].seen && s.want[1].t.main.ino == host_ino &&
			   s.want[1].t.id.ino != host_ino && s.want[1].t.id.ino != 0,
			   "the thread that unshared is diverged from it");
			ok(s.want[1].seen && strcmp(s.want[1].t.comm, "split-moved") == 0,
			   "comm is the live thread's (%s)", s.want[1].t.comm);
		}
		stop_split(&sp);
	}

	/* A zombie has no thread with a namespace: an error, not an empty list. */
	{
		pid_t z = start_zombie();

		ok(z > 0, "a child that exited and is not reaped");
		if (z > 0) {
			scan_init(&s);
			is(netns_thread_foreach(z, scan_cb, &s), -ENOENT, "thread_foreach(zombie) is -ENOENT");
			is(s.calls, 0, "and reports nothing");
			is(netns_thread_id(z, 0, &id), -ENOENT, "thread_id(zombie) is -ENOENT too");
			waitpid(z, NULL, 0);
		}
	}

	/* Without the right to read them: an error, not an empty list. */
	is(foreach_unprivileged(getpid()), EACCES,
	   "thread_foreach(a root process) as nobody is -EACCES, with nothing reported");

	is(netns_thread_foreach(pid_never(), scan_cb, &s), -ESRCH, "thread_foreach(no such pid) is -ESRCH");
	is(netns_thread_foreach(-1, scan_cb, &s), -EINVAL, "thread_foreach(-1) is -EINVAL");
	is(netns_thread_foreach(0, NULL, NULL), -EINVAL, "thread_foreach(NULL callback) is -EINVAL");

	nsthread_stop(&th);
	close(ns);
	is(self_ino(), host_ino, "the main thread never left its namespace");
	is(count_fds(), fds_before, "no fd leaked");
	return done_testing();
}
