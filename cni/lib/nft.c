/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ipMasq through libnftables: map elements in one shared table (see nft.h),
 * one small atomic batch per change; ADD's elements, when their table and
 * chain are there, in an nfnetlink batch of our own (cni_nft_add_fast()). */
#include <dlfcn.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>

#include "nft.h"

#define run cni_nft_run

#define TABLE "inet netns-ptp"

/* Made by the first ADD, and again by any ADD that finds it gone. The
 * chain is flushed and refilled in the same transaction, so two ADDs making
 * it at once leave one copy of the rules; "add" of what exists is no error. */
static const char setup[] =
	"add table " TABLE "\n"
	"add map " TABLE " addr4 { type ipv4_addr : verdict; }\n"
	"add map " TABLE " addr6 { type ipv6_addr : verdict; }\n"
	"add chain " TABLE " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
	"flush chain " TABLE " postrouting\n"
	"add rule " TABLE " postrouting ip saddr vmap @addr4\n"
	"add rule " TABLE " postrouting ip6 saddr vmap @addr6\n";

static const char *const maps[] = { "addr4", "addr6" };

struct cni_nft {
	struct nft_ctx *ctx;
};

/* libnftables, loaded on first use: linked at start-up, it and its
 * libraries (libnftnl, libxtables, libgmp) cost every exec of netns-ptp
 * 0.7 ms of CPU (perf stat -r 300 of VERSION: 1.55 ms against 0.84 ms for
 * netns-ipam, which does not link it), ipMasq or not. */
static struct {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_buffer_output) *buffer_output;
	__typeof__(nft_ctx_buffer_error) *buffer_error;
	__typeof__(nft_ctx_output_set_flags) *output_set_flags;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd;
	__typeof__(nft_ctx_get_output_buffer) *get_output;
	__typeof__(nft_ctx_get_error_buffer) *get_error;
} lib;

#define LIBNFTABLES "libnftables.so.1"

static int lib_load(char *msg, size_t len)
{
	static const char *const names[] = {
		"nft_ctx_new", "nft_ctx_free", "nft_ctx_buffer_output", "nft_ctx_buffer_error",
		"nft_ctx_output_set_flags", "nft_run_cmd_from_buffer", "nft_ctx_get_output_buffer",
		"nft_ctx_get_error_buffer",
	};
	void **slots = (void **)&lib, *h;
	size_t i;

	_Static_assert(sizeof(lib) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
		       "one name per function pointer");
	if (lib.ctx_new)
		return 0;
	/* Never closed: the process is short-lived and may call it again. */
	h = dlopen(LIBNFTABLES, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return snprintf(msg, len, "ipMasq needs " LIBNFTABLES " (libnftables1): %s", dlerror()), -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		slots[i] = dlsym(h, names[i]);
		if (!slots[i]) {
			memset(&lib, 0, sizeof(lib));
			return snprintf(msg, len, LIBNFTABLES " has no %s", names[i]), -1;
		}
	}
	return 0;
}

static unsigned long long fnv64(const char *s)
{
	unsigned long long h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* One part of an owner comment, plain when short and made of characters
 * that mean nothing to nft's parser inside a quoted string. */
static void owner_part(FILE *f, const char *s, size_t max)
{
	size_t n = strlen(s);
	bool plain = n > 0 && n <= max && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						 "0123456789_.-@+=,") == n;

	if (plain)
		fputs(s, f);
	else
		fprintf(f, "~%016llx", fnv64(s));
}

/* 40 + 1 + 64 + 1 + 17 bytes at most, within nft's 128. */
void cni_nft_owner(const char *name, const char *id, const char *ifname,
		   char buf[CNI_NFT_OWNER_MAX])
{
	FILE *f = fmemopen(buf, CNI_NFT_OWNER_MAX, "w");

	if (!f) {
		snprintf(buf, CNI_NFT_OWNER_MAX, "~%016llx", fnv64(name));
		return;
	}
	owner_part(f, name, 40);
	fputc(' ', f);
	owner_part(f, id, 64);
	fputc(' ', f);
	owner_part(f, ifname, 16);
	fclose(f);
}

