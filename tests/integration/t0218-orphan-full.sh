#!/bin/sh
# t0218-orphan-full: a daemon killed with SIGKILL while a run goes, with
# its database on a full disk and no cgroups (issue 20 #10).  sqlite
# could not write the run, so the store knows nothing of it; the run
# file beside the database (DATABASE.runs, its room reserved when maintd
# opened it) does: the next maintd, started while the disk is still
# full, kills what is provably left of the run (a sleep the run's shell
# started, in the run's session, with ppid 1 once the daemon is gone),
# and nothing else: a decoy with the same command line outside maintd,
# and one that carries the run's marks in a session of its own, live on.
# The run file does not grow with the runs: its slots are reused; one
# that is not root's is not believed.
# Root only: it mounts a small tmpfs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

M=$T/full
small_fs "$M" 1m
TAG=$$
HANG=t0218hang.$TAG

# the pids of sleeps marked 98NN (exactly: not a shell holding the marker)
marked() {
	pgrep -x -f -- "sleep 1000 98$1\\.$TAG"
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 1000 98[0-9][0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'stop_daemon; kill_marked; umount "$M" 2>/dev/null || umount -l "$M"; cleanup' EXIT

plan 21

write_conf <<EOF
cgroup = off
database = "$M/maintd.db"
task one { command = "/bin/true" }
task $HANG { command = "sleep 1000 9801.$TAG & wait"  shell = true }
EOF

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

ppid_of() {
	ps -o ppid= -p "$1" | tr -d ' '
}

check "daemon starts with its database on a 1 MiB tmpfs" start_fg
check "a run while there is room" ctl run one --wait
size=$(stat -c %s "$M/maintd.db.runs")
check "the run file is there, its room reserved ($size bytes)" test "$size" -gt 0

dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null
check "the file system is full" test "$(df -P "$M" | awk 'NR == 2 { print $4 }')" -eq 0
i=0
while [ "$i" -lt 100 ]; do
	ctl run one --wait >/dev/null 2>&1 || break
	i=$((i + 1))
done
is "100 runs on the full disk" "$i" 100
is "... the run file did not grow" "$(stat -c %s "$M/maintd.db.runs")" "$size"

check "hang: run" ctl run "$HANG"
check "hang: running" wait_for 10 state_is "$HANG" running
check "hang: its sleep runs" wait_for 10 marked 01
rid=$(ctl --json status "$HANG" | jq -r .current.run)
sleeper=$(marked 01)
like "the store has no room for it: degraded" \
    "$(ctl --json health 2>/dev/null | head -n 1 | jq -r .store)" 'full'

kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
check "the run's sleep outlives the daemon, with ppid 1" \
    wait_for 10 sh -c "[ \"\$(ps -o ppid= -p $sleeper | tr -d ' ')\" = 1 ]"
# decoys: the same command line, not maintd's; the run's marks, in a
# session of their own
setsid sleep 1000 "9801.$TAG" &
env "MAINTD_RUN_ID=$rid" "MAINTD_TASK=$HANG" setsid sleep 1000 "9802.$TAG" &
check "two decoys" wait_for 10 sh -c \
    "[ \$(pgrep -c -x -f -- 'sleep 1000 980[12]\\.$TAG') -eq 3 ]"
decoy1=$(marked 01 | grep -vx "$sleeper")
decoy2=$(marked 02)

check "maintd starts again, the disk still full" start_fg
check "the run's sleep is killed" wait_for 10 gone "$sleeper"
check "the decoy with the same command lives on" alive "$decoy1"
check "the decoy with the run's marks in another session lives on" alive "$decoy2"
like "the daemon says what it killed" "$(cat "$T/daemon.log")" \
    "killing 1 process of run $rid that a previous maintd left running"
like "... and why it left the decoy alone" "$(cat "$T/daemon.log")" \
    "not killing pid $decoy2: it carries the marks of run $rid"
stop_daemon
is "nothing of the run is left" "$(pgrep -c -x -f -- "sleep 1000 9801\\.$TAG")" 1

# what root kills by must be root's
chown nobody "$M/maintd.db.runs"
check "a run file of another user: maintd starts" start_fg
like "... and does not believe it" "$(cat "$T/daemon.log")" \
    "run file $M/maintd.db.runs: not a regular file of uid 0 that only it can write; not used"

done_testing
