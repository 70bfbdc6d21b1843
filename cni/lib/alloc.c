/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The allocator of host-local (plugins/ipam/host-local/backend/allocator):
 * ADD hands out the next free address of each range set after the last one
 * reserved (wrapping, skipping the gateway), or the address requested for
 * that set; DEL releases by container id and interface; CHECK finds the
 * allocation; STATUS reports an exhausted range set (code 50). It reaches
 * the store only through struct cni_store_ops, so that it is tested on a
 * double in memory (tests/unit/cni-alloc.c) as host-local's is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

typedef int (*try_fn)(const struct cni_alloc *a, size_t set, const struct rtnl_ip *ip,
		      const struct cni_range *rg, void *data);

/* Walks range set SET from after the last reserved address, as
 * host-local's RangeIter: each range from rangeStart to rangeEnd, moving to
 * the next range (wrapping) at the end, until back where it began. Calls
 * TRY for each candidate that is not the gateway; stops when TRY returns
 * non-zero and returns that. */
static int set_walk(const struct cni_alloc *a, size_t set, try_fn try, void *data)
{
	const struct cni_rangeset *rs = &a->conf->sets[set];
	struct rtnl_ip cur, start, last;
	size_t idx = 0, i;
	bool have_cur = false, have_start = false;
	int r;

	if (a->ops->last_reserved(a->store, set, &last) == 0)
		for (i = 0; i < rs->n; i++)
			if (cni_range_contains(&rs->r[i], &last)) {
				idx = i;
				cur = last;
				have_cur = true;
				break;
			}
	for (;;) {
		const struct cni_range *rg = &rs->r[idx];
		if (!have_cur) {
			cur = rg->start;
			have_cur = true;
			start = cur;
			have_start = true;
		} else {
			if (cni_ip_equal(&cur, &rg->end)) {
				idx = (idx + 1) % rs->n;
				rg = &rs->r[idx];
				cur = rg->start;
			} else {
				cni_ip_next(&cur);
			}
			if (!have_start) {
				start = cur;
				have_start = true;
			} else if (cni_ip_equal(&cur, &start)) {
				return 0;
			}
		}
		if (cni_ip_equal(&cur, &rg->gateway))
			continue;
		r = try(a, set, &cur, rg, data);
		if (r)
			return r;
	}
}

static int try_reserve(const struct cni_alloc *a, size_t set, const struct rtnl_ip *ip,
		       const struct cni_range *rg, void *data)
{
	struct cni_alloc_ip *got = data;
	int r = a->ops->reserve(a->store, a->id, a->ifname, ip, set);

	if (r > 0) {
		got->ip = *ip;
		got->range = rg;
	}
	return r;
}

static int try_free(const struct cni_alloc *a, size_t set, const struct rtnl_ip *ip,
		    const struct cni_range *rg, void *data)
{
	(void)set, (void)rg, (void)data;
	return a->ops->has(a->store, ip) ? 0 : 1;
}

static void set_describe(const struct cni_rangeset *rs, char *buf, size_t len)
{
	size_t i, off = 0;
	char x[64], y[64];

	buf[0] = '\0';
	for (i = 0; i < rs->n && off < len; i++) {
		cni_ip_format(&rs->r[i].start, x, sizeof(x));
		cni_ip_format(&rs->r[i].end, y, sizeof(y));
		off += (size_t)snprintf(buf + off, len - off, "%s%s-%s", i ? "," : "", x, y);
	}
}

static bool set_has(const struct cni_rangeset *rs, const struct rtnl_ip *ip)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (cni_range_contains(&rs->r[i], ip))
			return true;
	return false;
}

/* Which range set holds IPNAME (an address as a file name), or -1. A
 * name such as ::ffff:10.1.0.4 is the IPv4 address, as host-local's
 * RangeFor() canonicalizes it: its duplicate check counts such a file,
 * and its DEL deletes it. */
static long set_of(const struct cni_alloc *a, const char *ipname)
{
	struct rtnl_ip ip;
	size_t i;

	if (cni_ip_parse(ipname, &ip) < 0)
		return -1;
	cni_ip_unmap(&ip);
	for (i = 0; i < a->conf->nsets; i++)
		if (set_has(&a->conf->sets[i], &ip))
			return (long)i;
	return -1;
}

struct owned {
	const struct cni_alloc *a;
	long set;      /* -1: any */
	char ipname[64];
	size_t found;
	bool release;
	int err;
};

static int find_owned(const char *ipname, const char *id, const char *ifname, void *data)
{
	struct owned *o = data;
	const struct cni_alloc *a = o->a;
	int r;

	if (o->set >= 0 && set_of(a, ipname) != o->set)
		return 0;
	o->found++;
	snprintf(o->ipname, sizeof(o->ipname), "%s", ipname);
	if (o->release) {
		r = a->ops->release(a->store, ipname, id, ifname);
		if (r < 0 && !o->err)
			o->err = r;
	}
	return 0;
}

/* Which range set each requested address goes to: WANT[set] is an index
 * into conf->requested, or -1. Host-local takes one per range set and fails
 * when one is left over; we say which, before anything is reserved. */
static int requested_assign(const struct cni_alloc *a, long *want)
{
	const struct cni_ipam_conf *c = a->conf;
	char x[64], y[64];
	size_t i, set;

	for (set = 0; set < c->nsets; set++)
		want[set] = -1;
	for (i = 0; i < c->nrequested; i++) {
		cni_ip_format(&c->requested[i], x, sizeof(x));
		for (set = 0; set < c->nsets && !set_has(&c->sets[set], &c->requested[i]); set++)
			;
		if (set == c->nsets)
			return cni_fail(a->err, CNI_ERR_GENERIC,
					"failed to allocate all requested IPs: %s is in no range set of ipam.ranges", x);
		if (want[set] >= 0) {
			cni_ip_format(&c->requested[want[set]], y, sizeof(y));
			return cni_fail(a->err, CNI_ERR_GENERIC,
					"failed to allocate all requested IPs: %s and %s are both in range set %zu (one address per range set)",
					y, x, set);
		}
		want[set] = (long)i;
	}
	return 0;
}

