#!/bin/sh
# t0504-logdir: log_dir that cannot be written while runs go on (DESIGN
# §3 "Child output").  t0206 has a oneshot run while log_dir is a file;
# this has a service writing a line every 0.1 s all along, and a daemon
# that is not root (root may write where modes forbid), with log_dir on
# a small file system of its own:
#  - log_dir made read-only (chmod 0555) and the log moved away, then
#    reopen: the file cannot be made again;
#  - log_dir replaced with a file, then reopen;
#  - the log file itself made read-only, then reopen (the file is there,
#    stale: maintctl logs must show the lines kept in memory, not it);
#  - the file system full (no reopen: the open file cannot grow).
# Each time the service's run goes on untouched, a oneshot still runs,
# health is degraded and names log_dir, the task and the cause, the
# daemon logs it once (not at every line), "maintctl logs" shows the
# newest lines (from memory: the file, when there is one, lacks them);
# once it is fixed the lines go to the file again without a restart,
# health is ok (once each task has written), and the daemon says so; a
# line cut by the full disk is ended, not glued to the next.
# Root only: it mounts a tmpfs and runs maintd as nobody.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root (a tmpfs, and maintd as nobody)"
	exit 0
fi

plan 58

TAG=$$
D=$T/d
mkdir "$D"
chown nobody:nogroup "$D"
SOCK=$D/maintd.sock
PIDFILE=$D/maintd.pid
FS=$D/fs
LOG=$FS/log
mkdir "$FS"
if ! mount -t tmpfs -o size=1m,uid=nobody,gid=nogroup,mode=0755 tmpfs "$FS" 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs here"
	exit 0
fi
mkdir "$LOG"
chown nobody:nogroup "$LOG"

kill_marked() {
	for p in $(pgrep -f -- "9541\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
unmount() {
	if mountpoint -q "$FS" 2>/dev/null; then
		umount "$FS" 2>/dev/null || umount -l "$FS"
	fi
}
trap 'stop_daemon; kill_marked; unmount; cleanup' EXIT

cat >"$CONF" <<EOF
socket = "$SOCK"
pidfile = "$PIDFILE"
database = "$D/maintd.db"
log_dir = "$LOG"
kill_grace = 2s
task talker {
	kind = service
	command = "i=0; while :; do i=\$((i + 1)); echo \"line \$i 9541.$TAG\"; sleep 0.1; done"
	shell = true
}
task one { command = "echo one \$MAINTD_RUN_ID" shell = true }
EOF
chmod 644 "$CONF"

start_as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$MAINTD" -f -c "$CONF" >"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	if ! wait_for 10 socket_up; then
		diag "maintd did not come up:"
		diag "$(cat "$T/daemon.log")"
		return 1
	fi
}

# n of "line N": the last the service wrote to FILE / that logs shows
last_in_file() {
	tail -n 1 "$1" 2>/dev/null | sed -n 's/.*\] line \([0-9]*\) .*/\1/p'
}

last_in_logs() {
	ctl logs talker -n 1 | sed -n 's/.*\] line \([0-9]*\) .*/\1/p'
}

# the file grows again: its last line is past N
file_past() {
	[ "$(last_in_file "$LOG/talker.log")" -gt "$1" ] 2>/dev/null
}

# logs shows a line past N
logs_past() {
	[ "$(last_in_logs)" -gt "$1" ] 2>/dev/null
}

hf() {
	ctl --json health 2>/dev/null | head -n 1 | jq -r "$1"
}

why() {
	ctl health 2>&1 | tail -n 1
}

degraded_with() {
	[ "$(hf .status)" = degraded ] && why | grep -qF -- "$1"
}

healthy() {
	[ "$(hf .status)" = ok ]
}

run_of() {
	ctl --json status talker | jq -r '[.state, .current.run] | tostring'
}

times_logged() {
	grep -c -- "$1" "$T/daemon.log" || true
}

check "maintd starts as nobody, log_dir on a tmpfs" start_as_nobody
check "talker: activate" ctl activate talker
check "talker: its lines reach the file" wait_for 10 file_past 3
run=$(run_of)

# fault FAULT-NAME CAUSE: the checks while output cannot be written
fault() {
	n=$(last_in_file "$LOG/talker.log")
	n=${n:-0}
	check "$1: health degraded, naming log_dir, the task and why" wait_for 10 \
	    degraded_with "log_dir $LOG not writable (task talker): $2"
	is "$1: health talker: the cause" \
	    "$(ctl --json health talker 2>/dev/null | head -n 1 | jq -r .log)" "$2"
	is "$1: the daemon logged it, once" "$(times_logged "$KEPT")" "$((logged + 1))"
	like "$1: ... saying why" "$(grep -- "$KEPT" "$T/daemon.log" | tail -n 1)" \
	    "talker: cannot (open|write) $LOG/talker.log; its output is kept in memory only: $2\$"
	check "$1: logs shows the newest lines, from memory" wait_for 10 logs_past "$((n + 5))"
	is "$1: talker's run goes on" "$(run_of)" "$run"
	check "$1: a oneshot runs" ctl run one --wait
}

# fixed FAULT-NAME: the checks once it is fixed
fixed() {
	n=$(last_in_logs)
	check "$1 fixed: the lines reach the file again" wait_for 10 file_past "$n"
	# (a task's health counts its last write: the oneshot must write)
	check "$1 fixed: a oneshot runs" ctl run one --wait
	check "$1 fixed: health ok" wait_for 10 healthy
	is "$1 fixed: the daemon said so" \
	    "$(times_logged 'talker: its log file is written again')" "$((written + 1))"
	is "$1 fixed: talker's run went on" "$(run_of)" "$run"
	logged=$((logged + 1))
	written=$((written + 1))
}
logged=0
written=0
KEPT="talker: cannot .* $LOG/talker.log; its output is kept in memory only"

# --- log_dir read-only, the file rotated away -------------------------------

chmod 0555 "$LOG"
mv "$LOG/talker.log" "$LOG/talker.log.1"
check "rotate while log_dir is read-only: reopen" ctl reopen
fault "read-only log_dir" "Permission denied"
chmod 0755 "$LOG"
fixed "read-only log_dir"

# --- log_dir replaced with a file ---------------------------------------------

mv "$LOG" "$LOG.saved"
: >"$LOG"
check "log_dir replaced with a file: reopen" ctl reopen
fault "log_dir a file" "Not a directory"
rm "$LOG"
mv "$LOG.saved" "$LOG"
fixed "log_dir a file"

# --- the log file read-only (there, but stale) ----------------------------------

chmod 0444 "$LOG/talker.log"
check "the log file made read-only: reopen" ctl reopen
fault "read-only log file" "Permission denied"
chmod 0644 "$LOG/talker.log"
fixed "read-only log file"

# --- the file system full --------------------------------------------------------

dd if=/dev/zero of="$FS/filler" bs=4k 2>/dev/null
check "log_dir's file system is full" \
    test "$(df -P "$FS" | awk 'NR == 2 { print $4 }')" -eq 0
fault "full" "No space left on device"
rm -f "$FS/filler"
fixed "full"
# a write cut short by the full disk leaves part of a line: the next line
# must not be glued to it
check "full: no line of the file runs into the next" sh -c \
    "! grep -E '[0-9]{4}-[0-9]{2}-[0-9]{2}T.*[0-9]{4}-[0-9]{2}-[0-9]{2}T' '$LOG/talker.log'"

check "talker: deactivate" ctl deactivate talker
check "... nothing of it left" wait_for 10 sh -c "! pgrep -f -- '9541\\.$TAG'"

done_testing
