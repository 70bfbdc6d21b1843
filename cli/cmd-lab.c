/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: up, down, list, show. The file is lab-file.c's, the state
 * lab-state.c's, the work lab-up.c's. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"

#define LAB_FILE_MAX (16 << 20)

/* Reads and parses FILE, printing its notes; NULL after printing an error. */
static struct lab *lab_load(const char *file, int *ret_status)
{
	char err[1024], *buf = NULL;
	size_t len = 0, cap = 0;
	struct lab *lab = NULL;
	FILE *f;
	int r;

	*ret_status = EXIT_FAIL;
	f = fopen(file, "re");
	if (!f) {
		cli_fail(file, -errno);
		return NULL;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *p;

			if (cap >= LAB_FILE_MAX) {
				cli_failx("%s: larger than %d bytes", file, LAB_FILE_MAX);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			if (!(p = realloc(buf, cap))) {
				cli_fail(file, -ENOMEM);
				goto out;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		cli_fail(file, -EIO);
		goto out;
	}
	r = lab_parse(buf, len, file, &lab, err, sizeof(err));
	if (r == -EINVAL)
		cli_failx("%s", err);
	else if (r < 0)
		cli_fail(file, r);
	for (size_t i = 0; lab && i < lab->n_notes; i++)
		cli_errorf("lab: %s", lab->notes[i]);
out:
	fclose(f);
	free(buf);
	return lab;
}

/* NAME|FILE: a file when it holds '/' or ends in .yml or .yaml. */
static bool is_file_arg(const char *arg)
{
	size_t len = strlen(arg);

	return strchr(arg, '/') || (len > 4 && strcmp(arg + len - 4, ".yml") == 0) ||
	       (len > 5 && strcmp(arg + len - 5, ".yaml") == 0);
}

static bool lab_name_ok(const char *name)
{
	return *name && name[0] != '.' && !strchr(name, '/') && netns_name_check(name) == 0;
}

/* Loads the state of lab ARG (a NAME or a FILE naming it). */
static int load_state(const char *arg, char **ret_name, json_t **ret_state)
{
	char *name = NULL;
	int r, status;

	if (is_file_arg(arg)) {
		struct lab *lab = lab_load(arg, &status);

		if (!lab)
			return status;
		name = strdup(lab->name);
		lab_free(lab);
	} else {
		if (!lab_name_ok(arg))
			return cli_usage("'%s' is not a lab name", arg);
		name = strdup(arg);
	}
	if (!name)
		return cli_fail(arg, -ENOMEM);
	r = lab_state_load(name, ret_state);
	if (r == -ENOENT) {
		status = cli_failx("no lab %s", name);
		free(name);
		return status;
	}
	if (r < 0) {
		status = cli_fail(name, r == -EBADMSG ? -EBADMSG : r);
		free(name);
		return status;
	}
	*ret_name = name;
	return EXIT_OK;
}

static int lab_opts(int argc, char **argv, bool json_ok)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, json_ok ? "+:jph" : "+:h", cli_output_opts, NULL)) !=
	       -1) {
		if (!json_ok && c != 'h')
			return cli_bad_option(c, argv);
		int r = cli_output_opt(c, argv);

		if (r >= 0)
			return r;
	}
	return -1;
}

static int lab_cmd_up(int argc, char **argv)
{
	struct lab *lab;
	int r, status;

	if ((r = lab_opts(argc, argv, false)) >= 0)
		return r;
	if (argc - optind != 1)
		return cli_usage("lab up takes one FILE");
	lab = lab_load(argv[optind], &status);
	if (!lab)
		return status;
	status = lab_up(lab, argv[optind]);
	lab_free(lab);
	return status;
}

