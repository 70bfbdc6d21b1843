/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* veth pairs: both ends born in their namespaces, up, with addresses. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

static int end_check(const struct netns_veth_end *e)
{
	struct rtnl_ip c;
	int r;

	if (!e)
		return -EINVAL;
	r = netns_ifname_check(e->ifname);
	if (r < 0)
		return r;
	if (e->fd >= 0) {
		r = netns_fd_check(e->fd);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; e->addrs && e->addrs[i]; i++) {
		r = rtnl_ip_parse(e->addrs[i], &c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* End E in a request: born in its namespace (IFLA_NET_NS_FD) when that is
 * not the socket's, instead of moved there afterwards. */
static struct rtnl_link end_link(const struct netns_veth_end *e, unsigned mtu)
{
	return (struct rtnl_link){
		.ifname = e->ifname,
		.mtu = mtu,
		.in_netns = e->fd >= 0,
		.netns_fd = e->fd,
	};
}

/* One RTM_NEWLINK through NL, a socket in the caller's namespace: A up at
 * once, B later (rtnl_veth_new_msg() says why). */
static int pair_create(struct mnl_socket *nl, const struct netns_veth_end *a,
		       const struct netns_veth_end *b, unsigned mtu)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtnl_link la = end_link(a, mtu), lb = end_link(b, mtu);

	la.up = RTNL_ON;
	return nsi_nl_send(nl, nlh, rtnl_veth_new_msg(nlh, sizeof(buf), &la, &lb));
}

/* Brings E up (when UP) and adds its addresses through NL, a socket in E's
 * namespace. */
static int end_setup(struct mnl_socket *nl, const struct netns_veth_end *e, bool up)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh;
	struct rtnl_ip c;
	int index, r;

	if (up) {
		/* By name: no index lookup when there is no address to add. */
		struct rtnl_link l = { .ifname = e->ifname, .up = RTNL_ON };

		nlh = mnl_nlmsg_put_header(buf);
		r = nsi_nl_send(nl, nlh, rtnl_link_set_msg(nlh, sizeof(buf), &l));
		if (r < 0)
			return r;
	}
	if (!e->addrs || !e->addrs[0])
		return 0;
	index = nsi_nl_ifindex(nl, e->ifname);
	if (index < 0)
		return index;
	for (size_t i = 0; e->addrs[i]; i++) {
		r = rtnl_ip_parse(e->addrs[i], &c);
		if (r >= 0)
			r = nsi_addr_change(nl, index, &c, true);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Runs end_setup on a socket in E's namespace: NL itself when E is the caller's. */
static int end_setup_in(struct mnl_socket *nl, const struct netns_veth_end *e, bool up)
{
	struct mnl_socket *own;
	int r;

	if (!up && (!e->addrs || !e->addrs[0]))
		return 0;
	if (e->fd < 0)
		return end_setup(nl, e, up);
	r = nsi_nl_open(e->fd, &own);
	if (r < 0)
		return r;
	r = end_setup(own, e, up);
	mnl_socket_close(own);
	return r;
}

/* Copies the caller's end into this version's layout: a caller built
 * against an older header passes a smaller SIZE (the fields it lacks are
 * zero here), a newer one a larger (fields we do not know must be zero). */
static int end_import(const struct netns_veth_end *e, struct netns_veth_end *ret)
{
	if (!e || e->size < NETNS_VETH_END_SIZE_1_0)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, e, e->size < sizeof(*ret) ? e->size : sizeof(*ret));
	for (size_t i = sizeof(*ret); i < e->size; i++)
		if (((const unsigned char *)e)[i])
			return -EINVAL;
	ret->size = sizeof(*ret);
	return 0;
}

NETNS_EXPORT int netns_veth_add(const struct netns_veth_end *a_in,
				const struct netns_veth_end *b_in, unsigned mtu)
{
	struct netns_veth_end ea, eb, *a = &ea, *b = &eb;
	struct mnl_socket *nl;
	int r;

	nsi_error_set(NULL);
	r = end_import(a_in, a);
	if (r >= 0)
		r = end_import(b_in, b);
	if (r >= 0)
		r = end_check(a);
	if (r >= 0)
		r = end_check(b);
	if (r < 0)
		return r;
	r = nsi_nl_open(-1, &nl);
	if (r < 0)
		return r;
	r = pair_create(nl, a, b, mtu);
	if (r < 0) {
		mnl_socket_close(nl);
		return r;
	}
	r = end_setup_in(nl, a, false);
	if (r >= 0)
		r = end_setup_in(nl, b, true);
	mnl_socket_close(nl);
	if (r < 0) {
		/* Keep the kernel's reason for the failure, not the cleanup's. */
		char msg[256];
		const char *m = netns_error_message();

		snprintf(msg, sizeof(msg), "%s", m ? m : "");
		netns_link_delete(a->fd, a->ifname);
		nsi_error_set(msg[0] ? msg : NULL);
	}
	return r;
}

/* Deletes the pairs of slots FROM..N-1 of B that the kernel made. */
static void batch_undo(const struct rtnl_batch *b, unsigned from, const struct netns_veth_end *e)
{
	for (unsigned j = from; j < b->n; j++)
		if (b->err[j] == 0)
			netns_link_delete(e[2 * j].fd, e[2 * j].ifname);
}

/* Makes the pairs E[0..2N-1] (N <= RTNL_BATCH_MAX) in one batch, then
 * finishes each: 0, or the error of the first that failed, in *RET_FAILED,
 * with nothing left of it or of the pairs after it. */
static int veth_batch(struct mnl_socket *nl, struct rtnl_batch *b, const struct netns_veth_end *e,
		      size_t n, unsigned mtu, size_t *ret_failed)
{
	int r = rtnl_batch_start(b);

	for (size_t j = 0; r >= 0 && j < n; j++) {
		struct rtnl_link la = end_link(&e[2 * j], mtu), lb = end_link(&e[2 * j + 1], mtu);
		struct nlmsghdr *nlh = rtnl_batch_msg(b);

		la.up = RTNL_ON;
		r = nlh ? rtnl_batch_add(b, rtnl_veth_new_msg(nlh, RTNL_BATCH_LIMIT, &la, &lb))
			: -ENOBUFS;
	}
	if (r >= 0)
		r = rtnl_batch_run(nl, b, NULL, NULL);
	rtnl_batch_stop(b);
	if (r < 0) {
		/* The socket failed: what was made is not known; none of it stays. */
		if (b->n)
			batch_undo(b, 0, e);
		*ret_failed = 0;
		return r;
	}
	for (unsigned j = 0; j < b->n; j++) {
		r = b->err[j];
		if (r < 0) {
			nsi_error_set(b->msg[j][0] ? b->msg[j] : NULL);
		} else {
			r = end_setup_in(nl, &e[2 * j], false);
			if (r >= 0)
				r = end_setup_in(nl, &e[2 * j + 1], true);
			if (r < 0) {
				char msg[256];
				const char *m = netns_error_message();

				snprintf(msg, sizeof(msg), "%s", m ? m : "");
				netns_link_delete(e[2 * j].fd, e[2 * j].ifname);
				nsi_error_set(msg[0] ? msg : NULL);
			}
		}
		if (r < 0) {
			char msg[256];
			const char *m = netns_error_message();

			snprintf(msg, sizeof(msg), "%s", m ? m : "");
			batch_undo(b, j + 1, e);
			nsi_error_set(msg[0] ? msg : NULL);
			*ret_failed = j;
			return r;
		}
	}
	return 0;
}

NETNS_EXPORT int netns_veth_add_many(const struct netns_veth_end *ends, size_t n, unsigned mtu,
				     size_t *ret_added)
{
	_cleanup_free_ struct netns_veth_end *e = NULL;
	_cleanup_free_ struct rtnl_batch *b = NULL;
	struct mnl_socket *nl;
	size_t done = 0, failed;
	int r = 0;

	nsi_error_set(NULL);
	if (ret_added)
		*ret_added = 0;
	if (n && !ends)
		return -EINVAL;
	if (n > SIZE_MAX / (2 * sizeof(*e)))
		return -ENOMEM;
	e = calloc(2 * n + 1, sizeof(*e));
	b = malloc(sizeof(*b));
	if (!e || !b)
		return -ENOMEM;
	/* Every end checked before anything is made. An end's SIZE says how
	 * far apart the caller's array holds them: all of this version's. */
	for (size_t i = 0; i < 2 * n; i++) {
		if (ends[i].size != sizeof(*ends))
			return -EINVAL;
		r = end_import(&ends[i], &e[i]);
		if (r >= 0)
			r = end_check(&e[i]);
		if (r < 0)
			return r;
	}
	r = nsi_nl_open(-1, &nl);
	if (r < 0)
		return r;
	while (done < n) {
		size_t k = n - done < RTNL_BATCH_MAX ? n - done : RTNL_BATCH_MAX;

		r = veth_batch(nl, b, &e[2 * done], k, mtu, &failed);
		if (r < 0) {
			done += failed;
			break;
		}
		done += k;
	}
	mnl_socket_close(nl);
	if (ret_added)
		*ret_added = done;
	return r;
}
