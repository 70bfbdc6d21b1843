#!/usr/bin/env bats
# The claims of the tutorial "Don't mix goroutines and namespaces", part 1,
# each checked on this machine. Servers are perl one-liners (deterministic,
# one message per connection); clients are nc from netcat-openbsd.

load helpers

# perl -e "$SERVE" ADDR PORT MESSAGE: answers MESSAGE to every connection.
SERVE='use IO::Socket::INET;
$s = IO::Socket::INET->new(LocalAddr => $ARGV[0], LocalPort => $ARGV[1],
	Listen => 128, ReuseAddr => 1) or die "listen: $!\n";
while (1) { $c = $s->accept or next; print $c "$ARGV[2]\n"; close $c }'

# A port that nothing listens on in the host namespace, different per test.
free_port() {
	local p=$((20000 + ($$ * 131 + ${BATS_TEST_NUMBER:-0} * 977) % 30000)) i
	for ((i = 0; i < 200; i++, p++)); do
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# ask [NSPATH] PORT: one connection to 127.0.0.1:PORT, from NSPATH's namespace.
ask() {
	if [ $# -eq 2 ]; then
		netns-exec "$1" nc -w 1 127.0.0.1 "$2" </dev/null
	else
		nc -w 1 127.0.0.1 "$1" </dev/null
	fi
}

# until_answer WANT ask-args...: asks (at most 50 times, for servers still
# starting) until the answer is WANT; prints the last answer.
until_answer() {
	local want=$1 out i
	shift
	for ((i = 0; i < 50; i++)); do
		out=$(ask "$@" 2>/dev/null) || true
		[ "$out" = "$want" ] && break
		sleep 0.1
	done
	printf '%s\n' "$out"
}

# wait_comm PID COMM: waits (bounded) until PID has exec'd COMM.
wait_comm() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# The tcp-hello threads (not the main thread) of PID, as "TID net:[INODE]".
hello_threads() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "${t##*/}" = "$1" ] && continue
		echo "${t##*/} $(readlink "$t/ns/net")"
	done
}

start_tcp_hello() { # PORT NAME...
	local port=$1 n paths=()
	shift
	for n in "$@"; do paths+=("/run/netns/$n"); done
	tcp-hello -p "$port" "${paths[@]}" 2>/dev/null &
	HELLO_PID=$!
	track_pid "$HELLO_PID"
	for n in "$@"; do
		run until_answer "hello from namespace /run/netns/$n" "/run/netns/$n" "$port"
		[ "$output" = "hello from namespace /run/netns/$n" ]
	done
}

# Three namespaces with lo up, served by tcp-hello on a free port: sets
# NAMES and PORT (and HELLO_PID).
serve_three() {
	local n
	PORT=$(free_port)
	NAMES=()
	for n in a b c; do NAMES+=("$(uniq_name "$n")"); done
	track_name "${NAMES[@]}"
	netns add --up "${NAMES[@]}"
	start_tcp_hello "$PORT" "${NAMES[@]}"
}

@test "1: an iptables rule added in a namespace is seen neither on the host nor in another" {
	local a b tag
	a=$(uniq_name a) b=$(uniq_name b) tag="netns-test-$$-$BATS_TEST_NUMBER"
	track_name "$a" "$b"
	netns add "$a" "$b"
	run iptables -S FORWARD
	[ "$status" -eq 0 ]
	[[ $output != *"$tag"* ]]

	netns exec "$a" iptables -A FORWARD -d 1.2.3.4 -m comment --comment "$tag" -j ACCEPT
	run netns exec "$a" iptables -S FORWARD
	[ "$status" -eq 0 ]
	[[ $output == *"-A FORWARD -d 1.2.3.4/32 -m comment --comment $tag -j ACCEPT"* ]]
	run iptables -S FORWARD
	[ "$status" -eq 0 ]
	[[ $output != *"$tag"* ]]
	run netns exec "$b" iptables -S FORWARD
	[ "$status" -eq 0 ]
	[[ $output != *"$tag"* ]]
}

