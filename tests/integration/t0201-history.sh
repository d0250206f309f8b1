#!/bin/sh
# t0201-history: the runs table (DESIGN §7, maintctl(8) "history").  One
# row per run with the documented fields for an ok, a failed (exit and
# signal), a timed-out, a stopped, a dry and an exec-failure run, and a
# run still going; the run id is the child's MAINTD_RUN_ID; newest first;
# TASK, -n, --since in each TIME form, the default of 20 rows; errors;
# the table; every --json line parses and has exactly the documented keys.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 92

TAG=$$
KEYS='["run","task","trigger","pid","dry_run","started","ended","duration_s","result","exit","signal","summary","cpu_s","maxrss_kb","cpu_user_s","cpu_system_s","memory_peak_bytes","io_read_bytes","io_write_bytes","cpu_pressure_some_s","cpu_pressure_full_s","memory_pressure_some_s","memory_pressure_full_s","io_pressure_some_s","io_pressure_full_s","source","memory_source","io_source"]'
STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(Z|[+-][0-9]{2}:[0-9]{2})$'

st() {
	ctl status --json "$1" | jq -r "$2"
}

# h TASK FILTER: a field of the task's newest history row (JSON).
h() {
	ctl --json history "$1" -n 1 | jq -r "$2"
}

h_is() {
	[ "$(h "$1" "$2")" = "$3" ]
}

# ms TIME: an RFC 3339 time in ms since the epoch.
ms() {
	date -d "$1" +%s%3N
}

# ended_after TASK: the newest run's ended is not before its started.
ended_after() {
	s=$(ms "$(h "$1" .started)")
	e=$(ms "$(h "$1" .ended)")
	[ "$e" -ge "$s" ] || {
		echo "started $(h "$1" .started) ended $(h "$1" .ended)"
		return 1
	}
}

# rows ARGS...: how many rows history --json gives.
rows() {
	ctl --json history "$@" | wc -l | tr -d ' '
}

# json_ok ARGS...: every line of history --json parses and has exactly
# the documented keys, in order.
json_ok() {
	ctl --json history "$@" >"$T/j" || return 1
	[ -s "$T/j" ] || { echo "no rows"; return 1; }
	jq -se --argjson k "$KEYS" 'all(.[]; keys_unsorted == $k)' "$T/j"
}

