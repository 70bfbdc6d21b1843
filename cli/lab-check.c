/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab check: one ICMP echo across every link of a lab that is up.
 * This file plans the probes from the lab's state (which end of a link, or
 * which member of a bridge, pings which address) and prints the result;
 * lab/probe.c sends them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab-cmd.h"
#include "probe.h"

/* A host's peer on a bridge is searched among this many members at most: a
 * bridge whose members share no subnet must not cost N^2. */
#define PEER_SEARCH_MAX 4096

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

/* "10.0.0.1/30", "fd00::1/64", or without a prefix a host address; the
 * address's text as written goes with it. */
static bool ip_parse(const char *cidr, struct station_ip *ret)
{
	size_t len = strcspn(cidr, "/");

	if (len >= sizeof(ret->text) || rtnl_ip_parse(cidr, &ret->ip) < 0)
		return false;
	memcpy(ret->text, cidr, len);
	ret->text[len] = '\0';
	return true;
}

/* Two different addresses of one family, each inside the other's subnet
 * (the shorter prefix decides). */
static bool same_subnet(const struct rtnl_ip *a, const struct rtnl_ip *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
	size_t len = rtnl_ip_len(a);
	unsigned char mask;

	if (a->family != b->family || memcmp(a->a, b->a, len) == 0)
		return false;
	if (memcmp(a->a, b->a, p / 8) != 0)
		return false;
	if (p % 8 == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - p % 8));
	return ((a->a[p / 8] ^ b->a[p / 8]) & mask) == 0;
}

/* The first pair of addresses of A and B in one subnet, IPv4 before IPv6. */
static bool pair_find(const struct station *a, const struct station *b,
		      const struct station_ip **ra, const struct station_ip **rb)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++)
		for (size_t i = 0; i < a->n_ips; i++)
			for (size_t j = 0; a->ips[i].ip.family == fams[f] && j < b->n_ips; j++)
				if (same_subnet(&a->ips[i].ip, &b->ips[j].ip)) {
					*ra = &a->ips[i];
					*rb = &b->ips[j];
					return true;
				}
	return false;
}

/* Adds the CIDR S to station ST's addresses (one it cannot read is left
 * out: the state is netns's own, but may have been edited by hand). */
