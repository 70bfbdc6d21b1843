#!/bin/sh
# bench/ab.sh SCRIPT [ROUNDS]: one benchmark script against two builds, for
# "no worse than before" checks (issue 19): SCRIPT runs with BUILD=BUILD_A
# and BUILD=BUILD_B in turn, ROUNDS rounds (3), the order A B, B A, A B...
# so that neither build always runs first on a machine whose load drifts.
# Every number in SCRIPT's Markdown tables is then reported per build as
# the median over the rounds, with B/A per round and its median.
#
#   BUILD_A=/tmp/old/build BUILD_B=$PWD/build bench/ab.sh bench/cni.sh 3
#
# The script's environment (CNI_BENCH_N, LAB_BENCH_SIZES...) passes through;
# both builds run this tree's SCRIPT, so only the binaries differ. Each run's
# output and the machine's load (uptime) before it are kept in AB_OUT
# (a new directory under /tmp).
set -eu
: "${BUILD_A:?set BUILD_A to the first build directory}"
: "${BUILD_B:?set BUILD_B to the second build directory}"
[ $# -ge 1 ] || { echo "usage: ${0##*/} SCRIPT [ROUNDS]" >&2; exit 2; }
script=$1
rounds=${2:-3}
cd "$(dirname "$0")/.."
OUT=${AB_OUT:-$(mktemp -d /tmp/netns-ab.XXXXXX)}
mkdir -p "$OUT"
r=1
while [ "$r" -le "$rounds" ]; do
	order="A B"
	[ $((r % 2)) -eq 1 ] || order="B A"
	for side in $order; do
		eval "build=\$BUILD_$side"
		load=$(uptime | sed 's/.*load average: //')
		echo "ab.sh: round $r, $side ($build), load $load" >&2
		echo "$r $side $load" >>"$OUT/load"
		BUILD=$build bench/run.sh "$script" >"$OUT/$side.$r" 2>"$OUT/$side.$r.err" ||
			{ echo "ab.sh: $script failed with $build: see $OUT/$side.$r.err" >&2; exit 1; }
	done
	r=$((r + 1))
done

echo "## $script: A = $BUILD_A, B = $BUILD_B, $rounds rounds"
echo
echo "Load (1, 5, 15 min) before each run:"
echo
sed 's/^/    round /' "$OUT/load"
echo
echo "| table | row | column | A median | B median | B/A median | B/A per round |"
echo "|---|---|---|---:|---:|---:|---|"
# A table is a run of lines starting with "|"; its first line is the header.
# A cell is keyed by the table's header, the row's place in it and the
# column, so both builds' runs line up as long as they print the same rows.
for f in "$OUT"/A.* "$OUT"/B.*; do
	case $f in *.err) continue ;; esac
	b=${f##*/}
	echo "@ ${b%%.*} ${b#*.}"
	cat "$f"
done | awk -v rounds="$rounds" '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	function median(list, n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == "@" { side = $2; round = $3; intable = 0; next }
	!/^\|/ { intable = 0; next }
	/^\|[-:| ]+\|$/ { next }
	!intable { intable = 1; head = $0; row = 0
		nh = split($0, h, "|"); for (i = 2; i < nh; i++) col[head, i] = trim(h[i])
		if (!(head in seen)) { seen[head] = 1; heads[++nt] = head; name[head] = trim(h[2]) }
		next }
	{
		row++
		n = split($0, c, "|")
		label = ""
		for (i = 2; i < n; i++) {
			v = trim(c[i])
			if (match(v, /^[0-9]+(\.[0-9]+)?/)) {
				k = head SUBSEP row SUBSEP i
				if (!(k in keyseen)) { keyseen[k] = 1; keys[head, ++nk[head]] = k }
				val[side, k, round] = substr(v, 1, RLENGTH)
			} else if (!((head, row) in lab)) label = label (label == "" ? "" : ", ") v
		}
		if (!((head, row) in lab)) lab[head, row] = label
	}
	END {
		for (t = 1; t <= nt; t++) {
			hd = heads[t]
			for (j = 1; j <= nk[hd]; j++) {
				k = keys[hd, j]; split(k, kk, SUBSEP)
				la = lb = rr = per = ""
				for (r = 1; r <= rounds; r++) {
					if (("A", k, r) in val) la = la " " val["A", k, r]
					if (("B", k, r) in val) lb = lb " " val["B", k, r]
					if ((("A", k, r) in val) && (("B", k, r) in val) && val["A", k, r] > 0) {
						x = sprintf("%.2f", val["B", k, r] / val["A", k, r]); rr = rr " " x; per = per " " x
					}
				}
				printf "| %s | %s | %s | %s | %s | %s | %s |\n", name[hd], lab[hd, kk[2]], col[hd, kk[3]],
					la == "" ? "-" : median(la), lb == "" ? "-" : median(lb),
					rr == "" ? "-" : sprintf("%.2f", median(rr)), per == "" ? "-" : trim(per)
			}
		}
	}'
echo
echo "Runs kept in $OUT."
