#!/bin/sh
# t0506-clients: 64 clients of an unprivileged user that trickle a byte
# every 0.3 s and never send a whole line (issue #15, DESIGN §5).  t0009
# has one trickler, and four idle clients with max_clients 8; this is the
# whole default of max_clients (64) at once.  The last four slots are
# kept: 60 tricklers get in, the other 4 are answered "ERR busy"; root
# and a member of admin_group still get in, as often as they like and
# at once; supervision goes on; another client of that user is busy.
# With client_timeout 3s the tricklers are all dropped, though they keep
# sending, and the slots are free again for anyone.
# Root only: the tricklers run as nobody.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root (clients of another user)"
	exit 0
fi

# a python3 that nobody may run (not one under root's home)
PY=""
for p in /usr/bin/python3 /usr/local/bin/python3; do
	if [ -x "$p" ] && setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$p" -c pass 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "1..0 # SKIP no python3 that nobody may run"
	exit 0
fi

plan 18

N=64

# trickle.py SOCKET N STATUS SECONDS: N connections, each sent one byte
# every 0.3 s, never a newline; STATUS says how many are open and how
# many were answered ERR busy.  One process for all 64.
cat >"$T/trickle.py" <<'EOF'
import os, socket, sys, time
path, n, status, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
socks, closed, busy = [], set(), set()
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.setblocking(False)
    socks.append(s)
end = time.time() + secs
while time.time() < end:
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            d = s.recv(4096)
            if b"ERR busy" in d:
                busy.add(i)
            if d == b"":
                closed.add(i)
                continue
        except BlockingIOError:
            pass
        except OSError:
            closed.add(i)
            continue
        try:
            s.send(b"x")
        except BlockingIOError:
            pass
        except OSError:
            closed.add(i)
    with open(status + ".tmp", "w") as f:
        f.write("%d %d\n" % (n - len(closed), len(busy)))
    os.rename(status + ".tmp", status)
    time.sleep(0.3)
EOF

# (its status in a directory nobody may write)
mkdir "$T/tr"
chown nobody:nogroup "$T/tr"
TRICKLER=""
trickle() {
	rm -f "$T/tr/status"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$PY" "$T/trickle.py" "$SOCK" "$N" "$T/tr/status" 120 &
	TRICKLER=$!
	EXTRA_PIDS="$EXTRA_PIDS $TRICKLER"
}

stop_trickle() {
	kill -TERM "$TRICKLER" 2>/dev/null
	wait "$TRICKLER" 2>/dev/null
}

status_is() {
	[ "$(cat "$T/tr/status" 2>/dev/null)" = "$1" ]
}

clients_is() {
	[ "$(ctl --json health | head -n 1 | jq .clients)" -eq "$1" ]
}

nobody_ping() {
	printf 'ping\n' | setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    socat -t 5 - "UNIX-CONNECT:$SOCK"
}

# root's requests, each on a connection of its own
root_many() {
	i=0
	while [ "$i" -lt 20 ]; do
		ctl status >/dev/null || return 1
		i=$((i + 1))
	done
}

write_conf <<'EOF'
socket_mode = "0666"
admin_group = "daemon"
client_timeout = 1h
task alpha { command = "/bin/true" }
EOF
check "daemon starts (max_clients 64 by default, socket open to all)" start_fg
trickle
check "$N trickling clients of nobody: 60 in, 4 answered ERR busy" \
    wait_for 30 status_is "60 4"
check "... 60 connections held" clients_is 61
check "... the refusals logged, saying why" grep -q \
    "control: too many clients (60), refusing uid $(id -u nobody)" "$T/daemon.log"
t0=$(date +%s)
check "root: 20 requests, one after the other" root_many
t1=$(date +%s)
check "... promptly (in $((t1 - t0)) s)" test $((t1 - t0)) -lt 15
check "root: a run is supervised" ctl run alpha --wait
r=$(printf 'ping\n' | setpriv --reuid=nobody --regid=nogroup --groups=daemon \
    socat -t 5 - "UNIX-CONNECT:$SOCK")
is "a member of admin_group gets in" "$r" "OK pong"
# (it only reads: a write could meet the closed connection first)
is "another client of nobody: ERR busy" \
    "$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    socat -t 5 -u "UNIX-CONNECT:$SOCK" - 2>&1)" "ERR busy too many clients"
check "the tricklers are still there" status_is "60 4"
stop_trickle
check "once they are gone, nobody gets in again" wait_for 10 sh -c \
    "[ \"\$(printf 'ping\\n' | setpriv --reuid=nobody --regid=nogroup --clear-groups socat -t 5 - UNIX-CONNECT:$SOCK)\" = 'OK pong' ]"
stop_daemon

# --- client_timeout: trickling does not keep a connection -----------------------

write_conf <<'EOF'
socket_mode = "0666"
admin_group = "daemon"
client_timeout = 3s
task alpha { command = "/bin/true" }
EOF
check "daemon starts (client_timeout 3s)" start_fg
trickle
check "$N trickling clients again: 60 in" wait_for 30 sh -c \
    "[ \"\$(cut -d ' ' -f 2 $T/tr/status 2>/dev/null)\" = 4 ] && [ \"\$(cut -d ' ' -f 1 $T/tr/status)\" -le 60 ]"
check "root gets in meanwhile" root_many
check "they are all dropped within client_timeout, though they keep sending" \
    wait_for 20 status_is "0 4"
check "... the daemon holds none of them" wait_for 10 clients_is 1
is "a client of nobody gets in" "$(nobody_ping)" "OK pong"
check "root too" ctl status
stop_trickle

done_testing
