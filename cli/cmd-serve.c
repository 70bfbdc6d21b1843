/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns serve: one process, one thread, one epoll loop, every namespace.
 * This file parses the options and sets up the loop; serve-ns.c makes the
 * sockets, serve-loop.c serves them, serve-follow.c tracks the run directory.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"

int serve_format_check(const char *fmt)
{
	for (const char *f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		f++;
		if (*f != 'n' && *f != 'i' && *f != '%')
			return -EINVAL;
	}
	return 0;
}

void serve_log(const struct serve *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several servers never mix. */
	fprintf(stderr, "netns: serve: %s\n", line);
}

uint64_t serve_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static int parse_port(const char *arg, uint16_t *ret)
{
	unsigned long v;

	if (cli_parse_uint(arg, 1, 65535, &v) < 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* Every listener is an fd: thousands of namespaces need more than the usual
 * soft limit of 1024, and the hard limit is ours to take. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int control_fds(struct serve *s, sigset_t *sigs)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return cli_fail("epoll", -errno);
	s->sig.fd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sig.fd < 0)
		return cli_fail("signalfd", -errno);
	s->backoff.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->backoff.fd < 0)
		return cli_fail("timerfd", -errno);
	if (serve_epoll_add(s, &s->sig) < 0 || serve_epoll_add(s, &s->backoff) < 0)
		return cli_fail("epoll", -errno);
	if (s->follow && serve_follow_start(s) < 0)
		return EXIT_FAIL;
	return EXIT_OK;
}

/* Orders pointers into the argument list by string, then by position. */
static int arg_cmp(const void *a, const void *b)
{
	char **x = *(char **const *)a, **y = *(char **const *)b;
	int r = strcmp(*x, *y);

	return r ? r : (x > y) - (x < y);
}

/* Serves the namespaces named on the command line, each string once, in
 * the order given (so "the first name" of a namespace is the first given);
 * each failure is reported and the rest go on. */
static void serve_args(struct serve *s, char **args, int n)
{
	char ***sorted = malloc((size_t)n * sizeof(*sorted));

	if (sorted) {
		const char *prev = NULL;

		for (int i = 0; i < n; i++)
			sorted[i] = &args[i];
		qsort(sorted, (size_t)n, sizeof(*sorted), arg_cmp);
		for (int i = 0; i < n; i++) {
			if (prev && strcmp(*sorted[i], prev) == 0)
				*sorted[i] = NULL; /* a repeat */
			else
				prev = *sorted[i];
		}
		free(sorted);
	}
	for (int i = 0; i < n; i++)
		if (args[i] && !serve_ns_new(s, args[i]))
			cli_fail(args[i], -ENOMEM);
	serve_start_new(s, 0, false);
}

/* Counts the fds open now, the ones every start must leave alone. */
static size_t fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n ? n - 1 : 0; /* not the directory's own */
}

static void serve_close(struct serve *s)
{
	serve_ns_remove_all(s);
	netns_watch_free(s->watcher); /* and its fd, s->watch.fd */
	if (s->backoff.fd >= 0)
		close(s->backoff.fd);
	if (s->sig.fd >= 0)
		close(s->sig.fd);
	if (s->epfd >= 0)
		close(s->epfd);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "message", required_argument, NULL, 'm' },
		{ "udp", no_argument, NULL, 'u' },
		{ "follow", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve s = {
		.port = 5000,
		.epfd = -1,
		.sig = { .kind = SERVE_SIGNAL, .fd = -1 },
		.watch = { .kind = SERVE_WATCH, .fd = -1 },
		.backoff = { .kind = SERVE_BACKOFF, .fd = -1 },
	};
	sigset_t sigs, old;
	struct stat st;
	int c, r;

	while ((c = getopt_long(argc, argv, "+:p:m:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_port(optarg, &s.port) < 0)
				return cli_usage("bad port '%s': must be 1-65535", optarg);
			break;
		case 'm':
			if (serve_format_check(optarg) < 0)
				return cli_usage("bad --message '%s': only %%n, %%i and %%%% may "
						 "follow a %%", optarg);
			s.format = optarg;
			break;
		case 'u':
			s.udp = true;
			break;
		case 'f':
			s.follow = true;
			break;
		case 'q':
			s.quiet = true;
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (cli.batch)
		return cli_usage("runs until a signal: not in batch mode");
	if (s.follow && optind < argc)
		return cli_usage("--follow serves every name and takes no NAME|PATH");

	raise_nofile();
	/* Signals arrive through the loop, as events like any other. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	/* A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal never reaches the signalfd. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);

	r = control_fds(&s, &sigs);
	s.fds_base = fds_open();
	if (stat("/proc/thread-self/ns/net", &st) == 0)
		s.nsfs_dev = st.st_dev;
	if (r == EXIT_OK) {
		if (optind < argc)
			serve_args(&s, argv + optind, argc - optind);
		else if (s.follow)
			serve_follow_event(&s); /* the names there now */
		else if (serve_scan(&s) < 0)
			r = EXIT_FAIL;
	}
	/* Names waiting for fds are served later: only nothing at all fails. */
	if (r == EXIT_OK && s.n_serving == 0 && s.n_fd_wait == 0 && !s.follow) {
		r = optind < argc ? cli_failx("no namespace could be served")
				  : cli_failx("no named namespace to serve in %s",
					      netns_rundir_get());
	}
	if (r == EXIT_OK) {
		serve_log(&s, "serving %zu namespace%s on port %u%s%s", s.n_serving,
			  s.n_serving == 1 ? "" : "s", s.port, s.follow ? ", following " : "",
			  s.follow ? netns_rundir_get() : "");
		r = serve_loop(&s);
	}
	serve_close(&s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
