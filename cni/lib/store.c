/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host-local store (plugins/ipam/host-local/backend/disk in
 * containernetworking/plugins), byte for byte, so that host-local and
 * netns-ipam can take turns on one node: DATADIR/NETWORK/ holds a file per
 * allocated address, named by it and holding "CONTAINERID\r\nIFNAME";
 * last_reserved_ip.N, the last address handed out from range set N; and
 * "lock", which both take with flock(LOCK_EX) for the whole command.
 *
 * Finding a container's addresses in that layout means reading every file
 * (host-local's GetByID walks the directory), so each call gets slower as
 * the store fills. netns-ipam keeps an index of it (the second half of this
 * file), outside the store so that the store stays host-local's to the byte
 * and host-local's walk never reads it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static int mkdir_p(char *path, mode_t mode)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Opens NAME in DIRFD as a regular file, never through a symlink (one
 * planted in the store would have us overwrite its target) and never
 * blocking (a FIFO's open waits for a writer, a device's read may never
 * end). A symlink is -ELOOP, anything but a regular file -ENOTREG; both
 * are refused before a byte is read or written. */
#define ENOTREG EMEDIUMTYPE /* no errno of its own; ipam.h names it */
static int file_open(int dirfd, const char *name, int flags, mode_t mode)
{
	struct stat st;
	int fd, r;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == ENXIO ? -ENOTREG : -errno; /* ENXIO: a FIFO with no reader */
	r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -ENOTREG;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

const char *cni_store_strerror(int r)
{
	if (r == -ELOOP)
		return "a symbolic link, never followed";
	if (r == -ENOTREG)
		return "not a regular file";
	return strerror(-r);
}

static void index_open(struct cni_store *s);
static void index_close(struct cni_store *s);
static void index_add(struct cni_store *s, const char *id, const char *ifname, const char *ipname);
static void index_remove(struct cni_store *s, const char *id, const char *ifname, const char *ipname);

int cni_store_open(struct cni_store *s, const char *data_dir, const char *name)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->dirfd = s->lockfd = s->idxfd = -1;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s", data_dir, name) >= sizeof(s->path))
		return -ENAMETOOLONG;
	/* Made once: after that, one open instead of a mkdir per component. */
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0 && errno == ENOENT) {
		r = mkdir_p(s->path, 0755);
		if (r < 0)
			return r;
		s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->dirfd < 0)
		return -errno;
	/* host-local's disk.NewFileLock opens it O_RDONLY|O_CREATE, 0750. */
	s->lockfd = file_open(s->dirfd, "lock", O_RDONLY | O_CREAT, 0750);
	if (s->lockfd < 0) {
		r = s->lockfd;
		snprintf(s->refused, sizeof(s->refused), "lock");
		cni_store_close(s);
		return r;
	}
	while (flock(s->lockfd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = -errno;
			cni_store_close(s);
			return r;
		}
	index_open(s);
	return 0;
}

void cni_store_close(struct cni_store *s)
{
	index_close(s); /* before the lock goes: it records the store as we leave it */
	if (s->lockfd >= 0)
		close(s->lockfd); /* drops the flock */
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->lockfd = s->dirfd = -1;
}

