/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli/lab-diff.c without root: the plan of an up, lab_plan_make(), between
 * the state a lab file asks for (lab_state_json() of lab_parse()) and the
 * state of the lab that is up: from nothing, up to date, nodes, links,
 * addresses, routes, sysctls and mtus changed, the two refusals, and the
 * order of the lines docs/lab.md promises. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../../lab/lab.h"
#include "tap.h"

static char err[512];

/* The state file TEXT asks for; NULL (and a failed test) when it does not
 * parse. */
static json_t *state(const char *text)
{
	struct lab *lab = NULL;
	json_t *st;

	if (!ok(lab_parse(text, strlen(text), "t.yml", &lab, err, sizeof(err)) == 0,
		"the lab file parses")) {
		diag("%s", err);
		return NULL;
	}
	st = lab_state_json(lab, NULL);
	lab_free(lab);
	ok(st != NULL, "its state");
	return st;
}

/* The states of the plan being tested: the plan points into them, so they
 * live until plan_free(). */
static json_t *old_state, *new_state;

/* The plan from OLD_TEXT's state (NULL: nothing up) to NEW_TEXT's. */
static struct lab_plan *plan(const char *old_text, const char *new_text)
{
	struct lab_plan *p = NULL;

	old_state = old_text ? state(old_text) : NULL;
	new_state = state(new_text);
	err[0] = '\0';
	if (!is(lab_plan_make(old_state, new_state, &p, err, sizeof(err)), 0, "the plan is made"))
		diag("%s", err);
	return p;
}

static void plan_free(struct lab_plan *p)
{
	lab_plan_free(p);
	json_decref(old_state);
	json_decref(new_state);
	old_state = new_state = NULL;
}

/* The plan's lines, each ending in "\n", in a static buffer. */
static const char *lines(const struct lab_plan *p)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; p && i < p->lines.n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", p->lines.v[i]);
	return buf;
}

static bool text_is(const char *got, const char *want, const char *what)
{
	int r = ok(got && strcmp(got, want) == 0, "%s", what);

	if (!r)
		diag("got:\n%s\n# want:\n%s", got ? got : "(null)", want);
	return r;
}

/* Entry I of a vector, appended to J as text: a string, or an
 * address, route or sysctl with its parts joined by "|". */
struct joined {
	char buf[1024];
	size_t n;
};

static void join(struct joined *j, size_t i, const char *a, const char *b, const char *c)
{
	j->n += (size_t)snprintf(j->buf + j->n, sizeof(j->buf) - j->n, "%s%s%s%s%s%s", i ? "," : "",
				 a ? a : "-", b ? "|" : "", b ? b : "", c ? "|" : "", c ? c : "");
}

/* "a,b,c" is exactly V's strings, in order. */
static bool strv_is(const struct lab_strv *v, const char *want, const char *what)
{
	struct joined j = { "", 0 };

	for (size_t i = 0; i < v->n; i++)
		join(&j, i, v->v[i], NULL, NULL);
	return text_is(j.buf, want, what);
}

/* The same of addresses ("IF|CIDR"), routes ("DST|VIA|DEV", "-" for none)
 * and sysctls ("KEY|VALUE"). */
static bool addrs_is(const struct lab_addrs *v, const char *want, const char *what)
{
	struct joined j = { "", 0 };

	for (size_t i = 0; i < v->n; i++)
		join(&j, i, v->v[i].ifname, v->v[i].cidr, NULL);
	return text_is(j.buf, want, what);
}

static bool routes_is(const struct lab_routes *v, const char *want, const char *what)
{
	struct joined j = { "", 0 };

	for (size_t i = 0; i < v->n; i++)
		join(&j, i, v->v[i].dst, v->v[i].via ? v->v[i].via : "-",
		     v->v[i].dev ? v->v[i].dev : "-");
	return text_is(j.buf, want, what);
}

static bool sysctls_is(const struct lab_sysctls *v, const char *want, const char *what)
{
	struct joined j = { "", 0 };

	for (size_t i = 0; i < v->n; i++)
		join(&j, i, v->v[i].key, v->v[i].value, NULL);
	return text_is(j.buf, want, what);
}

