/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnetns: named Linux network namespaces, safe for multi-threaded programs.
 *
 * Conventions for every call below:
 *  - A namespace handle is a plain file descriptor on an nsfs file, opened
 *    O_CLOEXEC. The caller owns it and closes it.
 *  - Calls return 0 (or a non-negative value) on success and a negative errno
 *    on failure. They never print and never exit.
 *  - No call leaves any thread of the caller in a different network namespace
 *    than the one it was in before the call.
 *  - Output parameters are named ret_* and are written only on success.
 */
#ifndef NETNS_H
#define NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header. The library's own, at run time, is
 * netns_version(): a program built against 1.x runs with any 1.y (y >= x);
 * the soname (libnetns.so.1) changes only when that promise breaks. */
#define NETNS_VERSION "1.1.0"
#define NETNS_VERSION_MAJOR 1
#define NETNS_VERSION_MINOR 1

/* The library's version, "MAJOR.MINOR.PATCH", for a run-time check. */
const char *netns_version(void);

/* ---------------------------------------------------------------------------
 * Handles and identity
 */

/* The identity of a namespace: the nsfs device and inode. st_ino is the
 * number shown by `ls -i /run/netns` and by `readlink /proc/PID/ns/net`
 * (net:[INODE]). */
struct netns_id {
	uint64_t dev;
	uint64_t ino;
};

/* A run directory handle: see netns_rundir_open(). */
struct netns_rundir;

/*
 * Errors that mean "it exists, but it is not a network namespace" (a regular
 * file, an empty placeholder with nothing mounted on it, another namespace
 * type, a directory, or a symbolic link in the run directory) are
 * -EMEDIUMTYPE throughout, distinct from -EINVAL (a bad argument).
 */

/* Opens the named namespace RUNDIR/NAME. Returns a close-on-exec fd. Names
 * are mounts, never links: a symbolic link in the run directory is not
 * followed (-EMEDIUMTYPE), by this and every other call that takes a NAME.
 * -EINVAL: NAME is not a valid name (see netns_name_check()), or the run
 *          directory is relative; -EMEDIUMTYPE: the file is not a network
 *          namespace; -ENOENT: no such name. */
int netns_fd_open_name(const char *name);
int netns_fd_open_name_at(const struct netns_rundir *rd, const char *name);

/* Opens any nsfs file: RUNDIR/NAME, /proc/PID/ns/net,
 * /proc/PID/task/TID/ns/net, or a bind mount of one elsewhere. A PATH is
 * resolved as open(2) does, symbolic links included.
 * -EMEDIUMTYPE: the file exists but is not a network namespace (a regular
 * file, another namespace type, a placeholder); -EINVAL: PATH is empty;
 * other errors are open(2)'s. */
int netns_fd_open_path(const char *path);

/* Opens the namespace of process PID (its main thread).
 * -ESRCH: no such process. */
int netns_fd_open_pid(pid_t pid);

/* Opens the namespace of the process (or thread) that PIDFD refers to
 * (pidfd_open(2), clone(2) with CLONE_PIDFD). Unlike a PID, a pidfd cannot
 * be recycled: the namespace is that process's, never a newcomer's. Uses
 * PIDFD_GET_NET_NAMESPACE where the kernel has it (Linux 6.11), else
 * /proc/PID/ns/net checked against the pidfd afterwards.
 * -ESRCH: the process has exited; -EBADF: PIDFD is not a pidfd. */
int netns_fd_open_pidfd(int pidfd);

/* Opens the namespace of thread TID of process PID.
 * -ESRCH: no such process or no such thread in it. */
int netns_fd_open_tid(pid_t pid, pid_t tid);

/* Opens the namespace of the calling thread (/proc/thread-self, never
 * /proc/self, which is the main thread's). */
int netns_fd_open_current(void);

/* Returns 0 if FD refers to a network namespace, -EMEDIUMTYPE if it refers
 * to anything else, -EBADF if it is not an open fd. */
