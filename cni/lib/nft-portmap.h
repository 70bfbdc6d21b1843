/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-portmap's published ports, through libnftables (nft.h's context),
 * in one table whose rules are made once and shared; an attachment only
 * adds and deletes map and set elements, each with its owner's comment
 * (cni_nft_owner()):
 *
 *   table inet netns-portmap {
 *     map dnat4    { ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }  hostIP set
 *     map dnat4any { inet_proto . inet_service : ipv4_addr . inet_service }              any local address
 *     map dnat6, dnat6any                                                                the same for IPv6
 *     set hairpin4 { ipv4_addr . ipv4_addr }   C . C: a container reaching its own port
 *     set hairpin6 { ipv6_addr . ipv6_addr }
 *     set local4   { ipv4_addr }               C: 127.0.0.0/8 to C is masqueraded
 *     chain prerouting  { nat prerouting dstnat:  fib daddr type local jump published }
 *     chain output      { nat output -100:        fib daddr type local jump published }
 *     chain published   { dnat ip to ip daddr . meta l4proto . th dport map @dnat4
 *                         dnat ip to meta l4proto . th dport map @dnat4any  (and ip6) }
 *     chain postrouting { nat postrouting srcnat:
 *                         ct status dnat ip saddr . ip daddr @hairpin4 masquerade
 *                         ct status dnat ip saddr 127.0.0.0/8 ip daddr @local4 masquerade
 *                         ct status dnat ip6 saddr . ip6 daddr @hairpin6 masquerade }
 *   }
 *
 * The reference's chains (CNI-HOSTPORT-DNAT, one CNI-DN-xxx per container,
 * CNI-HOSTPORT-SETMARK and -MASQ) as hash lookups: a packet costs the same
 * with one container or a thousand, an ADD or a DEL changes only its own
 * elements. A host port that another attachment publishes already is an
 * error on ADD (the kernel refuses a key with another value), where the
 * reference's rules would silently shadow one another. */
#ifndef NETNS_CNI_NFT_PORTMAP_H
#define NETNS_CNI_NFT_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nft.h"
#include "range.h"

/* One published port of one container address. */
struct cni_pm_port {
	struct rtnl_ip host;    /* hostIP; family 0: any local address */
	struct rtnl_ip cip;     /* the container's address, of host's family when set */
	uint8_t proto;         /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t hport, cport;
};

/* What one attachment owns. */
struct cni_pm {
	const char *owner;           /* cni_nft_owner() */
	const struct cni_pm_port *ports;
	size_t nports;
	const struct rtnl_ip *cips;   /* its addresses (at most one per family) */
	size_t ncips;
	bool snat;                   /* hairpin and 127.0.0.0/8 masqueraded */
};

/* The elements of PM, made (the table too the first time). An element
 * found with the same value but another owner is a dead attachment's (the
 * container address is exclusive): it is taken over in one transaction.
 * The elements go in one nfnetlink batch of our own when the table is
 * there (cni_nft_keys_add_fast()); libnftables is loaded only to make the
 * table, to name a conflict, or to take over. */
int cni_pm_add(const struct cni_pm *pm, char *msg, size_t len);
/* Removes PM's elements: those of its ports and addresses, each asked for
 * by key and deleted only when its comment is PM's owner; with no ports and
 * no addresses (a DEL without prevResult or runtimeConfig), every element
 * whose comment is the owner, from a listing. No table is success. It
 * loads libnftables only when it lists, or when the kernel refused the
 * by-key batch (cni_nft_keys_del_fast()). */
int cni_pm_del(const struct cni_pm *pm, char *msg, size_t len);
/* 1 when each of PM's elements is there as its owner's, 0 when one is not
 * (WHAT, LEN bytes, then names it), -1 with WHAT set to the error. */
int cni_pm_check(const struct cni_pm *pm, char *what, size_t len);
/* Removes the elements of network NAME whose owner is none of the NKEEP
 * strings KEEP (which it sorts). */
int cni_pm_gc(struct cni_nft *n, const char *name, const char **keep, size_t nkeep, char *msg,
	      size_t len);

#endif
