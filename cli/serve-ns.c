/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns serve: the table of served namespaces and their sockets. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"

/* What the thread inside the namespace makes, and what went wrong there. */
struct listen_job {
	uint16_t port;
	bool udp;
	int tcp, udp_fd;
	bool v4only;
	const char *what; /* which socket failed */
	int err;          /* in a batch: this namespace's result */
};

/* A socket on PORT for every address: one IPv6 socket with IPV6_V6ONLY off
 * takes IPv4 too. Where IPv6 is missing (booted with ipv6.disable=1, so
 * EAFNOSUPPORT) an IPv4 socket does. Returns the fd or a negative errno. */
static int bind_any(int type, uint16_t port, bool *v4only)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, zero = 0, fd, r;

	fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		    bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
			return fd;
		r = -errno;
		close(fd);
		if (r != -EADDRNOTAVAIL && r != -EAFNOSUPPORT)
			return r;
	} else if (errno != EAFNOSUPPORT) {
		return -errno;
	}
	*v4only = true;
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a4, sizeof(a4)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Runs inside the namespace (netns_run): both sockets of a namespace come
 * from one throwaway thread, which halves the thread starts at scale. */
static int listen_here(void *p)
{
	struct listen_job *job = p;
	int r;

	job->what = "tcp";
	r = bind_any(SOCK_STREAM, job->port, &job->v4only);
	if (r < 0)
		return r;
	job->tcp = r;
	if (listen(job->tcp, SOMAXCONN) < 0)
		return -errno;
	if (!job->udp)
		return 0;
	job->what = "udp";
	r = bind_any(SOCK_DGRAM, job->port, &job->v4only);
	if (r < 0)
		return r;
	job->udp_fd = r;
	return 0;
}

/* Expands %n, %i and %% (the format was checked at start). */
static int format_message(const char *fmt, struct serve_ns *ns)
{
	char ino[24];
	size_t len = 0, cap = strlen(fmt) + 1;
	char *m;

	snprintf(ino, sizeof(ino), "%" PRIu64, ns->ino);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%' || !f[1])
			continue;
		f++;
		cap += *f == 'n' ? strlen(ns->name) : *f == 'i' ? strlen(ino) : 0;
	}
	m = malloc(cap);
	if (!m)
		return -ENOMEM;
	for (const char *f = fmt; *f; f++) {
		const char *add = NULL;

		if (*f == '%' && f[1]) {
			f++;
			add = *f == 'n' ? ns->name : *f == 'i' ? ino : "%";
		}
		if (add) {
			memcpy(m + len, add, strlen(add));
			len += strlen(add);
		} else {
			m[len++] = *f;
		}
	}
	m[len] = '\0';
	free(ns->msg);
	ns->msg = m;
	ns->msg_len = len;
	return 0;
}

static int open_ns(const char *arg, bool quiet_err)
{
	if (!quiet_err)
		return cli_open_ns(arg);
	return cli_is_path(arg) ? netns_fd_open_path(arg) : netns_fd_open_name(arg);
}

static void sock_close(struct serve *s, struct serve_sock *k)
{
	if (k->fd < 0)
		return;
	if (k->paused)
		serve_unpause(s, k);
	close(k->fd); /* also leaves the epoll set: nothing else holds it */
	k->fd = -1;
}

/* Opens NS, learns its inode and builds its message. Returns the open
 * namespace fd, or a negative errno (reported unless QUIET_ERR). */
static int ns_prepare(struct serve *s, struct serve_ns *ns, bool quiet_err)
{
	struct netns_id id;
	int fd, r;

	fd = open_ns(ns->name, quiet_err);
	if (fd < 0)
		return fd;
	r = netns_fd_id(fd, &id);
	if (r >= 0) {
		ns->ino = id.ino;
		r = format_message(s->format ? s->format : "hello from namespace %n\n", ns);
	}
	if (r < 0) {
		close(fd);
		cli_fail(ns->name, r);
		return r;
	}
	return fd;
}

/* Takes the sockets JOB made (R: its result) into the loop, or reports. */
static int ns_finish(struct serve *s, struct serve_ns *ns, const struct listen_job *job, int r)
{
	ns->tcp = (struct serve_sock){ .kind = SERVE_TCP, .fd = job->tcp, .ns = ns };
	ns->udp = (struct serve_sock){ .kind = SERVE_UDP, .fd = job->udp_fd, .ns = ns };
	ns->v4only = job->v4only;
	if (r >= 0)
		r = serve_epoll_add(s, &ns->tcp);
	if (r >= 0 && ns->udp.fd >= 0)
		r = serve_epoll_add(s, &ns->udp);
	if (r < 0) {
		sock_close(s, &ns->tcp);
		sock_close(s, &ns->udp);
		if (job->what)
			cli_failx("%s: %s port %u: %s", ns->name, job->what, s->port, strerror(-r));
		else
			cli_fail(ns->name, r);
		return r;
	}
	ns->serving = true;
	s->n_serving++;
	serve_log(s, "serving %s (inode %" PRIu64 ") on port %u%s%s", ns->name, ns->ino,
		  s->port, s->udp ? " (TCP and UDP)" : "", ns->v4only ? ", IPv4 only" : "");
	return 0;
}

