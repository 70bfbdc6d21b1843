/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Batch mode: many subcommands in one process, like ip -batch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cli.h"

#define BATCH_MAX_ARGS 256

int batch_split(char *line, char **argv, int max)
{
	char *in = line, *out = line;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			in++;
		if (!*in || *in == '#')
			return n;
		if (n == max)
			return -E2BIG;
		argv[n++] = out;
		for (; *in; in++) {
			if (quote) {
				if (*in == quote)
					quote = 0;
				else if (*in == '\\' && quote == '"' && in[1])
					*out++ = *++in;
				else
					*out++ = *in;
			} else if (*in == '\'' || *in == '"') {
				quote = *in;
			} else if (*in == '\\' && in[1]) {
				*out++ = *++in;
			} else if (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r') {
				in++;
				break;
			} else {
				*out++ = *in;
			}
		}
		if (quote)
			return -EINVAL;
		*out++ = '\0';
	}
}

/*
 * Consecutive "add [--up] NAME..." lines run as one netns_name_add_many()
 * call: still a namespace per name, in order, but one throwaway thread for
 * the group instead of one per line (a thread start cost about as much as
 * the namespace itself: docs/benchmarks.md). Errors, line numbers and
 * --force behave as if each line ran on its own.
 */
#define ADD_GROUP_MAX 256

struct add_group {
	char *names[ADD_GROUP_MAX];
	unsigned long lines[ADD_GROUP_MAX];
	size_t n;
	unsigned flags;
};

/* Is ARGV a plain add line? Anything else (another option, --help, a bad
 * name, too many names) takes the ordinary path, which reports it. */
static bool add_line(int argc, char **argv, unsigned *ret_flags, int *ret_first)
{
	unsigned flags = 0;
	int i = 1;

	if (strcmp(argv[0], "add") != 0)
		return false;
	for (; i < argc && strcmp(argv[i], "--up") == 0; i++)
		flags |= NETNS_ADD_LO_UP;
	if (i == argc || argc - i > ADD_GROUP_MAX)
		return false;
	for (int k = i; k < argc; k++)
		if (argv[k][0] == '-' || netns_name_check(argv[k]) < 0)
			return false;
	*ret_flags = flags;
	*ret_first = i;
	return true;
}

/* Runs and empties the group. Returns false when the batch must stop. */
static bool add_group_run(struct add_group *g, bool force, int *status)
{
	bool go_on = true;
	size_t off = 0;

	cli.cmd = cli_command_find("add");
	while (off < g->n) {
		size_t done = 0;
		unsigned long bad;

		if (cli_add_names(g->names + off, g->n - off, g->flags, &done) == EXIT_OK)
			break;
		bad = g->lines[off + done];
		fprintf(stderr, "netns: batch: command failed at line %lu\n", bad);
		*status = EXIT_FAIL;
		if (!force) {
			go_on = false;
			break;
		}
		/* The failing line stops at its failing name; the next line goes on. */
		for (off += done; off < g->n && g->lines[off] == bad; off++)
			;
	}
	for (size_t i = 0; i < g->n; i++)
		free(g->names[i]);
	g->n = 0;
	cli.cmd = NULL;
	return go_on;
}

/* Adds the names of an add line to the group; false on ENOMEM. */
static bool add_group_push(struct add_group *g, char **names, int n, unsigned flags,
			   unsigned long lineno)
{
	for (int i = 0; i < n; i++) {
		g->names[g->n] = strdup(names[i]);
		if (!g->names[g->n])
			return false;
		g->lines[g->n++] = lineno;
	}
	g->flags = flags;
	return true;
}

int batch_run(const char *file, bool force)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	char *line = NULL, *argv[BATCH_MAX_ARGS + 1];
	struct add_group group = { .n = 0 };
	size_t cap = 0;
	unsigned long lineno = 0;
	int status = EXIT_OK;
	bool go_on = true;

	if (!f) {
		fprintf(stderr, "netns: batch: %s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	cli.batch = true;
	while (go_on && getline(&line, &cap, f) >= 0) {
		unsigned flags;
		int argc, first, r;

		lineno++;
		argc = batch_split(line, argv, BATCH_MAX_ARGS);
		if (argc == 0)
			continue;
		if (argc > 0 && add_line(argc, argv, &flags, &first)) {
			if (group.n && (group.flags != flags || group.n + (argc - first) > ADD_GROUP_MAX))
				go_on = add_group_run(&group, force, &status);
			if (go_on && !add_group_push(&group, argv + first, argc - first, flags, lineno)) {
				fprintf(stderr, "netns: batch: line %lu: %s\n", lineno, strerror(ENOMEM));
				status = EXIT_FAIL;
				go_on = false;
			}
			continue;
		}
		if (group.n && !add_group_run(&group, force, &status))
			break;
		if (argc < 0) {
			fprintf(stderr, "netns: batch: line %lu: %s\n", lineno,
				argc == -EINVAL ? "unterminated quote" : "too many words");
			r = EXIT_USAGE;
		} else {
			argv[argc] = NULL;
			r = cli_dispatch(argc, argv);
			fflush(stdout);
		}
		if (r != EXIT_OK) {
			fprintf(stderr, "netns: batch: command failed at line %lu\n", lineno);
			status = EXIT_FAIL;
			go_on = force;
		}
	}
	if (group.n && go_on)
		add_group_run(&group, force, &status);
	for (size_t i = 0; i < group.n; i++)
		free(group.names[i]);
	free(line);
	if (f != stdin)
		fclose(f);
	cli.batch = false;
	return status;
}
