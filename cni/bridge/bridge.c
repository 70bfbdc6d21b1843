/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-bridge: a drop-in for the reference bridge CNI plugin on rtnl/.
 * ADD: the IPAM plugin (netns-ipam in-process, any other exec'd), the
 * bridge (made once, shared), a veth pair whose container end is born in the
 * container's namespace and whose host end is born on the bridge, the
 * addresses and routes, the gateways on the bridge (isGateway), forwarding,
 * masquerade (ipMasq, nftables as netns-ptp's), the result (bridge, host
 * veth, container interface). DEL: best-effort and idempotent; the bridge
 * stays, as the reference's. CHECK: compare prevResult with what is there.
 * GC and STATUS (spec 1.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "../lib/ipam.h"
#include "bridge.h"

/* The plugin's state around the skeleton's call (cni/lib/skel.h). */
static struct br *br_of(struct cni_call *c)
{
	return (struct br *)((char *)c - offsetof(struct br, call));
}

/* Fields of the reference's config that netns-bridge does not build: a
 * true/non-zero/non-empty value is refused with this reason (false, 0, []
 * and null are what it does anyway). */
static const struct {
	const char *key, *why;
} refused[] = {
	{ "vlan", "VLAN filtering on the bridge is not supported" },
	{ "vlanTrunk", "VLAN trunks are not supported" },
	{ "macspoofchk", "MAC spoof checking is not supported" },
	{ "disableContainerInterface", "a container interface left down is not supported" },
};

static bool set(json_t *v)
{
	return v && !json_is_null(v) && !json_is_false(v) && !(json_is_integer(v) && json_integer_value(v) == 0) &&
	       !(json_is_array(v) && json_array_size(v) == 0);
}

static int conf_parse(struct cni_call *call)
{
	struct br *b = br_of(call);
	json_t *c = b->call.config, *ipam = json_object_get(c, "ipam");
	size_t i;

	b->name = json_string_value(json_object_get(c, "name"));
	if (cni_get_string(c, "bridge", "", &b->bridge, &b->call.err) < 0)
		return -1;
	if (!b->bridge || !*b->bridge)
		b->bridge = "cni0";
	if (cni_get_bool(c, "isGateway", "", &b->is_gw, &b->call.err) < 0 ||
	    cni_get_bool(c, "isDefaultGateway", "", &b->is_default_gw, &b->call.err) < 0 ||
	    cni_get_bool(c, "forceAddress", "", &b->force_address, &b->call.err) < 0 ||
	    cni_get_bool(c, "ipMasq", "", &b->ip_masq, &b->call.err) < 0 ||
	    cni_get_bool(c, "hairpinMode", "", &b->hairpin, &b->call.err) < 0 ||
	    cni_get_bool(c, "portIsolation", "", &b->isolated, &b->call.err) < 0 ||
	    cni_get_bool(c, "enabledad", "", &b->enable_dad, &b->call.err) < 0 ||
	    cni_get_bool(c, "promiscMode", "", &b->promisc, &b->call.err) < 0)
		return -1;
	if (b->is_default_gw)
		b->is_gw = true;
	if (b->hairpin && b->promisc)
		return cni_fail(&b->call.err, CNI_ERR_CONFIG,
				"cannot set hairpin mode and promiscuous mode at the same time");
	if (b->call.env.cmd == CNI_ADD || b->call.env.cmd == CNI_CHECK)
		for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
			if (set(json_object_get(c, refused[i].key)))
				return cni_fail(&b->call.err, CNI_ERR_CONFIG, "%s: %s (netns-bridge)", refused[i].key,
						refused[i].why);
	if (b->call.env.cmd != CNI_ADD) {
		json_t *mtu = json_object_get(c, "mtu");
		if (mtu && !json_is_null(mtu) && !json_is_integer(mtu))
			return cni_fail(&b->call.err, CNI_ERR_CONFIG, "mtu must be an integer");
	} else if (cni_get_uint(c, "mtu", "", 65535, &b->mtu, &b->call.err) < 0) {
		return -1;
	}
	if (b->mtu && b->mtu < 68)
		return cni_fail(&b->call.err, CNI_ERR_CONFIG, "mtu %u is below the minimum of 68", b->mtu);
	if (cni_masq_backend_check(&b->call, "netns-bridge", b->ip_masq) < 0)
		return -1;
	/* No ipam type: layer 2 only, as the reference's ("ipam": {}). */
	if (ipam && !json_is_object(ipam) && !json_is_null(ipam))
		return cni_fail(&b->call.err, CNI_ERR_CONFIG, "ipam must be an object");
	if (json_is_object(ipam) && cni_get_string(ipam, "type", "ipam.", &b->ipam_type, &b->call.err) < 0)
		return -1;
	if (b->ipam_type && !*b->ipam_type)
		b->ipam_type = NULL;
	if (b->ipam_type && (strchr(b->ipam_type, '/') || strcmp(b->ipam_type, "..") == 0 ||
			     strcmp(b->ipam_type, ".") == 0))
		return cni_fail(&b->call.err, CNI_ERR_CONFIG, "ipam.type must name a plugin in CNI_PATH");
	b->dns = json_object_get(c, "dns");
	if (b->dns && !json_is_object(b->dns) && !json_is_null(b->dns))
		return cni_fail(&b->call.err, CNI_ERR_CONFIG, "dns must be an object");
	if (json_is_null(b->dns))
		b->dns = NULL;
	cni_hostveth_name(b->call.env.containerid, b->call.env.ifname, b->host_if);
	if (b->name && b->call.env.containerid && b->call.env.ifname)
		cni_nft_owner(b->name, b->call.env.containerid, b->call.env.ifname, b->owner);
	return 0;
}

static int ipam_exec(struct br *b, enum cni_cmd cmd, json_t **ret)
{
	if (!b->ipam_type) {
		if (ret)
			*ret = NULL;
		return 0;
	}
	return cni_ipam_delegate(&b->call, b->ipam_type, cmd, ret);
}

/* isDefaultGateway: a default route per family through its first gateway,
 * unless the result has a default route with a gw already (calcGateways). */
static void default_routes(const struct cni_iface_addr *as, size_t n, json_t *routes)
{
	bool done[2] = { false, false };
	size_t i, k;
	json_t *rt;

	json_array_foreach(routes, k, rt) {
		const char *dst = json_string_value(json_object_get(rt, "dst"));

		if (!json_object_get(rt, "gw") || !dst)
			continue;
		if (strcmp(dst, "0.0.0.0/0") == 0)
			done[0] = true;
		if (strcmp(dst, "::/0") == 0)
			done[1] = true;
	}
	for (i = 0; i < n; i++) {
		int v6 = as[i].ip.family == AF_INET6;
		char gw[64];

		if (done[v6] || !as[i].has_gw)
			continue;
		cni_ip_format(&as[i].gw, gw, sizeof(gw));
		json_array_append_new(routes, json_pack("{s:s, s:s}", "dst", v6 ? "::/0" : "0.0.0.0/0", "gw", gw));
		done[v6] = true;
	}
}

/* ---- ADD ---- */

static int cmd_add(struct cni_call *call)
{
	struct br *b = br_of(call);
	json_t *ipam_res = NULL, *result = NULL, *ips = NULL, *routes = NULL;
	struct cni_iface_addr as[MAX_IPS];
	struct br_made m = { .veth = false };
	struct mnl_socket *hnl = NULL, *cnl = NULL;
	size_t n = 0, i;
	int r, ret = -1;
	bool masq = false;

	if (cni_call_netns(&b->call) < 0)
		return -1;
	r = cni_rtnl_open(b->call.netns_fd, &cnl);
	if (r == 0)
		r = cni_rtnl_open(-1, &hnl);
	if (r < 0) {
		cni_fail(&b->call.err, CNI_ERR_GENERIC, "rtnetlink: %s", strerror(-r));
		goto out;
	}
	if (ipam_exec(b, CNI_ADD, &ipam_res) < 0)
		goto out;
	routes = json_array();
	if (ipam_res) {
		json_t *rr = json_object_get(ipam_res, "routes");

		if (rr && !json_is_array(rr)) {
			cni_fail(&b->call.err, CNI_ERR_DECODE, "the IPAM result's routes is not a list");
			goto undo;
		}
		if (rr)
			json_array_extend(routes, rr);
		ips = json_deep_copy(json_object_get(ipam_res, "ips"));
		if (cni_iface_addrs_parse(&b->call, ips, b->is_gw, as, &n) < 0)
			goto undo;
		if (b->is_default_gw)
			default_routes(as, n, routes);
	}
	if (br_links_setup(b, hnl, cnl, as, n, routes, &m) < 0)
		goto undo;
	/* Forwarding for each family a gateway serves, as the reference's
	 * (only with isGateway). */
	for (i = 0; b->is_gw && i < n; i++)
		if (cni_forwarding_on(as[i].ip.family, &b->call.err) < 0)
			goto undo;
	if (b->ip_masq && n) {
		masq = true;
		if (cni_iface_masq_add(&b->call, b->owner, as, n) < 0)
			goto undo;
	}
	result = json_object();
	json_object_set_new(result, "cniVersion", json_string(b->call.version));
	json_object_set_new(result, "interfaces",
			    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}]", "name", b->bridge, "mac", m.br_mac,
				      "name", b->host_if, "mac", m.host_mac, "name", b->call.env.ifname, "mac",
				      m.ctr_mac, "sandbox", b->call.env.netns));
	if (ips)
		json_object_set_new(result, "ips", cni_iface_result_ips(ips, 2));
	if (json_array_size(routes))
		json_object_set(result, "routes", routes);
	json_object_set_new(result, "dns", cni_dns_result(b->dns, json_object_get(ipam_res, "dns")));
	b->call.result = result;
	result = NULL;
	ret = 0;
	goto out;
