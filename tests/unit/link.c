/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Links, addresses and routes over rtnetlink, in namespaces this test makes:
 * veth pairs between them, addresses, routes, moves, deletion, listing, bad
 * input and the kernel's extended-ack text. Nothing touches the host's links.
 */
#include <net/if.h>

#include "nstest.h"

/* What netns_link_foreach() showed for one interface. */
struct seen {
	bool found, up;
	int index;
	unsigned mtu;
	char kind[32], operstate[16], addrs[512];
	int count, last_index; /* all links, and order */
	bool ordered;
};

struct want {
	const char *name;
	struct seen s;
};

static int seen_cb(const struct netns_link *l, void *data)
{
	struct want *w = data;

	w->s.count++;
	if (l->index <= w->s.last_index)
		w->s.ordered = false;
	w->s.last_index = l->index;
	if (strcmp(l->name, w->name) != 0)
		return 0;
	w->s.found = true;
	w->s.up = l->flags & IFF_UP;
	w->s.index = l->index;
	w->s.mtu = l->mtu;
	snprintf(w->s.kind, sizeof(w->s.kind), "%s", l->kind);
	snprintf(w->s.operstate, sizeof(w->s.operstate), "%s", netns_operstate_name(l->operstate));
	w->s.addrs[0] = '\0';
	for (size_t i = 0; l->addrs[i]; i++) {
		size_t n = strlen(w->s.addrs);

		snprintf(w->s.addrs + n, sizeof(w->s.addrs) - n, " %s", l->addrs[i]);
	}
	return 0;
}

/* Lists namespace FD and reports interface NAME. Returns foreach's result. */
/* Lists the links of fd's namespace, noting what it sees of NAME. A listing
 * that fails is a failed test of its own: a check that NAME is gone would
 * otherwise pass on an empty listing. */
static int look(int fd, const char *name, struct seen *ret)
{
	struct want w = { .name = name, .s = { .ordered = true } };
	int r = netns_link_foreach(fd, seen_cb, &w);

	if (r < 0)
		ok(0, "listing the links to look for %s (%s)", name, strerror(-r));
	*ret = w.s;
	return r;
}

static bool has_addr(const struct seen *s, const char *cidr)
{
	char pat[64];

	snprintf(pat, sizeof(pat), " %s", cidr);
	for (const char *p = s->addrs; (p = strstr(p, pat)); p++)
		if (p[strlen(pat)] == ' ' || p[strlen(pat)] == '\0')
			return true;
	return false;
}

static int fd_a = -1, fd_b = -1, fd_c = -1;
static char name_a[64], name_b[64], name_c[64];

static int stop_cb(const struct netns_link *l, void *data)
{
	(*(int *)data)++;
	(void)l;
	return -ECANCELED;
}

static void test_lo(void)
{
	int calls = 0;

	struct seen s;

	is(look(fd_a, "lo", &s), 0, "link_foreach lists a new namespace");
	ok(s.found && s.index == 1, "lo is there with index 1");
	ok(s.up, "NETNS_ADD_LO_UP brought lo up");
	ok(has_addr(&s, "127.0.0.1/8"), "lo has 127.0.0.1/8 (got:%s)", s.addrs);
	is(s.count, 1, "a new namespace has only lo");
	is(netns_link_foreach(fd_a, stop_cb, &calls), -ECANCELED, "a callback's error stops the walk");
	is(calls, 1, "after one call");
	is(netns_link_foreach(fd_a, NULL, NULL), -EINVAL, "a NULL callback is -EINVAL");
	is(look(fd_c, "lo", &s), 0, "link_foreach on a namespace made without LO_UP");
	ok(s.found && !s.up, "its lo is down");
	is(netns_link_set_up(fd_c, "lo", true), 0, "link_set_up(lo) succeeds");
	look(fd_c, "lo", &s);
	ok(s.up && strcmp(s.operstate, "UNKNOWN") == 0, "lo is up, operstate UNKNOWN (%s)",
	   s.operstate);
	is(netns_link_set_up(fd_c, "nosuch0", true), -ENODEV, "link_set_up(missing) is -ENODEV");
	is(netns_link_set_up(fd_c, "0123456789abcdef", true), -EINVAL,
	   "a 16-byte interface name is -EINVAL");
}

