/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: the lab file. containerlab's topology layout (name, topology:
 * defaults, kinds, groups, nodes, links) read with libyaml's document API,
 * every value checked before anything is made; each error names
 * FILE:LINE:COLUMN. docs/lab.md lists the keys. Never prints. */
#include <errno.h>
#include <net/if.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <yaml.h>

#include "netns.h"
#include "lab.h"

struct ctx {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
	struct lab *lab;
	yaml_node_t *defaults, *kinds, *groups;
	/* Lookups by name (tsearch trees of struct named): the nodes, and each
	 * node's interfaces, so that a 10,000-node file is read in linear
	 * time rather than quadratic. */
	void *node_index, *if_index;
	/* topology.groups and kinds by name (struct keyed), for the same
	 * reason: each node looks its group and kind up. */
	void *group_index, *kind_index;
	size_t settings; /* bytes of settings made so far, against LAB_SETTINGS_MAX */
};

/* A node (IFNAME NULL) or one of its interfaces, for the trees above;
 * NAME and IFNAME point into the lab. */
struct named {
	const char *name, *ifname;
	size_t node;
};

/* Keys that only mean something to a container: accepted, noted once. */
static const char *const container_keys[] = {
	"image", "startup-config", "extras", "binds", "env", "env-files", "labels", "ports",
	"cmd", "entrypoint", "license", "mgmt-ipv4", "mgmt-ipv6", "mgmt_ipv4", "mgmt_ipv6",
	"enforce-startup-config", "suppress-startup-config", "user", "network-mode",
	"memory", "cpu", "cpu-set", "shm-size", "publish", "sandbox", "kernel", "runtime",
	"type", "dns", "certificate", "healthcheck", "wait-for", "stages",
	"image-pull-policy", "config", "startup-delay", "aliases", "auto-remove",
	"restart-policy", "components", "devices", "cap-add", "exec-timeout", "position",
	"volumes", "credentials", "hostname", "privileged", "cgroupns-mode", "cgroup-parent",
	"pid-mode", "tmpfs", "security-opts", "link-apply-mode", "daemons",
	NULL,
};

static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int len;

	len = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->file, n->start_mark.line + 1,
		       n->start_mark.column + 1);
	if (len < 0 || (size_t)len >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + len, c->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static yaml_node_t *node_at(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar without NUL bytes (libyaml allows "\0" escapes). */
static int want_scalar(struct ctx *c, const yaml_node_t *n, const char *what, const char **ret)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return n ? fail(c, n, "%s must be a string", what) : -EINVAL;
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return fail(c, n, "%s holds a NUL byte", what);
	*ret = (const char *)n->data.scalar.value;
	return 0;
}

static bool is_container_key(const char *k)
{
	for (size_t i = 0; container_keys[i]; i++)
		if (strcmp(container_keys[i], k) == 0)
			return true;
	return false;
}

static int push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	void *p = realloc(*arr, (*n + 1) * size);

	if (!p)
		return -ENOMEM;
	memset((char *)p + *n * size, 0, size);
	*arr = p;
	(*n)++;
	return 0;
}

/* Notes that key K (at KEY) WHY ("is ignored: nodes are namespaces"), once
 * per key and reason: matched by the end of the note, since the file's
 * name may hold quotes too. */
static int note_why(struct ctx *c, const yaml_node_t *key, const char *k, const char *why)
{
	char *s, *tail;
	size_t i, tlen;

	if (asprintf(&tail, ": '%s' %s", k, why) < 0)
		return -ENOMEM;
	tlen = strlen(tail);
	for (i = 0; i < c->lab->n_notes; i++) {
		size_t n = strlen(c->lab->notes[i]);

		if (n >= tlen && strcmp(c->lab->notes[i] + n - tlen, tail) == 0) {
			free(tail);
			return 0;
		}
	}
	if (asprintf(&s, "%s:%zu:%zu%s", c->file, key->start_mark.line + 1,
		     key->start_mark.column + 1, tail) < 0) {
		free(tail);
		return -ENOMEM;
	}
	free(tail);
	if (push(&c->lab->notes, &c->lab->n_notes, sizeof(char *)) < 0) {
		free(s);
		return -ENOMEM;
	}
	c->lab->notes[c->lab->n_notes - 1] = s;
	return 0;
}

static int note(struct ctx *c, const yaml_node_t *key, const char *k)
{
	return note_why(c, key, k, "is ignored: nodes are namespaces");
}

/* Checks that MAP is a mapping whose keys are strings, each once, each in
 * KEYS (or, when CONTAINER, a container-only key, noted). */
static int check_keys(struct ctx *c, yaml_node_t *map, const char *what,
		      const char *const *keys, bool container)
{
	yaml_node_pair_t *p, *q;

	if (map->type != YAML_MAPPING_NODE)
		return fail(c, map, "%s must be a mapping", what);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node_at(c, p->key);
		const char *k = scalar(kn);
		size_t i;
		int r;

		if (!k)
			return fail(c, kn, "a key in %s must be a string", what);
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			const char *k2 = scalar(node_at(c, q->key));

			if (k2 && strcmp(k, k2) == 0)
				return fail(c, kn, "duplicate key '%s' in %s", k, what);
		}
		for (i = 0; keys[i]; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i])
			continue;
		if (container && is_container_key(k)) {
			r = note(c, kn, k);
			if (r < 0)
				return r;
			continue;
		}
		return fail(c, kn, "unknown key '%s' in %s", k, what);
	}
	return 0;
}

