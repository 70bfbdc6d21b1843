/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lab/file.c without root: lab_parse() on containerlab's keys, the
 * inheritance of settings (node < group < kind < defaults), bridges, the
 * limits, and each refusal with its exact "FILE:LINE:COL: ..." message.
 * Only the bats tests, as root, reached the parser before. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/lab.h"
#include "tap.h"

static char err[512];

static int parse(const char *text, struct lab **ret)
{
	*ret = NULL;
	return lab_parse(text, strlen(text), "t.yml", ret, err, sizeof(err));
}

static bool text_is(const char *got, const char *want, const char *what)
{
	int r = ok(got && strcmp(got, want) == 0, "%s is '%s'", what, want);

	if (!r)
		diag("got '%s'", got ? got : "(null)");
	return r;
}

/* TEXT is refused with -EINVAL and exactly the message WANT. */
static void refused(const char *text, const char *want, const char *what)
{
	struct lab *lab;

	is(parse(text, &lab), -EINVAL, "%s: refused", what);
	ok(lab == NULL, "%s: nothing returned", what);
	text_is(err, want, what);
	lab_free(lab);
}

static const struct lab_node *node(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->n_nodes; i++)
		if (strcmp(lab->nodes[i].name, name) == 0)
			return &lab->nodes[i];
	return NULL;
}

static void test_minimal(void)
{
	struct lab *lab;

	if (!is(parse("name: m\ntopology:\n  nodes:\n    a:\n", &lab), 0, "a minimal file parses"))
		return diag("%s", err);
	text_is(lab->name, "m", "its name");
	is(lab->n_nodes, 1, "one node");
	text_is(lab->nodes[0].name, "a", "named a");
	text_is(lab->nodes[0].kind, "linux", "of kind linux when none is given");
	ok(lab->nodes[0].type && !lab->nodes[0].type->ports, "not a bridge");
	is(lab->nodes[0].n_addrs + lab->nodes[0].n_routes + lab->nodes[0].n_sysctls +
		   lab->nodes[0].n_exec,
	   0, "with no settings");
	is(lab->n_links, 0, "no links");
	is(lab->n_notes, 0, "no notes");
	lab_free(lab);
}

/* A file as containerlab writes it: kinds, defaults, groups, container-only
 * keys, short and extended endpoints, an mtu. */
static void test_containerlab(void)
{
	static const char text[] =
		"name: clab\n"
		"prefix: x\n"
		"topology:\n"
		"  defaults:\n"
		"    kind: linux\n"
		"  kinds:\n"
		"    linux:\n"
		"      image: alpine\n"
		"  nodes:\n"
		"    r1:\n"
		"      image: frr\n"
		"    r2: {}\n"
		"    h1:\n"
		"  links:\n"
		"    - endpoints: [\"r1:eth1\", \"r2:eth1:10.0.0.2/30\"]\n"
		"      mtu: 9000\n"
		"    - type: veth\n"
		"      endpoints:\n"
		"        - { node: r2, interface: eth2 }\n"
		"        - { node: h1, interface: eth0 }\n";
	struct lab *lab;
	const struct lab_link *l;

	if (!is(parse(text, &lab), 0, "a containerlab file parses"))
		return diag("%s", err);
	text_is(lab->name, "clab", "its name");
	is(lab->n_nodes, 3, "three nodes");
	text_is(lab->nodes[0].name, "r1", "in file order: r1");
	text_is(lab->nodes[1].name, "r2", "r2");
	text_is(lab->nodes[2].name, "h1", "h1");
	is(lab->n_links, 2, "two links");
	l = &lab->links[0];
	is(l->end[0].node, 0, "link 1 end 0 is r1");
	text_is(l->end[0].ifname, "eth1", "on eth1");
	ok(l->end[0].cidr == NULL, "with no address");
	is(l->end[1].node, 1, "link 1 end 1 is r2");
	text_is(l->end[1].ifname, "eth1", "on eth1");
	text_is(l->end[1].cidr, "10.0.0.2/30", "with its address");
	is(l->mtu, 9000, "link 1 mtu");
	l = &lab->links[1];
	is(l->end[0].node, 1, "extended link end 0 is r2");
	text_is(l->end[0].ifname, "eth2", "on eth2");
	is(l->end[1].node, 2, "extended link end 1 is h1");
	text_is(l->end[1].ifname, "eth0", "on eth0");
	is(l->mtu, 9500, "no mtu: containerlab's default, 9500");
	/* Each container-only key noted once, where it first appears. */
	if (is(lab->n_notes, 2, "two notes (prefix, image), image once"))  {
		text_is(lab->notes[0], "t.yml:2:1: 'prefix' is ignored: nodes are namespaces",
		       "the note on prefix");
		text_is(lab->notes[1], "t.yml:8:7: 'image' is ignored: nodes are namespaces",
		       "the note on image");
	}
	lab_free(lab);
}

/* Every setting is taken whole from the first of node, group, kind,
 * defaults that has it. */