int cni_nft_open(struct cni_nft **ret, char *msg, size_t len)
{
	struct cni_nft *n;

	if (lib_load(msg, len) < 0)
		return -1;
	n = calloc(1, sizeof(*n));
	if (n)
		n->ctx = lib.ctx_new(NFT_CTX_DEFAULT);
	if (!n || !n->ctx) {
		free(n);
		return snprintf(msg, len, "cannot create an nftables context"), -1;
	}
	lib.buffer_output(n->ctx);
	lib.buffer_error(n->ctx);
	*ret = n;
	return 0;
}

void cni_nft_close(struct cni_nft *n)
{
	if (!n)
		return;
	lib.ctx_free(n->ctx);
	free(n);
}

int cni_nft_run(struct cni_nft *n, const char *cmd, bool json, char **out, bool *enoent,
		char *msg, size_t len)
{
	const char *o, *e;
	int r;

	lib.output_set_flags(n->ctx, json || out ? NFT_CTX_OUTPUT_JSON : 0);
	r = lib.run_cmd(n->ctx, cmd);
	o = lib.get_output(n->ctx);
	e = lib.get_error(n->ctx);
	if (!e || !*e)
		e = "error";
	if (enoent)
		*enoent = r != 0 && strstr(e, "No such file or directory");
	if (r != 0)
		return snprintf(msg, len, "nftables: %.*s", (int)strcspn(e, "\n"), e), -1;
	if (out && !(*out = strdup(o ? o : "")))
		return snprintf(msg, len, "out of memory"), -1;
	return 0;
}

/* The chain of M's network: "n4-" and the network in hex, "-" and the
 * prefix length. */
static void net_chain(const struct cni_masq *m, char buf[48])
{
	size_t i, n = m->ip.family == AF_INET ? 4 : 16;
	int o = snprintf(buf, 48, "n%c-", m->ip.family == AF_INET ? '4' : '6');

	for (i = 0; i < n; i++)
		o += snprintf(buf + o, (size_t)(48 - o), "%02x", m->net.a[i]);
	snprintf(buf + o, (size_t)(48 - o), "-%u", m->plen);
}

/* Appends the chain of each address's network, refilled. */
static void net_chains(FILE *f, const struct cni_masq *m, size_t cnt)
{
	char chain[48], net[64];
	size_t i;

	for (i = 0; i < cnt; i++) {
		bool v4 = m[i].ip.family == AF_INET;
		net_chain(&m[i], chain);
		cni_ip_format(&m[i].net, net, sizeof(net));
		fprintf(f, "add chain " TABLE " %s\n"
			   "flush chain " TABLE " %s\n"
			   "add rule " TABLE " %s %s daddr %s/%u return\n"
			   "add rule " TABLE " %s %s daddr != %s masquerade\n",
			chain, chain, chain, v4 ? "ip" : "ip6", net, m[i].plen,
			chain, v4 ? "ip" : "ip6", v4 ? "224.0.0.0/4" : "ff00::/8");
	}
}

/* Appends, for each address, "add element" (with OWNER's comment and the
 * jump to its network's chain) or "delete element" (OWNER NULL). */
static void elements(FILE *f, const struct cni_masq *m, size_t cnt, const char *owner)
{
	char ip[64], chain[48];
	size_t i;

	for (i = 0; i < cnt; i++) {
		char v = m[i].ip.family == AF_INET ? '4' : '6';
		cni_ip_format(&m[i].ip, ip, sizeof(ip));
		net_chain(&m[i], chain);
		if (owner)
			fprintf(f, "add element " TABLE " addr%c { %s comment \"%s\" : jump %s }\n", v, ip,
				owner, chain);
		else
			fprintf(f, "delete element " TABLE " addr%c { %s }\n", v, ip);
	}
}

/* Runs the batch that F (an open_memstream of *CMD) holds, then frees it. */
static int run_batch(struct cni_nft *n, FILE *f, char **cmd, bool *enoent, char *msg, size_t len)
{
	int r;

	if (fclose(f) != 0) {
		free(*cmd);
		return snprintf(msg, len, "out of memory"), -1;
	}
	r = run(n, *cmd, false, NULL, enoent, msg, len);
	free(*cmd);
	*cmd = NULL;
	return r;
}

