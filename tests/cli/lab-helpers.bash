# Shared by the netns lab tests (lab.bats, lab-live.bats, lab-tools.bats).
# Each test gets a scratch run directory of its own (NETNS_RUN_DIR), so its
# labs live beside nothing else, and LAB, a lab name unique to the test;
# teardown downs that lab whatever the test did.
load core-helpers

# lab_setup LETTER: the scratch run directory, and LAB=LETTER<pid>n<test>
# (a letter per file, so that two files' labs never share a name).
lab_setup() {
	mk_scratch SCR
	export NETNS_RUN_DIR=$SCR/run
	mkdir "$NETNS_RUN_DIR"
	LAB=$1$$n${BATS_TEST_NUMBER}
}

teardown() {
	netns lab down "$LAB" >/dev/null 2>&1 || true
	cleanup_tracked
	cleanup_scratch
}

# The names in the run directory, one line, sorted.
names() {
	netns list | sort | tr '\n' ' '
}

# wait_listen NAME PORT: waits (at most 5 s) for a TCP listener on PORT in
# namespace NAME.
wait_listen() {
	local i
	for i in $(seq 100); do
		netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	echo "# nothing listens on $2 in $1" >&2
	return 1
}
