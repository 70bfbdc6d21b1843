#!/usr/bin/env bats
# netns-ipam alone (cni/lib/ipam-run.c, cni/lib/store.c, cni/lib/range.c): its index of
# the host-local store, host-local and netns-ipam taking turns on one store,
# and requested addresses (CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips).
# As in cni.bats, each test runs the plugins in a network namespace of its
# own that plays the host ($HOST), on a scratch dataDir; the index lives in
# /run/netns-ipam, which is the sandbox's own (tests/run.sh).

load core-helpers

REF=/usr/lib/cni
IDXROOT=/run/netns-ipam

setup() {
	[ -x "$BUILD/netns-ipam" ] || {
		echo "# $BUILD/netns-ipam is missing: build it first" >&2
		return 1
	}
	command -v jq >/dev/null || { echo "# jq is missing (apt-get install jq)" >&2; return 1; }
	HOST=$(uniq_name host)
	netns add "$HOST"
	track_name "$HOST"
	mk_scratch DATA
	STORE=$DATA/net1
}

teardown() {
	local s
	# The index of a store this test left non-empty (it is removed with
	# the last allocation otherwise).
	for s in "$DATA"/*/; do
		[ -d "$s" ] && rm -rf "$(index_of "$s")"
	done
	cleanup_tracked
	cleanup_scratch
}

need_ref() {
	[ -x "$REF/host-local" ] ||
		skip "the reference host-local is not installed (apt-get install containernetworking-plugins)"
}

# plug PLUGIN COMMAND ID [VAR=VALUE...]: runs PLUGIN in $HOST with the CNI
# environment (CNI_IFNAME=$IFN, default eth0) and stdin as the config.
plug() {
	local plugin=$1 cmd=$2 id=$3
	shift 3
	netns exec "$HOST" env -u CNI_ARGS CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
		CNI_IFNAME="${IFN:-eth0}" CNI_NETNS=/x CNI_PATH="$BUILD:$REF" "$@" "$plugin"
}

# conf VERSION SUBNETS-JSON: the config of network net1 on $DATA.
conf() {
	jq -cn --arg v "$1" --argjson r "$2" --arg d "$DATA" \
		'{cniVersion: $v, name: "net1", type: "x", ipam: {type: "x", dataDir: $d, ranges: $r}}'
}

# The allocations of net1, one "ADDRESS ID|IFNAME" line each, sorted.
store_list() {
	local f c
	for f in "$STORE"/*; do
		case ${f##*/} in lock | last_reserved_ip.* | '*') continue ;; esac
		c=$(<"$f")
		printf '%s %s\n' "${f##*/}" "${c//$'\r\n'/|}"
	done | LC_ALL=C sort
}

# index_of DIR: where netns-ipam keeps the index of store DIR.
index_of() {
	local dev ino
	read -r dev ino < <(stat -c '%d %i' "$1")
	printf '%s/%x-%x\n' "$IDXROOT" "$dev" "$ino"
}

# The count of allocations the index of net1 records.
index_count() {
	awk '{ print $6 }' "$(index_of "$STORE")/stamp"
}

assert_cni_error() {
	local out=$1 code=$2
	[ "$(jq -r .code <<<"$out")" = "$code" ] || { echo "# want code $code: $out" >&2; return 1; }
	[ -n "$(jq -r '.msg // empty' <<<"$out")" ] || { echo "# no msg: $out" >&2; return 1; }
}

# addr_of RESULT: its first address.
addr_of() { jq -r '.ips[0].address' <<<"$1"; }

@test "cni-ipam: the index lives outside the store, lists each attachment, and goes with the last allocation" {
	local c='[[{"subnet":"10.110.0.0/24"}],[{"subnet":"fd00:110::/120"}]]' idx id
	for id in a b c; do conf 1.0.0 "$c" | plug netns-ipam ADD "$id" >/dev/null; done
	IFN=eth1 plug netns-ipam ADD a < <(conf 1.0.0 "$c") >/dev/null
	# The store holds host-local's files and nothing else.
	[ "$(ls -A "$STORE" | LC_ALL=C sort | paste -sd' ')" = "10.110.0.2 10.110.0.3 10.110.0.4 10.110.0.5 fd00:110::2 fd00:110::3 fd00:110::4 fd00:110::5 last_reserved_ip.0 last_reserved_ip.1 lock" ]
	idx=$(index_of "$STORE")
	[ "$(ls "$idx" | LC_ALL=C sort | paste -sd' ')" = "a:eth0 a:eth1 b:eth0 c:eth0 stamp" ]
	[ "$(LC_ALL=C sort "$idx/b:eth0" | paste -sd' ')" = "10.110.0.3 fd00:110::3" ]
	[ "$(index_count)" = 8 ]
	[[ $(<"$idx/stamp") == *" $STORE" ]]
	conf 1.0.0 "$c" | plug netns-ipam DEL b
	[ ! -e "$idx/b:eth0" ]
	[ "$(index_count)" = 6 ]
	for id in a c; do conf 1.0.0 "$c" | plug netns-ipam DEL "$id"; done
	[ "$(index_count)" = 2 ]
	IFN=eth1 plug netns-ipam DEL a < <(conf 1.0.0 "$c")
	[ -z "$(store_list)" ]
	[ ! -e "$idx" ]
}

