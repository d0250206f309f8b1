#!/bin/sh
# t0202-events: the activity log (DESIGN §7, maintctl(8) "events").  Who
# did it: "NAME (uid N)" for a client (root, and as root an admin_group
# user run through setpriv), "maintd", "schedule", "timer"; the details
# of activated, run-started and the run-* events; a denied request names
# the task asked for; a refused request leaves no event; oldest first,
# -n (0: none), --task, --since, --grep (on the text line; a pattern
# with a back-reference refused); the text line; every --json line
# parses with exactly the documented keys; the log survives a restart
# (stopped, started); --follow delivers what happens after the
# subscription (raw connection and maintctl), filtered by --task and
# --grep, only that with -n 0, and ends with "OK maintd is stopping"
# when the daemon stops.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 98

KEYS='["id","time","task","event","actor","detail"]'
STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(Z|[+-][0-9]{2}:[0-9]{2})'
ME="$(id -un) (uid $(id -u))"
MERE="$(id -un) \\(uid $(id -u)\\)"	# (as a regular expression)

# ev [ARGS...]: events --json, as compact lines.
ev() {
	ctl --json events -n 100000 "$@" | jq -c .
}

# last_ev TASK EVENT FILTER: FILTER applied to the newest such event.
last_ev() {
	ev --task "$1" | jq -r --arg e "$2" "select(.event == \$e) | $3" |
	    tail -1
}

has_ev() {
	[ -n "$(last_ev "$1" "$2" .id)" ]
}

# json_ok ARGS...: every events --json line has exactly the keys, and
# detail is an object or null.
json_ok() {
	ctl --json events "$@" >"$T/j" || return 1
	[ -s "$T/j" ] || { echo "no events"; return 1; }
	jq -se --argjson k "$KEYS" 'all(.[]; keys_unsorted == $k and
	    (.detail == null or (.detail | type) == "object") and
	    (.id | type) == "number")' "$T/j"
}

in_file() {
	grep -q -- "$2" "$1"
}

second_passed() {
	[ "$(date +%s)" -gt "$1" ]
}

if is_root; then
	ADMIN='admin_group = "nogroup"'
else
	ADMIN=''
fi

write_conf <<EOF
socket_mode = "0666"
$ADMIN
task one { command = "echo one" shell = true }
task bad { command = "exit 2" shell = true }
task hourly { every = 1h command = "/bin/true" }
task ticker { every = 1s command = "/bin/true" }
task brief { every = 1h command = "/bin/true" }
EOF

check "daemon starts" start_fg
start_id=$(ev | jq -r 'select(.event == "started") | .id' | tail -1)
is "started: by maintd, no task, no detail" \
    "$(ev | jq -c 'select(.event == "started") | [.task, .actor, .detail]' |
    tail -1)" '[null,"maintd",null]'

# --- who did it -------------------------------------------------------------

check "activate hourly" ctl activate hourly
is "activated: by the client's uid" "$(last_ev hourly activated .actor)" "$ME"
is "activated without --for: no limit in the detail" \
    "$(last_ev hourly activated '.detail | tostring')" '{}'
check "deactivate hourly" ctl deactivate hourly
is "deactivated: by the client's uid" "$(last_ev hourly deactivated .actor)" \
    "$ME"
is "deactivated: no detail" "$(last_ev hourly deactivated .detail)" null

check "activate hourly --for 2h" ctl activate hourly --for 2h
is "activated --for 2h: detail for_s" \
    "$(last_ev hourly activated .detail.for_s)" 7200
until=$(last_ev hourly activated .detail.until)
like "activated --for 2h: detail until, an RFC 3339 time" "$until" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'
left=$(($(date -d "$until" +%s) - $(date +%s)))
check "activated --for 2h: until is about two hours away ($left s)" \
    test "$left" -gt 7100 -a "$left" -le 7201
check "deactivate hourly" ctl deactivate hourly