static void test_inheritance(void)
{
	static const char text[] =
		"name: inh\n"
		"topology:\n"
		"  defaults:\n"
		"    addrs: [\"lo 10.0.0.4/32\"]\n"
		"    routes: [\"10.4.0.0/16 dev lo\"]\n"
		"    sysctls: { net.ipv4.ip_forward: \"4\" }\n"
		"    exec: [\"echo d\"]\n"
		"  kinds:\n"
		"    k:\n"
		"      addrs: [\"lo 10.0.0.3/32\"]\n"
		"      routes: [\"10.3.0.0/16 dev lo\"]\n"
		"      sysctls: { net.ipv4.ip_forward: \"3\" }\n"
		"      exec: [\"echo k\"]\n"
		"    gk: {}\n"
		"  groups:\n"
		"    g:\n"
		"      kind: k\n"
		"      addrs: [\"lo 10.0.0.2/32\"]\n"
		"      routes: [\"10.2.0.0/16 dev lo\"]\n"
		"      sysctls: { net.ipv4.ip_forward: \"2\" }\n"
		"      exec: [\"echo g\"]\n"
		"  nodes:\n"
		"    own:\n"
		"      group: g\n"
		"      addrs: [\"lo 10.0.0.1/32\"]\n"
		"      routes: [\"10.1.0.0/16 dev lo\"]\n"
		"      sysctls: { net.ipv4.ip_forward: \"1\" }\n"
		"      exec: [\"echo n\"]\n"
		"    grp: { group: g }\n"
		"    knd: { kind: k }\n"
		"    def:\n"
		"    mix: { group: g, kind: gk, exec: [] }\n";
	static const struct {
		const char *node, *kind, *addr, *route, *sysctl, *exec;
	} want[] = {
		{ "own", "k", "10.0.0.1/32", "10.1.0.0/16", "1", "echo n" },
		{ "grp", "k", "10.0.0.2/32", "10.2.0.0/16", "2", "echo g" },
		{ "knd", "k", "10.0.0.3/32", "10.3.0.0/16", "3", "echo k" },
		{ "def", "linux", "10.0.0.4/32", "10.4.0.0/16", "4", "echo d" },
	};
	struct lab *lab;
	const struct lab_node *n;

	if (!is(parse(text, &lab), 0, "a file with defaults, kinds and groups parses"))
		return diag("%s", err);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!ok((n = node(lab, want[i].node)) != NULL, "node %s", want[i].node))
			continue;
		text_is(n->kind, want[i].kind, "its kind");
		if (is(n->n_addrs, 1, "%s: one address, not merged", n->name)) {
			text_is(n->addrs[0].ifname, "lo", "its interface");
			text_is(n->addrs[0].cidr, want[i].addr, "its address");
		}
		if (is(n->n_routes, 1, "%s: one route", n->name)) {
			text_is(n->routes[0].dst, want[i].route, "its destination");
			text_is(n->routes[0].dev, "lo", "its device");
			ok(n->routes[0].via == NULL, "no gateway");
		}
		if (is(n->n_sysctls, 1, "%s: one sysctl", n->name)) {
			text_is(n->sysctls[0].key, "net.ipv4.ip_forward", "its key");
			text_is(n->sysctls[0].value, want[i].sysctl, "its value");
		}
		if (is(n->n_exec, 1, "%s: one exec line", n->name))
			text_is(n->exec[0], want[i].exec, "it");
	}
	/* The node's kind beats its group's; an empty list of its own wins. */
	if (ok((n = node(lab, "mix")) != NULL, "node mix")) {
		text_is(n->kind, "gk", "its own kind over its group's");
		text_is(n->n_addrs ? n->addrs[0].cidr : NULL, "10.0.0.2/32",
		       "its group's address over its kind's (gk has none)");
		is(n->n_exec, 0, "its own empty exec list over its group's");
	}
	lab_free(lab);
}

static void test_settings(void)
{
	static const char text[] =
		"name: set\n"
		"topology:\n"
		"  nodes:\n"
		"    a:\n"
		"      kind: no-such-kind\n"
		"      addrs: [\"eth1 10.0.0.1/30\", \"eth1 fd00::1/64\"]\n"
		"      routes: [\"default via 10.0.0.2\", \"10.9.0.0/16 via 10.0.0.2 dev eth1\"]\n"
		"      sysctls: { net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1 }\n"
		"      exec: [\"ip link\", \"true\"]\n"
		"    b:\n"
		"  links:\n"
		"    - endpoints: [\"a:eth1\", \"b:eth1\"]\n";
	struct lab *lab;
	const struct lab_node *n;

	if (!is(parse(text, &lab), 0, "a node with every setting parses"))
		return diag("%s", err);
	n = &lab->nodes[0];
	text_is(n->kind, "no-such-kind", "a kind not in kinds is kept: any kind is a namespace");
	is(n->n_addrs, 2, "two addresses");
	text_is(n->addrs[1].cidr, "fd00::1/64", "the IPv6 one");
	is(n->addrs[1].mark.line + 1, 6, "each remembers its line");
	is(n->n_routes, 2, "two routes");
	text_is(n->routes[0].dst, "default", "a default route");
	text_is(n->routes[0].via, "10.0.0.2", "via its gateway");
	ok(n->routes[0].dev == NULL, "with no device");
	text_is(n->routes[1].via, "10.0.0.2", "a route with both: its gateway");
	text_is(n->routes[1].dev, "eth1", "and its device");
	is(n->n_sysctls, 2, "two sysctls");
	text_is(n->sysctls[1].key, "net.ipv6.conf.all.forwarding", "the second's key");
	text_is(n->sysctls[1].value, "1", "a number read as its text");
	is(n->n_exec, 2, "two exec lines");
	text_is(n->exec[1], "true", "the second");
	lab_free(lab);
}

