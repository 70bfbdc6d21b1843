#!/usr/bin/env bats
# netns add/list/delete/attach/identify/pids, JSON shapes, run dirs, batch
# mode, --help and --version.

load core-helpers

@test "add, list, delete: a round trip" {
	a=$(uniq_name a)
	track_name "$a"
	run -0 --separate-stderr netns add "$a"
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(stat -f -c %T "/run/netns/$a")" = nsfs ]
	[ "$(ns_inode "/run/netns/$a")" != "$(host_inode)" ]
	run -0 netns list
	grep -qxF "$a" <<<"$output"
	run -0 netns delete "$a"
	[ ! -e "/run/netns/$a" ]
	run -0 netns list
	refute grep -qxF "$a" <<<"$output"
}

@test "add several names makes one namespace each, listed in order" {
	a=$(uniq_name a) b=$(uniq_name b) c=$(uniq_name c)
	track_name "$c" "$a" "$b"
	run -0 netns add "$c" "$a" "$b"
	ia=$(ns_inode "/run/netns/$a") ib=$(ns_inode "/run/netns/$b") ic=$(ns_inode "/run/netns/$c")
	[ "$ia" != "$ib" ]
	[ "$ib" != "$ic" ]
	[ "$ia" != "$ic" ]
	run -0 netns list
	[ "$(grep -xF -e "$a" -e "$b" -e "$c" <<<"$output" | tr '\n' ' ')" = "$a $b $c " ]
}

@test "add stops at the first failure and leaves nothing half-made" {
	a=$(uniq_name a) b=$(uniq_name b) c=$(uniq_name c)
	track_name "$a" "$b" "$c"
	netns add "$b"
	ib=$(ns_inode "/run/netns/$b")
	run -1 --separate-stderr netns add "$a" "$b" "$c"
	assert_one_error 1 "netns: add: $b: "
	[[ "$stderr" == *"already exists"* ]]
	[ "$(stat -f -c %T "/run/netns/$a")" = nsfs ] # made before the failure
	[ "$(ns_inode "/run/netns/$b")" = "$ib" ]      # untouched
	[ ! -e "/run/netns/$c" ]                       # never attempted
}

@test "add with a bad name anywhere creates nothing" {
	a=$(uniq_name a) c=$(uniq_name c)
	track_name "$a" "$c"
	run -1 --separate-stderr netns add "$a" "bad/name" "$c"
	assert_one_error 1 "netns: add: 'bad/name': invalid namespace name"
	[ ! -e "/run/netns/$a" ]
	[ ! -e "/run/netns/$c" ]
}

@test "delete removes several names, and only the names" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$a" "$b"
	start_sleeper "$a"
	ia=$(ns_inode "/run/netns/$a")
	run -0 netns delete "$a" "$b"
	[ ! -e "/run/netns/$a" ]
	[ ! -e "/run/netns/$b" ]
	# The namespace lives on while a process is inside.
	[ "$(ns_inode "/proc/$SLEEPER/ns/net")" = "$ia" ]
	run -0 netns exec "/proc/$SLEEPER/ns/net" readlink /proc/self/ns/net
	[ "$output" = "net:[$ia]" ]
}

@test "delete undoes a name mounted twice (Debian bug 949235)" {
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	mount --bind "/run/netns/$a" "/run/netns/$a"
	[ "$(awk -v p="/run/netns/$a" '$5 == p' /proc/self/mountinfo | wc -l)" -eq 2 ]
	run -0 netns delete "$a"
	[ ! -e "/run/netns/$a" ]
	[ "$(awk -v p="/run/netns/$a" '$5 == p' /proc/self/mountinfo | wc -l)" -eq 0 ]
}

@test "add --up brings lo up; plain add leaves it down" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	run -0 netns add --up "$a"
	netns add "$b"
	run -0 netns exec --sys "$a" cat /sys/class/net/lo/flags
	[ $((output & 1)) -eq 1 ] # IFF_UP
	run -0 ip -n "$a" -o link show lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	run -0 netns exec --sys "$b" cat /sys/class/net/lo/flags
	[ $((output & 1)) -eq 0 ]
	run -0 ip -n "$b" -o link show lo
	[[ "$output" != *",UP"* ]]
}

