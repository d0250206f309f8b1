#!/bin/sh
# t0510-planted: what a root maintd writes, a user cannot redirect (files
# a user can plant).  log_dir owned by the tasks' user (user = "nobody")
# is taken; a symbolic link, a FIFO or a hard link that user puts in it
# as a task's log file is not written through (the target untouched, no
# hang), nor read by maintctl logs (its target not shown, no hang), the
# task's log shows the error in health, its lines are kept
# in memory, and once the file is gone the log is written again.  A
# log_dir deleted while maintd runs is not made again at reopen: health
# is degraded until it is back.  At start-up log_dir is made when
# missing (root's, 0755), and refused when it belongs to another user or
# others may write it (sticky or not).  metrics_file's directory is made
# when missing; in a directory others may write it is refused (nothing
# written there).  Root only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root (the checks are a root daemon's)"
	exit 0
fi

plan 45

L=$T/log
mkdir "$L"
chown nobody:nogroup "$L"
write_conf <<EOF
metrics_file = "$T/m/sub/maintd.prom"
task talk { command = "echo said \$MAINTD_RUN_ID"  shell = true }
EOF
echo precious >"$T/victim"
chmod 600 "$T/victim"

# tctl ARGS: maintctl, bounded (a daemon stuck on a FIFO would not answer)
tctl() {
	timeout 10 "$MAINTCTL" -s "$SOCK" "$@"
}

logerr() {
	tctl --json health talk 2>/dev/null | head -n 1 | jq -r .log
}

why() {
	tctl health 2>&1 | tail -n 1
}

check "maintd starts, log_dir owned by the tasks' user" start_fg
check "metrics_file: its missing directory is made, the file written" \
    wait_for 10 test -s "$T/m/sub/maintd.prom"
check "talk: a run" tctl run talk --wait
like "... its line in its log file" "$(cat "$L/talk.log")" "said 1$"

# maintctl logs (any client may ask) reads the log file: not through what
# was planted, before maintd writes again
rm -f "$L/talk.log"
ln -s "$T/victim" "$L/talk.log"
tctl logs talk >"$T/logs" 2>&1
is "logs: a symbolic link in log_dir is not read" "$?" 0
check_fails "... what it points to is not shown" grep -q precious "$T/logs"
like "... the lines in memory are" "$(cat "$T/logs")" "said 1$"
rm -f "$L/talk.log"
mkfifo "$L/talk.log"
check "logs: a FIFO in log_dir does not hang the daemon" tctl logs talk
check "... which answers" tctl ping

# planted NAME HOW ERROR: the log file replaced by what HOW makes; a run
# writes nothing through it, and health says ERROR
planted() {
	rm -f "$L/talk.log"
	"$@"
	check "$1: reopen" tctl reopen
	check "$1: a run ends, nothing hangs" tctl run talk --wait
	is "$1: health talk shows the log's error" "$(logerr)" "$2"
	is "$1: the daemon's health names log_dir, the task and why" "$(why)" \
	    "maintctl: degraded: log_dir $L not writable (task talk): $2"
	like "$1: the line is kept in memory" "$(tctl logs talk -n 1)" "said [0-9]+$"
	is "$1: the target is untouched" "$(cat "$T/victim")" precious
}
symlink() { ln -s "$T/victim" "$L/talk.log"; }
fifo() { mkfifo "$L/talk.log"; }
hardlink() { ln "$T/victim" "$L/talk.log"; }
planted symlink "Too many levels of symbolic links"
planted fifo "No such device or address"
planted hardlink "Operation not permitted"
rm -f "$L/talk.log"
check "the planted file gone: a run" tctl run talk --wait
is "... health talk ok again" "$(logerr)" ok
like "... the line in a new log file" "$(cat "$L/talk.log")" "said [0-9]+$"

# --- log_dir deleted: not made again at reopen -------------------------------

rm -rf "$L"
check "log_dir deleted: reopen" tctl reopen
check "... a run" tctl run talk --wait
is "... health talk shows why" "$(logerr)" "No such file or directory"
check "... log_dir is not made again" test ! -e "$L"
mkdir "$L"
chown nobody:nogroup "$L"
check "log_dir back: a run" tctl run talk --wait
is "... health ok again" "$(logerr)" ok
stop_daemon

# --- start-up: log_dir made when missing, refused when others may write it ----

# try_start: a daemonised start (stopped again if it started); RC, OUT
try_start() {
	"$MAINTD" -c "$CONF" >"$T/start.out" 2>&1
	RC=$?
	OUT=$(cat "$T/start.out")
	if [ "$RC" -eq 0 ]; then
		DAEMON_PID=$(cat "$PIDFILE")
		stop_daemon
	fi
}
rm -rf "$L"
try_start
is "log_dir missing: maintd starts" "$RC" 0
is "... and makes it, root's, 0755" "$(stat -c '%U %a' "$L")" "root 755"
chown daemon "$L"
try_start
is "log_dir owned by another user: refused" "$RC" 1
is "... saying why" "$OUT" \
    "maintd: log_dir $L: refusing: directory $L owned by uid $(id -u daemon)"
chown root "$L"
chmod 1777 "$L"
try_start
is "log_dir others may write, even sticky: refused" "$RC" 1
is "... saying why" "$OUT" \
    "maintd: log_dir $L: refusing: directory $L writable by others (mode 1777)"
chmod 755 "$L"

# --- metrics_file where others may write ------------------------------------

mkdir -m 1777 "$T/pub"
sed -i "s|^metrics_file = .*|metrics_file = \"$T/pub/maintd.prom\"|" "$CONF"
check "metrics_file in a directory others may write: maintd starts" start_fg
check "... says it refuses it" wait_for 10 grep -q \
    "metrics_file $T/pub/maintd.prom: refusing: directory $T/pub writable by others (mode 1777)" \
    "$T/daemon.log"
is "... and writes nothing there" "$(ls -A "$T/pub")" ""

done_testing
