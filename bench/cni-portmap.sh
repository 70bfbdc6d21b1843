#!/bin/sh
# shellcheck disable=SC2154 # t0, t1, t2: set by now() through printf -v
# netns-portmap against the reference portmap (Debian's
# containernetworking-plugins, iptables), each invoked as a runtime does
# (exec, CNI environment, config on stdin with prevResult and
# runtimeConfig.portMappings), inside a network namespace of its own acting
# as the host: median ADD and DEL of one container publishing one port, over
# CNI_BENCH_N cycles (default 21) taking turns, with 0 and
# CNI_BENCH_PUBLISHED (default 1,000) containers published already, each
# plugin's rules prefilled as it writes them (the reference: a CNI-DN chain
# per container, jumped to from CNI-HOSTPORT-DNAT; ours: three elements).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
: "${BUILD:?set BUILD to the build directory}"
REF=/usr/lib/cni
if [ ! -x "$REF/portmap" ] || [ ! -x "$BUILD/netns-portmap" ]; then
	echo "cni-portmap: skipped: needs $REF/portmap (containernetworking-plugins) and $BUILD/netns-portmap"
	exit 0
fi
[ -n "${CNI_BENCH_HOST:-}" ] || exec env CNI_BENCH_HOST=1 unshare --net bash "$0" "$@"
N=${CNI_BENCH_N:-21}
P=${CNI_BENCH_PUBLISHED:-1000}
D=$(mktemp -d)
NS=cnibp-$$
cleanup() {
	netns delete "$NS" 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT
netns add "$NS"
now() { printf -v "$1" '%s000' "${EPOCHREALTIME/[.,]/}"; }
med() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'; }
export CNI_IFNAME=eth0 CNI_PATH="$BUILD:$REF" CNI_NETNS=/run/netns/$NS CNI_CONTAINERID=bench
conf() { # TYPE
	jq -cn --arg t "$1" --arg ns "$CNI_NETNS" '{cniVersion: "1.0.0", name: "bench", type: $t,
		runtimeConfig: {portMappings: [{hostPort: 18080, containerPort: 80, protocol: "tcp"}]},
		prevResult: {cniVersion: "1.0.0", interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{interface: 0, address: "10.64.255.250/16"}]}}'
}
ip4() { echo "10.64.$(($1 / 256)).$(($1 % 256))"; }
# prefill TYPE N: N containers published already, port 20000 + i each.
prefill() {
	local i
	[ "$2" -gt 0 ] || return 0
	if [ "$1" = portmap ]; then
		{
			echo '*nat'
			for i in $(seq "$2"); do echo ":CNI-DN-pre$i - [0:0]"; done
			for i in $(seq "$2"); do
				echo "-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"bench\\\" id: \\\"pre$i\\\"\" -m multiport --dports $((20000 + i)) -j CNI-DN-pre$i"
				echo "-A CNI-DN-pre$i -s $(ip4 "$i")/32 -p tcp -m tcp --dport $((20000 + i)) -j CNI-HOSTPORT-SETMARK"
				echo "-A CNI-DN-pre$i -s 127.0.0.1/32 -p tcp -m tcp --dport $((20000 + i)) -j CNI-HOSTPORT-SETMARK"
				echo "-A CNI-DN-pre$i -p tcp -m tcp --dport $((20000 + i)) -j DNAT --to-destination $(ip4 "$i"):80"
			done
			echo COMMIT
		} | iptables-restore --noflush
	else
		for i in $(seq "$2"); do
			echo "add element inet netns-portmap dnat4any { tcp . $((20000 + i)) comment \"bench pre$i eth0\" : $(ip4 "$i") . 80 }"
			echo "add element inet netns-portmap hairpin4 { $(ip4 "$i") . $(ip4 "$i") comment \"bench pre$i eth0\" }"
			echo "add element inet netns-portmap local4 { $(ip4 "$i") comment \"bench pre$i eth0\" }"
		done | nft -f -
	fi
}
unfill() {
	iptables -t nat -F 2>/dev/null || true
	iptables -t nat -X 2>/dev/null || true
	nft delete table inet netns-portmap 2>/dev/null || true
}
PLUGINS=(portmap netns-portmap)
BINS=("$REF/portmap" "$BUILD/netns-portmap")
echo "| portmap | published already | ADD (ms) | DEL (ms) |"
echo "|---|---:|---:|---:|"
: >"$D/ratios"
for pub in 0 "$P"; do
	unfill
	for k in 0 1; do
		conf "${PLUGINS[k]}" >"$D/conf$k"
		# One real ADD and DEL first: the reference's base chains, our table.
		CNI_COMMAND=ADD "${BINS[k]}" <"$D/conf$k" >/dev/null
		CNI_COMMAND=DEL "${BINS[k]}" <"$D/conf$k"
		prefill "${PLUGINS[k]}" "$pub"
		: >"$D/a$k"; : >"$D/d$k"
	done
	for _ in $(seq "$N"); do
		for k in 0 1; do
			c=$(<"$D/conf$k")
			now t0; CNI_COMMAND=ADD "${BINS[k]}" <<<"$c" >/dev/null; now t1
			CNI_COMMAND=DEL "${BINS[k]}" <<<"$c"; now t2
			echo $((t1 - t0)) >>"$D/a$k"; echo $((t2 - t1)) >>"$D/d$k"
		done
	done
	for k in 0 1; do
		a=$(med <"$D/a$k") d=$(med <"$D/d$k")
		echo "| ${PLUGINS[k]} | $pub | $a | $d |"
		echo "$pub $a $d" >>"$D/ratios"
	done
done
unfill
echo
echo "| reference / ours | published already | ADD | DEL |"
echo "|---|---:|---:|---:|"
while read -r pub a d && read -r _ a2 d2; do
	echo "| speed-up | $pub | $(ratio "$a" "$a2") | $(ratio "$d" "$d2") |"
done <"$D/ratios"
echo
echo "CNI_BENCH_N=$N cycles each; medians; run inside a network namespace of its own."
