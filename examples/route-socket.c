/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * route-socket NAME: the first example of libnetns(3). Makes a NETLINK_ROUTE
 * socket inside the named namespace and uses it from the calling thread: it
 * dumps the namespace's links over it and prints "NAME: N links", then the
 * namespace the socket belongs to, as the kernel tells (SIOCGSKNS):
 * "NAME: socket in inode INODE".
 *
 *   cc -o route-socket route-socket.c $(pkg-config --cflags --libs netns)
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netns.h>

/* Counts the RTM_NEWLINK messages of a link dump through NL. */
static int count_links(int nl)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	char buf[32768];
	int links = 0;

	if (send(nl, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);

		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return links;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			if (h->nlmsg_type == RTM_NEWLINK)
				links++;
		}
	}
}

int main(int argc, char **argv)
{
	struct stat st;
	int ns, nl, sk, links;

	if (argc != 2) {
		fprintf(stderr, "usage: route-socket NAME\n");
		return 2;
	}
	ns = netns_fd_open_name(argv[1]);
	if (ns < 0) {
		fprintf(stderr, "route-socket: %s: %s\n", argv[1], strerror(-ns));
		return 1;
	}
	nl = netns_socket(ns, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	close(ns);
	if (nl < 0) {
		fprintf(stderr, "route-socket: %s: %s\n", argv[1], strerror(-nl));
		return 1;
	}
	/* Talk rtnetlink to the namespace's kernel tables through nl, from here. */
	links = count_links(nl);
	sk = ioctl(nl, SIOCGSKNS);
	if (links < 0 || sk < 0 || fstat(sk, &st) < 0) {
		fprintf(stderr, "route-socket: %s: %s\n", argv[1],
			strerror(links < 0 ? -links : errno));
		return 1;
	}
	printf("%s: %d links\n%s: socket in inode %llu\n", argv[1], links, argv[1],
	       (unsigned long long)st.st_ino);
	close(sk);
	close(nl);
	return 0;
}