static int write_file(int dirfd, const char *name, const char *buf, int flags)
{
	size_t len = strlen(buf);
	ssize_t n;
	int fd, r = 0;

	fd = file_open(dirfd, name, O_WRONLY | O_CREAT | flags, 0644);
	if (fd < 0)
		return fd;
	n = write(fd, buf, len);
	if (n < 0 || (size_t)n != len)
		r = n < 0 ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* Rewrites NAME to hold BUF, in place: the same bytes as host-local's
 * O_TRUNC write, without truncating to zero. On ext4 (auto_da_alloc) a
 * close after a truncation to zero starts writeback of the file: 0.4 to
 * 1.8 ms per ADD here against 0.06 ms in place. A crash halfway leaves
 * another value where host-local's way leaves an empty file; both only
 * say where the next search for a free address starts. */
static int rewrite_file(int dirfd, const char *name, const char *buf)
{
	size_t len = strlen(buf);
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	fd = file_open(dirfd, name, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return fd;
	n = pwrite(fd, buf, len, 0);
	if (n < 0 || (size_t)n != len)
		r = n < 0 ? -errno : -EIO;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && st.st_size > (off_t)len && ftruncate(fd, (off_t)len) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int cni_store_reserve(struct cni_store *s, const char *id, const char *ifname,
		      const struct rtnl_ip *ip, size_t set)
{
	char name[64], content[2048], last[32];
	int r;

	cni_ip_format(ip, name, sizeof(name));
	snprintf(content, sizeof(content), "%s\r\n%s", id, ifname);
	r = write_file(s->dirfd, name, content, O_EXCL);
	if (r == -EEXIST)
		return 0;
	s->changed = true;
	if (r < 0) {
		snprintf(s->refused, sizeof(s->refused), "%s", name);
		unlinkat(s->dirfd, name, 0);
		return r;
	}
	snprintf(last, sizeof(last), "last_reserved_ip.%zu", set);
	r = rewrite_file(s->dirfd, last, name);
	if (r < 0) {
		snprintf(s->refused, sizeof(s->refused), "%s", last);
		unlinkat(s->dirfd, name, 0);
		return r;
	}
	index_add(s, id, ifname, name);
	return 1;
}

static int read_small(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd = file_open(dirfd, name, O_RDONLY, 0);

	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int cni_store_last_reserved(struct cni_store *s, size_t set, struct rtnl_ip *ret)
{
	char name[32], buf[64];
	int r;

	snprintf(name, sizeof(name), "last_reserved_ip.%zu", set);
	r = read_small(s->dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	buf[strcspn(buf, " \t\r\n")] = '\0';
	return cni_ip_parse(buf, ret);
}

bool cni_store_has(struct cni_store *s, const struct rtnl_ip *ip)
{
	char name[64];

	cni_ip_format(ip, name, sizeof(name));
	return faccessat(s->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Trims white space at both ends, as Go's strings.TrimSpace. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Reads address file IPNAME: *RET_ID and *RET_IFNAME point into BUF.
 * "ID\r\nIFNAME"; a store from before host-local 0.9 holds the id alone
 * (IFNAME ""). */
static int entry_read(int dirfd, const char *ipname, char *buf, size_t len, const char **ret_id,
		      const char **ret_ifname)
{
	char *content, *sep;
	int r = read_small(dirfd, ipname, buf, len);

	if (r < 0)
		return r;
	content = trim(buf);
	sep = strstr(content, "\r\n");
	*ret_ifname = "";
	if (sep) {
		*sep = '\0';
		*ret_ifname = sep + 2;
	}
	*ret_id = content;
	return 0;
}

/* A directory stream over DIRFD's directory, from its start, on a copy
 * of the fd (closedir() closes the copy). */
static int dir_reopen(int dirfd, DIR **ret)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;

		close(fd);
		return r;
	}
	rewinddir(d);
	*ret = d;
	return 0;
}

int cni_store_foreach(struct cni_store *s, cni_store_cb cb, void *data)
{
	struct rtnl_ip ip;
	struct dirent *de;
	char buf[2048];
	const char *id, *ifname;
	DIR *d;
	int r;

	r = dir_reopen(s->dirfd, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		/* Only files named by an address are allocations. */
		if (cni_ip_parse(de->d_name, &ip) < 0)
			continue;
		if (entry_read(s->dirfd, de->d_name, buf, sizeof(buf), &id, &ifname) < 0)
			continue;
		r = cb(de->d_name, id, ifname, data);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int cni_store_release(struct cni_store *s, const char *ipname, const char *id, const char *ifname)
{
	if (unlinkat(s->dirfd, ipname, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	s->changed = true;
	index_remove(s, id, ifname, ipname);
	return 0;
}

int cni_store_fail(const struct cni_store *s, int r, const char *what, struct cni_err *err)
{
	if (s->refused[0])
		return cni_fail(err, CNI_ERR_IO, "%s %s/%s: %s", what, s->path, s->refused,
				cni_store_strerror(r));
	return cni_fail(err, CNI_ERR_IO, "%s %s: %s", what, s->path, cni_store_strerror(r));
}

/* The disk store behind the allocator's interface. */
static int disk_reserve(void *s, const char *id, const char *ifname, const struct rtnl_ip *ip, size_t set)
{
	return cni_store_reserve(s, id, ifname, ip, set);
}

static int disk_last_reserved(void *s, size_t set, struct rtnl_ip *ret)
{
	return cni_store_last_reserved(s, set, ret);
}

static bool disk_has(void *s, const struct rtnl_ip *ip)
{
	return cni_store_has(s, ip);
}

static int disk_release(void *s, const char *ipname, const char *id, const char *ifname)
{
	return cni_store_release(s, ipname, id, ifname);
}

static int disk_owned(void *s, const char *id, const char *ifname, cni_store_cb cb, void *data)
{
	return cni_store_owned(s, id, ifname, cb, data);
}

static int disk_fail(void *s, int r, const char *what, struct cni_err *err)
{
	return cni_store_fail(s, r, what, err);
}

const struct cni_store_ops cni_store_disk_ops = {
	.reserve = disk_reserve,
	.last_reserved = disk_last_reserved,
	.has = disk_has,
	.release = disk_release,
	.owned = disk_owned,
	.fail = disk_fail,
};

/*
 * The index: CNI_IPAM_INDEX_DIR/DEV-INO/ for the store directory DEV:INO,
 * with a file "ID:IFNAME" per attachment listing its addresses, one a line
 * ("ID:" for the id-only files of old host-locals), and "stamp". Ids and
 * interface names hold no ':' or '/', so the names cannot clash.
 *
 * The index is trusted only while the store is as netns-ipam last left it:
 * "stamp" records the store directory's mtime and ctime (and the index
 * directory's mtime) after our last change, under the store's lock. Anyone
 * else adding or removing an address file (host-local, a person) changes
 * the store directory's mtime, and the next netns-ipam rebuilds the index
 * with one full scan.
 *
 * A directory's mtime is the coarse clock at the change (on every file
 * system before Linux 6.13's multigrain timestamps, on some still), so a
 * host-local that takes the lock right after us could change the store
 * within the same clock tick and leave the mtime as we recorded it (git's
 * "racy clean" problem). So after each change we set the store directory's mtime
 * one nanosecond back ourselves: no later change by anyone can produce
 * that value again. Each hit is still checked against its address file.
 *
 * The index lives in /run: it costs host-local nothing when an operator
 * swaps back, it vanishes at a reboot (the first call rebuilds it), and it
 * is removed whenever its store holds no allocation.
 */
#define INDEX_MAX_ADDRS 64

static void index_path(const struct cni_store *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%llx-%llx", CNI_IPAM_INDEX_DIR, (unsigned long long)s->dev,
		 (unsigned long long)s->ino);
}

/* The index file for ID on IFNAME; false when the names cannot make one
 * (an id too long for a file name): such entries are found by a scan. */
static bool key_name(const char *id, const char *ifname, char *buf, size_t len)
{
	if (!*id || strchr(id, '/') || strchr(id, ':') || strchr(ifname, '/') || strchr(ifname, ':'))
		return false;
	return (size_t)snprintf(buf, len, "%s:%s", id, ifname) < len && strlen(buf) < 256;
}

struct stamp {
	struct timespec store_mtime, store_ctime, index_mtime;
	long count;
};

static bool ts_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int stamp_read(struct cni_store *s, struct stamp *st)
{
	long long t[6];
	char buf[5120];
	int r = read_small(s->idxfd, "stamp", buf, sizeof(buf));

	if (r < 0)
		return r;
	if (sscanf(buf, "netns-ipam-index 1 %lld.%lld %lld.%lld %lld.%lld %ld", &t[0], &t[1], &t[2], &t[3],
		   &t[4], &t[5], &st->count) != 7 || st->count < 0)
		return -EINVAL;
	st->store_mtime = (struct timespec){ (time_t)t[0], (long)t[1] };
	st->store_ctime = (struct timespec){ (time_t)t[2], (long)t[3] };
	st->index_mtime = (struct timespec){ (time_t)t[4], (long)t[5] };
	return 0;
}

static void index_open(struct cni_store *s)
{
	struct stat sst, ist;
	struct stamp st;
	char path[128];

	if (fstat(s->dirfd, &sst) < 0)
		return;
	s->dev = sst.st_dev;
	s->ino = sst.st_ino;
	index_path(s, path, sizeof(path));
	s->idxfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (s->idxfd < 0 || fstat(s->idxfd, &ist) < 0 || stamp_read(s, &st) < 0)
		return;
	s->indexed = ts_equal(&st.store_mtime, &sst.st_mtim) && ts_equal(&st.store_ctime, &sst.st_ctim) &&
		     ts_equal(&st.index_mtime, &ist.st_mtim);
	s->count = st.count;
}

/* Stops using the index; the next netns-ipam rebuilds it. */
static void index_disable(struct cni_store *s)
{
	if (s->idxfd >= 0)
		unlinkat(s->idxfd, "stamp", 0);
	s->indexed = false;
}

/* Removes every file of the index directory. */
static int index_clear(int idxfd)
{
	struct dirent *de;
	DIR *d;
	int r;

	r = dir_reopen(idxfd, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    unlinkat(idxfd, de->d_name, 0) < 0 && errno != ENOENT && !r)
			r = -errno;
	closedir(d);
	return r;
}

static int index_mkdir(struct cni_store *s)
{
	char path[128];
	int tries;

	if (s->idxfd >= 0)
		return 0;
	index_path(s, path, sizeof(path));
	/* Another netns-ipam may remove the (empty) parent between our two
	 * mkdir() calls: try again once. */
	for (tries = 0; tries < 2; tries++) {
		if (mkdir(CNI_IPAM_INDEX_DIR, 0700) < 0 && errno != EEXIST)
			return -errno;
		if (mkdir(path, 0700) == 0 || errno == EEXIST)
			break;
		if (errno != ENOENT)
			return -errno;
	}
	s->idxfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return s->idxfd < 0 ? -errno : 0;
}

static int key_add(struct cni_store *s, const char *key, const char *ipname)
{
	char line[64];
	int fd, r;

	fd = file_open(s->idxfd, key, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0)
		return fd;
	snprintf(line, sizeof(line), "%s\n", ipname);
	r = write(fd, line, strlen(line)) == (ssize_t)strlen(line) ? 0 : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

static int rebuild_one(const char *ipname, const char *id, const char *ifname, void *data)
{
	struct cni_store *s = data;
	char key[300];

	s->count++;
	if (!key_name(id, ifname, key, sizeof(key)))
		return 0;
	return key_add(s, key, ipname);
}

static void index_sweep(void);

/* One full scan of the store into a fresh index. */
static void index_rebuild(struct cni_store *s)
{
	int r;

	s->indexed = false;
	s->count = 0;
	if (!s->dev || index_mkdir(s) < 0)
		return;
	r = index_clear(s->idxfd);
	if (r == 0)
		r = cni_store_foreach(s, rebuild_one, s);
	if (r < 0) {
		index_clear(s->idxfd);
		return;
	}
	s->indexed = true;
	s->changed = true; /* so that close records it */
	if (s->count)
		index_sweep();
}

static void index_add(struct cni_store *s, const char *id, const char *ifname, const char *ipname)
{
	char key[300];

	if (!s->indexed)
		return;
	s->count++;
	if (key_name(id, ifname, key, sizeof(key)) && key_add(s, key, ipname) < 0)
		index_disable(s);
}

/* Rewrites the index file KEY without IPNAME (or removes it). */
static int key_remove(struct cni_store *s, const char *key, const char *ipname)
{
	char buf[INDEX_MAX_ADDRS * 48], out[sizeof(buf)], *line, *save;
	size_t off = 0;
	int r = read_small(s->idxfd, key, buf, sizeof(buf));

	if (r < 0)
		return r;
	if ((size_t)r >= sizeof(buf) - 1)
		return -E2BIG;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strcmp(line, ipname) != 0)
			off += (size_t)snprintf(out + off, sizeof(out) - off, "%s\n", line);
	if (off == 0)
		return unlinkat(s->idxfd, key, 0) < 0 ? -errno : 0;
	return write_file(s->idxfd, key, out, O_TRUNC);
}

static void index_remove(struct cni_store *s, const char *id, const char *ifname, const char *ipname)
{
	char key[300];

	if (!s->indexed)
		return;
	s->count--;
	if (key_name(id, ifname, key, sizeof(key)) && key_remove(s, key, ipname) < 0)
		index_disable(s);
}

/* Sets FD's mtime one nanosecond back (see above) and returns what the
 * file system stored (it may round). */
static int dir_mark(int fd, struct stat *ret)
{
	struct timespec t[2];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	t[0] = (struct timespec){ .tv_nsec = UTIME_OMIT };
	t[1] = st.st_mtim;
	if (t[1].tv_nsec-- == 0) {
		t[1].tv_nsec = 999999999;
		t[1].tv_sec--;
	}
	if (futimens(fd, t) < 0 || fstat(fd, ret) < 0)
		return -errno;
	return 0;
}

/* The index of an empty store is no index: none is left behind. */
static void index_drop(struct cni_store *s)
{
	char path[128];

	index_clear(s->idxfd);
	index_path(s, path, sizeof(path));
	rmdir(path);
	rmdir(CNI_IPAM_INDEX_DIR); /* fails while another store has one */
}

static int index_record(struct cni_store *s)
{
	struct stat sst, ist;
	char buf[sizeof(s->path) + 128];
	int fd, r;

	fd = file_open(s->idxfd, "stamp", O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return fd;
	r = dir_mark(s->idxfd, &ist);
	if (r == 0)
		r = dir_mark(s->dirfd, &sst);
	if (r == 0) {
		snprintf(buf, sizeof(buf), "netns-ipam-index 1 %lld.%09ld %lld.%09ld %lld.%09ld %ld %s\n",
			 (long long)sst.st_mtim.tv_sec, sst.st_mtim.tv_nsec, (long long)sst.st_ctim.tv_sec,
			 sst.st_ctim.tv_nsec, (long long)ist.st_mtim.tv_sec, ist.st_mtim.tv_nsec, s->count,
			 s->path);
		if (pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf) || ftruncate(fd, (off_t)strlen(buf)) < 0)
			r = -EIO;
	}
	close(fd);
	return r;
}

static void index_close(struct cni_store *s)
{
	if (s->idxfd < 0)
		return;
	if (s->changed && s->indexed) {
		if (s->count <= 0)
			index_drop(s);
		else if (index_record(s) < 0)
			index_disable(s);
	} else if (s->changed) {
		index_disable(s);
	}
	close(s->idxfd);
	s->idxfd = -1;
}

/* Collects the addresses listed in index file KEY into ADDRS. */
static int key_read(struct cni_store *s, const char *key, char addrs[][48], size_t *n)
{
	char buf[INDEX_MAX_ADDRS * 48], *line, *save;
	int r = read_small(s->idxfd, key, buf, sizeof(buf));

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if ((size_t)r >= sizeof(buf) - 1)
		return -E2BIG; /* more than a file this size holds: scan instead */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*n >= INDEX_MAX_ADDRS || strlen(line) >= 48)
			return -E2BIG;
		snprintf(addrs[(*n)++], 48, "%s", line);
	}
	return 0;
}

/* Calls CB for the allocations of ID on IFNAME that the index lists, after
 * checking each against its address file: -ESTALE when one does not match. */
static int owned_indexed(struct cni_store *s, const char *id, const char *ifname, cni_store_cb cb,
			 void *data)
{
	char addrs[INDEX_MAX_ADDRS][48], key[300], legacy[300], buf[2048];
	const char *fid, *fif;
	size_t n = 0, n0, i;
	int r;

	if (!key_name(id, ifname, key, sizeof(key)) || !key_name(id, "", legacy, sizeof(legacy)))
		return -ESTALE;
	if (key_read(s, key, addrs, &n) < 0)
		return -ESTALE;
	n0 = n;
	if (key_read(s, legacy, addrs, &n) < 0)
		return -ESTALE;
	for (i = 0; i < n; i++)
		if (entry_read(s->dirfd, addrs[i], buf, sizeof(buf), &fid, &fif) < 0 || strcmp(fid, id) != 0 ||
		    strcmp(fif, i < n0 ? ifname : "") != 0)
			return -ESTALE;
	for (i = 0; i < n; i++) {
		r = cb(addrs[i], id, i < n0 ? ifname : "", data);
		if (r < 0)
			return r;
	}
	return 0;
}

struct owned_scan {
	const char *id, *ifname;
	cni_store_cb cb;
	void *data;
};

static int owned_scan_one(const char *ipname, const char *id, const char *ifname, void *data)
{
	struct owned_scan *o = data;

	if (strcmp(id, o->id) != 0 || (*ifname && strcmp(ifname, o->ifname) != 0))
		return 0;
	return o->cb(ipname, id, ifname, o->data);
}

int cni_store_owned(struct cni_store *s, const char *id, const char *ifname, cni_store_cb cb, void *data)
{
	struct owned_scan o = { id, ifname, cb, data };
	char key[300];
	int r, tries;

	/* An id too long for a file name has no index file: scan for it. */
	for (tries = 0; tries < 2 && key_name(id, ifname, key, sizeof(key)); tries++) {
		if (!s->indexed)
			index_rebuild(s);
		if (!s->indexed)
			break;
		r = owned_indexed(s, id, ifname, cb, data);
		if (r != -ESTALE)
			return r;
		s->indexed = false;
	}
	return cni_store_foreach(s, owned_scan_one, &o);
}

/* Removes the index directories of stores that are gone (their stamp
 * names a path that is no longer that directory). Runs with each rebuild,
 * which is rare, so that /run does not collect them. */
static void index_sweep(void)
{
	char path[512], stamp[5120], *spath;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd;

	d = opendir(CNI_IPAM_INDEX_DIR);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long dev, ino;
		if (sscanf(de->d_name, "%llx-%llx", &dev, &ino) != 2)
			continue;
		dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (dfd < 0)
			continue;
		if (read_small(dfd, "stamp", stamp, sizeof(stamp)) > 0 &&
		    (spath = strchr(stamp, '/')) != NULL) {
			spath[strcspn(spath, "\n")] = '\0';
			if (stat(spath, &st) < 0 ? errno == ENOENT
						 : (st.st_dev != (dev_t)dev || st.st_ino != (ino_t)ino)) {
				index_clear(dfd);
				snprintf(path, sizeof(path), "%s/%s", CNI_IPAM_INDEX_DIR, de->d_name);
				rmdir(path);
			}
		}
		close(dfd);
	}
	closedir(d);
}
