#!/bin/sh
# t0103-services: activation and services.  A service starts on
# activation and is restarted by its restart policy with delays growing
# from backoff[0] (doubling up to backoff[1]); it gets restart_limit
# quick restarts in a row, then is "failed" until restart or
# reactivation.  Deactivation, restart and --for / auto_deactivate end
# the whole process group, grandchildren that escaped it included.
# Processes carry a marker, "sleep 9NNN.<this pid>", found with pgrep -f.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# ctl with a deadline: a daemon that never answers fails a point instead
# of hanging the file.
ctl() {
	timeout 60 "$MAINTCTL" -s "$SOCK" "$@"
}

plan 97

TAG=$$

st() {
	ctl status --json "$1" | jq -r "$2"
}

st_is() {
	[ "$(st "$1" "$2")" = "$3" ]
}

count_is() {
	[ "$(pgrep -c -f -- "sleep $1[0-9]\\.$TAG")" -eq "$2" ]
}

none() {
	! pgrep -f -- "sleep $1[0-9]\\.$TAG" >/dev/null
}

pid_of() {
	pgrep -x -f -- "sleep $1\\.$TAG"
}

# new_pid TASK OLD: the task runs, with a pid other than OLD.
new_pid() {
	p=$(st "$1" .pid)
	[ "$p" != null ] && [ "$p" != "$2" ]
}

# refused REGEX VERB ARGS...: maintctl fails, its stderr matching REGEX.
refused() {
	re=$1
	shift
	! ctl "$@" 2>"$T/refused" && grep -Eq -- "$re" "$T/refused"
}

now_ms() {
	date +%s%3N
}

# lines TASK: the output lines of every run of TASK, from its log file.
lines() {
	sed 's/^[^ ]* \[[0-9]*\] //' "$T/log/$1.log" 2>/dev/null
}

# nlines_ge TASK N: at least N output lines so far.
nlines_ge() {
	[ "$(lines "$1" | grep -c .)" -ge "$2" ]
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

write_conf <<EOF
task slowstop {
	kind = service
	command = "trap '' TERM; sleep 9131.$TAG"
	shell = true
}
task slowone {
	command = "trap '' TERM; echo go; sleep 9132.$TAG"
	shell = true
}
task crash {
	kind = service
	command = "date +%s.%N; exit 1"
	shell = true
	backoff = { 300ms, 5s }
	restart_limit = 4
}
task okexit {
	kind = service
	command = "echo up; exit 0"
	shell = true
	backoff = { 100ms, 1s }
}
task always {
	kind = service
	command = "echo up; exit 0"
	shell = true
	restart = always
	backoff = { 100ms, 1s }
	restart_limit = 2
}
task never {
	kind = service
	command = "echo up; exit 1"
	shell = true
	restart = never
	backoff = { 100ms, 1s }
}
task svc {
	kind = service
	command = "sleep 9121.$TAG & setsid sleep 9122.$TAG & sleep 9123.$TAG"
	shell = true
	backoff = { 100ms, 1s }
}
task fortask {
	kind = service
	command = "sleep 9101.$TAG & setsid sleep 9102.$TAG & sleep 9103.$TAG"
	shell = true
}
task autod {
	kind = service
	command = "sleep 9111.$TAG & sleep 9112.$TAG"
	shell = true
	auto_deactivate = 4s
}
task once { command = "echo ran" shell = true }
EOF

check "daemon starts" start_fg

# --- crash loop: growing delays, then failed --------------------------------

check "crash: activate" ctl activate crash
check "crash: state failed after the crash loop" \
    wait_for 30 st_is crash .state failed
is "crash: restart_limit (4) restarts, 5 starts in all" \
    "$(lines crash | grep -c .)" 5
lines crash >"$T/starts"
# gaps between starts: each at least its backoff, 0.3, 0.6, 1.2, 2.4 (a
# start is stamped after the previous one, and the delay only begins once
# that run has ended; 50 ms slack for clocks), and not much more: the
# lower bounds double, so they show that the delay grows
gaps=$(awk 'NR > 1 { printf "%.3f ", $1 - prev } { prev = $1 }' "$T/starts")
diag "delays between starts: $gaps"
check "crash: each delay at least its backoff (0.3 0.6 1.2 2.4): $gaps" \
    awk -v g="$gaps" 'BEGIN {
	n = split(g, a, " "); want = 0.3
	if (n != 4) exit 1
	for (i = 1; i <= n; i++) {
		if (a[i] < want - 0.05) exit 1
		want *= 2
	}
    }'
check "crash: each delay below twice its backoff + 2 s: $gaps" \
    awk -v g="$gaps" 'BEGIN {
	n = split(g, a, " "); want = 0.3
	for (i = 1; i <= n; i++) {
		if (a[i] > 2 * want + 2) exit 1
		want *= 2
	}
    }'