/* W's one MTU change is IFNAME from WAS to NOW. */
static bool mtu_is(const struct lab_nwork *w, const char *ifname, unsigned now, unsigned was,
		   const char *what)
{
	char got[128] = "", want[128];

	if (w->mtus.n == 1)
		snprintf(got, sizeof(got), "%s %u %u", w->mtus.v[0].ifname, w->mtus.v[0].now,
			 w->mtus.v[0].was);
	snprintf(want, sizeof(want), "%s %u %u", ifname, now, was);
	return text_is(got, want, what);
}

static const struct lab_nwork *work(const struct lab_plan *p, const char *node)
{
	for (size_t i = 0; p && i < p->n_nodes; i++)
		if (strcmp(p->nodes[i].node, node) == 0)
			return &p->nodes[i];
	return NULL;
}

#define TWO                                                                      \
	"name: pl\n"                                                             \
	"topology:\n"                                                            \
	"  nodes:\n"                                                             \
	"    a: { addrs: [\"lo 10.9.0.1/32\"], routes: [\"10.8.0.0/16 dev eth1\"],"   \
	" sysctls: { net.ipv4.ip_forward: \"1\" } }\n"                           \
	"    b:\n"                                                               \
	"  links:\n"                                                             \
	"    - endpoints: [\"a:eth1:10.0.0.1/30\", \"b:eth1:10.0.0.2/30\"]\n"

static void test_first_up(void)
{
	struct lab_plan *p = plan(NULL, TWO);
	const struct lab_nwork *a, *b;

	if (!p)
		return;
	text_is(lines(p), "+ node a\n+ node b\n+ link a:eth1 b:eth1\n",
	       "from nothing: every node, then every link, and no line for their settings");
	is(p->n_nodes, 2, "two nodes to work on");
	is(p->n_links, 1, "one link to make");
	ok(p->links[0].add, "added");
	is(p->links[0].node[0], 0, "from a");
	is(p->links[0].node[1], 1, "to b");
	a = work(p, "a");
	b = work(p, "b");
	if (ok(a && b, "both nodes in the plan")) {
		ok(a->add, "a is made");
		ok(!a->del, "not removed");
		text_is(a->ns, "pl-a", "in namespace pl-a");
		is(a->lab_idx, 0, "the file's first node");
		strv_is(&a->born, "eth1", "a's eth1 is born up with its link (end 0)");
		strv_is(&b->ups, "eth1", "b's eth1 is set up in b (end 1)");
		addrs_is(&a->addr_add, "eth1|10.0.0.1/30,lo|10.9.0.1/32",
			 "a gets its link's address, then its own, split into interface and CIDR");
		routes_is(&a->route_add, "10.8.0.0/16|-|eth1", "and its route, split");
		sysctls_is(&a->sysctl_set, "net.ipv4.ip_forward|1", "and its sysctl, key and value");
		is(a->addr_del.n + a->route_del.n + a->link_del.n, 0, "and nothing is removed");
	}
	plan_free(p);
}

static void test_up_to_date(void)
{
	struct lab_plan *p = plan(TWO, TWO);

	if (!p)
		return;
	is(p->lines.n, 0, "the same file on its own state: no line");
	is(p->n_links, 0, "no link to make");
	for (size_t i = 0; i < p->n_nodes; i++) {
		const struct lab_nwork *w = &p->nodes[i];

		ok(!w->add && !w->del, "%s stays", w->node);
		is(w->addr_add.n + w->addr_del.n + w->route_add.n + w->route_del.n +
			   w->sysctl_set.n + w->mtus.n + w->link_del.n,
		   0, "%s: nothing to change", w->node);
	}
	plan_free(p);

	/* A link written the other way round is the same link. */
	p = plan(TWO, "name: pl\ntopology:\n  nodes:\n"
		      "    a: { addrs: [\"lo 10.9.0.1/32\"], routes: [\"10.8.0.0/16 dev eth1\"],"
		      " sysctls: { net.ipv4.ip_forward: \"1\" } }\n    b:\n  links:\n"
		      "    - endpoints: [\"b:eth1:10.0.0.2/30\", \"a:eth1:10.0.0.1/30\"]\n");
	if (p)
		is(p->lines.n, 0, "a link's ends swapped: no line");
	plan_free(p);

	/* exec lines run only when a node is made (docs/lab.md). */
	p = plan("name: pl\ntopology:\n  nodes:\n    a: { exec: [\"true\"] }\n",
		 "name: pl\ntopology:\n  nodes:\n    a: { exec: [\"false\"] }\n");
	if (p)
		is(p->lines.n, 0, "a changed exec line of a node that stays: no line");
	plan_free(p);
}

