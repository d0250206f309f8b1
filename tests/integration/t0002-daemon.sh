#!/bin/sh
# t0002-daemon: start-up and shutdown.  A daemonised start exits 0 only
# once the socket answers, and 1 with the reason when it cannot start;
# one daemon per pidfile and per socket; a stale socket is replaced;
# TERM and INT remove socket and pidfile; flags beat the environment,
# which beats the config.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 56

write_conf <<'EOF'
task alpha { command = "/bin/true" }
task svc { kind = service  command = "/bin/sleep 1000" }
EOF

# try_start CONF [ARGS]: a daemonised start; sets RC and ERR (stderr).
try_start() {
	conf=$1
	shift
	"$MAINTD" -c "$conf" "$@" >"$T/try.out" 2>"$T/try.err"
	RC=$?
	ERR=$(cat "$T/try.err")
}

# contains DESCRIPTION TEXT FIXED-STRING
contains() {
	case $2 in
	*"$3"*) ok "$1" ;;
	*)
		not_ok "$1"
		diag "text: $2"
		diag "does not contain: $3"
		;;
	esac
}

# --- daemonised start ---------------------------------------------------

check "daemonised start exits 0" start_bg
check "the socket answers as soon as the starter has exited" ctl ping
pid=$(cat "$PIDFILE" 2>/dev/null)
like "pidfile holds a pid" "$pid" '^[0-9]+$'
check "the pid in the pidfile is alive" alive "$pid"
is "the starter printed nothing" "$(cat "$T/start.out")" ""
if [ -d "/proc/$pid/fd" ]; then
	is "daemonised: cwd is / and stdin, stdout, stderr are /dev/null" \
	    "$(readlink "/proc/$pid/cwd" "/proc/$pid/fd/0" "/proc/$pid/fd/1" \
	    "/proc/$pid/fd/2" | tr '\n' ' ')" "/ /dev/null /dev/null /dev/null "
else
	skip "no /proc/PID/fd: cannot look at the daemon's cwd and stdio"
fi

try_start "$CONF"
is "second instance: exit 1" "$RC" 1
contains "second instance: says which pid runs" "$ERR" \
    "already running, pid $pid"
check "the first daemon still answers" ctl ping

sed "s|$T/maintd.db|$T/other.db|" "$CONF" >"$T/otherdb.conf"
try_start "$T/otherdb.conf" -p "$T/other.pid"
is "same socket, other pidfile: exit 1" "$RC" 1
like "same socket, other pidfile: the reason names the socket" "$ERR" \
    "^maintd: .*maintd\\.sock"
check_fails "same socket, other pidfile: no pidfile left" \
    test -e "$T/other.pid"
check "the first daemon still answers on its socket" ctl ping
check "the first daemon's pidfile is untouched" test "$(cat "$PIDFILE")" = "$pid"

# one daemon per database: a second one would take the first one's runs
# for those of a crashed daemon, and kill them
check "the first daemon runs a service" ctl activate svc
svc=$(ctl --json status svc | jq -r .pid)
try_start "$CONF" -s "$T/other.sock" -p "$T/other.pid"
is "same database, other socket and pidfile: exit 1" "$RC" 1
[ "$RC" -eq 0 ] && kill -TERM "$(cat "$T/other.pid")"
contains "... saying whose it is" "$ERR" \
    "database $T/maintd.db is in use by pid $pid"
check "... its socket is not left behind" test ! -e "$T/other.sock"
check "the first daemon's service still runs" alive "$svc"
is "... with the same pid" "$(ctl --json status svc | jq -r .pid)" "$svc"
check "deactivate the service" ctl deactivate svc

kill -TERM "$pid"
check "TERM: the daemon exits" wait_for 20 gone "$pid"
check_fails "TERM: socket removed" test -e "$SOCK"
check_fails "TERM: pidfile removed" test -e "$PIDFILE"
DAEMON_PID=""

# --- start-up failures --------------------------------------------------

# other_conf FILE SOCKET LOG_DIR [TIMEOUT]: a config of its own (socket,
# pidfile $T/bad.pid, log_dir), with a task whose timeout is line 8.
other_conf() {
	cat >"$1" <<EOF
socket = "$2"
pidfile = "$T/bad.pid"
database = "$T/bad.db"
log_dir = "$3"
$TASK_USER
task alpha {
	command = "/bin/true"
	timeout = ${4:-1m}
}
EOF
}

other_conf "$T/bad.conf" "$T/bad.sock" "$T/badlog" forever
try_start "$T/bad.conf"
is "bad config: exit 1" "$RC" 1
contains "bad config: the error is on stderr with file:line" "$ERR" \
    "$T/bad.conf:8: timeout: bad duration 'forever'"
