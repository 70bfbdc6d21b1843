/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab check's probes: one ICMP echo from a socket born in the source
 * node's namespace (netns_socket()), so no ping binary and no thread of
 * ours ever switches namespace.
 *
 * The sockets are SOCK_RAW. The unprivileged kind (SOCK_DGRAM, IPPROTO_ICMP)
 * needs the node's net.ipv4.ping_group_range to hold our group, and a new
 * namespace starts with "1 0", which allows nobody (systemd widens it only
 * in the host's namespace): it would mean changing every node. Raw sockets
 * need CAP_NET_RAW in the node's namespace, which whoever made the lab has.
 * Each is bound to the source end's interface and address and connected to
 * the target, so that the kernel hands it only replies from that target, and
 * an ICMP filter drops every type but echo reply.
 *
 * Probes run in parallel, a bounded number at a time (window_size(): the
 * fd limit and the kernel's neighbour tables), each given one second
 * (--timeout): a 10,000-link lab needs no more fds than a small one. What
 * they leave in the neighbour tables is removed (neigh_forget()). IPv6
 * probes wait for their addresses to leave DAD (dad_settle()), and one that
 * failed on an address tentative again goes again (lab_probe_run()). */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
/* After netinet/in.h: linux/icmp.h pulls in linux/in6.h, whose libc-compat
 * guards only step aside for glibc's definitions when those came first. */
#include <linux/icmp.h>
#include <poll.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* How long probes whose IPv6 addresses are tentative are tried again. */
#define DAD_WAIT_NS (10LL * 1000 * 1000 * 1000)

#define WINDOW_MAX 1024

struct echo {
	uint8_t type, code;
	uint16_t cksum, id, seq;
	char data[24];
};

static uint16_t inet_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void sockaddr_of(const struct rtnl_ip *ip, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip->a, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip->a, 16);
		*len = sizeof(*sin6);
	}
}

/* Makes ROW's socket in the source node and sends the echo request.
 * Returns 0 or a negative errno (the probe has then failed). */
static int probe_start(struct row *row)
{
	bool v4 = row->src->ip.family == AF_INET;
	struct sockaddr_storage ss;
	struct echo e = { .type = v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST, .id = row->id,
			  .seq = row->seq, .data = "netns lab check" };
	socklen_t len;
	int fd, s, r;

	fd = netns_fd_open_name(row->from->ns);
	if (fd < 0) {
		row->no_ns = fd == -ENOENT;
		return fd;
	}
	s = netns_socket(fd, v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK,
			 v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	close(fd);
	if (s < 0)
		return s;
	if (v4) {
		struct icmp_filter f = { ~(1U << ICMP_ECHOREPLY) };

		r = setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		/* The kernel computes ICMPv6 checksums on raw sockets (RFC 3542 3.1). */
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		r = setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	/* The kernel stamps each reply as it arrives: the RTT does not count
	 * the time this loop spends starting other probes. */
	if (r == 0)
		r = setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 }, sizeof(int));
	if (r == 0)
		r = setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, row->from->ifname,
			       (socklen_t)strlen(row->from->ifname) + 1);
	if (r == 0) {
		sockaddr_of(&row->src->ip, &ss, &len);
		r = bind(s, (struct sockaddr *)&ss, len);
	}
	if (r == 0) {
		sockaddr_of(&row->dst->ip, &ss, &len);
		r = connect(s, (struct sockaddr *)&ss, len);
	}
	if (v4)
		e.cksum = inet_cksum(&e, sizeof(e));
	clock_gettime(CLOCK_MONOTONIC, &row->sent);
	clock_gettime(CLOCK_REALTIME, &row->sent_real);
	if (r == 0 && send(s, &e, sizeof(e), 0) < 0)
		r = -1;
	if (r < 0) {
		r = -errno;
		close(s);
		return r;
	}
	row->sock = s;
	return 0;
}

/* An rtnetlink socket made in namespace NS (rtnl_fdopen()) into *RET, and
 * IFNAME's index there (unless IFNAME is NULL). 0 or a negative errno. */
static int rtnl_in_node(const char *ns, const char *ifname, struct mnl_socket **ret,
			int *ret_ifindex)
{
	struct ifreq ifr = { 0 };
	int fd, s;

	fd = netns_fd_open_name(ns);
	if (fd < 0)
		return fd;
	s = netns_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	close(fd);
	if (s < 0)
		return s;
	if (ifname) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		/* SIOCGIFINDEX on any socket answers for the socket's namespace. */
		if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
			int r = -errno;

			close(s);
			return r;
		}
		*ret_ifindex = ifr.ifr_ifindex;
	}
	return rtnl_fdopen(s, 0, ret);
}

