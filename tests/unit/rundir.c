/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The run directory on the hosts users have: a shared parent (systemd's /run),
 * a relative NETNS_RUN_DIR, a first add without privileges, and adds racing
 * deletes of one name. Every directory here is a scratch one of this test.
 */
#include <sys/resource.h>

#include "nstest.h"

/* The peer group (mountinfo's shared:N) of the topmost mount on PATH; 0 when
 * it is not shared, -1 when nothing is mounted there. */
static int peer_group(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int group = -1;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char mp[PATH_MAX], *sh, *dash = strstr(line, " - ");

		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 || strcmp(mp, path) != 0)
			continue;
		sh = strstr(line, " shared:");
		group = sh && (!dash || sh < dash) ? atoi(sh + 8) : 0;
	}
	free(line);
	fclose(f);
	return group;
}

/*
 * Under a shared parent (systemd makes / and /run shared), the run
 * directory's self-bind must get a peer group of its own: otherwise each
 * name's mount propagates back into the parent and every name is mounted
 * twice (iproute2 commit 82c8b9fe).
 */
static void test_shared_parent(void)
{
	char *parent = nstest_scratch_dir(), dir[256], path[PATH_MAX];
	const char *names[] = { "s0", "s1", "s2" };
	int one_each = 1, pg_parent, pg_dir;

	snprintf(dir, sizeof(dir), "%s/netns", parent);
	if (mount("hostrun", parent, "tmpfs", 0, "mode=0755") < 0 ||
	    mount("none", parent, NULL, MS_SHARED, NULL) < 0)
		printf("Bail out! a shared tmpfs on %s: %s\n", parent, strerror(errno));
	pg_parent = peer_group(parent);
	ok(pg_parent > 0, "the scratch parent is a shared mount (peer group %d)", pg_parent);

	netns_rundir_set(dir);
	is(netns_name_add_many(names, 3, 0, NULL), 0, "3 adds under a shared parent");
	is(count_mounts(dir, NULL), 1, "the run dir is mounted once");
	pg_dir = peer_group(dir);
	ok(pg_dir > 0 && pg_dir != pg_parent,
	   "the run dir is shared in a peer group of its own (%d, parent %d)", pg_dir, pg_parent);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (count_mounts(path, NULL) != 1) {
			diag("%s is mounted %d times", path, count_mounts(path, NULL));
			one_each = 0;
		}
	}
	ok(one_each, "every name is exactly one mount");
	/* A mount namespace copied from this one before the add still gets
	 * the new name: the propagation the shared run dir exists for. */
	{
		int go[2], ready[2], status;
		char c = 0;
		pid_t p;

		if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
			diag("pipe2: %s", strerror(errno));
		p = fork();
		if (p == 0) {
			close(go[1]);
			close(ready[0]);
			if (unshare(CLONE_NEWNS) < 0 ||
			    mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
				_exit(2);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(3);
			snprintf(path, sizeof(path), "%s/late", dir);
			_exit(ino_of(path) ? 0 : 1);
		}
		close(go[0]);
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			diag("the child did not copy its mount namespace");
		is(netns_name_add("late", 0, NULL), 0, "a name added after a copy was made");
		if (write(go[1], "x", 1) != 1)
			diag("write: %s", strerror(errno));
		close(go[1]);
		close(ready[0]);
		waitpid(p, &status, 0);
		is(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
		   "the name propagates into the copy");
	}
	for (size_t i = 0; i < 3; i++)
		is(netns_name_delete(names[i]), 0, "delete %s", names[i]);
	is(netns_name_delete("late"), 0, "delete late");
	snprintf(path, sizeof(path), "%s/s0", parent);
	is(count_mounts(path, NULL), 0, "nothing was mounted into the parent");
	netns_rundir_set(NULL);
	rundir_destroy(dir);
	umount2(parent, MNT_DETACH);
	rmdir(parent);
	ok(!path_exists(parent), "the scratch parent is gone");
	free(parent);
}

