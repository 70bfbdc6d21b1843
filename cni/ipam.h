/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ipam's parts: addresses and ranges (range.c), the host-local store
 * (store.c). */
#ifndef NETNS_CNI_IPAM_H
#define NETNS_CNI_IPAM_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "cni.h"

/* An IPv4 or IPv6 address; IPv4 in the first 4 bytes. */
struct cni_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t b[16];
};

struct cni_range {
	struct cni_ip subnet; /* the network address */
	unsigned prefix;
	struct cni_ip start, end, gateway;
};

struct cni_rangeset {
	struct cni_range *r;
	size_t n;
};

struct cni_ipam_conf {
	const char *name;    /* the network's */
	const char *data_dir;
	const char *resolv_conf;
	json_t *routes;      /* borrowed: [{dst, gw}] or NULL */
	struct cni_rangeset *sets;
	size_t nsets;
};

int cni_ip_parse(const char *s, struct cni_ip *ret);
/* "a.b.c.d" or RFC 5952 form, as Go's net.IP.String() names store files. */
void cni_ip_format(const struct cni_ip *ip, char *buf, size_t len);
int cni_ip_cmp(const struct cni_ip *a, const struct cni_ip *b);
bool cni_ip_equal(const struct cni_ip *a, const struct cni_ip *b);
void cni_ip_next(struct cni_ip *ip);
/* Parses "ADDR/PREFIX"; RET_NET gets ADDR as written. */
int cni_cidr_parse(const char *s, struct cni_ip *ret_ip, unsigned *ret_prefix);
bool cni_range_contains(const struct cni_range *r, const struct cni_ip *ip);

/* Parses the "ipam" object of CONF into C (which borrows CONF's strings).
 * 0, or -1 with ERR set (code 7). cni_ipam_conf_free() frees it. */
int cni_ipam_conf_parse(json_t *conf, struct cni_ipam_conf *c, struct cni_err *err);
void cni_ipam_conf_free(struct cni_ipam_conf *c);

/* The host-local store: DATADIR/NAME/, one file per address named by the
 * address and holding "ID\r\nIFNAME", last_reserved_ip.N per range set, and
 * "lock", flock()ed around every change. */
struct cni_store {
	int dirfd;
	int lockfd;
	char path[4096];
};
int cni_store_open(struct cni_store *s, const char *data_dir, const char *name);
void cni_store_close(struct cni_store *s);
/* 1 when reserved, 0 when taken already, or a negative errno. */
int cni_store_reserve(struct cni_store *s, const char *id, const char *ifname,
		      const struct cni_ip *ip, size_t set);
int cni_store_last_reserved(struct cni_store *s, size_t set, struct cni_ip *ret);
/* Calls CB for each allocation (address, id, ifname). */
typedef int (*cni_store_cb)(const char *ipname, const char *id, const char *ifname, void *data);
int cni_store_foreach(struct cni_store *s, cni_store_cb cb, void *data);
int cni_store_release(struct cni_store *s, const char *ipname);
bool cni_store_has(struct cni_store *s, const struct cni_ip *ip);

#endif
