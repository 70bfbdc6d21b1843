#!/usr/bin/env bats
# netns monitor side by side with ip netns monitor, on the run directory ip
# knows (/run/netns, the sandbox's own): every add and every delete that the
# kernel's inotify queue shows, in its order, even for a name that is gone
# before anyone could look at it (issue 18: 149 of 200 short-lived names
# were reported, 103 of 300 for a reused name).

load helpers

bats_require_minimum_version 1.5.0

setup() {
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	command -v stdbuf >/dev/null || skip "stdbuf (coreutils) is not installed"
	export NETNS_RUN_DIR=/run/netns # the one directory ip uses
	P=$(uniq_name m)
	NS_OUT=$BATS_TEST_TMPDIR/netns.out
	IP_OUT=$BATS_TEST_TMPDIR/ip.out
}

teardown() {
	local f
	# A stopped monitor would never take its SIGTERM.
	[ -z "${NS_PID:-}" ] || kill -CONT "$NS_PID" 2>/dev/null || true
	cleanup_tracked
	# Whatever a failed loop left behind.
	for f in /run/netns/"$P"*; do
		[ -e "$f" ] || continue
		umount -l "$f" 2>/dev/null || true
		rm -f "$f"
	done
}

# has_watch PID: PID holds an inotify fd with a watch on it (fdinfo lists
# one "inotify wd:" line per watch), so every later event reaches it.
has_watch() {
	grep -qs '^inotify wd:' /proc/"$1"/fdinfo/*
}

# wait_line FILE LINE: waits, at most 20 s, for LINE in FILE.
wait_line() {
	local i
	for i in $(seq 400); do
		grep -qxF -- "$2" "$1" && return 0
		sleep 0.05
	done
	echo "# no '$2' in $1, which holds $(wc -l <"$1") lines, ending:" >&2
	tail -n 5 "$1" | sed 's/^/#   /' >&2
	return 1
}

# start_monitors: netns monitor into $NS_OUT and ip netns monitor into
# $IP_OUT (line-buffered through stdbuf: ip never flushes), both watching
# before this returns; then a first name, $P-start, made and seen by both.
start_monitors() {
	local i
	netns monitor >"$NS_OUT" 2>"$NS_OUT.err" 3>&- &
	NS_PID=$!
	track_pid "$NS_PID"
	stdbuf -oL ip netns monitor >"$IP_OUT" 2>"$IP_OUT.err" 3>&- &
	IP_PID=$!
	track_pid "$IP_PID"
	for i in $(seq 100); do
		has_watch "$NS_PID" && has_watch "$IP_PID" && break
		sleep 0.05
	done
	has_watch "$NS_PID"
	has_watch "$IP_PID"
	# Also makes /run/netns a shared mount before any loop runs, so that
	# parallel ip netns adds never race to bind it onto itself.
	ip netns add "$P-start"
	wait_line "$NS_OUT" "add $P-start"
	wait_line "$IP_OUT" "add $P-start"
}

# stop_monitors: deletes $P-start, waits for both monitors to tell it (the
# last event), stops them. netns monitor must end with status 0, silent on
# stderr.
stop_monitors() {
	ip netns delete "$P-start"
	wait_line "$NS_OUT" "delete $P-start"
	wait_line "$IP_OUT" "delete $P-start"
	kill -TERM "$NS_PID" "$IP_PID"
	wait "$NS_PID"
	wait "$IP_PID" || true
	[ ! -s "$NS_OUT.err" ] || { cat "$NS_OUT.err" >&2; false; }
}

# loop PREFIX N [ONE]: N times ip netns add then delete PREFIX$i (the same
# name PREFIX each time when ONE is given); fails at the first failure.
loop() {
	local i n
	for i in $(seq "$2"); do
		n=$1$i
		[ -z "${3:-}" ] || n=$1
		ip netns add "$n" || return 1
		ip netns delete "$n" || return 1
	done
}

# count FILE VERB: lines "VERB $P-..." in FILE, the start name left out.
count() {
	grep -c -- "^$2 $P-" "$1" | { read -r c; echo $((c - 1)); }
}

# told FILE N: FILE holds N adds and N deletes of the loops' names.
told() {
	local a d
	a=$(count "$1" add)
	d=$(count "$1" delete)
	echo "# ${1##*/}: $a adds, $d deletes, of $2 each" >&2
	[ "$a" -eq "$2" ]
	[ "$d" -eq "$2" ]
}

