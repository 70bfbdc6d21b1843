/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses, ranges and the IPAM config, canonicalized as host-local's
 * allocator/range.go does: gateway defaults to network+1, rangeStart to
 * network+1, rangeEnd to the last address (IPv4: broadcast-1); and the
 * addresses requested for ADD, read from where host-local reads them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"

int cni_ip_parse(const char *s, struct rtnl_ip *ret)
{
	struct rtnl_ip ip = { 0 };

	if (inet_pton(AF_INET, s, ip.a) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip.a) == 1)
		ip.family = AF_INET6;
	else
		return -EINVAL;
	ip.prefix = ip.family == AF_INET ? 32 : 128;
	*ret = ip;
	return 0;
}

void cni_ip_unmap(struct rtnl_ip *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (ip->family == AF_INET6 && memcmp(ip->a, mapped, sizeof(mapped)) == 0) {
		memmove(ip->a, ip->a + 12, 4);
		memset(ip->a + 4, 0, 12);
		ip->family = AF_INET;
		ip->prefix = ip->prefix > 96 ? ip->prefix - 96 : 0;
	}
}

void cni_ip_format(const struct rtnl_ip *ip, char *buf, size_t len)
{
	if (!inet_ntop(ip->family, ip->a, buf, (socklen_t)len) && len)
		buf[0] = '\0';
}

static size_t ip_len(const struct rtnl_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

int cni_ip_cmp(const struct rtnl_ip *a, const struct rtnl_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, ip_len(a));
}

bool cni_ip_equal(const struct rtnl_ip *a, const struct rtnl_ip *b)
{
	return cni_ip_cmp(a, b) == 0;
}

void cni_ip_next(struct rtnl_ip *ip)
{
	size_t i = ip_len(ip);

	while (i-- > 0)
		if (++ip->a[i] != 0)
			break;
}

int cni_cidr_parse(const char *s, struct rtnl_ip *ret_ip, unsigned *ret_prefix)
{
	char buf[64], *slash, *end;
	unsigned long p;
	struct rtnl_ip ip;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	*slash = '\0';
	p = strtoul(slash + 1, &end, 10);
	if (*end || cni_ip_parse(buf, &ip) < 0 || p > ip_len(&ip) * 8)
		return -EINVAL;
	ip.prefix = (unsigned)p;
	*ret_ip = ip;
	*ret_prefix = (unsigned)p;
	return 0;
}

static void mask_apply(struct rtnl_ip *ip, unsigned prefix, bool ones)
{
	size_t i;

	for (i = 0; i < ip_len(ip); i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		ip->a[i] = ones ? (uint8_t)(ip->a[i] | ~m) : (uint8_t)(ip->a[i] & m);
	}
}

void cni_ip_network(struct rtnl_ip *ip, unsigned prefix)
{
	mask_apply(ip, prefix, false);
}

static bool subnet_contains(const struct cni_range *r, const struct rtnl_ip *ip)
{
	struct rtnl_ip n = *ip;

	if (ip->family != r->subnet.family)
		return false;
	mask_apply(&n, r->prefix, false);
	return cni_ip_equal(&n, &r->subnet);
}

bool cni_range_contains(const struct cni_range *r, const struct rtnl_ip *ip)
{
	return subnet_contains(r, ip) && cni_ip_cmp(ip, &r->start) >= 0 &&
	       cni_ip_cmp(ip, &r->end) <= 0;
}