@test "cni-ipam: host-local allocates, netns-ipam sees it, refuses the duplicate and releases it" {
	need_ref
	local c out
	c=$(conf 1.0.0 '[[{"subnet":"10.111.0.0/24"}]]')
	plug netns-ipam ADD n1 <<<"$c" >/dev/null # the index exists and is trusted
	plug "$REF/host-local" ADD h1 <<<"$c" >/dev/null
	run plug netns-ipam ADD h1 <<<"$c"
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == *"10.111.0.3 has been allocated to h1, duplicate allocation is not allowed"* ]]
	plug netns-ipam CHECK h1 <<<"$c"
	[ "$(index_count)" = 2 ]
	plug netns-ipam DEL h1 <<<"$c"
	[ "$(store_list)" = "10.111.0.2 n1|eth0" ]
	# host-local releases what netns-ipam allocated; netns-ipam sees it gone.
	plug "$REF/host-local" DEL n1 <<<"$c"
	run plug netns-ipam CHECK n1 <<<"$c"
	[ "$status" -eq 1 ]
	out=$(plug netns-ipam ADD n1 <<<"$c")
	[ "$(addr_of "$out")" = 10.111.0.4/24 ]
	[ "$(store_list)" = "10.111.0.4 n1|eth0" ]
	[ "$(index_count)" = 1 ]
}

@test "cni-ipam: netns-ipam allocates, host-local sees it and refuses the duplicate, as netns-ipam does" {
	need_ref
	local c
	c=$(conf 1.0.0 '[[{"subnet":"10.112.0.0/24"}]]')
	plug netns-ipam ADD n1 <<<"$c" >/dev/null
	run plug "$REF/host-local" ADD n1 <<<"$c"
	[ "$status" -eq 1 ]
	[[ $output == *"duplicate allocation is not allowed"* ]]
	plug "$REF/host-local" CHECK n1 <<<"$c"
	run plug netns-ipam ADD n1 <<<"$c"
	[ "$status" -eq 1 ]
	[[ $output == *"duplicate allocation is not allowed"* ]]
	[ "$(store_list)" = "10.112.0.2 n1|eth0" ]
	# Turns, many of them: each sees the other's last change at once.
	local i
	for i in $(seq 5); do
		plug "$REF/host-local" ADD "h$i" <<<"$c" >/dev/null
		run plug netns-ipam ADD "h$i" <<<"$c"
		[ "$status" -eq 1 ]
		plug netns-ipam ADD "n$((i + 1))" <<<"$c" >/dev/null
		run plug "$REF/host-local" ADD "n$((i + 1))" <<<"$c"
		[ "$status" -eq 1 ]
	done
	[ "$(store_list | wc -l)" -eq 11 ]
	for i in $(seq 5); do
		plug netns-ipam DEL "h$i" <<<"$c"
		plug "$REF/host-local" DEL "n$((i + 1))" <<<"$c"
	done
	[ "$(store_list)" = "10.112.0.2 n1|eth0" ]
	plug netns-ipam CHECK n1 <<<"$c"
	[ "$(index_count)" = 1 ]
}