@test "delete --all removes every name in the run dir, broken ones too, nothing else" {
	mk_scratch dir
	export NETNS_RUN_DIR=$dir
	netns add x y z
	: >"$dir/placeholder" # a crashed tool's name: listed as broken, removed by --all
	echo data >"$dir/file" # not a name: left alone
	mkdir "$dir/sub"
	ln -s x "$dir/link"
	run -0 netns list
	[ "$output" = "$(printf 'placeholder (broken: nothing mounted)\nx\ny\nz')" ]
	run -0 netns -j list
	[ "$(jq -c '.[] | select(.broken) | .name' <<<"$output")" = '"placeholder"' ]
	run -0 netns delete --all
	run -0 netns list
	[ -z "$output" ]
	[ "$(ls "$dir" | tr '\n' ' ')" = "file link sub " ]
	run -2 --separate-stderr netns delete --all x
	assert_usage_error "netns: delete: --all takes no NAME" \
		"Try 'netns delete --help' for more information."
}

@test "list -j: name (string), inode (number), nsid only when assigned" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$a" "$b"
	nsid=$((7000 + $$ % 1000))
	ip netns set "$a" "$nsid"
	run -0 netns -j list
	jq -e 'type == "array"' <<<"$output"
	jq -e 'all(.[]; (.name | type) == "string" and (.inode | type) == "number")' <<<"$output"
	[ "$(jq --arg n "$a" '.[] | select(.name == $n) | .inode' <<<"$output")" = "$(ns_inode "/run/netns/$a")" ]
	[ "$(jq --arg n "$b" '.[] | select(.name == $n) | .inode' <<<"$output")" = "$(ns_inode "/run/netns/$b")" ]
	[ "$(jq --arg n "$a" '.[] | select(.name == $n) | .nsid' <<<"$output")" = "$nsid" ]
	[ "$(jq --arg n "$b" '.[] | select(.name == $n) | has("nsid")' <<<"$output")" = false ]
	run -0 netns --json list
	jq -e --arg n "$a" 'any(.[]; .name == $n)' <<<"$output"
}

@test "list -j keeps quotes, backslashes and newlines in names" {
	mk_scratch dir
	export NETNS_RUN_DIR=$dir
	q='say "hi"' bs='back\slash' nl=$'new\nline' u='caf'$'\xc3\xa9'
	run -0 netns add "$q" "$bs" "$nl" "$u"
	run -0 netns -j list
	[ "${#lines[@]}" -eq 1 ] # one line of JSON, the newline escaped
	[ "$(jq length <<<"$output")" -eq 4 ]
	for n in "$q" "$bs" "$nl" "$u"; do
		jq -e --arg n "$n" 'any(.[]; .name == $n)' <<<"$output"
		[ "$(jq --arg n "$n" '.[] | select(.name == $n) | .inode' <<<"$output")" = "$(ns_inode "$dir/$n")" ]
	done
}

@test "-j with a name that is not UTF-8: still valid JSON with every name, exit 0" {
	mk_scratch dir
	export NETNS_RUN_DIR=$dir
	netns add ok "$(printf 'bad\377')"
	run -0 --separate-stderr netns -j list
	[ -z "$stderr" ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	jq -e 'any(.[]; .name == "ok")' <<<"$output"
	run -0 --separate-stderr netns exec "$(printf 'bad\377')" netns -j identify
	[ "$(jq '.names | length' <<<"$output")" -eq 1 ]
}

@test "--run-dir and NETNS_RUN_DIR choose the run dir; --run-dir wins" {
	mk_scratch d1
	mk_scratch d2
	a=$(uniq_name a)
	run -0 netns --run-dir "$d1" add "$a"
	[ "$(stat -f -c %T "$d1/$a")" = nsfs ]
	[ ! -e "/run/netns/$a" ]
	run -0 netns list
	refute grep -qxF "$a" <<<"$output"
	NETNS_RUN_DIR=$d1 run -0 netns list
	[ "$output" = "$a" ]
	NETNS_RUN_DIR=$d2 run -0 netns --run-dir "$d1" list
	[ "$output" = "$a" ]
	NETNS_RUN_DIR=$d2 run -0 netns add b
	[ "$(stat -f -c %T "$d2/b")" = nsfs ]
	[ ! -e "$d1/b" ]
	run -0 netns --run-dir "$d1" delete "$a"
	[ ! -e "$d1/$a" ]
	# A run dir that does not exist yet is an empty list, and is not made.
	run -0 --separate-stderr netns --run-dir "$d1/none" list
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ ! -e "$d1/none" ]
	run -0 netns --run-dir "$d1/none" -j list
	[ "$output" = "[]" ]
}

