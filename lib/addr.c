/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses over rtnetlink: CIDR parsing, RTM_NEWADDR and RTM_DELADDR. */
#include <arpa/inet.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"

int nsi_cidr_parse(const char *s, struct nsi_cidr *ret)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash;
	struct nsi_cidr c = { 0 };
	size_t len;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, c.addr) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, host, c.addr) == 1)
		c.family = AF_INET6;
	else
		return -EINVAL;
	c.prefix = c.family == AF_INET ? 32 : 128;
	if (slash) {
		unsigned long p = 0;
		const char *d = slash + 1;

		/* Digits only: strtoul would take "-1", " 8" and "+8". */
		if (!*d || strlen(d) > 3)
			return -EINVAL;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -EINVAL;
			p = p * 10 + (unsigned long)(*d - '0');
		}
		if (p > c.prefix)
			return -EINVAL;
		c.prefix = (unsigned)p;
	}
	*ret = c;
	return 0;
}

NETNS_EXPORT int netns_cidr_check(const char *cidr)
{
	struct nsi_cidr c;

	return cidr ? nsi_cidr_parse(cidr, &c) : -EINVAL;
}

int nsi_addr_change(struct mnl_socket *nl, int ifindex, const struct nsi_cidr *c, bool add)
{
	char buf[NETNS_NL_BUF];
	size_t alen = c->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)c->family;
	ifa->ifa_prefixlen = (unsigned char)c->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer, the same
	 * on a broadcast link (as `ip address add` sends it). */
	if (!mnl_attr_put_check(nlh, sizeof(buf), IFA_LOCAL, alen, c->addr) ||
	    !mnl_attr_put_check(nlh, sizeof(buf), IFA_ADDRESS, alen, c->addr))
		return -ENOBUFS;
	return nsi_nl_talk(nl, nlh, NULL, NULL);
}

static int addr_do(int fd, const char *ifname, const char *cidr, bool add)
{
	struct nsi_cidr c;
	struct mnl_socket *nl;
	int r, index;

	nsi_error_set(NULL);
	r = netns_ifname_check(ifname);
	if (r < 0)
		return r;
	r = nsi_cidr_parse(cidr, &c);
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
