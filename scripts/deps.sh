#!/bin/sh
# Installs the Debian packages netns needs to build, test and demo, if missing.
# "deps.sh fuzz" adds what make fuzz needs: clang and its libFuzzer runtime
# (Debian 12 ships libclang_rt.fuzzer in libclang-rt-14-dev).
# bash-completion drives tests/cli/completion.bats; man-db and the manpages
# resolve the man pages' cross-references (tests/cli/package.bats).
# The CNI plugins build with libnftables; their tests drive them, side by side
# with the reference plugins (containernetworking-plugins), through libcni (a
# Go driver built offline from golang-go and golang-github-appc-cni-dev) and
# through podman's CNI backend (podman, runc, a busybox-static image).
# graphviz draws `netns lab graph -o X.svg` (tests/cli/lab-tools.bats); strace
# kills `netns lab up` and `down` at exact system calls (tests/cli/lab-crash.bats).
# clang, bpftool and libbpf-dev build netns watch's eBPF programs (watch/).
set -eu
pkgs="gcc make pkg-config libmnl-dev libjansson-dev libnftables-dev libyaml-dev bats iproute2
      iptables nftables netcat-openbsd util-linux procps perl jq iputils-ping strace
      containernetworking-plugins golang-go golang-github-appc-cni-dev
      podman runc busybox-static bash-completion man-db manpages manpages-dev graphviz
      clang bpftool libbpf-dev"
if [ "${1:-}" = fuzz ]; then
	pkgs="$pkgs clang libclang-rt-14-dev"
fi
# "deps.sh deb" adds what make deb and tests/cli/package.bats need.
if [ "${1:-}" = deb ]; then
	pkgs="$pkgs dpkg-dev debhelper fakeroot lintian"
fi
# "deps.sh bench" adds what make bench compares netns lab with (bench/lab.sh):
# Debian's mininet, and bridge-utils for its Linux-bridge switch (--switch
# lxbr runs brctl; mininet does not depend on it). Open vSwitch, which
# mininet recommends, is not needed and not installed.
if [ "${1:-}" = bench ]; then
	pkgs="$pkgs mininet bridge-utils"
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
