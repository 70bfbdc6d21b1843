/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's core: handles, identity, nsid, the run directory and names.
 * Runs inside tests/run.sh's sandbox; names go to scratch run directories
 * (mkdtemp) and, for the iproute2 nsid check, to the sandbox's /run/netns.
 */
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "nstest.h"

static unsigned long long host_ino; /* this thread's namespace, never to change */

static unsigned long long ino_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return ino_of(path);
}

static bool exists_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path_exists(path);
}

static void test_rundir(void)
{
	unsetenv("NETNS_RUN_DIR");
	is(netns_rundir_set(NULL), 0, "rundir_set(NULL) succeeds");
	ok(strcmp(netns_rundir_get(), "/run/netns") == 0, "default run dir is /run/netns");
	setenv("NETNS_RUN_DIR", "/tmp/from-env", 1);
	ok(strcmp(netns_rundir_get(), "/tmp/from-env") == 0, "NETNS_RUN_DIR overrides the default");
	is(netns_rundir_set("/tmp/from-call"), 0, "rundir_set(absolute) succeeds");
	ok(strcmp(netns_rundir_get(), "/tmp/from-call") == 0, "rundir_set overrides NETNS_RUN_DIR");
	is(netns_rundir_set("relative/dir"), -EINVAL, "rundir_set(relative) is -EINVAL");
	is(netns_rundir_set(""), -EINVAL, "rundir_set(\"\") is -EINVAL");
	ok(strcmp(netns_rundir_get(), "/tmp/from-call") == 0, "a rejected set keeps the old dir");
	netns_rundir_set(NULL);
	ok(strcmp(netns_rundir_get(), "/tmp/from-env") == 0, "rundir_set(NULL) falls back to env");
	setenv("NETNS_RUN_DIR", "", 1);
	ok(strcmp(netns_rundir_get(), "/run/netns") == 0, "empty NETNS_RUN_DIR means the default");
	unsetenv("NETNS_RUN_DIR");
}

static void test_name_check(void)
{
	char long_name[NAME_MAX + 2];

	is(netns_name_check(""), -EINVAL, "name \"\" is -EINVAL");
	is(netns_name_check("."), -EINVAL, "name \".\" is -EINVAL");
	is(netns_name_check(".."), -EINVAL, "name \"..\" is -EINVAL");
	is(netns_name_check("a/b"), -EINVAL, "name with '/' is -EINVAL");
	is(netns_name_check(NULL), -EINVAL, "NULL name is -EINVAL");
	is(netns_name_check("..."), 0, "name \"...\" is fine");
	is(netns_name_check("with space\"quote\\\n"), 0, "quotes, backslash, newline are fine");
	memset(long_name, 'x', sizeof(long_name));
	long_name[NAME_MAX] = '\0';
	is(netns_name_check(long_name), 0, "a NAME_MAX-byte name is fine");
	long_name[NAME_MAX] = 'x';
	long_name[NAME_MAX + 1] = '\0';
	is(netns_name_check(long_name), -ENAMETOOLONG, "a NAME_MAX+1-byte name is -ENAMETOOLONG");
}

