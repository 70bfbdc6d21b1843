#!/bin/sh
# netns watch's cost to the watched: bench/setns-loop's 100,000 setns round
# trips (200,000 events) timed alone, while `netns watch 1` watches only
# init (the hooks run, no event is made: the kernel side's floor), and while
# `netns watch` watches the whole machine, output to /dev/null; in turn,
# WATCH_ROUNDS times each (default 5); the medians side by side, and the
# events the watch lost.
# WATCH_N sets the round trips per run.
set -eu
n=${WATCH_N:-100000} rounds=${WATCH_ROUNDS:-5}
name=bench-watch-$$
tmp=$(mktemp -d)
cleanup() {
	[ -n "${wpid:-}" ] && kill -INT "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	netns delete "$name" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
netns add "$name"
loop() { "$BUILD/bench/setns-loop" "/run/netns/$name" "$n" | awk '{ print $(NF-1) }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

netns watch >/dev/null 2>"$tmp/probe" &
wpid=$!
i=0
while ! grep -q '^netns: watch: watching' "$tmp/probe"; do
	if ! kill -0 "$wpid" 2>/dev/null || [ $i -ge 100 ]; then
		echo "watch: skipped: $(cat "$tmp/probe")"
		wpid=
		exit 0
	fi
	i=$((i + 1))
	sleep 0.1
done
kill -INT "$wpid"
wait "$wpid" || true
wpid=

lost_total=0
for r in $(seq "$rounds"); do
	loop >>"$tmp/alone"
	netns watch 1 >/dev/null 2>"$tmp/err1" &
	wpid=$!
	while ! grep -q '^netns: watch: watching' "$tmp/err1"; do sleep 0.05; done
	loop >>"$tmp/hooks"
	kill -INT "$wpid"
	wait "$wpid"
	netns -j watch >"$tmp/events" 2>"$tmp/err" &
	wpid=$!
	while ! grep -q '^netns: watch: watching' "$tmp/err"; do sleep 0.05; done
	loop >>"$tmp/watched"
	kill -INT "$wpid"
	wait "$wpid"
	wpid=
	tail -n 1 "$tmp/events" | jq -r '"\(.events) \(.lost)"' >>"$tmp/counts"
done
alone=$(median <"$tmp/alone")
hooks=$(median <"$tmp/hooks")
watched=$(median <"$tmp/watched")
ratio() { echo "$1 $alone" | awk '{ printf "%.3f", $1 / $2 }'; }
printf '%-40s %10s %10s %10s\n' "$n setns round trips, median of $rounds" alone "hooks only" watched
printf '%-40s %7s ms %7s ms %7s ms\n' "time" "$alone" "$hooks" "$watched"
printf '%-40s %10s %10s %10s\n' "ratio to alone" 1.000 "$(ratio "$hooks")" "$(ratio "$watched")"
awk '{ e += $1; l += $2 } END { printf "watch: %d events seen, %d lost over %d runs (the whole machine)\n", e, l, NR }' "$tmp/counts"
