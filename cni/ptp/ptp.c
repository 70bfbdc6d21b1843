/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-ptp: a drop-in for the reference ptp CNI plugin on libnetns.
 * ADD: delegate to the IPAM plugin (ipam.type in CNI_PATH), make a veth pair
 * whose container end is born in the container's namespace, set the
 * addresses and routes the reference sets, masquerade when ipMasq, print the
 * result. DEL: best-effort and idempotent. CHECK: compare prevResult with
 * what is there.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "netns.h"
#include "../lib/ipam.h"
#include "ptp.h"

static int conf_parse(struct ptp *p)
{
	json_t *ipam = json_object_get(p->call.config, "ipam");

	p->name = json_string_value(json_object_get(p->call.config, "name"));
	if (cni_get_bool(p->call.config, "ipMasq", "", &p->ip_masq, &p->call.err) < 0)
		return -1;
	/* Only ADD uses the MTU. The others take any integer, as the
	 * reference's (an int in Go): a config whose mtu ADD refuses must
	 * not make its DEL fail. */
	if (p->call.env.cmd != CNI_ADD) {
		json_t *mtu = json_object_get(p->call.config, "mtu");
		if (mtu && !json_is_null(mtu) && !json_is_integer(mtu))
			return cni_fail(&p->call.err, CNI_ERR_CONFIG, "mtu must be an integer");
	} else if (cni_get_uint(p->call.config, "mtu", "", 65535, &p->mtu, &p->call.err) < 0) {
		return -1;
	}
	if (cni_masq_backend_check(&p->call, "netns-ptp", p->ip_masq) < 0)
		return -1;
	if (p->mtu && p->mtu < 68)
		return cni_fail(&p->call.err, CNI_ERR_CONFIG, "mtu %u is below the minimum of 68", p->mtu);
	if (!json_is_object(ipam))
		return cni_fail(&p->call.err, CNI_ERR_CONFIG, "netns-ptp needs an \"ipam\" object with a \"type\"");
	if (cni_get_string(ipam, "type", "ipam.", &p->ipam_type, &p->call.err) < 0)
		return -1;
	if (!p->ipam_type || !*p->ipam_type || strchr(p->ipam_type, '/') ||
	    strcmp(p->ipam_type, "..") == 0 || strcmp(p->ipam_type, ".") == 0)
		return cni_fail(&p->call.err, CNI_ERR_CONFIG, "ipam.type must name a plugin in CNI_PATH");
	p->dns = json_object_get(p->call.config, "dns");
	if (p->dns && !json_is_object(p->dns) && !json_is_null(p->dns))
		return cni_fail(&p->call.err, CNI_ERR_CONFIG, "dns must be an object");
	if (json_is_null(p->dns))
		p->dns = NULL;
	cni_hostveth_name(p->call.env.containerid, p->call.env.ifname, p->host_if);
	if (p->name && p->call.env.containerid && p->call.env.ifname)
		cni_nft_owner(p->name, p->call.env.containerid, p->call.env.ifname, p->owner);
	return 0;
}

/* The IPAM plugin, for CMD (cni_ipam_delegate(): netns-ipam in-process). */
static int ipam_exec(struct ptp *p, enum cni_cmd cmd, json_t **ret)
{
	return cni_ipam_delegate(&p->call, p->ipam_type, cmd, ret);
}

/* ---- results ---- */

static int addr_parse(struct ptp *p, json_t *ipj, struct addr *a)
{
	const char *gw = json_string_value(json_object_get(ipj, "gateway"));

	memset(a, 0, sizeof(*a));
	a->cidr = json_string_value(json_object_get(ipj, "address"));
	if (!a->cidr || cni_cidr_parse(a->cidr, &a->ip, &a->plen) < 0)
		return cni_fail(&p->call.err, CNI_ERR_DECODE, "a result address is not a CIDR");
	a->net = a->ip;
	cni_ip_network(&a->net, a->plen);
	if (gw) {
		if (cni_ip_parse(gw, &a->gw) < 0 || a->gw.family != a->ip.family)
			return cni_fail(&p->call.err, CNI_ERR_DECODE, "gateway %s of %s is not an address of its family", gw, a->cidr);
		a->has_gw = true;
	}
	return 0;
}

