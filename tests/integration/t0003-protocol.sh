#!/bin/sh
# t0003-protocol: the control protocol over a raw socket (DESIGN §5):
# framing, pipelining, quoting, CRLF, errors, the 8 KiB limit, --json,
# escaped payloads, quit, max_clients, client_timeout, garbage.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 72

TAB=$(printf '\t')
ESC=$(printf '\033')
CR=$(printf '\r')

write_conf <<EOF
task alpha {
	description = "tab${TAB}and escape ${ESC}[31m red"
	command = "/bin/true"
	tags = { "t1" }
}
task beta {
	description = "café \\\\ back"
	command = "/bin/true"
	every = 1m
	tags = { "t2" }
}
EOF

# short REPLY: the final lines cut to their first two words.
short() {
	finals "$1" | cut -d' ' -f1-2
}

# payloads REPLY: the data lines without their "- ".
payloads() {
	printf '%s\n' "$1" | sed -n 's/^- //p'
}

# json_ok DESCRIPTION REPLY COUNT JQ-FILTER: the reply ends in OK and has
# COUNT data lines, each one JSON object for which JQ-FILTER is true.
json_ok() {
	p=$(payloads "$2")
	n=$(printf '%s\n' "$p" | grep -c .)
	if [ "$(finals "$2" | cut -c1-2)" = OK ] && [ "$n" -eq "$3" ] &&
	    [ "$(printf '%s\n' "$p" | jq -s length 2>&1)" = "$n" ] &&
	    printf '%s\n' "$p" | jq -e -s "all(.[]; type == \"object\" and ($4))" \
	    >/dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		diag "want $3 JSON objects satisfying: $4"
		diag "reply: $2"
	fi
}

# no_cntrl DESCRIPTION REPLY: no control characters but the newlines.
no_cntrl() {
	if printf '%s' "$2" | tr -d '\n' | LC_ALL=C grep -q '[[:cntrl:]]'; then
		not_ok "$1"
		diag "raw control characters in: $(printf '%s' "$2" | od -c | head -20)"
	else
		ok "$1"
	fi
}

# count_is N REGEX FILE: FILE has N lines matching REGEX.
count_is() {
	[ "$(grep -c -- "$2" "$3")" -eq "$1" ]
}

# nchars N: N letters 'a'.
nchars() {
	printf "%$1s" '' | tr ' ' a
}

check "daemon starts" start_fg

# --- framing and pipelining -----------------------------------------------

r=$(raw ping version "status alpha" "show nosuch" ping)
is "pipelined requests are answered in order" "$(short "$r")" \
    "$(printf 'OK pong\nOK maintd\nOK 1\nERR unknown-task\nOK pong')"
like "each data line starts with '- '" "$(printf '%s\n' "$r" |
    grep -Ev '^(OK|ERR)( |$)' | grep -v '^- ' | head -1)" '^$'

set --
i=1
while [ "$i" -le 100 ]; do
	set -- "$@" "show t$i" ping
	i=$((i + 1))
done
r=$(raw "$@")
is "200 pipelined requests in one write: 200 replies in order" \
    "$(finals "$r" | awk '
	NR % 2 == 1 { if (index($0, "ERR unknown-task") != 1 ||
	    index($0, "t" (NR + 1) / 2 "'\''") == 0) bad++ }
	NR % 2 == 0 { if ($0 != "OK pong") bad++ }
	END { print NR, bad + 0 }')" "200 0"

# Replies far beyond the daemon's output high-water mark: it must stop
# reading, then go on with the queued requests once the client has read.
yes help | head -n 1500 >"$T/helps"
conn_open helps
cat "$T/helps" >"$T/helps.in"
check "1500 pipelined helps on an open connection: all answered" \
    wait_for 20 count_is 1500 '^OK' "$T/helps.out"
conn_close helps
r=$(socat -t 5 - "UNIX-CONNECT:$SOCK" <"$T/helps")
is "... and when the client half-closes after writing them" \
    "$(finals "$r" | grep -c '^OK')" 1500

# --- quoting, separators, CRLF, case ---------------------------------------

like "quoted task name" "$(raw 'show "alpha"')" '^- task +alpha$'
like "quoted word with a blank is one word" "$(raw 'show "al pha"')" \
    "^ERR unknown-task .*'al pha'"
like "... and a second word makes it a usage error" \
    "$(raw 'show "al pha" x')" '^ERR usage '
like "\\\" inside quotes does not end the word" "$(raw 'show "a\"b c"')" \
    "^ERR unknown-task .*a\"b c"
like "\\\\ inside quotes is one backslash, and the quote after it ends the word" \
    "$(raw 'show "x\\"')" '^ERR unknown-task '
