/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns: global options, the subcommand table, and batch mode. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "batch.h"

/* Exact names only: iproute2 deprecated its own prefix matching. */
const struct cli_command cli_commands[] = {
	{ "add", cmd_add, "  netns add [--up] NAME...", "create named namespaces" },
	{ "attach", cmd_attach, "  netns attach NAME PID[/TID]",
	  "name the namespace of a process or of one of its threads" },
	{ "delete", cmd_delete,
	  "  netns delete NAME...\n  netns delete --all [-y|--yes]\n"
	  "  netns delete --prefix PREFIX [-y|--yes]\n\n"
	  "--all and --prefix ask first when standard input and standard error are\n"
	  "terminals (not in -b); --yes does not ask. Alias: del.",
	  "remove names (the namespace lives on while processes are inside)" },
	{ "list", cmd_list, "  netns [-j] list\n\nAliases: ls, show.", "list named namespaces" },
	{ "set", cmd_set, "  netns set NAME|PATH NSID|auto",
	  "assign the namespace an id (nsid) in this namespace" },
	{ "list-id", cmd_list_id, "  netns [-j] list-id",
	  "list the nsids this namespace assigned, with their names" },
	{ "monitor", cmd_monitor, "  netns [-j] monitor [--nsid]",
	  "print names as they are added and deleted (and nsids with --nsid)" },
	{ "exec", cmd_exec,
	  "  netns exec [--sys] NAME|PATH [--] CMD [ARGS...]\n"
	  "  netns exec --all [--sys] [--] CMD [ARGS...]",
	  "run a program in a namespace, or in every named one" },
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
	{ "watch", cmd_watch,
	  "  netns [-j] watch [PID...]\n\n"
	  "Streams namespace events of threads, from eBPF, until SIGINT or SIGTERM (or the\n"
	  "PIDs are gone): enter, return, clone (made by a switched thread: the bug), exit\n"
	  "and exec while switched; then a summary. Needs root and kernel BTF.",
	  "show threads switching namespace, and what they create meanwhile, live" },
	{ "up", cmd_up, "  netns up NAME|PATH|-...", "bring lo up in namespaces" },
	{ "connect", cmd_connect,
	  "  netns connect A B [--ifnames IF_A IF_B] [--addr CIDR_A CIDR_B] [--mtu N]\n"
	  "    A or B may be - (this namespace). Default names: see netns(1).",
	  "join two namespaces with a veth pair, both ends up" },
	{ "disconnect", cmd_disconnect, "  netns disconnect NAME|PATH|- IF",
	  "delete an interface (a veth takes its peer with it)" },
	{ "links", cmd_links, "  netns [-j] links NAME|PATH|-",
	  "list a namespace's interfaces, state and addresses" },
	{ "lab", cmd_lab,
	  "  netns lab up [--dry-run] FILE\n  netns lab down NAME|FILE\n  netns [-j] lab list\n"
	  "  netns [-j] lab show NAME|FILE\n"
	  "  netns lab exec NAME NODE [--] CMD [ARGS...]\n"
	  "  netns lab exec --all NAME [--] CMD [ARGS...]\n"
	  "  netns [-j] lab check [-W|--timeout SECONDS] NAME|FILE\n"
	  "  netns lab graph NAME|FILE [-o FILE.svg|.png|.dot]\n"
	  "  netns lab gen line|ring|star|tree|grid|fat-tree N [NAME]\n\n"
	  "FILE is a containerlab topology (docs/lab.md); node NODE of lab LAB is the\n"
	  "namespace LAB-NODE. up on a lab that is up applies only the difference;\n"
	  "a failure half-way undoes what that run did. The state is kept in\n"
	  "RUNDIR-lab/LAB.json.",
	  "make a lab of namespaces and links from a YAML file, or remove it" },
	{ NULL, NULL, NULL, NULL },
};

/* The names people type out of habit (ip netns del, ls, show). Exact too. */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "del", "delete" },
	{ "ls", "list" },
	{ "show", "list" },
};

