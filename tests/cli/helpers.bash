# Shared by the bats files. tests/run.sh has already put us in a private mount
# namespace with a fresh /run/netns and $BUILD first in PATH.

# A name unique to this test run, so tests never collide with each other or
# with anything else on the machine.
uniq_name() {
	echo "t$$-${BATS_TEST_NUMBER:-0}-$1"
}

# Names and pids made by the current test, removed by teardown whatever happens.
declare -a CLEAN_NAMES=() CLEAN_PIDS=()

track_name() { CLEAN_NAMES+=("$@"); }
track_pid() { CLEAN_PIDS+=("$@"); }

cleanup_tracked() {
	local p n
	for p in "${CLEAN_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for n in "${CLEAN_NAMES[@]}"; do
		umount -l "/run/netns/$n" 2>/dev/null || true
		rm -f "/run/netns/$n"
	done
}

teardown() {
	cleanup_tracked
}

# The inode of a namespace file or /proc link, as ls -i and readlink show it.
ns_inode() {
	stat -L -c %i "$1"
}

# refute CMD...: fails when CMD succeeds. Bats ignores a failing `! CMD`
# unless it is the test's last command (set -e exempts negated pipelines).
refute() {
	if "$@"; then
		echo "# unexpectedly succeeded: $*" >&2
		return 1
	fi
}
