#!/bin/sh
# t0509-backpressure: a client that reads is never dropped, however far
# it falls behind (issue 21): what the daemon sends it waits while its
# output is full, and goes on once it has drained.  run --wait of a run
# that writes 1000000 lines fast (23 MB) to a client that stops reading
# for a while, logs of them all, logs --follow of it, and --json status
# of 72000 tasks (18 MB): each reader gets every line, in order, though
# the old cap for one client was 16 MiB.  A follower that falls behind is
# caught up from the log file; one of a task whose output has no file
# is told how many lines it missed.  A client that does not read at all
# is still dropped, after client_timeout, and the daemon's memory stays
# small meanwhile.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 19

N=1000000
cat >"$T/spew.sh" <<'EOF'
#!/bin/sh
# spew.sh N: the numbers 1 to N, 20 digits each, as fast as it can
exec seq -f '%020.0f' 1 "$1"
EOF
chmod 755 "$T/spew.sh"

# slow COMMAND...: reads its input only after 3 s (the pipe fills at once,
# so its writer stops reading the daemon: the daemon's side fills up)
slow() {
	sleep 3
	"$@"
}

# count_last: how many lines, and the last one
count_last() {
	awk 'END { print NR, $0 }'
}

kb() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"
}

drops() {
	grep -c 'does not read its replies' "$T/daemon.log" || true
}

# (a reader that stops for 3 s reads: it is not one that never does)
write_conf <<EOF
client_timeout = 10s
task spew { command = { "$T/spew.sh", "$N" } }
task nofile { command = { "$T/spew.sh", "200000" }  output = discard }
EOF
check "daemon starts" start_fg

# --- run --wait and logs --------------------------------------------------------

"$MAINTCTL" -s "$SOCK" run spew --wait 2>"$T/wait.err" |
    slow count_last >"$T/wait.out"
is "run --wait, a reader that stops for 3 s: exit 0" \
    "$(sed -n 's/^maintctl: //p' "$T/wait.err")" ""
is "... every line, to the last" "$(cat "$T/wait.out")" \
    "$N $(printf '%020d' "$N")"
is "no client was dropped" "$(drops)" 0
"$MAINTCTL" -s "$SOCK" --json logs spew -n 100000 2>"$T/logs.err" |
    slow count_last >"$T/logs.out"
like "logs -n 100000 to a slow reader: every line, to the last" \
    "$(cat "$T/logs.out")" "^100000 .*\"line\":\"$(printf '%020d' "$N")\"}\$"

# --- a follower that falls behind ---------------------------------------------------

sh -c 'echo $$ >"$1"; exec "$2" -s "$3" logs spew -n 1 --follow' \
    sh "$T/follower.pid" "$MAINTCTL" "$SOCK" 2>"$T/follow.err" |
    slow grep -m 1 " $(printf '%020d' "$N")\$" >"$T/follow.out" &
fpid=$!
EXTRA_PIDS="$EXTRA_PIDS $fpid"
check "... a follower" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -ge 2 ]"
"$MAINTCTL" -s "$SOCK" run spew --wait >/dev/null 2>&1 &
wpid=$!
EXTRA_PIDS="$EXTRA_PIDS $wpid"
check "... that stopped reading gets the run's last line" wait_for 120 \
    test -s "$T/follow.out"
check "... the run ends" wait_for 60 gone "$wpid"
is "no client was dropped" "$(drops)" 0
# that follower's reader is gone: it goes too, so that the next one is
# counted alone (a maintctl whose reader is gone ends at its next line)
kill "$(cat "$T/follower.pid")" 2>/dev/null
check "... and its connection is closed" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -eq 1 ]"
# lines of a task whose output has no file: counted, not sent
"$MAINTCTL" -s "$SOCK" logs nofile -n 1 --follow 2>&1 |
    slow grep -m 1 'lines left out' >"$T/nofile.out" &
npid=$!
EXTRA_PIDS="$EXTRA_PIDS $npid"
check "a follower of output = discard" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -eq 2 ]"
check "nofile: run" ctl run nofile --wait
check "... that fell behind is told how many lines it missed" \
    wait_for 30 test -s "$T/nofile.out"
like "... in its own words" "$(cat "$T/nofile.out")" \
    '^maintd: [0-9]+ lines left out: this client fell behind, and the output of nofile has no log file to catch up from$'

# --- one that does not read --------------------------------------------------------

rss0=$(kb VmRSS)
python3 - "$SOCK" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"logs spew -n 100000 --follow\n")
time.sleep(120)
EOF
EXTRA_PIDS="$EXTRA_PIDS $!"
check "a client that never reads is dropped after client_timeout" \
    wait_for 60 sh -c "grep -q 'does not read its replies' '$T/daemon.log'"
rss=$(kb VmRSS)
if sanitized; then
	skip "memory: a sanitizer's build"
else
	check "... the daemon held little for it ($(((rss - rss0) / 1024)) MiB more)" \
	    test $((rss - rss0)) -lt $((8 * 1024))
fi
stop_daemon

# --- status of 72000 tasks ------------------------------------------------------------

# names of 64 characters: 250 bytes of JSON a task
awk -v n=72000 'BEGIN { for (i = 1; i <= n; i++)
	printf "task t%063d { command = \"/bin/true\" }\n", i }' |
    write_conf
# (start_fg waits 10 s: 72000 tasks take longer)
"$MAINTD" -f -c "$CONF" >"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
check "daemon starts (72000 tasks)" wait_for 120 socket_up
"$MAINTCTL" -s "$SOCK" --json status 2>"$T/status.err" |
    slow count_last >"$T/status.out"
like "--json status to a slow reader: every task, to the last" \
    "$(cat "$T/status.out")" "^72000 \{\"task\":\"t$(printf '%063d' 72000)\","
is "... and no error" "$(cat "$T/status.err")" ""

done_testing
