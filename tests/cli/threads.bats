#!/usr/bin/env bats
# netns threads, pids and identify on awkward processes: a TID that is not a
# main thread, a zombie, a process whose namespaces we may not read, one whose
# main thread has exited; and the JSON output when memory runs out.

bats_require_minimum_version 1.5.0
load helpers

# Test programs, built once per file.
setup_file() {
	local dir="$BATS_FILE_TMPDIR"
	# ps-helper MODE: prints what it made on one line, then waits for a signal.
	#   split:  main thread "ps-main" stays; thread "ps-stay" stays; thread
	#           "ps-moved" unshares a new namespace. Prints PID STAY MOVED.
	#   headless: the same, then the main thread exits (a zombie leader).
	#   zombie: forks a child that exits at once and is never reaped. Prints
	#           the child's PID.
	cat >"$dir/ps-helper.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int ready[2];

static void *run(void *move)
{
	pid_t tid = gettid();

	pthread_setname_np(pthread_self(), move ? "ps-moved" : "ps-stay");
	if (move && unshare(CLONE_NEWNET) < 0)
		tid = 0;
	if (write(ready[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	pid_t tids[2];
	pthread_t th;

	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "zombie")) {
		siginfo_t info;
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0)
			return 1;
		printf("%d\n", (int)pid);
		fflush(stdout);
		for (;;)
			pause();
	}
	pthread_setname_np(pthread_self(), "ps-main");
	if (pipe2(ready, O_CLOEXEC) < 0)
		return 1;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th, NULL, run, i ? &th : NULL) != 0 ||
		    read(ready[0], &tids[i], sizeof(tids[i])) != sizeof(tids[i]) || !tids[i])
			return 1;
	printf("%d %d %d\n", (int)getpid(), (int)tids[0], (int)tids[1]);
	fflush(stdout);
	if (!strcmp(argv[1], "headless"))
		pthread_exit(NULL);
	for (;;)
		pause();
}
EOF
	# Makes the Nth allocation of jansson (NETNS_TEST_JSON_FAIL=N) fail.
	cat >"$dir/json-fail.c" <<'EOF'
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static long fail_at, count;

/* Fails one allocation, and leaves a file behind to say it did. */
static void *fail_malloc(size_t n)
{
	const char *mark = getenv("NETNS_TEST_JSON_MARK");

	if (++count != fail_at)
		return malloc(n);
	if (mark)
		close(open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	return NULL;
}

__attribute__((constructor)) static void init(void)
{
	const char *s = getenv("NETNS_TEST_JSON_FAIL");

	fail_at = s ? atol(s) : 0;
	json_set_alloc_funcs(fail_malloc, free);
}
EOF
	cc -pthread -o "$dir/ps-helper" "$dir/ps-helper.c"
	cc -shared -fPIC -o "$dir/json-fail.so" "$dir/json-fail.c" -ljansson
}

# start_helper MODE: starts ps-helper in the background, tracks it, and
# sets HELPER (its pid) and HELPER_OUT (what it printed).
start_helper() {
	local out="$BATS_TEST_TMPDIR/helper.$1" i
	"$BATS_FILE_TMPDIR/ps-helper" "$1" >"$out" &
	HELPER=$!
	track_pid "$HELPER"
	for ((i = 0; i < 500; i++)); do
		[ -s "$out" ] && break
		kill -0 "$HELPER" 2>/dev/null || break
		sleep 0.01
	done
	HELPER_OUT=$(cat "$out")
	[ -n "$HELPER_OUT" ]
}

NOBODY_DIR=
teardown() {
	cleanup_tracked
	[ -z "$NOBODY_DIR" ] || rm -rf "$NOBODY_DIR"
}

# The state letter of task TID of PID (R, S, Z...).
task_state() {
	sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/task/$2/stat" 2>/dev/null
}

@test "netns threads: a non-main TID stands for its whole process" {
	local pid stay moved
	start_helper split
	read -r pid stay moved <<<"$HELPER_OUT"
	[ "$pid" -eq "$HELPER" ]

	run -3 --separate-stderr netns threads "$moved"
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} =~ ^\ +PID\ +TID\ COMM ]]
	# Every row names the process, and only the thread that moved diverged.
	[[ ${lines[1]} =~ ^\ *$pid\ +$pid\ ps-main\ .*\ no\ +-$ ]]
	[[ ${lines[2]} =~ ^\ *$pid\ +$stay\ ps-stay\ .*\ no\ +-$ ]]
	[[ ${lines[3]} =~ ^\ *$pid\ +$moved\ ps-moved\ +$(ns_inode "/proc/$pid/task/$moved/ns/net")\ yes\ +-$ ]]
	[ -z "$stderr" ]

	# The same rows as for the PID itself, in JSON too.
	run -3 netns -j threads "$stay"
	perl -MJSON::PP -e '
		my ($pid, $moved) = @ARGV;
		my $v = decode_json(<STDIN>);
		exit 1 unless @$v == 3;
		for (@$v) {
			exit 1 unless $_->{pid} == $pid;
			exit 1 unless ($_->{tid} == $moved) == !!$_->{diverged};
		}' "$pid" "$moved" <<<"$output"
}

