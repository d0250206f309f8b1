#!/bin/sh
# t0702-http: maintd-http, the HTTP gateway, against a real maintd with
# curl.  Every endpoint: status codes, JSON shapes, filters; the token
# decides (none: 401, read on a POST: 403, operate outside its globs:
# 403 and audited, admin: 200 and named in the activity log) and is in
# no log, event, reply or database row; Server-Sent Events within 1 s,
# resumed after a restart of the gateway with Last-Event-ID without a
# loss; maintd stopped: 503, and back; bad input (a 10 MB body, chunks,
# invalid JSON, /../, %2e%2e, %00, unknown routes and methods, a header
# over the limit) each a clear 4xx; 200 trickling connections while a
# request answers in under 1 s; 10 000 requests without growth of
# descriptors or memory; a Unix socket, TLS, -u.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/helpers/http.sh
. "$(dirname "$0")/helpers/http.sh"

plan 127

if ! command -v curl >/dev/null; then
	skip_rest "needs curl"
fi

hash_of() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}
TREAD=mdt_read-Xq3v9LrT0aW2
TOPER=mdt_oper-Pz7m1KcY4bN8
TADMIN=mdt_admin-Hs5e2QwU6jD0
R="Authorization: Bearer $TREAD"
O="Authorization: Bearer $TOPER"
A="Authorization: Bearer $TADMIN"

write_conf <<EOF
socket_mode = "0666"
max_clients = 256
task web-front { command = "/bin/sleep 300"  kind = service  tags = { "web" } }
task web-back { command = "/bin/sleep 300"  kind = service  tags = { "web" } }
task cache {
	command = { "/bin/sh", "-c", "echo cache line one; echo cache line two >&2" }
	tags = { "web", "fast" }
}
task backup { command = "/bin/true"  dry_run = true }
task nightly { command = "/bin/true"  schedule = "0 3 * * *" }
preset webs { description = "the web tier"  tasks = { "web-front", "web-back" } }
preset all { tasks = { "web-front", "backup" } }
window night { preset = "webs"  schedule = "0 2 * * *"  duration = 1h }
token viewer { hash = "sha256:$(hash_of "$TREAD")" }
token ops {
	hash = "sha256:$(hash_of "$TOPER")"
	role = operate
	tasks = { "web-*", "cache" }
}
token boss { hash = "sha256:$(hash_of "$TADMIN")"  role = admin }
EOF
chmod 600 "$CONF"	# it holds token hashes
check "maintd starts" start_fg
USER_ARGS=""
if is_root && id nobody >/dev/null 2>&1; then
	USER_ARGS="-u nobody"
fi
# shellcheck disable=SC2086
check "maintd-http starts on 127.0.0.1" start_http $USER_ARGS
if [ -n "$USER_ARGS" ]; then
	is "... and runs as nobody (-u)" \
	    "$(awk '/^Uid:/ { print $2 }' "/proc/$HTTP_PID/status")" \
	    "$(id -u nobody)"
else
	skip "not root: -u nobody"
fi
: >"$T/replies"
# call METHOD PATH ARGS...: api, the output also kept in $T/replies.
call() {
	out=$(api "$@")
	printf '%s\n' "$out" >>"$T/replies"
	printf '%s\n' "$out"
}
# jq_ok DESC OUTPUT FILTER: the body passes jq -e FILTER.
jq_ok() {
	if body_of "$2" | jq -e "$3" >/dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		diag "filter: $3"
		diag "output: $(printf '%s' "$2" | head -c 600)"
	fi
}

# --- the dashboard's files ------------------------------------------------------

out=$(curl -s -D "$T/h" -w '\n%{http_code}\n' "$URL/")
is "GET / is the dashboard (200)" "$(status_of "$out")" 200
like "... text/html" "$(cat "$T/h")" '[Cc]ontent-[Tt]ype: text/html'
like "... with a Content-Security-Policy of its own host only" \
    "$(cat "$T/h")" "Content-Security-Policy: default-src 'none'; script-src 'self'"
