#!/usr/bin/env bats
# netns-bridge as a drop-in for the reference bridge plugin (issue 20),
# driven by libcni (tests/cni/driver, as cni-libcni.bats): the same conflist
# through bridge + host-local and netns-bridge + netns-ipam, each pair in a
# network namespace of its own playing the host (forwarding off at the
# start), and the same result once host veth names and MACs are normalised;
# then the data path: two containers on one bridge, the host side, and an
# "outside" namespace reached through masquerade. Every store is a scratch
# directory; deleting the test's namespaces undoes whatever a plugin left.

load cni-clients

bats_require_minimum_version 1.5.0


setup_file() {
	driver_build
}

setup() {
	need_driver
	need_plugins netns-bridge netns-ipam bridge host-local
	MACHINE_LINKS=$(machine_links)
	mk_scratch WORK
	local side
	for side in ref our; do
		local h c
		h=$(uniq_name "h$side") c=$(uniq_name "c$side")
		track_name "$h" "$c"
		netns add "$h"
		netns add "$c"
		ip -n "$h" link set lo up
		netns exec "$h" sysctl -qw net.ipv4.ip_forward=0
		printf -v "H_$side" %s "$h"
		printf -v "C_$side" %s "$c"
	done
}

# drive SIDE add|check|del CONF [NETNS [ID]]: the driver in SIDE's host.
drive() {
	local side=$1 cmd=$2 conf=$3 h c
	h=H_$side c=C_$side
	netns exec "${!h}" "$DRIVER" -path "$CNI_PLUGIN_PATH" -cache-dir "$WORK/cache-$side" \
		"$cmd" "$conf" "${5:-cnib-$$}" "${4:-/run/netns/${!c}}" eth0
}

# mk_conf VERSION BRIDGE IPAM DATADIR [JQ]: a one-plugin conflist, a gateway
# bridge "cnib0" with a default route, masquerading; JQ amends the plugin.
mk_conf() {
	jq -n --arg v "$1" --arg t "$2" --arg i "$3" --arg d "$4" '{
		cniVersion: $v, name: "cnib-net",
		plugins: [{type: $t, bridge: "cnib0", isGateway: true, isDefaultGateway: true,
			   ipMasq: true, hairpinMode: true, mtu: 1400,
			   ipam: {type: $i, dataDir: $d,
				  ranges: [[{subnet: "10.79.0.0/24"}]]}}]}' |
		jq "${5:-.}"
}

# The result with what differs by nature normalised: the host veth's name
# (random in the reference, a hash here), every MAC, and the container's
# path (each pair has its own).
normal() {
	jq -S '.interfaces |= map(.mac = "MAC") | .interfaces[1].name = "HOSTVETH" |
		.interfaces[2].sandbox = "SANDBOX"'
}

@test "netns-bridge gives the reference bridge's result through libcni, in every version" {
	local v side out_ref out_our
	for v in 0.4.0 1.0.0; do
		for side in ref our; do
			if [ $side = ref ]; then
				mk_conf "$v" bridge host-local "$WORK/ipam-$side" >"$WORK/$side.conf"
			else
				mk_conf "$v" netns-bridge netns-ipam "$WORK/ipam-$side" >"$WORK/$side.conf"
			fi
			run -0 --separate-stderr drive $side add "$WORK/$side.conf"
			printf -v "out_$side" %s "$output"
			# The kernel agrees: the port on the bridge, hairpin on, the
			# gateway on the bridge, the MTU, forwarding turned on.
			local h=H_$side c=C_$side hostif
			hostif=$(jq -r '.interfaces[1].name' <<<"$output")
			run -0 ip -n "${!h}" -d link show dev "$hostif"
			[[ $output == *" master cnib0 "* ]]
			[[ $output == *"hairpin on"* ]]
			run -0 ip -n "${!h}" -4 -o addr show dev cnib0
			[[ $output == *" inet 10.79.0.1/24 "* ]]
			run -0 ip -n "${!c}" link show dev eth0
			[[ $output == *" mtu 1400 "* ]]
			run -0 ip -n "${!c}" route show default
			[[ $output == "default via 10.79.0.1 dev eth0"* ]]
			run -0 netns exec "${!h}" cat /proc/sys/net/ipv4/ip_forward
			[ "$output" = 1 ]
			run -0 --separate-stderr drive $side check "$WORK/$side.conf"
			run -0 --separate-stderr drive $side del "$WORK/$side.conf"
			run -0 --separate-stderr drive $side del "$WORK/$side.conf"
			# DEL leaves the bridge (shared) and nothing else.
			retired_gone ip -n "${!h}" -o link show
			run -0 ns_links "${!h}"
			[ "$output" = cnib0 ]
			run -0 ipam_entries "$WORK/ipam-$side"
			[ -z "$output" ]
			ip -n "${!h}" link del cnib0
		done
		[ "$(normal <<<"$out_our")" = "$(normal <<<"$out_ref")" ] || {
			echo "# $v: ours $(normal <<<"$out_our")"
			echo "# $v: reference $(normal <<<"$out_ref")"
			return 1
		}
		# The order the reference documents: bridge, host veth, container.
		[ "$(jq -r '.interfaces[0].name' <<<"$out_our")" = cnib0 ]
		[ "$(jq -r '.interfaces[2].sandbox' <<<"$out_our")" = "/run/netns/$C_our" ]
	done
	[ "$(machine_links)" = "$MACHINE_LINKS" ]
}

