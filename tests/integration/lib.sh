# lib.sh: the integration test harness, sourced by each tNNNN-*.sh.
# TAP output for prove(1).  Each test file gets its own temporary
# directory, config, socket and daemon; everything it starts is stopped
# on exit, by pid.  No fixed sleeps: wait_for polls with a deadline.
# shellcheck shell=sh

set -u

: "${MAINTD:?set MAINTD to the maintd binary}"
: "${MAINTCTL:?set MAINTCTL to the maintctl binary}"

T=$(mktemp -d "${TMPDIR:-/tmp}/maintd-test.XXXXXX")
chmod 755 "$T"
SOCK=$T/maintd.sock
PIDFILE=$T/maintd.pid
CONF=$T/maintd.conf
DAEMON_PID=""
ntest=0
nfail=0
lastfail=0
planned=""
EXTRA_PIDS=""

# Tests run as root in CI: tasks then need a user that is not root.
if [ "$(id -u)" -eq 0 ]; then
	TASK_USER='user = "nobody"'
else
	TASK_USER=''
fi

cleanup() {
	stop_daemon
	for p in $EXTRA_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan() {
	planned=$1
	echo "1..$1"
}

ok() {
	ntest=$((ntest + 1))
	lastfail=0
	echo "ok $ntest - $1"
}

not_ok() {
	ntest=$((ntest + 1))
	nfail=$((nfail + 1))
	lastfail=1
	echo "not ok $ntest - $1"
}

skip() {
	ntest=$((ntest + 1))
	echo "ok $ntest # skip $1"
}

# skip_rest REASON: every point of the plan not yet reported, skipped;
# then the file ends.
skip_rest() {
	diag "skipped: $1"
	while [ "$ntest" -lt "$planned" ]; do
		skip "$1"
	done
	exit 0
}

# diag TEXT: after a failed point on stderr, as Test::More's diag, so
# that prove shows it without -v (a CI log then says why it failed);
# else on stdout, for prove -v
diag() {
	if [ "$lastfail" = 1 ]; then
		echo "$*" | sed 's/^/# /' >&2
	else
		echo "$*" | sed 's/^/# /'
	fi
}

# check DESCRIPTION COMMAND...: one test point, passing when COMMAND does.
check() {
	desc=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*"
		diag "$(cat "$T/out")"
	fi
}

# check_fails DESCRIPTION COMMAND...: passes when COMMAND fails.
check_fails() {
	desc=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		not_ok "$desc"
		diag "command unexpectedly succeeded: $*"
		diag "$(cat "$T/out")"
	else
		ok "$desc"
	fi
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  '$2'"
		diag "want: '$3'"
	fi
}

# like DESCRIPTION TEXT REGEX (grep -E)
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diag "text: $2"
		diag "does not match: $3"
	fi
}

# the last lines of the daemons' logs, when a point failed
diag_logs() {
	for f in "$T"/daemon.log "$T"/*.out; do
		[ -s "$f" ] || continue
		diag "--- the last lines of ${f##*/}:"
		diag "$(tail -n 30 "$f")"
	done
}

