/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns_run, netns_socket and netns_spawn: right namespace, caller untouched, no fd leaks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "nstest.h"

/* A mutable copy of a literal, for argv arrays. */
#define ARG(s) ((char[]){ s })

static ino_t orig_ino;

/* Number of threads of this process whose namespace is not ORIG_INO (-1 on
 * error), once at most 2 s have passed for the ones on their way out: a
 * joined thread has left the caller's code (glibc's join wakes when the
 * kernel clears its tid, in exit_mm()), but the kernel drops its
 * namespaces only later in do_exit() (exit_task_namespaces()), and on a
 * loaded machine /proc can still show it there for a while. */
static int threads_elsewhere_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	char path[300];
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ino_t ino;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/ns/net", de->d_name);
		ino = ino_of(path);
		if (ino && ino != orig_ino)
			n++;
	}
	closedir(d);
	return n;
}

static int threads_elsewhere(void)
{
	int n = threads_elsewhere_now();

	for (int i = 0; n > 0 && i < 200; i++) {
		usleep(10000);
		n = threads_elsewhere_now();
	}
	return n;
}

/* The namespace inode of socket S, through SIOCGSKNS. */
static ino_t sock_ino(int s)
{
	int nsfd = ioctl(s, SIOCGSKNS);
	ino_t ino;

	if (nsfd < 0)
		return 0;
	ino = ino_of_fd(nsfd);
	close(nsfd);
	return ino;
}

static int thread_ino_fn(void *arg)
{
	*(ino_t *)arg = ino_of("/proc/thread-self/ns/net");
	return 42;
}

static int return_errno_fn(void *arg)
{
	(void)arg;
	return -ENOTSUP;
}

static void *child_main(void *arg)
{
	*(ino_t *)arg = ino_of("/proc/thread-self/ns/net");
	return NULL;
}

/* Creates a thread inside FN: it must be born in the target namespace. */
static int create_thread_fn(void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, child_main, arg) != 0)
		return -EAGAIN;
	pthread_join(t, NULL);
	return 0;
}

static int tid_fn(void *arg)
{
	*(pid_t *)arg = gettid();
	return 0;
}

static void test_run(int fd, ino_t want)
{
	ino_t got = 0;
	pid_t tid = 0;

	is(netns_run(fd, thread_ino_fn, &got), 42, "netns_run returns fn's result");
	is(got, want, "fn ran in the target namespace");
	is(netns_run(fd, return_errno_fn, NULL), -ENOTSUP, "fn's negative errno comes back");
	got = 0;
	is(netns_run(fd, create_thread_fn, &got), 0, "netns_run with a thread inside");
	is(got, want, "a thread created inside fn is born in the target namespace");
	is(netns_run(fd, tid_fn, &tid), 0, "netns_run tid");
	ok(tid != 0 && tid != gettid(), "fn runs on another thread (%d, caller %d)", tid, gettid());
	is(ino_of("/proc/thread-self/ns/net"), orig_ino, "the caller's thread did not move");
	is(threads_elsewhere(), 0, "no thread left in another namespace");
	is(netns_run(fd, NULL, NULL), -EINVAL, "netns_run without fn: -EINVAL");
}