static yaml_node_t *get(struct ctx *c, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node_at(c, p->key));

		if (k && strcmp(k, key) == 0)
			return node_at(c, p->value);
	}
	return NULL;
}

static const char *const settings_keys[] = {
	"kind", "group", "addrs", "routes", "sysctls", "exec", NULL,
};

/* A value of a mapping by its key, for the trees of struct ctx. */
struct keyed {
	const char *key;
	yaml_node_t *value;
};

static int keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static yaml_node_t *keyed_find(void *root, const char *key)
{
	struct keyed k = { key, NULL };
	void *hit = tfind(&k, &root, keyed_cmp);

	return hit ? (*(struct keyed **)hit)->value : NULL;
}

/* A setting of node N: its own, else its group's, else its kind's, else
 * the defaults' (containerlab: node < group < kind < defaults). */
static yaml_node_t *setting(struct ctx *c, yaml_node_t *node, yaml_node_t *group,
			    yaml_node_t *kind, const char *key)
{
	yaml_node_t *v;

	if ((v = get(c, node, key)) || (v = get(c, group, key)) || (v = get(c, kind, key)))
		return v;
	return get(c, c->defaults, key);
}

/* Counts one more setting of node LN (an address, route, sysctl or exec
 * line: N, whose text is LEN bytes) against LAB_SETTINGS_MAX. */
static int count_setting(struct ctx *c, const struct lab_node *ln, const yaml_node_t *n,
			 size_t len)
{
	c->settings += 64 + len;
	if (c->settings <= LAB_SETTINGS_MAX)
		return 0;
	return fail(c, n, "node '%s': the nodes' addresses, routes, sysctls and exec lines take "
			  "more than %d MiB once inherited, the limit of a lab file", ln->name,
		    LAB_SETTINGS_MAX >> 20);
}

