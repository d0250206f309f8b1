#!/bin/sh
# t0301-periodic: periodic tasks (DESIGN §2, issue 5 "Schedules").  An
# every = 1s task runs at each tick while active, not at activation and
# not while inactive, and runs again once reactivated; status and show
# give the next run time (every, and a cron schedule); a fixed jitter
# keeps the ticks every apart; overlap = skip records a "skipped" event
# and runs never overlap; overlap = queue runs once more right when the
# previous run ends; a scheduled tick over budget waits for capacity,
# is "skipped" when its next tick comes first, and starts as soon as the
# budget frees up.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 48

# nruns TASK: how many runs the history has for TASK.
nruns() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

# epoch TIME: an RFC 3339 time as seconds since the epoch (with ms).
epoch() {
	date -d "$1" +%s.%3N
}

now() {
	date +%s.%3N
}

# past T: the clock has reached T (seconds since the epoch).
past() {
	awk -v t="$1" -v n="$(now)" 'BEGIN { exit !(n >= t) }'
}

# runs TASK: one line per run, oldest first: "START END TRIGGER" in
# seconds since the epoch; END is - while the run goes on.
runs() {
	ctl --json history "$1" -n 100000 |
	    jq -sr 'sort_by(.run)[] | [.started, (.ended // "-"), .trigger] |
	    @tsv' |
	    while IFS='	' read -r s e tr; do
		s=$(epoch "$s")
		[ "$e" = - ] || e=$(epoch "$e")
		echo "$s $e $tr"
	    done
}

# gaps TASK: for each run after the first, its start minus the end of
# the run before it, one a line.
gaps() {
	runs "$1" | awk 'NR > 1 { printf "%.3f\n", $1 - end } { end = $2 }'
}

# skips TASK: the reasons of the task's "skipped" events, one a line.
skips() {
	ctl --json events --task "$1" -n 100000 |
	    jq -r 'select(.event == "skipped") | .detail.reason'
}

nskips() {
	skips "$1" | grep -c .
}

at_least() {
	[ "$($1 "$2")" -ge "$3" ]
}

idle() {
	[ "$(ctl --json status "$1" | jq -r .state)" = idle ]
}

finished_runs() {
	[ "$(runs "$1" | awk '$2 != "-"' | wc -l)" -ge "$2" ]
}

write_conf <<EOF
task tick { command = "/bin/true" every = 1s }
task skipper { command = "sleep 2.5" shell = true every = 2s }
task queuer {
	command = "sleep 2.5"
	shell = true
	every = 2s
	overlap = queue
}
task jit { command = "/bin/true" every = 2s jitter = 1s }
task nightly { command = "/bin/true" schedule = "0 4 * * *" }
EOF
check "daemon starts" start_fg

# --- every = 1s: at each tick while active ---------------------------------

t0=$(now)
check "activate tick" ctl activate tick
t1=$(now)
is "no run at activation (a periodic task waits for its tick)" \
    "$(nruns tick)" 0
next=$(ctl --json status tick | jq -r .next_run)
check "status --json: next_run is within the next 2 s ($next)" \
    awk -v n="$(epoch "$next" 2>/dev/null || echo 0)" -v a="$t0" \
    'BEGIN { exit !(n >= int(a) && n <= a + 2) }'
like "show: next_run" "$(ctl show tick)" \
    '^next_run +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}'
check "four ticks come" wait_for 30 at_least nruns tick 4
t2=$(now)
check "deactivate tick" ctl deactivate tick
t3=$(now)
n=$(nruns tick)
check "at least one run a second while active ($n runs in $t1..$t2)" \
    awk -v n="$n" -v a="$t1" -v b="$t2" 'BEGIN { exit !(n >= int(b - a) - 1) }'
check "at most one run a second ($n runs in $t0..$t3)" \
    awk -v n="$n" -v a="$t0" -v b="$t3" 'BEGIN { exit !(n <= b - a + 1) }'
runs tick >"$T/tick.runs"
# shellcheck disable=SC2016 # awk's fields
check "the runs are 1 s apart on average" awk '
	NR == 1 { first = $1 } { last = $1; n = NR }
	END { d = (last - first) / (n - 1); exit !(d > 0.75 && d < 1.35) }' \
    "$T/tick.runs"
is "every run was triggered by the schedule" \
    "$(awk '{ print $3 }' "$T/tick.runs" | sort -u)" schedule
is "inactive: no next_run" "$(ctl --json status tick | jq -r .next_run)" null
check "three seconds pass" wait_for 10 past "$(awk -v t="$t3" \
    'BEGIN { printf "%.3f", t + 3 }')"
wait_for 10 idle tick
is "no run while inactive" "$(nruns tick)" "$n"
check "activate tick again" ctl activate tick
check "ticks again once reactivated" wait_for 30 at_least nruns tick \
    $((n + 2))
