#!/usr/bin/env bats
# completion/netns.bash, driven as bash drives it: bash-completion's helpers
# loaded, COMP_WORDS/COMP_CWORD set, _netns called, COMPREPLY compared.

load core-helpers

REPO=${NETNS_TESTS%/tests}
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

setup() {
	[ -r "$BASH_COMPLETION" ] || skip "needs bash-completion (scripts/deps.sh installs it)"
	# shellcheck disable=SC1090
	source "$BASH_COMPLETION"
	# shellcheck disable=SC1091
	source "$REPO/completion/netns.bash"
	mk_scratch RD
	touch "$RD/alpha" "$RD/beta" "$RD/gamma"
}

# complete WORD...: completes the last WORD of the command line WORD...;
# sets GOT to the candidates, one a line, in COMPREPLY's order.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	# bash-completion's compopt fails outside a real completion: ignored.
	_netns 2>/dev/null || true
	GOT=$(printf '%s\n' "${COMPREPLY[@]}")
}

expect() {
	[ "$GOT" = "$(printf '%s\n' "$@")" ] ||
		{ printf '# got:\n%s\n# want:\n%s\n' "$GOT" "$(printf '%s\n' "$@")" >&2; false; }
}

@test "completion: 'netns <TAB>' offers exactly the subcommands of cli/main.c's table" {
	[ "$(complete -p netns)" = "complete -F _netns netns" ]
	complete_line netns ""
	want=$(sed -n 's/^\t{ "\([a-z-]*\)", cmd_.*/\1/p' "$REPO/cli/main.c")
	[ "$(wc -l <<<"$want")" -ge 13 ]
	[ "$(sort <<<"$GOT")" = "$(sort <<<"$want")" ] ||
		{ diff <(sort <<<"$want") <(sort <<<"$GOT") >&2; false; }
	complete_line netns di
	expect disconnect
	complete_line netns --ru
	expect --run-dir
	# The global options' arguments: a directory, a batch file.
	mkdir "$RD/dir"
	complete_line netns --run-dir "$RD/d"
	expect "$RD/dir"
	complete_line netns -b "$RD/al"
	expect "$RD/alpha"
	complete_line netns -b "$RD/alpha" ""
	expect ""
}

@test "completion: options per subcommand, from its --help" {
	complete_line netns add -
	expect --help --up
	complete_line netns connect a b --
	expect --addr --help --ifnames --mtu
	complete_line netns exec -
	expect --all --help --sys
	complete_line netns connect -
	expect --addr --help --ifnames --mtu -
	# An option's argument: nothing to offer.
	complete_line netns connect a b --mtu ""
	expect ""
}

@test "completion: namespace names from netns list, honouring --run-dir and NETNS_RUN_DIR" {
	complete_line netns --run-dir "$RD" delete ""
	expect alpha beta gamma
	complete_line netns "--run-dir=$RD" delete alpha ""
	expect alpha beta gamma
	complete_line netns --run-dir "$RD" pids b
	expect beta
	NETNS_RUN_DIR=$RD complete_line netns connect ""
	expect alpha beta gamma -
	NETNS_RUN_DIR=$RD complete_line netns connect alpha g
	expect gamma
	# The third word of connect is an option, not a name.
	NETNS_RUN_DIR=$RD complete_line netns connect alpha beta ""
	expect ""
	# add makes new names: none offered.
	NETNS_RUN_DIR=$RD complete_line netns add ""
	expect ""
}

@test "completion: exec completes the program after the name" {
	complete_line netns --run-dir "$RD" exec ""
	expect alpha beta gamma
	# $BUILD is first in PATH (tests/run.sh): its netns-exec is a command.
	complete_line netns --run-dir "$RD" exec alpha netns-ex
	expect netns-exec
	complete_line netns --run-dir "$RD" exec alpha -- netns-ex
	expect netns-exec
	# The program's arguments: as bash completes them for it (files, here).
	complete_line netns --run-dir "$RD" exec alpha cat "$RD/al"
	expect "$RD/alpha"
	# exec --all: the first word is the program (when this netns has it).
	if netns exec --help | grep -q -- '--all'; then
		complete_line netns --run-dir "$RD" exec --all netns-ex
		expect netns-exec
		complete_line netns --run-dir "$RD" exec --all -- netns-ex
		expect netns-exec
	fi
}

@test "completion: PIDs for threads, watch, identify and attach's second word" {
	sleep 1000 &
	track_pid $!
	want=$(ps axo pid= | tr -d ' ' | grep "^$!")
	complete_line netns threads "$!"
	expect $want
	complete_line netns watch 1 "$!"
	expect $want
	complete_line netns identify "$!"
	expect $want
	complete_line netns attach x "$!"
	expect $want
	complete_line netns attach ""
	expect ""
}

@test "completion: make install puts it where bash-completion loads it on demand" {
	mk_scratch dest
	run -0 make -s -C "$REPO" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" PREFIX="$dest/usr/local" install
	[ -f "$dest/usr/local/share/bash-completion/completions/netns" ]
	# A fresh bash, as a login shell has it: bash-completion looks under
	# $XDG_DATA_DIRS (default /usr/local/share:/usr/share), here the scratch
	# prefix's share/, when netns is first completed.
	run -0 env -i PATH="$PATH" XDG_DATA_DIRS="$dest/usr/local/share:/usr/share" bash -c '
		source '"$BASH_COMPLETION"'
		complete -p netns 2>/dev/null && exit 1
		__load_completion netns || exit 2
		complete -p netns'
	[ "$output" = "complete -F _netns netns" ]
}