second_passed() {
	[ "$(date +%s)" -gt "$1" ]
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

write_conf <<EOF
task ok { command = "echo run \$MAINTD_RUN_ID" shell = true }
task three { command = "exit 3" shell = true }
task killed { command = "kill -KILL \$\$" shell = true }
task slow { command = "exec sleep 9201.$TAG" shell = true timeout = 1s }
task long { command = "exec sleep 9202.$TAG" shell = true }
task nosuch { command = "/no/such/program" }
task dry { command = "/bin/true" dry_run = true }
task many { command = "/bin/true" }
EOF

check "daemon starts" start_fg

# --- one row per kind of run ------------------------------------------------

check "ok: run" ctl run ok --wait
id=$(st ok .last.run)
is "ok: the row's run is the run id" "$(h ok .run)" "$id"
is "ok: the run id is the child's MAINTD_RUN_ID" \
    "$(sed -n 's/^[^ ]* \[[0-9]*\] run //p' "$T/log/ok.log")" "$id"
is "ok: task, trigger, result, exit, signal, summary" \
    "$(h ok '[.task, .trigger, .result, .exit, .signal, .summary] | tostring')" \
    '["ok","manual","ok",0,null,"exit 0"]'
is "ok: pid as in status" "$(h ok .pid)" "$(st ok .last.pid)"
is "ok: not a dry run" "$(h ok '.dry_run == 0 or .dry_run == false')" true
like "ok: started is RFC 3339 with ms" "$(h ok .started)" "$STAMP"
like "ok: ended is RFC 3339 with ms" "$(h ok .ended)" "$STAMP"
check "ok: ended is not before started" ended_after ok
is "ok: duration_s a number, small" \
    "$(h ok '.duration_s | type == "number" and . >= 0 and . < 10')" true
is "ok: cpu_s a number >= 0" "$(h ok '.cpu_s | type == "number" and . >= 0')" \
    true
is "ok: maxrss_kb a positive integer" \
    "$(h ok '.maxrss_kb | type == "number" and . > 0 and . == floor')" true
check "ok: --json has exactly the documented keys" json_ok ok -n 1

ctl run three --wait >/dev/null 2>&1
is "exit 3: result failed, exit 3, no signal, summary" \
    "$(h three '[.result, .exit, .signal, .summary] | tostring')" \
    '["failed",3,null,"exit 3"]'
check "exit 3: ended is not before started" ended_after three

ctl run killed --wait >/dev/null 2>&1
is "killed: result failed, no exit, signal KILL, summary" \
    "$(h killed '[.result, .exit, .signal, .summary] | tostring')" \
    '["failed",null,"KILL","signal KILL"]'

ctl run slow --wait >/dev/null 2>&1
is "timeout: result timeout, no exit, signal TERM, summary" \
    "$(h slow '[.result, .exit, .signal, .summary] | tostring')" \
    '["timeout",null,"TERM","timeout (signal TERM)"]'
is "timeout: duration_s about the 1s timeout" \
    "$(h slow '.duration_s >= 1 and .duration_s < 10')" true
check "timeout: ended is not before started" ended_after slow

ctl run nosuch --wait >/dev/null 2>&1
is "exec failure: result error, no exit, no signal" \
    "$(h nosuch '[.result, .exit, .signal] | tostring')" '["error",null,null]'
is "exec failure: summary says why" "$(h nosuch .summary)" \
    "exec failed: /no/such/program: No such file or directory"
like "exec failure: ended set" "$(h nosuch .ended)" "$STAMP"
check "exec failure: --json has exactly the documented keys" \
    json_ok nosuch -n 1

check "dry: run --dry-run" ctl run dry --dry-run --wait
is "dry: recorded as a dry run" "$(h dry '.dry_run == 1 or .dry_run == true')" \
    true
is "dry: result ok" "$(h dry .result)" ok

check "long: run" ctl run long
lid=$(st long .current.run)
is "long, running: listed, with its pid" "$(h long '[.run, .pid] | tostring')" \
    "[$lid,$(st long .current.pid)]"
is "long, running: ended, result, exit, signal, duration_s all null" \
    "$(h long '[.ended, .result, .exit, .signal, .duration_s] | tostring')" \
    '[null,null,null,null,null]'
like "long, running: started set" "$(h long .started)" "$STAMP"
check "long, running: --json has exactly the documented keys" \
    json_ok long -n 1
check "long: stop" ctl stop long
check "long: the row ends as stopped" wait_for 20 h_is long .result stopped
is "long: same run, signal TERM, no exit" \
    "$(h long '[.run, .exit, .signal] | tostring')" "[$lid,null,\"TERM\"]"

# --- selection and order ----------------------------------------------------

ctl --json history >"$T/all"
is "newest first: run ids decrease" \
    "$(jq -s '[.[].run] == ([.[].run] | sort | reverse)' "$T/all")" true
is "no TASK: every task's runs (7 so far)" "$(wc -l <"$T/all" | tr -d ' ')" 7
is "TASK: only that task's rows" \
    "$(ctl --json history three | jq -r .task | sort -u)" three
is "-n 2: two rows" "$(rows -n 2)" 2
is "-n 2: the two newest" "$(ctl --json history -n 2 | jq -r .run | tr '\n' ' ')" \
    "$(jq -r .run "$T/all" | head -2 | tr '\n' ' ')"
check "every row: exactly the documented keys" json_ok

i=0
while [ "$i" -lt 22 ]; do
	ctl run many --wait >/dev/null 2>&1 || break
	i=$((i + 1))
done
is "22 runs of many" "$i" 22
is "default: 20 rows" "$(rows)" 20
is "default with TASK: 20 rows" "$(rows many)" 20
is "-n 100 with TASK: all 22" "$(rows many -n 100)" 22
is "-n 100: all 29" "$(rows -n 100)" 29
is "-n 100000 (the most) is accepted" "$(rows -n 100000)" 29

ctl history -n 0 >"$T/o" 2>"$T/e"
is "-n 0: usage error, exit 2" "$?" 2
like "-n 0: says why" "$(cat "$T/e")" '^maintctl: usage: -n 0'
ctl history -n x >/dev/null 2>&1
is "-n x: exit 2" "$?" 2
ctl history -n 100001 >/dev/null 2>&1
is "-n 100001: exit 2" "$?" 2
ctl history nosuchtask >"$T/o" 2>"$T/e"
is "unknown task: exit 1" "$?" 1
like "unknown task: ERR unknown-task" "$(cat "$T/e")" '^maintctl: unknown-task: '
like "raw: unknown task" "$(raw 'history nosuchtask')" '^ERR unknown-task '

# --- --since ----------------------------------------------------------------

# a run, then a later whole second, then another run: --since that
# second lists the second run and not the first.
ctl run ok --wait >/dev/null
a=$(h ok .run)
s0=$(date +%s)
check "a new second begins" wait_for 5 second_passed "$s0"
since=$(date +%s)
ctl run ok --wait >/dev/null
b=$(h ok .run)

since_runs() {
	ctl --json history ok --since "$1" | jq -r .run | tr '\n' ' '
}

is "--since RFC 3339 Z: the later run only" \
    "$(since_runs "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)")" "$b "
is "--since RFC 3339 with a fraction" \
    "$(since_runs "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%S.000Z)")" "$b "
is "--since RFC 3339 with an offset (+02:00)" \
    "$(since_runs "$(date -u -d "@$((since + 7200))" +%Y-%m-%dT%H:%M:%S+02:00)")" \
    "$b "
