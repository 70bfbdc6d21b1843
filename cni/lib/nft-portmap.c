/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-portmap's table (nft-portmap.h): one batch per change, elements
 * checked by key over nfnetlink (cni_nft_elem_owned()), listings only for
 * a DEL that knows nothing of its ports and for GC. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <libmnl/libmnl.h>

#include "nft-portmap.h"

#define NAME "netns-portmap"
#define TABLE "inet " NAME

/* Made by the first ADD, and again by any ADD that finds it gone; the
 * chains are flushed and refilled in the same transaction, so two ADDs
 * making it at once leave one copy of the rules. */
static const char setup[] =
	"add table " TABLE "\n"
	"add map " TABLE " dnat4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"add map " TABLE " dnat4any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"add map " TABLE " dnat6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	"add map " TABLE " dnat6any { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	"add set " TABLE " hairpin4 { type ipv4_addr . ipv4_addr; }\n"
	"add set " TABLE " hairpin6 { type ipv6_addr . ipv6_addr; }\n"
	"add set " TABLE " local4 { type ipv4_addr; }\n"
	"add chain " TABLE " published\n"
	"add chain " TABLE " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
	"add chain " TABLE " output { type nat hook output priority -100; policy accept; }\n"
	"add chain " TABLE " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
	"flush chain " TABLE " published\n"
	"flush chain " TABLE " prerouting\n"
	"flush chain " TABLE " output\n"
	"flush chain " TABLE " postrouting\n"
	/* Only packets to an address of the host, as the reference's
	 * "-m addrtype --dst-type LOCAL": 127.0.0.1 is one. */
	"add rule " TABLE " prerouting fib daddr type local jump published\n"
	"add rule " TABLE " output fib daddr type local jump published\n"
	/* A key that is not in a map makes its rule no match: the next
	 * one is tried. The address-specific maps come first. */
	"add rule " TABLE " published dnat ip addr . port to ip daddr . meta l4proto . th dport map @dnat4\n"
	"add rule " TABLE " published dnat ip addr . port to meta l4proto . th dport map @dnat4any\n"
	"add rule " TABLE " published dnat ip6 addr . port to ip6 daddr . meta l4proto . th dport map @dnat6\n"
	"add rule " TABLE " published dnat ip6 addr . port to meta l4proto . th dport map @dnat6any\n"
	"add rule " TABLE " postrouting ct status dnat ip saddr . ip daddr @hairpin4 masquerade\n"
	"add rule " TABLE " postrouting ct status dnat ip saddr 127.0.0.0/8 ip daddr @local4 masquerade\n"
	"add rule " TABLE " postrouting ct status dnat ip6 saddr . ip6 daddr @hairpin6 masquerade\n";


/* One element: its set, its key and value in nft's syntax (VAL "" in a
 * set), its key as the kernel holds it, and what it means, for CHECK. */
struct elem {
	const char *set;
	char key[160], val[96], what[200];
	uint8_t kb[32], db[32]; /* key and (a map's) value as the kernel holds them */
	size_t klen, dlen;
};

/* 0 goes on; anything else stops the walk and is returned. */
typedef int (*elem_fn)(const struct elem *e, void *data);

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : p == IPPROTO_SCTP ? "sctp" : "tcp";
}

