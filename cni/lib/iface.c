/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the interface plugins share (iface.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "iface.h"
#include "rtnl.h"
#include "skel.h"
#include "ipam.h"

void cni_hostveth_name(const char *id, const char *ifname, char buf[16])
{
	snprintf(buf, 16, "veth%08x", cni_hash(id, ifname));
}

void cni_hostveth_alias(const char *plugin, const char *name, const char *id, const char *ifname,
			const char *const *cidrs, size_t n, char alias[256])
{
	size_t i;
	int o = snprintf(alias, 256, "%s %s %s %s", plugin, name, id, ifname);

	for (i = 0; i < n && o > 0 && (size_t)o < 256; i++)
		o += snprintf(alias + o, 256 - (size_t)o, " %s", cidrs[i]);
	if (o < 0 || (size_t)o >= 256)
		snprintf(alias, 256, "%s %s %s %s", plugin, name, id, ifname);
}

size_t cni_hostveth_masq(const char *plugin, const char *name, const char *id, const char *ifname,
			 const char *host_if, struct cni_masq *mq, size_t max)
{
	struct mnl_socket *nl = NULL;
	char alias[256], head[256], *tok, *save = NULL;
	size_t n = 0, hl;

	if (cni_rtnl_open(-1, &nl) < 0)
		return 0;
	if (cni_rtnl_link_alias_get(nl, host_if, alias, sizeof(alias)) < 0)
		alias[0] = '\0';
	cni_rtnl_close(nl);
	hl = (size_t)snprintf(head, sizeof(head), "%s %s %s %s ", plugin, name, id, ifname);
	if (hl >= sizeof(head) || strncmp(alias, head, hl) != 0)
		return 0;
	for (tok = strtok_r(alias + hl, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save)) {
		struct cni_masq *m = &mq[n];
		if (cni_cidr_parse(tok, &m->ip, &m->plen) < 0)
			return 0; /* not ours after all: look them up by owner */
		m->net = m->ip;
		cni_ip_network(&m->net, m->plen);
		n++;
	}
	return n;
}

struct gc {
	json_t *valid;
	char prefix[300];
	char (*doomed)[16];
	size_t n, cap;
};

static bool attachment_valid(json_t *valid, const char *id, const char *ifname)
{
	json_t *att;
	size_t i;

	json_array_foreach(valid, i, att) {
		const char *vid = json_string_value(json_object_get(att, "containerID"));
		const char *vif = json_string_value(json_object_get(att, "ifname"));
		if (vid && vif && strcmp(vid, id) == 0 && strcmp(vif, ifname) == 0)
			return true;
	}
	return false;
}

/* A host end whose alias says "PLUGIN NETWORK ID IFNAME" and no valid
 * attachment owns: doomed. */
static int gc_link(const char *ifname, const char *alias, void *data)
{
	struct gc *g = data;
	size_t plen = strlen(g->prefix);
	char id[256], cif[32], mine[16];

	if (strncmp(alias, g->prefix, plen) != 0 || sscanf(alias + plen, "%255s %31s", id, cif) != 2)
		return 0;
	cni_hostveth_name(id, cif, mine);
	/* A truncated or foreign alias names another link: not ours to delete.
	 * One that DEL retired and whose deletion was cut short is garbage. */
	if (strncmp(ifname, CNI_RETIRED, strlen(CNI_RETIRED)) != 0 &&
	    (strcmp(mine, ifname) != 0 || attachment_valid(g->valid, id, cif)))
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		char (*d)[16] = realloc(g->doomed, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		g->doomed = d, g->cap = cap;
	}
	snprintf(g->doomed[g->n++], 16, "%s", ifname);
	return 0;
}

int cni_hostveth_gc(const char *plugin, const char *name, json_t *valid, struct cni_err *err)
{
	struct gc g = { .valid = valid };
	struct mnl_socket *nl = NULL;
	struct cni_nft *nft = NULL;
	char (*owners)[CNI_NFT_OWNER_MAX] = NULL;
	const char **keep = NULL;
	char nmsg[256];
	size_t i, n = 0;
	json_t *att;
	int r, ret = -1;

	snprintf(g.prefix, sizeof(g.prefix), "%s %s ", plugin, name);
	r = cni_rtnl_open(-1, &nl);
	if (r == 0)
		r = cni_rtnl_link_aliases(nl, gc_link, &g);
	if (r < 0) {
		cni_fail(err, CNI_ERR_GENERIC, "cannot list the host's links: %s", strerror(-r));
		goto out;
	}
	for (i = 0; i < g.n; i++) {
		r = netns_link_delete(-1, g.doomed[i]);
		if (r < 0 && r != -ENODEV) {
			cni_fail(err, CNI_ERR_GENERIC, "cannot delete %s: %s", g.doomed[i], strerror(-r));
			goto out;
		}
	}
	keep = calloc(json_array_size(valid) + 1, sizeof(*keep));
	owners = calloc(json_array_size(valid) + 1, sizeof(*owners));
	if (!keep || !owners) {
		cni_fail(err, CNI_ERR_GENERIC, "out of memory");
		goto out;
	}
	json_array_foreach(valid, i, att) {
		cni_nft_owner(name, json_string_value(json_object_get(att, "containerID")),
			      json_string_value(json_object_get(att, "ifname")), owners[n]);
		keep[n] = owners[n];
		n++;
	}
	/* Whatever ipMasq says now: the rules may be from when it was on. */
	if (cni_nft_open(&nft, nmsg, sizeof(nmsg)) < 0 ||
	    cni_nft_gc(nft, name, keep, n, nmsg, sizeof(nmsg)) < 0) {
		cni_fail(err, CNI_ERR_GENERIC, "ipMasq: %s", nmsg);
		goto out;
	}
	ret = 0;
out:
	cni_nft_close(nft);
	free(keep);
	free(owners);
	free(g.doomed);
	cni_rtnl_close(nl);
	return ret;
}

/* Turns on forwarding at PATH, a /proc/sys/net file of the host's
 * namespace (the namespace of the thread that opens it: ours, never
 * switched); without it a container reaches nothing past the host. Read
 * first, so that the common case (on already) costs one open and read, and
 * a read-only /proc/sys where it is on already is no error. */
int cni_forwarding_on(int family, struct cni_err *err)
{
	const char *path = family == AF_INET6 ? "/proc/sys/net/ipv6/conf/all/forwarding"
					      : "/proc/sys/net/ipv4/ip_forward";
	char c = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		goto fail;
	n = read(fd, &c, 1);
	close(fd);
	if (n < 0)
		goto fail;
	if (n == 1 && c == '1')
		return 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	n = write(fd, "1", 1);
	r = n == 1 ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	if (r == 0)
		return 0;
	errno = -r;
fail:
	return cni_fail(err, CNI_ERR_GENERIC, "cannot turn on IP forwarding: %s: %s", path, strerror(errno));
}

int cni_masq_backend_check(struct cni_call *c, const char *plugin, bool ip_masq)
{
	const char *b = NULL;

	if (cni_get_string(c->config, "ipMasqBackend", "", &b, &c->err) < 0)
		return -1;
	if (!b || strcmp(b, "nftables") == 0)
		return 0;
	if (strcmp(b, "iptables") != 0)
		return cni_fail(&c->err, CNI_ERR_CONFIG,
				"ipMasqBackend \"%.64s\" is unknown: %s masquerades through \"nftables\"", b, plugin);
	if (ip_masq && (c->env.cmd == CNI_ADD || c->env.cmd == CNI_CHECK))
		return cni_fail(&c->err, CNI_ERR_CONFIG,
				"ipMasqBackend \"iptables\" is not supported: %s masquerades through nftables (set \"nftables\" or leave it out)",
				plugin);
	return 0;
}

json_t *cni_dns_result(json_t *conf_dns, json_t *ipam_dns)
{
	static const char *const keys[] = { "nameservers", "domain", "search", "options" };
	const char *domain = json_string_value(json_object_get(conf_dns, "domain"));
	json_t *from = ipam_dns, *dns = json_object(), *v;
	size_t i;

	if (json_is_array(json_object_get(conf_dns, "nameservers")) ||
	    json_is_array(json_object_get(conf_dns, "search")) ||
	    json_is_array(json_object_get(conf_dns, "options")) || (domain && *domain))
		from = conf_dns;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(from, keys[i]);
		if ((json_is_array(v) && json_array_size(v)) || (json_is_string(v) && *json_string_value(v)))
			json_object_set_new(dns, keys[i], json_deep_copy(v));
	}
	return dns;
}