static void test_veth(void)
{
	const char *aa[] = { "10.77.0.1/24", "fd00:77::1/64", NULL };
	const char *ba[] = { "10.77.0.2/24", NULL };
	struct netns_veth_end a = NETNS_VETH_END(.fd = fd_a, .ifname = "va", .addrs = aa),
			      b = NETNS_VETH_END(.fd = fd_b, .ifname = "vb", .addrs = ba);
	struct seen s;

	is(netns_veth_add(&a, &b, 1400), 0, "veth_add between two namespaces");
	is(look(fd_a, "va", &s), 0, "list A");
	ok(s.found && strcmp(s.kind, "veth") == 0, "end va is in A, kind veth (%s)", s.kind);
	ok(s.up && s.mtu == 1400, "va is up with MTU 1400 (mtu %u)", s.mtu);
	ok(has_addr(&s, "10.77.0.1/24") && has_addr(&s, "fd00:77::1/64"),
	   "va has both addresses (got:%s)", s.addrs);
	ok(s.ordered && s.count == 2, "A lists lo and va in index order");
	look(fd_b, "vb", &s);
	ok(s.found && s.up && s.mtu == 1400, "end vb is in B, up, MTU 1400");
	ok(has_addr(&s, "10.77.0.2/24") && !has_addr(&s, "10.77.0.1/24"),
	   "vb has only its own address (got:%s)", s.addrs);
	look(fd_a, "vb", &s);
	ok(!s.found, "vb is not in A");
	ok(if_nametoindex("va") == 0 && if_nametoindex("vb") == 0,
	   "neither end is in the caller's namespace");
	is(netns_veth_add(&a, &b, 0), -EEXIST, "the same names again are -EEXIST");
}

static void test_bad_input(void)
{
	static const char *const bad[] = { "10.0.0.300/24", "10.0.0.1/33", "fd00::1/129",
					   "abc", "", "10.0.0.1/", "10.0.0.1/-1", "/24",
					   "10.0.0.1/ 8", NULL };
	struct netns_veth_end a = NETNS_VETH_END(.fd = fd_a, .ifname = "vbad"),
			      b = NETNS_VETH_END(.fd = fd_b, .ifname = "vbad");
	struct seen s;

	for (size_t i = 0; bad[i]; i++) {
		const char *addrs[] = { "10.66.0.1/24", bad[i], NULL };

		b.addrs = addrs;
		is(netns_veth_add(&a, &b, 0), -EINVAL, "veth_add with CIDR '%s' is -EINVAL", bad[i]);
		is(netns_addr_add(fd_a, "va", bad[i]), -EINVAL, "addr_add '%s' is -EINVAL", bad[i]);
	}
	look(fd_a, "vbad", &s);
	ok(!s.found, "nothing was created in A");
	look(fd_b, "vbad", &s);
	ok(!s.found, "nothing was created in B");
	b.addrs = NULL;
	b.ifname = "bad/name";
	is(netns_veth_add(&a, &b, 0), -EINVAL, "an interface name with '/' is -EINVAL");
	b.ifname = "0123456789abcdef";
	is(netns_veth_add(&a, &b, 0), -EINVAL, "a 16-byte interface name is -EINVAL");
	b.ifname = "vbad";
	b.fd = 0; /* stdin: not a namespace */
	is(netns_veth_add(&a, &b, 0), -EMEDIUMTYPE, "an fd that is not a namespace is -EMEDIUMTYPE");
	b.fd = fd_b;

	/* The size field: unset is refused; a caller built against a later
	 * header, with fields this library does not know, is refused unless
	 * they are zero. */
	{
		struct {
			struct netns_veth_end e;
			int later_field;
		} big = { .e = NETNS_VETH_END(.fd = fd_b, .ifname = "vbig"), .later_field = 1 };
		struct netns_veth_end unsized = { .fd = fd_b, .ifname = "vbig" };

		a.ifname = "vbig";
		is(netns_veth_add(&a, &unsized, 0), -EINVAL, "an end without its size is -EINVAL");
		big.e.size = sizeof(big);
		is(netns_veth_add(&a, &big.e, 0), -EINVAL,
		   "an end with a later field this library does not know is -EINVAL");
		big.later_field = 0;
		is(netns_veth_add(&a, &big.e, 0), 0, "the same end with that field zero works");
		look(fd_b, "vbig", &s);
		ok(s.found, "and made its end");
		netns_link_delete(fd_a, "vbig");
	}

	/* The checks the command line uses, from the library. */
	is(netns_ifname_check("eth0"), 0, "ifname_check eth0");
	is(netns_ifname_check("0123456789abcde"), 0, "ifname_check of 15 bytes");
	static const char *const bad_names[] = { "", ".", "..", "a/b", "a:b", "a b", "a\tb",
						 "0123456789abcdef", NULL };
	for (size_t i = 0; bad_names[i]; i++)
		is(netns_ifname_check(bad_names[i]), -EINVAL, "ifname_check('%s') is -EINVAL",
		   bad_names[i]);
	is(netns_ifname_check(NULL), -EINVAL, "ifname_check(NULL) is -EINVAL");
	is(netns_cidr_check("10.0.0.1/24"), 0, "cidr_check 10.0.0.1/24");
	is(netns_cidr_check("fd00::1"), 0, "cidr_check fd00::1 (a host address)");
	for (size_t i = 0; bad[i]; i++)
		is(netns_cidr_check(bad[i]), -EINVAL, "cidr_check('%s') is -EINVAL", bad[i]);
	is(netns_cidr_check(NULL), -EINVAL, "cidr_check(NULL) is -EINVAL");
	ok(!strcmp(netns_operstate_name(NETNS_OPER_UP), "UP") &&
		   !strcmp(netns_operstate_name(NETNS_OPER_LOWERLAYERDOWN), "LOWERLAYERDOWN") &&
		   !strcmp(netns_operstate_name(99), "UNKNOWN") &&
		   !strcmp(netns_operstate_name(-1), "UNKNOWN"),
	   "operstate_name: the kernel's names, UNKNOWN for anything else");
}