static int addrs_parse(struct ptp *p, json_t *ips, struct addr *as, size_t *ret_n)
{
	json_t *ipj;
	size_t i;

	if (!json_is_array(ips) || json_array_size(ips) == 0)
		return cni_fail(&p->call.err, CNI_ERR_DECODE, "the IPAM result has no \"ips\"");
	if (json_array_size(ips) > MAX_IPS)
		return cni_fail(&p->call.err, CNI_ERR_DECODE, "more than %d addresses", MAX_IPS);
	json_array_foreach(ips, i, ipj)
		if (addr_parse(p, ipj, &as[i]) < 0)
			return -1;
	*ret_n = json_array_size(ips);
	return 0;
}

/* ---- ADD ---- */

static int netns_open(struct ptp *p)
{
	int fd = cni_netns_open(p->call.env.netns, &p->call.err);

	if (fd < 0)
		return -1;
	p->nsfd = fd;
	return 0;
}

static int cmd_add(struct ptp *p)
{
	json_t *ipam_res = NULL, *result = NULL, *ifaces, *ips, *ipj, *routes;
	struct addr as[MAX_IPS];
	char hmac[18] = "", cmac[18] = "", nmsg[256];
	struct mnl_socket *hnl = NULL, *cnl = NULL;
	struct cni_nft *nft = NULL;
	size_t n = 0, i;
	int r, ret = -1;
	bool veth = false, masq = false;
	struct cni_masq mq[MAX_IPS];

	if (netns_open(p) < 0)
		return -1;
	/* The container's socket first, before anything is made. */
	r = cni_rtnl_open(p->nsfd, &cnl);
	if (r == 0)
		r = cni_rtnl_open(-1, &hnl);
	if (r < 0) {
		cni_fail(&p->call.err, CNI_ERR_GENERIC, "rtnetlink: %s", strerror(-r));
		goto out;
	}
	if (ipam_exec(p, CNI_ADD, &ipam_res) < 0)
		goto out;
	if (addrs_parse(p, json_object_get(ipam_res, "ips"), as, &n) < 0)
		goto undo;
	for (i = 0; i < n; i++)
		if (!as[i].has_gw) {
			cni_fail(&p->call.err, CNI_ERR_CONFIG, "address %s has no gateway: netns-ptp routes through one", as[i].cidr);
			goto undo;
		}
	routes = json_object_get(ipam_res, "routes");
	if (routes && !json_is_array(routes)) {
		cni_fail(&p->call.err, CNI_ERR_DECODE, "the IPAM result's routes is not a list");
		goto undo;
	}
	if (ptp_links_setup(p, hnl, cnl, as, n, routes, hmac, cmac, &veth) < 0)
		goto undo;
	if (p->ip_masq) {
		for (i = 0; i < n; i++)
			mq[i] = (struct cni_masq){ .ip = as[i].ip, .net = as[i].net, .plen = as[i].plen };
		masq = true;
		/* The common case in one nfnetlink batch; libnftables when the
		 * table or the network's chain is to be made, or to say why
		 * the batch failed. */
		if (cni_nft_add_fast(p->owner, mq, n) < 0 &&
		    (cni_nft_open(&nft, nmsg, sizeof(nmsg)) < 0 ||
		     cni_nft_add(nft, p->owner, mq, n, nmsg, sizeof(nmsg)) < 0)) {
			cni_fail(&p->call.err, CNI_ERR_GENERIC, "ipMasq: %s", nmsg);
			goto undo;
		}
	}
	result = json_object();
	ifaces = json_pack("[{s:s, s:s}, {s:s, s:s, s:s}]", "name", p->host_if, "mac", hmac, "name",
			   p->call.env.ifname, "mac", cmac, "sandbox", p->call.env.netns);
	json_object_set_new(result, "cniVersion", json_string(p->call.version));
	json_object_set_new(result, "interfaces", ifaces);
	ips = json_deep_copy(json_object_get(ipam_res, "ips"));
	json_array_foreach(ips, i, ipj) {
		json_object_del(ipj, "version");
		json_object_set_new(ipj, "interface", json_integer(1));
	}
	json_object_set_new(result, "ips", ips);
	if (routes && json_array_size(routes))
		json_object_set(result, "routes", routes);
	json_object_set_new(result, "dns", cni_dns_result(p->dns, json_object_get(ipam_res, "dns")));
	/* The skeleton prints it, and undoes the ADD with DEL if it cannot. */
	p->call.result = result;
	result = NULL;
	ret = 0;
	goto out;
undo:
	/* Nothing half-made stays: rules, the veth, the allocation. */
	if (masq) {
		if (!nft && cni_nft_open(&nft, nmsg, sizeof(nmsg)) < 0)
			nft = NULL;
		if (nft)
			cni_nft_del(nft, p->owner, mq, n, nmsg, sizeof(nmsg));
	}
	if (veth)
		netns_link_delete(-1, p->host_if);
	{
		struct cni_err keep = p->call.err;
		ipam_exec(p, CNI_DEL, NULL);
		p->call.err = keep;
	}
out:
	cni_nft_close(nft);
	cni_rtnl_close(hnl);
	cni_rtnl_close(cnl);
	json_decref(result);
	json_decref(ipam_res);
	return ret;
}