int netns_fd_check(int fd);

/* Stores the identity of the namespace behind FD in *RET_ID.
 * -EMEDIUMTYPE: FD is not a network namespace; -EBADF. */
int netns_fd_id(int fd, struct netns_id *ret_id);

/* Returns 1 when the two ids name the same namespace, 0 otherwise. */
int netns_id_equal(const struct netns_id *a, const struct netns_id *b);

/* Returns 1 when both fds refer to the same namespace, 0 when they do not,
 * or a negative errno from netns_fd_id(). */
int netns_fd_same(int a, int b);

/* Returns the namespace's id (nsid) as seen from the calling thread's
 * namespace, -ENOENT when none is assigned, or another negative errno. */
int netns_fd_nsid(int fd);

/* Since 1.1. Assigns namespace FD the id NSID (-1: any free one the kernel
 * picks) as seen from the calling thread's namespace, as `ip netns set`
 * does; returns the nsid it has then. -EEXIST: FD already has an id, or NSID
 * is another namespace's; -EINVAL: NSID < -1. */
int netns_fd_nsid_set(int fd, int nsid);

/* ---------------------------------------------------------------------------
 * The run directory and named namespaces
 */

/* The directory where names live. Default /run/netns, overridden by the
 * environment variable NETNS_RUN_DIR, overridden in turn by
 * netns_rundir_set(). The string stays valid until the next set. A relative
 * NETNS_RUN_DIR is returned as it is, but every call that uses the run
 * directory refuses it with -EINVAL. */
const char *netns_rundir_get(void);

/* Sets the run directory for this process; NULL restores the default.
 * -EINVAL: DIR is empty or not absolute; -ENOMEM. Not thread-safe against
 * concurrent calls that use the run directory. */
int netns_rundir_set(const char *dir);

/*
 * A run directory handle (struct netns_rundir, declared above). The calls
 * without _at use the process's default run directory (NETNS_RUN_DIR,
 * netns_rundir_set()); each _at variant takes a handle instead, so that
 * threads can use different run directories at once, and none is affected
 * by another's netns_rundir_set(). RD NULL in an _at call means the default.
 */

/* Opens a handle on run directory DIR (absolute; NULL: the current
 * default, copied). Nothing is created or checked on disk until used.
 * -EINVAL: DIR is relative, or RET is NULL; -ENOMEM. */
int netns_rundir_open(const char *dir, struct netns_rundir **ret);

/* Frees a handle; NULL is fine. */
void netns_rundir_free(struct netns_rundir *rd);

/* The handle's directory (RD NULL: the default, as netns_rundir_get()). */
const char *netns_rundir_get_path(const struct netns_rundir *rd);

/* Creates the run directory (and its parents) if needed and makes it a
 * shared mount point, as the first netns_name_add() does; once per process
 * and directory. A directory that is not yet a mount point is bound onto
 * itself, made private, then shared: its own peer group, so that names do
 * not propagate back into a shared parent such as /run under systemd. One
 * that already is a mount point keeps the peer group it has. For programs
 * that watch the directory before any name exists. On failure, directories
 * this call made are removed again. -EPERM: needs root or CAP_SYS_ADMIN;
 * -EINVAL: the run directory is relative. */
int netns_rundir_create(void);
int netns_rundir_create_at(struct netns_rundir *rd);

/* Returns 0 if NAME is usable as a namespace name: not empty, not "." or
 * "..", no '/', at most NAME_MAX bytes. -EINVAL or -ENAMETOOLONG otherwise. */
int netns_name_check(const char *name);

/* Flags for netns_name_add(). */
enum {
	NETNS_ADD_LO_UP = 1 << 0, /* bring the new namespace's lo up */
};

/* Creates a new network namespace and names it RUNDIR/NAME, the same layout
 * as `ip netns add`: a bind mount of the nsfs inode on an empty file, in a
 * run directory that is a shared mount point. The namespace is created on a
 * throwaway thread; the caller's threads never switch. On failure nothing is
 * left behind. If RET_FD is not NULL it receives a close-on-exec handle.
 * -EEXIST: the name exists; -EINVAL/-ENAMETOOLONG: bad name;
 * -EPERM: needs root or CAP_SYS_ADMIN. */
