/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-ipam's commands, as a function: cni_ipam_run(). The netns-ipam
 * executable (ipam.c) is a thin wrapper around it; netns-ptp links this file
 * too and calls it in-process when ipam.type is "netns-ipam", which saves
 * an exec (and a dynamic link, a config parse) per ADD, DEL and CHECK.
 *
 * ADD hands out the next free address of each range set after the last one
 * reserved (wrapping, skipping the gateway), or the address requested for
 * that set, as host-local's allocator does; DEL releases by container id and interface; CHECK finds the allocation;
 * GC releases what no valid attachment owns; STATUS reports an exhausted
 * range set (code 50).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cni.h"
#include "../lib/store.h"
#include "ipam.h"

struct ipam {
	struct cni_env env;
	struct cni_ipam_conf conf;
	struct cni_store store;
	json_t *config;
	const char *version;
	struct cni_err *err;
	json_t *result;     /* ADD's, handed to the caller */
	json_t *dns;        /* ADD's, read before the store is locked */
};

static int store_fail(struct ipam *p, int r, const char *what)
{
	if (p->store.refused[0])
		return cni_fail(p->err, CNI_ERR_IO, "%s %s/%s: %s", what, p->store.path, p->store.refused,
				cni_store_strerror(r));
	return cni_fail(p->err, CNI_ERR_IO, "%s %s: %s", what, p->store.path, cni_store_strerror(r));
}

/* Walks range set SET from after the last reserved address, as
 * host-local's RangeIter: each range from rangeStart to rangeEnd, moving to
 * the next range (wrapping) at the end, until back where it began. Calls
 * TRY for each candidate that is not the gateway; stops when TRY returns
 * non-zero and returns that. */
static int set_walk(struct ipam *p, size_t set, int (*try)(struct ipam *, size_t, const struct cni_ip *,
							   const struct cni_range *, void *),
		    void *data)
{
	const struct cni_rangeset *rs = &p->conf.sets[set];
	struct cni_ip cur, start, last;
	size_t idx = 0, i;
	bool have_cur = false, have_start = false;
	int r;

	if (cni_store_last_reserved(&p->store, set, &last) == 0)
		for (i = 0; i < rs->n; i++)
			if (cni_range_contains(&rs->r[i], &last)) {
				idx = i;
				cur = last;
				have_cur = true;
				break;
			}
	for (;;) {
		const struct cni_range *rg = &rs->r[idx];
		if (!have_cur) {
			cur = rg->start;
			have_cur = true;
			start = cur;
			have_start = true;
		} else {
			if (cni_ip_equal(&cur, &rg->end)) {
				idx = (idx + 1) % rs->n;
				rg = &rs->r[idx];
				cur = rg->start;
			} else {
				cni_ip_next(&cur);
			}
			if (!have_start) {
				start = cur;
				have_start = true;
			} else if (cni_ip_equal(&cur, &start)) {
				return 0;
			}
		}
		if (cni_ip_equal(&cur, &rg->gateway))
			continue;
		r = try(p, set, &cur, rg, data);
		if (r)
			return r;
	}
}

struct alloc {
	struct cni_ip ip;
	const struct cni_range *range;
};

static int try_reserve(struct ipam *p, size_t set, const struct cni_ip *ip, const struct cni_range *rg,
		       void *data)
{
	struct alloc *a = data;
	int r = cni_store_reserve(&p->store, p->env.containerid, p->env.ifname, ip, set);

	if (r > 0) {
		a->ip = *ip;
		a->range = rg;
	}
	return r;
}

static int try_free(struct ipam *p, size_t set, const struct cni_ip *ip, const struct cni_range *rg,
		    void *data)
{
	(void)set, (void)rg, (void)data;
	return cni_store_has(&p->store, ip) ? 0 : 1;
}

static void set_describe(const struct cni_rangeset *rs, char *buf, size_t len)
{
	size_t i, off = 0;
	char a[64], b[64];

	buf[0] = '\0';
	for (i = 0; i < rs->n && off < len; i++) {
		cni_ip_format(&rs->r[i].start, a, sizeof(a));
		cni_ip_format(&rs->r[i].end, b, sizeof(b));
		off += (size_t)snprintf(buf + off, len - off, "%s%s-%s", i ? "," : "", a, b);
	}
}

static bool set_has(const struct cni_rangeset *rs, const struct cni_ip *ip)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (cni_range_contains(&rs->r[i], ip))
			return true;
	return false;
}

