/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link type veth: a pair, one end in each node, made by one RTM_NEWLINK
 * from the caller's namespace with each end born in its node's namespace
 * (IFLA_NET_NS_FD), end 0 up at once; removed by deleting end 0 (its peer
 * goes with it). */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lab.h"

static bool end_put(struct nlmsghdr *h, size_t len, const char *ifname, unsigned mtu, int fd)
{
	return mnl_attr_put_strz_check(h, len, IFLA_IFNAME, ifname) &&
	       (!mtu || mnl_attr_put_u32_check(h, len, IFLA_MTU, mtu)) &&
	       mnl_attr_put_u32_check(h, len, IFLA_NET_NS_FD, (uint32_t)fd);
}

static int veth_make(struct mnl_socket *nl, unsigned seq, const struct lab_link_work *l,
		     int fd0, int fd1, char *msg, size_t msglen)
{
	char buf[1024];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	struct nlattr *info, *data, *peer;

	h->nlmsg_type = RTM_NEWLINK;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	h->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(h, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	/* Applied to end 0 once the pair is registered; end 1's flags would be
	 * applied before it has a peer (veth_open(): -ENOTCONN). */
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (!end_put(h, sizeof(buf), l->ifname[0], l->mtu, fd0))
		return -ENOBUFS;
	info = mnl_attr_nest_start_check(h, sizeof(buf), IFLA_LINKINFO);
	if (!info || !mnl_attr_put_strz_check(h, sizeof(buf), IFLA_INFO_KIND, "veth"))
		return -ENOBUFS;
	data = mnl_attr_nest_start_check(h, sizeof(buf), IFLA_INFO_DATA);
	peer = data ? mnl_attr_nest_start_check(h, sizeof(buf), VETH_INFO_PEER) : NULL;
	if (!peer || h->nlmsg_len + MNL_ALIGN(sizeof(*ifm)) > sizeof(buf))
		return -ENOBUFS;
	ifm = mnl_nlmsg_put_extra_header(h, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	if (!end_put(h, sizeof(buf), l->ifname[1], l->mtu, fd1))
		return -ENOBUFS;
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return -errno;
	return lab_nl_ack(nl, seq, msg, msglen);
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