static int dup_into(char **dst, const char *s)
{
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static int want_seq(struct ctx *c, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(c, n, "%s must be a list", what);
	return 0;
}

#define FOREACH_ITEM(c, seq, it, n)                                                     \
	for (yaml_node_item_t *it = (seq)->data.sequence.items.start;                    \
	     it < (seq)->data.sequence.items.top && ((n) = node_at((c), *it)) != NULL; it++)

/* IFNAME (a BUF of LEN bytes) of node LN, written in its kind's own naming
 * (ifalias.c), replaced by the Linux name containerlab gives it. WHAT
 * ('endpoint') and S (its text) say where, for errors. */
static int alias(struct ctx *c, const yaml_node_t *n, const struct lab_node *ln, const char *what,
		 const char *s, char *ifname, size_t len)
{
	char mapped[IF_NAMESIZE + 16];
	int r = lab_ifname_alias(ln->kind, ifname, mapped, sizeof(mapped));

	if (r == -ERANGE)
		return fail(c, n, "%s '%s': %s has no data port '%s'", what, s, ln->kind, ifname);
	if (r > 0 && strlen(mapped) < len)
		strcpy(ifname, mapped);
	return 0;
}

static int parse_addrs(struct ctx *c, struct lab_node *ln, yaml_node_t *seq)
{
	yaml_node_t *n;
	int r;

	if ((r = want_seq(c, seq, "addrs")) < 0)
		return r;
	FOREACH_ITEM(c, seq, it, n) {
		const char *s, *sp;
		char ifname[32];
		struct lab_addr *a;

		if ((r = want_scalar(c, n, "an address", &s)) < 0 ||
		    (r = count_setting(c, ln, n, strlen(s))) < 0)
			return r;
		sp = strchr(s, ' ');
		if (!sp || (size_t)(sp - s) >= sizeof(ifname))
			return fail(c, n, "address '%s': must be 'IF CIDR'", s);
		memcpy(ifname, s, (size_t)(sp - s));
		ifname[sp - s] = '\0';
		while (*sp == ' ')
			sp++;
		if ((r = alias(c, n, ln, "address", s, ifname, sizeof(ifname))) < 0)
			return r;
		if (netns_ifname_check(ifname) < 0)
			return fail(c, n, "address '%s': bad interface name '%s'", s, ifname);
		if (netns_cidr_check(sp) < 0)
			return fail(c, n, "address '%s': bad CIDR '%s'", s, sp);
		if ((r = push(&ln->addrs, &ln->n_addrs, sizeof(*ln->addrs))) < 0)
			return r;
		a = &ln->addrs[ln->n_addrs - 1];
		a->mark = n->start_mark;
		if ((r = dup_into(&a->ifname, ifname)) < 0 || (r = dup_into(&a->cidr, sp)) < 0)
			return r;
	}
	return 0;
}

static bool is_addr(const char *s)
{
	return !strchr(s, '/') && netns_cidr_check(s) == 0;
}

static int parse_routes(struct ctx *c, struct lab_node *ln, yaml_node_t *seq)
{
	yaml_node_t *n;
	int r;

	if ((r = want_seq(c, seq, "routes")) < 0)
		return r;
	FOREACH_ITEM(c, seq, it, n) {
		const char *s;
		char *copy, *tok[6], *save = NULL, *t, dev[32];
		size_t nt = 0, i;
		struct lab_route *rt;

		if ((r = want_scalar(c, n, "a route", &s)) < 0 ||
		    (r = count_setting(c, ln, n, strlen(s))) < 0)
			return r;
		if (!(copy = strdup(s)))
			return -ENOMEM;
		for (t = strtok_r(copy, " \t", &save); t && nt < 6; t = strtok_r(NULL, " \t", &save))
			tok[nt++] = t;
		r = 0;
		if (t || nt < 3 || nt % 2 == 0 ||
		    (strcmp(tok[0], "default") != 0 && netns_cidr_check(tok[0]) < 0))
			r = fail(c, n, "route '%s': must be 'DST via GW', 'DST dev IF' or both", s);
		if (r == 0 && (r = push(&ln->routes, &ln->n_routes, sizeof(*ln->routes))) == 0) {
			rt = &ln->routes[ln->n_routes - 1];
			rt->mark = n->start_mark;
			r = dup_into(&rt->dst, tok[0]);
			for (i = 1; r == 0 && i < nt; i += 2) {
				if (strcmp(tok[i], "via") == 0 && !rt->via && is_addr(tok[i + 1]))
					r = dup_into(&rt->via, tok[i + 1]);
				else if (strcmp(tok[i], "dev") == 0 && !rt->dev &&
					 strlen(tok[i + 1]) < sizeof(dev) &&
					 (r = alias(c, n, ln, "route", s,
						    strcpy(dev, tok[i + 1]), sizeof(dev))) == 0 &&
					 netns_ifname_check(dev) == 0)
					r = dup_into(&rt->dev, dev);
				else if (r == 0)
					r = fail(c, n, "route '%s': bad '%s %s'", s, tok[i], tok[i + 1]);
			}
		}
		free(copy);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Only net.* is per network namespace: anything else would change the host. */
static bool sysctl_key_ok(const char *k)
{
	if (strncmp(k, "net.", 4) != 0 || strstr(k, "..") || k[strlen(k) - 1] == '.')
		return false;
	for (const char *p = k; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

static int parse_sysctls(struct ctx *c, struct lab_node *ln, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	int r;

	if (map->type != YAML_MAPPING_NODE)
		return fail(c, map, "sysctls must be a mapping");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node_at(c, p->key), *vn = node_at(c, p->value);
		const char *k, *v;
		struct lab_sysctl *s;

		if ((r = want_scalar(c, kn, "a sysctl name", &k)) < 0 ||
		    (r = want_scalar(c, vn, "a sysctl value", &v)) < 0 ||
		    (r = count_setting(c, ln, kn, strlen(k) + strlen(v))) < 0)
			return r;
		if (!sysctl_key_ok(k))
			return fail(c, kn, "sysctl '%s': only net.* names (letters, digits, "
					   "'_', '-', '.') are per namespace", k);
		if (strpbrk(v, "\n") || !*v)
			return fail(c, vn, "sysctl '%s': value must be one non-empty line", k);
		if ((r = push(&ln->sysctls, &ln->n_sysctls, sizeof(*ln->sysctls))) < 0)
			return r;
		s = &ln->sysctls[ln->n_sysctls - 1];
		if ((r = dup_into(&s->key, k)) < 0 || (r = dup_into(&s->value, v)) < 0)
			return r;
	}
	return 0;
}

static int parse_exec(struct ctx *c, struct lab_node *ln, yaml_node_t *seq)
{
	yaml_node_t *n;
	int r;

	if ((r = want_seq(c, seq, "exec")) < 0)
		return r;
	FOREACH_ITEM(c, seq, it, n) {
		const char *s;

		if ((r = want_scalar(c, n, "an exec line", &s)) < 0 ||
		    (r = count_setting(c, ln, n, strlen(s))) < 0)
			return r;
		if ((r = push(&ln->exec, &ln->n_exec, sizeof(char *))) < 0 ||
		    (r = dup_into(&ln->exec[ln->n_exec - 1], s)) < 0)
			return r;
	}
	return 0;
}

/* containerlab's kinds that are no namespace of their own (the host's,
 * another runtime's container, a cluster) or whose ports would switch
 * nothing here (an Open vSwitch bridge): refused rather than made as a
 * plain namespace that differs silently. */
static const char *const refused_kinds[] = {
	"host", "ext-container", "k8s-kind", "ovs-bridge", NULL,
};

/* containerlab's network-mode: "none" is what every node is here (lo and
 * its links, no management interface), noted; sharing another's namespace
 * or the host's is refused; a runtime network's name is ignored, noted. */
static int network_mode(struct ctx *c, yaml_node_t *v)
{
	const char *s;
	int r;

	if ((r = want_scalar(c, v, "network-mode", &s)) < 0)
		return r;
	if (strncmp(s, "container:", 10) == 0)
		return fail(c, v, "network-mode %s: sharing another node's namespace is not "
				  "supported yet", s);
	if (strcmp(s, "host") == 0)
		return fail(c, v, "network-mode host: a node in the host's namespace is not "
				  "supported yet");
	if (strcmp(s, "none") == 0)
		return note_why(c, v, "network-mode: none",
				"is how every node is here: lo and its links, no management "
				"interface");
	return 0; /* noted with the other container keys */
}

static int parse_node(struct ctx *c, yaml_node_t *kn, yaml_node_t *vn)
{
	struct lab *lab = c->lab;
	yaml_node_t *group = NULL, *kind = NULL, *v;
	const char *name, *s, *kindname = "linux";
	struct lab_node *ln;
	char *ns;
	int r;

	if ((r = want_scalar(c, kn, "a node name", &name)) < 0)
		return r;
	if (!*name || strchr(name, ':') || strchr(name, '/') || strpbrk(name, " \t\n"))
		return fail(c, kn, "node name '%s': must not be empty or hold ':', '/' or blanks",
			    name);
	if (!(ns = lab_ns_name(lab->name, name)))
		return -ENOMEM;
	r = netns_name_check(ns);
	free(ns);
	if (r < 0)
		return fail(c, kn, "node '%s': '%s-%s' is not a valid namespace name", name,
			    lab->name, name);
	if (vn->type == YAML_SCALAR_NODE && vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!*scalar(vn) || strcmp(scalar(vn), "~") == 0 || strcmp(scalar(vn), "null") == 0))
		vn = NULL; /* "h1:" with nothing: a node with no settings */
	if (vn && (r = check_keys(c, vn, "a node", settings_keys, true)) < 0)
		return r;
	if (vn && (v = get(c, vn, "group"))) {
		if ((r = want_scalar(c, v, "group", &s)) < 0)
			return r;
		if (!(group = keyed_find(c->group_index, s)))
			return fail(c, v, "no group '%s' in topology.groups", s);
	}
	if ((v = get(c, vn, "kind")) || (v = get(c, group, "kind")) ||
	    (v = get(c, c->defaults, "kind"))) {
		if ((r = want_scalar(c, v, "kind", &kindname)) < 0)
			return r;
		kind = keyed_find(c->kind_index, kindname);
	}
	if ((r = push(&lab->nodes, &lab->n_nodes, sizeof(*lab->nodes))) < 0)
		return r;
	ln = &lab->nodes[lab->n_nodes - 1];
	if ((r = dup_into(&ln->name, name)) < 0 || (r = dup_into(&ln->kind, kindname)) < 0)
		return r;
	for (size_t i = 0; refused_kinds[i]; i++)
		if (strcmp(kindname, refused_kinds[i]) == 0)
			return fail(c, v, "kind %s is not supported yet", kindname);
	ln->type = lab_kind_find(kindname);
	if (ln->type->name_ok && !ln->type->name_ok(name))
		return fail(c, kn, "%s '%s': %s", ln->type->name, name, ln->type->name_rule);
	if ((v = setting(c, vn, group, kind, "network-mode")) && (r = network_mode(c, v)) < 0)
		return r;
	if ((v = setting(c, vn, group, kind, "addrs")) && (r = parse_addrs(c, ln, v)) < 0)
		return r;
	if ((v = setting(c, vn, group, kind, "routes")) && (r = parse_routes(c, ln, v)) < 0)
		return r;
	if ((v = setting(c, vn, group, kind, "sysctls")) && (r = parse_sysctls(c, ln, v)) < 0)
		return r;
	if ((v = setting(c, vn, group, kind, "exec")) && (r = parse_exec(c, ln, v)) < 0)
		return r;
	return 0;
}

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r || (!x->ifname && !y->ifname))
		return r;
	if (!x->ifname || !y->ifname)
		return x->ifname ? 1 : -1;
	return strcmp(x->ifname, y->ifname);
}

/* Records node NODE, or its interface IFNAME, in ROOT. */
static int index_add(void **root, const char *name, const char *ifname, size_t node)
{
	struct named *k = malloc(sizeof(*k));

	if (!k)
		return -ENOMEM;
	*k = (struct named){ name, ifname, node };
	if (!tsearch(k, root, named_cmp)) {
		free(k);
		return -ENOMEM;
	}
	return 0;
}

static ssize_t find_node(struct ctx *c, const char *name, size_t len)
{
	char buf[256];
	struct named key = { buf, NULL, 0 }, **hit;

	if (len >= sizeof(buf)) /* longer than any node name can be */
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	hit = tfind(&key, &c->node_index, named_cmp);
	return hit ? (ssize_t)(*hit)->node : -1;
}

/* Does node I have interface IFNAME (an endpoint, its bridge, or lo)? */
static bool has_if(struct ctx *c, size_t i, const char *ifname)
{
	const struct lab_node *n = &c->lab->nodes[i];
	struct named key = { n->name, ifname, i };

	if (strcmp(ifname, "lo") == 0 || (n->type->ports && strcmp(ifname, n->name) == 0))
		return true;
	return tfind(&key, &c->if_index, named_cmp) != NULL;
}

static int parse_end_at(struct ctx *c, yaml_node_t *n, const char *s, struct lab_end *end);

/* A MAC address as containerlab's endpoint 'mac' takes it: six pairs of
 * hex digits joined by ':'. */
static bool mac_ok(const char *s)
{
	for (int i = 0; i < 6; i++, s += 3) {
		if (!strchr("0123456789abcdefABCDEF", s[0]) || !s[0] ||
		    !strchr("0123456789abcdefABCDEF", s[1]) || !s[1])
			return false;
		if (s[2] != (i < 5 ? ':' : '\0'))
			return false;
	}
	return true;
}

/* Address CIDR (at N) on end E of link L: the end's own when it has none
 * yet, else one more of its node's. FAMILY_V6: it must be IPv6 ('ipv6'),
 * else IPv4 ('ipv4'); "" is no address (that end has none). */
static int end_addr(struct ctx *c, struct lab_link *l, int e, yaml_node_t *n, const char *what,
		    bool family_v6)
{
	struct lab_end *end = &l->end[e];
	struct lab_node *ln = &c->lab->nodes[end->node];
	struct lab_addr *a;
	const char *cidr;
	int r;

	if ((r = want_scalar(c, n, what, &cidr)) < 0)
		return r;
	if (!*cidr)
		return 0;
	if (netns_cidr_check(cidr) < 0 || !strchr(cidr, '/') || !strchr(cidr, ':') != !family_v6)
		return fail(c, n, "%s '%s': must be an %s CIDR", what, cidr,
			    family_v6 ? "IPv6" : "IPv4");
	if (!end->cidr)
		return dup_into(&end->cidr, cidr);
	if ((r = count_setting(c, ln, n, strlen(cidr))) < 0 ||
	    (r = push(&ln->addrs, &ln->n_addrs, sizeof(*ln->addrs))) < 0)
		return r;
	a = &ln->addrs[ln->n_addrs - 1];
	a->mark = n->start_mark;
	if ((r = dup_into(&a->ifname, end->ifname)) < 0)
		return r;
	return dup_into(&a->cidr, cidr);
}

/* An endpoint: "NODE:IF[:CIDR]", or containerlab's extended form, a mapping
 * {node: NODE, interface: IF, mac: MAC}; netns reads 'ipv4' and 'ipv6' (an
 * address each) there too. */
static int parse_end(struct ctx *c, yaml_node_t *n, struct lab_link *l, int e)
{
	static const char *const keys[] = { "node", "interface", "mac", "vars", "ipv4", "ipv6",
					    NULL };
	struct lab_end *end = &l->end[e];
	const char *s, *node, *ifname, *mac;
	yaml_node_t *v, *v2;
	char *joined;
	int r;

	if (n->type != YAML_MAPPING_NODE) {
		if ((r = want_scalar(c, n, "an endpoint", &s)) < 0)
			return r;
		return parse_end_at(c, n, s, end);
	}
	if ((r = check_keys(c, n, "an endpoint", keys, false)) < 0)
		return r;
	if (!get(c, n, "node") || !get(c, n, "interface"))
		return fail(c, n, "an endpoint needs 'node' and 'interface'");
	if ((r = want_scalar(c, get(c, n, "node"), "node", &node)) < 0 ||
	    (r = want_scalar(c, get(c, n, "interface"), "interface", &ifname)) < 0)
		return r;
	if (strchr(node, ':') || strchr(ifname, ':'))
		return fail(c, n, "endpoint '%s:%s': a name holds ':'", node, ifname);
	if (asprintf(&joined, "%s:%s", node, ifname) < 0)
		return -ENOMEM;
	r = parse_end_at(c, n, joined, end);
	free(joined);
	if (r < 0)
		return r;
	if ((v = get(c, n, "mac"))) {
		if ((r = want_scalar(c, v, "mac", &mac)) < 0)
			return r;
		if (!mac_ok(mac))
			return fail(c, v, "mac '%s': must be six hex pairs joined by ':'", mac);
		if ((r = dup_into(&end->mac, mac)) < 0 ||
		    (r = note_why(c, v, "mac", "is read, not applied yet: interfaces get the "
					       "kernel's MAC")) < 0)
			return r;
	}
	/* containerlab's endpoint vars: its ipv4 and ipv6 are the addresses
	 * the node's config gives the interface; here, the interface's own. */
	if ((v = get(c, n, "vars")) && v->type != YAML_MAPPING_NODE)
		return fail(c, v, "vars must be a mapping");
	for (int i = 0; i < 2; i++) {
		yaml_node_t *map = i ? v : n;

		if (!map)
			continue;
		if ((v2 = get(c, map, "ipv4")) && (r = end_addr(c, l, e, v2, "ipv4", false)) < 0)
			return r;
		if ((v2 = get(c, map, "ipv6")) && (r = end_addr(c, l, e, v2, "ipv6", true)) < 0)
			return r;
	}
	return 0;
}

static int parse_end_at(struct ctx *c, yaml_node_t *n, const char *s, struct lab_end *end)
{
	const struct lab_link_form *form;
	const char *colon, *rest;
	char ifname[32];
	ssize_t node;
	size_t iflen;
	int r;

	colon = strchr(s, ':');
	if (!colon)
		return fail(c, n, "endpoint '%s': must be 'NODE:IF' or 'NODE:IF:CIDR'", s);
	/* containerlab's short forms of its other link types: "host:IF"... */
	if ((form = lab_link_form_short(s, (size_t)(colon - s))))
		return fail(c, n, "link type %s is not supported yet (endpoint '%s')", form->type,
			    s);
	/* ... and "container:NAME:IF", a container the lab does not make. */
	if (colon - s == 9 && strncmp(s, "container", 9) == 0 && find_node(c, s, 9) < 0)
		return fail(c, n, "endpoint '%s': a link to a container outside the lab is not "
				  "supported yet", s);
	node = find_node(c, s, (size_t)(colon - s));
	if (node < 0)
		return fail(c, n, "endpoint '%s': no node '%.*s' in topology.nodes", s,
			    (int)(colon - s), s);
	rest = strchr(colon + 1, ':');
	iflen = rest ? (size_t)(rest - colon - 1) : strlen(colon + 1);
	if (iflen >= sizeof(ifname))
		return fail(c, n, "endpoint '%s': bad interface name", s);
	memcpy(ifname, colon + 1, iflen);
	ifname[iflen] = '\0';
	if ((r = alias(c, n, &c->lab->nodes[node], "endpoint", s, ifname, sizeof(ifname))) < 0)
		return r;
	if (netns_ifname_check(ifname) < 0 || strcmp(ifname, "lo") == 0)
		return fail(c, n, "endpoint '%s': bad interface name '%s'", s, ifname);
	if (c->lab->nodes[node].type->ports && strcmp(ifname, c->lab->nodes[node].name) == 0)
		return fail(c, n, "endpoint '%s': '%s' is the bridge itself", s, ifname);
	if (has_if(c, (size_t)node, ifname))
		return fail(c, n, "endpoint '%s': duplicate interface '%s' on node '%s'", s,
			    ifname, c->lab->nodes[node].name);
	if (rest && netns_cidr_check(rest + 1) < 0)
		return fail(c, n, "endpoint '%s': bad CIDR '%s'", s, rest + 1);
	end->node = (size_t)node;
	if ((r = dup_into(&end->ifname, ifname)) < 0 ||
	    (r = index_add(&c->if_index, c->lab->nodes[node].name, end->ifname, (size_t)node)) < 0)
		return r;
	return rest ? dup_into(&end->cidr, rest + 1) : 0;
}

/* Link-level 'ipv4' or 'ipv6' (KEY) of mapping N, the link or its vars: a
 * list of two addresses, one for each end in order ("" for none). */
static int link_addrs(struct ctx *c, struct lab_link *l, yaml_node_t *n, const char *key)
{
	yaml_node_t *seq = get(c, n, key);
	int r;

	if (!seq)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE ||
	    seq->data.sequence.items.top - seq->data.sequence.items.start != 2)
		return fail(c, seq, "%s must be a list of two addresses, one for each end", key);
	for (int e = 0; e < 2; e++)
		if ((r = end_addr(c, l, e, node_at(c, seq->data.sequence.items.start[e]), key,
				  key[3] == '6')) < 0)
			return r;
	return 0;
}