static int range_parse(json_t *o, const char *path, struct cni_range *r, struct cni_err *err)
{
	const char *subnet = NULL, *start = NULL, *end = NULL, *gw = NULL;
	struct rtnl_ip net;
	char buf[64];

	if (!json_is_object(o))
		return cni_fail(err, CNI_ERR_CONFIG, "%s must be an object", path);
	if (cni_get_string(o, "subnet", path, &subnet, err) < 0 ||
	    cni_get_string(o, "rangeStart", path, &start, err) < 0 ||
	    cni_get_string(o, "rangeEnd", path, &end, err) < 0 ||
	    cni_get_string(o, "gateway", path, &gw, err) < 0)
		return -1;
	if (!subnet || cni_cidr_parse(subnet, &r->subnet, &r->prefix) < 0)
		return cni_fail(err, CNI_ERR_CONFIG, "%s.subnet must be a CIDR such as 10.1.0.0/24", path);
	net = r->subnet;
	mask_apply(&net, r->prefix, false);
	if (!cni_ip_equal(&net, &r->subnet)) {
		cni_ip_format(&net, buf, sizeof(buf));
		return cni_fail(err, CNI_ERR_CONFIG,
				"%s.subnet %s has host bits set: the network address for /%u is %s", path,
				subnet, r->prefix, buf);
	}
	if (r->prefix + 2 > ip_len(&net) * 8)
		return cni_fail(err, CNI_ERR_CONFIG, "%s.subnet %s is too small to allocate from", path,
				subnet);
	r->gateway = net;
	cni_ip_next(&r->gateway);
	r->start = r->gateway;
	r->end = net;
	mask_apply(&r->end, r->prefix, true);
	if (net.family == AF_INET)
		r->end.a[3]--; /* lastIP(): the broadcast address is never handed out */
	/* "" is no address (Go's net.IP reads it as nil: the default). */
	if (gw && !*gw)
		gw = NULL;
	if (start && !*start)
		start = NULL;
	if (end && !*end)
		end = NULL;
	/* The gateway may be any address, in the subnet or not, as
	 * host-local 1.1's Canonicalize() takes it (ptp makes a gateway
	 * outside the subnet reachable with its GW/32 route). */
	if (gw && cni_ip_parse(gw, &r->gateway) < 0)
		return cni_fail(err, CNI_ERR_CONFIG, "%s.gateway %s is not an IP address", path, gw);
	if (r->gateway.family != net.family)
		return cni_fail(err, CNI_ERR_CONFIG, "%s.gateway %s is not of %s's family", path, gw,
				subnet);
	if (start && (cni_ip_parse(start, &r->start) < 0 || !subnet_contains(r, &r->start)))
		return cni_fail(err, CNI_ERR_CONFIG, "%s.rangeStart %s is not an address in %s", path, start, subnet);
	if (end && (cni_ip_parse(end, &r->end) < 0 || !subnet_contains(r, &r->end)))
		return cni_fail(err, CNI_ERR_CONFIG, "%s.rangeEnd %s is not an address in %s", path, end, subnet);
	if (cni_ip_cmp(&r->start, &r->end) > 0)
		return cni_fail(err, CNI_ERR_CONFIG, "%s: rangeStart is after rangeEnd", path);
	return 0;
}

static bool ranges_overlap(const struct cni_range *a, const struct cni_range *b)
{
	return a->start.family == b->start.family && cni_ip_cmp(&a->start, &b->end) <= 0 &&
	       cni_ip_cmp(&b->start, &a->end) <= 0;
}

/* How the config names range J of set I ("ipam" itself for the older
 * form's, set 0 when LEGACY). */
static void range_path(bool legacy, size_t i, size_t j, char *buf, size_t len)
{
	if (legacy && i == 0)
		snprintf(buf, len, "ipam");
	else
		snprintf(buf, len, "ipam.ranges[%zu][%zu]", i - legacy, j);
}

