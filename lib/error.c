/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text of the last error, per thread: the kernel's extended ack of a
 * failed netlink request (nl.c), carried home from a worker thread
 * (switch.c). Every call that may set it clears it first, so it never
 * describes an earlier call.
 */
#include <stdio.h>

#include "internal.h"

static __thread char error_message[256];

NETNS_EXPORT const char *netns_error_message(void)
{
	return error_message[0] ? error_message : NULL;
}

void nsi_error_set(const char *msg)
{
	if (!msg)
		error_message[0] = '\0';
	else
		snprintf(error_message, sizeof(error_message), "%s", msg);
}
