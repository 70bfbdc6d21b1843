/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-bridge ADD: the bridge (made once and shared), the veth pair (its
 * container end born in the container's namespace, its host end born on
 * the bridge), the container's addresses and routes, and the gateways on
 * the bridge, in a few rtnetlink batches (rtnl/rtnl.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "netns.h"
#include "bridge.h"

static int rtnl_fail(struct br *b, int r, const char *what, const char *msg)
{
	return cni_fail(&b->call.err, CNI_ERR_GENERIC, "%s: %s%s%s", what, strerror(-r), msg && *msg ? ": " : "",
			msg && *msg ? msg : "");
}

/* The bridge's IPv6 router advertisements off, as the reference's ("we
 * want to own the routes for this interface"); best effort, as there. */
static void accept_ra_off(const char *bridge)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", bridge);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "0", 1) < 0) {
		/* nothing to do: the reference ignores it too */
	}
	close(fd);
}

/* A slot callback for batches that hold GETLINKs and an address dump. */
struct answers {
	struct cni_rtnl_link links[RTNL_BATCH_MAX];
	struct cni_rtnl_addrs addrs; /* the bridge's, for isGateway's checks */
};

static int answers_cb(const struct nlmsghdr *nlh, unsigned slot, void *data)
{
	struct answers *a = data;

	if (nlh->nlmsg_type == RTM_NEWADDR)
		return cni_rtnl_addrs_cb(nlh, &a->addrs);
	return cni_rtnl_link_slot_cb(nlh, slot, a->links);
}

static bool overlaps(const struct rtnl_ip *a, const struct rtnl_ip *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
	struct rtnl_ip x = *a, y = *b;

	if (a->family != b->family)
		return false;
	cni_ip_network(&x, p);
	cni_ip_network(&y, p);
	return cni_ip_equal(&x, &y);
}

/* The gateway GW (with its subnet's prefix) on the bridge, as the
 * reference's ensureAddr: there already is fine; another address of an
 * overlapping subnet is an error, or deleted first with forceAddress. Into
 * batch H. */
static int gw_put(struct br *b, struct rtnl_batch *h, int bridx, const struct cni_rtnl_addrs *have,
		  const struct rtnl_ip *gw, int *ret_slot)
{
	char x[64], y[64];
	unsigned i;

	*ret_slot = -1;
	for (i = 0; i < have->n; i++) {
		const struct rtnl_ip *a = &have->a[i];

		if (a->family != gw->family)
			continue;
		if (a->family == AF_INET6 && a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80)
			continue; /* link-local */
		if (cni_ip_equal(a, gw) && a->prefix == gw->prefix)
			return 0;
		if (!overlaps(a, gw))
			continue;
		cni_ip_format(gw, x, sizeof(x));
		cni_ip_format(a, y, sizeof(y));
		if (!b->force_address)
			return cni_fail(&b->call.err, CNI_ERR_GENERIC,
					"\"%s\" already has an IP address different from %s/%u: %s/%u", b->bridge,
					x, gw->prefix, y, a->prefix);
		{
			struct nlmsghdr *nlh = rtnl_batch_msg(h);

			if (!nlh || rtnl_batch_add(h, rtnl_addr_msg(nlh, RTNL_BATCH_LIMIT, false, bridx, a, false,
								    0)) < 0)
				return cni_fail(&b->call.err, CNI_ERR_GENERIC, "too many addresses on %s", b->bridge);
		}
	}
	*ret_slot = cni_batch_addr(h, bridx, gw, 0);
	return *ret_slot < 0 ? rtnl_fail(b, *ret_slot, "rtnetlink", NULL) : 0;
}

/* A container route, and its own gw when it has one. */
struct croute {
	struct rtnl_route rt;
	struct rtnl_ip gw;
};

/* At most this many result routes: they go in the container's batch. */
#define MAX_ROUTES (RTNL_BATCH_MAX - 2 - MAX_IPS)

