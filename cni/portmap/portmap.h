/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-portmap's parts: portmap.c, its commands on the skeleton;
 * portmap-conf.c reads its config (the fields, runtimeConfig.portMappings,
 * the container's addresses from prevResult) into what nft-portmap.h
 * publishes. */
#ifndef NETNS_CNI_PORTMAP_H
#define NETNS_CNI_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "../lib/cni.h"
#include "../lib/nft-portmap.h"

/* More mappings than a pod could mean: refused rather than half-made. */
#define PM_MAX_MAPPINGS 1024

struct pm_conf {
	bool snat;             /* default true */
	bool have_mappings;    /* runtimeConfig.portMappings was there (maybe empty) */
	bool have_prev;        /* prevResult was there */
	size_t nmappings;      /* entries of runtimeConfig.portMappings */
	struct rtnl_ip cips[2]; /* the container's first IPv4 and IPv6 addresses on IFNAME */
	size_t ncips;
	struct cni_pm_port *ports; /* each mapping for each address it applies to (malloc'ed) */
	size_t nports;
	const char *host_ifs[8];   /* prevResult's host-side interfaces (borrowed) */
	size_t nhost_ifs;
};

/* Reads CONFIG for an attachment on container interface IFNAME (NULL: any)
 * into C (zeroed by the caller; pm_conf_free() frees it, even after an
 * error). 0 or -1 with ERR set (7 for a bad field, 2 for one refused). */
int pm_conf_parse(json_t *config, const char *ifname, struct pm_conf *c, struct cni_err *err);
void pm_conf_free(struct pm_conf *c);

#endif
