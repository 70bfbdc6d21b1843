#!/bin/sh
# sandbox.sh CMD [ARGS...]: runs CMD as root in a private mount namespace whose
# /run/netns is a fresh tmpfs, so every name and mount that CMD makes dies with
# it, even when CMD fails or is killed. Used by the tests and the benchmarks.
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
mount -t tmpfs -o mode=0755 netns-sandbox /run/netns
exec "$@"
