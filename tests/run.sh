#!/bin/sh
# Runs the test suite (all of it, or the files given) through prove, inside
# scripts/sandbox.sh: a private mount namespace with a fresh /run/netns, so
# nothing a test makes can outlive it. Each test still cleans up after itself.
set -eu
: "${BUILD:?set BUILD to the build directory}"
cd "$(dirname "$0")/.."
export BUILD PATH="$BUILD:$PATH"
export NETNS_TESTS="$PWD/tests"
if [ $# -eq 0 ]; then
	set -- "$BUILD"/tests/*.t tests/cli/*.bats
fi
exec scripts/sandbox.sh prove --timer "$@"
