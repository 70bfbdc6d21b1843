#!/bin/bash
# hostlike.sh CMD [ARGS...]: runs CMD on a host as users have it, built inside
# a private mount namespace so the machine itself is not touched: / and /run
# are shared mounts (systemd), /run is a tmpfs, and /run/netns is the shared
# bind mount that `ip netns add` makes, holding names that other software
# made (as iproute2, podman and CNI runtimes name them). CMD (make check,
# make demo) runs there with NETNS_HOSTLIKE=1, which tells scripts/sandbox.sh
# to keep that /run/netns. Afterwards the foreign names must be exactly as
# they were, and nothing else may be left in /run/netns: exit 1 otherwise.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "${0##*/}: needs root (network namespaces and mounts)" >&2
	exit 1
fi
if [ -z "${NETNS_HOSTLIKE:-}" ]; then
	NETNS_HOSTLIKE=1 exec unshare --mount --propagation private "$0" "$@"
fi
mount -n --make-shared /
mount -n -t tmpfs -o mode=0755,nosuid,nodev hostlike-run /run
mount -n --make-shared /run
mkdir -p /run/lock /run/user

# Names other software owns. iproute2 6.1 binds /run/netns onto itself inside
# shared /run, so each of them is mounted twice, as on such hosts.
tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
foreign="cni-$tag-0000-4000-8000-000000000001 netns-$tag-0000-4000-8000-000000000002 host-$tag"
for n in $foreign; do ip netns add "$n"; done
snapshot() {
	for n in $(ls -A /run/netns); do
		printf '%s %s\n' "$n" "$(stat -L -c %i "/run/netns/$n" 2>/dev/null || echo none)"
	done
	printf 'nsfs mounts: %s\n' "$(grep -c ' nsfs ' /proc/self/mountinfo)"
	printf 'run dir mounts: %s\n' "$(awk '$5 == "/run/netns"' /proc/self/mountinfo | wc -l)"
}
before=$(snapshot)
echo "hostlike: / and /run shared, /run/netns holds $(echo "$foreign" | wc -w) foreign names"

status=0
"$@" || status=$?

after=$(snapshot)
if [ "$before" != "$after" ]; then
	echo "hostlike: $* changed what it does not own in /run/netns:" >&2
	diff <(echo "$before") <(echo "$after") >&2 || true
	status=1
fi
for n in $foreign; do ip netns delete "$n"; done
exit "$status"
