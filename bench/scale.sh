#!/bin/sh
# bench/scale.sh: 10,000 namespaces with lo up, and per-call costs that must
# not grow with the number of namespaces (issue 5).
#
#   BUILD=build bench/run.sh bench/scale.sh         (or: make bench)
#   N=1000 RUNS=40 SAMPLE=20 sh bench/scale.sh      (a quick run)
#
# N        namespaces (10000)
# RUNS     calls of each per-call command, in each place compared (200)
# SAMPLE   names on which iproute2's lo up is timed, then extrapolated (200)
# SETTLE   seconds to wait at most for the kernel to free deleted namespaces (150)
# TIMEOUT  seconds a batch may take before it counts as failed (900); one
#          timed call may take REPS_TIMEOUT (60, bench/reps.c)
#
# Prints markdown tables. Timings on a shared VM are noisy: read the ratios,
# which come from the same run.
set -eu
N=${N:-10000}
RUNS=${RUNS:-200}
SAMPLE=${SAMPLE:-200}
SETTLE=${SETTLE:-150}
TIMEOUT=${TIMEOUT:-900}
. "$(dirname "$0")/lib.sh"
[ "$SAMPLE" -le "$N" ] || SAMPLE=$N

have() { "$NETNS" "$1" --help >/dev/null 2>&1; }

OPS=$TMP/ops
: >"$OPS"
# ops_phase TAG WHERE...: RUNS calls of each command, in 4 rounds; in each
# round, each WHERE in turn: "one" (the one-name mount namespace, recorded
# as 1 present), "here" (recorded as N present) or "before" (here, before
# the N names exist). Appends "PRESENT WHAT MEDIAN_MS" per round and place.
# Needs names n0 and n1 in each place; veth pairs are named aTAG..xI/bTAG..xI.
ops_phase() {
	tag=$1
	shift
	q=$((RUNS / 4))
	[ $q -gt 0 ] || q=1
	for round in 1 2 3 4; do
		# Every other round in reverse order: no place always goes first.
		order=$*
		if [ $((round % 2)) -eq 0 ]; then
			order=
			for place; do order="$place $order"; done
		fi
		for place in $order; do
			case $place in
			one) at=one key=1 ;;
			here) at=here key=$N ;;
			*) at=here key=before ;;
			esac
			median $at $q /bin/true
			echo "$key true $M" >>"$OPS"
			median $at $q "$NETNS" exec n0 true
			echo "$key exec $M" >>"$OPS"
			median $at $q ip -n n0 link set lo up
			echo "$key ip-up $M" >>"$OPS"
			if have up; then
				median $at $q "$NETNS" up n0
				echo "$key up $M" >>"$OPS"
			fi
			if have connect && have disconnect; then
				t=$tag$(echo "$place" | cut -c1)$round
				median $at $q "$NETNS" connect n0 n1 --ifnames "a${t}x%d" "b${t}x%d"
				echo "$key connect $M" >>"$OPS"
				median $at $q "$NETNS" disconnect n0 "a${t}x%d"
				echo "$key disconnect $M" >>"$OPS"
			fi
		done
	done
}

settle
echo "scale.sh: N=$N RUNS=$RUNS SAMPLE=$SAMPLE" >&2

# Before the N names exist: 2 names here (n0, n1: connect needs two).
"$NETNS" add n0 n1
ops_phase s before
"$NETNS" delete n0 n1
settle

# iproute2: ip -batch cannot take -n per line, so lo up is timed on SAMPLE
# names, both ways iproute2 offers, and the cheaper is extrapolated to N.
batch "$TMP/ip-add" i 0 "$N" "netns add %s"
elapsed ip -b "$TMP/ip-add"
ip_add_t=$T
batch "$TMP/ip-up" i 0 "$SAMPLE" "netns exec %s ip link set lo up"
elapsed ip -b "$TMP/ip-up"
ip_exec_up_t=$T
# bench/reps.c's mean (its third field) times SAMPLE, in ns like the rest.
ip_n_up_t=$("$REPS" "$SAMPLE" ip -n "i%d" link set lo up) || die "failed: ip -n NAME link set lo up"
ip_n_up_t=$(echo "$ip_n_up_t" | awk -v n="$SAMPLE" '{ printf "%.0f", $3 * n * 1e6 }')
ip -n i0 link show lo | grep -q '<LOOPBACK,UP' || die "ip: lo is not up in i0"
batch "$TMP/ip-del" i 0 "$N" "netns del %s"
ip -b "$TMP/ip-del"
settle

