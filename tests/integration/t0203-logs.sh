#!/bin/sh
# t0203-logs: a task's output as "logs" shows it (maintctl(8) "logs",
# DESIGN §3 "Child output").  From the log file for output = file, from
# the last 200 lines in memory for discard and syslog; -n (default 50;
# 0: none, with --follow only the new ones),
# --grep (extended regex, with -n), --since in the TIME forms; errors;
# every --json line parses with exactly task, time, run, line; --follow
# (raw connection and maintctl) delivers the lines written after the
# subscription, only the matching ones with --grep, and keeps going
# across "reopen" and SIGUSR1 after the file was moved away, as a
# rotation does; reopen is an admin verb; a daemon stop ends the stream.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 85

KEYS='["task","time","run","stream","line"]'
STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(Z|[+-][0-9]{2}:[0-9]{2})'

# text LINES: the text after "] " of each log line.
text() {
	sed 's/^[^ ]* \[[0-9]*\] //'
}

# lg ARGS...: the text of the lines logs prints, on one line.
lg() {
	ctl --json logs "$@" | jq -r .line | tr '\n' ' '
}

lastrun() {
	ctl --json history "$1" -n 1 | jq -r .run
}

in_file() {
	grep -Eq -- "$2" "$1"
}

second_passed() {
	[ "$(date +%s)" -gt "$1" ]
}

# json_ok ARGS...: every logs --json line has exactly the keys.
json_ok() {
	ctl --json logs "$@" >"$T/j" || return 1
	[ -s "$T/j" ] || { echo "no lines"; return 1; }
	jq -se --argjson k "$KEYS" 'all(.[]; keys_unsorted == $k and
	    (.run | type) == "number" and (.line | type) == "string")' "$T/j"
}


# same GOT WANT: equal, or says how not (as od -c: diag's echo would
# read backslashes).
same() {
	[ "$1" = "$2" ] && return 0
	printf 'got:  %s\n' "$(printf '%s' "$1" | od -An -c | tr -s ' \n' '  ')"
	printf 'want: %s\n' "$(printf '%s' "$2" | od -An -c | tr -s ' \n' '  ')"
	return 1
}

# say WORD: run echo, which prints "RUN: WORD".
say() {
	echo "$1" >"$T/msg"
	ctl run echo --wait
}

: >"$T/msg"
chmod 644 "$T/msg"
printf 'caf\303\251 \342\202\254\tend\n' >"$T/odd"
chmod 644 "$T/odd"
printf 'apple\nbanana\ncherry\napple pie\nbandana\n' >"$T/fruit"
chmod 644 "$T/fruit"

write_conf <<EOF
socket_mode = "0666"
task fruit { command = { "/bin/cat", "$T/fruit" } }
task many { command = "/usr/bin/seq 1 120" }
task gone { command = "/usr/bin/seq 1 250" output = discard }
task sys { command = "/usr/bin/seq 1 5" output = syslog }
task echo { command = "echo \$MAINTD_RUN_ID: \$(cat $T/msg)" shell = true }
task silent { command = "/bin/true" }
task odd { command = { "/bin/cat", "$T/odd" } }
EOF

check "daemon starts" start_fg

# --- from the file ----------------------------------------------------------

check "fruit: run" ctl run fruit --wait
rid=$(lastrun fruit)
ctl logs fruit >"$T/o"
is "logs: every line, oldest first" "$(text <"$T/o" | tr '\n' ' ')" \
    "apple banana cherry apple pie bandana "
like "logs: TIME [RUN] text, as in the file" "$(sed -n 1p "$T/o")" \
    "^$STAMP \\[$rid\\] apple\$"
is "logs: the same lines as the file" "$(cat "$T/o")" "$(cat "$T/log/fruit.log")"
is "-n 2: the last two" "$(lg fruit -n 2)" "apple pie bandana "
is "--grep apple" "$(lg fruit --grep apple)" "apple apple pie "
is "--grep an extended regex: (an){2}" "$(lg fruit --grep '(an){2}')" \
    "banana "
is "--grep ban|che" "$(lg fruit --grep 'ban|che')" "banana cherry bandana "
is "--grep with -n 1: the last match" "$(lg fruit --grep apple -n 1)" \
    "apple pie "
is "--grep that matches nothing" "$(lg fruit --grep zebra)" ""
like "--grep: OK with the number of lines" \
    "$(raw 'logs fruit --grep "an"' | tail -1)" '^OK 2 lines$'
