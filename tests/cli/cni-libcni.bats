#!/usr/bin/env bats
# CNI plugins driven by libcni, the library containerd and CRI-O use, through
# tests/cni/driver (built by `make cni-driver`): ADD, CHECK and DEL for every
# spec version both libcni and the plugins speak, with the reference ptp +
# host-local first and then netns-ptp + netns-ipam; and a chain that puts the
# reference tuning, portmap and bandwidth plugins after the ptp plugin.
#
# The driver runs inside a namespace made for the test that plays the host;
# the container is another. Every store (IPAM dataDir, libcni's cache) is a
# scratch directory, so deleting the two namespaces and the directory undoes
# everything a plugin may have left, even when a test fails half-way.

load cni-clients

bats_require_minimum_version 1.5.0

# libcni 1.1.2 speaks 0.1.0 to 1.0.0; 0.1.0 and 0.2.0 predate the result
# format the plugins share (interfaces, ips[].interface), and 1.1.0 is newer
# than this libcni.
CNI_VERSIONS=(0.3.0 0.3.1 0.4.0 1.0.0)
MAC=0a:58:0a:4d:00:99

setup_file() {
	driver_build
}

setup() {
	need_driver
	MACHINE_LINKS=$(machine_links)
	HOSTNS=$(uniq_name host)
	CTR=$(uniq_name ctr)
	track_name "$HOSTNS" "$CTR"
	netns add "$HOSTNS"
	netns add "$CTR"
	ip -n "$HOSTNS" link set lo up
	CTR_PATH=/run/netns/$CTR
	CID=cnit-$$-$BATS_TEST_NUMBER
	mk_scratch WORK
	DATA=$WORK/ipam
	CACHE=$WORK/cache
	DRIVER_ENV=()
	DRIVER_OPTS=()
}

# drive add|check|del CONFIG: the driver, in the test's host namespace, on
# the test's container (interface eth0).
drive() {
	netns exec "$HOSTNS" env "${DRIVER_ENV[@]}" "$DRIVER" -path "$CNI_PLUGIN_PATH" \
		-cache-dir "$CACHE" "${DRIVER_OPTS[@]}" "$1" "$2" "$CID" "$CTR_PATH" eth0
}

# The ipam section both configs use: one /24, a default route through the
# gateway, the store in the test's scratch directory.
ipam_json() {
	jq -nc --arg ipam "$1" --arg data "$DATA" '{type: $ipam, dataDir: $data,
		ranges: [[{subnet: "10.77.0.0/24", gateway: "10.77.0.1"}]],
		routes: [{dst: "0.0.0.0/0"}]}'
}

# mk_conf VERSION PTP IPAM: a one-plugin conflist, masquerading (the rules
# land in the test's host namespace) with a non-default MTU.
mk_conf() {
	jq -n --arg v "$1" --arg ptp "$2" --argjson ipam "$(ipam_json "$3")" '{
		cniVersion: $v, name: "cnit-net",
		plugins: [{type: $ptp, ipMasq: true, mtu: 1400, ipam: $ipam}]}'
}

# mk_chain VERSION PTP IPAM: the ptp plugin, then tuning (a MAC and a
# sysctl), portmap (host port 18080 to 80, from the capability argument) and
# bandwidth (ingress and egress shaping: an ifb device on the host side).
mk_chain() {
	jq -n --arg v "$1" --arg ptp "$2" --argjson ipam "$(ipam_json "$3")" --arg mac "$MAC" '{
		cniVersion: $v, name: "cnit-chain",
		plugins: [
			{type: $ptp, ipam: $ipam},
			{type: "tuning", mac: $mac,
			 sysctl: {"net.ipv4.conf.eth0.rp_filter": "2"}},
			{type: "portmap", capabilities: {portMappings: true}},
			{type: "bandwidth", ingressRate: 1000000, ingressBurst: 100000,
			 egressRate: 1000000, egressBurst: 100000}]}'
}

