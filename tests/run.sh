#!/bin/sh
# Runs the test suite (all of it, or the files given) through prove, inside
# scripts/sandbox.sh: a private mount namespace with a fresh /run/netns, so
# nothing a test makes can outlive it. Each test still cleans up after itself.
set -eu
: "${BUILD:?set BUILD to the build directory}"
cd "$(dirname "$0")/.."
export BUILD PATH="$BUILD:$PATH"
export NETNS_TESTS="$PWD/tests"
# In bats, only a test's last command may fail it through &&: a line
# "[ A ] && [ B ]" anywhere else ignores a false A (set -e does not apply to
# the left of &&). One assertion per line; this keeps the pattern out.
weak=$(grep -snE '^[[:space:]]*\[\[? [^|]*\]\]? && \[|^[[:space:]]*\[\[? .*\]\]? &&[[:space:]]*$' \
	tests/cli/*.bats tests/cli/*.bash || true)
if [ -n "$weak" ]; then
	printf '%s\n' "tests/run.sh: assertions that cannot fail on their left side (write one per line):" \
		"$weak" >&2
	exit 1
fi
if [ $# -eq 0 ]; then
	set -- "$BUILD"/tests/*.t tests/cli/*.bats
fi
exec scripts/sandbox.sh prove --timer "$@"