int cni_ipam_conf_parse(json_t *conf, struct cni_ipam_conf *c, struct cni_err *err)
{
	json_t *ipam = json_object_get(conf, "ipam"), *ranges, *set, *rj;
	size_t i, j, k, l, nsets;
	bool legacy;
	char path[64];

	memset(c, 0, sizeof(*c));
	c->name = json_string_value(json_object_get(conf, "name"));
	c->data_dir = "/var/lib/cni/networks";
	if (!json_is_object(ipam))
		return cni_fail(err, CNI_ERR_CONFIG, "the network config needs an \"ipam\" object");
	if (cni_get_string(ipam, "dataDir", "ipam.", &c->data_dir, err) < 0 ||
	    cni_get_string(ipam, "resolvConf", "ipam.", &c->resolv_conf, err) < 0)
		return -1;
	if (!*c->data_dir || c->data_dir[0] != '/')
		return cni_fail(err, CNI_ERR_CONFIG, "ipam.dataDir must be an absolute path");
	c->routes = json_object_get(ipam, "routes");
	if (c->routes && !json_is_null(c->routes)) {
		json_t *rt;
		if (!json_is_array(c->routes))
			return cni_fail(err, CNI_ERR_CONFIG, "ipam.routes must be a list");
		json_array_foreach(c->routes, i, rt) {
			const char *dst = NULL, *gw = NULL;
			struct rtnl_ip ip;
			unsigned p;
			snprintf(path, sizeof(path), "ipam.routes[%zu].", i);
			if (!json_is_object(rt))
				return cni_fail(err, CNI_ERR_CONFIG, "ipam.routes[%zu] must be an object", i);
			if (cni_get_string(rt, "dst", path, &dst, err) < 0 ||
			    cni_get_string(rt, "gw", path, &gw, err) < 0)
				return -1;
			if (!dst || cni_cidr_parse(dst, &ip, &p) < 0)
				return cni_fail(err, CNI_ERR_CONFIG, "%sdst must be a CIDR", path);
			if (gw && cni_ip_parse(gw, &ip) < 0)
				return cni_fail(err, CNI_ERR_CONFIG, "%sgw must be an address", path);
		}
	} else {
		c->routes = NULL;
	}
	ranges = json_object_get(ipam, "ranges");
	if (json_is_null(ranges))
		ranges = NULL;
	if (ranges && !json_is_array(ranges))
		return cni_fail(err, CNI_ERR_CONFIG, "ipam.ranges must be a list of range sets (lists of ranges)");
	/* The older form, subnet, rangeStart, ... in "ipam" itself, is range
	 * set 0 before those of "ranges", as host-local's LoadIPAMConfig
	 * prepends it: the two together allocate from both. */
	legacy = json_object_get(ipam, "subnet") && !json_is_null(json_object_get(ipam, "subnet"));
	nsets = (legacy ? 1 : 0) + json_array_size(ranges);
	if (nsets == 0)
		return cni_fail(err, CNI_ERR_CONFIG, "ipam needs \"ranges\" (or a \"subnet\")");
	c->sets = calloc(nsets, sizeof(*c->sets));
	if (!c->sets)
		return cni_fail(err, CNI_ERR_GENERIC, "out of memory");
	if (legacy) {
		if (!(c->sets[0].r = calloc(1, sizeof(struct cni_range))))
			return cni_fail(err, CNI_ERR_GENERIC, "out of memory");
		c->nsets = 1;
		c->sets[0].n = 1;
		if (range_parse(ipam, "ipam", &c->sets[0].r[0], err) < 0)
			return -1;
	}
	json_array_foreach(ranges, i, set) {
		struct cni_rangeset *rs = &c->sets[c->nsets];
		if (!json_is_array(set) || json_array_size(set) == 0)
			return cni_fail(err, CNI_ERR_CONFIG, "ipam.ranges[%zu] must be a non-empty list of ranges", i);
		rs->r = calloc(json_array_size(set), sizeof(struct cni_range));
		if (!rs->r)
			return cni_fail(err, CNI_ERR_GENERIC, "out of memory");
		c->nsets++;
		json_array_foreach(set, j, rj) {
			snprintf(path, sizeof(path), "ipam.ranges[%zu][%zu]", i, j);
			if (range_parse(rj, path, &rs->r[j], err) < 0)
				return -1;
			rs->n = j + 1;
			if (rs->r[j].subnet.family != rs->r[0].subnet.family)
				return cni_fail(err, CNI_ERR_CONFIG, "ipam.ranges[%zu] mixes IPv4 and IPv6", i);
		}
	}
	for (i = 0; i < c->nsets; i++)
		for (j = 0; j < c->sets[i].n; j++)
			for (k = i; k < c->nsets; k++)
				for (l = (k == i ? j + 1 : 0); l < c->sets[k].n; l++)
					if (ranges_overlap(&c->sets[i].r[j], &c->sets[k].r[l])) {
						char a[64], b[64];
						range_path(legacy, i, j, a, sizeof(a));
						range_path(legacy, k, l, b, sizeof(b));
						return cni_fail(err, CNI_ERR_CONFIG, "%s overlaps %s", a, b);
					}
	return 0;
}