static void test_bridge(void)
{
	static const char text[] =
		"name: br\n"
		"topology:\n"
		"  nodes:\n"
		"    sw: { kind: bridge, addrs: [\"sw 10.0.0.254/24\"] }\n"
		"    h1:\n"
		"    h2:\n"
		"  links:\n"
		"    - endpoints: [\"sw:p1\", \"h1:eth0\"]\n"
		"    - endpoints: [\"sw:p2\", \"h2:eth0\"]\n";
	struct lab *lab;

	if (!is(parse(text, &lab), 0, "a lab with a bridge parses"))
		return diag("%s", err);
	ok(lab->nodes[0].type && lab->nodes[0].type->ports, "kind bridge is a bridge");
	text_is(lab->nodes[0].kind, "bridge", "of kind bridge");
	ok(lab->nodes[1].type && !lab->nodes[1].type->ports, "h1 is not");
	text_is(lab->nodes[0].n_addrs ? lab->nodes[0].addrs[0].ifname : NULL, "sw",
	       "an address on the bridge itself");
	is(lab->n_links, 2, "two ports");
	lab_free(lab);

	refused("name: br\ntopology:\n  nodes:\n    sw: { kind: bridge }\n    h1:\n"
		"  links:\n    - endpoints: [\"sw:sw\", \"h1:eth0\"]\n",
		"t.yml:7:19: endpoint 'sw:sw': 'sw' is the bridge itself",
		"a link end that is the bridge itself");
	refused("name: br\ntopology:\n  nodes:\n    sw-is-too-long-x: { kind: bridge }\n",
		"t.yml:4:5: bridge 'sw-is-too-long-x': its name must be an interface name "
		"(1 to 15 bytes)",
		"a bridge named past 15 bytes");
	/* A bridge by inheritance, from defaults. */
	if (is(parse("name: br\ntopology:\n  defaults: { kind: bridge }\n  nodes:\n    s:\n", &lab),
	       0, "a bridge by default kind parses"))
		ok(lab->nodes[0].type && lab->nodes[0].type->ports, "and is a bridge");
	lab_free(lab);
}

#define HEAD "name: e\ntopology:\n  nodes:\n"

static void test_refusals(void)
{
	refused(HEAD "    a:\n    b:\n    a:\n", "t.yml:6:5: duplicate node 'a'", "a duplicate node");
	refused(HEAD "    a: { group: nope }\n", "t.yml:4:17: no group 'nope' in topology.groups",
		"an unknown group");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a\", \"a:eth2\"]\n",
		"t.yml:6:19: endpoint 'a': must be 'NODE:IF' or 'NODE:IF:CIDR'",
		"an endpoint with no interface");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1\", \"zz:eth1\"]\n",
		"t.yml:6:29: endpoint 'zz:eth1': no node 'zz' in topology.nodes",
		"a link to a missing node");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1\", \"a:eth1\"]\n",
		"t.yml:6:29: endpoint 'a:eth1': duplicate interface 'eth1' on node 'a'",
		"an interface used twice");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:lo\", \"a:eth1\"]\n",
		"t.yml:6:19: endpoint 'a:lo': bad interface name 'lo'", "a link end on lo");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1:10.0.0.300/24\", \"a:eth2\"]\n",
		"t.yml:6:19: endpoint 'a:eth1:10.0.0.300/24': bad CIDR '10.0.0.300/24'",
		"a bad endpoint CIDR");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1\"]\n",
		"t.yml:6:18: endpoints must be a list of two 'NODE:IF'", "a link with one end");
	refused(HEAD "    a:\n  links:\n    - mtu: 1500\n",
		"t.yml:6:7: a link needs 'endpoints'", "a link with no endpoints");
	refused(HEAD "    a:\n  links:\n    - { type: vxlan, endpoints: [\"a:e1\", \"a:e2\"] }\n",
		"t.yml:6:15: link type vxlan is not supported yet", "a vxlan link");
	refused(HEAD "    a:\n  links:\n    - endpoints: [{ node: a }, \"a:e2\"]\n",
		"t.yml:6:19: an endpoint needs 'node' and 'interface'",
		"an extended endpoint with no interface");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:e1\", \"a:e2\"]\n      mtu: 67\n",
		"t.yml:7:12: mtu '67': must be a number from 68 to 65535", "an mtu below 68");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:e1\", \"a:e2\"]\n      mtu: 65536\n",
		"t.yml:7:12: mtu '65536': must be a number from 68 to 65535", "an mtu past 65535");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:e1\", \"a:e2\"]\n      mtu: 1500x\n",
		"t.yml:7:12: mtu '1500x': must be a number from 68 to 65535", "an mtu with a suffix");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:e1\", \"a:e2\"]\n      mtu: -1\n",
		"t.yml:7:12: mtu '-1': must be a number from 68 to 65535", "a negative mtu");
	refused(HEAD "    a: { addrs: [\"eth9 10.0.0.1/24\"] }\n",
		"t.yml:4:18: node 'a': address 'eth9 10.0.0.1/24': no interface 'eth9'",
		"an address on an interface the node lacks");
	refused("name: e\ntopology:\n  defaults:\n    addrs: [\"eth1 10.0.0.1/24\"]\n"
		"  nodes:\n    a:\n",
		"t.yml:4:13: node 'a': address 'eth1 10.0.0.1/24': no interface 'eth1'",
		"an inherited address: reported where it is written, for the node");
	refused(HEAD "    a: { addrs: [\"10.0.0.1/24\"] }\n",
		"t.yml:4:18: address '10.0.0.1/24': must be 'IF CIDR'", "an address with no IF");
	refused(HEAD "    a: { addrs: [\"lo 10.0.0.1/33\"] }\n",
		"t.yml:4:18: address 'lo 10.0.0.1/33': bad CIDR '10.0.0.1/33'", "a bad CIDR");
	refused(HEAD "    a: { routes: [\"default\"] }\n",
		"t.yml:4:19: route 'default': must be 'DST via GW', 'DST dev IF' or both",
		"a route with no gateway or device");
	refused(HEAD "    a: { routes: [\"default via 10.0.0.0/8\"] }\n",
		"t.yml:4:19: route 'default via 10.0.0.0/8': bad 'via 10.0.0.0/8'",
		"a route via a CIDR");
	refused(HEAD "    a: { routes: [\"default dev eth3\"] }\n",
		"t.yml:4:19: node 'a': route to 'default': no interface 'eth3'",
		"a route on an interface the node lacks");
	refused(HEAD "    a: { sysctls: { kernel.hostname: x } }\n",
		"t.yml:4:21: sysctl 'kernel.hostname': only net.* names (letters, digits, '_', "
		"'-', '.') are per namespace",
		"a sysctl outside net.*");
	refused(HEAD "    a: { sysctls: { net.ipv4.ip_forward: \"\" } }\n",
		"t.yml:4:42: sysctl 'net.ipv4.ip_forward': value must be one non-empty line",
		"an empty sysctl value");
	refused(HEAD "    a: { exec: \"true\" }\n", "t.yml:4:16: exec must be a list",
		"exec as a string");
	refused(HEAD "    a: { color: red }\n", "t.yml:4:10: unknown key 'color' in a node",
		"an unknown node key");
	refused(HEAD "    a:\n    a:b:\n",
		"t.yml:5:5: node name 'a:b': must not be empty or hold ':', '/' or blanks",
		"a node name with ':'");
	refused(HEAD "    a:\nsize: 3\n", "t.yml:5:1: unknown key 'size' in the file",
		"an unknown top-level key");
	refused("name: e\nname: f\ntopology:\n  nodes:\n    a:\n",
		"t.yml:2:1: duplicate key 'name' in the file", "a duplicate top-level key");
	refused("topology:\n  nodes:\n    a:\n", "t.yml:1:1: the file has no 'name'", "no name");
	refused("name: e\n", "t.yml:1:1: the file has no 'topology'", "no topology");
	refused("name: e\ntopology:\n  links: []\n", "t.yml:3:3: topology has no 'nodes'",
		"no nodes");
	refused("name: e\ntopology:\n  nodes: [a, b]\n", "t.yml:3:10: nodes must be a mapping",
		"nodes as a list");
	refused("name: a/b\ntopology:\n  nodes:\n    a:\n",
		"t.yml:1:7: lab name 'a/b': must be a namespace name (no '/', blanks or leading "
		"'.')",
		"a lab name with '/'");
	refused("", "t.yml:1:1: the file is empty", "an empty file");
	refused("# only a comment\n", "t.yml:1:1: the file is empty", "a file of comments");
	refused("- a\n- b\n", "t.yml:1:1: the file must be a mapping with 'name' and 'topology'",
		"a list as the root");
	refused("just text\n", "t.yml:1:1: the file must be a mapping with 'name' and 'topology'",
		"a scalar as the root");
	refused("name: e\ntopology: [\n",
		"t.yml:3:1: YAML: did not find expected node content while parsing a flow node",
		"a YAML syntax error");
	refused(HEAD "    a:\n---\nname: f\n",
		"t.yml:5:1: a second YAML document: a lab file holds one", "a second document");
	refused("name: \"a\\0b\"\ntopology:\n  nodes:\n    a:\n", "t.yml:1:7: name holds a NUL byte",
		"a name with a NUL byte");
	refused(HEAD "    a: { [x]: 1 }\n", "t.yml:4:10: a key in a node must be a string",
		"a node key that is a list");
	refused(HEAD "    a: { exec: [], exec: [] }\n",
		"t.yml:4:20: duplicate key 'exec' in a node", "a node key given twice");
	refused(HEAD "    a:\n  links:\n    - endpoints: [{ node: \"a:b\", interface: e1 }, \"a:e2\"]\n",
		"t.yml:6:19: endpoint 'a:b:e1': a name holds ':'",
		"an extended endpoint whose node holds ':'");
	refused(HEAD "    a: { sysctls: [net.ipv4.ip_forward] }\n",
		"t.yml:4:19: sysctls must be a mapping", "sysctls as a list");
	refused("name: e\ntopology:\n  kinds: [linux]\n  nodes:\n    a:\n",
		"t.yml:3:10: kinds must be a mapping", "kinds as a list");
	refused("name: e\ntopology:\n  groups:\n    g: { mtu: 1 }\n  nodes:\n    a:\n",
		"t.yml:4:10: unknown key 'mtu' in groups", "an unknown key in a group");
	refused("name: e\ntopology:\n  nodes:\n    a:\n  links: {}\n",
		"t.yml:5:10: links must be a list", "links as a mapping");
}

