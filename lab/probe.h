/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab check's parts: the command's cli/lab-check.c plans the probes
 * from a lab's state (which end pings which address) and prints the table;
 * the engine's lab/probe.c sends them and reads the replies. */
#ifndef NETNS_LAB_PROBE_H
#define NETNS_LAB_PROBE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "lab.h"
#include "rtnl/rtnl.h"

/* An address of a station: the tree's IP type, and the text the state
 * wrote it in (without its prefix), which the table shows. */
struct station_ip {
	struct rtnl_ip ip;
	char text[INET6_ADDRSTRLEN];
};

/* Something with addresses that a probe leaves from or goes to: a link end
 * on a node that is not a bridge, or a bridge's own device. */
struct station {
	const char *node, *ns, *ifname;
	struct station_ip *ips;
	size_t n_ips;
	size_t dom_pos; /* a bridge member's place in its domain's list */
};

enum { ROW_SKIP, ROW_PENDING, ROW_RUNNING, ROW_OK, ROW_FAIL };

struct row {
	const char *end_node[2], *end_if[2];
	int state;
	const char *skip;
	const struct station *from, *to;
	const struct station_ip *src, *dst;
	int err; /* ROW_FAIL: a negative errno, 0 for a timeout */
	bool no_ns; /* ERR came from opening the source's namespace */
	double rtt_ms;
	int sock;
	struct timespec sent, sent_real; /* deadline; RTT against the kernel's stamp */
	uint16_t id, seq;
};

struct node_info {
	const char *name, *ns;
	bool bridge;
	json_t *addrs; /* "IF CIDR" */
	struct station **members; /* a bridge's: far ends, then its device */
	size_t n_members;
	/* Bridges joined by links form one layer-2 domain (union-find through
	 * UP); its root node lists every member of every bridge in it. */
	size_t up;
	struct station **dom;
	size_t n_dom;
};

struct check {
	const struct lab_ctx *ctx; /* progress goes there */
	struct node_info *nodes;
	size_t n_nodes;
	struct node_info **by_name;
	struct station *stations; /* 2 per link, then 1 per node (bridges) */
	size_t n_links;
	struct row *rows;
	long long timeout_ns;
	/* Neighbour entries the probes made that could not be removed, and
	 * the first one's reason: "NS: ADDR on IF: REASON (KERNEL'S MESSAGE)". */
	size_t neigh_kept;
	char neigh_why[512];
};


/* Sends every ROW_PENDING probe of C, a bounded number at a time, and waits
 * for each reply up to C->timeout_ns; each row ends ROW_OK or ROW_FAIL. An
 * IPv6 probe goes once neither of its addresses is tentative (DAD), and
 * again if it failed while one was; for up to 10 s of waiting in all. 0, or a negative errno when probing
 * itself could not go on. */
int lab_probe_run(struct check *c);

#endif