is "crash: restarts counted" "$(st crash .restarts)" 4
is "crash: failed, still active, no pid" \
    "$(st crash '[.active, .pid] | tostring')" '[true,null]'
like "crash: the status table says failed" "$(ctl status crash)" \
    '^crash +service +active +failed '
is "crash: the last run's exit status" "$(st crash .last.exit)" 1
check_fails "crash: failed means no further start (6 s)" \
    wait_for 6 nlines_ge crash 6
check "crash: restart leaves failed" ctl restart crash
check "crash: restart starts it again" wait_for 20 nlines_ge crash 6
check "crash: back in backoff between crashes" \
    wait_for 20 st_is crash .state backoff
check "crash: deactivate" ctl deactivate crash
check "crash: inactive and idle" \
    wait_for 20 st_is crash '[.active, .state] | tostring' '[false,"idle"]'
n=$(lines crash | grep -c .)
check_fails "crash: no start once deactivated (3 s)" \
    wait_for 3 nlines_ge crash $((n + 1))

# --- restart policies -------------------------------------------------------

check "on-failure, exit 0: activate" ctl activate okexit
check "on-failure, exit 0: it ran" wait_for 20 nlines_ge okexit 1
check "on-failure, exit 0: idle afterwards" \
    wait_for 20 st_is okexit '[.state, .last.exit] | tostring' '["idle",0]'
check_fails "on-failure, exit 0: not restarted (3 s)" \
    wait_for 3 nlines_ge okexit 2
is "on-failure, exit 0: still active" "$(st okexit .active)" true

check "never: activate" ctl activate never
check "never: it ran and failed" \
    wait_for 20 st_is never '[.state, .last.exit] | tostring' '["idle",1]'
check_fails "never: not restarted (3 s)" wait_for 3 nlines_ge never 2

check "always: activate" ctl activate always
check "always, exit 0: restarted, then failed after restart_limit (2)" \
    wait_for 20 st_is always .state failed
is "always: 3 starts" "$(lines always | grep -c .)" 3

check "run on a service: ERR state" refused '^maintctl: state: ' run svc
check "restart of an inactive service: ERR state" \
    refused '^maintctl: state: .*not active' restart svc
check "restart of a oneshot: ERR state" refused '^maintctl: state: ' restart once

check "oneshot: activate runs it" ctl activate once
check "oneshot: it ran once" wait_for 20 st_is once .last.exit 0
is "oneshot: one output line" "$(lines once)" ran

# --- a running service: restart, crash, deactivate --------------------------

check "svc: activate" ctl activate svc
check "svc: running with its grandchildren (4 processes)" \
    wait_for 20 count_is 912 4
check "svc: state running" wait_for 20 st_is svc .state running
pid1=$(st svc .pid)
esc1=$(pid_of 9122)
is "svc: status pid is the run's leader" "$(pgrep -f -- "^/bin/sh -c sleep 9121\\.$TAG")" "$pid1"

check "svc: restart" ctl restart svc
check "svc: restarted with a new pid" wait_for 20 new_pid svc "$pid1"
check "svc: state running" wait_for 20 st_is svc .state running
check "svc: the old leader is gone" wait_for 20 gone "$pid1"
check "svc: the old escaped grandchild is gone" wait_for 20 gone "${esc1:-0}"
check "svc: 4 processes again" wait_for 20 count_is 912 4
is "svc: restarts counted" "$(st svc .restarts)" 1

pid2=$(st svc .pid)
esc2=$(pid_of 9122)
kill -KILL "$pid2"
check "svc killed: restarted by on-failure" wait_for 20 new_pid svc "$pid2"
check "svc killed: the escaped grandchild of the killed run is gone" \
    wait_for 20 gone "${esc2:-0}"
is "svc killed: the last run ended by KILL" "$(st svc .last.signal)" KILL
check "svc killed: 4 processes again" wait_for 20 count_is 912 4

check "svc: deactivate" ctl deactivate svc
check "svc: everything is gone" wait_for 20 none 912
check "svc: inactive and idle" \
    wait_for 20 st_is svc '[.active, .state] | tostring' '[false,"idle"]'
check_fails "svc: not restarted once deactivated (3 s)" \
    wait_for 3 count_is 912 4

# --- auto-deactivation ------------------------------------------------------

# 4 s: time for the processes to come and the status to be read before
# it ends, under a sanitizer's load

t0=$(now_ms)
check "--for 4s: activate" ctl activate fortask --for 4s
check "--for 4s: running (4 processes)" wait_for 20 count_is 910 4
like "--for 4s: status says the time left" "$(ctl status fortask)" \
    '^fortask +service +active for [0-9]+(ms|s) +running '
