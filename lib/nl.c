/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library's rtnetlink: sockets in a namespace, requests on the tree's
 * one layer (rtnl/), the kernel's extended ack kept for
 * netns_error_message(). */
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

int nsi_nl_open(int fd, struct mnl_socket **ret)
{
	int s = fd < 0 ? socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
		       : netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);

	if (s < 0)
		return fd < 0 ? negerrno() : s;
	return rtnl_fdopen(s, 0, ret);
}

int nsi_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, rtnl_cb cb, void *data)
{
	char msg[256];
	int r = rtnl_talk(nl, nlh, cb, data, msg, sizeof(msg));

	nsi_error_set(msg[0] ? msg : NULL);
	return r;
}

int nsi_nl_send(struct mnl_socket *nl, struct nlmsghdr *nlh, int r)
{
	return r < 0 ? r : nsi_nl_talk(nl, nlh, NULL, NULL);
}

static int nsid_parse(const struct nlmsghdr *nlh, void *data)
{
	int nsid = rtnl_nsid_parse(nlh);

	if (nsid >= 0)
		*(int *)data = nsid;
	return 0;
}

int nsi_nl_nsid(struct mnl_socket *nl, int fd)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r, nsid = -1;

	r = rtnl_nsid_msg(nlh, sizeof(buf), RTM_GETNSID, fd, -1);
	if (r >= 0)
		r = nsi_nl_talk(nl, nlh, nsid_parse, &nsid);
	if (r < 0)
		return r;
	return nsid >= 0 ? nsid : -ENOENT;
}

NETNS_EXPORT int netns_fd_nsid(int fd)
{
	struct mnl_socket *nl;
	int r;

	nsi_error_set(NULL);
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	r = nsi_nl_open(-1, &nl);
	if (r < 0)
		return r;
	r = nsi_nl_nsid(nl, fd);
	mnl_socket_close(nl);
	return r;
}

NETNS_EXPORT int netns_fd_nsid_set(int fd, int nsid)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl;
	int r;

	nsi_error_set(NULL);
	if (nsid < -1)
		return -EINVAL;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	r = nsi_nl_open(-1, &nl);
	if (r < 0)
		return r;
	r = nsi_nl_send(nl, nlh, rtnl_nsid_msg(nlh, sizeof(buf), RTM_NEWNSID, fd, nsid));
	/* The kernel says EEXIST for a namespace that has an id already, and
	 * for an id another namespace has. */
	if (r >= 0)
		r = nsi_nl_nsid(nl, fd);
	mnl_socket_close(nl);
	return r;
}