like "... and nosniff" "$(cat "$T/h")" 'X-Content-Type-Options: nosniff'
etag=$(sed -n 's/^[Ee][Tt]ag: *\([^[:space:]]*\).*/\1/p' "$T/h")
is "... again with its ETag: 304" "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "If-None-Match: $etag" "$URL/")" 304
is "GET /app.js: 200" "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/app.js")" 200
is "GET /style.css: 200" "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/style.css")" 200
is "GET /nope.html: 404" "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/nope.html")" 404
is "POST /: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    "$URL/")" 405

# --- tokens -----------------------------------------------------------------------

out=$(call GET /api/v1/tasks -D "$T/h")
is "no token: 401" "$(status_of "$out")" 401
like "... with WWW-Authenticate: Bearer" "$(cat "$T/h")" \
    'WWW-Authenticate: Bearer'
jq_ok "... and an error object" "$out" '.error.code == "unauthorized"'
out=$(call GET /api/v1/tasks -H "Authorization: Bearer mdt_wrong")
is "a wrong token: 401" "$(status_of "$out")" 401
jq_ok "... maintd's words" "$out" '.error.message == "unknown token"'
like "... audited by maintd" "$(ctl events -n 5)" \
    'denied .*"verb":"auth","reason":"unknown token"'
# a read goes in the same write as auth: maintd refuses it after a wrong
# token (it is not run with the gateway's own rights) and the gateway
# passes its answer on to no one
like "... the read sent with it refused by maintd" "$(ctl events -n 5)" \
    'denied .*"verb":"status","reason":"after a wrong token"'
out=$(call POST /api/v1/tasks/cache/run -H "Authorization: Bearer mdt_wrong")
is "a wrong token on a POST: 401" "$(status_of "$out")" 401
is "... the change was not sent with auth" "$(ctl events -n 5 |
    grep -c '"verb":"run","reason":"after a wrong token"')" 0
out=$(call GET /api/v1/tasks -H "Authorization: Basic dXNlcjpwYXNz")
is "Basic auth: 401" "$(status_of "$out")" 401
out=$(call POST /api/v1/tasks/cache/run -H "$R")
is "read token on a POST: 403" "$(status_of "$out")" 403
jq_ok "... denied by maintd" "$out" '.error.code == "denied"'
out=$(call POST /api/v1/tasks/backup/run -H "$O")
is "operate token outside its globs: 403" "$(status_of "$out")" 403
like "... audited with the token's name" "$(ctl events -n 5)" \
    'denied +by token ops \(uid [0-9]+\) .*task backup'
out=$(call POST /api/v1/tasks/cache/run -H "$O")
is "operate token inside its globs: 200" "$(status_of "$out")" 200
out=$(call POST /api/v1/tasks/backup/run -H "$A")
is "admin token: 200" "$(status_of "$out")" 200
like "the activity log names the token" "$(ctl events --task backup)" \
    'run-started +by token boss \(uid [0-9]+\)'

# --- every endpoint ---------------------------------------------------------------

out=$(call GET /api/v1/status -H "$R")
jq_ok "GET status: maintd's health" "$out" \
    '.status == "ok" and .halted == false and .max_weight == 8 and .tasks == 5'
out=$(call GET /api/v1/tasks -H "$R")
jq_ok "GET tasks: an array of every task" "$out" \
    '[.[].task] | sort == ["backup","cache","nightly","web-back","web-front"]'
out=$(call GET /api/v1/tasks/cache -H "$R")
jq_ok "GET tasks/NAME: its configuration and state" "$out" \
    '.task == "cache" and .tags == ["web","fast"] and (.command | length) == 3'
