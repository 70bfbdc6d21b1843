/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An interface plugin's DEL of a veth pair (netns-ptp's): out of the way at once, deleted a moment
 * later by a process of its own (docs/cni.md describes it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtnl.h"

/* Deletes the attachment's veth the way DEL promises, without waiting for
 * the kernel: the deletion of a veth waits ~21 ms for RCU grace periods
 * (measured: `ip link del`, 25 ms less ip's own 4 ms), renaming it and
 * setting it down ~1 ms each end (minimum of 10 runs: 0.4 and 0.9 ms for the
 * renames, 0.3 ms for each down, 0.6 ms for an address; the deletion
 * 14-21 ms). So: both ends renamed and down (their names are free, the
 * kernel drops their routes), their addresses deleted, and the deletion of
 * the pair left to a process of its own, in a session of its own, holding
 * /dev/null as stdin, stdout and stderr, so that nothing the runtime waits on
 * stays open. It holds the nftables socket too, so that the RCU wait on its
 * close (see cni_nft_open()) is not DEL's. Returns 0, or -1 when the caller
 * deletes the links itself (not there, or a step failed). */
int cni_veth_retire(const char *host_if, const char *ifname, int fd)
{
	struct mnl_socket *hnl = NULL, *cnl = NULL;
	char mac[18], name[16];
	int hidx = 0, cidx = 0, r, ret = -1, nul;
	pid_t pid;

	r = cni_rtnl_open(-1, &hnl);
	if (r == 0)
		r = cni_rtnl_link(hnl, host_if, &hidx, mac);
	if (r == 0 && fd >= 0 && cni_rtnl_open(fd, &cnl) == 0 &&
	    cni_rtnl_link(cnl, ifname, &cidx, mac) < 0)
		cidx = 0;
	if (r < 0)
		goto out;
	snprintf(name, sizeof(name), CNI_RETIRED "%d", hidx);
	if (cni_rtnl_link_retire(hnl, hidx, name) < 0)
		goto out;
	/* From here on the links are out of the way, whatever fails next:
	 * the detached process deletes them in any case. */
	cni_rtnl_addrs_flush(hnl, hidx);
	if (cidx) {
		snprintf(name, sizeof(name), CNI_RETIRED "%d", cidx);
		if (cni_rtnl_link_retire(cnl, cidx, name) == 0)
			cni_rtnl_addrs_flush(cnl, cidx);
	}
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid = nul >= 0 ? fork() : -1;
	if (pid == 0) {
		if (fork() != 0)
			_exit(0);
		setsid();
		dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
		cni_rtnl_link_del(hnl, hidx); /* the peer goes with it */
		if (cidx)
			cni_rtnl_link_del(cnl, cidx); /* when it was not the peer */
		_exit(0);
	}
	if (nul >= 0)
		close(nul);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (pid < 0) { /* no process: delete here, the names are free anyway */
		cni_rtnl_link_del(hnl, hidx);
		if (cidx)
			cni_rtnl_link_del(cnl, cidx);
	}
	ret = 0;
out:
	cni_rtnl_close(hnl);
	cni_rtnl_close(cnl);
	return ret;
}