# check_add_result VERSION: asserts on the ADD result in $output and sets
# RES, IDX (the container interface's index), ADDR, IP and HOST_IF.
check_add_result() {
	local v=$1
	RES=$output
	[ "$(jq -r .cniVersion <<<"$RES")" = "$v" ]
	IDX=$(jq --arg p "$CTR_PATH" \
		'.interfaces | map(.name == "eth0" and .sandbox == $p) | index(true)' <<<"$RES")
	[[ $IDX =~ ^[0-9]+$ ]]
	[ "$(jq '.ips | length' <<<"$RES")" = 1 ]
	[ "$(jq '.ips[0].interface' <<<"$RES")" = "$IDX" ]
	ADDR=$(jq -r '.ips[0].address' <<<"$RES")
	[[ $ADDR == 10.77.0.*/24 ]]
	IP=${ADDR%/*}
	[ "$(jq -r '.ips[0].gateway' <<<"$RES")" = 10.77.0.1 ]
	if [[ $v == 0.* ]]; then
		[ "$(jq -r '.ips[0].version' <<<"$RES")" = 4 ]
	fi
	HOST_IF=$(jq -r '[.interfaces[] | select((.sandbox // "") == "")][0].name' <<<"$RES")
	[ -n "$HOST_IF" ]
	[ "$HOST_IF" != null ]
}

# Nothing of the attachment is left: no link in the host namespace but lo,
# none in the container's, no allocation in the store.
assert_gone() {
	retired_gone ip -n "$HOSTNS" -o link show
	[ ! -e "$CTR_PATH" ] || retired_gone ip -n "$CTR" -o link show
	run -0 ns_links "$HOSTNS"
	[ -z "$output" ] || { echo "# left in the host namespace: $output"; return 1; }
	if [ -e "$CTR_PATH" ]; then
		run -0 ns_links "$CTR"
		[ -z "$output" ] || { echo "# left in the container: $output"; return 1; }
	fi
	run -0 ipam_entries "$DATA"
	[ -z "$output" ] || { echo "# left in the IPAM store: $output"; return 1; }
}

# lifecycle PTP IPAM VERSION: ADD, CHECK, a CHECK that must fail, DEL, DEL
# again and DEL once the container's namespace is gone.
lifecycle() {
	local ptp=$1 ipam=$2 v=$3 conf=$WORK/net.conflist store=$DATA/cnit-net
	mk_conf "$v" "$ptp" "$ipam" >"$conf"

	run -0 --separate-stderr drive add "$conf"
	check_add_result "$v"
	# The kernel agrees with the result: address, routes and MTU inside,
	# the host end in the host namespace with the route to the container.
	run -0 ip -n "$CTR" -4 -o addr show dev eth0
	[[ $output == *" inet $ADDR "* ]]
	run -0 ip -n "$CTR" route show default
	[[ $output == "default via 10.77.0.1 dev eth0"* ]]
	run -0 ip -n "$CTR" link show dev eth0
	[[ $output == *" mtu 1400 "* ]]
	[ "$(ns_links "$HOSTNS")" = "$HOST_IF" ]
	run -0 ip -n "$HOSTNS" route get "$IP"
	[[ $output == *" dev $HOST_IF "* ]]
	# The masquerade rule names the container's address.
	run -0 netns exec "$HOSTNS" nft list ruleset
	[[ $output == *"$IP"* ]]
	# The store holds one allocation, the address, owned by the container.
	run -0 ipam_entries "$DATA"
	[ "$output" = "$store/$IP" ]
	[ "$(head -n 1 "$store/$IP" | tr -d '\r')" = "$CID" ]

	if [[ $v == 0.3.* ]]; then
		# CHECK came with 0.4.0: libcni refuses it before calling a plugin.
		run -1 --separate-stderr drive check "$conf"
		[[ $stderr == *"does not support the CHECK command"* ]]
	else
		run -0 --separate-stderr drive check "$conf"
		[ -z "$output" ]
		# Take the address away: CHECK fails and says which.
		ip -n "$CTR" addr del "$ADDR" dev eth0
		run -1 --separate-stderr drive check "$conf"
		[[ $stderr == "cni-driver: check: "*"$IP"* ]] || {
			echo "# CHECK's error does not name $IP: $stderr"
			return 1
		}
	fi

	run -0 --separate-stderr drive del "$conf"
	assert_gone
	# DEL removes the masquerade rule even when the address is gone from
	# the container. The reference ptp cannot: it learns which rules to
	# remove from the addresses still on the interface (cmdDel,
	# ip.DelLinkByNameAddr), so after the failed CHECK above its rule
	# stays; netns-ptp must not copy that.
	if [ "$ptp" != ptp ] || [[ $v == 0.3.* ]]; then
		run -0 netns exec "$HOSTNS" nft list ruleset
		[[ $output != *"$IP"* ]] || { echo "# a rule still names $IP: $output"; return 1; }
	fi
	# DEL is idempotent: again, and once the namespace is gone.
	run -0 --separate-stderr drive del "$conf"
	netns delete "$CTR"
	run -0 --separate-stderr drive del "$conf"
	assert_gone
	[ "$(machine_links)" = "$MACHINE_LINKS" ]
}

# chain PTP IPAM: the chained conflist through every version: the result is
# the ptp plugin's, amended by tuning (MAC) and bandwidth (its ifb device);
# CHECK runs every plugin's check; DEL removes everything.
chain() {
	local ptp=$1 ipam=$2 v conf=$WORK/chain.conflist ifb
	# Reference portmap 1.1.1's CHECK looks for IPv6 rules it never made
	# when ip6tables exists (containernetworking/plugins#819): give the
	# plugins a PATH with iptables alone.
	mkdir "$WORK/bin"
	ln -s "$(command -v iptables)" "$WORK/bin/iptables"
	ln -s "$(command -v iptables-save)" "$WORK/bin/iptables-save"
	ln -s "$(command -v iptables-restore)" "$WORK/bin/iptables-restore"
	DRIVER_ENV=(PATH="$WORK/bin:/usr/bin:/bin")
	DRIVER_OPTS=(-cap '{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}')

	for v in "${CNI_VERSIONS[@]}"; do
		echo "# spec $v"
		mk_chain "$v" "$ptp" "$ipam" >"$conf"
		run -0 --separate-stderr drive add "$conf"
		check_add_result "$v"
		# tuning amended the container interface's MAC, in the result too.
		[ "$(jq -r ".interfaces[$IDX].mac" <<<"$RES")" = "$MAC" ]
		run -0 ip -n "$CTR" link show dev eth0
		[[ $output == *"link/ether $MAC "* ]]
		run -0 netns exec "$CTR" cat /proc/sys/net/ipv4/conf/eth0/rp_filter
		[ "$output" = 2 ]
		# bandwidth appended its ifb device and shaped the host end.
		ifb=$(jq -r '[.interfaces[] | select(.name | startswith("bwp"))][0].name' <<<"$RES")
		[ -n "$ifb" ]
		[ "$ifb" != null ]
		run -0 ip -n "$HOSTNS" link show dev "$ifb"
		run -0 tc -n "$HOSTNS" qdisc show dev "$HOST_IF"
		[[ $output == *"qdisc tbf"* ]]
		# portmap forwards the host port to the container.
		run -0 netns exec "$HOSTNS" iptables-save -t nat
		[[ $output == *"--dport 18080 "*"--to-destination $IP:80"* ]]

		if [[ $v != 0.3.* ]]; then
			run -0 --separate-stderr drive check "$conf"
			# Undo tuning's work: its CHECK, three plugins down, fails.
			ip -n "$CTR" link set dev eth0 address 0a:58:0a:4d:00:98
			run -1 --separate-stderr drive check "$conf"
			[[ $stderr == "cni-driver: check: "*"$MAC"* ]] || {
				echo "# CHECK's error does not name $MAC: $stderr"
				return 1
			}
		fi

		run -0 --separate-stderr drive del "$conf"
		assert_gone
		run -0 netns exec "$HOSTNS" iptables-save -t nat
		[[ $output != *"$IP"* ]] || { echo "# a rule still names $IP: $output"; return 1; }
		run -0 --separate-stderr drive del "$conf"
	done
	[ "$(machine_links)" = "$MACHINE_LINKS" ]
}

@test "libcni speaks every spec version these tests run" {
	run -0 "$DRIVER" versions
	for v in "${CNI_VERSIONS[@]}"; do
		jq -e --arg v "$v" 'index($v) != null' <<<"$output" >/dev/null
	done
}

@test "cni-driver: usage errors exit 2, a missing config exits 1, one line on stderr" {
	run -2 --separate-stderr "$DRIVER" add
	[[ ${stderr_lines[0]} == usage:* ]]
	run -2 --separate-stderr "$DRIVER" -path /nonexistent bogus c id /x eth0
	[ "$stderr" = 'cni-driver: unknown command "bogus" (add, check, del, versions)' ]
	run -1 --separate-stderr "$DRIVER" -path /nonexistent -cache-dir "$CACHE" add "$WORK/none" id /x eth0
	[[ $stderr == "cni-driver: config: "*"no such file or directory" ]]
	[ "${#stderr_lines[@]}" = 1 ]
	[ -z "$output" ]
}

@test "libcni, reference ptp + host-local, spec 0.3.0: ADD, DEL, DEL again" {
	need_plugins ptp host-local
	lifecycle ptp host-local 0.3.0
}

@test "libcni, reference ptp + host-local, spec 0.3.1: ADD, DEL, DEL again" {
	need_plugins ptp host-local
	lifecycle ptp host-local 0.3.1
}

@test "libcni, reference ptp + host-local, spec 0.4.0: ADD, CHECK, DEL, DEL again" {
	need_plugins ptp host-local
	lifecycle ptp host-local 0.4.0
}

@test "libcni, reference ptp + host-local, spec 1.0.0: ADD, CHECK, DEL, DEL again" {
	need_plugins ptp host-local
	lifecycle ptp host-local 1.0.0
}

@test "libcni, netns-ptp + netns-ipam, spec 0.3.0: ADD, DEL, DEL again" {
	need_plugins netns-ptp netns-ipam
	lifecycle netns-ptp netns-ipam 0.3.0
}

@test "libcni, netns-ptp + netns-ipam, spec 0.3.1: ADD, DEL, DEL again" {
	need_plugins netns-ptp netns-ipam
	lifecycle netns-ptp netns-ipam 0.3.1
}

@test "libcni, netns-ptp + netns-ipam, spec 0.4.0: ADD, CHECK, DEL, DEL again" {
	need_plugins netns-ptp netns-ipam
	lifecycle netns-ptp netns-ipam 0.4.0
}

@test "libcni, netns-ptp + netns-ipam, spec 1.0.0: ADD, CHECK, DEL, DEL again" {
	need_plugins netns-ptp netns-ipam
	lifecycle netns-ptp netns-ipam 1.0.0
}

@test "libcni chain, reference ptp + host-local, then tuning, portmap, bandwidth" {
	need_plugins ptp host-local tuning portmap bandwidth
	chain ptp host-local
}

@test "libcni chain, netns-ptp + netns-ipam, then tuning, portmap, bandwidth" {
	need_plugins netns-ptp netns-ipam tuning portmap bandwidth
	chain netns-ptp netns-ipam
}