/* A relative NETNS_RUN_DIR would make names depend on the working directory. */
static void test_relative_env(void)
{
	char *cwd = nstest_scratch_dir(), old[PATH_MAX];
	int fd = -1;

	if (!getcwd(old, sizeof(old)) || chdir(cwd) < 0)
		printf("Bail out! chdir %s: %s\n", cwd, strerror(errno));
	setenv("NETNS_RUN_DIR", "rel/netns", 1);
	is(netns_name_add("r", 0, &fd), -EINVAL, "add with a relative NETNS_RUN_DIR is -EINVAL");
	ok(!path_exists("rel"), "and creates no directory under the working directory");
	is(netns_fd_open_name("r"), -EINVAL, "open_name is -EINVAL too");
	is(netns_name_delete("r"), -EINVAL, "delete is -EINVAL too");
	is(netns_name_foreach(NULL, NULL), -EINVAL, "foreach is -EINVAL too");
	is(netns_rundir_create(), -EINVAL, "rundir_create is -EINVAL too");
	unsetenv("NETNS_RUN_DIR");
	if (chdir(old) < 0)
		diag("chdir back: %s", strerror(errno));
	rmdir(cwd);
	free(cwd);
}

/* A first add without CAP_SYS_ADMIN fails, and removes the directories it
 * made for the run directory. */
static void test_unprivileged_first_add(void)
{
	char *top = nstest_scratch_dir(), dir[PATH_MAX], made[PATH_MAX];

	snprintf(made, sizeof(made), "%s/a", top);
	snprintf(dir, sizeof(dir), "%s/a/b/netns", top);
	is(nstest_add_without_sys_admin(dir, "x"), -EPERM,
	   "a first add without CAP_SYS_ADMIN is -EPERM");
	ok(!path_exists(made), "and leaves none of the directories it made");
	ok(path_exists(top), "the directory that was there stays");
	rmdir(top);
	free(top);
}

/*
 * `add x` racing `delete x`: without a lock, an add could mount on the
 * placeholder of another add after a delete unlinked its own, stacking two
 * namespaces on one name. Two adders and a deleter loop on one name; after
 * every round the name is at most one mount, and a namespace when present.
 */
static void test_add_delete_race(void)
{
	char *dir = nstest_scratch_dir(), path[PATH_MAX];
	int status, bad = 0, rounds = 1000, worst = 0;
	pid_t pids[3];

	snprintf(path, sizeof(path), "%s/x", dir);
	netns_rundir_set(dir);
	is(netns_rundir_create(), 0, "prepare the scratch run dir");
	for (int w = 0; w < 3; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			int fails = 0;

			for (int i = 0; i < rounds; i++) {
				int r = w < 2 ? netns_name_add("x", 0, NULL) : netns_name_delete("x");

				/* The only failures allowed: the name is taken, or gone. */
				if (r < 0 && r != -EEXIST && r != -ENOENT)
					fails++;
				if (w == 2) {
					int n = count_mounts(path, NULL);

					if (n > 1)
						_exit(100 + (n > 50 ? 50 : n));
				}
			}
			_exit(fails ? 1 : 0);
		}
	}
	for (int w = 0; w < 3; w++) {
		waitpid(pids[w], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 1)
			bad++;
		else if (WEXITSTATUS(status) >= 100)
			worst = WEXITSTATUS(status) - 100;
	}
	is(bad, 0, "adds and deletes racing on one name fail only with EEXIST or ENOENT");
	is(worst, 0, "the name was never more than one mount while they raced");
	ok(count_mounts(path, NULL) <= 1, "at the end the name is at most one mount (%d)",
	   count_mounts(path, NULL));
	if (path_exists(path)) {
		int fd = netns_fd_open_name("x");

		ok(fd >= 0, "and, if present, a namespace");
		if (fd >= 0)
			close(fd);
		is(netns_name_delete("x"), 0, "delete it");
	}
	is(count_mounts(path, NULL), 0, "nothing is left mounted on the name");
	netns_rundir_set(NULL);
	rundir_destroy(dir);
	free(dir);
}

/* Two threads, two run directory handles, while the default keeps changing:
 * each thread's names land in its own directory and nowhere else. */
struct handle_job {
	struct netns_rundir *rd;
	const char *tag;
	int bad;
};

static int count_cb(const char *name, const struct netns_id *id, void *data)
{
	(void)name;
	(void)id;
	(*(int *)data)++;
	return 0;
}

