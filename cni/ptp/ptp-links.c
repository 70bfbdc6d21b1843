/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ptp ADD: the veth pair (its container end born in the container's
 * namespace), the addresses and the routes the reference ptp sets, in a few
 * netlink batches (rtnl/rtnl.h) rather than a request and an answer each. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "netns.h"
#include "ptp.h"

static const struct addr *gw_of(const struct addr *as, size_t n, int family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (as[i].ip.family == family && as[i].has_gw)
			return &as[i];
	return NULL;
}

/* Forwarding for each family the addresses AS hold (IPv6 only when one is
 * IPv6, as the reference's). */
static int forwarding_setup(struct ptp *p, const struct addr *as, size_t n)
{
	bool v4 = false, v6 = false;
	size_t i;

	for (i = 0; i < n; i++) {
		v4 |= as[i].ip.family == AF_INET;
		v6 |= as[i].ip.family == AF_INET6;
	}
	if (v4 && cni_forwarding_on(AF_INET, &p->call.err) < 0)
		return -1;
	if (v6 && cni_forwarding_on(AF_INET6, &p->call.err) < 0)
		return -1;
	return 0;
}

/* IP with prefix length PREFIX: a route's destination. */
static struct rtnl_ip prefixed(struct rtnl_ip ip, unsigned prefix)
{
	ip.prefix = prefix;
	return ip;
}

static unsigned host_prefix(const struct rtnl_ip *ip)
{
	return ip->family == AF_INET ? 32 : 128;
}

/* One of the container's routes, with what its error calls it (NULL: its
 * error does not matter). */
struct croute {
	struct rtnl_route rt;
	struct rtnl_ip gw;  /* rt.gw of a result route points here */
	const char *what;
	bool add;
	int slot;           /* in the batch that carried it */
};

/* The container's routes as the reference ptp sets them, into *RET (the
 * caller frees it) and *RET_N: the kernel's subnet route replaced by GW/32
 * scope link and SUBNET via GW, both with the address as source, and the
 * result's routes, each via its own gw or else its family's gateway.
 * In this order: GW/32 first (so that a gateway outside the subnet is
 * reachable), then the result's routes while the kernel's subnet route is
 * still there, as the reference's ipam.ConfigureIface adds them (a route
 * whose gw is another address of the subnet, host-local's README's
 * "192.168.0.0/16 gw 10.10.5.1", needs it: without it that gw is
 * unreachable, ENETUNREACH), then the subnet route's replacement. */
static int container_routes(struct ptp *p, int ifindex, const struct addr *as, size_t n, json_t *routes,
			    struct croute **ret, size_t *ret_n)
{
	struct croute *cr = calloc(3 * n + json_array_size(routes) + 1, sizeof(*cr));
	size_t i, k = 0;
	json_t *rt;