static int lab_cmd_down(int argc, char **argv)
{
	json_t *state = NULL;
	char *name = NULL;
	int r, status;

	if ((r = lab_opts(argc, argv, false)) >= 0)
		return r;
	if (argc - optind != 1)
		return cli_usage("lab down takes one NAME or FILE");
	status = load_state(argv[optind], &name, &state);
	if (status != EXIT_OK)
		return status;
	status = lab_down(name, state);
	json_decref(state);
	free(name);
	return status;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int lab_cmd_list(int argc, char **argv)
{
	char *dir, **names = NULL;
	size_t n = 0, i;
	struct dirent *e;
	json_t *arr = NULL;
	DIR *d;
	int r, status = EXIT_OK;

	if ((r = lab_opts(argc, argv, true)) >= 0)
		return r;
	if (argc != optind)
		return cli_usage("lab list takes no arguments");
	if (!(dir = lab_state_dir()))
		return cli_fail("list", -ENOMEM);
	d = opendir(dir);
	if (!d && errno != ENOENT) {
		status = cli_fail(dir, -errno);
		free(dir);
		return status;
	}
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **p;

		if (len <= 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (!(p = realloc(names, (n + 1) * sizeof(*names))) ||
		    !(p[n] = strndup(e->d_name, len - 5))) {
			names = p ? p : names;
			status = cli_fail("list", -ENOMEM);
			break;
		}
		names = p;
		n++;
	}
	if (d)
		closedir(d);
	free(dir);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	if (cli.json)
		arr = json_array();
	for (i = 0; status == EXIT_OK && i < n; i++) {
		json_t *st;

		if (lab_state_load(names[i], &st) < 0)
			continue;
		if (arr)
			json_array_append_new(arr, json_pack("{s:o,s:I,s:I}", "name",
				cli_json_string(names[i]), "nodes",
				(json_int_t)json_array_size(json_object_get(st, "nodes")), "links",
				(json_int_t)json_array_size(json_object_get(st, "links"))));
		else
			printf("%s\t%zu nodes\t%zu links\n", names[i],
			       json_array_size(json_object_get(st, "nodes")),
			       json_array_size(json_object_get(st, "links")));
		json_decref(st);
	}
	if (arr && status == EXIT_OK)
		cli_json_print(arr);
	else
		json_decref(arr);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static void print_addrs(json_t *arr)
{
	size_t i;
	json_t *a;

	json_array_foreach(arr, i, a)
		printf("%s%s", i ? ", " : "", json_string_value(a) ? json_string_value(a) : "?");
}

static int lab_cmd_show(int argc, char **argv)
{
	json_t *state = NULL, *v;
	char *name = NULL;
	size_t i;
	int r, status;

	if ((r = lab_opts(argc, argv, true)) >= 0)
		return r;
	if (argc - optind != 1)
		return cli_usage("lab show takes one NAME or FILE");
	status = load_state(argv[optind], &name, &state);
	if (status != EXIT_OK)
		return status;
	if (cli.json) {
		free(name);
		return cli_json_print(state);
	}
	printf("lab %s", name);
	if (json_string_value(json_object_get(state, "file")))
		printf(" (%s)", str(state, "file"));
	printf("\nnodes:\n");
	json_array_foreach(json_object_get(state, "nodes"), i, v) {
		printf("  %s\t%s\t%s\t", str(v, "name"), str(v, "namespace"), str(v, "kind"));
		print_addrs(json_object_get(v, "addrs"));
		printf("\n");
	}
	printf("links:\n");
	json_array_foreach(json_object_get(state, "links"), i, v) {
		json_t *ends = json_object_get(v, "endpoints");
		json_t *a = json_array_get(ends, 0), *b = json_array_get(ends, 1);

		printf("  %s:%s -- %s:%s", str(a, "node"), str(a, "ifname"), str(b, "node"),
		       str(b, "ifname"));
		if (json_integer_value(json_object_get(v, "mtu")))
			printf("\tmtu %lld", (long long)json_integer_value(json_object_get(v, "mtu")));
		printf("\n");
	}
	json_decref(state);
	free(name);
	return EXIT_OK;
}

/* lab exec NAME NODE [--] CMD..., lab exec --all NAME [--] CMD...: as netns
 * exec, in a node of a lab that is up; --all in every node, in file order,
 * lines prefixed by the node's name. */
static int lab_cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *state = NULL, *nodes, *n;
	const char *node = NULL, *labarg;
	char *name = NULL;
	bool all = false;
	size_t i;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'h')
			return cli_help();
		else
			return cli_bad_option(c, argv);
	}
	if (optind >= argc)
		return cli_usage("lab exec: missing NAME");
	if (!lab_name_ok(argv[optind]) || is_file_arg(argv[optind]))
		return cli_usage("'%s' is not a lab name", argv[optind]);
	labarg = argv[optind++];
	if (!all) {
		if (optind >= argc)
			return cli_usage("lab exec: missing NODE");
		node = argv[optind++];
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cli_usage("lab exec: missing CMD");
	status = load_state(labarg, &name, &state);
	if (status != EXIT_OK)
		return status;
	nodes = json_object_get(state, "nodes");
	if (!all) {
		const char *ns = NULL;

		json_array_foreach(nodes, i, n) {
			if (strcmp(str(n, "name"), node) == 0) {
				ns = json_string_value(json_object_get(n, "namespace"));
				break;
			}
		}
		if (ns)
			status = cli_exec_in_child(ns, false, argv + optind);
		else
			status = cli_failx("lab %s has no node %s", name, node);
	} else {
		json_array_foreach(nodes, i, n) {
			const char *ns = json_string_value(json_object_get(n, "namespace"));
			int st;

			if (!ns)
				continue;
			st = cli_exec_prefixed(ns, str(n, "name"), false, argv + optind);
			if (st != EXIT_OK) {
				cli_failx("%s: %s exited with status %d", str(n, "name"), argv[optind],
					  st);
				status = EXIT_FAIL;
			}
		}
	}
	json_decref(state);
	free(name);
	return status;
}

