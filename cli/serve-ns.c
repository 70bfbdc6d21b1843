/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns serve: the table of served namespaces and their sockets. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"

/* What a start makes for one namespace, and what went wrong. */
struct listen_job {
	int tcp, udp_fd;
	bool v4only;
	const char *what; /* which socket failed */
	int err;          /* this namespace's result */
};

/* Namespaces per netns_socket_many() call; also bounds the namespace fds
 * held. */
#define BATCH 256

/* Binds S, a socket of FAMILY, to PORT on every address. */
static int bind_any(int s, int family, uint16_t port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, zero = 0, r;

	/* With IPV6_V6ONLY off, an IPv6 socket takes IPv4 too. */
	if (family == AF_INET6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		return -errno;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (family == AF_INET6)
		r = bind(s, (struct sockaddr *)&a6, sizeof(a6));
	else
		r = bind(s, (struct sockaddr *)&a4, sizeof(a4));
	return r < 0 ? -errno : 0;
}

/* Sockets of FAMILY and TYPE, born in the namespaces FDS[0..N) and bound
 * here, into RET: an fd or a negative errno each. */
static void bound_many(const int *fds, size_t n, int family, int type, uint16_t port, int *ret)
{
	int r = netns_socket_many(fds, n, family, type | SOCK_NONBLOCK, 0, ret);

	for (size_t i = 0; i < n; i++) {
		int b;

		if (r < 0) {
			ret[i] = r; /* no thread */
		} else if (ret[i] >= 0 && (b = bind_any(ret[i], family, port)) < 0) {
			close(ret[i]);
			ret[i] = b;
		}
	}
}

/* One socket of TYPE on PORT for each namespace FDS[0..N) into RET: IPv6
 * where it works; where it is missing (booted with ipv6.disable=1, so
 * EAFNOSUPPORT) an IPv4 one, which sets V4ONLY. */
static void bind_ports(const int *fds, size_t n, int type, uint16_t port, int *ret,
		       bool *v4only)
{
	int fds4[BATCH], socks4[BATCH];
	size_t at[BATCH], k = 0;

	bound_many(fds, n, AF_INET6, type, port, ret);
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0 && (ret[i] == -EAFNOSUPPORT || ret[i] == -EADDRNOTAVAIL)) {
			fds4[k] = fds[i];
			at[k++] = i;
		}
	bound_many(fds4, k, AF_INET, type, port, socks4);
	for (size_t j = 0; j < k; j++) {
		ret[at[j]] = socks4[j];
		v4only[at[j]] = true;
	}
}

/* The listeners of a batch: sockets born in the namespaces FDS[0..N) by
 * netns_socket_many(), a throwaway thread per call, then bound and
 * listening here; no code of ours runs in a namespace. */
static void listen_batch(const struct serve *s, const int *fds, size_t n,
			 struct listen_job *jobs)
{
	int tcp[BATCH], udp[BATCH];
	bool v4only[BATCH] = { false };

	bind_ports(fds, n, SOCK_STREAM, s->port, tcp, v4only);
	if (s->udp)
		bind_ports(fds, n, SOCK_DGRAM, s->port, udp, v4only);
	for (size_t i = 0; i < n; i++) {
		struct listen_job *job = &jobs[i];

		if (fds[i] < 0)
			continue;
		*job = (struct listen_job){ .tcp = tcp[i] < 0 ? -1 : tcp[i], .udp_fd = -1,
					    .v4only = v4only[i] };
		if (s->udp)
			job->udp_fd = udp[i] < 0 ? -1 : udp[i];
		if (tcp[i] < 0 || listen(tcp[i], SOMAXCONN) < 0) {
			job->what = "tcp";
			job->err = tcp[i] < 0 ? tcp[i] : -errno;
		} else if (s->udp && udp[i] < 0) {
			job->what = "udp";
			job->err = udp[i];
		}
	}
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

/* Opens ARG. Errors are reported (unless QUIET_ERR), but never a want of
 * fds: the caller makes the namespace wait for them. */
static int open_ns(const char *arg, bool quiet_err)
{
	int fd = cli_is_path(arg) ? netns_fd_open_path(arg) : netns_fd_open_name(arg);
	int again;

	if (fd >= 0 || fd == -EMFILE || fd == -ENFILE || quiet_err)
		return fd;
	/* cli_open_ns() owns the wording of these errors; it opens again. */
	again = cli_open_ns(arg);
	if (again >= 0) {
		close(again); /* it came into being meanwhile: report the first try */
		cli_fail(arg, fd);
	}
	return fd;
}

static void sock_close(struct serve *s, struct serve_sock *k)
{
	if (k->fd < 0)
		return;
	if (k->paused)
		serve_unpause(s, k);
	close(k->fd); /* also leaves the epoll set: nothing else holds it */
	k->fd = -1;
	s->n_socks--;
}

/* Hands the socket FROM to TO, of NS, keeping its place in the loop. */
static void sock_move(struct serve *s, struct serve_sock *from, struct serve_sock *to,
		      struct serve_ns *ns)
{
	*to = (struct serve_sock){ .kind = from->kind, .fd = from->fd, .ns = ns };
	if (from->fd < 0)
		return;
	if (from->paused) {
		serve_unpause(s, from);
		to->paused = true;
		to->next = s->paused;
		s->paused = to;
	} else {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = to };

