/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns_socket() on the caller's own thread: setns(2) into the target,
 * socket(2), setns(2) back, with every signal blocked, when the way back is
 * proved. A hand-off to the socket worker (worker.c) costs a wake-up, which
 * on a busy machine waits for a CPU: 19 x socket() with two CPU-bound
 * processes on two cores, against 2.3 x here, and 2.2 x on the machine as it
 * was (bench/switch, docs/benchmarks.md). The unsafe floor (setns, socket,
 * setns back) is 1.8 x, and the floor plus the one read that tells where the
 * thread is, 2.1 x: that read is most of what is left.
 *
 * The proof, made on every call:
 * - Where the thread is. Each thread keeps an O_PATH fd of its
 *   /proc/self/task/TID/ns/net symlink itself, and readlinkat(fd, "") reads
 *   it without a lookup (1.5 us here, 1.8 through a directory fd, 4.5 to
 *   open /proc/thread-self/ns/net): proc reads the task's namespace at that
 *   moment. The thread's home fd, also kept, must still be that namespace
 *   (NS_GET_ID, an id never reused, or fstat before Linux 6.18): a thread
 *   may switch on its own between calls, and a program may close or reuse
 *   our fds (a reused link reads as no namespace and is opened again; only
 *   another task's ns/net symlink, opened O_PATH|O_NOFOLLOW onto our closed
 *   number while that task is in our home, would pass). A forked child is told by a page the kernel zeroes in it
 *   (MADV_WIPEONFORK), not by a gettid() per call.
 * - That it may come back. setns() into a network namespace asks for
 *   CAP_SYS_ADMIN over the user namespace that owns it and in the thread's
 *   own. When one user namespace owns the target and home (NS_GET_ID of
 *   NS_GET_USERNS, kept for the last target), the way back asks what the way
 *   there asked, of the same credentials, so setns(target) succeeding proves
 *   it. Otherwise setns(home) from home asks it first and changes nothing.
 *   The credentials cannot change before we are back: only the thread itself
 *   changes them, and every signal is blocked through the raw
 *   rt_sigprocmask, glibc's own too (SIGSETXID, with which another thread's
 *   setuid() reaches this one, waits until we are home; pthread_sigmask()
 *   would let it through). When the check fails (EPERM: say, a user
 *   namespace that does not own home), the thread has not moved: the worker
 *   makes the socket then, and retires if it cannot come back.
 * - What remains: setns() allocates a new nsproxy, a small allocation that
 *   the kernel retries until it succeeds or the task is being killed (then
 *   the thread dies on its way out of the call), so the way back retries
 *   ENOMEM. Anything else means another thread closed our home fd during
 *   the call; rather than return into the caller's code in a foreign
 *   namespace, the process aborts.
 *
 * Each thread that calls keeps two close-on-exec fds (its ns/net symlink and
 * its home), closed when it exits; a forked child makes its own.
 */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"

/* Linux 6.18's namespace id: 64 bits, never reused while the system runs
 * (an inode number is, once its namespace dies). Older headers lack it. */
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 0xd, uint64_t)
#endif

struct here {
	pid_t tid; /* the thread it was made for: fork() copies a thread's TLS */
	int link; /* O_PATH|O_NOFOLLOW /proc/self/task/TID/ns/net, the symlink */
	dev_t link_dev;
	ino_t link_ino;
	int home; /* the thread's namespace when last seen */
	dev_t home_dev;
	ino_t home_ino;
	uint64_t home_id; /* its NS_GET_ID, or 0 */
	uint64_t home_owner; /* the NS_GET_ID of the user namespace owning it, or 0 */
	uint64_t target_id, target_owner; /* the last target seen, and its owner's */
};

static __thread struct here here = { .link = -1, .home = -1 };
static pthread_key_t here_key;
static pthread_once_t here_once = PTHREAD_ONCE_INIT;
static bool here_key_ok;
/* A page the kernel zeroes in a child of fork(), _Fork() or clone() alike
 * (MADV_WIPEONFORK): where it reads 0, the thread's TLS and fds are copies
 * made for its parent, found without a gettid() per call. NULL if the
 * kernel cannot (before 4.14): then gettid() tells. */
static _Atomic char *here_parent; /* relaxed: 1 from here_key_make() on, 0 only in a child until it opens */

/* Is FD still the file it was when we opened it? */
static bool fd_is(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* The NS_GET_ID of namespace fd FD, or 0 (not a namespace, or a kernel
 * before 6.18). */
static uint64_t ns_id(int fd)
{
	uint64_t id = 0;

	return ioctl(fd, NS_GET_ID, &id) == 0 ? id : 0;
}

/* The NS_GET_ID of the user namespace that owns namespace FD, or 0 (also
 * when that user namespace is outside the caller's: EPERM). */
static uint64_t ns_owner_id(int fd)
{
	int u = ioctl(fd, NS_GET_USERNS);
	uint64_t id;

	if (u < 0)
		return 0;
	id = ns_id(u);
	close(u);
	return id;
}

/* Closes what H holds that is still ours: a number the program closed and
 * reused belongs to the program now. */
static void here_drop(struct here *h)
{
	if (fd_is(h->link, h->link_dev, h->link_ino))
		close(h->link);
	if (fd_is(h->home, h->home_dev, h->home_ino))
		close(h->home);
	h->link = h->home = -1;
	h->home_ino = 0;
	h->home_id = h->home_owner = h->target_id = h->target_owner = 0;
	h->tid = 0;
}

static void here_exit(void *p)
{
	here_drop(p);
}

static void here_key_make(void)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	here_key_ok = pthread_key_create(&here_key, here_exit) == 0;
	if (page == MAP_FAILED)
		return;
	if (madvise(page, 4096, MADV_WIPEONFORK) < 0) {
		munmap(page, 4096);
		return;
	}
	here_parent = page;
	atomic_store_explicit(here_parent, 1, memory_order_relaxed);
}

