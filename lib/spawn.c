/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a program in a namespace without switching any thread of the caller.
 *
 * Done the way glibc's posix_spawn is: clone(CLONE_VM|CLONE_VFORK) on a stack
 * of our own. The child shares our memory until it execs, so it reports a
 * failure (setns or exec) through a shared int, and the parent, which the
 * kernel keeps suspended until then, reads it once the child is gone or has
 * exec'd. The child enters the namespace itself: it is a new process, so none
 * of the caller's threads ever switches.
 */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "internal.h"

extern char **environ;

struct spawn_args {
	int fd;
	const char *file;
	char *const *argv;
	char *const *envp;
	sigset_t oldmask;
	volatile int err; /* the child's errno, 0 if it exec'd */
};

/* Runs in the child, on its own stack, with every signal blocked. Only
 * async-signal-safe calls: the memory is the parent's. Not instrumented by
 * AddressSanitizer: this frame never returns, so the redzones it would poison
 * in the shared shadow memory would outlive it and trip the next spawn. */
__attribute__((no_sanitize_address))
static int spawn_child(void *p)
{
	struct spawn_args *a = p;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/* Handlers are the parent's code: reset the caught ones to the default,
	 * as posix_spawn does, before any signal can be delivered here. */
	for (int sig = 1; sig < _NSIG; sig++) {
		struct sigaction sa;

		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN &&
		    sa.sa_handler != SIG_DFL)
			sigaction(sig, &dfl, NULL);
	}
	if (setns(a->fd, CLONE_NEWNET) < 0)
		goto fail;
	sigprocmask(SIG_SETMASK, &a->oldmask, NULL);
	execvpe(a->file, a->argv, a->envp);
fail:
	a->err = errno > 0 ? errno : EIO;
	/* Not _exit(): the sanitizers hook it (ThreadSanitizer finalizes
	 * there), which must not happen in a child sharing our memory. */
	syscall(SYS_exit_group, 127);
	return 127;
}

NETNS_EXPORT int netns_spawn(int fd, const char *file, char *const argv[], char *const envp[],
			     pid_t *ret_pid)
{
	struct spawn_args a = { .fd = fd, .file = file, .argv = argv,
				.envp = envp ? envp : environ, .err = 0 };
	size_t argc = 0, size;
	sigset_t all;
	void *stack;
	pid_t pid;
	int r;

	nsi_error_set(NULL);
	if (!file || !*file || !argv || !ret_pid)
		return -EINVAL;
	r = netns_fd_check(fd);
	if (r < 0)
		return r;
	while (argv[argc])
		argc++;
	/* execvpe may copy argv onto the stack (a script without #!); leave
	 * room for that and for the sanitizers' bigger frames. */
	size = (argc + 2) * sizeof(char *) + 256 * 1024;
	stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (stack == MAP_FAILED)
		return negerrno();

	/* Blocked from before the clone until the child has reset its
	 * handlers: no handler of ours may run in the child. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &a.oldmask);
	pid = clone(spawn_child, (char *)stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	r = pid < 0 ? negerrno() : 0;
	pthread_sigmask(SIG_SETMASK, &a.oldmask, NULL);
	munmap(stack, size);
	if (r < 0)
		return r;
	if (a.err) {
		/* The child exits right after storing the error: reap it. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return -a.err;
	}
	*ret_pid = pid;
	return 0;
}
