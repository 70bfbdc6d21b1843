#!/usr/bin/env bats
# netns-portmap through libcni (tests/cni/driver), side by side with the
# reference portmap: the same conflist (a ptp plugin, then portmap) with
# only the types changed. Results, the data path over real TCP connections
# (from another namespace to the host's address, from the host to its own
# address and to 127.0.0.1, a container to its own published port), DEL of
# one container leaving another's mappings, CHECK, GC, conflicts, refusals.
#
# Every test makes its own namespaces: HOSTNS plays the host (the plugins
# run there, so the nftables table and iptables rules land there), OUT the
# outside world on a veth to it (192.0.2.0/24), C1 and C2 the containers.
# Deleting them undoes everything; stores are scratch directories.

load cni-plugin-helpers

bats_require_minimum_version 1.5.0

DRIVER="$BUILD/tests/cni-driver"
HOST_IP=192.0.2.1
OUT_IP=192.0.2.2

setup_file() {
	if command -v go >/dev/null 2>&1; then
		make -s -C "$NETNS_TESTS/.." BUILD="$BUILD" cni-driver >/dev/null
	fi
}

setup() {
	[ -x "$DRIVER" ] ||
		skip "$DRIVER is not built: make cni-driver needs golang-go and golang-github-appc-cni-dev"
	command -v jq >/dev/null || skip "jq is not installed"
	command -v nc >/dev/null || skip "nc is not installed (apt-get install netcat-openbsd)"
	command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
	MACHINE_LINKS=$(machine_links)
	HOSTNS=$(uniq_name host)
	OUT=$(uniq_name out)
	C1=$(uniq_name c1)
	C2=$(uniq_name c2)
	track_name "$HOSTNS" "$OUT" "$C1" "$C2"
	netns add "$HOSTNS"
	netns add "$OUT"
	netns add "$C1"
	netns add "$C2"
	ip -n "$HOSTNS" link set lo up
	ip -n "$OUT" link set lo up
	ip -n "$HOSTNS" link add pmh0 type veth peer name pmo0 netns "$OUT"
	ip -n "$HOSTNS" addr add "$HOST_IP/24" dev pmh0
	ip -n "$OUT" addr add "$OUT_IP/24" dev pmo0
	ip -n "$HOSTNS" link set pmh0 up
	ip -n "$OUT" link set pmo0 up
	mk_scratch WORK
	# The reference portmap 1.1.1 drives iptables; its CHECK looks for
	# IPv6 rules it never made when ip6tables is there
	# (containernetworking/plugins#819): a PATH with iptables alone.
	mkdir "$WORK/bin"
	ln -s "$(command -v iptables)" "$WORK/bin/iptables"
	ln -s "$(command -v iptables-save)" "$WORK/bin/iptables-save"
	ln -s "$(command -v iptables-restore)" "$WORK/bin/iptables-restore"
}

# conf PTP PORTMAP [JSON]: a conflist, the ptp plugin on 10.79.0.0/24 with
# its store in the scratch directory, then the portmap plugin with the
# fields JSON adds.
conf() {
	local ipam=host-local main='{}'
	[ "$1" = netns-ptp ] && ipam=netns-ipam
	# The reference bridge: its own bridge, the gateway on it, hairpin
	# on the ports (the reference portmap's hairpin needs it too).
	[ "$1" = bridge ] && main='{"bridge": "pmtbr0", "isGateway": true, "hairpinMode": true}'
	jq -n --arg ptp "$1" --arg pm "$2" --arg ipam "$ipam" --arg data "$WORK/ipam-$1-$2" \
		--argjson extra "${3:-{\}}" --argjson main "$main" '{
		cniVersion: "1.0.0", name: "pmt",
		plugins: [
			({type: $ptp, ipam: {type: $ipam, dataDir: $data,
				ranges: [[{subnet: "10.79.0.0/24", gateway: "10.79.0.1"}]],
				routes: [{dst: "0.0.0.0/0"}]}} + $main),
			({type: $pm, capabilities: {portMappings: true}} + $extra)]}' >"$WORK/net.conflist"
}

