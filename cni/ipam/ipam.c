/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-ipam: a CNI IPAM plugin with host-local's config and on-disk store.
 * This is the executable: the CNI environment and the config on stdin in,
 * the result or the spec's error JSON out. The commands themselves are
 * cni_ipam_run() (ipam-run.c), which netns-ptp also calls in-process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cni.h"
#include "ipam.h"

/* Reads the config on stdin and runs the command; *RET gets ADD's result. */
static int run(struct cni_env *env, json_t **config, json_t **ret, struct cni_err *err)
{
	char *buf;
	size_t len;

	if (cni_env_read(env, err) < 0)
		return -1;
	if (env->cmd == CNI_VERSION) {
		cni_version_print(stdout);
		return 0;
	}
	buf = cni_read_all(stdin, &len);
	if (!buf)
		return cni_fail(err, CNI_ERR_IO, "cannot read the network config from stdin: %s", strerror(errno));
	*config = cni_config_parse(buf, len, err);
	free(buf);
	if (!*config)
		return -1;
	return cni_ipam_run(env, *config, ret, err);
}

/* A result that cannot be written is a failed ADD: nothing stays reserved. */
static int result_print(const struct cni_env *env, json_t *config, json_t *result, struct cni_err *err)
{
	const char *version = json_string_value(json_object_get(config, "cniVersion"));
	struct cni_env del = *env;
	struct cni_err ignored;

	if (cni_result_print(stdout, result, version) == 0 && fflush(stdout) == 0)
		return 0;
	del.cmd = CNI_DEL;
	cni_ipam_run(&del, config, NULL, &ignored);
	return cni_fail(err, CNI_ERR_IO, "cannot write the result");
}

int main(void)
{
	struct cni_env env = { 0 };
	struct cni_err err = { 0 };
	json_t *config = NULL, *result = NULL;
	int r = run(&env, &config, &result, &err);

	if (r == 0 && result)
		r = result_print(&env, config, result, &err);
	if (r < 0)
		cni_error_print(stdout, &err, json_string_value(json_object_get(config, "cniVersion")));
	json_decref(result);
	json_decref(config);
	fflush(stdout);
	return r < 0 ? 1 : 0;
}
