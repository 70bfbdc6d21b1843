/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses over rtnetlink: CIDR parsing, RTM_NEWADDR and RTM_DELADDR. */
#include <arpa/inet.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"

NETNS_EXPORT int netns_cidr_check(const char *cidr)
{
	struct rtnl_ip c;

	return cidr ? rtnl_ip_parse(cidr, &c) : -EINVAL;
}

int nsi_addr_change(struct mnl_socket *nl, int ifindex, const struct rtnl_ip *c, bool add)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	return nsi_nl_send(nl, nlh, rtnl_addr_msg(nlh, sizeof(buf), add, ifindex, c, false, 0));
}

static int addr_do(int fd, const char *ifname, const char *cidr, bool add)
{
	struct rtnl_ip c;
	struct mnl_socket *nl;
	int r, index;

	nsi_error_set(NULL);
	r = netns_ifname_check(ifname);
	if (r < 0)
		return r;
	r = rtnl_ip_parse(cidr, &c);
	if (r < 0)
		return r;
	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	index = nsi_nl_ifindex(nl, ifname);
	r = index < 0 ? index : nsi_addr_change(nl, index, &c, add);
	mnl_socket_close(nl);
	return r;
}

NETNS_EXPORT int netns_addr_add(int fd, const char *ifname, const char *cidr)
{
	nsi_error_set(NULL);
	return addr_do(fd, ifname, cidr, true);
}

NETNS_EXPORT int netns_addr_delete(int fd, const char *ifname, const char *cidr)
{
	nsi_error_set(NULL);
	return addr_do(fd, ifname, cidr, false);
}
