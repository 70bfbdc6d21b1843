#!/usr/bin/env bats
# netns lab check, graph and gen: generated shapes have the right node and
# link counts and come up; check probes every link (and bridge members),
# passes on generated labs and names the link that breaks; graph draws every
# node and edge, quotes names, and refuses what it cannot write. Addresses
# are gen's 10.0.0.0/8 and 10.9x/16, only ever inside the labs' namespaces.

load lab-helpers

setup() {
	lab_setup t
}

# counts FILE: "NODES LINKS" as the lab file lists them.
counts() {
	awk '/^  links:/ { l = 1; next } l && /^    - endpoints:/ { e++ }
	     !l && /^    [^ ].*:/ { n++ } END { print n + 0, e + 0 }' "$1"
}

# shown: "NODES LINKS" of lab $LAB as lab show -j records it.
shown() {
	netns lab show -j "$LAB" | jq -r '"\(.nodes | length) \(.links | length)"'
}

# A bridge sw with an address of its own and members m1 (address from
# addrs), m2 (on its endpoint), m3 (none); bridge sw2 joined to sw, with one
# member m4; an IPv6-only link; a link whose ends share no subnet.
write_bridged() {
	cat >"$SCR/br.yml" <<EOF
name: $LAB
topology:
  nodes:
    sw: { kind: bridge, addrs: ["sw 10.93.0.254/24"] }
    sw2: { kind: bridge }
    m1: { addrs: ["eth0 10.93.0.1/24"] }
    m2:
    m3:
    m4:
    v6a:
    v6b:
  links:
    - endpoints: ["sw:p1", "m1:eth0"]
    - endpoints: ["sw:p2", "m2:eth0:10.93.0.2/24"]
    - endpoints: ["sw:p3", "m3:eth0"]
    - endpoints: ["sw:p4", "sw2:q1"]
    - endpoints: ["sw2:q2", "m4:eth0:10.93.0.4/24"]
    - endpoints: ["v6a:eth0:fd00:93::1/64", "v6b:eth0:fd00:93::2/64"]
    - endpoints: ["v6a:eth1:10.94.1.1/24", "v6b:eth1:10.94.2.2/24"]
EOF
}

@test "lab gen: every shape has its node and link counts, and unique addresses" {
	check_shape() { # SHAPE N NODES LINKS
		netns lab gen "$1" "$2" "$LAB" >"$SCR/g.yml"
		[ "$(counts "$SCR/g.yml")" = "$3 $4" ] ||
			{ echo "# $1 $2: $(counts "$SCR/g.yml"), want $3 $4" >&2; return 1; }
		[ -z "$(grep -o '10\.[0-9.]*/30' "$SCR/g.yml" | sort | uniq -d)" ]
	}
	check_shape line 5 5 4
	check_shape ring 5 5 5
	check_shape star 5 6 5
	check_shape tree 2 2 1
	check_shape tree 10 10 9
	check_shape grid 2 2 1
	# 3 rows of 3: 6 east links, 6 south; 3 rows of 4, the last of 2: 7 + 6.
	check_shape grid 9 9 12
	check_shape grid 10 10 13
	check_shape grid 1000 1000 1936
	# k-ary fat tree: 5k^2/4 switches, k^3/4 hosts, 3k^3/4 links.
	check_shape fat-tree 2 7 6
	check_shape fat-tree 4 36 48
	check_shape fat-tree 6 99 162
	check_shape fat-tree 16 1344 3072
	# The tree is in heap order: n5's parent is n2, on n2's eth2.
	netns lab gen tree 7 "$LAB" | grep -qx '    - endpoints: \["n2:eth2:10.0.0.13/30", "n5:eth0:10.0.0.14/30"\]'
	# The grid's south links: n2 over n5 in 3 columns.
	netns lab gen grid 9 "$LAB" | grep -q '"n2:eth3:[0-9./]*", "n5:eth2:'
}

@test "lab gen tree, grid and fat-tree come up with their counts, and check passes" {
	for spec in "line 6" "tree 7" "grid 10" "fat-tree 4"; do
		# shellcheck disable=SC2086
		netns lab gen $spec "$LAB" >"$SCR/g.yml"
		netns lab up "$SCR/g.yml"
		[ "$(shown)" = "$(counts "$SCR/g.yml")" ]
		# A longer wait than the default second: a busy machine may hold
		# a reply back that long, and a pass must not depend on it.
		run -0 netns lab check --timeout 5 "$LAB"
		want=$(counts "$SCR/g.yml" | cut -d' ' -f2)
		[ "${lines[-1]}" = "$want links: $want ok, 0 failed, 0 skipped" ]
		[ "$(grep -c '  ok  ' <<<"$output")" = "$want" ]
		netns lab down "$LAB"
	done
	[ "$(netns list)" = "" ]
}

