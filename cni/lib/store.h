/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host-local store on disk (store.c), and the interface the allocator
 * (alloc.h) reaches a store through, so that it runs on a test double too. */
#ifndef NETNS_CNI_STORE_H
#define NETNS_CNI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "range.h"

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
		      const struct rtnl_ip *ip, size_t set);
int cni_store_last_reserved(struct cni_store *s, size_t set, struct rtnl_ip *ret);
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
bool cni_store_has(struct cni_store *s, const struct rtnl_ip *ip);
/* Sets ERR (code 5) for error R of S, naming the file it was about:
 * "WHAT DIR[/FILE]: REASON". Returns -1. */
int cni_store_fail(const struct cni_store *s, int r, const char *what, struct cni_err *err);

/* What the allocator (alloc.h) needs of a store, each operation as the
 * cni_store_* function of the same name does it, on STORE, the
 * implementation's own: cni_store_disk_ops on a struct cni_store, or a
 * test double. */
struct cni_store_ops {
	int (*reserve)(void *store, const char *id, const char *ifname, const struct rtnl_ip *ip,
		       size_t set);
	int (*last_reserved)(void *store, size_t set, struct rtnl_ip *ret);
	bool (*has)(void *store, const struct rtnl_ip *ip);
	int (*release)(void *store, const char *ipname, const char *id, const char *ifname);
	int (*owned)(void *store, const char *id, const char *ifname, cni_store_cb cb, void *data);
	int (*fail)(void *store, int r, const char *what, struct cni_err *err);
};
extern const struct cni_store_ops cni_store_disk_ops;

#endif
