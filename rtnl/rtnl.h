/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one rtnetlink layer of the tree, on libmnl: an internal static
 * library (librtnl.a; not installed, no ABI) that libnetns, the command, the
 * lab engine and the CNI plugins share. It opens sockets, sends one request
 * or a batch of them (mnl_nlmsg_batch) and reads the answers with sequence
 * numbers and port ids checked, carries the kernel's extended-ack text back,
 * and has one builder per request: links (a veth pair with its peer nested,
 * a bridge, a bridge port's flags, a VXLAN, MTU, master, alias), addresses,
 * routes, neighbours and nsids. It prints nothing and keeps no state but a
 * per-thread sequence counter.
 *
 * Builders write one request into NLH, a buffer of CAP bytes (a single
 * request's char buf[RTNL_BUF], or rtnl_batch_msg()'s slot), and return 0
 * or -ENOBUFS when it does not fit; -EINVAL for an argument the kernel
 * would refuse in a less readable way. */
#ifndef NETNS_RTNL_H
#define NETNS_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mnl_socket;
struct mnl_nlmsg_batch;
struct nlmsghdr;

/* A request's buffer. */
#define RTNL_BUF 8192

/* The empty header of a single request in BUF (RTNL_BUF bytes), for a
 * builder to fill. */
struct nlmsghdr *rtnl_msg(void *buf);

/* ---- addresses ---- */

/* The tree's one IP address type: an address and, where one is meant, its
 * prefix length (a host prefix when parsed bare). */
struct rtnl_ip {
	int family;             /* AF_INET or AF_INET6 */
	unsigned prefix;
	unsigned char a[16];
};

/* Parses "ADDR/PREFIX" or a bare ADDR (prefix 32 or 128). 0 or -EINVAL. */
int rtnl_ip_parse(const char *s, struct rtnl_ip *ret);
/* The address's length in bytes: 4 or 16. */
size_t rtnl_ip_len(const struct rtnl_ip *ip);

/* ---- sockets ---- */

/* Makes FD, a NETLINK_ROUTE socket (made in whatever namespace the caller
 * wants it), a bound libmnl socket in GROUPS that asks for the kernel's
 * reasons (NETLINK_EXT_ACK) without the request echoed (NETLINK_CAP_ACK).
 * Takes FD: it is closed on failure. 0 or a negative errno. */
int rtnl_fdopen(int fd, unsigned groups, struct mnl_socket **ret);
/* The same with a new socket of the caller's namespace. */
int rtnl_open(unsigned groups, struct mnl_socket **ret);

/* ---- one request ---- */

/* A data message of the answer; a negative return stops and is returned. */
typedef int (*rtnl_cb)(const struct nlmsghdr *nlh, void *data);

/* Sends NLH (its sequence number set here; NLM_F_ACK added unless it is a
 * dump) and reads the answers until the ack, the end of a dump or an error,
 * calling CB (may be NULL) for each data message. Returns 0 or the kernel's
 * negative errno; the kernel's extended-ack text goes into MSG (MSGLEN
 * bytes; "" when it sent none; MSG may be NULL). */
int rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, rtnl_cb cb, void *data, char *msg,
	      size_t msglen);

/* The extended-ack text (NLMSGERR_ATTR_MSG) of M, an NLMSG_ERROR or
 * NLMSG_DONE, into BUF ("" when none). */
void rtnl_extack(const struct nlmsghdr *m, char *buf, size_t len);

/* The calling thread's next sequence number; COUNT reserves that many. */
unsigned rtnl_seq(unsigned count);

/* ---- batches ---- */

/* Requests sent in one sendmsg and answered in order, each with its own
 * error: rtnetlink runs every one, whatever the one before it did. */
#define RTNL_BATCH_MAX 32
#define RTNL_BATCH_LIMIT 16384
struct rtnl_batch {
	struct mnl_nlmsg_batch *b;
	unsigned n;
	unsigned seq0;
	int err[RTNL_BATCH_MAX];        /* 0 or a negative errno, per request */
	char msg[RTNL_BATCH_MAX][128];  /* the kernel's extended ack, or "" */
	/* mnl_nlmsg_batch_start() wants twice the limit: a message may run
	 * past it before mnl_nlmsg_batch_next() says it did not fit. */
	char buf[2 * RTNL_BATCH_LIMIT];
};

