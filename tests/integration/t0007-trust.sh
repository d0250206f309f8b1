#!/bin/sh
# t0007-trust: a root daemon acts only on a config file that no one but
# root could have changed: the file and every directory above it owned by
# root and writable by no one else (a sticky directory such as /tmp is
# fine).  The same check at maintd -n and at start-up, with the reason as
# "FILE: refusing: ...".  Also: a command given as a list is the argv as
# it is, and error messages show raw values escaped.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 21

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
else
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
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