int cni_nft_add(struct cni_nft *n, const char *owner, const struct cni_masq *m, size_t cnt,
		char *msg, size_t len)
{
	char *cmd = NULL;
	size_t sz = 0;
	bool enoent = false;
	FILE *f;
	int r;

	/* The common case: the table and the network's chain are there. */
	f = open_memstream(&cmd, &sz);
	if (!f)
		return snprintf(msg, len, "out of memory"), -1;
	elements(f, m, cnt, owner);
	r = run_batch(n, f, &cmd, &enoent, msg, len);
	if (r == 0 || !enoent)
		return r;
	/* The first of a network (or the table is gone): its chain too. */
	f = open_memstream(&cmd, &sz);
	if (!f)
		return snprintf(msg, len, "out of memory"), -1;
	fputs(setup, f);
	net_chains(f, m, cnt);
	elements(f, m, cnt, owner);
	return run_batch(n, f, &cmd, NULL, msg, len);
}

/* The NEWSETELEM of M (an element with OWNER's comment, jumping to its
 * network's chain) as libnftables 1.0.6 sends "add element": NLM_F_CREATE
 * without NLM_F_EXCL, so that an element that is there already as it would
 * be made is no error. Without OWNER, the DELSETELEM of M's element, by its
 * key, as "delete element" sends it. */
static void elem_put(struct nlmsghdr *nlh, const struct cni_masq *m, const char *owner)
{
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	struct nlattr *list, *el, *nest, *verdict;
	char chain[48], udata[2 + CNI_NFT_OWNER_MAX];
	size_t olen = owner ? strnlen(owner, CNI_NFT_OWNER_MAX - 1) + 1 : 0;
	bool v4 = m->ip.family == AF_INET;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) |
			  (owner ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (owner ? NLM_F_CREATE : 0);
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	net_chain(m, chain);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, "netns-ptp");
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, v4 ? maps[0] : maps[1]);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, v4 ? 4 : 16, m->ip.a);
	mnl_attr_nest_end(nlh, nest);
	if (!owner) {
		mnl_attr_nest_end(nlh, el);
		mnl_attr_nest_end(nlh, list);
		return;
	}
	nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
	verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
	mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
	mnl_attr_nest_end(nlh, verdict);
	mnl_attr_nest_end(nlh, nest);
	/* nftnl's user data: the comment as TLV 0 (NFTNL_UDATA_SET_ELEM_COMMENT),
	 * NUL included, as udata_comment_is() reads it back. */
	udata[0] = 0;
	udata[1] = (char)olen;
	memcpy(udata + 2, owner, olen - 1);
	udata[2 + olen - 1] = '\0';
	mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, 2 + olen, udata);
	mnl_attr_nest_end(nlh, el);
	mnl_attr_nest_end(nlh, list);
}

static void batch_mark(struct nlmsghdr *nlh, uint16_t type)
{
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
}

/*
 * ADD's or DEL's elements in one nfnetlink transaction of our own, when the
 * table, its maps and the network's chain are there: the same elements
 * libnftables makes (nft -j list shows them alike), without loading it and
 * its four libraries (1-1.5 ms of CPU) and without the six requests with
 * which it fills its cache before every command; and a DEL that costs the
 * same with 1,000 elements in the map (libnftables' "delete element" took
 * 1.5 times as long there). The kernel runs a batch within the sendmsg(),
 * so its answers are queued by the time that returns. Adds with OWNER,
 * deletes without. Returns the socket, which the caller closes (see
 * cni_nft_open() in nft.h for when), or -1 when the transaction failed as a
 * whole (nothing changed), and the caller goes the libnftables way, which
 * makes what is missing or says why it fails.
 */
/* Sends CNT messages that PUT fills in (the I-th into NLH, its header's
 * type, flags and seq left to the caller's PUT but for seq) between batch
 * begin and end, at most 64; waits for an ack of each. Returns the socket
 * or -1 when the batch failed as a whole. */