/* containerlab's 'vars' and 'labels' of a link: read (a mapping); of the
 * vars, ipv4 and ipv6 are used (link_addrs()), the rest by nothing here. */
static int link_meta(struct ctx *c, yaml_node_t *n, const char *key)
{
	yaml_node_t *v = get(c, n, key);

	if (v && v->type != YAML_MAPPING_NODE)
		return fail(c, v, "%s must be a mapping", key);
	return 0;
}

static int parse_link(struct ctx *c, yaml_node_t *n)
{
	const struct lab_link_form *form = lab_link_form_find("veth");
	struct lab *lab = c->lab;
	const struct lab_link_type *type = lab_link_type_find(NULL);
	struct lab_link *ll;
	yaml_node_t *eps, *v;
	const char *s;
	char *end;
	int r;

	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "a link must be a mapping");
	/* containerlab's extended links: its types (file-link.c), made when
	 * link.c's table holds them. */
	if ((v = get(c, n, "type"))) {
		if ((r = want_scalar(c, v, "type", &s)) < 0)
			return r;
		if (!(form = lab_link_form_find(s)))
			return fail(c, v, "link type '%s': containerlab has veth, host, mgmt-net, "
					  "macvlan, vxlan, vxlan-stitch and dummy", s);
		if (!(type = lab_link_type_find(s)))
			return fail(c, v, "link type %s is not supported yet", s);
	}
	if ((r = check_keys(c, n, "a link", form->keys, false)) < 0 ||
	    (r = link_meta(c, n, "vars")) < 0 || (r = link_meta(c, n, "labels")) < 0)
		return r;
	eps = get(c, n, "endpoints");
	if (!eps)
		return fail(c, n, "a link needs 'endpoints'");
	if (eps->type != YAML_SEQUENCE_NODE ||
	    eps->data.sequence.items.top - eps->data.sequence.items.start != 2)
		return fail(c, eps, "endpoints must be a list of two 'NODE:IF'");
	if ((r = push(&lab->links, &lab->n_links, sizeof(*lab->links))) < 0)
		return r;
	ll = &lab->links[lab->n_links - 1];
	ll->type = type;
	ll->end[0].node = ll->end[1].node = (size_t)-1;
	for (int e = 0; e < 2; e++) {
		yaml_node_t *en = node_at(c, eps->data.sequence.items.start[e]);

		if ((r = parse_end(c, en, ll, e)) < 0) {
			/* Undone whole: a link is kept only with both ends. */
			for (int f = 0; f < 2; f++) {
				free(ll->end[f].ifname);
				free(ll->end[f].cidr);
				free(ll->end[f].mac);
			}
			lab->n_links--;
			return r;
		}
	}
	/* containerlab's vars: {ipv4: [A, B], ipv6: [...]} are the addresses
	 * the nodes' configs give the ends; here, the ends' own. */
	v = get(c, n, "vars");
	if ((r = link_addrs(c, ll, n, "ipv4")) < 0 || (r = link_addrs(c, ll, n, "ipv6")) < 0 ||
	    (r = link_addrs(c, ll, v, "ipv4")) < 0 || (r = link_addrs(c, ll, v, "ipv6")) < 0)
		return r;
	ll->mtu = LAB_LINK_MTU;
	if ((v = get(c, n, "mtu"))) {
		unsigned long mtu;

		if ((r = want_scalar(c, v, "mtu", &s)) < 0)
			return r;
		errno = 0;
		mtu = strtoul(s, &end, 10);
		if (*s < '0' || *s > '9' || *end || errno || mtu < 68 || mtu > 65535)
			return fail(c, v, "mtu '%s': must be a number from 68 to 65535", s);
		ll->mtu = (unsigned)mtu;
	}
	return 0;
}

