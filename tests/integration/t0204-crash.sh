#!/bin/sh
# t0204-crash: the daemon killed with SIGKILL in the middle of a run
# (DESIGN §3 "Spawning a child", §7), tracking runs by process group
# (cgroup = off: as on the BSDs, or where no cgroup v2 can be written;
# t0215 does the same with cgroups).  The run's leader dies with the
# daemon (PR_SET_PDEATHSIG), what it started outlives it; the next start
# replaces the stale socket and pidfile, closes the run as "abandoned" in
# history, kills what is left in the run's session, and the database
# passes PRAGMA integrity_check.  Only what is provably the run's is
# killed: the leader by its pid, start time and uid as recorded at spawn;
# a process carrying the run's MAINTD_RUN_ID and MAINTD_TASK only if it
# also has the run's uid, started after its leader, and is in the
# leader's session or below the (live) leader.  So one that left the
# session with setsid cannot be told from a decoy once the leader is
# dead, and lives on, logged.  Decoys that merely carry the marks
# (another user, another session), a recorded pid now held by a later
# process, and processes marked with another run or task, live on; the
# daemon logs why.
# Every process this file starts carries a marker "sleep 1000 92NN.<pid>".
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 46

TAG=$$
# unique task names: recovery kills by MAINTD_TASK, and other test files
# may run at the same time
HANG=t0204hang.$TAG
OK=t0204ok.$TAG

# marked NN: the pid of the sleep marked 92NN (exactly: not the shell
# whose command line holds the marker)
marked() {
	pgrep -x -f -- "sleep 1000 92$1\\.$TAG"
}

marked_gone() {
	! pgrep -f -- "sleep 1000 92$1\\.$TAG" >/dev/null
}

all_marked_gone() {
	! pgrep -f -- "sleep 1000 92[0-9][0-9]\\.$TAG" >/dev/null
}

h() {
	ctl --json history "$1" -n 1 | jq -r "$2"
}

