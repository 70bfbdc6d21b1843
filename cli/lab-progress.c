/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: "lab LAB: N/M nodes, K/L links" on stderr while a lab comes up
 * or goes down, once the work has taken a second, through cli_progress_line()
 * (rewritten in place, only when stderr is a terminal: a log or a pipe gets
 * nothing). */
#include <time.h>

#include "cli.h"
#include "lab.h"

void lab_progress_init(struct lab_progress *p, const char *lab, size_t nodes, size_t links)
{
	*p = (struct lab_progress){ .lab = lab, .n_nodes = nodes, .n_links = links };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

void lab_progress_show(struct lab_progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - p->start.tv_sec) * 1000L + (now.tv_nsec - p->start.tv_nsec) / 1000000L < 1000)
		return;
	cli_progress_line(false, "lab %s: %zu/%zu nodes, %zu/%zu links", p->lab, p->nodes,
			  p->n_nodes, p->links, p->n_links);
}

void lab_progress_end(struct lab_progress *p)
{
	(void)p;
	cli_progress_end();
}
