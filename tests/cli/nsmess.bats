#!/usr/bin/env bats
# ns-mess: the thread-pool namespace bug (naive) and its fix (--safe).

load helpers

# Starts ns-mess --hold ARGS in the background and waits for its holding line.
start_hold() {
	OUT="$BATS_TEST_TMPDIR/out"
	ns-mess --hold "$@" >"$OUT" 2>&1 3>&- &
	HOLD_PID=$!
	track_pid "$HOLD_PID"
	for _ in $(seq 100); do
		grep -q '^ns-mess: holding' "$OUT" && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT"
	return 1
}

# Stops the held process with SIGTERM; its exit status goes to HOLD_STATUS.
stop_hold() {
	kill -TERM "$HOLD_PID"
	HOLD_STATUS=0
	wait "$HOLD_PID" || HOLD_STATUS=$?
}

# ns-mess names its namespace ns-mess-PID and removes it on exit; the run
# dir may hold other software's names, which must stay as they were.
@test "ns-mess: naive mode reports every task as MESSY and exits 1" {
	before=$(ls -A /run/netns)
	run ns-mess
	[ "$status" -eq 1 ]
	[ "$(grep -c '^MESSY ' <<<"$output")" -eq 8 ]
	host=$(ns_inode /proc/self/ns/net)
	grep -Eq "^MESSY report-1: expected $host, actual [0-9]+\$" <<<"$output"
	refute grep -q "actual $host\$" <<<"$output"
	grep -q '8 in the wrong namespace' <<<"$output"
	[ "$(ls -A /run/netns)" = "$before" ]
}

@test "ns-mess: the bug reproduces on every run" {
	for _ in 1 2 3 4 5; do
		run ns-mess
		[ "$status" -eq 1 ]
		[ "$(grep -c '^MESSY ' <<<"$output")" -eq 8 ]
	done
}

@test "ns-mess --safe: no messy task, exit 0" {
	before=$(ls -A /run/netns)
	run ns-mess --safe
	[ "$status" -eq 0 ]
	refute grep -q '^MESSY' <<<"$output"
	grep -q '0 in the wrong namespace' <<<"$output"
	[ "$(ls -A /run/netns)" = "$before" ]
}

@test "ns-mess --hold: netns threads shows the leaked workers as diverged" {
	start_hold
	[ -e "/run/netns/ns-mess-$HOLD_PID" ]
	run netns threads "$HOLD_PID"
	[ "$status" -eq 3 ]
	[ "$(grep -c " yes .*ns-mess-$HOLD_PID" <<<"$output")" -eq 4 ]
	stop_hold
	[ "$HOLD_STATUS" -eq 1 ]
	[ ! -e "/run/netns/ns-mess-$HOLD_PID" ]
}

@test "ns-mess --hold --safe: netns threads shows no diverged thread" {
	start_hold --safe
	run netns threads "$HOLD_PID"
	[ "$status" -eq 0 ]
	refute grep -q ' yes ' <<<"$output"
	stop_hold
	[ "$HOLD_STATUS" -eq 0 ]
	[ ! -e "/run/netns/ns-mess-$HOLD_PID" ]
}

@test "ns-mess: bad arguments are usage errors" {
	run ns-mess --bogus
	[ "$status" -eq 2 ]
	run ns-mess extra
	[ "$status" -eq 2 ]
	grep -q "unexpected argument 'extra'" <<<"$output"
	run ns-mess --help
	[ "$status" -eq 0 ]
	grep -q '^Usage: ns-mess' <<<"$output"
}
