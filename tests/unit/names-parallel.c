/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns_name_add_parallel(): names made by several threads at once, each
 * told to the callback before it is named, in a scratch run directory;
 * the first failure's index, and nothing half-made.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "nstest.h"

#define N 48

struct seen {
	atomic_int calls;
	unsigned long long ino[N];  /* what the callback was told */
	bool elsewhere[N];          /* it ran in the namespace it was told of */
	bool named_before[N];       /* the name existed when it ran */
	char dir[128];
	const char *const *names;
	int fail_at;
};

static int made_cb(size_t i, int fd, const struct netns_id *id, void *data)
{
	struct seen *s = data;
	char path[256];
	struct stat st;

	atomic_fetch_add(&s->calls, 1);
	if (i >= N)
		return -ERANGE;
	s->ino[i] = id->ino;
	s->elsewhere[i] = fstat(fd, &st) == 0 && st.st_ino == id->ino && self_ino() == id->ino;
	snprintf(path, sizeof(path), "%s/%s", s->dir, s->names[i]);
	s->named_before[i] = path_exists(path);
	return (int)i == s->fail_at ? -ECANCELED : 0;
}

int main(void)
{
	static char namebuf[N][64];
	const char *names[N];
	struct netns_rundir *rd;
	struct seen *s = calloc(1, sizeof(*s));
	char *dir, path[256];
	unsigned long long before = self_ino();
	size_t failed = 99;
	int fds, good = 0, ident = 0, early = 0, made = 0, halfmade = 0;

	nstest_require_sandbox();
	dir = nstest_scratch_dir();
	if (!s || netns_rundir_open(dir, &rd) < 0) {
		printf("Bail out! rundir %s\n", dir);
		return 1;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	for (int i = 0; i < N; i++) {
		snprintf(namebuf[i], sizeof(namebuf[i]), "par-%d", i);
		names[i] = namebuf[i];
	}
	s->names = names;
	s->fail_at = -1;
	fds = count_fds();

	is(netns_name_add_parallel_at(rd, names, N, NETNS_ADD_LO_UP, 2, made_cb, s, &failed), 0,
	   "48 names on 2 threads");
	is((int)failed, N, "*ret_failed is N on success");
	is(atomic_load(&s->calls), N, "the callback ran once per name");
	for (int i = 0; i < N; i++) {
		struct netns_id id;
		int fd = netns_fd_open_name_at(rd, names[i]);

		if (fd >= 0 && netns_fd_id(fd, &id) == 0) {
			good++;
			ident += id.ino == s->ino[i];
		}
		if (fd >= 0)
			close(fd);
		early += s->named_before[i];
		ident -= !s->elsewhere[i];
	}
	is(good, N, "every name is a namespace");
	is(ident, N, "each is the namespace its callback was told of, which it ran in");
	is(early, 0, "no name existed before its callback ran");
	is(self_ino(), before, "the caller's thread never moved");
	is(netns_name_add_parallel_at(rd, names, 2, 0, 2, NULL, NULL, &failed), -EEXIST,
	   "the same names again: -EEXIST");
	is((int)failed, 0, "at index 0");

	/* A callback's error: that name is not made, nothing of it is left,
	 * and it is the call's result. */
	for (int i = 0; i < N; i++)
		netns_name_delete_at(rd, names[i]);
	atomic_store(&s->calls, 0);
	s->fail_at = 5;
	is(netns_name_add_parallel_at(rd, names, N, 0, 2, made_cb, s, &failed), -ECANCELED,
	   "a callback failing at name 5 fails the call with its error");
	is((int)failed, 5, "at index 5");
	for (int i = 0; i < N; i++) {
		int fd = netns_fd_open_name_at(rd, names[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (fd >= 0) {
			made++;
			close(fd);
		} else if (path_exists(path)) {
			halfmade++;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", dir, names[5]);
	ok(!path_exists(path), "name 5 does not exist");
	is(halfmade, 0, "no placeholder is left of a name not made");
	ok(made >= 5 && made < N, "the names before it stay, no new one started after (%d)", made);

	const char *bad[] = { "ok-1", "a/b" };
	is(netns_name_add_parallel_at(rd, bad, 2, 0, 0, NULL, NULL, &failed), -EINVAL,
	   "a bad name: -EINVAL");
	is((int)failed, 1, "at its index");
	snprintf(path, sizeof(path), "%s/ok-1", dir);
	ok(!path_exists(path), "checked before anything was made");
	is(netns_name_add_parallel_at(rd, names, 1, 0x80, 0, NULL, NULL, NULL), -EINVAL,
	   "an unknown flag: -EINVAL");
	is(netns_name_add_parallel_at(rd, NULL, 1, 0, 0, NULL, NULL, NULL), -EINVAL,
	   "NULL names: -EINVAL");
	is(count_fds(), fds, "no fd leaked");

	for (int i = 0; i < N; i++)
		netns_name_delete_at(rd, names[i]);
	netns_rundir_free(rd);
	rundir_destroy(dir);
	free(dir);
	free(s);
	return done_testing();
}
