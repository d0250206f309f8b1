#!/bin/sh
# t0312-plan: maintctl plan (issue 23, §3).  The plan of the next 10 s
# of every = 2s tasks matches what the ledger then records: the same
# ticks of the active tasks, ran where the plan says nothing stops them,
# missed with the plan's reason where it says requires, guard or budget
# stop them; an inactive task's ticks are "inactive" and none is in the
# ledger.  A task active --for 5s: its later ticks are inactive.
# --preset P plans P's tasks as if active; TASK... keeps to
# those; a oneshot in a window's preset starts at the window's opening
# (window:NAME); the times are in the task's zone; --json; the row cap
# says how many more; bad --next and an unknown preset are refused; the
# OK line says chains are not listed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 29

epoch() {
	date -d "$1" +%s
}

write_conf <<EOF
max_weight = 4
task a { command = "/bin/true"  every = 2s }
task r { command = "/bin/true"  every = 2s  requires { task = "base"  ok_within = 1h } }
task g { command = "/bin/true"  every = 2s  start_when = { "uptime < 1s" } }
task bud { command = "/bin/true"  every = 2s  weight = 5 }
task i { command = "/bin/true"  every = 2s }
task short { command = "/bin/true"  every = 2s }
task base { command = "/bin/true" }
task berlin { command = "/bin/true"  schedule = "0 * * * *"  timezone = "Europe/Berlin" }
task o { command = "/bin/true" }
task minutely { command = "/bin/true"  schedule = "* * * * *" }
preset pi { tasks = { "i" } }
preset po { tasks = { "o" } }
window hourly { preset = "po"  schedule = "0 * * * *"  duration = 10m }
EOF
check "daemon starts" start_fg
check "activate a r g bud" ctl -y activate a r g bud

check "each active task has had a tick" wait_for 10 sh -c \
    "for t in a r g bud; do [ \$($MAINTCTL -s $SOCK --json ledger \$t -n 1 | wc -l) -ge 1 ] || exit 1; done"

b0=$(date +%s)
ctl --json plan --next 10s >"$T/plan"
rc=$?
b1=$(date +%s)
is "plan --json: exit 0" "$rc" 0
like "... a row per tick: time, task, trigger, window, stop, why" \
    "$(head -n 1 "$T/plan" | jq -c 'keys_unsorted')" \
    '^\["time","task","trigger","window","stop","why"\]$'

# the rows of the plan, then of the ledger, in the span that is surely
# the plan's: ticks after b1 and up to b0 + 10, as "TASK EPOCH OUTCOME"
jq -r '[.task, .time, (.stop // "ran")] | @tsv' "$T/plan" |
while IFS="$(printf '\t')" read -r task t stop; do
	e=$(epoch "$t")
	[ "$e" -gt "$b1" ] && [ "$e" -le $((b0 + 10)) ] &&
	    printf '%s %s %s\n' "$task" "$e" "$stop"
done | sort >"$T/planned"
like "the plan has rows in the span" "$(wc -l <"$T/planned")" '^ *[1-9]'
like "i: its ticks are planned" "$(grep -c '^i ' "$T/planned")" '^[1-9]'
is "... each inactive" "$(grep '^i ' "$T/planned" | grep -vc ' inactive$')" 0
is "r: requires" "$(grep '^r ' "$T/planned" | grep -vc ' requires$')" 0
is "g: guard" "$(grep '^g ' "$T/planned" | grep -vc ' guard$')" 0
is "bud: budget" "$(grep '^bud ' "$T/planned" | grep -vc ' budget$')" 0
is "a: nothing stops it" "$(grep '^a ' "$T/planned" | grep -vc ' ran$')" 0

# the ledger has a tick's outcome by its next tick: wait for a's tick
# two intervals past the span
last_tick_after() {
	tk=$(ctl --json ledger a -n 1 | jq -r .tick)
	[ -n "$tk" ] && [ "$(epoch "$tk")" -ge "$1" ]
}
check "the ledger has gone past the span" wait_for 30 last_tick_after $((b0 + 15))
for t in a r g bud i; do
	ctl --json ledger "$t" -n 1000
done | jq -r '[.task, .tick, (if .outcome == "ran" then "ran" else .reason end)] | @tsv' |
while IFS="$(printf '\t')" read -r task t out; do
	e=$(epoch "$t")
	[ "$e" -gt "$b1" ] && [ "$e" -le $((b0 + 10)) ] &&
	    printf '%s %s %s\n' "$task" "$e" "$out"
done | sort >"$T/ledgered"
grep -v ' inactive$' "$T/planned" >"$T/planned-active"
is "the ledger has the plan's ticks and outcomes, no other" \
    "$(diff "$T/planned-active" "$T/ledgered" && echo same)" same
is "none of i's ticks is in the ledger" "$(grep -c '^i ' "$T/ledgered")" 0

# --- --preset, tasks, windows, zones, the cap --------------------------

check "activate short --for 5s" ctl activate short --for 5s
ctl --json plan --next 10s short >"$T/short"
like "short: its ticks before the end of --for would run" \
    "$(jq -r 'select(.stop == null) | .task' "$T/short" | head -n 1)" '^short$'
like "... those after it are inactive, saying when it is deactivated" \
    "$(jq -r 'select(.stop != null) | [.stop, .why] | @tsv' "$T/short" | head -n 1)" \
    '^inactive	deactivated at .* \(--for\)$'

is "--preset pi: i as if active" \
    "$(ctl --json plan --next 10s --preset pi | jq -r '.stop // "ran"' | sort -u)" ran
is "--preset pi: only its tasks" \
    "$(ctl --json plan --next 10s --preset pi | jq -r .task | sort -u)" i
is "plan a r: only those" "$(ctl --json plan --next 10s a r | jq -r .task | sort -u | tr '\n' ' ')" "a r "
is "o starts at the hourly window's opening" \
    "$(ctl --json plan --next 1h o | jq -r '[.trigger, (.time | test(":00:00"))] | @tsv')" \
    "window:hourly	true"
like "berlin's time is in Europe/Berlin" \
    "$(ctl --json plan --next 2h berlin | jq -r .time | head -n 1)" \
    '^[0-9-]+T[0-9]{2}:00:00\+0[12]:00$'
out=$(ctl plan --next 2d 2>&1)
like "the cap: 10000 rows, then how many more" "$out" \
    '\.\.\. and [0-9]+ more \(the first 10000 are listed\)'
# past the rows a schedule's ticks are counted within a budget: a year
# of a minutely task (527 040) is not counted one by one in the loop
like "a year of a minutely task: at least N more" \
    "$(raw 'plan minutely -n 1 --next 366d' | tail -n 1)" \
    '^OK 1 run in the next 366d(0h)?, at least 100000 more not listed'
check "... and the daemon answers at once after it" wait_for 2 ctl ping
like "OK: chains are not listed" "$(raw 'plan --next 10s a')" \
    'OK [0-9]+ runs? in the next 10s; chained runs are not predictable and not listed'
like "bad --next: ERR usage" "$(raw 'plan --next 0s')" '^ERR usage --next 0s'
like "an unknown preset: ERR unknown-preset" "$(raw 'plan --preset nope')" \
    '^ERR unknown-preset no preset nope'
