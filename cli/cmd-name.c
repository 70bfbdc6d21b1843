/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns add, attach, delete: the lifecycle of names. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Reports a failed name operation with the most useful wording. */
static int name_fail(const char *name, int err)
{
	switch (err) {
	case -EEXIST:
		return cli_failx("%s: namespace already exists", name);
	case -ENOENT:
		return cli_failx("%s: no such namespace", name);
	case -EMEDIUMTYPE:
		return cli_failx("%s: not a namespace: %s/%s is %s", name,
				 netns_rundir_get(), name, cli_entry_kind(name));
	case -EINVAL:
	case -ENAMETOOLONG:
		if (netns_name_check(name) < 0)
			return cli_failx("'%s': invalid namespace name: %s", name,
					 err == -EINVAL ? "must be non-empty, not . or .., "
							  "without '/'" : strerror(-err));
		break;
	default:
		break;
	}
	return cli_fail(name, err);
}

/* Checks every name before creating any, so bad input changes nothing. */
static int names_valid(char **names, int n)
{
	for (int i = 0; i < n; i++)
		if (netns_name_check(names[i]) < 0)
			return name_fail(names[i], netns_name_check(names[i]));
	return EXIT_OK;
}

int cli_add_names(char **names, size_t n, unsigned flags, size_t *ret_done)
{
	size_t done = 0;
	int r = netns_name_add_many((const char *const *)names, n, flags, &done);

	if (ret_done)
		*ret_done = done;
	return r < 0 ? name_fail(names[done < n ? done : 0], r) : EXIT_OK;
}

int cmd_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "up", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned flags = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			flags |= NETNS_ADD_LO_UP;
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("missing NAME");
	r = names_valid(argv + optind, argc - optind);
	if (r != EXIT_OK)
		return r;
	return cli_add_names(argv + optind, argc - optind, flags, NULL);
}

int cmd_attach(int argc, char **argv)
{
	pid_t pid, tid;
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", help_only, NULL)) != -1)
		return c == 'h' ? cli_help() : cli_bad_option(c, argv);
	if (argc - optind != 2)
		return cli_usage("expected NAME PID[/TID]");
	if (netns_name_check(argv[optind]) < 0)
		return name_fail(argv[optind], netns_name_check(argv[optind]));
	if (cli_parse_pid(argv[optind + 1], &pid, &tid) < 0)
		return cli_usage("'%s': not a PID or PID/TID", argv[optind + 1]);
	r = netns_name_attach(argv[optind], pid, tid);
	if (r == -ESRCH)
		return cli_failx("%s: no such %s", argv[optind + 1], tid ? "thread" : "process");
	if (r == -EACCES)
		return cli_failx("%s: cannot open its namespace: %s (root or CAP_SYS_ADMIN is needed)",
				 argv[optind + 1], strerror(EACCES));
	if (r < 0)
		return name_fail(argv[optind], r);
	return EXIT_OK;
}

static int delete_one(const char *name, const struct netns_id *id, void *data)
{
	int r = netns_name_delete(name);

	(void)id;
	if (r < 0) {
		name_fail(name, r);
		*(int *)data = EXIT_FAIL;
	}
	return 0;
}

int cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	int c, r, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (all) {
		if (optind < argc)
			return cli_usage("--all takes no NAME");
		r = netns_name_foreach(delete_one, &status);
		if (r >= 0) /* and the broken names that crashed tools left */
			r = netns_name_foreach_broken(delete_one, &status);
		return r < 0 ? cli_fail(netns_rundir_get(), r) : status;
	}
	if (optind >= argc)
		return cli_usage("missing NAME (or --all)");
	r = names_valid(argv + optind, argc - optind);
	if (r != EXIT_OK)
		return r;
	for (int i = optind; i < argc; i++) {
		r = netns_name_delete(argv[i]);
		if (r < 0)
			return name_fail(argv[i], r);
	}
	return EXIT_OK;
}
