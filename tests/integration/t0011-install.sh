#!/bin/sh
# t0011-install: make install fills in its paths.  One build directory
# of the test's own, installed twice into temporary DESTDIRs with other
# PREFIX, SYSCONFDIR, RUNSTATEDIR, LOCALSTATEDIR and STATEDIR: each
# time the programs are rebuilt with the new defaults (maintd -V, the
# socket maintctl tries), and the rc scripts, the log rotation files,
# the example configuration and the manual pages name the paths of that
# install; the first tree keeps its own.  An install over an existing
# configuration keeps it; make uninstall removes everything but it.
# What README, INSTALL and contrib/README say make install puts there is
# there (contrib/ as it is in the tree, the task scripts in LIBEXECDIR),
# with no comment of the rc and log rotation files mangled by the
# filling in, the log rotation files creating the task logs as
# MAINTD_USER and MAINTD_GROUP, and, with PREFIX=/usr, no path of an
# install under /usr/local anywhere.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 55

# It builds and installs a maintd of its own, with the default flags: a
# sanitizer's build is not what it tests.
sanitized && skip_rest "a sanitizer or valgrind run: it builds its own maintd"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$T/build

# mk ARG...: make in the source tree, without what an outer make passes
# down (make check's flags and variables), its output kept in $T/make.out.
# Unoptimised: this is about paths, and it builds three times.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    make -j2 -C "$ROOT" BUILD="$B" OPT=-O0 "$@" >"$T/make.out" 2>&1 ||
		{ tail -20 "$T/make.out"; return 1; }
}

# no_tokens DIR: no @NAME@ is left in the files make install wrote.
no_tokens() {
	! grep -rlE '@(SBINDIR|SYSCONFDIR|RUNSTATEDIR|STATEDIR|LOCALSTATEDIR|MAINTD_USER|MAINTD_GROUP)@' "$1"
}

