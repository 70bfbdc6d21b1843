#!/bin/sh
# netns-ptp + netns-ipam against the reference ptp + host-local (Debian's
# containernetworking-plugins), each invoked as a runtime does: exec with the
# CNI environment and the config on stdin. Side by side in one run, inside a
# network namespace of its own acting as the host (ipMasq on, so each pair
# also writes its firewall rules there): median ADD, CHECK and DEL of
# CNI_BENCH_N cycles (default 21), with ipMasq on and off, with 1 and 1,000
# containers attached already (their allocations and masquerade rules), and
# the speed-up (reference ms / ours); IPAM alone with 1 and 1,000
# allocations already stored, a burst of 30 concurrent ADDs (p50, p99), and
# peak RSS; and the bridge pairs (bridge + host-local against netns-bridge +
# netns-ipam), ADD and DEL of one container.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
: "${BUILD:?set BUILD to the build directory}"
REF=/usr/lib/cni
if [ ! -x "$REF/ptp" ] || [ ! -x "$BUILD/netns-ptp" ]; then
	echo "cni: skipped: needs $REF/ptp (containernetworking-plugins) and $BUILD/netns-ptp"
	exit 0
fi
[ -n "${CNI_BENCH_HOST:-}" ] || exec env CNI_BENCH_HOST=1 unshare --net bash "$0" "$@"
N=${CNI_BENCH_N:-21}
D=$(mktemp -d)
NAMES=()
cleanup() {
	for n in "${NAMES[@]}"; do netns delete "$n" 2>/dev/null || true; done
	rm -rf "$D"
}
trap cleanup EXIT
ns() { netns add "$1"; NAMES+=("$1"); }
# now VAR: the time in ns into VAR, without a process: $(date +%s%N)
# put the exec of date (~1 ms) into every interval it closed.
now() { printf -v "$1" '%s000' "${EPOCHREALTIME/[.,]/}"; }
med() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1e6 }'; }
conf() { # TYPE IPAM DATADIR SUBNET
	jq -cn --arg t "$1" --arg i "$2" --arg d "$3" --arg s "$4" \
		'{cniVersion: "1.0.0", name: "bench", type: $t, ipMasq: true,
		  ipam: {type: $i, dataDir: $d, ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}]}}'
}
export CNI_IFNAME=eth0 CNI_PATH="$BUILD:$REF"
ns "cnib-$$"
# prefill PAIR DATADIR N MASQ: N containers attached already, as far as the
# IPAM store and the masquerade rules go (no veths: the kernel's link table
# is a hash): an allocation file each, and each pair's own kind of rule,
# as its plugin writes them (the reference's CNI-HASH chain per container
# through iptables-restore; netns-ptp's map element, its network's chain
# made by one real ADD first).
prefill() {
	local pair=$1 dir=$2 n=$3 masq=$4 i ip
	rm -rf "$dir"; mkdir -p "$dir/bench"
	for i in $(seq 2 $((n + 1))); do
		printf 'pre%d\r\neth0' "$i" >"$dir/bench/10.60.$((i / 256)).$((i % 256))"
	done
	[ "$masq" = true ] || return 0
	if [ "$pair" = ptp ]; then
		{
			echo '*nat'
			for i in $(seq 2 $((n + 1))); do echo ":CNI-pre$i - [0:0]"; done
			for i in $(seq 2 $((n + 1))); do
				ip=10.60.$((i / 256)).$((i % 256))
				echo "-A POSTROUTING -s $ip/32 -m comment --comment \"name: bench id: pre$i\" -j CNI-pre$i"
				echo "-A CNI-pre$i -d 10.60.0.0/16 -m comment --comment \"name: bench id: pre$i\" -j ACCEPT"
				echo "-A CNI-pre$i ! -d 224.0.0.0/4 -m comment --comment \"name: bench id: pre$i\" -j MASQUERADE"
			done
			echo COMMIT
		} | iptables-restore --noflush
	else
		for i in $(seq 2 $((n + 1))); do
			echo "add element inet netns-ptp addr4 { 10.60.$((i / 256)).$((i % 256)) comment \"bench pre$i eth0\" : jump n4-0a3c0000-16 }"
		done | nft -f -
	fi
}
# unfill: no rules of either pair left.
unfill() {
	iptables -t nat -F 2>/dev/null || true
	iptables -t nat -X 2>/dev/null || true
	nft delete table inet netns-ptp 2>/dev/null || true
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'; }
echo "| pair | ipMasq | attached | ADD (ms) | CHECK (ms) | DEL (ms) | peak RSS of ADD (KiB) |"
echo "|---|---|---:|---:|---:|---:|---:|"
: >"$D/ratios"
PAIRS=("ptp host-local $REF/ptp" "netns-ptp netns-ipam $BUILD/netns-ptp")
export CNI_CONTAINERID=bench CNI_NETNS=/run/netns/cnib-$$
for masq in true false; do
	for att in 1 1000; do
		# Both pairs' containers and rules side by side (each its own
		# store and kind of rule), their cycles taking turns, so that a
		# change in the machine's load falls on both alike.
		unfill
		for k in 0 1; do
			set -- ${PAIRS[k]}
			conf "$1" "$2" "$D/$1" 10.60.0.0/16 | jq -c --argjson m "$masq" '.ipMasq = $m' >"$D/conf$k"
			if [ "$1" = netns-ptp ] && [ "$masq" = true ]; then
				CNI_COMMAND=ADD "$3" <"$D/conf$k" >/dev/null; CNI_COMMAND=DEL "$3" <"$D/conf$k"
			fi
			prefill "$1" "$D/$1" "$att" "$masq"
			: >"$D/a$k"; : >"$D/c$k"; : >"$D/d$k"
		done
		for _ in $(seq "$N"); do
			for k in 0 1; do
				set -- ${PAIRS[k]}
				c=$(<"$D/conf$k")
				now t0; r=$(CNI_COMMAND=ADD "$3" <<<"$c"); now t1
				chk=$(jq -c --argjson p "$r" '. + {prevResult: $p}' <<<"$c")
				now t2; CNI_COMMAND=CHECK "$3" <<<"$chk" >/dev/null; now t3
				CNI_COMMAND=DEL "$3" <<<"$c"; now t4
				echo $((t1 - t0)) >>"$D/a$k"; echo $((t3 - t2)) >>"$D/c$k"; echo $((t4 - t3)) >>"$D/d$k"
			done
		done
		for k in 0 1; do
			set -- ${PAIRS[k]}
			rss=$(CNI_COMMAND=ADD /usr/bin/time -f %M "$3" <"$D/conf$k" 2>&1 >/dev/null | tail -n 1)
			CNI_COMMAND=DEL "$3" <"$D/conf$k"
			a=$(med <"$D/a$k") ck=$(med <"$D/c$k") d=$(med <"$D/d$k")
			echo "| $1 + $2 | $masq | $att | $a | $ck | $d | $rss |"
			echo "$masq $att $1 $a $ck $d" >>"$D/ratios"
		done
	done
done
unfill
echo
echo "| reference / ours | ipMasq | attached | ADD | CHECK | DEL |"
echo "|---|---|---:|---:|---:|---:|"
while read -r m at _ a ck d && read -r _ _ _ a2 ck2 d2; do
	echo "| speed-up | $m | $at | $(ratio "$a" "$a2") | $(ratio "$ck" "$ck2") | $(ratio "$d" "$d2") |"
done <"$D/ratios"
echo
echo "| IPAM alone | attached | ADD (ms) | DEL (ms) |"
echo "|---|---:|---:|---:|"
for n in 1 1000; do
	for p in "$REF/host-local" "$BUILD/netns-ipam"; do
		rm -rf "$D/store"; mkdir -p "$D/store/bench"
		for i in $(seq 2 $((n + 1))); do
			printf 'pre%d\r\neth0' "$i" >"$D/store/bench/10.60.$((i / 256)).$((i % 256))"
		done
		c=$(conf x x "$D/store" 10.60.0.0/16)
		: >"$D/a"; : >"$D/d"
		for _ in $(seq "$N"); do
			now t0; CNI_COMMAND=ADD CNI_CONTAINERID=bench CNI_NETNS=/x "$p" <<<"$c" >/dev/null
			now t1; CNI_COMMAND=DEL CNI_CONTAINERID=bench CNI_NETNS=/x "$p" <<<"$c"; now t2
			echo $((t1 - t0)) >>"$D/a"; echo $((t2 - t1)) >>"$D/d"
		done
		echo "| ${p##*/} | $n | $(med <"$D/a") | $(med <"$D/d") |"
	done
done
echo
# The bridge pairs, side by side the same way: one container, a gateway
# bridge of each pair's own, ipMasq off. DEL is "DEL returned" (netns-bridge
# leaves the veth's deletion to a detached process, as netns-ptp does).
if [ -x "$REF/bridge" ] && [ -x "$BUILD/netns-bridge" ]; then
	echo "| bridge pair | ADD (ms) | DEL returned (ms) |"
	echo "|---|---:|---:|"
	BPAIRS=("bridge host-local $REF/bridge cnibr0" "netns-bridge netns-ipam $BUILD/netns-bridge cnibr1")
	for k in 0 1; do
		set -- ${BPAIRS[k]}
		conf "$1" "$2" "$D/br-$1" "10.61.$k.0/24" |
			jq -c --arg b "$4" '.ipMasq = false | .isGateway = true | .bridge = $b' >"$D/bconf$k"
		: >"$D/ba$k"; : >"$D/bd$k"
	done
	for _ in $(seq "$N"); do
		for k in 0 1; do
			set -- ${BPAIRS[k]}
			c=$(<"$D/bconf$k")
			now t0; CNI_COMMAND=ADD "$3" <<<"$c" >/dev/null; now t1
			CNI_COMMAND=DEL "$3" <<<"$c"; now t2
			echo $((t1 - t0)) >>"$D/ba$k"; echo $((t2 - t1)) >>"$D/bd$k"
		done
	done
	for k in 0 1; do
		set -- ${BPAIRS[k]}
		echo "| $1 + $2 | $(med <"$D/ba$k") | $(med <"$D/bd$k") |"
	done
else
	echo "bridge pairs skipped: need $REF/bridge and $BUILD/netns-bridge"
fi
echo
echo "| burst of 30 concurrent ADDs | p50 (ms) | p99 (ms) |"
echo "|---|---:|---:|"
for i in $(seq 30); do ns "cnib-$$-$i"; done
for pair in "ptp host-local $REF/ptp 10.62" "netns-ptp netns-ipam $BUILD/netns-ptp 10.63"; do
	set -- $pair
	c=$(conf "$1" "$2" "$D/burst-$1" "$4.0.0/24")
	for i in $(seq 30); do
		(now t0; CNI_COMMAND=ADD CNI_CONTAINERID=b$i CNI_NETNS=/run/netns/cnib-$$-$i "$3" \
			<<<"$c" >/dev/null; now t1; echo $((t1 - t0)) >"$D/t$i") &
	done
	wait
	cat "$D"/t* | sort -n | awk -v n="$1 + $2" \
		'{ a[NR] = $1 } END { printf "| %s | %.0f | %.0f |\n", n, a[15] / 1e6, a[30] / 1e6 }'
	for i in $(seq 30); do
		CNI_COMMAND=DEL CNI_CONTAINERID=b$i CNI_NETNS=/run/netns/cnib-$$-$i "$3" <<<"$c" &
	done
	wait
	rm -f "$D"/t*
done
echo
echo "CNI_BENCH_N=$N cycles each; medians; run inside a network namespace of its own."