int netns_name_add(const char *name, unsigned flags, int *ret_fd);
int netns_name_add_at(struct netns_rundir *rd, const char *name, unsigned flags, int *ret_fd);

/* Creates the namespaces NAMES[0..N-1] in order, as netns_name_add() would,
 * all from one throwaway thread: one thread start instead of N. Stops at the
 * first failure and returns its negative errno; *RET_ADDED (when not NULL)
 * is then the index of the failing name, the number made before it, and
 * is N on success. */
int netns_name_add_many(const char *const *names, size_t n, unsigned flags, size_t *ret_added);
int netns_name_add_many_at(struct netns_rundir *rd, const char *const *names, size_t n,
			   unsigned flags, size_t *ret_added);

/* Since 1.1. Called for name I of netns_name_add_parallel() once its
 * namespace exists, before it is named (so that a caller may record it
 * first), with a close-on-exec FD of it (the callee may dup it; it is closed
 * afterwards) and its ID. It runs on the library's thread that made the
 * namespace, inside it, with every signal blocked, and on several threads
 * at once. A negative return is name I's error: it is not made. */
typedef int (*netns_name_made_cb)(size_t i, int fd, const struct netns_id *id, void *data);

/* Since 1.1. Creates the namespaces NAMES[0..N-1] as netns_name_add() would
 * (FLAGS: NETNS_ADD_LO_UP), on up to THREADS throwaway threads at once (0:
 * one per online CPU), calling CB (may be NULL) for each. After the first
 * failure no new name is started; the names made stay. Returns 0, or the
 * error of the failing name of lowest index, whose index goes into
 * *RET_FAILED (when not NULL; N on success). -EINVAL: NAMES NULL with N > 0,
 * an unknown flag, or a bad name (checked before anything is made). */
int netns_name_add_parallel(const char *const *names, size_t n, unsigned flags, unsigned threads,
			    netns_name_made_cb cb, void *data, size_t *ret_failed);
int netns_name_add_parallel_at(struct netns_rundir *rd, const char *const *names, size_t n,
			       unsigned flags, unsigned threads, netns_name_made_cb cb, void *data,
			       size_t *ret_failed);

/* Names the namespace of process PID (TID == 0) or of its thread TID.
 * -EEXIST: the name exists; -ESRCH: no such process or thread. */
int netns_name_attach(const char *name, pid_t pid, pid_t tid);
int netns_name_attach_at(struct netns_rundir *rd, const char *name, pid_t pid, pid_t tid);

/* Names the namespace behind FD. -EEXIST, -EMEDIUMTYPE (not a netns). */
int netns_name_attach_fd(const char *name, int fd);
int netns_name_attach_fd_at(struct netns_rundir *rd, const char *name, int fd);

/* Removes a name: detaches the mount, then unlinks the file. Processes still
 * inside keep the namespace alive; it is freed when the last one leaves. An
 * empty placeholder (a broken name, see netns_name_foreach_broken()) is
 * removed too. Adds, attaches and deletes in this library take an flock on
 * the run directory around each name, so racing an add, a delete never
 * leaves two mounts or a mount without its file.
 * -ENOENT: no such name; -EMEDIUMTYPE: the entry is not a name (a
 * directory, a symbolic link, a non-empty file): it is left alone. */
int netns_name_delete(const char *name);
int netns_name_delete_at(struct netns_rundir *rd, const char *name);

/* Called once per name. Returning a negative value stops the walk, and the
 * walk returns that value. */
typedef int (*netns_name_cb)(const char *name, const struct netns_id *id, void *data);

/* Calls CB for every name in the run directory that is a network namespace,
 * in strcmp() order. A missing run directory is an empty list. */
