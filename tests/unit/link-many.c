/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The 1.1 link calls, in namespaces this test makes: veth pairs in batches
 * (more than one batch, a failure in the middle), a bridge with a port and
 * an MTU, and setting an nsid. Nothing touches the host's links.
 */
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nstest.h"
#include "rtnl/rtnl.h"

struct seen {
	bool found, up;
	int index, master;
	unsigned mtu;
	char kind[32];
};

struct want {
	const char *name;
	struct seen s;
	int count;
};

static int seen_cb(const struct netns_link *l, void *data)
{
	struct want *w = data;

	w->count++;
	if (strcmp(l->name, w->name) != 0)
		return 0;
	w->s.found = true;
	w->s.up = l->flags & IFF_UP;
	w->s.index = l->index;
	w->s.mtu = l->mtu;
	snprintf(w->s.kind, sizeof(w->s.kind), "%s", l->kind);
	return 0;
}

/* What namespace FD holds of NAME; *RET_COUNT (may be NULL) its link count. */
static struct seen look(int fd, const char *name, int *ret_count)
{
	struct want w = { .name = name };
	int r = netns_link_foreach(fd, seen_cb, &w);

	if (r < 0)
		ok(0, "listing the links to look for %s (%s)", name, strerror(-r));
	if (ret_count)
		*ret_count = w.count;
	return w.s;
}

static int master_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_info info;

	if (rtnl_link_parse(nlh, &info) == 0)
		*(int *)data = info.master;
	return 0;
}

/* The master's index of IFNAME in namespace FD (0: none), or -1. */
static int master_of(int fd, const char *ifname)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtnl_link l = { .ifname = ifname };
	struct mnl_socket *nl;
	int s = netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), idx = -1;

	if (s < 0 || rtnl_fdopen(s, 0, &nl) < 0)
		return -1;
	if (rtnl_link_get_msg(nlh, sizeof(buf), &l) < 0 ||
	    rtnl_talk(nl, nlh, master_cb, &idx, NULL, 0) < 0)
		idx = -1;
	mnl_socket_close(nl);
	return idx;
}

static int fd_a = -1, fd_b = -1;
static char name_a[64], name_b[64];

#define PAIRS 40 /* more than one batch of 32 */

static void test_veth_many(void)
{
	struct netns_veth_end e[2 * PAIRS];
	char names[2 * PAIRS][IFNAMSIZ];
	const char *addr[] = { "10.78.0.1/24", NULL };
	size_t added = 99;
	int count;

	for (int i = 0; i < PAIRS; i++) {
		snprintf(names[2 * i], IFNAMSIZ, "ma%d", i);
		snprintf(names[2 * i + 1], IFNAMSIZ, "mb%d", i);
		e[2 * i] = NETNS_VETH_END(.fd = fd_a, .ifname = names[2 * i]);
		e[2 * i + 1] = NETNS_VETH_END(.fd = fd_b, .ifname = names[2 * i + 1]);
	}
	e[2 * 7].addrs = addr;
	is(netns_veth_add_many(e, PAIRS, 1450, &added), 0, "veth_add_many makes 40 pairs");
	is((int)added, PAIRS, "and says 40 were added");
	look(fd_a, "lo", &count);
	is(count, PAIRS + 1, "A holds lo and the 40 ends");
	struct seen s = look(fd_b, "mb39", NULL);
	ok(s.found && s.up && s.mtu == 1450, "the last pair's far end is up, MTU 1450");
	s = look(fd_a, "ma0", NULL);
	ok(s.found && s.up && strcmp(s.kind, "veth") == 0, "the first pair's near end is up, a veth");

	/* Pair 3 of a new call collides with an existing name: pairs 0-2 stay,
	 * 3 and the rest (made in the same batch) do not. */
	for (int i = 0; i < PAIRS; i++) {
		snprintf(names[2 * i], IFNAMSIZ, "na%d", i);
		snprintf(names[2 * i + 1], IFNAMSIZ, "nb%d", i);
	}
	snprintf(names[2 * 3], IFNAMSIZ, "ma5");
	is(netns_veth_add_many(e, 10, 0, &added), -EEXIST, "a taken name fails the call: -EEXIST");
	is((int)added, 3, "at pair 3");
	look(fd_a, "lo", &count);
	is(count, PAIRS + 1 + 3, "A holds the three pairs before it, and none after");
	s = look(fd_b, "nb4", NULL);
	ok(!s.found, "pair 4's end is not left behind");
	s = look(fd_b, "nb2", NULL);
	ok(s.found && s.up, "pair 2's far end is whole (up)");

	e[1].size = 1;
	is(netns_veth_add_many(e, 2, 0, NULL), -EINVAL, "an end without its size is -EINVAL");
	e[1].size = sizeof(e[1]);
	is(netns_veth_add_many(NULL, 1, 0, NULL), -EINVAL, "NULL ends is -EINVAL");
	is(netns_veth_add_many(NULL, 0, 0, &added), 0, "no pairs is nothing to do");
}