/* 1. The bridge: made (a fixed MAC of its own, so that it does not take a
 * port's as ports come and go: the reference sets it to itself for the same
 * reason), up, and read back. EEXIST is another ADD's bridge, or one made
 * before. */
static int bridge_make(struct br *b, struct mnl_socket *hnl, struct rtnl_batch *q, struct answers *ans,
		       int *ret_index)
{
	unsigned char mac[6];
	struct rtnl_link l = { .ifname = b->bridge, .mtu = b->mtu, .mac = mac };
	struct nlmsghdr *nlh;
	int r, get;

	if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
		return rtnl_fail(b, -errno, "getrandom", NULL);
	mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
	r = rtnl_batch_start(q);
	if (r == 0) {
		nlh = rtnl_batch_msg(q);
		r = rtnl_batch_add(q, rtnl_bridge_new_msg(nlh, RTNL_BATCH_LIMIT, &l, NULL));
	}
	if (r >= 0)
		r = cni_batch_link(q, &(struct rtnl_link){ .ifname = b->bridge, .up = RTNL_ON });
	get = r >= 0 ? cni_batch_getlink(q, &(struct rtnl_link){ .ifname = b->bridge }) : r;
	r = get < 0 ? get : rtnl_batch_run(hnl, q, answers_cb, ans);
	if (r < 0)
		return rtnl_fail(b, r, "rtnetlink", NULL);
	if (q->err[0] < 0 && q->err[0] != -EEXIST)
		return rtnl_fail(b, q->err[0], "cannot create the bridge", q->msg[0]);
	if (q->err[get] < 0 || !ans->links[get].index)
		return rtnl_fail(b, q->err[get] < 0 ? q->err[get] : -ENODEV, "cannot find the bridge", q->msg[get]);
	if (strcmp(ans->links[get].kind, "bridge") != 0)
		return cni_fail(&b->call.err, CNI_ERR_GENERIC, "\"%s\" already exists but is not a bridge", b->bridge);
	if (q->err[1] < 0)
		return rtnl_fail(b, q->err[1], "cannot set the bridge up", q->msg[1]);
	accept_ra_off(b->bridge);
	*ret_index = ans->links[get].index;
	return 0;
}

