/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Links over rtnetlink: state, veth pairs, moves, deletion, listing. */
#include <net/if.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

NETNS_EXPORT int netns_link_set_up(int fd, const char *ifname, bool up)
{
	char buf[NETNS_NL_BUF];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int r;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	r = netns_nl_open(fd, &nl);
	if (r < 0)
		return r;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	r = netns_nl_talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return r;
}
