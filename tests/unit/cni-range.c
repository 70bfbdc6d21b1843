/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cni/lib/range.c without root or a namespace: addresses, ranges canonicalized
 * as host-local's range.go does, the older "subnet" form beside "ranges",
 * and the addresses requested for ADD, read where host-local reads them. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <jansson.h>

#include "../../cni/lib/range.h"
#include "tap.h"

/* ADDR formatted, in a static buffer (one per call site is enough here). */
static const char *fmt(const struct rtnl_ip *ip)
{
	static char buf[4][64];
	static int k;

	k = (k + 1) % 4;
	cni_ip_format(ip, buf[k], sizeof(buf[k]));
	return buf[k];
}

static void test_addresses(void)
{
	struct rtnl_ip a, b;
	unsigned p = 99;

	is(cni_ip_parse("10.0.0.255", &a), 0, "an IPv4 address parses");
	is(a.family, AF_INET, "as IPv4");
	cni_ip_next(&a);
	str_is(fmt(&a), "10.0.1.0", "the address after 10.0.0.255");
	is(cni_ip_parse("2001:db8:0:0:0:0:0:ff", &b), 0, "an IPv6 address parses");
	str_is(fmt(&b), "2001:db8::ff", "its RFC 5952 form (host-local's file name)");
	cni_ip_next(&b);
	str_is(fmt(&b), "2001:db8::100", "the address after 2001:db8::ff");
	is(cni_ip_parse("255.255.255.255", &a), 0, "the last IPv4 address parses");
	cni_ip_next(&a);
	str_is(fmt(&a), "0.0.0.0", "and wraps to 0.0.0.0");
	is(cni_ip_parse("10.0.0", &a), -EINVAL, "a short address is -EINVAL");
	is(cni_ip_parse("", &a), -EINVAL, "an empty one too");

	is(cni_ip_parse("::ffff:10.77.0.4", &a), 0, "an IPv4-mapped IPv6 address parses");
	is(a.family, AF_INET6, "as IPv6");
	cni_ip_unmap(&a);
	is(a.family, AF_INET, "unmapped, it is IPv4");
	str_is(fmt(&a), "10.77.0.4", "the unmapped address");
	is(cni_ip_parse("fd00::ffff:a4d:4", &b), 0, "an IPv6 address ending like a mapped one");
	cni_ip_unmap(&b);
	is(b.family, AF_INET6, "stays IPv6");

	is(cni_cidr_parse("10.1.2.3/24", &a, &p), 0, "a CIDR parses");
	str_is(fmt(&a), "10.1.2.3", "its address as written");
	is(p, 24, "its prefix");
	is(cni_cidr_parse("10.1.2.3/33", &a, &p), -EINVAL, "an IPv4 prefix past 32 is -EINVAL");
	is(cni_cidr_parse("fd00::/129", &a, &p), -EINVAL, "an IPv6 prefix past 128 too");
	is(cni_cidr_parse("10.1.2.3", &a, &p), -EINVAL, "no prefix too");
	is(cni_cidr_parse("10.1.2.3/", &a, &p), -EINVAL, "an empty prefix too");
	is(cni_cidr_parse("10.1.2.3/-1", &a, &p), -EINVAL, "a negative one too");
	is(cni_cidr_parse("10.1.2.3/24x", &a, &p), -EINVAL, "trailing bytes too");

	cni_ip_parse("10.0.0.1", &a);
	cni_ip_parse("10.0.0.2", &b);
	ok(cni_ip_cmp(&a, &b) < 0, "10.0.0.1 sorts before 10.0.0.2");
	ok(!cni_ip_equal(&a, &b), "and is not equal to it");
	cni_ip_parse("::1", &b);
	ok(cni_ip_cmp(&a, &b) < 0, "IPv4 sorts before IPv6");
}

/* Parses the network config TEXT into C; ERR gets the message. */
static int conf(const char *text, struct cni_ipam_conf *c, struct cni_err *err, json_t **ret_json)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	memset(err, 0, sizeof(*err));
	*ret_json = j;
	if (!j) {
		diag("bad test JSON: %s", jerr.text);
		return -2;
	}
	return cni_ipam_conf_parse(j, c, err);
}

