#!/bin/sh
# bench/core.sh: the cost of naming namespaces and of exec in one (issue 2).
#
#   BUILD=build bench/run.sh bench/core.sh          (or: make bench)
#   N=1000 N1=100 RUNS=40 sh bench/core.sh          (a quick run)
#
# N1, N    namespace counts for the add table (1000, 10000)
# ROUNDS1, ROUNDS  runs of each way at N1 (2) and at N (1)
# SAMPLE   per-process adds timed at 0 and at N present (200)
# RUNS     calls of each exec variant, in each place compared (200)
# SETTLE   seconds to wait at most for the kernel to free deleted namespaces (150)
# TIMEOUT  seconds a batch may take before it counts as failed (900); one
#          timed call may take REPS_TIMEOUT (60, bench/reps.c)
#
# Prints markdown tables. Timings on a shared VM are noisy: read the ratios,
# which come from the same run.
set -eu
N=${N:-10000}
N1=${N1:-1000}
SAMPLE=${SAMPLE:-200}
ROUNDS1=${ROUNDS1:-2}
ROUNDS=${ROUNDS:-1}
RUNS=${RUNS:-200}
SETTLE=${SETTLE:-150}
TIMEOUT=${TIMEOUT:-900}
. "$(dirname "$0")/lib.sh"

ADD_ROWS=$TMP/add.md
EXEC_ROWS=$TMP/exec.md
: >"$ADD_ROWS"
SUMMARY=$TMP/summary
: >"$SUMMARY"

# add_row WHAT N NS FLOOR_NS: a line of the add table.
add_row() {
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$(sec "$3")" "$(ms "$3" "$2")" \
		"$(ratio "$3" "$4")" >>"$ADD_ROWS"
}

# Adds at one size: ROUNDS runs of each way, the order reversed from round
# to round (with 2: netns, ip, floor, floor, ip, netns), so that a drift in
# the machine's load weighs on all three alike. Names are removed and the
# kernel left to settle between runs; the names of the last run, always
# netns's, stay (n0...), for what follows.
add_phase() {
	n=$1 rounds=$2
	batch "$TMP/ip-add" i 0 "$n" "netns add %s"
	batch "$TMP/ip-del" i 0 "$n" "netns del %s"
	batch "$TMP/netns-add" n 0 "$n" "add %s"
	batch "$TMP/netns-del" n 0 "$n" "delete %s"
	floor_t=0 ip_t=0 netns_t=0
	settle
	r=1
	while [ $r -le "$rounds" ]; do
		order="floor ip netns"
		[ $(((rounds - r) % 2)) -eq 0 ] || order="netns ip floor"
		for way in $order; do
			case $way in
			floor)
				elapsed "$FLOOR" "$RUNDIR" f "$n"
				floor_t=$((floor_t + T))
				"$FLOOR" --delete "$RUNDIR" f "$n" >/dev/null ;;
			ip)
				elapsed ip -b "$TMP/ip-add"
				ip_t=$((ip_t + T))
				ip -b "$TMP/ip-del" ;;
			netns)
				elapsed "$NETNS" -b "$TMP/netns-add"
				netns_t=$((netns_t + T))
				[ $r -lt "$rounds" ] || break 2 # the last run's names stay
				"$NETNS" -b "$TMP/netns-del" ;;
			esac
			settle
		done
		r=$((r + 1))
	done
	netns_t=$((netns_t / rounds)) ip_t=$((ip_t / rounds)) floor_t=$((floor_t / rounds))
	add_row "floor (unshare + bind mount, bench/floor.c)" "$n" $floor_t $floor_t
	add_row "ip -b (netns add NAME lines)" "$n" $ip_t $floor_t
	add_row "netns -b (add NAME lines)" "$n" $netns_t $floor_t
	echo "$n $floor_t $ip_t $netns_t" >>"$SUMMARY"
}

# exec_phase WHERE...: RUNS calls of each variant on name n0, in 4 rounds;
# in each round, each WHERE in turn: "one" (the one-name mount namespace,
# recorded as 1 present), "here" (recorded as N present) or "before" (here,
# before the N names exist). Appends "PRESENT TRUE NETNS IP NSENTER", each
# the median of a round, in ms.
exec_phase() {
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
			m_true=$M
			median $at $q "$NETNS" exec n0 true
			m_netns=$M
			median $at $q ip netns exec n0 true
			m_ip=$M
			median $at $q nsenter --net="$RUNDIR/n0" true
			echo "$key $m_true $m_netns $m_ip $M" >>"$EXEC_ROWS"
		done
	done
}

count() { find "$RUNDIR" -mindepth 1 -maxdepth 1 | wc -l; }

settle
echo "core.sh: N1=$N1 N=$N SAMPLE=$SAMPLE RUNS=$RUNS" >&2
: >"$EXEC_ROWS"