undo:
	if (masq)
		cni_iface_masq_undo(b->owner, as, n);
	if (m.veth)
		netns_link_delete(-1, b->host_if);
	{
		struct cni_err keep = b->call.err;
		ipam_exec(b, CNI_DEL, NULL);
		b->call.err = keep;
	}
out:
	cni_rtnl_close(hnl);
	cni_rtnl_close(cnl);
	json_decref(result);
	json_decref(ips);
	json_decref(routes);
	json_decref(ipam_res);
	return ret;
}

/* ---- DEL ---- */

static int cmd_del(struct cni_call *call)
{
	struct br *b = br_of(call);
	return cni_iface_del(&b->call, "netns-bridge", b->host_if, b->owner, b->ip_masq, b->ipam_type);
}

/* ---- CHECK ---- */

/* Link NAME of NL into L[0] (L: RTNL_BATCH_MAX of them, as a batch's
 * callback fills), or a CHECK failure naming WHAT. */
static int link_read(struct br *b, struct mnl_socket *nl, const char *name, struct cni_rtnl_link *l,
		     const char *what)
{
	struct rtnl_batch q;
	int r;

	memset(l, 0, sizeof(*l));
	r = rtnl_batch_start(&q);
	if (r == 0)
		r = cni_batch_getlink(&q, &(struct rtnl_link){ .ifname = name });
	if (r >= 0)
		r = rtnl_batch_run(nl, &q, cni_rtnl_link_slot_cb, l);
	if (r >= 0)
		r = q.err[0];
	rtnl_batch_stop(&q);
	if (r < 0 || !l->index)
		return cni_fail(&b->call.err, CNI_ERR_GENERIC, "%s %s is missing", what, name);
	return 0;
}

