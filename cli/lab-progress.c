/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: "lab LAB: N/M nodes, K/L links" on stderr while a lab comes up
 * or goes down, rewritten in place, once the work has taken a second, and
 * only when stderr is a terminal: a log or a pipe gets nothing. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

void lab_progress_init(struct lab_progress *p, const char *lab, size_t nodes, size_t links)
{
	*p = (struct lab_progress){ .lab = lab, .n_nodes = nodes, .n_links = links };
	p->tty = isatty(STDERR_FILENO) == 1;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void lab_progress_show(struct lab_progress *p)
{
	if (!p->tty || ms_since(&p->start) < 1000 || (p->shown && ms_since(&p->last) < 100))
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	fprintf(stderr, "\rlab %s: %zu/%zu nodes, %zu/%zu links\033[K", p->lab, p->nodes,
		p->n_nodes, p->links, p->n_links);
	fflush(stderr);
	p->shown = true;
}

void lab_progress_end(struct lab_progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}
