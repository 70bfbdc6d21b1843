#!/usr/bin/env bats
# Man pages: every cross-reference resolves, to a page make install installs
# or to one on the system (man -w); the teaching programs' pages are named
# after the programs make install installs.

load helpers

REPO=${NETNS_TESTS%/tests}

# References that need not resolve, as "page: name(section)". Keep it short;
# say why for each.
ALLOWED=(
)

# Every ".BR name (section)" or ".IR name (section)" in man/*.[0-9], as
# "page: name(section)", one a line.
references() {
	local m
	for m in "$REPO"/man/*.[0-9]; do
		sed -n 's/^\.[BI]R  *"\{0,1\}\([^ "]*\)"\{0,1\}  *(\([0-9][a-z]*\)).*/\1(\2)/p' "$m" |
			sed 's/\\-/-/g' | sed "s|^|${m##*/}: |"
	done | sort -u
}

@test "man pages: every .BR name(section) reference is a page of ours or of the system" {
	command -v man >/dev/null || skip "needs man-db (scripts/deps.sh installs it)"
	refs=$(references)
	# The pages do refer to each other and to the system's.
	grep -q '^netns-ns-mess.1: libnetns(3)$' <<<"$refs"
	grep -q '^libnetns.3: setns(2)$' <<<"$refs"
	[ "$(wc -l <<<"$refs")" -ge 40 ]
	bad=""
	while IFS= read -r line; do
		ref=${line#*: }
		name=${ref%(*} sec=${ref#*(} sec=${sec%)}
		[ -f "$REPO/man/$name.$sec" ] && continue
		man -w "$name.$sec" >/dev/null 2>&1 && continue
		printf '%s\n' "${ALLOWED[@]}" | grep -qxF "$line" && continue
		bad+="$line"$'\n'
	done <<<"$refs"
	[ -z "$bad" ] || { printf '# unresolved:\n%s' "$bad" >&2; false; }
}

@test "man pages: each teaching program's page is named after its installed program" {
	for d in "$REPO"/demos/*.c; do
		d=${d##*/} d=${d%.c}
		case $d in netns-*) inst=$d ;; *) inst=netns-$d ;; esac
		page=$REPO/man/$inst.1
		[ -f "$page" ] || { echo "# no man/$inst.1 for demos/$d.c" >&2; false; }
		[ ! -e "$REPO/man/$d.1" ] || [ "$d" = "$inst" ]
		th=$(sed -n 's/\\-/-/g; s/^\.TH \([^ ]*\) 1 .*/\1/p' "$page")
		[ "$th" = "$(tr a-z A-Z <<<"$inst")" ]
		name=$(sed -n '/^\.SH NAME/{n;s/\\-/-/g;s/ - .*//p}' "$page")
		[ "$name" = "$inst" ]
		synopsis=$(sed -n '/^\.SH SYNOPSIS/{n;s/\\-/-/g;s/^\.B //p}' "$page")
		[ "$synopsis" = "$inst" ]
	done
}
