/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ptp's ipMasq rules, through libnftables, in a table of its own whose
 * chains are made once and shared; a container only adds and deletes one
 * map element per address:
 *
 *   table inet netns-ptp {
 *     map addr4 { type ipv4_addr : verdict }   X : jump n4-NET-PLEN
 *     map addr6 { type ipv6_addr : verdict }
 *     chain postrouting { type nat hook postrouting priority srcnat
 *       ip saddr vmap @addr4
 *       ip6 saddr vmap @addr6 }
 *     chain n4-0a4f0000-24 {                   one per container network
 *       ip daddr 10.79.0.0/24 return
 *       ip daddr != 224.0.0.0/4 masquerade }   (ff00::/8 for IPv6)
 *   }
 *
 * the reference's per-container chain (traffic from X to anything outside
 * X's network and not multicast is masqueraded), with the chain per network
 * instead of per container. Each element's comment names its owner,
 * "NETWORK ID IFNAME" (cni_nft_owner()), so that DEL and GC find exactly
 * their own. ADD sends its elements itself, one nfnetlink transaction
 * (cni_nft_add_fast()), and needs libnftables only to make the table or a
 * network's chain. Adding or deleting an element lists nothing: libnftables
 * fetches the table's maps and chains, not their elements or rules (1.0.6);
 * only the rare paths (DEL without the addresses, CHECK, GC) list the maps.
 * A network's chain stays when its last container goes (the kernel refuses
 * to delete a chain an element jumps to, so GC deletes the unused ones
 * safely while ADDs run). Measured with 1,000 elements: an add or a delete
 * costs ~0.3 ms; the same through an interval set of "X . network" (one
 * rule for all) cost ~5 ms to delete, so there is no such set. */
#ifndef NETNS_CNI_NFT_H
#define NETNS_CNI_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include "range.h"

/* One masqueraded address and its network. */
struct cni_masq {
	struct rtnl_ip ip;
	struct rtnl_ip net;
	unsigned plen;
};

/* An element comment: nft allows 128 bytes. */
#define CNI_NFT_OWNER_MAX 128

/* The owner comment of attachment (NAME, ID, IFNAME): "NAME ID IFNAME", each
 * part that is long or holds a character nft's syntax could trip on written
 * as "~" and 16 hex digits of its FNV-1a 64 hash. */
void cni_nft_owner(const char *name, const char *id, const char *ifname,
		   char buf[CNI_NFT_OWNER_MAX]);

/* What GC removes: an owner comment of network NAME that is not among KEEP,
 * the owner comments of the attachments that stay (sorted here). */
struct cni_nft_gc {
	char prefix[CNI_NFT_OWNER_MAX];
	size_t plen;
	const char *const *keep;
	size_t nkeep;
};
void cni_nft_gc_init(struct cni_nft_gc *g, const char *name, const char **keep, size_t nkeep);
/* True when COMMENT is one G removes (DATA is G). */
bool cni_nft_gc_doomed(const char *comment, const void *data);

/* A libnftables context. Closing it may wait: the kernel frees deleted
 * elements after an RCU grace period and a socket closed before that waits
 * for it (nf_tables' NETLINK_URELEASE handler flushes its destroy work), so
 * a DEL closes it last, after its other work has let the grace period pass.
 * Every function below returns 0 (or the value said) or -1 with MSG (LEN
 * bytes) set to a one-line reason. */
struct cni_nft;
int cni_nft_open(struct cni_nft **ret, char *msg, size_t len);
void cni_nft_close(struct cni_nft *n);

/* Adds OWNER's N addresses (making the table the first time). */
int cni_nft_add(struct cni_nft *n, const char *owner, const struct cni_masq *m, size_t cnt,
		char *msg, size_t len);
/* cni_nft_add() without libnftables, when the table and the chain of each
 * address's network are there (the common case): 0, or -1 when nothing was
 * added (for whatever reason: cni_nft_add() then says it). */
int cni_nft_add_fast(const char *owner, const struct cni_masq *m, size_t cnt);
/* The elements of the CNT addresses M deleted the same way, all or none:
 * the nftables socket (close it last, as a context: see above), or -1 when
 * none was deleted (one is gone already, no table: cni_nft_del() then). */
int cni_nft_del_fast(const struct cni_masq *m, size_t cnt);
/* Removes OWNER's elements: those of the CNT addresses M when given (no
 * listing; what is not there is fine), else every element whose comment is
 * OWNER. No table or set is success. */
int cni_nft_del(struct cni_nft *n, const char *owner, const struct cni_masq *m, size_t cnt,
		char *msg, size_t len);
/* 1 when each of the CNT addresses is there as OWNER's, 0 when one is not. */
int cni_nft_check(struct cni_nft *n, const char *owner, const struct cni_masq *m, size_t cnt,
		  char *msg, size_t len);
/* Runs CMD (nft's syntax, or its JSON when JSON) as one transaction; OUT
 * (when not NULL) gets the JSON output, owned by the caller. -1 with MSG
 * set to nft's first line of error; *ENOENT (when not NULL) says whether
 * that was a missing table or set. For the other tables (nft-portmap.c). */
int cni_nft_run(struct cni_nft *n, const char *cmd, bool json, char **out, bool *enoent,
		char *msg, size_t len);

/* Asks the kernel for the element KEY (KLEN bytes as its registers hold a
 * concatenation: each part padded to 4 bytes) of SET in inet table TABLE,
 * by key, over NL (a bound NETLINK_NETFILTER socket): no listing, however
 * large the set. 1 when it is there with comment OWNER, 0 when it is
 * missing or another's, or a negative errno. */
struct mnl_socket;
int cni_nft_elem_owned(struct mnl_socket *nl, const char *table, const char *set, const void *key,
		       size_t klen, const char *owner);

/* One element of a set of an inet table, by key (as cni_nft_elem_owned());
 * for an add, its data (a map's value, DLEN 0 in a set) and owner too. */
struct cni_nft_key {
	const char *table, *set;
	const void *key;
	size_t len;
	const void *data;
	size_t dlen;
	const char *owner;
};
/* Adds the CNT (at most 64) elements KEYS, with their owners' comments, in
 * one nfnetlink transaction without libnftables, when the table and sets
 * are there: 0, or -1 when none was added (no table, a key held with other
 * data, ...: the libnftables way then makes what is missing or says why). */
int cni_nft_keys_add_fast(const struct cni_nft_key *keys, size_t cnt);
/* Deletes the CNT (at most 64) elements KEYS in one nfnetlink transaction,
 * all or none, without libnftables: the socket (close it last, or hand
 * it to cni_nft_close_detached()), or -1 when none was deleted. */
int cni_nft_keys_del_fast(const struct cni_nft_key *keys, size_t cnt);
/* Closes FD, an nftables socket after a delete, in a process of its own
 * that holds nothing else the runtime waits on, so that the kernel's RCU
 * wait on its release (cni_nft_open()) is not the caller's. */
void cni_nft_close_detached(int fd);

/* Removes the elements of network NAME whose owner comment is none of the
 * NKEEP strings in KEEP (which it sorts). */
int cni_nft_gc(struct cni_nft *n, const char *name, const char **keep, size_t nkeep,
	       char *msg, size_t len);

#endif
