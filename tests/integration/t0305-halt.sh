#!/bin/sh
# t0305-halt: the emergency stop (DESIGN §2 "Halt", §5, issue 5).
# stop-all asks to confirm (raw ERR confirm; maintctl without a tty and
# without -y exits 1 and changes nothing), then deactivates everything,
# stops every run (their processes are gone) and halts: run, activate
# (service, oneshot, periodic, several), restart, preset apply and the
# schedule of a periodic task start nothing ("ERR halted ...") until
# resume; status shows a HALTED line, health is degraded, metrics say
# maintd_halted 1.  resume (and resume again: not halted) lets
# everything start again; every task stays inactive.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 63

HALTED="ERR halted maintd is halted (stop-all): nothing starts until resume"

st() {
	ctl --json status "$1" | jq -r "$2"
}

active() {
	ctl --json status | jq -r 'select(.active) | .task' | tr '\n' ' ' |
	    sed 's/ $//'
}

busy() {
	[ "$(st "$1" .pid)" != null ]
}

idle() {
	[ "$(st "$1" .state)" = idle ]
}

nruns() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

at_least() {
	[ "$(nruns "$1")" -ge "$2" ]
}

nev() {
	ctl --json events -n 100000 | jq -r --arg e "$1" \
	    'select(.event == $e) | .actor' | wc -l | tr -d ' '
}

metric() {
	ctl metrics | sed -n "s/^$1 //p"
}

past_s() {
	[ "$(date +%s)" -ge "$1" ]
}

write_conf <<EOF
task svc { kind = service command = "sleep 600" shell = true }
task one { command = "sleep 600" shell = true }
task per { command = "/bin/true" every = 1s }
task quick { command = "/bin/true" }
preset both { tasks = { "svc", "per" } }
EOF
check "daemon starts" start_fg

check "activate svc and per" ctl -y activate svc per
check "run one" ctl run one
check "svc runs" wait_for 10 busy svc
check "one runs" wait_for 10 busy one
check "per ticks" wait_for 10 at_least per 1
svc_pid=$(st svc .pid)
one_pid=$(st one .pid)

# --- confirmation -----------------------------------------------------------

like "raw: stop-all asks to confirm" "$(raw stop-all)" \
    '^ERR confirm Stop all: deactivate 2 tasks, stop [0-9]+ running, and start nothing until resume$'
ctl stop-all </dev/null >"$T/o" 2>"$T/e"
is "maintctl stop-all without a tty or -y: exit 1" "$?" 1
like "maintctl: the hint" "$(cat "$T/e")" \
    '^maintctl: Stop all: .*: not confirmed \(answer y on a terminal, or use -y\)$'
is "unconfirmed: nothing changed" "$(active)" "svc per"
like "unconfirmed: not halted" "$(raw health)" '^OK ok$'

# --- the stop ---------------------------------------------------------------

ctl -y stop-all >"$T/o" 2>&1
is "maintctl -y stop-all: exit 0" "$?" 0
like "it says what it did" "$(cat "$T/o")" \
    '^halted: 2 deactivated, [0-9]+ stopping; nothing starts until resume$'
is "every task inactive" "$(active)" ""
check "svc stopped" wait_for 20 idle svc
check "one stopped" wait_for 20 idle one
check "svc's process is gone" gone "$svc_pid"
check "one's process is gone" gone "$one_pid"
is "event halted, by the client" "$(ctl --json events -n 100000 |
    jq -r 'select(.event == "halted") | .actor')" "$(id -un) (uid $(id -u))"

# --- nothing starts ---------------------------------------------------------

n=$(nruns per)
t0=$(date +%s)
is "raw: run" "$(raw 'run quick')" "$HALTED"
ctl run quick --wait >"$T/o" 2>"$T/e"
is "maintctl run: exit 1" "$?" 1
is "maintctl run: the reason" "$(cat "$T/e")" \
    "maintctl: halted: maintd is halted (stop-all): nothing starts until resume"
is "raw: activate a service" "$(raw 'activate svc')" "$HALTED"
is "raw: activate a oneshot" "$(raw 'activate one')" "$HALTED"
is "raw: activate a periodic task" "$(raw 'activate per')" "$HALTED"
is "raw: activate --for" "$(raw 'activate per --for 1h')" "$HALTED"
is "raw: activate several, confirmed" \
    "$(raw 'activate svc per quick --confirm')" "$HALTED"
ctl -y activate svc per >"$T/o" 2>"$T/e"
is "maintctl -y activate several: exit 1" "$?" 1
is "raw: restart" "$(raw 'restart svc')" "$HALTED"
is "raw: preset apply, confirmed" "$(raw 'preset apply both --confirm')" \
    "$HALTED"
is "raw: preset apply --exclusive, confirmed" \
    "$(raw 'preset apply both --exclusive --confirm')" "$HALTED"
is "raw: activate --dry-run: the plan is refused" \
    "$(raw 'activate svc --dry-run')" "- budget after: 0/8
- refused: halted maintd is halted (stop-all): nothing starts until resume
$HALTED"
is "still nothing active" "$(active)" ""
is "quick never ran" "$(nruns quick)" 0
check "two seconds pass (per ticked each second before)" wait_for 10 past_s \
    $((t0 + 3))
is "the schedule starts nothing: per has not run since" "$(nruns per)" "$n"
is "svc was not restarted" "$(nruns svc)" 1
is "one was not run again" "$(nruns one)" 1

# --- it shows ---------------------------------------------------------------

ctl status >"$T/o"
is "status: the HALTED line first" "$(head -1 "$T/o")" \
    "HALTED by stop-all: nothing starts until resume"
is "raw status: the final line" "$(finals "$(raw status)")" \
    "OK HALTED (stop-all): nothing starts until resume; 4 tasks, 0 active, 0 running"
ctl health >"$T/o" 2>"$T/e"
is "health: exit 1" "$?" 1
is "health: why" "$(cat "$T/e")" "maintctl: degraded: halted by stop-all"
is "raw health: ERR degraded" "$(finals "$(raw health)")" \
    "ERR degraded halted by stop-all"
is "health --json" "$(ctl --json health 2>/dev/null | head -n 1 |
    jq -c '[.status, .halted]')" '["degraded",true]'
is "metrics: maintd_halted 1" "$(metric maintd_halted)" 1
like "window list says so" "$(finals "$(raw 'window list')")" \
    'halted: none will open'

# --- resume -----------------------------------------------------------------

is "raw: resume --dry-run" "$(finals "$(raw 'resume --dry-run')")" \
    "OK dry run: nothing changed"
is "still halted after the dry run" "$(raw 'run quick')" "$HALTED"
is "raw: resume" "$(raw resume)" "OK resumed; every task is inactive"
is "raw: resume again" "$(raw resume)" "OK not halted"
is "event resumed, once" "$(nev resumed)" 1
is "every task still inactive" "$(active)" ""
ctl status >"$T/o"
check_fails "status: no HALTED line" grep -q HALTED "$T/o"
check "health ok again" ctl health
is "metrics: maintd_halted 0" "$(metric maintd_halted)" 0
check "run works again" ctl run quick --wait
check "activate works again" ctl activate svc
check "svc runs" wait_for 10 busy svc
check "restart works again" ctl restart svc
check "preset apply works again" ctl -y preset apply both
check "the schedule works again" wait_for 10 at_least per $((n + 1))
check "stop-all --confirm over raw" sh -c \
    "printf 'stop-all --confirm\\n' | socat -t 5 - UNIX-CONNECT:$SOCK | grep -q '^OK halted: 2 deactivated'"
check "resume" ctl resume

done_testing
