/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: netns-portmap's config (pm_conf_parse): runtimeConfig.
 * portMappings, prevResult's addresses, the refused fields. It returns 0,
 * or -1 with an error code and a message; on success every published port
 * has non-zero ports, a known protocol, a container address of the
 * attachment and a hostIP of that address's family (or none), and there
 * are at most two of them per mapping (one per family). */
#include <netinet/in.h>
#include <sys/socket.h>
#include <jansson.h>

#include "../cni/portmap/portmap.h"
#include "fuzz.h"

static bool in_cips(const struct pm_conf *c, const struct rtnl_ip *ip)
{
	size_t i;

	for (i = 0; i < c->ncips; i++)
		if (memcmp(&c->cips[i], ip, sizeof(*ip)) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *config = json_loadb((const char *)data, size, 0, NULL);
	struct pm_conf c = { 0 };
	struct cni_err err = { 0 };
	size_t i;

	if (!config)
		return 0;
	if (pm_conf_parse(config, "eth0", &c, &err) < 0) {
		if (!err.code || !err.msg[0])
			abort();
	} else {
		if (c.ncips > 2 || c.nports > 2 * c.nmappings || c.nmappings > PM_MAX_MAPPINGS ||
		    c.nhost_ifs > sizeof(c.host_ifs) / sizeof(c.host_ifs[0]))
			abort();
		if (c.ncips == 2 && c.cips[0].family == c.cips[1].family)
			abort();
		for (i = 0; i < c.nports; i++) {
			const struct cni_pm_port *p = &c.ports[i];
			if (!p->hport || !p->cport || !in_cips(&c, &p->cip))
				abort();
			if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP && p->proto != IPPROTO_SCTP)
				abort();
			if (p->host.family && p->host.family != p->cip.family)
				abort();
		}
	}
	pm_conf_free(&c);
	json_decref(config);
	return 0;
}
