#!/bin/sh
# t0214-guard: start_when, the resource guard (DESIGN §8).  A scheduled
# run of a task whose start_when does not hold waits (state "waiting",
# with the reason; metrics maintd_task_waiting 1), is skipped with the
# reason when its next tick comes first, and never runs; a manual run is
# refused with ERR guard unless --force; a condition that holds lets the
# runs go; the global start_when is the default of every task; plans,
# show and metrics say it; bad conditions are config errors.  The host's
# load is never below 0, and always below 100000.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 20

write_conf <<'EOF'
start_when = { "load1 < 0" }
task never { command = "/bin/true"  every = 2s }
task always {
	command = "/bin/true"
	every = 2s
	start_when = { "load1 < 100000", "mem_available > 1M" }
}
task inherits { command = "/bin/true" }
EOF

st() {
	ctl --json status "$1" | jq -r "$2"
}

nruns() {
	ctl --json history "$1" -n 1000 | wc -l | tr -d ' '
}

check "daemon starts" start_fg
is "show: the inherited start_when" "$(ctl --json show never | jq -c .start_when)" \
    '["load1 < 0"]'
is "show: a task's own" "$(ctl --json show always | jq -c .start_when)" \
    '["load1 < 100000","mem_available > 1M"]'
like "activate --dry-run: the plan says runs would wait" \
    "$(ctl activate never --dry-run)" 'start_when of never does not hold \(load1 [0-9.]+ >= 0\): its runs would wait'
check "activate never and always" ctl -y activate never always
check "never: its tick finds the guard false: waiting" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status never | jq -r .state)\" = waiting ]"
like "... with the reason" "$(st never .waiting)" '^load1 [0-9.]+ >= 0$'
like "the status table says waiting" "$(ctl status never)" '^never +periodic +active +waiting '
like "metrics: maintd_task_waiting 1" "$(ctl metrics)" 'maintd_task_waiting\{task="never"\} 1'
like "metrics: the load as the guard sees it" "$(ctl metrics)" 'maintd_load1 [0-9.]+'
check "the next tick comes first: skipped, with the reason" wait_for 10 sh -c \
    "$MAINTCTL -s $SOCK --json events --task never | jq -r 'select(.event == \"skipped\") | .detail.reason' | grep -q 'next tick (load1 .* >= 0)'"
is "never has not run" "$(nruns never)" 0
check "always: its runs go" wait_for 10 sh -c "[ \$($MAINTCTL -s $SOCK --json history always | wc -l) -ge 1 ]"
is "... as scheduled" "$(ctl --json history always -n 1 | jq -r .trigger)" schedule

ctl run inherits >"$T/o" 2>&1
is "a manual run: refused (exit 1)" "$?" 1
like "... ERR guard with the reason" "$(cat "$T/o")" \
    '^maintctl: guard: load1 [0-9.]+ >= 0 \(--force runs it anyway\)$'
check "--force runs it" ctl run inherits --force --wait
check "deactivate" ctl -y deactivate never always

printf 'task a { command = "/bin/true"  start_when = { "load2 < 1", "load1 ~ 3", "mem_available > lots" } }\n' \
    >"$T/bad.conf"
"$MAINTD" -n -c "$T/bad.conf" >"$T/n.out" 2>&1
is "bad conditions: config errors" "$?" 1
like "... naming the bad one" "$(cat "$T/n.out")" \
    "unknown metric 'load2'.*"

done_testing
