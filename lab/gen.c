/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab gen: a lab file of a given shape, for scale tests and teaching.
 * Every point-to-point link gets a /30 of 10.0.0.0/8, link I (from 0, in
 * file order) the I-th one: .1 on its first end, .2 on its second, so that
 * `netns lab check` has two addresses in one subnet on every link. No
 * routes: neighbours reach each other, a routing daemon can go in `exec`. */
#include <stdio.h>
#include <string.h>

#include "lab.h"

/* Link I's address on end HOST (1 or 2): 10.0.0.0/8 holds 2^22 /30s, more
 * than the largest N of any shape below makes links. */
static void gen_net(unsigned long i, int host, char *buf, size_t len)
{
	unsigned long a = i * 4 + (unsigned long)host;

	snprintf(buf, len, "10.%lu.%lu.%lu/30", (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Writes link number *I from NODE_A:IF_A to NODE_B:IF_B, and counts it. */
static void gen_link(FILE *f, unsigned long *i, const char *a, const char *aif, const char *b,
		     const char *bif)
{
	char x[32], y[32];

	gen_net(*i, 1, x, sizeof(x));
	gen_net(*i, 2, y, sizeof(y));
	fprintf(f, "    - endpoints: [\"%s:%s:%s\", \"%s:%s:%s\"]\n", a, aif, x, b, bif, y);
	(*i)++;
}

static void gen_nodes(FILE *f, const char *prefix, unsigned long n)
{
	for (unsigned long i = 1; i <= n; i++)
		fprintf(f, "    %s%lu:\n", prefix, i);
}

/* line: n1 .. nN, nI:eth1 to nI+1:eth0; ring: and nN:eth1 to n1:eth0. */
static void gen_line(FILE *f, unsigned long n, bool ring)
{
	char a[32], b[32];
	unsigned long l = 0;

	gen_nodes(f, "n", n);
	fprintf(f, "  links:\n");
	for (unsigned long i = 1; i < n; i++) {
		snprintf(a, sizeof(a), "n%lu", i);
		snprintf(b, sizeof(b), "n%lu", i + 1);
		gen_link(f, &l, a, "eth1", b, "eth0");
	}
	if (ring) {
		snprintf(a, sizeof(a), "n%lu", n);
		gen_link(f, &l, a, "eth1", "n1", "eth0");
	}
}

static void gen_line_only(FILE *f, unsigned long n)
{
	gen_line(f, n, false);
}

static void gen_ring(FILE *f, unsigned long n)
{
	gen_line(f, n, true);
}

/* star: bridge sw, hosts h1 .. hN on 10.0.0.0/16, hI:eth0 on port pI. */
static void gen_star(FILE *f, unsigned long n)
{
	fprintf(f, "    sw: { kind: bridge }\n");
	gen_nodes(f, "h", n);
	fprintf(f, "  links:\n");
	for (unsigned long i = 1; i <= n; i++)
		fprintf(f, "    - endpoints: [\"sw:p%lu\", \"h%lu:eth0:10.0.%lu.%lu/16\"]\n", i, i,
			i >> 8, i & 255);
}

/* tree: a binary tree in heap order: nI's children are n2I (its eth1) and
 * n2I+1 (its eth2), each reaching its parent on eth0. */
static void gen_tree(FILE *f, unsigned long n)
{
	char a[32], b[32];
	unsigned long l = 0;

	gen_nodes(f, "n", n);
	fprintf(f, "  links:\n");
	for (unsigned long i = 2; i <= n; i++) {
		snprintf(a, sizeof(a), "n%lu", i / 2);
		snprintf(b, sizeof(b), "n%lu", i);
		gen_link(f, &l, a, i % 2 ? "eth2" : "eth1", b, "eth0");
	}
}

/* The columns of a near-square grid of N nodes: the smallest C with
 * C * C >= N; the rows are then N / C rounded up (the last maybe short). */
static unsigned long grid_cols(unsigned long n)
{
	unsigned long c = 1;

	while (c * c < n)
		c++;
	return c;
}

/* grid: n1 .. nN row by row; east is eth1 (to the next node's eth0, so that
 * one row is a line), south eth3 (to the node below's eth2). */
static void gen_grid(FILE *f, unsigned long n)
{
	unsigned long c = grid_cols(n), l = 0;
	char a[32], b[32];

	gen_nodes(f, "n", n);
	fprintf(f, "  links:\n");
	for (unsigned long i = 1; i <= n; i++) {
		snprintf(a, sizeof(a), "n%lu", i);
		if (i % c != 0 && i + 1 <= n) {
			snprintf(b, sizeof(b), "n%lu", i + 1);
			gen_link(f, &l, a, "eth1", b, "eth0");
		}
		if (i + c <= n) {
			snprintf(b, sizeof(b), "n%lu", i + c);
			gen_link(f, &l, a, "eth3", b, "eth2");
		}
	}
}

/* fat-tree K (even): the k-ary fat tree of Al-Fares et al. (SIGCOMM 2008).
 * (K/2)^2 core switches cJ; K pods P, each with K/2 aggregation switches
 * pPaI and K/2 edge switches pPeI; K/2 hosts per edge switch, hN, K^3/4 in
 * all. Each switch has K ports, eth1 .. ethK: the lower half down, the
 * upper half up. Aggregation switch I of every pod reaches core switches
 * (I-1)*K/2+1 .. I*K/2, arriving on core port ethP. Hosts use eth0. */
static void gen_fat_tree(FILE *f, unsigned long k)
{
	unsigned long h = k / 2, l = 0, p, i, j;
	char a[48], b[48], aif[24], bif[24];

	gen_nodes(f, "c", h * h);
	for (p = 1; p <= k; p++) {
		for (i = 1; i <= h; i++)
			fprintf(f, "    p%lua%lu:\n", p, i);
		for (i = 1; i <= h; i++)
			fprintf(f, "    p%lue%lu:\n", p, i);
	}
	gen_nodes(f, "h", k * k * k / 4);
	fprintf(f, "  links:\n");
	for (p = 1; p <= k; p++)
		for (i = 1; i <= h; i++)
			for (j = 1; j <= h; j++) {
				snprintf(a, sizeof(a), "c%lu", (i - 1) * h + j);
				snprintf(aif, sizeof(aif), "eth%lu", p);
				snprintf(b, sizeof(b), "p%lua%lu", p, i);
				snprintf(bif, sizeof(bif), "eth%lu", h + j);
				gen_link(f, &l, a, aif, b, bif);
			}
	for (p = 1; p <= k; p++)
		for (i = 1; i <= h; i++)
			for (j = 1; j <= h; j++) {
				snprintf(a, sizeof(a), "p%lua%lu", p, i);
				snprintf(aif, sizeof(aif), "eth%lu", j);
				snprintf(b, sizeof(b), "p%lue%lu", p, j);
				snprintf(bif, sizeof(bif), "eth%lu", h + i);
				gen_link(f, &l, a, aif, b, bif);
			}
	for (p = 1; p <= k; p++)
		for (i = 1; i <= h; i++)
			for (j = 1; j <= h; j++) {
				snprintf(a, sizeof(a), "p%lue%lu", p, i);
				snprintf(aif, sizeof(aif), "eth%lu", j);
				snprintf(b, sizeof(b), "h%lu", ((p - 1) * h + i - 1) * h + j);
				gen_link(f, &l, a, aif, b, "eth0");
			}
}

/* The largest N keeps every shape within 10.0.0.0/8's /30s and a file a
 * few tens of megabytes: a line of 10^6 nodes, a fat tree of k = 100
 * (262,500 nodes, 750,000 links). */
static const struct lab_gen_shape shapes[] = {
	{ "line", 2, 1000000, false, "N nodes, 2 to 1000000", gen_line_only },
	{ "ring", 3, 1000000, false, "N nodes, 3 to 1000000", gen_ring },
	{ "star", 1, 65000, false, "N hosts, 1 to 65000", gen_star },
	{ "tree", 2, 1000000, false, "N nodes, 2 to 1000000", gen_tree },
	{ "grid", 2, 1000000, false, "N nodes, 2 to 1000000", gen_grid },
	{ "fat-tree", 2, 100, true, "an even k, 2 to 100", gen_fat_tree },
};

const struct lab_gen_shape *lab_gen_find(const char *name)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (strcmp(shapes[i].name, name) == 0)
			return &shapes[i];
	return NULL;
}

bool lab_gen_n_ok(const struct lab_gen_shape *s, unsigned long n)
{
	return n >= s->min && n <= s->max && (!s->even || n % 2 == 0);
}

void lab_gen(FILE *f, const struct lab_gen_shape *s, unsigned long n, const char *name)
{
	fprintf(f, "# netns lab gen %s %lu\n", s->name, n);
	if (strcmp(s->name, "grid") == 0)
		fprintf(f, "# %lu rows of %lu columns\n", (n + grid_cols(n) - 1) / grid_cols(n),
			grid_cols(n));
	fprintf(f, "name: %s\ntopology:\n  nodes:\n", name);
	s->gen(f, n);
}
