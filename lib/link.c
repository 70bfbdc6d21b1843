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

/* Starts an RTM_*LINK request for IFNAME in BUF. */
static struct nlmsghdr *link_request(char *buf, uint16_t type, uint16_t flags, const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	/* IFNAMSIZ bytes at most, checked by the callers: always fits. */
	mnl_attr_put_strz_check(nlh, NETNS_NL_BUF, IFLA_IFNAME, ifname);
	return nlh;
}

static int index_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK && mnl_nlmsg_get_payload_len(nlh) >= sizeof(*ifm))
		*(int *)data = ifm->ifi_index;
	return 0;
}

int nsi_nl_ifindex(struct mnl_socket *nl, const char *ifname)
{
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh = link_request(buf, RTM_GETLINK, 0, ifname);
	int r, index = 0;

	mnl_attr_put_u32_check(nlh, sizeof(buf), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nsi_nl_talk(nl, nlh, index_parse, &index);
	if (r < 0)
		return r;
	return index > 0 ? index : -ENODEV;
}

/* Opens a socket in FD's namespace and sends one request built by the caller. */
static int link_talk(int fd, struct nlmsghdr *nlh)
{
	struct mnl_socket *nl;
	int r;

	r = nsi_nl_open(fd, &nl);
	if (r < 0)
		return r;
	r = nsi_nl_talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return r;
}

NETNS_EXPORT int netns_link_set_up(int fd, const char *ifname, bool up)
{
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	nlh = link_request(buf, RTM_NEWLINK, 0, ifname);
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return link_talk(fd, nlh);
}

NETNS_EXPORT int netns_link_move(int fd, const char *ifname, int to_fd)
{
	_cleanup_close_ int cur = -1;
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh;
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
	nlh = link_request(buf, RTM_NEWLINK, 0, ifname);
	mnl_attr_put_u32_check(nlh, sizeof(buf), IFLA_NET_NS_FD, (uint32_t)to_fd);
	return link_talk(fd, nlh);
}

NETNS_EXPORT int netns_link_delete(int fd, const char *ifname)
{
	char buf[NETNS_NL_BUF];

	nsi_error_set(NULL);
	if (netns_ifname_check(ifname) < 0)
		return -EINVAL;
	return link_talk(fd, link_request(buf, RTM_DELLINK, 0, ifname));
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

static void kind_parse(const struct nlattr *linkinfo, struct link_row *row)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, linkinfo) {
		if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(row->kind, sizeof(row->kind), "%s", mnl_attr_get_str(attr));
	}
}

static int link_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct link_table *t = data;
	const struct nlattr *attr;
	struct link_row *row;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
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
	row->l.index = ifm->ifi_index;
	row->l.flags = ifm->ifi_flags;
	row->l.operstate = NETNS_OPER_UNKNOWN;
	mnl_attr_for_each(attr, nlh, sizeof(*ifm)) {
		switch (mnl_attr_get_type(attr)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(row->l.name, sizeof(row->l.name), "%s",
					 mnl_attr_get_str(attr));
			break;
		case IFLA_MTU:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				row->l.mtu = mnl_attr_get_u32(attr);
			break;
		case IFLA_OPERSTATE:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
				row->l.operstate = mnl_attr_get_u8(attr);
			break;
		case IFLA_LINKINFO:
			if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
				kind_parse(attr, row);
			break;
		default:
			break;
		}
	}
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
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int r;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))
		->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32_check(nlh, sizeof(buf), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nsi_nl_talk(nl, nlh, link_parse, t);
	if (r < 0)
		return r;
	qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	return nsi_nl_talk(nl, nlh, addr_parse, t);
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
