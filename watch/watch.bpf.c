/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * netns watch, kernel side: network-namespace events of threads, into a ring
 * buffer, compiled once against vmlinux.h and relocated by libbpf (CO-RE).
 *
 * "Switched" means a thread is in a namespace other than its process's, and
 * a process's namespace is the one it had when it was born or exec'd (homes,
 * below), not its main thread's current one: ns-mess and most plugins switch
 * the main thread of a process that has no other thread yet, and the worker
 * it makes then is the bug (CNI issue 262) even though it matches the main
 * thread. A process that was running before the watch started gets, when
 * first seen, its main thread's namespace, or for the main thread itself
 * the one it is leaving.
 *
 * Hooks: setns() and unshare(), their namespace on entry against the one on
 * return, from the syscalls' tracepoints; clones
 * are seen at sched_process_fork, in the parent; exits at sched_process_exit,
 * before exit_task_namespaces(); execs at sched_process_exec, after
 * de_thread(), so the thread that exec'd is old_pid.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "watch-event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load: only the processes in pids are watched. */
const volatile bool filter_pids = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} nsw_events SEC(".maps");

/* tgid -> the process's namespace inode. LRU: a process we never see exit
 * (it predates us) must not fill the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} nsw_homes SEC(".maps");

/* tgids to watch when filter_pids is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} nsw_pids SEC(".maps");

/* Events the ring buffer had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nsw_lost SEC(".maps");

static __always_inline bool wanted(__u32 tgid)
{
	return !filter_pids || bpf_map_lookup_elem(&nsw_pids, &tgid);
}

static __always_inline __u32 net_of(struct nsproxy *nsp)
{
	return nsp ? BPF_CORE_READ(nsp, net_ns, ns.inum) : 0;
}

/* The namespace of T's process; FIRST stands in when the process is new to
 * us (0: its main thread's). 0 when unknown (its main thread is gone). */
static __always_inline __u32 home_of(struct task_struct *t, __u32 first)
{
	__u32 tgid = BPF_CORE_READ(t, tgid), *h = bpf_map_lookup_elem(&nsw_homes, &tgid);

	if (h)
		return *h;
	if (!first)
		first = net_of(BPF_CORE_READ(t, group_leader, nsproxy));
	if (first)
		bpf_map_update_elem(&nsw_homes, &tgid, &first, BPF_NOEXIST);
	return first;
}

/* Waking the reader for every one of 200,000 switches a second costs the
 * switching thread more than the event itself: the reader is woken once
 * 64 KiB are waiting, and otherwise polls (watch.c). Clones, exits and
 * execs, rare and what one watches for, wake it at once. */
static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&nsw_events, BPF_RB_AVAIL_DATA) >= 65536 ? BPF_RB_FORCE_WAKEUP
									 : BPF_RB_NO_WAKEUP;
}

static __always_inline struct watch_event *reserve(struct task_struct *t, __u32 kind)
{
	struct watch_event *e = bpf_ringbuf_reserve(&nsw_events, sizeof(*e), 0);

	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&nsw_lost, &zero);

		if (n)
			(*n)++;
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->time_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = BPF_CORE_READ(t, tgid);
	e->tid = BPF_CORE_READ(t, pid);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), &t->comm);
	return e;
}

/* The calling thread's namespace on entry to setns() or unshare(), for
 * their return to compare with (0: none pending). Task storage, not a hash
 * by TID: no lookup, no lock, gone with the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} nsw_before SEC(".maps");

static __always_inline int switch_enter(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 *saved;

	if (!wanted(t->tgid))
		return 0;
	saved = bpf_task_storage_get(&nsw_before, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (saved)
		*saved = net_of(t->nsproxy);
	return 0;
}

static __always_inline int switch_exit(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tid = t->pid, tgid = t->tgid, *saved, from, to, home;
	struct watch_event *e;

	saved = bpf_task_storage_get(&nsw_before, t, 0, 0);
	if (!saved || !*saved)
		return 0;
	from = *saved;
	*saved = 0;
	to = net_of(t->nsproxy);
	if (from == to)
		return 0; /* failed, or another kind of namespace */
	home = home_of(t, tid == tgid ? from : 0);
	e = reserve(t, to == home ? WATCH_RETURN : WATCH_ENTER);
	if (!e)
		return 0;
	e->ns = to;
	e->from = from;
	e->process_ns = home;
	bpf_ringbuf_submit(e, wakeup_flags());
	return 0;
}

/* The syscalls' tracepoints, a stable interface: fentry on the function
 * both end in (switch_task_namespaces()) is not allowed everywhere (this
 * project's own test machine refuses tracing programs with EPERM). */
SEC("tracepoint/syscalls/sys_enter_setns")
int nsw_setns(void *ctx)
{
	return switch_enter();
}

SEC("tracepoint/syscalls/sys_exit_setns")
int nsw_setns_ret(void *ctx)
{
	return switch_exit();
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int nsw_unshare(void *ctx)
{
	return switch_enter();
}

SEC("tracepoint/syscalls/sys_exit_unshare")
int nsw_unshare_ret(void *ctx)
{
	return switch_exit();
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(nsw_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u32 ns, cns, home;
	bool thread = ctgid == tgid;
	struct watch_event *e;

	if (!wanted(tgid))
		return 0;
	ns = net_of(BPF_CORE_READ(parent, nsproxy));
	cns = net_of(BPF_CORE_READ(child, nsproxy));
	home = home_of(parent, 0);
	if (!thread && cns && (!filter_pids || bpf_map_lookup_elem(&nsw_pids, &ctgid)))
		bpf_map_update_elem(&nsw_homes, &ctgid, &cns, BPF_ANY);
	/* A thread born elsewhere than its process (CLONE_NEWNET) is one too. */
	if (!home || (ns == home && (!thread || cns == home)))
		return 0;
	e = reserve(parent, WATCH_CLONE);
	if (!e)
		return 0;
	e->ns = ns;
	e->process_ns = home;
	e->child_pid = ctgid;
	e->child_tid = BPF_CORE_READ(child, pid);
	e->child_ns = cns;
	e->child_thread = thread;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(nsw_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), ns, *h;
	struct watch_event *e;

	if (!wanted(tgid))
		return 0;
	h = bpf_map_lookup_elem(&nsw_homes, &tgid);
	if (!h)
		return 0;
	ns = net_of(BPF_CORE_READ(p, nsproxy));
	if (ns && ns != *h) {
		e = reserve(p, WATCH_EXIT);
		if (e) {
			e->ns = ns;
			e->process_ns = *h;
			bpf_ringbuf_submit(e, 0);
		}
	}
	/* The last thread: signal->live was counted down before the tracepoint. */
	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		bpf_map_delete_elem(&nsw_homes, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(nsw_exec, struct task_struct *p, pid_t old_pid)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), ns, *h;
	struct watch_event *e;

	if (!wanted(tgid))
		return 0;
	ns = net_of(BPF_CORE_READ(p, nsproxy));
	h = bpf_map_lookup_elem(&nsw_homes, &tgid);
	if (h && ns != *h) {
		e = reserve(p, WATCH_EXEC);
		if (e) {
			e->ns = ns;
			e->process_ns = *h;
			e->old_tid = old_pid;
			bpf_ringbuf_submit(e, 0);
		}
	}
	/* The new program's namespace is where it was started. */
	if (ns)
		bpf_map_update_elem(&nsw_homes, &tgid, &ns, BPF_ANY);
	return 0;
}
