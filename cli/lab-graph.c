/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab graph: a lab as a graphviz graph. The DOT is written here; the
 * layout and the picture are graphviz's own dot(1) (Debian graphviz), fed on
 * its standard input. dot rather than libgvc: the picture is one exec away,
 * netns does not link graphviz's ~30 libraries, and a lab without graphviz
 * installed still gets its DOT. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "lab-cmd.h"

const char *lab_graph_format(const char *out)
{
	static const char *const fmts[] = { "dot", "svg", "png" };
	const char *dot = strrchr(out, '.');

	for (size_t i = 0; dot && dot != out && i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (strcasecmp(dot + 1, fmts[i]) == 0)
			return fmts[i];
	return NULL;
}

/* S as a DOT quoted string. Inside quotes the DOT scanner turns \" into "
 * and keeps \\ as two bytes, which a label then shows as one backslash
 * (graphviz's make_simple_label); \n is a line break in a label. A name
 * holds no other control byte (netns_name_check, netns_ifname_check). */
static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc('?', f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* "\n" between lines of one label: the escape itself, not quoted. */
static void dot_label_line(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
	}
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

struct by_name {
	const char *name;
	size_t i;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct by_name *)a)->name, ((const struct by_name *)b)->name);
}

/* Writes the DOT. Nodes are n0, n1, ... in file order: a name is only ever
 * a label, so no name can clash with a DOT keyword or another ID. */
static int write_dot(FILE *f, json_t *state)
{
	json_t *nodes = json_object_get(state, "nodes"), *links = json_object_get(state, "links");
	size_t n = json_array_size(nodes), i, j;
	struct by_name *idx = calloc(n + 1, sizeof(*idx));
	json_t *v, *a;

	if (!idx)
		return -ENOMEM;
	fputs("graph ", f);
	dot_str(f, str(state, "name"));
	fputs(" {\n\tgraph [label=", f);
	dot_str(f, str(state, "name"));
	fputs(", labelloc=t, overlap=false];\n"
	      "\tnode [shape=ellipse, fontname=\"Helvetica\", fontsize=10];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=8];\n", f);
	json_array_foreach(nodes, i, v) {
		bool bridge = lab_kind_find(str(v, "kind"))->ports;

		idx[i].name = str(v, "name");
		idx[i].i = i;
		fprintf(f, "\tn%zu [label=\"", i);
		dot_label_line(f, idx[i].name);
		json_array_foreach(json_object_get(v, "addrs"), j, a) {
			fputs("\\n", f);
			dot_label_line(f, json_string_value(a) ? json_string_value(a) : "?");
		}
		fputs(bridge ? "\", shape=box, style=\"rounded,filled\", fillcolor=\"#dddddd\"];\n"
			     : "\"];\n", f);
	}
	qsort(idx, n, sizeof(*idx), cmp_name);
	json_array_foreach(links, i, v) {
		json_t *ends = json_object_get(v, "endpoints");
		struct by_name key[2], *hit[2];

		for (int e = 0; e < 2; e++) {
			key[e].name = str(json_array_get(ends, (size_t)e), "node");
			hit[e] = n ? bsearch(&key[e], idx, n, sizeof(*idx), cmp_name) : NULL;
		}
		if (!hit[0] || !hit[1])
			continue; /* a record edited by hand: draw what is there */
		fprintf(f, "\tn%zu -- n%zu [taillabel=", hit[0]->i, hit[1]->i);
		dot_str(f, str(json_array_get(ends, 0), "ifname"));
		fputs(", headlabel=", f);
		dot_str(f, str(json_array_get(ends, 1), "ifname"));
		if (json_integer_value(json_object_get(v, "mtu")))
			fprintf(f, ", label=\"mtu %lld\"",
				(long long)json_integer_value(json_object_get(v, "mtu")));
		fputs("];\n", f);
	}
	fputs("}\n", f);
	free(idx);
	return 0;
}

/* Runs dot -TFMT with the DOT of STATE on its standard input and FD, the
 * picture's file, as its standard output. */
static int run_dot(json_t *state, const char *fmt, int fd)
{
	char tflag[16], dot[] = "dot";
	char *argv[] = { dot, tflag, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t def;
	int p[2], r, st;
	pid_t pid;
	FILE *f;

	snprintf(tflag, sizeof(tflag), "-T%s", fmt);
	if (pipe2(p, O_CLOEXEC) < 0)
		return cli_fail("pipe", -errno);
	/* dup2 clears close-on-exec on the copies: dot gets these two only. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(&pid, "dot", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[0]);
	if (r != 0) {
		close(p[1]);
		if (r == ENOENT)
			return cli_failx("dot: not found: install the graphviz package");
		return cli_fail("dot", -r);
	}
	/* dot may exit before reading everything: EPIPE here, not death. */
	sigaction(SIGPIPE, &ign, &old);
	f = fdopen(p[1], "w");
	if (!f) {
		close(p[1]);
		r = -errno;
	} else {
		r = write_dot(f, state);
		if (fclose(f) != 0 && r == 0)
			r = -errno;
	}
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return cli_fail("dot", -errno);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		return cli_failx("dot exited with status %d", WEXITSTATUS(st));
	if (WIFSIGNALED(st))
		return cli_failx("dot killed by signal %d", WTERMSIG(st));
	if (r < 0)
		return cli_fail("dot", r);
	return EXIT_OK;
}

int lab_graph(json_t *state, const char *out)
{
	const char *fmt;
	char *tmp = NULL;
	int fd, r, status;

	if (!out) {
		/* A write error is main.c's close_stdout()'s to report. */
		r = write_dot(stdout, state);
		return r < 0 ? cli_fail("graph", r) : EXIT_OK;
	}
	fmt = lab_graph_format(out);
	/* Written beside OUT and renamed into place: a failed run leaves no
	 * half-written picture, nor destroys an older one. */
	if (asprintf(&tmp, "%s.%d.tmp", out, (int)getpid()) < 0)
		return cli_fail(out, -ENOMEM);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		status = cli_fail(out, -errno);
		free(tmp);
		return status;
	}
	if (strcmp(fmt, "dot") == 0) {
		FILE *f = fdopen(fd, "w");

		if (!f) {
			r = -errno;
			close(fd);
		} else {
			r = write_dot(f, state);
			if (fclose(f) != 0 && r == 0)
				r = -errno;
		}
		status = r < 0 ? cli_fail(out, r) : EXIT_OK;
	} else {
		status = run_dot(state, fmt, fd);
		if (close(fd) < 0 && status == EXIT_OK)
			status = cli_fail(out, -errno);
	}
	if (status == EXIT_OK && rename(tmp, out) < 0)
		status = cli_fail(out, -errno);
	if (status != EXIT_OK)
		unlink(tmp);
	free(tmp);
	return status;
}
