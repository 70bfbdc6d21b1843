/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns set and netns list-id: namespace ids (nsids), as ip netns set and
 * list-id. An nsid is a number that this namespace gives another one, so
 * that netlink messages (a veth peer's IFLA_LINK_NETNSID) can name it.
 * The requests go over rtnetlink through libmnl, in the caller's namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "cli.h"
#include "lab.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The kernel's explanation of the last failed request (extended ack). */
static char nl_message[256];

typedef int (*nsid_cb)(int nsid, void *data);

/* The NETNSA_NSID of an RTM_NEWNSID/RTM_DELNSID message, or -1. */
static int msg_nsid(const struct nlmsghdr *m)
{
	const struct nlattr *attr;
	int nsid = -1;

	if (mnl_nlmsg_get_payload_len(m) < sizeof(struct rtgenmsg))
		return -1;
	mnl_attr_for_each(attr, m, sizeof(struct rtgenmsg)) {
		if (mnl_attr_get_type(attr) == NETNSA_NSID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			nsid = (int)mnl_attr_get_u32(attr);
	}
	return nsid;
}

/* Sends NLH and reads the answers (checking sequence and port id) until the
 * ACK, the end of a dump, or an error; CB gets each RTM_NEWNSID's nsid.
 * Returns 0 or a negative errno. */
static int nl_talk(struct nlmsghdr *nlh, nsid_cb cb, void *data)
{
	struct mnl_socket *nl = lab_nl_open(0);
	unsigned seq = (unsigned)time(NULL), portid;
	size_t size = 32768; /* a dump's messages come in pages */
	char *buf = NULL;
	int r = 0;

	nl_message[0] = '\0';
	if (!nl)
		return -errno;
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_seq = seq;
	buf = malloc(size);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, size);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			r = -errno;
			goto out;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (!mnl_nlmsg_portid_ok(m, portid) || !mnl_nlmsg_seq_ok(m, seq))
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e)) {
					r = -EBADMSG;
				} else {
					if (e->error)
						lab_nl_extack(m, nl_message, sizeof(nl_message));
					r = e->error > 0 ? -e->error : e->error;
				}
				goto out;
			}
			if (m->nlmsg_type == NLMSG_DONE)
				goto out;
			if (m->nlmsg_type == RTM_NEWNSID && cb) {
				int nsid = msg_nsid(m);

				if (nsid >= 0 && (r = cb(nsid, data)) < 0)
					goto out;
			}
		}
	}
out:
	free(buf);
	mnl_socket_close(nl);
	return r;
}

/* Reports a failed request, with the kernel's explanation when it gave one. */
static int nl_fail(const char *what, int err)
{
	if (err != -EPERM && nl_message[0])
		return cli_failx("%s: %s (%s)", what, strerror(-err), nl_message);
	return cli_fail(what, err);
}