out=$(call GET /api/v1/tasks/nope -H "$R")
is "GET tasks/unknown: 404" "$(status_of "$out")" 404
jq_ok "... unknown-task" "$out" '.error.code == "unknown-task"'
wait_for 10 sh -c "ctl history cache | grep -q 'exit 0'"
out=$(call GET /api/v1/tasks/cache/history -H "$R")
jq_ok "GET tasks/NAME/history: its runs" "$out" \
    '.[0].task == "cache" and .[0].result == "ok" and (.[0].duration_s | type) == "number"'
out=$(call GET /api/v1/tasks/nightly/history -H "$R")
is "... of a task that never ran: []" "$(body_of "$out")" "[]"
out=$(call GET /api/v1/history -H "$R")
jq_ok "GET history: every task's runs" "$out" \
    '[.[].task] | index("cache") != null and index("backup") != null'
out=$(call GET '/api/v1/report?by=tag&since=1d' -H "$R")
jq_ok "GET report?by=tag&since=1d: what runs cost per tag" "$out" \
    'map(select(.tag == "web")) | .[0].runs >= 1 and (.[0].cpu_s | type) == "number"'
out=$(call GET '/api/v1/tasks/cache/logs' -H "$R")
jq_ok "GET tasks/NAME/logs: its output" "$out" \
    '[.[].line] | index("cache line one") != null'
out=$(call GET '/api/v1/tasks/cache/logs?stream=stderr' -H "$R")
jq_ok "... ?stream=stderr" "$out" '[.[].line] == ["cache line two"]'
out=$(call GET '/api/v1/tasks/cache/logs?grep=one&n=1' -H "$R")
jq_ok "... ?grep=one&n=1" "$out" 'length == 1 and .[0].line == "cache line one"'
out=$(call GET '/api/v1/tasks/cache/logs?n=abc' -H "$R")
is "... ?n=abc: 400 (maintd's usage error)" "$(status_of "$out")" 400
out=$(call GET '/api/v1/tasks/cache/logs?follow=1' -H "$R")
is "... ?follow: 400 (streams are /stream)" "$(status_of "$out")" 400
out=$(call GET /api/v1/presets -H "$R")
jq_ok "GET presets" "$out" '[.[].name] | sort == ["all","webs"]'
out=$(call GET /api/v1/presets/webs -H "$R")
jq_ok "GET presets/NAME" "$out" \
    '.name == "webs" and .description == "the web tier"'
out=$(call GET /api/v1/presets/nope -H "$R")
is "GET presets/unknown: 404" "$(status_of "$out")" 404
out=$(call GET /api/v1/windows -H "$R")
jq_ok "GET windows" "$out" '.[0].window == "night" and .[0].open == false'
out=$(call GET /api/v1/events -H "$R")
jq_ok "GET events: the activity log with ids" "$out" \
    'length > 3 and (.[0].id | type) == "number" and (.[-1].id > .[0].id)'
out=$(call GET '/api/v1/events?task=backup&n=2' -H "$R")
jq_ok "... ?task=backup&n=2" "$out" \
    'length == 2 and ([.[].task] | unique) == ["backup"]'
out=$(call GET /api/v1/fleet -H "$R")
is "GET fleet without a fleet: 409" "$(status_of "$out")" 409
jq_ok "... state" "$out" '.error.code == "state"'
out=$(curl -s -D "$T/h" -H "$R" -w '\n%{http_code}\n' "$URL/metrics")
is "GET /metrics: 200" "$(status_of "$out")" 200
like "... Prometheus text" "$(cat "$T/h")" 'Content-Type: text/plain; version=0.0.4'
like "... maintd's metrics" "$out" '^maintd_up 1$'
is "GET /metrics without a token: 401" "$(curl -s -o /dev/null \
    -w '%{http_code}' "$URL/metrics")" 401
out=$(call GET /api/v1/health -H "$R")
jq_ok "GET health (a verb of its own)" "$out" '.ok and .results[0].status == "ok"'

