#!/bin/sh
# t0106-output-streams: output_streams (maintd.conf(5)).  A merged task's
# stdout and stderr lines both reach its log, untagged and in the order
# written (one pipe); logs --stream stderr is an error for it, and
# --stream stdout has them all; a separate task keeps its stderr lines
# tagged and logs --stream stderr has them alone; show --json says which;
# a running merged service holds one pipe in the daemon, a separate one
# two (/proc/PID/fd); a bad value is a config error with file:line.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 17

TAG=$$

trap 'kill_matching "sleep 9[0-9]{3}\\.$TAG"; cleanup' EXIT

write_conf <<EOF
task sep {
	command = "echo out1; echo err1 >&2; echo out2"
	shell = true
}
task mrg {
	command = "echo out1; echo err1 >&2; echo out2"
	shell = true
	output_streams = merged
}
task svcsep { kind = service command = "/bin/sleep 9601.$TAG" }
task svcmrg {
	kind = service
	command = "/bin/sleep 9602.$TAG"
	output_streams = merged
}
EOF

# pipes: how many pipes the daemon holds open
pipes() {
	n=0
	for f in /proc/"$DAEMON_PID"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		pipe:*) n=$((n + 1)) ;;
		esac
	done
	echo "$n"
}

pipes_are() {
	[ "$(pipes)" -eq "$1" ]
}

running() {
	ctl status --json "$1" | jq -e '.state == "running"'
}

# text RUN TASK: the lines of that run in TASK.log, without the time stamp
text() {
	sed -n "s/^[^ ]* \\[$1\\([^]]*\\)\\] /\\1|/p" "$T/log/$2.log"
}

check "daemon starts" start_fg

is "show --json: separate by default" \
    "$(ctl show --json sep | jq -r .output_streams)" separate
is "show --json: merged" "$(ctl show --json mrg | jq -r .output_streams)" \
    merged

check "merged: run" ctl run mrg --wait
id=$(ctl status --json mrg | jq -r .last.run)
is "merged: both streams' lines, untagged, in the order written" \
    "$(text "$id" mrg | tr '\n' ' ')" "|out1 |err1 |out2 "
check_fails "merged: logs --stream stderr is an error" ctl logs mrg \
    --stream stderr
like "merged: ... which says why" "$(ctl logs mrg --stream stderr 2>&1)" \
    "output_streams = merged"
is "merged: logs --stream stdout has every line" \
    "$(ctl logs mrg --stream stdout | sed 's/^.*\] //' | tr '\n' ' ')" \
    "out1 err1 out2 "

check "separate: run" ctl run sep --wait
id=$(ctl status --json sep | jq -r .last.run)
like "separate: stderr's line is tagged" "$(text "$id" sep)" "^ stderr\\|err1\$"
is "separate: logs --stream stderr has it alone" \
    "$(ctl logs sep --stream stderr | sed 's/^.*\] //')" err1
is "separate: logs --stream stdout has the others" \
    "$(ctl logs sep --stream stdout | sed 's/^.*\] //' | tr '\n' ' ')" \
    "out1 out2 "

# descriptors: none of a run is open now; then one service at a time
base=$(pipes)
check "separate service runs" ctl activate --confirm svcsep
check "... and the daemon holds two pipes more for it" \
    wait_for 20 pipes_are $((base + 2))
check "merged service runs" ctl activate --confirm svcmrg
check "... and holds one pipe more for it: three for the two" \
    wait_for 20 pipes_are $((base + 3))
ctl deactivate --confirm svcsep svcmrg >/dev/null

printf 'task bad {\n command = "/bin/true"\n output_streams = both\n}\n' \
    >"$T/bad.conf"
"$MAINTD" -n -c "$T/bad.conf" >"$T/n.out" 2>&1
like "a bad value: file:line: the option and what it may be" \
    "$(cat "$T/n.out")" "bad\\.conf:[0-9]+:.*output_streams"

stop_daemon
done_testing
