/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-portmap's config, as the reference portmap reads it
 * (plugins/meta/portmap/main.go parseConfig): snat, markMasqBit,
 * externalSetMarkChain, conditionsV4/V6, runtimeConfig.portMappings, and
 * the container's addresses from prevResult. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portmap.h"

static bool ip_unspecified(const struct rtnl_ip *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip->a, zero, ip->family == AF_INET ? 4 : 16) == 0;
}

/* iptables match arguments, which an nftables plugin cannot apply:
 * refused when there are any, rather than silently dropped. */
static int conditions_check(json_t *config, const char *key, struct cni_err *err)
{
	json_t *v = json_object_get(config, key);

	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
		return 0;
	if (!json_is_array(v))
		return cni_fail(err, CNI_ERR_CONFIG, "%s must be a list of strings", key);
	return cni_fail(err, CNI_ERR_FIELD,
			"%s holds iptables match arguments: netns-portmap publishes ports through nftables and does not take them", key);
}

static int fields_parse(json_t *config, struct pm_conf *c, struct cni_err *err)
{
	const char *chain = NULL;
	json_t *bit = json_object_get(config, "markMasqBit");

	c->snat = true;
	if (cni_get_bool(config, "snat", "", &c->snat, err) < 0 ||
	    cni_get_string(config, "externalSetMarkChain", "", &chain, err) < 0)
		return -1;
	if (bit && !json_is_null(bit) &&
	    (!json_is_integer(bit) || json_integer_value(bit) < 0 || json_integer_value(bit) > 31))
		return cni_fail(err, CNI_ERR_CONFIG, "markMasqBit must be between 0 and 31");
	if (chain && *chain && bit && !json_is_null(bit))
		return cni_fail(err, CNI_ERR_CONFIG, "cannot specify externalSetMarkChain and markMasqBit");
	/* An iptables chain (kube-proxy's KUBE-MARK-MASQ) that would mark the
	 * packets to masquerade: there is no such chain for nftables rules to
	 * jump to. markMasqBit is read and checked, but netns-portmap needs
	 * no mark: its postrouting rule picks the packets from its sets. */
	if (chain && *chain)
		return cni_fail(err, CNI_ERR_FIELD,
				"externalSetMarkChain names an iptables chain: netns-portmap masquerades through nftables and does not take it");
	if (conditions_check(config, "conditionsV4", err) < 0 ||
	    conditions_check(config, "conditionsV6", err) < 0)
		return -1;
	return 0;
}

/* The container's first address of each family on IFNAME, as the
 * reference takes them: an address whose interface is known must be
 * IFNAME inside the sandbox. Also collects the host-side interfaces. */
static int prev_parse(json_t *prev, const char *ifname, struct pm_conf *c, struct cni_err *err)
{
	json_t *ifaces = json_object_get(prev, "interfaces"), *ips = json_object_get(prev, "ips"), *it;
	size_t i;

	if (ips && !json_is_array(ips))
		return cni_fail(err, CNI_ERR_DECODE, "prevResult.ips must be a list");
	if (ifaces && !json_is_array(ifaces))
		return cni_fail(err, CNI_ERR_DECODE, "prevResult.interfaces must be a list");
	json_array_foreach(ifaces, i, it) {
		const char *sb = json_string_value(json_object_get(it, "sandbox"));
		const char *name = json_string_value(json_object_get(it, "name"));
		if (name && (!sb || !*sb) && c->nhost_ifs < sizeof(c->host_ifs) / sizeof(c->host_ifs[0]))
			c->host_ifs[c->nhost_ifs++] = name;
	}
	json_array_foreach(ips, i, it) {
		const char *a = json_string_value(json_object_get(it, "address"));
		json_t *idx = json_object_get(it, "interface");
		struct rtnl_ip ip;
		unsigned plen;
		size_t j;
		bool dup = false;

		if (!a || cni_cidr_parse(a, &ip, &plen) < 0)
			return cni_fail(err, CNI_ERR_DECODE, "prevResult.ips[%zu].address is not a CIDR", i);
		if (json_is_integer(idx)) {
			json_t *ifc = json_array_get(ifaces, (size_t)json_integer_value(idx));
			const char *name = json_string_value(json_object_get(ifc, "name"));
			const char *sb = json_string_value(json_object_get(ifc, "sandbox"));
			if (json_integer_value(idx) < 0 || !ifc || !sb || !*sb ||
			    (ifname && (!name || strcmp(name, ifname) != 0)))
				continue;
		}
		for (j = 0; j < c->ncips; j++)
			dup |= c->cips[j].family == ip.family;
		if (!dup)
			c->cips[c->ncips++] = ip;
	}
	return 0;
}