const struct cli_command *cli_command_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, name) == 0)
			return cli_command_find(aliases[i].name);
	return NULL;
}

/* The optimal-string-alignment distance (Damerau-Levenshtein where no
 * substring is edited twice) between A and B, ASCII case folded; words
 * longer than 31 bytes are never close to a command. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[32][32];

	if (la > 31 || lb > 31)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) != b[j - 1], v;

			v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == b[j - 2] &&
			    tolower((unsigned char)a[i - 2]) == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Keeps the closest candidate seen so far in *RET, and in *BEST its
 * distance. A candidate stands for command MEANING (an alias for its
 * command): a tie between two commands leaves *RET NULL (no hint rather
 * than a guess), a tie within one command keeps the first seen. */
struct guess {
	size_t best;
	const char *name, *meaning;
};

static void closer(const char *word, const char *cand, const char *meaning, struct guess *g)
{
	size_t d = edit_distance(word, cand);

	if (d < g->best) {
		*g = (struct guess){ .best = d, .name = cand, .meaning = meaning };
	} else if (d == g->best && (!g->meaning || strcmp(g->meaning, meaning) != 0)) {
		g->name = NULL;
		g->meaning = NULL;
	}
}

/* The command or alias WORD was probably meant to be: the one at the
 * smallest edit distance, when that is 1, or 2 for a word of 5 bytes or more,
 * and no other command is as close; else the one command that WORD (3 bytes
 * or more) begins. Only a hint: nothing runs. NULL when nothing is close. */
static const char *suggest(const char *word)
{
	struct guess g = { .best = SIZE_MAX };
	const char *prefix = NULL;
	size_t len = strlen(word), n_prefix = 0;

	for (const struct cli_command *c = cli_commands; c->name; c++) {
		closer(word, c->name, c->name, &g);
		if (len >= 3 && strncasecmp(c->name, word, len) == 0) {
			prefix = c->name;
			n_prefix++;
		}
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		closer(word, aliases[i].alias, aliases[i].name, &g);
	if (g.name && (g.best <= 1 || (g.best == 2 && len >= 5)))
		return g.name;
	return n_prefix == 1 ? prefix : NULL;
}

int cli_dispatch(int argc, char **argv)
{
	const struct cli_command *c = cli_command_find(argv[0]);

	cli.cmd = NULL;
	if (!c) {
		const char *hint = suggest(argv[0]);

		if (hint)
			return cli_usage("unknown command '%s'; did you mean '%s'?", argv[0], hint);
		return cli_usage("unknown command '%s'", argv[0]);
	}
	bool json = cli.json, pretty = cli.pretty;
	int r;

	cli.cmd = c;
	optind = 0; /* GNU getopt: start afresh, also between batch lines */
	opterr = 0;
	r = c->run(argc, argv);
	/* A batch line's own -j or -p is for that line only. */
	cli.json = json;
	cli.pretty = pretty;
	return r;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: netns [-j|--json] [-p|--pretty] [-c|--color[=WHEN]] [--run-dir DIR]\n"
		     "             COMMAND [ARGS...]\n"
		     "       netns [-j] [--run-dir DIR] -b FILE [--force]\n"
		     "       netns --help | --version\n\nCommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nAliases: del (delete), ls and show (list). WHEN: auto (the default: on a\n"
		     "terminal, unless NO_COLOR is set), always, never.\n"
		     "'netns COMMAND --help' shows a command's usage. "
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
		{ "pretty", no_argument, NULL, 'p' },
		{ "color", optional_argument, NULL, 'c' },
		{ "colour", optional_argument, NULL, 'c' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch = NULL, *color = "auto";
	bool force = false;
	int c, r;

	atexit(close_stdout);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jpcb:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli.json = true;
			break;
		case 'p':
			cli.pretty = true;
			break;
		case 'c':
			color = optarg ? optarg : "always";
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
	if (cli_color_init(color) < 0)
		return cli_usage("--color '%s': must be auto, always or never", color);
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
