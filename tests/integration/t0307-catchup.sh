#!/bin/sh
# t0307-catchup: catch_up = true (DESIGN §2, issue 5 "Schedules").  A
# periodic task whose last run (in the history) started before a tick
# that has passed since runs once, at once, when it is activated: here
# after the daemon was stopped over two of its ticks.  Without catch_up
# the first run waits for the first tick; with catch_up but no tick
# missed (every = 1h), or no run in the history at all, nothing runs at
# activation either.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 31

now() {
	date +%s.%3N
}

epoch() {
	date -d "$1" +%s.%3N
}

past() {
	awk -v t="$1" -v n="$(now)" 'BEGIN { exit !(n >= t) }'
}

nruns() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

at_least() {
	[ "$(nruns "$1")" -ge "$2" ]
}

# starts TASK: the start times of its runs, oldest first, one a line.
starts() {
	ctl --json history "$1" -n 100000 | jq -sr 'sort_by(.run)[] | .started' |
	    while read -r s; do epoch "$s"; done
}

# started_within TASK FROM TO: how many runs of TASK started in [FROM, TO).
started_within() {
	starts "$1" | awk -v a="$2" -v b="$3" '$1 >= a && $1 < b { n++ }
	    END { print n + 0 }'
}

trigger_of_last() {
	ctl --json history "$1" -n 1 | jq -r .trigger
}

write_conf <<EOF
task cu { command = "/bin/true" every = 2s catch_up = true }
task nocu { command = "/bin/true" every = 2s }
task cuh { command = "/bin/true" every = 1h catch_up = true }
task cunew { command = "/bin/true" every = 2s catch_up = true }
EOF
check "daemon starts" start_fg
check "run cu" ctl run cu --wait
check "run nocu" ctl run nocu --wait
check "run cuh" ctl run cuh --wait
ran=$(now)
stop_daemon

# Two ticks of cu and nocu pass while the daemon is down.
check "five seconds pass with the daemon down" wait_for 15 past \
    "$(awk -v t="$ran" 'BEGIN { printf "%.3f", t + 5 }')"
check "daemon starts again" start_fg
is "nothing runs at start: every task is inactive" \
    "$(ctl --json status | jq -r 'select(.pid != null) | .task')" ""

# --- catch_up = true, a tick missed: one run at activation ------------------

t0=$(now)
check "activate cu" ctl activate cu
t1=$(now)
check "cu catches up" wait_for 10 at_least cu 2
s=$(starts cu | sed -n 2p)
check "the catch-up run starts at activation ($s, activated $t0..$t1)" \
    awk -v s="$s" -v a="$t0" -v b="$t1" 'BEGIN { exit !(s >= a && s < b + 1) }'
is "it is a scheduled run" "$(trigger_of_last cu)" schedule
like "it is logged as a run-started by the schedule" \
    "$(ctl --json events --task cu -n 100 | jq -r 'select(.event ==
    "run-started") | .actor' | tail -1)" '^schedule$'
check "cu's next tick comes" wait_for 10 at_least cu 3
diag "cu's runs started at: $(starts cu | tr '\n' ' ')(activated $t0..$t1)"
# The next tick is a whole second more than 1 s after activation (every =
# 2s from the second it was activated in): a second catch-up run would
# start right at activation, within 0.9 s of the first.
is "two ticks were missed, but it caught up once" \
    "$(started_within cu "$t0" "$(awk -v t="$s" \
    'BEGIN { printf "%.3f", t + 0.9 }')")" 1
check "deactivate cu" ctl deactivate cu

# --- no catch_up: the first run waits for the first tick --------------------

t0=$(now)
check "activate nocu" ctl activate nocu
is "no run at activation" "$(nruns nocu)" 1
check "its first tick comes" wait_for 10 at_least nocu 2
s=$(starts nocu | sed -n 2p)
# (every = 2s from the second it was activated in: at least 1 s after)
check "the first run is a tick after activation, not at once ($s, \
activated $t0)" awk -v s="$s" -v a="$t0" 'BEGIN { exit !(s >= a + 1) }'
check "deactivate nocu" ctl deactivate nocu

# --- catch_up, but no tick missed, or no history ----------------------------

check "activate cuh" ctl activate cuh
is "every = 1h, last run a few seconds ago: no catch-up" "$(nruns cuh)" 1
check "activate cunew" ctl activate cunew
is "never ran: no catch-up" "$(nruns cunew)" 0
check "deactivate cuh" ctl deactivate cuh
check "deactivate cunew" ctl deactivate cunew

# --- catch_up after being inactive over a tick (no restart) ------------------

n=$(nruns cu)
ran=$(now)
check "a tick of cu passes while it is inactive" wait_for 10 past \
    "$(awk -v t="$ran" 'BEGIN { printf "%.3f", t + 2.5 }')"
t0=$(now)
check "activate cu again" ctl activate cu
t1=$(now)
check "it catches up again" wait_for 10 at_least cu $((n + 1))
s=$(starts cu | sed -n "$((n + 1))p")
check "at activation ($s, activated $t0..$t1)" \
    awk -v s="$s" -v a="$t0" -v b="$t1" 'BEGIN { exit !(s >= a && s < b + 1) }'
check "deactivate cu" ctl deactivate cu

done_testing