static int mapping_parse(json_t *m, size_t i, struct pm_conf *c, struct cni_err *err)
{
	const char *proto = "tcp", *host = NULL;
	unsigned hp = 0, cp = 0;
	struct rtnl_ip hip = { 0 };
	uint8_t p;
	size_t j;
	char path[64];

	snprintf(path, sizeof(path), "runtimeConfig.portMappings[%zu].", i);
	if (!json_is_object(m))
		return cni_fail(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu] must be an object", i);
	if (cni_get_uint(m, "hostPort", path, 65535, &hp, err) < 0 ||
	    cni_get_uint(m, "containerPort", path, 65535, &cp, err) < 0 ||
	    cni_get_string(m, "protocol", path, &proto, err) < 0 ||
	    cni_get_string(m, "hostIP", path, &host, err) < 0)
		return -1;
	if (!hp)
		return cni_fail(err, CNI_ERR_CONFIG, "Invalid host port number: %u", hp);
	if (!cp)
		return cni_fail(err, CNI_ERR_CONFIG, "Invalid container port number: %u", cp);
	if (strcasecmp(proto, "tcp") == 0 || !*proto)
		p = IPPROTO_TCP;
	else if (strcasecmp(proto, "udp") == 0)
		p = IPPROTO_UDP;
	else if (strcasecmp(proto, "sctp") == 0)
		p = IPPROTO_SCTP;
	else
		return cni_fail(err, CNI_ERR_CONFIG, "%sprotocol \"%.16s\" is not tcp, udp or sctp", path, proto);
	if (host && *host && cni_ip_parse(host, &hip) < 0)
		return cni_fail(err, CNI_ERR_CONFIG, "%shostIP \"%.64s\" is not an IP address", path, host);
	/* One entry per container address it applies to: a hostIP binds it
	 * to its family, the unspecified one (0.0.0.0, ::) to any local
	 * address of that family. */
	for (j = 0; j < c->ncips; j++) {
		struct cni_pm_port *e = &c->ports[c->nports];
		if (hip.family && hip.family != c->cips[j].family)
			continue;
		memset(e, 0, sizeof(*e));
		e->cip = c->cips[j];
		if (hip.family && !ip_unspecified(&hip))
			e->host = hip;
		e->proto = p;
		e->hport = (uint16_t)hp;
		e->cport = (uint16_t)cp;
		c->nports++;
	}
	return 0;
}

int pm_conf_parse(json_t *config, const char *ifname, struct pm_conf *c, struct cni_err *err)
{
	json_t *rt = json_object_get(config, "runtimeConfig"), *prev = json_object_get(config, "prevResult");
	json_t *maps = json_object_get(rt, "portMappings"), *m;
	size_t i;

	if (fields_parse(config, c, err) < 0)
		return -1;
	if (rt && !json_is_object(rt) && !json_is_null(rt))
		return cni_fail(err, CNI_ERR_CONFIG, "runtimeConfig must be an object");
	if (maps && !json_is_array(maps) && !json_is_null(maps))
		return cni_fail(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings must be a list");
	if (prev && !json_is_object(prev) && !json_is_null(prev))
		return cni_fail(err, CNI_ERR_DECODE, "prevResult must be an object");
	c->have_prev = json_is_object(prev);
	c->have_mappings = json_is_array(maps);
	if (c->have_prev && prev_parse(prev, ifname, c, err) < 0)
		return -1;
	c->nmappings = json_array_size(maps);
	if (c->nmappings > PM_MAX_MAPPINGS)
		return cni_fail(err, CNI_ERR_CONFIG, "more than %d port mappings", PM_MAX_MAPPINGS);
	if (c->nmappings) {
		c->ports = calloc(c->nmappings * 2, sizeof(*c->ports));
		if (!c->ports)
			return cni_fail(err, CNI_ERR_GENERIC, "out of memory");
	}
	json_array_foreach(maps, i, m)
		if (mapping_parse(m, i, c, err) < 0)
			return -1;
	return 0;
}

void pm_conf_free(struct pm_conf *c)
{
	free(c->ports);
	c->ports = NULL;
}
