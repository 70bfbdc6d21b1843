/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: up, down, list, show, exec, gen, check, graph, link: the front end
 * of the lab engine (lab/: the file is lab/file.c's, the state
 * lab/state.c's, the work lab/up.c's). It turns the engine's reports into
 * the command's lines, owns the signals that cancel an up, and maps results
 * to exit statuses. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab-cmd.h"

static void report(void *data, const struct lab_report *r)
{
	(void)data;
	if (r->level == LAB_PROGRESS) {
		if (r->text)
			cli_progress_line(r->final, "%s", r->text);
		else
			cli_progress_end();
	} else if (r->err) {
		cli_fail(r->text, r->err);
	} else {
		cli_failx("%s", r->text);
	}
}

/* Set by SIGINT, SIGTERM or SIGHUP during an up: the engine stops between
 * steps and undoes what it made. */
static volatile sig_atomic_t interrupted;

const struct lab_ctx lab_cli_ctx = { .report = report, .cancel = &interrupted };

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int exit_status(int r)
{
	return r == LAB_OK ? EXIT_OK : EXIT_FAIL;
}

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

			/* One byte past the limit is enough for lab_parse() to
			 * refuse the file, naming the limit. */
			if (len > LAB_FILE_MAX)
				break;
			cap = cap ? cap * 2 : 4096;
			if (cap > LAB_FILE_MAX + 1)
				cap = LAB_FILE_MAX + 1;
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

/* The name of lab ARG (a NAME or a FILE naming it), malloc'd. */
static int lab_name_of(const char *arg, char **ret_name)
{
	char *name = NULL;
	int status;

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
	*ret_name = name;
	return EXIT_OK;
}

/* Loads the state of lab ARG (a NAME or a FILE naming it). */
static int load_state(const char *arg, char **ret_name, json_t **ret_state)
{
	char *name = NULL;
	int r, status = lab_name_of(arg, &name);

	if (status != EXIT_OK)
		return status;
	r = lab_state_load(name, ret_state);
	if (r < 0) {
		status = exit_status(lab_state_fail(&lab_cli_ctx, name, r));
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

/* lab up [--dry-run] FILE: makes the lab or, when it is up, applies the
 * difference; --dry-run prints the plan and makes nothing. */
static int lab_cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lab_strv lines = { 0 };
	struct lab *lab;
	bool dry_run = false;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:nh", opts, NULL)) != -1) {
		if (c == 'n')
			dry_run = true;
		else if (c == 'h')
			return cli_help();
		else
			return cli_bad_option(c, argv);
	}
	if (argc - optind != 1)
		return cli_usage("lab up takes one FILE");
	lab = lab_load(argv[optind], &status);
	if (!lab)
		return status;
	if (dry_run) {
		status = lab_up(&lab_cli_ctx, lab, argv[optind], true, &lines);
	} else {
		struct sigaction sa = { .sa_handler = on_signal }, was[3];
		const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };

		/* No SA_RESTART: the engine's wait loops wake up. */
		for (int k = 0; k < 3; k++)
			sigaction(sigs[k], &sa, &was[k]);
		status = lab_up(&lab_cli_ctx, lab, argv[optind], false, &lines);
		for (int k = 0; k < 3; k++)
			sigaction(sigs[k], &was[k], NULL);
	}
	for (size_t i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	lab_strv_free(&lines);
	lab_free(lab);
	return exit_status(status);
}

static int lab_cmd_down(int argc, char **argv)
{
	char *name = NULL;
	int r, status;

	if ((r = lab_opts(argc, argv, false)) >= 0)
		return r;
	if (argc - optind != 1)
		return cli_usage("lab down takes one NAME or FILE");
	status = lab_name_of(argv[optind], &name);
	if (status != EXIT_OK)
		return status;
	/* The state is loaded under the lock, and with none, what an up
	 * killed before it wrote one left is cleared all the same. */
	status = exit_status(lab_down(&lab_cli_ctx, name, NULL));
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

/* lab link NAME NODE:IF down|up: both ends of that link set down or up
 * (lab/link-updown.c), as mininet's `link s1 s2 down`. */
static int lab_cmd_link(int argc, char **argv)
{
	json_t *state = NULL;
	char *name = NULL, *node = NULL, *ifname;
	bool up;
	int r, status;

	if ((r = lab_opts(argc, argv, false)) >= 0)
		return r;
	if (argc - optind != 3)
		return cli_usage("lab link takes NAME NODE:IF down|up");
	if (strcmp(argv[optind + 2], "up") == 0)
		up = true;
	else if (strcmp(argv[optind + 2], "down") == 0)
		up = false;
	else
		return cli_usage("lab link: '%s': must be down or up", argv[optind + 2]);
	ifname = strchr(argv[optind + 1], ':');
	if (!ifname || ifname == argv[optind + 1] || !ifname[1])
		return cli_usage("lab link: '%s': must be NODE:IF", argv[optind + 1]);
	status = load_state(argv[optind], &name, &state);
	if (status != EXIT_OK)
		return status;
	node = strndup(argv[optind + 1], (size_t)(ifname - argv[optind + 1]));
	if (!node)
		status = cli_fail("lab link", -ENOMEM);
	else
		status = exit_status(lab_link_set(&lab_cli_ctx, name, state, node, ifname + 1, up));
	free(node);
	json_decref(state);
	free(name);
	return status;
}

/* lab check [-j] [--timeout SECONDS] NAME: an ICMP echo across every link
 * of a lab that is up (lab-check.c); exit 1 when one fails. */
static int lab_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long timeout = 1;
	json_t *state = NULL;
	char *name = NULL;
	int c, r, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:jpW:h", opts, NULL)) != -1) {
		if (c == 'W') {
			if (cli_parse_uint(optarg, 1, 60, &timeout) < 0)
				return cli_usage("lab check: --timeout '%s': 1 to 60 seconds", optarg);
		} else if ((r = cli_output_opt(c, argv)) >= 0) {
			return r;
		}
	}
	if (argc - optind != 1)
		return cli_usage("lab check takes one NAME or FILE");
	status = load_state(argv[optind], &name, &state);
	if (status != EXIT_OK)
		return status;
	status = lab_check(name, state, (unsigned)timeout);
	json_decref(state);
	free(name);
	return status;
}

