/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loadgen: a TCP client for "hello" servers in many namespaces, from one
 * process and one thread. Client sockets are created inside each namespace
 * (netns_socket, or netns_run for a batch), so one process reaches them all.
 *
 *   loadgen [-p PORT] [-c INFLIGHT] [-n CONNS] [-w SECS] [-6] -f LIST [-S -- CMD ARGS...]
 *   loadgen [options] NSPATH...
 *
 * 1. Probe: one connection per namespace, in list order, PROBE_WINDOW at a
 *    time, each retried 1 ms after a refusal until every namespace answered "hello from namespace NSPATH" (newline optional) or
 *    -w SECS passed. With -S, CMD (with the namespace paths appended) is
 *    started right after the probe sockets are made, and listen_ms is the time
 *    from its start until the last namespace first completed a handshake
 *    (the kernel does that for a listening socket, so the server's speed at
 *    replying does not count).
 * 2. Load: CONNS connections (default 20000) round-robin over the
 *    namespaces that answered, INFLIGHT (default 64) at a time, each reply
 *    read and checked; the client sockets are made beforehand, one thread
 *    start per namespace, so cps measures the server, not socket creation.
 * 3. With -S: samples VmRSS and Threads of CMD after the probe, VmHWM at the
 *    end, then stops it with SIGTERM.
 *
 * Prints one line: n= answered= listen_ms= rss_kb= hwm_kb= threads= conns=
 * errors= cps= cpu_us= (the server's CPU time per connection in the load
 * phase) exit=. Exit status 0 when every namespace answered and the
 * load phase had no error, 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"

#define REPLY_MAX 1024
#define CONN_TIMEOUT_NS 2000000000ull
#define RETRY_NS 1000000ull
/* Probes open at once: the lowest namespaces not answered yet. Servers come
 * up in list order, so a small window follows them closely without
 * flooding refused connects that would steal the CPU they start on. */
#define PROBE_WINDOW 32

struct target {
	char *path;
	char *expect; /* "hello from namespace PATH" */
	size_t expect_len;
	int probe;    /* the probe socket, reconnected after each refusal */
	bool answered;
	uint64_t not_before;
	uint64_t listening; /* when a probe's handshake first completed */
	int *pool; /* load-phase sockets, made before the clock starts */
	int n_pool;
};

struct conn {
	int fd;
	struct target *t;
	uint64_t deadline;
	bool connected;
	size_t len;
	char buf[REPLY_MAX];
};

struct gen {
	int port, inflight;
	bool v6;
	struct target *t;
	size_t n;
	int epfd;
	struct conn *slots;
	int *free_slots, n_slots, cap; /* cap: slots allocated */
	int busy;
	int connecting; /* probes whose handshake has not completed */
	size_t answered;
	struct target *waiting[PROBE_WINDOW]; /* refused probes, to retry */
	size_t n_waiting, failed;
	unsigned long conns, errors;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* The server started with -S, killed by die() too. */
static pid_t server_pid;

static __attribute__((noreturn)) void die(const char *what, int err)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(err));
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	exit(1);
}

static void target_add(struct gen *g, const char *path)
{
	struct target *t;

	g->t = realloc(g->t, (g->n + 1) * sizeof(*g->t));
	if (!g->t)
		die("targets", ENOMEM);
	t = &g->t[g->n++];
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	if (!t->path || asprintf(&t->expect, "hello from namespace %s", path) < 0)
		die("targets", ENOMEM);
	t->expect_len = strlen(t->expect);
	t->probe = -1;
}

static void targets_read(struct gen *g, const char *file)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		die(file, errno);
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len)
			target_add(g, line);
	}
	free(line);
	fclose(f);
}

