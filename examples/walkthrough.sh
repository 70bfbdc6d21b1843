#!/bin/bash
# The walkthrough of the tutorial "Don't mix goroutines and namespaces", part 1,
# done for real with netns and the teaching programs: each step prints what it
# does, the commands and their real output, and checks the step's claim
# (exit 1 when a claim turns out false). Run by `make demo`, as root.
#
# It runs in a private mount namespace with a tmpfs of its own on /run, so
# its names can neither collide with nor leak to the host's; it still kills
# its processes and deletes its names itself, also on failure and Ctrl-C.
# The host's iptables rules are only read, never changed.
set -u
: "${BUILD:?set BUILD to the build directory}"

if [ -z "${NETNS_WALKTHROUGH_SANDBOX:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "walkthrough: needs root (namespaces, mounts, iptables)" >&2
		exit 1
	fi
	# Ctrl-C reaches the sandboxed script, which cleans up; we only wait.
	trap ':' INT TERM
	NETNS_WALKTHROUGH_SANDBOX=1 unshare --mount --propagation private "$0" "$@"
	exit $?
fi

# A /run of our own (mount -n: no utab in the host's /run/mount), with an
# empty /run/netns in it: nothing the walkthrough makes there outlives it.
mount -n -t tmpfs -o mode=0755,nosuid,nodev netns-walkthrough /run || exit 1
mkdir -p /run/netns /run/lock
export PATH="$BUILD:$PATH"
NAMES=(apricot banana cherry)
PGIDS=()   # servers, each the leader of its own process group
PIDS=()    # other background processes
RULE=(FORWARD -j ACCEPT -d 1.2.3.4)
PORT=5000
TMP=$(mktemp -d) || exit 1

cleanup() {
	local p n
	trap - EXIT INT TERM
	for p in "${PGIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PGIDS[@]}" "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -e /run/netns/cherry ] && netns exec cherry iptables -D "${RULE[@]}" 2>/dev/null
	for n in "${NAMES[@]}" dragonfruit; do
		[ -e "/run/netns/$n" ] && netns delete "$n"
	done
	umount -l /run 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo; echo "walkthrough: interrupted, cleaning up" >&2; exit 130' INT TERM

# --- presentation ---------------------------------------------------------

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s== Step %s: %s%s\n# %s\n' "$BOLD" "$1" "$2" "$PLAIN" "$3"; }
# run CMD...: prints the command, then runs it with its output indented.
run() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
# claim TEXT CMD...: checks a claim of the tutorial; a false one ends the walk.
claim() {
	local text=$1
	shift
	if "$@"; then
		printf '   ok: %s\n' "$text"
	else
		printf 'FALSE: %s\n' "$text" >&2
		exit 1
	fi
}
same() { [ "$1" = "$2" ]; }
differ() { [ "$1" != "$2" ]; }

# A TCP server that sends MESSAGE again and again to each client, as in the
# tutorial; "serve NETNS-EXEC-PREFIX... -- ADDR MESSAGE". Its own process
# group, so that one kill ends the loop, its sleeps and nc.
serve() { # WHERE (host or a name) LISTEN-ARGS MESSAGE
	local where=$1 listen=$2 msg=$3 loop
	loop="while sleep 0.2; do echo '$msg'; done | exec nc -lk $listen"
	if [ "$where" = host ]; then
		printf '$ %s &\n' "$loop"
		setsid bash -c "$loop" </dev/null &
	else
		printf '$ netns exec %s bash -c "%s" &\n' "$where" "$loop"
		setsid netns exec "$where" bash -c "$loop" </dev/null &
	fi
	SERVER=$!
	PGIDS+=("$SERVER")
}
# hello [NETNS-EXEC...]: the first line a client gets from port PORT.
hello() { timeout 5 "$@" nc -w 2 127.0.0.1 "$PORT" </dev/null 2>&1 | head -n 1; }
# until_hello WANT [NETNS-EXEC...]: asks until WANT arrives (bounded: servers start).
until_hello() {
	local want=$1 out i
	shift
	for ((i = 0; i < 30; i++)); do
		out=$(hello "$@")
		[ "$out" = "$want" ] && break
		sleep 0.1
	done
	printf '$ %s\n    %s\n' "${*:+$* }nc 127.0.0.1 $PORT" "$out"
	[ "$out" = "$want" ]
}
ns_inode() { stat -L -c %i "$1"; }

# --- the walk -------------------------------------------------------------

if ss -Hltn "sport = :$PORT" | grep -q .; then
	PORT=$(for p in $(seq 5001 5100); do ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; break; }; done)
	echo "# port 5000 is taken on this host; using $PORT instead"
fi

step 1 "make three namespaces" "netns add makes a namespace and names it in /run/netns, like ip netns add."
run netns add apricot banana cherry || exit 1
run netns list
claim "apricot, banana and cherry are listed" same "$(netns list | tr '\n' ' ')" "apricot banana cherry "

step 2 "a firewall rule inside a namespace" "Each namespace has its own iptables rules; a rule added in cherry is not on the host."
host_before=$(iptables -S 2>&1)
run netns exec cherry iptables -S
run netns exec cherry iptables -A "${RULE[@]}" || exit 1
run netns exec cherry iptables -S
printf '$ iptables -S    # on the host (only read)\n'
iptables -S 2>&1 | head -n 12 | sed 's/^/    /'
[ "$(iptables -S 2>&1 | wc -l)" -gt 12 ] && echo "    ..."
claim "the rule is in cherry" eval 'netns exec cherry iptables -S | grep -qx -- "-A FORWARD -d 1.2.3.4/32 -j ACCEPT"'
claim "the host's rules did not change" same "$host_before" "$(iptables -S 2>&1)"
claim "banana does not have it" eval '! netns exec banana iptables -S | grep -q 1.2.3.4'

step 3 "a namespace is an inode" "The inode of /run/netns/NAME identifies the namespace; a process started inside has the same one."
run ls -i -1 /run/netns
run netns -j list
printf '$ netns exec apricot sleep 1000 &\n'
netns exec apricot sleep 1000 &
SLEEP_PID=$!
PIDS+=("$SLEEP_PID")
for ((i = 0; i < 50; i++)); do [ "$(cat /proc/$SLEEP_PID/comm)" = sleep ] && break; sleep 0.05; done
run readlink "/proc/$SLEEP_PID/ns/net"
claim "sleep's net:[INODE] is apricot's inode" \
	same "$(readlink "/proc/$SLEEP_PID/ns/net")" "net:[$(ns_inode /run/netns/apricot)]"
kill "$SLEEP_PID"

step 4 "two servers, one port" "A server on port $PORT on the host (127.0.0.1 only), and another on the same port in cherry."
serve host "127.0.0.1 $PORT" "hello from host"
serve cherry "$PORT" "hello from cherry"
until_hello "hello from host"
claim "the host server answers" same "$(hello)" "hello from host"
for ((i = 0; i < 50; i++)); do netns exec cherry ss -Hltn "sport = :$PORT" | grep -q LISTEN && break; sleep 0.1; done
run netns exec cherry ss -ltn
claim "cherry has its own listener on port $PORT" eval 'netns exec cherry ss -Hltn "sport = :$PORT" | grep -q LISTEN'

step 5 "lo is down" "Every new namespace has its own lo, and it starts DOWN: the server in cherry can't be reached."
run netns exec cherry ip link list
printf '$ netns exec cherry nc -v -w 1 127.0.0.1 %s\n' "$PORT"
out=$(timeout 5 netns exec cherry nc -v -w 1 127.0.0.1 "$PORT" </dev/null 2>&1)
echo "    $out"
claim "lo is DOWN in cherry" eval 'netns exec cherry ip -o link show lo | grep -q "state DOWN"'
claim "no answer from cherry's server" differ "$out" "hello from cherry"

step 6 "bring lo up" "With lo up, cherry's server answers, with cherry's message, not the host's."
run netns exec cherry ip link set lo up || exit 1
run netns exec cherry ip link list
claim "cherry answers as cherry" until_hello "hello from cherry" netns exec cherry
claim "the host still answers as the host" same "$(hello)" "hello from host"

step 7 "a namespace is not a file" "Any process inside is a handle: enter dragonfruit through /proc/PID/ns/net with netns-exec."
run netns add --up dragonfruit || exit 1
serve dragonfruit "$PORT" "hi from dragonfruit"
DRAGON_PID=$SERVER
claim "dragonfruit answers through /proc/$DRAGON_PID/ns/net" \
	until_hello "hi from dragonfruit" netns-exec "/proc/$DRAGON_PID/ns/net"

step 8 "delete the name" "The name goes, the namespace stays while a process is inside, reached by its PID."
run netns delete dragonfruit
run ls /run/netns
claim "the name dragonfruit is gone" eval '[ ! -e /run/netns/dragonfruit ]'
claim "dragonfruit still answers through /proc/$DRAGON_PID/ns/net" \
	until_hello "hi from dragonfruit" netns-exec "/proc/$DRAGON_PID/ns/net"
printf '$ kill %s %s %s    # the servers; the last one frees dragonfruit\n' "${PGIDS[@]}"
for p in "${PGIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PGIDS=()

step 9 "one process in many namespaces" "tcp-hello starts a thread per namespace; each thread switches itself with setns and serves port $PORT there."
for n in apricot banana; do run netns exec "$n" ip link set lo up; done
printf '$ tcp-hello -p %s /run/netns/apricot /run/netns/banana /run/netns/cherry &\n' "$PORT"
tcp-hello -p "$PORT" /run/netns/apricot /run/netns/banana /run/netns/cherry 2>"$TMP/err" &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
for n in "${NAMES[@]}"; do
	claim "$n answers with its own message" \
		until_hello "hello from namespace /run/netns/$n" netns exec "$n"
done
sed 's/^/    /' "$TMP/err"    # tcp-hello's stderr so far

step 10 "threads in namespaces" "netns threads maps each thread to its namespace; DIVERGED marks those that left the main thread's."
run netns threads "$HELLO_PID"
claim "netns threads exits 3: threads diverged" eval '[ "$(netns threads "$HELLO_PID" >/dev/null; echo $?)" -eq 3 ]'
claim "exactly 3 threads diverged" same "$(netns threads "$HELLO_PID" | awk '$5 == "yes"' | wc -l)" 3
TID=$(netns threads "$HELLO_PID" | awk '$6 == "apricot" { print $2 }')
run readlink "/proc/$HELLO_PID/task/$TID/ns/net"
run ls -i /run/netns/apricot
claim "thread $TID is in apricot" \
	same "$(readlink "/proc/$HELLO_PID/task/$TID/ns/net")" "net:[$(ns_inode /run/netns/apricot)]"
claim "entering /proc/$HELLO_PID/task/$TID/ns/net reaches apricot's server" \
	until_hello "hello from namespace /run/netns/apricot" netns-exec "/proc/$HELLO_PID/task/$TID/ns/net"

step 11 "inheritance" "The main thread switches to banana, then creates a thread: the new thread is born in banana."
run inherit /run/netns/banana
mapfile -t lines < <(inherit /run/netns/banana)
ino() { echo "${1##* }"; }
claim "main started in the host's namespace" same "$(ino "${lines[0]}")" "$(ns_inode /proc/self/ns/net)"
claim "after the switch, main is in banana" same "$(ino "${lines[2]}")" "$(ns_inode /run/netns/banana)"
claim "the new thread is in banana too" same "$(ino "${lines[4]}")" "$(ino "${lines[2]}")"

step 12 "the moment of the bug" "netns watch sees, from eBPF, each thread ns-mess makes while its main thread is switched: the moment netns threads, a snapshot, misses."
# ns-mess names its namespace and prints its pid; the watch streams the
# whole machine, so its lines are picked by that pid.
netns watch >"$TMP/watch" 2>"$TMP/watch.err" &
WATCH_PID=$!
for ((i = 0; i < 50; i++)); do
	grep -q '^netns: watch: watching' "$TMP/watch.err" && break
	kill -0 "$WATCH_PID" 2>/dev/null || break
	sleep 0.1
done
if grep -q '^netns: watch: watching' "$TMP/watch.err"; then
	printf '$ netns watch &
$ ns-mess
'
	ns-mess >"$TMP/mess" 2>&1
	sleep 0.3
	kill -INT "$WATCH_PID"
	wait "$WATCH_PID"
	MESS_PID=$(sed -n 's/^ns-mess: naive mode, host net:\[[0-9]*\], ns-mess-\([0-9]*\) .*/\1/p' "$TMP/mess")
	grep -E "^[0-9:.]+ [a-z]+ +$MESS_PID/" "$TMP/watch" | sed 's/^/    /'
	claim "the 4 pool workers are reported as clones by the switched main thread" \
		same "$(grep -Ec "^[0-9:.]+ clone +$MESS_PID/$MESS_PID " "$TMP/watch")" 4
else
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	printf '    (skipped: %s)\n' "$(head -n 1 "$TMP/watch.err")"
fi

step 13 "connect two namespaces" "The tutorial's closing exercise: a veth pair joins apricot and banana, and nc crosses it."
LINK_PORT=7000    # inside the namespaces only; tcp-hello holds $PORT there
run netns connect apricot banana --addr 10.200.0.1/24 10.200.0.2/24 || exit 1
run netns links apricot
run netns links banana
serve apricot "10.200.0.1 $LINK_PORT" "hello from apricot, over the veth"
for ((i = 0; i < 30; i++)); do
	out=$(timeout 5 netns exec banana nc -w 2 10.200.0.1 "$LINK_PORT" </dev/null 2>&1 | head -n 1)
	[ "$out" = "hello from apricot, over the veth" ] && break
	sleep 0.1
done
printf '$ netns exec banana nc 10.200.0.1 %s\n    %s\n' "$LINK_PORT" "$out"
claim "banana receives apricot's message across the veth" same "$out" "hello from apricot, over the veth"
claim "the address lives only inside the namespaces" eval '! ip -o addr show | grep -q "10\.200\.0\."'

step 14 "clean up" "Stop the servers, remove the rule and the names; the namespaces die with their last process."
for p in "${PGIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PGIDS=()
printf '$ kill %s\n' "$HELLO_PID"
kill "$HELLO_PID"
wait 2>/dev/null
sed 's/^/    /' "$TMP/err" | tail -n 1
PIDS=()
run netns exec cherry iptables -D "${RULE[@]}"
run netns delete apricot banana cherry
run netns list
claim "no names are left" same "$(ls -A /run/netns)" ""
claim "no tcp-hello is left" eval '! kill -0 "$HELLO_PID" 2>/dev/null'
echo
echo "Walkthrough complete: every claim held."
