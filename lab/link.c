/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link types: one table entry each (as containerlab's links/link_*.go and
 * iproute2's link_util are), its operations in a file of its own
 * (link-veth.c), so that a new type (VXLAN) is that file and a line here. */
#include <string.h>

#include "lab.h"

static const struct lab_link_type *const types[] = {
	&lab_link_veth, /* the first: a link that names no type */
};

const struct lab_link_type *lab_link_type_find(const char *name)
{
	if (!name)
		return types[0];
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}
