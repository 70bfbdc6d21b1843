/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Node kinds: one table entry each, with the few operations that differ
 * between them (as iproute2's link_util and containerlab's node registry
 * are), so that a new kind is an entry and its functions here. Every kind
 * is a namespace; "linux" adds nothing to it, "bridge" a Linux bridge
 * named after the node whose ports are the node's link ends. Any other
 * kind name is a linux node (docs/lab.md: containerlab's kinds run as
 * namespaces). The ops run on a thread inside the node's namespace. */
#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab.h"

/* The bridge ioctls on a socket of this namespace. */
static int bridge_ioctl(unsigned long req, const char *bridge, const char *port)
{
	struct ifreq ifr = { 0 };
	int s, r = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (req == SIOCBRADDBR) {
		char name[IFNAMSIZ] = { 0 };

		snprintf(name, sizeof(name), "%s", bridge);
		if (ioctl(s, SIOCBRADDBR, name) < 0)
			r = -errno;
	} else {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", port);
		if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
			r = -errno;
		} else {
			int index = ifr.ifr_ifindex;

			memset(&ifr, 0, sizeof(ifr));
			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
			ifr.ifr_ifindex = index;
			if (ioctl(s, SIOCBRADDIF, &ifr) < 0)
				r = -errno;
		}
	}
	close(s);
	return r;
}

/* A new bridge stays down (its ports forward nothing) until bridge_up(),
 * unless a route of its own needs it up. */
static int bridge_make(struct lab_nwork *w)
{
	int r = bridge_ioctl(SIOCBRADDBR, w->node, NULL);

	if (r < 0)
		lab_node_error(w, r, "bridge '%s'", w->node);
	return r;
}

static int bridge_port(struct lab_nwork *w, const char *ifname)
{
	int r = bridge_ioctl(SIOCBRADDIF, w->node, ifname);

	if (r < 0)
		lab_node_error(w, r, "bridge '%s': port %s", w->node, ifname);
	return r;
}

/* Last of all nodes' work (up.c's bridge_order()), because in a lab whose
 * bridges are chained (mininet's linear shape, one layer-2 domain) every
 * IPv6 neighbour solicitation, MLD report and router solicitation sent
 * while the domain is joined is flooded through all of its bridges and
 * delivered to each bridge's own stack: 500 chained bridges brought up as
 * their nodes were set up made that lab's up take 16.5 s, most of it in the
 * kernel's softirqs. With the domain joined last, the interfaces' first
 * packets stop at the ports, which forward nothing while their bridge is
 * down. */
static int bridge_up(struct lab_nwork *w)
{
	int r = netns_link_set_up(-1, w->node, true);

	if (r < 0)
		lab_node_error(w, r, "bridge '%s'", w->node);
	return r;
}

static bool bridge_name_ok(const char *name)
{
	return netns_ifname_check(name) == 0;
}

static const struct lab_kind kinds[] = {
	{ .name = "linux" },
	{
		.name = "bridge",
		.ports = true,
		.name_ok = bridge_name_ok,
		.name_rule = "its name must be an interface name (1 to 15 bytes)",
		.make = bridge_make,
		.port = bridge_port,
		.up = bridge_up,
	},
};

const struct lab_kind *lab_kind_find(const char *name)
{
	for (size_t i = 1; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return &kinds[0];
}