int netns_name_foreach(netns_name_cb cb, void *data);
int netns_name_foreach_at(const struct netns_rundir *rd, netns_name_cb cb, void *data);

/* Calls CB for every broken name: an empty placeholder in the run directory
 * with no namespace mounted on it, left by a crashed tool or a lost mount
 * (or, for a moment, a name another tool is adding). ID is NULL. In strcmp()
 * order; netns_name_delete() removes them. */
int netns_name_foreach_broken(netns_name_cb cb, void *data);
int netns_name_foreach_broken_at(const struct netns_rundir *rd, netns_name_cb cb, void *data);

/* What netns_name_walk() reports for each name. Filled in by the library;
 * later versions may add fields at the end, never change these. */
struct netns_name_info {
	const char *name;
	struct netns_id id; /* zero for a broken name */
	int nsid;           /* with NETNS_WALK_NSID: the nsid, or -1 when none is
			     * assigned; else -1 */
	bool broken;        /* an empty placeholder (NETNS_WALK_BROKEN) */
};

typedef int (*netns_name_info_cb)(const struct netns_name_info *info, void *data);

/* Flags for netns_name_walk(). */
enum {
	NETNS_WALK_NSID = 1 << 0,   /* look up each namespace's nsid */
	NETNS_WALK_BROKEN = 1 << 1, /* report broken names too */
};

/* Calls CB for every name in the run directory, in strcmp() order, with
 * what FLAGS ask for. Each name's identity and nsid are read from one open
 * file, and all nsids through one netlink socket, so a listing of many names
 * costs one open and one request per name. -EINVAL: unknown flags or no CB;
 * -EMFILE and other errors of the listing itself. */
int netns_name_walk(unsigned flags, netns_name_info_cb cb, void *data);
int netns_name_walk_at(const struct netns_rundir *rd, unsigned flags, netns_name_info_cb cb,
		       void *data);

/* Calls CB for every name of the namespace ID, in strcmp() order. Returns
 * the number of names found (0 is not an error), or a negative errno. */
int netns_name_find(const struct netns_id *id, netns_name_cb cb, void *data);
int netns_name_find_at(const struct netns_rundir *rd, const struct netns_id *id,
		       netns_name_cb cb, void *data);

/* ---------------------------------------------------------------------------
 * Scanning /proc
 */

struct netns_thread {
	pid_t pid;
	pid_t tid;
	char comm[16];
	struct netns_id id;   /* the thread's network namespace */
	struct netns_id main; /* its process's main thread's namespace or,
			       * when the main thread has exited, its first
			       * live thread's (in /proc/PID/task order) */
};

typedef int (*netns_thread_cb)(const struct netns_thread *t, void *data);

/* Calls CB for every thread of process PID, or of every process when PID is
 * 0. A PID that is the id of a non-main thread stands for its whole process
 * (T->pid is then the process's). Threads and processes that vanish during
 * the walk are skipped, and so are threads whose namespace cannot be read;
 * but when PID was given and none of its threads could be read, the walk
 * fails: -ESRCH: no such process; -ENOENT: it has no live thread (a zombie,
 * in no namespace); -EACCES: no permission to read its namespaces. */
int netns_thread_foreach(pid_t pid, netns_thread_cb cb, void *data);

/* Stores the namespace identity of PID (TID == 0: its main thread, or its
 * first live thread when the main thread has exited) or of thread PID/TID.
 * -ESRCH: no such process or thread; -ENOENT: PID has no live thread (a
 * zombie); -EACCES: no permission. */
int netns_thread_id(pid_t pid, pid_t tid, struct netns_id *ret_id);

/* ---------------------------------------------------------------------------
 * Doing work in a namespace without switching the caller
 */