check_fails "bad config: no pidfile left" test -e "$T/bad.pid"
check_fails "bad config: no socket" test -e "$T/bad.sock"

# A directory that cannot be created, for root too: its parent is a file.
: >"$T/afile"
other_conf "$T/nolog.conf" "$T/bad.sock" "$T/afile/log"
try_start "$T/nolog.conf"
is "unusable log_dir: exit 1" "$RC" 1
like "unusable log_dir: the reason names it" "$ERR" \
    "^maintd: .*afile/log.*(Not a directory|not writable)"
check_fails "unusable log_dir: no pidfile left" test -e "$T/bad.pid"
check_fails "unusable log_dir: no socket left" test -e "$T/bad.sock"

# A log_dir that exists but is read-only: root may write anyway.
if is_root; then
	skip "read-only log_dir: root may write to it"
	skip "read-only log_dir: root may write to it"
else
	mkdir -m 555 "$T/rolog"
	other_conf "$T/rolog.conf" "$T/bad.sock" "$T/rolog"
	try_start "$T/rolog.conf"
	is "read-only log_dir: exit 1" "$RC" 1
	like "read-only log_dir: the reason says it is not writable" "$ERR" \
	    "^maintd: .*rolog.*not writable"
fi

other_conf "$T/nosock.conf" "$T/afile/run/maintd.sock" "$T/badlog"
try_start "$T/nosock.conf"
is "socket directory cannot be created: exit 1" "$RC" 1
like "socket directory cannot be created: the reason names it" "$ERR" \
    "^maintd: .*afile/run"
check_fails "socket directory cannot be created: no pidfile left" \
    test -e "$T/bad.pid"

# --- a stale socket is replaced ---------------------------------------------

# A socket inode nobody listens on, as a crashed daemon leaves behind.
perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0],
    Listen => 1) or die "bind: $!\n"' "$SOCK"
check "stale socket: the leftover is a socket" test -S "$SOCK"
check_fails "stale socket: nobody answers on it" ctl ping
check "stale socket: the daemon starts anyway" start_bg
check "stale socket: the new daemon answers" ctl ping
stop_daemon

# --- foreground -----------------------------------------------------------

check "-f: starts and answers" start_fg
is "-f: the pidfile holds the foreground process" "$(cat "$PIDFILE")" \
    "$DAEMON_PID"
kill -INT "$DAEMON_PID"
check "INT: the daemon exits" wait_for 20 gone "$DAEMON_PID"
wait "$DAEMON_PID"
is "INT: exit status 0" "$?" 0
DAEMON_PID=""
check_fails "INT: socket removed" test -e "$SOCK"
check_fails "INT: pidfile removed" test -e "$PIDFILE"

like "-V prints the version" "$("$MAINTD" -V 2>&1)" \
    '^maintd [0-9]+\.[0-9]+\.[0-9]+'

# --- environment and flags -----------------------------------------------

out=$(cd / && MAINTD_CONFIG=$CONF "$MAINTD" -n 2>&1)
contains "MAINTD_CONFIG names the config" "$out" "$CONF: configuration OK"

MAINTD_CONFIG=$CONF MAINTD_SOCKET=$T/env.sock "$MAINTD" >"$T/try.err" 2>&1
RC=$?
[ "$RC" -eq 0 ] && DAEMON_PID=$(cat "$PIDFILE")
is "MAINTD_CONFIG and MAINTD_SOCKET: started" "$RC" 0
check "MAINTD_SOCKET beats the config: the daemon listens there" \
    "$MAINTCTL" -s "$T/env.sock" ping
check_fails "MAINTD_SOCKET beats the config: not on the config's socket" \
    test -e "$SOCK"
stop_daemon

MAINTD_SOCKET=$T/env.sock "$MAINTD" -c "$CONF" -s "$T/flag.sock" \
    >"$T/try.err" 2>&1
RC=$?
[ "$RC" -eq 0 ] && DAEMON_PID=$(cat "$PIDFILE")
is "-s and MAINTD_SOCKET: started" "$RC" 0
check "-s beats MAINTD_SOCKET: the daemon listens on the flag's socket" \
    "$MAINTCTL" -s "$T/flag.sock" ping
check_fails "-s beats MAINTD_SOCKET: nothing on MAINTD_SOCKET" \
    test -e "$T/env.sock"
stop_daemon
check_fails "TERM removed the flag's socket" test -e "$T/flag.sock"

done_testing
