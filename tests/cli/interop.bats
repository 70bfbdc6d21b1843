#!/usr/bin/env bats
# Interop with iproute2 in both directions: the same /run/netns layout.

load core-helpers

setup() {
	command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
}

@test "ip netns add NAME: listed by netns list, usable by netns exec" {
	x=$(uniq_name x)
	track_name "$x"
	ip netns add "$x"
	ix=$(ns_inode "/run/netns/$x")
	run -0 netns list
	grep -qxF "$x" <<<"$output"
	run -0 netns -j list
	[ "$(jq --arg n "$x" '.[] | select(.name == $n) | .inode' <<<"$output")" = "$ix" ]
	run -0 netns exec "$x" readlink /proc/self/ns/net
	[ "$output" = "net:[$ix]" ]
	run -0 netns pids "$x"
	[ -z "$output" ]
}

@test "netns add NAME: listed by ip netns list, usable by ip netns exec" {
	y=$(uniq_name y)
	track_name "$y"
	netns add "$y"
	iy=$(ns_inode "/run/netns/$y")
	run -0 ip netns list
	grep -qE "^$y( \(id: [0-9]+\))?\$" <<<"$output"
	run -0 ip netns exec "$y" readlink /proc/self/ns/net
	[ "$output" = "net:[$iy]" ]
	run -0 ip -n "$y" -o link show
	[ "$(awk -F': ' '{ print $2 }' <<<"$output")" = lo ]
}

@test "ip netns identify and pids agree with netns on a netns-made name" {
	y=$(uniq_name y)
	track_name "$y"
	netns add "$y"
	start_sleeper "$y"
	run -0 ip netns identify "$SLEEPER"
	[ "$output" = "$y" ]
	run -0 netns identify "$SLEEPER"
	[ "$output" = "$y" ]
	run -0 ip netns pids "$y"
	[ "$output" = "$SLEEPER" ]
	run -0 netns pids "$y"
	[ "$output" = "$SLEEPER" ]
	run -0 netns -j identify "$SLEEPER"
	[ "$(jq .inode <<<"$output")" = "$(ns_inode "/proc/$SLEEPER/ns/net")" ]
}

@test "ip netns exec into a netns-made name, seen by netns identify" {
	y=$(uniq_name y)
	track_name "$y"
	netns add "$y"
	run -0 ip netns exec "$y" "$BUILD/netns" identify
	[ "$output" = "$y" ]
	run -0 netns exec "$y" ip netns identify
	[ "$output" = "$y" ]
}

@test "ip netns delete removes a netns-made name, and netns delete an ip-made one" {
	x=$(uniq_name x) y=$(uniq_name y)
	track_name "$x" "$y"
	netns add "$y"
	ip netns add "$x"
	run -0 ip netns delete "$y"
	[ ! -e "/run/netns/$y" ]
	run -0 netns list
	refute grep -qxF "$y" <<<"$output"
	run -0 netns delete "$x"
	[ ! -e "/run/netns/$x" ]
	run -0 ip netns list
	refute grep -q "^$x\b" <<<"$output"
}

@test "netns attach and ip netns attach name the same namespace" {
	y=$(uniq_name y) a1=$(uniq_name a1) a2=$(uniq_name a2)
	track_name "$y" "$a1" "$a2"
	netns add "$y"
	start_sleeper "$y"
	netns attach "$a1" "$SLEEPER"
	ip netns attach "$a2" "$SLEEPER"
	[ "$(ns_inode "/run/netns/$a1")" = "$(ns_inode "/run/netns/$y")" ]
	[ "$(ns_inode "/run/netns/$a2")" = "$(ns_inode "/run/netns/$y")" ]
	run -0 netns identify "$SLEEPER"
	[ "$output" = "$(printf '%s\n' "$a1" "$a2" "$y" | sort)" ]
}

@test "an nsid set by ip netns set shows in netns -j list" {
	y=$(uniq_name y)
	track_name "$y"
	netns add "$y"
	nsid=$((8000 + $$ % 1000))
	ip netns set "$y" "$nsid"
	run -0 netns -j list
	[ "$(jq --arg n "$y" '.[] | select(.name == $n) | .nsid' <<<"$output")" = "$nsid" ]
	run -0 ip netns list
	grep -qxF "$y (id: $nsid)" <<<"$output"
}

# A host's /run/netns may already be one mount or several (the sandbox's
# tmpfs stacks on a host's): what counts is that the adds change nothing.
@test "mixing ip netns add and netns add adds no mount on the run dir, one per name" {
	w=$(uniq_name w) x=$(uniq_name x) y=$(uniq_name y) z=$(uniq_name z)
	track_name "$w" "$x" "$y" "$z"
	mounts() { awk -v p="$1" '$5 == p' /proc/self/mountinfo | wc -l; }
	netns add "$w" # the run dir is prepared (a mount point) from here on
	before=$(mounts /run/netns)
	ip netns add "$x"
	netns add "$y"
	ip netns add "$z"
	[ "$(mounts /run/netns)" -eq "$before" ]
	awk '$5 == "/run/netns"' /proc/self/mountinfo | tail -n 1 | grep -q ' shared:'
	# A name netns adds is mounted as often as one ip adds: once, unless
	# iproute2 made the run dir inside a shared /run (Debian 12's iproute2
	# 6.1 still binds it into /run's peer group, so every name shows twice;
	# netns leaves a run dir it did not make in the peer group it has).
	for n in "$y" "$z"; do
		[ "$(mounts "/run/netns/$n")" -eq "$(mounts "/run/netns/$x")" ]
	done
	peer() { awk -v p="$1" '$5 == p { g = "none"; for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) g = $i } END { print g }' /proc/self/mountinfo; }
	if [ "$(peer /run/netns)" != "$(peer /run)" ]; then
		[ "$(mounts "/run/netns/$x")" -eq 1 ]
	fi
}

@test "a name made by netns add propagates into a running ip netns exec" {
	x=$(uniq_name x) w=$(uniq_name w)
	track_name "$x" "$w"
	ip netns add "$x"
	ip netns exec "$x" sleep 1000 >/dev/null 2>&1 3>&- &
	pid=$!
	track_pid "$pid"
	wait_ns "$pid" "$pid" "$(ns_inode "/run/netns/$x")"
	for i in $(seq 100); do # ip has unshared its mount namespace once it execs sleep
		[ "$(cat "/proc/$pid/comm")" = sleep ] && break
		sleep 0.05
	done
	[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
	netns add "$w"
	[ "$(stat -f -c %T "/proc/$pid/root/run/netns/$w")" = nsfs ]
	[ "$(ns_inode "/proc/$pid/root/run/netns/$w")" = "$(ns_inode "/run/netns/$w")" ]
	netns delete "$w"
	[ ! -e "/proc/$pid/root/run/netns/$w" ]
}
