/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CNI protocol every plugin speaks: environment, config, versions,
 * errors, results, CNI_ARGS (the skeleton, skel.c, puts them together). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "netns.h"
#include "cni.h"

/* 0.1.0 and 0.2.0 (the "ip4"/"ip6" result) as the reference plugins
 * still speak them; a config without cniVersion is 0.1.0 (SPEC.md before
 * 0.3.0, and libcni's version.Current() fallback). */
static const char *const versions[] = { "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL };

int cni_fail(struct cni_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->details[0] = '\0';
	return -1;
}

bool cni_id_valid(const char *s)
{
	size_t i;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		    (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return i <= 1024;
}

static const struct {
	const char *name;
	enum cni_cmd cmd;
} commands[] = {
	{ "ADD", CNI_ADD }, { "DEL", CNI_DEL }, { "CHECK", CNI_CHECK },
	{ "VERSION", CNI_VERSION }, { "GC", CNI_GC }, { "STATUS", CNI_STATUS },
};

const char *cni_cmd_name(enum cni_cmd cmd)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cmd == cmd)
			return commands[i].name;
	return "?";
}

int cni_env_read(struct cni_env *env, struct cni_err *err)
{
	struct cni_env e = { 0 };
	size_t i;
	bool found = false, need_id, need_ns, need_if;

	e.command = getenv("CNI_COMMAND");
	if (!e.command || !*e.command)
		return cni_fail(err, CNI_ERR_ENV, "required environment variable CNI_COMMAND missing");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(e.command, commands[i].name) == 0) {
			e.cmd = commands[i].cmd;
			found = true;
		}
	if (!found)
		return cni_fail(err, CNI_ERR_ENV,
				"unknown CNI_COMMAND \"%.64s\" (ADD, DEL, CHECK, VERSION, GC, STATUS)",
				e.command);
	e.containerid = getenv("CNI_CONTAINERID");
	e.netns = getenv("CNI_NETNS");
	e.ifname = getenv("CNI_IFNAME");
	e.args = getenv("CNI_ARGS");
	e.path = getenv("CNI_PATH");
	if (e.netns && !*e.netns)
		e.netns = NULL;
	need_id = need_if = e.cmd == CNI_ADD || e.cmd == CNI_DEL || e.cmd == CNI_CHECK;
	need_ns = e.cmd == CNI_ADD || e.cmd == CNI_CHECK;
	if (need_id && (!e.containerid || !*e.containerid))
		return cni_fail(err, CNI_ERR_ENV, "required environment variable CNI_CONTAINERID missing");
	if (need_id && !cni_id_valid(e.containerid))
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_CONTAINERID must start with a letter or digit and hold only letters, digits, '_', '.' and '-'");
	if (need_ns && !e.netns)
		return cni_fail(err, CNI_ERR_ENV, "required environment variable CNI_NETNS missing");
	if (need_if && (!e.ifname || !*e.ifname))
		return cni_fail(err, CNI_ERR_ENV, "required environment variable CNI_IFNAME missing");
	if (need_if && netns_ifname_check(e.ifname) < 0)
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_IFNAME \"%.64s\" is not a valid interface name (1-15 bytes, no '/', ':' or white space)",
				e.ifname);
	if (e.cmd != CNI_VERSION && (!e.path || !*e.path))
		return cni_fail(err, CNI_ERR_ENV, "required environment variable CNI_PATH missing");
	*env = e;
	return 0;
}

int cni_netns_open(const char *path, struct cni_err *err)
{
	int fd = netns_fd_open_path(path);

	if (fd == -ENOENT)
		return cni_fail(err, CNI_ERR_CONTAINER, "CNI_NETNS %s does not exist", path);
	if (fd == -EMEDIUMTYPE)
		return cni_fail(err, CNI_ERR_ENV, "CNI_NETNS %s is not a network namespace", path);
	if (fd < 0)
		return cni_fail(err, CNI_ERR_ENV, "cannot open CNI_NETNS %s: %s", path, strerror(-fd));
	return fd;
}

char *cni_read_all(FILE *in, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nbuf;
	size_t n;

	if (!buf)
		return NULL;
	for (;;) {
		if (cap - len < 2) {
			if (cap >= (16u << 20)) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				free(buf);
				return NULL;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len - 1, in);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(in)) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[len] = '\0';
	*ret_len = len;
	return buf;
}

