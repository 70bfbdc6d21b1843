/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: interface aliases, the names a kind's own CLI gives its ports
 * (SR Linux's ethernet-1/1), mapped to the Linux names containerlab gives
 * the interfaces in the node (e1-1), as each kind's node type in
 * containerlab does (nodes/KIND/KIND.go: InterfaceRegexp and its mapping).
 * One table: a row is the kinds it holds for, the alias's shape (each %u
 * a decimal number) and the Linux name made of those numbers, in order,
 * or a function for a mapping that computes. A name no row of its kind
 * matches is a Linux name already, used as written. Never prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"

#define MAX_NUMS 5

struct alias {
	const char *const *kinds;
	const char *shape;
	const char *ifname; /* the numbers, each %u, in order; NULL: MAP */
	int (*map)(const unsigned *n, char *buf, size_t len);
};

static const char *const srl[] = { "nokia_srlinux", "srl", NULL };
static const char *const srsim[] = { "nokia_srsim", NULL };
static const char *const sros[] = { "nokia_sros", "vr-sros", "vr-nokia_sros", NULL };
static const char *const ceos[] = { "arista_ceos", "ceos", NULL };
static const char *const iol[] = { "cisco_iol", NULL };
static const char *const f5[] = { "f5_bigip-ve", "f5_bigip_ve", NULL };
static const char *const saos[] = { "ciena_saos", NULL };
static const char *const veos[] = { "arista_veos", "vr-veos", "vr-arista_veos", NULL };
static const char *const vios[] = { "cisco_vios", "vr-vios", "vr-cisco_vios", NULL };
static const char *const xrv9k[] = { "cisco_xrv9k", "vr-xrv9k", "vr-cisco_xrv9k", NULL };
static const char *const ftdv[] = { "cisco_ftdv", NULL };

/* IOL: Ethernet<slot>/<port>, four ports a slot (0 to 3), is eth<4 slot +
 * port>; Ethernet0/0 (eth0) is the management port, not a link's. */
static int iol_map(const unsigned *n, char *buf, size_t len)
{
	if (n[0] > 9 || n[1] > 3 || (n[0] == 0 && n[1] == 0))
		return -ERANGE;
	snprintf(buf, len, "eth%u", n[0] * 4 + n[1]);
	return 0;
}

/* A VM's ports numbered from 0 (Gi0, Gi0/0/0/0): eth0 is the container's
 * management interface, so port X is eth<X + 1> (containerlab's
 * InterfaceOffset 0, first data interface 1). */
static int from0_map(const unsigned *n, char *buf, size_t len)
{
	snprintf(buf, len, "eth%u", n[0] + 1);
	return 0;
}

static const struct alias aliases[] = {
	/* SR Linux: ethernet-L/P[/C], linecard, port, breakout channel. */
	{ srl, "ethernet-%u/%u", "e%u-%u", NULL },
	{ srl, "ethernet-%u/%u/%u", "e%u-%u-%u", NULL },
	/* SR-SIM: card/[xiom/]mda/[connector/]port. */
	{ srsim, "%u/%u/%u", "e%u-%u-%u", NULL },
	{ srsim, "%u/%u/c%u/%u", "e%u-%u-c%u-%u", NULL },
	{ srsim, "%u/x%u/%u/%u", "e%u-x%u-%u-%u", NULL },
	{ srsim, "%u/x%u/%u/c%u/%u", "e%u-x%u-%u-c%u-%u", NULL },
	/* SR OS in a VM: the VM's ports are eth1, eth2, ... in order. */
	{ sros, "1/1/%u", "eth%u", NULL },
	{ sros, "1/1/c%u/1", "eth%u", NULL },
	/* cEOS: Ethernet1 is eth1, Ethernet1/2 (a module's) eth1_2. */
	{ ceos, "Ethernet%u", "eth%u", NULL },
	{ ceos, "Et%u", "eth%u", NULL },
	{ ceos, "Ethernet%u/%u", "eth%u_%u", NULL },
	{ ceos, "Et%u/%u", "eth%u_%u", NULL },
	{ iol, "Ethernet%u/%u", NULL, iol_map },
	{ iol, "e%u/%u", NULL, iol_map },
	/* BIG-IP VE: 1.1 is the first data port, eth1. */
	{ f5, "1.%u", "eth%u", NULL },
	/* SAOS: port 1 is eth1. */
	{ saos, "%u", "eth%u", NULL },
	/* vEOS in a VM: Ethernet1/1 is its first data port, eth1. */
	{ veos, "Ethernet1/%u", "eth%u", NULL },
	{ veos, "Et1/%u", "eth%u", NULL },
	{ vios, "GigabitEthernet%u", NULL, from0_map },
	{ vios, "Gi%u", NULL, from0_map },
	{ xrv9k, "GigabitEthernet0/0/0/%u", NULL, from0_map },
	{ xrv9k, "Gi0/0/0/%u", NULL, from0_map },
	{ xrv9k, "TenGigabitEthernet0/0/0/%u", NULL, from0_map },
	{ xrv9k, "TenGigE0/0/0/%u", NULL, from0_map },
	{ xrv9k, "Te0/0/0/%u", NULL, from0_map },
	{ ftdv, "GigabitEthernet0/%u", NULL, from0_map },
	{ ftdv, "Gi0/%u", NULL, from0_map },
};

static bool has_kind(const char *const *kinds, const char *kind)
{
	for (; *kinds; kinds++)
		if (strcmp(*kinds, kind) == 0)
			return true;
	return false;
}

/* Does NAME have SHAPE? Its numbers into N (at most MAX_NUMS, each at
 * most 5 digits, so that no number overflows), their count into *RET_N. */
static bool match(const char *shape, const char *name, unsigned *n, size_t *ret_n)
{
	size_t k = 0;

	while (*shape) {
		if (shape[0] == '%' && shape[1] == 'u') {
			unsigned v = 0;
			int digits = 0;

			while (*name >= '0' && *name <= '9' && digits < 6)
				v = v * 10 + (unsigned)(*name++ - '0'), digits++;
			if (!digits || digits > 5 || k == MAX_NUMS)
				return false;
			n[k++] = v;
			shape += 2;
		} else if (*shape++ != *name++) {
			return false;
		}
	}
	*ret_n = k;
	return *name == '\0';
}

/* FMT with each %u replaced by the next of N, into BUF (LEN bytes). */
static int format(const char *fmt, const unsigned *n, char *buf, size_t len)
{
	size_t at = 0;

	for (; *fmt; fmt++) {
		int w;

		if (fmt[0] == '%' && fmt[1] == 'u')
			w = snprintf(buf + at, len - at, "%u", *n++), fmt++;
		else
			w = snprintf(buf + at, len - at, "%c", *fmt);
		if (w < 0 || (size_t)w >= len - at)
			return -ERANGE;
		at += (size_t)w;
	}
	return 0;
}

int lab_ifname_alias(const char *kind, const char *name, char *buf, size_t len)
{
	for (size_t i = 0; kind && i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		const struct alias *a = &aliases[i];
		unsigned n[MAX_NUMS] = { 0 };
		size_t k;
		int r;

		if (!has_kind(a->kinds, kind) || !match(a->shape, name, n, &k))
			continue;
		r = a->map ? a->map(n, buf, len) : format(a->ifname, n, buf, len);
		return r < 0 ? r : 1;
	}
	return 0;
}
