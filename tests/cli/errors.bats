#!/usr/bin/env bats
# Exit codes and error messages: every error is one line on stderr,
# "netns: <subcommand>: ...", usage errors add one "Try ..." hint line,
# and bad input changes nothing.

load core-helpers

setup() {
	mk_scratch RUN
	export NETNS_RUN_DIR=$RUN
}

# Nothing but the names the test made itself is in the run dir.
run_dir_is() {
	[ "$(ls -A "$RUN" | tr '\n' ' ')" = "$*" ]
}

@test "unknown subcommands and prefixes are usage errors (exit 2), no prefix matching" {
	for c in ad "add " ADD lis dele exe ident pid; do
		run -2 --separate-stderr netns "$c" x
		assert_usage_error "netns: unknown command '$c'" "Try 'netns --help' for more information."
	done
	run_dir_is ""
}

@test "no command: usage on stderr, exit 2" {
	run -2 --separate-stderr netns
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == Usage:* ]]
}

@test "bad options are usage errors with one hint line" {
	run -2 --separate-stderr netns --bogus list
	assert_usage_error "netns: unrecognized option '--bogus'" "Try 'netns --help' for more information."
	run -2 --separate-stderr netns add --bogus x
	assert_usage_error "netns: add: unrecognized option '--bogus'" "Try 'netns add --help' for more information."
	run -2 --separate-stderr netns delete -z x
	assert_usage_error "netns: delete: invalid option -- 'z'" "Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns --run-dir
	assert_usage_error "netns: option '--run-dir' needs an argument" "Try 'netns --help' for more information."
	run -2 --separate-stderr netns -b
	assert_usage_error "netns: option '-b' needs an argument" "Try 'netns --help' for more information."
	run -2 --separate-stderr netns --run-dir relative/dir list
	assert_usage_error "netns: --run-dir 'relative/dir': must be an absolute path" \
		"Try 'netns --help' for more information."
	run_dir_is ""
}

@test "options anywhere on the line, as GNU tools take them; -- ends them" {
	run -0 --separate-stderr netns add x1 --up
	[ -z "$stderr" ]
	run_dir_is "x1 "
	[ "$(netns links x1 | awk 'NR > 1 { print $3 }')" = UP ]
	run -2 --separate-stderr netns add x2 -z
	assert_usage_error "netns: add: invalid option -- 'z'" "Try 'netns add --help' for more information."
	run -2 --separate-stderr netns delete x1 --bogus
	assert_usage_error "netns: delete: unrecognized option '--bogus'" \
		"Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns add -x
	assert_usage_error "netns: add: invalid option -- 'x'" "Try 'netns add --help' for more information."
	run_dir_is "x1 "
	# A name that starts with - needs --.
	run -0 netns add -- -x --up
	run_dir_is "--up -x x1 "
	run -0 netns up -- -x
	[ "$(netns links -- -x | awk 'NR > 1 { print $3 }')" = UP ]
	run -0 netns delete x1 -- -x --up
	run_dir_is ""
	run -0 --separate-stderr netns list --help
	[[ "${lines[0]}" == Usage:* ]]
	# The same for the commands that take PIDs.
	for c in "pids x" "identify $$" "threads $$"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr netns $c --help
		[[ "${lines[0]}" == Usage:* ]] || { echo "# netns $c --help: $output" >&2; false; }
	done
}

@test "a long option that takes no value, given one, says so" {
	run -2 --separate-stderr netns add --up=yes x
	assert_usage_error "netns: add: option '--up' doesn't allow an argument" \
		"Try 'netns add --help' for more information."
	run -2 --separate-stderr netns delete --all=1
	assert_usage_error "netns: delete: option '--all' doesn't allow an argument" \
		"Try 'netns delete --help' for more information."
	run -2 --separate-stderr netns --json=x list
	assert_usage_error "netns: option '--json' doesn't allow an argument" \
		"Try 'netns --help' for more information."
	# A bad letter in a cluster after a --opt=VALUE is still a bad letter.
	run -2 --separate-stderr netns --run-dir="$RUN" -jz list
	assert_usage_error "netns: invalid option -- 'z'" "Try 'netns --help' for more information."
	run -2 --separate-stderr netns add --bogus=1 x
	assert_usage_error "netns: add: unrecognized option '--bogus=1'" \
		"Try 'netns add --help' for more information."
	run_dir_is ""
}

@test "a name holding a newline or other control bytes stays on one error line" {
	nl=$'a\nb'
	run -0 netns add "$nl"
	run -1 --separate-stderr netns add "$nl"
	assert_one_error 1 ""
	[ "$stderr" = 'netns: add: a\nb: namespace already exists' ]
	run -1 --separate-stderr netns delete $'c\rd' x
	assert_one_error 1 ""
	[ "$stderr" = 'netns: delete: c\rd: no such namespace' ]
	run -1 --separate-stderr netns exec $'e\tf\ag' true
	assert_one_error 1 ""
	[ "$stderr" = 'netns: exec: e\tf\x07g: no such namespace' ]
	run -2 --separate-stderr netns $'bad\ncommand'
	assert_usage_error "" "Try 'netns --help' for more information."
	[ "${stderr_lines[0]}" = "netns: unknown command 'bad\\ncommand'" ]
	run -0 netns delete "$nl"
	run_dir_is ""
}