/* A 10.0.0.0/8 /30 for link I: 4 * I, both hosts. */
static void gen_net(size_t i, int host, char *buf, size_t len)
{
	unsigned long a = (unsigned long)i * 4 + (unsigned long)host;

	snprintf(buf, len, "10.%lu.%lu.%lu/30", (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* lab gen line|ring|star N [NAME]: a topology file of that shape on stdout.
 * line: n1 .. nN, each joined to the next; ring: and nN to n1; each link a
 * /30 of 10.0.0.0/8. star: bridge sw and hosts h1 .. hN on 10.0.0.0/16. */
static int lab_cmd_gen(int argc, char **argv)
{
	const char *shape, *name;
	unsigned long n;
	char a[32], b[32];
	int r;

	if ((r = lab_opts(argc, argv, false)) >= 0)
		return r;
	if (argc - optind < 2 || argc - optind > 3)
		return cli_usage("lab gen takes SHAPE N [NAME]");
	shape = argv[optind];
	name = argc - optind == 3 ? argv[optind + 2] : shape;
	if (strcmp(shape, "line") != 0 && strcmp(shape, "ring") != 0 && strcmp(shape, "star") != 0)
		return cli_usage("lab gen: shape '%s': must be line, ring or star", shape);
	if (cli_parse_uint(argv[optind + 1], strcmp(shape, "ring") == 0 ? 3 :
			   strcmp(shape, "line") == 0 ? 2 : 1,
			   strcmp(shape, "star") == 0 ? 65000 : 1000000, &n) < 0)
		return cli_usage("lab gen: N '%s': out of range for a %s", argv[optind + 1], shape);
	if (!lab_name_ok(name) || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789_.-") != strlen(name))
		return cli_usage("lab gen: name '%s': letters, digits, '_', '.', '-' only", name);
	printf("# netns lab gen %s %lu\nname: %s\ntopology:\n  nodes:\n", shape, n, name);
	if (strcmp(shape, "star") == 0) {
		printf("    sw: { kind: bridge }\n");
		for (unsigned long i = 1; i <= n; i++)
			printf("    h%lu:\n", i);
		printf("  links:\n");
		for (unsigned long i = 1; i <= n; i++)
			printf("    - endpoints: [\"sw:p%lu\", \"h%lu:eth0:10.0.%lu.%lu/16\"]\n", i, i,
			       i >> 8, i & 255);
		return EXIT_OK;
	}
	for (unsigned long i = 1; i <= n; i++)
		printf("    n%lu:\n", i);
	printf("  links:\n");
	for (unsigned long i = 1; i < n; i++) {
		gen_net(i - 1, 1, a, sizeof(a));
		gen_net(i - 1, 2, b, sizeof(b));
		printf("    - endpoints: [\"n%lu:eth1:%s\", \"n%lu:eth0:%s\"]\n", i, a, i + 1, b);
	}
	if (strcmp(shape, "ring") == 0) {
		gen_net(n - 1, 1, a, sizeof(a));
		gen_net(n - 1, 2, b, sizeof(b));
		printf("    - endpoints: [\"n%lu:eth1:%s\", \"n1:eth0:%s\"]\n", n, a, b);
	}
	return EXIT_OK;
}

int cmd_lab(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} subs[] = {
		{ "up", lab_cmd_up },
		{ "down", lab_cmd_down },
		{ "list", lab_cmd_list },
		{ "show", lab_cmd_show },
		{ "exec", lab_cmd_exec },
		{ "gen", lab_cmd_gen },
	};

	if (argc < 2)
		return cli_usage("lab needs a command: up, down, list, show, exec or gen");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_help();
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	return cli_usage("lab: unknown command '%s'", argv[1]);
}
