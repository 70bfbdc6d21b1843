#!/usr/bin/env bats
# netns lab check right after `lab up`, first or live: a probe waits for its
# IPv6 addresses to leave duplicate address detection, so a member added to
# a bridge (which becomes the target of the unchanged link before it) fails
# nothing. Addresses are fd00:86::/64, only ever inside the lab's namespaces.

load lab-helpers

setup() {
	lab_setup k
}

# write_bridged FILE [MORE]: bridge sw with an address of its own, members
# w1 and w2; with MORE, a third member w3 after them, which w2's link then
# probes instead of sw's own address.
write_bridged() {
	cat >"$1" <<EOF2
name: $LAB
topology:
  nodes:
    sw: { kind: bridge, addrs: ["sw fd00:86::fe/64"] }
    w1:
    w2:
${2:+    w3:}
  links:
    - endpoints: ["sw:p1", "w1:eth0:fd00:86::1/64"]
    - endpoints: ["sw:p2", "w2:eth0:fd00:86::2/64"]
${2:+    - endpoints: [\"sw:p3\", \"w3:eth0:fd00:86::3/64\"]}
EOF2
}

@test "lab check right after a live change on a bridge passes, every time" {
	write_bridged "$SCR/a.yml"
	write_bridged "$SCR/b.yml" more
	netns lab up "$SCR/a.yml"
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "2 links: 2 ok, 0 failed, 0 skipped" ]
	for i in 1 2 3 4 5; do
		netns lab up "$SCR/b.yml" >/dev/null
		run -0 netns lab check "$LAB"
		[[ $(grep '^sw:p2 ' <<<"$output" | tr -s ' ') == *" w2 fd00:86::2 w3 fd00:86::3 ok "* ]]
		[ "${lines[-1]}" = "3 links: 3 ok, 0 failed, 0 skipped" ]
		netns lab up "$SCR/a.yml" >/dev/null
		run -0 netns lab check "$LAB"
		[ "${lines[-1]}" = "2 links: 2 ok, 0 failed, 0 skipped" ]
	done
}