@test "the run dir becomes one shared mount, also after 8 concurrent first adds" {
	mk_scratch dir
	dir=$dir/run # not created yet: netns makes it
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		NETNS_RUN_DIR=$dir netns add "c$i" 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(awk -v d="$dir" '$5 == d' /proc/self/mountinfo | wc -l)" -eq 1 ]
	awk -v d="$dir" '$5 == d' /proc/self/mountinfo | grep -q ' shared:'
	NETNS_RUN_DIR=$dir run -0 netns list
	[ "${#lines[@]}" -eq 8 ]
	NETNS_RUN_DIR=$dir netns add more1 more2
	[ "$(awk -v d="$dir" '$5 == d' /proc/self/mountinfo | wc -l)" -eq 1 ]
}

@test "attach names a process's namespace, and a single thread's" {
	a=$(uniq_name a) p=$(uniq_name p) t=$(uniq_name t) m=$(uniq_name m)
	track_name "$a" "$p" "$t" "$m"
	netns add "$a"
	ia=$(ns_inode "/run/netns/$a")
	start_sleeper "$a"
	run -0 netns attach "$p" "$SLEEPER"
	[ "$(ns_inode "/run/netns/$p")" = "$ia" ]
	start_hello "$a"
	run -0 netns attach "$t" "$HELLO_PID/$HELLO_TID"
	[ "$(ns_inode "/run/netns/$t")" = "$ia" ]
	# The process's main thread never left this namespace.
	run -0 netns attach "$m" "$HELLO_PID"
	[ "$(ns_inode "/run/netns/$m")" = "$(host_inode)" ]
	run -1 --separate-stderr netns attach "$p" "$SLEEPER"
	assert_one_error 1 "netns: attach: $p: namespace already exists"
}

@test "identify with no argument: an unnamed namespace is exit 0, no names" {
	run -0 --separate-stderr netns identify
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 netns -j identify
	[ "$(jq -c 'keys' <<<"$output")" = '["inode","names","pid"]' ]
	[ "$(jq .inode <<<"$output")" = "$(host_inode)" ]
	[ "$(jq -c .names <<<"$output")" = '[]' ]
	jq -e '(.pid | type) == "number" and .pid > 1' <<<"$output"
}

@test "identify prints every name of a namespace, sorted" {
	a=$(uniq_name a) b=$(uniq_name b)
	track_name "$a" "$b"
	netns add "$b"
	start_sleeper "$b"
	netns attach "$a" "$SLEEPER"
	run -0 netns exec "$b" netns identify
	[ "$output" = "$(printf '%s\n%s' "$a" "$b")" ]
	run -0 netns identify "$SLEEPER"
	[ "$output" = "$(printf '%s\n%s' "$a" "$b")" ]
	run -0 netns -j identify "$SLEEPER"
	[ "$(jq -c 'keys' <<<"$output")" = '["inode","names","pid"]' ]
	[ "$(jq .pid <<<"$output")" = "$SLEEPER" ]
	[ "$(jq .inode <<<"$output")" = "$(ns_inode "/run/netns/$b")" ]
	[ "$(jq -c .names <<<"$output")" = "$(jq -nc --arg a "$a" --arg b "$b" '[$a, $b]')" ]
	# iproute2 prints only one of them.
	[ "$(ip netns identify "$SLEEPER" | wc -l)" -eq 1 ]
}

@test "identify PID/TID names the thread's namespace, not its process's" {
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	start_hello "$a"
	run -0 --separate-stderr netns identify "$HELLO_PID/$HELLO_TID"
	[ "$output" = "$a" ]
	run -0 --separate-stderr netns identify "$HELLO_PID"
	[ -z "$output" ]
	run -0 netns -j identify "$HELLO_PID/$HELLO_TID"
	[ "$(jq -c 'keys' <<<"$output")" = '["inode","names","pid","tid"]' ]
	[ "$(jq .pid <<<"$output")" = "$HELLO_PID" ]
	[ "$(jq .tid <<<"$output")" = "$HELLO_TID" ]
	[ "$(jq .inode <<<"$output")" = "$(ns_inode "/run/netns/$a")" ]
	[ "$(jq -r '.names[]' <<<"$output")" = "$a" ]
}