/* lab graph NAME|FILE [-o FILE.svg|.png|.dot]: the lab as a picture
 * (lab-graph.c). A FILE is read, not brought up; a NAME must be up. */
static int lab_cmd_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *arg = NULL;
	json_t *state = NULL;
	char *name = NULL;
	int c, status;

	/* -o may follow NAME|FILE, as the synopsis writes it: the scan stops
	 * at NAME ("+", as everywhere in netns: glibc would otherwise keep
	 * permuting in later commands of a batch) and goes on after it. */
	optind = 1;
	for (;;) {
		while ((c = getopt_long(argc, argv, "+:o:h", opts, NULL)) != -1) {
			if (c == 'o')
				out = optarg;
			else if (c == 'h')
				return cli_help();
			else
				return cli_bad_option(c, argv);
		}
		if (optind >= argc)
			break;
		if (arg || (strcmp(argv[optind - 1], "--") == 0 && argc - optind != 1))
			return cli_usage("lab graph takes one NAME or FILE");
		arg = argv[optind++];
		if (strcmp(argv[optind - 2], "--") == 0)
			break; /* after "--", no options: glibc would rewind to it */
	}
	if (!arg)
		return cli_usage("lab graph takes one NAME or FILE");
	if (out && !lab_graph_format(out))
		return cli_usage("lab graph: -o '%s': must end in .svg, .png or .dot", out);
	if (is_file_arg(arg)) {
		struct lab *lab = lab_load(arg, &status);

		if (!lab)
			return status;
		state = lab_state_json(lab, arg);
		lab_free(lab);
		if (!state)
			return cli_fail(arg, -ENOMEM);
	} else {
		status = load_state(arg, &name, &state);
		if (status != EXIT_OK)
			return status;
	}
	status = lab_graph(state, out);
	json_decref(state);
	free(name);
	return status;
}

/* lab gen SHAPE N [NAME]: a topology file of that shape on stdout
 * (lab/gen.c); --help says what N counts for each shape. */
static int lab_cmd_gen(int argc, char **argv)
{
	const struct lab_gen_shape *s;
	const char *name;
	unsigned long n;
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("Usage: netns lab gen SHAPE N [NAME] > FILE\n\n"
		      "Writes lab NAME (default: SHAPE) of that shape to standard output:\n"
		      "  line N      n1 .. nN, each joined to the next\n"
		      "  ring N      a line whose nN is joined back to n1\n"
		      "  star N      hosts h1 .. hN on bridge sw, 10.0.0.0/16\n"
		      "  tree N      a binary tree of N nodes: nI's children are n2I, n2I+1\n"
		      "  grid N      N nodes in a near-square grid, links to 4 neighbours\n"
		      "  fat-tree K  the k-ary fat tree, K even: (K/2)^2 core, K pods of K/2\n"
		      "              aggregation and K/2 edge switches, K^3/4 hosts\n"
		      "Each link but a star's gets the next /30 of 10.0.0.0/8 in file order,\n"
		      ".1 on its first end and .2 on its second. No routes.\n", stdout);
		return EXIT_OK;
	}
	if ((r = lab_opts(argc, argv, false)) >= 0)
		return r;
	if (argc - optind < 2 || argc - optind > 3)
		return cli_usage("lab gen takes SHAPE N [NAME]");
	if (!(s = lab_gen_find(argv[optind])))
		return cli_usage("lab gen: shape '%s': must be " LAB_GEN_SHAPES, argv[optind]);
	name = argc - optind == 3 ? argv[optind + 2] : s->name;
	if (cli_parse_uint(argv[optind + 1], 0, ~0UL, &n) < 0 || !lab_gen_n_ok(s, n))
		return cli_usage("lab gen: N '%s': a %s takes %s", argv[optind + 1], s->name,
				 s->n_means);
	if (!lab_name_ok(name) || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789_.-") != strlen(name))
		return cli_usage("lab gen: name '%s': letters, digits, '_', '.', '-' only", name);
	/* A write error is main.c's close_stdout()'s to report. */
	lab_gen(stdout, s, n, name);
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
		{ "check", lab_cmd_check },
		{ "graph", lab_cmd_graph },
		{ "link", lab_cmd_link },
	};

	if (argc < 2)
		return cli_usage("lab needs a command: up, down, list, show, exec, check, graph, "
				 "link or gen");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_help();
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	return cli_usage("unknown command '%s'", argv[1]);
}
