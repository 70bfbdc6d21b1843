/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink sockets: bound, asking for the kernel's reasons. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "rtnl.h"

int rtnl_fdopen(int fd, unsigned groups, struct mnl_socket **ret)
{
	struct mnl_socket *nl;
	int one = 1, r;

	if (fd < 0)
		return -EBADF;
	/* The kernel's explanation of a failure, without the request echoed. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl = mnl_socket_fdopen(fd);
	if (!nl) {
		r = errno > 0 ? -errno : -EIO;
		close(fd);
		return r;
	}
	/* Bound, the kernel gives it a port id of its own (AUTOPID), which
	 * mnl_nlmsg_portid_ok() then checks: unbound, it reads port id 0,
	 * and 0 passes every message. */
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		r = errno > 0 ? -errno : -EIO;
		mnl_socket_close(nl);
		return r;
	}
	*ret = nl;
	return 0;
}

int rtnl_open(unsigned groups, struct mnl_socket **ret)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return errno > 0 ? -errno : -EIO;
	return rtnl_fdopen(fd, groups, ret);
}
