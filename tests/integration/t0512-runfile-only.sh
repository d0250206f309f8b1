#!/bin/sh
# t0512-runfile-only: a run whose row the store never got (the daemon was
# killed before the transaction that held it committed: a burst of
# starts commits once, after the last exec) is found in the run file by
# the next daemon: its process is killed, its row written as abandoned,
# and its id is not handed out again.  The row's loss is made by
# deleting it while no daemon runs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 12

TAG=$$

trap 'kill_matching "sleep 97[0-9]{2}\\.$TAG"; cleanup' EXIT

write_conf <<EOF
task svc {
	kind = service
	command = "/bin/sleep 9701.$TAG & wait"
	shell = true
}
EOF

running() {
	ctl status --json svc | jq -e '.state == "running"'
}

leftover() {
	pgrep -f -- "sleep 9701\\.$TAG" >/dev/null
}

no_leftover() {
	! leftover
}

check "daemon starts" start_fg
b0=$(date +%s)
check "svc runs" ctl activate --confirm svc
check "... and is running" wait_for 20 running
id=$(ctl status --json svc | jq -r .current.run)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
k=$(date +%s)
# the shell dies with the daemon (PR_SET_PDEATHSIG); its child does not
check "its process outlives the daemon" leftover
sqlite3 "$T/maintd.db" "DELETE FROM runs WHERE id = $id"
is "its row is gone from the store" \
    "$(sqlite3 "$T/maintd.db" "SELECT count(*) FROM runs WHERE id = $id")" 0

# two seconds apart, so that a row started at recovery would show
check "time passes" wait_for 5 sh -c "[ \$(date +%s) -ge $((k + 2)) ]"
check "the next daemon starts" start_fg
check "... kills what the run file proves the run's" wait_for 20 no_leftover
is "... writes its row, abandoned" \
    "$(ctl history --json svc | jq -r "select(.run == $id) | .result")" \
    abandoned
e=$(date -d "$(ctl history --json svc | jq -r "select(.run == $id) | .started")" +%s)
check "... started when the run started, not at recovery ($b0 <= $e <= $k)" \
    test "$e" -ge "$b0" -a "$e" -le "$k"
check "svc runs again" ctl activate --confirm svc
check "... with an id above the lost row's" wait_for 20 sh -c \
    "[ \"\$(\"$MAINTCTL\" -s \"$SOCK\" status --json svc | jq -r .current.run)\" \
    -gt $id ]"

stop_daemon
done_testing