/* Rejections: nothing but a network namespace opens. */
static void test_open_rejects(const char *dir)
{
	char reg[PATH_MAX], ph[PATH_MAX];
	int fd, rfd;

	snprintf(reg, sizeof(reg), "%s/regular", dir);
	snprintf(ph, sizeof(ph), "%s/placeholder", dir);
	rfd = open(reg, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (write(rfd, "x", 1) != 1)
		diag("write: %s", strerror(errno));
	close(open(ph, O_RDONLY | O_CREAT | O_CLOEXEC, 0));

	is(netns_fd_open_path(reg), -EMEDIUMTYPE, "open_path(regular file) is -EMEDIUMTYPE");
	is(netns_fd_open_path("/proc/self/ns/mnt"), -EMEDIUMTYPE, "open_path(mnt namespace) is -EMEDIUMTYPE");
	is(netns_fd_open_path("/proc/self/ns/uts"), -EMEDIUMTYPE, "open_path(uts namespace) is -EMEDIUMTYPE");
	is(netns_fd_open_path(ph), -EMEDIUMTYPE, "open_path(empty placeholder) is -EMEDIUMTYPE");
	is(netns_fd_open_path(dir), -EMEDIUMTYPE, "open_path(directory) is -EMEDIUMTYPE");
	is(netns_fd_open_path("/nonexistent/netns"), -ENOENT, "open_path(missing) is -ENOENT");
	is(netns_fd_open_path(""), -EINVAL, "open_path(\"\") is -EINVAL");
	is(netns_fd_open_name("placeholder"), -EMEDIUMTYPE, "open_name(placeholder) is -EMEDIUMTYPE");
	is(netns_fd_open_name("regular"), -EMEDIUMTYPE, "open_name(regular file) is -EMEDIUMTYPE");
	is(netns_fd_open_name("missing"), -ENOENT, "open_name(missing) is -ENOENT");
	is(netns_fd_open_name("a/b"), -EINVAL, "open_name(\"a/b\") is -EINVAL");
	is(netns_fd_open_name(".."), -EINVAL, "open_name(\"..\") is -EINVAL");

	is(netns_fd_check(rfd), -EMEDIUMTYPE, "fd_check(regular fd) is -EMEDIUMTYPE");
	fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	is(netns_fd_check(fd), -EMEDIUMTYPE, "fd_check(mnt ns fd) is -EMEDIUMTYPE");
	{
		struct netns_id id = { 42, 42 };

		is(netns_fd_id(fd, &id), -EMEDIUMTYPE, "fd_id(mnt ns fd) is -EMEDIUMTYPE");
		ok(id.dev == 42 && id.ino == 42, "fd_id leaves ret_id alone on failure");
	}
	is(netns_fd_same(rfd, fd), -EMEDIUMTYPE, "fd_same(regular, mnt) is -EMEDIUMTYPE");
	is(netns_fd_nsid(rfd), -EMEDIUMTYPE, "fd_nsid(regular fd) is -EMEDIUMTYPE");
	close(fd);
	is(netns_fd_check(fd), -EBADF, "fd_check(closed fd) is -EBADF");
	close(rfd);
	unlink(reg);
	unlink(ph);
}

static void test_identity(void)
{
	int a = netns_fd_open_current(), b = netns_fd_open_path("/proc/self/ns/net");
	struct netns_id ia = { 0 }, ib = { 0 }, other;
	struct stat st;

	ok(a >= 0 && is_cloexec(a), "open_current returns an O_CLOEXEC fd");
	ok(b >= 0 && is_cloexec(b), "open_path(/proc/self/ns/net) returns an O_CLOEXEC fd");
	is(netns_fd_id(a, &ia), 0, "fd_id succeeds");
	fstat(a, &st);
	ok(ia.ino == (uint64_t)st.st_ino && ia.dev == (uint64_t)st.st_dev,
	   "fd_id is fstat's (st_dev, st_ino)");
	is(ia.ino, host_ino, "open_current is /proc/thread-self/ns/net (inode %llu)", host_ino);
	netns_fd_id(b, &ib);
	is(netns_id_equal(&ia, &ib), 1, "id_equal: same namespace is 1");
	other = ia;
	other.ino++;
	is(netns_id_equal(&ia, &other), 0, "id_equal: another inode is 0");
	other = ia;
	other.dev++;
	is(netns_id_equal(&ia, &other), 0, "id_equal: another device is 0");
	is(netns_fd_same(a, b), 1, "fd_same: two handles on one namespace is 1");
	close(a);
	close(b);
}

/* Opening by pid, pid+tid and path, against a child and a thread parked in NS. */
static void test_open_pid_tid(const char *dir, int ns, unsigned long long ns_ino)
{
	struct nschild child;
	struct nsthread th;
	char path[128];
	int fd, pidfd;

	(void)dir;
	if (nschild_start(&child, ns) < 0) {
		ok(0, "fork a child into the namespace");
		return;
	}
	fd = netns_fd_open_pid(child.pid);
	ok(fd >= 0 && is_cloexec(fd), "open_pid returns an O_CLOEXEC fd");
	is(ino_of_fd(fd), ns_ino, "open_pid(child) is the child's namespace");
	close(fd);
	pidfd = (int)syscall(SYS_pidfd_open, child.pid, 0);
	fd = netns_fd_open_pidfd(pidfd);
	ok(fd >= 0 && is_cloexec(fd), "open_pidfd returns an O_CLOEXEC fd");
	is(ino_of_fd(fd), ns_ino, "open_pidfd(child) is the child's namespace");
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child.pid);
	fd = netns_fd_open_path(path);
	is(ino_of_fd(fd), ns_ino, "open_path(/proc/PID/ns/net) is the child's namespace");
	ok(is_cloexec(fd), "open_path returns an O_CLOEXEC fd");
	close(fd);
	is(nschild_stop(&child), 0, "the child ran and exited 0");
	/* Reaped: its PID may be anyone's now, but the pidfd is still its. */
	is(netns_fd_open_pidfd(pidfd), -ESRCH, "open_pidfd of a reaped child is -ESRCH");
	close(pidfd);
	is(netns_fd_open_pidfd(-1), -EBADF, "open_pidfd(-1) is -EBADF");
	is(netns_fd_open_pidfd(ns), -EBADF, "open_pidfd(a namespace fd) is -EBADF");

	is(nsthread_start(&th, ns), 0, "a thread setns()es into the namespace");
	fd = netns_fd_open_tid(getpid(), th.tid);
	ok(fd >= 0 && is_cloexec(fd), "open_tid returns an O_CLOEXEC fd");
	is(ino_of_fd(fd), ns_ino, "open_tid(self, thread) is the thread's namespace");
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/net", (int)getpid(), (int)th.tid);
	fd = netns_fd_open_path(path);
	is(ino_of_fd(fd), ns_ino, "open_path(/proc/PID/task/TID/ns/net) is the thread's namespace");
	close(fd);
	fd = netns_fd_open_pid(getpid());
	is(ino_of_fd(fd), host_ino, "open_pid(self) is the main thread's namespace, not the thread's");
	close(fd);
	is(th.cur.ino, ns_ino, "open_current on the thread is the thread's namespace");
	fd = netns_fd_open_current();
	is(ino_of_fd(fd), host_ino, "open_current on main is still main's namespace");
	close(fd);
	nsthread_stop(&th);

	/* A thread that unshares sees its own new namespace, unlike main and NS. */
	is(nsthread_start(&th, -1), 0, "a thread unshare()s a new namespace");
	ok(th.cur.ino != host_ino && th.cur.ino != ns_ino && th.cur.ino == th.proc_ino,
	   "open_current on that thread is its new namespace (%llu)",
	   (unsigned long long)th.cur.ino);
	nsthread_stop(&th);

	is(netns_fd_open_pid(pid_never()), -ESRCH, "open_pid(no such pid) is -ESRCH");
	is(netns_fd_open_tid(getpid(), pid_never()), -ESRCH, "open_tid(no such tid) is -ESRCH");
	is(netns_fd_open_tid(1, getpid()), -ESRCH, "open_tid(a tid of another process) is -ESRCH");
	is(netns_fd_open_pid(0), -EINVAL, "open_pid(0) is -EINVAL");
	is(netns_fd_open_pid(-5), -EINVAL, "open_pid(-5) is -EINVAL");
}

