#!/bin/sh
# Runs the test suite (all of it, or the files given) through prove, as root,
# inside a private mount namespace whose /run/netns is a fresh tmpfs: every
# name, mount and namespace a test makes dies with that mount namespace, even
# when a test fails. Each test still cleans up after itself.
set -eu
: "${BUILD:?set BUILD to the build directory}"
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: the tests need root (network namespaces and mounts)" >&2
	exit 1
fi
if [ -z "${NETNS_TEST_SANDBOX:-}" ]; then
	mkdir -p /run/netns
	NETNS_TEST_SANDBOX=1 exec unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=0755 netns-tests /run/netns

export BUILD PATH="$BUILD:$PATH"
export NETNS_TESTS="$PWD/tests"
if [ $# -eq 0 ]; then
	set -- "$BUILD"/tests/*.t tests/cli/*.bats
fi
exec prove --timer "$@"