out=$(call POST /api/v1/tasks/web-front/activate -H "$O" -d '{"for": "1h"}')
is "POST tasks/NAME/activate {for}: 200" "$(status_of "$out")" 200
jq_ok "... ok, maintd's message and the results" "$out" \
    '.ok and .message == "1 activated, 0 already active" and .results[0].result == "activated"'
jq_ok "... active for an hour" "$(call GET /api/v1/tasks/web-front -H "$R")" \
    '.active and .until != null'
out=$(call POST /api/v1/tasks/web-back/activate -H "$O" -d '{"dry_run": true}')
jq_ok "... {dry_run}: the plan, nothing done" "$out" \
    '.results[0].activate == ["web-back"] and .results[0].weight_after == 2'
jq_ok "... web-back still inactive" "$(call GET /api/v1/tasks/web-back -H "$R")" \
    '.active == false'
out=$(call POST /api/v1/tasks/web-front/activate -H "$O" -d '{"force": true}')
is "... {force} (run takes it, activate not): 400" "$(status_of "$out")" 400
out=$(call POST /api/v1/tasks/web-front/restart -H "$O")
is "POST tasks/NAME/restart: 200" "$(status_of "$out")" 200
out=$(call POST /api/v1/tasks/web-front/deactivate -H "$O")
jq_ok "POST tasks/NAME/deactivate" "$out" '.results[0].result == "deactivated"'
out=$(call POST /api/v1/tasks/backup/run -H "$A" -d '{"dry_run": true}')
is "POST tasks/NAME/run {dry_run}: 200" "$(status_of "$out")" 200
out=$(call POST /api/v1/tasks/nightly/stop -H "$A")
is "POST tasks/NAME/stop of a task not running: 409" "$(status_of "$out")" 409

out=$(call POST /api/v1/presets/webs/apply -H "$O" -d '{"dry_run": true}')
jq_ok "POST presets/NAME/apply {dry_run}: the plan" "$out" \
    '(.results[0].activate | sort) == ["web-back","web-front"] and .results[0].refused == null'
out=$(call POST /api/v1/presets/webs/apply -H "$O" -d '{"for": "10m"}')
jq_ok "POST presets/NAME/apply: applied (the POST is the confirmation)" \
    "$out" '.ok and (.message | startswith("preset webs applied"))'
out=$(call POST /api/v1/presets/all/apply -H "$O")
is "... a preset with a task outside the token's globs: 403" \
    "$(status_of "$out")" 403

out=$(call POST /api/v1/stop-all -H "$A")
is "POST stop-all without confirm: 400" "$(status_of "$out")" 400
jq_ok "... says what it needs" "$out" '.error.code == "confirm"'
out=$(call POST /api/v1/stop-all -H "$A" -d '{"dry_run": true}')
jq_ok "... {dry_run}: what it would stop" "$out" \
    '(.results[0].deactivate | sort) == ["web-back","web-front"]'
out=$(call POST /api/v1/stop-all -H "$O" -d '{"confirm": true}')
is "... by an operate token: 403" "$(status_of "$out")" 403
out=$(call POST /api/v1/stop-all -H "$A" -d '{"confirm": true}')
jq_ok "... {confirm} by admin: halted" "$out" '.ok and (.message | startswith("halted"))'
jq_ok "status says halted" "$(call GET /api/v1/status -H "$R")" '.halted'
out=$(call POST /api/v1/tasks/cache/activate -H "$O")
is "activate while halted: 409" "$(status_of "$out")" 409
jq_ok "... halted" "$out" '.error.code == "halted"'
out=$(call POST /api/v1/resume -H "$A")
is "POST resume without confirm: 400" "$(status_of "$out")" 400
out=$(call POST /api/v1/resume -H "$A" -d '{"confirm": true}')
is "POST resume {confirm}: 200" "$(status_of "$out")" 200

# --- Server-Sent Events -----------------------------------------------------------

