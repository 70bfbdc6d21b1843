/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ptp's parts: ptp.c, its commands on the skeleton (cni/lib/skel.h);
 * ptp-links.c makes ADD's veth pair, addresses and routes in a few netlink
 * batches. */
#ifndef NETNS_CNI_PTP_H
#define NETNS_CNI_PTP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "../lib/cni.h"
#include "../lib/skel.h"
#include "../lib/nft.h"
#include "../lib/iface.h"
#include "../lib/rtnl.h"

#define MAX_IPS CNI_IFACE_MAX_IPS

struct ptp {
	struct cni_call call; /* the environment, the config (raw for the IPAM plugin) */
	const char *name, *ipam_type;
	bool ip_masq;
	unsigned mtu;
	json_t *dns;        /* borrowed from config, or NULL */
	char host_if[16];
	char owner[CNI_NFT_OWNER_MAX]; /* of its masquerade elements */
	int nsfd;
};

/* An address from a result, with its gateway. */
struct addr {
	struct rtnl_ip ip, gw, net;
	unsigned plen;
	bool has_gw;
	const char *cidr;
};

struct mnl_socket;

/* ADD's links, addresses and routes for the N addresses AS and the
 * result's ROUTES: both ends' MACs into HMAC and CMAC; *RET_VETH is set
 * once the pair exists (the caller's undo deletes it). 0, or -1 with
 * P->call.err set. */
int ptp_links_setup(struct ptp *p, struct mnl_socket *hnl, struct mnl_socket *cnl, const struct addr *as,
		    size_t n, json_t *routes, char hmac[18], char cmac[18], bool *ret_veth);

#endif