/* Checks kinds or groups, MAP, and records each entry in *INDEX (the first
 * of a key given twice, as get() would find it). */
static int check_settings_map(struct ctx *c, yaml_node_t *map, const char *what, void **index)
{
	yaml_node_pair_t *p;
	int r;

	if (!map)
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(c, map, "%s must be a mapping", what);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node_at(c, p->key), *vn = node_at(c, p->value);
		struct keyed *k, **hit;

		if (!scalar(kn))
			return fail(c, kn, "a key in %s must be a string", what);
		if ((r = check_keys(c, vn, what, settings_keys, true)) < 0)
			return r;
		if (!(k = malloc(sizeof(*k))))
			return -ENOMEM;
		*k = (struct keyed){ scalar(kn), vn };
		hit = tsearch(k, index, keyed_cmp);
		if (!hit || *hit != k)
			free(k);
		if (!hit)
			return -ENOMEM;
	}
	return 0;
}

static int parse_doc(struct ctx *c)
{
	static const char *const top_keys[] = { "name", "topology", NULL };
	static const char *const topo_keys[] = { "nodes", "links", "defaults", "kinds", "groups",
						 NULL };
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *topo, *nodes, *links, *v;
	yaml_node_pair_t *p;
	yaml_node_t *n;
	const char *name;
	int r;

	if (!root)
		return fail(c, &(yaml_node_t){ 0 }, "the file is empty");
	if (root->type != YAML_MAPPING_NODE)
		return fail(c, root, "the file must be a mapping with 'name' and 'topology'");
	/* containerlab's top-level keys that mean nothing to namespaces. */
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node_at(c, p->key);
		const char *k = scalar(kn);

		if (!k)
			return fail(c, kn, "a key in the file must be a string");
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++)
			if (scalar(node_at(c, q->key)) && strcmp(scalar(node_at(c, q->key)), k) == 0)
				return fail(c, kn, "duplicate key '%s' in the file", k);
		if (strcmp(k, "prefix") == 0 || strcmp(k, "mgmt") == 0 ||
		    strcmp(k, "settings") == 0 || strcmp(k, "debug") == 0) {
			if ((r = note(c, kn, k)) < 0)
				return r;
		} else if (strcmp(k, top_keys[0]) != 0 && strcmp(k, top_keys[1]) != 0) {
			return fail(c, kn, "unknown key '%s' in the file", k);
		}
	}
	v = get(c, root, "name");
	if (!v)
		return fail(c, root, "the file has no 'name'");
	if ((r = want_scalar(c, v, "name", &name)) < 0)
		return r;
	if (!*name || strchr(name, '/') || strpbrk(name, " \t\n") || netns_name_check(name) < 0 ||
	    name[0] == '.')
		return fail(c, v, "lab name '%s': must be a namespace name (no '/', blanks or "
				  "leading '.')", name);
	if ((r = dup_into(&c->lab->name, name)) < 0)
		return r;
	topo = get(c, root, "topology");
	if (!topo)
		return fail(c, root, "the file has no 'topology'");
	if ((r = check_keys(c, topo, "topology", topo_keys, false)) < 0)
		return r;
	c->defaults = get(c, topo, "defaults");
	c->kinds = get(c, topo, "kinds");
	c->groups = get(c, topo, "groups");
	if (c->defaults && (r = check_keys(c, c->defaults, "defaults", settings_keys, true)) < 0)
		return r;
	if ((r = check_settings_map(c, c->kinds, "kinds", &c->kind_index)) < 0 ||
	    (r = check_settings_map(c, c->groups, "groups", &c->group_index)) < 0)
		return r;
	nodes = get(c, topo, "nodes");
	if (!nodes)
		return fail(c, topo, "topology has no 'nodes'");
	if (nodes->type != YAML_MAPPING_NODE)
		return fail(c, nodes, "nodes must be a mapping");
	for (p = nodes->data.mapping.pairs.start; p < nodes->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node_at(c, p->key);

		if (kn && scalar(kn) && find_node(c, scalar(kn), strlen(scalar(kn))) >= 0)
			return fail(c, kn, "duplicate node '%s'", scalar(kn));
		if ((r = parse_node(c, kn, node_at(c, p->value))) < 0 ||
		    (r = index_add(&c->node_index, c->lab->nodes[c->lab->n_nodes - 1].name, NULL,
				   c->lab->n_nodes - 1)) < 0)
			return r;
	}
	links = get(c, topo, "links");
	if (links) {
		if ((r = want_seq(c, links, "links")) < 0)
			return r;
		FOREACH_ITEM(c, links, it, n) {
			if ((r = parse_link(c, n)) < 0)
				return r;
		}
	}
	/* Addresses and routes name interfaces that exist once links do. */
	for (size_t i = 0; i < c->lab->n_nodes; i++) {
		struct lab_node *ln = &c->lab->nodes[i];
		/* An inherited setting is reported where it is written, with
		 * the node it failed for. */
		for (size_t a = 0; a < ln->n_addrs; a++)
			if (!has_if(c, i, ln->addrs[a].ifname))
				return fail(c, &(yaml_node_t){ .start_mark = ln->addrs[a].mark },
					    "node '%s': address '%s %s': no interface '%s'",
					    ln->name, ln->addrs[a].ifname, ln->addrs[a].cidr,
					    ln->addrs[a].ifname);
		for (size_t a = 0; a < ln->n_routes; a++)
			if (ln->routes[a].dev && !has_if(c, i, ln->routes[a].dev))
				return fail(c, &(yaml_node_t){ .start_mark = ln->routes[a].mark },
					    "node '%s': route to '%s': no interface '%s'",
					    ln->name, ln->routes[a].dst, ln->routes[a].dev);
	}
	return 0;
}