/* The settings all nodes inherit are counted against LAB_SETTINGS_MAX:
 * each exec line here counts 64 bytes and its 960, so 256 lines given by
 * defaults to 1,024 nodes take the limit exactly, and a 1,025th node is
 * refused at the first line it inherits. */
static void test_settings_limit(void)
{
	enum { LINES = 256, LINE = 960, NODES = 1024 };
	size_t cap = (size_t)LINES * (LINE + 16) + (size_t)(NODES + 1) * 16 + 128, n;
	char *text = malloc(cap);
	struct lab *lab;

	if (!ok(text != NULL, "a buffer for a large lab"))
		return;
	for (int extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(text, cap, "name: big\ntopology:\n  defaults:\n    exec:\n");
		for (int i = 0; i < LINES; i++) {
			n += (size_t)snprintf(text + n, cap - n, "      - ");
			memset(text + n, 'x', LINE);
			n += LINE;
			text[n++] = '\n';
		}
		n += (size_t)snprintf(text + n, cap - n, "  nodes:\n");
		for (int i = 0; i < NODES + extra; i++)
			n += (size_t)snprintf(text + n, cap - n, "    n%d:\n", i);
		if (!ok(n < cap, "the file fits its buffer"))
			break;
		lab = NULL;
		if (!extra) {
			if (is(lab_parse(text, n, "t.yml", &lab, err, sizeof(err)), 0,
			       "settings of exactly 256 MiB are read"))
				is(lab->n_nodes * lab->nodes[NODES - 1].n_exec, NODES * LINES,
				   "every node with every line");
			else
				diag("%s", err);
		} else {
			is(lab_parse(text, n, "t.yml", &lab, err, sizeof(err)), -EINVAL,
			   "one more node is refused");
			text_is(err, "t.yml:5:9: node 'n1024': the nodes' addresses, routes, sysctls and "
				    "exec lines take more than 256 MiB once inherited, the limit of a "
				    "lab file",
			       "at the first line it inherits, where the file writes it");
		}
		lab_free(lab);
	}
	free(text);
}

