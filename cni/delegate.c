/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Delegation (SPEC.md, "Delegated plugin protocol"): an interface plugin runs
 * its IPAM plugin, found by type in CNI_PATH, with the environment it was
 * given (CNI_COMMAND set to the command it delegates) and the network config
 * on stdin, and reads its result or error from stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

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

int cni_delegate(const char *type, const char *cni_path, const char *command, const char *conf,
		 size_t len, json_t **ret, struct cni_err *err)
{
	char path[4096], *out = NULL;
	size_t olen = 0, ocap = 0;
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, r = -1;
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
	{
		const char *b = conf;
		size_t left = len;
		while (left) {
			ssize_t n = write(in[1], b, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break; /* the plugin exited early; its status says why */
			b += n, left -= (size_t)n;
		}
		close(in[1]);
		in[1] = -1;
	}
	for (;;) {
		ssize_t n;
		if (ocap - olen < 4096) {
			char *nb = realloc(out, ocap + 65536);
			if (!nb || ocap > (16u << 20))
				break;
			out = nb, ocap += 65536;
		}
		n = read(outp[0], out + olen, ocap - olen - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		olen += (size_t)n;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (out)
		out[olen] = '\0';
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
		*ret = res;
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