/* Was H made for this thread of this process? */
static bool here_mine(const struct here *h)
{
	if (!here_parent)
		return h->tid != 0 && h->tid == gettid();
	return h->tid != 0 && atomic_load_explicit(here_parent, memory_order_relaxed);
}

/* Opens the thread's ns/net symlink itself; false if it cannot (no /proc). */
static bool here_open(struct here *h)
{
	char path[64];
	struct stat st;
	pid_t tid = gettid();

	here_drop(h);
	snprintf(path, sizeof(path), "/proc/self/task/%d/ns/net", (int)tid);
	h->link = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (h->link < 0)
		return false;
	if (fstat(h->link, &st) < 0 || !S_ISLNK(st.st_mode)) {
		close(h->link);
		h->link = -1;
		return false;
	}
	h->link_dev = st.st_dev;
	h->link_ino = st.st_ino;
	h->tid = tid;
	if (here_parent) /* in a forked child, its only thread's are now its own */
		atomic_store_explicit(here_parent, 1, memory_order_relaxed);
	/* The destructor closes them when the thread exits. */
	pthread_setspecific(here_key, h);
	return true;
}

/* The inode of the namespace the thread is in now, or 0. readlinkat() with
 * an empty path reads the symlink the fd is (no lookup), and proc reads the
 * task's namespace at that moment (proc_ns_readlink). */
static ino_t here_now(const struct here *h)
{
	char link[64];
	ssize_t n = readlinkat(h->link, "", link, sizeof(link) - 1);
	unsigned long long ino = 0;
	char *end;

	if (n <= 5 || memcmp(link, "net:[", 5) != 0)
		return 0;
	link[n] = '\0';
	ino = strtoull(link + 5, &end, 10);
	return end[0] == ']' && end[1] == '\0' ? (ino_t)ino : 0;
}

/* Is H->home still our fd of namespace INO? */
static bool here_home_ok(const struct here *h, ino_t ino)
{
	if (h->home < 0 || ino != h->home_ino)
		return false;
	if (h->home_id)
		return ns_id(h->home) == h->home_id;
	return fd_is(h->home, h->home_dev, h->home_ino);
}

/* Makes H->home the fd of namespace INO, where the thread is. */
static bool here_home(struct here *h, ino_t ino)
{
	struct stat st;
	int fd;

	if (here_home_ok(h, ino))
		return true;
	if (fd_is(h->home, h->home_dev, h->home_ino))
		close(h->home);
	h->home = -1;
	fd = nsi_open_nsfs("/proc/thread-self/ns/net", AT_FDCWD, 0);
	if (fd < 0)
		return false;
	/* Only this thread moves itself, so it is still there. */
	if (fstat(fd, &st) < 0 || st.st_ino != ino) {
		close(fd);
		return false;
	}
	h->home = fd;
	h->home_dev = st.st_dev;
	h->home_ino = st.st_ino;
	h->home_id = ns_id(fd);
	h->home_owner = h->home_id ? ns_owner_id(fd) : 0;
	return true;
}

/* Does the same user namespace own FD's namespace and home? Then the way
 * back asks exactly what the way there asked, of the same credentials, and
 * setns(FD) succeeding proves it. The owner of a namespace never changes,
 * and an id is never reused, so the last target's owner is kept. */
static bool here_same_owner(struct here *h, int fd)
{
	uint64_t id;

	if (h->home_owner == 0)
		return false;
	id = ns_id(fd);
	if (id == 0)
		return false;
	if (id != h->target_id) {
		h->target_owner = ns_owner_id(fd);
		h->target_id = id;
	}
	return h->target_owner == h->home_owner;
}

/* Every signal the kernel lets us block (all but SIGKILL and SIGSTOP),
 * glibc's internal ones included. */
static void block_all(unsigned long long *ret_old)
{
	unsigned long long all = ~0ULL;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, ret_old, sizeof(all));
}

static void unblock(const unsigned long long *old)
{
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, sizeof(*old));
}

int nsi_here_socket(int fd, int domain, int type, int protocol, int *ret)
{
	struct here *h = &here;
	unsigned long long old;
	bool proved;
	ino_t now;
	int s;

	pthread_once(&here_once, here_key_make);
	if (!here_key_ok)
		return 0;
	if (!here_mine(h) && !here_open(h))
		return 0;
	now = here_now(h);
	if (now == 0 && (!here_open(h) || (now = here_now(h)) == 0))
		return 0; /* the program closed or reused the link's number */
	if (!here_home(h, now))
		return 0;
	proved = here_same_owner(h, fd);
	block_all(&old);
	/* Otherwise setns(home) from home checks what the way back will,
	 * and changes nothing. */
	if (!proved && setns(h->home, CLONE_NEWNET) < 0) {
		/* The way back is not ours to take (or home is gone): the
		 * thread has not moved; the worker does it. */
		unblock(&old);
		return 0;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		s = errno == EINVAL ? -EMEDIUMTYPE : negerrno();
		unblock(&old);
		/* Without the probe, EPERM may be what it would have said:
		 * the worker decides then, as before. */
		if (proved && s == -EPERM)
			return 0;
		*ret = s;
		return 1;
	}
	s = socket(domain, type | SOCK_CLOEXEC, protocol);
	if (s < 0)
		s = negerrno();
	while (setns(h->home, CLONE_NEWNET) < 0)
		if (errno != ENOMEM)
			abort(); /* see the top of this file */
	unblock(&old);
	*ret = s;
	return 1;
}