/* 0 or -ENOMEM. rtnl_batch_stop() frees what start took (and accepts a
 * batch that never started). */
int rtnl_batch_start(struct rtnl_batch *b);
void rtnl_batch_stop(struct rtnl_batch *b);
/* The buffer of the next request (RTNL_BATCH_LIMIT bytes for a builder's
 * CAP), or NULL when the batch holds RTNL_BATCH_MAX already. */
struct nlmsghdr *rtnl_batch_msg(struct rtnl_batch *b);
/* Keeps the request just built in rtnl_batch_msg()'s buffer: its slot (an
 * index into err and msg), or -ENOBUFS when it did not fit (it is dropped).
 * Takes a builder's result as R and passes its error on, so that a caller
 * writes slot = rtnl_batch_add(b, rtnl_..._msg(rtnl_batch_msg(b), ...)). */
int rtnl_batch_add(struct rtnl_batch *b, int r);
/* A data message answering the request of SLOT. */
typedef int (*rtnl_slot_cb)(const struct nlmsghdr *nlh, unsigned slot, void *data);
/* Sends B's requests at once and reads every answer into B->err and B->msg,
 * calling CB (may be NULL) for data messages. 0, or a negative errno when
 * the socket failed (then B->err is -EINPROGRESS for the unanswered). */
int rtnl_batch_run(struct mnl_socket *nl, struct rtnl_batch *b, rtnl_slot_cb cb, void *data);
/* The first failed slot's error (and its slot in *RET_SLOT, may be NULL), or 0. */
int rtnl_batch_error(const struct rtnl_batch *b, unsigned *ret_slot);

/* ---- links ---- */

/* A setting left as the kernel has it, or turned on or off. */
enum rtnl_tri { RTNL_KEEP = 0, RTNL_ON, RTNL_OFF };

/* A link's attributes in a request; zero-initialised, it names nothing and
 * changes nothing. */
struct rtnl_link {
	int index;              /* 0: by IFNAME */
	const char *ifname;     /* the name (a new link's, or the one to find) */
	const char *newname;    /* a rename (with INDEX) */
	enum rtnl_tri up;       /* IFF_UP */
	unsigned mtu;           /* 0: unchanged or the kernel's */
	bool in_netns;          /* born in (or moved to) namespace NETNS_FD */
	int netns_fd;
	int master;             /* > 0: enslave to that index; 0: unchanged */
	bool nomaster;          /* leave its master */
	const char *alias;      /* IFLA_IFALIAS; "" clears it; NULL: unchanged */
	bool set_txqlen;
	unsigned txqlen;
	const unsigned char *mac; /* 6 bytes, or NULL */
};

/* RTM_NEWLINK changing an existing link L (by index or name). */
int rtnl_link_set_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l);
/* RTM_DELLINK of L (by index or name). */
int rtnl_link_del_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l);
/* RTM_GETLINK of L (by index or name), or a dump of all links when L is NULL. */
int rtnl_link_get_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l);
/* A veth pair A and PEER, made from the socket's namespace (each end in
 * its own namespace with in_netns), A up when A->up says so. PEER->up must
 * be RTNL_KEEP: it goes up in a request of its own (see rtnl/link.c). */
int rtnl_veth_new_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *a,
		      const struct rtnl_link *peer);
/* A bridge L. VLAN_FILTERING: RTNL_KEEP leaves the kernel's default (off). */
struct rtnl_bridge {
	enum rtnl_tri vlan_filtering;
	unsigned default_pvid;  /* 0: the kernel's (1) */
};
int rtnl_bridge_new_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l,
			const struct rtnl_bridge *br);
/* A bridge port's flags (IFLA_BRPORT_*), on the port of INDEX. */
struct rtnl_bridge_port {
	enum rtnl_tri hairpin, isolated, learning;
};
int rtnl_bridge_port_msg(struct nlmsghdr *nlh, size_t cap, int index,
			 const struct rtnl_bridge_port *p);
/* A VXLAN device L with VNI, to REMOTE (unicast) or a group, from LOCAL
 * (may be NULL), over the link of DEV (0: any), on UDP PORT (0: 4789). */
