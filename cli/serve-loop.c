/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns serve: the event loop. One thread, one epoll set: every listening
 * socket stays in the namespace it was created in, so a single loop serves
 * them all. Accepted connections never enter the set: the reply is one short
 * non-blocking send, then close.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"

/* Work per socket per wakeup, so one busy namespace cannot starve others. */
#define SERVE_BURST 64
#define SERVE_EVENTS 256
/* EMFILE backoff: starts short, doubles while fds stay short, capped. */
#define BACKOFF_MIN_MS 10
#define BACKOFF_MAX_MS 500

int serve_epoll_add(struct serve *s, struct serve_sock *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = k };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, k->fd, &ev) < 0 ? -errno : 0;
}

static void timer_arm_ms(int fd, unsigned ms)
{
	struct itimerspec it = { .it_value = { ms / 1000, (long)(ms % 1000) * 1000000 } };

	timerfd_settime(fd, 0, &it, NULL);
}

void serve_backoff_arm(struct serve *s)
{
	if (s->backoff_armed)
		return;
	/* Still short since the last try: wait longer. */
	s->backoff_ms = !s->backoff_ms ? BACKOFF_MIN_MS
		      : s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
							   : s->backoff_ms * 2;
	timer_arm_ms(s->backoff.fd, s->backoff_ms);
	s->backoff_armed = true;
}

/* Out of fds: a listener stays readable while its backlog is full, so with
 * level-triggered epoll it would wake us at once, forever. Take it out of
 * the set until the backoff timer fires; the kernel keeps its queued
 * connections meanwhile, and they are served once fds free up. Costs one
 * epoll_ctl per listener that actually hit the limit, not per namespace. */
static void pause_sock(struct serve *s, struct serve_sock *k, int err)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	k->paused = true;
	k->next = s->paused;
	s->paused = k;
	if (!s->accept_told) {
		fprintf(stderr, "netns: serve: accept: %s; pausing listeners\n", strerror(err));
		s->accept_told = true;
	}
	serve_backoff_arm(s);
}

void serve_unpause(struct serve *s, struct serve_sock *k)
{
	for (struct serve_sock **p = &s->paused; *p; p = &(*p)->next)
		if (*p == k) {
			*p = k->next;
			break;
		}
	k->paused = false;
	k->next = NULL;
}

/* Resumes the paused listeners and starts the names waiting for fds, as
 * many as fit now. */
static void backoff_fired(struct serve *s)
{
	uint64_t ticks;
	struct serve_sock *k;

	if (read(s->backoff.fd, &ticks, sizeof(ticks)) < 0)
		return;
	s->backoff_armed = false;
	while ((k = s->paused)) {
		s->paused = k->next;
		k->paused = false;
		k->next = NULL;
		serve_epoll_add(s, k);
	}
	serve_fd_wait_retry(s);
}

/* Once per turn of the loop: tells once that names wait for fds (and when
 * none does any more), and keeps the backoff timer running while they
 * wait; listeners just closed make it fire soon. */
static void fd_wait_check(struct serve *s)
{
	if (s->n_fd_wait && !s->fd_wait_told) {
		serve_log(s, "%zu namespace%s waiting for file descriptors", s->n_fd_wait,
			  s->n_fd_wait == 1 ? "" : "s");
		s->fd_wait_told = true;
	} else if (!s->n_fd_wait && s->fd_wait_told) {
		serve_log(s, "no namespace waiting for file descriptors any more");
		s->fd_wait_told = false;
	}
	if (s->n_fd_wait) {
		if (s->fds_freed) {
			s->backoff_armed = false; /* re-armed below, at the start */
			s->backoff_ms = 0;
		}
		serve_backoff_arm(s);
	}
	s->fds_freed = false;
}

/* BURST: accepts to try. Draining to EAGAIN costs one failed accept per
 * wakeup; when many listeners are ready at once, one accept each and the
 * next epoll_wait (level-triggered) is cheaper. */
static void tcp_ready(struct serve *s, struct serve_sock *k, int burst)
{
	const struct serve_ns *ns = k->ns;

	for (int i = 0; i < burst; i++) {
		int c = accept4(k->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_sock(s, k, errno);
			return; /* EAGAIN: drained */
		}
		/* The reply fits an empty socket buffer; if not, the client gets
		 * what fitted. The loop never waits on a client. */
		s->backoff_ms = 0; /* fds again: a later shortage starts afresh */
		s->accept_told = false;
		(void)!send(c, ns->msg, ns->msg_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(c);
	}
}

static void udp_ready(struct serve_sock *k)
{
	const struct serve_ns *ns = k->ns;

	for (int i = 0; i < SERVE_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		char b;

		if (recvfrom(k->fd, &b, 1, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
			     &len) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		(void)!sendto(k->fd, ns->msg, ns->msg_len, MSG_DONTWAIT | MSG_NOSIGNAL,
			      (struct sockaddr *)&from, len);
	}
}

static void signal_ready(struct serve *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig.fd, &si, sizeof(si)) == sizeof(si) &&
	    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) {
		serve_log(s, "%s, stopping", strsignal((int)si.ssi_signo));
		s->stop = true;
	}
}

int serve_loop(struct serve *s)
{
	struct epoll_event ev[SERVE_EVENTS];

	while (!s->stop) {
		int n;

		fd_wait_check(s);
		n = epoll_wait(s->epfd, ev, SERVE_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cli_fail("epoll_wait", -errno);
		}
		/* Connections first: the control events below may free a
		 * namespace that a later event of this batch points at. */
		for (int i = 0; i < n; i++) {
			struct serve_sock *k = ev[i].data.ptr;

			if (k->kind == SERVE_TCP && !k->paused)
				tcp_ready(s, k, n > 1 ? 1 : SERVE_BURST);
			else if (k->kind == SERVE_UDP)
				udp_ready(k);
		}
		/* By address, not by kind: a listener of this batch may be
		 * freed by now. */
		for (int i = 0; i < n; i++) {
			struct serve_sock *k = ev[i].data.ptr;

			if (k == &s->sig)
				signal_ready(s);
			else if (k == &s->watch)
				serve_follow_event(s);
			else if (k == &s->backoff)
				backoff_fired(s);
		}
	}
	return EXIT_OK;
}
