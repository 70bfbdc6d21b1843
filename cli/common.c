/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error reporting and argument helpers shared by the subcommands. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct cli_state cli;

static const char *sub_name(void)
{
	return cli.cmd ? cli.cmd->name : "netns";
}

static struct {
	bool shown;
	struct timespec last;
} progress;

/* Prints "netns: [HEAD: ]MESSAGE" as one line on stderr. Control bytes become
 * C escapes (\n, \r, \t, \xHH): a name may hold a newline, and an error must
 * stay one line (a script reads one line per error). */
__attribute__((format(printf, 2, 0)))
static void err_line(const char *head, const char *fmt, va_list ap)
{
	char *msg;

	cli_progress_end(); /* an error starts its own line */
	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("netns: out of memory\n", stderr);
		return;
	}
	fputs("netns: ", stderr);
	if (head)
		fprintf(stderr, "%s: ", head);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stderr);
		else if (*p == '\r')
			fputs("\\r", stderr);
		else if (*p == '\t')
			fputs("\\t", stderr);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
	free(msg);
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_line(NULL, fmt, ap);
	va_end(ap);
}

/* strerror(), but in this program's words where the library gives an errno
 * a meaning of its own. */
static const char *reason(int err)
{
	if (err == -EMEDIUMTYPE)
		return "not a network namespace";
	return strerror(-err);
}

static int report(const char *what, int err, const char *ext)
{
	if (err == -EPERM)
		cli_errorf("%s: %s: %s (root or CAP_SYS_ADMIN is needed)",
			   sub_name(), what, strerror(-err));
	else if (ext)
		cli_errorf("%s: %s: %s (%s)", sub_name(), what, reason(err), ext);
	else
		cli_errorf("%s: %s: %s", sub_name(), what, reason(err));
	return EXIT_FAIL;
}

int cli_fail(const char *what, int err)
{
	return report(what, err, NULL);
}

int cli_fail_nl(const char *what, int err)
{
	return report(what, err, netns_error_message());
}

int cli_failx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_line(sub_name(), fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_line(cli.cmd ? cli.cmd->name : NULL, fmt, ap);
	va_end(ap);
	if (cli.cmd)
		fprintf(stderr, "Try 'netns %s --help' for more information.\n", cli.cmd->name);
	else
		fprintf(stderr, "Try 'netns --help' for more information.\n");
	return EXIT_USAGE;
}

int cli_help(void)
{
	printf("Usage:\n%s\n", cli.cmd->usage);
	return EXIT_OK;
}

int cli_bad_option(int opt, char **argv)
{
	extern int optind, optopt;

	const char *word = argv[optind - 1], *eq = strchr(word, '=');
	const char *next = argv[optind];

	if (opt == ':')
		return cli_usage("option '%s' needs an argument", word);
	/* GNU getopt sets optopt both for a bad short option and for a known
	 * long one given "=VALUE" that takes none ("--up=yes"): only the word
	 * tells them apart. While a cluster ("-xz") is being read, optind has
	 * not moved yet and the bad option's letter is in argv[optind]. */
	if (optopt && strncmp(word, "--", 2) == 0 && eq &&
	    !(next && next[0] == '-' && next[1] && next[1] != '-' &&
	      memchr(next + 1, optopt, strlen(next + 2))))
		return cli_usage("option '%.*s' doesn't allow an argument", (int)(eq - word), word);
	if (optopt)
		return cli_usage("invalid option -- '%c'", optopt);
	return cli_usage("unrecognized option '%s'", word);
}

const struct option cli_output_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 },
};

int cli_output_opt(int c, char **argv)
{
	switch (c) {
	case 'j':
		cli.json = true;
		return -1;
	case 'p':
		cli.pretty = true;
		return -1;
	case 'h':
		return cli_help();
	default:
		return cli_bad_option(c, argv);
	}
}

