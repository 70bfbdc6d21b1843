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
	SERVE_WATCH,   /* --follow: netns_watch_fd() */
	SERVE_BACKOFF, /* timerfd: resume listeners paused by EMFILE, and
			* retry names waiting for fds */
};

struct serve_ns;

struct serve_sock {
	enum serve_kind kind;
	int fd;
	struct serve_ns *ns;     /* NULL for the control fds */
	bool paused;             /* out of epoll until the backoff timer fires */
	struct serve_sock *next; /* in serve.paused */
};

/* Where a table entry stands. */
enum serve_state {
	SERVE_NS_NEW,         /* not tried yet */
	SERVE_NS_SERVING,
	SERVE_NS_FD_WAIT,     /* no fd for its listener: retried as fds free up */
	SERVE_NS_ALIAS,       /* another name of the namespace OWNER serves */
};

/* One name (or path) of a namespace. A namespace reachable under several
 * names is served once, by the entry that claimed its identity first (the
 * owner, held in serve.ids); the other names are aliases that point at it
 * and take over its sockets when its name goes. No namespace fd is held:
 * the namespace is opened when its listeners are made, and closed then. */
struct serve_ns {
	char *name;                 /* first: the key in serve.names */
	uint64_t dev, ino;
	bool claimed;               /* owner of dev/ino in serve.ids */
	char *msg;
	size_t msg_len;
	struct serve_sock tcp, udp; /* fd -1 when absent */
	bool v4only;                /* no IPv6 in that namespace */
	enum serve_state state;
	struct serve_ns *owner;     /* SERVE_NS_ALIAS: who serves it */
	size_t n_aliases;           /* entries whose owner this is */
	bool announced;             /* SERVE_NS_ALIAS: logged as such */
	int err;                    /* the last start's result */
	size_t idx;                 /* in serve.v */
};

struct serve {
	/* options */
	uint16_t port;
	const char *format; /* NULL: "hello from namespace %n\n" */
	bool udp, follow, quiet;

	int epfd;
	struct serve_sock sig, watch, backoff;
	struct netns_watch *watcher; /* --follow */
	struct serve_ns **v; /* every name, serving or waiting */
	void *names;         /* tsearch() tree of V, by name */
	size_t n, cap;
	size_t n_serving;
	void *ids;           /* tsearch() tree of owners, by dev and ino */
	uint64_t nsfs_dev;   /* st_dev of every namespace file */
	size_t n_unannounced; /* aliases not logged yet */
	/* File descriptors: those open at start (stdio, control fds) plus one
	 * per listener are ours; the rest up to RLIMIT_NOFILE is free. */
	size_t fds_base, n_socks;
	size_t n_fd_wait;    /* entries in SERVE_NS_FD_WAIT */
	bool fd_wait_told;   /* the shortage was logged */
	bool fds_freed;      /* listeners closed since the last loop turn */
	struct serve_sock *paused;
	unsigned backoff_ms; /* current fd-shortage backoff, 0: none */
	bool accept_told;    /* accept()'s shortage was logged */
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
/* Fds a start may still take under RLIMIT_NOFILE, keeping a few for
 * accept() and the run directory. */
size_t serve_fds_free(const struct serve *s);
/* Makes the listeners of V[0..N) (owners, not serving), in batches sized
 * to the free fds; each ns->err tells how it went: 0 (serving), -EMFILE or
 * -ENFILE (no fd: not tried, or failed for want of one; not reported), or
 * another negative errno, reported unless QUIET_ERR for open errors. */
void serve_ns_start_many(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err);
/* Adds a table entry for ARG, not serving yet. NULL on ENOMEM. */
struct serve_ns *serve_ns_new(struct serve *s, const char *arg);
struct serve_ns *serve_ns_find(const struct serve *s, const char *name);
/* Reads the identity of NS's file into RET_DEV and RET_INO without opening
 * it. Returns false when it is no namespace file (not yet, or not at all). */
bool serve_ns_stat(const struct serve *s, const struct serve_ns *ns, uint64_t *ret_dev,
		   uint64_t *ret_ino);
/* Claims NS's namespace (dev and ino set): returns true when NS is to serve
 * it, false when it became an alias of the entry that already does. */
bool serve_ns_claim(struct serve *s, struct serve_ns *ns);
/* Gives up NS's claim (its file turned out not to be a namespace). */
void serve_ns_unclaim(struct serve *s, struct serve_ns *ns);
/* Stops serving and frees the entry at index I (order is not kept). An
 * owner with aliases hands its sockets (or its wait) to one of them. */
void serve_ns_remove(struct serve *s, size_t i, bool log);
/* Frees NS (it failed, as was reported) and the aliases that rode on it. */
void serve_ns_drop(struct serve *s, struct serve_ns *ns);
/* Logs the aliases not logged yet. */
void serve_ns_announce(struct serve *s);
void serve_ns_remove_all(struct serve *s);

/* serve-loop.c */
int serve_loop(struct serve *s);
/* Takes a paused socket out of serve.paused. */
void serve_unpause(struct serve *s, struct serve_sock *k);
/* Arms the backoff timer unless armed: 10 ms, doubling up to 500 ms while
 * fds stay short. It resumes paused listeners and retries waiting names. */
void serve_backoff_arm(struct serve *s);
int serve_epoll_add(struct serve *s, struct serve_sock *k);

/* serve-follow.c */
/* Watches the run directory (netns_watch), creating it when missing. */
int serve_follow_start(struct serve *s);
/* Takes in what the watch reports, and starts the names it added. */
void serve_follow_event(struct serve *s);
/* Retries the names waiting for fds, as many as fit now. */
void serve_fd_wait_retry(struct serve *s);
/* Serves every name that is a network namespace (no --follow). */
int serve_scan(struct serve *s);
/* Starts table entries from index FIRST on, in one batch, and drops those
 * that fail; those short of fds wait. */
void serve_start_new(struct serve *s, size_t first, bool quiet_err);
/* The same for the entries V[0..N) (new or waiting); V is overwritten. */
void serve_start_list(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err);

#endif