@test "missing arguments are usage errors" {
	for c in add delete exec pids attach; do
		run -2 --separate-stderr netns "$c"
		assert_usage_error "netns: $c: " "Try 'netns $c --help' for more information."
	done
	netns add a
	run -2 --separate-stderr netns exec a
	assert_usage_error "netns: exec: missing CMD" "Try 'netns exec --help' for more information."
	run -2 --separate-stderr netns exec a --
	assert_usage_error "netns: exec: missing CMD" "Try 'netns exec --help' for more information."
	run -2 --separate-stderr netns attach a
	assert_usage_error "netns: attach: expected NAME PID[/TID]" "Try 'netns attach --help' for more information."
	run -2 --separate-stderr netns list extra
	assert_usage_error "netns: list: unexpected argument 'extra'" "Try 'netns list --help' for more information."
	run -2 --separate-stderr netns pids a extra
	assert_usage_error "netns: pids: unexpected argument 'extra'" "Try 'netns pids --help' for more information."
	run -2 --separate-stderr netns identify 1 2
	assert_usage_error "netns: identify: unexpected argument '2'" "Try 'netns identify --help' for more information."
	run_dir_is "a "
}

@test "bad names: empty, '/', '.', '..', longer than NAME_MAX" {
	long=$(printf 'x%.0s' $(seq 256))
	for n in "" "a/b" "." ".." "$long"; do
		for c in add delete; do
			run -1 --separate-stderr netns "$c" "$n"
			assert_one_error 1 "netns: $c: '$n': invalid namespace name: "
		done
		run -1 --separate-stderr netns attach "$n" $$
		assert_one_error 1 "netns: attach: '$n': invalid namespace name: "
	done
	for n in "" "." ".." "$long"; do
		for c in exec pids; do
			if [ "$c" = exec ]; then
				run -1 --separate-stderr netns exec "$n" true
			else
				run -1 --separate-stderr netns pids "$n"
			fi
			assert_one_error 1 "netns: $c: '$n': invalid namespace name: "
		done
	done
	run -1 --separate-stderr netns add "$long"
	[[ "$stderr" == *"File name too long"* ]]
	# 255 bytes is NAME_MAX: allowed.
	run -0 netns add "${long:1}"
	run_dir_is "${long:1} "
}

@test "an existing name for add, a missing one for delete, exec, pids" {
	netns add a
	ia=$(ns_inode "$RUN/a")
	run -1 --separate-stderr netns add a
	assert_one_error 1 "netns: add: a: namespace already exists"
	[ "$(ns_inode "$RUN/a")" = "$ia" ]
	run -1 --separate-stderr netns delete nope
	assert_one_error 1 "netns: delete: nope: no such namespace"
	run -1 --separate-stderr netns delete a nope
	assert_one_error 1 "netns: delete: nope: no such namespace"
	run -1 --separate-stderr netns exec nope true
	assert_one_error 1 "netns: exec: nope: no such namespace"
	run -1 --separate-stderr netns pids nope
	assert_one_error 1 "netns: pids: nope: no such namespace"
	run -1 --separate-stderr netns exec /nonexistent/ns true
	assert_one_error 1 "netns: exec: /nonexistent/ns: No such file or directory"
	run_dir_is ""
}

@test "paths that are not a network namespace: regular file, mnt, uts, placeholder" {
	echo data >"$RUN/regular"
	: >"$RUN/ph"
	for p in "$RUN/regular" /proc/self/ns/mnt /proc/self/ns/uts "$RUN/ph" "$RUN"; do
		run -1 --separate-stderr netns exec "$p" true
		assert_one_error 1 "netns: exec: $p: not a network namespace"
		run -1 --separate-stderr netns pids "$p"
		assert_one_error 1 "netns: pids: $p: not a network namespace"
	done
	run -1 --separate-stderr netns exec ph true
	assert_one_error 1 "netns: exec: ph: not a network namespace ($RUN/ph is an empty placeholder with nothing mounted on it)"
	run -1 --separate-stderr netns pids ph
	assert_one_error 1 "netns: pids: ph: not a network namespace ($RUN/ph is an empty placeholder with nothing mounted on it)"
	run -0 netns list
	[ "$output" = "ph (broken: nothing mounted)" ]
	run_dir_is "ph regular "
}

# One policy for names: a name is a mount in the run directory, never a
# symbolic link, whichever subcommand resolves it.
@test "a symbolic link in the run dir is no name: exec, pids, list, delete agree" {
	a=$(uniq_name a)
	netns add "$a"
	ln -s "$RUN/$a" "$RUN/link"
	ln -s /proc/self/ns/net "$RUN/self"
	for l in link self; do
		why="$RUN/$l is a symbolic link, which names never are"
		run -1 --separate-stderr netns exec "$l" true
		assert_one_error 1 "netns: exec: $l: not a network namespace ($why)"
		run -1 --separate-stderr netns pids "$l"
		assert_one_error 1 "netns: pids: $l: not a network namespace ($why)"
		run -1 --separate-stderr netns delete "$l"
		assert_one_error 1 "netns: delete: $l: not a namespace: $why"
	done
	run -0 netns list
	[ "$output" = "$a" ]
	run -0 netns delete --all
	run_dir_is "link self "
}