static void test_socket(int fd, ino_t want)
{
	static const struct {
		int domain, type, protocol;
		const char *what;
	} kinds[] = {
		{ AF_INET, SOCK_STREAM, 0, "AF_INET TCP" },
		{ AF_INET, SOCK_DGRAM, 0, "AF_INET UDP" },
		{ AF_INET6, SOCK_STREAM, 0, "AF_INET6 TCP" },
		{ AF_INET6, SOCK_DGRAM, 0, "AF_INET6 UDP" },
		{ AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "AF_NETLINK NETLINK_ROUTE" },
		{ AF_UNIX, SOCK_STREAM, 0, "AF_UNIX" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int s = netns_socket(fd, kinds[i].domain, kinds[i].type, kinds[i].protocol);

		if (!ok(s >= 0, "netns_socket %s", kinds[i].what)) {
			diag("error %d", s);
			continue;
		}
		is(sock_ino(s), want, "%s socket is in the target namespace", kinds[i].what);
		is(fcntl(s, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "%s socket is close-on-exec", kinds[i].what);
		close(s);
	}
	is(netns_socket(fd, AF_INET, SOCK_STREAM, IPPROTO_UDP), -EPROTONOSUPPORT,
	   "socket()'s own error comes back");
	is(threads_elsewhere(), 0, "no thread left in another namespace");
}

/* By behaviour: a port bound in the target is free in the caller's namespace. */
static void test_socket_behaviour(int fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int a = netns_socket(fd, AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ok(a >= 0 && b >= 0, "two sockets");
	ok(bind(a, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	   getsockname(a, (struct sockaddr *)&sin, &len) == 0, "bind in the target (lo up)");
	is(bind(b, (struct sockaddr *)&sin, sizeof(sin)), 0, "the same port is free here");
	close(a);
	close(b);
}

static volatile sig_atomic_t handled, handled_elsewhere;

static void on_usr1(int sig)
{
	int saved = errno;
	struct stat st;

	(void)sig;
	if (stat("/proc/thread-self/ns/net", &st) == 0 && st.st_ino != orig_ino)
		handled_elsewhere++;
	handled++;
	errno = saved;
}

static atomic_int stop_killer;

static void *killer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000 && !atomic_load(&stop_killer); i++) {
		kill(getpid(), SIGUSR1);
		usleep(50);
	}
	return NULL;
}

/* Signals sent to the process while sockets are made never reach a handler
 * on a thread in the target namespace. */
static void test_signals(int fd)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART }, old;
	pthread_t t;
	int bad = 0;

	sigaction(SIGUSR1, &sa, &old);
	pthread_create(&t, NULL, killer, NULL);
	/* At least 300, and on until the storm has hit a few times: the killer
	 * may get no CPU for a while on a loaded machine. */
	for (int i = 0; i < 300 || (handled < 5 && i < 300000); i++) {
		int s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);

		if (s < 0)
			bad++;
		else
			close(s);
	}
	atomic_store(&stop_killer, 1);
	pthread_join(t, NULL);
	sigaction(SIGUSR1, &old, NULL);
	is(bad, 0, "sockets under a signal storm");
	ok(handled > 0, "handlers ran (%d)", (int)handled);
	is(handled_elsewhere, 0, "no handler ran in the target namespace");
}

