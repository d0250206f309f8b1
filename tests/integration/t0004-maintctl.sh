#!/bin/sh
# t0004-maintctl: the client.  Exit codes (0 OK, 1 ERR, 2 usage, 69 no
# daemon, 77 denied), aligned tables, --json lines, -q, MAINTD_SOCKET,
# the hint when no daemon answers.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 43

write_conf <<'EOF'
task a {
	description = "short one"
	command = "/bin/true"
	tags = { "x" }
}
task a-much-longer-task-name {
	description = "a description with several words"
	command = "/bin/true"
	every = 90s
	tags = { "x", "y" }
}
task mid {
	kind = service
	command = "/bin/sleep 100"
}
EOF

# run [ARGS]: maintctl (no -s unless given); sets RC, OUT, ERR.
run() {
	"$MAINTCTL" "$@" >"$T/run.out" 2>"$T/run.err"
	RC=$?
	OUT=$(cat "$T/run.out")
	ERR=$(cat "$T/run.err")
}

# aligned FILE: the first line is a header of one-word column titles;
# every column starts at the same offset on every line (a blank before
# it, a non-blank at it).  Prints the misaligned lines.
aligned() {
	awk '
	NR == 1 {
		for (i = 1; i <= length($0); i++)
			if (substr($0, i, 1) != " " &&
			    (i == 1 || substr($0, i - 1, 1) == " "))
				start[++n] = i
		next
	}
	{
		for (k = 2; k <= n; k++)
			if (substr($0, start[k] - 1, 1) != " " ||
			    substr($0, start[k], 1) == " " ||
			    substr($0, start[k], 1) == "") {
				print "line " NR ", column " k ": " $0
				bad = 1
			}
	}
	END { exit (bad || n < 2 || NR < 2) }' "$1"
}

# jsonl FILE COUNT: COUNT lines, each exactly one JSON object.
jsonl() {
	[ "$(grep -c . "$1")" -eq "$2" ] &&
	    [ "$(jq -s length "$1")" -eq "$2" ] &&
	    jq -e -s 'all(.[]; type == "object")' "$1" >/dev/null
}

check "daemon starts" start_fg

# --- exit codes -------------------------------------------------------------

run -s "$SOCK" ping
is "ping: exit 0" "$RC" 0
is "ping: prints the OK text" "$OUT" pong

run -s "$SOCK" status
is "status: exit 0" "$RC" 0
printf '%s\n' "$OUT" >"$T/status.txt"
is "status: a header and one line per task" "$(grep -c . "$T/status.txt")" 4
like "status: the header comes first, without '- '" "$(head -n 1 "$T/status.txt")" \
    '^TASK +KIND'
check "status: the columns line up" aligned "$T/status.txt"

run -s "$SOCK" list
printf '%s\n' "$OUT" >"$T/list.txt"
is "list: exit 0" "$RC" 0
check "list: the columns line up (multi-word cells too)" aligned "$T/list.txt"

run -s "$SOCK" show nosuch
is "unknown task: exit 1" "$RC" 1
like "unknown task: the error on stderr" "$ERR" '^maintctl: unknown-task: .*nosuch'
is "unknown task: nothing on stdout" "$OUT" ""

run -s "$SOCK" show 'two words'
is "an argument with a blank is sent as one word (unknown task, exit 1)" \
    "$RC" 1
like "... named whole in the error" "$ERR" "'two words'"

run -s "$SOCK" show
is "ERR usage: exit 2" "$RC" 2
run -s "$SOCK" frobnicate
is "unknown verb: exit 2" "$RC" 2
like "unknown verb: the error on stderr" "$ERR" '^maintctl: unknown-verb: '
run -s "$SOCK"
is "no verb: exit 2" "$RC" 2
like "no verb: usage on stderr" "$ERR" '^usage: maintctl'
run -s "$SOCK" --no-such-flag ping
is "unknown flag: exit 2" "$RC" 2

run -s "$T/nothing-here.sock" ping
is "no daemon (no socket): exit 69" "$RC" 69
like "... the message names the socket path" "$ERR" \
    "nothing-here\\.sock"
like "... and says how to start maintd" "$ERR" "start it with 'maintd"

perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0],
    Listen => 1) or die "bind: $!\n"' "$T/stale.sock"
run -s "$T/stale.sock" ping
is "no daemon (a stale socket): exit 69" "$RC" 69
like "... the message names the socket path" "$ERR" "stale\\.sock"

# The daemon's own uid may change state: never ERR denied (77).
run -s "$SOCK" activate a
if [ "$RC" -ne 77 ] && [ "$RC" -ne 2 ]; then
	ok "the daemon's own uid may use a changing verb"
else
	not_ok "the daemon's own uid may use a changing verb"
	diag "exit $RC: $ERR"
fi

if is_root; then
	stop_daemon
	sed -i '1i socket_mode = "0600"' "$CONF"
	check "daemon restarts with socket_mode 0600" start_fg
	is "(the socket is mode 0600)" "$(stat -c %a "$SOCK")" 600
	as_nobody "$MAINTCTL" -s "$SOCK" ping >"$T/run.out" 2>"$T/run.err"
	is "permission denied on the socket: exit 77" "$?" 77
	like "... the message names the socket" "$(cat "$T/run.err")" \
	    "maintd\\.sock.*Permission denied"
else
	skip "socket permissions: needs root to run the client as another user"
	skip "socket permissions: needs root to run the client as another user"
	skip "socket permissions: needs root to run the client as another user"
	skip "socket permissions: needs root to run the client as another user"
fi

# --- output ---------------------------------------------------------------------

run -s "$SOCK" --json status
printf '%s\n' "$OUT" >"$T/j1"
check "--json status: one JSON object per task" jsonl "$T/j1" 3
run -s "$SOCK" status --json
printf '%s\n' "$OUT" >"$T/j2"
check "status --json (after the verb) is the same" cmp "$T/j1" "$T/j2"
run -s "$SOCK" -j list
printf '%s\n' "$OUT" >"$T/j3"
check "-j list: JSON lines" jsonl "$T/j3" 3
run -s "$SOCK" --json show a-much-longer-task-name
printf '%s\n' "$OUT" >"$T/j4"
check "--json show: one JSON object" jsonl "$T/j4" 1
run -s "$SOCK" --json help
printf '%s\n' "$OUT" >"$T/j5"
check "--json help: JSON lines" jsonl "$T/j5" "$(grep -c . "$T/j5")"
run -s "$SOCK" --json version
printf '%s\n' "$OUT" >"$T/j6"
check "--json version: one JSON object" jsonl "$T/j6" 1
run -s "$SOCK" --json ping
is "--json ping: exit 0, one object" "$RC:$(printf '%s' "$OUT" | jq -c 'keys')" \
    '0:["pong","version"]'

run -s "$SOCK" -q status
is "-q: exit 0 and nothing printed" "$RC:$OUT:$ERR" "0::"
run -s "$SOCK" -q show nosuch
is "-q: still exit 1 on ERR" "$RC" 1

# --- socket selection -------------------------------------------------------------

MAINTD_SOCKET=$SOCK "$MAINTCTL" ping >"$T/run.out" 2>&1
is "MAINTD_SOCKET is used without -s" "$?:$(cat "$T/run.out")" "0:pong"
MAINTD_SOCKET=$T/nothing-here.sock "$MAINTCTL" -s "$SOCK" ping \
    >"$T/run.out" 2>&1
is "-s beats MAINTD_SOCKET" "$?" 0
MAINTD_SOCKET=$T/nothing-here.sock "$MAINTCTL" ping >"$T/run.out" 2>&1
is "MAINTD_SOCKET pointing nowhere: exit 69" "$?" 69

# --- what maintctl is made of -------------------------------------------------

# Static, or dynamic with the C library alone: no libcurl, sqlite, ...
if sanitized; then
	skip "maintctl needs no library but libc: a sanitizer's build"
elif command -v readelf >/dev/null 2>&1; then
	is "maintctl needs no library but libc" \
	    "$(LC_ALL=C readelf -d "$MAINTCTL" | sed -n \
	    's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v '^libc\.so' |
	    tr '\n' ' ')" ""
else
	skip "maintctl needs no library but libc: no readelf"
fi

done_testing