/* The IPAM plugin's CMD, when there is one. */
static int ipam_exec(struct cni_call *c, const char *ipam_type, enum cni_cmd cmd)
{
	return ipam_type ? cni_ipam_delegate(c, ipam_type, cmd, NULL) : 0;
}

int cni_iface_del(struct cni_call *c, const char *plugin, const char *host_if, const char *owner,
		  bool ip_masq, const char *ipam_type)
{
	const char *name = json_string_value(json_object_get(c->config, "name"));
	struct cni_err ipam_err = { 0 };
	struct cni_masq mq[CNI_IFACE_MAX_IPS];
	struct cni_nft *nft = NULL;
	char nmsg[256];
	bool ipam_failed, nft_failed = false;
	int r, fd = -1, nft_fd = -1;

	if (c->env.netns)
		fd = netns_fd_open_path(c->env.netns);
	if (ip_masq) {
		/* The rules first, while the host end's alias says which
		 * elements are this attachment's; without it (the namespace
		 * went and took the veth along) nft.c looks them up by owner.
		 * The context stays open to the end: see cni_nft_open(). */
		size_t n = cni_hostveth_masq(plugin, name, c->env.containerid, c->env.ifname, host_if, mq,
					     CNI_IFACE_MAX_IPS);

		if (n)
			nft_fd = cni_nft_del_fast(mq, n);
		if (nft_fd < 0)
			nft_failed = cni_nft_open(&nft, nmsg, sizeof(nmsg)) < 0 ||
				     cni_nft_del(nft, owner, mq, n, nmsg, sizeof(nmsg)) < 0;
	}
	ipam_failed = ipam_exec(c, ipam_type, CNI_DEL) < 0;
	if (ipam_failed)
		ipam_err = c->err;
	r = cni_veth_retire(host_if, c->env.ifname, fd);
	if (r < 0 && fd >= 0)
		netns_link_delete(fd, c->env.ifname);
	if (r < 0)
		r = netns_link_delete(-1, host_if);
	if (fd >= 0)
		close(fd);
	if (nft_fd >= 0)
		close(nft_fd);
	cni_nft_close(nft);
	if (nft_failed && !ipam_failed)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "ipMasq: %s", nmsg);
	if (ipam_failed) {
		c->err = ipam_err;
		return -1;
	}
	if (r < 0 && r != -ENODEV)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "cannot delete %s: %s", host_if, strerror(-r));
	return 0;
}