static int neigh_state_of(const struct nlmsghdr *m, void *data)
{
	int state = rtnl_neigh_state(m);

	if (state >= 0)
		*(int *)data = state;
	return 0;
}

/* One RTM_GETNEIGH or RTM_DELNEIGH for IP on IFINDEX, answered: 0, or a
 * negative errno and the kernel's extended ack in MSG (MSGLEN bytes; "" if
 * it gave none); for GET, the entry's NUD state in *RET_STATE. */
static int neigh_req(struct mnl_socket *nl, uint16_t type, int ifindex, const struct rtnl_ip *ip,
		     int *ret_state, char *msg, size_t msglen)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = rtnl_msg(buf);
	int r = rtnl_neigh_msg(nlh, sizeof(buf), type, ifindex, ip);

	if (r < 0)
		return r;
	return rtnl_talk(nl, nlh, ret_state ? neigh_state_of : NULL, ret_state, msg, msglen);
}

/* Removes what a probe left in namespace NS: the neighbour entry (ARP or
 * NDP) for ADDR on IFNAME. The kernel's neighbour tables are counted
 * across all namespaces and refuse new entries past gc_thresh3 (1024 by
 * default; "neighbor table overflow"), and forced garbage collection spares
 * entries younger than 5 s: without this, the probes after the first ~500
 * of a big lab fail. An entry set by hand (PERMANENT, NOARP) stays.
 * A failure here changes no probe's result: it is counted in C, the first
 * one's reason kept, for one line at the end. An entry that is not there
 * (the probe never resolved it, or it went meanwhile) is no failure; nor is
 * a namespace or interface gone, which fails the probe already. */
static void neigh_forget(struct check *c, const char *ns, const char *ifname,
			 const struct station_ip *ip)
{
	struct mnl_socket *nl;
	int state = 0;
	char msg[160] = "";
	int ifindex, r;

	if (rtnl_in_node(ns, ifname, &nl, &ifindex) < 0)
		return;
	r = neigh_req(nl, RTM_GETNEIGH, ifindex, &ip->ip, &state, msg, sizeof(msg));
	if (r == 0 && !(state & (NUD_PERMANENT | NUD_NOARP)))
		r = neigh_req(nl, RTM_DELNEIGH, ifindex, &ip->ip, NULL, msg, sizeof(msg));
	mnl_socket_close(nl);
	if (r == 0 || r == -ENOENT)
		return;
	if (!c->neigh_kept++)
		snprintf(c->neigh_why, sizeof(c->neigh_why), "%s: %s on %s: %s%s%s%s", ns, ip->text,
			 ifname, strerror(-r), *msg ? " (" : "", msg, *msg ? ")" : "");
}

static long long ns_since(const struct timespec *t, const struct timespec *now)
{
	return (long long)(now->tv_sec - t->tv_sec) * 1000000000LL + (now->tv_nsec - t->tv_nsec);
}

/* Reads what ROW's socket holds: true once its reply came (or an error:
 * the kernel reports an ICMP error from the path on a connected socket). */
static bool probe_read(struct row *row, const struct timespec *now)
{
	unsigned char buf[1024];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct timespec))];
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (;;) {
		const unsigned char *p = buf;
		const struct timespec *at = now, *from = &row->sent;
		struct timespec stamp;
		struct cmsghdr *h;
		size_t len;
		struct echo e;

		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		if ((n = recvmsg(row->sock, &mh, 0)) < 0)
			break;
		len = (size_t)n;
		for (h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
			if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPNS) {
				memcpy(&stamp, CMSG_DATA(h), sizeof(stamp));
				at = &stamp;
				from = &row->sent_real;
			}

		if (row->src->ip.family == AF_INET) {
			size_t ihl = len ? (size_t)(buf[0] & 15) * 4 : 0;

			if (ihl < 20 || ihl > len)
				continue;
			p += ihl; /* raw IPv4 sockets get the IP header, IPv6 ones do not */
			len -= ihl;
		}
		if (len < 8)
			continue;
		memcpy(&e, p, 8);
		if (e.type == (row->src->ip.family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) &&
		    e.id == row->id && e.seq == row->seq) {
			row->state = ROW_OK;
			row->rtt_ms = (double)ns_since(from, at) / 1e6;
			return true;
		}
	}
	if (errno == EAGAIN || errno == EINTR)
		return false;
	row->state = ROW_FAIL;
	row->err = -errno;
	return true;
}

