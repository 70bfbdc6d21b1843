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

/* Calls CB for every link that has an alias, with its name and alias. */
typedef int (*cni_rtnl_alias_cb)(const char *ifname, const char *alias, void *data);
int cni_rtnl_link_aliases(struct mnl_socket *nl, cni_rtnl_alias_cb cb, void *data);

/* Waits (at most TIMEOUT_MS) until no IPv6 address of link INDEX is
 * tentative, as the reference's ip.SettleAddresses: a route whose source is
 * a tentative address is refused. -ETIMEDOUT; -EADDRINUSE: DAD failed. */
int cni_rtnl_settle(struct mnl_socket *nl, int index, int timeout_ms);

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
