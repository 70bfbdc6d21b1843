/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the interface plugins (netns-ptp, netns-bridge) share (iface.c): the
 * host end of an attachment's veth (its name; its alias, which marks the
 * link as the attachment's for GC and lists its addresses for DEL's
 * masquerade elements; GC's scan of those aliases), IP forwarding, the
 * ipMasqBackend field and the result's DNS. */
#ifndef NETNS_CNI_IFACE_H
#define NETNS_CNI_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cni.h"
#include "nft.h"

/* The most addresses an attachment has. */
#define CNI_IFACE_MAX_IPS 8

/* The host end of attachment (ID, IFNAME): "veth" and 8 hex digits of their
 * hash, the same however often it is asked. */
void cni_hostveth_name(const char *id, const char *ifname, char buf[16]);

/* The alias "PLUGIN NAME ID IFNAME CIDR..." (the N CIDRS; none when they
 * do not all fit in 256 bytes). */
void cni_hostveth_alias(const char *plugin, const char *name, const char *id, const char *ifname,
			const char *const *cidrs, size_t n, char alias[256]);

/* The addresses the alias of HOST_IF lists, if it is attachment (NAME, ID,
 * IFNAME)'s of PLUGIN, as masquerade elements (at most MAX); 0 when there
 * is no such alias (the host end went with the namespace) or it lists
 * none. */
size_t cni_hostveth_masq(const char *plugin, const char *name, const char *id, const char *ifname,
			 const char *host_if, struct cni_masq *mq, size_t max);

/* Deletes the host ends of network NAME of PLUGIN that no attachment of
 * VALID (GC's cni.dev/valid-attachments) owns, and those a killed DEL
 * retired. 0, or -1 with ERR set. */
int cni_hostveth_gc(const char *plugin, const char *name, json_t *valid, struct cni_err *err);

/* Turns on forwarding for FAMILY (AF_INET, AF_INET6) in the caller's
 * namespace, as the reference plugins' ip.EnableForward does. 0, or -1 with
 * ERR set. */
int cni_forwarding_on(int family, struct cni_err *err);

/* An interface plugin's commands around its veth, the same for each (C: the
 * call; PLUGIN: "netns-ptp" or "netns-bridge", its alias's first word;
 * IPAM_TYPE: the IPAM plugin, NULL for none; OWNER: cni_nft_owner()'s).
 * Each returns 0, or -1 with C->err set. */
struct cni_call;
struct mnl_socket;
/* DEL: the masquerade elements (found from the host end's alias, else by
 * OWNER), the IPAM allocation, the veth (retired, cni_veth_retire()); every
 * step runs whatever the others did, so that a DEL retried after a partial
 * failure finishes the job; the first error is reported. */
int cni_iface_del(struct cni_call *c, const char *plugin, const char *host_if, const char *owner,
		  bool ip_masq, const char *ipam_type);
/* GC: cni.dev/valid-attachments checked, the IPAM plugin's GC first (the
 * spec has a delegating plugin pass it on), then cni_hostveth_gc(). */
int cni_iface_gc(struct cni_call *c, const char *plugin, const char *ipam_type);
/* CHECK: each route of PREV (a prevResult) out of link OIF of CNL. */
int cni_iface_check_routes(struct cni_call *c, struct mnl_socket *cnl, int oif, json_t *prev);
/* CHECK: OWNER's N masquerade elements MQ are there. */
int cni_iface_check_masq(struct cni_call *c, const char *owner, const struct cni_masq *mq, size_t n);

/* Checks ipMasqBackend, which the reference plugins take as "iptables" or
 * "nftables": PLUGIN masquerades through nftables only, so "iptables" with
 * IP_MASQ on is refused where it would matter (ADD makes the rules, CHECK
 * looks for them) rather than silently ignored; DEL, GC and STATUS go on
 * (DEL still removes what an ADD made). 0, or -1 with C->err set. */
int cni_masq_backend_check(struct cni_call *c, const char *plugin, bool ip_masq);

/* The result's dns, as the reference plugins': the config's CONF_DNS when
 * it sets any field (their dnsConfSet(): nameservers, search or options
 * present, even empty, or a domain), else the IPAM plugin's IPAM_DNS (from
 * its resolvConf); each of the spec's four fields only when not empty.
 * A new object. */
json_t *cni_dns_result(json_t *conf_dns, json_t *ipam_dns);

#endif
