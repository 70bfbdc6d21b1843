/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every name of the run directory, sorted by namespace, for commands that
 * name many namespaces (threads, watch). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int id_cmp(const struct netns_id *a, const struct netns_id *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cli_ns_name *x = a, *y = b;
	int r = id_cmp(&x->id, &y->id);

	return r ? r : strcmp(x->name, y->name);
}

static int map_add(const char *name, const struct netns_id *id, void *data)
{
	struct cli_ns_names *m = data;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct cli_ns_name *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].name = strdup(name);
	if (!m->v[m->n].name)
		return -ENOMEM;
	m->v[m->n++].id = *id;
	return 0;
}

int cli_ns_names_load(struct cli_ns_names *m)
{
	int r = netns_name_foreach(map_add, m);

	if (r < 0)
		return r;
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), entry_cmp);
	return 0;
}

void cli_ns_names_free(struct cli_ns_names *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	*m = (struct cli_ns_names){ 0 };
}

size_t cli_ns_names_find(const struct cli_ns_names *m, const struct netns_id *id,
			 const struct cli_ns_name **ret)
{
	size_t lo = 0, hi = m->n, k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (id_cmp(&m->v[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < m->n && id_cmp(&m->v[k].id, id) == 0; k++)
		;
	*ret = m->v + lo;
	return k - lo;
}