/* Reads what a spawned shell wrote to the pipe. */
static ssize_t spawn_read(int fd, const char *script, char *buf, size_t size, int *ret_status)
{
	int p[2], w;
	ssize_t n, total = 0;
	pid_t pid;
	int r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	w = fcntl(p[1], F_DUPFD, 10); /* inheritable, as fd 10+ */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "exec >/proc/$$/fd/%d; %s", w, script);
	char *const argv[] = { ARG("sh"), ARG("-c"), cmd, NULL };
	r = netns_spawn(fd, "sh", argv, NULL, &pid);
	close(w);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	while (total < (ssize_t)size - 1 && (n = read(p[0], buf + total, size - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(p[0]);
	waitpid(pid, ret_status, 0);
	return total;
}

static void test_spawn(int fd, ino_t want)
{
	char buf[256], expect[64], script[128];
	int status = -1, cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid;

	snprintf(script, sizeof(script),
		 "readlink /proc/self/ns/net; [ -e /proc/$$/fd/%d ] && echo leaked || echo clean",
		 cloexec);
	snprintf(expect, sizeof(expect), "net:[%llu]\nclean\n", (unsigned long long)want);
	ok(spawn_read(fd, script, buf, sizeof(buf), &status) > 0, "netns_spawn sh");
	ok(strcmp(buf, expect) == 0, "the program ran in the target namespace, no close-on-exec fd");
	if (strcmp(buf, expect) != 0)
		diag("got '%s', want '%s'", buf, expect);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "it exited 0");
	close(cloexec);

	char *const t[] = { ARG("true"), NULL };
	is(netns_spawn(fd, "/nonexistent/program", t, NULL, &pid), -ENOENT, "no such path: -ENOENT");
	is(netns_spawn(fd, "netns-no-such-program", t, NULL, &pid), -ENOENT, "not in PATH: -ENOENT");

	char tmp[] = "/tmp/netns-noexec-XXXXXX";
	int tf = mkostemp(tmp, O_CLOEXEC);
	if (tf >= 0) {
		if (write(tf, "#!/bin/sh\n", 10) != 10)
			diag("short write");
		fchmod(tf, 0644);
		close(tf);
	}
	is(netns_spawn(fd, tmp, t, NULL, &pid), -EACCES, "not executable: -EACCES");
	unlink(tmp);

	char *const env[] = { ARG("NETNS_TEST_VAR=yes"), NULL };
	char *const e[] = { ARG("sh"), ARG("-c"), ARG("[ \"$NETNS_TEST_VAR\" = yes ]"), NULL };
	status = -1;
	if (is(netns_spawn(fd, "/bin/sh", e, env, &pid), 0, "netns_spawn with envp"))
		waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child got envp");
	is(netns_spawn(fd, "sh", NULL, NULL, &pid), -EINVAL, "no argv: -EINVAL");
	is(threads_elsewhere(), 0, "no thread left in another namespace");
}

static void *unshare_net(void *arg)
{
	int *fd = arg;

	*fd = unshare(CLONE_NEWNET) < 0 ? -errno : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return NULL;
}

static void *setns_there_and_back(void *arg)
{
	int *fds = arg; /* there, back; the answer goes in fds[0] */

	if (setns(fds[0], CLONE_NEWNET) < 0)
		fds[0] = -errno;
	else
		fds[0] = setns(fds[1], CLONE_NEWNET) < 0 ? -errno : 0;
	return NULL;
}

/* In a child: a caller in a user namespace that does not own its network
 * namespace. setns() back fails there with EPERM; the library must work.
 * Returns a bitmask of what went wrong. */
static int userns_child(void)
{
	int nsfd = -1, fds[2], orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), s, bad = 0;
	pthread_t t;
	ino_t got = 0;

	if (orig < 0)
		return 0x40;
	if (unshare(CLONE_NEWUSER) < 0)
		return 0x80; /* disabled (sysctl) or not allowed: a skip */
	pthread_create(&t, NULL, unshare_net, &nsfd); /* a netns our userns owns */
	pthread_join(t, NULL);
	if (nsfd < 0)
		return 0x40;
	fds[0] = nsfd;
	fds[1] = orig;
	pthread_create(&t, NULL, setns_there_and_back, fds);
	pthread_join(t, NULL);
	if (fds[0] != -EPERM)
		bad |= 1; /* the premise: the way back fails */
	s = netns_socket(nsfd, AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || sock_ino(s) != ino_of_fd(nsfd))
		bad |= 2;
	if (netns_run(nsfd, thread_ino_fn, &got) != 42 || got != ino_of_fd(nsfd))
		bad |= 4;
	if (ino_of("/proc/thread-self/ns/net") != orig_ino)
		bad |= 8;
	return bad;
}

static void test_userns(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(userns_child());
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0x80) {
		ok(1, "# SKIP user namespaces are not available here");
		return;
	}
	if (!ok(WIFEXITED(status) && WEXITSTATUS(status) < 0x40, "user namespace child ran")) {
		diag("status 0x%x", status);
		return;
	}
	status = WEXITSTATUS(status);
	ok(!(status & 1), "in a user namespace, setns() back to the original netns fails (EPERM)");
	ok(!(status & 2), "there netns_socket() still makes the socket in the target");
	ok(!(status & 4), "and netns_run() runs fn in the target");
	ok(!(status & 8), "and the calling thread stays where it was");
}

static int sock_ok(int fd, int domain)
{
	int s = netns_socket(fd, domain, SOCK_DGRAM, 0);

	if (s >= 0)
		close(s);
	return s >= 0 ? 0 : s;
}

/* The fd of this process that refers to its own namespace and that the
 * test did not open: the library's way home (the calling thread's, or the
 * socket worker's). -1 if none. */
