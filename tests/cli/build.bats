#!/usr/bin/env bats
# Packaging: exported symbols, netns.pc, and make install.

load core-helpers

REPO=${NETNS_TESTS%/tests}

# Every function declared in the public header.
header_functions() {
	grep -oE '\bnetns_[a-z_]+\(' "$REPO/include/netns.h" | tr -d '(' | sort -u
}

@test "libnetns.so exports only netns_* symbols, and every function of netns.h" {
	so=$BUILD/libnetns.so.0
	[ -f "$so" ]
	[ "$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libnetns.so.0 ]
	syms=$(nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u)
	[ -n "$syms" ]
	bad=$(grep -v '^netns_' <<<"$syms" || true)
	[ -z "$bad" ] || { echo "# exported but not netns_*: $bad" >&2; false; }
	missing=$(comm -23 <(header_functions) <(echo "$syms"))
	[ -z "$missing" ] || { echo "# declared but not exported: $missing" >&2; false; }
	# Internal helpers stay internal.
	refute grep -qx netns_open_nsfs <<<"$syms"
	refute grep -qx netns_rundir_prepare <<<"$syms"
}

@test "libnetns.a defines no global symbol outside netns_*" {
	bad=$(nm -g --defined-only "$BUILD/libnetns.a" 2>/dev/null |
		awk 'NF == 3 && $3 !~ /^netns_/ { print $3 }')
	[ -z "$bad" ] || { echo "# global but not netns_*: $bad" >&2; false; }
}

@test "netns.pc is built and pkg-config reads it" {
	[ -f "$BUILD/netns.pc" ]
	run -0 env PKG_CONFIG_PATH="$BUILD" pkg-config --cflags --libs netns
	[[ " $output " == *" -lnetns "* ]]
	run -0 env PKG_CONFIG_PATH="$BUILD" pkg-config --variable=includedir netns
	[ "$output" = "$(sed -n 's/^prefix=//p' "$BUILD/netns.pc")/include" ]
	want=$(sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' "$REPO/include/netns.h")
	run -0 env PKG_CONFIG_PATH="$BUILD" pkg-config --modversion netns
	[ "$output" = "$want" ]
}

@test "make install DESTDIR PREFIX installs command, demos, library, header, pc, man pages" {
	mk_scratch dest
	# An unusual PREFIX, so that a netns.pc left from an earlier build shows.
	prefix=/opt/netns-test-$$
	run -0 make -s -C "$REPO" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" PREFIX="$prefix" DESTDIR="$dest" install
	u=$dest$prefix
	[ -x "$u/bin/netns" ]
	for d in "$REPO"/demos/*.c; do
		d=${d##*/}
		[ -x "$u/bin/${d%.c}" ] || { echo "# demo ${d%.c} not installed" >&2; false; }
	done
	[ -f "$u/lib/libnetns.a" ]
	[ -f "$u/lib/libnetns.so.0" ]
	[ "$(readlink "$u/lib/libnetns.so")" = libnetns.so.0 ]
	cmp "$REPO/include/netns.h" "$u/include/netns.h"
	[ -f "$u/lib/pkgconfig/netns.pc" ]
	grep -qxF "prefix=$prefix" "$u/lib/pkgconfig/netns.pc" ||
		{ echo "# installed netns.pc: $(grep prefix= "$u/lib/pkgconfig/netns.pc")" >&2; false; }
	for m in "$REPO"/man/*.[0-9]; do
		s=${m##*.}
		cmp "$m" "$u/share/man/man$s/${m##*/}" || { echo "# $m not installed" >&2; false; }
	done
	[ -f "$u/share/man/man1/netns.1" ]
	# Nothing outside DESTDIR/PREFIX.
	[ "$(ls "$dest")" = opt ]
	[ "$(ls "$dest/opt")" = "${prefix#/opt/}" ]
	# The installed command runs.
	run -0 "$u/bin/netns" --version
	[[ "$output" == "netns "* ]]

	# A program builds against the installed tree through netns.pc.
	cat >"$dest/prog.c" <<-'EOF'
		#include <netns.h>
		#include <stdio.h>
		int main(void)
		{
			int fd = netns_fd_open_current();
			struct netns_id id;

			if (fd < 0 || netns_fd_id(fd, &id) < 0)
				return 1;
			printf("%s %llu\n", NETNS_VERSION, (unsigned long long)id.ino);
			return 0;
		}
	EOF
	flags=$(PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$u/lib/pkgconfig" \
		pkg-config --cflags --libs netns)
	# shellcheck disable=SC2086
	# A sanitized build's library needs the sanitizer's runtime in the program too.
	run -0 cc ${SANITIZE:+-fsanitize=$SANITIZE} -o "$dest/prog" "$dest/prog.c" $flags
	run -0 env LD_LIBRARY_PATH="$u/lib" "$dest/prog"
	[ "$output" = "$(sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' "$REPO/include/netns.h") $(host_inode)" ]
	env LD_LIBRARY_PATH="$u/lib" ldd "$dest/prog" | grep -q "libnetns.so.0 => $u/lib/libnetns.so.0"
}
