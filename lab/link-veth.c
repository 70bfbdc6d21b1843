/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link type veth: a pair, one end in each node, made by one RTM_NEWLINK
 * (rtnl_veth_new_msg()) from the caller's namespace with each end born in
 * its node's namespace (IFLA_NET_NS_FD), end 0 up at once; removed by
 * deleting end 0 (its peer goes with it). */
#include <errno.h>

#include "lab.h"
#include "rtnl/rtnl.h"

static int veth_make(struct mnl_socket *nl, const struct lab_link_work *l, int fd0, int fd1,
		     char *msg, size_t msglen)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = rtnl_msg(buf);
	struct rtnl_link a = { .ifname = l->ifname[0], .up = RTNL_ON, .mtu = l->mtu,
			       .in_netns = true, .netns_fd = fd0 };
	struct rtnl_link b = { .ifname = l->ifname[1], .mtu = l->mtu, .in_netns = true,
			       .netns_fd = fd1 };
	int r = rtnl_veth_new_msg(nlh, sizeof(buf), &a, &b);

	return r < 0 ? r : rtnl_talk(nl, nlh, NULL, NULL, msg, msglen);
}

static int veth_remove(int fd, const struct lab_link_work *l)
{
	return netns_link_delete(fd, l->ifname[0]);
}

const struct lab_link_type lab_link_veth = {
	.name = "veth",
	.make = veth_make,
	.remove = veth_remove,
};