@test "2: the inode of /run/netns/NAME is the net:[INODE] of a process started in it" {
	local a ino pid
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	ino=$(ns_inode "/run/netns/$a")
	[ "$(ls -i "/run/netns/$a" | cut -d' ' -f1)" = "$ino" ]
	[ "$ino" != "$(ns_inode /proc/self/ns/net)" ]

	netns exec "$a" sleep 60 &
	pid=$!
	track_pid "$pid"
	wait_comm "$pid" sleep
	[ "$(readlink "/proc/$pid/ns/net")" = "net:[$ino]" ]
}

@test "3: a new namespace's lo is DOWN; a connection inside fails until lo is up" {
	local a port i
	a=$(uniq_name a) port=$(free_port)
	track_name "$a"
	netns add "$a"
	run netns exec "$a" ip -o link show lo
	[ "$status" -eq 0 ]
	[[ $output == *"state DOWN"* ]]
	[[ $output != *"<LOOPBACK,UP"* ]]

	netns exec "$a" perl -e "$SERVE" 0.0.0.0 "$port" "hello from $a" &
	track_pid $!
	# The server is listening inside, so only lo stands in the way.
	for ((i = 0; i < 50; i++)); do
		netns exec "$a" ss -Hltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.1
	done
	netns exec "$a" ss -Hltn "sport = :$port" | grep -q LISTEN
	run ask "/run/netns/$a" "$port"
	[ "$status" -ne 0 ]
	[ "$output" != "hello from $a" ]

	netns exec "$a" ip link set lo up
	run until_answer "hello from $a" "/run/netns/$a" "$port"
	[ "$output" = "hello from $a" ]
}

@test "4: servers on the same port on the host and in a namespace each answer their own message" {
	local a port
	a=$(uniq_name a) port=$(free_port)
	track_name "$a"
	netns add --up "$a"
	perl -e "$SERVE" 127.0.0.1 "$port" "hello from host" &
	track_pid $!
	netns exec "$a" perl -e "$SERVE" 0.0.0.0 "$port" "hello from $a" &
	track_pid $!

	run until_answer "hello from host" "$port"
	[ "$output" = "hello from host" ]
	run until_answer "hello from $a" "/run/netns/$a" "$port"
	[ "$output" = "hello from $a" ]
}

@test "5: netns-exec enters /run/netns/NAME, /proc/PID/ns/net and /proc/PID/task/TID/ns/net" {
	local a b ino pid port tid want
	a=$(uniq_name a) b=$(uniq_name b) port=$(free_port)
	track_name "$a" "$b"
	netns add --up "$a" "$b"
	ino=$(ns_inode "/run/netns/$a")
	run netns-exec "/run/netns/$a" readlink /proc/self/ns/net
	[ "$status" -eq 0 ]
	[ "$output" = "net:[$ino]" ]

	netns exec "$a" perl -e "$SERVE" 0.0.0.0 "$port" "hello from $a" &
	pid=$!
	track_pid "$pid"
	wait_comm "$pid" perl
	run netns-exec "/proc/$pid/ns/net" readlink /proc/self/ns/net
	[ "$output" = "net:[$ino]" ]
	run until_answer "hello from $a" "/proc/$pid/ns/net" "$port"
	[ "$output" = "hello from $a" ]

	# A thread of tcp-hello sits in b while its main thread stays here.
	start_tcp_hello "$port" "$b"
	read -r tid want < <(hello_threads "$HELLO_PID")
	[ "$want" = "net:[$(ns_inode "/run/netns/$b")]" ]
	run netns-exec "/proc/$HELLO_PID/task/$tid/ns/net" readlink /proc/self/ns/net
	[ "$output" = "$want" ]
	run ask "/proc/$HELLO_PID/task/$tid/ns/net" "$port"
	[ "$output" = "hello from namespace /run/netns/$b" ]
}

