/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns set and netns list-id: namespace ids (nsids), as ip netns set and
 * list-id. An nsid is a number that this namespace gives another one, so
 * that netlink messages (a veth peer's IFLA_LINK_NETNSID) can name it.
 * The requests go over rtnetlink (rtnl/), in the caller's namespace.
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
#include "rtnl/rtnl.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The kernel's explanation of the last failed request (extended ack). */
static char nl_message[256];

typedef int (*nsid_cb)(int nsid, void *data);

struct talk {
	nsid_cb cb;
	void *data;
};

static int talk_one(const struct nlmsghdr *m, void *data)
{
	struct talk *t = data;
	int nsid;

	if (m->nlmsg_type != RTM_NEWNSID || !t->cb || (nsid = rtnl_nsid_parse(m)) < 0)
		return 0;
	return t->cb(nsid, t->data);
}

/* Sends NLH on a socket of the caller's namespace and reads the answers
 * (rtnl_talk()); CB gets each RTM_NEWNSID's nsid. Returns 0 or a negative
 * errno, the kernel's explanation in nl_message. */
static int nl_talk(struct nlmsghdr *nlh, nsid_cb cb, void *data)
{
	struct talk t = { cb, data };
	struct mnl_socket *nl;
	int r;

	nl_message[0] = '\0';
	if ((r = rtnl_open(0, &nl)) < 0)
		return r;
	r = rtnl_talk(nl, nlh, talk_one, &t, nl_message, sizeof(nl_message));
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
	r = netns_fd_nsid_set(fd, automatic ? -1 : (int)v);
	close(fd);
	if (r == -EEXIST && !automatic)
		return cli_failx("%s: nsid %lu is taken", argv[optind], v);
	return r < 0 ? cli_fail_nl(argv[optind], r) : EXIT_OK;
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
	char buf[RTNL_BUF];
	struct list_id l = { .m = NULL, .arr = NULL };
	struct nlmsghdr *nlh = rtnl_msg(buf);
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
	r = rtnl_nsid_dump_msg(nlh, sizeof(buf));
	if (r >= 0)
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
	int fd, r;

	/* Bound to the nsid group: RTNLGRP_NSID is below 32, a bind's mask holds it. */
	if ((r = rtnl_open(1U << (RTNLGRP_NSID - 1), &nl)) < 0)
		return r;
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
		nsid = rtnl_nsid_parse(m);
		if (nsid < 0)
			continue;
		r = cb(m->nlmsg_type == RTM_NEWNSID, nsid, data);
		if (r < 0)
			return r;
	}
	return 0;
}
