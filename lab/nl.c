/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lab engine's rtnetlink sockets (the command's nsid uses them too): a
 * socket that asks for the kernel's reasons, and reading them from an
 * error. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "lab.h"

struct mnl_socket *lab_nl_open(unsigned groups)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? NULL : lab_nl_fdopen(fd, groups);
}

struct mnl_socket *lab_nl_fdopen(int fd, unsigned groups)
{
	struct mnl_socket *nl;
	int one = 1;

	/* The kernel's explanation of a failure, without the request echoed. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (!(nl = mnl_socket_fdopen(fd))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	/* Bound, the kernel gives it a port id of its own (AUTOPID), which
	 * mnl_nlmsg_portid_ok() then checks: unbound, it reads port id 0,
	 * and 0 passes every message. */
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

void lab_nl_extack(const struct nlmsghdr *m, char *buf, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
	size_t off = sizeof(*e), plen = mnl_nlmsg_get_payload_len(m);
	const struct nlattr *attr;
	const void *tlvs;

	if (len)
		buf[0] = '\0';
	if (plen < sizeof(*e) || !(m->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* The TLVs follow the nlmsgerr and the request's header (only the
	 * header when capped). */
	if (!(m->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(mnl_nlmsg_get_payload_len(&e->msg));
	if (off >= plen)
		return;
	tlvs = (const char *)e + off;
	mnl_attr_for_each_payload(tlvs, plen - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(buf, len, "%s", mnl_attr_get_str(attr));
	}
}

/* Waits for the ack of request SEQ on NL: 0 or its error, the kernel's
 * extended ack, if any, into MSG. */
int lab_nl_ack(struct mnl_socket *nl, unsigned seq, char *msg, size_t msglen)
{
	char buf[8192];
	unsigned portid = mnl_socket_get_portid(nl);

	msg[0] = '\0';
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			const struct nlmsgerr *e;

			if (!mnl_nlmsg_portid_ok(h, portid) || !mnl_nlmsg_seq_ok(h, seq) ||
			    h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(h);
			if (mnl_nlmsg_get_payload_len(h) < sizeof(*e))
				return -EBADMSG;
			if (e->error)
				lab_nl_extack(h, msg, msglen);
			return e->error > 0 ? -e->error : e->error;
		}
	}
}