static int library_home_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char want[64], link[64], path[300];
	int found = -1;

	snprintf(want, sizeof(want), "net:[%llu]", (unsigned long long)orig_ino);
	while (d && (de = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, want) == 0 && atoi(de->d_name) != dirfd(d))
			found = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* A program may close every fd it does not know (closefrom), and reuse the
 * numbers: the library must notice that its way home is gone, never close
 * the program's new file, and go on making sockets where they belong. */
static void test_home_lost(int fd, ino_t want)
{
	int home, s, placeholder;

	close(netns_socket(fd, AF_INET, SOCK_DGRAM, 0));
	home = library_home_fd();
	ok(home >= 0, "netns_socket() keeps its way home (fd %d)", home);
	if (home < 0)
		return;
	close(home);
	s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);
	ok(s >= 0 && sock_ino(s) == want, "with its home fd closed, the socket is still made there");
	close(s);
	is(threads_elsewhere(), 0, "and no thread stayed behind in that namespace");
	home = library_home_fd();
	ok(home >= 0, "and it has a way home again (fd %d)", home);
	if (home < 0)
		return;
	/* Now the number is closed and reused for another file. */
	close(home);
	placeholder = open("/dev/null", O_RDONLY | O_CLOEXEC);
	is(placeholder, home, "the program reuses the number (/dev/null on fd %d)", home);
	s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);
	ok(s >= 0 && sock_ino(s) == want, "with its home fd replaced, the socket is still made there");
	close(s);
	is(threads_elsewhere(), 0, "and no thread stayed behind");
	ok(fcntl(placeholder, F_GETFD) >= 0, "and the program's file on that number is still open");
	close(placeholder);
	close(netns_socket(fd, AF_INET, SOCK_DGRAM, 0)); /* its way home again, as before */
}

/* The fd of this process that is the calling thread's own ns/net symlink
 * (an O_PATH fd of the link itself, which /proc/self/fd shows by its path):
 * how the library reads where the thread is. -1 if none. */
static int library_link_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char want[64], link[300], path[300];
	int found = -1;

	snprintf(want, sizeof(want), "/proc/%d/task/%d/ns/net", (int)getpid(), (int)gettid());
	while (d && (de = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, want) == 0)
			found = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* The same for the fd that tells where the thread is: a program that closed
 * it and reused the number must find its file untouched, and the call must
 * still notice a thread that moved. */
static void test_link_lost(const int fd[2], const ino_t ino[2])
{
	int link, placeholder, home, s;
	struct stat st, null;

	close(netns_socket(fd[0], AF_INET, SOCK_DGRAM, 0));
	link = library_link_fd();
	ok(link >= 0, "netns_socket() keeps the thread's ns/net link (fd %d)", link);
	if (link < 0)
		return;
	close(link);
	placeholder = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (placeholder >= 0 && placeholder != link) {
		dup3(placeholder, link, O_CLOEXEC);
		close(placeholder);
		placeholder = link;
	}
	ok(fcntl(link, F_GETFD) >= 0, "the program reuses the number (/dev/null on fd %d)", link);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ok(setns(fd[1], CLONE_NEWNET) == 0, "(the thread moves on its own)");
	s = netns_socket(fd[0], AF_INET, SOCK_DGRAM, 0);
	ok(s >= 0 && sock_ino(s) == ino[0], "with its link replaced, the socket is still made there");
	close(s);
	is(ino_of("/proc/thread-self/ns/net"), ino[1], "and the thread is back where it had moved");
	setns(home, CLONE_NEWNET);
	close(home);
	ok(fstat(placeholder, &st) == 0 && stat("/dev/null", &null) == 0 && st.st_ino == null.st_ino &&
		   st.st_dev == null.st_dev,
	   "and the program's file on that number is still /dev/null");
	close(placeholder);
	close(netns_socket(fd[0], AF_INET, SOCK_DGRAM, 0)); /* its way home again, as before */
}

struct moved {
	int target, other;
	ino_t target_ino, other_ino;
	int fds_in_thread;
	bool sock1_ok, sock2_ok, back_home, stayed_other;
};

/* A thread that switches on its own between two calls is left where it
 * moved to, not where the first call found it. */
