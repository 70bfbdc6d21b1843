#!/bin/sh
# bench/lab.sh: netns lab up/down against ip -b and against mininet (issue 12).
#
#   BUILD=build bench/run.sh bench/lab.sh          (or: make bench)
#   LAB_BENCH_SIZES="100 1000" LAB_BENCH_MN_SIZES=100 sh bench/lab.sh   (quick)
#
# LAB_BENCH_SIZES     nodes per lab, netns against ip -b (100 1000 10000)
# LAB_BENCH_SHAPES    shapes of netns lab gen (line tree); a shape gen does
#                     not know is skipped with a note
# LAB_BENCH_MN_SIZES  hosts per mininet topology (100 500 1000); a size is
#                     tried only while the one before finished; empty: none
# LAB_BENCH_MN_SHAPES   mininet topologies: linear, tree (line tree)
# LAB_BENCH_MN_TIMEOUT  seconds one mininet run (up and down) may take (600)
# SETTLE   seconds to wait at most for the kernel to free deleted namespaces (150)
# TIMEOUT  seconds a netns or ip run may take before it counts as failed (900)
#
# Side by side, on the same topology file, one after the other with the
# kernel left to free the namespaces of the run before:
# - netns lab up FILE, netns lab up FILE again (unchanged), netns lab down NAME;
# - the same work as a shell script of ip lines: one ip -b for the names and
#   veth pairs (each end born in its namespace), then one nsenter
#   --net=/run/netns/NODE ip -b per node for lo, links, bridges and
#   addresses (a batch line cannot name another namespace: ip -b refuses
#   "-n" in a line; and ip -n NODE copies the whole mount table, 10,000
#   namespace mounts at 10,000 nodes, into a new mount namespace per call:
#   more than 900 s for the 10,000 calls here); ip -b of netns del lines
#   for down;
# - mininet (Debian's, --switch lxbr --controller none, through its Python
#   API as mn --test none builds it), against netns lab on a file with the
#   same hosts, bridges, links and addresses.
# netns lab up runs under ulimit -n 256, its fds counted every 50 ms.
# Everything runs in a network namespace of its own (unshare --net) inside
# bench/run.sh's sandbox; mininet runs in a further private network, mount
# and pid namespace with its own /tmp and a read-only /proc/sys, since its
# resource tuning writes host-wide sysctls and its cleanup kills processes
# and deletes links by pattern machine-wide.
#
# Prints markdown tables. Timings on a shared VM are noisy: read the ratios,
# which come from the same run.
set -eu
if [ -n "${NETNS_SANDBOX:-}" ] && [ -z "${LAB_BENCH_NET:-}" ]; then
	exec env LAB_BENCH_NET=1 unshare --net sh "$0" "$@"
fi
SIZES=${LAB_BENCH_SIZES:-100 1000 10000}
SHAPES=${LAB_BENCH_SHAPES:-line tree}
MN_SIZES=${LAB_BENCH_MN_SIZES-100 500 1000}
MN_SHAPES=${LAB_BENCH_MN_SHAPES:-line tree}
MN_TIMEOUT=${LAB_BENCH_MN_TIMEOUT:-600}
SETTLE=${SETTLE:-150}
TIMEOUT=${TIMEOUT:-900}
FD_LIMIT=256
N=0
. "$(dirname "$0")/lib.sh"

MNPID=
lab_cleanup() {
	if [ -n "$MNPID" ]; then kill "$MNPID" 2>/dev/null || true; fi
	cleanup
}
trap lab_cleanup EXIT
ip link set lo up

LAB_ROWS=$TMP/lab.md
MN_ROWS=$TMP/mn.md
NOTES=$TMP/notes
TARGETS=$TMP/targets
: >"$LAB_ROWS"
: >"$MN_ROWS"
: >"$NOTES"
: >"$TARGETS"
note() { echo "- $*" >>"$NOTES"; echo "lab.sh: $*" >&2; }

