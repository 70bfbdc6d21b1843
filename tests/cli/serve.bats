#!/usr/bin/env bats
# netns serve: one process answers TCP (and UDP) in many namespaces. Each
# test has its own scratch run directory and port; the server is killed by
# teardown whatever happens.

load core-helpers

setup() {
	mk_scratch dir
	export NETNS_RUN_DIR=$dir/run
	log=$dir/serve.log
	# A port per test: namespaces are private, but a leak stays obvious.
	port=$((20000 + ($$ % 1000) * 10 + BATS_TEST_NUMBER))
	SERVE_PID=
}

# serve ARGS...: starts netns serve in the background, logging to $log.
serve() {
	netns serve -p "$port" "$@" >/dev/null 2>"$log" 3>&- &
	SERVE_PID=$!
	track_pid "$SERVE_PID"
}

# serve_limited LIMIT ARGS...: the same under `ulimit -n LIMIT`, soft and hard
# (serve raises its soft limit to the hard one).
serve_limited() {
	local limit=$1
	shift
	(ulimit -n "$limit" && exec netns serve -p "$port" "$@") >/dev/null 2>"$log" 3>&- &
	SERVE_PID=$!
	track_pid "$SERVE_PID"
}

# stop_serve: SIGTERM, and the server must exit 0.
stop_serve() {
	local rc=0
	kill "$SERVE_PID"
	wait "$SERVE_PID" || rc=$?
	[ "$rc" -eq 0 ]
}

# wait_log REGEX: waits (at most 5 s) for a line in the log; fails early if
# the server died.
wait_log() {
	local i
	for i in $(seq 100); do
		grep -qE "$1" "$log" && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# no '$1' in the log:" >&2
	sed 's/^/#   /' "$log" >&2
	return 1
}

# ask NS|PATH [nc options] [HOST]: one TCP connection from inside NS.
ask() {
	local ns=$1
	shift
	netns exec "$ns" nc -w 2 "${@:-127.0.0.1}" "$port" </dev/null
}

