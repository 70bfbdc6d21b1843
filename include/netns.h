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
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NETNS_VERSION "0.1.0"

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

/* Opens the named namespace RUNDIR/NAME. Returns a close-on-exec fd.
 * -EINVAL: NAME is not a valid name (see netns_name_check()), or the file is
 *          not a network namespace (for example a placeholder with nothing
 *          mounted on it); -ENOENT: no such name. */
int netns_fd_open_name(const char *name);

/* Opens any nsfs file: RUNDIR/NAME, /proc/PID/ns/net,
 * /proc/PID/task/TID/ns/net, or a bind mount of one elsewhere.
 * -EINVAL: the file exists but is not a network namespace (a regular file,
 * another namespace type, a placeholder); other errors are open(2)'s. */
int netns_fd_open_path(const char *path);

/* Opens the namespace of process PID (its main thread).
 * -ESRCH: no such process. */
int netns_fd_open_pid(pid_t pid);

/* Opens the namespace of thread TID of process PID.
 * -ESRCH: no such process or no such thread in it. */
int netns_fd_open_tid(pid_t pid, pid_t tid);

/* Opens the namespace of the calling thread (/proc/thread-self, never
 * /proc/self, which is the main thread's). */
int netns_fd_open_current(void);

/* Returns 0 if FD refers to a network namespace, -EINVAL if it refers to
 * anything else, -EBADF if it is not an open fd. */
int netns_fd_check(int fd);

/* Stores the identity of the namespace behind FD in *RET_ID.
 * -EINVAL: FD is not a network namespace. */
int netns_fd_id(int fd, struct netns_id *ret_id);

/* Returns 1 when the two ids name the same namespace, 0 otherwise. */
int netns_id_equal(const struct netns_id *a, const struct netns_id *b);

/* Returns 1 when both fds refer to the same namespace, 0 when they do not,
 * or a negative errno from netns_fd_id(). */
int netns_fd_same(int a, int b);

/* Returns the namespace's id (nsid) as seen from the calling thread's
 * namespace, -ENOENT when none is assigned, or another negative errno. */
int netns_fd_nsid(int fd);

/* ---------------------------------------------------------------------------
 * The run directory and named namespaces
 */

/* The directory where names live. Default /run/netns, overridden by the
 * environment variable NETNS_RUN_DIR, overridden in turn by
 * netns_rundir_set(). The string stays valid until the next set. */
const char *netns_rundir_get(void);

/* Sets the run directory for this process; NULL restores the default.
 * -EINVAL: DIR is empty or not absolute; -ENOMEM. Not thread-safe against
 * concurrent calls that use the run directory. */
int netns_rundir_set(const char *dir);

/* Creates the run directory (and its parents) if needed and makes it a
 * shared mount point, as the first netns_name_add() does; once per process
 * and directory. For programs that watch the directory before any name
 * exists. -EPERM: needs root or CAP_SYS_ADMIN. */
int netns_rundir_create(void);

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

/* Creates the namespaces NAMES[0..N-1] in order, as netns_name_add() would,
 * all from one throwaway thread: one thread start instead of N. Stops at the
 * first failure and returns its negative errno; *RET_ADDED (when not NULL)
 * is then the index of the failing name, the number made before it, and
 * is N on success. */
int netns_name_add_many(const char *const *names, size_t n, unsigned flags, size_t *ret_added);

/* Names the namespace of process PID (TID == 0) or of its thread TID.
 * -EEXIST: the name exists; -ESRCH: no such process or thread. */
int netns_name_attach(const char *name, pid_t pid, pid_t tid);

/* Names the namespace behind FD. -EEXIST, -EINVAL (not a netns). */
int netns_name_attach_fd(const char *name, int fd);

/* Removes a name: detaches the mount, then unlinks the file. Processes still
 * inside keep the namespace alive; it is freed when the last one leaves.
 * -ENOENT: no such name. */
int netns_name_delete(const char *name);

/* Called once per name. Returning a negative value stops the walk, and the
 * walk returns that value. */
typedef int (*netns_name_cb)(const char *name, const struct netns_id *id, void *data);

/* Calls CB for every name in the run directory that is a network namespace,
 * in strcmp() order. A missing run directory is an empty list. */
int netns_name_foreach(netns_name_cb cb, void *data);

/* Calls CB for every name of the namespace ID, in strcmp() order. Returns
 * the number of names found (0 is not an error), or a negative errno. */
int netns_name_find(const struct netns_id *id, netns_name_cb cb, void *data);

/* ---------------------------------------------------------------------------
 * Scanning /proc
 */

struct netns_thread {
	pid_t pid;
	pid_t tid;
	char comm[16];
	struct netns_id id;   /* the thread's network namespace */
	struct netns_id main; /* its process's main thread's namespace; all
			       * zero when the main thread has exited */
};

typedef int (*netns_thread_cb)(const struct netns_thread *t, void *data);

/* Calls CB for every thread of process PID, or of every process when PID is
 * 0. Threads and processes that vanish during the walk are skipped. Threads
 * whose namespace cannot be read (permissions) are skipped. -ESRCH: PID was
 * given and does not exist. */
int netns_thread_foreach(pid_t pid, netns_thread_cb cb, void *data);

