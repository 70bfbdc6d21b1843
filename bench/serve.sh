#!/bin/sh
# netns serve (one thread, one epoll loop) against tcp-hello (a thread per
# namespace) at N = 1, 100, 1,000 and 10,000 namespaces, measured by
# bench/loadgen from outside: answers in every namespace, time until all N
# are listening after start, RSS and threads once listening, connections per
# second. Each cell is the median of REPS runs, the two servers alternating.
# Run by bench/run.sh (make bench), which gives it a private /run/netns.
#   SERVE_BENCH_N="1 100" SERVE_BENCH_REPS=1 sh bench/serve.sh   (a quick look)
set -eu
: "${BUILD:?set BUILD to the build directory}"
NS=${SERVE_BENCH_N:-"1 100 1000 10000"}
REPS=${SERVE_BENCH_REPS:-3}
CONNS=${SERVE_BENCH_CONNS:-20000}
NETNS=$BUILD/netns
LOADGEN=$BUILD/bench/loadgen
HELLO=$BUILD/tcp-hello
rundir=${NETNS_RUN_DIR:-/run/netns}
tmp=$(mktemp -d /tmp/netns-bench-serve.XXXXXX)
made=0

cleanup() {
	[ "$made" -gt 0 ] && seq 1 "$made" | sed 's/^/delete sv/' >"$tmp/del" &&
		"$NETNS" -b "$tmp/del" --force >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# run SERVER N REP: one loadgen run; appends "SERVER N key=value..." to results.
run() {
	port=$((6000 + $3))
	if [ "$1" = serve ]; then
		set -- "$1" "$2" "$3" "$NETNS" serve -q -p "$port"
	else
		set -- "$1" "$2" "$3" "$HELLO" -p "$port"
	fi
	srv=$1 n=$2
	shift 3
	line=$("$LOADGEN" -p "$port" -n "$CONNS" -w 30 -f "$tmp/list" -S -- "$@") || true
	echo "$srv $line" >>"$tmp/results"
	echo "   $srv: $line" >&2
}

# Namespaces sv1..svN, made by one netns -b process, added as N grows.
grow() {
	[ "$1" -le "$made" ] && return 0
	seq $((made + 1)) "$1" | sed 's/^/add --up sv/' >"$tmp/add"
	"$NETNS" -b "$tmp/add"
	made=$1
}

servers=serve
if [ -x "$HELLO" ]; then
	servers="serve tcp-hello"
else
	echo "bench/serve.sh: no $HELLO; measuring netns serve alone" >&2
fi
: >"$tmp/results"
# Warm-up, not recorded: the first runs on a cold machine are the slowest.
grow 1
echo "$rundir/sv1" >"$tmp/list"
for s in $servers; do
	run "$s" 1 0
done
: >"$tmp/results"
for n in $NS; do
	echo "== N=$n" >&2
	grow "$n"
	# strcmp order, the order both servers start them in.
	seq 1 "$n" | sed "s|^|$rundir/sv|" | LC_ALL=C sort >"$tmp/list"
	rep=1
	while [ "$rep" -le "$REPS" ]; do
		order=$servers
		[ $((rep % 2)) -eq 0 ] && [ "$servers" != serve ] && order="tcp-hello serve"
		for s in $order; do
			run "$s" "$n" "$rep"
		done
		rep=$((rep + 1))
	done
done

# The table: the median of each figure over the runs of a (server, N).
awk '
function val(k,   i, kv) {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
	return ""
}
function median(s,   v, m, i, j, t) {
	m = split(s, v, " ")
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
		if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	return m ? v[int((m + 1) / 2)] : "-"
}
{
	key = $1 SUBSEP val("n")
	if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
	runs[key]++
	if (val("answered") == val("n")) ok[key]++
	ans[key] = ans[key] " " val("answered")
	lis[key] = lis[key] " " (val("listen_ms") < 0 ? 999999 : val("listen_ms"))
	rss[key] = rss[key] " " val("rss_kb")
	thr[key] = thr[key] " " val("threads")
	cps[key] = cps[key] " " val("cps")
	cpu[key] = cpu[key] " " val("cpu_us")
	err[key] += val("errors")
}
END {
	print "| N | server | answered (median) | runs all answered | all listening after (ms) | RSS (kB) | threads | connections/s | server CPU per connection (us) | errors |"
	print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nk; i++) {
		split(order[i], p, SUBSEP)
		l = median(lis[order[i]]); if (l == 999999) l = "not all"
		printf "| %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %d |\n", p[2], p[1],
			median(ans[order[i]]), ok[order[i]], runs[order[i]], l,
			median(rss[order[i]]), median(thr[order[i]]), median(cps[order[i]]),
			median(cpu[order[i]]), err[order[i]]
	}
}' "$tmp/results"
echo
echo "$(nproc) CPUs, Linux $(uname -r); $CONNS connections per run, median of $REPS runs."
