#!/bin/sh
# sandbox.sh CMD [ARGS...]: runs CMD as root in a private mount namespace, so
# that every name and mount CMD makes dies with it, even when CMD fails or is
# killed; nothing propagates back to the machine. Inside, / is shared again,
# in a peer group of the sandbox's own, as systemd leaves it on a real host.
# /run is a fresh shared tmpfs with an empty /run/netns in it, as on a
# systemd host where no tool has named a namespace yet: whatever CMD and the
# tools it runs write under /run (names, the reference CNI plugins' /run/cni,
# ...) dies with the sandbox. With NETNS_HOSTLIKE set (scripts/hostlike.sh,
# which has given CMD a /run of its own already), CMD sees the /run/netns it
# was given instead, with the names that other software made in it, and must
# leave them alone. Used by the tests and the benchmarks.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "${0##*/}: needs root (network namespaces and mounts)" >&2
	exit 1
fi
if [ -z "${NETNS_SANDBOX:-}" ]; then
	NETNS_SANDBOX=1 exec unshare --mount --propagation private "$0" "$@"
fi
# mount -n: no utab, which libmount would write into the host's /run/mount.
mount -n --make-shared /
if [ -z "${NETNS_HOSTLIKE:-}" ]; then
	mount -n -t tmpfs -o mode=0755,nosuid,nodev netns-sandbox /run
	mount -n --make-shared /run
	mkdir -p /run/netns /run/lock
else
	if mountpoint -q /run; then mount -n --make-shared /run; fi
	if mountpoint -q /run/netns; then mount -n --make-shared /run/netns; fi
fi
exec "$@"
