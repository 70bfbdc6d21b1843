#!/usr/bin/env bats
# netns exec: by name and by path, exit statuses, argument handling, no
# inherited fds, /etc/netns/NAME, --sys, and no mount namespace otherwise.

load core-helpers

setup() {
	A=$(uniq_name a)
	track_name "$A"
	netns add "$A"
	IA=$(ns_inode "/run/netns/$A")
}

@test "exec NAME runs the program in the namespace" {
	run -0 --separate-stderr netns exec "$A" readlink /proc/self/ns/net
	[ "$output" = "net:[$IA]" ]
	[ -z "$stderr" ]
	[ "$IA" != "$(host_inode)" ]
}

@test "exec PATH: /run/netns/NAME, /proc/PID/ns/net, /proc/PID/task/TID/ns/net" {
	run -0 netns exec "/run/netns/$A" readlink /proc/self/ns/net
	[ "$output" = "net:[$IA]" ]
	start_sleeper "$A"
	run -0 netns exec "/proc/$SLEEPER/ns/net" readlink /proc/self/ns/net
	[ "$output" = "net:[$IA]" ]
	start_hello "$A"
	run -0 netns exec "/proc/$HELLO_PID/task/$HELLO_TID/ns/net" readlink /proc/self/ns/net
	[ "$output" = "net:[$IA]" ]
	# The process's own link is its main thread's, which stayed outside.
	run -0 netns exec "/proc/$HELLO_PID/ns/net" readlink /proc/self/ns/net
	[ "$output" = "net:[$(host_inode)]" ]
}

@test "exec passes on the program's exit status" {
	run -0 netns exec "$A" true
	run -1 netns exec "$A" false
	run -7 netns exec "$A" sh -c 'exit 7'
	run -255 netns exec "$A" sh -c 'exit 255'
	run -143 netns exec "$A" sh -c 'kill -TERM $$'
}

@test "exec: 127 when the program is not found, 126 when it cannot be run" {
	run -127 --separate-stderr netns exec "$A" no-such-program-$$
	assert_one_error 127 "netns: exec: no-such-program-$$: No such file or directory"
	run -127 --separate-stderr netns exec "$A" /nonexistent/prog
	assert_one_error 127 "netns: exec: /nonexistent/prog: "
	mk_scratch dir
	printf '#!/bin/sh\necho ran\n' >"$dir/noexec"
	chmod 644 "$dir/noexec"
	run -126 --separate-stderr netns exec "$A" "$dir/noexec"
	assert_one_error 126 "netns: exec: $dir/noexec: Permission denied"
	run -126 --separate-stderr netns exec "$A" "$dir"
	assert_one_error 126 "netns: exec: $dir: "
}

@test "exec: 127 and 126 hold when stderr is closed (errno is taken before printing)" {
	run -127 bash -c "netns exec '$A' no-such-program-$$ 2>&-"
	mk_scratch dir
	printf '#!/bin/sh\necho ran\n' >"$dir/noexec"
	chmod 644 "$dir/noexec"
	run -126 bash -c "netns exec '$A' '$dir/noexec' 2>&-"
	# In batch mode the exec runs in a child: the same status decides.
	run -1 --separate-stderr bash -c "echo 'exec $A no-such-program-$$' | netns -b -"
	[ "$stderr" = "netns: exec: no-such-program-$$: No such file or directory"$'\n'"netns: batch: command failed at line 1" ]
}

@test "exec: arguments reach the program untouched; -- ends netns's options" {
	run -0 netns exec "$A" sh -c 'printf "%s|" "$@"' sh 'a b' --help -x ''
	[ "$output" = "a b|--help|-x||" ]
	run -0 netns exec "$A" -- sh -c 'echo "$1"' sh --
	[ "$output" = "--" ]
	run -0 netns exec -- "$A" echo hi
	[ "$output" = hi ]
	run -127 --separate-stderr netns exec "$A" -- --sys
	assert_one_error 127 "netns: exec: --sys: No such file or directory"
	run -0 netns exec "$A" env NETNS_MARK=1 sh -c 'echo $NETNS_MARK'
	[ "$output" = 1 ]
	run -0 bash -c "echo piped | netns exec '$A' cat"
	[ "$output" = piped ]
}