static size_t ip_len(const struct rtnl_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

/* Appends IP, or a protocol or port each padded to a 32-bit register, to
 * the key bytes of E. */
static void kb_ip(struct elem *e, const struct rtnl_ip *ip)
{
	memcpy(e->kb + e->klen, ip->a, ip_len(ip));
	e->klen += ip_len(ip);
}

static void kb_proto_port(struct elem *e, uint8_t proto, uint16_t port)
{
	memset(e->kb + e->klen, 0, 8);
	e->kb[e->klen] = proto;
	e->kb[e->klen + 4] = (uint8_t)(port >> 8);
	e->kb[e->klen + 5] = (uint8_t)port;
	e->klen += 8;
}

static int foreach_elem(const struct cni_pm *pm, elem_fn fn, void *data)
{
	char h[48], c[48];
	size_t i;
	int r;

	for (i = 0; i < pm->nports; i++) {
		const struct cni_pm_port *p = &pm->ports[i];
		bool v4 = p->cip.family == AF_INET;
		struct elem e = { 0 };

		cni_ip_format(&p->cip, c, sizeof(c));
		if (p->host.family) {
			cni_ip_format(&p->host, h, sizeof(h));
			e.set = v4 ? "dnat4" : "dnat6";
			snprintf(e.key, sizeof(e.key), "%s . %s . %u", h, proto_name(p->proto), p->hport);
			kb_ip(&e, &p->host);
		} else {
			snprintf(h, sizeof(h), "%s", v4 ? "*" : "[*]");
			e.set = v4 ? "dnat4any" : "dnat6any";
			snprintf(e.key, sizeof(e.key), "%s . %u", proto_name(p->proto), p->hport);
		}
		kb_proto_port(&e, p->proto, p->hport);
		memcpy(e.db, p->cip.a, ip_len(&p->cip));
		e.db[ip_len(&p->cip)] = (uint8_t)(p->cport >> 8);
		e.db[ip_len(&p->cip) + 1] = (uint8_t)p->cport;
		e.dlen = ip_len(&p->cip) + 4;
		snprintf(e.val, sizeof(e.val), "%s . %u", c, p->cport);
		snprintf(e.what, sizeof(e.what), "host port %s:%u/%s to %s port %u", h, p->hport,
			 proto_name(p->proto), c, p->cport);
		if ((r = fn(&e, data)) != 0)
			return r;
	}
	for (i = 0; pm->snat && i < pm->ncips; i++) {
		const struct rtnl_ip *ip = &pm->cips[i];
		bool v4 = ip->family == AF_INET;
		struct elem e = { .set = v4 ? "hairpin4" : "hairpin6" };

		cni_ip_format(ip, c, sizeof(c));
		snprintf(e.key, sizeof(e.key), "%s . %s", c, c);
		kb_ip(&e, ip);
		kb_ip(&e, ip);
		snprintf(e.what, sizeof(e.what), "the hairpin masquerade of %s", c);
		if ((r = fn(&e, data)) != 0)
			return r;
		if (!v4)
			continue;
		e = (struct elem){ .set = "local4" };
		snprintf(e.key, sizeof(e.key), "%s", c);
		kb_ip(&e, ip);
		snprintf(e.what, sizeof(e.what), "the masquerade of 127.0.0.0/8 to %s", c);
		if ((r = fn(&e, data)) != 0)
			return r;
	}
	return 0;
}

/* Appends "add element" (with OWNER) or "delete element" (OWNER NULL) of
 * E to a batch. */
struct batch {
	FILE *f;
	const char *owner;
};

static void elem_cmd(FILE *f, const struct elem *e, const char *owner)
{
	if (!owner)
		fprintf(f, "delete element " TABLE " %s { %s }\n", e->set, e->key);
	else if (*e->val)
		fprintf(f, "add element " TABLE " %s { %s comment \"%s\" : %s }\n", e->set, e->key, owner,
			e->val);
	else
		fprintf(f, "add element " TABLE " %s { %s comment \"%s\" }\n", e->set, e->key, owner);
}

static int batch_elem(const struct elem *e, void *data)
{
	struct batch *b = data;

	elem_cmd(b->f, e, b->owner);
	return 0;
}

/* Runs the batch that F (an open_memstream of *CMD) holds, then frees it. */
static int batch_run(struct cni_nft *n, FILE *f, char **cmd, bool *enoent, char *msg, size_t len)
{
	int r;

	if (fclose(f) != 0) {
		free(*cmd);
		*cmd = NULL;
		return snprintf(msg, len, "out of memory"), -1;
	}
	r = *cmd && **cmd ? cni_nft_run(n, *cmd, false, NULL, enoent, msg, len) : 0;
	free(*cmd);
	*cmd = NULL;
	return r;
}

static int add_all(struct cni_nft *n, const struct cni_pm *pm, bool with_setup, bool *enoent,
		   char *msg, size_t len)
{
	char *cmd = NULL;
	size_t sz = 0;
	struct batch b = { .owner = pm->owner };

	b.f = open_memstream(&cmd, &sz);
	if (!b.f)
		return snprintf(msg, len, "out of memory"), -1;
	if (with_setup)
		fputs(setup, b.f);
	foreach_elem(pm, batch_elem, &b);
	return batch_run(n, b.f, &cmd, enoent, msg, len);
}

static struct mnl_socket *nfnl_open(char *msg, size_t len)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(msg, len, "nfnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/* Walks PM's elements asking the kernel for each: WANT decides what to do
 * with an element whose ownership is R (1 owned, 0 not). */
struct probe {
	struct mnl_socket *nl;
	const char *owner;
	FILE *f;            /* the batch being built, or NULL */
	int (*want)(struct probe *p, const struct elem *e, int owned);
	char *what;         /* the first element found wanting */
	size_t wlen;
	void *data;         /* WANT's own */
	int err;
};

static int probe_elem(const struct elem *e, void *data)
{
	struct probe *p = data;
	int r = cni_nft_elem_owned(p->nl, NAME, e->set, e->kb, e->klen, p->owner);

	if (r == -ENOENT) /* no such table or set */
		r = 0;
	if (r < 0) {
		p->err = r;
		return r;
	}
	return p->want(p, e, r);
}

static int probe_run(struct probe *p, const struct cni_pm *pm, char *msg, size_t len)
{
	int r;

	p->nl = nfnl_open(msg, len);
	if (!p->nl)
		return -1;
	p->owner = pm->owner;
	r = foreach_elem(pm, probe_elem, p);
	mnl_socket_close(p->nl);
	if (r < 0 && p->err)
		return snprintf(msg, len, "nfnetlink: %s", strerror(-p->err)), -1;
	return r;
}

/* A dead attachment's element of the same value: deleted and made again,
 * ours, in one transaction. */
static int want_takeover(struct probe *p, const struct elem *e, int owned)
{
	if (!owned) {
		elem_cmd(p->f, e, NULL);
		elem_cmd(p->f, e, p->owner);
	}
	return 0;
}

/* The first of PM's ports that is there as another's: the conflict. */
static int want_conflict(struct probe *p, const struct elem *e, int owned)
{
	if (owned || strncmp(e->set, "dnat", 4) != 0)
		return 0;
	snprintf(p->what, p->wlen, "%s", e->what);
	return 1;
}

/* Up to 64 elements as cni_nft_key's, their bytes copied (the walk's
 * elements do not outlive it). */
struct keys {
	struct cni_nft_key k[64];
	uint8_t kb[64][32], db[64][32];
	char set[64][16];
	size_t n;
	bool overflow;
};

static void keys_put(struct keys *o, const struct elem *e, const char *owner)
{
	if (o->n == 64) {
		o->overflow = true;
		return;
	}
	memcpy(o->kb[o->n], e->kb, e->klen);
	memcpy(o->db[o->n], e->db, e->dlen);
	snprintf(o->set[o->n], sizeof(o->set[0]), "%s", e->set);
	o->k[o->n] = (struct cni_nft_key){ .table = NAME, .set = o->set[o->n], .key = o->kb[o->n],
					   .len = e->klen, .data = o->db[o->n], .dlen = e->dlen,
					   .owner = owner };
	o->n++;
}

struct collect {
	struct keys *keys;
	const char *owner;
};

static int collect_elem(const struct elem *e, void *data)
{
	struct collect *c = data;

	keys_put(c->keys, e, c->owner);
	return 0;
}

/* The libnftables way: makes the table when it is missing; names the
 * port that is taken when one is. */
static int add_slow(struct cni_nft *n, const struct cni_pm *pm, char *msg, size_t len)
{
	struct probe p = { .want = want_conflict };
	char what[200] = "";
	bool enoent = false;

	if (add_all(n, pm, false, &enoent, msg, len) == 0)
		return 0;
	if (enoent && add_all(n, pm, true, NULL, msg, len) == 0)
		return 0;
	if (!strstr(msg, "File exists"))
		return -1;
	p.what = what;
	p.wlen = sizeof(what);
	if (probe_run(&p, pm, msg, len) == 1)
		snprintf(msg, len, "%s: the host port is published already (by another attachment, or twice in this request)", what);
	return -1;
}

int cni_pm_add(const struct cni_pm *pm, char *msg, size_t len)
{
	struct probe p = { .want = want_takeover };
	struct cni_nft *n = NULL;
	struct keys *k = calloc(1, sizeof(*k));
	struct collect c = { .keys = k, .owner = pm->owner };
	char *cmd = NULL;
	size_t sz = 0;
	bool fast;
	int r = -1;

	if (!k)
		return snprintf(msg, len, "out of memory"), -1;
	/* The common case, without libnftables (whose "add element" reads
	 * the set's elements first: ADD took 6.4 ms with none published,
	 * 12.6 ms with 5,000). */
	foreach_elem(pm, collect_elem, &c);
	fast = !k->overflow && k->n && cni_nft_keys_add_fast(k->k, k->n) == 0;
	free(k);
	if (!fast && (cni_nft_open(&n, msg, len) < 0 || add_slow(n, pm, msg, len) < 0))
		goto out;
	p.f = open_memstream(&cmd, &sz);
	if (!p.f) {
		snprintf(msg, len, "out of memory");
		goto out;
	}
	if (probe_run(&p, pm, msg, len) < 0 || fflush(p.f) != 0)
		goto out;
	if (sz && !n && cni_nft_open(&n, msg, len) < 0)
		goto out;
	r = batch_run(n, p.f, &cmd, NULL, msg, len);
	p.f = NULL;
out:
	if (p.f)
		fclose(p.f);
	free(cmd);
	cni_nft_close(n);
	return r;
}

static int want_delete(struct probe *p, const struct elem *e, int owned)
{
	if (!owned)
		return 0;
	elem_cmd(p->f, e, NULL);
	keys_put(p->data, e, NULL);
	return 0;
}

/* Calls CHOOSE for each element of the table's sets, from a listing, and
 * deletes those it picks in one transaction. */
static int delete_chosen(struct cni_nft *n, bool (*choose)(const char *comment, const void *data),
			 const void *data, char *msg, size_t len)
{
	json_t *doc = NULL, *cmds = json_array(), *it, *e;
	char *out = NULL, *cmd;
	bool enoent = false;
	size_t i, j;
	int r = 0;

	if (!cmds)
		return snprintf(msg, len, "out of memory"), -1;
	if (cni_nft_run(n, "list table " TABLE, true, &out, &enoent, msg, len) < 0) {
		json_decref(cmds);
		return enoent ? 0 : -1;
	}
	doc = json_loads(out, 0, NULL);
	free(out);
	if (!doc) {
		json_decref(cmds);
		return snprintf(msg, len, "nftables: cannot parse the listing of table " NAME), -1;
	}
	json_array_foreach(json_object_get(doc, "nftables"), i, it) {
		json_t *s = json_object_get(it, "map"), *doomed = json_array();
		const char *name;

		if (!s)
			s = json_object_get(it, "set");
		name = json_string_value(json_object_get(s, "name"));
		json_array_foreach(json_object_get(s, "elem"), j, e) {
			/* A map's element is [key, value]; a key with a comment is
			 * {"elem": {"val", "comment"}}. */
			json_t *k = json_is_array(e) ? json_array_get(e, 0) : e;
			json_t *el = json_object_get(k, "elem");
			const char *c = json_string_value(json_object_get(el, "comment"));
			if (el && choose(c ? c : "", data))
				json_array_append(doomed, json_object_get(el, "val"));
		}
		if (name && json_array_size(doomed))
			json_array_append_new(cmds, json_pack("{s:{s:{s:s, s:s, s:s, s:O}}}", "delete", "element",
							      "family", "inet", "table", NAME, "name", name,
							      "elem", doomed));
		json_decref(doomed);
	}
	json_decref(doc);
	if (json_array_size(cmds)) {
		json_t *top = json_pack("{s:O}", "nftables", cmds);
		cmd = top ? json_dumps(top, JSON_COMPACT) : NULL;
		json_decref(top);
		r = cmd ? cni_nft_run(n, cmd, true, NULL, NULL, msg, len) : (snprintf(msg, len, "out of memory"), -1);
		free(cmd);
	}
	json_decref(cmds);
	return r;
}

static bool is_owner(const char *comment, const void *data)
{
	return strcmp(comment, data) == 0;
}

int cni_pm_del(const struct cni_pm *pm, char *msg, size_t len)
{
	struct probe p = { .want = want_delete };
	struct keys *o = NULL;
	struct cni_nft *n = NULL;
	char *cmd = NULL;
	size_t sz = 0;
	int r = -1, fd = -1;

	if (!pm->nports && !pm->ncips) {
		if (cni_nft_open(&n, msg, len) == 0)
			r = delete_chosen(n, is_owner, pm->owner, msg, len);
		cni_nft_close(n);
		return r;
	}
	o = calloc(1, sizeof(*o));
	p.f = open_memstream(&cmd, &sz);
	if (!o || !p.f) {
		if (p.f)
			fclose(p.f);
		free(cmd);
		free(o);
		return snprintf(msg, len, "out of memory"), -1;
	}
	p.data = o;
	if (probe_run(&p, pm, msg, len) < 0)
		goto out;
	/* The common case, without libnftables: the kernel's RCU wait on
	 * closing the socket after a delete (10 ms here) is left to a
	 * process of its own; the elements are gone from the lookups when
	 * the transaction commits, before this returns. */
	if (!o->n || (!o->overflow && (fd = cni_nft_keys_del_fast(o->k, o->n)) >= 0)) {
		if (o->n)
			cni_nft_close_detached(fd);
		r = 0;
		goto out;
	}
	if (cni_nft_open(&n, msg, len) < 0)
		goto out;
	r = batch_run(n, p.f, &cmd, NULL, msg, len);
	p.f = NULL;
	cni_nft_close(n);
out:
	if (p.f)
		fclose(p.f);
	free(cmd);
	free(o);
	return r;
}

static int want_present(struct probe *p, const struct elem *e, int owned)
{
	if (owned)
		return 0;
	snprintf(p->what, p->wlen, "%s", e->what);
	return 1;
}

int cni_pm_check(const struct cni_pm *pm, char *what, size_t len)
{
	struct probe p = { .want = want_present, .what = what, .wlen = len };
	int r = probe_run(&p, pm, what, len);

	return r < 0 ? -1 : r == 1 ? 0 : 1;
}

int cni_pm_gc(struct cni_nft *n, const char *name, const char **keep, size_t nkeep, char *msg,
	      size_t len)
{
	struct cni_nft_gc g;

	cni_nft_gc_init(&g, name, keep, nkeep);
	return delete_chosen(n, cni_nft_gc_doomed, &g, msg, len);
}
