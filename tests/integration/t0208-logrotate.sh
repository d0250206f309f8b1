#!/bin/sh
# t0208-logrotate: real logrotate(8) with the shipped conf/logrotate.d/maintd
# (DESIGN §3 "Child output": logrotate rotates without losing a line).
# The shipped file, adapted only in its paths (log_dir and pidfile of
# this test), how many it keeps (more than ten) and what needs root
# (compression left out, so the files can be read as they are; create
# without an owner), is run ten times with -f and a state file of the
# test while a child writes numbered lines; each time its postrotate
# sends USR1 and maintd writes on in the new file.  Then, the writer
# stopped, every number is in the files exactly once and in order, from
# the oldest file to the newest; so it is in a "logs --follow" stream
# that ran all along.  Also: the shipped logrotate and newsyslog files
# name the log_dir and pidfile make install fills in and signal USR1
# (t0011 checks the filling in).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 26

ROT=10
SRC=$(cd "$(dirname "$0")/../.." && pwd)/conf
NS=$SRC/newsyslog.conf.d/maintd.conf
# as make install writes it with the default paths
LR=$T/logrotate.maintd
sed -e 's|@LOCALSTATEDIR@|/var|g' -e 's|@RUNSTATEDIR@|/run|g' \
    "$SRC/logrotate.d/maintd" >"$LR"

in_file() {
	grep -Eq -- "$2" "$1"
}

# numbers FILE...: the numbers of the "line N" lines (text after "] ").
numbers() {
	cat "$@" | sed -n 's/^[^ ]* \[[0-9]*\] line \([0-9][0-9]*\)$/\1/p'
}

# exactly_once FILE: the numbers in FILE are 1, 2, 3... in order, each
# once; says where they are not.
exactly_once() {
	# shellcheck disable=SC2016 # awk's $1
	awk '$1 != NR { printf "line %d: %s (expected %d)\n", NR, $1, NR; exit 1 }
	    END { if (NR == 0) { print "no numbers"; exit 1 } }' "$1"
}

