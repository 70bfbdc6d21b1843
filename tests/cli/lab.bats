#!/usr/bin/env bats
# netns lab: a containerlab-style file comes up (two hosts and a router, a
# bridge with two members), TCP crosses the router, down removes what the
# lab made and nothing else, bad files are refused with FILE:LINE:COL and
# make nothing, and a failure half-way rolls back. Addresses are 10.9x/16,
# only ever inside the lab's namespaces.

load lab-helpers

setup() {
	lab_setup l
}

# The file of the issue: hosts h1 and h2 routed through r1, which forwards;
# members m1 and m2 of bridge sw; container settings that are ignored.
write_demo() {
	cat >"$SCR/demo.yml" <<EOF
name: $LAB
prefix: ""
topology:
  defaults:
    kind: linux
    image: alpine:3.19
  kinds:
    linux:
      startup-config: r.cfg
      image: frr:latest
  groups:
    hosts:
      routes: ["default via 10.91.0.1"]
  nodes:
    h1:
      group: hosts
      exec: ["echo h1 >> $SCR/exec.log"]
    h2:
      group: hosts
      routes: ["default via 10.92.0.1"]
      addrs: ["lo 10.99.0.2/32"]
    r1:
      sysctls: { net.ipv4.ip_forward: 1 }
      exec:
        - "echo r1-a >> $SCR/exec.log"
        - "echo r1-b >> $SCR/exec.log"
    sw: { kind: bridge, addrs: ["sw 10.93.0.254/24"] }
    m1: { addrs: ["eth0 10.93.0.1/24"] }
    m2:
  links:
    - endpoints: ["r1:eth1:10.91.0.1/24", "h1:eth0:10.91.0.2/24"]
    - endpoints: ["r1:eth2:10.92.0.1/24", "h2:eth0:10.92.0.2/24"]
      mtu: 1400
    - endpoints: ["sw:p1", "m1:eth0"]
    - endpoints: ["sw:p2", "m2:eth0:10.93.0.2/24"]
EOF
}

# One interface's addresses, as ip -br addr shows them (IPv4 only).
addr_of() {
	netns exec "$LAB-$1" ip -4 -br addr show dev "$2" | awk '{ $1 = ""; $2 = ""; print }' |
		sed 's/^ *//'
}

