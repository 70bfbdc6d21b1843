/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cni/lib/alloc.c, host-local's allocator, on a store in memory (the test
 * double below, behind struct cni_store_ops): the next address after the
 * last reserved one, wrapping, skipping the gateway, from range to range
 * of a set, exhaustion (code 50), requested addresses, two range sets,
 * IPv6, DEL, CHECK, STATUS and a failing store. No root, no files. */
#include <errno.h>
#include <string.h>
#include <jansson.h>

#include "../../cni/lib/alloc.h"
#include "tap.h"

/* ---- the test double ---- */

#define MEM_MAX 64
#define MEM_SETS 4

struct mem_entry {
	char ip[64], id[64], ifname[16];
};

struct mem {
	struct mem_entry e[MEM_MAX];
	size_t n;
	struct rtnl_ip last[MEM_SETS];
	bool has_last[MEM_SETS];
	int fail; /* what the next reserve returns instead (-errno), or 0 */
};

static long mem_find(const struct mem *m, const char *ipname)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->e[i].ip, ipname) == 0)
			return (long)i;
	return -1;
}

static int mem_reserve(void *s, const char *id, const char *ifname, const struct rtnl_ip *ip, size_t set)
{
	struct mem *m = s;
	char name[64];

	if (m->fail)
		return m->fail;
	cni_ip_format(ip, name, sizeof(name));
	if (mem_find(m, name) >= 0)
		return 0;
	if (m->n == MEM_MAX || set >= MEM_SETS)
		return -ENOSPC;
	snprintf(m->e[m->n].ip, sizeof(m->e[m->n].ip), "%s", name);
	snprintf(m->e[m->n].id, sizeof(m->e[m->n].id), "%s", id);
	snprintf(m->e[m->n].ifname, sizeof(m->e[m->n].ifname), "%s", ifname);
	m->n++;
	m->last[set] = *ip;
	m->has_last[set] = true;
	return 1;
}

static int mem_last_reserved(void *s, size_t set, struct rtnl_ip *ret)
{
	struct mem *m = s;

	if (set >= MEM_SETS || !m->has_last[set])
		return -ENOENT;
	*ret = m->last[set];
	return 0;
}

static bool mem_has(void *s, const struct rtnl_ip *ip)
{
	char name[64];

	cni_ip_format(ip, name, sizeof(name));
	return mem_find(s, name) >= 0;
}

static int mem_release(void *s, const char *ipname, const char *id, const char *ifname)
{
	struct mem *m = s;
	long i = mem_find(m, ipname);

	(void)id, (void)ifname;
	if (i < 0)
		return 0;
	m->e[i] = m->e[--m->n];
	return 0;
}

/* On a copy: CB may release what it is given. */
static int mem_owned(void *s, const char *id, const char *ifname, cni_store_cb cb, void *data)
{
	struct mem copy = *(struct mem *)s;
	size_t i;
	int r;

	for (i = 0; i < copy.n; i++) {
		const struct mem_entry *e = &copy.e[i];
		if (strcmp(e->id, id) != 0 || (*e->ifname && strcmp(e->ifname, ifname) != 0))
			continue;
		r = cb(e->ip, e->id, e->ifname, data);
		if (r < 0)
			return r;
	}
	return 0;
}

static int mem_fail(void *s, int r, const char *what, struct cni_err *err)
{
	(void)s;
	return cni_fail(err, CNI_ERR_IO, "%s mem: %s", what, strerror(-r));
}

static const struct cni_store_ops mem_ops = {
	.reserve = mem_reserve,
	.last_reserved = mem_last_reserved,
	.has = mem_has,
	.release = mem_release,
	.owned = mem_owned,
	.fail = mem_fail,
};

/* ---- helpers ---- */

struct t {
	struct mem mem;
	struct cni_ipam_conf conf;
	struct cni_err err;
	json_t *json;
	struct cni_alloc a;
	struct cni_alloc_ip got[MEM_SETS];
};

/* A fresh store and the ranges RANGES (the JSON of ipam.ranges); CNI_ARGS
 * ARGS (NULL: none) for the requested addresses. */