int cmd_set(int argc, char **argv)
{
	char buf[512]; /* a header, an rtgenmsg and two u32 attributes */
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	unsigned long v = 0;
	bool automatic;
	int c, fd, r;

	while ((c = getopt_long(argc, argv, ":h", help_only, NULL)) != -1)
		return c == 'h' ? cli_help() : cli_bad_option(c, argv);
	if (argc - optind != 2)
		return cli_usage("expected NAME|PATH and NSID|auto");
	if (!cli_is_path(argv[optind]) && netns_name_check(argv[optind]) < 0)
		return cli_usage("'%s': invalid namespace name", argv[optind]);
	automatic = strcmp(argv[optind + 1], "auto") == 0;
	/* The kernel takes 0 to INT_MAX; -1 (NETNSA_NSID_NOT_ASSIGNED) asks it
	 * to choose, as ip netns set NAME auto sends. */
	if (!automatic && cli_parse_uint(argv[optind + 1], 0, 0x7fffffff, &v) < 0)
		return cli_usage("'%s': not an nsid (0 to 2147483647, or auto)", argv[optind + 1]);
	fd = cli_open_ns(argv[optind]);
	if (fd < 0)
		return EXIT_FAIL;
	/* The kernel says EEXIST both for a taken nsid and for a namespace
	 * that has one: tell them apart first. */
	r = netns_fd_nsid(fd);
	if (r >= 0) {
		close(fd);
		return cli_failx("%s: already has nsid %d", argv[optind], r);
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	mnl_attr_put_u32(nlh, NETNSA_NSID, automatic ? (uint32_t)NETNSA_NSID_NOT_ASSIGNED
						    : (uint32_t)v);
	r = nl_talk(nlh, NULL, NULL);
	close(fd);
	if (r == -EEXIST && !automatic)
		return cli_failx("%s: nsid %lu is taken", argv[optind], v);
	return r < 0 ? nl_fail(argv[optind], r) : EXIT_OK;
}

/* Every name, with its nsid, read once through netns_name_walk. */
struct nsid_names {
	struct {
		int nsid;
		char *name;
	} *v;
	size_t n, cap;
};

static int names_add(const struct netns_name_info *info, void *data)
{
	struct nsid_names *m = data;

	if (info->nsid < 0)
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		void *v = reallocarray(m->v, cap, sizeof(*m->v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].name = strdup(info->name);
	if (!m->v[m->n].name)
		return -ENOMEM;
	m->v[m->n++].nsid = info->nsid;
	return 0;
}

static void names_free(struct nsid_names *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

int cli_nsid_names_load(struct nsid_names **ret)
{
	struct nsid_names *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = netns_name_walk(NETNS_WALK_NSID, names_add, m);
	if (r < 0) {
		names_free(m);
		free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void cli_nsid_names_free(struct nsid_names *m)
{
	if (m) {
		names_free(m);
		free(m);
	}
}

int cli_nsid_print(const char *verb, int nsid, const struct nsid_names *m, json_t *arr)
{
	json_t *names = NULL, *o;
	size_t k = 0;

	if (cli.json) {
		names = json_array();
		if (!names)
			return -ENOMEM;
	}
	if (!cli.json) {
		if (verb)
			printf("%s ", verb);
		printf("nsid %d", nsid);
	}
	/* In name order: the walk went through the names in strcmp() order. */
	for (size_t i = 0; m && i < m->n; i++) {
		if (m->v[i].nsid != nsid)
			continue;
		if (names) {
			if (json_array_append_new(names, cli_json_string(m->v[i].name)) < 0) {
				json_decref(names);
				return -ENOMEM;
			}
		} else {
			printf("%s%s%s%s", k ? ", " : " (names: ", cli_color_seq(CLI_COLOR_NAME),
			       m->v[i].name, cli_color_seq(CLI_COLOR_OFF));
		}
		k++;
	}
	if (!names) {
		puts(k ? ")" : "");
		return 0;
	}
	o = verb ? json_pack("{s:s, s:i, s:o}", "event", verb, "nsid", nsid, "names", names)
		 : json_pack("{s:i, s:o}", "nsid", nsid, "names", names);
	if (!o)
		return -ENOMEM;
	if (verb)
		return cli_json_print(o) == EXIT_OK ? 0 : -EIO;
	return json_array_append_new(arr, o) < 0 ? -ENOMEM : 0;
}

struct list_id {
	struct nsid_names *m;
	json_t *arr;
};

static int list_id_one(int nsid, void *data)
{
	struct list_id *l = data;

	return cli_nsid_print(NULL, nsid, l->m, l->arr);
}

int cmd_list_id(int argc, char **argv)
{
	char buf[512]; /* a header, an rtgenmsg and two u32 attributes */
	struct list_id l = { .m = NULL, .arr = NULL };
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	if (optind < argc)
		return cli_usage("unexpected argument '%s'", argv[optind]);
	r = cli_nsid_names_load(&l.m);
	if (r < 0)
		return cli_fail(netns_rundir_get(), r);
	if (cli.json && !(l.arr = json_array())) {
		cli_nsid_names_free(l.m);
		return cli_fail("json", -ENOMEM);
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	r = nl_talk(nlh, list_id_one, &l);
	cli_nsid_names_free(l.m);
	if (r < 0) {
		json_decref(l.arr);
		return nl_fail("listing nsids", r);
	}
	return l.arr ? cli_json_print(l.arr) : EXIT_OK;
}

int cli_nsid_monitor_open(void)
{
	struct mnl_socket *nl;
	int fd, group = RTNLGRP_NSID;

	nl = lab_nl_open(0);
	if (!nl)
		return -errno;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0) {
		int r = -errno;

		mnl_socket_close(nl);
		return r;
	}
	/* Keep the fd, drop libmnl's wrapper: the monitor reads it with recv. */
	fd = fcntl(mnl_socket_get_fd(nl), F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		fd = -errno;
	mnl_socket_close(nl);
	return fd;
}

int cli_nsid_monitor_read(int fd, int (*cb)(bool added, int nsid, void *data), void *data)
{
	char buf[8192];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
	int len = (int)n, r;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		int nsid;

		if (m->nlmsg_type != RTM_NEWNSID && m->nlmsg_type != RTM_DELNSID)
			continue;
		nsid = msg_nsid(m);
		if (nsid < 0)
			continue;
		r = cb(m->nlmsg_type == RTM_NEWNSID, nsid, data);
		if (r < 0)
			return r;
	}
	return 0;
}