# The floor, then netns -b; the names netns makes stay for the per-call
# costs. (FLOOR_THREAD=1 also times the floor with a thread per namespace,
# which prices libnetns's throwaway thread.)
batch "$TMP/netns-add" n 0 "$N" "add --up %s"
batch "$TMP/netns-del" n 0 "$N" "delete %s"
thread_t=
if [ -n "${FLOOR_THREAD:-}" ]; then
	elapsed "$FLOOR" --up --thread "$RUNDIR" f "$N"
	thread_t=$T
	"$FLOOR" --delete "$RUNDIR" f "$N" >/dev/null
	settle
fi
elapsed "$FLOOR" --up "$RUNDIR" f "$N"
floor_t=$T
"$FLOOR" --delete "$RUNDIR" f "$N" >/dev/null
settle
elapsed "$NETNS" -b "$TMP/netns-add"
netns_t=$T
"$NETNS" exec "n$((N - 1))" ip link show lo | grep -q '<LOOPBACK,UP' ||
	die "netns: lo is not up in n$((N - 1))"

# N names with lo up here, 2 in the one-name mount namespace: per-call costs.
holder_start n0 n1
ops_phase l one here
holder_stop
"$NETNS" -b "$TMP/netns-del"
settle

thread_row=
[ -z "$thread_t" ] || thread_row="
| floor, but each namespace made in a new thread (bench/floor.c --thread) | $(sec "$thread_t") | $(ms "$thread_t" "$N") | $(ratio "$thread_t" "$floor_t") |"
ip_up_best=$ip_exec_up_t
if [ "$ip_n_up_t" -lt "$ip_up_best" ]; then ip_up_best=$ip_n_up_t; fi
ip_total=$((ip_add_t + ip_up_best * N / SAMPLE))

cat <<EOF

### $N namespaces with lo up

| what | total (s) | per namespace (ms) | × floor |
|---|---:|---:|---:|
| floor (unshare + bind mount + lo up by rtnetlink, bench/floor.c) | $(sec $floor_t) | $(ms $floor_t "$N") | 1.00 |$thread_row
| netns -b (add --up NAME lines) | $(sec $netns_t) | $(ms $netns_t "$N") | $(ratio $netns_t $floor_t) |
| ip -b (netns add NAME lines) | $(sec $ip_add_t) | $(ms $ip_add_t "$N") | $(ratio $ip_add_t $floor_t) |
| ip -b (netns exec NAME ip link set lo up lines), $SAMPLE names, $N present | $(sec $ip_exec_up_t) | $(ms $ip_exec_up_t "$SAMPLE") | |
| ip -n NAME link set lo up, one process each, $SAMPLE names, $N present | $(sec $ip_n_up_t) | $(ms $ip_n_up_t "$SAMPLE") | |
| iproute2 total: ip -b add + the cheaper lo up × $N (extrapolated) | $(sec $ip_total) | $(ms $ip_total "$N") | $(ratio $ip_total $floor_t) |

netns -b is $(ratio $netns_t $floor_t)× the floor (target ≤ 1.3) and $(ratio $ip_total $netns_t)× faster than iproute2 (target ≥ 10).

### Per call, 1 and $N namespaces present

Time per call (fork, exec, wait; bench/reps.c), the mean of 4 rounds'
medians, $RUNS calls of each in all. "1 present" runs in a second mount
namespace whose run directory holds 2 names (connect needs two), round by
round with "$N present", so both see the same machine load; the kernel holds
the $N namespaces during both. "before" is the same commands here before the
$N names existed, some minutes earlier, so its ratio also carries the drift
of the machine's load (compare the /bin/true row).

$(awk -v big="$N" '
	{ t[$1, $2] += $3; c[$1, $2]++; seen[$2] = 1 }
	function row(key, what) {
		if (!seen[key])
			return
		a = t[1, key] / c[1, key]
		b = t[big, key] / c[big, key]
		z = t["before", key] / c["before", key]
		printf "| %s | %.3f | %.3f | %.2f | %.3f | %.2f |\n", what, a, b, b / a, z, b / z
	}
	END {
		printf "| what | 1 present (ms) | %d present (ms) | ratio %d/1 | before (ms) | ratio %d/before |\n", big, big, big
		print "|---|---:|---:|---:|---:|---:|"
		row("true", "/bin/true (no namespace: the spawn cost)")
		row("up", "netns up NAME")
		row("exec", "netns exec NAME true")
		row("connect", "netns connect A B --ifnames IF_A IF_B")
		row("disconnect", "netns disconnect A IF_A")
		row("ip-up", "ip -n NAME link set lo up (reference)")
	}' "$OPS")

Target: netns up, exec and connect at most 1.5× at $N.$(have up || echo " netns up: not in this build.")$(have connect || echo " netns connect: not in this build.")

Command: \`BUILD=build bench/run.sh bench/scale.sh\` (N=$N RUNS=$RUNS SAMPLE=$SAMPLE).
EOF