static void test_limits(void)
{
	/* 64 levels are read; the 65th is refused where it starts. */
	char deep[256], *big;
	struct lab *lab;
	size_t n = 0;

	/* name: e, topology: {nodes: {a: {exec: [...]}}}: the root mapping,
	 * then topology, nodes, a, exec: 5 levels; the rest are lists. */
	for (int fill = 0; fill < 2; fill++) {
		int levels = fill ? 65 : 64;

		n = (size_t)snprintf(deep, sizeof(deep), "name: e\ntopology: {nodes: {a: {exec: ");
		for (int i = 5; i <= levels; i++)
			deep[n++] = '[';
		for (int i = 5; i <= levels; i++)
			deep[n++] = ']';
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "}}}\n");
		is(n < sizeof(deep), 1, "the nested file fits");
		lab = NULL;
		if (!fill) {
			/* 64 deep is YAML the lab refuses later (exec holds lists),
			 * not for depth. */
			is(lab_parse(deep, n, "t.yml", &lab, err, sizeof(err)), -EINVAL,
			   "64 levels: read, refused for what they hold");
			text_is(err, "t.yml:2:31: an exec line must be a string",
			       "not for their depth");
		} else {
			is(lab_parse(deep, n, "t.yml", &lab, err, sizeof(err)), -EINVAL,
			   "65 levels are refused");
			text_is(err, "t.yml:2:90: nested deeper than 64 levels, the limit of a lab file",
			       "where the 65th starts");
		}
		lab_free(lab);
	}

	/* Past LAB_FILE_MAX, refused before a byte is read as YAML. */
	big = malloc((size_t)LAB_FILE_MAX + 1);
	if (ok(big != NULL, "a buffer past the size limit")) {
		memset(big, ' ', (size_t)LAB_FILE_MAX + 1);
		lab = NULL;
		is(lab_parse(big, (size_t)LAB_FILE_MAX + 1, "t.yml", &lab, err, sizeof(err)),
		   -EINVAL, "a file past 16 MiB is refused");
		text_is(err, "t.yml: larger than 16777216 bytes (16 MiB), the limit of a lab file",
		       "with the limit in the message");
		ok(lab == NULL, "nothing returned");
	}
	free(big);

	/* A message longer than ERR is cut, not overrun. */
	{
		char small[16];

		lab = NULL;
		is(lab_parse("", 0, "t.yml", &lab, small, sizeof(small)), -EINVAL,
		   "an empty file with a small error buffer");
		is(strlen(small), sizeof(small) - 1, "the message is cut to the buffer");
	}
}

/* A file whose name holds a quote: each container-only key still noted
 * once (the note was matched from its first quote, inside the name). */
static void test_note_quoted_name(void)
{
	const char *text = "name: q\ntopology:\n  nodes:\n    a: { image: x }\n    b: { image: x }\n";
	struct lab *lab = NULL;
	char msg[256] = "";

	if (!is(lab_parse(text, strlen(text), "it's.yml", &lab, msg, sizeof(msg)), 0,
		"a file named it's.yml parses"))
		return;
	if (is(lab->n_notes, 1, "image noted once"))
		text_is(lab->notes[0], "it's.yml:4:10: 'image' is ignored: nodes are namespaces",
			"where it first appears");
	lab_free(lab);
}

/* TEXT expands to WANT (lab_env_expand() alone). */
static void expands(const char *text, const char *want, const char *what)
{
	char *got = NULL;
	size_t len = 0, line = 0, col = 0;
	const char *why = NULL;
	int r = lab_env_expand(text, strlen(text), &got, &len, &line, &col, &why);

	if (!is(r, 0, "%s: expands", what))
		return;
	if (!got) /* no '$': the text itself */
		ok(strcmp(text, want) == 0, "%s: is '%s' (unchanged)", what, want);
	else if (!ok(len == strlen(want) && memcmp(got, want, len) == 0, "%s: is '%s'", what, want))
		diag("got '%.*s'", (int)len, got);
	free(got);
}

/* Environment variables, as containerlab's envsubst (NoReplace, NoDigit)
 * expands them in the whole text before YAML: set ones replaced, unset
 * ones kept as written unless they have a default. */