int cni_iface_gc(struct cni_call *c, const char *plugin, const char *ipam_type)
{
	json_t *valid = json_object_get(c->config, "cni.dev/valid-attachments"), *att;
	size_t i;

	if (!json_is_array(valid))
		return cni_fail(&c->err, CNI_ERR_CONFIG,
				"GC needs \"cni.dev/valid-attachments\": a list of {\"containerID\", \"ifname\"}");
	json_array_foreach(valid, i, att)
		if (!json_is_string(json_object_get(att, "containerID")) ||
		    !json_is_string(json_object_get(att, "ifname")))
			return cni_fail(&c->err, CNI_ERR_CONFIG,
					"cni.dev/valid-attachments[%zu] must be {\"containerID\": string, \"ifname\": string}", i);
	if (ipam_exec(c, ipam_type, CNI_GC) < 0)
		return -1;
	return cni_hostveth_gc(plugin, json_string_value(json_object_get(c->config, "name")), valid, &c->err);
}

int cni_iface_check_routes(struct cni_call *c, struct mnl_socket *cnl, int oif, json_t *prev)
{
	json_t *rt;
	size_t i;

	json_array_foreach(json_object_get(prev, "routes"), i, rt) {
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		struct rtnl_route cr = { .oif = oif };
		unsigned plen;

		if (!dst || cni_cidr_parse(dst, &cr.dst, &plen) < 0)
			return cni_fail(&c->err, CNI_ERR_DECODE, "prevResult: a route has no valid dst");
		if (cni_rtnl_route_find(cnl, &cr) != 1)
			return cni_fail(&c->err, CNI_ERR_GENERIC, "the route to %s is missing in %s", dst, c->env.netns);
	}
	return 0;
}

int cni_iface_check_masq(struct cni_call *c, const char *owner, const struct cni_masq *mq, size_t n)
{
	struct cni_nft *nft = NULL;
	char nmsg[256];
	int r = cni_nft_open(&nft, nmsg, sizeof(nmsg));

	if (r == 0)
		r = cni_nft_check(nft, owner, mq, n, nmsg, sizeof(nmsg));
	cni_nft_close(nft);
	if (r < 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "ipMasq: %s", nmsg);
	if (r == 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "the ipMasq rules of container %s are missing",
				c->env.containerid);
	return 0;
}
