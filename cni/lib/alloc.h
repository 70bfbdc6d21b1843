/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The allocator (alloc.c), host-local's: which address of each range set an
 * attachment gets, on any store behind struct cni_store_ops. */
#ifndef NETNS_CNI_ALLOC_H
#define NETNS_CNI_ALLOC_H

#include "range.h"
#include "store.h"

/* One attachment's view of a store: its ranges, its owner. */
struct cni_alloc {
	const struct cni_store_ops *ops;
	void *store;                      /* OPS's own */
	const struct cni_ipam_conf *conf; /* the range sets, the addresses requested */
	const char *id, *ifname;          /* CNI_CONTAINERID, CNI_IFNAME */
	struct cni_err *err;              /* where a failure is said */
};

/* An address handed out, and the range it is from. */
struct cni_alloc_ip {
	struct rtnl_ip ip;
	const struct cni_range *range;
};

/* ADD: one address of each range set into RET[set] (conf->nsets of them):
 * the one requested for that set, else the next free one after the set's
 * last reserved address (from the first range's start when there is none
 * or it is in no range), moving on to the next range at a range's end,
 * wrapping, never the gateway; a set the attachment holds an address in
 * already is an error (the spec forbids a duplicate allocation). 0, or -1
 * with A->err set: 50 when a set has no free address, 5 when the store
 * failed, 999 (host-local's) for a requested address that is taken, is the
 * gateway, is in no set or shares one with another; nothing this call
 * reserved stays reserved then. */
int cni_alloc_add(const struct cni_alloc *a, struct cni_alloc_ip *ret);

/* Gives back the N addresses IPS an ADD reserved (and nothing the
 * attachment held before it). */
void cni_alloc_undo(const struct cni_alloc *a, const struct cni_alloc_ip *ips, size_t n);

/* DEL: releases every address of the attachment. 0, or -1 with A->err set. */
int cni_alloc_release(const struct cni_alloc *a);

/* CHECK: 0 when the attachment holds an address in each range set, or -1
 * with A->err set. */
int cni_alloc_check(const struct cni_alloc *a);

/* STATUS: 0 when each range set has a free address, or -1 with A->err set
 * (50 for the first set that has none). */
int cni_alloc_status(const struct cni_alloc *a);

#endif
