# Set-up and helpers shared by bench/core.sh and bench/scale.sh (sourced, not
# run, after the script has set N, SETTLE and TIMEOUT). Outside bench/run.sh
# the script is run again inside it, so the host's /run/netns is never touched.
: "${BUILD:=$(pwd)/build}"
export BUILD
ME=${0##*/}
if [ -z "${NETNS_SANDBOX:-}" ]; then
	exec "$(dirname "$0")/run.sh" "$(cd "$(dirname "$0")" && pwd)/$ME"
fi
NETNS=$BUILD/netns
FLOOR=$BUILD/bench/floor
REPS=$BUILD/bench/reps
RUNDIR=/run/netns
for prog in "$NETNS" "$FLOOR" "$REPS"; do
	[ -x "$prog" ] || { echo "$ME: $prog missing: run make first" >&2; exit 1; }
done
TMP=$(mktemp -d "/tmp/netns-bench-${ME%.sh}.XXXXXX")

# Whatever happens, the names and the one-name mount namespace go.
cleanup() {
	holder_stop
	"$NETNS" delete --all >/dev/null 2>&1 || true
	for f in "$RUNDIR"/*; do
		[ -e "$f" ] || continue
		umount -l "$f" 2>/dev/null || true
		rm -f "$f"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now() { date +%s%N; }
die() { echo "$ME: $*" >&2; exit 1; }

# batch FILE PREFIX FIRST COUNT FORMAT: one line per name; FORMAT's %s are the name.
batch() {
	awk -v p="$2" -v first="$3" -v n="$4" -v f="$5" 'BEGIN {
		for (i = first; i < first + n; i++) { line = f; gsub(/%s/, p i, line); print line }
	}' >"$1"
}

# Number of live network namespaces in the whole system, or empty.
live_ns() { awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo 2>/dev/null; }

# The kernel frees a deleted namespace later, in a workqueue (cleanup_net),
# often a whole batch at once, and that work competes with the next phase.
# Wait until the count of live namespaces is back to where the last settle
# left it (other jobs on the machine may hold namespaces too), at most
# SETTLE seconds; then that count is the new mark. Here the kernel frees
# about 100 namespaces a second.
LIVE=
settle() {
	cur=$(live_ns)
	if [ -z "$cur" ]; then
		sleep 5
		return
	fi
	[ -n "$LIVE" ] || LIVE=$cur
	first=$cur t=0
	while [ "$cur" -gt $((LIVE + 200 + N / 20)) ] && [ $t -lt $((SETTLE * 2)) ]; do
		sleep 0.5
		cur=$(live_ns)
		t=$((t + 1))
	done
	echo "settle: $((t / 2))s, live namespaces $first -> $cur (mark $LIVE)" >&2
	# After a time-out the kernel is most likely still freeing ours: keep the mark.
	[ $t -ge $((SETTLE * 2)) ] || LIVE=$cur
}

# elapsed CMD...: runs CMD (bounded by TIMEOUT), sets T to its wall time in ns.
elapsed() {
	t0=$(now)
	timeout "$TIMEOUT" "$@" >/dev/null || die "failed: $*"
	T=$(($(now) - t0))
}

# median one|here K CMD...: runs CMD K times (bench/reps.c: "%d" in an
# argument is the call's number) in the one-name mount namespace or here,
# sets M to the median wall time of one call, in ms.
median() {
	where=$1
	shift
	M=$(run_in "$where" "$REPS" "$@") || die "failed: $*"
	M=$(echo "$M" | awk '{ printf "%.3f", $1 }')
}

# A second mount namespace whose run directory holds only NAMES: the "1
# present" side of a comparison runs there, round by round with the side
# that has all N names, so that the load of a shared machine weighs on both
# alike. The namespaces themselves stay in the kernel either way.
HOLDER=
holder_start() {
	# umount -l first: the copy must not keep the names already made here.
	unshare --mount --propagation private sh -c '
		umount -l /run/netns 2>/dev/null
		mount -t tmpfs -o mode=0755 netns-bench-one /run/netns &&
		"$0" add "$@" && touch /run/netns/.ready && exec sleep 3600' "$NETNS" "$@" &
	HOLDER=$!
	t=0
	until nsenter --mount=/proc/$HOLDER/ns/mnt -- test -e /run/netns/.ready 2>/dev/null; do
		t=$((t + 1))
		[ $t -lt 100 ] || die "the one-name mount namespace did not start"
		sleep 0.1
	done
	echo "one-name mount namespace: $(wc -l </proc/$HOLDER/mountinfo) mounts, here: $(wc -l </proc/self/mountinfo)" >&2
}
holder_stop() {
	[ -n "$HOLDER" ] || return 0
	nsenter --mount=/proc/$HOLDER/ns/mnt -- "$NETNS" delete --all >/dev/null 2>&1 || true
	kill "$HOLDER" 2>/dev/null || true
	wait "$HOLDER" 2>/dev/null || true
	HOLDER=
}
# run_in one|here CMD...: runs CMD in the one-name mount namespace, or here.
run_in() {
	if [ "$1" = one ]; then
		shift
		nsenter --mount=/proc/$HOLDER/ns/mnt -- "$@"
	else
		shift
		"$@"
	fi
}

ms() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.3f", t / n / 1e6 }'; }
sec() { awk -v t="$1" 'BEGIN { printf "%.2f", t / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }'; }
