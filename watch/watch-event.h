/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record watch.bpf.c sends through its ring buffer and watch.c decodes.
 * Shared by the BPF side (vmlinux.h types) and user space (linux/types.h):
 * fixed-size fields only.
 */
#ifndef NETNS_WATCH_EVENT_H
#define NETNS_WATCH_EVENT_H

enum watch_kind {
	WATCH_ENTER = 1, /* a thread moved to a namespace other than its process's */
	WATCH_RETURN,    /* a thread moved back to its process's namespace */
	WATCH_CLONE,     /* a switched thread made a thread or process (the bug) */
	WATCH_EXIT,      /* a thread exited while switched */
	WATCH_EXEC,      /* a thread exec'd while switched */
};

#define WATCH_COMM_LEN 16

struct watch_event {
	__u64 time_ns;      /* CLOCK_MONOTONIC */
	__u32 kind;         /* enum watch_kind */
	__u32 pid, tid;     /* the thread the event is about (exec: the new pid, old_tid) */
	__u32 ns;           /* its namespace after the event (clone: while cloning) */
	__u32 from;         /* enter, return: the namespace it left */
	__u32 process_ns;   /* its process's namespace (see watch.bpf.c) */
	__u32 child_pid, child_tid, child_ns; /* clone */
	__u32 child_thread; /* clone: 1 when the child is a thread of the same process */
	__u32 old_tid;      /* exec: the thread that called exec */
	__u32 pad;
	char comm[WATCH_COMM_LEN];
};

#endif
