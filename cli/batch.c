/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Batch mode: many subcommands in one process, like ip -batch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"

struct parser {
	const char *in, *end;
	char *out;
	unsigned long lineno;
	struct batch_script *s;
};

static int fail(struct batch_script *s, unsigned long lineno, const char *msg)
{
	s->err_line = lineno;
	s->err_msg = msg;
	return -EINVAL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* At a backslash: a backslash-newline is taken out (the command goes on on
 * the next line); any other character is taken literally. Escaping a CR
 * would hide a DOS line end in a name, and a trailing backslash would be
 * lost: both are refused. */
static int backslash(struct parser *p)
{
	if (p->in + 1 == p->end || (p->in[1] == '\n' && p->in + 2 == p->end))
		return fail(p->s, p->lineno, "backslash at end of file");
	if (p->in[1] == '\r')
		return fail(p->s, p->lineno, "backslash before a carriage return");
	if (p->in[1] == '\n') {
		p->lineno++;
	} else {
		*p->out++ = p->in[1];
	}
	p->in += 2;
	return 0;
}

/* Reads one word; stops before the blank or newline that ends it. */
static int word(struct parser *p, char **ret)
{
	unsigned long quote_line = 0;
	char *start = p->out, quote = 0;
	int r;

	while (p->in < p->end) {
		char c = *p->in;

		if (c == '\n' || (!quote && blank(c)))
			break;
		if (c == '\\' && quote != '\'') {
			r = backslash(p);
			if (r < 0)
				return r;
			continue;
		}
		if (quote && c == quote) {
			quote = 0;
		} else if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			quote_line = p->lineno;
		} else {
			*p->out++ = c;
		}
		p->in++;
	}
	if (quote)
		return fail(p->s, quote_line, "unterminated quote");
	*p->out++ = '\0';
	*ret = start;
	return 0;
}

static int push_word(struct batch_script *s, char *w)
{
	if (s->n_words == s->cap_words) {
		size_t cap = s->cap_words ? 2 * s->cap_words : 64;
		char **words = reallocarray(s->words, cap, sizeof(*words));

		if (!words)
			return -ENOMEM;
		s->words = words;
		s->cap_words = cap;
	}
	s->words[s->n_words++] = w;
	return 0;
}

static int push_line(struct batch_script *s, unsigned long lineno, int argc, size_t first)
{
	if (s->n_lines == s->cap_lines) {
		size_t cap = s->cap_lines ? 2 * s->cap_lines : 64;
		struct batch_line *lines = reallocarray(s->lines, cap, sizeof(*lines));

		if (!lines)
			return -ENOMEM;
		s->lines = lines;
		s->cap_lines = cap;
	}
	s->lines[s->n_lines++] = (struct batch_line){ .lineno = lineno, .argc = argc, .first = first };
	return push_word(s, NULL);
}