if is_root; then
	NOBODY_UID=$(id -u nobody)
	as_nobody "$MAINTCTL" -s "$SOCK" activate hourly >"$T/o" 2>&1
	is "admin_group user (nobody/nogroup): activate succeeds" "$?" 0
	is "admin_group user: activated by nobody (uid $NOBODY_UID)" \
	    "$(last_ev hourly activated .actor)" "nobody (uid $NOBODY_UID)"
	as_nobody "$MAINTCTL" -s "$SOCK" deactivate hourly >"$T/o" 2>&1
	is "admin_group user: deactivate succeeds" "$?" 0
	is "admin_group user: deactivated by nobody (uid $NOBODY_UID)" \
	    "$(last_ev hourly deactivated .actor)" "nobody (uid $NOBODY_UID)"
	as_nobody "$MAINTCTL" -s "$SOCK" run one --wait >"$T/o" 2>&1
	is "admin_group user: run succeeds" "$?" 0
	is "admin_group user: run-started by nobody (uid $NOBODY_UID)" \
	    "$(last_ev one run-started .actor)" "nobody (uid $NOBODY_UID)"
	n0=$(ev | wc -l)
	setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$MAINTCTL" -s "$SOCK" activate hourly >"$T/o" 2>&1
	is "a user outside admin_group: denied (exit 77)" "$?" 77
	is "denied: one event recorded" "$(ev | wc -l)" "$((n0 + 1))"
	is "denied: the event names the actor, the verb and the task" \
	    "$(ctl --json events -n 1 | jq -c '[.event, .actor, .detail.verb, .task, .detail.task]')" \
	    "[\"denied\",\"daemon (uid $(id -u daemon))\",\"activate\",\"hourly\",\"hourly\"]"
	setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$MAINTCTL" -s "$SOCK" stop nosuch >"$T/o" 2>&1
	is "denied for a task that does not exist: named in the detail only" \
	    "$(ctl --json events -n 1 | jq -c '[.event, .task, .detail.task]')" \
	    '["denied",null,"nosuch"]'
	setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$MAINTCTL" -s "$SOCK" -y deactivate hourly one >"$T/o" 2>&1
	is "denied for several tasks: all of them in the detail" \
	    "$(ctl --json events -n 1 | jq -c '[.event, .detail.verb, .detail.tasks]')" \
	    '["denied","deactivate",["hourly","one"]]'
	is "events --task hourly finds the denied attempt" \
	    "$(ctl --json events --task hourly -n 1 | jq -r .event)" denied
else
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
		skip "an admin_group user other than the daemon's needs root"
	done
fi

# --- runs -------------------------------------------------------------------

check "run one" ctl run one --wait
rid=$(ctl --json history one -n 1 | jq -r .run)
rpid=$(ctl --json history one -n 1 | jq -r .pid)
is "run-started: by the client, detail run, trigger, pid" \
    "$(last_ev one run-started '[.actor, .detail.run, .detail.trigger, .detail.pid] | tostring')" \
    "[\"$ME\",$rid,\"manual\",$rpid]"
is "run-ok: by maintd, detail run, trigger, pid, result" \
    "$(last_ev one run-ok '[.actor, .detail.run, .detail.trigger, .detail.pid, .detail.result] | tostring')" \
    "[\"maintd\",$rid,\"manual\",$rpid,\"exit 0\"]"
is "run-ok: duration_s a number" \
    "$(last_ev one run-ok '.detail.duration_s | type')" number
ctl run bad --wait >/dev/null 2>&1
is "run-failed: result exit 2" "$(last_ev bad run-failed .detail.result)" \
    "exit 2"
is "run-started then run-failed, in that order" \
    "$(ev --task bad | jq -r .event | tr '\n' ' ')" "run-started run-failed "

check "activate ticker (every 1s)" ctl activate ticker
check "a scheduled run starts" wait_for 10 has_ev ticker run-started
is "scheduled run-started: by schedule, trigger schedule" \
    "$(last_ev ticker run-started '[.actor, .detail.trigger] | tostring')" \
    '["schedule","schedule"]'
check "deactivate ticker" ctl deactivate ticker

check "activate brief --for 1s" ctl activate brief --for 1s
check "auto-deactivated after 1s" wait_for 10 has_ev brief auto-deactivated
is "auto-deactivated: by timer" "$(last_ev brief auto-deactivated .actor)" timer
is "brief: inactive again" "$(ctl --json status brief | jq -r .active)" false

# --- selection, order, format -----------------------------------------------

ev >"$T/all"
is "oldest first: ids increase" \
    "$(jq -s '[.[].id] == ([.[].id] | sort)' "$T/all")" true
is "oldest first: times do not decrease" \
    "$(jq -s '[.[].time] == ([.[].time] | sort)' "$T/all")" true
is "-n 3: the three newest, oldest first" \
    "$(ctl --json events -n 3 | jq -r .id | tr '\n' ' ')" \
    "$(jq -r .id "$T/all" | tail -3 | tr '\n' ' ')"
is "--task one: only one's events" \
    "$(ctl --json events --task one | jq -r .task | sort -u)" one
