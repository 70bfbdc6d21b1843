/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reps: time a command, call by call, for the bench scripts.
 *
 *   reps K CMD [ARGS...]
 *
 * Runs CMD K times (fork, execvp, wait), one after the other, with stdout and
 * stderr sent to /dev/null; in ARGS, "%d" stands for the call's number
 * (0..K-1), so each call can name a different link. A call that takes more
 * than REPS_TIMEOUT seconds (default 60) is killed by SIGALRM. Prints
 * "MEDIAN MIN MEAN" in milliseconds on one line. The median shrugs off the
 * stalls of a busy shared machine better than a mean does. Exits 1 if a
 * call fails (and says which), 2 on bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Fills ARGV from TMPL with each "%d" replaced by I; BUF holds the strings. */
static void expand(char **tmpl, int n, long i, char **argv, char *buf, size_t size)
{
	for (int j = 0; j < n; j++) {
		char *pct = strstr(tmpl[j], "%d");
		int len;

		if (!pct) {
			argv[j] = tmpl[j];
			continue;
		}
		len = snprintf(buf, size, "%.*s%ld%s", (int)(pct - tmpl[j]), tmpl[j], i, pct + 2);
		if (len < 0 || (size_t)len >= size) {
			fprintf(stderr, "reps: argument too long: %s\n", tmpl[j]);
			exit(2);
		}
		argv[j] = buf;
		buf += len + 1;
		size -= len + 1;
	}
	argv[n] = NULL;
}

static int run(char **argv, unsigned timeout)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		alarm(timeout); /* survives execve: bounds a call that hangs */
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	char buf[4096], **cmd;
	double *t, sum = 0, med;
	long k;
	char *end;
	int n = argc - 2;
	const char *env = getenv("REPS_TIMEOUT");
	unsigned timeout = env && atoi(env) > 0 ? (unsigned)atoi(env) : 60;

	if (argc < 3) {
		fprintf(stderr, "usage: reps K CMD [ARGS...]\n");
		return 2;
	}
	errno = 0;
	k = strtol(argv[1], &end, 10);
	if (errno || *end || k <= 0 || k > 1000000) {
		fprintf(stderr, "reps: '%s': not a count\n", argv[1]);
		return 2;
	}
	t = calloc(k, sizeof(*t));
	cmd = calloc(n + 1, sizeof(*cmd));
	if (!t || !cmd) {
		fprintf(stderr, "reps: out of memory\n");
		return 1;
	}
	for (long i = 0; i < k; i++) {
		double t0;
		int r;

		expand(argv + 2, n, i, cmd, buf, sizeof(buf));
		t0 = now_ms();
		r = run(cmd, timeout);
		t[i] = now_ms() - t0;
		if (r != 0) {
			fprintf(stderr, "reps: call %ld of %s %s: exit status %d%s\n", i, cmd[0],
				n > 1 ? cmd[1] : "", r, r == 128 + SIGALRM ? " (timed out)" : "");
			return 1;
		}
		sum += t[i];
	}
	qsort(t, k, sizeof(*t), cmp_double);
	med = k % 2 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
	printf("%.4f %.4f %.4f\n", med, t[0], sum / k);
	free(t);
	free(cmd);
	return 0;
}
