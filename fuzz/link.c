/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the argument checks of netns connect and disconnect (their
 * helpers are static, so the file is included): netns_cidr_check agrees with
 * the parser the library uses, netns_ifname_check takes only what the
 * kernel's dev_valid_name() takes, --mtu stays in range, and every default
 * interface name is one the kernel takes. */
#include "../cli/cmd-link.c"
#include "../lib/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), name[16];
	struct rtnl_ip c;
	unsigned mtu = 0;

	if ((netns_cidr_check(s) == 0) != (rtnl_ip_parse(s, &c) == 0))
		abort();
	if (parse_mtu(s, &mtu) == 0 && (mtu < 68 || mtu > 65535))
		abort();
	if (netns_ifname_check(s) == 0 &&
	    (!*s || strlen(s) > 15 || strpbrk(s, "/: \t\n\v\f\r") || !strcmp(s, ".") ||
	     !strcmp(s, "..")))
		abort();
	memset(name, 'x', sizeof(name));
	default_ifname(s, name);
	if (!memchr(name, '\0', sizeof(name)) || netns_ifname_check(name) != 0)
		abort();
	free(s);
	return 0;
}
