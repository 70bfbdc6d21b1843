#!/usr/bin/env bats
# Bad input and edge cases for netns-exec, tcp-hello, inherit and netns threads.

bats_require_minimum_version 1.5.0
load helpers

# A high port per test; the servers here live in namespaces of their own.
port() { echo $((40000 + ($$ * 37 + ${BATS_TEST_NUMBER:-0} * 101) % 20000)); }

# The pid of a process that has just exited (so, most likely, of none).
dead_pid() {
	local p
	sleep 0 &
	p=$!
	wait "$p"
	echo "$p"
}

# until_hello NSPATH PORT: asks (at most 50 times) for tcp-hello's message.
until_hello() {
	local out i
	for ((i = 0; i < 50; i++)); do
		out=$(netns-exec "$1" nc -w 1 127.0.0.1 "$2" </dev/null 2>/dev/null) || true
		[ -n "$out" ] && break
		sleep 0.1
	done
	printf '%s\n' "$out"
}

@test "netns-exec: missing arguments are a usage error" {
	run netns-exec
	[ "$status" -eq 1 ]
	[[ $output == "usage: netns-exec NSPATH PROGRAM"* ]]
	run netns-exec /proc/self/ns/net
	[ "$status" -eq 1 ]
	[[ $output == "usage: "* ]]
}

@test "netns-exec: a file that is not a network namespace is refused" {
	run netns-exec /etc/passwd true
	[ "$status" -eq 1 ]
	[ "$output" = "netns-exec: /etc/passwd: not a network namespace" ]
	run netns-exec /proc/self/ns/mnt true
	[ "$status" -eq 1 ]
	[ "$output" = "netns-exec: /proc/self/ns/mnt: not a network namespace" ]
	run netns-exec "/run/netns/$(uniq_name none)" true
	[ "$status" -eq 1 ]
	[[ $output == *"/run/netns/$(uniq_name none): No such file or directory" ]]
}

@test "netns-exec: a program that does not exist or cannot run" {
	run -127 netns-exec /proc/self/ns/net "no-such-program-$$"
	[ "$status" -eq 127 ]
	[ "$output" = "netns-exec: exec no-such-program-$$: No such file or directory" ]
	run netns-exec /proc/self/ns/net /etc/passwd
	[ "$status" -eq 126 ]
	[ "$output" = "netns-exec: exec /etc/passwd: Permission denied" ]
}

@test "netns-exec: passes on the program's status and leaks no namespace fd" {
	run netns-exec /proc/self/ns/net sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run netns-exec /proc/self/ns/net sh -c 'ls -l /proc/$$/fd'
	[ "$status" -eq 0 ]
	[[ $output != *"net:["* ]]
}

@test "tcp-hello: usage errors" {
	run tcp-hello
	[ "$status" -eq 1 ]
	[ "$output" = "usage: tcp-hello [-p PORT] NSPATH..." ]
	for p in 0 65536 abc -1 ""; do
		run tcp-hello -p "$p" /proc/self/ns/net
		[ "$status" -eq 1 ]
		[[ $output == "tcp-hello: bad port '$p'"* ]]
	done
	run tcp-hello -x /proc/self/ns/net
	[ "$status" -eq 1 ]
}

@test "tcp-hello: exits 1 when no namespace can be served" {
	run timeout 10 tcp-hello -p "$(port)" /etc/passwd "/run/netns/$(uniq_name none)"
	[ "$status" -eq 1 ]
	[[ $output == *"tcp-hello: /etc/passwd: not a network namespace"* ]]
	[[ $output == *"tcp-hello: /run/netns/$(uniq_name none): No such file or directory"* ]]
	[[ $output == *"tcp-hello: no namespace could be served"* ]]
}

@test "tcp-hello: a path that does not exist: status 1, one reason, nothing leaked" {
	# Under a sanitizer build, a leak adds LeakSanitizer's report to stderr.
	run --separate-stderr timeout 10 tcp-hello -p "$(port)" /nonexist
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "tcp-hello: /nonexist: No such file or directory
tcp-hello: no namespace could be served" ]
}

@test "tcp-hello: a bad namespace or a taken port is reported, the others keep serving" {
	local a b err pid i
	a=$(uniq_name a) b=$(uniq_name b) err="$BATS_TEST_TMPDIR/err"
	track_name "$a" "$b"
	netns add --up "$a" "$b"
	# Port taken in a: by a listener that stays in a, held by a sleeping process.
	netns exec "$a" perl -MIO::Socket::INET -e \
		'my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 1, ReuseAddr => 1) or die; sleep 60' \
		"$(port)" &
	track_pid $!
	for ((i = 0; i < 50; i++)); do
		netns exec "$a" ss -Hltn "sport = :$(port)" | grep -q LISTEN && break
		sleep 0.1
	done
	tcp-hello -p "$(port)" /etc/passwd "/run/netns/$a" "/run/netns/$b" 2>"$err" &
	pid=$!
	track_pid "$pid"
	run until_hello "/run/netns/$b" "$(port)"
	[ "$output" = "hello from namespace /run/netns/$b" ]
	kill -0 "$pid"
	grep -qx "tcp-hello: /etc/passwd: not a network namespace" "$err"
	grep -qx "tcp-hello: /run/netns/$a: port $(port): Address already in use" "$err"
	grep -qx "starting a server in namespace /run/netns/$b" "$err"
	grep -qx "tcp-hello: serving 1 of 3 namespaces" "$err"
}

