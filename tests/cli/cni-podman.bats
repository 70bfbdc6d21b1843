#!/usr/bin/env bats
# Podman 4.3 with its CNI backend, a real runtime on top of libcni: a
# container started on a network whose conflist uses the reference ptp +
# host-local, then netns-ptp + netns-ipam, gets its interface, talks with
# the host side both ways, and `podman rm -f` leaves nothing behind.
#
# Hygiene: podman, conmon and the plugins run in a holder process's own
# network namespace (the host side) and mount namespace. In that mount
# namespace /run, /var/tmp and /dev/shm are fresh tmpfs and /var/lib is an
# overlay whose writes land in the test's scratch directory: podman's libcni
# writes /var/lib/cni/results and c/image /var/lib/containers/cache whatever
# the configuration says. Storage, run root, runc's state, the network
# config and the IPAM store are scratch directories too, and the container's
# cgroups live under a parent named for the test, removed by teardown.
# The image is a busybox-static rootfs imported from a tar: no registry.

load cni-clients

bats_require_minimum_version 1.5.0

NET=cnit-net
GW=10.78.0.1
IMAGE=localhost/cnit-busybox:latest
# What podman would write on the machine were it not for the above (not
# /var/tmp: other software on the machine may write there meanwhile).
MACHINE_PATHS=(/var/lib/cni /var/lib/containers /run/containers /run/libpod
	/run/runc /run/netns /dev/shm/libpod_lock)

# The state of MACHINE_PATHS: whether each exists, and its change time.
machine_paths() {
	local p
	for p in "${MACHINE_PATHS[@]}"; do
		stat -c '%n %Z' "$p" 2>/dev/null || echo "$p absent"
	done
}

setup() {
	# .ci/run sets it for its second and third make check (host-like, ASan):
	# podman and runc are the same binaries there, and they take about a
	# minute per run, so they run once per CI, in the plain make check.
	[ "${NETNS_SKIP_PODMAN:-}" != 1 ] || skip "NETNS_SKIP_PODMAN=1: podman runs in the plain make check"
	command -v podman >/dev/null || skip "podman is not installed"
	command -v runc >/dev/null || skip "runc is not installed (podman needs it here)"
	command -v jq >/dev/null || skip "jq is not installed"
	# A static busybox runs in a rootfs that holds nothing else.
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
		skip "/bin/busybox is not static: apt-get install busybox-static"
	MACHINE_LINKS=$(machine_links)
	MACHINE_STATE=$(machine_paths)
	mk_scratch S
	mkdir -p "$S"/{net.d,ipam,root,runroot,runc,tmp,varlib-up,varlib-work,rootfs/bin}
	CGROUP=cnit-$$-$BATS_TEST_NUMBER
	make_rootfs
	write_config
	start_host
}

teardown() {
	if [ -n "${HOLDER:-}" ] && kill -0 "$HOLDER" 2>/dev/null; then
		timeout 30 pod rm -a -f -t 0 >/dev/null 2>&1 || true
		kill_in_mntns "$HOLDER"
	fi
	kill_cgroup
	cleanup_tracked
	remove_cgroup
	cleanup_scratch
}

# The rootfs: busybox and the applets the tests use.
make_rootfs() {
	local a
	cp /bin/busybox "$S/rootfs/bin/busybox"
	for a in sh ip nc cat echo sleep seq; do
		ln -s busybox "$S/rootfs/bin/$a"
	done
	mkdir "$S/rootfs/tmp"
	tar -C "$S/rootfs" -cf "$S/rootfs.tar" .
}

# containers.conf and storage.conf of the test's own: the CNI backend with
# the plugin path and config dir of the test, runc, cgroupfs, no events.
write_config() {
	cat >"$S/containers.conf" <<-CONF
	[network]
	network_backend = "cni"
	cni_plugin_dirs = ["$BUILD", "$REF_CNI_DIR"]
	network_config_dir = "$S/net.d"
	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "none"
	tmp_dir = "$S/tmp"
	CONF
	cat >"$S/storage.conf" <<-CONF
	[storage]
	driver = "vfs"
	runroot = "$S/runroot"
	graphroot = "$S/root"
	CONF
	: >"$S/registries.conf"
}

