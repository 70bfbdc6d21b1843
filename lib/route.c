/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Routes over rtnetlink: RTM_NEWROUTE and RTM_DELROUTE in the main table. */
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "internal.h"

struct route_req {
	struct rtnl_ip dst, via;
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
		r = rtnl_ip_parse(via, &q.via);
		if (r < 0 || strchr(via, '/'))
			return -EINVAL;
		q.has_via = true;
	}
	if (strcmp(dst, "default") == 0) {
		q.dst.family = q.has_via ? q.via.family : AF_INET;
		q.dst.prefix = 0;
	} else {
		r = rtnl_ip_parse(dst, &q.dst);
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
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_req q;
	struct rtnl_route rt;
	struct mnl_socket *nl;
	int r, index = 0;

	nsi_error_set(NULL);
	r = route_parse(dst, via, dev, &q);
	if (r < 0)
		return r;
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
	rt = (struct rtnl_route){
		.dst = q.dst,
		.gw = q.has_via ? &q.via : NULL,
		.oif = index,
		/* Without a gateway the destination is on the link (as ip route). */
		.scope = q.has_via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
	};
	r = rtnl_route_msg(nlh, sizeof(buf), add, add ? NLM_F_CREATE | NLM_F_EXCL : 0, &rt);
	r = nsi_nl_send(nl, nlh, r);
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
