/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CNI plugins' rtnetlink, through libmnl: sequence numbers and port ids
 * checked, every attribute bounded (rtnl.h lists the requests). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "netns.h"
#include "rtnl.h"

/* A socket of PROTOCOL in namespace FD, made by this thread in a round
 * trip there: a plugin is single-threaded and short-lived, and libnetns's
 * netns_socket() hands the job to a worker thread, whose start (clone, an
 * 8 MB stack) and hand-offs cost an ADD 0.5-2 ms of waiting for a CPU on a
 * busy 2-core VM (perf trace: the futex waits). Should the way back fail,
 * nothing may run on in the container's namespace: the process ends (a
 * plugin opens the container's socket before it changes anything). */
int cni_socket_in(int fd, int protocol)
{
	int home, s, r;

	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(home);
		return r;
	}
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	r = s < 0 ? -errno : s;
	if (setns(home, CLONE_NEWNET) < 0) {
		fprintf(stderr, "%s: cannot return to the network namespace it started in: %s\n",
			program_invocation_short_name, strerror(errno));
		_exit(1);
	}
	close(home);
	return r;
}

int cni_rtnl_open(int fd, struct mnl_socket **ret)
{
	struct mnl_socket *nl;
	int s = fd >= 0 ? cni_socket_in(fd, NETLINK_ROUTE)
			: socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int one = 1;

	if (s < 0)
		return fd >= 0 ? s : -errno;
	/* The kernel's explanation of an error, without the echoed request,
	 * as libnetns asks for it. */
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl = mnl_socket_fdopen(s);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		if (nl)
			mnl_socket_close(nl);
		else
			close(s);
		return r ? r : -EIO;
	}
	*ret = nl;
	return 0;
}

void cni_rtnl_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}

static unsigned next_seq(void)
{
	static unsigned seq;

	if (!seq)
		seq = (unsigned)time(NULL);
	return ++seq;
}

/* Sends NLH and runs CB on the answer until the kernel is done. */
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[32768];
	unsigned seq = next_seq(), portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

struct link_q {
	int index;
	int peer;           /* IFLA_LINK: a veth's peer's index, 0 when none */
	char mac[18];
	char *alias;        /* when not NULL, gets IFLA_IFALIAS ("" when none) */
	size_t alias_len;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_q *q = data;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	q->index = ifi->ifi_index;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_ADDRESS && mnl_attr_get_payload_len(a) == 6) {
			const unsigned char *m = mnl_attr_get_payload(a);
			snprintf(q->mac, sizeof(q->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
				 m[2], m[3], m[4], m[5]);
		}
		if (mnl_attr_get_type(a) == IFLA_LINK && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			q->peer = (int)mnl_attr_get_u32(a);
		if (q->alias && mnl_attr_get_type(a) == IFLA_IFALIAS &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(q->alias, q->alias_len, "%s", mnl_attr_get_str(a));
	}
	return MNL_CB_OK;
}

/* NLH as a link request TYPE (NLM_F_REQUEST and FLAGS) for link INDEX (0:
 * by name), its struct ifinfomsg returned for the rest. */
static struct ifinfomsg *link_msg(struct nlmsghdr *nlh, uint16_t type, uint16_t flags, int index)
{
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return ifi;
}

static int link_get(struct mnl_socket *nl, const char *ifname, struct link_q *q)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	link_msg(nlh, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return talk(nl, nlh, link_cb, q);
}

int cni_rtnl_link_alias_get(struct mnl_socket *nl, const char *ifname, char *buf, size_t len)
{
	struct link_q q = { .alias = buf, .alias_len = len };
	int r;

	buf[0] = '\0';
	r = link_get(nl, ifname, &q);
	if (r < 0)
		return r;
	return q.index ? 0 : -ENODEV;
}

int cni_rtnl_link(struct mnl_socket *nl, const char *ifname, int *ret_index, char ret_mac[18])
{
	struct link_q q = { 0 };
	int r;

	r = link_get(nl, ifname, &q);
	if (r < 0)
		return r;
	if (!q.index)
		return -ENODEV;
	*ret_index = q.index;
	memcpy(ret_mac, q.mac, sizeof(q.mac));
	return 0;
}

static void alias_put(struct nlmsghdr *nlh, int index, const char *alias)
{

	link_msg(nlh, RTM_NEWLINK, 0, index);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
}

struct alias_q {
	cni_rtnl_alias_cb cb;
	void *data;
	int err;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_q *q = data;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const char *name = NULL, *alias = NULL;
	struct nlattr *a;
	int r;

	if (nlh->nlmsg_type != RTM_NEWLINK || q->err)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == IFLA_IFALIAS && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			alias = mnl_attr_get_str(a);
	}
	if (name && alias) {
		r = q->cb(name, alias, q->data);
		if (r < 0)
			q->err = r;
	}
	return MNL_CB_OK;
}

