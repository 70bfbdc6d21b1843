#!/bin/sh
# sandbox.sh CMD [ARGS...]: runs CMD as root in a private mount namespace, so
# that every name and mount CMD makes dies with it, even when CMD fails or is
# killed; nothing propagates back to the machine. Inside, / and /run (when it
# is a mount point) are shared again, in peer groups of the sandbox's own, as
# systemd leaves them on a real host, so the suite always runs under shared
# parents. /run/netns is a fresh tmpfs, unless NETNS_HOSTLIKE is set
# (scripts/hostlike.sh): then CMD sees the /run/netns it was given, with the
# names that other software made in it, and must leave them alone.
# Used by the tests and the benchmarks.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "${0##*/}: needs root (network namespaces and mounts)" >&2
	exit 1
fi
if [ -z "${NETNS_SANDBOX:-}" ]; then
	made=
	[ -d /run/netns ] || { mkdir -p /run/netns && made=1; }
	status=0
	NETNS_SANDBOX=1 unshare --mount --propagation private "$0" "$@" || status=$?
	# Leave the host as we found it: the directory too, if we made it.
	[ -n "$made" ] && rmdir /run/netns 2>/dev/null
	exit "$status"
fi
mount --make-shared /
if mountpoint -q /run; then mount --make-shared /run; fi
if [ -z "${NETNS_HOSTLIKE:-}" ]; then
	mount -t tmpfs -o mode=0755 netns-sandbox /run/netns
elif mountpoint -q /run/netns; then
	mount --make-shared /run/netns
fi
exec "$@"
