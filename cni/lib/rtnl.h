/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CNI plugins' rtnetlink (rtnl.c): a socket in the container's
 * namespace; batches of requests (a veth pair born across namespaces,
 * addresses, routes with a source address and scope as the reference ptp
 * sets them, links up and aliased) sent at once; a link's index, MAC and
 * alias; and for DEL and GC, retiring and deleting a veth (retire.c). */
#ifndef NETNS_CNI_RTNL_H
#define NETNS_CNI_RTNL_H

#include <stdbool.h>
#include "range.h"

struct mnl_socket;

/* Opens an rtnetlink socket in namespace FD (-1: the caller's; else made
 * there by cni_socket_in()); the socket belongs to that namespace from then
 * on. 0 or a negative errno. */
int cni_rtnl_open(int fd, struct mnl_socket **ret);
void cni_rtnl_close(struct mnl_socket *nl);

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

/* Deletes every address of link INDEX (the IPv4 ones stay on a link that is
 * down). */
int cni_rtnl_addrs_flush(struct mnl_socket *nl, int index);

/* Deletes link INDEX (with a veth, its peer too). */
int cni_rtnl_link_del(struct mnl_socket *nl, int index);

/* Links DEL retired are renamed so: "ptpdel" and their index, which no
 * other link of the namespace has; GC deletes those a killed DEL left. */
#define CNI_RETIRED "ptpdel"

/* Takes the attachment's veth out of the way the way DEL promises (retire.c):
 * HOST_IF in this namespace and IFNAME in namespace FD (-1: none) renamed,
 * down and without addresses at once, the pair deleted by a detached
 * process. 0, or -1 when the caller must delete the links itself. */
int cni_veth_retire(const char *host_if, const char *ifname, int fd);

/* A route in the main table. GW and SRC may be NULL. */
struct cni_route {
	struct cni_ip dst;
	unsigned plen;
	const struct cni_ip *gw, *src;
	int oif;
	unsigned char scope; /* RT_SCOPE_* */
};

/* A socket (SOCK_CLOEXEC) of netlink PROTOCOL in namespace FD, or a
 * negative errno. Switches this thread there and back; ends the process
 * should the way back fail. */
int cni_socket_in(int fd, int protocol);

/* 1 when a main-table route to R's dst/plen out of R's oif (and via R's gw
 * when set) exists, 0 when not, or a negative errno. */
int cni_rtnl_route_find(struct mnl_socket *nl, const struct cni_route *r);

/* Requests sent at once, answered in order, each with its own error:
 * rtnetlink runs every one, whatever the one before it did. The cni_rtnl_batch_*
 * builders return the request's slot (an index into err, msg and the links
 * of cni_rtnl_batch_run()) or -ENOBUFS when the batch is full. */
#define CNI_RTNL_BATCH_MAX 24
struct cni_rtnl_batch {
	char buf[12288];
	size_t len;
	unsigned n;
	int err[CNI_RTNL_BATCH_MAX];      /* 0 or a negative errno, per request */
	char msg[CNI_RTNL_BATCH_MAX][128]; /* the kernel's extended ack, or "" */
};

/* What a GETLINK answered: index, MAC, and (IFLA_LINK) a veth's peer's
 * index in its namespace. */
struct cni_rtnl_link {
	int index, peer;
	char mac[18];
};

/* A veth pair HOST_IF (up, here) and IFNAME (down, born in namespace FD),
 * with MTU (0: the kernel's) and txqueuelen 0 on both ends. */
int cni_rtnl_batch_veth(struct cni_rtnl_batch *b, const char *host_if, const char *ifname, int fd,
			unsigned mtu);
/* The link of INDEX, or (INDEX 0) named IFNAME. */
int cni_rtnl_batch_getlink(struct cni_rtnl_batch *b, int index, const char *ifname);
int cni_rtnl_batch_up(struct cni_rtnl_batch *b, int index);
int cni_rtnl_batch_alias(struct cni_rtnl_batch *b, int index, const char *alias);
/* Adds address IP/PLEN to link INDEX (EXCL), with the broadcast address an
 * IPv4 prefix shorter than /31 has (as the reference's `brd`). */
int cni_rtnl_batch_addr(struct cni_rtnl_batch *b, int index, const struct cni_ip *ip, unsigned plen);
/* Adds (EXCL) or deletes route RT: -EEXIST, -ESRCH, or the kernel's error. */
int cni_rtnl_batch_route(struct cni_rtnl_batch *b, const struct cni_route *rt, bool add);
/* Sends B's requests in one message and reads every answer: B->err[i] and
 * B->msg[i] per request, and when RET_LINK (CNI_RTNL_BATCH_MAX of them) is
 * not NULL, the link a GETLINK in slot i found in RET_LINK[i]. 0, or a
 * negative errno when the socket failed. */
int cni_rtnl_batch_run(struct mnl_socket *nl, struct cni_rtnl_batch *b, struct cni_rtnl_link *ret_link);

#endif
