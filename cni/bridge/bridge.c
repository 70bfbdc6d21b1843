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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "../lib/ipam.h"
#include "bridge.h"

/* Fields of the reference's config that netns-bridge does not build: a
 * true/non-zero/non-empty value is refused with this reason (false, 0, []
 * and null are what it does anyway). */
static const struct {
	const char *key, *why;
} refused[] = {
	{ "promiscMode", "the bridge's promiscuous mode is not supported" },
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

static int conf_parse(struct br *b)
{
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
	    cni_get_bool(c, "enabledad", "", &b->enable_dad, &b->call.err) < 0)
		return -1;
	if (b->is_default_gw)
		b->is_gw = true;
	if (b->hairpin && json_is_true(json_object_get(c, "promiscMode")))
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

/* ---- results ---- */

/* An address of a result; its gateway, or network+1 when isGateway and
 * there is none (the reference's calcGatewayIP), written back to IPJ. */
static int addr_parse(struct br *b, json_t *ipj, struct br_addr *a, bool fill_gw)
{
	const char *gw = json_string_value(json_object_get(ipj, "gateway"));

	memset(a, 0, sizeof(*a));
	a->cidr = json_string_value(json_object_get(ipj, "address"));
	if (!a->cidr || cni_cidr_parse(a->cidr, &a->ip, &a->plen) < 0)
		return cni_fail(&b->call.err, CNI_ERR_DECODE, "a result address is not a CIDR");
	a->net = a->ip;
	cni_ip_network(&a->net, a->plen);
	if (gw) {
		if (cni_ip_parse(gw, &a->gw) < 0 || a->gw.family != a->ip.family)
			return cni_fail(&b->call.err, CNI_ERR_DECODE, "gateway %s of %s is not an address of its family",
					gw, a->cidr);
		a->has_gw = true;
	} else if (fill_gw && b->is_gw) {
		char buf[64];

		a->gw = a->net;
		cni_ip_next(&a->gw);
		a->gw.prefix = a->gw.family == AF_INET ? 32 : 128;
		a->has_gw = true;
		cni_ip_format(&a->gw, buf, sizeof(buf));
		json_object_set_new(ipj, "gateway", json_string(buf));
	}
	return 0;
}

static int addrs_parse(struct br *b, json_t *ips, struct br_addr *as, size_t *ret_n, bool fill_gw)
{
	json_t *ipj;
	size_t i;

	if (!json_is_array(ips) || json_array_size(ips) == 0)
		return cni_fail(&b->call.err, CNI_ERR_DECODE, "IPAM plugin returned missing IP config");
	if (json_array_size(ips) > MAX_IPS)
		return cni_fail(&b->call.err, CNI_ERR_DECODE, "more than %d addresses", MAX_IPS);
	json_array_foreach(ips, i, ipj)
		if (addr_parse(b, ipj, &as[i], fill_gw) < 0)
			return -1;
	*ret_n = json_array_size(ips);
	return 0;
}

/* isDefaultGateway: a default route per family through its first gateway,
 * unless the result has a default route with a gw already (calcGateways). */
static void default_routes(const struct br_addr *as, size_t n, json_t *routes)
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

static int cmd_add(struct br *b)
{
	json_t *ipam_res = NULL, *result = NULL, *ips = NULL, *ipj, *routes = NULL;
	struct br_addr as[MAX_IPS];
	struct br_made m = { .veth = false };
	char nmsg[256];
	struct mnl_socket *hnl = NULL, *cnl = NULL;
	struct cni_nft *nft = NULL;
	struct cni_masq mq[MAX_IPS];
	size_t n = 0, i;
	int r, ret = -1;
	bool masq = false;

	b->nsfd = cni_netns_open(b->call.env.netns, &b->call.err);
	if (b->nsfd < 0)
		return -1;
	r = cni_rtnl_open(b->nsfd, &cnl);
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
		if (addrs_parse(b, ips, as, &n, true) < 0)
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
		for (i = 0; i < n; i++)
			mq[i] = (struct cni_masq){ .ip = as[i].ip, .net = as[i].net, .plen = as[i].plen };
		masq = true;
		if (cni_nft_add_fast(b->owner, mq, n) < 0 &&
		    (cni_nft_open(&nft, nmsg, sizeof(nmsg)) < 0 || cni_nft_add(nft, b->owner, mq, n, nmsg, sizeof(nmsg)) < 0)) {
			cni_fail(&b->call.err, CNI_ERR_GENERIC, "ipMasq: %s", nmsg);
			goto undo;
		}
	}
	result = json_object();
	json_object_set_new(result, "cniVersion", json_string(b->call.version));
	json_object_set_new(result, "interfaces",
			    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}]", "name", b->bridge, "mac", m.br_mac,
				      "name", b->host_if, "mac", m.host_mac, "name", b->call.env.ifname, "mac",
				      m.ctr_mac, "sandbox", b->call.env.netns));
	if (ips) {
		json_array_foreach(ips, i, ipj) {
			json_object_del(ipj, "version");
			json_object_set_new(ipj, "interface", json_integer(2));
		}
		json_object_set(result, "ips", ips);
	}
	if (json_array_size(routes))
		json_object_set(result, "routes", routes);
	json_object_set_new(result, "dns", cni_dns_result(b->dns, json_object_get(ipam_res, "dns")));
	b->call.result = result;
	result = NULL;
	ret = 0;
	goto out;
