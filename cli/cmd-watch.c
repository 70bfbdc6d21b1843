/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns watch: network-namespace events of threads as they happen, from eBPF
 * (watch/): a thread entering a namespace other than its process's and
 * returning, a thread or process made by a switched thread (the bug of CNI
 * issue 262 and Go issue 20676, which `netns threads`, a snapshot, misses
 * when the switch lasts a millisecond), a switched thread exiting or
 * exec'ing. Until SIGINT or SIGTERM, or until every PID given is gone; then
 * a summary.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "watch.h"

static const char *const kind_names[] = {
	[WATCH_ENTER] = "enter", [WATCH_RETURN] = "return", [WATCH_CLONE] = "clone",
	[WATCH_EXIT] = "exit",	 [WATCH_EXEC] = "exec",
};

/* Distinct TIDs seen entering, for the summary: open addressing, grown at
 * half full. TIDs are never 0. */
struct tid_set {
	__u32 *v;
	size_t n, cap;
};

static int tid_set_add(struct tid_set *s, __u32 tid)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		__u32 *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				for (size_t k = s->v[i] % cap;; k = (k + 1) % cap)
					if (!v[k]) {
						v[k] = s->v[i];
						break;
					}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	for (size_t k = tid % s->cap;; k = (k + 1) % s->cap) {
		if (s->v[k] == tid)
			return 0;
		if (!s->v[k]) {
			s->v[k] = tid;
			s->n++;
			return 1;
		}
	}
}

struct watch_run {
	struct cli_ns_names names;
	dev_t nsfs_dev;
	time_t names_loaded; /* CLOCK_MONOTONIC seconds */
	long long realtime_offset_ns;
	struct tid_set switching;
	unsigned long long events, clones;
};

/* The names of namespace INO; the map is read again, at most once a second,
 * when INO has none: the namespace may have been named since. */
static size_t ns_names(struct watch_run *run, __u32 ino, const struct cli_ns_name **ret)
{
	struct netns_id id = { .dev = run->nsfs_dev, .ino = ino };
	struct timespec now;
	size_t n = cli_ns_names_find(&run->names, &id, ret);

	if (n || !ino)
		return n;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec == run->names_loaded)
		return 0;
	run->names_loaded = now.tv_sec;
	cli_ns_names_free(&run->names);
	if (cli_ns_names_load(&run->names) < 0)
		cli_ns_names_free(&run->names);
	return cli_ns_names_find(&run->names, &id, ret);
}

/* "a,b" or "[inode]", as netns threads names namespaces. */
static void ns_print(struct watch_run *run, __u32 ino)
{
	const struct cli_ns_name *e;
	size_t n = ns_names(run, ino, &e);

	if (!n)
		printf("[%u]", ino);
	for (size_t i = 0; i < n; i++)
		printf("%s%s%s%s", i ? "," : "", cli_color_seq(CLI_COLOR_NAME), e[i].name,
		       cli_color_seq(CLI_COLOR_OFF));
}

static json_t *ns_json(struct watch_run *run, __u32 ino)
{
	const struct cli_ns_name *e;
	size_t n = ns_names(run, ino, &e);
	json_t *names = json_array();

	if (!names)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(names, cli_json_string(e[i].name)) < 0) {
			json_decref(names);
			return NULL;
		}
	return json_pack("{s:I, s:o}", "inode", (json_int_t)ino, "names", names);
}

static void time_text(const struct watch_run *run, __u64 mono, char *buf, size_t len, bool iso)
{
	long long ns = (long long)mono + run->realtime_offset_ns;
	time_t sec = ns / 1000000000;
	struct tm tm;
	char day[32];

	if (iso) {
		gmtime_r(&sec, &tm);
		strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%06lldZ", day, ns % 1000000000 / 1000);
	} else {
		localtime_r(&sec, &tm);
		strftime(day, sizeof(day), "%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%06lld", day, ns % 1000000000 / 1000);
	}
}