int batch_parse(const char *buf, size_t len, struct batch_script *s)
{
	struct parser p = { .in = buf, .end = buf + len, .lineno = 1, .s = s };
	const char *nul = len ? memchr(buf, '\0', len) : NULL;
	int r;

	*s = (struct batch_script){ .err_line = 0 };
	/* A NUL would silently end the line: run nothing of a file holding one. */
	if (nul) {
		unsigned long lineno = 1;

		for (const char *c = buf; c < nul; c++)
			lineno += *c == '\n';
		return fail(s, lineno, "NUL byte in line");
	}
	/* No word is longer than its input; a separator pays for each NUL. */
	s->text = malloc(len + 1);
	if (!s->text)
		return -ENOMEM;
	p.out = s->text;
	while (p.in < p.end) {
		unsigned long start = p.lineno;
		size_t first = s->n_words;
		int argc = 0;

		for (;;) {
			char *w;

			while (p.in < p.end) {
				if (blank(*p.in)) {
					p.in++;
				} else if (*p.in == '\\' && p.in + 1 < p.end && p.in[1] == '\n') {
					r = backslash(&p);
					if (r < 0)
						return r;
				} else {
					break;
				}
			}
			if (p.in == p.end || *p.in == '\n')
				break;
			if (*p.in == '#') {
				p.in = memchr(p.in, '\n', (size_t)(p.end - p.in));
				if (!p.in)
					p.in = p.end;
				break;
			}
			if (argc == BATCH_MAX_ARGS)
				return fail(s, start, "too many words");
			r = word(&p, &w);
			if (r < 0)
				return r;
			r = push_word(s, w);
			if (r < 0)
				return r;
			argc++;
		}
		if (p.in < p.end) { /* the newline */
			p.in++;
			p.lineno++;
		}
		if (argc) {
			r = push_line(s, start, argc, first);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

void batch_script_free(struct batch_script *s)
{
	free(s->text);
	free(s->words);
	free(s->lines);
	*s = (struct batch_script){ .err_line = 0 };
}

/*
 * Consecutive "add [--up] NAME..." lines run as one netns_name_add_many()
 * call: still a namespace per name, in order, but one throwaway thread for
 * the group instead of one per line (a thread start cost about as much as
 * the namespace itself: docs/benchmarks.md). Errors, line numbers and
 * --force behave as if each line ran on its own.
 */
#define ADD_GROUP_MAX 256

struct add_group {
	char *names[ADD_GROUP_MAX];
	unsigned long lines[ADD_GROUP_MAX];
	size_t n;
	unsigned flags;
};

/* Is ARGV a plain add line? Anything else (another option, --help, a bad
 * name, too many names) takes the ordinary path, which reports it. */
static bool add_line(int argc, char **argv, unsigned *ret_flags, int *ret_first)
{
	unsigned flags = 0;
	int i = 1;

	if (strcmp(argv[0], "add") != 0)
		return false;
	for (; i < argc && strcmp(argv[i], "--up") == 0; i++)
		flags |= NETNS_ADD_LO_UP;
	if (i == argc || argc - i > ADD_GROUP_MAX)
		return false;
	for (int k = i; k < argc; k++)
		if (argv[k][0] == '-' || netns_name_check(argv[k]) < 0)
			return false;
	*ret_flags = flags;
	*ret_first = i;
	return true;
}

/* Runs and empties the group. Returns false when the batch must stop. */
static bool add_group_run(struct add_group *g, bool force, int *status)
{
	bool go_on = true;
	size_t off = 0;

	cli.cmd = cli_command_find("add");
	while (off < g->n) {
		size_t done = 0;
		unsigned long bad;

		if (cli_add_names(g->names + off, g->n - off, g->flags, &done) == EXIT_OK)
			break;
		bad = g->lines[off + done];
		cli_errorf("batch: command failed at line %lu", bad);
		*status = EXIT_FAIL;
		if (!force) {
			go_on = false;
			break;
		}
		/* The failing line stops at its failing name; the next line goes on. */
		for (off += done; off < g->n && g->lines[off] == bad; off++)
			;
	}
	for (size_t i = 0; i < g->n; i++)
		free(g->names[i]);
	g->n = 0;
	cli.cmd = NULL;
	return go_on;
}

/* Adds the names of an add line to the group; false on ENOMEM. */
static bool add_group_push(struct add_group *g, char **names, int n, unsigned flags,
			   unsigned long lineno)
{
	for (int i = 0; i < n; i++) {
		g->names[g->n] = strdup(names[i]);
		if (!g->names[g->n])
			return false;
		g->lines[g->n++] = lineno;
	}
	g->flags = flags;
	return true;
}

/* Reads all of FD into *RET (LEN bytes, not NUL-terminated). */
static int read_all(int fd, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap ? 2 * cap : 65536);

			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap = cap ? 2 * cap : 65536;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Reads and splits FILE. Prints what is wrong and returns the exit status. */
static int batch_load(const char *file, const char *shown, struct batch_script *s)
{
	bool in = strcmp(file, "-") == 0;
	int fd = in ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC), r;
	size_t len = 0;
	char *buf = NULL;

	if (fd < 0) {
		cli_errorf("batch: %s: %s", shown, strerror(errno));
		return EXIT_USAGE;
	}
	r = read_all(fd, &buf, &len);
	if (!in)
		close(fd);
	if (r < 0) { /* a directory (EISDIR), a closed stdin (EBADF), EIO */
		cli_errorf("batch: %s: %s", shown, strerror(-r));
		return r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	r = batch_parse(buf, len, s);
	free(buf);
	if (r == -EINVAL)
		cli_errorf("batch: %s:%lu: %s", shown, s->err_line, s->err_msg);
	else if (r < 0)
		cli_errorf("batch: %s: %s", shown, strerror(-r));
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

/* Has the line failed? threads exits 3 when a thread diverged: a finding
 * that its output shows, not a failure (netns(1), EXIT STATUS). */
static bool line_failed(const char *cmd, int status)
{
	return status != EXIT_OK && !(status == 3 && strcmp(cmd, "threads") == 0);
}

int batch_run(const char *file, bool force)
{
	struct batch_script script = { .err_line = 0 };
	struct add_group group = { .n = 0 };
	int status = EXIT_OK;
	bool go_on = true;

	status = batch_load(file, strcmp(file, "-") == 0 ? "(stdin)" : file, &script);
	if (status != EXIT_OK) {
		batch_script_free(&script);
		return status;
	}
	cli.batch = true;
	for (size_t i = 0; go_on && i < script.n_lines; i++) {
		const struct batch_line *l = &script.lines[i];
		char **argv = script.words + l->first;
		unsigned long lineno = l->lineno;
		unsigned flags;
		int argc = l->argc, first, r;

		if (add_line(argc, argv, &flags, &first)) {
			if (group.n && (group.flags != flags || group.n + (argc - first) > ADD_GROUP_MAX)) {
				go_on = add_group_run(&group, force, &status);
				cli_progress(i, script.n_lines); /* the lines before this one */
			}
			if (go_on && !add_group_push(&group, argv + first, argc - first, flags, lineno)) {
				cli_errorf("batch: line %lu: %s", lineno, strerror(ENOMEM));
				status = EXIT_FAIL;
				go_on = false;
			}
			continue;
		}
		if (group.n && !add_group_run(&group, force, &status))
			break;
		cli_progress_end(); /* the command may print */
		r = cli_dispatch(argc, argv);
		fflush(stdout);
		if (line_failed(argv[0], r)) {
			cli_errorf("batch: command failed at line %lu", lineno);
			status = EXIT_FAIL;
			go_on = force;
		}
		cli_progress(i + 1, script.n_lines);
	}
	if (group.n && go_on && add_group_run(&group, force, &status))
		cli_progress(script.n_lines, script.n_lines);
	cli_progress_end();
	for (size_t i = 0; i < group.n; i++)
		free(group.names[i]);
	batch_script_free(&script);
	cli.batch = false;
	return status;
}