bool cni_version_supported(const char *v)
{
	size_t i;

	for (i = 0; versions[i]; i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

static int version_parse(const char *v, long out[3])
{
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		if (*v < '0' || *v > '9')
			return -1;
		out[i] = strtol(v, &end, 10);
		v = end;
		if (i < 2 && *v++ != '.')
			return -1;
	}
	return *v ? -1 : 0;
}

int cni_version_cmp(const char *a, const char *b)
{
	long x[3], y[3];
	int pa = version_parse(a, x), pb = version_parse(b, y), i;

	if (pa < 0 || pb < 0)
		return pa - pb;
	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

int cni_version_allows(const char *v, enum cni_cmd cmd, struct cni_err *err)
{
	if (cmd == CNI_CHECK && cni_version_cmp(v, "0.4.0") < 0)
		return cni_fail(err, CNI_ERR_VERSION, "config version %s does not allow CHECK (0.4.0 or later)", v);
	if ((cmd == CNI_GC || cmd == CNI_STATUS) && cni_version_cmp(v, "1.1.0") < 0)
		return cni_fail(err, CNI_ERR_VERSION, "config version %s does not allow %s (1.1.0 or later)", v,
				cmd == CNI_GC ? "GC" : "STATUS");
	return 0;
}

json_t *cni_config_parse(const char *buf, size_t len, struct cni_err *err)
{
	json_error_t jerr;
	json_t *conf, *v;
	const char *ver;

	/* A key given twice: the last one counts (jansson's default), as
	 * with Go's encoding/json, which the reference plugins and the
	 * plugins we delegate to read the same bytes with. */
	conf = json_loadb(buf, len, 0, &jerr);
	if (!conf) {
		cni_fail(err, CNI_ERR_DECODE, "cannot decode the network config: %s (line %d, column %d)",
			 jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(conf)) {
		cni_fail(err, CNI_ERR_DECODE, "the network config is not a JSON object");
		goto fail;
	}
	v = json_object_get(conf, "cniVersion");
	if (v && !json_is_string(v)) {
		cni_fail(err, CNI_ERR_DECODE, "decoding version from network config: cniVersion must be a string");
		goto fail;
	}
	/* Missing or "": 0.1.0, as the reference plugins take it. Written
	 * into the config, so that every later reader sees the same. */
	if (!v || !*json_string_value(v))
		json_object_set_new(conf, "cniVersion", json_string("0.1.0"));
	ver = json_string_value(json_object_get(conf, "cniVersion"));
	if (!cni_version_supported(ver)) {
		size_t i, off;

		cni_fail(err, CNI_ERR_VERSION, "incompatible CNI versions");
		off = (size_t)snprintf(err->details, sizeof(err->details), "config is \"%.64s\", plugin supports [", ver);
		for (i = 0; versions[i] && off < sizeof(err->details); i++)
			off += (size_t)snprintf(err->details + off, sizeof(err->details) - off, "%s\"%s\"",
						i ? " " : "", versions[i]);
		if (off < sizeof(err->details))
			snprintf(err->details + off, sizeof(err->details) - off, "]");
		goto fail;
	}
	v = json_object_get(conf, "name");
	if (!json_is_string(v) || !cni_id_valid(json_string_value(v))) {
		cni_fail(err, CNI_ERR_CONFIG, "the network config needs a \"name\": a letter or digit, then letters, digits, '_', '.' or '-'");
		goto fail;
	}
	v = json_object_get(conf, "type");
	if (v && !json_is_string(v)) {
		cni_fail(err, CNI_ERR_CONFIG, "\"type\" must be a string");
		goto fail;
	}
	return conf;
fail:
	json_decref(conf);
	return NULL;
}

void cni_version_print(FILE *out)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;
	char *s;

	for (i = 0; versions[i]; i++)
		json_array_append_new(a, json_string(versions[i]));
	json_object_set_new(o, "cniVersion", json_string("1.1.0"));
	json_object_set_new(o, "supportedVersions", a);
	s = json_dumps(o, JSON_COMPACT);
	if (s)
		fprintf(out, "%s\n", s);
	free(s);
	json_decref(o);
}

void cni_error_print(FILE *out, const struct cni_err *err, const char *version)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "cniVersion", json_string(version ? version : "1.1.0"));
	json_object_set_new(o, "code", json_integer(err->code));
	json_object_set_new(o, "msg", json_string(err->msg));
	if (err->details[0])
		json_object_set_new(o, "details", json_string(err->details));
	s = json_dumps(o, JSON_INDENT(4));
	if (s)
		fprintf(out, "%s\n", s);
	free(s);
	json_decref(o);
}

