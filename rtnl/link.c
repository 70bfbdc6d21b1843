/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link requests: the header, a link's attributes, a veth pair, a bridge, a
 * bridge port's flags, a VXLAN; reading an RTM_NEWLINK. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "rtnl.h"

static struct ifinfomsg *link_header(struct nlmsghdr *nlh, uint16_t type, uint16_t flags,
				     const struct rtnl_link *l)
{
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (l) {
		ifi->ifi_index = l->index;
		if (l->up != RTNL_KEEP) {
			ifi->ifi_change = IFF_UP;
			ifi->ifi_flags = l->up == RTNL_ON ? IFF_UP : 0;
		}
	}
	return ifi;
}

static bool name_ok(const char *s)
{
	return !s || (s[0] && strlen(s) < IFNAMSIZ);
}

/* L's IFLA_* attributes. The name is put when the request names the link by
 * it (no index) or creates it; a rename with an index puts NEWNAME. */
static int link_put(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l)
{
	const char *name = l->newname ? l->newname : l->ifname;

	if (!name_ok(l->ifname) || !name_ok(l->newname) ||
	    (l->alias && strlen(l->alias) >= 256))
		return -EINVAL;
	if (name && (!l->index || l->newname) &&
	    !mnl_attr_put_strz_check(nlh, cap, IFLA_IFNAME, name))
		return -ENOBUFS;
	if (l->mtu && !mnl_attr_put_u32_check(nlh, cap, IFLA_MTU, l->mtu))
		return -ENOBUFS;
	if (l->set_txqlen && !mnl_attr_put_u32_check(nlh, cap, IFLA_TXQLEN, l->txqlen))
		return -ENOBUFS;
	if (l->in_netns &&
	    !mnl_attr_put_u32_check(nlh, cap, IFLA_NET_NS_FD, (uint32_t)l->netns_fd))
		return -ENOBUFS;
	if ((l->master > 0 || l->nomaster) &&
	    !mnl_attr_put_u32_check(nlh, cap, IFLA_MASTER, l->nomaster ? 0 : (uint32_t)l->master))
		return -ENOBUFS;
	if (l->alias && !mnl_attr_put_check(nlh, cap, IFLA_IFALIAS, strlen(l->alias), l->alias))
		return -ENOBUFS;
	if (l->mac && !mnl_attr_put_check(nlh, cap, IFLA_ADDRESS, 6, l->mac))
		return -ENOBUFS;
	return 0;
}

int rtnl_link_set_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l)
{
	if (!l->index && !l->ifname)
		return -EINVAL;
	link_header(nlh, RTM_NEWLINK, 0, l);
	return link_put(nlh, cap, l);
}

int rtnl_link_del_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l)
{
	struct rtnl_link only = { .index = l->index, .ifname = l->ifname };

	if (!l->index && !l->ifname)
		return -EINVAL;
	link_header(nlh, RTM_DELLINK, 0, &only);
	return link_put(nlh, cap, &only);
}