like "--for 4s: --json has until" "$(st fortask .until)" '^[0-9]{4}-'
check "--for 4s: deactivated by itself" wait_for 20 st_is fortask .active false
check "--for 4s: everything is gone, escaped one included" \
    wait_for 20 none 910
t1=$(now_ms)
check "--for 4s: not before 4 s ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 3900
check "--for 4s: state idle" wait_for 20 st_is fortask .state idle
is "--for 4s: until cleared" "$(st fortask .until)" null
check "--for 4s: the daemon logged it" grep -q 'fortask: auto-deactivated' \
    "$T/daemon.log"

# --for on a task that is active already: its deadline set, said so
check "active, no deadline: activate" ctl activate fortask
check "active, no deadline: running" wait_for 20 count_is 910 4
is "active, no deadline: until null" "$(st fortask .until)" null
like "--for 1h --dry-run: would keep it active" \
    "$(ctl activate fortask --for 1h --dry-run)" \
    '^would keep fortask active until [0-9]{4}-'
is "--for 1h --dry-run: nothing changed" "$(st fortask .until)" null
like "--for 1h on the active task: the reply says so" \
    "$(ctl activate fortask --for 1h)" \
    '^fortask already active; now until [0-9]{4}-.* \(it had no deadline\)$'
u1=$(st fortask .until)
like "--for 1h: until set" "$u1" '^[0-9]{4}-'
is "--for 1h: a deadline-set event" \
    "$(ctl --json events --task fortask -n 1 | jq -r '[.event, .detail.for_s, .detail.was_until] | join(" ")')" \
    "deadline-set 3600 "
is "--for 2h: the reply names the deadline it had" \
    "$(ctl activate fortask --for 2h | sed -n 's/^fortask already active; now until .* (it was until \(.*\))$/\1/p')" \
    "$u1"
is "--for 2h, --json: deadline set, with the one it had" \
    "$(ctl --json activate fortask --for 3h | jq -r '[.result, .was_until != null] | join(" ")')" \
    "deadline set true"
t0=$(now_ms)
check "--for 2s on the active task: shortened" ctl activate fortask --for 2s
check "--for 2s: deactivated by itself" wait_for 20 st_is fortask .active false
t1=$(now_ms)
check "--for 2s: not before 2 s ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 1900
check "--for 2s: everything is gone" wait_for 20 none 910

t0=$(now_ms)
check "auto_deactivate = 4s: activate" ctl activate autod
check "auto_deactivate = 4s: running (3 processes)" wait_for 20 count_is 911 3
like "auto_deactivate = 4s: --json has until" "$(st autod .until)" '^[0-9]{4}-'
check "auto_deactivate = 4s: deactivated by itself" \
    wait_for 20 st_is autod .active false
check "auto_deactivate = 4s: everything is gone" wait_for 20 none 911
t1=$(now_ms)
check "auto_deactivate = 4s: not before 4 s ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 3900

# --- activated again while its last process is still stopping --------------

check "slowstop: activate (its process ignores TERM)" ctl activate slowstop
check "slowstop: running" wait_for 20 pid_of 9131
old=$(pid_of 9131)
is "slowstop: deactivate and activate, pipelined: both OK" \
    "$(finals "$(raw 'deactivate slowstop' 'activate slowstop')" | cut -c1-2 |
    tr '\n' ' ')" "OK OK "
check "slowstop: the old process ends (KILL after kill_grace)" \
    wait_for 20 gone "$old"
check "slowstop: and a new one is started" wait_for 20 sh -c \
    "p=\$(pgrep -x -f -- 'sleep 9131\\.$TAG') && [ \"\$p\" != $old ]"
is "slowstop: active and running" "$(st slowstop '[.active, .state] | join(" ")')" \
    "true running"
check "slowstop: deactivate" ctl deactivate slowstop
check "slowstop: gone" wait_for 20 none 913

check "slowone: activate (a oneshot that ignores TERM)" ctl activate slowone
check "slowone: running" wait_for 20 pid_of 9132
n0=$(ctl --json history slowone | wc -l)
raw 'deactivate slowone' 'activate slowone' >/dev/null
check "slowone: activated in the stopping window, it runs again" \
    wait_for 20 sh -c "[ \$($MAINTCTL -s $SOCK --json history slowone | wc -l) -eq $((n0 + 1)) ]"
is "slowone: that run was started by the activation" \
    "$(ctl --json history slowone -n 1 | jq -r .trigger)" activate
check "slowone: deactivate" ctl deactivate slowone
check "slowone: gone" wait_for 20 none 913

done_testing