/* Reserves the requested address IP in range set SET. */
static int add_requested(const struct cni_alloc *a, size_t set, const struct rtnl_ip *ip,
			 struct cni_alloc_ip *got)
{
	const struct cni_rangeset *rs = &a->conf->sets[set];
	char ipbuf[64], desc[512];
	size_t i;
	int r;

	cni_ip_format(ip, ipbuf, sizeof(ipbuf));
	for (i = 0; i < rs->n && !cni_range_contains(&rs->r[i], ip); i++)
		;
	if (cni_ip_equal(ip, &rs->r[i].gateway))
		return cni_fail(a->err, CNI_ERR_GENERIC,
				"failed to allocate for range %zu: requested ip %s is subnet's gateway", set, ipbuf);
	r = a->ops->reserve(a->store, a->id, a->ifname, ip, set);
	if (r < 0)
		return a->ops->fail(a->store, r, "cannot write to", a->err);
	if (r == 0) {
		set_describe(rs, desc, sizeof(desc));
		return cni_fail(a->err, CNI_ERR_GENERIC,
				"failed to allocate for range %zu: requested IP address %s is not available in range set %s",
				set, ipbuf, desc);
	}
	got->ip = *ip;
	got->range = &rs->r[i];
	return 0;
}

/* Reserves the next free address of range set SET, unless the attachment
 * holds one there already. */
static int add_next(const struct cni_alloc *a, size_t set, struct cni_alloc_ip *got)
{
	struct owned o = { .a = a, .set = (long)set };
	char desc[512];
	int r;

	r = a->ops->owned(a->store, a->id, a->ifname, find_owned, &o);
	if (r < 0)
		return a->ops->fail(a->store, r, "cannot read", a->err);
	if (o.found) {
		struct rtnl_ip ip;
		char name[64];
		/* The address as host-local names it (IPv4 for a mapped file name). */
		snprintf(name, sizeof(name), "%s", o.ipname);
		if (cni_ip_parse(o.ipname, &ip) == 0) {
			cni_ip_unmap(&ip);
			cni_ip_format(&ip, name, sizeof(name));
		}
		return cni_fail(a->err, CNI_ERR_GENERIC,
				"failed to allocate for range %zu: %s has been allocated to %s, duplicate allocation is not allowed",
				set, name, a->id);
	}
	r = set_walk(a, set, try_reserve, got);
	if (r < 0)
		return a->ops->fail(a->store, r, "cannot write to", a->err);
	if (r == 0) {
		set_describe(&a->conf->sets[set], desc, sizeof(desc));
		return cni_fail(a->err, CNI_ERR_UNAVAILABLE,
				"failed to allocate for range %zu: no IP addresses available in range set: %s",
				set, desc);
	}
	return 0;
}

int cni_alloc_add(const struct cni_alloc *a, struct cni_alloc_ip *ret)
{
	long *want = calloc(a->conf->nsets ? a->conf->nsets : 1, sizeof(*want));
	size_t set;
	int r = -1;

	if (!want)
		return cni_fail(a->err, CNI_ERR_GENERIC, "out of memory");
	if (requested_assign(a, want) < 0)
		goto out;
	for (set = 0; set < a->conf->nsets; set++) {
		r = want[set] >= 0 ? add_requested(a, set, &a->conf->requested[want[set]], &ret[set])
				   : add_next(a, set, &ret[set]);
		if (r < 0)
			break;
	}
	if (r < 0)
		cni_alloc_undo(a, ret, set);
out:
	free(want);
	return r < 0 ? -1 : 0;
}

void cni_alloc_undo(const struct cni_alloc *a, const struct cni_alloc_ip *ips, size_t n)
{
	char ipname[64];
	size_t i;

	for (i = 0; i < n; i++) {
		cni_ip_format(&ips[i].ip, ipname, sizeof(ipname));
		a->ops->release(a->store, ipname, a->id, a->ifname);
	}
}

int cni_alloc_release(const struct cni_alloc *a)
{
	struct owned o = { .a = a, .set = -1, .release = true };
	int r = a->ops->owned(a->store, a->id, a->ifname, find_owned, &o);

	if (r == 0)
		r = o.err;
	return r < 0 ? a->ops->fail(a->store, r, "cannot release in", a->err) : 0;
}

int cni_alloc_check(const struct cni_alloc *a)
{
	size_t set;
	int r;

	for (set = 0; set < a->conf->nsets; set++) {
		struct owned o = { .a = a, .set = (long)set };
		r = a->ops->owned(a->store, a->id, a->ifname, find_owned, &o);
		if (r < 0)
			return a->ops->fail(a->store, r, "cannot read", a->err);
		if (!o.found)
			return cni_fail(a->err, CNI_ERR_GENERIC,
					"netns-ipam: failed to find an address of range set %zu added by container %s, interface %s",
					set, a->id, a->ifname);
	}
	return 0;
}

int cni_alloc_status(const struct cni_alloc *a)
{
	char desc[512];
	size_t set;

	for (set = 0; set < a->conf->nsets; set++)
		if (set_walk(a, set, try_free, NULL) == 0) {
			set_describe(&a->conf->sets[set], desc, sizeof(desc));
			return cni_fail(a->err, CNI_ERR_UNAVAILABLE,
					"no IP addresses available in range set %zu: %s", set, desc);
		}
	return 0;
}