/* libyaml's reason for refusing the stream, as "FILE:LINE:COL: YAML: ...". */
static int yaml_fail(yaml_parser_t *parser, const char *file, char *err, size_t errlen)
{
	if (parser->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	snprintf(err, errlen, "%s:%zu:%zu: YAML: %s%s%s", file, parser->problem_mark.line + 1,
		 parser->problem_mark.column + 1, parser->problem ? parser->problem : "syntax error",
		 parser->context ? " " : "", parser->context ? parser->context : "");
	return -EINVAL;
}

/* Reads the stream's events once, before the document is built: a second
 * document, or values nested deeper than LAB_DEPTH_MAX, are refused there,
 * where reading up to the limit costs little (libyaml's loader would spend
 * quadratic time on the nesting, then silently drop every document but
 * the first). */
static int prescan(const char *buf, size_t len, const char *file, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t depth = 0, docs = 0;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (r == 0) {
		yaml_event_type_t type;
		yaml_mark_t mark;

		if (!yaml_parser_parse(&parser, &ev)) {
			r = yaml_fail(&parser, file, err, errlen);
			break;
		}
		type = ev.type;
		mark = ev.start_mark;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
			r = fail(&(struct ctx){ .file = file, .err = err, .errlen = errlen },
				 &(yaml_node_t){ .start_mark = mark },
				 "a second YAML document: a lab file holds one");
		else if ((type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) &&
			 ++depth > LAB_DEPTH_MAX)
			r = fail(&(struct ctx){ .file = file, .err = err, .errlen = errlen },
				 &(yaml_node_t){ .start_mark = mark },
				 "nested deeper than %d levels, the limit of a lab file",
				 LAB_DEPTH_MAX);
		else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT)
			depth--;
	}
	yaml_parser_delete(&parser);
	return r;
}

