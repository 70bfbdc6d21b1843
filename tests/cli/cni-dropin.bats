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
	if [ ! -x "$BUILD/netns-ipam" ] || [ ! -x "$BUILD/netns-ptp" ]; then
		echo "# $BUILD/netns-ipam or netns-ptp is missing: build them first" >&2
		return 1
	fi
	command -v jq >/dev/null || { echo "# jq is missing (apt-get install jq)" >&2; return 1; }
	if [ ! -x "$REF/ptp" ] || [ ! -x "$REF/host-local" ]; then
		skip "the reference plugins are not installed (apt-get install containernetworking-plugins)"
	fi
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
# stdin as the config (types and dataDir filled in for SIDE; with RAW=1 the
# config's bytes are kept, but for @DATA@, which becomes SIDE's dataDir).
plug() {
	local side=$1 cmd=$2 ptp=netns-ptp ipam=netns-ipam plugin
	shift 2
	[ "$side" = ref ] && ptp=ptp ipam=host-local
	plugin=$ptp
	[ -n "${IPAM:-}" ] && plugin=$ipam
	if [ -n "${RAW:-}" ]; then
		sed "s|@DATA@|$DATA/$side|g"
	else
		jq -c --arg t "$ptp" --arg i "$ipam" --arg d "$DATA/$side" '.type = $t | .ipam.type = $i | .ipam.dataDir = $d'
	fi |
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

# ipam_conf RANGES-JSON [MORE-JQ]: an IPAM config of network net1.
ipam_conf() {
	jq -cn --argjson r "$1" "{cniVersion: \"1.0.0\", name: \"net1\", type: \"x\",
		ipam: {type: \"x\", ranges: \$r}} ${2:+| $2}"
}

# same_ipam: both IPAM plugins succeeded with the same result and store.
same_ipam() {
	[ "$RS" -eq 0 ] || { echo "# host-local: $(cat "$DATA/ref.out")" >&2; return 1; }
	[ "$OS" -eq 0 ] || { echo "# netns-ipam: $(cat "$DATA/our.out")" >&2; return 1; }
	diff <(jq -S . "$DATA/ref.out") <(jq -S . "$DATA/our.out")
	diff -r "$DATA/ref" "$DATA/our"
}

# both_refuse: both IPAM plugins failed, and neither stored an address.
both_refuse() {
	[ "$RS" -ne 0 ]
	[ "$OS" -ne 0 ]
	[ -z "$(store_list ref)" ]
	[ -z "$(store_list our)" ]
}

@test "cni-dropin: ipam with both the older subnet and ranges allocates from both, as host-local" {
	local c
	c=$(ipam_conf '[[{"subnet":"10.125.0.0/24"}],[{"subnet":"fd00:124::/64"}]]' \
		'.ipam.subnet = "10.124.0.0/24" | .ipam.rangeStart = "10.124.0.9"')
	IPAM=1 both ADD <<<"$c"
	same_ipam
	[ "$(jq -r '[.ips[].address] | join(" ")' "$DATA/our.out")" = "10.124.0.9/24 10.125.0.2/24 fd00:124::2/64" ]
	# the older form's is range set 0, as host-local numbers it
	[ "$(cat "$DATA/our/net1/last_reserved_ip.0")" = 10.124.0.9 ]
	IPAM=1 both DEL <<<"$c"
	[ "$OS" -eq 0 ]
	[ -z "$(store_list our)" ]
	# an older subnet that overlaps a range set: refused by both
	IPAM=1 both ADD < <(jq -c '.ipam.subnet = "10.125.0.0/24" | del(.ipam.rangeStart)' <<<"$c")
	both_refuse
	# ranges empty: the older subnet alone
	IPAM=1 both ADD < <(jq -c '.ipam.ranges = []' <<<"$c")
	same_ipam
}

@test "cni-dropin: ipam gateway outside the subnet, or empty, is taken as host-local takes it" {
	local g
	for g in 10.99.0.1 '' 10.126.0.255; do
		IPAM=1 both ADD < <(ipam_conf '[[{"subnet":"10.126.0.0/24","gateway":"'"$g"'"}]]')
		same_ipam
		IPAM=1 both DEL < <(ipam_conf '[[{"subnet":"10.126.0.0/24"}]]')
	done
	# and ptp routes through it, as the reference's (with no result routes:
	# the reference's ConfigureIface cannot add one via a gateway it cannot reach yet)
	both ADD < <(ipam_conf '[[{"subnet":"10.126.0.0/24","gateway":"10.99.0.1"}]]')
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	diff <(ip -n "$CREF" route) <(ip -n "$COUR" route)
	ip -n "$COUR" route show 10.99.0.1 | grep -q '^10.99.0.1 dev eth0 scope link src 10.126.0.'
	# not an address at all: refused by both
	IPAM=1 both DEL < <(ipam_conf '[[{"subnet":"10.126.0.0/24"}]]')
	IPAM=1 both ADD < <(ipam_conf '[[{"subnet":"10.126.0.0/24","gateway":"x"}]]')
	both_refuse
}

@test "cni-dropin: a requested address with a prefix length, in CNI_ARGS or args.cni.ips, as host-local reads it" {
	local c
	c=$(ipam_conf '[[{"subnet":"10.127.0.0/24"}],[{"subnet":"fd00:127::/64"}]]')
	IPAM=1 both ADD CNI_ARGS='IP=10.127.0.50/8' <<<"$c"
	same_ipam
	[ "$(jq -r '.ips[0].address' "$DATA/our.out")" = 10.127.0.50/24 ]
	IPAM=1 both DEL <<<"$c"
	IPAM=1 both ADD < <(jq -c '.args.cni.ips = ["10.127.0.51/24", "fd00:127::51/64"]' <<<"$c")
	same_ipam
	[ "$(jq -r '[.ips[].address] | join(" ")' "$DATA/our.out")" = "10.127.0.51/24 fd00:127::51/64" ]
	IPAM=1 both DEL <<<"$c"
	# a prefix that is not one: refused by both
	IPAM=1 both ADD CNI_ARGS='IP=10.127.0.50/33' <<<"$c"
	both_refuse
	IPAM=1 both ADD < <(jq -c '.args.cni.ips = ["10.127.0.51/"]' <<<"$c")
	both_refuse
}

@test "cni-dropin: a repeated CNI_ARGS IP= takes the last, as host-local; each is still checked" {
	local c
	c=$(ipam_conf '[[{"subnet":"10.128.0.0/24"}]]')
	IPAM=1 both ADD CNI_ARGS='IP=10.128.0.50;IP=10.128.0.51' <<<"$c"
	same_ipam
	[ "$(jq -r '.ips[0].address' "$DATA/our.out")" = 10.128.0.51/24 ]
	IPAM=1 both DEL <<<"$c"
	IPAM=1 both ADD CNI_ARGS='IP=bogus;IP=10.128.0.51' <<<"$c"
	both_refuse
}

@test "cni-dropin: a key given twice in the config: the last counts, as in Go" {
	local c
	c='{"cniVersion":"1.0.0","name":"net0","name":"net1","type":"x",
	    "ipam":{"type":"x","dataDir":"@DATA@","ranges":[[{"subnet":"10.129.0.0/24"}]]},
	    "ipam":{"type":"x","dataDir":"@DATA@","ranges":[[{"subnet":"10.129.0.0/24","subnet":"10.130.0.0/24"}]]}}'
	RAW=1 IPAM=1 both ADD <<<"$c"
	same_ipam
	[ "$(jq -r '.ips[0].address' "$DATA/our.out")" = 10.130.0.2/24 ]
	[ "$(store_list our)" = "10.130.0.2 c1|eth0" ]
	# through netns-ptp, which hands the same bytes to its IPAM plugin
	RAW=1 IPAM=1 both DEL <<<"$c"
	RAW=1 plug our ADD <<<"${c//\"type\":\"x\"/\"type\":\"netns-ipam\"}" >"$DATA/our.out"
	# (the next after the last reserved, 10.130.0.2)
	[ "$(jq -r '.ips[0].address' "$DATA/our.out")" = 10.130.0.3/24 ]
	ip -n "$COUR" -o addr show eth0 | grep -q 'inet 10.130.0.3/24'
}

@test "cni-dropin: a store file named ::ffff:ADDRESS counts in ADD's duplicate check, and DEL deletes it, as host-local" {
	local c s
	c=$(ipam_conf '[[{"subnet":"10.131.0.0/24"}]]')
	for s in ref our; do
		mkdir -p "$DATA/$s/net1"
		printf 'c1\r\neth0' >"$DATA/$s/net1/::ffff:10.131.0.4"
	done
	IPAM=1 both ADD <<<"$c"
	[ "$RS" -ne 0 ]
	[ "$OS" -ne 0 ]
	[ "$(jq -r .code "$DATA/our.out")" = "$(jq -r .code "$DATA/ref.out")" ]
	[ "$(jq -r .msg "$DATA/our.out")" = "$(jq -r .msg "$DATA/ref.out")" ]
	[ "$(store_list our)" = "::ffff:10.131.0.4 c1|eth0" ]
	diff -r "$DATA/ref" "$DATA/our"
	IPAM=1 both DEL <<<"$c"
	[ "$RS" -eq 0 ]
	[ "$OS" -eq 0 ]
	[ -z "$(store_list our)" ]
	[ -z "$(store_list ref)" ]
}