/* A host-wide neighbour table limit, from the initial namespace's sysctl
 * (a child namespace has no such file: the kernel's default then). */
static size_t neigh_limit(const char *path)
{
	unsigned long v = 1024;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

/* How many probes at once. Two fds each at most while starting (the
 * namespace's, briefly, and the socket), under the soft fd limit. And
 * each holds up to two neighbour entries until it ends (one on each side):
 * a quarter of gc_thresh3 keeps them under gc_thresh2, where the kernel
 * starts refusing or evicting, with room left for everybody else's. */
static size_t window_size(void)
{
	size_t w = WINDOW_MAX, n4, n6;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < w)
		w = rl.rlim_cur > 64 ? (size_t)(rl.rlim_cur - 32) / 2 : 1;
	n4 = neigh_limit("/proc/sys/net/ipv4/neigh/default/gc_thresh3") / 4;
	n6 = neigh_limit("/proc/sys/net/ipv6/neigh/default/gc_thresh3") / 4;
	if (n4 < w)
		w = n4;
	if (n6 < w)
		w = n6;
	return w ? w : 1;
}

static int probe_round(struct check *c)
{
	size_t w = window_size(), active = 0, next = 0, i;
	struct pollfd *pfd = calloc(w, sizeof(*pfd));
	struct row **slot = calloc(w, sizeof(*slot));
	uint16_t salt = (uint16_t)getpid();
	struct timespec now;

	if (!pfd || !slot) {
		free(pfd);
		free(slot);
		return -ENOMEM;
	}
	for (;;) {
		long long wait = c->timeout_ns;
		int r;

		for (; active < w && next < c->n_links; next++) {
			struct row *row = &c->rows[next];

			if (row->state != ROW_PENDING)
				continue;
			row->id = (uint16_t)(salt ^ (uint16_t)(next >> 16));
			row->seq = (uint16_t)next;
			r = probe_start(row);
			if (r < 0) {
				row->state = ROW_FAIL;
				row->err = r;
				continue;
			}
			row->state = ROW_RUNNING;
			slot[active] = row;
			pfd[active++] = (struct pollfd){ .fd = row->sock, .events = POLLIN };
			lab_progressf(c->ctx, next + 1 >= c->n_links, "%zu of %zu", next + 1, c->n_links);
		}
		if (!active)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (i = 0; i < active; i++) {
			long long left = c->timeout_ns - ns_since(&slot[i]->sent, &now);

			if (left < wait)
				wait = left;
		}
		r = poll(pfd, active, wait > 0 ? (int)((wait + 999999) / 1000000) : 0);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			for (i = 0; i < active; i++)
				close(slot[i]->sock);
			free(pfd);
			free(slot);
			return r;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (i = 0; i < active;) {
			struct row *row = slot[i];
			bool done = false;

			bool late = ns_since(&row->sent, &now) >= c->timeout_ns;

			/* Late, a reply may still have come since poll() returned:
			 * its kernel stamp says when. */
			if ((r > 0 && pfd[i].revents) || late)
				done = probe_read(row, &now);
			if (!done && late) {
				row->state = ROW_FAIL;
				row->err = 0;
				done = true;
			}
			if (!done) {
				i++;
				continue;
			}
			close(row->sock);
			row->sock = -1;
			neigh_forget(c, row->from->ns, row->from->ifname, row->dst);
			neigh_forget(c, row->to->ns, row->to->ifname, row->src);
			slot[i] = slot[--active];
			pfd[i] = pfd[active];
		}
	}
	lab_progress_clear(c->ctx);
	free(pfd);
	free(slot);
	return 0;
}

/* The IPv6 addresses tentative in one namespace, from one dump of its
 * addresses: a pass over many probes asks once per namespace. */
struct ns_dad {
	const char *ns;
	unsigned char (*a)[16];
	size_t n;
};

static int ns_dad_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ns_dad *)x)->ns, ((const struct ns_dad *)y)->ns);
}

static void ns_dad_free(void *p)
{
	struct ns_dad *d = p;

	free(d->a);
	free(d);
}

static int dad_one(const struct nlmsghdr *m, void *data)
{
	struct ns_dad *d = data;
	struct rtnl_addr_info info;
	unsigned char (*p)[16];

	if (rtnl_addr_parse(m, &info) < 0 || info.ip.family != AF_INET6 ||
	    !(info.flags & IFA_F_TENTATIVE) || (info.flags & IFA_F_DADFAILED))
		return 0;
	if (!(p = realloc(d->a, (d->n + 1) * sizeof(*p))))
		return -ENOMEM;
	memcpy(p[d->n++], info.ip.a, 16);
	d->a = p;
	return 0;
}

