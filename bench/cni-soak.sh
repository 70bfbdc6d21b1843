#!/bin/sh
# The soak: CNI_SOAK_N (default 10,000) ADD/DEL cycles of netns-ptp with
# netns-ipam, ipMasq on, each plugin exec'd as a runtime does (the CNI
# environment, the config on stdin, DEL with ADD's result as prevResult), a
# new container id each cycle, inside a network namespace of its own acting
# as the host. Then counts what the cycles left behind, each of which should
# be zero: allocations in the IPAM store (and netns-ipam's index of it),
# veths, and in table inet netns-ptp the set and map elements, and the
# chains and rules beyond the table's skeleton (what the first cycle's DEL
# leaves: the hook chain, the network's chain, their rules). Prints the
# counts and the time taken. Not part of make check; make bench runs it (bench/run.sh).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
: "${BUILD:?set BUILD to the build directory}"
if [ ! -x "$BUILD/netns-ptp" ] || [ ! -x "$BUILD/netns-ipam" ]; then
	echo "cni-soak: skipped: needs $BUILD/netns-ptp and $BUILD/netns-ipam (make)"
	exit 0
fi
if ! command -v jq >/dev/null || ! command -v nft >/dev/null; then
	echo "cni-soak: skipped: needs jq and nft"
	exit 0
fi
[ -n "${CNI_SOAK_HOST:-}" ] || exec env CNI_SOAK_HOST=1 unshare --net bash "$0" "$@"
N=${CNI_SOAK_N:-10000}
D=$(mktemp -d)
CTR=cnisoak-$$
cleanup() {
	"$BUILD/netns" delete "$CTR" 2>/dev/null || true
	[ -z "${IDX:-}" ] || rm -rf "$IDX"
	rm -rf "$D"
}
trap cleanup EXIT
ip link set lo up
"$BUILD/netns" add "$CTR"
mkdir -p "$D/store/soak"
IDX=$(stat -c '%d %i' "$D/store/soak" | awk '{ printf "/run/netns-ipam/%x-%x", $1, $2 }')
c=$(jq -cn --arg d "$D/store" '{cniVersion: "1.0.0", name: "soak", type: "netns-ptp", ipMasq: true,
	ipam: {type: "netns-ipam", dataDir: $d, ranges: [[{subnet: "10.66.0.0/16"}]], routes: [{dst: "0.0.0.0/0"}]}}')
export CNI_IFNAME=eth0 CNI_PATH="$BUILD" CNI_NETNS=/run/netns/$CTR

# nft_counts: "ELEMENTS CHAINS RULES" of table inet netns-ptp.
nft_counts() {
	{ nft -j list table inet netns-ptp 2>/dev/null || echo '{"nftables": []}'; } | jq -r '
		[.nftables[]] as $o
		| ([$o[] | (.set // .map // empty) | (.elem // []) | length] | add // 0) as $e
		| ([$o[] | .chain // empty] | length) as $c
		| ([$o[] | .rule // empty] | length) as $r
		| "\($e) \($c) \($r)"'
}

fails=0
skeleton=
t0=$(date +%s%N)
for i in $(seq "$N"); do
	export CNI_CONTAINERID=soak$i
	if r=$(CNI_COMMAND=ADD "$BUILD/netns-ptp" <<<"$c"); then
		CNI_COMMAND=DEL "$BUILD/netns-ptp" <<<"${c%\}},\"prevResult\":$r}" >/dev/null || fails=$((fails + 1))
	else
		fails=$((fails + 1))
		echo "cni-soak: cycle $i: ADD failed: $(jq -c . <<<"$r" 2>/dev/null || echo "$r")" >&2
		CNI_COMMAND=DEL "$BUILD/netns-ptp" <<<"$c" >/dev/null || true
	fi
	if [ -z "$skeleton" ]; then
		read -r _ skel_chains skel_rules < <(nft_counts)
		skeleton=1
	fi
done
t1=$(date +%s%N)

entries=$(find "$D/store/soak" -type f ! -name lock ! -name 'last_reserved_ip.*' | wc -l)
index=$({ find "$IDX" -type f 2>/dev/null || true; } | wc -l)
veths=$(ip -o link show type veth | wc -l)
inside=$(ip -n "$CTR" -o link show | grep -vc ': lo:' || true)
read -r elems chains rules < <(nft_counts)
echo "| CNI soak: netns-ptp + netns-ipam, ipMasq | count |"
echo "|---|---:|"
echo "| ADD/DEL cycles | $N |"
echo "| failed ADD or DEL | $fails |"
echo "| IPAM store entries left | $entries |"
echo "| netns-ipam index files left | $index |"
echo "| veths left (host side) | $veths |"
echo "| links left in the container (but lo) | $inside |"
echo "| nft elements left (sets, maps) | $elems |"
echo "| nft chains left beyond the skeleton ($skel_chains) | $((chains - skel_chains)) |"
echo "| nft rules left beyond the skeleton ($skel_rules) | $((rules - skel_rules)) |"
awk -v t=$((t1 - t0)) -v n="$N" \
	'BEGIN { printf "| elapsed | %.1f s (%.2f ms a cycle) |\n", t / 1e9, t / n / 1e6 }'
