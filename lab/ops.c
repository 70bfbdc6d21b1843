/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A node's addresses, routes and sysctls as the plan hands them to node.c:
 * each split once, when the plan is made, from the text the state records
 * (which the plan's lines and the undo keep using). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

/* Room for one more of SIZE bytes in *V (N used of *CAP). */
static int grow(void *v, size_t n, size_t *cap, size_t size)
{
	void **p = v;
	size_t c;
	void *nv;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 8;
	if (!(nv = reallocarray(*p, c, size)))
		return -ENOMEM;
	*p = nv;
	*cap = c;
	return 0;
}

/* TEXT and a copy of it to split, in one allocation. */
static char *two_copies(const char *text, char **ret_buf)
{
	size_t len = strlen(text) + 1;
	char *p = malloc(2 * len);

	if (!p)
		return NULL;
	memcpy(p, text, len);
	memcpy(p + len, text, len);
	*ret_buf = p + len;
	return p;
}

int lab_addrs_add(struct lab_addrs *v, const char *text)
{
	struct lab_addr_op *a;
	char *buf, *sp;

	if (grow(&v->v, v->n, &v->cap, sizeof(*v->v)) < 0)
		return -ENOMEM;
	a = &v->v[v->n];
	if (!(a->text = two_copies(text, &buf)))
		return -ENOMEM;
	/* Not "IF CIDR" (a state edited by hand): no interface, which the
	 * library refuses when the address is added. */
	if ((sp = strchr(buf, ' '))) {
		*sp = '\0';
		a->ifname = buf;
		a->cidr = sp + 1;
	} else {
		a->ifname = buf + strlen(buf);
		a->cidr = buf;
	}
	v->n++;
	return 0;
}

bool lab_addrs_has(const struct lab_addrs *v, const char *text)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i].text, text) == 0)
			return true;
	return false;
}

void lab_addrs_free(struct lab_addrs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].text);
	free(v->v);
	*v = (struct lab_addrs){ 0 };
}

int lab_routes_add(struct lab_routes *v, const char *text)
{
	struct lab_route_op *rt;
	char *buf;

	if (grow(&v->v, v->n, &v->cap, sizeof(*v->v)) < 0)
		return -ENOMEM;
	rt = &v->v[v->n];
	if (!(rt->text = two_copies(text, &buf)))
		return -ENOMEM;
	/* One the state cannot have written: no destination, which
	 * lab_node_add() then reports as the route's failure. */
	if (lab_route_parse(text, buf, strlen(text) + 1, &rt->dst, &rt->via, &rt->dev) < 0)
		rt->dst = rt->via = rt->dev = NULL;
	v->n++;
	return 0;
}

void lab_routes_free(struct lab_routes *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].text);
	free(v->v);
	*v = (struct lab_routes){ 0 };
}

int lab_sysctls_add(struct lab_sysctls *v, const char *key, const char *value)
{
	struct lab_sysctl_op *s;
	size_t kl = strlen(key) + 1, vl = strlen(value) + 1;

	if (grow(&v->v, v->n, &v->cap, sizeof(*v->v)) < 0)
		return -ENOMEM;
	s = &v->v[v->n];
	if (!(s->key = malloc(kl + vl)))
		return -ENOMEM;
	memcpy(s->key, key, kl);
	s->value = memcpy(s->key + kl, value, vl);
	v->n++;
	return 0;
}

void lab_sysctls_free(struct lab_sysctls *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].key);
	free(v->v);
	*v = (struct lab_sysctls){ 0 };
}