/* Probing keeps a socket per namespace, loading a batch more. */
static void raise_nofile(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_max < want) {
		struct rlimit more = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int connect_to(const struct gen *g, int fd)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(g->port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(g->port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	if (g->v6)
		return connect(fd, (struct sockaddr *)&a6, sizeof(a6));
	return connect(fd, (struct sockaddr *)&a4, sizeof(a4));
}

struct pool_job {
	int domain, n, *fds;
};

/* Runs inside the namespace: all its load sockets from one thread start. */
static int pool_here(void *p)
{
	struct pool_job *job = p;

	for (int i = 0; i < job->n; i++) {
		job->fds[i] = socket(job->domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (job->fds[i] < 0) {
			int err = -errno;

			while (i--)
				close(job->fds[i]);
			return err;
		}
	}
	return 0;
}

static int pool_fill(struct gen *g, struct target *t, int n)
{
	struct pool_job job = { g->v6 ? AF_INET6 : AF_INET, n, NULL };
	int nsfd, r;

	t->pool = job.fds = calloc(n, sizeof(int));
	if (!t->pool)
		return -ENOMEM;
	nsfd = netns_fd_open_path(t->path);
	if (nsfd < 0)
		return nsfd;
	r = netns_run(nsfd, pool_here, &job);
	close(nsfd);
	if (r < 0)
		return r;
	t->n_pool = n;
	return 0;
}

/* Starts a connection on FD (for T) in a free slot. */
static void conn_start(struct gen *g, struct target *t, int fd, bool probing)
{
	/* A probe also wants to see its handshake complete (EPOLLOUT). */
	struct epoll_event ev = { .events = probing ? EPOLLIN | EPOLLOUT : EPOLLIN };
	struct conn *c;

	if (!g->n_slots)
		die("no free slot", EBUSY); /* callers check busy < inflight */
	c = &g->slots[g->free_slots[--g->n_slots]];
	c->fd = fd;
	c->t = t;
	c->len = 0;
	c->connected = !probing;
	g->connecting += probing;
	c->deadline = now_ns() + CONN_TIMEOUT_NS;
	ev.data.ptr = c;
	g->busy++;
	if ((connect_to(g, fd) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		c->deadline = 0; /* fails at the next sweep */
}

/* Reads what is there. 1: a complete, correct reply; 0: more to come;
 * -ECONNREFUSED and friends: failed; -EBADMSG: a wrong reply. */
static int conn_read(struct conn *c)
{
	for (;;) {
		ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

		if (r < 0)
			return errno == EAGAIN ? 0 : errno == EINTR ? 0 : -errno;
		if (r == 0)
			break;
		c->len += (size_t)r;
		if (c->len == sizeof(c->buf))
			return -EBADMSG;
	}
	if (c->len && c->buf[c->len - 1] == '\n')
		c->len--;
	if (c->len != c->t->expect_len || memcmp(c->buf, c->t->expect, c->len) != 0)
		return c->len ? -EBADMSG : -ECONNRESET;
	return 1;
}

/* Ends connection C with result R. A refused probe is rearmed for a retry;
 * every other socket is closed. */
static void conn_end(struct gen *g, struct conn *c, int r, bool probing)
{
	struct target *t = c->t;
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	epoll_ctl(g->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	g->busy--;
	if (probing && !c->connected)
		g->connecting--;
	if (probing) {
		if (r == 1) {
			t->answered = true;
			g->answered++;
			close(c->fd);
			t->probe = -1;
		} else if (r == -EBADMSG) {
			fprintf(stderr, "loadgen: %s: wrong reply '%.*s'\n", t->path, (int)c->len,
				c->buf);
			g->errors++;
			g->failed++;
			close(c->fd);
			t->probe = -1;
		} else {
			/* Not listening yet: disconnect (AF_UNSPEC) so the same
			 * socket can connect again, and queue it. */
			connect(c->fd, &unspec, sizeof(unspec));
			t->not_before = now_ns() + RETRY_NS;
			g->waiting[g->n_waiting++] = t;
		}
	} else {
		close(c->fd);
		if (r == 1)
			g->conns++;
		else
			g->errors++;
	}
	c->fd = -1;
	g->free_slots[g->n_slots++] = (int)(c - g->slots);
}

/* One round of events; ends timed-out connections. */
static void pump(struct gen *g, int timeout_ms, bool probing)
{
	struct epoll_event ev[256];
	int n = epoll_wait(g->epfd, ev, 256, timeout_ms);
	uint64_t now;

	for (int i = 0; i < n; i++) {
		struct conn *c = ev[i].data.ptr;
		int r;

		if (!c->connected && (ev[i].events & EPOLLOUT) &&
		    !(ev[i].events & (EPOLLERR | EPOLLHUP))) {
			/* The handshake is the kernel's: it proves a listener
			 * without waiting for the server to get round to us. */
			struct epoll_event in = { .events = EPOLLIN, .data.ptr = c };

			c->connected = true;
			if (probing) {
				g->connecting--;
				if (!c->t->listening)
					c->t->listening = now_ns();
			}
			epoll_ctl(g->epfd, EPOLL_CTL_MOD, c->fd, &in);
		}
		r = conn_read(c);

		if (r == 0 && (ev[i].events & (EPOLLERR | EPOLLHUP)))
			r = -ECONNRESET;
		if (r != 0)
			conn_end(g, c, r, probing);
	}
	now = now_ns();
	for (int i = 0; i < g->cap; i++)
		if (g->slots[i].fd >= 0 && g->slots[i].deadline < now)
			conn_end(g, &g->slots[i], -ETIMEDOUT, probing);
}

/* Phase 1: every namespace once, in list order, retried until it answers;
 * returns when all did or at DEADLINE. */
static void probe(struct gen *g, uint64_t deadline)
{
	size_t next = 0;

	while (g->answered + g->failed < g->n && now_ns() < deadline) {
		uint64_t now = now_ns();

		for (size_t i = 0; i < g->n_waiting;) {
			struct target *t = g->waiting[i];

			if (t->not_before > now) {
				i++;
				continue;
			}
			g->waiting[i] = g->waiting[--g->n_waiting];
			conn_start(g, t, t->probe, true);
		}
		/* The window is for finding listeners: a probe leaves it at
		 * its handshake, and its reply is awaited outside it. */
		while (next < g->n && g->connecting + (int)g->n_waiting < PROBE_WINDOW &&
		       g->n_slots)
			conn_start(g, &g->t[next], g->t[next].probe, true), next++;
		pump(g, 1, true);
	}
	/* Give up on what is still in flight or queued. */
	for (int i = 0; i < g->cap; i++)
		if (g->slots[i].fd >= 0)
			conn_end(g, &g->slots[i], -ETIMEDOUT, true);
	for (size_t i = 0; i < g->n; i++)
		if (g->t[i].probe >= 0) {
			close(g->t[i].probe);
			g->t[i].probe = -1;
		}
}

static size_t fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 256)
		return 128;
	return rl.rlim_cur > 1 << 20 ? 1 << 20 : (size_t)rl.rlim_cur - 128;
}

/* Phase 2: TOTAL connections round-robin over the namespaces that
 * answered. Their sockets are made first, in rounds that fit the fd limit,
 * and the clock runs only while connecting, reading and closing. Returns
 * the seconds on the clock. */
static double load(struct gen *g, unsigned long total)
{
	size_t n_ok = g->answered, per, next = 0, budget = fd_budget();
	uint64_t timed = 0;

	if (!n_ok)
		return 0;
	while (total) {
		unsigned long round;
		uint64_t start;

		per = (total + n_ok - 1) / n_ok;
		if (per > budget / n_ok)
			per = budget / n_ok ? budget / n_ok : 1;
		round = per * n_ok < total ? per * n_ok : total;
		for (size_t i = 0; i < g->n; i++) {
			int r;

			if (!g->t[i].answered)
				continue;
			r = pool_fill(g, &g->t[i], (int)per);
			if (r < 0)
				die(g->t[i].path, -r);
		}
		start = now_ns();
		for (unsigned long done = 0; done < round || g->busy;) {
			while (done < round && g->busy < g->inflight) {
				struct target *t;

				do {
					t = &g->t[next];
					next = (next + 1) % g->n;
				} while (!t->answered || !t->n_pool);
				conn_start(g, t, t->pool[--t->n_pool], false);
				done++;
			}
			pump(g, 10, false);
		}
		timed += now_ns() - start;
		total -= round;
		for (size_t i = 0; i < g->n; i++) {
			while (g->t[i].n_pool)
				close(g->t[i].pool[--g->t[i].n_pool]);
			free(g->t[i].pool);
			g->t[i].pool = NULL;
		}
	}
	return (double)timed / 1e9;
}

static uint64_t last_listening(const struct gen *g)
{
	uint64_t last = 0;

	for (size_t i = 0; i < g->n; i++)
		if (g->t[i].listening > last)
			last = g->t[i].listening;
	return last;
}

static pid_t spawn(char **cmd, const struct gen *g)
{
	size_t argc = 0;
	char **argv;
	pid_t pid;

	while (cmd[argc])
		argc++;
	argv = calloc(argc + g->n + 1, sizeof(*argv));
	if (!argv)
		die("spawn", ENOMEM);
	memcpy(argv, cmd, argc * sizeof(*argv));
	for (size_t i = 0; i < g->n; i++)
		argv[argc + i] = g->t[i].path;
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	free(argv);
	return pid;
}

/* Reads FIELD (in kB or a count) from /proc/PID/status; -1 if absent. */
static long proc_status(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* CPU time (user + system, all threads) of PID so far, in seconds. */
static double proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "(comm)": state is field 3, utime 14, stime 15. */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* SIGTERM, then up to 5 s, then SIGKILL. Returns the exit status or 128+sig. */
static int stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 128 + SIGKILL;
}

int main(int argc, char **argv)
{
	struct gen g = { .port = 5000, .inflight = 64 };
	double wait = 10, took, cpu;
	unsigned long total = 20000;
	const char *list = NULL;
	bool spawn_cmd = false;
	long rss = -1, hwm = -1, threads = -1;
	int c, status = -1;
	pid_t pid = 0;
	uint64_t t0;

	while ((c = getopt(argc, argv, "+p:c:n:w:f:6Sh")) != -1) {
		switch (c) {
		case 'p':
			g.port = atoi(optarg);
			break;
		case 'c':
			g.inflight = atoi(optarg);
			break;
		case 'n':
			total = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			wait = atof(optarg);
			break;
		case 'f':
			list = optarg;
			break;
		case '6':
			g.v6 = true;
			break;
		case 'S':
			spawn_cmd = true;
			break;
		default:
			fprintf(stderr, "usage: loadgen [-p PORT] [-c INFLIGHT] [-n CONNS] [-w SECS] "
					"[-6] {-f LIST [-S -- CMD...] | NSPATH...}\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (list)
		targets_read(&g, list);
	if (!spawn_cmd)
		for (int i = optind; i < argc; i++)
			target_add(&g, argv[i]);
	if (!g.n || g.port < 1 || g.port > 65535 || g.inflight < 1 ||
	    (spawn_cmd && optind >= argc)) {
		fprintf(stderr, "loadgen: need namespaces, a port, and with -S a command\n");
		return 2;
	}
	raise_nofile(2 * g.n + total + (size_t)g.inflight + 256);
	g.epfd = epoll_create1(EPOLL_CLOEXEC);
	/* Slots for a probe in every namespace, at worst. */
	g.cap = (int)g.n + PROBE_WINDOW > g.inflight ? (int)g.n + PROBE_WINDOW : g.inflight;
	g.slots = calloc(g.cap, sizeof(*g.slots));
	g.free_slots = calloc(g.cap, sizeof(int));
	if (g.epfd < 0 || !g.slots || !g.free_slots)
		die("setup", errno ? errno : ENOMEM);
	for (int i = g.cap - 1; i >= 0; i--) {
		g.slots[i].fd = -1;
		g.free_slots[g.n_slots++] = i;
	}

	/* Probe sockets first, so the clock below times only the server. */
	for (size_t i = 0; i < g.n; i++) {
		int nsfd = netns_fd_open_path(g.t[i].path);

		if (nsfd < 0)
			die(g.t[i].path, -nsfd);
		g.t[i].probe = netns_socket(nsfd, g.v6 ? AF_INET6 : AF_INET,
					    SOCK_STREAM | SOCK_NONBLOCK, 0);
		close(nsfd);
		if (g.t[i].probe < 0)
			die(g.t[i].path, -g.t[i].probe);
	}
	t0 = now_ns();
	if (spawn_cmd)
		server_pid = pid = spawn(argv + optind, &g);
	probe(&g, t0 + (uint64_t)(wait * 1e9));
	if (pid) {
		rss = proc_status(pid, "VmRSS");
		threads = proc_status(pid, "Threads");
	}
	cpu = pid ? proc_cpu(pid) : 0;
	took = load(&g, total);
	if (pid) {
		cpu = proc_cpu(pid) - cpu;
		hwm = proc_status(pid, "VmHWM");
		status = stop(pid);
	}
	printf("n=%zu answered=%zu listen_ms=%.0f rss_kb=%ld hwm_kb=%ld threads=%ld "
	       "conns=%lu errors=%lu cps=%.0f cpu_us=%.1f exit=%d\n",
	       g.n, g.answered,
	       g.answered == g.n ? (double)(last_listening(&g) - t0) / 1e6 : -1.0, rss, hwm,
	       threads, g.conns, g.errors, took > 0 ? (double)g.conns / took : 0.0,
	       g.conns ? cpu * 1e6 / (double)g.conns : 0.0, status);
	fflush(stdout);
	for (size_t i = 0; i < g.n; i++) {
		free(g.t[i].path);
		free(g.t[i].expect);
		free(g.t[i].pool);
	}
	free(g.t);
	free(g.slots);
	free(g.free_slots);
	close(g.epfd);
	return g.answered == g.n && g.errors == 0 ? 0 : 1;
}