static void test_nodes(void)
{
	struct lab_plan *p;
	const struct lab_nwork *w;

	p = plan(TWO, "name: pl\ntopology:\n  nodes:\n"
		      "    a: { addrs: [\"lo 10.9.0.1/32\"], routes: [\"10.8.0.0/16 dev eth1\"],"
		      " sysctls: { net.ipv4.ip_forward: \"1\" } }\n    b:\n    c:\n  links:\n"
		      "    - endpoints: [\"a:eth1:10.0.0.1/30\", \"b:eth1:10.0.0.2/30\"]\n"
		      "    - endpoints: [\"c:eth0\", \"a:eth2:10.0.1.1/30\"]\n");
	if (p) {
		text_is(lines(p), "+ node c\n+ link c:eth0 a:eth2\n", "a node added with its link");
		is(p->n_links, 1, "only the new link is made");
		if (ok((w = work(p, "c")) != NULL, "c in the plan"))
			ok(w->add, "c is made");
		if (ok((w = work(p, "a")) != NULL, "a in the plan")) {
			ok(!w->add, "a is not made again");
			strv_is(&w->ups, "eth2", "a's new end is set up in a");
			addrs_is(&w->addr_add, "eth2|10.0.1.1/30", "and gets its address");
		}
	}
	plan_free(p);

	p = plan("name: pl\ntopology:\n  nodes:\n    a:\n    b:\n    c:\n  links:\n"
		 "    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		 "    - endpoints: [\"a:eth2\", \"c:eth0\"]\n",
		 "name: pl\ntopology:\n  nodes:\n    a:\n    b:\n  links:\n"
		 "    - endpoints: [\"a:eth1\", \"b:eth1\"]\n");
	if (p) {
		text_is(lines(p), "- link a:eth2 c:eth0\n- node c\n",
		       "a node removed: its link, then it");
		if (is(p->n_nodes, 3, "the plan holds the node that goes")) {
			text_is(p->nodes[2].node, "c", "after the file's nodes");
			ok(p->nodes[2].del, "removed");
			is(p->nodes[2].lab_idx, SIZE_MAX, "in no file");
		}
		if (ok((w = work(p, "a")) != NULL, "a in the plan")) {
			strv_is(&w->gone, "eth2", "a's end of the link goes");
			strv_is(&w->link_del, "eth2", "and a deletes it (c goes whole)");
		}
	}
	plan_free(p);
}

static void test_links(void)
{
	static const char three[] = "name: pl\ntopology:\n  nodes:\n    a:\n    b:\n    c:\n";
	char old[512], new[512];
	struct lab_plan *p;
	const struct lab_nwork *w;

	snprintf(old, sizeof(old), "%s  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n", three);
	snprintf(new, sizeof(new), "%s  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		 "    - endpoints: [\"b:eth2\", \"c:eth1\"]\n", three);
	if ((p = plan(old, new))) {
		text_is(lines(p), "+ link b:eth2 c:eth1\n", "a link added");
		is(p->n_links, 1, "one link made");
		text_is(p->links[0].ifname[0], "eth2", "from b's eth2");
		text_is(p->links[0].ifname[1], "eth1", "to c's eth1");
	}
	plan_free(p);

	if ((p = plan(new, old))) {
		text_is(lines(p), "- link b:eth2 c:eth1\n", "a link removed");
		is(p->n_links, 0, "no link made");
		if (ok((w = work(p, "b")) != NULL, "b in the plan"))
			strv_is(&w->link_del, "eth2", "b deletes its end (one end deletes a veth)");
		if (ok((w = work(p, "c")) != NULL, "c in the plan")) {
			strv_is(&w->gone, "eth1", "c's end goes with it");
			is(w->link_del.n, 0, "c deletes nothing");
		}
	}
	plan_free(p);

	snprintf(new, sizeof(new), "%s  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
		 "      mtu: 9000\n", three);
	if ((p = plan(old, new))) {
		text_is(lines(p), "~ mtu a:eth1 b:eth1 9500 -> 9000\n",
		       "an mtu set: changed in place");
		is(p->n_links, 0, "the link is not made again");
		if (ok((w = work(p, "a")) != NULL, "a in the plan"))
			mtu_is(w, "eth1", 9000, 9500, "a's end: new and old mtu");
		if (ok((w = work(p, "b")) != NULL, "b in the plan"))
			mtu_is(w, "eth1", 9000, 9500, "b's end too");
	}
	plan_free(p);
}

/* A node that stays changes in place: no "- node", "+ node". */
static void test_settings(void)
{
	struct lab_plan *p;
	const struct lab_nwork *w;

	p = plan(TWO, "name: pl\ntopology:\n  nodes:\n"
		      "    a: { addrs: [\"lo 10.9.0.9/32\", \"lo fd00::9/128\"],"
		      " routes: [\"10.7.0.0/16 dev eth1\"],"
		      " sysctls: { net.ipv4.ip_forward: \"0\", net.ipv6.conf.all.forwarding: \"1\" } }\n"
		      "    b:\n  links:\n"
		      "    - endpoints: [\"a:eth1:10.0.0.1/30\", \"b:eth1:10.0.0.2/30\"]\n");
	if (p) {
		text_is(lines(p),
		       "~ addr a lo 10.9.0.1/32 -> 10.9.0.9/32\n"
		       "+ addr a lo fd00::9/128\n"
		       "+ route a 10.7.0.0/16 dev eth1\n"
		       "~ sysctl a net.ipv4.ip_forward 1 -> 0\n"
		       "+ sysctl a net.ipv6.conf.all.forwarding 1\n"
		       "- route a 10.8.0.0/16 dev eth1\n",
		       "a node's settings changed: one line each, in the plan's order");
		if (ok((w = work(p, "a")) != NULL, "a in the plan")) {
			ok(!w->add, "a is not made again");
			ok(!w->del, "nor removed");
			addrs_is(&w->addr_add, "lo|10.9.0.9/32,lo|fd00::9/128", "its addresses to add");
			addrs_is(&w->addr_del, "lo|10.9.0.1/32", "and to delete");
			routes_is(&w->route_add, "10.7.0.0/16|-|eth1", "its route to add");
			routes_is(&w->route_del, "10.8.0.0/16|-|eth1", "and to delete");
			routes_is(&w->routes, "10.7.0.0/16|-|eth1",
				  "the routes of its new state, to put back after an address goes");
			routes_is(&w->routes_old, "10.8.0.0/16|-|eth1", "and of its old, for the undo");
			sysctls_is(&w->sysctl_set,
				   "net.ipv4.ip_forward|0,net.ipv6.conf.all.forwarding|1",
				   "its sysctls to write");
		}
		if (ok((w = work(p, "b")) != NULL, "b in the plan"))
			is(w->addr_add.n + w->addr_del.n + w->route_add.n + w->sysctl_set.n, 0,
			   "b: untouched");
	}
	plan_free(p);

	/* A sysctl the file no longer names keeps its value (docs/lab.md). */
	p = plan(TWO, "name: pl\ntopology:\n  nodes:\n"
		      "    a: { addrs: [\"lo 10.9.0.1/32\"], routes: [\"10.8.0.0/16 dev eth1\"] }\n"
		      "    b:\n  links:\n"
		      "    - endpoints: [\"a:eth1:10.0.0.1/30\", \"b:eth1:10.0.0.2/30\"]\n");
	if (p)
		is(p->lines.n, 0, "a sysctl dropped from the file: no line");
	plan_free(p);
}

/* Every kind of line in one plan, in docs/lab.md's order: + node, + link,
 * ~ mtu, ~ addr, + addr, + route, ~ sysctl, + sysctl, - route, - addr,
 * - link, - node. The file lists the changes the other way round, so the
 * order is the plan's, not the file's. */
static void test_order(void)
{
	static const char old[] =
		"name: pl\ntopology:\n  nodes:\n"
		"    m2:\n"
		"    h1: { addrs: [\"lo 10.5.0.1/32\"], routes: [\"default via 10.91.0.1\"],"
		" sysctls: { net.ipv4.ip_forward: \"1\" } }\n"
		"    r1: { addrs: [\"eth1 10.91.0.1/24\", \"lo 10.6.0.1/32\"] }\n"
		"    sw: { kind: bridge }\n"
		"  links:\n"
		"    - endpoints: [\"m2:eth0\", \"r1:eth9\"]\n"
		"    - endpoints: [\"r1:eth2\", \"sw:p1\"]\n"
		"    - endpoints: [\"h1:eth1\", \"sw:p2\"]\n"
		"    - endpoints: [\"r1:eth1\", \"sw:p3\"]\n";
	static const char new[] =
		"name: pl\ntopology:\n  nodes:\n"
		"    h1: { addrs: [\"lo 10.5.0.2/32\"], routes: [\"10.99.0.0/16 via 10.91.0.9\"],"
		" sysctls: { net.ipv4.ip_forward: \"0\", net.ipv4.conf.all.rp_filter: \"2\" } }\n"
		"    r1: { addrs: [\"eth1 10.91.0.9/24\", \"eth3 10.92.0.1/30\"] }\n"
		"    sw: { kind: bridge }\n"
		"    r3:\n"
		"  links:\n"
		"    - endpoints: [\"r1:eth3\", \"r3:eth0\"]\n"
		"    - endpoints: [\"h1:eth1\", \"sw:p2\"]\n"
		"      mtu: 9000\n"
		"    - endpoints: [\"r1:eth1\", \"sw:p3\"]\n";
	struct lab_plan *p = plan(old, new);
	const struct lab_nwork *w;

	if (!p)
		return;
	text_is(lines(p),
	       "+ node r3\n"
	       "+ link r1:eth3 r3:eth0\n"
	       "~ mtu h1:eth1 sw:p2 9500 -> 9000\n"
	       "~ addr h1 lo 10.5.0.1/32 -> 10.5.0.2/32\n"
	       "~ addr r1 eth1 10.91.0.1/24 -> 10.91.0.9/24\n"
	       "+ route h1 10.99.0.0/16 via 10.91.0.9\n"
	       "~ sysctl h1 net.ipv4.ip_forward 1 -> 0\n"
	       "+ sysctl h1 net.ipv4.conf.all.rp_filter 2\n"
	       "- route h1 default via 10.91.0.1\n"
	       "- addr r1 lo 10.6.0.1/32\n"
	       "- link m2:eth0 r1:eth9\n"
	       "- link r1:eth2 sw:p1\n"
	       "- node m2\n",
	       "every kind of line, in the documented order");
	if (ok((w = work(p, "h1")) != NULL, "h1 in the plan")) {
		routes_is(&w->route_add, "10.99.0.0/16|10.91.0.9|-", "h1's new route: DST and VIA");
		routes_is(&w->route_del, "default|10.91.0.1|-", "the one that goes");
	}
	if (ok((w = work(p, "sw")) != NULL, "sw in the plan")) {
		ok(w->kind && w->kind->ports, "sw is a bridge");
		is(w->ports.n, 0, "no new port");
		strv_is(&w->gone, "p1", "its port to r1's eth2 goes");
		strv_is(&w->link_del, "", "deleted from r1's end, not from sw");
	}
	if (ok((w = work(p, "r1")) != NULL, "r1 in the plan")) {
		strv_is(&w->born, "eth3", "r1's new end is born up");
		addrs_is(&w->addr_add, "eth1|10.91.0.9/24,eth3|10.92.0.1/30",
			 "its addresses, the new link's included");
		strv_is(&w->gone, "eth9,eth2", "the ends that go");
		strv_is(&w->link_del, "eth9,eth2",
			"r1 deletes both: the first end of a link whose node stays");
	}
	plan_free(p);

	/* A bridge's new port is enslaved. */
	p = plan("name: pl\ntopology:\n  nodes:\n    sw: { kind: bridge }\n    h:\n",
		 "name: pl\ntopology:\n  nodes:\n    sw: { kind: bridge }\n    h:\n  links:\n"
		 "    - endpoints: [\"h:eth0\", \"sw:p1\"]\n");
	if (p && ok((w = work(p, "sw")) != NULL, "sw in the plan"))
		strv_is(&w->ports, "p1", "a new link's end on a bridge is its port");
	plan_free(p);
}

/* What cannot be changed live is refused, with the plan's message. */
static void test_refused(void)
{
	json_t *o, *n;
	struct lab_plan *p = NULL;

	o = state("name: pl\ntopology:\n  nodes:\n    s:\n");
	n = state("name: pl\ntopology:\n  nodes:\n    s: { kind: bridge }\n");
	is(lab_plan_make(o, n, &p, err, sizeof(err)), -EINVAL,
	   "a node turned into a bridge is refused");
	ok(p == NULL, "with no plan");
	text_is(err, "node 's' changes kind between bridge and not: remove it in one up and add "
		    "it back in the next",
	       "and says how to do it");
	json_decref(o);
	json_decref(n);

	o = state("name: pl\ntopology:\n  nodes:\n    a:\n    b:\n    c:\n  links:\n"
		  "    - endpoints: [\"a:eth1\", \"b:eth1\"]\n");
	n = state("name: pl\ntopology:\n  nodes:\n    a:\n    b:\n    c:\n  links:\n"
		  "    - endpoints: [\"a:eth1\", \"c:eth1\"]\n");
	p = NULL;
	is(lab_plan_make(o, n, &p, err, sizeof(err)), -EINVAL,
	   "an interface moved to another link is refused");
	ok(p == NULL, "with no plan");
	text_is(err, "interface a:eth1 moves to another link: remove the old link in one up and "
		    "add the new one in the next",
	       "and says how to do it");
	json_decref(o);
	json_decref(n);
}

/* The split of a state's texts (lab/ops.c), the malformed ones included:
 * they fail when the step runs, as the library refuses them. */
static void test_ops(void)
{
	struct lab_addrs a = { 0 };
	struct lab_routes r = { 0 };
	struct lab_sysctls s = { 0 };

	is(lab_addrs_add(&a, "eth0 10.0.0.1/24"), 0, "an address");
	is(lab_addrs_add(&a, "10.0.0.2/24"), 0, "one without an interface");
	addrs_is(&a, "eth0|10.0.0.1/24,|10.0.0.2/24", "split at the space; none: no interface");
	text_is(a.v[1].text, "10.0.0.2/24", "its text kept");
	ok(lab_addrs_has(&a, "eth0 10.0.0.1/24"), "found by its text");
	ok(!lab_addrs_has(&a, "eth0 10.0.0.1/25"), "and only by it");
	is(lab_routes_add(&r, "10.8.0.0/16 via 10.0.0.9 dev eth0"), 0, "a route");
	is(lab_routes_add(&r, "default via"), 0, "one the state cannot have written");
	routes_is(&r, "10.8.0.0/16|10.0.0.9|eth0,-|-|-", "split; the bad one has no destination");
	text_is(r.v[1].text, "default via", "its text kept");
	is(lab_sysctls_add(&s, "net.ipv4.ip_forward", "1"), 0, "a sysctl");
	sysctls_is(&s, "net.ipv4.ip_forward|1", "its key and value");
	lab_addrs_free(&a);
	lab_routes_free(&r);
	lab_sysctls_free(&s);
	is(a.n + r.n + s.n, 0, "freed, empty");
}

int main(void)
{
	test_ops();
	test_first_up();
	test_up_to_date();
	test_nodes();
	test_links();
	test_settings();
	test_order();
	test_refused();
	return done_testing();
}
