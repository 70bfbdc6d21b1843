/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns exec: run a program in a namespace.
 *
 * Unlike ip netns exec, no mount namespace is made unless it is needed
 * (/etc/netns/NAME exists, or --sys): copying the mount table costs time
 * in proportion to the number of mounts, so 10,000 names made every exec slow.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Per-namespace /etc files; NETNS_ETC_DIR overrides, as NETNS_RUN_DIR does. */
static const char *etc_netns_dir(void)
{
	const char *env = getenv("NETNS_ETC_DIR");

	return env && *env ? env : "/etc/netns";
}

/* Bind-mounts each file of /etc/netns/NAME over its namespace-less twin in
 * /etc, as ip netns exec does (resolv.conf, hosts, ...). */
static int bind_etc(const char *name)
{
	char dir[PATH_MAX], src[PATH_MAX + NAME_MAX + 2], dst[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", etc_netns_dir(), name);
	d = opendir(dir);
	if (!d)
		return cli_fail(dir, -errno);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", de->d_name);
		/* ip netns exec warns and goes on when one file cannot be bound
		 * (no twin in /etc, say); users rely on the other files. */
		if (mount(src, dst, "none", MS_BIND, NULL) < 0)
			cli_errorf("exec: warning: binding %s over %s: %s", src, dst, strerror(errno));
	}
	closedir(d);
	return EXIT_OK;
}

/* Gives the program a /sys whose class/net shows the namespace's devices:
 * sysfs shows the network namespace of whoever mounts it. */
static int remount_sys(void)
{
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return cli_fail("/sys", -errno);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		return cli_fail("mounting sysfs on /sys", -errno);
	return EXIT_OK;
}

static bool etc_dir_exists(const char *arg)
{
	char dir[PATH_MAX];
	struct stat st;

	if (cli_is_path(arg))
		return false;
	snprintf(dir, sizeof(dir), "%s/%s", etc_netns_dir(), arg);
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Enters the namespace and execs; returns only on failure, with the exit
 * status a shell would give. */
static int enter_and_exec(const char *arg, bool sys, char **cmd)
{
	bool etc = etc_dir_exists(arg);
	int fd = cli_open_ns(arg), r;

	if (fd < 0)
		return EXIT_FAIL;
	if (etc || sys) {
		/* A private copy of the mount table, slave so host mounts still reach it. */
		if (unshare(CLONE_NEWNS) < 0 || mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
			r = -errno; /* before close() can change it */
			close(fd);
			return cli_fail("making a private mount namespace", r);
		}
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(fd);
		return cli_fail(arg, r);
	}
	close(fd);
	if (etc && bind_etc(arg) != EXIT_OK)
		return EXIT_FAIL;
	if (sys && remount_sys() != EXIT_OK)
		return EXIT_FAIL;
	execvp(cmd[0], cmd);
	/* Take errno now: printing the error can change it (EBADF with 2>&-). */
	r = -errno;
	cli_fail(cmd[0], r);
	return r == -ENOENT ? 127 : 126;
}

/* Waits for PID and returns its exit status as a shell gives it (128 + the
 * signal for a killed one), or reports a failed wait. */
static int child_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_fail("waitpid", -errno);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* In batch mode the process must live on: run the exec in a child. */
int cli_exec_in_child(const char *arg, bool sys, char **cmd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_fail("fork", -errno);
	if (pid == 0)
		_exit(enter_and_exec(arg, sys, cmd));
	return child_status(pid);
}

/* One stream of a run under exec --all: its pipe, where its lines go, and
 * whether the last byte written ended a line (else the next byte
 * continues it and gets no prefix). */
struct prefixed {
	int fd;
	FILE *out;
	bool midline;
};

/* Copies what is ready on P->fd to P->out, "NAME: " before each line.
 * Returns false at the end of the stream. */
static bool prefix_copy(struct prefixed *p, const char *name)
{
	char buf[4096];
	ssize_t n = read(p->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		if (p->midline)
			fputc('\n', p->out);
		p->midline = false;
		return false;
	}
	for (ssize_t i = 0; i < n;) {
		const char *nl = memchr(buf + i, '\n', (size_t)(n - i));
		size_t len = nl ? (size_t)(nl - (buf + i)) + 1 : (size_t)(n - i);

		if (!p->midline)
			fprintf(p->out, "%s%s%s: ", cli_color_seq(CLI_COLOR_NAME), name,
				cli_color_seq(CLI_COLOR_OFF));
		fwrite(buf + i, 1, len, p->out);
		p->midline = !nl;
		i += (ssize_t)len;
	}
	fflush(p->out);
	return true;
}

/* Runs CMD in namespace NAME in a child whose stdout and stderr come back
 * through pipes, each line prefixed by "LABEL: ". Returns the child's status
 * as exec would. */
int cli_exec_prefixed(const char *name, const char *label, bool sys, char **cmd)
{
	struct prefixed p[2] = { { .fd = -1, .out = stdout }, { .fd = -1, .out = stderr } };
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, status;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		status = cli_fail("pipe", -errno);
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		status = cli_fail("fork", -errno);
		goto fail;
	}
	if (pid == 0) {
		/* dup2 clears close-on-exec on the copies: only 0, 1, 2 pass. */
		if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
			_exit(126);
		_exit(enter_and_exec(name, sys, cmd));
	}
	close(out[1]);
	close(err[1]);
	p[0].fd = out[0];
	p[1].fd = err[0];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		struct pollfd pfd[2] = { { .fd = p[0].fd, .events = POLLIN },
					 { .fd = p[1].fd, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents && !prefix_copy(&p[i], label)) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	return child_status(pid);
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return status;
}

/* exec --all: CMD in every named namespace, in name order (the walk's),
 * one at a time. Exit status 0 when every run exited 0, else 1, with one
 * line per run that did not. */
static int exec_all(bool sys, char **cmd)
{
	struct cli_names l;
	int r, status = EXIT_OK;

	r = cli_names_read(&l, NULL, false);
	if (r < 0)
		status = cli_fail(netns_rundir_get(), r);
	for (size_t i = 0; r >= 0 && i < l.n; i++) {
		int st = cli_exec_prefixed(l.v[i], l.v[i], sys, cmd);

		if (st != EXIT_OK) {
			cli_failx("%s: %s exited with status %d", l.v[i], cmd[0], st);
			status = EXIT_FAIL;
		}
	}
	cli_names_free(&l);
	return status;
}

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sys", no_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool sys = false, all = false;
	const char *arg;
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sys = true;
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (all) {
		if (optind < argc && strcmp(argv[optind], "--") == 0)
			optind++;
		if (optind >= argc)
			return cli_usage("missing CMD");
		return exec_all(sys, argv + optind);
	}
	if (optind >= argc)
		return cli_usage("missing NAME|PATH");
	arg = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cli_usage("missing CMD");
	if (cli.batch)
		return cli_exec_in_child(arg, sys, argv + optind);
	return enter_and_exec(arg, sys, argv + optind);
}
