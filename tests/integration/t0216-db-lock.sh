#!/bin/sh
# t0216-db-lock: one daemon per database, whatever name it is given
# (issue 20 #8).  A second maintd whose database is the first one's under
# another name would take the first one's open runs for a crashed
# daemon's and kill them: a symlink to the database, a symlink to its
# directory, and a hard link are each refused, naming the pid that holds
# it, and the first daemon's service runs on untouched.  A database with
# a second name (hard link) is refused even with no daemon on it: sqlite's
# -wal file follows the name, so two names are two logs of one file.  A
# symlink to nothing is refused (sqlite would create its target).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 24

write_conf <<'EOF'
task svc { kind = service  command = "/bin/sleep 1000" }
EOF

# try_start DATABASE: a daemonised start of a second maintd on DATABASE,
# with a socket and pidfile of its own; sets RC and ERR (stderr).
try_start() {
	sed -e "s|^database = .*|database = \"$1\"|" \
	    -e "s|^socket = .*|socket = \"$T/two.sock\"|" \
	    -e "s|^pidfile = .*|pidfile = \"$T/two.pid\"|" "$CONF" >"$T/two.conf"
	"$MAINTD" -c "$T/two.conf" >"$T/try.out" 2>"$T/try.err"
	RC=$?
	ERR=$(cat "$T/try.err")
	if [ "$RC" -eq 0 ]; then
		kill -TERM "$(cat "$T/two.pid")"
		wait_for 20 sh -c "[ ! -e '$T/two.pid' ]"
	fi
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

svc_same() {
	alive "$svc" && [ "$(ctl --json status svc | jq -r .pid)" = "$svc" ]
}

DB=$T/maintd.db
check "the first daemon starts" start_bg
pid=$DAEMON_PID
check "it runs a service" ctl activate svc
svc=$(ctl --json status svc | jq -r .pid)
check "... whose run is open in history" test "$(ctl --json history svc -n 1 |
    jq -r .result)" = null

ln -s maintd.db "$T/alias.db"
try_start "$T/alias.db"
is "a symlink to the database: refused, exit 1" "$RC" 1
contains "... naming the pid that holds it" "$ERR" \
    "database $T/alias.db ($DB) is in use by pid $pid"
check "... the first daemon's service runs on, untouched" svc_same
check_fails "... no second daemon's socket" test -e "$T/two.sock"

mkdir "$T/sub"
ln -s .. "$T/sub/up"
try_start "$T/sub/up/maintd.db"
is "a symlink to its directory: refused, exit 1" "$RC" 1
contains "... naming the pid that holds it" "$ERR" \
    "database $T/sub/up/maintd.db ($DB) is in use by pid $pid"
check "... the service runs on" svc_same

ln "$DB" "$T/hard.db"
try_start "$T/hard.db"
is "a hard link to the database: refused, exit 1" "$RC" 1
contains "... naming the pid that holds it, and the name it holds" "$ERR" \
    "database $T/hard.db is in use by pid $pid (as $DB, a hard link to it)"
check "... the service runs on" svc_same

ln "$DB" "$T/sub/far.db"
try_start "$T/sub/far.db"
is "a hard link in another directory: refused, exit 1" "$RC" 1
contains "... saying why" "$ERR" "database $T/sub/far.db has 3 names (hard links)"
check "... the service runs on" svc_same
rm -f "$T/sub/far.db"

ln -s nothing.db "$T/dangling.db"
try_start "$T/dangling.db"
is "a symlink to nothing: refused, exit 1" "$RC" 1
contains "... saying so" "$ERR" "database $T/dangling.db: a symlink to nothing"
check_fails "... its target is not created" test -e "$T/nothing.db"

check "the first daemon still answers" ctl ping
stop_daemon
check "the service ended with the first daemon" wait_for 10 gone "$svc"

# no daemon on it: a database with two names is still refused
try_start "$DB"
is "no daemon, but a hard link: refused, exit 1" "$RC" 1
contains "... saying why" "$ERR" "database $DB has 2 names (hard links)"
rm -f "$T/hard.db"
try_start "$T/alias.db"
is "one name again: a start through the symlink works" "$RC" 0

done_testing