undo:
	if (masq) {
		if (!nft && cni_nft_open(&nft, nmsg, sizeof(nmsg)) < 0)
			nft = NULL;
		if (nft)
			cni_nft_del(nft, b->owner, mq, n, nmsg, sizeof(nmsg));
	}
	if (m.veth)
		netns_link_delete(-1, b->host_if);
	{
		struct cni_err keep = b->call.err;
		ipam_exec(b, CNI_DEL, NULL);
		b->call.err = keep;
	}
out:
	cni_nft_close(nft);
	cni_rtnl_close(hnl);
	cni_rtnl_close(cnl);
	json_decref(result);
	json_decref(ips);
	json_decref(routes);
	json_decref(ipam_res);
	return ret;
}

/* ---- DEL ---- */

static int cmd_del(struct br *b)
{
	return cni_iface_del(&b->call, "netns-bridge", b->host_if, b->owner, b->ip_masq, b->ipam_type);
}

/* ---- CHECK ---- */

struct has_addr {
	const char *ifname, *cidr;
	bool addr;
};

static int has_addr_cb(const struct netns_link *l, void *data)
{
	struct has_addr *h = data;
	size_t i;

	if (strcmp(l->name, h->ifname) != 0)
		return 0;
	for (i = 0; l->addrs && l->addrs[i]; i++)
		if (strcmp(l->addrs[i], h->cidr) == 0)
			h->addr = true;
	return 0;
}

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

static int cmd_check(struct br *b)
{
	json_t *prev = json_object_get(b->call.config, "prevResult"), *ips;
	struct br_addr as[MAX_IPS];
	struct mnl_socket *cnl = NULL, *hnl = NULL;
	struct cni_rtnl_link brl[RTNL_BATCH_MAX], hl[RTNL_BATCH_MAX], cl[RTNL_BATCH_MAX];
	size_t n = 0, i;
	int ret = -1;

	if (!json_is_object(prev))
		return cni_fail(&b->call.err, CNI_ERR_CONFIG, "CHECK needs a prevResult");
	if (ipam_exec(b, CNI_CHECK, NULL) < 0)
		return -1;
	b->nsfd = cni_netns_open(b->call.env.netns, &b->call.err);
	if (b->nsfd < 0)
		return -1;
	ips = json_object_get(prev, "ips");
	if (b->ipam_type && addrs_parse(b, ips, as, &n, false) < 0)
		return -1;
	if (cni_rtnl_open(b->nsfd, &cnl) < 0 || cni_rtnl_open(-1, &hnl) < 0) {
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
	for (i = 0; i < n; i++) {
		struct has_addr h = { .ifname = b->call.env.ifname, .cidr = as[i].cidr };

		netns_link_foreach(b->nsfd, has_addr_cb, &h);
		if (!h.addr) {
			cni_fail(&b->call.err, CNI_ERR_GENERIC, "address %s is missing on %s in %s", as[i].cidr,
				 b->call.env.ifname, b->call.env.netns);
			goto out;
		}
	}
	if (cni_iface_check_routes(&b->call, cnl, cl[0].index, prev) < 0)
		goto out;
	if (b->ip_masq && n) {
		struct cni_masq mq[MAX_IPS];

		for (i = 0; i < n; i++)
			mq[i] = (struct cni_masq){ .ip = as[i].ip, .net = as[i].net, .plen = as[i].plen };
		if (cni_iface_check_masq(&b->call, b->owner, mq, n) < 0)
			goto out;
	}
	ret = 0;
out:
	cni_rtnl_close(cnl);
	cni_rtnl_close(hnl);
	return ret;
}

/* ---- GC and STATUS (1.1.0) ---- */

static int cmd_gc(struct br *b)
{
	return cni_iface_gc(&b->call, "netns-bridge", b->ipam_type);
}

static struct br *br_of(struct cni_call *c)
{
	return (struct br *)((char *)c - offsetof(struct br, call));
}

static int br_conf(struct cni_call *c)
{
	return conf_parse(br_of(c));
}

static int br_add(struct cni_call *c)
{
	return cmd_add(br_of(c));
}

static int br_del(struct cni_call *c)
{
	return cmd_del(br_of(c));
}

static int br_check(struct cni_call *c)
{
	return cmd_check(br_of(c));
}

static int br_gc(struct cni_call *c)
{
	return cmd_gc(br_of(c));
}

static int br_status(struct cni_call *c)
{
	return ipam_exec(br_of(c), CNI_STATUS, NULL);
}

static const struct cni_skel br_skel = {
	.known_args = cni_args_known,
	.args_checked = CNI_CMD_BIT(CNI_ADD) | CNI_CMD_BIT(CNI_DEL) | CNI_CMD_BIT(CNI_CHECK) |
			CNI_CMD_BIT(CNI_GC) | CNI_CMD_BIT(CNI_STATUS),
	.conf = br_conf,
	.add = br_add,
	.del = br_del,
	.check = br_check,
	.gc = br_gc,
	.status = br_status,
};

int main(void)
{
	struct br b = { .nsfd = -1 };
	int r;

	/* A delegated IPAM plugin that exits before reading its stdin must
	 * not kill us (cni/lib/ipam.h). */
	signal(SIGPIPE, SIG_IGN);
	r = cni_skel_main(&br_skel, &b.call);
	if (b.nsfd >= 0)
		close(b.nsfd);
	return r;
}