static int station_add(struct station *st, const char *s)
{
	struct station_ip *p;

	p = realloc(st->ips, (st->n_ips + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	st->ips = p;
	if (ip_parse(s, &p[st->n_ips]))
		st->n_ips++;
	return 0;
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp((*(struct node_info *const *)a)->name, (*(struct node_info *const *)b)->name);
}

static struct node_info *node_find(struct check *c, const char *name)
{
	struct node_info key = { .name = name }, *kp = &key, **hit;

	if (!c->n_nodes)
		return NULL;
	hit = bsearch(&kp, c->by_name, c->n_nodes, sizeof(*c->by_name), cmp_node);
	return hit ? *hit : NULL;
}

static int member_add(struct station ***list, size_t *n, struct station *st)
{
	struct station **p = realloc(*list, (*n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = st;
	*list = p;
	return 0;
}

static size_t uf_find(struct check *c, size_t i)
{
	while (c->nodes[i].up != i) {
		c->nodes[i].up = c->nodes[c->nodes[i].up].up;
		i = c->nodes[i].up;
	}
	return i;
}

/* Reads the state into C: nodes, stations, bridge members, one row a link. */
static int check_load(struct check *c, json_t *state)
{
	json_t *nodes = json_object_get(state, "nodes"), *links = json_object_get(state, "links");
	json_t *v, *a;
	size_t i, j;
	int r;

	c->n_nodes = json_array_size(nodes);
	c->n_links = json_array_size(links);
	c->nodes = calloc(c->n_nodes + 1, sizeof(*c->nodes));
	c->by_name = calloc(c->n_nodes + 1, sizeof(*c->by_name));
	c->stations = calloc(2 * c->n_links + c->n_nodes + 1, sizeof(*c->stations));
	c->rows = calloc(c->n_links + 1, sizeof(*c->rows));
	if (!c->nodes || !c->by_name || !c->stations || !c->rows)
		return -ENOMEM;
	json_array_foreach(nodes, i, v) {
		struct node_info *n = &c->nodes[i];
		struct station *dev = &c->stations[2 * c->n_links + i];

		n->name = str(v, "name");
		n->ns = str(v, "namespace");
		n->bridge = lab_kind_find(str(v, "kind"))->ports;
		n->addrs = json_object_get(v, "addrs");
		n->up = i;
		c->by_name[i] = n;
		if (!n->bridge)
			continue;
		/* The bridge's own addresses: "IF CIDR" with IF its name. */
		*dev = (struct station){ .node = n->name, .ns = n->ns, .ifname = n->name };
		json_array_foreach(n->addrs, j, a) {
			const char *s = json_string_value(a), *sp = s ? strchr(s, ' ') : NULL;

			if (sp && (size_t)(sp - s) == strlen(n->name) &&
			    strncmp(s, n->name, (size_t)(sp - s)) == 0 &&
			    (r = station_add(dev, sp + 1)) < 0)
				return r;
		}
	}
	qsort(c->by_name, c->n_nodes, sizeof(*c->by_name), cmp_node);
	json_array_foreach(links, i, v) {
		json_t *ends = json_object_get(v, "endpoints");
		struct row *row = &c->rows[i];

		for (int e = 0; e < 2; e++) {
			json_t *end = json_array_get(ends, (size_t)e);
			struct node_info *n = node_find(c, str(end, "node"));
			struct station *st = &c->stations[2 * i + (size_t)e];

			row->end_node[e] = str(end, "node");
			row->end_if[e] = str(end, "ifname");
			*st = (struct station){ .node = row->end_node[e], .ns = n ? n->ns : NULL,
						.ifname = row->end_if[e] };
			json_array_foreach(json_object_get(end, "addrs"), j, a)
				if (json_string_value(a) &&
				    (r = station_add(st, json_string_value(a))) < 0)
					return r;
		}
		for (int e = 0; e < 2; e++) {
			struct node_info *n = node_find(c, row->end_node[e]);
			struct node_info *far = node_find(c, row->end_node[1 - e]);

			if (n && n->bridge && far && !far->bridge &&
			    (r = member_add(&n->members, &n->n_members,
					    &c->stations[2 * i + (size_t)(1 - e)])) < 0)
				return r;
			if (e == 0 && n && n->bridge && far && far->bridge)
				c->nodes[uf_find(c, (size_t)(n - c->nodes))].up =
					uf_find(c, (size_t)(far - c->nodes));
		}
	}
	for (i = 0; i < c->n_nodes; i++) {
		struct node_info *n = &c->nodes[i], *root;

		if (!n->bridge)
			continue;
		if (c->stations[2 * c->n_links + i].n_ips &&
		    (r = member_add(&n->members, &n->n_members, &c->stations[2 * c->n_links + i])) < 0)
			return r;
		root = &c->nodes[uf_find(c, i)];
		for (j = 0; j < n->n_members; j++) {
			n->members[j]->dom_pos = root->n_dom;
			if ((r = member_add(&root->dom, &root->n_dom, n->members[j])) < 0)
				return r;
		}
	}
	return 0;
}

/* Decides what row I probes: from one end to the other; a host on a bridge
 * to the next member of the bridge's domain after it that shares a subnet
 * (so that each member is probed from once, and a bridge with one host
 * still reaches the hosts of the bridges it is linked to); across two
 * bridges, between a member of each. */
static void check_plan(struct check *c, size_t i)
{
	struct row *row = &c->rows[i];
	struct node_info *n0 = node_find(c, row->end_node[0]), *n1 = node_find(c, row->end_node[1]);
	const struct station *s0 = &c->stations[2 * i], *s1 = &c->stations[2 * i + 1];

	row->state = ROW_SKIP;
	row->sock = -1;
	if (!n0 || !n1) {
		row->skip = "no such node";
		return;
	}
	if (!n0->bridge && !n1->bridge) {
		if (!s0->n_ips || !s1->n_ips)
			row->skip = "no address";
		else if (!pair_find(s0, s1, &row->src, &row->dst))
			row->skip = "no shared subnet";
		else
			row->from = s0, row->to = s1;
	} else if (n0->bridge != n1->bridge) {
		const struct node_info *b = n0->bridge ? n0 : n1;
		const struct node_info *dom = &c->nodes[uf_find(c, (size_t)(b - c->nodes))];
		const struct station *h = n0->bridge ? s1 : s0;
		size_t k = h->dom_pos, tries = dom->n_dom < PEER_SEARCH_MAX ? dom->n_dom :
									     PEER_SEARCH_MAX;

		row->skip = h->n_ips ? "no peer in its subnet" : "no address";
		for (size_t d = 1; h->n_ips && d < tries; d++) {
			const struct station *t = dom->dom[(k + d) % dom->n_dom];

			if (pair_find(h, t, &row->src, &row->dst)) {
				row->from = h, row->to = t;
				break;
			}
		}
	} else {
		size_t m0 = n0->n_members < 64 ? n0->n_members : 64;
		size_t m1 = n1->n_members < 64 ? n1->n_members : 64;

		row->skip = "no address";
		for (size_t x = 0; !row->from && x < m0; x++)
			for (size_t y = 0; !row->from && y < m1; y++)
				if (pair_find(n0->members[x], n1->members[y], &row->src, &row->dst))
					row->from = n0->members[x], row->to = n1->members[y];
	}
	if (row->from)
		row->state = ROW_PENDING, row->skip = NULL;
}

static void check_free(struct check *c)
{
	for (size_t i = 0; c->stations && i < 2 * c->n_links + c->n_nodes; i++)
		free(c->stations[i].ips);
	for (size_t i = 0; c->nodes && i < c->n_nodes; i++)
		free(c->nodes[i].members), free(c->nodes[i].dom);
	free(c->nodes);
	free(c->by_name);
	free(c->stations);
	free(c->rows);
}

static char *link_text(const struct row *row)
{
	char *s;

	if (asprintf(&s, "%s:%s -- %s:%s", row->end_node[0], row->end_if[0], row->end_node[1],
		     row->end_if[1]) < 0)
		return NULL;
	return s;
}

/* Why ROW failed or was skipped, malloc'd; NULL for ok (or ENOMEM). */
static char *reason_text(const struct row *row)
{
	char *s;
	int r;

	if (row->state == ROW_OK)
		return NULL;
	if (row->state == ROW_SKIP)
		r = asprintf(&s, "%s", row->skip);
	else if (row->no_ns)
		r = asprintf(&s, "no namespace %s", row->from->ns);
	else if (row->err == -EADDRNOTAVAIL && row->src->ip.family == AF_INET6)
		/* The kernel refuses to bind a tentative address too: for the
		 * second or two after `up` that duplicate address detection runs. */
		r = asprintf(&s, "%s not usable (gone, or tentative during DAD)", row->src->text);
	else if (row->err)
		r = asprintf(&s, "%s", strerror(-row->err));
	else
		r = asprintf(&s, "timeout");
	return r < 0 ? NULL : s;
}

/* RESULT: "ok", "FAIL: REASON" or "skipped (REASON)". */
static char *result_text(const struct row *row)
{
	char *why = reason_text(row), *s;
	int r;

	if (row->state == ROW_OK)
		return strdup("ok");
	if (!why)
		return NULL;
	r = row->state == ROW_SKIP ? asprintf(&s, "skipped (%s)", why) :
				     asprintf(&s, "FAIL: %s", why);
	free(why);
	return r < 0 ? NULL : s;
}

static json_t *station_json(const struct station *st, const struct station_ip *ip)
{
	if (!st)
		return json_null();
	return json_pack("{s:o,s:o,s:s}", "node", cli_json_string(st->node), "ifname",
			 cli_json_string(st->ifname), "addr", ip->text);
}

static int print_json(const char *name, struct check *c, size_t ok, size_t failed,
		      size_t skipped)
{
	json_t *links = json_array(), *out;

	for (size_t i = 0; links && i < c->n_links; i++) {
		const struct row *row = &c->rows[i];
		char *reason = reason_text(row);

		json_array_append_new(links, json_pack("{s:[{s:o,s:o},{s:o,s:o}],s:s,s:s?,s:o,s:o,s:o}",
			"endpoints", "node", cli_json_string(row->end_node[0]), "ifname",
			cli_json_string(row->end_if[0]), "node", cli_json_string(row->end_node[1]),
			"ifname", cli_json_string(row->end_if[1]), "result",
			row->state == ROW_OK ? "ok" : row->state == ROW_SKIP ? "skipped" : "failed",
			"reason", reason, "from", station_json(row->from, row->src), "to",
			station_json(row->to, row->dst), "rtt_ms",
			row->state == ROW_OK ? json_real(row->rtt_ms) : json_null()));
		free(reason);
	}
	out = json_pack("{s:o,s:I,s:I,s:I,s:o*}", "lab", cli_json_string(name), "ok",
			(json_int_t)ok, "failed", (json_int_t)failed, "skipped",
			(json_int_t)skipped, "links", links);
	if (!out)
		return -ENOMEM;
	return cli_json_print(out);
}

/* The table: LINK FROM TO RESULT RTT, columns as wide as their widest. */
static int print_table(struct check *c)
{
	static const char *const head[5] = { "LINK", "FROM", "TO", "RESULT", "RTT" };
	char *(*cell)[5] = calloc(c->n_links + 1, sizeof(*cell));
	size_t wid[5], i, k;
	int r = 0;

	if (!cell)
		return -ENOMEM;
	for (k = 0; k < 5; k++)
		wid[k] = strlen(head[k]);
	for (i = 0; i < c->n_links; i++) {
		const struct row *row = &c->rows[i];

		cell[i][0] = link_text(row);
		if (row->from) {
			if (asprintf(&cell[i][1], "%s %s", row->from->node, row->src->text) < 0)
				cell[i][1] = NULL;
			if (asprintf(&cell[i][2], "%s %s", row->to->node, row->dst->text) < 0)
				cell[i][2] = NULL;
		} else {
			cell[i][1] = strdup("-");
			cell[i][2] = strdup("-");
		}
		cell[i][3] = result_text(row);
		if (row->state == ROW_OK) {
			if (asprintf(&cell[i][4], "%.3f ms", row->rtt_ms) < 0)
				cell[i][4] = NULL;
		} else {
			cell[i][4] = strdup("-");
		}
		for (k = 0; k < 5; k++) {
			if (!cell[i][k]) {
				r = -ENOMEM;
				goto out;
			}
			if (strlen(cell[i][k]) > wid[k])
				wid[k] = strlen(cell[i][k]);
		}
	}
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", (int)wid[0], head[0], (int)wid[1], head[1],
	       (int)wid[2], head[2], (int)wid[3], head[3], head[4]);
	for (i = 0; i < c->n_links; i++) {
		int color = c->rows[i].state == ROW_OK ? CLI_COLOR_GOOD :
			    c->rows[i].state == ROW_FAIL ? CLI_COLOR_BAD : -1;

		printf("%-*s  %-*s  %-*s  %s%-*s%s  %s\n", (int)wid[0], cell[i][0], (int)wid[1],
		       cell[i][1], (int)wid[2], cell[i][2],
		       color >= 0 ? cli_color_seq((enum cli_color)color) : "", (int)wid[3],
		       cell[i][3], color >= 0 ? cli_color_seq(CLI_COLOR_OFF) : "", cell[i][4]);
	}
out:
	for (i = 0; i < c->n_links; i++)
		for (k = 0; k < 5; k++)
			free(cell[i][k]);
	free(cell);
	return r;
}

int lab_check(const char *name, json_t *state, unsigned timeout)
{
	struct check c = { .ctx = &lab_cli_ctx, .timeout_ns = (long long)timeout * 1000000000LL };
	size_t ok = 0, failed = 0, skipped = 0, i;
	int r, status = EXIT_FAIL;

	r = check_load(&c, state);
	if (r < 0) {
		status = cli_fail(name, r);
		goto out;
	}
	for (i = 0; i < c.n_links; i++)
		check_plan(&c, i);
	r = lab_probe_run(&c);
	if (r < 0) {
		status = cli_fail("poll", r);
		goto out;
	}
	for (i = 0; i < c.n_links; i++) {
		ok += c.rows[i].state == ROW_OK;
		failed += c.rows[i].state == ROW_FAIL;
		skipped += c.rows[i].state == ROW_SKIP;
	}
	r = cli.json ? print_json(name, &c, ok, failed, skipped) : print_table(&c);
	if (r < 0) {
		status = cli_fail(name, r);
		goto out;
	}
	if (!cli.json)
		printf("%zu links: %zu ok, %zu failed, %zu skipped\n", c.n_links, ok, failed,
		       skipped);
	fflush(stdout);
	/* Best effort, as the probes' results do not depend on it; but an
	 * entry left behind counts against the host-wide neighbour limit. */
	if (c.neigh_kept)
		cli_errorf("lab: lab %s: %zu neighbour entries made by the probes stay, the first: %s",
			   name, c.neigh_kept, c.neigh_why);
	if (failed)
		status = cli_failx("lab %s: %zu of %zu links failed", name, failed, c.n_links);
	else
		status = EXIT_OK;
out:
	check_free(&c);
	return status;
}