@test "cni-ipam: a change made right after netns-ipam's, within the same clock tick, is still seen" {
	# A host-local that was waiting for the lock can change the store
	# within the same tick of the clock that stamps the directory's mtime:
	# the shell plays it here, writing an allocation as host-local does
	# microseconds after netns-ipam returns. On ramfs, because it stamps
	# with the coarse clock, as every file system did before Linux 6.13's
	# multigrain timestamps (ext4, xfs, btrfs and tmpfs now give a
	# directory a fresh fine-grained time once its times were read).
	local c i
	mkdir "$DATA/ram"
	mount -n -t ramfs netns-test "$DATA/ram" || skip "cannot mount ramfs"
	DATA=$DATA/ram
	STORE=$DATA/net1
	c=$(conf 1.0.0 '[[{"subnet":"10.113.0.0/24"}]]')
	for i in $(seq 2 21); do
		plug netns-ipam ADD "n$i" <<<"$c" >/dev/null
		printf 'h%d\r\neth0' "$i" >"$STORE/10.113.0.$((i + 100))"
		run plug netns-ipam ADD "h$i" <<<"$c"
		[ "$status" -eq 1 ] || { echo "# round $i: h$i's allocation was not seen: $output"; return 1; }
		[[ $output == *"10.113.0.$((i + 100)) has been allocated to h$i"* ]]
	done
	for i in $(seq 2 21); do
		rm "$STORE/10.113.0.$((i + 100))"
		run plug netns-ipam CHECK "h$i" <<<"$c"
		[ "$status" -eq 1 ] || { echo "# round $i: h$i's removal was not seen"; return 1; }
	done
}

@test "cni-ipam: a person's changes to the store or the index are seen: the index is rebuilt" {
	local c out idx
	c=$(conf 1.0.0 '[[{"subnet":"10.114.0.0/24"}]]')
	plug netns-ipam ADD a <<<"$c" >/dev/null
	plug netns-ipam ADD b <<<"$c" >/dev/null
	idx=$(index_of "$STORE")
	# An allocation written by hand, and one of before host-local 0.9
	# (the id alone): DEL and the duplicate check find them.
	printf 'p\r\neth0' >"$STORE/10.114.0.50"
	printf 'old\n' >"$STORE/10.114.0.51"
	run plug netns-ipam ADD p <<<"$c"
	[[ $output == *"10.114.0.50 has been allocated to p"* ]]
	run plug netns-ipam ADD old <<<"$c"
	[[ $output == *"10.114.0.51 has been allocated to old"* ]]
	plug netns-ipam DEL old <<<"$c"
	plug netns-ipam DEL p <<<"$c"
	[ "$(store_list | paste -sd' ')" = "10.114.0.2 a|eth0 10.114.0.3 b|eth0" ]
	# An index file removed, the stamp spoilt, the index removed.
	rm "$idx/a:eth0"
	plug netns-ipam CHECK a <<<"$c"
	echo garbage >"$idx/stamp"
	plug netns-ipam CHECK b <<<"$c"
	rm -r "$idx"
	run plug netns-ipam ADD a <<<"$c"
	[ "$status" -eq 1 ]
	[ "$(index_count)" = 2 ]
	# An index that lies (an entry edited by hand to another owner): the
	# check against the address file catches it.
	printf 'b\r\neth0' >"$STORE/10.114.0.2"
	run plug netns-ipam CHECK a <<<"$c"
	[ "$status" -eq 1 ]
	plug netns-ipam DEL b <<<"$c"
	[ -z "$(store_list)" ]
	out=$(plug netns-ipam ADD a <<<"$c")
	[ "$(addr_of "$out")" = 10.114.0.4/24 ]
}

@test "cni-ipam: the index of a store that is gone is swept away by the next rebuild" {
	local c gone
	c=$(conf 1.0.0 '[[{"subnet":"10.115.0.0/24"}]]')
	plug netns-ipam ADD a <<<"$c" >/dev/null
	gone=$(index_of "$STORE")
	[ -d "$gone" ]
	# A store netns-ipam has not indexed yet (made first, so that it cannot
	# get net1's inode number): its first call rebuilds.
	mkdir -p "$DATA/net2"
	printf 'x\r\neth0' >"$DATA/net2/10.115.0.9"
	rm -r "$STORE"
	jq -c '.name = "net2"' <<<"$c" | plug netns-ipam CHECK x
	[ ! -e "$gone" ]
	[ -d "$(index_of "$DATA/net2")" ]
}