# wait_answer NS EXPECTED: retries (at most 5 s) until NS answers EXPECTED.
wait_answer() {
	local i
	for i in $(seq 50); do
		[ "$(ask "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# $1 never answered '$2'" >&2
	return 1
}

# wait_all_answer NAME...: retries (at most 5 s) until every NAME answers
# with its own name. nsenter starts faster than netns exec, which counts
# with 200 names under ASan.
wait_all_answer() {
	local left=("$@") next n i
	for i in $(seq 50); do
		next=()
		for n in "${left[@]}"; do
			[ "$(nsenter --net="$NETNS_RUN_DIR/$n" nc -w 2 127.0.0.1 "$port" </dev/null 2>/dev/null)" = \
				"hello from namespace $n" ] || next+=("$n")
		done
		[ "${#next[@]}" -eq 0 ] && return 0
		left=("${next[@]}")
		sleep 0.1
	done
	echo "# ${#left[@]} never answered, such as ${left[0]}" >&2
	return 1
}

# The names the log says are served.
served_names() {
	sed -n 's/^netns: serve: serving \([^ ]*\) (inode .*/\1/p' "$log"
}

# wait_ns_not PID INODE: waits (at most 5 s) until PID leaves namespace INODE.
wait_ns_not() {
	local i
	for i in $(seq 100); do
		[ "$(ns_inode "/proc/$1/ns/net" 2>/dev/null)" != "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# exited PID: the process is gone or a zombie (not waited for yet).
exited() {
	[ ! -e "/proc/$1/stat" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat")" = Z ]
}

# The CPU ticks (user + system) the process has used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# The lowest fd number free in process $1.
lowest_free_fd() {
	local fd=0
	while [ -e "/proc/$1/fd/$fd" ]; do
		fd=$((fd + 1))
	done
	echo "$fd"
}

@test "every named namespace answers with its own name" {
	netns add --up s1 s2 s3 s4 s5
	serve
	wait_log "serving 5 namespaces on port $port"
	for n in s1 s2 s3 s4 s5; do
		[ "$(ask "$n")" = "hello from namespace $n" ]
		grep -qxF "netns: serve: serving $n (inode $(ns_inode "$NETNS_RUN_DIR/$n")) on port $port" "$log"
	done
	# One thread serves them all.
	[ "$(awk '/^Threads:/ { print $2 }' "/proc/$SERVE_PID/status")" -eq 1 ]
}

@test "only the names and paths given, a path named as given" {
	netns add --up s1 s2 s3
	serve s1 "$NETNS_RUN_DIR/s3"
	wait_log "serving 2 namespaces"
	[ "$(ask s1)" = "hello from namespace s1" ]
	[ "$(ask s3)" = "hello from namespace $NETNS_RUN_DIR/s3" ]
	run -1 ask s2
	[ -z "$output" ]
}

@test "--message expands %n, %i and %%, and adds no newline" {
	netns add --up s1
	serve --message 'ns=%n ino=%i 100%%'
	wait_log "serving 1 namespace "
	want="ns=s1 ino=$(ns_inode "$NETNS_RUN_DIR/s1") 100%"
	[ "$(ask s1 | od -An -c | tr -d ' \n')" = "$(printf '%s' "$want" | od -An -c | tr -d ' \n')" ]
}

@test "IPv6 connections are answered too" {
	[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
	netns add --up s1
	serve
	wait_log "serving 1 namespace "
	[ "$(ask s1 ::1)" = "hello from namespace s1" ]
	run -1 grep -q "IPv4 only" "$log"
}

@test "--udp answers datagrams on IPv4 and IPv6 with the message" {
	netns add --up s1
	serve --udp --message 'udp %n'
	wait_log "serving s1 .* \(TCP and UDP\)"
	[ "$(echo hi | netns exec s1 nc -u -w 1 127.0.0.1 "$port")" = "udp s1" ]
	if [ -e /proc/sys/net/ipv6 ]; then
		[ "$(echo hi | netns exec s1 nc -u -w 1 ::1 "$port")" = "udp s1" ]
	fi
	[ "$(ask s1)" = "udp s1" ]
}

@test "--follow serves a namespace added later and drops a deleted one" {
	# The run directory does not exist yet: serve makes it and waits.
	serve --follow
	wait_log "serving 0 namespaces on port $port, following $NETNS_RUN_DIR"
	[ -d "$NETNS_RUN_DIR" ]
	netns add --up f1
	wait_answer f1 "hello from namespace f1"
	# The way ip netns add does it: an empty placeholder first (that is
	# the inotify event), the namespace mounted on it later (no event).
	unshare --net sleep 60 3>&- &
	outside=$!
	track_pid "$outside"
	wait_ns_not "$outside" "$(host_inode)"
	nsenter --net="/proc/$outside/ns/net" ip link set lo up
	touch "$NETNS_RUN_DIR/f2"
	sleep 0.3
	mount --bind "/proc/$outside/ns/net" "$NETNS_RUN_DIR/f2"
	wait_answer f2 "hello from namespace f2"
	# Keep f1 alive after its name goes, to see its listener close.
	netns exec f1 sleep 60 3>&- &
	holder=$!
	track_pid "$holder"
	wait_ns "$holder" "$holder" "$(ns_inode "$NETNS_RUN_DIR/f1")"
	netns delete f1
	wait_log "stopped serving f1 \(inode"
	run -1 netns exec "/proc/$holder/ns/net" nc -w 2 127.0.0.1 "$port" </dev/null
	[ "$(ask f2)" = "hello from namespace f2" ]
	# Added again under the same name: a new namespace, served again.
	netns add --up f1
	wait_answer f1 "hello from namespace f1"
	[ "$(grep -c '^netns: serve: serving f1 (inode' "$log")" -eq 2 ]
}

@test "a namespace whose port is taken is reported, the others are served" {
	netns add --up s1 s2
	netns exec s1 nc -l 127.0.0.1 "$port" 3>&- &
	track_pid $!
	for i in $(seq 50); do
		netns exec s1 ss -Htln "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	serve
	wait_log "serving 1 namespace "
	grep -qxF "netns: serve: s1: tcp port $port: Address already in use" "$log"
	[ "$(ask s2)" = "hello from namespace s2" ]
}

@test "a namespace deleted while served does not disturb the others" {
	netns add --up s1 s2
	serve
	wait_log "serving 2 namespaces"
	netns delete s1
	[ "$(ask s2)" = "hello from namespace s2" ]
	kill -0 "$SERVE_PID"
}

@test "out of fds, accept neither kills nor spins the server; it serves again" {
	netns add --up s1
	serve
	wait_log "serving 1 namespace "
	[ "$(ask s1)" = "hello from namespace s1" ]
	# No fd left for accept: every new fd would be past the limit.
	free=$(lowest_free_fd "$SERVE_PID")
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$SERVE_PID/limits")
	hard=$(awk '/^Max open files/ { print $5 }' "/proc/$SERVE_PID/limits")
	[ "$soft" = "$hard" ] # raised at start
	prlimit --pid "$SERVE_PID" --nofile="$free:$hard"
	# The kernel completes the handshake; nobody accepts, nothing comes.
	run ask s1
	[ -z "$output" ]
	wait_log "accept: Too many open files; pausing listeners"
	# Backing off, not spinning: well under half a CPU over a second
	# (a level-triggered listener it cannot accept from would take all).
	t0=$(cpu_ticks "$SERVE_PID")
	sleep 1
	t1=$(cpu_ticks "$SERVE_PID")
	[ $((t1 - t0)) -lt 50 ]
	kill -0 "$SERVE_PID"
	prlimit --pid "$SERVE_PID" --nofile="$hard:$hard"
	wait_answer s1 "hello from namespace s1"
}

@test "under a low fd limit it serves what fits, says once how many wait, runs on" {
	# 40 fit in 64 fds: none may be lost to namespace fds held meanwhile.
	netns add --up $(seq -f a%g 40)
	serve_limited 64
	wait_log "serving [0-9]+ namespaces on port $port"
	grep -qxF "netns: serve: serving 40 namespaces on port $port" "$log"
	run -1 grep -E "waiting for file descriptors|Too many open files" "$log"
	wait_all_answer $(seq -f a%g 40)
	stop_serve
	# 200 do not: it serves some, says once how many wait, and keeps running.
	netns add --up $(seq -f b%g 160)
	serve_limited 64
	wait_log "waiting for file descriptors"
	served=$(served_names | wc -l)
	[ "$served" -ge 40 ]
	[ "$served" -lt 200 ]
	grep -qxF "netns: serve: serving $served namespaces on port $port" "$log"
	grep -qxF "netns: serve: $((200 - served)) namespaces waiting for file descriptors" "$log"
	run -1 grep "Too many open files" "$log"
	mapfile -t up < <(served_names)
	wait_all_answer "${up[@]}"
	kill -0 "$SERVE_PID"
	[ "$(grep -c 'waiting for file descriptors$' "$log")" -eq 1 ]
	# A raised limit serves the rest. Raising a hard limit takes
	# CAP_SYS_RESOURCE, which a container may withhold even from root;
	# the --follow test below raises a soft one instead.
	if prlimit --pid "$SERVE_PID" --nofile=1024:1024 2>/dev/null; then
		wait_log "no namespace waiting for file descriptors any more"
		wait_all_answer $(seq -f a%g 40) $(seq -f b%g 160)
	else
		echo "# no CAP_SYS_RESOURCE: the hard limit stays, no retry checked here" >&3
	fi
	[ "$(grep -c 'waiting for file descriptors$' "$log")" -eq 1 ]
	stop_serve
}

@test "--follow under a low fd limit: names wait, and are served as fds free up" {
	serve --follow
	wait_log "serving 0 namespaces on port $port, following"
	hard=$(awk '/^Max open files/ { print $5 }' "/proc/$SERVE_PID/limits")
	# Only the soft limit: anyone may raise it again, up to the hard one.
	prlimit --pid "$SERVE_PID" --nofile="64:$hard"
	mapfile -t names < <(seq -f f%g 100)
	netns add --up "${names[@]}"
	wait_log "^netns: serve: [0-9]+ namespaces? waiting for file descriptors$"
	kill -0 "$SERVE_PID"
	prlimit --pid "$SERVE_PID" --nofile="$hard:$hard"
	wait_log "no namespace waiting for file descriptors any more"
	wait_all_answer "${names[@]}"
	[ "$(grep -c 'waiting for file descriptors$' "$log")" -eq 1 ]
	# Added later: served at once.
	netns add --up g1 g2
	wait_all_answer g1 g2
	# Short again (over 100 listeners, a limit of 64): a new name waits
	# until deleting served names frees fds.
	prlimit --pid "$SERVE_PID" --nofile="64:$hard"
	netns add --up h1
	wait_log "^netns: serve: 1 namespace waiting for file descriptors$"
	run -1 ask h1
	netns delete "${names[@]}"
	wait_answer h1 "hello from namespace h1"
	[ "$(grep -c 'no namespace waiting for file descriptors any more$' "$log")" -eq 2 ]
	wait_all_answer g1 g2
	# Not one fd free: the watch still sees a new name (through the fd
	# it keeps spare), so it waits, and is served once fds free up.
	told=$(grep -c 'waiting for file descriptors$' "$log")
	prlimit --pid "$SERVE_PID" --nofile="$(lowest_free_fd "$SERVE_PID"):$hard"
	netns add --up h2
	for i in $(seq 100); do
		[ "$(grep -c 'waiting for file descriptors$' "$log")" -gt "$told" ] && break
		sleep 0.05
	done
	[ "$(tail -n 1 "$log")" = "netns: serve: 1 namespace waiting for file descriptors" ]
	prlimit --pid "$SERVE_PID" --nofile="$hard:$hard"
	wait_answer h2 "hello from namespace h2"
	run -1 grep "Too many open files" "$log"
}

@test "a namespace with two names is served once, and on while one name remains" {
	netns add --up a c
	start_sleeper a
	netns attach b "$SLEEPER"
	ino=$(ns_inode "$NETNS_RUN_DIR/a")
	# Two names and a path of one namespace: the first given serves it.
	serve b c "/proc/$SLEEPER/ns/net" a
	wait_log "serving 2 namespaces on port $port"
	grep -qxF "netns: serve: serving b (inode $ino) on port $port" "$log"
	grep -qxF "netns: serve: a: same namespace as b (inode $ino), served as b" "$log"
	grep -qxF "netns: serve: /proc/$SLEEPER/ns/net: same namespace as b (inode $ino), served as b" "$log"
	[ "$(ask a)" = "hello from namespace b" ]
	[ "$(ask b)" = "hello from namespace b" ]
	[ "$(ask c)" = "hello from namespace c" ]
	run -1 grep "Address already in use" "$log"
	stop_serve
	# --follow: deleting the name it is served under hands it to the other.
	serve --follow
	wait_log "serving 2 namespaces on port $port"
	grep -qxF "netns: serve: serving a (inode $ino) on port $port" "$log"
	grep -qxF "netns: serve: b: same namespace as a (inode $ino), served as a" "$log"
	run -1 grep "Address already in use" "$log"
	[ "$(ask a)" = "hello from namespace a" ]
	[ "$(ask b)" = "hello from namespace a" ]
	netns delete a
	wait_log "serving b \(inode $ino\) on port $port: a is gone"
	[ "$(ask b)" = "hello from namespace b" ]
	# Named again: an alias of b now.
	netns attach a "$SLEEPER"
	wait_log "a: same namespace as b \(inode $ino\), served as b"
	[ "$(ask a)" = "hello from namespace b" ]
	netns delete a b
	wait_log "stopped serving b \(inode $ino\)"
	run -1 netns exec "/proc/$SLEEPER/ns/net" nc -w 2 127.0.0.1 "$port" </dev/null
	[ "$(ask c)" = "hello from namespace c" ]
	[ "$(grep -c "^netns: serve: serving [ab] (inode $ino)" "$log")" -eq 2 ]
}

@test "SIGTERM and SIGINT stop it with status 0, closing every listener" {
	netns add --up s1
	for sig in TERM INT; do
		serve -q
		for i in $(seq 100); do
			[ "$(ask s1 2>/dev/null)" = "hello from namespace s1" ] && break
			sleep 0.05
		done
		kill -s "$sig" "$SERVE_PID"
		for i in $(seq 100); do
			exited "$SERVE_PID" && break
			sleep 0.05
		done
		exited "$SERVE_PID"
		rc=0
		wait "$SERVE_PID" || rc=$?
		[ "$rc" -eq 0 ]
		[ ! -s "$log" ] # -q: not even the stop line
		run -1 ask s1
	done
}

@test "every fd is close-on-exec and every socket non-blocking" {
	netns add --up s1
	serve --udp --follow
	wait_log "serving 1 namespace "
	mine=0
	for fd in /proc/"$SERVE_PID"/fd/*; do
		n=${fd##*/}
		target=$(readlink "$fd")
		# Its own: sockets, epoll, signalfd, timerfds, inotify (what
		# the shell passed down is pipes and files; the watch's spare
		# fd is an O_PATH one, checked below).
		[[ $target == socket:* || $target == anon_inode:* ]] || continue
		mine=$((mine + 1))
		flags=$(awk '/^flags:/ { print $2 }' "/proc/$SERVE_PID/fdinfo/$n")
		# O_CLOEXEC is 02000000, O_NONBLOCK 04000 (octal).
		(( 8#$flags & 8#2000000 ))
		if [[ $target == socket:* ]]; then
			(( 8#$flags & 8#4000 ))
		fi
	done
	# epoll, signalfd, backoff timerfd; the watch's epoll, inotify and
	# timerfd; TCP, UDP
	[ "$mine" -eq 8 ]
	# Every other fd that is not stdio (the watch's spare) too.
	for fd in /proc/"$SERVE_PID"/fd/*; do
		n=${fd##*/}
		[ "$n" -gt 2 ] || continue
		[[ $(readlink "$fd") == / ]] || continue
		flags=$(awk '/^flags:/ { print $2 }' "/proc/$SERVE_PID/fdinfo/$n")
		(( 8#$flags & 8#2000000 ))
	done
}

@test "nothing to serve: exit 1 with a reason" {
	run -1 --separate-stderr netns serve -p "$port" nosuch
	[ "${stderr_lines[0]}" = "netns: serve: nosuch: no such namespace" ]
	[ "${stderr_lines[1]}" = "netns: serve: no namespace could be served" ]
	run -1 --separate-stderr netns serve -p "$port" /etc/passwd
	[ "${stderr_lines[0]}" = "netns: serve: /etc/passwd: not a network namespace" ]
	run -1 --separate-stderr netns serve -p "$port"
	[ "$stderr" = "netns: serve: no named namespace to serve in $NETNS_RUN_DIR" ]
}

@test "a missing namespace among good ones is reported and the rest served" {
	netns add --up s1
	serve nosuch s1
	wait_log "serving 1 namespace "
	grep -qxF "netns: serve: nosuch: no such namespace" "$log"
	[ "$(ask s1)" = "hello from namespace s1" ]
}

@test "malformed arguments are usage errors, exit 2" {
	for p in 0 65536 -1 abc 80x ''; do
		run -2 --separate-stderr netns serve -p "$p" s1
		[ "${stderr_lines[0]}" = "netns: serve: bad port '$p': must be 1-65535" ]
	done
	run -2 --separate-stderr netns serve --message 'bad %x' s1
	[[ ${stderr_lines[0]} == "netns: serve: bad --message 'bad %x': "* ]]
	run -2 --separate-stderr netns serve --message 'trailing %' s1
	[ "${stderr_lines[0]}" = "netns: serve: bad --message 'trailing %': only %n, %i and %% may follow a %" ]
	run -2 --separate-stderr netns serve --bogus
	[ "${stderr_lines[0]}" = "netns: serve: unrecognized option '--bogus'" ]
	run -2 --separate-stderr netns serve --follow s1
	[ "${stderr_lines[0]}" = "netns: serve: --follow serves every name and takes no NAME|PATH" ]
	run -2 --separate-stderr netns serve -p
	[ "${stderr_lines[0]}" = "netns: serve: option '-p' needs an argument" ]
	[ "${stderr_lines[1]}" = "Try 'netns serve --help' for more information." ]
	run -0 netns serve --help
	[[ ${lines[1]} == "  netns serve [-p PORT]"* ]]
}
