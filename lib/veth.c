/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* veth pairs: both ends born in their namespaces, up, with addresses. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "internal.h"

static int end_check(const struct netns_veth_end *e)
{
	struct nsi_cidr c;
	int r;

	if (!e)
		return -EINVAL;
	r = netns_ifname_check(e->ifname);
	if (r < 0)
		return r;
	if (e->fd >= 0) {
		r = netns_fd_check(e->fd);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; e->addrs && e->addrs[i]; i++) {
		r = nsi_cidr_parse(e->addrs[i], &c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Puts the IFLA_* attributes of one end: its name, MTU and, when it is not
 * the socket's namespace, IFLA_NET_NS_FD so the kernel creates it there
 * directly instead of moving it afterwards. */
static bool end_put(struct nlmsghdr *nlh, const struct netns_veth_end *e, unsigned mtu)
{
	return mnl_attr_put_strz_check(nlh, NETNS_NL_BUF, IFLA_IFNAME, e->ifname) &&
	       (!mtu || mnl_attr_put_u32_check(nlh, NETNS_NL_BUF, IFLA_MTU, mtu)) &&
	       (e->fd < 0 ||
		mnl_attr_put_u32_check(nlh, NETNS_NL_BUF, IFLA_NET_NS_FD, (uint32_t)e->fd));
}

static void up_header(struct nlmsghdr *nlh, bool up)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	if (up) {
		ifm->ifi_flags = IFF_UP;
		ifm->ifi_change = IFF_UP;
	}
}

/* One RTM_NEWLINK through NL, a socket in the caller's namespace. */
static int pair_create(struct mnl_socket *nl, const struct netns_veth_end *a,
		       const struct netns_veth_end *b, unsigned mtu)
{
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info, *data, *peer;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	/* The kernel applies A's flags after the pair is registered. */
	up_header(nlh, true);
	if (!end_put(nlh, a, mtu))
		return -ENOBUFS;
	info = mnl_attr_nest_start_check(nlh, sizeof(buf), IFLA_LINKINFO);
	if (!info || !mnl_attr_put_strz_check(nlh, sizeof(buf), IFLA_INFO_KIND, "veth"))
		return -ENOBUFS;
	data = mnl_attr_nest_start_check(nlh, sizeof(buf), IFLA_INFO_DATA);
	peer = data ? mnl_attr_nest_start_check(nlh, sizeof(buf), VETH_INFO_PEER) : NULL;
	/* VETH_INFO_PEER holds a struct ifinfomsg, then the peer's IFLA_*. */
	if (!peer || nlh->nlmsg_len + MNL_ALIGN(sizeof(struct ifinfomsg)) > sizeof(buf))
		return -ENOBUFS;
	/* B's flags are applied before B knows its peer, and opening a veth
	 * without one fails (veth_open(): -ENOTCONN): B goes up afterwards. */
	up_header(nlh, false);
	if (!end_put(nlh, b, mtu))
		return -ENOBUFS;
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nsi_nl_talk(nl, nlh, NULL, NULL);
}

/* Brings E up (when UP) and adds its addresses through NL, a socket in E's
 * namespace. */
static int end_setup(struct mnl_socket *nl, const struct netns_veth_end *e, bool up)
{
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh;
	struct nsi_cidr c;
	int index, r;

	if (up) {
		/* By name: no index lookup when there is no address to add. */
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		up_header(nlh, true);
		mnl_attr_put_strz_check(nlh, sizeof(buf), IFLA_IFNAME, e->ifname);
		r = nsi_nl_talk(nl, nlh, NULL, NULL);
		if (r < 0)
			return r;
	}
	if (!e->addrs || !e->addrs[0])
		return 0;
	index = nsi_nl_ifindex(nl, e->ifname);
	if (index < 0)
		return index;
	for (size_t i = 0; e->addrs[i]; i++) {
		r = nsi_cidr_parse(e->addrs[i], &c);
		if (r >= 0)
			r = nsi_addr_change(nl, index, &c, true);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Runs end_setup on a socket in E's namespace: NL itself when E is the caller's. */
static int end_setup_in(struct mnl_socket *nl, const struct netns_veth_end *e, bool up)
{
	struct mnl_socket *own;
	int r;

	if (!up && (!e->addrs || !e->addrs[0]))
		return 0;
	if (e->fd < 0)
		return end_setup(nl, e, up);
	r = nsi_nl_open(e->fd, &own);
	if (r < 0)
		return r;
	r = end_setup(own, e, up);
	mnl_socket_close(own);
	return r;
}

/* Copies the caller's end into this version's layout: a caller built
 * against an older header passes a smaller SIZE (the fields it lacks are
 * zero here), a newer one a larger (fields we do not know must be zero). */
static int end_import(const struct netns_veth_end *e, struct netns_veth_end *ret)
{
	if (!e || e->size < NETNS_VETH_END_SIZE_1_0)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, e, e->size < sizeof(*ret) ? e->size : sizeof(*ret));
	for (size_t i = sizeof(*ret); i < e->size; i++)
		if (((const unsigned char *)e)[i])
			return -EINVAL;
	ret->size = sizeof(*ret);
	return 0;
}

NETNS_EXPORT int netns_veth_add(const struct netns_veth_end *a_in,
				const struct netns_veth_end *b_in, unsigned mtu)
{
	struct netns_veth_end ea, eb, *a = &ea, *b = &eb;
	struct mnl_socket *nl;
	int r;

	nsi_error_set(NULL);
	r = end_import(a_in, a);
	if (r >= 0)
		r = end_import(b_in, b);
	if (r >= 0)
		r = end_check(a);
	if (r >= 0)
		r = end_check(b);
	if (r < 0)
		return r;
	r = nsi_nl_open(-1, &nl);
	if (r < 0)
		return r;
	r = pair_create(nl, a, b, mtu);
	if (r < 0) {
		mnl_socket_close(nl);
		return r;
	}
	r = end_setup_in(nl, a, false);
	if (r >= 0)
		r = end_setup_in(nl, b, true);
	mnl_socket_close(nl);
	if (r < 0) {
		/* Keep the kernel's reason for the failure, not the cleanup's. */
		char msg[256];
		const char *m = netns_error_message();

		snprintf(msg, sizeof(msg), "%s", m ? m : "");
		netns_link_delete(a->fd, a->ifname);
		nsi_error_set(msg[0] ? msg : NULL);
	}
	return r;
}