struct rtnl_vxlan {
	uint32_t vni;
	const struct rtnl_ip *remote, *local;
	int dev;
	uint16_t port;
	enum rtnl_tri learning;
	unsigned char ttl;      /* 0: inherit */
};
int rtnl_vxlan_new_msg(struct nlmsghdr *nlh, size_t cap, const struct rtnl_link *l,
		       const struct rtnl_vxlan *v);

/* What an RTM_NEWLINK says of a link. Pointers point into the message. */
struct rtnl_link_info {
	int index;
	int peer;               /* IFLA_LINK: a veth peer's index (in its namespace), or 0 */
	int peer_nsid;          /* IFLA_LINK_NETNSID, or -1 */
	int master;             /* 0 when none */
	unsigned flags;         /* IFF_* */
	unsigned mtu;
	unsigned char operstate;
	const char *ifname;     /* never NULL ("" when missing) */
	const char *alias;      /* NULL when none */
	const char *kind;       /* IFLA_INFO_KIND, NULL when none */
	char mac[18];           /* "aa:bb:cc:dd:ee:ff", or "" */
};
/* Reads M, an RTM_NEWLINK. 0 or -EBADMSG. */
int rtnl_link_parse(const struct nlmsghdr *m, struct rtnl_link_info *ret);

/* ---- addresses, routes, neighbours, nsids ---- */

/* RTM_NEWADDR (ADD: create, exclusive) or RTM_DELADDR of IP/prefix on link
 * INDEX; BROADCAST adds an IPv4 prefix's broadcast address (shorter than
 * /31), as `ip address add ... brd +`; FLAGS are IFA_F_* (0: none). */
int rtnl_addr_msg(struct nlmsghdr *nlh, size_t cap, bool add, int index, const struct rtnl_ip *ip,
		  bool broadcast, uint32_t flags);
/* A dump of FAMILY's addresses (AF_UNSPEC: all). */
int rtnl_addr_dump_msg(struct nlmsghdr *nlh, size_t cap, int family);
/* What an RTM_NEWADDR says of an address. */
struct rtnl_addr_info {
	int index;
	uint32_t flags;         /* IFA_F_*, IFA_FLAGS's when it is there */
	struct rtnl_ip ip;      /* IFA_ADDRESS, with the prefix length */
};
/* Reads M, an RTM_NEWADDR. 0 or -EBADMSG (no IFA_ADDRESS either). */
int rtnl_addr_parse(const struct nlmsghdr *m, struct rtnl_addr_info *ret);

/* A route: to DST (its prefix is the route's length), via GW and from SRC
 * (both may be NULL), out of OIF (0: none), in TABLE (0: main). */
struct rtnl_route {
	struct rtnl_ip dst;
	const struct rtnl_ip *gw, *src;
	int oif;
	unsigned char scope;    /* RT_SCOPE_* (0: universe) */
	unsigned table;
	unsigned metric;        /* 0: none */
};
/* RTM_NEWROUTE (ADD, with NLM_F_* FLAGS such as NLM_F_CREATE|NLM_F_EXCL)
 * or RTM_DELROUTE of R. */
int rtnl_route_msg(struct nlmsghdr *nlh, size_t cap, bool add, uint16_t flags,
		   const struct rtnl_route *r);
/* A dump of FAMILY's routes. */
int rtnl_route_dump_msg(struct nlmsghdr *nlh, size_t cap, int family);

/* RTM_GETNEIGH or RTM_DELNEIGH (TYPE) of DST on link INDEX. */
int rtnl_neigh_msg(struct nlmsghdr *nlh, size_t cap, uint16_t type, int index,
		   const struct rtnl_ip *dst);
/* The NUD_* state of M, an RTM_NEWNEIGH, or -EBADMSG. */
int rtnl_neigh_state(const struct nlmsghdr *m);

/* TYPE RTM_GETNSID of namespace FD, or RTM_NEWNSID giving it NSID (-1: one
 * the kernel picks). */
int rtnl_nsid_msg(struct nlmsghdr *nlh, size_t cap, uint16_t type, int fd, int nsid);
/* A dump of every nsid the socket's namespace gives (RTM_NEWNSID each). */
int rtnl_nsid_dump_msg(struct nlmsghdr *nlh, size_t cap);
/* The NETNSA_NSID of an RTM_NEWNSID/RTM_DELNSID message, or -1. */
int rtnl_nsid_parse(const struct nlmsghdr *m);

#endif
