#!/bin/sh
# t0309-ledger: the expected-run ledger and the dead-man (issue 23, §2).
# Every tick of an active periodic task gets one outcome, "ran" (with its
# run) or "missed" with one reason:
#  - daemon-down: a daemon stopped (TERM) and one killed (-9) across at
#    least three ticks of an every = 1s task: at start-up exactly the
#    ticks from the one after the last recorded to the last before the
#    start are daemon-down rows, one each;
#  - overlap: a tick while the previous run goes on (overlap = skip), and
#    one while a run is already queued (overlap = queue), whose queued
#    tick runs when the running run ends;
#  - guard: a tick that waited for start_when until its next tick;
#  - budget: one that waited for room in max_weight until its next tick;
#  - conflict: a tick while a task that a reload made conflict with it
#    runs;
#  - halted: the tick waiting when stop-all came;
#  - window-closed: the tick waiting when the window that activated the
#    task closed (a window made at run time, opening at the next minute).
# No tick has two outcomes.  late_after: a late event, status and health
# say so, metrics too, and the first success emits recovered.  ledger's
# options (--missed, -n, --since, a task), status MISSED and
# maintd_task_missed_total; rows older than history_retention pruned.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 64

now() {
	date +%s.%3N
}

past() {
	awk -v t="$1" -v n="$(now)" 'BEGIN { exit !(n >= t) }'
}

plus() {
	awk -v t="$1" -v d="$2" 'BEGIN { printf "%.3f", t + d }'
}

# rows TASK: its ledger rows as JSON lines, oldest first
rows() {
	ctl --json ledger "$1" -n 100000 | jq -sc 'reverse[]'
}

# has_row TASK JQ-FILTER: a ledger row of TASK passes the filter
has_row() {
	[ -n "$(rows "$1" | jq -c "select($2)")" ]
}

# nrows TASK JQ-FILTER
nrows() {
	rows "$1" | jq -c "select($2)" | wc -l | tr -d ' '
}

# ticks TASK JQ-FILTER: the ticks of the rows that pass, in seconds
ticks() {
	rows "$1" | jq -r "select($2) | .tick" | while read -r tk; do
		date -d "$tk" +%s
	done
}

# started: when the newest daemon started (its "started" event), in seconds
started() {
	date -d "$(ctl --json events -n 100000 | jq -r 'select(.event == "started") | .time' |
	    tail -n 1)" +%s
}

ran_since() {
	[ "$(nrows "$1" ".outcome == \"ran\" and (.tick > \"$2\")")" -ge "$3" ]
}

# down_ok TASK FROM: the daemon-down rows found at the last start (ticks
# after FROM) are the ticks L+1 .. K, one each, where L is the newest
# tick recorded before them and K the last tick before the start; at
# least three.  Prints why not.
down_ok() {
	d=$(ticks "$1" ".detail == \"maintd was not running\"" | awk -v f="$2" '$1 > f')
	first=$(printf '%s\n' "$d" | head -n 1)
	last=$(printf '%s\n' "$d" | tail -n 1)
	n=$(printf '%s\n' "$d" | grep -c .)
	l=$(ticks "$1" true | awk -v f="$first" '$1 < f' | sort -n | tail -n 1)
	s=$(started)
	want=$(seq $((l + 1)) "$last")
	if [ "$d" != "$want" ] || [ "$n" -lt 3 ] || [ "$last" -gt "$s" ] ||
	    [ "$last" -lt $((s - 1)) ] ||
	    [ "$(ticks "$1" true | sort | uniq -d)" != "" ]; then
		echo "daemon-down ticks: $(echo "$d" | tr '\n' ' ')"
		echo "the last one before them: $l; started at $s; n = $n"
		return 1
	fi
}

echo 1 >"$T/lt.exit"
write_conf <<EOF
max_weight = 4
task tick { command = "/bin/true"  every = 1s }
task slow { command = "/bin/sleep 2.5"  every = 1s }
task q { command = "/bin/sleep 2.5"  every = 1s  overlap = queue }
task g { command = "/bin/true"  every = 1s  start_when = { "load1 > 100000" } }
task b { command = "/bin/true"  every = 1s  weight = 2 }
task hog { command = "/bin/sleep 60"  weight = 3 }
task lt { command = "exit \$(cat $T/lt.exit)"  shell = true  every = 1s  late_after = 2s }
task once { command = "/bin/true" }
task c { command = "/bin/true"  every = 1s  weight = 0 }
task w { command = "/bin/true"  every = 1s  weight = 0  start_when = { "load1 > 100000" } }
preset pw { tasks = { "w" } }
task o { command = "/bin/sleep 60"  weight = 0 }
EOF

