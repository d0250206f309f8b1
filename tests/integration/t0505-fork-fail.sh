#!/bin/sh
# t0505-fork-fail: runs that cannot be started for want of processes
# (RLIMIT_NPROC), set on the running daemon with prlimit(1) and lifted
# again (issue #15).  Two ways it bites:
#  - maintd not root (here nobody): its own fork fails (vfork: EAGAIN);
#  - maintd root, tasks as nobody: root forks regardless of the limit,
#    but the child inherits it, and Linux fails the execve once the
#    child has become nobody (EAGAIN: the limit counts nobody's
#    processes).
# Either way: the failure is recorded (history, events, the daemon's
# log) with the reason, naming the limit; a manual run says so and
# maintctl exits 1; a periodic task's ticks fail and it stays active; a
# service is not left idle but tried again after its backoff, the delay
# doubling; once the limit is lifted, the service runs, and so do the
# others; every run id is unique.  The limit is the soft one, set to 0 so
# that other processes of nobody do not matter, and put back as it was.
# Root only (maintd as nobody, tasks as nobody).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root (maintd and its tasks as nobody)"
	exit 0
fi

PER=17
plan $((PER * 2))

TAG=$$
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

kill_marked() {
	for p in $(pgrep -f -- "sleep 1000 955[0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'stop_daemon; kill_marked; cleanup' EXIT

# maintd as nobody keeps its files in a directory of nobody's; a root
# maintd refuses one that another user may write (maintd(8) SECURITY),
# so as root they are in one of root's
mkdir "$T/nobody" "$T/root"
chown nobody:nogroup "$T/nobody"

# conf MODE USER-LINE: a database of the mode's own
conf() {
	cat >"$CONF" <<EOF
socket = "$SOCK"
pidfile = "$D/maintd.pid"
database = "$D/$1.db"
log_dir = "$D/log"
kill_grace = 2s
$2
task svc {
	kind = service
	command = { "/bin/sleep", "1000", "9551.$TAG" }
	backoff = { 1s, 2s }
	restart_limit = 0	# (tried again for ever: the test lifts the limit)
}
task per { every = 1s  command = "/bin/true" }
task one { command = "/bin/true" }
EOF
	chmod 644 "$CONF"
}

# start_daemon AS: maintd in the foreground, as AS (a command prefix)
start_daemon() {
	# shellcheck disable=SC2086 # a command prefix or nothing
	$1 "$MAINTD" -f -c "$CONF" >"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	if ! wait_for 10 socket_up; then
		diag "maintd did not come up:"
		diag "$(cat "$T/daemon.log")"
		return 1
	fi
}

soft_nproc() {
	awk '/^Max processes/ { print $3 }' "/proc/$DAEMON_PID/limits"
}

# set_nproc AS SOFT: the daemon's soft limit of processes (prlimit(2) on
# another user's process needs CAP_SYS_RESOURCE: as that user instead)
set_nproc() {
	# shellcheck disable=SC2086
	$1 prlimit --pid "$DAEMON_PID" --nproc="$2:"
}

st() {
	ctl --json status "$1" | jq -r "$2"
}

state_is() {
	[ "$(st "$1" .state)" = "$2" ]
}

# failures TASK: runs of TASK that history has as errors naming the limit
failures() {
	ctl --json history "$1" -n 1000 | jq -r --arg w "$WHY" \
	    'select(.result == "error" and (.summary | contains($w))) | .run' | wc -l
}

failures_ge() {
	[ "$(failures "$1")" -ge "$2" ]
}

# gaps: seconds between the starts of svc's failed attempts, oldest first
gaps() {
	ctl --json history svc -n 1000 | jq -r 'select(.result == "error") | .started' |
	    sort | while read -r t; do date -d "$t" +%s.%N; done |
	    awk 'NR > 1 { printf "%.1f\n", $1 - prev } { prev = $1 }'
}

WHY="Resource temporarily unavailable (too many processes: RLIMIT_NPROC 0)"

# phase MODE: nobody (maintd as nobody) or root (tasks as nobody)
phase() {
	mode=$1
	D=$T/$mode
	SOCK=$D/maintd.sock
	if [ "$mode" = nobody ]; then
		conf "$mode" ""
		AS=$AS_NOBODY
		WHY_SVC="vfork: $WHY"
	else
		conf "$mode" 'user = "nobody"'
		AS=""
		WHY_SVC="exec failed: /bin/sleep: $WHY"
	fi
	check "$mode: maintd starts" start_daemon "$AS"
	if [ "$mode" = root ]; then
		# Linux fails the exec when the user already had more
		# processes than the limit as the child became it: one of
		# nobody's at least, whatever else runs on the host
		$AS_NOBODY sleep 1000 "9559.$TAG" &
		wait_for 10 pgrep -f -- "sleep 1000 9559\\.$TAG" >/dev/null
	fi
	old=$(soft_nproc)
	check "$mode: its soft RLIMIT_NPROC set to 0" set_nproc "$AS" 0
	check "$mode: service: activate" ctl activate svc
	check "$mode: service: its start failed, it waits to be tried again" \
	    wait_for 10 state_is svc backoff
	check "$mode: service: history has the failure, naming the limit" \
	    wait_for 10 failures_ge svc 1
	ctl --json events --task svc -n 100 >"$T/ev"
	is "$mode: service: so do the events" \
	    "$(jq -r --arg w "$WHY_SVC" 'select(.event == "run-error") | .detail.result == $w' "$T/ev" | sort -u)" true
	if [ "$mode" = nobody ]; then
		check "$mode: the daemon logged it" \
		    grep -qF "svc: cannot start: $WHY_SVC" "$T/daemon.log"
	else
		check "$mode: the daemon logged it" \
		    grep -qF "ended: $WHY_SVC after" "$T/daemon.log"
	fi
	ctl run one --wait >"$T/o" 2>"$T/e"
	is "$mode: a manual run: maintctl exits 1" "$?" 1
	like "$mode: ... saying why" "$(cat "$T/e")" \
	    '^maintctl: failed: (one: vfork|exec failed: /bin/true): Resource temporarily unavailable \(too many processes: RLIMIT_NPROC 0\)' 
	check "$mode: periodic: activate" ctl activate per
	check "$mode: service: tried again by backoff (3 attempts)" \
	    wait_for 15 failures_ge svc 3
	g=$(gaps | tr '\n' ' ')
	diag "$mode: seconds between the service's attempts: $g"
	is "$mode: ... 1 s, then 2 s (doubled, at most the largest)" \
	    "$(echo "$g" | awk '{ print ($1 >= 0.9 && $1 < 1.9 && $2 >= 1.9 && $2 < 3.5) ? "yes" : "no" }')" yes
	check "$mode: periodic: its ticks fail too" wait_for 10 failures_ge per 1
	check "$mode: the limit lifted" set_nproc "$AS" "$old"
	check "$mode: service: running, within its backoff" \
	    wait_for 15 state_is svc running
	check "$mode: periodic: a tick runs" wait_for 10 sh -c \
	    "[ \"\$($MAINTCTL -s $SOCK --json status per | jq -r .last.result)\" = 'exit 0' ]"
	is "$mode: every run id unique" \
	    "$(ctl --json history -n 1000 | jq -r .run | sort | uniq -d)" ""
	stop_daemon
	kill_marked
}

phase nobody
phase root

done_testing
