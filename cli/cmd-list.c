/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns list */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

static int list_one(const char *name, const struct netns_id *id, void *data)
{
	json_t *arr = data, *o;
	int fd, nsid;

	if (!arr) {
		puts(name);
		return 0;
	}
	o = json_pack("{s:o, s:I}", "name", cli_json_string(name), "inode", (json_int_t)id->ino);
	if (!o)
		return -ENOMEM;
	fd = netns_fd_open_name(name);
	nsid = fd >= 0 ? netns_fd_nsid(fd) : -ENOENT;
	if (fd >= 0)
		close(fd);
	if (nsid >= 0)
		json_object_set_new(o, "nsid", json_integer(nsid));
	return json_array_append_new(arr, o) < 0 ? -ENOMEM : 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *arr = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1)
		return c == 'h' ? cli_help() : cli_bad_option(c, argv);
	if (optind < argc)
		return cli_usage("unexpected argument '%s'", argv[optind]);
	if (cli.json) {
		arr = json_array();
		if (!arr)
			return cli_fail("json", -ENOMEM);
	}
	r = netns_name_foreach(list_one, arr);
	if (r < 0) {
		json_decref(arr);
		return cli_fail(netns_rundir_get(), r);
	}
	return arr ? cli_json_print(arr) : EXIT_OK;
}
