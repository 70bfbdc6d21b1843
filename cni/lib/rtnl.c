/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CNI plugins' own uses of rtnetlink (rtnl.h lists them), each a
 * request built by rtnl/ and sent with rtnl_talk() or a batch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "netns.h"
#include "rtnl.h"

int cni_rtnl_open(int fd, struct mnl_socket **ret)
{
	int s;

	if (fd < 0)
		return rtnl_open(0, ret);
	/* On this thread, at about socket()'s cost, once libnetns has proved
	 * the way back (netns_socket(), libnetns(3)). */
	s = netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (s < 0)
		return s;
	return rtnl_fdopen(s, 0, ret);
}

void cni_rtnl_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}

static void link_copy(const struct rtnl_link_info *i, struct cni_rtnl_link *l)
{
	l->index = i->index;
	l->peer = i->peer;
	l->master = i->master;
	memcpy(l->mac, i->mac, sizeof(l->mac));
	snprintf(l->kind, sizeof(l->kind), "%s", i->kind ? i->kind : "");
}

int cni_rtnl_link_slot_cb(const struct nlmsghdr *nlh, unsigned slot, void *data)
{
	struct cni_rtnl_link *links = data;
	struct rtnl_link_info i;

	if (slot < RTNL_BATCH_MAX && rtnl_link_parse(nlh, &i) == 0)
		link_copy(&i, &links[slot]);
	return 0;
}

struct link_q {
	struct cni_rtnl_link l;
	char *alias;        /* when not NULL, gets IFLA_IFALIAS ("" when none) */
	size_t alias_len;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_q *q = data;
	struct rtnl_link_info i;

	if (rtnl_link_parse(nlh, &i) < 0)
		return 0;
	link_copy(&i, &q->l);
	if (q->alias && i.alias)
		snprintf(q->alias, q->alias_len, "%s", i.alias);
	return 0;
}

static int link_get(struct mnl_socket *nl, const char *ifname, struct link_q *q)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	r = rtnl_link_get_msg(nlh, sizeof(buf), &(struct rtnl_link){ .ifname = ifname });
	if (r == 0)
		r = rtnl_talk(nl, nlh, link_cb, q, NULL, 0);
	if (r < 0)
		return r;
	return q->l.index ? 0 : -ENODEV;
}

int cni_rtnl_link_alias_get(struct mnl_socket *nl, const char *ifname, char *buf, size_t len)
{
	struct link_q q = { .alias = buf, .alias_len = len };

	buf[0] = '\0';
	return link_get(nl, ifname, &q);
}

int cni_rtnl_link(struct mnl_socket *nl, const char *ifname, int *ret_index, char ret_mac[18])
{
	struct link_q q = { .alias = NULL };
	int r = link_get(nl, ifname, &q);

	if (r < 0)
		return r;
	*ret_index = q.l.index;
	memcpy(ret_mac, q.l.mac, sizeof(q.l.mac));
	return 0;
}

struct alias_q {
	cni_rtnl_alias_cb cb;
	void *data;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_q *q = data;
	struct rtnl_link_info i;

	if (rtnl_link_parse(nlh, &i) < 0 || !i.alias || !*i.ifname)
		return 0;
	return q->cb(i.ifname, i.alias, q->data);
}

int cni_rtnl_link_aliases(struct mnl_socket *nl, cni_rtnl_alias_cb cb, void *data)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct alias_q q = { .cb = cb, .data = data };
	int r = rtnl_link_get_msg(nlh, sizeof(buf), NULL);

	return r < 0 ? r : rtnl_talk(nl, nlh, alias_cb, &q, NULL, 0);
}

/* IFA_FLAGS when the message has it (32 bits), else the header's 8. */
static unsigned addr_flags(const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	unsigned flags = ifa->ifa_flags;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(*ifa))
		if (mnl_attr_get_type(a) == IFA_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			flags = mnl_attr_get_u32(a);
	return flags;
}

struct settle_q {
	int index;
	bool tentative, failed;
};

static int settle_cb(const struct nlmsghdr *nlh, void *data)
{
	struct settle_q *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	unsigned flags;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    (int)ifa->ifa_index != q->index)
		return 0;
	flags = addr_flags(nlh);
	if (flags & IFA_F_DADFAILED)
		q->failed = true;
	else if (flags & IFA_F_TENTATIVE)
		q->tentative = true;
	return 0;
}

int cni_rtnl_settle(struct mnl_socket *nl, int index, int timeout_ms)
{
	char buf[RTNL_BUF];
	int r, waited = 0;

	for (;;) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct settle_q q = { .index = index };

		r = rtnl_addr_dump_msg(nlh, sizeof(buf), AF_INET6);
		if (r == 0)
			r = rtnl_talk(nl, nlh, settle_cb, &q, NULL, 0);
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

struct find_q {
	const struct rtnl_route *want;
	int found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct find_q *q = data;
	const struct rtnl_route *w = q->want;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	const void *dst = NULL, *gw = NULL;
	int oif = 0;
	unsigned table;
	size_t l = rtnl_ip_len(&w->dst);

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_family != w->dst.family || rtm->rtm_dst_len != w->dst.prefix)
		return 0;
	table = rtm->rtm_table;
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
				table = mnl_attr_get_u32(a);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || oif != w->oif)
		return 0;
	if (w->dst.prefix && (!dst || memcmp(dst, w->dst.a, l) != 0))
		return 0;
	if (w->gw && (!gw || memcmp(gw, w->gw->a, l) != 0))
		return 0;
	q->found = 1;
	return 0;
}

