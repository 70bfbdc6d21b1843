/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ptp's ipMasq rules, through libnftables, in a table of its own:
 *
 *   table inet netns-ptp {
 *     map masq4 { type ipv4_addr : verdict }    container address : jump c-HASH
 *     map masq6 { type ipv6_addr : verdict }
 *     chain postrouting { type nat hook postrouting priority srcnat
 *                         ip saddr vmap @masq4; ip6 saddr vmap @masq6 }
 *     chain c-HASH { ip daddr SUBNET accept; ip daddr != 224.0.0.0/4 masquerade }
 *   }
 *
 * one chain per container (HASH of network name and container id), as the
 * reference's CNI-HASH iptables chains, so that DEL removes exactly its own. */
#ifndef NETNS_CNI_NFT_H
#define NETNS_CNI_NFT_H

#include <stddef.h>
#include "ipam.h"

/* One masqueraded address and its subnet. */
struct cni_masq {
	struct cni_ip ip;
	struct cni_ip net;
	unsigned plen;
};

/* Adds the rules for container ID of network NAME. 0 or -1 with MSG (LEN
 * bytes) set to nft's error. */
int cni_nft_add(const char *name, const char *id, const struct cni_masq *m, size_t n,
		char *msg, size_t len);
/* Removes them; nothing there is success. */
int cni_nft_del(const char *name, const char *id, char *msg, size_t len);
/* Removes the rules of every container of network NAME whose id is not in
 * VALID (N ids). */
int cni_nft_gc(const char *name, const char *const *valid, size_t n, char *msg, size_t len);
/* 1 when container ID's chain exists, 0 when not, -1 on error. */
int cni_nft_exists(const char *name, const char *id, char *msg, size_t len);

#endif
