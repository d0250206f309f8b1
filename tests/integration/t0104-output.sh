#!/bin/sh
# t0104-output: a run's output (DESIGN §3 "Child output").  Lines go to
# log_dir/TASK.log with an RFC 3339 ms time stamp and the run id, all of
# them and in order (10 MB of them too); a line longer than 4096 bytes is
# split, never dropped; a CR before the newline is dropped; a partial
# last line is kept, also when the run is killed; output = discard
# writes nothing; show has the last 10 lines (last_output); run --wait
# streams the lines and ends with the result, and maintctl exits
# accordingly; status answers while children flood (yes to its log
# file, cat /dev/zero with output = discard).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# ctl with a deadline: a daemon that never answers fails a point instead
# of hanging the file.
ctl() {
	timeout 60 "$MAINTCTL" -s "$SOCK" "$@"
}

plan 54

TAG=$$
HELPERS=$(cd "$(dirname "$0")/helpers" && pwd)

st() {
	ctl status --json "$1" | jq -r "$2"
}

st_is() {
	[ "$(st "$1" "$2")" = "$3" ]
}

# out TASK: the output lines of the task's last run, from its log file.
out() {
	id=$(st "$1" .last.run)
	sed -n "s/^[^ ]* \\[$id\\] //p" "$T/log/$1.log"
}

none() {
	! pgrep -f -- "sleep $1[0-9]\\.$TAG" >/dev/null
}

# in_order FILE: the lines are 1, 2, 3...
in_order() {
	# shellcheck disable=SC2016 # awk's $0
	awk '$0 != NR { print NR ": " $0; exit 1 }' "$1"
}

now_ms() {
	date +%s%3N
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

write_conf <<EOF
task big { command = "/usr/bin/seq 1 1500000" }
task long {
	command = { "/bin/sh", "$HELPERS/lines.sh", "1", "4095", "4096", "4097",
	    "8192", "10000", "2" }
}
task partial { command = "printf 'first\\\\nno newline at the end'" shell = true }
task crlf { command = "printf 'dos\\\\r\\\\nline\\\\r\\\\n'" shell = true }
task cut {
	command = "printf 'cut short'; exec sleep 9301.$TAG"
	shell = true
	timeout = 1s
}
task fmt { command = "echo hello world" shell = true }
task fifteen { command = "/usr/bin/seq 1 15" }
task quiet { command = "/usr/bin/seq 1 15" output = discard }
task ok { command = "echo a; echo b" shell = true }
task silent { command = "/bin/true" }
task three { command = "echo before; exit 3" shell = true }
task killed { command = "kill -KILL \$\$" shell = true }
task flood { kind = service command = "/usr/bin/yes" }
task flood2 {
	kind = service
	command = "cat /dev/zero"
	shell = true
	output = discard
}
EOF

# flood's output goes through the file path to /dev/null: all the work
# of a log file, none of the disk
mkdir "$T/log"
ln -s /dev/null "$T/log/flood.log"

check "daemon starts" start_fg

# --- the log file -----------------------------------------------------------

check "fmt: run" ctl run fmt --wait
id=$(st fmt .last.run)
like "log line: RFC 3339 time stamp with ms, run id, text" \
    "$(cat "$T/log/fmt.log")" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}(Z|[+-][0-9]{2}:[0-9]{2}) \\[$id\\] hello world\$"

t0=$(now_ms)
ctl run big --wait >"$T/stream" 2>"$T/e"
is "10 MB: run --wait exits 0" "$?" 0
t1=$(now_ms)
diag "10 MB of output took $((t1 - t0)) ms"
out big >"$T/big.log"
is "10 MB: every line is in the log" "$(wc -l <"$T/big.log" | tr -d ' ')" \
    1500000
check "10 MB: in order, none changed" in_order "$T/big.log"
is "10 MB: run --wait streamed every line" \
    "$(wc -l <"$T/stream" | tr -d ' ')" 1500000
check "10 MB: streamed in order" in_order "$T/stream"

check "long lines: run" ctl run long --wait
out long >"$T/long.log"
# pieces per "-- LEN" group: LEN, the number of pieces, whether they put
# together give back the line lines.sh printed
awk '
function flush() {
	if (len == "") return
	want = ""
	while (length(want) + 10 <= len) want = want "0123456789"
	want = want substr("0123456789", 1, len - length(want))
	print len, pieces, (got == want ? "same" : "different"), maxlen
}
/^-- / { flush(); len = $2; pieces = 0; got = ""; maxlen = 0; next }
{ pieces++; got = got $0; if (length($0) > maxlen) maxlen = length($0) }
END { flush() }' "$T/long.log" >"$T/long.sum"
diag "$(cat "$T/long.sum")"
is "a 10000-byte line: 3 lines that put together are the line" \
    "$(grep '^10000 ' "$T/long.sum")" "10000 3 same 4096"
is "a 4097-byte line: 2 lines, the line put together" \
    "$(grep '^4097 ' "$T/long.sum")" "4097 2 same 4096"
is "a 4095-byte line: one line" "$(grep '^4095 ' "$T/long.sum")" \
    "4095 1 same 4095"
is "a 4096-byte line: one line, no empty line after it" \
    "$(grep '^4096 ' "$T/long.sum")" "4096 1 same 4096"