static void *moved_main(void *p)
{
	struct moved *m = p;
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), s;

	s = netns_socket(m->target, AF_INET, SOCK_DGRAM, 0);
	m->sock1_ok = s >= 0 && sock_ino(s) == m->target_ino;
	close(s);
	m->back_home = ino_of("/proc/thread-self/ns/net") == orig_ino;
	m->fds_in_thread = count_fds();
	if (setns(m->other, CLONE_NEWNET) == 0) {
		s = netns_socket(m->target, AF_INET, SOCK_DGRAM, 0);
		m->sock2_ok = s >= 0 && sock_ino(s) == m->target_ino;
		close(s);
		m->stayed_other = ino_of("/proc/thread-self/ns/net") == m->other_ino;
		setns(home, CLONE_NEWNET);
	}
	close(home);
	return NULL;
}

/* The names of this process's threads include NAME? */
static bool has_thread_named(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	bool found = false;

	while (d && (de = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "re");
		if (f && fgets(comm, sizeof(comm), f) && strncmp(comm, name, strlen(name)) == 0)
			found = true;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* netns_socket() on the caller's own thread (lib/socket-here.c): it goes
 * where the thread is now, keeps two fds per thread only while the thread
 * lives, works in a forked child, and starts no worker when root calls it. */
static void test_socket_here(const int fd[2], const ino_t ino[2])
{
	struct moved m = { .target = fd[0], .other = fd[1], .target_ino = ino[0], .other_ino = ino[1] };
	int before = count_fds(), status = -1;
	pthread_t t;
	pid_t pid;

	pthread_create(&t, NULL, moved_main, &m);
	pthread_join(t, NULL);
	ok(m.sock1_ok, "a new thread's socket is in the target");
	ok(m.back_home, "and the thread is back home after it");
	is(m.fds_in_thread, before + 3, "the thread holds its ns/net symlink and home (and its own fd)");
	ok(m.sock2_ok, "after the thread moved on its own, the socket is still in the target");
	ok(m.stayed_other, "and the thread is back where it had moved, not where it was first");
	is(count_fds(), before, "the thread's fds are closed when it exits");

	close(netns_socket(fd[0], AF_INET, SOCK_DGRAM, 0)); /* this thread's fds, for the child to inherit */
	pid = fork();
	if (pid == 0) {
		int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), s, bad = 0;

		/* The child's first call, after it moved: the fds it inherited
		 * name its parent's thread, which is still home. */
		if (setns(fd[1], CLONE_NEWNET) < 0)
			bad |= 16;
		close(netns_socket(fd[0], AF_INET, SOCK_DGRAM, 0));
		if (ino_of("/proc/thread-self/ns/net") != ino[1])
			bad |= 8;
		if (setns(home, CLONE_NEWNET) < 0)
			bad |= 16;
		close(home);
		s = netns_socket(fd[0], AF_INET, SOCK_DGRAM, 0);
		if (s < 0 || sock_ino(s) != ino[0])
			bad |= 1;
		if (ino_of("/proc/thread-self/ns/net") != orig_ino)
			bad |= 2;
		if (has_thread_named("netns-socket"))
			bad |= 4;
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status), "forked child ran (status 0x%x)", status);
	status = WEXITSTATUS(status);
	ok(!(status & 1), "in a forked child, the socket is in the target");
	ok(!(status & 2), "and the child's thread is back home");
	ok(!(status & 4), "and root's call made no socket worker: the thread went itself");
	ok(!(status & 8), "a child that moved before its first call is left where it moved");
	ok(!(status & 16), "(the child could switch itself)");
}