@test "netns-bridge: two containers reach each other, the host side, and the outside through masquerade" {
	local c2 out ip1 ip2
	c2=$(uniq_name c2)
	out=$(uniq_name out)
	track_name "$c2" "$out"
	netns add "$c2"
	netns add "$out"
	# The outside world: a namespace behind the host, with no route back to
	# the containers' subnet: only a masqueraded packet gets an answer.
	ip -n "$H_our" link add cnibo0 type veth peer name eth0 netns "$out"
	ip -n "$H_our" addr add 192.0.2.1/24 dev cnibo0
	ip -n "$H_our" link set cnibo0 up
	ip -n "$out" addr add 192.0.2.2/24 dev eth0
	ip -n "$out" link set eth0 up
	run ! ip -n "$out" route get 10.79.0.2
	mk_conf 1.0.0 netns-bridge netns-ipam "$WORK/ipam" >"$WORK/c.conf"

	run -0 --separate-stderr drive our add "$WORK/c.conf"
	ip1=$(jq -r '.ips[0].address' <<<"$output")
	ip1=${ip1%/*}
	# A second container, concurrently with nothing: the bridge is shared.
	run -0 --separate-stderr drive our add "$WORK/c.conf" "/run/netns/$c2" cnib2-$$
	ip2=$(jq -r '.ips[0].address' <<<"$output")
	ip2=${ip2%/*}
	[ "$ip1" != "$ip2" ]
	run -0 ip -n "$H_our" -o link show master cnib0
	[ "$(wc -l <<<"$output")" = 2 ]

	run -0 ip netns exec "$C_our" ping -c 1 -W 2 "$ip2"
	run -0 ip netns exec "$c2" ping -c 1 -W 2 "$ip1"
	run -0 ip netns exec "$C_our" ping -c 1 -W 2 10.79.0.1
	run -0 ip netns exec "$C_our" ping -c 1 -W 2 192.0.2.1
	run -0 ip netns exec "$C_our" ping -c 1 -W 2 192.0.2.2
	# DEL of one takes its masquerade element: the outside cannot answer
	# it any more (the test can fail), the other still gets through.
	run -0 --separate-stderr drive our del "$WORK/c.conf"
	run -0 --separate-stderr drive our add "$WORK/c.conf"
	run -0 ip netns exec "$C_our" ping -c 1 -W 2 192.0.2.2
	netns exec "$H_our" nft delete table inet netns-ptp
	run ! ip netns exec "$C_our" ping -c 1 -W 1 192.0.2.2
	run -0 --separate-stderr drive our del "$WORK/c.conf"
	run -0 --separate-stderr drive our del "$WORK/c.conf" "/run/netns/$c2" cnib2-$$
	retired_gone ip -n "$H_our" -o link show
	run -0 ip -n "$H_our" -o link show master cnib0
	[ -z "$output" ]
	[ "$(machine_links)" = "$MACHINE_LINKS" ]
}

# plug COMMAND CONF [VAR=VALUE...]: netns-bridge by hand in our host, as a
# runtime runs it, the config on stdin.
plug() {
	local cmd=$1 conf=$2
	shift 2
	netns exec "$H_our" env CNI_COMMAND="$cmd" CNI_CONTAINERID=cnib-$$ CNI_IFNAME=eth0 \
		CNI_NETNS="/run/netns/$C_our" CNI_PATH="$BUILD" "$@" "$BUILD/netns-bridge" <"$conf"
}

@test "netns-bridge refuses clearly the fields it does not build" {
	local f
	for f in '.promiscMode = true' '.vlan = 100' '.vlanTrunk = [{id: 5}]' '.macspoofchk = true' \
		'.disableContainerInterface = true' '.ipMasqBackend = "iptables"'; do
		mk_conf 1.0.0 netns-bridge netns-ipam "$WORK/ipam" ".plugins[0] | .hairpinMode = false | $f | .cniVersion = \"1.0.0\" | .name = \"n\"" \
			>"$WORK/r.conf"
		run -1 plug ADD "$WORK/r.conf"
		[ "$(jq -r .code <<<"$output")" = 7 ] || { echo "# $f: $output"; return 1; }
		[[ $(jq -r .msg <<<"$output") == *netns-bridge* ]] || { echo "# $f: $output"; return 1; }
	done
	# Nothing was made.
	run -0 ns_links "$H_our"
	[ -z "$output" ]
	# Hairpin and promiscuous mode at once: the reference's own refusal.
	mk_conf 1.0.0 netns-bridge netns-ipam "$WORK/ipam" '.plugins[0] | .promiscMode = true | .cniVersion = "1.0.0" | .name = "n"' >"$WORK/r.conf"
	run -1 plug ADD "$WORK/r.conf"
	[[ $output == *"cannot set hairpin mode and promiscuous mode at the same time"* ]]
}

@test "netns-bridge: an existing link of the bridge's name that is no bridge is refused; GC and STATUS" {
	local conf=$WORK/g.conf
	mk_conf 1.1.0 netns-bridge netns-ipam "$WORK/ipam" '.plugins[0] | .cniVersion = "1.1.0" | .name = "g"' >"$conf"
	ip -n "$H_our" link add cnib0 type veth peer name cnib1
	run -1 plug ADD "$conf"
	[[ $(jq -r .msg <<<"$output") == *'"cnib0" already exists but is not a bridge'* ]]
	ip -n "$H_our" link del cnib0
	run -0 plug ADD "$conf"
	run -0 plug STATUS "$conf"
	# GC with the attachment valid keeps it; without, removes its veth.
	jq --arg id cnib-$$ '. + {"cni.dev/valid-attachments": [{containerID: $id, ifname: "eth0"}]}' \
		"$conf" >"$WORK/gc-keep.conf"
	jq '. + {"cni.dev/valid-attachments": []}' "$conf" >"$WORK/gc-none.conf"
	run -0 plug GC "$WORK/gc-keep.conf"
	run -0 ip -n "$H_our" -o link show master cnib0
	[ "$(wc -l <<<"$output")" = 1 ]
	run -0 plug GC "$WORK/gc-none.conf"
	run -0 ip -n "$H_our" -o link show master cnib0
	[ -z "$output" ]
	run -0 ipam_entries "$WORK/ipam"
	[ -z "$output" ]
	run -0 plug DEL "$conf"
}

@test "netns-bridge: layer 2 only (no ipam type) as the reference; portIsolation sets the port isolated" {
	local side h c t hostif
	for side in ref our; do
		if [ $side = our ]; then t=netns-bridge; else t=bridge; fi
		jq -n --arg t $t '{cniVersion: "1.0.0", name: "cnib-l2",
			plugins: [{type: $t, bridge: "cnil2", ipam: {}}]}' >"$WORK/l2-$side.conf"
		run -0 --separate-stderr drive $side add "$WORK/l2-$side.conf"
		printf -v "out_$side" %s "$output"
		h=H_$side c=C_$side
		run -0 ip -n "${!c}" -4 -o addr show dev eth0
		[ -z "$output" ]
		run -0 --separate-stderr drive $side del "$WORK/l2-$side.conf"
	done
	[ "$(normal <<<"$out_our")" = "$(normal <<<"$out_ref")" ] || {
		echo "# ours $(normal <<<"$out_our")"
		echo "# reference $(normal <<<"$out_ref")"
		return 1
	}
	[ "$(jq '.ips // [] | length' <<<"$out_our")" = 0 ]
	# portIsolation (not in reference 1.1.1): the port's isolated flag.
	jq '.plugins[0].portIsolation = true' "$WORK/l2-our.conf" >"$WORK/iso.conf"
	run -0 --separate-stderr drive our add "$WORK/iso.conf"
	hostif=$(jq -r '.interfaces[1].name' <<<"$output")
	run -0 ip -n "$H_our" -d link show dev "$hostif"
	[[ $output == *"isolated on"* ]]
	run -0 --separate-stderr drive our del "$WORK/iso.conf"
}
