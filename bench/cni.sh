#!/bin/sh
# netns-ptp + netns-ipam against the reference ptp + host-local (Debian's
# containernetworking-plugins), each invoked as a runtime does: exec with the
# CNI environment and the config on stdin. Side by side in one run, inside a
# network namespace of its own acting as the host (ipMasq on, so each pair
# also writes its firewall rules there): median ADD, CHECK and DEL of
# CNI_BENCH_N cycles (default 21), IPAM alone with 1 and 1,000 allocations
# already stored, a burst of 30 concurrent ADDs (p50, p99), and peak RSS.
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
now() { date +%s%N; }
med() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1e6 }'; }
conf() { # TYPE IPAM DATADIR SUBNET
	jq -cn --arg t "$1" --arg i "$2" --arg d "$3" --arg s "$4" \
		'{cniVersion: "1.0.0", name: "bench", type: $t, ipMasq: true,
		  ipam: {type: $i, dataDir: $d, ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}]}}'
}
export CNI_IFNAME=eth0 CNI_PATH="$BUILD:$REF"
ns "cnib-$$"
echo "| pair | ADD (ms) | CHECK (ms) | DEL (ms) | peak RSS of ADD (KiB) |"
echo "|---|---:|---:|---:|---:|"
for pair in "ptp host-local $REF/ptp" "netns-ptp netns-ipam $BUILD/netns-ptp"; do
	set -- $pair
	c=$(conf "$1" "$2" "$D/$1" 10.60.0.0/16)
	: >"$D/a"; : >"$D/c"; : >"$D/d"
	for _ in $(seq "$N"); do
		export CNI_CONTAINERID=bench CNI_NETNS=/run/netns/cnib-$$
		t0=$(now); r=$(CNI_COMMAND=ADD "$3" <<<"$c"); t1=$(now)
		chk=$(jq -c --argjson p "$r" '. + {prevResult: $p}' <<<"$c")
		t2=$(now); CNI_COMMAND=CHECK "$3" <<<"$chk" >/dev/null; t3=$(now)
		CNI_COMMAND=DEL "$3" <<<"$c"; t4=$(now)
		echo $((t1 - t0)) >>"$D/a"; echo $((t3 - t2)) >>"$D/c"; echo $((t4 - t3)) >>"$D/d"
	done
	rss=$(CNI_COMMAND=ADD /usr/bin/time -f %M "$3" <<<"$c" 2>&1 >/dev/null | tail -n 1)
	CNI_COMMAND=DEL "$3" <<<"$c"
	echo "| $1 + $2 | $(med <"$D/a") | $(med <"$D/c") | $(med <"$D/d") | $rss |"
done
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
			t0=$(now); CNI_COMMAND=ADD CNI_CONTAINERID=bench CNI_NETNS=/x "$p" <<<"$c" >/dev/null
			t1=$(now); CNI_COMMAND=DEL CNI_CONTAINERID=bench CNI_NETNS=/x "$p" <<<"$c"; t2=$(now)
			echo $((t1 - t0)) >>"$D/a"; echo $((t2 - t1)) >>"$D/d"
		done
		echo "| ${p##*/} | $n | $(med <"$D/a") | $(med <"$D/d") |"
	done
done
echo
echo "| burst of 30 concurrent ADDs | p50 (ms) | p99 (ms) |"
echo "|---|---:|---:|"
for i in $(seq 30); do ns "cnib-$$-$i"; done
for pair in "ptp host-local $REF/ptp 10.62" "netns-ptp netns-ipam $BUILD/netns-ptp 10.63"; do
	set -- $pair
	c=$(conf "$1" "$2" "$D/burst-$1" "$4.0.0/24")
	for i in $(seq 30); do
		(t0=$(now); CNI_COMMAND=ADD CNI_CONTAINERID=b$i CNI_NETNS=/run/netns/cnib-$$-$i "$3" \
			<<<"$c" >/dev/null; echo $(($(now) - t0)) >"$D/t$i") &
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