static void test_bad_fds(void)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), uts = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	char *const t[] = { ARG("true"), NULL };
	ino_t got;
	pid_t pid;

	is(netns_run(-1, thread_ino_fn, &got), -EBADF, "netns_run(-1): -EBADF");
	is(netns_run(999, thread_ino_fn, &got), -EBADF, "netns_run(closed fd): -EBADF");
	is(netns_run(null, thread_ino_fn, &got), -EMEDIUMTYPE, "netns_run(/dev/null): -EMEDIUMTYPE");
	is(netns_run(uts, thread_ino_fn, &got), -EMEDIUMTYPE, "netns_run(uts namespace): -EMEDIUMTYPE");
	is(sock_ok(-1, AF_INET), -EBADF, "netns_socket(-1): -EBADF");
	is(sock_ok(null, AF_INET), -EMEDIUMTYPE, "netns_socket(/dev/null): -EMEDIUMTYPE");
	is(sock_ok(uts, AF_INET), -EMEDIUMTYPE, "netns_socket(uts namespace): -EMEDIUMTYPE");
	is(netns_spawn(-1, "true", t, NULL, &pid), -EBADF, "netns_spawn(-1): -EBADF");
	is(netns_spawn(null, "true", t, NULL, &pid), -EMEDIUMTYPE, "netns_spawn(/dev/null): -EMEDIUMTYPE");
	close(null);
	close(uts);
}

/* netns_run_many: records where each call ran. */
static int many_ino_fn(size_t i, void *arg)
{
	((ino_t *)arg)[i] = ino_of("/proc/thread-self/ns/net");
	return (int)i + 100;
}

static void test_run_many(const int fd[2], const ino_t ino[2])
{
	int other = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int fds[5] = { fd[0], fd[1], -1, other, fd[0] }, ret[5];
	ino_t where[5] = { 0 };

	is(netns_run_many(fds, 5, many_ino_fn, where, ret), 0, "run_many: the thread ran");
	is(ret[0], 100, "run_many: FN's result for namespace 0");
	is(where[0], ino[0], "run_many: call 0 ran in namespace 0");
	is(ret[1], 101, "run_many: FN's result for namespace 1");
	is(where[1], ino[1], "run_many: call 1 ran in namespace 1");
	is(ret[2], -EBADF, "run_many: a negative fd gives -EBADF");
	is(ret[3], -EMEDIUMTYPE, "run_many: a mount namespace gives -EMEDIUMTYPE");
	is(where[3], 0, "run_many: FN did not run for it");
	is(where[4], ino[0], "run_many: goes on after a failure");
	is(netns_run_many(fds, 1, NULL, NULL, ret), -EINVAL, "run_many: NULL FN is -EINVAL");
	is(netns_run_many(NULL, 0, many_ino_fn, NULL, NULL), 0, "run_many: nothing to do is 0");
	is(threads_elsewhere(), 0, "run_many: no thread left in another namespace");
	close(other);
}

int main(void)
{
	char name[2][64];
	int fd[2] = { -1, -1 }, fds_before;
	ino_t ino[2];

	nstest_require_sandbox(); /* names go to the sandbox's /run/netns */
	nstest_start_worker(); /* the fds it keeps are not a leak */
	orig_ino = ino_of("/proc/thread-self/ns/net");
	for (int i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "switch-%d-%d", (int)getpid(), i);
		if (netns_name_add(name[i], NETNS_ADD_LO_UP, &fd[i]) < 0) {
			printf("Bail out! netns_name_add %s failed (root needed)\n", name[i]);
			return 1;
		}
		ino[i] = ino_of_fd(fd[i]);
	}
	/* The second is anonymous: only our fd holds it. */
	is(netns_name_delete(name[1]), 0, "anonymous namespace held by fd");
	fds_before = count_fds();

	for (int i = 0; i < 2; i++) {
		diag("%s namespace", i ? "anonymous" : "named");
		test_run(fd[i], ino[i]);
		test_socket(fd[i], ino[i]);
		test_spawn(fd[i], ino[i]);
	}
	test_run_many(fd, ino);
	test_socket_behaviour(fd[0]);
	test_signals(fd[0]);
	test_home_lost(fd[0], ino[0]);
	test_link_lost(fd, ino);
	test_socket_here(fd, ino);
	test_bad_fds();
	test_userns();

	is(count_fds(), fds_before, "no fd leaked");
	is(threads_elsewhere(), 0, "every thread is in its original namespace");
	is(ino_of("/proc/thread-self/ns/net"), orig_ino, "the main thread never moved");
	close(fd[0]);
	close(fd[1]);
	is(netns_name_delete(name[0]), 0, "delete the named namespace");
	return done_testing();
}
