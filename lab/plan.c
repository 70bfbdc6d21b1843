/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab up on a lab that is up: the difference between what the state
 * records and what the file asks for, as a plan of work per node and per
 * link. A first up is the difference from nothing. up.c carries it out. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

/* The plan's lines by kind, printed in this order: the order of the work. */
enum { L_NODE_ADD, L_LINK_ADD, L_MTU, L_ADDR, L_ROUTE_ADD, L_SYSCTL, L_ROUTE_DEL, L_ADDR_DEL,
       L_LINK_DEL, L_NODE_DEL, L_N };

static int strv_add(struct lab_strv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int strv_add(struct lab_strv *v, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		char **p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	v->v[v->n++] = s;
	return 0;
}

void lab_strv_free(struct lab_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	*v = (struct lab_strv){ 0 };
}

bool lab_strv_has(const struct lab_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

const char *lab_json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Is S (a JSON string) in the array A? */
static bool in_array(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_string_value(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* "IF CIDR" of an address: IF is the interface. */
static bool addr_on(const char *a, const struct lab_strv *ifs)
{
	const char *sp = strchr(a, ' ');
	char ifname[64];

	if (!sp || (size_t)(sp - a) >= sizeof(ifname))
		return false;
	snprintf(ifname, sizeof(ifname), "%.*s", (int)(sp - a), a);
	return lab_strv_has(ifs, ifname);
}

/* A link's key: its endpoints "NODE:IF", in byte order, so that a file that
 * writes them the other way round names the same link. */
static char *link_key(json_t *link)
{
	json_t *e = json_object_get(link, "endpoints");
	json_t *a = json_array_get(e, 0), *b = json_array_get(e, 1);
	char *ka, *kb, *k = NULL;

	if (asprintf(&ka, "%s:%s", lab_json_str(a, "node"), lab_json_str(a, "ifname")) < 0)
		return NULL;
	if (asprintf(&kb, "%s:%s", lab_json_str(b, "node"), lab_json_str(b, "ifname")) < 0) {
		free(ka);
		return NULL;
	}
	if (asprintf(&k, "%s %s", strcmp(ka, kb) < 0 ? ka : kb, strcmp(ka, kb) < 0 ? kb : ka) < 0)
		k = NULL;
	free(ka);
	free(kb);
	return k;
}

/* Maps each node's name (or link's key) to its index. */
static json_t *index_nodes(json_t *nodes)
{
	json_t *ix = json_object(), *n;
	size_t i;

	json_array_foreach(nodes, i, n)
		if (ix && json_object_set_new(ix, lab_json_str(n, "name"), json_integer((json_int_t)i)) < 0) {
			json_decref(ix);
			return NULL;
		}
	return ix;
}

static json_t *index_links(json_t *links)
{
	json_t *ix = json_object(), *l;
	size_t i;

	json_array_foreach(links, i, l) {
		char *k = link_key(l);

		if (!k || !ix || json_object_set_new(ix, k, json_integer((json_int_t)i)) < 0) {
			free(k);
			json_decref(ix);
			return NULL;
		}
		free(k);
	}
	return ix;
}

static size_t lookup(json_t *ix, const char *key)
{
	json_t *v = json_object_get(ix, key);

	return v ? (size_t)json_integer_value(v) : SIZE_MAX;
}

static unsigned link_mtu(json_t *l)
{
	return (unsigned)json_integer_value(json_object_get(l, "mtu"));
}

static struct lab_nwork *node_of(struct lab_plan *p, json_t *ix, const char *name)
{
	size_t i = lookup(ix, name);

	return i == SIZE_MAX ? NULL : &p->nodes[i];
}

static int plan_fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int plan_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* Additions and removals within a node that is in both: addresses not on a
 * link this run makes or removes, routes, sysctls. */
static int node_changes(struct lab_strv *b, struct lab_nwork *w, json_t *o, json_t *n)
{
	json_t *oa = json_object_get(o, "addrs"), *na = json_object_get(n, "addrs"), *v;
	json_t *os = json_object_get(o, "sysctls");
	const char *k;
	bool *paired;
	size_t i, j;
	int r = 0;

	/* An interface a new link makes gets every address the file gives it. */
	json_array_foreach(na, i, v)
		if (json_string_value(v) && (!in_array(oa, json_string_value(v)) ||
					     addr_on(json_string_value(v), &w->ups) ||
					     addr_on(json_string_value(v), &w->born)))
			r = r ?: lab_addrs_add(&w->addr_add, json_string_value(v));
	json_array_foreach(oa, i, v)
		if (json_string_value(v) && !in_array(na, json_string_value(v)) &&
		    !addr_on(json_string_value(v), &w->gone))
			r = r ?: lab_addrs_add(&w->addr_del, json_string_value(v));
	json_array_foreach(json_object_get(n, "routes"), i, v)
		if (json_string_value(v) &&
		    !in_array(json_object_get(o, "routes"), json_string_value(v)))
			r = r ?: lab_routes_add(&w->route_add, json_string_value(v));
	json_array_foreach(json_object_get(o, "routes"), i, v)
		if (json_string_value(v) &&
		    !in_array(json_object_get(n, "routes"), json_string_value(v)))
			r = r ?: lab_routes_add(&w->route_del, json_string_value(v));
	json_object_foreach(json_object_get(n, "sysctls"), k, v) {
		const char *was = json_string_value(json_object_get(os, k));

		if (json_string_value(v) && (!was || strcmp(was, json_string_value(v)) != 0))
			r = r ?: lab_sysctls_add(&w->sysctl_set, k, json_string_value(v));
	}
	/* The routes put back after an address goes (lab_node_add(),
	 * lab_node_remove()), and after the undo of that. */
	if (o) {
		json_array_foreach(json_object_get(n, "routes"), i, v)
			if (json_string_value(v))
				r = r ?: lab_routes_add(&w->routes, json_string_value(v));
		json_array_foreach(json_object_get(o, "routes"), i, v)
			if (json_string_value(v))
				r = r ?: lab_routes_add(&w->routes_old, json_string_value(v));
	}
	if (r < 0 || w->add)
		return r;
	/* The plan's lines: an address removed and one added on the same
	 * interface read as one change. */
	paired = calloc(w->addr_del.n + 1, sizeof(*paired));
	if (!paired)
		return -ENOMEM;
	for (i = 0; i < w->addr_add.n; i++) {
		const struct lab_addr_op *a = &w->addr_add.v[i];

		if (lab_strv_has(&w->ups, a->ifname) || lab_strv_has(&w->born, a->ifname))
			continue;
		for (j = 0; *a->ifname && j < w->addr_del.n; j++)
			if (!paired[j] && strcmp(w->addr_del.v[j].ifname, a->ifname) == 0)
				break;
		if (*a->ifname && j < w->addr_del.n) {
			paired[j] = true;
			r = r ?: strv_add(&b[L_ADDR], "~ addr %s %s -> %s", w->node,
					  w->addr_del.v[j].text, a->cidr);
		} else {
			r = r ?: strv_add(&b[L_ADDR], "+ addr %s %s", w->node, a->text);
		}
	}
	for (j = 0; j < w->addr_del.n; j++)
		if (!paired[j])
			r = r ?: strv_add(&b[L_ADDR_DEL], "- addr %s %s", w->node,
					  w->addr_del.v[j].text);
	free(paired);
	for (i = 0; i < w->route_add.n; i++)
		r = r ?: strv_add(&b[L_ROUTE_ADD], "+ route %s %s", w->node, w->route_add.v[i].text);
	for (i = 0; i < w->route_del.n; i++)
		r = r ?: strv_add(&b[L_ROUTE_DEL], "- route %s %s", w->node, w->route_del.v[i].text);
	for (i = 0; i < w->sysctl_set.n; i++) {
		const struct lab_sysctl_op *sc = &w->sysctl_set.v[i];
		const char *was = json_string_value(json_object_get(os, sc->key));

		if (was)
			r = r ?: strv_add(&b[L_SYSCTL], "~ sysctl %s %s %s -> %s", w->node,
					  sc->key, was, sc->value);
		else
			r = r ?: strv_add(&b[L_SYSCTL], "+ sysctl %s %s %s", w->node, sc->key,
					  sc->value);
	}
	return r;
}

/* An MTU change of W's interface IFNAME (a string of the new state). */
static int mtu_add(struct lab_nwork *w, const char *ifname, unsigned now, unsigned was)
{
	if (w->mtus.n == w->mtus.cap) {
		size_t cap = w->mtus.cap ? 2 * w->mtus.cap : 4;
		struct lab_mtu *v = realloc(w->mtus.v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->mtus.v = v;
		w->mtus.cap = cap;
	}
	w->mtus.v[w->mtus.n++] = (struct lab_mtu){ .ifname = ifname, .now = now, .was = was };
	return 0;
}

int lab_plan_make(json_t *old, json_t *new, struct lab_plan **ret, char *err, size_t errlen)
{
	json_t *on = json_object_get(old, "nodes"), *nn = json_object_get(new, "nodes");
	json_t *ol = json_object_get(old, "links"), *nl = json_object_get(new, "links");
	json_t *oix = NULL, *nix = NULL, *olx = NULL, *nlx = NULL, *v;
	struct lab_plan *p = calloc(1, sizeof(*p));
	struct lab_strv b[L_N] = { { 0 } };
	size_t i, n_removed = 0;
	int r = -ENOMEM;

	if (!p)
		return -ENOMEM;
	if (!(oix = index_nodes(on)) || !(nix = index_nodes(nn)) || !(olx = index_links(ol)) ||
	    !(nlx = index_links(nl)))
		goto out;
	json_array_foreach(on, i, v)
		if (lookup(nix, lab_json_str(v, "name")) == SIZE_MAX)
			n_removed++;
	p->n_nodes = json_array_size(nn) + n_removed;
	p->nodes = calloc(p->n_nodes + 1, sizeof(*p->nodes));
	p->links = calloc(json_array_size(nl) + json_array_size(ol) + 1, sizeof(*p->links));
	if (!p->nodes || !p->links)
		goto out;
	/* The file's nodes in its order, then the ones it no longer has. */
	json_array_foreach(nn, i, v) {
		struct lab_nwork *w = &p->nodes[i];
		size_t o = lookup(oix, lab_json_str(v, "name"));

		w->state = v;
		w->old = o == SIZE_MAX ? NULL : json_array_get(on, o);
		w->node = lab_json_str(v, "name");
		w->ns = lab_json_str(v, "namespace");
		w->lab_idx = i;
		w->add = !w->old;
		w->kind = lab_kind_find(lab_json_str(v, "kind"));
		if (w->old && json_is_true(json_object_get(w->old, "bridge")) != w->kind->ports) {
			r = plan_fail(err, errlen, -EINVAL,
				      "node '%s' changes kind between bridge and not: remove it in one "
				      "up and add it back in the next",
				      w->node);
			goto out;
		}
		if (w->add && (r = strv_add(&b[L_NODE_ADD], "+ node %s", w->node)) < 0)
			goto out;
	}
	n_removed = json_array_size(nn);
	json_array_foreach(on, i, v) {
		struct lab_nwork *w;

		if (lookup(nix, lab_json_str(v, "name")) != SIZE_MAX)
			continue;
		w = &p->nodes[n_removed++];
		w->state = w->old = v;
		w->node = lab_json_str(v, "name");
		w->ns = lab_json_str(v, "namespace");
		w->lab_idx = SIZE_MAX;
		w->kind = lab_kind_find(lab_json_str(v, "kind"));
		w->del = true;
		if ((r = strv_add(&b[L_NODE_DEL], "- node %s", w->node)) < 0)
			goto out;
	}
	json_decref(nix);
	/* Every node of the plan by name. */
	nix = json_object();
	for (i = 0; nix && i < p->n_nodes; i++)
		if (json_object_set_new(nix, p->nodes[i].node, json_integer((json_int_t)i)) < 0)
			goto out;
	if (!nix)
		goto out;
	/* Links the file adds, and MTU changes of the ones it keeps. */
	json_array_foreach(nl, i, v) {
		json_t *e = json_object_get(v, "endpoints");
		char *k = link_key(v);
		size_t o = k ? lookup(olx, k) : SIZE_MAX;
		struct lab_link_work *lw = &p->links[p->n_links];

		free(k);
		if (!k)
			goto out;
		if (o != SIZE_MAX) {
			unsigned was = link_mtu(json_array_get(ol, o)), now = link_mtu(v);

			if (was == now)
				continue;
			for (int x = 0; x < 2; x++) {
				json_t *end = json_array_get(e, x);
				struct lab_nwork *w = node_of(p, nix, lab_json_str(end, "node"));

				if ((r = mtu_add(w, lab_json_str(end, "ifname"), now ? now : 1500,
						 was ? was : 1500)) < 0)
					goto out;
			}
			r = strv_add(&b[L_MTU], "~ mtu %s:%s %s:%s %u -> %u",
				     lab_json_str(json_array_get(e, 0), "node"),
				     lab_json_str(json_array_get(e, 0), "ifname"),
				     lab_json_str(json_array_get(e, 1), "node"),
				     lab_json_str(json_array_get(e, 1), "ifname"), was ? was : 1500,
				     now ? now : 1500);
			if (r < 0)
				goto out;
			continue;
		}
		lw->state = v;
		/* The state records no type: every link is veth's so far. */
		lw->type = lab_link_type_find(NULL);
		lw->mtu = link_mtu(v);
		for (int x = 0; x < 2; x++) {
			json_t *end = json_array_get(e, x);

			lw->ifname[x] = lab_json_str(end, "ifname");
			lw->node[x] = lookup(nix, lab_json_str(end, "node"));
			if (lw->node[x] == SIZE_MAX) {
				r = plan_fail(err, errlen, -EINVAL, "link endpoint '%s': no node",
					      lab_json_str(end, "node"));
				goto out;
			}
		}
		lw->add = true;
		p->n_links++;
		r = strv_add(&b[L_LINK_ADD], "+ link %s:%s %s:%s", p->nodes[lw->node[0]].node,
			     lw->ifname[0], p->nodes[lw->node[1]].node, lw->ifname[1]);
		if (r < 0)
			goto out;
		for (int x = 0; x < 2; x++) {
			struct lab_nwork *w = &p->nodes[lw->node[x]];

			/* End 0 is born up; end 1 is set up in its node. */
			if (x == 1 && (r = strv_add(&w->ups, "%s", lw->ifname[1])) < 0)
				goto out;
			if (x == 0 && (r = strv_add(&w->born, "%s", lw->ifname[0])) < 0)
				goto out;
			if (w->kind->ports && (r = strv_add(&w->ports, "%s", lw->ifname[x])) < 0)
				goto out;
		}
	}
	/* Links the file no longer has: deleted from a node that stays. */
	json_array_foreach(ol, i, v) {
		json_t *e = json_object_get(v, "endpoints");
		char *k = link_key(v);
		size_t o = k ? lookup(nlx, k) : SIZE_MAX;
		bool deleted = false;

		free(k);
		if (!k)
			goto out;
		if (o != SIZE_MAX)
			continue;
		r = strv_add(&b[L_LINK_DEL], "- link %s:%s %s:%s", lab_json_str(json_array_get(e, 0), "node"),
			     lab_json_str(json_array_get(e, 0), "ifname"), lab_json_str(json_array_get(e, 1), "node"),
			     lab_json_str(json_array_get(e, 1), "ifname"));
		if (r < 0)
			goto out;
		for (int x = 0; x < 2; x++) {
			json_t *end = json_array_get(e, x);
			struct lab_nwork *w = node_of(p, nix, lab_json_str(end, "node"));

			if (!w)
				continue;
			if ((r = strv_add(&w->gone, "%s", lab_json_str(end, "ifname"))) < 0)
				goto out;
			if (w->del || deleted)
				continue;
			/* An interface both removed and added would need the removal
			 * first; additions come first here, so that a failure can
			 * undo them. */
			if (lab_strv_has(&w->ups, lab_json_str(end, "ifname")) ||
			    lab_strv_has(&w->born, lab_json_str(end, "ifname"))) {
				r = plan_fail(err, errlen, -EINVAL,
					      "interface %s:%s moves to another link: remove the old "
					      "link in one up and add the new one in the next",
					      w->node, lab_json_str(end, "ifname"));
				goto out;
			}
			if ((r = strv_add(&w->link_del, "%s", lab_json_str(end, "ifname"))) < 0)
				goto out;
			deleted = true;
		}
	}
	for (i = 0; i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];

		if (!w->del && (r = node_changes(b, w, w->old, w->state)) < 0)
			goto out;
	}
	for (int k = 0; k < L_N; k++)
		for (i = 0; i < b[k].n; i++)
			if ((r = strv_add(&p->lines, "%s", b[k].v[i])) < 0)
				goto out;
	*ret = p;
	p = NULL;
	r = 0;
out:
	for (int k = 0; k < L_N; k++)
		lab_strv_free(&b[k]);
	json_decref(oix);
	json_decref(nix);
	json_decref(olx);
	json_decref(nlx);
	lab_plan_free(p);
	return r;
}

void lab_plan_free(struct lab_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->nodes && i < p->n_nodes; i++) {
		struct lab_nwork *w = &p->nodes[i];
		struct lab_strv *all[] = { &w->born, &w->ups, &w->ports, &w->gone, &w->link_del };
		struct lab_routes *routes[] = { &w->route_add, &w->route_del, &w->route_pre,
						&w->route_fix, &w->routes, &w->routes_old };

		for (size_t j = 0; j < sizeof(all) / sizeof(all[0]); j++)
			lab_strv_free(all[j]);
		for (size_t j = 0; j < sizeof(routes) / sizeof(routes[0]); j++)
			lab_routes_free(routes[j]);
		lab_addrs_free(&w->addr_add);
		lab_addrs_free(&w->addr_del);
		lab_addrs_free(&w->addr_pre);
		lab_sysctls_free(&w->sysctl_set);
		lab_sysctls_free(&w->sysctl_old);
		free(w->mtus.v);
	}
	free(p->nodes);
	free(p->links);
	lab_strv_free(&p->lines);
	free(p);
}

int lab_strv_add(struct lab_strv *v, const char *s)
{
	return strv_add(v, "%s", s);
}
