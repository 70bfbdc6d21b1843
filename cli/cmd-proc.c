/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns identify and netns pids: from processes and threads to namespaces. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The JSON code here relies on json_pack()'s "o" taking over its value also
 * when packing fails, which jansson does since 2.11 (its #374). */
#if JANSSON_VERSION_HEX < 0x020b00
#error "jansson 2.11 or later is needed"
#endif

int cmd_identify(int argc, char **argv)
{
	struct netns_id id;
	pid_t pid = getpid(), tid = 0;
	json_t *o, *names;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	if (argc - optind > 1)
		return cli_usage("unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && cli_parse_pid(argv[optind], &pid, &tid) < 0)
		return cli_usage("'%s': not a PID or PID/TID", argv[optind]);
	r = netns_thread_id(pid, tid, &id);
	if (r == -ESRCH)
		return cli_failx("%s: no such %s", optind < argc ? argv[optind] : "self",
				 tid ? "thread" : "process");
	if (r == -ENOENT)
		return cli_failx("%s: has no live threads (a zombie)",
				 optind < argc ? argv[optind] : "self");
	if (r < 0)
		return cli_fail(optind < argc ? argv[optind] : "self", r);
	if (!cli.json) {
		r = cli_names_of(&id, NULL);
		return r < 0 ? cli_fail(netns_rundir_get(), r) : EXIT_OK;
	}
	/* "o" hands NAMES over to O, also when packing fails (jansson >= 2.11),
	 * and O keeps it alive while cli_names_of() fills it in. */
	names = json_array();
	o = json_pack("{s:i, s:I, s:o}", "pid", (int)pid, "inode", (json_int_t)id.ino,
		      "names", names);
	if (!o)
		return cli_fail("json", -ENOMEM);
	if (tid)
		json_object_set_new(o, "tid", json_integer(tid));
	r = cli_names_of(&id, names);
	if (r < 0) {
		json_decref(o);
		return cli_fail(netns_rundir_get(), r);
	}
	return cli_json_print(o);
}

/* One process with at least one thread inside. */
struct pids_row {
	pid_t pid;
	char comm[16];
	json_t *tids;
};

struct pids_walk {
	struct netns_id target;
	struct pids_row cur;
	json_t *out; /* JSON array, or NULL for text */
};

static json_t *take_tids(struct pids_walk *w)
{
	json_t *tids = w->cur.tids;

	w->cur.tids = NULL;
	return tids;
}

static int pids_flush(struct pids_walk *w)
{
	json_t *o;

	if (!w->cur.pid || !w->cur.tids)
		return 0;
	if (!w->out) {
		printf("%d\n", (int)w->cur.pid);
		json_decref(w->cur.tids);
		w->cur.tids = NULL;
		return 0;
	}
	/* "o" hands TIDS over to the object also when packing fails
	 * (jansson >= 2.11, as in link_print()): drop our pointer first, so
	 * that the caller's cleanup does not free it a second time. */
	o = json_pack("{s:i, s:o, s:o}", "pid", (int)w->cur.pid, "comm",
		      cli_json_string(w->cur.comm), "tids", take_tids(w));
	if (!o || json_array_append_new(w->out, o) < 0)
		return -ENOMEM;
	return 0;
}

static int pids_thread(const struct netns_thread *t, void *data)
{
	struct pids_walk *w = data;
	int r;

	/* comm: the main thread's, or, when it has exited (its comm is then
	 * not reported), the first live thread's. */
	if (t->pid != w->cur.pid) {
		r = pids_flush(w);
		if (r < 0)
			return r;
		w->cur.pid = t->pid;
		memcpy(w->cur.comm, t->comm, sizeof(w->cur.comm));
	}
	if (t->tid == t->pid)
		memcpy(w->cur.comm, t->comm, sizeof(w->cur.comm));
	if (!netns_id_equal(&t->id, &w->target))
		return 0;
	if (!w->cur.tids) {
		w->cur.tids = json_array();
		if (!w->cur.tids)
			return -ENOMEM;
	}
	return json_array_append_new(w->cur.tids, json_integer(t->tid)) < 0 ? -ENOMEM : 0;
}

int cmd_pids(int argc, char **argv)
{
	struct pids_walk w = { .cur = { 0 } };
	int c, fd, r;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	if (argc - optind != 1)
		return cli_usage(optind < argc ? "unexpected argument '%s'" : "missing NAME|PATH%s",
				 optind < argc ? argv[optind + 1] : "");
	fd = cli_open_ns(argv[optind]);
	if (fd < 0)
		return EXIT_FAIL;
	r = netns_fd_id(fd, &w.target);
	close(fd);
	if (r < 0)
		return cli_fail(argv[optind], r);
	if (cli.json && !(w.out = json_array()))
		return cli_fail("json", -ENOMEM);
	r = netns_thread_foreach(0, pids_thread, &w);
	if (r >= 0)
		r = pids_flush(&w);
	json_decref(w.cur.tids);
	if (r < 0) {
		json_decref(w.out);
		return cli_fail("/proc", r);
	}
	return w.out ? cli_json_print(w.out) : EXIT_OK;
}
