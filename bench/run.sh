#!/bin/sh
# make bench: runs every benchmark script in bench/ in turn, in a private mount
# namespace with a fresh /run/netns, so nothing it makes outlives it.
set -eu
: "${BUILD:?set BUILD to the build directory}"
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: needs root" >&2
	exit 1
fi
if [ -z "${NETNS_BENCH_SANDBOX:-}" ]; then
	mkdir -p /run/netns
	NETNS_BENCH_SANDBOX=1 exec unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=0755 netns-bench /run/netns
export BUILD PATH="$BUILD:$PATH"
if [ $# -eq 0 ]; then
	set -- bench/*.sh
fi
for script; do
	[ "$script" = bench/run.sh ] && continue
	echo "== $script"
	sh "$script"
done