/* ---- DEL ---- */

static int cmd_del(struct ptp *p)
{
	return cni_iface_del(&p->call, "netns-ptp", p->host_if, p->owner, p->ip_masq, p->ipam_type);
}

/* ---- CHECK ---- */

struct has_addr {
	const char *ifname;
	const char *cidr;
	bool link, addr;
};

static int has_addr_cb(const struct netns_link *l, void *data)
{
	struct has_addr *h = data;
	size_t i;

	if (strcmp(l->name, h->ifname) != 0)
		return 0;
	h->link = true;
	for (i = 0; l->addrs && l->addrs[i]; i++)
		if (strcmp(l->addrs[i], h->cidr) == 0)
			h->addr = true;
	return 0;
}

static int cmd_check(struct ptp *p)
{
	json_t *prev = json_object_get(p->call.config, "prevResult"), *ips, *ipj;
	struct addr as[MAX_IPS];
	struct mnl_socket *cnl = NULL, *hnl = NULL;
	char mac[18];
	size_t n, i;
	int cidx, hidx, r, ret = -1;

	if (!json_is_object(prev))
		return cni_fail(&p->call.err, CNI_ERR_CONFIG, "CHECK needs a prevResult");
	if (ipam_exec(p, CNI_CHECK, NULL) < 0)
		return -1;
	if (netns_open(p) < 0)
		return -1;
	ips = json_object_get(prev, "ips");
	if (addrs_parse(p, ips, as, &n) < 0)
		return -1;
	if (cni_rtnl_open(p->nsfd, &cnl) < 0 || cni_rtnl_open(-1, &hnl) < 0) {
		cni_fail(&p->call.err, CNI_ERR_GENERIC, "cannot open rtnetlink");
		goto out;
	}
	r = cni_rtnl_link(cnl, p->call.env.ifname, &cidx, mac);
	if (r < 0) {
		cni_fail(&p->call.err, CNI_ERR_GENERIC, "interface %s is missing in %s", p->call.env.ifname, p->call.env.netns);
		goto out;
	}
	r = cni_rtnl_link(hnl, p->host_if, &hidx, mac);
	if (r < 0) {
		cni_fail(&p->call.err, CNI_ERR_GENERIC, "host interface %s is missing", p->host_if);
		goto out;
	}
	json_array_foreach(ips, i, ipj) {
		struct has_addr h = { .ifname = p->call.env.ifname, .cidr = as[i].cidr };
		unsigned full = as[i].ip.family == AF_INET ? 32 : 128;
		struct rtnl_route gw = { .dst = as[i].gw, .oif = cidx };
		struct rtnl_route host = { .dst = as[i].ip, .oif = hidx };

		gw.dst.prefix = host.dst.prefix = full;
		netns_link_foreach(p->nsfd, has_addr_cb, &h);
		if (!h.addr) {
			cni_fail(&p->call.err, CNI_ERR_GENERIC, "address %s is missing on %s in %s", as[i].cidr,
				 p->call.env.ifname, p->call.env.netns);
			goto out;
		}
		if (as[i].has_gw && cni_rtnl_route_find(cnl, &gw) != 1) {
			cni_fail(&p->call.err, CNI_ERR_GENERIC, "the route to the gateway of %s is missing in %s",
				 as[i].cidr, p->call.env.netns);
			goto out;
		}
		if (cni_rtnl_route_find(hnl, &host) != 1) {
			char ipbuf[64];

			/* What ADD made: a route to the address alone, not its subnet. */
			cni_ip_format(&as[i].ip, ipbuf, sizeof(ipbuf));
			cni_fail(&p->call.err, CNI_ERR_GENERIC, "the host route %s/%u dev %s is missing", ipbuf, full,
				 p->host_if);
			goto out;
		}
	}
	if (cni_iface_check_routes(&p->call, cnl, cidx, prev) < 0)
		goto out;
	if (p->ip_masq) {
		struct cni_masq mq[MAX_IPS];
		for (i = 0; i < n; i++)
			mq[i] = (struct cni_masq){ .ip = as[i].ip, .net = as[i].net, .plen = as[i].plen };
		if (cni_iface_check_masq(&p->call, p->owner, mq, n) < 0)
			goto out;
	}
	ret = 0;
out:
	cni_rtnl_close(cnl);
	cni_rtnl_close(hnl);
	return ret;
}

