#!/bin/sh
# t0215-cgroup: runs tracked in cgroup v2 (DESIGN §3).  Where the daemon
# can write the cgroup v2 hierarchy (found in /proc/self/mountinfo, as
# root), each run has its own cgroup BASE/TASK/RUN, and health and show
# say so.  Whatever a run forks, double forks or setsid()s is in it and
# ends with the run; its cgroup is gone after.  The daemon killed with
# SIGKILL: its direct children die with it (PR_SET_PDEATHSIG), what they
# started is killed by the next start from the cgroup it is in, and a
# decoy of another user carrying the same environment variables, outside
# the cgroup, lives on.  cgroup = off tracks by process group; a cgroup
# path outside the hierarchy is a configuration error.  Controller
# options (pids_max, memory_max...) are refused with the reason where the
# controller cannot be had, and applied where it can (skipped here when
# the hierarchy offers no controller, as on a hybrid mount).
# Every process a task starts is marked "sleep 1000 95NN.<this pid>".
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 34

TAG=$$
SVC=t0215svc.$TAG
ONE=t0215one.$TAG

cgroup_probe
[ -z "$NOCG" ] || skip_rest "$NOCG"

marked() {
	pgrep -x -f -- "sleep 1000 95$1\\.$TAG"
}

marked_count() {
	pgrep -c -f -- "sleep 1000 95[0-9][0-9]\\.$TAG" || true
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 1000 95[0-9][0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

none_left() {
	[ "$(marked_count)" -eq 0 ]
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

# the cgroup a process is in, as the kernel says
cgroup_of() {
	sed -n 's/^0:://p' "/proc/$1/cgroup"
}

dead() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# The service: sh leading its group, a child, a setsid escapee and a
# double-forked daemon (its parent exits at once).  The oneshot: the
# same escapes, then it exits.
write_conf <<EOF
task $SVC {
	kind = service
	command = "sleep 1000 9501.$TAG & setsid sleep 1000 9502.$TAG & (setsid sh -c 'sleep 1000 9503.$TAG &' &) ; wait"
	shell = true
}
task $ONE {
	command = "setsid sleep 1000 9511.$TAG & (setsid sh -c 'sleep 1000 9512.$TAG &' &); i=0; while [ \$i -lt 20000 ]; do i=\$((i + 1)); done; echo done"
	shell = true
}
EOF

check "daemon starts" start_fg
is "health: runs are tracked in cgroups" "$(ctl --json health | jq -r .tracking)" cgroup
BASE=$(ctl --json health | jq -r .cgroup)
like "health: the cgroup is in the hierarchy" "$BASE" "^$MNT/maintd"
like "show: the task's cgroup" "$(ctl --json show "$ONE" | jq -r .tracking)" \
    "^cgroup $BASE/$ONE\$"

check "oneshot: run --wait" ctl run "$ONE" --wait
check "what it left behind (setsid, double fork) is gone with it" \
    wait_for 10 sh -c "! pgrep -f -- 'sleep 1000 951[12]\\.$TAG'"
rid=$(ctl --json history "$ONE" -n 1 | jq -r .run)
check "its cgroup is gone after the run" test ! -e "$BASE/$ONE/$rid"
like "its CPU time is counted (cpu.stat)" \
    "$(ctl --json history "$ONE" -n 1 | jq -r '.cpu_s > 0')" true

check "service: activate" ctl activate "$SVC"
check "service: its four processes run" wait_for 10 sh -c \
    "[ \$(pgrep -c -x -f -- 'sleep 1000 950[123]\\.$TAG') -eq 3 ]"
srid=$(ctl --json status "$SVC" | jq -r .current.run)
spid=$(ctl --json status "$SVC" | jq -r .current.pid)
is "the escapee is in the run's cgroup" "$MNT$(cgroup_of "$(marked 02)")" \
    "$BASE/$SVC/$srid"
is "so is the double-forked one" "$MNT$(cgroup_of "$(marked 03)")" \
    "$BASE/$SVC/$srid"
check "deactivate" ctl deactivate "$SVC"
check "everything of the service is gone" wait_for 10 sh -c \
    "! pgrep -f -- 'sleep 1000 950[123]\\.$TAG'"
check "its cgroup too" wait_for 10 test ! -e "$BASE/$SVC/$srid"

# --- the daemon killed ---------------------------------------------------------

check "service: activate again" ctl activate "$SVC"
check "its processes run" wait_for 10 sh -c \
    "[ \$(pgrep -c -x -f -- 'sleep 1000 950[123]\\.$TAG') -eq 3 ]"
srid=$(ctl --json status "$SVC" | jq -r .current.run)
spid=$(ctl --json status "$SVC" | jq -r .current.pid)
kill -KILL "$DAEMON_PID"
check "maintd is gone after SIGKILL" wait_for 10 gone "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
check "the run's leader died with it (PR_SET_PDEATHSIG)" wait_for 10 dead "$spid"
check "what it started lives on, in the run's cgroup" \
    test "$MNT$(cgroup_of "$(marked 02)")" = "$BASE/$SVC/$srid"
# a decoy: another user, the run's marks, not in its cgroup
env "MAINTD_RUN_ID=$srid" "MAINTD_TASK=$SVC" setpriv --reuid=daemon \
    --regid=daemon --clear-groups setsid sleep 1000 "9521.$TAG" &
check "a decoy with the run's marks" wait_for 10 pgrep -x -f -- "sleep 1000 9521\\.$TAG"
check "maintd starts again" start_fg
check "what the run left in its cgroup is killed" wait_for 10 sh -c \
    "! pgrep -f -- 'sleep 1000 950[123]\\.$TAG'"
check "the decoy, outside the cgroup, lives on" alive "$(marked 21)"
like "the daemon says where it found them" "$(cat "$T/daemon.log")" \
    "$BASE/$SVC/$srid: left running by a previous maintd"
is "history: the run is abandoned" \
    "$(ctl --json history "$SVC" -n 1 | jq -c '[.run, .result]')" \
    "[$srid,\"abandoned\"]"
kill_marked

# --- the options ---------------------------------------------------------------

stop_daemon
check "stopped: the daemon's cgroup is removed" test ! -e "$BASE"
echo 'cgroup = off' >>"$CONF"
check "cgroup = off: starts" start_fg
is "cgroup = off: process groups" "$(ctl --json health | jq -r .tracking)" \
    "process groups"
stop_daemon

sed -i '/^cgroup = off$/d' "$CONF"
echo "cgroup = \"$T/not-a-cgroup\"" >>"$CONF"
like "a cgroup outside the hierarchy: a configuration error" \
    "$("$MAINTD" -n -c "$CONF" 2>&1)" "cgroup $T/not-a-cgroup: .* is not in the cgroup v2 hierarchy"
sed -i '/^cgroup = /d' "$CONF"

# pids_max: applied where the pids controller can be had, else refused
LIM=t0215lim.$TAG
cat >>"$CONF" <<EOF
task $LIM {
	command = "cat $MNT\$(sed -n 's/^0:://p' /proc/self/cgroup)/pids.max"
	shell = true
	pids_max = 16
}
EOF
if grep -qw pids "$MNT/cgroup.controllers"; then
	check "pids_max: the configuration is taken" "$MAINTD" -n -c "$CONF"
	check "daemon starts" start_fg
	check "pids_max: a run" ctl run "$LIM" --wait
	is "the run's cgroup has pids.max 16" \
	    "$(ctl logs "$LIM" -n 1 | sed 's/.*\] //')" 16
else
	like "pids_max without the pids controller: refused, saying why" \
	    "$("$MAINTD" -n -c "$CONF" 2>&1)" \
	    "pids_max needs the cgroup v2 pids controller: $MNT does not have it"
	for _ in 1 2 3; do
		skip "the cgroup v2 hierarchy here has no pids controller"
	done
fi

done_testing