done_testing() {
	if [ -n "$planned" ] && [ "$planned" -ne "$ntest" ]; then
		echo "# planned $planned tests but ran $ntest"
		lastfail=1
		diag_logs
		exit 1
	fi
	[ "$nfail" -eq 0 ] || { lastfail=1; diag_logs; return 1; }
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; 1 on timeout.
wait_for() {
	secs=$1
	shift
	# 20 tries a second with a bounded total.
	tries=$((secs * 20))
	while [ "$tries" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# write_conf: the common head of a test config plus stdin.
write_conf() {
	{
		cat <<EOC
socket = "$SOCK"
pidfile = "$PIDFILE"
database = "$T/maintd.db"
log_dir = "$T/log"
kill_grace = 2s
$TASK_USER
EOC
		cat
	} >"$CONF"
}

# small_fs DIR SIZE: DIR made and a tmpfs of SIZE mounted on it (a disk
# to fill); the file is skipped where that cannot be done (not root, or
# no mount here).  The caller unmounts it.
small_fs() {
	if ! is_root; then
		echo "1..0 # SKIP needs root to mount a small tmpfs"
		exit 0
	fi
	mkdir "$1"
	if ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; then
		echo "1..0 # SKIP cannot mount a tmpfs here"
		exit 0
	fi
}

# start_httpd: the test HTTP server (helpers/httpd.py) on 127.0.0.1,
# serving and recording in H=$T/httpd; PORT is its port.  A server that
# does not start fails the file, never skips it.
start_httpd() {
	H=$T/httpd
	mkdir "$H"
	python3 "$(dirname "$0")/helpers/httpd.py" "$H" &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	if ! wait_for 10 test -s "$H/port"; then
		not_ok "the test HTTP server did not start"
		exit 1
	fi
	# shellcheck disable=SC2034 # the test files use it
	PORT=$(cat "$H/port")
}

ctl() {
	"$MAINTCTL" -s "$SOCK" "$@"
}

# raw LINES...: send raw request lines on one connection, print the reply.
raw() {
	printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$SOCK"
}

socket_up() {
	[ -S "$SOCK" ] && ctl ping
}

# start_fg [ARGS]: maintd -f in the background; wait until it answers.
start_fg() {
	"$MAINTD" -f -c "$CONF" "$@" >"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	if ! wait_for 10 socket_up; then
		diag "maintd did not come up:"
		diag "$(cat "$T/daemon.log")"
		return 1
	fi
}

# start_bg [ARGS]: daemonised start; returns maintd's own exit status.
start_bg() {
	"$MAINTD" -c "$CONF" "$@" >"$T/start.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		DAEMON_PID=$(cat "$PIDFILE")
	fi
	return "$rc"
}

alive() {
	kill -0 "$1" 2>/dev/null
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

# stop_daemon: TERM, wait, then KILL what is left.
stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	if ! wait_for 20 gone "$DAEMON_PID"; then
		diag "maintd $DAEMON_PID ignored TERM; killing it"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# kill_matching REGEX: SIGKILL each process whose command line matches
# REGEX (what a test started, marked with its $TAG), for its EXIT trap.
kill_matching() {
	for p in $(pgrep -f -- "$1"); do
		kill -KILL "$p" 2>/dev/null
	done
}

# as_nobody COMMAND...: run as an unprivileged user (needs root).
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# cgroup_probe: MNT, the cgroup v2 hierarchy (from /proc/self/mountinfo,
# never a fixed path), and NOCG, empty when runs can have cgroups there,
# else why not.
# shellcheck disable=SC2034
cgroup_probe() {
	MNT=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break }
	    $(i + 1) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	NOCG=""
	if ! is_root; then
		NOCG="not root: the cgroup v2 hierarchy is not writable"
	elif [ -z "$MNT" ]; then
		NOCG="no cgroup v2 hierarchy in /proc/self/mountinfo"
	elif ! mkdir "$MNT/maintd-test-probe.$$" 2>/dev/null; then
		NOCG="$MNT is not writable here"
	else
		[ -e "$MNT/maintd-test-probe.$$/cgroup.kill" ] ||
			NOCG="no cgroup.kill (Linux < 5.14)"
		rmdir "$MNT/maintd-test-probe.$$"
	fi
}

# sanitized: the programs are built with a sanitizer (make asan) or run
# under valgrind (make valgrind): slower, bigger, with more libraries;
# figures of speed and memory do not apply.
sanitized() {
	[ -n "${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}${VG_LOGDIR:-}" ]
}

# todo DESCRIPTION REASON: a point known to fail for now (TAP TODO);
# prove reports it but it does not fail the file.
todo() {
	ntest=$((ntest + 1))
	echo "not ok $ntest - $1 # TODO $2"
}

# conn_open NAME [SOCKET]: a client connection that stays open (socat
# reading a fifo that a background sleep holds open read-write, so socat
# never sees EOF and conn_send never blocks, even once socat is gone).
# conn_send NAME LINE writes a request; replies collect in $T/NAME.out;
# conn_pid NAME is socat's pid (gone once the daemon closes the
# connection); conn_close NAME closes it from the client side.
conn_open() {
	mkfifo "$T/$1.in"
	sleep 3600 <>"$T/$1.in" &
	echo $! >"$T/$1.holder"
	EXTRA_PIDS="$EXTRA_PIDS $!"
	socat -t 1 - "UNIX-CONNECT:${2:-$SOCK}" <"$T/$1.in" >"$T/$1.out" 2>&1 &
	echo $! >"$T/$1.pid"
	EXTRA_PIDS="$EXTRA_PIDS $!"
}

conn_send() {
	printf '%s\n' "$2" >"$T/$1.in"
}

conn_pid() {
	cat "$T/$1.pid"
}

conn_close() {
	kill -TERM "$(cat "$T/$1.holder")" 2>/dev/null
	wait_for 10 gone "$(conn_pid "$1")"
}

# finals REPLY: only the final lines (OK/ERR) of a reply, in order.
finals() {
	printf '%s\n' "$1" | grep -E '^(OK|ERR)( |$)'
}

