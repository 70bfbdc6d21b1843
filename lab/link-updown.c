/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab link LAB NODE:IF down|up: both ends of the link that NODE:IF
 * ends set down or up, as mininet's `link s1 s2 down` does: a failure of
 * the cable, seen by both nodes (a veth reports carrier off on the other
 * end only once its own end is down, and routing daemons watch their own
 * end). Each end's namespace is opened by name and checked to still be the
 * one the state records before anything is changed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"

/* The namespace of node NAME in STATE, opened and checked: an fd, or a
 * negative errno (-ESRCH: no such node, -ESTALE: another namespace now). */
static int node_fd(json_t *state, const char *name)
{
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(state, "nodes"), i, n) {
		struct netns_id rec, now;
		int fd;

		if (strcmp(lab_json_str(n, "name"), name) != 0)
			continue;
		if (lab_state_node_id(n, &rec) < 0)
			return -ESTALE;
		fd = netns_fd_open_name(lab_json_str(n, "namespace"));
		if (fd < 0)
			return fd;
		if (netns_fd_id(fd, &now) < 0 || !netns_id_equal(&now, &rec)) {
			close(fd);
			return -ESTALE;
		}
		return fd;
	}
	return -ESRCH;
}

static bool has_node(json_t *state, const char *name)
{
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(state, "nodes"), i, n)
		if (strcmp(lab_json_str(n, "name"), name) == 0)
			return true;
	return false;
}

int lab_link_set(const struct lab_ctx *ctx, const char *lab, json_t *state, const char *node,
		 const char *ifname, bool up)
{
	json_t *l, *ends = NULL;
	size_t i;
	int fds[2] = { -1, -1 }, status = LAB_OK, r;

	if (!has_node(state, node))
		return lab_failx(ctx, "lab %s has no node %s", lab, node);
	json_array_foreach(json_object_get(state, "links"), i, l) {
		json_t *e = json_object_get(l, "endpoints");

		for (size_t x = 0; x < 2; x++) {
			json_t *end = json_array_get(e, x);

			if (strcmp(lab_json_str(end, "node"), node) == 0 &&
			    strcmp(lab_json_str(end, "ifname"), ifname) == 0)
				ends = e;
		}
		if (ends)
			break;
	}
	if (!ends)
		return lab_failx(ctx, "lab %s: node %s has no link on interface %s", lab, node,
				 ifname);
	for (size_t x = 0; x < 2; x++) {
		json_t *end = json_array_get(ends, x);
		const char *n = lab_json_str(end, "node");
		char what[512];

		fds[x] = node_fd(state, n);
		if (fds[x] == -ESTALE) {
			status = lab_failx(ctx, "lab %s: node %s: its namespace is not the lab's now",
					   lab, n);
			goto out;
		}
		if (fds[x] < 0) {
			snprintf(what, sizeof(what), "lab %s: node %s", lab, n);
			status = lab_fail(ctx, what, fds[x]);
			goto out;
		}
	}
	for (size_t x = 0; x < 2; x++) {
		json_t *end = json_array_get(ends, x);
		char what[512];

		r = netns_link_set_up(fds[x], lab_json_str(end, "ifname"), up);
		if (r < 0) {
			snprintf(what, sizeof(what), "lab %s: %s:%s", lab, lab_json_str(end, "node"),
				 lab_json_str(end, "ifname"));
			status = lab_fail(ctx, what, r);
		}
	}
out:
	for (size_t x = 0; x < 2; x++)
		if (fds[x] >= 0)
			close(fds[x]);
	return status;
}