static void test_env(void)
{
	struct lab *lab;

	setenv("LABT_SET", "v1", 1);
	setenv("LABT_EMPTY", "", 1);
	unsetenv("LABT_UNSET");
	expands("a $LABT_SET b", "a v1 b", "$VAR");
	expands("a ${LABT_SET}b", "a v1b", "${VAR}");
	expands("$LABT_SET$LABT_SET", "v1v1", "two in a row");
	expands("a $LABT_UNSET ${LABT_UNSET} b", "a $LABT_UNSET ${LABT_UNSET} b",
		"unset: kept as written");
	expands("[${LABT_EMPTY}]", "[]", "set but empty: empty");
	expands("${LABT_UNSET:=dflt}", "dflt", "${VAR:=D}, unset");
	expands("${LABT_EMPTY:=dflt}", "dflt", "${VAR:=D}, empty");
	expands("${LABT_SET:=dflt}", "v1", "${VAR:=D}, set");
	expands("${LABT_UNSET:-dflt}", "dflt", "${VAR:-D}, unset");
	expands("[${LABT_EMPTY-dflt}]", "[]", "${VAR-D}, empty: empty");
	expands("${LABT_UNSET=dflt}", "dflt", "${VAR=D}, unset");
	expands("[${LABT_SET+o}${LABT_EMPTY:+p}${LABT_UNSET+q}]", "[op]", "${VAR+O}");
	expands("${LABT_UNSET:=${LABT_SET}-x}", "v1-x", "a default holding a variable");
	expands("${LABT_SET:=${LABT_UNSET2:=deep}}", "v1", "a default not taken is skipped");
	expands("$$LABT_SET $${LABT_SET} $$$LABT_SET", "$LABT_SET ${LABT_SET} $v1", "$$ escapes");
	expands("$1 ${1} $_ ${_} $ $- a$", "$1 ${1} $_ ${_} $ $- a$", "not names: kept");
	expands("no dollar", "no dollar", "nothing to expand");
	expands("${LABT_UNSET:=}", "", "to nothing at all");

	/* In a lab file: the name, a node, a link. */
	setenv("LABT_NODE", "r9", 1);
	if (is(parse("name: ${LABT_LAB:=lbenv}\ntopology:\n  nodes:\n    $LABT_NODE:\n"
		     "    h1:\n      image: ${LABT_UNSET}\n  links:\n"
		     "    - endpoints: [\"${LABT_NODE}:eth1\", \"h1:eth${LABT_IF:-0}\"]\n",
		     &lab),
	       0, "a file with variables parses")) {
		text_is(lab->name, "lbenv", "the name's default");
		text_is(lab->nodes[0].name, "r9", "a node named by a variable");
		text_is(lab->links[0].end[1].ifname, "eth0", "an interface's default");
	}
	lab_free(lab);
	/* A value may be YAML of its own, as the text is expanded first. */
	setenv("LABT_NODES", "{ a: {}, b: {} }", 1);
	if (is(parse("name: e\ntopology:\n  nodes: $LABT_NODES\n", &lab), 0,
	       "a variable holding a mapping"))
		is(lab->n_nodes, 2, "gives its two nodes");
	lab_free(lab);
	refused("name: e\ntopology:\n  nodes:\n    a: { image: \"${LABT_SET\" }\n",
		"t.yml:4:18: bad substitution: '${' must hold a variable name, then '}' or one of "
		"':-', ':=', ':+', '-', '=', '+'", "an unclosed ${ inside a string");
	refused("name: e\ntopology:\n  nodes:\n    a:\n# ${LABT_SET:-x",
		"t.yml:5:3: '${' without its closing '}'", "an unclosed ${ at the end");
	refused("name: e\ntopology:\n  nodes:\n    a: { image: ${LABT_SET/a/b} }\n",
		"t.yml:4:17: bad substitution: '${' must hold a variable name, then '}' or one of "
		"':-', ':=', ':+', '-', '=', '+'", "a shell operator envsubst has not");
	refused("name: e\ntopology:\n  nodes:\n{{- range $i := seq 1 3 }}\n    n{{ $i }}:\n{{- end }}\n",
		"t.yml:4:1: a Go template ('{{'): templated files are not supported yet",
		"a Go-templated file");
	refused("name: e\n# {{ .x }}\ntopology:\n  nodes:\n    a:\n",
		"t.yml:2:3: a Go template ('{{'): templated files are not supported yet",
		"a template action in a comment, as Go's text/template reads it");
	refused("name: ${LABT_SET}\ntopology:\n  nodes:\n    \"${LABT_EMPTY}\":\n",
		"t.yml:4:5: node name '': must not be empty or hold ':', '/' or blanks",
		"an empty variable as a node name");
}

/* KIND's interface NAME is the Linux name WANT (NULL: refused). */
static void alias_is(const char *kind, const char *name, const char *want)
{
	char buf[160] = "", text[512];
	struct lab *lab;

	snprintf(text, sizeof(text),
		 "name: al\ntopology:\n  nodes:\n    a: { kind: %s }\n    b:\n  links:\n"
		 "    - endpoints: [\"a:%s\", \"b:eth1\"]\n", kind, name);
	if (!want) {
		snprintf(buf, sizeof(buf), "t.yml:7:19: endpoint 'a:%s': %s has no data port '%s'", name,
			 kind, name);
		refused(text, buf, name);
		return;
	}
	if (!is(parse(text, &lab), 0, "%s %s parses", kind, name)) {
		diag("%s", err);
		return;
	}
	text_is(lab->links[0].end[0].ifname, want, name);
	lab_free(lab);
}

/* Each kind's own port names, as containerlab maps them to Linux names;
 * a Linux name stays, and another kind's alias is no alias. */