/* Fills D with the addresses of D->ns whose duplicate address detection is
 * running (added less than a second or two ago, longer on a busy machine);
 * on any error, with what was read (the probes then go, and fail or not). */
static void ns_dad_load(struct ns_dad *d)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = rtnl_msg(buf);
	struct mnl_socket *nl;

	if (rtnl_in_node(d->ns, NULL, &nl, NULL) < 0)
		return;
	if (rtnl_addr_dump_msg(nlh, sizeof(buf), AF_INET6) == 0)
		rtnl_talk(nl, nlh, dad_one, d, NULL, 0);
	mnl_socket_close(nl);
}

/* Whether IP is tentative in namespace NS (on any of its interfaces).
 * CACHE, a tsearch() root (tdestroy() it with ns_dad_free), keeps each
 * namespace's answer for one pass. False on any error. */
static bool addr_tentative(void **cache, const char *ns, const struct rtnl_ip *ip)
{
	struct ns_dad key = { .ns = ns }, *d;
	void *hit = tfind(&key, cache, ns_dad_cmp);

	if (!hit) {
		if (!(d = calloc(1, sizeof(*d))))
			return false;
		d->ns = ns;
		ns_dad_load(d);
		if (!(hit = tsearch(d, cache, ns_dad_cmp))) {
			ns_dad_free(d);
			return false;
		}
	}
	d = *(struct ns_dad **)hit;
	for (size_t i = 0; i < d->n; i++)
		if (memcmp(d->a[i], ip->a, 16) == 0)
			return true;
	return false;
}

/* A failed IPv6 probe one of whose addresses is still tentative: the
 * kernel refuses to bind a tentative source, and a tentative destination
 * does not answer. */
static bool failed_in_dad(const struct row *row, void **cache)
{
	return row->state == ROW_FAIL && row->src->ip.family == AF_INET6 && !row->no_ns &&
	       (row->err == -EADDRNOTAVAIL || row->err == 0) &&
	       (addr_tentative(cache, row->from->ns, &row->src->ip) ||
		addr_tentative(cache, row->to->ns, &row->dst->ip));
}

/* Waits until no address of a pending IPv6 probe is tentative, up to
 * DAD_WAIT_NS after START, polling the ones still tentative. A probe must
 * not go before: its source cannot be bound while tentative, and a
 * tentative destination ignores the source's neighbour solicitation (RFC
 * 4862 5.4.3), which the source sends again only a second later
 * (retrans_time), so the probe times out even when DAD ends meanwhile, and
 * then nothing is tentative any more to say why. That is what failed a
 * check right after a live change on a bridge: a new member's address
 * becomes the target of the unchanged link before it in the domain. */
static void dad_settle(struct check *c, const struct timespec *start)
{
	bool *wait = calloc(c->n_links + 1, sizeof(*wait));
	struct timespec now;
	size_t left = 0, i;

	if (!wait)
		return; /* then only the retries of lab_probe_run() */
	for (i = 0; i < c->n_links; i++) {
		const struct row *row = &c->rows[i];

		wait[i] = row->state == ROW_PENDING && row->src->ip.family == AF_INET6;
		left += wait[i];
	}
	while (left) {
		void *cache = NULL;

		for (i = 0; i < c->n_links; i++) {
			const struct row *row = &c->rows[i];

			if (wait[i] && !addr_tentative(&cache, row->from->ns, &row->src->ip) &&
			    !addr_tentative(&cache, row->to->ns, &row->dst->ip)) {
				wait[i] = false;
				left--;
			}
		}
		tdestroy(cache, ns_dad_free);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!left || ns_since(start, &now) >= DAD_WAIT_NS)
			break;
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	free(wait);
}

int lab_probe_run(struct check *c)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	dad_settle(c, &start);
	for (;;) {
		size_t again = 0;
		int r = probe_round(c);

		if (r < 0)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ns_since(&start, &now) >= DAD_WAIT_NS)
			return 0;
		/* An address can turn tentative again after dad_settle()
		 * (DAD restarts when a link regains its carrier): those
		 * probes go again until their addresses are usable, as
		 * ip.SettleAddresses() of the CNI plugins waits, rather
		 * than fail. */
		void *cache = NULL;

		for (size_t i = 0; i < c->n_links; i++)
			if (failed_in_dad(&c->rows[i], &cache)) {
				c->rows[i].state = ROW_PENDING;
				c->rows[i].err = 0;
				again++;
			}
		tdestroy(cache, ns_dad_free);
		if (!again)
			return 0;
		nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
	}
}