# drive add|check|del ID CONTAINER MAPPINGS: the driver in HOSTNS, for
# container ID in namespace CONTAINER with portMappings MAPPINGS (JSON).
drive() {
	netns exec "$HOSTNS" env PATH="$WORK/bin:/usr/bin:/bin" "$DRIVER" -path "$BUILD:$REF_CNI_DIR" \
		-cache-dir "$WORK/cache" -cap "{\"portMappings\":$4}" "$1" "$WORK/net.conflist" "$2" \
		"/run/netns/$3" eth0
}

# pm_plug COMMAND ID CONFIG: netns-portmap run by hand in HOSTNS (GC, and a
# DEL without runtimeConfig, which libcni 1.1.2 cannot send).
pm_plug() {
	netns exec "$HOSTNS" env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_IFNAME=eth0 \
		CNI_NETNS=/run/netns/none CNI_PATH="$BUILD" "$BUILD/netns-portmap" <<<"$3"
}

# serve CONTAINER PORT TEXT [-6]: a one-connection TCP listener in
# CONTAINER (on IPv4, or IPv6 with -6: nc listens on one family) that
# writes TEXT; returns once it listens.
serve() {
	local _
	netns exec "$1" sh -c "printf '%s\n' '$3' | exec timeout 20 nc ${4:-} -l -p $2 -q 0" \
		>/dev/null 2>&1 3>&- &
	track_pid $!
	for _ in $(seq 200); do
		[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ] && return 0
		sleep 0.05
	done
	echo "# nothing listens on port $2 in $1" >&2
	return 1
}

# fetch NS ADDR PORT: what a TCP connection from NS to ADDR:PORT reads.
fetch() {
	netns exec "$1" timeout 10 nc -N -w 5 "$2" "$3" </dev/null
}

# reach FROM ADDR PORT CONTAINER: a connection from FROM to ADDR:PORT
# reaches the listener in CONTAINER (its container port 80).
reach() {
	local text="hello $4 via $2:$3 from $1" fam=
	[[ $2 == *:* ]] && fam=-6
	serve "$4" 80 "$text" $fam
	run -0 fetch "$1" "$2" "$3"
	[ "$output" = "$text" ] || { echo "# want \"$text\", got \"$output\"" >&2; return 1; }
}

