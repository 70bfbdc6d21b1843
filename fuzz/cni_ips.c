/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the addresses requested of netns-ipam for ADD
 * (cni_ipam_requested_parse). The input is CNI_ARGS, a newline, then the
 * network config (JSON, for args.cni.ips and runtimeConfig.ips). Either an
 * error with a message and the code for where it came from (4: CNI_ARGS,
 * 7: the config), or distinct addresses of one family each, no IPv4-mapped
 * IPv6 among them, each printed form parsing back to itself. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>

#include "../cni/lib/cni.h"
#include "../cni/lib/range.h"
#include "fuzz.h"

static void check_ok(const struct cni_ipam_conf *c)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct rtnl_ip back;
	char buf[64];
	size_t i, j;

	if (c->nrequested > CNI_IPAM_MAX_REQUESTED)
		abort();
	for (i = 0; i < c->nrequested; i++) {
		const struct rtnl_ip *ip = &c->requested[i];
		if (ip->family != AF_INET && ip->family != AF_INET6)
			abort();
		if (ip->family == AF_INET6 && memcmp(ip->a, mapped, sizeof(mapped)) == 0)
			abort();
		cni_ip_format(ip, buf, sizeof(buf));
		if (cni_ip_parse(buf, &back) < 0 || !cni_ip_equal(&back, ip))
			abort();
		for (j = 0; j < i; j++)
			if (cni_ip_equal(&c->requested[j], ip))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *nl = strchr(s, '\n');
	struct cni_ipam_conf c;
	struct cni_err err = { 0 };
	json_t *conf = NULL;

	memset(&c, 0, sizeof(c));
	if (nl) {
		*nl = '\0';
		conf = json_loads(nl + 1, 0, NULL);
	}
	if (cni_ipam_requested_parse(conf, s, &c, &err) < 0) {
		if (!err.msg[0] || (err.code != CNI_ERR_ENV && err.code != CNI_ERR_CONFIG))
			abort();
	} else {
		check_ok(&c);
	}
	json_decref(conf);
	free(s);
	return 0;
}
