#!/usr/bin/env bats
# netns-ptp and netns-ipam on bounded input (docs/cni.md): a delegated
# plugin that prints too much, a resolvConf that never ends, FIFOs and
# symlinks planted in the store; and where they answer as the reference
# ptp + host-local do (DNS, old spec versions, ipMasqBackend, CHECK's
# messages). As in cni.bats every test runs the plugins in a namespace of
# its own that plays the host ($HOST), with a scratch dataDir.

load cni-plugin-helpers

setup() {
	cni_setup
}

# ipam_conf [DIR]: a config for netns-ipam/host-local, 10.130.0.0/24.
ipam_conf() {
	jq -cn --arg d "${1:-$DATA}" \
		'{cniVersion: "1.0.0", name: "net1", type: "x",
		  ipam: {type: "x", dataDir: $d, ranges: [[{subnet: "10.130.0.0/24"}]]}}'
}

# ptp_conf TYPE IPAMTYPE SUBNET [DIR]: a ptp config, no dns of its own.
ptp_conf() {
	jq -cn --arg t "$1" --arg i "$2" --arg s "$3" --arg d "${4:-$DATA}" \
		'{cniVersion: "1.0.0", name: "net1", type: $t,
		  ipam: {type: $i, dataDir: $d, ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}]}}'
}

# The allocation files of network net1 in DIR, one name a line.
store_list() {
	local f
	for f in "${1:-$DATA}"/net1/*; do
		case ${f##*/} in lock | last_reserved_ip.* | '*') continue ;; esac
		echo "${f##*/}"
	done | sort
}

# The processes whose command line holds WORD, other than this shell's.
procs_with() {
	pgrep -f -- "$1" || true
}

# fake_ipam NAME BODY: a shell script IPAM plugin in $BIN that records its
# pid in $DATA/NAME.pid, then runs BODY, its stderr (a killed pipeline's
# "Broken pipe") to /dev/null.
fake_ipam() {
	printf '#!/bin/sh\nexec 2>/dev/null\necho $$ >"%s/%s.pid"\n%s\n' "$DATA" "$1" "$2" >"$BIN/$1"
	chmod +x "$BIN/$1"
}

@test "cni-bounds: a delegated IPAM plugin that prints more than 16 MiB is stopped and reaped, with a clear error" {
	local c out pid
	c=$(uniq_name c)
	mkc "$c"
	# Just over 16 MiB, then exit 0: the size that had the buffer used after realloc() moved it.
	fake_ipam big16 'head -c 16868000 /dev/zero | tr "\0" " "'
	run plug netns-ptp ADD a "/run/netns/$c" < <(ptp_conf netns-ptp big16 10.131.0.0/24)
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == *"big16 ADD printed more than 16 MiB: stopped" ]]
	# Printing for ever: the plugin is killed (it blocked on a full pipe
	# while netns-ptp waited for it to exit).
	fake_ipam forever 'exec yes'
	run plug netns-ptp ADD a "/run/netns/$c" < <(ptp_conf netns-ptp forever 10.131.0.0/24)
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == *"forever ADD printed more than 16 MiB: stopped" ]]
	pid=$(<"$DATA/forever.pid")
	refute kill -0 "$pid"
	[ -z "$(ip -n "$HOST" -o link show type veth)" ]
}

