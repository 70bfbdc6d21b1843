#!/usr/bin/env bats
# The Debian packages (debian/, make deb): built once for the file, checked by
# lintian, unpacked into a clean root with dpkg -x, and used from there: the
# command runs, a program builds against libnetns-dev and runs on libnetns1.
# Takes about a minute (the build is from scratch). NETNS_SKIP_DEB=1 skips it.

load helpers

bats_require_minimum_version 1.5.0

REPO=${NETNS_TESTS%/tests}

setup_file() {
	[ "${NETNS_SKIP_DEB:-}" != 1 ] || return 0
	local t
	for t in dpkg-buildpackage dh lintian; do
		command -v "$t" >/dev/null || return 0
	done
	DEB_DIR=$(mktemp -d /tmp/netns-deb.XXXXXX)
	# dpkg-shlibdeps and lintian leave temporary files (mldbm-elf-*) behind:
	# in the test's own directory, they go with it.
	mkdir "$DEB_DIR/tmp"
	TMPDIR=$DEB_DIR/tmp
	export DEB_DIR TMPDIR
	# A package build of its own: none of the suite's build settings (a
	# sanitizer, the outer make's flags) reach it.
	env -u SANITIZE -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u LDFLAGS \
		make -s -C "$REPO" BUILD="$DEB_DIR/build" deb >"$DEB_DIR/build.log" 2>&1 ||
		echo failed >"$DEB_DIR/build.failed"
}

teardown_file() {
	[ -z "${DEB_DIR:-}" ] || rm -rf "$DEB_DIR"
}

