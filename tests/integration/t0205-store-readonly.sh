#!/bin/sh
# t0205-store-readonly: a database that cannot be written (DESIGN §7: "a
# full or read-only disk is an error that is logged and survives").  With
# the database file made read-only after a first start, maintd still
# starts, runs are supervised (output logged, a timeout enforced, each
# run its own MAINTD_RUN_ID), events still reach followers, health is
# degraded and says why (maintctl exits 1), metrics show maintd_store_ok
# 0, history still reads what was stored; writable again and restarted,
# all is well.  A database that cannot even be created stops the start.
# Root ignores file modes, so as root that daemon runs as nobody
# (setpriv) in a directory nobody owns.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 36

TAG=$$

# everything of this daemon in a directory its user owns
D=$T/d
mkdir "$D"
if is_root; then
	chown nobody:nogroup "$D"
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
else
	AS=""
fi
SOCK=$D/maintd.sock
PIDFILE=$D/maintd.pid
DB=$D/maintd.db
LOG=$D/log

# start_as: start_fg, as nobody when root.
start_as() {
	# shellcheck disable=SC2086 # AS is a command prefix or nothing
	$AS "$MAINTD" -f -c "$CONF" >"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	if ! wait_for 10 socket_up; then
		diag "maintd did not come up:"
		diag "$(cat "$T/daemon.log")"
		return 1
	fi
}

st() {
	ctl status --json "$1" | jq -r "$2"
}

# metric_is NAME VALUE: the sample line "NAME VALUE" is in the metrics.
metric_is() {
	ctl metrics | grep -qxF -- "$1 $2"
}

in_file() {
	grep -Eq -- "$2" "$1"
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

cat >"$CONF" <<EOF
socket = "$SOCK"
pidfile = "$PIDFILE"
database = "$DB"
log_dir = "$LOG"
kill_grace = 2s
task ok { command = "echo run \$MAINTD_RUN_ID" shell = true }
task slow { command = "exec sleep 9501.$TAG" shell = true timeout = 1s }
EOF
chmod 644 "$CONF"

check "first start creates the database" start_as
check "ok: run" ctl run ok --wait
first=$(st ok .last.run)
is "health: ok" "$(ctl --json health | head -n 1 | jq -r .status)" ok
stop_daemon

check "the database file exists" test -f "$DB"
chmod 0444 "$DB"
check "maintd starts with a read-only database" start_as

check "ok: a run is supervised" ctl run ok --wait
r1=$(st ok .last.run)
is "ok: its result" "$(st ok .last.result)" "exit 0"
check "ok: its output is logged" in_file "$LOG/ok.log" "\\[$r1\\] run $r1\$"
check "ok: another run" ctl run ok --wait
r2=$(st ok .last.run)
check "the two runs have different ids ($r1, $r2)" test "$r1" != "$r2"
check "and ids not used before ($first)" test "$r1" != "$first" -a \
    "$r2" != "$first"
check "ok: the second run's output is logged" in_file "$LOG/ok.log" \
    "\\[$r2\\] run $r2\$"
ctl run slow --wait >"$T/o" 2>"$T/e"
is "slow: the timeout is enforced (exit 1)" "$?" 1
like "slow: ended by its timeout" "$(cat "$T/e")" '^maintctl: timeout: '
check "slow: nothing left running" wait_for 10 sh -c \
    "! pgrep -f -- 'sleep 9501\\.$TAG'"

ctl --json health >"$T/h" 2>"$T/e"
is "health: maintctl exits 1" "$?" 1
is "health: degraded" "$(head -n 1 "$T/h" | jq -r .status)" degraded
like "health: store says the database cannot be written" \
    "$(head -n 1 "$T/h" | jq -r .store)" 'readonly|read-only|read only'
like "health: the final line says why" "$(raw health | tail -1)" \
    '^ERR degraded .*database'
is "health ok: the task itself is fine" "$(ctl --json health ok | head -n 1 | jq -r .status)" ok
check "metrics: maintd_store_ok 0" metric_is maintd_store_ok 0
like "metrics: the runs are counted" "$(ctl metrics)" \
    'maintd_task_runs_total\{task="ok",result="ok"\} 2'
like "the daemon logged the database error" "$(cat "$T/daemon.log")" \
    'database'
is "history: the row stored before is still read" \
    "$(ctl --json history ok | jq -r .run | tail -1)" "$first"

conn_open f
conn_send f "events --follow --json -n 1"
check "follow: the last stored event first" wait_for 10 in_file "$T/f.out" '^- \{'
check "ok: a run while following" ctl run ok --wait
r3=$(st ok .last.run)
check "follow: its run-ok arrives though it cannot be stored" wait_for 10 \
    in_file "$T/f.out" "\"event\":\"run-ok\".*\"run\":$r3,"
is "follow: that event has no id" \
    "$(sed -n 's/^- //p' "$T/f.out" | jq -r 'select(.event == "run-ok") | .id' | tail -1)" \
    null
conn_close f

stop_daemon
chmod 0644 "$DB"
check "writable again: maintd starts" start_as
is "writable again: health ok" "$(ctl --json health | head -n 1 | jq -r .status)" ok
check "writable again: a run" ctl run ok --wait
r4=$(st ok .last.run)
is "writable again: the run is in history" \
    "$(ctl --json history ok -n 1 | jq -c '[.run, .result]')" "[$r4,\"ok\"]"
check "writable again: maintd_store_ok 1" metric_is maintd_store_ok 1
stop_daemon

# --- a database that cannot be created at all --------------------------------

# (maintd makes missing directories: a parent that is a file stops it)
: >"$D/afile"
sed -i "s|^database = .*|database = \"$D/afile/maintd.db\"|" "$CONF"
# shellcheck disable=SC2086
$AS "$MAINTD" -c "$CONF" >"$T/start.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	DAEMON_PID=$(cat "$PIDFILE")
fi
is "uncreatable database: maintd exits non-zero" "$([ "$rc" -ne 0 ] && echo yes)" yes
like "uncreatable database: it says which and why" "$(cat "$T/start.out")" \
    "$D/afile/maintd.db"
check "uncreatable database: no daemon left" sh -c "! [ -S '$SOCK' ] || ! $MAINTCTL -s '$SOCK' ping"

done_testing