/* The first address of FAMILY (4 or 6) in IPS as 0.2.0's ip4/ip6 object,
 * with the routes whose dst is of that family; NULL when there is none. */
static json_t *ipconfig_020(json_t *ips, json_t *routes, int family)
{
	json_t *ip, *rt, *o = NULL, *rs;
	size_t i;

	json_array_foreach(ips, i, ip) {
		const char *a = json_string_value(json_object_get(ip, "address"));
		if (a && (strchr(a, ':') ? 6 : 4) == family) {
			o = json_pack("{s:s}", "ip", a);
			if (json_is_string(json_object_get(ip, "gateway")))
				json_object_set(o, "gateway", json_object_get(ip, "gateway"));
			break;
		}
	}
	if (!o)
		return NULL;
	rs = json_array();
	json_array_foreach(routes, i, rt) {
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		json_t *r2;
		if (!dst || (strchr(dst, ':') ? 6 : 4) != family)
			continue;
		r2 = json_pack("{s:s}", "dst", dst);
		if (json_is_string(json_object_get(rt, "gw")))
			json_object_set(r2, "gw", json_object_get(rt, "gw"));
		json_array_append_new(rs, r2);
	}
	if (json_array_size(rs))
		json_object_set(o, "routes", rs);
	json_decref(rs);
	return o;
}

/* RESULT (1.0.0 form) as a 0.1.0/0.2.0 one, as the reference's
 * convert04xTo02x: the first address of each family, routes by the
 * family of their dst, dns; no interfaces. */
static json_t *result_020(json_t *result, const char *version)
{
	json_t *ips = json_object_get(result, "ips"), *routes = json_object_get(result, "routes"), *ip4, *ip6,
	       *dns = json_object_get(result, "dns"), *r;

	r = json_pack("{s:s}", "cniVersion", version);
	if (!r)
		return NULL;
	ip4 = ipconfig_020(ips, routes, 4);
	ip6 = ipconfig_020(ips, routes, 6);
	if (ip4)
		json_object_set_new(r, "ip4", ip4);
	if (ip6)
		json_object_set_new(r, "ip6", ip6);
	json_object_set_new(r, "dns", json_is_object(dns) ? json_deep_copy(dns) : json_object());
	return r;
}

json_t *cni_result_upgrade(json_t *result)
{
	static const char *const fams[] = { "ip4", "ip6" };
	json_t *ips, *routes, *o, *rt;
	size_t f, i;

	if (!json_is_object(result) || json_object_get(result, "ips") ||
	    (!json_object_get(result, "ip4") && !json_object_get(result, "ip6")))
		return result;
	ips = json_array();
	routes = json_array();
	for (f = 0; f < 2; f++) {
		o = json_object_get(result, fams[f]);
		if (!json_is_object(o) || !json_is_string(json_object_get(o, "ip")))
			continue;
		json_array_append_new(ips, json_pack("{s:O}", "address", json_object_get(o, "ip")));
		if (json_is_string(json_object_get(o, "gateway")))
			json_object_set(json_array_get(ips, json_array_size(ips) - 1), "gateway",
					json_object_get(o, "gateway"));
		json_array_foreach(json_object_get(o, "routes"), i, rt)
			json_array_append(routes, rt);
		json_object_del(result, fams[f]);
	}
	json_object_set_new(result, "ips", ips);
	if (json_array_size(routes))
		json_object_set(result, "routes", routes);
	json_decref(routes);
	return result;
}

