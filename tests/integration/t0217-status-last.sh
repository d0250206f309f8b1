#!/bin/sh
# t0217-status-last: status keeps each task's last result across a
# restart of the daemon (issue 21 #5): history has it, and maintd reads
# every task's last run back from the store at start-up (one query for
# all tasks).  Text and --json status, and health's last_result, say
# after the restart what they said before it: ok, an exit code, a
# signal of a stopped run, a timeout; a run that never started (an
# error) keeps its reason; a run a killed daemon left open reads as
# abandoned, which is not a failure of the task.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 29

write_conf <<'EOF'
cgroup = off
task good { command = "/bin/true" }
task bad { command = "exit 3"  shell = true }
task slow { command = "/bin/sleep 1000" timeout = 1s }
task held { command = "/bin/sleep 1000" }
task nosuch { command = "/nonexistent/program" }
task never { command = "/bin/true" }
task svc { kind = service  command = "/bin/sleep 1000" }
EOF

# last TASK: the last run in --json status, without what changes with time
last() {
	ctl --json status "$1" | jq -c '.last | if . == null then null else
	    {run, trigger, pid, started, ended, duration_s, result, ok, exit,
	    signal, timed_out, failure, dry_run} end'
}

# text TASK: status's LAST column up to the duration ("exit 3, 0s")
text() {
	ctl status "$1" | awk 'NR == 2' | grep -oE '(exit [0-9]+|signal [A-Z]+( \(stopped\))?|timeout \([^)]*\)|abandoned: [^,]*|exec [^,]*|[^ ]*nonexistent[^,]*)'
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

check "daemon starts" start_fg
check "good runs" ctl run good --wait
ctl run bad --wait >/dev/null 2>&1
check "bad ran" test "$(ctl --json status bad | jq -r .last.result)" = "exit 3"
ctl run slow --wait >/dev/null 2>&1
check "slow timed out" test "$(ctl --json status slow | jq -r .last.timed_out)" = true
check "held runs" ctl run held
check "... running" wait_for 10 state_is held running
check "held stopped" ctl stop held
check "... idle" wait_for 10 state_is held idle
ctl run nosuch --wait >/dev/null 2>&1
check "nosuch could not start" test "$(ctl --json status nosuch | jq -r .last.failure)" != null

mkdir "$T/before"
for t in good bad slow held nosuch never; do
	last "$t" >"$T/before/$t"
	text "$t" >"$T/before/$t.text"
done
hbefore=$(ctl --json health bad 2>/dev/null | jq -r .last_result)
stop_daemon
check "daemon starts again" start_fg

is "good: the same last run in --json status" "$(last good)" "$(cat "$T/before/good")"
like "good: it is ok" "$(last good)" '"result":"exit 0","ok":true'
is "bad: the same last run" "$(last bad)" "$(cat "$T/before/bad")"
like "bad: exit 3" "$(last bad)" '"result":"exit 3","ok":false,"exit":3'
is "bad: the same in text ($(cat "$T/before/bad.text"))" "$(text bad)" "$(cat "$T/before/bad.text")"
is "bad: health's last_result too" "$(ctl --json health bad 2>/dev/null | jq -r .last_result)" "$hbefore"
is "slow: the same last run" "$(last slow)" "$(cat "$T/before/slow")"
like "slow: a timeout" "$(last slow)" '"timed_out":true'
is "held: the same last run" "$(last held)" "$(cat "$T/before/held")"
like "held: stopped by a signal" "$(last held)" '"signal":"TERM"'
is "held: the same in text ($(cat "$T/before/held.text"))" "$(text held)" "$(cat "$T/before/held.text")"
is "nosuch: the same last run" "$(last nosuch)" "$(cat "$T/before/nosuch")"
is "never: still no last run" "$(last never)" null

# a run a killed daemon left open: abandoned
check "activate svc" ctl activate svc
check "... running" wait_for 10 state_is svc running
rid=$(ctl --json status svc | jq -r .current.run)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
check "daemon starts after kill -9" start_fg
is "svc: its last run is the one left open" "$(ctl --json status svc | jq -r .last.run)" "$rid"
like "svc: abandoned" "$(ctl --json status svc | jq -r .last.result)" '^abandoned: '
is "svc: which is not a failure of the task" "$(ctl --json health svc | jq -r .status)" ok

done_testing
