#!/bin/sh
# t0212-probes: task health probes (DESIGN §8), through libcurl's multi
# interface in the daemon's loop, against a test HTTP server on
# 127.0.0.1 (helpers/httpd.py).  A service goes healthy -> unhealthy
# (after `failures` failed probes, event with the reason) -> restarted
# (restart = true: health-restart, its pid changes exactly once) ->
# healthy again (event).  A health restart is a crash: a service whose
# probe never passes is restarted after its backoff, doubled each time,
# and is failed (crash-loop event, the daemon degraded) past its
# restart_limit.  Reasons in words: HTTP 500, timeout after 1s,
# connect refused, a command's exit and last line.  A hanging probe does
# not delay status; probes stop with the task; status, show, health,
# metrics and --json carry it; the daemon's health counts an unhealthy
# task as degraded.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 65

start_httpd
# a port nothing listens on: bind one, close it
DEAD=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$T/probe.sh" <<EOF
#!/bin/sh
echo "the flag is missing"
test -e $T/flag
EOF
chmod 755 "$T/probe.sh"
chmod 755 "$T"

write_conf <<EOF
task web {
	kind = service
	command = "/bin/sleep 1000"
	health {
		url = "http://127.0.0.1:$PORT/health"
		interval = 1s
		timeout = 1s
		failures = 2
		restart = true
		start_period = 1s
	}
}
task slow {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:$PORT/slow"  interval = 5s  timeout = 4s  start_period = 1s }
}
task refused {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:$DEAD/"  interval = 1s  timeout = 1s  failures = 1  start_period = 1s }
}
task cmd {
	command = "/bin/true"
	every = 1h
	health { command = "$T/probe.sh"  interval = 1s  timeout = 1s  failures = 1  start_period = 1s }
}
task plain { command = "/bin/true" }
task redir {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:$PORT/moved"  interval = 1s  timeout = 1s  failures = 1  start_period = 1s }
}
task redirf {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:$PORT/moved"  follow_redirects = true  interval = 1s  timeout = 1s  failures = 1  start_period = 1s }
}
task tofile {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:$PORT/tofile"  follow_redirects = true  interval = 1s  timeout = 1s  failures = 1  start_period = 1s }
}
task loop {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:$PORT/loop"  follow_redirects = true  interval = 5s  timeout = 1s  failures = 1  start_period = 1s }
}
task sick {
	kind = service
	command = "/bin/sleep 1000"
	restart_limit = 2
	backoff = { 1s, 8s }
	health { command = "/bin/false"  interval = 1s  timeout = 1s  failures = 2  restart = true  start_period = 1s }
}
EOF

st() {
	ctl --json status "$1" | jq -r "$2"
}

health_is() {
	[ "$(st "$1" .health)" = "$2" ]
}

ev_of() {
	ctl --json events --task "$1" -n 1000 | jq -r --arg e "$2" \
	    'select(.event == $e) | .detail.reason // "-"'
}

nreq() {
	grep -c "\"path\": \"$1\"" "$H/requests" 2>/dev/null || echo 0
}

check "daemon starts" start_fg
is "no probe without activation" "$(nreq /health)" 0
is "status --json: health null without probes" "$(st plain .health)" null

# --- healthy, unhealthy, restarted, healthy -------------------------------------

check "activate web" ctl activate web
pid1=$(st web .pid)
check "web: starting, then healthy" wait_for 10 health_is web healthy
like "status shows HEALTH" "$(ctl status web)" '^web +service +active +running +healthy '
echo 500 >"$H/mode.health"
check "answers 500: web becomes unhealthy" wait_for 10 sh -c \
    "$MAINTCTL -s $SOCK --json events --task web -n 100 | grep -q '\"event\":\"unhealthy\"'"
is "the unhealthy event says why" "$(ev_of web unhealthy)" "HTTP 500"
check "restart = true: a health-restart event" wait_for 10 sh -c \
    "$MAINTCTL -s $SOCK --json events --task web -n 100 | grep -q '\"event\":\"health-restart\"'"
echo 200 >"$H/mode.health"
check "the service runs again with another pid" wait_for 10 sh -c \
    "p=\$($MAINTCTL -s $SOCK --json status web | jq -r .pid); [ \"\$p\" != null ] && [ \"\$p\" != $pid1 ]"