@test "cni-bounds: a delegated IPAM plugin that prints before reading a large config gets it all" {
	local c out conf
	c=$(uniq_name c)
	mkc "$c"
	# Prints 256 KiB of white space (more than a pipe holds) before it
	# reads its stdin, then a result: both pipes full at once.
	fake_ipam early 'head -c 262144 /dev/zero | tr "\0" " "; wc -c >"${0%/*}/early.n"
echo "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.132.0.2/24\",\"gateway\":\"10.132.0.1\"}]}"'
	conf=$(ptp_conf netns-ptp early 10.132.0.0/24 | jq -c '. + {pad: ("x" * 200000)}')
	out=$(plug netns-ptp ADD a "/run/netns/$c" <<<"$conf")
	[ "$(jq -r '.ips[0].address' <<<"$out")" = 10.132.0.2/24 ]
	# all of the config, and its newline
	[ "$(<"$BIN/early.n")" -eq $((${#conf} + 1)) ]
	ptp_conf netns-ptp early 10.132.0.0/24 | plug netns-ptp DEL a "/run/netns/$c"
}

@test "cni-bounds: a symlink planted in the store is never followed: ADD refuses it and its target stays" {
	local out
	mkdir -p "$DATA/net1"
	echo precious >"$DATA/victim"
	ln -s "$DATA/victim" "$DATA/net1/last_reserved_ip.0"
	run plug netns-ipam ADD a /x < <(ipam_conf)
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 5
	[ "$(jq -r .msg <<<"$output")" = "cannot write to $DATA/net1/last_reserved_ip.0: a symbolic link, never followed" ]
	[ "$(<"$DATA/victim")" = precious ]
	[ -z "$(store_list)" ]
	# A dangling one is not made into a file either.
	rm "$DATA/net1/last_reserved_ip.0"
	ln -s "$DATA/made" "$DATA/net1/last_reserved_ip.0"
	run plug netns-ipam ADD a /x < <(ipam_conf)
	assert_cni_error "$output" 5
	[ ! -e "$DATA/made" ]
	# The lock too.
	rm "$DATA/net1/last_reserved_ip.0"
	rm -f "$DATA/net1/lock"
	ln -s "$DATA/victim" "$DATA/net1/lock"
	run plug netns-ipam ADD a /x < <(ipam_conf)
	assert_cni_error "$output" 5
	[ "$(jq -r .msg <<<"$output")" = "cannot open the store $DATA/net1/lock: a symbolic link, never followed" ]
	[ "$(<"$DATA/victim")" = precious ]
}

@test "cni-bounds: FIFOs in the store never block ADD or DEL: an address one is skipped, others refused" {
	local out
	mkdir -p "$DATA/net1"
	# A FIFO named by an address: taken (as any file there), never read.
	mkfifo "$DATA/net1/10.130.0.2"
	out=$(plug netns-ipam ADD a /x < <(ipam_conf))
	[ "$(jq -r '.ips[0].address' <<<"$out")" = 10.130.0.3/24 ]
	plug netns-ipam DEL a - < <(ipam_conf)
	plug netns-ipam DEL b - < <(ipam_conf)
	[ "$(store_list)" = 10.130.0.2 ]
	# last_reserved_ip.0 a FIFO: ADD says so, and keeps nothing.
	rm "$DATA/net1/last_reserved_ip.0"
	mkfifo "$DATA/net1/last_reserved_ip.0"
	run plug netns-ipam ADD a /x < <(ipam_conf)
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 5
	[ "$(jq -r .msg <<<"$output")" = "cannot write to $DATA/net1/last_reserved_ip.0: not a regular file" ]
	[ "$(store_list)" = 10.130.0.2 ]
	# lock a FIFO
	rm "$DATA/net1/last_reserved_ip.0" "$DATA/net1/lock"
	mkfifo "$DATA/net1/lock"
	run plug netns-ipam DEL a - < <(ipam_conf)
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 5
	[ "$(jq -r .msg <<<"$output")" = "cannot open the store $DATA/net1/lock: not a regular file" ]
}

@test "cni-bounds: resolvConf is read bounded, before the lock: /dev/zero, a FIFO, a directory, 65 KiB fail at once and reserve nothing" {
	local f
	mkfifo "$DATA/fifo"
	mkdir "$DATA/dir"
	head -c 66560 /dev/zero | tr '\0' '#' >"$DATA/big"
	for f in /dev/zero "$DATA/fifo" "$DATA/dir" "$DATA/big"; do
		run plug netns-ipam ADD a /x < <(ipam_conf | jq -c --arg f "$f" '.ipam.resolvConf = $f')
		[ "$status" -eq 1 ]
		assert_cni_error "$output" 5
		[[ $(jq -r .msg <<<"$output") == "cannot read ipam.resolvConf $f: "* ]]
		[ -z "$(store_list)" ]
	done
	[ "$(jq -r .msg <<<"$output")" = "cannot read ipam.resolvConf $DATA/big: larger than 64 KiB" ]
	run plug netns-ipam ADD a /x < <(ipam_conf | jq -c --arg f "$DATA/dir" '.ipam.resolvConf = $f')
	[ "$(jq -r .msg <<<"$output")" = "cannot read ipam.resolvConf $DATA/dir: a directory" ]
	# 64 KiB exactly is fine.
	head -c 65535 /dev/zero | tr '\0' '#' >"$DATA/big"
	echo >>"$DATA/big"
	plug netns-ipam ADD a /x < <(ipam_conf | jq -c --arg f "$DATA/big" '.ipam.resolvConf = $f') >/dev/null
	[ "$(store_list)" = 10.130.0.2 ]
}

@test "cni-bounds: resolvConf is read before the store's lock is taken" {
	mkdir -p "$DATA/net1"
	: >"$DATA/net1/lock"
	# Someone holds the lock; an ADD whose resolvConf cannot be read says
	# so at once instead of queueing for the lock (and, before, holding it
	# while it read /dev/zero for ever).
	exec 9<"$DATA/net1/lock"
	flock 9
	run plug netns-ipam ADD a /x < <(ipam_conf | jq -c '.ipam.resolvConf = "/dev/zero"')
	flock -u 9
	exec 9<&-
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 5
	[ -z "$(store_list)" ]
}

@test "cni-bounds: netns-ptp passes resolvConf's DNS through as the reference ptp + host-local do" {
	need_ref
	local c1 c2 d r1 r2 r3 ipam
	c1=$(uniq_name c1) c2=$(uniq_name c2)
	mkc "$c1" "$c2"
	printf '%s\n' '# a comment' 'nameserver 192.0.2.1' '  nameserver 192.0.2.2 extra' '; another' \
		'search a.example b.example' 'domain x.example' 'options ndots:2 rotate' 'nameserver' >"$DATA/resolv"
	for d in null '{}' '{"nameservers":null}' '{"search":["q.example"]}' '{"nameservers":[]}' '{"domain":"d.example"}'; do
		r1=$(ptp_conf ptp host-local 10.133.0.0/24 "$DATA/ref" |
			jq -c --arg f "$DATA/resolv" --argjson d "$d" '.ipam.resolvConf = $f | if $d == null then . else .dns = $d end' |
			plug "$REF/ptp" ADD a "/run/netns/$c1")
		for ipam in netns-ipam host-local; do
			r2=$(ptp_conf netns-ptp "$ipam" 10.134.0.0/24 "$DATA/our" |
				jq -c --arg f "$DATA/resolv" --argjson d "$d" '.ipam.resolvConf = $f | if $d == null then . else .dns = $d end' |
				plug netns-ptp ADD a "/run/netns/$c2")
			diff <(jq -S .dns <<<"$r1") <(jq -S .dns <<<"$r2")
			ptp_conf netns-ptp "$ipam" 10.134.0.0/24 "$DATA/our" | plug netns-ptp DEL a "/run/netns/$c2"
		done
		ptp_conf ptp host-local 10.133.0.0/24 "$DATA/ref" | plug "$REF/ptp" DEL a "/run/netns/$c1"
	done
	# The last case took the config's own; the first the file's.
	[ "$(jq -c .dns <<<"$r2")" = '{"domain":"d.example"}' ]
	r3=$(ipam_conf | jq -c --arg f "$DATA/resolv" '.ipam.resolvConf = $f' | plug netns-ipam ADD z /x)
	[ "$(jq -S -c .dns <<<"$r3")" = '{"domain":"x.example","nameservers":["192.0.2.1","192.0.2.2"],"options":["ndots:2","rotate"],"search":["a.example","b.example"]}' ]
}

@test "cni-bounds: netns-ptp CHECK names the missing host route as what ADD made, a /32 or /128" {
	local c r hv conf
	c=$(uniq_name c)
	mkc "$c"
	conf=$(ptp_conf netns-ptp netns-ipam 10.135.0.0/24 | jq -c '.ipam.ranges += [[{subnet: "fd00:135::/64"}]]')
	r=$(plug netns-ptp ADD k1 "/run/netns/$c" <<<"$conf")
	hv=$(jq -r '.interfaces[0].name' <<<"$r")
	conf=$(jq -c --argjson p "$r" '. + {prevResult: $p}' <<<"$conf")
	plug netns-ptp CHECK k1 "/run/netns/$c" <<<"$conf"
	ip -n "$HOST" -6 route del fd00:135::2 dev "$hv"
	run plug netns-ptp CHECK k1 "/run/netns/$c" <<<"$conf"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "the host route fd00:135::2/128 dev $hv is missing" ]
	ip -n "$HOST" route del 10.135.0.2 dev "$hv"
	run plug netns-ptp CHECK k1 "/run/netns/$c" <<<"$conf"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "the host route 10.135.0.2/32 dev $hv is missing" ]
	plug netns-ptp DEL k1 "/run/netns/$c" <<<"$conf"
}

@test "cni-bounds: ipMasqBackend: nftables is honoured, iptables with ipMasq refused, never ignored" {
	local c conf out
	c=$(uniq_name c)
	mkc "$c"
	conf=$(ptp_conf netns-ptp netns-ipam 10.136.0.0/24 | jq -c '.ipMasq = true')
	run plug netns-ptp ADD a "/run/netns/$c" < <(jq -c '.ipMasqBackend = "iptables"' <<<"$conf")
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 7
	[ "$(jq -r .msg <<<"$output")" = 'ipMasqBackend "iptables" is not supported: netns-ptp masquerades through nftables (set "nftables" or leave it out)' ]
	run plug netns-ptp ADD a "/run/netns/$c" < <(jq -c '.ipMasqBackend = "ebtables"' <<<"$conf")
	assert_cni_error "$output" 7
	run plug netns-ptp ADD a "/run/netns/$c" < <(jq -c '.ipMasqBackend = 1' <<<"$conf")
	assert_cni_error "$output" 7
	[ -z "$(store_list)" ]
	[ -z "$(ip -n "$HOST" -o link show type veth)" ]
	# DEL of such a config still succeeds (there is nothing of it to undo).
	plug netns-ptp DEL a "/run/netns/$c" < <(jq -c '.ipMasqBackend = "iptables"' <<<"$conf")
	# nftables: the masquerade element is there.
	plug netns-ptp ADD a "/run/netns/$c" < <(jq -c '.ipMasqBackend = "nftables"' <<<"$conf") >/dev/null
	netns exec "$HOST" nft list map inet netns-ptp addr4 | grep -q '10.136.0.2 comment "net1 a eth0"'
	plug netns-ptp DEL a "/run/netns/$c" < <(jq -c '.ipMasqBackend = "nftables"' <<<"$conf")
	# Without ipMasq there is nothing to masquerade: iptables is moot.
	out=$(plug netns-ptp ADD b "/run/netns/$c" < <(jq -c '.ipMasq = false | .ipMasqBackend = "iptables"' <<<"$conf"))
	[ "$(jq -r '.ips[0].address' <<<"$out")" = 10.136.0.3/24 ]
	plug netns-ptp DEL b "/run/netns/$c" < <(jq -c '.ipMasq = false | .ipMasqBackend = "iptables"' <<<"$conf")
}

# old_conf TYPE IPAMTYPE N VERSION DIR: a dual-stack ptp config on 10.N.0.0/24
# and fd00:N::/64, with a route of each family and one with its own gw;
# VERSION "-" leaves cniVersion out.
old_conf() {
	jq -cn --arg t "$1" --arg i "$2" --arg n "$3" --arg v "$4" --arg d "$5" \
		'{cniVersion: $v, name: "net1", type: $t,
		  ipam: {type: $i, dataDir: $d,
			 ranges: [[{subnet: "10.\($n).0.0/24"}], [{subnet: "fd00:\($n)::/64"}]],
			 routes: [{dst: "0.0.0.0/0"}, {dst: "::/0"}, {dst: "10.9.0.0/16", gw: "10.\($n).0.1"}]},
		  dns: {nameservers: ["192.0.2.53"]}} | if $v == "-" then del(.cniVersion) else . end'
}

@test "cni-bounds: cniVersion 0.1.0, 0.2.0, empty or missing: the reference's ip4/ip6 result, errors and VERSION" {
	need_ref
	local c1 c2 v ipam r1 r2 ref ours p
	c1=$(uniq_name c1) c2=$(uniq_name c2)
	mkc "$c1" "$c2"
	for v in 0.1.0 0.2.0 "" -; do
		r1=$(old_conf ptp host-local 137 "$v" "$DATA/ref" | plug "$REF/ptp" ADD a "/run/netns/$c1")
		[ "$(jq -r '.ip4.ip' <<<"$r1")" != null ]
		for ipam in netns-ipam host-local; do
			r2=$(old_conf netns-ptp "$ipam" 138 "$v" "$DATA/our-$ipam" | plug netns-ptp ADD a "/run/netns/$c2")
			diff <(jq -S . <<<"$r1") <(jq -S . <<<"$r2" | sed 's/10\.138\./10.137./g; s/fd00:138:/fd00:137:/g')
			# The container got what the result says.
			[ "$(ip -n "$c2" -o addr show dev eth0 scope global | awk '{print $4}' | sort | paste -sd' ')" = \
				"$(jq -r '.ip4.ip, .ip6.ip' <<<"$r2" | sort | paste -sd' ')" ]
			old_conf netns-ptp "$ipam" 138 "$v" "$DATA/our-$ipam" | plug netns-ptp DEL a "/run/netns/$c2"
		done
		# netns-ipam alone answers as host-local alone.
		r1=$(old_conf x host-local 137 "$v" "$DATA/ref2" | plug "$REF/host-local" ADD a /x)
		r2=$(old_conf x netns-ipam 137 "$v" "$DATA/our2" | plug netns-ipam ADD a /x)
		diff <(jq -S . <<<"$r1") <(jq -S . <<<"$r2")
		old_conf x host-local 137 "$v" "$DATA/ref2" | plug "$REF/host-local" DEL a -
		old_conf x netns-ipam 137 "$v" "$DATA/our2" | plug netns-ipam DEL a -
		old_conf ptp host-local 137 "$v" "$DATA/ref" | plug "$REF/ptp" DEL a "/run/netns/$c1"
	done
	[ -z "$(ip -n "$HOST" -o link show type veth | grep -v ptpdel)" ]
	# CHECK before 0.4.0 and a cniVersion that is not a string: the same codes.
	for p in "$REF/ptp" netns-ptp; do
		run plug "$p" CHECK a "/run/netns/$c2" < <(old_conf ptp host-local 139 0.2.0 "$DATA/x")
		assert_cni_error "$output" 1
		run plug "$p" ADD a "/run/netns/$c2" < <(old_conf ptp host-local 139 0.2.0 "$DATA/x" | jq -c '.cniVersion = 2')
		assert_cni_error "$output" 6
	done
	# VERSION: every version the reference speaks, and 1.1.0.
	for p in ptp host-local; do
		ref=$(echo '{"cniVersion":"0.1.0"}' | plug "$REF/$p" VERSION x -)
		ours=$(echo '{"cniVersion":"0.1.0"}' | plug "netns-${p/host-local/ipam}" VERSION x -)
		[ "$(jq -nc --argjson a "$ref" --argjson b "$ours" '$a.supportedVersions - $b.supportedVersions')" = '[]' ]
		[ "$(jq -c .supportedVersions <<<"$ours")" = '["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' ]
	done
}