/* Stores the namespace identity of PID (TID == 0: its main thread, or its
 * first live thread when the main thread has exited) or of thread PID/TID.
 * -ESRCH: no such process or thread. */
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
 * -EINVAL: FD is not a network namespace, or FN is NULL; -EPERM: no right
 * to enter it; -EAGAIN: no thread. FN should therefore return >= 0 or a
 * negative errno of its own. */
int netns_run(int fd, int (*fn)(void *arg), void *arg);

/* Runs FN(I, ARG) in namespace FDS[I] for each I from 0 to N-1, on one
 * throwaway thread that visits them in turn (one thread start, then one
 * setns(2) per namespace: much cheaper than N netns_run() calls when N is
 * large), and stores each result in RET[I]: FN's, or the negative errno of
 * entering FDS[I] (-EBADF for a negative fd, -EINVAL for one that is not a
 * network namespace). The thread runs with every signal blocked and is
 * discarded afterwards. Returns 0, or -EINVAL for bad arguments, or a
 * negative errno when the thread could not be started (RET is then unset). */
int netns_run_many(const int *fds, size_t n, int (*fn)(size_t i, void *arg), void *arg,
		   int *ret);

/* Creates a socket(DOMAIN, TYPE, PROTOCOL) that belongs to the namespace FD
 * and returns it; SOCK_CLOEXEC is always added (TYPE may carry
 * SOCK_NONBLOCK). Works for every domain, NETLINK_ROUTE included. The socket
 * is made by netns_run() on a throwaway thread: no code of the caller, signal
 * handlers included, runs in FD's namespace because of it. Errors are
 * netns_run()'s and socket(2)'s (-EAFNOSUPPORT, -EPROTONOSUPPORT, -EMFILE). */
int netns_socket(int fd, int domain, int type, int protocol);

/* Starts FILE (searched in PATH like execvp) with ARGV and ENVP (NULL:
 * environ) in the namespace FD, the way posix_spawn does: a child that
 * shares memory until it execs, its signal handlers reset to the default and
 * the caller's signal mask. Only the child enters FD; no thread of the caller
 * switches. Returns 0 and the child's pid in *RET_PID once the program is
 * running; the caller reaps it (waitpid). If the exec fails, the child is
 * reaped and its errno is returned (-ENOENT, -EACCES, ...; like execvp, a
 * file that is not a binary and has no #! line is run by /bin/sh); -EBADF or
 * -EINVAL for a bad FD, -EINVAL for a missing FILE, ARGV or RET_PID. The
 * child inherits only the fds that are not close-on-exec. */
int netns_spawn(int fd, const char *file, char *const argv[], char *const envp[],
		pid_t *ret_pid);

/* ---------------------------------------------------------------------------
 * Links, addresses and routes, over rtnetlink
 *
 * FD names the namespace to act in; -1 means the calling thread's own.
 * When the kernel explains an error (extended ack), netns_error_message()
 * returns its text until the calling thread's next call.
 */

/* The kernel's extended-ack message for the calling thread's last failed
 * netlink call, or NULL. */
const char *netns_error_message(void);

/* Sets interface IFNAME in namespace FD up (UP true) or down.
 * -ENODEV: no such interface; -EINVAL: IFNAME is empty, 16 bytes or longer,
 * or holds '/', ':' or white space (every IFNAME below is checked so). */
int netns_link_set_up(int fd, const char *ifname, bool up);

/* Moves IFNAME from namespace FD to namespace TO_FD (-1: the caller's).
 * -ENODEV: no such interface; -EINVAL: TO_FD is not a namespace;
 * -EEXIST: the name is taken there. */
int netns_link_move(int fd, const char *ifname, int to_fd);

/* Deletes IFNAME in namespace FD (a veth takes its peer with it).
 * -ENODEV: no such interface. */
int netns_link_delete(int fd, const char *ifname);

/* One end of a veth pair. */
struct netns_veth_end {
	int fd;                 /* its namespace; -1: the caller's */
	const char *ifname;     /* its name */
	const char *const *addrs; /* NULL-terminated CIDRs (IPv4 or IPv6), or NULL */
};

/* Creates a veth pair with ends A and B, sets MTU when non-zero, adds the
 * addresses and brings both ends up. Each end is created directly in its
 * namespace (IFLA_NET_NS_FD), never moved. Input is checked before anything
 * is made; a later failure deletes the pair. -EEXIST: a name is taken;
 * -EINVAL: a bad CIDR, name or fd; else the kernel's error (with its
 * message in netns_error_message()). */
int netns_veth_add(const struct netns_veth_end *a, const struct netns_veth_end *b,
		   unsigned mtu);

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

struct netns_link {
	int index;
	char name[16];
	unsigned flags;     /* IFF_* */
	unsigned mtu;
	bool up;            /* IFF_UP */
	const char *kind;   /* IFLA_INFO_KIND: "veth", "dummy", ... or "" (lo) */
	char operstate[16]; /* "UP", "DOWN", "UNKNOWN", ... */
	size_t n_addrs;
	const char *const *addrs; /* CIDR strings */
};

typedef int (*netns_link_cb)(const struct netns_link *link, void *data);

/* Calls CB for every link of namespace FD, in index order, with its IPv4
 * then IPv6 addresses (ADDRS is NULL-terminated). Pointers are valid only
 * during the callback. A negative value from CB stops the walk and is
 * returned. */
int netns_link_foreach(int fd, netns_link_cb cb, void *data);

#ifdef __cplusplus
}
#endif

#endif /* NETNS_H */
