/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: lab_parse (lab/file.c), a netns lab file. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "netns.h"
#include "../lab/lab.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab *lab = NULL;
	char err[512];
	static bool env_set;
	int r;

	/* Variables the inputs may name, set, empty and holding YAML, so that
	 * every branch of the expansion (lab/env.c) is reached. */
	if (!env_set) {
		setenv("F", "x", 1);
		setenv("E", "", 1);
		setenv("Y", "{ a: {}, b: [c] }", 1);
		unsetenv("U");
		env_set = true;
	}
	r = lab_parse((const char *)data, size, "f", &lab, err, sizeof(err));
	if (r == -EINVAL) {
		/* Every error names the file, a line and a column. */
		if (strncmp(err, "f:", 2) != 0 || lab)
			abort();
		return 0;
	}
	if (r == -ENOMEM)
		return 0;
	if (r != 0 || !lab || !lab->name)
		abort();
	/* What is made later is what was checked here. */
	for (size_t i = 0; i < lab->n_nodes; i++) {
		char *ns = lab_ns_name(lab->name, lab->nodes[i].name);

		if (!ns || netns_name_check(ns) != 0)
			abort();
		free(ns);
		for (size_t j = 0; j < lab->nodes[i].n_addrs; j++)
			if (netns_ifname_check(lab->nodes[i].addrs[j].ifname) != 0 ||
			    netns_cidr_check(lab->nodes[i].addrs[j].cidr) != 0)
				abort();
	}
	for (size_t l = 0; l < lab->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct lab_end *end = &lab->links[l].end[e];

			if (end->node >= lab->n_nodes || netns_ifname_check(end->ifname) != 0 ||
			    (end->cidr && netns_cidr_check(end->cidr) != 0))
				abort();
			/* No interface twice on one node. */
			for (size_t m = 0; m <= l; m++)
				for (int f = 0; f < 2; f++) {
					const struct lab_end *o = &lab->links[m].end[f];

					if ((m < l || f < e) && o->node == end->node &&
					    strcmp(o->ifname, end->ifname) == 0)
						abort();
				}
		}
	lab_free(lab);
	return 0;
}