@test "lab check: bridge members probe each other, bridges joined, IPv6, skips" {
	write_bridged
	netns lab up "$SCR/br.yml"
	# Right after up the IPv6 addresses are tentative for a second or two
	# (duplicate address detection): check waits for them, as
	# ip.SettleAddresses() of the CNI plugins does, rather than fail.
	run -0 netns lab check -W 5 "$LAB"
	row() { grep "^$1 " <<<"$output" | tr -s ' '; }
	# Each member to the next addressed member of the domain, the last to
	# the bridge's own address; m4, alone on sw2, to a member of sw.
	[[ $(row 'sw:p1 -- m1:eth0') == "sw:p1 -- m1:eth0 m1 10.93.0.1 m2 10.93.0.2 ok "*" ms" ]]
	[[ $(row 'sw:p2 -- m2:eth0') == "sw:p2 -- m2:eth0 m2 10.93.0.2 sw 10.93.0.254 ok "* ]]
	[[ $(row 'sw:p3 -- m3:eth0') == "sw:p3 -- m3:eth0 - - skipped (no address) -" ]]
	[[ $(row 'sw:p4 -- sw2:q1') == "sw:p4 -- sw2:q1 m1 10.93.0.1 m4 10.93.0.4 ok "* ]]
	[[ $(row 'sw2:q2 -- m4:eth0') == "sw2:q2 -- m4:eth0 m4 10.93.0.4 m1 10.93.0.1 ok "* ]]
	[[ $(row 'v6a:eth0 -- v6b:eth0') == "v6a:eth0 -- v6b:eth0 v6a fd00:93::1 v6b fd00:93::2 ok "* ]]
	[[ $(row 'v6a:eth1 -- v6b:eth1') == *" - - skipped (no shared subnet) -" ]]
	[[ ${lines[0]} =~ ^LINK\ +FROM\ +TO\ +RESULT\ +RTT$ ]]
	[ "${lines[-1]}" = "7 links: 5 ok, 0 failed, 2 skipped" ]
	# The bridge's hosts are what is probed: a member gone down fails the
	# links that reach it.
	netns exec "$LAB-m2" ip link set eth0 down
	run -1 netns lab check "$LAB"
	[[ $(row 'sw:p1 -- m1:eth0') == *" FAIL: timeout -" ]]
	[[ $(row 'sw:p2 -- m2:eth0') == *" FAIL: Network is unreachable -" ]]
}

