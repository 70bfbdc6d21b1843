/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab up and down: making a parsed lab, and removing what a lab's
 * state says it made. A failure half-way removes what this run made. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"

/* A bridge device NAME in namespace FD, its ports enslaved by lab_enslave().
 * Through the bridge ioctls on a socket born in FD: they act in the socket's
 * namespace (sock_ioctl() passes sock_net()), so no thread switches here. */
static int bridge_ioctl(int fd, unsigned long req, const char *bridge, const char *port)
{
	struct ifreq ifr = { 0 };
	int s, r = 0;

	s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return s;
	if (req == SIOCBRADDBR) {
		char name[IFNAMSIZ] = { 0 };

		snprintf(name, sizeof(name), "%s", bridge);
		if (ioctl(s, SIOCBRADDBR, name) < 0)
			r = -errno;
	} else {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", port);
		if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
			r = -errno;
		} else {
			int index = ifr.ifr_ifindex;

			memset(&ifr, 0, sizeof(ifr));
			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
			ifr.ifr_ifindex = index;
			if (ioctl(s, SIOCBRADDIF, &ifr) < 0)
				r = -errno;
		}
	}
	close(s);
	return r;
}

struct sysctl_arg {
	const char *key, *value;
};

/* Runs inside the node's namespace (netns_run): /proc/sys/net is the
 * namespace of the thread that opens it. */
static int sysctl_write(void *data)
{
	const struct sysctl_arg *a = data;
	char path[512];
	size_t i, len;
	ssize_t n;
	int fd, r = 0;

	len = (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", a->key);
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	for (i = strlen("/proc/sys/"); i < len; i++)
		if (path[i] == '.')
			path[i] = '/';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, a->value, strlen(a->value));
	if (n < 0)
		r = -errno;
	else if ((size_t)n != strlen(a->value))
		r = -EIO;
	close(fd);
	return r;
}

/* Runs LINE with /bin/sh -c in namespace FD and waits for it. Returns its
 * exit status (128 + N for signal N) or a negative errno. */
