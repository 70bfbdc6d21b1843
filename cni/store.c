/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host-local store (plugins/ipam/host-local/backend/disk in
 * containernetworking/plugins), byte for byte, so that host-local and
 * netns-ipam can take turns on one node: DATADIR/NETWORK/ holds a file per
 * allocated address, named by it and holding "CONTAINERID\r\nIFNAME";
 * last_reserved_ip.N, the last address handed out from range set N; and
 * "lock", which both take with flock(LOCK_EX) for the whole command.
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

#include "ipam.h"

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

int cni_store_open(struct cni_store *s, const char *data_dir, const char *name)
{
	int r;

	s->dirfd = s->lockfd = -1;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s", data_dir, name) >= sizeof(s->path))
		return -ENAMETOOLONG;
	r = mkdir_p(s->path, 0755);
	if (r < 0)
		return r;
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -errno;
	/* host-local's disk.NewFileLock opens it O_RDONLY|O_CREATE, 0750. */
	s->lockfd = openat(s->dirfd, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0750);
	if (s->lockfd < 0) {
		r = -errno;
		cni_store_close(s);
		return r;
	}
	while (flock(s->lockfd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = -errno;
			cni_store_close(s);
			return r;
		}
	return 0;
}

void cni_store_close(struct cni_store *s)
{
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

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0 || (size_t)n != len)
		r = n < 0 ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int cni_store_reserve(struct cni_store *s, const char *id, const char *ifname,
		      const struct cni_ip *ip, size_t set)
{
	char name[64], content[2048], last[32];
	int r;

	cni_ip_format(ip, name, sizeof(name));
	snprintf(content, sizeof(content), "%s\r\n%s", id, ifname);
	r = write_file(s->dirfd, name, content, O_EXCL);
	if (r == -EEXIST)
		return 0;
	if (r < 0) {
		unlinkat(s->dirfd, name, 0);
		return r;
	}
	snprintf(last, sizeof(last), "last_reserved_ip.%zu", set);
	r = write_file(s->dirfd, last, name, O_TRUNC);
	if (r < 0) {
		unlinkat(s->dirfd, name, 0);
		return r;
	}
	return 1;
}

static int read_small(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int cni_store_last_reserved(struct cni_store *s, size_t set, struct cni_ip *ret)
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

bool cni_store_has(struct cni_store *s, const struct cni_ip *ip)
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

int cni_store_foreach(struct cni_store *s, cni_store_cb cb, void *data)
{
	struct cni_ip ip;
	struct dirent *de;
	char buf[2048], *content, *sep;
	const char *ifname;
	DIR *d;
	int fd, r = 0;

	fd = fcntl(s->dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		/* Only files named by an address are allocations. */
		if (cni_ip_parse(de->d_name, &ip) < 0)
			continue;
		if (read_small(s->dirfd, de->d_name, buf, sizeof(buf)) < 0)
			continue;
		content = trim(buf);
		/* "ID\r\nIFNAME"; a store from before host-local 0.9 holds the id alone. */
		sep = strstr(content, "\r\n");
		ifname = "";
		if (sep) {
			*sep = '\0';
			ifname = sep + 2;
		}
		r = cb(de->d_name, content, ifname, data);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int cni_store_release(struct cni_store *s, const char *ipname)
{
	if (unlinkat(s->dirfd, ipname, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
