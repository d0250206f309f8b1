#!/bin/sh
# t0009-clients: no user who may connect can lock an administrator out or
# make the daemon hold unbounded memory (DESIGN §5).  A request must be
# complete within client_timeout of the last one: bytes trickled without
# a newline do not keep a connection.  The last slots of max_clients are
# kept for root and admin_group.  A client that does not read is dropped
# after client_timeout; nothing more is queued for a follower once it is
# full.  The output held for all clients together has a cap: past it the
# client holding most is dropped.
# Admin membership is read from the peer's kernel credentials.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 20

# trickle NAME: a connection that sends one byte every 0.3 s, never a
# newline; its pid in $T/NAME.pid (gone once the daemon closes it).
trickle() {
	{
		while :; do
			printf x
			sleep 0.3
		done
	} | socat -t 1 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1 &
	echo $! >"$T/$1.pid"
	EXTRA_PIDS="$EXTRA_PIDS $!"
}

write_conf <<'EOF'
client_timeout = 2s
task alpha { command = "/bin/true" }
EOF
check "daemon starts (client_timeout 2s)" start_fg
trickle t1
check "a trickling client is connected" alive "$(cat "$T/t1.pid")"
check "... and dropped within client_timeout, though it keeps sending" \
    wait_for 6 gone "$(cat "$T/t1.pid")"
conn_open polite
conn_send polite ping
sleep 1		# the gap between two requests is what is measured
conn_send polite ping
sleep 1.5
conn_send polite ping
check "a client with a request every 1.5 s stays" wait_for 5 sh -c \
    "[ \$(grep -c '^OK pong' $T/polite.out) -eq 3 ]"
conn_close polite
stop_daemon

if ! is_root; then
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		skip "clients of other users need root"
	done
	done_testing
	exit
fi

# --- slots kept for administrators ------------------------------------------

write_conf <<'EOF'
socket_mode = "0666"
admin_group = "daemon"
max_clients = 8
client_timeout = 1h
task alpha { command = "/bin/true" }
EOF
check "daemon starts (max_clients 8, socket open to all)" start_fg
i=1
while [ "$i" -le 4 ]; do
	mkfifo "$T/n$i.in"
	sleep 3600 <>"$T/n$i.in" &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	as_nobody socat -t 1 - "UNIX-CONNECT:$SOCK" <"$T/n$i.in" \
	    >"$T/n$i.out" 2>&1 &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	i=$((i + 1))
done
check "four idle connections of nobody" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -ge 5 ]"
# (it only reads: a write could meet the closed connection first)
r=$(as_nobody socat -t 5 -u "UNIX-CONNECT:$SOCK" - 2>&1)
is "a fifth one of nobody: ERR busy (half of the 8 slots are kept)" "$r" \
    "ERR busy too many clients"
check "root still gets in" ctl status
r=$(printf 'ping\n' | setpriv --reuid=nobody --regid=nogroup --groups=daemon \
    socat -t 5 - "UNIX-CONNECT:$SOCK")
is "... and so does a member of admin_group" "$r" "OK pong"

# --- admin_group is what the kernel says ---------------------------------------

r=$(printf 'activate alpha\n' | setpriv --reuid=nobody --regid=nogroup \
    --groups=daemon socat -t 5 - "UNIX-CONNECT:$SOCK")
like "a process whose supplementary group is admin_group may activate" \
    "$r" '^(- .*)?OK'
stop_daemon

# --- memory for all clients together -------------------------------------------

# followers that never read: nothing more is queued for one once it is
# full (it would be caught up from the log file), and each is dropped
# after client_timeout without reading
write_conf <<'EOF'
client_timeout = 5s
task spew {
	command = "yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 300000000"
	shell = true
}
EOF
# stuck.py SOCKET REQUEST: sends REQUEST and never reads (a small
# receive buffer), until killed
cat >"$T/stuck.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(120)
EOF
stuck() {
	python3 "$T/stuck.py" "$SOCK" "$1" &
	EXTRA_PIDS="$EXTRA_PIDS $!"
}
hwm() {
	awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$DAEMON_PID/status"
}
check "daemon starts" start_fg
i=1
while [ "$i" -le 6 ]; do
	stuck "logs spew -n 1 --follow"
	i=$((i + 1))
done
check "six followers that never read" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -ge 7 ]"
check "a task writes 300 MB" ctl run spew
check "... to its end" wait_for 60 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status spew | jq -r .state)\" = idle ]"
check "each follower is dropped for not reading" wait_for 20 sh -c \
    "[ \$(grep -c 'does not read its replies' '$T/daemon.log') -eq 6 ]"
if sanitized; then
	skip "peak memory: a sanitizer's build ($(hwm) MiB)"
else
	check "the daemon's peak memory stays small ($(hwm) MiB)" test "$(hwm)" -lt 48
fi
stop_daemon

# replies made at once (events -n 100000: 25 MB each) to clients that do
# not read: past 64 MiB for all clients, the one holding most is dropped
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$T/maintd.db" \
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
	    INSERT INTO events (time, task, event, actor, detail)
	    SELECT strftime('%s', 'now') - 100, 'spew', 'filler', 'test',
	    '{\"pad\":\"' || hex(randomblob(100)) || '\"}' FROM c"
	: >"$T/daemon.log"
	check "daemon starts (100000 events)" start_fg
	for _ in 1 2 3 4; do
		stuck "events -n 100000 --json"
	done
	check "the daemon drops clients at the cap for all clients" wait_for 30 \
	    grep -q 'over the limit for all clients' "$T/daemon.log"
	if sanitized; then
		skip "peak memory: a sanitizer's build ($(hwm) MiB)"
	else
		check "its peak memory stays under 64 MiB + a reply of 32 + 16 ($(hwm) MiB)" \
		    test "$(hwm)" -lt 112
	fi
else
	skip "no sqlite3 command"
	skip "no sqlite3 command"
	check "daemon starts" start_fg
fi
check "root's status still answers" ctl status

done_testing
