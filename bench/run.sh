#!/bin/sh
# make bench: runs every benchmark script in bench/ in turn, inside
# scripts/sandbox.sh, so nothing it makes outlives it.
set -eu
: "${BUILD:?set BUILD to the build directory}"
cd "$(dirname "$0")/.."
# The sandbox: a private mount namespace with a fresh /run/netns.
[ -n "${NETNS_SANDBOX:-}" ] || exec scripts/sandbox.sh "$0" "$@"
export BUILD PATH="$BUILD:$PATH"
if [ $# -eq 0 ]; then
	set -- bench/*.sh
fi
for script; do
	[ "$script" = bench/run.sh ] && continue
	echo "== $script"
	sh "$script"
done
