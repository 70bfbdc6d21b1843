/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef NETNS_CLI_BATCH_H
#define NETNS_CLI_BATCH_H

#include <stdbool.h>
#include <stddef.h>

/* The most words on one command line. */
#define BATCH_MAX_ARGS 256

/* netns -b FILE: reads all of FILE ("-": stdin) and checks every line, then
 * runs one subcommand per line in this process. Stops at the first failing
 * line unless FORCE. Returns the exit status: 0, 1 if a line is malformed
 * (nothing runs then) or a command failed, 2 if FILE cannot be read. */
int batch_run(const char *file, bool force);

/* A batch file split into commands. */
struct batch_line {
	unsigned long lineno; /* the line the command starts on */
	int argc;
	size_t first; /* its words: words[first] to words[first + argc - 1], then NULL */
};

struct batch_script {
	char *text;   /* every word, NUL-terminated */
	char **words; /* into text */
	size_t n_words, cap_words;
	struct batch_line *lines;
	size_t n_lines, cap_lines;
	unsigned long err_line; /* after -EINVAL: the bad line, and what is wrong */
	const char *err_msg;
};

/* Splits BUF (LEN bytes; not changed, need not be NUL-terminated) into
 * commands, one per line: blanks separate words, '...' and "..." quote, a
 * backslash escapes the next character, a backslash before a newline joins
 * the next line to this one (as ip -batch does), and a '#' that starts a word
 * begins a comment that ends with the line. Refused, naming the line: a NUL
 * byte, a backslash before a carriage return or at the end of the input, an
 * open quote at the end of a line, more than BATCH_MAX_ARGS words. Returns
 * 0, -EINVAL (see err_line and err_msg) or -ENOMEM. Free RET with
 * batch_script_free, also after a failure. */
int batch_parse(const char *buf, size_t len, struct batch_script *ret);
void batch_script_free(struct batch_script *s);

#endif