# start_host: the holder, a process in a new network and mount namespace
# that plays the host; in_host runs a command in both.
start_host() {
	local i
	unshare --mount --propagation private --net -- sleep 100000 >/dev/null 2>&1 3>&- &
	HOLDER=$!
	track_pid "$HOLDER"
	for i in $(seq 100); do
		[ "$(ns_inode "/proc/$HOLDER/ns/net")" != "$(host_inode)" ] && break
		sleep 0.05
	done
	[ "$(ns_inode "/proc/$HOLDER/ns/net")" != "$(host_inode)" ]
	in_host sh -ec '
		mount -t tmpfs cnit-run /run
		mkdir /run/netns
		mount -t tmpfs cnit-vartmp /var/tmp
		mount -t tmpfs cnit-shm /dev/shm
		mount -t overlay cnit-varlib \
			-o lowerdir=/var/lib,upperdir="$1/varlib-up",workdir="$1/varlib-work" /var/lib
		ip link set lo up' sh "$S"
}

in_host() {
	nsenter -t "$HOLDER" -m -n -- "$@"
}

pod() {
	in_host env CONTAINERS_CONF="$S/containers.conf" \
		CONTAINERS_STORAGE_CONF="$S/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$S/registries.conf" TMPDIR="$S/tmp" \
		podman --root "$S/root" --runroot "$S/runroot" --storage-driver vfs \
		--network-backend cni --network-config-dir "$S/net.d" \
		--runtime runc --runtime-flag "root=$S/runc" "$@"
}

# kill_in_mntns PID: kills every process in PID's mount namespace but PID
# (podman, conmon: started by this test through in_host).
kill_in_mntns() {
	local want p
	want=$(ns_inode "/proc/$1/ns/mnt") || return 0
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" != "$1" ] || continue
		[ "$(ns_inode "/proc/$p/ns/mnt" 2>/dev/null)" = "$want" ] && kill -9 "$p" 2>/dev/null
	done
	return 0
}

# The container's processes: whatever is in the test's cgroups.
kill_cgroup() {
	local f p
	for f in /sys/fs/cgroup/*/"$CGROUP"/*/cgroup.procs; do
		[ -e "$f" ] || continue
		while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$f"
	done
}