ctl logs fruit --grep 'a(' >"$T/o" 2>"$T/e"
is "--grep a bad regex: exit 2" "$?" 2
like "--grep a bad regex: usage error" "$(cat "$T/e")" '^maintctl: usage: --grep a\(: '
ctl logs nosuch >"$T/o" 2>"$T/e"
is "unknown task: exit 1" "$?" 1
like "unknown task: unknown-task" "$(cat "$T/e")" '^maintctl: unknown-task: '
ctl logs >/dev/null 2>&1
is "no task: exit 2" "$?" 2
is "silent: never wrote a line: no line" "$(lg silent)" ""
like "silent: OK 0 lines" "$(raw 'logs silent' | tail -1)" '^OK 0 lines$'

check "many: run" ctl run many --wait
is "default: the last 50 (71 to 120)" "$(lg many)" "$(seq 71 120 | tr '\n' ' ')"
is "-n 1000: all 120" "$(ctl logs many -n 1000 | wc -l | tr -d ' ')" 120
check "many: run again" ctl run many --wait
is "-n 130: the last 130, across the two runs" \
    "$(lg many -n 130)" "$(seq 111 120 | tr '\n' ' ')$(seq 1 120 | tr '\n' ' ')"
is "-n 25 --grep '^1[0-9][0-9]\$' (the text, not the stamp): the last 25 that match" \
    "$(lg many -n 25 --grep '^1[0-9][0-9]$')" \
    "$(seq 117 120 | tr '\n' ' ')$(seq 100 120 | tr '\n' ' ')"
is "-n 0: no line (with --follow: only new ones)" "$(raw 'logs many -n 0')" \
    "OK 0 lines"
check "every line: exactly the documented keys" json_ok many -n 1000
is "--json: task, run, line of the last line" \
    "$(ctl --json logs many -n 1 | jq -c '[.task, .run, .line]')" \
    "[\"many\",$(lastrun many),\"120\"]"
like "--json: time is the line's time stamp" \
    "$(ctl --json logs many -n 1 | jq -r .time)" "^$STAMP\$"

# --since: a run, a later second, another run
s0=$(date +%s)
check "a new second begins" wait_for 5 second_passed "$s0"
since=$(date +%s)
check "echo: run" ctl run echo --wait
rid=$(lastrun echo)
is "--since that second (RFC 3339): only the new run" \
    "$(lg many --since "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)")" ""
is "--since that second: the new run of echo" \
    "$(lg echo --since "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)")" "$rid: "
is "--since that second, local time form: the new run of echo" \
    "$(lg echo --since "$(date -d "@$since" '+%Y-%m-%d %H:%M:%S')")" "$rid: "
first=$(date -d "$(ctl --json logs many -n 1000 | head -1 | jq -r .time)" +%s)
is "--since the second of many's first line (local form): all 240" \
    "$(ctl logs many -n 1000 --since "$(date -d "@$first" '+%Y-%m-%d %H:%M:%S')" |
    wc -l | tr -d ' ')" 240
is "--since 1h with no -n: every line" \
    "$(ctl logs many --since 1h | wc -l | tr -d ' ')" 240
is "--since 1h -n 3" "$(lg many --since 1h -n 3)" "118 119 120 "
ctl logs many --since soon >/dev/null 2>&1
is "--since soon: exit 2" "$?" 2

# --- what is not plain ASCII ------------------------------------------------

check "odd: run" ctl run odd --wait
is "--json: the line exactly as written (UTF-8, tab)" \
    "$(ctl --json logs odd | jq -r .line)" "$(cat "$T/odd")"
like "text: the tab made visible as \\t" "$(ctl logs odd)" '\\tend$'
check "text: UTF-8 shown as it is (only control characters escaped)" \
    same "$(ctl logs odd | text)" "$(printf 'caf\303\251 \342\202\254\\tend')"

# --- from memory ------------------------------------------------------------

check "gone (output = discard): run" ctl run gone --wait
check "discard: no log file" test ! -e "$T/log/gone.log"
is "discard: default, the last 50 of memory" "$(lg gone)" \
    "$(seq 201 250 | tr '\n' ' ')"
is "discard: -n 1000 gives the 200 kept" "$(ctl logs gone -n 1000 | wc -l | tr -d ' ')" \
    200
is "discard: the 200 kept are the last" "$(lg gone -n 1000 | cut -d' ' -f1)" 51
like "discard: TIME [RUN] text" "$(ctl logs gone -n 1)" \
    "^$STAMP \\[$(lastrun gone)\\] 250\$"
is "discard: --grep" "$(lg gone --grep '^24[0-9]$' -n 3)" "247 248 249 "
is "discard: --since in the future" "$(lg gone --since 2099-01-01T00:00:00Z)" ""
check "discard: --json keys" json_ok gone -n 5
check "sys (output = syslog): run" ctl run sys --wait
is "syslog: the lines from memory" "$(lg sys)" "1 2 3 4 5 "

