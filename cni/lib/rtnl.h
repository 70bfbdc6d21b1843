/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the CNI plugins do with rtnetlink beyond one request (rtnl.c), on the
 * tree's one netlink layer (rtnl/rtnl.h: sockets, rtnl_talk(), batches, a
 * builder per request): a socket in the container's namespace; a link's
 * index, MAC and alias; the scan of the host's aliases GC reads; waiting for
 * IPv6 addresses to settle; finding a route; and for DEL and GC, retiring
 * and deleting a veth (retire.c). */
#ifndef NETNS_CNI_RTNL_H
#define NETNS_CNI_RTNL_H

#include <stdbool.h>
#include "range.h"
#include "rtnl/rtnl.h"

struct mnl_socket;

/* Opens an rtnetlink socket in namespace FD (-1: the caller's), made there
 * by libnetns's netns_socket(); the socket belongs to that namespace from
 * then on, and this thread never leaves its own. 0 or a negative errno. */
int cni_rtnl_open(int fd, struct mnl_socket **ret);
/* Accepts NULL. */
void cni_rtnl_close(struct mnl_socket *nl);

/* What the plugins read of a link: index, MAC, (IFLA_LINK) a veth's peer's
 * index in its namespace, its master's index (0: none) and its kind ("" when
 * none). */
struct cni_rtnl_link {
	int index, peer, master;
	char mac[18];
	char kind[16];
};

/* An rtnl_batch_run() callback: DATA is an array of RTNL_BATCH_MAX struct
 * cni_rtnl_link; the link a GETLINK of slot S answered goes into [S]. */
int cni_rtnl_link_slot_cb(const struct nlmsghdr *nlh, unsigned slot, void *data);

/* Index and MAC ("aa:bb:..") of IFNAME. -ENODEV: no such link. */
int cni_rtnl_link(struct mnl_socket *nl, const char *ifname, int *ret_index, char ret_mac[18]);

/* IFNAME's alias into BUF (LEN bytes; "" when it has none). -ENODEV. */
int cni_rtnl_link_alias_get(struct mnl_socket *nl, const char *ifname, char *buf, size_t len);

/* Calls CB for every link that has an alias, with its name and alias. */
typedef int (*cni_rtnl_alias_cb)(const char *ifname, const char *alias, void *data);
int cni_rtnl_link_aliases(struct mnl_socket *nl, cni_rtnl_alias_cb cb, void *data);

/* Waits (at most TIMEOUT_MS) until no IPv6 address of link INDEX is
 * tentative, as the reference's ip.SettleAddresses: a route whose source is
 * a tentative address is refused. -ETIMEDOUT; -EADDRINUSE: DAD failed. */
int cni_rtnl_settle(struct mnl_socket *nl, int index, int timeout_ms);

/* Renames link INDEX to NEWNAME and sets it down, in one request: its name
 * is free again, and the kernel drops the routes through it (and its IPv6
 * addresses). */
int cni_rtnl_link_retire(struct mnl_socket *nl, int index, const char *newname);

/* The addresses of link INDEX an address dump lists (RTNL_BATCH_MAX at
 * the most), each with its prefix: cni_rtnl_addrs_cb() collects them (an
 * rtnl_cb; DATA a struct cni_rtnl_addrs with INDEX set). */
struct cni_rtnl_addrs {
	int index;
	unsigned n;
	struct rtnl_ip a[RTNL_BATCH_MAX];
};
int cni_rtnl_addrs_cb(const struct nlmsghdr *nlh, void *data);

/* Deletes every address of link INDEX (the IPv4 ones stay on a link that is
 * down). */
int cni_rtnl_addrs_flush(struct mnl_socket *nl, int index);

/* Deletes link INDEX (with a veth, its peer too). */
int cni_rtnl_link_del(struct mnl_socket *nl, int index);

/* 1 when a main-table route to R's dst (its prefix the route's length) out
 * of R's oif (and via R's gw when set) exists, 0 when not, or a negative
 * errno. */
int cni_rtnl_route_find(struct mnl_socket *nl, const struct rtnl_route *r);

/* Requests added to batch B (rtnl/rtnl.h), each checked for room first: the
 * slot, or -ENOBUFS when B is full, or the builder's error. */
/* L's settings (rtnl_link_set_msg()). */
int cni_batch_link(struct rtnl_batch *b, const struct rtnl_link *l);
/* A GETLINK of L (cni_rtnl_link_slot_cb() reads the answer). */
int cni_batch_getlink(struct rtnl_batch *b, const struct rtnl_link *l);
/* Adds IP (its prefix the address's) to link INDEX, with the broadcast
 * address an IPv4 prefix shorter than /31 has, as the reference's netlink
 * library sets it; FLAGS are IFA_F_* (IFA_F_NODAD). */
int cni_batch_addr(struct rtnl_batch *b, int index, const struct rtnl_ip *ip, uint32_t flags);
/* Adds (NLM_F_CREATE | NLM_F_EXCL: -EEXIST) or deletes route RT. */
int cni_batch_route(struct rtnl_batch *b, const struct rtnl_route *rt, bool add);

/* Links DEL retired are renamed so: "ptpdel" and their index, which no
 * other link of the namespace has; GC deletes those a killed DEL left. */
#define CNI_RETIRED "ptpdel"

/* Takes the attachment's veth out of the way the way DEL promises (retire.c):
 * HOST_IF in this namespace and IFNAME in namespace FD (-1: none) renamed,
 * down and without addresses at once, the pair deleted by a detached
 * process. 0, or -1 when the caller must delete the links itself. */
int cni_veth_retire(const char *host_if, const char *ifname, int fd);

#endif