@test "tcp-hello: SIGTERM and SIGINT end it with status 0" {
	local a pid sig st
	a=$(uniq_name a)
	track_name "$a"
	netns add --up "$a"
	for sig in TERM INT; do
		tcp-hello -p "$(port)" "/run/netns/$a" 2>/dev/null &
		pid=$!
		track_pid "$pid"
		run until_hello "/run/netns/$a" "$(port)"
		[ "$output" = "hello from namespace /run/netns/$a" ]
		kill -s "$sig" "$pid"
		st=0
		wait "$pid" || st=$?
		[ "$st" -eq 0 ]
	done
}

@test "inherit: usage errors and bad namespaces" {
	run inherit
	[ "$status" -eq 1 ]
	[ "$output" = "usage: inherit NSPATH" ]
	run inherit /proc/self/ns/net extra
	[ "$status" -eq 1 ]
	[ "$output" = "usage: inherit NSPATH" ]
	run inherit /etc/passwd
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "inherit: /etc/passwd: not a network namespace" ]
	run inherit "/run/netns/$(uniq_name none)"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "inherit: /run/netns/$(uniq_name none): No such file or directory" ]
}

@test "netns threads: bad PIDs are usage errors, a missing process an error" {
	for p in abc 0 -5 1/2 12x ""; do
		run netns threads "$p"
		[ "$status" -eq 2 ]
	done
	run netns threads abc
	[[ ${lines[0]} == "netns: threads: 'abc': not a PID" ]]
	p=$(dead_pid)
	[ ! -e "/proc/$p" ]
	run --separate-stderr netns threads "$p"
	[ "$status" -eq 1 ]
	[ "$stderr" = "netns: threads: $p: no such process" ]
	# The header is printed even with no row under it.
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^\ +PID\ +TID\ COMM\ +INODE\ DIVERGED\ NAMES$ ]]
	# The processes that exist are still shown.
	run netns threads "$p" $$
	[ "$status" -eq 1 ]
	[[ $output == *" $$ "* ]]
}

@test "netns threads: --help documents the exit status" {
	run netns threads --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage:" ]]
	[[ $output == *"netns [-j] threads [PID...]"* ]]
	[[ $output == *"3 when one did"* ]]
}

@test "netns threads: a process that never switched exits 0, in text and JSON" {
	local a
	run netns threads $$
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^\ +PID\ +TID\ COMM\ +INODE\ DIVERGED\ NAMES$ ]]
	[[ ${lines[1]} =~ ^\ *$$\ +$$\ .*\ $(ns_inode /proc/self/ns/net)\ no\ +-$ ]]

	# A name of our own namespace shows up in the names column.
	a=$(uniq_name self)
	track_name "$a"
	netns attach "$a" $$
	run netns -j threads $$
	[ "$status" -eq 0 ]
	perl -MJSON::PP -e '
		my ($pid, $name) = @ARGV;
		my $v = decode_json(<STDIN>);
		exit 1 unless @$v == 1;
		my $t = $v->[0];
		exit 1 unless $t->{pid} == $pid && $t->{tid} == $pid && !$t->{diverged};
		exit 1 unless grep { $_ eq $name } @{$t->{names}};' $$ "$a" <<<"$output"
}

@test "netns threads: with no PID, every process is shown" {
	run netns threads
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	[[ $output == *$'\n'"$(printf '%7d %7d ' $$ $$)"* ]]
	[ "${#lines[@]}" -gt 2 ]
}

@test "tcp-hello: holds no namespace fd, one socket per namespace" {
	local n names=() pid base sockets
	for n in a b c; do names+=("$(uniq_name "$n")"); done
	track_name "${names[@]}"
	netns add --up "${names[@]}"
	# What a child of ours inherits, to count only tcp-hello's own sockets.
	sleep 60 &
	track_pid $!
	base=$(find /proc/$!/fd -lname 'socket:*' | wc -l)
	tcp-hello -p "$(port)" "${names[@]/#//run/netns/}" 2>/dev/null &
	pid=$!
	track_pid "$pid"
	for n in "${names[@]}"; do
		run until_hello "/run/netns/$n" "$(port)"
		[ "$output" = "hello from namespace /run/netns/$n" ]
	done
	[ "$(find /proc/"$pid"/fd -lname 'net:*' | wc -l)" -eq 0 ]
	sockets=$(find /proc/"$pid"/fd -lname 'socket:*' | wc -l)
	[ "$((sockets - base))" -eq 3 ]
}
