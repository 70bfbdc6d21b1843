/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One request and its answers; the kernel's extended ack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "rtnl.h"

/* Large enough for any dump message (MNL_SOCKET_DUMP_SIZE). */
#define RTNL_DUMP_BUF 32768

struct nlmsghdr *rtnl_msg(void *buf)
{
	return mnl_nlmsg_put_header(buf);
}

unsigned rtnl_seq(unsigned count)
{
	static __thread unsigned seq;
	unsigned s;

	if (!seq)
		seq = (unsigned)time(NULL);
	s = seq + 1;
	seq += count ? count : 1;
	return s;
}

void rtnl_extack(const struct nlmsghdr *m, char *buf, size_t len)
{
	size_t off, plen = mnl_nlmsg_get_payload_len(m);
	const struct nlattr *attr;
	const void *tlvs;

	if (buf && len)
		buf[0] = '\0';
	if (!buf || !len || !(m->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (m->nlmsg_type == NLMSG_DONE) {
		off = sizeof(int);
	} else {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

		if (plen < sizeof(*e))
			return;
		/* The TLVs follow the nlmsgerr and the echoed request, only
		 * its header when the kernel capped it (NETLINK_CAP_ACK). */
		off = sizeof(*e);
		if (!(m->nlmsg_flags & NLM_F_CAPPED))
			off += MNL_ALIGN(mnl_nlmsg_get_payload_len(&e->msg));
	}
	if (off >= plen)
		return;
	tlvs = (const char *)mnl_nlmsg_get_payload(m) + off;
	mnl_attr_for_each_payload(tlvs, plen - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(buf, len, "%s", mnl_attr_get_str(attr));
	}
}

/* Reads the answers to request SEQ into BUF until ACK, DONE or an error. */
static int receive(struct mnl_socket *nl, char *buf, size_t size, unsigned seq, rtnl_cb cb,
		   void *data, char *msg, size_t msglen)
{
	unsigned portid = mnl_socket_get_portid(nl);

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, size);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return errno > 0 ? -errno : -EIO;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			/* Ignore what is not the answer to this request. */
			if (!mnl_nlmsg_portid_ok(m, portid) || !mnl_nlmsg_seq_ok(m, seq))
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e))
					return -EBADMSG;
				if (e->error)
					rtnl_extack(m, msg, msglen);
				/* The kernel sends a negative errno; 0 is the ACK. */
				return e->error > 0 ? -e->error : e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int))
					e = *(const int *)mnl_nlmsg_get_payload(m);
				if (e < 0)
					rtnl_extack(m, msg, msglen);
				return e < 0 ? e : 0;
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

int rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, rtnl_cb cb, void *data, char *msg,
	      size_t msglen)
{
	/* NLM_F_DUMP shares its bits with NLM_F_EXCL/NLM_F_REPLACE: it means a
	 * dump only on an RTM_GET* request (type % 4 == 2). */
	bool dump = (nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	char small[RTNL_BUF], *buf;
	unsigned seq = rtnl_seq(1);
	int r;

	if (msg && msglen)
		msg[0] = '\0';
	nlh->nlmsg_seq = seq;
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return errno > 0 ? -errno : -EIO;
	if (!dump)
		return receive(nl, small, sizeof(small), seq, cb, data, msg, msglen);
	/* Dumps need a large buffer. Not on the stack: libnetns's throwaway
	 * threads would fault in (and glibc then free) 32 KB of fresh stack
	 * on every call. */
	buf = malloc(RTNL_DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	r = receive(nl, buf, RTNL_DUMP_BUF, seq, cb, data, msg, msglen);
	free(buf);
	return r;
}
