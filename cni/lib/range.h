/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses, ranges and the IPAM config (range.c): the "ipam" object of a
 * network config as host-local reads it, and the addresses requested for
 * ADD. */
#ifndef NETNS_CNI_RANGE_H
#define NETNS_CNI_RANGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "cni.h"
#include "rtnl/rtnl.h"

/* Addresses are the tree's one type, struct rtnl_ip (rtnl/rtnl.h): IPv4 in
 * the first 4 bytes. A range keeps its prefix beside its addresses. */

struct cni_range {
	struct rtnl_ip subnet; /* the network address */
	unsigned prefix;
	struct rtnl_ip start, end, gateway;
};

struct cni_rangeset {
	struct cni_range *r;
	size_t n;
};

#define CNI_IPAM_MAX_REQUESTED 32

struct cni_ipam_conf {
	const char *name;    /* the network's */
	const char *data_dir;
	const char *resolv_conf;
	json_t *routes;      /* borrowed: [{dst, gw}] or NULL */
	struct cni_rangeset *sets;
	size_t nsets;
	/* Addresses requested for ADD, each once, in the order host-local
	 * reads them (cni_ipam_requested_parse). */
	struct rtnl_ip requested[CNI_IPAM_MAX_REQUESTED];
	size_t nrequested;
};

/* Parses a bare address (no "/"): its prefix is the host's, 32 or 128. */
int cni_ip_parse(const char *s, struct rtnl_ip *ret);
/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address, as Go's
 * To4() reads it; any other address as it is. */
void cni_ip_unmap(struct rtnl_ip *ip);
/* "a.a.c.d" or RFC 5952 form, as Go's net.IP.String() names store files. */
void cni_ip_format(const struct rtnl_ip *ip, char *buf, size_t len);
int cni_ip_cmp(const struct rtnl_ip *a, const struct rtnl_ip *b);
bool cni_ip_equal(const struct rtnl_ip *a, const struct rtnl_ip *b);
void cni_ip_next(struct rtnl_ip *ip);
/* Clears IP's bits past PREFIX: the network IP/PREFIX is in. */
void cni_ip_network(struct rtnl_ip *ip, unsigned prefix);
/* Parses "ADDR/PREFIX"; RET_IP gets ADDR as written, with PREFIX in its
 * prefix and in *RET_PREFIX. */
int cni_cidr_parse(const char *s, struct rtnl_ip *ret_ip, unsigned *ret_prefix);
bool cni_range_contains(const struct cni_range *r, const struct rtnl_ip *ip);

/* Parses the "ipam" object of CONF into C (which borrows CONF's strings).
 * 0, or -1 with ERR set (code 7). cni_ipam_conf_free() frees it. */
int cni_ipam_conf_parse(json_t *conf, struct cni_ipam_conf *c, struct cni_err *err);
void cni_ipam_conf_free(struct cni_ipam_conf *c);

/* Collects into C the addresses requested for ADD, as host-local does:
 * CNI_ARGS "IP=" (a comma-separated list; the last IP= wins), then CONF's
 * args.cni.ips, then runtimeConfig.ips (the "ips" capability); each an
 * address or "ADDR/PREFIX" (the prefix ignored), an IPv4-mapped IPv6
 * address as IPv4. 0, or -1 with ERR set (code 4 for a bad CNI_ARGS, 7 for
 * a bad config). */
int cni_ipam_requested_parse(json_t *conf, const char *cni_args, struct cni_ipam_conf *c,
			     struct cni_err *err);

#endif
