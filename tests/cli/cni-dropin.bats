#!/usr/bin/env bats
# netns-ptp and netns-ipam as drop-ins for the reference ptp and host-local
# (issue 18): the same config through both pairs, side by side, and the same
# result, kernel state and store, or the same refusal. As in cni.bats, the
# plugins run in network namespaces of the test's own that play the host
# (one per pair, so that both can hand out the same address), with
# containers the test makes and scratch dataDirs; nothing reaches the
# machine's host side or /var/lib/cni.

load cni-clients

REF=/usr/lib/cni

setup() {
	[ -x "$BUILD/netns-ipam" ] && [ -x "$BUILD/netns-ptp" ] || {
		echo "# $BUILD/netns-ipam or netns-ptp is missing: build them first" >&2
		return 1
	}
	command -v jq >/dev/null || { echo "# jq is missing (apt-get install jq)" >&2; return 1; }
	[ -x "$REF/ptp" ] && [ -x "$REF/host-local" ] ||
		skip "the reference plugins are not installed (apt-get install containernetworking-plugins)"
	# ref and our: a host namespace and a container namespace each, forwarding off.
	HREF=$(uniq_name href) HOUR=$(uniq_name hour) CREF=$(uniq_name cref) COUR=$(uniq_name cour)
	local n
	for n in "$HREF" "$HOUR" "$CREF" "$COUR"; do
		netns add "$n"
		track_name "$n"
	done
	for n in "$HREF" "$HOUR"; do
		netns exec "$n" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	done
	mk_scratch DATA
	mkdir "$DATA/ref" "$DATA/our"
}

# host SIDE, cont SIDE: the namespaces of pair SIDE (ref or our).
host() { if [ "$1" = ref ]; then echo "$HREF"; else echo "$HOUR"; fi; }
cont() { if [ "$1" = ref ]; then echo "$CREF"; else echo "$COUR"; fi; }

# plug SIDE COMMAND [VAR=VALUE...]: pair SIDE's ptp (or, with IPAM=1, its
# IPAM plugin alone) for container c1 on eth0, in its host namespace, with
# stdin as the config (types and dataDir filled in for SIDE).
plug() {
	local side=$1 cmd=$2 ptp=netns-ptp ipam=netns-ipam plugin
	shift 2
	[ "$side" = ref ] && ptp=ptp ipam=host-local
	plugin=$ptp
	[ -n "${IPAM:-}" ] && plugin=$ipam
	jq -c --arg t "$ptp" --arg i "$ipam" --arg d "$DATA/$side" '.type = $t | .ipam.type = $i | .ipam.dataDir = $d' |
		netns exec "$(host "$side")" env -u CNI_ARGS CNI_COMMAND="$cmd" CNI_CONTAINERID=c1 CNI_IFNAME=eth0 \
			CNI_NETNS="/run/netns/$(cont "$side")" CNI_PATH="$BUILD:$REF" "$@" "$(plugin_path "$plugin")"
}

plugin_path() { case $1 in netns-*) echo "$BUILD/$1" ;; *) echo "$REF/$1" ;; esac; }

# both COMMAND [VAR=VALUE...] <CONFIG: runs plug on each side; the outputs
# in $DATA/ref.out and $DATA/our.out, the statuses in RS and OS.
both() {
	local c
	c=$(cat)
	RS=0 OS=0
	plug ref "$@" <<<"$c" >"$DATA/ref.out" || RS=$?
	plug our "$@" <<<"$c" >"$DATA/our.out" || OS=$?
}

# The result without what differs by design (the host end's name and both
# MACs: the reference's name and MACs are random).
result_norm() {
	jq -S 'del(.interfaces[]?.mac) | del(.interfaces[0].name?) | del(.interfaces[1].sandbox?)' "$1"
}

# The allocation files of network net1 on SIDE, "ADDRESS ID|IFNAME" each.
store_list() {
	local f c
	for f in "$DATA/$1"/net1/*; do
		case ${f##*/} in lock | last_reserved_ip.* | '*') continue ;; esac
		c=$(<"$f")
		printf '%s %s\n' "${f##*/}" "${c//$'\r\n'/|}"
	done | sort
}

sysctl_in() { netns exec "$1" cat "/proc/sys/net/$2"; }

ptp_conf() {
	jq -cn --argjson r "$1" '{cniVersion: "1.0.0", name: "net1", type: "x",
		ipam: {type: "x", ranges: $r, routes: [{dst: "0.0.0.0/0"}]}}'
}