is "an 8192-byte line: 2 lines, no empty line after them" \
    "$(grep '^8192 ' "$T/long.sum")" "8192 2 same 4096"
is "short lines around them are whole" \
    "$(grep -E '^(1|2) ' "$T/long.sum" | tr '\n' ' ')" "1 1 same 1 2 1 same 2 "
is "long lines: nothing but these groups in the log" \
    "$(grep -c '^-- ' "$T/long.log")" 7

check "partial: run" ctl run partial --wait
is "a partial last line is flushed at exit" "$(out partial | tr '\n' '|')" \
    "first|no newline at the end|"

check "crlf: run" ctl run crlf --wait
is "CRLF line ends lose their CR" "$(out crlf | od -An -c | tr -s ' ')" \
    " d o s \\n l i n e \\n"

ctl run cut --wait >"$T/o" 2>"$T/e"
like "cut: the run timed out" "$(cat "$T/e")" '^maintctl: timeout: '
is "a partial line is kept when the run is killed" "$(out cut)" "cut short"
check "cut: its sleep is gone" wait_for 20 none 930

# --- show and discard -------------------------------------------------------

check "fifteen: run" ctl run fifteen --wait
is "show --json: the last 10 output lines" \
    "$(ctl show fifteen --json | jq -c .last_output)" \
    '["6","7","8","9","10","11","12","13","14","15"]'
like "show: the output lines in the text form too" "$(ctl show fifteen)" \
    'last_output +6'

check "discard: run" ctl run quiet --wait
check_fails "discard: no log file" test -s "$T/log/quiet.log"
is "discard: show still has the last lines" \
    "$(ctl show quiet --json | jq -c '.last_output[-1]')" '"15"'
is "show --json: output is still the output setting" \
    "$(ctl show quiet --json | jq -r .output)" discard

# --- run --wait: streamed lines, results, exit codes ------------------------

ctl run ok --wait >"$T/o" 2>"$T/e"
is "run --wait, exit 0: maintctl exits 0" "$?" 0
is "run --wait, exit 0: the lines on stdout" "$(cat "$T/o")" "a
b"
is "run --wait, exit 0: nothing on stderr" "$(cat "$T/e")" ""

ctl run silent --wait >"$T/o" 2>"$T/e"
is "run --wait, no output: maintctl exits 0" "$?" 0
like "run --wait, no output: prints the result" "$(cat "$T/o")" \
    '^exit 0 after [0-9]+m?s$'

ctl run three --wait >"$T/o" 2>"$T/e"
is "run --wait, exit 3: maintctl exits 1" "$?" 1
is "run --wait, exit 3: its output" "$(cat "$T/o")" before
like "run --wait, exit 3: ERR failed exit 3" "$(cat "$T/e")" \
    '^maintctl: failed: exit 3 after [0-9]+m?s$'

ctl run killed --wait >"$T/o" 2>"$T/e"
is "run --wait, killed: maintctl exits 1" "$?" 1
like "run --wait, killed: ERR failed signal KILL" "$(cat "$T/e")" \
    '^maintctl: failed: signal KILL after [0-9]+m?s$'

# the protocol itself: data lines, then the final line
conn_open w
conn_send w "run ok --wait"
check "protocol: run --wait ends with a final line" \
    wait_for 20 grep -q '^OK' "$T/w.out"
like "protocol: '- a', '- b', 'OK exit 0 after ...'" \
    "$(tr '\n' '|' <"$T/w.out")" '^- a\|- b\|OK exit 0 after [0-9]+m?s\|$'
conn_send w "run three --wait"
check "protocol: the second run --wait ends too" \
    wait_for 20 grep -q '^ERR' "$T/w.out"
like "protocol: ERR failed exit 3 after ..." "$(tail -n 1 "$T/w.out")" \
    '^ERR failed exit 3 after [0-9]+m?s$'
conn_close w

# --- a flooding child does not starve the control socket --------------------

# timed ARGS...: maintctl ARGS, at most 5 s; 1 when slower or failing.
timed() {
	timeout 5 "$MAINTCTL" -s "$SOCK" "$@" >/dev/null 2>&1
}

# floods STATE: both flooding services are in STATE.
floods() {
	st_is flood .state "$1" && st_is flood2 .state "$1"
}

yes_read() {
	[ "$(ctl show flood --json | jq -r '.last_output[-1]')" = y ]
}

check "flood: activate yes" ctl activate flood
check "flood: activate cat /dev/zero" ctl activate flood2
check "flood: both running" wait_for 20 floods running
check "flood: yes's lines are being read" wait_for 20 yes_read
slow=0
i=0
: >"$T/latency"
while [ $i -lt 20 ] && [ $slow -eq 0 ]; do
	t0=$(now_ms)
	timed status || slow=$((slow + 1))
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$T/latency"
	i=$((i + 1))
done
diag "status while flooding, ms: $(tr '\n' ' ' <"$T/latency")"
is "flood: 20 status requests, each answered within 5 s" "$i:$slow" 20:0
check "flood: a run --wait of another task answers within 5 s" \
    timed run ok --wait
check "flood: ping answers within 5 s" timed ping
check "flood: deactivate yes, within 5 s" timed deactivate flood
check "flood: deactivate cat, within 5 s" timed deactivate flood2
check "flood: both idle" wait_for 20 floods idle

done_testing
