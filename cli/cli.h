/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The netns command: shared state, error reporting and helpers for subcommands. */
#ifndef NETNS_CLI_H
#define NETNS_CLI_H

#include <getopt.h>
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
	bool pretty; /* -p: indented JSON */
	bool color;  /* --color, decided once by cli_color_init() */
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
/* The options of a command that prints: --help, and -j/--json and -p/--pretty,
 * which it takes as netns itself does (netns list-id -j). cli_output_opt()
 * handles one getopt result: -1 when parsing goes on, else the exit status
 * to return (--help, or a bad option). */
extern const struct option cli_output_opts[];
int cli_output_opt(int c, char **argv);
/* Handles getopt's '?' and ':' results for ARGV. Returns EXIT_USAGE. */
int cli_bad_option(int opt, char **argv);

/* Decides whether human output is colored: WHEN is "auto" (on when stdout is
 * a terminal and NO_COLOR is unset or empty, as https://no-color.org asks),
 * "always" or "never". -EINVAL for any other WHEN. */
int cli_color_init(const char *when);
/* What to print around a colored word: an SGR sequence, or "" when color is
 * off. CLI_COLOR_OFF ends it. */
enum cli_color { CLI_COLOR_NAME, CLI_COLOR_GOOD, CLI_COLOR_BAD, CLI_COLOR_OFF };
const char *cli_color_seq(enum cli_color c);

/* Progress of long work, "N of M" on stderr, overwritten in place, only when
 * stderr is a terminal and at most every 100 ms (and at DONE == TOTAL);
 * cli_progress_end() clears the line. Silent otherwise. */
void cli_progress(size_t done, size_t total);
void cli_progress_end(void);
/* The same with a line of one's own (printf FMT); FINAL: shown even within
 * 100 ms of the last. */
void cli_progress_line(bool final, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Asks QUESTION on stderr and reads the answer from stdin: true for "y" or
 * "yes". Only call it when stdin is a terminal. */
bool cli_confirm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a decimal number from MIN to MAX, digits only. -EINVAL otherwise. */
int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret);
/* Parses "PID" or "PID/TID" (TID 0 when absent). -EINVAL on anything else. */
int cli_parse_pid(const char *s, pid_t *ret_pid, pid_t *ret_tid);
/* Opens a namespace given as a NAME or, when it contains '/', as a PATH.
 * On failure prints the error and returns a negative errno. */
int cli_open_ns(const char *arg);
/* Is ARG a path rather than a name? */
bool cli_is_path(const char *arg);
/* The names of the run directory that start with PREFIX (NULL: all; with
 * BROKEN, broken ones too), in byte order. Returns 0 or a negative errno;
 * free with cli_names_free() in either case. */
struct cli_names {
	char **v;
	size_t n, cap;
	const char *prefix;
};
int cli_names_read(struct cli_names *ret, const char *prefix, bool broken);
void cli_names_free(struct cli_names *l);

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

/* Every name of the run directory, sorted by namespace, read once: there may
 * be 10,000 names and as many threads, so netns_name_find() per thread would
 * be quadratic. cli_ns_names_load() returns 0 or a negative errno (free in
 * either case); _find() the number of names of ID, the first in *RET. */
struct cli_ns_name {
	struct netns_id id;
	char *name;
};
struct cli_ns_names {
	struct cli_ns_name *v;
	size_t n, cap;
};
int cli_ns_names_load(struct cli_ns_names *m);
size_t cli_ns_names_find(const struct cli_ns_names *m, const struct netns_id *id,
			 const struct cli_ns_name **ret);
void cli_ns_names_free(struct cli_ns_names *m);

/* The dispatch table, and a lookup by exact name. */
extern const struct cli_command cli_commands[];
const struct cli_command *cli_command_find(const char *name);
/* Runs one subcommand line (ARGV[0] is its name) and returns its exit status. */
int cli_dispatch(int argc, char **argv);

/* netns add's work, shared with batch mode: creates NAMES in order from one
 * throwaway thread, stops at the first failure and reports it. *RET_DONE:
 * how many were made. Returns the exit status. */
int cli_add_names(char **names, size_t n, unsigned flags, size_t *ret_done);

/* exec's work (cmd-exec.c), shared with netns lab exec: CMD in namespace
 * NAME|PATH in a child, as netns exec runs it; its exit status as exec
 * gives it. _prefixed: its stdout and stderr lines prefixed "LABEL: ". */
int cli_exec_in_child(const char *arg, bool sys, char **cmd);
int cli_exec_prefixed(const char *name, const char *label, bool sys, char **cmd);

/* nsids (cmd-nsid.c): every name that has an nsid, read once; printing one
 * nsid as "[VERB ]nsid N[ (names: A, B)]" or, with -j, as an object
 * {["event": VERB, ]"nsid": N, "names": [...]} appended to ARR, or printed
 * on its own line when VERB is set; and a socket subscribed to RTNLGRP_NSID,
 * read with cli_nsid_monitor_read() when it is readable. */
struct nsid_names;
int cli_nsid_names_load(struct nsid_names **ret);
void cli_nsid_names_free(struct nsid_names *m);
int cli_nsid_print(const char *verb, int nsid, const struct nsid_names *m, json_t *arr);
int cli_nsid_monitor_open(void);
int cli_nsid_monitor_read(int fd, int (*cb)(bool added, int nsid, void *data), void *data);

/* Subcommands, one group per file. */
int cmd_add(int argc, char **argv);        /* cmd-name.c */
int cmd_attach(int argc, char **argv);     /* cmd-name.c */
int cmd_delete(int argc, char **argv);     /* cmd-name.c */
int cmd_list(int argc, char **argv);       /* cmd-list.c */
int cmd_set(int argc, char **argv);        /* cmd-nsid.c */
int cmd_list_id(int argc, char **argv);    /* cmd-nsid.c */
int cmd_monitor(int argc, char **argv);    /* cmd-monitor.c */
int cmd_exec(int argc, char **argv);       /* cmd-exec.c */
int cmd_identify(int argc, char **argv);   /* cmd-proc.c */
int cmd_pids(int argc, char **argv);       /* cmd-proc.c */
int cmd_up(int argc, char **argv);         /* cmd-link.c */
int cmd_connect(int argc, char **argv);    /* cmd-link.c */
int cmd_disconnect(int argc, char **argv); /* cmd-link.c */
int cmd_links(int argc, char **argv);      /* cmd-link.c */
int cmd_serve(int argc, char **argv);      /* cmd-serve.c */
int cmd_threads(int argc, char **argv);    /* cmd-threads.c */
int cmd_lab(int argc, char **argv);        /* cmd-lab.c */
int cmd_watch(int argc, char **argv);      /* cmd-watch.c */

/* Prints "netns: MESSAGE" as one line on stderr, control bytes (a name may
 * hold a newline) shown as C escapes: \n, \r, \t, \xHH. cli_fail, cli_failx
 * and cli_usage print through it too. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
