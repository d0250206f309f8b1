#!/bin/sh
# t0214-guard: start_when, the resource guard (DESIGN §8).  A scheduled
# run of a task whose start_when does not hold waits (state "waiting",
# with the reason; metrics maintd_task_waiting 1), is skipped with the
# reason when its next tick comes first, and never runs; a manual run is
# refused with ERR guard unless --force; a condition that holds lets the
# runs go; the global start_when is the default of every task; plans,
# show and metrics say it; bad conditions are config errors.  The host's
# load is never below 0, and always below 100000.  disk_free(PATH) (bytes
# or %), pressure(cpu|memory|io) (PSI avg10, where the kernel has it) and
# uptime each let a run go when they hold and refuse it, saying the
# figure, when they do not.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 34

write_conf <<'EOF'
start_when = { "load1 < 0" }
task never { command = "/bin/true"  every = 2s }
task always {
	command = "/bin/true"
	every = 2s
	start_when = { "load1 < 100000", "mem_available > 1M" }
}
task inherits { command = "/bin/true" }
task disk-ok { command = "/bin/true"  start_when = { "disk_free(/) > 1", "disk_free(/) >= 0%" } }
task disk-full { command = "/bin/true"  start_when = { "disk_free(/) < 1" } }
task disk-pct { command = "/bin/true"  start_when = { "disk_free(/) < 0%" } }
task up-ok { command = "/bin/true"  start_when = { "uptime > 1s" } }
task up-young { command = "/bin/true"  start_when = { "uptime < 1s" } }
EOF
if [ -r /proc/pressure/cpu ]; then
	cat >>"$CONF" <<'EOF'
task psi-ok { command = "/bin/true"  start_when = { "pressure(cpu) <= 100", "pressure(memory) <= 100%", "pressure(io) <= 100" } }
task psi-high { command = "/bin/true"  start_when = { "pressure(io) < 0" } }
EOF
fi

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

# refused: ERR guard, the figure and the condition; allowed: it runs
refused() {
	ctl run "$1" >"$T/o" 2>&1
	is "$1: a manual run is refused (exit 1)" "$?" 1
	like "... saying why" "$(cat "$T/o")" "^maintctl: guard: $2 \\(--force runs it anyway\\)\$"
}
check "disk_free holds: the run goes" ctl run disk-ok --wait
refused disk-full 'disk_free\(/\) [0-9.]+[MG]? >= 1'
refused disk-pct 'disk_free\(/\) [0-9.]+% >= 0%'
check "uptime holds: the run goes" ctl run up-ok --wait
refused up-young 'uptime [0-9dhms ]+ >= 1s'
like "show: the conditions as written" "$(ctl --json show disk-pct | jq -c .start_when)" \
    '["disk_free(/) < 0%"]'
if [ -r /proc/pressure/cpu ]; then
	check "pressure holds: the run goes" ctl run psi-ok --wait
	refused psi-high 'pressure\(io\) [0-9.]+% >= 0%'
else
	skip "no PSI on this kernel"; skip "no PSI"; skip "no PSI"
fi
check "deactivate" ctl -y deactivate never always

printf 'task a { command = "/bin/true"  start_when = { "load2 < 1", "load1 ~ 3", "mem_available > lots" } }\n' \
    >"$T/bad.conf"
"$MAINTD" -n -c "$T/bad.conf" >"$T/n.out" 2>&1
is "bad conditions: config errors" "$?" 1
like "... naming the bad one" "$(cat "$T/n.out")" \
    "unknown metric 'load2'.*"
printf 'task a { command = "/bin/true"  start_when = { "disk_free(var) > 1G" } }\n' \
    >"$T/bad.conf"
"$MAINTD" -n -c "$T/bad.conf" >"$T/n.out" 2>&1
like "disk_free of a relative path: a config error" "$(cat "$T/n.out")" \
    "bad.conf:1: start_when: 'disk_free\\(var\\) > 1G': disk_free needs an absolute path"
if [ ! -r /proc/pressure/io ]; then
	printf 'task a { command = "/bin/true"  start_when = { "pressure(io) < 50" } }\n' \
	    >"$T/bad.conf"
	"$MAINTD" -n -c "$T/bad.conf" >"$T/n.out" 2>&1
	like "pressure without PSI: a config error naming the file" \
	    "$(cat "$T/n.out")" "/proc/pressure/io"
else
	skip "the kernel has PSI: its absence cannot be seen here"
fi

done_testing