static void *handle_worker(void *p)
{
	struct handle_job *job = p;
	char name[32];

	for (int i = 0; i < 20; i++) {
		int fd, n = 0;

		snprintf(name, sizeof(name), "%s%d", job->tag, i);
		if (netns_name_add_at(job->rd, name, 0, NULL) < 0)
			job->bad++;
		fd = netns_fd_open_name_at(job->rd, name);
		if (fd < 0)
			job->bad++;
		else
			close(fd);
		if (netns_name_foreach_at(job->rd, count_cb, &n) < 0 || n != i + 1)
			job->bad++;
	}
	return NULL;
}

static int prefix_cb(const char *name, const struct netns_id *id, void *data)
{
	(void)id;
	if (strncmp(name, data, strlen(data)) != 0)
		return -EXDEV;
	return 0;
}

static void test_handles(void)
{
	char *d1 = nstest_scratch_dir(), *d2 = nstest_scratch_dir(), *d3 = nstest_scratch_dir();
	struct handle_job j1 = { .tag = "one" }, j2 = { .tag = "two" };
	struct netns_rundir *rd = NULL;
	char one[] = "one", two[] = "two";
	pthread_t t1, t2;
	int n = 0;

	is(netns_rundir_open("rel", &rd), -EINVAL, "rundir_open(relative) is -EINVAL");
	is(netns_rundir_open(d1, &j1.rd), 0, "rundir_open %s", d1);
	is(netns_rundir_open(d2, &j2.rd), 0, "rundir_open %s", d2);
	ok(strcmp(netns_rundir_get_path(j1.rd), d1) == 0, "rundir_get_path gives it back");
	pthread_create(&t1, NULL, handle_worker, &j1);
	pthread_create(&t2, NULL, handle_worker, &j2);
	for (int i = 0; i < 200; i++) /* the default flips meanwhile */
		netns_rundir_set(i % 2 ? d3 : NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	netns_rundir_set(NULL);
	is(j1.bad + j2.bad, 0, "two threads, two handles: every add, open and list worked");
	is(netns_name_foreach_at(j1.rd, prefix_cb, one), 0, "%s holds only the first's names", d1);
	is(netns_name_foreach_at(j2.rd, prefix_cb, two), 0, "%s holds only the second's", d2);
	netns_rundir_set(d3);
	is(netns_name_foreach(count_cb, &n), 0, "list the default meanwhile");
	is(n, 0, "and it got none of them");
	netns_rundir_set(NULL);
	/* Out of fds half-way through a listing: an error, not a short list. */
	{
		int status = -1;
		pid_t p = fork();

		if (p == 0) {
			struct rlimit rl;
			int r;

			int lowest = dup(0); /* the fd opendir() will get */

			close(lowest);
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = (rlim_t)lowest + 1; /* room for the directory only */
			setrlimit(RLIMIT_NOFILE, &rl);
			r = netns_name_foreach_at(j1.rd, count_cb, &n);
			_exit(r == -EMFILE ? 0 : r < 0 ? -r : 100);
		}
		waitpid(p, &status, 0);
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "a listing that runs out of fds fails with -EMFILE (status %d)", WEXITSTATUS(status));
	}
	is(netns_name_delete_at(j1.rd, "one0"), 0, "delete_at");
	is(netns_fd_open_name_at(j1.rd, "one0"), -ENOENT, "the name is gone from the handle's dir");
	netns_rundir_free(j1.rd);
	netns_rundir_free(j2.rd);
	netns_rundir_free(NULL);
	rundir_destroy(d1);
	rundir_destroy(d2);
	rmdir(d3);
	free(d1);
	free(d2);
	free(d3);
}

int main(void)
{
	unsigned long long host_ino;
	int fds;

	nstest_require_sandbox();
	nstest_start_worker(); /* its fd and thread are not a leak */
	host_ino = self_ino();
	fds = count_fds();
	test_shared_parent();
	test_relative_env();
	test_unprivileged_first_add();
	test_add_delete_race();
	test_handles();
	is(self_ino(), host_ino, "the main thread never left its namespace");
	is(count_fds(), fds, "no fd leaked");
	return done_testing();
}
