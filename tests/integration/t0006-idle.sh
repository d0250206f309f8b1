#!/bin/sh
# t0006-idle: an idle daemon sleeps in the kernel.  Its voluntary context
# switches (all threads) must not change over two idle seconds: with no
# client, with a silent client connected, after that client has left,
# and when daemonised; with health probes, webhooks and start_when
# configured (on inactive tasks) and discovery on.  Linux only (/proc/PID/task/*/status).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(uname -s)" != Linux ] || ! [ -r /proc/self/status ]; then
	echo "1..0 # SKIP needs Linux /proc to count context switches"
	exit 0
fi

plan 9

# health probes, webhooks and start_when configured, on inactive tasks,
# and discovery watching a directory: none of them may wake the daemon
mkdir "$T/tasks.d"
printf 'task dropped { command = "/bin/true" }\n' >"$T/tasks.d/a.conf"
chmod 644 "$T/tasks.d/a.conf"
write_conf <<EOF
discover = { "$T/tasks.d/*.conf", "$T/tasks.d/*.json" }
start_when = { "load1 < 1000" }
task alpha { command = "/bin/true" }
task beta { command = "/bin/true"  every = 1h }
task probed {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:9/health"  interval = 1s  timeout = 1s }
}
task probed2 {
	command = "/bin/true"
	every = 1h
	health { command = "/bin/true"  interval = 1s }
}
notify hooks { url = "http://127.0.0.1:9/hook"  events = { "run-failed", "unhealthy" } }
EOF

# switches PID: voluntary context switches summed over PID's threads.
switches() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/^voluntary_ctxt_switches:/ { n += $2; seen = 1 }
		END { if (seen) print n; else exit 1 }'
}

# settled PID: no switch for 300 ms (the last client's EOF is handled).
settled() {
	a=$(switches "$1") || return 1
	sleep 0.3
	[ "$a" = "$(switches "$1")" ]
}

# quiet DESCRIPTION PID: once settled, zero switches over two seconds.
quiet() {
	if ! wait_for 20 settled "$2"; then
		not_ok "$1"
		diag "the daemon never settled: $(switches "$2") switches"
		return
	fi
	before=$(switches "$2")
	sleep 2		# the measurement itself, not a wait for something
	after=$(switches "$2")
	is "$1" "$((after - before))" 0
}

check "daemon starts" start_fg
like "voluntary_ctxt_switches is readable" "$(switches "$DAEMON_PID")" \
    '^[0-9]+$'
ctl status >/dev/null
ctl list >/dev/null
quiet "idle in the foreground: no wakeups in 2 s" "$DAEMON_PID"

conn_open silent
conn_send silent ping
check "a client is connected" wait_for 10 grep -q '^OK pong' "$T/silent.out"
quiet "with a silent client connected: no wakeups in 2 s" "$DAEMON_PID"
conn_close silent
quiet "after the client left: no wakeups in 2 s" "$DAEMON_PID"
stop_daemon

check "daemonised start" start_bg
ctl ping >/dev/null
quiet "daemonised and idle: no wakeups in 2 s" "$DAEMON_PID"
stop_daemon
check "stopped" test ! -e "$SOCK"

done_testing
