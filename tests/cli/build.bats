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

# The functions of version node NODE in lib/libnetns.map.
map_node() {
	sed -e 's|/\*.*\*/||' "$REPO/lib/libnetns.map" |
		awk -v node="$1" '$1 == node && $2 == "{" { on = 1; next } on && /^}/ { on = 0 } on' |
		grep -oE '^\s*netns_[a-z_]+;' | tr -d ' \t;' | sort -u
}

@test "libnetns.so exports exactly netns.h's functions, each by name in its version node" {
	so=$BUILD/libnetns.so.1
	[ -f "$so" ]
	[ "$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libnetns.so.1 ]
	syms=$(nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sort -u)
	[ -n "$syms" ]
	# Every exported function carries its version node.
	unversioned=$(grep -vE '@@NETNS_1\.[01]$' <<<"$syms" || true)
	[ -z "$unversioned" ] || { echo "# not in NETNS_1.0 or 1.1: $unversioned" >&2; false; }
	# Each in the node the map puts it in; 1.1's are the calls the header
	# says are "Since 1.1".
	diff <(map_node NETNS_1.1) <(sed -n 's/@@NETNS_1\.1$//p' <<<"$syms") ||
		{ echo "# NETNS_1.1 in the map vs libnetns.so" >&2; false; }
	[ "$(map_node NETNS_1.1 | wc -l)" -ge 7 ]
	# A "Since 1.1." comment covers the declarations up to the next blank line.
	since=$(awk '/Since 1\.1\./ { on = 1 } /^$/ { on = 0 }
		on && /^[a-z]/ && match($0, /netns_[a-z_]+\(/) { print substr($0, RSTART, RLENGTH - 1) }' \
		"$REPO/include/netns.h" | sort -u)
	diff <(map_node NETNS_1.1) <(echo "$since") || { echo "# header's Since 1.1 vs map" >&2; false; }
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

# The files make install puts under PREFIX, sorted: the teaching programs as
# netns-NAME, each man page under the name of what it documents.
installed_list() {
	local m
	{
		printf '%s\n' bin/netns bin/netns-exec bin/netns-inherit bin/netns-ns-mess \
			bin/netns-tcp-hello include/netns.h lib/cni/netns-bridge lib/cni/netns-ipam \
			lib/cni/netns-loopback lib/cni/netns-portmap lib/cni/netns-ptp \
			lib/libnetns.a lib/libnetns.so lib/libnetns.so.1 lib/pkgconfig/netns.pc \
			share/bash-completion/completions/netns
		for m in "$REPO"/man/*.[0-9]; do
			echo "share/man/man${m##*.}/${m##*/}"
		done
	} | LC_ALL=C sort
}

@test "make install DESTDIR PREFIX installs command, demos, library, header, pc, man pages" {
	mk_scratch dest
	# An unusual PREFIX, so that a netns.pc left from an earlier build shows.
	prefix=/opt/netns-test-$$
	run -0 make -s -C "$REPO" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" PREFIX="$prefix" DESTDIR="$dest" install
	u=$dest$prefix
	[ -x "$u/bin/netns" ]
	# Exactly these files, and no generic name such as bin/inherit.
	diff <(installed_list) <(cd "$u" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort)
	# Each teaching program is the one built under its historical name, and
	# its man page is named after it, inside too.
	for d in tcp-hello inherit ns-mess; do
		cmp "$BUILD/$d" "$u/bin/netns-$d"
		[ "$(sed -n 's/\\-/-/g; s/^\.TH \([^ ]*\) 1 .*/\1/p' "$u/share/man/man1/netns-$d.1")" = \
			"$(tr a-z A-Z <<<"netns-$d")" ]
		[ "$(sed -n '/^\.SH NAME/{n;s/\\-/-/g;s/ - .*//p}' "$u/share/man/man1/netns-$d.1")" = "netns-$d" ]
	done
	cmp "$BUILD/netns-exec" "$u/bin/netns-exec"
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
	# pkg-config with the prefix moved, as a relocated or staged tree is used.
	run -0 env PKG_CONFIG_PATH="$u/lib/pkgconfig" \
		pkg-config --define-variable=prefix="$u" --cflags --libs netns
	[ "${output% }" = "-I$u/include -L$u/lib -lnetns" ]
	run -0 env PKG_CONFIG_PATH="$u/lib/pkgconfig" pkg-config --variable=libdir netns
	[ "$output" = "$prefix/lib" ]
	[ "$(sed -n 's/^libdir=//p; s/^includedir=//p; s/^exec_prefix=//p' "$u/lib/pkgconfig/netns.pc")" = \
		"$(printf '%s\n' '${prefix}' '${exec_prefix}/lib' '${prefix}/include')" ]
}

@test "make uninstall removes exactly what make install put there" {
	mk_scratch dest
	prefix=/usr/local
	# Something of someone else's beside ours stays.
	mkdir -p "$dest$prefix/bin" "$dest$prefix/lib/cni"
	echo other >"$dest$prefix/bin/other"
	echo other >"$dest$prefix/lib/cni/bridge"
	run -0 make -s -C "$REPO" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" PREFIX="$prefix" DESTDIR="$dest" install
	[ "$(cd "$dest$prefix" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort)" = \
		"$(printf '%s\n' "$(installed_list)" bin/other lib/cni/bridge | LC_ALL=C sort)" ]
	run -0 make -s -C "$REPO" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" PREFIX="$prefix" DESTDIR="$dest" uninstall
	[ "$(cd "$dest$prefix" && find . ! -type d | LC_ALL=C sort)" = "$(printf '%s\n' ./bin/other ./lib/cni/bridge)" ]
	# Uninstalling again is not an error; it needs no build.
	run -0 make -s -C "$REPO" BUILD="$dest/no-build" PREFIX="$prefix" DESTDIR="$dest" uninstall
	[ ! -e "$dest/no-build" ]
}

@test "a netns built with WATCH_BPF=no: netns watch says so on one line naming netns threads, exit 1" {
	mk_scratch b
	# Only the command, into a build directory of its own: the others stay.
	run -0 make -s -j2 -C "$REPO" BUILD="$b" SANITIZE="${SANITIZE:-}" WATCH_BPF=no "$b/netns"
	# It was built from watch-none.c, not the BPF watcher.
	[ -f "$b/watch/watch-none.o" ]
	[ ! -e "$b/watch/watch.o" ]
	for args in "" "-j" "$$"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$b/netns" watch $args
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[ "$stderr" = "netns: watch: built without BPF (WATCH_BPF=no); use 'netns threads' for a snapshot instead" ]
	done
}