is "--since RFC 3339 with a negative offset (-05:30)" \
    "$(since_runs "$(date -u -d "@$((since - 19800))" +%Y-%m-%dT%H:%M:%S-05:30)")" \
    "$b "
is "--since local YYYY-MM-DD HH:MM:SS" \
    "$(since_runs "$(date -d "@$since" '+%Y-%m-%d %H:%M:%S')")" "$b "
astart=$(($(ms "$(ctl --json history ok -n 2 | tail -1 | jq -r .started)") / 1000))
is "--since the second the first run started: both runs" \
    "$(since_runs "$(date -u -d "@$astart" +%Y-%m-%dT%H:%M:%SZ)" |
    tr ' ' '\n' | grep -cx -e "$a" -e "$b")" 2
is "--since 1h: all 3 ok runs" "$(rows ok --since 1h)" 3
is "--since 1h -n 2: at most 2" "$(rows ok --since 1h -n 2)" 2
is "--since 1h, every task: more than the default 20" "$(rows --since 1h)" 31
is "--since in the future: no row" \
    "$(rows --since 2099-01-01T00:00:00Z)" 0
like "--since in the future: OK 0 runs" \
    "$(raw 'history --since 2099-01-01T00:00:00Z')" '^OK 0 runs$'
bstart=$(($(ms "$(h ok .started)") / 1000))
check "three seconds after the last run" wait_for 10 second_passed \
    "$((bstart + 2))"
is "--since 1s (a duration ago): no row" "$(rows --since 1s)" 0
is "--since 1h30m: every row" "$(rows --since 1h30m)" 31
ctl history --since tomorrow >"$T/o" 2>"$T/e"
is "--since tomorrow: exit 2" "$?" 2
like "--since tomorrow: usage error naming the forms" "$(cat "$T/e")" \
    '^maintctl: usage: --since tomorrow: not a time'
ctl history --since 2026-13-01T00:00:00Z >/dev/null 2>&1
is "--since month 13: exit 2" "$?" 2
ctl history --since 2026-11-01T00:00:00+0200 >/dev/null 2>&1
is "--since offset without colon: exit 2" "$?" 2

# --- the table and the raw protocol -----------------------------------------

ctl history -n 3 >"$T/table"
is "table: header" "$(head -1 "$T/table" | tr -s ' ')" \
    "RUN TASK TRIGGER STARTED DURATION RESULT CPU PEAK MEM IO R/W"
is "table: 3 rows" "$(($(wc -l <"$T/table")))" 4
ctl history three >"$T/table"
like "table: the exit 3 row" "$(sed -n 2p "$T/table")" \
    "^[0-9]+ +three +manual +[0-9T:.+-]+ +[0-9.e-]+ +exit 3 +[0-9.e-]+ +[0-9.]+[BKMG] +[0-9.]+[BKMG]?/[0-9.]+[BKMG]? *\$"
ctl history slow >"$T/table"
like "table: the timeout row" "$(sed -n 2p "$T/table")" \
    ' slow +manual .* timeout \(signal TERM\) '
ctl history nosuch >"$T/table"
like "table: the exec failure row" "$(sed -n 2p "$T/table")" \
    ' nosuch +manual .* exec failed: /no/such/program: No such file or directory '
r=$(raw 'history three --json')
is "raw: data lines then OK 1 run" \
    "$(printf '%s\n' "$r" | sed "s/ .*//" | tr '\n' ' ')" "- OK "
is "raw: the payload is the JSON row" \
    "$(printf '%s\n' "$r" | sed -n 's/^- //p' | jq -r '[.task, .result] | tostring')" \
    '["three","failed"]'
like "raw: final line" "$(printf '%s\n' "$r" | tail -1)" '^OK 1 run$'
like "raw: verb case-insensitive, -n=1 form" "$(raw 'HISTORY -n 1 --json' | tail -1)" \
    '^OK 1 run$'

# --- activation as the trigger ----------------------------------------------

check "activate ok" ctl activate ok
check "activate: the run ends" wait_for 10 h_is ok .trigger activate
is "activate: that row is ok" "$(h ok .result)" ok
check "deactivate ok" ctl deactivate ok

# --- rows survive a restart -------------------------------------------------

before=$(ctl --json history -n 100000 | jq -c 'del(.pid)' | md5sum)
stop_daemon
check "daemon starts again" start_fg
is "restart: the same rows" \
    "$(ctl --json history -n 100000 | jq -c 'del(.pid)' | md5sum)" "$before"
check "restart: a new run gets a new, larger id" ctl run ok --wait
is "restart: new id above every old one" \
    "$(ctl --json history -n 2 | jq -s '.[0].run > .[1].run')" true
is "restart: ... the next one after them (the counter goes on)" \
    "$(ctl --json history -n 2 | jq -s '.[0].run - .[1].run')" 1
check_fails "restart: the store stayed healthy" sh -c \
    "grep -q 'UNIQUE' '$T/daemon.log'"

done_testing
