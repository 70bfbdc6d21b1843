#!/usr/bin/env bats
# What an ip netns user reaches for: delete --all/--prefix and its question,
# the del/ls/show aliases and "did you mean", links' header and up -, set and
# list-id (nsids), exec --all, monitor, -p, --color and progress. Each test
# works in a scratch run directory of its own; terminal behaviour runs under
# script(1), which gives the command a pty.

load core-helpers

setup() {
	mk_scratch RUN
	export NETNS_RUN_DIR=$RUN
}

# Nothing but the names the test made itself is in the run dir.
run_dir_is() {
	[ "$(ls -A "$RUN" | tr '\n' ' ')" = "$*" ] ||
		{ echo "# run dir holds: $(ls -A "$RUN" | tr '\n' ' ')" >&2; false; }
}

# on_tty CMD: runs the shell command CMD on a pty (stdin, stdout and stderr
# all on it), feeding it this function's stdin; output has CRs removed.
on_tty() {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	run script -qec "$1" /dev/null
	output=${output//$'\r'/}
}

@test "delete --all off a terminal: every name, podman's and CNI's too, broken ones, no question" {
	netns add cni-1234 netns-abcd mine
	: >"$RUN/broken"
	mkdir "$RUN/dir"
	run -0 --separate-stderr netns delete --all </dev/null
	[ -z "$output" ]
	[ -z "$stderr" ]
	run_dir_is "dir " # not a name: left alone
	run -0 --separate-stderr netns delete --all # nothing left: still fine
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "delete --prefix P: only the names that start with P, broken ones included" {
	netns add lab-1 lab-2 labx cni-1234
	: >"$RUN/lab-broken"
	run -0 --separate-stderr netns delete --prefix lab- </dev/null
	[ -z "$output" ]
	[ -z "$stderr" ]
	run_dir_is "cni-1234 labx "
	run -0 netns del --prefix nothing-matches
	run_dir_is "cni-1234 labx "
	netns delete --all
}

@test "delete --all and --prefix on a terminal ask first; no is exit 1 and changes nothing" {
	netns add cni-1 cni-2 other
	on_tty "netns delete --all" <<<"n"
	[ "$status" -eq 1 ]
	[[ "$output" == *"netns: delete 3 names in $RUN? [y/N] "* ]]
	[[ "$output" == *"netns: delete: nothing deleted"* ]]
	run_dir_is "cni-1 cni-2 other "
	on_tty "netns delete --prefix cni-" <<<""
	[ "$status" -eq 1 ]
	[[ "$output" == *"netns: delete 2 names in $RUN? [y/N] "* ]]
	run_dir_is "cni-1 cni-2 other "
	on_tty "netns delete --prefix cni-" <<<"y"
	[ "$status" -eq 0 ]
	run_dir_is "other "
	on_tty "netns delete --prefix oth" <<<"yes"
	[ "$status" -eq 0 ]
	[[ "$output" == *"delete 1 name in $RUN? [y/N] "* ]]
	run_dir_is ""
}

@test "delete --all --yes (and -y) on a terminal does not ask" {
	netns add a b
	on_tty "netns delete --all --yes" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" != *"[y/N]"* ]]
	run_dir_is ""
	netns add c
	on_tty "netns delete -y --prefix c" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" != *"[y/N]"* ]]
	run_dir_is ""
}

@test "delete: --all, --prefix and --yes misuse are usage errors" {
	netns add a
	run -2 --separate-stderr netns delete --all --prefix a
	assert_usage_error "netns: delete: --all and --prefix exclude each other" \
		"Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns delete --prefix ""
	assert_usage_error "netns: delete: --prefix must not be empty (--all deletes every name)" \
		"Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns delete --prefix a a
	assert_usage_error "netns: delete: --prefix takes no NAME" \
		"Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns delete --yes a
	assert_usage_error "netns: delete: --yes is only for --all and --prefix" \
		"Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns delete --prefix
	assert_usage_error "netns: delete: option '--prefix' needs an argument" \
		"Try 'netns delete --help' for more information."
	run_dir_is "a "
}

@test "delete --all in a batch does not ask, even on a terminal" {
	netns add a b
	printf 'delete --all\n' >"$BATS_TEST_TMPDIR/cmds"
	on_tty "netns -b $BATS_TEST_TMPDIR/cmds" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" != *"[y/N]"* ]]
	run_dir_is ""
}

@test "del, ls and show are aliases of delete, list and list" {
	netns add a b
	run -0 --separate-stderr netns ls
	[ "$output" = $'a\nb' ]
	[ -z "$stderr" ]
	run -0 netns show
	[ "$output" = $'a\nb' ]
	run -0 netns del a
	run_dir_is "b "
	# Errors and --help speak of the command itself.
	run -1 --separate-stderr netns del a
	assert_one_error 1 "netns: delete: a: no such namespace"
	run -0 netns ls --help
	[ "${lines[0]}" = "Usage:" ]
	[ "${lines[1]}" = "  netns [-j] list" ]
	run -0 netns -j show
	[ "$(jq -r '.[].name' <<<"$output")" = b ]
	printf 'ls\ndel b\n' >"$BATS_TEST_TMPDIR/cmds"
	run -0 netns -b "$BATS_TEST_TMPDIR/cmds"
	[ "$output" = b ]
	run_dir_is ""
}

@test "an unknown command gets a 'did you mean' hint when one command is close, exit 2" {
	for c in ad:add lsit:list lis:list shwo:show dle:del exe:exec ident:identify \
		pid:pids monitr:monitor conect:connect ADD:add lin:links list-ids:list-id; do
		run -2 --separate-stderr netns "${c%%:*}" x
		assert_usage_error "netns: unknown command '${c%%:*}'; did you mean '${c#*:}'?" \
			"Try 'netns --help' for more information."
		[ "${stderr_lines[0]}" = "netns: unknown command '${c%%:*}'; did you mean '${c#*:}'?" ]
	done
	# Nothing close (or two as close): no guess.
	for c in xyz q frobnicate zz; do
		run -2 --separate-stderr netns "$c"
		[ "${stderr_lines[0]}" = "netns: unknown command '$c'" ]
		[ "${stderr_lines[1]}" = "Try 'netns --help' for more information." ]
	done
	# Inside a batch too, and the hint never runs anything.
	printf 'ad a\n' >"$BATS_TEST_TMPDIR/cmds"
	run -1 --separate-stderr netns -b "$BATS_TEST_TMPDIR/cmds"
	[ "${stderr_lines[0]}" = "netns: unknown command 'ad'; did you mean 'add'?" ]
	run_dir_is ""
}

@test "links prints a header, also with no namespace row; up - brings this namespace's lo up" {
	a=$(uniq_name a)
	netns add "$a"
	run -0 --separate-stderr netns links "$a"
	[ "${lines[0]}" = "INDEX NAME            ADMIN OPER           MTU    KIND     ADDRESSES" ]
	[ "${lines[1]}" = "1     lo              DOWN  DOWN           65536  -        -" ]
	[ "${#lines[@]}" -eq 2 ]
	[ -z "$stderr" ]
	run -0 --separate-stderr netns exec "$a" netns up -
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 netns links "$a"
	[ "${lines[1]}" = "1     lo              UP    UNKNOWN        65536  -        127.0.0.1/8 ::1/128" ]
	# - among names, and a bad name anywhere still changes nothing.
	netns add b
	run -2 --separate-stderr netns exec b netns up - .
	assert_usage_error "netns: up: '.': invalid namespace name" "Try 'netns up --help' for more information."
	run -0 netns exec b netns links -
	[ "$(awk 'NR == 2 { print $3 }' <<<"$output")" = DOWN ]
	netns delete --all
}

@test "set NAME NSID|auto, list shows (id: N), list-id lists nsids with their names" {
	n=$((1000 + RANDOM % 20000))
	netns add a b c
	run -0 --separate-stderr netns set a "$n"
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 netns set b auto
	nb=$(netns -j list | jq '.[] | select(.name == "b") | .nsid')
	[[ "$nb" =~ ^[0-9]+$ ]]
	# ip agrees, both ways.
	[ "$(ip netns list-id | grep -c "^nsid $n ")" -eq 1 ]
	run -0 --separate-stderr netns list
	[ "${lines[0]}" = "a (id: $n)" ]
	[ "${lines[1]}" = "b (id: $nb)" ]
	[ "${lines[2]}" = c ]
	[ "${#lines[@]}" -eq 3 ]
	run -0 netns list-id
	grep -qxF "nsid $n (names: a)" <<<"$output"
	grep -qxF "nsid $nb (names: b)" <<<"$output"
	run -0 netns -j list-id
	[ "$(jq -c ".[] | select(.nsid == $n)" <<<"$output")" = "{\"nsid\":$n,\"names\":[\"a\"]}" ]
	# Taken, already set, bad input.
	run -1 --separate-stderr netns set c "$n"
	[ "$stderr" = "netns: set: c: nsid $n is taken" ]
	[ -z "$output" ]
	run -1 --separate-stderr netns set a auto
	[ "$stderr" = "netns: set: a: already has nsid $n" ]
	[ -z "$output" ]
	run -1 --separate-stderr netns set "$RUN/a" $((n + 1))
	[ "$stderr" = "netns: set: $RUN/a: already has nsid $n" ]
	run -0 netns set "$RUN/c" $((n + 1)) # a PATH works too
	[ "$(netns list | sed -n 3p)" = "c (id: $((n + 1)))" ]
	for bad in -1 x 2147483648 " 1" ""; do
		run -2 --separate-stderr netns set c -- "$bad"
		assert_usage_error "netns: set: '$bad': not an nsid (0 to 2147483647, or auto)" \
			"Try 'netns set --help' for more information."
	done
	run -2 --separate-stderr netns set c
	assert_usage_error "netns: set: expected NAME|PATH and NSID|auto" "Try 'netns set --help' for more information."
	run -1 --separate-stderr netns set nope 7
	assert_one_error 1 "netns: set: nope: no such namespace"
	run -2 --separate-stderr netns list-id x
	assert_usage_error "netns: list-id: unexpected argument 'x'" "Try 'netns list-id --help' for more information."
	netns delete --all
}

@test "list-id: a namespace with two names lists both" {
	n=$((1000 + RANDOM % 20000))
	netns add a
	start_sleeper a
	netns attach z "$SLEEPER"
	netns set z "$n"
	run -0 netns list-id
	grep -qxF "nsid $n (names: a, z)" <<<"$output"
	run -0 netns list
	[ "$output" = $'a (id: '"$n"$')\nz (id: '"$n"')' ]
	netns delete --all
}

@test "exec --all: CMD in every name, in name order, each line prefixed with NAME: " {
	netns add b a c
	: >"$RUN/broken" # no namespace: not run
	run -0 --separate-stderr netns exec --all sh -c 'printf "one\ntwo"; echo err >&2'
	[ "$output" = $'a: one\na: two\nb: one\nb: two\nc: one\nc: two' ]
	[ "$stderr" = $'a: err\nb: err\nc: err' ]
	# It runs inside each: the inode seen is the name's.
	run -0 netns exec --all -- readlink /proc/self/ns/net
	[ "${lines[0]}" = "a: net:[$(ns_inode "$RUN/a")]" ]
	[ "${lines[2]}" = "c: net:[$(ns_inode "$RUN/c")]" ]
	# One failure fails the whole, and says where; the others still ran.
	run -1 --separate-stderr netns exec --all sh -c '[ "$(readlink /proc/self/ns/net)" != "net:['"$(ns_inode "$RUN/b")"']" ]'
	[ "$stderr" = "netns: exec: b: sh exited with status 1" ]
	run -1 --separate-stderr netns exec --all nosuch-cmd
	[ "${stderr_lines[0]}" = "a: netns: exec: nosuch-cmd: No such file or directory" ]
	[ "${stderr_lines[1]}" = "netns: exec: a: nosuch-cmd exited with status 127" ]
	[ "${#stderr_lines[@]}" -eq 6 ]
	run -2 --separate-stderr netns exec --all
	assert_usage_error "netns: exec: missing CMD" "Try 'netns exec --help' for more information."
	rm "$RUN/broken"
	netns delete --all
	# No names: nothing runs, and that is fine.
	run -0 --separate-stderr netns exec --all false
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# start_monitor ARGS...: runs netns monitor ARGS in the background, writing
# to $MON, and waits until its watch and its signalfd are open.
start_monitor() {
	MON=$BATS_TEST_TMPDIR/monitor.out
	# A background job of a non-interactive shell starts with SIGINT ignored.
	netns monitor "$@" >"$MON" 2>"$MON.err" 3>&- &
	MON_PID=$!
	track_pid "$MON_PID"
	for i in $(seq 100); do
		ls -l "/proc/$MON_PID/fd" 2>/dev/null | grep -q 'signalfd' && return 0
		sleep 0.05
	done
	echo "# monitor never got ready" >&2
	return 1
}

# wait_lines N: waits (at most 5 s) for N lines in $MON.
wait_lines() {
	for i in $(seq 100); do
		[ "$(wc -l <"$MON")" -ge "$1" ] && return 0
		sleep 0.05
	done
	echo "# monitor wrote: $(cat "$MON")" >&2
	return 1
}

@test "monitor: add NAME and delete NAME, one line each; SIGINT ends it with status 0" {
	start_monitor
	netns add a
	wait_lines 1
	netns add b
	netns delete a
	wait_lines 3
	kill -INT "$MON_PID"
	wait "$MON_PID"
	[ "$(cat "$MON")" = $'add a\nadd b\ndelete a' ] || [ "$(cat "$MON")" = $'add a\ndelete a\nadd b' ] ||
		{ echo "# $(cat "$MON")" >&2; false; }
	[ ! -s "$MON.err" ]
	netns delete --all
}

@test "monitor -j: one JSON object per line; SIGTERM ends it with status 0" {
	MON=$BATS_TEST_TMPDIR/monitor.json
	netns -j monitor >"$MON" 3>&- &
	MON_PID=$!
	track_pid "$MON_PID"
	for i in $(seq 100); do
		ls -l "/proc/$MON_PID/fd" 2>/dev/null | grep -q signalfd && break
		sleep 0.05
	done
	netns add $'q"\n'
	wait_lines 1
	netns delete $'q"\n'
	wait_lines 2
	kill -TERM "$MON_PID"
	wait "$MON_PID"
	[ "$(sed -n 1p "$MON")" = '{"event":"add","name":"q\"\n"}' ]
	[ "$(sed -n 2p "$MON")" = '{"event":"delete","name":"q\"\n"}' ]
	[ "$(wc -l <"$MON")" -eq 2 ]
}

@test "monitor --nsid: nsid assignments and removals too" {
	n=$((1000 + RANDOM % 20000))
	netns add a
	start_monitor --nsid
	netns set a "$n"
	netns delete a
	# The nsid goes when the namespace is freed, after its name: the kernel
	# frees namespaces in a workqueue, tens a second, so on a machine that
	# just deleted thousands (a lab, a benchmark) this can take a minute.
	for i in $(seq 2400); do
		grep -qxF "delete nsid $n" "$MON" && break
		sleep 0.05
	done
	kill -INT "$MON_PID"
	wait "$MON_PID"
	grep -qxF "add nsid $n (names: a)" "$MON"
	grep -qxF "delete a" "$MON"
	grep -qxF "delete nsid $n" "$MON"
	[ "$(wc -l <"$MON")" -eq 3 ]
}

@test "monitor: usage errors, and not in a batch" {
	run -2 --separate-stderr netns monitor x
	assert_usage_error "netns: monitor: unexpected argument 'x'" "Try 'netns monitor --help' for more information."
	printf 'monitor\n' >"$BATS_TEST_TMPDIR/cmds"
	run -1 --separate-stderr netns -b "$BATS_TEST_TMPDIR/cmds"
	[ "${stderr_lines[0]}" = "netns: monitor: runs until a signal: not in batch mode" ]
}

@test "-p/--pretty indents -j output; the same document" {
	netns add a
	run -0 netns -j list
	compact=$output
	[ "${#lines[@]}" -eq 1 ]
	run -0 netns -j -p list
	[ "${lines[0]}" = "[" ]
	[ "${lines[1]}" = "  {" ]
	[ "$(jq -c . <<<"$output")" = "$compact" ]
	run -0 netns --json --pretty links a
	[ "${lines[0]}" = "[" ]
	[ "$(jq -r '.[0].name' <<<"$output")" = lo ]
	# Without -j, -p changes nothing.
	run -0 netns -p list
	[ "$output" = a ]
	netns delete a
}

@test "--color: names in list, UP/DOWN in links; auto means a terminal without NO_COLOR" {
	netns add --up a
	esc=$'\033'
	run -0 netns --color=always list
	[ "$output" = "${esc}[1ma${esc}[0m" ]
	run -0 netns -c list
	[ "$output" = "${esc}[1ma${esc}[0m" ]
	run -0 netns --color list
	[ "$output" = "${esc}[1ma${esc}[0m" ]
	run -0 netns --color=never list
	[ "$output" = a ]
	run -0 netns --color=auto list # not a terminal
	[ "$output" = a ]
	run -0 netns -c links a
	[[ "${lines[1]}" == "1     lo              ${esc}[32mUP   ${esc}[0m UNKNOWN "* ]]
	on_tty "netns list" </dev/null
	[ "$output" = "${esc}[1ma${esc}[0m" ]
	on_tty "NO_COLOR=1 netns list" </dev/null
	[ "$output" = a ]
	on_tty "netns --color=never list" </dev/null
	[ "$output" = a ]
	run -2 --separate-stderr netns --color=sometimes list
	assert_usage_error "netns: --color 'sometimes': must be auto, always or never" \
		"Try 'netns --help' for more information."
	# JSON is never colored.
	run -0 netns -c -j list
	[[ "$output" != *"$esc"* ]]
	netns delete a
}

@test "progress: N of M on a terminal's stderr, nothing when stderr is not one" {
	for i in $(seq 30); do echo "add p$i"; done >"$BATS_TEST_TMPDIR/cmds"
	run -0 --separate-stderr netns -b "$BATS_TEST_TMPDIR/cmds"
	[ -z "$stderr" ]
	run -0 --separate-stderr netns delete --all
	[ -z "$stderr" ]
	[ -z "$output" ]
	run_dir_is ""
	on_tty "netns -b $BATS_TEST_TMPDIR/cmds"
	[ "$status" -eq 0 ]
	[[ "$output" == *"30 of 30"* ]]
	on_tty "netns delete --all --yes"
	[ "$status" -eq 0 ]
	[[ "$output" == *"30 of 30"* ]]
	run_dir_is ""
}

@test "--color: a diverged thread's DIVERGED column is red; JSON and pipes stay plain" {
	a=$(uniq_name a)
	netns add "$a"
	start_hello "$a"
	esc=$'\033'
	run -3 netns -c threads "$HELLO_PID"
	row=$(grep -E "^ *$HELLO_PID +$HELLO_TID " <<<"$output")
	[[ "$row" == *" ${esc}[31myes     ${esc}[0m "* ]]
	run -3 netns threads "$HELLO_PID"
	[[ "$output" != *"$esc"* ]]
	netns delete "$a"
}

@test "-j and -p after the command too (netns list-id -j), for that command only in a batch" {
	netns add a
	run -0 netns list -j
	[ "$(jq -r '.[0].name' <<<"$output")" = a ]
	run -0 netns list-id --json
	[ "${output:0:1}" = "[" ]
	run -0 netns links a -jp
	[ "${lines[0]}" = "[" ]
	[ "${lines[1]}" = "  {" ]
	run -0 netns identify -j
	jq -e '.inode > 0' <<<"$output"
	printf 'list -j\nlist\n' >"$BATS_TEST_TMPDIR/cmds"
	run -0 netns -b "$BATS_TEST_TMPDIR/cmds"
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = a ]
	[ "$(jq -r '.[0].name' <<<"${lines[0]}")" = a ]
	run -2 --separate-stderr netns add -j b
	assert_usage_error "netns: add: invalid option -- 'j'" "Try 'netns add --help' for more information."
	netns delete a
}