int cni_rtnl_link_aliases(struct mnl_socket *nl, cni_rtnl_alias_cb cb, void *data)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct alias_q q = { .cb = cb, .data = data };
	int r;

	link_msg(nlh, RTM_GETLINK, NLM_F_DUMP, 0);
	r = talk(nl, nlh, alias_cb, &q);
	return r < 0 ? r : q.err;
}

struct settle_q {
	int index;
	bool tentative, failed;
};

static int settle_cb(const struct nlmsghdr *nlh, void *data)
{
	struct settle_q *q = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	unsigned flags;
	struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != q->index)
		return MNL_CB_OK;
	flags = ifa->ifa_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
		if (mnl_attr_get_type(a) == IFA_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			flags = mnl_attr_get_u32(a);
	if (flags & IFA_F_DADFAILED)
		q->failed = true;
	else if (flags & IFA_F_TENTATIVE)
		q->tentative = true;
	return MNL_CB_OK;
}

int cni_rtnl_settle(struct mnl_socket *nl, int index, int timeout_ms)
{
	char buf[8192];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int r, waited = 0;

	for (;;) {
		struct settle_q q = { .index = index };
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET6;
		r = talk(nl, nlh, settle_cb, &q);
		if (r < 0)
			return r;
		if (q.failed)
			return -EADDRINUSE;
		if (!q.tentative)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(10000);
		waited += 10;
	}
}

static size_t alen(const struct cni_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

static void route_put(struct nlmsghdr *nlh, const struct cni_route *rt, bool add)
{
	struct rtmsg *rtm;

	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)rt->dst.family;
	rtm->rtm_dst_len = (unsigned char)rt->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = add ? RTPROT_BOOT : 0;
	rtm->rtm_scope = add ? rt->scope : RT_SCOPE_NOWHERE;
	rtm->rtm_type = add ? RTN_UNICAST : 0;
	if (rt->plen)
		mnl_attr_put(nlh, RTA_DST, alen(&rt->dst), rt->dst.b);
	if (rt->gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen(rt->gw), rt->gw->b);
	if (rt->src)
		mnl_attr_put(nlh, RTA_PREFSRC, alen(rt->src), rt->src->b);
	if (rt->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
}

struct find_q {
	const struct cni_route *want;
	int found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct find_q *q = data;
	const struct cni_route *w = q->want;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;
	const void *dst = NULL, *gw = NULL;
	int oif = 0, table = rtm->rtm_table;
	size_t l = alen(&w->dst);

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != w->dst.family ||
	    rtm->rtm_dst_len != w->plen)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) == l)
				dst = mnl_attr_get_payload(a);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(a) == l)
				gw = mnl_attr_get_payload(a);
			break;
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_TABLE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				table = (int)mnl_attr_get_u32(a);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || oif != w->oif)
		return MNL_CB_OK;
	if (w->plen && (!dst || memcmp(dst, w->dst.b, l) != 0))
		return MNL_CB_OK;
	if (w->gw && (!gw || memcmp(gw, w->gw->b, l) != 0))
		return MNL_CB_OK;
	q->found = 1;
	return MNL_CB_OK;
}

int cni_rtnl_route_find(struct mnl_socket *nl, const struct cni_route *rt)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	struct find_q q = { .want = rt };
	int r;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)rt->dst.family;
	r = talk(nl, nlh, route_cb, &q);
	return r < 0 ? r : q.found;
}

