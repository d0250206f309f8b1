#!/bin/sh
# t0008-messages: what people read when something is refused.  A usage
# error says "usage" once; an unknown task name that differs from a real
# one only in case or by one edit gets "did you mean"; the pidfile is a
# text file (a pid and a newline); a denied request names who may, and is
# an event of the activity log, at most ten in a burst (then one in six
# seconds, the next one counting those it held back).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 15

write_conf <<'EOF2'
socket_mode = "0666"
admin_group = "daemon"
task database-vacuum { command = "/bin/true" }
task Backup { command = "/bin/true" }
EOF2
check "daemon starts" start_fg

ctl show >"$T/o" 2>&1
is "usage error: maintctl says usage once" "$(cat "$T/o")" \
    "maintctl: usage: show TASK"
is "... and exits 2" "$(ctl show >/dev/null 2>&1; echo $?)" 2

ctl show database-vacum >"$T/o" 2>&1
is "one letter missing: did you mean" "$(cat "$T/o")" \
    "maintctl: unknown-task: no task named 'database-vacum' (did you mean 'database-vacuum'?)"
ctl activate backup >"$T/o" 2>&1
like "another case: did you mean" "$(cat "$T/o")" "did you mean 'Backup'"
ctl status database-vacuun >"$T/o" 2>&1
like "one letter changed: did you mean" "$(cat "$T/o")" "did you mean 'database-vacuum'"
ctl status nothing-like-it >"$T/o" 2>&1
is "far from every name: no guess" "$(cat "$T/o")" \
    "maintctl: unknown-task: no task named 'nothing-like-it'"

is "the pidfile is the pid and a newline" "$(od -c "$PIDFILE" | head -n 1)" \
    "$(printf '%s\n' "$DAEMON_PID" | od -c | head -n 1)"

# suppressed_counted: one more denied request; its event (once the
# bucket has a token again) says how many were not recorded
suppressed_counted() {
	as_nobody "$MAINTCTL" -s "$SOCK" stop Backup >/dev/null 2>&1
	[ "$(ctl --json events -n 1 | jq -r '[.event, .detail.suppressed >= 20] | join(" ")')" = "denied true" ]
}

if is_root; then
	as_nobody "$MAINTCTL" -s "$SOCK" activate Backup >"$T/o" 2>&1
	is "denied: exit 77" "$?" 77
	is "denied: the message names the admin group, root once" "$(cat "$T/o")" \
	    "maintctl: denied: activate changes state: only root or members of admin_group daemon may use it"
	nuid=$(id -u nobody)
	is "denied: an event with the actor and the verb" \
	    "$(ctl --json events -n 1 | jq -c '[.event, .actor, .detail.verb]')" \
	    "[\"denied\",\"nobody (uid $nuid)\",\"activate\"]"
	i=0
	while [ "$i" -lt 30 ]; do
		echo "deactivate Backup"
		i=$((i + 1))
	done | as_nobody socat -t 5 - "UNIX-CONNECT:$SOCK" >"$T/flood"
	is "a flood of 30: each gets ERR denied" "$(grep -c '^ERR denied' "$T/flood")" 30
	n=$(ctl --json events -n 100 | jq -s '[.[] | select(.event == "denied")] | length')
	check "... but at most ten denied events are recorded in a burst" \
	    test "$n" -ge 10 -a "$n" -le 11
	check "the next one recorded counts those held back" \
	    wait_for 20 suppressed_counted
	is "... and the daemon logs each one" \
	    "$(grep -c 'uid '"$nuid"') denied deactivate' "$T/daemon.log")" 30
else
	for _ in 1 2 3 4 5 6 7; do
		skip "denied requests need a client that is not root (needs root)"
	done
fi

done_testing