static void test_ranges(void)
{
	struct cni_ipam_conf c;
	struct cni_err err;
	json_t *j;
	struct cni_range *r;

	is(conf("{\"name\":\"n\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.0/24\"}]]}}", &c, &err, &j), 0,
	   "a range with a subnet alone");
	is(c.nsets, 1, "one range set");
	r = &c.sets[0].r[0];
	str_is(fmt(&r->gateway), "10.5.0.1", "the gateway defaults to network+1");
	str_is(fmt(&r->start), "10.5.0.1", "rangeStart too");
	str_is(fmt(&r->end), "10.5.0.254", "rangeEnd to broadcast-1");
	str_is(c.data_dir, "/var/lib/cni/networks", "dataDir defaults to host-local's");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"ranges\":[[{\"subnet\":\"fd00:5::/120\"}]]}}", &c, &err, &j), 0,
	   "an IPv6 range");
	r = &c.sets[0].r[0];
	str_is(fmt(&r->end), "fd00:5::ff", "its rangeEnd is the last address (no broadcast)");
	cni_ip_parse("fd00:5::80", &r->gateway); /* any address in it */
	ok(cni_range_contains(r, &r->gateway), "the range holds fd00:5::80");
	cni_ip_parse("fd00:6::1", &r->gateway);
	ok(!cni_range_contains(r, &r->gateway), "but not fd00:6::1");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.0/24\",\"rangeStart\":\"10.5.0.10\","
		"\"rangeEnd\":\"10.5.0.20\",\"gateway\":\"192.168.9.1\"}]]}}", &c, &err, &j), 0,
	   "rangeStart, rangeEnd, and a gateway outside the subnet");
	r = &c.sets[0].r[0];
	str_is(fmt(&r->start), "10.5.0.10", "rangeStart as given");
	str_is(fmt(&r->end), "10.5.0.20", "rangeEnd as given");
	str_is(fmt(&r->gateway), "192.168.9.1", "the gateway as given");
	cni_ip_parse("10.5.0.9", &r->gateway);
	ok(!cni_range_contains(r, &r->gateway), "10.5.0.9 is before the range");
	cni_ip_parse("10.5.0.20", &r->gateway);
	ok(cni_range_contains(r, &r->gateway), "10.5.0.20 is its last address");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"subnet\":\"10.6.0.0/24\",\"ranges\":[[{\"subnet\":\"10.7.0.0/24\"}]]}}", &c,
		&err, &j), 0, "the older subnet beside ranges");
	is(c.nsets, 2, "two range sets");
	str_is(fmt(&c.sets[0].r[0].subnet), "10.6.0.0", "the older one first, as host-local prepends it");
	str_is(fmt(&c.sets[1].r[0].subnet), "10.7.0.0", "then ranges'");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"subnet\":\"10.6.0.0/24\",\"ranges\":[[{\"subnet\":\"10.6.0.0/25\"}]]}}", &c,
		&err, &j), -1, "the older subnet overlapping a range is refused");
	is(err.code, 7, "with code 7");
	str_is(err.msg, "ipam overlaps ipam.ranges[0][0]", "the message");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.1/24\"}]]}}", &c, &err, &j), -1,
	   "a subnet with host bits set is refused");
	str_is(err.msg, "ipam.ranges[0][0].subnet 10.5.0.1/24 has host bits set: the network address for /24 is 10.5.0.0",
	       "the message");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.0/31\"}]]}}", &c, &err, &j), -1,
	   "a /31 is refused");
	str_is(err.msg, "ipam.ranges[0][0].subnet 10.5.0.0/31 is too small to allocate from", "the message");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.0/24\"},{\"subnet\":\"fd00::/64\"}]]}}", &c,
		&err, &j), -1, "a set that mixes families is refused");
	str_is(err.msg, "ipam.ranges[0] mixes IPv4 and IPv6", "the message");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.0/24\",\"rangeStart\":\"10.5.0.20\","
		"\"rangeEnd\":\"10.5.0.10\"}]]}}", &c, &err, &j), -1, "rangeStart after rangeEnd is refused");
	str_is(err.msg, "ipam.ranges[0][0]: rangeStart is after rangeEnd", "the message");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{}}", &c, &err, &j), -1, "no range at all is refused");
	str_is(err.msg, "ipam needs \"ranges\" (or a \"subnet\")", "the message");
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf("{\"ipam\":{\"dataDir\":\"rel\",\"ranges\":[[{\"subnet\":\"10.5.0.0/24\"}]]}}", &c, &err, &j),
	   -1, "a relative dataDir is refused");
	cni_ipam_conf_free(&c);
	json_decref(j);
}

static void test_requested(void)
{
	const char *text = "{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.5.0.0/24\"}]]},"
			   "\"args\":{\"cni\":{\"ips\":[\"10.5.0.30/24\"]}}}";
	struct cni_ipam_conf c;
	struct cni_err err;
	json_t *j;

	is(conf(text, &c, &err, &j), 0, "a config that asks for addresses");
	is(cni_ipam_requested_parse(j, "IgnoreUnknown=1;IP=10.5.0.7;IP=10.5.0.8/24,::ffff:10.5.0.9", &c, &err),
	   0, "CNI_ARGS with IP= twice");
	is(c.nrequested, 3, "the last IP= (two addresses), then args.cni.ips");
	if (c.nrequested == 3) {
		str_is(fmt(&c.requested[0]), "10.5.0.8", "the prefix is dropped");
		str_is(fmt(&c.requested[1]), "10.5.0.9", "a mapped address is IPv4");
		str_is(fmt(&c.requested[2]), "10.5.0.30", "args.cni.ips last");
	}
	cni_ipam_conf_free(&c);
	json_decref(j);

	is(conf(text, &c, &err, &j), 0, "the same config again");
	is(cni_ipam_requested_parse(j, "IP=10.5.0.777", &c, &err), -1, "a bad IP= is refused");
	is(err.code, 4, "with code 4 (CNI_ARGS)");
	cni_ipam_conf_free(&c);
	json_decref(j);
}

int main(void)
{
	test_addresses();
	test_ranges();
	test_requested();
	return done_testing();
}
