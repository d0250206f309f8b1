#!/bin/sh
# t0102-kill: no maintenance process outlives its run.  A timeout and
# stop end the whole process group and the grandchildren that escaped it
# with setsid (kill_signal, then KILL after kill_grace for those that
# ignore it); what is left when a run's leader exits is killed; a run
# cannot be started twice; TERM to the daemon ends every task and the
# daemon exits 0 with nothing left running.
# Every process a task starts carries a marker, "sleep 9NNN.<this pid>",
# and is looked for with pgrep -f.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# ctl with a deadline: a daemon that never answers fails a point instead
# of hanging the file.
ctl() {
	timeout 60 "$MAINTCTL" -s "$SOCK" "$@"
}

plan 56

TAG=$$

# st TASK FILTER: a field of the task's status --json.
st() {
	ctl status --json "$1" | jq -r "$2"
}

st_is() {
	[ "$(st "$1" "$2")" = "$3" ]
}

# procs PREFIX: pids of the marked processes "sleep PREFIXn.TAG" (the
# task's sh -c whose command line holds such a marker included).
procs() {
	pgrep -f -- "sleep $1[0-9]\\.$TAG" | tr '\n' ' '
}

# count_is PREFIX N
count_is() {
	[ "$(pgrep -c -f -- "sleep $1[0-9]\\.$TAG")" -eq "$2" ]
}

none() {
	! pgrep -f -- "sleep $1[0-9]\\.$TAG" >/dev/null
}

# the pid of the escaped "setsid sleep MARK.TAG"
pid_of() {
	pgrep -x -f -- "sleep $1\\.$TAG"
}

# escaped PID: it leads its own session (it left the run's group).
escaped() {
	[ "$(ps -o sid= -p "$1" | tr -d ' ')" = "$1" ]
}

now_ms() {
	date +%s%3N
}

# Whatever this file started and the daemon missed, by pid.
kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

write_conf <<EOF
task tmo {
	command = "sleep 9001.$TAG & setsid sleep 9002.$TAG & sleep 9003.$TAG"
	shell = true
	timeout = 3s
}
task tmostub {
	command = "trap '' TERM; sleep 9011.$TAG & setsid sleep 9012.$TAG & sleep 9013.$TAG"
	shell = true
	timeout = 1s
}
task stopme {
	command = "sleep 9021.$TAG & setsid sleep 9022.$TAG & sleep 9023.$TAG"
	shell = true
}
task stopstub {
	command = "trap '' TERM; sleep 9031.$TAG & setsid sleep 9032.$TAG & sleep 9033.$TAG"
	shell = true
}
task leave {
	command = "sleep 9041.$TAG & setsid sleep 9042.$TAG & echo done"
	shell = true
}
task leavestub {
	command = "trap '' TERM; sleep 9043.$TAG & echo done"
	shell = true
}
task usr1 {
	command = "sleep 9051.$TAG & sleep 9052.$TAG"
	shell = true
	kill_signal = USR1
}
EOF

check "daemon starts" start_fg

# --- timeout ----------------------------------------------------------------

ctl run tmo --wait >"$T/tmo.out" 2>"$T/tmo.err" &
waiter=$!
EXTRA_PIDS="$EXTRA_PIDS $waiter"
check "timeout: the task and its grandchildren run (4 processes)" \
    wait_for 20 count_is 900 4
p=$(pid_of 9002)
check "timeout: the setsid grandchild has left the group" escaped "${p:-0}"
check "timeout: run --wait returns" wait_for 20 gone "$waiter"
wait "$waiter"
is "timeout: maintctl exits 1" "$?" 1
like "timeout: ERR timeout, with the signal that ended it" \
    "$(cat "$T/tmo.err")" \
    '^maintctl: timeout: timeout \(signal TERM\) after [0-9]+s$'
check "timeout: task, grandchildren and the escaped one are gone" \
    wait_for 20 none 900
is "timeout: recorded as timed out" "$(st tmo .last.timed_out)" true
is "timeout: state idle again" "$(st tmo .state)" idle

t0=$(now_ms)
ctl run tmostub --wait >"$T/o" 2>"$T/e"
is "timeout, TERM ignored: maintctl exits 1" "$?" 1
t1=$(now_ms)
like "timeout, TERM ignored: ended by KILL" "$(cat "$T/e")" \
    '^maintctl: timeout: timeout \(signal KILL\) after [0-9]+s$'
check "timeout, TERM ignored: KILL only after timeout + kill_grace ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 2900
check "timeout, TERM ignored: everything is gone" wait_for 20 none 901