# Before the N names exist: exec with 1 name, per-process adds.
"$NETNS" add n0
exec_phase before
"$NETNS" delete n0
median here "$SAMPLE" "$NETNS" add s%d
pp_netns_b=$M
median here "$SAMPLE" ip netns add p%d
pp_ip_b=$M
"$NETNS" delete --all

add_phase "$N1" "$ROUNDS1"
"$NETNS" -b "$TMP/netns-del"
add_phase "$N" "$ROUNDS"
[ "$(count)" -eq "$N" ] || die "expected $N names, found $(count)"

# N names here, 1 in the one-name mount namespace: per-process adds, exec.
holder_start n0
median one "$SAMPLE" "$NETNS" add s%d
pp_netns_1=$M
median here "$SAMPLE" "$NETNS" add s%d
pp_netns_n=$M
median one "$SAMPLE" ip netns add p%d
pp_ip_1=$M
median here "$SAMPLE" ip netns add p%d
pp_ip_n=$M
batch "$TMP/sample-del" s 0 "$SAMPLE" "delete %s"
batch "$TMP/sample-del-p" p 0 "$SAMPLE" "delete %s"
for at in one here; do
	run_in $at "$NETNS" -b "$TMP/sample-del"
	run_in $at "$NETNS" -b "$TMP/sample-del-p"
done
exec_phase one here
holder_stop
"$NETNS" -b "$TMP/netns-del"
settle

cat <<EOF

### netns add: $N1 and $N namespaces

Each add row is the mean of $ROUNDS1 runs at $N1 and $ROUNDS at $N (orders: floor,
ip, netns; netns, ip, floor; ...); each run starts from an empty run
directory, after the kernel has freed the namespaces of the run before
(bounded by SETTLE=$SETTLE s: the kernel frees 10,000 namespaces in a minute
or two here).

| what | namespaces | total (s) | per namespace (ms) | × floor |
|---|---:|---:|---:|---:|
$(cat "$ADD_ROWS")

$(awk '
	{ n[NR] = $1; f[NR] = $2 / $1; ip[NR] = $3 / $1; ns[NR] = $4 / $1 }
	END {
		printf "ip -b / netns -b: %.1f× at %d, %.1f× at %d. ", ip[1] / ns[1], n[1], ip[2] / ns[2], n[2]
		printf "Per-namespace cost at %d over at %d: floor %.2f, netns -b %.2f, ip -b %.2f.\n",
			n[2], n[1], f[2] / f[1], ns[2] / ns[1], ip[2] / ip[1]
	}' "$SUMMARY")

Per-process adds, $SAMPLE names, one process each, median per call: with 1
name present (in a second mount namespace, just before), with $N present,
and with none present (before the $N existed, minutes earlier):

| what | 1 present (ms) | $N present (ms) | ratio $N/1 | before (ms) |
|---|---:|---:|---:|---:|
| netns add NAME | $pp_netns_1 | $pp_netns_n | $(ratio $pp_netns_n $pp_netns_1) | $pp_netns_b |
| ip netns add NAME | $pp_ip_1 | $pp_ip_n | $(ratio $pp_ip_n $pp_ip_1) | $pp_ip_b |

### exec NAME true: 1 and $N namespaces present

Time per call (fork, exec, wait; bench/reps.c), the mean of 4 rounds'
medians, $RUNS calls of each in all. "1 present" runs in a second mount
namespace whose run directory holds 1 name, round by round with "$N
present", so both see the same machine load; the kernel holds the $N
namespaces during both. "before" is the same commands here before the $N
names existed, minutes earlier, so its ratio also carries the drift of the
machine's load (compare the /bin/true row).

$(awk -v big="$N" '
	{ k[$1]++; t[$1] += $2; a[$1] += $3; b[$1] += $4; c[$1] += $5 }
	function row(what, v) {
		x = v[1] / k[1]
		y = v[big] / k[big]
		z = v["before"] / k["before"]
		printf "| %s | %.3f | %.3f | %.2f | %.3f | %.2f |\n", what, x, y, y / x, z, y / z
	}
	END {
		printf "| what | 1 present (ms) | %d present (ms) | ratio %d/1 | before (ms) | ratio %d/before |\n", big, big, big
		print "|---|---:|---:|---:|---:|---:|"
		row("/bin/true (no namespace: the spawn cost)", t)
		row("netns exec NAME true", a)
		row("ip netns exec NAME true", b)
		row("nsenter --net=/run/netns/NAME true", c)
	}' "$EXEC_ROWS")

Command: \`BUILD=build bench/run.sh bench/core.sh\` (N=$N N1=$N1 SAMPLE=$SAMPLE RUNS=$RUNS).
EOF
