#!/usr/bin/env bats
# netns lab: a down never touches what is not the lab's (an inode number the
# kernel handed to another namespace, a state file edited by hand), an up or
# a down killed with SIGKILL at any moment leaves a state the next command
# finishes from, and an up makes again what was removed by hand (drift).
# Addresses are 10.0.0.0/8 from lab gen, only ever inside the lab's
# namespaces.

load lab-helpers

setup() {
	lab_setup k
	FOREIGN=()
}

teardown() {
	local p
	for p in "${FOREIGN[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	netns lab down "$LAB" >/dev/null 2>&1 || true
	netns delete --prefix "$LAB-" >/dev/null 2>&1 || true
	cleanup_tracked
	cleanup_scratch
}

inode() {
	ns_inode "$NETNS_RUN_DIR/$LAB-$1"
}

# foreign: starts `unshare -n sleep 300`, a process in a namespace of its
# own that is none of the lab's, and sets PID to it once it is in there.
foreign() {
	local host i
	host=$(host_inode)
	unshare -n sleep 300 >/dev/null 2>&1 3>&- &
	PID=$!
	FOREIGN+=("$PID")
	for i in $(seq 100); do
		local now
		now=$(ns_inode "/proc/$PID/ns/net" 2>/dev/null) || now=
		if [ -n "$now" ] && [ "$now" != "$host" ]; then
			return 0
		fi
		sleep 0.02
	done
	echo "# unshare -n sleep never got a namespace" >&2
	return 1
}

write_three() {
	cat >"$SCR/lab.yml" <<EOF
name: $LAB
topology:
  nodes:
    a: {}
    b: {}
    c: {}
  links:
    - endpoints: ["a:eth0:10.87.0.1/30", "b:eth0:10.87.0.2/30"]
    - endpoints: ["b:eth1:10.87.0.5/30", "c:eth0:10.87.0.6/30"]
EOF
}

@test "down does not signal a process whose namespace got a deleted node's inode number" {
	write_three
	netns lab up "$SCR/lab.yml"
	freed=$(inode b)
	netns delete "$LAB-b"
	# The kernel hands the lowest free nsfs inode number (one counter for
	# every namespace type, the whole machine's) to the next namespace
	# made. The misses below it are kept alive, so that each try takes the
	# next hole up; one above it means the number is not free yet (the
	# kernel frees a namespace a moment after its last reference goes).
	found=
	for i in $(seq 600); do
		foreign
		got=$(ns_inode "/proc/$PID/ns/net")
		if [ "$got" = "$freed" ]; then
			found=$PID
			break
		fi
		if [ "$got" -gt "$freed" ]; then
			sleep 0.01
		fi
	done
	if [ -z "$found" ]; then
		skip "no new namespace got the freed inode number $freed in 600 tries"
	fi
	run -0 --separate-stderr netns lab down "$LAB"
	[ "$stderr" = "" ]
	kill -0 "$found"
	[ "$(ns_inode "/proc/$found/ns/net")" = "$freed" ]
	[ "$(names)" = "" ]
}

@test "down does not signal a process in a foreign namespace a state file was edited to name" {
	write_three
	netns lab up "$SCR/lab.yml"
	foreign
	ino=$(ns_inode "/proc/$PID/ns/net")
	dev=$(stat -L -c %d "/proc/$PID/ns/net")
	jq --argjson i "$ino" --argjson d "$dev" \
		'(.nodes[] | select(.name == "a")) |= (.inode = $i | .dev = $d)' \
		"$NETNS_RUN_DIR-lab/$LAB.json" >"$SCR/st"
	cp "$SCR/st" "$NETNS_RUN_DIR-lab/$LAB.json"
	run -0 --separate-stderr netns lab down "$LAB"
	[ "$stderr" = "" ]
	kill -0 "$PID"
	[ "$(ns_inode "/proc/$PID/ns/net")" = "$ino" ]
	# a's name is not the namespace recorded now: left alone.
	[ "$(names)" = "$LAB-a " ]
}

@test "up makes again a node deleted by hand, and check passes" {
	write_three
	netns lab up "$SCR/lab.yml"
	a=$(inode a)
	netns delete "$LAB-b"
	run -0 --separate-stderr netns lab up "$SCR/lab.yml"
	[ "$stderr" = "netns: lab: $LAB: 1 node and 2 links gone since the last up: made again" ]
	[ "$(names)" = "$LAB-a $LAB-b $LAB-c " ]
	[ "$(inode a)" = "$a" ]
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "2 links: 2 ok, 0 failed, 0 skipped" ]
	run -0 netns lab up "$SCR/lab.yml"
	[ "$output" = "lab $LAB is up to date" ]
}

