# Shared by cni-libcni.bats and cni-podman.bats: the tests that drive the CNI
# plugins through real clients (libcni, podman). Loads core-helpers.bash.
#
# Hygiene: every test makes its own network namespace that plays the host
# (the plugins run there, so their veths, routes and rules land there) and
# scratch directories for every store; nothing reaches the machine's own
# network namespace or /var/lib/cni, /var/lib/containers, /run/containers.
load core-helpers

# The reference plugins (Debian containernetworking-plugins) and the ones
# this tree builds. Plugin lookup order is $BUILD first, as the brief for
# a node with both installed.
REF_CNI_DIR=/usr/lib/cni
# shellcheck disable=SC2034 # used by the files that load this one
CNI_PLUGIN_PATH="$BUILD:$REF_CNI_DIR"

# The libcni driver (tests/cni/driver), for the files that drive plugins
# through libcni (cni-libcni.bats, cni-bridge.bats).
DRIVER="$BUILD/tests/cni-driver"

# driver_build: in setup_file. make check builds the driver; a run of one
# file alone builds it here. Without Go the tests skip (need_driver); a Go
# that fails to build it fails.
driver_build() {
	if command -v go >/dev/null 2>&1; then
		make -s -C "$NETNS_TESTS/.." BUILD="$BUILD" cni-driver >/dev/null
	fi
}

# need_driver: in setup: skips, saying why, without the driver or jq.
need_driver() {
	[ -x "$DRIVER" ] ||
		skip "$DRIVER is not built: make cni-driver needs golang-go and golang-github-appc-cni-dev"
	command -v jq >/dev/null || skip "jq is not installed"
}

# need_plugins PTP IPAM: skips the test, saying why, unless both plugins
# are there to run.
need_plugins() {
	local p
	for p in "$@"; do
		case $p in
		netns-*)
			[ -x "$BUILD/$p" ] ||
				skip "$BUILD/$p is not built (make BUILD=$BUILD builds cni/)"
			;;
		*)
			[ -x "$REF_CNI_DIR/$p" ] ||
				skip "$REF_CNI_DIR/$p is missing: apt-get install containernetworking-plugins"
			;;
		esac
	done
}

# ipam_entries DATADIR: the allocations in a host-local store (netns-ipam
# keeps the same layout): every file but the lock and the last-reserved
# markers, one path a line.
ipam_entries() {
	[ -d "$1" ] || return 0
	find "$1" -type f ! -name lock ! -name 'last_reserved_ip.*' | sort
}

# ns_links NAME: the links of a test's namespace other than lo, one a line.
# A host namespace made for the test starts with lo alone, so anything here
# is what a plugin made (and, after DEL, left behind).
ns_links() {
	ip -n "$1" -o link show | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2 }'
}

# retired_gone CMD...: waits (at most 30 s) until the links CMD lists
# (`ip -o link show` run somewhere) hold no pair retired by netns-ptp's DEL.
# DEL renames and downs the pair at once and leaves its deletion, which
# waits for the kernel (an RCU grace period, ~20 ms, seconds under load), to
# a detached process (docs/cni.md).
retired_gone() {
	local i
	for i in $(seq 600); do
		"$@" | grep -q ': ptpdel[0-9]' || return 0
		sleep 0.05
	done
	echo "# a retired ptpdel pair is still there: $("$@" | grep ': ptpdel')" >&2
	return 1
}

# The links of the namespace this shell runs in, the machine's own, sorted:
# compared before and after a test to prove nothing landed there.
machine_links() {
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
}
