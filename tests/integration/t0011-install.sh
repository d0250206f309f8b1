#!/bin/sh
# t0011-install: make install fills in its paths.  One build directory
# of the test's own, installed twice into temporary DESTDIRs with other
# PREFIX, SYSCONFDIR, RUNSTATEDIR, LOCALSTATEDIR and STATEDIR: each
# time the programs are rebuilt with the new defaults (maintd -V, the
# socket maintctl tries), and the rc scripts, the log rotation files,
# the example configuration and the manual pages name the paths of that
# install; the first tree keeps its own.  An install over an existing
# configuration keeps it; make uninstall removes everything but it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 42

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$T/build

# mk ARG...: make in the source tree, without what an outer make passes
# down (make check's flags and variables), its output kept in $T/make.out.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    make -C "$ROOT" BUILD="$B" "$@" >"$T/make.out" 2>&1 ||
		{ tail -20 "$T/make.out"; return 1; }
}

# no_tokens DIR: no @NAME@ is left in the files make install wrote.
no_tokens() {
	! grep -rlE '@(SBINDIR|SYSCONFDIR|RUNSTATEDIR|STATEDIR|LOCALSTATEDIR)@' "$1"
}

# has FILE TEXT: FILE holds the fixed string TEXT.
has() {
	grep -qF -- "$2" "$1"
}

# the default as root, from maintd -V (KEY PATH lines)
vpath() {
	"$1" -V | awk -v k="$2" '$1 == k { print $2 }'
}

A=$T/a
PA=/opt/ma
check "first install (PREFIX=$PA, everything under it)" mk \
    PREFIX=$PA SYSCONFDIR=$PA/etc RUNSTATEDIR=$PA/run \
    LOCALSTATEDIR=$PA/var DESTDIR="$A" install
DOC=$A$PA/share/doc/maintd
for f in sbin/maintd sbin/maintctl sbin/maintctl-tty share/man/man8/maintd.8 \
    share/man/man8/maintctl.8 share/man/man5/maintd.conf.5 \
    sbin/maintd-http share/man/man8/maintd-http.8 \
    share/maintd/www/index.html share/maintd/www/app.js \
    share/bash-completion/completions/maintctl \
    share/zsh/site-functions/_maintctl etc/maintd/maintd.conf; do
	[ -s "$A$PA/$f" ] || missing="${missing:-} $f"
done
is "first: programs, manual pages, completion, configuration" "${missing:-}" ""
check "first: no @NAME@ left in what was installed" no_tokens "$A"

if is_root; then
	is "first: maintd -V: the configuration under SYSCONFDIR" \
	    "$(vpath "$A$PA/sbin/maintd" config)" "$PA/etc/maintd/maintd.conf"
	is "first: maintd -V: the socket under RUNSTATEDIR" \
	    "$(vpath "$A$PA/sbin/maintd" socket)" "$PA/run/maintd/maintd.sock"
	is "first: maintd -V: the database under LOCALSTATEDIR/lib" \
	    "$(vpath "$A$PA/sbin/maintd" database)" "$PA/var/lib/maintd/maintd.db"
	is "first: maintd -V: the task logs under LOCALSTATEDIR/log" \
	    "$(vpath "$A$PA/sbin/maintd" log_dir)" "$PA/var/log/maintd"
	like "first: maintctl tries the socket under RUNSTATEDIR" \
	    "$(env -u MAINTD_SOCKET "$A$PA/sbin/maintctl" ping 2>&1)" \
	    "$PA/run/maintd/maintd.sock"
else
	for _ in 1 2 3 4 5; do skip "defaults as root: not root"; done
fi

check "first: maintd.init runs the installed maintd" \
    has "$DOC/maintd.init" "DAEMON=$PA/sbin/maintd"
check "first: maintd.init: pidfile under RUNSTATEDIR" \
    has "$DOC/maintd.init" "PIDFILE=$PA/run/maintd.pid"
check "first: maintd.init: database directory under LOCALSTATEDIR/lib" \
    has "$DOC/maintd.init" "STATEDIR=$PA/var/lib/maintd"
check "first: maintd.init: log directory under LOCALSTATEDIR/log" \
    has "$DOC/maintd.init" "LOGDIR=$PA/var/log/maintd"
check "first: maintd.service starts it with the configuration of SYSCONFDIR" \
    has "$DOC/maintd.service" "MAINTD_CONFIG=$PA/etc/maintd/maintd.conf"
check "first: the rc scripts are still shell" \
    sh -n "$DOC/maintd.init" "$DOC/maintd.openrc" "$DOC/maintd.freebsd" \
    "$DOC/maintd.openbsd"
check "first: logrotate: the task logs and the pidfile of this install" \
    grep -q "^$PA/var/log/maintd/\*\.log {" "$DOC/logrotate.maintd"
check "first: logrotate: USR1 to the pid in that pidfile" \
    has "$DOC/logrotate.maintd" "kill -USR1 \"\$(cat $PA/run/maintd.pid)\""