/* Adds NAME with a handle; checks everything observable about the result. */
static int add_checked(const char *dir, const char *name, unsigned long long *ret_ino)
{
	int fd = -1, r = netns_name_add(name, 0, &fd);

	is(r, 0, "name_add(%s) succeeds", name);
	ok(fd >= 0 && is_cloexec(fd), "name_add's handle is an O_CLOEXEC fd");
	ok(ino_in(dir, name) != 0 && ino_in(dir, name) == ino_of_fd(fd),
	   "RUNDIR/%s is the handle's namespace", name);
	ok(ino_of_fd(fd) != host_ino, "the new namespace is not the caller's");
	*ret_ino = ino_of_fd(fd);
	return fd;
}

struct seen {
	char names[16][64];
	unsigned long long inos[16];
	int n;
	int stop_after;
};

static int seen_cb(const char *name, const struct netns_id *id, void *data)
{
	struct seen *s = data;

	if (s->n < 16) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		s->inos[s->n] = id->ino;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? -ECANCELED : 0;
}

static void test_names(const char *dir)
{
	unsigned long long ino_a, ino_z, ino_m;
	struct nschild child;
	struct nsthread th;
	struct seen s;
	char path[PATH_MAX];
	int fa, fz, fm, fd, r;
	struct netns_id id;

	netns_rundir_set(dir);
	ok(strcmp(netns_rundir_get(), dir) == 0, "rundir_set points the library at %s", dir);
	fz = add_checked(dir, "zeta", &ino_z);
	fa = add_checked(dir, "alpha", &ino_a);
	fm = add_checked(dir, "mid", &ino_m);
	ok(ino_a != ino_z && ino_a != ino_m && ino_m != ino_z, "three adds make three namespaces");
	is(self_ino(), host_ino, "add leaves the calling thread in its namespace");

	fd = netns_fd_open_name("alpha");
	ok(fd >= 0 && is_cloexec(fd), "open_name returns an O_CLOEXEC fd");
	is(ino_of_fd(fd), ino_a, "open_name(alpha) is alpha's namespace");
	is(netns_fd_same(fd, fa), 1, "fd_same(open_name, add's handle) is 1");
	is(netns_fd_same(fd, fz), 0, "fd_same(alpha, zeta) is 0");
	close(fd);
	snprintf(path, sizeof(path), "%s/alpha", dir);
	fd = netns_fd_open_path(path);
	is(ino_of_fd(fd), ino_a, "open_path(RUNDIR/alpha) is alpha's namespace");
	close(fd);

	r = netns_name_add("alpha", 0, &fd);
	is(r, -EEXIST, "adding an existing name is -EEXIST");
	is(ino_in(dir, "alpha"), ino_a, "the existing name still is the same namespace");
	is(netns_name_add("bad/name", 0, NULL), -EINVAL, "name_add(\"bad/name\") is -EINVAL");
	is(netns_name_add("x", 0x100, NULL), -EINVAL, "name_add with unknown flags is -EINVAL");
	ok(!exists_in(dir, "x"), "a rejected add leaves no file");

	/* attach: a process, a thread, an fd; the names land on their namespaces. */
	test_open_pid_tid(dir, fa, ino_a);
	if (nschild_start(&child, fz) == 0) {
		is(netns_name_attach("child", child.pid, 0), 0, "attach(child pid) succeeds");
		is(ino_in(dir, "child"), ino_z, "the attached name is the child's namespace");
		is(netns_name_attach("child", child.pid, 0), -EEXIST, "attach to a taken name is -EEXIST");
		is(self_ino(), host_ino, "attach leaves the calling thread in its namespace");
		/* delete while a process is inside: only the name goes. */
		is(netns_name_delete("child"), 0, "delete(child) succeeds");
		ok(!exists_in(dir, "child"), "the deleted name's file is gone");
		is(netns_name_delete("zeta"), 0, "delete(zeta) succeeds while a process is inside");
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child.pid);
		is(ino_of(path), ino_z, "the process keeps zeta's namespace after delete");
		is(ino_of_fd(fz), ino_z, "a handle still reads zeta's inode after delete");
		is(self_ino(), host_ino, "delete leaves the calling thread in its namespace");
		is(nschild_stop(&child), 0, "the child exits 0");
	} else {
		ok(0, "fork a child into zeta");
	}
	close(fz);
	if (nsthread_start(&th, fm) == 0) {
		is(netns_name_attach("thread", getpid(), th.tid), 0, "attach(pid, tid) succeeds");
		is(ino_in(dir, "thread"), ino_m, "the name is the thread's namespace, not main's");
		nsthread_stop(&th);
	} else {
		ok(0, "start a thread in mid");
	}
	is(netns_name_attach("nopid", pid_never(), 0), -ESRCH, "attach(no such pid) is -ESRCH");
	ok(!exists_in(dir, "nopid"), "a failed attach leaves no placeholder");
	is(netns_name_attach("notid", getpid(), pid_never()), -ESRCH, "attach(pid, no such tid) is -ESRCH");
	ok(!exists_in(dir, "notid"), "a failed attach(pid, tid) leaves no placeholder");
	is(netns_name_attach_fd("alias", fa), 0, "attach_fd(alpha's handle) succeeds");
	is(ino_in(dir, "alias"), ino_a, "attach_fd names the handle's namespace");
	fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	is(netns_name_attach_fd("mntns", fd), -EMEDIUMTYPE, "attach_fd(mnt namespace) is -EMEDIUMTYPE");
	ok(!exists_in(dir, "mntns"), "a rejected attach_fd leaves no file");
	close(fd);

	/* A placeholder and a directory in the run dir are not names. */
	snprintf(path, sizeof(path), "%s/beta-placeholder", dir);
	close(open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0));
	snprintf(path, sizeof(path), "%s/subdir", dir);
	mkdir(path, 0755);

	memset(&s, 0, sizeof(s));
	is(netns_name_foreach(seen_cb, &s), 0, "foreach succeeds");
	is(s.n, 4, "foreach sees 4 names (placeholder and directory skipped)");
	ok(s.n == 4 && !strcmp(s.names[0], "alias") && !strcmp(s.names[1], "alpha") &&
		   !strcmp(s.names[2], "mid") && !strcmp(s.names[3], "thread"),
	   "foreach order is alias, alpha, mid, thread (strcmp)");
	ok(s.inos[0] == ino_a && s.inos[1] == ino_a && s.inos[2] == ino_m && s.inos[3] == ino_m,
	   "foreach passes each name's inode");
	is(self_ino(), host_ino, "foreach leaves the calling thread in its namespace");
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	is(netns_name_foreach(seen_cb, &s), -ECANCELED, "a callback's negative value ends foreach");
	is(s.n, 2, "and no callback runs after it");

	netns_fd_id(fa, &id);
	memset(&s, 0, sizeof(s));
	is(netns_name_find(&id, seen_cb, &s), 2, "find(alpha's id) counts 2 names");
	ok(s.n == 2 && !strcmp(s.names[0], "alias") && !strcmp(s.names[1], "alpha"),
	   "find returns every name of the namespace: alias, alpha");
	is(netns_name_find(&id, NULL, NULL), 2, "find with no callback still counts");
	fd = netns_fd_open_current();
	netns_fd_id(fd, &id);
	close(fd);
	memset(&s, 0, sizeof(s));
	is(netns_name_find(&id, seen_cb, &s), 0, "find(an unnamed namespace) is 0, not an error");
	is(s.n, 0, "and calls nothing");
	is(netns_name_find(NULL, seen_cb, &s), -EINVAL, "find(NULL) is -EINVAL");

	/* delete: errors, and what it refuses to remove. */
	is(netns_name_delete("missing"), -ENOENT, "delete(missing) is -ENOENT");
	is(netns_name_delete("subdir"), -EMEDIUMTYPE, "delete(a directory) is -EMEDIUMTYPE");
	ok(exists_in(dir, "subdir"), "the directory is still there");
	is(netns_name_delete(".."), -EINVAL, "delete(\"..\") is -EINVAL");
	is(netns_name_delete("beta-placeholder"), 0, "delete(placeholder) removes the stale file");
	ok(!exists_in(dir, "beta-placeholder"), "the placeholder is gone");
	is(netns_name_delete("alias"), 0, "delete(alias) succeeds");
	is(ino_in(dir, "alpha"), ino_a, "alpha survives the delete of its alias");
	snprintf(path, sizeof(path), "%s/subdir", dir);
	rmdir(path);
	for (const char *const *n = (const char *const[]){ "alpha", "mid", "thread", NULL }; *n; n++)
		is(netns_name_delete(*n), 0, "delete(%s) succeeds", *n);
	memset(&s, 0, sizeof(s));
	netns_name_foreach(seen_cb, &s);
	is(s.n, 0, "the run dir lists no names after the deletes");
	close(fa);
	close(fm);

	snprintf(path, sizeof(path), "%s/never-made", dir);
	netns_rundir_set(path);
	memset(&s, 0, sizeof(s));
	is(netns_name_foreach(seen_cb, &s), 0, "foreach on a missing run dir is 0");
	is(s.n, 0, "and lists nothing");
	ok(!path_exists(path), "foreach does not create the run dir");
	netns_rundir_set(NULL);
}