/* A failure after the pair exists (the kernel refuses an address) removes it. */
static void test_veth_rollback(void)
{
	const char *aa[] = { "10.66.0.1/24", NULL };
	const char *ba[] = { "ff02::5/64", NULL }; /* parses, but IPv6 multicast */
	struct netns_veth_end a = NETNS_VETH_END(.fd = fd_a, .ifname = "vroll", .addrs = aa),
			      b = NETNS_VETH_END(.fd = fd_b, .ifname = "vroll", .addrs = ba);
	const char *msg;
	struct seen s;
	int r;

	r = netns_veth_add(&a, &b, 0);
	msg = netns_error_message();
	ok(r < 0, "veth_add fails when the kernel refuses an address (%d)", r);
	ok(msg && strstr(msg, "multicast"), "the kernel's reason survives the cleanup: \"%s\"",
	   msg ? msg : "(none)");
	look(fd_a, "vroll", &s);
	ok(!s.found, "the A end was deleted");
	look(fd_b, "vroll", &s);
	ok(!s.found, "the B end was deleted");
}

static void test_addr(void)
{
	struct seen s;

	is(netns_addr_add(fd_a, "va", "10.78.0.1/16"), 0, "addr_add IPv4");
	is(netns_addr_add(fd_a, "va", "fd00:78::1/64"), 0, "addr_add IPv6");
	look(fd_a, "va", &s);
	ok(has_addr(&s, "10.78.0.1/16") && has_addr(&s, "fd00:78::1/64"),
	   "both show in link_foreach (got:%s)", s.addrs);
	is(netns_addr_add(fd_a, "va", "10.78.0.1/16"), -EEXIST, "the same address again is -EEXIST");
	is(netns_addr_delete(fd_a, "va", "10.78.0.1/16"), 0, "addr_delete IPv4");
	is(netns_addr_delete(fd_a, "va", "fd00:78::1/64"), 0, "addr_delete IPv6");
	look(fd_a, "va", &s);
	ok(!has_addr(&s, "10.78.0.1/16") && !has_addr(&s, "fd00:78::1/64"),
	   "both are gone (got:%s)", s.addrs);
	is(netns_addr_delete(fd_a, "va", "10.78.0.1/16"), -EADDRNOTAVAIL,
	   "deleting it again is -EADDRNOTAVAIL");
	is(netns_addr_add(fd_a, "va", "10.78.0.9"), 0, "addr_add without a prefix");
	look(fd_a, "va", &s);
	ok(has_addr(&s, "10.78.0.9/32"), "is a host address (got:%s)", s.addrs);
	is(netns_addr_delete(fd_a, "va", "10.78.0.9/32"), 0, "and deletes as /32");
	is(netns_addr_add(fd_a, "nosuch0", "10.78.0.1/16"), -ENODEV,
	   "addr_add on a missing interface is -ENODEV");
}

