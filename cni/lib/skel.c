/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CNI skeleton: environment, VERSION, stdin, version negotiation,
 * CNI_ARGS, dispatch, the result or the error (skel.h says how a plugin
 * uses it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skel.h"

static cni_skel_fn command_of(const struct cni_skel *s, enum cni_cmd cmd)
{
	switch (cmd) {
	case CNI_ADD:
		return s->add;
	case CNI_DEL:
		return s->del;
	case CNI_CHECK:
		return s->check;
	case CNI_GC:
		return s->gc;
	case CNI_STATUS:
		return s->status;
	case CNI_VERSION:
		break;
	}
	return NULL;
}

static int run(const struct cni_skel *s, struct cni_call *c)
{
	cni_skel_fn fn;

	if (cni_env_read(&c->env, &c->err) < 0)
		return -1;
	if (c->env.cmd == CNI_VERSION) {
		cni_version_print(stdout);
		return 0;
	}
	c->raw = cni_read_all(stdin, &c->raw_len);
	if (!c->raw)
		return cni_fail(&c->err, CNI_ERR_IO, "cannot read the network config from stdin: %s",
				strerror(errno));
	c->config = cni_config_parse(c->raw, c->raw_len, &c->err);
	if (!c->config)
		return -1;
	c->version = json_string_value(json_object_get(c->config, "cniVersion"));
	if (cni_version_allows(c->version, c->env.cmd, &c->err) < 0)
		return -1;
	if ((s->args_checked & CNI_CMD_BIT(c->env.cmd)) &&
	    cni_args_check(c->env.args, s->known_args, &c->err) < 0)
		return -1;
	if (s->conf && s->conf(c) < 0)
		return -1;
	fn = command_of(s, c->env.cmd);
	return fn ? fn(c) : 0;
}

/* A result that cannot be written is a failed ADD: what it made is undone,
 * as a DEL of the same attachment would. */
static int result_print(const struct cni_skel *s, struct cni_call *c)
{
	if (cni_result_print(stdout, c->result, c->version) == 0 && fflush(stdout) == 0)
		return 0;
	if (s->del) {
		c->env.cmd = CNI_DEL;
		c->env.command = "DEL";
		s->del(c);
	}
	return cni_fail(&c->err, CNI_ERR_IO, "cannot write the result");
}

int cni_call_netns(struct cni_call *c)
{
	if (c->netns_fd < 0)
		c->netns_fd = cni_netns_open(c->env.netns, &c->err);
	return c->netns_fd;
}

int cni_skel_main(const struct cni_skel *s, struct cni_call *c)
{
	int r;

	signal(SIGPIPE, SIG_IGN);
	c->netns_fd = -1;
	r = run(s, c);

	if (r == 0 && c->result)
		r = result_print(s, c);
	if (r < 0)
		cni_error_print(stdout, &c->err, c->version);
	json_decref(c->result);
	c->result = NULL;
	json_decref(c->config);
	c->config = NULL;
	free(c->raw);
	c->raw = NULL;
	if (c->netns_fd >= 0)
		close(c->netns_fd);
	c->netns_fd = -1;
	fflush(stdout);
	return r < 0 ? 1 : 0;
}