@test "cni-ipam: 30 concurrent ADDs and GC keep the index true; 30 DELs leave no index" {
	local c i pids=() fails=0
	c=$(conf 1.1.0 '[[{"subnet":"10.116.0.0/24"}]]')
	for i in $(seq 30); do
		plug netns-ipam ADD "k$i" <<<"$c" >"$DATA/r$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	[ "$fails" -eq 0 ]
	[ "$(cat "$DATA"/r* | jq -r '.ips[0].address' | sort -u | wc -l)" -eq 30 ]
	[ "$(index_count)" = 30 ]
	[ "$(ls "$(index_of "$STORE")" | grep -c ':eth0$')" -eq 30 ]
	jq -c '. + {"cni.dev/valid-attachments": [range(1; 21) | {containerID: "k\(.)", ifname: "eth0"}]}' <<<"$c" |
		plug netns-ipam GC x
	[ "$(store_list | wc -l)" -eq 20 ]
	run plug netns-ipam CHECK k25 <<<"$c"
	[ "$status" -eq 1 ]
	for i in $(seq 30); do plug netns-ipam DEL "k$i" <<<"$c" & done
	wait
	[ -z "$(store_list)" ]
	[ ! -e "$(index_of "$STORE")" ]
}

@test "cni-ipam: requested addresses from CNI_ARGS, args.cni.ips and runtimeConfig.ips, as host-local gives them" {
	need_ref
	local c out ref v
	c=$(conf 1.0.0 '[[{"subnet":"10.117.0.0/24"}],[{"subnet":"fd00:117::/120"}]]')
	out=$(plug netns-ipam ADD a CNI_ARGS='IP=10.117.0.9,fd00:117::9' <<<"$c")
	[ "$(jq -r '.ips[].address' <<<"$out" | paste -sd' ')" = "10.117.0.9/24 fd00:117::9/120" ]
	[ "$(jq -r '.ips[].gateway' <<<"$out" | paste -sd' ')" = "10.117.0.1 fd00:117::1" ]
	[ "$(cat "$STORE/last_reserved_ip.0")" = 10.117.0.9 ]
	out=$(plug netns-ipam ADD b < <(jq -c '.args.cni.ips = ["10.117.0.20"]' <<<"$c"))
	[ "$(jq -r '.ips[].address' <<<"$out" | paste -sd' ')" = "10.117.0.20/24 fd00:117::a/120" ]
	# the "ips" capability: ADDRESS/PREFIX as runtimes pass it
	out=$(plug netns-ipam ADD c < <(jq -c '.runtimeConfig.ips = ["fd00:117::30/120", "10.117.0.30/24"]' <<<"$c"))
	[ "$(jq -r '.ips[].address' <<<"$out" | paste -sd' ')" = "10.117.0.30/24 fd00:117::30/120" ]
	[ "$(store_list | paste -sd' ')" = "10.117.0.20 b|eth0 10.117.0.30 c|eth0 10.117.0.9 a|eth0 fd00:117::30 c|eth0 fd00:117::9 a|eth0 fd00:117::a b|eth0" ]
	# The same requests to host-local on a store of its own: the same
	# results (version 0.4.0 too) and the same store.
	for v in 1.0.0 0.4.0; do
		[ ! -d "$DATA/our/net1" ] || rm -rf "$(index_of "$DATA/our/net1")"
		rm -rf "$DATA/ref" "$DATA/our"
		ref=$(jq -c --arg v "$v" --arg d "$DATA/ref" '.cniVersion = $v | .ipam.dataDir = $d | .args.cni.ips = ["10.117.0.40"]' <<<"$c" |
			plug "$REF/host-local" ADD r CNI_ARGS='IP=fd00:117::40')
		out=$(jq -c --arg v "$v" --arg d "$DATA/our" '.cniVersion = $v | .ipam.dataDir = $d | .args.cni.ips = ["10.117.0.40"]' <<<"$c" |
			plug netns-ipam ADD r CNI_ARGS='IP=fd00:117::40')
		diff <(jq -S . <<<"$ref") <(jq -S . <<<"$out")
		diff -r "$DATA/ref" "$DATA/our"
	done
	rm -rf "$(index_of "$DATA/our/net1")"
}

