/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-ipam's commands, as a function: cni_ipam_run(). The netns-ipam
 * executable (ipam.c) is a thin wrapper around it; netns-ptp links this file
 * too and calls it in-process when ipam.type is "netns-ipam", which saves
 * an exec (and a dynamic link, a config parse) per ADD, DEL and CHECK.
 *
 * ADD reserves an address of each range set (the allocator, cni/lib/alloc.c,
 * host-local's) and adds the routes and the resolvConf's dns; DEL releases
 * by container id and interface; CHECK finds the allocation; GC releases
 * what no valid attachment owns; STATUS reports an exhausted range set
 * (code 50).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "alloc.h"
#include "ipam.h"

struct ipam {
	struct cni_env env;
	struct cni_ipam_conf conf;
	struct cni_store store;
	struct cni_alloc alloc; /* the allocator on STORE */
	json_t *config;
	const char *version;
	struct cni_err *err;
	json_t *result;     /* ADD's, handed to the caller */
	json_t *dns;        /* ADD's, read before the store is locked */
};

static int store_fail(struct ipam *p, int r, const char *what)
{
	return cni_store_fail(&p->store, r, what, p->err);
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

static json_t *alloc_json(const struct cni_alloc_ip *a)
{
	char ipbuf[64], gwbuf[64], addr[80];

	cni_ip_format(&a->ip, ipbuf, sizeof(ipbuf));
	cni_ip_format(&a->range->gateway, gwbuf, sizeof(gwbuf));
	snprintf(addr, sizeof(addr), "%s/%u", ipbuf, a->range->prefix);
	return json_pack("{s:s, s:s}", "address", addr, "gateway", gwbuf);
}

static int cmd_add(struct ipam *p)
{
	json_t *result = NULL, *ips = json_array(), *dns;
	struct cni_alloc_ip *done = calloc(p->conf.nsets ? p->conf.nsets : 1, sizeof(*done));
	size_t set;
	int r = -1;

	if (!done || !ips) {
		cni_fail(p->err, CNI_ERR_GENERIC, "out of memory");
		goto out;
	}
	if (cni_alloc_add(&p->alloc, done) < 0)
		goto out;
	for (set = 0; set < p->conf.nsets; set++)
		json_array_append_new(ips, alloc_json(&done[set]));
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
		cni_alloc_undo(&p->alloc, done, p->conf.nsets);
		goto out;
	}
	p->result = result;
	r = 0;
out:
	json_decref(ips);
	free(done);
	return r;
}

static int cmd_del(struct ipam *p)
{
	return cni_alloc_release(&p->alloc);
}

static int cmd_check(struct ipam *p)
{
	return cni_alloc_check(&p->alloc);
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
	return cni_alloc_status(&p->alloc);
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
	p->alloc = (struct cni_alloc){ .ops = &cni_store_disk_ops, .store = &p->store, .conf = &p->conf,
				       .id = p->env.containerid, .ifname = p->env.ifname, .err = p->err };
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