like "unterminated quote: usage error" "$(raw 'show "alpha')" \
    '^ERR usage .*unterminated'
like "unknown escape in quotes: usage error" "$(raw 'show "a\nb"')" \
    '^ERR usage '
like "a quoted verb" "$(raw '"ping"')" '^OK pong$'
like "tabs separate words too" "$(raw "show${TAB}alpha${TAB}")" \
    '^- task +alpha$'
r=$(raw "ping$CR" "status alpha$CR")
is "CRLF line ends are accepted" "$(short "$r")" "$(printf 'OK pong\nOK 1')"
no_cntrl "no CR in the replies to CRLF requests" "$r"
is "the verb is case-insensitive" "$(short "$(raw PING Ping 'STATUS alpha')")" \
    "$(printf 'OK pong\nOK pong\nOK 1')"

# --- errors -------------------------------------------------------------

like "unknown verb" "$(raw frobnicate)" \
    "^ERR unknown-verb .*frobnicate"
like "status of an unknown task" "$(raw 'status nosuch')" \
    "^ERR unknown-task .*nosuch"
is "status with one unknown task among known ones: only the error" \
    "$(raw 'status alpha nosuch')" \
    "$(raw 'status nosuch')"
like "show of an unknown task" "$(raw 'show nosuch')" \
    "^ERR unknown-task .*nosuch"
like "show without a task: usage" "$(raw show)" '^ERR usage '
like "ping with an argument: usage" "$(raw 'ping extra')" '^ERR usage '
like "list with an argument: usage" "$(raw 'list extra')" '^ERR usage '
like "unknown option: usage" "$(raw 'status --bogus')" '^ERR usage .*bogus'
like "option without its value: usage" "$(raw 'list --tag')" '^ERR usage '
r=$(raw 'list --tag t2')
is "list --tag: only the tasks with the tag" \
    "$(payloads "$r" | awk 'NR > 1 { print $1 }')" beta
r=$(printf 'pi\000ng\nping\n' | socat -t 5 - "UNIX-CONNECT:$SOCK")
is "a NUL in a request is an error, and the next request works" \
    "$(short "$r")" "$(printf 'ERR usage\nOK pong')"

# --- the 8 KiB limit ------------------------------------------------------

long=$(nchars 8193)
r=$(raw ping "$long" ping)
is "8193-byte line: ERR too-long, and nothing after it is answered" \
    "$(short "$r")" "$(printf 'OK pong\nERR too-long')"

conn_open big
conn_send big "$long"
check "8193-byte line: the daemon closes the connection" \
    wait_for 10 gone "$(conn_pid big)"
like "... after saying ERR too-long" "$(cat "$T/big.out")" '^ERR too-long '
check "... and a new connection is answered" ctl ping

r=$(nchars 10000 | socat -t 5 - "UNIX-CONNECT:$SOCK")
like "10000 bytes and no newline: ERR too-long" "$r" '^ERR too-long '

exact="show $(nchars 8187)"
is "(the exact line is 8192 bytes)" "$(printf '%s' "$exact" | wc -c)" 8192
is "8192-byte line is not too long" "$(short "$(raw "$exact" ping)")" \
    "$(printf 'ERR unknown-task\nOK pong')"
is "8192-byte line with CRLF is not too long" \
    "$(short "$(raw "$exact$CR" ping)")" \
    "$(printf 'ERR unknown-task\nOK pong')"

# --- --json ----------------------------------------------------------------

json_ok "status --json: one object per task with task, kind, active, state" \
    "$(raw 'status --json')" 2 \
    'has("task") and has("kind") and has("active") and has("state") and
     (.active | type == "boolean") and (.state | type == "string")'
json_ok "status TASK --json" "$(raw 'status alpha --json')" 1 \
    '.task == "alpha" and .kind == "oneshot" and .active == false'
json_ok "list --json" "$(raw 'list --json')" 2 \
    'has("task") and has("kind") and (.tags | type == "array") and
     has("description")'
json_ok "list --tag --json" "$(raw 'list --json --tag t2')" 1 \
    '.task == "beta" and .kind == "periodic" and .tags == ["t2"]'
json_ok "show --json: one object, the description intact" \
    "$(raw 'show --json alpha')" 1 \
    ".task == \"alpha\" and (.command | type == \"array\") and
     .description == \"tab\\tand escape \\u001b[31m red\""
json_ok "help --json" "$(raw 'help --json')" \
    "$(payloads "$(raw 'help --json')" | grep -c .)" \
    'has("verb") and has("usage")'
like "help --json lists status, list and show" \
    "$(payloads "$(raw 'help --json')" | jq -r .verb | sort | tr '\n' ' ')" \
    'list .*show status'
json_ok "help VERB --json" "$(raw 'help status --json')" 1 \
    '.verb == "status"'
