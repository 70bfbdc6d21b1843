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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "netns.h"
#include "../lib/ipam.h"
#include "ptp.h"

/* The plugin's state around the skeleton's call (cni/lib/skel.h). */
static struct ptp *ptp_of(struct cni_call *c)
{
	return (struct ptp *)((char *)c - offsetof(struct ptp, call));
}

static int conf_parse(struct cni_call *call)
{
	struct ptp *p = ptp_of(call);
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

/* ---- ADD ---- */

static int cmd_add(struct cni_call *call)
{
	struct ptp *p = ptp_of(call);
	json_t *ipam_res = NULL, *result = NULL, *ifaces, *routes;
	struct cni_iface_addr as[MAX_IPS];
	char hmac[18] = "", cmac[18] = "";
	struct mnl_socket *hnl = NULL, *cnl = NULL;
	size_t n = 0, i;
	int r, ret = -1;
	bool veth = false, masq = false;

	if (cni_call_netns(&p->call) < 0)
		return -1;
	/* The container's socket first, before anything is made. */
	r = cni_rtnl_open(p->call.netns_fd, &cnl);
	if (r == 0)
		r = cni_rtnl_open(-1, &hnl);
	if (r < 0) {
		cni_fail(&p->call.err, CNI_ERR_GENERIC, "rtnetlink: %s", strerror(-r));
		goto out;
	}
	if (ipam_exec(p, CNI_ADD, &ipam_res) < 0)
		goto out;
	if (cni_iface_addrs_parse(&p->call, json_object_get(ipam_res, "ips"), false, as, &n) < 0)
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
		masq = true;
		if (cni_iface_masq_add(&p->call, p->owner, as, n) < 0)
			goto undo;
	}
	result = json_object();
	ifaces = json_pack("[{s:s, s:s}, {s:s, s:s, s:s}]", "name", p->host_if, "mac", hmac, "name",
			   p->call.env.ifname, "mac", cmac, "sandbox", p->call.env.netns);
	json_object_set_new(result, "cniVersion", json_string(p->call.version));
	json_object_set_new(result, "interfaces", ifaces);
	json_object_set_new(result, "ips", cni_iface_result_ips(json_object_get(ipam_res, "ips"), 1));
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
	if (masq)
		cni_iface_masq_undo(p->owner, as, n);
	if (veth)
		netns_link_delete(-1, p->host_if);
	{
		struct cni_err keep = p->call.err;
		ipam_exec(p, CNI_DEL, NULL);
		p->call.err = keep;
	}
out:
	cni_rtnl_close(hnl);
	cni_rtnl_close(cnl);
	json_decref(result);
	json_decref(ipam_res);
	return ret;
}

/* ---- DEL ---- */

static int cmd_del(struct cni_call *call)
{
	struct ptp *p = ptp_of(call);
	return cni_iface_del(&p->call, "netns-ptp", p->host_if, p->owner, p->ip_masq, p->ipam_type);
}

/* ---- CHECK ---- */

static int cmd_check(struct cni_call *call)
{
	struct ptp *p = ptp_of(call);
	json_t *prev = json_object_get(p->call.config, "prevResult"), *ips;
	struct cni_iface_addr as[MAX_IPS];
	struct mnl_socket *cnl = NULL, *hnl = NULL;
	char mac[18];
	size_t n, i;
	int cidx, hidx, r, ret = -1;

	if (!json_is_object(prev))
		return cni_fail(&p->call.err, CNI_ERR_CONFIG, "CHECK needs a prevResult");
	if (ipam_exec(p, CNI_CHECK, NULL) < 0)
		return -1;
	if (cni_call_netns(&p->call) < 0)
		return -1;
	ips = json_object_get(prev, "ips");
	if (cni_iface_addrs_parse(&p->call, ips, false, as, &n) < 0)
		return -1;
	if (cni_rtnl_open(p->call.netns_fd, &cnl) < 0 || cni_rtnl_open(-1, &hnl) < 0) {
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
	if (cni_iface_check_addrs(&p->call, as, n) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		unsigned full = as[i].ip.family == AF_INET ? 32 : 128;
		struct rtnl_route gw = { .dst = as[i].gw, .oif = cidx };
		struct rtnl_route host = { .dst = as[i].ip, .oif = hidx };

		gw.dst.prefix = host.dst.prefix = full;
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
	if (p->ip_masq && cni_iface_check_masq(&p->call, p->owner, as, n) < 0)
		goto out;
	ret = 0;
out:
	cni_rtnl_close(cnl);
	cni_rtnl_close(hnl);
	return ret;
}

/* ---- GC and STATUS (1.1.0) ---- */

static int cmd_gc(struct cni_call *call)
{
	struct ptp *p = ptp_of(call);
	return cni_iface_gc(&p->call, "netns-ptp", p->ipam_type);
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
	.conf = conf_parse,
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
	.status = ptp_status,
};

int main(void)
{
	struct ptp p = { .name = NULL };

	return cni_skel_main(&ptp_skel, &p.call);
}
