/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef NETNS_CLI_BATCH_H
#define NETNS_CLI_BATCH_H

#include <stdbool.h>

/* netns -b FILE: runs one subcommand per line of FILE ("-": stdin) in this
 * process. Stops at the first failing line unless FORCE. Returns the exit
 * status: 0, 1 if a line failed, 2 if FILE cannot be read. */
int batch_run(const char *file, bool force);

/* Splits LINE in place into at most MAX words: blanks separate words, '...'
 * and "..." quote, backslash escapes the next character, and a '#' that
 * starts a word begins a comment. Returns the count or -EINVAL (an open
 * quote) or -E2BIG. */
int batch_split(char *line, char **argv, int max);

#endif
