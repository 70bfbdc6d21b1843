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

/* In batch mode the process must live on: run the exec in a child. */
static int exec_in_child(const char *arg, bool sys, char **cmd)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_fail("fork", -errno);
	if (pid == 0)
		_exit(enter_and_exec(arg, sys, cmd));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_fail("waitpid", -errno);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sys", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool sys = false;
	const char *arg;
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sys = true;
			break;
		case 'h':
			return cli_help();
		default:
			return cli_bad_option(c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("missing NAME|PATH");
	arg = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cli_usage("missing CMD");
	if (cli.batch)
		return exec_in_child(arg, sys, argv + optind);
	return enter_and_exec(arg, sys, argv + optind);
}