/* ---- GC and STATUS (1.1.0) ---- */

static int cmd_gc(struct ptp *p)
{
	return cni_iface_gc(&p->call, "netns-ptp", p->ipam_type);
}

static struct ptp *ptp_of(struct cni_call *c)
{
	return (struct ptp *)((char *)c - offsetof(struct ptp, call));
}

static int ptp_conf(struct cni_call *c)
{
	return conf_parse(ptp_of(c));
}

static int ptp_add(struct cni_call *c)
{
	return cmd_add(ptp_of(c));
}

static int ptp_del(struct cni_call *c)
{
	return cmd_del(ptp_of(c));
}

static int ptp_check(struct cni_call *c)
{
	return cmd_check(ptp_of(c));
}

static int ptp_gc(struct cni_call *c)
{
	return cmd_gc(ptp_of(c));
}

/* Ready when its IPAM plugin is (the spec's delegation). */
static int ptp_status(struct cni_call *c)
{
	return ipam_exec(ptp_of(c), CNI_STATUS, NULL);
}

/* IP (in cni_args_known) is for the IPAM plugin, which gets CNI_ARGS as
 * they are. */
static const struct cni_skel ptp_skel = {
	.known_args = cni_args_known,
	.args_checked = CNI_CMD_BIT(CNI_ADD) | CNI_CMD_BIT(CNI_DEL) | CNI_CMD_BIT(CNI_CHECK) |
			CNI_CMD_BIT(CNI_GC) | CNI_CMD_BIT(CNI_STATUS),
	.conf = ptp_conf,
	.add = ptp_add,
	.del = ptp_del,
	.check = ptp_check,
	.gc = ptp_gc,
	.status = ptp_status,
};

int main(void)
{
	struct ptp p = { .nsfd = -1 };
	int r;

	/* A delegated IPAM plugin that exits before reading its stdin must
	 * not kill us (delegate.c). */
	signal(SIGPIPE, SIG_IGN);
	r = cni_skel_main(&ptp_skel, &p.call);
	if (p.nsfd >= 0)
		close(p.nsfd);
	return r;
}
