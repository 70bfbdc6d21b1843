/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-loopback: a drop-in for the reference loopback CNI plugin.
 * ADD: lo up in the container's namespace; the result names lo and its
 * first IPv4 and IPv6 addresses (127.0.0.1/8, ::1/128), or passes a
 * prevResult on, as the reference does. CHECK: lo is up. DEL: lo
 * down, success when the namespace is gone or not given. CNI_IFNAME is
 * ignored: the plugin only ever touches lo (the reference's args.IfName =
 * "lo").
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "../lib/cni.h"
#include "../lib/range.h"
#include "../lib/skel.h"

struct loopback {
	struct cni_call call;
	int nsfd;
};

static struct loopback *loopback_of(struct cni_call *c)
{
	return (struct loopback *)((char *)c - offsetof(struct loopback, call));
}

/* What netns_link_foreach() tells of lo. */
struct lo_state {
	bool found, up;
	char v4[64], v6[64]; /* the first address of each family, "" when none */
};

static int lo_cb(const struct netns_link *l, void *data)
{
	struct lo_state *s = data;
	const char *const *a;

	if (strcmp(l->name, "lo") != 0)
		return 0;
	s->found = true;
	s->up = l->flags & IFF_UP;
	for (a = l->addrs; a && *a; a++) {
		char *dst = strchr(*a, ':') ? s->v6 : s->v4;
		if (!*dst)
			snprintf(dst, sizeof(s->v4), "%s", *a);
	}
	return 1;
}

static int lo_read(struct loopback *lb, struct lo_state *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = netns_link_foreach(lb->nsfd, lo_cb, s);
	if (r < 0)
		return cni_fail(&lb->call.err, CNI_ERR_GENERIC, "cannot list the links of %s: %s",
				lb->call.env.netns, strerror(-r));
	if (!s->found)
		return cni_fail(&lb->call.err, CNI_ERR_GENERIC, "%s has no lo", lb->call.env.netns);
	return 0;
}

/* The reference refuses a lo whose address is not a loopback one. */
static bool is_loopback(const char *cidr)
{
	struct rtnl_ip ip;
	unsigned plen;
	static const unsigned char v6lo[16] = { [15] = 1 };

	if (cni_cidr_parse(cidr, &ip, &plen) < 0)
		return false;
	if (ip.family == AF_INET)
		return ip.a[0] == 127;
	return memcmp(ip.a, v6lo, 16) == 0;
}

static json_t *ip_entry(const char *cidr)
{
	return json_pack("{s:i, s:s}", "interface", 0, "address", cidr);
}

/* The reference builds its result in the 1.0.0 form with the config's
 * cniVersion, which its library then prints unconverted: no ips[].version
 * before 1.0.0, no "ip4" form for 0.1.0 and 0.2.0. A drop-in prints the
 * same bytes' worth of JSON, so it bypasses the skeleton's converter.
 * Steals RES. */
static int result_print(struct cni_call *c, json_t *res)
{
	char *s = res ? json_dumps(res, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	int r;

	json_decref(res);
	if (!s)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "out of memory");
	r = printf("%s\n", s) < 0 || fflush(stdout) != 0;
	free(s);
	return r ? cni_fail(&c->err, CNI_ERR_IO, "cannot write the result") : 0;
}

static int cmd_add(struct cni_call *c)
{
	struct loopback *lb = loopback_of(c);
	json_t *prev = json_object_get(c->config, "prevResult"), *ips, *res;
	struct lo_state s;
	int r;

	lb->nsfd = cni_netns_open(c->env.netns, &c->err);
	if (lb->nsfd < 0)
		return -1;
	r = netns_link_set_up(lb->nsfd, "lo", true);
	if (r < 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "cannot set lo up in %s: %s", c->env.netns,
				strerror(-r));
	if (lo_read(lb, &s) < 0)
		return -1;
	if ((*s.v4 && !is_loopback(s.v4)) || (*s.v6 && !is_loopback(s.v6)))
		return cni_fail(&c->err, CNI_ERR_GENERIC, "loopback interface found with non-loopback address");
	/* Chained after another plugin, the reference passes its result on. */
	if (json_is_object(prev)) {
		c->result = cni_result_upgrade(json_deep_copy(prev));
		/* Go's result type has no omitempty on dns: the reference prints
		 * "dns": {} whatever the previous plugin said. */
		if (c->result && !json_object_get(c->result, "dns"))
			json_object_set_new(c->result, "dns", json_object());
		return c->result ? 0 : cni_fail(&c->err, CNI_ERR_GENERIC, "out of memory");
	}
	ips = json_array();
	if (ips && *s.v4)
		json_array_append_new(ips, ip_entry(s.v4));
	if (ips && *s.v6)
		json_array_append_new(ips, ip_entry(s.v6));
	res = json_pack("{s:s, s:[{s:s, s:s, s:s}], s:o, s:{}}", "cniVersion", c->version, "interfaces",
			"name", "lo", "mac", "00:00:00:00:00:00", "sandbox", c->env.netns, "ips", ips, "dns");
	return result_print(c, res);
}

static int cmd_check(struct cni_call *c)
{
	struct loopback *lb = loopback_of(c);
	struct lo_state s;

	lb->nsfd = cni_netns_open(c->env.netns, &c->err);
	if (lb->nsfd < 0 || lo_read(lb, &s) < 0)
		return -1;
	if (!s.up)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "loopback interface is down");
	return 0;
}

/* Tolerant of a namespace the runtime has already torn down or never
 * passed (kubernetes/kubernetes#43014, the reference's reason). */
static int cmd_del(struct cni_call *c)
{
	struct loopback *lb = loopback_of(c);
	int fd, r;

	if (!c->env.netns)
		return 0;
	fd = netns_fd_open_path(c->env.netns);
	if (fd == -ENOENT)
		return 0;
	if (fd == -EMEDIUMTYPE)
		return cni_fail(&c->err, CNI_ERR_ENV, "CNI_NETNS %s is not a network namespace", c->env.netns);
	if (fd < 0)
		return cni_fail(&c->err, CNI_ERR_ENV, "cannot open CNI_NETNS %s: %s", c->env.netns,
				strerror(-fd));
	lb->nsfd = fd;
	r = netns_link_set_up(fd, "lo", false);
	if (r < 0)
		return cni_fail(&c->err, CNI_ERR_GENERIC, "cannot set lo down in %s: %s", c->env.netns,
				strerror(-r));
	return 0;
}

/* CNI_ARGS are not checked: the reference loopback reads none. */
static const struct cni_skel loopback_skel = {
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
};

int main(void)
{
	struct loopback lb = { .nsfd = -1 };
	int r = cni_skel_main(&loopback_skel, &lb.call);

	if (lb.nsfd >= 0)
		close(lb.nsfd);
	return r;
}
