#!/usr/bin/env bats
# The EXAMPLES of libnetns(3), as examples/*.c: built by make with the
# project's warning flags (part of `all`), run here against namespaces this
# test makes. examples/watch.c and socket-many.c are run by tests/unit/watch.c.

load core-helpers

setup() {
	mk_scratch RUN
	export NETNS_RUN_DIR=$RUN
	EX=$BUILD/examples
}

@test "libnetns(3)'s examples are the files in examples/, each built" {
	REPO=${NETNS_TESTS%/tests}
	for f in route-socket spawn socket-many watch; do
		[ -x "$EX/$f" ] || { echo "# $EX/$f is not built" >&2; false; }
		sed 's/\\//g' "$REPO/man/libnetns.3" | grep -qF "examples/$f.c" ||
			{ echo "# libnetns(3) does not name examples/$f.c" >&2; false; }
	done
}

@test "route-socket: a route socket made in the namespace, used from this thread" {
	netns add --up blue
	start=$(ip -o link | wc -l)
	netns exec blue ip link add a0 type veth peer name b0
	run -0 --separate-stderr "$EX/route-socket" blue
	[ "${lines[0]}" = "blue: 3 links" ]
	[ "${lines[1]}" = "blue: socket in inode $(ns_inode "$RUN/blue")" ]
	[ "$(ip -o link | wc -l)" -eq "$start" ] # nothing here: it all was in blue
	run -1 --separate-stderr "$EX/route-socket" nosuch
	[ "$stderr" = "route-socket: nosuch: No such file or directory" ]
}

@test "spawn: a program run in the namespace, its status passed on, an exec failure reported" {
	netns add blue
	run -0 --separate-stderr "$EX/spawn" blue readlink /proc/self/ns/net
	[ "$output" = "net:[$(ns_inode "$RUN/blue")]" ]
	run -3 "$EX/spawn" blue sh -c 'exit 3'
	run -127 --separate-stderr "$EX/spawn" blue nosuch-program
	[ "$stderr" = "nosuch-program: No such file or directory" ]
	run -2 --separate-stderr "$EX/spawn" blue
	[ "$stderr" = "usage: spawn NAME PROGRAM [ARGS...]" ]
}
