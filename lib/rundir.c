/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The run directory: where names live, name rules, and the shared mount point. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"

#define NETNS_RUN_DIR_DEFAULT "/run/netns"

static char *rundir_override;
/* The run directory this process already prepared; saves a mount(2) per add. */
static char *prepared_for;
static pthread_mutex_t prepare_lock = PTHREAD_MUTEX_INITIALIZER;

/* A run directory of its own, for callers that use more than one, or one
 * from several threads while another thread might change the default. */
struct netns_rundir {
	char *dir;
	bool prepared; /* under lock */
	pthread_mutex_t lock;
};

NETNS_EXPORT const char *netns_rundir_get(void)
{
	const char *env;

	if (rundir_override)
		return rundir_override;
	env = getenv("NETNS_RUN_DIR");
	return env && *env ? env : NETNS_RUN_DIR_DEFAULT;
}

int nsi_rundir_dir(const struct netns_rundir *rd, const char **ret)
{
	const char *dir = rd ? rd->dir : netns_rundir_get();

	/* A relative NETNS_RUN_DIR would make names depend on the working
	 * directory; netns_rundir_set() refuses one, and so do we here. */
	if (dir[0] != '/')
		return -EINVAL;
	*ret = dir;
	return 0;
}

NETNS_EXPORT int netns_rundir_open(const char *dir, struct netns_rundir **ret)
{
	struct netns_rundir *rd;

	nsi_error_set(NULL);
	if (!ret)
		return -EINVAL;
	if (!dir)
		dir = netns_rundir_get();
	if (dir[0] != '/')
		return -EINVAL;
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->dir = strdup(dir);
	if (!rd->dir) {
		free(rd);
		return -ENOMEM;
	}
	pthread_mutex_init(&rd->lock, NULL);
	*ret = rd;
	return 0;
}

NETNS_EXPORT void netns_rundir_free(struct netns_rundir *rd)
{
	if (!rd)
		return;
	pthread_mutex_destroy(&rd->lock);
	free(rd->dir);
	free(rd);
}

NETNS_EXPORT const char *netns_rundir_get_path(const struct netns_rundir *rd)
{
	return rd ? rd->dir : netns_rundir_get();
}

NETNS_EXPORT int netns_rundir_set(const char *dir)
{
	char *copy = NULL;

	nsi_error_set(NULL);
	if (dir) {
		if (dir[0] != '/')
			return -EINVAL;
		copy = strdup(dir);
		if (!copy)
			return -ENOMEM;
	}
	free(rundir_override);
	rundir_override = copy;
	return 0;
}

NETNS_EXPORT int netns_name_check(const char *name)
{
	if (!name || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strchr(name, '/'))
		return -EINVAL;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int nsi_rundir_name_path(const struct netns_rundir *rd, const char *name, char *buf,
			 size_t size)
{
	const char *dir;
	int r = netns_name_check(name);
	int n;

	if (r < 0)
		return r;
	r = nsi_rundir_dir(rd, &dir);
	if (r < 0)
		return r;
	n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Makes DIR and its missing parents. *RET_FIRST is the length of the first
 * prefix this call made, 0 if none: everything below it is ours too. */
static int mkdir_p(const char *dir, size_t *ret_first)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	*ret_first = 0;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue; /* "//", or a trailing '/' */
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (!*ret_first)
				*ret_first = i;
		} else if (errno != EEXIST) {
			return negerrno();
		}
		buf[i] = dir[i];
	}
	return 0;
}

/* Removes what mkdir_p() made, deepest first, so that a failed first add
 * (not root, say) leaves no directory behind. */
static void mkdir_undo(const char *dir, size_t first)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (!first || len >= sizeof(buf))
		return;
	memcpy(buf, dir, len + 1);
	while (len >= first) {
		buf[len] = '\0';
		if (rmdir(buf) < 0)
			return;
		while (len > 0 && buf[len - 1] == '/')
			len--;
		while (len > 0 && buf[len - 1] != '/')
			len--;
		while (len > 0 && buf[len - 1] == '/')
			len--;
	}
}

/*
 * Make DIR a shared mount point, as iproute2 does, so that names propagate to
 * mount namespaces copied from this one (ip netns exec, containers). Unlike
 * iproute2 we never apply MS_SHARED|MS_REC: it walks every nsfs mount below,
 * which made each add slower as names multiplied. MS_SHARED on the directory
 * alone fails with EINVAL when it is not a mount point yet; then we bind it
 * onto itself under an flock, so that concurrent first adds do not stack
 * mounts (Debian bug 949235). A bind made under a shared parent (/run on a
 * systemd host) joins the parent's peer group, and every name mounted on it
 * would propagate back into the parent: two mounts per name. So the bind is
 * made private first, then shared in a peer group of its own (iproute2
 * commit 82c8b9fe, "ip netns: make netns dir mount private before making it
 * shared"). A run directory that is already a mount point is left in the
 * peer group its maker chose: others may depend on that propagation.
 */
static int make_shared_mount(const char *dir)
{
	_cleanup_close_ int lockfd = -1;

	if (mount("none", dir, NULL, MS_SHARED, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return negerrno();
	lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lockfd < 0)
		return negerrno();
	if (flock(lockfd, LOCK_EX) < 0)
		return negerrno();
	/* Someone else may have made the mount while we waited. */
	if (mount("none", dir, NULL, MS_SHARED, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return negerrno();
	if (mount(dir, dir, "none", MS_BIND, NULL) < 0)
		return negerrno();
	if (mount("none", dir, NULL, MS_PRIVATE, NULL) < 0 ||
	    mount("none", dir, NULL, MS_SHARED, NULL) < 0) {
		int r = negerrno();

		umount2(dir, MNT_DETACH);
		return r;
	}
	return 0;
}

/* Makes DIR and its mount; the caller holds the lock that guards *PREPARED. */
static int prepare(const char *dir)
{
	size_t made;
	int r = mkdir_p(dir, &made);

	if (r < 0)
		return r;
	r = make_shared_mount(dir);
	if (r < 0)
		mkdir_undo(dir, made);
	return r;
}

NETNS_EXPORT int netns_rundir_create_at(struct netns_rundir *rd)
{
	const char *dir;
	int r = nsi_rundir_dir(rd, &dir);

	nsi_error_set(NULL);
	if (r < 0)
		return r;
	if (rd) {
		pthread_mutex_lock(&rd->lock);
		if (!rd->prepared) {
			r = prepare(dir);
			rd->prepared = r >= 0;
		}
		pthread_mutex_unlock(&rd->lock);
		return r;
	}
	pthread_mutex_lock(&prepare_lock);
	if (!prepared_for || strcmp(prepared_for, dir) != 0) {
		r = prepare(dir);
		if (r >= 0) {
			free(prepared_for);
			prepared_for = strdup(dir); /* on ENOMEM: prepared again next time */
		}
	}
	pthread_mutex_unlock(&prepare_lock);
	return r;
}

NETNS_EXPORT int netns_rundir_create(void)
{
	return netns_rundir_create_at(NULL);
}

int nsi_rundir_lock(const struct netns_rundir *rd)
{
	const char *dir;
	int fd, r = nsi_rundir_dir(rd, &dir);

	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	if (flock(fd, LOCK_EX) < 0) {
		r = negerrno();
		close(fd);
		return r;
	}
	return fd;
}
