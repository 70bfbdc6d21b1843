/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-ipam: a CNI IPAM plugin with host-local's config and on-disk store.
 * The executable is the skeleton (cni/lib/skel.c) around cni_ipam_run()
 * (ipam-run.c), the commands themselves, which netns-ptp also calls
 * in-process.
 */
#include "../lib/skel.h"
#include "../lib/ipam.h"

static int ipam_cmd(struct cni_call *c)
{
	return cni_ipam_run(&c->env, c->config, &c->result, &c->err);
}

/* GC and STATUS read no CNI_ARGS. */
static const struct cni_skel ipam_skel = {
	.known_args = cni_args_known,
	.args_checked = CNI_CMD_BIT(CNI_ADD) | CNI_CMD_BIT(CNI_DEL) | CNI_CMD_BIT(CNI_CHECK),
	.add = ipam_cmd,
	.del = ipam_cmd,
	.check = ipam_cmd,
	.gc = ipam_cmd,
	.status = ipam_cmd,
};

int main(void)
{
	struct cni_call c = { 0 };

	return cni_skel_main(&ipam_skel, &c);
}
