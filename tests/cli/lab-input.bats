#!/usr/bin/env bats
# What netns lab reads is bounded: a file nested deeper than 64 levels, or
# larger than 16 MiB, is refused with one line naming the file and the
# limit, before anything is made; so is a file of more than one YAML
# document, and one whose inherited settings would take more than 256 MiB.
# One at each limit is read. Nothing here makes an address.

load lab-helpers

setup() {
	lab_setup i
}

# nested FILE N: a lab whose defaults' ignored 'image' holds N nested flow
# lists, so that its deepest value is N + 3 levels down (the file's
# mapping, topology, defaults).
nested() {
	{
		printf 'name: %s\ntopology:\n  defaults:\n    image: ' "$LAB"
		head -c "$2" /dev/zero | tr '\0' '['
		head -c "$2" /dev/zero | tr '\0' ']'
		printf '\n  nodes:\n    a:\n'
	} >"$1"
}

@test "lab: a file nested past 64 levels is refused at once, one at 64 is read" {
	nested "$SCR/at.yml" 61
	run -0 --separate-stderr netns lab graph "$SCR/at.yml"
	[[ $output == *'"a"'* ]]
	nested "$SCR/past.yml" 62
	run --separate-stderr netns lab graph "$SCR/past.yml"
	assert_one_error 1 "netns: lab: $SCR/past.yml:4:73: nested deeper than 64 levels, the limit of a lab file"
	# 40,000 levels took libyaml 8.4 s, then made the lab.
	nested "$SCR/deep.yml" 40000
	run --separate-stderr netns lab up "$SCR/deep.yml"
	assert_one_error 1 "netns: lab: $SCR/deep.yml:4:73: nested deeper than 64 levels, the limit of a lab file"
	[ -z "$(names)" ]
	# Block nesting counts the same.
	{
		printf 'name: %s\ntopology:\n  defaults:\n    image:\n' "$LAB"
		for i in $(seq 62); do printf "%$((i + 4))s-\n" ''; done
		printf '  nodes:\n    a:\n'
	} >"$SCR/block.yml"
	run --separate-stderr netns lab graph "$SCR/block.yml"
	assert_one_error 1 "netns: lab: $SCR/block.yml:66:67: nested deeper than 64 levels"
}

@test "lab: a file of 16 MiB is read, one byte more is refused naming the limit" {
	printf 'name: %s\ntopology:\n  nodes:\n    a:\n# ' "$LAB" >"$SCR/max.yml"
	# Pad with one comment line up to 16 MiB exactly.
	head -c $((16 * 1024 * 1024 - $(stat -c %s "$SCR/max.yml"))) /dev/zero | tr '\0' x >>"$SCR/max.yml"
	[ "$(stat -c %s "$SCR/max.yml")" -eq 16777216 ]
	run -0 --separate-stderr netns lab graph "$SCR/max.yml"
	[[ $output == *'"a"'* ]]
	echo >>"$SCR/max.yml"
	run --separate-stderr netns lab up "$SCR/max.yml"
	assert_one_error 1 "netns: lab: $SCR/max.yml: larger than 16777216 bytes (16 MiB), the limit of a lab file"
	[ -z "$(names)" ]
}

@test "lab: a file of two YAML documents is refused, naming where the second starts" {
	cat >"$SCR/two.yml" <<EOF
name: $LAB
topology:
  nodes:
    a:
---
name: $LAB
topology:
  nodes:
    b:
EOF
	run --separate-stderr netns lab up "$SCR/two.yml"
	assert_one_error 1 "netns: lab: $SCR/two.yml:5:1: a second YAML document: a lab file holds one"
	[ -z "$(names)" ]
	# One document, marked as such, is still one.
	printf -- '---\nname: %s\ntopology:\n  nodes:\n    a:\n...\n' "$LAB" >"$SCR/one.yml"
	run -0 --separate-stderr netns lab graph "$SCR/one.yml"
}

@test "lab: settings that inheritance multiplies past 256 MiB are refused, naming the node" {
	# 300 exec lines of 1000 bytes in the defaults, for each of 1000 nodes:
	# a file of 300 KB that took more than 300 MB to read.
	awk -v lab="$LAB" 'BEGIN {
		x = sprintf("%1000s", ""); gsub(/ /, "x", x)
		printf "name: %s\ntopology:\n  defaults:\n    exec:\n", lab
		for (i = 0; i < 300; i++) printf "      - \"%s\"\n", x
		printf "  nodes:\n"
		for (i = 1; i <= 1000; i++) printf "    n%d:\n", i
	}' >"$SCR/many.yml"
	run --separate-stderr netns lab up "$SCR/many.yml"
	assert_one_error 1 "netns: lab: $SCR/many.yml:"
	[[ ${stderr_lines[0]} == *": node 'n"*"': the nodes' addresses, routes, sysctls and exec lines take more than 256 MiB once inherited, the limit of a lab file" ]]
	[ -z "$(names)" ]
}