@test "exec: the program inherits no fd that netns opened" {
	want=$(sh -c 'ls /proc/$$/fd' | sort -n | tr '\n' ' ')
	got=$(netns exec "$A" sh -c 'ls /proc/$$/fd' | sort -n | tr '\n' ' ')
	[ "$got" = "$want" ]
	# With every inherited fd above 2 closed, only stdin, stdout, stderr.
	got=$(
		for fd in $(ls /proc/$BASHPID/fd); do
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		netns exec "$A" sh -c 'ls /proc/$$/fd' | tr '\n' ' '
	)
	[ "$got" = "0 1 2 " ]
	# The same through the mount-namespace path (--sys).
	got=$(netns exec --sys "$A" sh -c 'ls /proc/$$/fd' | sort -n | tr '\n' ' ')
	[ "$got" = "$want" ]
}

@test "exec without /etc/netns/NAME or --sys creates no mount namespace" {
	mk_scratch etc
	export NETNS_ETC_DIR=$etc
	run -0 netns exec "$A" readlink /proc/self/ns/mnt
	[ "$output" = "$(readlink /proc/self/ns/mnt)" ]
	run -0 netns exec "/run/netns/$A" readlink /proc/self/ns/mnt
	[ "$output" = "$(readlink /proc/self/ns/mnt)" ]
}

@test "exec: files in /etc/netns/NAME are bind-mounted over /etc, privately" {
	mk_scratch etc
	export NETNS_ETC_DIR=$etc
	mkdir "$etc/$A"
	echo "192.0.2.1 marker-$A" >"$etc/$A/hosts"
	echo "nameserver 192.0.2.53" >"$etc/$A/resolv.conf"
	host_hosts=$(sha256sum </etc/hosts)
	run -0 netns exec "$A" cat /etc/hosts
	[ "$output" = "192.0.2.1 marker-$A" ]
	run -0 netns exec "$A" cat /etc/resolv.conf
	[ "$output" = "nameserver 192.0.2.53" ]
	run -0 netns exec "$A" readlink /proc/self/ns/mnt /proc/self/ns/net
	[ "${lines[0]}" != "$(readlink /proc/self/ns/mnt)" ]
	[ "${lines[1]}" = "net:[$IA]" ]
	# Nothing leaked into this mount namespace.
	[ "$(sha256sum </etc/hosts)" = "$host_hosts" ]
	refute grep -q " /etc/hosts " /proc/self/mountinfo
	# Another namespace without a directory sees the real /etc.
	b=$(uniq_name b)
	track_name "$b"
	netns add "$b"
	run -0 netns exec "$b" sha256sum /etc/hosts
	[ "${output%% *}" = "${host_hosts%% *}" ]
}

@test "exec --sys: /sys/class/net lists the namespace's devices" {
	host=$(ls /sys/class/net | tr '\n' ' ')
	run -0 netns exec --sys "$A" ls /sys/class/net
	[ "$output" = lo ]
	[ "$host" != "lo " ]
	ip -n "$A" link add tv0 type veth peer name tv1 ||
		skip "cannot make a veth pair here (no veth module?)"
	run -0 netns exec --sys "$A" ls /sys/class/net
	[ "$(echo $output)" = "lo tv0 tv1" ]
	run -0 netns exec --sys "$A" readlink /proc/self/ns/mnt
	[ "$output" != "$(readlink /proc/self/ns/mnt)" ]
	# The host's /sys is untouched.
	[ "$(ls /sys/class/net | tr '\n' ' ')" = "$host" ]
	[ "$(ls /sys/class/net | grep -cx tv0)" -eq 0 ]
}

@test "exec in batch mode runs in a child and passes on its status" {
	run -0 bash -c "printf 'exec %s sh -c \"exit 0\"\nexec %s true\n' '$A' '$A' | netns -b -"
	run -1 --separate-stderr bash -c "echo 'exec $A sh -c \"exit 5\"' | netns -b -"
	[ "${stderr_lines[-1]}" = "netns: batch: command failed at line 1" ]
	run -0 bash -c "echo 'exec $A readlink /proc/self/ns/net' | netns -b -"
	[ "$output" = "net:[$IA]" ]
}
