/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink transport over libmnl: sockets, request/ack, extended-ack errors. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

int nsi_nl_open(int fd, struct mnl_socket **ret)
{
	struct mnl_socket *nl;
	int s, one = 1;

	s = fd < 0 ? socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
		   : netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (s < 0)
		return fd < 0 ? negerrno() : s;
	/* Ask for the kernel's explanation of errors, without the echoed request. */
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl = mnl_socket_fdopen(s);
	if (!nl) {
		int r = negerrno();

		close(s);
		return r;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = negerrno();

		mnl_socket_close(nl);
		return r;
	}
	*ret = nl;
	return 0;
}

/* Records NLMSGERR_ATTR_MSG from the TLVs that start OFF bytes into NLH's
 * payload (after the nlmsgerr of an ERROR, or the int of a DONE). */
static void extack_record(const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *attr;
	const void *tlvs;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	tlvs = (const char *)mnl_nlmsg_get_payload(nlh) + off;
	mnl_attr_for_each_payload(tlvs, mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			nsi_error_set(mnl_attr_get_str(attr));
	}
}

/* Where the TLVs of an NLMSG_ERROR start: after the echoed request, unless
 * the kernel capped it (NETLINK_CAP_ACK) to its header. */
static size_t extack_offset(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		return sizeof(*err);
	return sizeof(*err) + MNL_ALIGN(mnl_nlmsg_get_payload_len(&err->msg));
}

/* Reads the answers to request SEQ into BUF until ACK, DONE or an error. */
static int nl_receive(struct mnl_socket *nl, char *buf, size_t size, unsigned seq,
		      nsi_nl_cb cb, void *data)
{
	unsigned portid = mnl_socket_get_portid(nl);

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, size);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return negerrno();
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			/* Ignore what is not the answer to this request. */
			if (!mnl_nlmsg_portid_ok(m, portid) || !mnl_nlmsg_seq_ok(m, seq))
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e))
					return -EBADMSG;
				if (e->error)
					extack_record(m, extack_offset(m));
				/* The kernel sends a negative errno; 0 is the ACK. */
				return e->error > 0 ? -e->error : e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int)) {
					int e = *(const int *)mnl_nlmsg_get_payload(m);

					if (e < 0)
						extack_record(m, sizeof(int));
					return e < 0 ? e : 0;
				}
				return 0;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue; /* NOOP, OVERRUN */
			if (cb) {
				int r = cb(m, data);

				if (r < 0)
					return r;
			}
		}
	}
}

int nsi_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, nsi_nl_cb cb, void *data)
{
	static __thread unsigned seq;
	/* NLM_F_DUMP shares its bits with NLM_F_EXCL/NLM_F_REPLACE: it means a
	 * dump only on an RTM_GET* request (type % 4 == 2). */
	bool dump = (nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	char small[NETNS_NL_BUF], *buf;
	int r;

	nsi_error_set(NULL);
	if (!seq)
		seq = (unsigned)time(NULL);
	nlh->nlmsg_seq = ++seq;
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return negerrno();
	if (!dump)
		return nl_receive(nl, small, sizeof(small), seq, cb, data);
	/* Dumps need a large buffer. Not on the stack: netns_name_add's
	 * throwaway threads would fault in (and glibc then free) 32 KB of fresh
	 * stack on every add. */
	buf = malloc(NETNS_NL_DUMP);
	if (!buf)
		return -ENOMEM;
	r = nl_receive(nl, buf, NETNS_NL_DUMP, seq, cb, data);
	free(buf);
	return r;
}

static int nsid_parse(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct rtgenmsg)) {
		if (mnl_attr_get_type(attr) == NETNSA_NSID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			*(int *)data = (int)mnl_attr_get_u32(attr);
	}
	return 0;
}

int nsi_nl_nsid(struct mnl_socket *nl, int fd)
{
	char buf[NETNS_NL_BUF];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int r, nsid = -1;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	r = nsi_nl_talk(nl, nlh, nsid_parse, &nsid);
	if (r < 0)
		return r;
	return nsid >= 0 ? nsid : -ENOENT;
}

NETNS_EXPORT int netns_fd_nsid(int fd)
{
	struct mnl_socket *nl;
	int r;

	nsi_error_set(NULL);
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	r = nsi_nl_open(-1, &nl);
	if (r < 0)
		return r;
	r = nsi_nl_nsid(nl, fd);
	mnl_socket_close(nl);
	return r;
}