@test "up makes again a link deleted by hand inside a node, and check passes" {
	write_three
	netns lab up "$SCR/lab.yml"
	a=$(inode a)
	netns exec "$LAB-c" ip link delete eth0
	refute netns exec "$LAB-b" ip link show dev eth1
	run -0 --separate-stderr netns lab up "$SCR/lab.yml"
	[ "$stderr" = "netns: lab: $LAB: 0 nodes and 1 link gone since the last up: made again" ]
	[ "$(inode a)" = "$a" ]
	netns exec "$LAB-b" ip link show dev eth1
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "2 links: 2 ok, 0 failed, 0 skipped" ]
	run -0 netns lab up "$SCR/lab.yml"
	[ "$output" = "lab $LAB is up to date" ]
}

@test "up refuses, naming it, a node whose name is another namespace now" {
	write_three
	netns lab up "$SCR/lab.yml"
	netns delete "$LAB-c"
	netns add "$LAB-c"
	other=$(inode c)
	run -1 --separate-stderr netns lab up "$SCR/lab.yml"
	[ "$stderr" = "netns: lab: lab $LAB: node 'c': $LAB-c is another namespace now, not the lab's: delete it, or the lab" ]
	[ "$(inode c)" = "$other" ]
	netns delete "$LAB-c"
}

# What the run directory and the state directory hold, and the veths of
# this namespace (the lab's are born in its nodes): after a down, nothing
# of the lab.
leftovers() {
	ls -A "$NETNS_RUN_DIR"
	ls -A "$NETNS_RUN_DIR-lab" 2>/dev/null || true
	ip -o link show type veth | wc -l
}

# kill_at US CMD...: runs CMD in the background and kills it with SIGKILL
# after US microseconds (if it has not finished by then).
kill_at() {
	local us=$1 pid
	shift
	"$@" >/dev/null 2>&1 3>&- &
	pid=$!
	sleep "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" || true
}

# kill_below N CMD...: runs CMD in the background and kills it with SIGKILL
# once fewer than N of the lab's names are mounted (or when it ends): a
# down killed while its threads are unmounting. /proc/self/mountinfo is
# read with mapfile (read(1) reads a /proc file a byte at a time: 30 ms).
kill_below() {
	local n=$1 pid m l c
	shift
	"$@" >/dev/null 2>&1 3>&- &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		c=0
		mapfile -t m </proc/self/mountinfo
		for l in "${m[@]}"; do
			[[ $l == *" $NETNS_RUN_DIR/$LAB-"* ]] && c=$((c + 1))
		done
		[ "$c" -lt "$n" ] && break
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" || true
}

# took_us CMD...: how long CMD took, in microseconds, on stdout.
took_us() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 3>&-
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}

# down_clean WHEN: one down, after which nothing of the lab is left. An up
# killed before it recorded anything leaves no lab ("no lab").
down_clean() {
	run netns lab down "$LAB"
	if [ "$status" != 0 ] && [ "$output" != "netns: lab: no lab $LAB" ]; then
		echo "# $1: down: status $status: $output" >&2
		return 1
	fi
	if [ "$(leftovers)" != "$empty" ]; then
		echo "# $1: down left: $(leftovers)" >&2
		return 1
	fi
}

# up_again WHEN: one up brings the lab up, all 150 nodes and links.
up_again() {
	run netns lab up "$SCR/big.yml"
	if [ "$status" != 0 ] || [ "$(netns list | grep -c "^$LAB-")" != 150 ]; then
		echo "# $1: up: status $status: $output" >&2
		return 1
	fi
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "149 links: 149 ok, 0 failed, 0 skipped" ]
	run -0 netns lab up "$SCR/big.yml"
	[ "$output" = "lab $LAB is up to date" ]
}

@test "up or down killed at 44 points: one down removes everything, one up brings the lab up" {
	netns lab gen line 150 "$LAB" >"$SCR/big.yml"
	empty=$(leftovers)
	# The kill points are spread over the time an up and a down of this
	# lab take here (measured first: the machine may be busy). A down
	# unmounts its names within a millisecond or two, too short to hit by
	# time: half of its kill points come once fewer than N names are
	# mounted. After each kill, a down; or an up (then a check and an
	# unchanged up) and a down.
	up_us=$(took_us netns lab up "$SCR/big.yml")
	down_us=$(took_us netns lab down "$LAB")
	[ "$(leftovers)" = "$empty" ]
	for k in $(seq 0 21); do
		us=$((1000 + up_us * k / 21))
		kill_at "$us" netns lab up "$SCR/big.yml"
		if [ $((k % 2)) = 1 ]; then
			up_again "up killed at $us us"
		fi
		down_clean "up killed at $us us"
	done
	for k in $(seq 0 21); do
		netns lab up "$SCR/big.yml"
		if [ $((k % 4)) -lt 2 ]; then
			us=$((down_us * k / 21))
			when="down killed at $us us"
			kill_at "$us" netns lab down "$LAB"
		else
			when="down killed with fewer than $((150 - k * 6)) names mounted"
			kill_below $((150 - k * 6)) netns lab down "$LAB"
		fi
		if [ $((k % 2)) = 1 ]; then
			up_again "$when"
		fi
		down_clean "$when"
	done
}