		/* Cannot fail: the fd is in the set, and MOD allocates nothing. */
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, to->fd, &ev);
	}
	from->fd = -1;
}

/* Opens NS and builds its message. Returns the open namespace fd, or a
 * negative errno (reported unless QUIET_ERR, or a want of fds). Runs on
 * the helper thread too: touches nothing but NS. */
static int ns_prepare(struct serve *s, struct serve_ns *ns, bool quiet_err)
{
	struct netns_id id;
	int fd, r;

	fd = open_ns(ns->name, quiet_err);
	if (fd < 0)
		return fd;
	r = netns_fd_id(fd, &id);
	if (r >= 0) {
		/* A claimed identity is a key in serve.ids: never changed here. */
		if (!ns->claimed) {
			ns->dev = id.dev;
			ns->ino = id.ino;
		}
		r = format_message(s->format ? s->format : "hello from namespace %n\n", ns);
	}
	if (r < 0) {
		close(fd);
		cli_fail(ns->name, r);
		return r;
	}
	return fd;
}

/* Takes the sockets JOB made (R: its result) into the loop, or reports. A
 * want of fds is not reported: the namespace waits for them. */
static int ns_finish(struct serve *s, struct serve_ns *ns, const struct listen_job *job, int r)
{
	ns->tcp = (struct serve_sock){ .kind = SERVE_TCP, .fd = job->tcp, .ns = ns };
	ns->udp = (struct serve_sock){ .kind = SERVE_UDP, .fd = job->udp_fd, .ns = ns };
	ns->v4only = job->v4only;
	s->n_socks += (ns->tcp.fd >= 0) + (ns->udp.fd >= 0);
	if (r >= 0)
		r = serve_epoll_add(s, &ns->tcp);
	if (r >= 0 && ns->udp.fd >= 0)
		r = serve_epoll_add(s, &ns->udp);
	if (r < 0) {
		sock_close(s, &ns->tcp);
		sock_close(s, &ns->udp);
		if (r == -EMFILE || r == -ENFILE)
			return r;
		if (job->what)
			cli_failx("%s: %s port %u: %s", ns->name, job->what, s->port, strerror(-r));
		else
			cli_fail(ns->name, r);
		return r;
	}
	ns->state = SERVE_NS_SERVING;
	s->n_serving++;
	serve_log(s, "serving %s (inode %" PRIu64 ") on port %u%s%s", ns->name, ns->ino,
		  s->port, s->udp ? " (TCP and UDP)" : "", ns->v4only ? ", IPv4 only" : "");
	return 0;
}

/* Fds a start leaves free: one for accept(), the others for the run
 * directory and a namespace file that the watch opens. */
#define FDS_RESERVE 4

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
 * 10,000 namespaces a thread per namespace cannot have them all listening
 * within a second; netns_socket_many() visits a whole batch on one
 * throwaway thread.
 */