static int exec_line(int fd, char *line)
{
	char sh[] = "sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, line, NULL };
	pid_t pid;
	int st, r;

	r = netns_spawn(fd, "/bin/sh", argv, NULL, &pid);
	if (r < 0)
		return r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct run {
	const struct lab *lab;
	char **ns;
	int *fds;
	size_t made; /* names this run made: ns[0..made-1] */
};

static int make_all(struct run *run)
{
	const struct lab *lab = run->lab;
	char what[512];
	size_t i, j;
	int r;

	r = netns_name_add_many((const char *const *)run->ns, lab->n_nodes, NETNS_ADD_LO_UP,
				&run->made);
	if (r < 0) {
		snprintf(what, sizeof(what), "node '%s': namespace '%s'",
			 lab->nodes[run->made].name, run->ns[run->made]);
		return cli_fail_nl(what, r);
	}
	for (i = 0; i < lab->n_nodes; i++) {
		run->fds[i] = netns_fd_open_name(run->ns[i]);
		if (run->fds[i] < 0)
			return cli_fail(run->ns[i], run->fds[i]);
	}
	for (i = 0; i < lab->n_nodes; i++) {
		const struct lab_node *n = &lab->nodes[i];

		if (!n->bridge)
			continue;
		r = bridge_ioctl(run->fds[i], SIOCBRADDBR, n->name, NULL);
		if (r == 0)
			r = netns_link_set_up(run->fds[i], n->name, true);
		if (r < 0) {
			snprintf(what, sizeof(what), "bridge '%s'", n->name);
			return cli_fail_nl(what, r);
		}
	}
	for (i = 0; i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		const char *addrs[2][2] = { { l->end[0].cidr, NULL }, { l->end[1].cidr, NULL } };
		struct netns_veth_end a = NETNS_VETH_END(.fd = run->fds[l->end[0].node],
							 .ifname = l->end[0].ifname,
							 .addrs = addrs[0]);
		struct netns_veth_end b = NETNS_VETH_END(.fd = run->fds[l->end[1].node],
							 .ifname = l->end[1].ifname,
							 .addrs = addrs[1]);

		r = netns_veth_add(&a, &b, l->mtu);
		for (int e = 0; r == 0 && e < 2; e++) {
			const struct lab_node *n = &lab->nodes[l->end[e].node];

			if (n->bridge)
				r = bridge_ioctl(run->fds[l->end[e].node], SIOCBRADDIF, n->name,
						 l->end[e].ifname);
		}
		if (r < 0) {
			snprintf(what, sizeof(what), "link %s:%s -- %s:%s",
				 lab->nodes[l->end[0].node].name, l->end[0].ifname,
				 lab->nodes[l->end[1].node].name, l->end[1].ifname);
			return cli_fail_nl(what, r);
		}
	}
	for (i = 0; i < lab->n_nodes; i++) {
		const struct lab_node *n = &lab->nodes[i];

		for (j = 0; j < n->n_addrs; j++) {
			r = netns_addr_add(run->fds[i], n->addrs[j].ifname, n->addrs[j].cidr);
			if (r < 0) {
				snprintf(what, sizeof(what), "node '%s': address %s %s", n->name,
					 n->addrs[j].ifname, n->addrs[j].cidr);
				return cli_fail_nl(what, r);
			}
		}
		for (j = 0; j < n->n_sysctls; j++) {
			struct sysctl_arg a = { n->sysctls[j].key, n->sysctls[j].value };

			r = netns_run(run->fds[i], sysctl_write, &a);
			if (r < 0) {
				snprintf(what, sizeof(what), "node '%s': sysctl %s", n->name,
					 n->sysctls[j].key);
				return cli_fail(what, r);
			}
		}
	}
	for (i = 0; i < lab->n_nodes; i++) {
		const struct lab_node *n = &lab->nodes[i];

		for (j = 0; j < n->n_routes; j++) {
			const struct lab_route *rt = &n->routes[j];

			r = netns_route_add(run->fds[i], rt->dst, rt->via, rt->dev);
			if (r < 0) {
				snprintf(what, sizeof(what), "node '%s': route %s%s%s%s%s", n->name,
					 rt->dst, rt->via ? " via " : "", rt->via ? rt->via : "",
					 rt->dev ? " dev " : "", rt->dev ? rt->dev : "");
				return cli_fail_nl(what, r);
			}
		}
	}
	/* exec lines last, once every link, address and route exists. */
	for (i = 0; i < lab->n_nodes; i++) {
		const struct lab_node *n = &lab->nodes[i];

		for (j = 0; j < n->n_exec; j++) {
			r = exec_line(run->fds[i], n->exec[j]);
			if (r < 0) {
				snprintf(what, sizeof(what), "node '%s': exec '%s'", n->name,
					 n->exec[j]);
				return cli_fail(what, r);
			}
			if (r > 0)
				return cli_failx("node '%s': exec '%s': exit status %d", n->name,
						 n->exec[j], r);
		}
	}
	return EXIT_OK;
}

int lab_up(const struct lab *lab, const char *file)
{
	struct run run = { .lab = lab };
	json_t *state = NULL;
	size_t i;
	int r, status = EXIT_FAIL;

	r = lab_state_load(lab->name, &state);
	json_decref(state);
	state = NULL;
	if (r == 0 || r == -EBADMSG)
		return cli_failx("lab %s is up: down it first", lab->name);
	if (r != -ENOENT)
		return cli_fail(lab->name, r);
	run.ns = calloc(lab->n_nodes + 1, sizeof(char *));
	run.fds = malloc((lab->n_nodes + 1) * sizeof(int));
	if (!run.ns || !run.fds) {
		status = cli_fail(lab->name, -ENOMEM);
		goto out;
	}
	for (i = 0; i < lab->n_nodes; i++) {
		run.fds[i] = -1;
		if (!(run.ns[i] = lab_ns_name(lab->name, lab->nodes[i].name))) {
			status = cli_fail(lab->name, -ENOMEM);
			goto out;
		}
	}
	/* Recorded before anything is made, so that a run that dies half-way
	 * can still be taken down. */
	state = lab_state_json(lab, file);
	if (!state) {
		status = cli_fail(lab->name, -ENOMEM);
		goto out;
	}
	r = lab_state_write(lab->name, state, true);
	if (r == -EEXIST) {
		status = cli_failx("lab %s is up: down it first", lab->name);
		goto out;
	}
	if (r < 0) {
		status = cli_fail("state", r);
		goto out;
	}
	status = make_all(&run);
	if (status != EXIT_OK) {
		/* Only the names this run made: one taken before stays. */
		for (i = 0; i < run.made; i++) {
			r = netns_name_delete(run.ns[i]);
			if (r < 0 && r != -ENOENT)
				cli_fail(run.ns[i], r);
		}
		lab_state_remove(lab->name);
	}
out:
	for (i = 0; run.fds && i < lab->n_nodes; i++)
		if (run.fds[i] >= 0)
			close(run.fds[i]);
	for (i = 0; run.ns && i < lab->n_nodes; i++)
		free(run.ns[i]);
	free(run.ns);
	free(run.fds);
	json_decref(state);
	return status;
}

int lab_down(const char *lab, json_t *state)
{
	json_t *nodes = json_object_get(state, "nodes"), *n;
	size_t i, plen = strlen(lab);
	int r, status = EXIT_OK;

	json_array_foreach(nodes, i, n) {
		const char *ns = json_string_value(json_object_get(n, "namespace"));

		/* Only names of this lab, whatever the file says. */
		if (!ns || strncmp(ns, lab, plen) != 0 || ns[plen] != '-')
			continue;
		r = netns_name_delete(ns);
		if (r < 0 && r != -ENOENT)
			status = cli_fail(ns, r);
	}
	if (status == EXIT_OK) {
		r = lab_state_remove(lab);
		if (r < 0 && r != -ENOENT)
			status = cli_fail("state", r);
	}
	return status;
}
