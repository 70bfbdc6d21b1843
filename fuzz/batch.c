/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: batch_parse, which splits netns -b input into commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/batch.h"
#include "../cli/cli.h"
#include "fuzz.h"

/* batch.c runs commands too; the parser never reaches these. */
const struct cli_command *cli_command_find(const char *name)
{
	(void)name;
	abort();
}

int cli_dispatch(int argc, char **argv)
{
	(void)argc, (void)argv;
	abort();
}

int cli_add_names(char **names, size_t n, unsigned flags, size_t *ret_done)
{
	(void)names, (void)n, (void)flags, (void)ret_done;
	abort();
}

/* Appends WORD to OUT, single-quoted the shell's way: 'it'\''s'. */
static char *quote(char *out, const char *word)
{
	*out++ = '\'';
	for (; *word; word++) {
		if (*word == '\'') {
			memcpy(out, "'\\''", 4);
			out += 4;
		} else {
			*out++ = *word;
		}
	}
	*out++ = '\'';
	*out++ = ' ';
	return out;
}

/* What the parser promises about a script it accepted. */
static void check(const struct batch_script *s, size_t size)
{
	unsigned long last = 0;

	for (size_t i = 0; i < s->n_lines; i++) {
		const struct batch_line *l = &s->lines[i];
		char **argv = s->words + l->first;
		struct batch_script again;
		size_t need = 2;
		char *line, *out;

		if (l->argc < 1 || l->argc > BATCH_MAX_ARGS || l->lineno <= last ||
		    l->lineno > size + 1 || l->first + (size_t)l->argc >= s->n_words ||
		    argv[l->argc] != NULL)
			abort();
		last = l->lineno;
		for (int k = 0; k < l->argc; k++) {
			/* The bug this parser fixed: an escaped newline in a word. */
			if (!argv[k] || strchr(argv[k], '\n'))
				abort();
			need += 4 * strlen(argv[k]) + 3;
		}
		/* Quoted and parsed again, the line gives the same words. */
		line = malloc(need);
		if (!line)
			abort();
		out = line;
		for (int k = 0; k < l->argc; k++)
			out = quote(out, argv[k]);
		*out++ = '\n';
		if (batch_parse(line, (size_t)(out - line), &again) != 0 || again.n_lines != 1 ||
		    again.lines[0].argc != l->argc)
			abort();
		for (int k = 0; k < l->argc; k++)
			if (strcmp(again.words[again.lines[0].first + (size_t)k], argv[k]) != 0)
				abort();
		batch_script_free(&again);
		free(line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A buffer of its own, exactly SIZE long: ASan sees any read past it. */
	char *buf = malloc(size ? size : 1);
	struct batch_script s;
	int r;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	r = batch_parse(buf, size, &s);
	if (r == 0)
		check(&s, size);
	else if (r != -EINVAL || !s.err_msg || s.err_line < 1 || s.err_line > size + 1)
		abort();
	batch_script_free(&s);
	free(buf);
	return 0;
}