int lab_parse(const char *buf, size_t len, const char *file, struct lab **ret, char *err,
	      size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = { .doc = &doc, .file = file, .err = err, .errlen = errlen };
	char *expanded = NULL;
	size_t line = 0, col = 0;
	const char *why = NULL, *tmpl;
	int r;

	if (errlen)
		err[0] = '\0';
	if (len > LAB_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes (%d MiB), the limit of a lab file",
			 file, LAB_FILE_MAX, LAB_FILE_MAX >> 20);
		return -EINVAL;
	}
	/* containerlab runs the text through Go's text/template first: any
	 * "{{" is a template action to it, even in a comment. */
	if ((tmpl = memmem(buf, len, "{{", 2))) {
		for (const char *q = buf; q < tmpl; q++, col++)
			if (*q == '\n')
				line++, col = (size_t)-1;
		snprintf(err, errlen, "%s:%zu:%zu: a Go template ('{{'): templated files are not "
				      "supported yet", file, line + 1, col + 1);
		return -EINVAL;
	}
	/* containerlab expands variables in the text, before YAML. */
	r = lab_env_expand(buf, len, &expanded, &len, &line, &col, &why);
	if (r == -EINVAL)
		snprintf(err, errlen, "%s:%zu:%zu: %s", file, line, col, why);
	else if (r == -E2BIG)
		snprintf(err, errlen, "%s: larger than %d bytes (%d MiB) once its variables are "
				      "expanded, the limit of a lab file", file, LAB_FILE_MAX,
			 LAB_FILE_MAX >> 20);
	if (r < 0)
		return r == -E2BIG ? -EINVAL : r;
	if (expanded)
		buf = expanded;
	if ((r = prescan(buf, len, file, err, errlen)) < 0) {
		free(expanded);
		return r;
	}
	c.lab = calloc(1, sizeof(*c.lab));
	if (!c.lab || !yaml_parser_initialize(&parser)) {
		free(c.lab);
		free(expanded);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = yaml_fail(&parser, file, err, errlen);
		yaml_parser_delete(&parser);
		lab_free(c.lab);
		free(expanded);
		return r;
	}
	r = parse_doc(&c);
	tdestroy(c.node_index, free);
	tdestroy(c.if_index, free);
	tdestroy(c.group_index, free);
	tdestroy(c.kind_index, free);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(expanded);
	if (r < 0) {
		lab_free(c.lab);
		return r;
	}
	*ret = c.lab;
	return 0;
}