@test "lab up: nodes, links, addresses, bridge, sysctls, routes and exec lines" {
	write_demo
	run -0 --separate-stderr netns lab up "$SCR/demo.yml"
	# Each container-only key noted once, where it first appears.
	[ "${#stderr_lines[@]}" -eq 3 ]
	[ "${stderr_lines[0]}" = "netns: lab: $SCR/demo.yml:2:1: 'prefix' is ignored: nodes are namespaces" ]
	[ "${stderr_lines[1]}" = "netns: lab: $SCR/demo.yml:6:5: 'image' is ignored: nodes are namespaces" ]
	[ "${stderr_lines[2]}" = "netns: lab: $SCR/demo.yml:9:7: 'startup-config' is ignored: nodes are namespaces" ]
	[ "$(names)" = "$LAB-h1 $LAB-h2 $LAB-m1 $LAB-m2 $LAB-r1 $LAB-sw " ]
	[ "$(addr_of r1 eth1)" = "10.91.0.1/24" ]
	[ "$(addr_of r1 eth2)" = "10.92.0.1/24" ]
	[ "$(addr_of h1 eth0)" = "10.91.0.2/24" ]
	[ "$(addr_of h2 eth0)" = "10.92.0.2/24" ]
	[ "$(addr_of h2 lo)" = "127.0.0.1/8 10.99.0.2/32" ]
	[ "$(addr_of m1 eth0)" = "10.93.0.1/24" ]
	[ "$(addr_of m2 eth0)" = "10.93.0.2/24" ]
	[ "$(addr_of sw sw)" = "10.93.0.254/24" ]
	# lo is up in every node; the link mtu is on both ends.
	netns exec "$LAB-m2" ip -o link show lo | grep -q 'state UNKNOWN'
	netns exec "$LAB-h2" ip -o link show eth0 | grep -q 'mtu 1400 '
	netns exec "$LAB-r1" ip -o link show eth2 | grep -q 'mtu 1400 '
	# The bridge's ports are the two link ends in its namespace.
	[ "$(netns exec "$LAB-sw" ip -o link show master sw | awk -F'[ @:]+' '{ print $2 }' | tr '\n' ' ')" = "p1 p2 " ]
	# Forwarding inside r1 only.
	[ "$(netns exec "$LAB-r1" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	[ "$(netns exec "$LAB-h1" cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
	# Routes: the group's for h1, h2's own over its group's.
	[ "$(netns exec "$LAB-h1" ip -4 route show default)" = "default via 10.91.0.1 dev eth0 " ]
	[ "$(netns exec "$LAB-h2" ip -4 route show default)" = "default via 10.92.0.1 dev eth0 " ]
	# exec lines in file order, once the links exist.
	[ "$(tr '\n' ' ' <"$SCR/exec.log")" = "h1 r1-a r1-b " ]
}

@test "lab up: TCP crosses r1 from h1 to h2, and m1 reaches m2 through the bridge" {
	write_demo
	netns lab up "$SCR/demo.yml" 2>/dev/null
	port=$((20000 + RANDOM % 20000))
	printf 'across r1\n' | netns exec "$LAB-h2" nc -N -l 10.92.0.2 "$port" >/dev/null 2>&1 3>&- &
	track_pid $!
	wait_listen "$LAB-h2" "$port"
	run -0 netns exec "$LAB-h1" nc -w 5 10.92.0.2 "$port" </dev/null
	[ "$output" = "across r1" ]
	# Through the bridge: a TCP connect from m1 to a listener in m2.
	netns exec "$LAB-m2" nc -l 10.93.0.2 "$((port + 1))" </dev/null >/dev/null 2>&1 3>&- &
	track_pid $!
	wait_listen "$LAB-m2" "$((port + 1))"
	netns exec "$LAB-m1" nc -z -w 5 10.93.0.2 "$((port + 1))"
	# Without r1's forwarding there is no path: the route alone is not enough.
	netns exec "$LAB-r1" sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
	refute netns exec "$LAB-h1" nc -z -w 1 10.92.0.2 "$port"
}

@test "lab list and show: nodes, links with both endpoints, addresses" {
	write_demo
	netns lab up "$SCR/demo.yml" 2>/dev/null
	run -0 netns lab list
	[ "$output" = "$LAB	6 nodes	4 links" ]
	run -0 netns lab show "$LAB"
	[ "${lines[0]}" = "lab $LAB ($SCR/demo.yml)" ]
	[ "${lines[4]}" = "  r1	$LAB-r1	linux	eth1 10.91.0.1/24, eth2 10.92.0.1/24" ]
	[ "${lines[5]}" = "  sw	$LAB-sw	bridge	sw 10.93.0.254/24" ]
	# No mtu in the file: containerlab's 9500.
	[ "${lines[9]}" = "  r1:eth1 -- h1:eth0	mtu 9500" ]
	[ "${lines[10]}" = "  r1:eth2 -- h2:eth0	mtu 1400" ]
	[ "${lines[12]}" = "  sw:p2 -- m2:eth0	mtu 9500" ]
	run -0 netns lab show -j "$LAB"
	[ "$(jq -r '.nodes[] | select(.name == "h2") | .addrs | join(",")' <<<"$output")" = "eth0 10.92.0.2/24,lo 10.99.0.2/32" ]
	[ "$(jq -r '.links[1].endpoints | map(.node + ":" + .ifname) | join(" ")' <<<"$output")" = "r1:eth2 h2:eth0" ]
	run -0 netns -j lab list
	[ "$(jq -c . <<<"$output")" = "[{\"name\":\"$LAB\",\"nodes\":6,\"links\":4}]" ]
	# The state lives next to the run directory, not in it.
	[ -f "$NETNS_RUN_DIR-lab/$LAB.json" ]
	[ ! -e "$NETNS_RUN_DIR/.netns-lab" ]
}

@test "lab down removes every name and the state, nothing else, also without the file" {
	write_demo
	netns add "$LAB-foreign" "other"
	netns lab up "$SCR/demo.yml" 2>/dev/null
	rm "$SCR/demo.yml"
	run -0 netns lab down "$LAB"
	[ -z "$output" ]
	[ "$(names)" = "$LAB-foreign other " ]
	[ ! -e "$NETNS_RUN_DIR-lab/$LAB.json" ]
	# The veths went with their namespaces: none is left in this one.
	refute ip -o link show dev eth1
	# The lab is gone: a second down is an error, and up makes it again.
	run -1 netns lab down "$LAB"
	[ "$output" = "netns: lab: no lab $LAB" ]
	write_demo
	netns lab up "$SCR/demo.yml" 2>/dev/null
	[ "$(names)" = "$LAB-foreign $LAB-h1 $LAB-h2 $LAB-m1 $LAB-m2 $LAB-r1 $LAB-sw other " ]
	run -0 netns lab down "$SCR/demo.yml"
	[ "$(names)" = "$LAB-foreign other " ]
}

@test "lab down after a node's name was deleted by hand" {
	write_demo
	netns lab up "$SCR/demo.yml" 2>/dev/null
	netns delete "$LAB-h1"
	run -0 netns lab down "$LAB"
	[ "$(names)" = "" ]
}

@test "lab up of an unchanged lab that is up says so and changes nothing" {
	write_demo
	netns lab up "$SCR/demo.yml" 2>/dev/null
	inode=$(ns_inode "$NETNS_RUN_DIR/$LAB-r1")
	state=$(cat "$NETNS_RUN_DIR-lab/$LAB.json")
	run -0 --separate-stderr netns lab up "$SCR/demo.yml"
	[ "$output" = "lab $LAB is up to date" ]
	[ "$(ns_inode "$NETNS_RUN_DIR/$LAB-r1")" = "$inode" ]
	[ "$(cat "$NETNS_RUN_DIR-lab/$LAB.json")" = "$state" ]
}

# bad FILE CONTENT MESSAGE: up fails with exit 1 and exactly "netns: lab:
# FILE:MESSAGE", and nothing is made.
bad() {
	printf '%b' "$2" >"$SCR/$1"
	run -1 --separate-stderr netns lab up "$SCR/$1"
	[ "$stderr" = "netns: lab: $SCR/$1:$3" ] || {
		echo "# got: $stderr" >&2
		return 1
	}
	[ "$(names)" = "" ]
	[ ! -e "$NETNS_RUN_DIR-lab" ]
}

@test "invalid files: one FILE:LINE:COL line, exit 1, nothing made" {
	n="name: $LAB\ntopology:\n  nodes:\n"
	bad missing.yml "$n    a: {}\n  links:\n    - endpoints: [\"a:eth0\", \"b:eth0\"]\n" \
		"6:29: endpoint 'b:eth0': no node 'b' in topology.nodes"
	bad cidr.yml "$n    a: {}\n    b: {}\n  links:\n    - endpoints: [\"a:eth0:10.0.0.300/24\", \"b:eth0\"]\n" \
		"7:19: endpoint 'a:eth0:10.0.0.300/24': bad CIDR '10.0.0.300/24'"
	bad dup.yml "$n    a: {}\n    b: {}\n  links:\n    - endpoints: [a:eth0, b:eth0]\n    - endpoints: [b:eth1, a:eth0]\n" \
		"8:27: endpoint 'a:eth0': duplicate interface 'eth0' on node 'a'"
	bad syntax.yml "$n    a: [x\n" \
		"5:1: YAML: did not find expected ',' or ']' while parsing a flow sequence"
	bad key.yml "$n    a: {kind: linux, colour: red}\n" \
		"4:22: unknown key 'colour' in a node"
	bad route.yml "$n    a: {routes: [\"default via 10.0.0\"]}\n" \
		"4:18: route 'default via 10.0.0': bad 'via 10.0.0'"
	bad noif.yml "$n    a: {addrs: [\"eth1 10.0.0.1/24\"]}\n" \
		"4:17: node 'a': address 'eth1 10.0.0.1/24': no interface 'eth1'"
	bad sysctl.yml "$n    a: {sysctls: {kernel.hostname: x}}\n" \
		"4:19: sysctl 'kernel.hostname': only net.* names (letters, digits, '_', '-', '.') are per namespace"
	bad mtu.yml "$n    a: {}\n    b: {}\n  links:\n    - endpoints: [a:e0, b:e0]\n      mtu: 9\n" \
		"8:12: mtu '9': must be a number from 68 to 65535"
	bad group.yml "$n    a: {group: core}\n" "4:16: no group 'core' in topology.groups"
	bad noname.yml "topology:\n  nodes: {}\n" "1:1: the file has no 'name'"
}

# usage LINE: the output of the last run is LINE and the hint, nothing else.
usage() {
	[ "${#lines[@]}" = 2 ]
	[ "${lines[0]}" = "$1" ]
	[ "${lines[1]}" = "Try 'netns lab --help' for more information." ]
}

@test "usage errors exit 2 with one line and the hint; --help exits 0" {
	run -2 netns lab
	usage "netns: lab: lab needs a command: up, down, list, show, exec, check, graph or gen"
	run -2 netns lab frobnicate
	usage "netns: lab: unknown command 'frobnicate'"
	run -2 netns lab up
	usage "netns: lab: lab up takes one FILE"
	run -2 netns lab up a.yml b.yml
	usage "netns: lab: lab up takes one FILE"
	run -2 netns lab down
	usage "netns: lab: lab down takes one NAME or FILE"
	run -2 netns lab show
	usage "netns: lab: lab show takes one NAME or FILE"
	run -2 netns lab list extra
	usage "netns: lab: lab list takes no arguments"
	run -2 netns lab down --bogus x
	usage "netns: lab: unrecognized option '--bogus'"
	run -0 netns lab --help
	[[ $output == *"netns lab up [--dry-run] FILE"* ]]
	run -1 netns lab up "$SCR/none.yml"
	[[ $output == "netns: lab: $SCR/none.yml: "* ]]
	run -1 netns lab show "$LAB"
	[ "$output" = "netns: lab: no lab $LAB" ]
}

@test "a failing exec line rolls back this run, and a foreign name stays" {
	netns add keep
	cat >"$SCR/fail.yml" <<EOF
name: $LAB
topology:
  nodes:
    a: { exec: ["true", "exit 3"] }
    b: {}
  links:
    - endpoints: ["a:eth0:10.94.0.1/30", "b:eth0:10.94.0.2/30"]
EOF
	run -1 netns lab up "$SCR/fail.yml"
	[ "$output" = "netns: lab: node 'a': exec 'exit 3': exit status 3" ]
	[ "$(names)" = "keep " ]
	[ ! -e "$NETNS_RUN_DIR-lab/$LAB.json" ]
}

@test "a route via an unreachable gateway rolls back" {
	cat >"$SCR/route.yml" <<EOF
name: $LAB
topology:
  nodes:
    a: { routes: ["10.95.0.0/16 via 10.96.0.1"] }
    b: {}
  links:
    - endpoints: ["a:eth0:10.94.0.1/30", "b:eth0:10.94.0.2/30"]
EOF
	run -1 netns lab up "$SCR/route.yml"
	[[ $output == "netns: lab: node 'a': route 10.95.0.0/16 via 10.96.0.1: "* ]]
	[ "$(names)" = "" ]
	[ ! -e "$NETNS_RUN_DIR-lab/$LAB.json" ]
}

@test "a name taken half-way: up fails, removes what it made, leaves the name" {
	netns add "$LAB-b"
	inode=$(ns_inode "$NETNS_RUN_DIR/$LAB-b")
	printf 'name: %s\ntopology:\n  nodes:\n    a: {}\n    b: {}\n    c: {}\n' "$LAB" >"$SCR/t.yml"
	run -1 netns lab up "$SCR/t.yml"
	[[ $output == "netns: lab: node 'b': namespace '$LAB-b': "* ]]
	[ "$(names)" = "$LAB-b " ]
	[ "$(ns_inode "$NETNS_RUN_DIR/$LAB-b")" = "$inode" ]
	run -1 netns lab down "$LAB"
}

@test "lab exec NODE and --all: in the node's namespace, status passed on, lines prefixed" {
	write_demo
	netns lab up "$SCR/demo.yml" 2>/dev/null
	run -0 netns lab exec "$LAB" r1 cat /proc/sys/net/ipv4/ip_forward
	[ "$output" = 1 ]
	run -0 netns lab exec "$LAB" h2 -- ip -4 -br addr show dev eth0
	[[ $output == "eth0@"*" 10.92.0.2/24"* ]]
	run -7 netns lab exec "$LAB" h1 sh -c 'exit 7'
	run -1 netns lab exec "$LAB" zz true
	[ "$output" = "netns: lab: lab $LAB has no node zz" ]
	run -0 netns lab exec --all "$LAB" cat /proc/sys/net/ipv4/ip_forward
	[ "$(tr '\n' ' ' <<<"$output")" = "h1: 0 h2: 0 r1: 1 sw: 0 m1: 0 m2: 0 " ]
	run -1 --separate-stderr netns lab exec --all "$LAB" sh -c '[ -e /proc/sys/net/ipv4/conf/eth2 ]'
	[ "${#stderr_lines[@]}" -eq 5 ]
	[ "${stderr_lines[0]}" = "netns: lab: h1: sh exited with status 1" ]
	run -2 netns lab exec "$LAB"
	usage "netns: lab: lab exec: missing NODE"
	run -2 netns lab exec "$LAB" r1
	usage "netns: lab: lab exec: missing CMD"
	run -1 netns lab exec nolab r1 true
	[ "$output" = "netns: lab: no lab nolab" ]
}

@test "lab gen line, ring and star: files that come up with the shape's links" {
	netns lab gen line 4 "$LAB" >"$SCR/line.yml"
	netns lab up "$SCR/line.yml"
	[ "$(names)" = "$LAB-n1 $LAB-n2 $LAB-n3 $LAB-n4 " ]
	[ "$(addr_of n2 eth0) $(addr_of n2 eth1)" = "10.0.0.2/30 10.0.0.5/30" ]
	refute netns exec "$LAB-n1" ip link show eth0
	netns exec "$LAB-n4" ip -o link show eth0 | grep -q 'state UP'
	refute netns exec "$LAB-n4" ip link show eth1
	netns lab down "$LAB"
	[ "$(names)" = "" ]

	netns lab gen ring 3 "$LAB" >"$SCR/ring.yml"
	netns lab up "$SCR/ring.yml"
	[ "$(addr_of n3 eth1) $(addr_of n1 eth0)" = "10.0.0.9/30 10.0.0.10/30" ]
	netns lab down "$LAB"

	netns lab gen star 3 "$LAB" >"$SCR/star.yml"
	netns lab up "$SCR/star.yml"
	[ "$(netns exec "$LAB-sw" ip -o link show master sw | wc -l)" = 3 ]
	[ "$(addr_of h3 eth0)" = "10.0.0.3/16" ]
	port=$((20000 + RANDOM % 20000))
	netns exec "$LAB-h3" nc -l 10.0.0.3 "$port" </dev/null >/dev/null 2>&1 3>&- &
	track_pid $!
	wait_listen "$LAB-h3" "$port"
	netns exec "$LAB-h1" nc -z -w 5 10.0.0.3 "$port"
	run -2 netns lab gen cube 3
	usage "netns: lab: lab gen: shape 'cube': must be line, ring, star, tree, grid or fat-tree"
	run -2 netns lab gen ring 2
	usage "netns: lab: lab gen: N '2': a ring takes N nodes, 3 to 1000000"
	run -2 netns lab gen line 0
	usage "netns: lab: lab gen: N '0': a line takes N nodes, 2 to 1000000"
	run -2 netns lab gen line 3 'a"b'
	usage "netns: lab: lab gen: name 'a\"b': letters, digits, '_', '.', '-' only"
}

@test "the issue's containerlab example comes up unchanged, and down without it" {
	cat >"$SCR/issue.yml" <<EOF
name: $LAB
topology:
  nodes:
    r1: { kind: linux }
    h1: {}
    sw: { kind: bridge }
  links:
    - endpoints: ["r1:eth1", "h1:eth0"]
    - endpoints: ["r1:eth2", "sw:p1"]
EOF
	run -0 netns lab up "$SCR/issue.yml"
	[ -z "$output" ]
	[ "$(names)" = "$LAB-h1 $LAB-r1 $LAB-sw " ]
	netns exec "$LAB-h1" ip -o link show eth0 | grep -q 'state UP'
	[ "$(netns exec "$LAB-sw" ip -o link show master sw | awk -F'[ @:]+' '{ print $2 }')" = p1 ]
	rm "$SCR/issue.yml"
	netns lab down "$LAB"
	[ "$(names)" = "" ]
	[ ! -e "$NETNS_RUN_DIR-lab" ]
}

# New bridges come up after every node's work (so the first packets of the
# interfaces stop at their ports), one with a route of its own before its
# route (the kernel refuses a nexthop on a device that is down); a bridge
# added by a live change comes up too.
@test "lab up: bridges are up at the end, one with a route through it as well" {
	cat >"$SCR/br.yml" <<EOF
name: $LAB
topology:
  nodes:
    swa: { kind: bridge }
    swb: { kind: bridge, addrs: ["swb 10.95.0.254/24"], routes: ["10.96.0.0/24 via 10.95.0.1"] }
    h1: { addrs: ["eth0 10.95.0.1/24"] }
    h2: {}
  links:
    - endpoints: ["swa:p1", "h2:eth0"]
    - endpoints: ["swa:p2", "swb:p1"]
    - endpoints: ["swb:p2", "h1:eth0"]
EOF
	run -0 netns lab up "$SCR/br.yml"
	netns exec "$LAB-swa" ip -o link show swa | grep -q '[<,]UP[,>]'
	netns exec "$LAB-swb" ip -o link show swb | grep -q '[<,]UP[,>]'
	[ "$(netns exec "$LAB-swb" ip -4 route show 10.96.0.0/24)" = "10.96.0.0/24 via 10.95.0.1 dev swb " ]
	sed -i 's/^  links:/    swc: { kind: bridge }\n  links:/; $a\    - endpoints: ["swc:p1", "swa:p3"]' "$SCR/br.yml"
	run -0 netns lab up "$SCR/br.yml"
	netns exec "$LAB-swc" ip -o link show swc | grep -q '[<,]UP[,>]'
	netns exec "$LAB-swa" ip -o link show p3 | grep -q 'master swa'
	netns lab down "$LAB"
	[ "$(names)" = "" ]
}

@test "inheritance: node over group over kind over defaults, whole values" {
	cat >"$SCR/inh.yml" <<EOF
name: $LAB
topology:
  defaults:
    sysctls: { net.ipv4.icmp_echo_ignore_all: 1 }
  kinds:
    router:
      sysctls: { net.ipv4.ip_forward: 1 }
  groups:
    quiet:
      kind: router
      sysctls: { net.ipv4.ip_default_ttl: 42 }
  nodes:
    d1: {}
    k1: { kind: router }
    g1: { group: quiet }
    n1: { group: quiet, sysctls: { net.ipv4.ip_default_ttl: 7 } }
EOF
	host=$(cat /proc/sys/net/ipv4/icmp_echo_ignore_all)
	[ "$host" = 0 ] || skip "this host ignores ICMP echo already"
	netns lab up "$SCR/inh.yml"
	sys() {
		netns exec "$LAB-$1" cat "/proc/sys/net/ipv4/$2"
	}
	[ "$(sys d1 icmp_echo_ignore_all) $(sys d1 ip_forward) $(sys d1 ip_default_ttl)" = "1 0 64" ]
	[ "$(sys k1 icmp_echo_ignore_all) $(sys k1 ip_forward) $(sys k1 ip_default_ttl)" = "0 1 64" ]
	[ "$(sys g1 icmp_echo_ignore_all) $(sys g1 ip_forward) $(sys g1 ip_default_ttl)" = "0 0 42" ]
	[ "$(sys n1 icmp_echo_ignore_all) $(sys n1 ip_forward) $(sys n1 ip_default_ttl)" = "0 0 7" ]
	run -0 netns lab show -j "$LAB"
	[ "$(jq -r '[.nodes[].kind] | join(" ")' <<<"$output")" = "linux router router router" ]
	# The host's own value is untouched.
	[ "$(cat /proc/sys/net/ipv4/icmp_echo_ignore_all)" = 0 ]
}

@test "containerlab's extended link format: {node, interface} endpoints, type veth" {
	cat >"$SCR/ext.yml" <<EOF
name: $LAB
topology:
  nodes:
    a: { kind: nokia_srlinux, image: ghcr.io/nokia/srlinux }
    b: {}
  links:
    - type: veth
      endpoints:
        - node: a
          interface: e1-1
        - { node: b, interface: e1-1 }
EOF
	run -0 --separate-stderr netns lab up "$SCR/ext.yml"
	[ "$stderr" = "netns: lab: $SCR/ext.yml:4:31: 'image' is ignored: nodes are namespaces" ]
	netns exec "$LAB-a" ip -o link show e1-1 | grep -q 'state UP'
	netns exec "$LAB-b" ip -o link show e1-1 | grep -q 'state UP'
	netns lab down "$LAB"
	bad type.yml "name: $LAB\ntopology:\n  nodes: {a: {}, b: {}}\n  links:\n    - type: macvlan\n      endpoints: [a:e0, b:e0]\n" \
		"5:13: link type macvlan is not supported yet"
	bad ext.yml "name: $LAB\ntopology:\n  nodes: {a: {}, b: {}}\n  links:\n    - endpoints: [{node: a}, b:e0]\n" \
		"5:19: an endpoint needs 'node' and 'interface'"
	bad ext2.yml "name: $LAB\ntopology:\n  nodes: {a: {}, b: {}}\n  links:\n    - endpoints: [{node: c, interface: e0}, b:e0]\n" \
		"5:19: endpoint 'c:e0': no node 'c' in topology.nodes"
}

@test "a state file that is not one netns wrote: one line naming it and what to do, nothing deleted" {
	netns lab gen line 2 "$LAB" >"$SCR/two.yml"
	netns lab up "$SCR/two.yml"
	state=$NETNS_RUN_DIR-lab/$LAB.json
	before=$(names)
	for bad in '{"name": 5}' '{"nodes": ['; do
		printf '%s' "$bad" >"$state"
		for cmd in "show $LAB" "down $LAB" "up $SCR/two.yml"; do
			# shellcheck disable=SC2086 # CMD is words
			run -1 --separate-stderr netns lab $cmd
			[ -z "$output" ]
			[ "$stderr" = "netns: lab: lab $LAB: its state $state is not one netns wrote (no \"nodes\" and \"links\" lists); remove it, and the lab's names with netns delete --prefix $LAB-" ]
			[ "$(names)" = "$before" ]
		done
	done
	rm "$state"
	netns delete --prefix "$LAB-"
	[ -z "$(names)" ]
}