/* The run dir becomes one shared mount, however many adds and adders. */
static void test_rundir_mount(void)
{
	char *dir = nstest_scratch_dir(), *dir2 = nstest_scratch_dir(), name[32];
	bool shared;
	int n, status, all_ok = 1;
	pid_t pids[8];
	int go[2];

	is(count_mounts(dir, NULL), 0, "a fresh scratch dir is not a mount point");
	netns_rundir_set(dir);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		if (netns_name_add(name, 0, NULL) < 0)
			all_ok = 0;
	}
	ok(all_ok, "5 adds into the scratch dir succeed");
	n = count_mounts(dir, &shared);
	is(n, 1, "the run dir is mounted exactly once after 5 adds");
	ok(shared, "the run dir's mount is shared (mountinfo says shared:)");
	/* A new process has no memory of preparing the dir: it must not stack. */
	for (int i = 0; i < 3; i++) {
		pid_t p = fork();

		if (p == 0) {
			snprintf(name, sizeof(name), "p%d", i);
			netns_rundir_set(NULL);
			netns_rundir_set(dir);
			_exit(netns_name_add(name, 0, NULL) < 0);
		}
		waitpid(p, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			all_ok = 0;
	}
	ok(all_ok, "3 adds from 3 more processes succeed");
	is(count_mounts(dir, NULL), 1, "the run dir is still mounted once");
	is(self_ino(), host_ino, "the adds left this thread in its namespace");

	/* Debian bug 949235: 8 processes doing their first add at once. */
	netns_rundir_set(dir2);
	if (pipe2(go, O_CLOEXEC) < 0)
		diag("pipe2: %s", strerror(errno));
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			snprintf(name, sizeof(name), "c%d", i);
			_exit(netns_name_add(name, 0, NULL) < 0);
		}
	}
	close(go[0]);
	close(go[1]); /* all eight start together */
	all_ok = 1;
	for (int i = 0; i < 8; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			all_ok = 0;
	}
	ok(all_ok, "8 concurrent first adds all succeed");
	is(count_mounts(dir2, &shared), 1, "8 concurrent first adds make exactly one mount of the dir");
	ok(shared, "and that mount is shared");
	all_ok = 1;
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (ino_in(dir2, name) == 0 || ino_in(dir2, name) == host_ino)
			all_ok = 0;
		int fd = netns_fd_open_name(name);

		if (fd < 0)
			all_ok = 0;
		close(fd);
	}
	ok(all_ok, "all 8 names are network namespaces");

	netns_rundir_set(NULL);
	rundir_destroy(dir);
	rundir_destroy(dir2);
	ok(!path_exists(dir) && !path_exists(dir2), "scratch run dirs removed");
	free(dir);
	free(dir2);
}