is "--task one -n 1: its newest" "$(ctl --json events --task one -n 1 | jq -r .event)" \
    run-ok
ctl events --task nosuch >"$T/o" 2>"$T/e"
is "--task unknown: exit 1" "$?" 1
like "--task unknown: ERR unknown-task" "$(cat "$T/e")" '^maintctl: unknown-task: '
is "-n 0: no event (with --follow: only new ones)" "$(raw 'events -n 0')" \
    "OK 0 events"
ctl events --since never >/dev/null 2>&1
is "--since never: exit 2" "$?" 2
check "every line: exactly the documented keys" json_ok -n 100000

# default 50: make sure there are more than 50
i=0
while [ "$(ev | wc -l)" -le 55 ] && [ "$i" -lt 40 ]; do
	ctl run one --wait >/dev/null 2>&1
	i=$((i + 1))
done
is "default: the last 50" "$(ctl --json events | wc -l | tr -d ' ')" 50
like "raw: OK 50 events" "$(raw 'events' | tail -1)" '^OK 50 events$'

s0=$(date +%s)
check "a new second begins" wait_for 5 second_passed "$s0"
since=$(date +%s)
check "activate hourly" ctl activate hourly
is "--since that second: only the new event" \
    "$(ctl --json events --since "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)" |
    jq -r .event | tr '\n' ' ')" "activated "
is "--since local time form" \
    "$(ctl --json events --since "$(date -d "@$since" '+%Y-%m-%d %H:%M:%S')" |
    jq -r .event | tr '\n' ' ')" "activated "
is "--since 1h: more than the default 50" \
    "$(ctl --json events --since 1h | wc -l | tr -d ' ')" "$(ev | wc -l | tr -d ' ')"
is "--since 1h -n 2: 2" "$(ctl --json events --since 1h -n 2 | wc -l | tr -d ' ')" 2
check "deactivate hourly" ctl deactivate hourly

ctl events --task hourly -n 2 >"$T/text"
like "text: an activated line" "$(sed -n 1p "$T/text")" \
    "^$STAMP  hourly  activated  by $MERE  \\{\\}\$"
like "text: a deactivated line, no detail" "$(sed -n 2p "$T/text")" \
    "^$STAMP  hourly  deactivated  by $MERE\$"
ctl events -n 100000 >"$T/text"
like "text: the daemon's own line has - for the task" \
    "$(grep '  started  ' "$T/text" | head -1)" "^$STAMP  -  started  by maintd\$"
like "text: a run line with its JSON detail" \
    "$(grep '  one  run-ok  ' "$T/text" | tail -1)" \
    "^$STAMP  one  run-ok  by maintd  \\{\"run\":[0-9]+,.*\"result\":\"exit 0\""

# --- grep -------------------------------------------------------------------

is "--grep, on the text line: only what matches" \
    "$(ctl --json events -n 100000 --grep '  one  run-ok  ' |
    jq -r '[.task, .event] | join(" ")' | sort -u)" "one run-ok"
is "--grep -n 2: the two newest matches, oldest first" \
    "$(ctl --json events --grep 'run-(ok|started)' -n 2 | jq -r .id | tr '\n' ' ')" \
    "$(ev | jq -r 'select(.event | test("run-(ok|started)")) | .id' | tail -2 | tr '\n' ' ')"
is "--grep that matches nothing: OK 0 events" \
    "$(raw 'events --grep nothing-like-this')" "OK 0 events"
like "--grep with a back-reference: ERR usage" \
    "$(raw 'events --grep (one)\1')" '^ERR usage --grep .*back-references'

# --- follow -----------------------------------------------------------------

conn_open z
conn_send z 'events --follow -n 0 --grep "  activated  "'
# subscribed: an activation made now reaches it
subscribed() {
	ctl activate brief >/dev/null
	ctl deactivate brief >/dev/null
	in_file "$T/z.out" '  brief  activated  '
}
check "follow -n 0 --grep: a new matching event arrives" wait_for 10 subscribed
check_fails "follow -n 0: no event from before" grep -q '  hourly  ' "$T/z.out"
check_fails "follow --grep: no event that does not match" \
    grep -q '  deactivated  ' "$T/z.out"
conn_close z

