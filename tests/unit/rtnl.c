/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnl/: the tree's one rtnetlink layer. Its builders, read back attribute
 * by attribute (a veth's peer nested as iproute2 nests it, an IPv4
 * broadcast, bounds); the IP parser; and a batch against the kernel in a
 * namespace this test makes: each request's own answer, error and message.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "nstest.h"
#include "rtnl/rtnl.h"

/* The attribute TYPE among those from START to END, or NULL. */
static const struct nlattr *find(const void *start, size_t len, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(start, len) {
		if (mnl_attr_get_type(attr) == type)
			return attr;
	}
	return NULL;
}

static const struct nlattr *find_msg(const struct nlmsghdr *nlh, size_t hdr, uint16_t type)
{
	return find((const char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(hdr),
		    mnl_nlmsg_get_payload_len(nlh) - MNL_ALIGN(hdr), type);
}

static const struct nlattr *find_nested(const struct nlattr *nest, size_t skip, uint16_t type)
{
	if (!nest)
		return NULL;
	return find((const char *)mnl_attr_get_payload(nest) + MNL_ALIGN(skip),
		    mnl_attr_get_payload_len(nest) - MNL_ALIGN(skip), type);
}

static void test_ip(void)
{
	static const char *const bad[] = { "", "/24", "10.0.0.1/", "10.0.0.1/33", "fd00::/129",
					   "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/ 8", "x",
					   "10.0.0.1/0008" };
	struct rtnl_ip ip;

	is(rtnl_ip_parse("10.1.2.3/24", &ip), 0, "10.1.2.3/24 parses");
	ok(ip.family == AF_INET && ip.prefix == 24 && ip.a[3] == 3, "as IPv4 /24");
	is(rtnl_ip_parse("fd00::1", &ip), 0, "a bare IPv6 address parses");
	ok(ip.family == AF_INET6 && ip.prefix == 128 && rtnl_ip_len(&ip) == 16, "as a /128");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is(rtnl_ip_parse(bad[i], &ip), -EINVAL, "'%s' is refused", bad[i]);
	is(rtnl_ip_parse(NULL, &ip), -EINVAL, "NULL is refused");
}

static void test_veth_msg(void)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtnl_link a = { .ifname = "va", .up = RTNL_ON, .mtu = 1400, .alias = "host end" },
			 b = { .ifname = "vb", .in_netns = true, .netns_fd = 7, .mtu = 1400 };
	const struct nlattr *info, *data, *peer, *attr;
	const struct ifinfomsg *ifi;

	is(rtnl_veth_new_msg(nlh, sizeof(buf), &a, &b), 0, "a veth request builds");
	ok(nlh->nlmsg_type == RTM_NEWLINK &&
	   (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) == (NLM_F_CREATE | NLM_F_EXCL),
	   "RTM_NEWLINK, create, exclusive");
	ifi = mnl_nlmsg_get_payload(nlh);
	ok(ifi->ifi_flags == IFF_UP && ifi->ifi_change == IFF_UP, "end A goes up as it is made");
	attr = find_msg(nlh, sizeof(*ifi), IFLA_IFNAME);
	ok(attr && strcmp(mnl_attr_get_str(attr), "va") == 0, "A's name is va");
	attr = find_msg(nlh, sizeof(*ifi), IFLA_IFALIAS);
	ok(attr && mnl_attr_get_payload_len(attr) == 8, "A's alias is set at creation");
	ok(!find_msg(nlh, sizeof(*ifi), IFLA_NET_NS_FD), "A stays in the socket's namespace");
	info = find_msg(nlh, sizeof(*ifi), IFLA_LINKINFO);
	attr = find_nested(info, 0, IFLA_INFO_KIND);
	ok(attr && strcmp(mnl_attr_get_str(attr), "veth") == 0, "kind veth");
	data = find_nested(info, 0, IFLA_INFO_DATA);
	peer = find_nested(data, 0, VETH_INFO_PEER);
	ok(peer != NULL, "the peer is nested in IFLA_INFO_DATA/VETH_INFO_PEER");
	attr = find_nested(peer, sizeof(struct ifinfomsg), IFLA_IFNAME);
	ok(attr && strcmp(mnl_attr_get_str(attr), "vb") == 0, "after its ifinfomsg, the peer's name vb");
	attr = find_nested(peer, sizeof(struct ifinfomsg), IFLA_NET_NS_FD);
	ok(attr && mnl_attr_get_u32(attr) == 7, "the peer is born in namespace fd 7");
	b.up = RTNL_ON;
	nlh = mnl_nlmsg_put_header(buf);
	is(rtnl_veth_new_msg(nlh, sizeof(buf), &a, &b), -EINVAL, "a peer asked to go up is -EINVAL");
	b.up = RTNL_KEEP;
	nlh = mnl_nlmsg_put_header(buf);
	is(rtnl_veth_new_msg(nlh, 64, &a, &b), -ENOBUFS, "too small a buffer is -ENOBUFS");
	b.ifname = "0123456789abcdef";
	nlh = mnl_nlmsg_put_header(buf);
	is(rtnl_veth_new_msg(nlh, sizeof(buf), &a, &b), -EINVAL, "a 16-byte name is -EINVAL");
}

