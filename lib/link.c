/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Links over rtnetlink: state, moves, deletion, listing with addresses. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

NETNS_EXPORT int netns_ifname_check(const char *ifname)
{
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	if (strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return -EINVAL;
	/* The kernel's dev_valid_name(): no '/', ':' or white space. */
	for (const char *p = ifname; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return -EINVAL;
	return 0;
}

static int index_parse(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_info info;

	if (rtnl_link_parse(nlh, &info) == 0)
		*(int *)data = info.index;
	return 0;
}

int nsi_nl_ifindex(struct mnl_socket *nl, const char *ifname)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtnl_link l = { .ifname = ifname };
	int r, index = 0;

	r = rtnl_link_get_msg(nlh, sizeof(buf), &l);
	if (r >= 0)
		r = nsi_nl_talk(nl, nlh, index_parse, &index);
	if (r < 0)
		return r;
	return index > 0 ? index : -ENODEV;
}

/* Sends the request that changes L (by name) from a socket in FD's namespace. */
static int link_change(int fd, const struct rtnl_link *l, bool del)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl;
	int r;

	r = del ? rtnl_link_del_msg(nlh, sizeof(buf), l) : rtnl_link_set_msg(nlh, sizeof(buf), l);
	if (r < 0)
		return r;
	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	r = nsi_nl_talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return r;
}

NETNS_EXPORT int netns_link_set_up(int fd, const char *ifname, bool up)
{
	struct rtnl_link l = { .ifname = ifname, .up = up ? RTNL_ON : RTNL_OFF };

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	return link_change(fd, &l, false);
}

NETNS_EXPORT int netns_link_move(int fd, const char *ifname, int to_fd)
{
	_cleanup_close_ int cur = -1;
	struct rtnl_link l = { .ifname = ifname, .in_netns = true };
	int r;

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	if (to_fd < 0) {
		cur = netns_fd_open_current();
		if (cur < 0)
			return cur;
		to_fd = cur;
	} else {
		r = netns_fd_check(to_fd);
		if (r < 0)
			return r;
	}
	l.netns_fd = to_fd;
	return link_change(fd, &l, false);
}

NETNS_EXPORT int netns_link_delete(int fd, const char *ifname)
{
	struct rtnl_link l = { .ifname = ifname };

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	return link_change(fd, &l, true);
}

NETNS_EXPORT int netns_link_set_mtu(int fd, const char *ifname, unsigned mtu)
{
	struct rtnl_link l = { .ifname = ifname, .mtu = mtu };

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0 || !mtu)
		return -EINVAL;
	return link_change(fd, &l, false);
}

NETNS_EXPORT int netns_link_set_master(int fd, const char *ifname, const char *master)
{
	struct rtnl_link l = { .ifname = ifname, .nomaster = !master };
	struct mnl_socket *nl;
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0 || (master && netns_ifname_check(master) < 0))
		return -EINVAL;
	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	if (master) {
		l.master = nsi_nl_ifindex(nl, master);
		r = l.master < 0 ? l.master : 0;
	}
	if (r >= 0)
		r = nsi_nl_send(nl, nlh, rtnl_link_set_msg(nlh, sizeof(buf), &l));
	mnl_socket_close(nl);
	return r;
}

NETNS_EXPORT int netns_bridge_add(int fd, const char *ifname)
{
	struct rtnl_link l = { .ifname = ifname, .up = RTNL_ON };
	struct mnl_socket *nl;
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	r = nsi_nl_send(nl, nlh, rtnl_bridge_new_msg(nlh, sizeof(buf), &l, NULL));
	mnl_socket_close(nl);
	return r;
}

/* ---- Listing */

struct link_row {
	struct netns_link l;
	char kind[32];
	char **addrs; /* NULL-terminated */
	size_t n_addrs, cap;
};

struct link_table {
	struct link_row *rows;
	size_t n, cap;
};