@test "pids lists a process whose only thread inside is not its main thread" {
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	start_sleeper "$a"
	start_hello "$a"
	run -0 netns pids "$a"
	[ "$(sort -n <<<"$output")" = "$(printf '%s\n' "$SLEEPER" "$HELLO_PID" | sort -n)" ]
	run -0 netns pids "/run/netns/$a"
	[ "${#lines[@]}" -eq 2 ]
	# iproute2 looks only at /proc/PID/ns/net, the main thread's: it misses
	# tcp-hello, whose main thread stayed outside.
	run -0 ip netns pids "$a"
	[ "$output" = "$SLEEPER" ]
}

@test "pids -j: pid, comm, and only the threads that are inside" {
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	start_sleeper "$a"
	start_hello "$a"
	run -0 netns -j pids "$a"
	jq -e 'type == "array" and length == 2' <<<"$output"
	jq -e 'all(.[]; keys == ["comm","pid","tids"])' <<<"$output"
	[ "$(jq -c --argjson p "$SLEEPER" '.[] | select(.pid == $p) | [.comm, .tids]' <<<"$output")" = "[\"sleep\",[$SLEEPER]]" ]
	[ "$(jq -c --argjson p "$HELLO_PID" '.[] | select(.pid == $p) | [.comm, .tids]' <<<"$output")" = "[\"tcp-hello\",[$HELLO_TID]]" ]
}

@test "pids of an empty namespace prints nothing, exit 0" {
	a=$(uniq_name a)
	track_name "$a"
	netns add "$a"
	run -0 --separate-stderr netns pids "$a"
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 netns -j pids "$a"
	[ "$output" = "[]" ]
}

@test "batch: one command per line, stops at the first failure unless --force" {
	mk_scratch dir
	export NETNS_RUN_DIR=$dir
	printf '%s\n' '# a comment' 'add b1 "b 2"' 'exec b1 true' 'add b1' 'add b3' >"$dir/cmds"
	run -1 --separate-stderr netns -b "$dir/cmds"
	[ "${stderr_lines[0]}" = "netns: add: b1: namespace already exists" ]
	[ "${stderr_lines[1]}" = "netns: batch: command failed at line 4" ]
	run -0 netns list
	[ "$output" = "$(printf 'b 2\nb1')" ]
	run -1 netns -b "$dir/cmds" --force
	run -0 netns list
	[ "$output" = "$(printf 'b 2\nb1\nb3')" ]
	run -1 bash -c 'echo "exec b1 sh -c \"exit 3\"" | netns -b -'
}

@test "--help on the command and on every subcommand: exit 0, Usage on stdout" {
	run -0 --separate-stderr netns --help
	[[ "${lines[0]}" == Usage:* ]]
	[ -z "$stderr" ]
	cmds=$(awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' <<<"$output")
	for c in add attach delete list exec identify pids; do
		grep -qxF "$c" <<<"$cmds"
	done
	for c in $cmds; do
		run -0 --separate-stderr netns "$c" --help
		[ "${lines[0]}" = Usage: ]
		[[ "${lines[1]}" == *"netns "*"$c"* ]]
		[ -z "$stderr" ]
		run -0 netns "$c" -h
		[ "${lines[0]}" = Usage: ]
	done
}

@test "--version prints the library's version" {
	run -0 --separate-stderr netns --version
	want=$(sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' "$NETNS_TESTS/../include/netns.h")
	[ "$output" = "netns $want" ]
	[ -z "$stderr" ]
}

@test "-j threads and pids survive a comm that is not UTF-8 (shown as U+FFFD)" {
	# bash sets its own comm, then waits in short sleeps, so that killing it
	# leaves no long-lived child behind.
	bash -c 'printf "bad\377" >/proc/self/comm; for i in $(seq 150); do sleep 0.2; done' &
	pid=$!
	track_pid "$pid"
	for _ in $(seq 50); do [ "$(cat /proc/$pid/comm)" != bash ] && break; sleep 0.1; done
	run -0 netns -j threads "$pid"
	[ "$(jq -r '.[0].comm' <<<"$output")" = "bad�" ]
	run -0 netns -j pids /proc/$pid/ns/net
	[ "$(jq -r --argjson p "$pid" '.[] | select(.pid == $p) | .comm' <<<"$output")" = "bad�" ]
}
