/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library's version, for callers that check it at run time. */
#include "internal.h"

NETNS_EXPORT const char *netns_version(void)
{
	return NETNS_VERSION;
}