# --- follow -----------------------------------------------------------------

conn_open f
conn_send f "logs echo --follow -n 1"
check "follow: the last line first" wait_for 10 in_file "$T/f.out" "^- .*\\[$rid\\] $rid:\$"
conn_open g
conn_send g 'logs echo --follow --json --grep "[0-9]:( wanted)?$" -n 1'
check "follow --grep --json: the last matching line first" wait_for 10 \
    in_file "$T/g.out" "\"line\":\"$rid:\""
"$MAINTCTL" -s "$SOCK" logs echo --follow -n 1 >"$T/bg.out" 2>&1 &
bg=$!
EXTRA_PIDS="$EXTRA_PIDS $bg"
check "follow (maintctl): the last line first" wait_for 10 test -s "$T/bg.out"
check "ping answers while clients follow" ctl ping
check "echo: run (unwanted)" say unwanted
check "echo: run (wanted)" say wanted
r1=$(($(lastrun echo) - 1))
r2=$(lastrun echo)
check "follow (raw): the new line arrives" wait_for 10 in_file "$T/f.out" \
    "^- $STAMP \\[$r2\\] $r2: wanted\$"
check "follow (maintctl): the new line arrives" wait_for 10 in_file \
    "$T/bg.out" "^$STAMP \\[$r2\\] $r2: wanted\$"
check "follow --grep --json: the matching line arrives" wait_for 10 in_file \
    "$T/g.out" "\"line\":\"$r2: wanted\""
is "follow: both lines, in order" "$(sed -n 's/^- //p' "$T/f.out" | text |
    tail -2 | tr '\n' ' ')" "$r1: unwanted $r2: wanted "
check_fails "follow --grep: the other line does not" grep -q unwanted "$T/g.out"
is "follow --json: the line's keys and values" \
    "$(sed -n 's/^- //p' "$T/g.out" | tail -1 | jq -c '[keys_unsorted, .task, .run, .line]')" \
    "[$KEYS,\"echo\",$r2,\"$r2: wanted\"]"

# rotation: move the file away, reopen, the stream and the file go on
mv "$T/log/echo.log" "$T/log/echo.log.1"
check "reopen" ctl reopen
check "echo: run after reopen" say after-reopen
r3=$(lastrun echo)
check "reopen: a new echo.log" in_file "$T/log/echo.log" "\\[$r3\\] $r3: after-reopen\$"
check_fails "reopen: the moved file does not get the new line" \
    grep -q after-reopen "$T/log/echo.log.1"
check "reopen: follow goes on" wait_for 10 in_file "$T/f.out" \
    "\\[$r3\\] $r3: after-reopen\$"
mv "$T/log/echo.log" "$T/log/echo.log.2"
check "SIGUSR1" kill -USR1 "$DAEMON_PID"
check "the daemon lives on after USR1" ctl ping
check "echo: run after USR1" say after-usr1
r4=$(lastrun echo)
check "USR1: a new echo.log" in_file "$T/log/echo.log" "\\[$r4\\] $r4: after-usr1\$"
check_fails "USR1: the moved file does not get the new line" \
    grep -q after-usr1 "$T/log/echo.log.2"
check "USR1: follow goes on" wait_for 10 in_file "$T/f.out" \
    "\\[$r4\\] $r4: after-usr1\$"
is "logs reads the current file only" "$(lg echo)" "$r4: after-usr1 "
# -n 0: once it follows (a new line reaches it), nothing older came
conn_open z
conn_send z "logs echo --follow -n 0"
zmarked() {
	say zmark >/dev/null
	in_file "$T/z.out" ': zmark$'
}
check "follow -n 0: a new line arrives" wait_for 20 zmarked
check_fails "... and no line from before" grep -q after-usr1 "$T/z.out"
conn_close z
like "raw: reopen answers OK" "$(raw reopen)" '^OK'

if is_root; then
	setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$MAINTCTL" -s "$SOCK" reopen >/dev/null 2>&1
	is "reopen by a user outside admin_group: denied (77)" "$?" 77
	setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$MAINTCTL" -s "$SOCK" logs echo >"$T/o" 2>&1
	is "logs by a user outside admin_group: allowed (read-only)" "$?" 0
else
	skip "another user needs root"
	skip "another user needs root"
fi

stop_daemon
check "daemon stop: OK maintd is stopping ends the stream" \
    wait_for 10 in_file "$T/f.out" '^OK maintd is stopping$'
check "the maintctl follower exits 0" wait_for 10 gone "$bg"
wait "$bg"
is "the maintctl follower's status" "$?" 0
conn_close f
conn_close g

done_testing