# --- stop -------------------------------------------------------------------

ctl run stopme >"$T/o" 2>"$T/e"
is "run without --wait: exit 0" "$?" 0
pid=$(st stopme .current.pid)
like "run without --wait: says run and pid" "$(cat "$T/o")" \
    "^stopme: run [0-9]+ started, pid $pid\$"
check "stop: the task and its grandchildren run (4 processes)" \
    wait_for 20 count_is 902 4
p=$(pid_of 9022)
check "stop: the setsid grandchild has left the group" escaped "${p:-0}"
is "running: state running" "$(st stopme .state)" running

ctl run stopme >"$T/o" 2>"$T/e"
is "second run while running: exit 1" "$?" 1
is "second run while running: ERR state, with the pid" "$(cat "$T/e")" \
    "maintctl: state: stopme already running (pid $pid)"

ctl stop stopme >"$T/o" 2>"$T/e"
is "stop: exit 0" "$?" 0
like "stop: says which run" "$(cat "$T/o")" \
    "^stopme: stopping run [0-9]+ \\(pid $pid\\)\$"
check "stop: task, grandchildren and the escaped one are gone" \
    wait_for 20 none 902
check "stop: state idle" wait_for 20 st_is stopme .state idle
is "stop: the run ended by TERM" "$(st stopme .last.signal)" TERM
is "stop: not a timeout" "$(st stopme .last.timed_out)" false

ctl stop stopme >"$T/o" 2>"$T/e"
is "stop when not running: exit 1" "$?" 1
like "stop when not running: ERR state" "$(cat "$T/e")" \
    '^maintctl: state: stopme is not running'

check "stop, TERM ignored: run starts" ctl run stopstub
check "stop, TERM ignored: 4 processes" wait_for 20 count_is 903 4
t0=$(now_ms)
check "stop, TERM ignored: stop answers" ctl stop stopstub
is "stop, TERM ignored: state stopping during kill_grace" \
    "$(st stopstub .state)" stopping
check "stop, TERM ignored: everything is gone" wait_for 20 none 903
t1=$(now_ms)
check "stop, TERM ignored: KILL came after kill_grace ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 1900
check "stop, TERM ignored: state idle" wait_for 20 st_is stopstub .state idle
is "stop, TERM ignored: the run ended by KILL" \
    "$(st stopstub .last.signal)" KILL

check "kill_signal USR1: run starts" ctl run usr1
check "kill_signal USR1: 3 processes" wait_for 20 count_is 905 3
check "kill_signal USR1: stop answers" ctl stop usr1
check "kill_signal USR1: everything is gone" wait_for 20 none 905
check "kill_signal USR1: state idle" wait_for 20 st_is usr1 .state idle
is "kill_signal USR1: the run ended by USR1" "$(st usr1 .last.signal)" USR1

# --- leftovers once the leader has exited -----------------------------------

ctl run leave --wait >"$T/o" 2>"$T/e"
is "leader exits 0, children left: the run is OK" "$?" 0
check "leftovers, escaped one included, are killed" wait_for 20 none 904
check "leftovers: state idle" wait_for 20 st_is leave .state idle

ctl run leavestub --wait >"$T/o" 2>"$T/e"
is "leader exits 0, a child ignores TERM: the run is OK" "$?" 0
check "a leftover that ignores TERM is killed too" wait_for 20 none 904

# --- daemon shutdown --------------------------------------------------------

stop_daemon
write_conf <<EOF
task svc {
	kind = service
	command = "sleep 9061.$TAG & setsid sleep 9062.$TAG & sleep 9063.$TAG"
	shell = true
}
task svcstub {
	kind = service
	command = "trap '' TERM; sleep 9064.$TAG & setsid sleep 9065.$TAG & sleep 9066.$TAG"
	shell = true
}
task one {
	command = "/bin/sleep 9067.$TAG"
}
EOF
check "shutdown: daemon starts" start_fg
check "shutdown: svc activated" ctl activate svc
check "shutdown: svcstub activated" ctl activate svcstub
check "shutdown: one runs" ctl run one
check "shutdown: all 9 processes run" wait_for 20 count_is 906 9
pid=$DAEMON_PID
t0=$(now_ms)
kill -TERM "$pid"
check "shutdown: the daemon exits after TERM" wait_for 20 gone "$pid"
t1=$(now_ms)
wait "$pid"
is "shutdown: exit status 0" "$?" 0
DAEMON_PID=""
left=$(procs 906)
is "shutdown: no process of any task is left" "$left" ""
check "shutdown: took at least kill_grace for the one ignoring TERM ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 1900

done_testing
