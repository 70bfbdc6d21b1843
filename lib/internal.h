/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to libnetns: helpers shared between lib/ files. Nothing here is exported. */
#ifndef NETNS_INTERNAL_H
#define NETNS_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "netns.h"

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
int netns_open_nsfs(const char *path, int dirfd, int flags);

/* rundir.c: builds RUNDIR/NAME after checking NAME; -EINVAL, -ENAMETOOLONG. */
int netns_rundir_path(const char *name, char *buf, size_t size);

/* switch.c: runs FN on a throwaway thread with every signal blocked, in
 * namespace FD, or starting in the caller's (NETNS_THREAD_HERE) for FN to
 * move on from with setns or unshare; returns FN's result. */
#define NETNS_THREAD_HERE (-1)
int netns_thread_run(int fd, int (*fn)(void *arg), void *arg);

/* nl.c: rtnetlink request/response through libmnl. */
/* Request buffer; MNL_SOCKET_BUFFER_SIZE is a run-time value (a VLA). */
#define NETNS_NL_BUF 8192
/* Receive buffer, large enough for any dump message (MNL_SOCKET_DUMP_SIZE). */
#define NETNS_NL_DUMP 32768
struct mnl_socket;
struct nlmsghdr;
typedef int (*netns_nl_cb)(const struct nlmsghdr *nlh, void *data);
/* Opens a NETLINK_ROUTE socket in namespace FD (-1: the caller's). */
int netns_nl_open(int fd, struct mnl_socket **ret);
/* Sends NLH (its seq is set here) and reads replies until ACK, DONE or
 * error, calling CB for each data message. Returns 0 or the kernel's
 * negative errno, and records the extended ack, if any. */
int netns_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, netns_nl_cb cb, void *data);
/* Records (or clears, with NULL) the message netns_error_message() returns. */
void netns_error_set(const char *msg);

/* link.c, addr.c: helpers shared by links, addresses and routes. */
/* 0 if IFNAME is a name the kernel accepts (dev_valid_name()), else -EINVAL. */
int netns_ifname_check(const char *ifname);
/* The index of IFNAME in NL's namespace; -ENODEV. */
int netns_nl_ifindex(struct mnl_socket *nl, const char *ifname);
struct netns_cidr {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};
/* Parses "ADDR/PREFIX" (or a bare ADDR: a host prefix). -EINVAL. */
int netns_cidr_parse(const char *s, struct netns_cidr *ret);
/* Adds (ADD) or deletes address C on interface IFINDEX through NL. */
int netns_addr_change(struct mnl_socket *nl, int ifindex, const struct netns_cidr *c, bool add);

#endif
