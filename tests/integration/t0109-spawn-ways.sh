#!/bin/sh
# t0109-spawn-ways: the three ways maintd starts a child into its cgroup
# (daemon/spawn_clone.c), each forced by MAINTD_SPAWN: clone3 with
# CLONE_VM | CLONE_VFORK on a stack of the daemon's (vm, the default),
# clone3 as a fork (fork), vfork and a write to cgroup.procs (vfork).
# For each: the system call the daemon makes (strace), a oneshot's output
# and exit, a service's process in its run's cgroup, reaped once it ends
# (through its pidfd: no zombie, no pidfd left); then t0101-spawn,
# t0102-kill and t0215-cgroup pass with the way forced (vm: they do
# as they are).  Needs root and a cgroup v2 hierarchy.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 30

cgroup_probe
[ -z "$NOCG" ] || skip_rest "$NOCG"

ctl() {
	timeout 60 "$MAINTCTL" -s "$SOCK" "$@"
}

st() {
	ctl status --json "$1" | jq -r "$2"
}

write_conf <<EOF
task one { command = "echo out; exit 3" shell = true }
task svc { kind = service command = { "/bin/sleep", "1000" } }
EOF

svc_up() {
	[ "$(st svc .current.pid)" != null ]
}

# reaped PID: gone (not a zombie), and no pidfd left in the daemon
reaped() {
	[ ! -e "/proc/$1" ] || return 1
	for f in /proc/"$DAEMON_PID"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" != 'anon_inode:[pidfd]' ] ||
			return 1
	done
}

traced() {
	grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$DAEMON_PID/status"
}

HERE=$(cd "$(dirname "$0")" && pwd)
TRACE=""
command -v strace >/dev/null 2>&1 && TRACE=yes

for way in vm fork vfork; do
	MAINTD_SPAWN=$way
	export MAINTD_SPAWN
	check "$way: daemon starts" start_fg
	unset MAINTD_SPAWN
	if [ -n "$TRACE" ]; then
		strace -q -f -e trace=clone3,vfork -o "$T/trace.$way" \
		    -p "$DAEMON_PID" 2>/dev/null &
		SPID=$!
		EXTRA_PIDS="$EXTRA_PIDS $SPID"
		wait_for 10 traced
	fi
	ctl run one --wait >/dev/null 2>&1
	is "$way: the oneshot's exit status" "$(st one .last.exit)" 3
	id=$(st one .last.run)
	is "$way: its output" "$(sed -n "s/^[^ ]* \\[$id\\] //p" \
	    "$T/log/one.log")" out
	check "$way: a service" ctl activate svc
	check "$way: ... runs" wait_for 10 svc_up
	pid=$(st svc .current.pid)
	like "$way: ... in its run's cgroup" \
	    "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" "/svc/$(st svc .current.run)\$"
	ctl deactivate svc >/dev/null
	check "$way: ... is reaped when it ends" wait_for 10 reaped "$pid"
	if [ -z "$TRACE" ]; then
		skip "no strace"
	else
		kill "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
		# the ASan build starts children as by fork (spawn_clone.c);
		# under valgrind, which refuses clone3, by vfork
		got=$way
		[ -n "${ASAN_OPTIONS:-}" ] && [ "$way" = vm ] && got=fork
		[ -n "${VG_LOGDIR:-}" ] && got=vfork
		case $got in
		vm)	want='clone3\(\{flags=CLONE_VM\|CLONE_PIDFD\|CLONE_VFORK\|CLONE_INTO_CGROUP,' ;;
		fork)	want='clone3\(\{flags=CLONE_PIDFD\|CLONE_VFORK\|CLONE_INTO_CGROUP,' ;;
		vfork)	want='^[0-9]+ +vfork\(' ;;
		esac
		like "$way: the daemon's system call" \
		    "$(grep -E 'clone3|vfork' "$T/trace.$way" | head -n 1)" "$want"
	fi
	stop_daemon
done

# The files about spawning, with each way forced (vm is the default).
for way in fork vfork; do
	for f in t0101-spawn t0102-kill t0215-cgroup; do
		MAINTD_SPAWN=$way sh "$HERE/$f.sh" >"$T/$f.$way.tap" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ] && ! grep -q '^not ok' "$T/$f.$way.tap"; then
			ok "$f passes with MAINTD_SPAWN=$way"
		else
			not_ok "$f passes with MAINTD_SPAWN=$way"
			diag "$(grep -A3 '^not ok' "$T/$f.$way.tap")"
		fi
	done
done

done_testing
