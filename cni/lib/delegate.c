/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Delegation (SPEC.md, "Delegated plugin protocol"): an interface plugin runs
 * its IPAM plugin, found by type in CNI_PATH, with the environment it was
 * given (CNI_COMMAND set to the command it delegates) and the network config
 * on stdin, and reads its result or error from stdout. Its output is
 * bounded (16 MiB); a plugin that exits before reading all of its stdin
 * makes our write fail with EPIPE, so the process must ignore SIGPIPE
 * (netns-ptp's main() does). cni_ipam_delegate() (at the end) runs
 * netns-ipam in-process instead. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"
#include "ipam.h"

int cni_plugin_find(const char *type, const char *cni_path, char *path, size_t len,
		    struct cni_err *err)
{
	const char *dir = cni_path, *end;

	while (*dir) {
		end = strchr(dir, ':');
		if (!end)
			end = dir + strlen(dir);
		if (end > dir && (size_t)snprintf(path, len, "%.*s/%s", (int)(end - dir), dir, type) < len &&
		    access(path, X_OK) == 0)
			return 0;
		dir = *end ? end + 1 : end;
	}
	return cni_fail(err, CNI_ERR_CONFIG, "failed to find plugin \"%s\" in path [%s]", type, cni_path);
}

/* What a delegated plugin may print: the most a config may be
 * (cni_read_all()), far above any real result. */
#define DELEGATE_OUT_MAX (16u << 20)

/* Feeds CONF to the child on IN and reads its stdout from OUT until EOF,
 * both at once: a plugin that prints before it has read all its stdin (or
 * never reads it) would otherwise block on a full pipe while we block on
 * ours. Stops at DELEGATE_OUT_MAX bytes of output: 0, -EFBIG, or -errno. */
static int delegate_io(int in, int out, const char *conf, size_t len, char **buf, size_t *olen)
{
	size_t cap = 0;
	char *b = NULL;
	int r = 0;

	if (fcntl(in, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = out, .events = POLLIN }, { .fd = in, .events = POLLOUT } };
		ssize_t n;

		if (poll(pfd, in >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (in >= 0 && pfd[1].revents) {
			n = len ? write(in, conf, len) : 0;
			if (n > 0)
				conf += n, len -= (size_t)n;
			/* Done, or the plugin closed its stdin (EPIPE: SIGPIPE
			 * must be ignored, cni.h) and its status says why. */
			if (len == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in);
				in = -1;
			}
		}
		if (!pfd[0].revents)
			continue;
		if (cap - *olen < 4096) {
			char *nb;

			if (cap >= DELEGATE_OUT_MAX) {
				r = -EFBIG;
				break;
			}
			nb = realloc(b, cap + 65536);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			b = nb, cap += 65536;
		}
		n = read(out, b + *olen, cap - *olen - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		*olen += (size_t)n;
	}
	if (in >= 0)
		close(in);
	if (b)
		b[*olen] = '\0';
	*buf = b;
	return r;
}

int cni_delegate(const char *type, const char *cni_path, const char *command, const char *conf,
		 size_t len, json_t **ret, struct cni_err *err)
{
	char path[4096], *out = NULL;
	size_t olen = 0;
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, r = -1, io;
	pid_t pid;
	json_t *res;

	if (cni_plugin_find(type, cni_path, path, sizeof(path), err) < 0)
		return -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		cni_fail(err, CNI_ERR_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		cni_fail(err, CNI_ERR_TRY_LATER, "cannot start %s: %s", path, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0)
			_exit(127);
		setenv("CNI_COMMAND", command, 1);
		execl(path, type, (char *)NULL);
		_exit(127);
	}
	close(in[0]), close(outp[1]);
	in[0] = outp[1] = -1;
	io = delegate_io(in[1], outp[0], conf, len, &out, &olen);
	in[1] = -1; /* closed by delegate_io() */
	/* A plugin that printed too much (or that we cannot read) is stopped:
	 * waiting for it to finish on its own could take forever. */
	if (io < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (io == -EFBIG) {
		cni_fail(err, CNI_ERR_GENERIC, "IPAM plugin %s %s printed more than %u MiB: stopped", path,
			 command, DELEGATE_OUT_MAX >> 20);
		goto out;
	}
	if (io < 0) {
		cni_fail(err, CNI_ERR_IO, "cannot read what IPAM plugin %s %s printed: %s", path, command,
			 strerror(-io));
		goto out;
	}
	res = out ? json_loadb(out, olen, 0, NULL) : NULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		json_t *code = json_object_get(res, "code"), *msg = json_object_get(res, "msg");
		if (json_is_integer(code) && json_is_string(msg)) {
			cni_fail(err, (int)json_integer_value(code), "%s", json_string_value(msg));
			if (json_is_string(json_object_get(res, "details")))
				snprintf(err->details, sizeof(err->details), "%s",
					 json_string_value(json_object_get(res, "details")));
		} else {
			cni_fail(err, CNI_ERR_GENERIC, "IPAM plugin %s %s failed (status %d) without an error result",
				 path, command, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		json_decref(res);
		goto out;
	}
	if (ret) {
		if (!json_is_object(res)) {
			cni_fail(err, CNI_ERR_DECODE, "IPAM plugin %s printed no result object", path);
			json_decref(res);
			goto out;
		}
		*ret = cni_result_upgrade(res); /* the config's version may be 0.2.0 */
	} else {
		json_decref(res);
	}
	r = 0;
out:
	free(out);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return r;
}

int cni_ipam_delegate(struct cni_call *c, const char *type, enum cni_cmd cmd, json_t **ret)
{
	struct cni_env env = c->env;
	char path[4096];

	if (strcmp(type, "netns-ipam") != 0)
		return cni_delegate(type, c->env.path, cni_cmd_name(cmd), c->raw, c->raw_len, ret, &c->err);
	if (cni_plugin_find(type, c->env.path, path, sizeof(path), &c->err) < 0)
		return -1;
	env.cmd = cmd;
	env.command = cni_cmd_name(cmd);
	return cni_ipam_run(&env, c->config, ret, &c->err);
}