/* A failed add leaves nothing: without CAP_SYS_ADMIN the placeholder is made
 * (root may write the dir) but the unshare fails, and it must be removed. */
static void test_add_failure_cleans_up(void)
{
	char *dir = nstest_scratch_dir();

	netns_rundir_set(dir);
	is(netns_name_add("prepared", 0, NULL), 0, "an add prepares the scratch dir");
	is(nstest_add_without_sys_admin(dir, "nocap"), -EPERM, "add without CAP_SYS_ADMIN is -EPERM");
	ok(!exists_in(dir, "nocap"), "the failed add left no placeholder file");
	netns_rundir_set(NULL);
	rundir_destroy(dir);
	free(dir);
}

struct walk_seen {
	const char *name;
	int nsid, other_nsid, broken;
	bool unsorted;
	char last[256];
};

static int walk_cb(const struct netns_name_info *info, void *data)
{
	struct walk_seen *w = data;
	size_t len = strlen(w->name);

	if (w->last[0] && strcmp(w->last, info->name) >= 0)
		w->unsorted = true;
	snprintf(w->last, sizeof(w->last), "%s", info->name);
	if (info->broken) {
		w->broken++;
		return 0;
	}
	if (strcmp(info->name, w->name) == 0)
		w->nsid = info->nsid;
	else if (strncmp(info->name, w->name, len) == 0 && strcmp(info->name + len, "-x") == 0)
		w->other_nsid = info->nsid;
	return 0;
}