@test "cni-ipam: last_reserved_ip.N holds exactly the last address after a longer one, as host-local writes it" {
	need_ref
	local c d plugin
	# After .254 comes .2 (wrapping): a shorter address over a longer one,
	# which netns-ipam writes in place and truncates.
	for plugin in "$REF/host-local" netns-ipam; do
		d=$DATA/${plugin##*/}
		c=$(jq -c --arg d "$d" '.ipam.dataDir = $d' < <(conf 1.0.0 '[[{"subnet":"10.118.0.0/24"}]]'))
		mkdir -p "$d/net1"
		printf '10.118.0.254' >"$d/net1/last_reserved_ip.0"
		[ "$(plug "$plugin" ADD a <<<"$c" | jq -r '.ips[0].address')" = 10.118.0.2/24 ]
		[ "$(od -An -c "$d/net1/last_reserved_ip.0" | tr -d ' \n')" = 10.118.0.2 ]
		[ "$(plug "$plugin" ADD b <<<"$c" | jq -r '.ips[0].address')" = 10.118.0.3/24 ]
		plug "$plugin" DEL a <<<"$c"
	done
	diff -r "$DATA/host-local" "$DATA/netns-ipam"
	plug netns-ipam DEL b <<<"$c"
	[ ! -e "$(index_of "$DATA/netns-ipam/net1")" ]
}

@test "cni-ipam: a requested address that is taken, the gateway, outside the ranges or malformed fails and reserves nothing" {
	local c before out
	c=$(conf 1.0.0 '[[{"subnet":"10.118.0.0/24","rangeStart":"10.118.0.10","rangeEnd":"10.118.0.20"}],[{"subnet":"fd00:118::/120"}]]')
	plug netns-ipam ADD a CNI_ARGS='IP=10.118.0.12' <<<"$c" >/dev/null
	# (last_reserved_ip.N may move, as with host-local: it is not a reservation)
	before=$(store_list; index_count)
	# taken
	run plug netns-ipam ADD b CNI_ARGS='IP=fd00:118::7,10.118.0.12' <<<"$c"
	[ "$status" -eq 1 ]
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == "failed to allocate for range 0: requested IP address 10.118.0.12 is not available in range set 10.118.0.10-10.118.0.20" ]]
	# the gateway (and the first range set's address is given back)
	run plug netns-ipam ADD b < <(jq -c '.runtimeConfig.ips = ["10.118.0.11/24", "fd00:118::1/120"]' <<<"$c")
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == *"requested ip fd00:118::1 is subnet's gateway" ]]
	# outside every range set: another subnet, or the subnet outside rangeStart-rangeEnd
	for out in 10.119.0.5 10.118.0.5; do
		run plug netns-ipam ADD b CNI_ARGS="IP=$out" <<<"$c"
		assert_cni_error "$output" 999
		[[ $(jq -r .msg <<<"$output") == *"$out is in no range set"* ]]
	done
	run plug netns-ipam ADD b < <(jq -c '.args.cni.ips = ["10.118.0.13", "10.118.0.14"]' <<<"$c")
	assert_cni_error "$output" 999
	[[ $(jq -r .msg <<<"$output") == *"10.118.0.13 and 10.118.0.14 are both in range set 0"* ]]
	# malformed: CNI_ARGS is the environment (4), the others the config (7)
	run plug netns-ipam ADD b CNI_ARGS='IP=10.118.0.300' <<<"$c"
	assert_cni_error "$output" 4
	run plug netns-ipam ADD b CNI_ARGS='IP=10.118.0.13,' <<<"$c"
	assert_cni_error "$output" 4
	run plug netns-ipam ADD b < <(jq -c '.args.cni.ips = ["10.118.0.13/33"]' <<<"$c")
	assert_cni_error "$output" 7
	run plug netns-ipam ADD b < <(jq -c '.runtimeConfig.ips = "10.118.0.13"' <<<"$c")
	assert_cni_error "$output" 7
	run plug netns-ipam ADD b < <(jq -c '.runtimeConfig.ips = [13]' <<<"$c")
	assert_cni_error "$output" 7
	[ "$(store_list; index_count)" = "$before" ]
	# A request does not skip the other checks: an unknown CNI_ARGS key.
	run plug netns-ipam ADD b CNI_ARGS='IP=10.118.0.13;X=1' <<<"$c"
	assert_cni_error "$output" 2
	[ "$(store_list; index_count)" = "$before" ]
}

@test "cni-ipam: an id too long for an index file name is still found (by a scan)" {
	local c long out
	long=$(printf 'x%.0s' $(seq 300))
	c=$(conf 1.0.0 '[[{"subnet":"10.120.0.0/24"}]]')
	plug netns-ipam ADD short <<<"$c" >/dev/null
	out=$(plug netns-ipam ADD "$long" <<<"$c")
	[ "$(addr_of "$out")" = 10.120.0.3/24 ]
	run plug netns-ipam ADD "$long" <<<"$c"
	[[ $output == *"duplicate allocation is not allowed"* ]]
	plug netns-ipam CHECK "$long" <<<"$c"
	[ "$(index_count)" = 2 ]
	plug netns-ipam DEL "$long" <<<"$c"
	[ "$(store_list)" = "10.120.0.2 short|eth0" ]
	[ "$(index_count)" = 1 ]
}