static void *many_work(void *p)
{
	struct many *m = p;
	int fds[BATCH];
	size_t off;

	while ((off = __atomic_fetch_add(&m->next, BATCH, __ATOMIC_RELAXED)) < m->n) {
		size_t n = m->n - off < BATCH ? m->n - off : BATCH;

		for (size_t i = 0; i < n; i++) {
			fds[i] = ns_prepare(m->s, m->v[off + i], m->quiet_err);
			m->v[off + i]->err = fds[i] < 0 ? fds[i] : 0;
		}
		listen_batch(m->s, fds, n, m->jobs + off);
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	return NULL;
}

static bool helper_wanted(size_t n)
{
	return n > BATCH && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

/* One round: every namespace of V[0..N) at once. */
static void start_round(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err)
{
	struct many m = { .s = s, .v = v, .n = n, .quiet_err = quiet_err };
	pthread_t helper;
	bool helped;

	m.jobs = calloc(n, sizeof(*m.jobs));
	if (!m.jobs) {
		cli_fail("listeners", -ENOMEM);
		for (size_t i = 0; i < n; i++)
			v[i]->err = -ENOMEM;
		return;
	}
	/* A second core halves the start at 10,000 namespaces; the helper
	 * stays in our namespace (netns_socket_many's threads switch). */
	helped = helper_wanted(n) && pthread_create(&helper, NULL, many_work, &m) == 0;
	many_work(&m);
	if (helped)
		pthread_join(helper, NULL);
	for (size_t i = 0; i < n; i++)
		if (v[i]->err == 0)
			v[i]->err = ns_finish(s, v[i], &m.jobs[i], m.jobs[i].err);
	free(m.jobs);
}

size_t serve_fds_free(const struct serve *s)
{
	size_t used = s->fds_base + s->n_socks + FDS_RESERVE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return SIZE_MAX;
	return rl.rlim_cur > used ? rl.rlim_cur - used : 0;
}

static bool fd_short(int err)
{
	return err == -EMFILE || err == -ENFILE;
}

/*
 * While a round runs it holds a namespace fd per namespace of its batches
 * on top of the listeners it makes. When all of V does not fit, a round
 * takes what fits with the namespace fds counted in, then the next round
 * what fits of the rest, and so on (each about half the last), so that a
 * low limit fills up with listeners instead of namespace fds (issue 9).
 */
void serve_ns_start_many(struct serve *s, struct serve_ns **v, size_t n, bool quiet_err)
{
	size_t per = s->udp ? 2 : 1; /* listeners per namespace */

	while (n) {
		size_t room = serve_fds_free(s), batches = BATCH * (helper_wanted(n) ? 2 : 1);
		size_t held = n < batches ? n : batches, k;
		bool short_of_fds = false;

		k = held <= room && n <= (room - held) / per ? n : room / (per + 1);
		if (k == 0)
			break;
		start_round(s, v, k, quiet_err);
		for (size_t i = 0; i < k; i++)
			short_of_fds |= fd_short(v[i]->err);
		v += k;
		n -= k;
		if (short_of_fds)
			break; /* the count was off, or the system is out (ENFILE) */
	}
	for (size_t i = 0; i < n; i++)
		v[i]->err = -EMFILE; /* not tried: waits */
}

static int id_cmp(const void *a, const void *b)
{
	const struct serve_ns *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

bool serve_ns_stat(const struct serve *s, const struct serve_ns *ns, uint64_t *ret_dev,
		   uint64_t *ret_ino)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	if (cli_is_path(ns->name)) {
		r = stat(ns->name, &st);
	} else {
		if (netns_name_check(ns->name) < 0)
			return false;
		r = snprintf(path, sizeof(path), "%s/%s", netns_rundir_get(), ns->name);
		if (r < 0 || (size_t)r >= sizeof(path))
			return false;
		r = fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
	}
	/* Every namespace file, of any type, lives on the one nsfs. */
	if (r < 0 || (uint64_t)st.st_dev != s->nsfs_dev)
		return false;
	*ret_dev = st.st_dev;
	*ret_ino = st.st_ino;
	return true;
}

bool serve_ns_claim(struct serve *s, struct serve_ns *ns)
{
	struct serve_ns **node = tsearch(ns, &s->ids, id_cmp);

	/* Out of memory: serve it unclaimed. A second name of it would then
	 * fail with EADDRINUSE, which is reported. */
	if (!node || *node == ns) {
		ns->claimed = node != NULL;
		return true;
	}
	ns->state = SERVE_NS_ALIAS;
	ns->owner = *node;
	ns->owner->n_aliases++;
	ns->announced = false;
	s->n_unannounced++;
	return false;
}

void serve_ns_unclaim(struct serve *s, struct serve_ns *ns)
{
	if (!ns->claimed)
		return;
	tdelete(ns, &s->ids, id_cmp);
	ns->claimed = false;
}

void serve_ns_announce(struct serve *s)
{
	for (size_t i = 0; i < s->n && s->n_unannounced; i++) {
		struct serve_ns *ns = s->v[i];

		if (ns->state != SERVE_NS_ALIAS || ns->announced)
			continue;
		ns->announced = true;
		s->n_unannounced--;
		serve_log(s, "%s: same namespace as %s (inode %" PRIu64 "), served as %s",
			  ns->name, ns->owner->name, ns->ino, ns->owner->name);
	}
}

/* serve.names holds entries, whose first member is the name; a key is a
 * pointer to a name. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
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
	if (!tsearch(ns, &s->names, name_cmp)) {
		free(ns->name);
		free(ns);
		return NULL;
	}
	ns->tcp.fd = ns->udp.fd = -1;
	ns->state = SERVE_NS_NEW;
	ns->idx = s->n;
	s->v[s->n++] = ns;
	return ns;
}

struct serve_ns *serve_ns_find(const struct serve *s, const char *name)
{
	struct serve_ns **node = tfind(&name, &s->names, name_cmp);

	return node ? *node : NULL;
}

/* An alias of NS, the first in the table, or NULL. */
static struct serve_ns *alias_of(const struct serve *s, const struct serve_ns *ns)
{
	if (!ns->n_aliases)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->state == SERVE_NS_ALIAS && s->v[i]->owner == ns)
			return s->v[i];
	return NULL;
}

/* HEIR, an alias of NS, becomes the owner of their namespace in its place:
 * the claim, the other aliases and, when NS serves, its sockets pass on,
 * so the namespace is served on without a gap. */
static void hand_over(struct serve *s, struct serve_ns *ns, struct serve_ns *heir)
{
	struct serve_ns **node = ns->claimed ? tfind(ns, &s->ids, id_cmp) : NULL;

	if (node)
		*node = heir; /* the same key */
	heir->claimed = node != NULL;
	ns->claimed = false;
	if (!heir->announced)
		s->n_unannounced--;
	heir->owner = NULL;
	heir->n_aliases = ns->n_aliases - 1;
	ns->n_aliases = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->state == SERVE_NS_ALIAS && s->v[i]->owner == ns)
			s->v[i]->owner = heir;
	heir->state = ns->state;
	if (ns->state != SERVE_NS_SERVING)
		return;
	sock_move(s, &ns->tcp, &heir->tcp, heir);
	sock_move(s, &ns->udp, &heir->udp, heir);
	heir->v4only = ns->v4only;
	/* %n is the first name still there; keep the old text if out of memory. */
	if (format_message(s->format ? s->format : "hello from namespace %n\n", heir) < 0) {
		heir->msg = ns->msg;
		heir->msg_len = ns->msg_len;
		ns->msg = NULL;
	}
	serve_log(s, "serving %s (inode %" PRIu64 ") on port %u: %s is gone", heir->name,
		  heir->ino, s->port, ns->name);
}

