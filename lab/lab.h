/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lab engine (lab/, an internal static library that the netns command
 * links): a lab file (containerlab's topology layout), its state, and
 * making, changing, probing and removing it. docs/lab.md describes the
 * file. The engine prints nothing and includes no CLI header: progress,
 * notes and errors go to the caller's report callback (struct lab_ctx),
 * and the caller owns signals (it sets ctx->cancel) and exit statuses. */
#ifndef NETNS_LAB_H
#define NETNS_LAB_H

#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <yaml.h>

#include "netns.h"

/* What the engine tells its caller. TEXT is formatted already; with ERR (a
 * negative errno) it names what failed and the front end adds the reason
 * (": REASON"), as it words errnos for every other command. A PROGRESS
 * report with TEXT NULL ends the progress line; FINAL: the last count of
 * the work, worth showing even right after the previous one. */
enum lab_level { LAB_PROGRESS, LAB_NOTE, LAB_WARNING, LAB_ERROR };

struct lab_report {
	enum lab_level level;
	int err;
	const char *text;
	bool final;
};

/* The caller's side of a run: REPORT (may be NULL: nothing is said) with
 * its DATA, and CANCEL, which the engine polls between steps (a signal
 * handler of the caller may set it): nonzero, an up stops and undoes what
 * it made. */
struct lab_ctx {
	void (*report)(void *data, const struct lab_report *r);
	void *data;
	volatile sig_atomic_t *cancel;
};

/* What the engine's runs return: LAB_OK, or LAB_FAILED once the reason has
 * been reported (the command maps these to its exit statuses). */
enum { LAB_OK = 0, LAB_FAILED = 1 };

/* report.c: reporting through CTX. lab_fail() says "WHAT: REASON(ERR)",
 * lab_failx() a message of its own; both return LAB_FAILED. lab_note() is
 * a note that does not fail the run. lab_cancelled(): CTX->cancel is set. */
int lab_fail(const struct lab_ctx *ctx, const char *what, int err);
int lab_failx(const struct lab_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lab_note(const struct lab_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lab_progressf(const struct lab_ctx *ctx, bool final, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lab_progress_clear(const struct lab_ctx *ctx);
static inline bool lab_cancelled(const struct lab_ctx *ctx)
{
	return ctx && ctx->cancel && *ctx->cancel;
}

struct mnl_socket;

/* An address "CIDR" on interface IFNAME of a node. */
struct lab_addr {
	char *ifname;
	char *cidr;
	yaml_mark_t mark; /* where the file says it, for errors found later */
};

struct lab_route {
	char *dst; /* "default" or a CIDR */
	char *via; /* an address, or NULL */
	char *dev; /* an interface, or NULL */
	yaml_mark_t mark;
};

struct lab_sysctl {
	char *key; /* dotted: net.ipv4.ip_forward */
	char *value;
};

struct lab_kind;

struct lab_node {
	char *name;
	char *kind; /* "linux" when none is given */
	const struct lab_kind *type; /* its entry in kind.c's table */
	struct lab_addr *addrs;
	size_t n_addrs;
	struct lab_route *routes;
	size_t n_routes;
	struct lab_sysctl *sysctls;
	size_t n_sysctls;
	char **exec;
	size_t n_exec;
};

struct lab_end {
	size_t node; /* index into lab.nodes */
	char *ifname;
	char *cidr; /* "r1:eth1:10.0.0.1/30": the address, or NULL */
	char *mac; /* containerlab's endpoint 'mac', or NULL: read, not applied yet */
};

struct lab_link_type;

struct lab_link {
	const struct lab_link_type *type; /* link.c's entry: veth */
	struct lab_end end[2];
	unsigned mtu; /* the file's, else LAB_LINK_MTU */
};

/* containerlab's MTU of a link whose file gives none (its links package's
 * DefaultLinkMTU), rather than the kernel's 1500: jumbo frames cross a lab
 * as they cross its fabric. */
#define LAB_LINK_MTU 9500

struct lab {
	char *name;
	struct lab_node *nodes;
	size_t n_nodes;
	struct lab_link *links;
	size_t n_links;
	/* "FILE:LINE:COL: 'image' is ignored: nodes are namespaces", one per key. */
	char **notes;
	size_t n_notes;
};

/* What a lab file may be (docs/lab.md): at most LAB_FILE_MAX bytes, values
 * nested at most LAB_DEPTH_MAX deep (a lab needs 7), one YAML document,
 * settings of all nodes that take at most LAB_SETTINGS_MAX bytes.
 * libyaml's scanner walks its stack of flow levels for every token, so
 * nesting costs quadratic time: 40,000 levels took 8.4 s. */
#define LAB_FILE_MAX (16 << 20)
#define LAB_DEPTH_MAX 64
/* The bytes that the addresses, routes, sysctls and exec lines of all
 * nodes take once inherited (each counts 64 bytes and its text): defaults
 * given to every node multiply, so that a 77 KB file (3,000 exec lines for
 * 3,000 nodes) took 360 MB, and 1.5 MB would take tens of GB. */
#define LAB_SETTINGS_MAX (256 << 20)

/* env.c: BUF (LEN bytes) with its environment variables expanded as
 * containerlab expands them, before YAML (docs/lab.md): 0 and *RET, the
 * text (malloc'd, *RET_LEN bytes), or *RET NULL when BUF holds no '$'
 * (the text is BUF itself). -EINVAL with *RET_LINE, *RET_COL (1-based) and
 * *RET_WHY for a substitution that is wrong, -E2BIG when the text would
 * pass LAB_FILE_MAX, -ENOMEM. */
int lab_env_expand(const char *buf, size_t len, char **ret, size_t *ret_len, size_t *ret_line,
		   size_t *ret_col, const char **ret_why);

/* Parses and validates the lab file held in BUF (LEN bytes); FILE names it
 * in messages. A file past the limits above is refused (-EINVAL) before
 * it is built into a document. On success returns 0 and *RET (free with lab_free()). On
 * failure returns -EINVAL (the file is wrong) or -ENOMEM, and writes
 * "FILE:LINE:COL: what is wrong" into ERR (ERRLEN bytes). Never prints. */
int lab_parse(const char *buf, size_t len, const char *file, struct lab **ret, char *err,
	      size_t errlen);
void lab_free(struct lab *lab);

/* The namespace name of NODE in LAB: "LAB-NODE", malloc'd. */
char *lab_ns_name(const char *lab, const char *node);

/* State (state.c): RUNDIR-lab/LAB.json, next to the run directory (not
 * in it: `ip netns list` prints every entry of /run/netns). */
char *lab_state_dir(void);
char *lab_state_path(const char *lab);
/* The state of LAB as JSON, written atomically; with EXCL, -EEXIST when
 * LAB has a state already. */
json_t *lab_state_json(const struct lab *lab, const char *file);
int lab_state_write(const char *lab, json_t *state, bool excl);
/* Loads LAB's state: -ENOENT when the lab is not up, -EBADMSG when its file
 * is not a state netns wrote. */
int lab_state_load(const char *lab, json_t **ret);
/* Says why lab_state_load() failed with R, in one line; returns
 * LAB_FAILED. */
int lab_state_fail(const struct lab_ctx *ctx, const char *lab, int r);
/* Removes LAB's state, then its journal. */
int lab_state_remove(const char *lab);
/* Removes what a writer of LAB's state killed half-way left (its
 * LAB.json.PID.tmp), and the state directory when it is empty. */
void lab_state_tidy(const char *lab);
/* The journal of an up, RUNDIR-lab/LAB.made: the identity of each namespace
 * it makes, added after the namespace exists and before it is named, so
 * that a down after a kill -9 finds every name the up may have made, and
 * knows each one's namespace. _open truncates it; _add writes one entry
 * (one write(2)); _read returns the entries, [{"ns","dev","inode"}], an
 * empty list when there is no journal. */
char *lab_journal_path(const char *lab);
int lab_journal_open(const char *lab);
int lab_journal_add(int fd, const char *ns, const struct netns_id *id);
int lab_journal_read(const char *lab, json_t **ret);
int lab_journal_remove(const char *lab);
/* Takes the lock of the state directory (an flock, made if missing) and
 * returns the fd holding it: ups and downs of labs take turns, so that no
 * two change one lab's namespaces and state at once. */
int lab_state_lock(void);
/* The namespace identity a node's state records once the node is made
 * ("dev", "inode"): -ENOENT when it records none (never made). */
int lab_state_node_id(json_t *node, struct netns_id *ret);
int lab_state_node_set_id(json_t *node, const struct netns_id *id);
/* Splits a recorded route "DST[ via VIA][ dev DEV]" into BUF (LEN bytes):
 * pointers into BUF, VIA and DEV NULL when absent. -EINVAL. */
int lab_route_parse(const char *s, char *buf, size_t len, const char **dst, const char **via,
		    const char **dev);

/* plan.c: the plan of an up, the difference between a lab's state and
 * the state its file asks for (lab_state_json()); from nothing for a first
 * up. Strings, malloc'd. */
struct lab_strv {
	char **v;
	size_t n, cap;
};
int lab_strv_add(struct lab_strv *v, const char *s);
void lab_strv_free(struct lab_strv *v);
bool lab_strv_has(const struct lab_strv *v, const char *s);
/* The string KEY of object O, "" when O has none. */
const char *lab_json_str(json_t *o, const char *key);

/* ops.c: a node's addresses, routes and sysctls, split once by the plan
 * from the text the state records (TEXT, which the plan's lines show). An
 * address is "IF CIDR"; a route "DST[ via VIA][ dev DEV]" (lab_route_parse();
 * DST NULL when TEXT is not one); a sysctl KEY and VALUE. _add copies TEXT:
 * 0 or -ENOMEM. */
struct lab_addr_op {
	char *text;
	const char *ifname, *cidr; /* "" and TEXT when TEXT has no space */
};
struct lab_route_op {
	char *text;
	const char *dst, *via, *dev; /* VIA, DEV: NULL when absent */
};
struct lab_sysctl_op {
	char *key, *value;
};
struct lab_addrs {
	struct lab_addr_op *v;
	size_t n, cap;
};
struct lab_routes {
	struct lab_route_op *v;
	size_t n, cap;
};
struct lab_sysctls {
	struct lab_sysctl_op *v;
	size_t n, cap;
};
int lab_addrs_add(struct lab_addrs *v, const char *text);
bool lab_addrs_has(const struct lab_addrs *v, const char *text);
void lab_addrs_free(struct lab_addrs *v);
int lab_routes_add(struct lab_routes *v, const char *text);
void lab_routes_free(struct lab_routes *v);
int lab_sysctls_add(struct lab_sysctls *v, const char *key, const char *value);
void lab_sysctls_free(struct lab_sysctls *v);

/* What one node gets. Its interfaces: BORN, made up with their link (end 0),
 * UPS, set up in the node (end 1), PORTS, enslaved to the node's bridge,
 * GONE, on links that go; MTUS, interface IFNAME's MTU from WAS to NOW
 * (IFNAME: the state's string); addresses, routes and SYSCTL_SET (SYSCTL_OLD: the values
 * they had, read before writing, for the undo); LINK_DEL: interfaces to
 * delete (a link that goes, from one of its nodes that stays); ROUTE_PRE:
 * routes of ROUTE_DEL deleted early, as a new route to the same
 * destination replaces them; ADDR_PRE: addresses of ADDR_DEL deleted
 * early, as a new one on the same interface replaces them; ROUTE_FIX: routes
 * put back after that (the kernel drops routes with their subnet), from
 * ROUTES (the node's in the new state) or, undoing, ROUTES_OLD (in the old
 * one); both filled for a node in both states only. */
struct lab_mtu {
	const char *ifname;
	unsigned now, was;
};

struct lab_nwork {
	json_t *state, *old; /* the node in the new state, in the old (NULL: new) */
	const char *node, *ns;
	size_t lab_idx; /* in struct lab's nodes; SIZE_MAX for a node that goes */
	bool add, del;
	const struct lab_kind *kind; /* the node's kind (kind.c), from its state */
	bool bridge_up; /* a kind's up (a bridge this run made) is done */
	struct {
		struct lab_mtu *v;
		size_t n, cap;
	} mtus;
	struct lab_strv born, ups, ports, gone, link_del;
	struct lab_addrs addr_add, addr_del, addr_pre;
	struct lab_routes route_add, route_del, route_pre, route_fix, routes, routes_old;
	struct lab_sysctls sysctl_set, sysctl_old;
	/* Filled in by up.c. */
	struct netns_id id;
	bool made, has_id;
	size_t done[4]; /* how many of mtus, addr_add, sysctl_set, route_add are done */
	int err;
	char what[256], msg[256]; /* the failing step and the kernel's message */
	int visit_fd; /* while lab_visit_*() runs FN in it: the node's namespace */
};

enum { DONE_MTU, DONE_ADDR, DONE_SYSCTL, DONE_ROUTE };

struct lab_link_work {
	const struct lab_link_type *type;
	json_t *state;
	const char *ifname[2];
	size_t node[2]; /* index in lab_plan.nodes */
	unsigned mtu;
	bool add, made;
};

struct lab_plan {
	const struct lab_ctx *ctx; /* set by the caller of lab_plan_make() */
	struct lab_nwork *nodes; /* the file's, in its order, then those that go */
	size_t n_nodes;
	struct lab_link_work *links; /* the links to make */
	size_t n_links;
	struct lab_strv lines; /* "+ node r3", ...: one per action, in the order done */
};

/* Compares state OLD (NULL: nothing is up) with NEW. -EINVAL with ERR set
 * for a change that cannot be made live, -ENOMEM. */
int lab_plan_make(json_t *old, json_t *new, struct lab_plan **ret, char *err, size_t errlen);
void lab_plan_free(struct lab_plan *p);

/* report.c: "lab LAB: N/M nodes, K/L links" as progress reports, once a
 * second has passed. The caller updates NODES and LINKS; _end ends the
 * line. */
struct lab_progress {
	const struct lab_ctx *ctx;
	const char *lab;
	size_t nodes, n_nodes, links, n_links;
	struct timespec start;
};
void lab_progress_init(struct lab_progress *p, const struct lab_ctx *ctx, const char *lab,
		       size_t nodes, size_t links);
void lab_progress_show(struct lab_progress *p);
void lab_progress_end(struct lab_progress *p);

/* link.c: link types, an entry each (link-veth.c). MAKE makes link L, end
 * I in the namespace of fd FD0/FD1, with one request on NL (rtnl_open(): a
 * socket of the caller's namespace), the kernel's message into MSG; REMOVE deletes it
 * from end 0's namespace FD. Both return 0 or a negative errno.
 * lab_link_type_find() gives the type NAME (NULL: the default, veth), NULL
 * for a type there is none of. */
struct lab_link_type {
	const char *name;
	int (*make)(struct mnl_socket *nl, const struct lab_link_work *l, int fd0, int fd1,
		    char *msg, size_t msglen);
	int (*remove)(int fd, const struct lab_link_work *l);
};
extern const struct lab_link_type lab_link_veth;
const struct lab_link_type *lab_link_type_find(const char *name);

/* file-link.c: containerlab's link types as the file writes them: TYPE,
 * the KEYS its long form may have, and SHORT_NODE, the far end's name in
 * its short form ("host" of "host:IF"; NULL: none). _find gives TYPE's
 * entry, _short the entry whose short form's node is the LEN bytes at
 * NODE; NULL for none. Which are made is lab_link_type_find()'s. */
struct lab_link_form {
	const char *type;
	const char *const *keys;
	const char *short_node;
};
const struct lab_link_form *lab_link_form_find(const char *type);
const struct lab_link_form *lab_link_form_short(const char *node, size_t len);

/* kind.c: node kinds. Each is an entry with what differs between kinds;
 * the ops run on a thread in the node's namespace, and on failure say what
 * failed with lab_node_error(). PORTS: the node's link ends are ports of a
 * device of its own named after the node (a bridge), which may take
 * addresses too. NAME_OK (NULL: any node name) checks the node's name,
 * NAME_RULE saying what it must be. MAKE (NULL: nothing) makes what the
 * node holds besides its namespace, PORT adds one of its link ends to it,
 * UP (NULL: nothing) brings it up once all nodes are set up. */
struct lab_kind {
	const char *name;
	bool ports;
	bool (*name_ok)(const char *name);
	const char *name_rule;
	int (*make)(struct lab_nwork *w);
	int (*port)(struct lab_nwork *w, const char *ifname);
	int (*up)(struct lab_nwork *w);
};
/* ifalias.c: the Linux name containerlab gives interface NAME of a node of
 * KIND, when NAME is one of the kind's own names for its ports
 * ("ethernet-1/1" of nokia_srlinux is "e1-1"): 1 and the name in BUF (LEN
 * bytes); 0 when NAME is no alias of KIND's (it is a Linux name as
 * written); -ERANGE for an alias whose numbers the kind has no port for
 * (IOL's Ethernet0/0, its management port) or whose name would not fit. */
int lab_ifname_alias(const char *kind, const char *name, char *buf, size_t len);
/* The entry of kind NAME; linux's for any kind the table does not hold
 * (every kind is a namespace) and for NULL. */
const struct lab_kind *lab_kind_find(const char *name);
/* Records in W that step FMT failed with R, and the kernel's message. */
void lab_node_error(struct lab_nwork *w, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* node.c: the work inside one node, from a thread in its namespace. The
 * additions (counted in W->done for lab_node_undo()), their undo, and the
 * removals of a live change. On failure W->err, W->what and W->msg say what
 * failed. */
int lab_node_add(struct lab_nwork *w);
int lab_bridge_up(struct lab_nwork *w);
int lab_node_undo(struct lab_nwork *w);
int lab_node_remove(struct lab_nwork *w);
/* Runs FN in each node of P that WANT picks, a window of namespaces per
 * thread start; with STOP_ON_ERROR it stops at the first failure (or at
 * P->ctx's cancel: -EINTR). Returns 0 or the first failure, and the node's
 * index in *RET_FAILED (SIZE_MAX when no node is to blame). */
int lab_visit_nodes(struct lab_plan *p, bool (*want)(const struct lab_nwork *w),
		    int (*fn)(struct lab_nwork *w), bool stop_on_error, struct lab_progress *prog,
		    size_t *ret_failed);
/* The same in the N nodes whose indices ORDER lists, in that order. */
int lab_visit_list(struct lab_plan *p, const size_t *order, size_t n, int (*fn)(struct lab_nwork *w),
		   bool stop_on_error, size_t *ret_failed);

/* make.c: the namespaces of P's new nodes, made by one thread per CPU
 * (each node's made, id and has_id set), each one's identity added to the
 * JOURNAL (lab_journal_open()) before it is named; then P's links. Both
 * report their errors and return LAB_OK or LAB_FAILED. lab_unmake_links() deletes
 * the links made. */
int lab_make_nodes(struct lab_plan *p, struct lab_progress *prog, int journal);
int lab_make_links(struct lab_plan *p, struct lab_progress *prog);
void lab_unmake_links(struct lab_plan *p);

/* down.c: deletes the names of the nodes SELECT picks that still are
 * the namespaces recorded, or an empty placeholder (each node's err: 0,
 * -ESTALE for another namespace now, or an errno); ends the processes with
 * a thread in the namespaces NS[I] that still are IDS[I] (each held open
 * meanwhile), or in the nodes SELECT picks: SIGTERM, a second's grace,
 * SIGKILL. */
int lab_nodes_delete(struct lab_plan *p, bool (*select)(const struct lab_nwork *w));
size_t lab_kill_procs(const char *const *ns, const struct netns_id *ids, size_t n);
void lab_kill_in(const char *lab, struct lab_plan *p, bool (*select)(const struct lab_nwork *w));
/* Undoes what an up killed half-way made, as LAB's journal lists it (its
 * processes, its names while they still are the namespaces listed; with
 * LIVE, for a change to a lab that was up, first the veths in them, whose
 * peers are in nodes that stay), then removes the journal. Reports errors;
 * returns LAB_OK or LAB_FAILED. */
int lab_undo_journal(const struct lab_ctx *ctx, const char *lab, bool live);

/* up.c: the work of netns lab up and down. Both report their errors and
 * return LAB_OK or LAB_FAILED. An up stops between steps once CTX->cancel
 * is set, and undoes what it made. RET_LINES (empty, the caller's to free
 * with lab_strv_free()) gets what to show: with DRY_RUN the plan's lines,
 * "+ node r3" and so on, changing nothing; "lab LAB is up to date" when
 * there is nothing to change. */
int lab_up(const struct lab_ctx *ctx, const struct lab *lab, const char *file, bool dry_run,
	   struct lab_strv *ret_lines);
/* Ends the processes still in the lab's namespaces, deletes every name
 * STATE records with the namespace it records (a missing one is not an
 * error, one that is another namespace now is left alone), then the state
 * file. */
int lab_down(const struct lab_ctx *ctx, const char *lab, json_t *state);

/* gen.c: the shapes of netns lab gen. N must be from MIN to MAX (and
 * even when EVEN); N_MEANS says what N counts, for messages. */
struct lab_gen_shape {
	const char *name;
	unsigned long min, max;
	bool even;
	const char *n_means;
	void (*gen)(FILE *f, unsigned long n);
};
#define LAB_GEN_SHAPES "line, ring, star, tree, grid or fat-tree"
const struct lab_gen_shape *lab_gen_find(const char *name);
bool lab_gen_n_ok(const struct lab_gen_shape *s, unsigned long n);
/* Writes lab NAME of shape S and size N to F. */
void lab_gen(FILE *f, const struct lab_gen_shape *s, unsigned long n, const char *name);

#endif