check "deactivate tick again" ctl deactivate tick

# --- a cron schedule: the next run time ------------------------------------

check "activate nightly" ctl activate nightly
if [ "$(date +%H%M)" -lt 0400 ]; then
	want=$(date -d "today 04:00" +%s)
else
	want=$(date -d "tomorrow 04:00" +%s)
fi
next=$(ctl --json status nightly | jq -r .next_run)
is "cron: next_run is the next 04:00 local time ($next)" \
    "$(epoch "$next" 2>/dev/null | cut -d. -f1)" "$want"
like "cron: the status table shows it" "$(ctl status nightly)" \
    "nightly +periodic +active .* $(date -d "@$want" '+%m-%d 04:00 %Z') +0"
check "deactivate nightly" ctl deactivate nightly

# --- jitter: a fixed offset, the ticks stay every apart --------------------

check "activate jit" ctl activate jit
jnext=$(ctl --json status jit | jq -r .next_run)
check "jit: four runs" wait_for 30 at_least nruns jit 4
check "deactivate jit" ctl deactivate jit
runs jit >"$T/jit.runs"
diag "jit runs: $(awk '{ printf "%s ", $1 }' "$T/jit.runs")"
# shellcheck disable=SC2016
check "jitter: every interval between runs is 2 s (+-0.4)" awk '
	NR > 1 { d = $1 - prev; if (d < 1.6 || d > 2.4) bad = 1 }
	{ prev = $1 } END { exit bad }' "$T/jit.runs"
# shellcheck disable=SC2016
check "jitter: the first run starts at the next_run status gave ($jnext)" \
    awk -v n="$(epoch "$jnext" 2>/dev/null || echo 0)" \
    'NR == 1 { exit !($1 >= n && $1 < n + 1.3) }' "$T/jit.runs"

# --- overlap = skip and overlap = queue -------------------------------------

check "activate skipper" ctl activate skipper
check "activate queuer" ctl activate queuer
check "queuer: three runs ended" wait_for 40 finished_runs queuer 3
check "skipper: two runs ended" wait_for 40 finished_runs skipper 2
check "deactivate skipper and queuer" ctl -y deactivate skipper queuer
wait_for 20 idle skipper
wait_for 20 idle queuer

check "skip: a tick during a run is skipped" wait_for 5 at_least nskips \
    skipper 1
is "skip: the reason" "$(skips skipper | sort -u)" \
    "the previous run is still going"
is "skip: the event's actor is the schedule" \
    "$(ctl --json events --task skipper -n 1000 |
    jq -r 'select(.event == "skipped") | .actor' | sort -u)" schedule
gaps skipper >"$T/skip.gaps"
diag "skipper gaps: $(tr '\n' ' ' <"$T/skip.gaps")"
# shellcheck disable=SC2016
check "skip: runs never overlap, and the skipped tick is not run late" \
    awk '$1 < 0.5 { bad = 1 } END { exit bad || NR < 1 }' "$T/skip.gaps"

is "queue: no tick skipped" "$(nskips queuer)" 0
gaps queuer >"$T/queue.gaps"
diag "queuer gaps: $(tr '\n' ' ' <"$T/queue.gaps")"
# shellcheck disable=SC2016
check "queue: each queued run starts right when the one before ends" \
    awk '$1 < -0.05 || $1 > 0.5 { bad = 1 } END { exit bad || NR < 2 }' \
    "$T/queue.gaps"
is "queue: queued runs are triggered by the schedule" \
    "$(runs queuer | awk '{ print $3 }' | sort -u)" schedule

# --- budget: a scheduled tick waits, is skipped, then starts ----------------

stop_daemon
write_conf <<EOF
max_weight = 3
task hog { command = "sleep 60" shell = true weight = 3 }
task waiter { command = "/bin/true" every = 2s }
EOF
check "daemon restarts with a budget of 3" start_fg
check "run hog (weight 3: the budget is full)" ctl run hog
check "activate waiter (periodic: nothing starts yet)" ctl activate waiter
check "a tick that waited until the next one is skipped" \
    wait_for 30 at_least nskips waiter 1
is "skipped: the reason" "$(skips waiter | sort -u)" \
    "it waited until its next tick (3/3, waiter needs 1)"
is "no run of waiter while the budget is full" "$(nruns waiter)" 0
check "stop hog" ctl stop hog
check "waiter runs once the budget frees up" wait_for 20 at_least nruns \
    waiter 1
hog_end=$(runs hog | awk '{ print $2 }')
w_start=$(runs waiter | awk 'NR == 1 { print $1 }')
check "it starts right when hog ends, not at its next tick" \
    awk -v e="$hog_end" -v s="$w_start" \
    'BEGIN { exit !(s >= e - 0.05 && s - e < 0.5) }'
check "deactivate waiter" ctl deactivate waiter

done_testing
