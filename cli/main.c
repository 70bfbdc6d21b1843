/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns: global options, the subcommand table, and batch mode. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "batch.h"

/* Exact names only: iproute2 deprecated its own prefix matching. */
const struct cli_command cli_commands[] = {
	{ "add", cmd_add, "  netns add [--up] NAME...", "create named namespaces" },
	{ "attach", cmd_attach, "  netns attach NAME PID[/TID]",
	  "name the namespace of a process or of one of its threads" },
	{ "delete", cmd_delete, "  netns delete NAME...\n  netns delete --all",
	  "remove names (the namespace lives on while processes are inside)" },
	{ "list", cmd_list, "  netns [-j] list", "list named namespaces" },
	{ "exec", cmd_exec, "  netns exec [--sys] NAME|PATH [--] CMD [ARGS...]",
	  "run a program in a namespace" },
	{ "identify", cmd_identify, "  netns [-j] identify [PID|PID/TID]",
	  "print every name of a process's or thread's namespace" },
	{ "pids", cmd_pids, "  netns [-j] pids NAME|PATH",
	  "list processes with at least one thread in a namespace" },
	{ "serve", cmd_serve,
	  "  netns serve [-p PORT] [--message TEXT] [--udp] [-q] [NAME|PATH...]\n"
	  "  netns serve [-p PORT] [--message TEXT] [--udp] [-q] --follow",
	  "answer TCP (and UDP) in many namespaces from one thread" },
	{ "threads", cmd_threads,
	  "  netns [-j] threads [PID...]\n\n"
	  "Shows every thread of the processes (all by default): pid, tid, comm, namespace\n"
	  "inode and names, and whether it left its main thread's namespace (DIVERGED).\n"
	  "Exit status: 0 when no thread diverged, 3 when one did, 1 on error, 2 on usage.",
	  "list threads and their namespaces, marking those that switched" },
	{ "up", cmd_up, "  netns up NAME|PATH...", "bring lo up in namespaces" },
	{ "connect", cmd_connect,
	  "  netns connect A B [--ifnames IF_A IF_B] [--addr CIDR_A CIDR_B] [--mtu N]\n"
	  "    A or B may be - (this namespace). Default names: see netns(1).",
	  "join two namespaces with a veth pair, both ends up" },
	{ "disconnect", cmd_disconnect, "  netns disconnect NAME|PATH|- IF",
	  "delete an interface (a veth takes its peer with it)" },
	{ "links", cmd_links, "  netns [-j] links NAME|PATH|-",
	  "list a namespace's interfaces, state and addresses" },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_command_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_dispatch(int argc, char **argv)
{
	const struct cli_command *c = cli_command_find(argv[0]);

	cli.cmd = NULL;
	if (!c)
		return cli_usage("unknown command '%s'", argv[0]);
	cli.cmd = c;
	optind = 0; /* GNU getopt: start afresh, also between batch lines */
	opterr = 0;
	return c->run(argc, argv);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: netns [-j|--json] [--run-dir DIR] COMMAND [ARGS...]\n"
		     "       netns [-j] [--run-dir DIR] -b FILE [--force]\n"
		     "       netns --help | --version\n\nCommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\n'netns COMMAND --help' shows a command's usage. "
		     "Names live in $NETNS_RUN_DIR (default /run/netns).\n");
}

/* Output that never reached its file is a failure (netns list >/dev/full). */
static void close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno == EPIPE)
			_exit(EXIT_FAIL);
		fprintf(stderr, "netns: write error: %s\n", strerror(errno ? errno : EIO));
		_exit(EXIT_FAIL);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch = NULL;
	bool force = false;
	int c, r;

	atexit(close_stdout);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jb:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli.json = true;
			break;
		case 'R':
			r = netns_rundir_set(optarg);
			if (r < 0)
				return cli_usage("--run-dir '%s': must be an absolute path", optarg);
			break;
		case 'b':
			batch = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("netns %s\n", NETNS_VERSION);
			return EXIT_OK;
		default:
			return cli_bad_option(c, argv);
		}
	}
	/* --run-dir was checked above; a relative NETNS_RUN_DIR would make names
	 * depend on the working directory, and the library refuses it. */
	if (netns_rundir_get()[0] != '/')
		return cli_usage("NETNS_RUN_DIR '%s': must be an absolute path", netns_rundir_get());
	if (batch) {
		if (optind < argc)
			return cli_usage("-b takes no command: '%s'", argv[optind]);
		return batch_run(batch, force);
	}
	if (force)
		return cli_usage("--force is only for -b");
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return cli_dispatch(argc - optind, argv + optind);
}