# The elements of netns-portmap's table, "set key comment" a line.
elements() {
	netns exec "$HOSTNS" nft -j list table inet netns-portmap 2>/dev/null | jq -r '
		.nftables[] | (.map // .set) | select(. != null) | .name as $s |
		(.elem // [])[] | (if type == "array" then .[0] else . end) |
		"\($s) \(.elem.val | tojson) \(.elem.comment)"'
}

M1='[{"hostPort":18081,"containerPort":80,"protocol":"tcp"}]'
M2='[{"hostPort":18082,"containerPort":80,"protocol":"tcp"}]'

# datapath PTP PORTMAP: one container published on 18081; it is reached
# from OUT at the host's address, from the host at its own address and at
# 127.0.0.1, and from itself (hairpin); DEL takes it all away.
datapath() {
	conf "$1" "$2"
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	reach "$OUT" "$HOST_IP" 18081 "$C1"
	reach "$HOSTNS" "$HOST_IP" 18081 "$C1"
	reach "$HOSTNS" 127.0.0.1 18081 "$C1"
	reach "$C1" "$HOST_IP" 18081 "$C1"
	run -0 --separate-stderr drive check c1 "$C1" "$M1"
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	serve "$C1" 80 gone
	run fetch "$OUT" "$HOST_IP" 18081
	[ "$output" != gone ]
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	[ "$(machine_links)" = "$MACHINE_LINKS" ]
}

@test "reference ptp + reference portmap: from outside, from the host, 127.0.0.1, hairpin" {
	need_plugins ptp host-local portmap
	datapath ptp portmap
}

@test "reference ptp + netns-portmap: from outside, from the host, 127.0.0.1, hairpin" {
	need_plugins ptp host-local netns-portmap
	datapath ptp netns-portmap
	# The reference portmap's rules would be in iptables; ours are not.
	run -0 netns exec "$HOSTNS" iptables-save -t nat
	[[ $output != *18081* ]]
}

@test "reference bridge + reference portmap: from outside, from the host, 127.0.0.1, hairpin" {
	need_plugins bridge host-local portmap
	datapath bridge portmap
}

@test "reference bridge + netns-portmap: from outside, from the host, 127.0.0.1, hairpin" {
	need_plugins bridge host-local netns-portmap
	datapath bridge netns-portmap
}

@test "netns-ptp + netns-portmap: from outside, from the host, 127.0.0.1, hairpin" {
	need_plugins netns-ptp netns-ipam netns-portmap
	datapath netns-ptp netns-portmap
}

@test "netns-portmap's result is the reference portmap's: prevResult passed on" {
	need_plugins ptp host-local portmap netns-portmap
	conf ptp portmap
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	ref=$(jq -S 'del(.interfaces[].mac, .interfaces[].sandbox, .interfaces[0].name)' <<<"$output")
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	conf ptp netns-portmap
	run -0 --separate-stderr drive add c1 "$C2" "$M1"
	ours=$(jq -S 'del(.interfaces[].mac, .interfaces[].sandbox, .interfaces[0].name)' <<<"$output")
	[ "$ours" = "$ref" ] || { diff <(echo "$ref") <(echo "$ours"); return 1; }
	[ "$(jq -r '.ips[0].address' <<<"$ours")" = 10.79.0.2/24 ]
	run -0 --separate-stderr drive del c1 "$C2" "$M1"
}

@test "netns-portmap: DEL of one container leaves the other's mappings" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	run -0 --separate-stderr drive add c2 "$C2" "$M2"
	[ "$(elements | grep -c ' pmt c1 eth0$')" = 3 ]
	[ "$(elements | grep -c ' pmt c2 eth0$')" = 3 ]
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	[ "$(elements | grep -c ' pmt c1 eth0$')" = 0 ]
	[ "$(elements | grep -c ' pmt c2 eth0$')" = 3 ]
	reach "$OUT" "$HOST_IP" 18082 "$C2"
	run -0 --separate-stderr drive check c2 "$C2" "$M2"
	run -0 --separate-stderr drive del c2 "$C2" "$M2"
	[ -z "$(elements)" ]
}

@test "netns-portmap: a host port taken by another container is refused; its DEL leaves the owner's" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	run -1 --separate-stderr drive add c2 "$C2" "$M1"
	[[ $stderr == *"host port *:18081/tcp"*"published already"* ]] || { echo "# $stderr"; return 1; }
	# The runtime cleans up the failed ADD: c1's port stays.
	run -0 --separate-stderr drive del c2 "$C2" "$M1"
	[ "$(elements | grep -c ' pmt c1 eth0$')" = 3 ]
	reach "$OUT" "$HOST_IP" 18081 "$C1"
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
}

@test "netns-portmap: CHECK reports a missing mapping" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	run -0 --separate-stderr drive check c1 "$C1" "$M1"
	netns exec "$HOSTNS" nft delete element inet netns-portmap dnat4any '{ tcp . 18081 }'
	run -1 --separate-stderr drive check c1 "$C1" "$M1"
	[[ $stderr == *"host port *:18081/tcp to 10.79.0.2 port 80 is missing"* ]] || { echo "# $stderr"; return 1; }
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	[ -z "$(elements)" ]
}

@test "netns-portmap: hostIP, udp and sctp keys; DEL without runtimeConfig finds its own by owner" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap
	m='[{"hostPort":18083,"containerPort":53,"protocol":"UDP","hostIP":"192.0.2.1"},
	    {"hostPort":18084,"containerPort":84,"protocol":"sctp"},
	    {"hostPort":18085,"containerPort":85,"hostIP":"0.0.0.0"},
	    {"hostPort":18086,"containerPort":86,"hostIP":"2001:db8::1"}]'
	run -0 --separate-stderr drive add c1 "$C1" "$m"
	run -0 elements
	[[ $output == *'dnat4 {"concat":["192.0.2.1","udp",18083]} pmt c1 eth0'* ]]
	[[ $output == *'dnat4any {"concat":["sctp",18084]} pmt c1 eth0'* ]]
	[[ $output == *'dnat4any {"concat":["tcp",18085]} pmt c1 eth0'* ]]
	# No IPv6 address in the container: the IPv6 hostIP has nothing to go to.
	[[ $output != *18086* ]]
	run -0 --separate-stderr drive add c2 "$C2" "$M2"
	run -0 pm_plug DEL c1 '{"cniVersion":"1.0.0","name":"pmt","type":"netns-portmap"}'
	[ "$(elements | grep -c ' pmt c1 eth0$')" = 0 ]
	[ "$(elements | grep -c ' pmt c2 eth0$')" = 3 ]
	run -0 --separate-stderr drive del c2 "$C2" "$M2"
}