typedef void (*batch_put_fn)(struct nlmsghdr *nlh, size_t i, const void *data);

static int batch_fast(size_t cnt, batch_put_fn put, const void *data)
{
	/* libmnl writes a message before it checks the limit: twice it. */
	char buf[32768];
	struct mnl_nlmsg_batch *b;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	unsigned seq = (unsigned)time(NULL), acked = 0, i;
	int fd = -1;

	if (!cnt || cnt > 64)
		return -1;
	b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	if (!b)
		return -1;
	batch_mark(mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b)), NFNL_MSG_BATCH_BEGIN);
	((struct nlmsghdr *)mnl_nlmsg_batch_current(b))->nlmsg_seq = seq;
	mnl_nlmsg_batch_next(b);
	for (i = 0; i < cnt; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
		nlh->nlmsg_seq = seq + 1 + i;
		put(nlh, i, data);
		/* A message past the buffer's end: no batch at all. */
		if (!mnl_nlmsg_batch_next(b))
			goto fail;
	}
	batch_mark(mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b)), NFNL_MSG_BATCH_END);
	((struct nlmsghdr *)mnl_nlmsg_batch_current(b))->nlmsg_seq = seq + 1 + (unsigned)cnt;
	if (!mnl_nlmsg_batch_next(b))
		goto fail;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		goto fail;
	if (sendto(fd, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		goto fail;
	/* An ack for each element; any error means the whole was undone. */
	while (acked < cnt) {
		char rbuf[8192];
		const struct nlmsghdr *r = (const struct nlmsghdr *)rbuf;
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		int len = (int)n;

		if (n < 0)
			goto fail; /* EAGAIN: fewer answers than asked for */
		for (; mnl_nlmsg_ok(r, len); r = mnl_nlmsg_next(r, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
			if (r->nlmsg_type != NLMSG_ERROR || r->nlmsg_seq < seq || r->nlmsg_seq > seq + 1 + cnt)
				continue;
			if (mnl_nlmsg_get_payload_len(r) < sizeof(*e) || e->error != 0)
				goto fail;
			acked++;
		}
	}
	mnl_nlmsg_batch_stop(b);
	return fd;
fail:
	mnl_nlmsg_batch_stop(b);
	if (fd >= 0)
		close(fd);
	return -1;
}

struct masq_batch {
	const char *owner;
	const struct cni_masq *m;
};

static void masq_put(struct nlmsghdr *nlh, size_t i, const void *data)
{
	const struct masq_batch *mb = data;

	elem_put(nlh, &mb->m[i], mb->owner);
}

static int elems_fast(const char *owner, const struct cni_masq *m, size_t cnt)
{
	struct masq_batch mb = { .owner = owner, .m = m };

	if (cnt > 16 || (owner && strlen(owner) >= CNI_NFT_OWNER_MAX))
		return -1;
	return batch_fast(cnt, masq_put, &mb);
}

/* The DELSETELEM of element KEY of its set, as "delete element" sends it. */
static void key_del_put(struct nlmsghdr *nlh, size_t i, const void *data)
{
	const struct cni_nft_key *k = (const struct cni_nft_key *)data + i;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	struct nlattr *list, *el, *nest;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, k->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, k->set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, k->len, k->key);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, el);
	mnl_attr_nest_end(nlh, list);
}

void cni_nft_close_detached(int fd)
{
	int sync[2], nul;
	char c;
	pid_t pid;

	if (fd < 0)
		return;
	/* The child must drop the last reference, so it waits until ours
	 * is gone: the pipe's end of file. Failing that, we wait ourselves. */
	if (pipe2(sync, O_CLOEXEC) < 0) {
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* None of the runtime's pipes: /dev/null for all three, a session
		 * of its own; reaped by whoever inherits it once we exit. */
		close(sync[1]);
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
		}
		setsid();
		while (read(sync[0], &c, 1) < 0 && errno == EINTR)
			;
		close(fd);
		_exit(0);
	}
	close(sync[0]);
	close(fd);
	close(sync[1]);
}

