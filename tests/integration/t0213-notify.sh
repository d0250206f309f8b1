#!/bin/sh
# t0213-notify: webhooks (DESIGN §8) against a test HTTP server on
# 127.0.0.1 (helpers/httpd.py).  One POST per subscribed event with the
# documented JSON body, Content-Type application/json, the configured
# headers and, with a secret, X-Maintd-Signature: sha256=HMAC of the body
# (checked here with python's hmac).  One note per task and event kind
# per throttle window, the next one carrying "suppressed"; a refusing
# endpoint is retried with growing gaps, then the note is given up with a
# log line; a full queue drops the oldest and counts it; "*" gets every
# event; notify list and notify test.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 26

start_httpd
DEAD=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo hang >"$H/mode.stuck"

write_conf <<EOF
task fail { command = "/bin/false" }
task toggle { command = "/bin/true"  every = 1h }
notify hook {
	url = "http://127.0.0.1:$PORT/hook"
	events = { "run-failed" }
	secret = "s3cret"
	headers = { "X-Team: ops" }
	throttle = 6s
}
notify dead { url = "http://127.0.0.1:$DEAD/"  events = { "run-failed" }  retries = 3  throttle = 0 }
notify stuck { url = "http://127.0.0.1:$PORT/stuck"  events = { "activated" }  timeout = 30s  throttle = 0 }
notify all { url = "http://127.0.0.1:$PORT/all"  events = { "*" }  throttle = 0 }
EOF
# it holds a secret: as root, a file others can read is refused
chmod 640 "$CONF"

# reqs PATH: the requests the server got on PATH, as JSON lines
reqs() {
	grep "\"path\": \"$1\"" "$H/requests" 2>/dev/null
}

nreqs_is() {
	[ "$(reqs "$1" | wc -l | tr -d ' ')" -eq "$2" ]
}

stat_of() {
	ctl --json notify list | jq -r --arg n "$1" "select(.notify == \$n) | $2"
}

check "daemon starts" start_fg
check "notify list: four endpoints" sh -c \
    "[ \$($MAINTCTL -s $SOCK --json notify list | wc -l) -eq 4 ]"

check_fails "a failing run" ctl run fail --wait
check "the hook gets one POST" wait_for 10 nreqs_is /hook 1
# two more within the throttle (6 s), before anything slow is looked at
ctl run fail --wait >/dev/null 2>&1
ctl run fail --wait >/dev/null 2>&1
r=$(reqs /hook)
b=$(printf '%s\n' "$r" | jq -r .body)
is "its body: the documented keys" "$(printf '%s\n' "$b" | jq -c 'keys_unsorted')" \
    '["event","task","time","host","actor","detail","maintd_version","run"]'
is "... the event, the task, the actor" "$(printf '%s\n' "$b" | jq -r '[.event, .task, .actor] | join(" ")')" \
    "run-failed fail maintd"
is "... the result in the detail" "$(printf '%s\n' "$b" | jq -r .detail.result)" "exit 1"
is "... the host" "$(printf '%s\n' "$b" | jq -r .host)" "$(hostname)"
is "Content-Type: application/json" "$(printf '%s\n' "$r" | jq -r '.headers["Content-Type"]')" \
    application/json
is "the configured header" "$(printf '%s\n' "$r" | jq -r '.headers["X-Team"]')" ops
sig=$(printf '%s\n' "$r" | jq -r '.headers["X-Maintd-Signature"]')
want=$(printf '%s\n' "$r" | python3 -c '
import hmac, hashlib, json, sys
body = json.loads(sys.stdin.read())["body"].encode()
print("sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest())')
is "the signature verifies with the secret" "$sig" "$want"

# --- throttle -----------------------------------------------------------------

check "two more failures within the throttle: no POST" nreqs_is /hook 1
check "after the throttle window, the next one is sent" wait_for 20 sh -c \
    "$MAINTCTL -s $SOCK run fail --wait >/dev/null 2>&1; [ \$(grep -c '\"path\": \"/hook\"' $H/requests) -ge 2 ]"
is "... saying how many it held back" \
    "$(reqs /hook | sed -n 2p | jq -r .body | jq -r '.suppressed >= 2')" true
is "notify list: suppressed" "$(stat_of hook '.suppressed >= 2')" true

# --- a refusing endpoint ------------------------------------------------------

check "dead: given up after its retries" wait_for 20 sh -c \
    "grep -q 'notify dead: giving up on run-failed of fail after 4 attempts: connect refused' $T/daemon.log"
gaps=$(grep 'notify dead: run-failed of fail: connect refused; retrying in' "$T/daemon.log" |
    head -n 3 | sed 's/.*retrying in \([0-9]*\) ms/\1/' | tr '\n' ' ')
check "... with three retries, each gap longer than the one before ($gaps)" \
    sh -c "set -- $gaps; [ \$# -eq 3 ] && [ \$1 -lt \$2 ] && [ \$2 -lt \$3 ]"
check "notify list: dead has failed notes and says why" sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json notify list | jq -r 'select(.notify == \"dead\") | [.failed > 0, .last_error] | join(\" \")')\" = 'true connect refused' ]"

# --- a full queue -------------------------------------------------------------

i=0
while [ "$i" -lt 105 ]; do
	echo "activate toggle"
	echo "deactivate toggle"
	i=$((i + 1))
done | socat -t 10 - "UNIX-CONNECT:$SOCK" >/dev/null
check "stuck: its server hangs on the first note" wait_for 10 nreqs_is /stuck 1
is "stuck: the queue holds 100" "$(stat_of stuck .queued)" 100
is "... and the 5 oldest behind the one on its way were dropped" "$(stat_of stuck .dropped)" 5
like "... logged" "$(cat "$T/daemon.log")" 'notify stuck: queue full, dropping activated of toggle'
check "supervision does not wait for it" ctl run fail

# --- every event, a test ------------------------------------------------------

check "* gets every kind of event" wait_for 10 sh -c \
    "grep '\"path\": \"/all\"' $H/requests | jq -r .body | jq -r .event | sort -u | grep -qx run-started"
check "notify test all" ctl notify test all
check "the test event arrives" wait_for 10 sh -c \
    "grep '\"path\": \"/all\"' $H/requests | jq -r .body | jq -r .event | grep -qx test"

done_testing
