/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns-ipam's commands as a function (ipam-run.c), which the netns-ipam
 * executable runs and an interface plugin calls in-process. */
#ifndef NETNS_CNI_IPAM_H
#define NETNS_CNI_IPAM_H

#include <jansson.h>
#include "cni.h"
#include "skel.h"

/* Runs netns-ipam's command ENV->cmd (ADD, DEL, CHECK, GC, STATUS) in this
 * process, exactly as the netns-ipam executable would with ENV and CONFIG
 * (the whole parsed network config, as it would arrive on stdin; its
 * cniVersion, name, ipam object, args, runtimeConfig, prevResult).
 * Returns 0 and, for ADD, *RET = the IPAM result object in 1.0.0 form
 * (caller owns it; NULL for other commands), or -1 with ERR set as the
 * executable would print it. Never prints, never exits, leaves no fd open,
 * can be called several times in one process (ADD then DEL on rollback). */
int cni_ipam_run(const struct cni_env *env, json_t *config, json_t **ret, struct cni_err *err);

/* Runs IPAM plugin TYPE (the config's ipam.type) for command CMD, as an
 * interface plugin delegates (delegate.c, which needs ipam-run.c linked too): netns-ipam in this process, cni_ipam_run()
 * on C's config (no exec, no second parse), any other type exec'd from
 * CNI_PATH with C's raw config (cni_delegate()). netns-ipam must still be
 * in CNI_PATH, so that a node without it fails as it would with the exec.
 * 0 and *RET (when not NULL) as cni_delegate() says, or -1 with C->err
 * set. The process must ignore SIGPIPE (signal(SIGPIPE, SIG_IGN) in main(),
 * as netns-ptp's does): an exec'd plugin that exits before reading all of
 * its stdin makes cni_delegate()'s write to the pipe raise it, which would
 * kill us mid-ADD; ignored, that write fails with EPIPE and the plugin's
 * own answer is read. */
int cni_ipam_delegate(struct cni_call *c, const char *type, enum cni_cmd cmd, json_t **ret);

#endif
