#!/usr/bin/env bats
# The suite's own rules, which tests/run.sh enforces before it runs anything.

load core-helpers

REPO=${NETNS_TESTS%/tests}

# The pattern is spelled with $AND here, so that this file does not hold it.
AND='&&'

# fake_tree LINE: a copy of tests/run.sh in a scratch tree whose one bats file
# holds LINE inside a test.
fake_tree() {
	mk_scratch TREE
	mkdir -p "$TREE/tests/cli"
	cp "$REPO/tests/run.sh" "$TREE/tests/run.sh"
	printf '@test "x" {\n%s\n\ttrue\n}\n' "$1" >"$TREE/tests/cli/x.bats"
}

@test "run.sh refuses '[ A ] && [ B ]' on a line of its own, naming the line" {
	line=$'\t[ -z "$a" ] '"$AND"' [ -z "$b" ]'
	fake_tree "$line"
	run -1 --separate-stderr env BUILD="$BUILD" "$TREE/tests/run.sh"
	[ "${stderr_lines[0]}" = "tests/run.sh: assertions that cannot fail on their left side (write one per line):" ]
	[ "${stderr_lines[1]}" = "tests/cli/x.bats:2:$line" ]
	[ -z "$output" ]
}

@test "run.sh refuses a '[ A ] &&' that goes on the next line" {
	line=$'\t[[ $a == x ]] '"$AND"
	fake_tree "$line"$'\n\t\t[ -n "$b" ]'
	run -1 --separate-stderr env BUILD="$BUILD" "$TREE/tests/run.sh"
	[ "${stderr_lines[1]}" = "tests/cli/x.bats:2:$line" ]
}

@test "run.sh lets one assertion a line through (it goes on to the sandbox)" {
	fake_tree $'\t[ -z "$a" ]\n\t[ -z "$b" ]'
	# The scratch tree has no scripts/sandbox.sh: getting that far means the
	# check passed.
	run -127 --separate-stderr env BUILD="$BUILD" "$TREE/tests/run.sh"
	[[ $stderr == *"scripts/sandbox.sh"* ]]
	[[ $stderr != *"cannot fail"* ]]
}
