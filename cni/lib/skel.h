/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CNI skeleton (the reference plugins' pkg/skel): what every plugin's
 * executable does around its commands, once. cni_skel_main() reads the
 * CNI_* environment, answers VERSION, reads the network config on stdin,
 * checks that its cniVersion allows the command and that CNI_ARGS holds
 * only known keys, runs the plugin's config hook and then its command,
 * prints ADD's result in the config's version (undoing the ADD with DEL
 * when the result cannot be written) or the spec's error JSON, and returns
 * the exit status.
 *
 * Adding a plugin netns-NAME:
 *  1. cni/NAME/NAME.c, one short orchestration file: a struct of its own
 *     state holding a struct cni_call, one function per command, a
 *     const struct cni_skel naming them, and
 *         int main(void) { struct NAME n = { ... };
 *                          return cni_skel_main(&NAME_skel, &n.call); }
 *     Each command gets the struct cni_call (offsetof() leads back to
 *     the state: ptp.c's ptp_of()), opens the container's namespace with
 *     cni_call_netns(), returns 0, or -1 with call->err set
 *     (cni_fail()); ADD leaves its result (1.0.0 form) in call->result.
 *     The mechanism is in cni/lib/: cni.h (the protocol, CNI_NETNS,
 *     running a plugin), ipam.h (an interface plugin's IPAM call,
 *     cni_ipam_delegate()), range.h, store.h and alloc.h (addresses),
 *     rtnl.h (netlink), nft.h (nftables).
 *  2. One Makefile line, CNI_SRC_netns-NAME := cni/NAME/NAME.c $(CNI_LIB)
 *     and the cni/lib/ files it uses.
 *  3. Its config fields and commands in docs/cni.md; its tests in
 *     tests/cli/cni-NAME.bats (tests/cli/cni-plugin-helpers.bash).
 */
#ifndef NETNS_CNI_SKEL_H
#define NETNS_CNI_SKEL_H

#include <stddef.h>
#include <jansson.h>
#include "cni.h"

/* One invocation: what the skeleton read, and what the command answers. */
struct cni_call {
	struct cni_env env;
	json_t *config;      /* the network config, parsed (owned by the skeleton) */
	const char *version; /* its cniVersion; NULL until it is parsed */
	char *raw;           /* the config as read, for a delegated plugin */
	size_t raw_len;
	json_t *result;      /* ADD's, in 1.0.0 form: the skeleton prints and frees it */
	struct cni_err err;
	int netns_fd;        /* cni_call_netns()'s, -1 until then; the skeleton closes it */
};

/* A descriptor of the container's namespace (CNI_NETNS), opened on the first
 * call and kept for the rest of the invocation. The fd, or -1 with C->err
 * set. */
int cni_call_netns(struct cni_call *c);

/* A command or hook: 0, or -1 with C->err set. */
typedef int (*cni_skel_fn)(struct cni_call *c);

/* The bit of command CMD in cni_skel.args_checked. */
#define CNI_CMD_BIT(cmd) (1u << (cmd))

struct cni_skel {
	/* The CNI_ARGS keys the plugin knows (NULL-terminated; an unknown key
	 * is an error unless IgnoreUnknown is set: cni_args_check()), checked
	 * for the commands in ARGS_CHECKED (CNI_CMD_BIT()s). */
	const char *const *known_args;
	unsigned args_checked;
	/* Reads the plugin's own config fields, after the checks above and
	 * before any command; NULL: none. */
	cni_skel_fn conf;
	/* The commands; NULL: the command succeeds doing nothing. */
	cni_skel_fn add, del, check, gc, status;
};

/* Runs the invocation the environment and stdin describe, in C (zeroed by
 * the caller, which may embed it in its own state); prints the answer to
 * stdout. Returns the exit status: 0, or 1 after an error. C->config,
 * C->raw and C->netns_fd are freed on return; anything else the plugin
 * holds is its own. SIGPIPE is ignored from the start: a delegated IPAM
 * plugin that exits before reading its stdin must not kill the plugin
 * (cni/lib/ipam.h), and a runtime that stops reading gets EPIPE's error. */
int cni_skel_main(const struct cni_skel *s, struct cni_call *c);

#endif
