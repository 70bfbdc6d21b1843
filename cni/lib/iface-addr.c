/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The addresses of an interface plugin's attachment (iface.h): read from a
 * result, masqueraded, checked. */
#include <string.h>
#include <sys/socket.h>

#include "netns.h"
#include "iface.h"
#include "skel.h"

static int addr_parse(struct cni_call *c, json_t *ipj, bool fill_gw, struct cni_iface_addr *a)
{
	const char *gw = json_string_value(json_object_get(ipj, "gateway"));

	memset(a, 0, sizeof(*a));
	a->cidr = json_string_value(json_object_get(ipj, "address"));
	if (!a->cidr || cni_cidr_parse(a->cidr, &a->ip, &a->plen) < 0)
		return cni_fail(&c->err, CNI_ERR_DECODE, "a result address is not a CIDR");
	a->net = a->ip;
	cni_ip_network(&a->net, a->plen);
	if (gw) {
		if (cni_ip_parse(gw, &a->gw) < 0 || a->gw.family != a->ip.family)
			return cni_fail(&c->err, CNI_ERR_DECODE, "gateway %s of %s is not an address of its family",
					gw, a->cidr);
		a->has_gw = true;
	} else if (fill_gw) {
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

int cni_iface_addrs_parse(struct cni_call *c, json_t *ips, bool fill_gw, struct cni_iface_addr *as, size_t *ret_n)
{
	json_t *ipj;
	size_t i;

	/* The reference plugins' words for it. */
	if (!json_is_array(ips) || json_array_size(ips) == 0)
		return cni_fail(&c->err, CNI_ERR_DECODE, "IPAM plugin returned missing IP config");
	if (json_array_size(ips) > CNI_IFACE_MAX_IPS)
		return cni_fail(&c->err, CNI_ERR_DECODE, "more than %d addresses", CNI_IFACE_MAX_IPS);
	json_array_foreach(ips, i, ipj)
		if (addr_parse(c, ipj, fill_gw, &as[i]) < 0)
			return -1;
	*ret_n = json_array_size(ips);
	return 0;
}

static size_t masq_of(const struct cni_iface_addr *as, size_t n, struct cni_masq *mq)
{
	for (size_t i = 0; i < n; i++)
		mq[i] = (struct cni_masq){ .ip = as[i].ip, .net = as[i].net, .plen = as[i].plen };
	return n;
}

int cni_iface_masq_add(struct cni_call *c, const char *owner, const struct cni_iface_addr *as, size_t n)
{
	struct cni_masq mq[CNI_IFACE_MAX_IPS];
	struct cni_nft *nft = NULL;
	char nmsg[256];
	int r;

	masq_of(as, n, mq);
	/* The common case in one nfnetlink batch; libnftables when the table
	 * or the network's chain is to be made, or to say why the batch
	 * failed. */
	if (cni_nft_add_fast(owner, mq, n) == 0)
		return 0;
	r = cni_nft_open(&nft, nmsg, sizeof(nmsg));
	if (r == 0)
		r = cni_nft_add(nft, owner, mq, n, nmsg, sizeof(nmsg));
	cni_nft_close(nft);
	return r < 0 ? cni_fail(&c->err, CNI_ERR_GENERIC, "ipMasq: %s", nmsg) : 0;
}

void cni_iface_masq_undo(const char *owner, const struct cni_iface_addr *as, size_t n)
{
	struct cni_masq mq[CNI_IFACE_MAX_IPS];
	struct cni_nft *nft = NULL;
	char nmsg[256];

	masq_of(as, n, mq);
	if (cni_nft_open(&nft, nmsg, sizeof(nmsg)) == 0)
		cni_nft_del(nft, owner, mq, n, nmsg, sizeof(nmsg));
	cni_nft_close(nft);
}

int cni_iface_check_masq(struct cni_call *c, const char *owner, const struct cni_iface_addr *as, size_t n)
{
	struct cni_masq mq[CNI_IFACE_MAX_IPS];
	struct cni_nft *nft = NULL;
	char nmsg[256];
	int r = cni_nft_open(&nft, nmsg, sizeof(nmsg));

	masq_of(as, n, mq);
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

struct has_addr {
	const char *ifname, *cidr;
	bool addr;
};

static int has_addr_cb(const struct netns_link *l, void *data)
{
	struct has_addr *h = data;

	if (strcmp(l->name, h->ifname) != 0)
		return 0;
	for (size_t i = 0; l->addrs && l->addrs[i]; i++)
		if (strcmp(l->addrs[i], h->cidr) == 0)
			h->addr = true;
	return 0;
}

int cni_iface_check_addrs(struct cni_call *c, const struct cni_iface_addr *as, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct has_addr h = { .ifname = c->env.ifname, .cidr = as[i].cidr };

		netns_link_foreach(c->netns_fd, has_addr_cb, &h);
		if (!h.addr)
			return cni_fail(&c->err, CNI_ERR_GENERIC, "address %s is missing on %s in %s", as[i].cidr,
					c->env.ifname, c->env.netns);
	}
	return 0;
}

json_t *cni_iface_result_ips(json_t *ips, int iface)
{
	json_t *out = json_deep_copy(ips), *ipj;
	size_t i;

	/* 1.0.0 dropped "version"; "interface" indexes the result's list. */
	json_array_foreach(out, i, ipj) {
		json_object_del(ipj, "version");
		json_object_set_new(ipj, "interface", json_integer(iface));
	}
	return out;
}