h_is() {
	[ "$(h "$1" "$2")" = "$3" ]
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

group_gone() {
	! kill -0 -- "-$1" 2>/dev/null
}

have_sqlite3() {
	command -v sqlite3 >/dev/null 2>&1
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 1000 92[0-9][0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

# the run: sh leading its group with two sleeps in it, and one that left
# the group with setsid (still marked by the run's environment)
# zombie or gone (PID 1 of a container may not reap what it adopts)
dead() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

write_conf <<EOF
cgroup = off
task $OK { command = "/bin/true" }
task $HANG {
	command = "sleep 1000 9201.$TAG & sleep 1000 9202.$TAG & setsid sleep 1000 9203.$TAG & wait"
	shell = true
}
EOF

check "daemon starts" start_fg
check "a finished run" ctl run "$OK" --wait
okrun=$(h "$OK" .run)
check "hang: run" ctl run "$HANG"
check "hang: running" wait_for 10 state_is "$HANG" running
check "hang: its three sleeps run" wait_for 10 sh -c \
    "[ \$(pgrep -c -x -f -- 'sleep 1000 920[123]\\.$TAG') -eq 3 ]"
rid=$(ctl --json status "$HANG" | jq -r .current.run)
rpid=$(ctl --json status "$HANG" | jq -r .current.pid)
is "hang: the run is open in history" "$(h "$HANG" '[.run, .result] | tostring')" \
    "[$rid,null]"
escaped=$(marked 03)
check "the setsid sleep left the run's group" \
    test "$(ps -o pgid= -p "$escaped" | tr -d ' ')" != "$rpid"

kill -KILL "$DAEMON_PID"
check "maintd is gone after SIGKILL" wait_for 10 gone "$DAEMON_PID"
# decoys: they carry the run's marks, but are not the run's: one in a
# session of its own (as the same user when not root), one as another user
# in the run's own session would need the run's uid; neither may be killed
env "MAINTD_RUN_ID=$rid" "MAINTD_TASK=$HANG" setsid sleep 1000 "9221.$TAG" &
if is_root; then
	env "MAINTD_RUN_ID=$rid" "MAINTD_TASK=$HANG" setpriv --reuid=daemon \
	    --regid=daemon --clear-groups setsid sleep 1000 "9222.$TAG" &
else
	env "MAINTD_RUN_ID=$rid" "MAINTD_TASK=$HANG" setsid sleep 1000 "9222.$TAG" &
fi
check "two decoys carry the run's marks" wait_for 10 sh -c \
    "[ \$(pgrep -c -x -f -- 'sleep 1000 922[12]\\.$TAG') -eq 2 ]"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
check "the run's leader dies with the daemon (PR_SET_PDEATHSIG)" \
    wait_for 10 dead "$rpid"
check "the sleeps of its group outlive it" alive "$(marked 01)"
check "so does the escaped sleep" alive "$escaped"
check "the stale socket is left behind" test -S "$SOCK"
check "the stale pidfile is left behind" test -s "$PIDFILE"

check "maintd starts again over the stale socket and pidfile" start_fg
check "the run's process group is killed" wait_for 10 group_gone "$rpid"
check "the sleeps in the group are gone" wait_for 10 sh -c \
    "! pgrep -f -- 'sleep 1000 920[12]\\.$TAG'"
check "nothing of the run's session is left" sh -c \
    "! pgrep -f -- 'sleep 1000 920[12]\\.$TAG'"
check "the escaped sleep, no longer provably the run's, lives on" \
    alive "$escaped"
like "the daemon says why it left it alone" "$(cat "$T/daemon.log")" \
    "not killing pid $escaped: it carries the marks of run $rid, but it is neither in the run's session nor below it"
check "the decoy in a session of its own lives on" alive "$(marked 21)"
check "the decoy of another user (or session) lives on" alive "$(marked 22)"
like "the daemon says why it left a decoy alone" "$(cat "$T/daemon.log")" \
    "not killing pid $(marked 21): it carries the marks of run $rid, but"
kill_marked
is "history: the run is abandoned" "$(h "$HANG" '[.run, .result] | tostring')" \
    "[$rid,\"abandoned\"]"
like "history: it has an end time" "$(h "$HANG" .ended)" '^[0-9]{4}-'
like "history: the summary says why" "$(h "$HANG" .summary)" 'maintd'
is "history: the finished run is untouched" \
    "$(ctl --json history "$OK" -n 1 | jq -c '[.run, .result]')" \
    "[$okrun,\"ok\"]"
like "the daemon says it killed what was left of the run" \
    "$(cat "$T/daemon.log")" "killing 2 processes of run $rid that a previous maintd left running"
is "status: hang is idle" "$(ctl --json status "$HANG" | jq -r .state)" idle
is "health: ok (abandoned runs are history, not a failure)" \
    "$(ctl --json health | jq -r .status)" ok
check "a new run works" ctl run "$OK" --wait
is "the new run's id is above the abandoned one" \
    "$(h "$OK" ".run > $rid")" true

if have_sqlite3; then
	is "sqlite3: PRAGMA integrity_check" \
	    "$(sqlite3 "$T/maintd.db" 'PRAGMA integrity_check' 2>&1)" ok
	is "sqlite3: PRAGMA user_version" \
	    "$(sqlite3 "$T/maintd.db" 'PRAGMA user_version' 2>&1)" 5
	is "sqlite3: WAL" "$(sqlite3 "$T/maintd.db" 'PRAGMA journal_mode' 2>&1)" wal
	is "sqlite3: the row as stored" "$(sqlite3 "$T/maintd.db" \
	    "SELECT task, pid, result, ended IS NOT NULL FROM runs WHERE id = $rid" 2>&1)" \
	    "$HANG|$rpid|abandoned|1"
else
	for _ in 1 2 3 4; do
		skip "no sqlite3 command (install the sqlite3 package)"
	done
fi

# --- recovery touches nothing else ------------------------------------------

stop_daemon
if have_sqlite3; then
	# a run left open whose recorded pid leads a group without the run's
	# marks; processes marked with the run; with another task; with
	# another run
	setsid sleep 1000 "9211.$TAG" &
	env "MAINTD_RUN_ID=9000" "MAINTD_TASK=$HANG" setsid sleep 1000 "9212.$TAG" &
	env "MAINTD_RUN_ID=9000" "MAINTD_TASK=$OK" setsid sleep 1000 "9213.$TAG" &
	env "MAINTD_RUN_ID=9001" "MAINTD_TASK=$HANG" setsid sleep 1000 "9214.$TAG" &
	check "four sleeps outside maintd" wait_for 10 sh -c \
	    "[ \$(pgrep -c -x -f -- 'sleep 1000 921[1-4]\\.$TAG') -eq 4 ]"
	other=$(marked 11)
	check "the unmarked one leads its own group" \
	    test "$(ps -o pgid= -p "$other" | tr -d ' ')" = "$other"
	# the recorded leader is the unmarked sleep, but it started later
	# than the run's leader did (start 1 tick after boot): not the run's
	check "sqlite3: a run left open, pid the unmarked sleep" \
	    sqlite3 "$T/maintd.db" "INSERT INTO runs (id, task, trigger, pid, \
	    uid, pid_start, started) VALUES (9000, '$HANG', 'manual', $other, \
	    $(id -u), 1, strftime('%s', 'now'))"
	check "maintd starts" start_fg
	check "a process marked with the run, but outside its session, lives on" \
	    alive "$(marked 12)"
	is "the run is abandoned" "$(h "$HANG" '[.run, .result] | tostring')" \
	    '[9000,"abandoned"]'
	check "the unmarked group leader lives on" alive "$other"
	check "the one marked with another task lives on" alive "$(marked 13)"
	check "the one marked with another run lives on" alive "$(marked 14)"
	check "sqlite3: PRAGMA integrity_check after recovery" \
	    test "$(sqlite3 "$T/maintd.db" 'PRAGMA integrity_check')" = ok
else
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		skip "no sqlite3 command (install the sqlite3 package)"
	done
fi

done_testing
