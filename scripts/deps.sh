#!/bin/sh
# Installs the Debian packages netns needs to build, test and demo, if missing.
# "deps.sh fuzz" adds what make fuzz needs: clang and its libFuzzer runtime
# (Debian 12 ships libclang_rt.fuzzer in libclang-rt-14-dev).
set -eu
pkgs="gcc make pkg-config libmnl-dev libjansson-dev bats iproute2 iptables
      netcat-openbsd util-linux procps perl jq"
if [ "${1:-}" = fuzz ]; then
	pkgs="$pkgs clang libclang-rt-14-dev"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