json_ok "version --json" "$(raw 'version --json')" 1 \
    '(.version | type == "string") and .protocol == 1'
is "ping --json: one object, OK pong" "$(raw 'ping --json' | sed 's/"version":"[^"]*"/V/')" "$(printf -- '- {"pong":true,V}\nOK pong')"
is "--json applies to its own request only" \
    "$(short "$(raw 'status alpha --json' 'status alpha')")" \
    "$(printf 'OK 1\nOK 1')"
like "... the next one is a table again" \
    "$(payloads "$(raw 'status alpha --json' 'status alpha')" | sed -n 2p)" \
    '^TASK +KIND'

# --- no raw control characters ------------------------------------------------

r=$(raw list 'show alpha' "show \"x${ESC}y${TAB}z\"" "status \"${ESC}\"")
no_cntrl "text replies carry no raw control characters" "$r"
like "a tab in a description shows as \\t" \
    "$(payloads "$r" | grep '^description')" 'tab\\tand'
like "an escape in a description shows escaped" \
    "$(payloads "$r" | grep '^description')" 'escape \\(033|e|x1b)\[31m'
like "control characters in an error message are escaped" \
    "$(finals "$r" | sed -n 3p)" "^ERR unknown-task .*x\\\\(033|e|x1b)y"
like "printable UTF-8 is sent as it is, a backslash doubled" \
    "$(payloads "$(raw 'show beta')" | grep '^description')" \
    '^description +café \\\\ back$'
no_cntrl "JSON replies carry no raw control characters" \
    "$(raw 'list --json' 'show alpha --json' 'status --json')"

# --- quit --------------------------------------------------------------------

is "quit: OK bye, and nothing after it is answered" "$(raw quit ping)" "OK bye"
conn_open q
conn_send q quit
check "quit: the daemon closes the connection" \
    wait_for 10 gone "$(conn_pid q)"
is "... after OK bye" "$(cat "$T/q.out")" "OK bye"

# --- garbage ---------------------------------------------------------------------

i=0
while [ "$i" -lt 20 ]; do
	head -c 16384 /dev/urandom | socat -t 2 - "UNIX-CONNECT:$SOCK" \
	    >/dev/null 2>&1
	i=$((i + 1))
done
printf 'x\000\000\377\r\r\n\000\n\r\n"\\\n' | socat -t 2 - "UNIX-CONNECT:$SOCK" \
    >/dev/null 2>&1
check "after random bytes and NULs the daemon is alive" alive "$DAEMON_PID"
check "... and answers" ctl ping

# --- max_clients ---------------------------------------------------------------

stop_daemon
write_conf <<EOF
max_clients = 2
task alpha { command = "/bin/true" }
EOF
check "daemon with max_clients = 2 starts" start_fg
# One after the other: once c1 is answered, start_fg's probe is gone.
conn_open c1
conn_send c1 ping
check "a first client is served" wait_for 10 count_is 1 '^OK pong' "$T/c1.out"
conn_open c2
conn_send c2 ping
check "a second client is served" wait_for 10 count_is 1 '^OK pong' "$T/c2.out"
# Read only: a client that writes may get EPIPE before it reads the reply.
r=$(socat -t 5 -u "UNIX-CONNECT:$SOCK" -)
like "the third connection gets ERR busy" "$r" '^ERR busy'
is "... and nothing else: the daemon closes it" \
    "$(printf '%s\n' "$r" | grep -c .)" 1
# maintctl writes its request first; whether or not the daemon has closed
# by then, it must report the daemon's answer, busy, every time.
busy=0
i=0
while [ "$i" -lt 10 ]; do
	"$MAINTCTL" -s "$SOCK" ping >"$T/busy.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q busy "$T/busy.out"; then
		busy=$((busy + 1))
	else
		diag "maintctl exit $rc: $(cat "$T/busy.out")"
	fi
	i=$((i + 1))
done
is "maintctl on a busy daemon: exit 1 saying busy, 10 times out of 10" \
    "$busy" 10
conn_send c1 ping
check "the first two connections still work" \
    wait_for 10 count_is 2 '^OK pong' "$T/c1.out"
conn_close c1
check "once one leaves, a new client is served" wait_for 10 ctl ping
conn_close c2

# --- client_timeout ------------------------------------------------------------

stop_daemon
write_conf <<EOF
client_timeout = 1s
task alpha { command = "/bin/true" }
EOF
check "daemon with client_timeout = 1s starts" start_fg
conn_open idle
conn_send idle ping
check "the idle client was served" wait_for 10 grep -q '^OK pong' \
    "$T/idle.out"
check "the daemon closes the silent connection" \
    wait_for 20 gone "$(conn_pid idle)"
check "... and still answers others" ctl ping

done_testing