static int event_json(struct watch_run *run, const struct watch_event *e, const char *comm)
{
	char when[64];
	json_t *o;

	time_text(run, e->time_ns, when, sizeof(when), true);
	o = json_pack("{s:s, s:s, s:i, s:i, s:o, s:o, s:o}", "time", when, "event",
		      kind_names[e->kind], "pid", (int)e->pid, "tid", (int)e->tid, "comm",
		      cli_json_string(comm), "ns", ns_json(run, e->ns), "process_ns",
		      ns_json(run, e->process_ns));
	if (!o)
		return -ENOMEM;
	if (e->kind == WATCH_ENTER || e->kind == WATCH_RETURN)
		json_object_set_new(o, "from", ns_json(run, e->from));
	if (e->kind == WATCH_CLONE)
		json_object_set_new(o, "child",
				    json_pack("{s:i, s:i, s:b, s:o}", "pid", (int)e->child_pid,
					      "tid", (int)e->child_tid, "thread",
					      (int)e->child_thread, "ns",
					      ns_json(run, e->child_ns)));
	if (e->kind == WATCH_EXEC)
		json_object_set_new(o, "old_tid", json_integer(e->old_tid));
	return cli_json_print(o) == EXIT_OK ? 0 : -EIO;
}

static void event_text(struct watch_run *run, const struct watch_event *e, const char *comm)
{
	char when[64];

	time_text(run, e->time_ns, when, sizeof(when), false);
	printf("%s %-6s %d/%d %s ", when, kind_names[e->kind], (int)e->pid, (int)e->tid, comm);
	switch (e->kind) {
	case WATCH_ENTER:
	case WATCH_RETURN:
		ns_print(run, e->from);
		fputs(" -> ", stdout);
		ns_print(run, e->ns);
		break;
	case WATCH_CLONE:
		fputs("in ", stdout);
		ns_print(run, e->ns);
		printf(" made %s%s %d/%d%s in ", cli_color_seq(CLI_COLOR_BAD),
		       e->child_thread ? "thread" : "process", (int)e->child_pid,
		       (int)e->child_tid, cli_color_seq(CLI_COLOR_OFF));
		ns_print(run, e->child_ns);
		break;
	case WATCH_EXIT:
		fputs("in ", stdout);
		ns_print(run, e->ns);
		break;
	case WATCH_EXEC:
		printf("(thread %d) in ", (int)e->old_tid);
		ns_print(run, e->ns);
		break;
	}
	fputs(" (process ", stdout);
	ns_print(run, e->process_ns);
	fputs(")\n", stdout);
}

static int on_event(const struct watch_event *e, void *data)
{
	struct watch_run *run = data;
	char comm[WATCH_COMM_LEN + 1];

	if (e->kind < WATCH_ENTER || e->kind > WATCH_EXEC)
		return 0;
	memcpy(comm, e->comm, WATCH_COMM_LEN);
	comm[WATCH_COMM_LEN] = '\0';
	run->events++;
	if (e->kind == WATCH_CLONE)
		run->clones++;
	if (e->kind == WATCH_ENTER && tid_set_add(&run->switching, e->tid) < 0)
		return -ENOMEM;
	if (cli.json)
		return event_json(run, e, comm);
	event_text(run, e, comm);
	return 0;
}

static int summary(const struct watch_run *run, struct watch *w)
{
	uint64_t lost = 0;
	int r = watch_lost(w, &lost);

	if (r < 0)
		return cli_fail("reading the lost-event count", r);
	if (cli.json)
		return cli_json_print(json_pack("{s:s, s:I, s:I, s:I, s:I}", "event", "summary",
						"events", (json_int_t)run->events, "switching_threads",
						(json_int_t)run->switching.n, "clones",
						(json_int_t)run->clones, "lost", (json_int_t)lost));
	printf("summary: %llu events, %zu threads seen switching, %llu clones while switched, "
	       "%llu events lost\n",
	       run->events, run->switching.n, run->clones, (unsigned long long)lost);
	return EXIT_OK;
}

/* Why watching cannot start, and what to use instead: one line. */
static int unavailable(const char *why, int err)
{
	if (err == -EOPNOTSUPP)
		return cli_failx("%s; use 'netns threads' for a snapshot instead", why);
	return cli_failx("%s: %s (needs root and a kernel with BPF and BTF); "
			 "use 'netns threads' for a snapshot instead",
			 why ? why : "BPF", strerror(-err));
}