# paired FILE: per name, the lines alternate add, delete, add, ... and end
# with a delete: never a delete without its add, nothing told twice.
paired() {
	awk '{ if ($1 == "add") { if (s[$2]) bad = bad " " NR; s[$2] = 1 }
	       else { if (!s[$2]) bad = bad " " NR; s[$2] = 0 } }
	     END { for (n in s) if (s[n]) bad = bad " open:" n
	           if (bad != "") { print "# unpaired at lines" bad; exit 1 } }' "$1" >&2
}

# same_as_ip: netns monitor printed exactly what ip netns monitor did.
same_as_ip() {
	diff "$IP_OUT" "$NS_OUT" | head -n 20 | sed 's/^/# /' >&2
	cmp -s "$IP_OUT" "$NS_OUT"
}

@test "monitor: 200 short-lived names, each added and deleted, as ip netns monitor tells them" {
	start_monitors
	loop "$P-" 200
	stop_monitors
	told "$IP_OUT" 200
	told "$NS_OUT" 200
	paired "$NS_OUT"
	same_as_ip
}

@test "monitor: one name added and deleted 300 times: 300 adds and 300 deletes, in turn" {
	start_monitors
	loop "$P-again" 300 one
	stop_monitors
	told "$IP_OUT" 300
	told "$NS_OUT" 300
	paired "$NS_OUT"
	[ "$(grep -cxF -- "add $P-again" "$NS_OUT")" -eq 300 ]
	same_as_ip
}

@test "monitor: 4 loops in parallel, 100 names each: every add and delete, in the kernel's order" {
	local pids=() k
	start_monitors
	for k in 1 2 3 4; do
		loop "$P-$k-" 100 &
		pids+=($!)
		track_pid $!
	done
	for k in "${pids[@]}"; do
		wait "$k"
	done
	stop_monitors
	told "$IP_OUT" 400
	told "$NS_OUT" 400
	paired "$NS_OUT"
	same_as_ip
}

@test "monitor: an overflow of the kernel's queue is said, then what changed meanwhile, every delete after its add" {
	local max i d
	max=$(cat /proc/sys/fs/inotify/max_queued_events)
	[ "$max" -le 262144 ] || skip "max_queued_events is $max: too many files to make"
	d=$BATS_TEST_TMPDIR/run
	mkdir "$d"
	export NETNS_RUN_DIR=$d
	netns monitor >"$NS_OUT" 2>"$NS_OUT.err" 3>&- &
	NS_PID=$!
	track_pid "$NS_PID"
	for i in $(seq 100); do
		has_watch "$NS_PID" && break
		sleep 0.05
	done
	: >"$d/first"
	wait_line "$NS_OUT" "add first"
	# Stopped, it reads nothing: the queue fills with the creates of
	# n1..n$max and overflows; the removals and late's create are dropped.
	kill -STOP "$NS_PID"
	for i in $(seq 100); do
		[ "$(awk '{ print $3 }' /proc/"$NS_PID"/stat)" = T ] && break
		sleep 0.05
	done
	for i in $(seq $((max + 10))); do
		: >"$d/n$i"
	done
	: >"$d/late"
	rm -f "$d"/n*
	rm "$d/first"
	kill -CONT "$NS_PID"
	wait_line "$NS_OUT" "add late"
	rm "$d/late"
	wait_line "$NS_OUT" "delete late"
	kill -TERM "$NS_PID"
	wait "$NS_PID"
	[ "$(cat "$NS_OUT.err")" = "netns: monitor: $d: events lost (the kernel's inotify queue overflowed); what changed meanwhile follows" ]
	paired "$NS_OUT"
	# Every n told added before the overflow is told deleted after it.
	[ "$(grep -c '^add n' "$NS_OUT")" -ge $((max - 2)) ]
	[ "$(grep -c '^add n' "$NS_OUT")" -eq "$(grep -c '^delete n' "$NS_OUT")" ]
	[ "$(grep -cx 'delete first' "$NS_OUT")" -eq 1 ]
}