	if (!cr)
		return cni_fail(&p->call.err, CNI_ERR_GENERIC, "out of memory");
	*ret = cr;
	for (i = 0; i < n; i++) {
		const struct addr *a = &as[i];
		if (!a->has_gw)
			return cni_fail(&p->call.err, CNI_ERR_CONFIG, "address %s has no gateway: netns-ptp routes through one", a->cidr);
		cr[k++] = (struct croute){ .rt = { .dst = prefixed(a->gw, host_prefix(&a->gw)), .src = &a->ip,
						   .oif = ifindex, .scope = RT_SCOPE_LINK },
					   .what = "to the gateway", .add = true };
	}
	json_array_foreach(routes, i, rt) {
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		const char *gws = json_string_value(json_object_get(rt, "gw"));
		struct croute *c = &cr[k];
		const struct addr *def;
		unsigned plen;
		*c = (struct croute){ .rt = { .oif = ifindex, .scope = RT_SCOPE_UNIVERSE }, .what = dst, .add = true };
		if (!dst || cni_cidr_parse(dst, &c->rt.dst, &plen) < 0)
			return cni_fail(&p->call.err, CNI_ERR_DECODE, "a result route has no valid dst");
		if (gws) {
			if (cni_ip_parse(gws, &c->gw) < 0 || c->gw.family != c->rt.dst.family)
				return cni_fail(&p->call.err, CNI_ERR_DECODE, "route %s: bad gw %s", dst, gws);
		} else {
			def = gw_of(as, n, c->rt.dst.family);
			if (!def)
				return cni_fail(&p->call.err, CNI_ERR_CONFIG, "route %s: no gateway of its family", dst);
			c->gw = def->gw;
		}
		c->rt.gw = &c->gw;
		k++;
	}
	for (i = 0; i < n; i++) {
		const struct addr *a = &as[i];
		struct rtnl_ip net = prefixed(a->net, a->plen);
		cr[k++] = (struct croute){ .rt = { .dst = net, .oif = ifindex } };
		if (a->plen < host_prefix(&a->ip))
			cr[k++] = (struct croute){ .rt = { .dst = net, .gw = &a->gw, .src = &a->ip, .oif = ifindex,
							   .scope = RT_SCOPE_UNIVERSE },
						   .what = a->cidr, .add = true };
	}
	*ret_n = k;
	return 0;
}

/* Appends routes *I.. of CR to B while there is room. */
static void routes_put(struct rtnl_batch *b, struct croute *cr, size_t n, size_t *i)
{
	for (; *i < n; (*i)++) {
		cr[*i].slot = cni_batch_route(b, &cr[*i].rt, cr[*i].add);
		if (cr[*i].slot < 0)
			return;
	}
}

/* The first error among routes FROM..TO of CR, which batch B carried
 * (EEXIST is fine: the reference's RouteAdd of what is there). */
static int routes_check(struct ptp *p, const struct rtnl_batch *b, const struct croute *cr, size_t from,
			size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		int r = b->err[cr[i].slot];
		if (!cr[i].what || r == 0 || r == -EEXIST)
			continue;
		return cni_fail(&p->call.err, CNI_ERR_GENERIC, "container: cannot add the route %s: %s", cr[i].what,
				strerror(-r));
	}
	return 0;
}

/* Adds routes *I.. of CR through NL, as many batches as they take, in B. */
static int routes_send(struct ptp *p, struct mnl_socket *nl, struct rtnl_batch *b, struct croute *cr, size_t n,
		       size_t *i)
{
	size_t from;
	int r;

	while (*i < n) {
		rtnl_batch_stop(b);
		r = rtnl_batch_start(b);
		from = *i;
		if (r == 0) {
			routes_put(b, cr, n, i);
			r = rtnl_batch_run(nl, b, NULL, NULL);
		}
		if (r < 0)
			return cni_fail(&p->call.err, CNI_ERR_GENERIC, "rtnetlink: %s", strerror(-r));
		if (routes_check(p, b, cr, from, *i) < 0)
			return -1;
	}
	return 0;
}

/* The host routes to the container's addresses, into batch B (which has
 * room for them: see links_setup()). */
static void host_routes(struct rtnl_batch *b, int ifindex, const struct addr *as, size_t n, int *slots)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct rtnl_route h = { .dst = prefixed(as[i].ip, host_prefix(&as[i].ip)), .oif = ifindex,
					.scope = RT_SCOPE_HOST };
		slots[i] = cni_batch_route(b, &h, true);
	}
}

static int host_routes_check(struct ptp *p, const struct rtnl_batch *b, const struct addr *as, size_t n,
			     const int *slots)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int r = b->err[slots[i]];
		if (r == -EEXIST)
			return cni_fail(&p->call.err, CNI_ERR_GENERIC,
					"host: a route to %s exists already: is the address another container's?",
					as[i].cidr);
		if (r < 0)
			return cni_fail(&p->call.err, CNI_ERR_GENERIC, "host: cannot add the route %s: %s", as[i].cidr,
					strerror(-r));
	}
	return 0;
}