void serve_ns_remove(struct serve *s, size_t i, bool log)
{
	struct serve_ns *ns = s->v[i], *heir = alias_of(s, ns);

	if (heir) {
		hand_over(s, ns, heir);
	} else if (ns->state == SERVE_NS_SERVING) {
		s->n_serving--;
		s->fds_freed = true;
		if (log)
			serve_log(s, "stopped serving %s (inode %" PRIu64 ")", ns->name, ns->ino);
	} else if (ns->state == SERVE_NS_FD_WAIT) {
		s->n_fd_wait--;
	} else if (ns->state == SERVE_NS_ALIAS) {
		ns->owner->n_aliases--;
		if (!ns->announced)
			s->n_unannounced--;
	}
	serve_ns_unclaim(s, ns);
	tdelete(ns, &s->names, name_cmp);
	sock_close(s, &ns->tcp);
	sock_close(s, &ns->udp);
	free(ns->msg);
	free(ns->name);
	free(ns);
	s->v[i] = s->v[--s->n];
	if (i < s->n)
		s->v[i]->idx = i;
}

void serve_ns_drop(struct serve *s, struct serve_ns *ns)
{
	for (size_t i = 0; ns->n_aliases && i < s->n;) {
		struct serve_ns *a = s->v[i];

		if (a->state != SERVE_NS_ALIAS || a->owner != ns) {
			i++;
			continue;
		}
		cli_failx("%s: same namespace as %s: not served either", a->name, ns->name);
		serve_ns_remove(s, i, false); /* moves the last entry to I */
	}
	serve_ns_remove(s, ns->idx, false);
}

static void no_free(void *p)
{
	(void)p;
}

void serve_ns_remove_all(struct serve *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct serve_ns *ns = s->v[i];

		sock_close(s, &ns->tcp);
		sock_close(s, &ns->udp);
		free(ns->msg);
		free(ns->name);
		free(ns);
	}
	tdestroy(s->ids, no_free);
	s->ids = NULL;
	tdestroy(s->names, no_free);
	s->names = NULL;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