# kill_at_call SYSCALL K CMD...: runs CMD under strace, which kills it with
# SIGKILL as one of its threads enters its Kth SYSCALL (strace counts per
# thread).
kill_at_call() {
	local sc=$1 k=$2
	shift 2
	strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$k" \
		"$@" >/dev/null 2>&1 3>&- || true
}

@test "up or down killed at its Nth mount, umount2, unlink or netlink send: down and up recover" {
	command -v strace >/dev/null || skip "strace is not installed (Debian package strace)"
	netns lab gen line 150 "$LAB" >"$SCR/big.yml"
	empty=$(leftovers)
	# Exact points by time are a matter of luck for a down: its threads
	# unmount 150 names in a millisecond or two (umount2 1: the first of
	# them), then its main thread removes each placeholder (one more
	# umount2, then unlink). An up: each of its two maker threads mounts
	# a name per node, its main thread sends a netlink request per link;
	# link 1: as it puts its first state in place (link(2), exclusive),
	# which leaves the temporary file and no state.
	i=0
	for point in link:1 mount:1 mount:20 mount:60 sendto:1 sendto:50 sendto:120 \
		umount2:1 umount2:2 umount2:60 umount2:149 unlink:1 unlink:75 unlink:150; do
		sc=${point%:*} k=${point#*:}
		case $sc in
		link | mount | sendto) kill_at_call "$sc" "$k" netns lab up "$SCR/big.yml" ;;
		*)
			netns lab up "$SCR/big.yml"
			kill_at_call "$sc" "$k" netns lab down "$LAB"
			;;
		esac
		i=$((i + 1))
		if [ $((i % 2)) = 0 ]; then
			up_again "killed at $sc $k"
		fi
		down_clean "killed at $sc $k"
	done
}

@test "a live change killed at 12 points: the next up finishes it, down removes everything" {
	netns lab gen line 150 "$LAB" >"$SCR/big.yml"
	netns lab gen line 100 "$LAB" >"$SCR/small.yml"
	empty=$(leftovers)
	netns lab up "$SCR/small.yml"
	live_us=$(took_us netns lab up "$SCR/big.yml")
	netns lab down "$LAB"
	# n100 stays and gets a link to the new n101: a veth whose end in n100
	# must not outlive an undone n101.
	for k in $(seq 0 11); do
		us=$((1000 + live_us * k / 11))
		netns lab up "$SCR/small.yml"
		kill_at "$us" netns lab up "$SCR/big.yml"
		if [ $((k % 2)) = 1 ]; then
			up_again "live change killed at $us us"
		fi
		down_clean "live change killed at $us us"
	done
}

@test "after a live change killed half-way, a new node's veth to a node that stays goes with it" {
	command -v strace >/dev/null || skip "strace is not installed (Debian package strace)"
	netns lab gen line 5 "$LAB" >"$SCR/small.yml"
	netns lab gen line 6 "$LAB" >"$SCR/big.yml"
	netns lab up "$SCR/small.yml"
	# Killed as it writes its final state (its second rename): n6 is made,
	# and the link n5:eth1 n6:eth0.
	kill_at_call rename 2 netns lab up "$SCR/big.yml"
	[ -e "$NETNS_RUN_DIR-lab/$LAB.made" ]
	netns exec "$LAB-n5" ip link show dev eth1
	# Held open from outside, n6's namespace (and its veth) would outlive
	# its name, and so would the end in n5 but for the undo.
	exec {held}<"$NETNS_RUN_DIR/$LAB-n6"
	run -0 netns lab up "$SCR/big.yml"
	exec {held}<&-
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "5 links: 5 ok, 0 failed, 0 skipped" ]
}

@test "a down killed between unmounting names and removing them: down and up finish" {
	netns lab gen line 10 "$LAB" >"$SCR/ten.yml"
	netns lab up "$SCR/ten.yml"
	# What a down killed half-way leaves: names unmounted, their empty
	# placeholders still there.
	umount -l "$NETNS_RUN_DIR/$LAB-n2" "$NETNS_RUN_DIR/$LAB-n3"
	run -0 --separate-stderr netns lab up "$SCR/ten.yml"
	[ "$stderr" = "netns: lab: $LAB: 2 nodes and 3 links gone since the last up: made again" ]
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "9 links: 9 ok, 0 failed, 0 skipped" ]
	umount -l "$NETNS_RUN_DIR/$LAB-n5"
	run -0 --separate-stderr netns lab down "$LAB"
	[ "$stderr" = "" ]
	[ "$(ls -A "$NETNS_RUN_DIR")" = "" ]
	[ ! -e "$NETNS_RUN_DIR-lab/$LAB.json" ]
}

@test "a name taken before an up killed half-way is never deleted by the down after it" {
	netns lab gen line 150 "$LAB" >"$SCR/big.yml"
	netns add "$LAB-n150"
	other=$(inode n150)
	for ms in 30 90 150 250 400; do
		kill_at $((ms * 1000)) netns lab up "$SCR/big.yml"
		run netns lab down "$LAB"
		[ "$(inode n150)" = "$other" ]
		[ "$(names)" = "$LAB-n150 " ]
	done
	netns delete "$LAB-n150"
}
