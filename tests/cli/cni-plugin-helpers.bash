# Shared by the files that run the plugins by hand, as a runtime would
# (cni.bats, cni-bounds.bats): a network namespace of the test's own plays
# the host, and every store is a scratch directory. Loads cni-clients.bash.
load cni-clients

REF=/usr/lib/cni

# cni_setup: the setup both files start with: the plugins built and jq
# there, $HOST (the host's namespace), $DATA (the store) and $BIN (plugins
# of the test's own, first in CNI_PATH).
cni_setup() {
	if [ ! -x "$BUILD/netns-ipam" ] || [ ! -x "$BUILD/netns-ptp" ]; then
		echo "# $BUILD/netns-ipam or netns-ptp is missing: build them first" >&2
		return 1
	fi
	command -v jq >/dev/null || { echo "# jq is missing (apt-get install jq)" >&2; return 1; }
	HOST=$(uniq_name host)
	netns add "$HOST"
	track_name "$HOST"
	mk_scratch DATA
	mk_scratch BIN
}

need_ref() {
	if [ ! -x "$REF/ptp" ] || [ ! -x "$REF/host-local" ]; then
		skip "the reference plugins are not installed (apt-get install containernetworking-plugins)"
	fi
}

# mkc NAME...: container namespaces, removed by teardown.
mkc() {
	local n
	for n in "$@"; do
		netns add "$n"
		track_name "$n"
	done
}

# plug PLUGIN COMMAND ID NETNS [VAR=VALUE...]: runs PLUGIN in $HOST with the
# CNI environment (CNI_IFNAME=$IFN, default eth0) and stdin as the config,
# for at most 60 s (a plugin that hangs fails the test, not the suite).
# NETNS "-" leaves CNI_NETNS unset.
plug() {
	local plugin=$1 cmd=$2 id=$3 nsp=$4
	shift 4
	local -a e=(CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_IFNAME="${IFN:-eth0}"
		CNI_PATH="$BIN:$BUILD:$REF")
	[ "$nsp" = - ] || e+=(CNI_NETNS="$nsp")
	timeout -k 5 60 netns exec "$HOST" env -u CNI_ARGS "${e[@]}" "$@" "$plugin"
}

# assert_cni_error OUTPUT CODE: the spec's error JSON, code CODE, and a msg.
assert_cni_error() {
	local out=$1 code=$2
	[ "$(jq -r .code <<<"$out")" = "$code" ] || { echo "# want code $code: $out" >&2; return 1; }
	[ -n "$(jq -r '.msg // empty' <<<"$out")" ] || { echo "# no msg: $out" >&2; return 1; }
}