pid2=$(st web .pid)
check "healthy again" wait_for 10 health_is web healthy
is "... with a healthy event" "$(ev_of web healthy | wc -l | tr -d ' ')" 1
is "the pid changed exactly once" \
    "$(ctl --json events --task web -n 100 | jq -r 'select(.event == "run-started") | .detail.pid' | sort -u | wc -l | tr -d ' ')" 2
is "... and it is the one running" "$(st web .pid)" "$pid2"
is "health web: ok again" "$(ctl --json health web 2>/dev/null | head -n 1 | jq -r '[.status, .health, .probe.last_ok] | join(" ")')" \
    "ok healthy true"
like "metrics: maintd_task_healthy 1" "$(ctl metrics)" 'maintd_task_healthy\{task="web"\} 1'
like "metrics: maintd_probe_failures_total" "$(ctl metrics)" \
    'maintd_probe_failures_total\{task="web"\} [1-9]'
like "metrics: maintd_probe_duration_seconds" "$(ctl metrics)" \
    'maintd_probe_duration_seconds\{task="web"\} [0-9.]+'

# --- a hanging server: a timeout, and status does not wait --------------------

echo hang >"$H/mode.slow"
check "activate slow (its server hangs)" ctl activate slow
check "a probe of slow is under way" wait_for 10 sh -c "[ \$(grep -c '/slow' $H/requests) -ge 1 ]"
best=1000000
for _ in 1 2 3 4 5; do
	a=$(date +%s%N)
	ctl status >/dev/null
	b=$(date +%s%N)
	ms=$(((b - a) / 1000000))
	[ "$ms" -lt "$best" ] && best=$ms
done
# A status that waited for the probe would take most of its 4 s timeout
# (it began just now): 1 s tells the two apart under any load.
limit=1000
check "status answers at once while the probe hangs (best of 5: ${best} ms < $limit)" \
    test "$best" -lt "$limit"
check "slow: the probe times out, with the reason" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json health slow 2>/dev/null | head -n 1 | jq -r .probe.reason)\" = 'timeout after 4s' ]"

# --- connect refused, a command probe ----------------------------------------

check "activate refused" ctl activate refused
check "refused: unhealthy" wait_for 10 health_is refused unhealthy
is "... connect refused" "$(ctl --json health refused 2>/dev/null | head -n 1 | jq -r .probe.reason)" "connect refused"
ctl health >"$T/o" 2>&1
is "the daemon's health: exit 1 with an unhealthy task" "$?" 1
like "... saying so" "$(cat "$T/o")" 'degraded: .*unhealthy task'
is "health --json: the count" "$(ctl --json health 2>/dev/null | head -n 1 | jq .unhealthy)" 1

check "activate cmd (a periodic task with a command probe)" ctl activate cmd
check "cmd: unhealthy" wait_for 10 health_is cmd unhealthy
is "... the exit status and the last line" "$(ctl --json health cmd 2>/dev/null | head -n 1 | jq -r .probe.reason)" \
    "exit 1: the flag is missing"
touch "$T/flag"
check "cmd: the flag is there: healthy" wait_for 10 health_is cmd healthy
like "show: the probe" "$(ctl show cmd)" "probe +\\{.*\"status\": \"healthy\""

# --- probes stop with the task -------------------------------------------------

check "deactivate web and slow" ctl -y deactivate web slow
n=$(nreq /health)
sleep 2.5	# the measurement itself: no probe in two and a half intervals
is "no probe of an inactive task" "$(nreq /health)" "$n"
is "status: health null while inactive" "$(st web .health)" "-"
check "deactivate the rest" ctl -y deactivate refused cmd
is "the daemon is healthy again" "$(ctl --json health | head -n 1 | jq -r .status)" ok

# --- health restarts are crashes: backoff, restart_limit, failed ---------------

# epoch TIME: seconds since the epoch, to the millisecond
epoch() {
	date -d "$1" +%s.%3N
}

# gap A B: the seconds from the end of run A to the start of run B of sick
gap() {
	e=$(ctl --json history sick -n 100 | jq -r "select(.run == $1) | .ended")
	s=$(ctl --json history sick -n 100 | jq -r "select(.run == $2) | .started")
	awk -v e="$(epoch "$e")" -v s="$(epoch "$s")" 'BEGIN { printf "%.3f", s - e }'
}

