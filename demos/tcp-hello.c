/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp-hello [-p PORT] NSPATH...: one process, one thread per namespace.
 * Each thread switches ITSELF into its namespace with setns(2) (namespaces
 * belong to threads, not processes) and serves TCP 0.0.0.0:PORT there,
 * answering "hello from namespace NSPATH\n" to every connection.
 *
 * Unlike the tutorial's original, it closes each namespace fd after setns
 * (the original held one per namespace and hit EMFILE near 6,700), keeps
 * serving when one namespace fails, listens with a full backlog, and ends
 * cleanly on SIGINT/SIGTERM. Exit status: 0 after a signal, 1 on a usage
 * error or when no namespace could be served.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"

/* Serving needs little stack; small stacks let 10,000 threads fit. */
#define STACK_SIZE (128 * 1024)
/* Descriptors kept free for accepted connections and starting threads. */
#define FD_ROOM 32

/* How many servers started or failed; main waits until all have reported. */
struct census {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned serving, failed;
};

struct server {
	const char *path;
	unsigned short port;
	struct census *census;
};

static void census_report(struct census *c, bool ok)
{
	pthread_mutex_lock(&c->lock);
	if (ok)
		c->serving++;
	else
		c->failed++;
	pthread_cond_signal(&c->done);
	pthread_mutex_unlock(&c->lock);
}

/* Switches the calling thread into PATH's namespace and returns a listening
 * socket there, or -1 after printing why. */
static int listen_in(const struct server *s)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(s->port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd, sk, r, one = 1;

	fd = netns_fd_open_path(s->path);
	r = fd < 0 ? fd : setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	/* Inside now (or failed): the handle is no longer needed. */
	if (fd >= 0)
		close(fd);
	if (fd < 0) {
		fprintf(stderr, "tcp-hello: %s: %s\n", s->path,
			fd == -EMEDIUMTYPE ? "not a network namespace" : strerror(-fd));
		return -1;
	}
	if (r < 0) {
		fprintf(stderr, "tcp-hello: setns %s: %s\n", s->path, strerror(-r));
		return -1;
	}

	fprintf(stderr, "starting a server in namespace %s\n", s->path);
	sk = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sk < 0) {
		fprintf(stderr, "tcp-hello: %s: socket: %s\n", s->path, strerror(errno));
		return -1;
	}
	if (setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(sk, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(sk, SOMAXCONN) < 0) {
		fprintf(stderr, "tcp-hello: %s: port %u: %s\n", s->path, s->port,
			strerror(errno));
		close(sk);
		return -1;
	}
	return sk;
}

static void *serve(void *arg)
{
	const struct server *s = arg;
	char msg[4200];
	int sk, n;

	n = snprintf(msg, sizeof(msg), "hello from namespace %s\n", s->path);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		fprintf(stderr, "tcp-hello: %.64s...: path too long\n", s->path);
		census_report(s->census, false);
		return NULL;
	}
	sk = listen_in(s);
	census_report(s->census, sk >= 0);
	if (sk < 0)
		return NULL;
	for (;;) {
		struct pollfd p = { .fd = sk, .events = POLLIN };
		int c;

		/* Wait in poll, not in accept: a blocked accept(2) reserves a
		 * descriptor number before it sleeps, so 10,000 waiting servers
		 * would hold 10,000 more fds and reach RLIMIT_NOFILE at half the
		 * namespaces (measured: 9,998 of 10,000 with a limit of 20,000). */
		if (poll(&p, 1, -1) < 0)
			continue;
		c = accept4(sk, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EMFILE, ENOMEM: back off instead of spinning. */
			fprintf(stderr, "tcp-hello: %s: accept: %s\n", s->path, strerror(errno));
			sleep(1);
			continue;
		}
		/* A client that hung up must not kill us with SIGPIPE. */
		if (send(c, msg, n, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
			fprintf(stderr, "tcp-hello: %s: send: %s\n", s->path, strerror(errno));
		close(c);
	}
	return NULL;
}

/* Each server holds one socket, and accepting needs a spare fd, so N
 * namespaces need N fds plus some room. The default soft limit of 1024 is
 * too low: take the hard limit, and as root (CAP_SYS_RESOURCE) raise the
 * hard limit too when even that is too low. Returns the limit in force. */
static rlim_t raise_nofile(unsigned n)
{
	rlim_t want = (rlim_t)n + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_max < want) {
		struct rlimit more = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return want;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

/* The number of fds open now (stdio and whatever we inherited). */
static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	if (!d)
		return 3;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", ".." and opendir's own */
}

static int usage(void)
{
	fprintf(stderr, "usage: tcp-hello [-p PORT] NSPATH...\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct census census = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.done = PTHREAD_COND_INITIALIZER,
	};
	unsigned long port = 5000;
	unsigned started = 0;
	rlim_t limit, room;
	struct server *servers;
	pthread_attr_t attr;
	sigset_t sigs;
	char *end;
	int c, n, sig;

	while ((c = getopt(argc, argv, "+p:h")) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno || port < 1 ||
			    port > 65535) {
				fprintf(stderr, "tcp-hello: bad port '%s'\n", optarg);
				return usage();
			}
			break;
		case 'h':
			printf("usage: tcp-hello [-p PORT] NSPATH...\n");
			return 0;
		default:
			return usage();
		}
	}
	n = argc - optind;
	if (n < 1)
		return usage();

	/* Past the limit a server could listen but never accept: leave room
	 * for connections (and for the namespace fds of starting threads). */
	limit = raise_nofile(n);
	room = limit > open_fds() + FD_ROOM ? limit - open_fds() - FD_ROOM : 0;
	/* Blocked in every thread (they inherit the mask); main takes them
	 * with sigwait, so no handler runs in a serving thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	servers = calloc(n, sizeof(*servers));
	if (!servers) {
		fprintf(stderr, "tcp-hello: %s\n", strerror(ENOMEM));
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < n; i++) {
		pthread_t t;
		int r;

		servers[i] = (struct server){ argv[optind + i], (unsigned short)port, &census };
		if ((rlim_t)i >= room) {
			fprintf(stderr, "tcp-hello: %s: not served: open-file limit %llu reached\n",
				servers[i].path, (unsigned long long)limit);
			continue;
		}
		r = pthread_create(&t, &attr, serve, &servers[i]);
		if (r) {
			fprintf(stderr, "tcp-hello: %s: no thread: %s\n", servers[i].path,
				strerror(r));
			continue;
		}
		started++;
	}
	pthread_attr_destroy(&attr);

	pthread_mutex_lock(&census.lock);
	while (census.serving + census.failed < started)
		pthread_cond_wait(&census.done, &census.lock);
	pthread_mutex_unlock(&census.lock);
	if (census.serving == 0) {
		/* Every thread has reported and none touches SERVERS again. */
		free(servers);
		fprintf(stderr, "tcp-hello: no namespace could be served\n");
		return 1;
	}
	if (census.serving < (unsigned)n)
		fprintf(stderr, "tcp-hello: serving %u of %d namespaces\n", census.serving, n);

	sigwait(&sigs, &sig);
	/* The servers wait in poll; exit ends them with the process. */
	fprintf(stderr, "tcp-hello: %s, exiting\n", strsignal(sig));
	return 0;
}