int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	/* Digits only: strtoul would take blanks, a sign and "0x". */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_id(const char *s, pid_t *ret)
{
	unsigned long v;

	/* PID_MAX_LIMIT is 2^22; anything up to 2^30 is at least a number. */
	if (cli_parse_uint(s, 1, 0x3fffffff, &v) < 0)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int cli_parse_pid(const char *s, pid_t *ret_pid, pid_t *ret_tid)
{
	const char *slash = strchr(s, '/');
	char head[32];
	pid_t pid, tid = 0;

	if (slash) {
		if ((size_t)(slash - s) >= sizeof(head))
			return -EINVAL;
		memcpy(head, s, slash - s);
		head[slash - s] = '\0';
		if (parse_id(head, &pid) < 0 || parse_id(slash + 1, &tid) < 0)
			return -EINVAL;
	} else if (parse_id(s, &pid) < 0) {
		return -EINVAL;
	}
	*ret_pid = pid;
	*ret_tid = tid;
	return 0;
}

bool cli_is_path(const char *arg)
{
	return strchr(arg, '/') != NULL;
}

const char *cli_entry_kind(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", netns_rundir_get(), name);
	if (lstat(path, &st) < 0)
		return "gone";
	if (S_ISLNK(st.st_mode))
		return "a symbolic link, which names never are";
	if (S_ISDIR(st.st_mode))
		return "a directory";
	if (!S_ISREG(st.st_mode))
		return "a special file";
	if (st.st_size == 0)
		return "an empty placeholder with nothing mounted on it";
	return "a regular file, or another kind of namespace";
}

int cli_open_ns(const char *arg)
{
	int fd;

	if (cli_is_path(arg)) {
		fd = netns_fd_open_path(arg);
		if (fd == -EMEDIUMTYPE)
			cli_failx("%s: not a network namespace", arg);
		else if (fd < 0)
			cli_fail(arg, fd);
		return fd;
	}
	fd = netns_fd_open_name(arg);
	if (fd == -ENOENT)
		cli_failx("%s: no such namespace", arg);
	else if (fd == -EMEDIUMTYPE)
		cli_failx("%s: not a network namespace (%s/%s is %s)", arg, netns_rundir_get(), arg,
			  cli_entry_kind(arg));
	else if (fd == -EINVAL || fd == -ENAMETOOLONG)
		cli_failx("'%s': invalid namespace name: %s", arg, strerror(-fd));
	else if (fd < 0)
		cli_fail(arg, fd);
	return fd;
}

int cli_json_print(json_t *j)
{
	int r;

	if (!j)
		return cli_fail("json", -ENOMEM);
	r = json_dumpf(j, stdout, (cli.pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENSURE_ASCII);
	json_decref(j);
	if (r < 0)
		return cli_fail("writing output", -EIO);
	putchar('\n');
	return EXIT_OK;
}

/* Length of the valid UTF-8 sequence at S, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

json_t *cli_json_string(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	char *buf, *out;
	json_t *j;

	j = json_string(s);
	if (j)
		return j;
	/* Names are bytes, JSON strings are Unicode: show bad bytes as U+FFFD. */
	buf = malloc(strlen(s) * 3 + 1);
	if (!buf)
		return NULL;
	for (out = buf; *p;) {
		size_t n = utf8_len(p);

		if (n) {
			memcpy(out, p, n);
			out += n, p += n;
		} else {
			memcpy(out, replacement, 3);
			out += 3, p++;
		}
	}
	*out = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

static int name_collect(const char *name, const struct netns_id *id, void *data)
{
	(void)id;
	if (!data) {
		puts(name);
		return 0;
	}
	return json_array_append_new(data, cli_json_string(name)) < 0 ? -ENOMEM : 0;
}

int cli_names_of(const struct netns_id *id, json_t *names)
{
	return netns_name_find(id, name_collect, names);
}

int cli_color_init(const char *when)
{
	const char *no = getenv("NO_COLOR");

	if (strcmp(when, "always") == 0)
		cli.color = true;
	else if (strcmp(when, "never") == 0)
		cli.color = false;
	else if (strcmp(when, "auto") == 0)
		cli.color = isatty(STDOUT_FILENO) && !(no && *no);
	else
		return -EINVAL;
	return 0;
}

const char *cli_color_seq(enum cli_color c)
{
	/* iproute2's and util-linux's defaults: bold names, green for a
	 * good state, red for a bad one. */
	static const char *const seq[] = {
		[CLI_COLOR_NAME] = "\033[1m",
		[CLI_COLOR_GOOD] = "\033[32m",
		[CLI_COLOR_BAD] = "\033[31m",
		[CLI_COLOR_OFF] = "\033[0m",
	};

	return cli.color ? seq[c] : "";
}

void cli_progress_line(bool final, const char *fmt, ...)
{
	struct timespec now;
	va_list ap;

	if (!isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Rate-limited also across cli_progress_end(): batch clears the line
	 * before each command that may print. */
	if (!final &&
	    (now.tv_sec - progress.last.tv_sec) * 1000000000L + (now.tv_nsec - progress.last.tv_nsec) <
		    100000000L)
		return;
	progress.last = now;
	progress.shown = true;
	fputc('\r', stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
}

void cli_progress(size_t done, size_t total)
{
	cli_progress_line(done >= total, "%zu of %zu", done, total);
}

void cli_progress_end(void)
{
	if (!progress.shown)
		return;
	progress.shown = false;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

bool cli_confirm(const char *fmt, ...)
{
	char line[64], *q = NULL;
	va_list ap;
	int r;

	/* One write: what a person types while the question is being printed
	 * is echoed by the terminal, and must not land inside it. */
	va_start(ap, fmt);
	r = vasprintf(&q, fmt, ap);
	va_end(ap);
	if (r < 0)
		return false;
	fprintf(stderr, "netns: %s [y/N] ", q);
	fflush(stderr);
	free(q);
	if (!fgets(line, sizeof(line), stdin)) {
		fputc('\n', stderr); /* end of input: the answer's line never came */
		return false;
	}
	line[strcspn(line, "\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int names_push(const struct netns_name_info *info, void *data)
{
	struct cli_names *l = data;

	if (l->prefix && strncmp(info->name, l->prefix, strlen(l->prefix)) != 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(info->name);
	return l->v[l->n] ? (l->n++, 0) : -ENOMEM;
}

int cli_names_read(struct cli_names *ret, const char *prefix, bool broken)
{
	*ret = (struct cli_names){ .prefix = prefix };
	return netns_name_walk(broken ? NETNS_WALK_BROKEN : 0, names_push, ret);
}

void cli_names_free(struct cli_names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct cli_names){ 0 };
}