setup() {
	[ "${NETNS_SKIP_DEB:-}" != 1 ] || skip "NETNS_SKIP_DEB=1"
	local t
	for t in dpkg-buildpackage dh lintian; do
		command -v "$t" >/dev/null ||
			skip "needs $t: scripts/deps.sh deb installs dpkg-dev, debhelper, lintian"
	done
	OUT=$DEB_DIR/build/deb-src
	if [ -e "$DEB_DIR/build.failed" ]; then
		tail -n 40 "$DEB_DIR/build.log" | sed 's/^/# /' >&2
		false
	fi
	ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
	MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	VERSION=$(sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' "$REPO/include/netns.h")
}

# deb PACKAGE: the path of PACKAGE's .deb.
deb() {
	echo "$OUT/${1}_${VERSION}-1_$ARCH.deb"
}

# files PACKAGE: the paths PACKAGE installs (no directories), sorted.
files() {
	dpkg-deb -c "$(deb "$1")" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | LC_ALL=C sort
}

@test "make deb builds netns, netns-cni, libnetns1 and libnetns-dev, and leaves the tree as it was" {
	for p in netns netns-cni libnetns1 libnetns-dev; do
		[ -f "$(deb "$p")" ] || { echo "# no $(deb "$p")" >&2; false; }
	done
	# Built from a copy: no debian/build, no .debs in the tree.
	[ ! -e "$REPO/debian/build" ]
	[ ! -e "$REPO/debian/tmp" ]
	[ -z "$(find "$REPO/.." -maxdepth 1 -name 'netns_*' -newer "$REPO/debian/control")" ]
}

@test "lintian reports no errors on the packages, and no warning but the first upload's" {
	run -0 lintian --no-cfg "$OUT/netns_${VERSION}-1_$ARCH.changes"
	printf '# %s\n' "${lines[@]}" >&2
	errors=$(grep '^E:' <<<"$output" || true)
	[ -z "$errors" ]
	# A first upload closes no ITP bug: the one warning, on each package.
	warnings=$(grep '^W:' <<<"$output" | cut -d' ' -f2,3 | LC_ALL=C sort || true)
	[ "$warnings" = "$(printf '%s initial-upload-closes-no-bugs\n' libnetns-dev: libnetns1: netns-cni: netns:)" ]
}

@test "the packages hold the command, the library and the development files" {
	mans=$(cd "$REPO/man" && for m in *.1; do echo "/usr/share/man/man1/$m.gz"; done)
	want=$(printf '%s\n' /usr/bin/netns /usr/bin/netns-exec /usr/bin/netns-inherit \
		/usr/bin/netns-ns-mess /usr/bin/netns-tcp-hello \
		/usr/share/bash-completion/completions/netns /usr/share/doc/netns/changelog.Debian.gz \
		/usr/share/doc/netns/copyright $mans | LC_ALL=C sort)
	diff <(echo "$want") <(files netns)
	# The plugins, their pages (section 8) and nothing else in netns-cni.
	want=$(printf '%s\n' /usr/lib/cni/netns-bridge /usr/lib/cni/netns-ipam \
		/usr/lib/cni/netns-loopback /usr/lib/cni/netns-portmap /usr/lib/cni/netns-ptp \
		/usr/share/man/man8/netns-bridge.8.gz /usr/share/man/man8/netns-ipam.8.gz \
		/usr/share/man/man8/netns-loopback.8.gz /usr/share/man/man8/netns-portmap.8.gz \
		/usr/share/man/man8/netns-ptp.8.gz \
		/usr/share/doc/netns-cni/changelog.Debian.gz /usr/share/doc/netns-cni/copyright |
		LC_ALL=C sort)
	diff <(echo "$want") <(files netns-cni)
	# The command uses the shared library the source ships; only the
	# plugins pull libnftables1 (they dlopen() it).
	# At least the version of the newest ABI node the command calls into
	# (the symbols file's versions: node NETNS_1.N came with N.0).
	bin=$(mktemp -d "$DEB_DIR/bin.XXXXXX")
	dpkg -x "$(deb netns)" "$bin"
	node=$(objdump -T "$bin/usr/bin/netns" | grep -oE 'NETNS_1\.[0-9]+' | sort -V | tail -n 1)
	[ -n "$node" ]
	[[ "$(dpkg-deb -f "$(deb netns)" Depends)" == *"libnetns1 (>= ${node#NETNS_}.0)"* ]]
	[[ "$(dpkg-deb -f "$(deb netns)" Depends)" != *libnftables* ]]
	[[ "$(dpkg-deb -f "$(deb netns-cni)" Depends)" == *libnftables1* ]]
	diff <(printf '%s\n' "/usr/lib/$MA/libnetns.so.1" /usr/share/doc/libnetns1/changelog.Debian.gz \
		/usr/share/doc/libnetns1/copyright | LC_ALL=C sort) <(files libnetns1)
	diff <(printf '%s\n' /usr/include/netns.h "/usr/lib/$MA/libnetns.a" "/usr/lib/$MA/libnetns.so" \
		"/usr/lib/$MA/pkgconfig/netns.pc" /usr/share/doc/libnetns-dev/changelog.Debian.gz \
		/usr/share/doc/libnetns-dev/copyright /usr/share/man/man3/libnetns.3.gz |
		LC_ALL=C sort) <(files libnetns-dev)
	# The -dev package pins the library it was built with.
	[[ "$(dpkg-deb -f "$(deb libnetns-dev)" Depends)" == *"libnetns1 (= ${VERSION}-1)"* ]]
	# libnetns1's symbols file lists each function of netns.h, in its node.
	want=$(grep -oE '\bnetns_[a-z_]+\(' "$REPO/include/netns.h" | tr -d '(' | sort -u)
	mk=$(mktemp -d "$DEB_DIR/ctl.XXXXXX")
	dpkg-deb -e "$(deb libnetns1)" "$mk"
	[ "$(head -n 1 "$mk/symbols")" = "libnetns.so.1 libnetns1 #MINVER#" ]
	got=$(sed -n 's/^ \(netns_[a-z_]*\)@NETNS_1\.[01] .*/\1/p' "$mk/symbols" | sort -u)
	diff <(echo "$want") <(echo "$got")
	grep -qx 'activate-noawait ldconfig' "$mk/triggers"
}

@test "unpacked into a clean root: netns --version runs, a program links the installed libnetns" {
	root=$(mktemp -d "$DEB_DIR/root.XXXXXX")
	for p in netns netns-cni libnetns1 libnetns-dev; do
		dpkg -x "$(deb "$p")" "$root"
	done
	# The command and the teaching programs find libnetns.so.1 in the
	# unpacked root, not a build tree's copy linked in.
	readelf -d "$root/usr/bin/netns" | grep -qF 'Shared library: [libnetns.so.1]'
	run -0 env LD_LIBRARY_PATH="$root/usr/lib/$MA" "$root/usr/bin/netns" --version
	[ "$output" = "netns $VERSION" ]
	run -0 env LD_LIBRARY_PATH="$root/usr/lib/$MA" "$root/usr/bin/netns-exec" /proc/self/ns/net echo inside
	[ "$output" = inside ]
	run -0 bash -c "CNI_COMMAND=VERSION '$root/usr/lib/cni/netns-ptp' </dev/null"
	[[ $output == *'"supportedVersions"'* ]]

	cat >"$root/prog.c" <<-'EOF'
		#include <netns.h>
		#include <stdio.h>
		int main(void)
		{
			int fd = netns_fd_open_current();
			struct netns_id id;

			if (fd < 0 || netns_fd_id(fd, &id) < 0)
				return 1;
			printf("%s %llu\n", netns_version(), (unsigned long long)id.ino);
			return 0;
		}
	EOF
	# The unpacked netns.pc, through the sysroot, names the unpacked tree.
	run -0 env PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/usr/lib/$MA/pkgconfig" \
		pkg-config --cflags --libs netns
	[ "${output% }" = "-I$root/usr/include -L$root/usr/lib/$MA -lnetns" ]
	# shellcheck disable=SC2086
	run -0 cc -Wall -Werror -o "$root/prog" "$root/prog.c" $output
	run -0 env LD_LIBRARY_PATH="$root/usr/lib/$MA" "$root/prog"
	[ "$output" = "$VERSION $(stat -L -c %i /proc/self/ns/net)" ]
	env LD_LIBRARY_PATH="$root/usr/lib/$MA" ldd "$root/prog" |
		grep -q "libnetns.so.1 => $root/usr/lib/$MA/libnetns.so.1"
	# The static library, as the -dev package ships it.
	run -0 cc -Wall -Werror -I"$root/usr/include" -o "$root/prog-static" "$root/prog.c" \
		"$root/usr/lib/$MA/libnetns.a" $(pkg-config --libs libmnl jansson) -pthread
	run -0 "$root/prog-static"
	[ "$output" = "$VERSION $(stat -L -c %i /proc/self/ns/net)" ]
}
