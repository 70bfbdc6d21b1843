/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Named namespaces: RUNDIR/NAME is a bind mount of an nsfs inode, as in iproute2. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <libmnl/libmnl.h>

#include "internal.h"

/* Creates the empty file a name's mount sits on; EEXIST if the name is taken. */
static int placeholder_create(const char *path)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);

	if (fd < 0)
		return negerrno();
	close(fd);
	return 0;
}

/* Detaches whatever is mounted on a name; EINVAL means nothing (left). */
static int name_unmount(const char *path)
{
	/* Loop: a name mounted twice (Debian bug 949235) needs two unmounts. */
	for (int i = 0; i < 16; i++) {
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			continue;
		return errno == EINVAL ? 0 : negerrno();
	}
	return 0;
}

/* Makes NAME from a throwaway thread: unshare moves the thread into a new
 * namespace, which is bind-mounted on a new placeholder. Nothing is left of
 * a name that fails half-way. The caller holds the name lock, so a delete
 * of the same name cannot unlink the placeholder under the mount. With CB,
 * the namespace is made first and told to CB (as index I) before any file
 * of the name exists (see netns_name_made_cb). */
int nsi_name_make_here(const struct netns_rundir *rd, const char *name, unsigned flags,
		       int *ret_fd, netns_name_made_cb cb, size_t i, void *data)
{
	char path[PATH_MAX];
	int r, fd = -1;

	r = nsi_rundir_name_path(rd, name, path, sizeof(path));
	if (r < 0)
		return r;
	if (cb) {
		struct netns_id id;

		if (unshare(CLONE_NEWNET) < 0)
			return negerrno();
		fd = netns_fd_open_current();
		r = fd < 0 ? fd : netns_fd_id(fd, &id);
		if (r >= 0)
			r = cb(i, fd, &id, data);
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (r < 0)
			return r;
	}
	r = placeholder_create(path);
	if (r < 0)
		return r;
	if ((!cb && unshare(CLONE_NEWNET) < 0) ||
	    mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = negerrno();
	if (r >= 0 && (flags & NETNS_ADD_LO_UP))
		r = netns_link_set_up(-1, "lo", true);
	if (r >= 0 && ret_fd) {
		fd = netns_fd_open_current();
		r = fd < 0 ? fd : 0;
	}
	if (r < 0) {
		/* Undo the half-made name whatever the unmount says: the file must go. */
		(void)name_unmount(path);
		unlink(path);
		return r;
	}
	if (ret_fd)
		*ret_fd = fd;
	return 0;
}

struct add_job {
	const struct netns_rundir *rd;
	const char *const *names;
	size_t n, done;
	unsigned flags;
	int *ret_fd;
};

static int add_here(void *p)
{
	struct add_job *job = p;
	_cleanup_close_ int lock = nsi_rundir_lock(job->rd);

	if (lock < 0)
		return lock;
	for (; job->done < job->n; job->done++) {
		int r = nsi_name_make_here(job->rd, job->names[job->done], job->flags,
					   job->ret_fd, NULL, 0, NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

/* One throwaway thread for all of NAMES: a thread start per name cost as
 * much as the namespace itself here (docs/benchmarks.md). */
static int add_names(struct netns_rundir *rd, const char *const *names, size_t n,
		     unsigned flags, int *ret_fd, size_t *ret_done)
{
	struct add_job job = { .rd = rd, .names = names, .n = n, .flags = flags, .ret_fd = ret_fd };
	int r;

	if (flags & ~(unsigned)NETNS_ADD_LO_UP)
		return -EINVAL;
	r = netns_rundir_create_at(rd);
	if (r >= 0)
		r = nsi_thread_run(NSI_THREAD_HERE, add_here, &job);
	if (ret_done)
		*ret_done = job.done;
	return r;
}

NETNS_EXPORT int netns_name_add_at(struct netns_rundir *rd, const char *name, unsigned flags,
				   int *ret_fd)
{
	int r = netns_name_check(name);

	nsi_error_set(NULL);
	if (r < 0)
		return r;
	return add_names(rd, &name, 1, flags, ret_fd, NULL);
}

NETNS_EXPORT int netns_name_add(const char *name, unsigned flags, int *ret_fd)
{
	return netns_name_add_at(NULL, name, flags, ret_fd);
}

NETNS_EXPORT int netns_name_add_many_at(struct netns_rundir *rd, const char *const *names,
					size_t n, unsigned flags, size_t *ret_added)
{
	nsi_error_set(NULL);
	if (n && !names)
		return -EINVAL;
	return add_names(rd, names, n, flags, NULL, ret_added);
}

NETNS_EXPORT int netns_name_add_many(const char *const *names, size_t n, unsigned flags,
				     size_t *ret_added)
{
	return netns_name_add_many_at(NULL, names, n, flags, ret_added);
}

NETNS_EXPORT int netns_name_attach_fd_at(struct netns_rundir *rd, const char *name, int fd)
{
	_cleanup_close_ int lock = -1;
	char path[PATH_MAX], src[64];
	int r;

	nsi_error_set(NULL);
	r = nsi_rundir_name_path(rd, name, path, sizeof(path));
	if (r < 0)
		return r;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	r = netns_rundir_create_at(rd);
	if (r < 0)
		return r;
	lock = nsi_rundir_lock(rd);
	if (lock < 0)
		return lock;
	r = placeholder_create(path);
	if (r < 0)
		return r;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		r = negerrno();
		unlink(path);
		return r;
	}
	return 0;
}

NETNS_EXPORT int netns_name_attach_fd(const char *name, int fd)
{
	return netns_name_attach_fd_at(NULL, name, fd);
}

NETNS_EXPORT int netns_name_attach_at(struct netns_rundir *rd, const char *name, pid_t pid,
				      pid_t tid)
{
	_cleanup_close_ int fd = -1;
	int r = netns_name_check(name);

	nsi_error_set(NULL);
	if (r < 0)
		return r;
	fd = netns_fd_open_tid(pid, tid);
	if (fd < 0)
		return fd;
	return netns_name_attach_fd_at(rd, name, fd);
}

NETNS_EXPORT int netns_name_attach(const char *name, pid_t pid, pid_t tid)
{
	return netns_name_attach_at(NULL, name, pid, tid);
}

/* What RUNDIR/NAME holds: a namespace, an empty placeholder (a name whose
 * mount is gone, or not made yet), or something that is no name at all.
 * Symbolic links are never followed: the run directory holds mounts. */
enum entry_kind {
	ENTRY_NAMESPACE = 1 << 0,
	ENTRY_PLACEHOLDER = 1 << 1,
	ENTRY_OTHER = 1 << 2,
};

/* Classifies DIRFD/NAME; for a namespace, also its id and, when NL is not
 * NULL, its nsid (-1: none), both read from the one open file. */
static int entry_classify(int dirfd, const char *name, struct mnl_socket *nl,
			  struct netns_id *ret_id, int *ret_nsid)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode))
		return ENTRY_OTHER; /* a directory, a symlink, a fifo: never opened */
	fd = nsi_open_nsfs(name, dirfd, O_NOFOLLOW);
	if (fd == -EMEDIUMTYPE)
		return st.st_size == 0 ? ENTRY_PLACEHOLDER : ENTRY_OTHER;
	if (fd < 0)
		return fd;
	if (netns_fd_id(fd, ret_id) < 0)
		return ENTRY_OTHER;
	if (nl && ret_nsid) {
		int nsid = nsi_nl_nsid(nl, fd);

		if (nsid < 0 && nsid != -ENOENT)
			return nsid;
		*ret_nsid = nsid < 0 ? -1 : nsid;
	}
	return ENTRY_NAMESPACE;
}

