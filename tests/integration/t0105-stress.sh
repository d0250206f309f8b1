#!/bin/sh
# t0105-stress: 200 runs of every sort (exit 0, exit 3, exec failure,
# timeout, leftovers in the group, a grandchild escaped with setsid), one
# after the other and many at once: afterwards the daemon has no zombie
# and no child left, as many fds as before, and still answers.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# ctl with a deadline: a daemon that never answers fails a point instead
# of hanging the file.
ctl() {
	timeout 60 "$MAINTCTL" -s "$SOCK" "$@"
}

plan 17

TAG=$$

st() {
	ctl status --json "$1" | jq -r "$2"
}

none() {
	! pgrep -f -- "sleep $1[0-9]\\.$TAG" >/dev/null
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

# children STATE: how many children of the daemon are in STATE ("." for
# any), from /proc/*/stat (pid (comm) state ppid ...).
children() {
	for f in /proc/[0-9]*/stat; do
		cat "$f" 2>/dev/null
	done | awk -v d="$DAEMON_PID" -v s="$1" '{
		sub(/^.*\) /, "")
		if ($2 == d && (s == "." || $1 == s)) n++
	} END { print n + 0 }'
}

children_are() {
	[ "$(children "$1")" -eq "$2" ]
}

fds() {
	find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 | wc -l | tr -d ' '
}

fd_list() {
	for f in "/proc/$DAEMON_PID/fd"/*; do
		printf '%s -> %s\n' "${f##*/}" "$(readlink "$f")"
	done
}

fds_are() {
	[ "$(fds)" -eq "$1" ]
}

all_idle() {
	[ "$(ctl status --json | jq -s 'map(select(.state != "idle")) | length')" -eq 0 ]
}

write_conf <<EOF
task true { command = "/bin/true" }
task three { command = "echo three; exit 3" shell = true }
task nosuch { command = "/no/such/program" }
task leave { command = "sleep 9401.$TAG & echo left" shell = true }
task esc { command = "setsid sleep 9402.$TAG & echo escaped" shell = true }
task tmo { command = "/bin/sleep 9403.$TAG" timeout = 200ms }
EOF

check "daemon starts" start_fg

# want TASK: the exit status of maintctl run TASK --wait
want() {
	case $1 in
	true|leave|esc) echo 0 ;;
	*) echo 1 ;;
	esac
}

# Once each first, so every log file the daemon keeps open is open.
bad=0
for t in true three nosuch leave esc tmo; do
	ctl run "$t" --wait >/dev/null 2>&1
	[ $? -eq "$(want "$t")" ] || bad=$((bad + 1))
done
is "one run of each: the expected results" "$bad" 0
check "warm-up: all idle" wait_for 20 all_idle
check "warm-up: nothing left of the runs" wait_for 20 none 940
check "warm-up: no child of the daemon left" wait_for 20 children_are . 0
fd_list >"$T/fds.before"
before=$(fds)
diag "daemon fds before: $before"
first=$(st true .last.run)

# 100 runs one after the other
bad=0
i=0
while [ $i -lt 100 ]; do
	case $((i % 6)) in
	0) t=true ;; 1) t=three ;; 2) t=nosuch ;;
	3) t=leave ;; 4) t=esc ;; 5) t=tmo ;;
	esac
	ctl run "$t" --wait >/dev/null 2>&1
	rc=$?
	if [ "$rc" -ne "$(want "$t")" ]; then
		bad=$((bad + 1))
		diag "run $i of $t: maintctl exited $rc"
	fi
	i=$((i + 1))
done
is "100 runs in a row: each with the expected result" "$bad" 0

# 100 more, 5 at a time
bad=0
i=0
while [ $i -lt 20 ]; do
	for t in true three nosuch leave esc; do
		ctl run "$t" >/dev/null 2>&1 || bad=$((bad + 1))
	done
	if ! wait_for 20 all_idle; then
		bad=$((bad + 1))
		diag "round $i: not all idle after 20 s"
		break
	fi
	i=$((i + 1))
done
is "100 runs, 5 at once: each started and ended" "$bad" 0
last=$(ctl status --json | jq -s 'map(.last.run) | max')
check "at least 200 more runs recorded (run ids $first .. $last)" \
    test $((last - first)) -ge 200

check "afterwards: all idle" wait_for 20 all_idle
check "afterwards: nothing left of the runs" wait_for 20 none 940
check "afterwards: no zombie among the daemon's children" \
    wait_for 20 children_are Z 0
check "afterwards: no child of the daemon left at all" \
    wait_for 20 children_are . 0
if wait_for 20 fds_are "$before"; then
	ok "afterwards: the daemon has as many fds as before ($before)"
else
	not_ok "afterwards: the daemon has as many fds as before ($before)"
	fd_list >"$T/fds.after"
	diag "$(diff "$T/fds.before" "$T/fds.after")"
fi
check "afterwards: the daemon answers" ctl ping
like "afterwards: its title counts 0 running" \
    "$(tr '\0' ' ' <"/proc/$DAEMON_PID/cmdline")" '0 running'

is "the last result of three is still right" "$(st three .last.exit)" 3
is "the last result of nosuch is still right" "$(st nosuch .last.failure)" \
    "exec failed: /no/such/program: No such file or directory"

done_testing