static void test_aliases(void)
{
	struct lab *lab;

	alias_is("nokia_srlinux", "ethernet-1/1", "e1-1");
	alias_is("srl", "ethernet-2/12", "e2-12");
	alias_is("nokia_srlinux", "ethernet-1/3/1", "e1-3-1");
	alias_is("nokia_srlinux", "e1-5", "e1-5");
	alias_is("nokia_srsim", "1/1/c1/1", "e1-1-c1-1");
	alias_is("nokia_srsim", "1/x2/1/c3/1", "e1-x2-1-c3-1");
	alias_is("nokia_srsim", "2/1/4", "e2-1-4");
	alias_is("nokia_sros", "1/1/c2/1", "eth2");
	alias_is("vr-sros", "1/1/3", "eth3");
	alias_is("arista_ceos", "Ethernet1", "eth1");
	alias_is("ceos", "Et12", "eth12");
	alias_is("arista_ceos", "Ethernet3/1", "eth3_1");
	alias_is("cisco_iol", "Ethernet0/1", "eth1");
	alias_is("cisco_iol", "Ethernet1/0", "eth4");
	alias_is("cisco_iol", "e2/3", "eth11");
	alias_is("cisco_iol", "Ethernet0/0", NULL);
	alias_is("cisco_iol", "Ethernet0/4", NULL);
	alias_is("f5_bigip-ve", "1.1", "eth1");
	alias_is("f5_bigip-ve", "1.2", "eth2");
	alias_is("f5_bigip_ve", "1.1", "eth1");
	alias_is("ciena_saos", "1", "eth1");
	alias_is("ciena_saos", "10", "eth10");
	alias_is("arista_veos", "Ethernet1/3", "eth3");
	alias_is("vr-veos", "Et1/1", "eth1");
	alias_is("cisco_vios", "Gi0", "eth1");
	alias_is("cisco_vios", "GigabitEthernet2", "eth3");
	alias_is("cisco_xrv9k", "Gi0/0/0/0", "eth1");
	alias_is("vr-xrv9k", "TenGigE0/0/0/4", "eth5");
	alias_is("cisco_ftdv", "GigabitEthernet0/1", "eth2");
	alias_is("linux", "eth1", "eth1");
	/* An alias of another kind is a name as written: '/' is no Linux name. */
	refused("name: al\ntopology:\n  nodes:\n    a: { kind: linux }\n    b:\n  links:\n"
		"    - endpoints: [\"a:ethernet-1/1\", \"b:eth1\"]\n",
		"t.yml:7:19: endpoint 'a:ethernet-1/1': bad interface name 'ethernet-1/1'",
		"SR Linux's naming on a linux node");
	/* One interface under both of its names is one interface. */
	refused("name: al\ntopology:\n  nodes:\n    a: { kind: nokia_srlinux }\n    b:\n  links:\n"
		"    - endpoints: [\"a:ethernet-1/1\", \"b:eth1\"]\n"
		"    - endpoints: [\"a:e1-1\", \"b:eth2\"]\n",
		"t.yml:8:19: endpoint 'a:e1-1': duplicate interface 'e1-1' on node 'a'",
		"an alias and its Linux name");
	/* The kind inherited from a group or the defaults counts; addrs too. */
	if (is(parse("name: al\ntopology:\n  defaults: { kind: arista_ceos }\n  nodes:\n"
		     "    a:\n      addrs: [\"Ethernet1 10.0.0.1/24\"]\n"
		     "      routes: [\"10.9.0.0/16 dev Ethernet1\"]\n    b:\n  links:\n"
		     "    - endpoints: [{ node: a, interface: Ethernet1 }, \"b:Ethernet2\"]\n",
		     &lab),
	       0, "inherited kind, extended endpoint, addrs")) {
		text_is(lab->links[0].end[0].ifname, "eth1", "extended endpoint mapped");
		text_is(lab->links[0].end[1].ifname, "eth2", "by the defaults' kind");
		text_is(lab->nodes[0].addrs[0].ifname, "eth1", "an address's interface mapped");
		text_is(lab->nodes[0].routes[0].dev, "eth1", "a route's dev mapped");
	} else {
		diag("%s", err);
	}
	lab_free(lab);
}

/* containerlab's other link types, long and short form: refused naming the
 * type, never read as a node named "host". */
static void test_link_types(void)
{
	static const char *const types[] = { "host", "mgmt-net", "macvlan", "vxlan",
					     "vxlan-stitch", "dummy" };
	char text[512], want[256];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(text, sizeof(text),
			 HEAD "    a:\n  links:\n    - type: %s\n      endpoint: { node: a, "
			      "interface: eth1 }\n      host-interface: x\n", types[i]);
		snprintf(want, sizeof(want), "t.yml:6:13: link type %s is not supported yet",
			 types[i]);
		refused(text, want, types[i]);
	}
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1\", \"host:a-eth1\"]\n",
		"t.yml:6:29: link type host is not supported yet (endpoint 'host:a-eth1')",
		"host:IF");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"mgmt-net:a-eth1\", \"a:eth1\"]\n",
		"t.yml:6:19: link type mgmt-net is not supported yet (endpoint 'mgmt-net:a-eth1')",
		"mgmt-net:IF");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1\", \"macvlan:enp0s3\"]\n",
		"t.yml:6:29: link type macvlan is not supported yet (endpoint 'macvlan:enp0s3')",
		"macvlan:IF");
	refused(HEAD "    a:\n  links:\n    - endpoints: [\"a:eth1\", \"container:nginx1:eth1\"]\n",
		"t.yml:6:29: endpoint 'container:nginx1:eth1': a link to a container outside the lab "
		"is not supported yet", "container:NAME:IF");
	refused(HEAD "    a:\n  links:\n    - type: wormhole\n      endpoints: [\"a:e1\", \"a:e2\"]\n",
		"t.yml:6:13: link type 'wormhole': containerlab has veth, host, mgmt-net, macvlan, "
		"vxlan, vxlan-stitch and dummy", "a type containerlab has not");
	refused(HEAD "    a:\n  links:\n    - type: veth\n      endpoint: { node: a, interface: e1 }\n",
		"t.yml:7:7: unknown key 'endpoint' in a link", "a veth with one endpoint");
}

/* Link addressing: link-level ipv4/ipv6 lists, one address per end;
 * extended endpoints' mac (read, noted); vars and labels read. */