static void test_addr_route_msg(void)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const struct nlattr *attr;
	struct rtnl_ip ip, gw;
	struct rtnl_route rt = { 0 };

	rtnl_ip_parse("10.9.8.7/22", &ip);
	is(rtnl_addr_msg(nlh, sizeof(buf), true, 3, &ip, true, IFA_F_NODAD), 0, "an address request");
	attr = find_msg(nlh, sizeof(struct ifaddrmsg), IFA_BROADCAST);
	ok(attr && memcmp(mnl_attr_get_payload(attr), "\x0a\x09\x0b\xff", 4) == 0,
	   "a /22's broadcast is 10.9.11.255");
	attr = find_msg(nlh, sizeof(struct ifaddrmsg), IFA_FLAGS);
	ok(attr && mnl_attr_get_u32(attr) == IFA_F_NODAD, "with its IFA_FLAGS");
	nlh = mnl_nlmsg_put_header(buf);
	is(rtnl_addr_msg(nlh, sizeof(buf), true, 0, &ip, false, 0), -EINVAL, "index 0 is -EINVAL");
	rtnl_ip_parse("0.0.0.0/0", &rt.dst);
	rtnl_ip_parse("fd00::1", &gw);
	rt.gw = &gw;
	nlh = mnl_nlmsg_put_header(buf);
	is(rtnl_route_msg(nlh, sizeof(buf), true, NLM_F_CREATE, &rt), -EINVAL,
	   "an IPv6 gateway for an IPv4 route is -EINVAL");
	rtnl_ip_parse("10.9.8.1", &gw);
	rt.src = &ip;
	rt.scope = RT_SCOPE_LINK;
	rt.oif = 3;
	nlh = mnl_nlmsg_put_header(buf);
	is(rtnl_route_msg(nlh, sizeof(buf), true, NLM_F_CREATE, &rt), 0, "a default route request");
	ok(!find_msg(nlh, sizeof(struct rtmsg), RTA_DST), "a /0 has no RTA_DST");
	ok(find_msg(nlh, sizeof(struct rtmsg), RTA_PREFSRC) && find_msg(nlh, sizeof(struct rtmsg), RTA_GATEWAY),
	   "it has its gateway and source");
	ok(((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_scope == RT_SCOPE_LINK, "and its scope");
}

struct got {
	int links[RTNL_BATCH_MAX];
	int index[RTNL_BATCH_MAX];
};

static int slot_cb(const struct nlmsghdr *nlh, unsigned slot, void *data)
{
	struct got *g = data;
	struct rtnl_link_info info;

	if (rtnl_link_parse(nlh, &info) == 0) {
		g->links[slot]++;
		g->index[slot] = info.index;
	}
	return 0;
}

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_info info;

	if (rtnl_link_parse(nlh, &info) == 0)
		*(int *)data = info.index;
	return 0;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	rtnl_link_parse(nlh, data);
	return 0;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data) += nlh->nlmsg_type == RTM_NEWLINK;
	return 0;
}