# to_ip FILE PREFIX DIR: turns a lab file as netns lab gen writes it (nodes
# with no settings or { kind: bridge }; links of two NODE:IF[:CIDR]) into the
# ip way: DIR/up.NNNN (ip -b: names, veth pairs), DIR/nodes (one node a line),
# DIR/n/NODE (ip -n PREFIX-NODE -b: lo, bridge, ports, addresses) and
# DIR/down (ip -b: netns del). Fails on anything else in the file. The veth
# lines go 400 to a file: ip -b (iproute2 6.1) keeps both namespace fds of
# every "link add ... netns X ... peer ... netns Y" line open until it exits,
# so one file of 10,000 such lines dies of EMFILE under a limit of 20,000
# (and one of 500 lines under the usual 1,024).
to_ip() {
	rm -rf "$3"
	mkdir -p "$3/n"
	awk -v p="$2" -v d="$3" '
	function fail(why) { print "to_ip: line " NR ": " why ": " $0 >"/dev/stderr"; bad = 1; exit 1 }
	function node(n) { if (!(n in file)) fail("unknown node " n); return file[n] }
	function ends(e, i, a, k) {
		k = split(e, a, ":")
		if (k < 2 || k > 3) fail("bad endpoint " e)
		nd[i] = a[1]; ifn[i] = a[2]; cidr[i] = (k == 3) ? a[3] : ""
		node(nd[i])
	}
	/^[ \t]*(#|$)/ { next }
	/^name:/ || /^topology:/ || /^  (nodes|links):[ \t]*$/ { next }
	/^    [A-Za-z0-9_.-]+:[ \t]*(\{ *kind: *bridge *\})?[ \t]*$/ {
		n = $1; sub(/:$/, "", n)
		file[n] = d "/n/" n
		bridge[n] = ($0 ~ /bridge/)
		print n >(d "/nodes")
		print "netns add " p "-" n >(d "/up.0000")
		print "netns del " p "-" n >(d "/down")
		print "link set lo up" >file[n]
		if (bridge[n]) { print "link add " n " type bridge" >file[n]; print "link set " n " up" >file[n] }
		next
	}
	/^    - endpoints: *\[ *"[^"]+" *, *"[^"]+" *\][ \t]*$/ {
		s = $0; sub(/^[^[]*\[ *"/, "", s); sub(/" *\].*$/, "", s)
		split(s, e, /" *, *"/)
		ends(e[1], 1); ends(e[2], 2)
		out = sprintf("%s/up.%04d", d, int(nlinks / 400) + 1)
		nlinks++
		if (out != last) { if (last != "") close(last); last = out }
		print "link add " ifn[1] " netns " p "-" nd[1] " type veth peer name " ifn[2] " netns " p "-" nd[2] >out
		for (i = 1; i <= 2; i++) {
			if (bridge[nd[i]]) print "link set " ifn[i] " master " nd[i] >node(nd[i])
			print "link set " ifn[i] " up" >node(nd[i])
			if (cidr[i] != "") print "addr add " cidr[i] " dev " ifn[i] >node(nd[i])
		}
		next
	}
	{ fail("not understood") }' "$1"
}

# mirror SHAPE HOSTS NAME: a lab file of the topology mininet builds for
# --topo linear,HOSTS (host hI on switch sI, the switches in a chain) or
# --topo tree,depth=2,fanout=F (F = ceil(sqrt(HOSTS)): a root switch, F
# switches under it, F hosts under each), hosts addressed as mininet does
# (10.0.0.0/8, host I gets 10.0.0.0 + I). Each switch is a bridge node,
# which here is a namespace of its own (mininet keeps its bridges in one).
mirror() {
	awk -v shape="$1" -v hosts="$2" -v name="$3" '
	function addr(i) { return sprintf("10.%d.%d.%d/8", int(i / 65536), int(i / 256) % 256, i % 256) }
	function host(i, sw, port) { links[++nl] = sprintf("\"h%d:eth0:%s\", \"s%d:p%d\"", i, addr(i), sw, port) }
	BEGIN {
		if (shape == "line") {
			ns = hosts
			for (i = 1; i <= hosts; i++) {
				host(i, i, 1)
				if (i > 1) links[++nl] = sprintf("\"s%d:p2\", \"s%d:p3\"", i, i - 1)
			}
		} else {
			f = int(sqrt(hosts)); if (f * f < hosts) f++
			hosts = f * f; ns = f + 1; h = 0
			for (c = 1; c <= f; c++) {
				links[++nl] = sprintf("\"s1:p%d\", \"s%d:p%d\"", c, c + 1, f + 1)
				for (k = 1; k <= f; k++) host(++h, c + 1, k)
			}
		}
		printf "name: %s\ntopology:\n  nodes:\n", name
		for (i = 1; i <= hosts; i++) printf "    h%d:\n", i
		for (i = 1; i <= ns; i++) printf "    s%d: { kind: bridge }\n", i
		print "  links:"
		for (i = 1; i <= nl; i++) printf "    - endpoints: [%s]\n", links[i]
	}'
}

nodes_of() { grep -c '^    [A-Za-z0-9_.-]*:' "$1"; }
links_of() { grep -c '^    - endpoints:' "$1"; }
names() { find "$RUNDIR" -mindepth 1 -maxdepth 1 | wc -l; }

# What a node looks like from outside, for comparing the two ways: its
# links (name, state; bridge ports with their master) and IPv4 addresses.
look() {
	{
		ip -n "$1" -br link | awk '{ sub(/@.*/, "", $1); print $1, $2 }'
		ip -n "$1" -o link | awk '/ master / { sub(/@.*/, "", $2); for (i = 1; i < NF; i++) if ($i == "master") print $2, "master", $(i + 1) }'
		ip -n "$1" -4 -br addr | awk '{ sub(/@.*/, "", $1); $2 = ""; print }'
	} | sort
}

# fds_sample PID OUT: writes the most fds PID's first child (the command
# under timeout) has held at once into OUT, looking every 50 ms until killed.
fds_sample() {
	max=0 target=
	echo 0 >"$2"
	while :; do
		if [ -z "$target" ]; then
			# The file ends with no newline: read fails but still sets target.
			read -r target _ 2>/dev/null </proc/"$1"/task/"$1"/children || :
		fi
		if [ -n "$target" ]; then
			set -- "$1" "$2" /proc/"$target"/fd/*
			if [ $# -gt $((max + 2)) ] && [ -e "$3" ]; then
				max=$(($# - 2))
				echo $max >"$2"
			fi
		fi
		sleep 0.05
	done
}

# timed LIMIT CMD...: runs CMD (under ulimit -n LIMIT unless LIMIT is -,
# bounded by TIMEOUT), counting its fds; sets T (ns), RC, FDS; CMD's stderr
# goes to $TMP/err.
timed() {
	limit=$1
	shift
	t0=$(now)
	(
		[ "$limit" = - ] || ulimit -n "$limit"
		exec timeout "$TIMEOUT" "$@"
	) >/dev/null 2>"$TMP/err" &
	pid=$!
	fds_sample $pid "$TMP/fds" &
	spid=$!
	RC=0
	wait $pid || RC=$?
	T=$(($(now) - t0))
	kill $spid 2>/dev/null || true
	wait $spid 2>/dev/null || true
	FDS=$(cat "$TMP/fds")
}

# netns_run FILE LAB NODES: up (under ulimit -n FD_LIMIT; once more without
# a limit if that fails), up again, one node's look, down. Sets UP, AGAIN,
# AGAIN_RC, DOWN (ns), UP_FDS, LIMIT_OK, LOOK.
netns_run() {
	LIMIT_OK=yes
	timed $FD_LIMIT "$NETNS" lab up "$1"
	if [ $RC -ne 0 ]; then
		LIMIT_OK="no ($(head -n 1 "$TMP/err"))"
		note "netns lab up $1 under ulimit -n $FD_LIMIT: exit $RC: $(head -n 1 "$TMP/err")"
		[ "$(names)" -eq 0 ] || die "a failed lab up left $(names) names"
		settle
		timed - "$NETNS" lab up "$1"
		[ $RC -eq 0 ] || die "netns lab up $1: $(head -n 1 "$TMP/err")"
	fi
	UP=$T UP_FDS=$FDS
	[ "$(names)" -eq "$3" ] || die "netns lab up $1: $(names) names, expected $3"
	timed - "$NETNS" lab up "$1"
	AGAIN=$T AGAIN_RC=$RC
	AGAIN_ERR=$(head -n 1 "$TMP/err")
	LOOK=$(look "$2-$4")
	timed - "$NETNS" lab down "$2"
	[ $RC -eq 0 ] || die "netns lab down $2: $(head -n 1 "$TMP/err")"
	DOWN=$T
	[ "$(names)" -eq 0 ] || die "netns lab down $2 left $(names) names"
}

# ip_run FILE PREFIX NODES NODE: the same with ip. Sets IP_UP (IP_UP1, the
# names and veths, + IP_UP2, one nsenter --net + ip -b per node), IP_DOWN,
# IP_TO ("> " when up timed out: then no down is timed); dies
# if NODE does not look as it did under netns lab.
ip_run() {
	d=$TMP/ip
	echo "for f in $d/up.*; do ip -b \"\$f\"; done" >"$TMP/ip-up.sh"
	echo "while read -r node; do nsenter --net=$RUNDIR/$2-\$node ip -b \"$d/n/\$node\"; done <$d/nodes" >"$TMP/ip-nodes.sh"
	IP_TO=
	timed - sh -e "$TMP/ip-up.sh"
	[ $RC -eq 0 ] || [ $RC -eq 124 ] || die "ip way up: $(head -n 3 "$TMP/err")"
	IP_UP1=$T IP_UP2=0
	if [ $RC -eq 0 ]; then
		timed - sh -e "$TMP/ip-nodes.sh"
		[ $RC -eq 0 ] || [ $RC -eq 124 ] || die "ip way up, nodes: $(head -n 3 "$TMP/err")"
		IP_UP2=$T
	fi
	IP_UP=$((IP_UP1 + IP_UP2))
	if [ $RC -eq 124 ]; then
		IP_TO="> "
		note "ip way, $3 nodes: not up within TIMEOUT=$TIMEOUT s"
	else
		[ "$(names)" -eq "$3" ] || die "ip way: $(names) names, expected $3"
		[ "$(look "$2-$4")" = "$LOOK" ] ||
			die "node $4 differs: netns lab: $LOOK; ip: $(look "$2-$4")"
	fi
	if [ -n "$IP_TO" ]; then
		"$NETNS" delete --all >/dev/null 2>&1 || true
		IP_DOWN=0
		return
	fi
	timed - ip -b "$d/down"
	[ $RC -eq 0 ] || die "ip way down: $(head -n 1 "$TMP/err")"
	IP_DOWN=$T
	[ "$(names)" -eq 0 ] || die "ip way down left $(names) names"
}

# The node compared between the ways: one from the middle of the file.
mid_node() { grep '^    [A-Za-z0-9_.-]*:' "$1" | sed -n "$(($(nodes_of "$1") / 2 + 1))p" | sed 's/^ *//; s/:.*//'; }

# lab_vs_ip SHAPE SIZE: one row of the netns-against-ip table.
lab_vs_ip() {
	f=$TMP/$1-$2.yml
	"$NETNS" lab gen "$1" "$2" nl >"$f"
	if ! to_ip "$f" ib "$TMP/ip" 2>"$TMP/err"; then
		note "$1 $2: no ip way for this file ($(head -n 1 "$TMP/err")): skipped"
		return 0
	fi
	nodes=$(nodes_of "$f") links=$(links_of "$f") mid=$(mid_node "$f")
	N=$nodes
	settle
	netns_run "$f" nl "$nodes" "$mid"
	settle
	ip_run "$f" ib "$nodes" "$mid"
	settle
	if [ "$AGAIN_RC" -eq 0 ]; then
		again=$(sec $AGAIN)
	else
		again="refused (exit $AGAIN_RC)"
		note "netns lab up on the unchanged $1 lab of $2: exit $AGAIN_RC: $AGAIN_ERR"
	fi
	printf '| %s | %s | %s | %s | %s (%s + %s) | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$nodes" "$links" \
		"$(sec $UP)" "$IP_TO$(sec $IP_UP)" "$(sec $IP_UP1)" "$(sec $IP_UP2)" "$IP_TO$(ratio $IP_UP $UP)" \
		"$(sec $DOWN)" "${IP_TO:+-}$(test -n "$IP_TO" || sec $IP_DOWN)" "${IP_TO:+-}$(test -n "$IP_TO" || ratio $IP_DOWN $DOWN)" \
		"$again" "$UP_FDS" "$LIMIT_OK" >>"$LAB_ROWS"
	echo "lab $1 $nodes $UP $DOWN $AGAIN_RC $AGAIN $UP_FDS $LIMIT_OK" >>"$TARGETS"
}

echo "lab.sh: sizes $SIZES, shapes $SHAPES, mininet hosts $MN_SIZES" >&2
for shape in $SHAPES; do
	if ! "$NETNS" lab gen "$shape" 7 >/dev/null 2>"$TMP/err"; then
		note "netns lab gen $shape: $(head -n 1 "$TMP/err"): $shape skipped"
		continue
	fi
	for size in $SIZES; do
		echo "lab.sh: $shape $size" >&2
		lab_vs_ip "$shape" "$size"
	done
done

# mininet: MN_PY is what mn --switch lxbr --controller none --test none
# does (mininet 2.3's bin/mn builds Mininet() with these arguments, then
# start(), then stop()), timed in two parts.
MN_PY='
import os, sys, time
from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.node import Host, NullController
from mininet.nodelib import LinuxBridge
from mininet.link import Link
from mininet.topo import LinearTopo
from mininet.topolib import TreeTopo
setLogLevel("warning")
shape, hosts = sys.argv[1], int(sys.argv[2])
if shape == "line":
    topo = LinearTopo(k=hosts, n=1)
else:
    f = 1
    while f * f < hosts:
        f += 1
    topo = TreeTopo(depth=2, fanout=f)
t0 = time.time()
net = Mininet(topo=topo, switch=LinuxBridge, host=Host, controller=[NullController],
              link=Link, ipBase="10.0.0.0/8", inNamespace=False, xterms=False,
              autoSetMacs=False, autoStaticArp=False, autoPinCpus=False,
              waitConnected=False, listenPort=6654)
net.start()
t1 = time.time()
print("up", len(net.hosts), len(net.switches), len(net.links), int((t1 - t0) * 1e9),
      len(os.listdir("/proc/self/fd")), flush=True)
net.stop()
print("down", int((time.time() - t1) * 1e9), flush=True)
'
# jail CMD...: CMD in a private network, mount and pid namespace (all of it
# dies with CMD, or with unshare: --kill-child), with a /tmp of its own
# (mininet's cleanup removes /tmp/*.log) and /proc/sys read-only (mininet's
# fixLimits() raises fs.file-max, kernel.pty.max, net.core.wmem_max: the
# host's; it warns and goes on). The time-out is a SIGKILL: unshare --fork
# ignores SIGTERM, and so does python as the pid namespace's init.
jail() {
	timeout -s KILL "$MN_TIMEOUT" unshare --net --pid --mount --fork --kill-child --mount-proc \
		--propagation private sh -c '
		mount -n -t tmpfs -o mode=1777 lab-bench-mn /tmp &&
		mount -n --bind /proc/sys /proc/sys &&
		mount -n -o remount,bind,ro /proc/sys &&
		ip link set lo up || exit 1
		HOME=/tmp exec "$@"' jail "$@"
}

mn_ok=
if [ -z "$MN_SIZES" ]; then
	note "mininet: LAB_BENCH_MN_SIZES is empty: skipped"
elif ! command -v mn >/dev/null || ! command -v brctl >/dev/null ||
	! /usr/bin/python3 -c 'import mininet.net' 2>/dev/null; then
	note "mininet: not installed (scripts/deps.sh bench installs mininet and bridge-utils): skipped"
else
	mn_ok=1
	mn_version=$(dpkg-query -W -f '${Version}' mininet 2>/dev/null || echo '?')
fi
for shape in $MN_SHAPES; do
	[ -n "$mn_ok" ] || break
	for hosts in $MN_SIZES; do
		echo "lab.sh: mininet $shape $hosts" >&2
		N=$((hosts * 2))
		settle
		jail /usr/bin/python3 -c "$MN_PY" "$shape" "$hosts" >"$TMP/mn.out" 2>"$TMP/mn.err" &
		MNPID=$!
		rc=0
		wait $MNPID || rc=$?
		MNPID=
		set -- $(grep '^up ' "$TMP/mn.out" || echo up - - - - -)
		mh=$2 ms=$3 ml=$4 mup=$5 mfds=$6
		mdown=$(awk '$1 == "down" { print $2 }' "$TMP/mn.out")
		if [ "$mup" = - ]; then
			note "mininet $shape $hosts: not up within ${MN_TIMEOUT} s (exit $rc: $(grep -v '^\*\*\*\|^Warning' "$TMP/mn.err" | tail -n 1)); larger sizes skipped"
			break
		fi
		f=$TMP/mn-$shape-$hosts.yml
		mirror "$shape" "$hosts" nm >"$f"
		nodes=$(nodes_of "$f")
		[ "$(grep -c '^    h' "$f")" -eq "$mh" ] && [ "$(links_of "$f")" -eq "$ml" ] ||
			die "mininet built $mh hosts, $ml links; the mirror file has $(grep -c '^    h' "$f"), $(links_of "$f")"
		N=$nodes
		settle
		netns_run "$f" nm "$nodes" h1
		[ -n "$mdown" ] || mdown=-
		printf '| %s | %s + %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
			"$([ "$shape" = line ] && echo "linear,$hosts" || echo "tree,depth=2,fanout=$(awk -v h="$mh" 'BEGIN { print int(sqrt(h) + 0.5) }')")" \
			"$mh" "$ms" "$ml" "$(sec "$mup")" "$([ "$mdown" = - ] && echo "> $MN_TIMEOUT" || sec "$mdown")" "$mfds" \
			"$(sec $UP)" "$(sec $DOWN)" "$UP_FDS" \
			"$(ratio "$mup" $UP)" "$([ "$mdown" = - ] && echo - || ratio "$mdown" $DOWN)" >>"$MN_ROWS"
		echo "mn $shape $hosts $mup $mdown $UP $DOWN" >>"$TARGETS"
		if [ "$mdown" = - ]; then
			note "mininet $shape $hosts: down not done within ${MN_TIMEOUT} s; larger sizes skipped"
			break
		fi
	done
done
# mn itself once, as the issue measured it, against the API runs above.
mn_whole=
if [ -n "$mn_ok" ]; then
	hosts=${MN_SIZES%% *}
	N=$((hosts * 2))
	settle
	jail mn --switch lxbr --controller none --test none --topo "linear,$hosts" >"$TMP/mn.out" 2>&1 &
	MNPID=$!
	wait $MNPID || true
	MNPID=
	mn_whole=$(awk '/ompleted in/ { print $(NF - 1) }' "$TMP/mn.out")
	settle
fi

cat <<EOF

### netns lab against ip -b

Each size: \`netns lab gen SHAPE N\`, then \`netns lab up FILE\` (under
\`ulimit -n $FD_LIMIT\`), \`netns lab up FILE\` again on the unchanged lab,
\`netns lab down NAME\`; then the same work as ip lines (\`ip -b\` of
\`netns add\` and \`link add A netns X type veth peer name B netns Y\`, then
one \`nsenter --net=/run/netns/NODE ip -b\` per node: lo, links up,
addresses; "ip up" shows the
two parts in brackets; down: \`ip -b\` of \`netns del\`). The kernel frees
the namespaces of one run before the next starts (at most SETTLE=$SETTLE s).
One node from the middle of each file is checked to look the same both ways
(links, states, IPv4 addresses).

| shape | nodes | links | lab up (s) | ip up (s) | ip/lab | lab down (s) | ip down (s) | ip/lab | lab up, unchanged (s) | lab up: peak fds | under ulimit -n $FD_LIMIT |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
$(cat "$LAB_ROWS")
EOF
if [ -n "$mn_ok" ]; then
	cat <<EOF

### netns lab against mininet $mn_version

Mininet through its Python API, as \`mn --switch lxbr --controller none
--test none --topo T\` builds it; up is \`Mininet()\` + \`start()\`, down is
\`stop()\`; fds are mininet's own after up. netns lab gets a file of the same
topology: the same hosts, addresses and links, each switch a bridge node (a
namespace of its own, so netns makes hosts + switches namespaces where
mininet makes hosts).${mn_whole:+ \`mn --topo linear,${MN_SIZES%% *}\` itself, the whole run: $mn_whole s.}

| mininet topology | hosts + switches | links | mininet up (s) | mininet down (s) | mininet fds | lab up (s) | lab down (s) | lab fds | × up | × down |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(cat "$MN_ROWS")
EOF
fi
echo
echo "Against issue 12's targets:"
echo
awk -v lim=$FD_LIMIT '
	function mark(ok) { return ok ? "**met**" : "**not met**" }
	$1 == "lab" { n = $3; if (n > big) big = n
		up[$2, n] = $4; down[$2, n] = $5; arc[$2, n] = $6; again[$2, n] = $7
		fds[$2, n] = $8; lim_ok[$2, n] = ($9 == "yes"); shapes[$2] = 1
		if (!($2 in fmin) || $8 < fmin[$2]) fmin[$2] = $8
		if ($8 > fmax[$2]) fmax[$2] = $8
		fprev[$2] = ($2 in flast) ? flast[$2] : $8; flast[$2] = $8 }
	$1 == "mn" && $3 == 500 { mn[$2] = $4 " " $5 " " $6 " " $7 }
	END {
		for (s in shapes) {
			if ((s, big) in up) {
				u = up[s, big] / 1e9; d = down[s, big] / 1e9
				printf "- %s, %d nodes: up %.2f s (<= 15 s: %s), down %.2f s (<= 15 s: %s)\n", s, big, u, mark(u <= 15), d, mark(d <= 15)
				if (arc[s, big] == 0)
					printf "- %s, %d nodes, up unchanged: %.2f s (<= 2 s: %s)\n", s, big, again[s, big] / 1e9, mark(again[s, big] <= 2e9)
				else
					printf "- %s, %d nodes, up unchanged: refused (exit %d) (<= 2 s: %s)\n", s, big, arc[s, big], mark(0)
			}
			ok = 1
			for (k in lim_ok) { split(k, kk, SUBSEP); if (kk[1] == s && !lim_ok[k]) ok = 0 }
			printf "- %s: peak fds of lab up %d to %d across sizes, %d at the largest against %d at the one before; %s under ulimit -n %d (constant: %s)\n", s, fmin[s], fmax[s], flast[s], fprev[s], ok ? "every size passed" : "not every size passed", lim, mark(ok && flast[s] <= fprev[s] + 8)
		}
		for (s in mn) {
			split(mn[s], m, " ")
			if (m[2] == "-") { printf "- mininet %s 500: down did not finish\n", s; continue }
			xu = m[1] / m[3]; xd = m[2] / m[4]
			printf "- mininet %s, 500 hosts: lab %.0fx faster up, %.0fx down (>= 50x: %s)\n", s, xu, xd, mark(xu >= 50 && xd >= 50)
		}
	}' "$TARGETS"
if [ -s "$NOTES" ]; then
	echo
	echo "Notes:"
	echo
	cat "$NOTES"
fi
echo
echo "Command: \`BUILD=build bench/run.sh bench/lab.sh\` (LAB_BENCH_SIZES=\"$SIZES\" LAB_BENCH_SHAPES=\"$SHAPES\" LAB_BENCH_MN_SIZES=\"$MN_SIZES\" LAB_BENCH_MN_SHAPES=\"$MN_SHAPES\"); $(date -u '+%Y-%m-%d %H:%M UTC')."
