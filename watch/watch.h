/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The eBPF side of netns watch: loads watch.bpf.c, attaches it, and hands
 * its events over one by one. Prints nothing; every call returns 0 (or a
 * count) or a negative errno. Not part of libnetns.
 */
#ifndef NETNS_WATCH_H
#define NETNS_WATCH_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "watch-event.h"

struct watch;

/* Why watching cannot work in this build, or NULL when it can: the tools
 * the build did not find ("clang, bpftool"). */
const char *watch_unavailable(void);

/* Loads and attaches the programs, watching the processes PIDS[0..N-1] (all
 * when N is 0). -EOPNOTSUPP: built without BPF (watch_unavailable());
 * -EPERM: no CAP_BPF/CAP_PERFMON; -ENOENT, -ESRCH, -EINVAL: the kernel lacks
 * BTF or a hook. *RET_WHY, when not NULL: a static phrase naming the step
 * that failed. */
int watch_open(const pid_t *pids, size_t n, struct watch **ret, const char **ret_why);

/* An fd that is readable when events are waiting (epoll), close-on-exec,
 * owned by W. */
int watch_fd(const struct watch *w);

/* Calls CB for each waiting event, stopping at the first negative return;
 * waits for none (the kernel does not wake watch_fd() for every event:
 * call it also on a timer). The count of events or a negative errno. */
typedef int (*watch_cb)(const struct watch_event *e, void *data);
int watch_drain(struct watch *w, watch_cb cb, void *data);

/* Events the kernel dropped because the ring buffer was full. */
int watch_lost(const struct watch *w, uint64_t *ret);

/* Detaches and unloads everything. NULL is fine. */
void watch_close(struct watch *w);

#endif
