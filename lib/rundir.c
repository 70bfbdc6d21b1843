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

NETNS_EXPORT const char *netns_rundir_get(void)
{
	const char *env;

	if (rundir_override)
		return rundir_override;
	env = getenv("NETNS_RUN_DIR");
	return env && *env ? env : NETNS_RUN_DIR_DEFAULT;
}

NETNS_EXPORT int netns_rundir_set(const char *dir)
{
	char *copy = NULL;

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

int netns_rundir_path(const char *name, char *buf, size_t size)
{
	int r = netns_name_check(name);
	int n;

	if (r < 0)
		return r;
	n = snprintf(buf, size, "%s/%s", netns_rundir_get(), name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return negerrno();
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return negerrno();
	return 0;
}

/*
 * Make DIR a shared mount point, as iproute2 does, so that names propagate to
 * mount namespaces copied from this one (ip netns exec, containers). Unlike
 * iproute2 we never apply MS_SHARED|MS_REC: it walks every nsfs mount below,
 * which made each add slower as names multiplied. MS_SHARED on the directory
 * alone fails with EINVAL when it is not a mount point yet; then we bind it
 * onto itself under an flock, so that concurrent first adds do not stack
 * mounts (Debian bug 949235).
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
	if (mount(dir, dir, "none", MS_BIND, NULL) < 0 ||
	    mount("none", dir, NULL, MS_SHARED, NULL) < 0)
		return negerrno();
	return 0;
}

NETNS_EXPORT int netns_rundir_create(void)
{
	const char *dir = netns_rundir_get();
	int r = 0;

	pthread_mutex_lock(&prepare_lock);
	if (prepared_for && strcmp(prepared_for, dir) == 0)
		goto out;
	r = mkdir_p(dir);
	if (r < 0)
		goto out;
	r = make_shared_mount(dir);
	if (r < 0)
		goto out;
	free(prepared_for);
	prepared_for = strdup(dir); /* on ENOMEM we simply prepare again next time */
out:
	pthread_mutex_unlock(&prepare_lock);
	return r;
}