static int loop(struct watch *w, struct watch_run *run, int sfd, const int *pidfds, int npids)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), r, alive = npids, status = EXIT_OK;
	struct epoll_event ev = { .events = EPOLLIN };

	if (ep < 0)
		return cli_fail("epoll", -errno);
	ev.data.fd = watch_fd(w);
	r = epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = sfd;
	r = r ?: epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	for (int i = 0; r == 0 && i < npids; i++) {
		ev.data.fd = pidfds[i];
		r = epoll_ctl(ep, EPOLL_CTL_ADD, pidfds[i], &ev);
	}
	if (r < 0) {
		status = cli_fail("epoll", -errno);
		goto out;
	}
	/* For a reader that must not act before the watch is on. */
	fprintf(stderr, "netns: watch: watching %s\n", npids ? "the given processes" : "every process");
	for (bool stop = false; !stop;) {
		struct epoll_event got[8];
		/* The kernel wakes us for rare events and a filling ring only
		 * (watch.bpf.c): a switch waits for the next tenth of a second. */
		int n = epoll_wait(ep, got, 8, 100);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			status = cli_fail("epoll", -errno);
			break;
		}
		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == sfd) {
				struct signalfd_siginfo si;

				/* Read, or it is delivered when unblocked. */
				stop = read(sfd, &si, sizeof(si)) == sizeof(si);
			} else if (got[i].data.fd != watch_fd(w)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, got[i].data.fd, NULL);
				stop = --alive == 0;
			}
		}
		/* The ring is drained on every wake-up, also the last. */
		r = watch_drain(w, on_event, run);
		if (r < 0 && r != -EINTR) {
			status = cli_fail("reading events", r);
			break;
		}
		if (fflush(stdout) != 0) {
			status = cli_fail("writing output", -EIO);
			break;
		}
	}
	if (status == EXIT_OK)
		status = summary(run, w);
out:
	close(ep);
	return status;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_run run = { .names_loaded = 0 };
	struct watch *w = NULL;
	struct timespec mono, real;
	const char *why = NULL;
	pid_t *pids = NULL;
	int *pidfds = NULL;
	int c, r, npids, sfd = -1, status = EXIT_FAIL;
	sigset_t sigs, old;
	struct stat st;

	while ((c = getopt_long(argc, argv, ":hjp", cli_output_opts, NULL)) != -1)
		if ((r = cli_output_opt(c, argv)) >= 0)
			return r;
	npids = argc - optind;
	if (npids > 0) {
		pids = calloc(npids, sizeof(*pids));
		pidfds = calloc(npids, sizeof(*pidfds));
		if (!pids || !pidfds) {
			free(pids);
			free(pidfds);
			return cli_fail("memory", -ENOMEM);
		}
	}
	for (int i = 0; i < npids; i++)
		pidfds[i] = -1;
	for (int i = 0; i < npids; i++) {
		pid_t tid;

		if (cli_parse_pid(argv[optind + i], &pids[i], &tid) < 0 || tid || !pids[i]) {
			status = cli_usage("'%s': not a PID", argv[optind + i]);
			goto out;
		}
	}
	if (watch_unavailable()) {
		status = unavailable(watch_unavailable(), -EOPNOTSUPP);
		goto out;
	}
	/* A pidfd per process: the watch ends when they are all gone, and a PID
	 * reused meanwhile is not taken for the one given. */
	for (int i = 0; i < npids; i++) {
		pidfds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pidfds[i] < 0) {
			status = errno == ESRCH ? cli_failx("%s: no such process", argv[optind + i])
						: cli_fail(argv[optind + i], -errno);
			goto out;
		}
	}
	/* Names are matched on the nsfs device too, as everywhere else. */
	if (stat("/proc/self/ns/net", &st) < 0) {
		status = cli_fail("/proc/self/ns/net", -errno);
		goto out;
	}
	run.nsfs_dev = st.st_dev;
	r = cli_ns_names_load(&run.names);
	if (r < 0) {
		status = cli_fail(netns_rundir_get(), r);
		goto out;
	}

	/* A shell starts a background job with SIGINT ignored, and an ignored
	 * signal never reaches a signalfd: default, then blocked. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, &old) < 0 ||
	    (sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		status = cli_fail("signals", -errno);
		goto out;
	}
	r = watch_open(pids, npids, &w, &why);
	if (r < 0) {
		status = unavailable(why, r);
		goto out_sig;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	run.realtime_offset_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL + real.tv_nsec -
				 mono.tv_nsec;
	status = loop(w, &run, sfd, pidfds, npids);
	watch_close(w);
	fflush(stdout);
out_sig:
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	for (int i = 0; pidfds && i < npids; i++)
		if (pidfds[i] >= 0)
			close(pidfds[i]);
	free(pidfds);
	free(pids);
	cli_ns_names_free(&run.names);
	free(run.switching.v);
	fflush(stdout);
	return status;
}
