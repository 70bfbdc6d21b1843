/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns watch in a build without BPF: make found no clang, bpftool, libbpf or
 * kernel BTF (WATCH_MISSING names which), so every call says so.
 */
#include <errno.h>

#include "watch.h"

#ifndef WATCH_MISSING
#define WATCH_MISSING "BPF support"
#endif

const char *watch_unavailable(void)
{
	return "built without " WATCH_MISSING;
}

int watch_open(const pid_t *pids, size_t n, struct watch **ret, const char **ret_why)
{
	(void)pids;
	(void)n;
	(void)ret;
	if (ret_why)
		*ret_why = watch_unavailable();
	return -EOPNOTSUPP;
}

int watch_fd(const struct watch *w)
{
	(void)w;
	return -EOPNOTSUPP;
}

int watch_drain(struct watch *w, watch_cb cb, void *data)
{
	(void)w;
	(void)cb;
	(void)data;
	return -EOPNOTSUPP;
}

int watch_lost(const struct watch *w, uint64_t *ret)
{
	(void)w;
	(void)ret;
	return -EOPNOTSUPP;
}

void watch_close(struct watch *w)
{
	(void)w;
}
