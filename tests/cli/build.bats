#!/usr/bin/env bats
# Packaging: exported symbols, netns.pc, and make install.

load core-helpers

REPO=${NETNS_TESTS%/tests}

# Every function declared in the public header.
header_functions() {
	grep -oE '\bnetns_[a-z_]+\(' "$REPO/include/netns.h" | tr -d '(' | sort -u
}

# The symbols lib/libnetns.map names, in its order-free form.
map_symbols() {
	sed -e 's|/\*.*\*/||' "$REPO/lib/libnetns.map" | grep -oE '^\s*netns_[a-z_]+;' |
		tr -d ' \t;' | sort -u
}

@test "libnetns.so exports exactly netns.h's functions, each by name in NETNS_1.0" {
	so=$BUILD/libnetns.so.1
	[ -f "$so" ]
	[ "$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libnetns.so.1 ]
	syms=$(nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sort -u)
	[ -n "$syms" ]
	# Every exported function carries its version node.
	unversioned=$(grep -v '@@NETNS_1\.0$' <<<"$syms" || true)
	[ -z "$unversioned" ] || { echo "# not in NETNS_1.0: $unversioned" >&2; false; }
	syms=$(sed 's/@.*//' <<<"$syms")
	diff <(header_functions) <(echo "$syms") || { echo "# header vs libnetns.so" >&2; false; }
	# The map lists each one by name: no pattern exports a new function.
	diff <(header_functions) <(map_symbols) || { echo "# header vs libnetns.map" >&2; false; }
	! grep -qE '^\s*netns_[a-z_]*\*' "$REPO/lib/libnetns.map"
}

@test "libnetns.a defines exactly netns.h's functions; the nsi_ internals are local" {
	globals=$(nm -g --defined-only "$BUILD/libnetns.a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
	diff <(header_functions) <(echo "$globals") || { echo "# header vs libnetns.a" >&2; false; }
	# The internals are there (the library uses them), only not visible.
	internal=$(grep -oE '^[a-z].*\bnsi_[a-z_]+\(' "$REPO/lib/internal.h" |
		grep -oE '\bnsi_[a-z_]+' | sort -u)
	[ "$(wc -l <<<"$internal")" -ge 5 ]
	locals=$(nm --defined-only "$BUILD/libnetns.a" | awk 'NF == 3 && $2 ~ /^[a-z]$/ { print $3 }')
	for f in $internal; do
		grep -qx "$f" <<<"$locals" || { echo "# $f: not a local symbol of libnetns.a" >&2; false; }
	done
}

@test "netns_version() is the header's NETNS_VERSION, in the shared and the static library" {
	want=$(sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' "$REPO/include/netns.h")
	mk_scratch dir
	printf '%s\n' '#include <stdio.h>' '#include <netns.h>' \
		'int main(void) { puts(netns_version()); return 0; }' >"$dir/v.c"
	cc ${SANITIZE:+-fsanitize=$SANITIZE} -I"$REPO/include" -o "$dir/v-shared" "$dir/v.c" -L"$BUILD" -lnetns
	run -0 env LD_LIBRARY_PATH="$BUILD" "$dir/v-shared"
	[ "$output" = "$want" ]
	cc ${SANITIZE:+-fsanitize=$SANITIZE} -I"$REPO/include" -o "$dir/v-static" "$dir/v.c" "$BUILD/libnetns.a" \
		$(pkg-config --libs libmnl jansson) -pthread
	run -0 "$dir/v-static"
	[ "$output" = "$want" ]
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
	[ -f "$u/lib/libnetns.so.1" ]
	[ "$(readlink "$u/lib/libnetns.so")" = libnetns.so.1 ]
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
	env LD_LIBRARY_PATH="$u/lib" ldd "$dest/prog" | grep -q "libnetns.so.1 => $u/lib/libnetns.so.1"
}