# contrib_installed DOC LIBEXEC: every file of the tree's contrib/ is in
# DOC/contrib at the same path, but the task scripts, which are in
# LIBEXEC, executable; tmux-monitor is executable too.  Says what is not.
contrib_installed() {
	(cd "$ROOT" && find contrib -type f) | while read -r f; do
		case $f in
		contrib/tasks/*.conf) want=$1/$f ;;
		contrib/tasks/*) want=$2/${f##*/} ;;
		*) want=$1/$f ;;
		esac
		[ -s "$want" ] || echo "$f: no $want"
		case $f in
		contrib/tasks/*.conf) ;;
		contrib/tasks/* | contrib/tmux-monitor)
			[ -x "$want" ] || echo "$want: not executable" ;;
		esac
	done | grep . && return 1
	return 0
}

# readme_entries: the files and directories contrib/README lists (the
# first word of its table's lines, at the margin or, under tasks/,
# indented by two), each as DOCDIR/contrib/... or LIBEXECDIR/... would
# hold it: "doc PATH" or "libexec NAME".
readme_entries() {
	awk '/^[A-Za-z][A-Za-z0-9_.\/-]*  / { top = $1; print "doc " top; next }
	    top == "tasks/" && /^  [a-z][a-z.-]*  / {
		if ($1 ~ /\.conf$/) print "doc tasks/" $1; else print "libexec " $1 }' \
	    "$ROOT/contrib/README"
}

# readme_promises DOC LIBEXEC: each entry of contrib/README is there.
readme_promises() {
	n=0
	readme_entries >"$T/entries"
	while read -r where what; do
		n=$((n + 1))
		case $where in
		doc) [ -e "$1/contrib/$what" ] || echo "contrib/README: $what: no $1/contrib/$what" ;;
		libexec) [ -x "$2/$what" ] || echo "contrib/README: $what: not in $2" ;;
		esac
	done <"$T/entries" | grep . && return 1
	# the table has 11 entries today: a parse that finds fewer is wrong
	[ "$(wc -l <"$T/entries")" -ge 11 ] || { cat "$T/entries"; return 1; }
}

# unmangled FILE...: no comment line begins with a path this install
# filled in followed by a comma or a column gap: what is left of a list
# or table of @NAME@ placeholders once they are paths (maintd.service's
# "#   /usr/sbin      directory holding maintd ...").  P is the install's
# prefix of every path.
unmangled() {
	p=$1
	shift
	! grep -nE "^[[:space:]]*#[[:space:]]*${p}[^[:space:],]*(,|[[:space:]]{2,})" "$@"
}

# stale_local DIR: text files that name a place of an install under
# /usr/local (the PATH lists of cron and maintd.conf(5), and the
# directories a script refuses to clean, are not such places).
stale_local() {
	! grep -rnIE '/usr/local/(libexec|share|etc/maintd|s?bin/maint)|PREFIX=/usr/local' "$1"
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
missing=""
for f in maintd.service maintd.init maintd.openrc maintd.freebsd \
    maintd.openbsd logrotate.maintd newsyslog.maintd.conf \
    maintd.conf.example maintd-fleet.conf.example tasks.d/cache-trim.conf \
    tasks.d/image-prune.json; do
	[ -s "$DOC/$f" ] || missing="${missing:-} $f"
done
is "first: in DOCDIR (INSTALL): rc scripts, log rotation, examples" \
    "${missing:-}" ""
check "first: all of contrib/ (the scripts in LIBEXECDIR)" \
    contrib_installed "$DOC" "$A$PA/libexec/maintd"
check "first: what contrib/README lists, where it says" \
    readme_promises "$DOC" "$A$PA/libexec/maintd"
check "first: cron/maintd-health in contrib/cron, not flattened" \
    test -s "$DOC/contrib/cron/maintd-health" -a ! -e "$DOC/contrib/maintd-health"
check "first: no comment of the rc and log rotation files mangled" \
    unmangled "$PA" "$DOC/maintd.service" "$DOC/maintd.init" \
    "$DOC/maintd.openrc" "$DOC/maintd.freebsd" "$DOC/maintd.openbsd" \
    "$DOC/logrotate.maintd" "$DOC/newsyslog.maintd.conf"
check "first: WRITING-TASKS names this install's LIBEXECDIR" \
    has "$DOC/contrib/WRITING-TASKS" "$PA/libexec/maintd/disk-space-check"
check "first: contrib/systemd's unit runs the script from LIBEXECDIR" \
    has "$DOC/contrib/systemd/app-db-vacuum.service" \
    "ExecStart=$PA/libexec/maintd/sqlite-vacuum"
check "first: logrotate creates the logs as maintd's default user and group" \
    grep -q "^[[:space:]]*create 0640 root $(id -gn root)\$" "$DOC/logrotate.maintd"
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
    has "$DOC/contrib/tasks/tasks.conf" "command     = \"$PA/libexec/maintd/cleanup-old-files"

# --- a second install, the same build directory, other paths --------------

# RUNSTATEDIR is not /var/run, a link to /run where the Debian package of
# t0801 may have a maintd listening while this file runs.
Bt=$T/b
check "second install (PREFIX=/usr, SYSCONFDIR=/srv/etc, BSD-like state)" mk \
    PREFIX=/usr SYSCONFDIR=/srv/etc RUNSTATEDIR=/srv/run STATEDIR=/var/db \
    MAINTD_USER=maint MAINTD_GROUP=staff DESTDIR="$Bt" install
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
	    "/srv/run/maintd/maintd.sock"
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
    has "$DOC2/maintd.openrc" 'pidfile="/srv/run/maintd.pid"'
check "second: newsyslog: the pidfile under the new RUNSTATEDIR" \
    grep -q '/srv/run/maintd.pid 30$' "$DOC2/newsyslog.maintd.conf"
check "second: logrotate creates the logs as MAINTD_USER and MAINTD_GROUP" \
    grep -q '^[[:space:]]*create 0640 maint staff$' "$DOC2/logrotate.maintd"
check "second: newsyslog: MAINTD_USER:MAINTD_GROUP" \
    grep -q '^/var/log/maintd/\*\.log[[:space:]]*maint:staff[[:space:]]' \
    "$DOC2/newsyslog.maintd.conf"
check "second: with PREFIX=/usr, no place under /usr/local is named" \
    stale_local "$Bt"
check "second: WRITING-TASKS names /usr/libexec/maintd" \
    has "$DOC2/contrib/WRITING-TASKS" "/usr/libexec/maintd/disk-space-check"
check "second: no comment of the rc and log rotation files mangled" \
    unmangled "/" "$DOC2/maintd.service" "$DOC2/maintd.init" \
    "$DOC2/maintd.openrc" "$DOC2/maintd.freebsd" "$DOC2/maintd.openbsd" \
    "$DOC2/logrotate.maintd" "$DOC2/newsyslog.maintd.conf"
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
    PREFIX=/usr SYSCONFDIR=/srv/etc RUNSTATEDIR=/srv/run STATEDIR=/var/db \
    DESTDIR="$Bt" uninstall
is "second: only its configuration is left" \
    "$(cd "$Bt" && find . -type f | sort)" "./srv/etc/maintd/maintd.conf"

done_testing