NETNS_EXPORT int netns_name_delete_at(struct netns_rundir *rd, const char *name)
{
	_cleanup_close_ int lock = -1;
	char path[PATH_MAX];
	struct netns_id id;
	int r;

	nsi_error_set(NULL);
	r = nsi_rundir_name_path(rd, name, path, sizeof(path));
	if (r < 0)
		return r;
	lock = nsi_rundir_lock(rd);
	if (lock < 0)
		return lock;
	r = entry_classify(AT_FDCWD, path, NULL, &id, NULL);
	if (r < 0)
		return r;
	if (r == ENTRY_OTHER)
		return -EMEDIUMTYPE; /* never remove what is not a name, a directory say */
	r = name_unmount(path);
	if (r < 0)
		return r;
	return unlink(path) < 0 ? negerrno() : 0;
}

NETNS_EXPORT int netns_name_delete(const char *name)
{
	return netns_name_delete_at(NULL, name);
}

struct entry {
	char *name;
	enum entry_kind kind;
	struct netns_id id;
	int nsid;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* Reads the run directory: every entry of the KINDS asked for, sorted by
 * name; with NL, each namespace's nsid too. */
static int entries_read(const struct netns_rundir *rd, unsigned kinds, struct mnl_socket *nl,
			struct entry **ret, size_t *ret_n)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	const char *dir;
	DIR *d;
	int r = nsi_rundir_dir(rd, &dir);

	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			return negerrno();
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((errno = 0, de = readdir(d))) {
		struct entry e = { .nsid = -1 };
		int k;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		k = entry_classify(dirfd(d), de->d_name, nl, &e.id, &e.nsid);
		/* Out of fds or memory: a short list would be a wrong answer. */
		if (k == -EMFILE || k == -ENFILE || k == -ENOMEM || k == -ENOBUFS) {
			r = k;
			break;
		}
		if (k < 0 || !(kinds & (unsigned)k))
			continue; /* another kind, or a file that vanished */
		if (n == cap) {
			struct entry *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		e.kind = (enum entry_kind)k;
		e.name = strdup(de->d_name);
		if (!e.name) {
			r = -ENOMEM;
			break;
		}
		v[n++] = e;
	}
	if (!de && errno && r == 0)
		r = negerrno();
	closedir(d);
	if (r < 0) {
		entries_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), entry_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Calls CB for each entry of KIND, or for those with id MATCH; returns the
 * count. Placeholders have no id: CB gets NULL. */
static int entries_walk(const struct netns_rundir *rd, enum entry_kind kind,
			const struct netns_id *match, netns_name_cb cb, void *data)
{
	struct entry *v;
	size_t n;
	int r, found = 0;

	r = entries_read(rd, kind, NULL, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (match && !netns_id_equal(match, &v[i].id))
			continue;
		found++;
		r = cb ? cb(v[i].name, kind == ENTRY_NAMESPACE ? &v[i].id : NULL, data) : 0;
		if (r < 0)
			break;
	}
	entries_free(v, n);
	return r < 0 ? r : found;
}

NETNS_EXPORT int netns_name_walk_at(const struct netns_rundir *rd, unsigned flags,
				    netns_name_info_cb cb, void *data)
{
	struct mnl_socket *nl = NULL;
	struct entry *v;
	size_t n;
	int r;

	nsi_error_set(NULL);
	if (!cb || (flags & ~(unsigned)(NETNS_WALK_NSID | NETNS_WALK_BROKEN)))
		return -EINVAL;
	/* One netlink socket for every nsid, not one per name. */
	if (flags & NETNS_WALK_NSID) {
		r = nsi_nl_open(-1, &nl);
		if (r < 0)
			return r;
	}
	r = entries_read(rd, ENTRY_NAMESPACE | (flags & NETNS_WALK_BROKEN ? ENTRY_PLACEHOLDER : 0),
			 nl, &v, &n);
	if (nl)
		mnl_socket_close(nl);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct netns_name_info info = {
			.name = v[i].name,
			.id = v[i].id,
			.nsid = v[i].nsid,
			.broken = v[i].kind == ENTRY_PLACEHOLDER,
		};

		r = cb(&info, data);
		if (r < 0)
			break;
	}
	entries_free(v, n);
	return r < 0 ? r : 0;
}

NETNS_EXPORT int netns_name_walk(unsigned flags, netns_name_info_cb cb, void *data)
{
	return netns_name_walk_at(NULL, flags, cb, data);
}

NETNS_EXPORT int netns_name_foreach_at(const struct netns_rundir *rd, netns_name_cb cb,
				       void *data)
{
	int r = entries_walk(rd, ENTRY_NAMESPACE, NULL, cb, data);

	nsi_error_set(NULL);
	return r < 0 ? r : 0;
}

NETNS_EXPORT int netns_name_foreach(netns_name_cb cb, void *data)
{
	return netns_name_foreach_at(NULL, cb, data);
}

NETNS_EXPORT int netns_name_foreach_broken_at(const struct netns_rundir *rd, netns_name_cb cb,
					      void *data)
{
	int r = entries_walk(rd, ENTRY_PLACEHOLDER, NULL, cb, data);

	nsi_error_set(NULL);
	return r < 0 ? r : 0;
}

NETNS_EXPORT int netns_name_foreach_broken(netns_name_cb cb, void *data)
{
	return netns_name_foreach_broken_at(NULL, cb, data);
}

NETNS_EXPORT int netns_name_find_at(const struct netns_rundir *rd, const struct netns_id *id,
				    netns_name_cb cb, void *data)
{
	nsi_error_set(NULL);
	if (!id)
		return -EINVAL;
	return entries_walk(rd, ENTRY_NAMESPACE, id, cb, data);
}

NETNS_EXPORT int netns_name_find(const struct netns_id *id, netns_name_cb cb, void *data)
{
	return netns_name_find_at(NULL, id, cb, data);
}
