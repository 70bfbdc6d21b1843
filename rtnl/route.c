/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Route, neighbour and nsid requests. */
#include <errno.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

int rtnl_route_msg(struct nlmsghdr *nlh, size_t cap, bool add, uint16_t flags,
		   const struct rtnl_route *r)
{
	const struct rtnl_ip *d = &r->dst;
	size_t alen = rtnl_ip_len(d);
	struct rtmsg *rtm;

	if ((d->family != AF_INET && d->family != AF_INET6) || d->prefix > alen * 8 ||
	    (r->gw && r->gw->family != d->family) || (r->src && r->src->family != d->family))
		return -EINVAL;
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)d->family;
	rtm->rtm_dst_len = (unsigned char)d->prefix;
	rtm->rtm_table = r->table && r->table < 256 ? (unsigned char)r->table : RT_TABLE_MAIN;
	/* A delete matches any protocol, scope and type (as `ip route del`). */
	rtm->rtm_protocol = add ? RTPROT_BOOT : 0;
	rtm->rtm_scope = add ? r->scope : RT_SCOPE_NOWHERE;
	rtm->rtm_type = add ? RTN_UNICAST : 0;
	if (d->prefix && !mnl_attr_put_check(nlh, cap, RTA_DST, alen, d->a))
		return -ENOBUFS;
	if (r->gw && !mnl_attr_put_check(nlh, cap, RTA_GATEWAY, alen, r->gw->a))
		return -ENOBUFS;
	if (r->src && !mnl_attr_put_check(nlh, cap, RTA_PREFSRC, alen, r->src->a))
		return -ENOBUFS;
	if (r->oif > 0 && !mnl_attr_put_u32_check(nlh, cap, RTA_OIF, (uint32_t)r->oif))
		return -ENOBUFS;
	if (r->table >= 256 && !mnl_attr_put_u32_check(nlh, cap, RTA_TABLE, r->table))
		return -ENOBUFS;
	if (r->metric && !mnl_attr_put_u32_check(nlh, cap, RTA_PRIORITY, r->metric))
		return -ENOBUFS;
	return 0;
}

int rtnl_route_dump_msg(struct nlmsghdr *nlh, size_t cap, int family)
{
	struct rtmsg *rtm;

	(void)cap;
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	return 0;
}

int rtnl_neigh_msg(struct nlmsghdr *nlh, size_t cap, uint16_t type, int index,
		   const struct rtnl_ip *dst)
{
	struct ndmsg *ndm;

	if ((type != RTM_GETNEIGH && type != RTM_DELNEIGH) || index <= 0 ||
	    (dst->family != AF_INET && dst->family != AF_INET6))
		return -EINVAL;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (unsigned char)dst->family;
	ndm->ndm_ifindex = index;
	if (!mnl_attr_put_check(nlh, cap, NDA_DST, rtnl_ip_len(dst), dst->a))
		return -ENOBUFS;
	return 0;
}

int rtnl_neigh_state(const struct nlmsghdr *m)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(m);

	if (m->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(m) < sizeof(*ndm))
		return -EBADMSG;
	return ndm->ndm_state;
}

int rtnl_nsid_msg(struct nlmsghdr *nlh, size_t cap, uint16_t type, int fd, int nsid)
{
	struct rtgenmsg *g;

	if (fd < 0)
		return -EBADF;
	if ((type != RTM_GETNSID && type != RTM_NEWNSID) || nsid < -1)
		return -EINVAL;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (!mnl_attr_put_u32_check(nlh, cap, NETNSA_FD, (uint32_t)fd))
		return -ENOBUFS;
	/* NETNSA_NSID is a signed 32-bit value; -1 asks for any free one. */
	if (type == RTM_NEWNSID &&
	    !mnl_attr_put_u32_check(nlh, cap, NETNSA_NSID, (uint32_t)(int32_t)nsid))
		return -ENOBUFS;
	return 0;
}

int rtnl_nsid_dump_msg(struct nlmsghdr *nlh, size_t cap)
{
	struct rtgenmsg *g;

	(void)cap;
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	return 0;
}

int rtnl_nsid_parse(const struct nlmsghdr *m)
{
	const struct nlattr *attr;
	int nsid = -1;

	if (mnl_nlmsg_get_payload_len(m) < sizeof(struct rtgenmsg))
		return -1;
	mnl_attr_for_each(attr, m, sizeof(struct rtgenmsg)) {
		if (mnl_attr_get_type(attr) == NETNSA_NSID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			nsid = (int)mnl_attr_get_u32(attr);
	}
	return nsid;
}
