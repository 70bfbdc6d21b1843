/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ipMasq through libnftables: one atomic batch per change (see nft.h). */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <nftables/libnftables.h>

#include "nft.h"

#define TABLE "inet netns-ptp"

static void chain_name(const char *name, const char *id, char buf[16])
{
	snprintf(buf, 16, "c-%08x", cni_hash(name, id));
}

/* Runs CMD; OUT (when not NULL) gets nft's JSON output, owned by the caller. */
static int run(const char *cmd, bool json, char **out, char *msg, size_t len)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int r;

	if (!ctx) {
		snprintf(msg, len, "cannot create an nftables context");
		return -1;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	r = nft_run_cmd_from_buffer(ctx, cmd);
	if (r != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		snprintf(msg, len, "nftables: %.*s", (int)strcspn(e ? e : "", "\n"), e ? e : "error");
	} else if (out) {
		const char *o = nft_ctx_get_output_buffer(ctx);
		*out = strdup(o ? o : "");
	}
	nft_ctx_free(ctx);
	return r != 0 ? -1 : 0;
}

int cni_nft_add(const char *name, const char *id, const struct cni_masq *m, size_t n,
		char *msg, size_t len)
{
	char chain[16], ip[64], net[64], *cmd = NULL;
	size_t sz = 0, i;
	FILE *f = open_memstream(&cmd, &sz);
	int r;

	if (!f)
		return snprintf(msg, len, "out of memory"), -1;
	chain_name(name, id, chain);
	fprintf(f, "add table " TABLE "\n"
		   "add map " TABLE " masq4 { type ipv4_addr : verdict; }\n"
		   "add map " TABLE " masq6 { type ipv6_addr : verdict; }\n"
		   "add chain " TABLE " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
		   "flush chain " TABLE " postrouting\n"
		   "add rule " TABLE " postrouting ip saddr vmap @masq4\n"
		   "add rule " TABLE " postrouting ip6 saddr vmap @masq6\n"
		   "add chain " TABLE " %s\n"
		   "flush chain " TABLE " %s\n", chain, chain);
	for (i = 0; i < n; i++) {
		bool v4 = m[i].ip.family == AF_INET;
		cni_ip_format(&m[i].ip, ip, sizeof(ip));
		cni_ip_format(&m[i].net, net, sizeof(net));
		fprintf(f, "add rule " TABLE " %s %s daddr %s/%u accept comment \"name: %s id: %s\"\n",
			chain, v4 ? "ip" : "ip6", net, m[i].plen, name, id);
		fprintf(f, "add rule " TABLE " %s %s daddr != %s masquerade comment \"name: %s id: %s\"\n",
			chain, v4 ? "ip" : "ip6", v4 ? "224.0.0.0/4" : "ff00::/8", name, id);
		fprintf(f, "add element " TABLE " %s { %s : jump %s }\n", v4 ? "masq4" : "masq6", ip, chain);
	}
	if (fclose(f) != 0) {
		free(cmd);
		return snprintf(msg, len, "out of memory"), -1;
	}
	r = run(cmd, false, NULL, msg, len);
	free(cmd);
	return r;
}

/* Appends "delete element" for each element of MAP that jumps to CHAIN. */
static int elements_to(FILE *f, const char *map, const char *chain, char *msg, size_t len)
{
	char cmd[128], *out = NULL;
	json_t *doc, *items, *it, *elems, *e;
	size_t i, j;

	snprintf(cmd, sizeof(cmd), "list map " TABLE " %s", map);
	if (run(cmd, true, &out, msg, len) < 0)
		return -1;
	doc = json_loads(out, 0, NULL);
	free(out);
	items = json_object_get(doc, "nftables");
	json_array_foreach(items, i, it) {
		elems = json_object_get(json_object_get(it, "map"), "elem");
		json_array_foreach(elems, j, e) {
			json_t *key = json_array_get(e, 0);
			json_t *tgt = json_object_get(json_object_get(json_array_get(e, 1), "jump"), "target");
			if (json_is_string(key) && json_is_string(tgt) &&
			    strcmp(json_string_value(tgt), chain) == 0)
				fprintf(f, "delete element " TABLE " %s { %s }\n", map, json_string_value(key));
		}
	}
	json_decref(doc);
	return 0;
}

int cni_nft_exists(const char *name, const char *id, char *msg, size_t len)
{
	char chain[16], cmd[128], *out = NULL;
	int r;

	chain_name(name, id, chain);
	snprintf(cmd, sizeof(cmd), "list chain " TABLE " %s", chain);
	r = run(cmd, false, &out, msg, len);
	free(out);
	return r < 0 ? 0 : 1;
}

/* Removes CHAIN and the map elements that jump to it. */
static int chain_del(const char *chain, char *msg, size_t len)
{
	char *cmd = NULL;
	size_t sz = 0;
	FILE *f;
	int r;

	f = open_memstream(&cmd, &sz);
	if (!f)
		return snprintf(msg, len, "out of memory"), -1;
	if (elements_to(f, "masq4", chain, msg, len) < 0 || elements_to(f, "masq6", chain, msg, len) < 0) {
		fclose(f);
		free(cmd);
		return -1;
	}
	fprintf(f, "flush chain " TABLE " %s\ndelete chain " TABLE " %s\n", chain, chain);
	if (fclose(f) != 0) {
		free(cmd);
		return snprintf(msg, len, "out of memory"), -1;
	}
	r = run(cmd, false, NULL, msg, len);
	free(cmd);
	return r;
}

int cni_nft_del(const char *name, const char *id, char *msg, size_t len)
{
	char chain[16];

	if (!cni_nft_exists(name, id, msg, len))
		return 0; /* no table or no chain: nothing of ours */
	chain_name(name, id, chain);
	return chain_del(chain, msg, len);
}

int cni_nft_gc(const char *name, const char *const *valid, size_t n, char *msg, size_t len)
{
	char prefix[300], *out = NULL, (*chains)[16];
	json_t *doc, *it;
	size_t i, j, nc = 0, plen;
	int r = 0;

	if (run("list table " TABLE, true, &out, msg, len) < 0)
		return 0; /* no table: nothing to collect */
	plen = (size_t)snprintf(prefix, sizeof(prefix), "name: %s id: ", name);
	doc = json_loads(out, 0, NULL);
	free(out);
	chains = calloc(json_array_size(json_object_get(doc, "nftables")) + 1, sizeof(*chains));
	if (!chains) {
		json_decref(doc);
		return snprintf(msg, len, "out of memory"), -1;
	}
	json_array_foreach(json_object_get(doc, "nftables"), i, it) {
		json_t *rule = json_object_get(it, "rule");
		const char *comment = json_string_value(json_object_get(rule, "comment"));
		const char *chain = json_string_value(json_object_get(rule, "chain"));
		bool keep = false;
		if (!comment || !chain || strncmp(comment, prefix, plen) != 0 || strlen(chain) >= 16)
			continue;
		for (j = 0; j < n && !keep; j++)
			keep = strcmp(comment + plen, valid[j]) == 0;
		for (j = 0; j < nc && !keep; j++)
			keep = strcmp(chains[j], chain) == 0; /* already listed */
		if (!keep)
			snprintf(chains[nc++], 16, "%s", chain);
	}
	json_decref(doc);
	for (j = 0; j < nc && r == 0; j++)
		r = chain_del(chains[j], msg, len);
	free(chains);
	return r;
}
