/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-portmap: a drop-in for the reference portmap CNI plugin (the
 * portMappings capability), chained after an interface plugin whose
 * prevResult names the container's addresses. ADD publishes each mapping
 * as map elements in one shared nftables table (cni/lib/nft-portmap.h) and
 * passes prevResult on; DEL removes this attachment's elements only; CHECK
 * finds each of them; GC removes those of attachments no longer valid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "netns.h"
#include "portmap.h"
#include "../lib/skel.h"

struct portmap {
	struct cni_call call;
	struct pm_conf conf;
	char owner[CNI_NFT_OWNER_MAX];
};

static struct portmap *portmap_of(struct cni_call *c)
{
	return (struct portmap *)((char *)c - offsetof(struct portmap, call));
}

static void pm_of(struct portmap *p, struct cni_pm *pm)
{
	*pm = (struct cni_pm){ .owner = p->owner, .ports = p->conf.ports, .nports = p->conf.nports,
			       .cips = p->conf.cips, .ncips = p->conf.ncips, .snat = p->conf.snat };
}

static int pm_conf(struct cni_call *c)
{
	struct portmap *p = portmap_of(c);
	const char *name = json_string_value(json_object_get(c->config, "name"));

	if (name && c->env.containerid && c->env.ifname)
		cni_nft_owner(name, c->env.containerid, c->env.ifname, p->owner);
	return pm_conf_parse(c->config, c->env.ifname, &p->conf, &c->err);
}

/* As the reference's enableLocalnetRouting(): 127.0.0.0/8, DNATed in
 * OUTPUT to a container, may leave through the host-side interface
 * (net.ipv4.conf.IF.route_localnet). The reference sets it on the
 * interface that routes to the container; prevResult's host-side
 * interfaces are that one (ptp's veth, bridge's bridge) and the bridge's
 * veth, where it does no harm. An interface already gone is skipped. */
static int localnet_enable(struct portmap *p)
{
	char path[128];
	size_t i;
	int fd;

	for (i = 0; i < p->conf.nhost_ifs; i++) {
		const char *ifn = p->conf.host_ifs[i];
		if (netns_ifname_check(ifn) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", ifn);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || write(fd, "1", 1) != 1) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return cni_fail(&p->call.err, CNI_ERR_GENERIC, "unable to enable route_localnet on %s: %s",
					ifn, strerror(e));
		}
		close(fd);
	}
	return 0;
}

static bool has_v4(const struct pm_conf *c)
{
	size_t i;

	for (i = 0; i < c->ncips; i++)
		if (c->cips[i].family == AF_INET)
			return true;
	return false;
}

static int cmd_add(struct cni_call *c)
{
	struct portmap *p = portmap_of(c);
	json_t *prev = json_object_get(c->config, "prevResult");
	struct cni_pm pm;
	char msg[512];
	int r;

	if (!p->conf.have_prev)
		return cni_fail(&c->err, CNI_ERR_CONFIG, "must be called as chained plugin");
	if (p->conf.nmappings) {
		if (!p->conf.ncips)
			return cni_fail(&c->err, CNI_ERR_CONFIG,
					"prevResult has no address of %s in the container to publish ports to",
					c->env.ifname);
		if (p->conf.snat && has_v4(&p->conf) && localnet_enable(p) < 0)
			return -1;
		pm_of(p, &pm);
		r = cni_pm_add(&pm, msg, sizeof(msg));
		if (r < 0)
			return cni_fail(&c->err, CNI_ERR_GENERIC, "portMappings: %s", msg);
	}
	c->result = cni_result_upgrade(json_deep_copy(prev));
	/* Go's result type has no omitempty on dns: the reference prints
	 * "dns": {} whatever the previous plugin said. */
	if (c->result && !json_object_get(c->result, "dns"))
		json_object_set_new(c->result, "dns", json_object());
	return c->result ? 0 : cni_fail(&c->err, CNI_ERR_GENERIC, "out of memory");
}

/* Idempotent; what it knows decides how it finds its elements: with
 * runtimeConfig.portMappings and prevResult, by key (an empty list: there
 * is nothing); else from a listing, by owner. Hairpin and localhost
 * elements are looked for whatever snat says now. */
static int cmd_del(struct cni_call *c)
{
	struct portmap *p = portmap_of(c);
	struct cni_pm pm;
	char msg[512];
	int r;

	pm_of(p, &pm);
	pm.snat = true;
	if (p->conf.have_mappings && p->conf.have_prev && !p->conf.nmappings)
		return 0;
	if (!p->conf.have_mappings || !p->conf.have_prev || !p->conf.ncips)
		pm.nports = pm.ncips = 0;
	r = cni_pm_del(&pm, msg, sizeof(msg));
	if (r < 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "portMappings: %s", msg);
	return 0;
}

static int cmd_check(struct cni_call *c)
{
	struct portmap *p = portmap_of(c);
	struct cni_pm pm;
	char what[512];
	int r;

	if (!p->conf.have_prev)
		return cni_fail(&c->err, CNI_ERR_CONFIG, "must be called as chained plugin");
	if (!p->conf.nmappings)
		return 0;
	pm_of(p, &pm);
	r = cni_pm_check(&pm, what, sizeof(what));
	if (r < 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "portMappings: %s", what);
	if (r == 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "%s is missing", what);
	return 0;
}

static int cmd_gc(struct cni_call *c)
{
	json_t *valid = json_object_get(c->config, "cni.dev/valid-attachments"), *att;
	const char *name = json_string_value(json_object_get(c->config, "name"));
	char (*owners)[CNI_NFT_OWNER_MAX] = NULL;
	const char **keep = NULL;
	struct cni_nft *nft = NULL;
	char msg[512];
	size_t i, n = json_array_size(valid);
	int r;

	if (!json_is_array(valid))
		return cni_fail(&c->err, CNI_ERR_CONFIG,
				"GC needs \"cni.dev/valid-attachments\": a list of {\"containerID\", \"ifname\"}");
	json_array_foreach(valid, i, att)
		if (!json_is_string(json_object_get(att, "containerID")) ||
		    !json_is_string(json_object_get(att, "ifname")))
			return cni_fail(&c->err, CNI_ERR_CONFIG,
					"cni.dev/valid-attachments[%zu] must be {\"containerID\": string, \"ifname\": string}", i);
	keep = calloc(n + 1, sizeof(*keep));
	owners = calloc(n + 1, sizeof(*owners));
	if (!keep || !owners) {
		free(keep);
		free(owners);
		return cni_fail(&c->err, CNI_ERR_GENERIC, "out of memory");
	}
	json_array_foreach(valid, i, att) {
		cni_nft_owner(name, json_string_value(json_object_get(att, "containerID")),
			      json_string_value(json_object_get(att, "ifname")), owners[i]);
		keep[i] = owners[i];
	}
	r = cni_nft_open(&nft, msg, sizeof(msg));
	if (r == 0)
		r = cni_pm_gc(nft, name, keep, n, msg, sizeof(msg));
	cni_nft_close(nft);
	free(keep);
	free(owners);
	if (r < 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "portMappings: %s", msg);
	return 0;
}

/* CNI_ARGS are not checked: the reference portmap reads none. */
static const struct cni_skel portmap_skel = {
	.conf = pm_conf,
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
};

int main(void)
{
	struct portmap p = { 0 };
	int r = cni_skel_main(&portmap_skel, &p.call);

	pm_conf_free(&p.conf);
	return r;
}