static int veth_fail(struct ptp *p, int r, const char *m)
{
	return cni_fail(&p->call.err, CNI_ERR_GENERIC, "cannot create the veth pair %s / %s: %s%s%s", p->host_if,
			p->call.env.ifname, r == -EEXIST ? "an interface of that name exists" : strerror(-r),
			m && *m ? ": " : "", m && *m ? m : "");
}

static int rtnl_fail(struct ptp *p, int r)
{
	return cni_fail(&p->call.err, CNI_ERR_GENERIC, "rtnetlink: %s", strerror(-r));
}

/* The alias of the host end (cni_hostveth_alias()): marks it as this
 * attachment's, for GC, and lists the addresses, for DEL's masquerade
 * elements. */
static void alias_make(struct ptp *p, const struct addr *as, size_t n, char alias[256])
{
	const char *cidrs[MAX_IPS];
	size_t i;

	for (i = 0; i < n; i++)
		cidrs[i] = as[i].cidr;
	cni_hostveth_alias("netns-ptp", p->name, p->call.env.containerid, p->call.env.ifname, cidrs, n, alias);
}

/* 1. The pair (the host end down, so that its alias is set before it goes
 * up: see below), and the host end's index, MAC and peer. */
static int veth_make(struct ptp *p, struct mnl_socket *hnl, struct rtnl_batch *b, struct cni_rtnl_link *links,
		     bool *ret_veth)
{
	/* Both ends without a queue (the kernel's default is 1000), as the
	 * reference's: its netlink library sends the LinkAttrs' zero TxQLen
	 * for the veth and its peer. */
	struct rtnl_link host = { .ifname = p->host_if, .mtu = p->mtu, .set_txqlen = true };
	struct rtnl_link peer = { .ifname = p->call.env.ifname, .mtu = p->mtu, .set_txqlen = true,
				  .in_netns = true, .netns_fd = p->nsfd };
	struct nlmsghdr *nlh;
	int r;

	r = rtnl_batch_start(b);
	if (r == 0) {
		nlh = rtnl_batch_msg(b);
		r = rtnl_batch_add(b, rtnl_veth_new_msg(nlh, RTNL_BATCH_LIMIT, &host, &peer));
	}
	if (r >= 0)
		r = cni_batch_getlink(b, &(struct rtnl_link){ .ifname = p->host_if });
	if (r >= 0)
		r = rtnl_batch_run(hnl, b, cni_rtnl_link_slot_cb, links);
	if (r < 0)
		return rtnl_fail(p, r);
	if (b->err[0] < 0)
		return veth_fail(p, b->err[0], b->msg[0]);
	*ret_veth = true;
	if (b->err[1] < 0 || !links[1].index)
		return rtnl_fail(p, b->err[1] < 0 ? b->err[1] : -ENODEV);
	return 0;
}

/*
 * The links, addresses and routes of ADD in four messages (three without
 * IPv6), each a batch of requests answered in order (rtnl/batch.c):
 *   host:      the veth pair (the host end down); the host end's index and
 *              MAC (and, IFLA_LINK, the container end's index)
 *   container: its end up; its MAC; its addresses [; its routes]
 *   host:      the gateway addresses; the alias; the host end up [; the
 *              host routes]
 *   (IPv6: both ends past DAD, then the container's routes, then the host's)
 * instead of a request and an answer each (14 with one IPv4 address). The
 * alias goes on while the host end is down: on a link that is up, the
 * kernel announces the change (netdev_state_change(), NETDEV_CHANGE) and
 * IPv6 walks its route tables for it (__fib6_clean_all, 38% of an ADD's
 * samples with 1,000 attachments: issue 20); the kernel takes no alias in
 * the request that makes the link. Errors are reported in the order the
 * steps had one by one; what a failed step's followers did goes with the
 * veth in ADD's undo.
 */
