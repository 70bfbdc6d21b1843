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

int batch_run(const char *file, bool force)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	char *line = NULL, *argv[BATCH_MAX_ARGS + 1];
	size_t cap = 0;
	unsigned long lineno = 0;
	int status = EXIT_OK;

	if (!f) {
		fprintf(stderr, "netns: batch: %s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	cli.batch = true;
	while (getline(&line, &cap, f) >= 0) {
		int argc, r;

		lineno++;
		argc = batch_split(line, argv, BATCH_MAX_ARGS);
		if (argc == 0)
			continue;
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
			if (!force)
				break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	cli.batch = false;
	return status;
}