/* Runs FN(ARG) on a new thread that is in the namespace FD for its whole
 * life, waits for it, and returns FN's result. The thread is discarded
 * afterwards, never reused, never switched back. It runs with every signal
 * blocked, so no signal handler of the process runs in FD's namespace.
 * Threads that FN creates are born in that namespace (and with that signal
 * mask): FN must join them before returning, or they stay there.
 * If FN could not be run, returns a negative errno: -EBADF: FD is not open;
 * -EMEDIUMTYPE: FD is not a network namespace; -EINVAL: FN is NULL; -EPERM:
 * no right to enter it; -EAGAIN: no thread. FN should therefore return >= 0 or a
 * negative errno of its own. */
int netns_run(int fd, int (*fn)(void *arg), void *arg);

/* Runs FN(I, ARG) in namespace FDS[I] for each I from 0 to N-1, on one
 * throwaway thread that visits them in turn (one thread start, then one
 * setns(2) per namespace: much cheaper than N netns_run() calls when N is
 * large), and stores each result in RET[I]: FN's, or the negative errno of
 * entering FDS[I] (-EBADF for a negative fd, -EMEDIUMTYPE for one that is
 * not a network namespace). The thread runs with every signal blocked and is
 * discarded afterwards. Returns 0, or -EINVAL for bad arguments, or a
 * negative errno when the thread could not be started (RET is then unset). */
int netns_run_many(const int *fds, size_t n, int (*fn)(size_t i, void *arg), void *arg,
		   int *ret);

/* Creates a socket(DOMAIN, TYPE, PROTOCOL) that belongs to the namespace FD
 * and returns it; SOCK_CLOEXEC is always added (TYPE may carry
 * SOCK_NONBLOCK). Works for every domain, NETLINK_ROUTE included. The calling
 * thread goes there and back itself, every signal blocked, once it has proved
 * the way back (libnetns(3), NOTES); else the library's socket worker thread
 * does. No code of the caller, signal handlers included, runs in FD's
 * namespace because of it. Each calling thread keeps two close-on-exec fds
 * until it exits. Errors are netns_run()'s and socket(2)'s (-EAFNOSUPPORT,
 * -EPROTONOSUPPORT, -EMFILE). */
int netns_socket(int fd, int domain, int type, int protocol);

/* Starts FILE (searched in PATH like execvp) with ARGV and ENVP (NULL:
 * environ) in the namespace FD, the way posix_spawn does: a child that
 * shares memory until it execs, its signal handlers reset to the default and
 * the caller's signal mask. Only the child enters FD; no thread of the caller
 * switches. Returns 0 and the child's pid in *RET_PID once the program is
 * running; the caller reaps it (waitpid). If the exec fails, the child is
 * reaped and its errno is returned (-ENOENT, -EACCES, ...; like execvp, a
 * file that is not a binary and has no #! line is run by /bin/sh); -EBADF or
 * -EMEDIUMTYPE for an FD that is not a namespace, -EINVAL for a missing
 * FILE, ARGV or RET_PID. The child inherits only the fds that are not
 * close-on-exec. */
int netns_spawn(int fd, const char *file, char *const argv[], char *const envp[],
		pid_t *ret_pid);

/* ---------------------------------------------------------------------------
 * Links, addresses and routes, over rtnetlink
 *
 * FD names the namespace to act in; -1 means the calling thread's own.
 * When the kernel explains an error (extended ack), netns_error_message()
 * returns its text until the calling thread's next call.
 */

/* The kernel's extended-ack message for the calling thread's last call, or
 * NULL when it gave none. A message from a library thread (netns_name_add
 * with NETNS_ADD_LO_UP, netns_run) is carried back to the caller. Every call
 * that does work clears it at its start, so it never tells of an earlier
 * call; getters and pure checks (netns_rundir_get, netns_name_check,
 * netns_ifname_check, netns_cidr_check, netns_operstate_name, ...) leave it
 * alone, so they can be used while reporting an error. */
const char *netns_error_message(void);

/* Sets interface IFNAME in namespace FD up (UP true) or down.
 * -ENODEV: no such interface; -EINVAL: IFNAME is empty, 16 bytes or longer,
 * or holds '/', ':' or white space (every IFNAME below is checked so). */
