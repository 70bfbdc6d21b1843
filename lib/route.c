/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Routes over rtnetlink: RTM_NEWROUTE and RTM_DELROUTE in the main table. */
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "internal.h"

struct route_req {
	struct nsi_cidr dst, via;
	bool has_via;
	int family;
};

/* Checks everything before any socket is opened, so bad input costs nothing.
 * "default" takes its family from VIA, and is IPv4 without one. */
static int route_parse(const char *dst, const char *via, const char *dev, struct route_req *ret)
{
	struct route_req q = { 0 };
	int r;

	if (!dst)
		return -EINVAL;
	if (dev) {
		r = netns_ifname_check(dev);
		if (r < 0)
			return r;
	}
	if (via) {
		r = nsi_cidr_parse(via, &q.via);
		if (r < 0 || strchr(via, '/'))
			return -EINVAL;
		q.has_via = true;
	}
	if (strcmp(dst, "default") == 0) {
		q.dst.family = q.has_via ? q.via.family : AF_INET;
		q.dst.prefix = 0;
	} else {
		r = nsi_cidr_parse(dst, &q.dst);
		if (r < 0)
			return r;
	}
	if (q.has_via && q.via.family != q.dst.family)
		return -EINVAL;
	q.family = q.dst.family;
	*ret = q;
	return 0;
}

static int route_do(int fd, const char *dst, const char *via, const char *dev, bool add)
{
	char buf[NETNS_NL_BUF];
	struct route_req q;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen;
	int r, index = 0;

	nsi_error_set(NULL);
	r = route_parse(dst, via, dev, &q);
	if (r < 0)
		return r;
	alen = q.family == AF_INET ? 4 : 16;
	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	if (dev) {
		index = nsi_nl_ifindex(nl, dev);
		if (index < 0) {
			mnl_socket_close(nl);
			return index;
		}
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)q.family;
	rtm->rtm_dst_len = (unsigned char)q.dst.prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	if (add) {
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = RTN_UNICAST;
		/* Without a gateway the destination is on the link (as ip route). */
		rtm->rtm_scope = q.has_via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		/* NOWHERE matches a route of any scope, as `ip route del` does. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	if ((q.dst.prefix && !mnl_attr_put_check(nlh, sizeof(buf), RTA_DST, alen, q.dst.addr)) ||
	    (q.has_via && !mnl_attr_put_check(nlh, sizeof(buf), RTA_GATEWAY, alen, q.via.addr)) ||
	    (index && !mnl_attr_put_u32_check(nlh, sizeof(buf), RTA_OIF, (uint32_t)index)))
		r = -ENOBUFS;
	else
		r = nsi_nl_talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return r;
}

NETNS_EXPORT int netns_route_add(int fd, const char *dst, const char *via, const char *dev)
{
	nsi_error_set(NULL);
	return route_do(fd, dst, via, dev, true);
}

NETNS_EXPORT int netns_route_delete(int fd, const char *dst, const char *via, const char *dev)
{
	nsi_error_set(NULL);
	return route_do(fd, dst, via, dev, false);
}