#define LISTEN_JOB_INIT(s) \
	{ .port = (s)->port, .udp = (s)->udp, .tcp = -1, .udp_fd = -1, .err = -EINVAL }

int serve_ns_start(struct serve *s, struct serve_ns *ns, bool quiet_err)
{
	struct listen_job job = LISTEN_JOB_INIT(s);
	int fd, r;

	fd = ns_prepare(s, ns, quiet_err);
	if (fd < 0)
		return fd;
	r = netns_run(fd, listen_here, &job);
	close(fd);
	return ns_finish(s, ns, &job, r);
}

/* Namespaces per throwaway thread; also bounds the namespace fds held. */
#define BATCH 256

/* Runs in namespace I of a batch, on netns_run_many()'s thread. */
static int listen_at(size_t i, void *p)
{
	struct listen_job *jobs = p;

	return listen_here(&jobs[i]);
}

/* Work shared by the main thread and one helper: batches are taken in
 * turn; the loop (epoll, logs, counters) is touched only after both end. */
struct many {
	struct serve *s;
	struct serve_ns **v;
	struct listen_job *jobs;
	size_t n, next;
	bool quiet_err;
};

/*
 * A thread start costs 85-300 us on our 2-core VM and a setns 10 us, so at
 * 10,000 namespaces one netns_run() per namespace cannot have them all
 * listening within a second; netns_run_many() visits a whole batch on one
 * throwaway thread.
 */
static void *many_work(void *p)
{
	struct many *m = p;
	int fds[BATCH], ret[BATCH];
	size_t off;

	while ((off = __atomic_fetch_add(&m->next, BATCH, __ATOMIC_RELAXED)) < m->n) {
		size_t n = m->n - off < BATCH ? m->n - off : BATCH;
		struct listen_job *jobs = m->jobs + off;
		int r;

		for (size_t i = 0; i < n; i++) {
			jobs[i] = (struct listen_job)LISTEN_JOB_INIT(m->s);
			fds[i] = ns_prepare(m->s, m->v[off + i], m->quiet_err);
			m->v[off + i]->err = fds[i] < 0 ? fds[i] : 0;
		}
		r = netns_run_many(fds, n, listen_at, jobs, ret);
		for (size_t i = 0; i < n; i++) {
			if (fds[i] < 0)
				continue;
			close(fds[i]);
			jobs[i].err = r < 0 ? r : ret[i];
		}
	}
	return NULL;
}

void serve_ns_start_many(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err)
{
	struct many m = { .s = s, .v = v, .n = n, .quiet_err = quiet_err };
	pthread_t helper;
	bool helped;

	m.jobs = calloc(n, sizeof(*m.jobs));
	if (!m.jobs) {
		for (size_t i = 0; i < n; i++)
			v[i]->err = serve_ns_start(s, v[i], quiet_err);
		return;
	}
	/* A second core halves the start at 10,000 namespaces; the helper
	 * stays in our namespace (its netns_run threads switch, not it). */
	helped = n > BATCH && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
		 pthread_create(&helper, NULL, many_work, &m) == 0;
	many_work(&m);
	if (helped)
		pthread_join(helper, NULL);
	for (size_t i = 0; i < n; i++)
		if (v[i]->err == 0)
			v[i]->err = ns_finish(s, v[i], &m.jobs[i], m.jobs[i].err);
	free(m.jobs);
}

struct serve_ns *serve_ns_new(struct serve *s, const char *arg)
{
	struct serve_ns *ns;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct serve_ns **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ns->name = strdup(arg);
	if (!ns->name) {
		free(ns);
		return NULL;
	}
	ns->tcp.fd = ns->udp.fd = -1;
	s->v[s->n++] = ns;
	return ns;
}

struct serve_ns *serve_ns_find(const struct serve *s, const char *name)
{
	/* Linear: lookups happen per inotify event, not per connection. */
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->name, name) == 0)
			return s->v[i];
	return NULL;
}

void serve_ns_remove(struct serve *s, size_t i, bool log)
{
	struct serve_ns *ns = s->v[i];

	if (ns->serving) {
		s->n_serving--;
		if (log)
			serve_log(s, "stopped serving %s (inode %" PRIu64 ")", ns->name, ns->ino);
	}
	sock_close(s, &ns->tcp);
	sock_close(s, &ns->udp);
	free(ns->msg);
	free(ns->name);
	free(ns);
	s->v[i] = s->v[--s->n];
}

void serve_ns_remove_all(struct serve *s)
{
	while (s->n)
		serve_ns_remove(s, s->n - 1, false);
	free(s->v);
	s->v = NULL;
	s->cap = 0;
}
