#!/usr/bin/env bats
# netns-ipam and netns-ptp, the CNI plugins (cni/), run as a runtime runs
# them: exec with the CNI_* environment and the config on stdin. Every test
# runs the plugins inside a namespace of its own that plays the host
# ($HOST), with containers that are namespaces it makes and a scratch
# dataDir, so no address, route, rule or veth reaches the machine's real
# host side or /var/lib/cni. Side-by-side runs use Debian's reference
# plugins (containernetworking-plugins) in /usr/lib/cni.

load cni-plugin-helpers

setup() {
	cni_setup
}

# ipam_conf VERSION SUBNETS-JSON [DIR]: a config for netns-ipam/host-local.
ipam_conf() {
	jq -cn --arg v "$1" --argjson r "$2" --arg d "${3:-$DATA}" \
		'{cniVersion: $v, name: "net1", type: "x",
		  ipam: {type: "x", dataDir: $d, ranges: $r, routes: [{dst: "0.0.0.0/0"}]}}'
}

# ptp_conf TYPE IPAMTYPE SUBNET [DIR] [VERSION]: a ptp config with ipMasq and mtu.
ptp_conf() {
	jq -cn --arg t "$1" --arg i "$2" --arg s "$3" --arg d "${4:-$DATA}" --arg v "${5:-1.0.0}" \
		'{cniVersion: $v, name: "net1", type: $t, ipMasq: true, mtu: 1400,
		  ipam: {type: $i, dataDir: $d, ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}]},
		  dns: {nameservers: ["192.0.2.53"]}}'
}

# The allocation files of network net1 in DIR, one "ADDRESS ID IFNAME" line each.
store_list() {
	local f c
	for f in "${1:-$DATA}"/net1/*; do
		case ${f##*/} in lock | last_reserved_ip.* | '*') continue ;; esac
		c=$(<"$f")
		printf '%s %s\n' "${f##*/}" "${c//$'\r\n'/|}"
	done | sort
}

