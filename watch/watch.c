/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns watch's loader: the skeleton bpftool generated from watch.bpf.c,
 * opened, told which processes to watch, loaded, attached and drained.
 * libbpf prints its own warnings to stderr by default; they are silenced,
 * the error code and the step that failed go back to the caller.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "watch.h"
#include "watch.skel.h"

struct watch {
	struct nsw_bpf *skel;
	struct ring_buffer *rb;
	watch_cb cb;
	void *data;
	int cb_err;
};

const char *watch_unavailable(void)
{
	return NULL;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct watch *w = ctx;
	int r;

	if (size < sizeof(struct watch_event))
		return 0;
	r = w->cb(data, w->data);
	if (r < 0)
		w->cb_err = r;
	return r < 0 ? r : 0;
}

static int fail(struct watch *w, const char **ret_why, const char *why, int r)
{
	if (ret_why)
		*ret_why = why;
	watch_close(w);
	return r < 0 ? r : -EINVAL;
}

int watch_open(const pid_t *pids, size_t n, struct watch **ret, const char **ret_why)
{
	struct watch *w;
	int r;

	libbpf_set_print(quiet);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->skel = nsw_bpf__open();
	if (!w->skel)
		return fail(w, ret_why, "opening the BPF object", -errno);
	w->skel->rodata->filter_pids = n > 0;
	r = nsw_bpf__load(w->skel);
	if (r < 0)
		return fail(w, ret_why, "loading the BPF programs", r);
	for (size_t i = 0; i < n; i++) {
		__u32 pid = (__u32)pids[i];
		__u8 one = 1;

		if (bpf_map_update_elem(bpf_map__fd(w->skel->maps.nsw_pids), &pid, &one, BPF_ANY) < 0)
			return fail(w, ret_why, "filling the PID map", -errno);
	}
	r = nsw_bpf__attach(w->skel);
	if (r < 0)
		return fail(w, ret_why, "attaching the BPF programs", r);
	/* libbpf's epoll and ring mappings are close-on-exec. */
	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.nsw_events), on_sample, w, NULL);
	if (!w->rb)
		return fail(w, ret_why, "mapping the ring buffer", -errno);
	*ret = w;
	return 0;
}

int watch_fd(const struct watch *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

int watch_drain(struct watch *w, watch_cb cb, void *data)
{
	int r;

	w->cb = cb;
	w->data = data;
	w->cb_err = 0;
	r = ring_buffer__consume(w->rb);
	if (w->cb_err)
		return w->cb_err;
	return r;
}

int watch_lost(const struct watch *w, uint64_t *ret)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0;
	__u64 *v;
	uint64_t sum = 0;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(w->skel->maps.nsw_lost), &zero, v) < 0) {
		int r = -errno;

		free(v);
		return r;
	}
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	free(v);
	*ret = sum;
	return 0;
}

void watch_close(struct watch *w)
{
	if (!w)
		return;
	ring_buffer__free(w->rb);
	nsw_bpf__destroy(w->skel);
	free(w);
}
