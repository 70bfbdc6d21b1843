#!/usr/bin/env bats
# README.md is this test's input: its ```sh blocks are read from it, not
# copied here. "A first session" runs line by line exactly as printed, after
# its own `make install`, with three things set around it (and nothing in it
# rewritten): PREFIX, so that `make install` goes to a scratch /usr/local
# (the Makefile takes PREFIX from the environment); PATH, that scratch bin
# first and without the build tree, so `netns` is the installed one; and
# NETNS_RUN_DIR, a scratch run directory. A line's expected exit status is 0,
# or N where its comment says "exit status N". The other blocks are run by
# CI (.ci/run) or are too long to run here: each is checked to be a real
# command (make -n) or one that CI runs.

load core-helpers

REPO=${NETNS_TESTS%/tests}

# block HEADING: the lines of the first ```sh block after "## HEADING" (or
# before the first "## " heading when HEADING is empty).
block() {
	awk -v h="$1" '
		/^## / { sect = substr($0, 4) }
		/^```sh$/ && sect == h && !done { on = 1; next }
		/^```$/ && on { on = 0; done = 1 }
		on { print }
	' "$REPO/README.md"
}

@test "README: the first session runs as printed, every line with its stated exit status" {
	mk_scratch s
	session=$(block "A first session")
	[ -n "$session" ]
	# It starts by installing what it uses, and does not end by deleting
	# every name in the run directory (other software's too).
	[ "$(head -n 1 <<<"$session" | sed 's/ *#.*//')" = "make install" ]
	! grep -q -- '--all' <<<"$session"

	# The script: each line as printed, followed by a report of its status.
	n=0
	{
		echo 'set -u'
		while IFS= read -r line; do
			n=$((n + 1))
			printf '{ %s\n}\necho "@@status %d $?" >&3\n' "$line" "$n"
		done <<<"$session"
		echo 'wait'
	} >"$s/session.sh"

	mkdir -p "$s/run"
	path=$s/usr/local/bin:$(tr ':' '\n' <<<"$PATH" | grep -vxF "$BUILD" | paste -sd:)
	cd "$REPO"
	PREFIX=$s/usr/local NETNS_RUN_DIR=$s/run PATH=$path \
		bash "$s/session.sh" >"$s/out" 2>&1 3>"$s/status" || true
	sed 's/^/# /' "$s/out" >&2

	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		want=0
		[[ $line =~ \#.*exit\ status\ ([0-9]+) ]] && want=${BASH_REMATCH[1]}
		got=$(sed -n "s/^@@status $n //p" "$s/status")
		[ "$got" = "$want" ] || { echo "# line $n: status '$got', not $want: $line" >&2; false; }
	done <<<"$session"

	# What the user sees: the installed command ran (not the build tree's),
	# the ping went through, the list had both names, the leaking workers
	# were shown, and nothing of the session is left in the run directory.
	[ -x "$s/usr/local/bin/netns" ]
	[ -x "$s/usr/local/bin/netns-ns-mess" ]
	grep -q '^1 packets transmitted, 1 received, 0% packet loss' "$s/out"
	grep -q '"name":"lab1"' "$s/out"
	grep -q '"name":"lab2"' "$s/out"
	grep -qE '^ +[0-9]+ +[0-9]+ pool-worker +[0-9]+ yes +ns-mess-[0-9]+$' "$s/out"
	[ -z "$(ls "$s/run")" ]
}

@test "README: the first block's commands are the ones CI runs" {
	first=$(block "")
	[ "$(sed 's/ *#.*//' <<<"$first")" = "$(printf '%s\n' "make demo" "make check")" ]
	while IFS= read -r cmd; do
		cmd=$(sed 's/ *#.*//' <<<"$cmd")
		grep -qxE "(scripts/hostlike\.sh )?$cmd" "$REPO/.ci/run" ||
			{ echo "# .ci/run never runs '$cmd'" >&2; false; }
	done <<<"$first"
}

@test "README: every command of 'Build and install' is a real target (make -n)" {
	cmds=$(block "Build and install" | sed 's/ *#.*//')
	[ "$(wc -l <<<"$cmds")" -ge 8 ]
	cd "$REPO"
	while IFS= read -r cmd; do
		# shellcheck disable=SC2086
		set -- $cmd
		if [ "$1" = scripts/hostlike.sh ]; then
			[ -x "$1" ]
			shift
		fi
		[ "$1" = make ] || { echo "# not a make command: $cmd" >&2; false; }
		shift
		run env -u MAKEFLAGS -u BUILD -u SANITIZE make -n "$@"
		[ "$status" -eq 0 ] || { echo "# make -n $*: $output" >&2; false; }
	done <<<"$cmds"
}
