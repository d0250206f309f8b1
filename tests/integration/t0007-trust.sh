#!/bin/sh
# t0007-trust: a root daemon acts only on a config file that no one but
# root could have changed: the file and every directory above it owned by
# root and writable by no one else (a sticky directory such as /tmp is
# fine).  The same check at maintd -n and at start-up, with the reason as
# "FILE: refusing: ...".  A file that holds a secret (notify's secret, a
# password in a URL, a token in a URL's query or a header, a secret in
# the environment) is refused when others can read it, with its line and
# the chmod to do; readable by its group only, it is fine.  The pidfile
# and the socket are never made in a directory others may write, sticky
# or not (a link planted there is left alone).  Also: a command given as
# a list is the argv as it is, and error messages show raw values
# escaped.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 38

# check_conf FILE: maintd -n; sets RC and ERR
check_conf() {
	"$MAINTD" -n -c "$1" >"$T/n.out" 2>"$T/n.err"
	RC=$?
	ERR=$(cat "$T/n.err")
}

D=$T/etc
mkdir -m 755 "$D"
F=$D/maintd.conf
write_conf <<'EOF'
task alpha { command = "/bin/true" }
EOF
cp "$CONF" "$F"
chmod 644 "$F"

if is_root; then
	check_conf "$F"
	is "root-owned 0644 in a 0755 directory: OK" "$RC" 0

	chown nobody "$F"
	check_conf "$F"
	is "owned by nobody: refused" "$RC" 1
	is "... saying who owns it" "$ERR" "$F: refusing: owned by uid $(id -u nobody)"
	"$MAINTD" -f -c "$F" -s "$T/x.sock" -p "$T/x.pid" >"$T/x.out" 2>&1
	is "... and maintd does not start with it" "$?" 1
	like "... for the same reason" "$(cat "$T/x.out")" 'refusing: owned by uid'
	chown root "$F"

	chgrp daemon "$F"
	chmod 664 "$F"
	check_conf "$F"
	is "group-writable (0664): refused" "$RC" 1
	like "... writable by group" "$ERR" "^$F: refusing: writable by group"
	chmod 646 "$F"
	check_conf "$F"
	like "others-writable (0646): refused" "$ERR" "^$F: refusing: writable by others"
	chmod 644 "$F"
	chgrp root "$F"

	chmod 777 "$D"
	check_conf "$F"
	is "in a directory others may write (0777): refused" "$RC" 1
	is "... naming the directory" "$ERR" \
	    "$F: refusing: directory $D writable by others (mode 0777)"
	chmod 1777 "$D"
	check_conf "$F"
	is "... with the sticky bit (1777, like /tmp): OK" "$RC" 0
	chmod 775 "$D"
	check_conf "$F"
	like "a group-writable directory: refused" "$ERR" \
	    "refusing: directory $D writable by group"
	chmod 755 "$D"
	chown nobody "$D"
	check_conf "$F"
	like "a directory owned by nobody: refused" "$ERR" \
	    "refusing: directory $D owned by uid $(id -u nobody)"
	chown root "$D"

	# a symlink into a directory others may write: the target is checked
	mkdir -m 777 "$T/open"
	cp "$F" "$T/open/real.conf"
	ln -s "$T/open/real.conf" "$D/link.conf"
	check_conf "$D/link.conf"
	like "a symlink to a file in an open directory: refused" "$ERR" \
	    "refusing: directory $T/open writable by others"

	# an allow_root task from a file nobody may change is never run
	cat >"$T/open/root.conf" <<EOF
socket = "$T/r.sock"
pidfile = "$T/r.pid"
database = "$T/r.db"
log_dir = "$T/rlog"
task evil { command = "/bin/touch $T/pwned"  allow_root = true }
EOF
	chmod 644 "$T/open/root.conf"
	"$MAINTD" -f -c "$T/open/root.conf" >"$T/r.out" 2>&1
	is "an allow_root task's file in an open directory: maintd refuses" "$?" 1
	check "... and nothing ran" test ! -e "$T/pwned"

	# --- a secret in a file others can read -----------------------------

	S=$D/secret.conf
	# secret_conf LINE: a config whose line 6 is LINE, 0644
	secret_conf() {
		cat >"$S" <<EOF
socket = "$T/s.sock"
pidfile = "$T/s.pid"
database = "$T/s.db"
log_dir = "$T/slog"
$TASK_USER
$1
EOF
		chmod 644 "$S"
	}
	secret_conf 'task env { command = "/bin/true"  environment = { "HOME=/", "DB_PASSWORD=hunter2" } }'
	check_conf "$S"
	is "a password in the environment, the file readable by others: refused" "$RC" 1
	is "... at its line, saying what to do" "$ERR" \
	    "$S:6: environment: a secret in the environment, and the file is readable by others (mode 0644): refusing it (chmod o-r $S)"
	"$MAINTD" -c "$S" >"$T/s.out" 2>&1
	RC=$?
	[ "$RC" -ne 0 ] || kill "$(cat "$T/s.pid")"
	is "... and maintd does not start with it" "$RC" 1
	chmod 640 "$S"
	check_conf "$S"
	is "the same file readable by its group only (0640): OK" "$RC" 0
	secret_conf 'notify n { url = "http://127.0.0.1:9/"  events = { "*" }  secret = "s3cret" }'
	check_conf "$S"
	like "notify's secret: refused" "$ERR" "^$S:6: secret: a secret, and the file is readable by others \(mode 0644\)"
	secret_conf 'task web { kind = service  command = "/bin/true"  health { url = "http://probe:pw@127.0.0.1:9/" } }'
	check_conf "$S"
	like "a password in a probe's URL: refused" "$ERR" "^$S:6: url: a password in the URL, and the file"
	secret_conf 'notify n { url = "https://hooks.example.com/x?channel=ops&api_key=abc"  events = { "*" } }'
	check_conf "$S"
	like "a token in a URL's query: refused" "$ERR" "^$S:6: url: a token in the URL's query"
	secret_conf 'notify n { url = "http://127.0.0.1:9/"  events = { "*" }  headers = { "Authorization: Bearer abc" } }'
	check_conf "$S"
	like "an Authorization header: refused" "$ERR" "^$S:6: headers: a secret in a header"
	secret_conf 'notify n { url = "http://user@127.0.0.1:9/x?channel=ops"  events = { "*" }  headers = { "X-Team: ops" } }