int cni_rtnl_route_find(struct mnl_socket *nl, const struct rtnl_route *rt)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct find_q q = { .want = rt };
	int r = rtnl_route_dump_msg(nlh, sizeof(buf), rt->dst.family);

	if (r == 0)
		r = rtnl_talk(nl, nlh, route_cb, &q, NULL, 0);
	return r < 0 ? r : q.found;
}

/* Sends the one request NLH holds (R: its builder's result). */
static int talk_one(struct mnl_socket *nl, struct nlmsghdr *nlh, int r)
{
	return r < 0 ? r : rtnl_talk(nl, nlh, NULL, NULL, NULL, 0);
}

int cni_rtnl_link_retire(struct mnl_socket *nl, int index, const char *newname)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	/* Down in the same request: the kernel renames first (a link that is
	 * up may be renamed since Linux 6.x; older ones say EBUSY). */
	struct rtnl_link l = { .index = index, .newname = newname, .up = RTNL_OFF };

	if (netns_ifname_check(newname) < 0)
		return -EINVAL;
	return talk_one(nl, nlh, rtnl_link_set_msg(nlh, sizeof(buf), &l));
}

int cni_rtnl_link_del(struct mnl_socket *nl, int index)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	return talk_one(nl, nlh, rtnl_link_del_msg(nlh, sizeof(buf), &(struct rtnl_link){ .index = index }));
}

int cni_rtnl_addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cni_rtnl_addrs *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t l = ifa->ifa_family == AF_INET ? 4 : 16;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    (int)ifa->ifa_index != q->index || q->n == RTNL_BATCH_MAX ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	/* IPv4 names the address IFA_LOCAL; IPv6 only IFA_ADDRESS. */
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
		if ((mnl_attr_get_type(a) == IFA_LOCAL ||
		     (mnl_attr_get_type(a) == IFA_ADDRESS && ifa->ifa_family == AF_INET6)) &&
		    mnl_attr_get_payload_len(a) == l) {
			struct rtnl_ip *ip = &q->a[q->n++];

			ip->family = ifa->ifa_family;
			ip->prefix = ifa->ifa_prefixlen;
			memcpy(ip->a, mnl_attr_get_payload(a), l);
			break;
		}
	return 0;
}

int cni_rtnl_addrs_flush(struct mnl_socket *nl, int index)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct cni_rtnl_addrs q = { .index = index };
	struct rtnl_batch b;
	int one = 1, r;
	unsigned i;

	r = rtnl_addr_dump_msg(nlh, sizeof(buf), AF_UNSPEC);
	if (r < 0)
		return r;
	/* With strict checking (4.20+) the kernel dumps INDEX's addresses
	 * only, not the host's thousands; without it, cni_rtnl_addrs_cb filters. */
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index = (unsigned)index;
	r = rtnl_talk(nl, nlh, cni_rtnl_addrs_cb, &q, NULL, 0);
	if (r < 0 || !q.n)
		return r;
	/* All the deletes in one message. */
	r = rtnl_batch_start(&b);
	for (i = 0; r >= 0 && i < q.n; i++)
		r = rtnl_batch_add(&b, rtnl_addr_msg(rtnl_batch_msg(&b), RTNL_BATCH_LIMIT, false, index,
						      &q.a[i], false, 0));
	if (r >= 0)
		r = rtnl_batch_run(nl, &b, NULL, NULL);
	for (i = 0; r >= 0 && i < b.n; i++)
		if (b.err[i] < 0 && b.err[i] != -EADDRNOTAVAIL)
			r = b.err[i];
	rtnl_batch_stop(&b);
	return r < 0 ? r : 0;
}

int cni_batch_link(struct rtnl_batch *b, const struct rtnl_link *l)
{
	struct nlmsghdr *nlh = rtnl_batch_msg(b);

	return nlh ? rtnl_batch_add(b, rtnl_link_set_msg(nlh, RTNL_BATCH_LIMIT, l)) : -ENOBUFS;
}

int cni_batch_getlink(struct rtnl_batch *b, const struct rtnl_link *l)
{
	struct nlmsghdr *nlh = rtnl_batch_msg(b);

	return nlh ? rtnl_batch_add(b, rtnl_link_get_msg(nlh, RTNL_BATCH_LIMIT, l)) : -ENOBUFS;
}

int cni_batch_addr(struct rtnl_batch *b, int index, const struct rtnl_ip *ip, uint32_t flags)
{
	struct nlmsghdr *nlh = rtnl_batch_msg(b);

	return nlh ? rtnl_batch_add(b, rtnl_addr_msg(nlh, RTNL_BATCH_LIMIT, true, index, ip, true, flags))
		   : -ENOBUFS;
}

int cni_batch_route(struct rtnl_batch *b, const struct rtnl_route *rt, bool add)
{
	struct nlmsghdr *nlh = rtnl_batch_msg(b);

	return nlh ? rtnl_batch_add(b, rtnl_route_msg(nlh, RTNL_BATCH_LIMIT, add,
						      add ? NLM_F_CREATE | NLM_F_EXCL : 0, rt))
		   : -ENOBUFS;
}
