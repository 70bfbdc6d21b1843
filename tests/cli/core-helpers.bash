# Shared by core.bats, errors.bats, exec.bats, interop.bats and build.bats:
# scratch run directories, processes and threads parked in a namespace, and
# the cleanup for them. Loads helpers.bash.
load helpers

bats_require_minimum_version 1.5.0

declare -a SCRATCH_DIRS=()

# mk_scratch VAR: makes a temporary directory, removed (with every mount on
# or below it) by teardown, and stores its path in VAR.
mk_scratch() {
	local d
	d=$(mktemp -d /tmp/netns-cli.XXXXXX)
	SCRATCH_DIRS+=("$d")
	printf -v "$1" '%s' "$d"
}

cleanup_scratch() {
	local d m i
	for d in "${SCRATCH_DIRS[@]}"; do
		# Deepest mounts first; a dir mounted on itself may be stacked.
		for i in 1 2 3 4 5 6 7 8; do
			m=$(awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' \
				/proc/self/mountinfo | sort -r)
			[ -n "$m" ] || break
			# shellcheck disable=SC2086
			umount -l $m 2>/dev/null || true
		done
		rm -rf "$d"
	done
}

teardown() {
	cleanup_tracked
	cleanup_scratch
}

# The inode of the current shell's network namespace.
host_inode() {
	ns_inode /proc/self/ns/net
}

# A pid that cannot exist: pid_max itself is never handed out.
pid_never() {
	cat /proc/sys/kernel/pid_max
}

# wait_ns PID TID INODE: waits (at most 5 s) until thread TID of PID is in
# the namespace with INODE.
wait_ns() {
	local i
	for i in $(seq 100); do
		[ "$(ns_inode "/proc/$1/task/$2/ns/net" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.05
	done
	echo "# thread $1/$2 never reached namespace $3" >&2
	return 1
}

# start_sleeper NAME|PATH: runs sleep inside the namespace via netns exec and
# sets SLEEPER to its pid once it is there. Killed by teardown.
start_sleeper() {
	local want
	want=$(ns_inode "$(ns_file "$1")")
	netns exec "$1" sleep 1000 >/dev/null 2>&1 3>&- &
	SLEEPER=$!
	track_pid "$SLEEPER"
	wait_ns "$SLEEPER" "$SLEEPER" "$want"
}

# start_hello NAME: runs tcp-hello (main thread in this namespace, one thread
# inside NAME) and sets HELLO_PID and HELLO_TID, the tid of the thread inside.
start_hello() {
	local path want t i
	path=$(ns_file "$1")
	want=$(ns_inode "$path")
	tcp-hello -p $((20000 + RANDOM % 20000)) "$path" >/dev/null 2>&1 3>&- &
	HELLO_PID=$!
	track_pid "$HELLO_PID"
	HELLO_TID=
	for i in $(seq 100); do
		for t in /proc/"$HELLO_PID"/task/*; do
			t=${t##*/}
			if [ "$t" != "$HELLO_PID" ] &&
				[ "$(ns_inode "/proc/$HELLO_PID/task/$t/ns/net" 2>/dev/null)" = "$want" ]; then
				HELLO_TID=$t
				return 0
			fi
		done
		sleep 0.05
	done
	echo "# tcp-hello never had a thread in $1" >&2
	return 1
}

# The nsfs file of a NAME (in the run dir in force) or a PATH.
ns_file() {
	case $1 in
	*/*) echo "$1" ;;
	*) echo "${NETNS_RUN_DIR:-/run/netns}/$1" ;;
	esac
}

# Asserts that the last `run --separate-stderr` failed with EXPECTED status
# and printed exactly one line on stderr, starting with PREFIX, and nothing
# on stdout.
assert_one_error() {
	local want=$1 prefix=$2
	if [ "$status" -ne "$want" ]; then
		echo "# status $status, want $want; stderr: $stderr" >&2
		return 1
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "# want one line on stderr, got ${#stderr_lines[@]}: $stderr" >&2
		return 1
	fi
	if [[ "${stderr_lines[0]}" != "$prefix"* ]]; then
		echo "# stderr '${stderr_lines[0]}' does not start with '$prefix'" >&2
		return 1
	fi
	if [ -n "$output" ]; then
		echo "# unexpected stdout: $output" >&2
		return 1
	fi
}

# A usage error: exit 2, the message, then exactly one hint line.
assert_usage_error() {
	local prefix=$1 hint=$2
	if [ "$status" -ne 2 ]; then
		echo "# status $status, want 2; stderr: $stderr" >&2
		return 1
	fi
	if [ "${#stderr_lines[@]}" -ne 2 ]; then
		echo "# want 2 lines on stderr, got ${#stderr_lines[@]}: $stderr" >&2
		return 1
	fi
	[[ "${stderr_lines[0]}" == "$prefix"* ]] || {
		echo "# '${stderr_lines[0]}' does not start with '$prefix'" >&2
		return 1
	}
	[ "${stderr_lines[1]}" = "$hint" ] || {
		echo "# hint '${stderr_lines[1]}', want '$hint'" >&2
		return 1
	}
	[ -z "$output" ] || {
		echo "# unexpected stdout: $output" >&2
		return 1
	}
}