int rtnl_link_get_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l)
{
	struct rtnl_link only = { 0 };

	int r;

	if (l && !l->index && !l->ifname)
		return -EINVAL;
	if (l) {
		only.index = l->index;
		only.ifname = l->ifname;
	}
	link_header(nlh, RTM_GETLINK, l ? 0 : NLM_F_DUMP, l ? &only : NULL);
	r = l ? link_put(nlh, cap, &only) : 0;
	/* Counters nobody here reads: a smaller answer. */
	if (r >= 0 && !mnl_attr_put_u32_check(nlh, cap, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
		r = -ENOBUFS;
	return r;
}

/* A new link L of KIND: its header and attributes, IFLA_LINKINFO opened
 * with the kind and, when DATA, IFLA_INFO_DATA; the caller closes both
 * (ret_info, ret_data). */
static int new_link(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l, const char *kind,
		    struct nlattr **ret_info, struct nlattr **ret_data)
{
	int r;

	if (!l->ifname)
		return -EINVAL;
	link_header(nlh, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, l);
	r = link_put(nlh, cap, l);
	if (r < 0)
		return r;
	*ret_info = mnl_attr_nest_start_check(nlh, cap, IFLA_LINKINFO);
	if (!*ret_info || !mnl_attr_put_strz_check(nlh, cap, IFLA_INFO_KIND, kind))
		return -ENOBUFS;
	*ret_data = mnl_attr_nest_start_check(nlh, cap, IFLA_INFO_DATA);
	return *ret_data ? 0 : -ENOBUFS;
}

int rtnl_veth_new_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *a,
		      const struct rtnl_link *peer)
{
	struct nlattr *info, *data, *p;
	struct ifinfomsg *ifi;
	int r;

	/* The kernel applies A's flags once the pair is registered; the
	 * peer's would be applied before it knows A, and opening a veth
	 * without its peer fails (veth_open(): -ENOTCONN): the peer goes up
	 * in a request of its own. */
	if (!peer->ifname || peer->up != RTNL_KEEP)
		return -EINVAL;
	r = new_link(nlh, cap, a, "veth", &info, &data);
	if (r < 0)
		return r;
	p = mnl_attr_nest_start_check(nlh, cap, VETH_INFO_PEER);
	/* VETH_INFO_PEER holds a struct ifinfomsg, then the peer's IFLA_*. */
	if (!p || nlh->nlmsg_len + MNL_ALIGN(sizeof(*ifi)) > cap)
		return -ENOBUFS;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	r = link_put(nlh, cap, peer);
	if (r < 0)
		return r;
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

static bool put_tri_u8(struct nlmsghdr *nlh, size_t cap, uint16_t type, enum rtnl_tri t)
{
	return t == RTNL_KEEP || mnl_attr_put_u8_check(nlh, cap, type, t == RTNL_ON);
}

int rtnl_bridge_new_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l,
			const struct rtnl_bridge *br)
{
	struct nlattr *info, *data;
	int r;

	if (br && br->default_pvid > 4094)
		return -EINVAL;
	r = new_link(nlh, cap, l, "bridge", &info, &data);
	if (r < 0)
		return r;
	if (br && !put_tri_u8(nlh, cap, IFLA_BR_VLAN_FILTERING, br->vlan_filtering))
		return -ENOBUFS;
	if (br && br->default_pvid &&
	    !mnl_attr_put_u16_check(nlh, cap, IFLA_BR_VLAN_DEFAULT_PVID, (uint16_t)br->default_pvid))
		return -ENOBUFS;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

int rtnl_bridge_port_msg(struct nlmsghdr *nlh, size_t cap, int index,
			 const struct rtnl_bridge_port *p)
{
	struct rtnl_link l = { .index = index };
	struct nlattr *info, *data;

	if (index <= 0)
		return -EINVAL;
	link_header(nlh, RTM_NEWLINK, 0, &l);
	/* A port's settings are the bridge's "slave data", as `ip link set
	 * dev X type bridge_slave hairpin on` sends them. */
	info = mnl_attr_nest_start_check(nlh, cap, IFLA_LINKINFO);
	if (!info || !mnl_attr_put_strz_check(nlh, cap, IFLA_INFO_SLAVE_KIND, "bridge"))
		return -ENOBUFS;
	data = mnl_attr_nest_start_check(nlh, cap, IFLA_INFO_SLAVE_DATA);
	if (!data || !put_tri_u8(nlh, cap, IFLA_BRPORT_MODE, p->hairpin) ||
	    !put_tri_u8(nlh, cap, IFLA_BRPORT_ISOLATED, p->isolated) ||
	    !put_tri_u8(nlh, cap, IFLA_BRPORT_LEARNING, p->learning))
		return -ENOBUFS;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

int rtnl_vxlan_new_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l,
		       const struct rtnl_vxlan *v)
{
	struct nlattr *info, *data;
	int r;

	if (v->vni >= 1u << 24 || (v->remote && v->local && v->remote->family != v->local->family))
		return -EINVAL;
	r = new_link(nlh, cap, l, "vxlan", &info, &data);
	if (r < 0)
		return r;
	if (!mnl_attr_put_u32_check(nlh, cap, IFLA_VXLAN_ID, v->vni) ||
	    (v->remote && !mnl_attr_put_check(nlh, cap,
					      v->remote->family == AF_INET ? IFLA_VXLAN_GROUP
									   : IFLA_VXLAN_GROUP6,
					      rtnl_ip_len(v->remote), v->remote->a)) ||
	    (v->local && !mnl_attr_put_check(nlh, cap,
					     v->local->family == AF_INET ? IFLA_VXLAN_LOCAL
									 : IFLA_VXLAN_LOCAL6,
					     rtnl_ip_len(v->local), v->local->a)) ||
	    (v->dev > 0 && !mnl_attr_put_u32_check(nlh, cap, IFLA_VXLAN_LINK, (uint32_t)v->dev)) ||
	    /* The port in network order, as the kernel keeps it. */
	    !mnl_attr_put_u16_check(nlh, cap, IFLA_VXLAN_PORT, htons(v->port ? v->port : 4789)) ||
	    !put_tri_u8(nlh, cap, IFLA_VXLAN_LEARNING, v->learning) ||
	    (v->ttl && !mnl_attr_put_u8_check(nlh, cap, IFLA_VXLAN_TTL, v->ttl)))
		return -ENOBUFS;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

static void linkinfo_parse(const struct nlattr *nest, struct rtnl_link_info *ret)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			ret->kind = mnl_attr_get_str(a);
	}
}

int rtnl_link_parse(const struct nlmsghdr *m, struct rtnl_link_info *ret)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(m);
	struct rtnl_link_info info = { .peer_nsid = -1, .ifname = "" };
	const struct nlattr *a;

	if (m->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(m) < sizeof(*ifi))
		return -EBADMSG;
	info.index = ifi->ifi_index;
	info.flags = ifi->ifi_flags;
	mnl_attr_for_each(a, m, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				info.ifname = mnl_attr_get_str(a);
			break;
		case IFLA_IFALIAS:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				info.alias = mnl_attr_get_str(a);
			break;
		case IFLA_LINK:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				info.peer = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				info.peer_nsid = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				info.master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_MTU:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				info.mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_OPERSTATE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				info.operstate = mnl_attr_get_u8(a);
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == 6) {
				const unsigned char *b = mnl_attr_get_payload(a);

				snprintf(info.mac, sizeof(info.mac),
					 "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
					 b[4], b[5]);
			}
			break;
		case IFLA_LINKINFO:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
				linkinfo_parse(a, &info);
			break;
		}
	}
	*ret = info;
	return 0;
}
