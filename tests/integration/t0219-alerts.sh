#!/bin/sh
# t0219-alerts: alert policies of notify endpoints (issue 23, §4), with
# the test HTTP server (helpers/httpd.py).  A periodic task fails every
# second:
#  - after_failures = 3: one POST, on the third failure ("failures": 3),
#    none for the failures after it;
#  - repeat = 2s (with after_failures = 1): the first failure, then a
#    reminder ("reminder": true) no sooner than 2 s after the note before;
#  - manual = false: nothing for runs started with maintctl run, which
#    an endpoint without it gets;
#  - recovery = true: once the task succeeds, one "recovered" (and one
#    for the late event a dead-man endpoint told of);
#  - late: the dead-man's event, sent to the endpoint that asks for it.
# The body of a run's end carries the run: its result, duration, CPU,
# peak memory and the last 20 lines of its stderr (of that run only),
# and the task's runbook.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 29

start_httpd

echo 1 >"$T/f.exit"
write_conf <<EOF
task f {
	command = "i=0; while [ \$i -lt 25 ]; do i=\$((i + 1)); echo \"err \$i\" >&2; done; echo out; exit \$(cat $T/f.exit)"
	shell = true
	every = 1s
	late_after = 3s
	runbook = "https://wiki.example/runbooks/f"
}
task m { command = "echo oops >&2; exit 1"  shell = true }
notify pager {
	url = "http://127.0.0.1:$PORT/pager"
	events = { "run-failed" }
	after_failures = 3
	recovery = true
	manual = false
	throttle = 0
}
notify remind {
	url = "http://127.0.0.1:$PORT/remind"
	events = { "run-failed" }
	after_failures = 1
	repeat = 2s
	throttle = 0
}
notify deadman {
	url = "http://127.0.0.1:$PORT/deadman"
	events = { "late" }
	recovery = true
	throttle = 0
}
notify all { url = "http://127.0.0.1:$PORT/all"  events = { "run-failed" }  throttle = 0 }
EOF

# bodies PATH: the bodies the server got on PATH, one JSON line each
bodies() {
	grep "\"path\": \"$1\"" "$H/requests" 2>/dev/null | jq -c '.body | fromjson'
}

nbodies() {
	bodies "$1" | jq -c "select($2)" | wc -l | tr -d ' '
}

at_least() {
	[ "$(nbodies "$1" "$2")" -ge "$3" ]
}

nfailed() {
	ctl --json history f -n 100000 | jq -c 'select(.result == "failed")' |
	    wc -l | tr -d ' '
}

failed_at_least() {
	[ "$(nfailed)" -ge "$1" ]
}

check "daemon starts" start_fg
check "activate f (it fails every second)" ctl activate f

# --- after_failures = 3 ----------------------------------------------------

check "pager: a POST once f failed three times" wait_for 15 at_least /pager true 1
b=$(bodies /pager | head -n 1)
is "... run-failed, failures 3" "$(printf '%s\n' "$b" | jq -r '[.event, .failures] | join(" ")')" \
    "run-failed 3"
check "f fails twice more" wait_for 15 failed_at_least 5
is "pager: still one POST" "$(nbodies /pager true)" 1

# --- the body of a run's end -------------------------------------------------

is "the body: the run" "$(printf '%s\n' "$b" | jq -r '.run.id == .detail.run')" true
is "... its result and trigger" "$(printf '%s\n' "$b" | jq -r '[.run.result, .run.exit, .run.trigger] | join(" ")')" \
    "exit 1 1 schedule"
is "... duration, CPU, peak memory" \
    "$(printf '%s\n' "$b" | jq -r '[.run.duration_s, .run.cpu_s, .run.maxrss_kb] | map(type == "number") | all')" true
is "... the last 20 lines of its stderr, of that run" \
    "$(printf '%s\n' "$b" | jq -c '[.run.stderr_tail | length, .[0], .[19]]')" '[20,"err 6","err 25"]'
is "... the runbook" "$(printf '%s\n' "$b" | jq -r .runbook)" "https://wiki.example/runbooks/f"

# --- repeat --------------------------------------------------------------------

check "remind: a reminder comes" wait_for 15 at_least /remind '.reminder == true' 1
is "remind: the first note is the first failure, not a reminder" \
    "$(bodies /remind | head -n 1 | jq -r '[.failures, .reminder // false] | join(" ")')" "1 false"
# (by the times of the events, not of their delivery)
gaps=$(bodies /remind | jq -r .time | while read -r tm; do date -d "$tm" +%s.%3N; done |
    awk 'NR > 1 { printf "%.2f\n", $1 - p } { p = $1 }')
is "remind: at least 2 s between its notes ($(echo "$gaps" | tr '\n' ' '))" \
    "$(printf '%s\n' "$gaps" | awk '$1 < 1.99 { n++ } END { print n + 0 }')" 0

# --- late ------------------------------------------------------------------------

check "deadman: the late event" wait_for 15 at_least /deadman '.event == "late"' 1
is "... with the runbook" "$(bodies /deadman | head -n 1 | jq -r .runbook)" \
    "https://wiki.example/runbooks/f"

# --- manual = false ----------------------------------------------------------

n=$(nbodies /pager true)
check_fails "maintctl run m (fails)" ctl run m --wait
check_fails "maintctl run m again" ctl run m --wait
check_fails "and a third time" ctl run m --wait
check "all: gets the manual runs' failures" wait_for 10 at_least /all '.task == "m"' 3
is "pager (manual = false): nothing for them" "$(nbodies /pager '.task == "m"')" 0
is "... nor for anything else meanwhile" "$(nbodies /pager true)" "$n"
is "all: the stderr of a manual run" \
    "$(bodies /all | jq -c 'select(.task == "m") | .run.stderr_tail' | head -n 1)" '["oops"]'

# --- recovery ----------------------------------------------------------------

echo 0 >"$T/f.exit"
check "f succeeds" wait_for 15 sh -c \
    "'$MAINTCTL' -s '$SOCK' --json history f -n 1 | jq -e '.result == \"ok\"'"
check "pager: recovered" wait_for 10 at_least /pager '.event == "recovered"' 1
check "deadman: recovered" wait_for 10 at_least /deadman '.event == "recovered"' 1
ok=$(ctl --json history f -n 100000 | jq -c 'select(.result == "ok")' | wc -l)
check "two more successes" wait_for 15 sh -c \
    "[ \$('$MAINTCTL' -s '$SOCK' --json history f -n 100000 | jq -c 'select(.result == \"ok\")' | wc -l) -ge $((ok + 2)) ]"
is "pager: recovered once" "$(nbodies /pager '.event == "recovered"')" 1
is "remind (recovery = false): no recovered" "$(nbodies /remind '.event == "recovered"')" 0

stop_daemon
done_testing
