#!/usr/bin/env bats
# netns lab up on a lab that is up: only the difference is applied (the
# namespaces and interfaces that did not change keep their inodes and
# ifindexes), --dry-run prints the plan and makes nothing, a live change
# that fails half-way changes nothing. lab down deletes only the namespaces
# the lab made and ends the processes left inside them. Addresses are
# 10.8x/16, only ever inside the lab's namespaces.

load lab-helpers

setup() {
	lab_setup v
}

# r1 joins h1 and h2 and forwards; h3 hangs off h2.
write_lab() {
	cat >"$SCR/lab.yml" <<EOF
name: $LAB
topology:
  nodes:
    r1: { sysctls: { net.ipv4.ip_forward: 1 } }
    h1: { routes: ["default via 10.81.0.1"] }
    h2: {}
    h3: {}
  links:
    - endpoints: ["r1:eth1:10.81.0.1/24", "h1:eth0:10.81.0.2/24"]
    - endpoints: ["r1:eth2:10.82.0.1/24", "h2:eth0:10.82.0.2/24"]
    - endpoints: ["h2:eth1:10.83.0.1/24", "h3:eth0:10.83.0.2/24"]
EOF
}

# "NODE IF INDEX" for an interface; its namespace's inode for a node.
ifindex() {
	echo "$1 $2 $(netns exec "$LAB-$1" cat "/sys/class/net/$2/ifindex" 2>/dev/null ||
		netns exec "$LAB-$1" ip -o link show dev "$2" | cut -d: -f1)"
}
inode() {
	ns_inode "$NETNS_RUN_DIR/$LAB-$1"
}

# The number of processes whose main thread is in the namespace INODE.
procs_in() {
	local p n=0
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" = "$1" ] && n=$((n + 1))
	done
	echo "$n"
}

addr_of() {
	netns exec "$LAB-$1" ip -4 -br addr show dev "$2" | awk '{ $1 = ""; $2 = ""; print }' |
		sed 's/^ *//'
}