curl -s -N -H "$R" "$URL/api/v1/events/stream?n=1" >"$T/sse1" 2>&1 &
SSE1=$!
EXTRA_PIDS="$EXTRA_PIDS $SSE1"
wait_for 5 grep -q '^data: ' "$T/sse1"
t0=$(date +%s%N)
call POST /api/v1/tasks/web-back/activate -H "$O" >/dev/null
if wait_for 5 grep -q '"task":"web-back","event":"activated"' "$T/sse1"; then
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ "$ms" -lt 1000 ]; then
		ok "an activation reaches the event stream within 1 s ($ms ms)"
	else
		not_ok "an activation reaches the event stream within 1 s ($ms ms)"
	fi
else
	not_ok "an activation reaches the event stream within 1 s"
	diag "$(cat "$T/sse1")"
fi
like "... each event with its id in the store" "$(cat "$T/sse1")" \
    '^id: [0-9]+$'
curl -s -N -H "$R" "$URL/api/v1/tasks/cache/logs/stream?n=5" >"$T/sse2" 2>&1 &
SSE2=$!
EXTRA_PIDS="$EXTRA_PIDS $SSE2"
check "the log stream of a task" wait_for 5 grep -q 'cache line one' "$T/sse2"
call POST /api/v1/tasks/cache/run -H "$O" >/dev/null
check "... follows its new lines" wait_for 5 sh -c \
    "[ \$(grep -c 'cache line one' '$T/sse2') -ge 2 ]"
out=$(call GET /api/v1/tasks/nope/logs/stream -H "$R")
is "a stream of an unknown task: 404 before it starts" "$(status_of "$out")" 404
out=$(call GET /api/v1/events/stream)
is "a stream without a token: 401" "$(status_of "$out")" 401