/* The nsid as iproute2 assigns it; needs the name in /run/netns. */
static void test_nsid(void)
{
	char name[64], cmd[256];
	int fd = -1, nsid = 1000 + getpid() % 20000;

	netns_rundir_set("/run/netns");
	snprintf(name, sizeof(name), "core-nsid-%d", (int)getpid());
	is(netns_name_add(name, 0, &fd), 0, "add %s in /run/netns", name);
	is(netns_fd_nsid(fd), -ENOENT, "fd_nsid before any assignment is -ENOENT");
	snprintf(cmd, sizeof(cmd), "ip netns set %s %d", name, nsid);
	is(system(cmd), 0, "%s", cmd);
	is(netns_fd_nsid(fd), nsid, "fd_nsid is the assigned %d", nsid);
	{
		struct walk_seen w = { .name = name, .nsid = -2, .other_nsid = -2 };
		char other[80], ph[PATH_MAX];
		int pfd;

		snprintf(other, sizeof(other), "%s-x", name);
		is(netns_name_add(other, 0, NULL), 0, "add %s, which has no nsid", other);
		snprintf(ph, sizeof(ph), "/run/netns/%s-broken", name);
		pfd = open(ph, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0);
		close(pfd);
		is(netns_name_walk(NETNS_WALK_NSID, walk_cb, &w), 0, "name_walk with NSID");
		is(w.nsid, nsid, "it reports %s's nsid", name);
		is(w.other_nsid, -1, "and -1 for a name without one");
		is(w.broken, 0, "and no broken name without NETNS_WALK_BROKEN");
		ok(!w.unsorted, "in strcmp() order");
		w = (struct walk_seen){ .name = name, .nsid = -2, .other_nsid = -2 };
		is(netns_name_walk(NETNS_WALK_BROKEN, walk_cb, &w), 0, "name_walk with BROKEN");
		is(w.broken, 1, "reports the placeholder as broken");
		is(w.nsid, -1, "without NSID, no nsid is looked up");
		is(netns_name_walk(1u << 9, walk_cb, &w), -EINVAL, "unknown walk flags are -EINVAL");
		unlink(ph);
		netns_name_delete(other);
	}
	is(netns_name_delete(name), 0, "delete %s", name);
	close(fd);
	netns_rundir_set(NULL);
}

