#!/bin/sh
# t0511-bounds: what a file or a server can make a root maintd read is
# bounded, and a file caught while it is written is never read as
# "the task is gone".  A 100 MB drop-in is refused unread at once (over
# 1 MiB), with the daemon answering all along; a line over 64 KiB, in a
# drop-in or a manifest's value, is refused before libconfuse sees it,
# with file:line.  A url probe reads at most 64 KiB of a body: an
# endless body or a Content-Length of 1 GB cost the server what the
# socket buffers hold (under 16 MiB, not 1 GB), and the status decides (with expect_status the reason
# says the body was cut).  200 in-place rewrites of a drop-in during 100
# SIGHUPs: its service is never deactivated or removed by a reload, keeps
# its run, and the last version is taken once the writes stop.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 23

TAG=$$
kill_marked() {
	for p in $(pgrep -f -- "sleep 951[0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

start_httpd
echo endless >"$H/mode.endless"
echo huge >"$H/mode.huge"

D=$T/tasks.d
mkdir -m 755 "$D"
write_conf <<EOF
discover = { "$D/*.conf", "$D/*.json" }
discover_settle = 1s
task web {
	kind = service
	command = "/bin/sleep 9511.$TAG"
	health { url = "http://127.0.0.1:$PORT/endless"  interval = 2s  timeout = 2s  start_period = 1s }
}
task big {
	kind = service
	command = "/bin/sleep 9512.$TAG"
	health {
		url = "http://127.0.0.1:$PORT/huge"
		interval = 2s
		timeout = 2s
		start_period = 1s
		failures = 1
		expect_status = 204
	}
}
EOF
printf 'task svc {\n\tkind = service\n\tcommand = "/bin/sleep 9513.%s"\n\tdescription = "v0"\n}\n' \
    "$TAG" >"$D/svc.conf"
chmod 644 "$D/svc.conf"

# tctl ARGS: maintctl, bounded (a daemon busy parsing would not answer)
tctl() {
	timeout 10 "$MAINTCTL" -s "$SOCK" "$@"
}

# ms: a monotonic-enough clock in milliseconds
ms() {
	date +%s%3N
}

check "daemon starts" start_fg

# --- a 100 MB drop-in: refused unread ---------------------------------------

# 100 lines of 1 MB each, all of them valid: only a limit stops them
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100):
        f.write("task big%d { command = \"/bin/true\"  description = \"%s\" }\n"
                % (i, "x" * (1 << 20)))
' "$D/huge.conf"
chmod 644 "$D/huge.conf"
t0=$(ms)
tctl reload >"$T/r" 2>&1
rc=$?
t1=$(ms)
is "a 100 MB drop-in: the reload is refused" "$rc" 1
like "... saying why" "$(cat "$T/r")" \
    "^$D/huge.conf: larger than 1 MiB \\(10[0-9]+ bytes\\), the limit of a file found by discover"
check "... at once ($((t1 - t0)) ms < 2000)" test "$((t1 - t0))" -lt 2000
check "... the daemon answers" tctl ping
rm -f "$D/huge.conf"

# --- long lines ------------------------------------------------------------------

python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("task long {\n  command = \"/bin/true\"\n  description = \"%s\"\n}\n"
            % ("y" * 200000))
' "$D/long.conf"
chmod 644 "$D/long.conf"
tctl reload >"$T/r" 2>&1
is "a drop-in with a 200 kB line: refused" "$?" 1
like "... with its file and line" "$(cat "$T/r")" \
    "^$D/long.conf:3: a line longer than 64 KiB: refused unparsed"
rm -f "$D/long.conf"
python3 -c '
import json, sys
with open(sys.argv[1], "w") as f:
    json.dump({"name": "longjson", "tags": ["maintenance"],
               "maintenance": {"command": "/bin/true",
                               "description": "z" * 200000}}, f)
' "$D/long.json"
chmod 644 "$D/long.json"
tctl reload >"$T/r" 2>&1
is "a manifest with a 200 kB value: refused" "$?" 1
like "... with its file and key" "$(cat "$T/r")" \
    "^$D/long.json:maintenance.description: a value longer than 64 KiB"
rm -f "$D/long.json"

# --- probe bodies ----------------------------------------------------------------

sent() {
	cat "$H/sent.$1" 2>/dev/null
}

check "web and big: activate" tctl -y activate web big
check "web: an endless body, the probe done by its status: healthy" wait_for 15 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status web | jq -r .health)\" = healthy ]"
check "... the server stopped sending soon" wait_for 10 test -s "$H/sent.endless"
check "... ($(sent endless) bytes < 16 MiB)" test "$(sent endless)" -lt 16777216
check "big: a Content-Length of 1 GB, expect_status 204: unhealthy" wait_for 15 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status big | jq -r .health)\" = unhealthy ]"
is "... the reason says the body was cut" \
    "$(tctl --json show big | jq -r .probe.reason)" "HTTP 200 (its body not read past 64 KiB)"
check "... the server stopped at once" wait_for 10 test -s "$H/sent.huge"
check "... ($(sent huge) bytes < 16 MiB)" test "$(sent huge)" -lt 16777216
check "web and big: deactivate" tctl -y deactivate web big

# --- a reload storm over a drop-in written in place ------------------------------

check "svc: activate" tctl activate svc
check "svc: runs" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status svc | jq -r .state)\" = running ]"
pid=$(tctl --json status svc | jq -r .pid)
# 200 rewrites in place (truncate, then write), a SIGHUP after every other
i=1
while [ "$i" -le 200 ]; do
	printf 'task svc {\n\tkind = service\n\tcommand = "/bin/sleep 9513.%s"\n\tdescription = "v%d"\n}\n' \
	    "$TAG" "$i" >"$D/svc.conf"
	[ $((i % 2)) -eq 0 ] && kill -HUP "$DAEMON_PID" 2>/dev/null
	i=$((i + 1))
done
check "after the storm, the last version is taken" wait_for 15 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json show svc | jq -r .description)\" = v200 ]"
is "svc was never deactivated or removed by a reload" \
    "$(tctl --json events --task svc -n 10000 | jq -r 'select(.event == "deactivated") | .actor')" ""
is "... its run went on (same pid)" "$(tctl --json status svc | jq -r '[.active, .pid] | join(" ")')" \
    "true $pid"

done_testing