# A gateway restart: the client reconnects with Last-Event-ID, and loses
# nothing of what happened while it was away.
port=${URL##*:}
last=$(sed -n 's/^id: //p' "$T/sse1" | tail -n 1)
stop_http
check "the streams end with the gateway" wait_for 5 gone "$SSE1"
ctl activate cache >/dev/null
ctl deactivate web-back >/dev/null
ctl activate nightly >/dev/null
# shellcheck disable=SC2086
check "maintd-http starts again on its port" start_http $USER_ARGS \
    -l "127.0.0.1:$port"
curl -s -N -H "$R" -H "Last-Event-ID: $last" "$URL/api/v1/events/stream" \
    >"$T/sse3" 2>&1 &
SSE3=$!
EXTRA_PIDS="$EXTRA_PIDS $SSE3"
wait_for 5 grep -q '"task":"nightly","event":"activated"' "$T/sse3"
want=$(ctl --json events -n 1000 | jq -r "select(.id > $last) | .id" |
    tr '\n' ' ')
got=$(sed -n 's/^id: //p' "$T/sse3" | tr '\n' ' ')
is "a reconnection with Last-Event-ID gets every event missed, once" \
    "$got" "$want"
like "... those of the time away among them" "$(cat "$T/sse3")" \
    '"task":"web-back","event":"deactivated"'

# maintd stopped: 503, the streams end; maintd back: served again.
stop_daemon
out=$(call GET /api/v1/tasks -H "$R")
is "maintd stopped: 503" "$(status_of "$out")" 503
jq_ok "... unreachable" "$out" '.error.code == "unreachable"'
check "... and the streams end" wait_for 5 gone "$SSE3"
check "maintd starts again" start_fg
out=$(call GET /api/v1/tasks -H "$R")
is "... and the gateway serves again: 200" "$(status_of "$out")" 200

# --- bad input ------------------------------------------------------------------

head -c 10485760 /dev/zero >"$T/10mb"
out=$(call POST /api/v1/tasks/cache/run -H "$A" --data-binary "@$T/10mb")
is "a 10 MB body: 413" "$(status_of "$out")" 413
out=$(call POST /api/v1/tasks/cache/run -H "$A" -H 'Transfer-Encoding: chunked' \
    -d '{}')
is "a body in chunks: 411" "$(status_of "$out")" 411
out=$(call POST /api/v1/tasks/cache/run -H "$A" -d '{"dry_run": tru')
is "invalid JSON: 400" "$(status_of "$out")" 400
jq_ok "... saying so" "$out" '.error.message | startswith("the body is not JSON")'
out=$(call POST /api/v1/tasks/cache/run -H "$A" -d '[1, 2]')
is "a body that is not an object: 400" "$(status_of "$out")" 400
out=$(call GET /api/v1/tasks/../../etc/passwd -H "$A" --path-as-is)
is "/../: 400" "$(status_of "$out")" 400
out=$(call GET /api/v1/tasks/%2e%2e/%2e%2e -H "$A")
is "%2e%2e: 400" "$(status_of "$out")" 400
out=$(call GET /api/v1/tasks/cache%00.json -H "$A")
is "%00: 400" "$(status_of "$out")" 400
out=$(call GET '/%2e%2e/%2e%2e/etc/passwd' --path-as-is)
is "%2e%2e outside the API: no file (404)" "$(status_of "$out")" 404
out=$(call GET /api/v1/nope -H "$A")
is "an unknown route: 404" "$(status_of "$out")" 404
out=$(call DELETE /api/v1/tasks/cache -H "$A" -D "$T/h")
is "an unknown method: 405" "$(status_of "$out")" 405
like "... with Allow" "$(cat "$T/h")" 'Allow: GET'
out=$(call GET /api/v1/tasks -H "$A" \
    -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)")
is "a header over the limit: 431" "$(status_of "$out")" 431
out=$(call GET '/api/v1/tasks/cache/logs?grep=a%0Ab' -H "$A")
is "a newline in a parameter: 400" "$(status_of "$out")" 400
jq_ok "after all that, the gateway answers" \
    "$(call GET /api/v1/tasks -H "$R")" 'length == 5'

# --- slow clients, many requests ------------------------------------------------

host=${URL#http://}
python3 "$(dirname "$0")/helpers/trickle.py" "${host%:*}" "${host##*:}" 200 \
    >"$T/trickle" 2>&1 &
TRICKLE=$!
EXTRA_PIDS="$EXTRA_PIDS $TRICKLE"
if wait_for 20 grep -q '^open 200' "$T/trickle"; then
	secs=$(curl -s -o /dev/null -w '%{time_total}' -H "$R" \
	    "$URL/api/v1/status")
	if awk -v s="$secs" 'BEGIN { exit !(s < 1) }'; then
		ok "with 200 trickling connections a request answers in under 1 s ($secs s)"
	else
		not_ok "with 200 trickling connections a request answers in under 1 s ($secs s)"
	fi
else
	not_ok "200 trickling connections"
	diag "$(cat "$T/trickle")"
fi
kill "$TRICKLE" 2>/dev/null
wait "$TRICKLE" 2>/dev/null

# fds and rss: warmed up first, then 10 000 requests (API, files, errors)
fds() {
	find "/proc/$HTTP_PID/fd" -mindepth 1 | wc -l
}
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$HTTP_PID/status"
}
cfg() {
	i=0
	while [ "$i" -lt "$1" ]; do
		printf 'url = "%s/api/v1/ping"\noutput = "/dev/null"\n' "$URL"
		printf 'url = "%s/api/v1/tasks/nope"\noutput = "/dev/null"\n' "$URL"
		printf 'url = "%s/style.css"\noutput = "/dev/null"\n' "$URL"
		printf 'url = "%s/api/v1/no-route"\noutput = "/dev/null"\n' "$URL"
		i=$((i + 1))
	done
}
cfg 250 >"$T/warm"
cfg 2500 >"$T/many"
curl -s -H "$R" -w '%{http_code}\n' -K "$T/warm" >/dev/null
wait_for 5 sh -c "[ \$(find /proc/$HTTP_PID/fd -mindepth 1 | wc -l) -le 10 ]"
fd0=$(fds)
rss0=$(rss)
curl -s -H "$R" -w '%{http_code}\n' -K "$T/many" | sort | uniq -c |
    awk '{ printf "%s:%s ", $2, $1 }' >"$T/codes"
is "10 000 requests answered" "$(cat "$T/codes")" "200:5000 404:5000 "
wait_for 5 sh -c "[ \$(find /proc/$HTTP_PID/fd -mindepth 1 | wc -l) -le $fd0 ]"
is "... with no more descriptors than before" "$(fds)" "$fd0"
rss1=$(rss)
if sanitized; then
	skip "memory under a sanitizer or valgrind"
elif [ $((rss1 - rss0)) -lt 1024 ]; then
	ok "... and no growth of memory (${rss0} kB -> ${rss1} kB)"
else
	not_ok "... and no growth of memory (${rss0} kB -> ${rss1} kB)"
fi

# --- the token was never written down ---------------------------------------------

stop_http
stop_daemon
leaks=""
for tok in "$TREAD" "$TOPER" "$TADMIN" mdt_wrong; do
	if grep -rqF -- "$tok" "$T/http.log" "$T/daemon.log" "$T/log" \
	    "$T/replies" "$T/sse1" "$T/sse2" "$T/sse3" 2>/dev/null ||
	    sqlite3 "$T/maintd.db" .dump | grep -qF -- "$tok"; then
		leaks="$leaks $tok"
	fi
done
is "no token in a log, an event, a reply or a database row" "$leaks" ""

# --- a Unix socket, TLS, detaching ---------------------------------------------

check "maintd starts (again)" start_fg
"$MAINTD_HTTP" -l 127.0.0.1:0 -s "$SOCK" -w "$WWW" -p "$T/http.pid" \
    >"$T/bg.out" 2>&1
is "without -f it detaches, and returns 0 once it serves" "$?" 0
bgpid=$(cat "$T/http.pid" 2>/dev/null)
if [ -n "$bgpid" ] && alive "$bgpid"; then
	EXTRA_PIDS="$EXTRA_PIDS $bgpid"
	ok "... its pidfile names it"
	kill -TERM "$bgpid"
	check "... and it stops on TERM" wait_for 10 gone "$bgpid"
else
	not_ok "... its pidfile names it"
	skip "no pid"
fi
"$MAINTD_HTTP" -l 192.0.2.1:8750 -s "$SOCK" -w "$WWW" >"$T/bg.out" 2>&1
is "an address it cannot bind (not this host's): exit 1" "$?" 1
like "... saying why" "$(cat "$T/bg.out")" '^maintd-http: bind 192\.0\.2\.1:8750: '
"$MAINTD_HTTP" -f -w "$T/nowhere" >"$T/bg.out" 2>&1
is "-w a directory that is not there: exit 1" "$?" 1
check "maintd-http on a Unix socket (-l PATH)" start_http -l "$T/http.sock"
is "... served there" "$(curl -s -o /dev/null -w '%{http_code}' -H "$R" \
    --unix-socket "$T/http.sock" http://localhost/api/v1/tasks)" 200
is "... mode 0660" "$(stat -c %a "$T/http.sock")" 660
stop_http
if command -v openssl >/dev/null && openssl req -x509 -newkey rsa:2048 \
    -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
    -subj /CN=localhost >/dev/null 2>&1; then
	check "maintd-http with TLS (--cert, --key)" start_http \
	    --cert "$T/cert.pem" --key "$T/key.pem"
	like "... says https" "$URL" '^https://127\.0\.0\.1:[0-9]+$'
	is "... answers over TLS" "$(curl -s -k -o /dev/null \
	    -w '%{http_code}' -H "$R" "$URL/api/v1/tasks")" 200
	stop_http
else
	skip "no openssl to make a certificate"
	skip "no openssl to make a certificate"
	skip "no openssl to make a certificate"
fi

done_testing