@test "netns-portmap: GC removes the mappings of attachments no longer valid" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	run -0 --separate-stderr drive add c2 "$C2" "$M2"
	run -0 pm_plug GC "" '{"cniVersion":"1.1.0","name":"pmt","type":"netns-portmap",
		"cni.dev/valid-attachments":[{"containerID":"c2","ifname":"eth0"}]}'
	[ "$(elements | grep -c ' pmt c1 eth0$')" = 0 ]
	[ "$(elements | grep -c ' pmt c2 eth0$')" = 3 ]
	# Another network's elements are not this GC's.
	run -0 pm_plug GC "" '{"cniVersion":"1.1.0","name":"other","type":"netns-portmap",
		"cni.dev/valid-attachments":[]}'
	[ "$(elements | grep -c ' pmt c2 eth0$')" = 3 ]
	reach "$OUT" "$HOST_IP" 18082 "$C2"
	run -0 --separate-stderr drive del c2 "$C2" "$M2"
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
}

@test "netns-portmap: snat false publishes without the hairpin and localhost masquerade" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap '{"snat": false}'
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	run -0 elements
	[ "${#lines[@]}" = 1 ]
	[[ ${lines[0]} == 'dnat4any '* ]]
	reach "$OUT" "$HOST_IP" 18081 "$C1"
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	[ -z "$(elements)" ]
}

@test "netns-portmap refuses what it cannot do, in one line, and needs a prevResult" {
	need_plugins netns-portmap
	prev='"prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.79.0.9/24"}]}'
	rt='"runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1}]}'
	base='"cniVersion":"1.0.0","name":"pmt","type":"netns-portmap"'
	run -1 pm_plug ADD c1 "{$base,$rt}"
	assert_cni_error "$output" 7
	[[ $(jq -r .msg <<<"$output") == "must be called as chained plugin" ]]
	run -1 pm_plug ADD c1 "{$base,$prev,$rt,\"externalSetMarkChain\":\"KUBE-MARK-MASQ\"}"
	assert_cni_error "$output" 2
	[[ $(jq -r .msg <<<"$output") == "externalSetMarkChain names an iptables chain"* ]]
	run -1 pm_plug ADD c1 "{$base,$prev,$rt,\"conditionsV4\":[\"-s\",\"1.2.3.4\"]}"
	assert_cni_error "$output" 2
	run -1 pm_plug ADD c1 "{$base,$prev,$rt,\"markMasqBit\":32}"
	assert_cni_error "$output" 7
	[[ $(jq -r .msg <<<"$output") == "markMasqBit must be between 0 and 31" ]]
	run -1 pm_plug ADD c1 "{$base,$prev,\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":1,\"protocol\":\"icmp\"}]}}"
	assert_cni_error "$output" 7
	[[ $(jq -r .msg <<<"$output") == *'protocol "icmp" is not tcp, udp or sctp' ]]
	run -1 pm_plug ADD c1 "{$base,$prev,\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":0,\"containerPort\":1}]}}"
	[[ $(jq -r .msg <<<"$output") == "Invalid host port number: 0" ]]
	# Nothing was made.
	run -1 netns exec "$HOSTNS" nft list table inet netns-portmap
	# An empty conditions list and markMasqBit in range are fine.
	run -0 pm_plug ADD c1 "{$base,$prev,\"conditionsV4\":[],\"markMasqBit\":13}"
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.79.0.9/24 ]
	# Without mappings, prevResult passed on as the reference prints it.
	ours=$(jq -S . <<<"$output")
	if [ -x "$REF_CNI_DIR/portmap" ]; then
		run -0 netns exec "$HOSTNS" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_IFNAME=eth0 \
			CNI_NETNS=/run/netns/none CNI_PATH="$REF_CNI_DIR" "$REF_CNI_DIR/portmap" \
			<<<"{$base,$prev,\"conditionsV4\":[],\"markMasqBit\":13}"
		[ "$(jq -S . <<<"$output")" = "$ours" ]
	fi
}