@test "6: a deleted name's namespace lives on with its process, reached through /proc/PID/ns/net" {
	local a ino pid port
	a=$(uniq_name a) port=$(free_port)
	track_name "$a"
	netns add --up "$a"
	ino=$(ns_inode "/run/netns/$a")
	netns exec "$a" perl -e "$SERVE" 0.0.0.0 "$port" "hello from $a" &
	pid=$!
	track_pid "$pid"
	run until_answer "hello from $a" "/run/netns/$a" "$port"
	[ "$output" = "hello from $a" ]

	netns delete "$a"
	[ ! -e "/run/netns/$a" ]
	[ "$(readlink "/proc/$pid/ns/net")" = "net:[$ino]" ]
	run ask "/proc/$pid/ns/net" "$port"
	[ "$output" = "hello from $a" ]
}

@test "7: tcp-hello answers in each namespace with its message; its threads sit in them" {
	local n port names=() want=() got
	serve_three
	port=$PORT names=("${NAMES[@]}")
	for n in "${names[@]}"; do
		run ask "/run/netns/$n" "$port"
		[ "$output" = "hello from namespace /run/netns/$n" ]
		want+=("net:[$(ns_inode "/run/netns/$n")]")
	done
	got=$(hello_threads "$HELLO_PID" | cut -d' ' -f2 | sort)
	[ "$got" = "$(printf '%s\n' "${want[@]}" | sort)" ]
	[ "$(readlink "/proc/$HELLO_PID/ns/net")" = "$(readlink /proc/self/ns/net)" ]
}

@test "8: inherit: the new thread is born in the namespace its creator switched to" {
	local a ino host l1 l3 l5
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	ino=$(ns_inode "/run/netns/$a") host=$(ns_inode /proc/self/ns/net)
	run inherit "/run/netns/$a"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[[ ${lines[0]} =~ ^\ {8}main\ started:\ on\ thread\ ([0-9]+)\ in\ netns\ ([0-9]+)$ ]]
	l1=${BASH_REMATCH[2]}
	[ "${lines[1]}" = "switched to /run/netns/$a" ]
	[[ ${lines[2]} =~ ^\ \ main,\ after\ switch:\ on\ thread\ ([0-9]+)\ in\ netns\ ([0-9]+)$ ]]
	l3=${BASH_REMATCH[2]}
	[ "${lines[3]}" = "creating new thread..." ]
	[[ ${lines[4]} =~ ^\ {7}in\ new\ thread:\ on\ thread\ ([0-9]+)\ in\ netns\ ([0-9]+)$ ]]
	l5=${BASH_REMATCH[2]}

	[ "$l1" = "$host" ]
	[ "$l3" = "$ino" ]
	[ "$l5" = "$l3" ]
	[ "$l5" != "$l1" ]
}

@test "9: netns pids, identify and threads see tcp-hello's switched threads" {
	local n port names=() tid ns
	serve_three
	port=$PORT names=("${NAMES[@]}")

	for n in "${names[@]}"; do
		run netns pids "$n"
		[ "$status" -eq 0 ]
		[[ $'\n'$output$'\n' == *$'\n'"$HELLO_PID"$'\n'* ]]
	done
	# Each serving thread is identified by the name of its namespace.
	[ "$(hello_threads "$HELLO_PID" | wc -l)" -eq 3 ]
	while read -r tid ns; do
		run netns identify "$HELLO_PID/$tid"
		[ "$status" -eq 0 ]
		for n in "${names[@]}"; do
			if [ "$ns" = "net:[$(ns_inode "/run/netns/$n")]" ]; then
				[ "$output" = "$n" ]
				continue 2
			fi
		done
		false
	done < <(hello_threads "$HELLO_PID")

	# netns threads flags exactly those three, each with its name.
	run netns threads "$HELLO_PID"
	[ "$status" -eq 3 ]
	[ "$(awk '$5 == "yes"' <<<"$output" | wc -l)" -eq 3 ]
	[ "$(awk '$5 == "no" { print $2 }' <<<"$output")" = "$HELLO_PID" ]
	[ "$(awk '$5 == "yes" { print $6 }' <<<"$output" | sort)" = \
	  "$(printf '%s\n' "${names[@]}" | sort)" ]
	run netns -j threads "$HELLO_PID"
	[ "$status" -eq 3 ]
	[ "$(perl -MJSON::PP -e 'print scalar grep { $_->{diverged} } @{decode_json(<STDIN>)}' \
		<<<"$output")" -eq 3 ]
}
