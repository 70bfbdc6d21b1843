/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns up, connect, disconnect, links: interfaces of namespaces. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Opens NAME, PATH, or "-" (the caller's namespace: fd -1). Prints errors. */
static int open_ns_or_self(const char *arg, int *ret_fd)
{
	int fd;

	if (strcmp(arg, "-") == 0) {
		*ret_fd = -1;
		return 0;
	}
	fd = cli_open_ns(arg);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static void close_ns(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Reports a failed link call on IFNAME in namespace NS. */
static int link_fail(const char *ns, const char *ifname, int err)
{
	char what[300];

	if (err == -ENODEV)
		return cli_failx("%s: no such interface in %s", ifname, ns);
	if (err == -EEXIST)
		return cli_failx("%s: interface name already taken in %s", ifname, ns);
	snprintf(what, sizeof(what), "%s in %s", ifname, ns);
	return cli_fail_nl(what, err);
}

int cmd_up(int argc, char **argv)
{
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", help_only, NULL)) != -1)
		return c == 'h' ? cli_help() : cli_bad_option(c, argv);
	if (optind >= argc)
		return cli_usage("missing NAME");
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") && !cli_is_path(argv[i]) && netns_name_check(argv[i]) < 0)
			return cli_usage("'%s': invalid namespace name", argv[i]);
	for (int i = optind; i < argc; i++) {
		int fd;

		if (open_ns_or_self(argv[i], &fd) < 0)
			return EXIT_FAIL;
		r = netns_link_set_up(fd, "lo", true);
		close_ns(fd);
		if (r < 0)
			return link_fail(argv[i], "lo", r);
	}
	return EXIT_OK;
}

/* FNV-1a: a stable hash for default interface names. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static bool ifname_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* The default name of the end that faces namespace PEER (as given on the
 * command line): "veth-LABEL" when LABEL is at most 10 bytes of
 * [A-Za-z0-9_.-], else "v" + LABEL's first 5 bytes (others as '_') + "-" +
 * 8 hex digits of FNV-1a(LABEL). LABEL is PEER's name, the last component of
 * a PATH, or "host" for "-". Always 15 bytes or fewer. */
static void default_ifname(const char *peer, char ret[16])
{
	const char *label = strcmp(peer, "-") == 0 ? "host" : peer;
	const char *slash = strrchr(label, '/');
	size_t len, i;
	bool plain = true;

	if (slash && slash[1])
		label = slash + 1;
	len = strlen(label);
	for (i = 0; i < len; i++)
		plain = plain && ifname_char(label[i]);
	if (plain && len >= 1 && len <= 10) {
		snprintf(ret, 16, "veth-%s", label);
		return;
	}
	ret[0] = 'v';
	for (i = 0; i < 5; i++)
		ret[1 + i] = i < len && ifname_char(label[i]) ? label[i] : '_';
	snprintf(ret + 6, 10, "-%08x", fnv1a(label));
}

/* MTU for a veth: the kernel's ETH_MIN_MTU to its largest, 65535. */
static int parse_mtu(const char *s, unsigned *ret)
{
	unsigned long v;

	if (cli_parse_uint(s, 68, 65535, &v) < 0)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static bool same_ns(const char *a, int fa, const char *b, int fb)
{
	if (strcmp(a, b) == 0)
		return true;
	if (fa < 0 && fb < 0)
		return true;
	if (fa < 0 || fb < 0) {
		int cur = netns_fd_open_current(), r;

		if (cur < 0)
			return false;
		r = netns_fd_same(fa < 0 ? cur : fa, fb < 0 ? cur : fb);
		close(cur);
		return r == 1;
	}
	return netns_fd_same(fa, fb) == 1;
}

int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifnames", required_argument, NULL, 'i' },
		{ "addr", required_argument, NULL, 'a' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ifn[2] = { NULL, NULL }, *addr[2] = { NULL, NULL };
	const char *addrs[2][2] = { { NULL, NULL }, { NULL, NULL } };
	struct netns_veth_end end[2];
	char defname[2][16], what[128];
	const char *ns[2];
	unsigned mtu = 0;
	int c, r, fd[2] = { -1, -1 };

	/* Options may follow A and B (GNU permutation). The two-value options
	 * take their second value from the next word. */
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'a':
			if (optind >= argc || (argv[optind][0] == '-' && argv[optind][1] == '-'))
				return cli_usage("--%s needs two values", c == 'i' ? "ifnames" : "addr");
			(c == 'i' ? ifn : addr)[0] = optarg;
			(c == 'i' ? ifn : addr)[1] = argv[optind++];
			break;
		case 'm':
			if (parse_mtu(optarg, &mtu) < 0)
				return cli_usage("--mtu '%s': must be a number from 68 to 65535", optarg);
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage("expected two namespaces A and B (- for this one)");
	for (int i = 0; i < 2; i++) {
		ns[i] = argv[optind + i];
		if (strcmp(ns[i], "-") && !cli_is_path(ns[i]) && netns_name_check(ns[i]) < 0)
			return cli_usage("'%s': invalid namespace name", ns[i]);
		if (ifn[i] && netns_ifname_check(ifn[i]) < 0)
			return cli_usage("'%s': invalid interface name (1 to 15 bytes, "
					 "no '/', ':' or blanks)", ifn[i]);
		if (addr[i] && netns_cidr_check(addr[i]) < 0)
			return cli_usage("'%s': invalid address (want IPv4 or IPv6 CIDR, "
					 "like 10.0.0.1/24)", addr[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (!ifn[i]) {
			default_ifname(ns[1 - i], defname[i]);
			ifn[i] = defname[i];
		}
	}
	if (open_ns_or_self(ns[0], &fd[0]) < 0)
		return EXIT_FAIL;
	if (open_ns_or_self(ns[1], &fd[1]) < 0) {
		close_ns(fd[0]);
		return EXIT_FAIL;
	}
	if (strcmp(ifn[0], ifn[1]) == 0 && same_ns(ns[0], fd[0], ns[1], fd[1])) {
		close_ns(fd[0]);
		close_ns(fd[1]);
		return cli_usage("both ends in one namespace need two names: use --ifnames");
	}
	for (int i = 0; i < 2; i++) {
		addrs[i][0] = addr[i];
		end[i] = NETNS_VETH_END(.fd = fd[i], .ifname = ifn[i],
					.addrs = addr[i] ? addrs[i] : NULL);
	}
	r = netns_veth_add(&end[0], &end[1], mtu);
	close_ns(fd[0]);
	close_ns(fd[1]);
	if (r == -EEXIST)
		return cli_failx("%s in %s or %s in %s: interface name already taken", ifn[0],
				 ns[0], ifn[1], ns[1]);
	if (r < 0) {
		snprintf(what, sizeof(what), "veth %.15s in %.40s, %.15s in %.40s", ifn[0], ns[0],
			 ifn[1], ns[1]);
		return cli_fail_nl(what, r);
	}
	return EXIT_OK;
}

int cmd_disconnect(int argc, char **argv)
{
	int c, r, fd;

	while ((c = getopt_long(argc, argv, ":h", help_only, NULL)) != -1)
		return c == 'h' ? cli_help() : cli_bad_option(c, argv);
	if (argc - optind != 2)
		return cli_usage("expected NAME IF (NAME - for this namespace)");
	if (strcmp(argv[optind], "-") && !cli_is_path(argv[optind]) &&
	    netns_name_check(argv[optind]) < 0)
		return cli_usage("'%s': invalid namespace name", argv[optind]);
	if (netns_ifname_check(argv[optind + 1]) < 0)
		return cli_usage("'%s': invalid interface name", argv[optind + 1]);
	if (open_ns_or_self(argv[optind], &fd) < 0)
		return EXIT_FAIL;
	r = netns_link_delete(fd, argv[optind + 1]);
	close_ns(fd);
	return r < 0 ? link_fail(argv[optind], argv[optind + 1], r) : EXIT_OK;
}

static int link_print(const struct netns_link *l, void *data)
{
	json_t *arr = data, *o, *addrs;

	if (!arr) {
		bool up = l->flags & IFF_UP;

		/* Interface names hold no blanks: every column is one word. */
		printf("%-5d %-15s %s%-5s%s %-14s %-6u %-8s", l->index, l->name,
		       cli_color_seq(up ? CLI_COLOR_GOOD : CLI_COLOR_BAD), up ? "UP" : "DOWN",
		       cli_color_seq(CLI_COLOR_OFF), netns_operstate_name(l->operstate), l->mtu,
		       *l->kind ? l->kind : "-");
		if (!l->addrs[0])
			fputs(" -", stdout);
		for (size_t i = 0; l->addrs[i]; i++)
			printf(" %s", l->addrs[i]);
		putchar('\n');
		return 0;
	}
	addrs = json_array();
	if (!addrs)
		return -ENOMEM;
	for (size_t i = 0; l->addrs[i]; i++) {
		if (json_array_append_new(addrs, json_string(l->addrs[i])) < 0) {
			json_decref(addrs);
			return -ENOMEM;
		}
	}
	/* "o" hands ADDRS (and the name string) over to the object, also when
	 * packing fails (jansson >= 2.11): never decref them after this call. */
	/* Interface names are bytes too: only '/', ':' and blanks are barred. */
	o = json_pack("{s:i, s:o, s:s, s:I, s:b, s:s, s:o}", "index", l->index, "name",
		      cli_json_string(l->name),
		      "kind", l->kind, "mtu", (json_int_t)l->mtu, "up", (l->flags & IFF_UP) != 0,
		      "operstate", netns_operstate_name(l->operstate), "addrs", addrs);
	if (!o)
		return -ENOMEM;
	return json_array_append_new(arr, o) < 0 ? -ENOMEM : 0;
}

int cmd_links(int argc, char **argv)
{
	json_t *arr = NULL;
	int c, r, fd;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	if (argc - optind != 1)
		return cli_usage("expected one NAME or PATH (- for this namespace)");
	if (open_ns_or_self(argv[optind], &fd) < 0)
		return EXIT_FAIL;
	if (cli.json) {
		arr = json_array();
		if (!arr) {
			close_ns(fd);
			return cli_fail("json", -ENOMEM);
		}
	}
	/* The header even when no row follows, as threads prints it. */
	if (!arr)
		printf("%-5s %-15s %-5s %-14s %-6s %-8s %s\n", "INDEX", "NAME", "ADMIN", "OPER",
		       "MTU", "KIND", "ADDRESSES");
	r = netns_link_foreach(fd, link_print, arr);
	close_ns(fd);
	if (r < 0) {
		json_decref(arr);
		return cli_fail_nl(argv[optind], r);
	}
	return arr ? cli_json_print(arr) : EXIT_OK;
}