# same numbers, sorted: no gap, no duplicate (says which).
no_gap_no_dup() {
	sort -n "$1" | uniq -d >"$T/dups"
	[ -s "$T/dups" ] && { echo "duplicates: $(head -5 "$T/dups")"; return 1; }
	sort -n "$1" | awk '$1 != NR { printf "missing %d\n", NR; exit 1 }'
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

# --- the shipped files ------------------------------------------------------

check "conf/logrotate.d/maintd is there" test -s "$LR"
check "logrotate: the default log_dir's *.log" grep -q '^/var/log/maintd/\*\.log {' "$LR"
# shellcheck disable=SC2016 # the literal text of the file
check "logrotate: USR1 to the pid in the default pidfile" \
    grep -q 'kill -USR1 "$(cat /run/maintd.pid)"' "$LR"
check "newsyslog: the log_dir's *.log" grep -q '^@LOCALSTATEDIR@/log/maintd/\*\.log[[:space:]]' "$NS"
# shellcheck disable=SC2016
check "newsyslog: the pidfile and signal 30 (USR1 on the BSDs)" \
    awk '$1 == "@LOCALSTATEDIR@/log/maintd/*.log" &&
    $(NF - 1) == "@RUNSTATEDIR@/maintd.pid" &&
    $NF == 30 { ok = 1 } END { exit !ok }' "$NS"

# --- the adapted copy -------------------------------------------------------

# Only paths, count and what needs root change.
sed -e "s|/var/log/maintd/|$T/log/|" \
    -e "s|/run/maintd.pid|$PIDFILE|g" \
    -e "s|^\([[:space:]]*\)rotate [0-9]*|\1rotate 50|" \
    -e '/^[[:space:]]*compress$/d' \
    -e '/^[[:space:]]*delaycompress$/d' \
    -e "s|^\([[:space:]]*\)create \([0-7]*\) .*|\1create \2|" \
    "$LR" >"$T/lr.conf"
chmod 644 "$T/lr.conf"
diag "$(diff "$LR" "$T/lr.conf")"
is "the copy changes 6 lines of the shipped file" \
    "$(diff "$LR" "$T/lr.conf" | grep -c '^<')" 6

# The writer says "start", waits for $T/go, then writes "line 1",
# "line 2"... pausing 10 ms every 100 lines.
write_conf <<EOF
task writer {
	command = "echo start; while [ ! -e $T/go ]; do sleep 0.05; done; i=0; while :; do i=\$((i + 1)); echo line \$i; case \$i in *00) sleep 0.01 ;; esac; done"
	shell = true
}
EOF

check "daemon starts" start_fg
check "the pidfile names the daemon" test "$(cat "$PIDFILE")" = "$DAEMON_PID"
check "writer: run" ctl run writer
check "writer: its first line reaches the log" wait_for 10 in_file \
    "$T/log/writer.log" '\] start$'
"$MAINTCTL" -s "$SOCK" logs writer --follow -n 1 >"$T/follow" 2>&1 &
fol=$!
EXTRA_PIDS="$EXTRA_PIDS $fol"
check "a follower is there before the numbers start" wait_for 10 in_file \
    "$T/follow" '\] start$'
touch "$T/go"

i=0
failed=""
while [ "$i" -lt "$ROT" ]; do
	i=$((i + 1))
	# something to rotate (notifempty), then rotate
	if ! wait_for 20 test -s "$T/log/writer.log"; then
		failed="$failed $i(nothing written in writer.log)"
		break
	fi
	if ! logrotate -f -s "$T/lr.state" "$T/lr.conf" >"$T/lr.out" 2>&1; then
		failed="$failed $i(logrotate: $(cat "$T/lr.out"))"
		break
	fi
	if [ ! -s "$T/log/writer.log.1" ]; then
		failed="$failed $i(no writer.log.1)"
		break
	fi
done
is "logrotate -f ran $ROT times without an error" "$failed" ""
diag "$(ls -l "$T/log")"
check "writer: still running through the rotations" state_is writer running
check "after the last rotation maintd writes in the new file" \
    wait_for 20 test -s "$T/log/writer.log"
check "writer: stop" ctl stop writer
check "writer: stopped" wait_for 20 state_is writer idle

n=0
for k in $(seq 1 "$ROT"); do
	[ -s "$T/log/writer.log.$k" ] && n=$((n + 1))
done
is "ten rotated files, none empty" "$n" "$ROT"
check_fails "no rotated file beyond the tenth" test -e "$T/log/writer.log.$((ROT + 1))"

# oldest to newest: writer.log.10 ... writer.log.1, writer.log
files=""
for k in $(seq "$ROT" -1 1); do
	files="$files $T/log/writer.log.$k"
done
# shellcheck disable=SC2086
numbers $files "$T/log/writer.log" >"$T/nums"
max=$(sort -n "$T/nums" | tail -1)
diag "$(wc -l <"$T/nums") numbered lines, the last $max"
check "lines were written during the rotations (more than $ROT x 100)" \
    test "${max:-0}" -gt $((ROT * 100))
check "across the files: every number once, no gap, no duplicate" \
    no_gap_no_dup "$T/nums"
check "across the files, oldest first: 1, 2, 3... in order" \
    exactly_once "$T/nums"
# shellcheck disable=SC2086
is "every line of the files is a numbered line of the run, or start" \
    "$(cat $files "$T/log/writer.log" | wc -l | tr -d ' ')" \
    "$(($(wc -l <"$T/nums") + 1))"

check "the follower got the last line" wait_for 20 in_file "$T/follow" \
    "\\] line $max\$"
check "the follower is still connected" alive "$fol"
numbers "$T/follow" >"$T/fnums"
check "logs --follow: every number once, in order" exactly_once "$T/fnums"
is "logs --follow: as many as the files" "$(wc -l <"$T/fnums" | tr -d ' ')" \
    "$(wc -l <"$T/nums" | tr -d ' ')"
kill "$fol" 2>/dev/null
wait "$fol" 2>/dev/null

done_testing