int br_links_setup(struct br *b, struct mnl_socket *hnl, struct mnl_socket *cnl, const struct br_addr *as,
		   size_t n, json_t *routes, struct br_made *m)
{
	/* Not zeroed: each is 37 KB (rtnl_batch_start() sets what counts). */
	struct rtnl_batch q, c;
	struct answers *ans = calloc(1, sizeof(*ans));
	struct croute *rts = NULL;
	struct rtnl_ip gws[MAX_IPS];
	int bridx = 0, hidx = 0, cidx = 0, s, one = 1, ret = -1, r;
	int cup, cget, caddr[MAX_IPS], rslot[RTNL_BATCH_MAX], halias, hport = -1, hup, hget, hgw[MAX_IPS];
	size_t i, nrt = 0, ngw = 0, sent = 0;
	bool v6 = false;
	char alias[256];
	const char *cidrs[MAX_IPS];

	q.b = c.b = NULL;
	if (!ans)
		return cni_fail(&b->call.err, CNI_ERR_GENERIC, "out of memory");
	if (netns_ifname_check(b->bridge) < 0) {
		cni_fail(&b->call.err, CNI_ERR_CONFIG, "bridge \"%s\" is not a valid interface name", b->bridge);
		goto out;
	}
	if (netns_ifname_check(b->call.env.ifname) < 0) {
		cni_fail(&b->call.err, CNI_ERR_GENERIC, "\"%s\" is not a valid interface name", b->call.env.ifname);
		goto out;
	}
	if (bridge_make(b, hnl, &q, ans, &bridx) < 0)
		goto out;
	rtnl_batch_stop(&q);
	memset(ans, 0, sizeof(*ans));
	/* 2. The pair, the host end born on the bridge and down (its alias
	 * is set while it is down: see ptp-links.c); its index and MAC; the
	 * bridge's MAC (now it has a port) and addresses. Both ends without a
	 * queue, as the reference's (its netlink library sends TxQLen 0). */
	{
		struct rtnl_link host = { .ifname = b->host_if, .mtu = b->mtu, .set_txqlen = true,
					  .master = bridx };
		struct rtnl_link peer = { .ifname = b->call.env.ifname, .mtu = b->mtu, .set_txqlen = true,
					  .in_netns = true, .netns_fd = b->nsfd };
		struct nlmsghdr *nlh;
		int dump = -1, bget;

		r = rtnl_batch_start(&q);
		if (r == 0) {
			nlh = rtnl_batch_msg(&q);
			r = rtnl_batch_add(&q, rtnl_veth_new_msg(nlh, RTNL_BATCH_LIMIT, &host, &peer));
		}
		hget = r >= 0 ? cni_batch_getlink(&q, &(struct rtnl_link){ .ifname = b->host_if }) : r;
		bget = hget >= 0 ? cni_batch_getlink(&q, &(struct rtnl_link){ .index = bridx }) : hget;
		r = bget;
		if (r >= 0 && b->is_gw) {
			/* The bridge's addresses alone: with strict checking the
			 * kernel filters the dump by index (4.20+). */
			setsockopt(mnl_socket_get_fd(hnl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
			nlh = rtnl_batch_msg(&q);
			r = nlh ? rtnl_addr_dump_msg(nlh, RTNL_BATCH_LIMIT, AF_UNSPEC) : -ENOBUFS;
			if (r == 0) {
				((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index = (unsigned)bridx;
				r = dump = rtnl_batch_add(&q, 0);
			}
		}
		ans->addrs.index = bridx;
		if (r >= 0)
			r = rtnl_batch_run(hnl, &q, answers_cb, ans);
		if (r < 0) {
			rtnl_fail(b, r, "rtnetlink", NULL);
			goto out;
		}
		if (q.err[0] < 0) {
			cni_fail(&b->call.err, CNI_ERR_GENERIC, "cannot create the veth pair %s / %s: %s%s%s", b->host_if,
				 b->call.env.ifname, q.err[0] == -EEXIST ? "an interface of that name exists" : strerror(-q.err[0]),
				 *q.msg[0] ? ": " : "", q.msg[0]);
			goto out;
		}
		m->veth = true;
		if (q.err[hget] < 0 || !ans->links[hget].index) {
			rtnl_fail(b, q.err[hget] < 0 ? q.err[hget] : -ENODEV, "rtnetlink", NULL);
			goto out;
		}
		if (dump >= 0 && q.err[dump] < 0) {
			rtnl_fail(b, q.err[dump], "cannot list the bridge's addresses", q.msg[dump]);
			goto out;
		}
		hidx = ans->links[hget].index;
		cidx = ans->links[hget].peer;
		memcpy(m->host_mac, ans->links[hget].mac, 18);
		if (q.err[bget] == 0)
			memcpy(m->br_mac, ans->links[bget].mac, 18);
	}
	if (!cidx) {
		char mac[18];

		/* No IFLA_LINK (not a kernel of ours): ask the container. */
		r = cni_rtnl_link(cnl, b->call.env.ifname, &cidx, mac);
		if (r < 0) {
			rtnl_fail(b, r, "rtnetlink", NULL);
			goto out;
		}
	}
	rtnl_batch_stop(&q);
	/* 3. The container end up, its MAC, its addresses (without DAD unless
	 * enabledad: the reference sets accept_dad 0), its routes (each via its
	 * gw or its family's gateway, as the reference's ipam.ConfigureIface)
	 * when nothing has to settle first. */
	r = rtnl_batch_start(&c);
	if (r < 0) {
		rtnl_fail(b, r, "rtnetlink", NULL);
		goto out;
	}
	cup = cni_batch_link(&c, &(struct rtnl_link){ .index = cidx, .up = RTNL_ON });
	cget = cni_batch_getlink(&c, &(struct rtnl_link){ .index = cidx });
	for (i = 0; i < n; i++) {
		caddr[i] = cni_batch_addr(&c, cidx, &as[i].ip, b->enable_dad ? 0 : IFA_F_NODAD);
		v6 |= as[i].ip.family == AF_INET6;
	}
	if (json_array_size(routes) > MAX_ROUTES) {
		cni_fail(&b->call.err, CNI_ERR_CONFIG, "more than %d routes", MAX_ROUTES);
		goto out;
	}
	rts = calloc(json_array_size(routes) + 1, sizeof(*rts));
	if (!rts) {
		cni_fail(&b->call.err, CNI_ERR_GENERIC, "out of memory");
		goto out;
	}
	for (i = 0; i < json_array_size(routes); i++) {
		json_t *rt = json_array_get(routes, i);
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		const char *gw = json_string_value(json_object_get(rt, "gw"));
		struct croute *x = &rts[nrt];
		unsigned plen;
		size_t k;

		x->rt = (struct rtnl_route){ .oif = cidx };
		if (!dst || cni_cidr_parse(dst, &x->rt.dst, &plen) < 0) {
			cni_fail(&b->call.err, CNI_ERR_DECODE, "a result route has no valid dst");
			goto out;
		}
		/* The route's own gw, else the first gateway of its family,
		 * else none (on the link). */
		if (gw) {
			if (cni_ip_parse(gw, &x->gw) < 0 || x->gw.family != x->rt.dst.family) {
				cni_fail(&b->call.err, CNI_ERR_DECODE, "route %s: bad gw %s", dst, gw);
				goto out;
			}
			x->rt.gw = &x->gw;
		}
		for (k = 0; k < n && !gw; k++)
			if (as[k].has_gw && as[k].gw.family == x->rt.dst.family) {
				x->rt.gw = &as[k].gw;
				break;
			}
		nrt++;
	}
	if (!(v6 && b->enable_dad))
		for (; sent < nrt; sent++)
			rslot[sent] = cni_batch_route(&c, &rts[sent].rt, true);
	r = rtnl_batch_run(cnl, &c, cni_rtnl_link_slot_cb, ans->links);
	if (r < 0) {
		rtnl_fail(b, r, "rtnetlink", NULL);
		goto out;
	}
	/* 4. The host end's alias (while it is down), its port flags, up; the
	 * gateways on the bridge (isGateway). */
	r = rtnl_batch_start(&q);
	if (r < 0) {
		rtnl_fail(b, r, "rtnetlink", NULL);
		goto out;
	}
	for (i = 0; i < n; i++)
		cidrs[i] = as[i].cidr;
	cni_hostveth_alias("netns-bridge", b->name, b->call.env.containerid, b->call.env.ifname, cidrs, n, alias);
	halias = cni_batch_link(&q, &(struct rtnl_link){ .index = hidx, .alias = alias });
	if (b->hairpin || b->isolated) {
		struct rtnl_bridge_port port = { .hairpin = b->hairpin ? RTNL_ON : RTNL_KEEP,
						 .isolated = b->isolated ? RTNL_ON : RTNL_KEEP };
		struct nlmsghdr *nlh = rtnl_batch_msg(&q);

		hport = nlh ? rtnl_batch_add(&q, rtnl_bridge_port_msg(nlh, RTNL_BATCH_LIMIT, hidx, &port)) : -ENOBUFS;
	}
	hup = cni_batch_link(&q, &(struct rtnl_link){ .index = hidx, .up = RTNL_ON });
	for (i = 0; b->is_gw && i < n; i++) {
		struct rtnl_ip gw = as[i].gw;
		size_t k;

		gw.prefix = as[i].plen;
		for (k = 0; k < ngw; k++)
			if (cni_ip_equal(&gws[k], &gw))
				break;
		if (k < ngw)
			continue;
		gws[ngw] = gw;
		if (gw_put(b, &q, bridx, &ans->addrs, &gws[ngw], &hgw[ngw]) < 0)
			goto out;
		ngw++;
	}
	if (halias < 0 || hup < 0 || (b->hairpin || b->isolated ? hport < 0 : false)) {
		rtnl_fail(b, -ENOBUFS, "rtnetlink", NULL);
		goto out;
	}
	r = rtnl_batch_run(hnl, &q, NULL, NULL);
	if (r < 0) {
		rtnl_fail(b, r, "rtnetlink", NULL);
		goto out;
	}
	/* The errors, in the order of the steps. */
	if (c.err[cup] < 0) {
		rtnl_fail(b, c.err[cup], "cannot set the container's interface up", c.msg[cup]);
		goto out;
	}
	if (c.err[cget] < 0 || !ans->links[cget].index) {
		rtnl_fail(b, c.err[cget] < 0 ? c.err[cget] : -ENODEV, "rtnetlink", NULL);
		goto out;
	}
	memcpy(m->ctr_mac, ans->links[cget].mac, 18);
	for (i = 0; i < n; i++)
		if (c.err[caddr[i]] < 0) {
			cni_fail(&b->call.err, CNI_ERR_GENERIC, "cannot add %s to %s: %s%s%s", as[i].cidr,
				 b->call.env.ifname, strerror(-c.err[caddr[i]]), *c.msg[caddr[i]] ? ": " : "",
				 c.msg[caddr[i]]);
			goto out;
		}
	if (q.err[halias] < 0 || q.err[hup] < 0 || (hport >= 0 && q.err[hport] < 0)) {
		int e = q.err[halias] < 0 ? halias : q.err[hup] < 0 ? hup : hport;

		rtnl_fail(b, q.err[e], "host end", q.msg[e]);
		goto out;
	}
	for (i = 0; i < ngw; i++)
		if (hgw[i] >= 0 && q.err[hgw[i]] < 0 && q.err[hgw[i]] != -EEXIST) {
			char x[64];

			cni_ip_format(&gws[i], x, sizeof(x));
			cni_fail(&b->call.err, CNI_ERR_GENERIC, "could not add IP address %s/%u to \"%s\": %s", x,
				 gws[i].prefix, b->bridge, strerror(-q.err[hgw[i]]));
			goto out;
		}
	if (v6 && b->enable_dad) {
		/* Routes wait for DAD when it runs, as the reference's
		 * SettleAddresses. */
		r = cni_rtnl_settle(cnl, cidx, 10000);
		if (r < 0) {
			cni_fail(&b->call.err, CNI_ERR_GENERIC, "IPv6 addresses did not settle: %s",
				 r == -EADDRINUSE ? "duplicate address detected" : strerror(-r));
			goto out;
		}
		rtnl_batch_stop(&c);
		r = rtnl_batch_start(&c);
		for (; r >= 0 && sent < nrt; sent++)
			rslot[sent] = cni_batch_route(&c, &rts[sent].rt, true);
		if (r >= 0)
			r = rtnl_batch_run(cnl, &c, NULL, NULL);
		if (r < 0) {
			rtnl_fail(b, r, "rtnetlink", NULL);
			goto out;
		}
	}
	for (i = 0; i < nrt; i++) {
		s = rslot[i];
		if (s < 0 || (c.err[s] < 0 && c.err[s] != -EEXIST)) {
			json_t *rt = json_array_get(routes, i);

			cni_fail(&b->call.err, CNI_ERR_GENERIC, "failed to add route %s dev %s: %s",
				 json_string_value(json_object_get(rt, "dst")), b->call.env.ifname,
				 strerror(s < 0 ? -s : -c.err[s]));
			goto out;
		}
	}
	ret = 0;
out:
	rtnl_batch_stop(&q);
	rtnl_batch_stop(&c);
	free(rts);
	free(ans);
	return ret;
}