remove_cgroup() {
	local d i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		d=$(find /sys/fs/cgroup/*/"$CGROUP" -depth -type d 2>/dev/null) || true
		[ -n "$d" ] || return 0
		# shellcheck disable=SC2086
		rmdir $d 2>/dev/null || sleep 0.1
	done
}

# The lowest of LIMIT and the hard limit `ulimit -H$1` reports.
within_hard() {
	local hard
	hard=$(ulimit "-H$1")
	if [ "$hard" = unlimited ] || [ "$hard" -gt "$2" ]; then
		echo "$2"
	else
		echo "$hard"
	fi
}

# podman_on PTP IPAM: the whole life of one container on a network whose
# conflist uses PTP with IPAM.
podman_on() {
	local ptp=$1 ipam=$2 cid addr ip nofile nproc i out
	jq -n --arg ptp "$ptp" --arg ipam "$ipam" --arg data "$S/ipam" --arg net "$NET" '{
		cniVersion: "1.0.0", name: $net,
		plugins: [{type: $ptp, ipMasq: true,
			ipam: {type: $ipam, dataDir: $data,
				ranges: [[{subnet: "10.78.0.0/24", gateway: "10.78.0.1"}]],
				routes: [{dst: "0.0.0.0/0"}]}}]}' >"$S/net.d/$NET.conflist"

	run -0 pod info --format '{{.Host.NetworkBackend}} {{.Host.OCIRuntime.Name}}'
	[ "$output" = "cni runc" ]
	run -0 pod import "$S/rootfs.tar" "$IMAGE"
	nofile=$(within_hard n 1024)
	nproc=$(within_hard u 1024)
	run -0 pod run -d --name c1 --network "$NET" --cgroup-parent "/$CGROUP" \
		--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
		"$IMAGE" sleep 100000
	cid=${lines[-1]}
	[[ $cid =~ ^[0-9a-f]{64}$ ]]

	# The container has its interface, address and default route.
	run -0 pod exec c1 ip -4 -o addr show dev eth0
	addr=$(awk '{ print $4 }' <<<"$output")
	[[ $addr == 10.78.0.*/24 ]]
	ip=${addr%/*}
	run -0 pod exec c1 ip route show default
	[[ $output == "default via $GW dev eth0"* ]]
	# The host side: one veth, podman's namespace name, the allocation
	# owned by the container, the masquerade rule.
	run -0 in_host ip -o link show
	[ "$(grep -vc ': lo:' <<<"$output")" = 1 ]
	run -0 in_host ls /run/netns
	[[ $output == netns-* ]]
	[ "${#lines[@]}" = 1 ]
	run -0 ipam_entries "$S/ipam"
	[ "$output" = "$S/ipam/$NET/$ip" ]
	[ "$(head -n 1 "$S/ipam/$NET/$ip" | tr -d '\r')" = "$cid" ]
	run -0 in_host nft list ruleset
	[[ $output == *"$ip"* ]]

	# The container reaches the host side: a listener there gets its line.
	# Each client reads its line from a file, not a pipe: a listener whose
	# stdin is at its end half-closes at once, and busybox's nc client exits
	# on that FIN; were its line still on its way through a pipe (echo not
	# yet run), it would exit 0 having sent nothing, and the one-shot
	# listener would end with nothing (seen about once in ten runs: client
	# 0, listener 0, file empty). A file is readable at once, and nc sends
	# what stdin holds before it looks at the socket. The timeout only keeps
	# a failed run from hanging.
	in_host timeout 600 busybox nc -l -p 7778 >"$S/from-ctr" 2>/dev/null 3>&- &
	local listener=$!
	track_pid "$listener"
	# nc -w 2: the client closes at most 2 s after its input ends, whatever
	# the listener does, so neither side can wait for the other to close.
	run -0 pod exec c1 sh -c "echo from-container >/tmp/line; for i in \$(seq 100); do
		nc -w 2 $GW 7778 </tmp/line && exit 0; sleep 0.1; done; exit 1"
	wait "$listener"
	[ "$(cat "$S/from-ctr")" = from-container ]

	# The host side reaches the container: its listener gets our line.
	echo from-host >"$S/line"
	run -0 pod exec -d c1 sh -c 'nc -l -p 7777 >/tmp/from-host'
	for i in $(seq 100); do
		in_host timeout 10 busybox nc -w 2 "$ip" 7777 <"$S/line" && break
		sleep 0.1
	done
	for i in $(seq 100); do
		out=$(pod exec c1 cat /tmp/from-host)
		[ "$out" = from-host ] && break
		sleep 0.1
	done
	[ "$out" = from-host ]

	# rm -f leaves nothing: no link in the host namespace but lo, no
	# namespace name in podman's run dir, no allocation, no rule, no
	# process in the container's cgroups.
	run -0 pod rm -f -t 0 c1
	retired_gone in_host ip -o link show
	run -0 in_host ip -o link show
	[ "$(grep -vc ': lo:' <<<"$output")" = 0 ]
	run -0 in_host ls -A /run/netns
	[ -z "$output" ]
	run -0 ipam_entries "$S/ipam"
	[ -z "$output" ]
	run -0 in_host nft list ruleset
	[[ $output != *"$ip"* ]]
	run -0 pod ps -a -q
	[ -z "$output" ]
	run -0 cat /sys/fs/cgroup/pids/"$CGROUP"/*/cgroup.procs
	[ -z "$output" ]
	# And nothing reached the machine.
	[ "$(machine_links)" = "$MACHINE_LINKS" ]
	[ "$(machine_paths)" = "$MACHINE_STATE" ]
}

@test "podman (CNI backend), reference ptp + host-local: interface, traffic both ways, rm -f leaves nothing" {
	need_plugins ptp host-local
	podman_on ptp host-local
}

@test "podman (CNI backend), netns-ptp + netns-ipam: interface, traffic both ways, rm -f leaves nothing" {
	need_plugins netns-ptp netns-ipam
	podman_on netns-ptp netns-ipam
}