/* Which range set holds IPNAME (an address as a file name), or -1. A
 * name such as ::ffff:10.1.0.4 is the IPv4 address, as host-local's
 * RangeFor() canonicalizes it: its duplicate check counts such a file,
 * and its DEL deletes it. */
static long set_of(struct ipam *p, const char *ipname)
{
	struct cni_ip ip;
	size_t i;

	if (cni_ip_parse(ipname, &ip) < 0)
		return -1;
	cni_ip_unmap(&ip);
	for (i = 0; i < p->conf.nsets; i++)
		if (set_has(&p->conf.sets[i], &ip))
			return (long)i;
	return -1;
}

struct owned {
	struct ipam *p;
	long set;      /* -1: any */
	char ipname[64];
	size_t found;
	bool release;
	int err;
};

static int find_owned(const char *ipname, const char *id, const char *ifname, void *data)
{
	struct owned *o = data;
	struct ipam *p = o->p;
	int r;

	if (o->set >= 0 && set_of(p, ipname) != o->set)
		return 0;
	o->found++;
	snprintf(o->ipname, sizeof(o->ipname), "%s", ipname);
	if (o->release) {
		r = cni_store_release(&p->store, ipname, id, ifname);
		if (r < 0 && !o->err)
			o->err = r;
	}
	return 0;
}

static int release_all(struct ipam *p)
{
	struct owned o = { .p = p, .set = -1, .release = true };
	int r = cni_store_owned(&p->store, p->env.containerid, p->env.ifname, find_owned, &o);

	return r < 0 ? r : o.err;
}

/* The most of a resolvConf we read: a real one is a few hundred bytes. */
#define RESOLV_CONF_MAX (64 * 1024)

/* Reads ipam.resolvConf (at most RESOLV_CONF_MAX bytes, a regular file,
 * opened without blocking: /dev/zero or a FIFO would hold the store's lock
 * for ever) into *RET, a buffer the caller frees. 0, or -1 with ERR set. */