static bool setup(struct t *t, const char *ranges, const char *args)
{
	char text[2048];
	json_error_t jerr;

	memset(t, 0, sizeof(*t));
	snprintf(text, sizeof(text), "{\"name\":\"n\",\"ipam\":{\"ranges\":%s}}", ranges);
	t->json = json_loads(text, 0, &jerr);
	if (!t->json || cni_ipam_conf_parse(t->json, &t->conf, &t->err) < 0 ||
	    cni_ipam_requested_parse(t->json, args, &t->conf, &t->err) < 0) {
		ok(0, "config %s parses", text);
		diag("%s", t->json ? t->err.msg : jerr.text);
		return false;
	}
	t->a = (struct cni_alloc){ .ops = &mem_ops, .store = &t->mem, .conf = &t->conf,
				   .id = "c1", .ifname = "eth0", .err = &t->err };
	return true;
}

static void teardown(struct t *t)
{
	cni_ipam_conf_free(&t->conf);
	json_decref(t->json);
}

/* ADD for container ID; 0 or -1. */
static int add(struct t *t, const char *id)
{
	t->a.id = id;
	memset(&t->err, 0, sizeof(t->err));
	return cni_alloc_add(&t->a, t->got);
}

/* The address ADD handed out for SET, formatted. */
static const char *got(struct t *t, size_t set)
{
	static char buf[MEM_SETS][64];

	cni_ip_format(&t->got[set].ip, buf[set], sizeof(buf[set]));
	return buf[set];
}

static bool msg_has(const struct t *t, const char *part)
{
	int r = ok(strstr(t->err.msg, part) != NULL, "the message says \"%s\"", part);

	if (!r)
		diag("msg: %s", t->err.msg);
	return r;
}

static void last_set(struct t *t, size_t set, const char *ip)
{
	cni_ip_parse(ip, &t->mem.last[set]);
	t->mem.has_last[set] = true;
}

/* Container ID holds IP of range set SET already. */
static void hold(struct t *t, const char *id, const char *ip, size_t set)
{
	struct rtnl_ip a;

	cni_ip_parse(ip, &a);
	mem_reserve(&t->mem, id, "eth0", &a, set);
}

/* ---- the tests ---- */

static void test_next(void)
{
	struct t t;
	struct rtnl_ip last;
	char gw[64];

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/29\"}]]", NULL))
		return;
	is(add(&t, "a"), 0, "ADD on an empty store");
	str_is(got(&t, 0), "10.9.0.2", "the first address (rangeStart .1 is the gateway)");
	cni_ip_format(&t.got[0].range->gateway, gw, sizeof(gw));
	str_is(gw, "10.9.0.1", "its range's gateway");
	is(t.got[0].range->prefix, 29, "and prefix");
	is(add(&t, "b"), 0, "a second ADD");
	str_is(got(&t, 0), "10.9.0.3", "the address after the last reserved");
	is(mem_last_reserved(&t.mem, 0, &last), 0, "the store has a last reserved address");
	str_is(got(&t, 0), "10.9.0.3", "the ADD's");
	cni_ip_format(&last, gw, sizeof(gw));
	str_is(gw, "10.9.0.3", "last_reserved_ip.0");
	last_set(&t, 0, "10.9.0.4");
	is(add(&t, "c"), 0, "ADD after last_reserved_ip.0 = .4");
	str_is(got(&t, 0), "10.9.0.5", "the address after it, not the first free one");
	is(t.mem.n, 3, "three allocations");
	teardown(&t);

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/29\"}]]", NULL))
		return;
	last_set(&t, 0, "10.99.0.4");
	is(add(&t, "a"), 0, "ADD with a last reserved address in no range (the config changed)");
	str_is(got(&t, 0), "10.9.0.2", "starts at rangeStart");
	teardown(&t);
}

static void test_wrap(void)
{
	struct t t;

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/29\"}]]", NULL))
		return;
	is(add(&t, "a"), 0, "ADD");
	is(add(&t, "b"), 0, "ADD");
	last_set(&t, 0, "10.9.0.6");
	is(add(&t, "c"), 0, "ADD after the range's end");
	str_is(got(&t, 0), "10.9.0.4", "wraps: past the gateway .1 and the taken .2 and .3");
	teardown(&t);
}