static void addr_put(struct nlmsghdr *nlh, int index, const struct cni_ip *ip, unsigned plen)
{
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)ip->family;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	mnl_attr_put(nlh, IFA_LOCAL, alen(ip), ip->b);
	mnl_attr_put(nlh, IFA_ADDRESS, alen(ip), ip->b);
	if (ip->family == AF_INET && plen < 31) {
		/* The reference's netlink library sets the broadcast address
		 * of an IPv4 prefix shorter than /31: the host part all ones. */
		uint8_t brd[4];
		for (unsigned i = 0; i < 4; i++) {
			unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
			uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
			brd[i] = (uint8_t)(ip->b[i] | (uint8_t)~mask);
		}
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), brd);
	}
}

int cni_rtnl_link_retire(struct mnl_socket *nl, int index, const char *newname)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	if (netns_ifname_check(newname) < 0)
		return -EINVAL;
	ifi = link_msg(nlh, RTM_NEWLINK, 0, index);
	/* Down in the same request: the kernel renames first (a link that is
	 * up may be renamed since Linux 6.x; older ones say EBUSY). */
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	return talk(nl, nlh, NULL, NULL);
}

int cni_rtnl_link_del(struct mnl_socket *nl, int index)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	link_msg(nlh, RTM_DELLINK, 0, index);
	return talk(nl, nlh, NULL, NULL);
}

struct addrs_q {
	int index;
	size_t n;
	struct {
		int family;
		unsigned plen;
		uint8_t b[16];
	} a[32];
};

static int addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addrs_q *q = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t l = ifa->ifa_family == AF_INET ? 4 : 16;
	struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != q->index || q->n == 32)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
		if (mnl_attr_get_type(a) == IFA_LOCAL || (mnl_attr_get_type(a) == IFA_ADDRESS &&
							   ifa->ifa_family == AF_INET6)) {
			if (mnl_attr_get_payload_len(a) != l)
				continue;
			q->a[q->n].family = ifa->ifa_family;
			q->a[q->n].plen = ifa->ifa_prefixlen;
			memcpy(q->a[q->n].b, mnl_attr_get_payload(a), l);
			q->n++;
			break;
		}
	return MNL_CB_OK;
}

int cni_rtnl_addrs_flush(struct mnl_socket *nl, int index)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct addrs_q q = { .index = index };
	int one = 1, r;
	size_t i;

	/* The kernel filters the dump by index with strict checking (4.20+);
	 * without it, addrs_cb does. */
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned)index;
	r = talk(nl, nlh, addrs_cb, &q);
	if (r < 0)
		return r;
	for (i = 0; i < q.n; i++) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_DELADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = (unsigned char)q.a[i].family;
		ifa->ifa_prefixlen = (unsigned char)q.a[i].plen;
		ifa->ifa_index = (unsigned)index;
		mnl_attr_put(nlh, IFA_LOCAL, q.a[i].family == AF_INET ? 4 : 16, q.a[i].b);
		r = talk(nl, nlh, NULL, NULL);
		if (r < 0 && r != -EADDRNOTAVAIL)
			return r;
	}
	return 0;
}

/* ---- batches ---- */

/* Room for one more request of at most 512 bytes (the largest here, a veth
 * pair, is ~120), or NULL. */
static struct nlmsghdr *batch_next(struct cni_rtnl_batch *b)
{
	if (b->n == CNI_RTNL_BATCH_MAX || b->len + MNL_ALIGN(512) > sizeof(b->buf))
		return NULL;
	return mnl_nlmsg_put_header(b->buf + b->len);
}

static int batch_add(struct cni_rtnl_batch *b, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	return (int)b->n++;
}

int cni_rtnl_batch_veth(struct cni_rtnl_batch *b, const char *host_if, const char *ifname, int fd,
			unsigned mtu)
{
	struct nlmsghdr *nlh = batch_next(b);
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *ifi;

	if (!nlh)
		return -ENOBUFS;
	/* The host end goes up as it is registered; the container's cannot
	 * (a veth without its peer refuses to open: -ENOTCONN), so it goes up
	 * in the next request to its namespace. As netns_veth_add() does. */
	ifi = link_msg(nlh, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host_if);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	/* Both ends without a queue (the kernel's default is 1000), as the
	 * reference's: its netlink library sends the LinkAttrs' zero
	 * TxQLen for the veth and its peer. */
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 0);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* VETH_INFO_PEER holds a struct ifinfomsg, then the peer's IFLA_*;
	 * the peer is born in namespace FD. */
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 0);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return batch_add(b, nlh);
}

