#!/usr/bin/env bats
# netns -b FILE|- [--force]: one subcommand per line, all in one process;
# stops at the first failing line and names it; --force goes on; quoting,
# comments and exit codes. Every name lives in a scratch run directory.

load core-helpers

setup() {
	mk_scratch dir
	export NETNS_RUN_DIR=$dir
	cmds=$dir/cmds
}

# Lists the run directory's names on one line, in order.
names() {
	netns list | tr '\n' '|'
}

@test "every line runs in the one netns process" {
	printf '%s\n' 'add b1' "exec b1 sh -c 'echo \$PPID'" "exec b1 sh -c 'echo \$PPID'" >"$cmds"
	netns -b "$cmds" >"$dir/out" 2>"$dir/err" &
	pid=$!
	wait "$pid"
	[ -s "$dir/out" ]
	[ ! -s "$dir/err" ]
	# Both children's parent is the process that read the file.
	[ "$(sort -u "$dir/out")" = "$pid" ]
	[ "$(wc -l <"$dir/out")" -eq 2 ]
}

@test "lines run in order and see what earlier lines made" {
	printf '%s\n' 'add b1 b2' 'up b1' 'links b1' 'delete b2' 'list' >"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[ "${lines[0]}" = "INDEX NAME            ADMIN OPER           MTU    KIND     ADDRESSES" ]
	[ "${lines[1]}" = "1     lo              UP    UNKNOWN        65536  -        127.0.0.1/8 ::1/128" ]
	[ "${lines[2]}" = b1 ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "stops at the first error and reports its line number, exit 1" {
	printf '%s\n' '# make two' '' 'add b1' '   ' 'add b2' 'add b1' 'add b3' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds"
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "netns: add: b1: namespace already exists" ]
	[ "${stderr_lines[1]}" = "netns: batch: command failed at line 6" ]
	[ "$(names)" = "b1|b2|" ] # line 7 never ran
}

@test "--force goes on past errors, reports each, and still exits 1" {
	printf '%s\n' 'add b1' 'add b1' 'nosuch' 'add b2' 'links nope' 'add b3' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds" --force
	[ "$(names)" = "b1|b2|b3|" ]
	grep -qxF "netns: batch: command failed at line 2" <<<"$stderr"
	grep -qxF "netns: batch: command failed at line 3" <<<"$stderr"
	grep -qxF "netns: batch: command failed at line 5" <<<"$stderr"
	[ "$(grep -c 'command failed' <<<"$stderr")" -eq 3 ]
	grep -qxF "netns: unknown command 'nosuch'" <<<"$stderr"
	grep -qxF "netns: links: nope: no such namespace" <<<"$stderr"
}

@test "--force before -b and --batch FILE work the same" {
	printf '%s\n' 'add b1' 'add b1' 'add b2' >"$cmds"
	run -1 netns --force --batch "$cmds"
	[ "$(names)" = "b1|b2|" ]
}

@test "quoting: double and single quotes, backslashes, empty words" {
	cat >"$cmds" <<-'EOF'
	add "b 1" 'b 2' b\ 3 "b\"4" 'b\5' b"6"x
	EOF
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[ "$(names)" = 'b 1|b 2|b 3|b"4|b6x|b\5|' ]
	printf '%s\n' 'add ""' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds"
	[ "${stderr_lines[0]}" = "netns: add: '': invalid namespace name: must be non-empty, not . or .., without '/'" ]
	[ "${stderr_lines[1]}" = "netns: batch: command failed at line 1" ]
}

@test "an unterminated quote is an error on its line, and nothing of the file runs" {
	printf '%s\n' 'add b1' 'add "b2 b3' 'add b4' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds"
	[ "$stderr" = "netns: batch: $cmds:2: unterminated quote" ]
	[ -z "$(names)" ]
}

# The whole input is read and checked before any line runs: a malformed line
# anywhere is one error naming FILE:LINE, exit 1, and the run dir is untouched.
@test "malformed input runs nothing: NUL, backslash before CR or at EOF, open quote" {
	check() { # MESSAGE: the file in $cmds must be refused with it
		run -1 --separate-stderr netns -b "$cmds"
		[ "$stderr" = "netns: batch: $cmds:$1" ] ||
			{ echo "# $(od -c "$cmds" | head -n 3): $stderr" >&2; return 1; }
		run -1 --separate-stderr netns -b "$cmds" --force
		[ "$stderr" = "netns: batch: $cmds:$1" ]
		[ -z "$output" ]
		[ "$(ls -A "$dir")" = cmds ]
	}
	printf 'add b1\nadd b2\0x\nadd b3\n' >"$cmds"
	check "2: NUL byte in line"
	printf 'add b1\n# a comment \0\n' >"$cmds"
	check "2: NUL byte in line"
	printf 'add b1\nadd b2 \\\r\nb3\r\n' >"$cmds"
	check "2: backslash before a carriage return"
	printf 'add b1\nadd b2\\\rx\n' >"$cmds"
	check "2: backslash before a carriage return"
	printf 'add b1\n\nadd b2 \\' >"$cmds"
	check "3: backslash at end of file"
	printf 'add b1\nadd b2 \\\n' >"$cmds"
	check "2: backslash at end of file"
	printf 'add b1\nadd b2 "b3\\\nb4\n' >"$cmds"
	check "2: unterminated quote"
	for i in $(seq 257); do printf 'w%d ' "$i"; done | sed 's/^/add b1\nadd /' >"$cmds"
	check "2: too many words"
	# Standard input is named as such.
	run -1 --separate-stderr bash -c "printf 'add b1\\0\n' | netns -b -"
	[ "$stderr" = "netns: batch: (stdin):1: NUL byte in line" ]
	[ "$(ls -A "$dir")" = cmds ]
}

@test "a trailing backslash continues the command on the next line, as ip -b does" {
	printf 'add b1 \\\n  b2\nadd b\\\n3 "b\\\n4" \\\n\\\n  b5\n' >"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[ "$(names)" = "b1|b2|b3|b4|b5|" ]
	# No name holds a newline or a backslash.
	[ "$(ls -A "$dir" | tr '\n' '|')" = "b1|b2|b3|b4|b5|cmds|" ]
	# A comment ends at its line: its backslash continues nothing.
	printf '# comment \\\nadd c1\nadd c2 # \\\nadd c3\n' >"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ "$(names)" = "b1|b2|b3|b4|b5|c1|c2|c3|" ]
	# A failing command is reported at the line it starts on.
	printf 'up \\\n  nope\n' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds"
	[ "${stderr_lines[-1]}" = "netns: batch: command failed at line 1" ]
}

@test "options may follow the names; -- makes a name of what starts with -" {
	printf '%s\n' 'add b1 --up' 'add -- -b2 --up' 'add b3' >"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[ "$(names)" = "--up|-b2|b1|b3|" ]
	[ "$(netns links b1 | awk 'NR > 1 { print $3 }')" = UP ]
	[ "$(netns links b3 | awk 'NR > 1 { print $3 }')" = DOWN ]
}

@test "threads exiting 3 (a thread diverged) is a finding, not a failed line" {
	netns add b1
	start_hello b1
	run -3 netns threads "$HELLO_PID"
	printf '%s\n' "threads $HELLO_PID" 'add b2' >"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[[ "$output" == *DIVERGED* ]]
	[ "$(names)" = "b1|b2|" ]
}

@test "comments: whole lines, and a # that starts a word" {
	printf '%s\n' '# add x1' '   # add x2' 'add b1 # b2' 'add b#3 "#b4"' >"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[ "$(names)" = "#b4|b#3|b1|" ]
}

@test "-b - reads stdin; an empty batch succeeds" {
	run -0 bash -c 'printf "add b1\nadd b2\n" | netns -b -'
	[ "$(names)" = "b1|b2|" ]
	run -0 --separate-stderr bash -c 'netns -b - </dev/null'
	[ -z "$output" ]
	[ -z "$stderr" ]
	: >"$cmds"
	run -0 netns -b "$cmds"
}

@test "exit codes: a command's failure is 1, exec's status is not passed on" {
	printf '%s\n' 'add b1' 'exec b1 sh -c "exit 3"' 'add b2' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds"
	[ "${stderr_lines[-1]}" = "netns: batch: command failed at line 2" ]
	[ "$(names)" = "b1|" ]
	printf '%s\n' 'add --bogus b1' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds" # a usage error inside is still 1
	[ "${stderr_lines[0]}" = "netns: add: unrecognized option '--bogus'" ]
	[ "${stderr_lines[-1]}" = "netns: batch: command failed at line 1" ]
}

@test "exit 2: unreadable file, a command after -b, --force without -b" {
	run -2 --separate-stderr netns -b "$dir/missing"
	[ "$stderr" = "netns: batch: $dir/missing: No such file or directory" ]
	run -2 --separate-stderr netns -b "$dir"
	[ "$stderr" = "netns: batch: $dir: Is a directory" ]
	run -2 --separate-stderr netns -b /proc/self/mem
	[ "$stderr" = "netns: batch: /proc/self/mem: Input/output error" ]
	run -2 --separate-stderr bash -c 'netns -b - <&-'
	[ "$stderr" = "netns: batch: (stdin): Bad file descriptor" ]
	run -2 --separate-stderr netns -b "$cmds" add b1
	[ "${stderr_lines[0]}" = "netns: -b takes no command: 'add'" ]
	run -2 --separate-stderr netns --force add b1
	[ "${stderr_lines[0]}" = "netns: --force is only for -b" ]
	[ -z "$(names)" ]
}

@test "-j applies to every line" {
	printf '%s\n' 'add b1' 'list' 'links b1' >"$cmds"
	run -0 --separate-stderr netns -j -b "$cmds"
	[ "${#lines[@]}" -eq 2 ]
	jq -e '.[0].name == "b1"' <<<"${lines[0]}"
	jq -e '.[0].name == "lo" and .[0].up == false' <<<"${lines[1]}"
}

@test "a long batch: 200 names, then lo up in some of them" {
	for i in $(seq 200); do echo "add n$i"; done >"$cmds"
	echo "up n1 n100 n200" >>"$cmds"
	run -0 --separate-stderr netns -b "$cmds"
	[ -z "$stderr" ]
	[ "$(netns list | wc -l)" -eq 200 ]
	run -0 netns links n200
	[ "${lines[1]}" = "1     lo              UP    UNKNOWN        65536  -        127.0.0.1/8 ::1/128" ]
	[ "${#lines[@]}" -eq 2 ]
	run -0 netns links n2
	[ "${lines[1]}" = "1     lo              DOWN  DOWN           65536  -        -" ]
	[ "${#lines[@]}" -eq 2 ]
	netns delete --all
}

# Consecutive add lines share one throwaway thread (netns_name_add_many);
# what the user sees must be what line-by-line execution gives.
@test "grouped add lines: a failing line stops at its failing name, and names its line" {
	printf '%s\n' 'add g1' 'add g2 g1 g3' 'add g4' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds"
	[ "${stderr_lines[0]}" = "netns: add: g1: namespace already exists" ]
	[ "${stderr_lines[1]}" = "netns: batch: command failed at line 2" ]
	[ "$(names)" = "g1|g2|" ] # not g3 (after the failing name), not g4 (later line)
	# No placeholder was left by the failed name either.
	[ "$(ls -A "$dir" | grep -vx cmds | tr '\n' '|')" = "g1|g2|" ]
}

@test "grouped add lines with --force: the next line goes on, the failing line does not" {
	printf '%s\n' 'add g1' 'add g2 g1 g3' 'add g4' 'add g4' 'add g5' >"$cmds"
	run -1 --separate-stderr netns -b "$cmds" --force
	[ "$(names)" = "g1|g2|g4|g5|" ]
	[ "$(grep -c 'command failed' <<<"$stderr")" -eq 2 ]
	grep -qxF "netns: batch: command failed at line 2" <<<"$stderr"
	grep -qxF "netns: batch: command failed at line 4" <<<"$stderr"
}

@test "grouped add lines keep each line's --up" {
	printf '%s\n' 'add --up u1' 'add u2' 'add --up u3' >"$cmds"
	run -0 netns -b "$cmds"
	[ "$(netns links u1 | awk 'NR == 2 { print $3 }')" = UP ]
	[ "$(netns links u2 | awk 'NR == 2 { print $3 }')" = DOWN ]
	[ "$(netns links u3 | awk 'NR == 2 { print $3 }')" = UP ]
}