static void test_route(void)
{
	const char *msg;
	int r;

	is(netns_route_add(fd_a, "10.88.0.0/16", "10.77.0.2", NULL), 0, "route_add via");
	is(netns_route_add(fd_a, "10.88.0.0/16", "10.77.0.2", NULL), -EEXIST,
	   "the same route again is -EEXIST: it exists");
	is(netns_route_delete(fd_a, "10.88.0.0/16", "10.77.0.2", NULL), 0, "route_delete");
	is(netns_route_delete(fd_a, "10.88.0.0/16", NULL, NULL), -ESRCH,
	   "deleting it again is -ESRCH: it is gone");
	is(netns_route_add(fd_a, "10.89.0.0/16", NULL, "va"), 0, "route_add dev");
	is(netns_route_delete(fd_a, "10.89.0.0/16", NULL, "va"), 0, "route_delete dev");
	is(netns_route_add(fd_a, "default", "10.77.0.2", "va"), 0, "route_add default via dev");
	is(netns_route_add(fd_a, "default", "10.77.0.2", NULL), -EEXIST, "the default is there");
	is(netns_route_delete(fd_a, "default", NULL, NULL), 0, "route_delete default");
	is(netns_route_add(fd_a, "fd00:99::/64", "fd00:77::2", "va"), 0, "route_add IPv6");
	is(netns_route_delete(fd_a, "fd00:99::/64", "fd00:77::2", "va"), 0, "route_delete IPv6");
	is(netns_route_add(fd_a, "::/0", NULL, "va"), 0, "route_add ::/0 dev (IPv6 default)");
	is(netns_route_add(fd_a, "default", "fd00:77::2", "va"), -EEXIST,
	   "\"default\" via an IPv6 gateway is the same IPv6 route");
	is(netns_route_delete(fd_a, "::/0", NULL, NULL), 0, "route_delete ::/0");
	is(netns_route_add(fd_a, "10.90.0.0/16", "fd00:77::2", NULL), -EINVAL,
	   "IPv4 dst via an IPv6 gateway is -EINVAL");
	is(netns_route_add(fd_a, "10.90.0.0/16", "10.77.0.2/24", NULL), -EINVAL,
	   "a gateway with a prefix is -EINVAL");
	is(netns_route_add(fd_a, "10.90.0.0/99", "10.77.0.2", NULL), -EINVAL, "a bad dst is -EINVAL");
	is(netns_route_add(fd_a, "10.90.0.0/16", NULL, "nosuch0"), -ENODEV,
	   "a missing dev is -ENODEV");
	/* Host bits under the prefix: fib_table_insert() explains with extack. */
	r = netns_route_add(fd_a, "10.91.0.1/16", NULL, "va");
	msg = netns_error_message();
	is(r, -EINVAL, "a dst with host bits set is -EINVAL from the kernel");
	ok(msg && strstr(msg, "prefix"), "the kernel's extack text is kept: \"%s\"",
	   msg ? msg : "(none)");
	is(netns_route_add(fd_a, "10.92.0.0/16", NULL, "va"), 0, "a later call succeeds");
	ok(netns_error_message() == NULL, "and clears the message");
	netns_route_delete(fd_a, "10.92.0.0/16", NULL, "va");
}

/* A netlink call on a throwaway thread (netns_run here; netns_name_add with
 * NETNS_ADD_LO_UP does the same) must carry the kernel's text home. */
static int failing_route(void *arg)
{
	(void)arg;
	return netns_route_add(-1, "10.93.0.1/16", NULL, "va");
}

static int noop(void *arg)
{
	(void)arg;
	return 0;
}

static void test_extack_across_threads(void)
{
	const char *msg;

	is(netns_run(fd_a, failing_route, NULL), -EINVAL, "a failing route add on netns_run's thread");
	msg = netns_error_message();
	ok(msg && strstr(msg, "prefix"), "its extack text reaches the caller: \"%s\"",
	   msg ? msg : "(none)");
	is(netns_run(fd_a, noop, NULL), 0, "a netns_run that does no netlink");
	ok(netns_error_message() == NULL, "clears the message");
	netns_run(fd_a, failing_route, NULL);
	close(netns_socket(fd_a, AF_INET, SOCK_DGRAM, 0));
	ok(netns_error_message() == NULL, "and so does netns_socket");
}

