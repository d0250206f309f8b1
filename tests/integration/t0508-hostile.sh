#!/bin/sh
# t0508-hostile: what anyone who may connect (a socket open to all, a
# read-only peer, here nobody) can no longer do to a root maintd (issue
# 20): freeze the loop with a --grep pattern (back-references are refused,
# a scan is bounded and done in slices: root's ping answers meanwhile);
# hold every slot with followers that have closed (freed at once, with
# no event to notice it); read the secrets of the configuration (webhook
# URLs, environment values and probe passwords are redacted for it, not
# for root).  And a detached daemon keeps no descriptor it inherited.
# Root only: the clients run as nobody.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root to run clients as another user"
	exit 0
fi

plan 34

nctl() {
	as_nobody "$MAINTCTL" -s "$SOCK" "$@"
}

nfds() {
	find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 | wc -l
}

fds_back() {
	[ "$(nfds)" -le "$1" ]
}

write_conf <<'EOF'
socket_mode = "0666"
client_timeout = 1h
task quiet { command = "/bin/true" }
EOF

# --- inherited descriptors -----------------------------------------------------

# fd 5 is the write end of a pipe to cat (which ends only when every
# writer has gone), fd 7 a file of the test's
timeout 20 sh -c "\"$MAINTD\" -c \"$CONF\" 5>&1 7>\"$T/inherited\" | cat >/dev/null"
is "maintd started with a pipe on fd 5: the reader sees its end" "$?" 0
DAEMON_PID=$(cat "$PIDFILE")
check "... the detached daemon answers" wait_for 10 socket_up
is "... and holds neither the pipe nor the file it inherited" \
    "$(find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 \( -name 5 -o \
    -lname "$T/inherited" \) | wc -l)" 0
stop_daemon

# --- followers that have gone ------------------------------------------------------

check "daemon starts (socket open to all)" start_fg
ctl ping >/dev/null
base=$(nfds)
# 60 clients of nobody (every slot but the 4 kept for root) follow a
# stream that has nothing to send, then go: half close at once, half half-close first and close
# a moment later; no event happens afterwards
i=0
while [ "$i" -lt 60 ]; do
	case $((i % 4)) in
	0) req="events --task quiet --follow" t=0 ;;
	1) req="logs quiet --follow" t=0 ;;
	2) req="events --task quiet --follow --json" t=0.5 ;;
	3) req="logs quiet --follow --json" t=0.5 ;;
	esac
	printf '%s\n' "$req" | as_nobody socat -t "$t" - \
	    "UNIX-CONNECT:$SOCK" >/dev/null 2>&1 &
	pids="${pids:-} $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
check "60 followers that closed: the daemon's descriptors come back" \
    wait_for 10 fds_back "$base"
check "... and a new client of nobody is not busy" nctl ping
# a follower that half-closes but reads on is still served
printf 'events --follow\n' | setpriv --reuid=nobody --regid=nogroup \
    --clear-groups socat -t 30 - "UNIX-CONNECT:$SOCK" >"$T/half.out" 2>&1 &
HALF=$!
EXTRA_PIDS="$EXTRA_PIDS $HALF"
wait_for 10 sh -c "[ \$(nfds) -gt $base ]"
ctl activate quiet >/dev/null
check "a half-closed follower that reads still gets new events" \
    wait_for 10 grep -q 'quiet  activated' "$T/half.out"
kill "$HALF" 2>/dev/null
check "... and is freed once it closes" wait_for 10 fds_back "$base"
stop_daemon

# --- --grep ------------------------------------------------------------------------

# hb: 300 ordinary lines (on each the pattern of issue 20 costs glibc
# about half a second: a few minutes for the file); aaa: 300 lines of
# 4000 a's, on which (a|aa|aaa|aaaa)*b costs glibc about 70 ms a line
# (no back-reference: it is allowed, and bounded by the scan's limits)
cat >"$T/hb.sh" <<'EOF'
#!/bin/sh
seq -f 'heartbeat %.0f: alive and well, all good here' 1 300
EOF
cat >"$T/aaa.sh" <<'EOF'
#!/bin/sh
awk 'BEGIN { s = sprintf("%4000s", ""); gsub(/ /, "a", s)
	for (i = 0; i < 300; i++) print s }'
EOF
cat >"$T/big.sh" <<'EOF'
#!/bin/sh
seq -f 'entry %.0f' 1 200000
EOF
chmod 755 "$T/hb.sh" "$T/aaa.sh" "$T/big.sh"
write_conf <<EOF
socket_mode = "0666"
client_timeout = 1h
task hb { command = "$T/hb.sh" }
task aaa { command = "$T/aaa.sh" }
task big { command = "$T/big.sh" }
EOF
check "daemon starts (tasks with output)" start_fg
check "their runs" sh -c "$MAINTCTL -s $SOCK run hb --wait >/dev/null &&
    $MAINTCTL -s $SOCK run aaa --wait >/dev/null &&
    $MAINTCTL -s $SOCK run big --wait >/dev/null"

# nraw LINE: one request of nobody's, its whole reply (bounded in time)
nraw() {
	printf '%s\n' "$1" | timeout 30 setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups socat -t 30 - "UNIX-CONNECT:$SOCK" 2>&1
}