void lab_free(struct lab *lab)
{
	if (!lab)
		return;
	for (size_t i = 0; i < lab->n_nodes; i++) {
		struct lab_node *n = &lab->nodes[i];

		free(n->name);
		free(n->kind);
		for (size_t j = 0; j < n->n_addrs; j++) {
			free(n->addrs[j].ifname);
			free(n->addrs[j].cidr);
		}
		free(n->addrs);
		for (size_t j = 0; j < n->n_routes; j++) {
			free(n->routes[j].dst);
			free(n->routes[j].via);
			free(n->routes[j].dev);
		}
		free(n->routes);
		for (size_t j = 0; j < n->n_sysctls; j++) {
			free(n->sysctls[j].key);
			free(n->sysctls[j].value);
		}
		free(n->sysctls);
		for (size_t j = 0; j < n->n_exec; j++)
			free(n->exec[j]);
		free(n->exec);
	}
	free(lab->nodes);
	for (size_t i = 0; i < lab->n_links; i++)
		for (int e = 0; e < 2; e++) {
			free(lab->links[i].end[e].ifname);
			free(lab->links[i].end[e].cidr);
			free(lab->links[i].end[e].mac);
		}
	free(lab->links);
	for (size_t i = 0; i < lab->n_notes; i++)
		free(lab->notes[i]);
	free(lab->notes);
	free(lab->name);
	free(lab);
}

char *lab_ns_name(const char *lab, const char *node)
{
	char *s;

	return asprintf(&s, "%s-%s", lab, node) < 0 ? NULL : s;
}
