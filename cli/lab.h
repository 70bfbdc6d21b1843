/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: a lab file (containerlab's topology layout), its state, and
 * making and removing it. docs/lab.md describes the file. */
#ifndef NETNS_CLI_LAB_H
#define NETNS_CLI_LAB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* An address "CIDR" on interface IFNAME of a node. */
struct lab_addr {
	char *ifname;
	char *cidr;
	yaml_mark_t mark; /* where the file says it, for errors found later */
};

struct lab_route {
	char *dst; /* "default" or a CIDR */
	char *via; /* an address, or NULL */
	char *dev; /* an interface, or NULL */
	yaml_mark_t mark;
};

struct lab_sysctl {
	char *key; /* dotted: net.ipv4.ip_forward */
	char *value;
};

struct lab_node {
	char *name;
	char *kind; /* "linux" when none is given */
	bool bridge;
	struct lab_addr *addrs;
	size_t n_addrs;
	struct lab_route *routes;
	size_t n_routes;
	struct lab_sysctl *sysctls;
	size_t n_sysctls;
	char **exec;
	size_t n_exec;
};

struct lab_end {
	size_t node; /* index into lab.nodes */
	char *ifname;
	char *cidr; /* "r1:eth1:10.0.0.1/30": the address, or NULL */
};

struct lab_link {
	struct lab_end end[2];
	unsigned mtu; /* 0: the kernel's default */
};

struct lab {
	char *name;
	struct lab_node *nodes;
	size_t n_nodes;
	struct lab_link *links;
	size_t n_links;
	/* "FILE:LINE:COL: 'image' is ignored: nodes are namespaces", one per key. */
	char **notes;
	size_t n_notes;
};

/* Parses and validates the lab file held in BUF (LEN bytes); FILE names it
 * in messages. On success returns 0 and *RET (free with lab_free()). On
 * failure returns -EINVAL (the file is wrong) or -ENOMEM, and writes
 * "FILE:LINE:COL: what is wrong" into ERR (ERRLEN bytes). Never prints. */
int lab_parse(const char *buf, size_t len, const char *file, struct lab **ret, char *err,
	      size_t errlen);
void lab_free(struct lab *lab);

/* The namespace name of NODE in LAB: "LAB-NODE", malloc'd. */
char *lab_ns_name(const char *lab, const char *node);

/* State (lab-state.c): RUNDIR-lab/LAB.json, next to the run directory (not
 * in it: `ip netns list` prints every entry of /run/netns). */
char *lab_state_dir(void);
char *lab_state_path(const char *lab);
/* The state of LAB as JSON, written atomically; with EXCL, -EEXIST when
 * LAB has a state already. */
json_t *lab_state_json(const struct lab *lab, const char *file);
int lab_state_write(const char *lab, json_t *state, bool excl);
/* Loads LAB's state: -ENOENT when the lab is not up. */
int lab_state_load(const char *lab, json_t **ret);
int lab_state_remove(const char *lab);

/* lab-up.c: the work of netns lab up and down. Both print their errors and
 * return an exit status. */
int lab_up(const struct lab *lab, const char *file);
/* Deletes every namespace STATE names (a missing one is not an error) and
 * the state file. */
int lab_down(const char *lab, json_t *state);

#endif