@test "cni-dropin: ADD turns IPv4 forwarding on in the host namespace, and IPv6 only for an IPv6 address, as ptp" {
	both ADD < <(ptp_conf '[[{"subnet":"10.120.0.0/24"}]]')
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	[ "$(sysctl_in "$HREF" ipv4/ip_forward)" = 1 ]
	[ "$(sysctl_in "$HOUR" ipv4/ip_forward)" = 1 ]
	[ "$(sysctl_in "$HREF" ipv6/conf/all/forwarding)" = 0 ]
	[ "$(sysctl_in "$HOUR" ipv6/conf/all/forwarding)" = 0 ]
	# DEL leaves it on (so does the reference's)
	both DEL < <(ptp_conf '[[{"subnet":"10.120.0.0/24"}]]')
	[ "$(sysctl_in "$HOUR" ipv4/ip_forward)" = 1 ]
	# dual stack, from off again: both families on
	netns exec "$HOUR" sysctl -qw net.ipv4.ip_forward=0
	netns exec "$HREF" sysctl -qw net.ipv4.ip_forward=0
	both ADD < <(ptp_conf '[[{"subnet":"10.120.0.0/24"}],[{"subnet":"fd00:120::/64"}]]')
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	local s
	for s in "$HREF" "$HOUR"; do
		[ "$(sysctl_in "$s" ipv4/ip_forward)" = 1 ]
		[ "$(sysctl_in "$s" ipv6/conf/all/forwarding)" = 1 ]
	done
	# the host's, not the container's (the plugin never switches its thread)
	[ "$(sysctl_in "$COUR" ipv4/ip_forward)" = 0 ]
}

@test "cni-dropin: with forwarding off before ADD, the container reaches past the host" {
	local o c
	o=$(uniq_name o)
	netns add "$o"
	track_name "$o"
	ptp_conf '[[{"subnet":"10.121.0.0/24"}]]' | plug our ADD >/dev/null
	# Past the host: a namespace on another link of it, routing back.
	ip -n "$HOUR" link add out0 type veth peer name out1 netns "$o"
	ip -n "$HOUR" addr add 192.0.2.1/24 dev out0
	ip -n "$HOUR" link set out0 up
	ip -n "$o" addr add 192.0.2.2/24 dev out1
	ip -n "$o" link set out1 up
	ip -n "$o" route add 10.121.0.0/24 via 192.0.2.1
	netns exec "$COUR" ping -c 1 -W 5 192.0.2.2
}

@test "cni-dropin: both veth ends get txqueuelen 0, as the reference's" {
	local s q
	both ADD < <(ptp_conf '[[{"subnet":"10.122.0.0/24"}]]')
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	# (ip -j leaves txqlen out when it is 0; a veth's default is 1000)
	for s in ref our; do
		q=$(ip -n "$(cont "$s")" -j link show eth0 | jq -r '.[0].txqlen // 0')
		[ "$q" = 0 ]
		q=$(ip -n "$(host "$s")" -j link show type veth | jq -r '.[0].txqlen // 0')
		[ "$q" = 0 ]
	done
}

@test "cni-dropin: an IPAM route with a gateway of its own (host-local's README) is added as ptp adds it" {
	local c s
	c=$(jq -cn '{cniVersion: "1.0.0", name: "net1", type: "x",
		ipam: {type: "x", subnet: "10.10.0.0/16",
		       routes: [{dst: "0.0.0.0/0"}, {dst: "192.168.0.0/16", gw: "10.10.5.1"}]}}')
	both ADD <<<"$c"
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	diff <(result_norm "$DATA/ref.out") <(result_norm "$DATA/our.out")
	[ "$(jq -c '.routes[1]' "$DATA/our.out")" = '{"dst":"192.168.0.0/16","gw":"10.10.5.1"}' ]
	diff <(ip -n "$CREF" route) <(ip -n "$COUR" route)
	ip -n "$COUR" route show 192.168.0.0/16 | grep -qx '192.168.0.0/16 via 10.10.5.1 dev eth0 *'
	ip -n "$COUR" route show default | grep -qx 'default via 10.10.0.1 dev eth0 *'
	# CHECK agrees with what ADD made; DEL takes it all
	plug our CHECK < <(jq -c --slurpfile r "$DATA/our.out" '.prevResult = $r[0]' <<<"$c")
	both DEL <<<"$c"
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	[ -z "$(store_list our)" ]
}

@test "cni-dropin: DEL succeeds on a config whose mtu is out of range, as ptp's" {
	local c m
	c=$(ptp_conf '[[{"subnet":"10.123.0.0/24"}]]')
	both ADD <<<"$c"
	[ "$OS" -eq 0 ]
	for m in 70000 10; do
		both DEL < <(jq -c --argjson m "$m" '.mtu = $m' <<<"$c")
		[ "$RS" -eq 0 ]
		[ "$OS" -eq 0 ]
	done
	[ -z "$(store_list our)" ]
	[ -z "$(store_list ref)" ]
	[ -z "$(ip -n "$COUR" -o link show type veth)" ]
	# ADD still refuses it (the kernel would)
	both ADD < <(jq -c '.mtu = 70000' <<<"$c")
	[ "$RS" -ne 0 ]
	[ "$OS" -ne 0 ]
	[ -z "$(store_list our)" ]
}