static void test_batch(int fd)
{
	struct rtnl_batch *b = calloc(1, sizeof(*b));
	struct rtnl_link a = { .ifname = "ba", .up = RTNL_ON }, p = { .ifname = "bb" },
			 ga = { .ifname = "ba" }, gone = { .ifname = "nosuch0" };
	struct mnl_socket *nl;
	struct got g = { 0 };
	char buf[RTNL_BUF], msg[128];
	struct nlmsghdr *nlh;
	int s, links = 0;
	unsigned slot = 99;

	s = netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (!b || s < 0 || rtnl_fdopen(s, 0, &nl) < 0) {
		ok(0, "a netlink socket in the test's namespace");
		free(b);
		return;
	}
	is(rtnl_batch_start(b), 0, "a batch starts");
	is(rtnl_batch_add(b, rtnl_veth_new_msg(rtnl_batch_msg(b), RTNL_BATCH_LIMIT, &a, &p)), 0,
	   "slot 0: a veth");
	is(rtnl_batch_add(b, rtnl_veth_new_msg(rtnl_batch_msg(b), RTNL_BATCH_LIMIT, &a, &p)), 1,
	   "slot 1: the same veth again");
	is(rtnl_batch_add(b, rtnl_link_get_msg(rtnl_batch_msg(b), RTNL_BATCH_LIMIT, &ga)), 2,
	   "slot 2: get it");
	is(rtnl_batch_add(b, rtnl_link_del_msg(rtnl_batch_msg(b), RTNL_BATCH_LIMIT, &gone)), 3,
	   "slot 3: delete a link that is not there");
	is(rtnl_batch_add(b, -EINVAL), -EINVAL, "a builder's error passes through");
	is(rtnl_batch_run(nl, b, slot_cb, &g), 0, "the batch runs");
	is(b->err[0], 0, "slot 0 made the veth");
	is(b->err[1], -EEXIST, "slot 1 is -EEXIST, and did not stop the rest");
	is(b->err[2], 0, "slot 2 found it");
	is(g.links[2], 1, "its link came to slot 2's callback");
	ok(g.index[2] > 1 && g.links[0] == 0 && g.links[1] == 0, "and to no other slot");
	is(b->err[3], -ENODEV, "slot 3 is -ENODEV");
	is(rtnl_batch_error(b, &slot), -EEXIST, "the batch's first error");
	is((int)slot, 1, "is slot 1's");
	rtnl_batch_stop(b);
	rtnl_batch_stop(b);

	nlh = mnl_nlmsg_put_header(buf);
	rtnl_link_get_msg(nlh, sizeof(buf), NULL);
	is(rtnl_talk(nl, nlh, count_cb, &links, msg, sizeof(msg)), 0, "a dump of the links");
	is(links, 3, "lo, ba and bb");
	nlh = mnl_nlmsg_put_header(buf);
	a.mtu = 70000;
	a.up = RTNL_KEEP;
	rtnl_link_set_msg(nlh, sizeof(buf), &a);
	ok(rtnl_talk(nl, nlh, NULL, NULL, msg, sizeof(msg)) == -EINVAL && msg[0],
	   "an MTU a veth refuses: -EINVAL with the kernel's words (%s)", msg);
	nlh = mnl_nlmsg_put_header(buf);
	rtnl_link_del_msg(nlh, sizeof(buf), &ga);
	is(rtnl_talk(nl, nlh, NULL, NULL, NULL, 0), 0, "deleting ba (and bb)");
	mnl_socket_close(nl);
	free(b);
}

/* IFLA_BRPORT_MODE (hairpin) of a port, from its linkinfo's slave data. */
static int hairpin_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *info = find_msg(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	const struct nlattr *sd = find_nested(info, 0, IFLA_INFO_SLAVE_DATA);
	const struct nlattr *mode = find_nested(sd, 0, IFLA_BRPORT_MODE);

	if (mode)
		*(int *)data = mnl_attr_get_u8(mode);
	return 0;
}

static int kind_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_info info;

	if (rtnl_link_parse(nlh, &info) == 0 && info.kind)
		snprintf(data, 16, "%s", info.kind);
	return 0;
}

/* A bridge with a port whose hairpin mode is set, and a VXLAN device,
 * made by the kernel from the builders' requests and read back. */
