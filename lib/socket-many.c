/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sockets in many namespaces: one throwaway thread visits them in turn and
 * makes a socket in each, as netns_run_many() does for caller code. Only
 * this file's code runs there, so the caller's namespaces and signal
 * handlers are never involved; a socket keeps the namespace it was born in,
 * so bind(2) and listen(2) can follow on any thread.
 */
#include <sched.h>
#include <sys/socket.h>

#include "internal.h"

struct socket_many {
	const int *fds;
	size_t n;
	int domain, type, protocol;
	int *socks;
};

static int socket_many_here(void *p)
{
	struct socket_many *m = p;

	for (size_t i = 0; i < m->n; i++) {
		int fd;

		if (m->fds[i] < 0) {
			m->socks[i] = -EBADF;
			continue;
		}
		/* EINVAL: an fd that is not a network namespace. */
		if (setns(m->fds[i], CLONE_NEWNET) < 0) {
			m->socks[i] = errno == EINVAL ? -EMEDIUMTYPE : negerrno();
			continue;
		}
		fd = socket(m->domain, m->type | SOCK_CLOEXEC, m->protocol);
		m->socks[i] = fd < 0 ? negerrno() : fd;
	}
	return 0;
}

NETNS_EXPORT int netns_socket_many(const int *fds, size_t n, int domain, int type,
				   int protocol, int *ret_socks)
{
	struct socket_many m = { .fds = fds, .n = n, .domain = domain, .type = type,
				 .protocol = protocol, .socks = ret_socks };

	if (n && (!fds || !ret_socks))
		return -EINVAL;
	nsi_error_set(NULL);
	if (n == 0)
		return 0;
	/* The thread is discarded in the last namespace it entered. */
	return nsi_thread_run(NSI_THREAD_HERE, socket_many_here, &m);
}