int ptp_links_setup(struct ptp *p, struct mnl_socket *hnl, struct mnl_socket *cnl, const struct addr *as,
		       size_t n, json_t *routes, char hmac[18], char cmac[18], bool *ret_veth)
{
	/* Not zeroed: each is 37 KB (rtnl_batch_start() sets what counts). */
	struct rtnl_batch c, h;
	struct cni_rtnl_link links[RTNL_BATCH_MAX] = { { 0 } };
	struct croute *cr = NULL;
	struct rtnl_ip hgw[MAX_IPS];
	int cslot_addr[MAX_IPS], cslot_v6[MAX_IPS], hslot_addr[MAX_IPS], hslot_rt[MAX_IPS];
	int hidx, cidx, cget, alias_slot, up_slot, hup_slot, ret = -1;
	size_t i, j, nh = 0, n6 = 0, n4 = 0, ncr = 0, sent = 0;
	bool v6 = false;
	char alias[256];
	int r;

	/* The requests of a batch: (2 + MAX_IPS) to the container before its
	 * routes, (2 * MAX_IPS + 2) to the host. */
	_Static_assert(RTNL_BATCH_MAX >= 2 * MAX_IPS + 2, "a batch holds an attachment's requests");
	c.b = h.b = NULL;
	r = netns_ifname_check(p->host_if);
	if (r == 0)
		r = netns_ifname_check(p->call.env.ifname);
	if (r < 0)
		return veth_fail(p, r, NULL);
	if (forwarding_setup(p, as, n) < 0)
		return -1;
	/* 1. The pair, and the host end's index and MAC (c's room, free yet). */
	r = veth_make(p, hnl, &c, links, ret_veth);
	rtnl_batch_stop(&c);
	if (r < 0)
		return -1;
	hidx = links[1].index;
	memcpy(hmac, links[1].mac, 18);
	cidx = links[1].peer;
	if (!cidx) {
		/* No IFLA_LINK (not a kernel of ours): ask the container. */
		r = rtnl_batch_start(&c);
		if (r == 0)
			r = cni_batch_getlink(&c, &(struct rtnl_link){ .ifname = p->call.env.ifname });
		if (r >= 0)
			r = rtnl_batch_run(cnl, &c, cni_rtnl_link_slot_cb, links);
		if (r >= 0)
			r = c.err[0] < 0 ? c.err[0] : links[0].index ? 0 : -ENODEV;
		rtnl_batch_stop(&c);
		if (r < 0)
			return rtnl_fail(p, r);
		cidx = links[0].index;
	}
	memset(links, 0, sizeof(links));
	/* 2. The container end up, its MAC, its addresses (the IPv6 ones
	 * belong to the pair's making, the IPv4 ones come with their broadcast
	 * address), and its routes when nothing has to settle first. */
	if ((r = rtnl_batch_start(&c)) < 0 || (r = rtnl_batch_start(&h)) < 0) {
		rtnl_fail(p, r);
		goto out;
	}
	up_slot = cni_batch_link(&c, &(struct rtnl_link){ .index = cidx, .up = RTNL_ON });
	cget = cni_batch_getlink(&c, &(struct rtnl_link){ .index = cidx });
	for (i = 0; i < n; i++)
		if (as[i].ip.family == AF_INET6) {
			cslot_v6[n6++] = cni_batch_addr(&c, cidx, &as[i].ip, 0);
			v6 = true;
		}
	for (i = 0; i < n; i++)
		if (as[i].ip.family == AF_INET)
			cslot_addr[n4++] = cni_batch_addr(&c, cidx, &as[i].ip, 0);
	if (container_routes(p, cidx, as, n, routes, &cr, &ncr) < 0)
		goto out;
	if (!v6)
		routes_put(&c, cr, ncr, &sent);
	r = rtnl_batch_run(cnl, &c, cni_rtnl_link_slot_cb, links);
	if (r < 0) {
		rtnl_fail(p, r);
		goto out;
	}
	/* 3. The host end's gateway addresses (one however many use it), its
	 * alias while it is down, the host end up, and the host routes when
	 * nothing has to settle first. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < nh; j++)
			if (cni_ip_equal(&hgw[j], &as[i].gw))
				break;
		if (j < nh)
			continue;
		hgw[nh] = prefixed(as[i].gw, host_prefix(&as[i].gw));
		hslot_addr[nh] = cni_batch_addr(&h, hidx, &hgw[nh], 0);
		nh++;
	}
	alias_make(p, as, n, alias);
	alias_slot = cni_batch_link(&h, &(struct rtnl_link){ .index = hidx, .alias = alias });
	hup_slot = cni_batch_link(&h, &(struct rtnl_link){ .index = hidx, .up = RTNL_ON });
	if (!v6)
		host_routes(&h, hidx, as, n, hslot_rt);
	r = rtnl_batch_run(hnl, &h, NULL, NULL);
	if (r < 0) {
		rtnl_fail(p, r);
		goto out;
	}
	/* The errors, in the order of the steps. */
	if (h.err[hup_slot] < 0) {
		veth_fail(p, h.err[hup_slot], h.msg[hup_slot]);
		goto out;
	}
	for (i = 0; i < nh; i++)
		if (h.err[hslot_addr[i]] < 0) {
			veth_fail(p, h.err[hslot_addr[i]], h.msg[hslot_addr[i]]);
			goto out;
		}
	if (c.err[up_slot] < 0) {
		veth_fail(p, c.err[up_slot], c.msg[up_slot]);
		goto out;
	}
	for (i = 0; i < n6; i++)
		if (c.err[cslot_v6[i]] < 0) {
			veth_fail(p, c.err[cslot_v6[i]], c.msg[cslot_v6[i]]);
			goto out;
		}
	if (c.err[cget] < 0 || !links[cget].index) {
		rtnl_fail(p, c.err[cget] < 0 ? c.err[cget] : -ENODEV);
		goto out;
	}
	memcpy(cmac, links[cget].mac, 18);
	if (h.err[alias_slot] < 0) {
		rtnl_fail(p, h.err[alias_slot]);
		goto out;
	}
	for (i = 0, j = 0; i < n; i++) {
		if (as[i].ip.family != AF_INET)
			continue;
		r = c.err[cslot_addr[j++]];
		if (r < 0) {
			cni_fail(&p->call.err, CNI_ERR_GENERIC, "cannot add %s to %s: %s", as[i].cidr, p->call.env.ifname,
				 strerror(-r));
			goto out;
		}
	}
	if (v6) {
		/* IPv6 routes with a source need it past DAD, on both ends. */
		r = cni_rtnl_settle(cnl, cidx, 10000);
		if (r == 0)
			r = cni_rtnl_settle(hnl, hidx, 10000);
		if (r < 0) {
			cni_fail(&p->call.err, CNI_ERR_GENERIC, "IPv6 addresses did not settle: %s",
				 r == -EADDRINUSE ? "duplicate address detected" : strerror(-r));
			goto out;
		}
	} else if (routes_check(p, &c, cr, 0, sent) < 0) {
		goto out;
	}
	/* The routes that did not fit in the container's batch (all of them
	 * with IPv6), then the host's. */
	if (routes_send(p, cnl, &c, cr, ncr, &sent) < 0)
		goto out;
	if (v6) {
		rtnl_batch_stop(&h);
		r = rtnl_batch_start(&h);
		if (r == 0) {
			host_routes(&h, hidx, as, n, hslot_rt);
			r = rtnl_batch_run(hnl, &h, NULL, NULL);
		}
		if (r < 0) {
			rtnl_fail(p, r);
			goto out;
		}
	}
	if (host_routes_check(p, &h, as, n, hslot_rt) < 0)
		goto out;
	ret = 0;
out:
	rtnl_batch_stop(&c);
	rtnl_batch_stop(&h);
	free(cr);
	return ret;
}
