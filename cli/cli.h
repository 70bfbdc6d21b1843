/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The netns command: shared state, error reporting and helpers for subcommands. */
#ifndef NETNS_CLI_H
#define NETNS_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "netns.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage; /* the synopsis lines, without "Usage:" */
	const char *summary;
};

/* Options that apply to every subcommand, and what is running now. */
struct cli_state {
	bool json;
	bool batch; /* inside netns -b: commands must return, not exec or exit */
	const struct cli_command *cmd;
};
extern struct cli_state cli;

/* netns: <subcommand>: <what>: <reason>. ERR is a negative errno. Returns EXIT_FAIL. */
int cli_fail(const char *what, int err);
/* The same, for a netlink call: adds the kernel's explanation when it gave one. */
int cli_fail_nl(const char *what, int err);
/* netns: <subcommand>: <formatted message>. Returns EXIT_FAIL. */
int cli_failx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: one line, then a hint. Returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the running subcommand's --help to stdout. Returns EXIT_OK. */
int cli_help(void);
/* Handles getopt's '?' and ':' results for ARGV. Returns EXIT_USAGE. */
int cli_bad_option(int opt, char **argv);

/* Parses a decimal number from MIN to MAX, digits only. -EINVAL otherwise. */
int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret);
/* Parses "PID" or "PID/TID" (TID 0 when absent). -EINVAL on anything else. */
int cli_parse_pid(const char *s, pid_t *ret_pid, pid_t *ret_tid);
/* Opens a namespace given as a NAME or, when it contains '/', as a PATH.
 * On failure prints the error and returns a negative errno. */
int cli_open_ns(const char *arg);
/* Is ARG a path rather than a name? */
bool cli_is_path(const char *arg);
/* What RUNDIR/NAME is when it is not a namespace, for error messages:
 * "a symbolic link, ...", "a directory", "an empty placeholder ...". */
const char *cli_entry_kind(const char *name);

/* A JSON string for S; bytes that are not UTF-8 become U+FFFD. NULL: ENOMEM. */
json_t *cli_json_string(const char *s);
/* Prints J on one line to stdout and drops the reference. */
int cli_json_print(json_t *j);
/* Adds every name of namespace ID to the JSON array NAMES, or prints them one
 * per line when NAMES is NULL. Returns the count or a negative errno. */
int cli_names_of(const struct netns_id *id, json_t *names);

/* The dispatch table, and a lookup by exact name. */
extern const struct cli_command cli_commands[];
const struct cli_command *cli_command_find(const char *name);
/* Runs one subcommand line (ARGV[0] is its name) and returns its exit status. */
int cli_dispatch(int argc, char **argv);

/* netns add's work, shared with batch mode: creates NAMES in order from one
 * throwaway thread, stops at the first failure and reports it. *RET_DONE:
 * how many were made. Returns the exit status. */
int cli_add_names(char **names, size_t n, unsigned flags, size_t *ret_done);

/* Subcommands, one group per file. */
int cmd_add(int argc, char **argv);        /* cmd-name.c */
int cmd_attach(int argc, char **argv);     /* cmd-name.c */
int cmd_delete(int argc, char **argv);     /* cmd-name.c */
int cmd_list(int argc, char **argv);       /* cmd-list.c */
int cmd_exec(int argc, char **argv);       /* cmd-exec.c */
int cmd_identify(int argc, char **argv);   /* cmd-proc.c */
int cmd_pids(int argc, char **argv);       /* cmd-proc.c */
int cmd_up(int argc, char **argv);         /* cmd-link.c */
int cmd_connect(int argc, char **argv);    /* cmd-link.c */
int cmd_disconnect(int argc, char **argv); /* cmd-link.c */
int cmd_links(int argc, char **argv);      /* cmd-link.c */
int cmd_serve(int argc, char **argv);      /* cmd-serve.c */
int cmd_threads(int argc, char **argv);    /* cmd-threads.c */

/* Prints "netns: MESSAGE" as one line on stderr, control bytes (a name may
 * hold a newline) shown as C escapes: \n, \r, \t, \xHH. cli_fail, cli_failx
 * and cli_usage print through it too. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