int netns_link_set_up(int fd, const char *ifname, bool up);

/* Moves IFNAME from namespace FD to namespace TO_FD (-1: the caller's).
 * -ENODEV: no such interface; -EMEDIUMTYPE: TO_FD is not a namespace;
 * -EEXIST: the name is taken there. */
int netns_link_move(int fd, const char *ifname, int to_fd);

/* Deletes IFNAME in namespace FD (a veth takes its peer with it).
 * -ENODEV: no such interface. */
int netns_link_delete(int fd, const char *ifname);

/* Since 1.1. Sets the MTU of IFNAME in namespace FD. -EINVAL: MTU 0, or
 * one the link refuses (the kernel's message says which range). */
int netns_link_set_mtu(int fd, const char *ifname, unsigned mtu);

/* Since 1.1. Makes IFNAME in namespace FD a port of MASTER (a bridge, a
 * bond, a VRF), or, MASTER NULL, of none. -ENODEV: no such interface. */
int netns_link_set_master(int fd, const char *ifname, const char *master);

/* Since 1.1. Creates the bridge IFNAME in namespace FD, up. -EEXIST: the
 * name is taken. */
int netns_bridge_add(int fd, const char *ifname);

/* One end of a veth pair. */
/* 0 if IFNAME is an interface name the kernel accepts (its dev_valid_name():
 * 1 to 15 bytes, not "." or "..", no '/', ':' or white space), else -EINVAL. */
int netns_ifname_check(const char *ifname);

/* 0 if CIDR is an IPv4 or IPv6 address with an optional /PREFIX in range
 * ("10.0.0.1/24", "fd00::1"), as netns_veth_add() and netns_addr_add()
 * take, else -EINVAL. */
int netns_cidr_check(const char *cidr);

/* One end of a veth pair, filled in by the caller. SIZE must be
 * sizeof(struct netns_veth_end): later versions may add fields at the end,
 * and a library that knows them treats an older, smaller SIZE as those
 * fields being zero. NETNS_VETH_END() fills SIZE in. */
struct netns_veth_end {
	size_t size;              /* sizeof(struct netns_veth_end) */
	int fd;                   /* its namespace; -1: the caller's */
	const char *ifname;       /* its name */
	const char *const *addrs; /* NULL-terminated CIDRs (IPv4 or IPv6), or NULL */
};
#define NETNS_VETH_END(...) \
	((struct netns_veth_end){ .size = sizeof(struct netns_veth_end), __VA_ARGS__ })
/* The size of the 1.0 layout, the smallest netns_veth_add() accepts. */
#define NETNS_VETH_END_SIZE_1_0 \
	(offsetof(struct netns_veth_end, addrs) + sizeof(const char *const *))

/* Creates a veth pair with ends A and B, sets MTU when non-zero, adds the
 * addresses and brings both ends up. Each end is created directly in its
 * namespace (IFLA_NET_NS_FD), never moved. Input is checked before anything
 * is made; a later failure deletes the pair. -EEXIST: a name is taken;
 * -EINVAL: a bad CIDR or name, or an end whose SIZE is not set (or that
 * sets fields this library does not know); -EMEDIUMTYPE: an fd that is not
 * a namespace;
 * else the kernel's error (with its message in netns_error_message()). */
int netns_veth_add(const struct netns_veth_end *a, const struct netns_veth_end *b,
		   unsigned mtu);

/* Since 1.1. Creates N veth pairs, ENDS[2*I] and ENDS[2*I+1], as
 * netns_veth_add() would, their creation requests sent in batches (one
 * system call for up to 32 pairs). Input is checked first. On failure the
 * pairs before the failing one stay, made whole, and nothing of the others
 * does; returns 0 or that error, with the failing pair's index in
 * *RET_ADDED (when not NULL; N on success). */
int netns_veth_add_many(const struct netns_veth_end *ends, size_t n, unsigned mtu,
			size_t *ret_added);

