/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The few rtnetlink requests netns-ptp needs beyond libnetns: a link's index
 * and MAC address, and routes with a source address and scope, as the
 * reference ptp sets them. */
#ifndef NETNS_CNI_RTNL_H
#define NETNS_CNI_RTNL_H

#include <stdbool.h>
#include "ipam.h"

struct mnl_socket;

/* Opens an rtnetlink socket in namespace FD (-1: the caller's); the socket
 * belongs to that namespace from then on. 0 or a negative errno. */
int cni_rtnl_open(int fd, struct mnl_socket **ret);
void cni_rtnl_close(struct mnl_socket *nl);

/* Index and MAC ("aa:bb:..") of IFNAME. -ENODEV: no such link. */
int cni_rtnl_link(struct mnl_socket *nl, const char *ifname, int *ret_index, char ret_mac[18]);

/* Sets IFALIAS (the `ip link` alias) of link INDEX. */
int cni_rtnl_link_alias(struct mnl_socket *nl, int index, const char *alias);

/* IFNAME's alias into BUF (LEN bytes; "" when it has none). -ENODEV. */
int cni_rtnl_link_alias_get(struct mnl_socket *nl, const char *ifname, char *buf, size_t len);

/* Calls CB for every link that has an alias, with its name and alias. */
typedef int (*cni_rtnl_alias_cb)(const char *ifname, const char *alias, void *data);
int cni_rtnl_link_aliases(struct mnl_socket *nl, cni_rtnl_alias_cb cb, void *data);

/* Waits (at most TIMEOUT_MS) until no IPv6 address of link INDEX is
 * tentative, as the reference's ip.SettleAddresses: a route whose source is
 * a tentative address is refused. -ETIMEDOUT; -EADDRINUSE: DAD failed. */
int cni_rtnl_settle(struct mnl_socket *nl, int index, int timeout_ms);

/* Adds address IP/PLEN to link INDEX, with the broadcast address an IPv4
 * prefix shorter than /31 has (as the reference's `brd`). -EEXIST when it is
 * there. */
int cni_rtnl_addr_add(struct mnl_socket *nl, int index, const struct cni_ip *ip, unsigned plen);

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

/* Adds (EXCL) or deletes R. -EEXIST, -ESRCH, or the kernel's error. */
int cni_rtnl_route(struct mnl_socket *nl, const struct cni_route *r, bool add);

/* 1 when a main-table route to R's dst/plen out of R's oif (and via R's gw
 * when set) exists, 0 when not, or a negative errno. */
int cni_rtnl_route_find(struct mnl_socket *nl, const struct cni_route *r);

#endif