int cni_rtnl_batch_getlink(struct cni_rtnl_batch *b, int index, const char *ifname)
{
	struct nlmsghdr *nlh = batch_next(b);

	if (!nlh)
		return -ENOBUFS;
	link_msg(nlh, RTM_GETLINK, 0, index);
	if (ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return batch_add(b, nlh);
}

int cni_rtnl_batch_up(struct cni_rtnl_batch *b, int index)
{
	struct nlmsghdr *nlh = batch_next(b);
	struct ifinfomsg *ifi;

	if (!nlh)
		return -ENOBUFS;
	ifi = link_msg(nlh, RTM_NEWLINK, 0, index);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return batch_add(b, nlh);
}

int cni_rtnl_batch_alias(struct cni_rtnl_batch *b, int index, const char *alias)
{
	struct nlmsghdr *nlh = batch_next(b);

	if (!nlh)
		return -ENOBUFS;
	if (strlen(alias) >= 256)
		return -EINVAL;
	alias_put(nlh, index, alias);
	return batch_add(b, nlh);
}

int cni_rtnl_batch_addr(struct cni_rtnl_batch *b, int index, const struct cni_ip *ip, unsigned plen)
{
	struct nlmsghdr *nlh = batch_next(b);

	if (!nlh)
		return -ENOBUFS;
	addr_put(nlh, index, ip, plen);
	return batch_add(b, nlh);
}

int cni_rtnl_batch_route(struct cni_rtnl_batch *b, const struct cni_route *rt, bool add)
{
	struct nlmsghdr *nlh = batch_next(b);

	if (!nlh)
		return -ENOBUFS;
	route_put(nlh, rt, add);
	return batch_add(b, nlh);
}

/* NLMSGERR_ATTR_MSG of error NLH into B->msg[I], when the kernel sent one. */
static void batch_extack(struct cni_rtnl_batch *b, unsigned i, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e), plen = mnl_nlmsg_get_payload_len(nlh);
	const struct nlattr *attr;
	const void *tlvs;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(mnl_nlmsg_get_payload_len(&e->msg));
	if (off >= plen)
		return;
	tlvs = (const char *)e + off;
	mnl_attr_for_each_payload(tlvs, plen - off)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(b->msg[i], sizeof(b->msg[i]), "%s", mnl_attr_get_str(attr));
}

int cni_rtnl_batch_run(struct mnl_socket *nl, struct cni_rtnl_batch *b, struct cni_rtnl_link *ret_link)
{
	char buf[32768];
	unsigned seq0 = next_seq(), portid = mnl_socket_get_portid(nl), done = 0, i;
	size_t off;
	ssize_t n;

	for (i = 0; i < b->n; i++) {
		b->err[i] = -EINPROGRESS;
		b->msg[i][0] = '\0';
	}
	/* Each request its own sequence number (seq0 + its slot). */
	for (off = 0, i = 0; off < b->len; off += MNL_ALIGN(((struct nlmsghdr *)(b->buf + off))->nlmsg_len), i++)
		((struct nlmsghdr *)(b->buf + off))->nlmsg_seq = seq0 + i;
	for (i = 1; i < b->n; i++)
		next_seq();
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0)
		return -errno;
	/* The kernel answers the requests in order, each with its ack (or
	 * error), a GETLINK with the link first. */
	while (done < b->n) {
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len;

		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		len = (int)n;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			unsigned slot = m->nlmsg_seq - seq0;
			if (m->nlmsg_pid != portid || slot >= b->n)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e))
					return -EBADMSG;
				if (b->err[slot] != -EINPROGRESS)
					continue;
				b->err[slot] = e->error > 0 ? -e->error : e->error;
				if (e->error)
					batch_extack(b, slot, m);
				done++;
			} else if (m->nlmsg_type == RTM_NEWLINK && ret_link) {
				struct link_q q = { 0 };
				link_cb(m, &q);
				ret_link[slot].index = q.index;
				ret_link[slot].peer = q.peer;
				memcpy(ret_link[slot].mac, q.mac, sizeof(q.mac));
			}
		}
	}
	return 0;
}
