/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-bridge's parts: bridge.c, its config and commands on the skeleton
 * (cni/lib/skel.h); bridge-links.c, ADD's bridge, veth, addresses and
 * routes in a few netlink batches. */
#ifndef NETNS_CNI_BRIDGE_H
#define NETNS_CNI_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "../lib/cni.h"
#include "../lib/skel.h"
#include "../lib/nft.h"
#include "../lib/iface.h"
#include "../lib/rtnl.h"

#define MAX_IPS CNI_IFACE_MAX_IPS

struct br {
	struct cni_call call;
	const char *name, *ipam_type;  /* ipam_type NULL: layer 2 only */
	const char *bridge;             /* "cni0" unless set */
	bool is_gw, is_default_gw, force_address, ip_masq, hairpin, isolated, enable_dad;
	unsigned mtu;
	json_t *dns;
	char host_if[16];
	char owner[CNI_NFT_OWNER_MAX];
	int nsfd;
};

/* An address of the IPAM result, with its gateway (computed as network+1
 * when isGateway and the result names none, as the reference's). */
struct br_addr {
	struct rtnl_ip ip, gw, net;
	unsigned plen;
	bool has_gw;
	const char *cidr;
};

/* What ADD made: the three interfaces' MACs. */
struct br_made {
	char br_mac[18], host_mac[18], ctr_mac[18];
	bool veth;      /* the pair exists (ADD's undo deletes it) */
};

struct mnl_socket;

/* ADD's links: the bridge (made when missing, shared), the veth pair with
 * its host end on the bridge, the container's addresses and ROUTES, and
 * when isGateway the gateways on the bridge. 0, or -1 with B->call.err. */
int br_links_setup(struct br *b, struct mnl_socket *hnl, struct mnl_socket *cnl, const struct br_addr *as,
		   size_t n, json_t *routes, struct br_made *m);

#endif