# fnv ID IFNAME: the 32-bit FNV-1a hash of ID NUL IFNAME NUL, as netns-ptp
# names the host end ("veth" and 8 hex digits).
fnv() {
	local s h=2166136261 i c
	for s in "$1" "$2"; do
		for ((i = 0; i < ${#s}; i++)); do
			printf -v c '%d' "'${s:i:1}"
			h=$(((h ^ c) * 16777619 & 0xffffffff))
		done
		h=$((h * 16777619 & 0xffffffff))
	done
	echo "$h"
}

# The masquerade rules' table in $HOST, empty when there is none.
nft_rules() {
	netns exec "$HOST" nft list table inet netns-ptp 2>/dev/null || true
}

# The masquerade elements in $HOST, one "ADDRESS OWNER CHAIN" line each
# (OWNER is the element's comment: "NETWORK ID IFNAME"), sorted; empty when
# there is no table.
masq_elems() {
	netns exec "$HOST" nft -j list table inet netns-ptp 2>/dev/null |
		jq -r '.nftables[] | .map? // empty | select(.name == "addr4" or .name == "addr6") | .elem[]? |
			(if (.[0] | type) == "object" then "\(.[0].elem.val) \(.[0].elem.comment)" else "\(.[0]) -" end)
			+ " " + .[1].jump.target' | sort
}

# The host's veths, once the pairs DEL retired are deleted (retired_gone).
host_veths() {
	retired_gone ip -n "$HOST" -o link show type veth || return 1
	ip -n "$HOST" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
}

@test "cni: VERSION lists the spec versions both plugins speak" {
	local p out
	for p in netns-ipam netns-ptp; do
		out=$(echo '{"cniVersion":"1.0.0"}' | plug "$p" VERSION x -)
		[ "$(jq -c .supportedVersions <<<"$out")" = '["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' ]
	done
}

@test "cni: netns-ipam ADD prints host-local's result and writes its store byte for byte" {
	need_ref
	local v r1 r2 want=(10.70.0.2/29 10.70.0.3/29 10.70.0.4/29)
	mkdir "$DATA/ref" "$DATA/our"
	for v in 0.3.1 0.4.0 1.0.0; do
		r1=$(ipam_conf "$v" '[[{"subnet":"10.70.0.0/29"}],[{"subnet":"fd00:70::/120"}]]' "$DATA/ref" |
			plug "$REF/host-local" ADD c1 /x)
		r2=$(ipam_conf "$v" '[[{"subnet":"10.70.0.0/29"}],[{"subnet":"fd00:70::/120"}]]' "$DATA/our" |
			plug netns-ipam ADD c1 /x)
		diff <(jq -S . <<<"$r1") <(jq -S . <<<"$r2")
		# round robin: after the last reserved, though the earlier ones were released
		[ "$(jq -r '.ips[0].address' <<<"$r2")" = "${want[0]}" ]
		want=("${want[@]:1}")
		diff -r "$DATA/ref" "$DATA/our"
		ipam_conf "$v" '[[{"subnet":"10.70.0.0/29"}],[{"subnet":"fd00:70::/120"}]]' "$DATA/our" |
			plug netns-ipam DEL c1 -
		ipam_conf "$v" '[[{"subnet":"10.70.0.0/29"}],[{"subnet":"fd00:70::/120"}]]' "$DATA/ref" |
			plug "$REF/host-local" DEL c1 -
	done
	# "ID\r\nIFNAME", as host-local writes it.
	ipam_conf 1.0.0 '[[{"subnet":"10.70.0.0/29"}]]' "$DATA/our" | plug netns-ipam ADD c9 /x >/dev/null
	[ "$(od -An -c "$DATA/our/net1/10.70.0.5" | tr -s ' ')" = " c 9 \r \n e t h 0" ]
	[ "$(cat "$DATA/our/net1/last_reserved_ip.0")" = 10.70.0.5 ]
}

@test "cni: netns-ipam and host-local take turns on one store and see each other's allocations" {
	need_ref
	local c='[[{"subnet":"10.71.0.0/29"}]]' out
	ipam_conf 1.0.0 "$c" | plug "$REF/host-local" ADD a /x >/dev/null
	out=$(ipam_conf 1.0.0 "$c" | plug netns-ipam ADD b /x)
	[ "$(jq -r '.ips[0].address' <<<"$out")" = 10.71.0.3/29 ]
	out=$(ipam_conf 1.0.0 "$c" | plug "$REF/host-local" ADD c /x)
	[ "$(jq -r '.ips[0].address' <<<"$out")" = 10.71.0.4/29 ]
	# Each releases what the other allocated.
	ipam_conf 1.0.0 "$c" | plug "$REF/host-local" DEL b -
	ipam_conf 1.0.0 "$c" | plug netns-ipam DEL a -
	[ "$(store_list)" = "10.71.0.4 c|eth0" ]
	# A duplicate (same id and interface) is refused by both.
	run plug netns-ipam ADD c /x < <(ipam_conf 1.0.0 "$c")
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == *"duplicate allocation"* ]]
}

@test "cni: netns-ipam hands out the next address after the last reserved, wraps, skips the gateway" {
	local c='[[{"subnet":"10.72.0.0/29","rangeStart":"10.72.0.1","rangeEnd":"10.72.0.4","gateway":"10.72.0.3"}]]'
	local id got=()
	for id in a b c; do
		got+=("$(ipam_conf 1.0.0 "$c" | plug netns-ipam ADD "$id" /x | jq -r '.ips[0].address')")
	done
	[ "${got[*]}" = "10.72.0.1/29 10.72.0.2/29 10.72.0.4/29" ]
	ipam_conf 1.0.0 "$c" | plug netns-ipam DEL a -
	# After .4 comes .1 again (wrapping), not .3 (the gateway).
	[ "$(ipam_conf 1.0.0 "$c" | plug netns-ipam ADD d /x | jq -r '.ips[0].gateway,.ips[0].address' | paste -sd' ')" = "10.72.0.3 10.72.0.1/29" ]
	# DEL is by container id and interface, and idempotent.
	IFN=eth1 plug netns-ipam DEL b - < <(ipam_conf 1.0.0 "$c")
	[ -e "$DATA/net1/10.72.0.2" ]
	plug netns-ipam DEL b - < <(ipam_conf 1.0.0 "$c")
	plug netns-ipam DEL b - < <(ipam_conf 1.0.0 "$c")
	[ ! -e "$DATA/net1/10.72.0.2" ]
}

@test "cni: netns-ipam exhausted range: ADD and STATUS say code 50 and nothing changes" {
	local c='[[{"subnet":"10.73.0.0/30"}]]' before
	ipam_conf 1.1.0 "$c" | plug netns-ipam STATUS x -
	ipam_conf 1.1.0 "$c" | plug netns-ipam ADD a /x >/dev/null
	before=$(store_list; cat "$DATA/net1/last_reserved_ip.0")
	run plug netns-ipam ADD b /x < <(ipam_conf 1.1.0 "$c")
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 50
	run plug netns-ipam STATUS x - < <(ipam_conf 1.1.0 "$c")
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 50
	[ "$(store_list; cat "$DATA/net1/last_reserved_ip.0")" = "$before" ]
	# A failed second range set gives back the first set's address.
	run plug netns-ipam ADD b /x < <(ipam_conf 1.1.0 '[[{"subnet":"10.74.0.0/24"}],[{"subnet":"10.73.0.0/30"}]]')
	assert_cni_error "$output" 50
	[ "$(store_list)" = "10.73.0.2 a|eth0" ]
}

@test "cni: netns-ipam GC releases what no valid attachment owns; CHECK finds the allocation" {
	local c='[[{"subnet":"10.75.0.0/24"}]]' id
	for id in a b c; do ipam_conf 1.1.0 "$c" | plug netns-ipam ADD "$id" /x >/dev/null; done
	IFN=eth1 plug netns-ipam ADD a /x < <(ipam_conf 1.1.0 "$c") >/dev/null
	ipam_conf 1.1.0 "$c" | plug netns-ipam CHECK b /x
	run plug netns-ipam CHECK zz /x < <(ipam_conf 1.1.0 "$c")
	[ "$status" -eq 1 ]
	[[ $output == *"container zz"* ]]
	ipam_conf 1.1.0 "$c" |
		jq -c '. + {"cni.dev/valid-attachments": [{containerID: "a", ifname: "eth1"}, {containerID: "c", ifname: "eth0"}]}' |
		plug netns-ipam GC x -
	[ "$(store_list)" = "10.75.0.4 c|eth0
10.75.0.5 a|eth1" ]
	# GC without the list is a config error, and releases nothing.
	run plug netns-ipam GC x - < <(ipam_conf 1.1.0 "$c")
	assert_cni_error "$output" 7
	[ "$(store_list | wc -l)" -eq 2 ]
}

@test "cni: bad input gets the spec's error JSON and code, and changes nothing" {
	local c good
	good=$(ipam_conf 1.0.0 '[[{"subnet":"10.76.0.0/24"}]]')
	c=$(ptp_conf netns-ptp netns-ipam 10.76.0.0/24)
	mkc "$(uniq_name c)"
	local ns=/run/netns/$(uniq_name c)
	run netns exec "$HOST" env -i CNI_CONTAINERID=a CNI_PATH="$BUILD" "$BUILD/netns-ipam" <<<"$good"
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 4
	run netns exec "$HOST" env -i CNI_COMMAND=ADD CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH="$BUILD" "$BUILD/netns-ipam" <<<"$good"
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 4
	run plug netns-ipam ADD 'bad id!' /x <<<"$good"
	assert_cni_error "$output" 4
	run plug netns-ipam ADD a /x CNI_IFNAME=a/b <<<"$good"
	assert_cni_error "$output" 4
	run plug netns-ptp ADD a - <<<"$c"
	assert_cni_error "$output" 4
	run plug netns-ipam ADD a /x <<<'{"cniVersion": "1.0.0", "name": '
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 6
	run plug netns-ipam ADD a /x < <(jq -c '.ipam.ranges = "x"' <<<"$good")
	assert_cni_error "$output" 7
	run plug netns-ptp ADD a "$ns" < <(jq -c '.mtu = "big"' <<<"$c")
	assert_cni_error "$output" 7
	run plug netns-ptp ADD a "$ns" < <(jq -c '.ipMasq = "yes"' <<<"$c")
	assert_cni_error "$output" 7
	run plug netns-ipam ADD a /x < <(jq -c '.cniVersion = "0.5.0"' <<<"$good")
	assert_cni_error "$output" 1
	run plug netns-ptp ADD a "$ns" < <(jq -c '.cniVersion = "9.9.9"' <<<"$c")
	assert_cni_error "$output" 1
	run plug netns-ipam CHECK a /x < <(jq -c '.cniVersion = "0.3.1"' <<<"$good")
	assert_cni_error "$output" 1
	run plug netns-ipam ADD a /x CNI_ARGS='FOO=bar' <<<"$good"
	assert_cni_error "$output" 2
	run plug netns-ptp ADD a "$ns" CNI_ARGS='FOO=bar' <<<"$c"
	assert_cni_error "$output" 2
	run plug netns-ipam ADD a /x CNI_ARGS='a;b' <<<"$good"
	assert_cni_error "$output" 4
	# A CNI_NETNS that is not a namespace: nothing allocated, no veth.
	touch "$DATA/notns"
	run plug netns-ptp ADD a "$DATA/notns" <<<"$c"
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 4
	run plug netns-ptp ADD a "$DATA/gone" <<<"$c"
	assert_cni_error "$output" 3
	# GC without its list, and in a version before 1.1.0
	run plug netns-ptp GC a - < <(jq -c '.cniVersion = "1.1.0"' <<<"$c")
	assert_cni_error "$output" 7
	run plug netns-ptp GC a - <<<"$c"
	assert_cni_error "$output" 1
	[ -z "$(store_list)" ]
	[ -z "$(host_veths)" ]
	# IPAM plugin missing from CNI_PATH.
	run plug netns-ptp ADD a "$ns" < <(jq -c '.ipam.type = "no-such-ipam"' <<<"$c")
	assert_cni_error "$output" 7
	# the IPAM plugin's own error travels through ptp unchanged
	run plug netns-ptp ADD a "$ns" < <(jq -c '.ipam.ranges = 5' <<<"$c")
	assert_cni_error "$output" 7
	[[ $(jq -r .msg <<<"$output") == *ranges* ]]
	[ -z "$(host_veths)" ]
	[ -z "$(ip -n "$(uniq_name c)" -o link show type veth)" ]
}

# ptp_diff: ADD through the reference pair into C1 and through ours into C2,
# on the same config but for the subnet: the same result shape, the same
# container addresses and routes, the same host-side route and address.
@test "cni: netns-ptp ADD gives the reference ptp's result, addresses and routes" {
	need_ref
	local c1 c2 r1 r2 v h1 h2 a1 a2
	c1=$(uniq_name c1) c2=$(uniq_name c2)
	mkc "$c1" "$c2"
	# 10.77/24 for the reference pair, 10.87/24 for ours: the host side is shared.
	for v in 0.3.1 1.0.0; do
		r1=$(ptp_conf ptp host-local 10.77.0.0/24 "$DATA/ref" "$v" | plug "$REF/ptp" ADD a "/run/netns/$c1")
		r2=$(ptp_conf netns-ptp netns-ipam 10.87.0.0/24 "$DATA/our" "$v" | plug netns-ptp ADD a "/run/netns/$c2")
		diff <(jq -S 'del(.interfaces[].mac, .interfaces[0].name, .interfaces[1].sandbox)' <<<"$r1") \
			<(jq -S 'del(.interfaces[].mac, .interfaces[0].name, .interfaces[1].sandbox)' <<<"$r2" | sed 's/10\.87\./10.77./g')
		a1=$(jq -r '.ips[0].address' <<<"$r1") a2=$(jq -r '.ips[0].address' <<<"$r2")
		[ "${a2/10.87./10.77.}" = "$a1" ]
		a1=${a1%/*} a2=${a2%/*}
		[ "$(jq -r '.interfaces[1].sandbox' <<<"$r2")" = "/run/netns/$c2" ]
		[ "$(jq -r '.interfaces[1].mac' <<<"$r2")" = "$(ip -n "$c2" -j link show eth0 | jq -r '.[0].address')" ]
		[ "$(jq -r '.interfaces[0].mac' <<<"$r2")" = "$(ip -n "$HOST" -j link show "$(jq -r '.interfaces[0].name' <<<"$r2")" | jq -r '.[0].address')" ]
		diff <(ip -n "$c1" route) <(ip -n "$c2" route | sed 's/10\.87\./10.77./g')
		diff <(ip -n "$c1" -o addr show dev eth0 scope global | awk '{print $4}') \
			<(ip -n "$c2" -o addr show dev eth0 scope global | awk '{print $4}' | sed 's/10\.87\./10.77./g')
		[ "$(ip -n "$c2" -j link show eth0 | jq -r '.[0].mtu')" = 1400 ]
		h1=$(jq -r '.interfaces[0].name' <<<"$r1") h2=$(jq -r '.interfaces[0].name' <<<"$r2")
		diff <(ip -n "$HOST" -o addr show dev "$h1" scope global | awk '{print $4}') \
			<(ip -n "$HOST" -o addr show dev "$h2" scope global | awk '{print $4}' | sed 's/10\.87\./10.77./g')
		[ "$(ip -n "$HOST" route show "$a1")" = "$a1 dev $h1 scope host " ]
		[ "$(ip -n "$HOST" route show "$a2")" = "$a2 dev $h2 scope host " ]
		ptp_conf ptp host-local 10.77.0.0/24 "$DATA/ref" "$v" | plug "$REF/ptp" DEL a "/run/netns/$c1"
		ptp_conf netns-ptp netns-ipam 10.87.0.0/24 "$DATA/our" "$v" | plug netns-ptp DEL a "/run/netns/$c2"
		[ -z "$(host_veths)" ]
	done
}

@test "cni: netns-ptp host end is named veth + FNV-1a of id and ifname, the container reaches the host side" {
	local c port=7771 out hv i
	c=$(uniq_name c)
	mkc "$c"
	out=$(ptp_conf netns-ptp netns-ipam 10.78.0.0/24 | plug netns-ptp ADD cid1 "/run/netns/$c")
	hv=$(jq -r '.interfaces[0].name' <<<"$out")
	[ "$hv" = "veth$(printf %08x "$(fnv cid1 eth0)")" ]
	[ "$(host_veths)" = "$hv" ]
	# same id and ifname, same name; another ifname, another name
	[ "$(ptp_conf netns-ptp netns-ipam 10.78.0.0/24 | IFN=eth1 plug netns-ptp ADD cid1 "/run/netns/$c" | jq -r '.interfaces[0].name')" != "$hv" ]
	netns exec "$HOST" nc -l -s 10.78.0.1 -p "$port" >"$DATA/got" &
	track_pid $!
	for i in $(seq 50); do
		ss -N "$HOST" -Hltn "sport = :$port" | grep -q . && break
		sleep 0.05
	done
	netns exec "$c" bash -c "echo hello-from-container >/dev/tcp/10.78.0.1/$port"
	for i in $(seq 50); do [ -s "$DATA/got" ] && break; sleep 0.05; done
	[ "$(cat "$DATA/got")" = hello-from-container ]
}

@test "cni: netns-ptp ipMasq rules are each container's own; DEL removes exactly them" {
	local a b
	a=$(uniq_name a) b=$(uniq_name b)
	mkc "$a" "$b"
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | plug netns-ptp ADD ida "/run/netns/$a" >/dev/null
	# After one ADD: that container's address, and nothing else.
	[ "$(masq_elems)" = "10.79.0.2 net1 ida eth0 n4-0a4f0000-24" ]
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | plug netns-ptp ADD idb "/run/netns/$b" >/dev/null
	[ "$(masq_elems)" = "10.79.0.2 net1 ida eth0 n4-0a4f0000-24
10.79.0.3 net1 idb eth0 n4-0a4f0000-24" ]
	# The rules the reference's per-container chain has, once per network.
	nft_rules >"$DATA/rules"
	grep -q 'ip saddr vmap @addr4' "$DATA/rules"
	grep -q 'ip daddr 10.79.0.0/24 return' "$DATA/rules"
	grep -q 'ip daddr != 224.0.0.0/4 masquerade' "$DATA/rules"
	[ "$(grep -c masquerade "$DATA/rules")" -eq 1 ]
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | plug netns-ptp DEL ida "/run/netns/$a"
	[ "$(masq_elems)" = "10.79.0.3 net1 idb eth0 n4-0a4f0000-24" ]
	# ipMasq false: no element
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | jq -c '.ipMasq = false' | plug netns-ptp ADD ida "/run/netns/$a" >/dev/null
	[ "$(masq_elems)" = "10.79.0.3 net1 idb eth0 n4-0a4f0000-24" ]
	# DEL finds the elements by owner when the addresses are gone from
	# the container (and its alias has no list): only idb's go.
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | jq -c '.ipMasq = false' | plug netns-ptp DEL ida "/run/netns/$a"
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | plug netns-ptp ADD ida "/run/netns/$a" >/dev/null
	ip -n "$HOST" link set "veth$(printf %08x "$(fnv idb eth0)")" alias "netns-ptp net1 idb eth0"
	ip -n "$b" addr flush dev eth0
	ptp_conf netns-ptp netns-ipam 10.79.0.0/24 | plug netns-ptp DEL idb "/run/netns/$b"
	[ "$(masq_elems | cut -d' ' -f2-4)" = "net1 ida eth0" ]
	# Never iptables: the reference's nat chains are not there.
	[ "$(netns exec "$HOST" iptables-save -t nat 2>/dev/null | grep -c CNI-)" -eq 0 ]
}

# DEL deletes the elements of the addresses it knows in one transaction,
# all or none; one removed by hand before makes that fail, and DEL goes the
# libnftables way: still success, and the other container's element stays.
@test "cni: netns-ptp DEL with an element gone already: success, the others stay" {
	local a b
	a=$(uniq_name a) b=$(uniq_name b)
	mkc "$a" "$b"
	ptp_conf netns-ptp netns-ipam 10.78.0.0/24 | plug netns-ptp ADD ida "/run/netns/$a" >/dev/null
	ptp_conf netns-ptp netns-ipam 10.78.0.0/24 | plug netns-ptp ADD idb "/run/netns/$b" >/dev/null
	netns exec "$HOST" nft 'delete element inet netns-ptp addr4 { 10.78.0.2 }'
	[ "$(masq_elems)" = "10.78.0.3 net1 idb eth0 n4-0a4e0000-24" ]
	ptp_conf netns-ptp netns-ipam 10.78.0.0/24 | plug netns-ptp DEL ida "/run/netns/$a"
	[ "$(masq_elems)" = "10.78.0.3 net1 idb eth0 n4-0a4e0000-24" ]
	ptp_conf netns-ptp netns-ipam 10.78.0.0/24 | plug netns-ptp DEL idb "/run/netns/$b"
	[ "$(masq_elems)" = "" ]
}

@test "cni: netns-ptp masquerades what leaves the container's network, not what stays in it" {
	local a b o port=7781
	a=$(uniq_name a) b=$(uniq_name b) o=$(uniq_name o)
	mkc "$a" "$b" "$o"
	# Forwarding off, as on a host that never routed: ADD turns it on.
	netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=0
	ptp_conf netns-ptp netns-ipam 10.96.0.0/24 | plug netns-ptp ADD ida "/run/netns/$a" >/dev/null
	ptp_conf netns-ptp netns-ipam 10.96.0.0/24 | jq -c '.ipMasq = false' | plug netns-ptp ADD idb "/run/netns/$b" >/dev/null
	# Outside: a namespace behind the host, which routes 10.96.0.0/24 back.
	ip -n "$HOST" link add out0 type veth peer name out1 netns "$o"
	ip -n "$HOST" addr add 192.0.2.1/24 dev out0
	ip -n "$HOST" link set out0 up
	ip -n "$o" addr add 192.0.2.2/24 dev out1
	ip -n "$o" link set out1 up
	ip -n "$o" route add 10.96.0.0/24 via 192.0.2.1
	# src FROM IN ADDR: the source address a listener in IN on ADDR sees
	# for a connection from FROM.
	src() {
		netns exec "$2" timeout 10 nc -l -n -v -s "$3" -p "$port" >/dev/null 2>"$DATA/nc" &
		local l=$! i
		for i in $(seq 50); do
			ss -N "$2" -Hltn "sport = :$port" | grep -q . && break
			sleep 0.05
		done
		netns exec "$1" bash -c "echo hi >/dev/tcp/$3/$port"
		wait "$l" || true
		grep -oE '([0-9]+\.){3}[0-9]+' "$DATA/nc" | grep -vx "$3" | head -n 1
	}
	[ "$(src "$a" "$o" 192.0.2.2)" = 192.0.2.1 ]
	[ "$(src "$b" "$o" 192.0.2.2)" = 10.96.0.3 ]
	# within its network: a's own address
	[ "$(src "$a" "$b" 10.96.0.3)" = 10.96.0.2 ]
}

@test "cni: netns-ptp DEL is idempotent and best-effort: twice, namespace gone, store gone" {
	local c
	c=$(uniq_name c)
	mkc "$c"
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp ADD x1 "/run/netns/$c" >/dev/null
	[ -n "$(store_list)" ]
	[ -n "$(host_veths)" ]
	# The namespace is gone before DEL: the host veth, allocation and rules go anyway.
	netns delete "$c"
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp DEL x1 "/run/netns/$c"
	[ -z "$(store_list)" ]
	[ -z "$(host_veths)" ]
	[ -z "$(masq_elems)" ]
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp DEL x1 "/run/netns/$c"
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp DEL x1 -
	rm -rf "${DATA:?}/net1"
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp DEL never-added -
	# The IPAM plugin fails: its error is reported, the veth and rules go anyway.
	mkc "$c"
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp ADD x2 "/run/netns/$c" >/dev/null
	run plug netns-ptp DEL x2 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | jq -c '.ipam.type = "gone-ipam"')
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 7
	[ -z "$(host_veths)" ]
	[ -z "$(masq_elems)" ]
	[ -n "$(store_list)" ]
	ptp_conf netns-ptp netns-ipam 10.80.0.0/24 | plug netns-ptp DEL x2 "/run/netns/$c"
	[ -z "$(store_list)" ]
}

@test "cni: netns-ptp DEL frees names, addresses and routes at once; the veth is gone soon after, whoever is killed" {
	local c hv i pg
	c=$(uniq_name c)
	mkc "$c"
	ptp_conf netns-ptp netns-ipam 10.95.0.0/24 >"$DATA/conf"
	hv=$(plug netns-ptp ADD z1 "/run/netns/$c" <"$DATA/conf" | jq -r '.interfaces[0].name')
	[ "$(host_veths)" = "$hv" ]
	# DEL in a process group of its own, killed the moment DEL returns.
	# shellcheck disable=SC2016 # $$ is the inner shell's
	netns exec "$HOST" env -u CNI_ARGS CNI_COMMAND=DEL CNI_CONTAINERID=z1 CNI_IFNAME=eth0 \
		CNI_PATH="$BUILD:$REF" CNI_NETNS="/run/netns/$c" \
		setsid -w bash -c 'echo $$ >"$1"; exec "$2"' - "$DATA/pgid" "$BUILD/netns-ptp" <"$DATA/conf"
	pg=$(cat "$DATA/pgid")
	kill -KILL -- "-$pg" 2>/dev/null || true
	# At once: neither name is taken, no address or route of the
	# attachment is left on either side, the allocation and rules are gone.
	refute ip -n "$HOST" link show "$hv"
	refute ip -n "$c" link show eth0
	refute grep -v ' lo ' < <(ip -n "$c" -o addr show)
	[ -z "$(ip -n "$c" route show)" ]
	refute grep -v ' lo ' < <(ip -n "$HOST" -o addr show)
	[ -z "$(ip -n "$HOST" route show)" ]
	[ -z "$(store_list)" ]
	[ -z "$(masq_elems)" ]
	# A new ADD of the same container and interface succeeds at once.
	[ "$(plug netns-ptp ADD z1 "/run/netns/$c" <"$DATA/conf" | jq -r '.interfaces[0].name')" = "$hv" ]
	plug netns-ptp DEL z1 "/run/netns/$c" <"$DATA/conf"
	# A moment later the retired pair is gone from both sides (the kernel
	# can take seconds under load: rtnl is one lock for every namespace).
	for i in $(seq 600); do
		[ -z "$(ip -n "$HOST" -o link show type veth)$(ip -n "$c" -o link show type veth)" ] && break
		sleep 0.05
	done
	[ -z "$(ip -n "$HOST" -o link show type veth)" ]
	[ -z "$(ip -n "$c" -o link show type veth)" ]
	# One whose deletion was cut short (the detached process killed) is
	# GC's: a retired link with this network's alias.
	ip -n "$HOST" link add ptpdel99 type veth peer name ptpdel98
	ip -n "$HOST" link set ptpdel99 alias "netns-ptp net1 z9 eth0 10.95.0.9/24"
	jq -c '.cniVersion = "1.1.0" | . + {"cni.dev/valid-attachments": [{containerID: "z9", ifname: "eth0"}]}' "$DATA/conf" |
		plug netns-ptp GC x -
	[ -z "$(ip -n "$HOST" -o link show type veth)" ]
}

@test "cni: netns-ptp CHECK passes on what ADD made and names what is missing" {
	local c r
	c=$(uniq_name c)
	mkc "$c"
	r=$(ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | plug netns-ptp ADD k1 "/run/netns/$c")
	ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}' |
		plug netns-ptp CHECK k1 "/run/netns/$c"
	# The masquerade element: gone, then another owner's
	netns exec "$HOST" nft 'delete element inet netns-ptp addr4 { 10.81.0.2 }'
	run plug netns-ptp CHECK k1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}')
	[ "$status" -eq 1 ]
	[[ $(jq -r .msg <<<"$output") == "the ipMasq rules of container k1 are missing" ]]
	netns exec "$HOST" nft 'add element inet netns-ptp addr4 { 10.81.0.2 comment "net1 k2 eth0" : jump n4-0a510000-24 }'
	run plug netns-ptp CHECK k1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}')
	[ "$status" -eq 1 ]
	netns exec "$HOST" nft 'delete element inet netns-ptp addr4 { 10.81.0.2 }'
	netns exec "$HOST" nft 'add element inet netns-ptp addr4 { 10.81.0.2 comment "net1 k1 eth0" : jump n4-0a510000-24 }'
	ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}' |
		plug netns-ptp CHECK k1 "/run/netns/$c"
	ip -n "$c" route del default
	run plug netns-ptp CHECK k1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}')
	[ "$status" -eq 1 ]
	[[ $(jq -r .msg <<<"$output") == "the route to 0.0.0.0/0 is missing in /run/netns/$c" ]]
	ip -n "$c" addr del 10.81.0.2/24 dev eth0
	run plug netns-ptp CHECK k1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}')
	[[ $(jq -r .msg <<<"$output") == "address 10.81.0.2/24 is missing on eth0 in /run/netns/$c" ]]
	ip -n "$c" link del eth0
	run plug netns-ptp CHECK k1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.81.0.0/24 | jq -c --argjson p "$r" '. + {prevResult: $p}')
	[[ $(jq -r .msg <<<"$output") == "interface eth0 is missing in /run/netns/$c" ]]
	# no prevResult
	run plug netns-ptp CHECK k1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.81.0.0/24)
	assert_cni_error "$output" 7
}

@test "cni: netns-ptp ADD that fails half-way releases the address and deletes the veth" {
	local c
	c=$(uniq_name c)
	mkc "$c"
	ip -n "$c" link add eth0 type veth peer name eth0p
	run plug netns-ptp ADD f1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.82.0.0/24)
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 999
	[ -z "$(store_list)" ]
	[ -z "$(host_veths)" ]
	ip -n "$c" -o link show eth0 | grep -q 'eth0@eth0p'
	[ -z "$(masq_elems)" ]
	# The host route exists already (another container's address): undone
	# too. Round robin: the next address tried is .3.
	ip -n "$c" link del eth0
	ip -n "$HOST" link add other type veth peer name otherp
	ip -n "$HOST" link set other up
	ip -n "$HOST" route add 10.82.0.3/32 dev other
	run plug netns-ptp ADD f1 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.82.0.0/24)
	[ "$status" -eq 1 ]
	[[ $(jq -r .msg <<<"$output") == *"exists already"* ]]
	[ -z "$(store_list)" ]
	[ "$(host_veths)" = "other
otherp" ]
	[ -z "$(ip -n "$c" -o link show type veth)" ]
	[ -z "$(masq_elems)" ]
}

@test "cni: an ADD whose result cannot be written fails and is undone, netns-ptp's as netns-ipam's" {
	local c st
	c=$(uniq_name c)
	mkc "$c"
	st=0
	plug netns-ipam ADD w1 "/run/netns/$c" < <(ipam_conf 1.0.0 '[[{"subnet":"10.83.0.0/24"}]]') >/dev/full || st=$?
	[ "$st" -eq 1 ]
	[ -z "$(store_list)" ]
	st=0
	plug netns-ptp ADD w2 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.84.0.0/24) >/dev/full || st=$?
	[ "$st" -eq 1 ]
	[ -z "$(store_list)" ]
	[ -z "$(host_veths)" ]
	[ -z "$(ip -n "$c" -o link show type veth)" ]
	[ -z "$(masq_elems)" ]
	# The same ADD with a stdout that takes the result.
	run plug netns-ptp ADD w2 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.84.0.0/24)
	[ "$status" -eq 0 ]
	[ "$(store_list | wc -l)" -eq 1 ]
	[[ $(store_list) == "10.84.0."*" w2|eth0" ]]
	run plug netns-ptp DEL w2 "/run/netns/$c" < <(ptp_conf netns-ptp netns-ipam 10.84.0.0/24)
	[ "$status" -eq 0 ]
	[ -z "$(store_list)" ]
}

@test "cni: 50 concurrent netns-ptp ADDs get 50 distinct addresses; 50 DELs leave nothing" {
	local i names=() pids=() fails=0
	for i in $(seq 50); do names+=("$(uniq_name p$i)"); done
	mkc "${names[@]}"
	ptp_conf netns-ptp netns-ipam 10.83.0.0/24 >"$DATA/conf"
	for i in $(seq 50); do
		plug netns-ptp ADD "id$i" "/run/netns/${names[i-1]}" <"$DATA/conf" >"$DATA/r$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	[ "$fails" -eq 0 ] || { cat "$DATA"/r* | grep -m3 msg >&2; false; }
	[ "$(cat "$DATA"/r[0-9]* | jq -r '.ips[0].address' | sort -u | wc -l)" -eq 50 ]
	[ "$(store_list | wc -l)" -eq 50 ]
	[ "$(host_veths | wc -l)" -eq 50 ]
	[ "$(ip -n "${names[9]}" -o addr show dev eth0 scope global | awk '{print $4}')" = "$(jq -r '.ips[0].address' "$DATA/r10")" ]
	pids=()
	for i in $(seq 50); do
		plug netns-ptp DEL "id$i" "/run/netns/${names[i-1]}" <"$DATA/conf" >"$DATA/d$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	[ "$(masq_elems | wc -l)" -eq 0 ]
	[ "$fails" -eq 0 ]
	[ -z "$(store_list)" ]
	[ -z "$(host_veths)" ]
	# 50 ADDs made the table at once: one copy of its rules
	[ "$(nft_rules | grep -c masquerade)" -eq 1 ]
}

@test "cni: netns-ptp GC removes the veths, rules and addresses no valid attachment owns; STATUS delegates" {
	local a b c d n
	a=$(uniq_name a) b=$(uniq_name b) c=$(uniq_name c)
	mkc "$a" "$b" "$c"
	ptp_conf netns-ptp netns-ipam 10.84.0.0/24 "$DATA" 1.1.0 >"$DATA/conf"
	for n in a b c; do
		plug netns-ptp ADD "id$n" "/run/netns/$(uniq_name $n)" <"$DATA/conf" >/dev/null
	done
	[ "$(masq_elems | wc -l)" -eq 3 ]
	# another network's container, by the same plugin
	d=$(uniq_name d)
	mkc "$d"
	plug netns-ptp ADD idd "/run/netns/$d" < <(jq -c '.name = "net2" | .ipam.ranges = [[{subnet: "10.88.0.0/24"}]]' "$DATA/conf") >/dev/null
	# a veth of the reference's naming style that netns-ptp did not make
	ip -n "$HOST" link add veth0000beef type veth peer name othr
	jq -c '. + {"cni.dev/valid-attachments": [{containerID: "ida", ifname: "eth0"}, {containerID: "idx", ifname: "eth0"}]}' \
		"$DATA/conf" | plug netns-ptp GC x -
	[ "$(host_veths)" = "$(printf '%s\n' othr veth0000beef "veth$(printf %08x "$(fnv ida eth0)")" "veth$(printf %08x "$(fnv idd eth0)")" | sort)" ]
	[ "$(store_list)" = "10.84.0.2 ida|eth0" ]
	# Only the valid attachment's element stays, and another network's
	# elements are not this GC's to remove.
	[ "$(masq_elems)" = "10.84.0.2 net1 ida eth0 n4-0a540000-24
10.88.0.2 net2 idd eth0 n4-0a580000-24" ]
	ip -n "$a" -o addr show dev eth0 | grep -q 10.84.0.2/24
	[ -z "$(ip -n "$b" -o link show type veth)" ]
	# STATUS: the IPAM plugin's answer
	plug netns-ptp STATUS x - <"$DATA/conf"
	run plug netns-ptp STATUS x - < <(jq -c '.ipam.ranges = [[{subnet: "10.85.0.0/30"}]]' "$DATA/conf")
	[ "$status" -eq 0 ]
	plug netns-ptp ADD idz "/run/netns/$c" < <(jq -c '.ipam.ranges = [[{subnet: "10.85.0.0/30"}]]' "$DATA/conf") >/dev/null
	run plug netns-ptp STATUS x - < <(jq -c '.ipam.ranges = [[{subnet: "10.85.0.0/30"}]]' "$DATA/conf")
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 50
}

@test "cni: netns-ptp chains: its result is the reference tuning's prevResult, and tuning's output keeps it" {
	need_ref
	[ -x "$REF/tuning" ] || skip "no $REF/tuning"
	local c r t
	c=$(uniq_name c)
	mkc "$c"
	r=$(ptp_conf netns-ptp netns-ipam 10.86.0.0/24 | plug netns-ptp ADD t1 "/run/netns/$c")
	t=$(jq -cn --argjson p "$r" '{cniVersion: "1.0.0", name: "net1", type: "tuning", mtu: 1280, prevResult: $p}' |
		plug "$REF/tuning" ADD t1 "/run/netns/$c")
	[ "$(ip -n "$c" -j link show eth0 | jq -r '.[0].mtu')" = 1280 ]
	diff <(jq -S 'del(.cniVersion)' <<<"$r") <(jq -S 'del(.cniVersion)' <<<"$t")
	# DEL through the chain in reverse order: tuning, then netns-ptp
	jq -cn --argjson p "$t" '{cniVersion: "1.0.0", name: "net1", type: "tuning", prevResult: $p}' |
		plug "$REF/tuning" DEL t1 "/run/netns/$c"
	ptp_conf netns-ptp netns-ipam 10.86.0.0/24 | jq -c --argjson p "$t" '. + {prevResult: $p}' |
		plug netns-ptp DEL t1 "/run/netns/$c"
	[ -z "$(store_list)" ]
	[ -z "$(host_veths)" ]
}

@test "cni: netns-ptp dual stack: IPv6 addresses, routes and masquerade as the reference's" {
	need_ref
	local c1 c2 r1 r2
	c1=$(uniq_name c1) c2=$(uniq_name c2)
	mkc "$c1" "$c2"
	ds_conf() {
		jq -cn --arg t "$1" --arg i "$2" --arg d "$DATA/$1" --arg n "$3" \
			'{cniVersion: "1.0.0", name: "net1", type: $t, ipMasq: true,
			  ipam: {type: $i, dataDir: $d, ranges: [[{subnet: "10.9\($n).0.0/24"}], [{subnet: "fd00:9\($n)::/64"}]],
				 routes: [{dst: "0.0.0.0/0"}, {dst: "::/0"}]}}'
	}
	r1=$(ds_conf ptp host-local 1 | plug "$REF/ptp" ADD d1 "/run/netns/$c1")
	r2=$(ds_conf netns-ptp netns-ipam 2 | plug netns-ptp ADD d1 "/run/netns/$c2")
	diff <(jq -S 'del(.interfaces[].mac, .interfaces[0].name, .interfaces[1].sandbox)' <<<"$r1") \
		<(jq -S 'del(.interfaces[].mac, .interfaces[0].name, .interfaces[1].sandbox)' <<<"$r2" | sed 's/10\.92\./10.91./g; s/fd00:92:/fd00:91:/g')
	[ "$(jq -r '.ips[1].address' <<<"$r2")" = fd00:92::2/64 ]
	diff <(ip -n "$c1" -6 route) <(ip -n "$c2" -6 route | sed 's/fd00:92:/fd00:91:/g')
	diff <(ip -n "$c1" route) <(ip -n "$c2" route | sed 's/10\.92\./10.91./g')
	ip -n "$HOST" -6 route show fd00:92::2 | grep -q "dev $(jq -r '.interfaces[0].name' <<<"$r2")"
	[ "$(masq_elems)" = "10.92.0.2 net1 d1 eth0 n4-0a5c0000-24
fd00:92::2 net1 d1 eth0 n6-fd000092000000000000000000000000-64" ]
	nft_rules | grep -q 'ip6 saddr vmap @addr6'
	nft_rules | grep -q 'ip6 daddr fd00:92::/64 return'
	nft_rules | grep -q 'ip6 daddr != ff00::/8 masquerade'
	ds_conf netns-ptp netns-ipam 2 | plug netns-ptp DEL d1 "/run/netns/$c2"
	[ -z "$(masq_elems)" ]
	[ -z "$(store_list "$DATA/netns-ptp")" ]
}

@test "cni: netns-ptp ADD, DEL and GC work beside the table layout of chains per container" {
	local c
	c=$(uniq_name c)
	mkc "$c"
	# The layout before this one: a verdict map masq4 jumping to c-HASH
	# chains, the base chain's rule pointing at it.
	netns exec "$HOST" nft -f - <<-'EOF'
		add table inet netns-ptp
		add map inet netns-ptp masq4 { type ipv4_addr : verdict; }
		add chain inet netns-ptp postrouting { type nat hook postrouting priority srcnat; policy accept; }
		add rule inet netns-ptp postrouting ip saddr vmap @masq4
		add chain inet netns-ptp c-0badf00d
		add rule inet netns-ptp c-0badf00d ip daddr 10.97.0.0/24 accept comment "name: net1 id: old"
		add element inet netns-ptp masq4 { 10.97.0.9 : jump c-0badf00d }
	EOF
	ptp_conf netns-ptp netns-ipam 10.97.0.0/24 | plug netns-ptp ADD o1 "/run/netns/$c" >/dev/null
	[ "$(masq_elems)" = "10.97.0.2 net1 o1 eth0 n4-0a610000-24" ]
	# the base chain now uses the new maps only
	[ "$(nft_rules | grep -c 'vmap @masq4')" -eq 0 ]
	jq -c '.cniVersion = "1.1.0" | . + {"cni.dev/valid-attachments": []}' < <(ptp_conf netns-ptp netns-ipam 10.97.0.0/24) |
		plug netns-ptp GC x -
	[ -z "$(masq_elems)" ]
	ptp_conf netns-ptp netns-ipam 10.97.0.0/24 | plug netns-ptp DEL o1 "/run/netns/$c"
	ptp_conf netns-ptp netns-ipam 10.97.0.0/24 | plug netns-ptp DEL o1 -
	# GC took the network chain no element uses; the old objects are left be.
	refute grep -q 'n4-0a610000-24' <(nft_rules)
	nft_rules | grep -q 'c-0badf00d'
}

@test "cni: netns-ptp gives the container's IPv4 address its broadcast address, as the reference does" {
	need_ref
	local c1 c2 p
	c1=$(uniq_name c1) c2=$(uniq_name c2)
	mkc "$c1" "$c2"
	ptp_conf ptp host-local 10.98.0.0/22 "$DATA/ref" | plug "$REF/ptp" ADD b1 "/run/netns/$c1" >/dev/null
	ptp_conf netns-ptp netns-ipam 10.98.4.0/22 "$DATA/our" | plug netns-ptp ADD b1 "/run/netns/$c2" >/dev/null
	[ "$(ip -n "$c1" -j addr show dev eth0 | jq -r '.[0].addr_info[] | select(.family == "inet") | .broadcast')" = 10.98.3.255 ]
	[ "$(ip -n "$c2" -j addr show dev eth0 | jq -r '.[0].addr_info[] | select(.family == "inet") | .broadcast')" = 10.98.7.255 ]
	diff <(ip -n "$c1" -4 -o addr show dev eth0 | awk '{ $1 = ""; print }') \
		<(ip -n "$c2" -4 -o addr show dev eth0 | awk '{ $1 = ""; print }' | sed 's/10\.98\.4\./10.98.0./; s/10\.98\.7\.255/10.98.3.255/')
	# /31 and /32 get none, on both
	for p in ptp netns-ptp; do
		ptp_conf "$p" x 10.99.0.0/31 | jq -c --arg n "$([ $p = ptp ] && echo 1 || echo 3)" \
			'.ipam = {type: "static", addresses: [{address: "10.99.0.\($n)/31", gateway: "10.99.0.\($n | tonumber - 1)"}]}' |
			IFN=eth1 plug "$([ $p = ptp ] && echo "$REF/ptp" || echo netns-ptp)" ADD b2 "/run/netns/$([ $p = ptp ] && echo "$c1" || echo "$c2")" >/dev/null
	done
	[ -z "$(ip -n "$c1" -j addr show dev eth1 | jq -r '.[0].addr_info[] | select(.family == "inet") | .broadcast // empty')" ]
	[ -z "$(ip -n "$c2" -j addr show dev eth1 | jq -r '.[0].addr_info[] | select(.family == "inet") | .broadcast // empty')" ]
}

@test "cni: 40 concurrent ADDs, half by host-local and half by netns-ipam, on one store: no address twice" {
	need_ref
	local i pids=() fails=0 p
	ipam_conf 1.0.0 '[[{"subnet":"10.89.0.0/24"}]]' >"$DATA/conf"
	for i in $(seq 40); do
		if ((i % 2)); then p=netns-ipam; else p=$REF/host-local; fi
		plug "$p" ADD "m$i" /x <"$DATA/conf" >"$DATA/r$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	[ "$fails" -eq 0 ]
	[ "$(cat "$DATA"/r* | jq -r '.ips[0].address' | sort -u | wc -l)" -eq 40 ]
	[ "$(store_list | wc -l)" -eq 40 ]
	for i in $(seq 40); do
		if ((i % 2)); then p=$REF/host-local; else p=netns-ipam; fi
		plug "$p" DEL "m$i" - <"$DATA/conf" &
	done
	wait
	[ -z "$(store_list)" ]
}

@test "cni: netns-ipam waits for the store's lock, as host-local holds it" {
	command -v flock >/dev/null || skip "no flock(1)"
	local t0 t1
	ipam_conf 1.0.0 '[[{"subnet":"10.90.0.0/24"}]]' >"$DATA/conf"
	plug netns-ipam ADD l0 /x <"$DATA/conf" >/dev/null
	# Another process holds the lock (as host-local does during a command)
	flock "$DATA/net1/lock" sleep 1 &
	track_pid $!
	sleep 0.2
	t0=$(date +%s%N)
	plug netns-ipam ADD l1 /x <"$DATA/conf" >/dev/null
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -ge 500 ]
	[ -e "$DATA/net1/10.90.0.3" ]
}