static void test_bridge(void)
{
	struct netns_veth_end a = NETNS_VETH_END(.fd = fd_a, .ifname = "pa"),
			      b = NETNS_VETH_END(.fd = fd_b, .ifname = "pb");
	struct seen s;

	is(netns_bridge_add(fd_a, "br0"), 0, "bridge_add br0");
	s = look(fd_a, "br0", NULL);
	ok(s.found && s.up && strcmp(s.kind, "bridge") == 0, "br0 is a bridge, up (%s)", s.kind);
	is(netns_bridge_add(fd_a, "br0"), -EEXIST, "again: -EEXIST");
	is(netns_veth_add(&a, &b, 0), 0, "a veth for a port");
	is(netns_link_set_master(fd_a, "pa", "br0"), 0, "link_set_master pa br0");
	is(master_of(fd_a, "pa"), s.index, "pa's master is br0");
	is(netns_link_set_master(fd_a, "pa", "nosuch0"), -ENODEV, "a missing master: -ENODEV");
	is(netns_link_set_master(fd_a, "pa", NULL), 0, "link_set_master pa NULL");
	is(master_of(fd_a, "pa"), 0, "pa has no master now");
	is(netns_link_set_mtu(fd_a, "pa", 1300), 0, "link_set_mtu pa 1300");
	s = look(fd_a, "pa", NULL);
	is((int)s.mtu, 1300, "pa's MTU is 1300");
	is(netns_link_set_mtu(fd_a, "pa", 0), -EINVAL, "MTU 0: -EINVAL");
	is(netns_link_set_mtu(fd_a, "pa", 70000), -EINVAL, "an MTU a veth refuses: -EINVAL");
	is(netns_link_set_mtu(fd_a, "nosuch0", 1300), -ENODEV, "a missing link: -ENODEV");
}

static void test_nsid(void)
{
	int r;

	is(netns_fd_nsid(fd_a), -ENOENT, "A has no nsid yet");
	is(netns_fd_nsid_set(fd_a, 4242), 4242, "nsid_set A 4242");
	is(netns_fd_nsid(fd_a), 4242, "A's nsid is 4242");
	is(netns_fd_nsid_set(fd_b, 4242), -EEXIST, "the same id for B: -EEXIST");
	r = netns_fd_nsid_set(fd_b, -1);
	ok(r >= 0 && r != 4242, "nsid_set B -1 gets another id (%d)", r);
	is(netns_fd_nsid(fd_b), r, "which B then has");
	is(netns_fd_nsid_set(fd_b, -2), -EINVAL, "nsid -2: -EINVAL");
	is(netns_fd_nsid_set(-1, 1), -EBADF, "a bad fd: -EBADF");
}

static int add(char *name, size_t size, const char *tag)
{
	int fd = -1, r;

	snprintf(name, size, "tmany-%d-%s", (int)getpid(), tag);
	r = netns_name_add(name, NETNS_ADD_LO_UP, &fd);
	if (r < 0) {
		printf("Bail out! netns_name_add %s: %s\n", name, strerror(-r));
		exit(1);
	}
	return fd;
}

int main(void)
{
	unsigned long long before;
	int fds;

	nstest_require_sandbox();
	nstest_start_worker(); /* its fd and thread are not a leak */
	before = self_ino();
	fd_a = add(name_a, sizeof(name_a), "a");
	fd_b = add(name_b, sizeof(name_b), "b");
	fds = count_fds();

	test_veth_many();
	test_bridge();
	test_nsid();

	is(count_fds(), fds, "no fd leaked");
	is(self_ino(), before, "the test's thread never changed namespace");
	netns_name_delete(name_a);
	netns_name_delete(name_b);
	close(fd_a);
	close(fd_b);
	return done_testing();
}