/* Adds or deletes the address CIDR ("10.0.0.1/24", "fd00::1/64"; without a
 * prefix, a host address) on IFNAME. -EINVAL: not a CIDR; -ENODEV: no such
 * interface; -EEXIST: already there (add); -EADDRNOTAVAIL: not there
 * (delete). */
int netns_addr_add(int fd, const char *ifname, const char *cidr);
int netns_addr_delete(int fd, const char *ifname, const char *cidr);

/* Adds or deletes a route in the main table to DST ("default" or a CIDR)
 * via gateway VIA (an address, NULL: none) and/or out of device DEV (NULL:
 * none). "default" is IPv6 when VIA is; write "::/0" for an IPv6 default
 * without one. -EINVAL: bad or mixed-family input (or host bits set under
 * the prefix, from the kernel); -ENODEV: no DEV; -EEXIST: the route exists
 * (add); -ESRCH: no such route (delete). */
int netns_route_add(int fd, const char *dst, const char *via, const char *dev);
int netns_route_delete(int fd, const char *dst, const char *via, const char *dev);

/* An interface's operational state (RFC 2863): the kernel's IF_OPER_*. */
enum netns_operstate {
	NETNS_OPER_UNKNOWN = 0,
	NETNS_OPER_NOTPRESENT = 1,
	NETNS_OPER_DOWN = 2,
	NETNS_OPER_LOWERLAYERDOWN = 3,
	NETNS_OPER_TESTING = 4,
	NETNS_OPER_DORMANT = 5,
	NETNS_OPER_UP = 6,
};

/* "UP", "DOWN", "UNKNOWN", ... as `ip link` shows STATE; "UNKNOWN" for a
 * value this library does not know. */
const char *netns_operstate_name(int operstate);

/* A link, filled in by the library; later versions may add fields at the
 * end. Whether it is up is FLAGS & IFF_UP. */
struct netns_link {
	int index;
	char name[16];
	unsigned flags;           /* IFF_* */
	unsigned mtu;
	int operstate;            /* enum netns_operstate */
	const char *kind;         /* IFLA_INFO_KIND: "veth", "dummy", ... or "" (lo) */
	const char *const *addrs; /* NULL-terminated CIDR strings */
};

typedef int (*netns_link_cb)(const struct netns_link *link, void *data);

/* Calls CB for every link of namespace FD, in index order, with its IPv4
 * then IPv6 addresses (ADDRS is NULL-terminated). Pointers are valid only
 * during the callback. A negative value from CB stops the walk and is
 * returned. */
int netns_link_foreach(int fd, netns_link_cb cb, void *data);

/* ---------------------------------------------------------------------------
 * Sockets in many namespaces, and watching the run directory
 */

/* Creates a socket(DOMAIN, TYPE | SOCK_CLOEXEC, PROTOCOL) in each namespace
 * FDS[I], I from 0 to N-1, all from one throwaway thread that visits them in
 * turn (one thread start, then a setns(2) each), and stores it in
 * RET_SOCKS[I], or that namespace's negative errno: -EBADF for a negative or
 * closed fd, -EMEDIUMTYPE for one that is not a network namespace, -EPERM,
 * or socket(2)'s (-EMFILE, -EAFNOSUPPORT, ...). The thread runs no caller
 * code and has every signal blocked. A socket stays in the namespace it was
 * born in: bind(2) and listen(2) it afterwards from any thread. The caller
 * owns the sockets. Returns 0, -EINVAL for a NULL FDS or RET_SOCKS with N >
 * 0, or a negative errno when the thread could not be started (-EAGAIN;
 * RET_SOCKS is then unset). */
int netns_socket_many(const int *fds, size_t n, int domain, int type, int protocol,
		      int *ret_socks);

/* A watch on a run directory: see netns_watch_open(). */
struct netns_watch;

/* Flags for netns_watch_open(). */
enum {
	NETNS_WATCH_EXISTING = 1 << 0, /* first report the names already there */
	NETNS_WATCH_ENTRIES = 1 << 1,  /* every entry made or removed, as inotify
					* tells them; see netns_watch_open() */
};

