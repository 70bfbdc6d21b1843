/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns serve: state shared by cmd-serve.c and the serve-*.c files. */
#ifndef NETNS_CLI_SERVE_H
#define NETNS_CLI_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an epoll event points at. */
enum serve_kind {
	SERVE_TCP,
	SERVE_UDP,
	SERVE_SIGNAL,
	SERVE_INOTIFY,
	SERVE_BACKOFF, /* timerfd: resume listeners paused by EMFILE */
	SERVE_RETRY,   /* timerfd: retry names that were still placeholders */
};

struct serve_ns;

struct serve_sock {
	enum serve_kind kind;
	int fd;
	struct serve_ns *ns;     /* NULL for the control fds */
	bool paused;             /* out of epoll until the backoff timer fires */
	struct serve_sock *next; /* in serve.paused */
};

/* One served namespace. With --follow, a name whose file is still an empty
 * placeholder (netns add creates it before mounting) waits in the table,
 * not yet serving, and is retried by a timer. */
struct serve_ns {
	char *name;
	uint64_t ino;
	char *msg;
	size_t msg_len;
	struct serve_sock tcp, udp; /* fd -1 when absent */
	bool v4only;                /* no IPv6 in that namespace */
	bool serving;
	bool seen;                  /* found by the last rescan */
	int err;                    /* the last start's result */
	unsigned tries;             /* placeholder retries so far */
	uint64_t retry_at;          /* CLOCK_MONOTONIC ns */
};

struct serve {
	/* options */
	uint16_t port;
	const char *format; /* NULL: "hello from namespace %n\n" */
	bool udp, follow, quiet;

	int epfd;
	struct serve_sock sig, inotify, backoff, retry;
	int watch;          /* inotify watch descriptor of the run directory */
	struct serve_ns **v; /* every namespace, serving or waiting */
	size_t n, cap;
	size_t n_serving;
	struct serve_sock *paused;
	unsigned backoff_ms; /* current EMFILE backoff, 0: none */
	bool backoff_armed;
	bool stop;
};

/* cmd-serve.c */
/* Checks a --message format: only %n, %i and %% are allowed. */
int serve_format_check(const char *fmt);
/* Appends one line to stderr unless -q: "netns: serve: ...". */
void serve_log(const struct serve *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t serve_now(void);

/* serve-ns.c */
/* Opens ARG (a name, or a path when it has a '/') and serves it. Returns 0,
 * or a negative errno after reporting it unless QUIET_ERR. -EINVAL from a
 * name means the file is not (yet) a network namespace. */
int serve_ns_start(struct serve *s, struct serve_ns *ns, bool quiet_err);
/* Adds a table entry for ARG, not serving yet. NULL on ENOMEM. */
/* The same for V[0..N) at once, cheaper at scale; each ns->err and
 * ns->serving tell how it went. */
void serve_ns_start_many(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err);
struct serve_ns *serve_ns_new(struct serve *s, const char *arg);
struct serve_ns *serve_ns_find(const struct serve *s, const char *name);
/* Stops serving and frees the entry at index I (order is not kept). */
void serve_ns_remove(struct serve *s, size_t i, bool log);
void serve_ns_remove_all(struct serve *s);

/* serve-loop.c */
int serve_loop(struct serve *s);
/* Takes a paused socket out of serve.paused. */
void serve_unpause(struct serve *s, struct serve_sock *k);
int serve_epoll_add(struct serve *s, struct serve_sock *k);

/* serve-follow.c */
/* Watches the run directory, creating it when missing. */
int serve_follow_start(struct serve *s);
void serve_follow_event(struct serve *s);
void serve_follow_retry(struct serve *s);
/* Serves every name that is a network namespace and not served yet, and
 * with --follow, drops entries whose name is gone. */
int serve_follow_rescan(struct serve *s);
/* Starts table entries from index FIRST on, in one batch, and drops (or,
 * with --follow, schedules a retry for) those that fail. */
void serve_start_new(struct serve *s, size_t first, bool quiet_err);

#endif
