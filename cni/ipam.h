/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ipam's parts: its commands (ipam-run.c), addresses and ranges
 * (range.c), the host-local store (store.c). */
#ifndef NETNS_CNI_IPAM_H
#define NETNS_CNI_IPAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
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
	struct cni_ip requested[CNI_IPAM_MAX_REQUESTED];
	size_t nrequested;
};

int cni_ip_parse(const char *s, struct cni_ip *ret);
/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address, as Go's
 * To4() reads it; any other address as it is. */
void cni_ip_unmap(struct cni_ip *ip);
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

/* Collects into C the addresses requested for ADD, as host-local does:
 * CNI_ARGS "IP=" (a comma-separated list; the last IP= wins), then CONF's
 * args.cni.ips, then runtimeConfig.ips (the "ips" capability); each an
 * address or "ADDR/PREFIX" (the prefix ignored), an IPv4-mapped IPv6
 * address as IPv4. 0, or -1 with ERR set (code 4 for a bad CNI_ARGS, 7 for
 * a bad config). */
int cni_ipam_requested_parse(json_t *conf, const char *cni_args, struct cni_ipam_conf *c,
			     struct cni_err *err);

/* The host-local store: DATADIR/NAME/, one file per address named by the
 * address and holding "ID\r\nIFNAME", last_reserved_ip.N per range set, and
 * "lock", flock()ed from cni_store_open() to cni_store_close(). An index of
 * it lives in CNI_IPAM_INDEX_DIR (store.c says how it stays true). */
#define CNI_IPAM_INDEX_DIR "/run/netns-ipam"
struct cni_store {
	int dirfd;
	int lockfd;
	int idxfd;        /* the index directory, or -1 */
	dev_t dev;        /* the store directory's */
	ino_t ino;
	bool indexed;     /* the index matches the store */
	bool changed;     /* we changed the store: close records it */
	long count;       /* allocations, while indexed */
	char refused[64]; /* the file the last failed write was to, or "" */
	char path[4096];
};
/* A store not opened yet, which cni_store_close() leaves alone. */
#define CNI_STORE_INIT { .dirfd = -1, .lockfd = -1, .idxfd = -1 }
/* Every file of the store is opened without following a symlink or
 * blocking, and only when it is a regular file: a symlink is -ELOOP,
 * another non-regular file (a FIFO, a device) -EMEDIUMTYPE, which an
 * address walk skips and a write reports. cni_store_strerror() says which
 * in words. */
const char *cni_store_strerror(int r);
/* Opens DATA_DIR/NAME (made if missing) and takes its lock. 0 or -errno. */
int cni_store_open(struct cni_store *s, const char *data_dir, const char *name);
/* Records the index and drops the lock. */
void cni_store_close(struct cni_store *s);
/* 1 when reserved, 0 when taken already, or a negative errno. */
int cni_store_reserve(struct cni_store *s, const char *id, const char *ifname,
		      const struct cni_ip *ip, size_t set);
int cni_store_last_reserved(struct cni_store *s, size_t set, struct cni_ip *ret);
/* Calls CB for each allocation (address, id, ifname; ifname "" for the
 * id-only files of host-local before 0.9); a negative value from CB stops
 * and is returned. */
typedef int (*cni_store_cb)(const char *ipname, const char *id, const char *ifname, void *data);
int cni_store_foreach(struct cni_store *s, cni_store_cb cb, void *data);
/* Calls CB for each allocation of ID on IFNAME, as host-local's GetByID
 * matches them ("ID\r\nIFNAME" or "ID" alone), through the index. */
int cni_store_owned(struct cni_store *s, const char *id, const char *ifname, cni_store_cb cb,
		    void *data);
/* Removes the allocation IPNAME that ID on IFNAME holds. 0 or -errno. */
int cni_store_release(struct cni_store *s, const char *ipname, const char *id, const char *ifname);
bool cni_store_has(struct cni_store *s, const struct cni_ip *ip);

/* Runs netns-ipam's command ENV->cmd (ADD, DEL, CHECK, GC, STATUS) in this
 * process, exactly as the netns-ipam executable would with ENV and CONFIG
 * (the whole parsed network config, as it would arrive on stdin; its
 * cniVersion, name, ipam object, args, runtimeConfig, prevResult).
 * Returns 0 and, for ADD, *RET = the IPAM result object in 1.0.0 form
 * (caller owns it; NULL for other commands), or -1 with ERR set as the
 * executable would print it. Never prints, never exits, leaves no fd open,
 * can be called several times in one process (ADD then DEL on rollback). */
int cni_ipam_run(const struct cni_env *env, json_t *config, json_t **ret, struct cni_err *err);

#endif
