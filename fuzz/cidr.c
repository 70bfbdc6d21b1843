/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: rtnl_ip_parse, the ADDR[/PREFIX] of netns connect --addr. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), text[INET6_ADDRSTRLEN + 8];
	struct rtnl_ip c, again;

	memset(&c, 0xa5, sizeof(c));
	if (rtnl_ip_parse(s, &c) == 0) {
		unsigned max = c.family == AF_INET ? 32 : 128;

		if ((c.family != AF_INET && c.family != AF_INET6) || c.prefix > max)
			abort();
		/* Printed and parsed again, it is the same address. */
		if (!inet_ntop(c.family, c.a, text, INET6_ADDRSTRLEN))
			abort();
		snprintf(text + strlen(text), 8, "/%u", c.prefix);
		if (rtnl_ip_parse(text, &again) != 0 || again.family != c.family ||
		    again.prefix != c.prefix ||
		    memcmp(again.a, c.a, c.family == AF_INET ? 4 : 16) != 0)
			abort();
	}
	free(s);
	return 0;
}
