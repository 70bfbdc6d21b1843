/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * floor: the kernel floor for named namespaces, the yardstick of the bench scripts.
 *
 *   floor [--up] [--thread] DIR PREFIX N
 *                                 N times: unshare(CLONE_NEWNET), create
 *                                 DIR/PREFIXi and bind-mount the new namespace
 *                                 on it (--up: also set lo up by rtnetlink;
 *                                 --thread: each in a new thread, as libnetns
 *                                 does, to price that hand-off)
 *   floor --delete DIR PREFIX N   unmount and unlink DIR/PREFIXi
 *
 * Prints "floor: N namespaces, TOTAL s, PER ms each" on stdout. Nothing else
 * happens per namespace: no thread, no library, no name checks. DIR is made
 * a shared mount point once, as ip netns and netns do once per process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sets lo (always ifindex 1 in a new namespace) up, and waits for the ack. */
static int lo_up(void)
{
	char buf[8192];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	ssize_t n;
	int r = -1;

	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = 1;
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = IFF_UP;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		goto out;
	r = mnl_cb_run(buf, n, 1, mnl_socket_get_portid(nl), NULL, NULL);
	if (r > 0)
		r = 0;
out:
	mnl_socket_close(nl);
	return r;
}

static int add_one(const char *path, int up)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	close(fd);
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		return -1;
	return up ? lo_up() : 0;
}

struct job {
	const char *path;
	int up, r, err;
};

static void *add_thread(void *p)
{
	struct job *job = p;

	job->r = add_one(job->path, job->up);
	job->err = errno;
	return NULL;
}

static int add_in_thread(const char *path, int up)
{
	struct job job = { path, up, 0, 0 };
	pthread_t t;
	int r = pthread_create(&t, NULL, add_thread, &job);

	if (r != 0) {
		errno = r;
		return -1;
	}
	pthread_join(t, NULL);
	errno = job.err;
	return job.r;
}

static int delete_one(const char *path)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int up = 0, del = 0, thread = 0;
	char path[PATH_MAX];
	double t0, t;
	long n;
	char *end;

	for (; argc > 1 && argv[1][0] == '-'; argc--, argv++) {
		if (strcmp(argv[1], "--up") == 0)
			up = 1;
		else if (strcmp(argv[1], "--thread") == 0)
			thread = 1;
		else if (strcmp(argv[1], "--delete") == 0)
			del = 1;
		else
			break;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: floor [--up] [--thread] DIR PREFIX N\n"
				"       floor --delete DIR PREFIX N\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[3], &end, 10);
	if (errno || *end || n < 0) {
		fprintf(stderr, "floor: '%s': not a count\n", argv[3]);
		return 2;
	}
	if (!del && mount("none", argv[1], NULL, MS_SHARED, NULL) < 0) {
		fprintf(stderr, "floor: making %s shared: %s\n", argv[1], strerror(errno));
		return 1;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s%ld", argv[1], argv[2], i);
		if ((del ? delete_one(path) : thread ? add_in_thread(path, up) : add_one(path, up)) < 0) {
			fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	t = now() - t0;
	printf("floor: %ld namespaces%s%s, %.3f s, %.4f ms each\n", n,
	       del ? " deleted" : up ? " with lo up" : "", thread ? ", a thread each" : "", t,
	       n ? t * 1e3 / n : 0.0);
	return 0;
}
