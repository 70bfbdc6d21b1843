/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Batches: requests built one after another in one buffer with libmnl's
 * mnl_nlmsg_batch, sent in one sendmsg, each answered by its own ack. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "rtnl.h"

int rtnl_batch_start(struct rtnl_batch *b)
{
	b->n = 0;
	b->b = mnl_nlmsg_batch_start(b->buf, RTNL_BATCH_LIMIT);
	return b->b ? 0 : -ENOMEM;
}

void rtnl_batch_stop(struct rtnl_batch *b)
{
	if (b->b)
		mnl_nlmsg_batch_stop(b->b);
	b->b = NULL;
}

struct nlmsghdr *rtnl_batch_msg(struct rtnl_batch *b)
{
	if (!b->b || b->n == RTNL_BATCH_MAX)
		return NULL;
	return mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b->b));
}

int rtnl_batch_add(struct rtnl_batch *b, int r)
{
	struct nlmsghdr *nlh;

	if (r < 0)
		return r;
	if (!b->b || b->n == RTNL_BATCH_MAX)
		return -ENOBUFS;
	nlh = mnl_nlmsg_batch_current(b->b);
	nlh->nlmsg_flags |= NLM_F_ACK;
	/* false: the request took the batch past its limit; it stays out
	 * (the next one is built over it). */
	if (!mnl_nlmsg_batch_next(b->b))
		return -ENOBUFS;
	return (int)b->n++;
}

int rtnl_batch_error(const struct rtnl_batch *b, unsigned *ret_slot)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->err[i] < 0) {
			if (ret_slot)
				*ret_slot = i;
			return b->err[i];
		}
	return 0;
}

int rtnl_batch_run(struct mnl_socket *nl, struct rtnl_batch *b, rtnl_slot_cb cb, void *data)
{
	char buf[32768];
	unsigned portid = mnl_socket_get_portid(nl), done = 0, i;
	int cb_err[RTNL_BATCH_MAX] = { 0 };
	char *p;

	if (!b->b)
		return -EINVAL;
	b->seq0 = rtnl_seq(b->n);
	/* Each request its own sequence number: seq0 + its slot. */
	p = mnl_nlmsg_batch_head(b->b);
	for (i = 0; i < b->n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)p;

		nlh->nlmsg_seq = b->seq0 + i;
		b->err[i] = -EINPROGRESS;
		b->msg[i][0] = '\0';
		p += nlh->nlmsg_len;
	}
	if (!b->n)
		return 0;
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b->b), mnl_nlmsg_batch_size(b->b)) < 0)
		return errno > 0 ? -errno : -EIO;
	/* The kernel answers in order: each request's data (a GETLINK's
	 * link), then its ack or error; a dump ends with DONE. */
	while (done < b->n) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return errno > 0 ? -errno : -EIO;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			unsigned slot = m->nlmsg_seq - b->seq0;

			if (!mnl_nlmsg_portid_ok(m, portid) || slot >= b->n ||
			    b->err[slot] != -EINPROGRESS)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e))
					return -EBADMSG;
				b->err[slot] = e->error > 0 ? -e->error : e->error;
				if (!e->error)
					b->err[slot] = cb_err[slot];
				else
					rtnl_extack(m, b->msg[slot], sizeof(b->msg[slot]));
				done++;
			} else if (m->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int))
					e = *(const int *)mnl_nlmsg_get_payload(m);
				b->err[slot] = e < 0 ? e : cb_err[slot];
				if (e < 0)
					rtnl_extack(m, b->msg[slot], sizeof(b->msg[slot]));
				done++;
			} else if (m->nlmsg_type >= NLMSG_MIN_TYPE && cb) {
				int r = cb(m, slot, data);

				/* Kept until the ack, which ends the slot. */
				if (r < 0 && !cb_err[slot])
					cb_err[slot] = r;
			}
		}
	}
	return 0;
}