static void test_gateway(void)
{
	struct t t;

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/28\",\"gateway\":\"10.9.0.5\"}]]", NULL))
		return;
	last_set(&t, 0, "10.9.0.4");
	is(add(&t, "a"), 0, "ADD after .4, the gateway .5");
	str_is(got(&t, 0), "10.9.0.6", "skips the gateway");
	teardown(&t);
}

static void test_ranges(void)
{
	struct t t;

	if (!setup(&t, "[[{\"subnet\":\"10.9.2.0/30\"},{\"subnet\":\"10.9.3.0/30\"}]]", NULL))
		return;
	is(add(&t, "a"), 0, "ADD in a set of two ranges");
	str_is(got(&t, 0), "10.9.2.2", "the first range's one address");
	is(add(&t, "b"), 0, "ADD");
	str_is(got(&t, 0), "10.9.3.2", "then the second range's (past its gateway)");
	is(t.got[0].range->prefix, 30, "from its range");
	is(add(&t, "c"), -1, "then none is left");
	teardown(&t);
}

static void test_exhausted(void)
{
	struct t t;

	if (!setup(&t, "[[{\"subnet\":\"10.9.1.0/30\"}]]", NULL))
		return;
	is(cni_alloc_status(&t.a), 0, "STATUS: a free address");
	is(add(&t, "a"), 0, "ADD takes the only address");
	str_is(got(&t, 0), "10.9.1.2", "10.9.1.2");
	is(cni_alloc_status(&t.a), -1, "STATUS: none left");
	is(t.err.code, CNI_ERR_UNAVAILABLE, "code 50");
	msg_has(&t, "no IP addresses available in range set 0: 10.9.1.1-10.9.1.2");
	is(add(&t, "b"), -1, "ADD on a full range set fails");
	is(t.err.code, CNI_ERR_UNAVAILABLE, "code 50");
	msg_has(&t, "failed to allocate for range 0: no IP addresses available in range set: 10.9.1.1-10.9.1.2");
	is(t.mem.n, 1, "and reserves nothing");
	t.a.id = "a";
	is(cni_alloc_release(&t.a), 0, "DEL of the holder");
	is(t.mem.n, 0, "frees the address");
	is(cni_alloc_status(&t.a), 0, "STATUS: free again");
	teardown(&t);
}

static void test_requested(void)
{
	struct t t;

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/28\"}]]", "IP=10.9.0.7"))
		return;
	is(add(&t, "a"), 0, "ADD with IP=10.9.0.7");
	str_is(got(&t, 0), "10.9.0.7", "gets it");
	is(add(&t, "b"), -1, "the same address for another container");
	is(t.err.code, CNI_ERR_GENERIC, "code 999, as host-local's");
	msg_has(&t, "requested IP address 10.9.0.7 is not available in range set 10.9.0.1-10.9.0.14");
	is(t.mem.n, 1, "nothing more reserved");
	t.conf.nrequested = 0;
	is(add(&t, "c"), 0, "an ADD without a request");
	str_is(got(&t, 0), "10.9.0.8", "goes on after the requested address, as last reserved");
	teardown(&t);

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/28\"}]]", "IP=10.9.0.1"))
		return;
	is(add(&t, "a"), -1, "requesting the gateway");
	msg_has(&t, "requested ip 10.9.0.1 is subnet's gateway");
	teardown(&t);

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/28\"}]]", "IP=10.8.0.1"))
		return;
	is(add(&t, "a"), -1, "requesting an address in no range set");
	msg_has(&t, "10.8.0.1 is in no range set");
	teardown(&t);

	if (!setup(&t, "[[{\"subnet\":\"10.9.0.0/28\"}]]", "IP=10.9.0.3,10.9.0.4"))
		return;
	is(add(&t, "a"), -1, "requesting two addresses of one set");
	msg_has(&t, "10.9.0.3 and 10.9.0.4 are both in range set 0");
	is(t.mem.n, 0, "reserves neither");
	teardown(&t);
}

#define TWO_SETS "[[{\"subnet\":\"10.9.4.0/30\"}],[{\"subnet\":\"fd00:9::/126\"}]]"