/* The NEWSETELEM of element KEY (with its data when it has any, and its
 * owner's comment), NLM_F_CREATE without NLM_F_EXCL as "add element"
 * sends it: the same element there already is no error, the same key
 * with other data is (EEXIST). */
static void key_add_put(struct nlmsghdr *nlh, size_t i, const void *data)
{
	const struct cni_nft_key *k = (const struct cni_nft_key *)data + i;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	struct nlattr *list, *el, *nest;
	char udata[2 + CNI_NFT_OWNER_MAX];
	size_t olen = strnlen(k->owner, CNI_NFT_OWNER_MAX - 1) + 1;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, k->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, k->set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, k->len, k->key);
	mnl_attr_nest_end(nlh, nest);
	if (k->dlen) {
		nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, k->dlen, k->data);
		mnl_attr_nest_end(nlh, nest);
	}
	/* The comment as elem_put() writes it. */
	udata[0] = 0;
	udata[1] = (char)olen;
	memcpy(udata + 2, k->owner, olen - 1);
	udata[2 + olen - 1] = '\0';
	mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, 2 + olen, udata);
	mnl_attr_nest_end(nlh, el);
	mnl_attr_nest_end(nlh, list);
}

int cni_nft_keys_add_fast(const struct cni_nft_key *keys, size_t cnt)
{
	size_t i;
	int fd;

	for (i = 0; i < cnt; i++)
		if (keys[i].len > 64 || keys[i].dlen > 64 || !keys[i].owner ||
		    strlen(keys[i].owner) >= CNI_NFT_OWNER_MAX)
			return -1;
	fd = batch_fast(cnt, key_add_put, keys);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int cni_nft_keys_del_fast(const struct cni_nft_key *keys, size_t cnt)
{
	size_t i;

	for (i = 0; i < cnt; i++)
		if (keys[i].len > 64)
			return -1;
	return batch_fast(cnt, key_del_put, keys);
}

int cni_nft_add_fast(const char *owner, const struct cni_masq *m, size_t cnt)
{
	int fd = elems_fast(owner, m, cnt);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int cni_nft_del_fast(const struct cni_masq *m, size_t cnt)
{
	return elems_fast(NULL, m, cnt);
}

/* Lists the table as JSON into *RET (the caller owns it); no table is an
 * empty listing. */
static int list_table(struct cni_nft *n, json_t **ret, char *msg, size_t len)
{
	char *out = NULL;
	bool enoent;

	*ret = NULL;
	if (run(n, "list table " TABLE, true, &out, &enoent, msg, len) < 0)
		return enoent ? 0 : -1;
	*ret = json_loads(out, 0, NULL);
	free(out);
	if (!*ret)
		return snprintf(msg, len, "nftables: cannot parse the listing of table netns-ptp"), -1;
	return 0;
}

/* Calls CB for each element of the addr4 and addr6 maps in listing DOC:
 * the map, the key ("val" in nft's JSON), the owner comment ("" when none)
 * and the chain it jumps to. */
typedef int (*elem_cb)(const char *map, json_t *val, const char *comment, const char *target,
		       void *data);

static int foreach_elem(json_t *doc, elem_cb cb, void *data)
{
	json_t *it, *e;
	size_t i, j;
	int r = 0;

	json_array_foreach(json_object_get(doc, "nftables"), i, it) {
		json_t *map = json_object_get(it, "map");
		const char *name = json_string_value(json_object_get(map, "name"));
		if (!name || (strcmp(name, maps[0]) != 0 && strcmp(name, maps[1]) != 0))
			continue;
		json_array_foreach(json_object_get(map, "elem"), j, e) {
			json_t *key = json_array_get(e, 0), *val = key;
			const char *c = "", *target = json_string_value(json_object_get(
				json_object_get(json_array_get(e, 1), "jump"), "target"));
			if (json_is_object(key)) { /* with a comment */
				val = json_object_get(json_object_get(key, "elem"), "val");
				c = json_string_value(json_object_get(json_object_get(key, "elem"), "comment"));
			}
			if (val && c && target && r == 0)
				r = cb(name, val, c, target, data);
		}
	}
	return r;
}

/* Collects, as one JSON "delete element" per map, the elements CHOOSE
 * says; the targets of the others go to KEPT. */
struct doomed {
	json_t *cmds;       /* the nftables array being built */
	json_t *elems[2];   /* per map */
	json_t *kept;       /* chain names still jumped to, as object keys */
	bool (*choose)(const char *comment, const void *data);
	const void *data;
};

static int doom_cb(const char *map, json_t *val, const char *comment, const char *target, void *data)
{
	struct doomed *d = data;
	size_t s = strcmp(map, maps[0]) == 0 ? 0 : 1;

	if (!d->choose(comment, d->data))
		return json_object_set_new(d->kept, target, json_true());
	if (!d->elems[s]) {
		d->elems[s] = json_array();
		if (json_array_append_new(d->cmds, json_pack("{s:{s:{s:s, s:s, s:s, s:o}}}", "delete", "element",
							     "family", "inet", "table", "netns-ptp", "name", map,
							     "elem", d->elems[s])) < 0)
			return -1;
	}
	return json_array_append(d->elems[s], val);
}

/* Deletes the elements CHOOSE says in one transaction. With GC, then
 * deletes each network chain that no element jumps to any more, one at a
 * time: one that an ADD has just used again is refused (EBUSY) and stays. */
static int delete_chosen(struct cni_nft *n, bool (*choose)(const char *, const void *),
			 const void *data, bool gc, char *msg, size_t len)
{
	struct doomed d = { .cmds = json_array(), .kept = json_object(), .choose = choose, .data = data };
	json_t *doc = NULL, *it, *cmds;
	char *cmd;
	size_t i;
	int r;

	r = d.cmds && d.kept ? list_table(n, &doc, msg, len) : (snprintf(msg, len, "out of memory"), -1);
	if (r == 0 && doc && foreach_elem(doc, doom_cb, &d) < 0)
		r = (snprintf(msg, len, "out of memory"), -1);
	if (r == 0 && json_array_size(d.cmds)) {
		cmds = json_pack("{s:O}", "nftables", d.cmds);
		cmd = cmds ? json_dumps(cmds, JSON_COMPACT) : NULL;
		json_decref(cmds);
		r = cmd ? run(n, cmd, true, NULL, NULL, msg, len) : (snprintf(msg, len, "out of memory"), -1);
		free(cmd);
	}
	json_array_foreach(json_object_get(doc, "nftables"), i, it) {
		const char *chain = json_string_value(json_object_get(json_object_get(it, "chain"), "name"));
		char del[128], ignored[64];
		if (r < 0 || !gc || !chain || (strncmp(chain, "n4-", 3) != 0 && strncmp(chain, "n6-", 3) != 0) ||
		    json_object_get(d.kept, chain) || strlen(chain) > 64)
			continue;
		snprintf(del, sizeof(del), "delete chain " TABLE " %s", chain);
		run(n, del, false, NULL, NULL, ignored, sizeof(ignored));
	}
	json_decref(doc);
	json_decref(d.cmds);
	json_decref(d.kept);
	return r;
}

static bool is_owner(const char *comment, const void *data)
{
	return strcmp(comment, data) == 0;
}

int cni_nft_del(struct cni_nft *n, const char *owner, const struct cni_masq *m, size_t cnt,
		char *msg, size_t len)
{
	char *cmd = NULL;
	size_t sz = 0;
	bool enoent = false;
	FILE *f;

	if (!cnt)
		return delete_chosen(n, is_owner, owner, false, msg, len);
	/* An address on the container's interface is its own (the host route
	 * to it is exclusive), so the element of that address is this
	 * container's. When one is gone already the batch fails as a whole
	 * (nftables 1.0.6 has no "destroy"), and the lookup by owner removes
	 * what is left. */
	f = open_memstream(&cmd, &sz);
	if (!f)
		return snprintf(msg, len, "out of memory"), -1;
	elements(f, m, cnt, NULL);
	if (run_batch(n, f, &cmd, &enoent, msg, len) == 0)
		return 0;
	return enoent ? delete_chosen(n, is_owner, owner, false, msg, len) : -1;
}

/* CHECK asks the kernel for each element by key (NFT_MSG_GETSETELEM without
 * NLM_F_DUMP) over libmnl: libnftables 1.0.6 answers "get element" by
 * fetching the whole map first, 4 ms with 1,000 elements here. */
struct elem_q {
	const char *owner;
	bool match;
};

/* nftnl's user data: TLVs of one type byte and one length byte; the
 * element comment is type 0 (NFTNL_UDATA_SET_ELEM_COMMENT), NUL-terminated. */
static bool udata_comment_is(const uint8_t *d, size_t len, const char *want)
{
	size_t o = 0;

	while (o + 2 <= len) {
		uint8_t type = d[o], l = d[o + 1];
		if (o + 2 + l > len)
			return false;
		if (type == 0)
			return l > 0 && d[o + 2 + l - 1] == '\0' && strcmp((const char *)d + o + 2, want) == 0;
		o += 2 + (size_t)l;
	}
	return false;
}

static int elem_attr_cb(const struct nlattr *a, void *data)
{
	struct elem_q *q = data;
	const struct nlattr *b, *c;

	if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(b, a)
		mnl_attr_for_each_nested(c, b)
			if (mnl_attr_get_type(c) == NFTA_SET_ELEM_USERDATA &&
			    udata_comment_is(mnl_attr_get_payload(c), mnl_attr_get_payload_len(c), q->owner))
				q->match = true;
	return MNL_CB_OK;
}

static int elem_cb_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), elem_attr_cb, data);
}