void cni_ipam_conf_free(struct cni_ipam_conf *c)
{
	size_t i;

	for (i = 0; c->sets && i < c->nsets; i++)
		free(c->sets[i].r);
	free(c->sets);
	c->sets = NULL;
}

/* Adds address S (LEN bytes) to C, once. "ADDR/PREFIX" is ADDR, wherever
 * it comes from: host-local reads each with its ip.ParseIP, which takes a
 * CIDR and drops the prefix (the range set's is the one that counts). */
static int requested_add(struct cni_ipam_conf *c, const char *s, size_t len)
{
	char buf[64];
	struct rtnl_ip ip;
	unsigned prefix;
	size_t i;

	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (cni_ip_parse(buf, &ip) < 0 && cni_cidr_parse(buf, &ip, &prefix) < 0)
		return -EINVAL;
	cni_ip_unmap(&ip);
	for (i = 0; i < c->nrequested; i++)
		if (cni_ip_equal(&c->requested[i], &ip))
			return 0;
	if (c->nrequested == CNI_IPAM_MAX_REQUESTED)
		return -E2BIG;
	c->requested[c->nrequested++] = ip;
	return 0;
}

static int args_ip(const char *k, size_t klen, const char *v, size_t vlen, void *data)
{
	struct cni_ipam_conf *c = data;
	const char *end = v + vlen, *comma;
	int r;

	if (klen != 2 || memcmp(k, "IP", 2) != 0)
		return 0;
	/* A repeated IP= replaces the one before (host-local's LoadArgs sets
	 * the field once per pair: the last wins), each still checked. */
	c->nrequested = 0;
	for (;;) {
		comma = memchr(v, ',', (size_t)(end - v));
		r = requested_add(c, v, (size_t)((comma ? comma : end) - v));
		if (r < 0)
			return r;
		if (!comma)
			return 0;
		v = comma + 1;
	}
}

static int requested_list(struct cni_ipam_conf *c, json_t *list, const char *path, struct cni_err *err)
{
	json_t *v;
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cni_fail(err, CNI_ERR_CONFIG, "%s must be a list of addresses", path);
	json_array_foreach(list, i, v) {
		r = json_is_string(v) ? requested_add(c, json_string_value(v), json_string_length(v)) : -EINVAL;
		if (r == -E2BIG)
			return cni_fail(err, CNI_ERR_CONFIG, "more than %d requested addresses", CNI_IPAM_MAX_REQUESTED);
		if (r < 0)
			return cni_fail(err, CNI_ERR_CONFIG, "%s[%zu] must be an IP address (or ADDRESS/PREFIX)", path, i);
	}
	return 0;
}

int cni_ipam_requested_parse(json_t *conf, const char *cni_args, struct cni_ipam_conf *c,
			     struct cni_err *err)
{
	json_t *args = json_object_get(conf, "args"), *rc = json_object_get(conf, "runtimeConfig");
	int r;

	c->nrequested = 0;
	r = cni_args_parse(cni_args, args_ip, c);
	if (r == -E2BIG)
		return cni_fail(err, CNI_ERR_ENV, "CNI_ARGS IP= lists more than %d addresses", CNI_IPAM_MAX_REQUESTED);
	if (r < 0)
		return cni_fail(err, CNI_ERR_ENV, "CNI_ARGS IP= must be an IP address (or ADDRESS/PREFIX) or a comma-separated list of them");
	if (json_is_object(args) && json_is_object(json_object_get(args, "cni")) &&
	    requested_list(c, json_object_get(json_object_get(args, "cni"), "ips"), "args.cni.ips", err) < 0)
		return -1;
	if (json_is_object(rc) && requested_list(c, json_object_get(rc, "ips"), "runtimeConfig.ips", err) < 0)
		return -1;
	return 0;
}