NETNS_EXPORT const char *netns_operstate_name(int s)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "UNKNOWN",     [IF_OPER_NOTPRESENT] = "NOTPRESENT",
		[IF_OPER_DOWN] = "DOWN",           [IF_OPER_LOWERLAYERDOWN] = "LOWERLAYERDOWN",
		[IF_OPER_TESTING] = "TESTING",     [IF_OPER_DORMANT] = "DORMANT",
		[IF_OPER_UP] = "UP",
	};

	return s >= 0 && (size_t)s < sizeof(names) / sizeof(names[0]) && names[s] ? names[s]
										       : "UNKNOWN";
}

static int link_parse(const struct nlmsghdr *nlh, void *data)
{
	struct link_table *t = data;
	struct rtnl_link_info info;
	struct link_row *row;

	if (rtnl_link_parse(nlh, &info) < 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct link_row *rows = realloc(t->rows, cap * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		t->cap = cap;
	}
	row = &t->rows[t->n++];
	memset(row, 0, sizeof(*row));
	row->l.index = info.index;
	row->l.flags = info.flags;
	/* IF_OPER_UNKNOWN (0) when the kernel sent none. */
	row->l.operstate = info.operstate;
	row->l.mtu = info.mtu;
	snprintf(row->l.name, sizeof(row->l.name), "%s", info.ifname);
	if (info.kind)
		snprintf(row->kind, sizeof(row->kind), "%s", info.kind);
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct link_row *x = a, *y = b;

	return (x->l.index > y->l.index) - (x->l.index < y->l.index);
}

static int addr_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct link_table *t = data;
	const struct nlattr *attr, *local = NULL, *address = NULL, *use;
	struct link_row key, *row;
	char host[INET6_ADDRSTRLEN], *s;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return 0;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	key.l.index = (int)ifa->ifa_index;
	row = bsearch(&key, t->rows, t->n, sizeof(*t->rows), row_cmp);
	if (!row)
		return 0; /* a link born between the two dumps */
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_payload_len(attr) != alen)
			continue;
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = attr;
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = attr;
	}
	/* IFA_LOCAL is our own address; IFA_ADDRESS is the peer on a
	 * point-to-point link, and the only one IPv6 usually sends. */
	use = local ? local : address;
	if (!use || !inet_ntop(ifa->ifa_family, mnl_attr_get_payload(use), host, sizeof(host)))
		return 0;
	if (asprintf(&s, "%s/%u", host, ifa->ifa_prefixlen) < 0)
		return -ENOMEM;
	if (row->n_addrs + 1 >= row->cap) {
		size_t cap = row->cap ? 2 * row->cap : 4;
		char **v = realloc(row->addrs, cap * sizeof(*v));

		if (!v) {
			free(s);
			return -ENOMEM;
		}
		row->addrs = v;
		row->cap = cap;
	}
	row->addrs[row->n_addrs++] = s;
	row->addrs[row->n_addrs] = NULL;
	return 0;
}

static void table_free(struct link_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->rows[i].n_addrs; j++)
			free(t->rows[i].addrs[j]);
		free(t->rows[i].addrs);
	}
	free(t->rows);
}

static int table_fill(struct mnl_socket *nl, struct link_table *t)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	r = rtnl_link_get_msg(nlh, sizeof(buf), NULL);
	if (r >= 0)
		r = nsi_nl_talk(nl, nlh, link_parse, t);
	if (r < 0)
		return r;
	qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
	nlh = mnl_nlmsg_put_header(buf);
	r = rtnl_addr_dump_msg(nlh, sizeof(buf), AF_UNSPEC);
	return r < 0 ? r : nsi_nl_talk(nl, nlh, addr_parse, t);
}

NETNS_EXPORT int netns_link_foreach(int fd, netns_link_cb cb, void *data)
{
	struct link_table t = { 0 };
	struct mnl_socket *nl;
	int r;

	nsi_error_set(NULL);
	if (!cb)
		return -EINVAL;
	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	r = table_fill(nl, &t);
	mnl_socket_close(nl);
	for (size_t i = 0; r >= 0 && i < t.n; i++) {
		struct link_row *row = &t.rows[i];
		static const char *const none[] = { NULL };

		row->l.kind = row->kind;
		row->l.addrs = row->addrs ? (const char *const *)row->addrs : none;
		r = cb(&row->l, data);
	}
	table_free(&t);
	return r < 0 ? r : 0;
}
