#!/usr/bin/env bats
# netns add --up, up, connect, disconnect, links: loopback state, veth pairs
# between namespaces this file makes, and the tutorial's closing exercise.
# Addresses are 10.8x/16 and fd00:8x::/64, only ever inside those namespaces.

load core-helpers

# The documented default name of the end that faces namespace PEER:
# "veth-LABEL" when LABEL is 1..10 bytes of [A-Za-z0-9_.-], else "v", the
# first 5 bytes of LABEL (others as _), "-", and FNV-1a(LABEL) in 8 hex digits.
# LABEL is PEER, the last component of a PATH, or "host" for "-".
default_ifname() {
	local label=$1 h=2166136261 i c pre=
	[ "$label" = - ] && label=host
	label=${label##*/}
	if [[ ${#label} -le 10 && $label =~ ^[A-Za-z0-9_.-]+$ ]]; then
		echo "veth-$label"
		return
	fi
	for ((i = 0; i < ${#label}; i++)); do
		printf -v c '%d' "'${label:i:1}"
		h=$(((h ^ c) * 16777619 & 0xffffffff))
	done
	for ((i = 0; i < 5; i++)); do
		c=${label:i:1}
		[[ -n $c && $c =~ [A-Za-z0-9_.-] ]] && pre+=$c || pre+=_
	done
	printf 'v%s-%08x\n' "$pre" "$h"
}

# ip's view of interface IF in namespace NAME, one line.
ip_link() {
	ip -n "$1" -o link show dev "$2"
}

# wait_listen NAME PORT: waits (at most 5 s) for a TCP listener in NAME.
wait_listen() {
	local i
	for i in $(seq 100); do
		ss -N "$1" -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	echo "# nothing listens on $2 in $1" >&2
	return 1
}

# wait_oper_up NAME IF: waits (at most 10 s) until IF in NAME is
# operationally up. A veth set up gets its carrier through the kernel's
# linkwatch work, which may run up to a second later (longer on a loaded
# machine); until then its qdisc drops what is sent, and a TCP connect
# waits for SYN retransmits (a run of the suite failed on this under load).
wait_oper_up() {
	local i
	for i in $(seq 200); do
		[[ "$(ip_link "$1" "$2")" == *"state UP"* ]] && return 0
		sleep 0.05
	done
	echo "# $2 in $1 is not operationally up: $(ip_link "$1" "$2")" >&2
	return 1
}

@test "add --up: lo is UP, for netns links and for ip -n" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	run -0 --separate-stderr netns add --up "$a"
	[ -z "$output" ]
	[ -z "$stderr" ]
	netns add "$b"
	run -0 netns links "$a"
	[ "${lines[0]}" = "INDEX NAME            ADMIN OPER           MTU    KIND     ADDRESSES" ]
	[ "${lines[1]}" = "1     lo              UP    UNKNOWN        65536  -        127.0.0.1/8 ::1/128" ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "$(ip_link "$a" lo)" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	# Without --up, lo stays DOWN: the tutorial's first surprise.
	run -0 netns links "$b"
	[ "${lines[1]}" = "1     lo              DOWN  DOWN           65536  -        -" ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "$(ip_link "$b" lo)" != *UP* ]]
	# ip netns exec sees it the same way.
	run -0 ip netns exec "$a" ip -o link show lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
}

@test "up brings lo up in several namespaces, by NAME and by PATH" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$a" "$b"
	run -0 --separate-stderr netns up "$a" "/run/netns/$b"
	[ -z "$output" ]
	[ -z "$stderr" ]
	[[ "$(ip_link "$a" lo)" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	[[ "$(ip_link "$b" lo)" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	run -0 netns up "$a" # already up: still fine
}

@test "up: missing namespace, bad name, no name" {
	a=$(uniq_name a) n=$(uniq_name none)
	track_name "$a"
	netns add "$a"
	run -1 --separate-stderr netns up "$n" "$a"
	assert_one_error 1 "netns: up: $n: no such namespace"
	[[ "$(ip_link "$a" lo)" != *UP* ]] # stopped before $a
	run -2 --separate-stderr netns up "$a" "."
	assert_usage_error "netns: up: '.': invalid namespace name" \
		"Try 'netns up --help' for more information."
	[[ "$(ip_link "$a" lo)" != *UP* ]] # bad input anywhere: nothing done
	run -2 --separate-stderr netns up
	assert_usage_error "netns: up: missing NAME" "Try 'netns up --help' for more information."
}

@test "the tutorial's closing exercise: nc across netns connect" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add --up "$a" "$b"
	run -0 --separate-stderr netns connect "$a" "$b" --addr 10.81.0.1/24 10.81.0.2/24
	[ -z "$output" ]
	[ -z "$stderr" ]
	wait_oper_up "$a" "$(default_ifname "$b")"
	wait_oper_up "$b" "$(default_ifname "$a")"
	port=$((20000 + RANDOM % 20000))
	msg="hello from $b over a veth"
	# One connection: the server sends MSG, closes its side, then exits.
	printf '%s\n' "$msg" | netns exec "$b" nc -N -l "$port" >/dev/null 2>&1 3>&- &
	track_pid $!
	wait_listen "$b" "$port"
	run -0 netns exec "$a" nc -w 5 10.81.0.2 "$port" </dev/null
	[ "$output" = "$msg" ]
	# And it went over the veth: A's only route to 10.81.0.2 is that end.
	run -0 ip -n "$a" route get 10.81.0.2
	[[ "$output" == *"dev $(default_ifname "$b")"* ]]
}

@test "connect: default names, addresses, MTU, both ends up" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$a" "$b"
	ia=$(default_ifname "$b") ib=$(default_ifname "$a")
	run -0 netns connect "$a" "$b" --addr 10.82.0.1/24 fd00:82::2/64 --mtu 1400
	run -0 netns links "$a"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" =~ ^[0-9]+\ +$ia\ +UP\ +[A-Z]+\ +1400\ +veth\ +10\.82\.0\.1/24( |$) ]]
	run -0 netns links "$b"
	[[ "${lines[2]}" =~ ^[0-9]+\ +$ib\ +UP\ +[A-Z]+\ +1400\ +veth\ +fd00:82::2/64( |$) ]]
	# ip agrees: the ends are peers, in the right namespaces, up.
	[[ "$(ip_link "$a" "$ia")" == *",UP"*"mtu 1400"* ]]
	[[ "$(ip_link "$b" "$ib")" == *",UP"*"mtu 1400"* ]]
	[[ "$(ip -n "$a" -o addr show dev "$ia")" == *"inet 10.82.0.1/24"* ]]
	# The kernel's own peer index confirms they are one pair.
	pb=$(ip -n "$b" -o link show dev "$ib" | sed -n 's/^\([0-9]*\):.*/\1/p')
	[[ "$(ip_link "$a" "$ia")" == *"$ia@if$pb:"* ]]
}

@test "connect: default names follow the documented scheme, short and long" {
	s=s$$ l=$(uniq_name "a-rather-long:name")
	track_name "$s" "$l"
	netns add "$s" "$l"
	[ "$(default_ifname "$s")" = "veth-$s" ]
	want_l=$(default_ifname "$l")
	[ "${#want_l}" -eq 15 ]
	[[ "$want_l" == vt* ]]
	run -0 netns connect "$s" "/run/netns/$l" # a PATH: named from its last part
	run -0 netns links "$s"
	[[ "$output" =~ \ $want_l\ +UP\  ]]
	run -0 netns links "$l"
	[[ "$output" =~ \ veth-$s\ +UP\  ]]
}

@test "connect and disconnect with - (the caller's namespace) and --ifnames" {
	a=$(uniq_name a) c=$(uniq_name c)
	track_name "$a" "$c"
	netns add "$a" "$c"
	# Run from inside C so that '-' is C, never the host.
	run -0 netns exec "$c" netns connect - "$a"
	run -0 netns links "$c"
	[[ "$output" =~ \ $(default_ifname "$a")\ +UP\  ]]
	run -0 netns links "$a"
	[[ "$output" =~ \ veth-host\ +UP\  ]]
	run -0 netns exec "$c" netns connect "$a" - --ifnames x0 y0 --addr 10.83.0.1/24 10.83.0.2/24
	run -0 netns exec "$c" netns links -
	[[ "$output" =~ \ y0\ +UP\ .*\ 10\.83\.0\.2/24 ]]
	run -0 netns exec "$c" netns disconnect - y0
	run -0 netns links "$a"
	[[ "$output" != *" x0 "* ]]
	! ip -o link show dev y0 2>/dev/null # the host never had it
}

@test "disconnect removes both ends" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$a" "$b"
	netns connect "$a" "$b" --ifnames pa pb
	ip_link "$b" pb
	run -0 --separate-stderr netns disconnect "$a" pa
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 netns links "$a"
	[ "${#lines[@]}" -eq 2 ]
	run -0 netns links "$b"
	[ "${#lines[@]}" -eq 2 ]
	run -1 --separate-stderr netns disconnect "$a" pa
	assert_one_error 1 "netns: disconnect: pa: no such interface in $a"
	run -2 --separate-stderr netns disconnect "$a"
	assert_usage_error "netns: disconnect: expected NAME IF" \
		"Try 'netns disconnect --help' for more information."
}

@test "links -j: an array of objects that jq reads" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add --up "$a"
	netns add "$b"
	netns connect "$a" "$b" --ifnames ja jb --addr 10.84.0.1/24 10.84.0.2/24 --mtu 1280
	run -0 --separate-stderr netns -j links "$a"
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$stderr" ]
	jq -e 'type == "array" and length == 2' <<<"$output"
	jq -e 'all(.[]; keys == ["addrs","index","kind","mtu","name","operstate","up"])' <<<"$output"
	jq -e '.[0] | .index == 1 and .name == "lo" and .kind == "" and .mtu == 65536 and
		.up == true and .operstate == "UNKNOWN" and .addrs == ["127.0.0.1/8","::1/128"]' <<<"$output"
	jq -e '.[1] | .name == "ja" and .kind == "veth" and .mtu == 1280 and .up == true and
		(.addrs | index("10.84.0.1/24")) != null' <<<"$output"
	jq -e '.[0].index < .[1].index' <<<"$output"
	run -0 netns -j links "$b"
	jq -e '.[0].up == false and .[0].operstate == "DOWN" and .[0].addrs == []' <<<"$output"
}

@test "connect: bad input is one clear error and changes nothing" {
	a=$(uniq_name a) b=$(uniq_name b) n=$(uniq_name none)
	track_name "$a" "$b"
	netns add "$a" "$b"
	hint="Try 'netns connect --help' for more information."
	run -2 --separate-stderr netns connect "$a" "$b" --addr 10.85.0.300/24 10.85.0.2/24
	assert_usage_error "netns: connect: '10.85.0.300/24': invalid address" "$hint"
	run -2 --separate-stderr netns connect "$a" "$b" --addr 10.85.0.1/24 fd00::1/129
	assert_usage_error "netns: connect: 'fd00::1/129': invalid address" "$hint"
	run -2 --separate-stderr netns connect "$a" "$b" --mtu 12
	assert_usage_error "netns: connect: --mtu '12': must be a number" "$hint"
	run -2 --separate-stderr netns connect "$a" "$b" --mtu 1500x
	assert_usage_error "netns: connect: --mtu '1500x'" "$hint"
	run -2 --separate-stderr netns connect "$a" "$b" --ifnames only-one
	assert_usage_error "netns: connect: --ifnames needs two values" "$hint"
	run -2 --separate-stderr netns connect "$a" "$b" --ifnames 0123456789abcdef x
	assert_usage_error "netns: connect: '0123456789abcdef': invalid interface name" "$hint"
	run -2 --separate-stderr netns connect "$a"
	assert_usage_error "netns: connect: expected two namespaces" "$hint"
	run -2 --separate-stderr netns connect "$a" "$b" extra
	assert_usage_error "netns: connect: expected two namespaces" "$hint"
	run -2 --separate-stderr netns connect "$a" "$a"
	assert_usage_error "netns: connect: both ends in one namespace need two names" "$hint"
	run -1 --separate-stderr netns connect "$a" "$n"
	assert_one_error 1 "netns: connect: $n: no such namespace"
	run -0 netns links "$a"
	[ "${#lines[@]}" -eq 2 ]
	run -0 netns links "$b"
	[ "${#lines[@]}" -eq 2 ]
}

@test "connect: kernel errors carry the kernel's reason, and leave no half pair" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$a" "$b"
	netns connect "$a" "$b" --ifnames ka kb
	run -1 --separate-stderr netns connect "$a" "$b" --ifnames ka kc
	assert_one_error 1 "netns: connect: ka in $a or kc in $b: interface name already taken"
	# Multicast parses as a CIDR, but the kernel refuses it, and says why.
	run -1 --separate-stderr netns connect "$a" "$b" --ifnames ma mb --addr 10.86.0.1/24 ff02::5/64
	assert_one_error 1 "netns: connect: veth ma in $a, mb in $b: "
	[[ "$stderr" == *"(ipv6: Cannot assign multicast address"* ]]
	run -0 netns links "$a"
	[[ "$output" != *" ma "* ]]
	run -0 netns links "$b"
	[[ "$output" != *" mb "* ]]
}

@test "links: missing namespace, wrong argument count" {
	n=$(uniq_name none)
	run -1 --separate-stderr netns links "$n"
	assert_one_error 1 "netns: links: $n: no such namespace"
	run -2 --separate-stderr netns links
	assert_usage_error "netns: links: expected one NAME or PATH" \
		"Try 'netns links --help' for more information."
	run -1 --separate-stderr netns links /proc/self/ns/mnt
	assert_one_error 1 "netns: links: /proc/self/ns/mnt: not a network namespace"
}

@test "links, up, connect in a batch: one process, in order" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	printf '%s\n' "add $a $b" "up $a $b" "connect $a $b --ifnames ba bb --addr 10.87.0.1/24 10.87.0.2/24" \
		"links $b" >"$BATS_TEST_TMPDIR/cmds"
	run -0 --separate-stderr netns -b "$BATS_TEST_TMPDIR/cmds"
	[ "${lines[1]}" = "1     lo              UP    UNKNOWN        65536  -        127.0.0.1/8 ::1/128" ]
	[[ "${lines[2]}" =~ ^[0-9]+\ +bb\ +UP\ +[A-Z]+\ +1500\ +veth\ +10\.87\.0\.2/24 ]]
}
