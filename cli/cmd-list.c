/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns list */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

/* One name: a line, "NAME (id: N)" when it has an nsid, or a JSON object with
 * name, inode and (when assigned) nsid; a broken name (an empty placeholder)
 * is marked as such. */
static int list_one(const struct netns_name_info *info, void *data)
{
	json_t *arr = data, *o;

	if (!arr) {
		printf("%s%s%s", cli_color_seq(CLI_COLOR_NAME), info->name,
		       cli_color_seq(CLI_COLOR_OFF));
		if (info->broken)
			fputs(" (broken: nothing mounted)", stdout);
		else if (info->nsid >= 0) /* as ip netns list shows it */
			printf(" (id: %d)", info->nsid);
		putchar('\n');
		return 0;
	}
	if (info->broken)
		o = json_pack("{s:o, s:b}", "name", cli_json_string(info->name), "broken", 1);
	else
		o = json_pack("{s:o, s:I}", "name", cli_json_string(info->name), "inode",
			      (json_int_t)info->id.ino);
	if (!o)
		return -ENOMEM;
	if (info->nsid >= 0 && json_object_set_new(o, "nsid", json_integer(info->nsid)) < 0) {
		json_decref(o);
		return -ENOMEM;
	}
	return json_array_append_new(arr, o) < 0 ? -ENOMEM : 0;
}

int cmd_list(int argc, char **argv)
{
	json_t *arr = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	if (optind < argc)
		return cli_usage("unexpected argument '%s'", argv[optind]);
	if (cli.json) {
		arr = json_array();
		if (!arr)
			return cli_fail("json", -ENOMEM);
	}
	r = netns_name_walk(NETNS_WALK_BROKEN | NETNS_WALK_NSID, list_one, arr);
	if (r < 0) {
		json_decref(arr);
		return cli_fail(netns_rundir_get(), r);
	}
	return arr ? cli_json_print(arr) : EXIT_OK;
}
