/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to libnetns: helpers shared between lib/ files. Nothing here is exported. */
#ifndef NETNS_INTERNAL_H
#define NETNS_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "netns.h"
#include "rtnl/rtnl.h"

#define NETNS_EXPORT __attribute__((visibility("default")))

/* Cleanup helpers in the systemd style: the variable is released when it goes
 * out of scope; hand it off with TAKE_FD()/TAKE_PTR() on success. */
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })

static inline int negerrno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* fd.c */
int nsi_open_nsfs(const char *path, int dirfd, int flags);

/* rundir.c. RD NULL is the process's default run directory. */
/* The run directory's path; -EINVAL if NETNS_RUN_DIR names a relative one. */
int nsi_rundir_dir(const struct netns_rundir *rd, const char **ret);
/* Builds RUNDIR/NAME after checking NAME; -EINVAL, -ENAMETOOLONG. */
int nsi_rundir_name_path(const struct netns_rundir *rd, const char *name, char *buf,
			 size_t size);
/* Takes the run directory's name lock (an flock on the directory) and
 * returns the fd holding it; close it to release. Adds, attaches and deletes
 * of names hold it, so that a name is always exactly one mount. */
int nsi_rundir_lock(const struct netns_rundir *rd);

/* names.c: makes NAME on the calling thread, which it moves into the new
 * namespace (a throwaway thread: see netns_name_add()); the caller holds
 * the run directory's name lock. CB, when not NULL, is called as
 * netns_name_made_cb() says, with index I and DATA. */
int nsi_name_make_here(const struct netns_rundir *rd, const char *name, unsigned flags,
		       int *ret_fd, netns_name_made_cb cb, size_t i, void *data);

/* switch.c: runs FN on a throwaway thread with every signal blocked, in
 * namespace FD, or starting in the caller's (NSI_THREAD_HERE) for FN to
 * move on from with setns or unshare; returns FN's result. */
#define NSI_THREAD_HERE (-1)
int nsi_thread_run(int fd, int (*fn)(void *arg), void *arg);

/* socket-here.c: a socket made in namespace FD (a bad FD: -EBADF, one that
 * is no network namespace: -EMEDIUMTYPE) on the
 * calling thread, which goes there and back with every signal blocked, when
 * the way back is proved. Returns 1 with the close-on-exec socket or a
 * negative errno in *RET, or 0 when it could not prove the way back (the
 * thread has not moved; the worker makes the socket then). */
int nsi_here_socket(int fd, int domain, int type, int protocol, int *ret);

/* worker.c: a socket made in namespace FD (already checked) by the library's
 * socket worker, which returns home after each job and retires if it cannot.
 * Returns the close-on-exec socket or a negative errno. */
int nsi_worker_socket(int fd, int domain, int type, int protocol);

/* nl.c: the library's rtnetlink, on the tree's one layer (rtnl/rtnl.h). */
/* Opens a NETLINK_ROUTE socket in namespace FD (-1: the caller's). */
int nsi_nl_open(int fd, struct mnl_socket **ret);
/* rtnl_talk(), with the kernel's extended ack, if any, recorded for
 * netns_error_message(). */
int nsi_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, rtnl_cb cb, void *data);
/* The same for one request built by BUILD's result R into NLH: passes a
 * builder's error on. */
int nsi_nl_send(struct mnl_socket *nl, struct nlmsghdr *nlh, int r);
/* Records (or clears, with NULL) the message netns_error_message() returns. */
void nsi_error_set(const char *msg);
/* The nsid of namespace FD as seen from NL's namespace: >= 0, -ENOENT when
 * none is assigned, or the kernel's error. */
int nsi_nl_nsid(struct mnl_socket *nl, int fd);

/* link.c, addr.c: helpers shared by links, addresses and routes. */
/* The index of IFNAME in NL's namespace; -ENODEV. */
int nsi_nl_ifindex(struct mnl_socket *nl, const char *ifname);
/* Adds (ADD) or deletes address C on interface IFINDEX through NL. */
int nsi_addr_change(struct mnl_socket *nl, int ifindex, const struct rtnl_ip *c, bool add);

#endif
