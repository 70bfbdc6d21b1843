#!/usr/bin/env bats
# netns-loopback beside the reference loopback: through libcni
# (tests/cni/driver) for every spec version both speak, the same conflist
# with only the type changed, and by hand for what libcni 1.1.2 cannot send
# (a DEL without CNI_NETNS, GC, STATUS, a prevResult). Each test makes its
# container namespace (and a host namespace the plugins run in).

load cni-plugin-helpers

bats_require_minimum_version 1.5.0

DRIVER="$BUILD/tests/cni-driver"
CNI_VERSIONS=(0.3.0 0.3.1 0.4.0 1.0.0)

setup_file() {
	if command -v go >/dev/null 2>&1; then
		make -s -C "$NETNS_TESTS/.." BUILD="$BUILD" cni-driver >/dev/null
	fi
}

setup() {
	[ -x "$BUILD/netns-loopback" ] || skip "$BUILD/netns-loopback is not built"
	command -v jq >/dev/null || skip "jq is not installed"
	HOSTNS=$(uniq_name host)
	CTR=$(uniq_name ctr)
	track_name "$HOSTNS" "$CTR"
	netns add "$HOSTNS"
	netns add "$CTR"
	mk_scratch WORK
}

# drive add|check|del VERSION TYPE: a one-plugin conflist through libcni.
drive() {
	jq -n --arg v "$2" --arg t "$3" '{cniVersion: $v, name: "lot", plugins: [{type: $t}]}' \
		>"$WORK/lo.conflist"
	netns exec "$HOSTNS" "$DRIVER" -path "$BUILD:$REF" -cache-dir "$WORK/cache" \
		"$1" "$WORK/lo.conflist" lo1 "/run/netns/$CTR" eth0
}

# lo_up: whether the container's lo is up, "up" or "down".
lo_up() {
	if ip -n "$CTR" link show dev lo | grep -q '<[^>]*\bUP\b'; then echo up; else echo down; fi
}

# lifecycle VERSION TYPE: ADD (lo up, the result), CHECK, CHECK of a lo set
# down, DEL (lo down), DEL once the namespace is gone. RESULT: ADD's output.
lifecycle() {
	local v=$1 t=$2
	[ "$(lo_up)" = down ]
	run -0 --separate-stderr drive add "$v" "$t"
	RESULT=$(jq -S . <<<"$output")
	[ "$(lo_up)" = up ]
	if [[ $v != 0.3.* ]]; then
		run -0 --separate-stderr drive check "$v" "$t"
		ip -n "$CTR" link set lo down
		run -1 --separate-stderr drive check "$v" "$t"
		[[ $stderr == *"loopback interface is down"* ]] || { echo "# $stderr"; return 1; }
		ip -n "$CTR" link set lo up
	fi
	run -0 --separate-stderr drive del "$v" "$t"
	[ "$(lo_up)" = down ]
}

@test "netns-loopback gives the reference loopback's result, CHECK and DEL, every spec version" {
	[ -x "$DRIVER" ] || skip "$DRIVER is not built (golang-go, golang-github-appc-cni-dev)"
	[ -x "$REF/loopback" ] || skip "the reference loopback is not installed"
	local v ref
	for v in "${CNI_VERSIONS[@]}"; do
		echo "# spec $v"
		lifecycle "$v" loopback
		ref=$RESULT
		lifecycle "$v" netns-loopback
		[ "$RESULT" = "$ref" ] || { diff <(echo "$ref") <(echo "$RESULT"); return 1; }
		[ "$(jq -r '.ips | map(.address) | join(" ")' <<<"$RESULT")" = "127.0.0.1/8 ::1/128" ]
		[ "$(jq -r '.interfaces[0].name' <<<"$RESULT")" = lo ]
	done
	# DEL once the namespace is gone: success, as the reference's.
	netns delete "$CTR"
	run -0 --separate-stderr drive del 1.0.0 netns-loopback
	run -0 --separate-stderr drive del 1.0.0 loopback
}

# lo_plug PLUGIN COMMAND NETNS CONFIG: PLUGIN by hand in HOSTNS.
lo_plug() {
	local -a e=(CNI_COMMAND="$2" CNI_CONTAINERID=lo1 CNI_IFNAME=eth0 CNI_PATH="$BUILD:$REF")
	[ "$3" = - ] || e+=(CNI_NETNS="$3")
	netns exec "$HOSTNS" env "${e[@]}" "$1" <<<"$4"
}

@test "netns-loopback passes a prevResult on as the reference does" {
	[ -x "$REF/loopback" ] || skip "the reference loopback is not installed"
	local conf ref
	conf='{"cniVersion":"1.0.0","name":"lot","type":"loopback","prevResult":{"cniVersion":"1.0.0",
		"interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.1.2.3/24"}]}}'
	run -0 lo_plug "$REF/loopback" ADD "/run/netns/$CTR" "$conf"
	ref=$(jq -S . <<<"$output")
	run -0 lo_plug "$BUILD/netns-loopback" ADD "/run/netns/$CTR" "$conf"
	[ "$(jq -S . <<<"$output")" = "$ref" ]
	[ "$(jq -r '.ips[0].address' <<<"$ref")" = 10.1.2.3/24 ]
	[ "$(lo_up)" = up ]
}

@test "netns-loopback: DEL without CNI_NETNS or with a missing one succeeds; a file that is no namespace fails" {
	local conf='{"cniVersion":"1.0.0","name":"lot","type":"loopback"}'
	run -0 lo_plug "$BUILD/netns-loopback" DEL - "$conf"
	[ -z "$output" ]
	run -0 lo_plug "$BUILD/netns-loopback" DEL /run/netns/none-such "$conf"
	[ -z "$output" ]
	touch "$WORK/plain"
	run -1 lo_plug "$BUILD/netns-loopback" DEL "$WORK/plain" "$conf"
	assert_cni_error "$output" 4
	# ADD on a missing namespace: the spec's code 3.
	run -1 lo_plug "$BUILD/netns-loopback" ADD /run/netns/none-such "$conf"
	assert_cni_error "$output" 3
}

@test "netns-loopback: VERSION, and GC and STATUS of spec 1.1.0 succeed silently" {
	run -0 lo_plug "$BUILD/netns-loopback" VERSION - ""
	[ "$(jq -r '.supportedVersions | index("1.0.0") != null' <<<"$output")" = true ]
	run -0 lo_plug "$BUILD/netns-loopback" GC - \
		'{"cniVersion":"1.1.0","name":"lot","type":"loopback","cni.dev/valid-attachments":[]}'
	[ -z "$output" ]
	run -0 lo_plug "$BUILD/netns-loopback" STATUS - '{"cniVersion":"1.1.0","name":"lot","type":"loopback"}'
	[ -z "$output" ]
	# CHECK before 0.4.0 is the spec's version error.
	run -1 lo_plug "$BUILD/netns-loopback" CHECK "/run/netns/$CTR" '{"cniVersion":"0.3.1","name":"lot","type":"loopback"}'
	assert_cni_error "$output" 1
}