@test "lab check fails, naming the link, after an address is removed or an end set down" {
	netns lab gen line 4 "$LAB" >"$SCR/line.yml"
	netns lab up "$SCR/line.yml"
	run -0 netns lab check "$LAB"
	# n3's address on the n2 -- n3 link, removed by hand inside n3.
	netns exec "$LAB-n3" ip addr del 10.0.0.6/30 dev eth0
	run -1 --separate-stderr netns lab check "$LAB"
	[ "$stderr" = "netns: lab: lab $LAB: 1 of 3 links failed" ]
	[ "$(grep -c FAIL <<<"$output")" = 1 ]
	grep -q '^n2:eth1 -- n3:eth0  *n2 10.0.0.5  *n3 10.0.0.6  *FAIL: timeout  *-$' <<<"$output"
	[ "${lines[-1]}" = "3 links: 2 ok, 1 failed, 0 skipped" ]
	netns exec "$LAB-n3" ip addr add 10.0.0.6/30 dev eth0
	run -0 netns lab check "$LAB"
	# The n3 -- n4 link's end in n4 set down.
	netns exec "$LAB-n4" ip link set eth0 down
	run -1 netns lab check "$LAB"
	[ "$(grep -c FAIL <<<"$output")" = 1 ]
	grep -q '^n3:eth1 -- n4:eth0 .* FAIL: ' <<<"$output"
	# The same in JSON: the failed link, its ends, no RTT.
	run -1 --separate-stderr netns lab check -j "$LAB"
	[ "$(jq -r '"\(.ok) \(.failed) \(.skipped)"' <<<"$output")" = "2 1 0" ]
	[ "$(jq -r '.links[] | select(.result == "failed") |
		"\(.endpoints[0].node):\(.endpoints[0].ifname) \(.from.addr) \(.to.addr) \(.rtt_ms)"' \
		<<<"$output")" = "n3:eth1 10.0.0.9 10.0.0.10 null" ]
	[ "$(jq -r '.links[0].rtt_ms | type' <<<"$output")" = number ]
}

@test "lab check leaves no neighbour entry behind, but keeps a permanent one" {
	netns lab gen line 3 "$LAB" >"$SCR/line.yml"
	netns lab up "$SCR/line.yml"
	# n2's entry for n1, set by hand with n1's real address.
	mac=$(netns exec "$LAB-n1" ip -br link show eth1 | awk '{ print $3 }')
	netns exec "$LAB-n2" ip neigh add 10.0.0.1 lladdr "$mac" dev eth0 nud permanent
	run -0 netns lab check "$LAB"
	[ "${lines[-1]}" = "2 links: 2 ok, 0 failed, 0 skipped" ]
	[ "$(netns exec "$LAB-n1" ip neigh show)" = "" ]
	[ "$(netns exec "$LAB-n3" ip neigh show)" = "" ]
	[ "$(netns exec "$LAB-n2" ip neigh show | sed 's/ *$//')" = "10.0.0.1 dev eth0 lladdr $mac PERMANENT" ]
}

@test "lab check: a lab that is not up, bad arguments" {
	run -1 netns lab check "$LAB"
	[ "$output" = "netns: lab: no lab $LAB" ]
	run -2 netns lab check
	[ "${lines[0]}" = "netns: lab: lab check takes one NAME or FILE" ]
	run -2 netns lab check a b
	[ "${lines[0]}" = "netns: lab: lab check takes one NAME or FILE" ]
	run -2 netns lab check .hidden
	[ "${lines[0]}" = "netns: lab: '.hidden' is not a lab name" ]
	run -2 netns lab check --timeout 0 "$LAB"
	[ "${lines[0]}" = "netns: lab: lab check: --timeout '0': 1 to 60 seconds" ]
	# A node deleted by hand: the probe from it fails, saying so; the
	# others are still probed.
	netns lab gen line 4 "$LAB" >"$SCR/line.yml"
	netns lab up "$SCR/line.yml"
	netns delete "$LAB-n2"
	run -1 netns lab check "$LAB"
	grep -q "^n2:eth1 -- n3:eth0 .* FAIL: no namespace $LAB-n2 " <<<"$output"
	grep -q '^n3:eth1 -- n4:eth0 .* ok ' <<<"$output"
}

# A lab whose node names hold a quote and a backslash, and a link with mtu.
write_quoted() {
	cat >"$SCR/q.yml" <<'EOF'
name: LABNAME
topology:
  nodes:
    'a"b\c': { addrs: ["lo 10.95.0.9/32"] }
    sw: { kind: bridge }
    h1:
  links:
    - endpoints: ['a"b\c:eth1:10.95.1.1/30', "h1:eth0:10.95.1.2/30"]
      mtu: 1400
    - endpoints: ["sw:p1", "h1:eth1"]
EOF
	sed -i "s/LABNAME/$LAB/" "$SCR/q.yml"
}

@test "lab graph: DOT with every node and edge, quoted names, from a FILE or a lab" {
	write_quoted
	run -0 --separate-stderr netns lab graph "$SCR/q.yml"
	[ "${lines[0]}" = "graph \"$LAB\" {" ]
	[ "$(grep -c '^	n[0-9]* \[label=' <<<"$output")" = 3 ]
	[ "$(grep -c '^	n[0-9]* -- n[0-9]* ' <<<"$output")" = 2 ]
	grep -qF '	n0 [label="a\"b\\c\neth1 10.95.1.1/30\nlo 10.95.0.9/32"];' <<<"$output"
	grep -qF '	n1 [label="sw", shape=box,' <<<"$output"
	grep -qF '	n0 -- n2 [taillabel="eth1", headlabel="eth0", label="mtu 1400"];' <<<"$output"
	grep -qF '	n1 -- n2 [taillabel="p1", headlabel="eth1", label="mtu 9500"];' <<<"$output"
	dot_out=$output
	# -o x.dot writes the same, from the lab once it is up.
	netns lab up "$SCR/q.yml"
	run -0 netns lab graph "$LAB" -o "$SCR/x.dot"
	[ "$output" = "" ]
	[ "$(cat "$SCR/x.dot")" = "$dot_out" ]
	[ -z "$(find "$SCR" -name '*.tmp')" ]
}

@test "lab graph -o x.svg and x.png through graphviz's dot; no dot is one line" {
	write_quoted
	if command -v dot >/dev/null; then
		run -0 netns lab graph "$SCR/q.yml" -o "$SCR/x.svg"
		grep -q '<svg' "$SCR/x.svg"
		# The quoted name survives DOT's escapes into the picture.
		grep -qF '>a&quot;b\c</text>' "$SCR/x.svg"
		[ "$(grep -c 'class="node"' "$SCR/x.svg")" = 3 ]
		[ "$(grep -c 'class="edge"' "$SCR/x.svg")" = 2 ]
		run -0 netns lab graph "$SCR/q.yml" -o "$SCR/x.png"
		[ "$(head -c 8 "$SCR/x.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	else
		echo "# dot not installed (Debian graphviz): the pictures are not checked" >&3
	fi
	# Without dot on PATH: one line naming the package, no file.
	run -1 env PATH=/nonexistent "$(command -v netns)" lab graph "$SCR/q.yml" -o "$SCR/y.svg"
	[ "$output" = "netns: lab: dot: not found: install the graphviz package" ]
	[ ! -e "$SCR/y.svg" ]
	[ -z "$(find "$SCR" -name '*.tmp')" ]
}

@test "bad arguments of gen and graph: one line and the hint, exit 2" {
	usage() { # EXPECTED-FIRST-LINE
		[ "${#lines[@]}" = 2 ]
		[ "${lines[0]}" = "$1" ]
		[ "${lines[1]}" = "Try 'netns lab --help' for more information." ]
	}
	run -2 netns lab gen tree 1
	usage "netns: lab: lab gen: N '1': a tree takes N nodes, 2 to 1000000"
	run -2 netns lab gen grid 1
	usage "netns: lab: lab gen: N '1': a grid takes N nodes, 2 to 1000000"
	run -2 netns lab gen fat-tree 3
	usage "netns: lab: lab gen: N '3': a fat-tree takes an even k, 2 to 100"
	run -2 netns lab gen fat-tree 102
	usage "netns: lab: lab gen: N '102': a fat-tree takes an even k, 2 to 100"
	run -2 netns lab gen tree x
	usage "netns: lab: lab gen: N 'x': a tree takes N nodes, 2 to 1000000"
	run -2 netns lab gen cube 3
	usage "netns: lab: lab gen: shape 'cube': must be line, ring, star, tree, grid or fat-tree"
	run -2 netns lab gen tree
	usage "netns: lab: lab gen takes SHAPE N [NAME]"
	run -0 netns lab gen --help
	[[ $output == *"fat-tree K  the k-ary fat tree"* ]]
	write_quoted
	run -2 netns lab graph "$SCR/q.yml" -o "$SCR/x.jpg"
	usage "netns: lab: lab graph: -o '$SCR/x.jpg': must end in .svg, .png or .dot"
	run -2 netns lab graph "$SCR/q.yml" -o "$SCR/svg"
	usage "netns: lab: lab graph: -o '$SCR/svg': must end in .svg, .png or .dot"
	run -2 netns lab graph
	usage "netns: lab: lab graph takes one NAME or FILE"
	run -2 netns lab graph "$SCR/q.yml" -o
	usage "netns: lab: option '-o' needs an argument"
	run -1 netns lab graph "$LAB"
	[ "$output" = "netns: lab: no lab $LAB" ]
	run -1 netns lab graph "$SCR/q.yml" -o "$SCR/nodir/x.svg"
	[ "$output" = "netns: lab: $SCR/nodir/x.svg: No such file or directory" ]
	printf 'name: x\ntopology: [\n' >"$SCR/bad.yml"
	run -1 netns lab graph "$SCR/bad.yml"
	[ "${#lines[@]}" = 1 ]
	[[ ${lines[0]} == "netns: lab: $SCR/bad.yml:"* ]]
	# Nothing was written for any of them.
	[ "$(ls "$SCR")" = "$(printf 'bad.yml\nq.yml\nrun')" ]
}
