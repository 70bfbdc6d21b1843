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
	for c in ad "add " ADD lis del exe ident pid; do
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
	assert_one_error 1 "netns: exec: ph: not a network namespace (nothing mounted on $RUN/ph)"
	run -1 --separate-stderr netns pids ph
	assert_one_error 1 "netns: pids: ph: not a network namespace"
	run -0 netns list
	[ -z "$output" ]
	run_dir_is "ph regular "
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

@test "a failed write to stdout is an error, not exit 0" {
	netns add a
	for args in list "-j list" "-j identify" "--help" "list --help" --version; do
		run -1 --separate-stderr bash -c "netns $args >/dev/full"
		[ "${#stderr_lines[@]}" -eq 1 ] && [[ "${stderr_lines[0]}" == "netns: "* ]] ||
			{ echo "# netns $args: status $status, stderr: $stderr" >&2; false; }
	done
}
