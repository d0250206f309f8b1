#!/bin/sh
# t0012-rc: what a new user does, in a prefix of the test's own: make
# install (no DESTDIR, every path under $T/p), start maintd with the
# installed Debian init script, manage it with the installed maintctl on
# its default socket, run a task, rotate its log with the installed
# logrotate file, reload, stop, uninstall.  Needs root (the script makes
# root's directories), start-stop-daemon and /lib/lsb/init-functions;
# skipped elsewhere, and where /etc/default/maintd exists (it would
# change what the script does).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 20

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$T/p
DOC=$P/share/doc/maintd
VARS="PREFIX=$P SYSCONFDIR=$P/etc RUNSTATEDIR=$P/run LOCALSTATEDIR=$P/var"

why=""
is_root || why="not root"
command -v start-stop-daemon >/dev/null 2>&1 || why="no start-stop-daemon"
[ -r /lib/lsb/init-functions ] || why="no /lib/lsb/init-functions"
[ -e /etc/default/maintd ] && why="/etc/default/maintd exists"
command -v logrotate >/dev/null 2>&1 || why="no logrotate"
if [ -n "$why" ]; then
	i=0
	while [ "$i" -lt 20 ]; do
		skip "$why"
		i=$((i + 1))
	done
	exit 0
fi

mk() {
	# shellcheck disable=SC2086 # VARS: several assignments on purpose
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    make -C "$ROOT" BUILD="$T/build" $VARS "$@" >"$T/make.out" 2>&1 ||
		{ tail -20 "$T/make.out"; return 1; }
}

# the installed programs, on their default paths
mctl() {
	env -u MAINTD_SOCKET "$P/sbin/maintctl" "$@"
}
rc() {
	sh "$P/etc/init.d/maintd" "$@"
}

check "make install into $P" mk install
mkdir -p "$P/etc/init.d"
cp "$DOC/maintd.init" "$P/etc/init.d/maintd"

check "init script: configtest" rc configtest
check "init script: start" rc start
if [ -s "$P/run/maintd.pid" ]; then
	DAEMON_PID=$(cat "$P/run/maintd.pid")	# stopped by the harness if need be
fi
check "the pidfile under RUNSTATEDIR names a live daemon" alive "${DAEMON_PID:-0}"
check "init script: status" rc status
like "maintctl on the default socket: the example tasks, inactive" \
    "$(mctl status 2>&1)" "tmp-cleanup +periodic +inactive"
check "maintctl run disk-report --wait" mctl run disk-report --wait
check "its log is under LOCALSTATEDIR/log/maintd" \
    test -s "$P/var/log/maintd/disk-report.log"
check "the database is under LOCALSTATEDIR/lib/maintd" \
    test -s "$P/var/lib/maintd/maintd.db"
like "it ran as nobody (make install set user in the configuration)" \
    "$(mctl show disk-report 2>&1)" "user +nobody"

# The installed logrotate file as it is; only the state file is the test's.
check "logrotate -f with the installed file" \
    logrotate -f -s "$T/lr.state" "$DOC/logrotate.maintd"
check "it rotated the task log" test -s "$P/var/log/maintd/disk-report.log.1"
check "a run after the rotation (postrotate sent USR1)" \
    mctl run disk-report --wait
check "its output is in a new log file" test -s "$P/var/log/maintd/disk-report.log"
check "the daemon is still the same" alive "$DAEMON_PID"

check "init script: reload" rc reload
check "after the reload it answers" wait_for 10 mctl ping
check "init script: stop" rc stop
check "the daemon is gone and so is its pidfile" \
    sh -c "! kill -0 $DAEMON_PID 2>/dev/null && ! test -e $P/run/maintd.pid"
DAEMON_PID=""
check "make uninstall" mk uninstall

done_testing