out=$(printf 'task o2 { command = "/bin/true"  late_after = 1h }\n' >>"$CONF";
    "$MAINTD" -n -c "$CONF" 2>&1)
like "late_after of a oneshot: a config error with its line" "$out" \
    "$CONF:[0-9]+: task o2: late_after is for periodic tasks"
sed -i '$d' "$CONF"

check "daemon starts" start_fg

# --- daemon-down: stopped by TERM across three ticks -------------------

check "activate tick" ctl activate tick
check "tick runs twice" wait_for 10 ran_since tick "" 2
stop_daemon
s=$(now)
check "3.5 s pass with the daemon down" wait_for 15 past "$(plus "$s" 3.5)"
check "daemon starts again" start_fg
check "after TERM: a daemon-down row for each tick missed, exactly" down_ok tick 0
diag "$(ctl ledger tick -n 8)"
n=$(nrows tick '.reason == "daemon-down"')
is "status: MISSED counts them" "$(ctl --json status tick | jq -r .missed)" "$n"
like "metrics: maintd_task_missed_total" "$(ctl metrics)" \
    "maintd_task_missed_total\\{task=\"tick\",reason=\"daemon-down\"\\} $n"

# --- daemon-down: killed (-9) -----------------------------------------

mark=$(ticks tick true | tail -n 1)
check "activate tick again" ctl activate tick
check "it runs" wait_for 10 ran_since tick "$(ctl --json ledger tick -n 1 | jq -r .tick)" 1
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
s=$(now)
check "3.5 s pass with the daemon dead" wait_for 15 past "$(plus "$s" 3.5)"
check "daemon starts after the crash" start_fg
check "after kill -9: a daemon-down row for each tick missed, exactly" down_ok tick "$mark"
is "the crash's activation is gone: tick is inactive" \
    "$(ctl --json status tick | jq -r .active)" false

# --- overlap ------------------------------------------------------------

check "activate slow and q" ctl -y activate slow q
check "slow: a tick while its run goes on is missed (overlap)" wait_for 10 \
    has_row slow '.reason == "overlap" and .detail == "the previous run is still going"'
check "q: a tick while one is queued is missed (overlap)" wait_for 10 \
    has_row q '.reason == "overlap" and .detail == "a run is queued behind the one still going"'
check "q: the queued tick runs when the run before it ends" wait_for 10 \
    ran_since q "" 2
check "deactivate slow and q" ctl -y deactivate slow q

# --- guard and budget -----------------------------------------------------

check "activate g" ctl activate g
check "g: its tick waited for start_when until the next one (guard)" \
    wait_for 10 has_row g '.reason == "guard" and (.detail | startswith("it waited until its next tick"))'
check "activate b" ctl activate b
check "b runs" wait_for 10 ran_since b "" 1
check "run hog (it fills the budget)" wait_for 10 ctl run hog
check "b: its tick waited for the budget until the next one" wait_for 10 \
    has_row b '.reason == "budget"'
check "stop hog" ctl stop hog

# --- late_after ------------------------------------------------------------

check "activate lt (it fails)" ctl activate lt
check "lt is late after 2 s without success" wait_for 10 sh -c \
    "'$MAINTCTL' -s '$SOCK' --json status lt | jq -e .late"
like "a late event" "$(ctl --json events --task lt | jq -r .event)" late
like "status: STATE says late" "$(ctl status lt)" 'lt +periodic +active +[a-z]+, late'
check_fails "health: degraded" ctl health
like "... naming lt" "$(ctl --json health 2>/dev/null | jq -r .reason)" '1 late task .*: lt'
like "metrics: maintd_task_late 1" "$(ctl metrics)" 'maintd_task_late\{task="lt"\} 1'
echo 0 >"$T/lt.exit"
check "a success: recovered" wait_for 10 sh -c \
    "'$MAINTCTL' -s '$SOCK' --json events --task lt | jq -e 'select(.event == \"recovered\") | .detail.late'"