/* Events of a watch. */
enum {
	NETNS_WATCH_ADDED = 1,   /* NAME is a network namespace now, ID's */
	NETNS_WATCH_DELETED = 2, /* NAME, which was namespace ID, is gone or is
				  * no longer that namespace */
	NETNS_WATCH_LOST = 3,    /* NETNS_WATCH_ENTRIES only: the kernel dropped
				  * events (NAME "", ID all zero); what changed
				  * meanwhile follows */
};

/* Called once per event; NAME and ID are valid during the call only.
 * Returning a negative value stops netns_watch_dispatch(), which returns it;
 * the events not told yet are told by the next dispatch. CB must not
 * dispatch or free the watch it is called from. */
typedef int (*netns_watch_cb)(unsigned event, const char *name, const struct netns_id *id,
			      void *data);

/* Watches run directory RD (NULL: the default; its path is copied, RD may be
 * freed afterwards), making it with netns_rundir_create_at() if it is
 * missing. A name is reported added once it is a network namespace: a name
 * made by `netns add` or `ip netns add` first appears as an empty
 * placeholder, and mounting the namespace on it raises no inotify event, so
 * placeholders are looked at again on a timer (2 ms, backing off to once a
 * second) until they are namespaces or gone; one that never becomes a
 * namespace is never reported. A name reported added (or there as a
 * namespace when the watch began) is reported deleted when it is gone, or is
 * another namespace, or was deleted and made again (then it is reported
 * added again). When the kernel's event queue overflows, the directory is
 * read again and the differences are reported. With NETNS_WATCH_EXISTING,
 * the names already there are reported added by the first dispatch, in
 * strcmp() order; without it, only changes are.
 *
 * With NETNS_WATCH_ENTRIES, the directory's entries are reported instead,
 * as inotify tells them and ip netns monitor prints them: ADDED when a name
 * is made (an empty placeholder too), DELETED when it is removed (or renamed
 * away, or replaced by a rename), each event on its own and in the kernel's
 * order, so that a name made and removed between two dispatches is both; ID
 * is all zero, since nothing is looked at. A name's events alternate, ADDED
 * first (a name there when the watch began may start with DELETED). When the
 * kernel's queue overflows, NETNS_WATCH_LOST is reported, then what differs
 * between what was told and what the directory holds. Stores the watch in *RET;
 * the caller frees it with netns_watch_free(). Use a watch from one thread
 * at a time. -EINVAL: unknown FLAGS, RET NULL, or a relative run directory;
 * -EPERM: the directory is missing and creating it needs root; -EMFILE,
 * -ENOMEM; inotify_add_watch(2)'s errors (-EACCES, -ENOSPC: no inotify
 * watches left). */
int netns_watch_open(struct netns_rundir *rd, unsigned flags, struct netns_watch **ret);

/* The watch's file descriptor (close-on-exec; the watch owns it): poll it
 * for POLLIN, or add it to an epoll set, and call netns_watch_dispatch()
 * when it is readable. Never read it. The watch holds three more
 * close-on-exec fds, one of them spare, so that a name can still be looked
 * at when the process has run out of fds. -EINVAL for a NULL W. */
int netns_watch_fd(const struct netns_watch *w);

/* Handles what is ready without blocking, calling CB for each event in the
 * order the names changed. Returns the number of events told (0: nothing
 * new), CB's negative value, -ENOENT once the run directory was removed or
 * moved away (the watch is over: free it), -ENOMEM (what is missed is
 * caught up by a later dispatch), or -EINVAL for a NULL W or CB. */
int netns_watch_dispatch(struct netns_watch *w, netns_watch_cb cb, void *data);

/* Frees a watch and closes its fds; NULL is fine. */
void netns_watch_free(struct netns_watch *w);

#ifdef __cplusplus
}
#endif

#endif /* NETNS_H */