static int resolv_conf_load(struct ipam *p, char **ret)
{
	const char *path = p->conf.resolv_conf;
	size_t len = 0;
	struct stat st;
	char *buf = NULL;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cni_fail(p->err, CNI_ERR_IO, "cannot read ipam.resolvConf %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		cni_fail(p->err, CNI_ERR_IO, "cannot read ipam.resolvConf %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cni_fail(p->err, CNI_ERR_IO, "cannot read ipam.resolvConf %s: %s", path,
			 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		goto out;
	}
	buf = malloc(RESOLV_CONF_MAX + 2);
	if (!buf) {
		cni_fail(p->err, CNI_ERR_GENERIC, "out of memory");
		goto out;
	}
	/* Up to one byte past the limit, so that a file that grew is caught. */
	while (len <= RESOLV_CONF_MAX) {
		ssize_t n = read(fd, buf + len, RESOLV_CONF_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cni_fail(p->err, CNI_ERR_IO, "cannot read ipam.resolvConf %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > RESOLV_CONF_MAX) {
		cni_fail(p->err, CNI_ERR_IO, "cannot read ipam.resolvConf %s: larger than %d KiB", path,
			 RESOLV_CONF_MAX / 1024);
		goto out;
	}
	buf[len] = '\0';
	*ret = buf;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

/* The result's "dns": ipam.resolvConf's nameserver, domain, search and
 * options lines as host-local's parseResolvConf reads them (the first
 * word after nameserver and domain, all after search and options). Read
 * before the store's lock is taken; NULL with ERR set on failure. */
static json_t *dns_read(struct ipam *p)
{
	json_t *dns = json_object(), *ns = json_array(), *search = json_array(), *opts = json_array();
	char *text = NULL, *line, *lsave, *tok, *save;

	if (p->conf.resolv_conf) {
		if (resolv_conf_load(p, &text) < 0)
			goto fail;
		for (line = strtok_r(text, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
			char *key = strtok_r(line, " \t\r\f\v", &save), *first;
			if (!key || key[0] == '#' || key[0] == ';')
				continue;
			first = strtok_r(NULL, " \t\r\f\v", &save);
			if (!first)
				continue;
			if (strcmp(key, "nameserver") == 0)
				json_array_append_new(ns, json_string(first));
			else if (strcmp(key, "domain") == 0)
				json_object_set_new(dns, "domain", json_string(first));
			else if (strcmp(key, "search") == 0 || strcmp(key, "options") == 0)
				for (tok = first; tok; tok = strtok_r(NULL, " \t\r\f\v", &save))
					json_array_append_new(key[0] == 's' ? search : opts, json_string(tok));
		}
		free(text);
	}
	if (json_array_size(ns))
		json_object_set(dns, "nameservers", ns);
	if (json_array_size(search))
		json_object_set(dns, "search", search);
	if (json_array_size(opts))
		json_object_set(dns, "options", opts);
	json_decref(ns), json_decref(search), json_decref(opts);
	return dns;
fail:
	json_decref(ns), json_decref(search), json_decref(opts), json_decref(dns);
	return NULL;
}

/* Which range set each requested address goes to: WANT[set] is an index
 * into conf.requested, or -1. Host-local takes one per range set and fails
 * when one is left over; we say which, before anything is reserved. */
static int requested_assign(struct ipam *p, long *want)
{
	const struct cni_ipam_conf *c = &p->conf;
	char a[64], b[64];
	size_t i, set;

	for (set = 0; set < c->nsets; set++)
		want[set] = -1;
	for (i = 0; i < c->nrequested; i++) {
		cni_ip_format(&c->requested[i], a, sizeof(a));
		for (set = 0; set < c->nsets && !set_has(&c->sets[set], &c->requested[i]); set++)
			;
		if (set == c->nsets)
			return cni_fail(p->err, CNI_ERR_GENERIC,
					"failed to allocate all requested IPs: %s is in no range set of ipam.ranges", a);
		if (want[set] >= 0) {
			cni_ip_format(&c->requested[want[set]], b, sizeof(b));
			return cni_fail(p->err, CNI_ERR_GENERIC,
					"failed to allocate all requested IPs: %s and %s are both in range set %zu (one address per range set)",
					b, a, set);
		}
		want[set] = (long)i;
	}
	return 0;
}

/* Reserves the requested address IP in range set SET. */
static int add_requested(struct ipam *p, size_t set, const struct cni_ip *ip, struct alloc *a)
{
	const struct cni_rangeset *rs = &p->conf.sets[set];
	char ipbuf[64], desc[512];
	size_t i;
	int r;

	cni_ip_format(ip, ipbuf, sizeof(ipbuf));
	for (i = 0; i < rs->n && !cni_range_contains(&rs->r[i], ip); i++)
		;
	if (cni_ip_equal(ip, &rs->r[i].gateway))
		return cni_fail(p->err, CNI_ERR_GENERIC,
				"failed to allocate for range %zu: requested ip %s is subnet's gateway", set, ipbuf);
	r = cni_store_reserve(&p->store, p->env.containerid, p->env.ifname, ip, set);
	if (r < 0)
		return store_fail(p, r, "cannot write to");
	if (r == 0) {
		set_describe(rs, desc, sizeof(desc));
		return cni_fail(p->err, CNI_ERR_GENERIC,
				"failed to allocate for range %zu: requested IP address %s is not available in range set %s",
				set, ipbuf, desc);
	}
	a->ip = *ip;
	a->range = &rs->r[i];
	return 0;
}

/* Reserves the next free address of range set SET, unless the container
 * holds one there already (the spec forbids a duplicate allocation). */
static int add_next(struct ipam *p, size_t set, struct alloc *a)
{
	struct owned o = { .p = p, .set = (long)set };
	char desc[512];
	int r;

	r = cni_store_owned(&p->store, p->env.containerid, p->env.ifname, find_owned, &o);
	if (r < 0)
		return store_fail(p, r, "cannot read");
	if (o.found) {
		struct cni_ip ip;
		char name[64];
		/* The address as host-local names it (IPv4 for a mapped file name). */
		snprintf(name, sizeof(name), "%s", o.ipname);
		if (cni_ip_parse(o.ipname, &ip) == 0) {
			cni_ip_unmap(&ip);
			cni_ip_format(&ip, name, sizeof(name));
		}
		return cni_fail(p->err, CNI_ERR_GENERIC,
				"failed to allocate for range %zu: %s has been allocated to %s, duplicate allocation is not allowed",
				set, name, p->env.containerid);
	}
	r = set_walk(p, set, try_reserve, a);
	if (r < 0)
		return store_fail(p, r, "cannot write to");
	if (r == 0) {
		set_describe(&p->conf.sets[set], desc, sizeof(desc));
		return cni_fail(p->err, CNI_ERR_UNAVAILABLE,
				"failed to allocate for range %zu: no IP addresses available in range set: %s",
				set, desc);
	}
	return 0;
}

static json_t *alloc_json(const struct alloc *a)
{
	char ipbuf[64], gwbuf[64], addr[80];

	cni_ip_format(&a->ip, ipbuf, sizeof(ipbuf));
	cni_ip_format(&a->range->gateway, gwbuf, sizeof(gwbuf));
	snprintf(addr, sizeof(addr), "%s/%u", ipbuf, a->range->prefix);
	return json_pack("{s:s, s:s}", "address", addr, "gateway", gwbuf);
}

/* Gives back what this ADD reserved (and nothing the container held
 * before it). */
static void add_undo(struct ipam *p, const struct alloc *done, size_t n)
{
	char ipname[64];
	size_t i;

	for (i = 0; i < n; i++) {
		cni_ip_format(&done[i].ip, ipname, sizeof(ipname));
		cni_store_release(&p->store, ipname, p->env.containerid, p->env.ifname);
	}
}

static int cmd_add(struct ipam *p)
{
	json_t *result = NULL, *ips = json_array(), *dns;
	struct alloc *done = calloc(p->conf.nsets, sizeof(*done));
	long *want = calloc(p->conf.nsets, sizeof(*want));
	size_t set;
	int r = -1;

	if (!done || !want || !ips) {
		cni_fail(p->err, CNI_ERR_GENERIC, "out of memory");
		goto out;
	}
	if (requested_assign(p, want) < 0)
		goto out;
	for (set = 0; set < p->conf.nsets; set++) {
		r = want[set] >= 0 ? add_requested(p, set, &p->conf.requested[want[set]], &done[set])
				   : add_next(p, set, &done[set]);
		if (r < 0)
			goto undo;
		json_array_append_new(ips, alloc_json(&done[set]));
	}
	dns = p->dns;
	p->dns = NULL;
	result = json_pack("{s:s, s:O}", "cniVersion", "1.0.0", "ips", ips);
	if (result && p->conf.routes && json_array_size(p->conf.routes))
		json_object_set(result, "routes", p->conf.routes);
	if (!result || json_object_set_new(result, "dns", dns) < 0) {
		if (!result)
			json_decref(dns);
		json_decref(result);
		cni_fail(p->err, CNI_ERR_GENERIC, "out of memory");
		goto undo;
	}
	p->result = result;
	r = 0;
	goto out;
undo:
	r = -1;
	add_undo(p, done, set);
out:
	json_decref(ips);
	free(done);
	free(want);
	return r;
}

static int cmd_del(struct ipam *p)
{
	int r = release_all(p);

	if (r < 0)
		return store_fail(p, r, "cannot release in");
	return 0;
}

static int cmd_check(struct ipam *p)
{
	size_t set;
	int r;

	for (set = 0; set < p->conf.nsets; set++) {
		struct owned o = { .p = p, .set = (long)set };
		r = cni_store_owned(&p->store, p->env.containerid, p->env.ifname, find_owned, &o);
		if (r < 0)
			return store_fail(p, r, "cannot read");
		if (!o.found)
			return cni_fail(p->err, CNI_ERR_GENERIC,
					"netns-ipam: failed to find an address of range set %zu added by container %s, interface %s",
					set, p->env.containerid, p->env.ifname);
	}
	return 0;
}

struct gc {
	struct ipam *p;
	json_t *valid;
	int err;
};

static int gc_one(const char *ipname, const char *id, const char *ifname, void *data)
{
	struct gc *g = data;
	json_t *att;
	size_t i;
	int r;

	json_array_foreach(g->valid, i, att) {
		const char *vid = json_string_value(json_object_get(att, "containerID"));
		const char *vif = json_string_value(json_object_get(att, "ifname"));
		if (vid && strcmp(vid, id) == 0 && (!*ifname || (vif && strcmp(vif, ifname) == 0)))
			return 0;
	}
	r = cni_store_release(&g->p->store, ipname, id, ifname);
	if (r < 0 && !g->err)
		g->err = r;
	return 0;
}

static int gc_valid_parse(struct ipam *p, json_t **ret)
{
	json_t *valid = json_object_get(p->config, "cni.dev/valid-attachments"), *att;
	size_t i;

	if (!valid)
		valid = json_object_get(p->config, "cni.dev/attachments");
	if (!json_is_array(valid))
		return cni_fail(p->err, CNI_ERR_CONFIG,
				"GC needs \"cni.dev/valid-attachments\": a list of {\"containerID\", \"ifname\"}");
	json_array_foreach(valid, i, att)
		if (!json_is_object(att) || !json_is_string(json_object_get(att, "containerID")) ||
		    !json_is_string(json_object_get(att, "ifname")))
			return cni_fail(p->err, CNI_ERR_CONFIG,
					"cni.dev/valid-attachments[%zu] must be {\"containerID\": string, \"ifname\": string}", i);
	*ret = valid;
	return 0;
}

static int cmd_gc(struct ipam *p)
{
	struct gc g = { .p = p };
	int r;

	if (gc_valid_parse(p, &g.valid) < 0)
		return -1;
	r = cni_store_foreach(&p->store, gc_one, &g);
	if (r < 0 || g.err < 0)
		return store_fail(p, r < 0 ? r : g.err, "cannot release in");
	return 0;
}

static int cmd_status(struct ipam *p)
{
	char desc[512];
	size_t set;
	int r;

	for (set = 0; set < p->conf.nsets; set++) {
		r = set_walk(p, set, try_free, NULL);
		if (r == 0) {
			set_describe(&p->conf.sets[set], desc, sizeof(desc));
			return cni_fail(p->err, CNI_ERR_UNAVAILABLE,
					"no IP addresses available in range set %zu: %s", set, desc);
		}
	}
	return 0;
}

/* What cni_config_parse() checked for the executable; a caller in-process
 * may hand over a config it built itself. */
static int config_check(struct ipam *p)
{
	const char *name = json_string_value(json_object_get(p->config, "name"));

	if (!json_is_object(p->config))
		return cni_fail(p->err, CNI_ERR_DECODE, "the network config is not a JSON object");
	if (!p->version || !cni_version_supported(p->version))
		return cni_fail(p->err, CNI_ERR_VERSION, "incompatible CNI versions");
	if (!name || !cni_id_valid(name))
		return cni_fail(p->err, CNI_ERR_CONFIG,
				"the network config needs a \"name\": a letter or digit, then letters, digits, '_', '.' or '-'");
	return 0;
}

static int run(struct ipam *p)
{
	int r;

	if (p->env.cmd == CNI_VERSION)
		return 0;
	p->version = json_string_value(json_object_get(p->config, "cniVersion"));
	if (config_check(p) < 0 || cni_version_allows(p->version, p->env.cmd, p->err) < 0)
		return -1;
	if (p->env.cmd != CNI_GC && p->env.cmd != CNI_STATUS) {
		if (cni_args_check(p->env.args, cni_args_known, p->err) < 0)
			return -1;
	}
	if (cni_ipam_conf_parse(p->config, &p->conf, p->err) < 0)
		return -1;
	if (p->env.cmd == CNI_ADD && cni_ipam_requested_parse(p->config, p->env.args, &p->conf, p->err) < 0)
		return -1;
	/* Reading a file may take its time: not while holding the lock. */
	if (p->env.cmd == CNI_ADD && !(p->dns = dns_read(p)))
		return -1;
	r = cni_store_open(&p->store, p->conf.data_dir, p->conf.name);
	if (r < 0)
		return store_fail(p, r, "cannot open the store");
	switch (p->env.cmd) {
	case CNI_ADD:
		return cmd_add(p);
	case CNI_DEL:
		return cmd_del(p);
	case CNI_CHECK:
		return cmd_check(p);
	case CNI_GC:
		return cmd_gc(p);
	case CNI_STATUS:
		return cmd_status(p);
	case CNI_VERSION:
		break;
	}
	return 0;
}

int cni_ipam_run(const struct cni_env *env, json_t *config, json_t **ret, struct cni_err *err)
{
	struct ipam p = { .env = *env, .config = config, .err = err,
			  .store = CNI_STORE_INIT };
	int r = run(&p);

	cni_store_close(&p.store);
	cni_ipam_conf_free(&p.conf);
	json_decref(p.dns);
	if (ret)
		*ret = r < 0 ? NULL : p.result;
	else
		json_decref(p.result);
	return r < 0 ? -1 : 0;
}