is "lt is late no more" "$(ctl --json status lt | jq -r .late)" false
check "health no longer names lt" sh -c \
    "! '$MAINTCTL' -s '$SOCK' --json health | jq -r .reason | grep -q late"
check "deactivate lt" ctl deactivate lt

# --- conflict: a reload made c conflict with o while o runs -----------------

check "activate c" ctl activate c
check "run o" ctl run o
sed -i 's/^task c { command = "\/bin\/true"  every = 1s  weight = 0 }$/task c { command = "\/bin\/true"  every = 1s  weight = 0  conflicts = { "o" } }/' "$CONF"
check "reload: c conflicts with o now (c stays active)" ctl reload
check "c: its tick is missed (conflict), naming o" wait_for 10 has_row c \
    '.reason == "conflict" and (.detail | test("^c conflicts with o, which is running"))'
check "stop o" ctl stop o
check "deactivate c" ctl deactivate c

# --- halted: the tick waiting when stop-all comes -------------------------

check "run hog again" wait_for 10 ctl run hog
check "b waits for the budget" wait_for 10 sh -c \
    "'$MAINTCTL' -s '$SOCK' --json status b | jq -e '.waiting != null'"
check "stop-all" ctl -y stop-all
check "b's waiting tick: halted" wait_for 10 has_row b '.reason == "halted"'
check "g's waiting tick: halted" wait_for 10 has_row g '.reason == "halted"'
check "resume" ctl resume

# --- window-closed: the window that activated it closes while a tick waits -

# a window made now, opening at the next minute (8 s ahead at least),
# for 3 s: w's ticks wait for start_when, the one waiting at its end
# is window-closed
n=$(date +%s)
open=$(((n / 60 + 1) * 60))
[ $((open - n)) -lt 8 ] && open=$((open + 60))
check "window create ww (at $(date -d "@$open" +%H:%M), 3 s)" ctl window create ww \
    --preset pw --cron "$(date -d "@$open" '+%M %H %d %m *')" --duration 3s
check "the window activates w" wait_for 75 sh -c \
    "'$MAINTCTL' -s '$SOCK' --json status w | jq -e .active"
check "w: the tick waiting when the window closed: window-closed" wait_for 15 \
    has_row w '.reason == "window-closed"'
check "window delete ww" ctl window delete ww

# --- no tick twice; the ledger verb ----------------------------------------

for t in tick slow q g b lt c w; do
	dup=$(ticks "$t" true | sort | uniq -d)
	[ -n "$dup" ] && break
done
is "no tick has two outcomes" "$dup" ""
is "--missed: only missed rows" \
    "$(ctl --json ledger --missed -n 100000 | jq -r .outcome | sort -u)" missed
is "-n 1: one row" "$(ctl --json ledger -n 1 | wc -l | tr -d ' ')" 1
is "--since: none in the future" \
    "$(ctl --json ledger --since "$(date -d '+1 hour' +%Y-%m-%dT%H:%M:%S%:z)" | wc -l | tr -d ' ')" 0
like "the table" "$(ctl ledger q -n 3)" '^TICK +TASK +OUTCOME +REASON +RUN +DETAIL'
is "a ran row's run is the task's" \
    "$(ctl --json history q -n 100 | jq -r .run | grep -cx "$(ctl --json ledger q --since 1h |
    jq -r 'select(.outcome == "ran") | .run' | head -n 1)")" 1
like "an unknown task" "$(raw 'ledger nosuch')" '^ERR unknown-task'
is "a oneshot has no ticks" "$(ctl run once --wait >/dev/null; ctl --json ledger once | wc -l | tr -d ' ')" 0

# --- pruning: rows older than history_retention go ------------------------

stop_daemon
sed -i 's/^max_weight = 4$/max_weight = 4\nhistory_retention = 2s/' "$CONF"
check "daemon starts with history_retention = 2s" start_fg
s=$(started)
is "older ledger rows are pruned" \
    "$(ticks tick true | awk -v s="$s" '$1 < s - 3' | wc -l | tr -d ' ')" 0

stop_daemon
done_testing