static int cmd_check(struct cni_call *call)
{
	struct br *b = br_of(call);
	json_t *prev = json_object_get(b->call.config, "prevResult"), *ips;
	struct cni_iface_addr as[MAX_IPS];
	struct mnl_socket *cnl = NULL, *hnl = NULL;
	struct cni_rtnl_link brl[RTNL_BATCH_MAX], hl[RTNL_BATCH_MAX], cl[RTNL_BATCH_MAX];
	size_t n = 0;
	int ret = -1;

	if (!json_is_object(prev))
		return cni_fail(&b->call.err, CNI_ERR_CONFIG, "CHECK needs a prevResult");
	if (ipam_exec(b, CNI_CHECK, NULL) < 0)
		return -1;
	if (cni_call_netns(&b->call) < 0)
		return -1;
	ips = json_object_get(prev, "ips");
	if (b->ipam_type && cni_iface_addrs_parse(&b->call, ips, false, as, &n) < 0)
		return -1;
	if (cni_rtnl_open(b->call.netns_fd, &cnl) < 0 || cni_rtnl_open(-1, &hnl) < 0) {
		cni_fail(&b->call.err, CNI_ERR_GENERIC, "cannot open rtnetlink");
		goto out;
	}
	if (link_read(b, hnl, b->bridge, brl, "bridge") < 0 || link_read(b, hnl, b->host_if, hl, "host interface") < 0 ||
	    link_read(b, cnl, b->call.env.ifname, cl, "interface") < 0)
		goto out;
	if (strcmp(brl[0].kind, "bridge") != 0) {
		cni_fail(&b->call.err, CNI_ERR_GENERIC, "\"%s\" is not a bridge", b->bridge);
		goto out;
	}
	if (hl[0].master != brl[0].index) {
		cni_fail(&b->call.err, CNI_ERR_GENERIC, "host interface %s is not a port of %s", b->host_if, b->bridge);
		goto out;
	}
	if (cni_iface_check_addrs(&b->call, as, n) < 0)
		goto out;
	if (cni_iface_check_routes(&b->call, cnl, cl[0].index, prev) < 0)
		goto out;
	if (b->ip_masq && n && cni_iface_check_masq(&b->call, b->owner, as, n) < 0)
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
	struct br *b = br_of(call);
	return cni_iface_gc(&b->call, "netns-bridge", b->ipam_type);
}

static int br_status(struct cni_call *c)
{
	return ipam_exec(br_of(c), CNI_STATUS, NULL);
}

static const struct cni_skel br_skel = {
	.known_args = cni_args_known,
	.args_checked = CNI_CMD_BIT(CNI_ADD) | CNI_CMD_BIT(CNI_DEL) | CNI_CMD_BIT(CNI_CHECK) |
			CNI_CMD_BIT(CNI_GC) | CNI_CMD_BIT(CNI_STATUS),
	.conf = conf_parse,
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
	.status = br_status,
};

int main(void)
{
	struct br b = { .name = NULL };

	return cni_skel_main(&br_skel, &b.call);
}
