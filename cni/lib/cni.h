/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CNI protocol, which every plugin speaks: the CNI environment, the network
 * config on stdin, version negotiation, CNI_ARGS, the spec's error JSON and
 * results in the requested version (CNI SPEC.md, 1.1.0).
 */
#ifndef NETNS_CNI_H
#define NETNS_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* The spec's well-known error codes. */
enum {
	CNI_ERR_VERSION = 1,     /* incompatible CNI version */
	CNI_ERR_FIELD = 2,       /* unsupported field in the network config */
	CNI_ERR_CONTAINER = 3,   /* container unknown or does not exist */
	CNI_ERR_ENV = 4,         /* invalid necessary environment variables */
	CNI_ERR_IO = 5,          /* I/O failure */
	CNI_ERR_DECODE = 6,      /* failed to decode content */
	CNI_ERR_CONFIG = 7,      /* invalid network config */
	CNI_ERR_TRY_LATER = 11,  /* try again later */
	CNI_ERR_UNAVAILABLE = 50, /* cannot service ADD requests */
	CNI_ERR_GENERIC = 999,   /* anything else, as the reference plugins say */
};

enum cni_cmd { CNI_ADD, CNI_DEL, CNI_CHECK, CNI_VERSION, CNI_GC, CNI_STATUS };

/* An error on its way to stdout. */
struct cni_err {
	int code;
	char msg[512];
	char details[512];
};

/* The CNI_* environment; pointers into environ. */
struct cni_env {
	enum cni_cmd cmd;
	const char *command, *containerid, *netns, *ifname, *args, *path;
};

/* CMD as CNI_COMMAND spells it ("ADD"). */
const char *cni_cmd_name(enum cni_cmd cmd);

/* Records CODE and a message in ERR; returns -1 so callers can
 * `return cni_fail(...)`. */
int cni_fail(struct cni_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reads the environment and checks that what COMMAND needs is there and
 * well-formed (CNI_CONTAINERID as the spec allows, CNI_IFNAME a kernel
 * interface name). Returns 0 or -1 with ERR set (code 4). */
int cni_env_read(struct cni_env *env, struct cni_err *err);

/* Opens the container's namespace, CNI_NETNS PATH (close-on-exec): the fd,
 * or -1 with ERR set (3: no such file; 4: not a network namespace, or it
 * cannot be opened). */
int cni_netns_open(const char *path, struct cni_err *err);

/* Parses a network config from BUF (LEN bytes): a JSON object with a
 * supported cniVersion, a valid name, a string type. Returns the object
 * (the caller owns it) or NULL with ERR set (6: not JSON; 7: bad field;
 * 1: unsupported version). */
json_t *cni_config_parse(const char *buf, size_t len, struct cni_err *err);

/* Reads all of IN (at most 16 MiB) into a NUL-terminated buffer; NULL on
 * failure. *RET_LEN gets its length. */
char *cni_read_all(FILE *in, size_t *ret_len);

/* Returns whether version V is one of ours. */
bool cni_version_supported(const char *v);

/* Compares two "X.Y.Z" versions: <0, 0, >0. Unparsable ones sort first. */
int cni_version_cmp(const char *a, const char *b);

/* Checks that config version V allows CMD (CHECK: 0.4.0+; GC, STATUS:
 * 1.1.0+). 0 or -1 with ERR set (code 1). */
int cni_version_allows(const char *v, enum cni_cmd cmd, struct cni_err *err);

/* Prints {"cniVersion", "supportedVersions"} for VERSION. */
void cni_version_print(FILE *out);

/* Prints ERR as the spec's error JSON, with VERSION when known. */
void cni_error_print(FILE *out, const struct cni_err *err, const char *version);

/* Prints RESULT (in 1.0.0 form) as a result of VERSION: before 1.0.0 each
 * ips[] entry gets "version": "4" or "6"; before 0.3.0 it is the "ip4",
 * "ip6", "dns" form (the first address of each family). Steals nothing. */
int cni_result_print(FILE *out, json_t *result, const char *version);

/* Turns a 0.1.0/0.2.0 result ("ip4", "ip6": {ip, gateway, routes}) into
 * the "ips" and "routes" of later versions, in place; any other result is
 * left as it is. Returns RESULT. */
json_t *cni_result_upgrade(json_t *result);

/* Parses CNI_ARGS: "K=V;K=V", keys and values non-empty, no more than 64
 * pairs. Calls CB for each; a negative value from CB stops and is returned.
 * Returns 0, or -EINVAL for malformed input. */
typedef int (*cni_args_cb)(const char *key, size_t klen, const char *val, size_t vlen,
			   void *data);
int cni_args_parse(const char *args, cni_args_cb cb, void *data);

/* Checks CNI_ARGS as the reference plugins do: IgnoreUnknown=1/true lets
 * keys other than those in KNOWN (NULL-terminated) pass; else each is an
 * error. 0 or -1 with ERR set (code 2 for an unknown key, 4 for malformed
 * input). */
int cni_args_check(const char *args, const char *const *known, struct cni_err *err);

/* The CNI_ARGS keys our plugins know: those Kubernetes runtimes pass
 * (K8S_POD_*) and IP, host-local's request for an address (which an
 * interface plugin hands on to its IPAM plugin). NULL-terminated. */
extern const char *const cni_args_known[];

/* Returns whether S is a valid container id / network name: [A-Za-z0-9]
 * first, then [A-Za-z0-9_.-]. */
bool cni_id_valid(const char *s);

/* Optional typed lookups in a config object: absent is fine (returns 0 and
 * leaves *RET), a wrong type is -1 with ERR set (code 7, naming PATH). */
int cni_get_string(json_t *obj, const char *key, const char *path, const char **ret,
		   struct cni_err *err);
int cni_get_bool(json_t *obj, const char *key, const char *path, bool *ret,
		 struct cni_err *err);
int cni_get_uint(json_t *obj, const char *key, const char *path, unsigned max, unsigned *ret,
		 struct cni_err *err);

/* Finds plugin TYPE in CNI_PATH (':'-separated) as an executable file:
 * its path into PATH (LEN bytes), or -1 with ERR set (7, the reference's
 * "failed to find plugin" message). */
int cni_plugin_find(const char *type, const char *cni_path, char *path, size_t len,
		    struct cni_err *err);

/* Runs plugin TYPE, found in CNI_PATH (':'-separated), with COMMAND as
 * CNI_COMMAND, the rest of the environment as ours, and CONF (LEN bytes) on
 * its stdin. On success *RET (when not NULL) gets its parsed result object.
 * A failure is -1 with ERR set: the plugin's own code, message and details
 * when it printed an error, else 7 (not found), 11 (cannot start), 999 (a
 * plugin that printed more than 16 MiB, which is killed and reaped).
 * A plugin that exits without reading all of CONF makes our write fail
 * with EPIPE: the caller must ignore SIGPIPE (cni_skel_main() does). */
int cni_delegate(const char *type, const char *cni_path, const char *command, const char *conf,
		 size_t len, json_t **ret, struct cni_err *err);

/* 32-bit FNV-1a over the strings in order, each followed by a NUL byte. */
unsigned cni_hash(const char *a, const char *b);

#endif