task env { command = "/bin/true"  environment = { "PATH=/bin", "LANG=C" } }'
	check_conf "$S"
	is "no secret (a user without a password, plain values): readable by all is fine" "$RC" 0

	# --- the pidfile and the socket: never where others may write --------

	mkdir -m 1777 "$T/pub"
	echo precious >"$T/victim"
	chmod 600 "$T/victim"
	# try_start ARGS: a daemonised start; stopped again if it started
	try_start() {
		"$MAINTD" -c "$CONF" "$@" >"$T/p.out" 2>&1
		RC=$?
		[ "$RC" -eq 0 ] || return 0
		for f in "$T/pub/maintd.pid" "$PIDFILE"; do
			p=$(head -n 1 "$f" 2>/dev/null)
			case $p in
			'' | *[!0-9]*) continue ;;
			esac
			kill "$p" && wait_for 10 gone "$p"
		done
	}
	ln -s "$T/victim" "$T/pub/maintd.pid"
	try_start -p "$T/pub/maintd.pid"
	is "a pidfile in a sticky directory others may write: maintd refuses" "$RC" 1
	is "... saying why" "$(cat "$T/p.out")" \
	    "maintd: pidfile $T/pub/maintd.pid: refusing: directory $T/pub writable by others (mode 1777)"
	is "... and a link planted there is not followed" "$(cat "$T/victim")" precious
	rm -f "$T/pub/maintd.pid"
	try_start -s "$T/pub/maintd.sock"
	is "a socket in a sticky directory others may write: maintd refuses" "$RC" 1
	is "... saying why" "$(cat "$T/p.out")" \
	    "maintd: socket $T/pub/maintd.sock: refusing: directory $T/pub writable by others (mode 1777)"
	is "... and leaves nothing there" "$(ls -A "$T/pub")" ""
	chmod 755 "$T/pub"
	printf 'socket_mode = "0660"\nsocket_group = "daemon"\n' >>"$CONF"
	check "in a directory only root may write: maintd starts" start_bg -s "$T/pub/maintd.sock"
	is "... the socket made with its mode and group" \
	    "$(stat -c '%A %U %G' "$T/pub/maintd.sock")" "srw-rw---- root daemon"
	stop_daemon
else
	for _ in $(seq 33); do
		skip "the ownership rules apply to a daemon running as root"
	done
fi

# --- a list is the argv as it is ----------------------------------------------

cat >"$T/list.conf" <<EOF
$TASK_USER
task a { command = { "/bin/sh", "-c", "printf 'a\\\\n'" } }
task b { command = { "/bin/echo", "x\\"y" } }
EOF
check_conf "$T/list.conf"
is "a list command is not re-parsed (quotes, backslashes): OK" "$RC" 0
write_conf <<'EOF'
task b { command = { "/bin/echo", "x\"y", "a b" } }
EOF
check "daemon starts" start_fg
like "the list reaches the program as it is" "$(ctl run b --wait)" '^x"y a b$'
stop_daemon

# --- raw values are shown escaped ---------------------------------------------

printf '%s\ntask a { command = "/bin/true"  kind = "bad\nkind\033[31m" }\n' \
    "$TASK_USER" >"$T/esc.conf"
check_conf "$T/esc.conf"
is "a newline and an escape in a value are shown escaped" \
    "$(printf '%s\n' "$ERR" | grep -c 'bad\\nkind\\033\[31m')" 1
printf '%s\ntask a { command = "/bin/true"  schedule = */5 * * * * }\n' \
    "$TASK_USER" >"$T/cron.conf"
check_conf "$T/cron.conf"
like "an unquoted cron schedule gets a hint" "$ERR" 'quote it, schedule = "\*/5 \* \* \* \*"'

done_testing
