#!/bin/sh
# t0206-health: "health" for monitoring (DESIGN §8, maintctl(8)
# "health").  The daemon: the documented keys and counts, OK ok and exit
# 0 when healthy; degraded (ERR degraded with the reason, exit 1) while a
# service is failed after a crash loop and while halted by stop-all, ok
# again after.  A task: ok before any run, after a good one and after a
# stopped one, degraded after a failed one, failed in a crash loop (with
# the crash-loop event).  The text form; every --json line has exactly the
# documented keys; read-only (a user outside admin_group may ask).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 72

TAG=$$
DKEYS='["status","reason","host","tasks","active","running","failed","unhealthy","late","halted","store","clients","weight_in_use","max_weight","load1","tracking","cgroup","fleet","uptime_s","version"]'
TKEYS='["task","status","state","active","late","last_result","log","health","probe"]'

# (while degraded, the error object that ends the reply left out)
hj() {
	ctl --json health "$@" 2>/dev/null | jq -c 'select(has("error") | not)'
}

# hf FILTER [TASK]: a field of health --json.
hf() {
	f=$1
	shift
	hj "$@" | jq -r "$f"
}

hf_is() {
	[ "$(hf "$2" "$1")" = "$3" ]
}

daemon_is() {
	[ "$(hf .status)" = "$1" ]
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

keys_are() {
	[ "$(hj "$@" | jq -c keys_unsorted)" = "$KEYS" ]
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

write_conf <<EOF
socket_mode = "0666"
task good { command = "/bin/true" }
task talk { command = "echo said" shell = true }
task bad { command = "exit 3" shell = true }
task long { command = "exec sleep 9601.$TAG" shell = true }
task hourly { every = 1h command = "/bin/true" }
task crashy {
	kind = service
	command = "exit 1"
	shell = true
	restart_limit = 1
	backoff = { 1s, 1s }
}
EOF

check "daemon starts" start_fg

# --- the daemon -------------------------------------------------------------

ctl health >"$T/o" 2>"$T/e"
is "health: exit 0" "$?" 0
KEYS=$DKEYS
check "health --json: exactly the documented keys" keys_are
is "health: status, tasks, active, running, failed, halted, store" \
    "$(hj | jq -c '[.status, .tasks, .active, .running, .failed, .halted, .store]')" \
    '["ok",6,0,0,0,false,"ok"]'
is "health: version as maintd -V" "$(hf .version)" \
    "$("$MAINTD" -V | awk 'NR == 1 { print $2 }')"
is "health: uptime_s a whole number >= 0" "$(hf '.uptime_s | type == "number" and . >= 0 and . == floor')" true
is "raw health: final line OK ok" "$(raw health | tail -1)" "OK ok"
is "raw health: one data line per key, then the final line" \
    "$(raw health | sed 's/^- \([a-z0-9_]*\) .*/\1/' | tr '\n' ' ')" \
    "status reason host tasks active running failed unhealthy late halted store clients weight_in_use max_weight load1 tracking cgroup fleet uptime_s version OK ok "
like "text: status line" "$(sed -n 1p "$T/o")" '^status +ok$'
like "text: version line" "$(grep '^version' "$T/o")" '^version +[0-9]'
is "text: the values in one column (weight_in_use too)" \
    "$(awk '{ print index($0, $2) }' "$T/o" | sort -u | wc -l | tr -d ' ')" 1
is "health --json: one line" "$(hj | wc -l | tr -d ' ')" 1

check "activate hourly" ctl activate hourly
check "run long" ctl run long
is "health: active 1, running 1" "$(hj | jq -c '[.active, .running, .status]')" \
    '[1,1,"ok"]'
check "stop long" ctl stop long
check "long: stopped" wait_for 10 state_is long idle
check "deactivate hourly" ctl deactivate hourly
is "health: active 0, running 0" "$(hj | jq -c '[.active, .running]')" '[0,0]'

# --- a task -----------------------------------------------------------------

KEYS=$TKEYS
check "health good --json: exactly the documented keys" keys_are good
is "health good before any run: ok, idle, inactive, no last result" \
    "$(hj good | jq -c '[.task, .status, .state, .active, .last_result]')" \
    '["good","ok","idle",false,null]'
check "health good: exit 0" ctl health good
check "good: run" ctl run good --wait
is "health good after a good run: ok, last_result exit 0" \
    "$(hj good | jq -c '[.status, .last_result]')" '["ok","exit 0"]'
ctl run bad --wait >/dev/null 2>&1
ctl health bad >"$T/o" 2>"$T/e"
is "health bad: exit 1" "$?" 1
is "health bad: degraded, last_result exit 3" \
    "$(hj bad | jq -c '[.status, .last_result]')" '["degraded","exit 3"]'
like "health bad: says why" "$(cat "$T/e")" '^maintctl: degraded: bad: last run exit 3$'
like "health bad (text): the status line" "$(grep '^status' "$T/o")" \
    '^status +degraded$'
like "raw health bad: final line" "$(raw 'health bad' | tail -1)" \
    '^ERR degraded bad: last run exit 3$'
is "a failed oneshot does not degrade the daemon" "$(hf .status)" ok
check "and maintctl health exits 0" ctl health
is "health long after a stop: ok (a stop is not a failure)" \
    "$(hj long | jq -r .status)" ok
like "health long: last_result says stopped" "$(hf .last_result long)" 'stopped'
ctl health nosuch >"$T/o" 2>"$T/e"
is "health of an unknown task: exit 1" "$?" 1
like "health of an unknown task: unknown-task" "$(cat "$T/e")" \
    '^maintctl: unknown-task: '
ctl health good bad >/dev/null 2>&1
is "health with two tasks: usage, exit 2" "$?" 2

# --- a crash loop -----------------------------------------------------------

check "activate crashy" ctl activate crashy
check "crashy: failed after its restart" wait_for 20 state_is crashy failed
ctl health crashy >"$T/o" 2>"$T/e"
is "health crashy: exit 1" "$?" 1
is "health crashy: failed, state failed, active" \
    "$(hj crashy | jq -c '[.status, .state, .active]')" '["failed","failed",true]'
like "health crashy: says it crashed" "$(cat "$T/e")" \
    '^maintctl: degraded: crashy crashed [0-9]+ times in a row'
ctl health >"$T/o" 2>"$T/e"
is "the daemon: exit 1" "$?" 1
is "--json while degraded: the health object, then the error object" \
    "$(ctl --json health 2>/dev/null | jq -c '.error.code // .status')" \
    "$(printf '"degraded"\n"degraded"')"
is "the daemon: degraded, failed 1" "$(hj | jq -c '[.status, .failed]')" \
    '["degraded",1]'
like "the daemon: says why" "$(cat "$T/e")" '^maintctl: degraded: 1 failed task'
like "raw: ERR degraded" "$(raw health | tail -1)" '^ERR degraded 1 failed task'
is "crash-loop event, by maintd, with the crashes" \
    "$(ctl --json events --task crashy | jq -c 'select(.event == "crash-loop") | [.actor, (.detail.crashes | type)]')" \
    '["maintd","number"]'
check "metrics: maintd_task_failed 1 for crashy" \
    sh -c "'$MAINTCTL' -s '$SOCK' metrics | grep -qxF 'maintd_task_failed{task=\"crashy\"} 1'"
if is_root; then
	as_nobody "$MAINTCTL" -s "$SOCK" --json health >"$T/o" 2>"$T/e"
	is "another user may ask (read-only); exit 1 while degraded" "$?" 1
	is "another user: the same answer" "$(head -1 "$T/o" | jq -r .status)" degraded
else
	skip "another user needs root"
	skip "another user needs root"
fi
check "deactivate crashy" ctl deactivate crashy
check "health: ok again" wait_for 10 daemon_is ok
check "maintctl health: exit 0 again" ctl health

# --- halted -----------------------------------------------------------------

check "stop-all" ctl -y stop-all
ctl --json health >"$T/o" 2>"$T/e"
is "halted: exit 1" "$?" 1
is "halted: degraded, halted true" "$(head -1 "$T/o" | jq -c '[.status, .halted]')" \
    '["degraded",true]'
like "halted: says why" "$(cat "$T/e")" 'halted by stop-all'
check "resume" ctl resume
check "resumed: health ok" wait_for 10 daemon_is ok
is "resumed: halted false" "$(hf .halted)" false

# --- output that cannot be written --------------------------------------------

# a file where log_dir was (root may write anywhere a mode forbids)
check "talk: a run, logged" ctl run talk --wait
mv "$T/log" "$T/log.saved"
: >"$T/log"
check "reopen the log files" ctl reopen
check "talk: a run while log_dir is not a directory" ctl run talk --wait
ctl --json health >"$T/o" 2>"$T/e"
is "output lost: health exit 1" "$?" 1
is "... degraded" "$(head -1 "$T/o" | jq -r .status)" degraded
is "... naming log_dir and the task" "$(cat "$T/e")" \
    "maintctl: degraded: log_dir $T/log not writable (task talk): Not a directory"
is "health talk: degraded, the reason" "$(hf '[.status, .log] | join(" ")' talk)" \
    "degraded Not a directory"
is "the line is still kept in memory" "$(ctl logs talk -n 1 | sed 's/.*] //')" said
rm "$T/log"
mv "$T/log.saved" "$T/log"
check "talk: a run once log_dir is back" ctl run talk --wait
check "health: ok again, once a write has succeeded" wait_for 10 daemon_is ok
is "health talk: ok" "$(hf .log talk)" ok

# --- uptime -----------------------------------------------------------------

up=$(hf .uptime_s)
check "uptime_s grows" wait_for 10 sh -c \
    "[ \$('$MAINTCTL' -s '$SOCK' --json health | jq .uptime_s) -gt $up ]"

done_testing