int cni_result_print(FILE *out, json_t *result, const char *version)
{
	json_t *r = cni_version_cmp(version, "0.3.0") < 0 ? result_020(result, version) : json_deep_copy(result);
	json_t *ips, *ip;
	size_t i;
	char *s;
	int ret;

	if (!r)
		return -ENOMEM;
	json_object_set_new(r, "cniVersion", json_string(version));
	ips = json_object_get(r, "ips");
	if (cni_version_cmp(version, "1.0.0") < 0 && json_is_array(ips))
		json_array_foreach(ips, i, ip) {
			const char *a = json_string_value(json_object_get(ip, "address"));
			json_object_set_new(ip, "version", json_string(a && strchr(a, ':') ? "6" : "4"));
		}
	if (cni_version_cmp(version, "1.0.0") >= 0 && json_is_array(ips))
		json_array_foreach(ips, i, ip)
			json_object_del(ip, "version");
	s = json_dumps(r, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(r);
	if (!s)
		return -ENOMEM;
	ret = fprintf(out, "%s\n", s) < 0 ? -EIO : 0;
	free(s);
	return ret;
}

int cni_args_parse(const char *args, cni_args_cb cb, void *data)
{
	const char *p = args, *end, *eq;
	int n = 0, r;

	if (!args || !*args)
		return 0;
	for (;;) {
		end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq || eq == p || eq + 1 == end || ++n > 64)
			return -EINVAL;
		if (memchr(eq + 1, '=', (size_t)(end - eq - 1)))
			return -EINVAL;
		r = cb(p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1), data);
		if (r < 0)
			return r;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

struct args_check {
	const char *const *known;
	bool ignore_unknown;
	char unknown[64];
};

static bool key_is(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

static int args_scan(const char *k, size_t klen, const char *v, size_t vlen, void *data)
{
	struct args_check *c = data;
	size_t i;

	if (key_is(k, klen, "IgnoreUnknown")) {
		c->ignore_unknown = (vlen == 1 && (*v == '1' || *v == 't' || *v == 'T')) ||
				    (vlen == 4 && strncasecmp(v, "true", 4) == 0);
		return 0;
	}
	for (i = 0; c->known && c->known[i]; i++)
		if (key_is(k, klen, c->known[i]))
			return 0;
	if (!c->unknown[0])
		snprintf(c->unknown, sizeof(c->unknown), "%.*s", (int)(klen < 60 ? klen : 60), k);
	return 0;
}

const char *const cni_args_known[] = { "K8S_POD_NAMESPACE", "K8S_POD_NAME",
				       "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID", "IP", NULL };

int cni_args_check(const char *args, const char *const *known, struct cni_err *err)
{
	struct args_check c = { .known = known };

	if (cni_args_parse(args, args_scan, &c) < 0)
		return cni_fail(err, CNI_ERR_ENV, "CNI_ARGS is not a list of KEY=VALUE pairs separated by ';'");
	if (c.unknown[0] && !c.ignore_unknown)
		return cni_fail(err, CNI_ERR_FIELD, "CNI_ARGS: unknown key \"%s\" (add IgnoreUnknown=1 to pass it)",
				c.unknown);
	return 0;
}

static int get_typed(json_t *obj, const char *key, const char *path, json_t **ret, json_type type,
		     const char *tname, struct cni_err *err)
{
	json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v)))
		return cni_fail(err, CNI_ERR_CONFIG, "%s%s must be %s", path, key, tname);
	*ret = v;
	return 0;
}

int cni_get_string(json_t *obj, const char *key, const char *path, const char **ret,
		   struct cni_err *err)
{
	json_t *v;

	if (get_typed(obj, key, path, &v, JSON_STRING, "a string", err) < 0)
		return -1;
	if (v)
		*ret = json_string_value(v);
	return 0;
}

int cni_get_bool(json_t *obj, const char *key, const char *path, bool *ret, struct cni_err *err)
{
	json_t *v;

	if (get_typed(obj, key, path, &v, JSON_TRUE, "true or false", err) < 0)
		return -1;
	if (v)
		*ret = json_is_true(v);
	return 0;
}

int cni_get_uint(json_t *obj, const char *key, const char *path, unsigned max, unsigned *ret,
		 struct cni_err *err)
{
	json_t *v;
	json_int_t n;

	if (get_typed(obj, key, path, &v, JSON_INTEGER, "an integer", err) < 0)
		return -1;
	if (!v)
		return 0;
	n = json_integer_value(v);
	if (n < 0 || (unsigned long long)n > max)
		return cni_fail(err, CNI_ERR_CONFIG, "%s%s must be between 0 and %u", path, key, max);
	*ret = (unsigned)n;
	return 0;
}

unsigned cni_hash(const char *a, const char *b)
{
	const char *s[2] = { a, b };
	unsigned h = 2166136261u;
	int i;

	for (i = 0; i < 2; i++) {
		const unsigned char *p = (const unsigned char *)(s[i] ? s[i] : "");
		do {
			h = (h ^ *p) * 16777619u;
		} while (*p++);
	}
	return h;
}
