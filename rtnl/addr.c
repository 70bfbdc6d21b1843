/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IP addresses: the tree's one type, its parser, and address requests. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

size_t rtnl_ip_len(const struct rtnl_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

int rtnl_ip_parse(const char *s, struct rtnl_ip *ret)
{
	char host[INET6_ADDRSTRLEN];
	struct rtnl_ip ip = { 0 };
	const char *slash;
	size_t len;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, ip.a) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, host, ip.a) == 1)
		ip.family = AF_INET6;
	else
		return -EINVAL;
	ip.prefix = ip.family == AF_INET ? 32 : 128;
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
		if (p > ip.prefix)
			return -EINVAL;
		ip.prefix = (unsigned)p;
	}
	*ret = ip;
	return 0;
}

int rtnl_addr_msg(struct nlmsghdr *nlh, size_t cap, bool add, int index, const struct rtnl_ip *ip,
		  bool broadcast, uint32_t flags)
{
	size_t alen = rtnl_ip_len(ip);
	struct ifaddrmsg *ifa;

	if (index <= 0 || (ip->family != AF_INET && ip->family != AF_INET6) ||
	    ip->prefix > alen * 8)
		return -EINVAL;
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)ip->family;
	ifa->ifa_prefixlen = (unsigned char)ip->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer, the same on
	 * a broadcast link (as `ip address add` sends it). */
	if (!mnl_attr_put_check(nlh, cap, IFA_LOCAL, alen, ip->a) ||
	    !mnl_attr_put_check(nlh, cap, IFA_ADDRESS, alen, ip->a))
		return -ENOBUFS;
	if (add && broadcast && ip->family == AF_INET && ip->prefix < 31) {
		/* The host part all ones. */
		unsigned char brd[4];

		for (unsigned i = 0; i < 4; i++) {
			unsigned bits = ip->prefix > i * 8 ? ip->prefix - i * 8 : 0;
			unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff00 >> bits);

			brd[i] = (unsigned char)(ip->a[i] | (unsigned char)~mask);
		}
		if (!mnl_attr_put_check(nlh, cap, IFA_BROADCAST, sizeof(brd), brd))
			return -ENOBUFS;
	}
	if (flags && !mnl_attr_put_u32_check(nlh, cap, IFA_FLAGS, flags))
		return -ENOBUFS;
	return 0;
}

int rtnl_addr_dump_msg(struct nlmsghdr *nlh, size_t cap, int family)
{
	struct ifaddrmsg *ifa;

	(void)cap;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	return 0;
}

int rtnl_addr_parse(const struct nlmsghdr *m, struct rtnl_addr_info *ret)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(m);
	struct rtnl_addr_info info = { 0 };
	const struct nlattr *a;
	bool have = false;

	if (m->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(m) < sizeof(*ifa) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return -EBADMSG;
	info.index = (int)ifa->ifa_index;
	info.flags = ifa->ifa_flags;
	info.ip.family = ifa->ifa_family;
	info.ip.prefix = ifa->ifa_prefixlen;
	mnl_attr_for_each(a, m, sizeof(*ifa)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type == IFA_ADDRESS && mnl_attr_get_payload_len(a) == rtnl_ip_len(&info.ip)) {
			memcpy(info.ip.a, mnl_attr_get_payload(a), rtnl_ip_len(&info.ip));
			have = true;
		} else if (type == IFA_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			/* The 32 bits; ifa_flags holds only the first 8. */
			info.flags = mnl_attr_get_u32(a);
		}
	}
	if (!have)
		return -EBADMSG;
	*ret = info;
	return 0;
}