@test "live: add a link, remove a node; only they change" {
	write_lab
	netns lab up "$SCR/lab.yml"
	before="$(inode r1) $(inode h1) $(inode h2) $(ifindex r1 eth1) $(ifindex r1 eth2)"
	before="$before $(ifindex h1 eth0) $(ifindex h2 eth0)"
	# h3 goes (and its link), r1 gets a second link to h1.
	sed -i -e '/h3: {}/d' -e '/h2:eth1/d' "$SCR/lab.yml"
	echo '    - endpoints: ["r1:eth3:10.84.0.1/24", "h1:eth1:10.84.0.2/24"]' >>"$SCR/lab.yml"
	run -0 netns lab up --dry-run "$SCR/lab.yml"
	[ "$output" = "+ link r1:eth3 h1:eth1
- link h2:eth1 h3:eth0
- node h3" ]
	run -0 --separate-stderr netns lab up "$SCR/lab.yml"
	[ -z "$output" ]
	[ -z "$stderr" ]
	after="$(inode r1) $(inode h1) $(inode h2) $(ifindex r1 eth1) $(ifindex r1 eth2)"
	after="$after $(ifindex h1 eth0) $(ifindex h2 eth0)"
	[ "$before" = "$after" ]
	[ "$(names)" = "$LAB-h1 $LAB-h2 $LAB-r1 " ]
	refute netns exec "$LAB-h2" ip link show dev eth1
	[ "$(addr_of r1 eth3) $(addr_of h1 eth1)" = "10.84.0.1/24 10.84.0.2/24" ]
	netns exec "$LAB-h1" ping -c1 -W2 10.84.0.1 >/dev/null
	# The state is the file's now: a second up has nothing to do.
	run -0 netns lab up "$SCR/lab.yml"
	[ "$output" = "lab $LAB is up to date" ]
	[ "$(jq -r '[.nodes[].name] | join(" ")' "$NETNS_RUN_DIR-lab/$LAB.json")" = "r1 h1 h2" ]
}

@test "live: an address, a route and a sysctl change in place" {
	write_lab
	netns lab up "$SCR/lab.yml"
	before="$(inode r1) $(ifindex r1 eth1) $(ifindex h1 eth0)"
	sed -i -e 's|r1:eth1:10.81.0.1/24|r1:eth1:10.81.0.9/24|' \
		-e 's|default via 10.81.0.1|default via 10.81.0.9|' \
		-e 's|ip_forward: 1|ip_forward: 0|' "$SCR/lab.yml"
	run -0 netns lab up --dry-run "$SCR/lab.yml"
	[ "$output" = "~ addr r1 eth1 10.81.0.1/24 -> 10.81.0.9/24
+ route h1 default via 10.81.0.9
~ sysctl r1 net.ipv4.ip_forward 1 -> 0
- route h1 default via 10.81.0.1" ]
	run -0 netns lab up "$SCR/lab.yml"
	[ "$(addr_of r1 eth1)" = "10.81.0.9/24" ]
	[ "$(netns exec "$LAB-h1" ip -4 route show default)" = "default via 10.81.0.9 dev eth0 " ] ||
		[ "$(netns exec "$LAB-h1" ip -4 route show default)" = "default via 10.81.0.9 dev eth0" ]
	[ "$(netns exec "$LAB-r1" cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
	[ "$before" = "$(inode r1) $(ifindex r1 eth1) $(ifindex h1 eth0)" ]
	run -0 netns lab show "$LAB"
	[[ $output == *"eth1 10.81.0.9/24"* ]]
}

# "mtu N" of interface IF in node NODE.
mtu_of() {
	netns exec "$LAB-$1" ip -o link show dev "$2" | grep -o 'mtu [0-9]*'
}

@test "live: a link's MTU changes in place, and back when the up fails later" {
	write_lab
	netns lab up "$SCR/lab.yml"
	before="$(ifindex h2 eth1) $(ifindex h3 eth0)"
	sed -i '/h2:eth1/a\      mtu: 1300' "$SCR/lab.yml"
	run -0 netns lab up --dry-run "$SCR/lab.yml"
	# From containerlab's default, the link's when the file gives none.
	[ "$output" = "~ mtu h2:eth1 h3:eth0 9500 -> 1300" ]
	run -0 netns lab up "$SCR/lab.yml"
	[ "$(mtu_of h2 eth1)" = "mtu 1300" ]
	[ "$(mtu_of h3 eth0)" = "mtu 1300" ]
	[ "$before" = "$(ifindex h2 eth1) $(ifindex h3 eth0)" ]
	# A route via nowhere fails after the MTUs are set: they go back.
	state=$(cat "$NETNS_RUN_DIR-lab/$LAB.json")
	sed -i -e 's|mtu: 1300|mtu: 1200|' \
		-e 's|h2: {}|h2: { routes: ["10.99.0.0/16 via 10.98.0.1"] }|' "$SCR/lab.yml"
	run -1 netns lab up "$SCR/lab.yml"
	[[ $output == "netns: lab: node 'h2': route 10.99.0.0/16 via 10.98.0.1: "* ]]
	[ "$(mtu_of h2 eth1)" = "mtu 1300" ]
	[ "$(mtu_of h3 eth0)" = "mtu 1300" ]
	[ "$(cat "$NETNS_RUN_DIR-lab/$LAB.json")" = "$state" ]
}

@test "live: --dry-run makes nothing; no difference is up to date" {
	write_lab
	run -0 netns lab up --dry-run "$SCR/lab.yml"
	[ "${lines[0]}" = "+ node r1" ]
	[ "${lines[4]}" = "+ link r1:eth1 h1:eth0" ]
	[ "${#lines[@]}" -eq 7 ]
	[ "$(names)" = "" ]
	[ ! -e "$NETNS_RUN_DIR-lab/$LAB.json" ]
	netns lab up "$SCR/lab.yml"
	run -0 netns lab up --dry-run "$SCR/lab.yml"
	[ "$output" = "lab $LAB is up to date" ]
	state=$(cat "$NETNS_RUN_DIR-lab/$LAB.json")
	list=$(names)
	links=$(netns exec "$LAB-h2" ip -o link | cut -d@ -f1)
	sed -i -e '/h3: {}/d' -e '/h2:eth1/d' -e 's|10.82.0.2/24|10.82.0.3/24|' "$SCR/lab.yml"
	run -0 netns lab up --dry-run "$SCR/lab.yml"
	[ "$output" = "~ addr h2 eth0 10.82.0.2/24 -> 10.82.0.3/24
- link h2:eth1 h3:eth0
- node h3" ]
	[ "$(cat "$NETNS_RUN_DIR-lab/$LAB.json")" = "$state" ]
	[ "$(names)" = "$list" ]
	[ "$(netns exec "$LAB-h2" ip -o link | cut -d@ -f1)" = "$links" ]
	[ "$(addr_of h2 eth0)" = "10.82.0.2/24" ]
}

@test "live: a change that fails half-way changes nothing" {
	write_lab
	netns lab up "$SCR/lab.yml"
	state=$(cat "$NETNS_RUN_DIR-lab/$LAB.json")
	before="$(inode r1) $(inode h2) $(ifindex r1 eth2) $(ifindex h2 eth0)"
	# A foreign namespace holds the name of the second new node.
	netns add "$LAB-z2"
	foreign=$(inode z2)
	sed -i -e 's|10.82.0.2/24|10.82.0.7/24|' -e '/^  links:/i\    z1: {}\n    z2: {}\n    z3: {}' \
		"$SCR/lab.yml"
	echo '    - endpoints: ["r1:eth9:10.85.0.1/24", "z1:eth0:10.85.0.2/24"]' >>"$SCR/lab.yml"
	run -1 netns lab up "$SCR/lab.yml"
	[[ $output == "netns: lab: node 'z2': namespace '$LAB-z2': "* ]]
	[ "$(names)" = "$LAB-h1 $LAB-h2 $LAB-h3 $LAB-r1 $LAB-z2 " ]
	[ "$(inode z2)" = "$foreign" ]
	[ "$(cat "$NETNS_RUN_DIR-lab/$LAB.json")" = "$state" ]
	[ "$before" = "$(inode r1) $(inode h2) $(ifindex r1 eth2) $(ifindex h2 eth0)" ]
	[ "$(addr_of h2 eth0)" = "10.82.0.2/24" ]
	refute netns exec "$LAB-r1" ip link show dev eth9
	# Failing later, in a node that stays: a route via nowhere. The address
	# changed before it is put back.
	netns delete "$LAB-z2"
	sed -i -e '/z2: {}/d' -e 's|h2: {}|h2: { routes: ["10.99.0.0/16 via 10.98.0.1"] }|' \
		"$SCR/lab.yml"
	run -1 netns lab up "$SCR/lab.yml"
	[[ $output == "netns: lab: node 'h2': route 10.99.0.0/16 via 10.98.0.1: "* ]]
	[ "$(names)" = "$LAB-h1 $LAB-h2 $LAB-h3 $LAB-r1 " ]
	[ "$(cat "$NETNS_RUN_DIR-lab/$LAB.json")" = "$state" ]
	[ "$(addr_of h2 eth0)" = "10.82.0.2/24" ]
	refute netns exec "$LAB-r1" ip link show dev eth9
	[ "$before" = "$(inode r1) $(inode h2) $(ifindex r1 eth2) $(ifindex h2 eth0)" ]
}

@test "down deletes a name only if it is still the namespace the lab made" {
	write_lab
	netns lab up "$SCR/lab.yml"
	# h1's name now holds someone else's namespace.
	netns delete "$LAB-h1"
	netns add "$LAB-h1"
	foreign=$(inode h1)
	# h3 is recorded as never made (an up killed half-way), and its name is
	# taken meanwhile.
	jq '(.nodes[] | select(.name == "h3")) |= del(.inode, .dev)' \
		"$NETNS_RUN_DIR-lab/$LAB.json" >"$SCR/st" && cp "$SCR/st" "$NETNS_RUN_DIR-lab/$LAB.json"
	netns delete "$LAB-h3"
	netns add "$LAB-h3"
	run -0 netns lab down "$LAB"
	[ "$(names)" = "$LAB-h1 $LAB-h3 " ]
	[ "$(inode h1)" = "$foreign" ]
	netns delete "$LAB-h1" "$LAB-h3"
}

@test "down ends the processes left in the lab, SIGKILL for those that stay" {
	cat >"$SCR/lab.yml" <<EOF
name: $LAB
topology:
  nodes:
    a: { exec: ["sleep 1000 >/dev/null 2>&1 &"] }
    b: {}
  links:
    - endpoints: ["a:eth0:10.86.0.1/30", "b:eth0:10.86.0.2/30"]
EOF
	netns lab up "$SCR/lab.yml"
	netns add other
	netns exec other sleep 1000 >/dev/null 2>&1 3>&- &
	outside=$!
	track_pid $outside
	netns lab exec "$LAB" b sh -c 'trap "" TERM; sleep 1000' >/dev/null 2>&1 3>&- &
	stubborn=$!
	# One thread of tcp-hello is in b, its main thread is not.
	start_hello "$LAB-b"
	# The exec line's sleep is in a already; wait for sh and its sleep in b.
	for i in $(seq 100); do
		[ "$(procs_in "$(inode b)")" -ge 2 ] && break
		sleep 0.05
	done
	run -0 --separate-stderr netns lab down "$LAB"
	[ "$stderr" = "netns: lab: $LAB: killed 4 processes" ]
	wait "$stubborn" || true
	wait "$HELLO_PID" || true
	refute kill -0 "$HELLO_PID" 2>/dev/null
	kill -0 "$outside"
	[ "$(names)" = "other " ]
	netns delete other
}

@test "a live change that removes a node ends its processes" {
	write_lab
	netns lab up "$SCR/lab.yml"
	netns exec "$LAB-h3" sleep 1000 >/dev/null 2>&1 3>&- &
	pid=$!
	track_pid $pid
	for i in $(seq 100); do
		[ "$(ns_inode /proc/$pid/ns/net 2>/dev/null)" = "$(inode h3)" ] && break
		sleep 0.05
	done
	sed -i -e '/h3: {}/d' -e '/h2:eth1/d' "$SCR/lab.yml"
	run -0 --separate-stderr netns lab up "$SCR/lab.yml"
	[ "$stderr" = "netns: lab: $LAB: killed 1 process" ]
	wait "$pid" || true
	refute kill -0 "$pid" 2>/dev/null
}

@test "a lab of 300 nodes under ulimit -n 64: fds stay few; nothing on a non-terminal stderr" {
	netns lab gen line 300 "$LAB" >"$SCR/big.yml"
	run -0 --separate-stderr bash -c "ulimit -n 64 && netns lab up '$SCR/big.yml'"
	[ -z "$stderr" ]
	[ -z "$output" ]
	[ "$(netns list | grep -c "^$LAB-")" = 300 ]
	[ "$(addr_of n300 eth0)" = "10.0.4.170/30" ]
	run -0 bash -c "ulimit -n 64 && netns lab up '$SCR/big.yml'"
	[ "$output" = "lab $LAB is up to date" ]
	run -0 --separate-stderr bash -c "ulimit -n 64 && netns lab down $LAB"
	[ -z "$stderr" ]
	[ -z "$output" ]
	[ "$(names)" = "" ]
}

@test "an up interrupted half-way (SIGINT) undoes what it made" {
	netns lab gen line 1000 "$LAB" >"$SCR/big.yml"
	netns lab up "$SCR/big.yml" 2>"$SCR/err" &
	pid=$!
	track_pid $pid
	for i in $(seq 200); do
		[ "$(netns list | grep -c "^$LAB-")" -ge 10 ] && break
		sleep 0.02
	done
	kill -INT $pid
	status=0
	wait $pid || status=$?
	[ "$status" = 1 ]
	[ "$(cat "$SCR/err")" = "netns: lab: interrupted" ]
	[ "$(names)" = "" ]
	[ ! -e "$NETNS_RUN_DIR-lab/$LAB.json" ]
}

@test "progress on a terminal: N/M nodes, K/L links, rewritten in place, cleared" {
	# 2,000 nodes take well over the second before progress shows.
	netns lab gen line 2000 "$LAB" >"$SCR/big.yml"
	script -qec "netns lab up '$SCR/big.yml'" /dev/null >"$SCR/tty"
	grep -q "lab $LAB: [0-9]*/2000 nodes, [0-9]*/1999 links" "$SCR/tty"
	# Rewritten with \r, and the last thing written clears the line.
	[ "$(tr -cd '\r' <"$SCR/tty" | wc -c)" -ge 2 ]
	[ "$(tail -c 4 "$SCR/tty" | od -An -c | tr -d ' ')" = '\r033[K' ]
	[ "$(netns list | grep -c "^$LAB-")" = 2000 ]
}