static void test_bridge_vxlan(int fd)
{
	struct rtnl_link br = { .ifname = "tbr", .up = RTNL_ON }, a = { .ifname = "tp0" },
			 p = { .ifname = "tp1" }, vx = { .ifname = "tvx", .mtu = 1450 };
	struct rtnl_bridge brc = { .vlan_filtering = RTNL_ON };
	struct rtnl_bridge_port port = { .hairpin = RTNL_ON };
	struct rtnl_ip remote;
	struct rtnl_vxlan v = { .vni = 4242, .remote = &remote, .port = 4790 };
	struct rtnl_link_info info = { 0 };
	struct mnl_socket *nl;
	char buf[RTNL_BUF], kind[16] = "";
	struct nlmsghdr *nlh;
	int s, hairpin = -1, bri = 0;

	s = netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (s < 0 || rtnl_fdopen(s, 0, &nl) < 0) {
		ok(0, "a netlink socket in the test's namespace");
		return;
	}
	nlh = rtnl_msg(buf);
	rtnl_bridge_new_msg(nlh, sizeof(buf), &br, &brc);
	s = rtnl_talk(nl, nlh, NULL, NULL, NULL, 0);
	/* A kernel without CONFIG_BRIDGE_VLAN_FILTERING (this one) refuses it. */
	ok(s == 0 || s == -EOPNOTSUPP, "a bridge with VLAN filtering: made, or refused as unsupported");
	if (s == 0) {
		nlh = rtnl_msg(buf);
		rtnl_link_del_msg(nlh, sizeof(buf), &br);
		rtnl_talk(nl, nlh, NULL, NULL, NULL, 0);
	}
	nlh = rtnl_msg(buf);
	rtnl_bridge_new_msg(nlh, sizeof(buf), &br, NULL);
	is(rtnl_talk(nl, nlh, NULL, NULL, NULL, 0), 0, "a bridge");
	nlh = rtnl_msg(buf);
	rtnl_link_get_msg(nlh, sizeof(buf), &br);
	is(rtnl_talk(nl, nlh, kind_cb, kind, NULL, 0), 0, "read back");
	is(strcmp(kind, "bridge"), 0, "its kind is bridge (%s)", kind);
	nlh = rtnl_msg(buf);
	rtnl_veth_new_msg(nlh, sizeof(buf), &a, &p);
	is(rtnl_talk(nl, nlh, NULL, NULL, NULL, 0), 0, "a veth for a port");
	nlh = rtnl_msg(buf);
	rtnl_link_get_msg(nlh, sizeof(buf), &br);
	rtnl_talk(nl, nlh, index_cb, &bri, NULL, 0);
	a.master = bri;
	nlh = rtnl_msg(buf);
	rtnl_link_set_msg(nlh, sizeof(buf), &a);
	is(rtnl_talk(nl, nlh, NULL, NULL, NULL, 0), 0, "enslaved to the bridge (index %d)", bri);
	nlh = rtnl_msg(buf);
	rtnl_link_get_msg(nlh, sizeof(buf), &a);
	rtnl_talk(nl, nlh, info_cb, &info, NULL, 0);
	is(info.master, bri, "its master is the bridge");
	nlh = rtnl_msg(buf);
	is(rtnl_bridge_port_msg(nlh, sizeof(buf), info.index, &port), 0, "a port request");
	is(rtnl_talk(nl, nlh, NULL, NULL, NULL, 0), 0, "hairpin on");
	nlh = rtnl_msg(buf);
	rtnl_link_get_msg(nlh, sizeof(buf), &a);
	rtnl_talk(nl, nlh, hairpin_cb, &hairpin, NULL, 0);
	is(hairpin, 1, "the port's hairpin mode reads back on");
	rtnl_ip_parse("192.0.2.9", &remote);
	nlh = rtnl_msg(buf);
	is(rtnl_vxlan_new_msg(nlh, sizeof(buf), &vx, &v), 0, "a VXLAN request");
	s = rtnl_talk(nl, nlh, NULL, NULL, NULL, 0);
	if (s == -EOPNOTSUPP) {
		ok(1, "# SKIP this kernel has no vxlan");
	} else {
		is(s, 0, "a VXLAN device, VNI 4242, to 192.0.2.9, port 4790");
		kind[0] = '\0';
		nlh = rtnl_msg(buf);
		rtnl_link_get_msg(nlh, sizeof(buf), &vx);
		rtnl_talk(nl, nlh, kind_cb, kind, NULL, 0);
		is(strcmp(kind, "vxlan"), 0, "its kind is vxlan (%s)", kind);
	}
	v.vni = 1u << 24;
	nlh = rtnl_msg(buf);
	is(rtnl_vxlan_new_msg(nlh, sizeof(buf), &vx, &v), -EINVAL, "a 25-bit VNI is -EINVAL");
	mnl_socket_close(nl);
}

int main(void)
{
	char name[64];
	int fd = -1, fds;

	test_ip();
	test_veth_msg();
	test_addr_route_msg();
	nstest_require_sandbox();
	snprintf(name, sizeof(name), "trtnl-%d", (int)getpid());
	if (netns_name_add(name, NETNS_ADD_LO_UP, &fd) < 0) {
		printf("Bail out! netns_name_add %s\n", name);
		return 1;
	}
	/* netns_socket() keeps a thread's namespace handles once it has run
	 * there: not a leak. */
	close(netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	fds = count_fds();
	test_batch(fd);
	test_bridge_vxlan(fd);
	is(count_fds(), fds, "no fd leaked");
	netns_name_delete(name);
	close(fd);
	return done_testing();
}