conn_open f
conn_send f "events --follow --json -n 1"
check "follow: the last event first" wait_for 10 in_file "$T/f.out" '^- {'
check "ping answers while a client follows" ctl ping
conn_open g
conn_send g "events --follow --task one"
"$MAINTCTL" -s "$SOCK" --json events --follow -n 1 >"$T/bg.out" 2>&1 &
bg=$!
EXTRA_PIDS="$EXTRA_PIDS $bg"
check "follow (maintctl): the last event first" wait_for 10 test -s "$T/bg.out"
check "follow --task one: its past events first" wait_for 10 in_file \
    "$T/g.out" '  one  run-ok  '
n_before=$(grep -c '^- ' "$T/f.out")
check "follow: nothing ends the stream" test "$(grep -c '^OK' "$T/f.out")" -eq 0
check "run one after subscribing" ctl run one --wait
rid=$(ctl --json history one -n 1 | jq -r .run)
check "follow (raw): run-ok of the new run arrives" wait_for 10 in_file \
    "$T/f.out" "\"event\":\"run-ok\".*\"run\":$rid,"
check "follow (maintctl): run-ok of the new run arrives" wait_for 10 in_file \
    "$T/bg.out" "\"event\":\"run-ok\".*\"run\":$rid,"
check "follow --task one (text): run-ok arrives" wait_for 10 in_file \
    "$T/g.out" "  one  run-ok  by maintd  {\"run\":$rid,"
check "activate hourly" ctl activate hourly
check "follow: activated arrives" wait_for 10 in_file "$T/f.out" \
    '"task":"hourly","event":"activated"'
check "deactivate hourly" ctl deactivate hourly
check "follow: deactivated arrives" wait_for 10 in_file "$T/f.out" \
    '"task":"hourly","event":"deactivated"'
check_fails "follow --task one: nothing of hourly" grep -q hourly "$T/g.out"
sed -n 's/^- //p' "$T/f.out" >"$T/f.json"
is "follow: every line parses with exactly the documented keys" \
    "$(jq -se --argjson k "$KEYS" 'all(.[]; keys_unsorted == $k)' "$T/f.json")" true
is "follow: the new events in order: run-started run-ok activated deactivated" \
    "$(tail -n +$((n_before + 1)) "$T/f.json" | jq -r .event | tr '\n' ' ')" \
    "run-started run-ok activated deactivated "
is "follow: the ids of the new events are the stored ones" \
    "$(tail -n 4 "$T/f.json" | jq -r .id | tr '\n' ' ')" \
    "$(ctl --json events -n 4 | jq -r .id | tr '\n' ' ')"
conn_close g
check "a follower that closes is forgotten; the daemon answers" ctl ping

stop_daemon
check "daemon stop ends a follow stream: OK maintd is stopping" \
    wait_for 10 in_file "$T/f.out" '^OK maintd is stopping$'
check "the daemon closed the raw follower's connection" wait_for 10 gone \
    "$(conn_pid f)"
check "the maintctl follower exits" wait_for 10 gone "$bg"
wait "$bg"
is "the maintctl follower exits 0" "$?" 0
conn_close f

# --- after a restart --------------------------------------------------------

check "daemon starts again" start_fg
is "restart: stopped (by maintd) then started, after the old events" \
    "$(ev | jq -c 'select(.id > '"$start_id"' and (.event == "stopped" or .event == "started")) | [.event, .actor, .task]' | tr '\n' ' ')" \
    '["stopped","maintd",null] ["started","maintd",null] '
is "restart: the old events are still there" \
    "$(ev | jq -r "select(.id == $start_id) | .event")" started

stop_daemon
# 700 events in one millisecond, three of them marked: events --grep
# reads the store a page at a time (by time, the ids seen left out)
if command -v sqlite3 >/dev/null 2>&1; then
	check "700 events of one millisecond stored (sqlite3)" sqlite3 "$T/maintd.db" \
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 700)
	    INSERT INTO events (time, task, event, actor, detail)
	    SELECT strftime('%s', 'now') - 100.877, 'one', 'filler', 'test',
	    CASE WHEN i IN (5, 350, 690) THEN '{\"mark\":' || i || '}' ELSE NULL END FROM c"
	check "daemon starts again" start_fg
	is "--grep through pages of one time stamp: every match, oldest first" \
	    "$(ctl --json events -n 100000 --grep mark | jq -r .detail.mark | tr '\n' ' ')" \
	    "5 350 690 "
	is "... -n 2: the two newest" \
	    "$(ctl --json events -n 2 --grep mark | jq -r .detail.mark | tr '\n' ' ')" \
	    "350 690 "
	stop_daemon
else
	skip "no sqlite3 command"
	skip "no sqlite3 command"
	skip "no sqlite3 command"
fi

done_testing