static void test_down_up(void)
{
	struct seen s;

	is(netns_link_set_up(fd_a, "va", false), 0, "link_set_up(false)");
	look(fd_a, "va", &s);
	ok(s.found && !s.up && strcmp(s.operstate, "DOWN") == 0, "va is down (%s)", s.operstate);
	is(netns_link_set_up(fd_a, "va", true), 0, "link_set_up(true)");
	look(fd_a, "va", &s);
	ok(s.up, "va is up again");
}

/* Runs in namespace C, where fd -1 means C. */
static int in_c(void *arg)
{
	struct netns_veth_end a = NETNS_VETH_END(.fd = -1, .ifname = "mc"),
			      b = NETNS_VETH_END(.fd = fd_b, .ifname = "mb");
	int *step = arg, r;

	r = netns_veth_add(&a, &b, 0);
	if (r < 0)
		return r;
	(*step)++;
	r = netns_link_move(fd_b, "mb", -1); /* into C, the caller's here */
	if (r < 0)
		return r;
	(*step)++;
	return netns_link_move(-1, "mb", fd_a);
}

static void test_move(void)
{
	struct seen s;
	int step = 0;

	is(netns_run(fd_c, in_c, &step), 0, "with fd -1 meaning C: veth C-B, move B->C, C->A");
	is(step, 2, "every step ran");
	look(fd_c, "mc", &s);
	ok(s.found && strcmp(s.kind, "veth") == 0, "end mc was made in C (the caller's)");
	look(fd_a, "mb", &s);
	ok(s.found, "mb was moved on to A");
	look(fd_b, "mb", &s);
	ok(!s.found, "mb is no longer in B");
	look(fd_c, "mb", &s);
	ok(!s.found, "nor in C");
	ok(if_nametoindex("mc") == 0 && if_nametoindex("mb") == 0,
	   "the test's own namespace got nothing");
	is(netns_link_move(fd_a, "nosuch0", fd_b), -ENODEV, "moving a missing link is -ENODEV");
	is(netns_link_move(fd_a, "mb", 0), -EMEDIUMTYPE, "moving to a non-namespace fd is -EMEDIUMTYPE");
	is(netns_link_move(fd_a, "lo", fd_b), -EINVAL, "lo cannot move (the kernel says -EINVAL)");
}

static void test_delete(void)
{
	struct seen s;

	is(netns_link_delete(fd_a, "va"), 0, "link_delete va");
	look(fd_a, "va", &s);
	ok(!s.found, "va is gone");
	look(fd_b, "vb", &s);
	ok(!s.found, "its peer vb went with it");
	is(netns_link_delete(fd_a, "va"), -ENODEV, "deleting it again is -ENODEV");
	is(netns_link_delete(fd_c, "mc"), 0, "link_delete mc (in C)");
	look(fd_a, "mb", &s);
	ok(!s.found, "its peer mb (moved to A) went with it");
}

static int add(char *name, size_t size, const char *tag, unsigned flags)
{
	int fd = -1, r;

	snprintf(name, size, "tlink-%d-%s", (int)getpid(), tag);
	r = netns_name_add(name, flags, &fd);
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
	fd_a = add(name_a, sizeof(name_a), "a", NETNS_ADD_LO_UP);
	fd_b = add(name_b, sizeof(name_b), "b", NETNS_ADD_LO_UP);
	fd_c = add(name_c, sizeof(name_c), "c", 0);
	fds = count_fds();

	test_lo();
	test_veth();
	test_bad_input();
	test_veth_rollback();
	test_addr();
	test_route();
	test_extack_across_threads();
	test_down_up();
	test_move();
	test_delete();

	is(count_fds(), fds, "no fd leaked");
	is(self_ino(), before, "the test's thread never changed namespace");
	netns_name_delete(name_a);
	netns_name_delete(name_b);
	netns_name_delete(name_c);
	close(fd_a);
	close(fd_b);
	close(fd_c);
	return done_testing();
}