sick_ev() {
	ctl --json events --task sick -n 1000 | jq -c --arg e "$1" 'select(.event == $e)'
}

check "activate sick (its probe always fails)" ctl activate sick
check "sick: failed after restart_limit health restarts" wait_for 60 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status sick | jq -r .state)\" = failed ]"
is "three runs: the first and restart_limit (2) restarts" \
    "$(sick_ev run-started | wc -l | tr -d ' ')" 3
is "three health-restart events" "$(sick_ev health-restart | wc -l | tr -d ' ')" 3
is "a crash-loop event saying why" \
    "$(sick_ev crash-loop | jq -c '[.detail.crashes, .detail.reason]')" \
    '[3,"it failed its health probes"]'
ctl --json history sick -n 100 | jq -r .run | sort -n >"$T/runs"
r1=$(sed -n 1p "$T/runs")
r2=$(sed -n 2p "$T/runs")
r3=$(sed -n 3p "$T/runs")
g=$(gap "$r1" "$r2")
check "the first restart waited its backoff (1s): $g s" \
    awk -v g="$g" 'BEGIN { exit !(g >= 0.95) }'
g=$(gap "$r2" "$r3")
check "the second waited twice as long (2s): $g s" \
    awk -v g="$g" 'BEGIN { exit !(g >= 1.95) }'
is "nothing of sick runs" "$(st sick .pid)" null
ctl --json health >"$T/o" 2>&1
like "the daemon's health: degraded by the failed task" "$(cat "$T/o")" \
    'degraded: 1 failed task'
check "restart sick by hand: it runs again" ctl restart sick
check "... running" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status sick | jq -r .state)\" = running ]"
check "deactivate sick" ctl deactivate sick

# --- redirects ----------------------------------------------------------------

echo "302 /target" >"$H/mode.moved"
echo "302 file:///etc/hostname" >"$H/mode.tofile"
echo "302 /loop" >"$H/mode.loop"
check "activate the redirect probes" ctl -y activate redir redirf tofile loop
check "a 3xx without follow_redirects: unhealthy" wait_for 10 health_is redir unhealthy
is "... and it says why" "$(ctl --json health redir 2>/dev/null | head -n 1 | jq -r .probe.reason)" \
    "HTTP 302 (a redirect: follow_redirects is off)"
check "follow_redirects = true: healthy, by the page it leads to" \
    wait_for 10 health_is redirf healthy
check "... which the server was asked for" test "$(nreq /target)" -ge 1
is "health: follow_redirects true" "$(ctl --json health redirf 2>/dev/null | head -n 1 | jq -r .probe.follow_redirects)" true
check "a redirect to file://: not followed, unhealthy" wait_for 10 health_is tofile unhealthy
check "a redirect loop: unhealthy" wait_for 10 health_is loop unhealthy
like "... after at most 5 redirects" "$(ctl --json health loop 2>/dev/null | head -n 1 | jq -r .probe.reason)" \
    '[Rr]edirect'
np=$(ctl --json health loop 2>/dev/null | head -n 1 | jq -r .probe.probes_total)
check "... at most 6 requests a probe ($(nreq /loop) for $np and one under way)" \
    test "$(nreq /loop)" -le $((6 * (np + 1)))
check "deactivate them" ctl -y deactivate redir redirf tofile loop
write_conf <<EOF >/dev/null
task c { command = "/bin/true" health { command = "/bin/true" follow_redirects = true } }
EOF
like "maintd -n: follow_redirects with a command probe is an error" \
    "$("$MAINTD" -n -c "$CONF" 2>&1)" 'follow_redirects is for a health url'

# --- the binaries -------------------------------------------------------------

if command -v ldd >/dev/null 2>&1; then
	like "maintd links libcurl" "$(ldd "$MAINTD" 2>&1)" 'libcurl'
	check_fails "maintctl does not" sh -c "ldd '$MAINTCTL' 2>&1 | grep -q libcurl"
else
	skip "no ldd"
	skip "no ldd"
fi
check "the test server got only GETs from the probes" sh -c \
    "! grep -v '\"method\": \"GET\"' $H/requests"

done_testing
