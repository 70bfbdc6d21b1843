/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns add, attach, delete: the lifecycle of names. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The names delete --all (PREFIX NULL) or --prefix removes, collected first
 * so that the question can say how many, and progress can count them. */
/* delete --all and --prefix: every name (broken ones included) that starts
 * with PREFIX, in byte order. On a terminal, asks first unless YES; a script
 * (stdin or stderr not a terminal, or -b) is not asked. */
static int delete_many(const char *prefix, bool yes)
{
	struct cli_names l;
	int r, status = EXIT_OK;

	/* The broken names that crashed tools left go too. */
	r = cli_names_read(&l, prefix, true);
	if (r < 0) {
		status = cli_fail(netns_rundir_get(), r);
		goto out;
	}
	if (l.n == 0)
		goto out;
	if (!yes && !cli.batch && isatty(STDIN_FILENO) && isatty(STDERR_FILENO) &&
	    !cli_confirm("delete %zu name%s in %s?", l.n, l.n == 1 ? "" : "s",
			 netns_rundir_get())) {
		status = cli_failx("nothing deleted");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		r = netns_name_delete(l.v[i]);
		/* Gone meanwhile (another tool deleted it): what was asked is done. */
		if (r < 0 && r != -ENOENT) {
			cli_progress_end();
			name_fail(l.v[i], r);
			status = EXIT_FAIL;
		}
		cli_progress(i + 1, l.n);
	}
	cli_progress_end();
out:
	cli_names_free(&l);
	return status;
}

int cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = NULL;
	bool all = false, yes = false;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hy", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'P':
			prefix = optarg;
			break;
		case 'y':
			yes = true;
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (all && prefix)
		return cli_usage("--all and --prefix exclude each other");
	if (prefix && !*prefix)
		return cli_usage("--prefix must not be empty (--all deletes every name)");
	if (all || prefix) {
		if (optind < argc)
			return cli_usage("%s takes no NAME", all ? "--all" : "--prefix");
		return delete_many(prefix, yes);
	}
	if (yes)
		return cli_usage("--yes is only for --all and --prefix");
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