@test "delete removes a broken name; a directory or a file with data is left alone" {
	: >"$RUN/ph"
	mkdir "$RUN/dir"
	echo data >"$RUN/data"
	run -0 netns delete ph
	run -1 --separate-stderr netns delete dir
	assert_one_error 1 "netns: delete: dir: not a namespace: $RUN/dir is a directory"
	run -1 --separate-stderr netns delete data
	assert_one_error 1 "netns: delete: data: not a namespace: $RUN/data is a regular file, or another kind of namespace"
	run_dir_is "data dir "
	rmdir "$RUN/dir"
	rm "$RUN/data"
}

@test "PID and PID/TID that are not numbers are usage errors" {
	for p in abc "" 0 1x 1/ /1 1/abc 1/0 " 1" 99999999999; do
		run -2 --separate-stderr netns identify "$p"
		assert_usage_error "netns: identify: '$p': not a PID or PID/TID" \
			"Try 'netns identify --help' for more information."
		run -2 --separate-stderr netns attach x "$p"
		assert_usage_error "netns: attach: '$p': not a PID or PID/TID" \
			"Try 'netns attach --help' for more information."
	done
	run_dir_is ""
}

@test "PID and PID/TID that do not exist" {
	np=$(pid_never)
	run -1 --separate-stderr netns identify "$np"
	assert_one_error 1 "netns: identify: $np: no such process"
	run -1 --separate-stderr netns identify "$$/$np"
	assert_one_error 1 "netns: identify: $$/$np: no such thread"
	run -1 --separate-stderr netns identify "1/$$"
	assert_one_error 1 "netns: identify: 1/$$: no such thread"
	run -1 --separate-stderr netns attach x "$np"
	assert_one_error 1 "netns: attach: $np: no such process"
	run -1 --separate-stderr netns attach x "$$/$np"
	assert_one_error 1 "netns: attach: $$/$np: no such thread"
	run -1 --separate-stderr netns exec "/proc/$np/ns/net" true
	assert_one_error 1 "netns: exec: /proc/$np/ns/net: No such file or directory"
	run_dir_is ""
}

@test "not root: EPERM says root or CAP_SYS_ADMIN is needed, nothing changes" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	mk_scratch bin
	chmod 755 "$bin"
	cp "$BUILD/netns" "$bin/" # readable by nobody, wherever BUILD is
	netns add a
	chmod 777 "$RUN" # even a writable run dir does not let nobody add
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
	# A process of nobody's own, so that attach gets as far as mounting.
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		sleep 1000 >/dev/null 2>&1 3>&- &
	track_pid $!
	for i in $(seq 100); do
		[ "$(cat "/proc/$!/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	for args in "add b" "delete a" "exec a true" "attach c $!"; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr nobody "$bin/netns" $args
		c=${args%% *}
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "# $args: $stderr" >&2; false; }
		[[ "$stderr" == "netns: $c: "*"(root or CAP_SYS_ADMIN is needed)" ]] ||
			{ echo "# $args: $stderr" >&2; false; }
	done
	run_dir_is "a "
	[ "$(stat -f -c %T "$RUN/a")" = nsfs ]
	# Read-only commands work unprivileged.
	run -0 nobody "$bin/netns" list
	[ "$output" = a ]
}

@test "not root: a first add makes no run directory it cannot use" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	mk_scratch top
	chmod 1777 "$top" # nobody may make directories here, as under /tmp
	cp "$BUILD/netns" "$top/"
	chmod 755 "$top/netns"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$top/netns" --run-dir "$top/new/netns" add b
	[[ "$stderr" == "netns: add: "*"(root or CAP_SYS_ADMIN is needed)" ]]
	[ ! -e "$top/new" ]
}

@test "a relative run directory is refused, from NETNS_RUN_DIR as from --run-dir" {
	mk_scratch cwd
	cd "$cwd"
	run -2 --separate-stderr env NETNS_RUN_DIR=rel/netns netns add x
	assert_usage_error "netns: NETNS_RUN_DIR 'rel/netns': must be an absolute path" \
		"Try 'netns --help' for more information."
	run -2 --separate-stderr netns --run-dir rel/netns add x
	assert_usage_error "netns: --run-dir 'rel/netns': must be an absolute path" \
		"Try 'netns --help' for more information."
	# --run-dir wins over the environment, as everywhere.
	NETNS_RUN_DIR=rel/netns run -0 netns --run-dir "$RUN" list
	[ ! -e "$cwd/rel" ]
}

@test "a failed write to stdout is an error, not exit 0" {
	netns add a
	for args in list "-j list" "-j identify" "--help" "list --help" --version; do
		run -1 --separate-stderr bash -c "netns $args >/dev/full"
		echo "# netns $args: status $status, stderr: $stderr" >&2
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "${stderr_lines[0]}" == "netns: "* ]]
	done
}