@test "netns threads: a zombie is an error, not an empty list; identify agrees" {
	local z
	start_helper zombie
	z=$HELPER_OUT
	[ "$(task_state "$z" "$z")" = Z ]

	run -1 --separate-stderr netns threads "$z"
	[ "$stderr" = "netns: threads: $z: has no live threads (a zombie)" ]
	# The header, even with no row under it.
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^\ +PID\ +TID\ COMM\ +INODE\ DIVERGED\ NAMES$ ]]

	run -1 --separate-stderr netns identify "$z"
	[ "$stderr" = "netns: identify: $z: has no live threads (a zombie)" ]

	# The readable process is still shown, and the status is still 1.
	run -1 --separate-stderr netns threads "$z" $$
	[ "$stderr" = "netns: threads: $z: has no live threads (a zombie)" ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} =~ ^\ *$$\ +$$[[:space:]] ]]

	run -1 --separate-stderr netns -j threads "$z"
	[ "$output" = "[]" ]
}

@test "netns threads: threads we may not read are an error, not an empty list" {
	local pid
	start_helper split
	read -r pid _ <<<"$HELPER_OUT"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	# A copy that nobody may run: the build tree and bats' own temporary
	# directory may be private.
	NOBODY_DIR=$(mktemp -d /tmp/netns-threads.XXXXXX)
	chmod 755 "$NOBODY_DIR"
	cp "$(command -v netns)" "$NOBODY_DIR/netns"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NOBODY_DIR/netns" threads "$pid"
	[ "$stderr" = "netns: threads: $pid: Permission denied" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^\ +PID\ +TID ]]
}

@test "netns threads, pids: a process whose main thread exited" {
	local pid stay moved i
	start_helper headless
	read -r pid stay moved <<<"$HELPER_OUT"
	for ((i = 0; i < 500; i++)); do
		[ "$(task_state "$pid" "$pid")" = Z ] && break
		sleep 0.01
	done
	[ "$(task_state "$pid" "$pid")" = Z ]

	# Measured against the first live thread: the one that moved diverged.
	run -3 --separate-stderr netns threads "$pid"
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[1]} =~ ^\ *$pid\ +$stay\ ps-stay\ .*\ no\ +-$ ]]
	[[ ${lines[2]} =~ ^\ *$pid\ +$moved\ ps-moved\ .*\ yes\ +-$ ]]

	# Its comm comes from a live thread.
	run -0 netns -j pids "/proc/$pid/task/$moved/ns/net"
	perl -MJSON::PP -e '
		my ($pid, $moved) = @ARGV;
		my $v = decode_json(<STDIN>);
		exit 1 unless @$v == 1 && $v->[0]{pid} == $pid;
		exit 1 unless $v->[0]{comm} eq "ps-stay";
		exit 1 unless "@{$v->[0]{tids}}" eq "$moved";' "$pid" "$moved" <<<"$output"
	run -0 netns -j pids "/proc/$pid/task/$stay/ns/net"
	perl -MJSON::PP -e '
		my ($pid) = @ARGV;
		my @p = grep { $_->{pid} == $pid } @{decode_json(<STDIN>)};
		exit 1 unless @p == 1 && $p[0]{comm} eq "ps-stay";' "$pid" <<<"$output"
}

# json_sweep STATUS ARGS...: runs netns -j ARGS with the 1st, 2nd, ...
# allocation of jansson failing, until a run makes fewer allocations than
# that. Every run must end with STATUS (the status without a failure) or 1,
# and at most one error line: no crash, no sanitizer report (use after free,
# double free, leak).
json_sweep() {
	local want=$1 n st err="$BATS_TEST_TMPDIR/err" mark="$BATS_TEST_TMPDIR/failed"
	shift
	for ((n = 1; n <= 1000; n++)); do
		st=0
		rm -f "$mark"
		NETNS_TEST_JSON_FAIL=$n NETNS_TEST_JSON_MARK=$mark \
			LD_PRELOAD="$BATS_FILE_TMPDIR/json-fail.so" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			netns -j "$@" >/dev/null 2>"$err" || st=$?
		if { [ "$st" -ne 1 ] && [ "$st" -ne "$want" ]; } || [ "$(wc -l <"$err")" -gt 1 ] ||
			grep -q -i 'sanitizer\|free()\|corrupt' "$err"; then
			echo "netns -j $*: allocation $n failing: status $st" >&3
			cat "$err" >&3
			return 1
		fi
		[ -e "$mark" ] || break
	done
	# The last run failed nothing and succeeded; at least one before it failed.
	[ "$st" -eq "$want" ]
	[ "$n" -gt 1 ]
	[ "$n" -le 1000 ]
}

@test "JSON: every failed allocation is survived, nothing freed twice or leaked" {
	local pid stay moved
	start_helper split
	read -r pid stay moved <<<"$HELPER_OUT"
	json_sweep 0 pids "/proc/$pid/task/$moved/ns/net"
	json_sweep 3 threads "$pid"
	json_sweep 0 identify "$pid"
}