# shellcheck disable=SC2016 # awk's fields
check "first: newsyslog: the task logs, the pidfile, signal 30" \
    awk -v l="$PA/var/log/maintd/*.log" -v p="$PA/run/maintd.pid" \
    '$1 == l && $(NF - 1) == p && $NF == 30 { ok = 1 } END { exit !ok }' \
    "$DOC/newsyslog.maintd.conf"
check "first: the example configuration shows this install's database" \
    has "$A$PA/etc/maintd/maintd.conf" "\"$PA/var/lib/maintd/maintd.db\""
check "first: maintd.conf(5) names this install's socket" \
    has "$A$PA/share/man/man5/maintd.conf.5" "$PA/run/maintd/maintd.sock"
check "first: maintd(8) FILES names this install's configuration" \
    has "$A$PA/share/man/man8/maintd.8" ".It Pa $PA/etc/maintd/maintd.conf"
check "first: the installed maintd reads the installed configuration" \
    "$A$PA/sbin/maintd" -n -c "$A$PA/etc/maintd/maintd.conf"
check "first: the example task scripts in LIBEXECDIR, executable" \
    test -x "$A$PA/libexec/maintd/cleanup-old-files" -a \
    -x "$A$PA/libexec/maintd/disk-space-check"
check "first: the example drop-in runs them from there" \
    has "$DOC/contrib/tasks.conf" "command     = \"$PA/libexec/maintd/cleanup-old-files"

# --- a second install, the same build directory, other paths --------------

Bt=$T/b
check "second install (PREFIX=/usr, SYSCONFDIR=/srv/etc, BSD-like state)" mk \
    PREFIX=/usr SYSCONFDIR=/srv/etc RUNSTATEDIR=/var/run STATEDIR=/var/db \
    DESTDIR="$Bt" install
check "second: it rebuilt what embeds the paths" \
    grep -q 'LD .*/maintd$' "$T/make.out"
DOC2=$Bt/usr/share/doc/maintd
check "second: no @NAME@ left" no_tokens "$Bt"
if is_root; then
	is "second: maintd -V: the configuration under the new SYSCONFDIR" \
	    "$(vpath "$Bt/usr/sbin/maintd" config)" "/srv/etc/maintd/maintd.conf"
	is "second: maintd -V: the database under STATEDIR" \
	    "$(vpath "$Bt/usr/sbin/maintd" database)" "/var/db/maintd/maintd.db"
	like "second: maintctl tries the socket under the new RUNSTATEDIR" \
	    "$(env -u MAINTD_SOCKET "$Bt/usr/sbin/maintctl" ping 2>&1)" \
	    "/var/run/maintd/maintd.sock"
	is "first: its maintd keeps its own paths" \
	    "$(vpath "$A$PA/sbin/maintd" config)" "$PA/etc/maintd/maintd.conf"
else
	for _ in 1 2 3 4; do skip "defaults as root: not root"; done
fi
check "second: the configuration is under the new SYSCONFDIR" \
    test -s "$Bt/srv/etc/maintd/maintd.conf"
check "second: maintd.freebsd creates the database directory under STATEDIR" \
    has "$DOC2/maintd.freebsd" "install -d -m 0750 -o root -g wheel /var/db/maintd"
check "second: maintd.openrc: the pidfile under the new RUNSTATEDIR" \
    has "$DOC2/maintd.openrc" 'pidfile="/var/run/maintd.pid"'
check "second: newsyslog: the pidfile under the new RUNSTATEDIR" \
    grep -q '/var/run/maintd.pid 30$' "$DOC2/newsyslog.maintd.conf"
check_fails "first: its rc scripts keep the first paths" \
    grep -q "/var/db\|/srv/etc" "$DOC/maintd.init" "$DOC/maintd.freebsd"

# --- again over a configuration, then uninstall ---------------------------

echo "max_weight = 3" >>"$A$PA/etc/maintd/maintd.conf"
check "an install over the first tree" mk \
    PREFIX=$PA SYSCONFDIR=$PA/etc RUNSTATEDIR=$PA/run \
    LOCALSTATEDIR=$PA/var DESTDIR="$A" install
check "it kept the configuration as edited" \
    grep -qx "max_weight = 3" "$A$PA/etc/maintd/maintd.conf"
check "uninstall of the first tree" mk \
    PREFIX=$PA SYSCONFDIR=$PA/etc RUNSTATEDIR=$PA/run \
    LOCALSTATEDIR=$PA/var DESTDIR="$A" uninstall
is "uninstall left the configuration and nothing else" \
    "$(cd "$A" && find . -type f | sort)" "./opt/ma/etc/maintd/maintd.conf"
check "uninstall: the configuration still as edited" \
    grep -qx "max_weight = 3" "$A$PA/etc/maintd/maintd.conf"
check "uninstall of the second tree" mk \
    PREFIX=/usr SYSCONFDIR=/srv/etc RUNSTATEDIR=/var/run STATEDIR=/var/db \
    DESTDIR="$Bt" uninstall
is "second: only its configuration is left" \
    "$(cd "$Bt" && find . -type f | sort)" "./srv/etc/maintd/maintd.conf"

done_testing