static void test_two_sets(void)
{
	struct t t;

	if (!setup(&t, TWO_SETS, NULL))
		return;
	is(add(&t, "a"), 0, "ADD with an IPv4 and an IPv6 range set");
	str_is(got(&t, 0), "10.9.4.2", "one address of the first");
	str_is(got(&t, 1), "fd00:9::2", "one of the second");
	is(t.mem.n, 2, "two allocations");
	is(cni_alloc_check(&t.a), 0, "CHECK finds both");
	t.a.ifname = "eth1";
	is(cni_alloc_check(&t.a), -1, "CHECK of another interface finds none");
	msg_has(&t, "range set 0 added by container a, interface eth1");
	t.a.ifname = "eth0";
	is(add(&t, "a"), -1, "a second ADD of the same attachment");
	msg_has(&t, "10.9.4.2 has been allocated to a, duplicate allocation is not allowed");
	is(add(&t, "b"), -1, "an ADD when the first set is full");
	is(t.err.code, CNI_ERR_UNAVAILABLE, "code 50");
	is(t.mem.n, 2, "reserves nothing in the second set either");
	teardown(&t);

	if (!setup(&t, TWO_SETS, NULL))
		return;
	last_set(&t, 1, "fd00:9::3");
	hold(&t, "x", "fd00:9::2", 1);
	hold(&t, "y", "fd00:9::3", 1);
	is(add(&t, "a"), -1, "an ADD when the second set is full");
	is(t.err.code, CNI_ERR_UNAVAILABLE, "code 50");
	msg_has(&t, "failed to allocate for range 1");
	is(t.mem.n, 2, "gives back what it took of the first set");
	ok(!mem_has(&t.mem, &t.got[0].ip), "10.9.4.2 is free again");
	teardown(&t);

	if (!setup(&t, TWO_SETS, "IP=fd00:9::3")) /* one set requested, the other next-free */
		return;
	is(add(&t, "a"), 0, "ADD requesting fd00:9::3 in the second set only");
	str_is(got(&t, 0), "10.9.4.2", "the first set's next free");
	str_is(got(&t, 1), "fd00:9::3", "the second set's requested");
	t.conf.nrequested = 0;
	is(add(&t, "b"), -1, "then the first set is full");
	is(add(&t, "a"), -1, "and a's second ADD a duplicate");
	t.a.id = "a";
	is(cni_alloc_release(&t.a), 0, "DEL");
	is(t.mem.n, 0, "releases both sets' addresses");
	teardown(&t);
}

static void test_ipv6(void)
{
	struct t t;

	if (!setup(&t, "[[{\"subnet\":\"fd00:9::/126\"}]]", NULL))
		return;
	is(add(&t, "a"), 0, "IPv6 ADD");
	str_is(got(&t, 0), "fd00:9::2", "past the gateway ::1");
	is(add(&t, "b"), 0, "IPv6 ADD");
	str_is(got(&t, 0), "fd00:9::3", "the last address (no broadcast in IPv6)");
	is(add(&t, "c"), -1, "then none");
	is(t.err.code, CNI_ERR_UNAVAILABLE, "code 50");
	t.a.id = "a";
	is(cni_alloc_release(&t.a), 0, "DEL of ::2");
	is(add(&t, "c"), 0, "ADD after the last reserved ::3");
	str_is(got(&t, 0), "fd00:9::2", "wraps to ::2");
	teardown(&t);

	if (!setup(&t, "[[{\"subnet\":\"fd00:9::ff00/120\",\"rangeStart\":\"fd00:9::fffe\"}],"
		       "[{\"subnet\":\"10.9.5.0/24\"}]]", NULL))
		return;
	last_set(&t, 0, "fd00:9::ffff");
	is(add(&t, "a"), 0, "IPv6 ADD after the range's end");
	str_is(got(&t, 0), "fd00:9::fffe", "wraps to rangeStart");
	teardown(&t);
}

static void test_store_fails(void)
{
	struct t t;

	if (!setup(&t, TWO_SETS, NULL))
		return;
	t.mem.fail = -EIO;
	is(add(&t, "a"), -1, "ADD when the store cannot write");
	is(t.err.code, CNI_ERR_IO, "code 5");
	msg_has(&t, "cannot write to mem: Input/output error");
	is(t.mem.n, 0, "nothing reserved");
	teardown(&t);
}

int main(void)
{
	test_next();
	test_wrap();
	test_gateway();
	test_ranges();
	test_exhausted();
	test_requested();
	test_two_sets();
	test_ipv6();
	test_store_fails();
	return done_testing();
}
