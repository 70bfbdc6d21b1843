/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: the link types containerlab's topology file has (its
 * links/link_*.go: veth, host, mgmt-net, macvlan, vxlan, vxlan-stitch,
 * dummy), as the parser reads them: each with the keys of its long form,
 * and the node names its short form uses for the far end ("host:IF",
 * "mgmt-net:IF", "macvlan:IF"). Which of them are made is link.c's table
 * (lab_link_type_find()); a type here that is not there is refused as not
 * supported yet, naming it, rather than misread. */
#include <string.h>

#include "lab.h"

/* Keys every long form may have besides its own. */
#define COMMON "type", "mtu", "vars", "labels"

static const char *const veth_keys[] = { COMMON, "endpoints", "ipv4", "ipv6", NULL };
static const char *const host_keys[] = { COMMON, "endpoint", "host-interface", NULL };
static const char *const macvlan_keys[] = { COMMON, "endpoint", "host-interface", "mode", NULL };
static const char *const vxlan_keys[] = { COMMON,     "endpoint", "remote", "vni",
					  "udp-port", "dst-port", "src-port", NULL };
static const char *const dummy_keys[] = { COMMON, "endpoint", NULL };

static const struct lab_link_form forms[] = {
	{ "veth", veth_keys, NULL },
	{ "host", host_keys, "host" },
	{ "mgmt-net", host_keys, "mgmt-net" },
	{ "macvlan", macvlan_keys, "macvlan" },
	{ "vxlan", vxlan_keys, NULL },
	{ "vxlan-stitch", vxlan_keys, NULL },
	{ "dummy", dummy_keys, NULL },
};

const struct lab_link_form *lab_link_form_find(const char *type)
{
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(forms[i].type, type) == 0)
			return &forms[i];
	return NULL;
}

const struct lab_link_form *lab_link_form_short(const char *node, size_t len)
{
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (forms[i].short_node && strlen(forms[i].short_node) == len &&
		    memcmp(forms[i].short_node, node, len) == 0)
			return &forms[i];
	return NULL;
}