# ping_ns: how long root's ping takes, in ns (10 s if it does not answer)
ping_ns() {
	t0=$(date +%s%N)
	if timeout 5 "$MAINTCTL" -s "$SOCK" ping >/dev/null 2>&1; then
		echo $(($(date +%s%N) - t0))
	else
		echo 10000000000
	fi
}

# slowest_ping: the slowest of five pings
slowest_ping() {
	max=0
	for _ in 1 2 3 4 5; do
		p=$(ping_ns)
		[ "$p" -gt "$max" ] && max=$p
	done
	echo "$max"
}

# pong_within_1s: root's ping answers within a second (more what this
# box's load adds to an idle daemon's ping: $base)
pong_within_1s() {
	[ "$(ping_ns)" -lt $((1000000000 + base)) ]
}

base=$(slowest_ping)
r=$(nraw 'logs hb -n 1 --grep (.*)(.*)(.*)(.*)(.*)\5\4\3\2\1x')
is "the pattern of issue 20 (back-references): one line, refused" \
    "$(printf '%s\n' "$r" | sed 's/(.*$//')" "ERR usage --grep "
# (a backslash in a reply is sent as two: strvis)
like "... saying why" "$r" 'back-references \(\\\\5\) are refused'
check "... and root's ping answers within 1 s" pong_within_1s
nraw 'logs aaa -n 1 --grep (a|aa|aaa|aaaa)*b' >"$T/costly.out" &
costly=$!
EXTRA_PIDS="$EXTRA_PIDS $costly"
check "a costly pattern is matching" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -ge 2 ]"
slow=$(slowest_ping)
check "... root's ping answers within 1 s meanwhile ($((slow / 1000000)) ms, idle $((base / 1000000)) ms)" \
    test "$slow" -lt $((1000000000 + base))
check "... it ends" wait_for 30 gone "$costly"
like "... with ERR busy, naming the limit of a request" \
    "$(cat "$T/costly.out")" '^ERR busy 10 s spent reading the log of aaa \(the limit of a request\)'
is "a long legitimate grep: the right lines" \
    "$(ctl --json logs big -n 2000 --grep '^entry 1(2|3)3[0-9]{3}$' |
    jq -r .line | sed -n '1p;$p' | tr '\n' ' ')" "entry 123000 entry 133999 "
is "... as many as there are" \
    "$(ctl logs big -n 100000 --grep '^entry 1(2|3)3[0-9]{3}$' | wc -l | tr -d ' ')" 2000
is "... -n 3: the last three" \
    "$(ctl --json logs big -n 3 --grep '7$' | jq -r .line | tr '\n' ' ')" \
    "entry 199977 entry 199987 entry 199997 "
nraw 'logs aaa -n 1 --grep (a|aa|aaa|aaaa)*b' >/dev/null &
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_for 10 sh -c "[ \$($MAINTCTL -s $SOCK --json health | jq .clients) -ge 2 ]"
kill -TERM "$DAEMON_PID"
check "SIGTERM during a costly scan: maintd stops at once" \
    wait_for 5 gone "$DAEMON_PID"
stop_daemon

# --- secrets ------------------------------------------------------------------------

write_conf <<'EOF'
socket_mode = "0666"
task app {
	kind = service
	command = "/bin/sleep 1000"
	environment = { "DB_PASSWORD=hunter2", "MODE=fast" }
	health { url = "http://probe:s3cret@127.0.0.1:9/health?token=abc"  interval = 1h }
}
notify ops {
	url = "https://bot:pw@hooks.example.com/services/T00/B00/XXSECRET?key=k3y"
	events = { "run-failed" }
}
EOF
chmod 600 "$CONF"
check "daemon starts (a task with secrets)" start_fg
# what no client that only reads may see
secret='hunter2|s3cret|token=abc|XXSECRET|k3y|:pw@'
for verb in "show app" "health app" "notify list"; do
	for json in "" "--json"; do
		# shellcheck disable=SC2086
		r=$(nctl $json $verb 2>&1)
		if printf '%s\n' "$r" | grep -Eq "$secret"; then
			not_ok "nobody's $json $verb shows no secret"
			diag "$r"
		else
			ok "nobody's $json $verb shows no secret"
		fi
	done
done
like "nobody sees the environment's names, not its values" \
    "$(nctl --json show app | jq -c .environment)" \
    '^\["DB_PASSWORD=\*\*\*","MODE=\*\*\*"\]$'
is "... the probe's URL without password or query values" \
    "$(nctl --json health app | jq -r .probe.url)" \
    'http://probe:***@127.0.0.1:9/health?token=***'
like "... the webhook's host and first path segment" "$(nctl notify list)" \
    'https://bot:\*\*\*@hooks\.example\.com/services/\*\*\*\?key=\*\*\*'
like "root sees the values" "$(ctl show app)" 'DB_PASSWORD=hunter2'
is "... the probe's URL" "$(ctl --json show app | jq -r .probe.url)" \
    'http://probe:s3cret@127.0.0.1:9/health?token=abc'
like "... and the webhook's" "$(ctl --json notify list | jq -r .url)" \
    'XXSECRET\?key=k3y$'
stop_daemon

done_testing