static void test_link_addressing(void)
{
	static const char text[] = HEAD
		"    a:\n    b:\n  links:\n"
		"    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		"      ipv4: [\"10.0.0.1/30\", \"10.0.0.2/30\"]\n"
		"      ipv6: [\"fd00::1/64\", \"\"]\n"
		"      vars: { x: 1 }\n"
		"      labels: { l: v }\n"
		"    - type: veth\n"
		"      endpoints:\n"
		"        - { node: a, interface: eth2, mac: \"02:00:00:00:00:01\" }\n"
		"        - { node: b, interface: eth2, ipv4: 10.1.0.2/24 }\n";
	struct lab *lab;
	const struct lab_node *a, *b;

	if (!is(parse(text, &lab), 0, "link addressing parses")) {
		diag("%s", err);
		return;
	}
	a = node(lab, "a");
	b = node(lab, "b");
	text_is(lab->links[0].end[0].cidr, "10.0.0.1/30", "end 0 takes the first ipv4");
	text_is(lab->links[0].end[1].cidr, "10.0.0.2/30", "end 1 the second");
	if (is(a->n_addrs, 1, "a gets its ipv6 as one more address")) {
		text_is(a->addrs[0].ifname, "eth1", "on eth1");
		text_is(a->addrs[0].cidr, "fd00::1/64", "the ipv6");
	}
	is(b->n_addrs, 0, "\"\": b's end has no ipv6");
	text_is(lab->links[1].end[0].mac, "02:00:00:00:00:01", "an endpoint's mac is read");
	text_is(lab->links[1].end[1].cidr, "10.1.0.2/24", "an endpoint's ipv4");
	if (is(lab->n_notes, 1, "one note"))
		text_is(lab->notes[0],
			"t.yml:14:44: 'mac' is read, not applied yet: interfaces get the kernel's MAC",
			"the mac is noted as not applied");
	lab_free(lab);
	/* The same through containerlab's vars, on the link and on an end. */
	if (is(parse(HEAD "    a:\n    b:\n  links:\n"
			  "    - endpoints: [a:eth1, b:eth1]\n"
			  "      vars:\n        ipv4: [10.2.0.1/24, 10.2.0.2/24]\n"
			  "        ipv6: [\"fd02::1/64\", \"fd02::2/64\"]\n        other: x\n"
			  "    - type: veth\n      endpoints:\n"
			  "        - { node: a, interface: eth2, vars: { ipv4: 10.3.0.1/24 } }\n"
			  "        - { node: b, interface: eth2 }\n",
		     &lab),
	       0, "addresses in vars parse")) {
		text_is(lab->links[0].end[0].cidr, "10.2.0.1/24", "vars.ipv4 of end 0");
		text_is(lab->links[0].end[1].cidr, "10.2.0.2/24", "vars.ipv4 of end 1");
		if (is(node(lab, "b")->n_addrs, 1, "b's vars.ipv6 as one more address"))
			text_is(node(lab, "b")->addrs[0].cidr, "fd02::2/64", "the ipv6");
		text_is(lab->links[1].end[0].cidr, "10.3.0.1/24", "an endpoint's vars.ipv4");
		ok(lab->links[1].end[1].cidr == NULL, "the other end has none");
	} else {
		diag("%s", err);
	}
	lab_free(lab);
	refused(HEAD "    a:\n    b:\n  links:\n    - endpoints: [a:eth1, b:eth1]\n"
		     "      vars: { ipv4: [10.2.0.1/24, 10.2.0.300/24] }\n",
		"t.yml:8:35: ipv4 '10.2.0.300/24': must be an IPv4 CIDR", "a bad address in vars");
	refused(HEAD "    a:\n    b:\n  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		     "      ipv4: [\"10.0.0.1/30\"]\n",
		"t.yml:8:13: ipv4 must be a list of two addresses, one for each end", "one ipv4");
	refused(HEAD "    a:\n    b:\n  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		     "      ipv4: [\"fd00::1/64\", \"\"]\n",
		"t.yml:8:14: ipv4 'fd00::1/64': must be an IPv4 CIDR", "an IPv6 address in ipv4");
	refused(HEAD "    a:\n    b:\n  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		     "      ipv6: [\"\", \"10.0.0.1\"]\n",
		"t.yml:8:18: ipv6 '10.0.0.1': must be an IPv6 CIDR", "no prefix length");
	refused(HEAD "    a:\n    b:\n  links:\n    - endpoints:\n"
		     "        - { node: a, interface: eth1, mac: \"02:00:00:00:00\" }\n"
		     "        - b:eth1\n",
		"t.yml:8:44: mac '02:00:00:00:00': must be six hex pairs joined by ':'", "a short mac");
	refused(HEAD "    a:\n    b:\n  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		     "      vars: [1]\n",
		"t.yml:8:13: vars must be a mapping", "vars not a mapping");
}

/* containerlab's container keys are read and noted; network-mode none is
 * noted as what every node is, container:X and host refused; kinds that
 * are no namespace of their own refused. */
static void test_container_keys(void)
{
	static const char *const keys[] = { "volumes", "credentials", "hostname", "privileged",
					    "cgroupns-mode", "cgroup-parent", "pid-mode", "tmpfs",
					    "security-opts", "link-apply-mode", "daemons" };
	static const char *const kinds[] = { "host", "ext-container", "k8s-kind", "ovs-bridge" };
	char text[256], want[256];
	struct lab *lab;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(text, sizeof(text), HEAD "    a:\n      %s: x\n", keys[i]);
		if (!is(parse(text, &lab), 0, "%s is read", keys[i])) {
			diag("%s", err);
			continue;
		}
		snprintf(want, sizeof(want), "t.yml:5:7: '%s' is ignored: nodes are namespaces",
			 keys[i]);
		if (is(lab->n_notes, 1, "%s: one note", keys[i]))
			text_is(lab->notes[0], want, keys[i]);
		lab_free(lab);
	}
	if (is(parse(HEAD "    a:\n      network-mode: none\n", &lab), 0, "network-mode none")) {
		if (is(lab->n_notes, 2, "two notes"))
			text_is(lab->notes[1],
				"t.yml:5:21: 'network-mode: none' is how every node is here: lo and "
				"its links, no management interface",
				"none is what every node is");
	}
	lab_free(lab);
	refused(HEAD "    a:\n    b:\n      network-mode: container:a\n",
		"t.yml:6:21: network-mode container:a: sharing another node's namespace is not "
		"supported yet", "network-mode container:X");
	refused("name: e\ntopology:\n  defaults:\n    network-mode: host\n  nodes:\n    a:\n",
		"t.yml:4:19: network-mode host: a node in the host's namespace is not supported yet",
		"network-mode host, inherited");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(text, sizeof(text), HEAD "    a: { kind: %s }\n", kinds[i]);
		snprintf(want, sizeof(want), "t.yml:4:16: kind %s is not supported yet", kinds[i]);
		refused(text, want, kinds[i]);
	}
}

int main(void)
{
	test_minimal();
	test_containerlab();
	test_inheritance();
	test_settings();
	test_bridge();
	test_refusals();
	test_limits();
	test_settings_limit();
	test_note_quoted_name();
	test_env();
	test_aliases();
	test_link_types();
	test_link_addressing();
	test_container_keys();
	return done_testing();
}