/* lo's interface flags in namespace FD, read through a socket made there. */
static int lo_flags(int fd)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0), r;

	if (s < 0)
		return s;
	r = ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ? -errno : ifr.ifr_flags;
	close(s);
	return r;
}

/* netns_name_add_many: in order, one thread, stops at the first failure. */
static void test_add_many(void)
{
	const char *dir = netns_rundir_get();
	const char *names[] = { "many-a", "many-b", "many-a", "many-c" };
	unsigned long long th = self_ino();
	char path[PATH_MAX];
	size_t added = 99;
	int fds = count_fds();

	is(netns_name_add_many(names, 2, NETNS_ADD_LO_UP, &added), 0, "add_many: two names");
	is(added, 2, "add_many: reports both made");
	for (size_t i = 0; i < 2; i++) {
		int fd = netns_fd_open_name(names[i]);

		is(lo_flags(fd) & (IFF_UP | IFF_RUNNING), IFF_UP | IFF_RUNNING,
		   "add_many with NETNS_ADD_LO_UP: lo is up in %s", names[i]);
		if (fd >= 0)
			close(fd);
	}
	is(netns_name_add_many(names + 1, 3, 0, &added), -EEXIST, "add_many: a taken name fails");
	is(added, 0, "add_many: the failing name's index is reported");
	snprintf(path, sizeof(path), "%s/many-c", dir);
	ok(!path_exists(path), "add_many: names after the failure are not made");
	is(netns_name_add_many(names + 3, 1, 0, &added), 0, "add_many: the rest can follow");
	snprintf(path, sizeof(path), "%s/many-a", dir);
	{
		char pb[PATH_MAX], pc[PATH_MAX];

		snprintf(pb, sizeof(pb), "%s/many-b", dir);
		snprintf(pc, sizeof(pc), "%s/many-c", dir);
		ok(ino_of(path) && ino_of(pb) && ino_of(pc) && ino_of(path) != ino_of(pb) &&
			   ino_of(pb) != ino_of(pc),
		   "add_many: each name is a namespace of its own");
	}
	is(netns_name_add_many(NULL, 1, 0, NULL), -EINVAL, "add_many: NULL names is -EINVAL");
	is(netns_name_add_many(names, 1, 1u << 7, NULL), -EINVAL, "add_many: unknown flag is -EINVAL");
	is(self_ino(), th, "add_many: the calling thread did not move");
	for (size_t i = 0; i < 4; i++)
		if (i != 2)
			netns_name_delete(names[i]);
	is(count_fds(), fds, "add_many: no fd leaked");
}

int main(void)
{
	char *dir;
	int fds_before;

	nstest_require_sandbox();
	nstest_start_worker(); /* its fd and thread are not a leak */
	host_ino = self_ino();
	fds_before = count_fds();

	test_rundir();
	test_name_check();
	test_identity();
	dir = nstest_scratch_dir();
	netns_rundir_set(dir);
	test_open_rejects(dir);
	test_names(dir);
	rundir_destroy(dir);
	free(dir);
	test_add_many();
	test_rundir_mount();
	test_add_failure_cleans_up();
	test_nsid();

	is(self_ino(), host_ino, "the main thread never left its namespace");
	is(count_fds(), fds_before, "no fd leaked (%d open)", fds_before);
	return done_testing();
}
