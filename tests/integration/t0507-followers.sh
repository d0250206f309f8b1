#!/bin/sh
# t0507-followers: clients that ask for a stream and never read it
# (issue #15, DESIGN §5: "a client that does not read its stream is
# dropped, the daemon's memory stays bounded").  A client is dropped
# for not reading: output waits for it and none of it leaves for
# client_timeout (issue 21: a client that reads is never dropped; t0509
# has those).  t0009 has the cap for all clients (64 MiB); this has each
# kind of stream, and the daemon's memory measured:
#  - events -n 100000 --follow over 100000 stored events (25 MB of
#    JSON, made at once): the client is dropped, and the daemon does not
#    hold the 100000 rows on the way (it did: a quarter of a GiB), only
#    their text;
#  - logs --follow and run --wait of a run that writes 30 MB: nothing
#    more is queued for them once they are full (they would be caught
#    up from the log file), and both are dropped after client_timeout,
#    while a follower that reads another run at the same time gets
#    every line to the last;
# the daemon's peak memory stays small, goes back down once they are
# dropped, and every line still reaches the log files.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 20

# spew.sh N: N lines of 70 digits, then END.  spew1 writes 30 MB (33 MB
# to each of its clients: past the cap); spew2 3.5 MB, so that a
# follower that reads, however slowly on a loaded machine, can never
# fall a cap behind
LINES=300000
cat >"$T/spew.sh" <<'EOF'
#!/bin/sh
awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "%070d\n", i; print "END" }'
EOF
chmod 755 "$T/spew.sh"
write_conf <<EOF
client_timeout = 5s
task spew1 { command = { "/bin/sh", "$T/spew.sh", "$LINES" } }
task spew2 { command = { "/bin/sh", "$T/spew.sh", "50000" } }
EOF

# stuck.py SOCKET REQUEST: sends REQUEST and never reads (a small
# receive buffer), until killed
cat >"$T/stuck.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(600)
EOF

stuck() {
	python3 "$T/stuck.py" "$SOCK" "$1" &
	EXTRA_PIDS="$EXTRA_PIDS $!"
}

kb() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"
}

clients_is() {
	[ "$(ctl --json health | head -n 1 | jq .clients)" -eq "$1" ]
}

drops() {
	grep -c 'does not read its replies' "$T/daemon.log" || true
}

drops_are() {
	[ "$(drops)" -eq "$1" ]
}

idle() {
	[ "$(ctl --json status spew1 spew2 | jq -r .state | sort -u)" = idle ]
}

MIB=1024

# --- events ----------------------------------------------------------------------

check "daemon starts" start_fg
stop_daemon
if command -v sqlite3 >/dev/null 2>&1; then
	check "100000 events stored (sqlite3)" sqlite3 "$T/maintd.db" \
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
	    INSERT INTO events (time, task, event, actor, detail)
	    SELECT strftime('%s', 'now') - 100, 'spew1', 'filler', 'test',
	    '{\"pad\":\"' || hex(randomblob(100)) || '\"}' FROM c"
	check "daemon starts again" start_fg
	base=$(kb VmHWM)
	stuck "events -n 100000 --follow --json"
	check "events --follow that never reads: dropped" wait_for 30 drops_are 1
	like "... for not reading" "$(grep 'does not read' "$T/daemon.log")" \
	    'uid [0-9]+ does not read its replies \([0-9]+ bytes queued, none of it read for a while\); dropping it$'
	check "... its connection closed" wait_for 10 clients_is 1
	hwm=$(kb VmHWM)
	if sanitized; then
		skip "peak memory: a sanitizer's build"
	else
		check "the daemon's peak memory grew by the text, not by the rows ($(((hwm - base) / MIB)) MiB)" \
		    test $((hwm - base)) -lt $((48 * MIB))
	fi
	check "events still answer" ctl events -n 5
	stop_daemon
else
	for _ in 1 2 3 4 5 6 7; do
		skip "no sqlite3 command"
	done
fi
: >"$T/daemon.log"

# --- logs --follow and run --wait ----------------------------------------------------

check "daemon starts" start_fg
base=$(kb VmHWM)
rss0=$(kb VmRSS)
stuck "logs spew1 -n 1 --follow"
check "a follower that does not read" wait_for 10 clients_is 2
# a follower that reads (its request on a fifo held open: no EOF), and
# stops at the last line
mkfifo "$T/reader.in"
sleep 600 <>"$T/reader.in" &
EXTRA_PIDS="$EXTRA_PIDS $!"
socat - "UNIX-CONNECT:$SOCK" <"$T/reader.in" 2>/dev/null | grep -m 1 ' END$' >"$T/reader" &
EXTRA_PIDS="$EXTRA_PIDS $!"
printf 'logs spew2 -n 1 --follow\n' >"$T/reader.in"
check "... and one that does" wait_for 10 clients_is 3
stuck "run spew1 --wait"
# the run may be over before a poll sees it running: wait for its row
check "... and a run --wait that never reads" wait_for 10 sh -c \
    "[ -n \"\$($MAINTCTL -s $SOCK --json history spew1 -n 1)\" ]"
check "spew2: run, at once" ctl run spew2
check "both runs end" wait_for 60 idle
check "the two that do not read are dropped" wait_for 20 drops_are 2
check "... each for not reading, not at the cap for all clients" sh -c \
    "! grep -q 'over the limit for all clients' '$T/daemon.log'"
check "the follower that reads got every line, to the last" wait_for 20 sh -c \
    "grep -q ' END\$' '$T/reader'"
hwm=$(kb VmHWM)
if sanitized; then
	skip "peak memory: a sanitizer's build"
	skip "memory back: a sanitizer's build"
else
	check "the daemon's peak memory stays small: nothing is queued past a full client ($(((hwm - base) / MIB)) MiB more)" \
	    test $((hwm - base)) -lt $((16 * MIB))
	# (the caps' buffers go back to the system; the heap may keep some)
	check "its memory goes back down ($(($(kb VmRSS) / MIB)) MiB, $((rss0 / MIB)) MiB before)" \
	    wait_for 10 sh -c "[ \$(awk '\$1 == \"VmRSS:\" { print \$2 }' /proc/$DAEMON_PID/status) -lt $((rss0 + 16 * MIB)) ]"
fi
is "every line reached spew1's log file" "$(grep -c '\] [0-9]*$\|\] END$' "$T/log/spew1.log")" \
    $((LINES + 1))

done_testing