@test "netns-portmap, dual stack: IPv4 and IPv6 from outside, IPv6 hairpin" {
	need_plugins netns-ptp netns-ipam netns-portmap
	ip -n "$HOSTNS" addr add 2001:db8:79::1/64 dev pmh0 nodad
	ip -n "$OUT" addr add 2001:db8:79::2/64 dev pmo0 nodad
	jq -n --arg data "$WORK/ipam6" '{cniVersion: "1.0.0", name: "pmt", plugins: [
		{type: "netns-ptp", ipam: {type: "netns-ipam", dataDir: $data,
			ranges: [[{subnet: "10.79.0.0/24"}], [{subnet: "fd79::/64"}]],
			routes: [{dst: "0.0.0.0/0"}, {dst: "::/0"}]}},
		{type: "netns-portmap", capabilities: {portMappings: true}}]}' >"$WORK/net.conflist"
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	[ "$(jq '.ips | length' <<<"$output")" = 2 ]
	run -0 elements
	[[ $output == *'dnat4any {"concat":["tcp",18081]} pmt c1 eth0'* ]]
	[[ $output == *'dnat6any {"concat":["tcp",18081]} pmt c1 eth0'* ]]
	[[ $output == *'hairpin6 {"concat":["fd79::2","fd79::2"]} pmt c1 eth0'* ]]
	reach "$OUT" "$HOST_IP" 18081 "$C1"
	reach "$OUT" 2001:db8:79::1 18081 "$C1"
	reach "$C1" 2001:db8:79::1 18081 "$C1"
	run -0 --separate-stderr drive check c1 "$C1" "$M1"
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	[ -z "$(elements)" ]
}

@test "netns-portmap: ADD takes over a dead attachment's element of the same value" {
	need_plugins netns-ptp netns-ipam netns-portmap
	conf netns-ptp netns-portmap
	run -0 --separate-stderr drive add c1 "$C1" "$M1"
	res=$output
	ip4=$(jq -r '.ips[0].address | sub("/.*"; "")' <<<"$res")
	# As if a container that had this address before had left it behind.
	netns exec "$HOSTNS" nft "delete element inet netns-portmap dnat4any { tcp . 18081 };
		add element inet netns-portmap dnat4any { tcp . 18081 comment \"pmt dead eth0\" : $ip4 . 80 }"
	run -1 --separate-stderr drive check c1 "$C1" "$M1"
	# portmap's ADD again (a runtime retrying it), with the same prevResult.
	run -0 pm_plug ADD c1 "$(jq -c --argjson m "$M1" '{cniVersion: "1.0.0", name: "pmt",
		type: "netns-portmap", runtimeConfig: {portMappings: $m}, prevResult: .}' <<<"$res")"
	[ "$(elements | grep -c ' pmt c1 eth0$')" = 3 ]
	[ "$(elements | grep -c ' pmt dead eth0$')" = 0 ]
	run -0 --separate-stderr drive check c1 "$C1" "$M1"
	run -0 --separate-stderr drive del c1 "$C1" "$M1"
	[ -z "$(elements)" ]
}

@test "netns-portmap: 20 concurrent first ADDs make one table with one copy of its rules" {
	need_plugins netns-portmap
	local i
	for i in $(seq 20); do
		pm_plug ADD "k$i" "{\"cniVersion\":\"1.0.0\",\"name\":\"pmt\",\"type\":\"netns-portmap\",
			\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":$((19000 + i)),\"containerPort\":80}]},
			\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.79.1.$i/24\"}]}}" \
			>"$WORK/add$i.out" 2>&1 &
	done
	wait
	for i in $(seq 20); do
		[ "$(jq -r '.ips[0].address' <"$WORK/add$i.out")" = "10.79.1.$i/24" ] ||
			{ cat "$WORK/add$i.out"; return 1; }
	done
	[ "$(elements | wc -l)" = 60 ]
	run -0 netns exec "$HOSTNS" nft -j list chain inet netns-portmap published
	[ "$(jq '[.nftables[] | select(.rule)] | length' <<<"$output")" = 4 ]
	run -0 netns exec "$HOSTNS" nft -j list chain inet netns-portmap postrouting
	[ "$(jq '[.nftables[] | select(.rule)] | length' <<<"$output")" = 3 ]
	run -0 pm_plug GC "" '{"cniVersion":"1.1.0","name":"pmt","type":"netns-portmap",
		"cni.dev/valid-attachments":[]}'
	[ -z "$(elements)" ]
}