/* 1 when element IP of its map is there with comment OWNER, 0 when not
 * (or another's), or a negative errno. */
static int elem_owned(struct mnl_socket *nl, const struct rtnl_ip *ip, const char *owner)
{
	return cni_nft_elem_owned(nl, "netns-ptp", ip->family == AF_INET ? "addr4" : "addr6", ip->a,
				  ip->family == AF_INET ? 4 : 16, owner);
}

int cni_nft_elem_owned(struct mnl_socket *nl, const char *table, const char *set, const void *k,
		       size_t klen, const char *owner)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nlattr *list, *el, *key;
	struct elem_q q = { .owner = owner };
	unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, k);
	mnl_attr_nest_end(nlh, key);
	mnl_attr_nest_end(nlh, el);
	mnl_attr_nest_end(nlh, list);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, elem_cb_msg, &q);
	} while (r == MNL_CB_OK);
	if (r < 0)
		return errno == ENOENT ? 0 : -errno;
	return q.match;
}

int cni_nft_check(struct cni_nft *n, const char *owner, const struct cni_masq *m, size_t cnt,
		  char *msg, size_t len)
{
	struct mnl_socket *nl;
	size_t i;
	int r = 1;

	(void)n;
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(msg, len, "nfnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return -1;
	}
	for (i = 0; i < cnt && r == 1; i++)
		r = elem_owned(nl, &m[i].ip, owner);
	mnl_socket_close(nl);
	if (r < 0)
		return snprintf(msg, len, "nfnetlink: %s", strerror(-r)), -1;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cni_nft_gc_init(struct cni_nft_gc *g, const char *name, const char **keep, size_t nkeep)
{
	char *sp;

	g->keep = keep;
	g->nkeep = nkeep;
	qsort(keep, nkeep, sizeof(*keep), cmp_str);
	/* The network's part of every owner comment, with its space. */
	cni_nft_owner(name, "", "", g->prefix);
	sp = strchr(g->prefix, ' ');
	if (sp)
		sp[1] = '\0';
	g->plen = strlen(g->prefix);
}

bool cni_nft_gc_doomed(const char *comment, const void *data)
{
	const struct cni_nft_gc *g = data;

	return strncmp(comment, g->prefix, g->plen) == 0 &&
	       !bsearch(&comment, g->keep, g->nkeep, sizeof(*g->keep), cmp_str);
}

int cni_nft_gc(struct cni_nft *n, const char *name, const char **keep, size_t nkeep,
	       char *msg, size_t len)
{
	struct cni_nft_gc g;

	cni_nft_gc_init(&g, name, keep, nkeep);
	return delete_chosen(n, cni_nft_gc_doomed, &g, true, msg, len);
}
