/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns threads: every thread of some processes (or of all), its namespace
 * and that namespace's names, marking threads that left their main thread's
 * namespace. Such a thread is invisible to ip netns pids/identify and lsns,
 * which look at /proc/PID/ns/net only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A documented exception to 0/1/2, for scripts and monitors. */
#define EXIT_DIVERGED 3

struct threads_walk {
	struct cli_ns_names map;
	json_t *out; /* JSON array, or NULL for text */
	unsigned diverged;
};

static int thread_json(struct threads_walk *w, const struct netns_thread *t, bool diverged,
		       const struct cli_ns_name *e, size_t n)
{
	json_t *names = json_array(), *o;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(names, cli_json_string(e[i].name)) < 0) {
			json_decref(names);
			return -ENOMEM;
		}
	/* Any process may set any bytes as its comm (PR_SET_NAME).
	 * "o" hands NAMES and the comm string over to the object also when
	 * packing fails (jansson >= 2.11): never touch them afterwards. */
	o = json_pack("{s:i, s:i, s:o, s:I, s:o, s:b}", "pid", (int)t->pid, "tid", (int)t->tid,
		      "comm", cli_json_string(t->comm), "inode", (json_int_t)t->id.ino, "names", names,
		      "diverged", diverged);
	if (!o)
		return -ENOMEM;
	return json_array_append_new(w->out, o) < 0 ? -ENOMEM : 0;
}

static int thread_one(const struct netns_thread *t, void *data)
{
	struct threads_walk *w = data;
	/* With its main thread gone there is nothing to diverge from. */
	bool diverged = t->main.ino && !netns_id_equal(&t->id, &t->main);
	const struct cli_ns_name *e;
	size_t n = cli_ns_names_find(&w->map, &t->id, &e);

	if (diverged)
		w->diverged++;
	if (w->out)
		return thread_json(w, t, diverged, e, n);
	printf("%7d %7d %-15s %10llu %s%-8s%s ", (int)t->pid, (int)t->tid, t->comm,
	       (unsigned long long)t->id.ino, diverged ? cli_color_seq(CLI_COLOR_BAD) : "",
	       diverged ? "yes" : "no", diverged ? cli_color_seq(CLI_COLOR_OFF) : "");
	if (!n)
		putchar('-');
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", e[i].name);
	putchar('\n');
	return 0;
}

int cmd_threads(int argc, char **argv)
{
	struct threads_walk w = { .out = NULL };
	pid_t *pids = NULL;
	int c, r, npids, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	npids = argc - optind;
	if (npids > 0) {
		pids = calloc(npids, sizeof(*pids));
		if (!pids)
			return cli_fail("memory", -ENOMEM);
	}
	for (int i = 0; i < npids; i++) {
		pid_t tid;

		if (cli_parse_pid(argv[optind + i], &pids[i], &tid) < 0 || tid) {
			free(pids);
			return cli_usage("'%s': not a PID", argv[optind + i]);
		}
	}

	r = cli_ns_names_load(&w.map);
	if (r < 0) {
		status = cli_fail(netns_rundir_get(), r);
		goto out;
	}
	if (cli.json && !(w.out = json_array())) {
		status = cli_fail("json", -ENOMEM);
		goto out;
	}

	/* The header even when no row follows: an empty table is not the same
	 * as no output at all. */
	if (!w.out)
		printf("%7s %7s %-15s %10s %-8s %s\n", "PID", "TID", "COMM", "INODE", "DIVERGED",
		       "NAMES");
	/* A PID whose threads cannot be read is an error, not "nothing
	 * diverged": it is reported, and the others are still shown. A TID
	 * stands for its whole process (netns_thread_foreach() resolves it). */
	for (int i = 0; i < (npids ? npids : 1); i++) {
		r = netns_thread_foreach(npids ? pids[i] : 0, thread_one, &w);
		if (r >= 0)
			continue;
		if (!npids || r == -ENOMEM) {
			status = cli_fail(r == -ENOMEM ? "memory" : "/proc", r);
			goto out;
		}
		if (r == -ESRCH)
			status = cli_failx("%s: no such process", argv[optind + i]);
		else if (r == -ENOENT)
			status = cli_failx("%s: has no live threads (a zombie)", argv[optind + i]);
		else
			status = cli_fail(argv[optind + i], r);
	}
	if (w.out) {
		r = cli_json_print(w.out);
		w.out = NULL;
		if (r != EXIT_OK)
			status = r;
	}
	if (status == EXIT_OK && w.diverged)
		status = EXIT_DIVERGED;
out:
	json_decref(w.out);
	cli_ns_names_free(&w.map);
	free(pids);
	fflush(stdout);
	return status;
}
