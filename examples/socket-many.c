/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket-many NAME|PATH...: makes a UDP socket in each namespace given, all
 * from one throwaway thread (netns_socket_many), and prints for each the
 * namespace the socket belongs to, as the kernel tells (SIOCGSKNS):
 * "NAME inode INODE". Exits 1 if any failed.
 *
 *   cc -o socket-many socket-many.c $(pkg-config --cflags --libs netns)
 */
#include <errno.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netns.h>

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)argc - 1 : 0;
	int *fds = calloc(n + 1, sizeof(int)), *socks = calloc(n + 1, sizeof(int));
	int r, status = 0;

	if (!fds || !socks || n == 0) {
		fprintf(stderr, "usage: socket-many NAME|PATH...\n");
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		const char *arg = argv[i + 1];

		fds[i] = strchr(arg, '/') ? netns_fd_open_path(arg) : netns_fd_open_name(arg);
	}
	/* A negative fd comes back as -EBADF: the open's error is in fds[i]. */
	r = netns_socket_many(fds, n, AF_INET, SOCK_DGRAM, 0, socks);
	if (r < 0) {
		fprintf(stderr, "socket-many: %s\n", strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		int err = fds[i] < 0 ? fds[i] : socks[i], ns = -1;
		struct stat st;

		/* The socket's namespace, from the socket itself. */
		if (err >= 0) {
			ns = ioctl(socks[i], SIOCGSKNS);
			err = ns < 0 || fstat(ns, &st) < 0 ? -errno : 0;
		}
		if (err < 0) {
			fprintf(stderr, "socket-many: %s: %s\n", argv[i + 1], strerror(-err));
			status = 1;
		} else {
			printf("%s inode %llu\n", argv[i + 1], (unsigned long long)st.st_ino);
		}
		if (ns >= 0)
			close(ns);
		if (socks[i] >= 0)
			close(socks[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(fds);
	free(socks);
	return status;
}
