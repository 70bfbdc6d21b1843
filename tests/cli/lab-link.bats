#!/usr/bin/env bats
# netns lab link LAB NODE:IF down|up: both ends of a link go down and come
# back up; a ping across it fails while it is down and works again after;
# an unknown lab, node or interface is one line and exit status 1.
# Addresses are 10.97.x/30, only ever inside the lab's namespaces.

load lab-helpers

setup() {
	lab_setup k
	cat >"$SCR/l.yml" <<EOF2
name: $LAB
topology:
  nodes:
    a: {}
    b: {}
  links:
    - endpoints: ["a:eth1:10.97.0.1/30", "b:eth1:10.97.0.2/30"]
EOF2
	netns lab up "$SCR/l.yml"
}

# operstate NODE IF: the kernel's flag word for IF in the node (UP or not).
is_up() {
	netns exec "$LAB-$1" ip -o link show "$2" | grep -q '<[^>]*[<,]UP[,>]'
}

@test "lab link down sets both ends down, the ping fails; up restores it" {
	netns exec "$LAB-a" ping -c1 -W1 10.97.0.2
	run netns lab link "$LAB" a:eth1 down
	[ "$status" -eq 0 ]
	run is_up a eth1
	[ "$status" -ne 0 ]
	run is_up b eth1
	[ "$status" -ne 0 ]
	run netns exec "$LAB-a" ping -c1 -W1 10.97.0.2
	[ "$status" -ne 0 ]
	run netns lab link "$LAB" b:eth1 up
	[ "$status" -eq 0 ]
	is_up a eth1
	is_up b eth1
	# Bounded: the link's carrier and neighbour come back within tries.
	ok=1
	for i in $(seq 50); do
		if netns exec "$LAB-a" ping -c1 -W1 10.97.0.2 >/dev/null 2>&1; then
			ok=0
			break
		fi
		sleep 0.1
	done
	[ "$ok" -eq 0 ]
}

@test "lab link: unknown lab, node, interface, state and form, one line each" {
	run netns lab link "nolab$$" a:eth1 down
	[ "$status" -eq 1 ]
	[ "$output" = "netns: lab: no lab nolab$$" ]
	run netns lab link "$LAB" zz:eth1 down
	[ "$status" -eq 1 ]
	[ "$output" = "netns: lab: lab $LAB has no node zz" ]
	run netns lab link "$LAB" a:eth9 down
	[ "$status" -eq 1 ]
	[ "$output" = "netns: lab: lab $LAB: node a has no link on interface eth9" ]
	run netns lab link "$LAB" a:eth1 sideways
	[ "$status" -eq 2 ]
	run netns lab link "$LAB" a down
	[ "$status" -eq 2 ]
	is_up a eth1
}
